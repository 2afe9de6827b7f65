//! The template engine: minijinja with the embedded `templates/` directory.
//!
//! Values reach templates only as data (`{{ x | tojson }}`), never as template source,
//! and every rendered document is parsed back before output, so a value can neither
//! run template code nor add YAML structure.

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, syntax::SyntaxConfig};

/// Every embedded template as `(name, source)`, sorted by name (see `build.rs`).
pub(crate) static SOURCES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The environment compiles a template the first time it is asked for, without holding
/// a lock, so several threads can compile different templates at once; a template that
/// does not compile is not kept and fails again at its next use.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // With the `json` feature minijinja would JSON-escape `*.yaml` output by default;
    // templates call `tojson` explicitly instead.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // The syntax is part of how templates compile, so it is set before they are added.
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .unwrap_or_default();
    env.set_syntax(syntax);
    env.add_filter("combine", combine);
    // Jinja's `namespace()` (a mutable record loops can add to), under another name:
    // `namespace` is the objects' Kubernetes namespace in every template.
    env.add_function("scope", minijinja::functions::namespace);
    env.add_filter("tojson", tojson);
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

/// `x | tojson`: `x` as compact JSON, one flow node that YAML reads back as exactly
/// `x`. Replaces minijinja's own filter, whose HTML-safe escaping means nothing in YAML
/// and costs a scan of every string.
fn tojson(value: &Value) -> Result<Value, minijinja::Error> {
    serde_json::to_string(value)
        .map(|json| Value::from_safe_string(escape_unprintable(json)))
        .map_err(|err| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "cannot serialize to JSON",
            )
            .with_source(err)
        })
}

/// YAML may not carry DEL, C1 controls (but NEL) and U+FFFE/U+FFFF as they are (YAML
/// 1.2 `c-printable`), which JSON leaves unescaped. In JSON text they can only stand
/// inside strings, where `\uXXXX` means the same character to a YAML reader.
fn escape_unprintable(json: String) -> String {
    let unprintable =
        |c: char| matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
    if !json.contains(unprintable) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unprintable(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// What a template made.
pub(crate) enum Rendered {
    /// The objects it set in `objects`, as data.
    Objects(Vec<serde_json::Value>),
    Text(String),
}

/// Renders one embedded template; errors carry the template name and line, never the
/// context (which may hold passwords).
pub(crate) fn render(
    env: &Environment<'_>,
    name: &str,
    ctx: Value,
) -> Result<Rendered, minijinja::Error> {
    let captured = env.get_template(name)?.render_captured(ctx)?;
    let Some(objects) = captured.state().lookup("objects") else {
        return Ok(Rendered::Text(captured.into_output()));
    };
    let mut objects = serde_json::to_value(&objects).map_err(|err| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "objects are not data",
        )
        .with_source(err)
    })?;
    leave_out_none(&mut objects);
    match objects {
        serde_json::Value::Array(objects) => Ok(Rendered::Objects(objects)),
        _ => Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "`objects` must be a list",
        )),
    }
}

/// Templates write an optional field or list item as `x if condition else none`: what
/// is `none` is left out, at every depth.
fn leave_out_none(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, value| !value.is_null());
            map.values_mut().for_each(leave_out_none);
        }
        serde_json::Value::Array(items) => {
            items.retain(|item| !item.is_null());
            items.iter_mut().for_each(leave_out_none);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unprintable_characters_are_escaped_for_yaml() {
        let json = serde_json::to_string("a\u{7f}b\u{85}c\u{fffe}").unwrap_or_default();
        assert_eq!(
            super::escape_unprintable(json),
            "\"a\\u007fb\u{85}c\\ufffe\""
        );
    }

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
