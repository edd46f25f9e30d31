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
//! they arrive (a streaming de-chunker, not the whole buffer again). A
//! response whose readings are all known once its head window is in (one
//! head reading, no coding, at most one length: `streamed_body`) is
//! scanned as it streams and not held (but for a container, which its
//! scanner holds); any other body is held, then decoded and scanned once,
//! when complete, in every reading. A body is read up to [`MAX_BODY`]
//! (16 MiB of response, so an 8 MiB download is scanned whole); past it
//! what was read is scanned and the rest passes, counted in
//! `Stats::bodies_over_limit`. Both ways give the same verdict on the same
//! bytes (`tests/it/download_stream.rs` splits them anywhere).
//!
//! Nothing turns scanning off silently: a stream with no status line
//! (HTTP/0.9, junk) or a head that never ends is read to its close as a raw
//! stream (`raw_views`) and counted (`Stats::headless_responses`,
//! `Stats::unreadable_heads`); a gap or rewrite in the server's stream is
//! counted in `Stats::download_gaps` before the rest passes.

use super::streamed_body::{self, StreamedBody};
use super::*;
use crate::event::Engine;
use crate::inspect::anti_malware::{self, FileVerdict, ScanReport};
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
        /// The body cannot be streamed (decided once its head window is in).
        held: bool,
    },
    /// Its body streamed to its scanners: the buffer holds only body bytes
    /// not read yet.
    Streamed(Box<Streaming>),
    /// No head to read: the stream up to its close is the body.
    Raw,
    /// Past the limit: the rest passes, unscanned (counted).
    Pass,
}

