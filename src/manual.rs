//! Shell completions and man pages, generated from the clap definitions so that they
//! can never drift from the real flags.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

pub fn completions(shell: Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "capkv", &mut out);
    let script = String::from_utf8_lossy(&out).into_owned();
    if shell == Shell::Bash {
        bash_diff_completes_files(&script)
    } else {
        script
    }
}

/// clap's bash script completes a positional argument only by its possible values:
/// for `diff OLD NEW` an empty word got every flag, and bash inserted their common
/// prefix `-`. In `diff`'s case, a word that is not a flag completes to file names.
fn bash_diff_completes_files(script: &str) -> String {
    const CASE: &str = "        capkv__subcmd__diff)\n";
    const FLAGS_FIRST: &str = "if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then";
    const FLAGS_LAST: &str = "            COMPREPLY=( $(compgen -W \"${opts}\" -- \"${cur}\") )\n            return 0\n            ;;";
    const FILES: &str = "            COMPREPLY=( $(compgen -f -- \"${cur}\") )\n            if [[ \"${BASH_VERSINFO[0]}\" -ge 4 ]]; then\n                compopt -o filenames\n            fi\n            return 0\n            ;;";
    let Some(start) = script.find(CASE) else {
        return script.to_owned();
    };
    let Some(len) = script[start..]
        .find(FLAGS_LAST)
        .map(|i| i + FLAGS_LAST.len())
    else {
        return script.to_owned();
    };
    let case = script[start..start + len]
        .replacen(FLAGS_FIRST, "if [[ ${cur} == -* ]] ; then", 1)
        .replacen(FLAGS_LAST, FILES, 1);
    format!("{}{case}{}", &script[..start], &script[start + len..])
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

#[cfg(test)]
mod tests {
    #[test]
    fn man_offers_every_subcommand_to_completions() {
        assert_eq!(crate::cli::SUBCOMMANDS, super::subcommand_names());
    }
}
