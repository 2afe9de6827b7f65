//! What a change of the KamajiControlPlane (and of the Cluster fields it reads, and of
//! the files it mounts into the API server) does to the tenant's control plane, which
//! runs as pods in the management cluster.
//!
//! The Kamaji provider copies the KamajiControlPlane, and the Cluster's network, onto a
//! TenantControlPlane (clastix/cluster-api-control-plane-provider-kamaji
//! controllers/kamajicontrolplane_controller_tcp.go:46-273); Kamaji then rolls the
//! control plane's Deployment. No worker machine rolls by itself: the pools' own
//! versions and templates decide that. Kamaji refuses some updates of the
//! TenantControlPlane; the KamajiControlPlane is stored, but the provider's update
//! fails (:276-278) on every reconciliation, so the control plane stops following it.

use super::fields::{self, FieldChange};
use super::stream::{ObjectId, Stream};
use serde_json::Value;

const KAMAJI_CONTROL_PLANE: &str = "KamajiControlPlane";

/// What happens to one control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Status {
    Unchanged,
    /// Settings the TenantControlPlane or the tenant's kubelet-config take over.
    Updated,
    Scales,
    Upgrades,
    /// Kamaji refuses the TenantControlPlane update.
    Refused,
}

impl Status {
    pub(super) fn label(self) -> &'static str {
        match self {
            Status::Unchanged => "unchanged",
            Status::Updated => "updated",
            Status::Scales => "scales",
            Status::Upgrades => "upgrades",
            Status::Refused => "refused",
        }
    }
}

/// One changed field and what it does.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub(super) change: FieldChange,
    pub(super) effect: String,
}

#[derive(Debug, Clone)]
pub(super) struct ControlPlane {
    pub(super) id: ObjectId,
    pub(super) status: Status,
    pub(super) lines: Vec<Line>,
}

const VERSION: &str = "spec.version";
const REPLICAS: &str = "spec.replicas";
const KUBELET: &str = "spec.kubelet";

const UPGRADE: &str = "the control plane pods roll to the new version; no worker rolls by itself";
const SCALE: &str = "control plane pods are added or removed; no worker changes";
const KUBELET_EFFECT: &str = "Kamaji rewrites the tenant's kubelet-config ConfigMap: only nodes that join from now on get it, running nodes keep their configuration until their pool rolls";
const NOT_APPLIED: &str =
    "not applied: the provider writes the TenantControlPlane in one update, which is refused";
const OTHER: &str = "applied to the TenantControlPlane (its pods roll when their Deployment changes); no worker rolls";

/// Fields the TenantControlPlane makes immutable (clastix/kamaji
/// api/v1alpha1/tenantcontrolplane_types.go:29, :519, :525), where the provider copies
/// them from, only when they are set (kamajicontrolplane_controller_tcp.go:106-111,
/// :224-227), and what setting one that was unset does.
const IMMUTABLE: &[(&[&str], &str, WhenUnset)] = &[
    (
        &["spec", "dataStoreSchema"],
        "dataStoreSchema",
        WhenUnset::KamajiUid,
    ),
    (
        &["spec", "dataStoreUsername"],
        "dataStoreUsername",
        WhenUnset::KamajiUid,
    ),
    (
        &["spec", "network", "loadBalancerConfig", "loadBalancerClass"],
        "networkProfile.loadBalancerClass",
        WhenUnset::ServiceClass,
    ),
];

/// What an immutable field that was unset holds in the cluster.
#[derive(Clone, Copy)]
enum WhenUnset {
    /// Kamaji filled it in with the TenantControlPlane's UID when it created it
    /// (internal/webhook/handlers/tcp_defaults.go:89-95): a value set later differs.
    KamajiUid,
    /// Nothing: the rule `self == oldSelf` has no old value to compare, so the
    /// TenantControlPlane takes it, but Kamaji writes it to the API server's existing
    /// Service (internal/resources/k8s_service_resource.go:153-155), whose
    /// loadBalancerClass may not change while it is a LoadBalancer, not even from unset
    /// (kubernetes/kubernetes pkg/apis/core/validation/validation.go
    /// `validateLoadBalancerClassField`, `sameLoadBalancerClass`).
    ServiceClass,
}

