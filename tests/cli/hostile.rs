//! Hostile input: every case ends in a clear error, exit code 1, nothing on stdout,
//! within a bounded time; never a panic, a stack overflow or a half-printed stream.

use crate::support::{capkv, capkv_with_stdin};
use std::io::Write;
use std::time::{Duration, Instant};

/// Generous for a debug build on a loaded CI machine; release runs take milliseconds.
const TIME_LIMIT: Duration = Duration::from_secs(5);

/// Each file under tests/corpus/ with the message it must produce.
const CORPUS: &[(&str, &str)] = &[
    (
        "tab-indent.yaml",
        "invalid YAML: line 2 column 2: tabs disallowed",
    ),
    (
        "unclosed-quote.yaml",
        "invalid YAML: line 2 column 9: while scanning a quoted scalar, found unexpected end of stream",
    ),
    (
        "bad-indentation.yaml",
        "invalid YAML: line 3 column 12: mapping values are not allowed in this context",
    ),
    (
        "wrong-type-int.yaml",
        "cluster.controlPlane.replicas: expected an integer, got \"three\"",
    ),
    (
        "wrong-type-bool.yaml",
        "vSphere.insecure: expected a boolean (true or false), got \"maybe\"",
    ),
    (
        "wrong-type-list.yaml",
        "ipamProvider.ranges: expected a list, got \"10.0.0.0/24\"",
    ),
    (
        "wrong-type-map.yaml",
        "cluster.controlPlane: expected a map, got \"v1.31.0\"",
    ),
    (
        "unknown-top.yaml",
        "vsphere: unknown key (did you mean \"vSphere\"?)",
    ),
    (
        "unknown-nested.yaml",
        "cluster.controlPlane.network.serviceTyp: unknown key (did you mean \"serviceType\"?)",
    ),
    (
        "unknown-in-list.yaml",
        "nodePools[0].autoscaling.minsize: unknown key (did you mean \"minSize\"?)",
    ),
    (
        "unknown-deep.yaml",
        "vSphereStorageControllerManager.storageClass.reclaimpolicy: unknown key (did you mean \"reclaimPolicy\"?)",
    ),
    (
        "duplicate-key.yaml",
        "invalid YAML: line 3 column 3: duplicate key: name",
    ),
    (
        "alias-bomb.yaml",
        "invalid YAML: line 6 column 8: alias replay limit exceeded",
    ),
    (
        "list-document.yaml",
        "document 1 is a list, expected a map of values",
    ),
    (
        "scalar-document.yaml",
        "document 1 is a string, expected a map of values",
    ),
];

#[track_caller]
fn fails_fast(args: &[&str], stdin: &str, message: &str) {
    let start = Instant::now();
    let run = capkv_with_stdin(args, stdin);
    let elapsed = start.elapsed();
    run.assert_fails(1, message);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(elapsed < TIME_LIMIT, "{args:?} took {elapsed:?}");
}

#[test]
fn every_corpus_file_fails_with_its_message() {
    for (file, message) in CORPUS {
        let path = format!("tests/corpus/{file}");
        fails_fast(&["render", "demo", "-f", &path], "", message);
        assert!(
            capkv(&["render", "demo", "-f", &path])
                .stderr
                .contains(&path),
            "{file}: names the file"
        );
    }
}

#[test]
fn an_empty_file_is_no_values_like_in_helm() {
    let out = capkv(&["render", "demo", "-f", "tests/corpus/empty.yaml"]).success();
    assert_eq!(out, capkv(&["render", "demo"]).success());
}

fn temp_file(bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("values.yaml");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write");
    let name = path.to_str().expect("UTF-8 path").to_owned();
    (dir, name)
}

