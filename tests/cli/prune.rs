//! `capkv prune` through the binary. The live state of each phase of a rollout is built
//! from streams the binary renders (the old values, then the new ones), plus the
//! MachineSets and Machines CAPI creates for them, as `kubectl get -o yaml` prints them.

use crate::support::{TempValues, capkv, capkv_with_stdin, documents};
use serde_json::{Value, json};

/// The change under test: a new VM template and a new pre-kubeadm command, so both of
/// the pool's templates get new names.
const NEW: &[&str] = &[
    "--set",
    "nodePools[0].template=ubuntu-2404-kube-v1.31.0",
    "--set-json",
    r#"nodePools[0].preKubeadmCommands=["echo new"]"#,
];

/// The values of a rollout before the one under test.
const OLDER: &[&str] = &["--set", "nodePools[0].template=ubuntu-2004-kube-v1.31.0"];

fn render(extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["render", "demo"];
    args.extend_from_slice(extra);
    documents(&capkv(&args).success())
}

/// The two templates of the pool, as live objects.
fn templates(docs: &[Value]) -> Vec<Value> {
    docs.iter()
        .filter(|d| d["kind"] == "VSphereMachineTemplate" || d["kind"] == "KubeadmConfigTemplate")
        .cloned()
        .collect()
}

/// `Kind/name` of each template of a render, sorted as capkv prints them.
fn template_ids(docs: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = templates(docs)
        .iter()
        .map(|t| {
            format!(
                "{}/{}",
                t["kind"].as_str().expect("a string"),
                t["metadata"]["name"].as_str().expect("a string")
            )
        })
        .collect();
    ids.sort();
    ids
}

fn machine_deployment(docs: &[Value]) -> Value {
    docs.iter()
        .find(|d| d["kind"] == "MachineDeployment")
        .cloned()
        .expect("a MachineDeployment")
}

/// A MachineSet as the MachineDeployment controller creates it for `md`'s template.
fn machine_set(md: &Value, name: &str, replicas: u64) -> Value {
    json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2",
        "kind": "MachineSet",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {
                "cluster.x-k8s.io/cluster-name": "demo",
                "cluster.x-k8s.io/deployment-name": md["metadata"]["name"],
            },
            "ownerReferences": [{
                "apiVersion": "cluster.x-k8s.io/v1beta2",
                "kind": "MachineDeployment",
                "name": md["metadata"]["name"],
                "controller": true,
            }],
        },
        "spec": {
            "clusterName": "demo",
            "replicas": replicas,
            "template": md["spec"]["template"],
        },
        "status": {"replicas": replicas},
    })
}

/// A Machine of `ms`: its infrastructureRef names the VSphereMachine, not the template.
fn machine(ms: &Value, index: usize) -> Value {
    let ms_name = ms["metadata"]["name"].as_str().expect("a string");
    let name = format!("{ms_name}-{index}");
    json!({
        "apiVersion": "cluster.x-k8s.io/v1beta2",
        "kind": "Machine",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {
                "cluster.x-k8s.io/cluster-name": "demo",
                "cluster.x-k8s.io/set-name": ms_name,
            },
            "ownerReferences": [{
                "apiVersion": "cluster.x-k8s.io/v1beta2",
                "kind": "MachineSet",
                "name": ms_name,
                "controller": true,
            }],
        },
        "spec": {
            "clusterName": "demo",
            "infrastructureRef": {
                "apiGroup": "infrastructure.cluster.x-k8s.io",
                "kind": "VSphereMachine",
                "name": name,
            },
        },
    })
}

/// A Machine the MachineHealthCheck found unhealthy, waiting for its MachineSet to
/// replace it.
fn remediated(mut machine: Value) -> Value {
    machine["status"] = json!({"conditions": [
        {"type": "HealthCheckSucceeded", "status": "False", "reason": "UnhealthyNode"},
        {"type": "OwnerRemediated", "status": "False", "reason": "WaitingForRemediation"},
    ]});
    machine
}

