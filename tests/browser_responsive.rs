//! Every page of the bundled course and of the starter course, laid out at
//! phone, tablet and desktop widths in headless Chromium (a real viewport
//! of that size, no mobile zoom-out): nothing is wider than the screen,
//! and search, the theme toggle and the chapter list can be reached.

mod support;

use std::path::Path;

use support::browser::{self, Page, WAIT};
use support::sites;

const WIDTHS: [u32; 5] = [320, 360, 390, 768, 1024];

/// What is wrong with the page as laid out now, if anything.
const PROBE: &str = r#"(() => {
  const problems = [];
  const de = document.documentElement;
  if (de.scrollWidth > innerWidth) {
    // Name the widest element that sticks out, to make the failure useful.
    let worst = null, right = innerWidth;
    document.querySelectorAll("body *").forEach((el) => {
      const r = el.getBoundingClientRect();
      let clipped = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") { clipped = true; break; }
      }
      if (!clipped && r.width && r.right > right + 0.5) { right = r.right; worst = el; }
    });
    const name = worst ? worst.tagName.toLowerCase() + (worst.className ? "." + String(worst.className).split(" ").join(".") : "") : "?";
    problems.push("page is " + de.scrollWidth + "px wide (widest: " + name + ")");
  }
  const reachable = (sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || r.left < 0 || r.right > innerWidth) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!hit && (hit === el || el.contains(hit));
  };
  const search = document.querySelector(".search-toggle");
  const searchShown = search && getComputedStyle(search).display !== "none";
  const searchControl = searchShown ? ".search-toggle" : ".kourse-search-input";
  if (document.querySelector(".kourse-search") && !reachable(searchControl)) problems.push("search control " + searchControl + " is not visible and clickable");
  if (document.querySelector(".theme-toggle") && !reachable(".theme-toggle")) problems.push("theme toggle is not visible and clickable");
  const drawer = document.querySelector(".sidebar-toggle");
  const drawerShown = drawer && getComputedStyle(drawer).display !== "none";
  const sidebar = document.querySelector(".sidebar");
  if (sidebar && !drawerShown && !reachable(".sidebar a")) problems.push("no visible sidebar and no drawer button");
  if (sidebar && drawerShown && !reachable(".sidebar-toggle")) problems.push("the drawer button is not visible and clickable");
  return problems;
})()"#;

fn walk(page: &Page, site: &Path, failures: &mut Vec<String>) -> usize {
    let pages = sites::pages(site);
    assert!(!pages.is_empty(), "no pages in {}", site.display());
    for path in &pages {
        page.set_viewport(WIDTHS[0], 800);
        page.goto_file(path);
        for &w in &WIDTHS {
            page.set_viewport(w, 800);
            // Let media-query listeners and resize handlers run.
            page.wait_until("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))", WAIT);
            assert_eq!(
                page.eval_json("innerWidth"),
                serde_json::json!(w),
                "the viewport is {w} px wide"
            );
            let problems = page.eval_json(PROBE);
            for p in problems.as_array().into_iter().flatten() {
                failures.push(format!(
                    "{} at {w}px: {}",
                    path.strip_prefix(site).unwrap_or(path).display(),
                    p.as_str().unwrap_or_default()
                ));
            }
        }
        page.assert_no_errors();
    }
    pages.len()
}

#[test]
fn no_page_is_wider_than_the_screen_and_controls_stay_reachable() {
    let Some(b) = browser::browser() else { return };
    let bundled = sites::bundled_course();
    let (_course, starter) = sites::starter_course();
    let page = b.new_page();
    let mut failures = Vec::new();
    let n = walk(&page, bundled.path(), &mut failures) + walk(&page, starter.path(), &mut failures);
    assert!(
        failures.is_empty(),
        "{} problems on {n} pages:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn small_screens_open_search_and_the_chapter_drawer_from_buttons() {
    let Some(b) = browser::browser() else { return };
    let (_course, site) = sites::starter_course();
    let page = b.new_page();
    page.set_viewport(360, 740);
    page.goto_file(&site.path().join("first-steps/first-pod.html"));
    page.wait_for(".theme-toggle[aria-pressed]", WAIT);
    assert_eq!(page.eval_json("getComputedStyle(document.querySelector('.kourse-search-input')).display === 'none' || !document.querySelector('.kourse-search-input').offsetParent"), serde_json::json!(true), "the search box waits behind its button");
    page.click(".search-toggle");
    page.wait_until(
        "document.activeElement && document.activeElement.id === 'kourse-search-input'",
        WAIT,
    );
    assert_eq!(
        page.eval_json("document.querySelector('.search-toggle').getAttribute('aria-expanded')"),
        "true"
    );
    assert_eq!(
        page.eval_json("document.documentElement.scrollWidth <= innerWidth"),
        serde_json::json!(true)
    );
    // The chapter list is a drawer.
    assert_eq!(
        page.eval_json("!!document.querySelector('.sidebar').offsetParent"),
        serde_json::json!(false)
    );
    page.click(".sidebar-toggle");
    page.wait_until(
        "!!document.querySelector('.sidebar a[aria-current=page]').offsetParent",
        WAIT,
    );
    page.press_key("Escape");
    page.wait_until("!document.querySelector('.sidebar').offsetParent", WAIT);
    // The page's contents are collapsed above it.
    assert_eq!(
        page.eval_json("document.querySelector('.page-toc details').open"),
        serde_json::json!(false)
    );
    page.set_viewport(1280, 900);
    page.wait_until("document.querySelector('.page-toc details').open", WAIT);
    page.assert_no_errors();
}

#[test]
fn arrow_keys_go_to_the_previous_and_next_page_outside_text_fields() {
    let Some(b) = browser::browser() else { return };
    let (_course, site) = sites::starter_course();
    let page = b.new_page();
    page.goto_file(&site.path().join("first-steps/index.html"));
    page.wait_for(".theme-toggle[aria-pressed]", WAIT);
    page.press_key("ArrowRight");
    page.wait_until(
        "location.pathname.endsWith('/first-steps/first-pod.html')",
        WAIT,
    );
    page.wait_for(".theme-toggle[aria-pressed]", WAIT);
    // Typing in the search box does not turn pages.
    page.focus("#kourse-search-input");
    page.press_key("ArrowLeft");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        page.url().ends_with("/first-steps/first-pod.html"),
        "{}",
        page.url()
    );
    page.eval_json("document.activeElement.blur()");
    page.press_key("ArrowLeft");
    page.wait_until(
        "location.pathname.endsWith('/first-steps/index.html')",
        WAIT,
    );
    page.assert_no_errors();
}
