//! Failure domains: the parts of a vSphere datacenter a pool's machines can be placed
//! in (a CAPV VSphereFailureDomain with its VSphereDeploymentZone).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A place for machines: a region and a zone (vSphere objects tagged in the CPI's
/// topology tag categories) and what CAPV places the machines on there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct FailureDomain {
    /// The name pools use in `failureDomain`/`failureDomains`. Both objects are
    /// cluster-scoped: capkv names them `<namespace>-<cluster>-<name>`. A DNS-1123 label.
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// The region: the vSphere tag, in category vSphereCloudControllerManager.topology.region,
    /// of the object of type regionType.
    pub region: String,
    /// The vSphere object the region tag is on.
    pub region_type: TopologyObjectType,
    /// The zone: the vSphere tag, in category vSphereCloudControllerManager.topology.zone,
    /// of the object of type zoneType.
    pub zone: String,
    /// The vSphere object the zone tag is on.
    pub zone_type: TopologyObjectType,
    /// Datacenter of the domain; empty: vSphere.dataCenter.
    pub datacenter: String,
    /// Compute cluster the machines run on.
    pub compute_cluster: String,
    /// A VM group and the host group it is kept on (a zone of type HostGroup).
    pub hosts: Option<HostGroup>,
    /// Datastore of the machines; empty: each pool's dataStore.
    pub datastore: String,
    /// Networks of the machines' devices, in order; empty: each pool's network.
    pub networks: Vec<String>,
    /// Resource pool of the machines; empty: each pool's resourcePool.
    pub resource_pool: String,
    /// VM folder of the machines; empty: each pool's folder.
    pub folder: String,
}

impl Default for FailureDomain {
    fn default() -> Self {
        FailureDomain {
            name: String::new(),
            region: String::new(),
            region_type: TopologyObjectType::Datacenter,
            zone: String::new(),
            zone_type: TopologyObjectType::ComputeCluster,
            datacenter: String::new(),
            compute_cluster: String::new(),
            hosts: None,
            datastore: String::new(),
            networks: Vec::new(),
            resource_pool: String::new(),
            folder: String::new(),
        }
    }
}

/// A vSphere VM-host affinity: the VM group the machines join, kept on a host group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostGroup {
    /// The VM group the machines are added to.
    pub vm_group_name: String,
    /// The host group the VM group is kept on.
    pub host_group_name: String,
}

/// The vSphere object a region or zone tag is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TopologyObjectType {
    Datacenter,
    ComputeCluster,
    HostGroup,
}
