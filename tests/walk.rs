//! The walk (`kourse check` following the course in reading order on a
//! model of the lab): each fixture course under tests/fixtures/walk/ holds a
//! failing case and a passing one beside it; the tests run the real binary
//! and assert the walk's rule ids at exact page positions.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/walk")
        .join(name)
}

/// `kourse check` of a fixture course as JSON: the walk's findings as
/// `rule file:line:col`, in output order, and the exit code.
fn walk(root: &Path, extra: &[&str]) -> (Vec<String>, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .arg("check")
        .arg("-C")
        .arg(root)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("kourse runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let found = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("one JSON object a line"))
        .filter(|d| d["rule"].as_str().is_some_and(|r| r.starts_with("walk-")))
        .map(|d| {
            format!(
                "{} {}:{}:{}",
                d["rule"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"],
                d["column"]
            )
        })
        .collect();
    (found, out.status.code().unwrap_or(-1))
}

fn findings(name: &str) -> Vec<String> {
    walk(&fixture(name), &[]).0
}

#[test]
fn identity_create_twice_delete_missing_and_namespace_deletion() {
    assert_eq!(
        findings("identity"),
        [
            // `create -f` of a file applied before: both objects exist.
            "walk-already-exists content/a.md:15:3",
            "walk-already-exists content/a.md:15:3",
            "walk-not-found content/a.md:21:1",
            // Deleting the namespace deleted the ConfigMap in it.
            "walk-not-found content/a.md:28:34",
        ]
    );
}

#[test]
fn immutable_fields_and_expect_marks() {
    assert_eq!(
        findings("immutable"),
        [
            // New selector on a live Deployment; the same file applied again
            // (line 7 changes only replicas and image) passes.
            "walk-immutable-field content/a.md:8:3",
            // Marked to fail, but the refused update left the old selector.
            "walk-expect content/a.md:10:3",
            // An immutable ConfigMap's data; the marked block above passes.
            "walk-immutable-field content/a.md:19:3",
        ]
    );
}
