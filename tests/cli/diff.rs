//! `capkv diff`: object changes, the rolling-update preview, rejected changes, secrets.

use crate::support::{
    TempValues, capkv, capkv_with_stdin, documents, full_stream, snapshot_settings,
};
use serde_json::Value;

const TWO_POOLS: &str = r"
cluster:
  name: review
vSphere:
  password: old-password-4711
  secret:
    create: true
    name: review-vsphere
nodePools:
  - name: alpha
    template: ubuntu-2404-kube-v1.32.0
    dataStore: ds1
    network: net1
    replicas: 3
  - name: beta
    template: ubuntu-2404-kube-v1.32.0
    dataStore: ds1
    network: net1
    replicas: 3
";

/// A rendered stream of TWO_POOLS with extra flags, in a file of its own.
fn rendered(extra: &[&str]) -> TempValues {
    let values = TempValues::new(TWO_POOLS);
    let mut args = vec!["render", "-f", values.arg()];
    args.extend_from_slice(extra);
    TempValues::named("stream.yaml", &capkv(&args).success())
}

fn diff(old: &TempValues, new: &TempValues, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["diff", old.arg(), new.arg()];
    args.extend_from_slice(extra);
    capkv(&args)
}

/// The status word of a pool in the text report.
fn status_of(report: &str, pool: &str) -> String {
    let line = report
        .lines()
        .find(|l| l.ends_with(&format!("default/{pool}")))
        .unwrap_or_else(|| panic!("no line for {pool}:\n{report}"));
    line.trim()
        .trim_end_matches(&format!("default/{pool}"))
        .trim()
        .to_owned()
}

#[test]
fn a_change_that_rolls_one_pool_leaves_the_other_unchanged() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "nodePools[0].numCPUs=4"]);
    let report = diff(&old, &new, &[]).success();
    assert_eq!(status_of(&report, "review-alpha-md"), "rolls", "{report}");
    assert_eq!(
        status_of(&report, "review-beta-md"),
        "unchanged",
        "{report}"
    );
    assert!(
        report.contains("spec.template.spec.numCPUs: 2 → 4"),
        "names the template field that differs:\n{report}"
    );
    assert!(report.contains("VSphereMachineTemplate review-alpha-vsphere-machine-template-"));
    assert!(
        !report.contains("review-beta-vsphere-machine-template-"),
        "{report}"
    );
}

#[test]
fn a_replicas_change_is_a_scale() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "nodePools[1].replicas=5"]);
    let report = diff(&old, &new, &[]).success();
    assert_eq!(status_of(&report, "review-beta-md"), "scales", "{report}");
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "unchanged",
        "{report}"
    );
    assert!(report.contains("spec.replicas: 3 → 5"), "{report}");
    assert!(!report.contains("rolls"), "{report}");
}

/// The min/max annotations are the Cluster Autoscaler's bounds (kubernetes/autoscaler
/// cluster-autoscaler/cloudprovider/clusterapi/clusterapi_utils.go:148 minSize and :179
/// maxSize): changing them adds or removes no machine by itself, and CAPI's webhook
/// leaves a `replicas` the live object already has alone
/// (core/webhooks/admission/machinedeployment.go:362-365).
#[test]
fn autoscaler_bounds_change_the_bounds_not_the_replicas() {
    let old = rendered(&["--set", "nodePools[0].autoscaling.enabled=true"]);
    let new = rendered(&[
        "--set",
        "nodePools[0].autoscaling.enabled=true",
        "--set",
        "nodePools[0].autoscaling.maxSize=9",
    ]);
    let report = diff(&old, &new, &[]).success();
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "autoscaler bounds",
        "{report}"
    );
    assert!(
        report.contains(
            "metadata.annotations[\"cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size\"]: 6 → 9"
        ),
        "{report}"
    );
    assert!(!report.contains("scales"), "{report}");
    assert!(!report.contains("spec.replicas"), "{report}");
}

