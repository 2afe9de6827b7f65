//! The schema as editors use it (`capkv schema`, `values.schema.json`): the typed
//! values' schema, reshaped for yaml-language-server's completion and hover without
//! changing what it accepts.
//!
//! - **Defaults** are what completion inserts. yaml-language-server writes an object or
//!   array default as a snippet without YAML quoting, an object inside it as
//!   `[object Object]`, and `null`, `[]` and `{}` as an empty value (YAML's null, which
//!   capkv refuses for a list or a map). So a default stays only where it inserts what
//!   it means: a string, number or boolean, or a list of scalars that read back as
//!   themselves; every key of an object carries its own default anyway.
//! - **Descriptions** are what hover shows: it shows the first description among the
//!   schemas matching the value, and an `allOf`/`oneOf` branch (a type's definition, one
//!   enum value) matches before the key. So definitions lose their descriptions to the
//!   keys that use them, enum values become an `enum` with `enumDescriptions`, and doc
//!   comments' line wraps become spaces.

use serde_json::{Map, Value};

/// The editor schema of `typed` (the schemars output of the values).
pub fn for_editors(mut typed: Value) -> Value {
    drop_type_defaults_a_key_overrides(&mut typed);
    let definitions = typed
        .get("definitions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    reshape(&mut typed, &definitions);
    if let Some(Value::Object(definitions)) = typed.get_mut("definitions") {
        for definition in definitions.values_mut() {
            if let Value::Object(definition) = definition {
                definition.remove("description");
            }
        }
    }
    typed
}

fn reshape(schema: &mut Value, definitions: &Map<String, Value>) {
    let Value::Object(map) = schema else {
        return;
    };
    enum_from_consts(map);
    // An empty string where a pattern is required (a failure domain's name) is no
    // default to insert, only the type's zero value.
    let empty_but_patterned =
        map.contains_key("pattern") && map.get("default") == Some(&Value::from(""));
    if empty_but_patterned || map.get("default").is_some_and(|d| !insertable(d)) {
        map.remove("default");
    }
    if let Some(Value::String(text)) = map.get_mut("description") {
        *text = unwrap_lines(text);
    }
    // Only the keywords that hold schemas: `default`, `enum` and `const` hold values,
    // and `properties` maps names (one of them may be `default`) to schemas.
    for (keyword, value) in map.iter_mut() {
        match (keyword.as_str(), value) {
            ("properties" | "definitions", Value::Object(named)) => {
                for property in named.values_mut() {
                    if keyword == "properties" {
                        describe_from_definition(property, definitions);
                    }
                    reshape(property, definitions);
                }
            }
            ("items" | "additionalProperties" | "not", value) => reshape(value, definitions),
            ("allOf" | "anyOf" | "oneOf", Value::Array(branches)) => {
                for branch in branches {
                    reshape(branch, definitions);
                }
            }
            _ => {}
        }
    }
}

/// A type's defaults are its `Default`; a key of that type may default otherwise (the
/// autoscaler's image is not the CPI's, a pool's `addressesFromPools.enabled` is true).
/// Once the key's object default is gone (it does not insert as itself), completion
/// would offer the type's: so where any key overrides one, the type's goes.
fn drop_type_defaults_a_key_overrides(schema: &mut Value) {
    let mut overridden: Vec<(String, String)> = Vec::new();
    collect_overrides(schema, schema, &mut overridden);
    for (definition, key) in overridden {
        if let Some(Value::Object(property)) =
            schema.pointer_mut(&format!("/definitions/{definition}/properties/{key}"))
        {
            property.remove("default");
        }
    }
}

fn collect_overrides(root: &Value, schema: &Value, out: &mut Vec<(String, String)>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(Value::Object(properties)) = map.get("properties") {
        for property in properties.values() {
            let Some(property_map) = property.as_object() else {
                continue;
            };
            // An object default, or the first element of a list default of objects.
            let (definition, default) = match (referenced(property_map), property.get("items")) {
                (Some(name), _) => (Some(name), property.get("default")),
                (None, Some(Value::Object(items))) => (
                    referenced(items),
                    property.get("default").and_then(|d| d.get(0)),
                ),
                _ => (None, None),
            };
            let (Some(name), Some(Value::Object(default))) = (definition, default) else {
                continue;
            };
            for (key, value) in default {
                let own = root.pointer(&format!("/definitions/{name}/properties/{key}/default"));
                if own.is_some_and(|own| own != value) {
                    out.push((name.to_owned(), key.clone()));
                }
            }
        }
    }
    for (keyword, value) in map {
        match (keyword.as_str(), value) {
            ("properties" | "definitions", Value::Object(named)) => {
                for schema in named.values() {
                    collect_overrides(root, schema, out);
                }
            }
            ("items", value) => collect_overrides(root, value, out),
            _ => {}
        }
    }
}

/// A key without a description of its own gets its type's.
fn describe_from_definition(property: &mut Value, definitions: &Map<String, Value>) {
    let Value::Object(map) = property else {
        return;
    };
    if map.contains_key("description") {
        return;
    }
    let description = referenced(map)
        .and_then(|name| definitions.get(name))
        .and_then(|d| d.get("description"))
        .cloned();
    if let Some(description) = description {
        map.insert("description".into(), description);
    }
}

/// The definition a key uses: `$ref`, or the one reference in `allOf`/`anyOf` (an
/// optional value is `anyOf: [$ref, null]`).
fn referenced(map: &Map<String, Value>) -> Option<&str> {
    fn strip(reference: &Value) -> Option<&str> {
        reference.as_str()?.strip_prefix("#/definitions/")
    }
    if let Some(reference) = map.get("$ref") {
        return strip(reference);
    }
    ["allOf", "anyOf"]
        .iter()
        .filter_map(|key| map.get(*key).and_then(Value::as_array))
        .flat_map(|branches| branches.iter().filter_map(|b| b.get("$ref")))
        .find_map(strip)
}

/// `oneOf: [{const, description}…]` (an enum whose values are documented) as `enum`
/// and `enumDescriptions`: the same values, and hover lists them instead of replacing
/// the key's description with the matching value's.
fn enum_from_consts(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get("oneOf") else {
        return;
    };
    let mut values = Vec::new();
    let mut descriptions = Vec::new();
    for branch in branches {
        let Some(constant) = branch.get("const").filter(|c| c.is_string()) else {
            return;
        };
        let only_const = branch.as_object().is_some_and(|b| {
            b.keys()
                .all(|k| matches!(k.as_str(), "const" | "type" | "description"))
        });
        if !only_const {
            return;
        }
        values.push(constant.clone());
        let text = branch
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        descriptions.push(Value::from(unwrap_lines(text)));
    }
    map.remove("oneOf");
    map.insert("type".into(), "string".into());
    map.insert("enum".into(), values.into());
    map.insert("enumDescriptions".into(), descriptions.into());
}

/// Whether yaml-language-server inserts `default` as the value it is.
fn insertable(default: &Value) -> bool {
    match default {
        Value::Null | Value::Object(_) => false,
        Value::Array(items) => !items.is_empty() && items.iter().all(reads_back_as_list_item),
        _ => true,
    }
}

/// A list default is inserted as `- item` lines, each item as it is: it must read back
/// (with capkv's YAML 1.1 rules) as the same scalar.
fn reads_back_as_list_item(item: &Value) -> bool {
    let text = match item {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return false,
    };
    crate::yaml::parse_values_documents(&format!("- {text}\n"))
        .is_ok_and(|docs| docs.first() == Some(&Value::Array(vec![item.clone()])))
}

/// A doc comment's line wraps as spaces; paragraphs (blank lines) stay.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_defaults_that_insert_as_themselves_stay() {
        assert!(insertable(&json!("*/Resources")));
        assert!(insertable(&json!(3)));
        assert!(insertable(&json!(["8.8.8.8"])));
        assert!(!insertable(&json!(null)));
        assert!(!insertable(&json!([])));
        assert!(!insertable(&json!({"a": 1})));
        assert!(!insertable(&json!([{"name": "ubuntu"}])));
        // Inserted unquoted, these would read back as something else.
        assert!(!insertable(&json!(["yes"])));
        assert!(!insertable(&json!(["*"])));
        assert!(!insertable(&json!(["a: b"])));
    }

    #[test]
    fn line_wraps_become_spaces_and_paragraphs_stay() {
        assert_eq!(unwrap_lines("a\nb  c\n\nd\n e"), "a b c\n\nd e");
    }
}
