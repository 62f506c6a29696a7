//! Diagrams of how the objects of a manifest connect, drawn at build time
//! as inline SVG: Ingress → Service → workload, and the ConfigMaps,
//! Secrets, claims and ServiceAccounts a Pod template uses, with ports on
//! the edges. A reference to an object the manifest does not define is
//! drawn dashed, in the warning colour. Colours come from the theme's CSS,
//! so the picture reads in light and dark mode; the edges are also listed
//! as text for readers who cannot see it.

use std::fmt::Write as _;

use crate::check::yaml::{self, Node};
use crate::highlight::escape_html;

/// One object of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: String,
    pub name: String,
}

/// A reference from one object to another (by index into `objects`), or to
/// an object the manifest does not define (`to` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: Option<usize>,
    /// The referenced object, as kind and name, for dangling edges and text.
    pub target: Object,
    pub label: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub objects: Vec<Object>,
    pub edges: Vec<Edge>,
}

const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

/// Builds the graph of a YAML text (all its documents; `List` items too).
pub fn graph(text: &str) -> Graph {
    graph_of(&yaml::parse(yaml::strip_bom(text)))
}

/// [`graph`] of a text already parsed.
pub fn graph_of(stream: &yaml::Stream) -> Graph {
    let mut nodes: Vec<&Node> = Vec::new();
    for doc in &stream.docs {
        if let Some(root) = &doc.root {
            if root.get("kind").and_then(Node::as_str) == Some("List") {
                nodes.extend(root.get("items").map(Node::seq).unwrap_or_default());
            } else {
                nodes.push(root);
            }
        }
    }
    let objects: Vec<Object> = nodes
        .iter()
        .filter_map(|n| {
            Some(Object {
                kind: n.get("kind")?.as_str()?.to_owned(),
                name: n
                    .path(&["metadata", "name"])
                    .and_then(Node::as_str)
                    .unwrap_or("(unnamed)")
                    .to_owned(),
            })
        })
        .collect();
    let nodes: Vec<&Node> = nodes
        .into_iter()
        .filter(|n| n.get("kind").and_then(Node::as_str).is_some())
        .collect();
    let mut g = Graph {
        objects,
        edges: Vec::new(),
    };
    for (i, n) in nodes.iter().enumerate() {
        let kind = g.objects[i].kind.clone();
        match kind.as_str() {
            "Ingress" => ingress_edges(&mut g, i, n),
            "Service" => service_edges(&mut g, i, n, &nodes),
            "HorizontalPodAutoscaler" => {
                if let (Some(k), Some(name)) = (
                    n.path(&["spec", "scaleTargetRef", "kind"])
                        .and_then(Node::as_str),
                    n.path(&["spec", "scaleTargetRef", "name"])
                        .and_then(Node::as_str),
                ) {
                    link(&mut g, i, k, name, "scales");
                }
            }
            "PodDisruptionBudget" => {
                if let Some(sel) = n.path(&["spec", "selector", "matchLabels"]) {
                    for (j, w) in nodes.iter().enumerate() {
                        if WORKLOADS.contains(&g.objects[j].kind.as_str())
                            && template_labels(w).is_some_and(|l| matches(sel, l))
                        {
                            g.edges.push(Edge {
                                from: i,
                                to: Some(j),
                                target: g.objects[j].clone(),
                                label: "protects".into(),
                            });
                        }
                    }
                }
            }
            "PersistentVolumeClaim" => {
                if let Some(sc) = n.path(&["spec", "storageClassName"]).and_then(Node::as_str) {
                    link(&mut g, i, "StorageClass", sc, "class");
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                if let (Some(k), Some(name)) = (
                    n.path(&["roleRef", "kind"]).and_then(Node::as_str),
                    n.path(&["roleRef", "name"]).and_then(Node::as_str),
                ) {
                    link(&mut g, i, k, name, "grants");
                }
                for s in n.get("subjects").map(Node::seq).unwrap_or_default() {
                    if let (Some(k), Some(name)) = (
                        s.get("kind").and_then(Node::as_str),
                        s.get("name").and_then(Node::as_str),
                    ) {
                        link(&mut g, i, k, name, "to");
                    }
                }
            }
            k if WORKLOADS.contains(&k) => {
                if let Some(spec) = pod_spec(n) {
                    pod_edges(&mut g, i, spec);
                }
                for t in n
                    .path(&["spec", "volumeClaimTemplates"])
                    .map(Node::seq)
                    .unwrap_or_default()
                {
                    let name = t
                        .path(&["metadata", "name"])
                        .and_then(Node::as_str)
                        .unwrap_or("data");
                    let sc = t.path(&["spec", "storageClassName"]).and_then(Node::as_str);
                    let label = format!(
                        "claim per Pod{}",
                        sc.map(|s| format!(" ({s})")).unwrap_or_default()
                    );
                    g.edges.push(Edge {
                        from: i,
                        to: None,
                        target: Object {
                            kind: "PersistentVolumeClaim".into(),
                            name: format!("{name}-*"),
                        },
                        label,
                    });
                    if let Some(sc) = sc {
                        link(&mut g, i, "StorageClass", sc, "class");
                    }
                }
            }
            _ => {}
        }
    }
    // A claim template is created by the StatefulSet, not missing.
    for e in &mut g.edges {
        if e.target.name.ends_with("-*") {
            e.to = Some(usize::MAX);
        }
    }
    g
}

fn link(g: &mut Graph, from: usize, kind: &str, name: &str, label: &str) {
    let to = g
        .objects
        .iter()
        .position(|o| o.kind == kind && o.name == name);
    let edge = Edge {
        from,
        to,
        target: Object {
            kind: kind.into(),
            name: name.into(),
        },
        label: label.into(),
    };
    if !g.edges.contains(&edge) {
        g.edges.push(edge);
    }
}

fn ingress_edges(g: &mut Graph, i: usize, n: &Node) {
    let mut backends: Vec<&Node> = Vec::new();
    if let Some(b) = n.path(&["spec", "defaultBackend"]) {
        backends.push(b);
    }
    for rule in n
        .path(&["spec", "rules"])
        .map(Node::seq)
        .unwrap_or_default()
    {
        for p in rule
            .path(&["http", "paths"])
            .map(Node::seq)
            .unwrap_or_default()
        {
            if let Some(b) = p.get("backend") {
                backends.push(b);
            }
        }
    }
    for b in backends {
        let Some(name) = b.path(&["service", "name"]).and_then(Node::as_str) else {
            continue;
        };
        let port = b
            .path(&["service", "port", "number"])
            .and_then(Node::scalar_text)
            .or_else(|| {
                b.path(&["service", "port", "name"])
                    .and_then(Node::scalar_text)
            })
            .unwrap_or_default();
        link(g, i, "Service", name, &format!("port {port}"));
    }
}

fn service_edges(g: &mut Graph, i: usize, n: &Node, nodes: &[&Node]) {
    let Some(sel) = n.path(&["spec", "selector"]) else {
        return;
    };
    let ports: Vec<String> = n
        .path(&["spec", "ports"])
        .map(Node::seq)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let port = p
                .get("port")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            match p.get("targetPort").and_then(Node::scalar_text) {
                Some(t) if t != port => format!("{port}→{t}"),
                _ => port,
            }
        })
        .collect();
    let label = ports.join(", ");
    let mut found = false;
    for (j, w) in nodes.iter().enumerate() {
        if WORKLOADS.contains(&g.objects[j].kind.as_str())
            && template_labels(w).is_some_and(|l| matches(sel, l))
        {
            g.edges.push(Edge {
                from: i,
                to: Some(j),
                target: g.objects[j].clone(),
                label: label.clone(),
            });
            found = true;
        }
    }
    if !found {
        let shown = sel
            .entries()
            .iter()
            .filter_map(|(k, v)| Some(format!("{}={}", k.as_str()?, v.scalar_text()?)))
            .collect::<Vec<_>>()
            .join(",");
        g.edges.push(Edge {
            from: i,
            to: None,
            target: Object {
                kind: "Pods".into(),
                name: shown,
            },
            label,
        });
    }
}

