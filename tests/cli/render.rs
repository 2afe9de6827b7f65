use crate::support::{
    TempValues, capkv, documents, name_of, object_ids, of_kind, snapshot_settings,
};

fn render(args: &[&str]) -> String {
    capkv(args).success()
}

#[test]
fn snapshot_defaults_v1beta2() {
    let out = render(&["render", "demo"]);
    snapshot_settings().bind(|| insta::assert_snapshot!("render-defaults-v1beta2", out));
}

#[test]
fn snapshot_defaults_v1beta1() {
    let out = render(&["render", "demo", "--api-profile", "v1beta1"]);
    snapshot_settings().bind(|| insta::assert_snapshot!("render-defaults-v1beta1", out));
}

#[test]
fn snapshot_full_v1beta2() {
    let out = render(&["render", "-f", "examples/full.yaml"]);
    snapshot_settings().bind(|| insta::assert_snapshot!("render-full-v1beta2", out));
}

#[test]
fn snapshot_full_v1beta1() {
    let out = render(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--api-profile",
        "v1beta1",
    ]);
    snapshot_settings().bind(|| insta::assert_snapshot!("render-full-v1beta1", out));
}

#[test]
fn output_is_byte_for_byte_deterministic() {
    let first = render(&["render", "-f", "examples/full.yaml"]);
    for _ in 0..3 {
        assert_eq!(first, render(&["render", "-f", "examples/full.yaml"]));
    }
}

#[test]
fn every_document_is_framed_with_its_source_template() {
    let out = render(&["render", "demo"]);
    let frames = out.matches("---\n# Source: templates/").count();
    assert_eq!(frames, documents(&out).len());
    assert!(
        out.starts_with("---\n# Source: templates/cpi.yaml\n"),
        "{out}"
    );
}

#[test]
fn objects_come_in_the_documented_order() {
    let out = render(&["render", "-f", "examples/full.yaml"]);
    let kinds: Vec<String> = object_ids(&out)
        .iter()
        .map(|id| id.split('/').next().unwrap_or("").to_owned())
        .collect();
    // Helm's install order for the kinds it knows, then the others alphabetically.
    let known = [
        "NetworkPolicy",
        "ServiceAccount",
        "Secret",
        "ConfigMap",
        "Role",
        "RoleBinding",
        "Service",
        "Deployment",
    ];
    let rank = |k: &str| known.iter().position(|x| *x == k).unwrap_or(known.len());
    let mut expected = kinds.clone();
    expected.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then(if rank(a) == known.len() {
            a.cmp(b)
        } else {
            std::cmp::Ordering::Equal
        })
    });
    assert_eq!(kinds, expected);
    // The controllers' NetworkPolicies are in place before their pods start.
    assert_eq!(kinds.first().map(String::as_str), Some("NetworkPolicy"));
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("VSphereMachineTemplate")
    );
}

#[test]
fn every_object_carries_the_cluster_name_label() {
    let out = render(&["render", "-f", "examples/full.yaml"]);
    for doc in documents(&out) {
        assert_eq!(
            doc["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"], "prod-eu-1",
            "{doc}"
        );
    }
}

#[test]
fn namespace_flag_sets_every_namespace() {
    let out = render(&["render", "demo", "-n", "tenants"]);
    for doc in documents(&out) {
        assert_eq!(doc["metadata"]["namespace"], "tenants");
    }
}

#[test]
fn machine_deployment_points_at_both_hashed_templates() {
    let out = render(&["render", "demo"]);
    let docs = documents(&out);
    let md = of_kind(&docs, "MachineDeployment");
    assert_eq!(md["metadata"]["name"], "demo-default-md");
    let infra = md["spec"]["template"]["spec"]["infrastructureRef"]["name"]
        .as_str()
        .unwrap_or_default();
    let bootstrap = md["spec"]["template"]["spec"]["bootstrap"]["configRef"]["name"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        infra,
        name_of(
            &out,
            "VSphereMachineTemplate",
            "demo-default-vsphere-machine-template-"
        )
    );
    assert_eq!(
        bootstrap,
        name_of(&out, "KubeadmConfigTemplate", "demo-default-kubeadmconfig-")
    );
    assert_eq!(md["spec"]["template"]["spec"]["version"], "v1.31.0");
}

