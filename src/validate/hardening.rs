//! The tenant API server's authentication, audit and encryption settings: what
//! kube-apiserver refuses at start, found before the control plane crash-loops. The
//! rules follow kube-apiserver's own validation (kubernetes
//! `staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation.go`:
//! `validateURL`, `validateAudiences`, `validatePrefixClaimOrExpression`).

use super::{Findings, parse_version};
use crate::http_url::HttpUrl;
use crate::schema::{ControlPlane, PrefixedClaim, Values};
use serde_json::Value;
use std::collections::HashSet;

const AUTH: &str = "cluster.controlPlane.authentication";
const AUDIT: &str = "cluster.controlPlane.audit";
const ENCRYPTION: &str = "cluster.controlPlane.encryption";
const EXTRA_ARGS: &str = "cluster.controlPlane.apiServer.extraArgs";

/// Structured authentication configuration is beta, on by default, from 1.30.
const AUTHENTICATION_CONFIG_SINCE: (u64, u64) = (1, 30);
/// `--encryption-provider-config-automatic-reload`, which capkv sets, exists from 1.26.
const ENCRYPTION_RELOAD_SINCE: (u64, u64) = (1, 26);

pub(super) fn check(values: &Values, findings: &mut Findings) {
    let cp = &values.cluster.control_plane;
    let version = parse_version(&cp.version).map(|(major, minor, _)| (major, minor));
    check_authentication(cp, version, findings);
    check_audit(cp, findings);
    check_encryption(cp, version, findings);
}

/// The index of the first user flag named `flag` (`--flag` or `--flag=value`).
fn flag_index(cp: &ControlPlane, matches: impl Fn(&str) -> bool) -> Option<usize> {
    cp.api_server.extra_args.iter().position(|arg| {
        let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
        matches(name)
    })
}

/// A flag capkv sets from a values key, also given by hand.
fn check_own_flag(cp: &ControlPlane, flag: &str, key: &str, findings: &mut Findings) {
    if let Some(i) = flag_index(cp, |name| name == flag) {
        findings.error(
            format!("{EXTRA_ARGS}[{i}]"),
            format!("capkv sets {flag} from {key}: remove it from extraArgs"),
        );
    }
}

