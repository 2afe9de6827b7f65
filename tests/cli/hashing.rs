//! The content-hash names that drive rolling updates.

use crate::support::{TempValues, capkv, name_of};

const TWO_POOLS: &str = r#"
cluster:
  name: hashy
nodePools:
  - name: alpha
    template: ubuntu-2404-kube-v1.32.0
    dataStore: ds1
    network: net1
    numCPUs: 2
    memoryMiB: 4096
    diskGiB: 40
    users:
      - name: ops
        sudo: ALL=(ALL) NOPASSWD:ALL
    preKubeadmCommands: ["echo pre"]
  - name: beta
    template: ubuntu-2404-kube-v1.32.0
    dataStore: ds1
    network: net1
"#;

/// Same values, reformatted: other key order, flow style, quoting, comments.
const TWO_POOLS_REFORMATTED: &str = r#"
# reordered and restyled, same meaning
nodePools:
  - { network: "net1", dataStore: 'ds1', name: alpha, template: "ubuntu-2404-kube-v1.32.0",
      diskGiB: 40, memoryMiB: 4096, numCPUs: 2,
      preKubeadmCommands: [ 'echo pre' ],
      users: [ { sudo: "ALL=(ALL) NOPASSWD:ALL", name: ops } ] }
  - name: beta
    network: net1
    dataStore: ds1
    template: ubuntu-2404-kube-v1.32.0
cluster: { name: hashy }
"#;

struct Names {
    alpha_machine: String,
    alpha_bootstrap: String,
    beta_machine: String,
    beta_bootstrap: String,
}

fn names(file: &TempValues, extra: &[&str]) -> Names {
    let mut args = vec!["render", "-f", file.arg()];
    args.extend_from_slice(extra);
    let out = capkv(&args).success();
    Names {
        alpha_machine: name_of(&out, "VSphereMachineTemplate", "hashy-alpha-"),
        alpha_bootstrap: name_of(&out, "KubeadmConfigTemplate", "hashy-alpha-"),
        beta_machine: name_of(&out, "VSphereMachineTemplate", "hashy-beta-"),
        beta_bootstrap: name_of(&out, "KubeadmConfigTemplate", "hashy-beta-"),
    }
}

#[test]
fn reformatting_and_reordering_values_keeps_every_name() {
    let a = names(&TempValues::new(TWO_POOLS), &[]);
    let b = names(&TempValues::new(TWO_POOLS_REFORMATTED), &[]);
    assert_eq!(a.alpha_machine, b.alpha_machine);
    assert_eq!(a.alpha_bootstrap, b.alpha_bootstrap);
    assert_eq!(a.beta_machine, b.beta_machine);
    assert_eq!(a.beta_bootstrap, b.beta_bootstrap);
}

#[test]
fn names_carry_an_eight_character_hash() {
    let a = names(&TempValues::new(TWO_POOLS), &[]);
    let hash = a
        .alpha_machine
        .trim_start_matches("hashy-alpha-vsphere-machine-template-");
    assert_eq!(hash.len(), 8, "{}", a.alpha_machine);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(a.alpha_bootstrap.starts_with("hashy-alpha-kubeadmconfig-"));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Template {
    Machine,
    Bootstrap,
}

/// Each change must rename exactly alpha's template of the given kind: not alpha's
/// other template, and nothing of beta.
fn assert_each_renames_only(expected: Template, changes: &[&str]) {
    let file = TempValues::new(TWO_POOLS);
    let base = names(&file, &[]);
    for change in changes {
        let after = names(&file, &["--set", change]);
        let machine_renamed = after.alpha_machine != base.alpha_machine;
        let bootstrap_renamed = after.alpha_bootstrap != base.alpha_bootstrap;
        assert_eq!(
            machine_renamed,
            expected == Template::Machine,
            "{change}: alpha's machine template"
        );
        assert_eq!(
            bootstrap_renamed,
            expected == Template::Bootstrap,
            "{change}: alpha's kubeadm config"
        );
        assert_eq!(
            after.beta_machine, base.beta_machine,
            "{change} must not rename beta's templates"
        );
        assert_eq!(
            after.beta_bootstrap, base.beta_bootstrap,
            "{change} must not rename beta's templates"
        );
    }
}

#[test]
fn machine_spec_changes_rename_only_that_pools_machine_template() {
    assert_each_renames_only(
        Template::Machine,
        &[
            "nodePools[0].template=ubuntu-2404-kube-v1.33.0",
            "nodePools[0].numCPUs=4",
            "nodePools[0].memoryMiB=8192",
            "nodePools[0].diskGiB=80",
            "nodePools[0].network=net2",
        ],
    );
}

#[test]
fn bootstrap_changes_rename_only_that_pools_kubeadm_config() {
    assert_each_renames_only(
        Template::Bootstrap,
        &[
            "nodePools[0].users[0].name=admin",
            "nodePools[0].users[0].sshAuthorizedKeys[0]=ssh-ed25519 AAAA key",
            "nodePools[0].preKubeadmCommands[0]=echo changed",
            "nodePools[0].postKubeadmCommands[0]=echo after",
            "nodePools[0].labels=tier=web",
        ],
    );
}

#[test]
fn scaling_changes_no_template_name() {
    let file = TempValues::new(TWO_POOLS);
    let base = names(&file, &[]);
    let scaled = names(&file, &["--set", "nodePools[0].replicas=7"]);
    assert_eq!(scaled.alpha_machine, base.alpha_machine);
    assert_eq!(scaled.alpha_bootstrap, base.alpha_bootstrap);
}

/// The eight combinations of `apiVersions` a cluster can be rendered with.
fn every_api_version_combination() -> Vec<[String; 3]> {
    let mut combinations = Vec::new();
    for capi in ["v1beta2", "v1beta1"] {
        for capv in ["v1beta2", "v1beta1"] {
            for kamaji in ["v1alpha2", "v1alpha1"] {
                combinations.push([
                    format!("apiVersions.capi={capi}"),
                    format!("apiVersions.capv={capv}"),
                    format!("apiVersions.kamaji={kamaji}"),
                ]);
            }
        }
    }
    combinations
}

/// Switching the output's API versions must not rename a pool template: CAPI rolls a
/// pool whose MachineDeployment points at another template name
/// (core/reconcilers/machinedeployment/mdutil/util.go:379-396, MachineTemplateUpToDate), and
/// v1beta1 writes the kubelet's flags as a map where v1beta2 writes a list
/// (api/bootstrap/kubeadm/v1beta2/conversion.go:23-41), which the API server converts
/// into one stored object. The default (all newest) keeps the names it always had.
#[test]
fn template_names_do_not_depend_on_the_api_versions_rendered() {
    let template_names = |extra: &[String]| {
        let mut args = vec!["render", "-f", "examples/full.yaml"];
        for set in extra {
            args.extend(["--set", set.as_str()]);
        }
        let stream = capkv(&args).success();
        let names: Vec<String> = crate::support::object_ids(&stream)
            .into_iter()
            .filter(|id| {
                id.starts_with("VSphereMachineTemplate/")
                    || id.starts_with("KubeadmConfigTemplate/")
            })
            .collect();
        assert_eq!(names.len(), 6, "{names:?}");
        names
    };
    let default = template_names(&[]);
    assert!(
        default.contains(&"KubeadmConfigTemplate/prod-eu-1-general-kubeadmconfig-ac9e4593".into()),
        "the default output keeps its names: {default:?}"
    );
    for combination in every_api_version_combination() {
        assert_eq!(template_names(&combination), default, "{combination:?}");
    }
}
