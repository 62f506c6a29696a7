//! What mdBook and Zola authors expect (issue 20, requirements 5 and 7),
//! through the real binary from inside a course: titled callouts, code
//! block titles and highlighted lines, `{{#include}}`, redirects for moved
//! pages, files beside a chapter, and the folder as an argument.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scraper::{Html, Selector};

const BIN: &str = env!("CARGO_BIN_EXE_kourse");
const PAGE: &str = "content/01-first-steps/first-pod.md";

fn course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kourse::init::init(dir.path()).unwrap();
    dir
}

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn kourse(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn html(path: PathBuf) -> Html {
    Html::parse_document(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    doc.select(&Selector::parse(css).unwrap())
        .map(|e| e.text().collect::<String>())
        .collect()
}

fn page(title: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\n{extra}+++\n{body}")
}

#[test]
fn titled_callouts_code_titles_and_marked_lines() {
    let dir = course();
    let root = dir.path();
    write(
        root,
        PAGE,
        page(
            "A first Pod",
            "",
            "> [!WARNING] Mind the <quota>\n> Text.\n\n> [!TIP]\n> Plain.\n\n```bash title=\"setup.sh\" hl_lines=\"2 4-5\"\necho one\necho two\necho three\necho \"four\nfive\"\necho six\n```\n",
        ),
    );
    let o = kourse(root, &["build", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = html(root.join("public/first-steps/first-pod.html"));
    assert_eq!(
        texts(&doc, ".callout-warning .callout-title"),
        ["Mind the <quota>"]
    );
    assert_eq!(
        texts(&doc, ".callout-warning p:not(.callout-title)"),
        ["Text."]
    );
    assert_eq!(texts(&doc, ".callout-tip .callout-title"), ["Tip"]);
    assert_eq!(texts(&doc, "figure .code-title"), ["setup.sh"]);
    assert_eq!(
        texts(&doc, "figure mark.hl-line"),
        ["echo two", "echo \"four", "five\""]
    );
    // A bad range is an error at the fence.
    write(
        root,
        PAGE,
        page(
            "A first Pod",
            "",
            "Text.\n\n```bash hl_lines=\"3-1\"\necho\n```\n",
        ),
    );
    let o = kourse(root, &["build", "-q"]);
    assert!(
        stderr(&o).contains(&format!("{PAGE}:6:1: error[code-block]: hl_lines: `3-1`")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn include_shows_any_course_file_by_lines_or_anchor() {
    let dir = course();
    let root = dir.path();
    write(
        root,
        "scripts/setup.sh",
        "#!/bin/sh\n# ANCHOR: cluster\nkind create cluster\n# ANCHOR_END: cluster\necho done\n",
    );
    write(
        root,
        PAGE,
        page(
            "A first Pod",
            "",
            "{{#include ../../scripts/setup.sh}}\n\n{{#include ../../scripts/setup.sh:cluster}}\n\n{{#include ../../scripts/setup.sh:5:5}}\n",
        ),
    );
    let o = kourse(root, &["build", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = html(root.join("public/first-steps/first-pod.html"));
    assert_eq!(
        texts(&doc, "figure pre code"),
        [
            "#!/bin/sh\nkind create cluster\necho done\n",
            "kind create cluster\n",
            "echo done\n"
        ]
    );
    assert_eq!(texts(&doc, "figure .code-title")[0], "scripts/setup.sh");
    // Confined to the course, hidden files refused, missing anchors named.
    write(root, ".secret", "token\n");
    write(
        root,
        PAGE,
        page(
            "A first Pod",
            "",
            "{{#include ../../../../../etc/hostname}}\n\n{{#include ../../.secret}}\n\n{{#include ../../scripts/setup.sh:nope}}\n",
        ),
    );
    let o = kourse(root, &["build", "-q"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{PAGE}:4:1: error[include]: ")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{PAGE}:6:1: error[include]: `../../.secret` is a hidden file"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{PAGE}:8:1: error[include]: ../../scripts/setup.sh: no `ANCHOR: nope` marker"
        )),
        "{err}"
    );
}

#[test]
fn aliases_write_redirects_to_the_moved_page() {
    let dir = course();
    let root = dir.path();
    let text = std::fs::read_to_string(root.join(PAGE)).unwrap();
    write(
        root,
        PAGE,
        text.replacen(
            "+++\n",
            "+++\naliases = [\"old/first-pod.html\", \"/older/\"]\n",
            1,
        ),
    );
    let o = kourse(root, &["build", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for (file, href) in [
        ("old/first-pod.html", "../first-steps/first-pod.html"),
        ("older/index.html", "../first-steps/first-pod.html"),
    ] {
        let doc = html(root.join("public").join(file));
        let sel = Selector::parse("meta[http-equiv=refresh]").unwrap();
        let refresh = doc
            .select(&sel)
            .next()
            .unwrap()
            .attr("content")
            .unwrap()
            .to_owned();
        assert_eq!(refresh, format!("0; url={href}"), "{file}");
        assert!(
            root.join("public")
                .join(file)
                .parent()
                .unwrap()
                .join(href)
                .is_file()
        );
    }
    // An alias onto a page, or one that climbs, is an error at its line.
    let text = std::fs::read_to_string(root.join(PAGE)).unwrap();
    write(root, PAGE, text.replace("\"/older/\"", "\"index.html\""));
    let o = kourse(root, &["build", "-q"]);
    assert!(
        stderr(&o).contains(&format!("{PAGE}:2:1: error[alias]: alias `index.html` names `index.html`, which is the page content/_index.md")),
        "{}",
        stderr(&o)
    );
    write(root, PAGE, text.replace("\"/older/\"", "\"../../x.html\""));
    let o = kourse(root, &["build", "-q"]);
    assert!(
        stderr(&o).contains(&format!(
            "{PAGE}:2:1: error[front-matter]: `aliases`: `../../x.html` climbs"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn files_beside_a_chapter_are_checked_and_copied() {
    let dir = course();
    let root = dir.path();
    write(
        root,
        "content/01-first-steps/img/pod.svg",
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    write(
        root,
        PAGE,
        page(
            "A first Pod",
            "",
            "![a Pod](img/pod.svg)\n\n[the picture](img/pod.svg)\n",
        ),
    );
    let o = kourse(root, &["build", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Published beside the page, where its relative URL leads.
    assert!(root.join("public/first-steps/img/pod.svg").is_file());
    write(
        root,
        PAGE,
        page(
            "A first Pod",
            "",
            "![gone](img/gone.png)\n\n![up](../../book.toml)\n",
        ),
    );
    let o = kourse(root, &["build", "-q"]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{PAGE}:4:1: error[missing-asset]: `img/gone.png` is not a file beside this page (looked for content/01-first-steps/img/gone.png)")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{PAGE}:6:1: error[missing-asset]: `../../book.toml` climbs"
        )),
        "{err}"
    );
}

#[test]
fn the_course_folder_is_an_argument_and_c_goes_anywhere() {
    let top = tempfile::tempdir().unwrap();
    kourse::init::init(&top.path().join("c")).unwrap();
    for args in [
        &["build", "c", "-q"][..],
        &["-C", "c", "build", "-q"],
        &["-q", "--root=c", "build", "--deny", "warnings"],
        &["build", "-C", "c", "--deny-warnings", "-q"],
    ] {
        let o = kourse(top.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    assert!(top.path().join("c/public/index.html").is_file());
    let o = kourse(top.path(), &["-C", "c", "check", "--deny-warnings", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = kourse(top.path(), &["build", "c", "-C", "c"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn additional_css_and_js_without_overriding_the_theme() {
    let dir = course();
    let root = dir.path();
    let toml = std::fs::read_to_string(root.join("book.toml")).unwrap();
    write(
        root,
        "book.toml",
        format!(
            "{toml}\n[output.html]\nadditional-css = [\"theme/extra.css\"]\nadditional-js = [\"theme/extra.js\"]\n"
        ),
    );
    write(root, "theme/extra.css", "body { outline: 0 }\n");
    write(root, "theme/extra.js", "window.extra = 1;\n");
    let o = kourse(root, &["build", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = html(root.join("public/first-steps/first-pod.html"));
    let links: Vec<_> = doc
        .select(&Selector::parse("link[rel=stylesheet]").unwrap())
        .filter_map(|e| e.attr("href"))
        .collect();
    assert_eq!(links.last(), Some(&"../theme/extra.css"), "{links:?}");
    let scripts: Vec<_> = doc
        .select(&Selector::parse("script[src]").unwrap())
        .filter_map(|e| e.attr("src"))
        .collect();
    assert!(scripts.contains(&"../theme/extra.js"), "{scripts:?}");
    assert!(root.join("public/theme/extra.css").is_file());
    assert!(root.join("public/theme/extra.js").is_file());
    std::fs::remove_file(root.join("theme/extra.js")).unwrap();
    let o = kourse(root, &["build", "-q"]);
    let line = toml.lines().count() + 4;
    assert!(
        stderr(&o).contains(&format!(
            "book.toml:{line}:1: error[config]: output.html.additional-js: no file `theme/extra.js`"
        )),
        "{}",
        stderr(&o)
    );
}
