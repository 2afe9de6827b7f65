//! Every name and derived label value capkv gives an object, computed here and only
//! here: templates, validation and the self-check read them from [`ClusterNames`] and
//! [`PoolNames`].
//!
//! A name that would be too long for where it goes (a label value, a Service name, a
//! MachineDeployment name: 63 characters) is shortened deterministically, as Cluster
//! API shortens long names: its head, `-`, and the first 8 hex characters of the
//! SHA-256 of the whole name. Short names are left as they are, so existing clusters
//! keep their names.

use crate::names::LABEL_VALUE_MAX;
use crate::schema::Values;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The CSI driver's limit on `cluster-id` (vsphere-csi-driver `ErrClusterIDCharLimit`).
pub const CSI_CLUSTER_ID_MAX: usize = 64;
const HASH_LEN: usize = 8;
/// Hex characters of the content hash that ends a pool template's name.
pub const TEMPLATE_HASH_LEN: usize = 8;

/// `name`, or its deterministic shortening to at most `max` characters.
pub fn fit(name: String, max: usize) -> String {
    if name.len() <= max {
        return name;
    }
    let digest = Sha256::digest(name.as_bytes());
    let mut hash = String::with_capacity(HASH_LEN);
    for byte in digest.iter().take(HASH_LEN / 2) {
        // Writing to a String cannot fail.
        let _ = write!(hash, "{byte:02x}");
    }
    let mut end = max - HASH_LEN - 1;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let head = name[..end].trim_end_matches(['-', '.', '/']);
    format!("{head}-{hash}")
}

/// A name that also goes into a label value (or is a DNS-1035 label).
fn label_sized(name: String) -> String {
    fit(name, LABEL_VALUE_MAX)
}

/// The names of a cluster's own objects and of those it relies on.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterNames {
    /// Cluster, KamajiControlPlane, VSphereCluster, InClusterIPPool.
    pub cluster: String,
    /// Kamaji's Secret with the tenant's kubeconfigs (`<kcp>-admin-kubeconfig`).
    pub admin_kubeconfig: String,
    /// The Secrets capkv creates or references.
    pub vsphere_secret: String,
    /// The name capkv gives the CAPV credentials Secret it creates.
    pub created_vsphere_secret: String,
    pub cpi_secret: String,
    pub csi_secret: String,
    pub cpi_service_account: String,
    /// CPI Deployment; also its pods' `app` label.
    pub cpi_deployment: String,
    /// CSI controller Deployment and ServiceAccount; also its pods' `app` label.
    pub csi_deployment: String,
    pub csi_resource_set: String,
    /// The ConfigMaps of the ClusterResourceSet, by the manifest file each carries.
    pub workload_config_maps: BTreeMap<&'static str, String>,
    /// `cluster-id` of csi-vsphere.conf: unique per workload cluster on a vCenter.
    pub csi_cluster_id: String,
    pub vcenter_ca: String,
    /// Service of the metrics endpoints; also its `kamaji.clastix.io/name` label.
    pub metrics_service: String,
    pub service_monitor: String,
    /// Kamaji's Secret with the API server's kubelet client certificate.
    pub client_certificate: String,
    pub prometheus_role: String,
    pub prometheus_role_binding: String,
    /// The Cluster Autoscaler's Deployment, ServiceAccount, Role and RoleBinding; also
    /// its pods' `app` label.
    pub autoscaler: String,
    /// ConfigMap of the tenant API server's authentication configuration and audit policy.
    pub apiserver_config: String,
    /// The encryption configuration: the user's Secret, or the one capkv renders.
    pub encryption_config: String,
    /// VSphereFailureDomain and VSphereDeploymentZone of each `failureDomains[].name`:
    /// cluster-scoped, so the namespace is part of the name.
    pub failure_domains: BTreeMap<String, String>,
    /// InClusterIPPool of each `ipamProvider.additionalPools[].name`.
    pub ip_pools: BTreeMap<String, String>,
}

