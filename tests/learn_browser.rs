//! Learner features in headless Chromium, from file://: revealing a
//! solution, answering a quiz right and wrong, a glossary link's tooltip,
//! progress that survives a reload, and print.html's in-page links.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::browser::{self, file_url, js_string};

const WAIT: Duration = Duration::from_secs(10);

const CHAPTER: &str = r#"+++
title = "Basics"
weight = 1
objectives = ["Run a Pod"]
+++
Every Pod runs containers, and the kubelet starts them.

> [!EXERCISE] Scale
> Scale it to five replicas.

> [!SOLUTION]
> Run `kubectl scale deployment web --replicas=5`.

```quiz
? Which object keeps a fixed number of identical Pods running?
- [ ] A ConfigMap
  : A ConfigMap stores configuration; it never starts Pods.
- [x] A ReplicaSet
  : It compares the Pods its selector matches with `replicas`.

? Which of these are namespaced?
- [x] Pod
  : Pods always live in a namespace.
- [ ] Node
  : Nodes are cluster-wide.
- [x] Service
  : Services are namespaced.
```
"#;

fn built_course() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w("book.toml", "[book]\ntitle = \"Browser fixture\"\n");
    w(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nStart with [Basics](01-basics/_index.md), or read [k8s](https://kubernetes.io/).\n",
    );
    w("content/01-basics/_index.md", CHAPTER);
    w(
        "content/01-basics/pods.md",
        "+++\ntitle = \"Pods\"\n+++\n## The spec\n\nA Pod has a spec. [Back](_index.md), [glossary](../02-glossary/_index.md#kubelet).\n",
    );
    w(
        "content/02-glossary/_index.md",
        "+++\ntitle = \"Glossary\"\nweight = 9\n+++\n{{#glossary}}\n",
    );
    w(
        "content/glossary.toml",
        "[[term]]\nterm = \"Pod\"\naliases = [\"Pods\"]\ndefinition = \"The smallest deployable unit.\"\n\n[[term]]\nterm = \"kubelet\"\ndefinition = \"The agent on each node.\"\n",
    );
    kourse::site::build(&kourse::site::BuildOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap_or_else(|d| panic!("{d:#?}"));
    let public = dir.path().join("public");
    (dir, public)
}

fn open(page: &support::browser::Page, path: &Path) {
    page.goto(&file_url(path));
    // learn.js has run once the progress block is shown.
    page.wait_for(".course-progress:not([hidden])", WAIT);
}

fn visible(page: &support::browser::Page, selector: &str) -> bool {
    page.eval_json(&format!(
        "(() => {{ const e = document.querySelector({}); return !!e && e.checkVisibility({{ opacityProperty: true, visibilityProperty: true }}); }})()",
        js_string(selector)
    )) == serde_json::Value::Bool(true)
}

#[test]
fn solution_reveals_and_quiz_checks_answers() {
    let Some(b) = browser::browser() else { return };
    let (_dir, public) = built_course();
    let page = b.new_page();
    open(&page, &public.join("basics/index.html"));

    // The solution is hidden until its summary is clicked.
    assert!(!visible(&page, "details.solution p"));
    page.click("details.solution > summary");
    page.wait_until("document.querySelector('details.solution').open", WAIT);
    assert!(visible(&page, "details.solution p"));
    assert!(
        page.text("details.solution p")
            .unwrap()
            .contains("kubectl scale")
    );

    // Single choice, wrong answer first.
    let q1 = "form.quiz-question:nth-of-type(1)";
    assert!(visible(&page, &format!("{q1} .quiz-check")));
    assert!(!visible(&page, &format!("{q1} .quiz-explanation")));
    page.click(&format!("{q1} .quiz-option:nth-child(1) label"));
    page.click(&format!("{q1} .quiz-check"));
    page.wait_until(
        &format!(
            "document.querySelector('{q1} .quiz-feedback').textContent.startsWith('Not quite')"
        ),
        WAIT,
    );
    assert_eq!(page.count(&format!("{q1} .quiz-option.is-wrong")), 1);
    assert!(visible(
        &page,
        &format!("{q1} .quiz-option:nth-child(1) .quiz-explanation")
    ));
    assert!(!visible(
        &page,
        &format!("{q1} .quiz-option:nth-child(2) .quiz-explanation")
    ));
    // Then the right one.
    page.click(&format!("{q1} .quiz-option:nth-child(2) label"));
    assert_eq!(
        page.count(&format!("{q1} .quiz-option.is-wrong")),
        0,
        "changing the answer clears the marks"
    );
    page.click(&format!("{q1} .quiz-check"));
    page.wait_until(
        &format!("document.querySelector('{q1} .quiz-feedback').textContent === 'Correct!'"),
        WAIT,
    );
    assert_eq!(page.count(&format!("{q1} .quiz-option.is-right")), 1);
    assert!(visible(
        &page,
        &format!("{q1} .quiz-option:nth-child(2) .quiz-explanation")
    ));

    // Multiple choice: one of two correct answers is not enough.
    let q2 = "form.quiz-question:nth-of-type(2)";
    assert_eq!(page.count(&format!("{q2} input[type=checkbox]")), 3);
    page.click(&format!("{q2} .quiz-option:nth-child(1) label"));
    page.click(&format!("{q2} .quiz-check"));
    page.wait_until(
        &format!(
            "document.querySelector('{q2} .quiz-feedback').textContent.startsWith('Not quite')"
        ),
        WAIT,
    );
    page.click(&format!("{q2} .quiz-option:nth-child(3) label"));
    page.click(&format!("{q2} .quiz-check"));
    page.wait_until(
        &format!("document.querySelector('{q2} .quiz-feedback').textContent === 'Correct!'"),
        WAIT,
    );
    assert_eq!(page.count(&format!("{q2} .quiz-option.is-right")), 2);
    // The page did not navigate (the form was not submitted).
    assert!(page.url().ends_with("basics/index.html"), "{}", page.url());
    page.assert_no_errors();
}

#[test]
fn glossary_tooltip_and_link() {
    let Some(b) = browser::browser() else { return };
    let (_dir, public) = built_course();
    let page = b.new_page();
    open(&page, &public.join("basics/index.html"));

    assert!(!visible(&page, ".term-tip"));
    // Hover shows the tooltip.
    page.tab()
        .find_element("a.term")
        .unwrap()
        .move_mouse_over()
        .unwrap();
    page.wait_until(
        "getComputedStyle(document.getElementById('term-tip-pod')).display === 'block'",
        WAIT,
    );
    assert_eq!(
        page.text("#term-tip-pod").as_deref(),
        Some("The smallest deployable unit.")
    );
    page.tab()
        .find_element("h1")
        .unwrap()
        .move_mouse_over()
        .unwrap();
    page.wait_until(
        "getComputedStyle(document.getElementById('term-tip-pod')).display === 'none'",
        WAIT,
    );
    // So does keyboard focus, and Escape hides it; it describes the link.
    page.focus("a.term[href$='#kubelet']");
    assert!(visible(&page, "#term-tip-kubelet"));
    assert_eq!(
        page.eval_json("document.activeElement.getAttribute('aria-describedby')"),
        "term-tip-kubelet"
    );
    assert_eq!(
        page.eval_json("document.getElementById('term-tip-kubelet').getAttribute('role')"),
        "tooltip"
    );
    page.press_key("Escape");
    assert!(!visible(&page, "#term-tip-kubelet"));

    // Following the link lands on the entry.
    page.click("a.term[href$='#pod']");
    page.wait_until("location.hash === '#pod'", WAIT);
    assert!(page.url().contains("glossary/index.html"), "{}", page.url());
    assert_eq!(
        page.eval_json("document.querySelector(':target').tagName"),
        "DT"
    );
    assert_eq!(page.text(":target dfn").as_deref(), Some("Pod"));
    page.assert_no_errors();
}

#[test]
fn progress_persists_after_reload() {
    let Some(b) = browser::browser() else { return };
    let (_dir, public) = built_course();
    let page = b.new_page();
    let pods = public.join("basics/pods.html");
    open(&page, &pods);
    assert_eq!(
        page.eval_json("document.querySelector('.mark-done').getAttribute('aria-pressed')"),
        "false"
    );
    assert_eq!(page.text(".course-progress-total").as_deref(), Some("4"));
    page.click(".mark-done");
    page.wait_until(
        "document.querySelector('.mark-done').getAttribute('aria-pressed') === 'true'",
        WAIT,
    );
    assert_eq!(
        page.count(".sidebar a[data-page='basics/pods.html'] .done-mark"),
        1
    );
    assert_eq!(page.text(".course-progress-count").as_deref(), Some("1"));

    // Reload: still done. Chromium hands a write to localStorage to the
    // browser process asynchronously, so a document loaded at once may see
    // it a moment later (learn.js re-renders on the storage event): wait.
    open(&page, &pods);
    page.wait_until(
        "document.querySelector('.mark-done').getAttribute('aria-pressed') === 'true'",
        WAIT,
    );
    assert_eq!(
        page.count(".sidebar a[data-page='basics/pods.html'] .done-mark"),
        1
    );
    assert_eq!(
        page.eval_json("document.querySelector('.course-progress-bar').value"),
        1
    );

    // Another page shows the mark in the sidebar and the overall progress.
    open(&page, &public.join("index.html"));
    assert_eq!(
        page.eval_json("document.querySelector('.mark-done').getAttribute('aria-pressed')"),
        "false"
    );
    page.wait_for(".sidebar a[data-page='basics/pods.html'] .done-mark", WAIT);
    assert_eq!(page.text(".course-progress-count").as_deref(), Some("1"));
    page.click(".mark-done");
    page.wait_until(
        "document.querySelector('.course-progress-count').textContent === '2'",
        WAIT,
    );

    // Reset asks for a second click, then forgets everything.
    page.click(".progress-reset");
    assert_eq!(page.text(".course-progress-count").as_deref(), Some("2"));
    page.click(".progress-reset");
    page.wait_until(
        "document.querySelector('.course-progress-count').textContent === '0'",
        WAIT,
    );
    assert_eq!(page.count(".sidebar .done-mark"), 0);
    open(&page, &pods);
    page.wait_until(
        "document.querySelector('.mark-done').getAttribute('aria-pressed') === 'false'",
        WAIT,
    );
    page.assert_no_errors();
}

#[test]
fn print_edition_has_no_broken_in_page_links() {
    let Some(b) = browser::browser() else { return };
    let (_dir, public) = built_course();
    let page = b.new_page();
    page.goto(&file_url(&public.join("print.html")));
    page.wait_for("section.print-page", WAIT);
    assert_eq!(page.count("section.print-page"), 4);
    assert_eq!(page.count(".sidebar"), 0);
    let broken = page.eval_json(
        "[...document.querySelectorAll('a[href^=\"#\"]')].map(a => a.getAttribute('href')).filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))",
    );
    assert_eq!(broken, serde_json::json!([]), "broken in-page links");
    let internal = page.eval_json("document.querySelectorAll('a[href^=\"#\"]').length");
    assert!(internal.as_u64().unwrap() >= 10, "{internal}");
    // Links between pages point into the same document.
    let external = page.eval_json(
        "[...document.querySelectorAll('.print-page a[href]')].map(a => a.getAttribute('href')).filter(h => !h.startsWith('#'))",
    );
    assert_eq!(external, serde_json::json!(["https://kubernetes.io/"]));
    // Following one scrolls to its target on the same page.
    page.click("#c0 a[href='#c1']");
    page.wait_until("location.hash === '#c1'", WAIT);
    assert!(page.url().ends_with("print.html#c1"));
    // Quizzes work in the one-page edition too.
    page.wait_for(".quiz-check:not([hidden])", WAIT);
    // The print stylesheet shows external URLs and breaks pages before chapters.
    page.tab()
        .call_method(
            headless_chrome::protocol::cdp::Emulation::SetEmulatedMedia {
                media: Some("print".into()),
                features: None,
            },
        )
        .unwrap();
    assert_eq!(
        page.eval_json("getComputedStyle(document.querySelector('.print-chapter')).breakBefore"),
        "page"
    );
    let after = page.eval_json(
        "getComputedStyle(document.querySelector('a[href^=\"https\"]'), '::after').content",
    );
    assert!(
        after.as_str().unwrap().contains("https://kubernetes.io/"),
        "{after}"
    );
    page.assert_no_errors();
}
