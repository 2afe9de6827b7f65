//! The rolling-update preview: what each MachineDeployment will do to its machines.
//!
//! CAPI rolls a MachineDeployment (new MachineSet, every machine replaced) when one of
//! the fields it compares changes: the bootstrap and infrastructure references (group,
//! kind and name, never the API version), `version`, `failureDomain`, or the requested
//! rollout time. Everything else in the machine template is propagated in place, and
//! `replicas` or the autoscaler bounds only scale. This mirrors CAPI's
//! `MachineTemplateUpToDate` (core/reconcilers/machinedeployment/mdutil/util.go:361-410).
//! Objects arrive in their stored v1beta2 form ([`super::hub`]).
//!
//! The pool's rollout settings (`nodePools[].rollout`) are named apart: a reviewer
//! changing a drain timeout or a maxSurge wants to read that no machine is replaced.

use super::fields::{self, FieldChange};
use super::rollout_after::{self, Verdict};
use super::scaling::Scaling;
use super::stream::{ObjectId, Stream};
use serde_json::Value;

const MACHINE_DEPLOYMENT: &str = "MachineDeployment";

/// Fields that roll the pool when they change (besides the two references).
const ROLLING_FIELDS: &[&[&str]] = &[
    &["spec", "template", "spec", "version"],
    &["spec", "template", "spec", "failureDomain"],
    &["spec", "template", "spec", "bootstrap", "dataSecretName"],
];
const ROLLOUT_AFTER: &[&str] = &["spec", "rollout", "after"];
/// Fields updated in place: the strategy and deletion order are not part of the
/// machine template, and CAPI leaves the template's labels and annotations,
/// minReadySeconds, readiness gates, node timeouts and taints out when it compares
/// machine templates (`MachineTemplateDeepCopyRolloutFields`,
/// core/reconcilers/machinedeployment/mdutil/util.go:423-443), then the MachineSet
/// controller writes them onto every existing machine
/// (core/reconcilers/machineset/machineset_controller.go:654-700, `syncMachines`).
const IN_PLACE_FIELDS: &[&[&str]] = &[
    &["spec", "rollout", "strategy"],
    &["spec", "deletion"],
    &["spec", "template", "metadata"],
    &["spec", "template", "spec", "minReadySeconds"],
    &["spec", "template", "spec", "readinessGates"],
    &["spec", "template", "spec", "deletion"],
    &["spec", "template", "spec", "taints"],
];
const INFRASTRUCTURE_REF: &[&str] = &["spec", "template", "spec", "infrastructureRef"];
const BOOTSTRAP_REF: &[&str] = &["spec", "template", "spec", "bootstrap", "configRef"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Added,
    Removed,
    /// Added under a new name for a removed pool: deleted and created, not rolled.
    Recreated,
    Rolls,
    /// Rolls only once `spec.rollout.after` has passed.
    RollsLater,
    Scales,
    /// Only the Cluster Autoscaler's min/max changed (or it took the pool over without
    /// changing the count): no machine is added or removed by the apply itself.
    AutoscalerBounds,
    RollsAndScales,
    /// An OnDelete pool with new templates: each machine is replaced only once someone
    /// deletes it.
    RollsOnDelete,
    /// Only rollout settings or fields CAPI propagates to the machines changed:
    /// applied in place, no machine replaced.
    InPlace,
    Unchanged,
}

impl Status {
    pub(super) fn label(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Recreated => "recreated",
            Status::Rolls => "rolls",
            Status::RollsLater => "rolls later",
            Status::Scales => "scales",
            Status::AutoscalerBounds => "autoscaler bounds",
            Status::RollsAndScales => "rolls + scales",
            Status::RollsOnDelete => "on delete",
            Status::InPlace => "in place",
            Status::Unchanged => "unchanged",
        }
    }

    pub(super) fn rolls(self) -> bool {
        matches!(
            self,
            Status::Rolls | Status::RollsLater | Status::RollsAndScales | Status::RollsOnDelete
        )
    }
}

/// Said of an OnDelete pool with new templates: nothing is replaced by itself.
pub(super) const ON_DELETE_NOTE: &str =
    "strategy OnDelete: each machine is replaced only once you delete it";

/// Said of a pool that rolls to new templates: the old ones stay in the cluster (kept
/// from GitOps pruning by their annotations) while the old MachineSet may still need
/// them, and `capkv prune` lists them afterwards.
pub(super) const PRUNE_NOTE: &str =
    "old templates: prunable once the rollout has finished (`capkv prune`)";

