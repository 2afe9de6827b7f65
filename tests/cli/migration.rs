//! Moving a running Helm release of the chart to capkv (docs/chart.md "Moving a cluster from
//! the chart to capkv"): `capkv diff` of what Helm applied against what capkv renders
//! from the same values says which pools roll and which objects are left behind.
//! `tests/migration/chart-v0.1.0.yaml` is `helm template tenant-a` of the chart v0.1.0
//! (`scripts/chart-fixture`; CI checks it against the real helm).

use crate::support::{TempValues, capkv, repo_root};

fn migration_report(extra: &[&str]) -> String {
    let chart = repo_root().join("tests/migration/chart-v0.1.0.yaml");
    let mut args = vec![
        "render",
        "tenant-a",
        "-n",
        "tenants",
        "-f",
        "tests/chart-values/values-v0.1.0.yaml",
        "--api-profile",
        "v1beta1",
    ];
    args.extend_from_slice(extra);
    let rendered = TempValues::named("capkv.yaml", &capkv(&args).success());
    capkv(&["diff", chart.to_str().expect("UTF-8"), rendered.arg()]).success()
}

#[test]
fn the_chart_release_moves_to_capkv_with_every_pool_rolling_once() {
    let report = migration_report(&[]);
    // The template names carry capkv's content hash, so the pool rolls once.
    assert!(
        report.contains("  rolls  tenants/tenant-a-default-md\n"),
        "{report}"
    );
    assert!(
        report.contains("spec.template.spec.cloneMode: linkedClone → fullClone"),
        "{report}"
    );
    // The chart's RoleBinding in kube-system is not rendered by capkv: left to delete.
    assert!(
        report.contains(
            "  - RoleBinding kube-system/tenant-a-tenants:apiserver-authentication-reader"
        ),
        "{report}"
    );
    // Nothing that CAPI, CAPV or the workload cluster would reject.
    assert!(!report.contains("Rejected or ignored"), "{report}");
    // The Cluster, its control plane and infrastructure keep their names: nothing is
    // deleted or recreated, they are updated in place.
    for kept in [
        "  ~ Cluster tenants/tenant-a\n",
        "  ~ KamajiControlPlane tenants/tenant-a\n",
        "  ~ VSphereCluster tenants/tenant-a\n",
        "  ~ MachineDeployment tenants/tenant-a-default-md\n",
    ] {
        assert!(report.contains(kept), "{kept}: {report}");
    }
}

#[test]
fn keeping_the_charts_clone_mode_the_pool_still_rolls_once() {
    // capkv's templates differ from the chart's (the host name in /etc/hosts, no empty
    // fields), so even with the chart's linkedClone the pool gets new templates.
    let report = migration_report(&["--set", "nodePools[0].cloneMode=linkedClone"]);
    assert!(
        report.contains("  rolls  tenants/tenant-a-default-md\n"),
        "{report}"
    );
    assert!(
        !report.contains("cloneMode: linkedClone → fullClone"),
        "{report}"
    );
    assert!(report.contains("preKubeadmCommands[2]"), "{report}");
}
