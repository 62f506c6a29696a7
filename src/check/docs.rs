//! Field documentation for tooltips: the schema description of each key.

use std::borrow::Cow;

use super::bundle::{Additional, Schemas};
use super::yaml::{self, Node, Value};

/// The documentation of one key of a manifest. The texts the schemas hold
/// are borrowed from them: a page's manifests have dozens of keys, and
/// copying each description was most of the cost of finding them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldDoc<'s> {
    pub line: usize,
    pub col: usize,
    pub len: usize,
    /// Dotted path, e.g. `spec.template.spec.containers[].image`.
    pub path: String,
    pub type_name: Cow<'s, str>,
    /// First sentence of the schema's description.
    pub description: &'s str,
}

pub fn field_docs<'s>(schemas: Option<&'s Schemas>, text: &str) -> Vec<FieldDoc<'s>> {
    field_docs_in(schemas, &yaml::parse(text))
}

/// [`field_docs`] of an already parsed text.
pub fn field_docs_in<'s>(schemas: Option<&'s Schemas>, stream: &yaml::Stream) -> Vec<FieldDoc<'s>> {
    let mut out = Vec::new();
    let Some(s) = schemas else { return out };
    for doc in &stream.docs {
        let Some(root) = &doc.root else { continue };
        let (Some(api), Some(kind)) = (
            root.get("apiVersion").and_then(Node::as_str),
            root.get("kind").and_then(Node::as_str),
        ) else {
            continue;
        };
        if let Some(&id) = s.by_gvk.get(&(api.to_string(), kind.to_string())) {
            walk(s, id, root, &mut String::new(), &mut out, 0);
        }
    }
    out
}

fn walk<'s>(
    s: &'s Schemas,
    id: u32,
    node: &Node,
    path: &mut String,
    out: &mut Vec<FieldDoc<'s>>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let sc = s.resolve(id);
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let Some(key) = k.as_str() else { continue };
                let prop = sc.prop(key);
                let child = match prop {
                    Some(p) => Some(p),
                    None => match sc.additional {
                        Additional::Schema(a) => Some(a),
                        _ => None,
                    },
                };
                let Some(child) = child else { continue };
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if prop.is_some() {
                    let own = s.get(child);
                    let target = s.resolve(child);
                    let desc = if own.desc.is_empty() {
                        &target.desc
                    } else {
                        &own.desc
                    };
                    out.push(FieldDoc {
                        line: k.pos.line as usize,
                        col: k.pos.col as usize,
                        len: k.pos.len as usize,
                        path: path.clone(),
                        type_name: type_name(s, child),
                        description: desc,
                    });
                }
                walk(s, child, v, path, out, depth + 1);
                path.truncate(len);
            }
        }
        Value::Seq(items) => {
            if let Some(it) = sc.items {
                let len = path.len();
                path.push_str("[]");
                for item in items {
                    walk(s, it, item, path, out, depth + 1);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn type_name(s: &Schemas, id: u32) -> Cow<'_, str> {
    let own = s.get(id);
    let sc = s.resolve(id);
    if own.reference.is_some() && !sc.name.is_empty() {
        return Cow::Borrowed(sc.name.rsplit('.').next().unwrap_or(""));
    }
    if let Some(it) = sc.items {
        return Cow::Owned(format!("[]{}", type_name(s, it)));
    }
    if let Additional::Schema(a) = sc.additional {
        return Cow::Owned(format!("map[string]{}", type_name(s, a)));
    }
    super::bundle::type_names(sc.types)
}
