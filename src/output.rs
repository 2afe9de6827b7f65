//! Output stage: a fixed document order and the `---` / `# Source:` framing.
//!
//! Order: Helm's install order for the Kubernetes kinds it knows (Namespace,
//! ServiceAccount, Secret, ConfigMap, RBAC, Service, DaemonSet, Deployment…), then all
//! other kinds alphabetically (Cluster, ClusterResourceSet, InClusterIPPool,
//! KamajiControlPlane, KubeadmConfigTemplate, MachineDeployment, ServiceMonitor,
//! VSphereCluster, VSphereMachineTemplate); within a kind, render order (templates,
//! then node pools in values order). This is what `helm template` prints for the
//! chart, so diffs against the chart's output line up.

use crate::selfcheck::Facts;
use crate::yaml;
use serde_json::Value;

const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// A document ready for output: its text in the stream (`---`, `# Source:` and the
/// YAML), what sorting, `--show-only` and `--output-dir` need, and the self-check's
/// facts. The parsed document itself is not kept.
#[derive(Debug)]
pub struct Emitted {
    pub text: String,
    pub facts: Facts,
}

impl Emitted {
    /// The document `template` rendered, emitted.
    pub fn new(template: &str, node: &Value) -> Self {
        let source = format!("templates/{template}");
        let mut out = String::with_capacity(1024);
        out.push_str("---\n# Source: ");
        out.push_str(&source);
        out.push('\n');
        yaml::emit_into(node, &mut out);
        Emitted {
            text: out,
            facts: Facts::of(&source, node),
        }
    }

    /// The object's kind, empty when it has none.
    pub fn kind(&self) -> &str {
        self.facts.kind()
    }

    /// The object's `metadata.name`, empty when it has none.
    pub fn name(&self) -> &str {
        self.facts.name()
    }
}

/// Sorts documents into the documented order (stable within a kind).
pub fn sort(mut documents: Vec<Emitted>) -> Vec<Emitted> {
    // A stream has a few kinds: each gets its place in the order once, and documents
    // are sorted by that number (known kinds by rank, other kinds by name after them).
    let mut kinds: Vec<&str> = Vec::new();
    for doc in &documents {
        if !kinds.contains(&doc.kind()) {
            kinds.push(doc.kind());
        }
    }
    kinds.sort_by_key(|kind| (rank(kind), *kind));
    let kinds: Vec<String> = kinds.into_iter().map(str::to_owned).collect();
    documents.sort_by_cached_key(|doc| kinds.iter().position(|kind| kind == doc.kind()));
    documents
}

fn rank(kind: &str) -> usize {
    INSTALL_ORDER
        .iter()
        .position(|known| *known == kind)
        .unwrap_or(INSTALL_ORDER.len())
}

/// The multi-document stream.
pub fn stream(documents: &[Emitted]) -> String {
    let mut out = String::with_capacity(documents.iter().map(|doc| doc.text.len()).sum());
    for doc in documents {
        out.push_str(&doc.text);
    }
    out
}
