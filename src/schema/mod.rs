//! The typed values contract: every key the chart's values table documents, plus the
//! keys the chart added later. Unknown keys are rejected; the `Default` impls are the
//! seed's defaults, so a node pool that omits a field gets the chart's value for it.
//! `values.yaml` at the top of the repository is the commented copy of these defaults
//! (a unit test keeps the two in step).

mod api;
mod autoscaler;
mod controllers;
mod enums;
mod failure_domain;
mod hardening;
mod hardware;
mod health_check;
mod nodes;

pub use api::{ApiProfile, ApiVersionChoice, BetaVersion, KamajiVersion, ResolvedApiVersions};
pub use autoscaler::{Autoscaler, Expander};
pub use failure_domain::{FailureDomain, HostGroup, TopologyObjectType};
pub use hardening::{
    Audit, AuditLog, Authentication, ClaimMappings, Encryption, Issuer, JwtAuthenticator, Oidc,
    PrefixedClaim,
};
pub use hardware::{
    ACCELERATOR_LABEL, DataDisk, Gpu, IpPool, NetworkDevice, PciDevice, ProvisioningMode,
    accelerator,
};
pub use health_check::{ConditionStatus, HealthCheck, UnhealthyNodeCondition};
pub use nodes::{Nodes, Proxy, RegistryMirror};

pub use controllers::{
    CSI_CLUSTER_DISTRIBUTION, CSI_RELEASES, CloudControllerManager, CsiDigests, CsiImages,
    CsiRelease, Image, NetworkPolicy, StorageClass, StorageControllerManager, Topology,
    is_image_digest, pinned,
};
pub use enums::{
    AddressType, CgroupDriver, DeletionOrder, LogLevel, PullPolicy, ReclaimPolicy, RolloutStrategy,
    ServiceType, VolumeBindingMode,
};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub type StringMap = indexmap::IndexMap<String, String>;

/// Keys whose values are credentials: masked by `capkv values` and never echoed in an
/// error message.
pub fn is_secret_key(key: &str) -> bool {
    // encryptionConfig: the EncryptionConfiguration with its keys
    // (cluster.controlPlane.encryption).
    matches!(key, "password" | "passwd" | "encryptionConfig")
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Values {
    /// API generation of the output: `v1beta2` (current) or `v1beta1` (the chart's).
    pub api_profile: ApiProfile,
    /// API version of each provider (`capi`, `capv`, `kamaji`), where it differs from `apiProfile`
    pub api_versions: ApiVersionChoice,
    /// vSphere connection and CAPV credentials
    pub v_sphere: VSphere,
    /// In-cluster IPAM pool for the worker VMs
    pub ipam_provider: IpamProvider,
    /// Cluster and hosted control plane
    pub cluster: Cluster,
    /// Worker node pools (at least one); a pool that omits a field gets the default shown for nodePools[0], but name, template, dataStore and network must be set
    #[schemars(length(min = 1))]
    pub node_pools: Vec<NodePool>,
    /// Failure domains the pools can be placed in (`nodePools[].failureDomain`, `failureDomains`)
    pub failure_domains: Vec<FailureDomain>,
    /// The Cluster Autoscaler of this cluster, run on the management cluster
    pub autoscaler: Autoscaler,
    /// What every node of every pool gets (NTP servers, trusted CA certificates)
    pub nodes: Nodes,
    /// vSphere cloud controller manager (CPI), run on the management cluster
    pub v_sphere_cloud_controller_manager: CloudControllerManager,
    /// vSphere CSI controller on the management cluster; node driver on the workload cluster
    pub v_sphere_storage_controller_manager: StorageControllerManager,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            api_profile: ApiProfile::default(),
            api_versions: ApiVersionChoice::default(),
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
            failure_domains: Vec::new(),
            autoscaler: Autoscaler::default(),
            nodes: Nodes::default(),
            v_sphere_cloud_controller_manager: CloudControllerManager::default(),
            v_sphere_storage_controller_manager: StorageControllerManager::default(),
        }
    }
}

impl Values {
    /// The API version each provider's objects are rendered with.
    pub fn api(&self) -> ResolvedApiVersions {
        ResolvedApiVersions::resolve(self.api_profile, self.api_versions)
    }
}

