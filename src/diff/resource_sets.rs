//! What a ClusterResourceSet does with changes of the resources it carries into the
//! workload cluster.
//!
//! CAPI applies each resource (a ConfigMap or Secret of manifests) to every matching
//! cluster and records it in the cluster's ClusterResourceSetBinding
//! (core/reconcilers/clusterresourceset/clusterresourceset_scope.go):
//! - `ApplyOnce` never applies a resource again once it is recorded (:155-157), and
//!   only ever creates objects (:163-170): a changed resource is silently ignored.
//! - `Reconcile` applies it again when its content hash changes (:110-114), as a merge
//!   patch of each object (:120-148): an update the workload cluster refuses makes the
//!   set fail there.
//! - Nothing deletes an applied object: deleting a ClusterResourceSet only removes it
//!   from the bindings (clusterresourceset_controller.go:221-256).

use super::fields::{self, FieldChange};
use super::immutable::{Outcome, Problem};
use super::stream::{ObjectId, Stream};
use serde_json::Value;

const CLUSTER_RESOURCE_SET: &str = "ClusterResourceSet";

/// Fields of a StorageClass the workload cluster's API server refuses to update
/// (kubernetes `pkg/apis/storage/validation/validation.go` ValidateStorageClassUpdate).
const STORAGE_CLASS_IMMUTABLE: &[&str] = &[
    "parameters",
    "provisioner",
    "reclaimPolicy",
    "volumeBindingMode",
];

const STORAGE_CLASS_MESSAGE: &str = "carries a StorageClass whose parameters, provisioner, reclaimPolicy or volumeBindingMode changed: the ClusterResourceSet re-applies it (strategy Reconcile) and the workload cluster rejects the update, so the set keeps failing until the StorageClass is deleted there (or use a new storageClass.name)";
const APPLY_ONCE_MESSAGE: &str = "changed, but its ClusterResourceSet has strategy ApplyOnce: a resource already applied is never applied again, so clusters that have it silently keep the old objects";
const REMOVED_OBJECTS_MESSAGE: &str = "no longer carries these objects, but CAPI never deletes what a ClusterResourceSet applied: they stay in the workload cluster until you delete them there";
const DROPPED_RESOURCE_MESSAGE: &str = "is no longer applied by a ClusterResourceSet, but CAPI never deletes what one applied: its objects stay in the workload cluster until you delete them there";

/// The problems of every resource a ClusterResourceSet of the old stream applies.
pub(super) fn problems(old: &Stream, new: &Stream) -> Vec<Problem> {
    let mut problems = Vec::new();
    for set in old
        .objects
        .iter()
        .filter(|o| o.id.kind == CLUSTER_RESOURCE_SET)
    {
        // The stored strategy: a changed one is rejected (see immutable.rs).
        let apply_once = set.value["spec"]["strategy"]
            .as_str()
            .unwrap_or("ApplyOnce")
            == "ApplyOnce";
        let kept = new.get(&set.id).map(resources).unwrap_or_default();
        for resource in resources(&set.value) {
            let id = set.id.sibling(&resource.0, &resource.1);
            let Some(before) = old.get(&id) else {
                continue;
            };
            let Some(after) = new.get(&id).filter(|_| kept.contains(&resource)) else {
                problems.push(rejected(id, DROPPED_RESOURCE_MESSAGE, Vec::new()));
                continue;
            };
            if before == after {
                continue;
            }
            let removed = removed_objects(before, after);
            if !removed.is_empty() {
                problems.push(rejected(id.clone(), REMOVED_OBJECTS_MESSAGE, removed));
            }
            let (message, fields) = if apply_once {
                (APPLY_ONCE_MESSAGE, data_changes(before, after))
            } else {
                (STORAGE_CLASS_MESSAGE, storage_class_changes(before, after))
            };
            if !fields.is_empty() {
                problems.push(rejected(id, message, fields));
            }
        }
    }
    problems
}

fn rejected(id: ObjectId, message: &'static str, fields: Vec<FieldChange>) -> Problem {
    Problem {
        id,
        outcome: Outcome::Rejected,
        message,
        fields,
    }
}

