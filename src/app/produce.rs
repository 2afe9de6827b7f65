//! What `render` and `lint` share: the values loaded and checked and, when they have
//! no errors, the cluster's documents rendered, ordered and self-checked.
//!
//! A [`Helper`] thread starts before the arguments are parsed. It compiles templates
//! while this thread parses the arguments and loads the values (compiling costs about
//! as much as both), then renders its share of the cluster alongside this thread; a
//! large cluster on a machine with more cores gets a thread on each. The values are
//! validated while the others render: if they have errors, nothing more is started and
//! what was rendered is thrown away.

use super::{AppError, ValuesArgs, keep_until_exit};
use crate::cli::ProfileArg;
use crate::output::{self, Emitted};
use crate::render::{self, Plan, RenderError, Renderer};
use crate::schema::{ApiVersionChoice, Values};
use crate::validate::{self, Findings, Severity};
use crate::values::{self, Merged};
use crate::{cpus, selfcheck};
use std::sync::OnceLock;

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

type ClusterPlan = Plan<'static, Emitted>;

/// The thread that helps a command render. It is never joined: the command waits only
/// for the runs of the plan the helper took, and the process exits without waiting for
/// whatever else it may still be doing (compiling a template nobody needs, after the
/// values turned out invalid).
pub(super) struct Helper {
    /// Leaked, like the values and plan it is handed: the thread may outlive every
    /// function here, and the process returns all memory at once when it exits.
    shared: &'static Shared,
}

struct Shared {
    renderer: Renderer,
    plan: OnceLock<Option<&'static ClusterPlan>>,
}

impl Helper {
    /// Starts the helper thread (if the system lets it; otherwise this thread does all
    /// the work).
    pub(super) fn start() -> Self {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            renderer: Renderer::default(),
            plan: OnceLock::new(),
        }));
        let spawner = cpus::current();
        let started = std::thread::Builder::new().spawn(move || {
            cpus::leave(spawner, 0);
            shared.renderer.help(&shared.plan, &Emitted::new);
        });
        if started.is_ok() {
            // A new thread often starts on this thread's CPU, where it would wait until
            // this one blocks: letting it run now lets it move to another CPU at once.
            std::thread::yield_now();
        }
        Helper { shared }
    }

    fn renderer(&self) -> &'static Renderer {
        &self.shared.renderer
    }

    /// Gives the helper the plan to share, or tells it there is none.
    fn hand(&self, plan: Option<&'static ClusterPlan>) {
        let _ = self.shared.plan.set(plan);
    }
}

impl Drop for Helper {
    /// Whatever way the command ends, the helper stops compiling and stops waiting.
    fn drop(&mut self) {
        self.shared.renderer.stop_compiling_ahead();
        self.hand(None);
    }
}

pub(super) fn check_and_produce(
    args: &ValuesArgs,
    profile: Option<ProfileArg>,
    shown: Shown,
    helper: Helper,
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
    let values: &'static Values = Box::leak(Box::new(values));
    let cluster: &'static str = cluster.leak();
    let threads = render::threads_worth(values);
    let plan: Result<&'static ClusterPlan, RenderError> =
        Plan::new(values, cluster, &args.namespace, threads)
            .map(|plan| &*Box::leak(Box::new(plan)));
    helper.hand(plan.as_ref().ok().copied());
    let renderer = helper.renderer();
    if let Ok(plan) = plan {
        let spawner = cpus::current();
        for nth in 1..threads - 1 {
            // A worker that cannot start leaves its share to the others.
            let _ = std::thread::Builder::new().spawn(move || {
                cpus::leave(spawner, nth);
                plan.work(renderer, &Emitted::new);
            });
        }
    }
    let mut findings = validate::check(values, cluster, &args.namespace);
    let documents = if findings.has_errors() {
        if let Ok(plan) = plan {
            plan.stop();
        }
        None
    } else {
        Some(
            plan.map_err(AppError::from)
                .and_then(|plan| produce(plan, renderer)),
        )
    };
    for finding in &mut findings.0 {
        if shown == Shown::All || finding.severity == Severity::Error {
            finding.origin = origin(&finding.path, &merged, values, name_arg);
        }
    }
    keep_until_exit(merged);
    Ok((findings, documents))
}

/// This thread's share of the rendering, then every thread's objects, ordered and
/// self-checked: all of them, or none.
fn produce(plan: &ClusterPlan, renderer: &Renderer) -> Result<Vec<Emitted>, AppError> {
    plan.work(renderer, &Emitted::new);
    let documents = output::sort(plan.documents()?);
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
