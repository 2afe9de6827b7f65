//! Settings of every node: NTP servers a node can resolve or reach, and CA
//! certificates update-ca-certificates would take (it skips, with only a warning in
//! the node's log, a file that is not PEM).

use super::Findings;
use super::ip::parse_ip;
use crate::http_url::HttpUrl;
use crate::names::is_dns1123_subdomain;
use crate::schema::{RegistryMirror, Values};

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

pub(super) fn check(values: &Values, findings: &mut Findings) {
    let nodes = &values.nodes;
    for (i, server) in nodes.ntp_servers.iter().enumerate() {
        if parse_ip(server).is_none() && !is_dns1123_subdomain(server) {
            findings.error(
                format!("nodes.ntpServers[{i}]"),
                format!("\"{server}\" is neither an IP address nor a host name"),
            );
        }
    }
    for (i, pem) in nodes.trusted_ca_certificates.iter().enumerate() {
        if let Some(problem) = pem_problem(pem) {
            findings.error(format!("nodes.trustedCaCertificates[{i}]"), problem);
        }
    }
    check_proxy(values, findings);
    check_mirrors(values, findings);
}

fn check_mirrors(values: &Values, findings: &mut Findings) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, mirror) in values.nodes.registry_mirrors.iter().enumerate() {
        let at = |key: &str| format!("nodes.registryMirrors[{i}].{key}");
        // The registry names a directory and a file on the node: host[:port] only.
        let (host, port) = match mirror.registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (mirror.registry.as_str(), None),
        };
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
        if !is_dns1123_subdomain(host) || !port_ok {
            findings.error(
                at("registry"),
                format!(
                    "\"{}\" is not a registry host (e.g. docker.io, registry.local:5000)",
                    mirror.registry
                ),
            );
        } else if seen.contains(&mirror.registry.as_str()) {
            findings.error(
                at("registry"),
                format!(
                    "\"{}\" is listed twice: one entry per registry, its mirrors in order",
                    mirror.registry
                ),
            );
        }
        seen.push(&mirror.registry);
        if mirror.mirrors.is_empty() {
            findings.error(at("mirrors"), "no mirror: give at least one URL");
        }
        for (j, url) in mirror.mirrors.iter().enumerate() {
            // The host goes into a shell command and a TOML key on the node: only the
            // characters of a host name, an IP address and a port.
            let parsed = HttpUrl::parse(url);
            let at = format!("nodes.registryMirrors[{i}].mirrors[{j}]");
            if parsed.as_ref().is_some_and(HttpUrl::has_user_info) {
                findings.error(
                    at,
                    format!(
                        "{}: a mirror URL carries no user information; give the credentials in nodes.registryMirrors[{i}].credentialsSecret",
                        quoted_url(url)
                    ),
                );
                continue;
            }
            let host_ok = parsed.is_some_and(|url| {
                url.host_port()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            });
            if !host_ok {
                findings.error(
                    at,
                    format!(
                        "{} is not a mirror URL: expected https://host[:port][/path]",
                        quoted_url(url)
                    ),
                );
            }
        }
        if !mirror.ca_certificate.is_empty()
            && let Some(problem) = pem_problem(&mirror.ca_certificate)
        {
            findings.error(at("caCertificate"), problem);
        }
        check_credentials(i, mirror, findings);
    }
    check_shared_mirror_hosts(values, findings);
}

