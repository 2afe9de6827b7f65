//! Object names and labels: every name capkv renders must be valid for its kind, and
//! when one is not, the message says which input to change. Names the values give
//! directly are checked as they are; names capkv derives from the cluster name are
//! checked as they will be rendered (the output self-check is the safety net for
//! capkv's own mistakes, these checks are for the user's).

use super::Findings;
use crate::names::{
    LABEL_VALUE_MAX, NameRule, SUBDOMAIN_MAX, label_key_problem, label_value_problem,
};
use crate::object_names::TEMPLATE_HASH_LEN;
use crate::object_names::{ClusterNames, PoolNames};
use crate::schema::{IdentityKind, Placement, StringMap, Values};

pub(super) fn check(values: &Values, cluster: &str, namespace: &str, findings: &mut Findings) {
    check_given(values, namespace, findings);
    for derived in derived_names(values, cluster, namespace) {
        derived.check(findings);
    }
    for (path, map, kind) in metadata_maps(values) {
        check_map(&path, map, kind, findings);
    }
}

/// Names taken from the values (or flags) as they are, when the object is rendered or
/// referenced.
fn check_given(values: &Values, namespace: &str, findings: &mut Findings) {
    let vs = &values.v_sphere;
    let cpi = &values.v_sphere_cloud_controller_manager;
    let csi = &values.v_sphere_storage_controller_manager;
    let metrics = &values.cluster.metrics;
    let identity_kind = match vs.identity_ref.as_ref().map(|r| r.kind) {
        Some(IdentityKind::VSphereClusterIdentity) => "VSphereClusterIdentity",
        _ => "Secret",
    };
    let cp = &values.cluster.control_plane;
    let given = [
        ("--namespace", "Namespace", namespace, true),
        (
            "vSphere.secret.name",
            "Secret",
            vs.secret.name.as_str(),
            !vs.secret.create && vs.identity_ref.is_none(),
        ),
        (
            "vSphere.identityRef.name",
            identity_kind,
            vs.identity_ref.as_ref().map_or("", |r| r.name.as_str()),
            vs.identity_ref.is_some(),
        ),
        (
            "vSphereCloudControllerManager.secret.name",
            "Secret",
            cpi.secret.name.as_str(),
            cpi.enabled && !cpi.secret.create,
        ),
        (
            "vSphereStorageControllerManager.secret.name",
            "Secret",
            csi.secret.name.as_str(),
            csi.enabled && !csi.secret.create,
        ),
        (
            "vSphereStorageControllerManager.namespace",
            "Namespace",
            csi.namespace.as_str(),
            csi.enabled,
        ),
        (
            "vSphereStorageControllerManager.storageClass.name",
            "StorageClass",
            csi.storage_class.name.as_str(),
            csi.enabled && csi.storage_class.enabled,
        ),
        (
            "cluster.metrics.serviceAccount.name",
            "ServiceAccount",
            metrics.service_account.name.as_str(),
            metrics.enabled,
        ),
        (
            "cluster.metrics.serviceAccount.namespace",
            "Namespace",
            metrics.service_account.namespace.as_str(),
            metrics.enabled,
        ),
        (
            "cluster.metrics.operatorServiceAccount.name",
            "ServiceAccount",
            metrics.operator_service_account.name.as_str(),
            metrics.enabled,
        ),
        (
            "cluster.metrics.operatorServiceAccount.namespace",
            "Namespace",
            metrics.operator_service_account.namespace.as_str(),
            metrics.enabled,
        ),
        (
            "cluster.controlPlane.dataStoreName",
            "DataStore",
            cp.data_store_name.as_str(),
            !cp.data_store_name.is_empty(),
        ),
    ];
    for (path, kind, name, used) in given {
        let rule = NameRule::for_kind(kind);
        if used && !rule.accepts(name) {
            findings.error(
                path,
                format!(
                    "\"{name}\" is not a valid {kind} name: use {}",
                    rule.describe()
                ),
            );
        }
    }
}

