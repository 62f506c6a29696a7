//! The labelled corpus under tests/check/: valid manifests of every common
//! kind pass with no error; each invalid case lists the diagnostics it must
//! produce in `# expect: RULE LINE:COL` header lines, and produces no other error.

use std::path::{Path, PathBuf};

use kourse::check::{CheckOptions, Checker, Source};
use kourse::diagnostic::{Diagnostic, render_human};

fn checker() -> Checker {
    Checker::new(&CheckOptions::default()).expect("checker")
}

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/check")
        .join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    v.sort();
    v
}

fn check_file(c: &Checker, p: &Path) -> Vec<Diagnostic> {
    let text = std::fs::read_to_string(p).unwrap();
    c.check(&[Source::new(p.file_name().unwrap(), text)])
}

fn show(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| render_human(d, false))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn valid_manifests_have_no_errors() {
    let c = checker();
    let all = files("valid");
    assert!(all.len() >= 5);
    for p in all {
        let diags = check_file(&c, &p);
        let errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
        assert!(errors.is_empty(), "{}:\n{}", p.display(), show(&errors));
        let cross: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| {
                d.rule.starts_with("missing-")
                    || d.rule.contains("no-match")
                    || d.rule == "target-port-missing"
            })
            .cloned()
            .collect();
        assert!(cross.is_empty(), "{}:\n{}", p.display(), show(&cross));
    }
}

#[test]
fn invalid_manifests_report_the_labelled_rule_at_the_labelled_place() {
    let c = checker();
    let all = files("invalid");
    let mut failures = Vec::new();
    for p in &all {
        let text = std::fs::read_to_string(p).unwrap();
        let expected: Vec<(String, usize, usize)> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(|e| {
                let (rule, at) = e.trim().split_once(' ').expect("`# expect: RULE LINE:COL`");
                let (l, c) = at.split_once(':').unwrap();
                (rule.to_string(), l.parse().unwrap(), c.parse().unwrap())
            })
            .collect();
        assert!(
            !expected.is_empty(),
            "{} has no `# expect:` line",
            p.display()
        );
        let diags = check_file(&c, p);
        for (rule, line, col) in &expected {
            if !diags
                .iter()
                .any(|d| &d.rule == rule && d.line == *line && d.col == *col)
            {
                failures.push(format!(
                    "{}: expected {rule} at {line}:{col}; got:\n{}",
                    p.display(),
                    show(&diags)
                ));
            }
        }
        for d in diags.iter().filter(|d| d.is_error()) {
            if !expected
                .iter()
                .any(|(r, l, c)| r == &d.rule && *l == d.line && *c == d.col)
            {
                failures.push(format!(
                    "{}: unexpected error:\n{}",
                    p.display(),
                    render_human(d, false)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n----\n"));
}
