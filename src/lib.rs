//! capkv: values.yaml → every object of a Cluster API + Kamaji workload cluster on vSphere.
//!
//! Stages: [`cli`] → [`values`] (load, merge, type) → [`validate`] → [`render`] → [`output`].

pub mod cli;
pub mod docs;
pub mod output;
pub mod render;
pub mod schema;
pub mod validate;
pub mod values;
pub mod yaml;

mod app;

pub use app::run;
