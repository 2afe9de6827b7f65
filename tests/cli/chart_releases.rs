//! Drop-in compatibility with every release of the chart, and clusters that share a
//! namespace or have long names.

use crate::support::{TempValues, capkv, documents, of_kind, repo_root};
use serde_json::Value;
use std::collections::HashSet;

fn release_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("tests/chart-values"))
        .expect("tests/chart-values")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("values-v"))
        })
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// What a user of the chart adds to its defaults: a name and real credentials.
const AS_A_USER: &str = "tests/chart-values/as-a-user.yaml";

#[test]
fn every_chart_release_file_renders_alone_and_as_a_user_completes_it() {
    let files = release_files();
    assert_eq!(files.len(), 15, "{files:?}");
    for file in &files {
        let alone = capkv(&["render", "demo", "-f", file]);
        assert_eq!(alone.code, 0, "{file}: {}", alone.stderr);
        let completed = capkv(&["render", "-f", file, "-f", AS_A_USER]);
        assert_eq!(completed.code, 0, "{file}: {}", completed.stderr);
        let docs = documents(&completed.stdout);
        assert_eq!(
            of_kind(&docs, "Cluster")["metadata"]["name"],
            "tenant-a",
            "{file}"
        );
    }
}

fn kubeadm_config(docs: &[Value]) -> &Value {
    of_kind(docs, "KubeadmConfigTemplate")
}

#[test]
fn the_chart_etc_hosts_commands_of_v0_2_8_keep_the_host_name() {
    let file = repo_root().join("tests/chart-values/values-v0.2.8.yaml");
    let file = file.to_str().expect("UTF-8");
    let docs = documents(&capkv(&["render", "demo", "-f", file]).success());
    let commands: Vec<&str> =
        kubeadm_config(&docs)["spec"]["template"]["spec"]["preKubeadmCommands"]
            .as_array()
            .expect("commands")
            .iter()
            .filter_map(Value::as_str)
            .collect();
    // cloud-init runs them in order: the last write of /etc/hosts must keep the name.
    let last_truncation = commands
        .iter()
        .rposition(|c| c.contains(">/etc/hosts") && !c.contains(">>/etc/hosts"))
        .expect("/etc/hosts is written");
    assert!(
        commands[last_truncation..]
            .iter()
            .any(|c| c.contains("127.0.0.1") && c.contains("{{ ds.meta_data.hostname }}")),
        "{commands:?}"
    );
    assert_eq!(
        commands
            .iter()
            .filter(|c| c.starts_with("hostnamectl"))
            .count(),
        1
    );
    let lint = capkv(&["lint", "demo", "-f", file]);
    assert!(
        lint.stderr
            .contains("warning: nodePools[0].preKubeadmCommands[1]: one of the chart's default /etc/hosts commands"),
        "{}",
        lint.stderr
    );
}

#[test]
fn chart_cpi_placement_keys_of_v0_2_3_reach_the_cpi_pods() {
    let values = TempValues::new(
        "vSphereCloudControllerManager:\n  nodeSelector:\n    kubernetes.io/os: linux\n  tolerations:\n    - {key: dedicated, operator: Exists}\n  podAdditionalMetadata:\n    labels:\n      team: platform\n",
    );
    let docs = documents(&capkv(&["render", "demo", "-f", values.arg()]).success());
    let cpi = docs
        .iter()
        .find(|d| {
            d["kind"] == "Deployment"
                && d["metadata"]["name"] == "demo-vsphere-cloud-controller-manager"
        })
        .expect("CPI Deployment");
    let pod = &cpi["spec"]["template"];
    assert_eq!(pod["spec"]["nodeSelector"]["kubernetes.io/os"], "linux");
    assert_eq!(pod["spec"]["tolerations"][0]["key"], "dedicated");
    assert_eq!(pod["metadata"]["labels"]["team"], "platform");
}

#[test]
fn user_labels_never_replace_capkvs_selector_and_cluster_labels() {
    let values = TempValues::new(
        "vSphereCloudControllerManager:\n  podAdditionalMetadata:\n    labels:\n      app: hijacked\ncluster:\n  controlPlane:\n    labels:\n      cluster.x-k8s.io/cluster-name: forged\n",
    );
    let docs = documents(&capkv(&["render", "demo", "-f", values.arg()]).success());
    let cpi = docs
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("CPI Deployment");
    // The Deployment's selector must still select its pods (apps/v1 validation).
    assert_eq!(
        cpi["spec"]["template"]["metadata"]["labels"]["app"],
        cpi["spec"]["selector"]["matchLabels"]["app"]
    );
    assert_eq!(
        of_kind(&docs, "KamajiControlPlane")["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"],
        "demo"
    );
}

