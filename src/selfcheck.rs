//! Output self-check: before anything is printed, every rendered document is checked
//! for what the API server and the CAPI controllers need from the stream as a whole.
//! The values checks run first and blame the user; whatever reaches this point and
//! fails is a bug in capkv (a template or a derived name), so the stream is never
//! printed.
//!
//! Checked: `apiVersion`, `kind` and `metadata.name` present; names valid for their
//! kind; namespaces, label keys and values, annotation keys valid at every `metadata`;
//! no two objects with one identity (API group, kind, namespace, name); references
//! resolvable inside the stream (MachineDeployment → templates and Cluster, Cluster →
//! control plane and infrastructure, ClusterResourceSet → resources and a Cluster it
//! selects, VSphereMachineTemplate → IP pools), with the same apiVersion when the
//! reference carries one.

//!
//! The check runs in two steps so that a large stream need not stay parsed: [`Facts`]
//! takes what the check needs from each document while it exists (problems of the
//! document alone, its identity, its references), and [`check_facts`] checks the
//! stream's facts together.

use crate::names::{NameRule, is_dns1123_label, label_key_problem, label_value_problem};
use crate::render::Document;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// Group, kind, namespace, name: what the API server keys an object by.
type IdKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The stream's objects by identity: document index and facts. Hashed with foldhash:
/// a large cluster has thousands of objects, and the keys are our own output.
type Objects<'a> = HashMap<IdKey<'a>, (usize, &'a Facts), foldhash::fast::RandomState>;

/// What the self-check needs of one document. Kept for every document of the stream
/// until the check, so it holds few allocations: messages are formatted only when a
/// problem is reported.
#[derive(Debug, Clone)]
pub struct Facts {
    source: String,
    /// Empty when the document has none (or an empty one).
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
    /// Problems of the document alone (names, namespaces, labels, annotations).
    problems: Vec<String>,
    /// What must hold in the stream as a whole, in the order it is reported.
    checks: Vec<Check>,
    /// A Cluster's labels, which ClusterResourceSet selectors are matched against.
    cluster_labels: Option<Value>,
}

/// The object as messages name it: kind, name and template.
#[derive(Clone, Copy)]
struct What<'a> {
    kind: &'a str,
    name: &'a str,
    source: &'a str,
}

impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} \"{}\" ({})", self.kind, self.name, self.source)
    }
}

/// A path in a document as messages show it (`spec.resources[0]`).
type At = Cow<'static, str>;

#[derive(Debug, Clone)]
enum Check {
    /// A problem decided from the document alone, reported with the references.
    Problem(String),
    /// A reference that must name an object of the output (same namespace), and with
    /// `api_version` when it carries one.
    Resolves {
        at: At,
        group: String,
        kind: String,
        name: String,
        api_version: Option<String>,
    },
    /// A Cluster of the output with this name.
    ClusterExists { at: At, name: String },
    /// At least one Cluster of the output whose labels hold all of these.
    SelectsCluster { selector: Map<String, Value> },
}

/// `Err` with one problem per entry, each a capkv bug; `Ok` when the stream is sound.
pub fn check(documents: &[Document]) -> Result<(), Vec<String>> {
    let facts: Vec<Facts> = documents
        .iter()
        .map(|doc| Facts::of(&doc.source, &doc.value))
        .collect();
    check_facts(&facts)
}

