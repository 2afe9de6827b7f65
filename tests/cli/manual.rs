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

/// What the bash completion script offers for the words of a command line (the last
/// one being completed), run the way bash runs a `complete -F` function: COMP_WORDS,
/// COMP_CWORD and the arguments command, word, previous word; in a directory holding
/// `old.yaml` and `new.yaml`. Nothing offered (an empty list) would make bash fall back
/// to file names (`complete -o default`); one empty word keeps the word as typed.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("old.yaml"), "").expect("old.yaml");
    std::fs::write(dir.path().join("new.yaml"), "").expect("new.yaml");
    let script_dir = tempfile::tempdir().expect("temp dir");
    let script = script_dir.path().join("capkv.bash");
    std::fs::write(&script, capkv(&["completions", "bash"]).success()).expect("script");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\n_capkv capkv '{}' '{}' 2>/dev/null\nfor word in \"${{COMPREPLY[@]}}\"; do printf '[%s]\\n' \"$word\"; done",
        script.display(),
        quoted.join(" "),
        words[cword],
        words[cword - 1],
    );
    let output = std::process::Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(program)
        .current_dir(dir.path())
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{output:?}");
    let mut offered: Vec<String> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            line.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned()
        })
        .collect();
    offered.sort();
    offered
}

#[test]
fn bash_completes_man_pages_flag_values_and_diff_files() {
    let files = ["new.yaml", "old.yaml"];
    // `capkv man <TAB>`: the subcommands, never files.
    let man = bash_completes(&["capkv", "man", ""]);
    for subcommand in ["render", "lint", "diff", "prune", "completions"] {
        assert!(man.contains(&subcommand.to_owned()), "{man:?}");
    }
    assert!(!man.iter().any(|w| files.contains(&w.as_str())), "{man:?}");
    assert_eq!(bash_completes(&["capkv", "man", "pr"]), ["prune"]);
    // A namespace, a --show-only filter or a --set expression is no file: the word
    // stays as typed.
    for flag in ["-n", "--namespace", "--show-only", "--set"] {
        assert_eq!(
            bash_completes(&["capkv", "render", flag, ""]),
            [""],
            "{flag}"
        );
        assert_eq!(
            bash_completes(&["capkv", "render", flag, "ol"]),
            ["ol"],
            "{flag}"
        );
    }
    assert_eq!(bash_completes(&["capkv", "prune", "-n", "ol"]), ["ol"]);
    // `capkv diff <TAB>`: OLD and NEW are files (an empty word used to get every flag,
    // so bash inserted their common prefix `-`).
    assert_eq!(bash_completes(&["capkv", "diff", ""]), files);
    assert_eq!(bash_completes(&["capkv", "diff", "old.yaml", ""]), files);
    assert_eq!(bash_completes(&["capkv", "diff", "o"]), ["old.yaml"]);
    assert!(bash_completes(&["capkv", "diff", "--"]).contains(&"--max-chars".to_owned()));
    assert_eq!(
        bash_completes(&["capkv", "diff", "-o", ""]),
        ["markdown", "text"]
    );
    // Values files still complete to files.
    assert_eq!(bash_completes(&["capkv", "render", "-f", ""]), files);
}
