//! Best-practice warnings on one object. Each can be turned off in book.toml
//! (`[kubernetes.rules] latest-tag = "off"`) or with `# kourse:allow RULE`.

use super::rules::{Out, containers, pod_spec};
use super::yaml::Node;

const LONG_RUNNING: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
];

/// Why an image reference cannot be real: its registry is a name reserved
/// for documentation (RFC 2606: example.com/.net/.org and the `.example`,
/// `.test` and `.invalid` domains) or a path segment of its repository is
/// `example`, as in a made-up `ghcr.io/example/app:1.0`.
pub fn placeholder_image(image: &str) -> Option<&'static str> {
    let name = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = name.split('/').collect();
    // The first part is a registry when it looks like a host (a dot, a
    // port or `localhost`), as the container runtimes decide.
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        let host = parts.remove(0);
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let reserved = ["example.com", "example.net", "example.org"]
            .iter()
            .any(|d| {
                host.strip_suffix(d)
                    .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            })
            || [".example", ".test", ".invalid"]
                .iter()
                .any(|tld| host.ends_with(tld));
        if reserved {
            return Some("is on a registry host reserved for documentation");
        }
    }
    // The last part carries the tag; the repository path is before it.
    let path_len = parts.len().saturating_sub(1);
    if parts[..path_len]
        .iter()
        .any(|p| p.eq_ignore_ascii_case("example"))
    {
        return Some("names a repository `example`");
    }
    None
}

pub fn check(kind: &str, obj: &Node, out: &mut Out) {
    if kind == "Service"
        && let Some(t) = obj.path(&["spec", "type"])
        && t.as_str() == Some("LoadBalancer")
    {
        out.push_note(
            "load-balancer",
            t.pos,
            "a LoadBalancer Service provisions a cloud load balancer (and costs money)",
            "on a local cluster it stays <pending>; say so in the text, or allow it with `# kourse:allow load-balancer`",
        );
    }
    let Some(spec) = pod_spec(kind, obj) else {
        return;
    };
    let long_running = LONG_RUNNING.contains(&kind);
    let pod_sc = spec.get("securityContext");
    for v in spec.get("volumes").map(Node::seq).unwrap_or(&[]) {
        if let Some(h) = v.key("hostPath") {
            out.push_note(
                "host-path",
                h.pos,
                "a hostPath volume exposes the node's filesystem to the Pod",
                "prefer emptyDir, a ConfigMap or a PersistentVolumeClaim",
            );
        }
    }
    for (ci, c) in containers(spec).enumerate() {
        let cpos = c.get("name").map_or(c.pos, |n| n.pos);
        let cname = c.get("name").and_then(Node::as_str).unwrap_or("?");
        if let Some(img) = c.get("image")
            && let Some(s) = img.as_str()
        {
            if let Some(why) = placeholder_image(s) {
                out.push_note(
                    "placeholder-image",
                    img.pos,
                    format!("image `{s}` {why}: no learner can pull it"),
                    "use the real image of the application, pinned to a release tag",
                );
            }
            let last = s.rsplit('/').next().unwrap_or(s);
            if !s.contains('@') && (!last.contains(':') || last.ends_with(":latest")) {
                out.push_note(
                    "latest-tag",
                    img.pos,
                    format!("image `{s}` has no fixed tag"),
                    "pin a version (e.g. nginx:1.27) so the example keeps working",
                );
            }
        }
        let regular = spec
            .get("containers")
            .is_some_and(|cs| cs.seq().iter().any(|x| std::ptr::eq(x, c)));
        let res = c.get("resources");
        let has_res = res.is_some_and(|r| {
            r.get("requests").is_some_and(|x| !x.entries().is_empty())
                || r.get("limits").is_some_and(|x| !x.entries().is_empty())
        });
        if regular && !has_res {
            out.push_note(
                "no-resources",
                cpos,
                format!("container `{cname}` sets no resource requests or limits"),
                "set resources.requests (and limits for memory) so the scheduler can place it",
            );
        }
        if regular
            && long_running
            && c.get("readinessProbe").is_none()
            && c.get("livenessProbe").is_none()
        {
            out.push_note(
                "no-probes",
                cpos,
                format!("container `{cname}` has no readiness or liveness probe"),
                "add a readinessProbe so traffic only reaches ready Pods",
            );
        }
        let sc = c.get("securityContext");
        let get = |k: &str| {
            sc.and_then(|s| s.get(k))
                .or_else(|| pod_sc.and_then(|s| s.get(k)))
        };
        if let Some(u) = get("runAsUser")
            && u.as_int() == Some(0)
        {
            out.push(
                "run-as-root",
                u.pos,
                format!("container `{cname}` runs as root (runAsUser: 0)"),
            );
        } else if let Some(n) = get("runAsNonRoot")
            && n.as_bool() == Some(false)
        {
            out.push(
                "run-as-root",
                n.pos,
                format!("container `{cname}` may run as root (runAsNonRoot: false)"),
            );
        }
        if let Some(p) = sc.and_then(|s| s.get("privileged"))
            && p.as_bool() == Some(true)
        {
            out.push_note(
                "privileged",
                p.pos,
                format!("container `{cname}` is privileged"),
                "it gets every capability and the host's devices",
            );
        }
        if let Some(p) = sc.and_then(|s| s.get("allowPrivilegeEscalation"))
            && p.as_bool() == Some(true)
        {
            out.push_note(
                "privilege-escalation",
                p.pos,
                format!("container `{cname}` allows privilege escalation"),
                "set allowPrivilegeEscalation: false",
            );
        }
        for e in c.get("env").map(Node::seq).unwrap_or(&[]) {
            let (Some(n), Some(v)) = (e.get("name").and_then(Node::as_str), e.get("value")) else {
                continue;
            };
            let upper = n.to_ascii_uppercase();
            let secretish = [
                "PASSWORD",
                "PASSWD",
                "SECRET",
                "TOKEN",
                "API_KEY",
                "APIKEY",
                "PRIVATE_KEY",
                "CREDENTIAL",
            ]
            .iter()
            .any(|w| upper.contains(w));
            if secretish && v.scalar_text().is_some_and(|t| !t.is_empty()) {
                out.push_note(
                    "secret-in-env",
                    v.pos,
                    format!("env var `{n}` holds a secret in plain text"),
                    "use valueFrom.secretKeyRef and a Secret",
                );
            }
        }
        let _ = ci;
    }
}

#[cfg(test)]
mod tests {
    use super::placeholder_image;

    #[test]
    fn documentation_hosts_and_example_repositories_are_placeholders() {
        for image in [
            "ghcr.io/example/seek-web:1.4.2",
            "registry.example.com/seek:1.18",
            "example.org/seek:1",
            "registry.example.com:5000/app@sha256:abc",
            "images.test/app:1",
            "example/app:1.0",
        ] {
            assert!(placeholder_image(image).is_some(), "{image}");
        }
        for image in [
            "fairdom/seek:1.18",
            "registry.k8s.io/e2e-test-images/agnhost:2.53",
            "localhost:5001/seek:dev",
            "myexample.com/app:1",
            "ghcr.io/org/example:1.0",
            "nginx",
        ] {
            assert_eq!(placeholder_image(image), None, "{image}");
        }
    }
}
