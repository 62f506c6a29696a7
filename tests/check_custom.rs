//! `[kubernetes] schemas = ["dir"]`: JSON schemas and CustomResourceDefinitions
//! of custom kinds, through the `kourse check` binary on temporary courses.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

const SERVICE_MONITOR: &str = "\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  endpoints:
  - port: http
    interval: 30s
";

/// A JSON schema written for these tests (not the operator's own).
const SCHEMA: &str = r#"{
  "x-kubernetes-group-version-kind": [
    {"group": "monitoring.coreos.com", "version": "v1", "kind": "ServiceMonitor"}
  ],
  "type": "object",
  "required": ["spec"],
  "additionalProperties": false,
  "properties": {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
    "spec": {
      "type": "object",
      "required": ["selector", "endpoints"],
      "additionalProperties": false,
      "properties": {
        "selector": {
          "type": "object",
          "properties": {
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}
          }
        },
        "endpoints": {
          "type": "array",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "port": {"type": "string"},
              "interval": {"type": "string"},
              "path": {"type": "string"}
            }
          }
        }
      }
    }
  }
}"#;

/// The same kind as a CustomResourceDefinition, with a second version that is not served.
const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  names:
    kind: ServiceMonitor
    plural: servicemonitors
  scope: Namespaced
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
            required: [selector, endpoints]
            properties:
              selector:
                type: object
                x-kubernetes-preserve-unknown-fields: true
              endpoints:
                type: array
                items:
                  type: object
                  properties:
                    port:
                      type: string
                    interval:
                      type: string
  - name: v1alpha1
    served: false
    storage: false
    schema:
      openAPIV3Schema:
        type: object
";

struct Run {
    code: i32,
    /// The `file:line:col: severity[rule]: message` lines.
    headlines: Vec<String>,
    stderr: String,
}

fn course(book: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("book.toml"), book).unwrap();
    for (name, text) in files {
        let p = d.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    d
}

fn check(dir: &Path, paths: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .arg("check")
        .args(paths)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let headlines = stderr
        .lines()
        .filter(|l| l.contains(": error[") || l.contains(": warning["))
        .map(str::to_owned)
        .collect();
    Run {
        code: out.status.code().expect("exit code, not a signal"),
        headlines,
        stderr,
    }
}

const WITH_SCHEMAS: &str = "[kubernetes]\nschemas = [\"schemas\"]\n";

#[test]
fn a_valid_custom_object_passes_without_a_no_schema_warning() {
    let d = course(
        WITH_SCHEMAS,
        &[
            ("schemas/servicemonitor.json", SCHEMA),
            ("sm.yaml", SERVICE_MONITOR),
        ],
    );
    let r = check(d.path(), &["sm.yaml"]);
    assert_eq!(
        (r.code, r.headlines.as_slice()),
        (0, &[][..]),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_fields_and_wrong_types_are_errors_at_their_place() {
    let bad = SERVICE_MONITOR
        .replace("port: http", "port: 8080")
        .replace("interval: 30s", "intervall: 30s");
    let d = course(
        WITH_SCHEMAS,
        &[("schemas/servicemonitor.json", SCHEMA), ("sm.yaml", &bad)],
    );
    let r = check(d.path(), &["sm.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.headlines,
        [
            "sm.yaml:10:11: error[invalid-type]: `spec.endpoints[0].port` must be string, found integer 8080",
            "sm.yaml:11:5: error[unknown-field]: unknown field `intervall` in `spec.endpoints[0]`",
        ],
        "{}",
        r.stderr
    );
}

#[test]
fn without_the_schemas_entry_a_custom_kind_has_no_schema() {
    let d = course("[kubernetes]\n", &[("sm.yaml", SERVICE_MONITOR)]);
    let r = check(d.path(), &["sm.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.headlines,
        ["sm.yaml:1:13: warning[no-schema]: no schema for monitoring.coreos.com/v1 ServiceMonitor"]
    );
}

#[test]
fn a_broken_schema_file_is_a_config_error_naming_it() {
    let d = course(
        WITH_SCHEMAS,
        &[
            ("schemas/servicemonitor.json", "{\"type\": \"object\",\n}"),
            ("sm.yaml", SERVICE_MONITOR),
        ],
    );
    let r = check(d.path(), &["sm.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.headlines,
        [
            "schemas/servicemonitor.json: error[config]: bad JSON schema: trailing comma at line 2 column 1"
        ]
    );
}

#[test]
fn a_missing_schema_directory_is_a_config_error_naming_it() {
    let d = course(WITH_SCHEMAS, &[("sm.yaml", SERVICE_MONITOR)]);
    let r = check(d.path(), &["sm.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.headlines,
        ["schemas: error[config]: schema directory does not exist"]
    );
}

#[test]
fn kubeconform_file_names_match_kinds_in_any_case() {
    // kubeconform's layout writes the kind in lower case:
    // <group>/<kind>_<version>.json, without x-kubernetes-group-version-kind.
    let mut schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    schema
        .as_object_mut()
        .unwrap()
        .remove("x-kubernetes-group-version-kind");
    let bad = SERVICE_MONITOR.replace("interval: 30s", "intervall: 30s");
    let d = course(
        WITH_SCHEMAS,
        &[
            (
                "schemas/monitoring.coreos.com/servicemonitor_v1.json",
                &schema.to_string(),
            ),
            ("good.yaml", SERVICE_MONITOR),
            ("bad.yaml", &bad),
        ],
    );
    let r = check(d.path(), &["good.yaml", "bad.yaml"]);
    assert_eq!(
        r.headlines,
        ["bad.yaml:11:5: error[unknown-field]: unknown field `intervall` in `spec.endpoints[0]`"],
        "{}",
        r.stderr
    );
}

#[test]
fn a_crd_manifest_gives_the_schema_of_each_served_version() {
    let bad = SERVICE_MONITOR
        .replace("interval: 30s", "intervall: 30s")
        .replace("  name: web\n", "  name: web\n  labels: {team: a}\n");
    let alpha =
        SERVICE_MONITOR.replace("monitoring.coreos.com/v1", "monitoring.coreos.com/v1alpha1");
    let d = course(
        WITH_SCHEMAS,
        &[
            ("schemas/crds.yaml", CRD),
            ("good.yaml", SERVICE_MONITOR),
            ("bad.yaml", &bad),
            ("alpha.yaml", &alpha),
        ],
    );
    let r = check(d.path(), &["good.yaml", "bad.yaml", "alpha.yaml"]);
    // Fields the structural schema does not declare are rejected (not under
    // x-kubernetes-preserve-unknown-fields); metadata is every object's.
    assert_eq!(
        r.headlines,
        [
            "alpha.yaml:1:13: warning[no-schema]: no schema for monitoring.coreos.com/v1alpha1 ServiceMonitor",
            "bad.yaml:12:5: error[unknown-field]: unknown field `intervall` in `spec.endpoints[0]`",
        ],
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 1);
}

#[test]
fn a_yaml_file_that_is_not_a_crd_is_a_config_error_at_its_place() {
    let d = course(
        WITH_SCHEMAS,
        &[
            (
                "schemas/crds.yaml",
                &format!("{CRD}---\napiVersion: v1\nkind: ConfigMap\n"),
            ),
            ("sm.yaml", SERVICE_MONITOR),
        ],
    );
    let r = check(d.path(), &["sm.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.headlines,
        [
            "schemas/crds.yaml:42:1: error[config]: a schema directory's YAML files hold apiextensions.k8s.io/v1 CustomResourceDefinitions, not v1 ConfigMap"
        ]
    );
}
