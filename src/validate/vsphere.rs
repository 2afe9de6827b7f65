//! What CAPV accepts for the vCenter connection and for each pool's virtual machines:
//! the minimums of the VSphereMachineTemplate CRD, the network device rules of CAPV
//! and cloud-init, and the settings CAPV silently ignores.

use super::Findings;
use super::ip::{parse_cidr, parse_ip};
use crate::ini::ini_unsafe;
use crate::schema::{CloneMode, NodePool, VCENTER_CA_FILE, VSphere, Values};

/// Linux's resolver reads at most three `nameserver` lines; CAPV documents the limit.
const MAX_NAME_SERVERS: usize = 3;

pub(super) fn check(values: &Values, findings: &mut Findings) {
    let vs = &values.v_sphere;
    if vs.tls_thumbprint.is_empty() && !vs.insecure {
        // CAPV pkg/session/session.go:232-237: an empty thumbprint is an insecure
        // client. The CPI and CSI instead verify vCenter against the system roots
        // (cloud-provider-vsphere config_yaml.go:187-190; vsphere-csi-driver
        // virtualcenter.go:167-175), which a self-signed (VMCA) vCenter fails.
        let controllers = if vs.effective_ca_file().is_empty() {
            " The CPI and the CSI driver, which do verify, check vCenter against the public roots only: with vCenter's own (VMCA) certificate their TLS handshake fails, nodes never get a providerID and volumes never attach; give them vSphere.caBundle (or vSphere.caFile) or the thumbprint."
        } else {
            ""
        };
        findings.warning(
            "vSphere.tlsThumbprint",
            format!(
                "empty while vSphere.insecure is false: CAPV then connects to vCenter WITHOUT TLS verification (an empty thumbprint means insecure to CAPV); set vSphere.tlsThumbprint to the SHA-1 thumbprint of the vCenter certificate (e.g. from `openssl x509 -noout -fingerprint -sha1`), or set vSphere.insecure: true to accept this explicitly.{controllers}"
            ),
        );
    }
    check_ca(vs, findings);
}

fn check_ca(vs: &VSphere, findings: &mut Findings) {
    if !vs.ca_bundle.is_empty() && !vs.ca_bundle.contains("-----BEGIN CERTIFICATE-----") {
        findings.error(
            "vSphere.caBundle",
            "not a PEM certificate bundle: expected one or more \"-----BEGIN CERTIFICATE-----\" blocks",
        );
    }
    if !vs.ca_file.is_empty() {
        if !vs.ca_bundle.is_empty() && vs.ca_file != VCENTER_CA_FILE {
            findings.error(
                "vSphere.caFile",
                format!(
                    "\"{}\" conflicts with vSphere.caBundle, which capkv mounts at {VCENTER_CA_FILE}: leave caFile empty",
                    vs.ca_file
                ),
            );
        } else if !vs.ca_file.starts_with('/') {
            findings.error(
                "vSphere.caFile",
                format!(
                    "\"{}\" is not an absolute path inside the CPI and CSI pods (e.g. /etc/ssl/certs/ca-certificates.crt)",
                    vs.ca_file
                ),
            );
        } else if let Some(reason) = ini_unsafe(&vs.ca_file) {
            findings.error("vSphere.caFile", reason);
        }
    }
}

pub(super) fn check_pool(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    let at = |key: &str| format!("nodePools[{index}].{key}");
    for (key, value, min, what) in [
        ("numCPUs", u64::from(pool.num_cpus), 2, "vCPUs"),
        ("memoryMiB", pool.memory_mib, 1, "MiB of memory"),
        ("diskGiB", u64::from(pool.disk_gib), 1, "GiB of disk"),
    ] {
        if value < min {
            findings.error(
                at(key),
                format!("{value} is too small: CAPV requires at least {min} {what}"),
            );
        }
    }
    let default_disk = NodePool::default().disk_gib;
    if pool.clone_mode == CloneMode::LinkedClone
        && pool.disk_gib >= 1
        && pool.disk_gib != default_disk
    {
        findings.warning(
            at("diskGiB"),
            format!(
                "{} GiB is ignored when the template has a snapshot: with cloneMode linkedClone CAPV then makes a linked clone, which keeps the template's disk size; use cloneMode: fullClone to get a {} GiB disk",
                pool.disk_gib, pool.disk_gib
            ),
        );
    }
    check_network(values, index, pool, findings);
}

fn check_network(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    let at = |key: &str| format!("nodePools[{index}].{key}");
    let servers = &pool.name_servers;
    if servers.len() > MAX_NAME_SERVERS {
        findings.error(
            at("nameServers"),
            format!(
                "{} name servers: Linux uses at most {MAX_NAME_SERVERS} (CAPV's limit); keep three",
                servers.len()
            ),
        );
    }
    for (i, server) in servers.iter().enumerate() {
        if parse_ip(server).is_none() {
            findings.error(
                at(&format!("nameServers[{i}]")),
                format!("\"{server}\" is not an IP address"),
            );
        }
    }
    if !pool.dhcp4 {
        if servers.is_empty() {
            findings.error(
                at("nameServers"),
                "required when dhcp4 is false: addresses from the IPAM pool come without DNS servers, so the machines could not resolve names; list up to three name servers",
            );
        }
        if !pool.addresses_from_pools.enabled {
            findings.error(
                at("dhcp4"),
                "the machines would get no IPv4 address: dhcp4 is false and addressesFromPools.enabled is false; enable one of them",
            );
        }
    }
    check_gateway(values, index, pool, findings);
    for (i, route) in pool.static_routes.iter().enumerate() {
        if parse_ip(&route.to).is_none() && parse_cidr(&route.to).is_none() {
            findings.error(
                at(&format!("staticRoutes[{i}].to")),
                format!(
                    "\"{}\" is not a CIDR or an IP address (e.g. 172.16.0.0/12)",
                    route.to
                ),
            );
        }
        if parse_ip(&route.via).is_none() {
            findings.error(
                at(&format!("staticRoutes[{i}].via")),
                format!("\"{}\" is not an IP address", route.via),
            );
        }
    }
}

/// The device's `gateway4`: an IPv4 address, and with IPAM the pool's gateway (CAPV
/// refuses a device whose gateway differs from the one of its claimed address).
fn check_gateway(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    if pool.gateway.is_empty() {
        return;
    }
    let path = format!("nodePools[{index}].gateway");
    let Some(gateway) = parse_ip(&pool.gateway).filter(std::net::IpAddr::is_ipv4) else {
        findings.error(path, format!("\"{}\" is not an IPv4 address", pool.gateway));
        return;
    };
    let ipam = &values.ipam_provider;
    if pool.addresses_from_pools.enabled
        && ipam.enabled
        && parse_ip(&ipam.gateway).is_some_and(|pool_gateway| pool_gateway != gateway)
    {
        findings.error(
            path,
            format!(
                "{gateway} differs from ipamProvider.gateway {}: CAPV refuses a device whose gateway differs from the gateway of its IPAM address; leave nodePools[{index}].gateway empty",
                ipam.gateway
            ),
        );
    }
}
