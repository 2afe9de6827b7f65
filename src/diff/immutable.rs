//! Changes that CAPI or CAPV would reject (or silently never act on) when applied, and
//! template edits they accept without rolling anything.

use super::fields::{self, FieldChange};
use super::stream::{ObjectId, Stream};
use serde_json::Value;

#[derive(Debug, Clone)]
pub(super) struct Problem {
    pub(super) id: ObjectId,
    pub(super) outcome: Outcome,
    pub(super) message: &'static str,
    pub(super) fields: Vec<FieldChange>,
}

/// What the cluster does with a change of an existing object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Refused, or stored and never acted on.
    Rejected,
    /// Stored and used from now on, without replacing anything that exists.
    Accepted,
}

/// A field whose change the cluster refuses or treats specially, and what an absent
/// field means to the webhook that defaults it.
struct Rule {
    kind: &'static str,
    path: &'static [&'static str],
    default: Option<&'static str>,
    outcome: Outcome,
    message: &'static str,
}

/// A KubeadmConfigTemplate edited under the same name.
const KUBEADM_CONFIG_TEMPLATE_EDITED: &str = "edited in place: accepted (CAPI has no immutability check for it), nothing rolls, but every machine created from now on (scale-up, autoscaler, health-check remediation) gets the new content while the others keep the old: the pool ends up mixed (give the changed template a new name to roll it)";

const RULES: &[Rule] = &[
    Rule {
        kind: "VSphereMachineTemplate",
        // CAPV compares spec.template.spec only
        // (internal/webhooks/vspheremachinetemplate.go:116-119).
        path: &["spec", "template", "spec"],
        default: None,
        outcome: Outcome::Rejected,
        message: "edited in place; immutable: CAPV rejects any change to a VSphereMachineTemplate's spec.template.spec (a changed template needs a new name)",
    },
    Rule {
        kind: "VSphereMachineTemplate",
        path: &["spec", "template", "metadata"],
        default: None,
        outcome: Outcome::Accepted,
        message: "spec.template.metadata edited in place: accepted (CAPV makes only spec.template.spec immutable); machines created from now on get it, existing ones keep theirs",
    },
    Rule {
        kind: "KubeadmConfigTemplate",
        // bootstrap/kubeadm/webhooks/admission/kubeadmconfigtemplate.go:93-95 validates
        // the new object only; the MachineSet controller reads the template each time it
        // creates a machine (core/reconcilers/machineset/machineset_controller.go:1899-1966).
        path: &["spec"],
        default: None,
        outcome: Outcome::Accepted,
        message: KUBEADM_CONFIG_TEMPLATE_EDITED,
    },
    Rule {
        kind: "ClusterResourceSet",
        path: &["spec", "strategy"],
        // CAPI's defaulting webhook stores an absent strategy as ApplyOnce.
        default: Some("ApplyOnce"),
        outcome: Outcome::Rejected,
        message: "spec.strategy is immutable: CAPI rejects the update",
    },
    Rule {
        kind: "ClusterResourceSet",
        path: &["spec", "clusterSelector"],
        default: None,
        outcome: Outcome::Rejected,
        message: "spec.clusterSelector is immutable: CAPI rejects the update",
    },
    Rule {
        kind: "MachineDeployment",
        path: &["spec", "clusterName"],
        default: None,
        outcome: Outcome::Rejected,
        message: "spec.clusterName is immutable: CAPI rejects the update",
    },
];

/// Objects present in both streams whose immutable fields differ, in new-stream order.
pub(super) fn problems(old: &Stream, new: &Stream) -> Vec<Problem> {
    let mut problems = Vec::new();
    for object in &new.objects {
        let Some(before) = old.get(&object.id) else {
            continue;
        };
        for rule in RULES.iter().filter(|r| r.kind == object.id.kind) {
            let (a, b) = (rule.value(before), rule.value(&object.value));
            if a != b {
                problems.push(Problem {
                    id: object.id.clone(),
                    outcome: rule.outcome,
                    message: rule.message,
                    fields: fields::changes(&rule.path.join("."), &a, &b),
                });
            }
        }
    }
    problems.extend(
        new.objects
            .iter()
            .filter(|object| object.id.kind == "MachineDeployment")
            .filter_map(|object| {
                let after = object.value.get("spec")?.get("rollout")?.get("after")?;
                (!super::rollout_after::is_time(after)).then(|| Problem {
                    id: object.id.clone(),
                    outcome: Outcome::Rejected,
                    message: ROLLOUT_AFTER_NOT_A_TIME,
                    fields: vec![FieldChange {
                        path: "spec.rollout.after".to_owned(),
                        old: old
                            .get(&object.id)
                            .and_then(|before| before.get("spec")?.get("rollout")?.get("after"))
                            .cloned(),
                        new: Some(after.clone()),
                    }],
                })
            }),
    );
    problems
}

/// `metav1.Time` decodes only `null` or an RFC 3339 time with an offset
/// (kubernetes/apimachinery pkg/apis/meta/v1/time.go:100-119): the API server refuses
/// the whole object.
const ROLLOUT_AFTER_NOT_A_TIME: &str = "spec.rollout.after is not an RFC 3339 time with an offset: the API server refuses the MachineDeployment, so nothing rolls";

impl Rule {
    fn value(&self, object: &Value) -> Value {
        let value = self.path.iter().try_fold(object, |v, key| v.get(key));
        match (value, self.default) {
            (Some(v), _) => v.clone(),
            (None, Some(default)) => Value::from(default),
            (None, None) => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(old: &str, new: &str) -> Vec<Problem> {
        problems(&Stream::parse(old).unwrap(), &Stream::parse(new).unwrap())
    }

    #[test]
    fn a_template_edited_in_place_is_flagged_with_its_fields() {
        let found = problems_of(
            "kind: VSphereMachineTemplate\nmetadata: {name: t}\nspec: {template: {spec: {numCPUs: 2}}}\n",
            "kind: VSphereMachineTemplate\nmetadata: {name: t}\nspec: {template: {spec: {numCPUs: 4}}}\n",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with("edited in place; immutable"));
        assert_eq!(
            found[0].fields[0].describe(),
            "spec.template.spec.numCPUs: 2 → 4"
        );
    }

    #[test]
    fn cluster_resource_set_strategy_defaults_before_comparing() {
        let old = "kind: ClusterResourceSet\nmetadata: {name: c}\nspec: {clusterSelector: {matchLabels: {a: b}}}\n";
        let same = "kind: ClusterResourceSet\nmetadata: {name: c}\nspec: {strategy: ApplyOnce, clusterSelector: {matchLabels: {a: b}}}\n";
        assert!(problems_of(old, same).is_empty());
        let changed = "kind: ClusterResourceSet\nmetadata: {name: c}\nspec: {strategy: Reconcile, clusterSelector: {matchLabels: {a: c}}}\n";
        let messages: Vec<&str> = problems_of(old, changed)
            .iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(
            messages,
            [
                "spec.strategy is immutable: CAPI rejects the update",
                "spec.clusterSelector is immutable: CAPI rejects the update"
            ]
        );
    }
}