/// Where capkv mounts `vSphere.caBundle` in the CPI and CSI controller pods.
pub const VCENTER_CA_DIR: &str = "/etc/vcenter-ca";
pub const VCENTER_CA_FILE: &str = "/etc/vcenter-ca/ca.crt";

impl VSphere {
    /// The CA file the CPI and CSI read: the mounted `caBundle`, else `caFile` as given.
    pub fn effective_ca_file(&self) -> &str {
        if self.ca_bundle.is_empty() {
            &self.ca_file
        } else {
            VCENTER_CA_FILE
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct VSphere {
    /// Datacenter to use
    pub data_center: String,
    /// VSphere server dns name or address
    pub server: String,
    /// VSphere server port
    pub port: u16,
    /// If vCenter uses a self-signed cert
    pub insecure: bool,
    /// VSphere https TLS thumbprint; empty means CAPV connects without verifying TLS
    pub tls_thumbprint: String,
    /// Path of vCenter's CA bundle inside the CPI and CSI controller pods (the chart's
    /// key); with `caBundle` capkv mounts the bundle and fills this in
    pub ca_file: String,
    /// PEM CA bundle that signed vCenter's certificate: capkv ships it in a ConfigMap
    /// mounted into the CPI and the CSI controller, which verify vCenter against it
    pub ca_bundle: String,
    /// vSphere username
    pub username: String,
    /// vSphere password
    pub password: String,
    /// Create a secret with the VSphere credentials
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
            ca_file: String::new(),
            ca_bundle: String::new(),
            username: "admin@vcenter".into(),
            password: "changeme".into(),
            secret: SecretRef::named("vsphere-secret"),
            identity_ref: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Specifies whether Secret should be created from config values
    #[serde(default)]
    pub create: bool,
    /// The name of an existing Secret (with `create`, capkv names the Secret after the
    /// cluster, as the chart does)
    #[serde(default)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum IdentityKind {
    Secret,
    VSphereClusterIdentity,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityRef {
    /// Secret or VSphereClusterIdentity
    #[serde(rename = "type")]
    pub kind: IdentityKind,
    /// Name of the Secret or VSphereClusterIdentity
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
// Lint's rule as a schema: an enabled pool needs at least one range. Only where the
// file says `enabled: true`, so that a file leaving it to the defaults is not refused.
#[schemars(extend(
    "if" = { "properties": { "enabled": { "const": true } }, "required": ["enabled"] },
    "then" = { "properties": { "ranges": { "minItems": 1 } } }
))]
pub struct IpamProvider {
    /// Enable the IPAMProvider usage
    pub enabled: bool,
    /// IPAMProvider ranges: CIDRs, a-b ranges or single IPs (at least one when enabled)
    pub ranges: Vec<String>,
    /// The chart documents it as a string ("24"); integers are accepted too.
    pub prefix: LooseInt,
    /// IPAMProvider gateway
    pub gateway: String,
    /// Further InClusterIPPools, for the nodes' network devices on other networks
    /// (`nodePools[].additionalNetworks[].ipPool`)
    pub additional_pools: Vec<IpPool>,
}

impl Default for IpamProvider {
    fn default() -> Self {
        IpamProvider {
            enabled: true,
            ranges: vec!["192.168.0.0/24".into()],
            prefix: LooseInt::Text("24".into()),
            gateway: "192.168.0.1".into(),
            additional_pools: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    /// Cluster name (a DNS-1123 label of at most 63 characters); the NAME argument is
    /// used when empty.
    #[schemars(
        length(max = 63),
        regex(pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$")
    )]
    pub name: String,
    /// Labels of the Cluster object (add-on tools select clusters by them); capkv's
    /// cluster.x-k8s.io/cluster-name label cannot be replaced
    pub labels: StringMap,
    /// Annotations of the Cluster object
    pub annotations: StringMap,
    /// Cluster network: API server port, service domain, pod and service CIDRs
    pub cluster_network: ClusterNetwork,
    /// Kamaji hosted control plane
    pub control_plane: ControlPlane,
    /// Metrics of the tenant control plane for the Prometheus Operator
    pub metrics: Metrics,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterNetwork {
    /// Port of the tenant API server
    pub api_server_port: Option<u16>,
    /// DNS domain of Services
    pub service_domain: Option<String>,
    /// Pod network CIDRs
    pub pods: Option<CidrBlocks>,
    /// Service network CIDRs
    pub services: Option<CidrBlocks>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CidrBlocks {
    /// CIDR blocks
    pub cidr_blocks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlane {
    /// Labels to add to the control plane
    pub labels: StringMap,
    /// Number of control plane replicas
    pub replicas: u32,
    /// kube-apiserver extraArgs (Kubernetes >= 1.33 has no --cloud-provider)
    pub api_server: Component,
    /// kube-controller-manager extraArgs
    pub controller_manager: Component,
    /// kube-scheduler extraArgs
    pub scheduler: Component,
    /// KamajiControlPlane dataStoreName
    pub data_store_name: String,
    /// Kamaji addons: present (even {}) = installed, null = removed
    pub addons: Addons,
    /// kubelet settings of the tenant
    pub kubelet: Kubelet,
    /// How the tenant API server is exposed
    pub network: ControlPlaneNetwork,
    /// Kubernetes version (vMAJOR.MINOR.PATCH)
    pub version: String,
    /// Placement and metadata of the control-plane pods on the management cluster
    pub deployment: Placement,
    /// Who may log in to the tenant API server: JWT issuers (OIDC) or the legacy flags
    pub authentication: Authentication,
    /// Audit log of the tenant API server
    pub audit: Audit,
    /// Encryption at rest of the tenant's Secrets in the datastore
    pub encryption: Encryption,
    /// Registry of the control plane images (empty: Kamaji's, registry.k8s.io)
    pub registry: String,
    /// Admission plugins of the tenant API server (`--enable-admission-plugins`, which
    /// Kamaji sets from this list); empty: Kamaji's default
    pub admission_controllers: Vec<String>,
    /// Resources kept in another Kamaji DataStore, e.g. events apart from the rest
    pub data_store_overrides: Vec<DataStoreOverride>,
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
                ..Component::default()
            },
            controller_manager: Component {
                extra_args: vec!["--cloud-provider=external".into()],
                ..Component::default()
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
            authentication: Authentication::default(),
            audit: Audit::default(),
            encryption: Encryption::default(),
            registry: String::new(),
            admission_controllers: Vec::new(),
            data_store_overrides: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Component {
    /// Extra command-line arguments
    pub extra_args: Vec<String>,
    /// (capkv) The container's requests and limits (Kubernetes ResourceRequirements)
    pub resources: Option<Map<String, Value>>,
    /// (capkv) The container image name in `registry`, instead of Kamaji's (e.g.
    /// `kube-apiserver` for a hardened build of the same name)
    pub container_image_name: String,
}

/// One `dataStoreOverrides` entry: the resource kube-apiserver keeps in another
/// Kamaji DataStore (`--etcd-servers-overrides`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataStoreOverride {
    /// `group/resource`, the core group empty: `/events`
    pub resource: String,
    /// The Kamaji DataStore (an etcd one) that stores it
    pub data_store: String,
}

/// The tenant API server behind an Ingress of the management cluster.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlaneIngress {
    /// Host name of the Ingress; Kamaji adds it to the certificate's SANs
    pub hostname: String,
    /// IngressClass (it must pass TLS through: clients authenticate with certificates)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class_name: String,
    /// Annotations of the Ingress
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub extra_annotations: StringMap,
    /// Labels of the Ingress
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub extra_labels: StringMap,
}

/// The LoadBalancer Service of the tenant API server.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct LoadBalancerConfig {
    /// The load balancer implementation (Service `loadBalancerClass`); cannot change
    /// once the Service exists
    #[serde(skip_serializing_if = "String::is_empty")]
    pub load_balancer_class: String,
    /// CIDRs allowed to reach the API server (Service `loadBalancerSourceRanges`)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_source_ranges: Vec<String>,
}

/// A Kamaji addon is enabled when present (even `{}`) and removed when `null`/absent.
/// Their settings are passed to the KamajiControlPlane as given; the CRD schema checks them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Addons {
    /// Kamaji's CoreDNS addon: its settings, `{}` for the defaults, `null` to go without
    #[serde(rename = "coreDNS")]
    pub core_dns: Option<Map<String, Value>>,
    /// Kamaji's kube-proxy addon: its settings, `{}` for the defaults, `null` to go
    /// without (e.g. with a CNI that replaces kube-proxy)
    #[serde(rename = "kubeProxy")]
    pub kube_proxy: Option<Map<String, Value>>,
    /// Kamaji's Konnectivity addon (API server to node tunnel): its settings, `{}` for
    /// the defaults, `null` to go without
    pub konnectivity: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Kubelet {
    /// kubelet cgroupfs configuration (systemd or cgroupfs)
    pub cgroupfs: CgroupDriver,
    /// kubelet preferredAddressTypes order (at least one, each once)
    #[schemars(length(min = 1), extend("uniqueItems" = true))]
    pub preferred_address_types: Vec<AddressType>,
    /// RFC 6902 JSON patches Kamaji applies to the KubeletConfiguration it uploads,
    /// after capkv's own cgroupDriver patch (e.g. removing fields an older kubelet
    /// does not know)
    #[serde(rename = "configurationJSONPatches")]
    pub configuration_json_patches: Vec<JsonPatch>,
}

/// One RFC 6902 operation, as the KamajiControlPlane's `kubelet.configurationJSONPatches`
/// takes it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonPatch {
    /// The operation
    pub op: PatchOp,
    /// JSON pointer to the target, e.g. `/imagePullCredentialsVerificationPolicy`
    pub path: String,
    /// The value of `add`, `replace` and `test`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The source of `move` and `copy`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatchOp {
    Add,
    Remove,
    Replace,
    Move,
    Copy,
    Test,
}

impl Default for Kubelet {
    fn default() -> Self {
        Kubelet {
            cgroupfs: CgroupDriver::Systemd,
            preferred_address_types: vec![
                AddressType::InternalIP,
                AddressType::ExternalIP,
                AddressType::Hostname,
            ],
            configuration_json_patches: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlaneNetwork {
    /// Type of service used to expose the Kubernetes API server
    pub service_type: ServiceType,
    /// Address used to expose the Kubernetes API server. If not set, the service will be exposed on the first available address.
    pub service_address: String,
    /// Annotations to use for the control plane service
    pub service_annotations: StringMap,
    /// Labels to use for the control plane service
    pub service_labels: StringMap,
    /// List of additional Subject Alternative Names to use for the API Server serving certificate (hosts, no ports)
    #[serde(rename = "certSANs")]
    pub cert_sans: Vec<String>,
    /// IP address workers and konnectivity reach the API server at, when it differs from
    /// the Service's (a VIP in front of it); Kamaji requires an IP, not a name
    pub advertise_address: String,
    /// The LoadBalancer Service's class and allowed source ranges
    pub load_balancer_config: LoadBalancerConfig,
    /// Expose the API server through an Ingress instead (TLS passthrough)
    pub ingress: Option<ControlPlaneIngress>,
}

impl Default for ControlPlaneNetwork {
    fn default() -> Self {
        ControlPlaneNetwork {
            service_type: ServiceType::LoadBalancer,
            service_address: String::new(),
            service_annotations: StringMap::new(),
            service_labels: StringMap::new(),
            cert_sans: Vec::new(),
            advertise_address: String::new(),
            load_balancer_config: LoadBalancerConfig::default(),
            ingress: None,
        }
    }
}

/// Placement and metadata of pods that run on the management cluster (the tenant
/// control plane, the CPI, the CSI controller). Kubernetes shapes (affinity,
/// tolerations…) are passed through and checked against the Kubernetes schemas.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Placement {
    /// Labels and annotations of the Deployment
    pub additional_metadata: Metadata,
    /// Labels and annotations of the pods
    pub pod_additional_metadata: Metadata,
    /// Pod affinity (Kubernetes Affinity)
    pub affinity: Option<Map<String, Value>>,
    /// Pod tolerations
    pub tolerations: Vec<Value>,
    /// Pod node selector
    pub node_selector: StringMap,
    /// Pod topology spread constraints
    pub topology_spread_constraints: Vec<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Metadata {
    /// Labels
    pub labels: StringMap,
    /// Annotations
    pub annotations: StringMap,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Metrics {
    /// Enable metrics collection. ServiceMonitor custom resource definition must be installed on the Management cluster.
    pub enabled: bool,
    /// ServiceAccount for scraping metrics (the chart's key: bound to the client
    /// certificate Secret as the chart did)
    pub service_account: ServiceAccountRef,
    /// ServiceAccount of the Prometheus Operator, which reads the Secrets a
    /// ServiceMonitor's tlsConfig names and hands them to Prometheus as files
    pub operator_service_account: ServiceAccountRef,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceAccountRef {
    /// ServiceAccount name used for scraping metrics
    pub name: String,
    /// ServiceAccount namespace
    pub namespace: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            enabled: false,
            service_account: ServiceAccountRef::default(),
            operator_service_account: ServiceAccountRef {
                name: "kube-prometheus-stack-operator".into(),
                namespace: "monitoring-system".into(),
            },
        }
    }
}

impl Default for ServiceAccountRef {
    fn default() -> Self {
        ServiceAccountRef {
            name: "kube-prometheus-stack-prometheus".into(),
            namespace: "monitoring-system".into(),
        }
    }
}

/// The keys every pool of a user's list must set: a list replaces the defaults' list as
/// a whole, so no default fills them (`lint` checks them in `validate::pools`).
const REQUIRED_POOL_KEYS: [&str; 4] = ["name", "template", "dataStore", "network"];

/// In the schema, the required pool keys are non-empty strings without a default, so
/// that an editor neither accepts a pool without them nor completes them to `null`.
fn require_pool_keys(schema: &mut schemars::Schema) {
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for key in REQUIRED_POOL_KEYS {
            if let Some(Value::Object(property)) = properties.get_mut(key) {
                property.insert("type".into(), "string".into());
                property.insert("minLength".into(), 1.into());
                property.remove("default");
            }
        }
    }
    schema.insert("required".into(), REQUIRED_POOL_KEYS.to_vec().into());
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[schemars(transform = require_pool_keys)]
pub struct NodePool {
    /// Name of the pool (a DNS-1123 label), unique in the list. Required in every pool
    /// of a user's list.
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: Option<String>,
    /// vSphere VM template to clone. Required.
    pub template: Option<String>,
    /// Kubernetes version of the pool's machines (`vMAJOR.MINOR.PATCH`); empty: the
    /// control plane's. Upgrade the control plane first, then the pools one by one.
    pub version: String,
    /// vSphere datastore. Required.
    pub data_store: Option<String>,
    /// vSphere network for the VMs. Required.
    pub network: Option<String>,
    /// `fullClone` (default) honours `diskGiB`; `linkedClone` is faster but CAPV then
    /// ignores `diskGiB` for templates that have a snapshot.
    pub clone_mode: CloneMode,
    /// VSphere folder to store VMs
    pub folder: String,
    /// VSphere resource pool to use
    pub resource_pool: String,
    /// VSphere storage policy to use
    pub storage_policy_name: String,
    /// Number of worker VMs instances (left to the autoscaler when autoscaling is enabled)
    pub replicas: u32,
    /// Cluster Autoscaler settings of the pool
    pub autoscaling: Autoscaling,
    /// When the pool's machines are replaced as unhealthy (a MachineHealthCheck)
    pub health_check: HealthCheck,
    /// The failure domain (a `failureDomains[].name`) all the pool's machines are placed in
    pub failure_domain: String,
    /// Failure domains the pool is spread over: one MachineDeployment per domain,
    /// named `<cluster>-<pool>-<domain>-md`, with replicas and autoscaling bounds split
    pub failure_domains: Vec<String>,
    /// Disk size of VM in GiB (at least 1)
    #[serde(rename = "diskGiB")]
    #[schemars(range(min = 1))]
    pub disk_gib: u32,
    /// Memory to allocate to worker VMs, in MiB (at least 1)
    #[serde(rename = "memoryMiB")]
    #[schemars(range(min = 1))]
    pub memory_mib: u64,
    /// Number of vCPUs to allocate to worker instances (CAPV requires at least 2)
    #[serde(rename = "numCPUs")]
    #[schemars(range(min = 2))]
    pub num_cpus: u32,
    /// Disks added to each VM besides the template's (CAPV takes at most 29)
    #[schemars(length(max = 29))]
    pub data_disks: Vec<DataDisk>,
    /// PCI devices (passthrough or vGPU) given to each VM
    pub pci_devices: Vec<PciDevice>,
    /// With `pciDevices`: the GPUs' resource name and accelerator label, for the Cluster
    /// Autoscaler (scale from zero) and the nodes
    pub gpu: Gpu,
    /// Use dhcp for ipv4 configuration
    pub dhcp4: bool,
    /// Static network routes
    pub static_routes: Vec<StaticRoute>,
    /// Use an IPAMProvider pool to reserve IPs
    pub addresses_from_pools: AddressesFromPools,
    /// Nameservers for VMs DNS resolution if required (at most 3)
    #[schemars(length(max = 3))]
    pub name_servers: Vec<String>,
    /// Search domains suffixes if required
    pub search_domains: Vec<String>,
    /// DNS domain of the VMs, added first to their search domains.
    pub domain: String,
    /// IPv4 gateway of the VMs' device (with IPAM the pool's gateway is used).
    pub gateway: String,
    /// MTU of the VMs' first device (on `network`) in bytes; unset: the network's
    pub mtu: Option<u32>,
    /// Network devices besides the first, each on its own vSphere network with DHCP or
    /// an address from an `ipamProvider.additionalPools` pool
    pub additional_networks: Vec<NetworkDevice>,
    /// users to create on machines
    pub users: Vec<User>,
    /// kubelet `--node-labels`, e.g. `"node.kubernetes.io/role=worker,tier=web"`.
    pub labels: String,
    /// kubelet `--register-with-taints`, e.g. `"dedicated=gpu:NoSchedule"`.
    pub taints: String,
    /// Commands run before kubeadm join (after the hostname setup)
    pub pre_kubeadm_commands: Vec<String>,
    /// Commands run after kubeadm join
    pub post_kubeadm_commands: Vec<String>,
    /// Extra cloud-config written to `/etc/cloud/cloud.cfg.d/99-custom.cfg`.
    pub additional_cloud_init_files: String,
    /// How the pool's machines are replaced and deleted; changing these settings rolls
    /// no machine
    pub rollout: Rollout,
}

impl NodePool {
    /// The Kubernetes version the pool's machines run: its own, or the control plane's.
    pub fn kubernetes_version<'a>(&'a self, control_plane: &'a str) -> &'a str {
        if self.version.is_empty() {
            control_plane
        } else {
            &self.version
        }
    }
}

impl Default for NodePool {
    fn default() -> Self {
        NodePool {
            name: None,
            template: None,
            version: String::new(),
            data_store: None,
            network: None,
            clone_mode: CloneMode::FullClone,
            folder: "default-pool".into(),
            resource_pool: "*/Resources".into(),
            storage_policy_name: String::new(),
            replicas: 3,
            autoscaling: Autoscaling::default(),
            health_check: HealthCheck::default(),
            failure_domain: String::new(),
            failure_domains: Vec::new(),
            disk_gib: 40,
            memory_mib: 4096,
            num_cpus: 2,
            data_disks: Vec::new(),
            pci_devices: Vec::new(),
            gpu: Gpu::default(),
            dhcp4: false,
            static_routes: Vec::new(),
            addresses_from_pools: AddressesFromPools { enabled: true },
            name_servers: vec!["8.8.8.8".into()],
            search_domains: Vec::new(),
            domain: String::new(),
            gateway: String::new(),
            mtu: None,
            additional_networks: Vec::new(),
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
            rollout: Rollout::default(),
        }
    }
}

/// A node pool's rollout control: the MachineDeployment's strategy and deletion order,
/// and the timeouts of each machine's deletion. Unset keys are left to CAPI, whose
/// default each description names.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Rollout {
    /// `RollingUpdate` replaces machines when the pool's template changes; `OnDelete`
    /// replaces a machine only once you delete it
    pub strategy: RolloutStrategy,
    /// RollingUpdate: machines created above `replicas` during a rollout, an integer or
    /// a percentage of `replicas` such as "25%" (unset: CAPI's 1)
    pub max_surge: Option<IntOrPercent>,
    /// RollingUpdate: machines that may be unavailable during a rollout, an integer or
    /// a percentage of `replicas` such as "25%" (unset: CAPI's 0)
    pub max_unavailable: Option<IntOrPercent>,
    /// Which machines are deleted first on scale-down: Random, Newest or Oldest (unset:
    /// CAPI's Random)
    pub deletion_order: Option<DeletionOrder>,
    /// Seconds a new node must be Ready before its machine counts as available
    #[schemars(range(max = 2_147_483_647))]
    pub min_ready_seconds: u32,
    /// Seconds CAPI drains a node before deleting its machine anyway, so that a
    /// PodDisruptionBudget cannot stall a rollout forever; 0 waits for the drain forever
    #[schemars(range(max = 2_147_483_647))]
    pub node_drain_timeout_seconds: Option<u32>,
    /// Seconds CAPI waits for the node's volumes to detach before deleting the VM; 0
    /// or unset waits forever
    #[schemars(range(max = 2_147_483_647))]
    pub node_volume_detach_timeout_seconds: Option<u32>,
    /// Seconds CAPI retries deleting the Node object once its machine is deleted; 0
    /// retries forever (unset: CAPI's 10)
    #[schemars(range(max = 2_147_483_647))]
    pub node_deletion_timeout_seconds: Option<u32>,
}

/// The drain timeout capkv sets unless told otherwise: as long as the Cluster Autoscaler
/// lets a pod terminate when it removes a node (its `--max-graceful-termination-sec`
/// default). Without one, CAPI waits forever for a drain a PodDisruptionBudget blocks.
pub const DEFAULT_NODE_DRAIN_TIMEOUT_SECONDS: u32 = 600;

impl Rollout {
    /// The machine's timeouts under their v1beta2 names (v1beta1 spells them as
    /// durations without `Seconds`).
    pub fn node_timeouts(&self) -> [(&'static str, Option<u32>); 3] {
        [
            ("nodeDrainTimeoutSeconds", self.node_drain_timeout_seconds),
            (
                "nodeVolumeDetachTimeoutSeconds",
                self.node_volume_detach_timeout_seconds,
            ),
            (
                "nodeDeletionTimeoutSeconds",
                self.node_deletion_timeout_seconds,
            ),
        ]
    }
}

impl Default for Rollout {
    fn default() -> Self {
        Rollout {
            strategy: RolloutStrategy::RollingUpdate,
            max_surge: None,
            max_unavailable: None,
            deletion_order: None,
            min_ready_seconds: 0,
            node_drain_timeout_seconds: Some(DEFAULT_NODE_DRAIN_TIMEOUT_SECONDS),
            node_volume_detach_timeout_seconds: None,
            node_deletion_timeout_seconds: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CloneMode {
    FullClone,
    LinkedClone,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Autoscaling {
    /// Enable autoscaling
    pub enabled: bool,
    /// Labels to use for autoscaling: make sure to use the same labels on the autoscaler configuration
    pub labels: StringMap,
    /// Minimum number of instances in the pool
    pub min_size: LooseInt,
    /// Maximum number of instances in the pool
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AddressesFromPools {
    /// Enable the IPAMProvider usage
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaticRoute {
    /// Destination (IP or CIDR)
    pub to: String,
    /// Gateway IP
    pub via: String,
    /// Route metric
    #[serde(default = "default_route_metric")]
    pub metric: u32,
}

fn default_route_metric() -> u32 {
    100
}

/// A cloud-init user, with the fields of CAPI's KubeadmConfig `users[]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct User {
    /// User name
    pub name: String,
    /// GECOS field
    pub gecos: Option<String>,
    /// Additional groups, comma-separated
    pub groups: Option<String>,
    /// Home directory
    pub home_dir: Option<String>,
    /// Create the user inactive
    pub inactive: Option<bool>,
    /// Login shell
    pub shell: Option<String>,
    /// Hashed password
    pub passwd: Option<String>,
    /// Primary group
    pub primary_group: Option<String>,
    /// Lock the password (SSH keys only)
    pub lock_password: Option<bool>,
    /// sudo rule
    pub sudo: Option<String>,
    /// SSH public keys
    pub ssh_authorized_keys: Vec<String>,
}

/// The hostname and /etc/hosts commands the chart's templates wrote before v0.2.8 and
/// its default values carry since (clastix/cluster-api-kamaji-vsphere v0.2.8
/// `values.yaml` nodePools[0].preKubeadmCommands). capkv writes these itself, with the
/// host name in /etc/hosts; run after capkv's lines, the second would truncate
/// /etc/hosts and the third would write it back without the host name.
pub const CHART_HOSTS_COMMANDS: [&str; 3] = [
    r#"hostnamectl set-hostname "{{ ds.meta_data.hostname }}""#,
    r#"echo "::1         ipv6-localhost ipv6-loopback localhost6 localhost6.localdomain6" >/etc/hosts"#,
    r#"echo "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4" >>/etc/hosts"#,
];

pub fn is_chart_hosts_command(command: &str) -> bool {
    CHART_HOSTS_COMMANDS.contains(&command.trim())
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

impl JsonSchema for LooseInt {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IntegerOrIntegerString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An integer, also accepted as a string of digits as the chart documented it",
            "anyOf": [
                { "type": "integer" },
                { "type": "string", "pattern": "^\\s*-?[0-9]+\\s*$" }
            ]
        })
    }
}

/// A Kubernetes IntOrString as CAPI's maxSurge and maxUnavailable take it: a count, or
/// a percentage of the pool's replicas. A malformed percentage is refused while the
/// values are typed, at its path, instead of by CAPI's webhook at apply time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    /// Whether the value is zero, whichever way it is written (`0` or `"0%"`).
    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(n) => write!(f, "{n}%"),
        }
    }
}

/// Serialized as Kubernetes writes it: an integer, or a string ending in `%`.
impl Serialize for IntOrPercent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrPercent::Int(n) => serializer.serialize_u32(*n),
            IntOrPercent::Percent(_) => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrPercent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = IntOrPercent;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a non-negative integer or a percentage such as \"25%\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntOrPercent, E> {
                u32::try_from(v)
                    .map(IntOrPercent::Int)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrPercent, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrPercent, E> {
                // A quoted count is the usual slip: Kubernetes refuses a string that is not
                // a percentage (intstr.GetScaledValueFromIntOrPercent).
                if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!(
                        "\"{v}\" is a string, which Kubernetes takes only as a percentage: write {v} or \"{v}%\""
                    )));
                }
                // Kubernetes reads "25%" only: digits, then the sign, nothing around them.
                v.strip_suffix('%')
                    .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|n| n.parse().ok())
                    .map(IntOrPercent::Percent)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for IntOrPercent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IntegerOrPercent".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A count, or a percentage of the pool's replicas such as \"25%\"",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^[0-9]+%$" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_percent_reads_and_writes_as_kubernetes_does() {
        let read = |v: serde_json::Value| serde_json::from_value::<IntOrPercent>(v).ok();
        assert_eq!(read(serde_json::json!(2)), Some(IntOrPercent::Int(2)));
        assert_eq!(
            read(serde_json::json!("25%")),
            Some(IntOrPercent::Percent(25))
        );
        for bad in [
            serde_json::json!(-1),
            serde_json::json!("25"),
            serde_json::json!("%"),
            serde_json::json!("+5%"),
            serde_json::json!(" 5%"),
            serde_json::json!(1.5),
        ] {
            assert_eq!(read(bad.clone()), None, "{bad}");
        }
        assert_eq!(
            serde_json::to_value([IntOrPercent::Int(0), IntOrPercent::Percent(100)]).unwrap(),
            serde_json::json!([0, "100%"])
        );
    }
}
