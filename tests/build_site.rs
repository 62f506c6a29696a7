//! `kourse build` end to end: fixture courses are built into temporary
//! folders and the produced HTML is parsed and checked.

use std::path::{Path, PathBuf};

use kourse::diagnostic::Diagnostic;
use kourse::site::{BuildOptions, BuildReport, build};
use scraper::{Html, Selector};

/// A course in a temporary folder, written file by file.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        f.write("book.toml", "[book]\ntitle = \"Fixture course\"\nbase-url = \"https://course.example\"\nedit-url = \"https://git.example/edit/{path}\"\n");
        f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nWelcome. Start with [pods](02-workloads/pods.md#the-pod-spec).\n");
        f.write("content/02-workloads/_index.md", "+++\ntitle = \"Workloads\"\nweight = 20\nobjectives = [\"Run a Pod\"]\n+++\nWorkloads intro.\n");
        f.write(
            "content/02-workloads/pods.md",
            "+++\ntitle = \"Pods\"\nweight = 1\ndescription = \"All about Pods\"\n+++\n## The Pod spec\n\nText with a [link back](_index.md) and [an anchor](#the-pod-spec).\n\n### Containers\n\n> [!WARNING]\n> Careful.\n\n## The Pod spec\n\n```yaml not-manifest\na: 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        f.write("content/02-workloads/deployments.md", "+++\ntitle = \"Deployments\"\nweight = 2\n+++\nSee [Pods](pods.md) and [services](../01-services/_index.md#types).\n");
        f.write(
            "content/01-services/_index.md",
            "+++\ntitle = \"Services\"\nweight = 10\n+++\n## Types\n\nClusterIP and friends.\n",
        );
        f
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn build(&self) -> Result<BuildReport, Vec<Diagnostic>> {
        build(&BuildOptions {
            root: self.root().to_path_buf(),
            ..Default::default()
        })
    }

    fn html(&self, rel: &str) -> Html {
        let path: PathBuf = self.root().join("public").join(rel);
        Html::parse_document(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
    }

    /// Builds, expecting failure; returns the rendered headlines.
    fn errors(&self) -> Vec<String> {
        match self.build() {
            Ok(_) => panic!("the build should have failed"),
            Err(d) => d
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.headline())
                .collect(),
        }
    }
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attrs(doc: &Html, css: &str, attr: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

#[test]
fn builds_pages_in_weight_order_with_prev_next() {
    let f = Fixture::new();
    let report = f.build().unwrap();
    assert_eq!(report.pages, 5);
    let home = f.html("index.html");
    let nav = texts(&home, ".sidebar a");
    assert_eq!(
        nav,
        ["Home", "Services", "Workloads"],
        "top level, by weight"
    );
    let pods = f.html("workloads/pods.html");
    // Inline, a page lists only its own chapter; nav.js holds the rest.
    assert_eq!(
        texts(&pods, ".sidebar a"),
        ["Home", "Workloads", "Pods", "Deployments"]
    );
    let nav = std::fs::read_to_string(f.root().join("public/kourse/nav.js")).unwrap();
    let json = nav
        .strip_prefix("window.kourseNav = ")
        .unwrap()
        .trim_end()
        .trim_end_matches(';');
    let tree: serde_json::Value = serde_json::from_str(json).unwrap();
    let titles: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["t"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Home", "Services", "Workloads"]);
    assert_eq!(tree[2]["c"][0]["u"], "workloads/pods.html");
    assert_eq!(
        attrs(&pods, ".sidebar a[aria-current=page]", "href"),
        ["pods.html"]
    );
    assert_eq!(attrs(&pods, ".prev-next a.prev", "href"), ["index.html"]);
    assert_eq!(
        attrs(&pods, ".prev-next a.next", "href"),
        ["deployments.html"]
    );
    assert_eq!(texts(&pods, ".breadcrumbs a"), ["Home", "Workloads"]);
}

#[test]
fn a_page_does_not_grow_with_the_rest_of_the_course() {
    let f = Fixture::new();
    f.build().unwrap();
    let before = std::fs::metadata(f.root().join("public/workloads/pods.html"))
        .unwrap()
        .len();
    for i in 0..40 {
        f.write(
            &format!("content/extra-{i:02}/_index.md"),
            &format!(
                "+++\ntitle = \"Extra chapter {i}\"\nweight = {}\n+++\nx\n",
                100 + i
            ),
        );
    }
    f.build().unwrap();
    let after = std::fs::metadata(f.root().join("public/workloads/pods.html"))
        .unwrap()
        .len();
    assert_eq!(
        before, after,
        "the sidebar must not copy the whole course into every page"
    );
}

#[test]
fn headings_get_unique_ids_anchors_and_toc() {
    let f = Fixture::new();
    f.build().unwrap();
    let pods = f.html("workloads/pods.html");
    assert_eq!(
        attrs(&pods, "article h2", "id"),
        ["the-pod-spec", "the-pod-spec-1"]
    );
    assert_eq!(attrs(&pods, "article h3", "id"), ["containers"]);
    assert_eq!(
        attrs(&pods, "article h2 a.anchor", "href"),
        ["#the-pod-spec", "#the-pod-spec-1"]
    );
    assert_eq!(
        attrs(&pods, ".page-toc a", "href"),
        ["#the-pod-spec", "#containers", "#the-pod-spec-1"]
    );
}

#[test]
fn alerts_become_callouts_and_tables_render() {
    let f = Fixture::new();
    f.build().unwrap();
    let pods = f.html("workloads/pods.html");
    assert_eq!(
        texts(&pods, ".callout.callout-warning .callout-title"),
        ["Warning"]
    );
    assert_eq!(
        texts(&pods, ".callout.callout-warning p:not(.callout-title)"),
        ["Careful."]
    );
    assert_eq!(texts(&pods, "article table td"), ["1", "2"]);
}

#[test]
fn source_links_are_rewritten_to_relative_urls() {
    let f = Fixture::new();
    f.build().unwrap();
    let home = f.html("index.html");
    assert!(
        attrs(&home, "article a", "href").contains(&"workloads/pods.html#the-pod-spec".to_owned())
    );
    let deps = f.html("workloads/deployments.html");
    assert_eq!(
        attrs(&deps, "article a", "href"),
        ["pods.html", "../services/index.html#types"]
    );
}

#[test]
fn meta_tags_edit_link_404_and_sitemap() {
    let f = Fixture::new();
    f.build().unwrap();
    let pods = f.html("workloads/pods.html");
    assert_eq!(
        attrs(&pods, "meta[name=description]", "content"),
        ["All about Pods"]
    );
    assert_eq!(
        attrs(&pods, "meta[property='og:title']", "content"),
        ["Pods"]
    );
    assert_eq!(
        attrs(&pods, ".edit-link a", "href"),
        ["https://git.example/edit/content/02-workloads/pods.md"]
    );
    let not_found = f.html("404.html");
    assert_eq!(texts(&not_found, "article h1"), ["Page not found"]);
    let sitemap = std::fs::read_to_string(f.root().join("public/sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://course.example/workloads/pods.html</loc>"),
        "{sitemap}"
    );
    assert_eq!(sitemap.matches("<loc>").count(), 5);
}

#[test]
fn code_is_highlighted_with_classes() {
    let f = Fixture::new();
    f.build().unwrap();
    let pods = f.html("workloads/pods.html");
    let spans = attrs(&pods, "figure.code-block pre code span", "class");
    assert!(spans.iter().any(|c| c.starts_with("hl-")), "{spans:?}");
    let css = std::fs::read_to_string(f.root().join("public/kourse/highlight.css")).unwrap();
    assert!(css.contains("html[data-theme=\"dark\"] .hl-"));
}

#[test]
fn course_templates_and_assets_override_the_theme() {
    let f = Fixture::new();
    f.write(
        "templates/404.html",
        "<!DOCTYPE html><title>lost</title><h1 id=custom>Custom 404</h1>",
    );
    f.write("static/kourse/style.css", "body { color: red; }");
    f.write("static/kourse/highlight.css", ".hl-keyword { color: red; }");
    f.write(
        "static/img/a.svg",
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    f.build().unwrap();
    assert_eq!(texts(&f.html("404.html"), "h1#custom"), ["Custom 404"]);
    assert_eq!(
        std::fs::read_to_string(f.root().join("public/kourse/style.css")).unwrap(),
        "body { color: red; }"
    );
    // Even the stylesheet kourse generates for highlighted code.
    assert_eq!(
        std::fs::read_to_string(f.root().join("public/kourse/highlight.css")).unwrap(),
        ".hl-keyword { color: red; }"
    );
    assert!(f.root().join("public/img/a.svg").is_file());
}

/// A course's template gets a page's content however it uses it: raw,
/// escaped, measured, or tested for being empty.
#[test]
fn a_page_template_gets_its_content_however_it_uses_it() {
    let f = Fixture::new();
    f.write(
        "templates/page.html",
        "<!DOCTYPE html><title>{{ page.title }}</title><main>{{ page.content | safe }}</main><pre id=escaped>{{ page.content }}</pre><p id=len>{{ page.content | length }}</p>",
    );
    f.write(
        "templates/section.html",
        "<!DOCTYPE html><title>{{ page.title }}</title><main>{% if page.content %}{{ page.content | safe }}{% else %}<p id=empty>no text</p>{% endif %}</main>",
    );
    f.write(
        "content/01-services/_index.md",
        "+++\ntitle = \"Services\"\nweight = 10\n+++\n",
    );
    f.write(
        "content/01-services/types.md",
        "+++\ntitle = \"Types\"\n+++\n",
    );
    f.write(
        "content/02-workloads/deployments.md",
        "+++\ntitle = \"Deployments\"\nweight = 2\n+++\nSee [types](../01-services/types.md).\n",
    );
    f.build().unwrap();
    let pods = f.html("workloads/pods.html");
    assert_eq!(texts(&pods, "main h2")[0], "The Pod spec#");
    let escaped = texts(&pods, "pre#escaped").join("");
    assert!(escaped.starts_with("<h2 id=\"the-pod-spec\">"), "{escaped}");
    let html = std::fs::read_to_string(f.root().join("public/workloads/pods.html")).unwrap();
    let len: usize = texts(&pods, "p#len")[0].parse().unwrap();
    assert!(
        len > 500 && html.contains(&format!("<p id=len>{len}</p>")),
        "{len}"
    );
    assert!(!html.contains('\u{1}'), "no marker is left in the page");
    // An empty page: the template's test sees no content.
    let services = f.html("services/index.html");
    assert_eq!(texts(&services, "p#empty"), ["no text"]);
    assert_eq!(
        texts(&f.html("workloads/index.html"), "main p")[0],
        "Workloads intro."
    );
    // The default theme's pages have their content once.
    let plain = Fixture::new();
    plain.build().unwrap();
    let pods = plain.html("workloads/pods.html");
    assert_eq!(texts(&pods, "h2#the-pod-spec").len(), 1);
    assert_eq!(texts(&pods, ".callout-warning .callout-title").len(), 1);
}

/// With the theme's own templates a page is written around its body, not
/// rendered through the template with it; any course template (here
/// base.html with a comment added) gets the body itself. The pages must
/// not differ.
#[test]
fn pages_are_the_same_whether_the_body_goes_through_the_template_or_not() {
    let read_all = |f: &Fixture| -> Vec<(PathBuf, String)> {
        let mut pages = Vec::new();
        let mut stack = vec![f.root().join("public")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    pages.push((path.strip_prefix(f.root()).unwrap().to_path_buf(), text));
                }
            }
        }
        pages.sort();
        pages
    };
    let default = Fixture::new();
    default.build().unwrap();
    let custom = Fixture::new();
    let base = include_str!("../templates/base.html");
    custom.write(
        "templates/base.html",
        &format!("{base}{{# a course's own #}}"),
    );
    custom.build().unwrap();
    let theme = |f: &Fixture| kourse::theme::Theme::load(f.root()).unwrap();
    assert!(theme(&default).templates_are_default());
    assert!(!theme(&custom).templates_are_default());
    let (a, b) = (read_all(&default), read_all(&custom));
    assert_eq!(
        a.len(),
        7,
        "{:?}",
        a.iter().map(|p| &p.0).collect::<Vec<_>>()
    );
    for ((path_a, html_a), (path_b, html_b)) in a.iter().zip(&b) {
        assert_eq!(path_a, path_b);
        assert_eq!(html_a, html_b, "{}", path_a.display());
        assert!(!html_a.contains('\u{1}'), "{}", path_a.display());
    }
    assert_eq!(a.len(), b.len());
    let pods = default.html("workloads/pods.html");
    assert_eq!(texts(&pods, "article.content h2").len(), 2);
}

#[test]
fn drafts_are_left_out_unless_asked() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/draft.md",
        "+++\ntitle = \"Draft\"\ndraft = true\n+++\nwip\n",
    );
    f.build().unwrap();
    assert!(!f.root().join("public/workloads/draft.html").exists());
    build(&BuildOptions {
        root: f.root().to_path_buf(),
        drafts: true,
        ..Default::default()
    })
    .unwrap();
    assert!(f.root().join("public/workloads/draft.html").exists());
}

