//! Learner features end to end: a fixture course with exercises, quizzes
//! and a glossary is built into a temporary folder and its HTML checked;
//! malformed input fails the build at the right Markdown or TOML line.

use std::collections::HashSet;
use std::path::Path;

use kourse::diagnostic::Diagnostic;
use kourse::site::{BuildOptions, BuildReport, build};
use scraper::{Html, Selector};

struct Fixture {
    dir: tempfile::TempDir,
}

const CHAPTER: &str = r#"+++
title = "Basics"
weight = 1
objectives = ["Run a Pod", "Explain a ReplicaSet"]
prerequisites = ["../_index.md"]
time = "15 min"
+++
Every Pod runs containers. A second Pod is not linked. `Pod` in code is not linked.
The kubelet starts them; [a link about Pods](pods.md) is not a term link.

## A ReplicaSet heading

A ReplicaSet keeps them running.

![a Pod picture](https://example.com/pod.png)

> [!EXERCISE] Scale
> Scale it to five replicas.

> [!SOLUTION]
> Run `kubectl scale`.

Read about [a Pod](glossary:pod) and the [spec](pods.md#the-spec).

```quiz
? Which object keeps a fixed number of identical Pods running?
- [ ] A ConfigMap
  : A ConfigMap stores configuration; it never starts Pods.
- [x] A ReplicaSet
  : It compares the Pods its selector matches with `replicas`.

? Which of these are namespaced?
- [x] Pod
  : Pods always live in a namespace.
- [ ] Node
  : Nodes are cluster-wide.
- [x] Service
  : Services are namespaced.
```
"#;

const GLOSSARY: &str = r#"[[term]]
term = "Pod"
aliases = ["Pods"]
definition = "The smallest deployable unit."

[[term]]
term = "ReplicaSet"
definition = "Keeps a number of identical Pods running."

[[term]]
term = "kubelet"
definition = "The agent on each node that runs Pods."
"#;

impl Fixture {
    fn new() -> Self {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        f.write("book.toml", "[book]\ntitle = \"Learn fixture\"\n");
        f.write(
            "content/_index.md",
            "+++\ntitle = \"Home\"\n+++\nWelcome. See [Basics](01-basics/_index.md) and [the docs](https://kubernetes.io/docs/).\n",
        );
        f.write("content/01-basics/_index.md", CHAPTER);
        f.write(
            "content/01-basics/pods.md",
            "+++\ntitle = \"Pods\"\nobjectives = [\"Read a Pod spec\"]\n+++\n## The spec\n\nA ReplicaSet manages Pods. [Back](_index.md#a-replicaset-heading), [glossary](../02-glossary/_index.md#pod).\n",
        );
        f.write(
            "content/02-glossary/_index.md",
            "+++\ntitle = \"Glossary\"\nweight = 9\n+++\nA Pod is defined below.\n\n{{#glossary}}\n",
        );
        f.write("content/glossary.toml", GLOSSARY);
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
        let path = self.root().join("public").join(rel);
        Html::parse_document(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
    }

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

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    doc.select(&sel(css))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attrs(doc: &Html, css: &str, attr: &str) -> Vec<String> {
    doc.select(&sel(css))
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

fn assert_one_error(errors: &[String], want: &str) {
    assert!(
        errors.iter().any(|e| e.contains(want)),
        "expected `{want}` in {errors:#?}"
    );
}

#[test]
fn builds_quiz_exercise_glossary_and_header() {
    let f = Fixture::new();
    let report = f.build().unwrap_or_else(|d| panic!("{d:#?}"));
    let doc = f.html("basics/index.html");

    // Chapter header on the section index page.
    assert_eq!(
        texts(&doc, ".chapter-header .objectives li"),
        ["Run a Pod", "Explain a ReplicaSet"]
    );
    assert_eq!(texts(&doc, ".chapter-header .prerequisites a"), ["Home"]);
    assert_eq!(
        texts(&doc, ".chapter-header .reading-time"),
        ["Reading time: 15 min"]
    );
    // and on a page.
    assert_eq!(
        texts(
            &f.html("basics/pods.html"),
            ".chapter-header .objectives li"
        ),
        ["Read a Pod spec"]
    );

    // Exercise and solution.
    assert_eq!(
        texts(&doc, "section.exercise .exercise-title"),
        ["Exercise: Scale"]
    );
    assert_eq!(
        texts(&doc, "details.solution > summary"),
        ["Show the solution"]
    );

    // Quiz: two questions, radio then checkboxes, answers readable without JS.
    assert_eq!(
        doc.select(&sel(".quiz form.quiz-question fieldset legend"))
            .count(),
        2
    );
    assert_eq!(
        attrs(&doc, "form.quiz-question", "data-kind"),
        ["single", "multiple"]
    );
    assert_eq!(
        doc.select(&sel("form.quiz-question:nth-of-type(1) input[type=radio]"))
            .count(),
        2
    );
    assert_eq!(
        doc.select(&sel(
            "form.quiz-question:nth-of-type(2) input[type=checkbox]"
        ))
        .count(),
        3
    );
    for id in attrs(&doc, ".quiz input", "id") {
        assert_eq!(
            doc.select(&sel(&format!("label[for=\"{id}\"]"))).count(),
            1,
            "label for {id}"
        );
    }
    assert_eq!(doc.select(&sel("details.quiz-answer")).count(), 2);
    assert!(texts(&doc, "details.quiz-answer li.right")[0].contains("A ReplicaSet"));
    assert_eq!(
        attrs(&doc, ".quiz-option", "data-correct"),
        ["false", "true", "true", "false", "true"]
    );

    // Glossary: the first prose occurrence of each term is linked, with a tooltip.
    let terms: Vec<(String, String)> = doc
        .select(&sel("a.term"))
        .map(|a| {
            (
                a.text().collect(),
                a.value().attr("href").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        terms,
        [
            ("Pod".to_owned(), "../glossary/index.html#pod".to_owned()),
            (
                "kubelet".to_owned(),
                "../glossary/index.html#kubelet".to_owned()
            ),
            (
                "ReplicaSet".to_owned(),
                "../glossary/index.html#replicaset".to_owned()
            ),
        ]
    );
    for a in doc.select(&sel("a.term")) {
        let tip = a.value().attr("aria-describedby").unwrap();
        let tip_el = doc
            .select(&sel(&format!("#{tip}")))
            .next()
            .expect("tooltip element");
        assert_eq!(tip_el.value().attr("role"), Some("tooltip"));
    }
    assert_eq!(
        texts(&doc, "#term-tip-pod"),
        ["The smallest deployable unit."]
    );
    // Not in headings, code, links or image alt text.
    assert_eq!(
        doc.select(&sel("h2 a.term, code a.term, a a.term")).count(),
        0
    );
    assert_eq!(doc.select(&sel("img[alt=\"a Pod picture\"]")).count(), 1);
    // Explicit reference.
    let explicit: Vec<_> = doc
        .select(&sel("a[href=\"../glossary/index.html#pod\"]:not(.term)"))
        .collect();
    assert_eq!(explicit.len(), 1);
    assert_eq!(
        explicit[0].value().attr("title"),
        Some("The smallest deployable unit.")
    );

    // The glossary page: alphabetised, an anchor per term, no term links in it.
    let g = f.html("glossary/index.html");
    assert_eq!(
        texts(&g, "dl.glossary dt dfn"),
        ["kubelet", "Pod", "ReplicaSet"]
    );
    assert_eq!(
        attrs(&g, "dl.glossary dt", "id"),
        ["kubelet", "pod", "replicaset"]
    );
    assert_eq!(g.select(&sel("a.term")).count(), 0);

    // Every term is used: no warnings.
    assert!(report.warnings.is_empty(), "{:#?}", report.warnings);
}

#[test]
fn progress_controls_and_page_list() {
    let f = Fixture::new();
    f.build().unwrap_or_else(|d| panic!("{d:#?}"));
    let doc = f.html("basics/pods.html");
    assert_eq!(
        attrs(&doc, "button.mark-done", "data-page"),
        ["basics/pods.html"]
    );
    assert_eq!(doc.select(&sel(".course-progress progress")).count(), 1);
    assert_eq!(
        doc.select(&sel(".course-progress .progress-reset")).count(),
        1
    );
    assert!(
        attrs(&doc, "script", "src")
            .iter()
            .any(|s| s.starts_with("../kourse/learn.js"))
    );
    assert!(
        attrs(&doc, "script", "src")
            .iter()
            .any(|s| s.starts_with("../kourse/pages.js?v="))
    );
    assert!(attrs(&doc, ".sidebar a", "data-page").contains(&"basics/pods.html".to_owned()));
    let js = std::fs::read_to_string(f.root().join("public/kourse/pages.js")).unwrap();
    assert!(js.contains("\"pages\":[\"index.html\",\"basics/index.html\",\"basics/pods.html\",\"glossary/index.html\"]"), "{js}");
    assert!(
        std::fs::read_to_string(f.root().join("public/kourse/learn.js"))
            .unwrap()
            .contains("localStorage")
    );
    // The footer links to the one-page edition.
    assert_eq!(attrs(&doc, ".site-footer a", "href"), ["../print.html"]);
}

#[test]
fn print_edition_has_every_page_and_working_anchors() {
    let f = Fixture::new();
    f.build().unwrap_or_else(|d| panic!("{d:#?}"));
    let doc = f.html("print.html");
    assert_eq!(
        texts(&doc, "section.print-page > h1"),
        ["Home", "Basics", "Pods", "Glossary"]
    );
    assert_eq!(attrs(&doc, "section.print-chapter", "id"), ["c1", "c3"]);
    assert_eq!(doc.select(&sel(".sidebar")).count(), 0);
    let ids: Vec<String> = attrs(&doc, "[id]", "id");
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in print.html");
    for href in attrs(&doc, "a[href]", "href") {
        if let Some(frag) = href.strip_prefix('#') {
            assert!(
                unique.contains(&frag.to_owned()),
                "broken in-page link {href}"
            );
        } else {
            assert!(
                href.starts_with("https://") || href == "index.html",
                "link leaving print.html: {href}"
            );
        }
    }
    // Links between pages became anchors; external links are kept.
    assert!(attrs(&doc, "#c0 a", "href").contains(&"#c1".to_owned()));
    assert!(attrs(&doc, "#c0 a", "href").contains(&"https://kubernetes.io/docs/".to_owned()));
    assert!(attrs(&doc, "#c1 a", "href").contains(&"#c2-the-spec".to_owned()));
    assert!(attrs(&doc, "#c2 a", "href").contains(&"#c1-a-replicaset-heading".to_owned()));
    assert!(attrs(&doc, "#c1 a.term", "href").contains(&"#c3-pod".to_owned()));
    // Quiz labels still point at their inputs.
    for id in attrs(&doc, ".quiz input", "id") {
        assert_eq!(doc.select(&sel(&format!("label[for=\"{id}\"]"))).count(), 1);
    }
    let css = std::fs::read_to_string(f.root().join("public/kourse/print.css")).unwrap();
    assert!(css.contains(".print-chapter { break-before: page; }"));
}

/// Field tooltips are for hovering: the pages have them, the print edition
/// shows the same code without them.
#[test]
fn print_edition_shows_manifests_without_field_tooltips() {
    let f = Fixture::new();
    f.write(
        "content/01-basics/pods.md",
        "+++\ntitle = \"Pods\"\n+++\n## The spec\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n```\n",
    );
    f.build().unwrap_or_else(|d| panic!("{d:#?}"));
    let page = f.html("basics/pods.html");
    let print = f.html("print.html");
    let paths = texts(&page, "pre.hl .field-doc .field-path");
    assert_eq!(
        paths,
        [
            "apiVersion",
            "kind",
            "metadata",
            "metadata.name",
            "spec",
            "spec.containers",
            "spec.containers[].name",
            "spec.containers[].image"
        ]
    );
    assert_eq!(page.select(&sel("pre.hl .field[tabindex]")).count(), 8);
    let left: Vec<String> = print
        .select(&sel(
            "pre.hl .field-doc, pre.hl .field, pre.hl [role=tooltip]",
        ))
        .map(|e| e.html())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let code = |doc: &Html| -> Vec<String> {
        doc.select(&sel("pre.hl code"))
            .map(|c| {
                c.text()
                    .collect::<String>()
                    .lines()
                    .map(|l| l.to_owned())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    };
    let without_tips: Vec<String> = page
        .select(&sel("pre.hl code"))
        .map(|c| {
            let mut text = String::new();
            for node in c.descendants() {
                let inside_tip = node.ancestors().any(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(|e| e.attr("role") == Some("tooltip"))
                });
                if let (Some(t), false) = (node.value().as_text(), inside_tip) {
                    text.push_str(t);
                }
            }
            text.lines().collect::<Vec<_>>().join("\n")
        })
        .collect();
    assert_eq!(code(&print), without_tips);
    assert!(
        without_tips[0].starts_with("apiVersion: v1\nkind: Pod"),
        "{without_tips:?}"
    );
}

#[test]
fn quiz_errors_point_at_the_markdown_line() {
    let f = Fixture::new();
    // Line 5 is the first line inside the fence.
    f.write(
        "content/01-basics/pods.md",
        "+++\ntitle = \"Pods\"\n+++\n```quiz\n? Q1\n- [ ] a\n- [ ] b\n\n?\n- [x] a\n- [x] a\n- [ ] c\n```\n\n> ```quiz\n> - [x] orphan\n> ```\n",
    );
    let e = f.errors();
    assert_one_error(
        &e,
        "content/01-basics/pods.md:5:1: error[quiz]: question without a correct answer",
    );
    assert_one_error(
        &e,
        "content/01-basics/pods.md:9:1: error[quiz]: empty question",
    );
    assert_one_error(
        &e,
        "content/01-basics/pods.md:11:1: error[quiz]: duplicate answer `a`",
    );
    assert_one_error(&e, "content/01-basics/pods.md:16:");
    assert_one_error(&e, "error[quiz]: answer without a question");
}

#[test]
fn undefined_glossary_reference_is_an_error_at_its_line() {
    let f = Fixture::new();
    f.write(
        "content/01-basics/pods.md",
        "+++\ntitle = \"Pods\"\n+++\nFirst line.\n\nSee [the thing](glossary:Deploymnt) here.\n",
    );
    let e = f.errors();
    assert_one_error(
        &e,
        "content/01-basics/pods.md:6:5: error[glossary]: `Deploymnt` is not defined in content/glossary.toml",
    );
}

#[test]
fn glossary_file_errors_and_unused_terms() {
    let f = Fixture::new();
    f.write(
        "content/glossary.toml",
        &format!("{GLOSSARY}\n[[term]]\nterm = \"pods\"\ndefinition = \"again\"\n"),
    );
    let e = f.errors();
    assert_one_error(
        &e,
        "content/glossary.toml:15:8: error[glossary]: duplicate glossary term `pods`: already defined by `Pod`",
    );

    let f = Fixture::new();
    f.write(
        "content/glossary.toml",
        &format!("{GLOSSARY}\n[[term]]\nterm = \"Ingress\"\ndefinition = \"HTTP routing.\"\n"),
    );
    let report = f.build().unwrap_or_else(|d| panic!("{d:#?}"));
    let w: Vec<String> = report.warnings.iter().map(|d| d.headline()).collect();
    assert_eq!(
        w,
        [
            "content/glossary.toml:15:1: warning[glossary-unused]: glossary term `Ingress` is used on no page"
        ]
    );
}

#[test]
fn glossary_directive_problems() {
    let f = Fixture::new();
    f.write(
        "content/01-basics/pods.md",
        "+++\ntitle = \"Pods\"\n+++\n## The spec\n\n{{#glossary}}\n",
    );
    let e = f.errors();
    assert_one_error(
        &e,
        "content/02-glossary/_index.md:7:1: error[glossary]: a second `{{#glossary}}`: the glossary is already on content/01-basics/pods.md",
    );

    // A directive inside a code fence is not the glossary page.
    let f = Fixture::new();
    f.write(
        "content/01-basics/pods.md",
        "+++\ntitle = \"Pods\"\n+++\n## The spec\n```\n{{#glossary}}\n```\n",
    );
    f.build().unwrap_or_else(|d| panic!("{d:#?}"));

    // Without glossary.toml the directive is an error.
    let f = Fixture::new();
    std::fs::remove_file(f.root().join("content/glossary.toml")).unwrap();
    f.write(
        "content/01-basics/_index.md",
        "+++\ntitle = \"Basics\"\n+++\nNo quiz.\n",
    );
    let e = f.errors();
    assert_one_error(
        &e,
        "content/02-glossary/_index.md:7:1: error[glossary]: `{{#glossary}}` needs content/glossary.toml",
    );
}
