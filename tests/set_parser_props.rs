//! Property tests: no input makes the parser panic, and `format_assignment` output parses
//! back to the value at the path.

use capkv::values::strvals::{Segment, SetKind, apply, format_assignment};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::io;

fn read_file(path: &str) -> io::Result<String> {
    if path.contains('a') {
        Ok(format!("contents of {path}"))
    } else {
        Err(io::Error::new(io::ErrorKind::NotFound, "missing"))
    }
}

fn kind() -> impl Strategy<Value = SetKind> {
    prop::sample::select(SetKind::ALL.to_vec())
}

/// Mostly the characters the parsers react to, so that inputs get deep into them.
fn tricky_input() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-b0-1.,=\\[\\]{}\\\\ \"':+eEtrufalsn\u{a0}é-]{0,40}",
        any::<String>(),
        "([a-b]{1,2}(\\[[0-9-]{0,2}\\])*[.=,]?){0,8}(\\{[a-b,]{0,4}\\}?)?",
        "[a-b.]{0,4}=[\\[{\" 0-9tfn:,\\]}.eE\\\\u-]{0,24}",
    ]
}

fn user_values() -> Map<String, Value> {
    match json!({"a": {"b": [1, {"c": null}], "s": "x"}, "l": [[1], null, {}], "n": null, "": {"e": 1}})
    {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn lookup<'v>(value: &'v Value, path: &[Segment]) -> Option<&'v Value> {
    path.iter().try_fold(value, |node, segment| match segment {
        Segment::Key(key) => node.get(key),
        Segment::Index(index) => node.get(index),
    })
}

fn key() -> impl Strategy<Value = String> {
    "[a-z0-9.,=\\[\\]\\\\{} é☃_-]{1,6}"
}

fn path() -> impl Strategy<Value = Vec<Segment>> {
    let segment = prop_oneof![
        key().prop_map(Segment::Key),
        (0usize..5).prop_map(Segment::Index)
    ];
    (key(), prop::collection::vec(segment, 0..6)).prop_map(|(first, rest)| {
        let mut path = vec![Segment::Key(first)];
        path.extend(rest);
        path
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn never_panics(kind in kind(), input in tricky_input(), seed in any::<bool>()) {
        let defaults = json!({"a": {"b": [7, 8]}, "l": [1, 2, 3], "m": []});
        let mut user = user_values();
        let seed = if seed { Some(&defaults) } else { None };
        // On an error the tree may hold part of the flag: callers discard it.
        if let Err(err) = apply(kind, &input, &mut user, seed, &read_file) {
            prop_assert_eq!(err.flag, kind.flag());
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn formatted_assignment_round_trips(path in path(), value in "[a-z0-9.,=\\[\\]\\\\{} é☃\"-]{0,8}") {
        let text = format_assignment(&path, &value);
        let mut user = Map::new();
        let applied = apply(SetKind::String, &text, &mut user, None, &read_file);
        prop_assert!(applied.is_ok(), "{:?} from {:?}", applied, text);
        let root = Value::Object(user);
        prop_assert_eq!(lookup(&root, &path), Some(&Value::String(value)), "{} gave {}", text, root);
    }

    #[test]
    fn later_assignment_wins(path in path(), first in "[a-z,{}]{1,4}", second in "[a-z,{}]{0,4}") {
        let text = format!("{},{}", format_assignment(&path, &first), format_assignment(&path, &second));
        let mut user = Map::new();
        prop_assert!(apply(SetKind::String, &text, &mut user, None, &read_file).is_ok());
        let root = Value::Object(user);
        prop_assert_eq!(lookup(&root, &path), Some(&Value::String(second)));
    }
}
