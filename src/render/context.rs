//! What templates see: the typed values plus everything derived from them once
//! (names, API versions of the profile, kubelet arguments), so templates hold no logic
//! beyond layout.

use super::apiserver::ApiServerHardening;
use super::config_files;
use crate::node_labels::{self, NodeLabel};
use crate::object_names::{ClusterNames, DeploymentNames, PoolNames};
use crate::schema::{
    ACCELERATOR_LABEL, ApiProfile, ApiVersionChoice, Autoscaler, BetaVersion, CSI_RELEASES,
    CloneMode, CloudControllerManager, Cluster, CsiImages, CsiRelease, FailureDomain, IdentityKind,
    IntOrPercent, IpamProvider, KamajiVersion, NodePool, Nodes, Placement, ResolvedApiVersions,
    Rollout, RolloutStrategy, StorageControllerManager, VCENTER_CA_DIR, VSphere, Values,
    accelerator,
};
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

pub(crate) const CLUSTER_NAME_LABEL: &str = "cluster.x-k8s.io/cluster-name";

/// apiVersion of every API group, from the version chosen for each provider.
#[derive(Debug, Serialize)]
pub(crate) struct ApiVersions {
    pub cluster: String,
    pub infrastructure: String,
    pub bootstrap: String,
    pub controlplane: String,
    pub ipam: &'static str,
    pub addons: String,
    /// The shape each provider's objects take (references, kubelet settings).
    pub capi_v1beta2: bool,
    pub capv_v1beta2: bool,
    pub kamaji_v1alpha2: bool,
}

impl ApiVersions {
    pub(crate) fn of(api: ResolvedApiVersions) -> Self {
        let capi = api.capi.as_str();
        ApiVersions {
            cluster: format!("cluster.x-k8s.io/{capi}"),
            infrastructure: format!("infrastructure.cluster.x-k8s.io/{}", api.capv.as_str()),
            bootstrap: format!("bootstrap.cluster.x-k8s.io/{capi}"),
            controlplane: format!("controlplane.cluster.x-k8s.io/{}", api.kamaji.as_str()),
            ipam: "ipam.cluster.x-k8s.io/v1alpha2",
            addons: format!("addons.cluster.x-k8s.io/{capi}"),
            capi_v1beta2: api.capi == BetaVersion::V1beta2,
            capv_v1beta2: api.capv == BetaVersion::V1beta2,
            kamaji_v1alpha2: api.kamaji == KamajiVersion::V1alpha2,
        }
    }
}

/// Whole-cluster context, shared by every template.
#[derive(Debug, Serialize)]
pub(crate) struct ClusterContext<'a> {
    pub cluster: &'a str,
    pub namespace: &'a str,
    pub api: ApiVersions,
    pub labels: BTreeMap<&'static str, &'a str>,
    pub identity: Identity,
    pub values: ClusterValues<'a>,
    pub cpi_image: String,
    /// The Cluster Autoscaler's image and its node-group discovery specs.
    pub autoscaler: AutoscalerContext,
    /// Contents of the CPI's `vsphere.conf` and the CSI's `csi-vsphere.conf`.
    pub vsphere_conf: String,
    pub csi_vsphere_conf: String,
    /// The nodes' systemd drop-in for containerd and the kubelet, with a proxy.
    pub proxy_drop_in: Option<String>,
    /// containerd's registry host files on the nodes (`nodes.registryMirrors`).
    pub registry_files: Vec<config_files::NodeFile>,
    /// The mirrors' credentials from Secrets (`nodes.registryMirrors[].credentialsSecret`).
    pub registry_auth: Option<config_files::RegistryAuth>,
    /// Every object name, derived in one place.
    pub names: ClusterNames,
    /// The API server's authentication, audit and encryption flags, files and mounts.
    pub apiserver: ApiServerHardening,
    /// The CPI pods' placement, the chart's top-level keys included.
    pub cpi_placement: Placement,
    /// `ipamProvider.prefix` as a number (the chart wrote it as a string).
    pub ipam_prefix: Option<i64>,
    /// The ConfigMap with vCenter's CA bundle, when there is one to mount.
    pub vcenter_ca: Option<VcenterCa>,
    /// Every CSI image, those left empty taken from the release for the cluster's minor.
    pub csi_images: CsiImages,
    /// The release's own csi-resizer arguments, when its resizer image is used.
    pub csi_resizer_args: &'static [&'static str],
    /// `vSphere.server` as a one-address CIDR when it is an IP address: the only vCenter
    /// address the controllers' NetworkPolicies allow.
    pub vcenter_ip_block: Option<String>,
}

