//! The configuration files capkv writes: the CPI's `vsphere.conf` (YAML), the CSI
//! driver's `csi-vsphere.conf` (INI, read by Go's gcfg) and the nodes' proxy drop-in
//! for systemd.
//!
//! Both are built from data, never by pasting strings into a template: the YAML one is
//! emitted by the YAML layer, and the INI one quotes and escapes every value, so a
//! password with `"`, `\`, `#`, `;`, `]` or `: ` arrives byte-exact and can never add
//! a key or a section.

use crate::http_url::HttpUrl;
use crate::ini::{ini_quote, ini_unsafe};
use crate::schema::{CSI_CLUSTER_DISTRIBUTION, Values};
use crate::yaml;
use serde_json::{Map, Value, json};

/// `vsphere.conf` for the cloud controller manager (its YAML format: `insecureFlag`
/// in camelCase, vCenters keyed by server, credentials inline so that the CPI never
/// looks for a Secret in the workload cluster).
pub(crate) fn cpi_vsphere_conf(values: &Values) -> String {
    let vs = &values.v_sphere;
    let cpi = &values.v_sphere_cloud_controller_manager;
    let mut global = Map::new();
    global.insert("port".into(), json!(vs.port));
    global.insert("insecureFlag".into(), json!(vs.insecure));
    if !vs.tls_thumbprint.is_empty() {
        global.insert("thumbprint".into(), json!(vs.tls_thumbprint));
    }
    // cloud-provider-vsphere `pkg/common/config/config_yaml.go:176-178`: a vCenter
    // without its own caFile takes the global one.
    if !vs.effective_ca_file().is_empty() {
        global.insert("caFile".into(), json!(vs.effective_ca_file()));
    }
    let mut vcenter = Map::new();
    vcenter.insert(
        vs.server.clone(),
        json!({
            "server": vs.server,
            "user": cpi.username,
            "password": cpi.password,
            "datacenters": [vs.data_center],
        }),
    );
    let mut conf = Map::new();
    conf.insert("global".into(), Value::Object(global));
    conf.insert("vcenter".into(), Value::Object(vcenter));
    let topology = &cpi.topology;
    if !topology.region.is_empty() || !topology.zone.is_empty() {
        let mut labels = Map::new();
        if !topology.region.is_empty() {
            labels.insert("region".into(), json!(topology.region));
        }
        if !topology.zone.is_empty() {
            labels.insert("zone".into(), json!(topology.zone));
        }
        conf.insert("labels".into(), Value::Object(labels));
    }
    yaml::emit(&Value::Object(conf))
}

/// `csi-vsphere.conf`. Values must have passed [`ini_unsafe`] (validation checks them
/// before rendering); a value that still cannot be carried is refused here.
pub(crate) fn csi_vsphere_conf(values: &Values, cluster_id: &str) -> Result<String, &'static str> {
    let vs = &values.v_sphere;
    let csi = &values.v_sphere_storage_controller_manager;
    for value in [
        &vs.server,
        &vs.data_center,
        &vs.tls_thumbprint,
        &vs.ca_file,
        &csi.username,
        &csi.password,
    ] {
        if let Some(reason) = ini_unsafe(value) {
            return Err(reason);
        }
    }
    let mut out = String::from("[Global]\n");
    out.push_str(&format!("cluster-id = {}\n", ini_quote(cluster_id)));
    // The syncer calls rest.InClusterConfig() when this is empty, which a pod on the
    // management cluster without a token cannot satisfy (vsphere-csi-driver v3.7.3
    // cmd/syncer/main.go:319-324). The value is what it would detect for a vanilla
    // cluster (:351, :362), and what CNS records for the cluster's volumes.
    out.push_str(&format!(
        "cluster-distribution = {}\n",
        ini_quote(CSI_CLUSTER_DISTRIBUTION)
    ));
    out.push_str(&format!("insecure-flag = {}\n", vs.insecure));
    if !vs.tls_thumbprint.is_empty() {
        out.push_str(&format!("thumbprint = {}\n", ini_quote(&vs.tls_thumbprint)));
    }
    // With a single vCenter the driver reads only the [Global] ca-file
    // (pkg/common/cns-lib/vsphere/utils.go:188-195).
    if !vs.effective_ca_file().is_empty() {
        out.push_str(&format!(
            "ca-file = {}\n",
            ini_quote(vs.effective_ca_file())
        ));
    }
    out.push_str(&format!("\n[VirtualCenter {}]\n", ini_quote(&vs.server)));
    out.push_str(&format!("user = {}\n", ini_quote(&csi.username)));
    out.push_str(&format!("password = {}\n", ini_quote(&csi.password)));
    out.push_str(&format!("port = {}\n", ini_quote(&vs.port.to_string())));
    out.push_str(&format!("datacenters = {}\n", ini_quote(&vs.data_center)));
    Ok(out)
}

