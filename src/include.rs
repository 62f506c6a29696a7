//! mdBook's `{{#include path}}`: any text file of the course shown as
//! highlighted code, whole, by lines (`path:10:20`) or by anchor
//! (`path:name`, between `ANCHOR: name` and `ANCHOR_END: name` markers).

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::markdown::{BlockOutput, BlockPlace};

/// Which part of the file to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    All,
    /// 1-based, inclusive; `None` at either end means the file's start or end.
    Lines(Option<usize>, Option<usize>),
    Anchor(String),
}

/// Splits `path:10:20`, `path:10:`, `path::20`, `path:10` and `path:name`.
pub fn parse(args: &str) -> Result<(String, Part), String> {
    let args = args.trim();
    if args.is_empty() {
        return Err(
            "`{{#include}}` needs a file path, e.g. `{{#include ../../scripts/setup.sh}}`".into(),
        );
    }
    let mut parts = args.splitn(3, ':');
    let path = parts.next().unwrap_or_default().to_owned();
    let number = |s: &str| -> Result<Option<usize>, String> {
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .map(Some)
            .ok_or_else(|| format!("`{s}` is not a line number (lines count from 1)"))
    };
    let part = match (parts.next(), parts.next()) {
        (None, _) => Part::All,
        (Some(a), None) if !a.is_empty() && !a.bytes().all(|b| b.is_ascii_digit()) => {
            Part::Anchor(a.to_owned())
        }
        (Some(a), None) => {
            let n = number(a)?;
            Part::Lines(n, n)
        }
        (Some(a), Some(b)) => {
            let (a, b) = (number(a)?, number(b)?);
            if let (Some(a), Some(b)) = (a, b) {
                if b < a {
                    return Err(format!("lines {a} to {b}: the range ends before it starts"));
                }
            }
            Part::Lines(a, b)
        }
    };
    if path.is_empty() {
        return Err("`{{#include}}` needs a file path before the `:`".into());
    }
    Ok((path, part))
}

/// The shown text of `text`: the part asked for, without anchor markers.
pub fn excerpt(text: &str, part: &Part) -> Result<String, String> {
    let is_marker = |l: &str| l.contains("ANCHOR:") || l.contains("ANCHOR_END:");
    let keep = |lines: &mut dyn Iterator<Item = &str>| -> String {
        let mut out = String::new();
        for l in lines.filter(|l| !is_marker(l)) {
            out.push_str(l);
            out.push('\n');
        }
        out
    };
    match part {
        Part::All => Ok(keep(&mut text.lines())),
        Part::Lines(a, b) => {
            let count = text.lines().count();
            let from = a.unwrap_or(1);
            let to = b.unwrap_or(count);
            if from > count {
                return Err(format!(
                    "the file has {count} lines; line {from} is past its end"
                ));
            }
            Ok(keep(
                &mut text.lines().skip(from - 1).take(to.min(count) + 1 - from),
            ))
        }
        Part::Anchor(name) => {
            let start = format!("ANCHOR: {name}");
            let end = format!("ANCHOR_END: {name}");
            let named = |l: &str, m: &str| {
                l.split_once(m).is_some_and(|(_, rest)| {
                    !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-')
                })
            };
            let mut lines = text.lines().skip_while(|l| !named(l, &start));
            if lines.next().is_none() {
                return Err(format!("no `ANCHOR: {name}` marker in the file"));
            }
            let mut inner: Vec<&str> = Vec::new();
            let mut closed = false;
            for l in lines {
                if named(l, &end) {
                    closed = true;
                    break;
                }
                inner.push(l);
            }
            if !closed {
                return Err(format!(
                    "`ANCHOR: {name}` is never closed with `ANCHOR_END: {name}`"
                ));
            }
            Ok(keep(&mut inner.into_iter()))
        }
    }
}

