//! `capkv diff OLD NEW`: what changes between two rendered streams, and what CAPI,
//! CAPV and Kamaji will do about it (roll, scale, upgrade, accept, reject).
//!
//! Stages: [`stream`] (parse, key objects) → [`hub`] (each object as CAPI stores it)
//! → [`rollout`] (pools, template pairs; with [`scaling`], [`rollout_after`],
//! [`renames`]), [`control_plane`], [`upgrade`] (warnings), [`immutable`] and
//! [`resource_sets`] (rejected, ignored or accepted changes); [`objects`] (diffs of the
//! streams as written, with [`secret`] values hidden) → [`text`] or [`markdown`].

mod control_plane;
mod fields;
mod hub;
mod immutable;
mod markdown;
mod objects;
mod renames;
mod resource_sets;
mod rollout;
mod rollout_after;
mod scaling;
mod secret;
mod stream;
mod text;
mod upgrade;

pub use stream::{ObjectId, Stream, StreamError};
pub use text::use_color;

use control_plane::ControlPlane;
use immutable::Problem;
use objects::{Change, ObjectChange};
use rollout::Pool;

/// Everything `capkv diff` reports about two streams.
#[derive(Debug)]
pub struct Report {
    pools: Vec<Pool>,
    /// KamajiControlPlanes present on both sides.
    control_planes: Vec<ControlPlane>,
    problems: Vec<Problem>,
    /// Upgrades that will not go as the version change suggests.
    warnings: Vec<String>,
    objects: Vec<ObjectChange>,
}

impl Report {
    pub fn new(old: &Stream, new: &Stream) -> Report {
        let (stored_old, stored_new) = (hub::stream(old), hub::stream(new));
        let (pools, replacements) = rollout::pools(&stored_old, &stored_new);
        let control_planes = control_plane::control_planes(&stored_old, &stored_new);
        Report {
            warnings: upgrade::warnings(&pools, &control_planes),
            pools,
            control_planes,
            problems: immutable::problems(&stored_old, &stored_new)
                .into_iter()
                .chain(resource_sets::problems(&stored_old, &stored_new))
                .collect(),
            objects: objects::compare(old, new, &replacements),
        }
    }

    /// The problems of one outcome, in report order.
    fn problems_of(&self, outcome: immutable::Outcome) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| p.outcome == outcome)
            .collect()
    }

    /// Whether any object was added, removed or changed.
    pub fn differs(&self) -> bool {
        !self.objects.is_empty()
    }

    pub fn text(&self, color: bool) -> String {
        text::render(self, color)
    }

    /// The pull-request comment, at most `max_chars` characters when the pools, the
    /// problems and one line per object fit (object diffs are left out first).
    pub fn markdown(&self, max_chars: usize) -> String {
        markdown::render(self, max_chars)
    }
}

/// An input that could not be read or is not a stream of objects.
#[derive(Debug, thiserror::Error)]
#[error("{input}: {message}")]
pub struct InputError {
    input: String,
    message: String,
}

/// Reads and parses one side: a file, or standard input for `-`.
pub fn read(path: &str) -> Result<Stream, InputError> {
    let error = |input: &str, message: String| InputError {
        input: input.to_owned(),
        message,
    };
    let input = if path == "-" { "standard input" } else { path };
    let text = crate::input::read_text(path, crate::input::STREAM_LIMIT)
        .map_err(|e| error(input, format!("cannot read: {e}")))?;
    Stream::parse(&text).map_err(|e| error(input, e.to_string()))
}

/// `1 added, 2 changed`: only the kinds of change that occur.
fn count_summary(changes: &[ObjectChange]) -> String {
    [Change::Added, Change::Removed, Change::Changed]
        .into_iter()
        .filter_map(|kind| {
            let n = changes.iter().filter(|c| c.change == kind).count();
            (n > 0).then(|| format!("{n} {}", kind.label()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` (replaces x)` / ` (replaced by y)` for templates swapped by a rollout.
fn counterpart_note(change: &ObjectChange) -> String {
    match (&change.counterpart, change.change) {
        (Some(other), Change::Added) => format!(" (replaces {})", other.name),
        (Some(other), _) => format!(" (replaced by {})", other.name),
        (None, _) => String::new(),
    }
}
