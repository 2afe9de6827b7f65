//! Each node pool's MachineHealthCheck, read the way Cluster API reads it
//! (kubernetes-sigs/cluster-api@ae7ff04, cited by file and line): which Machines it
//! selects, when it finds a Node unhealthy, and what its webhook refuses.

use crate::support::{TempValues, capkv, documents};
use serde_json::Value;
use std::collections::BTreeMap;

const TWO_POOLS: &str = r#"
cluster:
  name: demo
nodePools:
  - name: web
    template: ubuntu-2404-kube-v1.33.4
    dataStore: ds
    network: net
    replicas: 3
  - name: web-db
    template: ubuntu-2404-kube-v1.33.4
    dataStore: ds
    network: net
    replicas: 2
    healthCheck:
      nodeStartupTimeoutSeconds: 900
      unhealthyNodeConditions:
        - type: Ready
          status: False
          timeoutSeconds: 120
      maxUnhealthy: 1
      maxInFlight: "50%"
"#;

fn render(values: &str, capi: &str) -> Vec<Value> {
    let file = TempValues::new(values);
    let out = capkv(&[
        "render",
        "-f",
        file.arg(),
        "--set",
        &format!("apiVersions.capi={capi}"),
    ])
    .success();
    documents(&out)
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The labels of every Machine a MachineDeployment creates: its template labels, with
/// the cluster-name label the MachineDeployment webhook adds
/// (core/webhooks/admission/machinedeployment.go:128-129), the machine-set-name label
/// and the deployment-name label the MachineSet controller sets
/// (core/reconcilers/machineset/machineset_controller.go:1353-1356, from
/// core/reconcilers/machinedeployment/machinedeployment_rollout_planner.go:308).
fn machine_labels(deployment: &Value) -> BTreeMap<String, String> {
    let name = deployment["metadata"]["name"].as_str().expect("a string");
    let mut labels = string_map(&deployment["spec"]["template"]["metadata"]["labels"]);
    labels.insert(
        "cluster.x-k8s.io/cluster-name".into(),
        deployment["spec"]["clusterName"]
            .as_str()
            .expect("a string")
            .into(),
    );
    labels.insert("cluster.x-k8s.io/set-name".into(), format!("{name}-abcde"));
    labels.insert("cluster.x-k8s.io/deployment-name".into(), name.into());
    labels
}

/// Whether the MachineHealthCheck selects a Machine with these labels: its selector
/// with the cluster-name label of `spec.clusterName` added
/// (core/reconcilers/machinehealthcheck/machinehealthcheck_targets.go:344-348).
fn selects(check: &Value, labels: &BTreeMap<String, String>) -> bool {
    let selector = &check["spec"]["selector"];
    assert!(
        selector.get("matchExpressions").is_none(),
        "modelled: matchLabels only"
    );
    let mut wanted = string_map(&selector["matchLabels"]);
    wanted.insert(
        "cluster.x-k8s.io/cluster-name".into(),
        check["spec"]["clusterName"]
            .as_str()
            .expect("a string")
            .into(),
    );
    wanted.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Seconds of a v1beta2 `timeoutSeconds` or of a v1beta1 Go duration (`"300s"`).
fn seconds(condition: &Value, v1beta2: bool) -> u64 {
    if v1beta2 {
        condition["timeoutSeconds"].as_u64().expect("a number")
    } else {
        let text = condition["timeout"].as_str().expect("a string");
        text.strip_suffix('s')
            .and_then(|n| n.parse().ok())
            .expect("a Go duration in seconds")
    }
}

/// Whether a Node whose condition `(type, status)` changed `for_seconds` ago is
/// unhealthy: a configured condition of that type and status that has held longer than
/// its timeout (machinehealthcheck_targets.go:260-275).
fn node_unhealthy(check: &Value, v1beta2: bool, condition: (&str, &str), for_seconds: u64) -> bool {
    let conditions = if v1beta2 {
        &check["spec"]["checks"]["unhealthyNodeConditions"]
    } else {
        &check["spec"]["unhealthyConditions"]
    };
    conditions.as_array().expect("a list").iter().any(|c| {
        c["type"] == condition.0 && c["status"] == condition.1 && for_seconds > seconds(c, v1beta2)
    })
}

#[test]
fn each_pool_has_a_health_check_that_selects_exactly_its_machines() {
    for capi in ["v1beta2", "v1beta1"] {
        let docs = render(TWO_POOLS, capi);
        let deployments = of_kind(&docs, "MachineDeployment");
        let checks = of_kind(&docs, "MachineHealthCheck");
        assert_eq!(checks.len(), 2, "{capi}: one per pool");
        // "web" is a prefix of "web-db": the selector must still tell them apart.
        for check in &checks {
            let selected: Vec<&str> = deployments
                .iter()
                .filter(|d| selects(check, &machine_labels(d)))
                .map(|d| d["metadata"]["name"].as_str().expect("a string"))
                .collect();
            let pool = check["metadata"]["name"]
                .as_str()
                .unwrap()
                .strip_suffix("-mhc")
                .expect("named <pool>-mhc");
            assert_eq!(selected, [format!("{pool}-md")], "{capi}");
            assert_eq!(check["apiVersion"], format!("cluster.x-k8s.io/{capi}"));
        }
    }
}

#[test]
fn a_node_not_ready_past_its_timeout_is_unhealthy_in_both_api_versions() {
    for (capi, v1beta2) in [("v1beta2", true), ("v1beta1", false)] {
        let docs = render(TWO_POOLS, capi);
        let checks = of_kind(&docs, "MachineHealthCheck");
        let web = checks
            .iter()
            .find(|c| c["metadata"]["name"] == "demo-web-mhc")
            .expect("rendered");
        let db = checks
            .iter()
            .find(|c| c["metadata"]["name"] == "demo-web-db-mhc")
            .expect("rendered");
        // Defaults: Ready False or Unknown for five minutes.
        assert!(
            !node_unhealthy(web, v1beta2, ("Ready", "False"), 290),
            "{capi}"
        );
        assert!(
            node_unhealthy(web, v1beta2, ("Ready", "False"), 310),
            "{capi}"
        );
        assert!(
            node_unhealthy(web, v1beta2, ("Ready", "Unknown"), 310),
            "{capi}"
        );
        assert!(
            !node_unhealthy(web, v1beta2, ("Ready", "True"), 10_000),
            "{capi}"
        );
        // The pool's own settings; `status: False` unquoted in YAML is still "False".
        assert!(
            node_unhealthy(db, v1beta2, ("Ready", "False"), 130),
            "{capi}"
        );
        assert!(
            !node_unhealthy(db, v1beta2, ("Ready", "Unknown"), 10_000),
            "{capi}"
        );
        if v1beta2 {
            assert_eq!(web["spec"]["checks"]["nodeStartupTimeoutSeconds"], 1200);
            assert_eq!(db["spec"]["checks"]["nodeStartupTimeoutSeconds"], 900);
            assert_eq!(
                web["spec"]["remediation"]["triggerIf"]["unhealthyLessThanOrEqualTo"],
                "40%"
            );
            assert_eq!(
                db["spec"]["remediation"]["triggerIf"]["unhealthyLessThanOrEqualTo"],
                1
            );
        } else {
            assert_eq!(web["spec"]["nodeStartupTimeout"], "1200s");
            assert_eq!(db["spec"]["nodeStartupTimeout"], "900s");
            assert_eq!(web["spec"]["maxUnhealthy"], "40%");
            assert_eq!(db["spec"]["maxUnhealthy"], 1);
        }
    }
}

/// The MachineSet reads how many machines it may remediate at once from its
/// MachineDeployment: `spec.remediation.maxInFlight` in v1beta2,
/// `spec.strategy.remediation.maxInFlight` in v1beta1
/// (core/reconcilers/machineset/machineset_controller.go, reconcileUnhealthyMachines).
#[test]
fn max_in_flight_goes_to_the_machine_deployment() {
    for (capi, path) in [
        ("v1beta2", "/spec/remediation/maxInFlight"),
        ("v1beta1", "/spec/strategy/remediation/maxInFlight"),
    ] {
        let docs = render(TWO_POOLS, capi);
        let deployments = of_kind(&docs, "MachineDeployment");
        let web = deployments
            .iter()
            .find(|d| d["metadata"]["name"] == "demo-web-md")
            .expect("rendered");
        let db = deployments
            .iter()
            .find(|d| d["metadata"]["name"] == "demo-web-db-md")
            .expect("rendered");
        assert_eq!(db.pointer(path), Some(&Value::from("50%")), "{capi}");
        assert_eq!(web.pointer(path), None, "{capi}: no limit unless asked");
    }
}

#[test]
fn a_pool_without_a_health_check_renders_none_and_changing_it_rolls_nothing() {
    let with = render(TWO_POOLS, "v1beta2");
    let file = TempValues::new(TWO_POOLS);
    let off = capkv(&[
        "render",
        "-f",
        file.arg(),
        "--set",
        "nodePools[0].healthCheck.enabled=false",
    ])
    .success();
    let off = documents(&off);
    assert_eq!(of_kind(&off, "MachineHealthCheck").len(), 1);
    // A health check is not part of the machines: the templates keep their names.
    let names = |docs: &[Value], kind: &str| -> Vec<Value> {
        of_kind(docs, kind)
            .iter()
            .map(|d| d["metadata"]["name"].clone())
            .collect()
    };
    for kind in ["VSphereMachineTemplate", "KubeadmConfigTemplate"] {
        assert_eq!(names(&with, kind), names(&off, kind), "{kind}");
    }
}

/// What CAPI's webhook refuses (core/webhooks/admission/machinehealthcheck.go:140-163)
/// and what makes remediation useless are caught before anything is applied.
#[test]
fn lint_catches_what_capi_refuses_and_what_disables_remediation() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--set",
                "nodePools[0].healthCheck.nodeStartupTimeoutSeconds=10",
            ],
            "error: nodePools[0].healthCheck.nodeStartupTimeoutSeconds: 10: CAPI refuses a timeout under 30 seconds",
        ),
        (
            &["--set-string", "nodePools[0].healthCheck.maxUnhealthy=40"],
            "error: nodePools[0].healthCheck.maxUnhealthy: \"40\" is a string, which Kubernetes takes only as a percentage: write 40 or \"40%\"",
        ),
        (
            &["--set-string", "nodePools[0].healthCheck.maxInFlight=half"],
            "error: nodePools[0].healthCheck.maxInFlight: expected a non-negative integer or a percentage such as \"25%\", got \"half\"",
        ),
        (
            &["--set", "nodePools[0].healthCheck.maxUnhealthy=0"],
            "warning: nodePools[0].healthCheck.maxUnhealthy: 0: remediation is allowed only while no machine is unhealthy",
        ),
        (
            &[
                "--set",
                "nodePools[0].healthCheck.unhealthyNodeConditions[0].timeoutSeconds=0",
            ],
            "warning: nodePools[0].healthCheck.unhealthyNodeConditions[0].timeoutSeconds: 0:",
        ),
        (
            &[
                "--set-json",
                "nodePools[0].healthCheck.unhealthyNodeConditions=[{\"type\":\"Ready\",\"status\":\"Maybe\",\"timeoutSeconds\":60}]",
            ],
            "nodePools[0].healthCheck.unhealthyNodeConditions[0].status",
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["lint", "demo"];
        args.extend_from_slice(flags);
        let run = capkv(&args);
        run.assert_finding(flags, expected);
    }
    // Disabled, its settings are not checked.
    let run = capkv(&[
        "lint",
        "demo",
        "--set",
        "nodePools[0].healthCheck.enabled=false,nodePools[0].healthCheck.nodeStartupTimeoutSeconds=10",
    ]);
    assert!(!run.stderr.contains("healthCheck"), "{}", run.stderr);
}
