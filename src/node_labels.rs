//! A pool's `labels` (the chart's kubelet `--node-labels` string), split by who may set
//! each label on the Node: the kubelet refuses most labels in the `kubernetes.io` and
//! `k8s.io` namespaces and then does not register the node at all, while Cluster API
//! sets some of those itself from the MachineDeployment's template metadata.

use crate::names::{label_key_problem, label_value_problem};

/// One `key=value` of the string, where it goes, or why it cannot go anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeLabel<'a> {
    /// Passed to the kubelet's `--node-labels`.
    Kubelet(&'a str, &'a str),
    /// Put on the MachineDeployment's `spec.template.metadata.labels`; CAPI copies it
    /// to the Node, in place, without a rollout.
    Propagated(&'a str, &'a str),
    /// Neither the kubelet nor CAPI would set it; the message says why.
    Refused(&'a str, String),
}

/// The pool's labels in the order written; an empty string has none.
pub fn classify(labels: &str) -> Vec<NodeLabel<'_>> {
    labels
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(classify_one)
        .collect()
}

fn classify_one(entry: &str) -> NodeLabel<'_> {
    let Some((key, value)) = entry.split_once('=') else {
        return NodeLabel::Refused(
            entry,
            "not a key=value pair (the kubelet's --node-labels takes key=value, comma-separated)"
                .into(),
        );
    };
    let (key, value) = (key.trim(), value.trim());
    if let Some(problem) = label_key_problem(key) {
        return NodeLabel::Refused(entry, problem);
    }
    if let Some(problem) = label_value_problem(value) {
        return NodeLabel::Refused(entry, format!("the value \"{value}\" {problem}"));
    }
    if capi_propagates(key) {
        NodeLabel::Propagated(key, value)
    } else if is_kubernetes_label(key) && !is_kubelet_label(key) {
        NodeLabel::Refused(
            entry,
            format!(
                "the kubelet refuses \"{key}\" in --node-labels (only kubelet.kubernetes.io/*, node.kubernetes.io/* and a few well-known keys of the kubernetes.io and k8s.io namespaces are allowed) and the node would never register; Cluster API sets only node-role.kubernetes.io/*, node-restriction.kubernetes.io/* and node.cluster.x-k8s.io/* labels"
            ),
        )
    } else {
        NodeLabel::Kubelet(key, value)
    }
}

fn prefix(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(prefix, _)| prefix)
}

fn in_domain(prefix: &str, domain: &str) -> bool {
    prefix == domain
        || prefix
            .strip_suffix(domain)
            .is_some_and(|sub| sub.ends_with('.'))
}

/// cluster-api `util/labels/helpers.go:80-107` (`GetManagedLabels`): the
/// `node-role.kubernetes.io` prefix exactly, and the `node-restriction.kubernetes.io`
/// and `node.cluster.x-k8s.io` domains with their subdomains.
fn capi_propagates(key: &str) -> bool {
    let prefix = prefix(key);
    prefix == "node-role.kubernetes.io"
        || in_domain(prefix, "node-restriction.kubernetes.io")
        || in_domain(prefix, "node.cluster.x-k8s.io")
}

/// kubernetes `cmd/kubelet/app/options/options.go` (`ValidateKubeletFlags`): a label
/// in the `kubernetes.io` or `k8s.io` namespace, or a subdomain of either.
fn is_kubernetes_label(key: &str) -> bool {
    let prefix = prefix(key);
    in_domain(prefix, "kubernetes.io") || in_domain(prefix, "k8s.io")
}

/// kubernetes/kubelet `pkg/apis/well_known_labels.go:35-80` (`IsKubeletLabel`).
fn is_kubelet_label(key: &str) -> bool {
    const KEYS: &[&str] = &[
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
    ];
    let prefix = prefix(key);
    KEYS.contains(&key)
        || in_domain(prefix, "kubelet.kubernetes.io")
        || in_domain(prefix, "node.kubernetes.io")
}

/// The `--node-labels` value: the labels the kubelet may set, as written.
pub fn kubelet_flag(labels: &str) -> String {
    classify(labels)
        .into_iter()
        .filter_map(|label| match label {
            NodeLabel::Kubelet(key, value) => Some(format!("{key}={value}")),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_label_goes_where_it_is_accepted() {
        let labels = classify(
            "tier=web, node-role.kubernetes.io/worker=,node.kubernetes.io/pool=a,node.cluster.x-k8s.io/gpu=true,kubernetes.io/role=worker,example.k8s.io/x=y,broken",
        );
        assert_eq!(labels[0], NodeLabel::Kubelet("tier", "web"));
        assert_eq!(
            labels[1],
            NodeLabel::Propagated("node-role.kubernetes.io/worker", "")
        );
        assert_eq!(
            labels[2],
            NodeLabel::Kubelet("node.kubernetes.io/pool", "a")
        );
        assert_eq!(
            labels[3],
            NodeLabel::Propagated("node.cluster.x-k8s.io/gpu", "true")
        );
        assert!(matches!(
            labels[4],
            NodeLabel::Refused("kubernetes.io/role=worker", _)
        ));
        assert!(matches!(
            labels[5],
            NodeLabel::Refused("example.k8s.io/x=y", _)
        ));
        assert!(matches!(labels[6], NodeLabel::Refused("broken", _)));
    }

    #[test]
    fn the_kubelet_flag_keeps_only_what_the_kubelet_accepts() {
        assert_eq!(
            kubelet_flag("node-role.kubernetes.io/worker=,tier=web,kubelet.kubernetes.io/x=1"),
            "tier=web,kubelet.kubernetes.io/x=1"
        );
        assert_eq!(kubelet_flag(""), "");
    }
}
