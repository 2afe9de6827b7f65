//! A rendered stream as a set of objects keyed by kind, namespace and name.
//!
//! The key leaves out the apiVersion on purpose: moving between API profiles changes
//! the version of the same object, and the cluster sees that as an update, not as a
//! delete and a create.

use crate::yaml;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// The identity of an object inside one management cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectId {
    /// The same namespace and a different kind and name: how a MachineDeployment's
    /// references find their templates (references are namespace-local).
    #[must_use]
    pub fn sibling(&self, kind: &str, name: &str) -> ObjectId {
        ObjectId {
            kind: kind.to_owned(),
            namespace: self.namespace.clone(),
            name: name.to_owned(),
        }
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    pub fn qualified_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.qualified_name())
    }
}

#[derive(Debug, Clone)]
pub struct Object {
    pub id: ObjectId,
    pub value: Value,
}

/// The objects of one stream, in stream order.
#[derive(Debug, Default)]
pub struct Stream {
    pub objects: Vec<Object>,
    /// Where each object is in `objects`: lookups stay constant-time on large streams.
    index: HashMap<ObjectId, usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StreamError(String);

impl Stream {
    /// Parses a multi-document stream; every document must be one Kubernetes object.
    pub fn parse(text: &str) -> Result<Stream, StreamError> {
        let documents =
            yaml::parse_documents(text).map_err(|e| StreamError(format!("not YAML: {e}")))?;
        let mut stream = Stream::default();
        for (index, value) in documents.into_iter().enumerate() {
            if value.is_null() {
                continue;
            }
            let id = identity(&value)
                .map_err(|message| StreamError(format!("document {}: {message}", index + 1)))?;
            if stream.index.contains_key(&id) {
                return Err(StreamError(format!("{id} appears more than once")));
            }
            stream.index.insert(id.clone(), stream.objects.len());
            stream.objects.push(Object { id, value });
        }
        Ok(stream)
    }

    /// The same objects, each value replaced by `f` of it.
    pub(super) fn map(&self, f: impl Fn(&Value) -> Value) -> Stream {
        Stream {
            objects: self
                .objects
                .iter()
                .map(|o| Object {
                    id: o.id.clone(),
                    value: f(&o.value),
                })
                .collect(),
            index: self.index.clone(),
        }
    }

    pub fn get(&self, id: &ObjectId) -> Option<&Value> {
        self.index.get(id).map(|&at| &self.objects[at].value)
    }
}

fn identity(value: &Value) -> Result<ObjectId, String> {
    if !value.is_object() {
        return Err("not a Kubernetes object (expected a mapping)".to_owned());
    }
    let text = |path: &[&str]| {
        let mut current = value;
        for key in path {
            current = current.get(key)?;
        }
        current.as_str().map(str::to_owned)
    };
    let kind = text(&["kind"]).ok_or("no kind")?;
    let name =
        text(&["metadata", "name"]).ok_or_else(|| format!("{kind} without metadata.name"))?;
    Ok(ObjectId {
        kind,
        namespace: text(&["metadata", "namespace"]).unwrap_or_default(),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_objects_by_kind_namespace_and_name() {
        let stream = Stream::parse(
            "---\n# Source: x\nkind: A\nmetadata: {name: a, namespace: ns}\n---\nkind: B\nmetadata: {name: b}\n",
        )
        .unwrap();
        let ids: Vec<String> = stream.objects.iter().map(|o| o.id.to_string()).collect();
        assert_eq!(ids, ["A ns/a", "B b"]);
    }

    #[test]
    fn rejects_documents_that_are_not_objects() {
        for (text, message) in [
            ("- a\n", "document 1: not a Kubernetes object"),
            ("metadata: {name: a}\n", "document 1: no kind"),
            ("kind: A\n---\n", "document 1: A without metadata.name"),
            (
                "kind: A\nmetadata: {name: a}\n---\nkind: A\nmetadata: {name: a}\n",
                "A a appears more than once",
            ),
        ] {
            let err = Stream::parse(text).unwrap_err().to_string();
            assert!(err.contains(message), "{err}");
        }
    }
}
