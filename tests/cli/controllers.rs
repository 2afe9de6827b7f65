//! The split vSphere controllers: CPI and CSI controller on the management cluster,
//! the CSI node driver delivered to the workload cluster by a ClusterResourceSet.

use crate::support::{TempValues, capkv, csi_ini, find, render_full, workload_objects};
use serde_json::Value;

/// The manifests a ClusterResourceSet ConfigMap carries, parsed.
#[test]
fn cpi_config_is_the_cpis_yaml_format_with_its_own_credentials() {
    let docs = render_full(&[]);
    let secret = find(&docs, "Secret", "prod-eu-1-vsphere-config-secret");
    let conf: Value = serde_saphyr::from_str(
        secret["stringData"]["vsphere.conf"]
            .as_str()
            .expect("vsphere.conf"),
    )
    .expect("vsphere.conf is YAML");
    assert_eq!(conf["global"]["insecureFlag"], false);
    assert_eq!(conf["global"]["port"], 443);
    assert_eq!(
        conf["global"]["thumbprint"],
        "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
    );
    let vc = &conf["vcenter"]["vcenter.example.com"];
    assert_eq!(vc["server"], "vcenter.example.com");
    assert_eq!(vc["user"], "cpi@vsphere.local");
    assert_eq!(vc["password"], "cpi-example-password");
    assert_eq!(vc["datacenters"], serde_json::json!(["dc-milan"]));
    // examples/full.yaml sets the topology tag categories its failure domains use.
    assert_eq!(
        conf["labels"],
        serde_json::json!({"region": "k8s-region", "zone": "k8s-zone"})
    );
    let without = render_full(&[
        "--set",
        "vSphereCloudControllerManager.topology.region=,vSphereCloudControllerManager.topology.zone=,failureDomains=null,nodePools[1].failureDomain=",
        "--set-json",
        "nodePools[2].failureDomains=[]",
    ]);
    let secret = find(&without, "Secret", "prod-eu-1-vsphere-config-secret");
    let conf: Value = serde_saphyr::from_str(
        secret["stringData"]["vsphere.conf"]
            .as_str()
            .expect("vsphere.conf"),
    )
    .expect("vsphere.conf is YAML");
    assert!(conf.get("labels").is_none());
}

#[test]
fn cpi_topology_becomes_the_configs_labels() {
    let docs = render_full(&[
        "--set",
        "vSphereCloudControllerManager.topology.region=k8s-region",
        "--set",
        "vSphereCloudControllerManager.topology.zone=k8s-zone",
    ]);
    let secret = find(&docs, "Secret", "prod-eu-1-vsphere-config-secret");
    let conf: Value = serde_saphyr::from_str(
        secret["stringData"]["vsphere.conf"]
            .as_str()
            .unwrap_or_default(),
    )
    .expect("yaml");
    assert_eq!(
        conf["labels"],
        serde_json::json!({"region": "k8s-region", "zone": "k8s-zone"})
    );
}

#[test]
fn csi_config_is_ini_with_every_value() {
    let docs = render_full(&[]);
    let conf = csi_ini(&docs);
    let global = conf.section(Some("Global")).expect("[Global]");
    assert_eq!(global.get("cluster-id"), Some("default/prod-eu-1"));
    assert_eq!(global.get("insecure-flag"), Some("false"));
    assert_eq!(
        global.get("thumbprint"),
        Some("AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD")
    );
    let vc = conf
        .section(Some("VirtualCenter \"vcenter.example.com\""))
        .expect("[VirtualCenter]");
    assert_eq!(vc.get("user"), Some("csi@vsphere.local"));
    assert_eq!(vc.get("password"), Some("csi-example-password"));
    assert_eq!(vc.get("port"), Some("443"));
    assert_eq!(vc.get("datacenters"), Some("dc-milan"));
    assert_eq!(
        conf.sections().count(),
        3,
        "the general section, [Global], [VirtualCenter]"
    );
}

