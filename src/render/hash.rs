//! Content hashes for template names: the rolling-update mechanism.
//!
//! Rule: SHA-256 over the canonical JSON of the rendered object's `spec` (object keys
//! sorted at every level, no insignificant whitespace, strings JSON-escaped), written
//! in lowercase hex; the name suffix is its first 8 characters. Formatting or key order
//! of the template cannot change it; any change of a value in the spec does.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

pub const SUFFIX_LEN: usize = 8;

pub fn spec_hash(spec: &Value) -> String {
    let mut canonical = Vec::with_capacity(1024);
    write_canonical(spec, &mut canonical);
    let digest = Sha256::digest(&canonical);
    let mut hex = String::with_capacity(SUFFIX_LEN);
    for byte in digest.iter().take(SUFFIX_LEN / 2) {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(key, out);
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
        scalar => write_json(scalar, out),
    }
}

/// serde_json's own encoding of a string or scalar, written in place (no allocation).
fn write_json<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Serializing a string or a JSON scalar into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
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
}
