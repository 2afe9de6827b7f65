//! Merged tree → typed [`Values`], with errors that name the values path, say what was
//! expected, and name the layer (file or flag) the offending value came from.

use super::strict::Strict;
use super::{Merged, Segment, ValuesError};
use crate::schema::Values;
use serde::Deserialize;

/// Types `tree` through [`Strict`] (a struct accepts only a map). `merged` names the
/// layer of a value that does not fit.
pub(super) fn to_typed(tree: serde_json::Value, merged: &Merged) -> Result<Values, ValuesError> {
    if let Some(path) = key_too_long(&tree) {
        return Err(ValuesError::Invalid {
            origin: merged.origin_of(&path).map(str::to_owned),
            path: format_path(&path[..path.len() - 1]),
            message: format!(
                "a key of more than {MAX_KEY_LEN} characters: YAML cannot carry it as a key of the rendered objects"
            ),
        });
    }
    // Values that fit are typed without tracking the path of every value (which costs
    // more than the typing itself): the tracking runs only to name an error's path.
    if let Ok(values) = Values::deserialize(Strict(&tree)) {
        return Ok(values);
    }
    serde_path_to_error::deserialize::<_, Values>(Strict(&tree)).map_err(|err| {
        let mut path = segments(err.path());
        let message = err.inner().to_string();
        let mut message = describe(&message, &mut path);
        if matches!(path.last(), Some(Segment::Key(key)) if crate::schema::is_secret_key(key)) {
            // The offending value may be the password itself.
            if let Some(cut) = message.find(", got ") {
                message.truncate(cut);
            }
        }
        ValuesError::Invalid {
            path: format_path(&path),
            origin: merged.origin_of(&path).map(str::to_owned),
            message,
        }
    })
}

/// YAML's limit on an implicit key (YAML 1.2, 7.4.2): the free-form maps of the values
/// (resources, addon settings, annotations) are written into objects as keys.
const MAX_KEY_LEN: usize = 1024;

/// The path of the first key longer than [`MAX_KEY_LEN`], the key included (built
/// only when there is one).
fn key_too_long(value: &serde_json::Value) -> Option<Vec<Segment>> {
    let (segment, mut rest) = match value {
        serde_json::Value::Object(map) => map.iter().find_map(|(key, child)| {
            let rest = if key.len() > MAX_KEY_LEN && key.chars().count() > MAX_KEY_LEN {
                Some(Vec::new())
            } else {
                key_too_long(child)
            };
            rest.map(|rest| (Segment::Key(key.clone()), rest))
        })?,
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(index, child)| {
                key_too_long(child).map(|rest| (Segment::Index(index), rest))
            })?
        }
        _ => return None,
    };
    rest.insert(0, segment);
    Some(rest)
}

fn segments(path: &serde_path_to_error::Path) -> Vec<Segment> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
            _ => None,
        })
        .collect()
}

/// `nodePools[1].memoryMiB`: the notation of the chart's values table and of `--set`.
pub(super) fn format_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    if out.is_empty() {
        out.push_str("(top level)");
    }
    out
}

/// The inverse of [`format_path`] for the paths checks report (`a.b[2].c`); `None`
/// for anything else (a flag name such as `--namespace` parses, but names no value).
pub(super) fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if key.is_empty() {
            return None;
        }
        segments.push(Segment::Key(key.to_owned()));
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            segments.push(Segment::Index(index.parse().ok()?));
            rest = match after {
                "" => "",
                more => more.strip_prefix('[')?,
            };
        }
    }
    Some(segments)
}

/// Rewrites serde's messages into the user's vocabulary. serde's wording is stable
/// (`unknown field`, `missing field`, `invalid type`, `invalid value`); anything else
/// is passed through unchanged.
fn describe(message: &str, path: &mut Vec<Segment>) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        // serde reports the unknown key at the parent's path.
        if path.last() != Some(&Segment::Key(key.to_owned())) {
            path.push(Segment::Key(key.to_owned()));
        }
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return match closest(key, &candidates) {
            Some(best) => format!("unknown key (did you mean \"{best}\"?)"),
            None if candidates.is_empty() => "unknown key".to_owned(),
            None => format!("unknown key (expected one of: {})", candidates.join(", ")),
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        path.push(Segment::Key(key.to_owned()));
        return "required key is missing".to_owned();
    }
    for (prefix, wrong_type) in [("invalid type: ", true), ("invalid value: ", false)] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((got, expected)) = rest.rsplit_once(", expected ")
        {
            let noun = expected_noun(expected, wrong_type);
            // Helm (and capkv) read YAML 1.1, where y/n/yes/no/on/off unquoted are
            // booleans; an editor set to YAML 1.2 shows them as strings.
            let hint = if got.starts_with("boolean") && noun.contains("string") {
                " (YAML 1.1 reads an unquoted y, n, yes, no, on or off as a boolean: quote it)"
            } else {
                ""
            };
            return format!("expected {noun}, got {}{hint}", got_value(got));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (got, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return format!("expected one of {}, got \"{got}\"", quoted_list(&options));
    }
    message.to_owned()
}

fn closest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&key.to_lowercase(), &c.to_lowercase()),
                *c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// For a value of the right type but out of range, an unsigned target means the
/// value was negative or too large, so the noun says so.
fn expected_noun(expected: &str, wrong_type: bool) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" if wrong_type => "an integer".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" => {
            format!("a non-negative integer that fits in {expected}")
        }
        "i8" | "i16" | "i32" | "i64" | "isize" | "an integer" => "an integer".into(),
        "a sequence" => "a list".into(),
        "a map" => "a map".into(),
        "a boolean" => "a boolean (true or false)".into(),
        other if other.starts_with("struct ") || other.starts_with("map") => "a map".into(),
        other => other.into(),
    }
}

fn got_value(got: &str) -> String {
    // serde quotes strings with `"` and other scalars with backticks.
    for prefix in ["string ", "integer ", "floating point ", "boolean "] {
        if let Some(rest) = got.strip_prefix(prefix) {
            return rest.trim_matches('`').to_owned();
        }
    }
    match got {
        "unit value" => "null".into(),
        "sequence" => "a list".into(),
        "map" => "a map".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_suggests_the_closest_known_key() {
        let mut path = vec![Segment::Key("nodePools".into()), Segment::Index(0)];
        let msg = describe(
            "unknown field `replica`, expected one of `name`, `replicas`, `template`",
            &mut path,
        );
        assert_eq!(msg, "unknown key (did you mean \"replicas\"?)");
        assert_eq!(format_path(&path), "nodePools[0].replica");
    }

    #[test]
    fn paths_parse_back() {
        for path in [
            "nodePools[1].memoryMiB",
            "a",
            "a.b[0][2].c",
            "ipamProvider.ranges[3]",
        ] {
            let segments = parse_path(path).expect(path);
            assert_eq!(format_path(&segments), path);
        }
        for bad in ["", "a..b", "a[x]", "a[1", "a[1]b", "[0]"] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn wrong_type_says_what_was_expected() {
        let mut path = vec![Segment::Key("a".into())];
        let msg = describe("invalid type: string \"4GB\", expected u64", &mut path);
        assert_eq!(msg, "expected an integer, got \"4GB\"");
    }
}
