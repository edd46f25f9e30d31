//! Application protocols parsed from reassembled streams.