/// Enabling autoscaling removes `replicas` from the MachineDeployment; CAPI's defaulting
/// webhook then keeps the current count, raised to min or lowered to max
/// (core/webhooks/admission/machinedeployment.go:403-422), and without the bounds sets 1
/// (:426-430). The report gives that number, never `(unset)`.
#[test]
fn handing_a_pool_to_the_autoscaler_keeps_the_count_within_its_bounds() {
    let enable = "nodePools[0].autoscaling.enabled=true,nodePools[0].autoscaling.minSize=2,nodePools[0].autoscaling.maxSize=6";
    for (replicas, status, line) in [
        ("3", "autoscaler bounds", None),
        ("1", "scales", Some("spec.replicas: 1 → 2")),
        ("9", "scales", Some("spec.replicas: 9 → 6")),
    ] {
        let count = format!("nodePools[0].replicas={replicas}");
        let old = rendered(&["--set", &count]);
        let new = rendered(&["--set", &count, "--set", enable]);
        let report = diff(&old, &new, &[]).success();
        assert_eq!(status_of(&report, "review-alpha-md"), status, "{report}");
        let kept = line.map_or(replicas, |l| &l[l.len() - 1..]);
        assert!(
            report.contains(&format!(
                "handed over to the cluster autoscaler: CAPI's webhook sets {kept} machines (the current {replicas} kept within min 2, max 6)"
            )),
            "{report}"
        );
        if let Some(line) = line {
            assert!(report.contains(&format!("{line}\n")), "{report}");
        }
        assert!(!report.contains("(unset) → (unset)"), "{report}");
        assert!(!report.contains("spec.replicas: 3 → (unset)"), "{report}");
        // Back from the autoscaler to a fixed count: the new count, from the
        // autoscaler's unknown one.
        let back = diff(&new, &old, &[]).success();
        assert!(
            back.contains(&format!(
                "spec.replicas: (the autoscaler's count) → {replicas}"
            )),
            "{back}"
        );
    }
}

#[test]
fn a_kubernetes_version_change_rolls_every_pool() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "cluster.controlPlane.version=v1.32.1"]);
    let report = diff(&old, &new, &[]).success();
    for pool in ["review-alpha-md", "review-beta-md"] {
        assert_eq!(status_of(&report, pool), "rolls", "{report}");
    }
    assert!(report.contains("spec.template.spec.version: v1.31.0 → v1.32.1"));
}

/// Every mapping's keys in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

#[test]
fn a_reformatting_only_change_is_no_change() {
    let old = rendered(&[]);
    // The same objects as JSON documents (flow style, every string quoted), keys in
    // reverse order, other comments and document order unchanged.
    let stream = std::fs::read_to_string(&old.path).unwrap();
    let mut reformatted = String::new();
    for doc in documents(&stream) {
        reformatted.push_str(&format!("---\n# reformatted\n{}\n", reversed(&doc)));
    }
    assert_ne!(reformatted, stream);
    let new = TempValues::named("reformatted.yaml", &reformatted);
    let run = diff(&old, &new, &["--exit-code"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "No changes: both streams hold the same objects.\n"
    );
}

#[test]
fn markdown_report_for_a_pull_request() {
    let old = rendered(&[]);
    let new = rendered(&[
        "--set",
        "nodePools[0].memoryMiB=8192",
        "--set",
        "nodePools[1].replicas=4",
    ]);
    let report = diff(&old, &new, &["--output", "markdown"]).success();
    snapshot_settings().bind(|| insta::assert_snapshot!("diff-markdown", report));
}

#[test]
fn secret_values_are_never_printed() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "vSphere.password=new-password-0815"]);
    let added = rendered(&["--set", "vSphere.secret.create=false"]);
    for (a, b) in [(&old, &new), (&added, &new), (&new, &added)] {
        for format in ["text", "markdown"] {
            let report = diff(a, b, &["-o", format]).success();
            for secret in ["old-password-4711", "new-password-0815", "admin@vcenter"] {
                assert!(!report.contains(secret), "{secret} printed:\n{report}");
            }
            assert!(report.contains("Secret default/review-vsphere"), "{report}");
        }
    }
    let report = diff(&old, &new, &[]).success();
    assert!(
        report.contains("+  password: (hidden, changed)"),
        "{report}"
    );
    assert!(report.contains("   username: (hidden)"), "{report}");
}

