//! The gateway ("firmware") of officetwin: a sans-I/O UTM core.
//!
//! Frames and time go in through [`Gateway::handle`] and [`Gateway::poll`];
//! frames to emit, events (detections, policy hits) and alerts come out in
//! [`Actions`]. Nothing in this crate reads the wall clock, a global RNG, a
//! socket or a file, except [`store`], the one module that touches SQLite,
//! and it is driven by the caller, not by the gateway.

pub mod access;
pub mod alert;
pub mod config;
pub mod event;
pub mod gateway;
pub mod hash;
pub mod inspect;
pub mod intel;
pub mod policy;
pub mod proto;
pub mod proxy;
pub mod reason;
pub mod report;
pub mod store;
pub mod time;
pub mod wire;

pub use access::AccessRecord;
pub use config::Config;
pub use event::{Action, Engine, Event};
pub use gateway::{Actions, Gateway, Port};
pub use intel::{FrozenIntel, Intel};
pub use reason::Reason;
pub use time::Instant;
