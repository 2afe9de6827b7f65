//! `nodePools[].rollout` through the binary: where each setting lands in the
//! MachineDeployment of either CAPI version, the values it refuses, and that `capkv
//! diff` reports a change of it as in place.

use crate::support::{TempValues, capkv, documents};
use serde_json::{Value, json};

/// Two pools: `fast` sets every rollout key, `manual` is OnDelete with a deletion order.
const ROLLOUT: &str = r#"
nodePools:
  - name: fast
    template: ubuntu-2204-kube-v1.31.0
    dataStore: ds
    network: net
    rollout:
      maxSurge: "25%"
      maxUnavailable: 1
      deletionOrder: Oldest
      minReadySeconds: 30
      nodeDrainTimeoutSeconds: 900
      nodeVolumeDetachTimeoutSeconds: 300
      nodeDeletionTimeoutSeconds: 0
  - name: manual
    template: ubuntu-2204-kube-v1.31.0
    dataStore: ds
    network: net
    rollout:
      strategy: OnDelete
      deletionOrder: Newest
"#;

/// The MachineDeployment of each pool, in pool order.
fn machine_deployments(values: &str, extra: &[&str]) -> Vec<Value> {
    let file = TempValues::new(values);
    let mut args = vec!["render", "demo", "-f", file.arg()];
    args.extend_from_slice(extra);
    documents(&capkv(&args).success())
        .into_iter()
        .filter(|d| d["kind"] == "MachineDeployment")
        .collect()
}

#[test]
fn v1beta2_keeps_the_settings_in_rollout_deletion_and_the_machine_spec() {
    let mds = machine_deployments(ROLLOUT, &[]);
    let (fast, manual) = (&mds[0]["spec"], &mds[1]["spec"]);
    assert_eq!(
        fast["rollout"],
        json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}}})
    );
    assert_eq!(fast["deletion"], json!({"order": "Oldest"}));
    assert_eq!(fast["template"]["spec"]["minReadySeconds"], 30);
    assert_eq!(
        fast["template"]["spec"]["deletion"],
        json!({"nodeDrainTimeoutSeconds": 900, "nodeVolumeDetachTimeoutSeconds": 300, "nodeDeletionTimeoutSeconds": 0})
    );
    // v1beta1's places stay empty.
    for key in ["strategy", "minReadySeconds"] {
        assert_eq!(fast[key], Value::Null, "{key}");
    }
    assert_eq!(fast["template"]["spec"]["nodeDrainTimeout"], Value::Null);

    assert_eq!(manual["rollout"], json!({"strategy": {"type": "OnDelete"}}));
    assert_eq!(manual["deletion"], json!({"order": "Newest"}));
    // The drain timeout's default.
    assert_eq!(
        manual["template"]["spec"]["deletion"],
        json!({"nodeDrainTimeoutSeconds": 600})
    );
}

