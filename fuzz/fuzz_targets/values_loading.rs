//! Any bytes as a values file, through the whole values stage (YAML reading, merging
//! over the built-in defaults, typing into the values types) and, for values that pass
//! every check, through rendering: an error of the values is fine; a panic, or a
//! render error (an internal error) for values that passed, is a bug.
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
    let loaded = load(&sources);
    let _ = std::fs::remove_file(&file.0);
    let Ok((_, values)) = loaded else {
        return;
    };
    let Ok(cluster) = capkv::validate::cluster_name(&values, Some("fuzz")) else {
        return;
    };
    if capkv::validate::check(&values, cluster, "default").has_errors() {
        return;
    }
    if let Err(err) = capkv::render::Renderer::default().render(&values, cluster, "default") {
        panic!("values that passed every check do not render: {err}");
    }
});

/// A per-process scratch file (the values stage reads files by name).
fn tempfile_in_memory() -> std::io::Result<(String, std::fs::File)> {
    let path = std::env::temp_dir().join(format!("capkv-fuzz-{}.yaml", std::process::id()));
    let file = std::fs::File::create(&path)?;
    Ok((path.to_string_lossy().into_owned(), file))
}
