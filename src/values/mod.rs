//! Values stage: read the layers (defaults, `-f` files, `--set*` flags), merge them with
//! Helm's semantics, then turn the merged tree into the typed [`Values`].

mod merge;
mod strict;
pub mod strvals;
mod typing;

use crate::input::{ReadError, VALUES_LIMIT};
use crate::schema::Values;
use crate::yaml;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::OnceCell;
pub use strvals::{SetError, SetKind};

/// The defaults shipped in the binary: the chart's values contract.
pub const BUILTIN_DEFAULTS: &str = include_str!("../../values.yaml");
const BUILTIN_LABEL: &str = "values.yaml (built-in defaults)";

/// Everything the user said about values, in the order the flags were given.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// Replaces the built-in defaults (`--defaults FILE`).
    pub defaults: Option<String>,
    /// `-f` files in order; `-` is standard input.
    pub files: Vec<String>,
    /// `--set*` flags in command-line order; applied by kind precedence.
    pub sets: Vec<(SetKind, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    #[error("{file}: {message}")]
    Read { file: String, message: String },
    #[error("{file}: invalid YAML: {message}")]
    Yaml { file: String, message: String },
    #[error("{file}: document {document} is {found}, expected a map of values")]
    NotAMap {
        file: String,
        document: usize,
        found: &'static str,
    },
    #[error(transparent)]
    Set(#[from] SetError),
    #[error("{path}: {message}{}", origin.as_ref().map(|o| format!(" (from {o})")).unwrap_or_default())]
    Invalid {
        path: String,
        message: String,
        origin: Option<String>,
    },
}

/// The merged tree plus the layers it came from, so that errors can name the file.
#[derive(Debug)]
pub struct Merged {
    /// The merged values: always a map, but null after [`load`], which moves them
    /// into the typed values.
    pub tree: Value,
    /// Highest precedence first: `--set` flags, `-f` files from last to first, defaults.
    layers: Vec<(String, Layer)>,
}

/// What one layer supplied, kept to name the origin of a finding.
#[derive(Debug)]
enum Layer {
    /// The values the `--set` flags set.
    Tree(Map<String, Value>),
    /// A values file's text, parsed again (once) only when a finding needs its origin:
    /// the tree parsed first moves into the merge instead of being copied.
    Text {
        text: Cow<'static, str>,
        tree: OnceCell<Option<Map<String, Value>>>,
    },
}

impl Layer {
    fn text(text: Cow<'static, str>) -> Self {
        Layer::Text {
            text,
            tree: OnceCell::new(),
        }
    }

    fn has(&self, label: &str, path: &[Segment]) -> bool {
        let tree = match self {
            Layer::Tree(tree) => Some(tree),
            Layer::Text { text, tree } => {
                tree.get_or_init(|| parse_values(label, text).ok()).as_ref()
            }
        };
        tree.is_some_and(|tree| lookup(tree, path).is_some())
    }
}

impl Merged {
    /// Names the layer that supplied the value at `path` (the highest one that has it).
    pub fn origin_of(&self, path: &[Segment]) -> Option<&str> {
        self.layers
            .iter()
            .find(|(label, layer)| layer.has(label, path))
            .map(|(label, _)| label.as_str())
    }

    /// [`Merged::origin_of`] for a path as checks report it (`nodePools[1].memoryMiB`).
    pub fn origin_of_path(&self, path: &str) -> Option<&str> {
        self.origin_of(&typing::parse_path(path)?)
    }
}

/// A step of a values path (`--set` parses into it, errors are reported with it).
pub use strvals::Segment;

fn lookup<'a>(tree: &'a Map<String, Value>, path: &[Segment]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let Segment::Key(key) = first else {
        return None;
    };
    let mut node = tree.get(key)?;
    for segment in rest {
        node = match (segment, node) {
            (Segment::Key(k), Value::Object(m)) => m.get(k)?,
            (Segment::Index(i), Value::Array(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Reads and merges every layer (`capkv values --raw` prints the result).
pub fn merge(sources: &Sources) -> Result<Merged, ValuesError> {
    let (defaults_label, defaults_text, defaults) = match &sources.defaults {
        Some(file) => {
            let (text, tree) = read_values_file(file)?;
            (file.clone(), Cow::Owned(text), tree)
        }
        None => (
            BUILTIN_LABEL.to_owned(),
            Cow::Borrowed(BUILTIN_DEFAULTS),
            parse_values(BUILTIN_LABEL, BUILTIN_DEFAULTS)?,
        ),
    };
    let mut user = Map::new();
    let mut layers = Vec::new();
    for file in &sources.files {
        let (text, tree) = read_values_file(file)?;
        merge::merge_over(&mut user, tree);
        layers.push((file.clone(), Layer::text(Cow::Owned(text))));
    }
    layers.reverse();

    let mut sets: Vec<&(SetKind, String)> = sources.sets.iter().collect();
    // Helm applies flags by kind, not by position; the sort is stable within a kind.
    sets.sort_by_key(|(kind, _)| *kind);
    // `--set` paths may index into the defaults' lists: only then is a copy needed.
    let defaults_value = if sets.is_empty() {
        Value::Null
    } else {
        Value::Object(defaults.clone())
    };
    let mut set_only = Map::new();
    for (kind, input) in sets {
        if ignored_like_helm(*kind, input) {
            continue;
        }
        strvals::apply(
            *kind,
            input,
            &mut user,
            Some(&defaults_value),
            &read_set_file,
        )?;
        // Applied alone, the flag shows what it sets (for error attribution) and whether
        // it sets anything: Helm silently drops `a[` or `[0]=1`, a typo that would
        // otherwise go unnoticed.
        let mut alone = Map::new();
        strvals::apply(*kind, input, &mut alone, None, &read_set_file)?;
        if alone.is_empty() {
            return Err(ValuesError::Set(SetError {
                flag: kind.flag(),
                input: input.clone(),
                message: "sets nothing: a key is empty or a bracket is unbalanced".into(),
            }));
        }
        merge::merge_over(&mut set_only, alone);
    }
    if !set_only.is_empty() {
        layers.insert(0, ("--set flags".to_owned(), Layer::Tree(set_only)));
    }
    let tree = merge::coalesce(user, defaults);
    layers.push((defaults_label, Layer::text(defaults_text)));
    Ok(Merged {
        tree: Value::Object(tree),
        layers,
    })
}

/// Replaces every credential in a values tree by `<redacted>` (for printing).
pub fn mask_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if crate::schema::is_secret_key(key) && !child.is_null() {
                    *child = Value::String("<redacted>".into());
                } else {
                    mask_secrets(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

/// Merges and types the values: the input of rendering.
/// Flags Helm ignores and scripts rely on (`--set "$EMPTY"`): an empty argument, an
/// empty first key (`=x`, `.a=x`) and an empty JSON object (`--set-json '{}'`).
fn ignored_like_helm(kind: SetKind, input: &str) -> bool {
    input.is_empty()
        || (kind != SetKind::Json && (input.starts_with('=') || input.starts_with('.')))
        || (kind == SetKind::Json && input.trim() == "{}")
}

pub fn load(sources: &Sources) -> Result<(Merged, Values), ValuesError> {
    let mut merged = merge(sources)?;
    let tree = std::mem::take(&mut merged.tree);
    let values = typing::to_typed(tree, &merged)?;
    Ok((merged, values))
}

fn read_set_file(path: &str) -> std::io::Result<String> {
    crate::input::read_text(path, VALUES_LIMIT).map_err(|e| match e {
        ReadError::Io(err) => err,
        other => std::io::Error::other(other.to_string()),
    })
}

/// A values file's text and its values.
fn read_values_file(file: &str) -> Result<(String, Map<String, Value>), ValuesError> {
    let text = crate::input::read_text(file, VALUES_LIMIT).map_err(|e| ValuesError::Read {
        file: file.to_owned(),
        message: match e {
            ReadError::Io(err) => io_message(&err),
            ReadError::Directory => "is a directory, expected a values file".into(),
            ReadError::TooLarge(limit) => {
                format!("is larger than the {limit}-byte limit for a values file")
            }
            other @ ReadError::NotText(_) => other.to_string(),
        },
    })?;
    let tree = parse_values(file, &text)?;
    Ok((text, tree))
}

fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// Parses a values file: every document must be a map (or empty); documents are
/// merged in order, as Helm does.
fn parse_values(file: &str, text: &str) -> Result<Map<String, Value>, ValuesError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let documents = yaml::parse_values_documents(text).map_err(|e| ValuesError::Yaml {
        file: file.to_owned(),
        message: e.message,
    })?;
    let mut merged = Map::new();
    for (index, document) in documents.into_iter().enumerate() {
        match document {
            Value::Object(map) => merge::merge_over(&mut merged, map),
            Value::Null => {}
            other => {
                return Err(ValuesError::NotAMap {
                    file: file.to_owned(),
                    document: index + 1,
                    found: kind_name(&other),
                });
            }
        }
    }
    Ok(merged)
}

pub(crate) fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_defaults_parse_and_type() {
        let (_, values) = load(&Sources::default()).unwrap();
        assert_eq!(values.node_pools.len(), 1);
    }

    /// `values.yaml` is the commented copy of the typed defaults: they must not drift.
    #[test]
    fn values_yaml_matches_the_typed_defaults() {
        let (_, values) = load(&Sources::default()).unwrap();
        assert_eq!(
            serde_json::to_value(&values).unwrap(),
            serde_json::to_value(crate::schema::Values::default()).unwrap()
        );
    }
}
