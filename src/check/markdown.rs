//! Fenced ```yaml blocks of a Markdown page, with their fence attributes and
//! positions, so diagnostics point at the line in the `.md`.

use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::yaml::Stream;
use super::{Checker, Source};
use crate::diagnostic::{Diagnostic, LineIndex, line_col};

/// One fenced yaml block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlBlock {
    pub text: String,
    /// 1-based line in the .md of the block's first content line.
    pub line: usize,
    /// 1-based column where the content starts (after `> ` or list indentation).
    pub col: usize,
    pub attrs: FenceAttrs,
    /// Byte range of the whole fence in the .md.
    pub start: usize,
    pub end: usize,
}

/// Attributes after the language: `not-manifest`, `expect-error=RULE`, `title="x"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FenceAttrs {
    pub not_manifest: bool,
    pub expect_error: Option<String>,
    pub title: Option<String>,
    /// Lines to highlight, as Zola writes them: `hl_lines="2 4-5"`.
    pub hl_lines: Option<String>,
}

/// Splits a fence info string into its language and attributes.
pub fn parse_fence_info(info: &str) -> (String, FenceAttrs) {
    let mut attrs = FenceAttrs::default();
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in info.trim().chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut it = words.into_iter();
    let lang = it.next().unwrap_or_default();
    let (lang, first) = match lang.split_once(',') {
        Some((l, rest)) => (l.to_string(), Some(rest.to_string())),
        None => (lang, None),
    };
    for w in first.into_iter().chain(it) {
        let w = w.trim_matches(',');
        match w.split_once('=') {
            Some(("expect-error", v)) => attrs.expect_error = Some(v.to_string()),
            Some(("title", v)) => attrs.title = Some(v.to_string()),
            Some(("hl_lines", v)) => attrs.hl_lines = Some(v.to_string()),
            _ if w == "not-manifest" => attrs.not_manifest = true,
            _ => {}
        }
    }
    (lang, attrs)
}

/// Every fenced block whose language is `yaml` or `yml`, including blocks
/// nested in block quotes and lists.
pub fn yaml_blocks(markdown: &str) -> Vec<YamlBlock> {
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(markdown, Options::all())
        .into_offset_iter()
        .collect();
    yaml_blocks_of(markdown, 0, &events)
}

/// [`yaml_blocks`] of a page already parsed: `events` are the parser's
/// events of `text[base..]` with their offsets, so a renderer that has
/// them need not parse the page again.
pub fn yaml_blocks_of(
    text: &str,
    base: usize,
    events: &[(Event<'_>, Range<usize>)],
) -> Vec<YamlBlock> {
    let mut out = Vec::new();
    let mut cur: Option<(FenceAttrs, usize, String, Option<usize>)> = None;
    // Built at the first block: most pages' code is not YAML.
    let mut lines: Option<LineIndex> = None;
    for (event, range) in events {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let (lang, attrs) = parse_fence_info(info);
                if lang == "yaml" || lang == "yml" {
                    cur = Some((attrs, base + range.start, String::new(), None));
                }
            }
            Event::Text(t) => {
                if let Some((_, _, text, first)) = cur.as_mut() {
                    if first.is_none() {
                        *first = Some(base + range.start);
                    }
                    text.push_str(t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((attrs, start, block, first)) = cur.take() {
                    let lines = lines.get_or_insert_with(|| LineIndex::new(text));
                    let (line, col) = match first {
                        Some(off) => lines.line_col(off),
                        None => (lines.line_col(start).0 + 1, 1),
                    };
                    out.push(YamlBlock {
                        text: block,
                        line,
                        col,
                        attrs,
                        start,
                        end: base + range.end,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

impl YamlBlock {
    /// The block as a [`Source`] whose positions map into the page.
    pub fn source(&self, path: &Path) -> Source {
        Source {
            path: path.to_path_buf(),
            text: self.text.clone(),
            line_offset: self.line - 1,
            col_offset: self.col - 1,
        }
    }
}

/// Checks the yaml blocks of a page: manifests together as one set, each
/// `expect-error=RULE` block alone (it passes only if RULE is reported, and
/// its diagnostics are then dropped), `not-manifest` blocks not at all.
pub fn check_page(checker: &Checker, path: &Path, markdown: &str) -> Vec<Diagnostic> {
    let blocks = yaml_blocks(markdown);
    let streams = parse_blocks(&blocks);
    check_blocks(checker, path, markdown, &blocks, &streams)
}

/// The YAML stream of each block that is a manifest (`None` for a
/// `not-manifest` block), for [`check_blocks`].
pub fn parse_blocks(blocks: &[YamlBlock]) -> Vec<Option<Stream>> {
    blocks
        .iter()
        .map(|b| {
            (!b.attrs.not_manifest).then(|| super::yaml::parse(super::yaml::strip_bom(&b.text)))
        })
        .collect()
}

/// [`check_page`] of blocks already found and parsed (`streams` from
/// [`parse_blocks`]).
pub fn check_blocks(
    checker: &Checker,
    path: &Path,
    markdown: &str,
    blocks: &[YamlBlock],
    streams: &[Option<Stream>],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let manifests = || {
        blocks
            .iter()
            .zip(streams)
            .filter_map(|(b, s)| Some((b, s.as_ref()?)))
    };
    let (normal, normal_streams): (Vec<Source>, Vec<&Stream>) = manifests()
        .filter(|(b, _)| b.attrs.expect_error.is_none())
        .map(|(b, s)| (b.source(path), s))
        .unzip();
    if !normal.is_empty() {
        out.extend(checker.check_parsed(&normal, &normal_streams));
    }
    for (b, stream) in manifests() {
        let Some(rule) = &b.attrs.expect_error else {
            continue;
        };
        let diags = checker.check_parsed(&[b.source(path)], &[stream]);
        if !diags.iter().any(|d| &d.rule == rule) {
            let got: Vec<String> = diags
                .iter()
                .map(|d| format!("{} at line {}", d.rule, d.line))
                .collect();
            let fence_line = line_col(markdown, b.start).0;
            out.push(
                Diagnostic::error("expect-error", path, format!("this block is marked expect-error={rule} but the checker does not report `{rule}`"))
                    .at(markdown, fence_line, 1)
                    .with_note(if got.is_empty() { "the block has no diagnostics".to_string() } else { format!("reported: {}", got.join(", ")) }),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_attributes() {
        let (lang, a) = parse_fence_info(r#"yaml expect-error=latest-tag title="web deploy.yaml""#);
        assert_eq!(lang, "yaml");
        assert_eq!(a.expect_error.as_deref(), Some("latest-tag"));
        assert_eq!(a.title.as_deref(), Some("web deploy.yaml"));
        assert!(parse_fence_info("yaml not-manifest").1.not_manifest);
    }

    #[test]
    fn blocks_with_positions_in_quotes_and_lists() {
        let md = "# T\n\n```yaml\na: 1\n```\n\n> ```yaml\n> b: 2\n> ```\n\n- item\n\n  ```yml not-manifest\n  c: 3\n  ```\n\n```bash\nx\n```\n";
        let b = yaml_blocks(md);
        assert_eq!(b.len(), 3);
        assert_eq!((b[0].line, b[0].col, b[0].text.as_str()), (4, 1, "a: 1\n"));
        assert_eq!((b[1].line, b[1].col, b[1].text.as_str()), (8, 3, "b: 2\n"));
        assert_eq!((b[2].line, b[2].col), (14, 3));
        assert!(b[2].attrs.not_manifest);
    }
}
