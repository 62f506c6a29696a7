//! Kustomize and Helm folders: `kourse check` renders them with `kubectl
//! kustomize` and `helm template` and reports each finding at the source
//! file and line it came from (fixtures under tests/fixtures/).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A diagnostic as (rule, file, line, column).
type Diag = (String, String, u64, u64);

/// Where the checks run: the fixtures, outside the repository's course
/// (whose book.toml denies warnings).
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs `kourse check --format json ARGS` in tests/fixtures (with
/// `path` as PATH when given); returns the code and (rule, file, line, column, notes).
fn check(args: &[&str], path: Option<&Path>) -> (i32, Vec<Diag>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kourse"));
    cmd.args(["check", "--format", "json"])
        .args(args)
        .current_dir(fixtures());
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().expect("run kourse");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let diags = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["rule"].as_str().unwrap().to_string(),
                v["file"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
                v["column"].as_u64().unwrap(),
            )
        })
        .collect();
    (
        out.status.code().unwrap(),
        diags,
        stdout + &String::from_utf8(out.stderr).unwrap(),
    )
}

fn errors(diags: &[Diag]) -> Vec<Diag> {
    diags
        .iter()
        .filter(|d| {
            ![
                "no-probes",
                "no-resources",
                "run-as-root",
                "privilege-escalation",
            ]
            .contains(&d.0.as_str())
        })
        .cloned()
        .collect()
}

fn d(rule: &str, file: &str, line: u64, col: u64) -> Diag {
    (rule.into(), file.into(), line, col)
}

#[test]
fn kustomize_base_and_overlay_map_to_their_source_files() {
    if !support::tools::require(
        "kubectl",
        "kustomize_base_and_overlay_map_to_their_source_files",
    ) {
        return;
    }
    let (code, diags, all) = check(&["kustomize"], None);
    assert_eq!(code, 1, "{all}");
    // The base's mistake is reported once, although the base is rendered
    // alone and within the overlay; the overlay's own file has its own.
    assert_eq!(
        errors(&diags),
        vec![
            d("port-range", "kustomize/base/deployment.yaml", 21, 30),
            d("unknown-field", "kustomize/overlays/prod/pdb.yaml", 7, 3),
        ],
        "{all}"
    );
    assert!(all.contains("of the output of `kubectl kustomize"), "{all}");
}

#[test]
fn helm_chart_maps_to_its_templates_and_takes_values_files() {
    if !support::tools::require(
        "helm",
        "helm_chart_maps_to_its_templates_and_takes_values_files",
    ) {
        return;
    }
    let (code, diags, all) = check(&["helm/demo"], None);
    assert_eq!(code, 0, "{all}");
    assert_eq!(errors(&diags), vec![], "{all}");
    let (code, diags, all) = check(
        &["helm/demo", "--helm-values", "helm/demo/big-port.yaml"],
        None,
    );
    assert_eq!(code, 1, "{all}");
    assert_eq!(
        errors(&diags),
        vec![d(
            "port-range",
            "helm/demo/templates/deployment.yaml",
            20,
            30
        )],
        "{all}"
    );
}

#[test]
fn a_failing_render_is_an_error_with_the_programs_message() {
    if !support::tools::require(
        "kubectl",
        "a_failing_render_is_an_error_with_the_programs_message",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n  - missing.yaml\n",
    )
    .unwrap();
    let (code, diags, all) = check(&[dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1, "{all}");
    assert_eq!(diags.len(), 1, "{all}");
    assert_eq!(diags[0].0, "render-failed");
    assert!(diags[0].1.ends_with("kustomization.yaml"), "{all}");
    assert!(all.contains("missing.yaml"), "the program's stderr: {all}");
}

#[test]
fn without_the_programs_a_warning_says_what_was_not_checked() {
    let empty = tempfile::tempdir().unwrap();
    let (code, diags, all) = check(
        &["kustomize/overlays/prod", "helm/demo"],
        Some(empty.path()),
    );
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        diags,
        vec![
            d("tool-missing", "helm/demo/Chart.yaml", 0, 0),
            d(
                "tool-missing",
                "kustomize/overlays/prod/kustomization.yaml",
                0,
                0
            ),
        ],
        "{all}"
    );
    assert!(all.contains("`helm` is not on PATH"), "{all}");
    assert!(all.contains("`kubectl` is not on PATH"), "{all}");
    assert!(
        all.contains("the Kustomize folder kustomize/overlays/prod was not checked"),
        "{all}"
    );
}
