//! The closed sets of the values: each is a type, so a wrong value is refused while the
//! values are typed ("expected one of …"), and the JSON Schema and the values docs list
//! the allowed values from the same definition.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A container image pull policy (Kubernetes `imagePullPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

/// The vSphere CSI driver's log level (`LOGGER_LEVEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Production,
    Development,
}

/// A StorageClass `reclaimPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ReclaimPolicy {
    Delete,
    Retain,
}

/// A StorageClass `volumeBindingMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum VolumeBindingMode {
    Immediate,
    WaitForFirstConsumer,
}

/// The Service type Kamaji exposes the tenant API server with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer,
}

/// The kubelet's cgroup driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CgroupDriver {
    Systemd,
    Cgroupfs,
}

/// A node address type (Kamaji's `kubelet.preferredAddressTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum AddressType {
    Hostname,
    InternalIP,
    ExternalIP,
    InternalDNS,
    ExternalDNS,
}

/// How a node pool replaces its machines (CAPI's MachineDeployment strategy type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RolloutStrategy {
    RollingUpdate,
    OnDelete,
}

/// Which machines a node pool deletes first when it scales down or rolls (CAPI's
/// deletion order, v1beta1's `deletePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DeletionOrder {
    Random,
    Newest,
    Oldest,
}
