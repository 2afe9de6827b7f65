//! The fast paths against serde-saphyr: for every text the subset reader takes it must
//! return serde-saphyr's value, and the emitter must write serde-saphyr's bytes.

use super::*;
use serde_json::json;

/// The fast paths are only worth having if they apply to what capkv reads most.
#[test]
fn subset_reader_takes_the_shipped_values_files() {
    for text in [
        include_str!("../../values.yaml"),
        include_str!("../../examples/full.yaml"),
    ] {
        let fast = vec![subset::parse(text).expect("in the subset").into_value()];
        assert_eq!(fast, parse_with_saphyr(text).unwrap());
        assert_eq!(fast, parse_values_with_saphyr(text).unwrap());
    }
}

/// What Helm's rules decide differently from plain YAML stays on the slow path.
#[test]
fn values_files_keep_helms_rules() {
    let docs = parse_values_documents("a: 1\nb:\n  <<: {c: 2}\n").unwrap();
    assert_eq!(docs, vec![json!({"a": 1, "b": {"c": 2}})]);
    for text in ["a: .inf\n", "a: -.inf\n", "a: .nan\n", "a: [1, .inf]\n"] {
        assert!(subset::parse(text).is_none(), "{text:?}");
        assert!(parse_values_documents(text).is_err(), "{text:?}");
    }
}

#[test]
fn subset_reader_agrees_on_scalars_and_structure() {
    let text = "a: 10.0.0.1\nb: 0644\nc: --v=2\nd: VM Network\ne: [InternalIP, Hostname, 1, 0x1F]\n\
                f: {\"x\": \"\\u003c\\n\", z: w}\ng:\n- k: v\n  l:\n  - 1\n-\nh: ~\n# c\ni: -5\nj:\n";
    let fast = subset::parse(text).expect("in the subset");
    assert_eq!(vec![fast.into_value()], parse_with_saphyr(text).unwrap());
}

/// Streams as templates write them: the subset reader takes them whole, and reads
/// them as serde-saphyr does (empty documents left out).
#[test]
fn subset_reader_splits_streams_at_separator_lines() {
    for (text, documents) in [
        ("---\na: 1\n---\nb: 2\n---\n", 2),
        (
            "a: |\n  x\n\n---\nb: |-\n  y\n---\n# only a comment\n---\n\n",
            2,
        ),
        ("a:\n  - b\n---\n---\nc: {\"d\": [1]}", 2),
        ("# nothing\n", 0),
    ] {
        let fast = parse_documents_fast(text).expect("in the subset");
        assert_eq!(fast.len(), documents, "{text:?}");
        assert_eq!(fast, parse_with_saphyr(text).unwrap(), "{text:?}");
    }
    for text in ["a: 1\n--- \nb: 2\n", "a: 1\n...\n", "a: 1\n--- b: 2\n"] {
        assert_eq!(parse_documents_fast(text), None, "{text:?}");
    }
}

#[test]
fn subset_reader_leaves_everything_else_to_saphyr() {
    for text in [
        "a: yes\n",
        "a: 'x'\n",
        "a: x # c\n",
        "a: |+\n  x\n",
        "a: &x 1\nb: *x\n",
        "---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\na: 2\n",
        "a: {\"x\": 1, \"x\": 2}\n",
        "a: b: c\n",
        "a: x\n  y\n",
        "a:\tb\n",
        "on: 1\n",
        "a: \"\\ud83d\\ude00\"\n",
        "a: caf\u{e9}\n",
        "- a\n",
        "a: [x y]\n",
        "a: [b: c]\n",
        "a: {b:c}\n",
    ] {
        assert_eq!(subset::parse(text), None, "{text:?}");
    }
}

#[test]
fn fast_emitter_covers_rendered_documents() {
    let doc = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "a", "labels": {"cluster.x-k8s.io/cluster-name": "a"}},
        "spec": {"n": 3, "ok": true, "none": null, "empty": {}, "list": [],
                 "items": [{"a": "10.0.0.1", "b": ["x", "{{ y }}"]}, "yes", {}, []],
                 "quoted": "x: \"y\" # z", "k8s": "ALL=(ALL) NOPASSWD:ALL"}
    });
    let mut fast = String::new();
    assert!(emitter::emit_into(&Node::from_value(&doc), &mut fast));
    assert_eq!(fast, emit_with_saphyr(&doc));
}

