//! Version skew the values can reveal: a pool's version the API server does not support,
//! and a node template built for another Kubernetes minor than the pool runs. The
//! machines run the kubelet baked into the template, whatever version the
//! MachineDeployment declares.

use super::{Findings, parse_version};
use crate::schema::{NodePool, Values};

/// How many minors a kubelet may be older than kube-apiserver (Kubernetes version skew
/// policy, kubernetes.io/releases/version-skew-policy, since 1.28); it may never be
/// newer.
const KUBELET_MAX_MINORS_BEHIND: u64 = 3;

pub(super) fn check_pool(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    let control_plane = &values.cluster.control_plane.version;
    let version = pool.kubernetes_version(control_plane);
    let whose = if pool.version.is_empty() {
        "cluster.controlPlane.version"
    } else {
        check_skew(index, &pool.version, control_plane, findings);
        "the pool's version"
    };
    let (Some(template), Some((major, minor, _))) =
        (pool.template.as_deref(), parse_version(version))
    else {
        return;
    };
    let Some(named) = kubernetes_minor_in(template) else {
        return;
    };
    if named != (major, minor) {
        findings.warning(
            format!("nodePools[{index}].template"),
            format!(
                "\"{template}\" names Kubernetes {}.{} but {whose} is {version}: the machines run the kubelet of their template, not the MachineDeployment's version; use a template built for {major}.{minor}",
                named.0, named.1
            ),
        );
    }
}

/// A pool's own version against the control plane's: the kubelet may lag the API
/// server by a few minors, never lead it.
fn check_skew(index: usize, version: &str, control_plane: &str, findings: &mut Findings) {
    let at = format!("nodePools[{index}].version");
    let Some(pool) = parse_version(version) else {
        findings.error(
            at,
            format!("\"{version}\" is not a Kubernetes version: expected vMAJOR.MINOR.PATCH, e.g. v1.33.2, or empty for the control plane's"),
        );
        return;
    };
    let Some(cp) = parse_version(control_plane) else {
        return;
    };
    if (pool.0, pool.1) > (cp.0, cp.1) {
        findings.error(
            at,
            format!("{version} is newer than cluster.controlPlane.version {control_plane}: a kubelet may not be newer than the API server; upgrade the control plane first"),
        );
    } else if pool.0 != cp.0 || cp.1 - pool.1 > KUBELET_MAX_MINORS_BEHIND {
        findings.error(
            at,
            format!("{version} is more than {KUBELET_MAX_MINORS_BEHIND} minors behind cluster.controlPlane.version {control_plane}: outside the kubelet's supported skew; upgrade the pool first"),
        );
    } else if pool > cp {
        findings.warning(
            at,
            format!("{version} is a newer patch than cluster.controlPlane.version {control_plane}: upgrade the control plane first"),
        );
    }
}

/// The first `v1.MINOR` in a template name (CAPV's image names look like
/// `ubuntu-2204-kube-v1.31.0`); a `v` inside a word (`dev1.2`) does not count, and
/// other majors are OS versions (`photon-v5.0-…`).
fn kubernetes_minor_in(name: &str) -> Option<(u64, u64)> {
    let bytes = name.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'v' && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()))
        .find_map(|i| {
            let rest = &name[i + 1..];
            let mut parts = rest.splitn(3, '.');
            let major: u64 = parts.next()?.parse().ok()?;
            let minor = digits(parts.next()?)?;
            (major == 1).then_some((major, minor))
        })
}

/// The leading digits of `s` as a number (`"31-nvidia"` → 31), or `None` if it has none.
fn digits(s: &str) -> Option<u64> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minors_in_template_names() {
        assert_eq!(
            kubernetes_minor_in("ubuntu-2204-kube-v1.31.0"),
            Some((1, 31))
        );
        assert_eq!(
            kubernetes_minor_in("ubuntu-2404-kube-v1.33.4-nvidia"),
            Some((1, 33))
        );
        assert_eq!(
            kubernetes_minor_in("photon-v5.0-kube-v1.30.2+vmware.1"),
            Some((1, 30))
        );
        assert_eq!(kubernetes_minor_in("v1.32"), Some((1, 32)));
        assert_eq!(kubernetes_minor_in("dev1.2-image"), None);
        assert_eq!(kubernetes_minor_in("ubuntu-22.04"), None);
        assert_eq!(kubernetes_minor_in("my-template"), None);
    }
}
