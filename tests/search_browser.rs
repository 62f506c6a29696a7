//! search.js in headless Chromium, on a small hand-made site built with
//! `build_index`, opened from file:// and over HTTP.

mod support;

use std::path::Path;

use kourse::search::{SearchDocument, SearchOptions, SearchSection, build_index};
use support::browser::{self, Page, WAIT};

const XSS: &str = "<script>alert(1)</script> and <img src=x onerror=alert(1)>";

fn sec(anchor: &str, heading: &str, prose: &str, code: &str, terms: &[&str]) -> SearchSection {
    SearchSection {
        anchor: anchor.into(),
        heading: heading.into(),
        prose: prose.into(),
        code: code.into(),
        manifest_terms: terms.iter().map(|s| s.to_string()).collect(),
    }
}

fn docs() -> Vec<SearchDocument<'static>> {
    vec![
        SearchDocument {
            url: "index.html".into(),
            page_title: "Welcome".into(),
            sections: vec![
                sec(
                    "",
                    "Welcome",
                    "This course teaches Kubernetes. Services come later; nodeport too.",
                    "",
                    &[],
                ),
                sec(
                    "hostile",
                    "Hostile content",
                    &format!("Watch out: {XSS} is shown as text. Malicious."),
                    "",
                    &[],
                ),
            ]
            .into(),
        },
        SearchDocument {
            url: "networking/services.html".into(),
            page_title: "Services".into(),
            sections: vec![
                sec(
                    "",
                    "Services",
                    "A Service gives pods a stable address.",
                    "",
                    &[],
                ),
                sec(
                    "nodeport",
                    "NodePort",
                    "A NodePort Service opens the same port on every node, from the range 30000-32767.",
                    "apiVersion: v1\nkind: Service\nspec:\n  type: NodePort",
                    &["v1", "Service", "apiVersion", "kind", "spec", "type"],
                ),
                sec(
                    "ports",
                    "Ports",
                    "Each port maps a service port to a container port.",
                    "ports:\n- port: 80\n  targetPort: 8080",
                    &["ports", "port", "targetPort"],
                ),
            ]
            .into(),
        },
    ]
}

fn page_html(doc: &SearchDocument, root: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut body = String::new();
    for s in doc.sections.iter() {
        if s.anchor.is_empty() {
            body += &format!("<h1>{}</h1>\n", esc(&doc.page_title));
        } else {
            body += &format!("<h2 id=\"{}\">{}</h2>\n", esc(&s.anchor), esc(&s.heading));
        }
        body += &format!("<p>{}</p>\n", esc(&s.prose));
        if !s.code.is_empty() {
            body += &format!("<pre><code>{}</code></pre>\n", esc(&s.code));
        }
        // enough text that anchors scroll
        body += &"<p>Filler paragraph.</p>\n".repeat(30);
    }
    format!(
        "<!doctype html>\n<html lang=\"en\" data-root=\"{root}\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"{root}search.css\">\
         <script src=\"{root}search.js\" defer></script></head>\n<body><header>{partial}</header>\
         <main>{body}</main></body></html>\n",
        title = esc(&doc.page_title),
        partial = include_str!("../templates/partials/search.html"),
    )
}

/// Write the site into `dir`.
fn build_site(dir: &Path) {
    let docs = docs();
    for (path, bytes) in build_index(&docs, &SearchOptions::default()) {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    for doc in &docs {
        let depth = doc.url.matches('/').count();
        let p = dir.join(&*doc.url);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, page_html(doc, &"../".repeat(depth))).unwrap();
    }
    std::fs::write(
        dir.join("search.js"),
        include_str!("../static/kourse/search.js"),
    )
    .unwrap();
    std::fs::write(
        dir.join("search.css"),
        include_str!("../static/kourse/search.css"),
    )
    .unwrap();
}

const RESULTS_SHOWN: &str = "!document.getElementById('kourse-search-results').hidden && \
     document.querySelectorAll('#kourse-search-results [role=option]').length > 0";

fn results(page: &Page) -> Vec<String> {
    let v = page.eval_json(
        "[...document.querySelectorAll('#kourse-search-results [role=option] a')].map(a => a.getAttribute('href'))",
    );
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            // Without the words to highlight on the target page.
            let s = s.as_str().unwrap_or_default();
            match (s.find('?'), s.find('#')) {
                (Some(q), Some(h)) => format!("{}{}", &s[..q], &s[h..]),
                (Some(q), None) => s[..q].to_string(),
                _ => s.to_string(),
            }
        })
        .collect()
}

fn search_for(page: &Page, q: &str) {
    page.focus("#kourse-search-input");
    page.eval_json("(document.getElementById('kourse-search-input').value = '', 1)");
    page.type_text(q);
    page.wait_until(RESULTS_SHOWN, WAIT);
    // let the debounce settle on the final query
    page.wait_until(
        &format!(
            "document.querySelector('#kourse-search-results mark') && window.__kourseSearchTiming && \
             document.getElementById('kourse-search-input').value === {}",
            browser::js_string(q)
        ),
        WAIT,
    );
    std::thread::sleep(std::time::Duration::from_millis(150));
}

