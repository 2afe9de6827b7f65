//! Embeds every template under `templates/` in the binary: writes
//! `$OUT_DIR/templates.rs`, a slice of `(name, source)` pairs sorted by name, where the
//! name is the path below `templates/` (`workload/csi-node.yaml`).

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=values.yaml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut table = String::from("&[\n");
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .expect("a template lies under templates/")
            .to_str()
            .expect("template paths are UTF-8")
            .replace('\\', "/");
        table.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            file.to_str().expect("template paths are UTF-8")
        ));
    }
    table.push(']');
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("templates.rs"), table).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("templates/ is readable") {
        let path = entry.expect("templates/ is readable").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "yaml") {
            files.push(path);
        }
    }
}
