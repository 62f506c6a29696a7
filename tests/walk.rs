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

/// `kourse check` of a course as JSON (with `PATH` replaced when given):
/// every diagnostic, and the exit code.
fn run(root: &Path, extra: &[&str], path: Option<&str>) -> (Vec<serde_json::Value>, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kourse"));
    cmd.arg("check")
        .arg("-C")
        .arg(root)
        .args(["--format", "json"])
        .args(extra);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().expect("kourse runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let diags = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    (diags, out.status.code().unwrap_or(-1))
}

/// `rule file:line:col` of a diagnostic.
fn place(d: &serde_json::Value) -> String {
    format!(
        "{} {}:{}:{}",
        d["rule"].as_str().unwrap(),
        d["file"].as_str().unwrap(),
        d["line"],
        d["column"]
    )
}

/// The walk's findings (`walk-` rules) of a course, in output order, and
/// the exit code.
fn walk(root: &Path, extra: &[&str]) -> (Vec<String>, i32) {
    let (diags, code) = run(root, extra, None);
    let found = diags
        .iter()
        .filter(|d| d["rule"].as_str().is_some_and(|r| r.starts_with("walk-")))
        .map(place)
        .collect();
    (found, code)
}

fn findings(name: &str) -> Vec<String> {
    walk(&fixture(name), &[]).0
}

/// A fixture copied to a temporary folder (the walk writes rendered
/// kustomizations to the course's cache folder).
fn copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = fixture(name);
    for e in walkdir::WalkDir::new(&from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let to = dir.path().join(e.path().strip_prefix(&from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    dir
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

#[test]
fn a_namespace_must_exist_and_match_the_command() {
    assert_eq!(
        findings("namespaces"),
        [
            "walk-namespace-missing content/a.md:7:3",
            // After `kubectl create namespace shop` the same file passes.
            "walk-namespace-mismatch content/a.md:15:3",
        ]
    );
}

#[test]
fn a_custom_resource_needs_its_crd_first() {
    assert_eq!(
        findings("crd"),
        [
            "walk-crd-missing content/a.md:5:3",
            // Applied after the CRD (line 7) it passes; a resource its
            // schema rejects (a wrong type, an unknown field) does not.
            "walk-cr-invalid content/a.md:8:3",
        ]
    );
}

#[test]
fn the_lab_has_kinds_storage_class_and_the_configured_nodes() {
    assert_eq!(
        findings("lab"),
        [
            "walk-already-exists content/a.md:7:3",
            "walk-immutable-field content/a.md:8:3",
            "walk-immutable-field content/a.md:8:3",
            // kind-worker2 exists (line 15); kind-worker has disk=ssd from
            // the kind config; --overwrite (line 17) passes.
            "walk-label-exists content/a.md:16:3",
            "walk-not-found content/a.md:18:3",
        ]
    );
}

#[test]
fn pod_security_enforce_rejects_pods_and_starves_workloads() {
    assert_eq!(
        findings("pod-security"),
        [
            "walk-pod-security content/a.md:6:3",
            "walk-pod-security content/a.md:7:3",
            // The hardened Pod (line 8) passes; host networking passes in the
            // unlabelled default namespace (line 14) and after the label is
            // removed (line 19).
            "walk-pod-security content/a.md:17:3",
        ]
    );
}

#[test]
fn what_a_pod_needs_by_the_end_of_its_page() {
    assert_eq!(
        findings("pod-needs"),
        [
            "walk-pod-needs content/a.md:9:3",
            "walk-pod-needs content/a.md:9:3",
            "walk-pvc-pending content/a.md:10:3",
            // b.md makes both after the Pod on the same page: it passes.
            "walk-pod-needs content/c.md:9:3",
        ]
    );
}

#[test]
fn a_node_selector_no_lab_node_satisfies() {
    assert_eq!(
        findings("scheduling"),
        ["walk-unschedulable content/a.md:8:3"],
        "b.md labels the node on the same page and passes"
    );
}

#[test]
fn a_resource_quota_rejects_pods() {
    assert_eq!(
        findings("quota"),
        [
            // No cpu request under a quota on requests.cpu.
            "walk-quota content/a.md:6:3",
            // A third Pod: pods: "2" is used up (a and b pass).
            "walk-quota content/a.md:9:3",
        ]
    );
}

#[test]
fn front_matter_starts_pages_fresh_or_from_another_page_and_directives_apply() {
    assert_eq!(
        findings("pages"),
        // setup.md applies ns.yaml through `{{#example ns.yaml apply}}`;
        // from.md starts from its end and passes; skip.md is not walked.
        ["walk-namespace-missing content/01-one/fresh.md:9:3"]
    );
}

#[test]
fn kustomize_overlays_are_rendered_with_kubectl() {
    let have_kubectl = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("kubectl").is_file()));
    if !have_kubectl {
        assert!(
            std::env::var("KOURSE_REQUIRE_KUBECTL").as_deref() != Ok("1"),
            "KOURSE_REQUIRE_KUBECTL=1 but kubectl is not on PATH"
        );
        eprintln!(
            "\n*** SKIPPED kustomize_overlays_are_rendered_with_kubectl: kubectl is not on PATH (KOURSE_REQUIRE_KUBECTL=1 turns this into a failure) ***\n"
        );
        return;
    }
    // Rendered, the overlay's ConfigMap lands in `shop`: too early on line 5,
    // fine on line 7 once the namespace exists. The second run reads the
    // rendering from the cache and finds the same.
    let course = copy("kustomize");
    for _ in 0..2 {
        assert_eq!(
            walk(course.path(), &[]).0,
            ["walk-namespace-missing content/a.md:5:3"]
        );
    }
    assert!(course.path().join(".kourse-cache/walk-kustomize").is_dir());
}

#[test]
fn kustomize_without_kubectl_is_a_warning_that_it_was_not_walked() {
    let course = copy("kustomize");
    let (diags, _) = run(course.path(), &[], Some("/nonexistent"));
    let rules: Vec<(String, u64)> = diags
        .iter()
        .filter(|d| d["rule"].as_str().is_some_and(|r| r.starts_with("walk-")))
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("walk-not-walked".to_owned(), 5),
            ("walk-not-walked".to_owned(), 7)
        ]
    );
}

