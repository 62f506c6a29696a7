//! kubectl's node commands (`taint`, `cordon`, `uncordon`, `drain`) parsed
//! into [`Action`]s; [`super::nodes`] runs them.

use super::steps::{Action, Args, kind_of};

/// The nodes a `taint` or `cordon` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nodes {
    Names(Vec<String>),
    /// `-l`: equality-based requirements (`k=v`, `k!=v`, `k`, `!k`).
    Selector(Vec<(String, SelectorOp)>),
    /// `--all`.
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorOp {
    Equals(String),
    NotEquals(String),
    Exists,
    NotExists,
    /// `key in (a,b)`: the label is one of the values.
    In(Vec<String>),
    /// `key notin (a,b)`: the label is missing or none of the values.
    NotIn(Vec<String>),
}

/// One taint argument (staging/src/k8s.io/kubectl/pkg/cmd/taint/utils.go
/// parseTaints): `key=value:Effect` adds, `key:Effect-` and `key-` remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaintChange {
    Add {
        key: String,
        value: String,
        effect: String,
    },
    Remove {
        key: String,
        /// `None`: every effect of the key.
        effect: Option<String>,
    },
}

/// `taint nodes NAME… TAINT…` (or `node/NAME`, `-l`, `--all`).
pub(super) fn taint(rest: &[String], a: &Args) -> Option<Action> {
    // `nodes NAME…` or `node/NAME…`.
    let first = rest.first()?;
    let (kind, names) = match first.split_once('/') {
        Some((t, n)) => (
            t,
            std::iter::once(n)
                .chain(rest[1..].iter().map(String::as_str))
                .collect::<Vec<_>>(),
        ),
        None => (
            first.as_str(),
            rest[1..].iter().map(String::as_str).collect(),
        ),
    };
    if kind_of(kind) != "Node" {
        return None;
    }
    let names: Vec<String> = names.into_iter().map(node_name).collect();
    // After the node names come the taints (they hold `:` or end in `-`).
    let split = names
        .iter()
        .position(|w| w.contains(':') || w.contains('=') || w.ends_with('-'))
        .unwrap_or(names.len());
    let (targets, taints) = names.split_at(split);
    let changes = taints
        .iter()
        .map(|t| parse_taint(t))
        .collect::<Option<Vec<_>>>()?;
    if changes.is_empty() {
        return None;
    }
    Some(Action::Taint {
        nodes: nodes(targets, a)?,
        changes,
        overwrite: a.has(&["--overwrite"]),
    })
}

/// A node name, written `NAME` or `node/NAME`.
fn node_name(w: &str) -> String {
    w.strip_prefix("node/")
        .or_else(|| w.strip_prefix("nodes/"))
        .unwrap_or(w)
        .to_owned()
}

/// `cordon|uncordon|drain NODE…`.
pub(super) fn cordon(verb: &str, rest: &[String], a: &Args) -> Option<Action> {
    let targets: Vec<String> = rest.iter().map(|w| node_name(w)).collect();
    Some(Action::Cordon {
        nodes: nodes(&targets, a)?,
        unschedulable: verb != "uncordon",
        drain: verb == "drain",
    })
}

/// The nodes a command names: NAME…, `-l SELECTOR` or `--all`.
fn nodes(names: &[String], a: &Args) -> Option<Nodes> {
    if let Some(sel) = a.get(&["-l", "--selector"]) {
        let mut reqs = Vec::new();
        for r in selector_requirements(sel) {
            reqs.push(requirement(r)?);
        }
        return Some(Nodes::Selector(reqs));
    }
    if a.has(&["--all"]) {
        return Some(Nodes::All);
    }
    (!names.is_empty()).then(|| Nodes::Names(names.to_vec()))
}

/// The comma-separated requirements of a label selector; commas inside a
/// set's parentheses do not separate
/// (staging/src/k8s.io/apimachinery/pkg/labels/selector.go Parse).
fn selector_requirements(sel: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in sel.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(sel[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(sel[start..].trim());
    out.retain(|r| !r.is_empty());
    out
}

/// One requirement: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)` or
/// `k notin (a,b)`; `None` for what kubectl would refuse.
fn requirement(r: &str) -> Option<(String, SelectorOp)> {
    if let Some(open) = r.find('(') {
        let close = r.rfind(')')?;
        let values: Vec<String> = r[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        let mut words = r[..open].split_whitespace();
        let (key, op) = (words.next()?, words.next()?);
        if words.next().is_some() || !r[close + 1..].trim().is_empty() {
            return None;
        }
        return match op {
            "in" => Some((key.to_owned(), SelectorOp::In(values))),
            "notin" => Some((key.to_owned(), SelectorOp::NotIn(values))),
            _ => None,
        };
    }
    if r.contains(' ') {
        return None;
    }
    Some(if let Some((k, v)) = r.split_once("!=") {
        (k.to_owned(), SelectorOp::NotEquals(v.to_owned()))
    } else if let Some((k, v)) = r.split_once("==").or_else(|| r.split_once('=')) {
        (k.to_owned(), SelectorOp::Equals(v.to_owned()))
    } else if let Some(k) = r.strip_prefix('!') {
        (k.to_owned(), SelectorOp::NotExists)
    } else {
        (r.to_owned(), SelectorOp::Exists)
    })
}

/// `key=value:Effect`, `key:Effect`, `key:Effect-`, `key=value:Effect-` or
/// `key-`; `None` for an effect kubectl does not know.
fn parse_taint(t: &str) -> Option<TaintChange> {
    let (body, remove) = match t.strip_suffix('-') {
        Some(b) => (b, true),
        None => (t, false),
    };
    let (kv, effect) = match body.rsplit_once(':') {
        Some((kv, e)) => (kv, Some(e)),
        None => (body, None),
    };
    if let Some(e) = effect
        && !matches!(e, "NoSchedule" | "PreferNoSchedule" | "NoExecute")
    {
        return None;
    }
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    if key.is_empty() {
        return None;
    }
    if remove {
        return Some(TaintChange::Remove {
            key: key.to_owned(),
            effect: effect.map(str::to_owned),
        });
    }
    Some(TaintChange::Add {
        key: key.to_owned(),
        value: value.to_owned(),
        effect: effect?.to_owned(),
    })
}
