//! `capkv schema` and `capkv docs`: generated from the typed values, committed, and
//! checked for drift.

use crate::support::{TempValues, capkv, repo_root, schema, schema_errors};
use serde_json::Value;

fn validate(schema: &Value, file: &str) -> Result<(), Vec<String>> {
    let text = std::fs::read_to_string(file).expect("values file");
    let errors = schema_errors(schema, &text);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string(repo_root().join("values.schema.json"))
        .expect("values.schema.json");
    assert_eq!(
        committed,
        capkv(&["schema"]).success(),
        "values.schema.json is stale: run `cargo run -- schema > values.schema.json`"
    );
}

#[test]
fn schema_is_draft_07_with_descriptions_defaults_and_enums() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let text = schema.to_string();
    assert!(text.contains("\"description\":\"Datacenter to use\""));
    assert!(text.contains("\"enum\":[\"ClusterIP\",\"NodePort\",\"LoadBalancer\"]"));
    // Each key carries its own default (an object's default is left out: editors
    // cannot insert it as it is, see tests/cli/schema.rs).
    assert_eq!(
        schema["definitions"]["VSphere"]["properties"]["server"]["default"],
        "server.sample.org"
    );
}

#[test]
fn shipped_values_files_validate_against_the_schema() {
    let schema = schema();
    let root = repo_root();
    let mut files = vec![root.join("values.yaml")];
    for entry in std::fs::read_dir(root.join("examples")).expect("examples") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
    assert!(files.len() >= 2);
    for file in files {
        let name = file.to_str().expect("UTF-8 path");
        assert_eq!(validate(&schema, name), Ok(()), "{name}");
    }
}

#[test]
fn a_wrong_type_or_unknown_key_fails_the_schema() {
    let schema = schema();
    let wrong = TempValues::new("nodePools:\n  - name: a\n    memoryMiB: 4GB\n");
    let errors = validate(&schema, wrong.arg()).expect_err("wrong type must fail");
    assert!(
        errors.iter().any(|e| e.contains("/nodePools/0/memoryMiB")),
        "{errors:?}"
    );
    let unknown = TempValues::new("vSphere:\n  sever: x\n");
    assert!(validate(&schema, unknown.arg()).is_err());
}

#[test]
fn readme_configuration_section_is_the_docs_output() {
    let readme =
        std::fs::read_to_string(repo_root().join("docs/values.md")).expect("docs/values.md");
    let begin = "<!-- capkv docs: begin -->\n";
    let start = readme.find(begin).expect("begin marker") + begin.len();
    let end = readme.find("<!-- capkv docs: end -->").expect("end marker");
    assert_eq!(
        &readme[start..end],
        capkv(&["docs"]).success(),
        "docs/values.md Configuration section is stale: paste the output of `capkv docs`"
    );
}

#[test]
fn docs_table_lists_every_seed_key() {
    let table = capkv(&["docs"]).success();
    for key in [
        "cluster.controlPlane.addons.coreDNS",
        "cluster.controlPlane.kubelet.preferredAddressTypes",
        "cluster.metrics.serviceAccount.namespace",
        "ipamProvider.prefix",
        "nodePools[0].autoscaling.maxSize",
        "nodePools[0].users",
        "vSphere.tlsThumbprint",
        "vSphereCloudControllerManager.version",
        "vSphereStorageControllerManager.storageClass.volumeBindingMode",
    ] {
        assert!(table.contains(&format!("| {key} |")), "{key} missing");
    }
}
