//! Kubernetes' name and label syntax, shared by the values checks (which blame an
//! input) and the output self-check (which blames capkv). The rules are apimachinery's
//! `validation` package: the API server rejects anything else.

/// Label values, label-key names and every name CAPI copies into a label value.
pub const LABEL_VALUE_MAX: usize = 63;
/// DNS-1123 subdomains: most object names and the prefix of a label key.
pub const SUBDOMAIN_MAX: usize = 253;

/// How the API server validates `metadata.name` of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// DNS-1123 subdomain, at most 253 characters: most kinds.
    Subdomain,
    /// DNS-1123 label, at most 63 characters: Namespace.
    Label,
    /// DNS-1035 label (starts with a letter), at most 63 characters: Service.
    Dns1035,
    /// Any path segment: RBAC kinds.
    PathSegment,
    /// A subdomain that CAPI also copies into a label value (at most 63 characters):
    /// Cluster (`cluster.x-k8s.io/cluster-name`) and MachineDeployment
    /// (`cluster.x-k8s.io/deployment-name`).
    LabelValueSubdomain,
}

impl NameRule {
    pub fn for_kind(kind: &str) -> Self {
        match kind {
            "Namespace" => NameRule::Label,
            "Service" => NameRule::Dns1035,
            "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => NameRule::PathSegment,
            "Cluster" | "MachineDeployment" => NameRule::LabelValueSubdomain,
            _ => NameRule::Subdomain,
        }
    }

    pub fn accepts(self, name: &str) -> bool {
        match self {
            NameRule::Subdomain => is_dns1123_subdomain(name),
            NameRule::Label => is_dns1123_label(name),
            NameRule::Dns1035 => is_dns1035_label(name),
            NameRule::PathSegment => is_path_segment(name),
            NameRule::LabelValueSubdomain => {
                is_dns1123_subdomain(name) && name.len() <= LABEL_VALUE_MAX
            }
        }
    }

    /// What a valid name looks like, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            NameRule::Subdomain => {
                "a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
            }
            NameRule::Label => {
                "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
            }
            NameRule::Dns1035 => {
                "a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"
            }
            NameRule::PathSegment => "a path segment: not empty, '.' or '..', without '/' or '%'",
            NameRule::LabelValueSubdomain => {
                "a DNS-1123 subdomain of at most 63 characters (CAPI copies it into a label value)"
            }
        }
    }
}

fn is_alnum_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

pub fn is_dns1123_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= LABEL_VALUE_MAX
        && bytes.iter().all(|&b| is_alnum_lower(b) || b == b'-')
        && is_alnum_lower(bytes[0])
        && is_alnum_lower(bytes[bytes.len() - 1])
}

pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= SUBDOMAIN_MAX
        && s.split('.').all(|part| {
            let bytes = part.as_bytes();
            !bytes.is_empty()
                && bytes.iter().all(|&b| is_alnum_lower(b) || b == b'-')
                && is_alnum_lower(bytes[0])
                && is_alnum_lower(bytes[bytes.len() - 1])
        })
}

pub fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// A key of a ConfigMap's or Secret's data (Kubernetes `IsConfigMapKey`): at most 253
/// characters of letters, digits, `-`, `_` and `.`, and not `.` or `..`.
pub fn is_config_map_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub fn is_path_segment(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '%'])
}

/// The name part of a qualified name, and a label value when not empty: at most 63
/// characters, alphanumeric at both ends, `-`, `_` and `.` inside.
fn is_qualified_name_part(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= LABEL_VALUE_MAX
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// Why `key` is not a valid label or annotation key (`[prefix/]name`), or `None`.
pub fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && !is_dns1123_subdomain(prefix)
    {
        return Some(format!(
            "the prefix \"{prefix}\" must be a DNS-1123 subdomain (at most {SUBDOMAIN_MAX} lowercase letters, digits, '-' and '.')"
        ));
    }
    if !is_qualified_name_part(name) {
        return Some(format!(
            "the name \"{name}\" must be at most {LABEL_VALUE_MAX} letters, digits, '-', '_' and '.', starting and ending with a letter or digit (an optional DNS prefix goes before one '/')"
        ));
    }
    None
}

/// Why `value` is not a valid label value, or `None` (empty is valid).
pub fn label_value_problem(value: &str) -> Option<String> {
    if value.is_empty() || is_qualified_name_part(value) {
        return None;
    }
    // Phrased to follow "the value …" in messages.
    Some(if value.len() > LABEL_VALUE_MAX {
        format!(
            "is {} characters, more than the {LABEL_VALUE_MAX} a label value holds",
            value.len()
        )
    } else {
        "may hold only letters, digits, '-', '_' and '.', starting and ending with a letter or digit".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns1123_label("my-cluster-1"));
        assert!(is_dns1123_label("1abc"));
        assert!(!is_dns1123_label("My-cluster"));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label("a.b"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns1035_label("abc-1"));
        assert!(!is_dns1035_label("1abc"));
    }

    #[test]
    fn subdomains() {
        assert!(is_dns1123_subdomain("csi.vsphere.vmware.com"));
        assert!(is_dns1123_subdomain(&"a".repeat(253)));
        assert!(!is_dns1123_subdomain(&"a".repeat(254)));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(!is_dns1123_subdomain("a.-b"));
        assert!(!is_dns1123_subdomain(""));
        assert!(!is_dns1123_subdomain("A"));
    }

    #[test]
    fn label_keys_and_values() {
        assert_eq!(label_key_problem("cluster.x-k8s.io/cluster-name"), None);
        assert_eq!(label_key_problem("app"), None);
        assert_eq!(label_key_problem("App_Name.v2"), None);
        assert!(label_key_problem("bad key").is_some());
        assert!(label_key_problem("Example.com/x").is_some());
        assert!(label_key_problem("a/b/c").is_some());
        assert!(label_key_problem("/x").is_some());
        assert!(label_key_problem(&"k".repeat(64)).is_some());
        assert_eq!(label_value_problem(""), None);
        assert_eq!(label_value_problem("v1.2_x-Y"), None);
        assert!(label_value_problem("-x").is_some());
        assert!(label_value_problem("a b").is_some());
        assert!(label_value_problem(&"v".repeat(64)).is_some());
    }

    #[test]
    fn rules_by_kind() {
        assert_eq!(NameRule::for_kind("Service"), NameRule::Dns1035);
        assert!(!NameRule::for_kind("Service").accepts("1-metrics"));
        assert!(NameRule::for_kind("ConfigMap").accepts("a.b-c"));
        assert!(!NameRule::for_kind("Namespace").accepts("a.b"));
        assert!(NameRule::for_kind("Role").accepts("Any:Thing"));
        assert!(!NameRule::for_kind("MachineDeployment").accepts(&"m".repeat(64)));
    }
}
