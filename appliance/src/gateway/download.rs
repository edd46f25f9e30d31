//! Anti-malware on HTTP downloads: the server's side of an inspected HTTP
//! flow is reassembled next to the client's, responses are framed (head,
//! Content-Length or chunked, possibly several on one connection) and each
//! complete body is scanned in every interpretation a browser might give it
//! (`proto::http_response`), unless its file name ends in an excluded
//! extension (the profile's `png,gif,jpg,mp3,mp4,avi,mov,wmv`).
//!
//! Server segments are forwarded as they come except the one that
//! completes a body (or closes the connection): it waits for the verdict.
//! Malware: that segment is never forwarded, both ends are reset, the rest
//! of the flow's server side is consumed, and an anti-malware event names
//! the URL, the file and the rule. The client never holds the whole file.
//!
//! Linear time, bounded memory: each segment's bytes are framed once as
//! they arrive (a streaming de-chunker, not the whole buffer again), and a
//! body is decoded and scanned once, when complete. A body is held up to
//! [`MAX_BODY`] (16 MiB, so an 8 MiB download is scanned whole); past it the
//! bytes held are scanned and the rest passes, counted in
//! `Stats::bodies_over_limit`.
//!
//! Nothing turns scanning off silently: a stream with no status line
//! (HTTP/0.9, junk) or a head that never ends is read to its close as a raw
//! stream (`raw_views`) and counted (`Stats::headless_responses`,
//! `Stats::unreadable_heads`); a gap or rewrite in the server's stream is
//! counted in `Stats::download_gaps` before the rest passes.

use super::*;
use crate::event::Engine;
use crate::inspect::anti_malware::{self, FileVerdict};
use crate::proto::http_response::{self, Framer, Head, Located, NoHead};
use crate::reason::Reason;
use std::collections::VecDeque;

/// Largest response (head and body) held for scanning: an 8 MiB download
/// is scanned whole, with room for its chunked framing.
pub(super) const MAX_BODY: usize = 16 * 1024 * 1024;

/// Where the response being read is.
#[derive(Default)]
enum Reading {
    /// Looking for its head.
    #[default]
    Head,
    /// Its head read (the earliest-ending reading frames the body).
    Body {
        head: Head,
        framer: Framer,
        /// Body bytes the framer has read.
        framed: usize,
    },
    /// No head to read: the stream up to its close is the body.
    Raw,
    /// Past the limit: the rest passes, unscanned (counted).
    Pass,
}

#[derive(Default)]
pub(super) struct Downloads {
    /// URLs of requests passed, oldest first, waiting for their responses.
    requests: VecDeque<String>,
    stream: Option<Reassembler>,
    /// The response being read, from its first byte.
    buf: Vec<u8>,
    reading: Reading,
    /// Not read any more (gaps or rewrites in the server's stream).
    off: bool,
    /// A download was blocked: the server's side is consumed.
    blocked: bool,
}

impl Downloads {
    /// A request was let through; its response comes next.
    pub(super) fn note_request(&mut self, request: &http::Request) {
        let target = &request.target;
        let url = if target.starts_with("http://") || target.starts_with("https://") {
            target.clone()
        } else {
            format!("http://{}{}", request.host.as_deref().unwrap_or(""), target)
        };
        if self.requests.len() < 64 {
            self.requests.push_back(url);
        }
    }
}

impl Downloads {
    /// Heap bytes held for the server's stream and the response being read.
    pub(super) fn buffered_bytes(&self) -> usize {
        self.stream.as_ref().map_or(0, Reassembler::capacity) + self.buf.capacity()
    }

    /// The connection is over: buffers freed, nothing more is read.
    pub(super) fn release(&mut self) {
        self.requests = VecDeque::new();
        if let Some(stream) = self.stream.as_mut() {
            stream.release();
        }
        self.buf = Vec::new();
        self.reading = Reading::Pass;
        self.off = true;
    }
}

/// What to do with the server segment at hand.
enum Step {
    Forward,
    Block(Detection),
}

