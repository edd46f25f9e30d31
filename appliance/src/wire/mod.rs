//! Frames, flows and TCP reassembly, through checked views over bytes.
//!
//! Everything here treats its input as hostile: parsing goes through
//! smoltcp's `new_checked` views and checksum verification, and the outcome of
//! a malformed frame is a value ([`frame::Malformed`]), never a panic.

pub mod checksum;
pub mod flow;
pub mod forge;
pub mod frame;
pub mod port;
pub mod reassembly;
pub mod seq;

pub use flow::{FlowKey, FlowTable, Proto};
pub use frame::{Malformed, Parsed, parse};
pub use port::Port;
pub use reassembly::Reassembler;
