//! The built site in headless Chromium: a page renders with no console
//! errors, the dark-mode toggle works and persists, prev/next navigate,
//! and copy buttons copy the whole manifest.

mod support;

use std::time::Duration;

use support::browser::{self, file_url};

const WAIT: Duration = Duration::from_secs(10);

fn built_course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kourse::init::init(dir.path()).unwrap();
    std::fs::write(
        dir.path().join("content/01-first-steps/second.md"),
        "+++\ntitle = \"A second page\"\nweight = 20\n+++\n## Next steps\n\nMore.\n",
    )
    .unwrap();
    kourse::site::build(&kourse::site::BuildOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    dir
}

#[test]
fn page_renders_without_errors_and_dark_mode_persists() {
    let Some(b) = browser::browser() else { return };
    let dir = built_course();
    let page = b.new_page();
    page.goto(&file_url(
        &dir.path().join("public/first-steps/first-pod.html"),
    ));
    // kourse.js marks the toggle once its handler is attached.
    page.wait_for(".theme-toggle[aria-pressed]", WAIT);
    assert_eq!(page.text("article h1").as_deref(), Some("A first Pod"));
    let before = page.eval_json("document.documentElement.getAttribute('data-theme')");
    page.click(".theme-toggle");
    let after = page.eval_json("document.documentElement.getAttribute('data-theme')");
    assert_ne!(before, after, "the toggle changes the theme");
    let bg = page.eval_json("getComputedStyle(document.body).backgroundColor");
    let expected_bg = if after == "dark" {
        "rgb(20, 23, 28)"
    } else {
        "rgb(255, 255, 255)"
    };
    assert_eq!(bg, expected_bg);
    page.wait_until(
        &format!("localStorage.getItem('kourse-theme') === {after}"),
        WAIT,
    );
    // The choice survives a reload. Chromium hands a localStorage write to
    // its browser process asynchronously, so a page loaded at once may see
    // it a moment later; kourse.js follows the storage event, so wait.
    page.goto(&file_url(
        &dir.path().join("public/first-steps/first-pod.html"),
    ));
    page.wait_for(".theme-toggle[aria-pressed]", WAIT);
    page.wait_until(
        &format!("document.documentElement.getAttribute('data-theme') === {after}"),
        WAIT,
    );
    page.assert_no_errors();
}

#[test]
fn prev_and_next_links_navigate_in_reading_order() {
    let Some(b) = browser::browser() else { return };
    let dir = built_course();
    let page = b.new_page();
    page.goto(&file_url(&dir.path().join("public/index.html")));
    page.wait_for(".prev-next .next", WAIT);
    let mut titles = vec![page.text("article h1").unwrap()];
    while page.count(".prev-next .next") == 1 {
        page.click(".prev-next .next");
        let previous = titles.last().unwrap().clone();
        page.wait_until(&format!("document.querySelector('article h1') && document.querySelector('article h1').textContent !== {}", browser::js_string(&previous)), WAIT);
        titles.push(page.text("article h1").unwrap());
        assert!(titles.len() < 10, "next links loop: {titles:?}");
    }
    assert_eq!(
        titles,
        ["Welcome", "First steps", "A first Pod", "A second page"]
    );
    // The full sidebar is drawn from nav.js, current page marked.
    assert_eq!(page.count(".sidebar a"), 4);
    assert_eq!(
        page.text(".sidebar a[aria-current=page]").as_deref(),
        Some("A second page")
    );
    page.click(".prev-next .prev");
    page.wait_until(
        "document.querySelector('article h1').textContent === 'A first Pod'",
        WAIT,
    );
    page.assert_no_errors();
}

#[test]
fn copy_button_copies_the_whole_manifest() {
    let Some(b) = browser::browser() else { return };
    let dir = built_course();
    let page = b.new_page();
    page.goto(&file_url(
        &dir.path().join("public/first-steps/first-pod.html"),
    ));
    page.wait_for("figure.manifest .copy:not([hidden])", WAIT);
    page.click("figure.manifest .copy");
    page.wait_until("typeof window.kourseLastCopied === 'string'", WAIT);
    let copied = page.eval_json("window.kourseLastCopied");
    let file = std::fs::read_to_string(dir.path().join("examples/first-pod.yaml")).unwrap();
    assert_eq!(copied.as_str(), Some(file.as_str()));
    page.wait_until(
        "/Copied|Press Ctrl\\+C/.test(document.querySelector('figure.manifest .copy').textContent)",
        WAIT,
    );
    page.assert_no_errors();
}
