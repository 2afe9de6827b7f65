//! The rendered stream read the way the upstream controllers read it. A stream can
//! pass every CRD schema and still not make a working cluster; each test here models
//! one consumer's code (cited by repository, commit and line) and runs it on what the
//! real binary prints.

use crate::support::{TempValues, capkv, csi_ini, documents, find, of_kind, render_full};
use serde_json::{Value, json};

fn container<'a>(deployment: &'a Value, name: &str) -> &'a Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------
// Kamaji: the kubelet configuration it uploads for joining workers.
// ---------------------------------------------------------------------------------

/// The KubeletConfiguration Kamaji patches, as clastix/kamaji@ddbabd8
/// `internal/kubeadm/uploadconfig.go:76-90` builds it: kubelet v1beta1 defaults,
/// `cgroupDriver` from `kubelet.cgroupfs` (:83; `omitempty`, so absent when cgroupfs is
/// empty), then JSON-encoded with camelCase keys (:93). The 1.34 feature-gated fields
/// are present, as the provider's CI removes them.
fn kamaji_kubelet_configuration(cgroupfs: Option<&str>) -> Value {
    let mut config = json!({
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "authentication": {"x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
        "clusterDNS": ["10.96.0.10"],
        "clusterDomain": "cluster.local",
        "rotateCertificates": true,
        "staticPodPath": "/etc/kubernetes/manifests",
        "crashLoopBackOff": {"maxContainerRestartPeriod": "5m0s"},
        "imagePullCredentialsVerificationPolicy": "NeverVerifyPreloadedImages",
        "maxPods": 110
    });
    if let Some(driver) = cgroupfs {
        config["cgroupDriver"] = json!(driver);
    }
    config
}

/// uploadconfig.go:92-103: the patches are decoded as one RFC 6902 document
/// (`jsonpatchv5.DecodePatch`, `internal/resources/kubeadm_phases.go:158-165`) and
/// applied in order; any failing operation fails the upload, and no kubelet joins.
fn kamaji_apply(kcp: &Value, cgroupfs_of_tcp: Option<&str>) -> Result<Value, String> {
    let kubelet = &kcp["spec"]["kubelet"];
    let mut config = kamaji_kubelet_configuration(cgroupfs_of_tcp);
    if let Some(patches) = kubelet.get("configurationJSONPatches") {
        let patch: json_patch::Patch =
            serde_json::from_value(patches.clone()).map_err(|e| e.to_string())?;
        json_patch::patch(&mut config, &patch).map_err(|e| e.to_string())?;
    }
    Ok(config)
}

#[test]
fn kamaji_can_apply_the_kubelet_patches_of_every_kamaji_api_version() {
    for kamaji in ["v1alpha2", "v1alpha1"] {
        let docs = render_full(&["--set", &format!("apiVersions.kamaji={kamaji}")]);
        let kcp = of_kind(&docs, "KamajiControlPlane");
        // The provider copies spec.kubelet to the TenantControlPlane as it is
        // (controllers/kamajicontrolplane_controller_tcp.go:146); the CRD default
        // (cgroupfs: systemd) applies only when spec.kubelet is absent as a whole.
        let cgroupfs = kcp["spec"]["kubelet"]["cgroupfs"].as_str();
        let config = kamaji_apply(kcp, cgroupfs)
            .unwrap_or_else(|e| panic!("{kamaji}: Kamaji fails to upload the kubelet config: {e}"));
        assert_eq!(config["cgroupDriver"], "systemd", "{kamaji}");
    }
}

#[test]
fn the_model_tells_a_failing_patch_from_a_working_one() {
    // The pre-fix rendering: `replace` on the key Kamaji leaves out.
    let broken = json!({"spec": {"kubelet": {"configurationJSONPatches": [
        {"op": "replace", "path": "/cgroupDriver", "value": "systemd"}
    ]}}});
    assert!(kamaji_apply(&broken, None).is_err());
    assert!(kamaji_apply(&broken, Some("cgroupfs")).is_ok());
}

#[test]
fn users_add_their_own_kubelet_patches_after_capkvs() {
    // The provider's 1.34 fixture (.github/workflows/assets/
    // targetcluster-controlplane.yaml:43-56, ba34be4) removes two feature-gated fields.
    let values = TempValues::new(
        "cluster:\n  controlPlane:\n    kubelet:\n      cgroupfs: cgroupfs\n      configurationJSONPatches:\n        - {op: remove, path: /crashLoopBackOff/maxContainerRestartPeriod}\n        - {op: remove, path: /imagePullCredentialsVerificationPolicy}\n        - {op: add, path: /featureGates, value: {KubeletEnsureSecretPulledImages: false}}\n",
    );
    for kamaji in ["v1alpha2", "v1alpha1"] {
        let docs = render_full(&[
            "-f",
            values.arg(),
            "--set",
            &format!("apiVersions.kamaji={kamaji}"),
        ]);
        let kcp = of_kind(&docs, "KamajiControlPlane");
        let config = kamaji_apply(kcp, kcp["spec"]["kubelet"]["cgroupfs"].as_str())
            .unwrap_or_else(|e| panic!("{kamaji}: {e}"));
        assert_eq!(config["cgroupDriver"], "cgroupfs", "{kamaji}");
        assert!(
            config
                .get("imagePullCredentialsVerificationPolicy")
                .is_none()
        );
        assert_eq!(config["crashLoopBackOff"], json!({}));
        assert_eq!(
            config["featureGates"]["KubeletEnsureSecretPulledImages"],
            false
        );
    }
}

#[test]
fn a_malformed_kubelet_patch_is_refused_before_it_reaches_kamaji() {
    let values = TempValues::new(
        "cluster:\n  controlPlane:\n    kubelet:\n      configurationJSONPatches:\n        - {op: add, path: featureGates}\n",
    );
    let run = capkv(&["render", "demo", "-f", values.arg()]);
    run.assert_fails(
        1,
        "cluster.controlPlane.kubelet.configurationJSONPatches[0].path",
    );
    assert!(
        run.stderr.contains("configurationJSONPatches[0].value"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------
// vSphere CSI: the syncer's start-up on the management cluster.
// ---------------------------------------------------------------------------------

fn csi_global(docs: &[Value]) -> ini::Properties {
    csi_ini(docs)
        .section(Some("Global"))
        .expect("[Global]")
        .clone()
}

#[test]
fn the_csi_syncer_starts_without_management_cluster_credentials() {
    let docs = render_full(&[]);
    let deployment = find(&docs, "Deployment", "prod-eu-1-vsphere-csi-controller");
    let pod = &deployment["spec"]["template"]["spec"];
    // No token of the management cluster is handed to the pod.
    assert_eq!(pod["automountServiceAccountToken"], false);
    let in_cluster_config_available = pod["automountServiceAccountToken"] != false;
    // kubernetes-sigs/vsphere-csi-driver v3.7.3 cmd/syncer/main.go:319-324: with an
    // empty cluster-distribution the syncer calls rest.InClusterConfig() and exits 1
    // when that fails; gcfg key from pkg/common/config/types.go:61.
    let distribution = csi_global(&docs)
        .get("cluster-distribution")
        .unwrap_or("")
        .to_owned();
    assert!(
        !distribution.is_empty() || in_cluster_config_available,
        "the syncer would crash-loop: no cluster-distribution and no in-cluster config"
    );
    assert_eq!(
        distribution, "VanillaK8S",
        "main.go:351 names a vanilla cluster so"
    );
    let syncer = container(deployment, "vsphere-syncer");
    let args = strings(&syncer["args"]);
    // pkg/kubernetes/kubernetes.go:106-138: every other client follows --kubeconfig.
    assert!(
        args.contains(&"--kubeconfig=/etc/kubernetes/admin.svc"),
        "{args:?}"
    );
    // main.go:214-216, 475-487: without the flag the lease goes to POD_NAMESPACE, the
    // service account's namespace file, then "default" — none of which the tenant has.
    assert!(
        args.contains(&"--leader-election-namespace=vmware-system-csi"),
        "{args:?}"
    );
}

#[test]
fn an_existing_csi_secret_is_reminded_of_cluster_distribution() {
    let run = capkv(&[
        "lint",
        "-f",
        "examples/full.yaml",
        "--set",
        "vSphereStorageControllerManager.secret.create=false",
    ]);
    assert!(
        run.stderr
            .contains("vSphereStorageControllerManager.secret.create")
            && run.stderr.contains("cluster-distribution"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------
// vCenter TLS: the files the CPI and the CSI driver open.
// ---------------------------------------------------------------------------------

const CA: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBmzCCAUGgAwIBAgIUZXhhbXBsZQ==\n-----END CERTIFICATE-----\n";

/// What a container finds at `path`: the key of the ConfigMap volume mounted at the
/// path's directory (kubelet volume semantics, the whole ConfigMap projected).
fn file_in_container(
    docs: &[Value],
    deployment: &Value,
    container_name: &str,
    path: &str,
) -> Option<String> {
    let (dir, file) = path.rsplit_once('/')?;
    let mount = container(deployment, container_name)["volumeMounts"]
        .as_array()?
        .iter()
        .find(|m| m["mountPath"] == dir)?;
    let volume = deployment["spec"]["template"]["spec"]["volumes"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == mount["name"])?;
    let config_map = volume["configMap"]["name"].as_str()?;
    docs.iter()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == config_map)?["data"][file]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn the_cpi_and_the_csi_driver_verify_vcenter_against_the_given_ca() {
    let docs = render_full(&["--set-string", &format!("vSphere.caBundle={CA}")]);
    // cloud-provider-vsphere 60f6c5d pkg/common/config/types_yaml.go:49 (global
    // caFile), config_yaml.go:176-178 (a vCenter falls back to it); a file path only.
    let cpi_secret = find(&docs, "Secret", "prod-eu-1-vsphere-config-secret");
    let conf: Value = serde_saphyr::from_str(
        cpi_secret["stringData"]["vsphere.conf"]
            .as_str()
            .unwrap_or_default(),
    )
    .expect("vsphere.conf");
    let cpi_ca_file = conf["global"]["caFile"].as_str().expect("CPI caFile");
    let cpi = find(
        &docs,
        "Deployment",
        "prod-eu-1-vsphere-cloud-controller-manager",
    );
    assert_eq!(
        file_in_container(&docs, cpi, "vsphere-cloud-controller-manager", cpi_ca_file).as_deref(),
        Some(CA)
    );
    // vsphere-csi-driver v3.7.3 pkg/common/config/types.go:45 ([Global] ca-file); with
    // one vCenter only the Global one is read (cns-lib/vsphere/utils.go:188-195).
    let csi_ca = csi_global(&docs)
        .get("ca-file")
        .expect("CSI ca-file")
        .to_owned();
    let csi = find(&docs, "Deployment", "prod-eu-1-vsphere-csi-controller");
    for name in ["vsphere-csi-controller", "vsphere-syncer"] {
        assert_eq!(
            file_in_container(&docs, csi, name, &csi_ca).as_deref(),
            Some(CA),
            "{name}"
        );
    }
}

#[test]
fn the_chart_ca_file_key_is_passed_to_both_controllers() {
    let docs = render_full(&[
        "--set",
        "vSphere.caBundle=",
        "--set",
        "vSphere.caFile=/etc/ssl/certs/ca-certificates.crt",
    ]);
    assert_eq!(
        csi_global(&docs).get("ca-file"),
        Some("/etc/ssl/certs/ca-certificates.crt")
    );
    let cpi_secret = find(&docs, "Secret", "prod-eu-1-vsphere-config-secret");
    assert!(
        cpi_secret["stringData"]["vsphere.conf"]
            .as_str()
            .unwrap_or_default()
            .contains("caFile: /etc/ssl/certs/ca-certificates.crt")
    );
}

#[test]
fn a_ca_file_elsewhere_than_the_mounted_bundle_is_refused() {
    let run = capkv(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--set",
        "vSphere.caFile=/etc/other/ca.pem",
    ]);
    run.assert_fails(1, "vSphere.caFile");
    assert!(run.stderr.contains("vSphere.caBundle"), "{}", run.stderr);
}

#[test]
fn an_unverifiable_vcenter_is_named_for_every_controller() {
    let run = capkv(&["lint", "demo"]);
    // CAPV pkg/session/session.go:232-237: an empty thumbprint is an insecure client;
    // the CPI and CSI verify and then fail against a VMCA certificate.
    for needle in [
        "vSphere.tlsThumbprint",
        "CAPV",
        "CPI",
        "CSI",
        "vSphere.caBundle",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    let with_ca = capkv(&[
        "lint",
        "demo",
        "--set-string",
        &format!("vSphere.caBundle={CA}"),
    ]);
    assert!(with_ca.stderr.contains("CAPV"), "{}", with_ca.stderr);
    assert!(
        !with_ca.stderr.contains("TLS handshake fails"),
        "{}",
        with_ca.stderr
    );
}

// ---------------------------------------------------------------------------------
// Kubelet and Cluster API: who sets a node's labels.
// ---------------------------------------------------------------------------------

/// kubernetes `cmd/kubelet/app/options/options.go` (ValidateKubeletFlags) with
/// kubernetes/kubelet 63b3249 `pkg/apis/well_known_labels.go:35-80`: in the
/// kubernetes.io and k8s.io namespaces only the listed keys and the kubelet. and
/// node. subdomains; anything else and the kubelet exits before registering.
fn kubelet_accepts(key: &str) -> bool {
    let namespace = key.rsplit_once('/').map_or("", |(n, _)| n);
    let under = |domain: &str| namespace == domain || namespace.ends_with(&format!(".{domain}"));
    let restricted = under("kubernetes.io") || under("k8s.io");
    !restricted
        || under("kubelet.kubernetes.io")
        || under("node.kubernetes.io")
        || [
            "kubernetes.io/hostname",
            "kubernetes.io/os",
            "kubernetes.io/arch",
            "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region",
        ]
        .contains(&key)
}

#[test]
fn node_labels_go_where_they_are_accepted_and_change_nothing_that_rolls() {
    let labels = "node-role.kubernetes.io/worker=,node.cluster.x-k8s.io/tier=gold,tier=web,node.kubernetes.io/pool=general";
    let docs = render_full(&[
        "--set-string",
        &format!("nodePools[0].labels={}", labels.replace(',', "\\,")),
    ]);
    let kct = docs
        .iter()
        .find(|d| {
            d["kind"] == "KubeadmConfigTemplate"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("prod-eu-1-general-"))
        })
        .expect("general pool's KubeadmConfigTemplate");
    let flag = kct["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"]
        .as_array()
        .and_then(|args| args.iter().find(|a| a["name"] == "node-labels"))
        .and_then(|a| a["value"].as_str())
        .expect("--node-labels");
    for pair in flag.split(',') {
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        assert!(kubelet_accepts(key), "the kubelet refuses {key}");
    }
    assert_eq!(flag, "tier=web,node.kubernetes.io/pool=general");
    // cluster-api ae7ff04 util/labels/helpers.go:80-107 (GetManagedLabels) copies these
    // from the Machine to the Node; the Machine gets them from the template metadata.
    let md = find(&docs, "MachineDeployment", "prod-eu-1-general-md");
    let template_labels = &md["spec"]["template"]["metadata"]["labels"];
    assert_eq!(template_labels["node-role.kubernetes.io/worker"], "");
    assert_eq!(template_labels["node.cluster.x-k8s.io/tier"], "gold");

    // Changing only a propagated label keeps the template names: nothing rolls.
    let other = render_full(&[
        "--set-string",
        "nodePools[0].labels=node-role.kubernetes.io/db=\\,tier=web\\,node.kubernetes.io/pool=general",
    ]);
    let names = |docs: &[Value]| -> Vec<String> {
        docs.iter()
            .filter(|d| {
                d["kind"] == "KubeadmConfigTemplate" || d["kind"] == "VSphereMachineTemplate"
            })
            .filter_map(|d| d["metadata"]["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(names(&docs), names(&other));
}

#[test]
fn a_label_neither_the_kubelet_nor_capi_may_set_is_an_error() {
    let run = capkv(&[
        "render",
        "demo",
        "--set",
        "nodePools[0].labels=kubernetes.io/role=worker",
    ]);
    run.assert_fails(1, "nodePools[0].labels");
    assert!(run.stderr.contains("the kubelet refuses"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------
// Kamaji's NodePort control plane.
// ---------------------------------------------------------------------------------

#[test]
fn a_node_port_control_plane_needs_a_port_in_the_node_port_range() {
    // clastix/kamaji ddbabd8 internal/resources/k8s_service_resource.go:160-162:
    // nodePort = the API server port; kube-apiserver's default range is 30000-32767.
    let run = capkv(&[
        "render",
        "demo",
        "--set",
        "cluster.controlPlane.network.serviceType=NodePort",
    ]);
    run.assert_fails(1, "cluster.clusterNetwork.apiServerPort");
    assert!(run.stderr.contains("30000-32767"), "{}", run.stderr);
    let docs = documents(
        &capkv(&[
            "render",
            "demo",
            "--set",
            "cluster.controlPlane.network.serviceType=NodePort",
            "--set",
            "cluster.clusterNetwork.apiServerPort=31443",
        ])
        .success(),
    );
    let port = of_kind(&docs, "Cluster")["spec"]["clusterNetwork"]["apiServerPort"]
        .as_u64()
        .expect("port");
    assert!((30000..=32767).contains(&port));
}

// ---------------------------------------------------------------------------------
// Cluster Autoscaler: the template node of a pool that scales from zero.
// ---------------------------------------------------------------------------------

/// `resource.ParseQuantity` for the binary suffixes capkv writes.
fn quantity_bytes(text: &str) -> u64 {
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = digits.parse().expect("a number");
    n * match unit {
        "" => 1,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        other => panic!("unexpected unit {other}"),
    }
}

#[test]
fn scale_from_zero_announces_what_a_node_really_offers() {
    let docs = render_full(&[
        "--set",
        "nodePools[0].autoscaling.enabled=true",
        "--set",
        "nodePools[0].cloneMode=linkedClone",
    ]);
    let md = find(&docs, "MachineDeployment", "prod-eu-1-general-md");
    let annotations = &md["metadata"]["annotations"];
    let capacity = |key: &str| {
        annotations[format!("capacity.cluster-autoscaler.kubernetes.io/{key}")].as_str()
    };
    // kubernetes/autoscaler 55c37cd cluster-autoscaler/cloudprovider/clusterapi/
    // clusterapi_nodegroup.go:412-413: the template node's allocatable IS this capacity.
    // The kubelet keeps memory.available 100Mi back (DefaultEvictionHard).
    let memory_mib = md_pool_memory(&docs);
    assert_eq!(
        quantity_bytes(capacity("memory").expect("memory")),
        (memory_mib - 100) << 20
    );
    // A linked clone keeps the template's disk: no ephemeral-disk claim from diskGiB.
    assert_eq!(capacity("ephemeral-disk"), None);
    // clusterapi_unstructured.go:287-297: scale from zero needs cpu and memory.
    assert!(capacity("cpu").is_some());
}

fn md_pool_memory(docs: &[Value]) -> u64 {
    docs.iter()
        .find(|d| {
            d["kind"] == "VSphereMachineTemplate"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("prod-eu-1-general-"))
        })
        .and_then(|d| d["spec"]["template"]["spec"]["memoryMiB"].as_u64())
        .expect("memoryMiB")
}

// ---------------------------------------------------------------------------------
// Prometheus Operator: who reads the ServiceMonitor's TLS Secret.
// ---------------------------------------------------------------------------------

#[test]
fn the_prometheus_operator_may_read_the_secret_the_service_monitor_names() {
    let docs = render_full(&[]);
    let monitor = of_kind(&docs, "ServiceMonitor");
    let namespace = monitor["metadata"]["namespace"]
        .as_str()
        .expect("namespace");
    // prometheus-operator 6adcebc pkg/prometheus/resource_selector.go:229 and
    // pkg/assets/store.go:315-349: the operator GETs each Secret of an endpoint's
    // tlsConfig, in the ServiceMonitor's namespace, with its own ServiceAccount.
    let operator = ("kube-prometheus-stack-operator", "monitoring-system");
    for endpoint in monitor["spec"]["endpoints"].as_array().expect("endpoints") {
        let tls = &endpoint["tlsConfig"];
        for secret in [&tls["cert"]["secret"]["name"], &tls["keySecret"]["name"]] {
            let secret = secret.as_str().expect("a Secret");
            assert!(
                may_get_secret(&docs, operator, namespace, secret),
                "the operator cannot read {secret}"
            );
        }
    }
}

/// RBAC: a RoleBinding in `namespace` naming the ServiceAccount, to a Role that grants
/// `get` on the Secret.
fn may_get_secret(docs: &[Value], account: (&str, &str), namespace: &str, secret: &str) -> bool {
    docs.iter()
        .filter(|d| d["kind"] == "RoleBinding" && d["metadata"]["namespace"] == namespace)
        .filter(|b| {
            b["subjects"].as_array().is_some_and(|subjects| {
                subjects.iter().any(|s| {
                    s["kind"] == "ServiceAccount"
                        && s["name"] == account.0
                        && s["namespace"] == account.1
                })
            })
        })
        .filter_map(|b| {
            docs.iter().find(|r| {
                r["kind"] == "Role"
                    && r["metadata"]["namespace"] == namespace
                    && r["metadata"]["name"] == b["roleRef"]["name"]
            })
        })
        .flat_map(|role| role["rules"].as_array().cloned().unwrap_or_default())
        .any(|rule| {
            strings(&rule["resources"]).contains(&"secrets")
                && strings(&rule["verbs"]).contains(&"get")
                && (rule.get("resourceNames").is_none()
                    || strings(&rule["resourceNames"]).contains(&secret))
        })
}

// ---------------------------------------------------------------------------------
// Versions: the CSI release and the cluster's networks.
// ---------------------------------------------------------------------------------

#[test]
fn csi_images_follow_the_kubernetes_minor() {
    let images = |version: &str| -> Vec<String> {
        let docs = render_full(&[
            "--set",
            &format!("cluster.controlPlane.version={version},nodePools[1].version={version}"),
            "--set",
            "cluster.controlPlane.apiServer.extraArgs=null",
        ]);
        let csi = find(&docs, "Deployment", "prod-eu-1-vsphere-csi-controller");
        csi["spec"]["template"]["spec"]["containers"]
            .as_array()
            .expect("containers")
            .iter()
            .filter_map(|c| c["image"].as_str().map(str::to_owned))
            .collect()
    };
    let old = images("v1.33.2");
    assert!(
        old.iter()
            .any(|i| i == "registry.k8s.io/csi-vsphere/driver:v3.7.3"),
        "{old:?}"
    );
    let new = images("v1.36.1");
    assert!(
        new.iter()
            .any(|i| i == "registry.k8s.io/csi-vsphere/driver:v3.8.0"),
        "{new:?}"
    );
    assert!(
        new.iter()
            .any(|i| i == "registry.k8s.io/sig-storage/csi-resizer:v2.0.0"),
        "{new:?}"
    );
    let run = capkv(&[
        "render",
        "-f",
        "examples/full.yaml",
        "--set",
        "cluster.controlPlane.version=v1.37.0",
        "--set",
        "cluster.controlPlane.apiServer.extraArgs=null",
    ]);
    run.assert_fails(1, "vSphereStorageControllerManager.images");
}

#[test]
fn cluster_networks_take_one_cidr_per_family() {
    let run = capkv(&[
        "render",
        "demo",
        "--set",
        "cluster.clusterNetwork.pods.cidrBlocks={10.244.0.0/16,10.245.0.0/16}",
    ]);
    run.assert_fails(1, "cluster.clusterNetwork.pods.cidrBlocks[1]");
    capkv(&[
        "render",
        "demo",
        "--set",
        "cluster.clusterNetwork.pods.cidrBlocks={10.244.0.0/16,fd00:10:244::/56}",
    ])
    .success();
}

// ---------------------------------------------------------------------------------
// Cluster API: resolving references, with each provider at its own API version.
// ---------------------------------------------------------------------------------

/// How CAPI finds a referenced object: a v1beta1 reference names the apiVersion to
/// GET (a version the provider does not serve fails); a v1beta2 reference names only
/// the group, and CAPI picks the version from the CRD's contract label
/// (cluster-api ae7ff04 `internal/contract/version.go`, UpdateReferenceAPIContract).
fn resolves(reference: &Value, target: &Value) -> bool {
    let target_version = target["apiVersion"].as_str().unwrap_or_default();
    let same_kind =
        reference["kind"] == target["kind"] && reference["name"] == target["metadata"]["name"];
    match (reference.get("apiGroup"), reference.get("apiVersion")) {
        (Some(group), None) => same_kind && target_version.split('/').next() == group.as_str(),
        (None, Some(version)) => same_kind && version == target_version,
        _ => false,
    }
}

#[test]
fn every_combination_of_provider_versions_renders_references_capi_resolves() {
    for capi in ["v1beta2", "v1beta1"] {
        for capv in ["v1beta2", "v1beta1"] {
            for kamaji in ["v1alpha2", "v1alpha1"] {
                let label = format!("capi {capi}, capv {capv}, kamaji {kamaji}");
                let docs = render_full(&[
                    "--set",
                    &format!(
                        "apiVersions.capi={capi},apiVersions.capv={capv},apiVersions.kamaji={kamaji}"
                    ),
                ]);
                let cluster = of_kind(&docs, "Cluster");
                assert_eq!(
                    cluster["apiVersion"],
                    format!("cluster.x-k8s.io/{capi}"),
                    "{label}"
                );
                let kcp = of_kind(&docs, "KamajiControlPlane");
                assert_eq!(
                    kcp["apiVersion"],
                    format!("controlplane.cluster.x-k8s.io/{kamaji}"),
                    "{label}"
                );
                let vsphere_cluster = of_kind(&docs, "VSphereCluster");
                assert_eq!(
                    vsphere_cluster["apiVersion"],
                    format!("infrastructure.cluster.x-k8s.io/{capv}"),
                    "{label}"
                );
                assert!(
                    resolves(&cluster["spec"]["controlPlaneRef"], kcp),
                    "{label}"
                );
                assert!(
                    resolves(&cluster["spec"]["infrastructureRef"], vsphere_cluster),
                    "{label}"
                );
                for md in docs.iter().filter(|d| d["kind"] == "MachineDeployment") {
                    let spec = &md["spec"]["template"]["spec"];
                    for reference in [&spec["bootstrap"]["configRef"], &spec["infrastructureRef"]] {
                        assert!(
                            docs.iter().any(|target| resolves(reference, target)),
                            "{label}: {reference} resolves to nothing"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_api_profile_flag_sets_all_three_versions() {
    let docs = render_full(&[
        "--set",
        "apiVersions.capv=v1beta1",
        "--api-profile",
        "v1beta2",
    ]);
    assert_eq!(
        of_kind(&docs, "VSphereCluster")["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1beta2"
    );
    let mixed = render_full(&["--set", "apiProfile=v1beta2,apiVersions.capv=v1beta1"]);
    assert_eq!(
        of_kind(&mixed, "VSphereCluster")["apiVersion"],
        "infrastructure.cluster.x-k8s.io/v1beta1"
    );
    assert_eq!(
        of_kind(&mixed, "Cluster")["apiVersion"],
        "cluster.x-k8s.io/v1beta2"
    );
}

#[test]
fn a_storage_class_change_the_workload_cluster_rejects_is_flagged() {
    let before = TempValues::named(
        "old.yaml",
        &capkv(&["render", "-f", "examples/full.yaml"]).success(),
    );
    let after = TempValues::named(
        "new.yaml",
        &capkv(&[
            "render",
            "-f",
            "examples/full.yaml",
            "--set",
            "vSphereStorageControllerManager.storageClass.parameters.fstype=xfs",
        ])
        .success(),
    );
    // The ClusterResourceSet re-applies the changed ConfigMap (cluster-api
    // core/reconcilers/clusterresourceset, strategy Reconcile); kubernetes
    // pkg/apis/storage/validation ValidateStorageClassUpdate refuses new parameters.
    let report = capkv(&["diff", before.arg(), after.arg()]).success();
    assert!(
        report.contains("Rejected or ignored by CAPI/CAPV"),
        "{report}"
    );
    assert!(report.contains("StorageClass/"), "{report}");
    assert!(report.contains(".parameters"), "{report}");
}
