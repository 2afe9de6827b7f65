//! A pool's extra VM hardware, checked as CAPV's webhook and vSphere would: disks with
//! a size and a name of their own, PCI devices that say which device they are, GPUs
//! the autoscaler can count, network devices each on a network of its own.

use super::Findings;
use super::ip::parse_ip;
use crate::names::{label_key_problem, label_value_problem};
use crate::schema::{ACCELERATOR_LABEL, NodePool, Values};

/// vSphere's configuration maximum of virtual network adapters per VM.
const MAX_NETWORK_DEVICES: usize = 10;
/// CAPV v1beta2's MaxLength of `vGPUProfile` and `customLabel`, and of a data disk's
/// `name`.
const MAX_PCI_TEXT: usize = 1024;
/// CAPV v1beta2's MaxItems of `dataDisks` (api/govmomi/v1beta2/types.go:299).
const MAX_DATA_DISKS: usize = 29;
/// CAPV's `sizeGiB` is an int32 (api/govmomi/v1beta2/types.go:396): a larger size is
/// refused by the API server.
const MAX_DISK_GIB: u32 = i32::MAX as u32;
/// The smallest MTU Linux takes for IPv4 and the largest vSphere's vmxnet3 adapter
/// and distributed switches carry.
const MTU_RANGE: std::ops::RangeInclusive<u32> = 68..=9000;
/// Linux reads at most three nameservers (resolv.conf(5)), as CAPV's API notes.
const MAX_NAMESERVERS: usize = 3;

pub(super) fn check_pool(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    check_disks_and_pci(index, pool, findings);
    check_gpu(index, pool, findings);
    check_networks(values, index, pool, findings);
}

fn check_disks_and_pci(index: usize, pool: &NodePool, findings: &mut Findings) {
    if pool.data_disks.len() > MAX_DATA_DISKS {
        findings.error(
            format!("nodePools[{index}].dataDisks"),
            format!(
                "{} data disks: CAPV takes at most {MAX_DATA_DISKS}",
                pool.data_disks.len()
            ),
        );
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, disk) in pool.data_disks.iter().enumerate() {
        let at = |key: &str| format!("nodePools[{index}].dataDisks[{i}].{key}");
        if disk.name.is_empty() {
            findings.error(at("name"), "a data disk needs a name");
        } else if names.contains(&disk.name.as_str()) {
            findings.error(
                at("name"),
                format!(
                    "\"{}\" is already the name of another data disk of the pool",
                    disk.name
                ),
            );
        }
        if disk.name.len() > MAX_PCI_TEXT {
            findings.error(
                at("name"),
                format!(
                    "{} characters: CAPV takes at most {MAX_PCI_TEXT}",
                    disk.name.len()
                ),
            );
        }
        names.push(&disk.name);
        if disk.size_gib == 0 {
            findings.error(
                at("sizeGiB"),
                "0: a data disk needs a size of at least 1 GiB",
            );
        } else if disk.size_gib > MAX_DISK_GIB {
            findings.error(
                at("sizeGiB"),
                format!(
                    "{}: CAPV takes a size of at most {MAX_DISK_GIB} GiB (a 32-bit integer)",
                    disk.size_gib
                ),
            );
        }
    }
    for (i, device) in pool.pci_devices.iter().enumerate() {
        let at = format!("nodePools[{index}].pciDevices[{i}]");
        let passthrough = device.vendor_id.is_some() || device.device_id.is_some();
        let complete = device.vendor_id.is_some() && device.device_id.is_some();
        let problem = match (passthrough, device.vgpu_profile.is_empty()) {
            (true, false) => {
                Some("both a passthrough device (vendorId, deviceId) and a vGPU profile: give one")
            }
            (false, true) => {
                Some("neither vendorId and deviceId (passthrough) nor vGPUProfile (vGPU)")
            }
            (true, true) if !complete => {
                Some("a passthrough device needs both vendorId and deviceId")
            }
            _ => None,
        };
        if let Some(problem) = problem {
            findings.error(at.clone(), problem);
        }
        // PCI vendor and device ids are 16-bit; 0xFFFF is what a bus reads where no
        // device answers, never a device's id.
        for (key, id) in [
            ("vendorId", device.vendor_id),
            ("deviceId", device.device_id),
        ] {
            if let Some(id) = id
                && !(1..0xFFFF).contains(&id)
            {
                findings.error(
                    format!("{at}.{key}"),
                    format!(
                        "{id} (0x{id:X}) is not a PCI id: expected 0x0001 to 0xFFFE, e.g. 4318 (0x10DE) for NVIDIA"
                    ),
                );
            }
        }
        for (key, text) in [
            ("vGPUProfile", &device.vgpu_profile),
            ("customLabel", &device.custom_label),
        ] {
            if text.len() > MAX_PCI_TEXT {
                findings.error(
                    format!("{at}.{key}"),
                    format!(
                        "{} characters: CAPV takes at most {MAX_PCI_TEXT}",
                        text.len()
                    ),
                );
            }
        }
    }
}

