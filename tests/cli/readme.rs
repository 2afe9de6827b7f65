//! The README's and docs/diff.md's examples are real: the `capkv diff` example is the
//! binary's output, and the autoscaler example renders what the README says.

use crate::support::{TempValues, capkv, documents, find, repo_root};

const MARKER: &str =
    "<!-- capkv diff main.yaml pr.yaml: real output, checked by tests/cli/readme.rs -->";

/// The fenced block right after the marker line.
fn readme_example() -> String {
    let readme = std::fs::read_to_string(repo_root().join("docs/diff.md")).expect("docs/diff.md");
    let after = readme
        .split_once(&format!("{MARKER}\n```text\n"))
        .expect("the marker and a text block follow each other")
        .1;
    after
        .split_once("```\n")
        .expect("the block ends")
        .0
        .to_owned()
}

#[test]
fn the_reviewing_changes_example_is_the_real_output() {
    let main = TempValues::named(
        "main.yaml",
        &capkv(&["render", "-f", "examples/full.yaml"]).success(),
    );
    let pr = TempValues::named(
        "pr.yaml",
        &capkv(&[
            "render",
            "-f",
            "examples/full.yaml",
            "--set",
            "nodePools[0].numCPUs=8",
            "--set",
            "nodePools[1].replicas=2",
            "--set",
            "nodePools[1].rollout.nodeDrainTimeoutSeconds=1800",
            "--set",
            "vSphere.password=rotated",
        ])
        .success(),
    );
    let output = capkv(&["diff", main.arg(), pr.arg()]).success();
    assert_eq!(
        readme_example(),
        output,
        "docs/diff.md example is stale; the real output is:\n{output}"
    );
    // What the example is there to show.
    let status = |pool: &str| {
        output
            .lines()
            .find(|line| line.ends_with(&format!(" default/{pool}")))
            .and_then(|line| line.split_whitespace().next())
    };
    assert_eq!(status("prod-eu-1-general-md"), Some("rolls"));
    assert_eq!(status("prod-eu-1-gpu-md"), Some("scales"));
    assert_eq!(status("prod-eu-1-batch-milan-a-md"), Some("unchanged"));
    assert!(output.contains(
        "spec.template.spec.deletion.nodeDrainTimeoutSeconds: 3600 → 1800 (in place, no roll)\n"
    ));
    assert!(!output.contains("rotated"));
}

/// The values block of the README's "Running the Cluster Autoscaler" section renders
/// the autoscaler Deployment and leaves the pool's replicas to it, from zero.
#[test]
fn the_readme_autoscaler_example_renders_an_autoscaler_for_the_pool() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let section = readme
        .split_once("## Running the Cluster Autoscaler\n")
        .expect("the README has the section")
        .1;
    let values = section
        .split_once("```yaml\n")
        .and_then(|(_, rest)| rest.split_once("```\n"))
        .expect("a yaml block in the section")
        .0;
    let file = TempValues::new(values);
    let docs = documents(&capkv(&["render", "demo", "-f", file.arg(), "-n", "tenants"]).success());
    let autoscaler = find(&docs, "Deployment", "demo-cluster-autoscaler");
    let args = autoscaler["spec"]["template"]["spec"]["containers"][0]["args"].to_string();
    assert!(
        args.contains("clusterapi:namespace=tenants,clusterName=demo"),
        "{args}"
    );
    let pool = find(&docs, "MachineDeployment", "demo-workers-md");
    assert!(pool["spec"].get("replicas").is_none(), "{pool}");
    let annotations = &pool["metadata"]["annotations"];
    assert_eq!(
        annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size"],
        "0"
    );
    assert_eq!(
        annotations["cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"],
        "10"
    );
}
