//! Runs one command: the glue between the stages, the error printer and exit codes.
//!
//! Exit codes: 0 success, 1 bad input (values, files, flags' contents), 2 bad usage
//! (unknown flag, missing argument). Output is produced in full before anything is
//! written, so stdout is empty whenever the exit code is not 0.

use crate::cli::{Cli, Command, Format, RenderArgs, ValuesCommandArgs};
use crate::render::{RenderError, Renderer};
use crate::validate::{self, Finding};
use crate::values::{self, ValuesError};
use crate::{output, yaml};
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
        Command::Values(args) => show_values(&args),
        Command::Schema => Ok(schema_text()),
        Command::Docs => Ok(crate::docs::values_table()),
    };
    match result {
        Ok(text) => write_stdout(&text),
        Err(AppError::Invalid(findings)) => {
            for finding in findings {
                eprintln!("{finding}");
            }
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn render(args: &RenderArgs) -> Result<String, AppError> {
    let (_, mut values) = values::load(&args.values.sources())?;
    if let Some(profile) = args.api_profile {
        values.api_profile = profile.into();
    }
    let cluster = validate::cluster_name(&values, args.values.name.as_deref())
        .map_err(|f| AppError::Invalid(vec![f]))?
        .to_owned();
    let findings = validate::check(&values, &cluster, &args.values.namespace);
    if findings.has_errors() {
        return Err(AppError::Invalid(findings.errors().cloned().collect()));
    }
    let mut documents = Renderer::default().render(&values, &cluster, &args.values.namespace)?;
    output::sort(&mut documents);
    Ok(output::stream(&documents))
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

fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&crate::docs::json_schema()).unwrap_or_default();
    text.push('\n');
    text
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