/// Said of a load balancer class set on a running LoadBalancer Service. Kamaji handles
/// the Service before the kubeadm configuration, certificates and Deployment
/// (controllers/resources.go:57-72) and returns at the first failure
/// (controllers/tenantcontrolplane_controller.go:245-257).
const SERVICE_CLASS_REFUSED: &str = "refused: the TenantControlPlane takes it, but the API server refuses to set a loadBalancerClass on Kamaji's existing LoadBalancer Service, so Kamaji's reconciliation stops there on every pass and the control plane stops following the KamajiControlPlane";
const NOT_APPLIED_AFTER_SERVICE: &str = "not applied: Kamaji stops at the refused Service, before the control plane's configuration and Deployment";

/// Every KamajiControlPlane present in both streams, in new-stream order.
pub(super) fn control_planes(old: &Stream, new: &Stream) -> Vec<ControlPlane> {
    let mut out = Vec::new();
    for object in new
        .objects
        .iter()
        .filter(|o| o.id.kind == KAMAJI_CONTROL_PLANE)
    {
        let Some(before) = old.get(&object.id) else {
            continue;
        };
        let after = &object.value;
        let mut lines = Vec::new();
        let mut status = Status::Unchanged;
        let mut raise = |to: Status| status = status.max(to);

        if let Some(line) = version_line(before, after) {
            raise(if line.effect == UPGRADE {
                Status::Upgrades
            } else {
                Status::Refused
            });
            lines.push(line);
        }
        for &(path, field, when_unset) in IMMUTABLE {
            let change = at(path, before, after);
            let (old, new) = (set_text(change.old.as_ref()), set_text(change.new.as_ref()));
            let effect = match (old, new) {
                (a, b) if a == b => continue,
                // Not copied: the TenantControlPlane keeps what it has.
                (Some(old), None) => {
                    raise(Status::Updated);
                    format!(
                        "not applied: the provider copies only a set {field}, so the TenantControlPlane keeps {old}"
                    )
                }
                (None, Some(_)) => match when_unset {
                    WhenUnset::KamajiUid => {
                        raise(Status::Refused);
                        format!(
                            "refused: Kamaji set the TenantControlPlane's {field} to its UID when it created it, and the field is immutable, so the provider's update fails and the control plane stops following the KamajiControlPlane"
                        )
                    }
                    WhenUnset::ServiceClass
                        if service_type(before) == Some(LOAD_BALANCER)
                            && service_type(after) == Some(LOAD_BALANCER) =>
                    {
                        raise(Status::Refused);
                        SERVICE_CLASS_REFUSED.to_owned()
                    }
                    // The Service becomes a LoadBalancer with it, or is none: allowed.
                    WhenUnset::ServiceClass => continue,
                },
                (_, _) => {
                    raise(Status::Refused);
                    refused_immutable(field)
                }
            };
            lines.push(Line { change, effect });
        }
        if let Some(change) = cluster_domain(old, new, &object.id) {
            raise(Status::Refused);
            lines.push(Line {
                change,
                effect: refused_immutable("networkProfile.clusterDomain"),
            });
        }
        let spec = |v: &Value| v.get("spec").cloned().unwrap_or(Value::Null);
        for change in fields::changes("spec", &spec(before), &spec(after)) {
            if change.path == VERSION || lines.iter().any(|l| related(&l.change.path, &change.path))
            {
                continue;
            }
            let effect = if change.path == REPLICAS {
                raise(Status::Scales);
                SCALE
            } else {
                raise(Status::Updated);
                if change.path.starts_with(KUBELET) {
                    KUBELET_EFFECT
                } else {
                    OTHER
                }
            };
            lines.push(Line {
                change,
                effect: effect.to_owned(),
            });
        }
        let mounted = mounted_files(old, new, &object.id, before, after);
        if !mounted.is_empty() {
            raise(Status::Updated);
            lines.extend(mounted);
        }
        if status == Status::Refused {
            // The provider writes the TenantControlPlane in one update: refused, none of
            // its changes take effect. A TenantControlPlane that was accepted but whose
            // Service Kamaji cannot update gets no further either.
            let tenant_refused = lines
                .iter()
                .any(|l| l.effect.starts_with("refused") && l.effect != SERVICE_CLASS_REFUSED);
            let not_applied = if tenant_refused {
                NOT_APPLIED
            } else {
                NOT_APPLIED_AFTER_SERVICE
            };
            for line in lines.iter_mut().filter(|l| {
                !l.effect.starts_with("refused") && !l.effect.starts_with("not applied")
            }) {
                not_applied.clone_into(&mut line.effect);
            }
        }
        out.push(ControlPlane {
            id: object.id.clone(),
            status,
            lines,
        });
    }
    out
}