#[test]
fn exit_code_flag_reports_differences_like_git_diff() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "nodePools[1].replicas=5"]);
    let differs = diff(&old, &new, &["--exit-code"]);
    assert_eq!(differs.code, 1, "{}", differs.stderr);
    assert!(
        differs.stdout.contains("scales"),
        "the report is still printed"
    );
    assert_eq!(diff(&old, &old, &["--exit-code"]).code, 0);
    assert_eq!(diff(&old, &new, &[]).code, 0, "without the flag, 0");
}

#[test]
fn one_side_can_come_from_standard_input() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "nodePools[1].replicas=5"]);
    let stdin = std::fs::read_to_string(&old.path).unwrap();
    let report = capkv_with_stdin(&["diff", "-", new.arg()], &stdin).success();
    assert_eq!(status_of(&report, "review-beta-md"), "scales", "{report}");
    capkv(&["diff", "-", "-"]).assert_fails(2, "cannot both be `-`");
}

#[test]
fn unreadable_or_invalid_input_fails_with_nothing_on_stdout() {
    let old = rendered(&[]);
    capkv(&["diff", old.arg(), "/nonexistent/new.yaml"])
        .assert_fails(1, "error: /nonexistent/new.yaml: cannot read");
    let bad = TempValues::named("bad.yaml", "kind: A\nmetadata: {name: a}\n---\n- a list\n");
    capkv(&["diff", old.arg(), bad.arg()]).assert_fails(1, "document 2: not a Kubernetes object");
    capkv(&["diff", old.arg(), old.arg(), "--output", "html"]).assert_fails(2, "html");
}

#[test]
fn a_template_edited_in_place_is_flagged_as_rejected() {
    let old = rendered(&[]);
    let stream = std::fs::read_to_string(&old.path).unwrap();
    let edited = stream.replace("numCPUs: 2", "numCPUs: 6");
    assert_ne!(edited, stream);
    let new = TempValues::named("edited.yaml", &edited);
    let report = diff(&old, &new, &[]).success();
    assert!(
        report.contains("Rejected or ignored by CAPI/CAPV"),
        "{report}"
    );
    let flagged = report
        .lines()
        .filter(|l| {
            l.contains("VSphereMachineTemplate default/review-")
                && l.contains("edited in place; immutable")
        })
        .count();
    assert_eq!(flagged, 2, "{report}");
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "unchanged",
        "nothing rolls:\n{report}"
    );
}

#[test]
fn cluster_resource_set_strategy_and_selector_changes_are_flagged() {
    let crs = |strategy: &str, env: &str| {
        format!(
            "apiVersion: addons.cluster.x-k8s.io/v1beta2\nkind: ClusterResourceSet\nmetadata:\n  name: cni\n  namespace: default\nspec:\n  strategy: {strategy}\n  clusterSelector:\n    matchLabels:\n      env: {env}\n  resources:\n  - kind: ConfigMap\n    name: cni\n"
        )
    };
    let old = TempValues::named("old.yaml", &crs("ApplyOnce", "prod"));
    let new = TempValues::named("new.yaml", &crs("Reconcile", "stage"));
    let report = diff(&old, &new, &[]).success();
    assert!(
        report.contains("ClusterResourceSet default/cni: spec.strategy is immutable"),
        "{report}"
    );
    assert!(
        report.contains("ClusterResourceSet default/cni: spec.clusterSelector is immutable"),
        "{report}"
    );
    assert!(
        report.contains("spec.strategy: ApplyOnce → Reconcile"),
        "{report}"
    );
}

#[test]
fn piped_text_has_no_colors() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "nodePools[0].numCPUs=4"]);
    let report = diff(&old, &new, &[]).success();
    assert!(!report.contains('\u{1b}'), "{report}");
}

