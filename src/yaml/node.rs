//! [`Node`]: a parsed document that borrows its text where it can.
//!
//! The subset reader builds a `Node` first: keys and unescaped strings stay slices of
//! the text, and maps are plain lists, until the whole text is known to be in the
//! subset. Only then is it turned into a `serde_json::Value`, so giving up is cheap.

use serde_json::{Map, Number, Value};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    /// Entries in document order, keys unique.
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl Node<'_> {
    /// Takes ownership of `value` without copying its strings.
    pub(super) fn from_owned_value(value: Value) -> Node<'static> {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n),
            Value::String(s) => Node::String(Cow::Owned(s)),
            Value::Array(items) => {
                Node::Seq(items.into_iter().map(Node::from_owned_value).collect())
            }
            Value::Object(map) => Node::Map(
                map.into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Node::from_owned_value(v)))
                    .collect(),
            ),
        }
    }

    pub(super) fn into_value(self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Number(n) => Value::Number(n),
            Node::String(s) => Value::String(s.into_owned()),
            Node::Seq(items) => Value::Array(items.into_iter().map(Node::into_value).collect()),
            Node::Map(entries) => {
                // Sized up front: growing an index map rehashes every key.
                let mut map = Map::with_capacity(entries.len());
                for (key, value) in entries {
                    map.insert(key.into_owned(), value.into_value());
                }
                Value::Object(map)
            }
        }
    }
}
