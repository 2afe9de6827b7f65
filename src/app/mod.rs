//! Runs one command: the glue between the stages, the error printer and exit codes.
//!
//! Exit codes: 0 success, 1 bad input (values, files, flags' contents, lint findings)
//! or an internal error, 2 bad usage (unknown flag, missing argument). Output is
//! produced in full before anything is written, so stdout is empty whenever a command
//! fails. (`diff --exit-code` exits 1 after printing its report, as `git diff
//! --exit-code` does: that is not a failure.)

mod produce;

use crate::cli::{
    Cli, Command, DiffArgs, DiffFormat, Format, LintArgs, ManArgs, RenderArgs, ValuesArgs,
    ValuesCommandArgs,
};
use crate::diff::{self, InputError};
use crate::outdir::{self, OutputDirError};
use crate::render::RenderError;
use crate::select::{self, NoMatch};
use crate::terminal::printable;
use crate::validate::Finding;
use crate::values::{self, ValuesError};
use crate::{lint, manual, yaml};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use produce::{Helper, Shown, check_and_produce};
use std::ffi::OsString;
use std::io::{IoSlice, IsTerminal, Write};
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
    // Rendering starts before the arguments are parsed: see `produce`.
    let helper = renders(&args).then(Helper::start);
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Render(args) => render(&args, helper.unwrap_or_else(Helper::start)),
        Command::Lint(args) => return run_lint(&args, helper.unwrap_or_else(Helper::start)),
        Command::Values(args) => show_values(&args).map(Output::from),
        Command::Schema => Ok(schema_text().into()),
        Command::Docs => Ok(crate::docs::values_table().into()),
        Command::Diff(args) => diff(&args),
        Command::Completions(args) => Ok(manual::completions(args.shell).into()),
        Command::Man(args) => man(&args).map(Output::from),
    };
    match result {
        Ok(output) => {
            let code = match write_stdout(&output.pieces) {
                Ok(()) => output.code,
                Err(code) => code,
            };
            keep_until_exit(output);
            code
        }
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

/// Whether the command line asks for a command that renders (`render`, `lint`), which
/// is always the first argument.
fn renders(args: &[OsString]) -> bool {
    args.get(1)
        .is_some_and(|command| command == "render" || command == "lint")
}

fn render(args: &RenderArgs, helper: Helper) -> Result<Output, AppError> {
    let (findings, documents) =
        check_and_produce(&args.values, args.api_profile, Shown::Errors, helper)?;
    let Some(documents) = documents else {
        return Err(AppError::Invalid(findings.errors().cloned().collect()));
    };
    keep_until_exit(findings);
    let mut documents = select::filter(documents?, &args.show_only)?;
    if let Some(dir) = &args.output_dir {
        outdir::write(dir, &documents)?;
        return Ok(String::new().into());
    }
    let pieces = documents
        .iter_mut()
        .map(|doc| std::mem::take(&mut doc.text))
        .collect();
    keep_until_exit(documents);
    Ok(Output {
        pieces,
        code: ExitCode::SUCCESS,
    })
}

/// Lets `value` go without freeing it: for what a command has finished with just
/// before the process exits, which returns all of its memory at once. A large
/// cluster's objects, values and output are tens of thousands of small allocations,
/// many made on other threads; freeing them one by one took 2–3 ms of a 1000-pool
/// render, all of it after the work was done.
fn keep_until_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Everything `render` checks, warnings included, reported in full. Rendering and the
/// self-check count only when the values have no errors (a render of invalid values
/// would only repeat them).
fn run_lint(args: &LintArgs, helper: Helper) -> ExitCode {
    let mut report = lint::Report::new(args.strict);
    match check_and_produce(&args.values, args.api_profile, Shown::All, helper) {
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
        DiffFormat::Markdown => report.markdown(),
        DiffFormat::Text => {
            let no_color = std::env::var_os("NO_COLOR");
            report.text(diff::use_color(
                std::io::stdout().is_terminal(),
                no_color.as_deref(),
            ))
        }
    };
    let code = if args.exit_code && report.differs() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    Ok(Output {
        pieces: vec![text],
        code,
    })
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

/// Hands the pieces to the system a thousand at a time (`writev`): stdout's own buffer
/// would write at every line feed, and one of ours would copy every byte once more.
fn write_all_pieces(out: &mut impl Write, pieces: &[String]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = pieces
        .iter()
        .filter(|piece| !piece.is_empty())
        .map(|piece| IoSlice::new(piece.as_bytes()))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut rest, written),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
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
