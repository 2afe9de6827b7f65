//! `capkv values`: the merged values, typed or raw.

use crate::support::{TempValues, capkv, capkv_with_stdin};

#[test]
fn values_prints_the_typed_defaults() {
    let out = capkv(&["values"]).success();
    assert!(out.contains("apiProfile: v1beta2\n"));
    assert!(out.contains("tlsThumbprint: \"\"\n"));
    let json: serde_json::Value =
        serde_json::from_str(&capkv(&["values", "-o", "json"]).success()).expect("json");
    assert_eq!(json["cluster"]["controlPlane"]["version"], "v1.31.0");
    assert_eq!(json["nodePools"][0]["name"], "default");
}

#[test]
fn files_merge_in_order_maps_deeply_lists_replaced() {
    let a = TempValues::new(
        "cluster:\n  controlPlane:\n    replicas: 5\n    labels:\n      a: x\nipamProvider:\n  ranges: [10.0.0.0/24, 10.0.1.0/24]\n",
    );
    let b = TempValues::new(
        "cluster:\n  controlPlane:\n    labels:\n      b: why\nipamProvider:\n  ranges: [10.9.0.0/24]\n",
    );
    let out = capkv(&[
        "values",
        "--raw",
        "-o",
        "json",
        "-f",
        a.arg(),
        "-f",
        b.arg(),
    ])
    .success();
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["cluster"]["controlPlane"]["replicas"], 5);
    assert_eq!(
        json["cluster"]["controlPlane"]["labels"],
        serde_json::json!({"cni": "calico", "a": "x", "b": "why"})
    );
    assert_eq!(
        json["ipamProvider"]["ranges"],
        serde_json::json!(["10.9.0.0/24"])
    );
}

#[test]
fn null_deletes_a_default_key() {
    let file = TempValues::new("cluster:\n  controlPlane:\n    labels:\n      cni: null\n");
    let out = capkv(&["values", "--raw", "-o", "json", "-f", file.arg()]).success();
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        json["cluster"]["controlPlane"]["labels"],
        serde_json::json!({})
    );
}

#[test]
fn set_overrides_files_and_types_scalars() {
    let file = TempValues::new("cluster:\n  controlPlane:\n    replicas: 5\n");
    let out = capkv(&[
        "values",
        "-o",
        "json",
        "-f",
        file.arg(),
        "--set",
        "cluster.controlPlane.replicas=7",
        "--set",
        "vSphere.insecure=true",
        "--set",
        "cluster.name=abc",
    ])
    .success();
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["cluster"]["controlPlane"]["replicas"], 7);
    assert_eq!(json["vSphere"]["insecure"], true);
    assert_eq!(json["cluster"]["name"], "abc");
}

#[test]
fn set_on_a_default_list_patches_the_element() {
    let out = capkv(&["values", "-o", "json", "--set", "nodePools[0].replicas=5"]).success();
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["nodePools"][0]["replicas"], 5);
    assert_eq!(json["nodePools"][0]["template"], "ubuntu-2204-kube-v1.31.0");
}

#[test]
fn values_file_from_stdin() {
    let out = capkv_with_stdin(
        &["values", "-o", "json", "-f", "-"],
        "cluster:\n  name: piped\n",
    )
    .success();
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["cluster"]["name"], "piped");
}

#[test]
fn yaml_1_1_scalars_are_read_like_helm() {
    let file = TempValues::new(
        "vSphere:\n  insecure: yes\ncluster:\n  controlPlane:\n    replicas: 0o3\n",
    );
    let out = capkv(&["values", "-o", "json", "-f", file.arg()]).success();
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["vSphere"]["insecure"], true);
    assert_eq!(json["cluster"]["controlPlane"]["replicas"], 3);
}
