//! The KamajiControlPlane settings Kamaji checks late (its TenantControlPlane CRD and
//! webhook run when the provider creates the TenantControlPlane, minutes after the
//! apply) or that kube-apiserver refuses at start: admission plugins, the advertised
//! address, the LoadBalancer settings, the Ingress and the datastore overrides.

use super::ip::parse_cidr;
use super::{Findings, parse_version};
use crate::schema::{ServiceType, Values};
use std::collections::HashSet;

const CP: &str = "cluster.controlPlane";

/// The admission plugins the KamajiControlPlane CRD accepts (the same list in v1alpha1
/// and v1alpha2: `spec.admissionControllers.items.enum`).
const ADMISSION_PLUGINS: [&str; 37] = [
    "AlwaysAdmit",
    "AlwaysDeny",
    "AlwaysPullImages",
    "CertificateApproval",
    "CertificateSigning",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "DenyEscalatingExec",
    "DenyExecOnPrivileged",
    "DenyServiceExternalIPs",
    "EventRateLimit",
    "ExtendedResourceToleration",
    "ImagePolicyWebhook",
    "LimitPodHardAntiAffinityTopology",
    "LimitRanger",
    "MutatingAdmissionWebhook",
    "NamespaceAutoProvision",
    "NamespaceExists",
    "NamespaceLifecycle",
    "NodeRestriction",
    "OwnerReferencesPermissionEnforcement",
    "PersistentVolumeClaimResize",
    "PersistentVolumeLabel",
    "PodNodeSelector",
    "PodSecurity",
    "PodSecurityPolicy",
    "PodTolerationRestriction",
    "Priority",
    "ResourceQuota",
    "RuntimeClass",
    "SecurityContextDeny",
    "ServiceAccount",
    "StorageObjectInUseProtection",
    "TaintNodesByCondition",
    "ValidatingAdmissionWebhook",
];

/// Kamaji's list when none is given (clastix/kamaji
/// `api/v1alpha1/tenantcontrolplane_types.go:136`); a list replaces it whole.
const KAMAJI_DEFAULT_PLUGINS: [&str; 17] = [
    "CertificateApproval",
    "CertificateSigning",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "LimitRanger",
    "MutatingAdmissionWebhook",
    "NamespaceLifecycle",
    "PersistentVolumeClaimResize",
    "Priority",
    "ResourceQuota",
    "RuntimeClass",
    "ServiceAccount",
    "StorageObjectInUseProtection",
    "TaintNodesByCondition",
    "ValidatingAdmissionWebhook",
];

/// Plugins kube-apiserver no longer has, from the minor that removed them: it does not
/// start with an unknown plugin. PersistentVolumeLabel went with the in-tree cloud
/// providers (kubernetes/kubernetes#124505, Kubernetes 1.31).
const REMOVED_PLUGINS: [(&str, u64, u64); 5] = [
    ("PodSecurityPolicy", 1, 25),
    ("SecurityContextDeny", 1, 30),
    ("PersistentVolumeLabel", 1, 31),
    ("DenyEscalatingExec", 1, 21),
    ("DenyExecOnPrivileged", 1, 21),
];

