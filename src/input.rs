//! Every file capkv reads (values files, `--set-file`, `--defaults`, both `diff` inputs,
//! standard input) is read through [`read_text`]: it stops one byte past its limit,
//! so an endless or growing input (`/dev/zero`, a FIFO, a log being written) ends in
//! an error instead of exhausting memory.

use std::io::Read;

/// A values file, `--defaults` or `--set-file`.
pub const VALUES_LIMIT: u64 = 16 * 1024 * 1024;
/// A rendered stream for `capkv diff` (a 1000-pool cluster is about 3 MiB).
pub const STREAM_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("is larger than the {0}-byte limit")]
    TooLarge(u64),
    #[error("is not UTF-8 text (invalid byte at offset {0})")]
    NotText(usize),
    #[error("is a directory")]
    Directory,
}

/// The UTF-8 text of `path` (`-`: standard input), at most `limit` bytes.
pub fn read_text(path: &str, limit: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin().take(limit + 1).read_to_end(&mut bytes)?;
    } else {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.is_dir() {
            return Err(ReadError::Directory);
        }
        file.take(limit + 1).read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotText(e.utf8_error().valid_up_to()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn an_endless_input_stops_at_the_limit() {
        match read_text("/dev/zero", 1024) {
            Err(ReadError::TooLarge(1024)) => {}
            other => panic!("{other:?}"),
        }
    }
}
