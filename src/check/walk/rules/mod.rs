//! What a real cluster refuses or never runs: update rules, admission
//! (Pod Security, quotas), and what a Pod needs to start and be scheduled.

pub mod cluster;
pub mod crd;
pub mod immutable;
pub mod needs;
pub mod psa;
pub mod quota;
pub mod same;

use super::Issue;
use super::lab::Lab;
use super::state::{Obj, State};
use crate::check::rules::{pod_spec, pod_template};
use crate::check::yaml::Node;

/// The Pod template's metadata, or the Pod's own.
pub fn pod_meta(obj: &Obj) -> Option<&Node> {
    if obj.kind == "Pod" {
        obj.node.get("metadata")
    } else {
        pod_template(&obj.kind, &obj.node).and_then(|t| t.get("metadata"))
    }
}

/// Admission of a new or updated object; `false` when the apiserver
/// refuses it (nothing changes).
pub fn admit(obj: &Obj, state: &State, out: &mut Vec<Issue>) -> bool {
    let (Some(spec), Some(ns)) = (pod_spec(&obj.kind, &obj.node), obj.namespace.as_deref()) else {
        return true;
    };
    let is_pod = obj.kind == "Pod";
    let mut admitted = true;
    // Pod Security Admission (staging/src/k8s.io/pod-security-admission/admission/admission.go):
    // a Pod that `enforce` rejects is refused; a workload is admitted with a
    // warning, and its controller's Pods are refused.
    let labels = state
        .namespace(ns)
        .map(|n| n.labels.clone())
        .unwrap_or_default();
    let level = |mode: &str| {
        labels
            .get(&format!("pod-security.kubernetes.io/{mode}"))
            .map(|v| psa::Level::parse(v))
    };
    let meta = pod_meta(obj);
    if let Some(enforce) = level("enforce") {
        let v = psa::violations(enforce, meta, spec);
        if !v.is_empty() {
            let policy = format!("{}:latest", enforce.name());
            let msg = if is_pod {
                admitted = false;
                format!(
                    "the apiserver rejects {}: it violates PodSecurity \"{policy}\" of namespace `{ns}`",
                    obj.show()
                )
            } else {
                format!(
                    "the apiserver accepts {} but its Pods are never created: they violate PodSecurity \"{policy}\" of namespace `{ns}`",
                    obj.show()
                )
            };
            let mut i = Issue::new("walk-pod-security", msg);
            for x in v {
                i = i.note(x);
            }
            out.push(ns_note(i, state, ns));
        }
    }
    // A `warn` level no stricter than a violated `enforce` adds nothing.
    let enforced = level("enforce").filter(|l| !psa::violations(*l, meta, spec).is_empty());
    if let Some(warn) = level("warn").filter(|w| enforced.is_none_or(|e| *w > e)) {
        let v = psa::violations(warn, meta, spec);
        if !v.is_empty() {
            let mut i = Issue::new(
                "walk-pod-security-warn",
                format!(
                    "kubectl warns that {} would violate PodSecurity \"{}:latest\" of namespace `{ns}`",
                    obj.show(),
                    warn.name()
                ),
            );
            for x in v {
                i = i.note(x);
            }
            out.push(ns_note(i, state, ns));
        }
    }
    if admitted {
        admitted = quota::admit(obj, spec, state, out);
    }
    admitted
}

/// Notes where the namespace's labels came from.
fn ns_note(i: Issue, state: &State, ns: &str) -> Issue {
    match state.namespace(ns) {
        Some(n) => i.note(format!("namespace `{ns}` made at {}", n.origin.describe())),
        None => i,
    }
}

/// Checks at the end of a page, for the objects its steps made: (step
/// index, issue).
pub fn page_end(
    state: &State,
    page: usize,
    lab: &Lab,
    checker: &crate::check::Checker,
) -> Vec<(usize, Issue)> {
    let mut out = cluster::check(state, page, checker);
    for obj in state.objs.values() {
        if obj.page != page || obj.stub {
            continue;
        }
        let mut issues = Vec::new();
        needs::check(obj, state, lab, &mut issues);
        out.extend(issues.into_iter().map(|i| (obj.step, i)));
    }
    let defaults: Vec<&Obj> = state
        .objs
        .values()
        .filter(|o| o.kind == "StorageClass" && needs::is_default_class(o))
        .map(|o| &**o)
        .collect();
    if defaults.len() > 1
        && let Some(newest) = defaults.iter().find(|o| o.page == page)
    {
        let names: Vec<String> = defaults
            .iter()
            .map(|o| format!("{} ({})", o.name, o.origin.describe()))
            .collect();
        out.push((
            newest.step,
            Issue::new(
                "walk-default-storageclass",
                "two StorageClasses are marked default: a claim without storageClassName gets the newest one",
            )
            .note(format!("defaults: {}", names.join(", "))),
        ));
    }
    out
}
