//! Settings of every node, read the way CAPI's kubeadm bootstrap provider turns a
//! KubeadmConfigTemplate into cloud-init (kubernetes-sigs/cluster-api@ae7ff04,
//! `bootstrap/kubeadm/pkg/cloudinit/`).

use crate::support::{TempValues, capkv, documents};
use serde_json::Value;

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUExampleOnlyForDocs\n-----END CERTIFICATE-----\n";

fn kubeadm_configs(values: &str, capi: &str) -> Vec<Value> {
    let file = TempValues::new(values);
    let out = capkv(&[
        "render",
        "demo",
        "-f",
        file.arg(),
        "--set",
        &format!("apiVersions.capi={capi}"),
    ])
    .success();
    documents(&out)
        .into_iter()
        .filter(|d| d["kind"] == "KubeadmConfigTemplate")
        .collect()
}

fn values() -> String {
    let mut values = String::from(
        "nodes:\n  ntpServers: [ntp1.example.com, 10.0.0.123]\n  trustedCaCertificates:\n    - |\n",
    );
    for line in PEM.lines() {
        values.push_str("      ");
        values.push_str(line);
        values.push('\n');
    }
    values
}

/// The order cloud-init runs a node's configuration in (node.go:20-41): `write_files`,
/// then `runcmd` with the preKubeadmCommands before `kubeadm join`; and `ntp:` with
/// the servers (ntp.go:20-30).
#[test]
fn the_ca_is_trusted_before_the_node_joins_and_ntp_reaches_cloud_init() {
    for capi in ["v1beta2", "v1beta1"] {
        let configs = kubeadm_configs(&values(), capi);
        assert_eq!(configs.len(), 1);
        let spec = &configs[0]["spec"]["template"]["spec"];
        let file = spec["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| {
                f["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/usr/local/share/ca-certificates/"))
            })
            .expect("the CA file");
        // update-ca-certificates takes only *.crt files from that directory.
        let path = std::path::Path::new(file["path"].as_str().expect("a path"));
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some("crt"));
        assert_eq!(file["content"], PEM, "{capi}: byte for byte");
        let commands: Vec<&str> = spec["preKubeadmCommands"]
            .as_array()
            .expect("commands")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(commands.contains(&"update-ca-certificates"), "{capi}");
        assert_eq!(spec["ntp"]["enabled"], true);
        assert_eq!(
            spec["ntp"]["servers"],
            serde_json::json!(["ntp1.example.com", "10.0.0.123"])
        );
    }
}

#[test]
fn changing_them_rolls_every_pool_and_the_default_changes_nothing() {
    let with = kubeadm_configs(&values(), "v1beta2");
    let without = kubeadm_configs("nodes: {}\n", "v1beta2");
    assert_ne!(
        with[0]["metadata"]["name"], without[0]["metadata"]["name"],
        "part of the template's content hash"
    );
    let spec = &without[0]["spec"]["template"]["spec"];
    assert!(spec.get("ntp").is_none());
    assert!(spec.get("files").is_none());
}

#[test]
fn lint_refuses_what_a_node_could_not_use() {
    let cases = [
        (
            "nodes:\n  ntpServers: [\"ntp server\"]\n",
            "error: nodes.ntpServers[0]: \"ntp server\" is neither an IP address nor a host name",
        ),
        (
            "nodes:\n  trustedCaCertificates: [\"MIIB\"]\n",
            "error: nodes.trustedCaCertificates[0]: not a PEM certificate",
        ),
        (
            "nodes:\n  trustedCaCertificates: [\"-----BEGIN CERTIFICATE-----\\nMIIB\\n\"]\n",
            "error: nodes.trustedCaCertificates[0]: a certificate without -----END CERTIFICATE-----",
        ),
    ];
    for (values, expected) in cases {
        let file = TempValues::new(values);
        let run = capkv(&["lint", "demo", "-f", file.arg()]);
        assert!(
            run.stderr.contains(expected),
            "{values}: expected {expected:?} in:\n{}",
            run.stderr
        );
    }
}
