//! Fields an update may not change. Each kind cites the validation it
//! mirrors in kubernetes/kubernetes.

use super::super::Issue;
use super::super::state::{Obj, State};
use super::same::{same, same_at};
use crate::check::yaml::{Node, Value};

/// The issues of updating `old` to the manifest `new`.
pub fn check(old: &Obj, new: &Node, state: &State) -> Vec<Issue> {
    let mut c = Changes {
        old,
        new,
        out: Vec::new(),
    };
    let o = &*old.node;
    for (group, kinds, path, default) in FIELDS {
        if old.group() == *group && kinds.contains(&old.kind.as_str()) {
            c.field(path, *default);
        }
    }
    match old.kind.as_str() {
        // pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate:
        // the spec with replicas, template, updateStrategy, minReadySeconds,
        // ordinals, revisionHistoryLimit and persistentVolumeClaimRetentionPolicy
        // copied from the old one must be unchanged.
        "StatefulSet" => {
            let allowed = [
                "replicas",
                "template",
                "updateStrategy",
                "minReadySeconds",
                "ordinals",
                "revisionHistoryLimit",
                "persistentVolumeClaimRetentionPolicy",
            ];
            let defaults = [("podManagementPolicy", "OrderedReady")];
            if let Some(f) =
                changed_keys(o.get("spec"), new.get("spec"), &allowed, &defaults).first()
            {
                c.push(
                    &["spec", f],
                    "updates to a StatefulSet's spec for fields other than replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds are forbidden",
                );
            }
        }
        // pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate.
        "Job" if old.group() == "batch" => job(&mut c),
        // pkg/apis/core/validation/validation.go ValidateServiceUpdate:
        // clusterIP(s) immutable unless the type changes to or from ExternalName.
        "Service" => {
            let ty = |n: &Node| {
                n.path(&["spec", "type"])
                    .and_then(Node::as_str)
                    .unwrap_or("ClusterIP")
                    .to_owned()
            };
            if ty(o) != "ExternalName" && ty(new) != "ExternalName" {
                let ip = |n: &Node| {
                    n.path(&["spec", "clusterIP"])
                        .and_then(Node::as_str)
                        .map(str::to_owned)
                };
                let (a, b) = (ip(o), ip(new));
                // An unset clusterIP keeps the allocated one; setting one,
                // changing one or leaving headless (None) is refused.
                if a != b && !(a.is_some_and(|x| x != "None") && b.is_none()) {
                    c.push(&["spec", "clusterIP"], "field is immutable");
                }
                if o.path(&["spec", "clusterIPs"]).is_some()
                    || new.path(&["spec", "clusterIPs"]).is_some()
                {
                    c.field(&["spec", "clusterIPs"], None);
                }
            }
        }
        // pkg/apis/core/validation/validation.go
        // ValidatePersistentVolumeClaimUpdate: the spec is immutable after
        // creation except resources.requests (storage may only grow, and only
        // when the class allows expansion) and volumeAttributesClassName.
        "PersistentVolumeClaim" => {
            let default_sc = default_class(state);
            let with_class = |n: &Node| {
                n.path(&["spec", "storageClassName"])
                    .and_then(Node::as_str)
                    .map(str::to_owned)
                    .or_else(|| default_sc.clone())
            };
            if with_class(o) != with_class(new) {
                c.push(
                    &["spec", "storageClassName"],
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName",
                );
            }
            let allowed = ["resources", "volumeAttributesClassName", "storageClassName"];
            let defaults = [("volumeMode", "Filesystem")];
            if let Some(f) =
                changed_keys(o.get("spec"), new.get("spec"), &allowed, &defaults).first()
            {
                c.push(
                    &["spec", f],
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName",
                );
            }
            let storage = |n: &Node| {
                n.path(&["spec", "resources", "requests", "storage"])
                    .and_then(Node::scalar_text)
                    .and_then(|q| crate::check::rules::quantity::parse(&q))
            };
            if let (Some(a), Some(b)) = (storage(o), storage(new)) {
                if b < a {
                    c.push(
                        &["spec", "resources", "requests", "storage"],
                        "field can not be less than status.capacity",
                    );
                } else if b > a {
                    let class = with_class(new);
                    let expands = class
                        .and_then(|n| {
                            state
                                .lookup("StorageClass", None, &n)
                                .map(|k| state.objs[&k].clone())
                        })
                        .is_some_and(|sc| {
                            sc.node.get("allowVolumeExpansion").and_then(Node::as_bool)
                                == Some(true)
                        });
                    if !expands {
                        c.push(
                            &["spec", "resources", "requests", "storage"],
                            "only dynamically provisioned PVCs whose StorageClass has allowVolumeExpansion: true can be resized",
                        );
                    }
                }
            }
        }
        // pkg/apis/core/validation/validation.go ValidatePersistentVolumeUpdate:
        // the volume source is immutable.
        "PersistentVolume" => {
            let mutable = [
                "capacity",
                "accessModes",
                "claimRef",
                "persistentVolumeReclaimPolicy",
                "storageClassName",
                "mountOptions",
                "volumeMode",
                "nodeAffinity",
                "volumeAttributesClassName",
            ];
            if let Some(f) = changed_keys(o.get("spec"), new.get("spec"), &mutable, &[]).first() {
                c.push(
                    &["spec", f],
                    "spec.persistentvolumesource is immutable after creation",
                );
            }
        }
        // pkg/apis/core/validation/validation.go ValidateConfigMapUpdate and
        // ValidateSecretUpdate: contents are frozen once `immutable: true`.
        "ConfigMap" | "Secret"
            if old.api == "v1" && o.get("immutable").and_then(Node::as_bool) == Some(true) =>
        {
            if new.get("immutable").and_then(Node::as_bool) != Some(true) {
                c.push(&["immutable"], "field is immutable when `immutable` is set");
            }
            for f in ["data", "binaryData", "stringData"] {
                c.field(&[f], None);
            }
        }
        // pkg/apis/rbac/validation/validation.go ValidateRoleBindingUpdate:
        // "cannot change roleRef".
        "RoleBinding" | "ClusterRoleBinding" if !same_at(o, new, &["roleRef"]) => {
            c.push(&["roleRef"], "cannot change roleRef");
        }
        // pkg/apis/core/validation/validation.go ValidatePodUpdate: only
        // container images, activeDeadlineSeconds (set or lowered), added
        // tolerations, removed scheduling gates and terminationGracePeriodSeconds
        // from negative to 1 may change.
        "Pod" if old.api == "v1" => pod(&mut c),
        _ => {}
    }
    c.out
}

