//! What templates see: the typed values plus everything derived from them once
//! (names, API versions of the profile, kubelet arguments), so templates hold no logic
//! beyond layout.

use super::config_files;
use crate::schema::{
    ApiProfile, CloudControllerManager, Cluster, IdentityKind, IpamProvider, NodePool,
    StorageControllerManager, VSphere, Values,
};
use serde::Serialize;
use std::collections::BTreeMap;

pub(crate) const CLUSTER_NAME_LABEL: &str = "cluster.x-k8s.io/cluster-name";

/// apiVersion (and API group) of every kind, per profile.
#[derive(Debug, Serialize)]
pub(crate) struct ApiVersions {
    pub cluster: &'static str,
    pub infrastructure: &'static str,
    pub bootstrap: &'static str,
    pub controlplane: &'static str,
    pub ipam: &'static str,
    pub addons: &'static str,
}

impl ApiVersions {
    pub(crate) fn of(profile: ApiProfile) -> Self {
        match profile {
            ApiProfile::V1beta2 => ApiVersions {
                cluster: "cluster.x-k8s.io/v1beta2",
                infrastructure: "infrastructure.cluster.x-k8s.io/v1beta2",
                bootstrap: "bootstrap.cluster.x-k8s.io/v1beta2",
                controlplane: "controlplane.cluster.x-k8s.io/v1alpha2",
                ipam: "ipam.cluster.x-k8s.io/v1alpha2",
                addons: "addons.cluster.x-k8s.io/v1beta2",
            },
            ApiProfile::V1beta1 => ApiVersions {
                cluster: "cluster.x-k8s.io/v1beta1",
                infrastructure: "infrastructure.cluster.x-k8s.io/v1beta1",
                bootstrap: "bootstrap.cluster.x-k8s.io/v1beta1",
                controlplane: "controlplane.cluster.x-k8s.io/v1alpha1",
                ipam: "ipam.cluster.x-k8s.io/v1alpha2",
                addons: "addons.cluster.x-k8s.io/v1beta1",
            },
        }
    }
}

/// Whole-cluster context, shared by every template.
#[derive(Debug, Serialize)]
pub(crate) struct ClusterContext<'a> {
    pub cluster: &'a str,
    pub namespace: &'a str,
    pub profile: &'static str,
    pub v1beta2: bool,
    pub api: ApiVersions,
    pub labels: BTreeMap<&'static str, &'a str>,
    pub identity: Identity<'a>,
    pub values: ClusterValues<'a>,
    pub cpi_image: String,
    /// Contents of the CPI's `vsphere.conf` and the CSI's `csi-vsphere.conf`.
    pub vsphere_conf: String,
    pub csi_vsphere_conf: String,
    pub csi_cluster_id: String,
}

/// The values as templates see them: all but the node pools, which reach the pool
/// templates one at a time (`pool`). Converting every pool for the cluster's templates
/// would cost, on a large cluster, about as much as rendering the pools.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterValues<'a> {
    api_profile: ApiProfile,
    v_sphere: &'a VSphere,
    ipam_provider: &'a IpamProvider,
    cluster: &'a Cluster,
    v_sphere_cloud_controller_manager: &'a CloudControllerManager,
    v_sphere_storage_controller_manager: &'a StorageControllerManager,
}

