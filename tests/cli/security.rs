//! What capkv runs on the management cluster (CPI, CSI controller): probes on ports
//! the containers declare, resources, non-root pods, a NetworkPolicy per controller,
//! images pinnable by digest.

use crate::support::{capkv, find, render_full, workload_objects};
use serde_json::{Value, json};

const CPI: &str = "prod-eu-1-vsphere-cloud-controller-manager";
const CSI: &str = "prod-eu-1-vsphere-csi-controller";
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn containers(deployment: &Value) -> &Vec<Value> {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers")
}

/// The port a probe's handler names, resolved against the container's ports.
#[track_caller]
fn probe_port(container: &Value, probe: &Value) -> u64 {
    let handler = probe
        .get("httpGet")
        .or_else(|| probe.get("tcpSocket"))
        .unwrap_or_else(|| panic!("{} probe has no httpGet or tcpSocket", container["name"]));
    let ports = container["ports"].as_array().cloned().unwrap_or_default();
    let declared = |number: u64| ports.iter().any(|p| p["containerPort"] == number);
    match &handler["port"] {
        Value::String(name) => ports
            .iter()
            .find(|p| p["name"] == *name)
            .and_then(|p| p["containerPort"].as_u64())
            .unwrap_or_else(|| panic!("{}: no port named {name}", container["name"])),
        Value::Number(number) => {
            let number = number.as_u64().expect("port number");
            // The livenessprobe sidecar serves 9808 for the driver, which declares it.
            assert!(
                declared(number) || number == 9808,
                "{}: port {number} not declared",
                container["name"]
            );
            number
        }
        other => panic!("probe port {other}"),
    }
}

#[test]
fn every_controller_container_has_probes_on_ports_the_pod_declares() {
    let docs = render_full(&[]);
    let csi = find(&docs, "Deployment", CSI);
    let pod_ports: Vec<u64> = containers(csi)
        .iter()
        .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["containerPort"].as_u64())
        .collect();
    for name in [CPI, CSI] {
        let deployment = find(&docs, "Deployment", name);
        for container in containers(deployment) {
            for probe in ["livenessProbe", "readinessProbe"] {
                let port = probe_port(container, &container[probe]);
                assert!(
                    name == CPI || pod_ports.contains(&port),
                    "{}: {probe} on {port}, which no container declares",
                    container["name"]
                );
            }
        }
    }
    // The components' real health endpoints.
    let cpi = &containers(find(&docs, "Deployment", CPI))[0];
    assert_eq!(
        cpi["livenessProbe"]["httpGet"],
        json!({"path": "/healthz", "port": "https", "scheme": "HTTPS"})
    );
    assert_eq!(cpi["ports"][0]["containerPort"], 10258);
    assert!(
        cpi["args"]
            .as_array()
            .unwrap()
            .contains(&json!("--secure-port=10258"))
    );
    for container in containers(csi) {
        let name = container["name"].as_str().unwrap();
        let path = &container["livenessProbe"]["httpGet"]["path"];
        match name {
            "csi-attacher" | "csi-resizer" | "csi-provisioner" | "csi-snapshotter" => {
                assert_eq!(path, "/healthz/leader-election", "{name}");
                let port = probe_port(container, &container["livenessProbe"]);
                assert!(
                    container["args"]
                        .as_array()
                        .unwrap()
                        .contains(&json!(format!("--http-endpoint=:{port}"))),
                    "{name} serves its probe port"
                );
            }
            "vsphere-csi-controller" => assert_eq!(path, "/healthz"),
            "vsphere-syncer" => assert_eq!(path, "/metrics"),
            "liveness-probe" => assert_eq!(container["livenessProbe"]["tcpSocket"]["port"], 9808),
            other => panic!("unexpected container {other}"),
        }
    }
    // Every sidecar's endpoint on a port of its own.
    let mut unique = pod_ports.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), pod_ports.len(), "{pod_ports:?}");
}

#[test]
fn controllers_have_requests_and_limits_and_run_as_a_high_non_root_uid() {
    let docs = render_full(&[]);
    for name in [CPI, CSI] {
        let deployment = find(&docs, "Deployment", name);
        let pod = &deployment["spec"]["template"]["spec"];
        let security = &pod["securityContext"];
        assert_eq!(security["runAsNonRoot"], true, "{name}");
        assert!(security["runAsUser"].as_u64().unwrap() > 10_000, "{name}");
        assert!(security["runAsGroup"].as_u64().unwrap() > 10_000, "{name}");
        assert_eq!(security["seccompProfile"]["type"], "RuntimeDefault");
        assert_eq!(pod["automountServiceAccountToken"], false);
        for container in containers(deployment) {
            let resources = &container["resources"];
            for key in ["requests", "limits"] {
                for resource in ["cpu", "memory"] {
                    assert!(
                        resources[key][resource].is_string(),
                        "{}: {key}.{resource}",
                        container["name"]
                    );
                }
            }
            let security = &container["securityContext"];
            assert_eq!(security["readOnlyRootFilesystem"], true);
            assert_eq!(security["allowPrivilegeEscalation"], false);
            assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
        }
    }
}

