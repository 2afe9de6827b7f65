//! Documentation generated from the typed values: the JSON Schema (`capkv schema`) and
//! the Markdown values table (`capkv docs`). Both come from the same structs as the
//! typing stage, so they cannot describe a key that capkv does not accept.

use crate::schema::Values;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// The values schema for editors and CI, draft-07 (what yaml-language-server validates
/// with): `typed_schema` reshaped for completion and hover (`editor_schema`).
pub fn json_schema() -> Value {
    crate::editor_schema::for_editors(typed_schema())
}

/// The schema of the typed values as schemars makes it, with every default.
fn typed_schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<Values>().to_value();
    if let Value::Object(root) = &mut schema {
        root.insert("title".into(), "capkv values".into());
    }
    schema
}

/// The values table: one row per leaf key, like the chart's README. It reads the typed
/// schema, whose defaults include the lists of objects (the first node pool).
pub fn values_table() -> String {
    let schema = typed_schema();
    let definitions = schema
        .get("definitions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut rows = Vec::new();
    walk(&schema, "", None, &definitions, &mut rows);
    let mut out = String::from(
        "| Key | Type | Default | Description |\n|-----|------|---------|-------------|\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            row.key, row.kind, row.default, row.description
        );
    }
    out
}

struct Row {
    key: String,
    kind: String,
    default: String,
    description: String,
}

/// Follows `$ref` (also inside `allOf`, or the non-null branch of an optional value).
fn resolve<'a>(schema: &'a Value, definitions: &'a Map<String, Value>) -> &'a Value {
    let non_null = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|branches| {
                let mut refs = branches
                    .iter()
                    .filter(|b| b.get("type") != Some(&Value::from("null")));
                match (refs.next(), refs.next()) {
                    (Some(only), None) => only.get("$ref"),
                    _ => None,
                }
            })
    };
    let reference = schema
        .get("$ref")
        .or_else(|| non_null("allOf"))
        .or_else(|| non_null("anyOf"))
        .and_then(Value::as_str);
    reference
        .and_then(|r| r.strip_prefix("#/definitions/"))
        .and_then(|name| definitions.get(name))
        .unwrap_or(schema)
}

fn walk(
    schema: &Value,
    key: &str,
    default: Option<&Value>,
    definitions: &Map<String, Value>,
    rows: &mut Vec<Row>,
) {
    let resolved = resolve(schema, definitions);
    let description = schema
        .get("description")
        .or_else(|| resolved.get("description"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = resolved.get("properties") {
        let own_default = default.or_else(|| schema.get("default"));
        for (name, property) in properties {
            let child_key = if key.is_empty() {
                name.clone()
            } else {
                format!("{key}.{name}")
            };
            // The parent's default is the more specific one (ControlPlane's apiServer
            // args, the first node pool's name) than the field type's own.
            let child_default = own_default
                .and_then(|d| d.get(name))
                .or_else(|| property.get("default"));
            walk(property, &child_key, child_default, definitions, rows);
        }
        return;
    }
    let items = resolved
        .get("items")
        .map(|items| resolve(items, definitions));
    if let Some(items) = items.filter(|i| i.get("properties").is_some()) {
        let default = default.or_else(|| schema.get("default"));
        let count = default.and_then(Value::as_array).map_or(0, Vec::len);
        rows.push(Row {
            key: key.to_owned(),
            kind: "list".into(),
            // The elements' keys have rows of their own.
            default: if count == 0 {
                "`[]`".into()
            } else {
                format!("{count} element(s), see below")
            },
            description: one_line(description),
        });
        // The first element documents the keys of every element, like the chart's table.
        let first = default.and_then(|d| d.get(0));
        walk(items, &format!("{key}[0]"), first, definitions, rows);
        return;
    }
    rows.push(Row {
        key: key.to_owned(),
        kind: type_name(resolved),
        default: show_default(default.or_else(|| schema.get("default"))),
        description: one_line(description),
    });
}

fn type_name(schema: &Value) -> String {
    let choices: Vec<String> = match (schema.get("enum"), schema.get("oneOf")) {
        (Some(Value::Array(values)), _) => values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        (None, Some(Value::Array(variants))) => variants
            .iter()
            .filter_map(|v| {
                v.get("const")
                    .or_else(|| v.get("enum").and_then(|e| e.get(0)))
            })
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if !choices.is_empty() {
        return format!("string: {}", choices.join(", "));
    }
    if let Some(Value::Array(branches)) = schema.get("anyOf") {
        let names: Vec<String> = branches
            .iter()
            .filter(|b| b.get("type") != Some(&Value::from("null")))
            .map(type_name)
            .collect();
        return names.join(" or ");
    }
    let names: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => vec!["object"],
    };
    names
        .iter()
        .map(|t| match *t {
            "integer" => "int",
            "boolean" => "bool",
            "array" => "list",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn show_default(default: Option<&Value>) -> String {
    match default {
        None | Some(Value::Null) => String::new(),
        Some(value) => format!("`{}`", without_nulls(value).to_string().replace('|', "\\|")),
    }
}

/// Unset optional fields are noise in a default.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_draft_07_and_rejects_unknown_keys() {
        let schema = json_schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
    }

    #[test]
    fn table_has_the_seed_keys_with_defaults() {
        let table = values_table();
        assert!(
            table
                .contains("| vSphere.dataCenter | string | `\"datacenter\"` | Datacenter to use |"),
            "{table}"
        );
        assert!(
            table.contains("| nodePools[0].memoryMiB | int | `4096` |"),
            "{table}"
        );
        assert!(
            table.contains("| cluster.controlPlane.network.serviceType | string: ClusterIP, NodePort, LoadBalancer | `\"LoadBalancer\"` |"),
            "{table}"
        );
        assert!(table.contains("| cluster.controlPlane.apiServer.extraArgs | list | `[\"--cloud-provider=external\"]` |"), "{table}");
        assert!(
            table.contains("| nodePools[0].name | string | `\"default\"` |"),
            "{table}"
        );
        assert!(
            table.contains("| vSphere.identityRef.type | string: Secret, VSphereClusterIdentity |"),
            "{table}"
        );
    }
}