#[test]
fn images_with_site_root_paths_are_relative_and_checked() {
    let f = Fixture::new();
    f.write(
        "static/img/x.svg",
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    f.write("content/02-workloads/pods.md", "+++\ntitle = \"Pods\"\n+++\n## The Pod spec\n![a diagram](/img/x.svg)\n\n![missing](/img/nope.svg)\n");
    assert_eq!(
        f.errors(),
        [
            "content/02-workloads/pods.md:7:1: error[missing-asset]: `/img/nope.svg` is not in static/ or the theme"
        ]
    );
    f.write(
        "content/02-workloads/pods.md",
        "+++\ntitle = \"Pods\"\n+++\n## The Pod spec\n![a diagram](/img/x.svg)\n",
    );
    f.build().unwrap();
    assert_eq!(
        attrs(&f.html("workloads/pods.html"), "article img", "src"),
        ["../img/x.svg"]
    );
}

// One test per error kind, each asserting the exact `file:line:col` headline.

#[test]
fn error_broken_link() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/deployments.md",
        "+++\ntitle = \"D\"\n+++\nline one\n\nSee [x](podz.md).\n",
    );
    assert_eq!(
        f.errors(),
        [
            "content/02-workloads/deployments.md:6:5: error[broken-link]: link to a page that does not exist: `podz.md` (looked for content/02-workloads/podz.md)"
        ]
    );
}