/// [`check`] of documents given by their facts, in stream order.
pub fn check_facts<'a>(facts: impl IntoIterator<Item = &'a Facts>) -> Result<(), Vec<String>> {
    let facts: Vec<&Facts> = facts.into_iter().collect();
    let mut problems = Vec::new();
    let mut objects: Objects<'_> =
        HashMap::with_capacity_and_hasher(facts.len(), foldhash::fast::RandomState::default());
    for (index, fact) in facts.iter().enumerate() {
        if !fact.is_complete() {
            problems.push(format!(
                "document {} ({}) has no {}",
                index + 1,
                fact.source,
                fact.missing().join(", no ")
            ));
            continue;
        }
        problems.extend(fact.problems.iter().cloned());
        match objects.get(&fact.key()) {
            Some((first, _)) => problems.push(format!(
                "{} is rendered twice (documents {} and {})",
                fact.what(),
                first + 1,
                index + 1
            )),
            None => {
                objects.insert(fact.key(), (index, fact));
            }
        }
    }
    for fact in &facts {
        if fact.is_complete() {
            for check in &fact.checks {
                check_in_stream(check, fact, &objects, &mut problems);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_in_stream(check: &Check, from: &Facts, objects: &Objects<'_>, problems: &mut Vec<String>) {
    let what = from.what();
    let find = |group: &str, kind: &str, name: &str| {
        objects
            .get(&(group, kind, from.namespace.as_str(), name))
            .map(|(_, fact)| *fact)
    };
    match check {
        Check::Problem(problem) => problems.push(problem.clone()),
        Check::Resolves {
            at,
            group,
            kind,
            name,
            api_version,
        } => match find(group, kind, name) {
            None => problems.push(format!(
                "{what}: {at} names {kind} \"{name}\"{}, which is not in the output",
                if group.is_empty() {
                    String::new()
                } else {
                    format!(" of {group}")
                }
            )),
            Some(target) => {
                if let Some(version) = api_version
                    && *version != target.api_version
                {
                    problems.push(format!(
                        "{what}: {at} asks for {kind} \"{name}\" as {version}, but it is rendered as {}",
                        target.api_version
                    ));
                }
            }
        },
        Check::ClusterExists { at, name } => {
            if find("cluster.x-k8s.io", "Cluster", name).is_none() {
                problems.push(format!(
                    "{what}: {at} names Cluster \"{name}\", which is not in the output"
                ));
            }
        }
        Check::SelectsCluster { selector } => {
            let selected = objects.iter().any(|(id, (_, fact))| {
                let (group, kind, namespace, _) = *id;
                kind == "Cluster"
                    && group == "cluster.x-k8s.io"
                    && namespace == from.namespace
                    && fact.cluster_labels.as_ref().is_some_and(|labels| {
                        selector.iter().all(|(k, v)| labels.get(k) == Some(v))
                    })
            });
            if !selected {
                problems.push(format!(
                    "{what}: spec.clusterSelector selects no Cluster of the output"
                ));
            }
        }
    }
}

impl Facts {
    /// The facts of one document, with the problems it has on its own.
    pub fn of(source: &str, doc: &Value) -> Facts {
        fn text(value: Option<&Value>) -> &str {
            value.and_then(Value::as_str).unwrap_or_default()
        }
        let metadata = doc.get("metadata");
        let mut facts = Facts {
            source: source.to_owned(),
            api_version: text(doc.get("apiVersion")).to_owned(),
            kind: text(doc.get("kind")).to_owned(),
            namespace: String::new(),
            name: text(metadata.and_then(|m| m.get("name"))).to_owned(),
            problems: Vec::new(),
            checks: Vec::new(),
            cluster_labels: None,
        };
        if !facts.is_complete() {
            return facts;
        }
        let namespace = metadata.and_then(|m| m.get("namespace"));
        text(namespace).clone_into(&mut facts.namespace);
        let what = facts.what();
        let mut problems = Vec::new();
        check_names(doc, &facts, namespace.is_some(), what, &mut problems);
        let checks = checks(doc, &facts.kind, what);
        if facts.kind == "Cluster" {
            facts.cluster_labels = Some(
                metadata
                    .and_then(|m| m.get("labels"))
                    .filter(|labels| labels.as_object().is_some())
                    .map_or_else(|| Value::Object(Map::new()), Value::clone),
            );
        }
        facts.problems = problems;
        facts.checks = checks;
        facts
    }

    /// The object's kind, empty when it has none.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The object's `metadata.name`, empty when it has none.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn is_complete(&self) -> bool {
        !(self.api_version.is_empty() || self.kind.is_empty() || self.name.is_empty())
    }

    /// The identity fields the document lacks.
    fn missing(&self) -> Vec<&'static str> {
        [
            (&self.api_version, "apiVersion"),
            (&self.kind, "kind"),
            (&self.name, "metadata.name"),
        ]
        .into_iter()
        .filter(|(value, _)| value.is_empty())
        .map(|(_, field)| field)
        .collect()
    }

    fn key(&self) -> IdKey<'_> {
        (
            group_of(&self.api_version),
            &self.kind,
            &self.namespace,
            &self.name,
        )
    }

    fn what(&self) -> What<'_> {
        What {
            kind: &self.kind,
            name: &self.name,
            source: &self.source,
        }
    }
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// `/spec/resources/0/name` → `spec.resources[0].name`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').filter(|s| !s.is_empty()) {
        if segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

fn check_names(
    doc: &Value,
    facts: &Facts,
    has_namespace: bool,
    what: What<'_>,
    problems: &mut Vec<String>,
) {
    let rule = NameRule::for_kind(&facts.kind);
    if !rule.accepts(&facts.name) {
        problems.push(format!("{what}: the name is not {}", rule.describe()));
    }
    if has_namespace && !is_dns1123_label(&facts.namespace) {
        problems.push(format!(
            "{what}: namespace \"{}\" is not a DNS-1123 label",
            facts.namespace
        ));
    }
    check_metadata(doc, "", what, problems);
}

/// Every `metadata` at any depth (the object's, pod templates'): labels and annotations.
fn check_metadata(value: &Value, at: &str, what: What<'_>, problems: &mut Vec<String>) {
    let mut path = Vec::new();
    walk_metadata(value, &mut path, at, what, problems);
}

/// One step of the path to a nested `metadata` map: its text is built only when a
/// problem is reported, not for every node of every document.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn walk_metadata<'a>(
    value: &'a Value,
    path: &mut Vec<Step<'a>>,
    at: &str,
    what: What<'_>,
    problems: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(Step::Key(key));
                if key == "metadata" && child.as_object().is_some() {
                    check_labels(child, &|| path_text(at, path), what, problems);
                }
                walk_metadata(child, path, at, what, problems);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk_metadata(item, path, at, what, problems);
                path.pop();
            }
        }
        _ => {}
    }
}

