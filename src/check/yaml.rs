//! YAML to a tree whose every node keeps its line and column.
//!
//! Built on saphyr-parser's event stream. Limits against hostile input are
//! part of the parse: input size, nesting depth and the number of nodes
//! (aliases are expanded by copy and count towards it, so a billion-laughs
//! document stops early). Scalars are resolved the way Kubernetes' YAML
//! decoder (go-yaml v2, YAML 1.1) resolves plain scalars: `yes`/`on` are
//! booleans there.

use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan};

/// Largest source accepted, in bytes.
pub const MAX_BYTES: usize = 8 << 20;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 96;
/// Most nodes (after alias expansion) accepted in one source.
pub const MAX_NODES: usize = 1_000_000;

/// A position: 1-based line, 1-based character column, length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    /// The scalar was written plain (unquoted, not a block scalar).
    pub plain: bool,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node of `key` in a mapping.
    pub fn key(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
            _ => None,
        }
    }

    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }

    /// A short rendering of a scalar for messages.
    pub fn show(&self) -> String {
        match &self.value {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => {
                let mut t: String = s.chars().take(60).collect();
                if t.len() < s.len() {
                    t.push('…');
                }
                format!("{t:?}")
            }
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }

    /// Scalar text as Kubernetes would see it in a string field.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// One YAML document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// `None` for an empty document.
    pub root: Option<Node>,
    /// 1-based first and last line of the document.
    pub first_line: u32,
    pub last_line: u32,
}

/// A parse failure: syntax or a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub rule: &'static str,
    pub message: String,
    pub line: u32,
    pub col: u32,
}

/// Result of parsing a stream: the documents read before any error, and the error.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    pub docs: Vec<Document>,
    pub error: Option<ParseError>,
}

/// Strips a leading byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

fn pos_of(span: &PSpan) -> Pos {
    let len = if span.end.line() == span.start.line() {
        span.end.index().saturating_sub(span.start.index())
    } else {
        0
    };
    Pos {
        line: span.start.line() as u32,
        col: span.start.col() as u32 + 1,
        len: len as u32,
    }
}

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

/// Where a tab error really is: the parser reports a tab in indentation at
/// the end of the line before it (`found a tab` while scanning that line's
/// value). The tab's own line and column: the first indentation tab from the
/// reported line on; else the reported place.
fn tab_at(text: &str, info: &str, line: u32, col: u32) -> (u32, u32) {
    if !info.contains("tab") || line == 0 {
        return (line, col);
    }
    for (i, l) in text.lines().enumerate().skip(line as usize - 1).take(3) {
        let indent: &str = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
        if let Some(c) = indent.find('\t') {
            return (i as u32 + 1, c as u32 + 1);
        }
    }
    (line, col)
}

