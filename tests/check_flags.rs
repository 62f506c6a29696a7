//! `kourse check` outside a course, as kubeconform is used: standard input,
//! `--kubernetes-version`, `--schema-location`, `--ignore-missing-schemas`,
//! `--skip`, `--reject`, `--rule`, `--summary` and the JUnit and TAP formats.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `kourse check ARGS` in `dir`, writing `stdin` to its standard input
/// when given (else standard input is /dev/null); returns (code, stdout, stderr).
fn kourse(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kourse"));
    cmd.arg("check").args(args).current_dir(dir);
    cmd.env("NO_COLOR", "1");
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("run kourse");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        // A usage error exits before reading: a closed pipe is no failure here.
        if let Err(e) = pipe.write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// (rule, file, line, column) of each `--format json` diagnostic.
fn diags(stdout: &str) -> Vec<(String, String, u64, u64)> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (
                v["rule"].as_str().unwrap().to_string(),
                v["file"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
                v["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

const BAD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n";
const GOOD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n";

#[test]
fn dash_reads_standard_input_named_stdin() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = kourse(d.path(), &["--format", "json", "-"], Some(BAD));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        diags(&out),
        vec![("invalid-name".into(), "<stdin>".into(), 4, 9)]
    );
    // With a file as well: both are checked.
    fs::write(d.path().join("good.yaml"), GOOD).unwrap();
    let (code, _, err) = kourse(d.path(), &["good.yaml", "-"], Some(GOOD));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("checked 2 files"), "{err}");
    // `-` twice is a usage error.
    let (code, _, err) = kourse(d.path(), &["-", "-"], Some(GOOD));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn no_path_with_a_pipe_reads_standard_input_outside_a_course() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = kourse(d.path(), &["--format", "json"], Some(BAD));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        diags(&out),
        vec![("invalid-name".into(), "<stdin>".into(), 4, 9)]
    );
}

#[test]
fn no_path_and_nothing_on_stdin_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = kourse(d.path(), &[], None);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("nothing to check"), "{err}");
    assert!(err.contains("`-`"), "{err}");
    assert!(!err.contains("checked 0"), "{err}");
}

