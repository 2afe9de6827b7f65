//! The Cluster Autoscaler on the management cluster, read the way its clusterapi
//! provider reads its flags and the MachineDeployments (kubernetes/autoscaler@55c37cd,
//! `cluster-autoscaler/cloudprovider/clusterapi/`, cited by file and line).

use crate::support::{TempValues, capkv, documents, find, render_full};
use serde_json::Value;
use std::collections::BTreeMap;

fn autoscaler(docs: &[Value]) -> &Value {
    find(docs, "Deployment", "prod-eu-1-cluster-autoscaler")
}

fn args(deployment: &Value) -> Vec<String> {
    deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("a string").to_owned())
        .collect()
}

/// A `--node-group-auto-discovery` spec as `parseAutoDiscoverySpec` reads it
/// (clusterapi_autodiscovery.go:37-76): `clusterapi:` then key=value pairs, where
/// `namespace` and `clusterName` are special and every other key is a label.
struct Discovery {
    namespace: Option<String>,
    cluster_name: Option<String>,
    labels: BTreeMap<String, String>,
}

fn parse_discovery(spec: &str) -> Discovery {
    let (discoverer, pairs) = spec.split_once(':').expect("discoverer:pairs");
    assert_eq!(discoverer, "clusterapi");
    let mut out = Discovery {
        namespace: None,
        cluster_name: None,
        labels: BTreeMap::new(),
    };
    for pair in pairs.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').expect("key=value");
        match key {
            "namespace" => out.namespace = Some(value.into()),
            "clusterName" => out.cluster_name = Some(value.into()),
            _ => {
                out.labels.insert(key.into(), value.into());
            }
        }
    }
    out
}

/// Whether the provider makes a MachineDeployment a node group: allowed by one of the
/// specs (`allowedByAutoDiscoverySpec`, clusterapi_autodiscovery.go:86-100, with the
/// cluster name from `spec.clusterName`, clusterapi_utils.go:307-316) and able to scale
/// (min/max annotations, max above 0 and not below min: clusterapi_nodegroup.go:611-619).
fn node_group(specs: &[Discovery], md: &Value) -> bool {
    let labels = md["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let allowed = specs.iter().any(|spec| {
        spec.namespace
            .as_deref()
            .is_none_or(|ns| md["metadata"]["namespace"] == ns)
            && spec
                .cluster_name
                .as_deref()
                .is_none_or(|c| md["spec"]["clusterName"] == c)
            && spec
                .labels
                .iter()
                .all(|(k, v)| labels.get(k) == Some(&Value::from(v.as_str())))
    });
    let annotations = &md["metadata"]["annotations"];
    let bound = |key: &str| {
        annotations[format!("cluster.x-k8s.io/cluster-api-autoscaler-node-group-{key}-size")]
            .as_str()
            .and_then(|v| v.parse::<i64>().ok())
    };
    allowed
        && matches!((bound("min"), bound("max")), (Some(min), Some(max)) if max > 0 && max >= min)
}

#[test]
fn the_autoscaler_scales_exactly_this_clusters_autoscaled_pools() {
    let ours = render_full(&[]);
    let deployment = autoscaler(&ours);
    let specs: Vec<Discovery> = args(deployment)
        .iter()
        .filter_map(|a| a.strip_prefix("--node-group-auto-discovery="))
        .map(parse_discovery)
        .collect();
    assert!(!specs.is_empty());
    // Every spec names the namespace, so the provider watches that namespace only
    // (namespaceToWatch, clusterapi_autodiscovery.go:102-109; clusterapi_controller.go:460).
    assert!(
        specs
            .iter()
            .all(|s| s.namespace.as_deref() == Some("default"))
    );
    // Another cluster in the same namespace, with the same autoscaling labels.
    let theirs = render_full(&["--set", "cluster.name=other"]);
    let mut scaled: Vec<String> = ours
        .iter()
        .chain(&theirs)
        .filter(|d| d["kind"] == "MachineDeployment")
        .filter(|md| node_group(&specs, md))
        .map(|md| md["metadata"]["name"].as_str().expect("a name").to_owned())
        .collect();
    scaled.sort();
    assert_eq!(
        scaled,
        [
            "prod-eu-1-batch-milan-a-md",
            "prod-eu-1-batch-milan-b-md",
            "prod-eu-1-general-md"
        ]
    );
}

