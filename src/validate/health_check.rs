//! A pool's MachineHealthCheck: values CAPI's webhook refuses
//! (core/webhooks/admission/machinehealthcheck.go) and values that leave remediation
//! doing nothing, or doing harm.

use super::Findings;
use crate::schema::{IntOrPercent, NodePool};

/// CAPI refuses a node start-up timeout under 30 seconds (0 turns the check off).
const MIN_NODE_STARTUP_TIMEOUT_SECONDS: u32 = 30;

pub(super) fn check_pool(index: usize, pool: &NodePool, findings: &mut Findings) {
    let check = &pool.health_check;
    if !check.enabled {
        return;
    }
    let at = |key: &str| format!("nodePools[{index}].healthCheck.{key}");
    let startup = check.node_startup_timeout_seconds;
    if startup != 0 && startup < MIN_NODE_STARTUP_TIMEOUT_SECONDS {
        findings.error(
            at("nodeStartupTimeoutSeconds"),
            format!("{startup}: CAPI refuses a timeout under {MIN_NODE_STARTUP_TIMEOUT_SECONDS} seconds (0 waits forever)"),
        );
    }
    if startup == 0 && check.unhealthy_node_conditions.is_empty() {
        findings.warning(
            at("unhealthyNodeConditions"),
            "no condition and no start-up timeout: the health check never finds a machine unhealthy; set enabled: false instead",
        );
    }
    for (i, condition) in check.unhealthy_node_conditions.iter().enumerate() {
        let at = at(&format!("unhealthyNodeConditions[{i}]"));
        if condition.condition_type.trim().is_empty() {
            findings.error(
                format!("{at}.type"),
                "a Node condition type is required (e.g. Ready)",
            );
        }
        if condition.timeout_seconds == 0 {
            findings.warning(
                format!("{at}.timeoutSeconds"),
                "0: a Node that is not Ready for a moment (a kubelet restart) is replaced at once; allow a few minutes",
            );
        }
    }
    if check.max_unhealthy.is_zero() {
        findings.warning(
            at("maxUnhealthy"),
            "0: remediation is allowed only while no machine is unhealthy, so no machine is ever replaced",
        );
    }
    if check.max_in_flight.is_some_and(IntOrPercent::is_zero) {
        findings.warning(
            at("maxInFlight"),
            "0: no unhealthy machine is ever replaced",
        );
    }
}
