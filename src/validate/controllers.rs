//! Checks of the vSphere controllers' values (CPI, CSI) and of the credentials capkv
//! is asked to put into Secrets. Messages never contain a secret's value.

use super::{Findings, parse_version};
use crate::render::config_files::{
    CSI_CLUSTER_DISTRIBUTION, CSI_CLUSTER_ID_MAX, csi_cluster_id, ini_unsafe,
};
use crate::render::context::cpi_image;
use crate::schema::{CSI_RELEASES, CsiRelease, IdentityKind, Values};

/// The chart's default password: a Secret created with it cannot log in anywhere.
const PLACEHOLDER_PASSWORD: &str = "changeme";

pub(super) fn check(values: &Values, cluster: &str, namespace: &str, findings: &mut Findings) {
    check_secrets(values, findings);
    check_cpi(values, findings);
    check_csi(values, cluster, namespace, findings);
}

fn check_secrets(values: &Values, findings: &mut Findings) {
    let vs = &values.v_sphere;
    let cpi = &values.v_sphere_cloud_controller_manager;
    let csi = &values.v_sphere_storage_controller_manager;
    for (enabled, prefix, create, password) in [
        (true, "vSphere", vs.secret.create, &vs.password),
        (
            cpi.enabled,
            "vSphereCloudControllerManager",
            cpi.secret.create,
            &cpi.password,
        ),
        (
            csi.enabled,
            "vSphereStorageControllerManager",
            csi.secret.create,
            &csi.password,
        ),
    ] {
        if enabled && create && password == PLACEHOLDER_PASSWORD {
            findings.error(
                format!("{prefix}.password"),
                format!("{prefix}.secret.create is true but the password is the placeholder \"{PLACEHOLDER_PASSWORD}\": set the real password (e.g. --set-file {prefix}.password=FILE) or reference an existing Secret with secret.create: false"),
            );
        }
    }
    if let Some(identity) = &vs.identity_ref
        && identity.kind == IdentityKind::Secret
        && vs.secret.create
        && identity.name != vs.secret.name
    {
        findings.error(
            "vSphere.identityRef.name",
            format!(
                "the VSphereCluster would use Secret \"{}\" but capkv creates \"{}\" (vSphere.secret.name): make them the same",
                identity.name, vs.secret.name
            ),
        );
    }
}

fn check_cpi(values: &Values, findings: &mut Findings) {
    let cpi = &values.v_sphere_cloud_controller_manager;
    if !cpi.enabled {
        return;
    }
    let image = cpi_image(values);
    let tag = image.rsplit(':').next().unwrap_or_default();
    let (Some(cpi_version), Some(k8s)) = (
        parse_version(tag),
        parse_version(&values.cluster.control_plane.version),
    ) else {
        return;
    };
    if (cpi_version.0, cpi_version.1) != (k8s.0, k8s.1) {
        let path = if cpi.image.tag.is_empty() {
            "vSphereCloudControllerManager.version"
        } else {
            "vSphereCloudControllerManager.image.tag"
        };
        findings.warning(
            path,
            format!(
                "the cloud controller manager {tag} is for Kubernetes 1.{}, the cluster runs {}: upstream supports a CPI only with its own Kubernetes minor",
                cpi_version.1, values.cluster.control_plane.version
            ),
        );
    }
}

fn check_csi(values: &Values, cluster: &str, namespace: &str, findings: &mut Findings) {
    let csi = &values.v_sphere_storage_controller_manager;
    if !csi.enabled {
        return;
    }
    let cluster_id = csi_cluster_id(namespace, cluster);
    if cluster_id.len() > CSI_CLUSTER_ID_MAX {
        findings.error(
            "cluster.name",
            format!(
                "the CSI cluster-id \"{cluster_id}\" (namespace/cluster) is {} characters; the CSI driver allows at most {CSI_CLUSTER_ID_MAX}: shorten the cluster name or the namespace",
                cluster_id.len()
            ),
        );
    }
    if csi.secret.create && !csi.username.contains('@') && !csi.username.contains('\\') {
        findings.error(
            "vSphereStorageControllerManager.username",
            "the CSI driver needs a domain-qualified vCenter user (user@domain, e.g. csi@vsphere.local)",
        );
    }
    check_csi_release(values, findings);
    if !csi.secret.create {
        // The syncer of a Secret capkv does not write starts only if the file sets
        // cluster-distribution (vsphere-csi-driver v3.7.3 cmd/syncer/main.go:319-324).
        findings.warning(
            "vSphereStorageControllerManager.secret.create",
            format!(
                "false: the existing Secret \"{}\" must hold a csi-vsphere.conf whose [Global] sets cluster-distribution (e.g. \"{CSI_CLUSTER_DISTRIBUTION}\"); without it the CSI syncer on the management cluster looks for in-cluster credentials, exits, and no volume attaches",
                csi.secret.name
            ),
        );
    }
    if csi.secret.create {
        let vs = &values.v_sphere;
        for (path, value) in [
            ("vSphere.server", &vs.server),
            ("vSphere.dataCenter", &vs.data_center),
            ("vSphere.tlsThumbprint", &vs.tls_thumbprint),
            ("vSphereStorageControllerManager.username", &csi.username),
            ("vSphereStorageControllerManager.password", &csi.password),
        ] {
            if let Some(reason) = ini_unsafe(value) {
                findings.error(path, reason);
            }
        }
    }
}

/// Images left to capkv come from the CSI release built for the cluster's minor; past
/// the newest one there is none to choose.
fn check_csi_release(values: &Values, findings: &mut Findings) {
    let csi = &values.v_sphere_storage_controller_manager;
    let version = &values.cluster.control_plane.version;
    let Some((_, minor, _)) = parse_version(version) else {
        return;
    };
    if csi.images.any_from_release() && CsiRelease::for_minor(minor).is_none() {
        let newest = CSI_RELEASES.last().map_or(0, |release| release.max_minor);
        findings.error(
            "vSphereStorageControllerManager.images",
            format!(
                "no vsphere-csi-driver release capkv knows supports Kubernetes {version} (the newest is built for 1.{newest}): set every image of vSphereStorageControllerManager.images to a release that supports it"
            ),
        );
    }
}
