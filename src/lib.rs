//! capkv: values.yaml → every object of a Cluster API + Kamaji workload cluster on vSphere.
//!
//! Stages: [`cli`] → [`values`] (load, merge, type) → [`validate`] → [`render`] →
//! [`selfcheck`] → [`output`] (or [`select`] and [`outdir`]). `capkv lint` runs the same
//! stages and reports every finding; [`diff`] compares two rendered streams.

pub mod cli;
pub mod diff;
pub mod docs;
pub mod editor_schema;
pub mod http_url;
mod ini;
pub mod input;
pub mod manual;
pub mod names;
pub mod node_labels;
pub mod object_names;
pub mod outdir;
pub mod output;
pub mod prune;
pub mod render;
pub mod schema;
pub mod select;
pub mod selfcheck;
pub mod terminal;
pub mod validate;
pub mod values;
pub mod yaml;

mod app;
mod lint;

pub use app::run;