#[test]
fn v1beta2_refs_have_api_groups_and_v1beta1_refs_real_versions() {
    let current = documents(&render(&["render", "demo"]));
    let cluster = of_kind(&current, "Cluster");
    assert_eq!(cluster["apiVersion"], "cluster.x-k8s.io/v1beta2");
    assert_eq!(
        cluster["spec"]["controlPlaneRef"]["apiGroup"],
        "controlplane.cluster.x-k8s.io"
    );
    assert!(
        cluster["spec"]["controlPlaneRef"]
            .get("apiVersion")
            .is_none()
    );
    let kcp = of_kind(&current, "KamajiControlPlane");
    assert_eq!(kcp["apiVersion"], "controlplane.cluster.x-k8s.io/v1alpha2");

    let legacy = documents(&render(&["render", "demo", "--api-profile", "v1beta1"]));
    let cluster = of_kind(&legacy, "Cluster");
    assert_eq!(
        cluster["spec"]["controlPlaneRef"]["apiVersion"],
        "controlplane.cluster.x-k8s.io/v1alpha1"
    );
    assert_eq!(
        cluster["spec"]["infrastructureRef"]["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1beta1"
    );
    let kcp = of_kind(&legacy, "KamajiControlPlane");
    assert_eq!(kcp["apiVersion"], "controlplane.cluster.x-k8s.io/v1alpha1");
    for doc in &legacy {
        assert_ne!(doc["apiVersion"], "controlplane.cluster.x-k8s.io/v1beta1");
    }
}

#[test]
fn api_profile_value_is_honoured_and_the_flag_overrides_it() {
    let file = TempValues::new("apiProfile: v1beta1\n");
    let by_value = documents(&render(&["render", "demo", "-f", file.arg()]));
    assert!(
        by_value
            .iter()
            .any(|d| d["apiVersion"] == "cluster.x-k8s.io/v1beta1")
    );
    let by_flag = documents(&render(&[
        "render",
        "demo",
        "-f",
        file.arg(),
        "--api-profile",
        "v1beta2",
    ]));
    assert!(
        by_flag
            .iter()
            .all(|d| d["apiVersion"] != "cluster.x-k8s.io/v1beta1")
    );
}

#[test]
fn autoscaled_pool_has_bounds_capacity_and_no_replicas() {
    let out = render(&["render", "-f", "examples/full.yaml"]);
    let docs = documents(&out);
    let md = docs
        .iter()
        .find(|d| d["metadata"]["name"] == "prod-eu-1-general-md")
        .expect("general md");
    assert!(
        md["spec"].get("replicas").is_none(),
        "replicas must be left to the autoscaler"
    );
    let annotations = &md["metadata"]["annotations"];
    assert_eq!(
        annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"],
        "2"
    );
    assert_eq!(
        annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"],
        "10"
    );
    assert_eq!(
        annotations["capacity.cluster-autoscaler.kubernetes.io/cpu"],
        "4"
    );
    assert_eq!(
        annotations["capacity.cluster-autoscaler.kubernetes.io/memory"], "8092Mi",
        "8192 MiB less the kubelet's 100Mi eviction threshold"
    );
    assert_eq!(md["metadata"]["labels"]["autoscaling"], "enabled");
    let fixed = docs
        .iter()
        .find(|d| d["metadata"]["name"] == "prod-eu-1-gpu-md")
        .expect("gpu md");
    assert_eq!(fixed["spec"]["replicas"], 1);
    assert!(fixed["metadata"].get("annotations").is_none());
}

#[test]
fn autoscaling_bounds_given_as_strings_like_the_chart() {
    let out = render(&[
        "render",
        "demo",
        "--set",
        "nodePools[0].autoscaling.enabled=true",
    ]);
    let docs = documents(&out);
    let md = of_kind(&docs, "MachineDeployment");
    assert_eq!(
        md["metadata"]["annotations"]["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"],
        "2"
    );
    assert!(md["spec"].get("replicas").is_none());
}

#[test]
fn empty_values_are_omitted_for_v1beta2() {
    let out = render(&["render", "demo"]);
    assert!(
        !out.contains("thumbprint"),
        "empty thumbprint must be omitted"
    );
    assert!(!out.contains("storagePolicyName"));
    assert!(!out.contains("serviceAddress"));
    assert!(!out.contains(": \"\""), "no empty strings:\n{out}");
    assert!(!out.contains(": []"), "no empty lists:\n{out}");
}

#[test]
fn removed_addon_is_absent_and_kept_addons_stay() {
    let out = render(&["render", "-f", "examples/full.yaml"]);
    let docs = documents(&out);
    let kcp = of_kind(&docs, "KamajiControlPlane");
    let addons = &kcp["spec"]["addons"];
    assert!(addons.get("kubeProxy").is_none());
    assert_eq!(addons["konnectivity"], serde_json::json!({}));
    assert_eq!(addons["coreDNS"]["dnsServiceIPs"][0], "10.96.0.10");
}

#[test]
fn control_plane_values_reach_the_kamaji_control_plane() {
    let out = render(&["render", "-f", "examples/full.yaml"]);
    let docs = documents(&out);
    let kcp = of_kind(&docs, "KamajiControlPlane");
    let spec = &kcp["spec"];
    assert_eq!(spec["replicas"], 3);
    assert_eq!(spec["dataStoreName"], "etcd-prod");
    assert!(spec.get("apiServer").is_none());
    assert_eq!(spec["scheduler"]["extraArgs"][0], "--v=2");
    assert_eq!(spec["network"]["certSANs"][0], "api.prod-eu-1.example.com");
    assert_eq!(
        spec["deployment"]["nodeSelector"]["node-role.kubernetes.io/tenant-control-plane"],
        ""
    );
    assert_eq!(kcp["metadata"]["labels"]["cni"], "cilium");
    let cluster = of_kind(&docs, "Cluster");
    assert_eq!(cluster["spec"]["clusterNetwork"]["apiServerPort"], 6443);
    assert_eq!(
        cluster["spec"]["clusterNetwork"]["pods"]["cidrBlocks"][0],
        "10.244.0.0/16"
    );
}

#[test]
fn credentials_with_yaml_syntax_come_through_exactly() {
    for password in [
        "p\"a's: #x",
        "line1\nline2",
        "--- {{ 7*7 }}",
        "yes",
        "0644",
        " leading space",
        "tab\there",
    ] {
        let out = render(&[
            "render",
            "demo",
            "--set",
            "vSphere.secret.create=true",
            "--set-literal",
            &format!("vSphere.password={password}"),
        ]);
        let docs = documents(&out);
        let secret = of_kind(&docs, "Secret");
        assert_eq!(secret["stringData"]["password"], password);
        assert_eq!(
            secret["stringData"].as_object().map(serde_json::Map::len),
            Some(2)
        );
    }
}

#[test]
fn identity_defaults_to_the_secret_and_can_be_a_cluster_identity() {
    let docs = documents(&render(&["render", "demo"]));
    let vc = of_kind(&docs, "VSphereCluster");
    assert_eq!(
        vc["spec"]["identityRef"],
        serde_json::json!({"kind": "Secret", "name": "vsphere-secret"})
    );
    let docs = documents(&render(&[
        "render",
        "demo",
        "--set",
        "vSphere.identityRef.type=VSphereClusterIdentity",
        "--set",
        "vSphere.identityRef.name=shared",
    ]));
    let vc = of_kind(&docs, "VSphereCluster");
    assert_eq!(
        vc["spec"]["identityRef"],
        serde_json::json!({"kind": "VSphereClusterIdentity", "name": "shared"})
    );
}

#[test]
fn ipam_pool_only_when_enabled_and_prefix_is_an_integer() {
    let docs = documents(&render(&["render", "demo"]));
    let pool = of_kind(&docs, "InClusterIPPool");
    assert_eq!(pool["spec"]["prefix"], 24);
    let out = render(&[
        "render",
        "demo",
        "--set",
        "ipamProvider.enabled=false",
        "--set",
        "nodePools[0].addressesFromPools.enabled=false",
        "--set",
        "nodePools[0].dhcp4=true",
    ]);
    assert!(!out.contains("InClusterIPPool"));
}

#[test]
fn cluster_name_comes_from_values_before_the_argument() {
    let out = render(&["render", "release", "--set", "cluster.name=from-values"]);
    assert!(object_ids(&out).contains(&"Cluster/from-values".to_owned()));
    let out = render(&["render", "release"]);
    assert!(object_ids(&out).contains(&"Cluster/release".to_owned()));
}

/// From 32 pools on, pools render on several threads: the objects must be exactly
/// those that pools rendered a few at a time (on one thread) give, in pool order.
#[test]
fn large_clusters_render_pools_in_order_on_any_number_of_threads() {
    let pool = |i: usize| {
        format!(
            "  - name: pool-{i}\n    template: ubuntu-{}\n    dataStore: ds\n    network: net\n    replicas: {}\n    numCPUs: {}\n",
            i % 4,
            1 + i % 5,
            2 + i % 3
        )
    };
    let values = |pools: std::ops::Range<usize>| {
        let mut text = String::from("cluster:\n  name: big\nnodePools:\n");
        pools.for_each(|i| text.push_str(&pool(i)));
        TempValues::new(&text)
    };
    let pool_objects = |stream: &str| -> Vec<serde_json::Value> {
        documents(stream)
            .into_iter()
            .filter(|doc| {
                [
                    "KubeadmConfigTemplate",
                    "MachineDeployment",
                    "VSphereMachineTemplate",
                ]
                .contains(&doc["kind"].as_str().unwrap_or_default())
            })
            .collect()
    };
    let all = values(0..48);
    let together = pool_objects(&render(&["render", "-f", all.arg()]));
    assert_eq!(together.len(), 3 * 48);
    let mut apart = Vec::new();
    for start in (0..48).step_by(12) {
        let some = values(start..start + 12);
        apart.extend(pool_objects(&render(&["render", "-f", some.arg()])));
    }
    // Both streams sort by kind, then keep pool order within a kind.
    let kind = |doc: &serde_json::Value| doc["kind"].as_str().unwrap_or_default().to_owned();
    apart.sort_by_key(kind);
    assert_eq!(together, apart);
}

/// Clusters render while their values are validated: invalid values must still fail as
/// invalid values (not as whatever rendering them gave), with nothing printed, however
/// many threads render.
#[test]
fn large_clusters_with_invalid_values_fail_before_any_output() {
    let mut text = String::from("cluster:\n  name: big\nnodePools:\n");
    for i in 0..40 {
        let name = if i == 33 {
            "Pool_33".to_owned()
        } else {
            format!("pool-{i}")
        };
        text.push_str(&format!(
            "  - name: {name}\n    template: ubuntu\n    dataStore: ds\n    network: net\n"
        ));
    }
    let values = TempValues::new(&text);
    let run = capkv(&["render", "-f", values.arg()]);
    run.assert_fails(1, "nodePools[33].name");
    assert!(!run.stderr.contains("capkv bug"), "{}", run.stderr);
}

/// Command lines that clap answers itself (help, usage errors) end at once, with
/// clap's exit codes.
#[test]
fn rendering_commands_answered_by_clap_end_at_once() {
    for command in ["render", "lint"] {
        let help = capkv(&[command, "--help"]).success();
        assert!(help.contains("Usage: capkv"), "{help}");
        capkv(&[command, "--no-such-flag"]).assert_fails(2, "--no-such-flag");
    }
}
