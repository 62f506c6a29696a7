//! A CustomResourceDefinition among the checked inputs validates the custom
//! resources of its group and kind, per served version, as the apiserver would.

use kourse::check::{CheckOptions, Checker, Source};

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    kind: Backup
    plural: backups
    singular: backup
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [schedule]
              properties:
                schedule:
                  type: string
                  pattern: '^[0-9*/, -]+$'
                retain:
                  type: integer
                  minimum: 1
                  maximum: 30
                mode:
                  type: string
                  enum: [full, incremental]
                port:
                  x-kubernetes-int-or-string: true
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema:
          type: object
"#;

fn check(cr: &str) -> Vec<(String, usize, usize)> {
    let c = Checker::new(&CheckOptions::default()).unwrap();
    let diags = c.check(&[Source::new("crd.yaml", CRD), Source::new("cr.yaml", cr)]);
    diags
        .iter()
        .filter(|d| d.file.to_str() == Some("cr.yaml"))
        .map(|d| (d.rule.clone(), d.line, d.col))
        .collect()
}

fn at(rule: &str, line: usize, col: usize) -> (String, usize, usize) {
    (rule.to_string(), line, col)
}

#[test]
fn a_valid_custom_resource_passes() {
    let cr = "apiVersion: example.com/v1\nkind: Backup\nmetadata:\n  name: nightly\nspec:\n  schedule: \"0 3 * * *\"\n  retain: 7\n  mode: full\n  port: http\n  extra:\n    anything: [1, 2]\n";
    assert_eq!(check(cr), vec![]);
    let cr = cr.replace("port: http", "port: 8080");
    assert_eq!(check(&cr), vec![]);
}

#[test]
fn each_schema_rule_is_reported_at_its_value() {
    let cr = "apiVersion: example.com/v1\nkind: Backup\nmetadata:\n  name: nightly\nspec:\n  schedule: daily\n  retain: 31\n  mode: partial\n  port: [1]\n  colour: red\n";
    assert_eq!(
        check(cr),
        vec![
            at("invalid-value", 6, 13),
            at("invalid-value", 7, 11),
            at("invalid-value", 8, 9),
            at("invalid-type", 9, 9),
            at("unknown-field", 10, 3),
        ]
    );
    let cr = "apiVersion: example.com/v1\nkind: Backup\nmetadata:\n  name: nightly\nspec:\n  retain: \"7\"\n";
    assert_eq!(
        check(cr),
        vec![at("missing-field", 5, 1), at("invalid-type", 6, 11)]
    );
}

#[test]
fn an_unserved_version_or_another_kind_has_no_schema() {
    let cr =
        "apiVersion: example.com/v1alpha1\nkind: Backup\nmetadata:\n  name: nightly\nspec: {}\n";
    assert_eq!(check(cr), vec![at("no-schema", 1, 13)]);
    // Without the CRD in the set, the kind is unknown.
    let c = Checker::new(&CheckOptions::default()).unwrap();
    let alone = c.check(&[Source::new(
        "cr.yaml",
        "apiVersion: example.com/v1\nkind: Backup\nmetadata:\n  name: n\nspec:\n  retain: 99\n",
    )]);
    let rules: Vec<&str> = alone.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(rules, vec!["no-schema"]);
}

#[test]
fn the_binary_reads_a_crd_from_standard_input_with_its_resources() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kourse"))
        .args(["check", "--format", "json", "-"])
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!(
        "{CRD}---\napiVersion: example.com/v1\nkind: Backup\nmetadata:\n  name: n\nspec:\n  schedule: \"0 3 * * *\"\n  retain: 0\n"
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(v["file"], "<stdin>");
    assert_eq!(v["rule"], "invalid-value");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(52), Some(11)),
        "{stdout}"
    );
    assert!(
        v["message"].as_str().unwrap().contains("at least 1"),
        "{stdout}"
    );
}
