// kourse learner features: quizzes checked in the browser, progress marks
// kept in localStorage, glossary tooltips that Escape dismisses.
// Plain JavaScript; works from file://; nothing is sent anywhere.
(function () {
  "use strict";

  // Quizzes ---------------------------------------------------------------
  function resetQuestion(form) {
    form.querySelectorAll(".quiz-option").forEach(function (li) {
      li.classList.remove("is-right", "is-wrong");
      var why = li.querySelector(".quiz-explanation");
      if (why) { why.hidden = true; }
    });
    var feedback = form.querySelector(".quiz-feedback");
    if (feedback) { feedback.textContent = ""; feedback.className = "quiz-feedback"; }
  }

  function checkQuestion(form) {
    var options = form.querySelectorAll(".quiz-option");
    var chosen = 0;
    var allRight = true;
    options.forEach(function (li) {
      var input = li.querySelector("input");
      var correct = li.getAttribute("data-correct") === "true";
      if (input.checked) { chosen += 1; }
      if (input.checked !== correct) { allRight = false; }
    });
    resetQuestion(form);
    var feedback = form.querySelector(".quiz-feedback");
    if (chosen === 0) {
      feedback.textContent = "Choose an answer first.";
      return;
    }
    options.forEach(function (li) {
      var input = li.querySelector("input");
      var correct = li.getAttribute("data-correct") === "true";
      var why = li.querySelector(".quiz-explanation");
      if (input.checked) {
        li.classList.add(correct ? "is-right" : "is-wrong");
        if (why) { why.hidden = false; }
      } else if (allRight && correct && why) {
        why.hidden = false;
      }
    });
    if (allRight) {
      feedback.textContent = "Correct!";
      feedback.className = "quiz-feedback is-right";
    } else {
      var multiple = form.getAttribute("data-kind") === "multiple";
      feedback.textContent = multiple
        ? "Not quite: choose all the correct answers and only those. Read the explanations and try again."
        : "Not quite. Read the explanation and try again.";
      feedback.className = "quiz-feedback is-wrong";
    }
  }

  document.querySelectorAll("form.quiz-question").forEach(function (form) {
    var button = form.querySelector(".quiz-check");
    if (button) { button.hidden = false; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      checkQuestion(form);
    });
    form.addEventListener("change", function () { resetQuestion(form); });
  });

  // Progress --------------------------------------------------------------
  var course = window.kourseCourse || { key: "", pages: [] };
  var storageKey = "kourse-progress:" + course.key;
  var known = {};
  (course.pages || []).forEach(function (p) { known[p] = true; });

  function loadDone() {
    try {
      var v = JSON.parse(localStorage.getItem(storageKey) || "[]");
      return Array.isArray(v) ? v.filter(function (p) { return typeof p === "string"; }) : [];
    } catch (e) { return []; }
  }
  function saveDone(list) {
    try { localStorage.setItem(storageKey, JSON.stringify(list)); } catch (e) { /* storage disabled */ }
  }

  var markButton = document.querySelector(".mark-done");
  var progress = document.querySelector(".course-progress");

  function render() {
    var done = loadDone();
    var set = {};
    done.forEach(function (p) { set[p] = true; });
    document.querySelectorAll(".sidebar a[data-page]").forEach(function (a) {
      var mark = a.querySelector(".done-mark");
      var isDone = set[a.getAttribute("data-page")] === true;
      if (isDone && !mark) {
        mark = document.createElement("span");
        mark.className = "done-mark";
        mark.innerHTML = '<span aria-hidden="true">✓</span><span class="visually-hidden"> (done)</span>';
        a.appendChild(mark);
      } else if (!isDone && mark) {
        a.removeChild(mark);
      }
    });
    if (markButton) {
      var here = set[markButton.getAttribute("data-page")] === true;
      markButton.setAttribute("aria-pressed", String(here));
      markButton.textContent = here ? "Page done ✓ (mark as not done)" : "Mark this page as done";
      markButton.classList.toggle("is-done", here);
    }
    if (progress) {
      var total = (course.pages || []).length;
      var count = done.filter(function (p) { return known[p]; }).length;
      var bar = progress.querySelector("progress");
      if (bar) { bar.max = Math.max(total, 1); bar.value = count; }
      var num = progress.querySelector(".course-progress-count");
      if (num) { num.textContent = String(count); }
      var all = progress.querySelector(".course-progress-total");
      if (all) { all.textContent = String(total); }
    }
  }

  if (markButton) {
    markButton.addEventListener("click", function () {
      var page = markButton.getAttribute("data-page");
      var done = loadDone();
      var i = done.indexOf(page);
      if (i >= 0) { done.splice(i, 1); } else { done.push(page); }
      saveDone(done);
      render();
    });
  }
  if (progress) {
    progress.hidden = false;
    var status = progress.querySelector(".course-progress-status");
    if (status && !(course.pages && course.pages.length)) { status.hidden = true; }
    var reset = progress.querySelector(".progress-reset");
    var armed = false;
    if (reset) {
      reset.addEventListener("click", function () {
        if (!armed) {
          armed = true;
          reset.textContent = "Click again to forget all done marks";
          setTimeout(function () { armed = false; reset.textContent = "Reset progress"; }, 4000);
          return;
        }
        armed = false;
        reset.textContent = "Reset progress";
        saveDone([]);
        render();
      });
    }
  }
  render();
  // Another tab marked a page.
  window.addEventListener("storage", function (ev) { if (ev.key === storageKey) { render(); } });

  // Glossary tooltips: Escape hides the one shown (WCAG 1.4.13).
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") { return; }
    document.querySelectorAll(".term-wrap").forEach(function (w) { w.classList.add("tip-dismissed"); });
  });
  document.querySelectorAll(".term-wrap").forEach(function (w) {
    w.addEventListener("mouseleave", function () { w.classList.remove("tip-dismissed"); });
    var a = w.querySelector("a.term");
    if (a) { a.addEventListener("blur", function () { w.classList.remove("tip-dismissed"); }); }
  });
})();
