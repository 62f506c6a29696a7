//! Pod Security Admission: the Pod Security Standards' baseline and
//! restricted controls, mirroring kubernetes/kubernetes
//! staging/src/k8s.io/pod-security-admission/policy/check_*.go (each control
//! names its file), evaluated at the latest policy version.

use crate::check::yaml::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    /// A namespace label's value (pod-security-admission/api/helpers.go
    /// ParseLevel); an invalid one is enforced as restricted
    /// (admission/admission.go: invalid labels default to restricted).
    pub fn parse(v: &str) -> Level {
        match v {
            "privileged" => Level::Privileged,
            "baseline" => Level::Baseline,
            _ => Level::Restricted,
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

/// The controls a Pod (its metadata and spec) violates at `level`, as
/// the apiserver words them.
pub fn violations(level: Level, meta: Option<&Node>, spec: &Node) -> Vec<String> {
    let mut out = Vec::new();
    if level == Level::Privileged {
        return out;
    }
    let pod_sc = spec.get("securityContext");
    // check_windowsHostProcess.go
    let host_process: Vec<&str> = containers(spec)
        .filter(|(_, c)| truthy(c.path(&["securityContext", "windowsOptions", "hostProcess"])))
        .map(|(n, _)| n)
        .collect();
    if !host_process.is_empty()
        || truthy(pod_sc.and_then(|s| s.path(&["windowsOptions", "hostProcess"])))
    {
        out.push("hostProcess (pod or containers must not set securityContext.windowsOptions.hostProcess=true)".into());
    }
    // check_hostNamespaces.go
    let hosts: Vec<String> = ["hostNetwork", "hostPID", "hostIPC"]
        .into_iter()
        .filter(|k| truthy(spec.get(k)))
        .map(|k| format!("{k}=true"))
        .collect();
    if !hosts.is_empty() {
        out.push(format!("host namespaces ({})", hosts.join(", ")));
    }
    // check_privileged.go
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
    // check_capabilities_baseline.go: the default container runtime set.
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
    // check_hostPathVolumes.go
    let volumes = spec.get("volumes").map(Node::seq).unwrap_or(&[]);
    let host_paths: Vec<&str> = volumes
        .iter()
        .filter(|v| v.get("hostPath").is_some())
        .filter_map(|v| v.get("name").and_then(Node::as_str))
        .collect();
    if !host_paths.is_empty() {
        out.push(format!(
            "hostPath volumes (volumes \"{}\")",
            host_paths.join("\", \"")
        ));
    }
    // check_hostPorts.go
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
    // check_appArmorProfile.go: the field and the annotations.
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
    // check_seLinuxOptions.go
    const SELINUX_TYPES: [&str; 5] = [
        "",
        "container_t",
        "container_init_t",
        "container_kvm_t",
        "container_engine_t",
    ];
    let bad_selinux = |s: Option<&Node>| {
        s.and_then(|s| s.get("seLinuxOptions")).is_some_and(|o| {
            text(o.get("type")).is_some_and(|t| !SELINUX_TYPES.contains(&t.as_str()))
                || o.get("user").is_some_and(|u| !u.is_null())
                || o.get("role").is_some_and(|r| !r.is_null())
        })
    };
    if bad_selinux(pod_sc) || containers(spec).any(|(_, c)| bad_selinux(c.get("securityContext"))) {
        out.push("seLinuxOptions (type, user or role not allowed)".into());
    }
    // check_procMount.go (pods in a user namespace may unmask /proc).
    if spec.get("hostUsers").and_then(Node::as_bool) != Some(false) {
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
    // check_seccompProfile_baseline.go
    let seccomp = |s: Option<&Node>| {
        s.and_then(|s| s.path(&["seccompProfile", "type"]))
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    if seccomp(pod_sc).as_deref() == Some("Unconfined")
        || containers(spec)
            .any(|(_, c)| seccomp(c.get("securityContext")).as_deref() == Some("Unconfined"))
    {
        out.push("seccompProfile (type must not be Unconfined)".into());
    }
    // check_sysctls.go: the safe set, as of the newest policy version.
    const SAFE_SYSCTLS: [&str; 12] = [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    ];
    let sysctls: Vec<String> = pod_sc
        .and_then(|s| s.get("sysctls"))
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|s| text(s.get("name")))
        .filter(|n| !SAFE_SYSCTLS.contains(&n.as_str()))
        .collect();
    if !sysctls.is_empty() {
        out.push(format!("forbidden sysctls ({})", sysctls.join(", ")));
    }
    if level == Level::Baseline {
        return out;
    }
    // check_restrictedVolumes.go: only these volume sources.
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
    let restricted: Vec<String> = volumes
        .iter()
        .filter_map(|v| {
            v.entries()
                .iter()
                .filter_map(|(k, _)| k.as_str())
                .find(|k| *k != "name" && !VOLUMES.contains(k))
                .map(|k| {
                    format!(
                        "{} ({k})",
                        v.get("name").and_then(Node::as_str).unwrap_or("?")
                    )
                })
        })
        .collect();
    if !restricted.is_empty() {
        out.push(format!(
            "restricted volume types (volumes {})",
            restricted.join(", ")
        ));
    }
    let windows = spec.path(&["os", "name"]).and_then(Node::as_str) == Some("windows");
    // check_allowPrivilegeEscalation.go (not for Windows Pods).
    let escalating: Vec<&str> = containers(spec)
        .filter(|(_, c)| sc(c, "allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false))
        .map(|(n, _)| n)
        .collect();
    if !windows && !escalating.is_empty() {
        out.push(format!(
            "allowPrivilegeEscalation != false ({} must set securityContext.allowPrivilegeEscalation=false)",
            names(&escalating)
        ));
    }
    // check_runAsNonRoot.go
    let pod_non_root = pod_sc
        .and_then(|s| s.get("runAsNonRoot"))
        .and_then(Node::as_bool);
    let root_ok: Vec<&str> = containers(spec)
        .filter(
            |(_, c)| match sc(c, "runAsNonRoot").and_then(Node::as_bool) {
                Some(v) => !v,
                None => pod_non_root != Some(true),
            },
        )
        .map(|(n, _)| n)
        .collect();
    if pod_non_root == Some(false) || !root_ok.is_empty() {
        out.push(format!(
            "runAsNonRoot != true (pod or {} must set securityContext.runAsNonRoot=true)",
            if root_ok.is_empty() {
                "containers".to_owned()
            } else {
                names(&root_ok)
            }
        ));
    }
    // check_runAsUser.go
    let zero =
        |s: Option<&Node>| s.and_then(|s| s.get("runAsUser")).and_then(Node::as_int) == Some(0);
    if zero(pod_sc) || containers(spec).any(|(_, c)| zero(c.get("securityContext"))) {
        out.push("runAsUser=0 (pod and containers must not set runAsUser=0)".into());
    }
    // check_seccompProfile_restricted.go
    let good = |t: Option<String>| matches!(t.as_deref(), Some("RuntimeDefault" | "Localhost"));
    let pod_good = good(seccomp(pod_sc));
    let unset: Vec<&str> = containers(spec)
        .filter(|(_, c)| {
            let t = seccomp(c.get("securityContext"));
            if t.is_none() { !pod_good } else { !good(t) }
        })
        .map(|(n, _)| n)
        .collect();
    if !windows && !unset.is_empty() {
        out.push(format!(
            "seccompProfile (pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            names(&unset)
        ));
    }
    // check_capabilities_restricted.go
    if !windows {
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
    out
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
mod tests {
    use super::*;

    fn spec(text: &str) -> Node {
        crate::check::walk::state::synthetic(text)
    }

    #[test]
    fn restricted_needs_every_control_and_baseline_allows_defaults() {
        let plain = spec("containers:\n  - name: app\n    image: nginx:1.27.3\n");
        assert!(violations(Level::Baseline, None, &plain).is_empty());
        let v = violations(Level::Restricted, None, &plain);
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
        assert!(violations(Level::Restricted, None, &hardened).is_empty());
        let host = spec(
            "hostNetwork: true\nvolumes:\n  - name: h\n    hostPath:\n      path: /\ncontainers:\n  - name: a\n    securityContext:\n      privileged: true\n",
        );
        assert_eq!(violations(Level::Baseline, None, &host).len(), 3);
    }
}