impl Gateway {
    /// A server segment of a flow under HTTP inspection.
    pub(super) fn download_segment(
        &mut self,
        now: Instant,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        dl: &mut Downloads,
        out: &mut Actions,
    ) {
        if dl.blocked {
            self.stats.consumed += 1;
            return;
        }
        if dl.off || !self.config.anti_malware.enabled || (seg.payload.is_empty() && !seg.flags.fin)
        {
            return self.forward(Port::Wan, frame, out);
        }
        let mut logs = Vec::new();
        let step = self.read_responses(seg, dl, &mut logs);
        if logs.is_empty() && matches!(step, Step::Forward) {
            // The common case: nothing to log, no names to format.
            return self.forward(Port::Wan, frame, out);
        }
        let parties = Parties {
            src_ip: packet.dst,
            src_mac: packet.dst_mac.to_string(),
            dst_ip: packet.src,
            dst_port: seg.src_port,
        };
        for d in &logs {
            out.events.push(notify::event(now, d, &parties));
        }
        match step {
            Step::Forward => self.forward(Port::Wan, frame, out),
            Step::Block(d) => {
                dl.blocked = true;
                self.stats.consumed += 1;
                out.events.push(notify::event(now, &d, &parties));
                let from_server = Endpoints::of_segment(packet, seg);
                // The client expects the withheld segment's first byte.
                self.emit_rst(Port::Lan, &from_server, seg.seq, seg.ack, out);
                let server_next = seq::add(seg.seq, seg.seq_len());
                self.emit_rst(
                    Port::Wan,
                    &from_server.reversed(),
                    seg.ack,
                    server_next,
                    out,
                );
            }
        }
    }

    fn read_responses(
        &mut self,
        seg: &TcpSeg<'_>,
        dl: &mut Downloads,
        logs: &mut Vec<Detection>,
    ) -> Step {
        if !seg.payload.is_empty() {
            let stream = dl
                .stream
                .get_or_insert_with(|| Reassembler::new(seg.seq, MAX_STREAM_BUFFER));
            match stream.push(seg.seq, seg.payload) {
                Push::InOrder(_) => {
                    let ready = stream.ready();
                    let n = ready.len();
                    if matches!(dl.reading, Reading::Pass) {
                        stream.consume(n);
                    } else {
                        dl.buf.extend_from_slice(ready);
                        stream.consume(n);
                    }
                }
                Push::Buffered | Push::Duplicate => {}
                Push::Conflict | Push::Overflow | Push::OutOfWindow => {
                    self.stats.download_gaps += 1;
                    dl.off = true;
                    return Step::Forward;
                }
            }
        }
        let closed = seg.flags.fin;
        loop {
            let end = match &mut dl.reading {
                Reading::Pass => {
                    dl.buf.clear();
                    return Step::Forward;
                }
                Reading::Head => {
                    if dl.buf.is_empty() {
                        return Step::Forward;
                    }
                    match http_response::locate(&dl.buf, closed) {
                        Located::NeedMore => return Step::Forward,
                        Located::NoHead(why) => {
                            match why {
                                NoHead::Http09 => self.stats.headless_responses += 1,
                                NoHead::Unterminated => self.stats.unreadable_heads += 1,
                            }
                            dl.reading = Reading::Raw;
                        }
                        Located::Heads(heads) if heads.first().is_some_and(|h| h.status == 101) => {
                            // Switching protocols: what follows is not HTTP
                            // (a WebSocket, say) and no download.
                            dl.requests.pop_front();
                            dl.reading = Reading::Pass;
                        }
                        Located::Heads(heads) => {
                            let Some(head) = heads.into_iter().next() else {
                                dl.reading = Reading::Raw;
                                continue;
                            };
                            dl.reading = Reading::Body {
                                framer: Framer::of(&head),
                                head,
                                framed: 0,
                            };
                        }
                    }
                    continue;
                }
                Reading::Raw => None,
                Reading::Body {
                    head,
                    framer,
                    framed,
                } => {
                    let body = dl.buf.get(head.len..).unwrap_or_default();
                    let done = framer.advance(body, *framed);
                    *framed = body.len();
                    done.map(|n| head.len + n)
                }
            };
            let mut over = false;
            let end = match end {
                Some(n) => n.min(dl.buf.len()),
                None if closed => dl.buf.len(),
                None if dl.buf.len() > MAX_BODY => {
                    // Scan what is held; the rest passes, counted.
                    self.stats.bodies_over_limit += 1;
                    over = true;
                    dl.buf.truncate(MAX_BODY);
                    dl.buf.len()
                }
                None => return Step::Forward,
            };
            // The response leaves the buffer without a copy; the rest (the
            // next response's first bytes) stays.
            let rest = dl.buf.split_off(end);
            let response = std::mem::replace(&mut dl.buf, rest);
            let head = match std::mem::take(&mut dl.reading) {
                Reading::Body { head, .. } => Some(head),
                _ => None,
            };
            if over {
                dl.reading = Reading::Pass;
            }
            // An interim 1xx answer is not the request's response.
            let interim = head
                .as_ref()
                .is_some_and(|h| (100..200).contains(&h.status) && h.status != 101);
            let url = if interim {
                dl.requests.front().cloned()
            } else {
                dl.requests.pop_front()
            };
            if let Some(d) = self.scan_download(head.as_ref(), &response, url) {
                if d.action == Action::Reset {
                    return Step::Block(d);
                }
                // Logged only; the download goes on.
                logs.push(d);
            }
            // Blank lines between responses are not a response.
            if dl.buf.iter().all(u8::is_ascii_whitespace) && closed {
                dl.buf.clear();
            }
            if dl.buf.is_empty() {
                return Step::Forward;
            }
        }
    }