/// The objects as one `List`, as `kubectl get a,b,c -o yaml` prints them.
fn list(objects: &[Value]) -> String {
    serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": objects}))
        .expect("JSON")
}

/// `capkv prune demo --live FILE` with the values args and extra flags.
fn prune(values: &[&str], live: &str, extra: &[&str]) -> crate::support::Run {
    let file = TempValues::named("live.yaml", live);
    let mut args = vec!["prune", "demo", "--live", file.arg()];
    args.extend_from_slice(values);
    args.extend_from_slice(extra);
    capkv(&args)
}

fn listed(values: &[&str], live: &str) -> Vec<String> {
    prune(values, live, &[])
        .success()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The objects of a pool rolled from `old` to `new`: both renders' templates, the new
/// MachineDeployment, and MachineSets with `old_replicas` and `new_replicas`.
struct Rollout {
    old: Vec<Value>,
    new: Vec<Value>,
}

impl Rollout {
    fn new(new_values: &[&str]) -> Rollout {
        Rollout {
            old: render(&[]),
            new: render(new_values),
        }
    }

    fn old_ms(&self, replicas: u64) -> Value {
        machine_set(
            &machine_deployment(&self.old),
            "demo-default-md-old",
            replicas,
        )
    }

    fn new_ms(&self, replicas: u64) -> Value {
        machine_set(
            &machine_deployment(&self.new),
            "demo-default-md-new",
            replicas,
        )
    }

    /// Both renders' templates and the applied (new) MachineDeployment.
    fn applied(&self) -> Vec<Value> {
        let mut objects = templates(&self.old);
        objects.extend(templates(&self.new));
        objects.push(machine_deployment(&self.new));
        objects
    }

    /// After the rollout: the old MachineSet deleted, the new one with every Machine.
    fn finished(&self) -> Vec<Value> {
        let mut objects = self.applied();
        let new_ms = self.new_ms(3);
        objects.extend((0..3).map(|i| machine(&new_ms, i)));
        objects.push(new_ms);
        objects
    }
}

#[test]
fn before_the_rollout_only_the_templates_of_an_earlier_rollout_are_listed() {
    let older = render(OLDER);
    let old = render(&[]);
    // The earlier rollout has finished: its MachineSet is gone, its templates are not.
    let mut objects = templates(&older);
    objects.extend(templates(&old));
    objects.push(machine_deployment(&old));
    let ms = machine_set(&machine_deployment(&old), "demo-default-md-old", 3);
    objects.extend((0..3).map(|i| machine(&ms, i)));
    objects.push(ms);
    // The new values are not applied yet: the live MachineDeployment and MachineSet
    // still need the old templates, which the new render no longer has.
    let older_vsphere: Vec<String> = template_ids(&older)
        .into_iter()
        .filter(|id| id.starts_with("VSphereMachineTemplate/"))
        .collect();
    assert_eq!(listed(NEW, &list(&objects)), older_vsphere);
    // The earlier rollout changed only the VM template: its KubeadmConfigTemplate is
    // the old render's, which is in use.
    assert_eq!(older_vsphere.len(), 1);
}

#[test]
fn during_the_rollout_the_old_machine_sets_templates_stay() {
    let rollout = Rollout::new(NEW);
    let mut objects = rollout.applied();
    let (old_ms, new_ms) = (rollout.old_ms(1), rollout.new_ms(2));
    objects.push(machine(&old_ms, 0));
    objects.extend((0..2).map(|i| machine(&new_ms, i)));
    objects.extend([old_ms, new_ms]);
    assert_eq!(listed(NEW, &list(&objects)), Vec::<String>::new());
}

#[test]
fn after_the_rollout_the_old_templates_are_listed_once_capi_deleted_the_old_machine_set() {
    let rollout = Rollout::new(NEW);
    let mut objects = rollout.applied();
    let new_ms = rollout.new_ms(3);
    objects.extend((0..3).map(|i| machine(&new_ms, i)));
    objects.push(new_ms);
    assert_eq!(listed(NEW, &list(&objects)), template_ids(&rollout.old));
    assert_eq!(template_ids(&rollout.old).len(), 2);
}

#[test]
fn an_old_machine_set_scaled_to_zero_keeps_its_templates_for_a_rollback() {
    // CAPI before v1.11 keeps `revisionHistoryLimit` (1) old MachineSets with 0
    // replicas; reverting the values scales it up again from its templates.
    let rollout = Rollout::new(NEW);
    let mut objects = rollout.applied();
    let new_ms = rollout.new_ms(3);
    objects.extend((0..3).map(|i| machine(&new_ms, i)));
    objects.extend([rollout.old_ms(0), new_ms]);
    assert_eq!(listed(NEW, &list(&objects)), Vec::<String>::new());
}

#[test]
fn a_machine_being_remediated_keeps_only_its_own_machine_sets_templates() {
    let rollout = Rollout::new(NEW);
    let mut objects = rollout.applied();
    let new_ms = rollout.new_ms(3);
    objects.push(remediated(machine(&new_ms, 0)));
    objects.extend((1..3).map(|i| machine(&new_ms, i)));
    objects.push(new_ms);
    // The replacement is created from the current MachineSet's templates (rendered);
    // the old ones are not needed by it.
    assert_eq!(listed(NEW, &list(&objects)), template_ids(&rollout.old));

    // Remediated during the rollout, in the old MachineSet: that MachineSet exists, so
    // its templates stay.
    let mut during = rollout.applied();
    let old_ms = rollout.old_ms(1);
    during.push(remediated(machine(&old_ms, 0)));
    during.push(old_ms);
    during.push(rollout.new_ms(2));
    assert_eq!(listed(NEW, &list(&during)), Vec::<String>::new());
}

#[test]
fn an_on_delete_pool_keeps_the_old_templates_until_its_old_machines_are_deleted() {
    let on_delete = ["--set", "nodePools[0].rollout.strategy=OnDelete"];
    let new_values: Vec<&str> = NEW.iter().chain(&on_delete).copied().collect();
    let rollout = Rollout {
        old: render(&on_delete),
        new: render(&new_values),
    };
    // CAPI created the new MachineSet, but waits for someone to delete the old
    // Machines: the old MachineSet keeps its replicas.
    let mut waiting = rollout.applied();
    let (old_ms, new_ms) = (rollout.old_ms(3), rollout.new_ms(0));
    waiting.extend((0..3).map(|i| machine(&old_ms, i)));
    waiting.extend([old_ms, new_ms]);
    assert_eq!(listed(&new_values, &list(&waiting)), Vec::<String>::new());

    // Every old Machine deleted and replaced: CAPI deletes the old MachineSet.
    let mut done = rollout.applied();
    let new_ms = rollout.new_ms(3);
    done.extend((0..3).map(|i| machine(&new_ms, i)));
    done.push(new_ms);
    assert_eq!(
        listed(&new_values, &list(&done)),
        template_ids(&rollout.old)
    );
}

#[test]
fn another_clusters_templates_and_a_multi_document_stream() {
    let rollout = Rollout::new(NEW);
    let mut objects = rollout.finished();
    let mut foreign = templates(&rollout.old)[0].clone();
    foreign["metadata"]["name"] = json!("other-default-vsphere-machine-template-0000");
    foreign["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"] = json!("other");
    objects.push(foreign);
    // The same objects as loose documents instead of a List.
    let mut stream = String::new();
    for object in &objects {
        stream.push_str("---\n");
        stream.push_str(&serde_json::to_string(object).expect("JSON"));
        stream.push('\n');
    }
    assert_eq!(listed(NEW, &stream), template_ids(&rollout.old));
}

#[test]
fn kubectl_commands_yaml_and_the_exit_code() {
    let rollout = Rollout::new(NEW);
    let live = list(&rollout.finished());
    let kubectl = prune(NEW, &live, &["-o", "kubectl"]).success();
    let old = templates(&rollout.old);
    let name = |kind: &str| {
        old.iter()
            .find(|t| t["kind"] == kind)
            .map(|t| t["metadata"]["name"].as_str().expect("a string").to_owned())
            .expect("JSON")
    };
    assert_eq!(
        kubectl,
        format!(
            "kubectl delete kubeadmconfigtemplate.bootstrap.cluster.x-k8s.io {} -n default\n\
             kubectl delete vspheremachinetemplate.infrastructure.cluster.x-k8s.io {} -n default\n",
            name("KubeadmConfigTemplate"),
            name("VSphereMachineTemplate")
        )
    );

    let yaml = documents(&prune(NEW, &live, &["-o", "yaml"]).success());
    let mut expected = old.clone();
    expected.sort_by_key(|t| t["kind"].as_str().expect("a string").to_owned());
    assert_eq!(yaml, expected);

    let run = prune(NEW, &live, &["--exit-code"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 2);
    // Nothing prunable: 0 and nothing printed.
    let run = prune(&[], &list(&templates(&rollout.old)), &["--exit-code"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

#[test]
fn the_live_objects_from_standard_input() {
    let rollout = Rollout::new(NEW);
    let mut args = vec!["prune", "demo", "--live", "-"];
    args.extend_from_slice(NEW);
    let out = capkv_with_stdin(&args, &list(&rollout.finished())).success();
    assert_eq!(out.lines().collect::<Vec<_>>(), template_ids(&rollout.old));
}

#[test]
fn bad_live_input_fails_naming_it() {
    prune(&[], "kind: List\nitems: [\n", &[]).assert_fails(1, "live.yaml: ");
    prune(&[], "- a\n- b\n", &[]).assert_fails(1, "not a Kubernetes object");
    capkv(&["prune", "demo", "--live", "no/such/live.yaml"])
        .assert_fails(1, "error: no/such/live.yaml: cannot read");
    capkv(&["prune", "demo"]).assert_fails(2, "--live");
    capkv(&["prune", "demo", "-f", "-", "--live", "-"]).assert_fails(2, "standard input");
}

#[test]
fn a_machine_whose_machine_set_is_missing_is_an_error_not_a_guess() {
    let rollout = Rollout::new(NEW);
    let mut objects = rollout.applied();
    // `kubectl get` without machinesets: the old Machine's MachineSet may still need
    // the old templates.
    objects.push(remediated(machine(&rollout.old_ms(1), 0)));
    prune(NEW, &list(&objects), &[]).assert_fails(
        1,
        "Machine demo-default-md-old-0 belongs to MachineSet demo-default-md-old, which is not in the input",
    );
}

#[test]
fn rendered_templates_keep_argo_cd_and_flux_from_pruning_them() {
    for profile in ["v1beta2", "v1beta1"] {
        let docs = render(&["--api-profile", profile]);
        let rendered = templates(&docs);
        assert_eq!(rendered.len(), 2, "{profile}");
        for template in rendered {
            assert_eq!(
                template["metadata"]["annotations"],
                json!({
                    "argocd.argoproj.io/sync-options": "Prune=false",
                    "kustomize.toolkit.fluxcd.io/prune": "disabled",
                }),
                "{profile} {}",
                template["kind"]
            );
        }
    }
    // The names hash `spec` only: the annotations did not rename the templates (the
    // names of the snapshots before the annotations were added).
    assert_eq!(
        template_ids(&render(&[])),
        [
            "KubeadmConfigTemplate/demo-default-kubeadmconfig-4b63b0f2",
            "VSphereMachineTemplate/demo-default-vsphere-machine-template-c7adfd37",
        ]
    );
}

#[test]
fn diff_says_when_a_rolling_pools_old_templates_become_prunable() {
    let note = "old templates: prunable once the rollout has finished (`capkv prune`)";
    let old = TempValues::named("old.yaml", &capkv(&["render", "demo"]).success());
    let mut args = vec!["render", "demo"];
    args.extend_from_slice(NEW);
    let rolled = TempValues::named("new.yaml", &capkv(&args).success());
    let scaled = TempValues::named(
        "scaled.yaml",
        &capkv(&["render", "demo", "--set", "nodePools[0].replicas=5"]).success(),
    );

    let text = capkv(&["diff", old.arg(), rolled.arg()]).success();
    let pool = text.split("\n\n").next().expect("the node pools section");
    assert!(pool.starts_with("Node pools\n  rolls"), "{text}");
    assert!(pool.ends_with(note), "{text}");
    let markdown = capkv(&["diff", "-o", "markdown", old.arg(), rolled.arg()]).success();
    assert!(
        markdown.contains("Rolling pools leave their old templates in the cluster"),
        "{markdown}"
    );

    // Scaling leaves no template behind: no note.
    let text = capkv(&["diff", old.arg(), scaled.arg()]).success();
    assert!(text.contains("scales"), "{text}");
    assert!(!text.contains("prunable"), "{text}");
    let markdown = capkv(&["diff", "-o", "markdown", old.arg(), scaled.arg()]).success();
    assert!(!markdown.contains("capkv prune"), "{markdown}");
}

/// Template names do not depend on the API versions rendered (the content hash is
/// taken from the v1beta2 rendering), so after a switch of `--api-profile` the
/// templates created under the other profile are the current ones, not leftovers:
/// pruning them would delete what the MachineDeployment points at.
#[test]
fn templates_rendered_under_another_api_profile_are_current_not_leftovers() {
    let v1beta2 = render(&[]);
    let v1beta1 = render(&["--api-profile", "v1beta1"]);
    assert_eq!(template_ids(&v1beta2), template_ids(&v1beta1));
    // Live: the v1beta2 templates, and a MachineDeployment and MachineSet that refer to
    // other templates (NEW renames both), so only the current render keeps them.
    let other = render(NEW);
    let mut objects = templates(&v1beta2);
    let md = machine_deployment(&other);
    objects.push(machine_set(&md, "demo-default-md-other", 3));
    objects.push(md);
    let live = list(&objects);
    assert_eq!(
        listed(&["--api-profile", "v1beta1"], &live),
        Vec::<String>::new()
    );
    // The same live state, pruned for values that render other templates, lists them.
    assert_eq!(listed(NEW, &live), template_ids(&v1beta2));
}

#[test]
fn a_name_the_api_server_would_refuse_is_an_error_not_a_command() {
    let mut template = templates(&render(&[]))[0].clone();
    let mut crafted_group = template.clone();
    template["metadata"]["name"] = json!("x; rm -rf ~");
    prune(&[], &list(&[template]), &["-o", "kubectl"])
        .assert_fails(1, "not a Kubernetes object name");
    // Not rendered, so it would be listed.
    crafted_group["metadata"]["name"] = json!("demo-default-kubeadmconfig-00000000");
    crafted_group["apiVersion"] = json!("x$(reboot)/v1");
    prune(&[], &list(&[crafted_group]), &["-o", "kubectl"])
        .assert_fails(1, "not a Kubernetes object name");
}

#[test]
fn templates_without_their_machine_deployments_and_machine_sets_are_not_listed() {
    let rollout = Rollout::new(NEW);
    // Only the templates: every old one would look unused.
    prune(NEW, &list(&templates(&rollout.old)), &[])
        .assert_fails(1, "no MachineDeployment in the input");
    // The MachineDeployment but not its MachineSets (`kubectl get` without them).
    prune(NEW, &list(&rollout.applied()), &[]).assert_fails(
        1,
        "MachineDeployment demo-default-md has no MachineSet in the input",
    );
    // Nothing to list: nothing to check.
    let run = prune(&[], &list(&templates(&rollout.old)), &[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

#[test]
fn a_machine_set_without_the_cluster_label_still_keeps_its_templates() {
    let rollout = Rollout::new(NEW);
    let mut objects = rollout.finished();
    let mut old_ms = rollout.old_ms(1);
    old_ms["metadata"]["labels"] = json!({});
    objects.push(old_ms);
    assert_eq!(listed(NEW, &list(&objects)), Vec::<String>::new());
}
