//! The twin's integration tests: whole worlds built from scenarios written in
//! Rust, run on the virtual clock.

mod world;
