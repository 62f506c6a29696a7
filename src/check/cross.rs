//! Cross-object checks: references between the objects of one set (a file,
//! a folder, a page). Warnings by default, since the other object may live
//! elsewhere in the cluster; a course promotes them in book.toml.

use super::rules::apiserver::selector_matches;
use super::rules::{containers, pod_spec, pod_template};
use super::validate::Finding;
use super::yaml::{Node, Pos, Value};
use super::{Obj, Source};

fn finding(rule: &'static str, pos: Pos, message: String, notes: Vec<String>) -> Finding {
    Finding {
        rule,
        pos,
        message,
        notes,
    }
}

fn same_ns(a: &Obj, b: &Obj) -> bool {
    match (a.namespace, b.namespace) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// `file:line:col` of a node of `o`, with its source's offsets applied (as
/// diagnostics get them), so a note points into the Markdown page a block is in.
fn loc(sources: &[Source], o: &Obj, pos: Pos) -> String {
    let s = &sources[o.src];
    format!(
        "{}:{}:{}",
        s.path.display(),
        pos.line as usize + s.line_offset,
        pos.col as usize + s.col_offset
    )
}

/// Pod-bearing objects: (object index, template labels, pod spec).
fn workloads<'a>(objs: &'a [Obj<'a>]) -> Vec<(usize, Option<&'a Node>, &'a Node)> {
    objs.iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let spec = pod_spec(o.kind, o.node)?;
            let labels = if o.kind == "Pod" {
                o.node.path(&["metadata", "labels"])
            } else {
                pod_template(o.kind, o.node).and_then(|t| t.path(&["metadata", "labels"]))
            };
            Some((i, labels, spec))
        })
        .collect()
}

fn defined(objs: &[Obj], me: &Obj, kind: &str, name: &str) -> bool {
    objs.iter()
        .any(|o| o.kind == kind && o.name == Some(name) && same_ns(o, me))
}

pub fn check(objs: &[Obj], sources: &[Source]) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    let pods = workloads(objs);
    for (i, o) in objs.iter().enumerate() {
        if !o.known {
            continue;
        }
        match o.kind {
            "Service" => service(i, o, objs, &pods, sources, &mut out),
            "Ingress" => ingress(i, o, objs, sources, &mut out),
            "HorizontalPodAutoscaler" => {
                if let Some(r) = o.node.path(&["spec", "scaleTargetRef"])
                    && let (Some(k), Some(n)) =
                        (r.get("kind").and_then(Node::as_str), r.get("name"))
                    && let Some(name) = n.as_str()
                    && !defined(objs, o, k, name)
                {
                    out.push((
                        i,
                        finding(
                            "hpa-missing-target",
                            n.pos,
                            format!("HPA targets {k} `{name}`, which is not defined here"),
                            Vec::new(),
                        ),
                    ));
                }
            }
            "PersistentVolumeClaim" => {
                if let Some(sc) = o.node.path(&["spec", "storageClassName"])
                    && let Some(name) = sc.as_str()
                    && !name.is_empty()
                    && objs.iter().any(|x| x.kind == "StorageClass")
                    && !objs
                        .iter()
                        .any(|x| x.kind == "StorageClass" && x.name == Some(name))
                {
                    let classes: Vec<&str> = objs
                        .iter()
                        .filter(|x| x.kind == "StorageClass")
                        .filter_map(|x| x.name)
                        .collect();
                    out.push((
                        i,
                        finding(
                            "missing-storageclass",
                            sc.pos,
                            format!("StorageClass `{name}` is not defined here"),
                            vec![format!("defined classes: {}", classes.join(", "))],
                        ),
                    ));
                }
            }
            _ => {}
        }
        if let Some(spec) = pod_spec(o.kind, o.node) {
            references(i, o, spec, objs, &mut out);
        }
    }
    let mut by_src: Vec<usize> = objs.iter().map(|o| o.src).collect();
    by_src.dedup();
    for src in by_src {
        namespaces(objs, src, sources, &mut out);
    }
    out
}