/// A field no update may change: API group, kinds, path, and the value an
/// absent field has.
type Field = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    Option<&'static str>,
);

const FIELDS: &[Field] = &[
    // pkg/apis/apps/validation/validation.go ValidateDeploymentUpdate,
    // ValidateReplicaSetUpdate, ValidateDaemonSetUpdate.
    (
        "apps",
        &["Deployment", "ReplicaSet", "DaemonSet"],
        &["spec", "selector"],
        None,
    ),
    // pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate (the
    // template and completions in [`job`]).
    ("batch", &["Job"], &["spec", "selector"], None),
    (
        "batch",
        &["Job"],
        &["spec", "completionMode"],
        Some("NonIndexed"),
    ),
    ("batch", &["Job"], &["spec", "podFailurePolicy"], None),
    ("batch", &["Job"], &["spec", "backoffLimitPerIndex"], None),
    ("batch", &["Job"], &["spec", "managedBy"], None),
    ("batch", &["Job"], &["spec", "successPolicy"], None),
    // pkg/apis/storage/validation/validation.go ValidateStorageClassUpdate.
    ("storage.k8s.io", &["StorageClass"], &["provisioner"], None),
    ("storage.k8s.io", &["StorageClass"], &["parameters"], None),
    (
        "storage.k8s.io",
        &["StorageClass"],
        &["reclaimPolicy"],
        Some("Delete"),
    ),
    (
        "storage.k8s.io",
        &["StorageClass"],
        &["volumeBindingMode"],
        Some("Immediate"),
    ),
    // pkg/apis/core/validation/validation.go ValidateSecretUpdate.
    ("", &["Secret"], &["type"], Some("Opaque")),
    // pkg/apis/scheduling/validation/validation.go ValidatePriorityClassUpdate.
    ("scheduling.k8s.io", &["PriorityClass"], &["value"], None),
    (
        "scheduling.k8s.io",
        &["PriorityClass"],
        &["preemptionPolicy"],
        Some("PreemptLowerPriority"),
    ),
    // pkg/apis/networking/validation/validation.go ValidateIngressClassUpdate.
    (
        "networking.k8s.io",
        &["IngressClass"],
        &["spec", "controller"],
        None,
    ),
];

