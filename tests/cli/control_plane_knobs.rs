//! The other KamajiControlPlane settings (`cluster.controlPlane.registry`,
//! `.admissionControllers`, `.dataStoreOverrides`, each component's `resources` and
//! `containerImageName`, `network.advertiseAddress`, `.loadBalancerConfig`,
//! `.ingress`): where the KamajiControlPlane provider reads each field
//! (clastix/cluster-api-control-plane-provider-kamaji
//! `controllers/kamajicontrolplane_controller_tcp.go`, cited per test) and what Kamaji
//! or kube-apiserver would refuse later, found by lint.

use crate::support::{TempValues, capkv, diff_report, documents, rolling_pools};
use serde_json::{Value, json};

fn spec(args: &[&str]) -> Value {
    let mut all = vec!["render", "demo", "--show-only", "KamajiControlPlane"];
    all.extend_from_slice(args);
    let docs = documents(&capkv(&all).success());
    docs[0]["spec"].clone()
}

#[test]
fn component_resources_images_and_registry_reach_the_fields_the_provider_reads() {
    for kamaji in ["v1alpha2", "v1alpha1"] {
        let spec = spec(&[
            "--set",
            &format!("apiVersions.kamaji={kamaji}"),
            "--set",
            "cluster.controlPlane.registry=registry.example.com/k8s",
            "--set",
            "cluster.controlPlane.scheduler.containerImageName=kube-scheduler-fips",
            "--set-json",
            r#"cluster.controlPlane.apiServer.resources={"requests":{"cpu":"500m"},"limits":{"memory":"2Gi"}}"#,
            "--set-json",
            r#"cluster.controlPlane.controllerManager.resources={"requests":{"cpu":"100m"}}"#,
        ]);
        // tcp.go:114 (spec.registry), :137-139 (<component>.resources),
        // :142-144 (<component>.containerImageName).
        assert_eq!(spec["registry"], "registry.example.com/k8s");
        assert_eq!(
            spec["apiServer"]["resources"],
            json!({"requests": {"cpu": "500m"}, "limits": {"memory": "2Gi"}})
        );
        assert_eq!(
            spec["apiServer"]["extraArgs"],
            json!(["--cloud-provider=external"])
        );
        assert_eq!(
            spec["controllerManager"]["resources"]["requests"]["cpu"],
            "100m"
        );
        assert_eq!(
            spec["scheduler"],
            json!({"containerImageName": "kube-scheduler-fips"})
        );
    }
    // Unset, none of them is written: Kamaji's defaults apply.
    let plain = spec(&[]);
    assert!(plain.get("registry").is_none() && plain.get("scheduler").is_none());
    assert_eq!(
        plain["apiServer"],
        json!({"extraArgs": ["--cloud-provider=external"]})
    );
}

#[test]
fn admission_plugins_and_datastore_overrides_are_passed_on() {
    let spec = spec(&[
        "--set",
        "cluster.controlPlane.admissionControllers={NamespaceLifecycle,NodeRestriction,PodSecurity}",
        "--set",
        "cluster.controlPlane.dataStoreOverrides[0].resource=/events",
        "--set",
        "cluster.controlPlane.dataStoreOverrides[0].dataStore=events",
    ]);
    // tcp.go:112-113: copied to the TenantControlPlane, from which Kamaji builds
    // --enable-admission-plugins and --etcd-servers-overrides `/events#https://...`.
    assert_eq!(
        spec["admissionControllers"],
        json!(["NamespaceLifecycle", "NodeRestriction", "PodSecurity"])
    );
    assert_eq!(
        spec["dataStoreOverrides"],
        json!([{"resource": "/events", "dataStore": "events"}])
    );
}

#[test]
fn the_network_settings_are_passed_on() {
    let lb = spec(&[
        "--set",
        "cluster.controlPlane.network.advertiseAddress=10.0.0.10",
        "--set",
        "cluster.controlPlane.network.loadBalancerConfig.loadBalancerClass=kube-vip.io/kube-vip-class",
        "--set",
        "cluster.controlPlane.network.loadBalancerConfig.loadBalancerSourceRanges={203.0.113.0/24}",
    ]);
    // tcp.go:149 (advertiseAddress), :224-231 (loadBalancerClass, loadBalancerSourceRanges).
    assert_eq!(lb["network"]["advertiseAddress"], "10.0.0.10");
    assert_eq!(
        lb["network"]["loadBalancerConfig"],
        json!({"loadBalancerClass": "kube-vip.io/kube-vip-class", "loadBalancerSourceRanges": ["203.0.113.0/24"]})
    );
    let ingress = spec(&[
        "--set",
        "cluster.controlPlane.network.serviceType=ClusterIP",
        "--set",
        "cluster.controlPlane.network.ingress.hostname=api.example.com",
        "--set",
        "cluster.controlPlane.network.ingress.className=haproxy",
    ]);
    // tcp.go:199-208: the Ingress's host and class; its host joins the certSANs.
    assert_eq!(
        ingress["network"]["ingress"],
        json!({"hostname": "api.example.com", "className": "haproxy"})
    );
    assert!(ingress["network"].get("loadBalancerConfig").is_none());
}

