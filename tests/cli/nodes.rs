//! Settings of every node, read the way CAPI's kubeadm bootstrap provider turns a
//! KubeadmConfigTemplate into cloud-init (kubernetes-sigs/cluster-api@ae7ff04,
//! `bootstrap/kubeadm/pkg/cloudinit/`).

use crate::support::{TempValues, capkv, documents, lint_demo};
use serde_json::Value;

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUExampleOnlyForDocs\n-----END CERTIFICATE-----\n";

/// The objects of one kind that `values` render to, with `set` (an API version choice).
fn objects_of(values: &str, set: &str, kind: &str) -> Vec<Value> {
    let file = TempValues::new(values);
    let out = capkv(&["render", "demo", "-f", file.arg(), "--set", set]).success();
    documents(&out)
        .into_iter()
        .filter(|d| d["kind"] == kind)
        .collect()
}

fn kubeadm_configs(values: &str, capi: &str) -> Vec<Value> {
    objects_of(
        values,
        &format!("apiVersions.capi={capi}"),
        "KubeadmConfigTemplate",
    )
}

fn values() -> String {
    let mut values = String::from(
        "nodes:\n  ntpServers: [ntp1.example.com, 10.0.0.123]\n  trustedCaCertificates:\n    - |\n",
    );
    for line in PEM.lines() {
        values.push_str("      ");
        values.push_str(line);
        values.push('\n');
    }
    values
}

/// The order cloud-init runs a node's configuration in (node.go:20-41): `write_files`,
/// then `runcmd` with the preKubeadmCommands before `kubeadm join`; and `ntp:` with
/// the servers (ntp.go:20-30).
#[test]
fn the_ca_is_trusted_before_the_node_joins_and_ntp_reaches_cloud_init() {
    for capi in ["v1beta2", "v1beta1"] {
        let configs = kubeadm_configs(&values(), capi);
        assert_eq!(configs.len(), 1);
        let spec = &configs[0]["spec"]["template"]["spec"];
        let file = spec["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| {
                f["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/usr/local/share/ca-certificates/"))
            })
            .expect("the CA file");
        // update-ca-certificates takes only *.crt files from that directory.
        let path = std::path::Path::new(file["path"].as_str().expect("a path"));
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some("crt"));
        assert_eq!(file["content"], PEM, "{capi}: byte for byte");
        let commands: Vec<&str> = spec["preKubeadmCommands"]
            .as_array()
            .expect("commands")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        // containerd runs from the image before cloud-init: it trusts the new CA only
        // once restarted after update-ca-certificates, and before the join.
        let update = commands.iter().position(|c| *c == "update-ca-certificates");
        let restart = commands
            .iter()
            .position(|c| *c == "systemctl restart containerd");
        assert!(update.is_some() && update < restart, "{capi}: {commands:?}");
        assert_eq!(spec["ntp"]["enabled"], true);
        assert_eq!(
            spec["ntp"]["servers"],
            serde_json::json!(["ntp1.example.com", "10.0.0.123"])
        );
    }
}

#[test]
fn changing_them_rolls_every_pool_and_the_default_changes_nothing() {
    let with = kubeadm_configs(&values(), "v1beta2");
    let without = kubeadm_configs("nodes: {}\n", "v1beta2");
    assert_ne!(
        with[0]["metadata"]["name"], without[0]["metadata"]["name"],
        "part of the template's content hash"
    );
    let spec = &without[0]["spec"]["template"]["spec"];
    assert!(spec.get("ntp").is_none());
    assert!(spec.get("files").is_none());
}

#[test]
fn lint_refuses_what_a_node_could_not_use() {
    let cases = [
        (
            "nodes:\n  ntpServers: [\"ntp server\"]\n",
            "error: nodes.ntpServers[0]: \"ntp server\" is neither an IP address nor a host name",
        ),
        (
            "nodes:\n  trustedCaCertificates: [\"MIIB\"]\n",
            "error: nodes.trustedCaCertificates[0]: not a PEM certificate",
        ),
        (
            "nodes:\n  trustedCaCertificates: [\"-----BEGIN CERTIFICATE-----\\nMIIB\\n\"]\n",
            "error: nodes.trustedCaCertificates[0]: a certificate without -----END CERTIFICATE-----",
        ),
    ];
    for (values, expected) in cases {
        let run = lint_demo(values);
        run.assert_finding(values, expected);
    }
}

