//! `render --show-only KIND[/NAME]`: part of the stream, in stream order.

use crate::support::{capkv, name_of, object_ids};

#[test]
fn a_kind_in_any_case_keeps_every_object_of_that_kind() {
    let out = capkv(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--show-only",
        "machinedeployment",
    ])
    .success();
    assert_eq!(
        object_ids(&out),
        [
            "MachineDeployment/prod-eu-1-general-md",
            "MachineDeployment/prod-eu-1-gpu-md",
            "MachineDeployment/prod-eu-1-batch-milan-a-md",
            "MachineDeployment/prod-eu-1-batch-milan-b-md"
        ]
    );
    assert!(out.starts_with("---\n# Source: templates/machine-deployment.yaml\n"));
}

#[test]
fn kind_and_name_keep_one_object_and_selectors_add_up_in_stream_order() {
    let full = capkv(&["render", "demo"]).success();
    let template = name_of(&full, "VSphereMachineTemplate", "demo-default-");
    let selector = format!("VSphereMachineTemplate/{template}");
    let out = capkv(&[
        "render",
        "demo",
        "--show-only",
        &selector,
        "--show-only",
        "Cluster/demo",
    ])
    .success();
    assert_eq!(
        object_ids(&out),
        [
            "Cluster/demo".to_owned(),
            format!("VSphereMachineTemplate/{template}")
        ]
    );
}

#[test]
fn a_selector_that_matches_nothing_is_an_error() {
    capkv(&["render", "demo", "--show-only", "Cluster/other"]).assert_fails(
        1,
        "--show-only Cluster/other: no object matches; the stream has Cluster/demo",
    );
    capkv(&[
        "render",
        "demo",
        "--show-only",
        "Cluster",
        "--show-only",
        "Secret",
    ])
    .assert_fails(
        1,
        "--show-only Secret: no object matches; the stream has the kinds NetworkPolicy, ServiceAccount, Deployment, Cluster,",
    );
}

#[test]
fn a_malformed_selector_is_a_usage_error() {
    capkv(&["render", "demo", "--show-only", "Cluster/"])
        .assert_fails(2, "expected KIND or KIND/NAME");
}