#[test]
fn lab_walk_false_turns_the_walk_off() {
    let (found, code) = walk(&fixture("off"), &[]);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(code, 0);
    let (found, code) = walk(&fixture("namespaces"), &[]);
    assert_eq!(found.len(), 2);
    assert_eq!(code, 1, "walk errors fail `kourse check`");
}

#[test]
fn walk_trace_prints_steps_and_state() {
    let out = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .args(["check", "--walk-trace", "-C"])
        .arg(fixture("namespaces"))
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("== content/a.md continues"), "{err}");
    assert!(
        err.contains("content/a.md:13:3 create Namespace shop"),
        "{err}"
    );
    assert!(err.contains("    ConfigMap shop/settings"), "{err}");
}

#[test]
fn claim_templates_file_order_waits_and_remote_files() {
    assert_eq!(
        findings("outside"),
        [
            // Replicas 2 made data-db-0 and data-db-1, not data-db-2.
            "walk-not-found content/a.md:11:3",
            // After `wait --for=delete` the mirror Pod is gone.
            "walk-not-found content/a.md:31:3",
        ]
    );
}

#[test]
fn cross_object_warnings_on_the_walked_cluster() {
    // a.md applies a Service with its Deployment: nothing. b.md deletes the
    // Deployment after re-applying: the Service selects no Pod any more.
    assert_eq!(findings("cross"), Vec::<String>::new());
    let walked: Vec<String> = run(&fixture("cross"), &[], None)
        .0
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("on the walked cluster"))
        })
        .map(place)
        .collect();
    assert_eq!(walked, ["service-no-match content/b.md:9:3"]);
}

#[test]
fn pod_security_at_the_pinned_version_and_invalid_labels() {
    assert_eq!(
        findings("psa-version"),
        [
            // restricted:v1.21 predates the capabilities control (v1.22): the
            // same Pod passes in `pinned` (line 6) and fails at latest.
            "walk-pod-security content/a.md:7:3",
            // baseline:v1.28 does not yet allow tcp_keepalive_time (v1.29);
            // after the label moves to v1.29 (line 9) line 10 passes.
            "walk-pod-security content/a.md:8:3",
            // A version label that does not parse: the Namespace is refused
            // and the ConfigMap meant for it has no namespace.
            "walk-pod-security-label content/a.md:16:3",
            "walk-namespace-missing content/a.md:17:3",
            "walk-pod-security-label content/a.md:18:3",
        ]
    );
}

#[test]
fn pod_security_audit_is_in_the_trace_only() {
    // `tuned` audits restricted: the audit log would record line 10's Pod,
    // which kubectl neither refuses nor warns about.
    let out = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .args(["check", "--walk-trace", "--format", "json", "-C"])
        .arg(fixture("psa-version"))
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("content/a.md:10:3 apply examples/keepalive.yaml\n    walk-pod-security-audit: the audit log records that Pod tuned/keepalive would violate PodSecurity \"restricted:latest\""),
        "{err}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("audit"), "{stdout}");
}

#[test]
fn taints_cordon_and_drain_change_where_pods_go() {
    assert_eq!(
        findings("taints"),
        [
            // Both nodes tainted: Pending at the end of the page; the
            // tolerating Deployment (line 11) is placed.
            "walk-unschedulable content/a.md:7:3",
            // The same key and effect again without --overwrite (line 9 has it).
            "walk-taint content/a.md:8:3",
            "walk-taint content/a.md:10:3",
            // b.md: Pending on purpose while cordoned, placed after uncordon.
            // c.md: drained, so only the DaemonSet (which tolerates a
            // cordon) finds the worker.
            "walk-unschedulable content/c.md:8:3",
            // d.md: marked Pending, but the worker is free.
            "walk-expect content/d.md:7:3",
        ]
    );
}

#[test]
fn immutable_job_template_completions_priority_and_pod_fields() {
    assert_eq!(
        findings("immutable-more"),
        [
            // A suspended Job may move its Pods (line 6); a running one not.
            "walk-immutable-field content/a.md:8:3",
            // An Indexed Job widens completions with parallelism (line 10),
            // not apart from it.
            "walk-immutable-field content/a.md:11:3",
            // A PriorityClass keeps its value.
            "walk-immutable-field content/a.md:13:3",
            // A Pod takes a new image and a sooner deadline (line 15), not a
            // new grace period.
            "walk-immutable-field content/a.md:16:3",
        ]
    );
}