#[test]
fn v1beta1_keeps_the_settings_in_strategy_and_duration_strings() {
    let mds = machine_deployments(ROLLOUT, &["--set", "apiVersions.capi=v1beta1"]);
    assert_eq!(mds[0]["apiVersion"], "cluster.x-k8s.io/v1beta1");
    let (fast, manual) = (&mds[0]["spec"], &mds[1]["spec"]);
    assert_eq!(
        fast["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1, "deletePolicy": "Oldest"}})
    );
    assert_eq!(fast["minReadySeconds"], 30);
    let machine = &fast["template"]["spec"];
    assert_eq!(machine["nodeDrainTimeout"], "900s");
    assert_eq!(machine["nodeVolumeDetachTimeout"], "300s");
    assert_eq!(machine["nodeDeletionTimeout"], "0s");
    for key in ["rollout", "deletion"] {
        assert_eq!(fast[key], Value::Null, "{key}");
    }
    for key in ["deletion", "minReadySeconds"] {
        assert_eq!(machine[key], Value::Null, "{key}");
    }
    // v1beta1 keeps the deletion order in rollingUpdate, whatever the strategy.
    assert_eq!(
        manual["strategy"],
        json!({"type": "OnDelete", "rollingUpdate": {"deletePolicy": "Newest"}})
    );
    assert_eq!(manual["template"]["spec"]["nodeDrainTimeout"], "600s");
}

#[test]
fn a_pool_without_rollout_settings_renders_only_the_drain_timeout() {
    for (profile, drain) in [
        (
            "v1beta2",
            json!({"deletion": {"nodeDrainTimeoutSeconds": 600}}),
        ),
        ("v1beta1", json!({"nodeDrainTimeout": "600s"})),
    ] {
        let mds = machine_deployments("{}", &["--api-profile", profile]);
        let spec = &mds[0]["spec"];
        for key in ["rollout", "deletion", "strategy", "minReadySeconds"] {
            assert_eq!(spec[key], Value::Null, "{profile}: {key}");
        }
        for (key, value) in drain.as_object().unwrap() {
            assert_eq!(&spec["template"]["spec"][key], value, "{profile}");
        }
        assert_eq!(spec["template"]["spec"]["minReadySeconds"], Value::Null);
    }
    // 0 is rendered: it asks CAPI to wait for drains forever.
    let forever = machine_deployments(
        "{}",
        &["--set", "nodePools[0].rollout.nodeDrainTimeoutSeconds=0"],
    );
    assert_eq!(
        forever[0]["spec"]["template"]["spec"]["deletion"],
        json!({"nodeDrainTimeoutSeconds": 0})
    );
}

#[test]
fn rolling_update_bounds_are_left_out_with_on_delete() {
    for profile in ["v1beta2", "v1beta1"] {
        let mds = machine_deployments(
            "{}",
            &[
                "--api-profile",
                profile,
                "--set",
                "nodePools[0].rollout.strategy=OnDelete",
                "--set",
                "nodePools[0].rollout.maxSurge=3",
            ],
        );
        let text = mds[0].to_string();
        assert!(!text.contains("maxSurge"), "{profile}: {text}");
        assert!(text.contains("\"OnDelete\""), "{profile}: {text}");
    }
}

#[test]
fn malformed_percentages_and_unknown_orders_are_refused_at_their_path() {
    for (value, shown) in [
        ("\"25 %\"", "\"25 %\""),
        ("\"x%\"", "\"x%\""),
        ("-1", "-1"),
        ("1.5", "1.5"),
    ] {
        capkv(&[
            "render",
            "demo",
            "--set-json",
            &format!("nodePools[0].rollout.maxUnavailable={value}"),
        ])
        .assert_fails(
            1,
            &format!(
                "error: nodePools[0].rollout.maxUnavailable: expected a non-negative integer or a percentage such as \"25%\", got {shown} (from --set flags)"
            ),
        );
    }
    // A quoted count, the usual slip, is named as such.
    capkv(&[
        "render",
        "demo",
        "--set-json",
        "nodePools[0].rollout.maxUnavailable=\"3\"",
    ])
    .assert_fails(
        1,
        "error: nodePools[0].rollout.maxUnavailable: \"3\" is a string, which Kubernetes takes only as a percentage: write 3 or \"3%\" (from --set flags)",
    );
    capkv(&[
        "render",
        "demo",
        "--set",
        "nodePools[0].rollout.deletionOrder=First",
    ])
    .assert_fails(
        1,
        "error: nodePools[0].rollout.deletionOrder: expected one of \"Random\", \"Newest\", \"Oldest\", got \"First\"",
    );
}

/// `capkv diff -o OUTPUT` of the ROLLOUT values rendered with `before`, then `after`.
fn diff(before: &[&str], after: &[&str], output: &str) -> String {
    let values = TempValues::new(ROLLOUT);
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "demo", "-f", values.arg()];
        args.extend_from_slice(extra);
        TempValues::named("stream.yaml", &capkv(&args).success())
    };
    let (old, new) = (render(before), render(after));
    capkv(&["diff", "-o", output, old.arg(), new.arg()]).success()
}

#[test]
fn diff_says_rollout_settings_change_in_place() {
    for profile in ["v1beta2", "v1beta1"] {
        let changes = [
            "--set",
            "nodePools[0].rollout.maxSurge=3",
            "--set",
            "nodePools[0].rollout.nodeDrainTimeoutSeconds=60",
            "--set",
            "nodePools[0].rollout.minReadySeconds=0",
            "--set",
            "nodePools[1].rollout.strategy=RollingUpdate",
            "--set",
            "nodePools[1].rollout.deletionOrder=Random",
        ];
        let before = ["--api-profile", profile];
        let mut after = before.to_vec();
        after.extend_from_slice(&changes);
        let report = diff(&before, &after, "text");
        for pool in ["demo-fast-md", "demo-manual-md"] {
            assert!(
                report.contains(&format!("  in place  default/{pool}\n")),
                "{profile}: {report}"
            );
        }
        assert!(!report.contains("rolls"), "{profile}: {report}");
        // Every changed setting is named, and each says it rolls nothing. Paths are those
        // of the object as the API server stores it (v1beta2) for both profiles.
        let (surge, drain, ready) = (
            "spec.rollout.strategy.rollingUpdate.maxSurge: 25% → 3",
            "spec.template.spec.deletion.nodeDrainTimeoutSeconds: 900 → 60",
            "spec.template.spec.minReadySeconds: 30 → (unset)",
        );
        for line in [surge, drain, ready] {
            assert!(
                report.contains(&format!("{line} (in place, no roll)\n")),
                "{profile}: {line} in\n{report}"
            );
        }
    }
}

#[test]
fn diff_lists_in_place_settings_under_a_pool_that_rolls_for_another_reason() {
    let report = diff(
        &[],
        &[
            "--set",
            "nodePools[0].numCPUs=4",
            "--set",
            "nodePools[0].rollout.deletionOrder=Newest",
        ],
        "markdown",
    );
    let row = report
        .lines()
        .find(|l| l.starts_with("| `default/demo-fast-md`"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(row.contains("| **rolls** |"), "{row}");
    assert!(
        row.contains("new VSphereMachineTemplate: `spec.template.spec.numCPUs`"),
        "{row}"
    );
    assert!(
        row.contains("`spec.deletion.order` `Oldest` → `Newest` (in place, no roll)"),
        "{row}"
    );
}
