//! Command-line interface: flags only; every decision lives in the stages.

use crate::schema::ApiProfile;
use crate::select::Selector;
use crate::values::{SetKind, Sources};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "capkv",
    version,
    about = "Render every object of a Cluster API + Kamaji workload cluster on vSphere from one values.yaml",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Each subcommand's arguments are defined only when it runs (or for help, completions
// and man pages): `render` does not pay for building every other subcommand's arguments.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Print the cluster's objects as one multi-document YAML stream.
    Render(RenderArgs),
    /// Check the values and the rendered objects; print every error and warning.
    Lint(LintArgs),
    /// Print the merged values (validated and typed, or `--raw` as merged).
    Values(ValuesCommandArgs),
    /// Print the JSON Schema (draft-07) of the values, for editors and CI.
    Schema,
    /// Print the Markdown table of every values key (type, default, description).
    Docs,
    /// Compare two rendered streams: changed objects, pools that roll or scale, and
    /// changes CAPI/CAPV would reject.
    Diff(DiffArgs),
    /// List the live VSphereMachineTemplates and KubeadmConfigTemplates nothing needs
    /// any more (capkv deletes nothing).
    ///
    /// Safe to delete: not in the current render, and not referenced by a live
    /// MachineDeployment or MachineSet. An old MachineSet, also one scaled to 0, may be
    /// scaled up again by a rollback, so its templates stay until CAPI deletes it once
    /// the rollout has finished. Fails rather than list anything when FILE looks incomplete
    /// (a Machine without its MachineSet, a MachineDeployment without any).
    #[command(after_long_help = LIVE_HELP)]
    Prune(PruneArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff) of capkv or of one subcommand.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// API generation of the output; overrides the `apiProfile` value.
    #[arg(long, value_enum)]
    pub api_profile: Option<ProfileArg>,
    /// Write one file per object (`<kind>-<name>.yaml`) and a `kustomization.yaml`
    /// listing them into DIR, replacing DIR as a whole, instead of printing the stream.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub output_dir: Option<PathBuf>,
    /// Only the objects of KIND (any case), or the one named NAME; repeatable.
    #[arg(long, value_name = "KIND[/NAME]", value_hint = clap::ValueHint::Other)]
    pub show_only: Vec<Selector>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The stream before the change (a file, or `-` for standard input).
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub old: String,
    /// The stream after the change (a file, or `-` for standard input).
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub new: String,
    /// Report format: `text` for a terminal, `markdown` for a pull-request comment.
    #[arg(short = 'o', long, value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Exit with 1 when the streams differ, 0 when they do not (like `git diff`).
    #[arg(long)]
    pub exit_code: bool,
    /// With `-o markdown`: keep the report under this many characters (GitHub's comment
    /// limit by default), leaving out object diffs, last first, and saying so.
    #[arg(long, value_name = "CHARS", default_value_t = 65_536, value_hint = clap::ValueHint::Other)]
    pub max_chars: usize,
}

/// How to get `prune --live`'s input (also in docs/cli.md).
const LIVE_HELP: &str = "Get the live objects of one cluster with:

  kubectl get -o yaml -n NAMESPACE -l cluster.x-k8s.io/cluster-name=CLUSTER \\
    machinedeployments,machinesets,machines,vspheremachinetemplates,kubeadmconfigtemplates \\
    > live.yaml
  capkv prune -f values.yaml -n NAMESPACE --live live.yaml";

#[derive(Debug, Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// The cluster's live objects as `kubectl get ... -o yaml` prints them (a `List`, or
    /// a multi-document stream; `-` for standard input).
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub live: String,
    /// API generation of the render; overrides the `apiProfile` value (as for `render`:
    /// it changes the templates' names).
    #[arg(long, value_enum)]
    pub api_profile: Option<ProfileArg>,
    /// `names`: `Kind/name` per line; `kubectl`: `kubectl delete` commands; `yaml`: the
    /// objects.
    #[arg(short = 'o', long, value_enum, default_value_t = PruneFormat::Names)]
    pub output: PruneFormat,
    /// Exit with 1 when something is prunable (after printing it), 0 when not.
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PruneFormat {
    Names,
    Kubectl,
    Yaml,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (e.g. `render`); the main page without it.
    #[arg(value_parser = SubcommandName)]
    pub subcommand: Option<String>,
}