/// Why a pool rolls.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Roll {
    /// The MachineDeployment points at another template; `fields` is what differs
    /// between the two templates' specs (`None` when one of them is not in its stream).
    Template {
        kind: String,
        old: String,
        new: String,
        fields: Option<Vec<FieldChange>>,
    },
    /// Another field CAPI compares when it decides on a rollout.
    Field(FieldChange),
    /// A new rollout time: `at` when it is still to come, `None` when it has passed
    /// (CAPI rolls now unless a MachineSet was created since).
    After {
        change: FieldChange,
        at: Option<String>,
    },
}

/// Said of a rollout time that has already passed.
pub(super) const AFTER_PASSED_NOTE: &str =
    "(passed: rolls now, unless a MachineSet was created since)";

/// One node pool, i.e. one MachineDeployment.
#[derive(Debug, Clone)]
pub(super) struct Pool {
    pub(super) id: ObjectId,
    pub(super) status: Status,
    pub(super) rolls: Vec<Roll>,
    /// The replica count and the autoscaler's bounds.
    pub(super) scaling: Scaling,
    /// Rollout settings that changed: in place whatever else the pool does.
    pub(super) in_place: Vec<FieldChange>,
    /// What else a reviewer must know (a removal deletes every machine at once).
    pub(super) notes: Vec<String>,
}

impl Pool {
    /// Whether the rollout leaves templates behind: it points at new ones.
    pub(super) fn replaces_templates(&self) -> bool {
        self.rolls
            .iter()
            .any(|roll| matches!(roll, Roll::Template { .. }))
    }
}

/// A template replaced through a MachineDeployment reference: (old, new).
pub(super) type Replacement = (ObjectId, ObjectId);

/// Every MachineDeployment of either stream (new stream order, then removed ones),
/// and the template replacements their references imply.
pub(super) fn pools(old: &Stream, new: &Stream) -> (Vec<Pool>, Vec<Replacement>) {
    let now = rollout_after::now();
    let mut pools = Vec::new();
    let mut replacements = Vec::new();
    for object in new
        .objects
        .iter()
        .filter(|o| o.id.kind == MACHINE_DEPLOYMENT)
    {
        let Some(before) = old.get(&object.id) else {
            pools.push(Pool::alone(object.id.clone(), Status::Added));
            continue;
        };
        let mut rolls = Vec::new();
        for path in [INFRASTRUCTURE_REF, BOOTSTRAP_REF] {
            let (old_ref, new_ref) = (reference(before, path), reference(&object.value, path));
            if old_ref == new_ref {
                continue;
            }
            let (Some(old_ref), Some(new_ref)) = (old_ref, new_ref) else {
                rolls.push(Roll::Field(field_change(path, before, &object.value)));
                continue;
            };
            if (&old_ref.kind, &old_ref.name) == (&new_ref.kind, &new_ref.name) {
                // The same template under another API group: CAPI compares the whole
                // reference, so it rolls, but no template was renamed.
                let group: Vec<&str> = path.iter().copied().chain(["apiGroup"]).collect();
                rolls.push(Roll::Field(field_change(&group, before, &object.value)));
                continue;
            }
            let old_id = object.id.sibling(&old_ref.kind, &old_ref.name);
            let new_id = object.id.sibling(&new_ref.kind, &new_ref.name);
            let fields = match (old.get(&old_id), new.get(&new_id)) {
                (Some(a), Some(b)) => Some(fields::changes(
                    "spec",
                    a.get("spec").unwrap_or(&Value::Null),
                    b.get("spec").unwrap_or(&Value::Null),
                )),
                _ => None,
            };
            rolls.push(Roll::Template {
                kind: new_ref.kind,
                old: old_ref.name,
                new: new_ref.name,
                fields,
            });
            replacements.push((old_id, new_id));
        }
        for path in ROLLING_FIELDS {
            let change = field_change(path, before, &object.value);
            if change.old != change.new && !same_version(path, &change) {
                rolls.push(Roll::Field(change));
            }
        }
        let scaling = Scaling::of(before, &object.value);
        let after = field_change(ROLLOUT_AFTER, before, &object.value);
        let mut after_in_place = None;
        match rollout_after::verdict(&after, now) {
            Verdict::Same => {}
            Verdict::RollsAt(at) => rolls.push(Roll::After {
                change: after,
                at: Some(at),
            }),
            Verdict::RollsNow => rolls.push(Roll::After {
                change: after,
                at: None,
            }),
            Verdict::NoRoll => after_in_place = Some(after),
        }
        let in_place: Vec<FieldChange> = IN_PLACE_FIELDS
            .iter()
            .flat_map(|path| {
                fields::changes_of(
                    &display(path),
                    lookup(before, path),
                    lookup(&object.value, path),
                )
            })
            .chain(after_in_place)
            .collect();
        let later = rolls
            .iter()
            .all(|roll| matches!(roll, Roll::After { at: Some(_), .. }));
        let on_delete = is_on_delete(&object.value);
        let scales = !scaling.replicas.is_empty();
        let status = match (rolls.is_empty(), scales) {
            (false, _) if on_delete => Status::RollsOnDelete,
            (false, true) => Status::RollsAndScales,
            (false, false) if later => Status::RollsLater,
            (false, false) => Status::Rolls,
            (true, true) => Status::Scales,
            (true, false) if !scaling.bounds.is_empty() || !scaling.notes.is_empty() => {
                Status::AutoscalerBounds
            }
            (true, false) if !in_place.is_empty() => Status::InPlace,
            (true, false) => Status::Unchanged,
        };
        pools.push(Pool {
            id: object.id.clone(),
            status,
            rolls,
            scaling,
            in_place,
            notes: Vec::new(),
        });
    }
    for object in old
        .objects
        .iter()
        .filter(|o| o.id.kind == MACHINE_DEPLOYMENT)
    {
        if new.get(&object.id).is_none() {
            pools.push(Pool::alone(object.id.clone(), Status::Removed));
        }
    }
    super::renames::pair(&mut pools, old, new);
    (pools, replacements)
}

