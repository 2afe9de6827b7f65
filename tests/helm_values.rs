//! Helm's values semantics, from vectors recorded with the real helm v4.1.4
//! (`tests/helm-values/*.tsv`, copied from the shared conformance kit): every row runs
//! through capkv's values library and must give Helm's result, except the three
//! documented differences from Helm, whose rows are asserted against capkv's own result.
//!
//! One test function on purpose: the rows name files relative to the vectors' folder, so
//! the test changes the process's working directory, which no other test here shares.

use capkv::values::{self, SetKind, Sources};
use serde_json::{Value, json};
use std::path::PathBuf;

struct Case {
    table: &'static str,
    id: String,
    flags: Vec<String>,
    expected: Result<Value, String>,
}

fn load(table: &'static str) -> Vec<Case> {
    let text = std::fs::read_to_string(table).unwrap_or_else(|e| panic!("{table}: {e}"));
    let mut defaults = String::from("defaults.yaml");
    let mut cases = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("# defaults:") {
            path.trim().clone_into(&mut defaults);
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() || line.starts_with("id\t") {
            continue;
        }
        let columns: Vec<&str> = line.splitn(3, '\t').collect();
        let [id, flags, expected] = columns[..] else {
            panic!("malformed row in {table}: {line}");
        };
        let mut flags: Vec<String> = serde_json::from_str(flags).expect("flags are a JSON list");
        if flags.first().map(String::as_str) != Some("--defaults") {
            flags.splice(0..0, ["--defaults".to_owned(), defaults.clone()]);
        }
        let expected = match expected.strip_prefix("ERROR:") {
            Some(message) => Err(message.trim().to_owned()),
            None => Ok(serde_json::from_str(expected).expect("expected is JSON")),
        };
        cases.push(Case {
            table,
            id: id.to_owned(),
            flags,
            expected,
        });
    }
    cases
}

/// The argv of a row as capkv's values sources (the same flags as the CLI).
fn sources(flags: &[String]) -> Sources {
    let mut sources = Sources::default();
    let mut args = flags.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"))
            .clone();
        let kind = match flag.as_str() {
            "--defaults" => {
                sources.defaults = Some(value);
                continue;
            }
            "-f" | "--values" => {
                sources.files.extend(value.split(',').map(str::to_owned));
                continue;
            }
            "--set" => SetKind::Set,
            "--set-string" => SetKind::String,
            "--set-json" => SetKind::Json,
            "--set-file" => SetKind::File,
            "--set-literal" => SetKind::Literal,
            other => panic!("unknown flag {other}"),
        };
        sources.sets.push((kind, value));
    }
    sources
}

/// Helm passes every number through float64; compare numbers as Helm would print them.
fn same(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => expected == got,
    }
}

/// What capkv does instead of Helm: succeed and pass a check, or fail.
type Outcome = Result<fn(&Value), ()>;

/// The documented differences from Helm (docs/values.md "Differences from Helm"), by row: the
/// difference's number and capkv's outcome.
fn deliberate_difference(id: &str) -> Option<(u8, Outcome)> {
    Some(match id {
        // 1. An index into a list that only the defaults have patches that list.
        "list-index-1-replaces-chart-list" => (
            1,
            Ok(|v| {
                assert_eq!(v["nodePools"][0]["name"], "default");
                assert_eq!(v["nodePools"][0]["machineType"], "m5.large");
                assert_eq!(v["nodePools"][1]["name"], "x");
                assert_eq!(v["nodePools"][1]["taints"][0]["key"], "nvidia.com/gpu");
            }),
        ),
        "list-index-gap-scalar-list" => (
            1,
            Ok(|v| assert_eq!(v["extraArgs"], json!(["--v=2", "--foo"]))),
        ),
        "null-list-element" => (
            1,
            Ok(|v| {
                assert_eq!(v["nodePools"][0], Value::Null);
                assert_eq!(v["nodePools"][1]["name"], "gpu");
            }),
        ),
        // 2. A key given twice in one file is an error (YAML 1.1 `on`/`yes` collide too).
        "vf-duplicate-key-nested-last-wins"
        | "vf-yaml11-bool-keys"
        | "vf-yaml11-bool-key-collision" => (2, Err(())),
        // 3. Integers keep their exact value.
        "json-bigint" => (
            3,
            Ok(|v| assert_eq!(v["a"], json!(12_345_678_901_234_567_890_u64))),
        ),
        _ => return None,
    })
}

#[test]
fn every_recorded_helm_vector() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/helm-values");
    std::env::set_current_dir(&dir).expect("vectors folder");
    let cases: Vec<Case> = load("set-cases.tsv")
        .into_iter()
        .chain(load("values-cases.tsv"))
        .collect();
    assert!(cases.len() > 100, "the vectors were found");
    let mut failures = Vec::new();
    let mut differences = [0; 3];
    for case in &cases {
        let got = values::merge(&sources(&case.flags)).map(|m| m.tree);
        let label = format!("{}:{} {:?}", case.table, case.id, case.flags);
        match (deliberate_difference(&case.id), &case.expected, got) {
            (Some((n, Ok(check))), _, Ok(value)) => {
                assert!(
                    case.expected.as_ref().ok() != Some(&value),
                    "{label}: no longer differs from Helm"
                );
                check(&value);
                differences[usize::from(n - 1)] += 1;
            }
            (Some((n, Err(()))), Ok(_), Err(_)) => differences[usize::from(n - 1)] += 1,
            (Some(_), _, got) => {
                failures.push(format!("{label}: deliberate difference not met: {got:?}"));
            }
            (None, Ok(expected), Ok(value)) if same(expected, &value) => {}
            (None, Err(_), Err(_)) => {}
            (None, expected, got) => {
                failures.push(format!("{label}:\n  helm:  {expected:?}\n  capkv: {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ from Helm:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(
        differences,
        [3, 3, 1],
        "each deliberate difference is exercised"
    );
}