fn check_authentication(cp: &ControlPlane, version: Option<(u64, u64)>, findings: &mut Findings) {
    let auth = &cp.authentication;
    let structured = !auth.jwt.is_empty();
    if structured {
        if version.is_some_and(|v| v < AUTHENTICATION_CONFIG_SINCE) {
            findings.error(
                format!("{AUTH}.jwt"),
                format!(
                    "kube-apiserver {} has no structured authentication configuration (--authentication-config, Kubernetes >= {}.{}); use {AUTH}.oidc or upgrade",
                    cp.version, AUTHENTICATION_CONFIG_SINCE.0, AUTHENTICATION_CONFIG_SINCE.1
                ),
            );
        }
        check_own_flag(
            cp,
            "--authentication-config",
            &format!("{AUTH}.jwt"),
            findings,
        );
    }
    // kube-apiserver refuses --oidc-* flags together with --authentication-config
    // ("authentication-config file and oidc-* flags are mutually exclusive", kubernetes
    // pkg/kubeapiserver/options/authentication.go, Validate, from 1.29).
    let config_by_hand = flag_index(cp, |name| name == "--authentication-config");
    if structured || config_by_hand.is_some() {
        let source = if structured {
            format!("{AUTH}.jwt")
        } else {
            format!("--authentication-config in {EXTRA_ARGS}")
        };
        if auth.oidc.is_some() {
            findings.error(
                format!("{AUTH}.oidc"),
                format!(
                    "kube-apiserver does not start with --oidc-* flags and --authentication-config together: move the issuer to {source} or remove one of them"
                ),
            );
        }
        if let Some(i) = flag_index(cp, |name| name.starts_with("--oidc-")) {
            findings.error(
                format!("{EXTRA_ARGS}[{i}]"),
                format!(
                    "kube-apiserver does not start with --oidc-* flags and --authentication-config ({source}) together: express the issuer in {AUTH}.jwt"
                ),
            );
        }
    }
    let service_account_issuers = service_account_issuers(cp);
    // kube-apiserver compares issuer and discovery URLs as written
    // (validation.go ValidateAuthenticationConfiguration, seenIssuers and
    // seenDiscoveryURLs): `https://a` and `https://a/` are two issuers.
    let mut issuers = HashSet::new();
    let mut discovery_urls = HashSet::new();
    for (index, jwt) in auth.jwt.iter().enumerate() {
        let at = format!("{AUTH}.jwt[{index}]");
        let issuer = &jwt.issuer;
        https_url(&issuer.url, &format!("{at}.issuer.url"), findings);
        // kube-apiserver refuses an issuer that is one of its own service account
        // issuers (validation.go validateURL, disallowedIssuers).
        if service_account_issuers.contains(&issuer.url.as_str()) {
            findings.error(
                format!("{at}.issuer.url"),
                format!(
                    "\"{}\" is the API server's own service account issuer: kube-apiserver refuses it as a JWT issuer",
                    issuer.url
                ),
            );
        }
        if !issuers.insert(issuer.url.as_str()) {
            findings.error(
                format!("{at}.issuer.url"),
                format!("\"{}\" is listed twice: each issuer once", issuer.url),
            );
        }
        if let Some(discovery) = &issuer.discovery_url {
            let path = format!("{at}.issuer.discoveryURL");
            https_url(discovery, &path, findings);
            // validation.go validateIssuerDiscoveryURL.
            if discovery.trim_end_matches('/') == issuer.url.trim_end_matches('/') {
                findings.error(
                    &path,
                    "must differ from issuer.url: leave it out when the discovery document is under the issuer",
                );
            }
            if !discovery_urls.insert(discovery.as_str()) {
                findings.error(
                    &path,
                    format!("\"{discovery}\" is listed twice: each issuer's discovery URL once"),
                );
            }
        }
        check_audiences(jwt, &at, findings);
        match &jwt.claim_mappings.username {
            None => findings.error(
                format!("{at}.claimMappings.username"),
                "required: the claim that names the user, e.g. {claim: email, prefix: \"oidc:\"}",
            ),
            Some(claim) => check_claim(
                claim,
                true,
                &format!("{at}.claimMappings.username"),
                findings,
            ),
        }
        if let Some(groups) = &jwt.claim_mappings.groups {
            check_claim(
                groups,
                false,
                &format!("{at}.claimMappings.groups"),
                findings,
            );
        }
    }
    if let Some(oidc) = &auth.oidc {
        https_url(
            &oidc.issuer_url,
            &format!("{AUTH}.oidc.issuerURL"),
            findings,
        );
        if !oidc.ca_bundle.is_empty()
            && let Some(problem) = super::nodes::pem_problem(&oidc.ca_bundle)
        {
            findings.error(format!("{AUTH}.oidc.caBundle"), problem);
        }
        if oidc.client_id.is_empty() {
            findings.error(
                format!("{AUTH}.oidc.clientID"),
                "required with an issuer: the audience the tokens carry",
            );
        }
    }
}

/// Every `--service-account-issuer` (the flag repeats, and kube-apiserver refuses all
/// of them as JWT issuers: kubernetes `pkg/kubeapiserver/options/authentication.go`
/// passes `ServiceAccounts.Issuers` as the disallowed issuers), else the one Kamaji
/// sets when the user gives none (clastix/kamaji
/// `internal/builders/controlplane/deployment.go:696`).
fn service_account_issuers(cp: &ControlPlane) -> Vec<&str> {
    let given: Vec<&str> = cp
        .api_server
        .extra_args
        .iter()
        .filter_map(|arg| arg.strip_prefix("--service-account-issuer="))
        .collect();
    if given.is_empty() {
        vec!["https://kubernetes.default.svc.cluster.local"]
    } else {
        given
    }
}

fn check_audiences(jwt: &crate::schema::JwtAuthenticator, at: &str, findings: &mut Findings) {
    let issuer = &jwt.issuer;
    if issuer.audiences.is_empty() {
        findings.error(
            format!("{at}.issuer.audiences"),
            "at least one audience is required: the client ID the tokens are issued for",
        );
    }
    // validation.go validateAudiences: each audience non-empty and listed once.
    let mut seen = HashSet::new();
    for (index, audience) in issuer.audiences.iter().enumerate() {
        let path = format!("{at}.issuer.audiences[{index}]");
        if audience.is_empty() {
            findings.error(path, "must not be empty: the client ID the tokens carry");
        } else if !seen.insert(audience.as_str()) {
            findings.error(path, format!("\"{audience}\" is listed twice"));
        }
    }
    let policy = issuer.audience_match_policy.as_deref();
    if issuer.audiences.len() > 1 && policy != Some("MatchAny") {
        findings.error(
            format!("{at}.issuer.audienceMatchPolicy"),
            "must be MatchAny with more than one audience",
        );
    } else if policy.is_some_and(|p| p != "MatchAny") {
        findings.error(
            format!("{at}.issuer.audienceMatchPolicy"),
            "the only policy is MatchAny",
        );
    }
}