/// A Job: completions change only for an Indexed Job, in step with
/// parallelism (validateCompletions); the template only while the Job is
/// suspended and has never started, and then only its scheduling
/// directives, labels and annotations (validatePodTemplateUpdate).
fn job(c: &mut Changes) {
    let (o, n) = (&*c.old.node, c.new);
    let int = |x: &Node, k: &str| x.path(&["spec", k]).and_then(Node::as_int);
    let indexed = n.path(&["spec", "completionMode"]).and_then(Node::as_str) == Some("Indexed");
    if int(o, "completions") != int(n, "completions")
        && !(indexed
            && int(n, "completions").is_some()
            && int(n, "completions") == int(n, "parallelism"))
    {
        c.push(&["spec", "completions"], "field is immutable");
    }
    let suspended = o.path(&["spec", "suspend"]).and_then(Node::as_bool) == Some(true);
    if !suspended {
        c.field(&["spec", "template"], None);
        return;
    }
    let (a, b) = (o.path(&["spec", "template"]), n.path(&["spec", "template"]));
    let meta = changed_keys(
        a.and_then(|t| t.get("metadata")),
        b.and_then(|t| t.get("metadata")),
        &["labels", "annotations"],
        &[],
    );
    let spec = changed_keys(
        a.and_then(|t| t.get("spec")),
        b.and_then(|t| t.get("spec")),
        &["nodeSelector", "tolerations", "schedulingGates", "affinity"],
        &[],
    );
    let other_affinity = changed_keys(
        a.and_then(|t| t.path(&["spec", "affinity"])),
        b.and_then(|t| t.path(&["spec", "affinity"])),
        &["nodeAffinity"],
        &[],
    );
    let top = changed_keys(a, b, &["metadata", "spec"], &[]);
    if !(meta.is_empty() && spec.is_empty() && other_affinity.is_empty() && top.is_empty()) {
        c.push(
            &["spec", "template"],
            "field is immutable (a suspended Job that never started may change only the template's node selector, node affinity, tolerations, scheduling gates, labels and annotations)",
        );
    }
}

struct Changes<'a> {
    old: &'a Obj,
    new: &'a Node,
    out: Vec<Issue>,
}

impl Changes<'_> {
    /// A field that must not change; `default` stands for an absent one.
    fn field(&mut self, path: &[&str], default: Option<&str>) {
        let (a, b) = (self.old.node.path(path), self.new.path(path));
        let fill = |n: Option<&Node>| -> Option<String> {
            n.and_then(Node::scalar_text)
                .or_else(|| n.is_none().then(|| default.map(str::to_owned)).flatten())
        };
        let equal = match default {
            Some(_) => fill(a) == fill(b),
            None => same(a, b),
        };
        if !equal {
            self.push(path, "field is immutable");
        }
    }

    fn push(&mut self, path: &[&str], why: &str) {
        let field = path.join(".");
        let o = self.old;
        let mut i = Issue::new(
            "walk-immutable-field",
            format!(
                "{}: `{field}` cannot change on update: the apiserver refuses it ({why})",
                o.show()
            ),
        );
        i = i.note(format!("was: {}", show(o.node.path(path))));
        if let (Some(src), Some(n)) = (&o.source, o.node.path(path)) {
            i = i.note(format!(
                "set at {}:{}",
                src.path.display(),
                n.pos.line as usize + src.line_offset
            ));
        }
        i = i.note(format!("now: {}", show(self.new.path(path))));
        i = i.note("delete the object first, or keep the field as it was");
        self.out.push(i);
    }
}

/// The keys of two mappings whose values differ, leaving out `allowed`;
/// an absent key equals its `default`.
fn changed_keys(
    a: Option<&Node>,
    b: Option<&Node>,
    allowed: &[&str],
    defaults: &[(&str, &str)],
) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for n in [a, b].into_iter().flatten() {
        for (k, _) in n.entries() {
            if let Some(k) = k.scalar_text()
                && !allowed.contains(&k.as_str())
                && !keys.contains(&k)
            {
                keys.push(k);
            }
        }
    }
    keys.into_iter()
        .filter(|k| {
            let (x, y) = (a.and_then(|n| n.get(k)), b.and_then(|n| n.get(k)));
            match defaults.iter().find(|(d, _)| d == k) {
                Some((_, dv)) => {
                    let v = |n: Option<&Node>| {
                        n.and_then(Node::scalar_text)
                            .unwrap_or_else(|| (*dv).to_owned())
                    };
                    v(x) != v(y)
                }
                None => !same(x, y),
            }
        })
        .collect()
}

