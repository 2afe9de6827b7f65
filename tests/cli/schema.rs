//! The editor schema (`capkv schema`, `values.schema.json`) agrees with capkv: what it
//! accepts capkv accepts and the other way round for the rules a schema can express,
//! completion inserts only values capkv reads as meant, and hover shows each key's own
//! description. yaml-language-server is the consumer modelled
//! (redhat-developer/yaml-language-server, cited by path and line).

use crate::support::{TempValues, capkv, repo_root, schema, schema_errors};
use serde_json::{Map, Value};

fn yaml_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join(dir))
        .expect("directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// No false positive: every example, the defaults, and the values file of every chart
/// release (tests/chart-values holds them, as in ../shared/reference/chart-values), and
/// keys a default fills left out (`vSphere.secret: {create: false}` has no name).
#[test]
fn every_example_and_chart_release_passes_the_schema() {
    let schema = schema();
    let mut files = yaml_files("examples");
    files.extend(yaml_files("tests/chart-values"));
    files.push(repo_root().join("values.yaml"));
    assert!(files.len() >= 18, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).expect("values file");
        assert_eq!(
            schema_errors(&schema, &text),
            Vec::<String>::new(),
            "{}",
            file.display()
        );
    }
    for partial in [
        "vSphere:\n  secret:\n    create: false\n",
        "vSphere:\n  insecure: yes\n",
        "ipamProvider:\n  enabled: false\n  ranges: []\nnodePools:\n  - name: a\n    template: t\n    dataStore: d\n    network: net\n    dhcp4: true\n    addressesFromPools:\n      enabled: false\n",
        "cluster:\n  controlPlane:\n    addons:\n      kubeProxy: null\n",
        "nodePools:\n  - name: a\n    template: t\n    dataStore: d\n    network: net\n    dhcp4: on\n    memoryMiB: 8_192\n",
        "nodePools:\n  - name: a\n    template: t\n    dataStore: d\n    network: net\n    healthCheck:\n      nodeStartupTimeoutSeconds: 0\n",
    ] {
        assert_eq!(
            schema_errors(&schema, partial),
            Vec::<String>::new(),
            "{partial}"
        );
        let file = TempValues::new(partial);
        let run = capkv(&["lint", "demo", "-f", file.arg()]);
        assert!(!run.stderr.contains("error:"), "{partial}\n{}", run.stderr);
    }
}

/// Each rule of `lint` that a schema can express is in the schema: every file here is
/// refused by both, at the same values path.
#[test]
fn known_bad_files_are_flagged_by_the_schema_and_by_lint() {
    let schema = schema();
    let pool = "nodePools:\n  - name: a\n    template: t\n    dataStore: d\n    network: net\n";
    let cases = [
        (format!("{pool}    numCPUs: 1\n"), "/nodePools/0/numCPUs"),
        (format!("{pool}    memoryMiB: 0\n"), "/nodePools/0/memoryMiB"),
        (format!("{pool}    diskGiB: 0\n"), "/nodePools/0/diskGiB"),
        (
            format!("{pool}    nameServers: [1.1.1.1, 8.8.8.8, 9.9.9.9, 8.8.4.4]\n"),
            "/nodePools/0/nameServers",
        ),
        ("nodePools: []\n".to_owned(), "/nodePools"),
        (
            "nodePools:\n  - name: a\n    dataStore: d\n    network: net\n".to_owned(),
            "/nodePools/0",
        ),
        (
            "nodePools:\n  - name: null\n    template: t\n    dataStore: d\n    network: net\n"
                .to_owned(),
            "/nodePools/0/name",
        ),
        (
            "nodePools:\n  - name: Pool_A\n    template: t\n    dataStore: d\n    network: net\n"
                .to_owned(),
            "/nodePools/0/name",
        ),
        (
            format!("{pool}    healthCheck:\n      nodeStartupTimeoutSeconds: 10\n"),
            "/nodePools/0/healthCheck/nodeStartupTimeoutSeconds",
        ),
        (
            format!("{pool}    dataDisks:\n      - name: d1\n        sizeGiB: 0\n"),
            "/nodePools/0/dataDisks/0/sizeGiB",
        ),
        (
            format!("{pool}    rollout:\n      minReadySeconds: 3000000000\n"),
            "/nodePools/0/rollout/minReadySeconds",
        ),
        ("cluster:\n  name: Bad_Name\n".to_owned(), "/cluster/name"),
        (
            "cluster:\n  controlPlane:\n    kubelet:\n      preferredAddressTypes: []\n".to_owned(),
            "/cluster/controlPlane/kubelet/preferredAddressTypes",
        ),
        (
            "cluster:\n  controlPlane:\n    kubelet:\n      preferredAddressTypes: [Hostname, Hostname]\n"
                .to_owned(),
            "/cluster/controlPlane/kubelet/preferredAddressTypes",
        ),
        (
            "failureDomains:\n  - name: Zone_A\n    region: r\n    zone: z\n".to_owned(),
            "/failureDomains/0/name",
        ),
        ("vSphere:\n  sever: x\n".to_owned(), "/vSphere"),
        (
            "ipamProvider:\n  enabled: true\n  ranges: []\n".to_owned(),
            "/ipamProvider/ranges",
        ),
        (
            format!(
                "{pool}    healthCheck:\n      unhealthyNodeConditions:\n        - type: \"\"\n          status: \"False\"\n          timeoutSeconds: 300\n"
            ),
            "/nodePools/0/healthCheck/unhealthyNodeConditions/0/type",
        ),
        (format!("{pool}    memoryMiB: 4GB\n"), "/nodePools/0/memoryMiB"),
    ];
    for (text, path) in cases {
        let errors = schema_errors(&schema, &text);
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{path}: "))),
            "the schema must flag {path}:\n{text}\n{errors:?}"
        );
        let file = TempValues::new(&text);
        let run = capkv(&["lint", "demo", "-f", file.arg()]);
        assert_eq!(run.code, 1, "lint must refuse:\n{text}\n{}", run.stderr);
    }
}

