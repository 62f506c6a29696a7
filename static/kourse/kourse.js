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
