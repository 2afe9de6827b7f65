//! Reading YAML: saphyr-parser's events composed into JSON-shaped values with Helm's
//! rules (go-yaml v2 through sigs.k8s.io/yaml): YAML 1.1 scalars ([`super::scalar`]),
//! keys turned into strings, merge keys `<<` applied where they stand. Unlike Helm, a
//! key given twice is an error. Nesting, documents and what aliases repeat are bounded,
//! so hostile input costs little time and memory.

use super::YamlError;
use super::scalar;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// How deep lists and maps may nest.
const MAX_DEPTH: usize = 200;
/// How many values aliases may repeat in all: PyYAML writes an alias for every reuse of
/// a shared object, thousands in a large values file, but an alias of an alias of…
/// (a "billion laughs") must stop early.
const MAX_ALIAS_VALUES: usize = 100_000;

/// Every document of `text`, empty ones as `Value::Null`; at most `max_documents`.
pub(super) fn documents(text: &str, max_documents: usize) -> Result<Vec<Value>, YamlError> {
    let mut composer = Composer {
        documents: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        repeated: 0,
        max_documents,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| located(*e.marker(), e.info()))?;
        composer.event(event, span)?;
    }
    Ok(composer.documents)
}

fn located(at: Marker, message: &str) -> YamlError {
    YamlError {
        message: format!("line {} column {}: {message}", at.line(), at.col() + 1),
    }
}

struct Composer {
    documents: Vec<Value>,
    stack: Vec<Frame>,
    /// Anchored values by the parser's anchor id, with how many values each holds.
    anchors: HashMap<usize, (Value, usize)>,
    repeated: usize,
    max_documents: usize,
}

/// A list or map being read, with its anchor (0 for none) and how many values it holds.
struct Frame {
    collection: Collection,
    anchor: usize,
    values: usize,
}

enum Collection {
    List(Vec<Value>),
    Map {
        map: Map<String, Value>,
        key: Option<Key>,
        /// The keys written in the map itself, once a merge key has added others.
        written: Option<HashSet<String>>,
    },
}

enum Key {
    Merge,
    Named(String, Marker),
}

/// A finished value on its way into its parent.
struct Node {
    value: Value,
    values: usize,
    merge_key: bool,
    at: Marker,
}

impl Composer {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let at = span.start;
        match event {
            Event::DocumentStart(_) => {
                if self.documents.len() == self.max_documents {
                    return Err(located(
                        at,
                        &format!("more than {} documents", self.max_documents),
                    ));
                }
                self.documents.push(Value::Null);
                self.anchors.clear();
            }
            Event::Scalar(text, style, anchor, tag) => {
                let merge_key = style == ScalarStyle::Plain && text == "<<" && tag.is_none();
                let value =
                    scalar_value(&text, style, tag.as_deref()).map_err(|m| located(at, &m))?;
                self.finish(
                    Node {
                        value,
                        values: 1,
                        merge_key,
                        at,
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(Collection::List(Vec::new()), anchor, at)?;
            }
            Event::MappingStart(anchor, _) => self.open(
                Collection::Map {
                    map: Map::new(),
                    key: None,
                    written: None,
                },
                anchor,
                at,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let value = match frame.collection {
                    Collection::List(items) => Value::Array(items),
                    Collection::Map { map, .. } => Value::Object(map),
                };
                self.finish(
                    Node {
                        value,
                        values: frame.values,
                        merge_key: false,
                        at,
                    },
                    frame.anchor,
                )?;
            }
            Event::Alias(id) => {
                let Some((value, values)) = self.anchors.get(&id) else {
                    return Err(located(at, "an alias (*) names no anchor (&) before it"));
                };
                self.repeated += values;
                if self.repeated > MAX_ALIAS_VALUES {
                    return Err(located(
                        at,
                        "alias replay limit exceeded: aliases repeat more than 100,000 values",
                    ));
                }
                let node = Node {
                    value: value.clone(),
                    values: *values,
                    merge_key: false,
                    at,
                };
                self.finish(node, 0)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn open(&mut self, collection: Collection, anchor: usize, at: Marker) -> Result<(), YamlError> {
        if self.stack.len() == MAX_DEPTH {
            return Err(located(at, "nested more than 200 levels deep"));
        }
        self.stack.push(Frame {
            collection,
            anchor,
            values: 1,
        });
        Ok(())
    }

    /// Hands a finished value to the list or map it is in, or makes it the document.
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.value.clone(), node.values));
        }
        let Some(frame) = self.stack.last_mut() else {
            if let Some(document) = self.documents.last_mut() {
                *document = node.value;
            }
            return Ok(());
        };
        frame.values += node.values;
        match &mut frame.collection {
            Collection::List(items) => items.push(node.value),
            Collection::Map { map, key, written } => match key.take() {
                None => {
                    *key = Some(if node.merge_key {
                        Key::Merge
                    } else {
                        let name =
                            scalar::key_text(&node.value).map_err(|m| located(node.at, m))?;
                        Key::Named(name, node.at)
                    });
                }
                Some(Key::Merge) => {
                    merge(map, written, node.value).map_err(|m| located(node.at, m))?;
                }
                Some(Key::Named(name, at)) => {
                    let repeated = match written {
                        Some(written) => !written.insert(name.clone()),
                        None => map.contains_key(&name),
                    };
                    if repeated {
                        return Err(located(at, &duplicate_key_message(&name)));
                    }
                    map.insert(name, node.value);
                }
            },
        }
        Ok(())
    }
}