/// kube-apiserver's validatePrefixClaimOrExpression: an empty claim or expression is
/// an absent one, and only the username requires one of them.
fn check_claim(claim: &PrefixedClaim, required: bool, at: &str, findings: &mut Findings) {
    let set = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
    match (set(&claim.claim), set(&claim.expression)) {
        (true, true) => findings.error(at, "claim and expression cannot both be set"),
        (false, false) if required => findings.error(at, "claim or expression is required"),
        (true, false) if claim.prefix.is_none() => findings.error(
            format!("{at}.prefix"),
            "required with claim (\"\" for no prefix): kube-apiserver does not start without it",
        ),
        (false, true) if claim.prefix.is_some() => findings.error(
            format!("{at}.prefix"),
            "cannot be set with expression: put the prefix into the expression",
        ),
        _ => {}
    }
}

/// An issuer or discovery URL as kube-apiserver accepts it: https, no user, query or
/// fragment.
fn https_url(url: &str, path: &str, findings: &mut Findings) {
    if url.is_empty() {
        findings.error(path, "required: the issuer's https URL");
        return;
    }
    if !url.starts_with("https://") {
        findings.error(
            path,
            format!("\"{url}\" is not an https URL: kube-apiserver accepts only https issuers"),
        );
    } else if HttpUrl::parse(url).is_none_or(|parsed| parsed.has_user_info())
        || url.contains(['?', '#'])
    {
        findings.error(
            path,
            format!("\"{url}\" must be https://HOST[/PATH] without user, query or fragment"),
        );
    }
}

const AUDIT_LEVELS: [&str; 4] = ["None", "Metadata", "Request", "RequestResponse"];
const AUDIT_STAGES: [&str; 4] = [
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
];

fn check_audit(cp: &ControlPlane, findings: &mut Findings) {
    let audit = &cp.audit;
    if !audit.enabled {
        return;
    }
    for flag in ["--audit-policy-file", "--audit-log-path"] {
        check_own_flag(cp, flag, &format!("{AUDIT}.enabled"), findings);
    }
    for (index, rule) in audit.rules.iter().enumerate() {
        match rule.get("level").and_then(Value::as_str) {
            Some(level) if AUDIT_LEVELS.contains(&level) => {}
            _ => findings.error(
                format!("{AUDIT}.rules[{index}].level"),
                format!("required, one of {}", AUDIT_LEVELS.join(", ")),
            ),
        }
    }
    for (index, stage) in audit.omit_stages.iter().enumerate() {
        if !AUDIT_STAGES.contains(&stage.as_str()) {
            findings.error(
                format!("{AUDIT}.omitStages[{index}]"),
                format!(
                    "\"{stage}\" is not an audit stage: one of {}",
                    AUDIT_STAGES.join(", ")
                ),
            );
        }
    }
    let log = &audit.log;
    if log.volume.as_ref().is_some_and(|v| v.contains_key("name")) {
        findings.error(
            format!("{AUDIT}.log.volume.name"),
            "capkv names the volume: give only its source (e.g. persistentVolumeClaim: {claimName: audit})",
        );
    }
    // Every API server pod writes and rotates `audit.log` in the volume: with several
    // replicas sharing one volume (all but emptyDir, which each pod has of its own)
    // they write and rotate the same file, and a ReadWriteOnce claim cannot even be
    // mounted by a second pod on another node.
    if let Some(volume) = &log.volume
        && cp.replicas > 1
        && !volume.contains_key("emptyDir")
    {
        findings.warning(
            format!("{AUDIT}.log.volume"),
            format!(
                "the {} API server pods (cluster.controlPlane.replicas) all write and rotate audit.log in this one volume, and a ReadWriteOnce claim is mounted by one node only: use one replica, or leave log.volume unset for stdout",
                cp.replicas
            ),
        );
    }
    if log.volume.is_none() {
        for (key, set) in [
            ("maxAgeDays", log.max_age_days.is_some()),
            ("maxBackups", log.max_backups.is_some()),
            ("maxSizeMb", log.max_size_mb.is_some()),
        ] {
            if set {
                findings.error(
                    format!("{AUDIT}.log.{key}"),
                    format!(
                        "rotates a log file, but the events go to stdout: set {AUDIT}.log.volume or remove it"
                    ),
                );
            }
        }
    }
}

