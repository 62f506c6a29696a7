//! Pod spec rules (core/validation ValidatePodSpec): container, port, volume
//! and env names, port ranges, volume mounts, resources, probes.

use std::collections::HashMap;

use super::{Out, containers, names, quantity};
use crate::check::yaml::{Node, Value};

/// `claims`: names of a StatefulSet's volumeClaimTemplates, which count as volumes.
pub fn check<'a>(spec: &'a Node, claims: &[&'a Node], out: &mut Out) {
    let mut volumes: HashMap<&str, &Node> = HashMap::new();
    for c in claims {
        if let Some(name) = c.as_str() {
            volumes.insert(name, c);
        }
    }
    for v in spec.get("volumes").map(Node::seq).unwrap_or(&[]) {
        if let Some(n) = v.get("name") {
            if let Some(name) = n.as_str() {
                if let Err(e) = names::dns1123_label(name) {
                    out.push("invalid-name", n.pos, format!("volume name `{name}` {e}"));
                }
                if let Some(prev) = volumes.insert(name, n) {
                    out.push_note(
                        "duplicate-name",
                        n.pos,
                        format!("volume `{name}` is defined twice"),
                        format!("first defined at line {}", prev.pos.line),
                    );
                }
            }
        }
    }
    let mut cnames: HashMap<&str, &Node> = HashMap::new();
    let mut pnames: HashMap<&str, &Node> = HashMap::new();
    for c in containers(spec) {
        if let Some(n) = c.get("name")
            && let Some(name) = n.as_str()
        {
            if let Err(e) = names::dns1123_label(name) {
                out.push(
                    "invalid-name",
                    n.pos,
                    format!("container name `{name}` {e}"),
                );
            }
            if let Some(prev) = cnames.insert(name, n) {
                out.push_note(
                    "duplicate-name",
                    n.pos,
                    format!("container name `{name}` is used twice in the Pod"),
                    format!("first used at line {}", prev.pos.line),
                );
            }
        }
        for p in c.get("ports").map(Node::seq).unwrap_or(&[]) {
            for key in ["containerPort", "hostPort"] {
                if let Some(n) = p.get(key) {
                    port_range(n, key, out);
                }
            }
            if let Some(n) = p.get("name")
                && let Some(name) = n.as_str()
            {
                if let Err(e) = names::port_name(name) {
                    out.push(
                        "invalid-port-name",
                        n.pos,
                        format!("port name `{name}` {e}"),
                    );
                }
                if let Some(prev) = pnames.insert(name, n) {
                    out.push_note(
                        "duplicate-name",
                        n.pos,
                        format!("port name `{name}` is used twice in the Pod"),
                        format!("first used at line {}", prev.pos.line),
                    );
                }
            }
        }
        for m in c.get("volumeMounts").map(Node::seq).unwrap_or(&[]) {
            if let Some(n) = m.get("name")
                && let Some(name) = n.as_str()
                && !volumes.contains_key(name)
            {
                let mut names: Vec<&str> = volumes.keys().copied().collect();
                names.sort_unstable();
                let note = match crate::check::validate::did_you_mean(name, names.iter().copied()) {
                    Some(b) => format!("did you mean `{b}`?"),
                    None if names.is_empty() => "the Pod defines no volumes".to_string(),
                    None => format!("the Pod's volumes: {}", names.join(", ")),
                };
                out.push_note(
                    "undefined-volume",
                    n.pos,
                    format!("volumeMount names volume `{name}`, which the Pod does not define"),
                    note,
                );
            }
        }
        let mut env_names: HashMap<&str, &Node> = HashMap::new();
        for e in c.get("env").map(Node::seq).unwrap_or(&[]) {
            let Some(n) = e.get("name") else { continue };
            let Some(name) = n.as_str() else { continue };
            if let Err(msg) = names::env_var_name(name) {
                out.push(
                    "invalid-env-name",
                    n.pos,
                    format!("env var name `{name}` {msg}"),
                );
            }
            // The apiserver accepts it with a warning that it "hides previous
            // definition" (kubernetes/kubernetes pkg/api/pod/warnings.go),
            // except a value that extends the earlier one through `$(NAME)`.
            let reference = format!("$({name})");
            let extends = e.get("valueFrom").is_none()
                && e.get("value")
                    .and_then(Node::as_str)
                    .is_some_and(|v| v != reference && v.contains(&reference));
            if let Some(prev) = env_names.insert(name, n)
                && !extends
            {
                out.push_note(
                    "duplicate-env",
                    n.pos,
                    format!("env var `{name}` is set twice in the container; this value hides the first, which `kubectl apply` may drop"),
                    format!("the one it hides is at line {}", prev.pos.line),
                );
            }
        }
        if let Some(res) = c.get("resources") {
            requests_limits(res, out);
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if let Some(p) = c.get(probe) {
                probe_handler(c, probe, p, out);
                handler_ports(p, out);
            }
        }
        for hook in ["postStart", "preStop"] {
            if let Some(h) = c.path(&["lifecycle", hook]) {
                handler_ports(h, out);
            }
        }
    }
    super::network::pod_ips(spec, out);
}

