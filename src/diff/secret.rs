//! Secret values never reach the output: a diff shows which keys changed, not to what.
//! That covers a Secret's data and, in any object, a field whose key names a credential
//! (`password`, `users[].passwd`), as `capkv values` masks them.

use serde_json::Value;

/// Fields of a Secret that hold values.
const VALUE_MAPS: &[&str] = &["data", "stringData"];
/// The copy of the whole object, values included, that `kubectl apply` leaves behind.
const LAST_APPLIED: &[&str] = &[
    "metadata",
    "annotations",
    "kubectl.kubernetes.io/last-applied-configuration",
];

pub(super) const HIDDEN: &str = "(hidden)";
pub(super) const HIDDEN_CHANGED: &str = "(hidden, changed)";

/// Both sides of a Secret with every value replaced by a marker; a value that differs
/// from the other side gets a different marker on the new side, so that the line
/// shows up in the diff without the value.
pub(super) fn redact(old: Option<&Value>, new: Option<&Value>) -> (Option<Value>, Option<Value>) {
    let old_redacted = old.map(|o| masked(o, None));
    let new_redacted = new.map(|n| masked(n, old));
    (old_redacted, new_redacted)
}

/// `other` is the side to compare with; with none (the old side, or an added Secret)
/// every value is simply hidden.
fn masked(value: &Value, other: Option<&Value>) -> Value {
    let same = |path: &[&str]| other.is_none_or(|o| lookup(o, path) == lookup(value, path));
    let mut out = value.clone();
    mask_secret_keys(&mut out, other);
    if value.get("kind") == Some(&Value::from("Secret")) {
        for field in VALUE_MAPS {
            if let Some(Value::Object(map)) = out.get_mut(*field) {
                for (key, entry) in map.iter_mut() {
                    *entry = marker(same(&[field, key]));
                }
            }
        }
    }
    if let Some(entry) = lookup_mut(&mut out, LAST_APPLIED) {
        *entry = marker(same(LAST_APPLIED));
    }
    out
}

/// Every field whose key names a credential, at any depth.
fn mask_secret_keys(value: &mut Value, other: Option<&Value>) {
    match value {
        Value::Object(map) => {
            for (key, entry) in map.iter_mut() {
                let counterpart = other.and_then(|o| o.get(key));
                if crate::schema::is_secret_key(key) && !entry.is_null() {
                    *entry = marker(other.is_none() || counterpart == Some(&*entry));
                } else {
                    mask_secret_keys(entry, counterpart);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                mask_secret_keys(item, other.and_then(|o| o.get(index)));
            }
        }
        _ => {}
    }
}

fn lookup<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn lookup_mut<'v>(value: &'v mut Value, path: &[&str]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(key))
}

fn marker(same: bool) -> Value {
    Value::from(if same { HIDDEN } else { HIDDEN_CHANGED })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hides_every_value_and_marks_the_changed_ones() {
        let old = json!({"kind": "Secret", "stringData": {"user": "u", "password": "p1"}});
        let new = json!({"kind": "Secret", "stringData": {"user": "u", "password": "p2", "extra": "e"}, "data": {"b": "eA=="}});
        let (o, n) = redact(Some(&old), Some(&new));
        assert_eq!(
            o.unwrap(),
            json!({"kind": "Secret", "stringData": {"user": "(hidden)", "password": "(hidden)"}})
        );
        assert_eq!(
            n.unwrap(),
            json!({"kind": "Secret", "stringData": {"user": "(hidden)", "password": "(hidden, changed)", "extra": "(hidden, changed)"}, "data": {"b": "(hidden, changed)"}})
        );
    }

    #[test]
    fn hides_the_last_applied_copy() {
        let new = json!({"metadata": {"annotations": {LAST_APPLIED[2]: "{\"stringData\":{\"p\":\"x\"}}"}}});
        let (_, n) = redact(None, Some(&new));
        assert!(!n.unwrap().to_string().contains("\\\"x\\\""));
    }
}
