//! A pool's extra VM hardware, checked as CAPV's webhook and vSphere would: disks with
//! a size and a name of their own, PCI devices that say which device they are.

use super::Findings;
use crate::schema::NodePool;

pub(super) fn check_pool(index: usize, pool: &NodePool, findings: &mut Findings) {
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
        names.push(&disk.name);
        if disk.size_gib == 0 {
            findings.error(
                at("sizeGiB"),
                "0: a data disk needs a size of at least 1 GiB",
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
            findings.error(at, problem);
        }
    }
}
