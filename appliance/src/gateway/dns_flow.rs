//! C&C on DNS: a LAN PC's query (UDP 53) for a name on the C&C list.
//!
//! How a lookup is counted (seed 000, support case ①: the console showed
//! "C&Cサーバへの通信(計1,146回)", 1,146 calls to the C&C servers, one
//! log line per call, and the XP PC looked the servers' names up before
//! calling them): the lookup that comes before a call the gateway detects
//! is part of that call, not a call of its own. So a query for a listed
//! name is held for [`LOOKUP_GRACE`]; a C&C detection from the same PC
//! naming the same host within it (HTTP Host, TLS SNI, the name behind a
//! listed address at the SYN) takes it over, and only a lookup no detected
//! call follows (the name did not resolve, the call went elsewhere or
//! never came) is logged when its grace ends (an event is logged at the
//! instant the gateway decides, as every event), as a `monitor` event with
//! the query name and the chain "C&C list; DNS query NAME; domain ...;
//! threat ...".
//!
//! With `cnc.dns: sinkhole` the gateway answers the query itself, in the
//! resolver's name (`cnc.sinkhole_ip`, or NXDOMAIN), the query never
//! leaves the office, and the lookup is logged at once as a `block`.

use super::*;
use crate::wire::forge;

/// How long a logged-only lookup waits for the call it announces.
pub const LOOKUP_GRACE: Duration = Duration::from_secs(30);
/// Lookups held at once; the oldest is logged early when full.
const MAX_LOOKUPS: usize = 4096;

/// A lookup of a listed name, waiting to see whether a detected call follows.
pub(super) struct Lookup {
    at: Instant,
    detection: Detection,
    parties: Parties,
}

impl Gateway {
    /// A LAN client's datagram to port 53: true if the gateway answered
    /// it itself (the sinkhole), so it must not be forwarded.
    pub(super) fn dns_query(
        &mut self,
        now: Instant,
        packet: &Packet<'_>,
        dgram: &Datagram<'_>,
        out: &mut Actions,
    ) -> bool {
        let Some(msg) = dns::parse(dgram.payload) else {
            return false;
        };
        if msg.response {
            return false;
        }
        let Some(name) = msg.questions.first() else {
            return false;
        };
        let Verdict::Detect(detection) =
            cnc::inspect_query(name, &self.config.cnc, self.intel.as_ref())
        else {
            return false;
        };
        let parties = Parties {
            src_ip: packet.src,
            src_mac: packet.src_mac.to_string(),
            dst_ip: packet.dst,
            dst_port: dgram.dst_port,
        };
        if detection.action == Action::Block
            && let Some(reply) = dns::sinkhole_reply(dgram.payload, self.config.cnc.sinkhole_ip)
        {
            let ends = Endpoints {
                src_mac: packet.dst_mac,
                dst_mac: packet.src_mac,
                src: packet.dst,
                dst: packet.src,
                src_port: dgram.dst_port,
                dst_port: dgram.src_port,
            };
            let ident = block::forged_ident(self.config.seed, self.forge_counter);
            self.forge_counter += 1;
            self.stats.forged += 1;
            self.stats.consumed += 1;
            out.frames.push(Emit {
                port: Port::Lan,
                frame: forge::udp(&ends, &reply, ident, FORGED_TTL),
            });
            self.report_parties(now, &detection, &parties, out);
            return true;
        }
        let key = (packet.src, name.clone());
        if self.lookups.contains_key(&key) {
            // A retry of the same lookup: one is enough.
            return false;
        }
        if self.lookups.len() >= MAX_LOOKUPS
            && let Some(oldest) = self
                .lookups
                .iter()
                .min_by_key(|(_, l)| l.at)
                .map(|(k, _)| k.clone())
            && let Some(lookup) = self.lookups.remove(&oldest)
        {
            self.report_parties(now, &lookup.detection, &lookup.parties, out);
        }
        self.lookups.insert(
            key,
            Lookup {
                at: now,
                detection,
                parties,
            },
        );
        false
    }

    /// A C&C detection takes over the lookup of the host it names, made by
    /// the same PC (the call the lookup announced).
    pub(super) fn fold_lookup(&mut self, detection: &Detection, parties: &Parties) {
        if self.lookups.is_empty() {
            return;
        }
        let host = detection
            .host
            .as_deref()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
            .or_else(|| self.dns_names.get(&parties.dst_ip).cloned());
        if let Some(host) = host {
            self.lookups.remove(&(parties.src_ip, host));
        }
    }

    /// Logs the lookups whose grace ended by `now` without a call.
    pub(super) fn lookups_due(&mut self, now: Instant, out: &mut Actions) {
        let due: Vec<(Ipv4Addr, String)> = self
            .lookups
            .iter()
            .filter(|(_, l)| l.at + LOOKUP_GRACE <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            if let Some(lookup) = self.lookups.remove(&key) {
                self.report_parties(now, &lookup.detection, &lookup.parties, out);
            }
        }
    }

    /// When the next held lookup is due, if any.
    pub(super) fn next_lookup_due(&self) -> Option<Instant> {
        self.lookups.values().map(|l| l.at + LOOKUP_GRACE).min()
    }
}
