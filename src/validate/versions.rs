//! Version skew the values can reveal: a node template built for another Kubernetes
//! minor than the control plane. The machines run the kubelet baked into the template,
//! whatever version the MachineDeployment declares.

use super::{Findings, parse_version};
use crate::schema::{NodePool, Values};

pub(super) fn check_pool(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    let version = &values.cluster.control_plane.version;
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
                "\"{template}\" names Kubernetes {}.{} but cluster.controlPlane.version is {version}: the machines run the kubelet of their template, not the MachineDeployment's version; use a template built for {major}.{minor}",
                named.0, named.1
            ),
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
