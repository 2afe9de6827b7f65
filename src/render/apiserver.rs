//! The tenant API server's authentication, audit and encryption settings as Kamaji
//! takes them: flags in `apiServer.extraArgs`, the files they name in a ConfigMap (and
//! a Secret for the encryption keys) mounted with `deployment.extraVolumes` and
//! `apiServer.extraVolumeMounts`. The KamajiControlPlane provider copies both onto the
//! TenantControlPlane (cluster-api-control-plane-provider-kamaji
//! `controllers/kamajicontrolplane_controller_tcp.go:122,246`), and Kamaji puts the
//! volumes into the control plane pod and the mounts into its kube-apiserver container
//! (clastix/kamaji `internal/builders/controlplane/deployment.go:383-393,619-625`).
//!
//! Whole directories are mounted, never single files (`subPath`): the kubelet updates a
//! mounted ConfigMap or Secret in place only without `subPath`, and kube-apiserver
//! reloads the authentication and encryption files when they change.

use crate::schema::{Audit, ControlPlane};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Where the ConfigMap with the authentication configuration and the audit policy is
/// mounted.
pub(crate) const CONFIG_DIR: &str = "/etc/kubernetes/apiserver-config";
pub(crate) const AUTHENTICATION_FILE: &str = "authentication-config.yaml";
pub(crate) const AUDIT_POLICY_FILE: &str = "audit-policy.yaml";
pub(crate) const OIDC_CA_FILE: &str = "oidc-ca.crt";
/// Where the encryption configuration's Secret is mounted.
pub(crate) const ENCRYPTION_DIR: &str = "/etc/kubernetes/encryption";
/// Where `audit.log.volume` is mounted; the events go to `audit.log` in it.
pub(crate) const AUDIT_LOG_DIR: &str = "/var/log/kubernetes/audit";
/// Pod annotation with the hash of the files kube-apiserver is not relied on to reload
/// (the audit policy, read only at start, and the legacy OIDC CA): a change of one
/// changes the pod template and so restarts the API server (Kamaji merges `podAdditionalMetadata.annotations` into the
/// pod template: `internal/builders/controlplane/deployment.go:126`). The
/// authentication configuration is left out: kube-apiserver reloads it, so a change
/// of an issuer restarts nothing.
pub(crate) const CONFIG_CHECKSUM_ANNOTATION: &str = "checksum/apiserver-config";

const CONFIG_VOLUME: &str = "capkv-apiserver-config";
const ENCRYPTION_VOLUME: &str = "capkv-encryption-config";
const AUDIT_LOG_VOLUME: &str = "capkv-audit-log";

/// What the KamajiControlPlane template adds for the API server's security settings.
#[derive(Debug, Default, Serialize)]
pub(crate) struct ApiServerHardening {
    /// Flags after the user's `apiServer.extraArgs`.
    pub args: Vec<String>,
    /// `deployment.extraVolumes`
    pub volumes: Vec<Value>,
    /// `apiServer.extraVolumeMounts`
    pub volume_mounts: Vec<Value>,
    /// The ConfigMap's files by name; empty: no ConfigMap.
    pub config_files: BTreeMap<&'static str, String>,
    /// Pod annotations: [`CONFIG_CHECKSUM_ANNOTATION`], with a ConfigMap.
    pub pod_annotations: BTreeMap<&'static str, String>,
    /// The Secret capkv renders from `encryption.encryptionConfig`: its key and file.
    pub encryption_secret: Option<BTreeMap<String, String>>,
}

