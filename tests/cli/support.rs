use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts a clean failure: the exit code, nothing on stdout, and the message.
    #[track_caller]
    pub(crate) fn assert_fails(&self, code: i32, stderr_contains: &str) {
        assert_eq!(self.code, code, "exit code; stderr:\n{}", self.stderr);
        assert!(
            self.stdout.is_empty(),
            "stdout must be empty on failure:\n{}",
            self.stdout
        );
        assert!(
            self.stderr.contains(stderr_contains),
            "stderr does not contain {stderr_contains:?}:\n{}",
            self.stderr
        );
    }

    /// Asserts that stderr holds every one of `expected`.
    #[track_caller]
    pub(crate) fn assert_stderr_has_all(&self, expected: &[&str]) {
        for expected in expected {
            assert!(
                self.stderr.contains(expected),
                "{expected}:\n{}",
                self.stderr
            );
        }
    }

    /// `expected` is in stderr; the failure names the case (the flags or values) that
    /// should have produced it.
    #[track_caller]
    pub(crate) fn assert_finding(&self, case: impl std::fmt::Debug, expected: &str) {
        assert!(
            self.stderr.contains(expected),
            "{case:?}: expected {expected:?} in:\n{}",
            self.stderr
        );
    }

    #[track_caller]
    pub(crate) fn success(self) -> String {
        assert_eq!(self.code, 0, "stderr:\n{}", self.stderr);
        self.stdout
    }
}

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn capkv(args: &[&str]) -> Run {
    capkv_with_stdin(args, "")
}

pub(crate) fn capkv_with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_capkv"))
        .args(args)
        .current_dir(repo_root())
        .env_remove("CAPKV_NAMESPACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("capkv binary runs");
    if let Some(mut input) = child.stdin.take() {
        // The binary may exit before reading (e.g. on a usage error).
        let _ = input.write_all(stdin.as_bytes());
    }
    let output = child.wait_with_output().expect("capkv finishes");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// `capkv lint demo -f VALUES` of a values file with `values` as its content.
pub(crate) fn lint_demo(values: &str) -> Run {
    capkv(&["lint", "demo", "-f", TempValues::new(values).arg()])
}

/// A values file in a temporary directory that lives as long as the returned guard.
pub(crate) struct TempValues {
    _dir: tempfile::TempDir,
    pub(crate) path: PathBuf,
}

impl TempValues {
    pub(crate) fn new(content: &str) -> Self {
        Self::named("values.yaml", content)
    }

    /// Any file (a rendered stream, say) in a temporary directory of its own.
    pub(crate) fn named(name: &str, content: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(content.as_bytes()))
            .expect("write values");
        TempValues { _dir: dir, path }
    }

    pub(crate) fn arg(&self) -> &str {
        self.path.to_str().expect("UTF-8 temp path")
    }
}

/// `capkv render -f examples/full.yaml` with `--set` of each of `sets`, in a file of
/// its own.
pub(crate) fn full_stream(sets: &[&str]) -> TempValues {
    let mut args = vec!["render", "-f", "examples/full.yaml"];
    for set in sets {
        args.extend(["--set", set]);
    }
    TempValues::named("stream.yaml", &capkv(&args).success())
}

/// The text report of `capkv diff OLD NEW`.
pub(crate) fn diff_report(old: &TempValues, new: &TempValues) -> String {
    capkv(&["diff", old.arg(), new.arg()]).success()
}

/// Parses a rendered stream into its documents (as JSON values).
pub(crate) fn documents(stream: &str) -> Vec<serde_json::Value> {
    stream
        .split("\n---\n")
        .map(|d| d.trim_start_matches("---\n"))
        .filter(|d| !d.trim().is_empty())
        .map(|d| {
            let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(d).expect("valid YAML");
            docs.into_iter().next().expect("one document")
        })
        .collect()
}

/// `Kind/name` of every document, in stream order.
pub(crate) fn object_ids(stream: &str) -> Vec<String> {
    documents(stream)
        .iter()
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap_or(""),
                d["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// The name of the one object of `kind` whose name starts with `prefix`.
pub(crate) fn name_of(stream: &str, kind: &str, prefix: &str) -> String {
    let matches: Vec<String> = object_ids(stream)
        .into_iter()
        .filter_map(|id| id.strip_prefix(&format!("{kind}/")).map(str::to_owned))
        .filter(|name| name.starts_with(prefix))
        .collect();
    assert_eq!(matches.len(), 1, "{kind} {prefix}*: {matches:?}");
    matches.into_iter().next().unwrap_or_default()
}

/// The JSON schema `capkv schema` prints.
pub(crate) fn schema() -> serde_json::Value {
    serde_json::from_str(&capkv(&["schema"]).success()).expect("schema is JSON")
}

/// The schema's complaints about a values file, as `path: message`.
pub(crate) fn schema_errors(schema: &serde_json::Value, text: &str) -> Vec<String> {
    let validator = jsonschema::draft7::new(schema).expect("schema compiles");
    capkv::yaml::parse_values_documents(text)
        .expect("values file is YAML")
        .iter()
        .flat_map(|doc| {
            validator
                .iter_errors(doc)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub(crate) fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo_root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// The first document of `kind`; the test fails when there is none.
#[track_caller]
pub(crate) fn of_kind<'a>(docs: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in the stream"))
}

/// The documents of `capkv render -f examples/full.yaml` with extra arguments.
pub(crate) fn render_full(extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["render", "-f", "examples/full.yaml"];
    args.extend_from_slice(extra);
    documents(&capkv(&args).success())
}

/// The document of `kind` named `name`; the test fails when there is none.
#[track_caller]
pub(crate) fn find<'a>(
    docs: &'a [serde_json::Value],
    kind: &str,
    name: &str,
) -> &'a serde_json::Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not rendered"))
}

/// The CSI driver's `csi-vsphere.conf` of `examples/full.yaml`, read as gcfg reads it
/// (quoted values, escapes).
pub(crate) fn csi_ini(docs: &[serde_json::Value]) -> ini::Ini {
    let secret = find(docs, "Secret", "prod-eu-1-csi-config-secret");
    let text = secret["stringData"]["csi-vsphere.conf"]
        .as_str()
        .expect("csi-vsphere.conf");
    let options = ini::ParseOption {
        enabled_quote: true,
        enabled_escape: true,
        ..ini::ParseOption::default()
    };
    ini::Ini::load_from_str_opt(text, options).expect("csi-vsphere.conf is INI")
}

/// The objects a ClusterResourceSet carries into the workload cluster: every document
/// of every ConfigMap's data.
pub(crate) fn workload_objects(docs: &[serde_json::Value]) -> Vec<serde_json::Value> {
    docs.iter()
        .filter(|d| d["kind"] == "ConfigMap")
        .flat_map(|cm| cm["data"].as_object().cloned().unwrap_or_default())
        .flat_map(|(_, text)| {
            serde_saphyr::from_multiple::<serde_json::Value>(text.as_str().unwrap_or_default())
                .expect("payload is YAML")
        })
        .collect()
}

/// The pools `capkv diff`'s text report says roll (`rolls`, `rolls later`), one line each:
/// the report's own words elsewhere ("no worker rolls") are not verdicts.
pub(crate) fn rolling_pools(report: &str) -> Vec<&str> {
    report
        .lines()
        .skip_while(|line| *line != "Node pools")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter(|line| {
            line.strip_prefix("  ")
                .is_some_and(|l| l.starts_with("rolls"))
        })
        .collect()
}