/// What a derived string becomes.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// The name of an object of this kind.
    Object(&'static str),
    /// The value of this label.
    Label(&'static str),
}

/// A name (or label value) capkv derives from inputs.
#[derive(Debug)]
struct Derived {
    target: Target,
    name: String,
    /// The finding's path and the inputs to change, as the user writes them.
    path: String,
    inputs: String,
}

impl Derived {
    fn object(kind: &'static str, name: String, path: &str, inputs: &str) -> Self {
        Derived {
            target: Target::Object(kind),
            name,
            path: path.to_owned(),
            inputs: inputs.to_owned(),
        }
    }

    fn label(key: &'static str, value: String) -> Self {
        Derived {
            target: Target::Label(key),
            name: value,
            path: "cluster.name".to_owned(),
            inputs: "cluster.name".to_owned(),
        }
    }

    fn check(&self, findings: &mut Findings) {
        let (subject, reason, max) = match self.target {
            Target::Object(kind) => {
                let rule = NameRule::for_kind(kind);
                if rule.accepts(&self.name) {
                    return;
                }
                let max = match rule {
                    NameRule::Subdomain => Some(SUBDOMAIN_MAX),
                    NameRule::PathSegment => None,
                    _ => Some(LABEL_VALUE_MAX),
                };
                (
                    format!("{kind} name \"{}\"", self.name),
                    format!("{kind} names must be {}", rule.describe()),
                    max,
                )
            }
            Target::Label(key) => {
                let Some(problem) = label_value_problem(&self.name) else {
                    return;
                };
                (
                    format!("label {key}=\"{}\"", self.name),
                    format!("the value {problem}"),
                    Some(LABEL_VALUE_MAX),
                )
            }
        };
        let fix = match max.map(|m| self.name.len().saturating_sub(m)) {
            Some(excess) if excess > 0 => format!(
                "shorten {} by {excess} character{}",
                self.inputs,
                if excess == 1 { "" } else { "s" }
            ),
            _ => format!("change {}", self.inputs),
        };
        findings.error(&self.path, format!("{subject} is invalid: {reason}; {fix}"));
    }
}

/// Every name capkv derives, for the objects the values switch on (from
/// [`ClusterNames`], where they are made).
fn derived_names(values: &Values, c: &str, namespace: &str) -> Vec<Derived> {
    let cluster = "cluster.name";
    let names = ClusterNames::new(values, c, namespace, &[]);
    let mut out = Vec::new();
    if values.v_sphere_cloud_controller_manager.enabled {
        out.push(Derived::object(
            "ServiceAccount",
            names.cpi_service_account,
            cluster,
            cluster,
        ));
        out.push(Derived::object(
            "Deployment",
            names.cpi_deployment.clone(),
            cluster,
            cluster,
        ));
        out.push(Derived::label("app", names.cpi_deployment));
    }
    let csi = &values.v_sphere_storage_controller_manager;
    if csi.enabled {
        out.push(Derived::object(
            "Deployment",
            names.csi_deployment.clone(),
            cluster,
            cluster,
        ));
        out.push(Derived::label("app", names.csi_deployment));
        out.push(Derived::object(
            "ClusterResourceSet",
            names.csi_resource_set,
            cluster,
            cluster,
        ));
    }
    if values.cluster.metrics.enabled {
        out.push(Derived::object(
            "Service",
            names.metrics_service.clone(),
            cluster,
            cluster,
        ));
        out.push(Derived::label(
            "kamaji.clastix.io/name",
            names.metrics_service,
        ));
        out.push(Derived::object(
            "ServiceMonitor",
            names.service_monitor,
            cluster,
            cluster,
        ));
    }
    let hash = "0".repeat(TEMPLATE_HASH_LEN);
    for (index, pool) in values.node_pools.iter().enumerate() {
        let Some(name) = pool.name.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        let pool_names = PoolNames::new(c, name, &pool.failure_domains);
        let path = format!("nodePools[{index}].name");
        let inputs = if pool.failure_domains.is_empty() {
            format!("cluster.name or nodePools[{index}].name")
        } else {
            format!("cluster.name, nodePools[{index}].name or its failureDomains")
        };
        out.push(Derived::object(
            "VSphereMachineTemplate",
            format!("{}-{hash}", pool_names.machine_template_base),
            &path,
            &inputs,
        ));
        out.push(Derived::object(
            "KubeadmConfigTemplate",
            format!("{}-{hash}", pool_names.kubeadm_config_base),
            &path,
            &inputs,
        ));
        for deployment in pool_names.deployments {
            out.push(Derived::object(
                "MachineDeployment",
                deployment.machine_deployment,
                &path,
                &inputs,
            ));
            if pool.health_check.enabled {
                out.push(Derived::object(
                    "MachineHealthCheck",
                    deployment.machine_health_check,
                    &path,
                    &inputs,
                ));
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MapKind {
    Labels,
    Annotations,
}

/// Maps from the values that become labels (or label selectors) and annotations.
fn metadata_maps(values: &Values) -> Vec<(String, &StringMap, MapKind)> {
    let cp = &values.cluster.control_plane;
    let mut out = vec![
        (
            "cluster.controlPlane.labels".to_owned(),
            &cp.labels,
            MapKind::Labels,
        ),
        (
            "cluster.controlPlane.network.serviceLabels".to_owned(),
            &cp.network.service_labels,
            MapKind::Labels,
        ),
        (
            "cluster.controlPlane.network.serviceAnnotations".to_owned(),
            &cp.network.service_annotations,
            MapKind::Annotations,
        ),
    ];
    // The chart's top-level CPI keys, checked at their own paths.
    let cpi = &values.v_sphere_cloud_controller_manager;
    if cpi.enabled {
        for (key, map, kind) in [
            (
                "additionalMetadata.labels",
                &cpi.additional_metadata.labels,
                MapKind::Labels,
            ),
            (
                "additionalMetadata.annotations",
                &cpi.additional_metadata.annotations,
                MapKind::Annotations,
            ),
            (
                "podAdditionalMetadata.labels",
                &cpi.pod_additional_metadata.labels,
                MapKind::Labels,
            ),
            (
                "podAdditionalMetadata.annotations",
                &cpi.pod_additional_metadata.annotations,
                MapKind::Annotations,
            ),
            ("nodeSelector", &cpi.node_selector, MapKind::Labels),
        ] {
            out.push((format!("vSphereCloudControllerManager.{key}"), map, kind));
        }
    }
    out.push((
        "cluster.labels".to_owned(),
        &values.cluster.labels,
        MapKind::Labels,
    ));
    out.push((
        "cluster.annotations".to_owned(),
        &values.cluster.annotations,
        MapKind::Annotations,
    ));
    let placements = [
        ("cluster.controlPlane.deployment", &cp.deployment, true),
        (
            "vSphereCloudControllerManager.deployment",
            &values.v_sphere_cloud_controller_manager.deployment,
            values.v_sphere_cloud_controller_manager.enabled,
        ),
        (
            "vSphereStorageControllerManager.deployment",
            &values.v_sphere_storage_controller_manager.deployment,
            values.v_sphere_storage_controller_manager.enabled,
        ),
    ];
    for (prefix, placement, enabled) in placements {
        if enabled {
            out.extend(placement_maps(prefix, placement));
        }
    }
    for (index, pool) in values.node_pools.iter().enumerate() {
        if pool.autoscaling.enabled {
            out.push((
                format!("nodePools[{index}].autoscaling.labels"),
                &pool.autoscaling.labels,
                MapKind::Labels,
            ));
        }
    }
    out
}

fn placement_maps<'a>(
    prefix: &str,
    placement: &'a Placement,
) -> [(String, &'a StringMap, MapKind); 5] {
    let (deployment, pod) = (
        &placement.additional_metadata,
        &placement.pod_additional_metadata,
    );
    [
        (
            format!("{prefix}.additionalMetadata.labels"),
            &deployment.labels,
            MapKind::Labels,
        ),
        (
            format!("{prefix}.additionalMetadata.annotations"),
            &deployment.annotations,
            MapKind::Annotations,
        ),
        (
            format!("{prefix}.podAdditionalMetadata.labels"),
            &pod.labels,
            MapKind::Labels,
        ),
        (
            format!("{prefix}.podAdditionalMetadata.annotations"),
            &pod.annotations,
            MapKind::Annotations,
        ),
        (
            format!("{prefix}.nodeSelector"),
            &placement.node_selector,
            MapKind::Labels,
        ),
    ]
}

/// Keys are reported in the message, not the path: a key like `example.com/tier`
/// cannot be written as a dotted path without ambiguity.
fn check_map(path: &str, map: &StringMap, kind: MapKind, findings: &mut Findings) {
    let noun = match kind {
        MapKind::Labels => "label",
        MapKind::Annotations => "annotation",
    };
    for (key, value) in map {
        if let Some(problem) = label_key_problem(key) {
            findings.error(path, format!("{noun} key \"{key}\" is invalid: {problem}"));
        }
        if kind == MapKind::Labels
            && let Some(problem) = label_value_problem(value)
        {
            // At the value's own path (a key with dots is written as it is).
            findings.error(
                format!("{path}.{key}"),
                format!("label {key}=\"{value}\": the value {problem}"),
            );
        }
    }
}