fn pod_spec(n: &Node) -> Option<&Node> {
    match n.get("kind").and_then(Node::as_str)? {
        "Pod" => n.get("spec"),
        "CronJob" => n.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => n.path(&["spec", "template", "spec"]),
    }
}

fn template_labels(n: &Node) -> Option<&Node> {
    match n.get("kind").and_then(Node::as_str)? {
        "Pod" => n.path(&["metadata", "labels"]),
        "CronJob" => n.path(&[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ]),
        _ => n.path(&["spec", "template", "metadata", "labels"]),
    }
}

/// Whether every `selector` entry is among `labels`.
fn matches(selector: &Node, labels: &Node) -> bool {
    let entries = selector.entries();
    !entries.is_empty()
        && entries.iter().all(|(k, v)| {
            let (Some(k), Some(v)) = (k.as_str(), v.scalar_text()) else {
                return false;
            };
            labels.get(k).and_then(Node::scalar_text).as_deref() == Some(v.as_str())
        })
}

fn pod_edges(g: &mut Graph, i: usize, spec: &Node) {
    if let Some(sa) = spec.get("serviceAccountName").and_then(Node::as_str) {
        link(g, i, "ServiceAccount", sa, "runs as");
    }
    for v in spec.get("volumes").map(Node::seq).unwrap_or_default() {
        if let Some(c) = v.path(&["configMap", "name"]).and_then(Node::as_str) {
            link(g, i, "ConfigMap", c, "volume");
        }
        if let Some(s) = v.path(&["secret", "secretName"]).and_then(Node::as_str) {
            link(g, i, "Secret", s, "volume");
        }
        if let Some(c) = v
            .path(&["persistentVolumeClaim", "claimName"])
            .and_then(Node::as_str)
        {
            link(g, i, "PersistentVolumeClaim", c, "volume");
        }
    }
    let containers = ["initContainers", "containers"]
        .iter()
        .flat_map(|k| spec.get(k).map(Node::seq).unwrap_or_default());
    for c in containers {
        for e in c.get("envFrom").map(Node::seq).unwrap_or_default() {
            if let Some(n) = e.path(&["configMapRef", "name"]).and_then(Node::as_str) {
                link(g, i, "ConfigMap", n, "env");
            }
            if let Some(n) = e.path(&["secretRef", "name"]).and_then(Node::as_str) {
                link(g, i, "Secret", n, "env");
            }
        }
        for e in c.get("env").map(Node::seq).unwrap_or_default() {
            if let Some(n) = e
                .path(&["valueFrom", "configMapKeyRef", "name"])
                .and_then(Node::as_str)
            {
                link(g, i, "ConfigMap", n, "env");
            }
            if let Some(n) = e
                .path(&["valueFrom", "secretKeyRef", "name"])
                .and_then(Node::as_str)
            {
                link(g, i, "Secret", n, "env");
            }
        }
    }
}