fn duplicate_key_message(name: &str) -> String {
    if matches!(name, "true" | "false") {
        format!("duplicate key: {name} (YAML 1.1 reads yes/no/on/off/y/n keys as true/false)")
    } else {
        format!("duplicate key: {name}")
    }
}

/// go-yaml v2's merge: the merged map's keys are set where `<<` stands (over keys
/// written before it); of a list of maps, the first one wins.
fn merge(
    map: &mut Map<String, Value>,
    written: &mut Option<HashSet<String>>,
    value: Value,
) -> Result<(), &'static str> {
    const NOT_A_MAP: &str = "a merge key (<<) takes a map or a list of maps";
    // From here on the map holds keys nobody wrote in it: duplicates are looked up in
    // the keys that were.
    written.get_or_insert_with(|| map.keys().cloned().collect());
    match value {
        Value::Object(merged) => map.extend(merged),
        Value::Array(items) => {
            for item in items.into_iter().rev() {
                let Value::Object(merged) = item else {
                    return Err(NOT_A_MAP);
                };
                map.extend(merged);
            }
        }
        _ => return Err(NOT_A_MAP),
    }
    Ok(())
}

/// A scalar's value: quoted and block scalars are strings, plain ones are resolved.
fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    match tag {
        Some(tag) if tag.is_yaml_core_schema() => scalar::resolve_tagged(text, &tag.suffix),
        None if style == ScalarStyle::Plain => scalar::resolve_plain(text),
        // go-yaml leaves the text of a scalar with its own tag (`!secret x`) as it is.
        _ => Ok(Value::String(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Result<Vec<Value>, String> {
        documents(text, 10).map_err(|e| e.message)
    }

    #[test]
    fn composes_documents_lists_and_maps_in_order() {
        let docs = read("a: 1\nb: [x, 'y', \"z\"]\nc: {d: ~}\n---\n---\n- |\n  text\n").unwrap();
        assert_eq!(
            docs,
            vec![
                json!({"a": 1, "b": ["x", "y", "z"], "c": {"d": null}}),
                json!(null),
                json!(["text\n"]),
            ]
        );
        assert_eq!(read("").unwrap(), Vec::<Value>::new());
    }

    #[test]
    fn aliases_repeat_their_anchor_and_are_bounded() {
        let docs = read("a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(docs, vec![json!({"a": [1, 2], "b": [1, 2]})]);
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert!(
            read(&bomb)
                .unwrap_err()
                .contains("alias replay limit exceeded")
        );
    }

    #[test]
    fn merge_keys_apply_where_they_stand_and_duplicates_are_errors() {
        let docs = read("b: &b {x: 1, w: 1}\nm:\n  x: 2\n  <<: *b\n  z: 3\n").unwrap();
        assert_eq!(docs[0]["m"], json!({"x": 1, "w": 1, "z": 3}));
        let docs = read("a: &a {k: a}\nb: &b {k: b}\nm: {<<: [*a, *b]}\n").unwrap();
        assert_eq!(docs[0]["m"], json!({"k": "a"}));
        // A key written next to a merged one is no duplicate; written twice it is.
        assert!(read("b: &b {x: 1}\nm: {<<: *b, x: 2}\n").is_ok());
        assert_eq!(
            read("a: 1\nb: 2\na: 3\n").unwrap_err(),
            "line 3 column 1: duplicate key: a"
        );
        assert!(read("yes: 1\non: 2\n").unwrap_err().contains("YAML 1.1"));
        assert!(read("m: {<<: 1}\n").unwrap_err().contains("merge key"));
        assert_eq!(read("'<<': 1\n").unwrap(), vec![json!({"<<": 1})]);
    }

    #[test]
    fn keys_are_strings_and_limits_hold() {
        assert_eq!(
            read("on: 1\n1: 2\n").unwrap(),
            vec![json!({"true": 1, "1": 2})]
        );
        assert!(read("~: 1\n").unwrap_err().contains("null map key"));
        assert!(
            read("[a]: 1\n")
                .unwrap_err()
                .contains("not a list or a map")
        );
        let deep = format!("{}{}", "[".repeat(210), "]".repeat(210));
        let err = read(&deep).unwrap_err();
        assert!(err.contains("200 levels"), "{err}");
        assert!(
            documents("a\n---\nb\n", 1)
                .unwrap_err()
                .message
                .contains("more than 1 documents")
        );
        assert!(read("a: \"x\n").unwrap_err().starts_with("line "));
    }
}
