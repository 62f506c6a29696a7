//! Finding the steps of a page: the commands of its shell blocks and the
//! `{{#example PATH apply}}` directives, in reading order, with their places.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::shell::{Command, is_shell, shell_commands};
use super::steps::*;
use crate::diagnostic::LineIndex;

/// A place in a page where the walk found a step, before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A command of a shell block, the block's `expect-error=RULE` and
    /// the block's number in the page.
    Command(Command, Option<String>, usize),
    /// `{{#example PATH apply}}`: the path below `examples/`, its line and column.
    Example(String, usize, usize),
    /// A directive `{{#example …}}` whose arguments do not parse.
    Invalid,
}

/// The steps of a page body, in order. `text` is the whole file and
/// `base` the body's offset in it, so lines are the file's.
pub fn page_steps(text: &str, base: usize) -> Vec<Step> {
    let mut out = Vec::new();
    for f in find(text, base) {
        match f {
            Found::Command(cmd, block_expect, block) => {
                if cmd.unknown {
                    continue;
                }
                if let Some(action) = action(&cmd) {
                    // A line's own mark groups the line; a block's, the block.
                    let group = if cmd.expect.is_some() {
                        usize::MAX - cmd.line
                    } else {
                        block
                    };
                    out.push(Step {
                        line: cmd.line,
                        col: cmd.col,
                        action,
                        expect: cmd.expect.clone().or(block_expect),
                        group,
                    });
                }
            }
            Found::Example(path, line, col) => out.push(Step {
                line,
                col,
                action: Action::Files {
                    mode: Mode::Apply,
                    inputs: vec![Input::Path(format!(
                        "{}/{path}",
                        crate::blocks::EXAMPLES_DIR
                    ))],
                    namespace: None,
                    recursive: false,
                },
                expect: None,
                group: 0,
            }),
            Found::Invalid => {}
        }
    }
    out
}

/// Whether some line of the page, read as a shell line (with its `\`
/// continuations), is a kubectl or helm command the walk models: most
/// pages only show `kubectl get` or commands with variables, and need no
/// Markdown parse. Every command of a shell block is such a line, so a
/// page this says no to has no steps.
pub(super) fn may_have_commands(body: &str) -> bool {
    let bytes = body.as_bytes();
    let mut starts: Vec<usize> = Vec::new();
    for word in [&b"kubectl"[..], b"helm"] {
        starts.extend(
            memchr::memmem::find_iter(bytes, word)
                .map(|at| memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |n| n + 1)),
        );
    }
    starts.sort_unstable();
    starts.dedup();
    starts.into_iter().any(|start| {
        let mut text = String::new();
        for l in body[start..].lines() {
            let l = l.trim_start().trim_start_matches('>').trim_start();
            text.push_str(l);
            text.push('\n');
            if !l.ends_with('\\') {
                break;
            }
        }
        shell_commands("bash", &text, 1, 1)
            .iter()
            .any(|c| !c.unknown && action(c).is_some())
    })
}

fn find(text: &str, base: usize) -> Vec<Found> {
    let body = &text[base..];
    // Only pages with a command the walk models, or a directive, are parsed.
    if memchr::memmem::find(body.as_bytes(), b"{{#example").is_none() && !may_have_commands(body) {
        return Vec::new();
    }
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(body, Options::all())
        .into_offset_iter()
        .collect();
    let lines = LineIndex::new(text);
    let mut out = Vec::new();
    // Language, `expect-error`, fence offset, text, first text offset.
    type Block = (String, Option<String>, usize, String, Option<usize>);
    let mut block: Option<Block> = None;
    let mut para: Option<(usize, String)> = None;
    let mut blocks = 0;
    for (ev, range) in &events {
        match ev {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let (lang, attrs) = crate::check::markdown::parse_fence_info(info);
                if is_shell(&lang) {
                    block = Some((lang, attrs.expect_error, range.start, String::new(), None));
                }
            }
            Event::Start(Tag::Paragraph) => para = Some((range.start, String::new())),
            Event::Text(t) => {
                if let Some((_, _, _, buf, first)) = block.as_mut() {
                    first.get_or_insert(range.start);
                    buf.push_str(t);
                } else if let Some((_, buf)) = para.as_mut() {
                    buf.push_str(t);
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((start, buf)) = para.take()
                    && let Some(("example", args)) = crate::markdown::parse_directive(&buf)
                {
                    match crate::blocks::parse_example_args(args) {
                        Ok(a) if a.apply => {
                            let (l, c) = lines.line_col(base + start);
                            out.push(Found::Example(a.path, l, c));
                        }
                        Ok(_) => {}
                        Err(_) => out.push(Found::Invalid),
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, expect, start, buf, first)) = block.take() {
                    let (l, c) = match first {
                        Some(off) => lines.line_col(base + off),
                        None => (lines.line_col(base + start).0 + 1, 1),
                    };
                    blocks += 1;
                    for cmd in shell_commands(&lang, &buf, l, c) {
                        out.push(Found::Command(cmd, expect.clone(), blocks));
                    }
                }
            }
            _ => {}
        }
    }
    out
}
