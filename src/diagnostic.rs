//! One diagnostic type for every stage (build, check, serve).
//!
//! The terminal renderer, the JSON and GitHub outputs and the browser overlay
//! are all views of [`Diagnostic`]; no stage formats its own messages.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A message about one place in one file.
///
/// `line` and `col` are 1-based; 0 means "the whole file" (for example an
/// unreadable file). `col` counts characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable rule id, e.g. `front-matter`, `broken-link`, `schema-unknown-field`.
    pub rule: String,
    pub message: String,
    /// A name that is not UTF-8 is written lossily (U+FFFD), never dropped.
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    pub line: usize,
    #[serde(rename = "column")]
    pub col: usize,
    /// How many characters the caret underlines (at least 1 when shown).
    #[serde(skip_serializing_if = "is_zero")]
    pub len: usize,
    /// The text of `line`, without its line terminator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_line: Option<String>,
    /// Extra lines: "did you mean", "replaced by", the other location of a mismatch.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The Kubernetes version a schema diagnostic was found against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k8s_version: Option<String>,
}

fn lossy_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        rule: impl Into<String>,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            rule: rule.into(),
            message: message.into(),
            file: file.into(),
            line: 0,
            col: 0,
            len: 0,
            source_line: None,
            notes: Vec::new(),
            k8s_version: None,
        }
    }

    pub fn error(
        rule: impl Into<String>,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, rule, file, message)
    }

    pub fn warning(
        rule: impl Into<String>,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, rule, file, message)
    }

    /// Places the diagnostic at a 1-based line and column and records that
    /// line's text from `source` so the renderer can show it.
    pub fn at(mut self, source: &str, line: usize, col: usize) -> Self {
        self.line = line;
        self.col = col;
        self.source_line = source_line(source, line).map(str::to_owned);
        self
    }

    /// Places the diagnostic at a byte offset of `source`.
    pub fn at_offset(self, source: &str, offset: usize) -> Self {
        let (line, col) = line_col(source, offset);
        self.at(source, line, col)
    }

    pub fn with_len(mut self, len: usize) -> Self {
        self.len = len;
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:col: error[rule]: message`, the first line of every rendering.
    pub fn headline(&self) -> String {
        let mut s = self.file.display().to_string();
        if self.line > 0 {
            let _ = write!(s, ":{}", self.line);
            if self.col > 0 {
                let _ = write!(s, ":{}", self.col);
            }
        }
        let _ = write!(
            s,
            ": {}[{}]: {}",
            self.severity.as_str(),
            self.rule,
            self.message
        );
        s
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Line starts of a text, for many [`line_col`] look-ups in one text (each
/// is then a binary search, not a scan from the start).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(newline_offsets(text).map(|i| i + 1));
        LineIndex { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset, as
    /// [`line_col`] gives them.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

/// Byte offsets of the newlines of `text` (found a word at a time: every
/// page of a build is indexed).
fn newline_offsets(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes())
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The text of a 1-based line, without `\r\n` or `\n`.
pub fn source_line(source: &str, line: usize) -> Option<&str> {
    if line == 0 {
        return None;
    }
    source
        .split('\n')
        .nth(line - 1)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// rustc-like, with the source line and a caret.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// One SARIF 2.1.0 log for the whole run (code scanning).
    Sarif,
    /// One JUnit XML report: a test per checked file and per finding.
    Junit,
    /// A TAP version 13 stream: a test per checked file and per finding.
    Tap,
}

/// Renders one diagnostic for a terminal. `color` adds ANSI styles.
pub fn render_human(d: &Diagnostic, color: bool) -> String {
    // Text from manifests and file names never reaches the terminal raw: a
    // newline could start a line of its own choosing (a CI command), an
    // escape sequence could retitle or clear the terminal.
    let d = &Diagnostic {
        file: PathBuf::from(escape_controls(&d.file.to_string_lossy(), false).as_ref()),
        message: escape_controls(&d.message, false).into_owned(),
        notes: d
            .notes
            .iter()
            .map(|n| escape_controls(n, false).into_owned())
            .collect(),
        ..d.clone()
    };
    let mut out = d.headline();
    out.push('\n');
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    // The source line with its controls escaped, and the caret's span moved
    // along with the characters escaping widens.
    let source = d.source_line.as_ref().filter(|_| d.line > 0).map(|raw| {
        let first = d.col.saturating_sub(1);
        let last = first + d.len.max(1);
        let (mut start, mut end) = (None, None);
        let mut text = String::with_capacity(raw.len());
        for (i, c) in raw.chars().enumerate() {
            if i == first {
                start = Some(text.len());
            }
            if i == last {
                end = Some(text.len());
            }
            push_escaped_char(&mut text, c, true);
        }
        let start = start.unwrap_or(text.len());
        let end = end.unwrap_or(text.len()).max(start);
        let end = if end == start {
            text[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8())
        } else {
            end
        };
        (text, start, end)
    });
    let mut group = Group::with_level(level.clone());
    if let Some((text, start, end)) = &source {
        let snippet = Snippet::source(text.as_str())
            .line_start(d.line)
            .fold(false)
            .annotation(AnnotationKind::Primary.span(*start..*end));
        group = group.element(snippet);
    }
    for note in &d.notes {
        group = group.element(Level::HELP.message(note.as_str()));
    }
    if !group.is_empty() {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let body = renderer.render(&[group]);
        if !body.trim().is_empty() {
            out.push_str(&body);
            out.push('\n');
        }
    }
    out
}

/// `s` with control characters (C0, DEL, C1; tab too unless `keep_tab`)
/// written as escapes: `\n`, `\r`, `\t`, `\x1b`, `\u{85}`.
pub fn escape_controls(s: &str, keep_tab: bool) -> std::borrow::Cow<'_, str> {
    if !s
        .chars()
        .any(|c| c.is_control() && !(keep_tab && c == '\t'))
    {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped_char(&mut out, c, keep_tab);
    }
    std::borrow::Cow::Owned(out)
}

fn push_escaped_char(out: &mut String, c: char, keep_tab: bool) {
    match c {
        '\t' if keep_tab => out.push(c),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 && c.is_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if c.is_control() => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// One JSON object, as written by `--format json`.
pub fn render_json(d: &Diagnostic) -> String {
    serde_json::to_string(d).unwrap_or_default()
}

/// A GitHub Actions workflow command, as written by `--format github`.
pub fn render_github(d: &Diagnostic) -> String {
    let cmd = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = format!("file={}", escape_property(&d.file.display().to_string()));
    if d.line > 0 {
        let _ = write!(props, ",line={}", d.line);
    }
    if d.col > 0 {
        let _ = write!(props, ",col={}", d.col);
    }
    let _ = write!(props, ",title={}", escape_property(&d.rule));
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push('\n');
        message.push_str(note);
    }
    format!("::{cmd} {props}::{}", escape_data(&message))
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Counts of a run, for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
}

impl Counts {
    pub fn of(diags: &[Diagnostic]) -> Self {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        Counts {
            errors,
            warnings: diags.len() - errors,
        }
    }
}

/// Whether terminal output should be coloured: honours `NO_COLOR`.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Sorts diagnostics by file, line and column so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    use rayon::slice::ParallelSliceMut;
    // Stable, like `sort_by`; a course can have thousands of warnings.
    diags.par_sort_by(|a, b| {
        (a.file.as_path(), a.line, a.col, &a.rule).cmp(&(b.file.as_path(), b.line, b.col, &b.rule))
    });
}

/// Prints diagnostics for a person, on stderr. The machine formats are
/// written by [`crate::diagnostic_formats::emit`].
pub fn emit_human(diags: &[Diagnostic]) {
    use std::io::Write;
    let color = color_enabled();
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}", render_human(d, color));
    }
}

/// A path shown relative to `base` when it lies below it.
pub fn display_path(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_lines() {
        let src = "a: 1\nbé: x\n";
        let index = LineIndex::new(src);
        for offset in 0..=src.len() + 2 {
            assert_eq!(index.line_col(offset), line_col(src, offset), "{offset}");
        }
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 5), (2, 1));
        let x = src.find('x').unwrap();
        assert_eq!(line_col(src, x), (2, 5));
    }

    #[test]
    fn headline_has_path_line_col_rule() {
        let d = Diagnostic::error("broken-link", "content/a.md", "no page `b.md`").at(
            "x\n[y](b.md)\n",
            2,
            4,
        );
        assert_eq!(
            d.headline(),
            "content/a.md:2:4: error[broken-link]: no page `b.md`"
        );
        let text = render_human(&d, false);
        assert!(text.contains("[y](b.md)"), "{text}");
    }

    #[test]
    fn source_line_strips_crlf() {
        assert_eq!(source_line("a\r\nb\r\n", 2), Some("b"));
    }

    #[test]
    fn json_names_every_field() {
        let mut d = Diagnostic::error("removed-api", "a.yaml", "gone").at("x: 1\n", 1, 4);
        d.k8s_version = Some("1.33".into());
        let v: serde_json::Value = serde_json::from_str(&render_json(&d)).unwrap();
        assert_eq!(v["file"], "a.yaml");
        assert_eq!(v["line"], 1);
        assert_eq!(v["column"], 4);
        assert_eq!(v["severity"], "error");
        assert_eq!(v["rule"], "removed-api");
        assert_eq!(v["message"], "gone");
        assert_eq!(v["k8s_version"], "1.33");
    }

    #[test]
    fn github_escapes_newlines_and_commas() {
        let d = Diagnostic::warning("r", "a,b.yaml", "x\ny").at("q\n", 1, 1);
        assert_eq!(
            render_github(&d),
            "::warning file=a%2Cb.yaml,line=1,col=1,title=r::x%0Ay"
        );
    }
}