fn default_class(state: &State) -> Option<String> {
    state
        .objs
        .values()
        .find(|o| o.kind == "StorageClass" && super::needs::is_default_class(o))
        .map(|o| o.name.clone())
}

/// A short rendering of a value for a note.
fn show(n: Option<&Node>) -> String {
    let Some(n) = n else {
        return "(not set)".into();
    };
    let mut s = String::new();
    flow(n, &mut s);
    if s.chars().count() > 120 {
        s = s.chars().take(119).collect::<String>() + "…";
    }
    s
}

fn flow(n: &Node, s: &mut String) {
    match &n.value {
        Value::Map(m) => {
            s.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(&k.scalar_text().unwrap_or_default());
                s.push_str(": ");
                flow(v, s);
            }
            s.push('}');
        }
        Value::Seq(items) => {
            s.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                flow(v, s);
            }
            s.push(']');
        }
        _ => s.push_str(&n.scalar_text().unwrap_or_else(|| "null".into())),
    }
}

fn pod(c: &mut Changes) {
    let (Some(a), Some(b)) = (c.old.node.get("spec"), c.new.get("spec")) else {
        return;
    };
    let allowed = [
        "containers",
        "initContainers",
        "ephemeralContainers",
        "activeDeadlineSeconds",
        "tolerations",
        "terminationGracePeriodSeconds",
        "schedulingGates",
    ];
    let mut changed = changed_keys(Some(a), Some(b), &allowed, &[]);
    // Containers: everything but the image must stay.
    for list in ["initContainers", "containers"] {
        let (x, y) = (
            a.get(list).map(Node::seq).unwrap_or(&[]),
            b.get(list).map(Node::seq).unwrap_or(&[]),
        );
        let differs = x.len() != y.len()
            || x.iter()
                .zip(y)
                .any(|(p, q)| !changed_keys(Some(p), Some(q), &["image"], &[]).is_empty());
        if differs {
            changed.push(list.to_owned());
        }
    }
    // activeDeadlineSeconds may be set, or lowered, never removed or raised.
    let deadline = |n: &Node| n.get("activeDeadlineSeconds").and_then(Node::as_int);
    match (deadline(a), deadline(b)) {
        (Some(_), None) => changed.push("activeDeadlineSeconds".to_owned()),
        (Some(x), Some(y)) if y > x => changed.push("activeDeadlineSeconds".to_owned()),
        _ => {}
    }
    // terminationGracePeriodSeconds only from a negative value to 1.
    let grace = |n: &Node| {
        n.get("terminationGracePeriodSeconds")
            .and_then(Node::as_int)
    };
    if grace(a) != grace(b) && !(grace(a).is_some_and(|g| g < 0) && grace(b) == Some(1)) {
        changed.push("terminationGracePeriodSeconds".to_owned());
    }
    // Scheduling gates may only be removed.
    let (ga, gb) = (seq(a, "schedulingGates"), seq(b, "schedulingGates"));
    if !gb.iter().all(|g| ga.iter().any(|h| same(Some(g), Some(h)))) {
        changed.push("schedulingGates".to_owned());
    }
    // Tolerations may only be added.
    let (ta, tb) = (
        a.get("tolerations").map(Node::seq).unwrap_or(&[]),
        b.get("tolerations").map(Node::seq).unwrap_or(&[]),
    );
    if !ta.iter().all(|t| tb.iter().any(|u| same(Some(t), Some(u)))) {
        changed.push("tolerations".to_owned());
    }
    if let Some(f) = changed.first() {
        c.push(
            &["spec", f],
            "pod updates may not change fields other than spec.containers[*].image, spec.initContainers[*].image, spec.activeDeadlineSeconds (set, or lowered), spec.tolerations (only additions), spec.schedulingGates (only removals) and spec.terminationGracePeriodSeconds (from a negative value to 1)",
        );
    }
}

fn seq<'a>(n: &'a Node, key: &str) -> &'a [Node] {
    n.get(key).map(Node::seq).unwrap_or(&[])
}
