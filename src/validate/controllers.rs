//! Checks of the vSphere controllers' values (CPI, CSI) and of the credentials capkv
//! is asked to put into Secrets. Messages never contain a secret's value.

use super::ip::parse_cidr;
use super::{Findings, parse_version};
use crate::ini::ini_unsafe;
use crate::object_names::ClusterNames;
use crate::schema::{
    CSI_CLUSTER_DISTRIBUTION, CSI_RELEASES, CsiRelease, IdentityKind, Values, is_image_digest,
};

/// The chart's default password: a Secret created with it cannot log in anywhere.
const PLACEHOLDER_PASSWORD: &str = "changeme";

pub(super) fn check(values: &Values, names: &ClusterNames, findings: &mut Findings) {
    check_secrets(values, names, findings);
    check_cpi(values, findings);
    check_csi(values, findings);
    check_digests(values, findings);
    check_network_policies(values, findings);
}

/// Every digest has the form a runtime pulls by, and pins an image that has no digest
/// of its own (`image@a@b` pulls nothing).
fn check_digests(values: &Values, findings: &mut Findings) {
    let cpi = &values.v_sphere_cloud_controller_manager;
    let csi = &values.v_sphere_storage_controller_manager;
    let mut pins = vec![(
        "vSphereCloudControllerManager.image.digest".to_owned(),
        cpi.image.digest.as_str(),
        format!("{}/{}", cpi.image.registry, cpi.image.repository),
    )];
    for ((key, digest), (_, image)) in csi.digests.entries().into_iter().zip(csi.images.entries()) {
        pins.push((
            format!("vSphereStorageControllerManager.digests.{key}"),
            digest,
            image.to_owned(),
        ));
    }
    for (path, digest, image) in pins {
        if digest.is_empty() {
            continue;
        }
        if !is_image_digest(digest) {
            findings.error(
                path,
                format!("\"{digest}\" is not an image digest: write sha256: and the 64 lower-case hex digits of the image's manifest digest (sha256:0123…)"),
            );
        } else if image.contains('@') {
            findings.error(
                path,
                format!("the image \"{image}\" is already pinned by a digest: give the digest in one place only"),
            );
        }
    }
}

fn check_network_policies(values: &Values, findings: &mut Findings) {
    for (prefix, policy) in [
        (
            "vSphereCloudControllerManager",
            &values.v_sphere_cloud_controller_manager.network_policy,
        ),
        (
            "vSphereStorageControllerManager",
            &values.v_sphere_storage_controller_manager.network_policy,
        ),
    ] {
        for (index, cidr) in policy.v_center_cidrs.iter().enumerate() {
            if parse_cidr(cidr).is_none() {
                findings.error(
                    format!("{prefix}.networkPolicy.vCenterCidrs[{index}]"),
                    format!("\"{cidr}\" is not a CIDR block (e.g. 10.0.0.10/32)"),
                );
            }
        }
    }
}

fn check_secrets(values: &Values, names: &ClusterNames, findings: &mut Findings) {
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
        && identity.name != names.vsphere_secret
    {
        findings.warning(
            "vSphere.identityRef.name",
            format!(
                "\"{}\" is not used: with vSphere.secret.create the VSphereCluster uses the Secret capkv creates, \"{}\" (named after the cluster, as the chart names it)",
                identity.name, names.vsphere_secret
            ),
        );
    }
    let identity_secret = match &vs.identity_ref {
        None => Some(names.vsphere_secret.as_str()),
        Some(identity) if identity.kind == IdentityKind::Secret => Some(identity.name.as_str()),
        Some(_) => None,
    };
    if let Some(secret) = identity_secret
        && !vs.secret.create
        && !secret.starts_with(&format!("{}-", names.cluster))
    {
        // CAPV controllers/vspherecluster_reconciler.go:354-356 (111a1ba).
        let path = if vs.identity_ref.is_some() {
            "vSphere.identityRef.name"
        } else {
            "vSphere.secret.name"
        };
        findings.warning(
            path,
            format!(
                "Secret \"{secret}\" is not named after this cluster: if another cluster references it too, the first VSphereCluster CAPV reconciles becomes its owner and CAPV refuses it to every other one, whose infrastructure then never gets ready. Give every cluster its own Secret (vSphere.secret.create: true names it {}) or share credentials through a VSphereClusterIdentity",
                names.created_vsphere_secret
            ),
        );
    }
    for (path, secret, default, created) in [
        (
            "vSphere.secret.name",
            &vs.secret,
            "vsphere-secret",
            &names.vsphere_secret,
        ),
        (
            "vSphereCloudControllerManager.secret.name",
            &values.v_sphere_cloud_controller_manager.secret,
            "vsphere-config-secret",
            &names.cpi_secret,
        ),
        (
            "vSphereStorageControllerManager.secret.name",
            &values.v_sphere_storage_controller_manager.secret,
            "csi-config-secret",
            &names.csi_secret,
        ),
    ] {
        if secret.create && secret.name != default && secret.name != *created {
            findings.warning(
                path,
                format!(
                    "\"{}\" is not used: with secret.create capkv names the Secret \"{created}\", after the cluster, as the chart does, so that clusters sharing a namespace never overwrite each other's",
                    secret.name
                ),
            );
        }
    }
}

fn check_cpi(values: &Values, findings: &mut Findings) {
    let cpi = &values.v_sphere_cloud_controller_manager;
    if !cpi.enabled {
        return;
    }
    let tag = cpi.image_tag();
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

fn check_csi(values: &Values, findings: &mut Findings) {
    let csi = &values.v_sphere_storage_controller_manager;
    if !csi.enabled {
        return;
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
