// kourse serve: live reload. Injected only by `kourse serve`.
(function () {
  "use strict";
  var KEY = "kourse-scroll:" + location.pathname;
  var build = null;
  var es = null;

  function here() {
    var p = location.pathname;
    try { p = decodeURIComponent(p); } catch (e) { /* keep raw */ }
    p = p.replace(/^\/+/, "");
    if (p === "" || p.charAt(p.length - 1) === "/") p += "index.html";
    return p;
  }

  // Restore the scroll position saved by the reload that loaded this page.
  try {
    var saved = sessionStorage.getItem(KEY);
    if (saved !== null) {
      sessionStorage.removeItem(KEY);
      var restore = function () { window.scrollTo({ top: +saved || 0, left: 0, behavior: "instant" }); };
      if (document.readyState === "complete") restore(); else addEventListener("load", restore);
    }
  } catch (e) { /* storage may be disabled */ }

  function reload() {
    try { sessionStorage.setItem(KEY, String(window.scrollY)); } catch (e) { /* ignore */ }
    location.reload();
  }

  function abs(p) { return new URL("/" + p, location.origin).href; }
  function bare(href) { var u = new URL(href, location.href); return u.origin + u.pathname; }

  // Whether this page shows one of the changed outputs: itself, a script,
  // an image or another resource it uses (the search index excepted).
  function affected(changed) {
    var me = here();
    var used = {};
    var els = document.querySelectorAll("script[src], img[src], source[src], video[src], object[data]");
    for (var i = 0; i < els.length; i++) {
      var s = els[i].getAttribute("src") || els[i].getAttribute("data");
      if (s) used[bare(s)] = true;
    }
    for (var j = 0; j < changed.length; j++) {
      var c = changed[j];
      if (c === me) return true;
      if (/^search\//.test(c)) continue;
      if (used[bare(abs(c))]) return true;
    }
    return false;
  }

  function swapCss(changed) {
    var want = {};
    for (var i = 0; i < changed.length; i++) want[bare(abs(changed[i]))] = true;
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var j = 0; j < links.length; j++) {
      (function (link) {
        if (!want[bare(link.href)]) return;
        var u = new URL(link.href);
        u.searchParams.set("kourse-reload", String(Date.now()));
        var fresh = link.cloneNode();
        fresh.href = u.href;
        fresh.addEventListener("load", function () { link.remove(); });
        fresh.addEventListener("error", function () { link.remove(); });
        link.after(fresh);
      })(links[j]);
    }
  }

  function hideOverlay() {
    var o = document.getElementById("kourse-overlay");
    if (o) o.remove();
  }

  function el(tag, css, text) {
    var e = document.createElement(tag);
    if (css) e.style.cssText = css;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function showOverlay(diags) {
    hideOverlay();
    var box = el("div", "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,24,.92);color:#eee;font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:2rem;");
    box.id = "kourse-overlay";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-label", "Build failed");
    var head = el("div", "display:flex;justify-content:space-between;align-items:center;margin-bottom:1rem;");
    var errors = diags.filter(function (d) { return d.severity === "error"; }).length;
    head.appendChild(el("strong", "font-size:1.1rem;color:#ff7b72;", "kourse: the build failed (" + errors + " error" + (errors === 1 ? "" : "s") + "). Showing the last good version underneath."));
    var close = el("button", "background:#333;color:#eee;border:1px solid #666;padding:.2rem .6rem;cursor:pointer;", "Hide");
    close.type = "button";
    close.addEventListener("click", hideOverlay);
    head.appendChild(close);
    box.appendChild(head);
    diags.forEach(function (d) {
      var item = el("div", "margin:0 0 1.2rem;padding:.8rem 1rem;background:#1e1e24;border-left:4px solid " + (d.severity === "error" ? "#ff7b72" : "#d29922") + ";");
      item.className = "kourse-diagnostic";
      item.appendChild(el("div", "font-weight:bold;white-space:pre-wrap;", d.headline));
      if (d.source_line != null && d.line > 0) {
        var num = String(d.line) + " | ";
        item.appendChild(el("pre", "margin:.5rem 0 0;white-space:pre;color:#ccc;", num + d.source_line));
        var caret = new Array(num.length + Math.max(d.column, 1)).join(" ") + new Array(Math.max(d.len || 1, 1) + 1).join("^");
        item.appendChild(el("pre", "margin:0;white-space:pre;color:#ff7b72;", caret));
      }
      (d.notes || []).forEach(function (n) { item.appendChild(el("div", "color:#8bc6ff;margin-top:.3rem;", "help: " + n)); });
      box.appendChild(item);
    });
    (document.body || document.documentElement).appendChild(box);
  }

  function connect() {
    es = new EventSource("/__kourse/events");
    es.addEventListener("hello", function (e) {
      var d = JSON.parse(e.data);
      // A different build after a reconnect: the server restarted or we missed changes.
      if (build !== null && d.build !== build) { reload(); return; }
      build = d.build;
    });
    es.addEventListener("reload", function (e) {
      var d = JSON.parse(e.data);
      build = d.build;
      hideOverlay();
      if (d.all || affected(d.changed)) reload();
    });
    es.addEventListener("css", function (e) {
      var d = JSON.parse(e.data);
      build = d.build;
      hideOverlay();
      swapCss(d.changed);
    });
    es.addEventListener("failed", function (e) { showOverlay(JSON.parse(e.data).diagnostics); });
    es.onerror = function () {
      // EventSource retries by itself unless the server answered with an error.
      if (es.readyState === EventSource.CLOSED) { es.close(); setTimeout(connect, 1000); }
    };
  }

  window.__kourseLiveReload = { here: here };
  connect();
})();
