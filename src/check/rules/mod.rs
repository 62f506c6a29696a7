//! The rule registry (ids, default severities) and per-object rules.

pub mod apiserver;
pub mod enums;
pub mod names;
pub mod network;
pub mod pod;
pub mod quantity;

use crate::diagnostic::Severity;

use super::validate::Finding;
use super::yaml::{Node, Pos};

/// Every rule id with its default severity and a one-line description.
pub const RULES: &[(&str, Severity, &str)] = {
    use Severity::{Error as E, Warning as W};
    &[
        ("yaml-syntax", E, "the YAML does not parse"),
        (
            "yaml-limit",
            E,
            "input too large, too deep or too many alias expansions",
        ),
        (
            "not-a-manifest",
            E,
            "a YAML document without apiVersion and kind",
        ),
        (
            "unknown-kind",
            E,
            "a kind a built-in apiVersion does not serve (a typo?)",
        ),
        (
            "no-schema",
            W,
            "no schema for this apiVersion/kind (a custom resource?)",
        ),
        ("config", E, "an invalid [kubernetes] setting"),
        (
            "rejected-kind",
            E,
            "an object of a kind refused with --reject",
        ),
        (
            "render-failed",
            E,
            "kubectl kustomize or helm template failed on a folder",
        ),
        (
            "tool-missing",
            W,
            "a Kustomize or Helm folder not checked: its program is not installed",
        ),
        ("io", E, "a file that cannot be read"),
        ("unknown-field", E, "a field the schema does not define"),
        ("invalid-type", E, "a value of the wrong type"),
        ("missing-field", E, "a required field is missing"),
        ("duplicate-key", E, "a key appears twice in one mapping"),
        ("invalid-base64", E, "Secret data that is not base64"),
        (
            "removed-api",
            E,
            "an apiVersion the target Kubernetes versions no longer serve",
        ),
        ("deprecated-api", W, "an apiVersion that is deprecated"),
        (
            "invalid-name",
            E,
            "an object or item name that is not a valid DNS name",
        ),
        ("invalid-label", E, "a label key or value the API rejects"),
        ("invalid-annotation", E, "an annotation key the API rejects"),
        (
            "selector-mismatch",
            E,
            "a workload selector that does not match its template labels",
        ),
        (
            "duplicate-name",
            E,
            "two containers, ports, volumes or env vars with one name",
        ),
        ("port-range", E, "a port outside 1-65535"),
        (
            "duplicate-env",
            W,
            "an env var set twice in one container (the last one wins)",
        ),
        ("node-port-range", E, "a nodePort outside 30000-32767"),
        (
            "invalid-port-name",
            E,
            "a port name that is not an IANA service name",
        ),
        (
            "undefined-volume",
            E,
            "a volumeMount naming no volume of the Pod",
        ),
        (
            "invalid-env-name",
            E,
            "an environment variable name the API rejects",
        ),
        (
            "invalid-quantity",
            E,
            "a resource quantity that does not parse",
        ),
        (
            "requests-exceed-limits",
            E,
            "a resource request above its limit",
        ),
        ("probe-handler", E, "a probe without exactly one handler"),
        (
            "job-restart-policy",
            E,
            "a Job Pod with restartPolicy other than Never or OnFailure",
        ),
        (
            "invalid-cron",
            E,
            "a CronJob schedule that is not valid cron",
        ),
        (
            "ingress-path-type",
            E,
            "an Ingress v1 path without pathType",
        ),
        (
            "invalid-value",
            E,
            "a value outside the documented set or range",
        ),
        (
            "service-no-match",
            W,
            "a Service selector that matches no Pod template",
        ),
        (
            "target-port-missing",
            W,
            "a Service targetPort that no selected container exposes",
        ),
        (
            "ingress-missing-service",
            W,
            "an Ingress backend naming no Service or port",
        ),
        (
            "missing-configmap",
            W,
            "a reference to a ConfigMap not defined",
        ),
        ("missing-secret", W, "a reference to a Secret not defined"),
        (
            "missing-pvc",
            W,
            "a reference to a PersistentVolumeClaim not defined",
        ),
        (
            "missing-storageclass",
            W,
            "a PVC naming a StorageClass not defined",
        ),
        (
            "missing-service-account",
            W,
            "a Pod naming a ServiceAccount not defined",
        ),
        (
            "hpa-missing-target",
            W,
            "an HPA whose target workload is not defined",
        ),
        ("latest-tag", W, "an image without a tag or with `:latest`"),
        (
            "placeholder-image",
            W,
            "an image from a documentation-only host (example.com, .test) or a repository named `example`",
        ),
        (
            "no-resources",
            W,
            "a container without resource requests or limits",
        ),
        (
            "no-probes",
            W,
            "a long-running container without readiness or liveness probe",
        ),
        ("run-as-root", W, "a container that may run as root"),
        ("privileged", W, "a privileged container"),
        (
            "privilege-escalation",
            W,
            "allowPrivilegeEscalation is not false",
        ),
        ("host-path", W, "a hostPath volume"),
        (
            "secret-in-env",
            W,
            "a secret-looking env var with a plain value",
        ),
        ("load-balancer", W, "a Service of type LoadBalancer"),
        (
            "namespace-mismatch",
            W,
            "objects of one set in different namespaces",
        ),
        (
            "expect-error",
            E,
            "a block marked expect-error=RULE that does not report RULE",
        ),
    ]
};