#[test]
fn error_broken_anchor_in_other_page_and_same_page() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/deployments.md",
        "+++\ntitle = \"D\"\n+++\n[a](pods.md#nope) and [b](#missing)\n",
    );
    assert_eq!(
        f.errors(),
        [
            "content/02-workloads/deployments.md:4:1: error[broken-anchor]: content/02-workloads/pods.md has no heading with id `nope`",
            "content/02-workloads/deployments.md:4:23: error[broken-anchor]: no heading with id `missing` on this page",
        ]
    );
}

#[test]
fn error_bad_front_matter_toml() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/deployments.md",
        "+++\ntitle = \"D\"\nweight = \"heavy\"\n+++\n",
    );
    let errors = f.errors();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("content/02-workloads/deployments.md:3:10: error[front-matter]: "),
        "{errors:?}"
    );
}

#[test]
fn error_missing_title() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/deployments.md",
        "+++\nweight = 1\n+++\n",
    );
    assert_eq!(
        f.errors(),
        ["content/02-workloads/deployments.md:2:1: error[front-matter]: missing field `title`"]
    );
}

#[test]
fn error_unclosed_front_matter() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/deployments.md",
        "+++\ntitle = \"x\"\n",
    );
    assert_eq!(
        f.errors(),
        [
            "content/02-workloads/deployments.md:1:1: error[front-matter]: front matter is never closed: add a `+++` line after it"
        ]
    );
}

