//! The objects of a parsed source: documents (and `List` items) found with
//! their lines, `# kourse:allow` comments, and findings turned into
//! diagnostics at the source's offsets.

use crate::diagnostic::{Diagnostic, Severity};

use super::Source;
use super::rules;
use super::validate::Finding;
use super::yaml::{self, Node, Pos};

/// One Kubernetes object found in a source.
pub struct Obj<'a> {
    pub src: usize,
    pub api: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub node: &'a Node,
    /// Lines of the document holding it, for `# kourse:allow`.
    pub lines: (u32, u32),
    /// Its kind has a schema (bundled or custom): rules and cross-checks apply.
    pub known: bool,
}

pub(super) struct Parsed<'s> {
    pub(super) text: &'s str,
    pub(super) stream: &'s yaml::Stream,
    /// `# kourse:allow` comments: line and rule ids.
    pub(super) allows: Vec<(u32, Vec<String>)>,
}

pub(super) struct Raw {
    pub(super) src: usize,
    pub(super) lines: (u32, u32),
    pub(super) finding: Finding,
    pub(super) version: Option<String>,
}

/// Builds a diagnostic for a finding of a source, applying its offsets.
pub(super) fn diagnostic_at(
    src: &Source,
    text: &str,
    severity: Severity,
    f: Finding,
    version: Option<String>,
) -> Diagnostic {
    let line = f.pos.line as usize;
    let mut message = f.message;
    if let Some(p) = rules::placeholder(f.rule, text, line, f.pos.col as usize) {
        message.push_str(&format!(
            "; `{p}` looks like an unexpanded template variable: render the template (helm template, envsubst, kustomize) and check its output"
        ));
    }
    let mut d = Diagnostic::new(severity, f.rule, src.path.clone(), message);
    d.line = if line == 0 { 0 } else { line + src.line_offset };
    d.col = if f.pos.col == 0 {
        0
    } else {
        f.pos.col as usize + src.col_offset
    };
    d.len = f.pos.len as usize;
    d.source_line = crate::diagnostic::source_line(text, line)
        .map(|l| format!("{}{l}", " ".repeat(src.col_offset)));
    d.notes = f.notes;
    d.k8s_version = version;
    d
}

pub(super) fn parse_source<'s>(s: &'s Source, stream: &'s yaml::Stream) -> Parsed<'s> {
    let text = yaml::strip_bom(&s.text);
    let mut allows = Vec::new();
    if text.contains("kourse:allow") {
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("kourse:allow")
                && line[..pos].contains('#')
            {
                // `# kourse:allow RULE[,RULE…] why`: the first word names the rules.
                let rest = &line[pos + "kourse:allow".len()..];
                let rules: Vec<String> = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect();
                allows.push((i as u32 + 1, rules));
            }
        }
    }
    Parsed {
        text,
        stream,
        allows,
    }
}

/// The first line of the run of comment (or blank) lines ending just above
/// 1-based `first_line`; stops at a `---` separator.
/// `lines` are the source's lines, split once per source: splitting them
/// per document made a file of many documents quadratic.
fn leading_comments_start(lines: &[&str], first_line: u32) -> u32 {
    let mut start = first_line;
    while start > 1 {
        let prev = lines.get(start as usize - 2).map_or("", |l| l.trim());
        if prev.starts_with('#') || prev.is_empty() {
            start -= 1;
        } else {
            break;
        }
    }
    start
}

pub(super) fn collect_objects<'a>(
    src: usize,
    p: &'a Parsed,
    objs: &mut Vec<Obj<'a>>,
    raws: &mut Vec<Raw>,
) {
    if let Some(e) = &p.stream.error {
        raws.push(Raw {
            src,
            lines: (e.line, e.line),
            finding: Finding {
                rule: e.rule,
                pos: Pos {
                    line: e.line,
                    col: e.col,
                    len: 0,
                },
                message: e.message.clone(),
                notes: Vec::new(),
            },
            version: None,
        });
    }
    // The lines only serve `# kourse:allow`: split the text when it has one.
    let text_lines: Vec<&str> = if p.allows.is_empty() {
        Vec::new()
    } else {
        p.text.lines().collect()
    };
    for doc in &p.stream.docs {
        let Some(root) = &doc.root else { continue };
        // Comments right above a document belong to it, so a header line
        // `# kourse:allow RULE why` covers the whole object.
        let first = if p.allows.is_empty() {
            doc.first_line
        } else {
            leading_comments_start(&text_lines, doc.first_line)
        };
        let lines = (first, doc.last_line);
        object(src, root, lines, objs, raws, 0);
    }
}

fn object<'a>(
    src: usize,
    node: &'a Node,
    lines: (u32, u32),
    objs: &mut Vec<Obj<'a>>,
    raws: &mut Vec<Raw>,
    depth: u32,
) {
    let api = node.get("apiVersion").and_then(Node::as_str);
    let kind = node.get("kind").and_then(Node::as_str);
    let (Some(api), Some(kind)) = (api, kind) else {
        if node.is_null() {
            return;
        }
        let missing: Vec<&str> = [("apiVersion", api.is_none()), ("kind", kind.is_none())]
            .into_iter()
            .filter(|x| x.1)
            .map(|x| x.0)
            .collect();
        raws.push(Raw {
            src,
            lines,
            finding: Finding {
                rule: "not-a-manifest",
                pos: node.pos,
                message: format!("not a Kubernetes object: no `{}`", missing.join("` or `")),
                notes: vec![
                    "mark a YAML block that is not a manifest with `not-manifest` after ```yaml"
                        .into(),
                ],
            },
            version: None,
        });
        return;
    };
    if kind.ends_with("List")
        && depth == 0
        && node.get("items").is_some()
        && node.get("metadata").is_none_or(|m| m.get("name").is_none())
    {
        for item in node.get("items").map(Node::seq).unwrap_or(&[]) {
            object(src, item, lines, objs, raws, 1);
        }
        return;
    }
    let meta = node.get("metadata");
    objs.push(Obj {
        src,
        api,
        kind,
        name: meta.and_then(|m| m.get("name")).and_then(Node::as_str),
        namespace: meta.and_then(|m| m.get("namespace")).and_then(Node::as_str),
        node,
        lines,
        known: false,
    });
}
