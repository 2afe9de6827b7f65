//! Each lint rule through the binary: a values file that breaks it, on top of values
//! with no finding, and the message naming the values path and the file.

use crate::lint::CLEAN;
use crate::support::{Run, TempValues, capkv};

struct Linted {
    run: Run,
    file: TempValues,
    _clean: TempValues,
}

/// `capkv lint demo -f <clean> -f <broken> [extra…]`.
fn lint(broken: &str, extra: &[&str]) -> Linted {
    let clean = TempValues::new(CLEAN);
    let file = TempValues::new(broken);
    let mut args = vec!["lint", "demo", "-f", clean.arg(), "-f", file.arg()];
    args.extend_from_slice(extra);
    Linted {
        run: capkv(&args),
        file,
        _clean: clean,
    }
}

impl Linted {
    /// A line `<level>: <path>: …<fragment>… (from <broken file>)`.
    #[track_caller]
    fn has(&self, level: &str, path: &str, fragment: &str) -> &Self {
        let start = format!("{level}: {path}: ");
        let end = format!("(from {})", self.file.arg());
        assert!(
            self.run
                .stderr
                .lines()
                .any(|l| l.starts_with(&start) && l.contains(fragment) && l.ends_with(&end)),
            "{start}…{fragment}…{end} in:\n{}",
            self.run.stderr
        );
        self
    }

    #[track_caller]
    fn error(&self, path: &str, fragment: &str) -> &Self {
        assert_eq!(self.run.code, 1, "{}", self.run.stderr);
        assert!(self.run.stdout.is_empty(), "{}", self.run.stdout);
        self.has("error", path, fragment)
    }

    /// A warning, and nothing worse: lint passes.
    #[track_caller]
    fn warning(&self, path: &str, fragment: &str) -> &Self {
        assert_eq!(self.run.code, 0, "{}", self.run.stderr);
        assert!(self.run.stdout.starts_with("lint: 0 errors, "));
        self.has("warning", path, fragment)
    }

    #[track_caller]
    fn count(&self, findings: usize) {
        assert_eq!(
            self.run
                .stderr
                .lines()
                .filter(|l| !l.starts_with("lint: "))
                .count(),
            findings,
            "{}",
            self.run.stderr
        );
    }
}

const POOL: &str = "nodePools:\n  - name: a\n    template: ubuntu-2204-kube-v1.31.0\n    dataStore: d\n    network: net\n";

fn pool(extra: &str) -> String {
    format!("{POOL}{extra}")
}

// IPAM

#[test]
fn ipam_ranges_must_be_cidrs_ranges_or_ips() {
    lint(
        "ipamProvider:\n  ranges: [192.168.0.0/24, 192.168.0.300, 192.168.0.20-192.168.0.10, 192.168.0.0/33]\n  gateway: \"\"\n",
        &[],
    )
    .error("ipamProvider.ranges[1]", "\"192.168.0.300\" is not an IP address, an a-b range")
    .error("ipamProvider.ranges[2]", "\"192.168.0.20-192.168.0.10\"")
    .error("ipamProvider.ranges[3]", "\"192.168.0.0/33\"")
    .count(3);
    lint("ipamProvider:\n  ranges: []\n", &[])
        .error("ipamProvider.ranges", "needs at least one address");
}

#[test]
fn ipam_ranges_are_of_one_family() {
    lint(
        "ipamProvider:\n  ranges: [192.168.0.10-192.168.0.20, \"2001:db8::10\"]\n",
        &[],
    )
    .error("ipamProvider.ranges", "mix IPv4 and IPv6");
}

#[test]
fn ipam_prefix_fits_the_family() {
    lint("ipamProvider:\n  prefix: 33\n", &[]).error(
        "ipamProvider.prefix",
        "expected a prefix length from 0 to 32 for an IPv4 pool, got 33",
    );
    lint(
        "ipamProvider:\n  ranges: [\"2001:db8::10-2001:db8::ff\"]\n  prefix: \"129\"\n  gateway: \"2001:db8::1\"\n",
        &[],
    )
    .error("ipamProvider.prefix", "from 0 to 128 for an IPv6 pool, got 129");
    lint("ipamProvider:\n  prefix: 0\n", &[]).error("ipamProvider.prefix", "refuses prefix 0");
    // A valid IPv6 pool passes.
    let v6 = lint(
        "ipamProvider:\n  ranges: [\"2001:db8::10-2001:db8::ff\"]\n  prefix: 64\n  gateway: \"2001:db8::1\"\n",
        &[],
    );
    assert_eq!(
        v6.run.stdout, "lint: 0 errors, 0 warnings\n",
        "{}",
        v6.run.stderr
    );
}