/// A pull-request comment stays under the forge's size limit (GitHub refuses comments
/// over 65,536 characters): the pools table and a line per object stay, object diffs
/// are left out from the end, and the comment says so.
#[test]
fn the_markdown_report_stays_under_its_size_limit() {
    let old = rendered(&[]);
    let new = rendered(&[
        "--set",
        "cluster.controlPlane.version=v1.32.1,vSphere.dataCenter=dc2",
    ]);
    let full = diff(&old, &new, &["-o", "markdown"]).success();
    // What always stays (tables, sections, one entry per object) is the floor: a limit
    // halfway between it and the full report must cost some object diffs.
    let floor = diff(&old, &new, &["-o", "markdown", "--max-chars", "1"])
        .success()
        .chars()
        .count();
    let limit = usize::midpoint(floor, full.chars().count());
    assert!(floor < limit, "{floor} {limit}");
    let short = diff(
        &old,
        &new,
        &["-o", "markdown", "--max-chars", &limit.to_string()],
    )
    .success();
    assert!(
        short.chars().count() <= limit,
        "{} > {limit}",
        short.chars().count()
    );
    for pool in ["review-alpha-md", "review-beta-md"] {
        assert!(short.contains(pool), "the pools table stays whole");
    }
    // Every object of the full report keeps its line.
    for summary in full.split("<summary>").skip(1) {
        let summary = summary.split("</summary>").next().expect("a summary");
        assert!(short.contains(summary), "{summary} is missing");
    }
    assert!(
        short.contains("object diffs left out to stay under"),
        "{short}"
    );
    assert!(!full.contains("left out"), "the default fits this report");
}

/// CAPI's OnDelete strategy replaces a machine only once someone deletes it
/// (core/reconcilers/machinedeployment/machinedeployment_rollout_ondelete.go:34-60); a
/// version written without its `v` is the same version once the MachineDeployment
/// webhook prepends it (core/webhooks/admission/machinedeployment.go:131-133).
#[test]
fn on_delete_pools_wait_for_deletion_and_a_version_without_v_is_no_change() {
    let old = rendered(&["--set", "nodePools[0].rollout.strategy=OnDelete"]);
    let new = rendered(&[
        "--set",
        "nodePools[0].rollout.strategy=OnDelete,nodePools[0].numCPUs=8",
    ]);
    let report = diff(&old, &new, &[]).success();
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "on delete",
        "{report}"
    );
    assert!(
        report.contains("strategy OnDelete: each machine is replaced only once you delete it"),
        "{report}"
    );
    // A stream written by another tool may spell the version without `v`.
    let plain = rendered(&[]);
    let text = std::fs::read_to_string(plain.arg()).expect("the stream");
    assert!(text.contains("      version: v1.31.0\n"));
    let without_v = TempValues::named(
        "other.yaml",
        &text.replace("      version: v1.31.0\n", "      version: 1.31.0\n"),
    );
    let report = diff(&plain, &without_v, &[]).success();
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "unchanged",
        "{report}"
    );
}

/// Removed objects are entries of the one object list, like added and changed ones
/// (a collapsed block each), also when the comment is cut down to its size limit.
#[test]
fn removed_objects_are_entries_like_the_others_in_the_markdown_report() {
    let old = rendered(&[]);
    let one_pool = TempValues::new(
        TWO_POOLS
            .split("  - name: beta")
            .next()
            .expect("the first pool"),
    );
    let new = TempValues::named(
        "stream.yaml",
        &capkv(&[
            "render",
            "-f",
            one_pool.arg(),
            "--set",
            "nodePools[0].numCPUs=4",
        ])
        .success(),
    );
    let full = diff(&old, &new, &["-o", "markdown"]).success();
    let limit = full.chars().count() * 2 / 3;
    let short = diff(
        &old,
        &new,
        &["-o", "markdown", "--max-chars", &limit.to_string()],
    )
    .success();
    for report in [&full, &short] {
        let objects = report
            .split("**Objects:**")
            .nth(1)
            .expect("an objects section");
        let entries: Vec<&str> = objects.split("<details><summary>").skip(1).collect();
        let removed: Vec<&&str> = entries
            .iter()
            .filter(|e| e.starts_with("removed "))
            .collect();
        // beta's MachineDeployment, MachineHealthCheck, both templates, and alpha's
        // replaced VSphereMachineTemplate.
        assert_eq!(removed.len(), 5, "{report}");
        for entry in removed {
            assert!(entry.contains("_Not in the new stream._"), "{entry}");
        }
        let outside: String = objects
            .split("<details>")
            .map(|part| part.rsplit("</details>").next().unwrap_or(part))
            .collect();
        assert!(
            !outside.lines().any(|l| l.starts_with("- ")),
            "no object is listed apart from the entries: {outside}"
        );
        let first_removed = entries
            .iter()
            .position(|e| e.starts_with("removed "))
            .unwrap();
        assert!(
            entries[first_removed..]
                .iter()
                .all(|e| e.starts_with("removed ")),
            "removed entries follow the added and changed ones: {report}"
        );
    }
    assert!(short.chars().count() <= limit);
    assert!(short.contains("_Diff left out to stay under"), "{short}");
}