#[test]
fn kubernetes_version_overrides_book_toml_and_refuses_unknown_versions() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("good.yaml"), GOOD).unwrap();
    let (code, _, err) = kourse(
        d.path(),
        &[
            "--kubernetes-version",
            "1.33",
            "--kubernetes-version",
            "1.35",
            "good.yaml",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("against Kubernetes 1.33, 1.35:"), "{err}");
    fs::write(
        d.path().join("book.toml"),
        "[book]\ntitle = \"t\"\n[kubernetes]\nversions = [\"1.33\"]\n",
    )
    .unwrap();
    let (code, _, err) = kourse(
        d.path(),
        &["--kubernetes-version", "1.35", "good.yaml"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("against Kubernetes 1.35:"), "{err}");
    let (code, _, err) = kourse(
        d.path(),
        &["--kubernetes-version", "1.2", "good.yaml"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--kubernetes-version 1.2"), "{err}");
    assert!(
        err.contains("1.33") && err.contains("1.35"),
        "lists the bundled ones: {err}"
    );
}

const CERT_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
    "spec": {
      "type": "object",
      "required": ["secretName"],
      "properties": {"secretName": {"type": "string"}, "duration": {"type": "string"}},
      "additionalProperties": false
    }
  }
}"#;

const CERT: &str = "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: web\nspec:\n  duration: 2h\n";
const ISSUER: &str =
    "apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: ca\nspec:\n  ca: 3\n";

#[test]
fn schema_location_reads_kubeconform_and_crds_catalog_layouts() {
    let d = tempfile::tempdir().unwrap();
    let schemas = d.path().join("schemas");
    fs::create_dir_all(schemas.join("cert-manager.io")).unwrap();
    fs::write(
        schemas.join("certificate-cert-manager-v1.json"),
        CERT_SCHEMA,
    )
    .unwrap();
    fs::write(
        schemas.join("cert-manager.io/issuer_v1.json"),
        r#"{"type":"object","properties":{"spec":{"type":"object","properties":{"ca":{"type":"object"}}}}}"#,
    )
    .unwrap();
    fs::write(d.path().join("cert.yaml"), format!("{CERT}---\n{ISSUER}")).unwrap();
    // Without the schemas: one no-schema warning per kind, which
    // --ignore-missing-schemas turns off.
    let (code, out, err) = kourse(d.path(), &["--format", "json", "cert.yaml"], None);
    assert_eq!(code, 0, "{err}");
    let found = diags(&out);
    assert_eq!(found.len(), 2, "{out}");
    assert!(found.iter().all(|f| f.0 == "no-schema"), "{out}");
    let (code, out, err) = kourse(
        d.path(),
        &["--format", "json", "--ignore-missing-schemas", "cert.yaml"],
        None,
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    // With them: the missing secretName and the wrong type of `ca`.
    let (code, out, err) = kourse(
        d.path(),
        &[
            "--format",
            "json",
            "--schema-location",
            "schemas",
            "cert.yaml",
        ],
        None,
    );
    assert_eq!(code, 1, "{err}");
    let found = diags(&out);
    assert!(
        found.contains(&("missing-field".into(), "cert.yaml".into(), 5, 1)),
        "{out}"
    );
    assert!(
        found.contains(&("invalid-type".into(), "cert.yaml".into(), 13, 7)),
        "{out}"
    );
    // kubeconform's URL templates are refused: kourse never downloads.
    let (code, _, err) = kourse(
        d.path(),
        &[
            "--schema-location",
            "https://example.com/{{.ResourceKind}}.json",
            "cert.yaml",
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
}

const TWO: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: Bad_Secret\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n";

#[test]
fn skip_and_reject_kinds() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("two.yaml"), TWO).unwrap();
    let (code, out, _) = kourse(d.path(), &["--format", "json", "two.yaml"], None);
    assert_eq!(code, 1);
    assert_eq!(
        diags(&out),
        vec![("invalid-name".into(), "two.yaml".into(), 4, 9)]
    );
    let (code, out, err) = kourse(
        d.path(),
        &["--format", "json", "--skip", "Secret", "two.yaml"],
        None,
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, out, _) = kourse(
        d.path(),
        &[
            "--format",
            "json",
            "--skip",
            "Secret",
            "--reject",
            "Pod,v1/ConfigMap",
            "two.yaml",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        diags(&out),
        vec![("rejected-kind".into(), "two.yaml".into(), 7, 7)]
    );
    // apps/v1/ConfigMap is not v1/ConfigMap.
    let (code, _, _) = kourse(
        d.path(),
        &[
            "--skip",
            "Secret",
            "--reject",
            "apps/v1/ConfigMap",
            "two.yaml",
        ],
        None,
    );
    assert_eq!(code, 0);
}

#[test]
fn rule_sets_a_level_for_one_run() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("bad.yaml"), BAD).unwrap();
    let (code, _, err) = kourse(d.path(), &["--rule", "invalid-name=off", "bad.yaml"], None);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = kourse(
        d.path(),
        &[
            "--format",
            "json",
            "--rule",
            "invalid-name=warning",
            "bad.yaml",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["severity"], "warning");
    // A warning made an error fails the run.
    fs::write(
        d.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n",
    )
    .unwrap();
    assert_eq!(kourse(d.path(), &["pod.yaml"], None).0, 0);
    assert_eq!(
        kourse(d.path(), &["--rule", "latest-tag=error", "pod.yaml"], None).0,
        1
    );
    for bad in ["latest-tag", "latest-tag=loud", "no-such-rule=off"] {
        let (code, _, err) = kourse(d.path(), &["--rule", bad, "pod.yaml"], None);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--rule"), "{err}");
    }
}

const WARN_AND_ERROR: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Pod\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n";

/// Two files: one clean, one with one error and some warnings.
fn two_files() -> (tempfile::TempDir, usize) {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("a.yaml"), GOOD).unwrap();
    fs::write(d.path().join("b.yaml"), WARN_AND_ERROR).unwrap();
    let (_, out, _) = kourse(d.path(), &["--format", "json", "a.yaml", "b.yaml"], None);
    let n = diags(&out).len();
    assert!(n >= 2, "an error and at least one warning: {out}");
    (d, n)
}

#[test]
fn junit_report_counts_tests_and_failures() {
    let (d, n) = two_files();
    let (code, out, _) = kourse(d.path(), &["--format", "junit", "a.yaml", "b.yaml"], None);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{out}"
    );
    let doc = scraper::Html::parse_fragment(&out);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let root = doc.select(&sel("testsuites")).next().expect("<testsuites>");
    assert_eq!(root.value().attr("failures"), Some("1"), "{out}");
    assert_eq!(
        root.value().attr("tests"),
        Some((n + 1).to_string().as_str()),
        "{out}"
    );
    let suites: Vec<_> = doc.select(&sel("testsuite")).collect();
    assert_eq!(suites.len(), 2, "{out}");
    assert_eq!(suites[0].value().attr("name"), Some("a.yaml"));
    assert_eq!(doc.select(&sel("testcase")).count(), n + 1, "{out}");
    let failures: Vec<_> = doc.select(&sel("failure")).collect();
    assert_eq!(failures.len(), 1, "{out}");
    assert_eq!(failures[0].value().attr("type"), Some("invalid-name"));
    let case = doc.select(&sel("testcase:has(failure)")).next().unwrap();
    assert_eq!(case.value().attr("name"), Some("b.yaml:4:9 invalid-name"));
}

