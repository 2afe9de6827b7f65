//! `capkv diff`: what the ClusterResourceSet does with changed or removed resources,
//! from rendered pairs of examples/full.yaml. CAPI's ClusterResourceSet controller
//! records each applied resource in a ClusterResourceSetBinding
//! (core/reconcilers/clusterresourceset/clusterresourceset_scope.go).

use crate::support::{TempValues, diff_report, documents, full_stream};
use serde_json::Value;

const STORAGE_CLASS_CONFIG_MAP: &str = "ConfigMap default/prod-eu-1-csi-storage-class";

/// The stream with `edit` applied to each object of `kind`, as JSON documents.
fn edited(stream: &TempValues, kind: &str, edit: impl Fn(&mut Value)) -> TempValues {
    let text = std::fs::read_to_string(stream.arg()).expect("the stream");
    let mut out = String::new();
    for mut doc in documents(&text) {
        if doc["kind"] == kind {
            edit(&mut doc);
        }
        out.push_str(&format!("---\n{doc}\n"));
    }
    TempValues::named("edited.yaml", &out)
}

/// The problem line about `id`, without its mark.
fn problem<'r>(report: &'r str, id: &str) -> &'r str {
    report
        .lines()
        .find(|l| l.contains(&format!("{id}: ")))
        .unwrap_or_else(|| panic!("no problem for {id}:\n{report}"))
}

/// Reconcile applies a changed resource again as a merge patch (:110-114, :120-148);
/// the workload cluster's API server refuses new parameters or reclaimPolicy of a
/// StorageClass (kubernetes pkg/apis/storage/validation/validation.go
/// ValidateStorageClassUpdate), so the set fails there.
#[test]
fn reconcile_re_applies_and_an_immutable_storage_class_change_fails() {
    let old = full_stream(&[]);
    let new = full_stream(&["vSphereStorageControllerManager.storageClass.reclaimPolicy=Retain"]);
    let report = diff_report(&old, &new);
    assert!(
        problem(&report, STORAGE_CLASS_CONFIG_MAP).ends_with(
            "carries a StorageClass whose parameters, provisioner, reclaimPolicy or volumeBindingMode changed: the ClusterResourceSet re-applies it (strategy Reconcile) and the workload cluster rejects the update, so the set keeps failing until the StorageClass is deleted there (or use a new storageClass.name)"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "data.csi-storage-class.yaml StorageClass/vsphere-gold.reclaimPolicy: Delete → Retain"
        ),
        "{report}"
    );
    // allowVolumeExpansion may change: no problem.
    let expand =
        full_stream(&["vSphereStorageControllerManager.storageClass.allowVolumeExpansion=false"]);
    let report = diff_report(&old, &expand);
    assert!(
        report.contains(&format!("~ {STORAGE_CLASS_CONFIG_MAP}\n")),
        "the StorageClass changed:\n{report}"
    );
    assert!(!report.contains("Rejected"), "{report}");
}

/// ApplyOnce never applies a recorded resource again (:155-157) and only creates
/// objects (:163-170): a changed resource does not reach the clusters that have it.
#[test]
fn apply_once_silently_ignores_a_changed_resource() {
    let apply_once = |stream: &TempValues| {
        edited(stream, "ClusterResourceSet", |crs| {
            crs["spec"]["strategy"] = Value::from("ApplyOnce");
        })
    };
    let old = apply_once(&full_stream(&[]));
    let new = apply_once(&full_stream(&[
        "vSphereStorageControllerManager.storageClass.reclaimPolicy=Retain",
    ]));
    let report = diff_report(&old, &new);
    assert!(
        problem(&report, STORAGE_CLASS_CONFIG_MAP).ends_with(
            "changed, but its ClusterResourceSet has strategy ApplyOnce: a resource already applied is never applied again, so clusters that have it silently keep the old objects"
        ),
        "{report}"
    );
    assert!(
        report
            .contains("data[\"csi-storage-class.yaml\"]: (12 lines of text) → (12 lines of text)"),
        "{report}"
    );
    assert!(!report.contains("keeps failing"), "{report}");
}

/// Nothing deletes what a ClusterResourceSet applied: deleting one only removes it
/// from the bindings (clusterresourceset_controller.go:221-256), and neither strategy
/// deletes objects (clusterresourceset_scope.go:120-170).
#[test]
fn removed_resources_stay_in_the_workload_cluster() {
    let old = full_stream(&[]);
    let disabled = full_stream(&["vSphereStorageControllerManager.storageClass.enabled=false"]);
    let report = diff_report(&old, &disabled);
    assert!(
        problem(&report, STORAGE_CLASS_CONFIG_MAP).ends_with(
            "is no longer applied by a ClusterResourceSet, but CAPI never deletes what one applied: its objects stay in the workload cluster until you delete them there"
        ),
        "{report}"
    );

    let emptied = edited(&old, "ConfigMap", |cm| {
        if cm["metadata"]["name"] == "prod-eu-1-csi-storage-class" {
            cm["data"]["csi-storage-class.yaml"] = Value::from("");
        }
    });
    let report = diff_report(&old, &emptied);
    assert!(
        problem(&report, STORAGE_CLASS_CONFIG_MAP).ends_with(
            "no longer carries these objects, but CAPI never deletes what a ClusterResourceSet applied: they stay in the workload cluster until you delete them there"
        ),
        "{report}"
    );
    assert!(
        report.contains("data.csi-storage-class.yaml StorageClass/vsphere-gold: applied → (unset)"),
        "{report}"
    );
}