impl ApiServerHardening {
    pub(crate) fn new(cp: &ControlPlane, config_map: &str, encryption_secret: &str) -> Self {
        let mut out = ApiServerHardening::default();
        let minor = crate::validate::parse_version(&cp.version).map(|(_, minor, _)| minor);
        if !cp.authentication.jwt.is_empty() {
            let document = authentication_configuration(cp, minor.unwrap_or(0));
            out.config_files
                .insert(AUTHENTICATION_FILE, crate::yaml::emit(&document));
            out.args.push(format!(
                "--authentication-config={CONFIG_DIR}/{AUTHENTICATION_FILE}"
            ));
        }
        if let Some(oidc) = &cp.authentication.oidc {
            out.args.extend(oidc.flags());
            if !oidc.ca_bundle.is_empty() {
                out.config_files
                    .insert(OIDC_CA_FILE, oidc.ca_bundle.clone());
                out.args
                    .push(format!("--oidc-ca-file={CONFIG_DIR}/{OIDC_CA_FILE}"));
            }
        }
        if cp.audit.enabled {
            out.config_files.insert(
                AUDIT_POLICY_FILE,
                crate::yaml::emit(&audit_policy(&cp.audit)),
            );
            out.args.push(format!(
                "--audit-policy-file={CONFIG_DIR}/{AUDIT_POLICY_FILE}"
            ));
            out.audit_log(&cp.audit);
        }
        if !out.config_files.is_empty() {
            out.volumes.push(json!({
                "name": CONFIG_VOLUME,
                "configMap": {"name": config_map},
            }));
            out.volume_mounts.push(json!({
                "name": CONFIG_VOLUME,
                "mountPath": CONFIG_DIR,
                "readOnly": true,
            }));
            let read_at_start: BTreeMap<_, _> = out
                .config_files
                .iter()
                .filter(|(file, _)| **file != AUTHENTICATION_FILE)
                .collect();
            if !read_at_start.is_empty() {
                out.pod_annotations
                    .insert(CONFIG_CHECKSUM_ANNOTATION, checksum(&read_at_start));
            }
        }
        let encryption = &cp.encryption;
        if encryption.enabled() {
            out.volumes.push(json!({
                "name": ENCRYPTION_VOLUME,
                "secret": {"secretName": encryption_secret},
            }));
            out.volume_mounts.push(json!({
                "name": ENCRYPTION_VOLUME,
                "mountPath": ENCRYPTION_DIR,
                "readOnly": true,
            }));
            out.args.push(format!(
                "--encryption-provider-config={ENCRYPTION_DIR}/{}",
                encryption.secret_key
            ));
            // Key rotation is a change of the Secret: reloaded without a restart.
            out.args
                .push("--encryption-provider-config-automatic-reload=true".into());
            if encryption.secret_name.is_empty() {
                out.encryption_secret = Some(BTreeMap::from([(
                    encryption.secret_key.clone(),
                    encryption.encryption_config.clone(),
                )]));
            }
        }
        out
    }

    fn audit_log(&mut self, audit: &Audit) {
        let Some(volume) = &audit.log.volume else {
            // kube-apiserver writes the events to its stdout with `-`.
            self.args.push("--audit-log-path=-".into());
            return;
        };
        let mut source = Map::new();
        source.insert("name".into(), AUDIT_LOG_VOLUME.into());
        source.extend(volume.clone());
        self.volumes.push(Value::Object(source));
        self.volume_mounts.push(json!({
            "name": AUDIT_LOG_VOLUME,
            "mountPath": AUDIT_LOG_DIR,
        }));
        self.args
            .push(format!("--audit-log-path={AUDIT_LOG_DIR}/audit.log"));
        let log = &audit.log;
        for (flag, value) in [
            ("--audit-log-maxage", log.max_age_days),
            ("--audit-log-maxbackup", log.max_backups),
            ("--audit-log-maxsize", log.max_size_mb),
        ] {
            if let Some(value) = value {
                self.args.push(format!("{flag}={value}"));
            }
        }
    }
}

/// The apiserver.config.k8s.io AuthenticationConfiguration of `authentication.jwt`:
/// `v1` from Kubernetes 1.34, where the API went GA; `v1beta1` from 1.30 (validation
/// refuses older versions).
fn authentication_configuration(cp: &ControlPlane, minor: u64) -> Value {
    let version = if minor >= 34 { "v1" } else { "v1beta1" };
    json!({
        "apiVersion": format!("apiserver.config.k8s.io/{version}"),
        "kind": "AuthenticationConfiguration",
        "jwt": cp.authentication.jwt,
    })
}

/// The audit.k8s.io/v1 Policy: the user's rules, or capkv's default.
fn audit_policy(audit: &Audit) -> Value {
    let rules = if audit.rules.is_empty() {
        default_audit_rules()
    } else {
        Value::from(audit.rules.clone())
    };
    let mut policy = json!({
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Policy",
    });
    if !audit.omit_stages.is_empty() {
        policy["omitStages"] = json!(audit.omit_stages);
    }
    policy["rules"] = rules;
    policy
}

/// The first matching rule decides: nothing for health checks, events (the core API's
/// and events.k8s.io's, where kube-scheduler writes them) and kube-proxy's
/// watches (frequent, and no one's action), only metadata for Secrets, ConfigMaps, tokens and
/// token reviews (their bodies are credentials), then the request body of every change
/// and the metadata of every read.
fn default_audit_rules() -> Value {
    json!([
        {"level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"]},
        {"level": "None", "resources": [
            {"group": "", "resources": ["events"]},
            {"group": "events.k8s.io", "resources": ["events"]},
        ]},
        {"level": "None", "users": ["system:kube-proxy"], "verbs": ["watch"],
         "resources": [{"group": "", "resources": ["endpoints", "services", "services/status"]}]},
        {"level": "Metadata", "resources": [
            {"group": "", "resources": ["secrets", "configmaps", "serviceaccounts/token"]},
            {"group": "authentication.k8s.io", "resources": ["tokenreviews"]},
        ]},
        {"level": "Request", "verbs": ["create", "update", "patch", "delete", "deletecollection"]},
        {"level": "Metadata"},
    ])
}

fn checksum(files: &BTreeMap<&&'static str, &String>) -> String {
    let value = serde_json::to_value(files).unwrap_or_default();
    super::hash::spec_hash(&value)
}
