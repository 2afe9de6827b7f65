//! What a plain scalar means to Helm: go-yaml v2's resolver (gopkg.in/yaml.v2
//! `resolve.go`, which sigs.k8s.io/yaml runs for Helm), YAML 1.1 rather than 1.2.

use serde_json::{Number, Value};

/// The value of an untagged plain scalar.
pub(super) fn resolve_plain(text: &str) -> Result<Value, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false));
        }
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Err(NON_FINITE.to_owned()),
        _ => {}
    }
    // Like go-yaml, only a scalar that starts like a number is tried as one.
    match text.as_bytes()[0] {
        b'.' => Ok(parse_float(text).unwrap_or_else(|| Value::String(text.to_owned()))),
        b'0'..=b'9' | b'+' | b'-' => {
            Ok(number(text).unwrap_or_else(|| Value::String(text.to_owned())))
        }
        _ => Ok(Value::String(text.to_owned())),
    }
}

const NON_FINITE: &str = "a non-finite number (.inf, .nan) cannot be a value";

/// go-yaml's order: an integer in Go's notation (`0x`, `0o`, `0b`, a leading `0` for
/// octal, underscores ignored), then an unsigned one, then a float in YAML's notation.
fn number(text: &str) -> Option<Value> {
    let plain = text.replace('_', "");
    go_int(&plain)
        .map(Value::from)
        .or_else(|| go_uint(&plain).map(Value::from))
        .or_else(|| {
            is_yaml_style_float(&plain)
                .then(|| parse_float(&plain))
                .flatten()
        })
}

/// `strconv.ParseInt(s, 0, 64)`.
fn go_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = go_uint(digits).filter(|_| !digits.starts_with(['+', '-']))?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `strconv.ParseUint(s, 0, 64)`: no sign, a base from the prefix.
fn go_uint(text: &str) -> Option<u64> {
    let (radix, digits) = if let Some(rest) = text.strip_prefix("0x").or(text.strip_prefix("0X")) {
        (16, rest)
    } else if let Some(rest) = text.strip_prefix("0o").or(text.strip_prefix("0O")) {
        (8, rest)
    } else if let Some(rest) = text.strip_prefix("0b").or(text.strip_prefix("0B")) {
        (2, rest)
    } else if text.len() > 1 && text.starts_with('0') {
        (8, &text[1..])
    } else {
        (10, text)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, go-yaml's float pattern.
fn is_yaml_style_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// A finite float, or `None` (JSON, and so Helm, has no infinities).
fn parse_float(text: &str) -> Option<Value> {
    // Go's ParseFloat reads the words that Rust's also reads (inf, nan…); the
    // patterns above never hand them here.
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

/// A map key as Helm sees it: a scalar's value turned into a string.
pub(super) fn key_text(value: &Value) -> Result<String, &'static str> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => f.to_string(),
            _ => n.to_string(),
        }),
        Value::Null => Err("a null map key (~) is not allowed"),
        Value::Array(_) | Value::Object(_) => {
            Err("a map key must be a string, a number or a boolean, not a list or a map")
        }
    }
}

/// The value of a scalar with an explicit core-schema tag (`!!str`, `!!int`…): go-yaml
/// decodes the text as that type, or fails.
pub(super) fn resolve_tagged(text: &str, suffix: &str) -> Result<Value, String> {
    if matches!(suffix, "str" | "binary") {
        return Ok(Value::String(text.to_owned()));
    }
    let value = resolve_plain(text)?;
    let fits = match (suffix, &value) {
        ("null", Value::Null) | ("bool", Value::Bool(_)) | ("float", Value::Number(_)) => true,
        ("int", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("int" | "float" | "bool" | "null", _) => false,
        _ => return Ok(Value::String(text.to_owned())),
    };
    if !fits {
        return Err(format!("cannot read `{text}` as !!{suffix}"));
    }
    Ok(match (suffix, value) {
        ("float", Value::Number(n)) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number),
        (_, value) => value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_yaml_1_1_words_numbers_and_nulls_like_go_yaml_v2() {
        let cases = [
            ("yes", json!(true)),
            ("Off", json!(false)),
            ("y", json!(true)),
            ("~", json!(null)),
            ("", json!(null)),
            ("0644", json!(420)),
            ("0x1F", json!(31)),
            ("-0b101", json!(-5)),
            ("0o17", json!(15)),
            ("1_000", json!(1000)),
            ("+5", json!(5)),
            ("1.5", json!(1.5)),
            (".5", json!(0.5)),
            ("1e3", json!(1000.0)),
            ("08", json!(8.0)),
            ("18446744073709551615", json!(u64::MAX)),
            ("1.30", json!(1.3)),
            ("2001-12-14", json!("2001-12-14")),
            ("1.2.3", json!("1.2.3")),
            ("-", json!("-")),
            ("0x", json!("0x")),
            ("inf", json!("inf")),
            ("+inf", json!("+inf")),
            ("NO", json!(false)),
            ("nO", json!("nO")),
        ];
        for (text, expected) in cases {
            assert_eq!(resolve_plain(text).unwrap(), expected, "{text:?}");
        }
        assert!(resolve_plain(".inf").is_err());
        assert!(resolve_plain("-.INF").is_err());
        assert!(resolve_plain(".nan").is_err());
    }

    #[test]
    fn keys_become_strings() {
        assert_eq!(key_text(&json!(true)).unwrap(), "true");
        assert_eq!(key_text(&json!(420)).unwrap(), "420");
        assert_eq!(key_text(&json!(1.5)).unwrap(), "1.5");
        assert!(key_text(&json!(null)).is_err());
        assert!(key_text(&json!([1])).is_err());
    }

    #[test]
    fn tags_choose_the_type() {
        assert_eq!(resolve_tagged("123", "str").unwrap(), json!("123"));
        assert_eq!(resolve_tagged("3", "float").unwrap(), json!(3.0));
        assert_eq!(resolve_tagged("3", "int").unwrap(), json!(3));
        assert!(resolve_tagged("abc", "int").is_err());
        assert_eq!(resolve_tagged("x", "custom").unwrap(), json!("x"));
    }
}
