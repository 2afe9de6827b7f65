//! Node pools as CAPI objects: required keys, names, scaling and the IPAM pool they
//! take addresses from. The virtual machine itself is checked in `vsphere`, the
//! template's Kubernetes version in `versions`.

use super::{Findings, is_dns1123_label};
use crate::node_labels::{self, NodeLabel};
use crate::schema::is_chart_hosts_command;
use crate::schema::{NodePool, Values};
use std::collections::HashMap;

/// Each pool is four objects or more: past this many the stream (about 20 MB) is no longer
/// something to review or apply in one go, and a runaway generator is stopped here
/// instead of by the machine's memory.
pub(super) const MAX_NODE_POOLS: usize = 5_000;

pub(super) fn check(values: &Values, findings: &mut Findings) {
    if values.node_pools.is_empty() {
        findings.error("nodePools", "at least one node pool is required");
    }
    if values.node_pools.len() > MAX_NODE_POOLS {
        findings.error(
            "nodePools",
            format!(
                "{} node pools: capkv renders at most {MAX_NODE_POOLS} (four objects or more each) in one stream; split the cluster's values",
                values.node_pools.len()
            ),
        );
        return;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, pool) in values.node_pools.iter().enumerate() {
        check_pool(values, index, pool, findings);
        super::vsphere::check_pool(values, index, pool, findings);
        super::versions::check_pool(values, index, pool, findings);
        super::health_check::check_pool(index, pool, findings);
        super::hardware::check_pool(values, index, pool, findings);
        super::rollout::check_pool(index, pool, findings);
        if let Some(name) = pool.name.as_deref()
            && let Some(first) = seen.insert(name, index)
        {
            findings.error(
                format!("nodePools[{index}].name"),
                format!("\"{name}\" is already the name of nodePools[{first}]; pool names must be unique"),
            );
        }
    }
}

fn check_pool(values: &Values, index: usize, pool: &NodePool, findings: &mut Findings) {
    let at = |key: &str| format!("nodePools[{index}].{key}");
    check_pre_kubeadm_commands(index, pool, findings);
    for label in node_labels::classify(&pool.labels) {
        if let NodeLabel::Refused(entry, why) = label {
            findings.error(at("labels"), format!("\"{entry}\": {why}"));
        }
    }
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
    if let Some(name) = pool.name.as_deref().filter(|n| !n.is_empty())
        && !is_dns1123_label(name)
    {
        findings.error(
            at("name"),
            format!("\"{name}\" is not a valid pool name: use lowercase letters, digits and '-', starting and ending with a letter or digit"),
        );
    }
    check_autoscaling(index, pool, findings);
    if pool.addresses_from_pools.enabled && !values.ipam_provider.enabled {
        findings.error(
            at("addressesFromPools.enabled"),
            "the pool takes addresses from the cluster's InClusterIPPool, but ipamProvider.enabled is false: enable the IPAM provider or set dhcp4: true and addressesFromPools.enabled: false",
        );
    }
}

fn check_autoscaling(index: usize, pool: &NodePool, findings: &mut Findings) {
    let at = |key: &str| format!("nodePools[{index}].{key}");
    let scaling = &pool.autoscaling;
    if !scaling.enabled {
        return;
    }
    let min = scaling.min_size.value();
    let max = scaling.max_size.value();
    for (key, bound) in [("autoscaling.minSize", min), ("autoscaling.maxSize", max)] {
        if bound.is_none_or(|n| n < 0) {
            findings.error(at(key), "expected a non-negative integer");
        }
    }
    let (Some(min), Some(max)) = (min, max) else {
        return;
    };
    if min > max {
        findings.error(
            at("autoscaling.minSize"),
            format!("minSize {min} is larger than maxSize {max}"),
        );
    } else if min >= 0 && !(min..=max).contains(&i64::from(pool.replicas)) {
        findings.warning(
            at("replicas"),
            format!(
                "{} is outside the autoscaling bounds [{min}, {max}] and has no effect: with autoscaling enabled capkv renders no replicas, so CAPI starts the pool at minSize {min} and the autoscaler keeps it within the bounds",
                pool.replicas
            ),
        );
    }
}

/// Chart values files (v0.2.8 and later) carry the chart's own /etc/hosts commands;
/// capkv writes /etc/hosts itself, so those are left out, and any other command that
/// replaces the file is a warning: it would drop the host name capkv put there.
fn check_pre_kubeadm_commands(index: usize, pool: &NodePool, findings: &mut Findings) {
    for (i, command) in pool.pre_kubeadm_commands.iter().enumerate() {
        let at = format!("nodePools[{index}].preKubeadmCommands[{i}]");
        if is_chart_hosts_command(command) {
            findings.warning(
                at,
                "one of the chart's default /etc/hosts commands: capkv sets the host name and writes /etc/hosts itself (with the host name, which this list would drop), so it is left out",
            );
        } else if replaces_etc_hosts(command) {
            findings.warning(
                at,
                "replaces /etc/hosts after capkv wrote the node's host name into it: kubeadm and the kubelet then cannot resolve the node's own name; append (>>) instead",
            );
        }
    }
}

/// `> /etc/hosts` (with or without spaces), not `>> /etc/hosts`.
fn replaces_etc_hosts(command: &str) -> bool {
    command.match_indices("/etc/hosts").any(|(at, _)| {
        let before = command[..at].trim_end();
        before.ends_with('>') && !before.ends_with(">>")
    })
}
