//! The gateway ("firmware") of officetwin: a sans-I/O UTM core.
//!
//! Frames and time go in through [`Gateway::handle`] and [`Gateway::poll`];
//! frames to emit, events (detections, policy hits) and alerts come out in
//! [`Actions`]. Nothing in this crate reads the wall clock, a global RNG, a
//! socket or a file: the events go to the caller (the cloud's log store is
//! the `cloud` crate's).

#![forbid(unsafe_code)]

pub mod access;
pub mod alert;
pub mod config;
pub mod engine;
pub mod event;
pub mod gateway;
pub mod hash;
pub mod inspect;
pub mod intel;
pub mod labels;
pub mod policy;
pub mod proto;
pub mod proxy;
pub mod reason;
pub mod time;
pub mod wire;
pub mod yaml_guard;

pub use access::AccessRecord;
pub use config::Config;
pub use event::{Action, Engine, Event};
pub use gateway::{Actions, Gateway};
pub use intel::{FrozenIntel, Intel};
pub use reason::Reason;
pub use time::Instant;
pub use wire::Port;
