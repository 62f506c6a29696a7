//! The incremental rebuild of `serve` must produce exactly the bytes a full
//! render produces, after every kind of edit, while re-rendering only what
//! the edit touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kourse::config::Config;
use kourse::highlight::HighlightCache;
use kourse::serve::incremental::{Engine, Hint, Outcome};
use kourse::site::{BuildOptions, SiteFiles, render_site};

const INJECT: &str = "<script>/* reload */</script>";

fn opts(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        inject: Some(INJECT.to_owned()),
        ..Default::default()
    }
}

fn full(root: &Path) -> Result<SiteFiles, Vec<kourse::diagnostic::Diagnostic>> {
    let config = Config::load(root)?;
    render_site(&opts(root), &config, &HighlightCache::new())
}

fn headlines(diags: &[kourse::diagnostic::Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| format!("{d:?}")).collect()
}

/// Same files and same warnings as a full render.
fn assert_identical(root: &Path, out: &Outcome, step: &str) {
    assert_identical_files(root, &out.files, step);
    let expected = full(root).unwrap();
    assert_eq!(
        headlines(&out.warnings),
        headlines(&expected.warnings),
        "{step}: different warnings"
    );
}

fn assert_identical_files(root: &Path, files: &kourse::serve::incremental::Files, step: &str) {
    let expected = full(root)
        .unwrap_or_else(|d| panic!("{step}: full build failed: {d:?}"))
        .files;
    let got: BTreeMap<String, Vec<u8>> =
        files.iter().map(|(k, v)| (k.clone(), v.to_vec())).collect();
    let exp_keys: Vec<_> = expected.keys().collect();
    let got_keys: Vec<_> = got.keys().collect();
    assert_eq!(got_keys, exp_keys, "{step}: different file sets");
    for (k, v) in &expected {
        assert!(
            got[k] == *v,
            "{step}: {k} differs between incremental and full render"
        );
    }
}

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn page(title: &str, weight: i64, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\nweight = {weight}\ndescription = \"About {title}\"\n+++\n\n{body}\n"
    )
}

fn course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kourse::init::init(dir.path()).unwrap();
    let r = dir.path();
    write(
        r,
        "content/02-more/_index.md",
        &page("More", 20, "A section. See [alpha](alpha.md#details)."),
    );
    write(
        r,
        "content/02-more/alpha.md",
        &page(
            "Alpha",
            1,
            "## Details\n\nAlpha text.\n\n```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alpha\ndata:\n  a: b\n```",
        ),
    );
    write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Beta text, after [Alpha](alpha.md)."),
    );
    write(
        r,
        "content/02-more/gamma.md",
        &page("Gamma", 3, "Gamma text.\n\n{{#example svc.yaml}}"),
    );
    write(
        r,
        "examples/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    );
    // An example checked together with its folder's other file.
    write(r, "examples/web/svc.yaml", WEB_SVC);
    write(r, "examples/web/deploy.yaml", &web_deploy("web"));
    write(
        r,
        "content/02-more/zeta.md",
        &page(
            "Zeta",
            5,
            "Zeta shows a Service.\n\n{{#example web/svc.yaml}}\n\n```quiz\n? Which object routes traffic to Pods?\n- [x] A Service\n  : It selects Pods by label.\n- [ ] A ConfigMap\n```",
        ),
    );
    // The glossary, its page, and a term no page uses yet.
    write(r, "content/glossary.toml", GLOSSARY);
    write(
        r,
        "content/03-glossary/_index.md",
        &page("Glossary", 30, "Every term.\n\n{{#glossary}}"),
    );
    dir
}

const GLOSSARY: &str = r#"[[term]]
term = "Service"
definition = "A stable address for a set of Pods."

[[term]]
term = "Zanzibar"
definition = "A term no page uses at first."
"#;

const WEB_SVC: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
";

fn web_deploy(label: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {label}
  template:
    metadata:
      labels:
        app: {label}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
"
    )
}

fn rebuild(engine: &mut Engine, paths: &[PathBuf]) -> Outcome {
    engine
        .rebuild(&Hint::Paths(paths.to_vec()))
        .unwrap_or_else(|d| panic!("rebuild failed: {d:?}"))
}

