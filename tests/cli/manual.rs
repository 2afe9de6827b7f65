//! Completions and man pages come from the clap definitions.

use crate::support::capkv;

#[test]
fn completions_know_every_subcommand_and_flag() {
    for (shell, marker) in [
        ("bash", "_capkv()"),
        ("zsh", "#compdef capkv"),
        ("fish", "complete -c capkv"),
    ] {
        let script = capkv(&["completions", shell]).success();
        assert!(script.contains(marker), "{shell}:\n{script}");
        for word in [
            "render",
            "diff",
            "completions",
            "output-dir",
            "show-only",
            "exit-code",
        ] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    capkv(&["completions", "tcsh"]).assert_fails(2, "tcsh");
}

#[test]
fn man_pages_for_capkv_and_each_subcommand() {
    let main = capkv(&["man"]).success();
    assert!(main.contains(".TH capkv 1"), "{main}");
    for subcommand in ["render", "values", "diff", "completions"] {
        assert!(main.contains(subcommand), "main page lists {subcommand}");
    }
    let render = capkv(&["man", "render"]).success();
    assert!(render.contains(".TH capkv-render 1"), "{render}");
    // roff escapes dashes in option names.
    assert!(
        render.contains("output\\-dir") && render.contains("show\\-only"),
        "{render}"
    );
    let diff = capkv(&["man", "diff"]).success();
    assert!(
        diff.contains("exit\\-code") && diff.contains("markdown"),
        "{diff}"
    );
    capkv(&["man", "deploy"]).assert_fails(
        2,
        "no subcommand \"deploy\"; one of: render, lint, values, schema, docs, diff",
    );
}

/// Subcommands are defined only when they run (`defer`): each must still describe
/// itself, not with the description of the flags it shares with others.
#[test]
fn every_subcommand_keeps_its_own_description() {
    let described = [
        (
            "render",
            "Print the cluster's objects as one multi-document YAML stream",
        ),
        ("lint", "Check the values and the rendered objects"),
        ("values", "Print the merged values"),
        ("diff", "Compare two rendered streams"),
    ];
    let overview = capkv(&["--help"]).success();
    let zsh = capkv(&["completions", "zsh"]).success();
    for (subcommand, description) in described {
        assert!(overview.contains(description), "{overview}");
        let help = capkv(&[subcommand, "--help"]).success();
        assert!(help.starts_with(description), "{subcommand}:\n{help}");
        let page = capkv(&["man", subcommand]).success();
        // roff escapes dashes and apostrophes.
        let in_roff = description.replace('-', "\\-").replace('\'', "\\*(Aq");
        assert!(
            page.contains(&format!("capkv\\-{subcommand} \\- {in_roff}")),
            "{page}"
        );
        let in_zsh = description.replace('\'', "'\\''");
        assert!(zsh.contains(&format!("'{subcommand}:{in_zsh}")), "{zsh}");
    }
    assert!(!zsh.contains("The values flags"), "{zsh}");
}
