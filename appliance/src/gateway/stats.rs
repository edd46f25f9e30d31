//! The gateway's counters: what it did with the frames it was given.

/// Counters of what the gateway did with frames, for tests and the console.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub frames_in: u64,
    /// Frames passed to the other port unchanged.
    pub forwarded: u64,
    /// Frames refused by the checked parsers (see `wire::frame`), and LAN
    /// SYNs carrying data.
    pub malformed: u64,
    /// IPv4 fragments of TCP, dropped.
    pub tcp_fragments: u64,
    /// Frames of blocked or reset flows, and absorbed retransmissions.
    pub consumed: u64,
    /// Frames the gateway built itself (block pages, RSTs, ACKs).
    pub forged: u64,
    /// Client segments dropped for rewriting bytes already received.
    pub conflicts: u64,
    pub flows_created: u64,
    pub flows_expired: u64,
    pub flows_evicted: u64,
    /// Flows whose client stream is no longer read as HTTP (not HTTP at all,
    /// or over the header/buffer limits): passed as is.
    pub gave_up: u64,
    /// Server responses without a status line (HTTP/0.9, junk): the stream
    /// to its close scanned as the body.
    pub headless_responses: u64,
    /// Response heads that never ended: the stream scanned raw.
    pub unreadable_heads: u64,
    /// Response bodies over the download limit: the bytes held scanned,
    /// the rest of the connection passed.
    pub bodies_over_limit: u64,
    /// Server streams with a gap or rewrite: the rest passed unscanned.
    pub download_gaps: u64,
    /// Interpretations of a body left unscanned by the caps on their
    /// number and size.
    pub views_dropped: u64,
}