fn service(
    i: usize,
    o: &Obj,
    objs: &[Obj],
    pods: &[(usize, Option<&Node>, &Node)],
    sources: &[Source],
    out: &mut Vec<(usize, Finding)>,
) {
    let Some(sel) = o.node.path(&["spec", "selector"]) else {
        return;
    };
    if sel.entries().is_empty() {
        return;
    }
    let matched: Vec<&(usize, Option<&Node>, &Node)> = pods
        .iter()
        .filter(|(j, labels, _)| same_ns(o, &objs[*j]) && selector_matches(sel, *labels))
        .collect();
    if matched.is_empty() {
        let notes: Vec<String> = pods
            .iter()
            .filter(|(j, _, _)| objs[*j].kind != "Job" && objs[*j].kind != "CronJob")
            .map(|(j, labels, _)| {
                let w = &objs[*j];
                let at = labels.map_or(w.node.pos, |l| l.pos);
                format!(
                    "{} `{}` has Pod labels {} at {}",
                    w.kind,
                    w.name.unwrap_or("?"),
                    show_labels(*labels),
                    loc(sources, w, at)
                )
            })
            .collect();
        let msg = format!(
            "Service selector {} matches no Pod template here",
            show_labels(Some(sel))
        );
        out.push((i, finding("service-no-match", sel.pos, msg, notes)));
        return;
    }
    for p in o
        .node
        .path(&["spec", "ports"])
        .map(Node::seq)
        .unwrap_or(&[])
    {
        let target = p.get("targetPort").or_else(|| p.get("port"));
        let Some(t) = target else { continue };
        for (j, _, spec) in &matched {
            let ports: Vec<&Node> = containers(spec)
                .flat_map(|c| c.get("ports").map(Node::seq).unwrap_or(&[]).iter())
                .collect();
            let ok = match &t.value {
                Value::Str(name) => ports
                    .iter()
                    .any(|cp| cp.get("name").and_then(Node::as_str) == Some(name)),
                Value::Int(n) => {
                    ports.is_empty()
                        || ports
                            .iter()
                            .any(|cp| cp.get("containerPort").and_then(Node::as_int) == Some(*n))
                }
                _ => true,
            };
            if !ok {
                let w = &objs[*j];
                let names: Vec<String> = ports
                    .iter()
                    .map(|cp| match cp.get("name").and_then(Node::as_str) {
                        Some(n) => format!(
                            "{n} ({})",
                            cp.get("containerPort").and_then(Node::as_int).unwrap_or(0)
                        ),
                        None => cp
                            .get("containerPort")
                            .and_then(Node::as_int)
                            .unwrap_or(0)
                            .to_string(),
                    })
                    .collect();
                let at = containers(spec).next().map_or(w.node.pos, |c| c.pos);
                out.push((
                    i,
                    finding(
                        "target-port-missing",
                        t.pos,
                        format!(
                            "targetPort {} is not a port of {} `{}`",
                            t.show(),
                            w.kind,
                            w.name.unwrap_or("?")
                        ),
                        vec![format!(
                            "its container ports: {} (at {})",
                            if names.is_empty() {
                                "none".into()
                            } else {
                                names.join(", ")
                            },
                            loc(sources, w, at)
                        )],
                    ),
                ));
            }
        }
    }
}

fn show_labels(l: Option<&Node>) -> String {
    let Some(l) = l else { return "{}".into() };
    let m = l.get("matchLabels").unwrap_or(l);
    let v: Vec<String> = m
        .entries()
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                k.scalar_text().unwrap_or_default(),
                v.scalar_text().unwrap_or_default()
            )
        })
        .collect();
    format!("{{{}}}", v.join(", "))
}

