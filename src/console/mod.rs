//! The `console` and `demo` subcommands around the cloud's console
//! ([`cloud::console`]): served on a scenario's live twin ([`crate::live`])
//! or on a saved log store, and the headless browser that drives it.
//!
//! - [`launch`]: a scenario's live twin or a log store, ready to serve.
//! - [`cli`]: the two subcommands.
//! - [`browser`]: headless Chromium over WebDriver (browser features,
//!   screenshots).

pub mod browser;
pub mod cli;
pub mod launch;
