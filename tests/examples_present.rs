//! Manifests in pages (issue "Examples in the pages"): presentation parsed
//! from the built HTML, expect-error blocks that pass and fail, include
//! confinement and missing files, and in Chromium the field tooltip on hover
//! and keyboard focus.

mod support;

use std::path::Path;
use std::time::Duration;

use kourse::site::{BuildOptions, build};
use scraper::{Html, Selector};
use support::browser::{self, file_url};

const DEPLOY: &str = "# The web tier.\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        # region: container\n        - name: web\n          image: nginx:1.27\n          ports:\n            - name: http\n              containerPort: 8080\n          resources:\n            requests:\n              cpu: 50m\n              memory: 64Mi\n          readinessProbe:\n            httpGet: {path: /, port: http}\n          livenessProbe:\n            httpGet: {path: /, port: http}\n        # endregion\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: http\n";

fn course(page_body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "book.toml",
        "[book]\ntitle = \"T\"\n[kubernetes]\nversions = [\"1.33\", \"1.35\"]\n",
    );
    w("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHome.\n");
    w(
        "content/page.md",
        &format!("+++\ntitle = \"Page\"\n+++\n{page_body}"),
    );
    w("examples/web/app.yaml", DEPLOY);
    w(
        "examples/broken/removed.yaml",
        "# kourse:expect-error removed-api (an old tutorial's Deployment)\napiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: old\nspec:\n  template:\n    metadata:\n      labels: {app: old}\n    spec:\n      containers:\n        - name: old\n          image: nginx:1.27\n",
    );
    dir
}

fn built(dir: &Path) -> Html {
    if let Err(d) = build(&BuildOptions {
        root: dir.to_path_buf(),
        ..Default::default()
    }) {
        panic!("{:?}", d.iter().map(|d| d.headline()).collect::<Vec<_>>());
    }
    Html::parse_document(&std::fs::read_to_string(dir.join("public/page.html")).unwrap())
}

fn errors(dir: &Path) -> Vec<String> {
    match build(&BuildOptions {
        root: dir.to_path_buf(),
        ..Default::default()
    }) {
        Ok(_) => panic!("the build should fail"),
        Err(d) => d
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.headline())
            .collect(),
    }
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The code as a reader sees it: the text of `pre code` without the
/// (hidden) field documentation.
fn code_text(doc: &Html) -> String {
    let code = doc
        .select(&Selector::parse("figure.manifest pre code").unwrap())
        .next()
        .unwrap();
    code.descendants()
        .filter_map(|n| {
            let text = n.value().as_text()?;
            let in_doc = n.ancestors().any(|a| {
                a.value().as_element().is_some_and(|e| {
                    e.has_class("field-doc", scraper::CaseSensitivity::CaseSensitive)
                })
            });
            (!in_doc).then(|| text.to_string())
        })
        .collect()
}

fn attr(doc: &Html, css: &str, name: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(name).map(str::to_owned))
        .collect()
}

#[test]
fn included_example_has_title_kinds_download_badge_copy_source_and_diagram() {
    let dir = course("{{#example web/app.yaml region=container}}\n");
    let doc = built(dir.path());
    assert_eq!(
        texts(&doc, "figure.manifest .code-title .file"),
        ["web/app.yaml"]
    );
    assert_eq!(
        texts(&doc, "figure.manifest .code-title .kinds"),
        ["Deployment, Service"]
    );
    assert_eq!(
        attr(&doc, "figure.manifest a.download", "href"),
        ["examples/web/app.yaml"]
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("public/examples/web/app.yaml")).unwrap(),
        DEPLOY
    );
    assert_eq!(
        texts(&doc, "figure.manifest .badge"),
        ["checked against Kubernetes 1.33–1.35"]
    );
    // The excerpt shows the region only; the copy button gets the whole file.
    let shown = code_text(&doc);
    assert!(shown.starts_with("        - name: web\n"), "{shown}");
    assert!(!shown.contains("kind: Service"));
    let template = doc
        .select(&Selector::parse("figure.manifest template.full-source").unwrap())
        .next()
        .unwrap();
    assert_eq!(template.inner_html().replace("&gt;", ">"), DEPLOY);
    // The diagram: Service → Deployment with its ports, and the edges as text.
    assert_eq!(
        texts(&doc, ".object-diagram-figure li"),
        ["Service web → Deployment web (80→http)"]
    );
    assert_eq!(
        doc.select(&Selector::parse("svg.object-diagram g.node").unwrap())
            .count(),
        2
    );
}

#[test]
fn every_known_key_has_documentation_and_unknown_keys_none() {
    let dir = course(
        "```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: b}\ndata:\n  key: value\n```\n",
    );
    let doc = built(dir.path());
    let keys: Vec<String> = doc
        .select(&Selector::parse(".field").unwrap())
        .map(|e| e.text().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        keys,
        ["apiVersion", "kind", "metadata", "name", "labels", "data"]
    );
    let paths = texts(&doc, ".field .field-path");
    assert_eq!(
        paths,
        [
            "apiVersion",
            "kind",
            "metadata",
            "metadata.name",
            "metadata.labels",
            "data"
        ]
    );
    // `key` is a user key inside `data`, not an API field: no tooltip.
    assert!(!keys.contains(&"key".to_owned()));
    let docs = texts(&doc, ".field-doc");
    assert!(docs[3].contains("string"), "{}", docs[3]);
}

