//! Runs one command: the glue between the stages, the error printer and exit codes.
//!
//! Exit codes: 0 success, 1 bad input (values, files, flags' contents, lint findings)
//! or an internal error, 2 bad usage (unknown flag, missing argument). Output is
//! produced in full before anything is written, so stdout is empty whenever the exit
//! code is not 0.

use crate::cli::{Cli, Command, Format, LintArgs, RenderArgs, ValuesCommandArgs};
use crate::lint::Report;
use crate::render::{RenderError, Renderer};
use crate::schema::Values;
use crate::validate::{self, Finding, Findings};
use crate::values::{self, Merged, ValuesError};
use crate::{output, selfcheck, yaml};
use clap::Parser;
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
enum AppError {
    #[error(transparent)]
    Values(#[from] ValuesError),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Finding>),
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The rendered stream failed the self-check: a bug in capkv, never printed.
    #[error("internal error: {}", .0.join("; "))]
    SelfCheck(Vec<String>),
}

impl AppError {
    /// The error as stderr lines, each starting with `error: `.
    fn lines(&self) -> Vec<String> {
        match self {
            AppError::Invalid(findings) => findings.iter().map(ToString::to_string).collect(),
            AppError::SelfCheck(problems) => problems
                .iter()
                .map(|p| format!("error: internal error: {p} (please report this as a capkv bug)"))
                .collect(),
            other => vec![format!("error: {other}")],
        }
    }
}

pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Render(args) => render(&args),
        Command::Lint(args) => return lint(&args),
        Command::Values(args) => show_values(&args),
    };
    match result {
        Ok(text) => write_stdout(&text),
        Err(err) => {
            for line in err.lines() {
                eprintln!("{line}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Typed values that passed loading, with every finding of the checks (errors and
/// warnings, each naming the layer its value came from): what `render` and `lint` share.
#[derive(Debug)]
struct Checked {
    values: Values,
    cluster: String,
    findings: Findings,
}

fn check(args: &RenderArgs) -> Result<Checked, AppError> {
    let (merged, mut values) = values::load(&args.values.sources())?;
    if let Some(profile) = args.api_profile {
        values.api_profile = profile.into();
    }
    let name_arg = args.values.name.as_deref();
    let cluster = match validate::cluster_name(&values, name_arg) {
        Ok(cluster) => cluster.to_owned(),
        Err(mut finding) => {
            finding.origin = origin(&finding.path, &merged, &values, name_arg);
            return Err(AppError::Invalid(vec![finding]));
        }
    };
    let mut findings = validate::check(&values, &cluster, &args.values.namespace);
    for finding in &mut findings.0 {
        finding.origin = origin(&finding.path, &merged, &values, name_arg);
    }
    Ok(Checked {
        values,
        cluster,
        findings,
    })
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

fn render(args: &RenderArgs) -> Result<String, AppError> {
    let checked = check(args)?;
    if checked.findings.has_errors() {
        return Err(AppError::Invalid(
            checked.findings.errors().cloned().collect(),
        ));
    }
    produce(&checked, &args.values.namespace)
}

/// Renders, orders and self-checks the objects; the stream only if all of it passed.
fn produce(checked: &Checked, namespace: &str) -> Result<String, AppError> {
    let mut documents = Renderer::default().render(&checked.values, &checked.cluster, namespace)?;
    output::sort(&mut documents);
    selfcheck::check(&documents).map_err(AppError::SelfCheck)?;
    Ok(output::stream(&documents))
}

/// Everything `render` checks, warnings included, reported in full. Rendering and the
/// self-check run only when the values have no errors (a render of invalid values
/// would only repeat them).
fn lint(args: &LintArgs) -> ExitCode {
    let mut report = Report::new(args.strict);
    match check(&args.render) {
        Ok(checked) => {
            for finding in &checked.findings.0 {
                report.finding(finding);
            }
            if !checked.findings.has_errors()
                && let Err(err) = produce(&checked, &args.render.values.namespace)
            {
                err.lines().into_iter().for_each(|l| report.error_line(l));
            }
        }
        Err(AppError::Invalid(findings)) => findings.iter().for_each(|f| report.finding(f)),
        Err(err) => err.lines().into_iter().for_each(|l| report.error_line(l)),
    }
    for line in report.lines() {
        eprintln!("{line}");
    }
    if report.passed() {
        write_stdout(&format!("{}\n", report.summary()))
    } else {
        eprintln!("{}", report.summary());
        ExitCode::FAILURE
    }
}

fn show_values(args: &ValuesCommandArgs) -> Result<String, AppError> {
    let sources = args.values.sources();
    let tree = if args.raw {
        serde_json::Value::Object(values::merge(&sources)?.tree)
    } else {
        let (_, typed) = values::load(&sources)?;
        serde_json::to_value(&typed).unwrap_or_default()
    };
    Ok(match args.output {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&tree).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Yaml => yaml::emit(&tree),
    })
}

/// Writes the whole output; a closed pipe (`capkv render | head`) is a normal end.
fn write_stdout(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: writing output: {err}");
            ExitCode::FAILURE
        }
    }
}
