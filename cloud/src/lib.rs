//! The service's cloud: what NTT's side does with a gateway's events.
//!
//! The box produces events; the cloud stores, ages, reports and shows them.
//! - [`store`]: the log store (SQLite), its statistics and retention.
//! - [`report`]: the monthly report, its renderers and its mail.
//! - [`console`]: the management console (axum + minijinja).
//! - [`endpoint`]: what the endpoint agents (seed 002) report.
//! - [`app_security`]: Cloud App Security (seed 003): the office's cloud
//!   mail and storage scanned through the services' APIs, and its report.
//! - [`labels`]: every word of the report and the console, ja and en, and
//!   the one [`Lang`].
//! - [`service`]: [`Service`], the cloud of one gateway on a driver's clock
//!   (recording, uptime, retention, the monthly report mail).

#[macro_use]
mod codes;

pub mod app_security;
pub mod console;
pub mod endpoint;
pub mod labels;
pub mod report;
pub mod service;
pub mod store;

pub use labels::Lang;
pub use service::Service;
