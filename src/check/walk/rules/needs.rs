//! What a Pod needs when it starts, checked at the end of the page that
//! applies it: its ServiceAccount, ConfigMaps, Secrets and keys, claims
//! and pull secrets in its namespace, a StorageClass for its claims, and a
//! node that takes it.

use super::super::Issue;
use super::super::lab::{Lab, Taint};
use super::super::state::{Obj, State};
use crate::check::rules::apiserver::expression_matches;
use crate::check::rules::{containers, pod_spec};
use crate::check::yaml::Node;

pub fn is_default_class(o: &Obj) -> bool {
    o.node
        .path(&[
            "metadata",
            "annotations",
            "storageclass.kubernetes.io/is-default-class",
        ])
        .and_then(Node::scalar_text)
        .as_deref()
        == Some("true")
}

fn name_of(n: &Node, key: &str) -> Option<String> {
    n.get(key).and_then(Node::scalar_text)
}

fn optional(n: &Node) -> bool {
    n.get("optional").and_then(Node::as_bool) == Some(true)
}

/// The keys of a ConfigMap or Secret.
fn keys(o: &Obj) -> Vec<String> {
    ["data", "stringData", "binaryData"]
        .iter()
        .flat_map(|k| o.node.get(k).map(Node::entries).unwrap_or(&[]))
        .filter_map(|(k, _)| k.scalar_text())
        .collect()
}

pub fn check(obj: &Obj, state: &State, lab: &Lab, out: &mut Vec<Issue>) {
    if obj.kind == "PersistentVolumeClaim" {
        claim_class(obj, obj.node.get("spec"), state, out);
    }
    if obj.kind == "StatefulSet" {
        for t in obj
            .node
            .path(&["spec", "volumeClaimTemplates"])
            .map(Node::seq)
            .unwrap_or(&[])
        {
            claim_class(obj, t.get("spec"), state, out);
        }
    }
    let (Some(spec), Some(ns)) = (pod_spec(&obj.kind, &obj.node), obj.namespace.as_deref()) else {
        return;
    };
    // A reference: (kind, name, optional, key, status the learner sees).
    let mut refs: Vec<(&str, String, bool, Option<String>, &str)> = Vec::new();
    let sa = name_of(spec, "serviceAccountName").or_else(|| name_of(spec, "serviceAccount"));
    if let Some(sa) = sa.filter(|s| s != "default") {
        refs.push((
            "ServiceAccount",
            sa,
            false,
            None,
            "the Pods are never created: the apiserver says `serviceaccount not found`",
        ));
    }
    for c in containers(spec) {
        for e in c.get("env").map(Node::seq).unwrap_or(&[]) {
            for (field, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                if let Some(r) = e.path(&["valueFrom", field])
                    && let Some(n) = name_of(r, "name")
                {
                    refs.push((
                        kind,
                        n,
                        optional(r),
                        name_of(r, "key"),
                        "CreateContainerConfigError",
                    ));
                }
            }
        }
        for e in c.get("envFrom").map(Node::seq).unwrap_or(&[]) {
            for (field, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                if let Some(r) = e.get(field)
                    && let Some(n) = name_of(r, "name")
                {
                    refs.push((kind, n, optional(r), None, "CreateContainerConfigError"));
                }
            }
        }
    }
    let mut sources: Vec<(&str, &Node)> = Vec::new();
    for v in spec.get("volumes").map(Node::seq).unwrap_or(&[]) {
        if let Some(c) = v.get("configMap") {
            sources.push(("ConfigMap", c));
        }
        if let Some(s) = v.get("secret") {
            sources.push(("Secret", s));
        }
        for p in v
            .path(&["projected", "sources"])
            .map(Node::seq)
            .unwrap_or(&[])
        {
            if let Some(c) = p.get("configMap") {
                sources.push(("ConfigMap", c));
            }
            if let Some(s) = p.get("secret") {
                sources.push(("Secret", s));
            }
        }
        if let Some(c) = v.get("persistentVolumeClaim")
            && let Some(n) = name_of(c, "claimName")
        {
            refs.push((
                "PersistentVolumeClaim",
                n,
                false,
                None,
                "Pending: the scheduler says `persistentvolumeclaim not found`",
            ));
        }
    }
    for (kind, s) in sources {
        let name = name_of(s, "name").or_else(|| name_of(s, "secretName"));
        let Some(name) = name else { continue };
        let items: Vec<String> = s
            .get("items")
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|i| name_of(i, "key"))
            .collect();
        if items.is_empty() {
            refs.push((
                kind,
                name.clone(),
                optional(s),
                None,
                "ContainerCreating: the kubelet cannot mount the volume (FailedMount)",
            ));
        }
        for k in items {
            refs.push((
                kind,
                name.clone(),
                optional(s),
                Some(k),
                "ContainerCreating: the kubelet cannot mount the volume (FailedMount)",
            ));
        }
    }
    for p in spec.get("imagePullSecrets").map(Node::seq).unwrap_or(&[]) {
        if let Some(n) = name_of(p, "name") {
            refs.push((
                "Secret",
                n,
                false,
                None,
                "ImagePullBackOff for a private image: the kubelet cannot find the pull secret",
            ));
        }
    }
    let mut seen: Vec<(String, String, Option<String>)> = Vec::new();
    for (kind, name, opt, key, status) in refs {
        if opt || seen.contains(&(kind.to_owned(), name.clone(), key.clone())) {
            continue;
        }
        seen.push((kind.to_owned(), name.clone(), key.clone()));
        let target = state
            .objs
            .get(&super::super::state::key("v1", kind, Some(ns), &name));
        match (target, &key) {
            (None, _) => out.push(Issue::new(
                "walk-pod-needs",
                format!("{} needs {kind} `{name}` in namespace `{ns}`, which no step has made by the end of this page: {status}", obj.show()),
            ).note("mark the reference `optional: true` if the Pod can start without it")),
            (Some(t), Some(k)) if !t.stub && !keys(t).contains(k) => out.push(
                Issue::new(
                    "walk-pod-needs",
                    format!("{} needs key `{k}` of {kind} `{name}`, which does not have it: {status}", obj.show()),
                )
                .note(format!("{kind} {name} made at {}, with keys: {}", t.origin.describe(), keys(t).join(", "))),
            ),
            _ => {}
        }
    }
    if let Some(i) = schedule(obj, spec, state, lab.name) {
        out.push(i);
    }
}

