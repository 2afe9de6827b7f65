//! What `render` and `lint` share: the values loaded and checked and, when they have
//! no errors, the cluster's documents rendered, ordered and self-checked.

use super::{AppError, ValuesArgs};
use crate::cli::ProfileArg;
use crate::output::{self, Emitted};
use crate::render::Renderer;
use crate::schema::{ApiVersionChoice, Values};
use crate::selfcheck;
use crate::validate::{self, Findings, Severity};
use crate::values::{self, Merged};

/// Every finding of the checks (errors and warnings, each naming the layer its value
/// came from) and, unless they have errors, the documents in output order (or why there
/// are none: a template or the self-check failed).
pub(super) type Produced = (Findings, Option<Result<Vec<Emitted>, AppError>>);

/// Which findings a command prints, and so which need the layer their value came from
/// (finding it may read a values file again).
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Shown {
    Errors,
    All,
}

pub(super) fn check_and_produce(
    args: &ValuesArgs,
    profile: Option<ProfileArg>,
    shown: Shown,
) -> Result<Produced, AppError> {
    let (merged, mut values) = values::load(&args.sources())?;
    if let Some(profile) = profile {
        // The shorthand sets all three providers' versions, whatever the files chose.
        values.api_profile = profile.into();
        values.api_versions = ApiVersionChoice::default();
    }
    let name_arg = args.name.as_deref();
    let cluster = match validate::cluster_name(&values, name_arg) {
        Ok(cluster) => cluster.to_owned(),
        Err(mut finding) => {
            finding.origin = origin(&finding.path, &merged, &values, name_arg);
            return Err(AppError::Invalid(vec![finding]));
        }
    };
    let mut findings = validate::check(&values, &cluster, &args.namespace);
    let documents = (!findings.has_errors()).then(|| produce(&values, &cluster, &args.namespace));
    for finding in &mut findings.0 {
        if shown == Shown::All || finding.severity == Severity::Error {
            finding.origin = origin(&finding.path, &merged, &values, name_arg);
        }
    }
    Ok((findings, documents))
}

/// Every object, ordered and self-checked: all of them, or none.
fn produce(values: &Values, cluster: &str, namespace: &str) -> Result<Vec<Emitted>, AppError> {
    let documents = Renderer::default().render_with(values, cluster, namespace, Emitted::new)?;
    let documents = output::sort(documents);
    selfcheck::check_facts(documents.iter().map(|doc| &doc.facts)).map_err(AppError::SelfCheck)?;
    Ok(documents)
}

/// The layer a finding's value came from. The cluster name may come from the NAME
/// argument rather than from any layer of values.
fn origin(path: &str, merged: &Merged, values: &Values, name_arg: Option<&str>) -> Option<String> {
    if path == "cluster.name" && values.cluster.name.is_empty() {
        return name_arg
            .filter(|n| !n.is_empty())
            .map(|_| "the NAME argument".to_owned());
    }
    merged.origin_of_path(path).map(str::to_owned)
}
