//! Object-level changes and their unified diffs.
//!
//! Objects are compared as parsed values, so layout, quoting, key order and comments
//! never count as a change; the diff text is made from the re-emitted YAML of both
//! sides, so it shows only the fields that really differ.

use super::rollout::Replacement;
use super::secret;
use super::stream::{ObjectId, Stream};
use crate::yaml;
use serde_json::Value;
use similar::TextDiff;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    pub(super) fn sign(self) -> char {
        match self {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Changed => '~',
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct ObjectChange {
    pub(super) id: ObjectId,
    pub(super) change: Change,
    /// A template replaced in a rollout: the template it replaces (when added) or is
    /// replaced by (when removed).
    pub(super) counterpart: Option<ObjectId>,
    /// A unified diff: against the replaced template, or against nothing for other
    /// added objects; empty for removed objects (their content is in the old stream).
    pub(super) diff: String,
}

/// Added and changed objects in new-stream order, then removed ones in old-stream order.
pub(super) fn compare(
    old: &Stream,
    new: &Stream,
    replacements: &[Replacement],
) -> Vec<ObjectChange> {
    // Both directions of every replacement, looked up once per object.
    let replacing: HashMap<&ObjectId, &ObjectId> =
        replacements.iter().map(|(o, n)| (n, o)).collect();
    let replaced_by: HashMap<&ObjectId, &ObjectId> =
        replacements.iter().map(|(o, n)| (o, n)).collect();
    let mut changes = Vec::new();
    for object in &new.objects {
        let replaced = replacing
            .get(&object.id)
            .map(|o| (*o).clone())
            .filter(|o| old.get(o).is_some());
        let new_side = Some((&object.id, &object.value));
        let change = match old.get(&object.id) {
            Some(before) if before == &object.value => continue,
            Some(before) => ObjectChange {
                id: object.id.clone(),
                change: Change::Changed,
                counterpart: None,
                diff: unified(Some((&object.id, before)), new_side),
            },
            None => ObjectChange {
                id: object.id.clone(),
                change: Change::Added,
                diff: unified(
                    replaced
                        .as_ref()
                        .and_then(|id| old.get(id).map(|value| (id, value))),
                    new_side,
                ),
                counterpart: replaced,
            },
        };
        changes.push(change);
    }
    for object in &old.objects {
        if new.get(&object.id).is_none() {
            changes.push(ObjectChange {
                id: object.id.clone(),
                change: Change::Removed,
                counterpart: replaced_by
                    .get(&object.id)
                    .map(|n| (*n).clone())
                    .filter(|n| new.get(n).is_some()),
                diff: String::new(),
            });
        }
    }
    changes
}

fn unified(old: Option<(&ObjectId, &Value)>, new: Option<(&ObjectId, &Value)>) -> String {
    let (a, b) = secret::redact(old.map(|o| o.1), new.map(|n| n.1));
    let text = |value: Option<Value>| value.map(|v| yaml::emit(&v)).unwrap_or_default();
    let label = |side: &str, id: Option<&ObjectId>| {
        id.map_or_else(
            || "/dev/null".to_owned(),
            |id| format!("{side}/{}/{}", id.kind, id.qualified_name()),
        )
    };
    let (a, b) = (text(a), text(b));
    TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(&label("a", old.map(|o| o.0)), &label("b", new.map(|n| n.0)))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare_texts(old: &str, new: &str) -> Vec<ObjectChange> {
        compare(
            &Stream::parse(old).unwrap(),
            &Stream::parse(new).unwrap(),
            &[],
        )
    }

    #[test]
    fn key_order_and_layout_are_not_changes() {
        let old = "kind: A\nmetadata: {name: a}\nspec: {x: 1, y: [1, 2]}\n";
        let new =
            "# reformatted\nspec:\n  y:\n    - 1\n    - 2\n  x: 1\nmetadata:\n  name: a\nkind: A\n";
        assert!(compare_texts(old, new).is_empty());
    }

    #[test]
    fn changed_objects_get_a_diff_of_the_changed_lines() {
        let old = "kind: A\nmetadata: {name: a}\nspec: {x: 1, z: 2}\n";
        let new =
            "kind: A\nmetadata: {name: a}\nspec: {x: 1, z: 3}\n---\nkind: B\nmetadata: {name: b}\n";
        let changes = compare_texts(old, new);
        assert_eq!(changes[0].change, Change::Changed);
        assert!(
            changes[0].diff.starts_with("--- a/A/a\n+++ b/A/a\n"),
            "{}",
            changes[0].diff
        );
        assert!(
            changes[0].diff.contains("\n-  z: 2\n+  z: 3\n"),
            "{}",
            changes[0].diff
        );
        assert_eq!(changes[1].change, Change::Added);
        assert!(changes[1].diff.starts_with("--- /dev/null\n+++ b/B/b\n"));
    }

    #[test]
    fn secret_values_never_appear_in_a_diff() {
        let old = "kind: Secret\nmetadata: {name: s}\nstringData: {password: old-secret}\n";
        let new = "kind: Secret\nmetadata: {name: s}\nstringData: {password: new-secret}\n---\nkind: Secret\nmetadata: {name: t}\ndata: {token: dG9w}\n";
        let changes = compare_texts(old, new);
        let all: String = changes.iter().map(|c| c.diff.as_str()).collect();
        assert!(!all.contains("secret") && !all.contains("dG9w"), "{all}");
        assert!(all.contains("+  password: (hidden, changed)"), "{all}");
    }
}
