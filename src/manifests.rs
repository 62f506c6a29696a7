//! Manifests in pages: checked during the build and presented to the reader.
//!
//! Every ```yaml block and every included example is checked with the same
//! checker as `kourse check`, over the same sets (a page's blocks together;
//! an example file with the other files of its folder), so the build and
//! the checker never disagree. The figure shows what a reader needs: the
//! file name and kinds, a download link, the versions it was checked
//! against, per-line warnings, field documentation on every key, and for a
//! deliberately broken example the diagnostic it is meant to trigger.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::check::markdown::{self, YamlBlock};
use crate::check::yaml::{Stream, strip_bom};
use crate::check::{Checker, FieldDoc, Source};
use crate::diagnostic::{Diagnostic, Severity};

mod figure;

pub use figure::*;

/// Diagnostics computed once per set and handed out per block.
pub struct ManifestChecks {
    checker: Checker,
    root: PathBuf,
    pages: Mutex<HashMap<PathBuf, Arc<PageCheck>>>,
    folders: Mutex<HashMap<PathBuf, Arc<Vec<Diagnostic>>>>,
}

/// The check of a page's yaml blocks, and their parsed streams, which the
/// figures take (by the block's first line) instead of parsing again.
struct PageCheck {
    diagnostics: Vec<Diagnostic>,
    streams: Mutex<HashMap<usize, Stream>>,
}

impl PageCheck {
    fn new(checker: &Checker, file: &Path, text: &str, blocks: &[YamlBlock]) -> PageCheck {
        let streams = markdown::parse_blocks(blocks);
        let diagnostics = markdown::check_blocks(checker, file, text, blocks, &streams);
        let streams = blocks
            .iter()
            .zip(streams)
            .filter_map(|(b, s)| Some((b.line, s?)))
            .collect();
        PageCheck {
            diagnostics,
            streams: Mutex::new(streams),
        }
    }
}

/// What the reader sees about a manifest's check.
#[derive(Debug, Default, Clone)]
pub struct Verdict {
    /// Diagnostics that belong to the build (errors fail it).
    pub diagnostics: Vec<Diagnostic>,
    /// Warnings to show beside the code, by 1-based line of the full source.
    pub line_notes: Vec<(usize, String)>,
    /// For an expect-error block: the diagnostics it triggers.
    pub expected: Vec<Diagnostic>,
}

impl ManifestChecks {
    pub fn new(checker: Checker, root: &Path) -> Self {
        ManifestChecks {
            checker,
            root: root.to_path_buf(),
            pages: Mutex::default(),
            folders: Mutex::default(),
        }
    }

    /// Whether book.toml's `[kubernetes] exclude` names this file (relative
    /// to the course root): such a file (a Helm template, say) is shown as
    /// code, never checked or badged as a manifest.
    pub fn excluded(&self, rel: &str) -> bool {
        self.checker
            .exclude
            .iter()
            .any(|g| crate::check::cli::glob_match(g, rel))
    }

    /// "1.29–1.37", for the badge.
    pub fn version_range(&self) -> String {
        let v = self.checker.versions();
        match (v.first(), v.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.clone(),
            _ => String::new(),
        }
    }