#[test]
fn error_non_utf8_file() {
    let f = Fixture::new();
    std::fs::write(
        f.root().join("content/02-workloads/bad.md"),
        b"+++\ntitle = \"x\"\n+++\nok\n\xff\xfe\n",
    )
    .unwrap();
    assert_eq!(
        f.errors(),
        ["content/02-workloads/bad.md:5:1: error[encoding]: file is not valid UTF-8"]
    );
}

#[test]
fn error_duplicate_slug() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/other.md",
        "+++\ntitle = \"O\"\nslug = \"pods\"\n+++\n",
    );
    assert_eq!(
        f.errors(),
        [
            "content/02-workloads/other.md:3:1: error[duplicate-slug]: this page and content/02-workloads/pods.md are both published as `workloads/pods.html`"
        ]
    );
}

#[test]
fn error_template() {
    let f = Fixture::new();
    f.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title | nosuchfilter }}\n{% endblock content %}\n");
    assert_eq!(
        f.errors(),
        ["templates/page.html:3:17: error[template]: Unknown filter `nosuchfilter`"]
    );
}

#[test]
fn error_unknown_config_key() {
    let f = Fixture::new();
    f.write(
        "book.toml",
        "[book]\ntitle = \"x\"\n\n[build]\nouput-dir = \"site\"\n",
    );
    let err = f.build().unwrap_err();
    assert_eq!(
        err[0].headline(),
        "book.toml:5:1: error[config]: unknown key `ouput-dir`"
    );
    assert_eq!(err[0].notes[0], "did you mean `output-dir`?");
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/deployments.md",
        "+++\ntitle = \"D\"\n+++\n[x](nope.md)\n",
    );
    f.write(
        "content/01-services/_index.md",
        "+++\ntitle = \"S\"\n+++\n[y](#nowhere)\n",
    );
    assert_eq!(f.errors().len(), 2);
}

