//! The anti-malware and mail security tabs' settings; they live in
//! `config::mail`, named here too for callers of the old path.

pub use crate::config::mail::*;
