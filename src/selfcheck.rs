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
use crate::yaml::Node;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// An object's identity: what the API server keys it by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Id {
    group: String,
    kind: String,
    namespace: String,
    name: String,
}

impl Id {
    /// The identity as borrowed parts: looking an object up allocates nothing.
    fn key(&self) -> IdKey<'_> {
        (&self.group, &self.kind, &self.namespace, &self.name)
    }
}

/// Group, kind, namespace, name.
type IdKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The stream's objects by identity: document index and facts.
type Objects<'a> = HashMap<IdKey<'a>, (usize, &'a Facts)>;

/// What the self-check needs of one document.
#[derive(Debug, Clone)]
pub struct Facts {
    source: String,
    /// `None` when a field of the identity is missing; `missing` names them.
    id: Option<Id>,
    missing: Vec<String>,
    api_version: String,
    /// The object as messages name it: kind, name and template.
    what: String,
    /// Problems of the document alone (names, namespaces, labels, annotations).
    problems: Vec<String>,
    /// What must hold in the stream as a whole, in the order it is reported.
    checks: Vec<Check>,
    /// A Cluster's labels, which ClusterResourceSet selectors are matched against.
    cluster_labels: Option<Value>,
}

#[derive(Debug, Clone)]
enum Check {
    /// A problem decided from the document alone, reported with the references.
    Problem(String),
    /// A reference that must name an object of the output (same namespace), and with
    /// `api_version` when it carries one.
    Resolves {
        at: String,
        group: String,
        kind: String,
        name: String,
        api_version: Option<String>,
    },
    /// A Cluster of the output with this name.
    ClusterExists { at: String, name: String },
    /// At least one Cluster of the output whose labels hold all of these.
    SelectsCluster { selector: Map<String, Value> },
}

/// `Err` with one problem per entry, each a capkv bug; `Ok` when the stream is sound.
pub fn check(documents: &[Document]) -> Result<(), Vec<String>> {
    let facts: Vec<Facts> = documents
        .iter()
        .map(|doc| Facts::of(&doc.source, &Node::from_value(&doc.value)))
        .collect();
    check_facts(&facts)
}

/// [`check`] of documents given by their facts, in stream order.
pub fn check_facts<'a>(facts: impl IntoIterator<Item = &'a Facts>) -> Result<(), Vec<String>> {
    let facts: Vec<&Facts> = facts.into_iter().collect();
    let mut problems = Vec::new();
    let mut objects: Objects<'_> = HashMap::new();
    for (index, fact) in facts.iter().enumerate() {
        let Some(id) = &fact.id else {
            problems.push(format!(
                "document {} ({}) has no {}",
                index + 1,
                fact.source,
                fact.missing.join(", no ")
            ));
            continue;
        };
        problems.extend(fact.problems.iter().cloned());
        match objects.get(&id.key()) {
            Some((first, _)) => problems.push(format!(
                "{} is rendered twice (documents {} and {})",
                fact.what,
                first + 1,
                index + 1
            )),
            None => {
                objects.insert(id.key(), (index, fact));
            }
        }
    }
    for fact in &facts {
        if let Some(id) = &fact.id {
            for check in &fact.checks {
                check_in_stream(check, id, &fact.what, &objects, &mut problems);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_in_stream(
    check: &Check,
    from: &Id,
    what: &str,
    objects: &Objects<'_>,
    problems: &mut Vec<String>,
) {
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
    pub fn of(source: &str, doc: &Node<'_>) -> Facts {
        let text = |pointer: &str| lookup(doc, pointer).and_then(Node::as_str);
        let missing: Vec<String> = ["/apiVersion", "/kind", "/metadata/name"]
            .into_iter()
            .filter(|pointer| text(pointer).is_none_or(str::is_empty))
            .map(dotted)
            .collect();
        let api_version = text("/apiVersion").unwrap_or_default();
        let kind = text("/kind").unwrap_or_default();
        let name = text("/metadata/name").unwrap_or_default();
        let mut facts = Facts {
            source: source.to_owned(),
            id: None,
            missing,
            api_version: api_version.to_owned(),
            what: format!("{kind} \"{name}\" ({source})"),
            problems: Vec::new(),
            checks: Vec::new(),
            cluster_labels: None,
        };
        if !facts.missing.is_empty() {
            return facts;
        }
        let id = Id {
            group: group_of(api_version).to_owned(),
            kind: kind.to_owned(),
            namespace: text("/metadata/namespace").unwrap_or_default().to_owned(),
            name: name.to_owned(),
        };
        check_names(doc, &id, &facts.what, &mut facts.problems);
        facts.checks = checks(doc, &id, &facts.what);
        if kind == "Cluster" {
            facts.cluster_labels = Some(
                lookup(doc, "/metadata/labels")
                    .filter(|labels| labels.as_map().is_some())
                    .map_or_else(|| Value::Object(Map::new()), Node::to_value),
            );
        }
        facts.id = Some(id);
        facts
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

fn check_names(doc: &Node<'_>, id: &Id, what: &str, problems: &mut Vec<String>) {
    let rule = NameRule::for_kind(&id.kind);
    if !rule.accepts(&id.name) {
        problems.push(format!("{what}: the name is not {}", rule.describe()));
    }
    if lookup(doc, "/metadata/namespace").is_some() && !is_dns1123_label(&id.namespace) {
        problems.push(format!(
            "{what}: namespace \"{}\" is not a DNS-1123 label",
            id.namespace
        ));
    }
    check_metadata(doc, "", what, problems);
}

/// Every `metadata` at any depth (the object's, pod templates'): labels and annotations.
fn check_metadata(value: &Node<'_>, at: &str, what: &str, problems: &mut Vec<String>) {
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
    value: &'a Node<'_>,
    path: &mut Vec<Step<'a>>,
    at: &str,
    what: &str,
    problems: &mut Vec<String>,
) {
    match value {
        Node::Map(map) => {
            for (key, child) in map {
                path.push(Step::Key(key));
                if key == "metadata" && child.as_map().is_some() {
                    check_labels(child, &|| path_text(at, path), what, problems);
                }
                walk_metadata(child, path, at, what, problems);
                path.pop();
            }
        }
        Node::Seq(items) => {
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
    metadata: &Node<'_>,
    at: &dyn Fn() -> String,
    what: &str,
    problems: &mut Vec<String>,
) {
    for field in ["labels", "annotations"] {
        let Some(map) = metadata.get(field) else {
            continue;
        };
        let Some(map) = map.as_map() else {
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
fn checks(doc: &Node<'_>, id: &Id, what: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    match id.kind.as_str() {
        "Cluster" => {
            checks.push(reference(
                doc,
                "/spec/controlPlaneRef",
                Some("KamajiControlPlane"),
                what,
            ));
            checks.push(reference(
                doc,
                "/spec/infrastructureRef",
                Some("VSphereCluster"),
                what,
            ));
        }
        "MachineDeployment" => {
            for pointer in ["/spec/clusterName", "/spec/template/spec/clusterName"] {
                checks.push(match lookup(doc, pointer).and_then(Node::as_str) {
                    Some(name) => Check::ClusterExists {
                        at: dotted(pointer),
                        name: name.to_owned(),
                    },
                    None => Check::Problem(format!("{what}: no {}", dotted(pointer))),
                });
            }
            checks.push(reference(
                doc,
                "/spec/template/spec/bootstrap/configRef",
                Some("KubeadmConfigTemplate"),
                what,
            ));
            checks.push(reference(
                doc,
                "/spec/template/spec/infrastructureRef",
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
                match lookup(doc, "/spec/clusterSelector/matchLabels").map(Node::to_value) {
                    Some(Value::Object(selector)) if !selector.is_empty() => {
                        Check::SelectsCluster { selector }
                    }
                    _ => Check::Problem(format!(
                        "{what}: spec.clusterSelector.matchLabels is empty (CAPI refuses an empty selector)"
                    )),
                },
            );
            for i in 0..count {
                checks.push(reference(doc, &format!("/spec/resources/{i}"), None, what));
            }
        }
        "VSphereMachineTemplate" => {
            let devices = "/spec/template/spec/network/devices";
            for d in 0..array_len(doc, devices) {
                let pools = format!("{devices}/{d}/addressesFromPools");
                for p in 0..array_len(doc, &pools) {
                    checks.push(reference(doc, &format!("{pools}/{p}"), None, what));
                }
            }
        }
        _ => {}
    }
    checks
}

fn array_len(doc: &Node<'_>, pointer: &str) -> usize {
    lookup(doc, pointer)
        .and_then(Node::as_seq)
        .map_or(0, <[_]>::len)
}

/// A reference `{apiGroup|apiVersion, kind, name}` to an object in the same namespace.
fn reference(doc: &Node<'_>, pointer: &str, expected_kind: Option<&str>, what: &str) -> Check {
    let at = dotted(pointer);
    let Some(reference) = lookup(doc, pointer).filter(|r| r.as_map().is_some()) else {
        return Check::Problem(format!("{what}: no {at}"));
    };
    let field = |key: &str| reference.get(key).and_then(Node::as_str);
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
fn lookup<'n, 'a>(value: &'n Node<'a>, pointer: &str) -> Option<&'n Node<'a>> {
    pointer
        .split('/')
        .skip(1)
        .try_fold(value, |value, segment| match value {
            Node::Map(_) => value.get(segment),
            Node::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
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

    /// What the renderer produces passes, for the defaults and every feature switched on.
    #[test]
    fn rendered_output_passes() {
        for file in [None, Some("examples/full.yaml")] {
            for profile in [
                crate::schema::ApiProfile::V1beta2,
                crate::schema::ApiProfile::V1beta1,
            ] {
                let sources = crate::values::Sources {
                    files: file.map(str::to_owned).into_iter().collect(),
                    ..crate::values::Sources::default()
                };
                let (_, mut values) = crate::values::load(&sources).expect("values load");
                values.api_profile = profile;
                let cluster = crate::validate::cluster_name(&values, Some("demo"))
                    .expect("cluster name")
                    .to_owned();
                let docs = crate::render::Renderer::default()
                    .render(&values, &cluster, "default")
                    .expect("renders");
                assert_eq!(check(&docs), Ok(()), "{file:?} {profile:?}");
            }
        }
    }
}
