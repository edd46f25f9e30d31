//! An inspected HTTP flow's client side: the stream reassembled, client
//! frames held until each request is read, every request through C&C and the
//! web pipeline; a stream that is not HTTP read as TLS (the ClientHello's SNI
//! through C&C, then the web pipeline) or an application's handshake; a
//! flow whose server speaks first, or whose client's first line is no
//! request line, passes (`not_http`).

use super::*;

#[derive(Default)]
pub(super) struct HttpInspect {
    /// Created at the client's first data (or SYN).
    pub(super) stream: Option<Reassembler>,
    /// Client frames not forwarded yet, in arrival order.
    pub(super) held: Vec<Vec<u8>>,
    pub(super) held_bytes: usize,
    /// Body bytes of a passed request still to skip.
    pub(super) body_left: usize,
    /// The chunked body of a passed request, being skipped.
    pub(super) chunked: Option<crate::proto::chunked::ChunkedSkip>,
    /// The server's side: responses scanned by anti-malware.
    pub(super) downloads: Box<download::Downloads>,
    /// HTTP requests already read on this connection. A stream that turns
    /// into something else after one is not let through uninspected.
    pub(super) requests_seen: u32,
}

impl HttpInspect {
    /// A client segment of a flow under HTTP inspection; the mode the flow
    /// goes on in, if it changes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn client_segment(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        out: &mut Actions,
    ) -> Option<Mode> {
        if seg.payload.is_empty() {
            // SYNs, ACKs, window updates and RSTs carry nothing to inspect;
            // a FIN must not overtake held data, so it waits with it.
            if seg.flags.fin && !self.held.is_empty() {
                self.held_bytes += frame.len();
                self.held.push(frame.to_vec());
            } else {
                gw.forward(Port::Lan, frame, out);
            }
            return None;
        }
        let stream = self
            .stream
            .get_or_insert_with(|| Reassembler::new(seg.seq, MAX_STREAM_BUFFER));
        match stream.push(seg.seq, seg.payload) {
            Push::Duplicate if self.held.is_empty() => {
                // A retransmission of bytes the server already has.
                gw.forward(Port::Lan, frame, out);
                return None;
            }
            Push::Duplicate => {
                // The original is held and will be forwarded (or blocked).
                gw.stats.consumed += 1;
                return None;
            }
            Push::Conflict => {
                // Different bytes for the same sequence numbers: never let
                // the server see a version the engines did not.
                gw.stats.conflicts += 1;
                return None;
            }
            Push::Overflow | Push::OutOfWindow => {
                self.held.push(frame.to_vec());
                return Some(self.give_up(gw, out));
            }
            Push::InOrder(_) | Push::Buffered => {
                self.held_bytes += frame.len();
                self.held.push(frame.to_vec());
            }
        }
        if self.held.len() > MAX_HELD_FRAMES || self.held_bytes > 2 * MAX_STREAM_BUFFER {
            return Some(self.give_up(gw, out));
        }
        self.read_requests(gw, now, packet, seg, track, out)
    }

    /// A server segment of a flow under HTTP inspection: a server that
    /// speaks before its client is no HTTP server (`not_http`) and the flow
    /// passes from here; otherwise the download scan reads the segment.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn server_segment(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        out: &mut Actions,
    ) -> Option<Mode> {
        if not_http::server_spoke_first(track, seg) {
            // Nothing of the client's is held: it has sent nothing.
            gw.stats.gave_up += 1;
            gw.forward(Port::Wan, frame, out);
            return Some(Mode::Pass);
        }
        gw.download_segment(now, frame, packet, seg, &mut self.downloads, out);
        None
    }

    /// Reads every complete request now in the client stream.
    fn read_requests(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        out: &mut Actions,
    ) -> Option<Mode> {
        loop {
            let stream = self.stream.as_mut()?;
            if self.body_left > 0 {
                let n = self.body_left.min(stream.ready().len());
                stream.consume(n);
                self.body_left -= n;
                if self.body_left > 0 {
                    break;
                }
            }
            if let Some(chunked) = self.chunked.as_mut() {
                match chunked.skip(stream.ready()) {
                    Ok(n) => {
                        stream.consume(n);
                        if !chunked.is_done() {
                            break;
                        }
                        self.chunked = None;
                    }
                    // Framing a server would not follow either: inspection
                    // resumes at the next line that starts a request (the
                    // junk path below), never stops.
                    Err(_) => self.chunked = None,
                }
            }
            if stream.ready().is_empty() {
                break;
            }
            if matches!(stream.ready().first(), Some(0x16 | 0x13)) {
                // A TLS handshake record or a BitTorrent handshake: the
                // HTTP parser would wait for a line end that never comes.
                return self.not_http(gw, now, packet, seg, track, out);
            }
            let (request, header_len) = match http::parse_request(stream.ready()) {
                // A complete first line that is no request line: the
                // client speaks something else (`not_http`).
                http::Parse::Partial
                    if self.requests_seen == 0
                        && not_http::first_line_not_request(stream.ready()) =>
                {
                    return self.not_http(gw, now, packet, seg, track, out);
                }
                http::Parse::Partial => break,
                http::Parse::NotHttp if self.requests_seen > 0 => {
                    // HTTP, then bytes that are not a request: header lines
                    // of an HTTP/0.9-style request, or junk hiding a request
                    // behind it. Giving up here would pass everything after
                    // it uninspected, so skip to the next line that starts a
                    // request and keep inspecting.
                    let ready = stream.ready();
                    let skip = http::next_request_start(ready).unwrap_or_else(|| {
                        ready
                            .iter()
                            .rposition(|&b| b == b'\n')
                            .map_or(ready.len(), |i| i + 1)
                    });
                    stream.consume(skip.max(1).min(ready.len()));
                    continue;
                }
                http::Parse::NotHttp => return self.not_http(gw, now, packet, seg, track, out),
                http::Parse::TooLong => return Some(self.give_up(gw, out)),
                http::Parse::Complete {
                    request,
                    header_len,
                } => (request, header_len),
            };
            let verdict = cnc::inspect_request(
                &request,
                packet.dst,
                seg.dst_port,
                &gw.config.cnc,
                gw.intel.as_ref(),
            );
            if let Verdict::Detect(d) = verdict {
                gw.report(now, &d, packet, seg.dst_port, out);
                if d.action == Action::Block {
                    return Some(self.block(gw, packet, seg, track, &d, out));
                }
            }
            if let Some(d) = gw.web_request(now, &request, packet, seg.dst_port, out) {
                return Some(self.block(gw, packet, seg, track, &d, out));
            }
            let stream = self.stream.as_mut()?;
            let category = out.accesses.last().and_then(|a| a.category.clone());
            let mut record = AccessRecord::http(now, packet.src, &request, header_len);
            record.category = category;
            out.stats.push(record);
            stream.consume(header_len);
            self.requests_seen = self.requests_seen.saturating_add(1);
            self.downloads.note_request(&request);
            if request.chunked {
                // Transfer-Encoding wins over Content-Length (RFC 9112 §6.3).
                self.chunked = Some(crate::proto::chunked::ChunkedSkip::new());
            } else {
                self.body_left = request.content_length.unwrap_or(0);
            }
        }
        let idle = self
            .stream
            .as_ref()
            .is_none_or(|s| s.ready().is_empty() && !s.has_gap());
        if idle {
            self.release(gw, out);
        }
        None
    }

    /// Heap bytes held for this flow's two streams.
    pub(super) fn buffered_bytes(&self) -> usize {
        self.stream.as_ref().map_or(0, Reassembler::capacity)
            + self.held.iter().map(Vec::capacity).sum::<usize>()
            + self.downloads.buffered_bytes()
    }

    /// The connection is over: every buffer freed. Bytes after the
    /// stream's end would still be read in order; retransmissions of
    /// earlier ones have no history left and are dropped as conflicts.
    pub(super) fn release_buffers(&mut self) {
        if let Some(stream) = self.stream.as_mut() {
            stream.release();
        }
        self.held = Vec::new();
        self.held_bytes = 0;
        self.body_left = 0;
        self.chunked = None;
        self.downloads.release();
    }

    /// Forwards the held client frames, in order.
    fn release(&mut self, gw: &mut Gateway, out: &mut Actions) {
        self.held_bytes = 0;
        for held in std::mem::take(&mut self.held) {
            gw.stats.forwarded += 1;
            out.frames.push(Emit {
                port: Port::Wan,
                frame: held,
            });
        }
    }

    /// Stops inspecting a flow and lets it through, held frames first.
    fn give_up(&mut self, gw: &mut Gateway, out: &mut Actions) -> Mode {
        gw.stats.gave_up += 1;
        self.release(gw, out);
        Mode::Pass
    }

    /// A client stream that is not HTTP: TLS, a known application's
    /// handshake, or something the gateway passes uninspected.
    fn not_http(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        out: &mut Actions,
    ) -> Option<Mode> {
        let Some(stream) = self.stream.as_ref() else {
            return Some(self.give_up(gw, out));
        };
        let ready = stream.ready();
        match tls::client_hello(ready) {
            // Wait for the rest of the hello (the frames stay held).
            tls::ClientHello::Partial => None,
            tls::ClientHello::Hello { sni } => {
                self.client_hello(gw, now, packet, seg, track, sni, out)
            }
            tls::ClientHello::NotTls => match app_control::identify_stream(ready) {
                StreamId::NeedMore => None,
                StreamId::Unknown => Some(self.give_up(gw, out)),
                StreamId::App(app) => {
                    let host = packet.dst.to_string();
                    let url = format!("{}:{}", packet.dst, seg.dst_port);
                    let req = WebRequest {
                        now,
                        src_ip: packet.src,
                        src_mac: packet.src_mac.0,
                        host: &host,
                        path: None,
                        url: &url,
                    };
                    match url_filter::rules(&req, None, Some(app), &gw.config.policy) {
                        Some(mut d) => {
                            if d.action == Action::Block {
                                d.action = Action::Reset;
                            }
                            gw.report(now, &d, packet, seg.dst_port, out);
                            if d.action == Action::Reset {
                                Some(self.reset_held(gw, packet, seg, track, out))
                            } else {
                                Some(self.give_up(gw, out))
                            }
                        }
                        None => Some(self.give_up(gw, out)),
                    }
                }
            },
        }
    }

    /// A complete ClientHello: the SNI through the web pipeline.
    #[allow(clippy::too_many_arguments)]
    fn client_hello(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        sni: Option<String>,
        out: &mut Actions,
    ) -> Option<Mode> {
        if let Some(name) = &sni {
            // C&C first, as for an HTTP request: the server name is all a
            // gateway that does not decrypt can read of the call.
            let verdict = cnc::inspect_sni(
                name,
                packet.dst,
                seg.dst_port,
                &gw.config.cnc,
                gw.intel.as_ref(),
            );
            if let Verdict::Detect(d) = verdict {
                gw.report(now, &d, packet, seg.dst_port, out);
                if d.action == Action::Reset {
                    return Some(self.reset_held(gw, packet, seg, track, out));
                }
            }
            let url = if seg.dst_port == 443 {
                format!("https://{name}/")
            } else {
                format!("https://{name}:{}/", seg.dst_port)
            };
            let req = WebRequest {
                now,
                src_ip: packet.src,
                src_mac: packet.src_mac.0,
                host: name,
                path: None,
                url: &url,
            };
            if gw.web_decide(&req, packet, seg.dst_port, out).is_some() {
                return Some(self.reset_held(gw, packet, seg, track, out));
            }
        }
        let hello_len = self.stream.as_ref().map_or(0, |s| s.ready().len());
        let category = out.accesses.last().and_then(|a| a.category.clone());
        out.stats.push(AccessRecord {
            time: now,
            src_ip: packet.src,
            host: sni.clone(),
            category: if sni.is_some() { category } else { None },
            bytes: hello_len as u64,
        });
        self.release(gw, out);
        Some(match track.wan.next {
            Some(server_next) => Mode::Tls(TlsWatch {
                sni,
                server: Reassembler::new(server_next, MAX_STREAM_BUFFER),
            }),
            // The server's handshake was not seen: nothing to anchor its stream.
            None => Mode::Pass,
        })
    }
}

