//! The only module that knows which YAML crate capkv uses (serde-saphyr).
//!
//! serde-saphyr was chosen because its defaults read YAML 1.1 scalars the way Helm
//! and kubectl do (`yes`/`on` booleans, `0644` octal with `legacy_octal_numbers`),
//! it rejects duplicate keys with a located error, it is pure safe Rust, and its
//! emitter quotes every string a YAML 1.1 reader would otherwise retype.
//!
//! serde-saphyr is also slow for capkv's volume (hundreds of instructions per byte),
//! so the regular YAML that templates emit and values files are written in takes two
//! fast paths, [`subset`] for reading and [`emitter`] for writing. Each gives up on
//! anything it cannot handle with certainty, and serde-saphyr then does the work (and
//! reports every error); property tests check that both paths agree with serde-saphyr
//! byte for byte and value for value.

mod emitter;
#[cfg(test)]
mod fast_path_tests;
mod node;
mod subset;

pub use node::Node;
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
    // What an alias costs is bounded by the events it replays (below), not by how many
    // aliases share one anchor: PyYAML writes an anchor once and an alias for every
    // other use of a shared object, thousands of them in a large values file.
    budget.enforce_alias_anchor_ratio = false;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.legacy_octal_numbers = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.alias_limits.max_total_replayed_events = 100_000;
    options.with_snippet = false;
    options
}

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
    // The subset has no merge keys and only string keys, where Helm's rules and
    // serde-saphyr's agree; non-finite numbers make it give up.
    match subset::parse(text) {
        Some(node) => Ok(vec![node.into_value()]),
        None => parse_values_with_saphyr(text),
    }
}

fn parse_values_with_saphyr(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut options = options();
    options.merge_keys = serde_saphyr::MergeKeyPolicy::AsOrdinary;
    serde_saphyr::from_multiple_with_options::<helm::HelmValue>(text, options)
        .map(|docs| docs.into_iter().map(|d| d.0).collect())
        .map_err(|e| to_error(&e))
}

/// The parser's message and location, without a source snippet: values files hold
/// passwords, and an error must never print the lines around it.
fn to_error(err: &serde_saphyr::Error) -> YamlError {
    let text = err.without_snippet().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    // Advice addressed to programmers using the crate, not to capkv's users.
    let text = text
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(text);
    let message = text.replace("duplicate mapping key", "duplicate key");
    let message = plain_budget_message(&message).unwrap_or(message);
    match err.location() {
        Some(at) if !message.starts_with("line ") && !message.contains(" at line ") => YamlError {
            message: format!("line {} column {}: {message}", at.line(), at.column()),
        },
        _ => YamlError { message },
    }
}

/// serde-saphyr names a breached limit by its own type (`budget breached: Depth { .. }`);
/// users get the limit in words.
fn plain_budget_message(message: &str) -> Option<String> {
    let (before, rest) = message.split_once("budget breached: ")?;
    let variant: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let after = rest.find(" at line ").map_or("", |at| &rest[at..]);
    let limit = match variant.as_str() {
        "Depth" => "nested more than 200 levels deep",
        "Documents" => "more than 1,000 documents",
        "Aliases" => "more than 10,000 aliases",
        "Anchors" => "more than 10,000 anchors",
        "Nodes" | "Events" => "too many values (more than 5,000,000)",
        "ScalarBytes" | "InputBytes" => "too much text",
        "MergeKeys" => "too many merge keys (<<)",
        _ => "too large or too complex to read",
    };
    Some(format!("{before}{limit}{after}"))
}

/// Parses every document of a YAML stream into JSON-shaped values, in order.
/// Empty documents come back as `Value::Null`.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    if let Some(documents) = parse_documents_fast(text) {
        return Ok(documents);
    }
    #[cfg(test)]
    slow_paths::record(text);
    parse_with_saphyr(text)
}

/// [`parse_documents`] into [`Node`]s, which borrow their strings from `text` where
/// they can: rendering reads, hashes and re-emits each document once, and needs no
/// copy of its strings nor an index of its keys for that.
pub fn parse_nodes(text: &str) -> Result<Vec<Node<'_>>, YamlError> {
    if let Some(nodes) = subset::parse_stream(text) {
        return Ok(nodes);
    }
    #[cfg(test)]
    slow_paths::record(text);
    Ok(parse_with_saphyr(text)?
        .into_iter()
        .map(Node::from_owned_value)
        .collect())
}

/// [`parse_documents`] through the subset reader, or `None` when a document is outside
/// the subset.
fn parse_documents_fast(text: &str) -> Option<Vec<Value>> {
    Some(
        subset::parse_stream(text)?
            .into_iter()
            .map(Node::into_value)
            .collect(),
    )
}

/// Spellings that YAML 1.1 (or a lenient float parser) may read as something other
/// than a string (both fast paths leave them to serde-saphyr's rules).
fn is_keyword(s: &str) -> bool {
    s.len() <= 8
        && s.as_bytes()
            .first()
            .is_some_and(|b| b"ynotfiYNOTFI".contains(b))
        && [
            "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity",
        ]
        .iter()
        .any(|k| s.eq_ignore_ascii_case(k))
}

