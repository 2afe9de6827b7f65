//! The template engine: minijinja with the embedded `templates/` directory.
//!
//! Values reach templates only as data (`{{ x | tojson }}`), never as template source,
//! and every rendered document is parsed back before output, so a value can neither
//! run template code nor add YAML structure.

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, syntax::SyntaxConfig};

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
    env.add_filter("tojson", tojson);
    minijinja_embed::load_templates!(&mut env);
    env
}

/// `a | combine(b)`: the entries of both maps, `b` winning on equal keys (used to put
/// capkv's own labels over user labels).
fn combine(a: Value, b: Value) -> Value {
    minijinja::value::merge_maps([b, a])
}

/// `x | tojson`: `x` as compact JSON, one flow node that YAML reads back as exactly
/// `x`. Replaces minijinja's own filter, whose HTML-safe escaping means nothing in YAML
/// and costs a scan of every string.
fn tojson(value: &Value) -> Result<Value, minijinja::Error> {
    serde_json::to_string(value)
        .map(Value::from_safe_string)
        .map_err(|err| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "cannot serialize to JSON",
            )
            .with_source(err)
        })
}

/// Renders one embedded template; errors carry the template name and line, never the
/// context (which may hold passwords).
pub(crate) fn render(
    env: &Environment<'_>,
    name: &str,
    ctx: Value,
) -> Result<String, minijinja::Error> {
    env.get_template(name)?.render(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_compiles() {
        let env = environment();
        let names: Vec<_> = env.templates().map(|(name, _)| name.to_owned()).collect();
        assert!(names.len() >= 8, "{names:?}");
    }
}