mod differential {
    use super::super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Strings that exercise quoting and scalar resolution.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z/][a-zA-Z0-9 ./_=:@,#-]{0,12}",
            "[0-9+._:-][0-9a-fA-FxXoObBeE.:_+ -]{0,8}",
            "( {0,3}[a-z#:]{0,4}\n{0,2}){1,4}",
            prop::sample::select(vec![
                "",
                "~",
                "yes",
                "No",
                "ON",
                "y",
                "null",
                "NULL",
                "true",
                "False",
                ".inf",
                "-.5",
                "0644",
                "1_000",
                "0x1F",
                "1:30",
                "2001-12-14",
                "<<",
                "=",
                "- a",
                "-a",
                "--v=2",
                "a: b",
                "a #b",
                "a#b",
                "a:",
                "? x",
                "---",
                "... x",
                "'q'",
                "\"q\"",
                "{x}",
                "[x]",
                "*a",
                "&a",
                "!t",
                "|",
                ">",
                "%d",
                "@a",
                "`a",
                "a\tb",
                "a\nb",
                "a\\b",
                "caf\u{e9}",
                "\u{85}",
                "\u{2028}",
                "\u{feff}x",
                " a",
                "a ",
                "10.0.0.1",
                "8192Mi",
                "{{ x }}",
                "<y>",
                "a&b",
                "it's",
                "$6$x",
                "10.0.0.0/16",
                "1.2.3",
                ".5",
                "+1",
                "-.inf",
                "+.INF",
                ".NaN",
                "1e5",
                "1_0",
                "2001-12-14t21:59:43.10-05:00",
                "0o17",
                "0b1",
                "1:30:00",
                "-1",
                "-0",
                "007",
                "18446744073709551616",
                "-9223372036854775809",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z][a-zA-Z0-9./_-]{0,10}",
            1 => text(),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    fn document() -> impl Strategy<Value = Value> {
        prop::collection::vec((key(), value()), 1..6)
            .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>()))
    }

    /// Block layout like a template's: each node is written as a block, or (with
    /// `flow`) as `tojson` writes it.
    fn template_like(value: &Value, flow: &[bool], indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        let Value::Object(map) = value else { return };
        for (i, (key, value)) in map.iter().enumerate() {
            out.push_str(&pad);
            let as_flow = flow.get(i % flow.len().max(1)).copied().unwrap_or(true);
            // Keys as a template writes them: plain, or quoted by `tojson`.
            if as_flow && i % 2 == 0 {
                out.push_str(&serde_json::to_string(key).unwrap_or_default());
            } else {
                out.push_str(key);
            }
            out.push(':');
            match value {
                Value::Object(inner) if !as_flow && !inner.is_empty() => {
                    out.push('\n');
                    template_like(value, &flow[1..], indent + 2, out);
                }
                Value::Array(items) if !as_flow && !items.is_empty() => {
                    out.push('\n');
                    for item in items {
                        out.push_str(&pad);
                        out.push_str("- ");
                        out.push_str(&serde_json::to_string(item).unwrap_or_default());
                        out.push('\n');
                    }
                }
                Value::String(s) if !as_flow && s.contains('\n') => {
                    out.push_str(if s.ends_with('\n') { " |\n" } else { " |-\n" });
                    for line in s.trim_end_matches('\n').split('\n') {
                        if !line.is_empty() {
                            out.push_str(&pad);
                            out.push_str("  ");
                        }
                        out.push_str(line);
                        out.push('\n');
                    }
                }
                Value::String(s) if !as_flow => {
                    out.push(' ');
                    out.push_str(s);
                    out.push('\n');
                }
                other => {
                    out.push(' ');
                    out.push_str(&serde_json::to_string(other).unwrap_or_default());
                    out.push('\n');
                }
            }
        }
    }

    fn assert_same_reading(text: &str) -> Result<(), TestCaseError> {
        if let Some(fast) = subset::parse(text) {
            let slow = parse_with_saphyr(text);
            prop_assert!(slow.is_ok(), "{text:?}: saphyr failed: {:?}", slow.err());
            let fast = vec![fast.into_value()];
            prop_assert_eq!(&fast, &slow.unwrap_or_default(), "{:?}", text);
            let helm = parse_values_with_saphyr(text);
            prop_assert!(
                helm.is_ok(),
                "{text:?}: Helm rules failed: {:?}",
                helm.err()
            );
            prop_assert_eq!(&fast, &helm.unwrap_or_default(), "{:?}", text);
        }
        Ok(())
    }

    /// Random lines built from YAML's tricky pieces: mostly well-formed, so that
    /// the subset reader accepts many of them, with a few odd pieces mixed in.
    fn lines() -> impl Strategy<Value = String> {
        let indent = prop_oneof![8 => prop::sample::select(vec![0usize, 2, 4]), 1 => 0usize..7];
        let prefix = prop_oneof![6 => Just(""), 3 => Just("- "), 1 => prop::sample::select(vec!["-", "- - ", "-  "])];
        let good = prop::sample::select(vec![
            "a:",
            "b: c",
            "d: 1",
            "e: [f, 1]",
            "g: {\"h\": 2}",
            "j: 0644",
            "q: |",
            "r: |-",
            "w: 1.5",
            "x: 10.0.0.1",
            "y2: --v",
            "z: ~",
            "a1: null",
            "k",
            "#x",
            "text",
            "b: c ",
            "c:d",
            "d: e:f",
            "e:",
            "a: 1",
            "b: 2",
            "i: {a: b}",
            "  content",
            "#cloud",
            "",
        ]);
        let odd = prop::sample::select(vec![
            "i: yes",
            "x: y: z",
            "k: l # c",
            "m: 'q'",
            "o: &a 1",
            "p: *a",
            "s: |+",
            "t: >",
            "---",
            "...",
            "u: {",
            "v: ]",
            "1.5",
            "a b: c",
            "on: 1",
            "f: -",
            "g: - h",
            "h: [a: b]",
            "a: 3",
            "n: \"q\"",
        ]);
        let body = prop_oneof![9 => good, 1 => odd];
        let first = prop::sample::select(vec!["a:", "b: c", "q: |", "e:", "x: 1"]);
        (first, prop::collection::vec((indent, prefix, body), 0..10)).prop_map(|(first, lines)| {
            let mut text = format!("{first}\n");
            for (indent, prefix, body) in lines {
                text.push_str(&format!("{}{prefix}{body}\n", " ".repeat(indent)));
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn subset_reads_random_lines_like_saphyr(text in lines()) {
            assert_same_reading(&text)?;
        }

        /// Random documents in one stream, separated by `---` lines or by lines that
        /// only look like separators, with or without a final line feed: block scalars,
        /// blank and comment lines right before a separator included.
        #[test]
        fn subset_reads_random_streams_like_saphyr(
            docs in prop::collection::vec(lines(), 1..5),
            separators in prop::collection::vec(
                prop::sample::select(vec!["---\n", "---\n", "\n---\n", "# c\n---\n", "--- \n", "...\n", "---"]),
                4,
            ),
        ) {
            let mut text = String::new();
            for (doc, separator) in docs.iter().zip(separators.iter().cycle()) {
                text.push_str(doc);
                text.push_str(separator);
            }
            if let Some(fast) = parse_documents_fast(&text) {
                let slow = parse_with_saphyr(&text);
                prop_assert!(slow.is_ok(), "{text:?}: saphyr failed: {:?}", slow.err());
                prop_assert_eq!(fast, slow.unwrap_or_default(), "{:?}", text);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn subset_reads_emitted_yaml_like_saphyr(doc in document()) {
            assert_same_reading(&emit_with_saphyr(&doc))?;
        }

        #[test]
        fn subset_reads_template_like_yaml_like_saphyr(
            doc in document(),
            flow in prop::collection::vec(any::<bool>(), 1..6),
        ) {
            let mut text = String::new();
            template_like(&doc, &flow, 0, &mut text);
            assert_same_reading(&text)?;
        }

        /// Several documents in one text, as one template writes them, with empty
        /// and comment-only documents between them.
        #[test]
        fn fast_stream_reads_like_saphyr(
            docs in prop::collection::vec((document(), 0..4usize), 1..4),
            flow in prop::collection::vec(any::<bool>(), 1..6),
        ) {
            let mut text = String::new();
            for (doc, filler) in &docs {
                match filler {
                    0 => {}
                    1 => text.push_str("---\n"),
                    2 => text.push_str("# only a comment\n---\n"),
                    _ => text.push_str("\n  \n---\n"),
                }
                template_like(doc, &flow, 0, &mut text);
                text.push_str("---\n");
            }
            if let Some(fast) = parse_documents_fast(&text) {
                let slow = parse_with_saphyr(&text);
                prop_assert!(slow.is_ok(), "{text:?}: saphyr failed: {:?}", slow.err());
                prop_assert_eq!(fast, slow.unwrap_or_default(), "{:?}", text);
            }
        }

        #[test]
        fn fast_emitter_writes_saphyr_bytes(doc in document()) {
            let mut fast = String::new();
            if emitter::emit_into(&Node::from_value(&doc), &mut fast) {
                prop_assert_eq!(fast, emit_with_saphyr(&doc));
            }
        }
    }
}