fn check_encryption(cp: &ControlPlane, version: Option<(u64, u64)>, findings: &mut Findings) {
    let encryption = &cp.encryption;
    if !encryption.enabled() {
        return;
    }
    check_own_flag(cp, "--encryption-provider-config", ENCRYPTION, findings);
    if version.is_some_and(|v| v < ENCRYPTION_RELOAD_SINCE) {
        findings.error(
            ENCRYPTION,
            format!(
                "kube-apiserver {} cannot reload its encryption configuration (Kubernetes >= {}.{}), which capkv relies on for key rotation",
                cp.version, ENCRYPTION_RELOAD_SINCE.0, ENCRYPTION_RELOAD_SINCE.1
            ),
        );
    }
    if !encryption.secret_name.is_empty() && !encryption.encryption_config.is_empty() {
        findings.error(
            format!("{ENCRYPTION}.encryptionConfig"),
            format!(
                "set either {ENCRYPTION}.secretName (your Secret) or encryptionConfig (capkv renders the Secret), not both"
            ),
        );
    }
    // The pod's volume names the Secret: a name no Secret can have leaves the API
    // server pod waiting for a Secret that never exists.
    if !encryption.secret_name.is_empty()
        && !crate::names::is_dns1123_subdomain(&encryption.secret_name)
    {
        findings.error(
            format!("{ENCRYPTION}.secretName"),
            format!(
                "\"{}\" is not a Secret name: lowercase letters, digits, '-' and '.' (a DNS-1123 subdomain)",
                encryption.secret_name
            ),
        );
    }
    if !crate::names::is_config_map_key(&encryption.secret_key) {
        findings.error(
            format!("{ENCRYPTION}.secretKey"),
            format!(
                "\"{}\" is not a Secret key: letters, digits, '-', '_' and '.'",
                encryption.secret_key
            ),
        );
    }
    if !encryption.encryption_config.is_empty()
        && let Err(problem) = encryption_config_problem(&encryption.encryption_config)
    {
        findings.error(format!("{ENCRYPTION}.encryptionConfig"), problem);
    }
}

/// What is wrong with an EncryptionConfiguration, without a word of its content (it
/// holds the keys).
fn encryption_config_problem(text: &str) -> Result<(), String> {
    let documents = crate::yaml::parse_documents(text)
        .map_err(|_| "is not YAML (the parser's message is not shown: it may quote a key)")?;
    let [document] = documents.as_slice() else {
        return Err("must be one YAML document".into());
    };
    if document.get("apiVersion").and_then(Value::as_str) != Some("apiserver.config.k8s.io/v1")
        || document.get("kind").and_then(Value::as_str) != Some("EncryptionConfiguration")
    {
        return Err(
            "must be apiVersion apiserver.config.k8s.io/v1, kind EncryptionConfiguration".into(),
        );
    }
    let resources = document
        .get("resources")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or("resources: at least one entry is required")?;
    for (index, entry) in resources.iter().enumerate() {
        let listed = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_array)
                .is_some_and(|list| !list.is_empty())
        };
        if !listed("resources") || !listed("providers") {
            return Err(format!(
                "resources[{index}]: needs a non-empty resources and providers list"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_config_problems_never_quote_the_content() {
        let secret = "c2VjcmV0IGlzIHNlY3VyZQ==";
        for text in [
            format!("apiVersion: v1\nkind: Secret\nkey: {secret}\n"),
            format!("resources: [{secret}\n"),
            format!(
                "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: []\n  k: {secret}\n"
            ),
        ] {
            let problem = encryption_config_problem(&text).expect_err(&text);
            assert!(!problem.contains(secret), "{problem}");
        }
        assert_eq!(
            encryption_config_problem(
                "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{identity: {}}]\n"
            ),
            Ok(())
        );
    }
}