/// The `[Service]` drop-in that gives containerd and the kubelet the proxy, or `None`
/// without one. Values are quoted for systemd (`\\`, `"`, and `%`, which systemd
/// reads as a specifier); validation refuses line breaks.
pub(crate) fn proxy_drop_in(values: &Values) -> Option<String> {
    let proxy = &values.nodes.proxy;
    if !proxy.is_set() {
        return None;
    }
    let quote = |text: &str| {
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('%', "%%")
    };
    let mut out = String::from("[Service]\n");
    for (name, value) in [
        ("HTTP_PROXY", &proxy.http_proxy),
        ("HTTPS_PROXY", &proxy.https_proxy),
    ] {
        if !value.is_empty() {
            out.push_str(&format!("Environment=\"{name}={}\"\n", quote(value)));
        }
    }
    out.push_str(&format!(
        "Environment=\"NO_PROXY={}\"\n",
        quote(&no_proxy(values).join(","))
    ));
    Some(out)
}

/// What never goes through the proxy, for Go's `NO_PROXY` (golang.org/x/net/http/httpproxy:
/// hosts, `.domain` suffixes, CIDRs): the node itself, the pod and service networks,
/// the cluster's Service domain, the node network, the control plane address, vCenter,
/// then the user's entries; each once.
pub(crate) fn no_proxy(values: &Values) -> Vec<String> {
    let network = &values.cluster.cluster_network;
    // Unset networks are Kamaji's defaults (the TenantControlPlane's networkProfile:
    // podCidr 10.244.0.0/16, serviceCidr 10.96.0.0/16).
    let cidrs = |blocks: &Option<crate::schema::CidrBlocks>, default: &str| {
        let given: Vec<String> = blocks.iter().flat_map(|b| b.cidr_blocks.clone()).collect();
        if given.is_empty() {
            vec![default.to_owned()]
        } else {
            given
        }
    };
    let domain = network.service_domain.as_deref().unwrap_or("cluster.local");
    let ipam = &values.ipam_provider;
    let mut node_network = Vec::new();
    if ipam.enabled {
        if let (false, Some(prefix)) = (ipam.gateway.is_empty(), ipam.prefix.value()) {
            // Go's CIDR parser takes an address with host bits: the gateway's network.
            node_network.push(format!("{}/{prefix}", ipam.gateway));
        }
        node_network.extend(ipam.ranges.iter().filter(|r| r.contains('/')).cloned());
    }
    let mut out: Vec<String> = Vec::new();
    let entries = [
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ]
    .into_iter()
    .chain(cidrs(&network.pods, "10.244.0.0/16"))
    .chain(cidrs(&network.services, "10.96.0.0/16"))
    .chain([".svc".to_owned(), format!(".{domain}")])
    .chain(node_network)
    .chain(
        Some(values.cluster.control_plane.network.service_address.clone())
            .filter(|a| !a.is_empty()),
    )
    .chain(Some(values.v_sphere.server.clone()).filter(|s| !s.is_empty()))
    .chain(values.nodes.proxy.no_proxy.iter().cloned());
    for entry in entries {
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    out
}

/// A file cloud-init writes on every node.
#[derive(Debug, serde::Serialize)]
pub(crate) struct NodeFile {
    pub path: String,
    pub content: String,
}

/// containerd's registry host files for `nodes.registryMirrors`: per registry a
/// `hosts.toml` listing its mirrors in order (containerd docs/hosts.md: each `host`
/// table is tried in the order written, then the registry itself), and the mirrors' CA
/// next to it. Written with the `toml` crate, so any URL is quoted as TOML requires.
pub(crate) fn registry_host_files(values: &Values) -> Vec<NodeFile> {
    let mut files = Vec::new();
    for mirror in &values.nodes.registry_mirrors {
        let dir = format!("/etc/containerd/certs.d/{}", mirror.registry);
        let ca = format!("{dir}/ca.crt");
        let mut hosts = toml::Table::new();
        for url in &mirror.mirrors {
            let mut host = toml::Table::new();
            host.insert(
                "capabilities".into(),
                toml::Value::Array(vec!["pull".into(), "resolve".into()]),
            );
            if !mirror.ca_certificate.is_empty() {
                host.insert("ca".into(), ca.clone().into());
            }
            // containerd appends `/v2` to a host's path unless it ends in `/v2` or is
            // told the path already is the API root (containerd v2.3.2
            // core/remotes/docker/config/hosts.go:440-447, `override_path`), as in a
            // Harbor proxy cache's `https://harbor.example.com/v2/docker-hub`. Read from
            // the parsed path: a host such as `v2.mirror.example.com` is no API root.
            if HttpUrl::parse(url).is_some_and(|url| url.path_has_api_root()) {
                host.insert("override_path".into(), true.into());
            }
            hosts.insert(url.clone(), toml::Value::Table(host));
        }
        let mut doc = toml::Table::new();
        doc.insert("host".into(), toml::Value::Table(hosts));
        files.push(NodeFile {
            path: format!("{dir}/hosts.toml"),
            content: toml::to_string(&doc).unwrap_or_default(),
        });
        if !mirror.ca_certificate.is_empty() {
            files.push(NodeFile {
                path: ca,
                content: mirror.ca_certificate.clone(),
            });
        }
    }
    files
}

/// Where the registry credentials and the script that installs them live on a node.
const REGISTRY_AUTH_DIR: &str = "/etc/containerd/capkv-registry-auth";
/// The drop-in directory image-builder's containerd configuration imports
/// (kubernetes-sigs/image-builder images/capi/ansible/roles/containerd/templates/etc/
/// containerd/config.toml:7-9).
const CONTAINERD_DROP_IN_DIR: &str = "/etc/containerd/conf.d";

/// A file CAPI's bootstrap provider fills from a key of a Secret in the
/// KubeadmConfig's namespace (`files[].contentFrom.secret`): the template holds only
/// the reference, never the value.
#[derive(Debug, serde::Serialize)]
pub(crate) struct SecretFile {
    pub path: String,
    pub secret: String,
    pub key: &'static str,
}

/// What the nodes need for `nodes.registryMirrors[].credentialsSecret`: the script,
/// the credential files and one command per mirror entry that writes its drop-in.
#[derive(Debug, serde::Serialize)]
pub(crate) struct RegistryAuth {
    pub script_path: String,
    pub script: &'static str,
    pub files: Vec<SecretFile>,
    pub commands: Vec<String>,
}

/// containerd's CRI looks credentials up by the host it is about to contact, the
/// mirror's and not the image's registry (containerd v2.3.2
/// internal/cri/server/images/image_pull.go:105-113 reads `registry.configs[host]`):
/// so the credentials are keyed by each mirror's host[:port]. `registry.configs` makes
/// containerd 2 pull without its transfer service (internal/cri/config/config.go:584,
/// :611, called from plugins/cri/images/plugin.go:87-89, with a warning in its log); the
/// local pull hands that lookup to the hosts of `config_path` (image_pull.go:184-185,
/// :248, :496-502).
pub(crate) fn registry_auth(values: &Values) -> Option<RegistryAuth> {
    let mut files = Vec::new();
    let mut commands = Vec::new();
    let script_path = format!("{REGISTRY_AUTH_DIR}/write-drop-in.sh");
    for mirror in &values.nodes.registry_mirrors {
        if mirror.credentials_secret.is_empty() {
            continue;
        }
        let dir = format!("{REGISTRY_AUTH_DIR}/{}", mirror.registry);
        for key in ["username", "password"] {
            files.push(SecretFile {
                path: format!("{dir}/{key}"),
                secret: mirror.credentials_secret.clone(),
                key,
            });
        }
        let mut command = format!(
            "sh {script_path} /etc/containerd/config.toml {dir} {CONTAINERD_DROP_IN_DIR}/capkv-registry-auth-{}.toml",
            mirror.registry
        );
        let mut hosts: Vec<String> = Vec::new();
        for host in mirror.mirrors.iter().filter_map(|url| HttpUrl::parse(url)) {
            let host = host.host_port();
            if !hosts.contains(&host) {
                // Validation allows only host characters here; quoted all the same.
                command.push_str(&format!(" '{host}'"));
                hosts.push(host);
            }
        }
        commands.push(command);
    }
    (!files.is_empty()).then_some(RegistryAuth {
        script_path,
        script: include_str!("registry-auth.sh"),
        files,
        commands,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpi_conf_uses_the_cpis_yaml_keys() {
        let conf = cpi_vsphere_conf(&Values::default());
        let parsed: Value = yaml::parse_documents(&conf).unwrap().remove(0);
        assert_eq!(parsed["global"]["insecureFlag"], false);
        assert_eq!(
            parsed["vcenter"]["server.sample.org"]["datacenters"][0],
            "datacenter"
        );
        assert!(parsed.get("labels").is_none());
    }
}
