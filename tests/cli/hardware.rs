//! A pool's further network devices and its GPUs, read the way CAPV builds the VMs'
//! networks (kubernetes-sigs/cluster-api-provider-vsphere@111a1ba) and the Cluster
//! Autoscaler's Cluster API provider scales a GPU pool from zero
//! (kubernetes/autoscaler@55c37cd, cluster-autoscaler/cloudprovider/clusterapi/).

use crate::support::{TempValues, capkv, diff_report, documents, lint_demo};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const POOL: &str = "nodePools:\n  - name: gpu\n    template: ubuntu-2404-kube-v1.31.0\n    dataStore: ds\n    network: vm-net\n";

fn render(values: &str, sets: &[&str]) -> Vec<Value> {
    let file = TempValues::new(values);
    let mut args = vec!["render", "demo", "-f", file.arg()];
    for set in sets {
        args.extend(["--set", set]);
    }
    documents(&capkv(&args).success())
}

fn one<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    let mut found = docs.iter().filter(|d| d["kind"] == kind);
    let first = found.next().unwrap_or_else(|| panic!("no {kind}"));
    assert!(found.next().is_none(), "one {kind}");
    first
}

fn networks() -> String {
    format!(
        "ipamProvider:\n  additionalPools:\n    - {{name: storage, ranges: [10.20.0.10-10.20.0.200], prefix: 24}}\n{POOL}    mtu: 1500\n    additionalNetworks:\n      - {{networkName: storage-net, deviceName: eth1, ipPool: storage, mtu: 9000, routes: [{{to: 10.30.0.0/16, via: 10.20.0.1}}], nameservers: [10.20.0.2], searchDomains: [storage.example.com]}}\n      - {{networkName: backup-net, dhcp4: true}}\n"
    )
}

/// CAPV claims an address for each `addressesFromPools` entry of each device from the
/// pool named there, in the machine's namespace
/// (controllers/vspherevm_ipaddress_reconciler.go:58-65), and waits for an address on
/// every device without DHCP (controllers/vspherevm_controller.go:550-559): the second
/// device's pool must be rendered, the third needs DHCP. `network.devices[]` has the
/// same JSON shape in v1beta1 and v1beta2 (api/govmomi/v1beta1/types.go,
/// api/govmomi/v1beta2/types.go:513-640).
#[test]
fn further_network_devices_reach_capv_with_their_ip_pools() {
    for capv in ["v1beta2", "v1beta1"] {
        let set = format!("apiVersions.capv={capv}");
        let docs = render(&networks(), &[&set]);
        let template = one(&docs, "VSphereMachineTemplate");
        let devices = template["spec"]["template"]["spec"]["network"]["devices"]
            .as_array()
            .expect("devices");
        assert_eq!(devices.len(), 3, "{capv}");
        assert_eq!(devices[0]["networkName"], "vm-net");
        assert_eq!(devices[0]["mtu"], 1500);
        let storage = &devices[1];
        assert_eq!(storage["networkName"], "storage-net");
        assert_eq!(storage["deviceName"], "eth1");
        assert_eq!(storage["dhcp4"], false);
        assert_eq!(storage["mtu"], 9000);
        assert_eq!(storage["nameservers"], json!(["10.20.0.2"]));
        assert_eq!(storage["searchDomains"], json!(["storage.example.com"]));
        assert_eq!(
            storage["routes"],
            json!([{"to": "10.30.0.0/16", "via": "10.20.0.1", "metric": 100}])
        );
        let reference = &storage["addressesFromPools"][0];
        let pool = docs
            .iter()
            .find(|d| {
                d["kind"] == reference["kind"]
                    && d["apiVersion"]
                        .as_str()
                        .is_some_and(|v| v.starts_with(reference["apiGroup"].as_str().unwrap()))
                    && d["metadata"]["name"] == reference["name"]
                    && d["metadata"]["namespace"] == template["metadata"]["namespace"]
            })
            .unwrap_or_else(|| panic!("{capv}: the pool {reference} is rendered"));
        assert_eq!(pool["spec"]["addresses"], json!(["10.20.0.10-10.20.0.200"]));
        assert_eq!(pool["spec"]["prefix"], 24);
        assert!(
            pool["spec"].get("gateway").is_none(),
            "no second default route"
        );
        let backup = &devices[2];
        assert_eq!(backup["dhcp4"], true, "{capv}");
        assert!(backup.get("addressesFromPools").is_none());
    }
}

