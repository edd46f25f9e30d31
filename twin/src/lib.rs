//! The virtual office and the simulated internet around the gateway.
pub mod model;
pub mod load;
pub mod duration;
pub mod catalog;
