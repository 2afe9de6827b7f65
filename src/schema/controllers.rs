//! Values of the vSphere controllers that run on the management cluster: the cloud
//! controller manager (CPI) and the CSI controller (whose node driver goes to the
//! workload cluster through a ClusterResourceSet).

use super::{Placement, SecretRef, StringMap};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CloudControllerManager {
    pub enabled: bool,
    /// vCenter credentials of the CPI (connection settings come from `vSphere.*`).
    pub username: String,
    pub password: String,
    pub secret: SecretRef,
    /// Image tag when `image.tag` is empty; its minor should match Kubernetes'.
    pub version: String,
    pub image: Image,
    pub replicas: u32,
    /// vSphere tag categories for the `topology.kubernetes.io/{region,zone}` labels.
    pub topology: Topology,
    pub resources: Map<String, Value>,
    pub deployment: Placement,
}

impl Default for CloudControllerManager {
    fn default() -> Self {
        CloudControllerManager {
            enabled: true,
            username: "admin@vcenter".into(),
            password: "changeme".into(),
            secret: SecretRef::named("vsphere-config-secret"),
            version: "v1.31.0".into(),
            image: Image {
                registry: "registry.k8s.io".into(),
                repository: "cloud-pv-vsphere/cloud-provider-vsphere".into(),
                tag: String::new(),
                pull_policy: "IfNotPresent".into(),
            },
            replicas: 2,
            topology: Topology::default(),
            resources: default_resources("50m", "64Mi", "256Mi"),
            deployment: Placement::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    pub registry: String,
    pub repository: String,
    pub tag: String,
    pub pull_policy: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Topology {
    pub region: String,
    pub zone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageControllerManager {
    pub enabled: bool,
    /// `PRODUCTION` or `DEVELOPMENT`.
    pub log_level: String,
    /// Namespace of the CSI node driver on the workload cluster.
    pub namespace: String,
    pub username: String,
    pub password: String,
    pub secret: SecretRef,
    pub storage_class: StorageClass,
    pub replicas: u32,
    /// Released images, pinned (vsphere-csi-driver v3.7.3 and its sidecars).
    pub images: CsiImages,
    pub image_pull_policy: String,
    /// Resources of every controller container.
    pub resources: Map<String, Value>,
    pub deployment: Placement,
}

impl Default for StorageControllerManager {
    fn default() -> Self {
        StorageControllerManager {
            enabled: false,
            log_level: "PRODUCTION".into(),
            namespace: "kube-system".into(),
            username: "admin@vcenter".into(),
            password: "changeme".into(),
            secret: SecretRef::named("csi-config-secret"),
            storage_class: StorageClass::default(),
            replicas: 2,
            images: CsiImages::default(),
            image_pull_policy: "IfNotPresent".into(),
            resources: default_resources("20m", "64Mi", "256Mi"),
            deployment: Placement::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CsiImages {
    pub driver: String,
    pub syncer: String,
    pub attacher: String,
    pub resizer: String,
    pub provisioner: String,
    pub snapshotter: String,
    pub liveness_probe: String,
    pub node_driver_registrar: String,
}

impl Default for CsiImages {
    fn default() -> Self {
        CsiImages {
            driver: "registry.k8s.io/csi-vsphere/driver:v3.7.3".into(),
            syncer: "registry.k8s.io/csi-vsphere/syncer:v3.7.3".into(),
            attacher: "registry.k8s.io/sig-storage/csi-attacher:v4.9.0".into(),
            resizer: "registry.k8s.io/sig-storage/csi-resizer:v1.12.0".into(),
            provisioner: "registry.k8s.io/sig-storage/csi-provisioner:v4.0.1".into(),
            snapshotter: "registry.k8s.io/sig-storage/csi-snapshotter:v8.2.0".into(),
            liveness_probe: "registry.k8s.io/sig-storage/livenessprobe:v2.15.0".into(),
            node_driver_registrar: "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0"
                .into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageClass {
    pub enabled: bool,
    pub name: String,
    pub allow_volume_expansion: bool,
    pub reclaim_policy: String,
    pub volume_binding_mode: String,
    pub parameters: StringMap,
    pub default: bool,
}

impl Default for StorageClass {
    fn default() -> Self {
        StorageClass {
            enabled: false,
            name: "vsphere-csi".into(),
            allow_volume_expansion: true,
            reclaim_policy: "Delete".into(),
            volume_binding_mode: "WaitForFirstConsumer".into(),
            parameters: StringMap::new(),
            default: true,
        }
    }
}

fn default_resources(cpu: &str, memory: &str, memory_limit: &str) -> Map<String, Value> {
    let mut requests = Map::new();
    requests.insert("cpu".into(), cpu.into());
    requests.insert("memory".into(), memory.into());
    let mut limits = Map::new();
    limits.insert("memory".into(), memory_limit.into());
    let mut resources = Map::new();
    resources.insert("requests".into(), Value::Object(requests));
    resources.insert("limits".into(), Value::Object(limits));
    resources
}
