//! The hardened tenant API server (`cluster.controlPlane.authentication`, `.audit`,
//! `.encryption`): the flags, the files they name and the mounts that bring those
//! files into the API server container, read back the way the consumers read them.
//!
//! How the file reaches kube-apiserver: the KamajiControlPlane provider copies
//! `apiServer.extraArgs`, `apiServer.extraVolumeMounts`, `deployment.extraVolumes` and
//! `deployment.podAdditionalMetadata` onto the TenantControlPlane
//! (clastix/cluster-api-control-plane-provider-kamaji
//! `controllers/kamajicontrolplane_controller_tcp.go:122,130,239,246`); Kamaji puts the
//! volumes into the control plane pod (clastix/kamaji
//! `internal/builders/controlplane/deployment.go:383-393`), the mounts into the
//! kube-apiserver container (`:619-623`), the flags after its own (`:597`, `:760`) and
//! the pod annotations into the pod template (`:126`). The kubelet writes each key of a
//! mounted ConfigMap or Secret as a file of that name under the mount path.

use crate::support::{TempValues, capkv, diff_report, documents, find, rolling_pools};
use serde::Deserialize;
use serde_json::Value;

const HARDENED: &str = "examples/hardened.yaml";

fn render(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    documents(&capkv(&all).success())
}

fn control_plane(docs: &[Value]) -> &Value {
    docs.iter()
        .find(|d| d["kind"] == "KamajiControlPlane")
        .expect("a KamajiControlPlane")
}

