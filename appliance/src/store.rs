//! The log store: the only module that touches SQLite.
//!
//! The gateway itself never writes logs; its driver (the twin, the appliance
//! binary, pcap replay) hands the events the gateway produced to a [`LogStore`].

use crate::event::Event;

/// Where events are kept. SQLite is the embedded default; the same schema is
/// meant to target PostgreSQL at fleet scale, hence the trait.
pub trait LogStore {
    /// Appends events, in order, durably.
    fn record(&mut self, events: &[Event]) -> Result<(), StoreError>;
}

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("log store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("log store: {0}")]
    Io(#[from] std::io::Error),
}
