//! The two vCenter configuration files the controllers read: the CPI's `vsphere.conf`
//! (YAML) and the CSI driver's `csi-vsphere.conf` (INI, read by Go's gcfg).
//!
//! Both are built from data, never by pasting strings into a template: the YAML one is
//! emitted by the YAML layer, and the INI one quotes and escapes every value, so a
//! password with `"`, `\`, `#`, `;`, `]` or `: ` arrives byte-exact and can never add
//! a key or a section.

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
