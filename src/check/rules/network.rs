//! Ports, IP addresses and CIDRs the apiserver range-checks: NetworkPolicy
//! ports and ipBlocks, Service IPs, Pod hostAliases and DNS nameservers.
//!
//! Mirrors kubernetes/kubernetes pkg/apis/networking/validation/validation.go
//! (ValidateNetworkPolicyPort, ValidateIPBlock) and
//! pkg/apis/core/validation/validation.go (ValidateService's clusterIPs,
//! externalIPs and loadBalancerSourceRanges; validateHostAliases;
//! validatePodDNSConfig), which use IsValidIP and IsValidCIDR.

use std::net::IpAddr;

use super::{Out, names, pod};
use crate::check::yaml::{Node, Value};

/// A CIDR as `ip/prefix`: the address and the prefix length, checked against its family.
pub fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = s.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok().filter(|_| !bits.starts_with('+'))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

/// Whether `inner` lies inside `outer` with a longer prefix (a strict subset).
fn strict_subset(outer: (IpAddr, u8), inner: (IpAddr, u8)) -> bool {
    let bits = |ip: IpAddr| -> u128 {
        match ip {
            IpAddr::V4(a) => u128::from(u32::from(a)) << 96,
            IpAddr::V6(a) => u128::from(a),
        }
    };
    if outer.0.is_ipv4() != inner.0.is_ipv4() || inner.1 <= outer.1 {
        return false;
    }
    // IPv4 addresses sit in the top 32 bits: their prefix counts from there too.
    let mask = if outer.1 == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(outer.1))
    };
    bits(outer.0) & mask == bits(inner.0) & mask
}

/// An IP address field: reports a value that is not one.
pub fn ip(n: &Node, what: &str, out: &mut Out) {
    if let Some(s) = n.as_str()
        && s.parse::<IpAddr>().is_err()
    {
        out.push(
            "invalid-value",
            n.pos,
            format!("{what} `{s}` is not a valid IP address"),
        );
    }
}

/// A CIDR field: reports a value that is not one; returns it when it is.
pub fn cidr(n: &Node, what: &str, out: &mut Out) -> Option<(IpAddr, u8)> {
    let s = n.as_str()?;
    let c = parse_cidr(s);
    if c.is_none() {
        out.push_note(
            "invalid-value",
            n.pos,
            format!("{what} `{s}` is not a valid CIDR"),
            "write an address and a prefix length, e.g. 10.0.0.0/16 or fd00::/64",
        );
    }
    c
}

/// A NetworkPolicy: each rule's ports and ipBlocks.
pub fn network_policy(obj: &Node, out: &mut Out) {
    let Some(spec) = obj.get("spec") else { return };
    for (dir, peers) in [("ingress", "from"), ("egress", "to")] {
        for rule in spec.get(dir).map(Node::seq).unwrap_or(&[]) {
            for p in rule.get("ports").map(Node::seq).unwrap_or(&[]) {
                policy_port(p, out);
            }
            for peer in rule.get(peers).map(Node::seq).unwrap_or(&[]) {
                if let Some(b) = peer.get("ipBlock") {
                    ip_block(b, out);
                }
            }
        }
    }
}

fn policy_port(p: &Node, out: &mut Out) {
    let port = p.get("port");
    match port.map(|n| &n.value) {
        Some(Value::Int(_)) => pod::port_range(port.unwrap_or(p), "port", out),
        Some(Value::Str(s)) => {
            if let Err(e) = names::port_name(s) {
                out.push(
                    "invalid-port-name",
                    port.map_or(p.pos, |n| n.pos),
                    format!("port `{s}` is not a port number or a valid port name: {e}"),
                );
            }
        }
        _ => {}
    }
    let Some(end) = p.get("endPort") else { return };
    pod::port_range(end, "endPort", out);
    match (port.and_then(Node::as_int), end.as_int()) {
        (Some(start), Some(e)) if e < start => out.push(
            "port-range",
            end.pos,
            format!("`endPort` {e} is below `port` {start}"),
        ),
        (None, Some(_)) => out.push_note(
            "invalid-value",
            end.pos,
            "`endPort` needs a numeric `port`",
            "a range starts at a port number, not a port name",
        ),
        _ => {}
    }
}

fn ip_block(b: &Node, out: &mut Out) {
    let outer = b.get("cidr").and_then(|c| cidr(c, "ipBlock.cidr", out));
    for e in b.get("except").map(Node::seq).unwrap_or(&[]) {
        if let (Some(inner), Some(outer)) = (cidr(e, "ipBlock.except", out), outer)
            && !strict_subset(outer, inner)
        {
            out.push(
                "invalid-value",
                e.pos,
                format!(
                    "ipBlock.except `{}` must be a strict subset of `cidr` {}/{}",
                    e.as_str().unwrap_or(""),
                    outer.0,
                    outer.1
                ),
            );
        }
    }
}

/// A Service's IP fields.
pub fn service_ips(spec: &Node, out: &mut Out) {
    let cluster = spec.get("clusterIP").into_iter();
    let clusters = spec.get("clusterIPs").map(Node::seq).unwrap_or(&[]).iter();
    for n in cluster.chain(clusters) {
        if !matches!(n.as_str(), Some("None" | "")) {
            ip(n, "clusterIP", out);
        }
    }
    for n in spec.get("externalIPs").map(Node::seq).unwrap_or(&[]) {
        ip(n, "externalIPs entry", out);
    }
    for n in spec
        .get("loadBalancerSourceRanges")
        .map(Node::seq)
        .unwrap_or(&[])
    {
        cidr(n, "loadBalancerSourceRanges entry", out);
    }
}

/// A Pod spec's hostAliases and DNS nameservers.
pub fn pod_ips(spec: &Node, out: &mut Out) {
    for a in spec.get("hostAliases").map(Node::seq).unwrap_or(&[]) {
        if let Some(n) = a.get("ip") {
            ip(n, "hostAliases ip", out);
        }
    }
    for n in spec
        .path(&["dnsConfig", "nameservers"])
        .map(Node::seq)
        .unwrap_or(&[])
    {
        ip(n, "dnsConfig nameserver", out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_subsets() {
        assert!(parse_cidr("10.0.0.0/8").is_some());
        assert!(parse_cidr("fd00::/64").is_some());
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("10.0.0.0").is_none());
        assert!(parse_cidr("10.0.0/8").is_none());
        let outer = parse_cidr("10.0.0.0/8").unwrap();
        assert!(strict_subset(outer, parse_cidr("10.1.0.0/16").unwrap()));
        assert!(!strict_subset(outer, parse_cidr("10.0.0.0/8").unwrap()));
        assert!(!strict_subset(outer, parse_cidr("11.0.0.0/16").unwrap()));
        assert!(!strict_subset(outer, parse_cidr("fd00::/64").unwrap()));
    }
}
