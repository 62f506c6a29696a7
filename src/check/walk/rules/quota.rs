//! ResourceQuota and LimitRange admission of Pods, mirroring
//! kubernetes/kubernetes plugin/pkg/admission/limitranger/admission.go
//! (defaults, then min/max per container) and
//! plugin/pkg/admission/resourcequota with pkg/quota/v1/evaluator/core/pods.go
//! (a quota on a compute resource requires every container to state it; the
//! namespace's usage may not exceed `hard`).

use std::collections::BTreeMap;

use super::super::Issue;
use super::super::state::{Obj, State};
use crate::check::rules::quantity;
use crate::check::yaml::Node;

/// Requests and limits of one container, after LimitRange defaults.
#[derive(Default, Clone)]
struct Res {
    requests: BTreeMap<String, f64>,
    limits: BTreeMap<String, f64>,
}

fn amounts(n: Option<&Node>) -> BTreeMap<String, f64> {
    n.map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), quantity::parse(&v.scalar_text()?)?)))
        .collect()
}

/// How many Pods an object runs.
fn pod_count(obj: &Obj, state: &State) -> f64 {
    let n = &obj.node;
    match obj.kind.as_str() {
        "Pod" => 1.0,
        "DaemonSet" => state.nodes.len().max(1) as f64,
        "Job" => n
            .path(&["spec", "parallelism"])
            .and_then(Node::as_int)
            .unwrap_or(1) as f64,
        "CronJob" => 1.0,
        _ => n
            .path(&["spec", "replicas"])
            .and_then(Node::as_int)
            .unwrap_or(1) as f64,
    }
}

/// The containers' resources with the namespace's LimitRange defaults
/// filled in, and LimitRange violations.
fn resources(spec: &Node, ranges: &[&Obj], out: &mut Vec<String>) -> Vec<(String, Res)> {
    let mut list = Vec::new();
    for c in spec.get("containers").map(Node::seq).unwrap_or(&[]) {
        let name = c
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("?")
            .to_owned();
        let mut r = Res {
            requests: amounts(c.path(&["resources", "requests"])),
            limits: amounts(c.path(&["resources", "limits"])),
        };
        for lr in ranges {
            for item in lr
                .node
                .path(&["spec", "limits"])
                .map(Node::seq)
                .unwrap_or(&[])
            {
                if item.get("type").and_then(Node::as_str) != Some("Container") {
                    continue;
                }
                for (k, v) in amounts(item.get("default")) {
                    r.limits.entry(k).or_insert(v);
                }
                for (k, v) in amounts(item.get("defaultRequest")) {
                    r.requests.entry(k).or_insert(v);
                }
                // A limit with no request requests the limit.
                for (k, v) in r.limits.clone() {
                    r.requests.entry(k).or_insert(v);
                }
                for (k, max) in amounts(item.get("max")) {
                    if let Some(l) = r.limits.get(&k).filter(|l| **l > max) {
                        out.push(format!("LimitRange {}: maximum {k} usage per Container is {max}, but container \"{name}\" has limit {l}", lr.name));
                    }
                }
                for (k, min) in amounts(item.get("min")) {
                    if let Some(q) = r.requests.get(&k).filter(|q| **q < min) {
                        out.push(format!("LimitRange {}: minimum {k} usage per Container is {min}, but container \"{name}\" requests {q}", lr.name));
                    }
                }
            }
        }
        list.push((name, r));
    }
    list
}

/// Per-Pod usage of a quota key (`pods`, `requests.cpu`, `cpu`, `limits.memory`…);
/// `Err` names containers that do not state a resource the quota tracks.
fn usage(key: &str, res: &[(String, Res)]) -> Result<f64, Vec<String>> {
    let (side, resource) = match key.split_once('.') {
        Some(("requests", r)) => ("requests", r),
        Some(("limits", r)) => ("limits", r),
        _ if key == "pods" => return Ok(1.0),
        _ if key == "cpu" || key == "memory" => ("requests", key),
        _ => return Ok(0.0),
    };
    if resource != "cpu" && resource != "memory" {
        return Ok(0.0);
    }
    let mut sum = 0.0;
    let mut missing = Vec::new();
    for (name, r) in res {
        let m = if side == "requests" {
            &r.requests
        } else {
            &r.limits
        };
        match m.get(resource) {
            Some(v) => sum += v,
            None => missing.push(name.clone()),
        }
    }
    if missing.is_empty() {
        Ok(sum)
    } else {
        Err(missing)
    }
}

/// Admits a Pod or workload; `false` when a bare Pod is refused.
pub fn admit(obj: &Obj, spec: &Node, state: &State, out: &mut Vec<Issue>) -> bool {
    let Some(ns) = obj.namespace.as_deref() else {
        return true;
    };
    let ranges: Vec<&Obj> = state.of_kind("LimitRange", ns).map(|o| &**o).collect();
    let quotas: Vec<&Obj> = state.of_kind("ResourceQuota", ns).map(|o| &**o).collect();
    if ranges.is_empty() && quotas.is_empty() {
        return true;
    }
    let mut why = Vec::new();
    let res = resources(spec, &ranges, &mut why);
    for q in &quotas {
        for (key, hard) in amounts(q.node.path(&["spec", "hard"])) {
            let mine = match usage(&key, &res) {
                Ok(u) => u,
                Err(missing) => {
                    why.push(format!(
                        "ResourceQuota {}: must specify {key} for: {}",
                        q.name,
                        missing.join(", ")
                    ));
                    continue;
                }
            };
            let mut used = 0.0;
            for other in state.objs.values() {
                if other.namespace.as_deref() != Some(ns) || other.key() == obj.key() || other.stub
                {
                    continue;
                }
                if let Some(s) = crate::check::rules::pod_spec(&other.kind, &other.node) {
                    let mut ignore = Vec::new();
                    let r = resources(s, &ranges, &mut ignore);
                    used += usage(&key, &r).unwrap_or(0.0) * pod_count(other, state);
                }
            }
            let want = mine * pod_count(obj, state);
            if mine > 0.0 && used + want > hard + 1e-9 {
                why.push(format!(
                    "ResourceQuota {}: exceeded quota: requested {key}={}, used {}, limited {}",
                    q.name,
                    trim(want),
                    trim(used),
                    trim(hard)
                ));
            }
        }
    }
    if why.is_empty() {
        return true;
    }
    let is_pod = obj.kind == "Pod";
    let msg = if is_pod {
        format!(
            "the apiserver rejects {}: its namespace's quota or limit range forbids it",
            obj.show()
        )
    } else {
        format!(
            "the apiserver accepts {} but not all its Pods: its namespace's quota or limit range forbids them",
            obj.show()
        )
    };
    let mut i = Issue::new("walk-quota", msg);
    for w in why {
        i = i.note(w);
    }
    for o in quotas.iter().chain(&ranges) {
        i = i.note(format!("{} made at {}", o.show(), o.origin.describe()));
    }
    out.push(i);
    !is_pod
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}
