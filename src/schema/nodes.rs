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
    /// trust them from the first image pull. Debian/Ubuntu images only: RHEL, Rocky
    /// Linux and AlmaLinux use update-ca-trust, and the CAs are not installed there.
    pub trusted_ca_certificates: Vec<String>,
    /// The HTTP(S) proxy containerd and the kubelet go through (systemd drop-ins).
    pub proxy: Proxy,
    /// Mirrors containerd pulls a registry's images from (hosts.toml in
    /// /etc/containerd/certs.d/<registry>/, read when containerd's CRI registry
    /// `config_path` points there, as in image-builder's images).
    pub registry_mirrors: Vec<RegistryMirror>,
}

/// A registry and the mirrors tried before it, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct RegistryMirror {
    /// The registry as images name it: `docker.io`, `registry.k8s.io`, `quay.io`.
    pub registry: String,
    /// Mirror URLs, e.g. `https://mirror.example.com` (with a path when the mirror
    /// serves the registry under one).
    pub mirrors: Vec<String>,
    /// PEM certificate of the mirrors' CA, when not publicly trusted.
    pub ca_certificate: String,
    /// Name of a Secret of type `kubernetes.io/basic-auth` (keys `username` and
    /// `password`) in the cluster's namespace with the mirrors' pull credentials. The
    /// KubeadmConfigTemplate only references it; CAPI's bootstrap provider copies it onto
    /// the node, where containerd 2 gets it as CRI registry credentials of each mirror
    /// host. Empty: the mirrors are pulled from anonymously.
    pub credentials_secret: String,
}

/// An HTTP(S) proxy for containerd and the kubelet. `NO_PROXY` is completed with
/// what must never go through it: localhost, the pod and service networks, the cluster
/// domain, the node network, the control plane address and vCenter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Proxy {
    /// Proxy for http:// URLs, e.g. `http://proxy.example.com:3128`.
    pub http_proxy: String,
    /// Proxy for https:// URLs (image pulls), e.g. `http://proxy.example.com:3128`.
    pub https_proxy: String,
    /// Further hosts, domains (`.example.com`) and CIDRs that bypass the proxy.
    pub no_proxy: Vec<String>,
}

impl Proxy {
    pub fn is_set(&self) -> bool {
        !(self.http_proxy.is_empty() && self.https_proxy.is_empty())
    }
}
