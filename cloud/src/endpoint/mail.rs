//! The endpoint report mail.
