//! The tenant API server's security settings: who may log in (structured authentication
//! or the legacy `--oidc-*` flags), what is audited, and how Secrets are encrypted in
//! the datastore. capkv writes the files these need and mounts them into the API
//! server through the KamajiControlPlane's `deployment.extraVolumes` and
//! `apiServer.extraVolumeMounts`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `cluster.controlPlane.authentication`
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Authentication {
    /// JWT issuers of a structured AuthenticationConfiguration (kube-apiserver
    /// `--authentication-config`, Kubernetes >= 1.30): capkv writes it to a ConfigMap
    /// mounted into the API server, which reloads it when it changes
    pub jwt: Vec<JwtAuthenticator>,
    /// The legacy `--oidc-*` flags (one issuer); kube-apiserver refuses them together
    /// with `jwt`
    pub oidc: Option<Oidc>,
}

/// One `jwt[]` entry of apiserver.config.k8s.io/v1 AuthenticationConfiguration.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JwtAuthenticator {
    /// The issuer: its https URL, the audiences its tokens must carry
    pub issuer: Issuer,
    /// CEL or claim/requiredValue rules every token must pass, as Kubernetes takes them
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claim_validation_rules: Vec<Map<String, Value>>,
    /// How claims become the user's name, groups, uid and extra attributes
    pub claim_mappings: ClaimMappings,
    /// CEL rules the resulting user must pass, as Kubernetes takes them
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_validation_rules: Vec<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Issuer {
    /// The issuer URL (https), as in the tokens' `iss` claim
    pub url: String,
    /// Where the discovery document is, when not under `url` (https)
    #[serde(rename = "discoveryURL", skip_serializing_if = "Option::is_none")]
    pub discovery_url: Option<String>,
    /// PEM CA bundle that verifies the issuer's TLS certificate (default: the system's)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<String>,
    /// Audiences the tokens must carry (`aud`), at least one
    pub audiences: Vec<String>,
    /// `MatchAny` (required with more than one audience)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience_match_policy: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ClaimMappings {
    /// The user name: `claim` with a `prefix` (may be ""), or a CEL `expression`
    pub username: Option<PrefixedClaim>,
    /// The groups: `claim` with a `prefix`, or a CEL `expression`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<PrefixedClaim>,
    /// The uid: `claim` or a CEL `expression`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Map<String, Value>>,
    /// Extra attributes: `key` and CEL `valueExpression` each
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PrefixedClaim {
    /// The claim
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// Prepended to the claim's value; required with `claim` ("" for none)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// A CEL expression instead of `claim`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// kube-apiserver's `--oidc-*` flags.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Oidc {
    /// `--oidc-issuer-url` (https)
    #[serde(rename = "issuerURL")]
    pub issuer_url: String,
    /// `--oidc-client-id`: the audience the tokens must carry
    #[serde(rename = "clientID")]
    pub client_id: String,
    /// `--oidc-username-claim` (kube-apiserver's default: sub)
    pub username_claim: String,
    /// `--oidc-username-prefix`
    pub username_prefix: String,
    /// `--oidc-groups-claim`
    pub groups_claim: String,
    /// `--oidc-groups-prefix`
    pub groups_prefix: String,
    /// `--oidc-signing-algs` (kube-apiserver's default: RS256)
    pub signing_algs: Vec<String>,
    /// PEM CA bundle of the issuer's TLS certificate: capkv mounts it and sets
    /// `--oidc-ca-file` (default: the system's roots)
    pub ca_bundle: String,
}

impl Oidc {
    /// The flags, those left empty omitted so that kube-apiserver's defaults apply.
    pub fn flags(&self) -> Vec<String> {
        let algs = self.signing_algs.join(",");
        [
            ("--oidc-issuer-url", self.issuer_url.as_str()),
            ("--oidc-client-id", &self.client_id),
            ("--oidc-username-claim", &self.username_claim),
            ("--oidc-username-prefix", &self.username_prefix),
            ("--oidc-groups-claim", &self.groups_claim),
            ("--oidc-groups-prefix", &self.groups_prefix),
            ("--oidc-signing-algs", &algs),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(flag, value)| format!("{flag}={value}"))
        .collect()
    }
}

/// `cluster.controlPlane.audit`
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Audit {
    /// Audit the tenant API server's requests
    pub enabled: bool,
    /// Rules of the audit.k8s.io/v1 Policy, first match wins; empty: capkv's default
    /// policy (nothing for health checks and events, only metadata for Secrets,
    /// ConfigMaps and tokens, the request body of other changes, metadata of reads)
    pub rules: Vec<Map<String, Value>>,
    /// Stages no event is written for
    pub omit_stages: Vec<String>,
    /// Where the events go: the API server container's stdout, or a file on a volume
    pub log: AuditLog,
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            enabled: false,
            rules: Vec::new(),
            omit_stages: vec!["RequestReceived".into()],
            log: AuditLog::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct AuditLog {
    /// A Kubernetes volume source (e.g. `persistentVolumeClaim: {claimName: audit}`)
    /// the events are written to as `audit.log`; unset: the container's stdout, where
    /// the management cluster's log collection picks them up
    pub volume: Option<Map<String, Value>>,
    /// With `volume`: days an old log file is kept (`--audit-log-maxage`)
    pub max_age_days: Option<u32>,
    /// With `volume`: old log files kept (`--audit-log-maxbackup`)
    pub max_backups: Option<u32>,
    /// With `volume`: megabytes a log file grows to before it is rotated (`--audit-log-maxsize`)
    pub max_size_mb: Option<u32>,
}

/// `cluster.controlPlane.encryption`: encryption at rest of the tenant's Secrets (and
/// other resources) in the datastore. capkv never makes up a key: a key generated by
/// a render would change on every run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Encryption {
    /// An existing Secret in the cluster's namespace holding an EncryptionConfiguration
    pub secret_name: String,
    /// The key of that Secret (or of the Secret capkv renders) holding the file
    pub secret_key: String,
    /// An apiserver.config.k8s.io/v1 EncryptionConfiguration as YAML text, given with
    /// `--set-file cluster.controlPlane.encryption.encryptionConfig=FILE`: capkv puts
    /// it in a Secret; never printed by `capkv values`, lint or `capkv diff`
    pub encryption_config: String,
}

impl Default for Encryption {
    fn default() -> Self {
        Encryption {
            secret_name: String::new(),
            secret_key: "encryption-config.yaml".into(),
            encryption_config: String::new(),
        }
    }
}

impl Encryption {
    pub fn enabled(&self) -> bool {
        !self.secret_name.is_empty() || !self.encryption_config.is_empty()
    }
}
