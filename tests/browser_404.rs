//! The 404 page works wherever a server shows it: styled, with links that
//! lead back into the course, at any depth of the missing address, and no
//! page marked as the current one.

mod support;

use support::browser::{self, WAIT};
use support::sites;

fn hrefs(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

#[test]
fn links_of_the_404_page_start_at_the_site_root_or_the_base_url() {
    let (course, site) = sites::starter_course();
    let html = std::fs::read_to_string(site.path().join("404.html")).unwrap();
    let links = hrefs(&html, "a[href], link[href], script[src]", "href");
    assert!(!links.is_empty());
    for link in &links {
        assert!(
            link.starts_with('/') || link.starts_with('#'),
            "{link} in 404.html"
        );
    }
    assert!(
        hrefs(&html, "script[src]", "src")
            .iter()
            .all(|s| s.starts_with('/'))
    );
    assert_eq!(hrefs(&html, "[aria-current]", "href"), Vec::<String>::new());

    // With a base URL, links are absolute.
    let toml = std::fs::read_to_string(course.path().join("book.toml")).unwrap();
    std::fs::write(
        course.path().join("book.toml"),
        toml.replace(
            "[book]\n",
            "[book]\nbase-url = \"https://example.org/course/\"\n",
        ),
    )
    .unwrap();
    let site = sites::build(course.path());
    let html = std::fs::read_to_string(site.path().join("404.html")).unwrap();
    let links = hrefs(
        &html,
        ".site-title, .sidebar a, link[rel=stylesheet]",
        "href",
    );
    assert!(links.len() > 3, "{links:?}");
    for link in &links {
        assert!(
            link.starts_with("https://example.org/course/"),
            "{link} in 404.html"
        );
    }
    assert!(links.contains(&"https://example.org/course/first-steps/index.html".to_owned()));
}

#[test]
fn the_404_page_is_styled_and_its_links_work_at_any_depth() {
    let Some(b) = browser::browser() else { return };
    let (_course, site) = sites::starter_course();
    let port = support::static_server::serve_with_not_found_page(site.path().to_path_buf());
    let page = b.new_page();
    for missing in ["/nothing.html", "/first-steps/gone.html", "/a/b/c/d/e.html"] {
        page.goto(&format!("http://127.0.0.1:{port}{missing}"));
        page.wait_for(".theme-toggle[aria-pressed]", WAIT);
        assert_eq!(page.text("article h1").as_deref(), Some("Page not found"));
        // The theme's stylesheet applied: the header is a sticky bar.
        assert_eq!(
            page.eval_json("getComputedStyle(document.querySelector('.site-header')).position"),
            "sticky",
            "{missing}"
        );
        assert_eq!(
            page.eval_json("document.querySelector('.site-title').href"),
            format!("http://127.0.0.1:{port}/index.html")
        );
        assert_eq!(page.count(".sidebar [aria-current]"), 0, "{missing}");
        assert_eq!(
            page.eval_json(
                "document.querySelector(\".sidebar a[data-page='first-steps/index.html']\").href"
            ),
            format!("http://127.0.0.1:{port}/first-steps/index.html")
        );
    }
    page.click(".site-title");
    page.wait_until("location.pathname === '/index.html'", WAIT);
    page.wait_for(".theme-toggle[aria-pressed]", WAIT);
    assert_eq!(page.text("article h1").as_deref(), Some("Welcome"));
}