#[test]
fn hostile_passwords_arrive_byte_exact_in_all_three_formats() {
    for password in [
        r#"pa"ss"#,
        r"back\slash",
        "hash # not a comment",
        "semi; colon",
        "]bracket[",
        "colon: space",
        "'single'",
    ] {
        let docs = render_full(&[
            "--set-literal",
            &format!("vSphere.password={password}"),
            "--set-literal",
            &format!("vSphereCloudControllerManager.password={password}"),
            "--set-literal",
            &format!("vSphereStorageControllerManager.password={password}"),
        ]);
        let capv = find(&docs, "Secret", "prod-eu-1-vsphere-secret");
        assert_eq!(capv["stringData"]["password"], password);

        let cpi = find(&docs, "Secret", "prod-eu-1-vsphere-config-secret");
        let conf: Value = serde_saphyr::from_str(
            cpi["stringData"]["vsphere.conf"]
                .as_str()
                .unwrap_or_default(),
        )
        .expect("yaml");
        assert_eq!(conf["vcenter"]["vcenter.example.com"]["password"], password);
        assert_eq!(
            conf["vcenter"]["vcenter.example.com"]
                .as_object()
                .map(serde_json::Map::len),
            Some(4)
        );

        let ini = csi_ini(&docs);
        let vc = ini
            .section(Some("VirtualCenter \"vcenter.example.com\""))
            .expect("[VirtualCenter]");
        assert_eq!(
            vc.get("password"),
            Some(password),
            "csi-vsphere.conf password"
        );
        assert_eq!(vc.len(), 4, "no key added");
        assert_eq!(ini.sections().count(), 3, "no section added");
    }
}

#[test]
fn a_password_ini_cannot_carry_is_refused_without_echoing_it() {
    let run = capkv(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--set-literal",
        "vSphereStorageControllerManager.password=top\nsecret",
    ]);
    run.assert_fails(
        1,
        "vSphereStorageControllerManager.password: contains a line break",
    );
    assert!(
        !run.stderr.contains("top"),
        "the secret is echoed: {}",
        run.stderr
    );
}

