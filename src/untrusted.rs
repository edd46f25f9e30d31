//! Every parser of untrusted bytes behind one entry point each: what a fuzz
//! target (`fuzz/`, cargo-fuzz on nightly) calls, and what the stable test
//! below replays the saved corpora through, so an input the fuzzer once
//! found keeps being run on every `cargo test`.
//!
//! An entry point does what the program does with such bytes (parse, then
//! inspect what was parsed) and checks the invariants the parser promises
//! in its docs: a streaming reader gives the same answer however its input
//! is split, a bounded reader stays within its bounds, an encoder's line
//! decodes to what was encoded. A panic or a broken invariant is a finding.

use appliance::config::ips::rule::{RuleVars, parse_rules};
use appliance::gateway::Actions;
use appliance::inspect::anti_malware::{Scanner, heuristic, office};
use appliance::proto::http_response::{self, Dechunker, MAX_VIEWS};
use appliance::proto::{chunked::ChunkedSkip, dns, http, mime, tls};
use appliance::wire::checksum::fix_checksums;
use appliance::{Config, FrozenIntel, Gateway, Instant, Port};
use std::time::Duration;

/// One fuzz target: its name (the folder of its corpus under `fuzz/corpus`
/// and the binary under `fuzz/fuzz_targets`) and what it feeds.
pub struct Target {
    pub name: &'static str,
    pub parsers: &'static str,
    pub run: fn(&[u8]),
}

/// Every target, in the order of the fuzzing table.
pub const TARGETS: &[Target] = &[
    Target {
        name: "frames",
        parsers: "Ethernet, ARP, DHCP, IPv4, TCP, UDP, ICMP through the whole gateway",
        run: frames,
    },
    Target {
        name: "http_request",
        parsers: "HTTP requests (gateway, twin web server)",
        run: http_request,
    },
    Target {
        name: "http_response",
        parsers: "HTTP responses: heads, framings, content codings (gateway, twin client)",
        run: http_response,
    },
    Target {
        name: "chunked",
        parsers: "chunked bodies, both readers, split anywhere",
        run: chunked,
    },
    Target {
        name: "tls",
        parsers: "TLS ClientHello and certificate (gateway, twin)",
        run: tls,
    },
    Target {
        name: "dns",
        parsers: "DNS messages (gateway, twin resolver)",
        run: dns,
    },
    Target {
        name: "mime",
        parsers: "MIME mail and its attachments through mail security",
        run: mime,
    },
    Target {
        name: "zip",
        parsers: "zip archives through the scanner's walker",
        run: zip,
    },
    Target {
        name: "ole",
        parsers: "OLE compound files and their VBA streams",
        run: ole,
    },
    Target {
        name: "ooxml",
        parsers: "OOXML documents (zips with vbaProject.bin)",
        run: ooxml,
    },
    Target {
        name: "onenote",
        parsers: "OneNote files and their embedded objects",
        run: onenote,
    },
    Target {
        name: "lnk",
        parsers: "Windows shortcuts (.lnk)",
        run: lnk,
    },
    Target {
        name: "ips_rules",
        parsers: "IPS rule files",
        run: ips_rules,
    },
    Target {
        name: "yaml",
        parsers: "office, scenario, policy and gateway YAML",
        run: yaml,
    },
    Target {
        name: "capture",
        parsers: "pcap and pcapng captures through replay",
        run: capture,
    },
    Target {
        name: "control",
        parsers: "the firmware's control protocol lines",
        run: control,
    },
];

/// The target named `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Body limit of the response target: small, so the caps are reached.
const RESPONSE_LIMIT: usize = 64 * 1024;

/// A sequence of frames: each record is a flag byte (bit 0: WAN port; bit
/// 1: checksums recomputed, so mutations reach past the checksum checks;
/// bits 2-7: tenths of a second since the previous frame), a little-endian
/// u16 length, and the frame.
pub fn frames(data: &[u8]) {
    let mut gateway = Gateway::new(Config::default(), FrozenIntel::default());
    let mut out = Actions::default();
    let mut now = Instant::from_micros(1_500_000_000_000_000);
    let mut rest = data;
    while let [flags, lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        let (frame, next) = tail.split_at(len);
        rest = next;
        now = now + Duration::from_millis(100 * u64::from(flags >> 2));
        if gateway.poll_at().is_some_and(|t| t <= now) {
            gateway.poll(now, &mut out);
        }
        let port = if flags & 1 == 1 { Port::Wan } else { Port::Lan };
        let fixed = if flags & 2 == 2 {
            fix_checksums(frame)
        } else {
            None
        };
        gateway.handle(now, port, fixed.as_deref().unwrap_or(frame), &mut out);
        let _ = twin::frame::read(frame);
        out.clear();
    }
    // Every timer the frames started, as a long quiet spell runs them.
    for _ in 0..4 {
        now = now + Duration::from_secs(400);
        gateway.poll(now, &mut out);
        out.clear();
    }
}

pub fn http_request(data: &[u8]) {
    let _ = http::looks_like_http(data);
    if let http::Parse::Complete { request, .. } = http::parse_request(data) {
        let _ = request.host_name();
        let _ = request.url("192.0.2.1");
    }
    let _ = http::next_request_start(data);
    let _ = twin::web::parse_request(data);
}

pub fn http_response(data: &[u8]) {
    let views = http_response::response_views(data, RESPONSE_LIMIT);
    assert!(views.views.len() <= MAX_VIEWS, "more views than the cap");
    let held: usize = views.views.iter().map(|v| v.len()).sum();
    assert!(
        views.views.iter().all(|v| v.len() <= RESPONSE_LIMIT),
        "a view past the body limit"
    );
    assert!(held <= 4 * RESPONSE_LIMIT, "views hold {held} bytes");
    let _ = twin::web::parse_response(data);
}

