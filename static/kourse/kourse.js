// kourse default theme behaviour: dark mode toggle, sidebar on small
// screens, copy buttons. Plain JavaScript; works from file://.
(function () {
  "use strict";
  var root = document.documentElement;

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.setAttribute("aria-pressed", String(root.getAttribute("data-theme") === "dark"));
    toggle.addEventListener("click", function () {
      var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      toggle.setAttribute("aria-pressed", String(next === "dark"));
      try { localStorage.setItem("kourse-theme", next); } catch (e) { /* storage disabled */ }
    });
    // Another tab (or the page before this one, whose write the browser
    // may hand over a moment late) chose a scheme: follow it.
    window.addEventListener("storage", function (ev) {
      if (ev.key !== "kourse-theme" || (ev.newValue !== "dark" && ev.newValue !== "light")) { return; }
      root.setAttribute("data-theme", ev.newValue);
      toggle.setAttribute("aria-pressed", String(ev.newValue === "dark"));
    });
  }

  var sidebarButton = document.querySelector(".sidebar-toggle");
  function setDrawer(open) {
    document.body.classList.toggle("sidebar-open", open);
    if (sidebarButton) { sidebarButton.setAttribute("aria-expanded", String(open)); }
  }
  if (sidebarButton) {
    sidebarButton.addEventListener("click", function () {
      setDrawer(!document.body.classList.contains("sidebar-open"));
    });
  }

  // Small screens: the search button opens the search box on its own row.
  var searchButton = document.querySelector(".search-toggle");
  var searchInput = document.getElementById("kourse-search-input");
  if (searchButton && searchInput) {
    searchButton.addEventListener("click", function () {
      var open = !document.body.classList.contains("search-open");
      document.body.classList.toggle("search-open", open);
      searchButton.setAttribute("aria-expanded", String(open));
      if (open) { searchInput.focus(); }
    });
  }

  // The page's contents: open beside the page on wide screens, collapsed
  // above it on narrow ones.
  var toc = document.querySelector(".page-toc details");
  if (toc && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 72.01rem)");
    toc.open = wide.matches;
    var follow = function () { toc.open = wide.matches; };
    if (wide.addEventListener) { wide.addEventListener("change", follow); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.body.classList.contains("sidebar-open")) {
      setDrawer(false);
      if (sidebarButton) { sidebarButton.focus(); }
      return;
    }
    // ← and → go to the previous and next page, unless the reader is
    // typing or holds a modifier.
    if ((e.key !== "ArrowLeft" && e.key !== "ArrowRight") || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey || e.defaultPrevented) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    // Keys that scroll a box sideways stay with the box.
    if (t && t.closest && t.closest("pre, table, .diagram-scroll, [tabindex='0']") && t !== document.body) { return; }
    var a = document.querySelector(e.key === "ArrowLeft" ? ".prev-next a.prev" : ".prev-next a.next");
    if (a) { e.preventDefault(); location.href = a.href; }
  });

  // Boxes that scroll sideways (wide code, tables, diagrams) are made
  // focusable, with a name, so a keyboard can scroll them.
  function markScrollers() {
    document.querySelectorAll(".content pre, .content table, .content .diagram-scroll, .print-main pre, .print-main table, .print-main .diagram-scroll").forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scroller", "");
        if (!el.hasAttribute("aria-label") && el.tagName !== "TABLE") {
          var fig = el.closest("figure");
          var title = fig && fig.querySelector(".code-title .file, .code-title .kinds, figcaption");
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", (el.tagName === "PRE" ? "Code" : "Diagram") + (title ? ": " + title.textContent.trim() : "") + " (scrolls sideways)");
        }
      } else if (!scrolls && el.hasAttribute("data-scroller")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroller");
        el.removeAttribute("role");
        el.removeAttribute("aria-label");
      }
    });
  }
  markScrollers();
  // Again once everything (fonts, images) is in place.
  window.addEventListener("load", function () { requestAnimationFrame(markScrollers); });
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(markScrollers); }
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markScrollers, 100);
  });
  // The full sidebar, drawn from nav.js (one cached file for the whole
  // site); each page's HTML only carries its own chapter.
  var sidebar = document.getElementById("sidebar");
  var here = sidebar && sidebar.querySelector('a[aria-current="page"]');
  if (sidebar && here && Array.isArray(window.kourseNav)) {
    var base = root.getAttribute("data-root") || "";
    var herePage = here.getAttribute("data-page");
    var onPath = function (node) {
      if (node.u === herePage) { return true; }
      return (node.c || []).some(onPath);
    };
    var link = function (node) {
      var a = document.createElement("a");
      a.href = base + node.u;
      a.setAttribute("data-page", node.u);
      a.textContent = node.t;
      if (node.u === herePage) { a.setAttribute("aria-current", "page"); }
      return a;
    };
    var list = function (nodes) {
      var ul = document.createElement("ul");
      nodes.forEach(function (node) {
        var li = document.createElement("li");
        // A chapter is one link (one tab stop); its pages are shown under
        // it while the reader is inside it, and hidden (no tab stops, but
        // there to carry progress marks) otherwise.
        li.appendChild(link(node));
        if (node.c && node.c.length) {
          var open = onPath(node);
          li.className = open ? "section open" : "section";
          var sub = list(node.c);
          sub.hidden = !open;
          li.appendChild(sub);
        }
        ul.appendChild(li);
      });
      return ul;
    };
    sidebar.replaceChildren(list(window.kourseNav));
  }
  var current = document.querySelector('.sidebar a[aria-current="page"]');
  if (current && current.scrollIntoView) { current.scrollIntoView({ block: "nearest" }); }

  // Copy buttons: copy the whole manifest when the block carries one (an
  // excerpt may be shown), otherwise the visible code.
  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(text)); });
    } else {
      done(fallback(text));
    }
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  document.querySelectorAll("figure.code-block").forEach(function (fig) {
    var button = fig.querySelector(".copy");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var full = fig.querySelector("template.full-source");
      var text = full ? full.content.textContent : fig.querySelector("pre code").textContent;
      window.kourseLastCopied = text;
      copyText(text, function (ok) {
        button.textContent = ok ? "Copied" : "Press Ctrl+C";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      });
    });
  });
})();
