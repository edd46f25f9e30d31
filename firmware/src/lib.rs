//! The gateway firmware: the `appliance` program (`src/bin/appliance/`: the
//! sans-I/O core on two network interfaces), [`control`], the codec of
//! its lockstep control protocol, which the twin's firmware driver shares,
//! and [`rules`], the policy's IPS rule files as the program reads them.

#![forbid(unsafe_code)]

pub mod control;
pub mod rules;