#[test]
fn incremental_output_is_byte_identical_to_a_full_render() {
    let dir = course();
    let r = dir.path();
    let mut engine = Engine::new(opts(r), Arc::new(HighlightCache::new()));
    let first = engine.rebuild(&Hint::All).unwrap();
    assert_identical(r, &first, "first build");
    assert!(first.markdown_rendered >= 7);

    // Nothing changed: nothing re-rendered, nothing reported.
    let same = rebuild(&mut engine, &[]);
    assert_eq!((same.markdown_rendered, same.templated), (0, 0));
    assert!(same.changed.is_empty(), "{:?}", same.changed);

    // A body edit re-renders that page and its section (which lists it).
    let p = write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Beta text, edited."),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "body edit");
    assert_eq!(o.markdown_rendered, 1);
    assert_eq!(o.templated, 2, "the page and its section");
    assert!(
        o.changed.contains(&"more/beta.html".to_owned()),
        "{:?}",
        o.changed
    );
    assert!(
        !o.changed.contains(&"more/gamma.html".to_owned()),
        "{:?}",
        o.changed
    );

    // A title edit changes the sidebar and prev/next everywhere.
    let p = write(
        r,
        "content/02-more/alpha.md",
        &page("Alpha renamed", 1, "## Details\n\nAlpha text."),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "title edit");
    assert!(
        o.changed.contains(&"more/beta.html".to_owned()),
        "prev/next of the neighbour"
    );
    assert!(
        o.changed.contains(&"more/gamma.html".to_owned()),
        "sidebar of the section"
    );

    // A weight edit reorders pages.
    let p = write(
        r,
        "content/02-more/gamma.md",
        &page("Gamma", 0, "Gamma text.\n\n{{#example svc.yaml}}"),
    );
    assert_identical(r, &rebuild(&mut engine, &[p]), "weight edit");

    // An included example changes: only the pages including it or a file
    // of its folder (the starter page's first-pod.yaml) are re-rendered.
    let p = write(
        r,
        "examples/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web2\n",
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "example edit");
    assert_eq!(o.markdown_rendered, 2, "gamma and the starter page");

    // New, renamed and deleted pages.
    let p = write(
        r,
        "content/02-more/delta.md",
        &page("Delta", 4, "Delta links to [beta](beta.md)."),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "new page");
    assert!(o.changed.contains(&"more/delta.html".to_owned()));
    std::fs::rename(
        r.join("content/02-more/delta.md"),
        r.join("content/02-more/epsilon.md"),
    )
    .unwrap();
    let o = rebuild(
        &mut engine,
        &[
            r.join("content/02-more/delta.md"),
            r.join("content/02-more/epsilon.md"),
        ],
    );
    assert_identical(r, &o, "renamed page");
    assert!(
        o.changed.contains(&"more/delta.html".to_owned()),
        "removed output is reported"
    );
    std::fs::remove_file(r.join("content/02-more/epsilon.md")).unwrap();
    assert_identical(
        r,
        &rebuild(&mut engine, &[r.join("content/02-more/epsilon.md")]),
        "deleted page",
    );

    // A child's description shows on its section page.
    let p = write(
        r,
        "content/02-more/beta.md",
        "+++\ntitle = \"Beta\"\nweight = 2\ndescription = \"New words\"\n+++\n\nBeta text, edited.\n",
    );
    assert_identical(r, &rebuild(&mut engine, &[p]), "child description");

    // Template override, CSS override, config edit.
    let base = kourse::theme::default_templates()
        .into_iter()
        .find(|(n, _)| n == "base.html")
        .map(|(_, b)| String::from_utf8(b.to_vec()).unwrap())
        .unwrap();
    let p = write(
        r,
        "templates/base.html",
        &base.replace("</body>", "<footer>custom</footer></body>"),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "template override");
    assert!(String::from_utf8_lossy(&o.files["more/beta.html"]).contains("custom"));
    let p = write(r, "static/kourse/style.css", "body { color: red }\n");
    assert_identical(r, &rebuild(&mut engine, &[p]), "css override");
    let toml = std::fs::read_to_string(r.join("book.toml"))
        .unwrap()
        .replace("My Kubernetes course", "Renamed course");
    let p = write(r, "book.toml", &toml);
    assert_identical(r, &rebuild(&mut engine, &[p]), "config edit");

    // A broken page fails the rebuild and keeps the last good site; the fix builds again.
    let good = engine.last_good().unwrap();
    let p = write(r, "content/02-more/beta.md", "+++\ntitle = \n+++\nbroken\n");
    let err = engine.rebuild(&Hint::Paths(vec![p.clone()])).unwrap_err();
    assert!(
        err.iter()
            .any(|d| d.file.ends_with("beta.md") && d.line > 0),
        "{err:?}"
    );
    assert!(Arc::ptr_eq(&good, &engine.last_good().unwrap()));
    let p = write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Fixed [broken](nope.md)."),
    );
    let err = engine.rebuild(&Hint::Paths(vec![p])).unwrap_err();
    assert!(err.iter().any(|d| d.rule == "broken-link"), "{err:?}");
    let p = write(r, "content/02-more/beta.md", &page("Beta", 2, "Fixed."));
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "after fix");
    assert!(o.changed.contains(&"more/beta.html".to_owned()));

    // Deferred search index: the pages first, then the index; identical once finished.
    let p = write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Deferred zanzibar words."),
    );
    let o = engine.rebuild_deferred(&Hint::Paths(vec![p])).unwrap();
    assert!(!o.search_rebuilt);
    assert!(o.changed.contains(&"more/beta.html".to_owned()));
    assert!(
        !o.changed.iter().any(|c| c.starts_with("search/")),
        "{:?}",
        o.changed
    );
    assert!(
        !o.changed.contains(&"print.html".to_owned()),
        "{:?}",
        o.changed
    );
    let (files, changed) = engine.finish_deferred().expect("a stale index to finish");
    assert!(changed.contains(&"print.html".to_owned()), "{changed:?}");
    assert!(
        changed.iter().any(|c| c.starts_with("search/")),
        "{changed:?}"
    );
    assert_identical_files(r, &files, "deferred search");
    assert!(engine.finish_deferred().is_none());

    // A sibling of an included example changes: the page including it is
    // re-rendered (the folder is checked as one set), and nothing else.
    let zeta_before = o_bytes(&engine, "more/zeta.html");
    let p = write(r, "examples/web/deploy.yaml", &web_deploy("other"));
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "example sibling edit");
    assert_eq!(o.markdown_rendered, 1, "only zeta includes web/");
    assert!(
        o.changed.contains(&"more/zeta.html".to_owned()),
        "{:?}",
        o.changed
    );
    assert_ne!(zeta_before, o_bytes(&engine, "more/zeta.html"));
    assert!(
        o.warnings.iter().any(|d| d.rule == "service-no-match"),
        "{:?}",
        o.warnings
    );
    let p = write(r, "examples/web/deploy.yaml", &web_deploy("web"));
    assert_identical(r, &rebuild(&mut engine, &[p]), "example sibling fixed");

    // A quiz edit.
    let p = write(
        r,
        "content/02-more/zeta.md",
        &page(
            "Zeta",
            5,
            "Zeta shows a Service.\n\n{{#example web/svc.yaml}}\n\n```quiz\n? Which object gives Pods a stable address?\n- [ ] A ConfigMap\n  : It stores configuration.\n- [x] A Service\n```",
        ),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "quiz edit");
    assert_eq!(o.markdown_rendered, 1);

    // The glossary: a term used on no page warns; using it on one page
    // (which is the only page re-rendered) clears the course-wide warning.
    let unused = |o: &Outcome| {
        o.warnings
            .iter()
            .filter(|d| d.rule == "glossary-unused")
            .count()
    };
    let o = rebuild(&mut engine, &[]);
    assert_eq!(unused(&o), 1, "{:?}", o.warnings);
    let p = write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Beta mentions Zanzibar."),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "glossary term used");
    assert_eq!(o.markdown_rendered, 1);
    assert_eq!(unused(&o), 0, "{:?}", o.warnings);
    assert!(String::from_utf8_lossy(&o.files["more/beta.html"]).contains("glossary"));
    // Another page's edit keeps beta's use.
    let p = write(
        r,
        "content/02-more/gamma.md",
        &page("Gamma", 0, "Gamma text, edited.\n\n{{#example svc.yaml}}"),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "other page edit keeps term use");
    assert_eq!(unused(&o), 0, "{:?}", o.warnings);
    // glossary.toml changes: the definitions shown in links change.
    let p = write(
        r,
        "content/glossary.toml",
        &GLOSSARY.replace("A stable address", "One address"),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "glossary.toml edit");
    assert!(
        o.changed.contains(&"glossary/index.html".to_owned()),
        "{:?}",
        o.changed
    );
    // Stop using the term: the warning comes back.
    let p = write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Beta again."),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "glossary term unused again");
    assert_eq!(unused(&o), 1, "{:?}", o.warnings);

    // A full rebuild with no hint agrees too.
    assert_identical(r, &engine.rebuild(&Hint::All).unwrap(), "hint all");

    // Page files are re-read only when changed: a change the hint does not
    // name is still seen (size or mtime), and a same-size edit the hint
    // names is re-read even within one mtime tick.
    write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Unannounced, longer edit."),
    );
    let o = rebuild(&mut engine, &[]);
    assert_identical(r, &o, "edit without a hint");
    assert!(o.changed.contains(&"more/beta.html".to_owned()));
    let p = write(
        r,
        "content/02-more/beta.md",
        &page("Beta", 2, "Unannounced, LONGER edit."),
    );
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "same-size edit");
    assert!(o.changed.contains(&"more/beta.html".to_owned()));
}

