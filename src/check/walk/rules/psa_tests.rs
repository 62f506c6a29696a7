//! Pod Security controls by level and policy version.
use super::*;

fn spec(text: &str) -> Node {
    crate::check::walk::state::synthetic(text)
}

#[test]
fn restricted_needs_every_control_and_baseline_allows_defaults() {
    let plain = spec("containers:\n  - name: app\n    image: nginx:1.27.3\n");
    assert!(violations(Level::Baseline, LATEST, None, &plain).is_empty());
    let v = violations(Level::Restricted, LATEST, None, &plain);
    let controls: Vec<&str> = v.iter().map(|m| m.split(" (").next().unwrap()).collect();
    assert_eq!(
        controls,
        [
            "allowPrivilegeEscalation != false",
            "runAsNonRoot != true",
            "seccompProfile",
            "unrestricted capabilities"
        ]
    );
    let hardened = spec(
        "securityContext:\n  runAsNonRoot: true\n  seccompProfile:\n    type: RuntimeDefault\ncontainers:\n  - name: app\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n        add: [NET_BIND_SERVICE]\n",
    );
    assert!(violations(Level::Restricted, LATEST, None, &hardened).is_empty());
    let host = spec(
        "hostNetwork: true\nvolumes:\n  - name: h\n    hostPath:\n      path: /\ncontainers:\n  - name: a\n    securityContext:\n      privileged: true\n",
    );
    assert_eq!(violations(Level::Baseline, LATEST, None, &host).len(), 3);
}

#[test]
fn versions_parse_and_gate_the_controls() {
    assert_eq!(parse_version("latest"), Some(LATEST));
    assert_eq!(parse_version("v1.25"), Some(25));
    for bad in ["1.25", "v1.025", "v2.0", "v1.", "v1.x", "Latest", ""] {
        assert_eq!(parse_version(bad), None, "{bad}");
    }
    let controls = |level, v, text: &str| -> Vec<String> {
        violations(level, v, None, &spec(text))
            .iter()
            .map(|m| m.split(" (").next().unwrap().to_owned())
            .collect()
    };
    // A probe's host: baseline from v1.34.
    let probe = "containers:\n  - name: a\n    livenessProbe:\n      httpGet:\n        host: 10.0.0.1\n        port: 80\n";
    assert!(controls(Level::Baseline, 33, probe).is_empty());
    assert_eq!(
        controls(Level::Baseline, 34, probe),
        ["probe or lifecycle host"]
    );
    // Restricted at v1.18: no seccomp, capabilities or runAsUser
    // controls yet; allowPrivilegeEscalation (v1.8) and runAsNonRoot are.
    let root = "securityContext:\n  runAsUser: 0\ncontainers:\n  - name: a\n";
    assert_eq!(
        controls(Level::Restricted, 18, root),
        ["allowPrivilegeEscalation != false", "runAsNonRoot != true"]
    );
    assert_eq!(controls(Level::Restricted, 23, root).len(), 5);
    // A Pod in a user namespace: relaxed from v1.35 at both levels for
    // runAsNonRoot and runAsUser, and for procMount at baseline only.
    let userns = "hostUsers: false\nsecurityContext:\n  runAsNonRoot: false\n  seccompProfile:\n    type: RuntimeDefault\ncontainers:\n  - name: a\n    securityContext:\n      procMount: Unmasked\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n";
    assert_eq!(controls(Level::Baseline, 34, userns), ["procMount"]);
    assert!(controls(Level::Baseline, 35, userns).is_empty());
    assert_eq!(controls(Level::Restricted, 35, userns), ["procMount"]);
    assert_eq!(
        controls(Level::Restricted, 34, userns),
        ["procMount", "runAsNonRoot != true"]
    );
    // SELinux type container_engine_t: allowed from v1.31.
    let engine = "securityContext:\n  seLinuxOptions:\n    type: container_engine_t\ncontainers:\n  - name: a\n";
    assert_eq!(controls(Level::Baseline, 30, engine), ["seLinuxOptions"]);
    assert!(controls(Level::Baseline, 31, engine).is_empty());
    // The seccomp annotation counts before v1.19.
    let meta = spec("annotations:\n  seccomp.security.alpha.kubernetes.io/pod: unconfined\n");
    let plain = spec("containers:\n  - name: a\n");
    assert_eq!(
        violations(Level::Baseline, 18, Some(&meta), &plain).len(),
        1
    );
    assert!(violations(Level::Baseline, 19, Some(&meta), &plain).is_empty());
}