/// Parses a YAML stream (the BOM must already be stripped).
pub fn parse(text: &str) -> Stream {
    let mut out = Stream::default();
    if text.len() > MAX_BYTES {
        out.error = Some(ParseError {
            rule: "yaml-limit",
            // A source is a file or a ```yaml block of a page: say neither.
            message: format!(
                "this YAML is {} bytes; one YAML source (a file or a ```yaml block) may be at most {MAX_BYTES}",
                text.len()
            ),
            line: 1,
            col: 1,
        });
        return out;
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<Option<Node>> = Vec::new();
    let mut nodes = 0usize;
    // How many of them alias copies made, so the limit names its cause.
    let mut aliased = 0usize;
    let mut doc_root: Option<Node> = None;
    let mut doc_first = 1u32;
    let mut last_line = 1u32;
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                let m = e.marker();
                // saphyr-parser has its own nesting limit, which it reports
                // as a syntax error; it is a limit like ours.
                let limit = e.info().contains("recursion limit");
                let (line, col) = tab_at(text, e.info(), m.line() as u32, m.col() as u32 + 1);
                out.error = Some(ParseError {
                    rule: if limit { "yaml-limit" } else { "yaml-syntax" },
                    message: if limit {
                        format!("nesting deeper than {MAX_DEPTH} levels")
                    } else {
                        e.info().to_string()
                    },
                    line,
                    col,
                });
                break;
            }
        };
        last_line = last_line.max(span.end.line() as u32);
        let pos = pos_of(&span);
        let (node, anchor) = match event {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                doc_root = None;
                doc_first = span.start.line() as u32;
                continue;
            }
            Event::DocumentEnd => {
                out.docs.push(Document {
                    root: doc_root.take(),
                    first_line: doc_first,
                    last_line,
                });
                continue;
            }
            Event::Alias(id) => match anchors.get(id).and_then(Option::as_ref) {
                Some(n) => {
                    let mut copy = n.clone();
                    let copied = count(&copy);
                    nodes += copied;
                    aliased += copied;
                    copy.pos = pos;
                    (copy, 0)
                }
                None => {
                    out.error = Some(ParseError {
                        rule: "yaml-syntax",
                        message: "alias to an unknown anchor".into(),
                        line: pos.line,
                        col: pos.col,
                    });
                    break;
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain;
                let value = if plain && tag.is_none() {
                    resolve_plain(&text)
                } else {
                    Value::Str(text.into_owned())
                };
                (Node { value, pos, plain }, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    out.error = Some(depth_error(pos));
                    break;
                }
                stack.push(Frame::Seq(
                    Node {
                        value: Value::Seq(Vec::new()),
                        pos,
                        plain: false,
                    },
                    anchor,
                ));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    out.error = Some(depth_error(pos));
                    break;
                }
                stack.push(Frame::Map(
                    Node {
                        value: Value::Map(Vec::new()),
                        pos,
                        plain: false,
                    },
                    anchor,
                    None,
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(n, a)) | Some(Frame::Map(n, a, _)) => (n, a),
                None => continue,
            },
        };
        nodes += 1;
        if nodes > MAX_NODES {
            out.error = Some(ParseError {
                rule: "yaml-limit",
                message: if aliased > 0 {
                    format!(
                        "more than {MAX_NODES} nodes (values, mappings and sequences), {aliased} of them copies made by aliases"
                    )
                } else {
                    format!(
                        "more than {MAX_NODES} nodes (values, mappings and sequences) in one source; split it into smaller files"
                    )
                },
                line: pos.line,
                col: pos.col,
            });
            break;
        }
        if anchor > 0 {
            if anchors.len() <= anchor {
                anchors.resize(anchor + 1, None);
            }
            anchors[anchor] = Some(node.clone());
        }
        match stack.last_mut() {
            None => doc_root = Some(node),
            Some(Frame::Seq(seq, _)) => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, _, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let Value::Map(entries) = &mut map.value {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    out
}

fn depth_error(pos: Pos) -> ParseError {
    ParseError {
        rule: "yaml-limit",
        message: format!("nesting deeper than {MAX_DEPTH} levels"),
        line: pos.line,
        col: pos.col,
    }
}

fn count(n: &Node) -> usize {
    1 + match &n.value {
        Value::Seq(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| count(k) + count(v)).sum(),
        _ => 0,
    }
}

/// Resolves a plain scalar like go-yaml v2 (YAML 1.1 booleans, null, ints, floats).
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let first = b[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::Str(s.to_owned());
    }
    let (neg, digits) = match first {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let parsed = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') {
            i64::from_str_radix(digits, 8).ok()
        } else {
            digits.parse::<i64>().ok()
        }
    } else {
        None
    };
    if let Some(i) = parsed {
        return Value::Int(if neg { -i } else { i });
    }
    let is_float = digits
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|c| c.is_ascii_digit());
    if is_float && let Ok(f) = s.parse::<f64>() {
        return Value::Float(f);
    }
    Value::Str(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let s = parse("a: 1\nb:\n  c: [x, y]\n");
        let root = s.docs[0].root.as_ref().unwrap();
        let c = root.get("b").unwrap().get("c").unwrap();
        assert_eq!((c.pos.line, c.pos.col), (3, 6));
        assert_eq!(
            c.seq()[1].pos,
            Pos {
                line: 3,
                col: 10,
                len: 1
            }
        );
        let k = root.get("b").unwrap().key("c").unwrap();
        assert_eq!((k.pos.line, k.pos.col, k.pos.len), (3, 3, 1));
    }

    #[test]
    fn scalars_resolve_like_go_yaml() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("80"), Value::Int(80));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("100m"), Value::Str("100m".into()));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("-"), Value::Str("-".into()));
    }

    #[test]
    fn multi_doc_and_anchors() {
        let s = parse("a: &x {k: v}\nb: *x\n---\n---\nc: |\n  hi\n");
        assert_eq!(s.docs.len(), 3);
        let r = s.docs[0].root.as_ref().unwrap();
        assert_eq!(r.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
        assert!(s.docs[1].root.as_ref().is_none_or(Node::is_null));
        assert_eq!(
            s.docs[2].root.as_ref().unwrap().get("c").unwrap().as_str(),
            Some("hi\n")
        );
        assert_eq!(s.docs[2].first_line, 4);
    }

    #[test]
    fn crlf_positions() {
        let s = parse("a: 1\r\nb:\r\n  c: x\r\n");
        let r = s.docs[0].root.as_ref().unwrap();
        let c = r.get("b").unwrap().get("c").unwrap();
        assert_eq!((c.pos.line, c.pos.col), (3, 6));
        assert_eq!(c.as_str(), Some("x"));
    }

    #[test]
    fn alias_bomb_is_limited() {
        let mut y = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 0..9 {
            let p = (b'a' + i) as char;
            let n = (b'a' + i + 1) as char;
            y.push_str(&format!(
                "{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            ));
        }
        let s = parse(&y);
        assert_eq!(s.error.unwrap().rule, "yaml-limit");
    }

    #[test]
    fn depth_is_limited() {
        let y = "[".repeat(500);
        assert_eq!(parse(&y).error.unwrap().rule, "yaml-limit");
        let mut y = String::new();
        for i in 0..200 {
            y.push_str(&format!("{}k:\n", " ".repeat(i)));
        }
        assert_eq!(parse(&y).error.unwrap().rule, "yaml-limit");
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("a: 1\n b: 2\n").error.unwrap();
        assert_eq!(e.rule, "yaml-syntax");
        assert_eq!(e.line, 2);
    }
}
