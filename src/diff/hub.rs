//! Objects as CAPI stores them, whatever API version a stream was written in.
//!
//! The API server converts every v1beta1 MachineDeployment and KubeadmConfigTemplate to
//! v1beta2 before storing it, so a stream rendered for v1beta1 and the same cluster
//! rendered for v1beta2 are one cluster. The verdicts (roll, scale, reject) compare the
//! converted form; the object diffs still show the text as written.

use super::stream::Stream;
use serde_json::{Map, Value};

const CAPI_V1BETA1: &str = "cluster.x-k8s.io/v1beta1";
const BOOTSTRAP_V1BETA1: &str = "bootstrap.cluster.x-k8s.io/v1beta1";
const KAMAJI_V1ALPHA1: &str = "controlplane.cluster.x-k8s.io/v1alpha1";

/// The stream with each object in the form CAPI stores it.
pub(super) fn stream(stream: &Stream) -> Stream {
    stream.map(object)
}

fn object(value: &Value) -> Value {
    let mut value = value.clone();
    let api = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    match (value.get("kind").and_then(Value::as_str), api) {
        (Some("MachineDeployment"), CAPI_V1BETA1) => machine_deployment(&mut value),
        (Some("MachineDeployment"), _) => {}
        (Some("KubeadmConfigTemplate"), _) => kubeadm_config_template(&mut value),
        (Some("KamajiControlPlane"), KAMAJI_V1ALPHA1) => kamaji_control_plane(&mut value),
        _ => return value,
    }
    value
}

