//! Property tests of the rendering boundary: any string a user puts into a string-typed
//! value comes out byte for byte at its place in the stream, and never changes the
//! stream's documents or keys (no YAML injection, no template injection).

use capkv::output::{self, Emitted};
use capkv::render::Renderer;
use capkv::validate;
use capkv::values::{self, SetKind, Sources};
use proptest::prelude::*;
use serde_json::Value;

/// (values path, kind of the object it lands in, JSON pointer to it there).
const PLACES: &[(&str, &str, &str)] = &[
    ("vSphere.password", "Secret", "/stringData/password"),
    (
        "nodePools[0].template",
        "VSphereMachineTemplate",
        "/spec/template/spec/template",
    ),
    (
        "nodePools[0].preKubeadmCommands[0]",
        "KubeadmConfigTemplate",
        "/spec/template/spec/preKubeadmCommands/3",
    ),
    (
        "nodePools[0].additionalCloudInitFiles",
        "KubeadmConfigTemplate",
        "/spec/template/spec/files/0/content",
    ),
    (
        "cluster.controlPlane.network.serviceAnnotations.note",
        "KamajiControlPlane",
        "/spec/network/serviceAnnotations/note",
    ),
    (
        "nodePools[0].users[0].sshAuthorizedKeys[0]",
        "KubeadmConfigTemplate",
        "/spec/template/spec/users/0/sshAuthorizedKeys/0",
    ),
];

fn render(place: &str, value: &str) -> Result<Vec<Value>, String> {
    let sources = Sources {
        sets: vec![
            (SetKind::Set, "vSphere.secret.create=true".into()),
            (
                SetKind::String,
                "vSphere.password=not-the-placeholder".into(),
            ),
            (SetKind::Literal, format!("{place}={value}")),
        ],
        ..Sources::default()
    };
    let (_, values) = values::load(&sources).map_err(|e| e.to_string())?;
    let findings = validate::check(&values, "demo", "default");
    if findings.has_errors() {
        return Err(format!("{:?}", findings.0));
    }
    let documents = output::sort(
        Renderer::default()
            .render_with(&values, "demo", "default", Emitted::new)
            .map_err(|e| e.to_string())?,
    );
    let stream = output::stream(&documents);
    serde_saphyr::from_multiple::<Value>(&stream)
        .map_err(|e| format!("output is not YAML: {e}\n{stream}"))
}

/// Kind and key paths of every document: the stream's shape (names may change: template
/// names carry a hash of their content).
fn shape(docs: &[Value]) -> Vec<String> {
    fn keys(value: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            for (key, child) in map {
                let path = format!("{prefix}/{key}");
                out.push(path.clone());
                keys(child, &path, out);
            }
        }
    }
    docs.iter()
        .map(|d| {
            let mut paths = Vec::new();
            keys(d, "", &mut paths);
            format!("{} {}", d["kind"], paths.join(","))
        })
        .collect()
}

static BASELINES: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"'\\\\\n\r\t:#{}%\\-\\[\\] ,&*!|>@`=?~]{1,40}",
        "(---|\\.\\.\\.|\\{\\{ 7\\*7 \\}\\}|\\{% if x %\\}|: |# |- |yes|on|0644|null|~|\\n|\\t){1,8}",
        "\\PC{500,1500}",
    ]
    .prop_filter("the cases below need a non-empty value", |s| !s.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_string_arrives_byte_exact_and_adds_no_structure(value in hostile_string()) {
        let baselines = BASELINES.get_or_init(|| PLACES.iter().map(|(place, _, _)| shape(&render(place, "plain").expect("baseline renders"))).collect());
        for ((place, kind, pointer), baseline) in PLACES.iter().zip(baselines) {
            let docs = render(place, &value).map_err(|e| TestCaseError::fail(format!("{place}: {e}")))?;
            prop_assert_eq!(baseline, &shape(&docs), "{} changed the stream's shape", place);
            let doc = docs.iter().find(|d| d["kind"] == *kind).expect("object rendered");
            prop_assert_eq!(doc.pointer(pointer).and_then(Value::as_str), Some(value.as_str()), "{}", place);
        }
    }
}

