//! A download's body scanned as it streams, for responses whose every
//! reading is known once the head is in (`streamable`): one head reading,
//! no content coding, at most one length. Their readings are the body as
//! it came and, when chunked, the body de-chunked; each is fed to its own
//! [`StreamScan`] and forgotten, so such a download holds no body (a
//! container is the exception: its scanner holds it, as reading it needs
//! all of it). The verdict is the one the held path (`download.rs`,
//! `http_response::response_views` and a whole scan per reading) gives on
//! the same bytes: same readings, in the same order.
//!
//! Every other response (evasions: several head readings, junk before the
//! status line, codings, several lengths) is held and read every way.

use crate::inspect::anti_malware::{ScanReport, Scanner, stream::StreamScan};
use crate::proto::http_response::{self, Dechunker, Head, Located, framing};

/// Whether the response whose first bytes are `response` (its head read
/// as `head`, the framing's reading) can be streamed: `response` holds the
/// whole window a head is read from, so no later byte adds a reading.
pub(super) fn streamable(response: &[u8], head: &Head) -> bool {
    if response.len() < head.start + http_response::head::MAX_HEAD
        || head.start > http_response::head::CHROMIUM_SLOP
        || head.bodiless()
    {
        return false;
    }
    let Located::Heads(heads) = http_response::locate(response, true) else {
        return false;
    };
    if heads.len() != 1 || heads.first() != Some(head) {
        return false;
    }
    if http_response::declared_codings(head).1 {
        return false;
    }
    let lengths = framing::content_lengths(head).len();
    if framing::chunked(head) {
        lengths == 0
    } else {
        lengths <= 1
    }
}

/// The readings of one streamed body and their scanners.
pub(super) struct StreamedBody {
    /// The body as it came.
    raw: StreamScan,
    /// Chunked: the body de-chunked, and whether every browser reads it
    /// chunked (then the raw reading counts only if the chunks break).
    dechunked: Option<(Dechunker, StreamScan, bool)>,
    /// De-chunked bytes of the segment at hand.
    scratch: Vec<u8>,
}

impl StreamedBody {
    /// The scanners of the body after `head`, for the file `name`, each
    /// reading cut at `limit` bytes.
    pub(super) fn new(head: &Head, name: &str, limit: usize) -> StreamedBody {
        let dechunked = framing::chunked(head).then(|| {
            (
                Dechunker::new(),
                StreamScan::new(name, limit),
                framing::surely_chunked(head),
            )
        });
        StreamedBody {
            raw: StreamScan::new(name, limit),
            dechunked,
            scratch: Vec::new(),
        }
    }

    /// Heap bytes held.
    pub(super) fn held_bytes(&self) -> usize {
        self.raw.held_bytes()
            + self.scratch.capacity()
            + self
                .dechunked
                .as_ref()
                .map_or(0, |(_, scan, _)| scan.held_bytes())
    }

    /// The body's next bytes.
    pub(super) fn feed(&mut self, scanner: &Scanner, bytes: &[u8], limit: usize) {
        self.raw.feed(scanner, bytes);
        if let Some((dechunker, scan, _)) = &mut self.dechunked {
            self.scratch.clear();
            let room = limit.saturating_sub(scan.len());
            dechunker.feed(bytes, Some(&mut self.scratch), room);
            scan.feed(scanner, &self.scratch);
        }
    }

    /// The reports of each reading a browser might save, in the held
    /// path's order (de-chunked first), empty readings left out.
    pub(super) fn finish(self, scanner: &Scanner) -> Vec<ScanReport> {
        let mut reports = Vec::new();
        let mut raw_counts = true;
        if let Some((dechunker, scan, surely)) = self.dechunked {
            raw_counts = !surely || !dechunker.holds();
            if !scan.is_empty() {
                reports.push(scan.finish(scanner));
            }
        }
        if raw_counts && !self.raw.is_empty() {
            reports.push(self.raw.finish(scanner));
        }
        reports
    }
}
