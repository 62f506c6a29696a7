//! Object rules the apiserver enforces and schemas miss (pkg/apis/*/validation).

use super::{Out, names, network, pod, pod_spec, pod_template};
use crate::check::yaml::{Node, Pos, Value};

/// Runs every apiserver rule on one object.
pub fn check(api: &str, kind: &str, obj: &Node, out: &mut Out) {
    metadata(kind, obj, out);
    if let Some(spec) = pod_spec(kind, obj) {
        let claims: Vec<&Node> = match kind {
            "StatefulSet" => obj
                .path(&["spec", "volumeClaimTemplates"])
                .map(Node::seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|t| t.path(&["metadata", "name"]))
                .collect(),
            _ => Vec::new(),
        };
        pod::check(spec, &claims, out);
    }
    workload(api, kind, obj, out);
    match kind {
        "Service" => service(obj, out),
        "Ingress" if api == "networking.k8s.io/v1" => ingress(obj, out),
        "CronJob" => cronjob(obj, out),
        "ConfigMap" | "Secret" => config_keys(kind, obj, out),
        "HorizontalPodAutoscaler" => hpa(obj, out),
        "PodDisruptionBudget" => pdb(obj, out),
        "NetworkPolicy" => network::network_policy(obj, out),
        _ => {}
    }
}

fn key_pos(parent: &Node, key: &str) -> Pos {
    parent.key(key).map_or(parent.pos, |k| k.pos)
}

/// Which name syntax a kind's `metadata.name` follows.
type NameRule = fn(&str) -> Result<(), String>;

fn name_rule(kind: &str) -> Option<NameRule> {
    match kind {
        "Service" => Some(names::dns1035_label),
        "Namespace" => Some(names::dns1123_label),
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => Some(|s: &str| {
            if s.contains('/') || s.contains('%') || s == "." || s == ".." {
                Err("must not contain `/` or `%` nor be `.` or `..`".into())
            } else {
                Ok(())
            }
        }),
        _ => Some(names::dns1123_subdomain),
    }
}

fn metadata(kind: &str, obj: &Node, out: &mut Out) {
    let Some(meta) = obj.get("metadata") else {
        out.push_note(
            "missing-field",
            key_pos(obj, "kind"),
            format!("{kind} has no `metadata`"),
            "add `metadata: {name: …}`",
        );
        return;
    };
    match meta.get("name") {
        Some(n) => {
            if let Some(name) = n.as_str()
                && let Some(rule) = name_rule(kind)
            {
                if let Err(e) = rule(name) {
                    out.push("invalid-name", n.pos, format!("{kind} name `{name}` {e}"));
                } else if kind == "CronJob" && name.len() > 52 {
                    out.push(
                        "invalid-name",
                        n.pos,
                        format!("CronJob name `{name}` must be at most 52 characters"),
                    );
                }
            }
        }
        None if meta.get("generateName").is_none() => {
            out.push(
                "missing-field",
                key_pos(obj, "metadata"),
                "missing required field `name` in `metadata`",
            );
        }
        None => {}
    }
    if let Some(ns) = meta.get("namespace")
        && let Some(s) = ns.as_str()
        && let Err(e) = names::dns1123_label(s)
    {
        out.push("invalid-name", ns.pos, format!("namespace `{s}` {e}"));
    }
    labels(meta.get("labels"), out);
    if let Some(ann) = meta.get("annotations") {
        for (k, _) in ann.entries() {
            if let Some(key) = k.as_str()
                && let Err(e) = names::qualified_name(key)
            {
                out.push(
                    "invalid-annotation",
                    k.pos,
                    format!("annotation key `{key}`: {e}"),
                );
            }
        }
    }
}

/// Checks label keys and values of a label map (metadata.labels, selectors).
pub fn labels(map: Option<&Node>, out: &mut Out) {
    let Some(map) = map else { return };
    for (k, v) in map.entries() {
        if let Some(key) = k.scalar_text()
            && let Err(e) = names::qualified_name(&key)
        {
            out.push("invalid-label", k.pos, format!("label key `{key}`: {e}"));
        }
        if let Some(val) = v.as_str()
            && let Err(e) = names::label_value(val)
        {
            out.push("invalid-label", v.pos, format!("label value `{val}` {e}"));
        }
    }
}

