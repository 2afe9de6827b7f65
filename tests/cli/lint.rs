//! `capkv lint`: every finding on stderr with its path and file, the summary on stdout
//! only when it passes, exit 1 on errors (or warnings with `--strict`); and `render`,
//! which refuses on errors only and shows no warnings.

use crate::support::{TempValues, capkv, documents};
use capkv::render::Document;

/// Values with no finding at all: the defaults warn about the thumbprint and the gateway.
pub(crate) const CLEAN: &str = "vSphere:\n  secret:\n    name: demo-vsphere\n  tlsThumbprint: \"AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD\"\nipamProvider:\n  ranges: [\"192.168.0.10-192.168.0.200\"]\n  gateway: 192.168.0.1\n";

#[test]
fn clean_values_pass_with_a_summary_on_stdout() {
    let clean = TempValues::new(CLEAN);
    let run = capkv(&["lint", "demo", "-f", clean.arg()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "lint: 0 errors, 0 warnings\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn warnings_are_printed_and_pass_unless_strict() {
    let run = capkv(&["lint", "demo"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "lint: 0 errors, 3 warnings\n");
    assert!(
        run.stderr
            .contains("warning: vSphere.tlsThumbprint: empty while vSphere.insecure is false")
    );
    assert!(
        run.stderr
            .contains("(from values.yaml (built-in defaults))")
    );
    assert_eq!(run.stderr.lines().count(), 3, "{}", run.stderr);
    assert!(run.stderr.contains(
        "warning: vSphere.secret.name: Secret \"vsphere-secret\" is not named after this cluster"
    ));

    let strict = capkv(&["lint", "demo", "--strict"]);
    strict.assert_fails(1, "warning: vSphere.tlsThumbprint");
    assert!(
        strict
            .stderr
            .ends_with("lint: 0 errors, 3 warnings (--strict: warnings fail)\n"),
        "{}",
        strict.stderr
    );
}

#[test]
fn every_finding_is_reported_not_only_the_first() {
    let clean = TempValues::new(CLEAN);
    let broken = TempValues::new(
        "nodePools:\n  - name: a\n    template: t\n    dataStore: d\n    network: net\n    numCPUs: 1\n    diskGiB: 0\n    autoscaling: {enabled: true, minSize: 4, maxSize: 6}\n",
    );
    let run = capkv(&["lint", "demo", "-f", clean.arg(), "-f", broken.arg()]);
    run.assert_fails(1, "error: nodePools[0].numCPUs: 1 is too small");
    let from = format!("(from {})", broken.arg());
    // replicas is the defaults' 3, so the warning names the defaults as its origin.
    assert!(
        run.stderr
            .contains("warning: nodePools[0].replicas: 3 is outside the autoscaling bounds [4, 6]"),
        "{}",
        run.stderr
    );
    for line in [
        "error: nodePools[0].numCPUs: ",
        "error: nodePools[0].diskGiB: ",
    ] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with(line) && l.ends_with(&from)),
            "{line}…{from} in:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.ends_with("lint: 2 errors, 1 warning\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn values_that_do_not_load_are_one_error_with_their_file() {
    let broken = TempValues::new("nodePools:\n  - name: a\n    numCPUs: many\n");
    let run = capkv(&["lint", "demo", "-f", broken.arg()]);
    run.assert_fails(
        1,
        "error: nodePools[0].numCPUs: expected an integer, got \"many\"",
    );
    assert!(run.stderr.contains(broken.arg()), "{}", run.stderr);
    assert!(run.stderr.ends_with("lint: 1 error, 0 warnings\n"));
    capkv(&["lint"]).assert_fails(1, "error: cluster.name: no cluster name");
}

#[test]
fn origins_name_the_flag_and_the_name_argument() {
    let run = capkv(&["lint", "demo", "--set", "nodePools[0].numCPUs=1"]);
    run.assert_fails(
        1,
        "error: nodePools[0].numCPUs: 1 is too small: CAPV requires at least 2 vCPUs (from --set flags)",
    );
    capkv(&["lint", "1st", "--set", "cluster.metrics.enabled=true"])
        .assert_fails(1, "change cluster.name (from the NAME argument)");
}

#[test]
fn lint_takes_the_api_profile_flag() {
    let clean = TempValues::new(CLEAN);
    let run = capkv(&[
        "lint",
        "demo",
        "-f",
        clean.arg(),
        "--api-profile",
        "v1beta1",
    ]);
    assert_eq!(run.stdout, "lint: 0 errors, 0 warnings\n", "{}", run.stderr);
    capkv(&["lint", "demo", "--api-profile", "v9"]).assert_fails(2, "invalid value");
}

#[test]
fn render_refuses_on_errors_and_shows_no_warnings() {
    let run = capkv(&["render", "demo"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "", "render prints no warnings");
    let run = capkv(&["render", "demo", "--set", "nodePools[0].numCPUs=1"]);
    run.assert_fails(1, "error: nodePools[0].numCPUs: 1 is too small");
    assert!(!run.stderr.contains("warning:"), "{}", run.stderr);
}

/// What `render` prints passes the self-check when checked again from outside, for the
/// defaults and for every feature switched on, in both API profiles.
#[test]
fn rendered_output_passes_the_self_check() {
    for args in [
        &["render", "demo"][..],
        &["render", "-f", "examples/full.yaml"],
        &["render", "demo", "--api-profile", "v1beta1"],
        &[
            "render",
            "-f",
            "examples/full.yaml",
            "--api-profile",
            "v1beta1",
        ],
    ] {
        let out = capkv(args).success();
        let docs: Vec<Document> = documents(&out)
            .into_iter()
            .map(|value| Document {
                source: "stdout".into(),
                value,
            })
            .collect();
        assert!(docs.len() > 5, "{args:?}");
        assert_eq!(capkv::selfcheck::check(&docs), Ok(()), "{args:?}");
    }
}
