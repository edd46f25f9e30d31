//! The raw shapes of a scenario's `mail:` section (validated in
//! `load::mail`).

use super::JstTime;
use crate::duration::HumanDuration;
use serde::Deserialize;

/// `mail:`: the office's own mail server, the staff's mail programs and
/// the messages sent at fixed times.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMail {
    #[serde(default)]
    pub office_server: Option<RawOfficeServer>,
    #[serde(default)]
    pub clients: Vec<RawClient>,
    #[serde(default)]
    pub send: Vec<RawSend>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOfficeServer {
    pub host: String,
    pub name: String,
    pub domain: String,
    pub mailboxes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClient {
    pub host: String,
    pub address: String,
    #[serde(default = "default_password")]
    pub password: String,
    #[serde(default)]
    pub check_every: Option<HumanDuration>,
}

fn default_password() -> String {
    "password".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSend {
    pub at: JstTime,
    pub from: String,
    pub to: String,
    pub mail: String,
    #[serde(default)]
    pub note: Option<String>,
}
