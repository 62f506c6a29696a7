//! Pod Security Admission: the Pod Security Standards' baseline and
//! restricted controls, mirroring kubernetes/kubernetes
//! staging/src/k8s.io/pod-security-admission/policy/check_*.go (each control
//! names its file), evaluated at the policy version a namespace pins
//! (`pod-security.kubernetes.io/<mode>-version`): each control applies from
//! the version its `VersionedCheck` gives as `MinimumVersion`.

use std::collections::BTreeMap;

use crate::check::yaml::Node;

/// A policy version: the minor `N` of `v1.N`; [`LATEST`] is `latest`.
pub type Version = u32;

/// `latest`: every control, as the newest policy version has it.
pub const LATEST: Version = u32::MAX;

/// A version label's value (pod-security-admission/api/helpers.go
/// ParseVersion: `latest` or `v1.N`, N without leading zeros); `None` for
/// anything else, which the apiserver refuses on the Namespace.
pub fn parse_version(v: &str) -> Option<Version> {
    if v == "latest" {
        return Some(LATEST);
    }
    let minor = v.strip_prefix("v1.")?;
    if minor.is_empty()
        || !minor.bytes().all(|b| b.is_ascii_digit())
        || (minor.len() > 1 && minor.starts_with('0'))
        || minor.len() > 4
    {
        return None;
    }
    minor.parse().ok()
}