/// The first byte picks where the rest is split in two; both chunked
/// readers must read the halves as they read the whole.
pub fn chunked(data: &[u8]) {
    let Some((&cut, body)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut).min(body.len());

    let whole = ChunkedSkip::new().skip(body);
    let mut skip = ChunkedSkip::new();
    let halves = match skip.skip(&body[..cut]) {
        Ok(n) if n < cut => Ok(n),
        Ok(n) => skip.skip(&body[cut..]).map(|m| n + m),
        Err(e) => Err(e),
    };
    assert_eq!(whole, halves, "ChunkedSkip split at {cut}");

    let mut whole_out = Vec::new();
    let mut dechunker = Dechunker::new();
    let whole_used = dechunker.feed(body, Some(&mut whole_out), RESPONSE_LIMIT);
    let whole_state = (dechunker.is_done(), dechunker.is_broken());
    let mut split_out = Vec::new();
    let mut dechunker = Dechunker::new();
    let mut split_used = dechunker.feed(&body[..cut], Some(&mut split_out), RESPONSE_LIMIT);
    if split_used == cut {
        split_used += dechunker.feed(&body[cut..], Some(&mut split_out), RESPONSE_LIMIT);
    }
    let split_state = (dechunker.is_done(), dechunker.is_broken());
    assert_eq!(
        whole_used, split_used,
        "Dechunker split at {cut}: bytes used"
    );
    assert_eq!(whole_out, split_out, "Dechunker split at {cut}: body");
    assert_eq!(whole_state, split_state, "Dechunker split at {cut}: state");
    assert!(
        whole_out.len() <= RESPONSE_LIMIT,
        "de-chunked past the limit"
    );
}

pub fn tls(data: &[u8]) {
    let _ = tls::client_hello(data);
    let _ = tls::server_certificate(data);
    let _ = twin::tls::read_client_hello(data);
    let _ = twin::tls::read_server_flight(data);
}

pub fn dns(data: &[u8]) {
    let _ = dns::parse(data);
    let id = data
        .get(..2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    let _ = twin::dns::parse_reply(data, id);
}

pub fn mime(data: &[u8]) {
    let config = Config::default();
    let intel = FrozenIntel::default();
    let _ = mime::parse(data);
    let scanner = Scanner::new(&config.anti_malware, &intel);
    let _ = appliance::inspect::mail_security::inspect(data, &config.mail, &scanner);
    let mut end = twin::smtp_data::EndScanner::default();
    let _ = end.scan(data);
}

fn scan_as(name: &str, data: &[u8]) {
    let config = Config::default();
    let intel = FrozenIntel::default();
    let _ = Scanner::new(&config.anti_malware, &intel).scan(name, data);
}

pub fn zip(data: &[u8]) {
    scan_as("fuzz.zip", data);
}

pub fn ole(data: &[u8]) {
    let mut features = heuristic::Features::of_name("fuzz.doc");
    office::ole_features(data, &mut features);
    let _ = office::ovba_decompress(data);
    let _ = features.score();
    scan_as("fuzz.doc", data);
}

pub fn ooxml(data: &[u8]) {
    scan_as("fuzz.docm", data);
}

pub fn onenote(data: &[u8]) {
    let _ = office::onenote_embedded(data);
    scan_as("fuzz.one", data);
}

pub fn lnk(data: &[u8]) {
    let mut features = heuristic::Features::of_name("fuzz.lnk");
    office::lnk_features(data, &mut features);
    let _ = features.score();
    scan_as("fuzz.lnk", data);
}

pub fn ips_rules(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = parse_rules("fuzz.rules", &text, &RuleVars::default());
}

/// The first byte picks the loader; a refusal must say where, in the
/// `file:line:col` form every loader promises.
pub fn yaml(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let refused = match kind % 4 {
        0 => twin::load::office_from_str("fuzz.yaml", &text).err(),
        1 => twin::load::scenario_from_str("fuzz.yaml", &text, |office| {
            (office == "print-shop").then(|| {
                twin::load::office_from_str(
                    "print-shop.yaml",
                    include_str!("../scenarios/offices/print-shop.yaml"),
                )
            })
        })
        .err(),
        2 => twin::load::policy_from_str("fuzz.yaml", &text).err(),
        _ => twin::load::gateway_config_from_str("fuzz.yaml", &text).err(),
    };
    if let Some(error) = refused {
        let said = error.to_string();
        assert!(
            said.contains("fuzz.yaml") || said.contains("print-shop.yaml"),
            "{said}"
        );
    }
}

pub fn capture(data: &[u8]) {
    let options = crate::replay::ReplayOptions {
        fix_checksums: true,
    };
    let _ =
        crate::replay::replay_bytes_with(data, Config::default(), FrozenIntel::default(), options);
}

/// Lines of the lockstep control protocol, both directions; a line that
/// decodes must encode back to a line that decodes to the same.
pub fn control(data: &[u8]) {
    use twin::tun::control::{Command, Reply};
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Ok(command) = Command::decode(line)
            && let Ok(again) = command.encode()
        {
            assert_eq!(Command::decode(again.as_bytes()).ok(), Some(command));
        }
        if let Ok(reply) = Reply::decode(line)
            && let Ok(again) = reply.encode()
        {
            assert_eq!(Reply::decode(again.as_bytes()).ok(), Some(reply));
        }
    }
}

#[cfg(test)]
mod tests;
