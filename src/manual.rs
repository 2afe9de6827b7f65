//! Shell completions and man pages, generated from the clap definitions so that they
//! can never drift from the real flags.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

pub fn completions(shell: Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "capkv", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The man page of capkv, or of one subcommand (`capkv-render(1)`); `None` when there
/// is no such subcommand.
pub fn man_page(subcommand: Option<&str>) -> Option<String> {
    let mut command = Cli::command();
    // Building names subcommands `capkv-render` etc., the usual man page titles.
    command.build();
    let source = format!("capkv {}", command.get_version().unwrap_or_default());
    let page = match subcommand {
        None => command,
        Some(name) => command.find_subcommand(name)?.clone(),
    };
    let mut out = Vec::new();
    // Rendering into memory cannot fail.
    clap_mangen::Man::new(page)
        .source(source)
        .render(&mut out)
        .ok()?;
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The names `man_page` accepts, for the error message of a wrong one.
pub fn subcommand_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect()
}