fn ingress(i: usize, o: &Obj, objs: &[Obj], sources: &[Source], out: &mut Vec<(usize, Finding)>) {
    let mut backends: Vec<&Node> = Vec::new();
    if let Some(b) = o.node.path(&["spec", "defaultBackend"]) {
        backends.push(b);
    }
    for r in o
        .node
        .path(&["spec", "rules"])
        .map(Node::seq)
        .unwrap_or(&[])
    {
        for p in r.path(&["http", "paths"]).map(Node::seq).unwrap_or(&[]) {
            if let Some(b) = p.get("backend") {
                backends.push(b);
            }
        }
    }
    for b in backends {
        let Some(svc) = b.get("service") else {
            continue;
        };
        let Some(n) = svc.get("name") else { continue };
        let Some(name) = n.as_str() else { continue };
        let Some(target) = objs
            .iter()
            .find(|x| x.kind == "Service" && x.name == Some(name) && same_ns(x, o))
        else {
            out.push((
                i,
                finding(
                    "ingress-missing-service",
                    n.pos,
                    format!("Ingress backend names Service `{name}`, which is not defined here"),
                    Vec::new(),
                ),
            ));
            continue;
        };
        let sports = target
            .node
            .path(&["spec", "ports"])
            .map(Node::seq)
            .unwrap_or(&[]);
        if let Some(port) = svc.get("port") {
            let (field, ok, shown) = if let Some(num) = port.get("number") {
                (
                    num,
                    sports
                        .iter()
                        .any(|p| p.get("port").and_then(Node::as_int) == num.as_int()),
                    num.show(),
                )
            } else if let Some(nm) = port.get("name") {
                (
                    nm,
                    sports
                        .iter()
                        .any(|p| p.get("name").and_then(Node::as_str) == nm.as_str()),
                    nm.show(),
                )
            } else {
                continue;
            };
            if !ok {
                let at = target
                    .node
                    .path(&["spec", "ports"])
                    .map_or(target.node.pos, |p| p.pos);
                out.push((
                    i,
                    finding(
                        "ingress-missing-service",
                        field.pos,
                        format!("Service `{name}` has no port {shown}"),
                        vec![format!("its ports are at {}", loc(sources, target, at))],
                    ),
                ));
            }
        }
    }
}

fn references(i: usize, o: &Obj, spec: &Node, objs: &[Obj], out: &mut Vec<(usize, Finding)>) {
    let mut check =
        |kind: &'static str, rule: &'static str, n: &Node, optional: bool, key: Option<&Node>| {
            let Some(name) = n.as_str() else { return };
            if optional || defined(objs, o, kind, name) {
                if let Some(k) = key
                    && let Some(key) = k.as_str()
                    && let Some(target) = objs
                        .iter()
                        .find(|x| x.kind == kind && x.name == Some(name) && same_ns(x, o))
                    && !["data", "stringData", "binaryData"]
                        .iter()
                        .any(|f| target.node.get(f).is_some_and(|d| d.get(key).is_some()))
                    && !optional
                {
                    out.push((
                        i,
                        finding(
                            rule,
                            k.pos,
                            format!("{kind} `{name}` has no key `{key}`"),
                            Vec::new(),
                        ),
                    ));
                }
                return;
            }
            if kind == "PersistentVolumeClaim" && o.kind == "StatefulSet" {
                let templates = o
                    .node
                    .path(&["spec", "volumeClaimTemplates"])
                    .map(Node::seq)
                    .unwrap_or(&[]);
                if templates
                    .iter()
                    .any(|t| t.path(&["metadata", "name"]).and_then(Node::as_str) == Some(name))
                {
                    return;
                }
            }
            out.push((
                i,
                finding(
                    rule,
                    n.pos,
                    format!("{kind} `{name}` is not defined here"),
                    Vec::new(),
                ),
            ));
        };
    let optional = |n: &Node| n.get("optional").and_then(Node::as_bool) == Some(true);
    for c in containers(spec) {
        for e in c.get("envFrom").map(Node::seq).unwrap_or(&[]) {
            if let Some(r) = e.get("configMapRef")
                && let Some(n) = r.get("name")
            {
                check("ConfigMap", "missing-configmap", n, optional(r), None);
            }
            if let Some(r) = e.get("secretRef")
                && let Some(n) = r.get("name")
            {
                check("Secret", "missing-secret", n, optional(r), None);
            }
        }
        for e in c.get("env").map(Node::seq).unwrap_or(&[]) {
            if let Some(r) = e.path(&["valueFrom", "configMapKeyRef"])
                && let Some(n) = r.get("name")
            {
                check(
                    "ConfigMap",
                    "missing-configmap",
                    n,
                    optional(r),
                    r.get("key"),
                );
            }
            if let Some(r) = e.path(&["valueFrom", "secretKeyRef"])
                && let Some(n) = r.get("name")
            {
                check("Secret", "missing-secret", n, optional(r), r.get("key"));
            }
        }
    }
    for v in spec.get("volumes").map(Node::seq).unwrap_or(&[]) {
        if let Some(r) = v.get("configMap")
            && let Some(n) = r.get("name")
        {
            check("ConfigMap", "missing-configmap", n, optional(r), None);
        }
        if let Some(r) = v.get("secret")
            && let Some(n) = r.get("secretName")
        {
            check("Secret", "missing-secret", n, optional(r), None);
        }
        if let Some(r) = v.get("persistentVolumeClaim")
            && let Some(n) = r.get("claimName")
        {
            check("PersistentVolumeClaim", "missing-pvc", n, false, None);
        }
        for s in v
            .path(&["projected", "sources"])
            .map(Node::seq)
            .unwrap_or(&[])
        {
            if let Some(r) = s.get("configMap")
                && let Some(n) = r.get("name")
            {
                check("ConfigMap", "missing-configmap", n, optional(r), None);
            }
            if let Some(r) = s.get("secret")
                && let Some(n) = r.get("name")
            {
                check("Secret", "missing-secret", n, optional(r), None);
            }
        }
    }
    for s in spec.get("imagePullSecrets").map(Node::seq).unwrap_or(&[]) {
        if let Some(n) = s.get("name") {
            check("Secret", "missing-secret", n, false, None);
        }
    }
    if let Some(sa) = spec.get("serviceAccountName")
        && let Some(name) = sa.as_str()
        && name != "default"
        && !defined(objs, o, "ServiceAccount", name)
    {
        out.push((
            i,
            finding(
                "missing-service-account",
                sa.pos,
                format!("ServiceAccount `{name}` is not defined here"),
                Vec::new(),
            ),
        ));
    }
}

