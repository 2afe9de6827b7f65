//! A Kubernetes version per node pool: the control plane is upgraded first, then the
//! pools one by one, each a rolling update CAPI starts when the MachineDeployment's
//! `spec.template.spec.version` changes.

use crate::support::{TempValues, capkv, documents};
use serde_json::Value;

const POOLS: &str = r"
cluster:
  name: demo
  controlPlane:
    version: v1.33.2
    apiServer:
      extraArgs: []
nodePools:
  - name: old
    template: ubuntu-2404-kube-v1.32.5
    version: v1.32.5
    dataStore: ds
    network: net
  - name: current
    template: ubuntu-2404-kube-v1.33.2
    dataStore: ds
    network: net
";

fn version_of(docs: &[Value], deployment: &str) -> Value {
    docs.iter()
        .find(|d| d["kind"] == "MachineDeployment" && d["metadata"]["name"] == deployment)
        .map(|d| d["spec"]["template"]["spec"]["version"].clone())
        .expect("the pool's MachineDeployment")
}

#[test]
fn each_pool_runs_its_own_version_or_the_control_planes() {
    let file = TempValues::new(POOLS);
    for capi in ["v1beta2", "v1beta1"] {
        let out = capkv(&[
            "render",
            "-f",
            file.arg(),
            "--set",
            &format!("apiVersions.capi={capi}"),
        ])
        .success();
        let docs = documents(&out);
        assert_eq!(version_of(&docs, "demo-old-md"), "v1.32.5", "{capi}");
        assert_eq!(version_of(&docs, "demo-current-md"), "v1.33.2", "{capi}");
    }
    // Templates named for the pool's own version raise no skew warning.
    let run = capkv(&["lint", "-f", file.arg()]);
    assert!(!run.stderr.contains("nodePools[0]"), "{}", run.stderr);
}

#[test]
fn upgrading_one_pool_rolls_only_that_pool_and_says_why() {
    let before = TempValues::named("before.yaml", POOLS);
    let after = TempValues::named(
        "after.yaml",
        &POOLS
            .replace("version: v1.32.5", "version: v1.33.2")
            .replace("kube-v1.32.5", "kube-v1.33.2"),
    );
    let old = capkv(&["render", "-f", before.arg()]).success();
    let new = capkv(&["render", "-f", after.arg()]).success();
    let old_file = TempValues::named("old.yaml", &old);
    let new_file = TempValues::named("new.yaml", &new);
    let diff = capkv(&["diff", old_file.arg(), new_file.arg()]).success();
    let status = |pool: &str| {
        diff.lines()
            .find(|line| line.ends_with(&format!("default/{pool}")))
            .map(|line| {
                line.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
    };
    assert_eq!(status("demo-old-md").as_deref(), Some("rolls"), "{diff}");
    assert!(
        diff.contains("spec.template.spec.version: v1.32.5 → v1.33.2"),
        "{diff}"
    );
    assert_ne!(
        status("demo-current-md").as_deref(),
        Some("rolls"),
        "{diff}"
    );
}

/// The Kubernetes version skew policy (kubernetes.io/releases/version-skew-policy): a
/// kubelet is never newer than kube-apiserver and at most three minors older.
#[test]
fn lint_enforces_the_kubelet_skew_policy() {
    let cases = [
        (
            "v1.34.0",
            "error: nodePools[0].version: v1.34.0 is newer than cluster.controlPlane.version v1.33.2",
        ),
        (
            "v1.29.9",
            "error: nodePools[0].version: v1.29.9 is more than 3 minors behind cluster.controlPlane.version v1.33.2",
        ),
        (
            "1.32",
            "error: nodePools[0].version: \"1.32\" is not a Kubernetes version",
        ),
        (
            "v1.33.4",
            "warning: nodePools[0].version: v1.33.4 is a newer patch than cluster.controlPlane.version v1.33.2",
        ),
        (
            "v1.30.1",
            "warning: nodePools[0].template: \"ubuntu-2404-kube-v1.32.5\" names Kubernetes 1.32 but the pool's version is v1.30.1",
        ),
    ];
    let file = TempValues::new(POOLS);
    for (version, expected) in cases {
        let run = capkv(&[
            "lint",
            "-f",
            file.arg(),
            "--set",
            &format!("nodePools[0].version={version}"),
        ]);
        run.assert_finding(version, expected);
    }
    // Three minors behind is within the policy.
    let run = capkv(&[
        "lint",
        "-f",
        file.arg(),
        "--set",
        "nodePools[0].version=v1.30.0,nodePools[0].template=ubuntu-2404-kube-v1.30.0",
    ]);
    assert!(!run.stderr.contains("nodePools[0]"), "{}", run.stderr);
}
