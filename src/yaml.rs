//! The only module that knows which YAML crate capkv uses (serde-saphyr).
//!
//! serde-saphyr was chosen because its defaults read YAML 1.1 scalars the way Helm
//! and kubectl do (`yes`/`on` booleans, `0644` octal with `legacy_octal_numbers`),
//! it rejects duplicate keys with a located error, it is pure safe Rust, and its
//! emitter quotes every string a YAML 1.1 reader would otherwise retype.

use serde_json::Value;

/// A YAML syntax or structure problem, with the line and column the parser reported.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub message: String,
}

/// Limits that keep hostile input (alias bombs, absurd nesting, huge streams) bounded
/// in time and memory; far above anything a real values file needs.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 200;
    budget.max_documents = 1_000;
    budget.max_aliases = 10_000;
    budget.max_anchors = 10_000;
    budget.max_nodes = 5_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.legacy_octal_numbers = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.alias_limits.max_total_replayed_events = 100_000;
    options
}

fn to_error(err: &serde_saphyr::Error) -> YamlError {
    YamlError {
        message: err.to_string(),
    }
}

/// Parses every document of a YAML stream into JSON-shaped values, in order.
/// Empty documents come back as `Value::Null`.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    serde_saphyr::from_multiple_with_options::<Value>(text, options()).map_err(|e| to_error(&e))
}

/// Emits one value as a block-style YAML document (no leading `---`, trailing newline).
pub fn emit(value: &Value) -> String {
    let mut options = serde_saphyr::SerializerOptions::default();
    // Long single-line strings (certificates, commands) must stay on one line: folding
    // them into `>-` blocks makes diffs noisy and surprises readers.
    options.folded_wrap_chars = usize::MAX;
    // Serializing a serde_json::Value cannot fail: it has only string keys and no
    // non-finite floats.
    serde_saphyr::to_string_with_options(value, options).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_yaml_1_1_scalars_like_helm() {
        let docs = parse_documents("a: yes\nb: off\nc: 0644\nd: 1_000\ne: \"yes\"\n").unwrap();
        assert_eq!(
            docs,
            vec![json!({"a": true, "b": false, "c": 420, "d": 1000, "e": "yes"})]
        );
    }

    #[test]
    fn rejects_duplicate_keys_with_location() {
        let err = parse_documents("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        assert!(err.message.contains('3'), "{}", err.message);
    }

    #[test]
    fn emits_ambiguous_strings_quoted() {
        let out = emit(&json!({"a": "yes", "b": "0644", "c": "on", "d": "plain"}));
        assert_eq!(out, "a: \"yes\"\nb: \"0644\"\nc: \"on\"\nd: plain\n");
    }

    #[test]
    fn keeps_long_strings_on_one_line() {
        let long = "x".repeat(200) + " " + &"y".repeat(50);
        let out = emit(&json!({ "k": long }));
        assert_eq!(out.lines().count(), 1);
    }

    #[test]
    fn alias_bomb_is_rejected() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            let refs = vec![format!("*a{prev}"); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert!(parse_documents(&text).is_err());
    }
}
