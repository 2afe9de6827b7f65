//! The typed values contract: every key the chart's values table documents, plus the
//! keys the chart added later. Unknown keys are rejected; the `Default` impls are the
//! seed's defaults, so a node pool that omits a field gets the chart's value for it.
//! `values.yaml` at the top of the repository is the commented copy of these defaults
//! (a unit test keeps the two in step).

mod controllers;

pub use controllers::{
    CloudControllerManager, CsiImages, Image, StorageClass, StorageControllerManager, Topology,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub type StringMap = indexmap::IndexMap<String, String>;

/// Which generation of the Cluster API and Kamaji APIs the output targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ApiProfile {
    /// CAPI/CAPV `v1beta2`, Kamaji `v1alpha2` (CAPI ≥ 1.11, CAPV ≥ 1.16, Kamaji provider ≥ 0.20).
    #[default]
    #[serde(rename = "v1beta2")]
    V1beta2,
    /// CAPI/CAPV `v1beta1`, Kamaji `v1alpha1`: the chart's generation (Kamaji provider ≤ 0.19).
    #[serde(rename = "v1beta1")]
    V1beta1,
}

impl ApiProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiProfile::V1beta2 => "v1beta2",
            ApiProfile::V1beta1 => "v1beta1",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Values {
    /// API generation of the output: `v1beta2` (current) or `v1beta1` (the chart's).
    pub api_profile: ApiProfile,
    pub v_sphere: VSphere,
    pub ipam_provider: IpamProvider,
    pub cluster: Cluster,
    pub node_pools: Vec<NodePool>,
    pub v_sphere_cloud_controller_manager: CloudControllerManager,
    pub v_sphere_storage_controller_manager: StorageControllerManager,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            api_profile: ApiProfile::default(),
            v_sphere: VSphere::default(),
            ipam_provider: IpamProvider::default(),
            cluster: Cluster::default(),
            node_pools: vec![NodePool {
                name: Some("default".into()),
                template: Some("ubuntu-2204-kube-v1.31.0".into()),
                data_store: Some("datastore".into()),
                network: Some("network".into()),
                ..NodePool::default()
            }],
            v_sphere_cloud_controller_manager: CloudControllerManager::default(),
            v_sphere_storage_controller_manager: StorageControllerManager::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct VSphere {
    pub data_center: String,
    pub server: String,
    pub port: u16,
    pub insecure: bool,
    pub tls_thumbprint: String,
    pub username: String,
    pub password: String,
    pub secret: SecretRef,
    /// How CAPV authenticates: a Secret in the cluster's namespace or a shared
    /// VSphereClusterIdentity. Unset: the Secret named by `vSphere.secret.name`.
    pub identity_ref: Option<IdentityRef>,
}

impl Default for VSphere {
    fn default() -> Self {
        VSphere {
            data_center: "datacenter".into(),
            server: "server.sample.org".into(),
            port: 443,
            insecure: false,
            tls_thumbprint: String::new(),
            username: "admin@vcenter".into(),
            password: "changeme".into(),
            secret: SecretRef::named("vsphere-secret"),
            identity_ref: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    #[serde(default)]
    pub create: bool,
    pub name: String,
}

impl SecretRef {
    pub(crate) fn named(name: &str) -> Self {
        SecretRef {
            create: false,
            name: name.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityKind {
    Secret,
    VSphereClusterIdentity,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRef {
    #[serde(rename = "type")]
    pub kind: IdentityKind,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct IpamProvider {
    pub enabled: bool,
    pub ranges: Vec<String>,
    /// The chart documents it as a string ("24"); integers are accepted too.
    pub prefix: LooseInt,
    pub gateway: String,
}

impl Default for IpamProvider {
    fn default() -> Self {
        IpamProvider {
            enabled: true,
            ranges: vec!["192.168.0.0/24".into()],
            prefix: LooseInt::Text("24".into()),
            gateway: "192.168.0.1".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    /// Cluster name; the NAME argument is used when empty.
    pub name: String,
    pub cluster_network: ClusterNetwork,
    pub control_plane: ControlPlane,
    pub metrics: Metrics,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterNetwork {
    pub api_server_port: Option<u16>,
    pub service_domain: Option<String>,
    pub pods: Option<CidrBlocks>,
    pub services: Option<CidrBlocks>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CidrBlocks {
    pub cidr_blocks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlane {
    pub labels: StringMap,
    pub replicas: u32,
    pub api_server: Component,
    pub controller_manager: Component,
    pub scheduler: Component,
    pub data_store_name: String,
    pub addons: Addons,
    pub kubelet: Kubelet,
    pub network: ControlPlaneNetwork,
    pub version: String,
    pub deployment: Placement,
}

impl Default for ControlPlane {
    fn default() -> Self {
        ControlPlane {
            labels: StringMap::from([("cni".into(), "calico".into())]),
            replicas: 2,
            // The seed's default; rejected with a clear error for Kubernetes >= 1.33,
            // whose kube-apiserver no longer has the flag.
            api_server: Component {
                extra_args: vec!["--cloud-provider=external".into()],
            },
            controller_manager: Component {
                extra_args: vec!["--cloud-provider=external".into()],
            },
            scheduler: Component::default(),
            data_store_name: "default".into(),
            addons: Addons {
                core_dns: Some(Map::new()),
                kube_proxy: Some(Map::new()),
                konnectivity: Some(Map::new()),
            },
            kubelet: Kubelet::default(),
            network: ControlPlaneNetwork::default(),
            version: "v1.31.0".into(),
            deployment: Placement::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Component {
    pub extra_args: Vec<String>,
}

/// A Kamaji addon is enabled when present (even `{}`) and removed when `null`/absent.
/// Their settings are passed to the KamajiControlPlane as given; the CRD schema checks them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Addons {
    #[serde(rename = "coreDNS")]
    pub core_dns: Option<Map<String, Value>>,
    #[serde(rename = "kubeProxy")]
    pub kube_proxy: Option<Map<String, Value>>,
    pub konnectivity: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Kubelet {
    pub cgroupfs: String,
    pub preferred_address_types: Vec<String>,
}

impl Default for Kubelet {
    fn default() -> Self {
        Kubelet {
            cgroupfs: "systemd".into(),
            preferred_address_types: vec![
                "InternalIP".into(),
                "ExternalIP".into(),
                "Hostname".into(),
            ],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlaneNetwork {
    pub service_type: String,
    pub service_address: String,
    pub service_annotations: StringMap,
    pub service_labels: StringMap,
    #[serde(rename = "certSANs")]
    pub cert_sans: Vec<String>,
}

impl Default for ControlPlaneNetwork {
    fn default() -> Self {
        ControlPlaneNetwork {
            service_type: "LoadBalancer".into(),
            service_address: String::new(),
            service_annotations: StringMap::new(),
            service_labels: StringMap::new(),
            cert_sans: Vec::new(),
        }
    }
}

/// Placement and metadata of pods that run on the management cluster (the tenant
/// control plane, the CPI, the CSI controller). Kubernetes shapes (affinity,
/// tolerations…) are passed through and checked against the Kubernetes schemas.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Placement {
    pub additional_metadata: Metadata,
    pub pod_additional_metadata: Metadata,
    pub affinity: Option<Map<String, Value>>,
    pub tolerations: Vec<Value>,
    pub node_selector: StringMap,
    pub topology_spread_constraints: Vec<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Metadata {
    pub labels: StringMap,
    pub annotations: StringMap,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Metrics {
    pub enabled: bool,
    pub service_account: ServiceAccountRef,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceAccountRef {
    pub name: String,
    pub namespace: String,
}

impl Default for ServiceAccountRef {
    fn default() -> Self {
        ServiceAccountRef {
            name: "kube-prometheus-stack-prometheus".into(),
            namespace: "monitoring-system".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePool {
    /// Required in every pool of a user's list.
    pub name: Option<String>,
    /// vSphere VM template to clone. Required.
    pub template: Option<String>,
    /// vSphere datastore. Required.
    pub data_store: Option<String>,
    /// vSphere network for the VMs. Required.
    pub network: Option<String>,
    /// `fullClone` (default) honours `diskGiB`; `linkedClone` is faster but CAPV then
    /// ignores `diskGiB` for templates that have a snapshot.
    pub clone_mode: CloneMode,
    pub folder: String,
    pub resource_pool: String,
    pub storage_policy_name: String,
    pub replicas: u32,
    pub autoscaling: Autoscaling,
    #[serde(rename = "diskGiB")]
    pub disk_gib: u32,
    #[serde(rename = "memoryMiB")]
    pub memory_mib: u64,
    #[serde(rename = "numCPUs")]
    pub num_cpus: u32,
    pub dhcp4: bool,
    pub static_routes: Vec<StaticRoute>,
    pub addresses_from_pools: AddressesFromPools,
    pub name_servers: Vec<String>,
    pub search_domains: Vec<String>,
    /// DNS domain of the VMs, added first to their search domains.
    pub domain: String,
    /// IPv4 gateway of the VMs' device (with IPAM the pool's gateway is used).
    pub gateway: String,
    pub users: Vec<User>,
    /// kubelet `--node-labels`, e.g. `"node.kubernetes.io/role=worker,tier=web"`.
    pub labels: String,
    /// kubelet `--register-with-taints`, e.g. `"dedicated=gpu:NoSchedule"`.
    pub taints: String,
    pub pre_kubeadm_commands: Vec<String>,
    pub post_kubeadm_commands: Vec<String>,
    /// Extra cloud-config written to `/etc/cloud/cloud.cfg.d/99-custom.cfg`.
    pub additional_cloud_init_files: String,
}

impl Default for NodePool {
    fn default() -> Self {
        NodePool {
            name: None,
            template: None,
            data_store: None,
            network: None,
            clone_mode: CloneMode::FullClone,
            folder: "default-pool".into(),
            resource_pool: "*/Resources".into(),
            storage_policy_name: String::new(),
            replicas: 3,
            autoscaling: Autoscaling::default(),
            disk_gib: 40,
            memory_mib: 4096,
            num_cpus: 2,
            dhcp4: false,
            static_routes: Vec::new(),
            addresses_from_pools: AddressesFromPools { enabled: true },
            name_servers: vec!["8.8.8.8".into()],
            search_domains: Vec::new(),
            domain: String::new(),
            gateway: String::new(),
            users: vec![User {
                name: "ubuntu".into(),
                ssh_authorized_keys: Vec::new(),
                sudo: Some("ALL=(ALL) NOPASSWD:ALL".into()),
                ..User::default()
            }],
            labels: String::new(),
            taints: String::new(),
            pre_kubeadm_commands: Vec::new(),
            post_kubeadm_commands: Vec::new(),
            additional_cloud_init_files: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CloneMode {
    FullClone,
    LinkedClone,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Autoscaling {
    pub enabled: bool,
    pub labels: StringMap,
    pub min_size: LooseInt,
    pub max_size: LooseInt,
}

impl Default for Autoscaling {
    fn default() -> Self {
        Autoscaling {
            enabled: false,
            labels: StringMap::from([("autoscaling".into(), "enabled".into())]),
            min_size: LooseInt::Text("2".into()),
            max_size: LooseInt::Text("6".into()),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddressesFromPools {
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticRoute {
    pub to: String,
    pub via: String,
    #[serde(default = "default_route_metric")]
    pub metric: u32,
}

fn default_route_metric() -> u32 {
    100
}

/// A cloud-init user, with the fields of CAPI's KubeadmConfig `users[]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct User {
    pub name: String,
    pub gecos: Option<String>,
    pub groups: Option<String>,
    pub home_dir: Option<String>,
    pub inactive: Option<bool>,
    pub shell: Option<String>,
    pub passwd: Option<String>,
    pub primary_group: Option<String>,
    pub lock_password: Option<bool>,
    pub sudo: Option<String>,
    pub ssh_authorized_keys: Vec<String>,
}

/// An integer the chart documented as a string (`minSize: "2"`, `prefix: "24"`):
/// both spellings are accepted and kept as written, so `capkv values` round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LooseInt {
    Number(i64),
    Text(String),
}

impl LooseInt {
    /// The integer, or `None` when the text is not one (validation reports it).
    pub fn value(&self) -> Option<i64> {
        match self {
            LooseInt::Number(n) => Some(*n),
            LooseInt::Text(s) => s.trim().parse().ok(),
        }
    }
}

impl Default for LooseInt {
    fn default() -> Self {
        LooseInt::Number(0)
    }
}

impl<'de> Deserialize<'de> for LooseInt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = LooseInt;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<LooseInt, E> {
                Ok(LooseInt::Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<LooseInt, E> {
                i64::try_from(v)
                    .map(LooseInt::Number)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<LooseInt, E> {
                if v.trim().parse::<i64>().is_ok() {
                    Ok(LooseInt::Text(v.to_owned()))
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
