//! Removed and deprecated apiVersions.
//!
//! Written from the lifecycle data of kubernetes/api
//! (`zz_generated.prerelease-lifecycle.go`: the release that deprecated a
//! type and the one that stopped serving it) and the Kubernetes deprecated
//! API migration guide, which also gives the field changes a migration needs.

/// One retired (or retiring) apiVersion of a kind.
#[derive(Debug, Clone, Copy)]
pub struct Retired {
    pub api_version: &'static str,
    /// `*` for every kind of the apiVersion.
    pub kind: &'static str,
    pub deprecated_in: (u32, u32),
    /// `None` while still served.
    pub removed_in: Option<(u32, u32)>,
    /// The apiVersion to use instead; empty when there is none.
    pub replacement: &'static str,
    /// What else changes in the migration.
    pub changes: &'static [&'static str],
}

const INGRESS: &[&str] = &[
    "`spec.backend` is now `spec.defaultBackend`",
    "backend `serviceName` is now `service.name`",
    "backend `servicePort` is now `service.port.number` (or `service.port.name` for a named port)",
    "every path needs `pathType` (`Prefix`, `Exact` or `ImplementationSpecific`)",
];
const APPS: &[&str] =
    &["`spec.selector` is required and must match `spec.template.metadata.labels`"];
const HPA: &[&str] = &[
    "`targetAverageUtilization` is now `target: {type: Utilization, averageUtilization: N}`",
    "`targetAverageValue` is now `target: {type: AverageValue, averageValue: Q}`",
];
const CRD: &[&str] = &[
    "`spec.version` is gone: list `spec.versions`, each with its own `schema.openAPIV3Schema`",
    "`spec.validation` moves into each version's `schema`; schemas must be structural",
];
const WEBHOOK: &[&str] = &[
    "`sideEffects` and `admissionReviewVersions` are required",
    "the default `failurePolicy` is now `Fail`",
];
const PDB: &[&str] = &["an empty `spec.selector` now selects every Pod of the namespace"];
const SLICE: &[&str] = &["per-endpoint `topology` is replaced by `zone` and `nodeName`"];
const NONE: &[&str] = &[];

macro_rules! r {
    ($api:expr, $kind:expr, $dep:expr, $rem:expr, $rep:expr, $ch:expr) => {
        Retired {
            api_version: $api,
            kind: $kind,
            deprecated_in: $dep,
            removed_in: $rem,
            replacement: $rep,
            changes: $ch,
        }
    };
}