fn path_text(at: &str, path: &[Step<'_>]) -> String {
    let mut text = at.to_owned();
    for step in path {
        match step {
            Step::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

fn check_labels(
    metadata: &Value,
    at: &dyn Fn() -> String,
    what: What<'_>,
    problems: &mut Vec<String>,
) {
    for field in ["labels", "annotations"] {
        let Some(map) = metadata.get(field) else {
            continue;
        };
        let Some(map) = map.as_object() else {
            problems.push(format!("{what}: {}.{field} is not a map", at()));
            continue;
        };
        for (key, value) in map {
            if let Some(problem) = label_key_problem(key) {
                problems.push(format!("{what}: {}.{field} key \"{key}\": {problem}", at()));
            }
            let Some(text) = value.as_str() else {
                problems.push(format!(
                    "{what}: {}.{field} \"{key}\" is not a string",
                    at()
                ));
                continue;
            };
            if field == "labels"
                && let Some(problem) = label_value_problem(text)
            {
                problems.push(format!(
                    "{what}: {}.labels {key}=\"{text}\": the value {problem}",
                    at()
                ));
            }
        }
    }
}

/// The stream-wide checks of one document: its references, in the order reported.
fn checks(doc: &Value, kind: &str, what: What<'_>) -> Vec<Check> {
    let mut checks = Vec::new();
    match kind {
        "Cluster" => {
            checks.push(reference(
                doc,
                ("/spec/controlPlaneRef", "spec.controlPlaneRef".into()),
                Some("KamajiControlPlane"),
                what,
            ));
            checks.push(reference(
                doc,
                ("/spec/infrastructureRef", "spec.infrastructureRef".into()),
                Some("VSphereCluster"),
                what,
            ));
        }
        "MachineHealthCheck" => {
            checks.push(
                match lookup(doc, "/spec/clusterName").and_then(Value::as_str) {
                    Some(name) => Check::ClusterExists {
                        at: "spec.clusterName".into(),
                        name: name.to_owned(),
                    },
                    None => Check::Problem(format!("{what}: no spec.clusterName")),
                },
            );
            // A health check selecting no pool's machines checks nothing.
            let deployment = "/spec/selector/matchLabels/cluster.x-k8s.io~1deployment-name";
            checks.push(match lookup(doc, deployment).and_then(Value::as_str) {
                Some(name) => Check::Resolves {
                    at: "spec.selector.matchLabels".into(),
                    group: "cluster.x-k8s.io".into(),
                    kind: "MachineDeployment".into(),
                    name: name.to_owned(),
                    api_version: None,
                },
                None => Check::Problem(format!(
                    "{what}: spec.selector does not select a MachineDeployment's machines"
                )),
            });
        }
        "MachineDeployment" => {
            for (pointer, at) in [
                ("/spec/clusterName", "spec.clusterName"),
                (
                    "/spec/template/spec/clusterName",
                    "spec.template.spec.clusterName",
                ),
            ] {
                checks.push(match lookup(doc, pointer).and_then(Value::as_str) {
                    Some(name) => Check::ClusterExists {
                        at: at.into(),
                        name: name.to_owned(),
                    },
                    None => Check::Problem(format!("{what}: no {at}")),
                });
            }
            checks.push(reference(
                doc,
                (
                    "/spec/template/spec/bootstrap/configRef",
                    "spec.template.spec.bootstrap.configRef".into(),
                ),
                Some("KubeadmConfigTemplate"),
                what,
            ));
            checks.push(reference(
                doc,
                (
                    "/spec/template/spec/infrastructureRef",
                    "spec.template.spec.infrastructureRef".into(),
                ),
                Some("VSphereMachineTemplate"),
                what,
            ));
        }
        "ClusterResourceSet" => {
            let count = array_len(doc, "/spec/resources");
            if count == 0 {
                checks.push(Check::Problem(format!("{what}: spec.resources is empty")));
            }
            checks.push(
                match lookup(doc, "/spec/clusterSelector/matchLabels").cloned() {
                    Some(Value::Object(selector)) if !selector.is_empty() => {
                        Check::SelectsCluster { selector }
                    }
                    _ => Check::Problem(format!(
                        "{what}: spec.clusterSelector.matchLabels is empty (CAPI refuses an empty selector)"
                    )),
                },
            );
            for i in 0..count {
                let pointer = format!("/spec/resources/{i}");
                let at = dotted(&pointer).into();
                checks.push(reference(doc, (&pointer, at), None, what));
            }
        }
        "KamajiControlPlane" => control_plane_volumes(doc, what, &mut checks),
        "VSphereMachineTemplate" => {
            let devices = "/spec/template/spec/network/devices";
            for d in 0..array_len(doc, devices) {
                let pools = format!("{devices}/{d}/addressesFromPools");
                for p in 0..array_len(doc, &pools) {
                    let pointer = format!("{pools}/{p}");
                    let at = dotted(&pointer).into();
                    checks.push(reference(doc, (&pointer, at), None, what));
                }
            }
        }
        _ => {}
    }
    checks
}

/// Every volume the API server mounts is a volume of the pod (Kamaji adds the mounts
/// and the volumes as given, and the kubelet refuses a pod with a mount of no volume),
/// and a ConfigMap volume names a ConfigMap of the output: capkv renders every
/// ConfigMap the control plane mounts (a Secret may be the user's own).
fn control_plane_volumes(doc: &Value, what: What<'_>, checks: &mut Vec<Check>) {
    let volumes = "/spec/deployment/extraVolumes";
    let volume_names: Vec<&str> = lookup(doc, volumes)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|v| v["name"].as_str()).collect())
        .unwrap_or_default();
    let mounts = "/spec/apiServer/extraVolumeMounts";
    for m in 0..array_len(doc, mounts) {
        let pointer = format!("{mounts}/{m}/name");
        let name = lookup(doc, &pointer).and_then(Value::as_str);
        if !name.is_some_and(|name| volume_names.contains(&name)) {
            checks.push(Check::Problem(format!(
                "{what}: {} mounts no volume of spec.deployment.extraVolumes",
                dotted(&pointer)
            )));
        }
    }
    for v in 0..array_len(doc, volumes) {
        let pointer = format!("{volumes}/{v}/configMap/name");
        if let Some(name) = lookup(doc, &pointer).and_then(Value::as_str) {
            checks.push(Check::Resolves {
                at: dotted(&pointer).into(),
                group: String::new(),
                kind: "ConfigMap".into(),
                name: name.to_owned(),
                api_version: None,
            });
        }
    }
}

fn array_len(doc: &Value, pointer: &str) -> usize {
    lookup(doc, pointer)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// A reference `{apiGroup|apiVersion, kind, name}` to an object in the same namespace,
/// at a pointer into the document (with the path messages show).
fn reference(
    doc: &Value,
    (pointer, at): (&str, At),
    expected_kind: Option<&str>,
    what: What<'_>,
) -> Check {
    let Some(reference) = lookup(doc, pointer).filter(|r| r.as_object().is_some()) else {
        return Check::Problem(format!("{what}: no {at}"));
    };
    let field = |key: &str| reference.get(key).and_then(Value::as_str);
    let (Some(kind), Some(name)) = (field("kind"), field("name")) else {
        return Check::Problem(format!("{what}: {at} has no kind or no name"));
    };
    if let Some(expected) = expected_kind
        && kind != expected
    {
        return Check::Problem(format!(
            "{what}: {at} names a {kind}, expected a {expected}"
        ));
    }
    let api_version = field("apiVersion");
    let group = match (field("apiGroup"), api_version) {
        (Some(group), _) => group,
        (None, Some(version)) => group_of(version),
        // Core kinds (a ClusterResourceSet's ConfigMaps and Secrets) carry no group.
        (None, None) => "",
    };
    Check::Resolves {
        at,
        group: group.to_owned(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        api_version: api_version.map(str::to_owned),
    }
}

/// `Value::pointer` without its copy of every segment (capkv's pointers never hold
/// the `~` escapes it undoes): the self-check looks up several paths per document.
fn lookup<'n>(value: &'n Value, pointer: &str) -> Option<&'n Value> {
    value.pointer(pointer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(value: Value) -> Document {
        Document {
            source: "templates/test.yaml".into(),
            value,
        }
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "namespace": "ns", "labels": {"cluster.x-k8s.io/cluster-name": "c"}})
    }

    /// A small stream with every kind of reference the check follows (v1beta2 shapes).
    fn sound() -> Vec<Value> {
        vec![
            json!({"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster", "metadata": meta("c"),
                "spec": {
                    "controlPlaneRef": {"apiGroup": "controlplane.cluster.x-k8s.io", "kind": "KamajiControlPlane", "name": "c"},
                    "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "VSphereCluster", "name": "c"}}}),
            json!({"apiVersion": "controlplane.cluster.x-k8s.io/v1alpha2", "kind": "KamajiControlPlane", "metadata": meta("c")}),
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "VSphereCluster", "metadata": meta("c")}),
            json!({"apiVersion": "ipam.cluster.x-k8s.io/v1alpha2", "kind": "InClusterIPPool", "metadata": meta("c")}),
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "VSphereMachineTemplate", "metadata": meta("c-p-vmt"),
                "spec": {"template": {"spec": {"network": {"devices": [{"addressesFromPools": [
                    {"apiGroup": "ipam.cluster.x-k8s.io", "kind": "InClusterIPPool", "name": "c"}]}]}}}}}),
            json!({"apiVersion": "bootstrap.cluster.x-k8s.io/v1beta2", "kind": "KubeadmConfigTemplate", "metadata": meta("c-p-kct")}),
            json!({"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "MachineDeployment", "metadata": meta("c-p-md"),
                "spec": {"clusterName": "c", "template": {"metadata": {"labels": {"a": "b"}}, "spec": {
                    "clusterName": "c",
                    "bootstrap": {"configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io", "kind": "KubeadmConfigTemplate", "name": "c-p-kct"}},
                    "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "VSphereMachineTemplate", "name": "c-p-vmt"}}}}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("c-csi-node")}),
            json!({"apiVersion": "addons.cluster.x-k8s.io/v1beta2", "kind": "ClusterResourceSet", "metadata": meta("c-vsphere-csi"),
                "spec": {"clusterSelector": {"matchLabels": {"cluster.x-k8s.io/cluster-name": "c"}},
                    "resources": [{"kind": "ConfigMap", "name": "c-csi-node"}]}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": meta("c-metrics")}),
        ]
    }

    fn problems(values: Vec<Value>) -> Vec<String> {
        let docs: Vec<Document> = values.into_iter().map(doc).collect();
        check(&docs).err().unwrap_or_default()
    }

    /// Breaks the sound stream with `edit` and returns the problems found.
    fn broken(edit: impl FnOnce(&mut Vec<Value>)) -> Vec<String> {
        let mut values = sound();
        edit(&mut values);
        problems(values)
    }

    fn find<'a>(values: &'a mut [Value], kind: &str) -> &'a mut Value {
        values
            .iter_mut()
            .find(|v| v["kind"] == kind)
            .expect("kind in the sound stream")
    }

    #[track_caller]
    fn assert_one(problems: &[String], needle: &str) {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].contains(needle), "{needle:?} in {problems:#?}");
    }

    #[test]
    fn control_plane_mounts_need_their_volumes_and_config_maps() {
        let found = broken(|v| {
            find(v, "KamajiControlPlane")["spec"] = json!({
                "apiServer": {"extraVolumeMounts": [{"name": "a", "mountPath": "/a"}]},
                "deployment": {"extraVolumes": [{"name": "b", "secret": {"secretName": "s"}}]},
            });
        });
        assert_one(
            &found,
            "spec.apiServer.extraVolumeMounts[0].name mounts no volume of spec.deployment.extraVolumes",
        );
        let found = broken(|v| {
            find(v, "KamajiControlPlane")["spec"] = json!({
                "apiServer": {"extraVolumeMounts": [{"name": "a", "mountPath": "/a"}]},
                "deployment": {"extraVolumes": [{"name": "a", "configMap": {"name": "missing"}}]},
            });
        });
        assert_one(
            &found,
            "spec.deployment.extraVolumes[0].configMap.name names ConfigMap \"missing\", which is not in the output",
        );
    }

    #[test]
    fn a_sound_stream_passes() {
        assert_eq!(problems(sound()), Vec::<String>::new());
    }

    #[test]
    fn identity_fields_must_be_present() {
        let found = broken(|v| {
            v.push(json!({"kind": "ConfigMap", "metadata": {}}));
        });
        assert_one(
            &found,
            "document 11 (templates/test.yaml) has no apiVersion, no metadata.name",
        );
    }

    #[test]
    fn names_must_be_valid_for_their_kind() {
        let found = broken(|v| find(v, "Service")["metadata"]["name"] = json!("1-metrics"));
        assert_one(
            &found,
            "Service \"1-metrics\" (templates/test.yaml): the name is not a DNS-1035 label",
        );
        let found = broken(|v| find(v, "ConfigMap")["metadata"]["name"] = json!("Bad_Name"));
        // The ClusterResourceSet's reference now dangles too.
        assert!(found[0].contains("ConfigMap \"Bad_Name\""), "{found:#?}");
        let long = "m".repeat(64);
        let found = broken(|v| {
            let md = find(v, "MachineDeployment");
            md["metadata"]["name"] = json!(long);
        });
        assert_one(&found, "of at most 63 characters");
        let found =
            broken(|v| find(v, "KamajiControlPlane")["metadata"]["namespace"] = json!("Bad"));
        assert!(
            found.iter().any(|p| p.contains("namespace \"Bad\"")),
            "{found:#?}"
        );
    }

    #[test]
    fn labels_and_annotations_must_be_valid_at_every_metadata() {
        let found = broken(|v| {
            find(v, "VSphereCluster")["metadata"]["labels"]["bad key"] = json!("x");
        });
        assert_one(&found, "metadata.labels key \"bad key\"");
        let found = broken(|v| {
            find(v, "MachineDeployment")["spec"]["template"]["metadata"]["labels"]["a"] =
                json!("-x");
        });
        assert_one(&found, "spec.template.metadata.labels a=\"-x\"");
        let found = broken(|v| {
            find(v, "VSphereCluster")["metadata"]["annotations"] = json!({"a b": "anything goes"});
        });
        assert_one(&found, "metadata.annotations key \"a b\"");
        let found = broken(|v| {
            find(v, "VSphereCluster")["metadata"]["labels"]["n"] = json!(3);
        });
        assert_one(&found, "metadata.labels \"n\" is not a string");
    }

    #[test]
    fn duplicates_are_found_by_group_kind_namespace_and_name() {
        let found = broken(|v| {
            let copy = find(v, "InClusterIPPool").clone();
            v.push(copy);
        });
        assert_one(
            &found,
            "InClusterIPPool \"c\" (templates/test.yaml) is rendered twice (documents 4 and 11)",
        );
        // Same name in another namespace, kind or group: distinct objects.
        assert!(
            broken(|v| {
                let mut other_ns = find(v, "InClusterIPPool").clone();
                other_ns["metadata"]["namespace"] = json!("other");
                let mut other_group = find(v, "ConfigMap").clone();
                other_group["apiVersion"] = json!("example.com/v1");
                v.push(other_ns);
                v.push(other_group);
            })
            .is_empty()
        );
    }

    #[test]
    fn machine_deployment_references_must_resolve() {
        let found = broken(|v| {
            find(v, "MachineDeployment")["spec"]["template"]["spec"]["infrastructureRef"]["name"] =
                json!("gone");
        });
        assert_one(
            &found,
            "spec.template.spec.infrastructureRef names VSphereMachineTemplate \"gone\" of infrastructure.cluster.x-k8s.io, which is not in the output",
        );
        let found = broken(|v| {
            find(v, "MachineDeployment")["spec"]["template"]["spec"]["bootstrap"]["configRef"]["apiGroup"] =
                json!("cluster.x-k8s.io");
        });
        assert_one(
            &found,
            "bootstrap.configRef names KubeadmConfigTemplate \"c-p-kct\" of cluster.x-k8s.io",
        );
        let found = broken(|v| {
            find(v, "MachineDeployment")["spec"]["template"]["spec"]["bootstrap"]["configRef"]["kind"] =
                json!("KubeadmConfig");
        });
        assert_one(
            &found,
            "names a KubeadmConfig, expected a KubeadmConfigTemplate",
        );
        let found = broken(|v| find(v, "MachineDeployment")["spec"]["clusterName"] = json!("x"));
        assert_one(&found, "spec.clusterName names Cluster \"x\"");
    }

    #[test]
    fn health_checks_must_select_a_machine_deployment_of_the_output() {
        let check = |deployment: &str| {
            json!({"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "MachineHealthCheck", "metadata": meta("c-p-mhc"),
                "spec": {"clusterName": "c", "selector": {"matchLabels": {
                    "cluster.x-k8s.io/cluster-name": "c", "cluster.x-k8s.io/deployment-name": deployment}}}})
        };
        let mut stream = sound();
        stream.push(check("c-p-md"));
        assert_eq!(problems(stream), Vec::<String>::new());
        let mut stream = sound();
        stream.push(check("c-q-md"));
        assert_one(
            &problems(stream),
            "spec.selector.matchLabels names MachineDeployment \"c-q-md\" of cluster.x-k8s.io, which is not in the output",
        );
        let mut stream = sound();
        let mut unselective = check("c-p-md");
        unselective["spec"]["selector"] =
            json!({"matchLabels": {"cluster.x-k8s.io/cluster-name": "c"}});
        stream.push(unselective);
        assert_one(
            &problems(stream),
            "does not select a MachineDeployment's machines",
        );
    }

    #[test]
    fn cluster_references_must_resolve() {
        let found = broken(|v| v.retain(|d| d["kind"] != "KamajiControlPlane"));
        assert_one(
            &found,
            "Cluster \"c\" (templates/test.yaml): spec.controlPlaneRef names KamajiControlPlane \"c\"",
        );
        let found = broken(|v| {
            if let Some(spec) = find(v, "Cluster")["spec"].as_object_mut() {
                spec.remove("infrastructureRef");
            }
        });
        assert_one(&found, "no spec.infrastructureRef");
    }

    #[test]
    fn v1beta1_references_must_name_the_rendered_version() {
        let found = broken(|v| {
            let reference = &mut find(v, "Cluster")["spec"]["controlPlaneRef"];
            if let Some(r) = reference.as_object_mut() {
                r.remove("apiGroup");
            }
            reference["apiVersion"] = json!("controlplane.cluster.x-k8s.io/v1beta1");
        });
        assert_one(
            &found,
            "asks for KamajiControlPlane \"c\" as controlplane.cluster.x-k8s.io/v1beta1, but it is rendered as controlplane.cluster.x-k8s.io/v1alpha2",
        );
    }

    #[test]
    fn resource_set_references_and_selector_must_resolve() {
        let found = broken(|v| v.retain(|d| d["kind"] != "ConfigMap"));
        assert_one(
            &found,
            "spec.resources[0] names ConfigMap \"c-csi-node\", which is not in the output",
        );
        let found = broken(|v| {
            find(v, "ClusterResourceSet")["spec"]["clusterSelector"]["matchLabels"] =
                json!({"cluster.x-k8s.io/cluster-name": "other"});
        });
        assert_one(
            &found,
            "spec.clusterSelector selects no Cluster of the output",
        );
        let found = broken(|v| {
            find(v, "ClusterResourceSet")["spec"]["resources"] = json!([]);
        });
        assert_one(&found, "spec.resources is empty");
    }

    #[test]
    fn ip_pool_references_must_resolve() {
        let found = broken(|v| v.retain(|d| d["kind"] != "InClusterIPPool"));
        assert_one(
            &found,
            "VSphereMachineTemplate \"c-p-vmt\" (templates/test.yaml): spec.template.spec.network.devices[0].addressesFromPools[0] names InClusterIPPool \"c\"",
        );
    }

    /// What the renderer produces passes, for the defaults and every feature switched
    /// on, with every combination of the providers' API versions.
    #[test]
    fn rendered_output_passes() {
        for file in [None, Some("examples/full.yaml")] {
            for api in crate::schema::ResolvedApiVersions::all() {
                let sources = crate::values::Sources {
                    files: file.map(str::to_owned).into_iter().collect(),
                    ..crate::values::Sources::default()
                };
                let (_, mut values) = crate::values::load(&sources).expect("values load");
                values.api_versions = crate::schema::ApiVersionChoice {
                    capi: Some(api.capi),
                    capv: Some(api.capv),
                    kamaji: Some(api.kamaji),
                };
                let cluster = crate::validate::cluster_name(&values, Some("demo"))
                    .expect("cluster name")
                    .to_owned();
                let docs = crate::render::Renderer::default()
                    .render(&values, &cluster, "default")
                    .expect("renders");
                assert_eq!(check(&docs), Ok(()), "{file:?} {api:?}");
            }
        }
    }
}
