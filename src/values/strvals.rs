//! Interim `--set` parser (dotted paths, `[i]` indexes, typed scalars); replaced by the
//! full Helm strvals port.

use serde_json::{Map, Value};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SetKind {
    Json,
    Set,
    String,
    File,
    Literal,
}

impl SetKind {
    pub fn flag(self) -> &'static str {
        match self {
            SetKind::Json => "--set-json",
            SetKind::Set => "--set",
            SetKind::String => "--set-string",
            SetKind::File => "--set-file",
            SetKind::Literal => "--set-literal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    pub flag: &'static str,
    pub input: String,
    pub message: String,
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}: {}", self.flag, self.input, self.message)
    }
}

impl std::error::Error for SetError {}

enum Segment {
    Key(String),
    Index(usize),
}

pub fn apply(
    kind: SetKind,
    input: &str,
    user: &mut Map<String, Value>,
    defaults: Option<&Value>,
    read_file: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<(), SetError> {
    let error = |message: String| SetError {
        flag: kind.flag(),
        input: input.to_owned(),
        message,
    };
    let (key, raw) = input
        .split_once('=')
        .ok_or_else(|| error(format!("key \"{input}\" has no value")))?;
    let value = match kind {
        SetKind::Set => typed(raw),
        SetKind::String | SetKind::Literal => Value::String(raw.to_owned()),
        SetKind::File => {
            Value::String(read_file(raw).map_err(|e| error(format!("cannot read \"{raw}\": {e}")))?)
        }
        SetKind::Json => {
            serde_json::from_str(raw).map_err(|e| error(format!("invalid JSON: {e}")))?
        }
    };
    let mut path = Vec::new();
    for part in key.split('.') {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        if name.is_empty() {
            return Err(error("empty key".into()));
        }
        path.push(Segment::Key(name.to_owned()));
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            let digits = index.trim_end_matches(']');
            let n: usize = digits
                .parse()
                .map_err(|_| error(format!("list index \"{digits}\" is not a number")))?;
            if n > 65_536 {
                return Err(error(format!("list index {n} is larger than 65536")));
            }
            path.push(Segment::Index(n));
        }
    }
    let mut root = Value::Object(std::mem::take(user));
    let result = place(&mut root, &path, value, defaults);
    if let Value::Object(map) = root {
        *user = map;
    }
    result.map_err(error)
}

fn place(
    node: &mut Value,
    path: &[Segment],
    value: Value,
    defaults: Option<&Value>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        *node = value;
        return Ok(());
    };
    match first {
        Segment::Key(key) => {
            if node.is_null() {
                *node = Value::Object(Map::new());
            }
            let Value::Object(map) = node else {
                return Err(format!("\"{key}\" is set on a value that is not a map"));
            };
            let default_child = defaults.and_then(|d| d.get(key));
            let child =
                map.entry(key.clone())
                    .or_insert_with(|| match (rest.first(), default_child) {
                        (Some(Segment::Index(_)), Some(list @ Value::Array(_))) => list.clone(),
                        _ => Value::Null,
                    });
            place(child, rest, value, default_child)
        }
        Segment::Index(index) => {
            if node.is_null() {
                *node = Value::Array(Vec::new());
            }
            let Value::Array(list) = node else {
                return Err(format!(
                    "index {index} is used on a value that is not a list"
                ));
            };
            if list.len() <= *index {
                list.resize(index + 1, Value::Null);
            }
            let default_child = defaults.and_then(|d| d.get(index));
            place(&mut list[*index], rest, value, default_child)
        }
    }
}

fn typed(raw: &str) -> Value {
    match raw.to_ascii_lowercase().as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "null" => return Value::Null,
        _ => {}
    }
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if !digits.is_empty()
        && (digits == "0" || !digits.starts_with('0'))
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = raw.parse::<i64>()
    {
        return Value::from(n);
    }
    Value::String(raw.to_owned())
}
