//! Rebuild when the scenarios change: `Catalog::embedded` bakes them in with
//! `include_dir!`, which does not notice added or removed files by itself.

fn main() {
    println!("cargo:rerun-if-changed=../scenarios");
}
