//! Application protocols, parsed from reassembled streams and datagrams.
//!
//! Parsers here take bytes from the network and return values; they never
//! panic, and "I cannot tell yet" (a partial request) is distinct from "this
//! is not the protocol".

pub mod chunked;
pub mod dns;
pub mod http;
pub mod http_response;
pub mod mime;
pub mod tls;
