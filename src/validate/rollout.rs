//! A node pool's rollout settings: what CAPI would refuse (a count past its int32
//! fields) and what it would quietly do otherwise than the values say (a rolling update
//! that may neither add nor remove a machine, rolling-update settings under OnDelete).

use super::Findings;
use crate::schema::{IntOrPercent, NodePool, RolloutStrategy};

/// CAPI's MachineDeployment keeps these counts and seconds in int32 fields.
const INT32_MAX: u32 = i32::MAX as u32;

/// CAPI's defaults for a rolling update's bounds (its MachineDeployment webhook).
const CAPI_MAX_SURGE: IntOrPercent = IntOrPercent::Int(1);
const CAPI_MAX_UNAVAILABLE: IntOrPercent = IntOrPercent::Int(0);

pub(super) fn check_pool(index: usize, pool: &NodePool, findings: &mut Findings) {
    let at = |key: &str| format!("nodePools[{index}].rollout.{key}");
    let rollout = &pool.rollout;
    let bounds = [
        ("maxSurge", rollout.max_surge),
        ("maxUnavailable", rollout.max_unavailable),
    ];
    for (key, value) in bounds {
        if let Some(IntOrPercent::Int(n)) = value
            && n > INT32_MAX
        {
            findings.error(
                at(key),
                format!("{n} is more than CAPI's int32 field holds ({INT32_MAX})"),
            );
        }
    }
    let seconds = std::iter::once(("minReadySeconds", Some(rollout.min_ready_seconds)))
        .chain(rollout.node_timeouts());
    for (key, value) in seconds {
        if let Some(n) = value.filter(|n| *n > INT32_MAX) {
            findings.error(
                at(key),
                format!("{n} seconds is more than CAPI's int32 field holds ({INT32_MAX})"),
            );
        }
    }
    if rollout.strategy == RolloutStrategy::OnDelete {
        for (key, value) in bounds {
            if value.is_some() {
                findings.warning(
                    at(key),
                    "has no effect with strategy OnDelete, which replaces a machine only once you delete it: capkv leaves it out",
                );
            }
        }
        return;
    }
    if let Some(IntOrPercent::Percent(p)) = rollout.max_unavailable
        && p > 100
    {
        findings.error(
            at("maxUnavailable"),
            format!("{p}% of the pool's machines cannot be unavailable: at most 100%"),
        );
    }
    let surge = rollout.max_surge.unwrap_or(CAPI_MAX_SURGE);
    let unavailable = rollout.max_unavailable.unwrap_or(CAPI_MAX_UNAVAILABLE);
    if surge.is_zero() && unavailable.is_zero() {
        // Only a maxSurge of 0 can make both zero (CAPI's own maxSurge is 1): name the key
        // the user wrote, and CAPI's default when the other one is unset.
        let (key, unset) = match rollout.max_unavailable {
            None => ("maxSurge", " (maxUnavailable is unset: CAPI's 0)"),
            Some(_) => ("maxUnavailable", ""),
        };
        findings.error(
            at(key),
            format!(
                "maxSurge {surge} and maxUnavailable {unavailable}{unset}: a rolling update could neither add a machine nor take one down, and CAPI would then take one down anyway (as with maxUnavailable 1); allow one of them"
            ),
        );
    }
}
