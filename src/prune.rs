//! `capkv prune`: which of a cluster's live VSphereMachineTemplates and
//! KubeadmConfigTemplates nothing needs any more.
//!
//! Each pool's templates are named `<base>-<content hash>`, so every change of a pool
//! leaves the superseded templates behind. A template is prunable when it is not in the
//! current render and no live MachineDeployment or MachineSet refers to it. The rules
//! come from Cluster API's controllers (paths and lines in kubernetes-sigs/cluster-api
//! at commit ae7ff047, v1.14 development after v1.14.0-rc.0):
//!
//! - A MachineSet creates every Machine from the templates in
//!   `spec.template.spec.bootstrap.configRef` and `spec.template.spec.infrastructureRef`,
//!   whatever its replicas: an old MachineSet scaled to 0 is reused, and scaled up again,
//!   when its MachineDeployment returns to the same template (a reverted change renders
//!   the same hashed names): `FindNewAndOldMachineSets` matches MachineSets by
//!   `MachineTemplateUpToDate`, which compares those refs
//!   (core/reconcilers/machinedeployment/mdutil/util.go:361-393 and :455). So every
//!   MachineSet that exists keeps its templates.
//! - CAPI deletes an old MachineSet only once the rollout is complete and the MachineSet
//!   has no replicas, spec and status
//!   (core/reconcilers/machinedeployment/machinedeployment_sync.go:312-336, called from
//!   machinedeployment_rollout_rollingupdate.go:63 and machinedeployment_rollout_ondelete.go:57
//!   only when `DeploymentComplete`). CAPI before v1.11 (commit 52c532914e "Drop
//!   revisionHistory in MachineDeployment") keeps `revisionHistoryLimit` (default 1)
//!   such MachineSets (api/core/v1beta1/machinedeployment_types.go:300-308): they keep
//!   their templates, as above.
//! - An OnDelete pool keeps the old MachineSet (and its replicas) until someone deletes
//!   its last old Machine (machinedeployment_rollout_ondelete.go:34-60): it is a live
//!   MachineSet, so its templates stay.
//! - A Machine being remediated is deleted and replaced by its MachineSet, from that
//!   MachineSet's templates, and only in the current revision
//!   (core/reconcilers/machineset/machineset_controller.go:1664-1680); the MachineSet
//!   exists, so its templates stay. A Machine itself never reads a template again: its
//!   VSphereMachine and KubeadmConfig are cloned once (controllers/external/util.go:223
//!   only records the template's name in `cluster.x-k8s.io/cloned-from-name`).
//! - A MachineSet being deleted waits for its Machines
//!   (core/reconcilers/machineset/machineset_controller.go:575-600), so a Machine whose
//!   MachineSet is missing from the input means the input is incomplete: capkv refuses
//!   to guess rather than list a template that MachineSet may need.
//! - The MachineDeployment's own refs are kept too: it creates its next MachineSet from
//!   them, and the live object may still name templates the render no longer has (the
//!   new values are not applied yet).

use crate::names::{is_dns1123_label, is_dns1123_subdomain};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The kinds capkv renders with hashed names, and so the only kinds it prunes.
pub const TEMPLATE_KINDS: [&str; 2] = ["VSphereMachineTemplate", "KubeadmConfigTemplate"];

/// The label CAPI and capkv put on every object of a cluster.
const CLUSTER_NAME_LABEL: &str = "cluster.x-k8s.io/cluster-name";
/// The label CAPI puts on a Machine created by a MachineSet (v1beta1 and v1beta2).
const MACHINE_SET_LABEL: &str = "cluster.x-k8s.io/set-name";
/// The label CAPI puts on a MachineSet created by a MachineDeployment.
const DEPLOYMENT_LABEL: &str = "cluster.x-k8s.io/deployment-name";

/// Why the live objects cannot be used; the caller names the input.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LiveError(pub String);

/// `Kind/name`, the key of an object in one namespace.
type Key = (String, String);

/// The live objects of one cluster, as `kubectl get ... -o yaml` prints them.
#[derive(Debug)]
pub struct Live {
    objects: Vec<Value>,
}