#[test]
fn ipam_prefix_covers_every_range() {
    lint(
        "ipamProvider:\n  ranges: [10.0.0.10-10.0.0.20, 10.0.1.0/24]\n  prefix: 24\n  gateway: 10.0.0.1\n",
        &[],
    )
    .error(
        "ipamProvider.ranges[1]",
        "\"10.0.1.0/24\" is not inside 10.0.0.0/24, the subnet of the pool's lowest address 10.0.0.10 and ipamProvider.prefix 24",
    )
    .count(1);
    // The same ranges with a wider prefix are one subnet.
    let wide = lint(
        "ipamProvider:\n  ranges: [10.0.0.10-10.0.0.20, 10.0.1.0/24]\n  prefix: 23\n  gateway: 10.0.0.1\n",
        &[],
    );
    assert_eq!(wide.run.code, 0, "{}", wide.run.stderr);
}

#[test]
fn ipam_gateway_is_of_the_family_and_inside_the_subnet() {
    lint("ipamProvider:\n  gateway: \"2001:db8::1\"\n", &[]).error(
        "ipamProvider.gateway",
        "is an IPv6 address but the pool's addresses are IPv4",
    );
    lint("ipamProvider:\n  gateway: 192.168.1.1\n", &[]).error(
        "ipamProvider.gateway",
        "192.168.1.1 is outside the pool's subnet 192.168.0.0/24",
    );
    lint("ipamProvider:\n  gateway: router\n", &[])
        .error("ipamProvider.gateway", "\"router\" is not an IP address");
}

#[test]
fn ipam_gateway_inside_an_allocatable_range_is_a_warning() {
    lint("ipamProvider:\n  ranges: [192.168.0.0/24]\n  gateway: 192.168.0.1\n", &[]).warning(
        "ipamProvider.gateway",
        "192.168.0.1 is inside the allocatable range ipamProvider.ranges[0] \"192.168.0.0/24\": the IPAM provider never allocates the gateway",
    );
}

#[test]
fn ipam_values_are_not_checked_when_ipam_is_off() {
    let off = lint(
        &pool(
            "    dhcp4: true\n    addressesFromPools: {enabled: false}\nipamProvider:\n  enabled: false\n  ranges: [nonsense]\n",
        ),
        &[],
    );
    assert_eq!(
        off.run.stdout, "lint: 0 errors, 0 warnings\n",
        "{}",
        off.run.stderr
    );
}

// Versions

#[test]
fn template_naming_another_kubernetes_minor_is_a_warning() {
    lint(
        &pool("cluster:\n  controlPlane:\n    version: v1.32.4\nvSphereCloudControllerManager:\n  version: v1.32.0\n"),
        &[],
    )
    .warning(
        "nodePools[0].template",
        "\"ubuntu-2204-kube-v1.31.0\" names Kubernetes 1.31 but cluster.controlPlane.version is v1.32.4",
    )
    .count(1);
}

// Autoscaling

#[test]
fn replicas_outside_the_autoscaling_bounds_is_a_warning() {
    lint(
        &pool("    replicas: 12\n    autoscaling:\n      enabled: true\n      minSize: \"2\"\n      maxSize: 6\n"),
        &[],
    )
    .warning("nodePools[0].replicas", "12 is outside the autoscaling bounds [2, 6]")
    .count(1);
    // Without autoscaling, replicas are the pool's size: no warning.
    let off = lint(&pool("    replicas: 12\n"), &[]);
    assert_eq!(
        off.run.stdout, "lint: 0 errors, 0 warnings\n",
        "{}",
        off.run.stderr
    );
}

// vSphere

#[test]
fn empty_thumbprint_without_insecure_is_a_warning_naming_the_fix() {
    lint("vSphere:\n  tlsThumbprint: \"\"\n", &[]).warning(
        "vSphere.tlsThumbprint",
        "CAPV then connects to vCenter WITHOUT TLS verification",
    );
    let explicit = lint("vSphere:\n  tlsThumbprint: \"\"\n  insecure: true\n", &[]);
    assert_eq!(explicit.run.stdout, "lint: 0 errors, 0 warnings\n");
}

#[test]
fn machine_sizes_have_capvs_minimums() {
    lint(
        &pool("    numCPUs: 1\n    memoryMiB: 0\n    diskGiB: 0\n"),
        &[],
    )
    .error(
        "nodePools[0].numCPUs",
        "1 is too small: CAPV requires at least 2 vCPUs",
    )
    .error(
        "nodePools[0].memoryMiB",
        "0 is too small: CAPV requires at least 1 MiB",
    )
    .error(
        "nodePools[0].diskGiB",
        "0 is too small: CAPV requires at least 1 GiB",
    )
    .count(3);
}

