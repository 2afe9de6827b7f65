//! Failure domains, read the way CAPV places a machine
//! (kubernetes-sigs/cluster-api-provider-vsphere@111a1ba, cited by file and line).

use crate::support::{TempValues, capkv, documents};
use serde_json::{Value, json};

const SPREAD: &str = r"
cluster:
  name: demo
vSphere:
  server: vcenter.example.com
  dataCenter: dc-1
vSphereCloudControllerManager:
  topology:
    region: k8s-region
    zone: k8s-zone
failureDomains:
  - name: a
    region: eu
    zone: a
    computeCluster: cluster-a
  - name: b
    region: eu
    zone: b
    zoneType: HostGroup
    computeCluster: cluster-b
    hosts:
      vmGroupName: workers
      hostGroupName: rack-b
    datastore: ds-b
    networks: [net-b]
    resourcePool: cluster-b/Resources/workers
    folder: workers-b
nodePools:
  - name: web
    template: ubuntu-2404-kube-v1.31.0
    dataStore: ds
    network: net
    folder: workers
    resourcePool: '*/Resources'
    replicas: 5
    failureDomains: [a, b]
  - name: db
    template: ubuntu-2404-kube-v1.31.0
    dataStore: ds-b
    network: net-b
    replicas: 2
    failureDomain: b
    autoscaling:
      enabled: true
      minSize: 1
      maxSize: 3
";

fn render(values: &str, extra: &[&str]) -> Vec<Value> {
    let file = TempValues::new(values);
    let mut args = vec!["render", "-f", file.arg()];
    args.extend_from_slice(extra);
    documents(&capkv(&args).success())
}

fn named<'a>(docs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
}

/// Where CAPV puts a machine of this MachineDeployment: the VSphereMachineTemplate's
/// placement, overridden as `generateOverrideFunc` does (pkg/services/vimmachine.go:457-496)
/// when the Machine names a failure domain: the VSphereDeploymentZone of that name
/// (cluster-scoped: looked up by name alone, :466), then the VSphereFailureDomain it
/// names (:472); server and datacenter always, folder, resource pool and datastore when
/// set, networks by device index (:503-525).
fn placement(docs: &[Value], deployment: &Value) -> Value {
    let spec = &deployment["spec"]["template"]["spec"];
    let template = named(
        docs,
        "VSphereMachineTemplate",
        spec["infrastructureRef"]["name"].as_str().expect("a name"),
    )
    .expect("the machine template");
    let vm = &template["spec"]["template"]["spec"];
    let mut placed = json!({
        "server": vm["server"], "datacenter": vm["datacenter"], "folder": vm["folder"],
        "resourcePool": vm["resourcePool"], "datastore": vm["datastore"],
        "network": vm["network"]["devices"][0]["networkName"], "computeCluster": null,
    });
    let Some(domain) = spec["failureDomain"].as_str() else {
        return placed;
    };
    let Some(zone) = named(docs, "VSphereDeploymentZone", domain) else {
        // CAPV logs the miss and places the machine as if no domain were set.
        return placed;
    };
    let fd = named(
        docs,
        "VSphereFailureDomain",
        zone["spec"]["failureDomain"].as_str().expect("a name"),
    )
    .expect("the zone's failure domain");
    let topology = &fd["spec"]["topology"];
    placed["server"] = zone["spec"]["server"].clone();
    placed["datacenter"] = topology["datacenter"].clone();
    for (key, value) in [
        ("folder", &zone["spec"]["placementConstraint"]["folder"]),
        (
            "resourcePool",
            &zone["spec"]["placementConstraint"]["resourcePool"],
        ),
        ("datastore", &topology["datastore"]),
        ("network", &topology["networks"][0]),
    ] {
        if value.is_string() {
            placed[key] = value.clone();
        }
    }
    placed["computeCluster"] = topology["computeCluster"].clone();
    placed
}