impl Gateway {
    /// Runs the web pipeline on a request C&C let through: logs its
    /// detections and the access, and returns the detection that blocks it.
    fn web_request(
        &mut self,
        now: Instant,
        request: &http::Request,
        packet: &Packet<'_>,
        dst_port: u16,
        out: &mut Actions,
    ) -> Option<Detection> {
        let fallback = if dst_port == 80 {
            packet.dst.to_string()
        } else {
            format!("{}:{dst_port}", packet.dst)
        };
        let host = request
            .host_name()
            .unwrap_or_else(|| packet.dst.to_string());
        let url = request.url(&fallback);
        let path = request_path(&request.target);
        let req = WebRequest {
            now,
            src_ip: packet.src,
            src_mac: packet.src_mac.0,
            host: &host,
            path: Some(path),
            url: &url,
        };
        self.web_decide(&req, packet, dst_port, out)
    }

    fn web_decide(
        &mut self,
        req: &WebRequest<'_>,
        packet: &Packet<'_>,
        dst_port: u16,
        out: &mut Actions,
    ) -> Option<Detection> {
        let decision = web::inspect(req, &self.config.policy, self.intel.as_ref());
        let category = decision.category.as_deref().map(str::to_string);
        let mut detection = decision.detection(req);
        if req.path.is_none()
            && let Some(d) = &mut detection
            && d.action == Action::Block
        {
            // Inside TLS no page can be shown: a block is a reset.
            d.action = Action::Reset;
        }
        if let Some(d) = &detection {
            self.report(req.now, d, packet, dst_port, out);
        }
        let blocking = detection.filter(|d| matches!(d.action, Action::Block | Action::Reset));
        out.accesses.push(Access {
            time: req.now,
            src_ip: packet.src,
            dst_ip: packet.dst,
            dst_port,
            host: req.host.to_string(),
            url: req.url.to_string(),
            tls: req.path.is_none(),
            category,
            blocked: blocking.is_some(),
        });
        blocking
    }
}

/// The path and query of a request target (origin or absolute form).
fn request_path(target: &str) -> &str {
    if target.starts_with('/') {
        return target;
    }
    let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
    match rest.find('/') {
        Some(i) => rest.get(i..).unwrap_or("/"),
        None => "/",
    }
}
