//! Values of the vSphere controllers that run on the management cluster: the cloud
//! controller manager (CPI) and the CSI controller (whose node driver goes to the
//! workload cluster through a ClusterResourceSet).

use super::{
    LogLevel, Metadata, Placement, PullPolicy, ReclaimPolicy, SecretRef, StringMap,
    VolumeBindingMode,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CloudControllerManager {
    /// Installs vsphere-cloud-controller-manager on the management cluster
    pub enabled: bool,
    /// vCenter credentials of the CPI (connection settings come from `vSphere.*`).
    pub username: String,
    /// vCenter password of the CPI
    pub password: String,
    /// The Secret holding vsphere.conf (created when create is true)
    pub secret: SecretRef,
    /// Image tag when `image.tag` is empty; its minor should match Kubernetes'.
    pub version: String,
    /// Image of the CPI
    pub image: Image,
    /// Replicas of the CPI Deployment (leader-elected)
    pub replicas: u32,
    /// vSphere tag categories for the `topology.kubernetes.io/{region,zone}` labels.
    pub topology: Topology,
    /// Resources of the CPI container
    pub resources: Map<String, Value>,
    /// The NetworkPolicy of the CPI pods
    pub network_policy: NetworkPolicy,
    /// Placement and metadata of the CPI pods on the management cluster
    pub deployment: Placement,
    /// The chart's spelling (v0.2.3 and later) of `deployment.additionalMetadata`;
    /// merged into it, these keys winning
    pub additional_metadata: Metadata,
    /// The chart's spelling of `deployment.podAdditionalMetadata`
    pub pod_additional_metadata: Metadata,
    /// The chart's spelling of `deployment.affinity`
    pub affinity: Option<Map<String, Value>>,
    /// The chart's spelling of `deployment.tolerations`
    pub tolerations: Vec<Value>,
    /// The chart's spelling of `deployment.nodeSelector`
    pub node_selector: StringMap,
    /// The chart's spelling of `deployment.topologySpreadConstraints`
    pub topology_spread_constraints: Vec<Value>,
}

impl CloudControllerManager {
    /// `deployment` with the chart's top-level keys laid over it: maps merged (the
    /// chart's keys win), a list or affinity given at the top level replaces
    /// `deployment`'s.
    pub fn placement(&self) -> Placement {
        let mut placement = self.deployment.clone();
        let merge = |into: &mut Metadata, from: &Metadata| {
            into.labels.extend(from.labels.clone());
            into.annotations.extend(from.annotations.clone());
        };
        merge(
            &mut placement.additional_metadata,
            &self.additional_metadata,
        );
        merge(
            &mut placement.pod_additional_metadata,
            &self.pod_additional_metadata,
        );
        if self.affinity.is_some() {
            placement.affinity.clone_from(&self.affinity);
        }
        if !self.tolerations.is_empty() {
            placement.tolerations.clone_from(&self.tolerations);
        }
        placement.node_selector.extend(self.node_selector.clone());
        if !self.topology_spread_constraints.is_empty() {
            placement
                .topology_spread_constraints
                .clone_from(&self.topology_spread_constraints);
        }
        placement
    }
}

impl CloudControllerManager {
    /// The image tag: `image.tag`, else the `version` value (the chart's key).
    pub fn image_tag(&self) -> &str {
        if self.image.tag.is_empty() {
            &self.version
        } else {
            &self.image.tag
        }
    }

    /// `registry/repository:tag`, with `@digest` when `image.digest` pins it.
    pub fn image_reference(&self) -> String {
        self.image.reference(self.image_tag())
    }
}

impl Image {
    /// `registry/repository:tag[@digest]`, with `tag` (the image's own tag or the
    /// component's default for it).
    pub fn reference(&self, tag: &str) -> String {
        let repository = self.repository.trim_matches('/');
        let reference = match self.registry.trim_end_matches('/') {
            "" => format!("{repository}:{tag}"),
            registry => format!("{registry}/{repository}:{tag}"),
        };
        pinned(&reference, &self.digest)
    }
}

/// What the CSI syncer names a vanilla Kubernetes cluster (vsphere-csi-driver v3.7.3
/// `cmd/syncer/main.go:351`); capkv writes it as `cluster-distribution`.
pub const CSI_CLUSTER_DISTRIBUTION: &str = "VanillaK8S";

impl Default for CloudControllerManager {
    fn default() -> Self {
        CloudControllerManager {
            enabled: true,
            username: "admin@vcenter".into(),
            password: "changeme".into(),
            secret: SecretRef::named("vsphere-config-secret"),
            version: "v1.31.0".into(),
            image: Image::default(),
            replicas: 2,
            topology: Topology::default(),
            resources: default_resources("50m", "64Mi", "200m", "256Mi"),
            network_policy: NetworkPolicy::default(),
            deployment: Placement::default(),
            additional_metadata: Metadata::default(),
            pod_additional_metadata: Metadata::default(),
            affinity: None,
            tolerations: Vec::new(),
            node_selector: StringMap::new(),
            topology_spread_constraints: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    /// Image registry
    pub registry: String,
    /// Image repository
    pub repository: String,
    /// Image tag; empty means `version`
    pub tag: String,
    /// Image digest (`sha256:` and 64 hex digits); when set the image is pulled by
    /// digest, `registry/repository:tag@digest`, the tag kept for readers
    pub digest: String,
    /// Image pull policy. `Always` by default: a tag can be moved, and `Always` makes
    /// the kubelet resolve it at each start (a cached image with the same digest is not
    /// downloaded again); with a digest, `IfNotPresent` avoids asking the registry
    pub pull_policy: PullPolicy,
}

/// The CPI's image: the upstream release registry.
impl Default for Image {
    fn default() -> Self {
        Image {
            registry: "registry.k8s.io".into(),
            repository: "cloud-pv-vsphere/cloud-provider-vsphere".into(),
            tag: String::new(),
            digest: String::new(),
            pull_policy: PullPolicy::Always,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Topology {
    /// vSphere tag category of the topology.kubernetes.io/region label
    pub region: String,
    /// vSphere tag category of the topology.kubernetes.io/zone label
    pub zone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageControllerManager {
    /// Installs vsphere-storage-controller-manager on the management cluster. NB: CSI node drivers are always installed on the workload cluster.
    pub enabled: bool,
    /// `PRODUCTION` or `DEVELOPMENT`.
    pub log_level: LogLevel,
    /// Namespace of the CSI node driver on the workload cluster.
    pub namespace: String,
    /// vSphere CSI username (domain-qualified: user@domain)
    pub username: String,
    /// vSphere CSI password
    pub password: String,
    /// The Secret holding csi-vsphere.conf (created when create is true)
    pub secret: SecretRef,
    /// StorageClass on the workload cluster
    pub storage_class: StorageClass,
    /// Replicas of the CSI controller Deployment
    pub replicas: u32,
    /// Images; an empty one is the image of the vsphere-csi-driver release for the
    /// cluster's Kubernetes minor (v3.7.3 up to 1.35, v3.8.0 for 1.36)
    pub images: CsiImages,
    /// Digests pinning the images (`sha256:` and 64 hex digits each): an image with
    /// a digest is pulled as `image@digest`, also a release's default image
    pub digests: CsiDigests,
    /// Pull policy of every CSI image; `Always` by default, as `image.pullPolicy`
    pub image_pull_policy: PullPolicy,
    /// Resources of every controller container.
    pub resources: Map<String, Value>,
    /// The NetworkPolicy of the CSI controller pods
    pub network_policy: NetworkPolicy,
    /// Placement and metadata of the CSI controller pods on the management cluster
    pub deployment: Placement,
}

impl Default for StorageControllerManager {
    fn default() -> Self {
        StorageControllerManager {
            enabled: false,
            log_level: LogLevel::Production,
            namespace: "kube-system".into(),
            username: "admin@vcenter".into(),
            password: "changeme".into(),
            secret: SecretRef::named("csi-config-secret"),
            storage_class: StorageClass::default(),
            replicas: 2,
            images: CsiImages::default(),
            digests: CsiDigests::default(),
            image_pull_policy: PullPolicy::Always,
            resources: default_resources("20m", "64Mi", "200m", "256Mi"),
            network_policy: NetworkPolicy::default(),
            deployment: Placement::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CsiImages {
    /// vSphere CSI driver image
    pub driver: String,
    /// vSphere CSI syncer image
    pub syncer: String,
    /// csi-attacher image
    pub attacher: String,
    /// csi-resizer image
    pub resizer: String,
    /// csi-provisioner image
    pub provisioner: String,
    /// csi-snapshotter image
    pub snapshotter: String,
    /// livenessprobe image
    pub liveness_probe: String,
    /// csi-node-driver-registrar image
    pub node_driver_registrar: String,
}

/// Digests of the CSI images, by the same keys as [`CsiImages`]; empty: not pinned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CsiDigests {
    /// Digest of the vSphere CSI driver image
    pub driver: String,
    /// Digest of the vSphere CSI syncer image
    pub syncer: String,
    /// Digest of the csi-attacher image
    pub attacher: String,
    /// Digest of the csi-resizer image
    pub resizer: String,
    /// Digest of the csi-provisioner image
    pub provisioner: String,
    /// Digest of the csi-snapshotter image
    pub snapshotter: String,
    /// Digest of the livenessprobe image
    pub liveness_probe: String,
    /// Digest of the csi-node-driver-registrar image
    pub node_driver_registrar: String,
}

impl CsiDigests {
    /// `(key, digest)` of every image, in the order of [`CsiImages::entries`].
    pub fn entries(&self) -> [(&'static str, &str); 8] {
        [
            ("driver", &self.driver),
            ("syncer", &self.syncer),
            ("attacher", &self.attacher),
            ("resizer", &self.resizer),
            ("provisioner", &self.provisioner),
            ("snapshotter", &self.snapshotter),
            ("livenessProbe", &self.liveness_probe),
            ("nodeDriverRegistrar", &self.node_driver_registrar),
        ]
    }
}

/// The shared digest convention of every image capkv runs: `reference@digest`, or the
/// reference as it is when the digest is empty. Validation checks the digest's form
/// ([`is_image_digest`]) and that the reference holds no digest of its own.
pub fn pinned(reference: &str, digest: &str) -> String {
    if digest.is_empty() {
        reference.to_owned()
    } else {
        format!("{reference}@{digest}")
    }
}

/// `sha256:` and 64 lower-case hex digits, the digest form registries and the
/// container runtimes accept for pulling by digest.
pub fn is_image_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The NetworkPolicy capkv renders for a controller it runs on the management
/// cluster: ingress only to the controller's metrics ports, egress only to the cluster
/// DNS, the tenant API server pods, vCenter and what `extraEgress` adds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkPolicy {
    /// Renders the NetworkPolicy
    pub enabled: bool,
    /// Labels of the cluster DNS pods (in kube-system) the pods may query on port 53
    pub dns_pod_labels: StringMap,
    /// vCenter's address blocks (CIDRs) when `vSphere.server` is a host name; empty:
    /// any address on `vSphere.port` (a NetworkPolicy cannot name a host). Not read
    /// when `vSphere.server` is an IP address: that address is the only one allowed
    pub v_center_cidrs: Vec<String>,
    /// Who may scrape the metrics ports (NetworkPolicyPeers); empty: any source.
    /// Only components with a metrics port (the CSI controller) read it
    pub metrics_from: Vec<Value>,
    /// Further egress rules (NetworkPolicyEgressRules), e.g. to an HTTPS proxy
    pub extra_egress: Vec<Value>,
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        NetworkPolicy {
            enabled: true,
            dns_pod_labels: StringMap::from([("k8s-app".into(), "kube-dns".into())]),
            v_center_cidrs: Vec::new(),
            metrics_from: Vec::new(),
            extra_egress: Vec::new(),
        }
    }
}

/// A vsphere-csi-driver release: its images as its vanilla manifest pins them, and
/// the newest Kubernetes minor it is built for.
#[derive(Debug)]
pub struct CsiRelease {
    pub version: &'static str,
    pub max_minor: u64,
    pub images: [&'static str; 8],
    /// Arguments the release's manifest gives csi-resizer.
    pub resizer_args: &'static [&'static str],
}

/// Oldest first. v3.7.3: `manifests/vanilla/vsphere-csi-driver.yaml` at tag v3.7.3,
/// built against Kubernetes 1.35. v3.8.0: Kubernetes 1.34 to 1.36, sidecars as its
/// release notes and the v3.8.0-rc.1 manifest list them (the resizer v2 there runs
/// with `RecoverVolumeExpansionFailure=false`).
pub const CSI_RELEASES: &[CsiRelease] = &[
    CsiRelease {
        version: "v3.7.3",
        max_minor: 35,
        images: [
            "registry.k8s.io/csi-vsphere/driver:v3.7.3",
            "registry.k8s.io/csi-vsphere/syncer:v3.7.3",
            "registry.k8s.io/sig-storage/csi-attacher:v4.9.0",
            "registry.k8s.io/sig-storage/csi-resizer:v1.12.0",
            "registry.k8s.io/sig-storage/csi-provisioner:v4.0.1",
            "registry.k8s.io/sig-storage/csi-snapshotter:v8.2.0",
            "registry.k8s.io/sig-storage/livenessprobe:v2.15.0",
            "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0",
        ],
        resizer_args: &[],
    },
    CsiRelease {
        version: "v3.8.0",
        max_minor: 36,
        images: [
            "registry.k8s.io/csi-vsphere/driver:v3.8.0",
            "registry.k8s.io/csi-vsphere/syncer:v3.8.0",
            "registry.k8s.io/sig-storage/csi-attacher:v4.10.0",
            "registry.k8s.io/sig-storage/csi-resizer:v2.0.0",
            "registry.k8s.io/sig-storage/csi-provisioner:v4.0.1",
            "registry.k8s.io/sig-storage/csi-snapshotter:v8.4.0",
            "registry.k8s.io/sig-storage/livenessprobe:v2.17.0",
            "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.14.0",
        ],
        resizer_args: &["--feature-gates=RecoverVolumeExpansionFailure=false"],
    },
];

impl CsiRelease {
    /// The oldest release built for Kubernetes 1.`minor` or a newer one; `None` past
    /// the newest release.
    pub fn for_minor(minor: u64) -> Option<&'static CsiRelease> {
        CSI_RELEASES
            .iter()
            .find(|release| minor <= release.max_minor)
    }
}

impl CsiImages {
    /// Every image: the one given, else the release's.
    #[must_use]
    pub fn or_release(&self, release: &CsiRelease) -> CsiImages {
        let [
            driver,
            syncer,
            attacher,
            resizer,
            provisioner,
            snapshotter,
            liveness,
            registrar,
        ] = release.images;
        let pick = |given: &String, default: &str| {
            if given.is_empty() {
                default.to_owned()
            } else {
                given.clone()
            }
        };
        CsiImages {
            driver: pick(&self.driver, driver),
            syncer: pick(&self.syncer, syncer),
            attacher: pick(&self.attacher, attacher),
            resizer: pick(&self.resizer, resizer),
            provisioner: pick(&self.provisioner, provisioner),
            snapshotter: pick(&self.snapshotter, snapshotter),
            liveness_probe: pick(&self.liveness_probe, liveness),
            node_driver_registrar: pick(&self.node_driver_registrar, registrar),
        }
    }

    /// Every image pinned by its digest, where it has one.
    #[must_use]
    pub fn with_digests(&self, digests: &CsiDigests) -> CsiImages {
        CsiImages {
            driver: pinned(&self.driver, &digests.driver),
            syncer: pinned(&self.syncer, &digests.syncer),
            attacher: pinned(&self.attacher, &digests.attacher),
            resizer: pinned(&self.resizer, &digests.resizer),
            provisioner: pinned(&self.provisioner, &digests.provisioner),
            snapshotter: pinned(&self.snapshotter, &digests.snapshotter),
            liveness_probe: pinned(&self.liveness_probe, &digests.liveness_probe),
            node_driver_registrar: pinned(
                &self.node_driver_registrar,
                &digests.node_driver_registrar,
            ),
        }
    }

    /// `(key, image)` of every image, keyed as in the values.
    pub fn entries(&self) -> [(&'static str, &str); 8] {
        [
            ("driver", &self.driver),
            ("syncer", &self.syncer),
            ("attacher", &self.attacher),
            ("resizer", &self.resizer),
            ("provisioner", &self.provisioner),
            ("snapshotter", &self.snapshotter),
            ("livenessProbe", &self.liveness_probe),
            ("nodeDriverRegistrar", &self.node_driver_registrar),
        ]
    }

    /// Whether any image is left to the release.
    pub fn any_from_release(&self) -> bool {
        [
            &self.driver,
            &self.syncer,
            &self.attacher,
            &self.resizer,
            &self.provisioner,
            &self.snapshotter,
            &self.liveness_probe,
            &self.node_driver_registrar,
        ]
        .iter()
        .any(|image| image.is_empty())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageClass {
    /// StorageClass enablement
    pub enabled: bool,
    /// Name of the storage class
    pub name: String,
    /// Allow volume expansion
    pub allow_volume_expansion: bool,
    /// Reclaim policy
    pub reclaim_policy: ReclaimPolicy,
    /// Volume binding mode
    pub volume_binding_mode: VolumeBindingMode,
    /// Optional storage class parameters
    pub parameters: StringMap,
    /// Configure as the default storage class
    pub default: bool,
}

impl Default for StorageClass {
    fn default() -> Self {
        StorageClass {
            enabled: false,
            name: "vsphere-csi".into(),
            allow_volume_expansion: true,
            reclaim_policy: ReclaimPolicy::Delete,
            volume_binding_mode: VolumeBindingMode::WaitForFirstConsumer,
            parameters: StringMap::new(),
            default: true,
        }
    }
}

pub(super) fn default_resources(
    cpu: &str,
    memory: &str,
    cpu_limit: &str,
    memory_limit: &str,
) -> Map<String, Value> {
    let mut requests = Map::new();
    requests.insert("cpu".into(), cpu.into());
    requests.insert("memory".into(), memory.into());
    let mut limits = Map::new();
    limits.insert("cpu".into(), cpu_limit.into());
    limits.insert("memory".into(), memory_limit.into());
    let mut resources = Map::new();
    resources.insert("requests".into(), Value::Object(requests));
    resources.insert("limits".into(), Value::Object(limits));
    resources
}
