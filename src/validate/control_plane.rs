//! The KamajiControlPlane values: the Kubernetes version and the flags it allows, and
//! the enums and shapes the Kamaji CRD and controller accept.

use super::ip::parse_cidr;
use super::{Findings, parse_version};
use crate::schema::{PatchOp, ServiceType, Values};
use std::collections::HashSet;

/// The API server's default `--service-node-port-range` (kubernetes
/// `pkg/kubeapiserver/options/options.go` DefaultServiceNodePortRange); Kamaji never
/// changes it for the management cluster's Services.
const NODE_PORTS: std::ops::RangeInclusive<u16> = 30000..=32767;
/// Kamaji's `networkProfile.port` default, which the provider takes from
/// `Cluster.spec.clusterNetwork.apiServerPort`.
const DEFAULT_API_SERVER_PORT: u16 = 6443;

pub(super) fn check(values: &Values, findings: &mut Findings) {
    check_version(values, findings);
    check_network(values, findings);
    check_node_port(values, findings);
    check_cluster_cidrs(values, findings);
    check_kubelet(values, findings);
}

fn check_version(values: &Values, findings: &mut Findings) {
    let cp = &values.cluster.control_plane;
    match parse_version(&cp.version) {
        None => findings.error(
            "cluster.controlPlane.version",
            format!(
                "\"{}\" is not a Kubernetes version: expected vMAJOR.MINOR.PATCH, e.g. v1.33.2",
                cp.version
            ),
        ),
        Some((major, minor, _)) if (major, minor) >= (1, 33) => {
            if let Some(i) = cp
                .api_server
                .extra_args
                .iter()
                .position(|a| a.starts_with("--cloud-provider"))
            {
                // Removing the flag from the values is not enough on a running cluster:
                // kamaji internal/builders/controlplane/deployment.go mergeAPIServerArgs
                // keeps the container's flags that are neither managed nor user-given.
                findings.error(
                    format!("cluster.controlPlane.apiServer.extraArgs[{i}]"),
                    format!(
                        "kube-apiserver {} has no {} flag (removed in Kubernetes 1.33) and would not start: remove it (set cluster.controlPlane.apiServer.extraArgs: []); controllerManager keeps --cloud-provider=external. On a cluster that runs with the flag today, also delete it once from the kube-apiserver container of the control plane Deployment (named after the cluster) before upgrading: Kamaji keeps every flag it finds there that it does not own",
                        cp.version, cp.api_server.extra_args[i]
                    ),
                );
            }
        }
        Some(_) => {}
    }
}

fn check_network(values: &Values, findings: &mut Findings) {
    let network = &values.cluster.control_plane.network;
    for (index, san) in network.cert_sans.iter().enumerate() {
        if let Some(problem) = cert_san_problem(san) {
            findings.error(
                format!("cluster.controlPlane.network.certSANs[{index}]"),
                problem,
            );
        }
    }
}

