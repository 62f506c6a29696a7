//! Structural validation of a YAML tree against compiled schemas.
//!
//! Walks the spanned tree and the schema together, so every finding already
//! has the position of the offending key or value: no JSON pointer has to be
//! mapped back. Reports every finding of a document, not just the first.

use super::bundle::{
    self, Additional, Format, S, Schemas, T_ARR, T_BOOL, T_INT, T_NULL, T_NUM, T_OBJ, T_STR,
};
use super::yaml::{Node, Pos, Value};

/// One structural finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub pos: Pos,
    pub message: String,
    pub notes: Vec<String>,
}

pub fn validate(schemas: &Schemas, id: u32, node: &Node, out: &mut Vec<Finding>) {
    let mut path = String::new();
    walk(schemas, id, node, node.pos, &mut path, out);
}

fn bits(n: &Node) -> u8 {
    match n.value {
        Value::Null => T_NULL,
        Value::Bool(_) => T_BOOL,
        Value::Int(_) => T_INT,
        Value::Float(_) => T_NUM,
        Value::Str(_) => T_STR,
        Value::Seq(_) => T_ARR,
        Value::Map(_) => T_OBJ,
    }
}

fn walk(
    schemas: &Schemas,
    id: u32,
    node: &Node,
    anchor: Pos,
    path: &mut String,
    out: &mut Vec<Finding>,
) {
    let s: &S = schemas.resolve(id);
    if s.quantity {
        check_quantity(node, path, out);
        return;
    }
    if !s.one_of.is_empty() {
        let ok = s.one_of.iter().any(|&alt| {
            // An alternative of another type fails at once (int-or-string
            // fields are everywhere): no need to make its error message.
            let a = schemas.resolve(alt);
            if !a.quantity && a.one_of.is_empty() && a.types != 0 && bits(node) & a.types == 0 {
                return false;
            }
            let mut tmp = Vec::new();
            walk(schemas, alt, node, anchor, path, &mut tmp);
            tmp.is_empty()
        });
        if !ok {
            let want = s
                .one_of
                .iter()
                .fold(0u8, |a, &alt| a | schemas.resolve(alt).types);
            out.push(type_error(node, want, path));
        }
        return;
    }
    if s.types != 0 {
        let b = bits(node);
        if b & s.types == 0 {
            out.push(type_error(node, s.types, path));
            return;
        }
    }
    if let Some(b) = &s.bounds {
        check_bounds(b, node, path, out);
    }
    match &node.value {
        Value::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                let key = key_text(k);
                if entries[..i].iter().any(|(k2, _)| key_text(k2) == key) {
                    out.push(Finding {
                        rule: "duplicate-key",
                        pos: k.pos,
                        message: format!("duplicate key `{key}`"),
                        notes: Vec::new(),
                    });
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
                match s.prop(&key) {
                    Some(p) => walk(schemas, p, v, k.pos, path, out),
                    None => match s.additional {
                        Additional::Any => {}
                        Additional::Schema(a) => walk(schemas, a, v, k.pos, path, out),
                        Additional::Deny => out.push(unknown_field(s, &key, k.pos, &path[..len])),
                    },
                }
                path.truncate(len);
            }
            for r in &s.required {
                let present = entries
                    .iter()
                    .any(|(k, v)| *key_text(k) == **r && !v.is_null());
                if !present {
                    let at = if path.is_empty() {
                        String::new()
                    } else {
                        format!(" in `{path}`")
                    };
                    out.push(Finding {
                        rule: "missing-field",
                        pos: anchor,
                        message: format!("missing required field `{r}`{at}"),
                        notes: Vec::new(),
                    });
                }
            }
        }
        Value::Seq(items) => {
            if let Some(it) = s.items {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    let _ = std::fmt::Write::write_fmt(path, format_args!("[{i}]"));
                    walk(schemas, it, item, item.pos, path, out);
                    path.truncate(len);
                }
            }
        }
        Value::Str(text) => {
            if !s.enumeration.is_empty() && !s.enumeration.iter().any(|e| e == text) {
                out.push(Finding {
                    rule: "invalid-value",
                    pos: node.pos,
                    message: format!(
                        "`{path}` must be one of {}, not {}",
                        quote_list(&s.enumeration),
                        node.show()
                    ),
                    notes: Vec::new(),
                });
            }
            if s.format == Format::Byte && !is_base64(text) {
                out.push(Finding {
                    rule: "invalid-base64",
                    pos: node.pos,
                    message: format!("`{path}` must be base64-encoded"),
                    notes: vec!["use `stringData` for plain text values".into()],
                });
            }
        }
        Value::Int(i) if s.format == Format::Int32 && i32::try_from(*i).is_err() => {
            out.push(Finding {
                rule: "invalid-type",
                pos: node.pos,
                message: format!("`{path}` must be a 32-bit integer, not {i}"),
                notes: Vec::new(),
            });
        }
        _ => {}
    }
}