#[test]
fn autoscaling_labels_also_go_on_the_machines_and_the_cluster_has_its_own_labels() {
    let values = TempValues::new(
        "cluster:\n  labels:\n    cni: cilium\n    cluster.x-k8s.io/cluster-name: forged\n  annotations:\n    owner: team-a\nnodePools:\n  - name: default\n    template: t\n    dataStore: d\n    network: net\n    autoscaling:\n      enabled: true\n",
    );
    let docs = documents(&capkv(&["render", "demo", "-f", values.arg()]).success());
    let md = of_kind(&docs, "MachineDeployment");
    assert_eq!(
        md["spec"]["template"]["metadata"]["labels"]["autoscaling"],
        "enabled"
    );
    let cluster = of_kind(&docs, "Cluster");
    assert_eq!(cluster["metadata"]["labels"]["cni"], "cilium");
    // The label the ClusterResourceSet selects by stays capkv's.
    assert_eq!(
        cluster["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"],
        "demo"
    );
    assert_eq!(cluster["metadata"]["annotations"]["owner"], "team-a");
}

/// (kind, namespace, name) of every object.
fn identities(docs: &[Value]) -> HashSet<(String, String, String)> {
    docs.iter()
        .map(|d| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (
                text(&d["kind"]),
                text(&d["metadata"]["namespace"]),
                text(&d["metadata"]["name"]),
            )
        })
        .collect()
}

#[test]
fn two_clusters_in_one_namespace_share_no_object_and_no_csi_cluster_id() {
    let render = |name: &str| {
        documents(
            &capkv(&[
                "render",
                "-f",
                AS_A_USER,
                "--set",
                &format!("cluster.name={name}"),
                "--set",
                "cluster.metrics.enabled=true",
                "--set-string",
                "vSphere.caBundle=-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
                "-n",
                "tenants",
            ])
            .success(),
        )
    };
    let (a, b) = (render("tenant-a"), render("tenant-b"));
    let shared: Vec<_> = identities(&a)
        .intersection(&identities(&b))
        .cloned()
        .collect();
    assert!(shared.is_empty(), "both clusters render {shared:?}");
    let secret_names: Vec<&str> = a
        .iter()
        .filter(|d| d["kind"] == "Secret")
        .filter_map(|d| d["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        secret_names,
        [
            "tenant-a-vsphere-secret",
            "tenant-a-vsphere-config-secret",
            "tenant-a-csi-config-secret"
        ]
    );
}

/// Every label value in every `metadata.labels` and selector of the stream.
fn label_values(value: &Value, out: &mut Vec<String>) {
    if let Value::Object(map) = value {
        for (key, child) in map {
            if matches!(key.as_str(), "labels" | "matchLabels" | "selector")
                && let Value::Object(labels) = child
            {
                out.extend(labels.values().filter_map(Value::as_str).map(str::to_owned));
            }
            label_values(child, out);
        }
    } else if let Value::Array(items) = value {
        for item in items {
            label_values(item, out);
        }
    }
}

#[test]
fn any_cluster_name_cluster_api_accepts_renders_with_every_controller_on() {
    let cluster = format!("c{}", "x".repeat(62));
    let pool = "p".repeat(63);
    let docs = documents(
        &capkv(&[
            "render",
            "-f",
            "examples/full.yaml",
            "--set",
            &format!(
                "cluster.name={cluster},nodePools[0].name={pool},cluster.metrics.enabled=true"
            ),
        ])
        .success(),
    );
    let mut values = Vec::new();
    for doc in &docs {
        label_values(doc, &mut values);
    }
    for value in &values {
        assert!(
            value.len() <= 63,
            "label value {value} is {} characters",
            value.len()
        );
    }
    // Each Deployment's selector still selects its own pods.
    for deployment in docs.iter().filter(|d| d["kind"] == "Deployment") {
        let selector = deployment["spec"]["selector"]["matchLabels"]
            .as_object()
            .expect("selector");
        let pod = &deployment["spec"]["template"]["metadata"]["labels"];
        for (key, value) in selector {
            assert_eq!(&pod[key], value, "{}", deployment["metadata"]["name"]);
        }
    }
    for md in docs.iter().filter(|d| d["kind"] == "MachineDeployment") {
        let name = md["metadata"]["name"].as_str().expect("name");
        assert!(name.len() <= 63, "{name}");
    }
}