#[test]
fn every_controller_has_a_network_policy_selecting_exactly_its_pods() {
    let docs = render_full(&[]);
    for name in [CPI, CSI] {
        let deployment = find(&docs, "Deployment", name);
        let policy = find(&docs, "NetworkPolicy", name);
        let selector = &policy["spec"]["podSelector"]["matchLabels"];
        // The Deployment's own selector: its pods and no other's.
        assert_eq!(selector, &deployment["spec"]["selector"]["matchLabels"]);
        let labels = &deployment["spec"]["template"]["metadata"]["labels"];
        for (key, value) in selector.as_object().unwrap() {
            assert_eq!(&labels[key], value);
        }
        assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        let egress = policy["spec"]["egress"].as_array().unwrap();
        assert_eq!(
            egress[0],
            json!({
                "to": [{
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            })
        );
        assert_eq!(
            egress[1],
            json!({
                "to": [{"podSelector": {"matchLabels": {"kamaji.clastix.io/name": "prod-eu-1"}}}],
                "ports": [{"protocol": "TCP", "port": 6443}],
            })
        );
        // vcenter.example.com is a host name: any address, on vCenter's port only.
        assert_eq!(
            egress[2],
            json!({"ports": [{"protocol": "TCP", "port": 443}]})
        );
        assert_eq!(egress.len(), 3, "no egress to the management API server");
    }
    let cpi = find(&docs, "NetworkPolicy", CPI);
    assert!(
        cpi["spec"].get("ingress").is_none(),
        "no ingress to the CPI"
    );
    let csi = find(&docs, "NetworkPolicy", CSI);
    assert_eq!(
        csi["spec"]["ingress"],
        json!([{"ports": [{"protocol": "TCP", "port": 2112}, {"protocol": "TCP", "port": 2113}]}])
    );
}

#[test]
fn vcenter_egress_narrows_to_its_address_or_the_given_blocks() {
    let docs = render_full(&[
        "--set",
        "vSphere.server=10.0.0.5,vSphereStorageControllerManager.networkPolicy.vCenterCidrs={192.168.0.0/24}",
        "--set",
        "cluster.clusterNetwork.apiServerPort=31443",
    ]);
    for name in [CPI, CSI] {
        let egress = &find(&docs, "NetworkPolicy", name)["spec"]["egress"];
        assert_eq!(
            egress[2]["to"],
            json!([{"ipBlock": {"cidr": "10.0.0.5/32"}}]),
            "an IP server wins over vCenterCidrs"
        );
        assert_eq!(egress[1]["ports"][0]["port"], 31443);
    }
    let docs = render_full(&[
        "--set",
        "vSphereStorageControllerManager.networkPolicy.vCenterCidrs={192.168.0.0/24}",
        "--set-json",
        r#"vSphereStorageControllerManager.networkPolicy.metricsFrom=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]"#,
        "--set-json",
        r#"vSphereCloudControllerManager.networkPolicy.extraEgress=[{"to":[{"ipBlock":{"cidr":"10.1.0.1/32"}}],"ports":[{"protocol":"TCP","port":3128}]}]"#,
    ]);
    let csi = &find(&docs, "NetworkPolicy", CSI)["spec"];
    assert_eq!(
        csi["egress"][2]["to"],
        json!([{"ipBlock": {"cidr": "192.168.0.0/24"}}])
    );
    assert_eq!(
        csi["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "monitoring"
    );
    let cpi = &find(&docs, "NetworkPolicy", CPI)["spec"];
    assert_eq!(cpi["egress"].as_array().unwrap().len(), 4);
    assert_eq!(cpi["egress"][3]["ports"][0]["port"], 3128);
}

#[test]
fn network_policies_can_be_switched_off() {
    let docs = render_full(&[
        "--set",
        "vSphereCloudControllerManager.networkPolicy.enabled=false,vSphereStorageControllerManager.networkPolicy.enabled=false,autoscaler.networkPolicy.enabled=false",
    ]);
    assert!(!docs.iter().any(|d| d["kind"] == "NetworkPolicy"));
}

#[test]
fn digests_pin_the_images() {
    let set = format!(
        "vSphereCloudControllerManager.image.digest={DIGEST},vSphereStorageControllerManager.digests.driver={DIGEST},vSphereStorageControllerManager.digests.attacher={DIGEST}"
    );
    let docs = render_full(&["--set", &set]);
    let cpi = &containers(find(&docs, "Deployment", CPI))[0];
    assert_eq!(
        cpi["image"],
        format!("registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.33.0@{DIGEST}")
    );
    let csi = containers(find(&docs, "Deployment", CSI));
    let image = |name: &str| {
        csi.iter()
            .find(|c| c["name"] == name)
            .map(|c| c["image"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(
        image("vsphere-csi-controller"),
        format!("registry.k8s.io/csi-vsphere/driver:v3.7.3@{DIGEST}")
    );
    assert_eq!(
        image("csi-attacher"),
        format!("registry.k8s.io/sig-storage/csi-attacher:v4.9.0@{DIGEST}")
    );
    assert!(!image("vsphere-syncer").contains('@'), "no digest, no pin");
}

#[test]
fn a_malformed_digest_is_an_error_at_its_path() {
    capkv(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--set",
        "vSphereCloudControllerManager.image.digest=sha256:abc",
    ])
    .assert_fails(
        1,
        "vSphereCloudControllerManager.image.digest: \"sha256:abc\" is not an image digest",
    );
    capkv(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--set",
        &format!(
            "vSphereStorageControllerManager.images.syncer=example.org/syncer@{DIGEST},vSphereStorageControllerManager.digests.syncer={DIGEST}"
        ),
    ])
    .assert_fails(
        1,
        "vSphereStorageControllerManager.digests.syncer: the image \"example.org/syncer@sha256:",
    );
    capkv(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--set",
        "vSphereCloudControllerManager.networkPolicy.vCenterCidrs={vcenter.example.com}",
    ])
    .assert_fails(
        1,
        "vSphereCloudControllerManager.networkPolicy.vCenterCidrs[0]: \"vcenter.example.com\" is not a CIDR block",
    );
}

/// Every container capkv runs, on the management cluster and in the CSI node driver,
/// whose image is a tag without a digest, is pulled `Always`: the kubelet then asks the
/// registry what the tag names at each start and uses its cache only for the same
/// digest (kubernetes pkg/kubelet/images/image_manager.go `shouldPullImage`: `Always`
/// pulls, `IfNotPresent` pulls only when no image of that name is present), so a moved
/// tag cannot leave a node on stale content. checkov's CKV_K8S_15 reads it the same way.
#[test]
fn tags_are_pulled_always_and_the_policy_can_be_chosen() {
    let docs = render_full(&[]);
    let mut pods = Vec::new();
    for deployment in docs.iter().filter(|d| d["kind"] == "Deployment") {
        pods.push(deployment["spec"]["template"]["spec"].clone());
    }
    let resource_set_daemonsets = workload_objects(&docs)
        .into_iter()
        .filter(|d| d["kind"] == "DaemonSet")
        .collect::<Vec<_>>();
    assert!(
        !resource_set_daemonsets.is_empty(),
        "the CSI node DaemonSet is in a ClusterResourceSet ConfigMap"
    );
    for daemonset in &resource_set_daemonsets {
        pods.push(daemonset["spec"]["template"]["spec"].clone());
    }
    assert!(pods.len() >= 4, "CPI, CSI controller, autoscaler, CSI node");
    let mut checked = 0;
    for pod in &pods {
        for container in pod["containers"].as_array().into_iter().flatten() {
            let image = container["image"].as_str().expect("image");
            assert!(!image.contains('@'), "no digest in the defaults: {image}");
            assert_eq!(container["imagePullPolicy"], "Always", "{image}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} containers checked");

    let docs = render_full(&[
        "--set",
        &format!(
            "vSphereCloudControllerManager.image.digest={DIGEST},vSphereCloudControllerManager.image.pullPolicy=IfNotPresent,autoscaler.image.pullPolicy=Never"
        ),
    ]);
    assert_eq!(
        containers(find(&docs, "Deployment", CPI))[0]["imagePullPolicy"],
        "IfNotPresent"
    );
    assert_eq!(
        containers(find(&docs, "Deployment", "prod-eu-1-cluster-autoscaler"))[0]["imagePullPolicy"],
        "Never"
    );
}
