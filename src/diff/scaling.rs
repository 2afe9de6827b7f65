//! How many machines a MachineDeployment will have, and who decides: `spec.replicas`,
//! or the Cluster Autoscaler within the bounds its annotations set.
//!
//! A MachineDeployment applied without `replicas` (capkv leaves it out when the pool is
//! autoscaled, so that an apply does not reset the autoscaler's choice) gets one from
//! CAPI's defaulting webhook (core/webhooks/admission/machinedeployment.go:361-431):
//! with both autoscaler annotations, the current count clamped to [min, max]; without
//! them, 1.

use super::fields::FieldChange;
use serde_json::Value;

pub(super) const AUTOSCALER_MIN: &str =
    "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size";
pub(super) const AUTOSCALER_MAX: &str =
    "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size";
const REPLICAS: &str = "spec.replicas";

/// What changes about a pool's size.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Scaling {
    /// The replica count CAPI will set, when it differs from the current one.
    pub(super) replicas: Vec<FieldChange>,
    /// The autoscaler's min/max annotations that changed.
    pub(super) bounds: Vec<FieldChange>,
    /// Who owns the count from now on, when that changes.
    pub(super) notes: Vec<String>,
}

impl Scaling {
    pub(super) fn of(before: &Value, after: &Value) -> Scaling {
        let mut scaling = Scaling {
            bounds: [AUTOSCALER_MIN, AUTOSCALER_MAX]
                .iter()
                .filter_map(|key| {
                    let (old, new) = (annotation(before, key), annotation(after, key));
                    (old != new).then(|| FieldChange {
                        path: format!("metadata.annotations[{}]", Value::from(*key)),
                        old: old.map(Value::from),
                        new: new.map(Value::from),
                    })
                })
                .collect(),
            ..Scaling::default()
        };
        let (old, new) = (replicas(before), replicas(after));
        match (old, new) {
            (Some(old), Some(new)) if old != new => scaling.replicas.push(count(old, new)),
            (Some(old), None) => scaling.hand_over(old, bounds(after)),
            (None, Some(new)) => {
                scaling.replicas.push(FieldChange {
                    path: REPLICAS.to_owned(),
                    old: Some(Value::from("(the autoscaler's count)")),
                    new: Some(Value::from(new)),
                });
                scaling.notes.push(format!(
                    "the autoscaler no longer sizes this pool: {new} machines"
                ));
            }
            _ => {}
        }
        scaling
    }

    /// `replicas` removed from a pool that had `old`: what CAPI's webhook defaults.
    fn hand_over(&mut self, old: i64, bounds: Bounds) {
        let (min, max) = match bounds {
            Bounds::Set(min, max) => (min, max),
            Bounds::Missing => {
                // machinedeployment.go:426-430: no annotations, no old value kept.
                self.replicas.push(count(old, 1));
                self.notes.push(
                    "replicas removed without autoscaler bounds: CAPI's webhook sets 1".to_owned(),
                );
                return;
            }
            Bounds::Invalid(key) => {
                // machinedeployment.go:372-380: both annotations present, one not a
                // number: the webhook fails, the API server refuses the update.
                self.notes.push(format!(
                    "replicas removed, but annotation {key} is not a 32-bit integer: CAPI's webhook refuses the MachineDeployment, which keeps {old} machines"
                ));
                return;
            }
        };
        // machinedeployment.go:403-422: below min → min, above max → max, else kept.
        let kept = if old < min {
            min
        } else if old > max {
            max
        } else {
            old
        };
        if kept != old {
            self.replicas.push(count(old, kept));
        }
        self.notes.push(format!(
            "handed over to the cluster autoscaler: CAPI's webhook sets {kept} machines \
             (the current {old} kept within min {min}, max {max}), then the autoscaler sizes the pool"
        ));
    }
}

fn count(old: i64, new: i64) -> FieldChange {
    FieldChange {
        path: REPLICAS.to_owned(),
        old: Some(Value::from(old)),
        new: Some(Value::from(new)),
    }
}

fn replicas(md: &Value) -> Option<i64> {
    md.get("spec")?.get("replicas")?.as_i64()
}

fn annotation<'v>(md: &'v Value, key: &str) -> Option<&'v str> {
    md.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// The autoscaler bounds as CAPI's defaulting webhook reads them.
enum Bounds {
    /// One annotation or both absent: the webhook does not use them.
    Missing,
    /// Both present, this one not a 32-bit integer: the webhook fails.
    Invalid(&'static str),
    Set(i64, i64),
}

/// Both bounds, parsed as the webhook does (machinedeployment.go:370-380,
/// `strconv.ParseInt(s, 10, 32)`).
fn bounds(md: &Value) -> Bounds {
    let (Some(min), Some(max)) = (
        annotation(md, AUTOSCALER_MIN),
        annotation(md, AUTOSCALER_MAX),
    ) else {
        return Bounds::Missing;
    };
    match (min.parse::<i32>(), max.parse::<i32>()) {
        (Ok(min), Ok(max)) => Bounds::Set(min.into(), max.into()),
        (Err(_), _) => Bounds::Invalid(AUTOSCALER_MIN),
        (_, Err(_)) => Bounds::Invalid(AUTOSCALER_MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn md(replicas: Option<i64>, min: Option<&str>, max: Option<&str>) -> Value {
        let mut annotations = serde_json::Map::new();
        if let Some(min) = min {
            annotations.insert(AUTOSCALER_MIN.into(), json!(min));
        }
        if let Some(max) = max {
            annotations.insert(AUTOSCALER_MAX.into(), json!(max));
        }
        let mut md = json!({"metadata": {"annotations": annotations}, "spec": {}});
        if let Some(replicas) = replicas {
            md["spec"]["replicas"] = json!(replicas);
        }
        md
    }

    #[test]
    fn the_webhook_clamps_the_current_count_into_the_bounds() {
        for (current, kept) in [(1, 2), (5, 5), (12, 10)] {
            let scaling = Scaling::of(
                &md(Some(current), None, None),
                &md(None, Some("2"), Some("10")),
            );
            let changed: Vec<String> = scaling.replicas.iter().map(FieldChange::describe).collect();
            if current == kept {
                assert!(changed.is_empty(), "{changed:?}");
            } else {
                assert_eq!(changed, [format!("spec.replicas: {current} → {kept}")]);
            }
            assert!(scaling.notes[0].contains(&format!("sets {kept} machines")));
        }
    }

    #[test]
    fn without_bounds_the_webhook_sets_one() {
        let scaling = Scaling::of(&md(Some(4), None, None), &md(None, Some("2"), None));
        assert_eq!(scaling.replicas[0].describe(), "spec.replicas: 4 → 1");
    }
}