/// `minimum`/`maximum` of a number and `pattern` of a string.
fn check_bounds(b: &super::bundle::Bounds, node: &Node, path: &str, out: &mut Vec<Finding>) {
    let mut fail = |message: String| {
        out.push(Finding {
            rule: "invalid-value",
            pos: node.pos,
            message,
            notes: Vec::new(),
        })
    };
    let number = match &node.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    if let Some(v) = number {
        let shown = node.show();
        if let Some(min) = b.minimum
            && (v < min || (b.exclusive_minimum && v == min))
        {
            let how = if b.exclusive_minimum {
                "above"
            } else {
                "at least"
            };
            fail(format!("`{path}` must be {how} {min}, not {shown}"));
        }
        if let Some(max) = b.maximum
            && (v > max || (b.exclusive_maximum && v == max))
        {
            let how = if b.exclusive_maximum {
                "below"
            } else {
                "at most"
            };
            fail(format!("`{path}` must be {how} {max}, not {shown}"));
        }
    }
    if let (Value::Str(text), Some((src, Some(re)))) = (&node.value, &b.pattern)
        && !re.is_match(text)
    {
        fail(format!(
            "`{path}` must match the pattern `{src}`, not {}",
            node.show()
        ));
    }
}

fn check_quantity(node: &Node, path: &str, out: &mut Vec<Finding>) {
    let ok = match &node.value {
        Value::Str(t) => super::rules::quantity::parse(t).is_some(),
        Value::Int(_) | Value::Float(_) | Value::Null => true,
        _ => false,
    };
    if !ok {
        out.push(Finding {
            rule: "invalid-quantity",
            pos: node.pos,
            message: format!("`{path}` is not a valid quantity: {}", node.show()),
            notes: vec![
                "quantities are a number with an optional suffix: 100m, 0.5, 128Mi, 1Gi, 2G".into(),
            ],
        });
    }
}

fn key_text(k: &Node) -> std::borrow::Cow<'_, str> {
    match k.as_str() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(k.scalar_text().unwrap_or_default()),
    }
}

fn type_error(node: &Node, want: u8, path: &str) -> Finding {
    let mut notes = Vec::new();
    let found = node.type_name();
    if want & T_STR != 0
        && node.plain
        && matches!(node.value, Value::Bool(_) | Value::Int(_) | Value::Float(_))
    {
        notes.push("quote the value to make it a string, e.g. \"…\"".to_string());
        if matches!(node.value, Value::Bool(_)) {
            notes.push("YAML reads unquoted true/false/yes/no/on/off as booleans".to_string());
        }
    }
    if want & (T_BOOL | T_INT) != 0 && matches!(node.value, Value::Str(_)) && !node.plain {
        notes.push("remove the quotes".to_string());
    }
    let shown = match node.value {
        Value::Seq(_) | Value::Map(_) | Value::Null => found.to_string(),
        _ => format!("{found} {}", node.show()),
    };
    Finding {
        rule: "invalid-type",
        pos: node.pos,
        message: format!(
            "`{path}` must be {}, found {shown}",
            bundle::type_names(want)
        ),
        notes,
    }
}

fn unknown_field(s: &S, key: &str, pos: Pos, parent: &str) -> Finding {
    let mut notes = Vec::new();
    if let Some(best) = did_you_mean(key, s.props.iter().map(|(n, _)| &**n)) {
        notes.push(format!("did you mean `{best}`?"));
    }
    let at = if parent.is_empty() {
        String::new()
    } else {
        format!(" in `{parent}`")
    };
    let ty = s.name.rsplit('.').next().unwrap_or("");
    let of = if ty.is_empty() {
        String::new()
    } else {
        format!(" ({ty})")
    };
    Finding {
        rule: "unknown-field",
        pos,
        message: format!("unknown field `{key}`{at}{of}"),
        notes,
    }
}

/// The closest candidate to `word`, when it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = if c.to_ascii_lowercase() == lower {
            2.0
        } else {
            strsim::jaro_winkler(&lower, &c.to_ascii_lowercase())
        };
        if score > best.map_or(0.0, |b| b.0) {
            best = Some((score, c));
        }
    }
    best.filter(|b| b.0 >= 0.85).map(|b| b.1)
}

fn quote_list(v: &[String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_base64(s: &str) -> bool {
    let t: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if t.len() % 4 != 0 {
        return false;
    }
    let pad = t.iter().rev().take_while(|&&b| b == b'=').count();
    pad <= 2
        && t[..t.len() - pad]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::yaml;

    fn run(src: &str) -> Vec<Finding> {
        let s = bundle::version("1.37").unwrap();
        let root = yaml::parse(src).docs.remove(0).root.unwrap();
        let api = root
            .get("apiVersion")
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        let kind = root.get("kind").unwrap().as_str().unwrap().to_string();
        let id = s.by_gvk[&(api, kind)];
        let mut out = Vec::new();
        validate(s, id, &root, &mut out);
        out
    }

    #[test]
    fn unknown_field_with_suggestion() {
        let f = run(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  container:\n  - name: a\n    image: x\n",
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].rule, "unknown-field");
        assert_eq!((f[0].pos.line, f[0].pos.col), (5, 3));
        assert_eq!(f[0].notes, vec!["did you mean `containers`?".to_string()]);
        assert_eq!(f[1].rule, "missing-field");
        assert_eq!((f[1].pos.line, f[1].pos.col), (4, 1));
    }

    #[test]
    fn types_and_int_or_string() {
        let f = run(
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports:\n  - port: \"80\"\n    targetPort: http\n  publishNotReadyAddresses: \"true\"\n",
        );
        let rules: Vec<_> = f.iter().map(|f| (f.rule, f.pos.line)).collect();
        assert_eq!(
            rules,
            vec![("invalid-type", 6), ("invalid-type", 8)],
            "{f:?}"
        );
    }
}
