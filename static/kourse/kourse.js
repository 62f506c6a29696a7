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
  }

  var sidebarButton = document.querySelector(".sidebar-toggle");
  if (sidebarButton) {
    sidebarButton.addEventListener("click", function () {
      var open = document.body.classList.toggle("sidebar-open");
      sidebarButton.setAttribute("aria-expanded", String(open));
    });
  }
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
        if (node.c && node.c.length) {
          li.className = "section";
          var details = document.createElement("details");
          details.open = onPath(node);
          var summary = document.createElement("summary");
          summary.appendChild(link(node));
          details.appendChild(summary);
          details.appendChild(list(node.c));
          li.appendChild(details);
        } else {
          li.appendChild(link(node));
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