impl Pool {
    fn alone(id: ObjectId, status: Status) -> Pool {
        Pool {
            id,
            status,
            rolls: Vec::new(),
            scaling: Scaling::default(),
            in_place: Vec::new(),
            notes: Vec::new(),
        }
    }
}

#[derive(Debug, PartialEq)]
struct Reference {
    group: String,
    kind: String,
    name: String,
}

/// A reference as CAPI compares it: API group, kind and name.
fn reference(object: &Value, path: &[&str]) -> Option<Reference> {
    let value = lookup(object, path)?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(Reference {
        group: text("apiGroup").unwrap_or_default(),
        kind: text("kind").unwrap_or_default(),
        name: text("name").unwrap_or_default(),
    })
}

fn lookup<'v>(object: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(object, |value, key| value.get(key))
}

/// `spec.template.spec.version`, `metadata.annotations["a.b/c"]`.
fn display(path: &[&str]) -> String {
    let display = path
        .iter()
        .map(|key| {
            if key.contains(['.', '/']) {
                format!("[{}]", Value::from(*key))
            } else {
                format!(".{key}")
            }
        })
        .collect::<String>();
    display.trim_start_matches('.').to_owned()
}

/// The MachineDeployment webhook prepends the `v` a version lacks
/// (core/webhooks/admission/machinedeployment.go:131-133): `1.33.4` and `v1.33.4` are
/// one version, and CAPI compares them after that.
fn same_version(path: &[&str], change: &FieldChange) -> bool {
    let normalized = |value: &Option<Value>| {
        value.as_ref().and_then(Value::as_str).map(|v| {
            if v.starts_with('v') {
                v.to_owned()
            } else {
                format!("v{v}")
            }
        })
    };
    path.last() == Some(&"version")
        && normalized(&change.old).is_some()
        && normalized(&change.old) == normalized(&change.new)
}

/// A MachineDeployment with the OnDelete strategy: a new MachineSet takes over, but
/// CAPI replaces a machine only once someone deletes it
/// (core/reconcilers/machinedeployment/machinedeployment_rollout_ondelete.go:34-60).
fn is_on_delete(deployment: &Value) -> bool {
    lookup(deployment, &["spec", "rollout", "strategy", "type"]).and_then(Value::as_str)
        == Some("OnDelete")
}