/// The subcommands with a man page, in `--help` order (a test keeps it in step).
pub const SUBCOMMANDS: &[&str] = &[
    "render",
    "lint",
    "values",
    "schema",
    "docs",
    "diff",
    "prune",
    "completions",
    "man",
];

/// `man`'s argument: any string (`man` names the valid ones when it is wrong), with the
/// subcommands as its possible values, which is what shell completions offer.
#[derive(Debug, Clone, Copy)]
struct SubcommandName;

impl clap::builder::TypedValueParser for SubcommandName {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            SUBCOMMANDS
                .iter()
                .map(|name| clap::builder::PossibleValue::new(*name)),
        ))
    }
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// API generation to check the output of; overrides the `apiProfile` value.
    #[arg(long, value_enum)]
    pub api_profile: Option<ProfileArg>,
    /// Fail (exit code 1) on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ValuesCommandArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Yaml)]
    pub output: Format,
    /// Print the merged tree before typing and validation (for debugging merges).
    #[arg(long)]
    pub raw: bool,
    /// Print passwords as they are instead of `<redacted>`.
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    /// CAPI/CAPV v1beta2, Kamaji v1alpha2 (current).
    V1beta2,
    /// CAPI/CAPV v1beta1, Kamaji v1alpha1 (the chart's generation).
    V1beta1,
}

impl From<ProfileArg> for ApiProfile {
    fn from(arg: ProfileArg) -> Self {
        match arg {
            ProfileArg::V1beta2 => ApiProfile::V1beta2,
            ProfileArg::V1beta1 => ApiProfile::V1beta1,
        }
    }
}

// The values flags shared by every command that reads values (Helm's names). Flags
// whose value is no file say `ValueHint::Other`, so that completions offer no files. A plain
// comment: clap would make a doc comment the `about` of every subcommand that flattens
// these flags, since subcommands are defined only when they run (`defer` above).
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// Cluster name when `cluster.name` is not set (like Helm's release name).
    pub name: Option<String>,
    /// Values file (repeatable, or comma-separated; `-` reads standard input).
    #[arg(short = 'f', long = "values", value_name = "FILE", value_delimiter = ',', value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<String>,
    /// Set a value: `path=value` (typed: integers, true/false/null).
    #[arg(long = "set", value_name = "PATH=VALUE", value_hint = clap::ValueHint::Other)]
    pub set: Vec<String>,
    /// Set a value, always as a string.
    #[arg(long = "set-string", value_name = "PATH=VALUE", value_hint = clap::ValueHint::Other)]
    pub set_string: Vec<String>,
    /// Set a value from JSON: `path=<json>`.
    #[arg(long = "set-json", value_name = "PATH=JSON", value_hint = clap::ValueHint::Other)]
    pub set_json: Vec<String>,
    /// Set a value to the contents of a file: `path=FILE`.
    #[arg(long = "set-file", value_name = "PATH=FILE")]
    pub set_file: Vec<String>,
    /// Set a value to a literal string (no commas or escapes interpreted).
    #[arg(long = "set-literal", value_name = "PATH=VALUE", value_hint = clap::ValueHint::Other)]
    pub set_literal: Vec<String>,
    /// Use FILE instead of the built-in values.yaml as the defaults layer.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub defaults: Option<String>,
    /// Namespace of the objects.
    #[arg(short = 'n', long, default_value = "default", env = "CAPKV_NAMESPACE", value_hint = clap::ValueHint::Other)]
    pub namespace: String,
}

impl ValuesArgs {
    pub fn sources(&self) -> Sources {
        let kinds = [
            (SetKind::Json, &self.set_json),
            (SetKind::Set, &self.set),
            (SetKind::String, &self.set_string),
            (SetKind::File, &self.set_file),
            (SetKind::Literal, &self.set_literal),
        ];
        Sources {
            defaults: self.defaults.clone(),
            files: self.files.clone(),
            sets: kinds
                .into_iter()
                .flat_map(|(kind, inputs)| inputs.iter().map(move |i| (kind, i.clone())))
                .collect(),
        }
    }
}
