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

  if (!input || !list) return;

  var root = document.documentElement.getAttribute("data-root") || "";
  var base = root + "search/";
  var LOAD_TIMEOUT_MS = 15000;
  var DEBOUNCE_MS = 60;
  var MAX_RESULTS = 10;
  var MAX_COMPLETIONS = 16;
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
        if (!m || m.v !== 2 || !Array.isArray(m.pages) || !(m.c > 0)) return null;
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
      return { w: d.w ? d.w.split(" ") : [], g: d.g, s: d.s ? d.s.split(" ") : [], p: d.p, dec: [] };
    });
    return shards[key];
  }

  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVabcdefghijklmnopqrstuvwxyzWXYZ-_";
  var LUT = new Int8Array(128).fill(-1);
  for (var a = 0; a < 64; a++) LUT[ALPHABET.charCodeAt(a)] = a;
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
    "me my of on or should so than that the their then there these this to vs versus was what when where " +
    "which who why will with without you your").split(" "));
  function tokenize(q) {
    var seen = new Set(), out = [], stops = [];
    (q.toLowerCase().match(WORD) || []).forEach(function (t) {
      var n = Array.from(t).length;
      if (n >= 2 && n <= 40 && !seen.has(t)) {
        seen.add(t);
        (STOPWORDS.has(t) ? stops : out).push(t);
      }
    });
    return out.length ? out : stops;
  }

  // ----- querying -----
  // Returns {hits: [{sid, score}], words: Set of corpus words to highlight,
  // tokens: n}; shards must be loaded.
  function query(q, loaded) {
    var toks = tokenize(q);
    var typing = !/\s$/.test(q) && toks[toks.length - 1] === tokenize(q.split(/\s+/).pop() || "")[0];
    var n = meta.pages.length ? pageStarts[meta.pages.length] : 0;
    var total = new Float32Array(n), count = new Uint8Array(n), touched = [];
    var hl = new Set();
    toks.forEach(function (t, ti) {
      var shard = loaded[keyOf(t)];
      if (!shard) return;
      var factor = new Map(); // local stem -> best match factor
      var set = function (g, f) { if (!(factor.get(g) >= f)) factor.set(g, f); };
      var prefixOk = typing && ti === toks.length - 1;
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
      if (!factor.size) return;
      for (var k = 0; k < shard.w.length; k++) if (factor.has(shard.g[k])) hl.add(shard.w[k]);
      var best = new Float32Array(n), mine = [];
      factor.forEach(function (f, g) {
        var p = postings(shard, g), ids = p[0], ws = p[1];
        if (!ids.length) return;
        var idf = Math.log(1 + n / ids.length);
        for (var x = 0; x < ids.length; x++) {
          var sid = ids[x];
          if (sid >= n) continue;
          var sc = idf * ws[x] * f;
          if (best[sid] === 0) mine.push(sid);
          if (sc > best[sid]) best[sid] = sc;
        }
      });
      for (var y = 0; y < mine.length; y++) {
        var id = mine[y];
        if (count[id] === 0) touched.push(id);
        count[id]++;
        total[id] += best[id];
      }
    });
    // Every word of the query must match (AND); only when no section has
    // them all do sections with fewer count.
    var most = 0;
    for (var z = 0; z < touched.length; z++) if (count[touched[z]] > most) most = count[touched[z]];
    touched = touched.filter(function (id) { return count[id] === most; });
    touched.sort(function (a, b) { return (total[b] - total[a]) || (a - b); });
    var hits = touched.slice(0, MAX_RESULTS).map(function (sid) { return { sid: sid, score: total[sid] }; });
    return { hits: hits, words: hl, total: touched.length };
  }

  function pageOf(sid) {
    var lo = 0, hi = meta.pages.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (pageStarts[mid] <= sid) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // ----- rendering (text only) -----
  function highlighted(text, words, limit) {
    var frag = document.createDocumentFragment();
    var start = 0, end = text.length;
    if (limit && text.length > limit) {
      WORD.lastIndex = 0;
      var m, first = -1;
      while ((m = WORD.exec(text))) { if (words.has(m[0].toLowerCase())) { first = m.index; break; } }
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

  function render(q, res, pagesData) {
    list.textContent = "";
    active = -1;
    res.hits.forEach(function (h, i) {
      var p = pagesData[h.page];
      if (!p || !Array.isArray(p.s)) return;
      var s = p.s[h.local] || ["", "", ""];
      var li = document.createElement("li");
      li.id = "kourse-search-opt-" + i;
      li.className = "kourse-search-result";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.tabIndex = -1;
      link.href = root + String(p.u || "") + (s[0] ? "#" + encodeURIComponent(String(s[0])) : "");
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
      var sn = document.createElement("span");
      sn.className = "kourse-search-snippet";
      sn.appendChild(highlighted(String(s[2] || ""), res.words, 180));
      link.appendChild(where);
      link.appendChild(sn);
      li.appendChild(link);
      list.appendChild(li);
    });
    var shown = list.children.length;
    setStatus(shown ? (res.total > shown ? shown + " of " + res.total : shown) + " results" : "No results for “" + q + "”");
    if (shown) open(); else close();
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
        res.hits.forEach(function (h) { h.page = pageOf(h.sid); h.local = h.sid - pageStarts[h.page]; });
        // Snippet files hold meta.c pages each.
        var files = Array.from(new Set(res.hits.map(function (h) { return Math.floor(h.page / meta.c); })));
        return Promise.all(files.map(function (f) { return load("p", String(f), "p/" + f + ".js"); })).then(function (datas) {
          if (my !== seq) return;
          var byPage = {};
          files.forEach(function (f, i) {
            if (!Array.isArray(datas[i])) return;
            datas[i].forEach(function (d, k) { byPage[f * meta.c + k] = d; });
          });
          render(q, res, byPage);
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
  window.kourseSearch = { search: search };
})();
