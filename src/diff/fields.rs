//! Which fields differ between two values, as paths a reader can find in the YAML.

use serde_json::Value;

/// One field that differs; `None` means the field is absent on that side.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FieldChange {
    pub(super) path: String,
    pub(super) old: Option<Value>,
    pub(super) new: Option<Value>,
}

impl FieldChange {
    /// `path: old → new`, with values shortened so that one line stays readable.
    pub(super) fn describe(&self) -> String {
        format!(
            "{}: {} → {}",
            self.path,
            short(self.old.as_ref()),
            short(self.new.as_ref())
        )
    }
}

/// The differing leaves below `path` (a map key present on one side only, or a list
/// element beyond the other list's end, is reported as one change of that subtree).
pub(super) fn changes(path: &str, old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    collect(path, Some(old), Some(new), &mut out);
    out
}

/// [`changes`] of a subtree that may be absent on either side.
pub(super) fn changes_of(path: &str, old: Option<&Value>, new: Option<&Value>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    collect(path, old, new, &mut out);
    out
}

fn collect(path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Some(a), Some(b)) if a == b => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let new_keys = b.keys().filter(|k| !a.contains_key(*k));
            for key in a.keys().chain(new_keys) {
                if crate::schema::is_secret_key(key) {
                    // users[].passwd and the like: that it changed, never to what.
                    if a.get(key) != b.get(key) {
                        out.push(FieldChange {
                            path: child(path, key),
                            old: a.get(key).map(|_| Value::from(super::secret::HIDDEN)),
                            new: b
                                .get(key)
                                .map(|_| Value::from(super::secret::HIDDEN_CHANGED)),
                        });
                    }
                    continue;
                }
                collect(&child(path, key), a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                collect(&format!("{path}[{i}]"), a.get(i), b.get(i), out);
            }
        }
        (None, None) => {}
        _ => out.push(FieldChange {
            path: path.to_owned(),
            old: old.cloned(),
            new: new.cloned(),
        }),
    }
}

/// `a.b` for plain keys, `a["x.k8s.io/y"]` for keys a dot would make ambiguous.
fn child(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::from(key)),
    }
}

/// A value short enough for one line of a summary: scalars as written, long or
/// multi-line strings and structures by their size only.
pub(super) fn short(value: Option<&Value>) -> String {
    const LIMIT: usize = 60;
    match value {
        None => "(unset)".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "\"\"".to_owned(),
        Some(Value::String(s)) if s.contains('\n') => {
            format!("({} lines of text)", s.lines().count())
        }
        Some(Value::String(s)) if s.chars().count() > LIMIT => {
            format!("({} characters of text)", s.chars().count())
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            let json = other.to_string();
            if json.chars().count() <= LIMIT {
                json
            } else {
                match other {
                    Value::Array(items) => format!("(list of {})", items.len()),
                    Value::Object(map) => format!("(map of {} keys)", map.len()),
                    _ => json,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_changed_added_and_removed_leaves_with_paths() {
        let old = json!({"spec": {"a": 1, "list": [1, 2], "gone": true, "same": {"x": 1}}});
        let new = json!({"spec": {"a": 2, "list": [1, 3, 4], "same": {"x": 1}, "n.k/x": "v"}});
        let described: Vec<String> = changes("", &old, &new)
            .iter()
            .map(FieldChange::describe)
            .collect();
        assert_eq!(
            described,
            [
                "spec.a: 1 → 2",
                "spec.list[1]: 2 → 3",
                "spec.list[2]: (unset) → 4",
                "spec.gone: true → (unset)",
                "spec[\"n.k/x\"]: (unset) → v",
            ]
        );
    }

    #[test]
    fn shortens_long_values() {
        assert_eq!(short(Some(&json!("a\nb\n"))), "(2 lines of text)");
        assert_eq!(
            short(Some(&json!("x".repeat(61)))),
            "(61 characters of text)"
        );
        assert_eq!(short(Some(&json!(vec![1; 40]))), "(list of 40)");
        assert_eq!(short(Some(&json!(["a"]))), "[\"a\"]");
    }
}
