//! TUN mode: the twin on real kernel interfaces, inside network namespaces
//! it creates for itself (Linux only, needs CAP_NET_ADMIN and CAP_SYS_ADMIN).
//!
//! - [`netns`]: namespaces held by descriptors only, TAP devices, the
//!   containment checks (no route may lead out of the twin's namespaces).
//! - [`real_host`]: office hosts played by real programs (`officetwin exec`),
//!   run on the wall clock.
//! - [`firmware`]: a gateway build running as its own process on two TAP
//!   ports, driven in lockstep with the world's clock.
//! - [`affinity`]: the firmware and the thread driving it on one core.
//! - [`policy`]: the policy, intel and rule files it is given, cut from the
//!   scenario and proven to give the configuration the twin loaded.
pub mod affinity;
pub mod firmware;
pub mod netns;
pub mod policy;
pub mod real_host;

/// The lockstep control protocol's codec, as the twin speaks it to a
/// firmware build: the harness reads it from here (its fuzz target among
/// others) and never imports the firmware crate itself.
pub use ::firmware::control;
