//! officetwin: the command line and the cucumber harness around the twin.
//!
//! The library half holds what the CLI, the features and the benches share:
//! a [`session::Session`] (a running world plus the service's cloud,
//! [`cloud::Service`]) and the [`summary`] of a run.

pub mod conformance;
pub mod console;
pub mod demo;
pub mod doctor;
pub mod fleet;
pub mod junit;
pub mod live;
pub mod mail_summary;
pub mod netprot;
pub mod pool;
pub mod replay;
pub mod report_cmd;
pub mod session;
pub mod shard;
pub mod summary;
pub mod tun_cmd;
pub mod untrusted;

#[cfg(test)]
mod tidy;