/// The drop-in as systemd reads `Environment=` (systemd.exec(5): double-quoted
/// assignments, `%%` for a literal `%`, `\` escapes), returning the variables.
fn systemd_environment(unit: &str) -> std::collections::BTreeMap<String, String> {
    // Quotes and escapes are systemd's, read below; the INI reader only splits lines.
    let raw = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..ini::ParseOption::default()
    };
    let conf = ini::Ini::load_from_str_opt(unit, raw).expect("a unit file");
    let service = conf.section(Some("Service")).expect("[Service]");
    service
        .get_all("Environment")
        .map(|value| {
            let inner = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .expect("quoted");
            let unescaped = inner
                .replace("%%", "%")
                .replace("\\\"", "\"")
                .replace("\\\\", "\\");
            let (name, value) = unescaped.split_once('=').expect("NAME=value");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

/// Whether Go sends a request to `host` through the proxy, as
/// golang.org/x/net/http/httpproxy `useProxy` decides for the entries of NO_PROXY:
/// an IP inside a CIDR, the host itself, or a `.domain` suffix bypass it.
fn bypasses(no_proxy: &str, host: &str) -> bool {
    let ip = |text: &str| -> Option<u32> {
        let parts: Vec<u32> = text
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        (parts.len() == 4).then(|| parts.iter().fold(0, |acc, p| (acc << 8) | p))
    };
    no_proxy.split(',').map(str::trim).any(|entry| {
        if let Some((network, bits)) = entry.split_once('/') {
            let (Some(network), Some(addr), Ok(bits)) =
                (ip(network), ip(host), bits.parse::<u32>())
            else {
                return false;
            };
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            return network & mask == addr & mask;
        }
        host == entry || (entry.starts_with('.') && host.ends_with(entry))
    })
}

#[test]
fn the_proxy_reaches_containerd_and_the_kubelet_and_spares_the_cluster() {
    let values = "vSphere:\n  server: vcenter.example.com\nnodes:\n  proxy:\n    httpsProxy: \"http://user:p%40ss@proxy.example.com:3128\"\n    noProxy: [.corp.example.com]\n";
    for capi in ["v1beta2", "v1beta1"] {
        let configs = kubeadm_configs(values, capi);
        let spec = &configs[0]["spec"]["template"]["spec"];
        let files = spec["files"].as_array().expect("files");
        for unit in ["containerd", "kubelet"] {
            let file = files
                .iter()
                .find(|f| {
                    f["path"] == format!("/etc/systemd/system/{unit}.service.d/http-proxy.conf")
                })
                .unwrap_or_else(|| panic!("{capi}: {unit} drop-in"));
            let env = systemd_environment(file["content"].as_str().expect("content"));
            assert_eq!(
                env["HTTPS_PROXY"], "http://user:p%40ss@proxy.example.com:3128",
                "{capi}: the % survives systemd's specifiers"
            );
            let no_proxy = &env["NO_PROXY"];
            for host in [
                "10.96.0.1",
                "10.244.3.7",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
                "192.168.0.20",
                "vcenter.example.com",
                "git.corp.example.com",
                "localhost",
            ] {
                assert!(
                    bypasses(no_proxy, host),
                    "{capi}: {host} must not go through the proxy"
                );
            }
            assert!(
                !bypasses(no_proxy, "registry.k8s.io"),
                "{capi}: image pulls go through it"
            );
        }
        let commands: Vec<&str> = spec["preKubeadmCommands"]
            .as_array()
            .expect("commands")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let reload = commands
            .iter()
            .position(|c| *c == "systemctl daemon-reload");
        let restart = commands
            .iter()
            .position(|c| *c == "systemctl restart containerd");
        assert!(reload.is_some() && reload < restart, "{capi}: {commands:?}");
    }
    let run = lint_demo("nodes:\n  proxy:\n    httpsProxy: proxy.example.com:3128\n");
    assert!(
        run.stderr.contains(
            "error: nodes.proxy.httpsProxy: \"proxy.example.com:3128\" is not a proxy URL"
        ),
        "{}",
        run.stderr
    );
    let run = lint_demo(values);
    assert!(
        run.stderr
            .contains("warning: nodes.proxy.noProxy: the control plane's address is not known"),
        "{}",
        run.stderr
    );
}

/// containerd reads `/etc/containerd/certs.d/<registry>/hosts.toml` (containerd
/// docs/hosts.md): `host` tables tried in the order written, each with its
/// capabilities, its CA file and `override_path` when its path is the API root.
#[test]
fn registry_mirrors_are_hosts_toml_files_containerd_reads() {
    let values = "nodes:\n  registryMirrors:\n    - registry: docker.io\n      mirrors: [\"https://harbor.example.com/v2/docker-hub\", \"https://backup.example.com\", \"https://v2.mirror.example.com/cache\"]\n      caCertificate: |\n        -----BEGIN CERTIFICATE-----\n        MIIB\n        -----END CERTIFICATE-----\n";
    for capi in ["v1beta2", "v1beta1"] {
        let configs = kubeadm_configs(values, capi);
        let files = configs[0]["spec"]["template"]["spec"]["files"]
            .as_array()
            .expect("files")
            .clone();
        let content = |path: &str| {
            files
                .iter()
                .find(|f| f["path"] == path)
                .and_then(|f| f["content"].as_str())
                .unwrap_or_else(|| panic!("{capi}: {path}"))
                .to_owned()
        };
        let hosts: toml::Table = content("/etc/containerd/certs.d/docker.io/hosts.toml")
            .parse()
            .expect("hosts.toml is TOML");
        let table = hosts["host"].as_table().expect("[host.…] tables");
        let order: Vec<&str> = table.keys().map(String::as_str).collect();
        assert_eq!(
            order,
            [
                "https://harbor.example.com/v2/docker-hub",
                "https://backup.example.com",
                "https://v2.mirror.example.com/cache"
            ],
            "{capi}: tried in the order given"
        );
        let harbor = &table["https://harbor.example.com/v2/docker-hub"];
        assert_eq!(harbor["override_path"].as_bool(), Some(true));
        // containerd v2.3.2 core/remotes/docker/config/hosts.go:440-447: without
        // `override_path` it appends `/v2` to the path, which a host named `v2.…`
        // with a `/cache` prefix needs as much as a bare host does.
        for plain in [
            "https://backup.example.com",
            "https://v2.mirror.example.com/cache",
        ] {
            assert!(
                table[plain].get("override_path").is_none(),
                "{capi}: {plain}"
            );
        }
        let ca = harbor["ca"].as_str().expect("ca");
        assert!(
            content(ca).starts_with("-----BEGIN CERTIFICATE-----"),
            "{capi}"
        );
        assert_eq!(
            harbor["capabilities"].as_array().map(Vec::len),
            Some(2),
            "pull and resolve, never push"
        );
    }
    let twice = "nodes:\n  registryMirrors:\n    - {registry: docker.io, mirrors: [\"https://a.example.com\"]}\n    - {registry: docker.io, mirrors: [\"mirror.example.com\"]}\n";
    let run = lint_demo(twice);
    run.assert_stderr_has_all(&[
        "error: nodes.registryMirrors[1].registry: \"docker.io\" is listed twice",
        "error: nodes.registryMirrors[1].mirrors[0]: \"mirror.example.com\" is not a mirror URL",
    ]);
}

/// A pool's extra disks and PCI devices reach CAPV's VSphereMachineTemplate in its own
/// field names (`dataDisks`, `pciDevices`), are part of the template's content hash
/// (CAPV templates are immutable: a change is a new template and a roll), and lint
/// refuses what vSphere could not build.
#[test]
fn data_disks_and_pci_devices_reach_the_machine_template() {
    let pool = "nodePools:\n  - name: gpu\n    template: ubuntu-2404-kube-v1.31.0\n    dataStore: ds\n    network: net\n";
    let with = format!(
        "{pool}    dataDisks: [{{name: containerd, sizeGiB: 200, provisioningMode: Thin}}]\n    pciDevices: [{{vendorId: 4318, deviceId: 8711}}, {{vGPUProfile: grid_a100-4c}}]\n"
    );
    for capv in ["v1beta2", "v1beta1"] {
        let render = |values: &str| {
            objects_of(
                values,
                &format!("apiVersions.capv={capv}"),
                "VSphereMachineTemplate",
            )
            .swap_remove(0)
        };
        let template = render(&with);
        let spec = &template["spec"]["template"]["spec"];
        assert_eq!(
            spec["dataDisks"],
            serde_json::json!([{"name": "containerd", "sizeGiB": 200, "provisioningMode": "Thin"}]),
            "{capv}"
        );
        assert_eq!(
            spec["pciDevices"],
            serde_json::json!([{"vendorId": 4318, "deviceId": 8711}, {"vGPUProfile": "grid_a100-4c"}]),
            "{capv}"
        );
        let plain = render(pool);
        assert_ne!(
            template["metadata"]["name"], plain["metadata"]["name"],
            "{capv}: a new template"
        );
        assert!(plain["spec"]["template"]["spec"].get("dataDisks").is_none());
    }
    let bad = format!(
        "{pool}    dataDisks: [{{name: d, sizeGiB: 0}}, {{name: d, sizeGiB: 1}}, {{name: e, sizeGiB: 3000000000}}]\n    pciDevices: [{{vendorId: 4318}}, {{vendorId: 1, deviceId: 2, vGPUProfile: p}}, {{}}]\n"
    );
    let run = lint_demo(&bad);
    run.assert_stderr_has_all(&[
        "error: nodePools[0].dataDisks[0].sizeGiB: 0: a data disk needs a size of at least 1 GiB",
        "error: nodePools[0].dataDisks[2].sizeGiB: 3000000000: CAPV takes a size of at most 2147483647 GiB",
        "error: nodePools[0].dataDisks[1].name: \"d\" is already the name of another data disk",
        "error: nodePools[0].pciDevices[0]: a passthrough device needs both vendorId and deviceId",
        "error: nodePools[0].pciDevices[1]: both a passthrough device",
        "error: nodePools[0].pciDevices[2]: neither vendorId and deviceId",
    ]);
    // CAPV v1beta2 api/govmomi/v1beta2/types.go:299 (MaxItems=29) and :396 (an
    // int32 size): the API server refuses more disks or a larger size, so lint does.
    let disks: Vec<String> = (0..30)
        .map(|i| format!("{{name: d{i}, sizeGiB: 1}}"))
        .collect();
    let many = format!("{pool}    dataDisks: [{}]\n", disks.join(", "));
    let run = lint_demo(&many);
    assert!(
        run.stderr
            .contains("error: nodePools[0].dataDisks: 30 data disks: CAPV takes at most 29"),
        "{}",
        run.stderr
    );
    let most = format!("{pool}    dataDisks: [{}]\n", disks[..29].join(", "));
    let run = lint_demo(&most);
    assert!(!run.stderr.contains("dataDisks"), "{}", run.stderr);
}

/// Mirror credentials come from a Secret: the KubeadmConfigTemplate names it
/// (`files[].contentFrom.secret`), CAPI's bootstrap provider reads it in the
/// KubeadmConfig's namespace when it writes the node's cloud-init
/// (kubernetes-sigs/cluster-api@ae7ff04 bootstrap/kubeadm/reconcilers/kubeadmconfig/
/// kubeadmconfig_controller.go:1038 and :1056), and the script capkv
/// ships writes them into a containerd drop-in. containerd 2 imports
/// /etc/containerd/conf.d/*.toml in image-builder's images (image-builder@ae63061
/// images/capi/ansible/roles/containerd/templates/etc/containerd/config.toml:5-9,
/// containerd 2.3.2 per packer/config/containerd.json:8), merges it key by key
/// (containerd v2.3.2 cmd/containerd/server/config/config.go:616-630; two CRI drop-ins
/// and nested runtime tables merge in config_test.go:452-470 and :490-546), and its CRI
/// looks credentials up by the host it contacts, the mirror's
/// (internal/cri/server/images/image_pull.go:105-113), in the local pull that
/// `registry.configs` switches it to (internal/cri/config/config.go:584, :611;
/// image_pull.go:184-185, :248, :496-502: the hosts of `config_path` get that
/// lookup), not the transfer service; the kubelet's
/// docker keyring would be matched against the image's registry instead, never the
/// mirror. containerd 1.7 replaces a whole plugin section with an import
/// (v1.7.27 services/server/config/config.go:299-308), so the script refuses it.
#[test]
fn mirror_credentials_come_from_a_secret_and_reach_containerd_by_mirror_host() {
    let values = "nodes:\n  registryMirrors:\n    - registry: docker.io\n      mirrors: [\"https://harbor.example.com/v2/docker-hub\", \"https://backup.example.com:5000\"]\n      credentialsSecret: harbor-pull\n";
    for capi in ["v1beta2", "v1beta1"] {
        let configs = kubeadm_configs(values, capi);
        let spec = &configs[0]["spec"]["template"]["spec"];
        let files = spec["files"].as_array().expect("files");
        let dir = "/etc/containerd/capkv-registry-auth/docker.io";
        for key in ["username", "password"] {
            let file = files
                .iter()
                .find(|f| f["path"] == format!("{dir}/{key}"))
                .unwrap_or_else(|| panic!("{capi}: the {key} file"));
            assert_eq!(
                file["contentFrom"],
                serde_json::json!({"secret": {"name": "harbor-pull", "key": key}}),
                "{capi}"
            );
            assert!(file.get("content").is_none(), "{capi}: never inline");
            assert_eq!(file["permissions"], "0600");
        }
        let commands: Vec<&str> = spec["preKubeadmCommands"]
            .as_array()
            .expect("commands")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let write = commands
            .iter()
            .position(|c| c.contains("write-drop-in.sh"))
            .expect("the drop-in is written");
        let restart = commands
            .iter()
            .position(|c| *c == "systemctl restart containerd")
            .expect("containerd restarts");
        assert!(
            write < restart,
            "{capi}: written before containerd restarts"
        );

        // Run the rendered script and command on a stand-in of the node.
        let script = files
            .iter()
            .find(|f| f["path"] == "/etc/containerd/capkv-registry-auth/write-drop-in.sh")
            .and_then(|f| f["content"].as_str())
            .expect("the script");
        let words: Vec<&str> = commands[write].split(' ').collect();
        assert_eq!(
            words[..2],
            ["sh", "/etc/containerd/capkv-registry-auth/write-drop-in.sh"]
        );
        assert_eq!(words[2], "/etc/containerd/config.toml");
        assert_eq!(words[3], dir);
        // containerd's import glob is /etc/containerd/conf.d/*.toml.
        let drop_in = std::path::Path::new(words[4]);
        assert_eq!(
            drop_in.parent(),
            Some(std::path::Path::new("/etc/containerd/conf.d"))
        );
        assert_eq!(drop_in.extension().and_then(|e| e.to_str()), Some("toml"));
        let hosts: Vec<&str> = words[5..].iter().map(|h| h.trim_matches('\'')).collect();
        assert_eq!(hosts, ["harbor.example.com", "backup.example.com:5000"]);
        let node = tempfile::tempdir().expect("temp dir");
        let at = |name: &str| node.path().join(name);
        std::fs::create_dir(at("auth")).expect("auth dir");
        std::fs::write(at("script.sh"), script).expect("script");
        std::fs::write(at("auth/username"), "robot$pull").expect("username");
        // As `kubectl create secret` may leave it: a trailing newline.
        std::fs::write(at("auth/password"), "p\"a\\s's\n").expect("password");
        let run = |config: &str| {
            std::fs::write(at("config.toml"), config).expect("config");
            std::process::Command::new("sh")
                .arg(at("script.sh"))
                .arg(at("config.toml"))
                .arg(at("auth"))
                .arg(at("conf.d/auth.toml"))
                .args(&hosts)
                .output()
                .expect("sh runs")
        };
        let refused = run("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n");
        assert!(!refused.status.success(), "{capi}: containerd 1.x refused");
        assert!(!at("conf.d/auth.toml").exists());
        let done = run("version = 3\n");
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        let drop_in: toml::Table = std::fs::read_to_string(at("conf.d/auth.toml"))
            .expect("drop-in")
            .parse()
            .expect("the drop-in is TOML");
        assert_eq!(drop_in["version"].as_integer(), Some(3));
        let configs = &drop_in["plugins"]["io.containerd.cri.v1.images"]["registry"]["configs"];
        for host in &hosts {
            let auth = &configs[*host]["auth"];
            assert_eq!(auth["username"].as_str(), Some("robot$pull"), "{host}");
            assert_eq!(auth["password"].as_str(), Some("p\"a\\s's"), "{host}");
        }
    }
    let bad = "nodes:\n  registryMirrors:\n    - {registry: docker.io, mirrors: [\"http://m.example.com\"], credentialsSecret: Harbor_Pull}\n";
    let run = lint_demo(bad);
    run.assert_stderr_has_all(&[
        "error: nodes.registryMirrors[0].credentialsSecret: \"Harbor_Pull\" is not a Secret name",
        "warning: nodes.registryMirrors[0].mirrors[0]: \"http://m.example.com\" is plain HTTP",
    ]);
    let hostile = "nodes:\n  registryMirrors:\n    - {registry: \"docker.io:1;x\", mirrors: [\"https://a'b.example.com\"], credentialsSecret: s}\n";
    let run = lint_demo(hostile);
    run.assert_stderr_has_all(&[
        "error: nodes.registryMirrors[0].registry: \"docker.io:1;x\" is not a registry host",
        "error: nodes.registryMirrors[0].mirrors[0]: \"https://a'b.example.com\" is not a mirror URL",
    ]);
}

/// A proxy or mirror URL may carry `user:password@`; lint names the value's path and
/// what is wrong, never the password, even when the URL does not parse.
#[test]
fn lint_never_prints_a_password_from_a_url() {
    let values = "nodes:\n  proxy:\n    httpsProxy: \"admin:Sup3rSecret@proxy.example.com:3128\"\n  registryMirrors:\n    - {registry: docker.io, mirrors: [\"http://robot:Sup3rSecret@m.example.com\"], credentialsSecret: pull}\n";
    let run = lint_demo(values);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    run.assert_stderr_has_all(&[
        "error: nodes.proxy.httpsProxy: the URL (not shown: it holds user information, which may be a password) is not a proxy URL",
        "error: nodes.registryMirrors[0].mirrors[0]: the URL (not shown: it holds user information, which may be a password): a mirror URL carries no user information; give the credentials in nodes.registryMirrors[0].credentialsSecret",
    ]);
    assert!(!run.stderr.contains("Sup3rSecret"), "{}", run.stderr);
}

/// containerd's CRI looks credentials up by the mirror's host alone (containerd v2.3.2
/// internal/cri/server/images/image_pull.go:105-113: `registry.configs[host]`), and
/// merges the drop-ins so that the last one's value for a host wins
/// (cmd/containerd/server/config/config.go:616-618, mergo WithOverride): two
/// registries mirrored on one host with different Secrets would share one's
/// credentials, so lint refuses it; the same Secret is fine.
#[test]
fn one_mirror_host_has_one_set_of_credentials() {
    let entries = |second: &str| {
        format!(
            "nodes:\n  registryMirrors:\n    - {{registry: docker.io, mirrors: [\"https://harbor.example.com/v2/docker-hub\"], credentialsSecret: docker-hub-pull}}\n    - {{registry: quay.io, mirrors: [\"https://harbor.example.com/v2/quay\"], credentialsSecret: {second}}}\n"
        )
    };
    let run = capkv(&[
        "lint",
        "demo",
        "-f",
        TempValues::new(&entries("quay-pull")).arg(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: nodes.registryMirrors[1].mirrors[0]: harbor.example.com is also a mirror of nodes.registryMirrors[0] with the credentials of Secret \"docker-hub-pull\""
        ),
        "{}",
        run.stderr
    );
    let run = capkv(&[
        "lint",
        "demo",
        "-f",
        TempValues::new(&entries("docker-hub-pull")).arg(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("is also a mirror"), "{}", run.stderr);
}
