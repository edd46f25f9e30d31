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

use super::*;
use crate::event::Engine;
use crate::inspect::anti_malware::{self, FileVerdict};
use crate::proto::http_response::{self, Head};
use crate::reason::Reason;
use std::collections::VecDeque;

/// Largest response body held for scanning; longer ones pass unscanned.
const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Default)]
pub(super) struct Downloads {
    /// URLs of requests passed, oldest first, waiting for their responses.
    requests: VecDeque<String>,
    stream: Option<Reassembler>,
    buf: Vec<u8>,
    head: Option<Head>,
    /// Not read any more (not HTTP, too large, gaps).
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
                    let ready = stream.ready().to_vec();
                    stream.consume(ready.len());
                    dl.buf.extend_from_slice(&ready);
                }
                Push::Buffered | Push::Duplicate => {}
                Push::Conflict | Push::Overflow | Push::OutOfWindow => {
                    dl.off = true;
                    return Step::Forward;
                }
            }
        }
        loop {
            if dl.head.is_none() {
                if dl.buf.is_empty() {
                    return Step::Forward;
                }
                match http_response::parse_head(&dl.buf) {
                    Err(http_response::NotHttp) => {
                        dl.off = true;
                        return Step::Forward;
                    }
                    Ok(None) => return Step::Forward,
                    Ok(Some(head)) => {
                        dl.buf.drain(..head.len);
                        dl.head = Some(head);
                    }
                }
            }
            let Some(head) = dl.head.as_ref() else {
                return Step::Forward;
            };
            if dl.buf.len() > MAX_BODY {
                dl.off = true;
                return Step::Forward;
            }
            let used = match http_response::body_complete(head, &dl.buf) {
                Some(n) => n,
                None if seg.flags.fin => dl.buf.len(),
                None => return Step::Forward,
            };
            let body: Vec<u8> = dl.buf.drain(..used.min(dl.buf.len())).collect();
            let head = dl.head.take();
            let url = dl.requests.pop_front();
            if let Some(head) = head
                && let Some(d) = self.scan_download(&head, &body, url)
            {
                if d.action == Action::Reset {
                    return Step::Block(d);
                }
                // Logged only; the download goes on.
                logs.push(d);
            }
        }
    }

    fn scan_download(
        &mut self,
        head: &Head,
        body: &[u8],
        url: Option<String>,
    ) -> Option<Detection> {
        if body.is_empty() {
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
            .disposition_name()
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
        for view in http_response::interpretations(head, body, MAX_BODY) {
            let report = self.scanner.scan(&name, &view);
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
