//! What `kourse check --walk-trace` prints: each step in words and the
//! cluster's state at the end of a page.

use std::fmt::Write as _;

use super::nodes;
use super::state::State;
use super::steps;

pub(super) fn describe(a: &steps::Action) -> String {
    use steps::{Action, Input};
    match a {
        Action::Files { mode, inputs, .. } => {
            let what: Vec<String> = inputs
                .iter()
                .map(|i| match i {
                    Input::Path(p) => p.clone(),
                    Input::Kustomize(k) => format!("-k {k}"),
                    Input::Stdin(_) => "(standard input)".into(),
                    Input::Remote(u) => u.clone(),
                })
                .collect();
            format!("{mode:?} {}", what.join(" ")).to_lowercase()
        }
        Action::CreateNamed { kind, name, .. } => format!("create {kind} {name}"),
        Action::DeleteNamed { kind, names, .. } => format!("delete {kind} {}", names.join(" ")),
        Action::Label {
            annotate,
            kind,
            names,
            changes,
            ..
        } => format!(
            "{} {kind} {} {}",
            if *annotate { "annotate" } else { "label" },
            names.join(" "),
            changes
                .iter()
                .map(|(k, v)| match v {
                    Some(v) => format!("{k}={v}"),
                    None => format!("{k}-"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Action::Scale { kind, name, .. } => format!("scale {kind} {name}"),
        Action::SetImage { kind, name, .. } => format!("set image {kind} {name}"),
        Action::AwaitCreate { kind, names, .. } => {
            format!("wait --for=create {kind} {}", names.join(" "))
        }
        Action::Taint { nodes, changes, .. } => format!(
            "taint {nodes:?} {}",
            changes
                .iter()
                .map(|c| match c {
                    steps::TaintChange::Add { key, value, effect } =>
                        format!("{key}={value}:{effect}"),
                    steps::TaintChange::Remove {
                        key,
                        effect: Some(e),
                    } => format!("{key}:{e}-"),
                    steps::TaintChange::Remove { key, effect: None } => format!("{key}-"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Action::Cordon {
            nodes,
            unschedulable,
            drain,
        } => format!(
            "{} {nodes:?}",
            if *drain {
                "drain"
            } else if *unschedulable {
                "cordon"
            } else {
                "uncordon"
            }
        ),
        Action::Opaque(w) => w.clone(),
    }
}

/// The state after a page, for the trace.
pub(super) fn summarize(state: &State) -> String {
    let mut s = String::from("  state:\n");
    for o in state.objs.values() {
        if o.page == usize::MAX && o.kind != "Namespace" {
            continue;
        }
        let _ = write!(s, "    {}", o.show());
        if o.kind == "Namespace" && !o.labels.is_empty() {
            let labels: Vec<String> = o.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = write!(s, " [{}]", labels.join(", "));
        }
        s.push('\n');
    }
    for n in &state.nodes {
        let _ = writeln!(
            s,
            "    Node {} ({} labels; taints: {}{})",
            n.name,
            n.labels.len(),
            nodes::show(&n.taints),
            if n.unschedulable { "; cordoned" } else { "" }
        );
    }
    s.pop();
    s
}
