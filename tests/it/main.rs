//! The root package's integration tests (the features have their own
//! cucumber runner, `features/main.rs`): the programs as a user runs them.

mod readme;
