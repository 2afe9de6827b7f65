//! Virtual hardware a pool's VMs get beyond the template's: extra disks and PCI devices.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A disk added to each VM of the pool (CAPV `dataDisks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataDisk {
    /// Name of the disk, unique in the pool.
    pub name: String,
    /// Size in GiB (at least 1; CAPV's field is a 32-bit integer).
    #[serde(rename = "sizeGiB")]
    #[schemars(range(min = 1, max = 2_147_483_647))]
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

/// How a pool with `pciDevices` announces its GPUs: to the Cluster Autoscaler, so that
/// it can scale the pool from zero, and on its nodes (`cluster-api/accelerator`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Gpu {
    /// Extended resource the GPUs' device plugin advertises (`nvidia.com/gpu`,
    /// `amd.com/gpu`): the autoscaler's `gpu-type` capacity annotation.
    pub resource_name: String,
    /// Value of the `cluster-api/accelerator` node label, which tells the autoscaler a
    /// node is a GPU node before its device plugin is up; empty: the first device's vGPU
    /// profile, else `pci-<vendorId>-<deviceId>` in hex.
    pub accelerator: String,
}

impl Default for Gpu {
    fn default() -> Self {
        Gpu {
            resource_name: "nvidia.com/gpu".into(),
            accelerator: String::new(),
        }
    }
}

/// The node label the Cluster Autoscaler's Cluster API provider reads to tell GPU
/// nodes (kubernetes/autoscaler cluster-autoscaler/cloudprovider/clusterapi/
/// clusterapi_provider.go:54-55).
pub const ACCELERATOR_LABEL: &str = "cluster-api/accelerator";

/// The `cluster-api/accelerator` value of a pool with these PCI devices, if it has any.
pub fn accelerator(gpu: &Gpu, devices: &[PciDevice]) -> Option<String> {
    let first = devices.first()?;
    if !gpu.accelerator.is_empty() {
        return Some(gpu.accelerator.clone());
    }
    Some(if first.vgpu_profile.is_empty() {
        format!(
            "pci-{:04x}-{:04x}",
            first.vendor_id.unwrap_or_default(),
            first.device_id.unwrap_or_default()
        )
    } else {
        first.vgpu_profile.clone()
    })
}

/// A network device of the pool's VMs besides the first (the pool's `network`): CAPV's
/// `network.devices[1..]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkDevice {
    /// vSphere network (port group) of the device. Required.
    pub network_name: String,
    /// Name of the interface in the guest (e.g. `eth1`); empty: the guest's own.
    pub device_name: String,
    /// Get the device's IPv4 address by DHCP.
    pub dhcp4: bool,
    /// Name of an `ipamProvider.additionalPools` entry the device's address is claimed
    /// from (instead of DHCP).
    pub ip_pool: String,
    /// MTU of the device in bytes; unset: the network's.
    pub mtu: Option<u32>,
    /// Static routes through this device.
    pub routes: Vec<super::StaticRoute>,
    /// DNS servers of this device (at most 3).
    pub nameservers: Vec<String>,
    /// DNS search domains of this device.
    pub search_domains: Vec<String>,
}

/// A further InClusterIPPool of the cluster, for network devices on other networks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct IpPool {
    /// Name of the pool in `nodePools[].additionalNetworks[].ipPool`; the
    /// InClusterIPPool is named `<cluster>-<name>`.
    pub name: String,
    /// CIDRs, a-b ranges or single IPs.
    pub ranges: Vec<String>,
    /// Prefix length of the network.
    pub prefix: u8,
    /// Gateway of the network; empty for a network the nodes reach only through
    /// `routes` (a gateway here is a second default route on the node).
    pub gateway: String,
}
