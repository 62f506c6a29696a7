//! Search on the bundled course, in headless Chromium from file:// and from
//! a server: the queries readers make land on the right section first.

mod support;

use std::time::Duration;

use support::browser::{self, Page, file_url};

const WAIT: Duration = Duration::from_secs(20);

fn build_course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let opts = kourse::site::BuildOptions {
        root: env!("CARGO_MANIFEST_DIR").into(),
        dest: Some(dir.path().join("site")),
        ..Default::default()
    };
    kourse::site::build(&opts).unwrap();
    dir
}

/// Types `q` and returns the first result's link and heading.
fn first_hit(page: &Page, q: &str) -> (String, String) {
    page.focus("#kourse-search-input");
    page.eval_json("(document.getElementById('kourse-search-input').value = '', 1)");
    page.type_text(q);
    page.wait_until(
        &format!(
            "document.querySelector('#kourse-search-results [role=option] mark') && \
             document.getElementById('kourse-search-input').value === {}",
            browser::js_string(q)
        ),
        WAIT,
    );
    std::thread::sleep(Duration::from_millis(200));
    let href = page.eval_json(
        "document.querySelector('#kourse-search-results [role=option] a').getAttribute('href')",
    );
    let heading = page
        .eval_json("document.querySelector('#kourse-search-results [role=option]').textContent");
    // The words to highlight on the target page are left out.
    let href = href.as_str().unwrap_or_default();
    let href = match href.split_once('?') {
        Some((path, rest)) => format!("{path}{}", rest.find('#').map_or("", |i| &rest[i..])),
        None => href.to_owned(),
    };
    (href, heading.as_str().unwrap_or_default().to_owned())
}

fn assert_queries(page: &Page) {
    let cases = [
        (
            "NodePort",
            "services-networking/service-types.html#nodeport",
        ),
        ("targetPort", "services-networking/services-and-ports.html"),
        ("ImagePullBackOff", "troubleshooting/image-pull.html"),
        ("etcd", "architecture/control-plane.html"),
    ];
    let mut got = Vec::new();
    for (q, want) in cases {
        let (href, text) = first_hit(page, q);
        got.push(format!("{q} -> {href} ({})", text.trim()));
        assert!(
            href.contains(want),
            "first hit for {q} should be in {want}; got:\n{}",
            got.join("\n")
        );
    }
}

#[test]
fn bundled_course_search_from_file_and_server() {
    let Some(b) = browser::browser() else { return };
    let dir = build_course();
    let site = dir.path().join("site");
    let page = b.new_page();
    page.goto(&file_url(&site.join("index.html")));
    page.wait_for("#kourse-search-input", WAIT);
    assert_queries(&page);
    page.assert_no_errors();
    // One page at a time: with the file:// tab still open, the HTTP page's
    // deferred scripts were seen to stay pending in headless Chromium.
    let _ = page.tab().close(true);

    // The same site over HTTP, from a minimal static server on loopback.
    let port = support::static_server::serve(site.clone());
    let page = b.new_page();
    page.goto(&format!("http://127.0.0.1:{port}/index.html"));
    page.wait_for("#kourse-search-input", WAIT);
    assert_queries(&page);
}