#[test]
fn machines_land_in_their_failure_domain_in_both_capv_versions() {
    for capv in ["v1beta2", "v1beta1"] {
        let docs = render(SPREAD, &["--set", &format!("apiVersions.capv={capv}")]);
        let deployment = |name: &str| named(&docs, "MachineDeployment", name).expect(name);
        let web_a = placement(&docs, deployment("demo-web-a-md"));
        assert_eq!(web_a["computeCluster"], "cluster-a", "{capv}");
        assert_eq!(web_a["server"], "vcenter.example.com", "{capv}");
        assert_eq!(web_a["datacenter"], "dc-1", "{capv}");
        assert_eq!(
            web_a["datastore"], "ds",
            "{capv}: domain a keeps the pool's datastore"
        );
        assert_eq!(web_a["folder"], "workers", "{capv}");
        let web_b = placement(&docs, deployment("demo-web-b-md"));
        assert_eq!(
            web_b,
            json!({"server": "vcenter.example.com", "datacenter": "dc-1", "folder": "workers-b",
                "resourcePool": "cluster-b/Resources/workers", "datastore": "ds-b",
                "network": "net-b", "computeCluster": "cluster-b"}),
            "{capv}"
        );
        // One domain: the pool keeps its MachineDeployment's name.
        let db = placement(&docs, deployment("demo-db-md"));
        assert_eq!(db["computeCluster"], "cluster-b", "{capv}");
        // Both objects are cluster-scoped.
        for kind in ["VSphereFailureDomain", "VSphereDeploymentZone"] {
            let object = named(&docs, kind, "default-demo-b").expect(kind);
            assert!(
                object["metadata"].get("namespace").is_none(),
                "{capv} {kind}"
            );
            assert_eq!(
                object["apiVersion"],
                format!("infrastructure.cluster.x-k8s.io/{capv}")
            );
        }
        let fd = named(&docs, "VSphereFailureDomain", "default-demo-b").expect("domain b");
        assert_eq!(fd["spec"]["zone"]["tagCategory"], "k8s-zone");
        assert_eq!(fd["spec"]["region"]["tagCategory"], "k8s-region");
        assert_eq!(fd["spec"]["topology"]["hosts"]["hostGroupName"], "rack-b");
    }
}