#[test]
fn failed_build_keeps_previous_site() {
    let f = Fixture::new();
    f.build().unwrap();
    let before = std::fs::read(f.root().join("public/workloads/pods.html")).unwrap();
    f.write(
        "content/02-workloads/deployments.md",
        "+++\ntitle = \"D\"\n+++\n[x](nope.md)\n",
    );
    assert!(f.build().is_err());
    assert_eq!(
        std::fs::read(f.root().join("public/workloads/pods.html")).unwrap(),
        before
    );
    let stray: Vec<_> = std::fs::read_dir(f.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn refuses_to_write_over_a_folder_it_did_not_create() {
    let f = Fixture::new();
    f.write("public/precious.txt", "mine");
    let err = f.build().unwrap_err();
    assert_eq!(err[0].rule, "output-dir");
    assert_eq!(
        std::fs::read_to_string(f.root().join("public/precious.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn init_writes_a_course_that_builds_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let course = dir.path().join("course");
    kourse::init::init(&course).unwrap();
    let report = build(&BuildOptions {
        root: course.clone(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(report.pages, 3);
    let page = Html::parse_document(
        &std::fs::read_to_string(course.join("public/first-steps/first-pod.html")).unwrap(),
    );
    assert_eq!(texts(&page, "figure.manifest .kinds"), ["Pod"]);
    assert!(course.join("public/examples/first-pod.yaml").is_file());
    let err = kourse::init::init(&course).unwrap_err();
    assert!(err.iter().all(|d| d.rule == "init"));
}

/// A build with a cold cache highlights every block ahead of its pages; the
/// pages must then find all their code highlighted (none is highlighted
/// twice, or in the middle of rendering). Manifests (`yaml` and `yml`),
/// plain blocks, blocks in quotes and lists, and a quiz, which is not code.
#[test]
fn code_highlighted_ahead_is_all_the_pages_need() {
    let f = Fixture::new();
    f.write(
        "content/02-workloads/code.md",
        "+++\ntitle = \"Code\"\n+++\n```bash\necho hi\n```\n\n```yml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n```\n\n> ```yaml not-manifest\n> b: 2\n> ```\n\n- item\n\n  ```rust\n  fn main() {}\n  ```\n\n```nonesuch\nplain <text>\n```\n\n```quiz\n? Which object runs containers?\n- [x] Pod\n- [ ] Service\n```\n",
    );
    let root = f.root();
    let config = kourse::config::Config::load(root).unwrap();
    let course =
        kourse::content::load(root, kourse::content::LoadOptions { drafts: false }).unwrap();
    let mut blocks = kourse::blocks::CourseBlocks::new(root, &config).unwrap();
    blocks.attach_course(&course);
    let cache = kourse::highlight::HighlightCache::new();
    let renderer = kourse::markdown::PageRenderer {
        course: &course,
        highlighter: &cache,
        asset_exists: &|_| true,
        blocks: &blocks,
    };
    renderer.highlight_ahead(&course.pages);
    let ahead = cache.len();
    // bash, the manifest, the quoted YAML, rust, the unknown language; the
    // Pod spec page's block too.
    assert_eq!(ahead, 6);
    for page in &course.pages {
        let r = renderer.render(page);
        assert!(
            r.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}",
            r.diagnostics
        );
    }
    assert_eq!(cache.len(), ahead, "rendering highlighted something again");
}