pub const TABLE: &[Retired] = &[
    // Removed in 1.16
    r!(
        "extensions/v1beta1",
        "Deployment",
        (1, 9),
        Some((1, 16)),
        "apps/v1",
        APPS
    ),
    r!(
        "extensions/v1beta1",
        "DaemonSet",
        (1, 9),
        Some((1, 16)),
        "apps/v1",
        APPS
    ),
    r!(
        "extensions/v1beta1",
        "ReplicaSet",
        (1, 9),
        Some((1, 16)),
        "apps/v1",
        APPS
    ),
    r!(
        "extensions/v1beta1",
        "NetworkPolicy",
        (1, 9),
        Some((1, 16)),
        "networking.k8s.io/v1",
        NONE
    ),
    r!(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        (1, 11),
        Some((1, 16)),
        "",
        NONE
    ),
    r!("apps/v1beta1", "*", (1, 9), Some((1, 16)), "apps/v1", APPS),
    r!("apps/v1beta2", "*", (1, 9), Some((1, 16)), "apps/v1", APPS),
    // Removed in 1.22
    r!(
        "extensions/v1beta1",
        "Ingress",
        (1, 14),
        Some((1, 22)),
        "networking.k8s.io/v1",
        INGRESS
    ),
    r!(
        "networking.k8s.io/v1beta1",
        "Ingress",
        (1, 19),
        Some((1, 22)),
        "networking.k8s.io/v1",
        INGRESS
    ),
    r!(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        (1, 19),
        Some((1, 22)),
        "networking.k8s.io/v1",
        NONE
    ),
    r!(
        "admissionregistration.k8s.io/v1beta1",
        "*",
        (1, 16),
        Some((1, 22)),
        "admissionregistration.k8s.io/v1",
        WEBHOOK
    ),
    r!(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        (1, 16),
        Some((1, 22)),
        "apiextensions.k8s.io/v1",
        CRD
    ),
    r!(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        (1, 19),
        Some((1, 22)),
        "apiregistration.k8s.io/v1",
        NONE
    ),
    r!(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        (1, 19),
        Some((1, 22)),
        "authentication.k8s.io/v1",
        NONE
    ),
    r!(
        "authorization.k8s.io/v1beta1",
        "*",
        (1, 19),
        Some((1, 22)),
        "authorization.k8s.io/v1",
        NONE
    ),
    r!(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        (1, 19),
        Some((1, 22)),
        "certificates.k8s.io/v1",
        &["`spec.signerName` is required"]
    ),
    r!(
        "coordination.k8s.io/v1beta1",
        "Lease",
        (1, 19),
        Some((1, 22)),
        "coordination.k8s.io/v1",
        NONE
    ),
    r!(
        "rbac.authorization.k8s.io/v1beta1",
        "*",
        (1, 17),
        Some((1, 22)),
        "rbac.authorization.k8s.io/v1",
        NONE
    ),
    r!(
        "rbac.authorization.k8s.io/v1alpha1",
        "*",
        (1, 17),
        Some((1, 22)),
        "rbac.authorization.k8s.io/v1",
        NONE
    ),
    r!(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        (1, 14),
        Some((1, 22)),
        "scheduling.k8s.io/v1",
        NONE
    ),
    r!(
        "scheduling.k8s.io/v1alpha1",
        "PriorityClass",
        (1, 14),
        Some((1, 17)),
        "scheduling.k8s.io/v1",
        NONE
    ),
    r!(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        (1, 19),
        Some((1, 22)),
        "storage.k8s.io/v1",
        NONE
    ),
    r!(
        "storage.k8s.io/v1beta1",
        "CSINode",
        (1, 17),
        Some((1, 22)),
        "storage.k8s.io/v1",
        NONE
    ),
    r!(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        (1, 19),
        Some((1, 22)),
        "storage.k8s.io/v1",
        NONE
    ),
    r!(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        (1, 19),
        Some((1, 22)),
        "storage.k8s.io/v1",
        NONE
    ),
    // Removed in 1.25
    r!(
        "batch/v1beta1",
        "CronJob",
        (1, 21),
        Some((1, 25)),
        "batch/v1",
        NONE
    ),
    r!(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        (1, 21),
        Some((1, 25)),
        "discovery.k8s.io/v1",
        SLICE
    ),
    r!(
        "events.k8s.io/v1beta1",
        "Event",
        (1, 19),
        Some((1, 25)),
        "events.k8s.io/v1",
        &[
            "`deprecatedFirstTimestamp`/`deprecatedLastTimestamp`/`deprecatedCount` replace the old fields; `type` is Normal or Warning"
        ]
    ),
    r!(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        (1, 22),
        Some((1, 25)),
        "autoscaling/v2",
        HPA
    ),
    r!(
        "policy/v1beta1",
        "PodDisruptionBudget",
        (1, 21),
        Some((1, 25)),
        "policy/v1",
        PDB
    ),
    r!(
        "policy/v1beta1",
        "PodSecurityPolicy",
        (1, 21),
        Some((1, 25)),
        "",
        &[
            "PodSecurityPolicy has no replacement: use Pod Security Admission (namespace labels `pod-security.kubernetes.io/*`)"
        ]
    ),
    r!(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        (1, 22),
        Some((1, 25)),
        "node.k8s.io/v1",
        NONE
    ),
    // Removed in 1.26, 1.27, 1.29, 1.32
    r!(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "*",
        (1, 23),
        Some((1, 26)),
        "flowcontrol.apiserver.k8s.io/v1",
        NONE
    ),
    r!(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        (1, 23),
        Some((1, 26)),
        "autoscaling/v2",
        NONE
    ),
    r!(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        (1, 24),
        Some((1, 27)),
        "storage.k8s.io/v1",
        NONE
    ),
    r!(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "*",
        (1, 26),
        Some((1, 29)),
        "flowcontrol.apiserver.k8s.io/v1",
        &[
            "PriorityLevelConfiguration `spec.limited.assuredConcurrencyShares` is now `nominalConcurrencyShares`"
        ]
    ),
    r!(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "*",
        (1, 29),
        Some((1, 32)),
        "flowcontrol.apiserver.k8s.io/v1",
        NONE
    ),
    // Deprecated, still served
    r!(
        "v1",
        "Endpoints",
        (1, 33),
        None,
        "discovery.k8s.io/v1",
        &["use EndpointSlice objects (kind: EndpointSlice)"]
    ),
    r!("v1", "ComponentStatus", (1, 19), None, "", NONE),
];

pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.trim_start_matches('v').split_once('.')?;
    Some((a.parse().ok()?, b.split('.').next()?.parse().ok()?))
}

pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Retired> {
    TABLE
        .iter()
        .find(|r| r.api_version == api_version && r.kind == kind)
        .or_else(|| {
            TABLE
                .iter()
                .find(|r| r.api_version == api_version && r.kind == "*")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ingress_and_wildcards() {
        assert_eq!(
            lookup("extensions/v1beta1", "Ingress").unwrap().removed_in,
            Some((1, 22))
        );
        assert_eq!(
            lookup("apps/v1beta2", "StatefulSet").unwrap().replacement,
            "apps/v1"
        );
        assert!(lookup("apps/v1", "Deployment").is_none());
        assert_eq!(parse_version("1.29"), Some((1, 29)));
    }
}