#[test]
fn no_credentials_and_no_secrets_reach_the_workload_cluster() {
    let docs = render_full(&[]);
    let workload = workload_objects(&docs);
    assert!(!workload.is_empty());
    for object in &workload {
        assert_ne!(object["kind"], "Secret");
        let text = object.to_string();
        for secret in [
            "csi-example-password",
            "cpi-example-password",
            "example-password",
            "csi@vsphere.local",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

#[test]
fn workload_side_has_the_csi_driver_rbac_feature_states_and_daemonset() {
    let docs = render_full(&[]);
    let workload = workload_objects(&docs);
    let ids: Vec<String> = workload
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    for expected in [
        "Namespace/vmware-system-csi",
        "CSIDriver/csi.vsphere.vmware.com",
        "ServiceAccount/vsphere-csi-node",
        "ClusterRole/vsphere-csi-node-cluster-role",
        "ClusterRoleBinding/vsphere-csi-node-cluster-role-binding",
        "Role/vsphere-csi-node-role",
        "RoleBinding/vsphere-csi-node-binding",
        "ConfigMap/internal-feature-states.csi.vsphere.vmware.com",
        "DaemonSet/vsphere-csi-node",
        "StorageClass/vsphere-gold",
    ] {
        assert!(
            ids.contains(&expected.to_owned()),
            "{expected} missing from {ids:?}"
        );
    }
    let ds = workload
        .iter()
        .find(|o| o["kind"] == "DaemonSet")
        .expect("DaemonSet");
    let text = ds.to_string();
    assert!(!text.contains("${"), "no placeholders: {text}");
    let env = &ds["spec"]["template"]["spec"]["containers"][1]["env"];
    let level = env
        .as_array()
        .and_then(|e| e.iter().find(|v| v["name"] == "LOGGER_LEVEL"))
        .expect("LOGGER_LEVEL");
    assert_eq!(level["value"], "PRODUCTION");
    let sc = workload
        .iter()
        .find(|o| o["kind"] == "StorageClass")
        .expect("StorageClass");
    assert_eq!(
        sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"],
        "true"
    );
    assert_eq!(sc["provisioner"], "csi.vsphere.vmware.com");
    assert_eq!(sc["parameters"]["storagepolicyname"], "gold");
    assert_eq!(sc["allowVolumeExpansion"], true);
}

#[test]
fn log_level_and_namespace_flow_to_the_node_driver() {
    let docs = render_full(&[
        "--set",
        "vSphereStorageControllerManager.logLevel=DEVELOPMENT",
        "--set",
        "vSphereStorageControllerManager.namespace=kube-system",
        "--set",
        "vSphereStorageControllerManager.storageClass.enabled=false",
    ]);
    let workload = workload_objects(&docs);
    assert!(
        workload.iter().all(|o| o["kind"] != "Namespace"),
        "kube-system exists already"
    );
    assert!(workload.iter().all(|o| o["kind"] != "StorageClass"));
    let ds = workload
        .iter()
        .find(|o| o["kind"] == "DaemonSet")
        .expect("DaemonSet");
    assert_eq!(ds["metadata"]["namespace"], "kube-system");
    assert!(ds.to_string().contains("\"DEVELOPMENT\""));
}

#[test]
fn resource_set_selects_this_cluster_and_lists_its_config_maps() {
    let docs = render_full(&[]);
    let crs = find(&docs, "ClusterResourceSet", "prod-eu-1-vsphere-csi");
    assert_eq!(
        crs["spec"]["clusterSelector"]["matchLabels"]["cluster.x-k8s.io/cluster-name"],
        "prod-eu-1"
    );
    let cluster = find(&docs, "Cluster", "prod-eu-1");
    assert_eq!(
        cluster["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"],
        "prod-eu-1"
    );
    for resource in crs["spec"]["resources"].as_array().expect("resources") {
        assert_eq!(resource["kind"], "ConfigMap");
        find(
            &docs,
            "ConfigMap",
            resource["name"].as_str().unwrap_or_default(),
        );
    }
}

#[test]
fn controllers_run_least_privileged_on_the_management_cluster() {
    let docs = render_full(&[]);
    for name in [
        "prod-eu-1-vsphere-cloud-controller-manager",
        "prod-eu-1-vsphere-csi-controller",
    ] {
        let pod = &find(&docs, "Deployment", name)["spec"]["template"]["spec"];
        assert_eq!(pod["automountServiceAccountToken"], false, "{name}");
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}");
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
            "{name}"
        );
        for container in pod["containers"].as_array().expect("containers") {
            let sc = &container["securityContext"];
            assert_eq!(
                sc["allowPrivilegeEscalation"], false,
                "{name}/{}",
                container["name"]
            );
            assert_eq!(
                sc["readOnlyRootFilesystem"], true,
                "{name}/{}",
                container["name"]
            );
            assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
            assert!(
                container["resources"]["requests"].is_object(),
                "{name}/{} has resources",
                container["name"]
            );
            let image = container["image"].as_str().unwrap_or_default();
            assert!(
                !image.ends_with(":latest") && image.contains(':'),
                "pinned image: {image}"
            );
        }
        let secrets: Vec<&str> = pod["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .filter_map(|v| v["secret"]["secretName"].as_str())
            .collect();
        assert!(
            secrets.contains(&"prod-eu-1-admin-kubeconfig"),
            "{secrets:?}"
        );
    }
    for doc in &docs {
        assert_ne!(
            doc["metadata"]["namespace"], "kube-system",
            "nothing in the management cluster's kube-system"
        );
        assert_ne!(doc["kind"], "ClusterRoleBinding");
    }
}

#[test]
fn every_csi_container_that_talks_to_kubernetes_uses_the_tenant_kubeconfig() {
    let docs = render_full(&[]);
    let pod =
        &find(&docs, "Deployment", "prod-eu-1-vsphere-csi-controller")["spec"]["template"]["spec"];
    for container in pod["containers"].as_array().expect("containers") {
        let args = container["args"].to_string();
        if container["name"] == "liveness-probe" {
            assert!(
                !args.contains("--kubeconfig"),
                "livenessprobe has no such flag"
            );
        } else {
            assert!(
                args.contains("--kubeconfig=/etc/kubernetes/admin.svc"),
                "{}",
                container["name"]
            );
        }
    }
    let cpi = &find(
        &docs,
        "Deployment",
        "prod-eu-1-vsphere-cloud-controller-manager",
    )["spec"]["template"]["spec"]["containers"][0];
    let args = cpi["args"].to_string();
    for flag in [
        "--kubeconfig=",
        "--authentication-kubeconfig=",
        "--authorization-kubeconfig=",
    ] {
        assert!(
            args.contains(&format!("{flag}/etc/kubernetes/admin.svc")),
            "{flag}"
        );
    }
}

#[test]
fn cpi_image_follows_version_or_image_tag() {
    let docs = render_full(&[]);
    let image = |docs: &[Value]| {
        find(
            docs,
            "Deployment",
            "prod-eu-1-vsphere-cloud-controller-manager",
        )["spec"]["template"]["spec"]["containers"][0]["image"]
            .clone()
    };
    assert_eq!(
        image(&docs),
        "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.33.0"
    );
    let docs = render_full(&[
        "--set",
        "vSphereCloudControllerManager.image.tag=v1.33.1",
        "--set",
        "vSphereCloudControllerManager.image.registry=mirror.example.com",
    ]);
    assert_eq!(
        image(&docs),
        "mirror.example.com/cloud-pv-vsphere/cloud-provider-vsphere:v1.33.1"
    );
}

#[test]
fn controllers_can_be_switched_off() {
    let docs = render_full(&[
        "--set",
        "vSphereCloudControllerManager.enabled=false",
        "--set",
        "vSphereStorageControllerManager.enabled=false",
        "--set",
        "autoscaler.enabled=false",
    ]);
    assert!(
        docs.iter()
            .all(|d| d["kind"] != "Deployment" && d["kind"] != "ClusterResourceSet")
    );
}

#[test]
fn metrics_role_reads_only_the_client_certificate() {
    let docs = render_full(&[]);
    let role = find(&docs, "Role", "prod-eu-1-prometheus-secret-reader");
    let first_rule = &role["rules"][0];
    assert_eq!(first_rule["resources"], serde_json::json!(["secrets"]));
    assert_eq!(
        first_rule["resourceNames"],
        serde_json::json!(["prod-eu-1-api-server-kubelet-client-certificate"])
    );
    let binding = find(&docs, "RoleBinding", "prod-eu-1-prometheus-secret-access");
    assert_eq!(
        binding["subjects"][0]["name"],
        "kube-prometheus-stack-operator"
    );
    assert_eq!(
        binding["subjects"][1]["name"],
        "kube-prometheus-stack-prometheus"
    );
    assert_eq!(binding["subjects"][1]["namespace"], "monitoring-system");
    let monitor = find(&docs, "ServiceMonitor", "prod-eu-1-service-monitor");
    assert_eq!(
        monitor["spec"]["endpoints"].as_array().map(Vec::len),
        Some(3)
    );
    find(&docs, "Service", "prod-eu-1-metrics");
}

#[test]
fn placeholder_password_with_secret_creation_is_an_error() {
    capkv(&["render", "demo", "--set", "vSphere.secret.create=true"]).assert_fails(
        1,
        "vSphere.password: vSphere.secret.create is true but the password is the placeholder",
    );
}

#[test]
fn a_csi_cluster_id_over_64_characters_is_shortened_and_stays_unique() {
    let cluster_id = |namespace: &str| {
        let docs = render_full(&["-n", namespace]);
        csi_ini(&docs)
            .section(Some("Global"))
            .and_then(|g| g.get("cluster-id"))
            .expect("cluster-id")
            .to_owned()
    };
    let long = cluster_id(&"n".repeat(60));
    assert_eq!(long.len(), 64, "{long}");
    assert!(long.starts_with(&"n".repeat(50)), "{long}");
    assert_ne!(long, cluster_id(&format!("{}m", "n".repeat(59))));
    assert_eq!(cluster_id("tenants"), "tenants/prod-eu-1");
}

#[test]
fn csi_user_must_be_domain_qualified() {
    let file = TempValues::new("vSphereStorageControllerManager:\n  username: csi\n");
    capkv(&["render", "-f", "examples/full.yaml", "-f", file.arg()])
        .assert_fails(1, "vSphereStorageControllerManager.username: the CSI driver needs a domain-qualified vCenter user");
}
