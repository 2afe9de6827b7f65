//! The InClusterIPPool values, checked as the in-cluster IPAM provider's webhook checks
//! the pool (addresses of one family, all inside the subnet of the pool's lowest address
//! and `prefix`), plus the gateway, which the webhook does not place but the machines
//! must reach.

use super::Findings;
use super::ip::{Family, Span, format_addr, parse_ip, parse_pool_address, to_u128};
use crate::schema::Values;

pub(super) fn check(values: &Values, findings: &mut Findings) {
    let ipam = &values.ipam_provider;
    if !ipam.enabled {
        return;
    }
    if ipam.ranges.is_empty() {
        findings.error(
            "ipamProvider.ranges",
            "the InClusterIPPool needs at least one address: list CIDRs, a-b ranges or IPs",
        );
    }
    let mut spans: Vec<(usize, Span)> = Vec::new();
    for (index, range) in ipam.ranges.iter().enumerate() {
        match parse_pool_address(range) {
            Some(span) => spans.push((index, span)),
            None => findings.error(
                format!("ipamProvider.ranges[{index}]"),
                format!(
                    "\"{range}\" is not an IP address, an a-b range (lowest first, one family) or a CIDR, e.g. 192.168.0.0/24, 192.168.0.10-192.168.0.200 or 192.168.0.5"
                ),
            ),
        }
    }
    let families: Vec<Family> = spans.iter().map(|(_, s)| s.family).collect();
    let family = match families.first() {
        Some(first) if families.iter().all(|f| f == first) => Some(*first),
        Some(_) => {
            findings.error(
                "ipamProvider.ranges",
                "the ranges mix IPv4 and IPv6 addresses; an InClusterIPPool holds one family: use one pool per family",
            );
            None
        }
        None => None,
    };
    let Some(prefix) = check_prefix(values, family, findings) else {
        return;
    };
    let Some(family) = family else {
        return;
    };
    // The webhook takes the subnet of the lowest address of the whole pool.
    let Some(lowest) = spans.iter().map(|(_, s)| s.first).min() else {
        return;
    };
    let subnet = Span::subnet(family, lowest, prefix);
    let subnet_text = format!("{}/{prefix}", format_addr(family, subnet.first));
    for (index, span) in &spans {
        if !span.within(&subnet) {
            findings.error(
                format!("ipamProvider.ranges[{index}]"),
                format!(
                    "\"{}\" is not inside {subnet_text}, the subnet of the pool's lowest address {} and ipamProvider.prefix {prefix}: the IPAM provider refuses the pool; widen the prefix or use one pool per subnet",
                    ipam.ranges[*index],
                    format_addr(family, lowest)
                ),
            );
        }
    }
    check_gateway(values, family, &subnet, &subnet_text, &spans, findings);
}

/// The prefix as an integer of the pool's family; `None` when it cannot be used.
fn check_prefix(values: &Values, family: Option<Family>, findings: &mut Findings) -> Option<u32> {
    let ipam = &values.ipam_provider;
    let max = family.map_or(128, Family::bits);
    let raw = ipam.prefix.value();
    let Some(prefix) = raw
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p <= max)
    else {
        let pool = family
            .map(|f| format!(" for an {f} pool"))
            .unwrap_or_default();
        let got = raw.map_or_else(|| "no integer".to_owned(), |p| p.to_string());
        findings.error(
            "ipamProvider.prefix",
            format!("expected a prefix length from 0 to {max}{pool}, got {got}"),
        );
        return None;
    };
    if prefix == 0 {
        findings.error(
            "ipamProvider.prefix",
            "the IPAM provider refuses prefix 0 for a pool of addresses: set the subnet's prefix length, e.g. 24",
        );
        return None;
    }
    Some(prefix)
}

fn check_gateway(
    values: &Values,
    family: Family,
    subnet: &Span,
    subnet_text: &str,
    spans: &[(usize, Span)],
    findings: &mut Findings,
) {
    let gateway = &values.ipam_provider.gateway;
    if gateway.is_empty() {
        return;
    }
    let path = "ipamProvider.gateway";
    let Some(ip) = parse_ip(gateway) else {
        findings.error(path, format!("\"{gateway}\" is not an IP address"));
        return;
    };
    if Family::of(ip) != family {
        findings.error(
            path,
            format!(
                "{gateway} is an {} address but the pool's addresses are {family}",
                Family::of(ip)
            ),
        );
        return;
    }
    let addr = to_u128(ip);
    if !subnet.contains(family, addr) {
        findings.error(
            path,
            format!(
                "{gateway} is outside the pool's subnet {subnet_text}: the machines could not reach it"
            ),
        );
        return;
    }
    if let Some((index, _)) = spans.iter().find(|(_, s)| s.contains(family, addr)) {
        findings.warning(
            path,
            format!(
                "{gateway} is inside the allocatable range ipamProvider.ranges[{index}] \"{}\": the IPAM provider never allocates the gateway, so no machine gets it, but the range looks larger than it is (start the range after the gateway to make that explicit)",
                values.ipam_provider.ranges[*index]
            ),
        );
    }
}
