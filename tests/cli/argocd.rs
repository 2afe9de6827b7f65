//! The shipped Argo CD plugin renders the example cluster directories: each directory
//! is rendered with the plugin's own generate command, run the way Argo CD runs it.

use crate::support::{documents, repo_root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn read_yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(repo_root().join(path)).expect("shipped file");
    serde_saphyr::from_str(&text).expect("valid YAML")
}

/// The generate command of plugin.yaml as argv.
fn generate_command() -> Vec<String> {
    let plugin = read_yaml("deploy/argocd/plugin.yaml");
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    let generate = &plugin["spec"]["generate"];
    [&generate["command"], &generate["args"]]
        .iter()
        .flat_map(|list| list.as_array().expect("a list").iter())
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

fn cluster_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("deploy/argocd/clusters"))
        .expect("example clusters")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    dirs
}

/// Runs the plugin's generate command in `dir` with the environment Argo CD gives it
/// for an Application of the ApplicationSet (name and namespace: the directory name).
fn generate(dir: &Path) -> (String, std::process::Output) {
    let app = dir
        .file_name()
        .expect("a directory name")
        .to_string_lossy()
        .into_owned();
    let output = generate_as(dir, &app, &app);
    (app, output)
}

/// The sidecar's user (deploy/argocd/repo-server-patch.yaml `runAsUser: 999`, with a
/// read-only root filesystem): when the tests run as root, the command runs as uid and
/// gid 999 through `setpriv`, so it can read the source directory and write nowhere
/// root owns, as in the sidecar. Any other user is already one that owns nothing there.
fn as_sidecar_user(argv: &[String]) -> Command {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0");
    if root {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=999", "--regid=999", "--clear-groups", "--"])
            .args(argv)
            .env("HOME", "/home/argocd");
        command
    } else {
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]);
        command
    }
}

/// Runs the plugin's generate command in `dir` as the cmp-server does: as the
/// sidecar's user, in the source directory, with `ARGOCD_APP_NAME` (which Argo CD writes `<namespace>_<name>` for an
/// Application outside its own namespace) and `ARGOCD_APP_NAMESPACE`.
fn generate_as(dir: &Path, app_name: &str, namespace: &str) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    let argv = generate_command();
    // The sidecar gets a copy of the source and the capkv of its image: the same here,
    // in a directory any user may enter, so the sidecar's user can run it wherever the
    // repository is checked out.
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let (source, bin) = (sandbox.path().join("source"), sandbox.path().join("bin"));
    for made in [&source, &bin] {
        std::fs::create_dir(made).expect("a directory");
    }
    for entry in std::fs::read_dir(dir).expect("the cluster directory") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), source.join(entry.file_name())).expect("a copy");
    }
    let capkv = bin.join("capkv");
    let built = Path::new(env!("CARGO_BIN_EXE_capkv"));
    std::fs::hard_link(built, &capkv)
        .or_else(|_| std::fs::copy(built, &capkv).map(|_| ()))
        .expect("capkv in the sandbox");
    for (path, mode) in [(sandbox.path(), 0o755), (&source, 0o755), (&bin, 0o755)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("mode");
    }
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("a valid PATH");
    as_sidecar_user(&argv)
        .current_dir(&source)
        .env("PATH", path)
        .env("ARGOCD_APP_NAME", app_name)
        .env("ARGOCD_APP_NAMESPACE", namespace)
        .env_remove("CAPKV_NAMESPACE")
        .output()
        .expect("the plugin command runs")
}

#[test]
fn an_application_outside_argo_cds_namespace_gets_its_own_name_as_cluster_name() {
    let dir = cluster_dirs()
        .into_iter()
        .next()
        .expect("an example cluster");
    let name = dir
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    let output = generate_as(&dir, &format!("team-a_{name}"), "team-a");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let docs = documents(&String::from_utf8_lossy(&output.stdout));
    let cluster = docs
        .iter()
        .find(|d| d["kind"] == "Cluster")
        .expect("a Cluster");
    assert_eq!(cluster["metadata"]["name"], name.as_str());
    assert_eq!(cluster["metadata"]["namespace"], "team-a");
}