fn field_change(path: &[&str], old: &Value, new: &Value) -> FieldChange {
    FieldChange {
        path: display(path),
        old: lookup(old, path).cloned(),
        new: lookup(new, path).cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &str) -> Stream {
        Stream::parse(text).unwrap()
    }

    const MD: &str = "kind: MachineDeployment\nmetadata: {name: md, namespace: ns}\nspec:\n  replicas: REPLICAS\n  template:\n    spec:\n      version: v1.31.0\n      bootstrap:\n        configRef: {apiGroup: bootstrap.cluster.x-k8s.io, kind: KubeadmConfigTemplate, name: kct}\n      infrastructureRef: {apiGroup: infrastructure.cluster.x-k8s.io, kind: VSphereMachineTemplate, name: INFRA}\n";

    fn md(replicas: u32, infra: &str) -> String {
        MD.replace("REPLICAS", &replicas.to_string())
            .replace("INFRA", infra)
    }

    fn vmt(name: &str, cpus: u32) -> String {
        format!(
            "---\nkind: VSphereMachineTemplate\nmetadata: {{name: {name}, namespace: ns}}\nspec: {{template: {{spec: {{numCPUs: {cpus}}}}}}}\n"
        )
    }

    #[test]
    fn a_new_template_name_rolls_and_names_the_differing_fields() {
        let old = stream(&(md(3, "vmt-a") + &vmt("vmt-a", 2)));
        let new = stream(&(md(3, "vmt-b") + &vmt("vmt-b", 4)));
        let (pools, replacements) = pools(&old, &new);
        assert_eq!(pools[0].status, Status::Rolls);
        let Roll::Template {
            kind,
            old: a,
            new: b,
            fields,
        } = &pools[0].rolls[0]
        else {
            panic!("{:?}", pools[0].rolls)
        };
        assert_eq!(
            (kind.as_str(), a.as_str(), b.as_str()),
            ("VSphereMachineTemplate", "vmt-a", "vmt-b")
        );
        let described: Vec<String> = fields
            .as_ref()
            .unwrap()
            .iter()
            .map(FieldChange::describe)
            .collect();
        assert_eq!(described, ["spec.template.spec.numCPUs: 2 → 4"]);
        assert_eq!(replacements[0].0.name, "vmt-a");
        assert_eq!(replacements[0].1.name, "vmt-b");
    }

    #[test]
    fn replicas_scale() {
        let old = stream(&md(3, "vmt-a"));
        let (pools, _) = pools(&old, &stream(&md(5, "vmt-a")));
        assert_eq!(pools[0].status, Status::Scales);
        assert_eq!(
            pools[0].scaling.replicas[0].describe(),
            "spec.replicas: 3 → 5"
        );
    }

    #[test]
    fn another_api_group_for_the_same_template_rolls_without_a_rename() {
        let old = stream(&md(3, "vmt-a"));
        let new = stream(&md(3, "vmt-a").replace(
            "apiGroup: infrastructure.cluster.x-k8s.io",
            "apiGroup: vmware.infrastructure.cluster.x-k8s.io",
        ));
        let (pools, replacements) = pools(&old, &new);
        assert_eq!(pools[0].status, Status::Rolls);
        assert!(replacements.is_empty());
        let Roll::Field(change) = &pools[0].rolls[0] else {
            panic!("{:?}", pools[0].rolls)
        };
        assert_eq!(
            change.describe(),
            "spec.template.spec.infrastructureRef.apiGroup: infrastructure.cluster.x-k8s.io → vmware.infrastructure.cluster.x-k8s.io"
        );
    }

    #[test]
    fn a_version_change_rolls() {
        let old = stream(&md(3, "vmt-a"));
        let new = stream(&md(3, "vmt-a").replace("v1.31.0", "v1.32.0"));
        let (pools, _) = pools(&old, &new);
        assert_eq!(pools[0].status, Status::Rolls);
        let Roll::Field(change) = &pools[0].rolls[0] else {
            panic!()
        };
        assert_eq!(
            change.describe(),
            "spec.template.spec.version: v1.31.0 → v1.32.0"
        );
    }

    #[test]
    fn rollout_settings_change_in_place_and_roll_nothing() {
        let old = stream(&md(3, "vmt-a"));
        let new = stream(&md(3, "vmt-a").replace(
            "      version: v1.31.0\n",
            "      version: v1.31.0\n      deletion: {nodeDrainTimeoutSeconds: 600}\n",
        ));
        let (pools, _) = pools(&old, &new);
        assert_eq!(pools[0].status, Status::InPlace);
        assert!(pools[0].rolls.is_empty());
        let described: Vec<String> = pools[0]
            .in_place
            .iter()
            .map(FieldChange::describe)
            .collect();
        assert_eq!(
            described,
            ["spec.template.spec.deletion: (unset) → {\"nodeDrainTimeoutSeconds\":600}"]
        );
    }
}
