fn main() {
    // Embeds every template at build time so the binary needs no files at run time.
    minijinja_embed::embed_templates!("templates", &[".yaml"]);
    println!("cargo:rerun-if-changed=values.yaml");
}
