//! Content hashes for template names: the rolling-update mechanism.
//!
//! Rule: SHA-256 over the canonical JSON of the rendered object's `spec` (object keys
//! sorted at every level, no insignificant whitespace, strings JSON-escaped), written
//! in lowercase hex; the name suffix is its first 8 characters. Formatting or key order
//! of the template cannot change it; any change of a value in the spec does.
//!
//! The spec hashed is the one rendered with [`API_VERSIONS`], whatever versions the
//! output uses: the same pool keeps its template names across an API version switch,
//! so the switch rolls nothing.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

use crate::object_names::TEMPLATE_HASH_LEN;
use crate::schema::{BetaVersion, KamajiVersion, ResolvedApiVersions};

/// The API versions whose rendered spec is hashed: the newest, so that output in them
/// (the default) kept the names it had before the hash stopped depending on the
/// rendered versions.
pub(crate) const API_VERSIONS: ResolvedApiVersions = ResolvedApiVersions {
    capi: BetaVersion::V1beta2,
    capv: BetaVersion::V1beta2,
    kamaji: KamajiVersion::V1alpha2,
};

pub fn spec_hash(spec: &Value) -> String {
    let mut canonical = Vec::with_capacity(1024);
    write_canonical(spec, &mut canonical);
    let digest = Sha256::digest(&canonical);
    let mut hex = String::with_capacity(TEMPLATE_HASH_LEN);
    for byte in digest.iter().take(TEMPLATE_HASH_LEN / 2) {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn write_canonical(node: &Value, out: &mut Vec<u8>) {
    match node {
        Value::Object(entries) => {
            let mut sorted: Vec<_> = entries.iter().collect();
            // Keys of a map are unique, so an unstable sort gives the same order.
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, value)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(key, out);
                out.push(b':');
                write_canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => write_json(n, out),
        Value::String(s) => write_json_str(s, out),
    }
}

/// Compact JSON of a string or number, straight into the buffer.
fn write_json<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Serializing strings and numbers into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// A string as JSON: as it is between quotes when JSON escapes none of its bytes
/// (nearly every key and value), else by serde_json.
fn write_json_str(s: &str, out: &mut Vec<u8>) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        write_json(s, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_hash() {
        assert_eq!(
            spec_hash(&json!({"a": 1, "b": {"c": [1, 2], "d": "x"}})),
            spec_hash(&json!({"b": {"d": "x", "c": [1, 2]}, "a": 1}))
        );
    }

    #[test]
    fn any_value_change_changes_the_hash() {
        let base = spec_hash(&json!({"a": 1, "l": ["x"]}));
        assert_ne!(base, spec_hash(&json!({"a": 2, "l": ["x"]})));
        assert_ne!(base, spec_hash(&json!({"a": 1, "l": ["x", "y"]})));
        assert_ne!(base, spec_hash(&json!({"a": "1", "l": ["x"]})));
    }

    #[test]
    fn hash_is_eight_lowercase_hex_chars() {
        let h = spec_hash(&json!({}));
        assert_eq!(h.len(), 8);
        assert!(
            h.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    /// The canonical form as first specified (and used for every name rendered so
    /// far): rewriting the writer must not rename anything.
    fn reference_canonical(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    reference_canonical(value, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    reference_canonical(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }

    #[test]
    fn canonical_form_is_unchanged() {
        let value = json!({
            "z": [1, -2, 18_446_744_073_709_551_615_u64, 1.5, true, null],
            "a\"\\\n\u{1}é": {"b": "x\ty", "a": {}},
            "m": [], "é": "\u{2028}"
        });
        let mut reference = String::new();
        reference_canonical(&value, &mut reference);
        let mut canonical = Vec::new();
        write_canonical(&value, &mut canonical);
        assert_eq!(String::from_utf8(canonical).unwrap(), reference);
    }
}
