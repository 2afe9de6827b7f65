//! The only module that knows which YAML crates capkv uses.
//!
//! Reading: [saphyr-parser](https://crates.io/crates/saphyr-parser)'s events, composed
//! into JSON-shaped values by [`read`] with Helm's YAML 1.1 rules ([`scalar`]): no YAML
//! crate reads scalars, keys and merge keys the way go-yaml v2 does for Helm, and
//! saphyr-parser is the fastest maintained pure-Rust parser measured (docs/design.md).
//! Writing: [serde-saphyr](https://crates.io/crates/serde-saphyr)'s serializer, which
//! quotes every string a YAML 1.1 reader would otherwise retype.

mod read;
mod scalar;

use serde_json::Value;

/// A YAML syntax or structure problem, with the line and column the parser reported.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub message: String,
}

/// Values files are small: a thousand documents is far more than any needs.
const MAX_VALUES_DOCUMENTS: usize = 1_000;
/// A rendered stream (`capkv diff` reads two) holds three documents per node pool: up
/// to 5,000 pools, far more documents than a values file may have.
const MAX_STREAM_DOCUMENTS: usize = 20_000;

/// Reads a values file the way Helm does (go-yaml v2 through sigs.k8s.io/yaml): YAML
/// 1.1 scalars, keys that are not strings turned into strings (`on:` is the key
/// `"true"`), merge keys `<<` applied where they stand (a later `<<` overrides earlier
/// keys, and in `<<: [*a, *b]` the first map wins), no `%YAML` directives, no
/// non-finite numbers. Unlike Helm, a key given twice (also `yes:` next to `on:`) is an
/// error instead of silently keeping the last one.
pub fn parse_values_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    // Only lines that start with `%` can be directives; most files have none.
    let maybe_directive = text.starts_with('%') || text.contains("\n%");
    if let Some(line) = maybe_directive
        .then(|| {
            text.lines()
                .position(|l| l.starts_with("%YAML") || l.starts_with("%TAG"))
        })
        .flatten()
    {
        return Err(YamlError {
            message: format!(
                "line {}: YAML directives (%YAML, %TAG) are not supported in values files",
                line + 1
            ),
        });
    }
    read::documents(text, MAX_VALUES_DOCUMENTS)
}

/// Parses every document of a YAML stream into JSON-shaped values, in order, with the
/// rules of [`parse_values_documents`]. Empty documents come back as `Value::Null`.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    read::documents(text, MAX_STREAM_DOCUMENTS)
}

/// Emits one value as a block-style YAML document (no leading `---`, trailing newline).
pub fn emit(value: &Value) -> String {
    let mut out = String::new();
    emit_into(value, &mut out);
    out
}

/// Appends [`emit`]'s output to `out`.
pub fn emit_into(value: &Value, out: &mut String) {
    let mut options = serde_saphyr::SerializerOptions::default();
    // Long single-line strings (certificates, commands) must stay on one line: folding
    // them into `>-` blocks makes diffs noisy and surprises readers.
    options.folded_wrap_chars = usize::MAX;
    // Serializing a serde_json::Value cannot fail: it has only string keys and no
    // non-finite floats, and writing to a String cannot fail.
    let written = serde_saphyr::to_fmt_writer_with_options(out, value, options);
    debug_assert!(written.is_ok(), "{written:?}");
}

/// Documents as a plain multi-document stream (no `# Source:` comments): the payload of
/// a ClusterResourceSet ConfigMap.
pub fn emit_stream(documents: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_into(doc, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_files_follow_helms_key_and_merge_rules() {
        let docs =
            parse_values_documents("on: 1\n\"off\": 2\nbase: &b {x: 1}\nm:\n  x: 2\n  <<: *b\n")
                .unwrap();
        assert_eq!(
            docs,
            vec![json!({"true": 1, "off": 2, "base": {"x": 1}, "m": {"x": 1}})]
        );
        assert!(parse_values_documents("yes: 1\non: 2\n").is_err());
        assert!(parse_values_documents("%YAML 1.1\n---\na: 1\n").is_err());
        assert!(parse_values_documents("a: .inf\n").is_err());
    }

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

    /// A value and every string a YAML 1.1 reader could mistake for something else.
    fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let words = prop::sample::select(vec![
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "~",
            "null",
            "0644",
            "0x1F",
            "0o7",
            "0b11",
            "1_000",
            "1e3",
            ".5",
            "+5",
            "-.inf",
            ".nan",
            "2001-12-14",
            "<<",
            "- a",
            "a: b",
            "#c",
            "",
            " lead",
            "trail ",
            "'q'",
            "\"dq\"",
            "{x}",
            "[y]",
            "*a",
            "&b",
            "!t",
            "%d",
            "@",
            "`",
            "multi\nline",
            "tab\there",
            "\u{85}nel",
            "\u{7f}",
            "é",
            "---",
            "...",
        ])
        .prop_map(|w| Value::String(w.to_owned()));
        let leaf = prop_oneof![
            words,
            any::<String>().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
                .map(Value::Number)),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-zA-Z0-9 :#'-]{0,8}|yes|on|1|~", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, failure_persistence: None, ..Default::default() })]
        /// What capkv prints, capkv reads back as the same value: the emitter quotes
        /// every string the reader would retype (`capkv diff` reads capkv's output).
        #[test]
        fn what_is_emitted_reads_back_unchanged(value in any_value()) {
            let text = emit(&value);
            let read = parse_documents(&text).map_err(|e| e.message);
            proptest::prop_assert_eq!(read, Ok(vec![value]), "{}", text);
        }
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
