//! The log store: the only module that touches SQLite.
