//! Strict input (#18): a wrong shape is refused at its path, whatever the layer it came
//! from, and a closed set lists what it allows.

use crate::support::{TempValues, capkv};

/// serde's own vocabulary never reaches users.
#[track_caller]
fn assert_plain(stderr: &str) {
    for internal in [
        "invalid length",
        "struct ",
        "sequence",
        "unit value",
        "variant",
    ] {
        assert!(!stderr.contains(internal), "{internal:?} in: {stderr}");
    }
}

#[test]
fn a_list_where_a_map_is_expected_is_refused_at_its_path() {
    for (args, path) in [
        (vec!["--set", "vSphere[0]=x"], "vSphere"),
        (
            vec!["--set-json", "vSphereCloudControllerManager=[false]"],
            "vSphereCloudControllerManager",
        ),
        (
            vec!["--set-json", "cluster.controlPlane.kubelet=[]"],
            "cluster.controlPlane.kubelet",
        ),
        (
            vec!["--set-json", "nodePools[0].users=[[\"ubuntu\"]]"],
            "nodePools[0].users[0]",
        ),
    ] {
        let mut all = vec!["render", "demo"];
        all.extend(args);
        let run = capkv(&all);
        run.assert_fails(
            1,
            &format!("error: {path}: expected a map, got a list (from --set flags)"),
        );
        assert_plain(&run.stderr);
    }
}

#[test]
fn a_list_or_a_tagged_sequence_in_a_file_is_not_read_by_position() {
    for (text, path) in [
        (
            "vSphere: !!python/object/apply:os.system [\"true\"]\n",
            "vSphere",
        ),
        (
            "nodePools:\n  - [default, ubuntu, datastore, network]\n",
            "nodePools[0]",
        ),
        ("ipamProvider: [false, [10.0.0.0/24]]\n", "ipamProvider"),
    ] {
        let file = TempValues::new(text);
        let run = capkv(&["render", "demo", "-f", file.arg()]);
        run.assert_fails(
            1,
            &format!(
                "error: {path}: expected a map, got a list (from {})",
                file.arg()
            ),
        );
        assert_plain(&run.stderr);
    }
}

#[test]
fn closed_sets_list_the_values_they_allow() {
    for (key, value, allowed) in [
        (
            "vSphereCloudControllerManager.image.pullPolicy",
            "Sometimes",
            "\"Always\", \"IfNotPresent\", \"Never\"",
        ),
        (
            "vSphereStorageControllerManager.imagePullPolicy",
            "always",
            "\"Always\", \"IfNotPresent\", \"Never\"",
        ),
        (
            "vSphereStorageControllerManager.logLevel",
            "DEBUG",
            "\"PRODUCTION\", \"DEVELOPMENT\"",
        ),
        (
            "vSphereStorageControllerManager.storageClass.reclaimPolicy",
            "Recycle",
            "\"Delete\", \"Retain\"",
        ),
        (
            "vSphereStorageControllerManager.storageClass.volumeBindingMode",
            "Lazy",
            "\"Immediate\", \"WaitForFirstConsumer\"",
        ),
        (
            "cluster.controlPlane.network.serviceType",
            "Ingress",
            "\"ClusterIP\", \"NodePort\", \"LoadBalancer\"",
        ),
        (
            "cluster.controlPlane.kubelet.cgroupfs",
            "cgroupv2",
            "\"systemd\", \"cgroupfs\"",
        ),
        (
            "nodePools[0].cloneMode",
            "instantClone",
            "\"fullClone\", \"linkedClone\"",
        ),
    ] {
        let run = capkv(&["render", "demo", "--set", &format!("{key}={value}")]);
        run.assert_fails(
            1,
            &format!("error: {key}: expected one of {allowed}, got \"{value}\" (from --set flags)"),
        );
        assert_plain(&run.stderr);
    }
}

#[test]
fn the_schema_lists_the_same_closed_sets() {
    let schema: serde_json::Value =
        serde_json::from_str(&capkv(&["schema"]).success()).expect("JSON");
    let text = schema.to_string();
    for value in [
        "WaitForFirstConsumer",
        "DEVELOPMENT",
        "IfNotPresent",
        "cgroupfs",
        "InternalDNS",
    ] {
        assert!(text.contains(&format!("\"{value}\"")), "{value}");
    }
}