fn api_server_args(docs: &[Value]) -> Vec<String> {
    control_plane(docs)["spec"]["apiServer"]["extraArgs"]
        .as_array()
        .map(|args| {
            args.iter()
                .map(|a| a.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The value of kube-apiserver's `flag`, as the last occurrence wins in pflag.
fn flag_value(docs: &[Value], flag: &str) -> Option<String> {
    api_server_args(docs)
        .iter()
        .rev()
        .find_map(|arg| arg.strip_prefix(&format!("{flag}=")).map(str::to_owned))
}

/// The text of the file a flag names, followed from the flag to the container's mount,
/// the pod's volume and the ConfigMap or Secret key the kubelet writes as that file.
#[track_caller]
fn mounted_file(docs: &[Value], flag: &str) -> String {
    let path = flag_value(docs, flag).unwrap_or_else(|| panic!("no {flag}"));
    let (dir, file) = path.rsplit_once('/').expect("an absolute path");
    let spec = &control_plane(docs)["spec"];
    let mount = spec["apiServer"]["extraVolumeMounts"]
        .as_array()
        .and_then(|mounts| mounts.iter().find(|m| m["mountPath"] == dir))
        .unwrap_or_else(|| panic!("nothing is mounted at {dir}"));
    assert!(
        mount.get("subPath").is_none(),
        "a subPath mount is never updated by the kubelet"
    );
    let volume = spec["deployment"]["extraVolumes"]
        .as_array()
        .and_then(|volumes| volumes.iter().find(|v| v["name"] == mount["name"]))
        .unwrap_or_else(|| panic!("no volume {}", mount["name"]));
    let (kind, name, field) = if let Some(name) = volume["configMap"]["name"].as_str() {
        ("ConfigMap", name, "data")
    } else {
        let name = volume["secret"]["secretName"].as_str().expect("a Secret");
        ("Secret", name, "stringData")
    };
    find(docs, kind, name)[field][file]
        .as_str()
        .unwrap_or_else(|| panic!("{kind}/{name} has no key {file}"))
        .to_owned()
}

// apiserver.config.k8s.io AuthenticationConfiguration, field for field (kubernetes
// staging/src/k8s.io/apiserver/pkg/apis/apiserver/v1beta1/types.go: AuthenticationConfiguration,
// JWTAuthenticator, Issuer, ClaimValidationRule, ClaimMappings,
// PrefixedClaimOrExpression); an unknown field fails the test as kube-apiserver's
// strict decoding fails the start.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuthenticationConfiguration {
    api_version: String,
    kind: String,
    jwt: Vec<JwtAuthenticator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct JwtAuthenticator {
    issuer: Issuer,
    #[serde(default)]
    claim_validation_rules: Vec<ClaimValidationRule>,
    claim_mappings: ClaimMappings,
    #[serde(default)]
    user_validation_rules: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Issuer {
    url: String,
    #[serde(rename = "discoveryURL")]
    discovery_url: Option<String>,
    certificate_authority: Option<String>,
    audiences: Vec<String>,
    audience_match_policy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClaimValidationRule {
    claim: Option<String>,
    required_value: Option<String>,
    expression: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimMappings {
    username: PrefixedClaimOrExpression,
    groups: Option<PrefixedClaimOrExpression>,
    uid: Option<Value>,
    extra: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrefixedClaimOrExpression {
    claim: Option<String>,
    prefix: Option<String>,
    expression: Option<String>,
}

// audit.k8s.io/v1 Policy (kubernetes staging/src/k8s.io/apiserver/pkg/apis/audit/v1/types.go:
// Policy, PolicyRule, GroupResources).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Policy {
    api_version: String,
    kind: String,
    #[serde(default)]
    omit_stages: Vec<String>,
    rules: Vec<PolicyRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PolicyRule {
    level: String,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    user_groups: Vec<String>,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    resources: Vec<GroupResources>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default, rename = "nonResourceURLs")]
    non_resource_urls: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GroupResources {
    group: String,
    resources: Vec<String>,
}

// apiserver.config.k8s.io/v1 EncryptionConfiguration (kubernetes
// staging/src/k8s.io/apiserver/pkg/apis/apiserver/v1: EncryptionConfiguration,
// ResourceConfiguration, ProviderConfiguration, AESConfiguration, Key).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EncryptionConfiguration {
    api_version: String,
    kind: String,
    resources: Vec<ResourceConfiguration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceConfiguration {
    resources: Vec<String>,
    providers: Vec<ProviderConfiguration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderConfiguration {
    aescbc: Option<AesConfiguration>,
    aesgcm: Option<AesConfiguration>,
    secretbox: Option<AesConfiguration>,
    identity: Option<serde_json::Map<String, Value>>,
    kms: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AesConfiguration {
    keys: Vec<Key>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Key {
    name: String,
    secret: String,
}

/// A key made for these tests only: 32 bytes, base64.
const TEST_KEY: &str = "dGVzdHMtb25seS1rZXktMzItYnl0ZXMtbG9uZy0xMjM=";

fn encryption_config(key: &str) -> String {
    format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc:\n          keys:\n            - name: key1\n              secret: {key}\n      - identity: {{}}\n"
    )
}

#[test]
fn the_authentication_configuration_is_mounted_and_reads_as_kubernetes_type() {
    for kamaji in ["v1alpha2", "v1alpha1"] {
        let docs = render(&[
            "-f",
            HARDENED,
            "--set",
            &format!("apiVersions.kamaji={kamaji}"),
        ]);
        let text = mounted_file(&docs, "--authentication-config");
        let config: AuthenticationConfiguration =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
        assert_eq!(config.api_version, "apiserver.config.k8s.io/v1beta1");
        assert_eq!(config.kind, "AuthenticationConfiguration");
        let [jwt] = config.jwt.as_slice() else {
            panic!("one issuer: {config:?}")
        };
        assert_eq!(jwt.issuer.url, "https://login.example.com/realms/platform");
        assert_eq!(jwt.issuer.audiences, ["kubernetes", "kubectl"]);
        assert_eq!(
            jwt.issuer.audience_match_policy.as_deref(),
            Some("MatchAny")
        );
        assert!(jwt.issuer.discovery_url.is_none() && jwt.issuer.certificate_authority.is_none());
        assert_eq!(jwt.claim_mappings.username.claim.as_deref(), Some("email"));
        // An empty prefix is not an absent one: kube-apiserver requires the key with a claim.
        assert_eq!(jwt.claim_mappings.username.prefix.as_deref(), Some("oidc:"));
        assert!(jwt.claim_mappings.username.expression.is_none());
        let groups = jwt.claim_mappings.groups.as_ref().expect("groups");
        assert_eq!(groups.claim.as_deref(), Some("groups"));
        assert!(jwt.claim_mappings.uid.is_none() && jwt.claim_mappings.extra.is_none());
        let [rule] = jwt.claim_validation_rules.as_slice() else {
            panic!("one rule")
        };
        assert_eq!(
            rule.expression.as_deref(),
            Some("claims.email_verified == true")
        );
        assert!(rule.claim.is_none() && rule.required_value.is_none());
        assert!(rule.message.is_some() && jwt.user_validation_rules.is_empty());
        // No legacy flag next to the configuration: kube-apiserver would not start.
        assert!(
            !api_server_args(&docs)
                .iter()
                .any(|a| a.starts_with("--oidc-")),
            "{:?}",
            api_server_args(&docs)
        );
    }
}

#[test]
fn the_authentication_configuration_takes_the_api_version_of_the_kubernetes_version() {
    for (version, api) in [
        ("v1.30.0", "apiserver.config.k8s.io/v1beta1"),
        ("v1.34.1", "apiserver.config.k8s.io/v1"),
    ] {
        let docs = render(&[
            "-f",
            HARDENED,
            "--set",
            &format!("cluster.controlPlane.version={version}"),
        ]);
        let config: AuthenticationConfiguration =
            serde_saphyr::from_str(&mounted_file(&docs, "--authentication-config")).unwrap();
        assert_eq!(config.api_version, api, "{version}");
    }
}

#[test]
fn the_legacy_oidc_flags_are_rendered_from_values() {
    let docs = render(&[
        "demo",
        "--set",
        "cluster.controlPlane.authentication.oidc.issuerURL=https://idp.example.com",
        "--set",
        "cluster.controlPlane.authentication.oidc.clientID=kubernetes",
        "--set",
        "cluster.controlPlane.authentication.oidc.usernameClaim=email",
        "--set",
        "cluster.controlPlane.authentication.oidc.signingAlgs={RS256,ES256}",
    ]);
    let args = api_server_args(&docs);
    for flag in [
        "--oidc-issuer-url=https://idp.example.com",
        "--oidc-client-id=kubernetes",
        "--oidc-username-claim=email",
        "--oidc-signing-algs=RS256,ES256",
    ] {
        assert!(args.iter().any(|a| a == flag), "{flag} in {args:?}");
    }
    // Unset flags are left to kube-apiserver's defaults, and without caBundle nothing
    // is mounted.
    assert!(
        !args.iter().any(|a| a.starts_with("--oidc-groups")),
        "{args:?}"
    );
    assert!(flag_value(&docs, "--authentication-config").is_none());
    assert!(control_plane(&docs)["spec"]["apiServer"]["extraVolumeMounts"].is_null());
}

#[test]
fn combinations_kube_apiserver_refuses_are_errors() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &[
                "--set",
                "cluster.controlPlane.authentication.oidc.issuerURL=https://other.example.com",
                "--set",
                "cluster.controlPlane.authentication.oidc.clientID=k",
            ],
            "cluster.controlPlane.authentication.oidc",
            "--oidc-* flags and --authentication-config together",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.apiServer.extraArgs={--oidc-client-id=k}",
            ],
            "cluster.controlPlane.apiServer.extraArgs[0]",
            "--oidc-* flags and --authentication-config",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.authentication.jwt[0].issuer.url=http://login.example.com",
            ],
            "cluster.controlPlane.authentication.jwt[0].issuer.url",
            "is not an https URL",
        ),
        (
            &["--set", "cluster.controlPlane.version=v1.29.4"],
            "cluster.controlPlane.authentication.jwt",
            "Kubernetes >= 1.30",
        ),
        (
            &[
                "--set-json",
                "cluster.controlPlane.authentication.jwt[0].claimMappings.username={\"claim\":\"email\"}",
            ],
            "cluster.controlPlane.authentication.jwt[0].claimMappings.username.prefix",
            "required with claim",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.authentication.jwt[0].issuer.audienceMatchPolicy=null",
            ],
            "cluster.controlPlane.authentication.jwt[0].issuer.audienceMatchPolicy",
            "must be MatchAny with more than one audience",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.apiServer.extraArgs={--audit-log-path=/tmp/a}",
            ],
            "cluster.controlPlane.apiServer.extraArgs[0]",
            "capkv sets --audit-log-path",
        ),
        (
            &["--set", "cluster.controlPlane.audit.log.volume=null"],
            "cluster.controlPlane.audit.log.maxAgeDays",
            "the events go to stdout",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.authentication.jwt[0].issuer.url=https://kubernetes.default.svc.cluster.local",
            ],
            "cluster.controlPlane.authentication.jwt[0].issuer.url",
            "the API server's own service account issuer",
        ),
        // Every --service-account-issuer is refused as a JWT issuer, not only the
        // last: kubernetes pkg/kubeapiserver/options/authentication.go
        // (ToAuthenticationConfig) passes ServiceAccounts.Issuers, all of them, to
        // staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation.go
        // validateURL as the disallowed issuers.
        (
            &[
                "--set-json",
                r#"cluster.controlPlane.apiServer.extraArgs=["--service-account-issuer=https://login.example.com/realms/platform","--service-account-issuer=https://sa.example.com"]"#,
            ],
            "cluster.controlPlane.authentication.jwt[0].issuer.url",
            "the API server's own service account issuer",
        ),
        // validation.go validatePrefixClaimOrExpression: an empty claim is no claim.
        (
            &[
                "--set-json",
                r#"cluster.controlPlane.authentication.jwt[0].claimMappings.username={"claim":"","prefix":""}"#,
            ],
            "cluster.controlPlane.authentication.jwt[0].claimMappings.username",
            "claim or expression is required",
        ),
        // validation.go validateAudiences: each audience non-empty and listed once.
        (
            &[
                "--set-json",
                r#"cluster.controlPlane.authentication.jwt[0].issuer.audiences=["kubernetes",""]"#,
            ],
            "cluster.controlPlane.authentication.jwt[0].issuer.audiences[1]",
            "must not be empty",
        ),
        (
            &[
                "--set-json",
                r#"cluster.controlPlane.authentication.jwt[0].issuer.audiences=["kubernetes","kubernetes"]"#,
            ],
            "cluster.controlPlane.authentication.jwt[0].issuer.audiences[1]",
            "\"kubernetes\" is listed twice",
        ),
        // validation.go validateIssuerDiscoveryURL: compared without trailing '/'.
        (
            &[
                "--set",
                "cluster.controlPlane.authentication.jwt[0].issuer.discoveryURL=https://login.example.com/realms/platform/",
            ],
            "cluster.controlPlane.authentication.jwt[0].issuer.discoveryURL",
            "must differ from issuer.url",
        ),
        (
            &["--set", "cluster.controlPlane.audit.log.volume.name=logs"],
            "cluster.controlPlane.audit.log.volume.name",
            "capkv names the volume",
        ),
        // The Secret the pod's volume names: no Secret can be named so.
        (
            &[
                "--set",
                "cluster.controlPlane.encryption.secretName=Hardened_Encryption",
            ],
            "cluster.controlPlane.encryption.secretName",
            "\"Hardened_Encryption\" is not a Secret name",
        ),
        (
            &[
                "--set",
                "cluster.controlPlane.encryption.encryptionConfig=x",
            ],
            "cluster.controlPlane.encryption.encryptionConfig",
            "not both",
        ),
    ];
    for (flags, path, message) in cases {
        let mut args = vec!["render", "-f", HARDENED];
        args.extend_from_slice(flags);
        let run = capkv(&args);
        run.assert_fails(1, &format!("error: {path}: "));
        assert!(run.stderr.contains(message), "{flags:?}:\n{}", run.stderr);
    }
}

/// kube-apiserver refuses an issuer URL listed twice, compared as written
/// (kubernetes staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation.go
/// ValidateAuthenticationConfiguration: `seenIssuers.Has(a.Issuer.URL)`, no
/// normalisation): the same URL twice is refused, one with and one without a trailing
/// '/' are two issuers (a token's `iss` matches one of them exactly) and start.
#[test]
fn an_issuer_listed_twice_is_refused_as_kube_apiserver_compares_it() {
    let second = |url: &str| {
        let mut args = vec!["lint", "-f", HARDENED];
        let url = format!("cluster.controlPlane.authentication.jwt[1].issuer.url={url}");
        let audiences = "cluster.controlPlane.authentication.jwt[1].issuer.audiences={other}";
        let username = r#"cluster.controlPlane.authentication.jwt[1].claimMappings.username={"claim":"sub","prefix":""}"#;
        args.extend(["--set", &url, "--set", audiences, "--set-json", username]);
        capkv(&args)
    };
    second("https://login.example.com/realms/platform").assert_fails(
        1,
        "error: cluster.controlPlane.authentication.jwt[1].issuer.url: \"https://login.example.com/realms/platform\" is listed twice",
    );
    let run = second("https://login.example.com/realms/platform/");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
}

/// Only the username needs a claim or an expression: kube-apiserver validates the
/// groups mapping with `claimOrExpressionRequired` false (kubernetes
/// staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation.go
/// validateClaimMappings, validatePrefixClaimOrExpression), so an empty one starts.
#[test]
fn an_empty_groups_mapping_is_accepted_as_kube_apiserver_accepts_it() {
    let run = capkv(&[
        "lint",
        "-f",
        HARDENED,
        "--set-json",
        "cluster.controlPlane.authentication.jwt[0].claimMappings.groups={}",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("claimMappings"), "{}", run.stderr);
}

#[test]
fn the_audit_policy_is_mounted_and_reads_as_an_audit_policy() {
    let docs = render(&["-f", HARDENED]);
    let policy: Policy =
        serde_saphyr::from_str(&mounted_file(&docs, "--audit-policy-file")).unwrap();
    assert_eq!(
        (policy.api_version.as_str(), policy.kind.as_str()),
        ("audit.k8s.io/v1", "Policy")
    );
    assert_eq!(policy.omit_stages, ["RequestReceived"]);
    // First match wins: the bodies of Secrets, ConfigMaps and tokens never reach the
    // log, because their Metadata rule comes before the rule that logs request bodies.
    let level_for = |group: &str, resource: &str, verb: &str| {
        policy
            .rules
            .iter()
            .find(|r| {
                (r.verbs.is_empty() || r.verbs.iter().any(|v| v == verb))
                    && r.users.is_empty()
                    && r.user_groups.is_empty()
                    && r.namespaces.is_empty()
                    && r.non_resource_urls.is_empty()
                    && (r.resources.is_empty()
                        || r.resources
                            .iter()
                            .any(|g| g.group == group && g.resources.iter().any(|x| x == resource)))
            })
            .map(|r| r.level.as_str())
    };
    assert_eq!(level_for("", "secrets", "create"), Some("Metadata"));
    assert_eq!(level_for("", "configmaps", "update"), Some("Metadata"));
    assert_eq!(level_for("apps", "deployments", "patch"), Some("Request"));
    assert_eq!(level_for("apps", "deployments", "get"), Some("Metadata"));
    assert_eq!(level_for("", "events", "create"), Some("None"));
    // kube-scheduler records its events through events.k8s.io/v1 (kubernetes
    // cmd/kube-scheduler/app/options/options.go: events.NewEventBroadcasterAdapter),
    // a group of its own for the audit policy's GroupResources.
    assert_eq!(level_for("events.k8s.io", "events", "create"), Some("None"));
    // The log goes to the volume, rotated as asked.
    let path = flag_value(&docs, "--audit-log-path").expect("--audit-log-path");
    let dir = path.rsplit_once('/').expect("a file").0;
    let spec = &control_plane(&docs)["spec"];
    let mount = spec["apiServer"]["extraVolumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == dir)
        .expect("the log directory is mounted");
    assert_ne!(mount["readOnly"], true, "kube-apiserver writes the log");
    let volume = spec["deployment"]["extraVolumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("its volume");
    assert_eq!(
        volume["persistentVolumeClaim"]["claimName"],
        "hardened-audit"
    );
    for flag in [
        "--audit-log-maxage=30",
        "--audit-log-maxbackup=10",
        "--audit-log-maxsize=100",
    ] {
        assert!(api_server_args(&docs).iter().any(|a| a == flag), "{flag}");
    }
}

/// Each kube-apiserver pod opens `--audit-log-path` itself and rotates it (kubernetes
/// staging/src/k8s.io/apiserver/pkg/server/options/audit.go:500-523, getWriter: `-` is
/// stdout, else that file, through lumberjack with `--audit-log-maxsize`): the pods of
/// one KamajiControlPlane share its volume source (Kamaji copies
/// `deployment.extraVolumes` into the one pod template,
/// internal/builders/controlplane/deployment.go:383-393), so with several replicas they
/// write one file. emptyDir is each pod's own.
#[test]
fn an_audit_log_volume_shared_by_several_api_servers_is_warned_of() {
    let lint = |args: &[&str]| {
        let mut all = vec!["lint", "-f", HARDENED];
        all.extend_from_slice(args);
        capkv(&all)
    };
    let warning = "warning: cluster.controlPlane.audit.log.volume: the 3 API server pods";
    let shared = lint(&["--set", "cluster.controlPlane.replicas=3"]);
    assert_eq!(shared.code, 0, "{}", shared.stderr);
    assert!(shared.stderr.contains(warning), "{}", shared.stderr);
    for args in [
        &[][..],
        &[
            "--set",
            "cluster.controlPlane.replicas=3",
            "--set-json",
            r#"cluster.controlPlane.audit.log.volume={"persistentVolumeClaim":null,"emptyDir":{}}"#,
        ][..],
    ] {
        let run = lint(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("cluster.controlPlane.audit.log.volume"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn audit_goes_to_stdout_without_a_volume_and_takes_the_users_rules() {
    let docs = render(&[
        "demo",
        "--set",
        "cluster.controlPlane.audit.enabled=true",
        "--set-json",
        r#"cluster.controlPlane.audit.rules=[{"level":"RequestResponse","resources":[{"group":"rbac.authorization.k8s.io","resources":["clusterrolebindings"]}]},{"level":"Metadata"}]"#,
    ]);
    // kube-apiserver writes to its standard output with `-`, where the container log is.
    assert_eq!(flag_value(&docs, "--audit-log-path").as_deref(), Some("-"));
    let policy: Policy =
        serde_saphyr::from_str(&mounted_file(&docs, "--audit-policy-file")).unwrap();
    assert_eq!(policy.rules.len(), 2);
    assert_eq!(policy.rules[0].level, "RequestResponse");
    assert_eq!(
        policy.rules[0].resources[0].resources,
        ["clusterrolebindings"]
    );
}

#[test]
fn an_audit_policy_change_restarts_the_api_server_and_rolls_no_worker() {
    let old = TempValues::named("old.yaml", &capkv(&["render", "-f", HARDENED]).success());
    let new_stream = capkv(&[
        "render",
        "-f",
        HARDENED,
        "--set",
        "cluster.controlPlane.audit.omitStages={RequestReceived,ResponseStarted}",
    ])
    .success();
    let annotation = |docs: &[Value]| {
        control_plane(docs)["spec"]["deployment"]["podAdditionalMetadata"]["annotations"]
            ["checksum/apiserver-config"]
            .as_str()
            .expect("the checksum annotation")
            .to_owned()
    };
    // kube-apiserver reads the audit policy only at start: the pod template changes
    // with it, so Kamaji's Deployment rolls the API server pods.
    let old_docs = documents(&std::fs::read_to_string(&old.path).unwrap());
    let new_docs = documents(&new_stream);
    assert_ne!(annotation(&old_docs), annotation(&new_docs));
    let new = TempValues::named("new.yaml", &new_stream);
    let report = diff_report(&old, &new);
    assert!(
        report.contains("~ ConfigMap default/hardened-apiserver-config"),
        "{report}"
    );
    assert!(
        report.contains("~ KamajiControlPlane default/hardened"),
        "{report}"
    );
    assert!(
        rolling_pools(&report).is_empty(),
        "no pool rolls:\n{report}"
    );
    // kube-apiserver reloads the authentication configuration itself: an issuer
    // change leaves the pods alone.
    let other_issuer = render(&[
        "-f",
        HARDENED,
        "--set",
        "cluster.controlPlane.authentication.jwt[0].claimMappings.username.claim=sub",
    ]);
    assert_eq!(annotation(&old_docs), annotation(&other_issuer));
    assert_ne!(
        mounted_file(&old_docs, "--authentication-config"),
        mounted_file(&other_issuer, "--authentication-config")
    );
    assert!(
        report.contains("unchanged  default/hardened-default-md"),
        "{report}"
    );
}

/// The control plane section of a text report, its lines after the heading.
fn control_plane_section(report: &str) -> Vec<&str> {
    report
        .lines()
        .skip_while(|line| *line != "Control plane")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .collect()
}

/// A change of a file the API server mounts is a change of the tenant API server,
/// though the KamajiControlPlane does not change: kube-apiserver reloads the
/// authentication configuration (kubernetes pkg/kubeapiserver/options/authentication.go,
/// ApplyTo: filesystem.WatchUntil on --authentication-config) and, with
/// --encryption-provider-config-automatic-reload, the encryption configuration; the
/// kubelet rewrites a ConfigMap or Secret volume in place (no subPath). The keys never
/// reach the report, in text or markdown.
#[test]
fn the_diff_lists_a_mounted_file_change_in_the_control_plane_section() {
    let base = TempValues::named("old.yaml", &capkv(&["render", "-f", HARDENED]).success());
    let issuer = TempValues::named(
        "new.yaml",
        &capkv(&[
            "render",
            "-f",
            HARDENED,
            "--set",
            "cluster.controlPlane.authentication.jwt[0].claimMappings.username.claim=sub",
        ])
        .success(),
    );
    let report = capkv(&["diff", base.arg(), issuer.arg()]).success();
    assert_eq!(
        control_plane_section(&report),
        [
            "  updated  KamajiControlPlane default/hardened",
            "           ConfigMap hardened-apiserver-config authentication-config.yaml: (19 lines of text) → (19 lines of text): the kubelet updates the mounted file and kube-apiserver reloads it; no pod rolls",
        ],
        "{report}"
    );
    assert!(rolling_pools(&report).is_empty(), "{report}");

    let file = TempValues::named("encryption-config.yaml", &encryption_config(TEST_KEY));
    let rotated_key = "cm90YXRlZC1rZXktZm9yLXRlc3RzLW9ubHktMzJieXQ=";
    let rotated = TempValues::named("rotated.yaml", &encryption_config(rotated_key));
    let render_with = |file: &TempValues| {
        capkv(&[
            "render",
            "demo",
            "--set-file",
            &format!(
                "cluster.controlPlane.encryption.encryptionConfig={}",
                file.arg()
            ),
        ])
        .success()
    };
    let old = TempValues::named("old.yaml", &render_with(&file));
    let new = TempValues::named("new.yaml", &render_with(&rotated));
    let report = diff_report(&old, &new);
    assert_eq!(
        control_plane_section(&report),
        [
            "  updated  KamajiControlPlane default/demo",
            "           Secret demo-encryption-config encryption-config.yaml: (hidden) → (hidden, changed): the kubelet updates the mounted file and kube-apiserver reloads it (--encryption-provider-config-automatic-reload); no pod rolls",
        ],
        "{report}"
    );
    let markdown = capkv(&["diff", "-o", "markdown", old.arg(), new.arg()]).success();
    assert!(
        markdown.contains("`Secret demo-encryption-config encryption-config.yaml` `(hidden)` → `(hidden, changed)`"),
        "{markdown}"
    );
    for text in [&report, &markdown] {
        assert!(
            !text.contains(TEST_KEY) && !text.contains(rotated_key),
            "{text}"
        );
    }
}

#[test]
fn turning_every_hardening_on_rolls_no_worker() {
    let plain = TempValues::named(
        "old.yaml",
        &capkv(&[
            "render",
            "-f",
            HARDENED,
            "--set-json",
            "cluster.controlPlane.authentication={}",
            "--set",
            "cluster.controlPlane.audit.enabled=false",
            "--set",
            "cluster.controlPlane.encryption.secretName=",
        ])
        .success(),
    );
    let hardened = TempValues::named("new.yaml", &capkv(&["render", "-f", HARDENED]).success());
    let report = capkv(&["diff", plain.arg(), hardened.arg()]).success();
    assert!(rolling_pools(&report).is_empty(), "{report}");
    assert!(
        report.contains("unchanged  default/hardened-default-md"),
        "{report}"
    );
    // The control plane changes are reported in their own section, field by field:
    // the flags and the mounts of the tenant API server.
    let section = control_plane_section(&report);
    assert_eq!(
        section.first().copied(),
        Some("  updated  KamajiControlPlane default/hardened"),
        "{report}"
    );
    for field in [
        "spec.apiServer.extraArgs:",
        "spec.apiServer.extraVolumeMounts:",
        "spec.deployment:",
    ] {
        assert!(
            section
                .iter()
                .any(|line| line.trim_start().starts_with(field)
                    && line.ends_with("no worker rolls")),
            "{field}: {report}"
        );
    }
    assert!(
        report.contains("+    - --authentication-config=/etc/kubernetes/apiserver-config/"),
        "{report}"
    );
}

#[test]
fn the_encryption_configuration_from_set_file_is_a_secret_mounted_into_the_api_server() {
    let file = TempValues::named("encryption-config.yaml", &encryption_config(TEST_KEY));
    for kamaji in ["v1alpha2", "v1alpha1"] {
        let docs = render(&[
            "demo",
            "--set",
            &format!("apiVersions.kamaji={kamaji}"),
            "--set-file",
            &format!(
                "cluster.controlPlane.encryption.encryptionConfig={}",
                file.arg()
            ),
        ]);
        let config: EncryptionConfiguration =
            serde_saphyr::from_str(&mounted_file(&docs, "--encryption-provider-config")).unwrap();
        assert_eq!(config.api_version, "apiserver.config.k8s.io/v1");
        assert_eq!(config.kind, "EncryptionConfiguration");
        assert_eq!(config.resources[0].resources, ["secrets"]);
        let providers = &config.resources[0].providers;
        let aescbc = providers[0].aescbc.as_ref().expect("aescbc first");
        assert_eq!(aescbc.keys[0].name, "key1");
        assert_eq!(aescbc.keys[0].secret, TEST_KEY);
        assert!(providers[1].identity.is_some());
        assert!(
            providers
                .iter()
                .all(|p| p.aesgcm.is_none() && p.secretbox.is_none() && p.kms.is_none())
        );
        let secret = find(&docs, "Secret", "demo-encryption-config");
        assert_eq!(secret["type"], "Opaque");
        assert_eq!(
            flag_value(&docs, "--encryption-provider-config-automatic-reload").as_deref(),
            Some("true")
        );
    }
}

#[test]
fn the_users_encryption_secret_is_mounted_and_not_rendered() {
    let docs = render(&["-f", HARDENED]);
    let spec = &control_plane(&docs)["spec"];
    let volume = spec["deployment"]["extraVolumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| !v["secret"].is_null())
        .expect("a Secret volume");
    assert_eq!(volume["secret"]["secretName"], "hardened-encryption");
    assert_eq!(
        flag_value(&docs, "--encryption-provider-config").as_deref(),
        Some("/etc/kubernetes/encryption/encryption-config.yaml")
    );
    assert!(
        !docs.iter().any(|d| d["kind"] == "Secret"
            && d["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.contains("encryption"))),
        "capkv renders no Secret for a Secret the user provides"
    );
}

#[test]
fn the_encryption_keys_are_never_printed() {
    let file = TempValues::named("encryption-config.yaml", &encryption_config(TEST_KEY));
    let set_file = format!(
        "cluster.controlPlane.encryption.encryptionConfig={}",
        file.arg()
    );
    // capkv values masks the configuration.
    let values = capkv(&["values", "demo", "--set-file", &set_file]).success();
    assert!(!values.contains(TEST_KEY), "{values}");
    assert!(values.contains("encryptionConfig: <redacted>"), "{values}");
    // A configuration that is wrong is reported without its content.
    let broken = TempValues::named(
        "broken.yaml",
        &encryption_config(TEST_KEY).replace("kind: EncryptionConfiguration", "kind: Secret"),
    );
    let run = capkv(&[
        "lint",
        "demo",
        "--set-file",
        &format!(
            "cluster.controlPlane.encryption.encryptionConfig={}",
            broken.arg()
        ),
    ]);
    run.assert_fails(
        1,
        "error: cluster.controlPlane.encryption.encryptionConfig: ",
    );
    assert!(!run.stderr.contains(TEST_KEY), "{}", run.stderr);
    // capkv diff says that the key changed, never what it was or is.
    let rotated = TempValues::named(
        "rotated.yaml",
        &encryption_config("cm90YXRlZC1rZXktZm9yLXRlc3RzLW9ubHktMzJieXQ="),
    );
    let old = TempValues::named(
        "old.yaml",
        &capkv(&["render", "demo", "--set-file", &set_file]).success(),
    );
    let new = TempValues::named(
        "new.yaml",
        &capkv(&[
            "render",
            "demo",
            "--set-file",
            &format!(
                "cluster.controlPlane.encryption.encryptionConfig={}",
                rotated.arg()
            ),
        ])
        .success(),
    );
    let report = diff_report(&old, &new);
    assert!(
        report.contains("~ Secret default/demo-encryption-config"),
        "{report}"
    );
    assert!(report.contains("(hidden, changed)"), "{report}");
    assert!(!report.contains(TEST_KEY), "{report}");
    assert!(!report.contains("cm90YXRlZC1rZXk"), "{report}");
    assert!(rolling_pools(&report).is_empty(), "{report}");
}

#[test]
fn the_readme_example_is_examples_hardened_yaml() {
    const MARKER: &str = "<!-- examples/hardened.yaml: checked by tests/cli/hardening.rs -->";
    let root = crate::support::repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let block = readme
        .split_once(&format!("{MARKER}\n```yaml\n"))
        .expect("the marker and a yaml block follow each other")
        .1
        .split_once("```\n")
        .expect("the block ends")
        .0;
    let example = std::fs::read_to_string(root.join(HARDENED)).expect(HARDENED);
    assert_eq!(
        block, example,
        "README.md's example differs from {HARDENED}"
    );
    // It lints without a finding about the control plane (the rest of the cluster is
    // the built-in defaults, with their own warnings).
    let run = capkv(&["lint", "-f", HARDENED]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !output
            .lines()
            .any(|l| l.starts_with("warning: cluster.controlPlane")
                || l.starts_with("error: cluster.controlPlane")),
        "{output}"
    );
}

#[test]
fn the_legacy_oidc_ca_bundle_is_mounted_as_the_oidc_ca_file() {
    let bundle = std::fs::read_to_string(
        crate::support::repo_root().join("tests/helm-values/set-files/cert.pem"),
    )
    .expect("a PEM certificate");
    let docs = render(&[
        "demo",
        "--set",
        "cluster.controlPlane.authentication.oidc.issuerURL=https://idp.example.com",
        "--set",
        "cluster.controlPlane.authentication.oidc.clientID=kubernetes",
        "--set-file",
        "cluster.controlPlane.authentication.oidc.caBundle=tests/helm-values/set-files/cert.pem",
    ]);
    // kube-apiserver reads --oidc-ca-file as a PEM bundle: the file is the bundle.
    assert_eq!(mounted_file(&docs, "--oidc-ca-file"), bundle);
    let run = capkv(&[
        "render",
        "demo",
        "--set",
        "cluster.controlPlane.authentication.oidc.issuerURL=https://idp.example.com",
        "--set",
        "cluster.controlPlane.authentication.oidc.clientID=kubernetes",
        "--set",
        "cluster.controlPlane.authentication.oidc.caBundle=not-a-certificate",
    ]);
    run.assert_fails(
        1,
        "error: cluster.controlPlane.authentication.oidc.caBundle: not a PEM certificate",
    );
}
