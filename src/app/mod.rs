//! Runs one command: the glue between the stages, the error printer and exit codes.
//!
//! Exit codes: 0 success, 1 bad input (values, files, flags' contents, lint findings)
//! or an internal error, 2 bad usage (unknown flag, missing argument). Output is
//! produced in full before anything is written, so stdout is empty whenever a command
//! fails. (`diff --exit-code` exits 1 after printing its report, as `git diff
//! --exit-code` does: that is not a failure.)

mod produce;

use crate::cli::{
    Cli, Command, DiffArgs, DiffFormat, Format, LintArgs, ManArgs, PruneArgs, PruneFormat,
    RenderArgs, ValuesArgs, ValuesCommandArgs,
};
use crate::diff::{self, InputError};
use crate::outdir::{self, OutputDirError};
use crate::render::RenderError;
use crate::select::{self, NoMatch};
use crate::terminal::printable;
use crate::validate::Finding;
use crate::values::{self, ValuesError};
use crate::{lint, manual, prune, yaml};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use produce::{Shown, check_and_produce};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
enum AppError {
    #[error(transparent)]
    Values(#[from] ValuesError),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Finding>),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    OutputDir(#[from] OutputDirError),
    #[error(transparent)]
    NoMatch(#[from] NoMatch),
    /// `prune --live`: the input (a file name or "standard input") and the problem.
    #[error("{0}: {1}")]
    Live(String, String),
    /// Usage errors clap cannot see (two `-` inputs, an unknown man page): exit code 2
    /// like clap's own.
    #[error(transparent)]
    Usage(clap::Error),
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

/// What a successful command prints, and its exit code (`diff --exit-code` exits 1
/// with a full report).
struct Output {
    /// Written one after the other: a rendered stream stays in its documents' pieces
    /// instead of being copied into one string.
    pieces: Vec<String>,
    code: ExitCode,
}

impl Output {
    /// A report that, when `failed`, exits with 1 (`--exit-code`).
    fn exit_code(text: String, failed: bool) -> Self {
        Output {
            pieces: vec![text],
            code: if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            },
        }
    }
}

impl From<String> for Output {
    fn from(text: String) -> Self {
        Output {
            pieces: vec![text],
            code: ExitCode::SUCCESS,
        }
    }
}

pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Render(args) => render(&args),
        Command::Lint(args) => return run_lint(&args),
        Command::Values(args) => show_values(&args).map(Output::from),
        Command::Schema => Ok(schema_text().into()),
        Command::Docs => Ok(crate::docs::values_table().into()),
        Command::Diff(args) => diff(&args),
        Command::Prune(args) => prune(&args),
        Command::Completions(args) => Ok(manual::completions(args.shell).into()),
        Command::Man(args) => man(&args).map(Output::from),
    };
    match result {
        Ok(output) => match write_stdout(&output.pieces) {
            Ok(()) => output.code,
            Err(code) => code,
        },
        Err(AppError::Usage(err)) => {
            let _ = err.print();
            ExitCode::from(2)
        }
        Err(err) => {
            for line in err.lines() {
                eprintln!("{}", printable(&line));
            }
            ExitCode::FAILURE
        }
    }
}

fn render(args: &RenderArgs) -> Result<Output, AppError> {
    let (findings, documents) = check_and_produce(&args.values, args.api_profile, Shown::Errors)?;
    let Some(documents) = documents else {
        return Err(AppError::Invalid(findings.errors().cloned().collect()));
    };
    let mut documents = select::filter(documents?, &args.show_only)?;
    if let Some(dir) = &args.output_dir {
        outdir::write(dir, &documents)?;
        return Ok(String::new().into());
    }
    let pieces = documents
        .iter_mut()
        .map(|doc| std::mem::take(&mut doc.text))
        .collect();
    Ok(Output {
        pieces,
        code: ExitCode::SUCCESS,
    })
}

/// Everything `render` checks, warnings included, reported in full. Rendering and the
/// self-check count only when the values have no errors (a render of invalid values
/// would only repeat them).
fn run_lint(args: &LintArgs) -> ExitCode {
    let mut report = lint::Report::new(args.strict);
    match check_and_produce(&args.values, args.api_profile, Shown::All) {
        Ok((findings, documents)) => {
            for finding in &findings.0 {
                report.finding(finding);
            }
            if let Some(Err(err)) = documents {
                err.lines().into_iter().for_each(|l| report.error_line(l));
            }
        }
        Err(AppError::Invalid(findings)) => findings.iter().for_each(|f| report.finding(f)),
        Err(err) => err.lines().into_iter().for_each(|l| report.error_line(l)),
    }
    for line in report.lines() {
        eprintln!("{}", printable(line));
    }
    if report.passed() {
        write_stdout(&[format!("{}\n", report.summary())])
            .err()
            .unwrap_or(ExitCode::SUCCESS)
    } else {
        eprintln!("{}", report.summary());
        ExitCode::FAILURE
    }
}

