//! Integration tests: every test runs the real `capkv` binary.

mod argocd;
mod diff;
mod manual;
mod errors;
mod hashing;
mod output_dir;
mod readme;
mod render;
mod show_only;
mod support;
mod values;
