//! Helm's two merge operations, kept apart because they treat `null` differently.

use serde_json::{Map, Value};

/// Merges a later `-f` document or file over an earlier one (Helm's `MergeMaps`):
/// maps merge key by key, anything else (lists, scalars, `null`) replaces.
pub(super) fn merge_over(base: &mut Map<String, Value>, overlay: Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(base_map)), Value::Object(overlay_map)) => {
                merge_over(base_map, overlay_map);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Completes the user's values with the defaults (Helm's `coalesce` with chart values):
/// a user `null` deletes the key when the defaults have it, maps merge recursively,
/// and any other user value wins. Keys keep the defaults' order, then the user's own
/// keys follow, so printed values read like `values.yaml`.
pub(super) fn coalesce(
    mut user: Map<String, Value>,
    defaults: Map<String, Value>,
) -> Map<String, Value> {
    let mut out = Map::with_capacity(defaults.len() + user.len());
    for (key, default) in defaults {
        match (user.shift_remove(&key), default) {
            (None, default) => {
                out.insert(key, default);
            }
            (Some(Value::Null), _) => {}
            (Some(Value::Object(user_map)), Value::Object(default_map)) => {
                out.insert(key, Value::Object(coalesce(user_map, default_map)));
            }
            (Some(value), _) => {
                out.insert(key, value);
            }
        }
    }
    out.extend(user);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("test input is a map"),
        }
    }

    #[test]
    fn merge_replaces_lists_and_merges_maps() {
        let mut base = map(json!({"a": {"x": 1, "y": 2}, "l": [1, 2, 3]}));
        merge_over(&mut base, map(json!({"a": {"y": 3}, "l": [9]})));
        assert_eq!(
            Value::Object(base),
            json!({"a": {"x": 1, "y": 3}, "l": [9]})
        );
    }

    #[test]
    fn merge_keeps_null_for_coalesce_to_decide() {
        let mut base = map(json!({"a": 1}));
        merge_over(&mut base, map(json!({"a": null})));
        assert_eq!(Value::Object(base), json!({"a": null}));
    }

    #[test]
    fn coalesce_null_deletes_only_default_keys() {
        let user = map(json!({"a": null, "b": {"c": null}, "n": null}));
        let out = coalesce(user, map(json!({"a": 1, "b": {"c": 2, "d": 3}, "e": 4})));
        assert_eq!(
            Value::Object(out),
            json!({"b": {"d": 3}, "e": 4, "n": null})
        );
    }

    #[test]
    fn coalesce_user_scalar_wins_over_default_map() {
        let out = coalesce(map(json!({"a": "x"})), map(json!({"a": {"b": 1}})));
        assert_eq!(Value::Object(out), json!({"a": "x"}));
    }
}
