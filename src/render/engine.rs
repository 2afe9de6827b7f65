//! The template engine: minijinja with the embedded `templates/` directory.
//!
//! A template defines its objects as data: it sets `objects` to a list of dict literals
//! (`{% set objects = [{"apiVersion": …}] %}`), which [`render`] turns into JSON values
//! without printing text. Values reach templates only as data, never as template
//! source, and are placed into objects as values, so a value can neither run template
//! code nor add structure.

use minijinja::value::{DynObject, Object, ValueKind};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde_json::{Map, Value as Json};

/// Every embedded template as `(name, source)`, sorted by name (see `build.rs`).
pub(crate) static SOURCES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The environment compiles a template the first time it is asked for, without holding
/// a lock, so several threads can compile different templates at once; a template that
/// does not compile is not kept and fails again at its next use.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("combine", combine);
    // Jinja's `namespace()` (a mutable record loops can add to), under another name:
    // `namespace` is the objects' Kubernetes namespace in every template.
    env.add_function("scope", minijinja::functions::namespace);
    env.add_global("omit", Value::from_object(Omit));
    env.add_filter("optional", optional);
    env.set_loader(|name| Ok(source(name)));
    env
}

fn source(name: &str) -> Option<&'static str> {
    SOURCES
        .binary_search_by(|(candidate, _)| (*candidate).cmp(name))
        .ok()
        .map(|index| SOURCES[index].1)
}

/// `a | combine(b)`: the entries of both maps, `b` winning on equal keys (used to put
/// capkv's own labels over user labels). minijinja 3's `merge_maps` lets the last map
/// win.
fn combine(a: Value, b: Value) -> Value {
    minijinja::value::merge_maps([a, b])
}

/// `omit`: what a template writes for a field or list item that is left out
/// (`"folder": p.folder if p.folder else omit`). A `null` in the user's values is data
/// and stays, e.g. the `value` of a JSON patch.
#[derive(Debug)]
struct Omit;

impl Object for Omit {}

/// `x | optional`: `x`, or `omit` when it is not set (an optional value of the typed
/// values is `none` when the user left it out).
fn optional(value: Value) -> Value {
    if value.is_none() {
        Value::from_object(Omit)
    } else {
        value
    }
}

/// Renders one embedded template to the objects it sets in `objects`; errors carry the
/// template name and line, never the context (which may hold passwords).
pub(crate) fn render(env: &Environment<'_>, name: &str, ctx: Value) -> Result<Vec<Json>, Error> {
    let captured = env.get_template(name)?.render_captured(ctx)?;
    let objects = captured.state().lookup("objects").unwrap_or_default();
    if !matches!(objects.kind(), ValueKind::Seq | ValueKind::Iterable) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "the template must set `objects` to a list",
        ));
    }
    match to_json(&objects)? {
        Some(Json::Array(objects)) => Ok(objects),
        _ => Ok(Vec::new()),
    }
}

/// A template's value as JSON, `None` for `omit`: maps and lists leave out what is
/// omitted, at every depth.
fn to_json(value: &Value) -> Result<Option<Json>, Error> {
    if value.downcast_object_ref::<Omit>().is_some() {
        return Ok(None);
    }
    let json = match value.kind() {
        ValueKind::Map => {
            let mut map = Map::with_capacity(value.len().unwrap_or_default());
            let pairs = value.as_object().and_then(DynObject::try_iter_pairs);
            for (key, item) in pairs.into_iter().flatten() {
                let Some(key) = key.as_str() else {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("a map key must be a string, not {key}"),
                    ));
                };
                if let Some(item) = to_json(&item)? {
                    map.insert(key.to_owned(), item);
                }
            }
            Json::Object(map)
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let mut items = Vec::with_capacity(value.len().unwrap_or_default());
            for item in value.try_iter()? {
                items.extend(to_json(&item)?);
            }
            Json::Array(items)
        }
        ValueKind::String => Json::String(value.as_str().unwrap_or_default().to_owned()),
        ValueKind::Bool => Json::Bool(value.is_true()),
        ValueKind::None => Json::Null,
        _ => serde_json::to_value(value).map_err(|err| {
            Error::new(ErrorKind::InvalidOperation, "a value that is not data").with_source(err)
        })?,
    };
    Ok(Some(json))
}

#[cfg(test)]
mod tests {
    #[test]
    fn combine_lets_its_argument_win() {
        let user = minijinja::Value::from(minijinja::value::Serde(
            serde_json::json!({"app": "user", "x": 1}),
        ));
        let ours =
            minijinja::Value::from(minijinja::value::Serde(serde_json::json!({"app": "capkv"})));
        let merged = super::combine(user, ours);
        assert_eq!(
            merged.get_attr("app").unwrap_or_default().as_str(),
            Some("capkv")
        );
        assert_eq!(
            merged.get_attr("x").unwrap_or_default(),
            minijinja::Value::from(1)
        );
    }

    use super::*;

    #[test]
    fn every_template_file_is_embedded_and_compiles() {
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from("templates")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let name = path.strip_prefix("templates").unwrap();
                    files.push(name.to_str().unwrap().replace('\\', "/"));
                }
            }
        }
        files.sort();
        let embedded: Vec<_> = SOURCES.iter().map(|(name, _)| (*name).to_owned()).collect();
        assert_eq!(embedded, files);
        let env = environment();
        for name in &files {
            env.get_template(name).unwrap();
            assert_eq!(
                source(name),
                Some(
                    std::fs::read_to_string(format!("templates/{name}"))
                        .unwrap()
                        .as_str()
                )
            );
        }
        assert_eq!(source("missing.yaml"), None);
    }
}
