//! axe-core over every page of the bundled course (and print.html), in
//! light and dark, with the scheme from the system, and on a few pages
//! that between them show every template and feature with the scheme from
//! the ◐ toggle: no serious or critical WCAG 2.1 A/AA violation.
//!
//! axe-core comes from the npm registry (`.ci/run` installs it with
//! `npm install --prefix target/npm axe-core@…`) and is read from disk and
//! injected into each page; nothing is fetched while the test runs.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

use support::browser::{self, Page, WAIT};
use support::sites;

fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/npm/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(src) => Some(src),
        Err(e) => {
            if std::env::var("KOURSE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!(
                    "KOURSE_REQUIRE_BROWSER=1 but axe-core is not at {} ({e}); \
                     install it: npm install --prefix target/npm axe-core",
                    path.display()
                );
            }
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: axe-core not found at {} (npm install --prefix target/npm axe-core; \
                 KOURSE_REQUIRE_BROWSER=1 turns this into a failure) ***\n",
                path.display()
            );
            None
        }
    }
}

const RUN: &str = r#"axe.run(document, {
  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] },
  resultTypes: ["violations"]
}).then((r) => r.violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .flatMap((v) => v.nodes.map((n) => v.id + " (" + v.impact + ") at " + n.target.join(" ")
    + ": " + String(n.failureSummary || "").split("\n").slice(1, 2).join(" ").trim())))"#;