/// Does a label selector (matchLabels + matchExpressions) select these labels?
pub fn selector_matches(selector: &Node, labels: Option<&Node>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::scalar_text);
    let ml = selector.get("matchLabels");
    let me = selector.get("matchExpressions");
    if ml.is_none() && me.is_none() {
        // A plain map (Service selector).
        return selector.entries().iter().all(|(k, v)| {
            k.scalar_text()
                .is_some_and(|k| get(&k).is_some() && get(&k) == v.scalar_text())
        });
    }
    for (k, v) in ml.map(Node::entries).unwrap_or(&[]) {
        let Some(k) = k.scalar_text() else { continue };
        if get(&k) != v.scalar_text() {
            return false;
        }
    }
    for e in me.map(Node::seq).unwrap_or(&[]) {
        if e.get("key").and_then(Node::as_str).is_none() {
            continue;
        }
        if !expression_matches(e, &get).unwrap_or(true) {
            return false;
        }
    }
    true
}

/// A selector requirement (`key`, `operator`, `values`) against labels
/// `get` looks up; `Gt`/`Lt` compare integers (node selectors). `None` for
/// an operator it does not know.
pub fn expression_matches(e: &Node, get: &dyn Fn(&str) -> Option<String>) -> Option<bool> {
    let key = e.get("key").and_then(Node::as_str).unwrap_or("");
    let values: Vec<String> = e
        .get("values")
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::scalar_text)
        .collect();
    let have = get(key);
    let num = |s: &str| s.parse::<i64>().ok();
    let (h, v) = (
        have.as_deref().and_then(num),
        values.first().and_then(|v| num(v)),
    );
    Some(match e.get("operator").and_then(Node::as_str)? {
        "In" => have.is_some_and(|h| values.contains(&h)),
        "NotIn" => have.is_none_or(|h| !values.contains(&h)),
        "Exists" => have.is_some(),
        "DoesNotExist" => have.is_none(),
        "Gt" => matches!((h, v), (Some(h), Some(v)) if h > v),
        "Lt" => matches!((h, v), (Some(h), Some(v)) if h < v),
        _ => return None,
    })
}

fn workload(api: &str, kind: &str, obj: &Node, out: &mut Out) {
    let Some(template) = pod_template(kind, obj) else {
        if kind == "Pod"
            && let Some(m) = obj.get("metadata")
        {
            labels(m.get("labels"), out);
        }
        return;
    };
    let tlabels = template.path(&["metadata", "labels"]);
    if let Some(m) = template.get("metadata") {
        labels(m.get("labels"), out);
    }
    let spec = obj.get("spec");
    if let Some(sel) = spec.and_then(|s| s.get("selector"))
        && kind != "CronJob"
        && !(kind == "Job"
            && spec
                .and_then(|s| s.get("manualSelector"))
                .and_then(Node::as_bool)
                != Some(true))
    {
        if let Some(ml) = sel.get("matchLabels") {
            labels(Some(ml), out);
        }
        let empty = sel.entries().is_empty()
            || (sel
                .get("matchLabels")
                .is_none_or(|m| m.entries().is_empty())
                && sel
                    .get("matchExpressions")
                    .is_none_or(|m| m.seq().is_empty()));
        if kind != "ReplicationController" && empty {
            out.push(
                "selector-mismatch",
                sel.pos,
                format!("{kind} selector is empty; it must select the template's labels"),
            );
        } else if !selector_matches(sel, tlabels) {
            let at = tlabels.map_or(template.pos, |l| l.pos);
            out.push_note(
                "selector-mismatch",
                unmatched(sel, tlabels).map_or(sel.pos, |n| n.pos),
                format!("`spec.selector` does not match the Pod template's labels ({kind} {api})"),
                format!("template labels at line {}:{}", at.line, at.col),
            );
        }
    }
    let pspec = template.get("spec");
    let restart = pspec.and_then(|s| s.get("restartPolicy"));
    let restart_val = restart.and_then(Node::as_str);
    match kind {
        "Job" | "CronJob" => {
            if !matches!(restart_val, Some("Never" | "OnFailure")) {
                let pos = restart.map_or_else(|| key_pos(template, "spec"), |r| r.pos);
                let msg = match restart_val {
                    Some(v) => format!(
                        "a {kind}'s Pod restartPolicy must be `Never` or `OnFailure`, not `{v}`"
                    ),
                    None => format!(
                        "a {kind}'s Pod template needs `restartPolicy: Never` or `OnFailure` (the default `Always` is rejected)"
                    ),
                };
                out.push("job-restart-policy", pos, msg);
            }
        }
        _ => {
            if let (Some(r), Some(v)) = (restart, restart_val)
                && v != "Always"
            {
                out.push(
                    "invalid-value",
                    r.pos,
                    format!("a {kind}'s Pod restartPolicy must be `Always`, not `{v}`"),
                );
            }
        }
    }
}