/// The API server stores every MachineDeployment and KubeadmConfigTemplate converted
/// to v1beta2 (api/core/v1beta1/conversion.go:1673-1694 and :654-661 for the
/// MachineDeployment, api/bootstrap/kubeadm/v1beta2/conversion.go:23-41 for the
/// kubelet flags), so rendering the same cluster for other API versions changes the
/// text of objects, not the cluster: no pool rolls, nothing is rejected.
#[test]
fn an_api_version_switch_of_an_unchanged_cluster_rolls_nothing() {
    let newest = full_stream(&[]);
    let oldest = full_stream(&[
        "apiVersions.capi=v1beta1",
        "apiVersions.capv=v1beta1",
        "apiVersions.kamaji=v1alpha1",
    ]);
    let capi_only = full_stream(&["apiVersions.capi=v1beta1"]);
    for (a, b) in [
        (&oldest, &newest),
        (&newest, &oldest),
        (&capi_only, &newest),
    ] {
        let report = diff(a, b, &[]).success();
        assert!(report.contains("~ MachineDeployment default/prod-eu-1-general-md"));
        for pool in [
            "prod-eu-1-general-md",
            "prod-eu-1-gpu-md",
            "prod-eu-1-batch-milan-a-md",
            "prod-eu-1-batch-milan-b-md",
        ] {
            assert_eq!(status_of(&report, pool), "unchanged", "{report}");
        }
        assert!(!report.contains("Rejected"), "{report}");
    }
}

/// CAPI compares the whole infrastructure reference, API group included
/// (core/reconcilers/machinedeployment/mdutil/util.go:392-396): another group for the
/// same template rolls the pool, but nothing was renamed, so the report names the group
/// and not the template twice.
#[test]
fn an_api_group_only_reference_change_rolls_without_a_new_name() {
    let old = rendered(&[]);
    let text = std::fs::read_to_string(old.arg()).expect("the stream");
    let from = "apiGroup: infrastructure.cluster.x-k8s.io\n        kind: VSphereMachineTemplate";
    assert!(text.contains(from), "{text}");
    let new = TempValues::named(
        "group.yaml",
        &text.replace(
            from,
            "apiGroup: vmware.infrastructure.cluster.x-k8s.io\n        kind: VSphereMachineTemplate",
        ),
    );
    let report = diff(&old, &new, &[]).success();
    assert_eq!(status_of(&report, "review-alpha-md"), "rolls", "{report}");
    assert!(
        report.contains(
            "spec.template.spec.infrastructureRef.apiGroup: infrastructure.cluster.x-k8s.io → vmware.infrastructure.cluster.x-k8s.io"
        ),
        "{report}"
    );
    assert!(!report.contains("new name"), "{report}");
    assert!(
        !report.contains("VSphereMachineTemplate review-"),
        "{report}"
    );
    assert!(
        !report.contains("prunable"),
        "no template is left behind:\n{report}"
    );
}

/// A stream with `edit` applied to the MachineDeployment `name`, as JSON documents.
fn with_deployment(stream: &TempValues, name: &str, edit: impl Fn(&mut Value)) -> TempValues {
    with_object(stream, "MachineDeployment", name, edit)
}