/// Kamaji puts certSANs into the API server certificate as they are and refuses a SAN
/// with a port; a scheme or path would never match a host name either.
fn cert_san_problem(san: &str) -> Option<String> {
    if san.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let host = san.split_once("://").map_or(san, |(_, rest)| rest);
    let host = host.split('/').next().unwrap_or(host);
    let host = match host.strip_prefix('[') {
        // `[2001:db8::1]:6443`
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let wildcard_free = host.strip_prefix("*.").unwrap_or(host);
    let valid_host = host.parse::<std::net::IpAddr>().is_ok()
        || crate::names::is_dns1123_subdomain(&wildcard_free.to_ascii_lowercase());
    if host == san && valid_host {
        return None;
    }
    Some(if host != san && valid_host {
        format!(
            "\"{san}\" is not a plain host name or IP address: a certificate SAN has no scheme, port or path (Kamaji refuses SANs with a port); use \"{host}\""
        )
    } else {
        format!("\"{san}\" is not a host name or IP address")
    })
}

fn check_kubelet(values: &Values, findings: &mut Findings) {
    let kubelet = &values.cluster.control_plane.kubelet;
    check_kubelet_patches(values, findings);
    let path = "cluster.controlPlane.kubelet.preferredAddressTypes";
    if kubelet.preferred_address_types.is_empty() {
        findings.error(
            path,
            "at least one address type is required (Kamaji's CRD): e.g. [InternalIP, ExternalIP]",
        );
    }
    let mut seen = HashSet::new();
    for (index, kind) in kubelet.preferred_address_types.iter().enumerate() {
        if !seen.insert(kind) {
            findings.error(
                format!("{path}[{index}]"),
                format!("\"{kind:?}\" is listed twice; the list is a set"),
            );
        }
    }
}

/// The shape RFC 6902 gives each operation, checked here because Kamaji applies the
/// patches only when it uploads the kubelet configuration, long after the apply.
fn check_kubelet_patches(values: &Values, findings: &mut Findings) {
    let patches = &values
        .cluster
        .control_plane
        .kubelet
        .configuration_json_patches;
    for (index, patch) in patches.iter().enumerate() {
        let at = format!("cluster.controlPlane.kubelet.configurationJSONPatches[{index}]");
        if !patch.path.is_empty() && !patch.path.starts_with('/') {
            findings.error(
                format!("{at}.path"),
                format!(
                    "\"{}\" is not a JSON pointer: expected \"/\" followed by the field, e.g. /imagePullCredentialsVerificationPolicy",
                    patch.path
                ),
            );
        }
        let takes_value = matches!(patch.op, PatchOp::Add | PatchOp::Replace | PatchOp::Test);
        let takes_from = matches!(patch.op, PatchOp::Move | PatchOp::Copy);
        let op = serde_json::to_value(patch.op).unwrap_or_default();
        let op = op.as_str().unwrap_or_default();
        match (&patch.value, takes_value) {
            (None, true) => findings.error(
                format!("{at}.value"),
                format!("\"{op}\" needs a value (RFC 6902)"),
            ),
            (Some(_), false) => findings.error(
                format!("{at}.value"),
                format!("\"{op}\" takes no value (RFC 6902): only add, replace and test do"),
            ),
            _ => {}
        }
        match (&patch.from, takes_from) {
            (None, true) => findings.error(
                format!("{at}.from"),
                format!("\"{op}\" needs a from pointer (RFC 6902)"),
            ),
            (Some(_), false) => findings.error(
                format!("{at}.from"),
                format!("\"{op}\" takes no from (RFC 6902): only move and copy do"),
            ),
            (Some(from), true) if !from.starts_with('/') => findings.error(
                format!("{at}.from"),
                format!("\"{from}\" is not a JSON pointer: expected \"/\" followed by the field"),
            ),
            _ => {}
        }
        if patch.path == "/cgroupDriver" {
            findings.warning(
                format!("{at}.path"),
                "capkv already sets /cgroupDriver from cluster.controlPlane.kubelet.cgroupfs: set that key instead",
            );
        }
    }
}

/// Kamaji exposes a NodePort control plane on the API server port itself
/// (clastix/kamaji `internal/resources/k8s_service_resource.go:160-162`:
/// `NodePort = NetworkProfile.Port`), so that port must be a valid NodePort.
fn check_node_port(values: &Values, findings: &mut Findings) {
    if values.cluster.control_plane.network.service_type != ServiceType::NodePort {
        return;
    }
    let port = values
        .cluster
        .cluster_network
        .api_server_port
        .unwrap_or(DEFAULT_API_SERVER_PORT);
    if !NODE_PORTS.contains(&port) {
        findings.error(
            "cluster.clusterNetwork.apiServerPort",
            format!(
                "{port} is outside the NodePort range {}-{}: with serviceType NodePort Kamaji uses the API server port as the Service's nodePort, which the management cluster's API server rejects; set an apiServerPort in that range (e.g. 31443)",
                NODE_PORTS.start(),
                NODE_PORTS.end()
            ),
        );
    }
}

/// Pod and service networks: CIDRs, at most one per IP family (dual stack), as
/// kube-controller-manager and kube-apiserver accept them.
fn check_cluster_cidrs(values: &Values, findings: &mut Findings) {
    let network = &values.cluster.cluster_network;
    for (key, blocks) in [("pods", &network.pods), ("services", &network.services)] {
        let Some(blocks) = blocks else { continue };
        let mut families = Vec::new();
        for (index, block) in blocks.cidr_blocks.iter().enumerate() {
            let path = format!("cluster.clusterNetwork.{key}.cidrBlocks[{index}]");
            let Some((ip, _)) = parse_cidr(block) else {
                findings.error(
                    path,
                    format!("\"{block}\" is not a CIDR (e.g. 10.244.0.0/16)"),
                );
                continue;
            };
            if families.contains(&ip.is_ipv4()) {
                findings.error(
                    path,
                    format!(
                        "a second {} CIDR: Kubernetes takes at most one CIDR per IP family (one IPv4 and one IPv6 for dual stack)",
                        if ip.is_ipv4() { "IPv4" } else { "IPv6" }
                    ),
                );
            }
            families.push(ip.is_ipv4());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_sans() {
        for ok in [
            "api.example.com",
            "*.example.com",
            "10.0.0.1",
            "2001:db8::1",
            "API.Example.com",
        ] {
            assert_eq!(cert_san_problem(ok), None, "{ok}");
        }
        for (bad, fix) in [
            ("api.example.com:6443", "\"api.example.com\""),
            ("https://api.example.com", "\"api.example.com\""),
            ("https://api.example.com:443/", "\"api.example.com\""),
            ("10.0.0.1:6443", "\"10.0.0.1\""),
            ("[2001:db8::1]:6443", "\"2001:db8::1\""),
        ] {
            let problem = cert_san_problem(bad).expect(bad);
            assert!(problem.contains(fix), "{bad}: {problem}");
        }
        assert!(cert_san_problem("not a host").is_some());
    }
}