#[test]
fn name_servers_at_most_three_and_needed_without_dhcp() {
    lint(
        &pool("    nameServers: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4]\n"),
        &[],
    )
    .error(
        "nodePools[0].nameServers",
        "4 name servers: Linux uses at most 3",
    );
    lint(&pool("    nameServers: [dns.example.com]\n"), &[]).error(
        "nodePools[0].nameServers[0]",
        "\"dns.example.com\" is not an IP address",
    );
    lint(&pool("    dhcp4: false\n    nameServers: []\n"), &[])
        .error("nodePools[0].nameServers", "required when dhcp4 is false");
    let dhcp = lint(
        &pool("    dhcp4: true\n    nameServers: []\n    addressesFromPools: {enabled: false}\n"),
        &[],
    );
    assert_eq!(
        dhcp.run.stdout, "lint: 0 errors, 0 warnings\n",
        "{}",
        dhcp.run.stderr
    );
}

#[test]
fn a_pool_needs_an_address_source() {
    lint(
        &pool("    dhcp4: false\n    addressesFromPools: {enabled: false}\n"),
        &[],
    )
    .error(
        "nodePools[0].dhcp4",
        "the machines would get no IPv4 address",
    );
}

#[test]
fn pool_gateway_is_ipv4_and_the_ipam_gateway() {
    lint(&pool("    gateway: 192.168.0.254\n"), &[]).error(
        "nodePools[0].gateway",
        "192.168.0.254 differs from ipamProvider.gateway 192.168.0.1",
    );
    lint(&pool("    gateway: \"2001:db8::1\"\n"), &[])
        .error("nodePools[0].gateway", "is not an IPv4 address");
}

#[test]
fn static_routes_are_ips_or_cidrs() {
    lint(
        &pool("    staticRoutes:\n      - {to: 172.16.0.0/12, via: 192.168.0.254}\n      - {to: 10.0.0.1, via: 192.168.0.254}\n      - {to: office, via: 192.168.0.0/24}\n"),
        &[],
    )
    .error("nodePools[0].staticRoutes[2].to", "\"office\" is not a CIDR or an IP address")
    .error("nodePools[0].staticRoutes[2].via", "\"192.168.0.0/24\" is not an IP address")
    .count(2);
}

#[test]
fn linked_clone_with_a_custom_disk_is_a_warning() {
    lint(&pool("    cloneMode: linkedClone\n    diskGiB: 100\n"), &[]).warning(
        "nodePools[0].diskGiB",
        "100 GiB is ignored when the template has a snapshot",
    );
    let default_disk = lint(&pool("    cloneMode: linkedClone\n"), &[]);
    assert_eq!(default_disk.run.stdout, "lint: 0 errors, 0 warnings\n");
}

// Control plane

#[test]
fn cert_sans_have_no_ports_or_schemes() {
    lint(
        "cluster:\n  controlPlane:\n    network:\n      certSANs: [api.example.com, \"api.example.com:6443\", \"https://api.example.com\", \"10.0.0.1\"]\n",
        &[],
    )
    .error(
        "cluster.controlPlane.network.certSANs[1]",
        "\"api.example.com:6443\" is not a plain host name or IP address: a certificate SAN has no scheme, port or path",
    )
    .error("cluster.controlPlane.network.certSANs[2]", "use \"api.example.com\"")
    .count(2);
}

#[test]
fn service_type_is_one_kamaji_accepts() {
    lint(
        "cluster:\n  controlPlane:\n    network:\n      serviceType: Ingress\n",
        &[],
    )
    .error(
        "cluster.controlPlane.network.serviceType",
        "expected one of \"ClusterIP\", \"NodePort\", \"LoadBalancer\", got \"Ingress\"",
    );
}

#[test]
fn kubelet_cgroup_driver_is_systemd_or_cgroupfs() {
    lint(
        "cluster:\n  controlPlane:\n    kubelet:\n      cgroupfs: cgroupv2\n",
        &[],
    )
    .error(
        "cluster.controlPlane.kubelet.cgroupfs",
        "expected one of \"systemd\", \"cgroupfs\", got \"cgroupv2\"",
    );
}

#[test]
fn preferred_address_types_are_from_the_allowed_set() {
    lint(
        "cluster:\n  controlPlane:\n    kubelet:\n      preferredAddressTypes: [InternalIP, PublicIP]\n",
        &[],
    )
    .error(
        "cluster.controlPlane.kubelet.preferredAddressTypes[1]",
        "got \"PublicIP\"",
    );
    lint(
        "cluster:\n  controlPlane:\n    kubelet:\n      preferredAddressTypes: [InternalIP, Hostname, InternalIP]\n",
        &[],
    )
    .error("cluster.controlPlane.kubelet.preferredAddressTypes[2]", "listed twice");
    lint(
        "cluster:\n  controlPlane:\n    kubelet:\n      preferredAddressTypes: []\n",
        &[],
    )
    .error(
        "cluster.controlPlane.kubelet.preferredAddressTypes",
        "at least one address type",
    );
}

