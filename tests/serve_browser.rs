//! `kourse serve` in headless Chromium: an edit shows up without a manual
//! reload (keeping the scroll position), a broken include or manifest shows the overlay,
//! the fix removes it, a CSS edit is swapped in without a reload.

mod support;

use std::time::Duration;

use kourse::serve::{ServeOptions, start};
use support::browser::{self, WAIT};

const PAGE: &str = "content/01-first-steps/first-pod.md";

#[test]
fn edits_errors_and_css_in_the_browser() {
    let Some(browser) = browser::browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    kourse::init::init(root).unwrap();
    std::fs::create_dir_all(root.join("static/kourse")).unwrap();
    // A long page, so that there is something to scroll.
    let original = std::fs::read_to_string(root.join(PAGE)).unwrap();
    let long = format!("{original}\n{}", "Filler paragraph.\n\n".repeat(300));
    std::fs::write(root.join(PAGE), &long).unwrap();
    let server = start(ServeOptions {
        root: root.to_path_buf(),
        port: 0,
        quiet: true,
        ..Default::default()
    })
    .unwrap();

    let tab = browser.new_page();
    tab.goto(&format!("{}first-steps/first-pod.html", server.url()));
    tab.wait_until(
        "window.__kourseLiveReload && document.readyState === 'complete'",
        WAIT,
    );
    std::thread::sleep(Duration::from_millis(300));
    tab.eval_json("(window.scrollTo({ top: 1500, behavior: 'instant' }), window.__marker = 'same document', true)");

    // An edit: the new text appears, the page was reloaded, the scroll position kept.
    std::fs::write(
        root.join(PAGE),
        long.replace("## The manifest", "## The manifest, live"),
    )
    .unwrap();
    across_reload(
        &tab,
        "document.body.innerText.includes('The manifest, live')",
    );
    assert_eq!(
        tab.eval_json("window.__marker === undefined"),
        serde_json::json!(true),
        "reloaded"
    );
    if !tab.try_wait_until("window.scrollY > 1000", WAIT) {
        panic!("scroll not kept: {:?}", tab.eval_json("[window.scrollY, document.documentElement.scrollHeight, innerHeight, document.readyState]"));
    }

    // A broken example include: the overlay shows file:line and the source line.
    tab.eval_json("(window.__marker = 'kept', true)");
    let broken = long.replace(
        "{{#example first-pod.yaml}}",
        "{{#example first-pod.yaml region=nope}}",
    );
    assert_ne!(broken, long, "the starter page includes first-pod.yaml");
    std::fs::write(root.join(PAGE), &broken).unwrap();
    tab.wait_for("#kourse-overlay .kourse-diagnostic", WAIT);
    let overlay = tab.text("#kourse-overlay").unwrap_or_default();
    assert!(overlay.contains("first-pod.md:"), "{overlay}");
    assert!(
        overlay.contains("region=nope"),
        "source line shown: {overlay}"
    );
    assert_eq!(
        tab.eval_json("window.__marker"),
        serde_json::json!("kept"),
        "no reload on a failed build"
    );

    // The fix removes the overlay (and reloads: the page changed).
    std::fs::write(
        root.join(PAGE),
        long.replace("## The manifest", "## Fixed manifest"),
    )
    .unwrap();
    across_reload(
        &tab,
        "!document.getElementById('kourse-overlay') && document.body.innerText.includes('Fixed manifest')",
    );

    // A broken manifest (a port out of range in the included example): the
    // overlay names the example's file, line and rule; the fix clears it.
    let manifest = root.join("examples/first-pod.yaml");
    let good = std::fs::read_to_string(&manifest).unwrap();
    let bad = good.replace("containerPort: 8080", "containerPort: 80800");
    assert_ne!(bad, good);
    std::fs::write(&manifest, &bad).unwrap();
    tab.wait_for("#kourse-overlay .kourse-diagnostic", WAIT);
    let overlay = tab.text("#kourse-overlay").unwrap_or_default();
    assert!(
        overlay.contains("examples/first-pod.yaml:14:26"),
        "{overlay}"
    );
    assert!(overlay.contains("port-range"), "{overlay}");
    assert!(
        overlay.contains("containerPort: 80800"),
        "source line shown: {overlay}"
    );
    std::fs::write(&manifest, &good).unwrap();
    across_reload(&tab, "!document.getElementById('kourse-overlay')");

    // CSS only: swapped in place, no reload.
    tab.eval_json("(window.__marker = 'css', true)");
    std::fs::write(
        root.join("static/kourse/style.css"),
        "body { background: rgb(1, 2, 3) !important; }\n",
    )
    .unwrap();
    tab.wait_until(
        "getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'",
        WAIT,
    );
    assert_eq!(
        tab.eval_json("window.__marker"),
        serde_json::json!("css"),
        "CSS swapped without a reload"
    );
    // The starter site has no favicon; every other error counts.
    let errors: Vec<String> = tab
        .errors()
        .into_iter()
        .filter(|e| !e.contains("favicon.ico"))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    server.stop();
}

/// Waits for `condition` while the page reloads: an evaluation that lands
/// mid-navigation fails in the harness, so it is retried.
fn across_reload(tab: &browser::Page, condition: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tab.try_wait_until(condition, Duration::from_millis(500))
        }));
        if matches!(r, Ok(true)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for `{condition}`");
}