/// The serious and critical violations on the page as it is now.
fn violations(page: &Page, axe: &str) -> Vec<String> {
    if page.eval_json("typeof axe") != "object" {
        page.tab()
            .evaluate(axe, false)
            .unwrap_or_else(|e| panic!("injecting axe-core failed: {e:#}"));
    }
    // One axe run over the whole print edition takes seconds, and far more
    // on a loaded two-core machine: give it longer than an ordinary call.
    page.tab().set_default_timeout(AXE_TIMEOUT);
    let found = page.eval_json(RUN);
    page.tab().set_default_timeout(browser::CALL_TIMEOUT);
    found
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The bound on one axe run (a page's whole sweep).
const AXE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

fn check(page: &Page, axe: &str, site: &Path, path: &Path, mode: &str, out: &mut Vec<String>) {
    let name = path
        .strip_prefix(site)
        .unwrap_or(path)
        .display()
        .to_string();
    for v in violations(page, axe) {
        out.push(format!("{name} [{mode}]: {v}"));
    }
}

#[test]
fn no_serious_accessibility_violations_with_a_light_system_and_toggled_to_dark() {
    sweep("light");
}

/// The other half, in a test of its own so the two halves run side by side
/// (one browser each) and the sweep takes half the wall time on two cores.
#[test]
fn no_serious_accessibility_violations_with_a_dark_system_and_toggled_to_light() {
    sweep("dark");
}

/// What can make one page's accessibility differ from another's: its
/// template and the features it shows.
const FEATURES: &[&str] = &[
    "body.print-edition",
    ".section-list",
    ".examples-index",
    "dl.glossary",
    "figure.manifest",
    "svg.object-diagram",
    "pre.hl",
    "mark.hl-line",
    ".code-title",
    ".callout",
    "table",
    ".quiz-question",
    "details.solution",
    ".exercise",
    "a.term",
    ".content img",
    ".page-toc",
    ".prev-next",
    ".objectives",
    "kbd",
];

/// A few pages that between them show every template and feature of the
/// site (the home page first, then greedily the page that adds the most
/// not yet shown), for the toggle pass.
fn representatives(site: &Path, pages: &[PathBuf]) -> Vec<PathBuf> {
    let selectors: Vec<scraper::Selector> = FEATURES
        .iter()
        .map(|css| scraper::Selector::parse(css).unwrap())
        .collect();
    let shows: Vec<Vec<usize>> = pages
        .iter()
        .map(|path| {
            let doc = scraper::Html::parse_document(&std::fs::read_to_string(path).unwrap());
            (0..FEATURES.len())
                .filter(|&i| doc.select(&selectors[i]).next().is_some())
                .collect()
        })
        .collect();
    let home = pages.iter().position(|p| *p == site.join("index.html"));
    let mut chosen: Vec<usize> = home.into_iter().collect();
    let mut shown: std::collections::HashSet<usize> = chosen
        .iter()
        .flat_map(|&p| shows[p].iter().copied())
        .collect();
    loop {
        let best = (0..pages.len())
            .max_by_key(|&p| {
                (
                    shows[p].iter().filter(|f| !shown.contains(f)).count(),
                    std::cmp::Reverse(p),
                )
            })
            .filter(|&p| shows[p].iter().any(|f| !shown.contains(f)));
        let Some(p) = best else { break };
        shown.extend(shows[p].iter().copied());
        chosen.push(p);
    }
    chosen.into_iter().map(|p| pages[p].clone()).collect()
}

/// Fonts in place and a frame drawn: the page as a reader sees it.
fn settle(page: &Page) {
    page.wait_until("document.fonts.status === 'loaded'", WAIT);
    page.wait_until(
        "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))",
        WAIT,
    );
}

/// Every page with the system scheme `system`; then a few pages that
/// between them show every template and feature, toggled to the other
/// scheme. (The stylesheets
/// key every colour on `data-theme`, which the system sets before the first
/// paint and the toggle sets on a click: the toggle pass checks that the
/// toggle reaches the same styles, on every kind of page.)
fn sweep(system: &str) {
    let Some(axe) = axe_source() else { return };
    let Some(b) = browser::browser() else { return };
    let site = sites::bundled_course();
    // Over HTTP: axe-core reads the stylesheets, which file:// forbids.
    let port = support::static_server::serve(site.path().to_path_buf());
    let page = b.new_page();
    page.set_color_scheme(system);
    let mut found = Vec::new();
    let pages = sites::pages(site.path());
    let url = |path: &Path| {
        let rel = path
            .strip_prefix(site.path())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        format!("http://127.0.0.1:{port}/{rel}")
    };
    // The profile is fresh, so no page has a stored choice: the scheme is
    // the system's (asserted on each page).
    for path in &pages {
        page.goto(&url(path));
        settle(&page);
        if page.count(".theme-toggle") == 1 {
            page.wait_for(".theme-toggle[aria-pressed]", WAIT);
            assert_eq!(
                page.eval_json("document.documentElement.dataset.theme"),
                system
            );
        }
        check(
            &page,
            &axe,
            site.path(),
            path,
            &format!("system {system}"),
            &mut found,
        );
    }
    let toggled = representatives(site.path(), &pages);
    eprintln!(
        "{} pages with a {system} system, {} of them toggled",
        pages.len(),
        toggled.len()
    );
    let other = if system == "light" { "dark" } else { "light" };
    for path in &toggled {
        page.goto(&url(path));
        settle(&page);
        if page.count(".theme-toggle") != 1 {
            continue;
        }
        page.wait_for(".theme-toggle[aria-pressed]", WAIT);
        assert_eq!(
            page.eval_json("document.documentElement.dataset.theme"),
            system
        );
        page.click(".theme-toggle");
        page.wait_until(
            &format!("document.documentElement.dataset.theme === '{other}'"),
            WAIT,
        );
        check(
            &page,
            &axe,
            site.path(),
            path,
            &format!("toggled to {other}"),
            &mut found,
        );
        // The click stored the choice: forget it, so the next page follows
        // the system again.
        page.eval_json("localStorage.removeItem('kourse-theme')");
    }
    assert!(
        found.is_empty(),
        "{} serious or critical axe-core violations on {} pages ({} toggled):\n{}",
        found.len(),
        pages.len(),
        toggled.len(),
        found.join("\n")
    );
    page.assert_no_errors();
}