/// Column of a kind, left to right along the request path.
fn rank(kind: &str) -> usize {
    match kind {
        "Ingress"
        | "IngressClass"
        | "Gateway"
        | "HTTPRoute"
        | "HorizontalPodAutoscaler"
        | "PodDisruptionBudget"
        | "RoleBinding"
        | "ClusterRoleBinding"
        | "NetworkPolicy" => 0,
        "Service" => 1,
        k if WORKLOADS.contains(&k) => 2,
        "StorageClass" | "PersistentVolume" | "Role" | "ClusterRole" => 4,
        _ => 3,
    }
}

const W: i32 = 190;
const H: i32 = 46;
const GAP_X: i32 = 70;
const GAP_Y: i32 = 22;

/// Whether a graph is worth drawing: some object references another (a
/// picture of boxes with no line between them says nothing).
pub fn worth_drawing(g: &Graph) -> bool {
    !g.edges.is_empty()
}

/// The diagram as a `<figure>` with an inline SVG and the edges as text.
pub fn render(g: &Graph, caption: &str) -> String {
    // Boxes: the objects, then one box per dangling target.
    let mut boxes: Vec<(Object, bool)> = g.objects.iter().map(|o| (o.clone(), false)).collect();
    let mut edge_to: Vec<usize> = Vec::new();
    for e in &g.edges {
        let idx = match e.to {
            Some(t) if t < g.objects.len() => t,
            _ => {
                let dangling = e.to.is_none();
                match boxes
                    .iter()
                    .position(|(o, d)| *o == e.target && *d == dangling)
                {
                    Some(p) => p,
                    None => {
                        boxes.push((e.target.clone(), dangling));
                        boxes.len() - 1
                    }
                }
            }
        };
        edge_to.push(idx);
    }
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); 5];
    for (i, (o, _)) in boxes.iter().enumerate() {
        columns[rank(&o.kind)].push(i);
    }
    let used: Vec<usize> = (0..columns.len())
        .filter(|&c| !columns[c].is_empty())
        .collect();
    let mut pos = vec![(0i32, 0i32); boxes.len()];
    for (x, &c) in used.iter().enumerate() {
        for (y, &b) in columns[c].iter().enumerate() {
            pos[b] = (10 + x as i32 * (W + GAP_X), 10 + y as i32 * (H + GAP_Y));
        }
    }
    let width = 20 + used.len().max(1) as i32 * (W + GAP_X) - GAP_X;
    let rows = used.iter().map(|&c| columns[c].len()).max().unwrap_or(1) as i32;
    let height = 20 + rows * (H + GAP_Y) - GAP_Y;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"object-diagram\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        escape_html(caption)
    );
    svg.push_str("<defs><marker id=\"kd-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"currentColor\"/></marker></defs>");
    // Parallel edges (same two boxes) are drawn once, their labels joined;
    // a label that would overlap one already placed moves down a line.
    let mut drawn: Vec<(usize, usize, bool, Vec<&str>)> = Vec::new();
    for (e, &to) in g.edges.iter().zip(&edge_to) {
        let dangling = e.to.is_none();
        match drawn
            .iter_mut()
            .find(|(f, t, d, _)| *f == e.from && *t == to && *d == dangling)
        {
            Some((_, _, _, labels)) => {
                if !e.label.is_empty() && !labels.contains(&e.label.as_str()) {
                    labels.push(&e.label);
                }
            }
            None => drawn.push((
                e.from,
                to,
                dangling,
                Some(e.label.as_str())
                    .filter(|l| !l.is_empty())
                    .into_iter()
                    .collect(),
            )),
        }
    }
    let mut placed: Vec<(i32, i32, i32)> = Vec::new(); // label centre x, baseline y, half width
    for (from, to, dangling, labels) in &drawn {
        let (fx, fy) = pos[*from];
        let (tx, ty) = pos[*to];
        let (x1, y1, x2, y2) = if tx > fx {
            (fx + W, fy + H / 2, tx, ty + H / 2)
        } else if tx < fx {
            (fx, fy + H / 2, tx + W, ty + H / 2)
        } else {
            (fx + W / 2, fy + H, tx + W / 2, ty)
        };
        let class = if *dangling { "edge dangling" } else { "edge" };
        let mx = (x1 + x2) / 2;
        let _ = write!(
            svg,
            "<g class=\"{class}\"><path d=\"M{x1},{y1} C{mx},{y1} {mx},{y2} {x2},{y2}\" fill=\"none\" marker-end=\"url(#kd-arrow)\"/>"
        );
        if !labels.is_empty() {
            let label = labels.join(", ");
            let half = label.chars().count() as i32 * 3 + 2;
            let mut y = (y1 + y2) / 2 - 4;
            while placed
                .iter()
                .any(|&(px, py, ph)| (px - mx).abs() < ph + half && (py - y).abs() < 13)
            {
                y += 13;
            }
            placed.push((mx, y, half));
            let _ = write!(
                svg,
                "<text x=\"{mx}\" y=\"{y}\" text-anchor=\"middle\">{}</text>",
                escape_html(&label)
            );
        }
        svg.push_str("</g>");
    }
    for (i, (o, dangling)) in boxes.iter().enumerate() {
        let (x, y) = pos[i];
        let class = if *dangling { "node dangling" } else { "node" };
        let _ = write!(
            svg,
            "<g class=\"{class}\"><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"6\"/><text x=\"{}\" y=\"{}\" class=\"kind\">{}</text><text x=\"{}\" y=\"{}\" class=\"name\">{}</text></g>",
            x + 10,
            y + 18,
            escape_html(&o.kind),
            x + 10,
            y + 36,
            escape_html(&truncate(&o.name, 24))
        );
    }
    svg.push_str("</svg>");
    let mut list = String::from("<ul>");
    for e in &g.edges {
        let from = &g.objects[e.from];
        let _ = write!(
            list,
            "<li>{} {} → {} {}{}{}</li>",
            escape_html(&from.kind),
            escape_html(&from.name),
            escape_html(&e.target.kind),
            escape_html(&e.target.name),
            if e.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape_html(&e.label))
            },
            if e.to.is_none() {
                " — not defined in this manifest"
            } else {
                ""
            }
        );
    }
    if g.edges.is_empty() {
        list.push_str("<li>These objects do not reference each other.</li>");
    }
    list.push_str("</ul>");
    format!(
        "<figure class=\"object-diagram-figure\"><div class=\"diagram-scroll\">{svg}</div><figcaption><details><summary>How these objects connect</summary>{list}</details></figcaption></figure>\n"
    )
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules:\n    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend: {service: {name: web, port: {number: 80}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: x:1\n          envFrom: [{configMapRef: {name: web-config}}]\n";

    #[test]
    fn edges_follow_the_request_path_and_references() {
        let g = graph(APP);
        let text: Vec<String> = g
            .edges
            .iter()
            .map(|e| {
                format!(
                    "{}>{}:{}:{}",
                    g.objects[e.from].kind,
                    e.target.kind,
                    e.label,
                    e.to.is_some()
                )
            })
            .collect();
        assert_eq!(
            text,
            [
                "Ingress>Service:port 80:true",
                "Service>Deployment:80→http:true",
                "Deployment>ConfigMap:env:false"
            ]
        );
    }

    #[test]
    fn svg_marks_dangling_and_lists_edges() {
        let html = render(&graph(APP), "app");
        assert!(html.contains("class=\"node dangling\""));
        assert!(html.contains(
            "Deployment web → ConfigMap web-config (env) — not defined in this manifest"
        ));
        assert_eq!(html.matches("<g class=\"node").count(), 4);
    }

    #[test]
    fn service_without_pods_is_dangling() {
        let g = graph(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: x}\n  ports: [{port: 80}]\n",
        );
        assert_eq!(g.edges.len(), 1);
        assert_eq!(g.edges[0].to, None);
        assert_eq!(g.edges[0].target.name, "app=x");
    }
}