impl Live {
    /// Reads a `List` (or several), a multi-document stream of objects, or both.
    pub fn parse(text: &str) -> Result<Live, LiveError> {
        let documents = crate::yaml::parse_documents(text).map_err(|e| LiveError(e.to_string()))?;
        let mut objects = Vec::new();
        for (index, document) in documents.into_iter().enumerate() {
            match document {
                Value::Null => {}
                Value::Object(ref map) if is_list(map) => {
                    let Some(Value::Array(items)) = map.get("items") else {
                        return Err(LiveError(format!(
                            "document {}: a List without `items`",
                            index + 1
                        )));
                    };
                    for item in items {
                        objects.push(checked(item.clone(), index)?);
                    }
                }
                other => objects.push(checked(other, index)?),
            }
        }
        Ok(Live { objects })
    }
}

fn is_list(map: &serde_json::Map<String, Value>) -> bool {
    map.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k == "List" || k.ends_with("List"))
        && map.contains_key("items")
}

/// An object with a kind and a name; anything else is not what kubectl prints.
fn checked(object: Value, index: usize) -> Result<Value, LiveError> {
    let ok = object["kind"].as_str().is_some_and(|k| !k.is_empty())
        && object["metadata"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty());
    if ok {
        Ok(object)
    } else {
        Err(LiveError(format!(
            "document {}: not a Kubernetes object (an object needs `kind` and `metadata.name`)",
            index + 1
        )))
    }
}

/// One template nothing needs.
#[derive(Debug)]
pub struct Prunable {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// `vspheremachinetemplate.infrastructure.cluster.x-k8s.io`: unambiguous for kubectl.
    pub resource: String,
    pub object: Value,
}