const LOAD_BALANCER: &str = "LoadBalancer";

/// The type of the API server's Service (`spec.network.serviceType`).
fn service_type(control_plane: &Value) -> Option<&str> {
    control_plane
        .get("spec")?
        .get("network")?
        .get("serviceType")?
        .as_str()
}

/// A string value the provider would copy: present and not empty.
fn set_text(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// Whether one path is the other or lies below it: a change already explained by a
/// line of its own (`a.b` and `a.b.c`, not `a.bc`).
fn related(a: &str, b: &str) -> bool {
    let below = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    };
    below(a, b) || below(b, a)
}

const RELOADED: &str =
    "the kubelet updates the mounted file and kube-apiserver reloads it; no pod rolls";
const READ_AT_START: &str = "kube-apiserver reads it at start: the pod template's checksum annotation changes, so the API server pods roll; no worker rolls";
const ENCRYPTION_RELOADED: &str = "the kubelet updates the mounted file and kube-apiserver reloads it (--encryption-provider-config-automatic-reload); no pod rolls";

/// The files of the ConfigMaps and Secrets in the stream that the KamajiControlPlane
/// mounts into its pods (`spec.deployment.extraVolumes`): the tenant API server's
/// authentication, audit policy and encryption configuration. A change of one is a
/// change of the tenant API server, though the KamajiControlPlane may not change. A
/// Secret's files are reported as changed, never with their content.
fn mounted_files(
    old: &Stream,
    new: &Stream,
    id: &ObjectId,
    before: &Value,
    after: &Value,
) -> Vec<Line> {
    let annotation = |v: &Value| {
        v.pointer("/spec/deployment/podAdditionalMetadata/annotations")
            .and_then(|a| a.get(crate::render::apiserver::CONFIG_CHECKSUM_ANNOTATION))
            .cloned()
    };
    let restarts = annotation(before) != annotation(after);
    let volumes = after
        .pointer("/spec/deployment/extraVolumes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut lines = Vec::new();
    for volume in volumes {
        let (kind, name) = match (
            volume.pointer("/configMap/name").and_then(Value::as_str),
            volume.pointer("/secret/secretName").and_then(Value::as_str),
        ) {
            (Some(name), _) => ("ConfigMap", name),
            (None, Some(name)) => ("Secret", name),
            _ => continue,
        };
        let file_id = id.sibling(kind, name);
        let files = |stream: &Stream| {
            let object = stream.get(&file_id);
            let mut files = serde_json::Map::new();
            for field in ["data", "stringData"] {
                if let Some(Value::Object(data)) = object.and_then(|o| o.get(field)) {
                    files.extend(data.clone());
                }
            }
            files
        };
        let (was, is) = (files(old), files(new));
        let new_keys = is.keys().filter(|k| !was.contains_key(*k));
        for key in was.keys().chain(new_keys) {
            let (a, b) = (was.get(key), is.get(key));
            if a == b {
                continue;
            }
            let (change, effect) = if kind == "Secret" {
                let hidden = |v: Option<&Value>, text: &str| v.map(|_| Value::from(text));
                (
                    FieldChange {
                        path: format!("Secret {name} {key}"),
                        old: hidden(a, super::secret::HIDDEN),
                        new: hidden(b, super::secret::HIDDEN_CHANGED),
                    },
                    ENCRYPTION_RELOADED,
                )
            } else {
                (
                    FieldChange {
                        path: format!("ConfigMap {name} {key}"),
                        old: a.cloned(),
                        new: b.cloned(),
                    },
                    if restarts { READ_AT_START } else { RELOADED },
                )
            };
            lines.push(Line {
                change,
                effect: effect.to_owned(),
            });
        }
    }
    lines
}

fn refused_immutable(field: &str) -> String {
    format!(
        "refused: the TenantControlPlane's {field} is immutable, so the provider's update fails and the control plane stops following the KamajiControlPlane"
    )
}

fn at(path: &[&str], before: &Value, after: &Value) -> FieldChange {
    let lookup = |v: &Value| path.iter().try_fold(v, |v, key| v.get(key)).cloned();
    FieldChange {
        path: path.join("."),
        old: lookup(before),
        new: lookup(after),
    }
}

/// The version change and its verdict: Kamaji's webhook refuses a lower minor and a
/// jump of more than one minor, and ignores the patch number
/// (clastix/kamaji internal/webhook/handlers/tcp_version.go:67-93); the provider adds a
/// missing `v` first (kamajicontrolplane_controller_tcp.go:82-88).
fn version_line(before: &Value, after: &Value) -> Option<Line> {
    let change = at(&["spec", "version"], before, after);
    let (old, new) = (text(change.old.as_ref())?, text(change.new.as_ref())?);
    if old.trim_start_matches('v') == new.trim_start_matches('v') {
        return None;
    }
    let effect = match (semver(old), semver(new)) {
        (Some(a), Some(b)) if (b.0, b.1) < (a.0, a.1) => format!(
            "refused: Kamaji does not downgrade a control plane (v{}.{} → v{}.{}), so the provider's update fails and the control plane stays at {old}",
            a.0, a.1, b.0, b.1
        ),
        (Some(a), Some(b)) if b.0 == a.0 && b.1 > a.1 + 1 => format!(
            "refused: Kamaji upgrades one minor version at a time (v{}.{} → v{}.{} skips {}), so the provider's update fails and the control plane stays at {old}",
            a.0,
            a.1,
            b.0,
            b.1,
            b.1 - a.1 - 1
        ),
        _ => UPGRADE.to_owned(),
    };
    Some(Line { change, effect })
}

fn text(value: Option<&Value>) -> Option<&str> {
    value?.as_str()
}

/// Major, minor and patch of `v1.33.4` or `1.33.4`.
pub(super) fn semver(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.trim_start_matches('v');
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(str::parse::<u64>);
    let (major, minor, patch) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    parts.next().is_none().then_some((major, minor, patch))
}

/// The Cluster's service domain, which the provider copies to the TenantControlPlane's
/// clusterDomain (kamajicontrolplane_controller_tcp.go:79); Kamaji's CRD defaults an
/// absent one to `cluster.local`.
fn cluster_domain(old: &Stream, new: &Stream, control_plane: &ObjectId) -> Option<FieldChange> {
    let cluster = new.objects.iter().find(|o| {
        o.id.kind == "Cluster"
            && o.id.namespace == control_plane.namespace
            && o.value["spec"]["controlPlaneRef"]["kind"] == KAMAJI_CONTROL_PLANE
            && o.value["spec"]["controlPlaneRef"]["name"] == control_plane.name.as_str()
    })?;
    let before = old.get(&cluster.id)?;
    let domain = |v: &Value| {
        v["spec"]["clusterNetwork"]["serviceDomain"]
            .as_str()
            .unwrap_or("cluster.local")
            .to_owned()
    };
    let (a, b) = (domain(before), domain(&cluster.value));
    (a != b).then(|| FieldChange {
        path: format!(
            "Cluster {}: spec.clusterNetwork.serviceDomain",
            cluster.id.name
        ),
        old: Some(Value::from(a)),
        new: Some(Value::from(b)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verdict(old: &str, new: &str) -> Option<String> {
        version_line(
            &json!({"spec": {"version": old}}),
            &json!({"spec": {"version": new}}),
        )
        .map(|l| l.effect)
    }

    #[test]
    fn kamaji_refuses_downgrades_and_skipped_minors_only() {
        assert_eq!(verdict("v1.33.4", "1.33.4"), None);
        assert_eq!(verdict("v1.33.4", "v1.34.0").as_deref(), Some(UPGRADE));
        assert_eq!(verdict("v1.33.4", "v1.33.2").as_deref(), Some(UPGRADE));
        assert!(
            verdict("v1.33.4", "v1.32.9")
                .unwrap()
                .starts_with("refused: Kamaji does not downgrade")
        );
        assert!(verdict("v1.33.4", "v1.35.0").unwrap().contains("skips 1"));
    }
}