pub fn default_severity(rule: &str) -> Option<Severity> {
    RULES
        .iter()
        .chain(super::walk::RULES)
        .find(|r| r.0 == rule)
        .map(|r| r.1)
}

/// Collects the findings of one object's rules.
pub struct Out<'a> {
    pub findings: &'a mut Vec<Finding>,
}

impl Out<'_> {
    pub fn push(&mut self, rule: &'static str, pos: Pos, message: impl Into<String>) {
        self.findings.push(Finding {
            rule,
            pos,
            message: message.into(),
            notes: Vec::new(),
        });
    }

    pub fn push_note(
        &mut self,
        rule: &'static str,
        pos: Pos,
        message: impl Into<String>,
        note: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule,
            pos,
            message: message.into(),
            notes: vec![note.into()],
        });
    }
}

/// The Pod spec of a workload object (Pod, Deployment, …, CronJob) and its template.
pub fn pod_spec<'a>(kind: &str, obj: &'a Node) -> Option<&'a Node> {
    match kind {
        "Pod" => obj.get("spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => obj.path(&["spec", "template", "spec"]),
        "CronJob" => obj.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// The Pod template metadata of a workload object.
pub fn pod_template<'a>(kind: &str, obj: &'a Node) -> Option<&'a Node> {
    match kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => obj.path(&["spec", "template"]),
        "CronJob" => obj.path(&["spec", "jobTemplate", "spec", "template"]),
        _ => None,
    }
}

/// All containers of a Pod spec: init, regular and ephemeral.
pub fn containers(spec: &Node) -> impl Iterator<Item = &Node> {
    ["initContainers", "containers", "ephemeralContainers"]
        .into_iter()
        .flat_map(move |k| spec.get(k).map(Node::seq).unwrap_or(&[]).iter())
}

/// The position to report a value at: the value, or the key when the value is null.
pub fn at(n: &Node) -> Pos {
    n.pos
}

/// The rules whose value must be a number, quantity, name or base64: a
/// template variable left in such a value is the likely cause.
const TYPED_VALUE_RULES: &[&str] = &[
    "yaml-syntax",
    "invalid-type",
    "invalid-quantity",
    "invalid-name",
    "invalid-label",
    "invalid-base64",
    "invalid-port-name",
    "invalid-value",
    "port-range",
];

/// An unexpanded template variable (`${VAR}`, `{{ .Values.x }}`,
/// `<PLACEHOLDER>`) on a diagnostic's line from its column on, for the
/// rules of [`TYPED_VALUE_RULES`].
pub fn placeholder(rule: &str, text: &str, line: usize, col: usize) -> Option<String> {
    if !TYPED_VALUE_RULES.contains(&rule) {
        return None;
    }
    let l = crate::diagnostic::source_line(text, line)?;
    let rest: String = l.chars().skip(col.saturating_sub(1)).collect();
    let rest = rest.split(" #").next().unwrap_or("");
    let between = |open: &str, close: &str| -> Option<String> {
        let a = rest.find(open)?;
        let b = rest[a + open.len()..].find(close)? + a + open.len() + close.len();
        Some(rest[a..b].to_string())
    };
    between("${", "}")
        .or_else(|| between("{{", "}}"))
        .or_else(|| {
            let p = between("<", ">")?;
            let inner = &p[1..p.len() - 1];
            (!inner.is_empty()
                && inner.chars().any(|c| c.is_ascii_alphabetic())
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .then_some(p)
        })
}