/// A stream with `edit` applied to every object of `kind` whose name starts with
/// `prefix`, as JSON documents.
fn with_object(
    stream: &TempValues,
    kind: &str,
    prefix: &str,
    edit: impl Fn(&mut Value),
) -> TempValues {
    let text = std::fs::read_to_string(stream.arg()).expect("the stream");
    let mut out = String::new();
    let mut edited = 0;
    for mut doc in documents(&text) {
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        if doc["kind"] == kind && name.starts_with(prefix) {
            edit(&mut doc);
            edited += 1;
        }
        out.push_str(&format!("---\n{doc}\n"));
    }
    assert!(edited > 0, "no {kind} {prefix}* in the stream");
    TempValues::named("edited.yaml", &out)
}

/// CAPI rolls once `spec.rollout.after` has passed and no MachineSet was created since
/// (core/reconcilers/machinedeployment/mdutil/util.go:480, :495-535): a future time rolls
/// then, a past one now; removing the time, or moving it before a time that has
/// already passed, rolls nothing. The v1beta1 `spec.rolloutAfter` converts to it
/// (api/core/v1beta1/conversion.go:1691-1693), and one instant in two spellings is one
/// value.
#[test]
fn rollout_after_rolls_at_its_time_and_removing_it_rolls_nothing() {
    let plain = rendered(&[]);
    let after = |stream: &TempValues, time: &'static str| {
        with_deployment(stream, "review-alpha-md", move |md| {
            md["spec"]["rollout"]["after"] = Value::from(time);
        })
    };
    let future = after(&plain, "2099-01-01T00:00:00Z");
    let report = diff(&plain, &future, &[]).success();
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "rolls later",
        "{report}"
    );
    assert!(
        report.contains(
            "rolls at 2099-01-01T00:00:00Z: spec.rollout.after: (unset) → 2099-01-01T00:00:00Z\n"
        ),
        "{report}"
    );
    assert_eq!(status_of(&report, "review-beta-md"), "unchanged");

    // The same instant, written by a v1beta1 render with another offset.
    let v1beta1 = rendered(&["--set", "apiVersions.capi=v1beta1"]);
    let same = with_deployment(&v1beta1, "review-alpha-md", |md| {
        md["spec"]["rolloutAfter"] = Value::from("2099-01-01T01:00:00+01:00");
    });
    let report = diff(&future, &same, &[]).success();
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "unchanged",
        "{report}"
    );

    let past = after(&plain, "2001-01-01T00:00:00Z");
    let report = diff(&plain, &past, &[]).success();
    assert_eq!(status_of(&report, "review-alpha-md"), "rolls", "{report}");
    assert!(
        report.contains(
            "spec.rollout.after: (unset) → 2001-01-01T00:00:00Z (passed: rolls now, unless a MachineSet was created since)"
        ),
        "{report}"
    );

    let earlier = after(&plain, "2000-01-01T00:00:00Z");
    for (old, new) in [(&past, &plain), (&future, &plain), (&past, &earlier)] {
        let report = diff(old, new, &[]).success();
        assert_eq!(
            status_of(&report, "review-alpha-md"),
            "in place",
            "{report}"
        );
        let line = report
            .lines()
            .find(|l| l.trim_start().starts_with("spec.rollout.after: "))
            .unwrap_or_else(|| panic!("{report}"));
        assert!(line.ends_with(" (in place, no roll)"), "{report}");
        assert!(!report.contains("rolls"), "{report}");
    }
}