/// The ports of a probe's or lifecycle hook's handler: a number in range or
/// a port name (core/validation/validation.go validateHTTPGetAction,
/// validateTCPSocketAction, validateGRPCAction).
fn handler_ports(h: &Node, out: &mut Out) {
    for handler in ["httpGet", "tcpSocket", "grpc"] {
        let Some(n) = h.path(&[handler, "port"]) else {
            continue;
        };
        match &n.value {
            Value::Int(_) => port_range(n, &format!("{handler}.port"), out),
            Value::Str(s) if handler != "grpc" => {
                if let Err(e) = names::port_name(s) {
                    out.push(
                        "invalid-port-name",
                        n.pos,
                        format!(
                            "{handler}.port `{s}` is not a port number or a valid port name: {e}"
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

pub fn port_range(n: &Node, what: &str, out: &mut Out) {
    if let Some(p) = n.as_int()
        && !(1..=65535).contains(&p)
    {
        out.push(
            "port-range",
            n.pos,
            format!("`{what}` {p} is outside 1-65535"),
        );
    }
}

fn requests_limits(res: &Node, out: &mut Out) {
    let (Some(req), Some(lim)) = (res.get("requests"), res.get("limits")) else {
        return;
    };
    for (k, r) in req.entries() {
        let Some(name) = k.as_str() else { continue };
        let Some(l) = lim.get(name) else { continue };
        let (Some(rv), Some(lv)) = (qty(r), qty(l)) else {
            continue;
        };
        if rv > lv {
            out.push_note(
                "requests-exceed-limits",
                r.pos,
                format!(
                    "request for `{name}` ({}) is above its limit ({})",
                    show(r),
                    show(l)
                ),
                format!("the limit is at line {}", l.pos.line),
            );
        }
    }
}

fn qty(n: &Node) -> Option<f64> {
    match &n.value {
        Value::Str(s) => quantity::parse(s),
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn show(n: &Node) -> String {
    n.scalar_text().unwrap_or_default()
}

fn probe_handler(container: &Node, which: &str, p: &Node, out: &mut Out) {
    let handlers: Vec<&str> = ["exec", "httpGet", "tcpSocket", "grpc"]
        .into_iter()
        .filter(|h| p.get(h).is_some_and(|v| !v.is_null()))
        .collect();
    let pos = container.key(which).map_or(p.pos, |k| k.pos);
    match handlers.len() {
        1 => {}
        0 => out.push_note(
            "probe-handler",
            pos,
            format!("`{which}` has no handler"),
            "give it exactly one of exec, httpGet, tcpSocket or grpc",
        ),
        _ => out.push_note(
            "probe-handler",
            pos,
            format!(
                "`{which}` has {} handlers ({})",
                handlers.len(),
                handlers.join(", ")
            ),
            "a probe must have exactly one handler",
        ),
    }
}
