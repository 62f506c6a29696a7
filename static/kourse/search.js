/* kourse search: loads its index lazily through <script> tags (so it works
 * from file://), one shard per word prefix, and page text only for the hits.
 * The index format is described in src/search/mod.rs. All text from the
 * index is inserted with textContent / text nodes, never as HTML. */
(function () {
  "use strict";
  var input = document.getElementById("kourse-search-input");
  var list = document.getElementById("kourse-search-results");
  var status = document.getElementById("kourse-search-status");

  // ----- arrival: highlight the section the URL's #anchor points to -----
  var marked = [];
  function markTarget() {
    marked.forEach(function (el) { el.classList.remove("kourse-search-target"); });
    marked = [];
    var id = "";
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { id = location.hash.slice(1); }
    if (!id) return;
    var el = document.getElementById(id);
    if (!el) return;
    var parent = el.parentElement;
    if (parent && parent.tagName === "SECTION" && parent.firstElementChild === el) {
      marked.push(parent);
    } else {
      marked.push(el);
      var level = /^H[1-6]$/.test(el.tagName) ? +el.tagName[1] : 0;
      for (var n = el.nextElementSibling; n && level; n = n.nextElementSibling) {
        if (/^H[1-6]$/.test(n.tagName) && +n.tagName[1] <= level) break;
        marked.push(n);
      }
    }
    marked.forEach(function (m) { m.classList.add("kourse-search-target"); });
  }
  markTarget();
  window.addEventListener("hashchange", markTarget);

  // ----- arrival from a result: ?highlight=words marks them on the page -----
  var HL_WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var hlBar = null;
  function highlightArrival() {
    var wanted = "";
    try { wanted = new URLSearchParams(location.search).get("highlight") || ""; } catch (e) { wanted = ""; }
    var words = new Set((wanted.toLowerCase().match(HL_WORD) || []).slice(0, 24));
    if (!words.size) return;
    var scope = document.querySelector("main") || document.body;
    var walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var el = node.parentElement;
        if (!el || el.closest("script, style, textarea, noscript, .kourse-search, mark.kourse-highlight")) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [];
    for (var t = walker.nextNode(); t; t = walker.nextNode()) nodes.push(t);
    var count = 0;
    nodes.forEach(function (node) {
      var text = node.nodeValue, last = 0, m, frag = null;
      HL_WORD.lastIndex = 0;
      while ((m = HL_WORD.exec(text))) {
        if (!words.has(m[0].toLowerCase())) continue;
        frag = frag || document.createDocumentFragment();
        if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
        var mark = document.createElement("mark");
        mark.className = "kourse-highlight";
        mark.textContent = m[0];
        frag.appendChild(mark);
        last = m.index + m[0].length;
        count++;
      }
      if (!frag) return;
      if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(frag, node);
    });
    if (!count) return;
    hlBar = document.createElement("div");
    hlBar.className = "kourse-highlight-bar";
    hlBar.setAttribute("role", "region");
    hlBar.setAttribute("aria-label", "Search highlights");
    var label = document.createElement("span");
    label.textContent = "Highlighted: " + Array.from(words).join(", ") + " ";
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "kourse-highlight-clear";
    clear.textContent = "Remove highlights (Esc)";
    clear.addEventListener("click", clearHighlights);
    hlBar.appendChild(label);
    hlBar.appendChild(clear);
    document.body.appendChild(hlBar);
  }
  function clearHighlights() {
    document.querySelectorAll("mark.kourse-highlight").forEach(function (mark) {
      var parent = mark.parentNode;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    });
    if (hlBar) { hlBar.remove(); hlBar = null; }
    try {
      history.replaceState(history.state, "", location.pathname + location.hash);
    } catch (e) { /* some file:// pages may not rewrite their URL; the marks are gone anyway */ }
  }
  // The heading of the section the URL points to (the page's h1 without an
  // anchor) takes focus, so keyboard and screen-reader users land there.
  function focusTarget() {
    var id = "";
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { id = location.hash.slice(1); }
    var el = id ? document.getElementById(id) : (document.querySelector("main h1") || null);
    if (!el) return;
    if (el.tagName === "SECTION" && el.firstElementChild && /^H[1-6]$/.test(el.firstElementChild.tagName)) el = el.firstElementChild;
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "start" });
  }
  if (/[?&]highlight=/.test(location.search)) {
    highlightArrival();
    focusTarget();
  }
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || e.defaultPrevented || !document.querySelector("mark.kourse-highlight")) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    clearHighlights();
  });

  if (!input || !list) return;

  var root = document.documentElement.getAttribute("data-root") || "";
  var base = root + "search/";
  var LOAD_TIMEOUT_MS = 15000;
  var DEBOUNCE_MS = 60;
  var MAX_RESULTS = 10;
  var MAX_COMPLETIONS = 16;
  var CODE_LINES = 5; // lines of code shown in a result
  var PHRASE_BATCH = 30; // sections checked for a quoted phrase at a time
  var MAX_PHRASE_CHECKS = 300;
  var PARTS_ONLY = 0.5; // score share of a section that has a camelCase term's parts only
  var WORD = /[\p{Alphabetic}\p{N}]+/gu; // = Rust's char::is_alphanumeric runs

  // ----- loading index files via <script> -----
  var pending = {};
  window.__kourseSearch = function (kind, key, data) {
    var p = pending[kind + ":" + key];
    if (p && !p.done) { p.done = true; p.resolve(data); }
  };
  function load(kind, key, path) {
    var id = kind + ":" + key;
    if (pending[id]) return pending[id].promise;
    var entry = { done: false };
    entry.promise = new Promise(function (resolve) {
      entry.resolve = resolve;
      var finish = function () { if (!entry.done) { entry.done = true; resolve(null); } };
      var s = document.createElement("script");
      s.src = base + path;
      s.async = true;
      s.onload = finish; // the file called __kourseSearch first, or was bad
      s.onerror = finish;
      setTimeout(finish, LOAD_TIMEOUT_MS);
      document.head.appendChild(s);
    });
    pending[id] = entry;
    return entry.promise;
  }

  var metaPromise = null;
  var meta = null, shardKeys = null, pageStarts = null;
  function loadMeta() {
    if (!metaPromise) {
      metaPromise = load("m", "", "meta.js").then(function (m) {
        if (!m || m.v !== 3 || !Array.isArray(m.pages) || !(m.c > 0)) return null;
        meta = m;
        shardKeys = new Set(m.shards);
        pageStarts = new Uint32Array(m.pages.length + 1);
        for (var i = 0; i < m.pages.length; i++) pageStarts[i + 1] = pageStarts[i] + m.pages[i];
        return m;
      });
    }
    return metaPromise;
  }

  function hex(key) {
    var bytes = new TextEncoder().encode(key), s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  // The shard of a word: its longest prefix that is a shard key.
  function keyOf(word) {
    var chars = Array.from(word);
    for (var n = Math.min(meta.k, chars.length); n >= 1; n--) {
      var key = chars.slice(0, n).join("");
      if (shardKeys.has(key)) return key;
    }
    return "";
  }

  var shards = {};
  function loadShard(key) {
    if (!key || !shardKeys.has(key)) return Promise.resolve(null);
    if (shards[key]) return shards[key];
    shards[key] = load("t", key, "t/" + hex(key) + ".js").then(function (d) {
      if (!d) return null;
      return { w: d.w ? d.w.split(" ") : [], g: d.g, s: d.s ? d.s.split(" ") : [], p: d.p, dec: [],
        h: d.h && typeof d.h === "object" ? d.h : {}, named: [] };
    });
    return shards[key];
  }

  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVabcdefghijklmnopqrstuvwxyzWXYZ-_";
  var LUT = new Int8Array(128).fill(-1);
  for (var a = 0; a < 64; a++) LUT[ALPHABET.charCodeAt(a)] = a;
  // The sections whose heading holds word i of a shard.
  function namedIn(shard, i) {
    if (shard.named[i]) return shard.named[i];
    var str = String(shard.h[i] || ""), ids = new Set(), v = 0, shift = 0, sid = 0;
    for (var k = 0; k < str.length; k++) {
      var c = str.charCodeAt(k), d = c < 128 ? LUT[c] : -1;
      if (d < 0) break;
      v |= (d & 31) << shift;
      if (d < 32) { sid += v; ids.add(sid); v = 0; shift = 0; } else { shift += 5; }
    }
    shard.named[i] = ids;
    return ids;
  }
  // How well a corpus word in a heading names the typed word: fully as
  // typed or with an ending ("taints" for "taint"), half for another word
  // of its stem ("ready" for "readiness").
  function nameFactor(w, t) {
    var a = w.length < t.length ? w : t, b = w.length < t.length ? t : w;
    return b.lastIndexOf(a, 0) === 0 && b.length - a.length <= 2 ? 1 : 0.5;
  }
  // Postings of local stem j: [sectionIds Uint32Array, weights Uint16Array].
  function postings(shard, j) {
    if (shard.dec[j]) return shard.dec[j];
    var str = shard.p[j] || "", ids = [], ws = [], v = 0, shift = 0, odd = false, sid = 0;
    for (var i = 0; i < str.length; i++) {
      var c = str.charCodeAt(i), d = c < 128 ? LUT[c] : -1;
      if (d < 0) break;
      v |= (d & 31) << shift;
      if (d < 32) {
        if (!odd) { sid += v; ids.push(sid); } else { ws.push(v); }
        odd = !odd; v = 0; shift = 0;
      } else { shift += 5; }
    }
    var n = Math.min(ids.length, ws.length);
    shard.dec[j] = [Uint32Array.from(ids.slice(0, n)), Uint16Array.from(ws.slice(0, n))];
    return shard.dec[j];
  }

  // Words of a question that say nothing about its topic ("liveness vs
  // readiness", "how does a Service work"): left out of the query unless
  // the query is nothing else.
  var STOPWORDS = new Set(("a an and are as at be but by can do does did for from how i if in into is it its " +
    "has have me my of on or should so than that the their then there these this to vs versus was what when where " +
    "which who why will with without you your").split(" "));
  function lower(w) { return w.toLowerCase(); }
  function indexable(w) { var n = Array.from(w).length; return n >= 2 && n <= 40; }
  // The parts of a camelCase word as typed ("readinessProbe" → readiness,
  // probe), lowercased; none for a plain word.
  function camelParts(w) {
    var parts = w.split(/(?<=[\p{Ll}\p{N}])(?=\p{Lu})/u).map(lower).filter(indexable);
    return parts.length > 1 ? parts : null;
  }
  // A query: its terms ({t, parts}, each must match) and its quoted
  // phrases (lists of words that must also stand together, in order). A
  // quote left open is a phrase being typed.
  function parse(q) {
    var phrases = [], terms = [], seen = new Set(), stops = [];
    var rest = q.replace(/"([^"]*)("|$)/g, function (_, inner) {
      var ws = (inner.match(WORD) || []).map(lower);
      if (ws.length > 1) phrases.push(ws);
      ws.forEach(function (w) {
        if (indexable(w) && !STOPWORDS.has(w) && !seen.has(w)) { seen.add(w); terms.push({ t: w, parts: null }); }
      });
      return " ";
    });
    var last = null;
    (rest.match(WORD) || []).forEach(function (raw) {
      var t = lower(raw);
      if (!indexable(t) || seen.has(t)) return;
      seen.add(t);
      var term = { t: t, parts: camelParts(raw) };
      (STOPWORDS.has(t) ? stops : terms).push(term);
      last = term;
    });
    if (!terms.length) terms = stops;
    // The word being typed (no space or quote after it) also matches as a prefix.
    var typing = !/[\s"]$/.test(q) && last !== null && terms[terms.length - 1] === last &&
      (rest.match(WORD) || []).pop().toLowerCase() === last.t;
    return { terms: terms, phrases: phrases, typing: typing };
  }
  function tokenize(q) {
    var out = [];
    parse(q).terms.forEach(function (term) { out.push(term.t); (term.parts || []).forEach(function (p) { out.push(p); }); });
    return out;
  }

  // ----- querying -----
  // The sections that match one word: {best: section -> score, named:
  // section -> weight of the word when the section's heading (or page
  // title) holds it, words: the corpus words it matched}.
  function matchWord(t, shard, prefixOk, n) {
    var res = { best: new Map(), named: new Map(), words: new Set() };
    if (!shard) return res;
    var factor = new Map(); // local stem -> best match factor
    var set = function (g, f) { if (!(factor.get(g) >= f)) factor.set(g, f); };
    var pre = [];
    for (var i = 0; i < shard.w.length; i++) {
      var w = shard.w[i];
      if (w === t) set(shard.g[i], 1);
      else if (prefixOk && w.length > t.length && w.lastIndexOf(t, 0) === 0) pre.push(i);
    }
    // Completions of the word being typed: the most frequent few only.
    pre.sort(function (a, b) { return (shard.p[shard.g[b]] || "").length - (shard.p[shard.g[a]] || "").length; });
    pre.slice(0, MAX_COMPLETIONS).forEach(function (i) {
      set(shard.g[i], 0.5 + 0.4 * t.length / shard.w[i].length);
    });
    for (var j = 0; j < shard.s.length; j++) {
      var s = shard.s[j];
      if (s.length >= 3 && s !== t && ((t.lastIndexOf(s, 0) === 0 && t.length - s.length <= 4) ||
          (s[s.length - 1] === "i" && t === s.slice(0, -1) + "y"))) set(j, 0.8);
    }
    if (!factor.size) return res;
    var idfOf = function (g) { return Math.log(1 + n / Math.max(1, postings(shard, g)[0].length)); };
    for (var k = 0; k < shard.w.length; k++) {
      if (!factor.has(shard.g[k])) continue;
      res.words.add(shard.w[k]);
      if (!shard.h[k]) continue;
      var nf = idfOf(shard.g[k]) * factor.get(shard.g[k]) * nameFactor(shard.w[k], t);
      namedIn(shard, k).forEach(function (sid) { if (!(res.named.get(sid) >= nf)) res.named.set(sid, nf); });
    }
    factor.forEach(function (f, g) {
      var p = postings(shard, g), ids = p[0], ws = p[1];
      if (!ids.length) return;
      var idf = Math.log(1 + n / ids.length);
      for (var x = 0; x < ids.length; x++) {
        var sid = ids[x];
        if (sid >= n) continue;
        var sc = idf * ws[x] * f;
        if (!(res.best.get(sid) >= sc)) res.best.set(sid, sc);
      }
    });
    return res;
  }

  // Returns {hits: [{sid, score}] best first, words: Set of corpus words to
  // highlight, forms: per phrase word the corpus words it matched,
  // phrases, total}; shards must be loaded.
  function query(q, loaded) {
    var parsed = parse(q), terms = parsed.terms;
    var n = meta.pages.length ? pageStarts[meta.pages.length] : 0;
    var total = new Map(), count = new Map(), head = new Map();
    var hl = new Set(), forms = new Map();
    terms.forEach(function (term, ti) {
      var prefixOk = parsed.typing && ti === terms.length - 1;
      var whole = matchWord(term.t, loaded[keyOf(term.t)], prefixOk, n);
      whole.words.forEach(function (w) { hl.add(w); });
      forms.set(term.t, whole.words);
      var best = whole.best, named = whole.named;
      // A camelCase term (a manifest field) also matches where all of its
      // parts do: "readinessProbe" finds the section headed "Readiness".
      // Its heading counts by the share of the parts it holds.
      if (term.parts) {
        var parts = term.parts.map(function (p) { return matchWord(p, loaded[keyOf(p)], false, n); });
        if (parts.every(function (m) { return m.best.size; })) {
          best = new Map(best);
          named = new Map(named);
          // The last part names what it is (a probe), the others which
          // one (readiness): a heading counts when it holds those.
          var share = 1 / (parts.length - 0.5);
          parts[0].best.forEach(function (_, sid) {
            var sum = 0, nm = 0, which = true;
            for (var i = 0; i < parts.length; i++) {
              var sc = parts[i].best.get(sid);
              if (sc === undefined) return;
              sum += sc;
              var last = i === parts.length - 1, h = parts[i].named.get(sid) || 0;
              if (!last && !h) which = false;
              nm += (last ? 0.5 : 1) * h * share;
            }
            var w = best.get(sid);
            best.set(sid, w === undefined ? PARTS_ONLY * sum / parts.length : w + sum / parts.length);
            if (which && nm > (named.get(sid) || 0)) named.set(sid, nm);
          });
          parts.forEach(function (m) { m.words.forEach(function (w) { hl.add(w); }); });
        }
      }
      best.forEach(function (sc, sid) {
        count.set(sid, (count.get(sid) || 0) + 1);
        total.set(sid, (total.get(sid) || 0) + sc);
      });
      named.forEach(function (w, sid) { head.set(sid, (head.get(sid) || 0) + w); });
    });
    parsed.phrases.forEach(function (ph) { ph.forEach(function (w) { hl.add(w); }); });
    // Every word of the query must match (AND); only when no section has
    // them all do sections with fewer count.
    var most = 0;
    count.forEach(function (c) { if (c > most) most = c; });
    var ids = [];
    count.forEach(function (c, sid) { if (c === most) ids.push(sid); });
    // A page's title names its subject broadly: where a section of the
    // same page is headed with the words, the top of the page counts half.
    var namedPages = new Set();
    ids.forEach(function (sid) { if (head.get(sid) && !isTop(sid)) namedPages.add(pageOf(sid)); });
    ids.forEach(function (sid) { if (head.get(sid) && isTop(sid) && namedPages.has(pageOf(sid))) head.set(sid, head.get(sid) / 2); });
    // Sections whose heading names the query's words come first (the
    // rarer the words, the more it counts), then by score.
    var hits = ids.map(function (sid) { return { sid: sid, head: head.get(sid) || 0, score: total.get(sid) }; });
    hits.sort(function (a, b) { return (b.head - a.head) || (b.score - a.score) || (a.sid - b.sid); });
    return { hits: hits, words: hl, forms: forms, phrases: parsed.phrases, total: hits.length };
  }

  // Whether a section's text holds every phrase of the query: its words
  // side by side, in order, each as typed or as a form the index matched
  // for it ("rolling updates" for "rolling update").
  function hasPhrases(sec, res) {
    var words = (String(sec[1] || "") + "\n" + String(sec[2] || "") + "\n" + String(sec[3] || "")).toLowerCase().match(WORD) || [];
    return res.phrases.every(function (ph) {
      var ok = ph.map(function (w) { var f = res.forms.get(w); return function (x) { return x === w || (f && f.has(x)); }; });
      outer: for (var i = 0; i + ph.length <= words.length; i++) {
        for (var k = 0; k < ph.length; k++) if (!ok[k](words[i + k])) continue outer;
        return true;
      }
      return false;
    });
  }
  // Whether the index holds only the start of the section's text.
  function cut(sec) { return /…$/.test(String(sec[2] || "")); }

  function isTop(sid) { return pageStarts[pageOf(sid)] === sid; }
  function pageOf(sid) {
    var lo = 0, hi = meta.pages.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (pageStarts[mid] <= sid) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // ----- rendering (text only) -----
  // `text` with the words marked, cut to `limit` characters around its
  // first match (or around `at`, where a quoted phrase stands).
  function highlighted(text, words, limit, at) {
    var frag = document.createDocumentFragment();
    var start = 0, end = text.length;
    if (limit && text.length > limit) {
      WORD.lastIndex = 0;
      var m, first = at >= 0 ? at : -1;
      while (first < 0 && (m = WORD.exec(text))) { if (words.has(m[0].toLowerCase())) { first = m.index; break; } }
      start = first < 0 ? 0 : Math.max(0, first - Math.floor(limit / 3));
      if (start > 0) { var sp = text.indexOf(" ", start); if (sp >= 0 && sp < start + 20) start = sp + 1; }
      end = Math.min(text.length, start + limit);
      if (end < text.length) { var e2 = text.lastIndexOf(" ", end); if (e2 > start + limit / 2) end = e2; }
    }
    var part = text.slice(start, end);
    if (start > 0) frag.appendChild(document.createTextNode("…"));
    var re = new RegExp(WORD.source, "gu"), last = 0, mm;
    while ((mm = re.exec(part))) {
      if (!words.has(mm[0].toLowerCase())) continue;
      if (mm.index > last) frag.appendChild(document.createTextNode(part.slice(last, mm.index)));
      var mark = document.createElement("mark");
      mark.textContent = mm[0];
      frag.appendChild(mark);
      last = mm.index + mm[0].length;
    }
    if (last < part.length) frag.appendChild(document.createTextNode(part.slice(last)));
    if (end < text.length) frag.appendChild(document.createTextNode("…"));
    return frag;
  }

  function setStatus(text) { if (status) status.textContent = text; }

  var active = -1;
  function options() { return list.querySelectorAll('[role="option"]'); }
  function open() {
    if (!list.children.length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }
  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }
  function setActive(i) {
    var opts = options();
    if (active >= 0 && opts[active]) opts[active].setAttribute("aria-selected", "false");
    active = opts.length ? Math.max(-1, Math.min(i, opts.length - 1)) : -1;
    if (active >= 0) {
      opts[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  // Up to CODE_LINES lines of code around the first line with a match.
  function codeExcerpt(code, words) {
    var lines = code.split("\n"), at = -1;
    for (var i = 0; i < lines.length && at < 0; i++) {
      var m = lines[i].match(WORD) || [];
      for (var k = 0; k < m.length; k++) if (words.has(m[k].toLowerCase())) { at = i; break; }
    }
    if (at < 0) return null;
    var from = Math.max(0, Math.min(at - 1, lines.length - CODE_LINES));
    return lines.slice(from, from + CODE_LINES).join("\n");
  }
  // Where the first quoted phrase stands in `text`, as typed; -1 if not.
  function phraseAt(text, phrases) {
    if (!phrases.length) return -1;
    var esc = phrases[0].map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    var m = new RegExp("(?<![\\p{Alphabetic}\\p{N}])" + esc.join("[^\\p{Alphabetic}\\p{N}]+"), "iu").exec(text);
    return m ? m.index : -1;
  }
  function mentions(text, words) {
    var m = String(text).match(WORD) || [];
    for (var i = 0; i < m.length; i++) if (words.has(m[i].toLowerCase())) return true;
    return false;
  }

  // The link to a hit: its page, the words to highlight there, its section.
  function hitHref(p, sec, words) {
    var hl = Array.from(words).slice(0, 24).join(" ");
    return root + String(p.u || "") + (hl ? "?highlight=" + encodeURIComponent(hl) : "") +
      (sec[0] ? "#" + encodeURIComponent(String(sec[0])) : "");
  }

  function render(q, res, hits, pagesData) {
    list.textContent = "";
    active = -1;
    hits.forEach(function (h, i) {
      var p = pagesData[h.page];
      if (!p || !Array.isArray(p.s)) return;
      var s = p.s[h.local] || ["", "", "", ""];
      var li = document.createElement("li");
      li.id = "kourse-search-opt-" + i;
      li.className = "kourse-search-result";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.tabIndex = -1;
      link.href = hitHref(p, s, res.words);
      var where = document.createElement("span");
      where.className = "kourse-search-where";
      var pt = document.createElement("span");
      pt.className = "kourse-search-page";
      pt.appendChild(highlighted(String(p.t || p.u || ""), res.words, 0));
      where.appendChild(pt);
      if (s[1] && String(s[1]) !== String(p.t)) {
        var hd = document.createElement("span");
        hd.className = "kourse-search-heading";
        hd.appendChild(highlighted(String(s[1]), res.words, 0));
        where.appendChild(hd);
      }
      link.appendChild(where);
      var prose = String(s[2] || ""), code = String(s[3] || "");
      var excerpt = code ? codeExcerpt(code, res.words) : null;
      if (prose && (mentions(prose, res.words) || !excerpt)) {
        var sn = document.createElement("span");
        sn.className = "kourse-search-snippet";
        sn.appendChild(highlighted(prose, res.words, 180, phraseAt(prose, res.phrases)));
        link.appendChild(sn);
      }
      if (excerpt !== null || (!prose && code)) {
        var pre = document.createElement("span");
        pre.className = "kourse-search-code";
        pre.appendChild(highlighted(excerpt !== null ? excerpt : code.split("\n").slice(0, CODE_LINES).join("\n"), res.words, 0));
        link.appendChild(pre);
      }
      li.appendChild(link);
      list.appendChild(li);
    });
    var shown = list.children.length;
    setStatus(shown ? (res.total > shown ? shown + " of " + res.total : shown) + " results" : "No results for “" + q + "”");
    if (shown) open(); else close();
  }

  // The snippet data of the hits' pages, by page number (snippet files
  // hold meta.c pages each).
  function pagesFor(hits) {
    hits.forEach(function (h) { h.page = pageOf(h.sid); h.local = h.sid - pageStarts[h.page]; });
    var files = Array.from(new Set(hits.map(function (h) { return Math.floor(h.page / meta.c); })));
    return Promise.all(files.map(function (f) { return load("p", String(f), "p/" + f + ".js"); })).then(function (datas) {
      var byPage = {};
      files.forEach(function (f, i) {
        if (!Array.isArray(datas[i])) return;
        datas[i].forEach(function (d, k) { byPage[f * meta.c + k] = d; });
      });
      return byPage;
    });
  }

  // The hits to show: the best MAX_RESULTS; with quoted phrases, the best
  // whose text holds them, checked a batch of sections at a time (sections
  // the index holds only the start of, whose start lacks them, are shown
  // only when no section surely holds them).
  function pick(res, my) {
    if (!res.phrases.length) {
      var top = res.hits.slice(0, MAX_RESULTS);
      return pagesFor(top).then(function (byPage) { return { hits: top, byPage: byPage }; });
    }
    var sure = [], maybe = [], byPage = {}, i = 0;
    function step() {
      if (my !== seq) return null;
      if (sure.length >= MAX_RESULTS || i >= res.hits.length || i >= MAX_PHRASE_CHECKS) {
        res.total = sure.length || maybe.length;
        return { hits: (sure.length ? sure : maybe).slice(0, MAX_RESULTS), byPage: byPage };
      }
      var batch = res.hits.slice(i, i + PHRASE_BATCH);
      i += batch.length;
      return pagesFor(batch).then(function (got) {
        Object.keys(got).forEach(function (k) { byPage[k] = got[k]; });
        batch.forEach(function (h) {
          var p = got[h.page], sec = p && Array.isArray(p.s) ? p.s[h.local] : null;
          if (!sec) return;
          if (hasPhrases(sec, res)) sure.push(h); else if (cut(sec)) maybe.push(h);
        });
        return step();
      });
    }
    return step();
  }

  var seq = 0;
  function search(q) {
    var my = ++seq;
    var toks = tokenize(q);
    if (!toks.length) { list.textContent = ""; close(); setStatus(""); return Promise.resolve(); }
    var t0 = performance.now();
    return loadMeta().then(function (m) {
      if (!m) { setStatus("Search index unavailable."); return; }
      var keys = Array.from(new Set(toks.map(keyOf))).filter(Boolean);
      return Promise.all(keys.map(loadShard)).then(function (arr) {
        if (my !== seq) return;
        var loaded = {};
        keys.forEach(function (k, i) { if (arr[i]) loaded[k] = arr[i]; });
        var res = query(q, loaded);
        var t1 = performance.now();
        return pick(res, my).then(function (got) {
          if (!got || my !== seq) return;
          render(q, res, got.hits, got.byPage);
          window.__kourseSearchTiming = { total: performance.now() - t0, query: t1 - t0 };
        });
      });
    });
  }

  var timer = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    loadMeta();
    var q = input.value;
    timer = setTimeout(function () { search(q); }, DEBOUNCE_MS);
  });
  input.addEventListener("focus", function () {
    loadMeta();
    if (input.value && list.children.length) open();
  });
  input.addEventListener("blur", function () { close(); });
  list.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep focus for clicks
  function follow(i) {
    var opt = options()[i];
    var link = opt && opt.querySelector("a");
    if (!link) return;
    close();
    location.href = link.href;
  }
  input.addEventListener("keydown", function (e) {
    if (e.isComposing) return;
    var n = options().length;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (list.hidden) open();
      if (n) setActive(active + 1 >= n ? 0 : active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (n) setActive(active <= 0 ? n - 1 : active - 1);
    } else if (e.key === "Enter") {
      if (n && !list.hidden) { e.preventDefault(); follow(active >= 0 ? active : 0); }
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (!list.hidden) close(); else { input.value = ""; input.blur(); }
    }
  });
  document.addEventListener("keydown", function (e) {
    if ((e.key !== "/" && e.key !== "s") || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    // On small screens the box is behind the search button: open it.
    document.body.classList.add("search-open");
    var toggle = document.querySelector(".search-toggle");
    if (toggle) toggle.setAttribute("aria-expanded", "true");
    input.focus();
    input.select();
  });

  // For tests and benchmarks: run a query, resolve when results are shown.
  window.kourseSearch = { search: search, clearHighlights: clearHighlights };
})();