/// A KubeadmConfigTemplate edited under the same name is accepted: CAPI's webhook only
/// validates the new object (bootstrap/kubeadm/webhooks/admission/
/// kubeadmconfigtemplate.go:93-95), nothing rolls since the reference did not change
/// (core/reconcilers/machinedeployment/mdutil/util.go:379-384), and the MachineSet
/// controller reads the template whenever it creates a machine
/// (core/reconcilers/machineset/machineset_controller.go:1899-1966): later machines get
/// the new content. CAPV makes only a VSphereMachineTemplate's spec.template.spec
/// immutable (internal/webhooks/vspheremachinetemplate.go:116-119): its
/// spec.template.metadata can change.
#[test]
fn templates_edited_in_place_are_accepted_where_no_webhook_refuses_them() {
    let old = rendered(&[]);
    let bootstrap = with_object(&old, "KubeadmConfigTemplate", "review-alpha-", |kct| {
        kct["spec"]["template"]["spec"]["postKubeadmCommands"] = Value::from(vec!["echo later"]);
    });
    let report = diff(&old, &bootstrap, &[]).success();
    assert!(
        report.contains("Accepted in place: nothing rolls, only what is created later changes\n"),
        "{report}"
    );
    let line = report
        .lines()
        .find(|l| l.contains("KubeadmConfigTemplate default/review-alpha-kubeadmconfig-"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        line.ends_with(
            "edited in place: accepted (CAPI has no immutability check for it), nothing rolls, but every machine created from now on (scale-up, autoscaler, health-check remediation) gets the new content while the others keep the old: the pool ends up mixed (give the changed template a new name to roll it)"
        ),
        "{line}"
    );
    assert!(line.trim_start().starts_with("~ "), "{line}");
    assert!(report.contains("spec.template.spec.postKubeadmCommands: (unset) → [\"echo later\"]"));
    assert!(!report.contains("Rejected"), "{report}");
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "unchanged",
        "{report}"
    );

    let labelled = with_object(&old, "VSphereMachineTemplate", "review-alpha-", |vmt| {
        vmt["spec"]["template"]["metadata"] = serde_json::json!({"labels": {"team": "a"}});
    });
    let report = diff(&old, &labelled, &[]).success();
    assert!(!report.contains("Rejected"), "{report}");
    assert!(
        report.contains("spec.template.metadata edited in place: accepted (CAPV makes only spec.template.spec immutable)"),
        "{report}"
    );
    let markdown = diff(&old, &labelled, &["-o", "markdown"]).success();
    assert!(
        markdown
            .contains("**Accepted in place: nothing rolls, only what is created later changes**"),
        "{markdown}"
    );
}

/// Deleting a MachineDeployment deletes its MachineSets
/// (core/reconcilers/machinedeployment/machinedeployment_controller.go:490-500), which
/// delete all their machines at once (core/reconcilers/machineset/
/// machineset_controller.go:588-594): a removed pool loses every machine without
/// surge, and a renamed pool (same machine template, new MachineDeployment name) is
/// deleted and recreated, not rolled.
#[test]
fn a_renamed_pool_is_deleted_and_recreated_not_rolled() {
    let old = rendered(&[]);
    let renamed = rendered(&["--set", "nodePools[0].name=gamma"]);
    let report = diff(&old, &renamed, &[]).success();
    assert_eq!(
        status_of(&report, "review-gamma-md"),
        "recreated",
        "{report}"
    );
    assert_eq!(status_of(&report, "review-alpha-md"), "removed", "{report}");
    assert_eq!(
        status_of(&report, "review-beta-md"),
        "unchanged",
        "{report}"
    );
    assert!(
        report.contains(
            "renamed from review-alpha-md: not a rolling update; review-alpha-md is deleted with all its machines at once and review-gamma-md creates its machines from scratch (keep the pool's name to roll it)\n"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "renamed to review-gamma-md: deleting a MachineDeployment deletes all its machines at once: no surge, no rolling replacement\n"
        ),
        "{report}"
    );

    // A pool removed, with no pool on its machine template added: only the deletion.
    let values = TWO_POOLS.replace("  - name: beta\n", "  - name: beta\n    numCPUs: 4\n");
    let render = |extra: &[&str]| {
        let file = TempValues::new(&values);
        let mut args = vec!["render", "-f", file.arg()];
        args.extend_from_slice(extra);
        TempValues::named("stream.yaml", &capkv(&args).success())
    };
    let two = render(&[]);
    let one = render(&[
        "--set-json",
        r#"nodePools=[{"name": "gamma", "template": "ubuntu-2404-kube-v1.32.0", "dataStore": "ds1", "network": "net1", "numCPUs": 8}]"#,
    ]);
    let report = diff(&two, &one, &[]).success();
    assert_eq!(status_of(&report, "review-gamma-md"), "added", "{report}");
    for pool in ["review-alpha-md", "review-beta-md"] {
        assert_eq!(status_of(&report, pool), "removed", "{report}");
    }
    let deletions = report
        .lines()
        .filter(|l| {
            l.trim()
                == "deleting a MachineDeployment deletes all its machines at once: no surge, no rolling replacement"
        })
        .count();
    assert_eq!(deletions, 2, "{report}");
    assert!(!report.contains("renamed"), "{report}");
}

