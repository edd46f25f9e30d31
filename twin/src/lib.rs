//! The virtual office and the simulated internet around the gateway.
pub mod model;
