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
    if obj.kind == "Namespace" && obj.api == "v1" {
        return namespace_labels(&obj.show(), &obj.labels, out);
    }
    let (Some(spec), Some(ns)) = (pod_spec(&obj.kind, &obj.node), obj.namespace.as_deref()) else {
        return true;
    };
    let mut admitted = pod_security(obj, spec, ns, state, out);
    if admitted {
        admitted = quota::admit(obj, spec, state, out);
    }
    admitted
}

/// A namespace's Pod Security labels must parse, or the apiserver refuses
/// the Namespace (or the `kubectl label` that sets them).
pub fn namespace_labels(
    what: &str,
    labels: &std::collections::BTreeMap<String, String>,
    out: &mut Vec<Issue>,
) -> bool {
    let errors = psa::label_errors(labels);
    if errors.is_empty() {
        return true;
    }
    let mut i = Issue::new(
        "walk-pod-security-label",
        format!("the apiserver refuses {what}: its Pod Security labels are invalid"),
    );
    for e in errors {
        i = i.note(e);
    }
    out.push(i.note("a level is privileged, baseline or restricted; a version is `latest` or `v1.N` (e.g. v1.35)"));
    false
}

/// Pod Security Admission (staging/src/k8s.io/pod-security-admission/admission/admission.go
/// ValidatePod, ValidatePodController, EvaluatePod): a Pod that `enforce`
/// rejects is refused; a workload is admitted (enforce is not evaluated for
/// controllers) and its controller's Pods are refused. `warn` is what
/// kubectl prints; `audit` goes only to the apiserver's audit log, so it is
/// kept for `--walk-trace` and is no finding.
fn pod_security(obj: &Obj, spec: &Node, ns: &str, state: &State, out: &mut Vec<Issue>) -> bool {
    let is_pod = obj.kind == "Pod";
    let labels = state
        .namespace(ns)
        .map(|n| n.labels.clone())
        .unwrap_or_default();
    let meta = pod_meta(obj);
    let eval = |mode: &str| {
        psa::policy(&labels, mode)
            .map(|(l, v)| (psa::show(l, v), psa::violations(l, v, meta, spec)))
    };
    let enforce = eval("enforce").filter(|(_, v)| !v.is_empty());
    let mut admitted = true;
    if let Some((policy, v)) = &enforce {
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
        out.push(ns_note(
            with_notes(Issue::new("walk-pod-security", msg), v),
            state,
            ns,
        ));
    }
    if let Some((policy, v)) = eval("audit").filter(|(_, v)| !v.is_empty()) {
        let msg = format!(
            "the audit log records that {} would violate PodSecurity \"{policy}\" (audit only: no warning, no refusal)",
            obj.show()
        );
        out.push(with_notes(Issue::new(AUDIT, msg), &v));
    }
    // A refused Pod gets no warnings; a workload's warning that repeats
    // the enforce finding adds nothing.
    if let Some((policy, v)) = eval("warn").filter(|(p, v)| {
        !v.is_empty() && admitted && enforce.as_ref().is_none_or(|(e, ev)| e != p && ev != v)
    }) {
        let msg = format!(
            "kubectl warns that {} would violate PodSecurity \"{policy}\" of namespace `{ns}`",
            obj.show()
        );
        out.push(ns_note(
            with_notes(Issue::new("walk-pod-security-warn", msg), &v),
            state,
            ns,
        ));
    }
    admitted
}

/// The `audit` mode's finding: in the trace only.
pub const AUDIT: &str = "walk-pod-security-audit";

fn with_notes(mut i: Issue, notes: &[String]) -> Issue {
    for n in notes {
        i = i.note(n.clone());
    }
    i
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
