//! Node steps: `kubectl taint`, `cordon`, `uncordon` and `drain` change the
//! lab's nodes, which the scheduling rule reads.
//! Mirrors kubernetes/kubernetes staging/src/k8s.io/kubectl/pkg/cmd/taint/{taint,utils}.go
//! and staging/src/k8s.io/kubectl/pkg/drain/cordon.go.

use super::Issue;
use super::lab::Taint;
use super::state::State;
use super::steps::{Nodes, SelectorOp, TaintChange};

/// The indices of the nodes a command names; a name the lab lacks is
/// NotFound (on a lab whose node names are the host's, any name is the
/// one node).
pub fn select(state: &State, nodes: &Nodes, out: &mut Vec<Issue>) -> Vec<usize> {
    match nodes {
        Nodes::All => (0..state.nodes.len()).collect(),
        Nodes::Selector(reqs) => state
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                reqs.iter().all(|(k, op)| {
                    let have = n.labels.get(k);
                    match op {
                        SelectorOp::Equals(v) => have == Some(v),
                        SelectorOp::NotEquals(v) => have != Some(v),
                        SelectorOp::Exists => have.is_some(),
                        SelectorOp::NotExists => have.is_none(),
                        SelectorOp::In(vs) => have.is_some_and(|h| vs.contains(h)),
                        SelectorOp::NotIn(vs) => have.is_none_or(|h| !vs.contains(h)),
                    }
                })
            })
            .map(|(i, _)| i)
            .collect(),
        Nodes::Names(names) => {
            let mut t = Vec::new();
            for name in names {
                match state.nodes.iter().position(|n| &n.name == name) {
                    Some(i) => t.push(i),
                    None if state.host_named && !state.nodes.is_empty() => t.push(0),
                    None if state.host_named => {}
                    None => out.push(
                        Issue::new(
                            "walk-not-found",
                            format!(
                                "the lab has no node `{name}`: kubectl says `nodes \"{name}\" not found`"
                            ),
                        )
                        .note(format!(
                            "the lab's nodes: {}",
                            state
                                .nodes
                                .iter()
                                .map(|n| n.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    ),
                }
            }
            t
        }
    }
}

/// `kubectl taint`: all changes of a node, or none (taint.go
/// reorganizeTaints: an added taint whose key and effect the node has
/// needs --overwrite; a removed one must exist).
pub fn taint(
    state: &mut State,
    nodes: &Nodes,
    changes: &[TaintChange],
    overwrite: bool,
    out: &mut Vec<Issue>,
) {
    for i in select(state, nodes, out) {
        let node = &mut state.nodes[i];
        let mut taints = node.taints.clone();
        let mut refused = None;
        for c in changes {
            match c {
                TaintChange::Add { key, value, effect } => {
                    let same = taints
                        .iter()
                        .position(|t| &t.key == key && &t.effect == effect);
                    match same {
                        Some(_) if !overwrite => {
                            refused = Some(format!(
                                "node {} already has {key} taint(s) with same effect(s) and --overwrite is false",
                                node.name
                            ));
                            break;
                        }
                        Some(p) => taints[p].value = value.clone(),
                        None => taints.push(Taint {
                            key: key.clone(),
                            value: value.clone(),
                            effect: effect.clone(),
                        }),
                    }
                }
                TaintChange::Remove { key, effect } => {
                    let before = taints.len();
                    taints.retain(|t| {
                        !(&t.key == key && effect.as_ref().is_none_or(|e| &t.effect == e))
                    });
                    if taints.len() == before {
                        let shown = match effect {
                            Some(e) => format!("{key}:{e}"),
                            None => key.clone(),
                        };
                        refused = Some(format!("taint \"{shown}\" not found"));
                        break;
                    }
                }
            }
        }
        match refused {
            Some(why) => out.push(
                Issue::new(
                    "walk-taint",
                    format!("kubectl refuses the taint of node {}: `{why}`", node.name),
                )
                .note(format!("its taints: {}", show(&node.taints))),
            ),
            None => node.taints = taints,
        }
    }
}

/// `cordon`/`drain` mark nodes unschedulable, `uncordon` clears the mark.
pub fn cordon(state: &mut State, nodes: &Nodes, unschedulable: bool, out: &mut Vec<Issue>) {
    for i in select(state, nodes, out) {
        state.nodes[i].unschedulable = unschedulable;
    }
}

/// `key=value:Effect, …` or `none`.
pub fn show(taints: &[Taint]) -> String {
    if taints.is_empty() {
        return "none".into();
    }
    taints
        .iter()
        .map(|t| {
            if t.value.is_empty() {
                format!("{}:{}", t.key, t.effect)
            } else {
                format!("{}={}:{}", t.key, t.value, t.effect)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