#[test]
fn tap_stream_has_a_plan_and_one_line_per_test() {
    let (d, n) = two_files();
    let (code, out, _) = kourse(d.path(), &["--format", "tap", "a.yaml", "b.yaml"], None);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "TAP version 13");
    assert_eq!(lines[1], format!("1..{}", n + 1));
    let tests: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .collect();
    assert_eq!(tests.len(), n + 1, "{out}");
    assert_eq!(tests[0], "ok 1 - a.yaml");
    let failing: Vec<&str> = tests
        .iter()
        .copied()
        .filter(|l| l.starts_with("not ok"))
        .collect();
    assert_eq!(failing.len(), 1, "{out}");
    assert!(
        failing[0].contains(" - b.yaml:4:9 error[invalid-name]: "),
        "{out}"
    );
    // Numbered 1..n in order.
    for (i, t) in tests.iter().enumerate() {
        let num = t.trim_start_matches("not ").trim_start_matches("ok ");
        assert!(num.starts_with(&format!("{} - ", i + 1)), "{t}");
    }
}

#[test]
fn summary_prints_only_the_counts() {
    let (d, n) = two_files();
    let (code, out, err) = kourse(d.path(), &["--summary", "a.yaml", "b.yaml"], None);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("1 error, {} warning", n - 1)),
        "{err}"
    );
}

#[test]
fn a_made_up_image_is_a_warning_at_its_value() {
    let d = tempfile::tempdir().unwrap();
    let pod = |image: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: {image}\n      resources:\n        limits:\n          memory: 64Mi\n"
        )
    };
    let (code, out, err) = kourse(
        d.path(),
        &["--format", "json", "--deny-warnings", "-"],
        Some(&pod("ghcr.io/example/seek-web:1.4.2")),
    );
    assert_eq!(code, 1, "{err}");
    let found: Vec<_> = diags(&out)
        .into_iter()
        .filter(|d| d.0 != "run-as-root")
        .collect();
    assert_eq!(
        found,
        vec![("placeholder-image".into(), "<stdin>".into(), 8, 14)]
    );
    // The real image is not one.
    let (_, out, _) = kourse(
        d.path(),
        &["--format", "json", "-"],
        Some(&pod("fairdom/seek:1.18")),
    );
    assert!(!out.contains("placeholder-image"), "{out}");
}

#[test]
fn list_rules_names_every_rule_once_with_its_level() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = kourse(d.path(), &["--list-rules"], None);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().take(2).collect())
        .collect();
    let mut ids: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    for id in [
        "yaml-syntax",
        "placeholder-image",
        "walk-unschedulable",
        "latest-tag",
    ] {
        assert!(ids.contains(&id), "{id} missing from\n{out}");
    }
    assert!(
        rows.iter()
            .all(|r| r.len() == 2 && ["error", "warning"].contains(&r[1])),
        "{out}"
    );
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a rule id is listed twice");
}