/// Follows a key's reference to its type (`$ref`, or the one in `allOf`/`anyOf`).
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let reference = schema.get("$ref").or_else(|| {
        ["allOf", "anyOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array))
            .flatten()
            .find_map(|b| b.get("$ref"))
    });
    reference
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"))
        .and_then(|name| root["definitions"].get(name))
        .unwrap_or(schema)
}

/// A default as yaml-language-server inserts it after `key:`: a string through
/// toYamlStringScalar (quoted when YAML would retype it), a number or boolean as it
/// is, a list as `- item` lines with each item unquoted
/// (src/languageservice/services/yamlCompletion.ts:1290-1308 getInsertTextForGuessedValue,
/// :1336-1345 getInsertTemplateForValue; src/languageservice/utils/yamlScalar.ts:6).
fn inserted(default: &Value, indent: &str) -> String {
    match default {
        // JSON's quoting is YAML's double-quoted scalar: the quoting
        // toYamlStringScalar picks for strings YAML would retype.
        Value::String(s) => format!(" {}\n", Value::from(s.as_str())),
        Value::Array(items) => {
            items
                .iter()
                .map(|item| match item {
                    Value::String(s) => format!("\n{indent}- {s}"),
                    other => format!("\n{indent}- {other}"),
                })
                .collect::<String>()
                + "\n"
        }
        other => format!(" {other}\n"),
    }
}

/// Every key reachable through objects, with the value completion inserts for it; a
/// list of objects gets one element, its required keys set to a placeholder.
fn completed(schema: &Value, root: &Value, indent: &str, out: &mut String) {
    let Some(Value::Object(properties)) = resolve(schema, root).get("properties") else {
        return;
    };
    for (key, property) in properties {
        let resolved = resolve(property, root);
        if let Some(default) = property.get("default") {
            out.push_str(&format!("{indent}{key}:{}", inserted(default, indent)));
        } else if resolved.get("properties").is_some() {
            // An object none of whose keys has a default is left for the user to fill
            // (written empty it would be null).
            let mut children = String::new();
            completed(property, root, &format!("{indent}  "), &mut children);
            if !children.is_empty() {
                out.push_str(&format!("{indent}{key}:\n{children}"));
            }
        } else if let Some(items) = resolved.get("items").map(|i| resolve(i, root))
            && items.get("properties").is_some()
            && key == "nodePools"
        {
            out.push_str(&format!("{indent}{key}:\n{indent}  - placeholder: true\n"));
            let mut element = String::new();
            for required in items["required"].as_array().expect("required pool keys") {
                element.push_str(&format!(
                    "{indent}    {}: x\n",
                    required.as_str().unwrap_or("")
                ));
            }
            completed(items, root, &format!("{indent}    "), &mut element);
            out.truncate(out.len() - "placeholder: true\n".len());
            out.push_str(element.trim_start());
        }
    }
}