/// The first part of a selector that the labels do not satisfy: a
/// `matchLabels` value (or its key when the label is absent), else a
/// `matchExpressions` item.
fn unmatched<'a>(sel: &'a Node, labels: Option<&Node>) -> Option<&'a Node> {
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::scalar_text);
    if let Some(ml) = sel.get("matchLabels") {
        for (k, v) in ml.entries() {
            let key = k.scalar_text().unwrap_or_default();
            match label(&key) {
                None => return Some(k),
                Some(have) if v.scalar_text().as_ref() != Some(&have) => return Some(v),
                Some(_) => {}
            }
        }
    }
    sel.get("matchExpressions")?
        .seq()
        .iter()
        .find(|e| !expression_matches(e, &label).unwrap_or(true))
}

fn service(obj: &Node, out: &mut Out) {
    let Some(spec) = obj.get("spec") else { return };
    let ty = spec
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or("ClusterIP");
    if let Some(sel) = spec.get("selector") {
        labels(Some(sel), out);
    }
    let ports = spec.get("ports").map(Node::seq).unwrap_or(&[]);
    let mut seen: Vec<&str> = Vec::new();
    for p in ports {
        if let Some(n) = p.get("port") {
            pod::port_range(n, "port", out);
        }
        if let Some(t) = p.get("targetPort") {
            match &t.value {
                Value::Int(_) => pod::port_range(t, "targetPort", out),
                Value::Str(s) => {
                    if let Err(e) = names::port_name(s) {
                        out.push(
                            "invalid-port-name",
                            t.pos,
                            format!(
                                "targetPort `{s}` is not a port number or a valid port name: {e}"
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
        // nodePort 0 means unset: allowed on every type
        // (core/validation/validation.go ValidateService).
        if let Some(np) = p.get("nodePort")
            && let Some(v) = np.as_int()
            && v != 0
        {
            if !matches!(ty, "NodePort" | "LoadBalancer") {
                out.push(
                    "node-port-range",
                    np.pos,
                    format!(
                        "`nodePort` is only allowed on NodePort and LoadBalancer Services, not {ty}"
                    ),
                );
            } else if !(30000..=32767).contains(&v) {
                out.push_note(
                    "node-port-range",
                    np.pos,
                    format!("nodePort {v} is outside the default range 30000-32767"),
                    "the range is set by the apiserver's --service-node-port-range",
                );
            }
        }
        match p.get("name").and_then(Node::as_str) {
            Some(name) => {
                if let Err(e) = names::dns1123_label(name) {
                    out.push(
                        "invalid-port-name",
                        p.get("name").map_or(p.pos, |n| n.pos),
                        format!("port name `{name}` {e}"),
                    );
                }
                if seen.contains(&name) {
                    out.push(
                        "duplicate-name",
                        p.get("name").map_or(p.pos, |n| n.pos),
                        format!("Service port name `{name}` is used twice"),
                    );
                }
                seen.push(name);
            }
            None if ports.len() > 1 => {
                out.push_note(
                    "missing-field",
                    p.pos,
                    "a Service with several ports must name each port",
                    "add `name: …`",
                );
            }
            None => {}
        }
    }
    network::service_ips(spec, out);
    if ty == "ExternalName" && spec.get("externalName").is_none() {
        out.push(
            "missing-field",
            key_pos(obj, "spec"),
            "an ExternalName Service needs `spec.externalName`",
        );
    }
    if ty != "ExternalName"
        && ports.is_empty()
        && spec.get("clusterIP").and_then(Node::as_str) != Some("None")
    {
        out.push(
            "missing-field",
            key_pos(obj, "spec"),
            "missing required field `ports` in `spec`",
        );
    }
}

fn ingress(obj: &Node, out: &mut Out) {
    for rule in obj.path(&["spec", "rules"]).map(Node::seq).unwrap_or(&[]) {
        for path in rule.path(&["http", "paths"]).map(Node::seq).unwrap_or(&[]) {
            let pt = path.get("pathType").and_then(Node::as_str);
            if pt.is_none() {
                out.push_note(
                    "ingress-path-type",
                    path.pos,
                    "Ingress path has no `pathType`",
                    "networking.k8s.io/v1 requires `pathType: Prefix`, `Exact` or `ImplementationSpecific`",
                );
            }
            if let Some(p) = path.get("path")
                && let Some(s) = p.as_str()
                && matches!(pt, Some("Prefix" | "Exact"))
                && !s.starts_with('/')
            {
                out.push(
                    "invalid-value",
                    p.pos,
                    format!("Ingress path `{s}` must be absolute (start with `/`)"),
                );
            }
        }
    }
}

fn cronjob(obj: &Node, out: &mut Out) {
    if let Some(s) = obj.path(&["spec", "schedule"])
        && let Some(text) = s.as_str()
        && let Err(e) = cron(text)
    {
        out.push_note("invalid-cron", s.pos, format!("invalid schedule `{text}`: {e}"), "five fields: minute hour day-of-month month day-of-week, e.g. \"*/5 * * * *\", or @hourly, @daily, …");
    }
}

/// Validates a cron schedule as the CronJob controller (robfig/cron) parses it.
pub fn cron(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.starts_with("TZ=") || s.starts_with("CRON_TZ=") {
        return Err("time zones go in `spec.timeZone`, not in the schedule".into());
    }
    if let Some(m) = s.strip_prefix('@') {
        return match m {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => {
                Ok(())
            }
            _ => Err(format!("unknown descriptor `@{m}`")),
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("expected 5 fields, found {}", fields.len()));
    }
    const MONTHS: &[&str] = &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let spec: [(&str, u32, u32, &[&str], u32); 5] = [
        ("minute", 0, 59, &[], 0),
        ("hour", 0, 23, &[], 0),
        ("day of month", 1, 31, &[], 0),
        ("month", 1, 12, MONTHS, 1),
        ("day of week", 0, 6, DAYS, 0),
    ];
    for (f, (what, lo, hi, names, base)) in fields.iter().zip(spec) {
        for part in f.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, st)) => (r, Some(st)),
                None => (part, None),
            };
            if let Some(st) = step
                && st.parse::<u32>().map_or(true, |n| n == 0)
            {
                return Err(format!("bad step `{st}` in {what}"));
            }
            if range == "*" || range == "?" {
                continue;
            }
            let val = |t: &str| -> Result<u32, String> {
                if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(t)) {
                    return Ok(i as u32 + base);
                }
                let v: u32 = t
                    .parse()
                    .map_err(|_| format!("`{t}` is not a number in {what}"))?;
                if v < lo || v > hi {
                    return Err(format!("{what} {v} is outside {lo}-{hi}"));
                }
                Ok(v)
            };
            match range.split_once('-') {
                Some((a, b)) => {
                    if val(a)? > val(b)? {
                        return Err(format!("range `{range}` in {what} runs backwards"));
                    }
                }
                None => {
                    val(range)?;
                }
            }
        }
    }
    Ok(())
}

fn config_keys(kind: &str, obj: &Node, out: &mut Out) {
    for field in ["data", "binaryData", "stringData"] {
        for (k, _) in obj.get(field).map(Node::entries).unwrap_or(&[]) {
            if let Some(key) = k.scalar_text()
                && let Err(e) = names::config_key(&key)
            {
                out.push("invalid-name", k.pos, format!("{kind} key `{key}` {e}"));
            }
        }
    }
}

fn hpa(obj: &Node, out: &mut Out) {
    let Some(spec) = obj.get("spec") else { return };
    let min = spec.get("minReplicas").and_then(Node::as_int).unwrap_or(1);
    if let Some(max) = spec.get("maxReplicas")
        && let Some(m) = max.as_int()
        && m < min
    {
        out.push(
            "invalid-value",
            max.pos,
            format!("maxReplicas {m} is below minReplicas {min}"),
        );
    }
}

fn pdb(obj: &Node, out: &mut Out) {
    let Some(spec) = obj.get("spec") else { return };
    if spec.get("minAvailable").is_some() && spec.get("maxUnavailable").is_some() {
        out.push(
            "invalid-value",
            key_pos(spec, "maxUnavailable"),
            "set `minAvailable` or `maxUnavailable`, not both",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::cron;

    #[test]
    fn cron_schedules() {
        assert!(cron("*/5 * * * *").is_ok());
        assert!(cron("0 0 * * MON-FRI").is_ok());
        assert!(cron("@daily").is_ok());
        assert!(cron("61 * * * *").is_err());
        assert!(cron("* * * *").is_err());
        assert!(cron("0 0 1 JAN-DEC/2 *").is_ok());
        assert!(cron("*/0 * * * *").is_err());
    }
}