/// CAPI's defaulting webhook parses both autoscaler annotations with
/// `strconv.ParseInt(s, 10, 32)` once both are present, and fails when one is not such
/// a number (core/webhooks/admission/machinedeployment.go:370-380): the hand-over is
/// refused and the pool keeps its count, rather than getting 1 as without annotations
/// (:426-430).
#[test]
fn a_hand_over_with_a_bound_that_is_not_a_number_is_refused_not_set_to_one() {
    let old = rendered(&["--set", "nodePools[0].replicas=4"]);
    let autoscaled = rendered(&[
        "--set",
        "nodePools[0].replicas=4,nodePools[0].autoscaling.enabled=true,nodePools[0].autoscaling.minSize=2,nodePools[0].autoscaling.maxSize=6",
    ]);
    let max = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size";
    for bad in ["six", "4294967296"] {
        let new = with_deployment(&autoscaled, "review-alpha-md", |md| {
            assert_eq!(md["metadata"]["annotations"][max], "6");
            md["metadata"]["annotations"][max] = Value::from(bad);
        });
        let report = diff(&old, &new, &[]).success();
        assert!(
            report.contains(&format!(
                "replicas removed, but annotation {max} is not a 32-bit integer: CAPI's webhook refuses the MachineDeployment, which keeps 4 machines\n"
            )),
            "{report}"
        );
        assert!(!report.contains("spec.replicas: 4 → 1"), "{report}");
        assert!(!report.contains("sets 1"), "{report}");
    }
}

/// `metav1.Time` decodes only `null` or an RFC 3339 time (kubernetes/apimachinery
/// pkg/apis/meta/v1/time.go:100-119, `time.Parse(time.RFC3339, ...)`): a rollout time
/// that is not one makes the API server refuse the MachineDeployment, so nothing rolls.
#[test]
fn a_rollout_time_that_is_not_a_time_is_rejected_not_rolled() {
    let plain = rendered(&[]);
    for bad in ["soon", "2099-01-01T00:00:00"] {
        let new = with_deployment(&plain, "review-alpha-md", |md| {
            md["spec"]["rollout"]["after"] = Value::from(bad);
        });
        let report = diff(&plain, &new, &[]).success();
        assert_eq!(
            status_of(&report, "review-alpha-md"),
            "unchanged",
            "{report}"
        );
        assert!(
            report.contains(
                "MachineDeployment default/review-alpha-md: spec.rollout.after is not an RFC 3339 time with an offset: the API server refuses the MachineDeployment, so nothing rolls"
            ),
            "{report}"
        );
        assert!(
            report.contains(&format!("spec.rollout.after: (unset) → {bad}")),
            "{report}"
        );
    }
}

/// CAPI leaves the machine template's labels and annotations out when it decides on a
/// rollout (core/reconcilers/machinedeployment/mdutil/util.go:423-425,
/// `MachineTemplateDeepCopyRolloutFields`), and the MachineSet controller writes them
/// onto every existing machine (core/reconcilers/machineset/machineset_controller.go:
/// 654-700, `syncMachines`): a node-role label is `in place`, not `unchanged`.
#[test]
fn a_machine_label_change_is_in_place_not_unchanged() {
    let old = rendered(&[]);
    let new = rendered(&["--set", "nodePools[0].labels=node-role.kubernetes.io/web="]);
    let report = diff(&old, &new, &[]).success();
    assert_eq!(
        status_of(&report, "review-alpha-md"),
        "in place",
        "{report}"
    );
    assert!(
        report.contains(
            "spec.template.metadata.labels[\"node-role.kubernetes.io/web\"]: (unset) → \"\" (in place, no roll)\n"
        ),
        "{report}"
    );
    assert_eq!(
        status_of(&report, "review-beta-md"),
        "unchanged",
        "{report}"
    );
    assert!(!report.contains("rolls"), "{report}");
}
