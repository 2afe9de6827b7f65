//! `render --show-only KIND[/NAME]`: keep part of the stream.

use crate::output::Emitted;
use std::fmt;
use std::str::FromStr;

/// One `--show-only` filter: a kind (any case, as people type `machinedeployment`)
/// and optionally an exact object name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    kind: String,
    name: Option<String>,
}

impl FromStr for Selector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, name) = match text.split_once('/') {
            Some((kind, name)) => (kind, Some(name)),
            None => (text, None),
        };
        let valid = |part: &str| !part.is_empty() && !part.contains(['/', ' ']);
        if !valid(kind) || name.is_some_and(|n| !valid(n)) {
            return Err(
                "expected KIND or KIND/NAME, e.g. MachineDeployment/demo-default-md".into(),
            );
        }
        Ok(Selector {
            kind: kind.to_owned(),
            name: name.map(str::to_owned),
        })
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{}/{name}", self.kind),
            None => f.write_str(&self.kind),
        }
    }
}

impl Selector {
    fn matches(&self, doc: &Emitted) -> bool {
        doc.kind().eq_ignore_ascii_case(&self.kind)
            && self.name.as_deref().is_none_or(|name| name == doc.name())
    }
}

/// A filter that selects nothing: almost always a typo, so it is an error.
#[derive(Debug, thiserror::Error)]
#[error("--show-only {selector}: no object matches; the stream has {available}")]
pub struct NoMatch {
    selector: Selector,
    available: String,
}

/// The documents any selector matches, in stream order; no selectors keep everything.
pub fn filter(documents: Vec<Emitted>, selectors: &[Selector]) -> Result<Vec<Emitted>, NoMatch> {
    if selectors.is_empty() {
        return Ok(documents);
    }
    if let Some(selector) = selectors
        .iter()
        .find(|s| !documents.iter().any(|d| s.matches(d)))
    {
        return Err(NoMatch {
            selector: selector.clone(),
            available: available(&documents, selector),
        });
    }
    Ok(documents
        .into_iter()
        .filter(|d| selectors.iter().any(|s| s.matches(d)))
        .collect())
}

/// What the user could have meant: the objects of that kind, or else every kind.
fn available(documents: &[Emitted], selector: &Selector) -> String {
    let of_kind: Vec<String> = documents
        .iter()
        .filter(|d| d.kind().eq_ignore_ascii_case(&selector.kind))
        .map(|d| format!("{}/{}", d.kind(), d.name()))
        .collect();
    if !of_kind.is_empty() {
        return of_kind.join(", ");
    }
    let mut kinds: Vec<&str> = documents.iter().map(Emitted::kind).collect();
    kinds.dedup();
    format!("the kinds {}", kinds.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kind_and_optional_name() {
        let s: Selector = "machinedeployment/a-md".parse().unwrap();
        assert_eq!(s.to_string(), "machinedeployment/a-md");
        assert!("Cluster".parse::<Selector>().is_ok());
        for bad in ["", "/x", "Kind/", "a/b/c"] {
            assert!(bad.parse::<Selector>().is_err(), "{bad}");
        }
    }
}