fn check_site(page: &Page, base: &str) {
    // The index is not loaded until the box is used.
    page.goto(&format!("{base}networking/services.html"));
    page.wait_for("#kourse-search-input", WAIT);
    assert_eq!(
        page.count("script[src*='search/']"),
        0,
        "index loaded eagerly"
    );

    // Typing a word lists the right section first, highlighted.
    search_for(page, "nodeport");
    let hits = results(page);
    assert_eq!(hits[0], "../networking/services.html#nodeport", "{hits:?}");
    assert_eq!(
        page.text("#kourse-search-results [role=option] .kourse-search-heading")
            .as_deref(),
        Some("NodePort")
    );
    let marks = page.eval_json(
        "[...document.querySelectorAll('#kourse-search-opt-0 .kourse-search-snippet mark')].map(m => m.textContent)",
    );
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "NodePort"),
        "{marks}"
    );
    assert_eq!(
        page.eval_json(
            "document.getElementById('kourse-search-input').getAttribute('aria-expanded')"
        ),
        "true"
    );
    // Only the shard for "no", meta and the hit pages were loaded.
    let loaded = page.eval_json("[...document.querySelectorAll('script[src*=\"search/\"]')].map(s => s.getAttribute('src'))");
    let loaded: Vec<&str> = loaded
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        loaded.contains(&"../search/meta.js") && loaded.contains(&"../search/t/6e6f.js"),
        "{loaded:?}"
    );
    assert!(
        loaded.iter().filter(|s| s.contains("/t/")).count() == 1,
        "{loaded:?}"
    );

    // Manifest keys are findable; prefix while typing works.
    search_for(page, "targetPort");
    assert_eq!(results(page)[0], "../networking/services.html#ports");
    search_for(page, "nodep");
    assert_eq!(results(page)[0], "../networking/services.html#nodeport");

    // Keyboard: Escape closes; "/" focuses; arrows move; Enter opens the anchor.
    page.press_key("Escape");
    page.wait_until(
        "document.getElementById('kourse-search-results').hidden",
        WAIT,
    );
    page.eval_json("(document.activeElement.blur(), 1)");
    page.press_key("/");
    page.wait_until("document.activeElement.id === 'kourse-search-input'", WAIT);
    page.eval_json("(document.activeElement.blur(), 1)");
    page.press_key("s");
    page.wait_until("document.activeElement.id === 'kourse-search-input'", WAIT);
    assert_eq!(
        page.eval_json("document.getElementById('kourse-search-input').value"),
        "nodep",
        "s typed into the box"
    );
    search_for(page, "port");
    let hits = results(page);
    assert!(hits.len() >= 2, "{hits:?}");
    page.press_key("ArrowDown");
    page.press_key("ArrowDown");
    assert_eq!(
        page.eval_json("document.querySelector('[aria-selected=true]').id"),
        "kourse-search-opt-1"
    );
    assert_eq!(
        page.eval_json(
            "document.getElementById('kourse-search-input').getAttribute('aria-activedescendant')"
        ),
        "kourse-search-opt-1"
    );
    page.press_key("ArrowUp");
    assert_eq!(
        page.eval_json("document.querySelector('[aria-selected=true]').id"),
        "kourse-search-opt-0"
    );
    let target = hits[0].clone();
    page.press_key("Enter");
    let anchor = target.rsplit('#').next().unwrap().to_string();
    page.wait_until(&format!("location.hash === '#{anchor}'"), WAIT);
    page.wait_until(
        &format!("document.getElementById('{anchor}').classList.contains('kourse-search-target')"),
        WAIT,
    );

    // From the root page, the same index with data-root="".
    page.goto(&format!("{base}index.html"));
    page.wait_for("#kourse-search-input", WAIT);
    search_for(page, "nodeport");
    assert_eq!(results(page)[0], "networking/services.html#nodeport");

    // Hostile content is shown as text, never run.
    search_for(page, "onerror");
    assert_eq!(results(page)[0], "index.html#hostile");
    let snippet = page
        .text("#kourse-search-opt-0 .kourse-search-snippet")
        .unwrap();
    assert!(snippet.contains("<script>alert(1)</script>"), "{snippet}");
    assert!(
        snippet.contains("<img src=x onerror=alert(1)>"),
        "{snippet}"
    );
    assert_eq!(
        page.count("#kourse-search-results img, #kourse-search-results script"),
        0
    );
    search_for(page, "script");
    search_for(page, "img");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(page.dialogs(), Vec::<String>::new());
    page.assert_no_errors();
}

#[test]
fn search_works_from_file_urls() {
    let Some(b) = browser::browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    build_site(dir.path());
    let page = b.new_page();
    let base = browser::file_url(dir.path()) + "/";
    check_site(&page, &base);
}

#[test]
fn search_works_over_http() {
    let Some(b) = browser::browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    build_site(dir.path());
    let port = support::static_server::serve(dir.path().to_path_buf());
    let page = b.new_page();
    check_site(&page, &format!("http://127.0.0.1:{port}/"));
}
