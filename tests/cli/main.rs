//! Integration tests: every test runs the real `capkv` binary.

mod argocd;
mod autoscaler;
mod chart_releases;
mod consumers;
mod controllers;
mod diff;
mod docs;
mod errors;
mod failure_domains;
mod hashing;
mod health_check;
mod hostile;
mod lint;
mod manual;
mod migration;
mod output_dir;
mod pool_versions;
mod readme;
mod render;
mod rollout;
mod rules;
mod security;
mod show_only;
mod strict_input;
mod support;
mod values;
