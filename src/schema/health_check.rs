//! A node pool's MachineHealthCheck: which machines Cluster API replaces, and when.

use super::IntOrPercent;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// When a pool's machines count as unhealthy and are replaced (a CAPI
/// MachineHealthCheck selecting exactly the pool's machines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthCheck {
    /// Replace the pool's machines that fail the checks below.
    pub enabled: bool,
    /// Seconds a new machine may take to become a Node before it is replaced (0: wait
    /// forever, else at least 30). Cloning and booting a large vSphere template can take longer than
    /// CAPI's default of 600.
    #[schemars(extend("not" = { "minimum": 1, "maximum": 29 }))]
    pub node_startup_timeout_seconds: u32,
    /// Node conditions that make a machine unhealthy once they have held for
    /// `timeoutSeconds`.
    pub unhealthy_node_conditions: Vec<UnhealthyNodeCondition>,
    /// Replace machines only while at most this many of the pool's machines are
    /// unhealthy: an integer or a percentage (`"40%"`). Beyond it a wider outage (vCenter,
    /// network) is assumed, and replacing machines would only add load.
    pub max_unhealthy: IntOrPercent,
    /// At most this many of the pool's machines are replaced at once: an integer or a
    /// percentage; empty: no limit (CAPI's default).
    pub max_in_flight: Option<IntOrPercent>,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            enabled: true,
            node_startup_timeout_seconds: 1200,
            unhealthy_node_conditions: vec![
                UnhealthyNodeCondition {
                    condition_type: "Ready".into(),
                    status: ConditionStatus::False,
                    timeout_seconds: 300,
                },
                UnhealthyNodeCondition {
                    condition_type: "Ready".into(),
                    status: ConditionStatus::Unknown,
                    timeout_seconds: 300,
                },
            ],
            max_unhealthy: IntOrPercent::Percent(40),
            max_in_flight: None,
        }
    }
}

/// A Node condition that makes its machine unhealthy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UnhealthyNodeCondition {
    /// The Node condition, e.g. `Ready`.
    #[serde(rename = "type")]
    #[schemars(length(min = 1))]
    pub condition_type: String,
    /// Its status: `"True"`, `"False"` or `"Unknown"`.
    pub status: ConditionStatus,
    /// Seconds the condition must hold before the machine is replaced.
    pub timeout_seconds: u32,
}

/// A Kubernetes condition status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

/// YAML 1.1 reads an unquoted `status: False` as a boolean: it can only mean the
/// condition status, so booleans are read as `"True"`/`"False"`.
impl<'de> Deserialize<'de> for ConditionStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ConditionStatus;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("one of \"True\", \"False\", \"Unknown\"")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ConditionStatus, E> {
                Ok(if v {
                    ConditionStatus::True
                } else {
                    ConditionStatus::False
                })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ConditionStatus, E> {
                match v {
                    "True" => Ok(ConditionStatus::True),
                    "False" => Ok(ConditionStatus::False),
                    "Unknown" => Ok(ConditionStatus::Unknown),
                    _ => Err(E::unknown_variant(v, &["True", "False", "Unknown"])),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