fn o_bytes(engine: &Engine, path: &str) -> Vec<u8> {
    engine.last_good().unwrap()[path].to_vec()
}

/// The page that includes a script from outside content/ and shows an
/// image that lies beside it.
const TOOLS: &str = "content/02-more/tools.md";

#[test]
fn an_included_file_and_a_file_beside_a_page_re_render_it_when_they_change() {
    let dir = course();
    let r = dir.path();
    write(r, "scripts/setup.sh", "echo first-version\n");
    write(r, "content/02-more/pics/diagram.svg", SVG_ONE);
    write(
        r,
        TOOLS,
        &page(
            "Tools",
            6,
            "## Setup\n\n{{#include ../../scripts/setup.sh}}\n\n![The layout](pics/diagram.svg)",
        ),
    );
    let mut engine = Engine::new(opts(r), Arc::new(HighlightCache::new()));
    let first = engine.rebuild(&Hint::All).unwrap();
    assert_identical(r, &first, "first build");
    assert_eq!(
        o_bytes(&engine, "more/pics/diagram.svg"),
        SVG_ONE.as_bytes()
    );
    let canonical = r.canonicalize().unwrap();
    assert_eq!(
        engine.file_dependencies(),
        [
            canonical.join("scripts/setup.sh"),
            canonical.join("content/02-more/pics/diagram.svg")
        ]
        .into_iter()
        .collect()
    );

    // Nothing changed: the page is not re-rendered.
    let same = rebuild(&mut engine, &[]);
    assert_eq!((same.markdown_rendered, same.templated), (0, 0));

    // The included script changes: the page shows the new text.
    let p = write(r, "scripts/setup.sh", "echo second-version\n");
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "included file edited");
    assert_eq!(o.markdown_rendered, 1);
    assert!(
        o.changed.contains(&"more/tools.html".to_owned()),
        "{:?}",
        o.changed
    );
    let html = String::from_utf8(o_bytes(&engine, "more/tools.html")).unwrap();
    assert!(html.contains("second-version") && !html.contains("first-version"));

    // The image beside the page changes: the published copy follows.
    let p = write(r, "content/02-more/pics/diagram.svg", SVG_TWO);
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "image beside the page replaced");
    assert!(
        o.changed.contains(&"more/pics/diagram.svg".to_owned()),
        "{:?}",
        o.changed
    );
    assert_eq!(
        o_bytes(&engine, "more/pics/diagram.svg"),
        SVG_TWO.as_bytes()
    );

    // The image is deleted: the page's error is reported; put back, it is published again.
    let p = r.join("content/02-more/pics/diagram.svg");
    std::fs::remove_file(&p).unwrap();
    let errors = engine.rebuild(&Hint::Paths(vec![p.clone()])).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|d| d.message.contains("pics/diagram.svg")),
        "{errors:?}"
    );
    write(r, "content/02-more/pics/diagram.svg", SVG_ONE);
    let o = rebuild(&mut engine, &[p]);
    assert_identical(r, &o, "image put back");
    assert_eq!(
        o_bytes(&engine, "more/pics/diagram.svg"),
        SVG_ONE.as_bytes()
    );
}

const SVG_ONE: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\"/></svg>\n";
const SVG_TWO: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 20 10\"><rect width=\"20\" height=\"10\"/></svg>\n";
