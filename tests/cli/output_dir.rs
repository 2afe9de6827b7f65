//! `render --output-dir`: one file per object, and DIR replaced only by a whole run.

use crate::support::{capkv, object_ids};
use std::collections::BTreeMap;
use std::path::Path;

const TWO_POOLS: &[&str] = &[
    "--set",
    "nodePools[1].name=extra",
    "--set",
    "nodePools[1].template=t",
    "--set",
    "nodePools[1].dataStore=d",
    "--set",
    "nodePools[1].network=n",
];

fn render_into(dir: &Path, extra: &[&str]) -> crate::support::Run {
    let dir = dir.to_str().expect("UTF-8 path");
    let mut args = vec!["render", "demo", "--output-dir", dir];
    args.extend_from_slice(extra);
    capkv(&args)
}

/// File name → content of every entry of a directory.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|entry| {
            let entry = entry.expect("entry");
            let content = std::fs::read_to_string(entry.path()).expect("a text file");
            (entry.file_name().to_string_lossy().into_owned(), content)
        })
        .collect()
}

/// Names in the parent other than `out`: staging directories must never be left over.
fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .expect("readable directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "out")
        .collect()
}

#[test]
fn writes_one_file_per_object_named_after_kind_and_name() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    let run = render_into(&out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout stays empty: {}", run.stdout);
    let files = tree(&out);
    let stream = capkv(&["render", "demo"]).success();
    let mut expected: Vec<String> = object_ids(&stream)
        .iter()
        .map(|id| {
            let (kind, name) = id.split_once('/').unwrap();
            format!("{}-{name}.yaml", kind.to_lowercase())
        })
        .collect();
    expected.sort();
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), expected);
    // Each file is exactly that object's part of the stream, `# Source:` included.
    for id in object_ids(&stream) {
        let (kind, name) = id.split_once('/').unwrap();
        let alone = capkv(&["render", "demo", "--show-only", &id]).success();
        assert!(alone.starts_with("---\n# Source: templates/"), "{alone}");
        assert_eq!(
            files[&format!("{}-{name}.yaml", kind.to_lowercase())],
            alone
        );
    }
    assert!(leftovers(parent.path()).is_empty());
}

#[test]
fn a_successful_run_replaces_the_previous_tree() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    assert_eq!(render_into(&out, TWO_POOLS).code, 0);
    assert!(tree(&out).contains_key("machinedeployment-demo-extra-md.yaml"));
    let run = render_into(&out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = tree(&out);
    assert!(
        !files.keys().any(|f| f.contains("extra")),
        "files of objects no longer rendered are gone: {files:?}"
    );
    assert!(files.contains_key("machinedeployment-demo-default-md.yaml"));
    assert!(
        leftovers(parent.path()).is_empty(),
        "{:?}",
        leftovers(parent.path())
    );
}

#[test]
fn a_failed_run_leaves_the_previous_tree_untouched() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    assert_eq!(render_into(&out, TWO_POOLS).code, 0);
    let before = tree(&out);
    for failing in [
        &["--set", "nodePools[0].numCPUs=many"][..],
        &["--show-only", "Secret"][..],
    ] {
        render_into(&out, failing).assert_fails(1, "error:");
        assert_eq!(tree(&out), before);
        assert!(leftovers(parent.path()).is_empty());
    }
}

#[test]
fn a_directory_capkv_did_not_write_is_never_replaced() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    render_into(&out, &[]).assert_fails(1, "holds notes.txt, which capkv did not write");
    assert_eq!(tree(&out).len(), 1);
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::write(&out, "a file").unwrap();
    render_into(&out, &[]).assert_fails(1, "exists and is not a directory");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a file");
}

#[test]
fn show_only_limits_the_files_written() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    assert_eq!(render_into(&out, &["--show-only", "cluster"]).code, 0);
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["cluster-demo.yaml"]);
}
