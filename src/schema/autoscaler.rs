//! The Cluster Autoscaler of the workload cluster, run on the management cluster.

use super::controllers::default_resources;
use super::{Image, NetworkPolicy, Placement, PullPolicy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The Cluster Autoscaler (clusterapi provider) of this cluster, on the management
/// cluster: it watches the workload cluster's pods through Kamaji's admin kubeconfig
/// and scales the pools with `autoscaling.enabled`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Autoscaler {
    /// Run a Cluster Autoscaler for this cluster.
    pub enabled: bool,
    /// Its image; an empty tag follows the cluster's Kubernetes minor (`v1.<minor>.0`).
    pub image: Image,
    /// How a node group is chosen to scale up: random, most-pods, least-waste, price or
    /// priority (the autoscaler's `--expander`).
    pub expander: Expander,
    /// How long after a scale-up scale-down evaluation resumes (`--scale-down-delay-after-add`).
    pub scale_down_delay_after_add: String,
    /// How long a node must be unneeded before it is removed (`--scale-down-unneeded-time`).
    pub scale_down_unneeded_time: String,
    /// Requested resources of a node (a fraction) below which it may be removed
    /// (`--scale-down-utilization-threshold`).
    pub scale_down_utilization_threshold: String,
    /// Keep the sizes of similar pools balanced (`--balance-similar-node-groups`).
    pub balance_similar_node_groups: bool,
    /// How long a new machine may take to become a node before the autoscaler gives up
    /// on it (`--max-node-provision-time`); vSphere clones take a while.
    pub max_node_provision_time: String,
    /// More command-line flags, e.g. `--skip-nodes-with-local-storage=false`.
    pub extra_args: Vec<String>,
    /// Resources of the autoscaler container.
    pub resources: Map<String, Value>,
    /// Placement and metadata of the autoscaler pod on the management cluster.
    pub deployment: Placement,
    /// The NetworkPolicy of the autoscaler pod.
    pub network_policy: NetworkPolicy,
    /// Address blocks (CIDRs) of the management cluster's API server endpoints
    /// (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`);
    /// empty: any address on ports 443 and 6443, since no pod selector matches them.
    pub management_api_server_cidrs: Vec<String>,
}

impl Default for Autoscaler {
    fn default() -> Self {
        Autoscaler {
            enabled: false,
            image: Image {
                registry: "registry.k8s.io".into(),
                repository: "autoscaling/cluster-autoscaler".into(),
                tag: String::new(),
                digest: String::new(),
                pull_policy: PullPolicy::Always,
            },
            expander: Expander::Random,
            scale_down_delay_after_add: "10m".into(),
            scale_down_unneeded_time: "10m".into(),
            scale_down_utilization_threshold: "0.5".into(),
            balance_similar_node_groups: false,
            max_node_provision_time: "15m".into(),
            extra_args: Vec::new(),
            // The autoscaler's own example manifests request 100m and 300Mi; its memory
            // grows with the number of pods and nodes it simulates.
            resources: default_resources("100m", "300Mi", "500m", "600Mi"),
            deployment: Placement::default(),
            network_policy: NetworkPolicy::default(),
            management_api_server_cidrs: Vec::new(),
        }
    }
}

impl Autoscaler {
    /// `registry/repository:tag`, an empty tag following the cluster's Kubernetes
    /// minor: the autoscaler is released and tested per minor (`v1.33.0` for 1.33).
    pub fn image_reference(&self, kubernetes_minor: Option<(u64, u64)>) -> String {
        let tag = match (self.image.tag.as_str(), kubernetes_minor) {
            ("", Some((major, minor))) => format!("v{major}.{minor}.0"),
            (tag, _) => tag.to_owned(),
        };
        self.image.reference(&tag)
    }
}

/// The autoscaler's `--expander`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Expander {
    Random,
    MostPods,
    LeastWaste,
    Price,
    Priority,
}