/// Loads, checks and renders `sources` as `render` does: the documents in output
/// order, or the errors of the checks (or of rendering) as text.
fn checked_render(sources: &Sources, name: Option<&str>) -> Result<Vec<Emitted>, String> {
    let (_, values) = values::load(sources).map_err(|e| e.to_string())?;
    let cluster = validate::cluster_name(&values, name).map_err(|e| e.to_string())?;
    let findings = validate::check(&values, cluster, "default");
    if findings.has_errors() {
        return Err(findings
            .errors()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"));
    }
    Renderer::default()
        .render_with(&values, cluster, "default", Emitted::new)
        .map(output::sort)
        .map_err(|e| e.to_string())
}

/// Renders with one extra control-plane label and one extra service annotation.
fn render_with_metadata(key: &str, value: &str) -> Result<Vec<Value>, String> {
    let overlay = serde_json::json!({"cluster": {"controlPlane": {
        "labels": {key: value},
        "network": {"serviceAnnotations": {key: value}},
    }}});
    let sources = Sources {
        sets: vec![(SetKind::Json, overlay.to_string())],
        ..Sources::default()
    };
    let documents = checked_render(&sources, Some("demo"))?;
    capkv::selfcheck::check_facts(documents.iter().map(|doc| &doc.facts))
        .map_err(|problems| format!("internal error: {problems:?}"))?;
    serde_saphyr::from_multiple::<Value>(&output::stream(&documents)).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Label and annotation keys and values from the user either arrive exactly or are
    /// refused with an error that names the values path; never an internal error.
    #[test]
    fn metadata_keys_arrive_or_are_refused_clearly(
        key in prop_oneof!["[a-z0-9A-Z./_-]{1,70}", any::<String>()],
        value in prop_oneof!["[a-zA-Z0-9._-]{0,70}", any::<String>()],
    ) {
        match render_with_metadata(&key, &value) {
            Ok(docs) => {
                let kcp = docs.iter().find(|d| d["kind"] == "KamajiControlPlane").expect("KCP");
                prop_assert_eq!(kcp["metadata"]["labels"][key.as_str()].as_str(), Some(value.as_str()));
                prop_assert_eq!(kcp["spec"]["network"]["serviceAnnotations"][key.as_str()].as_str(), Some(value.as_str()));
            }
            Err(message) => {
                prop_assert!(!message.contains("internal error"), "{}", message);
                prop_assert!(
                    message.contains("cluster.controlPlane.labels") || message.contains("cluster.controlPlane.network.serviceAnnotations"),
                    "{}", message
                );
            }
        }
    }
}

/// String-typed values of every kind of destination: YAML objects, the CPI's YAML
/// config, the CSI's INI config, names.
const STRING_KEYS: &[&str] = &[
    "vSphere.dataCenter",
    "vSphere.server",
    "vSphere.tlsThumbprint",
    "vSphere.caFile",
    "vSphereStorageControllerManager.username",
    "vSphereStorageControllerManager.password",
    "vSphereCloudControllerManager.password",
    "vSphereCloudControllerManager.image.tag",
    "nodePools[0].folder",
    "nodePools[0].resourcePool",
    "nodePools[0].labels",
    "nodePools[0].taints",
    "nodePools[0].users[0].name",
    "cluster.controlPlane.version",
    "cluster.controlPlane.dataStoreName",
];

/// `examples/full.yaml` (every controller on, every Secret created) with one value set.
fn render_full_with(key: &str, value: &str) -> Result<(), String> {
    let sources = Sources {
        files: vec![format!("{}/examples/full.yaml", env!("CARGO_MANIFEST_DIR"))],
        sets: vec![(SetKind::Literal, format!("{key}={value}"))],
        ..Sources::default()
    };
    let stream = output::stream(&checked_render(&sources, None)?);
    serde_saphyr::from_multiple::<Value>(&stream)
        .map(drop)
        .map_err(|e| format!("internal error: the output is not YAML: {e}"))
}

fn control_heavy_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{85}\\u{fffe}\\u{ffff}a-z \"\\\\]{1,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// No value makes the renderer fail: any string in any string-typed key renders, or
    /// is refused with an error that names its values path.
    #[test]
    fn any_string_renders_or_is_refused_at_its_path(value in control_heavy_string()) {
        for key in STRING_KEYS {
            if let Err(message) = render_full_with(key, &value) {
                prop_assert!(!message.contains("internal error"), "{}: {}", key, message);
                let named = message.contains(key) || message.starts_with("error: cluster.name") || message.contains("nodePools[0]");
                prop_assert!(named, "{}: {}", key, message);
            }
        }
    }
}