impl ClusterNames {
    /// `workload_files`: the manifest files the ClusterResourceSet carries.
    pub fn new(
        values: &Values,
        cluster: &str,
        namespace: &str,
        workload_files: &[&'static str],
    ) -> Self {
        let of = |suffix: &str| format!("{cluster}-{suffix}");
        let secret = |create: bool, given: &str, suffix: &str| {
            if create { of(suffix) } else { given.to_owned() }
        };
        let vs = &values.v_sphere.secret;
        let cpi = &values.v_sphere_cloud_controller_manager.secret;
        let csi = &values.v_sphere_storage_controller_manager.secret;
        ClusterNames {
            cluster: cluster.to_owned(),
            admin_kubeconfig: of("admin-kubeconfig"),
            vsphere_secret: secret(vs.create, &vs.name, "vsphere-secret"),
            created_vsphere_secret: of("vsphere-secret"),
            cpi_secret: secret(cpi.create, &cpi.name, "vsphere-config-secret"),
            csi_secret: secret(csi.create, &csi.name, "csi-config-secret"),
            cpi_service_account: of("cloud-controller-manager"),
            cpi_deployment: label_sized(of("vsphere-cloud-controller-manager")),
            csi_deployment: label_sized(of("vsphere-csi-controller")),
            csi_resource_set: of("vsphere-csi"),
            workload_config_maps: workload_files
                .iter()
                .map(|file| (*file, of(file.trim_end_matches(".yaml"))))
                .collect(),
            csi_cluster_id: fit(format!("{namespace}/{cluster}"), CSI_CLUSTER_ID_MAX),
            vcenter_ca: of("vcenter-ca"),
            metrics_service: label_sized(of("metrics")),
            service_monitor: of("service-monitor"),
            client_certificate: of("api-server-kubelet-client-certificate"),
            prometheus_role: of("prometheus-secret-reader"),
            prometheus_role_binding: of("prometheus-secret-access"),
            autoscaler: label_sized(of("cluster-autoscaler")),
            apiserver_config: of("apiserver-config"),
            encryption_config: match &values.cluster.control_plane.encryption.secret_name {
                given if !given.is_empty() => given.clone(),
                _ => of("encryption-config"),
            },
            failure_domains: values
                .failure_domains
                .iter()
                .map(|fd| {
                    let name = format!("{namespace}-{cluster}-{}", fd.name);
                    (fd.name.clone(), label_sized(name))
                })
                .collect(),
            ip_pools: values
                .ipam_provider
                .additional_pools
                .iter()
                .map(|pool| (pool.name.clone(), of(&pool.name)))
                .collect(),
        }
    }
}

impl PoolNames {
    /// `spread`: the failure domains the pool is spread over, one MachineDeployment
    /// each; empty: one MachineDeployment.
    pub fn new(cluster: &str, pool: &str, spread: &[String]) -> Self {
        let deployment = |part: &str| DeploymentNames {
            machine_deployment: label_sized(format!("{cluster}-{pool}{part}-md")),
            machine_health_check: format!("{cluster}-{pool}{part}-mhc"),
        };
        PoolNames {
            machine_template_base: format!("{cluster}-{pool}-vsphere-machine-template"),
            kubeadm_config_base: format!("{cluster}-{pool}-kubeadmconfig"),
            deployments: if spread.is_empty() {
                vec![deployment("")]
            } else {
                spread
                    .iter()
                    .map(|domain| deployment(&format!("-{domain}")))
                    .collect()
            },
        }
    }
}

/// The objects of one of a pool's MachineDeployments.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentNames {
    /// Also copied by CAPI into the `cluster.x-k8s.io/deployment-name` label.
    pub machine_deployment: String,
    pub machine_health_check: String,
}

/// A node pool's names. The templates' final names append the content hash of their
/// spec to the base (`render::hash`).
#[derive(Debug, Clone, Serialize)]
pub struct PoolNames {
    pub machine_template_base: String,
    pub kubeadm_config_base: String,
    /// One per MachineDeployment of the pool, in the order of its failure domains.
    pub deployments: Vec<DeploymentNames>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_stay_and_long_ones_are_cut_with_a_hash() {
        assert_eq!(fit("abc".into(), 63), "abc");
        let long = format!("{}-vsphere-cloud-controller-manager", "c".repeat(40));
        let fitted = fit(long.clone(), 63);
        assert_eq!(fitted.len(), 63);
        assert!(fitted.starts_with(&"c".repeat(40)));
        assert_eq!(fitted, fit(long.clone(), 63), "deterministic");
        let other = fit(long.replace("manager", "managex"), 63);
        assert_ne!(fitted, other, "distinct names stay distinct");
    }

    #[test]
    fn a_cut_never_ends_in_a_separator_before_the_hash() {
        let name = format!("{}-{}", "a".repeat(53), "b".repeat(20));
        let fitted = fit(name, 63);
        assert!(!fitted.contains("--"), "{fitted}");
        assert!(fitted.len() <= 63);
    }
}
