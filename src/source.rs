//! Reading the course's text files and pointing at places in TOML text:
//! the ground floor that config, content and the later stages share.

use std::path::Path;

use crate::diagnostic::Diagnostic;

/// Reads a regular file as UTF-8, refusing anything larger than
/// [`MAX_FILE_BYTES`] and anything that is not a regular file.
pub fn read_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error("io", shown, format!("cannot read: {e}")))?;
    // Opening a FIFO blocks until a writer comes; a socket cannot be read.
    if !meta.is_file() {
        return Err(Diagnostic::error(
            "not-a-file",
            shown,
            "not a regular file (a folder, FIFO, socket or device); kourse reads only regular files",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "too-large",
            shown,
            format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error("io", shown, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
        let (line, col) = crate::diagnostic::line_col(&prefix, valid);
        let mut text = prefix;
        text.push_str(&String::from_utf8_lossy(
            &bytes[valid..(valid + 80).min(bytes.len())],
        ));
        Diagnostic::error("encoding", shown, "file is not valid UTF-8").at(&text, line, col)
    })
}

/// Files larger than this are refused rather than read (16 MiB). Rendering
/// costs about ten times a page's size in memory (HTML, the print page, the
/// search index), and pages render in parallel; a real chapter is well under
/// 1 MiB, so anything this large is a mistake (a pasted log, a generated file).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Where a TOML error lies. An error without a span (the parser's
/// recursion limit, hit by a key nested a hundred deep) is put at the most
/// deeply nested line, which is where it was hit, not at the first line.
pub fn toml_error_offset(err: &toml::de::Error, text: &str) -> usize {
    if let Some(span) = err.span() {
        return span.start;
    }
    let mut best = (0, 0);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let key = line.split('=').next().unwrap_or(line);
        let depth = key.matches(['.', '[']).count() + line.matches('{').count();
        if depth > best.0 {
            best = (depth, offset + (line.len() - line.trim_start().len()));
        }
        offset += line.len();
    }
    best.1
}

/// Where `key = …` starts in a TOML text (0 when it is not found, as for a
/// default value).
pub fn key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return offset + (line.len() - trimmed.len());
            }
        }
        offset += line.len();
    }
    0
}

/// Turns a TOML error into a diagnostic at its span, adding "did you mean"
/// for unknown keys.
pub fn toml_error(err: &toml::de::Error, text: &str, file: &Path) -> Diagnostic {
    let message = err.message().trim().to_owned();
    let offset = toml_error_offset(err, text);
    let len = err.span().map_or(1, |s| {
        text.get(s.clone()).map_or(1, |t| t.chars().count().max(1))
    });
    let mut diag = Diagnostic::error("config", file, message.clone())
        .at_offset(text, offset)
        .with_len(len);
    if let Some((unknown, expected)) = parse_unknown_field(&message) {
        diag.message = format!("unknown key `{unknown}`");
        if let Some(best) = closest(&unknown, expected.iter().map(String::as_str)) {
            diag = diag.with_note(format!("did you mean `{best}`?"));
        }
        if !expected.is_empty() {
            diag = diag.with_note(format!("valid keys here: {}", expected.join(", ")));
        }
    }
    diag
}

/// serde's message for `deny_unknown_fields` is
/// "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect::<Vec<_>>();
    Some((name.to_owned(), expected))
}

/// The candidate closest to `word` by edit distance, if it is close enough to
/// be a plausible typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