    fn scan_download(
        &mut self,
        head: Option<&Head>,
        response: &[u8],
        url: Option<String>,
    ) -> Option<Detection> {
        if response.is_empty() {
            return None;
        }
        let policy = &self.config.anti_malware;
        let path_name = url
            .as_deref()
            .map(|u| u.split(['?', '#']).next().unwrap_or(u))
            .and_then(|u| u.rsplit('/').next())
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let name = head
            .and_then(Head::disposition_name)
            .or(path_name)
            .unwrap_or_else(|| "download".to_string());
        if anti_malware::excluded_by_extension(&name, &policy.http_exclusions) {
            return None;
        }
        let host = url
            .as_deref()
            .and_then(|u| u.split("://").nth(1))
            .and_then(|r| r.split('/').next())
            .map(str::to_string);
        let mut unscannable = None;
        let views = match head {
            Some(_) => http_response::response_views(response, MAX_BODY),
            None => {
                let mut views = http_response::Views::new(MAX_BODY);
                http_response::raw_views(response, &mut views);
                views
            }
        };
        self.stats.views_dropped += views.dropped as u64;
        for view in &views.views {
            let report = self.scanner.scan_for_verdict(&name, view);
            match report.verdict {
                FileVerdict::Malware { threat, reasons } => {
                    let mut chain = vec![Reason::File { name: name.clone() }];
                    chain.extend(reasons);
                    chain.push(Reason::Sha256 { hex: report.sha256 });
                    return Some(Detection {
                        engine: Engine::AntiMalware,
                        action: Action::Reset,
                        reasons: chain,
                        threat,
                        host,
                        url,
                    });
                }
                FileVerdict::Unscannable { reason } => unscannable = unscannable.or(Some(reason)),
                FileVerdict::Clean => {}
            }
        }
        let reason = unscannable?;
        let action = match policy.http_unscannable {
            crate::config::UnscannableAction::Remove => Action::Reset,
            _ => Action::Monitor,
        };
        Some(Detection {
            engine: Engine::AntiMalware,
            action,
            reasons: vec![
                Reason::File { name },
                Reason::Unscannable,
                Reason::UnscannableDetail { text: reason },
            ],
            threat: "Unscannable".to_string(),
            host,
            url,
        })
    }
}
