//! The machine renderings of a run's diagnostics: JSON lines, GitHub
//! workflow commands, SARIF, and the JUnit XML and TAP test reports.
//!
//! JUnit and TAP list every checked file: a file with no diagnostic is one passing
//! test; each diagnostic is one test, failing when it is an error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::diagnostic::{self, Diagnostic, Format};

/// A rule's one-line description, by rule id (for SARIF's rule list).
pub type Describe = fn(&str) -> Option<&'static str>;

/// Prints the diagnostics of a run that checked `files`: the human format on
/// stderr, the machine formats on stdout. The formats that do not list files
/// ignore them.
pub fn emit(diags: &[Diagnostic], format: Format, files: &[PathBuf], describe: Describe) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Human => diagnostic::emit_human(diags),
        Format::Json => {
            for d in diags {
                let _ = writeln!(out, "{}", diagnostic::render_json(d));
            }
        }
        Format::Github => {
            for d in diags {
                let _ = writeln!(out, "{}", diagnostic::render_github(d));
            }
        }
        // One document for the whole run, even when it is empty.
        Format::Sarif => {
            let _ = writeln!(out, "{}", render_sarif(diags, describe));
        }
        Format::Junit => {
            let _ = write!(out, "{}", render_junit(diags, files));
        }
        Format::Tap => {
            let _ = write!(out, "{}", render_tap(diags, files));
        }
    }
}

/// Characters escaped in a SARIF artifact URI: controls, space and the
/// characters that would end or change a relative URI reference.
const URI_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A file path as a SARIF artifact URI: relative paths (the usual case,
/// relative to the course root) with `/` separators and the `%SRCROOT%` base;
/// absolute paths as `file://` URIs.
fn sarif_location(path: &Path) -> serde_json::Value {
    let slashed = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/");
    let encoded = percent_encoding::utf8_percent_encode(&slashed, URI_ESCAPES).to_string();
    if path.is_absolute() {
        serde_json::json!({ "uri": format!("file:///{encoded}") })
    } else {
        serde_json::json!({ "uri": encoded, "uriBaseId": "%SRCROOT%" })
    }
}

/// The whole run as one SARIF 2.1.0 log, as written by `--format sarif`:
/// one run, the rules that fired (with their descriptions where the checker
/// has one) and one result per diagnostic. Columns count Unicode code
/// points, like [`Diagnostic::col`]. `describe` gives a rule's one-line
/// description.
pub fn render_sarif(diags: &[Diagnostic], describe: Describe) -> String {
    use serde_json::json;
    let mut rule_ids: Vec<&str> = diags.iter().map(|d| d.rule.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<serde_json::Value> = rule_ids
        .iter()
        .map(|id| {
            let mut r = json!({ "id": id });
            if let Some(text) = describe(id) {
                r["shortDescription"] = json!({ "text": text });
            }
            r
        })
        .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            for note in &d.notes {
                text.push('\n');
                text.push_str(note);
            }
            let mut physical = json!({ "artifactLocation": sarif_location(&d.file) });
            if d.line > 0 {
                let mut region = json!({ "startLine": d.line });
                if d.col > 0 {
                    region["startColumn"] = json!(d.col);
                    if d.len > 0 {
                        region["endColumn"] = json!(d.col + d.len);
                    }
                }
                if let Some(src) = &d.source_line {
                    region["snippet"] = json!({ "text": src });
                }
                physical["region"] = region;
            }
            let mut result = json!({
                "ruleId": d.rule,
                "ruleIndex": rule_ids.binary_search(&d.rule.as_str()).unwrap_or(0),
                "level": d.severity.as_str(),
                "message": { "text": text },
                "locations": [{ "physicalLocation": physical }],
            });
            if let Some(v) = &d.k8s_version {
                result["properties"] = json!({ "kubernetesVersion": v });
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "kourse",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

/// The checked files in order, with those only the diagnostics name added.
fn all_files<'a>(diags: &'a [Diagnostic], files: &'a [PathBuf]) -> Vec<&'a Path> {
    let mut all: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    for d in diags {
        if !all.contains(&d.file.as_path()) {
            all.push(&d.file);
        }
    }
    all
}

/// The text of a diagnostic after its location: `error[rule]: message`, notes on lines below.
fn body(d: &Diagnostic) -> String {
    let mut s = format!("{}[{}]: {}", d.severity.as_str(), d.rule, d.message);
    for n in &d.notes {
        let _ = write!(s, "\n  {n}");
    }
    s
}

fn location(d: &Diagnostic) -> String {
    let mut s = d.file.display().to_string();
    if d.line > 0 {
        let _ = write!(s, ":{}", d.line);
        if d.col > 0 {
            let _ = write!(s, ":{}", d.col);
        }
    }
    s
}

/// XML text with the five special characters escaped, and characters XML 1.0
/// cannot hold (controls other than tab and newlines) replaced.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One JUnit XML report: a `<testsuite>` per file, a `<testcase>` per
/// diagnostic (errors hold a `<failure>`), one passing `<testcase>` for a
/// file without diagnostics.
pub fn render_junit(diags: &[Diagnostic], files: &[PathBuf]) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures) = (0, 0);
    for file in all_files(diags, files) {
        let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.file == file).collect();
        let name = xml(&file.display().to_string());
        let fails = mine.iter().filter(|d| d.is_error()).count();
        let count = mine.len().max(1);
        tests += count;
        failures += fails;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{name}\" tests=\"{count}\" failures=\"{fails}\" errors=\"0\" skipped=\"0\">"
        );
        if mine.is_empty() {
            let _ = writeln!(
                suites,
                "    <testcase classname=\"{name}\" name=\"{name}\"/>"
            );
        }
        for d in mine {
            let case = xml(&format!("{} {}", location(d), d.rule));
            let text = xml(&body(d));
            if d.is_error() {
                let _ = writeln!(
                    suites,
                    "    <testcase classname=\"{name}\" name=\"{case}\">\n      <failure message=\"{}\" type=\"{}\">{text}</failure>\n    </testcase>",
                    xml(&d.message),
                    xml(&d.rule)
                );
            } else {
                let _ = writeln!(
                    suites,
                    "    <testcase classname=\"{name}\" name=\"{case}\">\n      <system-out>{text}</system-out>\n    </testcase>"
                );
            }
        }
        suites.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kourse check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n{suites}</testsuites>\n"
    )
}

