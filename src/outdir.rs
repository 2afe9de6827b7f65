//! `render --output-dir DIR`: one file per object, replacing DIR as a whole.
//!
//! The new tree is written into a staging directory next to DIR (same filesystem, so
//! renames are atomic) and swapped in only when every file is on disk: a run that
//! fails at any point leaves the previous DIR exactly as it was. Files of objects that
//! are no longer rendered disappear with the old tree, so DIR always equals the stream.
//!
//! DIR also gets a `kustomization.yaml` that lists every file, written and replaced with
//! them: the file names carry the pool templates' content hashes, so a list kept by hand
//! would break at every rollout. `kubectl apply -k DIR` applies the stream; a user's
//! patches live in an overlay that lists DIR as a resource.

use crate::output::Emitted;
use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// How every file capkv writes begins; DIR is only replaced when all its files do, so
/// that a mistyped `--output-dir` never deletes someone else's directory.
const FRAME: &[u8] = b"---\n# Source: ";

/// The kustomization capkv writes into DIR, and how it begins (so that it counts as
/// capkv's own file when DIR is next replaced).
pub const KUSTOMIZATION: &str = "kustomization.yaml";
const KUSTOMIZATION_HEAD: &str = "# Written by capkv render --output-dir, replaced on every run: do not edit.\n\
# Put your own resources and patches in an overlay whose kustomization lists this\n\
# directory under resources.\n";

#[derive(Debug, thiserror::Error)]
#[error("--output-dir {}: {message}", path.display())]
pub struct OutputDirError {
    path: PathBuf,
    message: String,
}

/// The file name of a document: `<kind-lowercase>-<name>.yaml`.
pub fn file_name(doc: &Emitted) -> String {
    format!("{}-{}.yaml", doc.kind().to_lowercase(), doc.name())
}

pub fn write(dir: &Path, documents: &[Emitted]) -> Result<(), OutputDirError> {
    let fail = |message: String| OutputDirError {
        path: dir.to_owned(),
        message,
    };
    let files = files(documents).map_err(&fail)?;
    let existing = check_replaceable(dir).map_err(&fail)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| fail(format!("cannot create its parent: {e}")))?;
    let staging = tempfile::Builder::new()
        .prefix(".capkv-")
        .tempdir_in(&parent)
        .map_err(|e| fail(format!("cannot create a staging directory: {e}")))?;
    let tree = staging.path().join("new");
    // A plain create_dir gives the new tree the usual permissions (umask), unlike the
    // private staging directory around it.
    fs::create_dir(&tree).map_err(|e| fail(format!("cannot write: {e}")))?;
    for (name, content) in &files {
        write_file(&tree.join(name), content)
            .map_err(|e| fail(format!("cannot write {name}: {e}")))?;
    }
    let previous = staging.path().join("previous");
    if existing {
        fs::rename(dir, &previous)
            .map_err(|e| fail(format!("cannot move the previous tree aside: {e}")))?;
        // A file may have appeared in DIR since it was checked: the tree aside is what
        // would be deleted, so it is checked again, and put back if it is not all ours.
        if let Err(message) = only_capkvs_files(&previous) {
            return Err(match fs::rename(&previous, dir) {
                Ok(()) => fail(format!("{message} (it appeared while capkv ran)")),
                Err(restore) => {
                    let kept = staging.keep();
                    fail(format!(
                        "{message}; the previous tree could not be moved back ({restore}) and is in {}",
                        kept.join("previous").display()
                    ))
                }
            });
        }
    }
    if let Err(err) = fs::rename(&tree, dir) {
        if existing {
            // Put the previous tree back; if even that fails, say where it is.
            if let Err(restore) = fs::rename(&previous, dir) {
                let kept = staging.keep();
                return Err(fail(format!(
                    "cannot move the new tree in ({err}) nor the previous one back ({restore}); the previous tree is in {}",
                    kept.join("previous").display()
                )));
            }
        }
        return Err(fail(format!("cannot move the new tree in: {err}")));
    }
    staging.close().map_err(|e| {
        fail(format!(
            "written, but the previous tree could not be removed: {e}"
        ))
    })
}

/// File names and contents, each file a one-document stream with its `# Source:`.
fn files(documents: &[Emitted]) -> Result<Vec<(String, String)>, String> {
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for doc in documents {
        let name = file_name(doc);
        // Names come from values (a Secret's name, for one): never let one leave DIR.
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!("{name:?} is not a file name"));
        }
        if !seen.insert(name.clone()) {
            return Err(format!("two objects would both be written to {name}"));
        }
        files.push((name, doc.text.clone()));
    }
    let kustomization = kustomization(files.iter().map(|(name, _)| name.as_str()));
    files.push((KUSTOMIZATION.to_owned(), kustomization));
    Ok(files)
}

/// A kustomization listing `names` in stream order.
fn kustomization<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let body = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": names.collect::<Vec<_>>(),
    });
    format!("{KUSTOMIZATION_HEAD}{}", crate::yaml::emit(&body))
}

/// Whether DIR exists; an error when it is something capkv must not replace.
fn check_replaceable(dir: &Path) -> Result<bool, String> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    if !meta.is_dir() {
        return Err("exists and is not a directory".to_owned());
    }
    only_capkvs_files(dir)?;
    Ok(true)
}

/// An error naming the first entry of `dir` that capkv did not write.
fn only_capkvs_files(dir: &Path) -> Result<(), String> {
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        if !written_by_capkv(&entry.path()) {
            let name = entry.file_name();
            // A kustomization of the user's own would be lost with the old tree: say
            // where it belongs instead.
            let hint = if is_kustomization(&name) {
                "; capkv writes DIR's kustomization.yaml itself: move yours to an overlay directory that lists DIR under resources"
            } else {
                ""
            };
            return Err(format!(
                "holds {}, which capkv did not write; refusing to replace the directory{hint}",
                name.display()
            ));
        }
    }
    Ok(())
}

fn written_by_capkv(path: &Path) -> bool {
    let is_yaml_file = path.extension().is_some_and(|e| e == "yaml")
        && fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    let frame = if path.file_name().is_some_and(|n| n == KUSTOMIZATION) {
        KUSTOMIZATION_HEAD.as_bytes()
    } else {
        FRAME
    };
    let mut head = vec![0; frame.len()];
    is_yaml_file
        && fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
        && head == frame
}

/// The names kustomize looks for in a directory.
fn is_kustomization(name: &std::ffi::OsStr) -> bool {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|k| name == *k)
}

fn write_file(path: &Path, content: &str) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(content.as_bytes())?;
    // On disk before the swap: a crash right after it must not leave empty files.
    file.sync_all()
}
