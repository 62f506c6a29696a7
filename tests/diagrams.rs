//! The automatic object diagrams under manifests, read from the SVG that
//! `kourse build` writes: parallel edges are drawn once with their labels
//! joined, labels that would land on each other are moved apart, and
//! objects that do not reference each other get no diagram at all.

use std::process::Command;

use scraper::{ElementRef, Html, Selector};

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n";

fn deployment(name: &str) -> String {
    DEPLOYMENT.replace("{name}", name)
}

fn service(name: &str, selects: &str, port: u16) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {selects}\n  ports:\n    - port: {port}\n"
    )
}

/// Builds a course whose one page holds `body`, with `examples` written
/// under examples/, by the real binary; returns the page's HTML.
fn page(body: &str, examples: &[(&str, &str)]) -> Html {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w("book.toml", "[book]\ntitle = \"T\"\n");
    w("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHome.\n");
    w(
        "content/page.md",
        &format!("+++\ntitle = \"Page\"\n+++\n{body}"),
    );
    for (rel, text) in examples {
        w(&format!("examples/{rel}"), text);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .arg("build")
        .current_dir(dir.path())
        .output()
        .expect("run kourse build");
    assert!(
        out.status.success(),
        "kourse build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("public/page.html")).unwrap();
    Html::parse_document(&html)
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect::<String>()
}

fn num(e: ElementRef<'_>, name: &str) -> f64 {
    e.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {}", e.html()))
        .parse()
        .unwrap()
}

/// An edge label's box as drawn: centred on x (text-anchor middle), on
/// the baseline y, at the stylesheet's 11px. The width is taken generously
/// (0.6 em a character, wider than the average glyph of a sans-serif face),
/// the height from ascent to descent.
fn label_box(t: ElementRef<'_>) -> (f64, f64, f64, f64) {
    assert_eq!(t.value().attr("text-anchor"), Some("middle"));
    let (x, y) = (num(t, "x"), num(t, "y"));
    let half = text(t).chars().count() as f64 * 11.0 * 0.6 / 2.0;
    (x - half, y - 11.0 * 0.9, x + half, y + 11.0 * 0.25)
}

fn intersect(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

#[test]
fn two_edges_between_the_same_objects_are_one_line_with_both_labels() {
    // The Deployment uses the ConfigMap twice: as a volume and for env.
    let manifest = format!(
        "{}      volumes:\n        - name: conf\n          configMap:\n            name: settings\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n",
        deployment("web").replace(
            "          image: nginx:1.27\n",
            "          image: nginx:1.27\n          envFrom:\n            - configMapRef:\n                name: settings\n"
        )
    );
    let doc = page("{{#example app.yaml}}\n", &[("app.yaml", &manifest)]);
    let edges: Vec<ElementRef> = doc.select(&sel("svg.object-diagram g.edge")).collect();
    assert_eq!(edges.len(), 1, "one line between the two objects");
    assert_eq!(edges[0].select(&sel("path")).count(), 1);
    let labels: Vec<String> = edges[0].select(&sel("text")).map(text).collect();
    assert_eq!(labels, ["volume, env"]);
    // The text list keeps both references.
    let items: Vec<String> = doc
        .select(&sel(".object-diagram-figure li"))
        .map(text)
        .collect();
    assert_eq!(
        items,
        [
            "Deployment web → ConfigMap settings (volume)",
            "Deployment web → ConfigMap settings (env)"
        ]
    );
}

#[test]
fn labels_that_would_overlap_are_moved_apart() {
    // Two Services whose lines cross: the first selects the second
    // Deployment and the second the first, so both labels would be drawn
    // at the middle of the same crossing.
    let manifest = [
        service("front", "two", 8080),
        service("back", "one", 9090),
        deployment("one"),
        deployment("two"),
    ]
    .join("---\n");
    let doc = page(
        "{{#example crossing.yaml}}\n",
        &[("crossing.yaml", &manifest)],
    );
    let labels: Vec<ElementRef> = doc.select(&sel("svg.object-diagram g.edge text")).collect();
    let texts: Vec<String> = labels.iter().map(|&t| text(t)).collect();
    assert_eq!(texts, ["8080", "9090"]);
    let (a, b) = (label_box(labels[0]), label_box(labels[1]));
    // They share a centre line, so only moving one keeps them apart.
    assert_eq!(num(labels[0], "x"), num(labels[1], "x"));
    assert!(!intersect(a, b), "labels overlap: {a:?} and {b:?}");
    // Both stay inside the picture.
    let svg = doc.select(&sel("svg.object-diagram")).next().unwrap();
    let view: Vec<f64> = svg
        .value()
        .attr("viewBox")
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    for (x0, y0, x1, y1) in [a, b] {
        assert!(x0 >= view[0] && y0 >= view[1], "{x0},{y0} outside {view:?}");
        assert!(x1 <= view[2] && y1 <= view[3], "{x1},{y1} outside {view:?}");
    }
}

#[test]
fn objects_that_do_not_reference_each_other_get_no_diagram() {
    let unrelated = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\nstringData:\n  k: v\n";
    let body = format!(
        "## Included\n\n{{{{#example pair.yaml}}}}\n\n## Inline\n\n```yaml\n{unrelated}```\n\n## One object\n\n```yaml\n{}```\n",
        deployment("solo")
    );
    let doc = page(&body, &[("pair.yaml", unrelated)]);
    assert_eq!(doc.select(&sel("figure.manifest")).count(), 3);
    assert_eq!(
        doc.select(&sel(".object-diagram-figure, svg.object-diagram"))
            .count(),
        0,
        "a diagram of objects with no line between them says nothing"
    );
}

#[test]
fn related_objects_inline_still_get_a_diagram() {
    let body = format!(
        "```yaml\n{}---\n{}```\n",
        service("web", "web", 80),
        deployment("web")
    );
    let doc = page(&body, &[]);
    let items: Vec<String> = doc
        .select(&sel(".object-diagram-figure li"))
        .map(text)
        .collect();
    assert_eq!(items, ["Service web → Deployment web (80)"]);
}