#[test]
fn the_plugin_is_named_by_the_application_set_and_never_discovered() {
    let plugin = read_yaml("deploy/argocd/plugin.yaml");
    // A discovery rule on values.yaml would take every Helm chart kept in Git.
    assert!(plugin["spec"].get("discover").is_none());
    let appset = read_yaml("deploy/argocd/applicationset.yaml");
    let template = &appset["spec"]["template"];
    // With a version, Argo CD names the plugin <name>-<version>.
    let plugin_name = format!(
        "{}-{}",
        plugin["metadata"]["name"].as_str().unwrap(),
        plugin["spec"]["version"].as_str().unwrap()
    );
    assert_eq!(
        template["spec"]["source"]["plugin"]["name"],
        plugin_name.as_str()
    );
    // The environment `generate` sets up is what this template produces.
    assert_eq!(template["metadata"]["name"], "{{.path.basename}}");
    assert_eq!(
        template["spec"]["destination"]["namespace"],
        "{{.path.basename}}"
    );
    assert_eq!(
        appset["spec"]["generators"][0]["git"]["directories"][0]["path"],
        "deploy/argocd/clusters/*"
    );
    let patch = read_yaml("deploy/argocd/repo-server-patch.yaml");
    let sidecar = &patch["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        sidecar["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(sidecar["securityContext"]["capabilities"]["drop"][0], "ALL");
    assert_eq!(
        sidecar["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    assert!(
        sidecar["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/home/argocd/cmp-server/config/plugin.yaml")
    );
    for dir in cluster_dirs() {
        assert!(
            dir.join("values.yaml").is_file(),
            "{} holds the values.yaml the plugin reads",
            dir.display()
        );
    }
}

#[test]
fn every_example_cluster_renders_through_the_plugin_command() {
    let expected_pools: &[(&str, &[&str])] = &[
        ("edge-1", &["workers"]),
        ("prod-eu-2", &["general", "memory"]),
    ];
    let dirs = cluster_dirs();
    assert_eq!(dirs.len(), expected_pools.len(), "{dirs:?}");
    for (dir, (cluster, pools)) in dirs.iter().zip(expected_pools) {
        let (app, output) = generate(dir);
        assert_eq!(&app, cluster);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{app}: {stderr}");
        let stream = String::from_utf8(output.stdout).expect("UTF-8");
        let docs = documents(&stream);
        let ids: Vec<String> = docs
            .iter()
            .map(|d| {
                format!(
                    "{}/{}",
                    d["kind"].as_str().unwrap(),
                    d["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect();
        for kind in [
            "Cluster",
            "KamajiControlPlane",
            "VSphereCluster",
            "InClusterIPPool",
        ] {
            assert!(ids.contains(&format!("{kind}/{cluster}")), "{app}: {ids:?}");
        }
        for pool in *pools {
            assert!(
                ids.contains(&format!("MachineDeployment/{cluster}-{pool}-md")),
                "{ids:?}"
            );
            for prefix in ["vsphere-machine-template", "kubeadmconfig"] {
                let stem = format!("/{cluster}-{pool}-{prefix}-");
                assert_eq!(
                    ids.iter().filter(|id| id.contains(&stem)).count(),
                    1,
                    "{ids:?}"
                );
            }
        }
        assert_eq!(
            ids.iter()
                .filter(|id| id.starts_with("MachineDeployment/"))
                .count(),
            pools.len()
        );
        for doc in &docs {
            assert_eq!(doc["metadata"]["namespace"], cluster.to_string(), "{doc}");
            assert_eq!(
                doc["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"],
                cluster.to_string()
            );
        }
        // Credentials stay out of git: the examples reference a Secret, never create one.
        assert!(!ids.iter().any(|id| id.starts_with("Secret/")), "{ids:?}");
    }
}