/// kube-apiserver flags Kamaji sets itself and drops from `extraArgs` without a word
/// (clastix/kamaji `internal/builders/controlplane/deployment.go:709-747`, the
/// `managed` map; `mergeAPIServerArgs`, `:760-771`), with where their value comes from:
/// a values key, or Kamaji's own certificates and datastore. Of the `--etcd-*` flags
/// only `--etcd-servers` is managed with every datastore driver (the others only with
/// etcd, and capkv does not know the DataStore's driver).
const KAMAJI_MANAGED_FLAGS: [(&str, &str); 18] = [
    (
        "--enable-admission-plugins",
        "set cluster.controlPlane.admissionControllers instead",
    ),
    (
        "--advertise-address",
        "set cluster.controlPlane.network.advertiseAddress instead",
    ),
    (
        "--kubelet-preferred-address-types",
        "set cluster.controlPlane.kubelet.preferredAddressTypes instead",
    ),
    // The provider copies the Cluster's clusterNetwork onto the TenantControlPlane
    // (cluster-api-control-plane-provider-kamaji
    // `controllers/kamajicontrolplane_controller_tcp.go:67-72`).
    (
        "--service-cluster-ip-range",
        "set cluster.clusterNetwork.services.cidrBlocks instead",
    ),
    (
        "--secure-port",
        "set cluster.clusterNetwork.apiServerPort instead",
    ),
    (
        "--etcd-servers-overrides",
        "set cluster.controlPlane.dataStoreOverrides instead",
    ),
    ("--client-ca-file", KAMAJI_PKI),
    ("--kubelet-client-certificate", KAMAJI_PKI),
    ("--kubelet-client-key", KAMAJI_PKI),
    ("--proxy-client-cert-file", KAMAJI_PKI),
    ("--proxy-client-key-file", KAMAJI_PKI),
    ("--requestheader-allowed-names", KAMAJI_PKI),
    ("--requestheader-client-ca-file", KAMAJI_PKI),
    ("--service-account-key-file", KAMAJI_PKI),
    ("--service-account-signing-key-file", KAMAJI_PKI),
    ("--tls-cert-file", KAMAJI_PKI),
    ("--tls-private-key-file", KAMAJI_PKI),
    ("--etcd-servers", KAMAJI_DATASTORE),
];
const KAMAJI_PKI: &str = "Kamaji points it at the certificates it issues for the control plane";
const KAMAJI_DATASTORE: &str =
    "Kamaji points it at the DataStore of cluster.controlPlane.dataStoreName";
pub(super) fn check(values: &Values, findings: &mut Findings) {
    check_managed_flags(values, findings);
    check_admission(values, findings);
    check_network(values, findings);
    check_data_store_overrides(values, findings);
}

fn check_managed_flags(values: &Values, findings: &mut Findings) {
    let args = &values.cluster.control_plane.api_server.extra_args;
    for (index, arg) in args.iter().enumerate() {
        let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
        if let Some((flag, source)) = KAMAJI_MANAGED_FLAGS.iter().find(|(flag, _)| *flag == name) {
            findings.error(
                format!("{CP}.apiServer.extraArgs[{index}]"),
                format!("Kamaji sets {flag} itself and drops this one: {source}"),
            );
        }
    }
}

fn check_admission(values: &Values, findings: &mut Findings) {
    let cp = &values.cluster.control_plane;
    let plugins = &cp.admission_controllers;
    if plugins.is_empty() {
        return;
    }
    let version = parse_version(&cp.version).map(|(major, minor, _)| (major, minor));
    let mut seen = HashSet::new();
    for (index, plugin) in plugins.iter().enumerate() {
        let at = format!("{CP}.admissionControllers[{index}]");
        if !ADMISSION_PLUGINS.contains(&plugin.as_str()) {
            findings.error(
                at,
                format!(
                    "\"{plugin}\" is not an admission plugin the KamajiControlPlane takes: one of {}",
                    ADMISSION_PLUGINS.join(", ")
                ),
            );
            continue;
        }
        if !seen.insert(plugin) {
            findings.error(at, format!("\"{plugin}\" is listed twice"));
            continue;
        }
        if let Some((_, major, minor)) = REMOVED_PLUGINS
            .iter()
            .find(|(name, major, minor)| *name == plugin && version >= Some((*major, *minor)))
        {
            findings.error(
                at,
                format!(
                    "kube-apiserver {} has no {plugin} plugin (removed in Kubernetes {major}.{minor}) and would not start",
                    cp.version
                ),
            );
        }
    }
    let dropped: Vec<&str> = KAMAJI_DEFAULT_PLUGINS
        .into_iter()
        .filter(|p| !plugins.iter().any(|given| given == p))
        .collect();
    if !dropped.is_empty() {
        findings.warning(
            format!("{CP}.admissionControllers"),
            format!(
                "the list replaces Kamaji's default, so these plugins are off: {}",
                dropped.join(", ")
            ),
        );
    }
}

