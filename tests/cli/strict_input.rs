//! Strict input (#18): a wrong shape is refused at its path, whatever the layer it came
//! from, and a closed set lists what it allows.

use crate::support::{TempValues, capkv};

/// serde's own vocabulary never reaches users.
#[track_caller]
fn assert_plain(stderr: &str) {
    for internal in [
        "invalid length",
        "struct ",
        "sequence",
        "unit value",
        "variant",
    ] {
        assert!(!stderr.contains(internal), "{internal:?} in: {stderr}");
    }
}

#[test]
fn a_list_where_a_map_is_expected_is_refused_at_its_path() {
    for (args, path) in [
        (vec!["--set", "vSphere[0]=x"], "vSphere"),
        (
            vec!["--set-json", "vSphereCloudControllerManager=[false]"],
            "vSphereCloudControllerManager",
        ),
        (
            vec!["--set-json", "cluster.controlPlane.kubelet=[]"],
            "cluster.controlPlane.kubelet",
        ),
        (
            vec!["--set-json", "nodePools[0].users=[[\"ubuntu\"]]"],
            "nodePools[0].users[0]",
        ),
    ] {
        let mut all = vec!["render", "demo"];
        all.extend(args);
        let run = capkv(&all);
        run.assert_fails(
            1,
            &format!("error: {path}: expected a map, got a list (from --set flags)"),
        );
        assert_plain(&run.stderr);
    }
}

#[test]
fn a_list_or_a_tagged_sequence_in_a_file_is_not_read_by_position() {
    for (text, path) in [
        (
            "vSphere: !!python/object/apply:os.system [\"true\"]\n",
            "vSphere",
        ),
        (
            "nodePools:\n  - [default, ubuntu, datastore, network]\n",
            "nodePools[0]",
        ),
        ("ipamProvider: [false, [10.0.0.0/24]]\n", "ipamProvider"),
    ] {
        let file = TempValues::new(text);
        let run = capkv(&["render", "demo", "-f", file.arg()]);
        run.assert_fails(
            1,
            &format!(
                "error: {path}: expected a map, got a list (from {})",
                file.arg()
            ),
        );
        assert_plain(&run.stderr);
    }
}

#[test]
fn closed_sets_list_the_values_they_allow() {
    for (key, value, allowed) in [
        (
            "vSphereCloudControllerManager.image.pullPolicy",
            "Sometimes",
            "\"Always\", \"IfNotPresent\", \"Never\"",
        ),
        (
            "vSphereStorageControllerManager.imagePullPolicy",
            "always",
            "\"Always\", \"IfNotPresent\", \"Never\"",
        ),
        (
            "vSphereStorageControllerManager.logLevel",
            "DEBUG",
            "\"PRODUCTION\", \"DEVELOPMENT\"",
        ),
        (
            "vSphereStorageControllerManager.storageClass.reclaimPolicy",
            "Recycle",
            "\"Delete\", \"Retain\"",
        ),
        (
            "vSphereStorageControllerManager.storageClass.volumeBindingMode",
            "Lazy",
            "\"Immediate\", \"WaitForFirstConsumer\"",
        ),
        (
            "cluster.controlPlane.network.serviceType",
            "Ingress",
            "\"ClusterIP\", \"NodePort\", \"LoadBalancer\"",
        ),
        (
            "cluster.controlPlane.kubelet.cgroupfs",
            "cgroupv2",
            "\"systemd\", \"cgroupfs\"",
        ),
        (
            "nodePools[0].cloneMode",
            "instantClone",
            "\"fullClone\", \"linkedClone\"",
        ),
    ] {
        let run = capkv(&["render", "demo", "--set", &format!("{key}={value}")]);
        run.assert_fails(
            1,
            &format!("error: {key}: expected one of {allowed}, got \"{value}\" (from --set flags)"),
        );
        assert_plain(&run.stderr);
    }
}

#[test]
fn the_schema_lists_the_same_closed_sets() {
    let schema: serde_json::Value =
        serde_json::from_str(&capkv(&["schema"]).success()).expect("JSON");
    let text = schema.to_string();
    for value in [
        "WaitForFirstConsumer",
        "DEVELOPMENT",
        "IfNotPresent",
        "cgroupfs",
        "InternalDNS",
    ] {
        assert!(text.contains(&format!("\"{value}\"")), "{value}");
    }
}
