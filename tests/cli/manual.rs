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