/// The live templates of `cluster` in `namespace` that are neither in `rendered` (the
/// current render's `Kind/name`s) nor referenced by a live MachineDeployment or
/// MachineSet, sorted by kind and name.
pub fn prunable(
    live: &Live,
    rendered: &BTreeSet<Key>,
    cluster: &str,
    namespace: &str,
) -> Result<Vec<Prunable>, LiveError> {
    // Only this cluster's objects count: the file may hold more than kubectl's selector
    // returned, and another cluster's templates are never ours to list.
    let ours = |object: &&Value| {
        object["metadata"]["labels"][CLUSTER_NAME_LABEL].as_str() == Some(cluster)
            && object["metadata"]["namespace"]
                .as_str()
                .is_none_or(|ns| ns == namespace)
    };
    let objects: Vec<&Value> = live.objects.iter().filter(ours).collect();
    let of_kind = |kind: &'static str| objects.iter().copied().filter(move |o| o["kind"] == kind);

    let mut needed: BTreeSet<Key> = rendered.clone();
    // Every MachineDeployment and MachineSet of the namespace, labelled or not: a
    // reference can only keep a template, never list one.
    let owners = live.objects.iter().filter(|o| {
        (o["kind"] == "MachineDeployment" || o["kind"] == "MachineSet")
            && o["metadata"]["namespace"]
                .as_str()
                .is_none_or(|ns| ns == namespace)
    });
    for owner in owners {
        let spec = &owner["spec"]["template"]["spec"];
        for reference in [&spec["bootstrap"]["configRef"], &spec["infrastructureRef"]] {
            if let (Some(kind), Some(name)) =
                (reference["kind"].as_str(), reference["name"].as_str())
            {
                needed.insert((kind.to_owned(), name.to_owned()));
            }
        }
    }

    let machine_sets: BTreeSet<&str> = of_kind("MachineSet")
        .filter_map(|ms| ms["metadata"]["name"].as_str())
        .collect();
    for machine in of_kind("Machine") {
        if let Some(set) = owner(machine, "MachineSet", MACHINE_SET_LABEL)
            && !machine_sets.contains(set)
        {
            return Err(LiveError(format!(
                "Machine {} belongs to MachineSet {set}, which is not in the input: list \
                 machinesets too (see `capkv prune --help`), or wait until the MachineSet \
                 is gone",
                machine["metadata"]["name"].as_str().unwrap_or_default()
            )));
        }
    }

    let mut found: BTreeMap<Key, Prunable> = BTreeMap::new();
    for &object in &objects {
        let kind = object["kind"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let key = (kind.to_owned(), name.to_owned());
        if !TEMPLATE_KINDS.contains(&kind) || needed.contains(&key) {
            continue;
        }
        let namespace = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or(namespace);
        let group = object["apiVersion"]
            .as_str()
            .and_then(|v| v.split_once('/'))
            .map_or("", |(group, _)| group);
        // The API server accepts no other names: anything else is a crafted file, and
        // its names must not reach a terminal or a `kubectl delete ... | sh` as they are.
        if !(is_dns1123_subdomain(name)
            && is_dns1123_label(namespace)
            && (group.is_empty() || is_dns1123_subdomain(group)))
        {
            return Err(LiveError(format!(
                "{kind} {name:?} in namespace {namespace:?} (API group {group:?}): not a \
                 Kubernetes object name"
            )));
        }
        let resource = if group.is_empty() {
            kind.to_lowercase()
        } else {
            format!("{}.{group}", kind.to_lowercase())
        };
        found.insert(
            key,
            Prunable {
                kind: kind.to_owned(),
                name: name.to_owned(),
                namespace: namespace.to_owned(),
                resource,
                object: object.clone(),
            },
        );
    }
    if !found.is_empty() {
        complete(&objects)?;
    }
    Ok(found.into_values().collect())
}

/// Before listing anything: the input holds the MachineDeployments and their
/// MachineSets, not only the templates. Without them every template not rendered would
/// look unused, also those an old MachineSet still rolls from. The MachineDeployment
/// controller creates a MachineSet for its template even with 0 replicas
/// (core/reconcilers/machinedeployment/machinedeployment_rollout_planner.go:112-156), so
/// a MachineDeployment without one is a `kubectl get` that left machinesets out, or one
/// CAPI has not reconciled yet or that is paused (machinedeployment_controller.go:359):
/// run prune again later.
fn complete(objects: &[&Value]) -> Result<(), LiveError> {
    let deployments: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "MachineDeployment")
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect();
    if deployments.is_empty() {
        return Err(LiveError(
            "no MachineDeployment in the input: list machinedeployments, machinesets and \
             machines too (see `capkv prune --help`)"
                .to_owned(),
        ));
    }
    let owners: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "MachineSet")
        .filter_map(|ms| owner(ms, "MachineDeployment", DEPLOYMENT_LABEL))
        .collect();
    match deployments.iter().find(|md| !owners.contains(*md)) {
        Some(md) => Err(LiveError(format!(
            "MachineDeployment {md} has no MachineSet in the input: list machinesets too \
             (see `capkv prune --help`), or wait until CAPI has created it"
        ))),
        None => Ok(()),
    }
}

/// The name of the `kind` that created `object` (the MachineSet of a Machine, the
/// MachineDeployment of a MachineSet): its owner reference, or CAPI's `label` when the
/// owner references were stripped (e.g. by a backup tool).
fn owner<'a>(object: &'a Value, kind: &str, label: &str) -> Option<&'a str> {
    object["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["kind"] == kind)
        .and_then(|r| r["name"].as_str())
        .or_else(|| object["metadata"]["labels"][label].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_and_loose_documents_are_read_alike() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- kind: A\n  metadata: {name: a}\n---\nkind: B\nmetadata: {name: b}\n---\n";
        let live = Live::parse(text).unwrap();
        let kinds: Vec<&str> = live
            .objects
            .iter()
            .filter_map(|o| o["kind"].as_str())
            .collect();
        assert_eq!(kinds, ["A", "B"]);
    }

    #[test]
    fn a_document_without_a_name_is_refused() {
        let err = Live::parse("kind: A\nmetadata: {}\n").err().unwrap();
        assert!(err.0.contains("document 1"), "{err}");
    }
}
