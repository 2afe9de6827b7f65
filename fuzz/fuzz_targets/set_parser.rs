//! Any bytes as a `--set*` flag value, for every flag kind: an error is fine, a panic
//! (or a stack overflow, or a hang) is a bug.
#![no_main]

use capkv::values::strvals::{SetKind, apply};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(input) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = match selector % 5 {
        0 => SetKind::Json,
        1 => SetKind::Set,
        2 => SetKind::String,
        3 => SetKind::File,
        _ => SetKind::Literal,
    };
    let defaults: Value = serde_json::json!({"nodePools": [{"name": "default", "replicas": 3}], "a": {"b": [1, 2]}});
    let mut user = Map::new();
    let no_files = |_: &str| -> std::io::Result<String> { Err(std::io::ErrorKind::NotFound.into()) };
    let _ = apply(kind, input, &mut user, Some(&defaults), &no_files);
});
