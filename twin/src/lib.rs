//! The virtual office and the simulated internet around the gateway.
pub mod actor;
pub mod attach;
pub mod capture;
pub mod catalog;
pub mod clock;
pub mod demo;
pub mod deploy;
pub mod dns;
pub mod duration;
pub mod endpoint;
pub mod frame;
pub mod host;
pub mod internet;
pub mod jitter;
pub mod link;
pub mod load;
pub mod mail;
pub mod mail_net;
pub mod mail_proto;
pub mod model;
pub mod ntp;
pub mod peer;
pub mod saas;
pub mod scripted;
pub mod smtp_data;
pub mod tls;
pub mod tun;
pub mod web;
pub mod world;

pub use world::{
    ALERT_RELAY_DELAY, HttpExchange, Outcome, StoredMail, World, WorldError, WorldOptions,
    WorldStats,
};
