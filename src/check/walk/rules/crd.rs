//! Custom resources against the CRD applied before them: the apiserver
//! validates each against its version's structural `openAPIV3Schema`
//! (kubernetes/kubernetes staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/validator.go).
//! The schema is compiled by [`crate::check::custom::compile_crd`] and
//! checked with the manifest checker's validator ([`crate::check::validate`]).

use std::sync::Arc;

use super::super::Issue;
use super::super::state::{Obj, SourceRef};
use crate::check::yaml::Node;

/// Whether the apiserver accepts `cr`; its findings go to `out` otherwise.
pub fn valid(crd: &Obj, cr: &Node, source: &Option<Arc<SourceRef>>, out: &mut Vec<Issue>) -> bool {
    let Some(api) = cr.get("apiVersion").and_then(Node::as_str) else {
        return true;
    };
    let kind = cr.get("kind").and_then(Node::as_str).unwrap_or("");
    let schemas = crate::check::custom::compile_crd(&crd.node);
    let Some(id) = crate::check::custom::find(&schemas, api, kind) else {
        out.push(
            Issue::new(
                "walk-crd-missing",
                format!(
                    "the CRD {} does not serve version {api} of {kind}",
                    crd.name
                ),
            )
            .note(format!("CRD made at {}", crd.origin.describe())),
        );
        return false;
    };
    let mut findings = Vec::new();
    crate::check::validate::validate(&schemas, id, cr, &mut findings);
    if findings.is_empty() {
        return true;
    }
    let mut i = Issue::new(
        "walk-cr-invalid",
        format!("the apiserver rejects {kind}: its CRD's schema does not allow it"),
    );
    for f in findings {
        let at = match source {
            Some(s) => format!(
                "{}:{}:{}: ",
                s.path.display(),
                f.pos.line as usize + s.line_offset,
                f.pos.col
            ),
            None => String::new(),
        };
        i = i.note(format!("{at}{}", f.message));
    }
    out.push(i.note(format!("CRD made at {}", crd.origin.describe())));
    false
}
