//! `capkv diff`: the control plane section (KamajiControlPlane, and the Cluster fields
//! the Kamaji provider copies to the TenantControlPlane), from rendered pairs of
//! examples/full.yaml.

use crate::support::{TempValues, capkv, diff_report, full_stream};

/// The control plane section of a text report.
fn section(report: &str) -> &str {
    let start = report
        .find("Control plane\n")
        .unwrap_or_else(|| panic!("no control plane section:\n{report}"));
    let rest = &report[start..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

fn status(section: &str) -> &str {
    section
        .lines()
        .nth(1)
        .and_then(|l| {
            l.trim()
                .strip_suffix("KamajiControlPlane default/prod-eu-1")
        })
        .map_or("", str::trim)
}

/// The provider copies the version (adding a missing `v`) and the replicas onto the
/// TenantControlPlane (clastix/cluster-api-control-plane-provider-kamaji
/// controllers/kamajicontrolplane_controller_tcp.go:80-88), whose Deployment Kamaji
/// rolls; the MachineDeployments are separate objects, so no worker rolls by itself
/// (an unchanged pool version here).
#[test]
fn a_control_plane_upgrade_and_scale_roll_its_pods_not_the_workers() {
    let old = full_stream(&[]);
    let new = full_stream(&[
        "cluster.controlPlane.version=v1.34.1",
        "cluster.controlPlane.replicas=2",
        "nodePools[0].version=v1.33.4",
        "nodePools[2].version=v1.33.4",
    ]);
    let report = diff_report(&old, &new);
    let section = section(&report);
    assert_eq!(status(section), "upgrades", "{section}");
    assert!(
        section.contains(
            "spec.version: v1.33.4 → v1.34.1: the control plane pods roll to the new version; no worker rolls by itself\n"
        ),
        "{section}"
    );
    assert!(
        section.ends_with(
            "spec.replicas: 3 → 2: control plane pods are added or removed; no worker changes"
        ),
        "{section}"
    );
    assert!(!report.contains("  rolls "), "{report}");
}

/// Kamaji's TenantControlPlane webhook refuses a lower minor and a jump of more than
/// one minor, and ignores the patch number (clastix/kamaji
/// internal/webhook/handlers/tcp_version.go:67-93); the provider's whole update of the
/// TenantControlPlane then fails (kamajicontrolplane_controller_tcp.go:276-278), so
/// nothing else of it applies either.
#[test]
fn kamaji_refuses_a_downgrade_and_a_skipped_minor() {
    let old = full_stream(&[]);
    let cases = [
        (
            "v1.32.9",
            "spec.version: v1.33.4 → v1.32.9: refused: Kamaji does not downgrade a control plane (v1.33 → v1.32), so the provider's update fails and the control plane stays at v1.33.4",
        ),
        (
            "v1.35.0",
            "spec.version: v1.33.4 → v1.35.0: refused: Kamaji upgrades one minor version at a time (v1.33 → v1.35 skips 1), so the provider's update fails and the control plane stays at v1.33.4",
        ),
    ];
    for (version, line) in cases {
        let new = full_stream(&[
            &format!("cluster.controlPlane.version={version}"),
            "cluster.controlPlane.replicas=5",
        ]);
        let report = diff_report(&old, &new);
        let section = section(&report);
        assert_eq!(status(section), "refused", "{section}");
        assert!(section.contains(&format!("{line}\n")), "{section}");
        assert!(
            section.ends_with(
                "spec.replicas: 3 → 5: not applied: the provider writes the TenantControlPlane in one update, which is refused"
            ),
            "{section}"
        );
    }
    // A lower patch of the same minor is allowed: Kamaji compares minors only.
    let report = diff_report(
        &old,
        &full_stream(&["cluster.controlPlane.version=v1.33.2"]),
    );
    assert_eq!(status(section(&report)), "upgrades", "{report}");
}

/// The provider copies the Cluster's service domain to the TenantControlPlane's
/// clusterDomain (kamajicontrolplane_controller_tcp.go:79), which Kamaji's CRD makes
/// immutable (clastix/kamaji api/v1alpha1/tenantcontrolplane_types.go:46-50); absent,
/// it is the CRD default `cluster.local`.
#[test]
fn a_new_service_domain_stops_the_control_plane_reconciling() {
    let old = full_stream(&[]);
    let new = full_stream(&["cluster.clusterNetwork.serviceDomain=prod.internal"]);
    let report = diff_report(&old, &new);
    let section = section(&report);
    assert_eq!(status(section), "refused", "{section}");
    assert!(
        section.contains(
            "Cluster prod-eu-1: spec.clusterNetwork.serviceDomain: cluster.local → prod.internal: refused: the TenantControlPlane's networkProfile.clusterDomain is immutable, so the provider's update fails and the control plane stops following the KamajiControlPlane"
        ),
        "{section}"
    );
    // Spelling out the default is no change.
    let explicit = full_stream(&["cluster.clusterNetwork.serviceDomain=cluster.local"]);
    assert!(!diff_report(&old, &explicit).contains("Control plane"));
}

/// Kamaji uploads the kubelet configuration, with the KamajiControlPlane's JSON patches
/// applied, to the tenant's kubelet-config ConfigMap (clastix/kamaji
/// internal/resources/kubeadm_phases.go:155-168, internal/kubeadm/uploadconfig.go:37-68),
/// which kubeadm join reads when a node joins: running nodes keep theirs. v1alpha1's
/// `cgroupfs` and v1alpha2's `add /cgroupDriver` patch are one setting.
#[test]
fn kubelet_settings_reach_only_nodes_that_join_later() {
    let old = full_stream(&[]);
    let new = full_stream(&[
        "cluster.controlPlane.kubelet.configurationJSONPatches[0].op=add",
        "cluster.controlPlane.kubelet.configurationJSONPatches[0].path=/maxPods",
        "cluster.controlPlane.kubelet.configurationJSONPatches[0].value=200",
    ]);
    let report = diff_report(&old, &new);
    let section = section(&report);
    assert_eq!(status(section), "updated", "{section}");
    assert!(
        section.contains(": Kamaji rewrites the tenant's kubelet-config ConfigMap: only nodes that join from now on get it, running nodes keep their configuration until their pool rolls"),
        "{section}"
    );
    assert!(
        section.contains("spec.kubelet.configurationJSONPatches"),
        "{section}"
    );

    let v1alpha1 = full_stream(&["apiVersions.kamaji=v1alpha1"]);
    assert!(!diff_report(&old, &v1alpha1).contains("Control plane"));
    assert!(!diff_report(&v1alpha1, &old).contains("Control plane"));
}

#[test]
fn the_markdown_report_has_the_control_plane_section() {
    let old = full_stream(&[]);
    let new = full_stream(&["cluster.controlPlane.replicas=5"]);
    let markdown = capkv(&["diff", "-o", "markdown", old.arg(), new.arg()]).success();
    assert!(
        markdown.contains(
            "**Control plane**\n\n- `KamajiControlPlane default/prod-eu-1`: **scales**\n  - `spec.replicas` `3` → `5`: control plane pods are added or removed; no worker changes\n"
        ),
        "{markdown}"
    );
}

/// The warnings section of a text report, one warning a line.
fn warnings(report: &str) -> Vec<String> {
    let Some(start) = report.find("Warnings\n") else {
        return Vec::new();
    };
    let rest = &report[start + "Warnings\n".len()..];
    rest[..rest.find("\n\n").unwrap_or(rest.len())]
        .lines()
        .map(|l| l.trim_start().trim_start_matches("! ").to_owned())
        .collect()
}

/// Outside a ClusterClass nothing orders the upgrade: the MachineDeployment controller
/// rolls a pool as soon as its version changes
/// (core/reconcilers/machinedeployment/mdutil/util.go:369-373), only the topology
/// controller waits for the control plane (exp/topology/desiredstate/
/// desired_state.go:1082-1134). A pool that keeps its version is the staged way.
#[test]
fn upgrading_control_plane_and_pools_in_one_apply_is_warned() {
    let old = full_stream(&[]);
    let both = full_stream(&[
        "cluster.controlPlane.version=v1.34.1",
        "nodePools[0].template=ubuntu-2404-kube-v1.34.1",
        "nodePools[2].template=ubuntu-2404-kube-v1.34.1",
    ]);
    let found = warnings(&diff_report(&old, &both));
    assert_eq!(
        found,
        [
            "the control plane and 3 pool(s) (prod-eu-1-general-md, prod-eu-1-batch-milan-a-md, prod-eu-1-batch-milan-b-md) change version in one apply: CAPI rolls the pools right away, during the control plane upgrade (outside a ClusterClass nothing waits for it). Staged: first upgrade only the control plane (keep each nodePools[].version at the current version), apply, and once the control plane is done, bump the pools"
        ],
        "{found:?}"
    );
    let staged = full_stream(&[
        "cluster.controlPlane.version=v1.34.1",
        "nodePools[0].version=v1.33.4",
        "nodePools[2].version=v1.33.4",
    ]);
    let report = diff_report(&old, &staged);
    assert_eq!(status(section(&report)), "upgrades", "{report}");
    assert_eq!(warnings(&report), Vec::<String>::new());
}

/// The kubelet is baked into the VM image (kubernetes-sigs/image-builder
/// images/capi/ansible/roles/kubernetes/tasks/debian.yml:32-41); CAPI's bootstrap only
/// runs kubeadm join (bootstrap/kubeadm/pkg/cloudinit/node.go:33-36). A version bump
/// on the same image rolls every machine and changes no kubelet.
#[test]
fn a_version_bump_on_the_same_vm_image_is_warned() {
    let old = full_stream(&[]);
    let patch = full_stream(&["nodePools[1].version=v1.32.9"]);
    let report = diff_report(&old, &patch);
    assert!(
        report.contains("spec.template.spec.version: v1.32.8 → v1.32.9"),
        "{report}"
    );
    assert_eq!(
        warnings(&report),
        [
            "prod-eu-1-gpu-md: version v1.32.8 → v1.32.9 on the same VM image: every machine is replaced by one cloned from that image, whose kubelet is still the image's; give the pool a template built for v1.32.9 (nodePools[].template)"
        ]
    );
    // A new image (and another template field) with the bump: no warning.
    let imaged = full_stream(&[
        "nodePools[1].version=v1.32.9",
        "nodePools[1].template=ubuntu-2404-kube-v1.32.9",
    ]);
    let report = diff_report(&old, &imaged);
    assert!(
        report.contains("spec.template.spec.version: v1.32.8 → v1.32.9"),
        "the pool still changes version:\n{report}"
    );
    assert_eq!(warnings(&report), Vec::<String>::new());
    // Only another template field changes: the image, and so the kubelet, stays.
    let sized = full_stream(&["nodePools[1].version=v1.32.9", "nodePools[1].numCPUs=16"]);
    assert_eq!(warnings(&diff_report(&old, &sized)).len(), 1);
}

/// The provider copies the load balancer class, the datastore schema and username only
/// when the KamajiControlPlane sets them (clastix/cluster-api-control-plane-provider-kamaji
/// controllers/kamajicontrolplane_controller_tcp.go:106-111, :224-227), and Kamaji makes
/// them immutable (clastix/kamaji api/v1alpha1/tenantcontrolplane_types.go:29, :519,
/// :525): a removed class leaves the TenantControlPlane's in place, refuses nothing and
/// does not hold back the other changes; another class is refused.
#[test]
fn a_removed_load_balancer_class_is_kept_and_another_one_refused() {
    let class = "cluster.controlPlane.network.loadBalancerConfig.loadBalancerClass";
    let with_class = full_stream(&[&format!("{class}=kube-vip")]);
    let removed = full_stream(&["cluster.controlPlane.replicas=2"]);
    let report = diff_report(&with_class, &removed);
    let kept = section(&report);
    assert_eq!(status(kept), "scales", "{kept}");
    assert!(
        kept.contains(
            "spec.network.loadBalancerConfig.loadBalancerClass: kube-vip → (unset): not applied: the provider copies only a set networkProfile.loadBalancerClass, so the TenantControlPlane keeps kube-vip\n"
        ),
        "{kept}"
    );
    assert!(
        kept.contains("spec.replicas: 3 → 2: control plane pods are added or removed"),
        "{kept}"
    );
    assert!(!kept.contains("refused"), "{kept}");
    assert!(
        !kept.contains("spec.network.loadBalancerConfig: "),
        "the class's own line explains the removed section:\n{kept}"
    );

    let other = full_stream(&[&format!("{class}=metallb")]);
    let report = diff_report(&with_class, &other);
    let refused = section(&report);
    assert_eq!(status(refused), "refused", "{refused}");
    assert!(
        refused.contains(
            "spec.network.loadBalancerConfig.loadBalancerClass: kube-vip → metallb: refused: the TenantControlPlane's networkProfile.loadBalancerClass is immutable"
        ),
        "{refused}"
    );
}

/// Kamaji fills an unset datastore schema in with the TenantControlPlane's UID when it
/// creates it (clastix/kamaji internal/webhook/handlers/tcp_defaults.go:89-91), and the
/// field is immutable (api/v1alpha1/tenantcontrolplane_types.go:519): setting one later
/// is refused.
#[test]
fn a_datastore_schema_set_after_creation_is_refused() {
    let old = full_stream(&[]);
    let text = std::fs::read_to_string(old.arg()).expect("the stream");
    let mut edited = String::new();
    for mut doc in crate::support::documents(&text) {
        if doc["kind"] == "KamajiControlPlane" {
            doc["spec"]["dataStoreSchema"] = "prod_eu_1".into();
        }
        edited.push_str(&format!("---\n{doc}\n"));
    }
    assert!(
        edited.contains("prod_eu_1"),
        "a KamajiControlPlane was edited"
    );
    let new = TempValues::named("schema.yaml", &edited);
    let report = diff_report(&old, &new);
    let section = section(&report);
    assert_eq!(status(section), "refused", "{section}");
    assert!(
        section.contains(
            "spec.dataStoreSchema: (unset) → prod_eu_1: refused: Kamaji set the TenantControlPlane's dataStoreSchema to its UID when it created it"
        ),
        "{section}"
    );
}

/// A class set where there was none passes the TenantControlPlane's `self == oldSelf`
/// rule (no old value), but Kamaji writes it to the existing LoadBalancer Service
/// (clastix/kamaji internal/resources/k8s_service_resource.go:153-155), whose
/// loadBalancerClass the API server lets change neither from nor to unset
/// (kubernetes/kubernetes pkg/apis/core/validation/validation.go
/// `validateLoadBalancerClassField`, `sameLoadBalancerClass`); Kamaji handles the
/// Service before the Deployment (controllers/resources.go:62-69) and returns at the
/// first failure (controllers/tenantcontrolplane_controller.go:245-257).
#[test]
fn a_load_balancer_class_set_on_a_running_service_stops_kamaji() {
    let old = full_stream(&[]);
    let text = std::fs::read_to_string(old.arg()).expect("the stream");
    assert!(text.contains("serviceType: LoadBalancer"), "{text}");
    let new = full_stream(&[
        "cluster.controlPlane.network.loadBalancerConfig.loadBalancerClass=kube-vip",
        "cluster.controlPlane.replicas=2",
    ]);
    let report = diff_report(&old, &new);
    let refused = section(&report);
    assert_eq!(status(refused), "refused", "{refused}");
    assert!(
        refused.contains(
            "spec.network.loadBalancerConfig.loadBalancerClass: (unset) → kube-vip: refused: the TenantControlPlane takes it, but the API server refuses to set a loadBalancerClass on Kamaji's existing LoadBalancer Service"
        ),
        "{refused}"
    );
    assert!(
        refused.contains(
            "spec.replicas: 3 → 2: not applied: Kamaji stops at the refused Service, before the control plane's configuration and Deployment"
        ),
        "{refused}"
    );
    assert!(
        !refused.contains("spec.network.loadBalancerConfig: "),
        "{refused}"
    );
}
