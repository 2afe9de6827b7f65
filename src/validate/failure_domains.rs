//! Failure domains and the pools placed in them. CAPV places a machine whose
//! MachineDeployment names a failure domain with that domain's VSphereDeploymentZone;
//! a name without a zone is logged and ignored (pkg/services/vimmachine.go,
//! generateOverrideFunc), so the machines land wherever the template says.

use super::{Findings, is_dns1123_label};
use crate::schema::{FailureDomain, NodePool, TopologyObjectType, Values};
use std::collections::HashMap;

pub(super) fn check(values: &Values, findings: &mut Findings) {
    let domains = &values.failure_domains;
    if !domains.is_empty() {
        let topology = &values.v_sphere_cloud_controller_manager.topology;
        for (key, category) in [("region", &topology.region), ("zone", &topology.zone)] {
            if category.is_empty() {
                findings.error(
                    format!("vSphereCloudControllerManager.topology.{key}"),
                    format!("failureDomains need the vSphere tag category of their {key} tags (the CPI labels nodes from the same tags)"),
                );
            }
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, domain) in domains.iter().enumerate() {
        check_domain(index, domain, findings);
        if let Some(first) = seen.insert(&domain.name, index) {
            findings.error(
                format!("failureDomains[{index}].name"),
                format!(
                    "\"{}\" is already the name of failureDomains[{first}]",
                    domain.name
                ),
            );
        }
    }
    for (index, pool) in values.node_pools.iter().enumerate() {
        check_pool(index, pool, domains, findings);
    }
}

fn check_domain(index: usize, domain: &FailureDomain, findings: &mut Findings) {
    let at = |key: &str| format!("failureDomains[{index}].{key}");
    if !is_dns1123_label(&domain.name) {
        findings.error(
            at("name"),
            format!(
                "\"{}\" must be a DNS-1123 label: it is part of object names",
                domain.name
            ),
        );
    }
    for (key, value) in [("region", &domain.region), ("zone", &domain.zone)] {
        if value.is_empty() {
            findings.error(at(key), "required: the name of the vSphere tag");
        }
    }
    let tagged = [domain.region_type, domain.zone_type];
    if tagged.contains(&TopologyObjectType::ComputeCluster) && domain.compute_cluster.is_empty() {
        findings.error(
            at("computeCluster"),
            "required when the region or zone tag is on a compute cluster (regionType/zoneType ComputeCluster)",
        );
    }
    if tagged.contains(&TopologyObjectType::HostGroup) && domain.hosts.is_none() {
        findings.error(
            at("hosts"),
            "required when the region or zone tag is on a host group (regionType/zoneType HostGroup): the VM group and the host group it is kept on",
        );
    }
}

fn check_pool(index: usize, pool: &NodePool, domains: &[FailureDomain], findings: &mut Findings) {
    let at = |key: &str| format!("nodePools[{index}].{key}");
    if !pool.failure_domain.is_empty() && !pool.failure_domains.is_empty() {
        findings.error(
            at("failureDomains"),
            "set failureDomain (one domain) or failureDomains (spread over several), not both",
        );
        return;
    }
    let spread = pool.failure_domains.len();
    if pool.autoscaling.enabled
        && spread > 1
        && let Some(max) = pool.autoscaling.max_size.value()
        && usize::try_from(max).is_ok_and(|max| max < spread)
    {
        findings.warning(
            at("autoscaling.maxSize"),
            format!("{max} split over {spread} failure domains leaves some MachineDeployments a maximum of 0, and the autoscaler skips a node group that cannot grow: set maxSize to at least {spread}"),
        );
    }
    let named: Vec<(String, &str)> = if pool.failure_domain.is_empty() {
        pool.failure_domains
            .iter()
            .enumerate()
            .map(|(i, name)| (at(&format!("failureDomains[{i}]")), name.as_str()))
            .collect()
    } else {
        vec![(at("failureDomain"), pool.failure_domain.as_str())]
    };
    let mut seen = Vec::new();
    for (path, name) in named {
        if seen.contains(&name) {
            findings.error(path, format!("\"{name}\" is listed twice"));
            continue;
        }
        seen.push(name);
        let Some(domain) = domains.iter().find(|d| d.name == name) else {
            findings.error(
                path,
                format!("\"{name}\" is not in failureDomains: CAPV would ignore it and place the machines as if no domain were set"),
            );
            continue;
        };
        if !domain.datastore.is_empty()
            && pool
                .data_store
                .as_deref()
                .is_some_and(|ds| ds != domain.datastore)
        {
            findings.warning(
                at("dataStore"),
                format!(
                    "{:?}: the machines in failure domain \"{name}\" use its datastore \"{}\" instead",
                    pool.data_store.as_deref().unwrap_or_default(),
                    domain.datastore
                ),
            );
        }
        if let Some(network) = domain.networks.first()
            && pool.network.as_deref().is_some_and(|n| n != network)
        {
            findings.warning(
                at("network"),
                format!(
                    "{:?}: the machines in failure domain \"{name}\" use its network \"{network}\" instead",
                    pool.network.as_deref().unwrap_or_default()
                ),
            );
        }
    }
}