fn check_network(values: &Values, findings: &mut Findings) {
    let network = &values.cluster.control_plane.network;
    let at = format!("{CP}.network");
    // The TenantControlPlane's CEL rule `self == '' || isIP(self)` (clastix/kamaji
    // api/v1alpha1/tenantcontrolplane_types.go:44): kube-apiserver's
    // --advertise-address and the tenant's `kubernetes` Endpoints take only an IP.
    if !network.advertise_address.is_empty()
        && network
            .advertise_address
            .parse::<std::net::IpAddr>()
            .is_err()
    {
        findings.error(
            format!("{at}.advertiseAddress"),
            format!(
                "\"{}\" is not an IP address: Kamaji takes only an IP here; put a host name into {at}.certSANs",
                network.advertise_address
            ),
        );
    }
    let lb = &network.load_balancer_config;
    let is_lb = network.service_type == ServiceType::LoadBalancer;
    for (key, set) in [
        ("loadBalancerClass", !lb.load_balancer_class.is_empty()),
        (
            "loadBalancerSourceRanges",
            !lb.load_balancer_source_ranges.is_empty(),
        ),
    ] {
        // The KamajiControlPlane CRD's CEL rules on spec.network.
        if set && !is_lb {
            findings.error(
                format!("{at}.loadBalancerConfig.{key}"),
                format!("needs {at}.serviceType LoadBalancer"),
            );
        }
    }
    for (index, range) in lb.load_balancer_source_ranges.iter().enumerate() {
        if parse_cidr(range).is_none() {
            findings.error(
                format!("{at}.loadBalancerConfig.loadBalancerSourceRanges[{index}]"),
                format!("\"{range}\" is not a CIDR (e.g. 203.0.113.0/24)"),
            );
        }
    }
    if let Some(ingress) = &network.ingress {
        let host = ingress
            .hostname
            .rsplit_once(':')
            .map_or(ingress.hostname.as_str(), |(host, _)| host);
        if !crate::names::is_dns1123_subdomain(host) {
            findings.error(
                format!("{at}.ingress.hostname"),
                format!(
                    "\"{}\" is not a host name (HOST or HOST:PORT)",
                    ingress.hostname
                ),
            );
        }
    }
}

/// kube-apiserver reads each entry as `group/resource#servers` (clastix/kamaji
/// `internal/builders/controlplane/deployment.go:834`) and keeps the last entry of a
/// resource listed twice (kubernetes apiserver `pkg/server/options/etcd.go`
/// ParseEtcdServersOverrides has no duplicate check; `pkg/server/storage/storage_factory.go`
/// SetEtcdLocation overwrites). Kamaji's webhook refuses the repeat only for a
/// TenantControlPlane without `dataStore` (`internal/webhook/handlers/tcp_datastore.go:25-33,65-75`),
/// and capkv always sets `dataStoreName`.
fn check_data_store_overrides(values: &Values, findings: &mut Findings) {
    let overrides = &values.cluster.control_plane.data_store_overrides;
    let mut seen = HashSet::new();
    for (index, entry) in overrides.iter().enumerate() {
        let at = format!("{CP}.dataStoreOverrides[{index}]");
        let valid = entry
            .resource
            .split_once('/')
            .is_some_and(|(group, resource)| {
                !resource.is_empty()
                    && !resource.contains(['/', '#', ',', ';'])
                    && !group.contains(['#', ',', ';'])
            });
        if !valid {
            findings.error(
                format!("{at}.resource"),
                format!(
                    "\"{}\" is not group/resource: the core group is empty, e.g. /events",
                    entry.resource
                ),
            );
        } else if !seen.insert(entry.resource.as_str()) {
            findings.error(
                format!("{at}.resource"),
                format!(
                    "\"{}\" is overridden twice: kube-apiserver keeps only the last DataStore for it",
                    entry.resource
                ),
            );
        }
        if entry.data_store.is_empty() {
            findings.error(
                format!("{at}.dataStore"),
                "required: the Kamaji DataStore that keeps the resource",
            );
        }
    }
}
