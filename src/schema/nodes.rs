//! What every node of every pool gets, whatever its pool.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings of every node (every pool's KubeadmConfigTemplate).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Nodes {
    /// NTP servers the nodes keep their clocks with (cloud-init's `ntp`, through
    /// kubeadm's `ntp` field); empty: the template's own time configuration.
    pub ntp_servers: Vec<String>,
    /// PEM certificates the nodes trust besides the system's (a private registry's, a
    /// proxy's): written to /usr/local/share/ca-certificates and installed with
    /// update-ca-certificates before the node joins, so containerd and the kubelet
    /// trust them from the first image pull.
    pub trusted_ca_certificates: Vec<String>,
}