#[test]
fn a_spread_pool_splits_replicas_bounds_and_health_checks_over_its_domains() {
    let docs = render(SPREAD, &[]);
    let web: Vec<&Value> = docs
        .iter()
        .filter(|d| d["kind"] == "MachineDeployment")
        .filter(|d| {
            d["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("demo-web-"))
        })
        .collect();
    let replicas: Vec<&Value> = web.iter().map(|d| &d["spec"]["replicas"]).collect();
    assert_eq!(replicas, [&json!(3), &json!(2)], "5 over 2 domains");
    // Both deployments use the pool's one pair of templates.
    assert_eq!(
        web[0]["spec"]["template"]["spec"]["infrastructureRef"],
        web[1]["spec"]["template"]["spec"]["infrastructureRef"]
    );
    for name in ["demo-web-a", "demo-web-b", "demo-db"] {
        let check = named(&docs, "MachineHealthCheck", &format!("{name}-mhc")).expect(name);
        assert_eq!(
            check["spec"]["selector"]["matchLabels"]["cluster.x-k8s.io/deployment-name"],
            format!("{name}-md")
        );
    }
    // The autoscaler bounds are split like the replicas.
    let spread = SPREAD.replace("    replicas: 5\n", "    replicas: 5\n    autoscaling:\n      enabled: true\n      minSize: 3\n      maxSize: 7\n");
    let docs = render(&spread, &[]);
    let bounds = |name: &str| {
        let annotations =
            &named(&docs, "MachineDeployment", name).expect(name)["metadata"]["annotations"];
        (
            annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"].clone(),
            annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"].clone(),
        )
    };
    assert_eq!(bounds("demo-web-a-md"), (json!("2"), json!("4")));
    assert_eq!(bounds("demo-web-b-md"), (json!("1"), json!("3")));
}

#[test]
fn clusters_of_the_same_name_in_two_namespaces_share_no_failure_domain() {
    let first = render(SPREAD, &["-n", "team-a"]);
    let second = render(SPREAD, &["-n", "team-b"]);
    let names = |docs: &[Value]| -> Vec<Value> {
        docs.iter()
            .filter(|d| d["kind"] == "VSphereDeploymentZone")
            .map(|d| d["metadata"]["name"].clone())
            .collect()
    };
    assert_eq!(
        names(&first),
        [json!("team-a-demo-a"), json!("team-a-demo-b")]
    );
    assert_eq!(
        names(&second),
        [json!("team-b-demo-a"), json!("team-b-demo-b")]
    );
    let md = named(&first, "MachineDeployment", "demo-db-md").expect("db");
    assert_eq!(
        md["spec"]["template"]["spec"]["failureDomain"],
        "team-a-demo-b"
    );
}

#[test]
fn lint_catches_domains_capv_would_ignore_or_refuse() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "    failureDomain: b\n",
            "    failureDomain: c\n",
            "error: nodePools[1].failureDomain: \"c\" is not in failureDomains: CAPV would ignore it",
        ),
        (
            "    failureDomain: b\n",
            "    failureDomain: b\n    failureDomains: [a]\n",
            "error: nodePools[1].failureDomains: set failureDomain (one domain) or failureDomains (spread over several), not both",
        ),
        (
            "    zone: k8s-zone\n",
            "",
            "error: vSphereCloudControllerManager.topology.zone: failureDomains need the vSphere tag category of their zone tags",
        ),
        (
            "    computeCluster: cluster-a\n",
            "",
            "error: failureDomains[0].computeCluster: required when the region or zone tag is on a compute cluster",
        ),
        (
            "    hosts:\n      vmGroupName: workers\n      hostGroupName: rack-b\n",
            "",
            "error: failureDomains[1].hosts: required when the region or zone tag is on a host group",
        ),
        (
            "  - name: b\n",
            "  - name: B\n",
            "error: failureDomains[1].name: \"B\" must be a DNS-1123 label",
        ),
        (
            "    failureDomains: [a, b]\n",
            "    failureDomains: [a, a]\n",
            "error: nodePools[0].failureDomains[1]: \"a\" is listed twice",
        ),
        (
            "    failureDomains: [a, b]\n",
            "    failureDomains: [a, b]\n",
            "warning: nodePools[0].dataStore: \"ds\": the machines in failure domain \"b\" use its datastore \"ds-b\" instead",
        ),
    ];
    let spread_max = SPREAD.replacen(
        "    failureDomains: [a, b]\n",
        "    failureDomains: [a, b]\n    autoscaling:\n      enabled: true\n      minSize: 0\n      maxSize: 1\n",
        1,
    );
    let run = capkv(&["lint", "-f", TempValues::new(&spread_max).arg()]);
    assert!(
        run.stderr.contains("warning: nodePools[0].autoscaling.maxSize: 1 split over 2 failure domains leaves some MachineDeployments a maximum of 0"),
        "{}",
        run.stderr
    );
    for (from, to, expected) in cases {
        let values = SPREAD.replacen(from, to, 1);
        let file = TempValues::new(&values);
        let run = capkv(&["lint", "-f", file.arg()]);
        run.assert_finding(to, expected);
    }
}

/// CAPI rolls a MachineDeployment whose machines' failure domain changes
/// (`spec.template.spec.failureDomain`, compared by `MachineTemplateUpToDate`).
#[test]
fn moving_a_pool_into_a_domain_rolls_it_and_says_why() {
    let before = SPREAD.replace("    failureDomain: b\n", "");
    let old = capkv(&["render", "-f", TempValues::new(&before).arg()]).success();
    let new = capkv(&["render", "-f", TempValues::new(SPREAD).arg()]).success();
    let old_file = TempValues::named("old.yaml", &old);
    let new_file = TempValues::named("new.yaml", &new);
    let diff = capkv(&["diff", old_file.arg(), new_file.arg()]).success();
    let line = diff
        .lines()
        .find(|line| line.ends_with("default/demo-db-md"))
        .unwrap_or_default();
    assert!(line.trim_start().starts_with("rolls"), "{diff}");
    assert!(
        diff.contains("spec.template.spec.failureDomain: (unset) → default-demo-b"),
        "{diff}"
    );
}
