//! The twin's integration tests: whole worlds built from scenarios written in
//! Rust or loaded from `scenarios/`, run on the virtual clock.

mod cloud_apps;
mod demo;
mod endpoint;
mod firmware_policy;
mod hostile;
mod load;
mod mail;
mod mail_off;
mod periodic;
mod scenario_readme;
mod spine;
mod tun;
mod world;
