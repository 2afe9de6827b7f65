//! Semantic checks of typed values: what the types alone cannot say, and what the
//! management cluster would otherwise reject minutes later. One module per concern;
//! `check` runs them all. Errors stop `render`; warnings are shown by `capkv lint`.

mod autoscaler;
mod control_plane;
mod control_plane_knobs;
mod controllers;
mod failure_domains;
mod hardening;
mod hardware;
mod health_check;
mod ip;
mod ipam;
mod names;
mod nodes;
mod pools;
mod rollout;
mod versions;
mod vsphere;

pub use crate::names::is_dns1123_label;
use crate::object_names::ClusterNames;
use crate::schema::Values;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The values path (`nodePools[1].memoryMiB`), or the flag (`--namespace`).
    pub path: String,
    pub message: String,
    /// The layer the value came from (a file, `--set flags`), when known; filled in by
    /// the caller, which has the merged layers.
    pub origin: Option<String>,
}

impl Finding {
    fn new(severity: Severity, path: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity,
            path: path.into(),
            message: message.into(),
            origin: None,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}: {}", self.path, self.message)?;
        match &self.origin {
            Some(origin) => write!(f, " (from {origin})"),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Default)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding::new(Severity::Error, path, message));
    }

    fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding::new(Severity::Warning, path, message));
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.0.iter().filter(|f| f.severity == Severity::Error)
    }
}

/// The cluster name: `cluster.name`, else the NAME argument (Helm's release name).
pub fn cluster_name<'a>(values: &'a Values, arg: Option<&'a str>) -> Result<&'a str, Finding> {
    let name = Some(values.cluster.name.as_str())
        .filter(|n| !n.is_empty())
        .or(arg.filter(|n| !n.is_empty()));
    let Some(name) = name else {
        return Err(Finding::new(
            Severity::Error,
            "cluster.name",
            "no cluster name: set cluster.name in the values or pass NAME (capkv render NAME)",
        ));
    };
    if !is_dns1123_label(name) {
        return Err(Finding::new(
            Severity::Error,
            "cluster.name",
            format!(
                "\"{name}\" is not a valid cluster name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
            ),
        ));
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
    let names = ClusterNames::new(values, cluster, namespace, &[]);
    control_plane::check(values, &mut findings);
    hardening::check(values, &mut findings);
    control_plane_knobs::check(values, &mut findings);
    controllers::check(values, &names, &mut findings);
    vsphere::check(values, &mut findings);
    ipam::check(values, &mut findings);
    hardware::check_ip_pools(values, &mut findings);
    pools::check(values, &mut findings);
    failure_domains::check(values, &mut findings);
    autoscaler::check(values, &mut findings);
    nodes::check(values, &mut findings);
    names::check(values, cluster, namespace, &mut findings);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

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