// Names

#[test]
fn derived_service_name_must_start_with_a_letter() {
    lint(
        "cluster:\n  name: 1st\n  metrics:\n    enabled: true\n",
        &[],
    )
    .error(
        "cluster.name",
        "Service name \"1st-metrics\" is invalid: Service names must be a DNS-1035 label",
    );
}

#[test]
fn names_from_the_values_are_valid_for_their_kind() {
    lint(
        "vSphere:\n  secret:\n    name: CAPV_Credentials\nvSphereStorageControllerManager:\n  enabled: true\n  namespace: vmware.csi\n",
        &[],
    )
    .error("vSphere.secret.name", "\"CAPV_Credentials\" is not a valid Secret name")
    .error("vSphereStorageControllerManager.namespace", "\"vmware.csi\" is not a valid Namespace name");
    capkv(&["lint", "demo", "-n", "Tenants"]).assert_fails(
        1,
        "error: --namespace: \"Tenants\" is not a valid Namespace name",
    );
}

#[test]
fn a_secret_name_given_with_create_is_named_unused() {
    lint(
        "vSphere:\n  password: p\n  secret:\n    create: true\n    name: creds\n",
        &[],
    )
    .warning(
        "vSphere.secret.name",
        "\"creds\" is not used: with secret.create capkv names the Secret \"demo-vsphere-secret\"",
    );
}

#[test]
fn a_credentials_secret_not_named_after_the_cluster_is_a_warning_saying_what_capv_does() {
    lint("vSphere:\n  secret:\n    name: shared-creds\n", &[])
        .warning("vSphere.secret.name", "CAPV refuses it to every other one");
}

#[test]
fn label_keys_and_values_from_the_values_are_valid() {
    lint(
        "cluster:\n  controlPlane:\n    labels:\n      \"team name\": platform\n      tier: \"front end\"\n",
        &[],
    )
    .error("cluster.controlPlane.labels", "label key \"team name\" is invalid")
    .error("cluster.controlPlane.labels.tier", "label tier=\"front end\": the value may hold only");
}

// Rollout

#[test]
fn a_rolling_update_that_may_neither_add_nor_remove_a_machine_is_an_error() {
    // maxUnavailable unset is CAPI's 0: the message says so.
    lint(&pool("    rollout:\n      maxSurge: 0\n"), &[]).error(
        "nodePools[0].rollout.maxSurge",
        "maxSurge 0 and maxUnavailable 0 (maxUnavailable is unset: CAPI's 0)",
    );
    lint(
        &pool("    rollout:\n      maxSurge: \"0%\"\n      maxUnavailable: 0\n"),
        &[],
    )
    .error(
        "nodePools[0].rollout.maxUnavailable",
        "maxSurge 0% and maxUnavailable 0: a rolling update could neither add a machine nor take one down",
    );
    // Either bound above zero makes progress possible.
    let surge_only = lint(
        &pool("    rollout:\n      maxSurge: 0\n      maxUnavailable: \"10%\"\n"),
        &[],
    );
    assert_eq!(surge_only.run.stdout, "lint: 0 errors, 0 warnings\n");
}

#[test]
fn max_unavailable_above_100_percent_is_an_error() {
    lint(&pool("    rollout:\n      maxUnavailable: \"150%\"\n"), &[]).error(
        "nodePools[0].rollout.maxUnavailable",
        "150% of the pool's machines cannot be unavailable: at most 100%",
    );
    // A surge of more than the pool is a fast rollout, not a mistake.
    let surge = lint(&pool("    rollout:\n      maxSurge: \"200%\"\n"), &[]);
    assert_eq!(surge.run.stdout, "lint: 0 errors, 0 warnings\n");
}

#[test]
fn rollout_seconds_past_int32_are_an_error() {
    lint(
        &pool("    rollout:\n      nodeDrainTimeoutSeconds: 2147483648\n"),
        &[],
    )
    .error(
        "nodePools[0].rollout.nodeDrainTimeoutSeconds",
        "2147483648 seconds is more than CAPI's int32 field holds (2147483647)",
    );
}

#[test]
fn rolling_update_bounds_with_on_delete_are_a_warning() {
    lint(
        &pool("    rollout:\n      strategy: OnDelete\n      maxUnavailable: 2\n"),
        &[],
    )
    .warning(
        "nodePools[0].rollout.maxUnavailable",
        "has no effect with strategy OnDelete",
    )
    .count(1);
}