/// `latest` or `v1.N`, as the apiserver writes a policy.
pub fn show_version(v: Version) -> String {
    if v == LATEST {
        "latest".into()
    } else {
        format!("v1.{v}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    /// A namespace label's value (pod-security-admission/api/helpers.go
    /// ParseLevel); `None` for anything else, which the apiserver refuses
    /// on the Namespace (admission/admission.go ValidateNamespace).
    pub fn parse(v: &str) -> Option<Level> {
        match v {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

/// The policy of one mode (`enforce`, `audit`, `warn`) of a namespace's
/// labels (pod-security-admission/api/helpers.go PolicyToEvaluate): no
/// level label is privileged (the lab's default, `None` here), no version
/// label is `latest`.
pub fn policy(labels: &BTreeMap<String, String>, mode: &str) -> Option<(Level, Version)> {
    let level = labels.get(&format!("{PREFIX}{mode}"))?;
    let level = Level::parse(level).unwrap_or(Level::Restricted);
    let version = labels
        .get(&format!("{PREFIX}{mode}-version"))
        .and_then(|v| parse_version(v))
        .unwrap_or(LATEST);
    (level != Level::Privileged).then_some((level, version))
}

/// `restricted:v1.25`, as the apiserver names a policy.
pub fn show(level: Level, version: Version) -> String {
    format!("{}:{}", level.name(), show_version(version))
}

pub const PREFIX: &str = "pod-security.kubernetes.io/";

/// What is wrong with a namespace's Pod Security labels: the apiserver
/// refuses a Namespace whose level or version label does not parse
/// (admission/admission.go ValidateNamespace, api/helpers.go ParseLevel and
/// ParseVersion).
pub fn label_errors(labels: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for mode in ["enforce", "audit", "warn"] {
        let key = format!("{PREFIX}{mode}");
        if let Some(v) = labels.get(&key)
            && Level::parse(v).is_none()
        {
            out.push(format!(
                "metadata.labels[{key}]: Invalid value: \"{v}\": must be one of privileged, baseline, restricted"
            ));
        }
        let key = format!("{key}-version");
        if let Some(v) = labels.get(&key)
            && parse_version(v).is_none()
        {
            out.push(format!(
                "metadata.labels[{key}]: Invalid value: \"{v}\": must be \"latest\" or \"v1.x\""
            ));
        }
    }
    out
}

fn containers(spec: &Node) -> impl Iterator<Item = (&str, &Node)> {
    crate::check::rules::containers(spec)
        .map(|c| (c.get("name").and_then(Node::as_str).unwrap_or("?"), c))
}

fn sc<'a>(c: &'a Node, key: &str) -> Option<&'a Node> {
    c.path(&["securityContext", key])
}

fn truthy(n: Option<&Node>) -> bool {
    n.and_then(Node::as_bool) == Some(true)
}

fn text(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::scalar_text)
}

/// The controls a Pod (its metadata and spec) violates at `level` and
/// policy `version`, as the apiserver words them. Restricted controls that
/// override a baseline one (policy/registry.go `OverrideCheckIDs`) replace
/// it from their own version on.
pub fn violations(level: Level, version: Version, meta: Option<&Node>, spec: &Node) -> Vec<String> {
    let mut out = Vec::new();
    if level == Level::Privileged {
        return out;
    }
    let v = version;
    let restricted = level == Level::Restricted;
    let pod_sc = spec.get("securityContext");
    // Pods in a user namespace (`hostUsers: false`) are relaxed from v1.35
    // (policy/helpers.go relaxPolicyForUserNamespacePod).
    let user_ns = v >= 35 && spec.get("hostUsers").and_then(Node::as_bool) == Some(false);
    let windows = spec.path(&["os", "name"]).and_then(Node::as_str) == Some("windows");
    // check_windowsHostProcess.go (v1.0)
    let host_process: Vec<&str> = containers(spec)
        .filter(|(_, c)| truthy(c.path(&["securityContext", "windowsOptions", "hostProcess"])))
        .map(|(n, _)| n)
        .collect();
    if !host_process.is_empty()
        || truthy(pod_sc.and_then(|s| s.path(&["windowsOptions", "hostProcess"])))
    {
        out.push("hostProcess (pod or containers must not set securityContext.windowsOptions.hostProcess=true)".into());
    }
    // check_hostNamespaces.go (v1.0)
    let hosts: Vec<String> = ["hostNetwork", "hostPID", "hostIPC"]
        .into_iter()
        .filter(|k| truthy(spec.get(k)))
        .map(|k| format!("{k}=true"))
        .collect();
    if !hosts.is_empty() {
        out.push(format!("host namespaces ({})", hosts.join(", ")));
    }
    // check_privileged.go (v1.0)
    let privileged: Vec<&str> = containers(spec)
        .filter(|(_, c)| truthy(sc(c, "privileged")))
        .map(|(n, _)| n)
        .collect();
    if !privileged.is_empty() {
        out.push(format!(
            "privileged ({} must not set securityContext.privileged=true)",
            names(&privileged)
        ));
    }
    // check_capabilities_baseline.go (v1.0): the default container runtime
    // set; check_capabilities_restricted.go overrides it from v1.22.
    if !(restricted && v >= 22) {
        capabilities_baseline(spec, &mut out);
    }
    // check_hostPathVolumes.go (v1.0); check_restrictedVolumes.go overrides it.
    let volumes = spec.get("volumes").map(Node::seq).unwrap_or(&[]);
    let host_paths: Vec<&str> = volumes
        .iter()
        .filter(|v| v.get("hostPath").is_some())
        .filter_map(|v| v.get("name").and_then(Node::as_str))
        .collect();
    if !restricted && !host_paths.is_empty() {
        out.push(format!(
            "hostPath volumes (volumes \"{}\")",
            host_paths.join("\", \"")
        ));
    }
    // check_hostPorts.go (v1.0)
    let mut host_ports: Vec<String> = Vec::new();
    for (_, c) in containers(spec) {
        for p in c.get("ports").map(Node::seq).unwrap_or(&[]) {
            if let Some(hp) = p.get("hostPort").and_then(Node::as_int)
                && hp != 0
            {
                host_ports.push(hp.to_string());
            }
        }
    }
    if !host_ports.is_empty() {
        out.push(format!("hostPort (hostPorts {})", host_ports.join(", ")));
    }
    // check_appArmorProfile.go (v1.0): the field and the annotations.
    let unconfined = |s: Option<&Node>| {
        s.and_then(|s| s.path(&["appArmorProfile", "type"]))
            .and_then(Node::as_str)
            == Some("Unconfined")
    };
    let annotations = meta
        .and_then(|m| m.get("annotations"))
        .map(Node::entries)
        .unwrap_or(&[]);
    let bad_annotation = annotations.iter().any(|(k, v)| {
        k.as_str()
            .is_some_and(|k| k.starts_with("container.apparmor.security.beta.kubernetes.io/"))
            && v.as_str()
                .is_some_and(|v| v != "runtime/default" && !v.starts_with("localhost/"))
    });
    if unconfined(pod_sc)
        || containers(spec).any(|(_, c)| unconfined(c.get("securityContext")))
        || bad_annotation
    {
        out.push("forbidden AppArmor profile (Unconfined)".into());
    }
    // check_seLinuxOptions.go: container_engine_t is allowed from v1.31.
    let selinux_ok = |t: &str| {
        matches!(
            t,
            "" | "container_t" | "container_init_t" | "container_kvm_t"
        ) || (t == "container_engine_t" && v >= 31)
    };
    let bad_selinux = |s: Option<&Node>| {
        s.and_then(|s| s.get("seLinuxOptions")).is_some_and(|o| {
            text(o.get("type")).is_some_and(|t| !selinux_ok(&t))
                || o.get("user").is_some_and(|u| !u.is_null())
                || o.get("role").is_some_and(|r| !r.is_null())
        })
    };
    if bad_selinux(pod_sc) || containers(spec).any(|(_, c)| bad_selinux(c.get("securityContext"))) {
        out.push("seLinuxOptions (type, user or role not allowed)".into());
    }
    // check_procMount.go (v1.0; from v1.35 baseline lets a Pod in a user
    // namespace unmask /proc) and check_procMount_restricted.go (v1.35:
    // restricted never does).
    if restricted || !user_ns {
        let unmasked: Vec<&str> = containers(spec)
            .filter(|(_, c)| text(sc(c, "procMount")).is_some_and(|p| p != "Default"))
            .map(|(n, _)| n)
            .collect();
        if !unmasked.is_empty() {
            out.push(format!(
                "procMount ({} must not set securityContext.procMount)",
                names(&unmasked)
            ));
        }
    }
    // check_seccompProfile_baseline.go: the annotations up to v1.18, the
    // fields from v1.19; check_seccompProfile_restricted.go overrides it
    // from v1.19.
    let seccomp = |s: Option<&Node>| {
        s.and_then(|s| s.path(&["seccompProfile", "type"]))
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    if v < 19 {
        let bad = annotations.iter().any(|(k, val)| {
            k.as_str().is_some_and(|k| {
                k == "seccomp.security.alpha.kubernetes.io/pod"
                    || k.starts_with("container.seccomp.security.alpha.kubernetes.io/")
            }) && val.as_str().is_some_and(|x| {
                !matches!(x, "runtime/default" | "docker/default") && !x.starts_with("localhost/")
            })
        });
        if bad {
            out.push("seccompProfile (annotation must be runtime/default, docker/default or localhost/*)".into());
        }
    } else if !restricted
        && (seccomp(pod_sc).as_deref() == Some("Unconfined")
            || containers(spec)
                .any(|(_, c)| seccomp(c.get("securityContext")).as_deref() == Some("Unconfined")))
    {
        out.push("seccompProfile (type must not be Unconfined)".into());
    }
    // check_sysctls.go: the safe set grows at v1.27, v1.29 and v1.32.
    let safe = |n: &str| {
        SYSCTLS
            .iter()
            .any(|(since, names)| v >= *since && names.contains(&n))
    };
    let sysctls: Vec<String> = pod_sc
        .and_then(|s| s.get("sysctls"))
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|s| text(s.get("name")))
        .filter(|n| !safe(n))
        .collect();
    if !sysctls.is_empty() {
        out.push(format!("forbidden sysctls ({})", sysctls.join(", ")));
    }
    // check_hostProbesAndhostLifecycle.go (v1.34): no `host` in probes and
    // lifecycle handlers.
    if v >= 34 {
        let hosts = probe_hosts(spec);
        if !hosts.is_empty() {
            out.push(format!(
                "probe or lifecycle host ({} must not set host)",
                names(&hosts)
            ));
        }
    }
    if !restricted {
        return out;
    }
    restricted_controls(v, windows, user_ns, volumes, spec, &mut out);
    out
}

/// check_sysctls.go: the safe sysctls and the version each joined the set.
const SYSCTLS: [(Version, &[&str]); 4] = [
    (
        0,
        &[
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
        ],
    ),
    (27, &["net.ipv4.ip_local_reserved_ports"]),
    (
        29,
        &[
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ],
    ),
    (32, &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
];

/// Containers whose probes or lifecycle handlers name a `host`.
fn probe_hosts(spec: &Node) -> Vec<&str> {
    containers(spec)
        .filter(|(_, c)| {
            let probes = ["livenessProbe", "readinessProbe", "startupProbe"]
                .into_iter()
                .filter_map(|p| c.get(p));
            let hooks = ["postStart", "preStop"]
                .into_iter()
                .filter_map(|h| c.path(&["lifecycle", h]));
            probes.chain(hooks).any(|h| {
                ["httpGet", "tcpSocket"].into_iter().any(|k| {
                    h.path(&[k, "host"])
                        .and_then(Node::scalar_text)
                        .is_some_and(|x| !x.is_empty())
                })
            })
        })
        .map(|(n, _)| n)
        .collect()
}

fn capabilities_baseline(spec: &Node, out: &mut Vec<String>) {
    const BASELINE_CAPS: [&str; 13] = [
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    ];
    let mut added: Vec<String> = Vec::new();
    for (_, c) in containers(spec) {
        for cap in c
            .path(&["securityContext", "capabilities", "add"])
            .map(Node::seq)
            .unwrap_or(&[])
        {
            if let Some(cap) = cap.as_str()
                && !BASELINE_CAPS.contains(&cap)
                && !added.iter().any(|a| a == cap)
            {
                added.push(cap.to_owned());
            }
        }
    }
    if !added.is_empty() {
        out.push(format!(
            "non-default capabilities (capabilities \"{}\" must not be added)",
            added.join("\", \"")
        ));
    }
}

/// The restricted level's own controls at version `v`.
fn restricted_controls(
    v: Version,
    windows: bool,
    user_ns: bool,
    volumes: &[Node],
    spec: &Node,
    out: &mut Vec<String>,
) {
    let pod_sc = spec.get("securityContext");
    // Windows Pods are exempt from these from v1.25.
    let windows = windows && v >= 25;
    // check_restrictedVolumes.go (v1.0): only these volume sources.
    const VOLUMES: [&str; 9] = [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
        "image",
    ];
    let bad_volumes: Vec<String> = volumes
        .iter()
        .filter_map(|vol| {
            vol.entries()
                .iter()
                .filter_map(|(k, _)| k.as_str())
                .find(|k| *k != "name" && !VOLUMES.contains(k))
                .map(|k| {
                    format!(
                        "{} ({k})",
                        vol.get("name").and_then(Node::as_str).unwrap_or("?")
                    )
                })
        })
        .collect();
    if !bad_volumes.is_empty() {
        out.push(format!(
            "restricted volume types (volumes {})",
            bad_volumes.join(", ")
        ));
    }
    // check_allowPrivilegeEscalation.go (v1.8).
    let escalating: Vec<&str> = containers(spec)
        .filter(|(_, c)| sc(c, "allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false))
        .map(|(n, _)| n)
        .collect();
    if v >= 8 && !windows && !escalating.is_empty() {
        out.push(format!(
            "allowPrivilegeEscalation != false ({} must set securityContext.allowPrivilegeEscalation=false)",
            names(&escalating)
        ));
    }
    // check_runAsNonRoot.go (v1.0; a Pod in a user namespace passes from v1.35).
    let pod_non_root = pod_sc
        .and_then(|s| s.get("runAsNonRoot"))
        .and_then(Node::as_bool);
    let root_ok: Vec<&str> = containers(spec)
        .filter(
            |(_, c)| match sc(c, "runAsNonRoot").and_then(Node::as_bool) {
                Some(x) => !x,
                None => pod_non_root != Some(true),
            },
        )
        .map(|(n, _)| n)
        .collect();
    if !user_ns && (pod_non_root == Some(false) || !root_ok.is_empty()) {
        out.push(format!(
            "runAsNonRoot != true (pod or {} must set securityContext.runAsNonRoot=true)",
            if root_ok.is_empty() {
                "containers".to_owned()
            } else {
                names(&root_ok)
            }
        ));
    }
    // check_runAsUser.go (v1.23; a Pod in a user namespace passes from v1.35).
    let zero =
        |s: Option<&Node>| s.and_then(|s| s.get("runAsUser")).and_then(Node::as_int) == Some(0);
    if v >= 23
        && !user_ns
        && (zero(pod_sc) || containers(spec).any(|(_, c)| zero(c.get("securityContext"))))
    {
        out.push("runAsUser=0 (pod and containers must not set runAsUser=0)".into());
    }
    // check_seccompProfile_restricted.go (v1.19).
    let seccomp = |s: Option<&Node>| {
        s.and_then(|s| s.path(&["seccompProfile", "type"]))
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    let good = |t: Option<String>| matches!(t.as_deref(), Some("RuntimeDefault" | "Localhost"));
    let pod_good = good(seccomp(pod_sc));
    let unset: Vec<&str> = containers(spec)
        .filter(|(_, c)| {
            let t = seccomp(c.get("securityContext"));
            if t.is_none() { !pod_good } else { !good(t) }
        })
        .map(|(n, _)| n)
        .collect();
    if v >= 19 && !windows && !unset.is_empty() {
        out.push(format!(
            "seccompProfile (pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            names(&unset)
        ));
    }
    // check_capabilities_restricted.go (v1.22).
    if v < 22 || windows {
        return;
    }
    let mut not_dropped = Vec::new();
    let mut bad_add = Vec::new();
    for (n, c) in containers(spec) {
        let caps = c.path(&["securityContext", "capabilities"]);
        let drop = caps
            .and_then(|c| c.get("drop"))
            .map(Node::seq)
            .unwrap_or(&[]);
        if !drop.iter().any(|d| d.as_str() == Some("ALL")) {
            not_dropped.push(n);
        }
        for a in caps
            .and_then(|c| c.get("add"))
            .map(Node::seq)
            .unwrap_or(&[])
        {
            if let Some(a) = a.as_str()
                && a != "NET_BIND_SERVICE"
            {
                bad_add.push(a.to_owned());
            }
        }
    }
    if !not_dropped.is_empty() || !bad_add.is_empty() {
        let mut why = Vec::new();
        if !not_dropped.is_empty() {
            why.push(format!(
                "{} must set securityContext.capabilities.drop=[\"ALL\"]",
                names(&not_dropped)
            ));
        }
        if !bad_add.is_empty() {
            why.push(format!("must not add \"{}\"", bad_add.join("\", \"")));
        }
        out.push(format!("unrestricted capabilities ({})", why.join("; ")));
    }
}

fn names(list: &[&str]) -> String {
    let quoted: Vec<String> = list.iter().map(|n| format!("\"{n}\"")).collect();
    if list.len() == 1 {
        format!("container {}", quoted[0])
    } else {
        format!("containers {}", quoted.join(", "))
    }
}

#[cfg(test)]
#[path = "psa_tests.rs"]
mod tests;