/// CAPV templates are immutable: a changed device is a new template (its content hash)
/// and a rollout, which `capkv diff` names by field.
#[test]
fn a_changed_network_device_rolls_the_pool_and_diff_names_it() {
    let old = TempValues::named(
        "old.yaml",
        &capkv(&["render", "demo", "-f", TempValues::new(&networks()).arg()]).success(),
    );
    let changed = networks().replace("mtu: 9000", "mtu: 8000");
    let new = TempValues::named(
        "new.yaml",
        &capkv(&["render", "demo", "-f", TempValues::new(&changed).arg()]).success(),
    );
    let diff = diff_report(&old, &new);
    assert!(diff.contains("rolls  default/demo-gpu-md"), "{diff}");
    assert!(
        diff.contains("spec.template.spec.network.devices[1].mtu: 9000 → 8000"),
        "{diff}"
    );
}

#[test]
fn lint_refuses_devices_capv_or_vsphere_could_not_use() {
    let bad = format!(
        "ipamProvider:\n  additionalPools:\n    - {{name: storage, ranges: [10.20.0.0/24], prefix: 24}}\n{POOL}    additionalNetworks:\n      - {{networkName: vm-net, dhcp4: true}}\n      - {{networkName: \"\", dhcp4: true}}\n      - {{networkName: a}}\n      - {{networkName: b, ipPool: nope}}\n      - {{networkName: c, dhcp4: true, ipPool: storage}}\n      - {{networkName: d, dhcp4: true, mtu: 20000, nameservers: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4]}}\n"
    );
    let run = lint_demo(&bad);
    run.assert_stderr_has_all(&[
        "error: nodePools[0].additionalNetworks[0].networkName: \"vm-net\" already has a device of this pool",
        "error: nodePools[0].additionalNetworks[1].networkName: a network device needs a network",
        "error: nodePools[0].additionalNetworks[2].ipPool: neither dhcp4 nor an IP pool",
        "error: nodePools[0].additionalNetworks[3].ipPool: \"nope\" is not the name of an ipamProvider.additionalPools entry",
        "error: nodePools[0].additionalNetworks[4].ipPool: both dhcp4 and an IP pool",
        "error: nodePools[0].additionalNetworks[5].mtu: 20000: an MTU from 68 to 9000 bytes",
        "error: nodePools[0].additionalNetworks[5].nameservers: 4 nameservers: Linux reads at most 3",
    ]);
    assert_eq!(run.code, 1);
    let mut many = format!("{POOL}    additionalNetworks:\n");
    for i in 0..10 {
        many.push_str(&format!("      - {{networkName: n{i}, dhcp4: true}}\n"));
    }
    let run = lint_demo(&many);
    assert!(
        run.stderr.contains(
            "error: nodePools[0].additionalNetworks: 11 network devices: vSphere gives a VM at most 10"
        ),
        "{}",
        run.stderr
    );
    let pools = "ipamProvider:\n  additionalPools:\n    - {name: Storage, ranges: [], prefix: 33}\n    - {name: s, ranges: [10.0.0.0/24], prefix: 24, gateway: gw}\n    - {name: s, ranges: [x], prefix: 24}\n";
    let run = lint_demo(pools);
    run.assert_stderr_has_all(&[
        "error: ipamProvider.additionalPools[0].name: \"Storage\" is not a DNS-1123 label",
        "error: ipamProvider.additionalPools[0].ranges: the pool needs at least one address",
        "error: ipamProvider.additionalPools[0].prefix: 33: a prefix length from 1 to 32",
        "error: ipamProvider.additionalPools[1].gateway: \"gw\" is not an IP address",
        "error: ipamProvider.additionalPools[2].name: \"s\" is the name of another pool",
        "error: ipamProvider.additionalPools[2].ranges[0]: \"x\" is not an IP address",
    ]);
}

