//! Bad input: a precise message naming the values path and the file, exit code 1,
//! nothing on stdout. Bad usage: exit code 2.

use crate::support::{TempValues, capkv};

#[test]
fn wrong_type_names_the_path_and_the_file() {
    let file = TempValues::new(
        "nodePools:\n  - name: a\n    template: t\n    dataStore: d\n    network: net\n  - name: b\n    template: t\n    dataStore: d\n    network: net\n    memoryMiB: 4GB\n",
    );
    let run = capkv(&["render", "demo", "-f", file.arg()]);
    run.assert_fails(
        1,
        "error: nodePools[1].memoryMiB: expected an integer, got \"4GB\"",
    );
    assert!(
        run.stderr.contains(file.arg()),
        "names the file: {}",
        run.stderr
    );
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let file = TempValues::new(
        "nodePools:\n  - name: a\n    template: t\n    dataStore: d\n    network: net\n    replica: 3\n",
    );
    let run = capkv(&["render", "demo", "-f", file.arg()]);
    run.assert_fails(
        1,
        "error: nodePools[0].replica: unknown key (did you mean \"replicas\"?)",
    );
    assert!(run.stderr.contains(file.arg()));
}

#[test]
fn unknown_top_level_and_nested_keys_are_rejected() {
    for (yaml, path) in [
        (
            "vsphere:\n  server: x\n",
            "vsphere: unknown key (did you mean \"vSphere\"?)",
        ),
        (
            "cluster:\n  controlPlane:\n    netwrok: {}\n",
            "cluster.controlPlane.netwrok: unknown key (did you mean \"network\"?)",
        ),
        (
            "vSphere:\n  secret:\n    crate: true\n",
            "vSphere.secret.crate: unknown key (did you mean \"create\"?)",
        ),
    ] {
        let file = TempValues::new(yaml);
        capkv(&["render", "demo", "-f", file.arg()]).assert_fails(1, path);
    }
}

#[test]
fn set_flag_errors_name_the_flag_as_origin() {
    let run = capkv(&["render", "demo", "--set", "nodePools[0].numCPUs=many"]);
    run.assert_fails(
        1,
        "nodePools[0].numCPUs: expected an integer, got \"many\" (from --set flags)",
    );
}

#[test]
fn pool_without_required_fields_is_rejected() {
    let file = TempValues::new("nodePools:\n  - name: a\n    replicas: 2\n");
    let run = capkv(&["render", "demo", "-f", file.arg()]);
    run.assert_fails(1, "error: nodePools[0].template: required");
    assert!(run.stderr.contains("nodePools[0].dataStore: required"));
    assert!(run.stderr.contains("nodePools[0].network: required"));
}

#[test]
fn pool_that_omits_optional_fields_gets_the_seed_defaults() {
    let file = TempValues::new(
        "nodePools:\n  - name: small\n    template: t\n    dataStore: d\n    network: net\n",
    );
    let out = capkv(&["values", "demo", "-f", file.arg(), "-o", "json"]).success();
    let values: serde_json::Value = serde_json::from_str(&out).expect("json");
    let pool = &values["nodePools"][0];
    assert_eq!(pool["replicas"], 3);
    assert_eq!(pool["numCPUs"], 2);
    assert_eq!(pool["memoryMiB"], 4096);
    assert_eq!(pool["diskGiB"], 40);
    assert_eq!(pool["dhcp4"], false);
    assert_eq!(pool["nameServers"][0], "8.8.8.8");
    assert_eq!(pool["users"][0]["name"], "ubuntu");
    assert_eq!(pool["resourcePool"], "*/Resources");
    assert_eq!(pool["autoscaling"]["enabled"], false);
}

#[test]
fn missing_cluster_name_is_a_clear_error() {
    capkv(&["render"]).assert_fails(1, "error: cluster.name: no cluster name");
}

#[test]
fn invalid_cluster_name_is_rejected() {
    capkv(&["render", "Bad_Name"]).assert_fails(1, "\"Bad_Name\" is not a valid cluster name");
    let long = "a".repeat(64);
    capkv(&["render", &long]).assert_fails(1, "is not a valid cluster name");
}

#[test]
fn duplicate_pool_names_are_rejected() {
    let pool = "  - name: a\n    template: t\n    dataStore: d\n    network: net\n";
    let file = TempValues::new(&format!("nodePools:\n{pool}{pool}"));
    capkv(&["render", "demo", "-f", file.arg()]).assert_fails(
        1,
        "nodePools[1].name: \"a\" is already the name of nodePools[0]",
    );
}

#[test]
fn apiserver_cloud_provider_flag_fails_from_kubernetes_1_33() {
    let run = capkv(&[
        "render",
        "demo",
        "--set",
        "cluster.controlPlane.version=v1.33.1",
    ]);
    run.assert_fails(1, "cluster.controlPlane.apiServer.extraArgs[0]: kube-apiserver v1.33.1 has no --cloud-provider=external flag");
    // Kamaji keeps a flag it does not own on the running container (kamaji
    // internal/builders/controlplane/deployment.go:758-795, mergeAPIServerArgs): the
    // message says how to get it off a running cluster.
    run.assert_fails(1, "also delete it once from the kube-apiserver container of the control plane Deployment (named after the cluster) before upgrading");
    capkv(&[
        "render",
        "demo",
        "--set",
        "cluster.controlPlane.version=v1.33.1",
        "--set-json",
        "cluster.controlPlane.apiServer.extraArgs=[]",
    ])
    .success();
}

#[test]
fn malformed_version_is_rejected() {
    capkv(&[
        "render",
        "demo",
        "--set",
        "cluster.controlPlane.version=1.31",
    ])
    .assert_fails(1, "expected vMAJOR.MINOR.PATCH");
}

#[test]
fn missing_values_file_is_an_input_error() {
    capkv(&["render", "demo", "-f", "does-not-exist.yaml"])
        .assert_fails(1, "error: does-not-exist.yaml: no such file");
}

#[test]
fn invalid_yaml_names_the_file() {
    let file = TempValues::new("a: [1, 2\n");
    let run = capkv(&["render", "demo", "-f", file.arg()]);
    run.assert_fails(1, "invalid YAML");
    assert!(run.stderr.contains(file.arg()));
}

#[test]
fn duplicate_keys_are_an_error() {
    let file = TempValues::new("cluster:\n  name: a\n  name: b\n");
    capkv(&["render", "demo", "-f", file.arg()]).assert_fails(1, "duplicate");
}

#[test]
fn a_list_instead_of_a_map_is_rejected() {
    let file = TempValues::new("- a\n- b\n");
    capkv(&["render", "demo", "-f", file.arg()])
        .assert_fails(1, "document 1 is a list, expected a map of values");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    capkv(&["render", "--no-such-flag"]).assert_fails(2, "unexpected argument");
    capkv(&["render", "--api-profile", "v1alpha9"]).assert_fails(2, "invalid value");
}

#[test]
fn ipam_disabled_with_pools_using_it_is_rejected() {
    capkv(&["render", "demo", "--set", "ipamProvider.enabled=false"])
        .assert_fails(1, "nodePools[0].addressesFromPools.enabled: the pool takes addresses from the cluster's InClusterIPPool");
}