    pub fn field_docs(&self, text: &str) -> Vec<FieldDoc<'_>> {
        self.checker.field_docs(text)
    }

    /// [`ManifestChecks::field_docs`] of a text already parsed.
    pub fn field_docs_in(&self, stream: &crate::check::yaml::Stream) -> Vec<FieldDoc<'_>> {
        self.checker.field_docs_in(stream)
    }

    /// Checks the manifests of a page whose Markdown the renderer has just
    /// parsed (`events` of `text[base..]`), before its blocks are rendered.
    pub fn begin_page(
        &self,
        file: &Path,
        text: &str,
        base: usize,
        events: &[(pulldown_cmark::Event<'_>, std::ops::Range<usize>)],
    ) {
        let blocks = markdown::yaml_blocks_of(text, base, events);
        if blocks.is_empty() {
            return;
        }
        let check = PageCheck::new(&self.checker, file, text, &blocks);
        self.pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(file.to_path_buf(), Arc::new(check));
    }

    /// The check of all manifests of a page, computed once per page (here,
    /// if [`ManifestChecks::begin_page`] was not called).
    fn page(&self, file: &Path, text: &str) -> Arc<PageCheck> {
        once(&self.pages, file, || {
            PageCheck::new(&self.checker, file, text, &markdown::yaml_blocks(text))
        })
    }

    /// Diagnostics of a folder of example files checked together.
    fn folder(&self, dir: &Path) -> Arc<Vec<Diagnostic>> {
        once(&self.folders, dir, || {
            let sources: Vec<Source> = crate::check::expect::folder_set(dir)
                .into_iter()
                .filter_map(|p| {
                    let text = std::fs::read_to_string(&p).ok()?;
                    Some(Source::new(
                        crate::diagnostic::display_path(&p, &self.root),
                        text,
                    ))
                })
                .collect();
            crate::check::expect::check_files(&self.checker, &sources)
        })
    }

    /// The verdict for a ```yaml block of a page: the page's diagnostics
    /// that fall on the block's lines (or on its fence line).
    pub fn inline_block(
        &self,
        page_file: &Path,
        page_text: &str,
        first_line: usize,
        col: usize,
        text: &str,
        expect: Option<&str>,
    ) -> (Verdict, Stream) {
        let last_line = first_line + text.lines().count();
        let page = self.page(page_file, page_text);
        let mine = page
            .diagnostics
            .iter()
            .filter(|d| d.line + 1 >= first_line && d.line <= last_line);
        let mut v = Verdict::default();
        for d in mine {
            if d.severity == Severity::Warning && d.line >= first_line {
                // Block coordinates: line 1 is the block's first line.
                v.line_notes.push((
                    d.line + 1 - first_line,
                    format!("{}[{}]: {}", d.severity.as_str(), d.rule, d.message),
                ));
            }
            v.diagnostics.push(d.clone());
        }
        if let Some(rule) = expect {
            let source = Source {
                path: page_file.to_path_buf(),
                text: text.to_owned(),
                line_offset: first_line - 1,
                col_offset: col - 1,
            };
            v.expected = self
                .checker
                .check(std::slice::from_ref(&source))
                .into_iter()
                .filter(|d| d.rule == rule)
                .collect();
        }
        let stream = page
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&first_line);
        let stream = stream.unwrap_or_else(|| crate::check::yaml::parse(strip_bom(text)));
        (v, stream)
    }

    /// The verdict for an included example file: its diagnostics within its
    /// folder's set. Errors are reported at the file's own lines, with a note
    /// naming the page that includes it.
    pub fn example_file(
        &self,
        path: &Path,
        shown: &str,
        text: &str,
        included_from: &str,
        expect: Option<&str>,
    ) -> Verdict {
        let dir = path.parent().unwrap_or(Path::new("."));
        let folder = self.folder(dir);
        let mut v = Verdict::default();
        for d in folder.iter().filter(|d| d.file == Path::new(shown)) {
            if d.severity == Severity::Warning && d.line > 0 {
                v.line_notes.push((
                    d.line,
                    format!("{}[{}]: {}", d.severity.as_str(), d.rule, d.message),
                ));
            }
            v.diagnostics
                .push(d.clone().with_note(format!("included by {included_from}")));
        }
        let declared = crate::check::expect::expected_rule(text).map(|(r, _)| r);
        if let Some(rule) = expect.or(declared.as_deref()) {
            let source = Source::new(shown, text);
            v.expected = self
                .checker
                .check(std::slice::from_ref(&source))
                .into_iter()
                .filter(|d| d.rule == rule)
                .collect();
            if expect.is_some() && declared.as_deref() != expect {
                v.diagnostics.push(
                    Diagnostic::error(
                        "expect-error",
                        shown,
                        format!("included with expect-error={rule}; mark the file itself with a first-line comment `# kourse:expect-error {rule}` so `kourse check` agrees"),
                    )
                    .at(text, 1, 1)
                    .with_note(format!("included by {included_from}")),
                );
            }
            if v.expected.is_empty() {
                v.diagnostics.push(
                    Diagnostic::error(
                        "expect-error",
                        shown,
                        format!("expected the checker to report `{rule}`, and it does not"),
                    )
                    .at(text, 1, 1)
                    .with_note(format!("included by {included_from}")),
                );
            }
        }
        v
    }
}

/// The cached value for `key`, computing it on first use. Two threads may
/// compute the same key at once; both get a correct result.
fn once<T>(
    map: &Mutex<HashMap<PathBuf, Arc<T>>>,
    key: &Path,
    compute: impl FnOnce() -> T,
) -> Arc<T> {
    if let Some(hit) = map.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
        return hit.clone();
    }
    let value = Arc::new(compute());
    map.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.to_path_buf(), value.clone());
    value
}

#[cfg(test)]
mod tests {

    use super::*;

    /// The build checks a page from the renderer's parse of its body; the
    /// result must be what `kourse check` finds parsing the whole file.
    #[test]
    fn a_page_checked_from_the_renderers_events_matches_kourse_check() {
        let text = "+++\ntitle = \"T\"\n+++\n\n# T\n\n> ```yaml\n> apiVersion: v1\n> kind: Pod\n> metadata: {name: a}\n> spec:\n>   containers: [{name: c, image: nginx, ports: [{containerPort: 99999}]}]\n> ```\n\n- item\n\n  ```yaml expect-error=port-range\n  apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    containers: [{name: c, image: nginx:1.27}]\n  ```\n";
        let body = text.find("\n# T").unwrap() + 1;
        let checker = Checker::new(&crate::check::CheckOptions::default()).unwrap();
        let file = Path::new("content/p.md");
        let expected = markdown::check_page(&checker, file, text);
        assert!(
            expected
                .iter()
                .any(|d| d.rule == "port-range" && d.line == 12)
        );
        assert!(
            expected
                .iter()
                .any(|d| d.rule == "expect-error" && d.line == 17)
        );
        let checks = ManifestChecks::new(checker, Path::new("."));
        let events: Vec<_> =
            pulldown_cmark::Parser::new_ext(&text[body..], crate::markdown::parser_options())
                .into_offset_iter()
                .collect();
        checks.begin_page(file, text, body, &events);
        let page = checks.page(file, "not parsed again");
        assert_eq!(page.diagnostics, expected);
        // The figures get the streams the check parsed.
        let (verdict, stream) = checks.inline_block(file, text, 8, 3, "#\n#\n#\n#\n#\n", None);
        assert!(verdict.diagnostics.iter().any(|d| d.rule == "port-range"));
        assert_eq!(
            stream.docs.len(),
            1,
            "the block's own stream, not a parse of the text given"
        );
    }
}
