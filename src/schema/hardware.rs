//! Virtual hardware a pool's VMs get beyond the template's: extra disks and PCI devices.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A disk added to each VM of the pool (CAPV `dataDisks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataDisk {
    /// Name of the disk, unique in the pool.
    pub name: String,
    /// Size in GiB (at least 1).
    #[serde(rename = "sizeGiB")]
    #[schemars(range(min = 1))]
    pub size_gib: u32,
    /// Thin, Thick or EagerlyZeroed; empty: the datastore's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_mode: Option<ProvisioningMode>,
}

/// How a data disk's space is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ProvisioningMode {
    Thin,
    Thick,
    EagerlyZeroed,
}

/// A PCI device given to each VM (CAPV `pciDevices`): a passthrough device by vendor
/// and device id, or an NVIDIA vGPU by profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct PciDevice {
    /// PCI vendor id of a passthrough device (e.g. 4318 for NVIDIA, 0x10DE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u32>,
    /// PCI device id of a passthrough device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<u32>,
    /// vGPU profile (e.g. `grid_a100-4c`) instead of a passthrough device.
    #[serde(rename = "vGPUProfile", skip_serializing_if = "String::is_empty")]
    pub vgpu_profile: String,
    /// Label of the device in vSphere.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub custom_label: String,
}
