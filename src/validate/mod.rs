//! Semantic checks of typed values: what the types alone cannot say, and what the
//! management cluster would otherwise reject minutes later.

mod controllers;

use crate::schema::{NodePool, Values};
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub path: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}: {}", self.path, self.message)
    }
}

#[derive(Debug, Default)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Error,
            path: path.into(),
            message: message.into(),
        });
    }

    fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Warning,
            path: path.into(),
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.0.iter().filter(|f| f.severity == Severity::Error)
    }
}

/// Label values (and so every name CAPI copies into one) are limited to 63 characters.
const LABEL_VALUE_MAX: usize = 63;

pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= LABEL_VALUE_MAX
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The cluster name: `cluster.name`, else the NAME argument (Helm's release name).
pub fn cluster_name<'a>(values: &'a Values, arg: Option<&'a str>) -> Result<&'a str, Finding> {
    let name = Some(values.cluster.name.as_str())
        .filter(|n| !n.is_empty())
        .or(arg.filter(|n| !n.is_empty()));
    let Some(name) = name else {
        return Err(Finding {
            severity: Severity::Error,
            path: "cluster.name".into(),
            message:
                "no cluster name: set cluster.name in the values or pass NAME (capkv render NAME)"
                    .into(),
        });
    };
    if !is_dns1123_label(name) {
        return Err(Finding {
            severity: Severity::Error,
            path: "cluster.name".into(),
            message: format!(
                "\"{name}\" is not a valid cluster name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
            ),
        });
    }
    Ok(name)
}

/// `vMAJOR.MINOR.PATCH` → (major, minor, patch).
pub fn parse_version(version: &str) -> Option<(u64, u64, u64)> {
    let mut parts = version.strip_prefix('v')?.splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?;
    let patch_digits = patch.split(['-', '+']).next()?;
    Some((major, minor, patch_digits.parse().ok()?))
}

/// Every check: errors (`render` refuses to print past them) and warnings.
pub fn check(values: &Values, cluster: &str, namespace: &str) -> Findings {
    let mut findings = Findings::default();
    check_control_plane(values, &mut findings);
    controllers::check(values, cluster, namespace, &mut findings);
    let mut seen: HashMap<&str, usize> = HashMap::new();
    if values.node_pools.is_empty() {
        findings.error("nodePools", "at least one node pool is required");
    }
    for (index, pool) in values.node_pools.iter().enumerate() {
        check_pool(values, cluster, index, pool, &mut findings);
        if let Some(name) = pool.name.as_deref()
            && let Some(first) = seen.insert(name, index)
        {
            findings.error(
                format!("nodePools[{index}].name"),
                format!("\"{name}\" is already the name of nodePools[{first}]; pool names must be unique"),
            );
        }
    }
    findings
}

fn check_control_plane(values: &Values, findings: &mut Findings) {
    let cp = &values.cluster.control_plane;
    match parse_version(&cp.version) {
        None => findings.error(
            "cluster.controlPlane.version",
            format!(
                "\"{}\" is not a Kubernetes version: expected vMAJOR.MINOR.PATCH, e.g. v1.33.2",
                cp.version
            ),
        ),
        Some((major, minor, _)) if (major, minor) >= (1, 33) => {
            if let Some(i) = cp
                .api_server
                .extra_args
                .iter()
                .position(|a| a.starts_with("--cloud-provider"))
            {
                findings.error(
                    format!("cluster.controlPlane.apiServer.extraArgs[{i}]"),
                    format!(
                        "kube-apiserver {} has no {} flag (removed in Kubernetes 1.33) and would not start: remove it (set cluster.controlPlane.apiServer.extraArgs: []); controllerManager keeps --cloud-provider=external",
                        cp.version, cp.api_server.extra_args[i]
                    ),
                );
            }
        }
        Some(_) => {}
    }
}

fn check_pool(
    values: &Values,
    cluster: &str,
    index: usize,
    pool: &NodePool,
    findings: &mut Findings,
) {
    let at = |key: &str| format!("nodePools[{index}].{key}");
    for (key, value) in [
        ("name", &pool.name),
        ("template", &pool.template),
        ("dataStore", &pool.data_store),
        ("network", &pool.network),
    ] {
        if value.as_deref().is_none_or(str::is_empty) {
            findings.error(at(key), "required: every node pool must set it");
        }
    }
    if let Some(name) = pool.name.as_deref().filter(|n| !n.is_empty()) {
        if is_dns1123_label(name) {
            let deployment = format!("{cluster}-{name}-md");
            if deployment.len() > LABEL_VALUE_MAX {
                findings.error(
                    at("name"),
                    format!(
                        "MachineDeployment name \"{deployment}\" is {} characters; CAPI copies it into a label value (at most {LABEL_VALUE_MAX}): shorten cluster.name or nodePools[{index}].name",
                        deployment.len()
                    ),
                );
            }
        } else {
            findings.error(
                at("name"),
                format!("\"{name}\" is not a valid pool name: use lowercase letters, digits and '-', starting and ending with a letter or digit"),
            );
        }
    }
    let scaling = &pool.autoscaling;
    if scaling.enabled {
        let min = scaling.min_size.value();
        let max = scaling.max_size.value();
        for (key, bound) in [("autoscaling.minSize", min), ("autoscaling.maxSize", max)] {
            if bound.is_none_or(|n| n < 0) {
                findings.error(at(key), "expected a non-negative integer");
            }
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            findings.error(
                at("autoscaling.minSize"),
                format!("minSize {min} is larger than maxSize {max}"),
            );
        }
    }
    if pool.addresses_from_pools.enabled && !values.ipam_provider.enabled {
        findings.error(
            at("addressesFromPools.enabled"),
            "the pool takes addresses from the cluster's InClusterIPPool, but ipamProvider.enabled is false: enable the IPAM provider or set dhcp4: true and addressesFromPools.enabled: false",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns1123_label("my-cluster-1"));
        assert!(!is_dns1123_label("My-cluster"));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("v1.33.2"), Some((1, 33, 2)));
        assert_eq!(parse_version("1.33.2"), None);
        assert_eq!(parse_version("v1.33"), None);
    }

    #[test]
    fn cloud_provider_flag_rejected_from_1_33() {
        let mut values = Values::default();
        values.cluster.control_plane.version = "v1.33.0".into();
        let findings = check(&values, "c", "default");
        assert!(
            findings
                .errors()
                .any(|f| f.path == "cluster.controlPlane.apiServer.extraArgs[0]")
        );
        values.cluster.control_plane.version = "v1.32.4".into();
        assert!(!check(&values, "c", "default").has_errors());
    }
}
