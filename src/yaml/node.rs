//! [`Node`]: a parsed document that borrows its text where it can.
//!
//! Rendering reads, hashes and re-emits every document once. Doing that on
//! `serde_json::Value` allocates every key and string and hashes every key into an
//! index; a `Node` keeps keys and unescaped strings as slices of the rendered text and
//! its maps as plain lists, which are short (keys are unique: the readers check).

use serde_json::{Map, Number, Value};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    /// Entries in document order, keys unique.
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// A view of `value` that borrows its strings.
    pub fn from_value(value: &'a Value) -> Self {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(n.clone()),
            Value::String(s) => Node::String(Cow::Borrowed(s)),
            Value::Array(items) => Node::Seq(items.iter().map(Node::from_value).collect()),
            Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Node::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// Takes ownership of `value` without copying its strings.
    pub fn from_owned_value(value: Value) -> Node<'static> {
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

    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(n.clone()),
            Node::String(s) => Value::String(s.as_ref().to_owned()),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_ref().to_owned(), v.to_value()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    pub fn into_value(self) -> Value {
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

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    /// The entries of a map.
    pub fn as_map(&self) -> Option<&[(Cow<'a, str>, Node<'a>)]> {
        match self {
            Node::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items of a list.
    pub fn as_seq(&self) -> Option<&[Node<'a>]> {
        match self {
            Node::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node<'a>> {
        match self {
            Node::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}