#[test]
fn ten_thousand_levels_of_nesting() {
    // Block style needs indentation quadratic in depth: 1,000 levels are half a megabyte.
    let mut text = String::new();
    for depth in 0..1_000 {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    let (_dir, path) = temp_file(text.as_bytes());
    fails_fast(&["render", "demo", "-f", &path], "", "invalid YAML");
    let flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (_dir, path) = temp_file(flow.as_bytes());
    fails_fast(&["render", "demo", "-f", &path], "", "invalid YAML");
}

#[test]
fn a_fifty_megabyte_file_is_refused() {
    let mut text = String::from("cluster:\n  name: big\n  labels:\n");
    while text.len() < 50 * 1024 * 1024 {
        text.push_str("    # padding padding padding padding padding padding padding padding\n");
    }
    let (_dir, path) = temp_file(text.as_bytes());
    fails_fast(
        &["render", "demo", "-f", &path],
        "",
        "larger than the 16777216-byte limit",
    );
    fails_fast(
        &["render", "demo", "-f", "-"],
        &text,
        "larger than the 16777216-byte limit",
    );
}

#[test]
fn invalid_utf8_and_binary_garbage() {
    let (_dir, path) = temp_file(b"cluster:\n  name: \xff\xfe\n");
    fails_fast(&["render", "demo", "-f", &path], "", "is not UTF-8 text");
    // Deterministic pseudo-random bytes.
    let mut state: u32 = 0x1234_5678;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    let (_dir, path) = temp_file(&garbage);
    fails_fast(&["render", "demo", "-f", &path], "", "values.yaml");
}

#[test]
fn missing_file_and_directory_as_values() {
    fails_fast(
        &["render", "demo", "-f", "no/such/file.yaml"],
        "",
        "no/such/file.yaml: no such file",
    );
    fails_fast(
        &["render", "demo", "-f", "tests"],
        "",
        "tests: is a directory, expected a values file",
    );
}

#[test]
fn hostile_set_flags() {
    for (flag, value, message) in [
        (
            "--set",
            "a[",
            "sets nothing: a key is empty or a bracket is unbalanced",
        ),
        ("--set", "[0]=1", "sets nothing"),
        ("--set", "a[0]]=1", "--set \"a[0]]=1\""),
        ("--set", "a[]=1", "--set \"a[]=1\""),
        (
            "--set",
            "a[999999999]=1",
            "list index 999999999 is greater than the maximum of 65536",
        ),
        ("--set", "a..b=1", "the key name after \".\" is empty"),
        (
            "--set",
            "nodePools[x].replicas=3",
            "list index \"x\" is not a number",
        ),
        ("--set-json", "a={", "--set-json \"a={\""),
        ("--set-file", "a=/no/such/file", "cannot read file"),
    ] {
        fails_fast(&["values", flag, value], "", message);
    }
    let deep = format!("{}=1", vec!["a"; 40].join("."));
    fails_fast(&["values", "--set", &deep], "", "--set");
}

#[test]
fn passwords_never_appear_in_errors_or_values_output() {
    let secret = "s3cr3t-Value";
    let run = capkv(&[
        "render",
        "demo",
        "--set-json",
        &format!("vSphere.password={{\"x\":\"{secret}\"}}"),
    ]);
    run.assert_fails(1, "vSphere.password: expected a string");
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
    let run = capkv(&[
        "values",
        "--set-json",
        &format!("vSphere.password=\"{secret}"),
    ]);
    run.assert_fails(1, "--set-json \"vSphere.password=<redacted>\"");
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
    for args in [
        vec!["values"],
        vec!["values", "--raw"],
        vec!["values", "-o", "json"],
    ] {
        let mut args = args.clone();
        args.extend([
            "--set",
            "vSphere.password=s3cr3t-Value",
            "--set",
            "nodePools[0].users[0].passwd=s3cr3t-Value",
        ]);
        let out = capkv(&args).success();
        assert!(!out.contains(secret), "{args:?}: {out}");
        assert!(out.contains("<redacted>"));
    }
    let shown = capkv(&[
        "values",
        "--show-secrets",
        "--set",
        "vSphere.password=s3cr3t-Value",
    ])
    .success();
    assert!(shown.contains(secret));
}

#[test]
fn values_are_data_never_templates() {
    let out = capkv(&[
        "render",
        "demo",
        "--set",
        "vSphere.secret.create=true",
        "--set-literal",
        "vSphere.password={{ 7*7 }}{% if true %}x{% endif %}",
        "--set-literal",
        "nodePools[0].template={{ values }}",
    ])
    .success();
    assert!(
        out.contains("password: \"{{ 7*7 }}{% if true %}x{% endif %}\""),
        "{out}"
    );
    assert!(out.contains("template: \"{{ values }}\""), "{out}");
    assert!(!out.contains("49"));
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_capkv"))
        .args(["render", "-f", "examples/full.yaml"])
        .current_dir(crate::support::repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close the read end at once, like `capkv render | head -0`.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