/// (kind, name) of each resource a ClusterResourceSet lists.
fn resources(set: &Value) -> Vec<(String, String)> {
    set["spec"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                r.get("kind")?.as_str()?.to_owned(),
                r.get("name")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// The keys of `data` (and `stringData`) that changed, values shortened.
fn data_changes(old: &Value, new: &Value) -> Vec<FieldChange> {
    ["data", "stringData"]
        .iter()
        .flat_map(|key| {
            let hidden = *key == "stringData" || old["kind"] == "Secret";
            fields::changes_of(key, old.get(key), new.get(key))
                .into_iter()
                .map(move |mut change| {
                    if hidden {
                        change.old = change.old.map(|_| Value::from(super::secret::HIDDEN));
                        change.new = change
                            .new
                            .map(|_| Value::from(super::secret::HIDDEN_CHANGED));
                    }
                    change
                })
        })
        .collect()
}

/// The objects of a ConfigMap's manifests, by file, kind and name.
fn manifests(config_map: &Value) -> Vec<(String, String, String, Value)> {
    let Some(data) = config_map.get("data").and_then(Value::as_object) else {
        return Vec::new();
    };
    data.iter()
        .filter_map(|(file, text)| Some((file, crate::yaml::parse_documents(text.as_str()?).ok()?)))
        .flat_map(|(file, documents)| {
            documents
                .into_iter()
                .filter(Value::is_object)
                .map(move |d| {
                    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                    (
                        file.clone(),
                        text(&d["kind"]),
                        text(&d["metadata"]["name"]),
                        d,
                    )
                })
        })
        .collect()
}

/// The objects the old ConfigMap carried and the new one does not.
fn removed_objects(old: &Value, new: &Value) -> Vec<FieldChange> {
    let after = manifests(new);
    manifests(old)
        .into_iter()
        .filter(|(_, kind, name, _)| !after.iter().any(|(_, k, n, _)| k == kind && n == name))
        .map(|(file, kind, name, _)| FieldChange {
            path: format!("data.{file} {kind}/{name}"),
            old: Some(Value::from("applied")),
            new: None,
        })
        .collect()
}

/// Immutable StorageClass fields that differ between the two versions of a ConfigMap.
fn storage_class_changes(old: &Value, new: &Value) -> Vec<FieldChange> {
    let before = manifests(old);
    let mut out = Vec::new();
    for (file, kind, name, class) in manifests(new) {
        if kind != "StorageClass" {
            continue;
        }
        let Some((_, _, _, previous)) = before
            .iter()
            .find(|(f, k, n, _)| *f == file && *k == kind && *n == name)
        else {
            continue;
        };
        for field in STORAGE_CLASS_IMMUTABLE {
            let (a, b) = (
                previous.get(*field).cloned().unwrap_or(Value::Null),
                class.get(*field).cloned().unwrap_or(Value::Null),
            );
            if a != b {
                out.extend(fields::changes(
                    &format!("data.{file} StorageClass/{name}.{field}"),
                    &a,
                    &b,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::stream::ObjectId;
    use super::*;

    fn id(kind: &str, name: &str) -> ObjectId {
        ObjectId {
            kind: kind.into(),
            namespace: "ns".into(),
            name: name.into(),
        }
    }

    fn stream(strategy: &str, resources: &str, class: &str) -> Stream {
        Stream::parse(&format!(
            "kind: ClusterResourceSet\nmetadata: {{name: crs, namespace: ns}}\nspec: {{strategy: {strategy}, resources: [{resources}]}}\n---\nkind: ConfigMap\nmetadata: {{name: sc, namespace: ns}}\ndata:\n  sc.yaml: |\n    kind: StorageClass\n    metadata: {{name: gold}}\n    reclaimPolicy: {class}\n"
        ))
        .unwrap()
    }

    #[test]
    fn each_strategy_gets_its_own_verdict() {
        let sc = "{kind: ConfigMap, name: sc}";
        let reconcile = problems(
            &stream("Reconcile", sc, "Delete"),
            &stream("Reconcile", sc, "Retain"),
        );
        assert_eq!(reconcile[0].message, STORAGE_CLASS_MESSAGE);
        assert_eq!(reconcile[0].id, id("ConfigMap", "sc"));
        let once = problems(
            &stream("ApplyOnce", sc, "Delete"),
            &stream("ApplyOnce", sc, "Retain"),
        );
        assert_eq!(once[0].message, APPLY_ONCE_MESSAGE);
        let dropped = problems(
            &stream("Reconcile", sc, "Delete"),
            &stream("Reconcile", "", "Delete"),
        );
        assert_eq!(dropped[0].message, DROPPED_RESOURCE_MESSAGE);
    }
}