#[test]
fn the_workload_cluster_is_reached_through_the_mounted_admin_kubeconfig() {
    let docs = render_full(&[]);
    let deployment = autoscaler(&docs);
    let args = args(deployment);
    assert!(args.contains(&"--cloud-provider=clusterapi".to_owned()));
    // The management cluster through its own ServiceAccount, never the kubeconfig
    // (clusterapi README, "Use in-cluster config for management cluster").
    assert!(args.contains(&"--clusterapi-cloud-config-authoritative".to_owned()));
    let kubeconfig = args
        .iter()
        .find_map(|a| a.strip_prefix("--kubeconfig="))
        .expect("--kubeconfig");
    let pod = &deployment["spec"]["template"]["spec"];
    let mount = pod["containers"][0]["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .find(|m| kubeconfig.starts_with(m["mountPath"].as_str().unwrap_or("-")))
        .expect("the kubeconfig's directory is mounted");
    let volume = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("its volume");
    assert_eq!(volume["secret"]["secretName"], "prod-eu-1-admin-kubeconfig");
    let file = kubeconfig.rsplit('/').next().expect("a file name");
    assert_eq!(volume["secret"]["items"][0]["path"], file);
    assert_eq!(volume["secret"]["items"][0]["key"], "admin.svc");
    assert_eq!(pod["serviceAccountName"], "prod-eu-1-cluster-autoscaler");
    // The image follows the cluster's minor (v1.33.4 in examples/full.yaml).
    assert_eq!(
        pod["containers"][0]["image"],
        "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0"
    );
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
}

/// What the provider does on the management cluster: list and watch the scalable
/// resources, patch their scale subresource (clusterapi_unstructured.go:106, :141),
/// update Machines to mark them for deletion (:177, :198) and read the infrastructure
/// templates for scale-from-zero (:476-533; README "RBAC changes for scaling from zero").
#[test]
fn the_role_allows_what_the_provider_does_in_this_namespace_only() {
    let docs = render_full(&[]);
    assert!(
        docs.iter()
            .all(|d| d["kind"] != "ClusterRole" && d["kind"] != "ClusterRoleBinding"),
        "nothing cluster-wide"
    );
    let role = find(&docs, "Role", "prod-eu-1-cluster-autoscaler");
    let allows = |group: &str, resource: &str, verb: &str| {
        role["rules"].as_array().expect("rules").iter().any(|rule| {
            let has = |key: &str, want: &str| {
                rule[key]
                    .as_array()
                    .is_some_and(|values| values.iter().any(|v| v == want))
            };
            has("apiGroups", group) && has("resources", resource) && has("verbs", verb)
        })
    };
    for resource in [
        "machinedeployments",
        "machinesets",
        "machines",
        "machinepools",
    ] {
        for verb in ["list", "watch"] {
            assert!(
                allows("cluster.x-k8s.io", resource, verb),
                "{resource} {verb}"
            );
        }
    }
    assert!(allows(
        "cluster.x-k8s.io",
        "machinedeployments/scale",
        "patch"
    ));
    assert!(allows("cluster.x-k8s.io", "machines", "update"));
    assert!(allows(
        "infrastructure.cluster.x-k8s.io",
        "vspheremachinetemplates",
        "get"
    ));
    let text = role.to_string();
    assert!(
        !text.contains("secrets"),
        "no Secret: the kubeconfig is a mounted volume"
    );
    assert!(!text.contains("\"*\""), "no wildcard");
    let binding = find(&docs, "RoleBinding", "prod-eu-1-cluster-autoscaler");
    assert_eq!(
        binding["subjects"][0]["name"],
        "prod-eu-1-cluster-autoscaler"
    );
    assert_eq!(binding["roleRef"]["kind"], "Role");
}

/// A pool can start empty: with minSize 0 the MachineDeployment has no replicas and
/// carries the capacity the provider builds its template node from, and it is a node
/// group (clusterapi_nodegroup.go:605-619).
#[test]
fn a_pool_with_min_size_zero_scales_from_zero() {
    let docs = render_full(&["--set", "nodePools[0].autoscaling.minSize=0"]);
    let md = find(&docs, "MachineDeployment", "prod-eu-1-general-md");
    assert!(md["spec"].get("replicas").is_none());
    let annotations = &md["metadata"]["annotations"];
    assert_eq!(
        annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"],
        "0"
    );
    assert_eq!(
        annotations["capacity.cluster-autoscaler.kubernetes.io/cpu"],
        "4"
    );
    let specs: Vec<Discovery> = args(autoscaler(&docs))
        .iter()
        .filter_map(|a| a.strip_prefix("--node-group-auto-discovery="))
        .map(parse_discovery)
        .collect();
    assert!(node_group(&specs, md));
}

#[test]
fn lint_catches_flags_the_autoscaler_refuses_and_an_image_for_another_minor() {
    let cases: &[(&str, &str)] = &[
        (
            "autoscaler.scaleDownUnneededTime=10 minutes",
            "error: autoscaler.scaleDownUnneededTime: \"10 minutes\" is not a duration the autoscaler reads",
        ),
        (
            "autoscaler.scaleDownUtilizationThreshold=50",
            "error: autoscaler.scaleDownUtilizationThreshold: \"50\" is not a fraction of a node's resources",
        ),
        (
            "autoscaler.image.tag=v1.31.2",
            "warning: autoscaler.image.tag: v1.31.2 is the autoscaler for Kubernetes 1.31, the cluster runs v1.33.4",
        ),
    ];
    for (set, expected) in cases {
        let run = capkv(&["lint", "-f", "examples/full.yaml", "--set-string", set]);
        run.assert_finding(set, expected);
    }
    let run = capkv(&[
        "lint",
        "-f",
        "examples/full.yaml",
        "--set",
        "nodePools[0].autoscaling.enabled=false,nodePools[2].autoscaling.enabled=false",
    ]);
    assert!(
        run.stderr.contains("warning: autoscaler.enabled: no node pool has autoscaling.enabled: the autoscaler would scale nothing"),
        "{}",
        run.stderr
    );
    let run = capkv(&[
        "lint",
        "-f",
        "examples/full.yaml",
        "--set-json",
        "autoscaler.extraArgs=[\"skip-nodes-with-local-storage=false\"]",
    ]);
    assert!(
        run.stderr.contains(
            "error: autoscaler.extraArgs[0]: \"skip-nodes-with-local-storage=false\" is not a flag"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn off_by_default() {
    let out = capkv(&["render", "demo"]).success();
    assert!(!out.contains("cluster-autoscaler"));
    let file = TempValues::new("autoscaler:\n  enabled: true\n");
    let docs = documents(&capkv(&["render", "demo", "-f", file.arg()]).success());
    assert!(
        docs.iter()
            .any(|d| d["metadata"]["name"] == "demo-cluster-autoscaler")
    );
}

/// The autoscaler's NetworkPolicy lets in only its metrics and lets out only what it
/// talks to: the cluster DNS, the tenant API server and the management API server.
#[test]
fn the_network_policy_allows_the_api_servers_and_metrics_only() {
    let docs = render_full(&[
        "--set-json",
        "autoscaler.managementApiServerCidrs=[\"10.0.0.10/32\"]",
    ]);
    let policy = find(&docs, "NetworkPolicy", "prod-eu-1-cluster-autoscaler");
    let pod_labels = &autoscaler(&docs)["spec"]["template"]["metadata"]["labels"];
    for (key, value) in policy["spec"]["podSelector"]["matchLabels"]
        .as_object()
        .expect("matchLabels")
    {
        assert_eq!(&pod_labels[key], value, "selects the autoscaler's pods");
    }
    assert_eq!(policy["spec"]["ingress"][0]["ports"][0]["port"], 8085);
    let egress = policy["spec"]["egress"].as_array().expect("egress");
    let ports = |i: usize| -> Vec<Value> {
        egress[i]["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .map(|p| p["port"].clone())
            .collect()
    };
    assert_eq!(ports(0), [Value::from(53), Value::from(53)]);
    assert_eq!(
        egress[1]["to"][0]["podSelector"]["matchLabels"]["kamaji.clastix.io/name"],
        "prod-eu-1"
    );
    assert_eq!(egress[2]["to"][0]["ipBlock"]["cidr"], "10.0.0.10/32");
    assert_eq!(ports(2), [Value::from(443), Value::from(6443)]);
    assert_eq!(egress.len(), 3, "nothing else");
}

#[test]
fn the_image_can_be_pinned_by_digest() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    let docs = render_full(&["--set", &format!("autoscaler.image.digest={digest}")]);
    assert_eq!(
        autoscaler(&docs)["spec"]["template"]["spec"]["containers"][0]["image"],
        format!("registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0@{digest}")
    );
    let run = capkv(&[
        "lint",
        "-f",
        "examples/full.yaml",
        "--set",
        "autoscaler.image.digest=sha256:nothex",
    ]);
    assert!(
        run.stderr
            .contains("error: autoscaler.image.digest: \"sha256:nothex\" is not an image digest"),
        "{}",
        run.stderr
    );
}