/// The MachineDeployment's annotations as the autoscaler reads them for a node group
/// at zero: `gpu-type` and `gpu-count` become the template node's capacity only
/// together (clusterapi_unstructured.go:331-338; keys clusterapi_utils.go:38-39), and
/// the `labels` annotation, `key=value` pairs split on `,` and the first `=`
/// (clusterapi_unstructured.go:213-225), gives it the `cluster-api/accelerator` label
/// the provider tells GPU nodes by (clusterapi_provider.go:54-55, README "Special note
/// on GPU instances").
fn template_node(annotations: &Value) -> (BTreeMap<String, String>, Option<(String, u64)>) {
    let annotation = |key: &str| {
        annotations[format!("capacity.cluster-autoscaler.kubernetes.io/{key}")]
            .as_str()
            .map(str::to_owned)
    };
    let labels = annotation("labels")
        .unwrap_or_default()
        .split(',')
        .filter_map(|label| label.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let gpus = match (annotation("gpu-type"), annotation("gpu-count")) {
        (Some(kind), Some(count)) if !kind.is_empty() => {
            Some((kind, count.parse().expect("an integer count")))
        }
        _ => None,
    };
    (labels, gpus)
}

/// The kubelet's `--node-labels` of a KubeadmConfigTemplate, in either CAPI shape.
fn node_labels(config: &Value) -> String {
    let args = &config["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"];
    match args {
        Value::Array(list) => list
            .iter()
            .find(|a| a["name"] == "node-labels")
            .and_then(|a| a["value"].as_str()),
        other => other["node-labels"].as_str(),
    }
    .unwrap_or_default()
    .to_owned()
}

#[test]
fn gpu_pools_can_scale_from_zero() {
    let values = format!(
        "{POOL}    labels: tier=ml\n    autoscaling: {{enabled: true, minSize: 0, maxSize: 4}}\n    pciDevices: [{{vendorId: 0x10DE, deviceId: 0x20B5}}, {{vendorId: 0x10DE, deviceId: 0x20B5}}]\n"
    );
    for (capi, capv) in [("v1beta2", "v1beta2"), ("v1beta1", "v1beta1")] {
        let sets = [
            format!("apiVersions.capi={capi}"),
            format!("apiVersions.capv={capv}"),
        ];
        let docs = render(&values, &[&sets[0], &sets[1]]);
        let deployment = one(&docs, "MachineDeployment");
        let (labels, gpus) = template_node(&deployment["metadata"]["annotations"]);
        assert_eq!(
            gpus,
            Some(("nvidia.com/gpu".to_owned(), 2)),
            "{capi}: one GPU per PCI device"
        );
        assert_eq!(labels["cluster-api/accelerator"], "pci-10de-20b5", "{capi}");
        assert_eq!(labels["tier"], "ml");
        // A real node carries the same label from the kubelet, before its device
        // plugin advertises the GPUs.
        let kubelet = node_labels(one(&docs, "KubeadmConfigTemplate"));
        assert_eq!(
            kubelet, "tier=ml,cluster-api/accelerator=pci-10de-20b5",
            "{capi}"
        );
    }
    // A vGPU pool takes its profile as accelerator; both keys can be given.
    let vgpu = format!(
        "{POOL}    autoscaling: {{enabled: true, minSize: 0, maxSize: 2}}\n    pciDevices: [{{vGPUProfile: grid_a100-4c}}]\n"
    );
    let docs = render(&vgpu, &[]);
    let (labels, _) = template_node(&one(&docs, "MachineDeployment")["metadata"]["annotations"]);
    assert_eq!(labels["cluster-api/accelerator"], "grid_a100-4c");
    let named = format!("{vgpu}    gpu: {{resourceName: amd.com/gpu, accelerator: mi210}}\n");
    let docs = render(&named, &[]);
    let (labels, gpus) = template_node(&one(&docs, "MachineDeployment")["metadata"]["annotations"]);
    assert_eq!(labels["cluster-api/accelerator"], "mi210");
    assert_eq!(gpus, Some(("amd.com/gpu".to_owned(), 1)));
    // A pool without PCI devices announces no GPU.
    let plain = format!("{POOL}    autoscaling: {{enabled: true, minSize: 0, maxSize: 2}}\n");
    let docs = render(&plain, &[]);
    let (labels, gpus) = template_node(&one(&docs, "MachineDeployment")["metadata"]["annotations"]);
    assert_eq!(gpus, None);
    assert!(!labels.contains_key("cluster-api/accelerator"));
}

#[test]
fn lint_refuses_gpus_the_autoscaler_or_vsphere_could_not_use() {
    let bad = format!(
        "{POOL}    labels: cluster-api/accelerator=x\n    gpu: {{resourceName: gpu, accelerator: \"not a label\"}}\n    pciDevices: [{{vendorId: 0xFFFF, deviceId: 0}}, {{vendorId: 65536, deviceId: 1}}]\n"
    );
    let run = lint_demo(&bad);
    run.assert_stderr_has_all(&[
        "error: nodePools[0].pciDevices[0].vendorId: 65535 (0xFFFF) is not a PCI id",
        "error: nodePools[0].pciDevices[0].deviceId: 0 (0x0) is not a PCI id",
        "error: nodePools[0].pciDevices[1].vendorId: 65536 (0x10000) is not a PCI id",
        "error: nodePools[0].gpu.resourceName: \"gpu\" is not an extended resource name: needs a domain",
        "error: nodePools[0].gpu.accelerator: the value \"not a label\" may hold only",
        "error: nodePools[0].labels: cluster-api/accelerator is set by capkv on pools with pciDevices",
    ]);
    let reserved = format!(
        "{POOL}    gpu: {{resourceName: kubernetes.io/gpu}}\n    pciDevices: [{{vGPUProfile: grid_a100-4c}}]\n"
    );
    let run = lint_demo(&reserved);
    assert!(
        run.stderr
            .contains("error: nodePools[0].gpu.resourceName: \"kubernetes.io/gpu\" is not an extended resource name: is in kubernetes.io"),
        "{}",
        run.stderr
    );
}
