//! capkv: values.yaml → every object of a Cluster API + Kamaji workload cluster on vSphere.
//!
//! Stages: [`cli`] → [`values`] (load, merge, type) → [`validate`] → [`render`] →
//! [`selfcheck`] → [`output`]. `capkv lint` runs the same stages and reports every finding.

pub mod cli;
pub mod names;
pub mod output;
pub mod render;
pub mod schema;
pub mod selfcheck;
pub mod validate;
pub mod values;
pub mod yaml;

mod app;
mod lint;

pub use app::run;