/// containerd's CRI keys registry credentials by the host it contacts alone (containerd
/// v2.3.2 internal/cri/server/images/image_pull.go:105-113), so two registries mirrored
/// on one host (a Harbor's proxy-cache projects `/v2/docker-hub` and `/v2/quay`) get
/// one set of credentials: the drop-in merged last wins, and the other registry's
/// pulls are refused. Two different Secrets for one host are an error.
fn check_shared_mirror_hosts(values: &Values, findings: &mut Findings) {
    // host -> (entry index, Secret) of the first entry with credentials for it.
    let mut first: std::collections::HashMap<String, (usize, &str)> =
        std::collections::HashMap::new();
    for (i, mirror) in values.nodes.registry_mirrors.iter().enumerate() {
        let secret = mirror.credentials_secret.as_str();
        if secret.is_empty() {
            continue;
        }
        for (j, url) in mirror.mirrors.iter().enumerate() {
            let Some(host) = HttpUrl::parse(url).map(|url| url.host_port()) else {
                continue;
            };
            match first.get(&host) {
                Some(&(other, other_secret)) if other != i && other_secret != secret => {
                    findings.error(
                        format!("nodes.registryMirrors[{i}].mirrors[{j}]"),
                        format!(
                            "{host} is also a mirror of nodes.registryMirrors[{other}] with the credentials of Secret \"{other_secret}\": containerd keeps one set of credentials per host, so one Secret's would be sent for both registries; give both entries the same credentialsSecret (an account that may pull from both)"
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    first.insert(host, (i, secret));
                }
            }
        }
    }
}

/// The Secret CAPI's bootstrap provider reads for the mirrors' credentials: a Secret
/// name, and mirrors that do not send the password in clear text.
fn check_credentials(i: usize, mirror: &RegistryMirror, findings: &mut Findings) {
    let secret = &mirror.credentials_secret;
    if secret.is_empty() {
        return;
    }
    let at = format!("nodes.registryMirrors[{i}].credentialsSecret");
    if !is_dns1123_subdomain(secret) {
        findings.error(
            at.clone(),
            format!(
                "\"{secret}\" is not a Secret name: lowercase letters, digits, '-' and '.' (a DNS-1123 subdomain)"
            ),
        );
    }
    for (j, url) in mirror.mirrors.iter().enumerate() {
        if HttpUrl::parse(url).is_some_and(|url| url.is_plain_http()) {
            findings.warning(
                format!("nodes.registryMirrors[{i}].mirrors[{j}]"),
                format!(
                    "{} is plain HTTP: containerd sends the credentials of {at} to it unencrypted",
                    quoted_url(url)
                ),
            );
        }
    }
}

fn check_proxy(values: &Values, findings: &mut Findings) {
    let proxy = &values.nodes.proxy;
    for (key, url) in [
        ("httpProxy", &proxy.http_proxy),
        ("httpsProxy", &proxy.https_proxy),
    ] {
        if url.is_empty() {
            continue;
        }
        // Go's http.ProxyFromEnvironment takes a URL; without a scheme it guesses.
        if HttpUrl::parse(url).is_none() {
            findings.error(
                format!("nodes.proxy.{key}"),
                format!(
                    "{} is not a proxy URL: expected http://host:port (or https://)",
                    quoted_url(url)
                ),
            );
        }
    }
    for (i, entry) in proxy.no_proxy.iter().enumerate() {
        if entry.is_empty() || entry.contains([',', ' ', '\n', '\r', '\t']) {
            findings.error(
                format!("nodes.proxy.noProxy[{i}]"),
                format!("{entry:?}: one host, .domain or CIDR per entry, without spaces or commas"),
            );
        }
    }
    let network = &values.cluster.control_plane.network;
    if proxy.is_set() && network.service_address.is_empty() {
        findings.warning(
            "nodes.proxy.noProxy",
            "the control plane's address is not known (cluster.controlPlane.network.serviceAddress is empty): add the address the API server gets to noProxy, or the kubelet reaches it through the proxy",
        );
    }
}

/// A URL as a message shows it: quoted, or not at all when it may carry a password
/// (`user:password@`, even where the URL does not parse), which is never printed.
fn quoted_url(url: &str) -> String {
    if url.contains('@') {
        "the URL (not shown: it holds user information, which may be a password)".to_owned()
    } else {
        format!("\"{url}\"")
    }
}

/// Why `text` is not one or more PEM certificates, if it is not.
pub(super) fn pem_problem(text: &str) -> Option<&'static str> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Some("empty: give a PEM certificate (-----BEGIN CERTIFICATE----- …)");
    }
    while !rest.is_empty() {
        let Some(body) = rest.strip_prefix(BEGIN) else {
            return Some("not a PEM certificate: expected -----BEGIN CERTIFICATE-----");
        };
        let Some(end) = body.find(END) else {
            return Some("a certificate without -----END CERTIFICATE-----");
        };
        let base64 = &body[..end];
        if base64.trim().is_empty()
            || !base64.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '\n' | '\r' | ' ')
            })
        {
            return Some("a certificate whose body is not base64");
        }
        rest = body[end + END.len()..].trim_start();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::pem_problem;

    #[test]
    fn pem_bundles() {
        let one = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_problem(one), None);
        assert_eq!(pem_problem(&format!("{one}{one}")), None);
        assert!(pem_problem("MIIB").is_some());
        assert!(pem_problem("-----BEGIN CERTIFICATE-----\nMIIB\n").is_some());
        assert!(
            pem_problem("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----").is_some()
        );
        assert!(pem_problem("").is_some());
    }
}