/// The directive, rendered: the file is read relative to the page's folder
/// and must lie inside the course root (`root`, canonical), not be hidden,
/// and be UTF-8 text within the size limit.
pub fn render(root: &Path, place: BlockPlace<'_>, args: &str) -> BlockOutput {
    let page = place.page;
    let fail = |msg: String| BlockOutput {
        diagnostics: vec![
            Diagnostic::error("include", &page.file, msg).at(&page.text, place.line, place.col),
        ],
        ..Default::default()
    };
    let (path, part) = match parse(args) {
        Ok(x) => x,
        Err(m) => return fail(m),
    };
    let page_dir = page.file.parent().unwrap_or(Path::new(""));
    let Ok(found) = source_path(root, page, &path).canonicalize() else {
        return fail(format!(
            "no file `{path}` (looked for {})",
            page_dir.join(&path).display()
        ));
    };
    let Some(rel) = crate::paths::inside(root, &found) else {
        return fail(format!(
            "`{path}` resolves outside the course folder; includes must stay inside it"
        ));
    };
    if crate::paths::is_hidden(&rel) {
        return fail(format!(
            "`{path}` is a hidden file or lies in a hidden folder; those are never shown"
        ));
    }
    let text = match crate::source::read_text(&found, Path::new(&rel)) {
        Ok(t) => t,
        Err(d) => return fail(d.message),
    };
    let shown = match excerpt(&text, &part) {
        Ok(s) => s,
        Err(m) => return fail(format!("{path}: {m}")),
    };
    let lang = language_of(&rel);
    BlockOutput {
        html: crate::markdown::code_figure(place.highlighter, lang, &shown, Some(&rel), ""),
        search_code: shown,
        ..Default::default()
    }
}

/// Where the file named by `path` (as written in the directive) is looked
/// for: relative to the page's folder, below `root`. Not yet checked.
fn source_path(root: &Path, page: &crate::content::Page, path: &str) -> PathBuf {
    root.join(page.file.parent().unwrap_or(Path::new("")))
        .join(path)
}

/// The file a `{{#include}}` with these arguments reads (whether or not it
/// exists), or `None` when the arguments name no file. `serve` watches it.
pub fn dependency(root: &Path, page: &crate::content::Page, args: &str) -> Option<PathBuf> {
    let (path, _) = parse(args).ok()?;
    Some(source_path(root, page, &path))
}

/// The language an included file is highlighted as: its extension, or its
/// name for files that have none (`Dockerfile`, `Makefile`).
fn language_of(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rsplit_once('.') {
        Some((_, ext)) if !ext.is_empty() => ext,
        _ if name.eq_ignore_ascii_case("dockerfile") => "dockerfile",
        _ if name.eq_ignore_ascii_case("makefile") => "makefile",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mdbook_forms() {
        assert_eq!(parse("a.rs").unwrap(), ("a.rs".into(), Part::All));
        assert_eq!(parse("a.rs:2:4").unwrap().1, Part::Lines(Some(2), Some(4)));
        assert_eq!(parse("a.rs:2:").unwrap().1, Part::Lines(Some(2), None));
        assert_eq!(parse("a.rs::4").unwrap().1, Part::Lines(None, Some(4)));
        assert_eq!(parse("a.rs:3").unwrap().1, Part::Lines(Some(3), Some(3)));
        assert_eq!(parse("a.rs:main").unwrap().1, Part::Anchor("main".into()));
        assert!(parse("a.rs:0:2").is_err() && parse("a.rs:5:2").is_err() && parse("").is_err());
    }

    #[test]
    fn cuts_lines_and_anchors_without_markers() {
        let text = "one\n// ANCHOR: main\ntwo\n// ANCHOR: inner\nthree\n// ANCHOR_END: inner\n// ANCHOR_END: main\nfour\n";
        assert_eq!(
            excerpt(text, &Part::Anchor("main".into())).unwrap(),
            "two\nthree\n"
        );
        assert_eq!(
            excerpt(text, &Part::Anchor("inner".into())).unwrap(),
            "three\n"
        );
        assert_eq!(
            excerpt(text, &Part::Lines(Some(1), Some(3))).unwrap(),
            "one\ntwo\n"
        );
        assert_eq!(
            excerpt(text, &Part::Lines(Some(8), None)).unwrap(),
            "four\n"
        );
        assert!(excerpt(text, &Part::Anchor("mai".into())).is_err());
        assert!(excerpt(text, &Part::Lines(Some(20), None)).is_err());
        assert_eq!(
            excerpt(text, &Part::All).unwrap(),
            "one\ntwo\nthree\nfour\n"
        );
    }
}