impl<'a> ClusterValues<'a> {
    fn of(values: &'a Values) -> Self {
        // Destructured so that a new field of `Values` cannot be left out unnoticed.
        let Values {
            api_profile,
            v_sphere,
            ipam_provider,
            cluster,
            node_pools: _,
            v_sphere_cloud_controller_manager,
            v_sphere_storage_controller_manager,
        } = values;
        ClusterValues {
            api_profile: *api_profile,
            v_sphere,
            ipam_provider,
            cluster,
            v_sphere_cloud_controller_manager,
            v_sphere_storage_controller_manager,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Identity<'a> {
    pub kind: IdentityKind,
    pub name: &'a str,
}

impl<'a> ClusterContext<'a> {
    pub(crate) fn new(
        values: &'a Values,
        cluster: &'a str,
        namespace: &'a str,
    ) -> Result<Self, &'static str> {
        let identity = match &values.v_sphere.identity_ref {
            Some(r) => Identity {
                kind: r.kind,
                name: &r.name,
            },
            None => Identity {
                kind: IdentityKind::Secret,
                name: &values.v_sphere.secret.name,
            },
        };
        let csi = &values.v_sphere_storage_controller_manager;
        let csi_vsphere_conf = if csi.enabled && csi.secret.create {
            config_files::csi_vsphere_conf(values, namespace, cluster)?
        } else {
            String::new()
        };
        Ok(ClusterContext {
            cluster,
            namespace,
            profile: values.api_profile.as_str(),
            v1beta2: values.api_profile == ApiProfile::V1beta2,
            api: ApiVersions::of(values.api_profile),
            labels: BTreeMap::from([(CLUSTER_NAME_LABEL, cluster)]),
            identity,
            values: ClusterValues::of(values),
            cpi_image: cpi_image(values),
            vsphere_conf: config_files::cpi_vsphere_conf(values),
            csi_vsphere_conf,
            csi_cluster_id: config_files::csi_cluster_id(namespace, cluster),
        })
    }
}

/// `registry/repository:tag`, the tag defaulting to the `version` value (the chart's key).
pub(crate) fn cpi_image(values: &Values) -> String {
    let cpi = &values.v_sphere_cloud_controller_manager;
    let tag = if cpi.image.tag.is_empty() {
        &cpi.version
    } else {
        &cpi.image.tag
    };
    let repository = cpi.image.repository.trim_matches('/');
    match cpi.image.registry.trim_end_matches('/') {
        "" => format!("{repository}:{tag}"),
        registry => format!("{registry}/{repository}:{tag}"),
    }
}

/// Per node pool: the pool, its derived names and kubelet arguments.
#[derive(Debug, Serialize)]
pub(crate) struct PoolContext<'a> {
    pub pool: &'a NodePool,
    pub name: &'a str,
    pub machine_deployment: String,
    /// Names without the content hash (the renderer appends it). The final names,
    /// `machine_template` and `kubeadm_config`, are known once these templates are
    /// rendered and hashed: the renderer adds them for the MachineDeployment.
    pub machine_template_base: String,
    pub kubeadm_config_base: String,
    pub kubelet_args: Vec<Arg>,
    pub search_domains: Vec<&'a str>,
    pub autoscaler_annotations: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Arg {
    pub name: &'static str,
    pub value: String,
}

impl<'a> PoolContext<'a> {
    pub(crate) fn new(cluster: &str, pool: &'a NodePool) -> Self {
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
        if !pool.labels.is_empty() {
            kubelet_args.push(Arg {
                name: "node-labels",
                value: pool.labels.clone(),
            });
        }
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
        PoolContext {
            pool,
            name,
            machine_deployment: format!("{cluster}-{name}-md"),
            machine_template_base: format!("{cluster}-{name}-vsphere-machine-template"),
            kubeadm_config_base: format!("{cluster}-{name}-kubeadmconfig"),
            kubelet_args,
            search_domains,
            autoscaler_annotations: autoscaler_annotations(pool),
        }
    }
}

/// Cluster Autoscaler annotations on the MachineDeployment: the bounds, and the
/// capacity of one node so that a pool can scale from zero (govmomi-mode CAPV
/// templates publish no capacity of their own).
fn autoscaler_annotations(pool: &NodePool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !pool.autoscaling.enabled {
        return out;
    }
    let bound = |v: &crate::schema::LooseInt| v.value().map(|n| n.to_string()).unwrap_or_default();
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
        format!("{}Mi", pool.memory_mib),
    );
    out.insert(
        format!("{capacity}/ephemeral-disk"),
        format!("{}Gi", pool.disk_gib),
    );
    if !pool.labels.is_empty() {
        out.insert(format!("{capacity}/labels"), pool.labels.clone());
    }
    if !pool.taints.is_empty() {
        out.insert(format!("{capacity}/taints"), pool.taints.clone());
    }
    out
}

#[cfg(test)]
mod tests {
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