/// A claim's class must exist (or a default must, when it names none).
fn claim_class(obj: &Obj, spec: Option<&Node>, state: &State, out: &mut Vec<Issue>) {
    let class = spec.and_then(|s| name_of(s, "storageClassName"));
    match class.as_deref() {
        Some("") => {}
        Some(c) => {
            if state.lookup("StorageClass", None, c).is_none() {
                out.push(
                    Issue::new(
                        "walk-pvc-pending",
                        format!("{} asks for StorageClass `{c}`, which the lab does not have: the claim stays Pending", obj.show()),
                    )
                    .note(format!("the lab's classes: {}", classes(state))),
                );
            }
        }
        None => {
            let default = state
                .objs
                .values()
                .any(|o| o.kind == "StorageClass" && is_default_class(o));
            let volumes = state.objs.values().any(|o| o.kind == "PersistentVolume");
            if !default && !volumes {
                out.push(Issue::new(
                    "walk-pvc-pending",
                    format!("{} names no StorageClass and the lab has no default one: the claim stays Pending", obj.show()),
                ));
            }
        }
    }
}

fn classes(state: &State) -> String {
    let v: Vec<&str> = state
        .objs
        .values()
        .filter(|o| o.kind == "StorageClass")
        .map(|o| o.name.as_str())
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The scheduler's node filters the lab can decide
/// (kubernetes/kubernetes pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go,
/// tainttoleration/taint_toleration.go and
/// nodeunschedulable/node_unschedulable.go, with
/// staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity):
/// nodeSelector, required node affinity, NoSchedule/NoExecute taints, and
/// cordoned nodes. `None` when some node takes the Pods.
pub fn schedule(obj: &Obj, spec: &Node, state: &State, lab: &str) -> Option<Issue> {
    if state.nodes.is_empty() || state.host_named || spec.get("nodeName").is_some() {
        return None;
    }
    let selector = spec.get("nodeSelector");
    let terms = spec
        .path(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .map(Node::seq);
    let tolerations = spec.get("tolerations").map(Node::seq).unwrap_or(&[]);
    // The DaemonSet controller adds tolerations to its Pods
    // (pkg/controller/daemon/util/daemonset_util.go
    // AddOrUpdateDaemonPodTolerations), the unschedulable one among them.
    let daemon = obj.kind == "DaemonSet";
    let tolerated = |t: &Taint| {
        tolerations.iter().any(|tol| tolerates(tol, t))
            || (daemon && DAEMON_TOLERATED.contains(&t.key.as_str()))
    };
    let mut reasons = Vec::new();
    let fits = state.nodes.iter().any(|n| {
        let get = |k: &str| n.labels.get(k).cloned();
        let sel_ok = selector
            .map(Node::entries)
            .unwrap_or(&[])
            .iter()
            .all(|(k, v)| k.scalar_text().is_some_and(|k| get(&k) == v.scalar_text()));
        let aff_ok = match terms {
            None => true,
            Some(ts) => ts.iter().any(|t| {
                t.get("matchExpressions")
                    .map(Node::seq)
                    .unwrap_or(&[])
                    .iter()
                    .all(|e| expression_matches(e, &get).unwrap_or(false))
            }),
        };
        let cordon_ok = !n.unschedulable
            || tolerated(&Taint {
                key: UNSCHEDULABLE.into(),
                value: String::new(),
                effect: "NoSchedule".into(),
            });
        let untolerated: Vec<&Taint> = n
            .taints
            .iter()
            .filter(|t| matches!(t.effect.as_str(), "NoSchedule" | "NoExecute") && !tolerated(t))
            .collect();
        let taint_ok = untolerated.is_empty();
        if !cordon_ok {
            reasons.push(format!("{}: was unschedulable (cordoned)", n.name));
        } else if !sel_ok {
            reasons.push(format!("{}: didn't match the Pod's node selector", n.name));
        } else if !aff_ok {
            reasons.push(format!("{}: didn't match the Pod's node affinity", n.name));
        } else if !taint_ok {
            reasons.push(format!(
                "{}: had untolerated taint(s) {}",
                n.name,
                super::super::nodes::show(&untolerated.into_iter().cloned().collect::<Vec<_>>())
            ));
        }
        cordon_ok && sel_ok && aff_ok && taint_ok
    });
    if fits {
        return None;
    }
    let mut i = Issue::new(
        "walk-unschedulable",
        format!(
            "no node of the {lab} lab can take the Pods of {}: they stay Pending",
            obj.show()
        ),
    );
    for r in reasons {
        i = i.note(r);
    }
    Some(i.note("label, untaint or uncordon a node in an earlier step, or change the selector or tolerations"))
}

/// The taint of a cordoned node (k8s.io/api/core/v1 TaintNodeUnschedulable).
const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Taint keys every DaemonSet Pod tolerates.
const DAEMON_TOLERATED: [&str; 6] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/pid-pressure",
    UNSCHEDULABLE,
];

/// pkg/apis/core/v1/helper ToleratesTaint: an empty key with Exists
/// tolerates everything; effects must match unless the toleration's is empty.
fn tolerates(tol: &Node, t: &Taint) -> bool {
    let s = |k: &str| tol.get(k).and_then(Node::scalar_text).unwrap_or_default();
    let effect_ok = s("effect").is_empty() || s("effect") == t.effect;
    let key = s("key");
    let op = tol
        .get("operator")
        .and_then(Node::as_str)
        .unwrap_or("Equal");
    effect_ok
        && match op {
            "Exists" => key.is_empty() || key == t.key,
            _ => key == t.key && s("value") == t.value,
        }
}