/// api/core/v1beta1/conversion.go:1673-1694 (Convert_v1beta1_MachineDeploymentSpec_To_
/// v1beta2_MachineDeploymentSpec) moves the strategy, the deletion order, the
/// remediation and rolloutAfter; :654-661 turns the machine's duration strings into
/// seconds; references keep their group only (ContractVersionedObjectReference).
fn machine_deployment(md: &mut Value) {
    let Some(spec) = md.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(Value::Object(mut strategy)) = spec.remove("strategy") {
        let mut rollout_strategy = Map::new();
        if let Some(kind) = strategy.remove("type") {
            rollout_strategy.insert("type".into(), kind);
        }
        if let Some(Value::Object(mut rolling)) = strategy.remove("rollingUpdate") {
            if let Some(order) = rolling.remove("deletePolicy") {
                entry(spec, "deletion").insert("order".into(), order);
            }
            if !rolling.is_empty() {
                rollout_strategy.insert("rollingUpdate".into(), Value::Object(rolling));
            }
        }
        if !rollout_strategy.is_empty() {
            entry(spec, "rollout").insert("strategy".into(), Value::Object(rollout_strategy));
        }
        if let Some(Value::Object(remediation)) = strategy.remove("remediation")
            && let Some(in_flight) = remediation.get("maxInFlight")
        {
            entry(spec, "remediation").insert("maxInFlight".into(), in_flight.clone());
        }
    }
    if let Some(after) = spec.remove("rolloutAfter") {
        entry(spec, "rollout").insert("after".into(), after);
    }
    let min_ready = spec.remove("minReadySeconds");
    let Some(machine) = spec
        .get_mut("template")
        .and_then(|t| t.get_mut("spec"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if let Some(seconds) = min_ready {
        machine.insert("minReadySeconds".into(), seconds);
    }
    for (duration, seconds) in [
        ("nodeDrainTimeout", "nodeDrainTimeoutSeconds"),
        ("nodeVolumeDetachTimeout", "nodeVolumeDetachTimeoutSeconds"),
        ("nodeDeletionTimeout", "nodeDeletionTimeoutSeconds"),
    ] {
        if let Some(text) = machine.remove(duration) {
            let converted = text
                .as_str()
                .and_then(duration_seconds)
                .map_or(text, Value::from);
            entry(machine, "deletion").insert(seconds.into(), converted);
        }
    }
    if let Some(reference) = machine
        .get_mut("infrastructureRef")
        .and_then(Value::as_object_mut)
    {
        group_only(reference);
    }
    if let Some(reference) = machine
        .get_mut("bootstrap")
        .and_then(|b| b.get_mut("configRef"))
        .and_then(Value::as_object_mut)
    {
        group_only(reference);
    }
}

/// A v1beta1 `apiVersion: group/version` reference as v1beta2's `apiGroup: group`.
fn group_only(reference: &mut Map<String, Value>) {
    if let Some(Value::String(api_version)) = reference.remove("apiVersion") {
        let group = api_version
            .rsplit_once('/')
            .map_or(api_version.as_str(), |(group, _)| group);
        reference.insert("apiGroup".into(), Value::from(group));
    }
}

/// v1beta1 kubelet flags (a map) become v1beta2's list of `{name, value}` sorted by
/// name (api/bootstrap/kubeadm/v1beta2/conversion.go:23-41, ConvertToArgs). A v1beta2
/// list is compared sorted by name as well: kubeadm passes each flag to the kubelet
/// once, so the order of distinct flags does not change a node.
fn kubeadm_config_template(kct: &mut Value) {
    let v1beta1 = kct.get("apiVersion").and_then(Value::as_str) == Some(BOOTSTRAP_V1BETA1);
    let Some(spec) = kct
        .get_mut("spec")
        .and_then(|s| s.get_mut("template"))
        .and_then(|t| t.get_mut("spec"))
    else {
        return;
    };
    for configuration in ["joinConfiguration", "initConfiguration"] {
        let Some(args) = spec
            .get_mut(configuration)
            .and_then(|c| c.get_mut("nodeRegistration"))
            .and_then(|n| n.get_mut("kubeletExtraArgs"))
        else {
            continue;
        };
        match args {
            Value::Object(map) if v1beta1 => {
                let list = map
                    .iter()
                    .map(|(name, value)| serde_json::json!({"name": name, "value": value}))
                    .collect();
                *args = Value::Array(list);
            }
            _ => {}
        }
        if let Value::Array(list) = args {
            // Stable: repeated flags keep their order.
            list.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        }
    }
}

/// Kamaji's v1alpha1 `kubelet.cgroupfs` is what v1alpha2 writes as a JSON patch adding
/// `/cgroupDriver` to the kubelet configuration Kamaji generates (clastix/kamaji
/// internal/resources/kubeadm_utils.go:53 and internal/kubeadm/uploadconfig.go:37-42
/// set the driver from cgroupfs, internal/resources/kubeadm_phases.go:155-168 applies
/// the patches): the same
/// kubelet-config, so capkv renders one as the other (templates/kamaji-control-plane.yaml).
fn kamaji_control_plane(kcp: &mut Value) {
    let Some(kubelet) = kcp
        .get_mut("spec")
        .and_then(|s| s.get_mut("kubelet"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(driver) = kubelet.remove("cgroupfs") else {
        return;
    };
    let patch = serde_json::json!({"op": "add", "path": "/cgroupDriver", "value": driver});
    let patches = kubelet
        .entry("configurationJSONPatches")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = patches {
        list.insert(0, patch);
    }
}

fn name_of(arg: &Value) -> &str {
    arg.get("name").and_then(Value::as_str).unwrap_or("")
}

fn entry<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("an object, just ensured")
}

/// Whole seconds of a Go duration (`900s`, `15m`, `1h30m`, `1.5s`), truncated like
/// ConvertToSeconds (api/core/v1beta2/conversion.go:29-38); `None` if it is not one.
fn duration_seconds(text: &str) -> Option<i64> {
    let mut rest = text;
    let mut total = 0.0_f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * factor;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(total.trunc() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_durations_become_whole_seconds() {
        assert_eq!(duration_seconds("900s"), Some(900));
        assert_eq!(duration_seconds("1h30m"), Some(5400));
        assert_eq!(duration_seconds("15m0s"), Some(900));
        assert_eq!(duration_seconds("1.9s"), Some(1));
        assert_eq!(duration_seconds("10"), None);
        assert_eq!(duration_seconds(""), None);
    }

    #[test]
    fn a_v1beta1_machine_deployment_takes_the_v1beta2_shape() {
        let v1beta1 = json!({
            "apiVersion": CAPI_V1BETA1, "kind": "MachineDeployment",
            "spec": {
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "deletePolicy": "Oldest"}, "remediation": {"maxInFlight": 2}},
                "minReadySeconds": 60, "rolloutAfter": "2030-01-01T00:00:00Z",
                "template": {"spec": {
                    "nodeDrainTimeout": "900s",
                    "infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "K", "name": "n"},
                }},
            },
        });
        assert_eq!(
            object(&v1beta1)["spec"],
            json!({
                "rollout": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "after": "2030-01-01T00:00:00Z"},
                "deletion": {"order": "Oldest"},
                "remediation": {"maxInFlight": 2},
                "template": {"spec": {
                    "infrastructureRef": {"kind": "K", "name": "n", "apiGroup": "infrastructure.cluster.x-k8s.io"},
                    "minReadySeconds": 60,
                    "deletion": {"nodeDrainTimeoutSeconds": 900},
                }},
            })
        );
    }
}
