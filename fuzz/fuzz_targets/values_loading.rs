//! Any bytes as a values file, through the whole values stage (YAML reading, merging
//! over the built-in defaults, typing): an error is fine, a panic is a bug.
#![no_main]

use capkv::values::{Sources, load};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile_in_memory() else {
        return;
    };
    if file.1.write_all(data).is_err() {
        return;
    }
    let sources = Sources {
        files: vec![file.0.clone()],
        ..Sources::default()
    };
    let _ = load(&sources);
    let _ = std::fs::remove_file(&file.0);
});

/// A per-process scratch file (the values stage reads files by name).
fn tempfile_in_memory() -> std::io::Result<(String, std::fs::File)> {
    let path = std::env::temp_dir().join(format!("capkv-fuzz-{}.yaml", std::process::id()));
    let file = std::fs::File::create(&path)?;
    Ok((path.to_string_lossy().into_owned(), file))
}