/// A rendered stream (`capkv diff` reads two) holds three documents per node pool: up
/// to 5,000 pools, far more documents than a values file may have.
const MAX_STREAM_DOCUMENTS: usize = 20_000;

fn parse_with_saphyr(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut options = options();
    if let Some(budget) = options.budget.as_mut() {
        budget.max_documents = MAX_STREAM_DOCUMENTS;
    }
    serde_saphyr::from_multiple_with_options::<Value>(text, options).map_err(|e| to_error(&e))
}

/// Emits one value as a block-style YAML document (no leading `---`, trailing newline).
pub fn emit(value: &Value) -> String {
    let mut out = String::new();
    emit_into(value, &mut out);
    out
}

/// Appends [`emit`]'s output to `out`.
pub fn emit_into(value: &Value, out: &mut String) {
    emit_node_into(&Node::from_value(value), out);
}

/// Appends the YAML document of `node` to `out`, as [`emit`] writes it.
pub fn emit_node_into(node: &Node<'_>, out: &mut String) {
    if !emitter::emit_into(node, out) {
        let text = emit_with_saphyr(&node.to_value());
        #[cfg(test)]
        slow_paths::record(&text);
        out.push_str(&text);
    }
}

/// Documents as a plain multi-document stream (no `# Source:` comments): the payload of
/// a ClusterResourceSet ConfigMap.
pub fn emit_stream(documents: &[Node<'_>]) -> String {
    let mut out = String::new();
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_node_into(doc, &mut out);
    }
    out
}

/// What took serde-saphyr's slow path on this thread (tests keep rendering of the
/// shipped examples on the fast paths).
#[cfg(test)]
pub(crate) mod slow_paths {
    use std::cell::RefCell;

    thread_local! {
        static TEXTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn record(text: &str) {
        TEXTS.with(|texts| texts.borrow_mut().push(text.to_owned()));
    }

    /// The texts recorded since the last call.
    pub(crate) fn take() -> Vec<String> {
        TEXTS.with(|texts| std::mem::take(&mut *texts.borrow_mut()))
    }
}

fn emit_with_saphyr(value: &Value) -> String {
    let mut options = serde_saphyr::SerializerOptions::default();
    // Long single-line strings (certificates, commands) must stay on one line: folding
    // them into `>-` blocks makes diffs noisy and surprises readers.
    options.folded_wrap_chars = usize::MAX;
    // Serializing a serde_json::Value cannot fail: it has only string keys and no
    // non-finite floats.
    serde_saphyr::to_string_with_options(value, options).unwrap_or_default()
}

mod helm {
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};
    use std::collections::HashSet;
    use std::fmt;

    pub(super) struct HelmValue(pub(super) Value);

    impl<'de> Deserialize<'de> for HelmValue {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(ValueVisitor).map(HelmValue)
        }
    }

    struct ValueVisitor;

    impl<'de> Visitor<'de> for ValueVisitor {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a YAML value")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            // JSON (and so Helm) has no infinities or NaN.
            Number::from_f64(v)
                .map(Value::Number)
                .ok_or_else(|| E::custom("a non-finite number (.inf, .nan) cannot be a value"))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(HelmValue(item)) = seq.next_element()? {
                items.push(item);
            }
            Ok(Value::Array(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            let mut explicit: HashSet<String> = HashSet::new();
            while let Some(Key(key)) = map.next_key()? {
                let HelmValue(value) = map.next_value()?;
                if key == "<<" {
                    merge_into(&mut out, value).map_err(de::Error::custom)?;
                    continue;
                }
                if !explicit.insert(key.clone()) {
                    return Err(de::Error::custom(format!(
                        "duplicate key \"{key}\" (YAML 1.1 reads yes/no/on/off/y/n keys as true/false)"
                    )));
                }
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }

    /// go-yaml v2's merge: the merged map's keys are set where `<<` stands; of a list
    /// of maps, the first one wins.
    fn merge_into(out: &mut Map<String, Value>, value: Value) -> Result<(), &'static str> {
        match value {
            Value::Object(map) => {
                out.extend(map);
                Ok(())
            }
            Value::Array(items) => {
                for item in items.into_iter().rev() {
                    let Value::Object(map) = item else {
                        return Err("a merge key (<<) takes a map or a list of maps");
                    };
                    out.extend(map);
                }
                Ok(())
            }
            _ => Err("a merge key (<<) takes a map or a list of maps"),
        }
    }

    /// A map key as Helm sees it: scalars stringified, null and collections refused.
    struct Key(String);

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(KeyVisitor).map(Key)
        }
    }

    struct KeyVisitor;

    impl Visitor<'_> for KeyVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a scalar map key")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Err(E::custom("a null map key (~) is not allowed"))
        }
        fn visit_none<E: de::Error>(self) -> Result<String, E> {
            Err(E::custom("a null map key (~) is not allowed"))
        }
    }
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
