//! Semantic equality of manifest values: key order, positions and an
//! absent field against an empty one do not count.

use crate::check::yaml::{Node, Value};

fn empty(n: Option<&Node>) -> bool {
    match n.map(|n| &n.value) {
        None | Some(Value::Null) => true,
        Some(Value::Map(m)) => m.is_empty(),
        Some(Value::Seq(s)) => s.is_empty(),
        Some(Value::Str(s)) => s.is_empty(),
        _ => false,
    }
}

/// Whether two optional values are the same to the apiserver.
pub fn same(a: Option<&Node>, b: Option<&Node>) -> bool {
    if empty(a) && empty(b) {
        return true;
    }
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(_)) => {
            let keys = |n: &Node| -> Vec<String> {
                n.entries()
                    .iter()
                    .filter(|(_, v)| !empty(Some(v)))
                    .filter_map(|(k, _)| k.scalar_text())
                    .collect()
            };
            let (ka, kb) = (keys(a), keys(b));
            ka.len() == kb.len()
                && x.iter().all(|(k, v)| {
                    let Some(k) = k.scalar_text() else {
                        return true;
                    };
                    same(Some(v), b.get(&k))
                })
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(Some(p), Some(q)))
        }
        (Value::Float(p), Value::Int(q)) | (Value::Int(q), Value::Float(p)) => *p == *q as f64,
        (p, q) => p == q,
    }
}

/// `same` of a path below two objects.
pub fn same_at(a: &Node, b: &Node, path: &[&str]) -> bool {
    same(a.path(path), b.path(path))
}