#[test]
fn settings_kamaji_or_kube_apiserver_refuse_are_errors() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &[
                "--set",
                "cluster.controlPlane.network.advertiseAddress=api.example.com",
            ],
            "cluster.controlPlane.network.advertiseAddress",
            "is not an IP address",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.network.serviceType=NodePort",
                "--set",
                "cluster.clusterNetwork.apiServerPort=31443",
                "--set",
                "cluster.controlPlane.network.loadBalancerConfig.loadBalancerSourceRanges={10.0.0.0/8}",
            ],
            "cluster.controlPlane.network.loadBalancerConfig.loadBalancerSourceRanges",
            "needs cluster.controlPlane.network.serviceType LoadBalancer",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.network.loadBalancerConfig.loadBalancerSourceRanges={10.0.0.0}",
            ],
            "cluster.controlPlane.network.loadBalancerConfig.loadBalancerSourceRanges[0]",
            "is not a CIDR",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.admissionControllers={NodeRestriction,PodSecurityPolicy}",
            ],
            "cluster.controlPlane.admissionControllers[1]",
            "removed in Kubernetes 1.25",
        ),
        // kubernetes/kubernetes#124505 removed the plugin in 1.31 (the default version);
        // kube-apiserver does not start with an unknown plugin enabled.
        (
            &[
                "--set",
                "cluster.controlPlane.admissionControllers={PersistentVolumeLabel}",
            ],
            "cluster.controlPlane.admissionControllers[0]",
            "has no PersistentVolumeLabel plugin (removed in Kubernetes 1.31)",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.admissionControllers={NodeRestrictions}",
            ],
            "cluster.controlPlane.admissionControllers[0]",
            "is not an admission plugin",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.apiServer.extraArgs={--enable-admission-plugins=NodeRestriction}",
            ],
            "cluster.controlPlane.apiServer.extraArgs[0]",
            "Kamaji sets --enable-admission-plugins itself",
        ),
        // Every flag of Kamaji's `managed` map is dropped from extraArgs, not only
        // the two above (clastix/kamaji internal/builders/controlplane/deployment.go:709-747,
        // mergeAPIServerArgs :766-771): the values key, or Kamaji's own files.
        (
            &[
                "--set",
                "cluster.controlPlane.apiServer.extraArgs={--v=2,--service-cluster-ip-range=10.0.0.0/16}",
            ],
            "cluster.controlPlane.apiServer.extraArgs[1]",
            "Kamaji sets --service-cluster-ip-range itself and drops this one: set cluster.clusterNetwork.services.cidrBlocks instead",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.apiServer.extraArgs={--secure-port=8443}",
            ],
            "cluster.controlPlane.apiServer.extraArgs[0]",
            "set cluster.clusterNetwork.apiServerPort instead",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.apiServer.extraArgs={--tls-cert-file=/etc/my.crt}",
            ],
            "cluster.controlPlane.apiServer.extraArgs[0]",
            "Kamaji sets --tls-cert-file itself and drops this one: Kamaji points it at the certificates",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.apiServer.extraArgs={--etcd-servers=https://etcd:2379}",
            ],
            "cluster.controlPlane.apiServer.extraArgs[0]",
            "Kamaji points it at the DataStore of cluster.controlPlane.dataStoreName",
        ),
        (
            &[
                "--set-json",
                r#"cluster.controlPlane.dataStoreOverrides=[{"resource":"/events","dataStore":"a"},{"resource":"/events","dataStore":"b"}]"#,
            ],
            // The webhook (kamaji internal/webhook/handlers/tcp_datastore.go:25-33)
            // checks the overrides only without spec.dataStore, which capkv always
            // sets: kube-apiserver then keeps the last (apiserver
            // pkg/server/storage/storage_factory.go:168-172, SetEtcdLocation).
            "cluster.controlPlane.dataStoreOverrides[1].resource",
            "overridden twice: kube-apiserver keeps only the last DataStore for it",
        ),
        (
            &[
                "--set-json",
                r#"cluster.controlPlane.dataStoreOverrides=[{"resource":"events","dataStore":"a"}]"#,
            ],
            "cluster.controlPlane.dataStoreOverrides[0].resource",
            "e.g. /events",
        ),
    ];
    for (flags, path, message) in cases {
        let mut args = vec!["render", "demo"];
        args.extend_from_slice(flags);
        let run = capkv(&args);
        run.assert_fails(1, &format!("error: {path}: "));
        assert!(run.stderr.contains(message), "{flags:?}:\n{}", run.stderr);
    }
}

#[test]
fn a_list_of_admission_plugins_warns_of_the_defaults_it_turns_off() {
    let run = capkv(&[
        "lint",
        "demo",
        "--set",
        "cluster.controlPlane.admissionControllers={NodeRestriction,ServiceAccount}",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(
            "warning: cluster.controlPlane.admissionControllers: the list replaces Kamaji's default"
        ),
        "{all}"
    );
    assert!(
        all.contains("NamespaceLifecycle") && !all.contains("ServiceAccount,"),
        "{all}"
    );
}

#[test]
fn control_plane_settings_roll_no_worker() {
    let old = TempValues::named("old.yaml", &capkv(&["render", "demo"]).success());
    let new = TempValues::named(
        "new.yaml",
        &capkv(&[
            "render",
            "demo",
            "--set",
            "cluster.controlPlane.registry=registry.example.com/k8s",
            "--set",
            "cluster.controlPlane.admissionControllers={NamespaceLifecycle,NodeRestriction}",
            "--set",
            "cluster.controlPlane.network.advertiseAddress=10.0.0.10",
            "--set-json",
            r#"cluster.controlPlane.apiServer.resources={"requests":{"cpu":"1"}}"#,
        ])
        .success(),
    );
    let report = diff_report(&old, &new);
    // Only the KamajiControlPlane changes: the pools' templates do not name it.
    assert!(
        report.contains("unchanged  default/demo-default-md"),
        "{report}"
    );
    assert!(report.contains("Objects: 1 changed"), "{report}");
    assert!(
        report.contains("~ KamajiControlPlane default/demo"),
        "{report}"
    );
    assert!(rolling_pools(&report).is_empty(), "{report}");
}