fn diff(args: &DiffArgs) -> Result<Output, AppError> {
    if args.old == "-" && args.new == "-" {
        return Err(usage(
            "diff",
            ErrorKind::ArgumentConflict,
            "OLD and NEW cannot both be `-` (standard input)",
        ));
    }
    let report = diff::Report::new(&diff::read(&args.old)?, &diff::read(&args.new)?);
    let text = match args.output {
        DiffFormat::Markdown => report.markdown(args.max_chars),
        DiffFormat::Text => {
            let no_color = std::env::var_os("NO_COLOR");
            report.text(diff::use_color(
                std::io::stdout().is_terminal(),
                no_color.as_deref(),
            ))
        }
    };
    Ok(Output::exit_code(text, args.exit_code && report.differs()))
}

/// The live templates nothing needs, in the format asked for. The live file is read
/// first, so a missing file is reported even when the values are wrong too.
fn prune(args: &PruneArgs) -> Result<Output, AppError> {
    if args.values.files.iter().any(|f| f == "-") && args.live == "-" {
        return Err(usage(
            "prune",
            ErrorKind::ArgumentConflict,
            "a values file and --live cannot both be `-` (standard input)",
        ));
    }
    let input = if args.live == "-" {
        "standard input"
    } else {
        args.live.as_str()
    };
    let live_error = |message: String| AppError::Live(input.to_owned(), message);
    let text = crate::input::read_text(&args.live, crate::input::STREAM_LIMIT)
        .map_err(|e| live_error(format!("cannot read: {e}")))?;
    let live = prune::Live::parse(&text).map_err(|e| live_error(e.to_string()))?;

    let (findings, documents) = check_and_produce(&args.values, args.api_profile, Shown::Errors)?;
    let Some(documents) = documents else {
        return Err(AppError::Invalid(findings.errors().cloned().collect()));
    };
    let documents = documents?;
    let cluster = documents
        .iter()
        .find(|doc| doc.kind() == "Cluster")
        .map(|doc| doc.name().to_owned())
        .unwrap_or_default();
    let rendered = documents
        .iter()
        .filter(|doc| prune::TEMPLATE_KINDS.contains(&doc.kind()))
        .map(|doc| (doc.kind().to_owned(), doc.name().to_owned()))
        .collect();
    let found = prune::prunable(&live, &rendered, &cluster, &args.values.namespace)
        .map_err(|e| live_error(e.to_string()))?;

    let mut text = String::new();
    for template in &found {
        match args.output {
            PruneFormat::Names => {
                text.push_str(&format!("{}/{}\n", template.kind, template.name));
            }
            PruneFormat::Kubectl => text.push_str(&format!(
                "kubectl delete {} {} -n {}\n",
                template.resource, template.name, template.namespace
            )),
            PruneFormat::Yaml => {
                text.push_str("---\n");
                yaml::emit_into(&template.object, &mut text);
            }
        }
    }
    Ok(Output::exit_code(text, args.exit_code && !found.is_empty()))
}

fn man(args: &ManArgs) -> Result<String, AppError> {
    manual::man_page(args.subcommand.as_deref()).ok_or_else(|| {
        usage(
            "man",
            ErrorKind::InvalidValue,
            &format!(
                "no subcommand {:?}; one of: {}",
                args.subcommand.as_deref().unwrap_or_default(),
                manual::subcommand_names().join(", ")
            ),
        )
    })
}

/// A usage error of one subcommand, printed with that subcommand's usage line.
fn usage(subcommand: &str, kind: ErrorKind, message: &str) -> AppError {
    let mut command = Cli::command();
    command.build();
    let error = match command.find_subcommand_mut(subcommand) {
        Some(sub) => sub.error(kind, message),
        None => command.error(kind, message),
    };
    AppError::Usage(error)
}

fn show_values(args: &ValuesCommandArgs) -> Result<String, AppError> {
    let sources = args.values.sources();
    let mut tree = if args.raw {
        values::merge(&sources)?.tree
    } else {
        let (_, typed) = values::load(&sources)?;
        serde_json::to_value(&typed).unwrap_or_default()
    };
    if !args.show_secrets {
        values::mask_secrets(&mut tree);
    }
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
fn write_stdout(pieces: &[String]) -> Result<(), ExitCode> {
    match write_all_pieces(&mut std::io::stdout().lock(), pieces) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => {
            eprintln!("{}", printable(&format!("error: writing output: {err}")));
            Err(ExitCode::FAILURE)
        }
    }
}

/// Every piece, in order, through one buffer.
fn write_all_pieces(out: &mut impl Write, pieces: &[String]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    for piece in pieces {
        out.write_all(piece.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most a few bytes per call and is interrupted now and
    /// then, as a pipe under load may be.
    struct Trickle {
        written: Vec<u8>,
        calls: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(5);
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_piece_is_written_in_order_through_short_and_interrupted_writes() {
        let pieces: Vec<String> = ["---\nkind: A\n", "", "---\nkind: Bee\nname: b\n", "x"]
            .map(str::to_owned)
            .into();
        let mut out = Trickle {
            written: Vec::new(),
            calls: 0,
        };
        write_all_pieces(&mut out, &pieces).unwrap();
        assert_eq!(String::from_utf8(out.written).unwrap(), pieces.concat());
    }

    #[test]
    fn a_writer_that_takes_nothing_is_an_error_not_a_loop() {
        // write_all reports a writer that accepts no bytes as WriteZero.
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Ok(0)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = write_all_pieces(&mut Full, &["a".to_owned()]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
    }
}
