//! The Cluster Autoscaler's values: flags it would refuse at start-up, an image built
//! for another Kubernetes minor, and an autoscaler with nothing to scale.

use super::{Findings, parse_version};
use crate::schema::{Values, is_image_digest};

pub(super) fn check(values: &Values, findings: &mut Findings) {
    let autoscaler = &values.autoscaler;
    if !autoscaler.enabled {
        return;
    }
    if !values.node_pools.iter().any(|p| p.autoscaling.enabled) {
        findings.warning(
            "autoscaler.enabled",
            "no node pool has autoscaling.enabled: the autoscaler would scale nothing",
        );
    }
    for (key, value) in [
        (
            "scaleDownDelayAfterAdd",
            &autoscaler.scale_down_delay_after_add,
        ),
        (
            "scaleDownUnneededTime",
            &autoscaler.scale_down_unneeded_time,
        ),
        ("maxNodeProvisionTime", &autoscaler.max_node_provision_time),
    ] {
        if !is_go_duration(value) {
            findings.error(
                format!("autoscaler.{key}"),
                format!("\"{value}\" is not a duration the autoscaler reads: write e.g. 10m, 90s or 1h30m"),
            );
        }
    }
    let threshold = &autoscaler.scale_down_utilization_threshold;
    if !threshold.parse::<f64>().is_ok_and(|t| t > 0.0 && t <= 1.0) {
        findings.error(
            "autoscaler.scaleDownUtilizationThreshold",
            format!("\"{threshold}\" is not a fraction of a node's resources: write a number in (0, 1], e.g. 0.5"),
        );
    }
    for (i, arg) in autoscaler.extra_args.iter().enumerate() {
        if !arg.starts_with("--") {
            findings.error(
                format!("autoscaler.extraArgs[{i}]"),
                format!("\"{arg}\" is not a flag: write --name=value"),
            );
        }
    }
    let digest = &autoscaler.image.digest;
    if !digest.is_empty() && !is_image_digest(digest) {
        findings.error(
            "autoscaler.image.digest",
            format!(
                "\"{digest}\" is not an image digest: expected sha256: and 64 lower-case hex digits"
            ),
        );
    }
    for (i, cidr) in autoscaler.management_api_server_cidrs.iter().enumerate() {
        if super::ip::parse_cidr(cidr).is_none() {
            findings.error(
                format!("autoscaler.managementApiServerCidrs[{i}]"),
                format!("\"{cidr}\" is not a CIDR (e.g. 10.0.0.10/32)"),
            );
        }
    }
    let cluster = &values.cluster.control_plane.version;
    if let (Some(tag_version), Some((major, minor, _))) =
        (parse_version(&autoscaler.image.tag), parse_version(cluster))
        && (tag_version.0, tag_version.1) != (major, minor)
    {
        findings.warning(
            "autoscaler.image.tag",
            format!(
                "{} is the autoscaler for Kubernetes {}.{}, the cluster runs {cluster}: the autoscaler is released and tested per minor; use v{major}.{minor}.x or leave the tag empty",
                autoscaler.image.tag, tag_version.0, tag_version.1
            ),
        );
    }
}

/// Go's `time.ParseDuration` for what people write: one or more number-unit pairs
/// (`10m`, `1h30m`, `1.5h`), units ns us µs ms s m h.
fn is_go_duration(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let number = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number == 0 || rest[..number].parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[number..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(&rest[..unit], "ns" | "us" | "µs" | "ms" | "s" | "m" | "h") {
            return false;
        }
        rest = &rest[unit..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_go_duration;

    #[test]
    fn durations_as_go_reads_them() {
        for ok in ["10m", "90s", "1h30m", "1.5h", "500ms"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "10", "m", "10 m", "ten minutes", "1d", "-5m"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }
}
