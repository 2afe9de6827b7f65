//! `render --output-dir`: one file per object and a kustomization listing them, and DIR
//! replaced only by a whole run.

use crate::support::{capkv, documents, object_ids};
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
    expected.push("kustomization.yaml".to_owned());
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
    assert_eq!(
        tree(&out).keys().collect::<Vec<_>>(),
        ["cluster-demo.yaml", "kustomization.yaml"]
    );
    assert_eq!(resources(&out), ["cluster-demo.yaml"]);
}

/// The `resources` of DIR's kustomization.yaml (kustomize's `Kustomization.Resources`,
/// kubernetes-sigs/kustomize api/types/kustomization.go:123).
fn resources(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("kustomization.yaml")).expect("kustomization");
    let kustomization = &documents(&text)[0];
    assert_eq!(
        kustomization["apiVersion"],
        "kustomize.config.k8s.io/v1beta1"
    );
    assert_eq!(kustomization["kind"], "Kustomization");
    kustomization["resources"]
        .as_array()
        .expect("a resources list")
        .iter()
        .map(|r| r.as_str().expect("a file name").to_owned())
        .collect()
}

/// `kubectl kustomize DIR`'s objects as `Kind/name`, sorted; None without kubectl.
fn kustomize_build(dir: &Path) -> Option<Vec<String>> {
    let output = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .ok()?;
    assert!(
        output.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut ids = object_ids(&String::from_utf8(output.stdout).expect("UTF-8"));
    ids.sort();
    Some(ids)
}

/// Every object of the stream, as `Kind/name`, sorted.
fn stream_ids(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["render", "demo"];
    args.extend_from_slice(extra);
    let mut ids = object_ids(&capkv(&args).success());
    ids.sort();
    ids
}

/// kustomize reads `kustomization.yaml` in a directory (kubernetes-sigs/kustomize
/// api/konfig/general.go:10-16) and loads every file under `resources`: capkv writes
/// that list with the files, so `kubectl apply -k DIR` applies the whole stream, also
/// after a rollout renamed the pool's templates (their names carry a content hash).
#[test]
fn the_kustomization_lists_every_file_after_every_rollout() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    let rolled = &["--set", "nodePools[0].numCPUs=4"][..];
    for run in [&[][..], TWO_POOLS, rolled] {
        assert_eq!(render_into(&out, run).code, 0);
        let mut listed = resources(&out);
        let mut on_disk: Vec<String> = tree(&out)
            .into_keys()
            .filter(|f| f != "kustomization.yaml")
            .collect();
        listed.sort();
        on_disk.sort();
        assert_eq!(
            listed, on_disk,
            "every file listed, every listed file there"
        );
        if let Some(built) = kustomize_build(&out) {
            assert_eq!(built, stream_ids(run));
        }
    }
    // The last run rolled the pool: its new template is listed, the old one is gone.
    let listed = resources(&out).join(" ");
    assert_ne!(template_hash(&[]), template_hash(rolled));
    assert!(listed.contains(&template_hash(rolled)), "{listed}");
    assert!(!listed.contains(&template_hash(&[])), "{listed}");
    assert!(leftovers(parent.path()).is_empty());
}

/// The hash suffix of the VSphereMachineTemplate of a render.
fn template_hash(extra: &[&str]) -> String {
    stream_ids(extra)
        .into_iter()
        .find_map(|id| {
            id.strip_prefix("VSphereMachineTemplate/demo-default-vsphere-machine-template-")
                .map(str::to_owned)
        })
        .expect("a VSphereMachineTemplate")
}

/// A user's patches live in an overlay that lists DIR (the layout docs/cli.md shows);
/// a kustomization of the user's own inside DIR would be deleted with the old tree, so
/// capkv refuses it and says where it belongs.
#[test]
fn user_patches_live_in_an_overlay_on_top_of_the_directory() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    let overlay = parent.path().join("overlay");
    std::fs::create_dir(&overlay).unwrap();
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n  - ../out\npatches:\n  - target:\n      kind: MachineDeployment\n    patch: |-\n      - op: add\n        path: /metadata/labels/team\n        value: web\n",
    )
    .unwrap();
    for run in [&[][..], &["--set", "nodePools[0].numCPUs=4"][..]] {
        assert_eq!(render_into(&out, run).code, 0);
        let Some(built) = kustomize_build(&overlay) else {
            break;
        };
        assert_eq!(built, stream_ids(run));
        let output = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&overlay)
            .output()
            .expect("kubectl");
        let docs = documents(&String::from_utf8(output.stdout).expect("UTF-8"));
        let md = docs
            .iter()
            .find(|d| d["kind"] == "MachineDeployment")
            .expect("a MachineDeployment");
        assert_eq!(md["metadata"]["labels"]["team"], "web");
    }
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("kustomization.yaml"), "resources: []\n").unwrap();
    render_into(&out, &[]).assert_fails(
        1,
        "holds kustomization.yaml, which capkv did not write; refusing to replace the directory; capkv writes DIR's kustomization.yaml itself: move yours to an overlay",
    );
}