/// A response whose body is streamed.
struct Streaming {
    /// Head bytes (junk and head) before the body.
    head_len: usize,
    framer: Framer,
    /// Body bytes read (and no longer held).
    framed: usize,
    /// The download's file name.
    name: String,
    /// `None`: the file name is excluded from scanning.
    body: Option<StreamedBody>,
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
        let streamed = match &self.reading {
            Reading::Streamed(s) => s.body.as_ref().map_or(0, StreamedBody::held_bytes),
            _ => 0,
        };
        self.stream.as_ref().map_or(0, Reassembler::capacity) + self.buf.capacity() + streamed
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
                                held: false,
                            };
                        }
                    }
                    continue;
                }
                Reading::Raw => None,
                Reading::Streamed(_) => {
                    if let Some(step) = self.read_streamed(closed, dl, logs) {
                        return step;
                    }
                    if dl.buf.iter().all(u8::is_ascii_whitespace) && closed {
                        dl.buf.clear();
                    }
                    if dl.buf.is_empty() {
                        return Step::Forward;
                    }
                    continue;
                }
                Reading::Body {
                    head,
                    framer,
                    framed,
                    held,
                } => {
                    let body = dl.buf.get(head.len..).unwrap_or_default();
                    let done = framer.advance(body, *framed);
                    *framed = body.len();
                    if done.is_none() && !closed && !*held && dl.buf.len() <= MAX_BODY {
                        if dl.buf.len() < head.start + http_response::head::MAX_HEAD {
                            return Step::Forward;
                        }
                        if streamed_body::streamable(&dl.buf, head) {
                            self.start_streaming(dl);
                            continue;
                        }
                        *held = true;
                    }
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

    /// The held response in `dl.buf` (its head read, its body not complete,
    /// its head window in) goes on as a stream: what is held of its body is
    /// fed to its scanners and dropped.
    fn start_streaming(&mut self, dl: &mut Downloads) {
        let Reading::Body { head, framer, .. } = std::mem::take(&mut dl.reading) else {
            return;
        };
        let name = download_name(Some(&head), dl.requests.front().map(String::as_str));
        let excluded =
            anti_malware::excluded_by_extension(&name, &self.config.anti_malware.http_exclusions);
        let mut body = (!excluded).then(|| StreamedBody::new(&head, &name, MAX_BODY));
        let held = dl.buf.get(head.len..).unwrap_or_default();
        if let Some(body) = body.as_mut() {
            body.feed(&self.scanner, held, MAX_BODY);
        }
        let framed = held.len();
        dl.buf.clear();
        dl.reading = Reading::Streamed(Box::new(Streaming {
            head_len: head.len,
            framer,
            framed,
            name,
            body,
        }));
    }

    /// A streamed body's next bytes (all of `dl.buf`), fed to its
    /// scanners. `None` once the body ended and passed its scan (the
    /// buffer then holds what follows it), else what to do.
    fn read_streamed(
        &mut self,
        closed: bool,
        dl: &mut Downloads,
        logs: &mut Vec<Detection>,
    ) -> Option<Step> {
        let Reading::Streamed(s) = &mut dl.reading else {
            return Some(Step::Forward);
        };
        // As the held path: the body ends where it is framed, at the close,
        // or, not framed by then, past MAX_BODY of response, cut there.
        let held = dl.buf.len();
        let mut over = false;
        let take = match s.framer.advance_by(&dl.buf, s.framed) {
            Some(n) => n.saturating_sub(s.framed).min(held),
            None if closed => held,
            None if s.head_len + s.framed + held > MAX_BODY => {
                self.stats.bodies_over_limit += 1;
                over = true;
                MAX_BODY.saturating_sub(s.head_len + s.framed).min(held)
            }
            None => {
                if let Some(body) = s.body.as_mut() {
                    body.feed(&self.scanner, &dl.buf, MAX_BODY);
                }
                s.framed += held;
                dl.buf.clear();
                return Some(Step::Forward);
            }
        };
        if let Some(body) = s.body.as_mut() {
            body.feed(&self.scanner, &dl.buf[..take], MAX_BODY);
        }
        dl.buf.drain(..take);
        let Reading::Streamed(s) = std::mem::take(&mut dl.reading) else {
            return Some(Step::Forward);
        };
        if over {
            dl.reading = Reading::Pass;
        }
        let url = dl.requests.pop_front();
        let body = s.body?;
        let reports = body.finish(&self.scanner);
        match self.detection_of(s.name, url, reports) {
            Some(d) if d.action == Action::Reset => Some(Step::Block(d)),
            Some(d) => {
                // Logged only; the download goes on.
                logs.push(d);
                None
            }
            None => None,
        }
    }

    /// The detection, if any, of the reports of a download's readings, in
    /// order: the first malware, else the first unscannable reading.
    fn detection_of(
        &self,
        name: String,
        url: Option<String>,
        reports: impl IntoIterator<Item = ScanReport>,
    ) -> Option<Detection> {
        let host = download_host(url.as_deref());
        let mut unscannable = None;
        for report in reports {
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
        let action = match self.config.anti_malware.http_unscannable {
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
        let name = download_name(head, url.as_deref());
        if anti_malware::excluded_by_extension(&name, &policy.http_exclusions) {
            return None;
        }
        let views = match head {
            Some(_) => http_response::response_views(response, MAX_BODY),
            None => {
                let mut views = http_response::Views::new(MAX_BODY);
                http_response::raw_views(response, &mut views);
                views
            }
        };
        self.stats.views_dropped += views.dropped as u64;
        // Scanned one by one, up to the first malware.
        let scanner = &self.scanner;
        let reports = views
            .views
            .iter()
            .map(|view| scanner.scan_for_verdict(&name, view));
        self.detection_of(name.clone(), url, reports)
    }
}

/// The file name of a download: Content-Disposition's, else the URL path's
/// last segment, else `download`.
fn download_name(head: Option<&Head>, url: Option<&str>) -> String {
    let path_name = url
        .map(|u| u.split(['?', '#']).next().unwrap_or(u))
        .and_then(|u| u.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    head.and_then(Head::disposition_name)
        .or(path_name)
        .unwrap_or_else(|| "download".to_string())
}

/// The host part of a download's URL.
fn download_host(url: Option<&str>) -> Option<String> {
    url.and_then(|u| u.split("://").nth(1))
        .and_then(|r| r.split('/').next())
        .map(str::to_string)
}
