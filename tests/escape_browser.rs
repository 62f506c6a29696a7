//! No script from content (issue 18, requirement 3), in a real browser: a
//! course whose file names and titles are script URLs and markup is built,
//! and every page is opened from `file://`. No link or image on any page
//! has a scheme other than file, http(s) or mailto; following the sidebar,
//! prev/next and a search result to the hostile pages opens no dialog.

mod support;

use std::path::Path;
use std::time::Duration;

use support::browser::{self, Page, file_url, js_string};

const WAIT: Duration = Duration::from_secs(10);
const HOSTILE_TITLE: &str = "<img src=x onerror=alert(11)>";

fn hostile_course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kourse::init::init(dir.path()).unwrap();
    let write = |rel: &str, text: &str| std::fs::write(dir.path().join(rel), text).unwrap();
    write(
        "content/javascript:alert(1).md",
        &format!("+++\ntitle = \"{HOSTILE_TITLE}\"\nweight = 1\n+++\nscripted alertword text\n"),
    );
    write(
        "content/\"><svg onload=alert(2)>.md",
        "+++\ntitle = \"Quote page\"\nweight = 2\n+++\nanother alertword page\n",
    );
    write(
        "content/links.md",
        "+++\ntitle = \"Links\"\nweight = 3\n+++\nGo [there](./javascript:alert(1).md) (a link that starts with the name would be a script URL, and is refused).\n",
    );
    let report = kourse::site::build(&kourse::site::BuildOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    });
    if let Err(d) = report {
        panic!("{:#?}", d.iter().map(|d| d.headline()).collect::<Vec<_>>());
    }
    dir
}

fn html_pages(public: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(public)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect()
}

/// Protocols of every link, image and script source of the page.
fn protocols(page: &Page) -> Vec<String> {
    let v = page.eval_json(
        "[...document.querySelectorAll('a[href], [src]')].map(e => { \
           const u = e.getAttribute('href') ?? e.getAttribute('src'); \
           try { return new URL(u, location.href).protocol + ' ' + u; } catch (x) { return 'bad ' + u; } })",
    );
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn no_page_of_a_hostile_course_runs_script() {
    let Some(b) = browser::browser() else { return };
    let dir = hostile_course();
    let public = dir.path().join("public");
    let pages = html_pages(&public);
    assert!(pages.len() >= 6, "{pages:?}");
    for path in &pages {
        let page = b.new_page();
        page.goto(&file_url(path));
        page.wait_until("document.readyState === 'complete'", WAIT);
        for p in protocols(&page) {
            let scheme = p.split(' ').next().unwrap();
            assert!(
                ["file:", "http:", "https:", "mailto:", "data:"].contains(&scheme),
                "{}: {p}",
                path.display()
            );
            if scheme == "data:" {
                assert!(
                    p.starts_with("data: data:image/") || p.starts_with("data: data:,"),
                    "{p}"
                );
            }
        }
        // The 404 page links from the site root, for a server (tests/browser_404.rs);
        // from file:// its assets cannot load, which is no script.
        if path.file_name().is_some_and(|n| n == "404.html") {
            assert!(page.dialogs().is_empty(), "{:?}", page.dialogs());
        } else {
            page.assert_no_errors();
        }
    }

    // Follow the links to the hostile pages as a reader would.
    let page = b.new_page();
    page.goto(&file_url(&public.join("links.html")));
    page.wait_until("document.readyState === 'complete'", WAIT);
    page.click("article a[href^='javascript']");
    page.wait_until(
        "decodeURIComponent(location.pathname).endsWith('javascript:alert(1).html')",
        WAIT,
    );
    assert_eq!(page.text("article h1").as_deref(), Some(HOSTILE_TITLE));
    page.assert_no_errors();
    // Its sidebar entry and the next-page link lead on without a dialog.
    let next = page.eval_json("document.querySelector('a[rel=next]')?.getAttribute('href') ?? ''");
    assert!(
        !next
            .as_str()
            .unwrap()
            .to_ascii_lowercase()
            .starts_with("javascript:"),
        "{next}"
    );
    page.goto(&file_url(&public.join("index.html")));
    page.wait_until("document.readyState === 'complete'", WAIT);
    let sidebar = format!(
        "[...document.querySelectorAll('nav a')].find(a => a.textContent.includes({}))",
        js_string(HOSTILE_TITLE)
    );
    page.eval_json(&format!("({sidebar}).click(), 1"));
    page.wait_until(
        "decodeURIComponent(location.pathname).endsWith('javascript:alert(1).html')",
        WAIT,
    );
    page.assert_no_errors();

    // A search result for the hostile page.
    page.goto(&file_url(&public.join("index.html")));
    page.wait_for("#kourse-search-input", WAIT);
    page.focus("#kourse-search-input");
    page.type_text("alertword");
    page.wait_until(
        "document.querySelectorAll('#kourse-search-results [role=option] a').length >= 2",
        WAIT,
    );
    let hrefs = page.eval_json(
        "[...document.querySelectorAll('#kourse-search-results [role=option] a')].map(a => new URL(a.href).protocol)",
    );
    for p in hrefs.as_array().unwrap() {
        assert_eq!(p, "file:", "{hrefs}");
    }
    page.eval_json("(document.querySelector('#kourse-search-results [role=option] a').click(), 1)");
    page.wait_until("!location.pathname.endsWith('/index.html')", WAIT);
    page.assert_no_errors();
}
