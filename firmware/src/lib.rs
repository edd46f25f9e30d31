//! The gateway firmware: the `appliance` program (`src/bin/appliance/`: the
//! sans-I/O core on two network interfaces) and [`control`], the codec of
//! its lockstep control protocol, which the twin's firmware driver shares.

#![forbid(unsafe_code)]

pub mod control;
