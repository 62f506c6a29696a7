//! The generated removed/deprecated API table (`src/check/data/api-lifecycle.tsv`):
//! it matches its header's checksums, holds the known retirements, and a
//! retired apiVersion in a manifest gives the diagnostic that names the
//! removing release, the replacement and the migration's field changes.

use kourse::check::deprecations::{DATA, Retired, lookup, table};
use kourse::check::{CheckOptions, Checker, Source};
use kourse::diagnostic::Diagnostic;

#[path = "support/sha256.rs"]
mod sha256;
use sha256::sha256_hex;

fn header_field<'a>(prefix: &str) -> &'a str {
    DATA.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("api-lifecycle.tsv header has no {prefix:?}"))
}

#[test]
fn rows_match_the_header_checksum() {
    let body: String = DATA
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let rest = header_field("# rows: ");
    let (count, rest) = rest.split_once(", rows sha256 ").unwrap();
    let sha = rest.split_whitespace().next().unwrap();
    assert_eq!(count.parse::<usize>().unwrap(), table().len());
    assert_eq!(
        sha256_hex(body.as_bytes()),
        sha,
        "api-lifecycle.tsv was edited by hand"
    );
}

#[test]
fn generated_from_the_committed_guide() {
    let guide = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/api-lifecycle-guide.toml"),
    )
    .unwrap();
    let recorded = header_field("# source guide: scripts/api-lifecycle-guide.toml sha256 ");
    assert_eq!(
        sha256_hex(&guide),
        recorded,
        "the guide changed: rerun scripts/gen-api-lifecycle.py"
    );
    assert!(header_field("# newest Kubernetes minor in the sources: ") >= "1.37");
}

fn row(api: &str, kind: &str) -> &'static Retired {
    lookup(api, kind).unwrap_or_else(|| panic!("no row for {api} {kind}"))
}

/// (apiVersion, kind, deprecated_in, removed_in, replacement): the retirements
/// the hand-written table had, which the generated one must keep. Where
/// upstream's prerelease-lifecycle files date a deprecation differently, theirs
/// is kept: extensions/v1beta1 and apps/v1beta1 workloads in 1.8 (not 1.9),
/// events.k8s.io/v1beta1 Event in 1.22 (not 1.19).
type Minor = Option<(u32, u32)>;

const KNOWN: &[(&str, &str, Minor, Minor, &str)] = &[
    (
        "extensions/v1beta1",
        "Deployment",
        Some((1, 8)),
        Some((1, 16)),
        "apps/v1",
    ),
    (
        "extensions/v1beta1",
        "DaemonSet",
        Some((1, 8)),
        Some((1, 16)),
        "apps/v1",
    ),
    (
        "extensions/v1beta1",
        "ReplicaSet",
        Some((1, 8)),
        Some((1, 16)),
        "apps/v1",
    ),
    (
        "extensions/v1beta1",
        "NetworkPolicy",
        Some((1, 9)),
        Some((1, 16)),
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        "PodSecurityPolicy",
        Some((1, 11)),
        Some((1, 16)),
        "",
    ),
    (
        "apps/v1beta1",
        "Deployment",
        Some((1, 8)),
        Some((1, 16)),
        "apps/v1",
    ),
    (
        "apps/v1beta1",
        "StatefulSet",
        Some((1, 8)),
        Some((1, 16)),
        "apps/v1",
    ),
    (
        "apps/v1beta2",
        "DaemonSet",
        Some((1, 9)),
        Some((1, 16)),
        "apps/v1",
    ),
    (
        "apps/v1beta2",
        "StatefulSet",
        Some((1, 9)),
        Some((1, 16)),
        "apps/v1",
    ),
    (
        "extensions/v1beta1",
        "Ingress",
        Some((1, 14)),
        Some((1, 22)),
        "networking.k8s.io/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        "Ingress",
        Some((1, 19)),
        Some((1, 22)),
        "networking.k8s.io/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        "IngressClass",
        Some((1, 19)),
        Some((1, 22)),
        "networking.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        Some((1, 16)),
        Some((1, 22)),
        "admissionregistration.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        Some((1, 16)),
        Some((1, 22)),
        "admissionregistration.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        Some((1, 16)),
        Some((1, 22)),
        "apiextensions.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        Some((1, 19)),
        Some((1, 22)),
        "apiregistration.k8s.io/v1",
    ),
    (
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        Some((1, 19)),
        Some((1, 22)),
        "authentication.k8s.io/v1",
    ),
    (
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        Some((1, 19)),
        Some((1, 22)),
        "authorization.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        Some((1, 19)),
        Some((1, 22)),
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        "Lease",
        Some((1, 19)),
        Some((1, 22)),
        "coordination.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        Some((1, 17)),
        Some((1, 22)),
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        Some((1, 17)),
        Some((1, 22)),
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        Some((1, 14)),
        Some((1, 22)),
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        Some((1, 19)),
        Some((1, 22)),
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSINode",
        Some((1, 17)),
        Some((1, 22)),
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "StorageClass",
        Some((1, 19)),
        Some((1, 22)),
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        Some((1, 19)),
        Some((1, 22)),
        "storage.k8s.io/v1",
    ),
    (
        "batch/v1beta1",
        "CronJob",
        Some((1, 21)),
        Some((1, 25)),
        "batch/v1",
    ),
    (
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        Some((1, 21)),
        Some((1, 25)),
        "discovery.k8s.io/v1",
    ),
    (
        "events.k8s.io/v1beta1",
        "Event",
        Some((1, 22)),
        Some((1, 25)),
        "events.k8s.io/v1",
    ),
    (
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        Some((1, 22)),
        Some((1, 25)),
        "autoscaling/v2",
    ),
    (
        "policy/v1beta1",
        "PodDisruptionBudget",
        Some((1, 21)),
        Some((1, 25)),
        "policy/v1",
    ),
    (
        "policy/v1beta1",
        "PodSecurityPolicy",
        Some((1, 21)),
        Some((1, 25)),
        "",
    ),
    (
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        Some((1, 22)),
        Some((1, 25)),
        "node.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        Some((1, 23)),
        Some((1, 26)),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        Some((1, 23)),
        Some((1, 26)),
        "autoscaling/v2",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        Some((1, 24)),
        Some((1, 27)),
        "storage.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        Some((1, 26)),
        Some((1, 29)),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        Some((1, 29)),
        Some((1, 32)),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "v1",
        "Endpoints",
        Some((1, 33)),
        None,
        "discovery.k8s.io/v1",
    ),
    ("v1", "ComponentStatus", Some((1, 19)), None, ""),
];