fn vcenter_ip_block(server: &str) -> Option<String> {
    // An IPv6 address may come in brackets, as in a URL.
    let address = server.trim().trim_start_matches('[').trim_end_matches(']');
    match address.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(ip) => Some(format!("{ip}/32")),
        std::net::IpAddr::V6(ip) => Some(format!("{ip}/128")),
    }
}

/// What the Cluster Autoscaler's Deployment needs from the values.
#[derive(Debug, Serialize)]
pub(crate) struct AutoscalerContext {
    pub image: String,
    /// One `--node-group-auto-discovery` spec per distinct set of the autoscaled pools'
    /// `autoscaling.labels`: this namespace and cluster only
    /// (cluster-autoscaler/cloudprovider/clusterapi/clusterapi_autodiscovery.go:37-98;
    /// a namespace also limits what it watches, :102-109 and clusterapi_controller.go:460).
    pub node_group_discovery: Vec<String>,
}

impl AutoscalerContext {
    fn new(values: &Values, cluster: &str, namespace: &str) -> Self {
        let minor = crate::validate::parse_version(&values.cluster.control_plane.version)
            .map(|(major, minor, _)| (major, minor));
        let mut node_group_discovery: Vec<String> = Vec::new();
        for pool in values.node_pools.iter().filter(|p| p.autoscaling.enabled) {
            let mut spec = format!("clusterapi:namespace={namespace},clusterName={cluster}");
            for (key, value) in &pool.autoscaling.labels {
                spec.push_str(&format!(",{key}={value}"));
            }
            if !node_group_discovery.contains(&spec) {
                node_group_discovery.push(spec);
            }
        }
        AutoscalerContext {
            image: values.autoscaler.image_reference(minor),
            node_group_discovery,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct VcenterCa {
    pub name: String,
    pub dir: &'static str,
}

/// The values as templates see them: all but the node pools, which reach the pool
/// templates one at a time (`pool`). Converting every pool for the cluster's templates
/// would cost, on a large cluster, about as much as rendering the pools.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterValues<'a> {
    api_profile: ApiProfile,
    api_versions: ApiVersionChoice,
    v_sphere: &'a VSphere,
    ipam_provider: &'a IpamProvider,
    cluster: &'a Cluster,
    v_sphere_cloud_controller_manager: &'a CloudControllerManager,
    v_sphere_storage_controller_manager: &'a StorageControllerManager,
    failure_domains: &'a [FailureDomain],
    autoscaler: &'a Autoscaler,
    nodes: &'a Nodes,
}

impl<'a> ClusterValues<'a> {
    fn of(values: &'a Values) -> Self {
        // Destructured so that a new field of `Values` cannot be left out unnoticed.
        let Values {
            api_profile,
            api_versions,
            v_sphere,
            ipam_provider,
            cluster,
            node_pools: _,
            v_sphere_cloud_controller_manager,
            v_sphere_storage_controller_manager,
            failure_domains,
            autoscaler,
            nodes,
        } = values;
        ClusterValues {
            api_profile: *api_profile,
            api_versions: *api_versions,
            v_sphere,
            ipam_provider,
            cluster,
            v_sphere_cloud_controller_manager,
            v_sphere_storage_controller_manager,
            failure_domains,
            autoscaler,
            nodes,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Identity {
    pub kind: IdentityKind,
    pub name: String,
}

impl<'a> ClusterContext<'a> {
    pub(crate) fn new(
        values: &'a Values,
        cluster: &'a str,
        namespace: &'a str,
    ) -> Result<Self, &'static str> {
        let csi = &values.v_sphere_storage_controller_manager;
        let csi_release = csi_release(values);
        let names = ClusterNames::new(values, cluster, namespace, &super::WORKLOAD_FILES);
        // With vSphere.secret.create a Secret identity is the Secret capkv creates.
        let identity = match &values.v_sphere.identity_ref {
            Some(r) if r.kind != IdentityKind::Secret || !values.v_sphere.secret.create => {
                Identity {
                    kind: r.kind,
                    name: r.name.clone(),
                }
            }
            _ => Identity {
                kind: IdentityKind::Secret,
                name: names.vsphere_secret.clone(),
            },
        };
        let csi_vsphere_conf = if csi.enabled && csi.secret.create {
            config_files::csi_vsphere_conf(values, &names.csi_cluster_id)?
        } else {
            String::new()
        };
        Ok(ClusterContext {
            cluster,
            namespace,
            api: ApiVersions::of(values.api()),
            labels: BTreeMap::from([(CLUSTER_NAME_LABEL, cluster)]),
            identity,
            values: ClusterValues::of(values),
            cpi_image: values.v_sphere_cloud_controller_manager.image_reference(),
            autoscaler: AutoscalerContext::new(values, cluster, namespace),
            vsphere_conf: config_files::cpi_vsphere_conf(values),
            proxy_drop_in: config_files::proxy_drop_in(values),
            registry_files: config_files::registry_host_files(values),
            registry_auth: config_files::registry_auth(values),
            csi_vsphere_conf,
            vcenter_ca: vcenter_ca(values, &names),
            apiserver: ApiServerHardening::new(
                &values.cluster.control_plane,
                &names.apiserver_config,
                &names.encryption_config,
            ),
            names,
            cpi_placement: values.v_sphere_cloud_controller_manager.placement(),
            ipam_prefix: values.ipam_provider.prefix.value(),
            csi_images: csi
                .images
                .or_release(csi_release)
                .with_digests(&csi.digests),
            vcenter_ip_block: vcenter_ip_block(&values.v_sphere.server),
            csi_resizer_args: if csi.images.resizer.is_empty() {
                csi_release.resizer_args
            } else {
                &[]
            },
        })
    }
}

/// The CSI release for the cluster's Kubernetes minor; validation reports a version
/// past the newest release, for which the newest is shown.
pub(crate) fn csi_release(values: &Values) -> &'static CsiRelease {
    crate::validate::parse_version(&values.cluster.control_plane.version)
        .and_then(|(_, minor, _)| CsiRelease::for_minor(minor))
        .or(CSI_RELEASES.last())
        .expect("at least one CSI release")
}

fn vcenter_ca(values: &Values, names: &ClusterNames) -> Option<VcenterCa> {
    let used = values.v_sphere_cloud_controller_manager.enabled
        || values.v_sphere_storage_controller_manager.enabled;
    (used && !values.v_sphere.ca_bundle.is_empty()).then(|| VcenterCa {
        name: names.vcenter_ca.clone(),
        dir: VCENTER_CA_DIR,
    })
}

/// Per node pool: the pool, its derived names and kubelet arguments.
#[derive(Debug, Serialize)]
pub(crate) struct PoolContext<'a> {
    pub pool: &'a NodePool,
    pub name: &'a str,
    /// Names; the templates' without the content hash (the renderer appends it). The
    /// final names, `machine_template` and `kubeadm_config`, are known once these
    /// templates are rendered and hashed: the renderer adds them for the
    /// MachineDeployment.
    #[serde(flatten)]
    pub names: PoolNames,
    pub kubelet_args: Vec<Arg>,
    /// The same flags as a map, the shape CAPI v1beta1 takes.
    pub kubelet_args_map: indexmap::IndexMap<&'static str, String>,
    /// Node labels the kubelet may not set: CAPI copies them from the
    /// MachineDeployment's template metadata to the Node.
    pub propagated_labels: BTreeMap<&'a str, &'a str>,
    pub search_domains: Vec<&'a str>,
    /// The pool's Kubernetes version: its own, or the control plane's.
    pub version: &'a str,
    /// The pool's preKubeadmCommands less the chart's own /etc/hosts lines, which
    /// capkv writes itself (see [`crate::schema::CHART_HOSTS_COMMANDS`]).
    pub pre_kubeadm_commands: Vec<&'a str>,
    /// The pool's MachineDeployments: one, or one per failure domain it is spread over.
    pub deployments: Vec<PoolDeployment>,
    /// The pool's rollout settings in the shapes of the MachineDeployment.
    pub rollout: RolloutContext,
    /// CAPV's `network.devices[1..]`: `additionalNetworks` with their IP pools' object
    /// names (the same shape in CAPV v1beta1 and v1beta2).
    pub additional_devices: Vec<serde_json::Value>,
}

/// One MachineDeployment of a pool (with its MachineHealthCheck): where its machines
/// go and how many there are.
#[derive(Debug, Serialize)]
pub(crate) struct PoolDeployment {
    #[serde(flatten)]
    pub names: DeploymentNames,
    /// The VSphereDeploymentZone CAPV places the machines with, if any.
    pub failure_domain: Option<String>,
    /// The pool's replicas, split evenly over its MachineDeployments.
    pub replicas: u32,
    /// The Cluster Autoscaler's annotations, with the pool's bounds split like replicas.
    pub autoscaler_annotations: BTreeMap<String, String>,
}

/// `total` split over `parts` as evenly as whole machines allow, the first parts taking
/// one more: 5 over 3 is 2, 2, 1.
fn share(total: u64, parts: usize, index: usize) -> u64 {
    let parts = parts.max(1) as u64;
    let index = index as u64;
    total / parts + u64::from(index < total % parts)
}

/// `nodePools[].rollout` as the MachineDeployment holds it. What the pool leaves to
/// CAPI's defaults is left out, so a pool without rollout settings renders as before.
#[derive(Debug, Serialize)]
pub(crate) struct RolloutContext {
    /// v1beta2 `spec.rollout.strategy.rollingUpdate`: maxSurge and maxUnavailable as
    /// given. Empty with OnDelete, where CAPI does not read them (lint warns).
    pub rolling_update: BTreeMap<&'static str, IntOrPercent>,
    /// v1beta1 `spec.strategy.rollingUpdate`, which also holds the deletion order.
    pub rolling_update_v1beta1: IndexMap<&'static str, serde_json::Value>,
    /// Whether `spec.rollout.strategy` (v1beta2) / `spec.strategy` (v1beta1) is
    /// rendered: not when it would only repeat CAPI's default, RollingUpdate.
    pub strategy_v1beta2: bool,
    pub strategy_v1beta1: bool,
    /// v1beta2 `spec.template.spec.deletion`: the timeouts that are set, in seconds.
    pub deletion_v1beta2: IndexMap<&'static str, u32>,
    /// v1beta1 `spec.template.spec`: the same timeouts as Go durations ("600s"),
    /// which v1beta1's metav1.Duration fields parse.
    pub node_drain_timeout: Option<String>,
    pub node_volume_detach_timeout: Option<String>,
    pub node_deletion_timeout: Option<String>,
}

impl RolloutContext {
    fn new(rollout: &Rollout) -> Self {
        let mut rolling_update = BTreeMap::new();
        if rollout.strategy == RolloutStrategy::RollingUpdate {
            for (key, value) in [
                ("maxSurge", rollout.max_surge),
                ("maxUnavailable", rollout.max_unavailable),
            ] {
                if let Some(value) = value {
                    rolling_update.insert(key, value);
                }
            }
        }
        let mut rolling_update_v1beta1: IndexMap<&'static str, serde_json::Value> = rolling_update
            .iter()
            .map(|(key, value)| (*key, serde_json::json!(value)))
            .collect();
        if let Some(order) = rollout.deletion_order {
            rolling_update_v1beta1.insert("deletePolicy", serde_json::json!(order));
        }
        let strategy_v1beta2 =
            rollout.strategy != RolloutStrategy::RollingUpdate || !rolling_update.is_empty();
        let timeouts = rollout.node_timeouts();
        let duration = |seconds: Option<u32>| seconds.map(|s| format!("{s}s"));
        RolloutContext {
            strategy_v1beta1: strategy_v1beta2 || !rolling_update_v1beta1.is_empty(),
            strategy_v1beta2,
            rolling_update,
            rolling_update_v1beta1,
            deletion_v1beta2: timeouts
                .into_iter()
                .filter_map(|(key, seconds)| seconds.map(|s| (key, s)))
                .collect(),
            node_drain_timeout: duration(rollout.node_drain_timeout_seconds),
            node_volume_detach_timeout: duration(rollout.node_volume_detach_timeout_seconds),
            node_deletion_timeout: duration(rollout.node_deletion_timeout_seconds),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Arg {
    pub name: &'static str,
    pub value: String,
}

impl<'a> PoolContext<'a> {
    /// `failure_domains`: the object name of each `failureDomains[].name`.
    pub(crate) fn new(
        cluster: &str,
        pool: &'a NodePool,
        control_plane_version: &'a str,
        failure_domains: &BTreeMap<String, String>,
        ip_pools: &BTreeMap<String, String>,
    ) -> Self {
        let name = pool.name.as_deref().unwrap_or_default();
        let mut kubelet_args = vec![
            // Resolved by cloud-init on the node, not by capkv.
            Arg {
                name: "node-ip",
                value: "{{ ds.meta_data.local_ipv4 }}".into(),
            },
            Arg {
                name: "cloud-provider",
                value: "external".into(),
            },
        ];
        // The accelerator label tells the autoscaler a node is a GPU node before its
        // device plugin advertises the GPUs (clusterapi README "Special note on GPU
        // instances"); the kubelet may set it (no kubernetes.io prefix).
        let kubelet_labels = [
            node_labels::kubelet_flag(&pool.labels),
            accelerator_label(pool).unwrap_or_default(),
        ]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(",");
        if !kubelet_labels.is_empty() {
            kubelet_args.push(Arg {
                name: "node-labels",
                value: kubelet_labels,
            });
        }
        let propagated_labels = node_labels::classify(&pool.labels)
            .into_iter()
            .filter_map(|label| match label {
                NodeLabel::Propagated(key, value) => Some((key, value)),
                _ => None,
            })
            .collect();
        if !pool.taints.is_empty() {
            kubelet_args.push(Arg {
                name: "register-with-taints",
                value: pool.taints.clone(),
            });
        }
        let search_domains = std::iter::once(pool.domain.as_str())
            .filter(|d| !d.is_empty())
            .chain(
                pool.search_domains
                    .iter()
                    .map(String::as_str)
                    .filter(|d| *d != pool.domain),
            )
            .collect();
        let names = PoolNames::new(cluster, name, &pool.failure_domains);
        let domains: Vec<Option<&String>> = if pool.failure_domains.is_empty() {
            vec![Some(&pool.failure_domain).filter(|d| !d.is_empty())]
        } else {
            pool.failure_domains.iter().map(Some).collect()
        };
        let parts = domains.len();
        let deployments = names
            .deployments
            .iter()
            .zip(domains)
            .enumerate()
            .map(|(index, (deployment, domain))| PoolDeployment {
                names: deployment.clone(),
                failure_domain: domain.and_then(|d| failure_domains.get(d)).cloned(),
                replicas: u32::try_from(share(u64::from(pool.replicas), parts, index))
                    .unwrap_or(pool.replicas),
                autoscaler_annotations: autoscaler_annotations(pool, parts, index),
            })
            .collect();
        PoolContext {
            pool,
            name,
            names,
            deployments,
            pre_kubeadm_commands: pool
                .pre_kubeadm_commands
                .iter()
                .map(String::as_str)
                .filter(|command| !crate::schema::is_chart_hosts_command(command))
                .collect(),
            kubelet_args_map: kubelet_args
                .iter()
                .map(|arg| (arg.name, arg.value.clone()))
                .collect(),
            kubelet_args,
            propagated_labels,
            search_domains,
            version: pool.kubernetes_version(control_plane_version),
            rollout: RolloutContext::new(&pool.rollout),
            additional_devices: additional_devices(pool, ip_pools),
        }
    }
}

/// `cluster-api/accelerator=<type>` for a pool with PCI devices.
fn accelerator_label(pool: &NodePool) -> Option<String> {
    accelerator(&pool.gpu, &pool.pci_devices).map(|value| format!("{ACCELERATOR_LABEL}={value}"))
}

/// CAPV network devices of `nodePools[].additionalNetworks`: what is unset is left out
/// (CAPV's v1beta2 CRD refuses empty strings and lists in most of these fields).
fn additional_devices(
    pool: &NodePool,
    ip_pools: &BTreeMap<String, String>,
) -> Vec<serde_json::Value> {
    pool.additional_networks
        .iter()
        .map(|nic| {
            let mut device = serde_json::Map::new();
            let mut put = |key: &str, value: serde_json::Value| {
                device.insert(key.to_owned(), value);
            };
            put("networkName", nic.network_name.clone().into());
            if !nic.device_name.is_empty() {
                put("deviceName", nic.device_name.clone().into());
            }
            put("dhcp4", nic.dhcp4.into());
            if let Some(mtu) = nic.mtu {
                put("mtu", mtu.into());
            }
            if !nic.nameservers.is_empty() {
                put("nameservers", serde_json::json!(nic.nameservers));
            }
            if !nic.search_domains.is_empty() {
                put("searchDomains", serde_json::json!(nic.search_domains));
            }
            if let Some(object) = ip_pools.get(&nic.ip_pool) {
                put(
                    "addressesFromPools",
                    serde_json::json!([{
                        "apiGroup": "ipam.cluster.x-k8s.io",
                        "kind": "InClusterIPPool",
                        "name": object,
                    }]),
                );
            }
            if !nic.routes.is_empty() {
                put("routes", serde_json::json!(nic.routes));
            }
            serde_json::Value::Object(device)
        })
        .collect()
}

/// The kubelet's default hard eviction threshold for memory (kubernetes
/// `pkg/kubelet/apis/config/v1beta1/defaults_linux.go`, `DefaultEvictionHard`
/// `memory.available: 100Mi`); kubeadm's join configuration reserves nothing else.
const KUBELET_EVICTION_HARD_MEMORY_MIB: u64 = 100;

/// Cluster Autoscaler annotations on the MachineDeployment: the bounds, and what one
/// node offers so that a pool can scale from zero (govmomi-mode CAPV templates publish
/// no capacity of their own).
///
/// The autoscaler builds its template node with allocatable equal to these values
/// (kubernetes/autoscaler `cluster-autoscaler/cloudprovider/clusterapi/
/// clusterapi_nodegroup.go:412-413`), so memory is what pods can get: the VM's memory
/// less the kubelet's eviction threshold. `ephemeral-disk` is announced only for full
/// clones: a linked clone keeps the template's disk, whatever `diskGiB` says.
fn autoscaler_annotations(pool: &NodePool, parts: usize, index: usize) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !pool.autoscaling.enabled {
        return out;
    }
    // Validation has refused bounds that are not non-negative integers.
    let bound = |v: &crate::schema::LooseInt| {
        v.value()
            .and_then(|n| u64::try_from(n).ok())
            .map(|n| share(n, parts, index).to_string())
            .unwrap_or_default()
    };
    out.insert(
        "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size".into(),
        bound(&pool.autoscaling.min_size),
    );
    out.insert(
        "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size".into(),
        bound(&pool.autoscaling.max_size),
    );
    let capacity = "capacity.cluster-autoscaler.kubernetes.io";
    out.insert(format!("{capacity}/cpu"), pool.num_cpus.to_string());
    out.insert(
        format!("{capacity}/memory"),
        format!(
            "{}Mi",
            pool.memory_mib
                .saturating_sub(KUBELET_EVICTION_HARD_MEMORY_MIB)
                .max(1)
        ),
    );
    if pool.clone_mode == CloneMode::FullClone {
        out.insert(
            format!("{capacity}/ephemeral-disk"),
            format!("{}Gi", pool.disk_gib),
        );
    }
    let labels: Vec<String> = node_labels::classify(&pool.labels)
        .into_iter()
        .filter_map(|label| match label {
            NodeLabel::Kubelet(key, value) | NodeLabel::Propagated(key, value) => {
                Some(format!("{key}={value}"))
            }
            NodeLabel::Refused(..) => None,
        })
        .collect();
    let mut labels = labels;
    labels.extend(accelerator_label(pool));
    if !labels.is_empty() {
        out.insert(format!("{capacity}/labels"), labels.join(","));
    }
    // One GPU per PCI device: the capacity of the node the autoscaler simulates when
    // the pool is at zero (clusterapi_unstructured.go:331-338 takes both annotations,
    // or neither).
    if !pool.pci_devices.is_empty() {
        out.insert(
            format!("{capacity}/gpu-type"),
            pool.gpu.resource_name.clone(),
        );
        out.insert(
            format!("{capacity}/gpu-count"),
            pool.pci_devices.len().to_string(),
        );
    }
    if !pool.taints.is_empty() {
        out.insert(format!("{capacity}/taints"), pool.taints.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn replicas_are_shared_as_evenly_as_whole_machines_allow() {
        let split = |total, parts| {
            (0..parts)
                .map(|i| super::share(total, parts, i))
                .collect::<Vec<_>>()
        };
        assert_eq!(split(5, 3), [2, 2, 1]);
        assert_eq!(split(6, 3), [2, 2, 2]);
        assert_eq!(split(1, 2), [1, 0]);
        assert_eq!(split(7, 1), [7]);
    }

    use super::*;

    #[test]
    fn templates_see_every_value_but_the_node_pools() {
        let values = crate::values::load(&crate::values::Sources {
            files: vec!["examples/full.yaml".into()],
            ..Default::default()
        })
        .unwrap()
        .1;
        let mut expected = serde_json::to_value(&values).unwrap();
        let pools = expected.as_object_mut().unwrap().remove("nodePools");
        assert!(pools.is_some_and(|pools| pools.as_array().is_some_and(|p| p.len() > 1)));
        let seen = serde_json::to_value(ClusterValues::of(&values)).unwrap();
        assert_eq!(seen, expected);
    }
}
