//! Integration tests: every test runs the real `capkv` binary.

mod controllers;
mod errors;
mod hashing;
mod lint;
mod render;
mod rules;
mod support;
mod values;