/// The objects of one file should agree on their namespace: flag those that differ from the most common one.
fn namespaces(objs: &[Obj], src: usize, sources: &[Source], out: &mut Vec<(usize, Finding)>) {
    let namespaced: Vec<(usize, &Obj)> = objs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.src == src && o.known && !CLUSTER_SCOPED.contains(&o.kind))
        .collect();
    let mut counts: Vec<(Option<&str>, usize)> = Vec::new();
    for (_, o) in &namespaced {
        match counts.iter_mut().find(|(n, _)| *n == o.namespace) {
            Some(c) => c.1 += 1,
            None => counts.push((o.namespace, 1)),
        }
    }
    let explicit: Vec<&str> = counts.iter().filter_map(|(n, _)| *n).collect();
    if counts.len() < 2 || explicit.is_empty() {
        return;
    }
    let Some(&(major, _)) = counts.iter().max_by_key(|(n, c)| (*c, n.is_some())) else {
        return;
    };
    let first = namespaced
        .iter()
        .find(|(_, o)| o.namespace == major)
        .map(|(_, o)| *o);
    for (i, o) in namespaced {
        if o.namespace != major {
            let pos = o
                .node
                .get("metadata")
                .and_then(|m| m.key("namespace"))
                .or_else(|| o.node.key("metadata"))
                .map_or(o.node.pos, |n| n.pos);
            let mut notes = Vec::new();
            if let Some(f) = first {
                notes.push(format!(
                    "{} `{}` is in {} ({})",
                    f.kind,
                    f.name.unwrap_or("?"),
                    major.unwrap_or("no namespace"),
                    loc(sources, f, f.node.pos)
                ));
            }
            out.push((
                i,
                finding(
                    "namespace-mismatch",
                    pos,
                    format!(
                        "{} `{}` is in {}, unlike the other objects here",
                        o.kind,
                        o.name.unwrap_or("?"),
                        o.namespace
                            .map_or("no explicit namespace".into(), |n| format!(
                                "namespace `{n}`"
                            ))
                    ),
                    notes,
                ),
            ));
        }
    }
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "IngressClass",
    "PriorityClass",
    "RuntimeClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
];
