//! Integration tests: every test runs the real `capkv` binary.

mod controllers;
mod docs;
mod errors;
mod hashing;
mod render;
mod support;
mod values;