/// A TAP version 13 stream: `ok` for a file without diagnostics and for a
/// warning, `not ok` for an error, each with a YAML block of its details.
pub fn render_tap(diags: &[Diagnostic], files: &[PathBuf]) -> String {
    let mut lines = Vec::new();
    for file in all_files(diags, files) {
        let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.file == file).collect();
        if mine.is_empty() {
            lines.push(format!(
                "ok {{}} - {}",
                one_line(&file.display().to_string())
            ));
        }
        for d in mine {
            let status = if d.is_error() { "not ok" } else { "ok" };
            let mut s = format!(
                "{status} {{}} - {} {}[{}]: {}",
                one_line(&location(d)),
                d.severity.as_str(),
                d.rule,
                one_line(&d.message)
            );
            s.push_str("\n  ---\n");
            let _ = writeln!(s, "  severity: {}", d.severity.as_str());
            let _ = writeln!(s, "  rule: {}", d.rule);
            let _ = writeln!(s, "  file: {}", json_str(&d.file.display().to_string()));
            if d.line > 0 {
                let _ = writeln!(s, "  line: {}", d.line);
                let _ = writeln!(s, "  column: {}", d.col);
            }
            let _ = writeln!(s, "  message: {}", json_str(&d.message));
            for n in &d.notes {
                let _ = writeln!(s, "  note: {}", json_str(n));
            }
            s.push_str("  ...");
            lines.push(s);
        }
    }
    let mut out = format!("TAP version 13\n1..{}\n", lines.len());
    for (i, l) in lines.iter().enumerate() {
        out.push_str(&l.replacen("{}", &(i + 1).to_string(), 1));
        out.push('\n');
    }
    out
}

/// A TAP description on one line: `#` would start a directive.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('#', "\\#")
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