#[test]
fn a_value_cannot_forge_a_line_or_drive_the_terminal_on_stderr() {
    let run = capkv(&[
        "lint",
        "demo",
        "--set-string",
        "cluster.controlPlane.labels.team=x\n::error file=main.rs::forged\u{1b}[2J",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for line in run.stderr.lines() {
        assert!(
            line.starts_with("error: ")
                || line.starts_with("warning: ")
                || line.starts_with("lint: "),
            "{line:?}"
        );
    }
    assert!(!run.stderr.contains('\u{1b}'));
    // Reported at the label's own path.
    assert!(
        run.stderr.contains("error: cluster.controlPlane.labels.team: label team=\"x\\n::error file=main.rs::forged\\u{1b}[2J\""),
        "{}",
        run.stderr
    );
}

#[test]
fn characters_yaml_cannot_carry_raw_arrive_escaped_and_byte_exact() {
    let value = "a\u{7f}b\u{9f}c\u{fffe}d\u{85}e";
    let out = capkv(&[
        "render",
        "demo",
        "--set-string",
        &format!("nodePools[0].template={value}"),
    ])
    .success();
    let docs = crate::support::documents(&out);
    let template = crate::support::of_kind(&docs, "VSphereMachineTemplate");
    assert_eq!(template["spec"]["template"]["spec"]["template"], value);
}

#[test]
fn a_key_yaml_cannot_carry_is_refused_at_its_path() {
    let key = "k".repeat(1100);
    capkv(&[
        "render",
        "demo",
        "--set-json",
        &format!("cluster.controlPlane.addons.coreDNS={{\"{key}\":1}}"),
    ])
    .assert_fails(
        1,
        "error: cluster.controlPlane.addons.coreDNS: a key of more than 1024 characters",
    );
}

#[test]
fn a_number_written_with_spaces_renders_as_the_number() {
    let out = capkv(&["render", "demo", "--set-string", "ipamProvider.prefix= 24"]).success();
    assert!(out.contains("\n  prefix: 24\n"), "{out}");
}

#[test]
fn empty_set_arguments_are_ignored_as_helm_ignores_them() {
    let plain = capkv(&["render", "demo"]).success();
    for flag in [
        ["--set", ""],
        ["--set", "=x"],
        ["--set", ".a=x"],
        ["--set-json", "{}"],
    ] {
        assert_eq!(
            capkv(&["render", "demo", flag[0], flag[1]]).success(),
            plain,
            "{flag:?}"
        );
    }
    capkv(&["render", "demo", "--set", "a["]).assert_fails(1, "sets nothing");
}

#[test]
fn diff_never_prints_a_password_hash_of_a_user() {
    let render = |hash: &str| {
        TempValues::named(
            "stream.yaml",
            &capkv(&[
                "render",
                "demo",
                "--set",
                &format!("nodePools[0].users[0].passwd={hash}"),
            ])
            .success(),
        )
    };
    let (old, new) = (
        render("$6$rounds$AAAAsecret"),
        render("$6$rounds$BBBBsecret"),
    );
    let report = capkv(&["diff", old.arg(), new.arg()]).success();
    assert!(!report.contains("secret"), "{report}");
    assert!(
        report.contains("users[0].passwd: (hidden) → (hidden, changed)"),
        "{report}"
    );
}

#[cfg(unix)]
#[test]
fn every_reader_stops_at_its_limit_on_an_endless_input() {
    for (args, message) in [
        (
            vec!["render", "demo", "-f", "/dev/zero"],
            "/dev/zero: is larger than the 16777216-byte limit",
        ),
        (
            vec!["render", "demo", "--defaults", "/dev/zero"],
            "/dev/zero: is larger than the 16777216-byte limit",
        ),
        (
            vec!["render", "demo", "--set-file", "vSphere.password=/dev/zero"],
            "cannot read file \"/dev/zero\" for \"vSphere.password\": is larger than the 16777216-byte limit",
        ),
        (
            vec!["diff", "/dev/zero", "/dev/zero"],
            "/dev/zero: cannot read: is larger than the 67108864-byte limit",
        ),
    ] {
        let started = std::time::Instant::now();
        capkv(&args).assert_fails(1, message);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{args:?}"
        );
    }
}

#[test]
fn a_values_file_written_by_pyyaml_with_thousands_of_aliases_loads() {
    // PyYAML writes a shared object once with an anchor and an alias at every other use.
    let mut text = String::from("nodePools:\n");
    for i in 0..1500 {
        let users = if i == 0 {
            "&ops [{name: ops, sudo: 'ALL=(ALL) NOPASSWD:ALL'}]"
        } else {
            "*ops"
        };
        text.push_str(&format!(
            "  - {{name: p{i}, template: t, dataStore: d, network: net, users: {users}}}\n"
        ));
    }
    let file = TempValues::new(&text);
    let out = capkv(&["render", "demo", "-f", file.arg()]).success();
    assert_eq!(out.matches("kind: MachineDeployment").count(), 1500);
}

#[test]
fn thousands_of_set_flags_and_a_diff_of_thousands_of_objects_take_linear_time() {
    let flags: Vec<String> = (0..8000)
        .flat_map(|i| {
            [
                "--set".to_owned(),
                format!("cluster.controlPlane.labels.k{i}=v"),
            ]
        })
        .collect();
    let mut args = vec!["values", "demo"];
    args.extend(flags.iter().map(String::as_str));
    let started = std::time::Instant::now();
    let out = capkv(&args).success();
    assert!(out.contains("k7999: v"));
    // Quadratic (a copy of the tree per flag) took minutes here; linear takes well under.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    let mut pools = String::from("nodePools:\n");
    for i in 0..1500 {
        pools.push_str(&format!(
            "  - {{name: p{i}, template: t, dataStore: d, network: net}}\n"
        ));
    }
    let values = TempValues::new(&pools);
    let render = |extra: &str| {
        TempValues::named(
            "s.yaml",
            &capkv(&["render", "demo", "-f", values.arg(), "--set", extra]).success(),
        )
    };
    let (old, new) = (
        render("cluster.controlPlane.version=v1.31.0"),
        render("cluster.controlPlane.version=v1.31.1"),
    );
    let started = std::time::Instant::now();
    let report = capkv(&["diff", old.arg(), new.arg()]).success();
    assert_eq!(report.matches("  rolls  default/demo-p").count(), 1500);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_runaway_number_of_pools_stops_at_the_documented_limit() {
    let mut text = String::from("nodePools:\n");
    for i in 0..5001 {
        text.push_str(&format!(
            "  - {{name: p{i}, template: t, dataStore: d, network: net}}\n"
        ));
    }
    let file = TempValues::new(&text);
    capkv(&["render", "demo", "-f", file.arg()]).assert_fails(
        1,
        "error: nodePools: 5001 node pools: capkv renders at most 5000",
    );
}

#[test]
fn diff_reads_streams_of_thousands_of_documents_off_the_fast_path() {
    // Anchors take the stream to serde-saphyr, whose document limit is for values files.
    let mut stream = String::new();
    for i in 0..1500 {
        stream.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: default\ndata:\n  k: &a v\n  j: *a\n"));
    }
    let file = TempValues::named("stream.yaml", &stream);
    let report = capkv(&["diff", file.arg(), file.arg()]).success();
    assert!(report.starts_with("No changes"), "{report}");
}

/// Helm reads YAML 1.1: `network: n` is the boolean false, not the network "n". The
/// error says so, as an editor set to YAML 1.2 shows a string there.
#[test]
fn a_yaml_1_1_boolean_where_a_string_is_expected_is_explained() {
    let file = crate::support::TempValues::new(
        "nodePools:\n  - name: a\n    template: t\n    dataStore: ds\n    network: n\n",
    );
    capkv(&["render", "demo", "-f", file.arg()]).assert_fails(
        1,
        "nodePools[0].network: expected a string, got false (YAML 1.1 reads an unquoted y, n, yes, no, on or off as a boolean: quote it)",
    );
}
