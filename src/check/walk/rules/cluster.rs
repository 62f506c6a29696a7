//! The manifest checker's cross-object warnings ([`crate::check::cross`]:
//! a Service that selects no Pod, an Ingress naming a missing Service…)
//! evaluated against the walked cluster at the end of each page, for the
//! objects the page's steps made. Only findings that the objects' own file
//! does not already give are reported (those are the per-file check's),
//! and references a Pod needs are left to [`super::needs`].

use std::collections::HashMap;
use std::sync::Arc;

use super::super::Issue;
use super::super::state::{Obj, SourceRef, State};
use crate::check::yaml::{self, Node};
use crate::check::{Checker, Obj as CheckObj, Source, cross};

/// Rules the walk reports its own way, or that mean nothing on a cluster.
const LEFT_OUT: [&str; 6] = [
    "missing-configmap",
    "missing-secret",
    "missing-pvc",
    "missing-service-account",
    "missing-storageclass",
    "namespace-mismatch",
];

pub fn check(state: &State, page: usize, checker: &Checker) -> Vec<(usize, Issue)> {
    let with_source: Vec<&Arc<Obj>> = state
        .objs
        .values()
        .filter(|o| o.source.is_some() && !o.stub)
        .collect();
    if !with_source.iter().any(|o| o.page == page) {
        return Vec::new();
    }
    let mut index: HashMap<*const SourceRef, usize> = HashMap::new();
    let mut sources: Vec<Source> = Vec::new();
    let mut objs: Vec<CheckObj> = Vec::new();
    for o in &with_source {
        let s = o.source.as_ref().expect("filtered");
        let src = *index.entry(Arc::as_ptr(s)).or_insert_with(|| {
            sources.push(Source {
                path: s.path.clone(),
                text: s.text.clone(),
                line_offset: s.line_offset,
                col_offset: 0,
            });
            sources.len() - 1
        });
        let line = o.node.pos.line;
        objs.push(CheckObj {
            src,
            api: &o.api,
            kind: &o.kind,
            name: Some(&o.name),
            namespace: o.namespace.as_deref(),
            node: &o.node,
            lines: (line, line),
            known: checker.serves(&o.api, &o.kind),
        });
    }
    let mut out = Vec::new();
    let mut own: HashMap<usize, Vec<(&'static str, String)>> = HashMap::new();
    for (i, f) in cross::check(&objs, &sources) {
        let o = with_source[i];
        if o.page != page || LEFT_OUT.contains(&f.rule) {
            continue;
        }
        let said = own
            .entry(objs[i].src)
            .or_insert_with(|| file_findings(&sources[objs[i].src], checker));
        if said.iter().any(|(r, m)| *r == f.rule && *m == f.message) {
            continue;
        }
        let s = &sources[objs[i].src];
        let mut issue =
            Issue::new(f.rule, format!("on the walked cluster: {}", f.message)).note(format!(
                "{}:{}:{}",
                s.path.display(),
                f.pos.line as usize + s.line_offset,
                f.pos.col
            ));
        for n in f.notes {
            issue = issue.note(n);
        }
        out.push((o.step, issue));
    }
    out
}

/// The cross-object findings of a file checked alone (what `kourse check`
/// already says about it).
fn file_findings(source: &Source, checker: &Checker) -> Vec<(&'static str, String)> {
    let stream = yaml::parse(yaml::strip_bom(&source.text));
    let roots: Vec<&Node> = stream.docs.iter().filter_map(|d| d.root.as_ref()).collect();
    let objs: Vec<CheckObj> = roots
        .iter()
        .filter_map(|n| {
            let meta = n.get("metadata");
            let (api, kind) = (
                n.get("apiVersion").and_then(Node::as_str)?,
                n.get("kind").and_then(Node::as_str)?,
            );
            Some(CheckObj {
                src: 0,
                api,
                kind,
                name: meta.and_then(|m| m.get("name")).and_then(Node::as_str),
                namespace: meta.and_then(|m| m.get("namespace")).and_then(Node::as_str),
                node: n,
                lines: (n.pos.line, n.pos.line),
                known: checker.serves(api, kind),
            })
        })
        .collect();
    cross::check(&objs, std::slice::from_ref(source))
        .into_iter()
        .map(|(_, f)| (f.rule, f.message))
        .collect()
}