/// Completion inserts a key's default (yamlCompletion.ts:1085-1095 for a key,
/// :1424-1444 for a value): every default left in the schema, inserted as the language
/// server does, must be a value capkv reads as meant. Keys without a default (a
/// pool's name, template, dataStore, network) get a placeholder to type over.
#[test]
fn completion_inserts_only_what_capkv_accepts() {
    let schema = schema();
    let mut text = String::new();
    completed(&schema, &schema, "", &mut text);
    assert!(text.contains("resourcePool: \"*/Resources\""), "{text}");
    assert!(text.contains("nameServers:\n    - 8.8.8.8"), "{text}");
    let file = TempValues::new(&text);
    let typed: Value = serde_json::from_str(
        &capkv(&[
            "values",
            "demo",
            "-f",
            file.arg(),
            "-o",
            "json",
            "--show-secrets",
        ])
        .success(),
    )
    .expect("JSON");
    let defaults: Value =
        serde_json::from_str(&capkv(&["values", "demo", "-o", "json", "--show-secrets"]).success())
            .expect("JSON");
    // Every inserted value reads back as the default it was made from.
    assert_eq!(typed["nodePools"][0]["resourcePool"], "*/Resources");
    assert_eq!(typed["vSphere"], defaults["vSphere"]);
    assert_eq!(typed["autoscaler"], defaults["autoscaler"]);
    assert_eq!(
        typed["nodePools"][0]["addressesFromPools"],
        defaults["nodePools"][0]["addressesFromPools"]
    );
    // What yaml-language-server cannot insert as itself is no default: null (it
    // writes `null`), objects and lists of objects (`[object Object]`), empty lists
    // and maps (an empty value, which YAML reads as null).
    let mut defaults = Vec::new();
    each_schema(&schema, &mut |node| defaults.extend(node.get("default")));
    assert!(defaults.len() > 100, "{}", defaults.len());
    for default in defaults {
        assert!(
            !default.is_null() && !default.is_object() && default != &Value::Array(vec![]),
            "{default}"
        );
        if let Value::Array(items) = default {
            assert!(
                items.iter().all(|i| !i.is_object() && !i.is_array()),
                "{default}"
            );
        }
    }
    let pool = &schema["definitions"]["NodePool"];
    for key in ["name", "template", "dataStore", "network"] {
        assert!(
            pool["required"]
                .as_array()
                .expect("required")
                .contains(&Value::from(key))
        );
        assert_eq!(pool["properties"][key]["type"], "string", "{key}");
        assert!(pool["properties"][key].get("default").is_none(), "{key}");
    }
}

/// Hover shows the first description among the schemas matching a value
/// (src/languageservice/services/yamlHover.ts:128-131), and a value's `allOf` and
/// `oneOf` branches match before the key itself
/// (src/languageservice/parser/schemaValidation/baseValidator.ts:503-507): so no type
/// and no enum value carries a description, every key carries its own, on one line
/// per paragraph.
#[test]
fn hover_shows_each_keys_own_description() {
    let schema = schema();
    for (name, definition) in schema["definitions"].as_object().expect("definitions") {
        assert!(definition.get("description").is_none(), "{name}");
        assert!(
            definition.get("oneOf").is_none_or(|branches| {
                branches
                    .as_array()
                    .is_some_and(|b| b.iter().all(|b| b.get("description").is_none()))
            }),
            "{name}"
        );
    }
    assert!(
        schema["definitions"]["ApiProfile"]["enumDescriptions"]
            .as_array()
            .is_some_and(|d| d.len() == 2),
        "enum values keep their descriptions as enumDescriptions"
    );
    let mut keys = Vec::new();
    described(&schema, &schema, "", &mut keys);
    assert!(keys.len() > 150, "{}", keys.len());
    for (key, description) in &keys {
        let description = description
            .as_deref()
            .unwrap_or_else(|| panic!("{key} has no description"));
        assert!(!description.is_empty(), "{key}");
        assert!(
            !description.replace("\n\n", "").contains('\n'),
            "{key}: a line break inside a paragraph: {description:?}"
        );
    }
    let kube_proxy = keys
        .iter()
        .find(|(k, _)| k == "cluster.controlPlane.addons.kubeProxy")
        .and_then(|(_, d)| d.as_deref())
        .expect("addons.kubeProxy");
    assert!(kube_proxy.contains("kube-proxy"), "{kube_proxy}");
}

/// Every key (list elements as `[0]`) with the description on the key itself.
fn described(schema: &Value, root: &Value, path: &str, out: &mut Vec<(String, Option<String>)>) {
    let resolved = resolve(schema, root);
    let properties: Map<String, Value> = resolved
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (key, property) in &properties {
        let child = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        out.push((
            child.clone(),
            property
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
        ));
        described(property, root, &child, out);
    }
    if let Some(items) = resolved.get("items") {
        described(items, root, &format!("{path}[0]"), out);
    }
}

/// Calls `f` on every schema in `schema`, following only the keywords that hold
/// schemas (a `properties` map may have a key named `default`).
fn each_schema<'a>(schema: &'a Value, f: &mut impl FnMut(&'a Value)) {
    f(schema);
    let Some(map) = schema.as_object() else {
        return;
    };
    for (keyword, value) in map {
        match (keyword.as_str(), value) {
            ("properties" | "definitions", Value::Object(named)) => {
                for child in named.values() {
                    each_schema(child, f);
                }
            }
            ("items" | "additionalProperties" | "not", child) => each_schema(child, f),
            ("allOf" | "anyOf" | "oneOf", Value::Array(branches)) => {
                for branch in branches {
                    each_schema(branch, f);
                }
            }
            _ => {}
        }
    }
}
