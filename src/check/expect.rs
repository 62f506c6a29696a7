//! Files that are wrong on purpose.
//!
//! A manifest file whose first comment lines say `# kourse:expect-error RULE`
//! teaches a mistake: it passes only if the checker reports RULE for it, and
//! then its diagnostics are dropped. This keeps the deliberately broken
//! examples of a course in `examples/` without failing `kourse check`, as
//! rustdoc's `compile_fail` does for code.

use std::path::{Path, PathBuf};

use super::{Checker, Source};
use crate::diagnostic::Diagnostic;

/// The rule a file declares it breaks, from a `# kourse:expect-error RULE`
/// comment among its leading comment lines.
pub fn expected_rule(text: &str) -> Option<(String, usize)> {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t == "---" {
            continue;
        }
        let Some(comment) = t.strip_prefix('#') else {
            break;
        };
        if let Some(rest) = comment.trim().strip_prefix("kourse:expect-error") {
            let rule = rest.split_whitespace().next()?.to_owned();
            return Some((rule, i + 1));
        }
    }
    None
}

/// Checks files as one set, except those that expect an error, which are
/// checked alone against their declared rule.
pub fn check_files(checker: &Checker, sources: &[Source]) -> Vec<Diagnostic> {
    let (expecting, normal): (Vec<&Source>, Vec<&Source>) = sources
        .iter()
        .partition(|s| expected_rule(&s.text).is_some());
    let normal: Vec<Source> = normal.into_iter().cloned().collect();
    let mut out = if normal.is_empty() {
        Vec::new()
    } else {
        checker.check(&normal)
    };
    for s in expecting {
        let (rule, line) = expected_rule(&s.text).expect("partitioned on it");
        out.extend(verify(checker, s, &rule, line));
    }
    out
}

/// Checks one source that should break `rule`; returns nothing when it
/// does, or one error explaining what was reported instead.
pub fn verify(
    checker: &Checker,
    source: &Source,
    rule: &str,
    marker_line: usize,
) -> Vec<Diagnostic> {
    let diags = checker.check(std::slice::from_ref(source));
    if diags.iter().any(|d| d.rule == rule) {
        return Vec::new();
    }
    let got: Vec<String> = diags
        .iter()
        .map(|d| format!("{} at line {}", d.rule, d.line))
        .collect();
    vec![
        Diagnostic::error(
            "expect-error",
            source.path.clone(),
            format!("this file is marked `kourse:expect-error {rule}` but the checker does not report `{rule}`"),
        )
        .at(&source.text, marker_line, 1)
        .with_note(if got.is_empty() { "the file has no diagnostics".to_owned() } else { format!("reported: {}", got.join(", ")) }),
    ]
}

/// The YAML files of one folder that `kourse check` checks together
/// (other tools' files such as Chart.yaml or compose.yaml left out).
pub fn folder_set(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file() && super::files::is_yaml(p) && !super::files::is_tool_config(p)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_marker_in_leading_comments_only() {
        assert_eq!(
            expected_rule(
                "# A broken file\n# kourse:expect-error removed-api why\napiVersion: v1\n"
            ),
            Some(("removed-api".into(), 2))
        );
        assert_eq!(
            expected_rule("apiVersion: v1\n# kourse:expect-error removed-api\n"),
            None
        );
    }
}