fn check_gpu(index: usize, pool: &NodePool, findings: &mut Findings) {
    if pool.pci_devices.is_empty() {
        return;
    }
    let at = |key: &str| format!("nodePools[{index}].gpu.{key}");
    let resource = &pool.gpu.resource_name;
    // An extended resource is a domain-qualified name outside kubernetes.io.
    let problem = match resource.split_once('/') {
        None => Some("needs a domain, e.g. nvidia.com/gpu".to_owned()),
        Some((domain, _)) if domain == "kubernetes.io" || domain.ends_with(".kubernetes.io") => {
            Some("is in kubernetes.io, which holds no extended resources".to_owned())
        }
        Some(_) => label_key_problem(resource),
    };
    if let Some(problem) = problem {
        findings.error(
            at("resourceName"),
            format!("\"{resource}\" is not an extended resource name: {problem}"),
        );
    }
    if let Some(problem) = label_value_problem(&pool.gpu.accelerator) {
        findings.error(
            at("accelerator"),
            format!("the value \"{}\" {problem}", pool.gpu.accelerator),
        );
    }
    if pool
        .labels
        .split(',')
        .any(|label| label.split('=').next().map(str::trim) == Some(ACCELERATOR_LABEL))
    {
        findings.error(
            format!("nodePools[{index}].labels"),
            format!(
                "{ACCELERATOR_LABEL} is set by capkv on pools with pciDevices: give its value in nodePools[{index}].gpu.accelerator"
            ),
        );
    }
}

fn check_mtu(at: String, mtu: Option<u32>, findings: &mut Findings) {
    if let Some(mtu) = mtu
        && !MTU_RANGE.contains(&mtu)
    {
        findings.error(
            at,
            format!(
                "{mtu}: an MTU from {} to {} bytes",
                MTU_RANGE.start(),
                MTU_RANGE.end()
            ),
        );
    }
}

fn check_networks(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    check_mtu(format!("nodePools[{index}].mtu"), pool.mtu, findings);
    let devices = 1 + pool.additional_networks.len();
    if devices > MAX_NETWORK_DEVICES {
        findings.error(
            format!("nodePools[{index}].additionalNetworks"),
            format!("{devices} network devices: vSphere gives a VM at most {MAX_NETWORK_DEVICES}"),
        );
    }
    let mut networks: Vec<&str> = pool.network.as_deref().into_iter().collect();
    let pools = &values.ipam_provider.additional_pools;
    for (i, nic) in pool.additional_networks.iter().enumerate() {
        let at = |key: &str| format!("nodePools[{index}].additionalNetworks[{i}].{key}");
        if nic.network_name.trim().is_empty() {
            findings.error(
                at("networkName"),
                "a network device needs a network: the vSphere network (port group) it connects to",
            );
        } else if networks.contains(&nic.network_name.as_str()) {
            findings.error(
                at("networkName"),
                format!(
                    "\"{}\" already has a device of this pool: one device per network",
                    nic.network_name
                ),
            );
        }
        networks.push(&nic.network_name);
        match (nic.dhcp4, nic.ip_pool.is_empty()) {
            (true, false) => findings.error(
                at("ipPool"),
                "both dhcp4 and an IP pool: the device gets its address one way",
            ),
            (false, true) => findings.error(
                at("ipPool"),
                "neither dhcp4 nor an IP pool: CAPV would wait forever for the device's address",
            ),
            (false, false) if !pools.iter().any(|p| p.name == nic.ip_pool) => findings.error(
                at("ipPool"),
                format!(
                    "\"{}\" is not the name of an ipamProvider.additionalPools entry",
                    nic.ip_pool
                ),
            ),
            _ => {}
        }
        check_mtu(at("mtu"), nic.mtu, findings);
        if nic.nameservers.len() > MAX_NAMESERVERS {
            findings.error(
                at("nameservers"),
                format!(
                    "{} nameservers: Linux reads at most {MAX_NAMESERVERS}",
                    nic.nameservers.len()
                ),
            );
        }
        for (j, server) in nic.nameservers.iter().enumerate() {
            if parse_ip(server).is_none() {
                findings.error(
                    format!("{}[{j}]", at("nameservers")),
                    format!("\"{server}\" is not an IP address"),
                );
            }
        }
        for (j, route) in nic.routes.iter().enumerate() {
            let to = route.to.split('/').next().unwrap_or_default();
            if parse_ip(to).is_none() || parse_ip(&route.via).is_none() {
                findings.error(
                    format!("{}[{j}]", at("routes")),
                    format!(
                        "to \"{}\" via \"{}\": expected an IP or CIDR via an IP address",
                        route.to, route.via
                    ),
                );
            }
        }
    }
}

/// `ipamProvider.additionalPools`: pools the in-cluster IPAM provider can serve.
pub(super) fn check_ip_pools(values: &Values, findings: &mut Findings) {
    let mut names: Vec<&str> = Vec::new();
    for (i, pool) in values.ipam_provider.additional_pools.iter().enumerate() {
        let at = |key: &str| format!("ipamProvider.additionalPools[{i}].{key}");
        if !super::is_dns1123_label(&pool.name) {
            findings.error(
                at("name"),
                format!(
                    "\"{}\" is not a DNS-1123 label (lowercase letters, digits and '-')",
                    pool.name
                ),
            );
        } else if names.contains(&pool.name.as_str()) {
            findings.error(
                at("name"),
                format!("\"{}\" is the name of another pool", pool.name),
            );
        }
        names.push(&pool.name);
        if pool.ranges.is_empty() {
            findings.error(at("ranges"), "the pool needs at least one address");
        }
        for (j, range) in pool.ranges.iter().enumerate() {
            if super::ip::parse_pool_address(range).is_none() {
                findings.error(
                    format!("{}[{j}]", at("ranges")),
                    format!("\"{range}\" is not an IP address, an a-b range or a CIDR"),
                );
            }
        }
        let v6 = pool.ranges.iter().any(|r| r.contains(':'));
        let max = if v6 { 128 } else { 32 };
        if pool.prefix == 0 || u32::from(pool.prefix) > max {
            findings.error(
                at("prefix"),
                format!("{}: a prefix length from 1 to {max}", pool.prefix),
            );
        }
        if !pool.gateway.is_empty() && parse_ip(&pool.gateway).is_none() {
            findings.error(
                at("gateway"),
                format!("\"{}\" is not an IP address", pool.gateway),
            );
        }
    }
}