#[test]
fn keeps_the_known_retirements() {
    let mut wrong = Vec::new();
    for &(api, kind, dep, rem, rep) in KNOWN {
        let r = row(api, kind);
        if (r.deprecated_in, r.removed_in, r.replacement) != (dep, rem, rep) {
            wrong.push(format!(
                "{api} {kind}: {:?} {:?} {:?}, expected {dep:?} {rem:?} {rep:?}",
                r.deprecated_in, r.removed_in, r.replacement
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn keeps_the_migration_notes() {
    let has = |api, kind, needle: &str| row(api, kind).changes.iter().any(|c| c.contains(needle));
    assert!(has(
        "extensions/v1beta1",
        "Ingress",
        "`service.port.number`"
    ));
    assert!(has(
        "networking.k8s.io/v1beta1",
        "Ingress",
        "`spec.defaultBackend`"
    ));
    assert!(has("networking.k8s.io/v1beta1", "Ingress", "`pathType`"));
    assert!(has(
        "apps/v1beta2",
        "Deployment",
        "`spec.selector` is required"
    ));
    assert!(has(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        "averageUtilization"
    ));
    assert!(has(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "openAPIV3Schema"
    ));
    assert!(has(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "admissionReviewVersions"
    ));
    assert!(has(
        "policy/v1beta1",
        "PodDisruptionBudget",
        "empty `spec.selector`"
    ));
    assert!(has(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        "`zone` and `nodeName`"
    ));
    assert!(has(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        "nominalConcurrencyShares"
    ));
    assert!(has("v1", "Endpoints", "EndpointSlice"));
}

#[test]
fn adds_the_removals_the_schemas_show() {
    // Not in the hand-written table: the kubernetes-validate schemas date them.
    let r = row("networking.k8s.io/v1beta1", "ServiceCIDR");
    assert_eq!(
        (r.removed_in, r.replacement, r.removed_source),
        (Some((1, 37)), "networking.k8s.io/v1", "kubernetes-validate")
    );
    let r = row("batch/v2alpha1", "CronJob");
    assert_eq!((r.removed_in, r.replacement), (Some((1, 21)), "batch/v1"));
    let r = row(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingAdmissionPolicy",
    );
    assert_eq!(
        (r.removed_in, r.replacement),
        (Some((1, 34)), "admissionregistration.k8s.io/v1")
    );
    // Upstream's lifecycle files date the 1.16 removals (the schemas keep
    // those types until 1.17); where they say nothing, the guide does.
    assert_eq!(
        row("extensions/v1beta1", "Deployment").removed_source,
        "k8s-api"
    );
    assert_eq!(
        row("extensions/v1beta1", "PodSecurityPolicy").removed_source,
        "guide"
    );
}

#[test]
fn upstream_lifecycle_files_date_the_beta_apis() {
    let r = row("autoscaling/v2beta1", "HorizontalPodAutoscaler");
    // Upstream names v2beta2, itself removed in 1.26: the table follows it to v2.
    assert_eq!(
        (r.removed_in, r.replacement, r.removed_source),
        (Some((1, 25)), "autoscaling/v2", "k8s-api")
    );
    // A removal upstream still plans is bounded by the schemas that no longer have it.
    let r = row("networking.k8s.io/v1alpha1", "IPAddress");
    assert_eq!(
        (r.deprecated_source, r.removed_in, r.removed_source),
        ("k8s-api", Some((1, 31)), "kubernetes-validate")
    );
    // Still served, but deprecated by upstream's schedule.
    let r = row("resource.k8s.io/v1beta1", "ResourceClaim");
    assert_eq!(
        (r.deprecated_in, r.removed_in, r.replacement),
        (Some((1, 35)), Some((1, 38)), "resource.k8s.io/v1")
    );
}

#[test]
fn a_kind_added_to_a_retired_apiversion_later_is_not_retired() {
    // admissionregistration.k8s.io/v1beta1 lost its webhooks in 1.22 and came
    // back in 1.34 for MutatingAdmissionPolicy; the hand-written table's
    // wildcard row called it removed in 1.22. Upstream's lifecycle file gives
    // it a row of its own: deprecated in 1.37, removed in 1.40.
    let r = row(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingAdmissionPolicy",
    );
    assert_eq!(
        (r.deprecated_in, r.removed_in, r.removed_source),
        (Some((1, 37)), Some((1, 40)), "k8s-api")
    );
    assert!(r.changes.is_empty(), "the webhook notes are not its own");
    let d = check(
        &["1.34", "1.36"],
        "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: MutatingAdmissionPolicy\nmetadata:\n  name: p\nspec: {}\n",
    );
    assert!(
        !d.iter()
            .any(|d| d.rule == "removed-api" || d.rule == "deprecated-api"),
        "{d:#?}"
    );
    let d = check(
        &["1.37"],
        "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: MutatingAdmissionPolicy\nmetadata:\n  name: p\nspec: {}\n",
    );
    let rules: Vec<&str> = d
        .iter()
        .map(|d| d.rule.as_str())
        .filter(|r| r.ends_with("-api"))
        .collect();
    assert_eq!(rules, ["deprecated-api"], "{d:#?}");
}

fn check(versions: &[&str], text: &str) -> Vec<Diagnostic> {
    let opts = CheckOptions {
        versions: versions.iter().map(|v| v.to_string()).collect(),
        ..CheckOptions::default()
    };
    Checker::new(&opts)
        .expect("checker")
        .check(&[Source::new("m.yaml", text)])
}

#[test]
fn a_removed_apiversion_is_an_error_naming_release_replacement_and_changes() {
    let d = check(
        &[],
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\n",
    );
    let removed: Vec<&Diagnostic> = d.iter().filter(|d| d.rule == "removed-api").collect();
    assert_eq!(removed.len(), 1, "{d:#?}");
    assert_eq!(
        removed[0].headline(),
        "m.yaml:1:13: error[removed-api]: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use `networking.k8s.io/v1`"
    );
    assert_eq!(
        removed[0].notes,
        [
            "use `networking.k8s.io/v1`",
            "migration: `spec.backend` is now `spec.defaultBackend`",
            "migration: backend `serviceName` is now `service.name`",
            "migration: backend `servicePort` is now `service.port.number` (or `service.port.name` for a named port)",
            "migration: every path needs `pathType` (`Prefix`, `Exact` or `ImplementationSpecific`)",
        ]
    );
}

#[test]
fn a_removal_inside_the_target_range_says_until_when_it_was_served() {
    let d = check(
        &["1.33", "1.37"],
        "apiVersion: networking.k8s.io/v1beta1\nkind: ServiceCIDR\nmetadata:\n  name: c\nspec:\n  cidrs: [10.0.0.0/16]\n",
    );
    let removed: Vec<String> = d
        .iter()
        .filter(|d| d.rule == "removed-api")
        .map(Diagnostic::headline)
        .collect();
    assert_eq!(
        removed,
        [
            "m.yaml:1:13: error[removed-api]: networking.k8s.io/v1beta1 ServiceCIDR was removed in Kubernetes 1.37 (still served before 1.37); use `networking.k8s.io/v1`"
        ]
    );
}

#[test]
fn a_deprecated_apiversion_is_a_warning() {
    let d = check(
        &[],
        "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: legacy\nsubsets: []\n",
    );
    let dep: Vec<&Diagnostic> = d.iter().filter(|d| d.rule == "deprecated-api").collect();
    assert_eq!(dep.len(), 1, "{d:#?}");
    assert_eq!(
        dep[0].headline(),
        "m.yaml:1:13: warning[deprecated-api]: v1 Endpoints is deprecated since Kubernetes 1.33; use `discovery.k8s.io/v1`"
    );
    assert_eq!(
        dep[0].notes,
        ["migration: use EndpointSlice objects (kind: EndpointSlice)"]
    );
}
