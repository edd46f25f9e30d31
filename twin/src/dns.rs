//! DNS messages for the twin: the stub resolver's A query and the simulated
//! internet's authoritative answers (A records or NXDOMAIN).

use simple_dns::rdata::{A, RData};
use simple_dns::{
    CLASS, Name, Packet, PacketFlag, QCLASS, QTYPE, Question, RCODE, ResourceRecord, TYPE,
};
use std::net::Ipv4Addr;

/// TTL of every answer the simulated internet gives.
pub const ANSWER_TTL: u32 = 300;

/// A recursive A query for `name`; `None` if the name is not a valid DNS name.
pub fn a_query(id: u16, name: &str) -> Option<Vec<u8>> {
    let mut packet = Packet::new_query(id);
    packet.set_flags(PacketFlag::RECURSION_DESIRED);
    packet.questions.push(Question::new(
        Name::new(name).ok()?,
        QTYPE::TYPE(TYPE::A),
        QCLASS::CLASS(CLASS::IN),
        false,
    ));
    packet.build_bytes_vec().ok()
}

/// What a reply to our query said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The first A record and its TTL in seconds.
    Address(Ipv4Addr, u32),
    /// NXDOMAIN, or an answer without an A record.
    NoSuchName,
}

/// Parses a reply; `None` if it is malformed or not a reply to `id`.
pub fn parse_reply(bytes: &[u8], id: u16) -> Option<Answer> {
    let packet = Packet::parse(bytes).ok()?;
    if packet.id() != id || !packet.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    if packet.rcode() != RCODE::NoError {
        return Some(Answer::NoSuchName);
    }
    Some(
        packet
            .answers
            .iter()
            .find_map(|rr| match &rr.rdata {
                RData::A(a) => Some(Answer::Address(Ipv4Addr::from(a.address), rr.ttl)),
                _ => None,
            })
            .unwrap_or(Answer::NoSuchName),
    )
}

/// The authoritative server's reply to `query`; `lookup` maps a lower-case
/// name to its address. `None` if the query is not worth an answer (not a
/// query at all, unparseable).
pub fn reply(query: &[u8], lookup: impl Fn(&str) -> Option<Ipv4Addr>) -> Option<Vec<u8>> {
    let q = Packet::parse(query).ok()?;
    if q.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    let mut reply = Packet::new_reply(q.id());
    reply.set_flags(PacketFlag::RECURSION_AVAILABLE);
    if q.has_flags(PacketFlag::RECURSION_DESIRED) {
        reply.set_flags(PacketFlag::RECURSION_DESIRED);
    }
    let Some(question) = q.questions.first() else {
        *reply.rcode_mut() = RCODE::FormatError;
        return reply.build_bytes_vec().ok();
    };
    let name = question
        .qname
        .to_string()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let address = lookup(&name);
    reply.questions.push(question.clone());
    match (address, question.qtype) {
        (Some(ip), QTYPE::TYPE(TYPE::A)) => reply.answers.push(ResourceRecord::new(
            question.qname.clone(),
            CLASS::IN,
            ANSWER_TTL,
            RData::A(A::from(ip)),
        )),
        // The name exists but has no record of that type: an empty NOERROR.
        (Some(_), _) => {}
        (None, _) => *reply.rcode_mut() = RCODE::NameError,
    }
    reply.build_bytes_vec().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_reply_round_trip() {
        let site = Ipv4Addr::new(203, 0, 113, 10);
        let lookup = |n: &str| (n == "www.example.jp").then_some(site);
        let q = a_query(0x1234, "WWW.Example.JP").expect("query");
        let r = reply(&q, lookup).expect("reply");
        assert_eq!(
            parse_reply(&r, 0x1234),
            Some(Answer::Address(site, ANSWER_TTL))
        );
        assert_eq!(parse_reply(&r, 0x1235), None);
        let q = a_query(7, "nowhere.example").expect("query");
        let r = reply(&q, lookup).expect("reply");
        assert_eq!(parse_reply(&r, 7), Some(Answer::NoSuchName));
        assert_eq!(reply(&[1, 2, 3], lookup), None);
        assert_eq!(reply(&r, lookup), None);
    }
}
