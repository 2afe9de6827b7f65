//! Output stage: a fixed document order and the `---` / `# Source:` framing.
//!
//! Order: Helm's install order for the Kubernetes kinds it knows (Namespace,
//! ServiceAccount, Secret, ConfigMap, RBAC, Service, DaemonSet, Deployment…), then all
//! other kinds alphabetically (Cluster, ClusterResourceSet, InClusterIPPool,
//! KamajiControlPlane, KubeadmConfigTemplate, MachineDeployment, ServiceMonitor,
//! VSphereCluster, VSphereMachineTemplate); within a kind, render order (templates,
//! then node pools in values order). This is what `helm template` prints for the
//! chart, so diffs against the chart's output line up.

use crate::render::Document;
use crate::yaml;

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

pub fn kind_of(doc: &Document) -> &str {
    doc.value
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or_default()
}

/// Sorts documents into the documented order (stable within a kind).
pub fn sort(documents: &mut Vec<Document>) {
    // Ranked once per document (not per comparison), then a stable sort of the ranks.
    let mut ranked: Vec<(usize, String, Document)> = documents
        .drain(..)
        .map(|doc| {
            let kind = kind_of(&doc).to_owned();
            let rank = INSTALL_ORDER
                .iter()
                .position(|known| *known == kind)
                .unwrap_or(INSTALL_ORDER.len());
            (rank, kind, doc)
        })
        .collect();
    ranked.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    documents.extend(ranked.into_iter().map(|(_, _, doc)| doc));
}

/// The multi-document stream, each document re-emitted from its parsed value.
pub fn stream(documents: &[Document]) -> String {
    crate::parallel::map_runs(documents, PARALLEL_FROM_DOCUMENTS, |run| {
        let mut out = String::with_capacity(run.len() * 1024);
        for doc in run {
            out.push_str("---\n# Source: ");
            out.push_str(&doc.source);
            out.push('\n');
            yaml::emit_into(&doc.value, &mut out);
        }
        out
    })
    .concat()
}

/// Below this many documents, emitting on one thread is faster.
const PARALLEL_FROM_DOCUMENTS: usize = 96;

/// Documents as a plain multi-document stream (no `# Source:` comments): the payload of
/// a ClusterResourceSet ConfigMap.
pub fn plain_stream(documents: &[Document]) -> String {
    let mut out = String::new();
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&yaml::emit(&doc.value));
    }
    out
}