#[test]
fn checker_warnings_are_shown_beside_their_lines() {
    let dir = course(
        "```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n```\n",
    );
    let d = build(&BuildOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    assert!(
        d.warnings
            .iter()
            .any(|w| w.rule == "latest-tag" && w.line == 12),
        "{:?}",
        d.warnings
    );
    let doc = Html::parse_document(
        &std::fs::read_to_string(dir.path().join("public/page.html")).unwrap(),
    );
    let notes = texts(&doc, "figure.manifest .line-notes li");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("line 8 warning[latest-tag]")),
        "{notes:?}"
    );
}

#[test]
fn expect_error_block_passes_and_shows_the_diagnostic() {
    let dir = course(
        "```yaml expect-error=port-range\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: 70000\n```\n\n{{#example broken/removed.yaml expect-error=removed-api}}\n",
    );
    let doc = built(dir.path());
    assert_eq!(
        texts(&doc, "figure.wrong-on-purpose .callout-title").len(),
        2
    );
    let diags = texts(&doc, "figure.wrong-on-purpose pre.diagnostic");
    assert!(
        diags[0].starts_with("content/page.md:11:13: error[port-range]"),
        "{diags:?}"
    );
    assert!(
        diags[1]
            .contains("error[removed-api]: apps/v1beta1 Deployment was removed in Kubernetes 1.16"),
        "{diags:?}"
    );
    // No "checked" badge on a manifest that is wrong on purpose.
    assert!(texts(&doc, "figure.wrong-on-purpose .badge").is_empty());
}

#[test]
fn expect_error_block_that_does_not_fail_fails_the_build() {
    let dir = course(
        "Text.\n\n```yaml expect-error=port-range\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n```\n",
    );
    assert_eq!(
        errors(dir.path()),
        [
            "content/page.md:6:1: error[expect-error]: this block is marked expect-error=port-range but the checker does not report `port-range`"
        ]
    );
}

#[test]
fn an_error_in_an_inline_manifest_fails_the_build_at_its_line() {
    let dir =
        course("```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n```\n");
    let errs = errors(dir.path());
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("content/page.md:8:9: error[invalid-name]"),
        "{errs:?}"
    );
}

#[test]
fn an_error_in_an_included_file_names_the_file_and_the_including_page() {
    let dir = course("{{#example web/app.yaml}}\n");
    std::fs::write(
        dir.path().join("examples/web/app.yaml"),
        DEPLOY.replace("replicas: 2", "replicas: two"),
    )
    .unwrap();
    let err = build(&BuildOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap_err();
    let e = err.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(
        (e.file.to_str().unwrap(), e.line, e.rule.as_str()),
        ("examples/web/app.yaml", 7, "invalid-type")
    );
    assert!(
        e.notes.iter().any(|n| n == "included by content/page.md:4"),
        "{:?}",
        e.notes
    );
}

#[test]
fn includes_are_confined_and_missing_files_are_errors_at_the_directive() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), "a: 1\n").unwrap();
    let dir = course(
        "Intro.\n\n{{#example ../../outside.yaml}}\n\n{{#example /etc/passwd}}\n\n{{#example nope.yaml}}\n\n{{#example link.yaml}}\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        dir.path().join("examples/link.yaml"),
    )
    .unwrap();
    let errs = errors(dir.path());
    assert_eq!(
        errs,
        [
            "content/page.md:6:1: error[example]: `../../outside.yaml` resolves outside the course folder; includes must stay inside it",
            "content/page.md:8:1: error[example]: `/etc/passwd` is an absolute path; example paths are relative to examples/",
            "content/page.md:10:1: error[example]: no file examples/nope.yaml",
            "content/page.md:12:1: error[example]: `link.yaml` resolves outside examples/; examples must be files inside it (not through links that leave it)",
        ]
    );
}

#[test]
fn tooltip_shows_on_hover_and_on_keyboard_focus() {
    let Some(b) = browser::browser() else { return };
    let dir = course("{{#example web/app.yaml}}\n");
    built(dir.path());
    let page = b.new_page();
    page.goto(&file_url(&dir.path().join("public/page.html")));
    page.wait_for(".field", Duration::from_secs(10));
    let hidden =
        page.eval_json("getComputedStyle(document.querySelector('.field .field-doc')).display");
    assert_eq!(hidden, "none");
    // Keyboard: Tab reaches the key, and its documentation appears.
    page.eval_json("(document.querySelector('.field').focus(), 1)");
    let shown =
        page.eval_json("getComputedStyle(document.querySelector('.field .field-doc')).display");
    assert_eq!(shown, "block");
    let text = page.eval_json("document.querySelector('.field .field-doc').textContent");
    assert!(
        text.as_str().unwrap().starts_with("apiVersion string"),
        "{text}"
    );
    // Hover: move the mouse over `replicas` and read the visible tooltip.
    let hovered = page.eval_json(
        "(() => { const f = [...document.querySelectorAll('.field')].find(e => e.firstChild.textContent === 'replicas'); \
           const r = f.getBoundingClientRect(); return [r.x + 3, r.y + 3, f.querySelector('.field-doc').textContent]; })()",
    );
    let (x, y) = (hovered[0].as_f64().unwrap(), hovered[1].as_f64().unwrap());
    page.tab()
        .move_mouse_to_point(headless_chrome::browser::tab::point::Point { x, y })
        .unwrap();
    page.wait_until(
        "[...document.querySelectorAll('.field-doc')].some(d => getComputedStyle(d).display === 'block' && d.textContent.startsWith('spec.replicas'))",
        Duration::from_secs(5),
    );
    page.assert_no_errors();
}
