//! DNS messages (UDP/53), through `simple-dns`: the names a host asks for and
//! the addresses it is told.
//!
//! The gateway uses them to name later flows to those addresses (an IP-only
//! C&C hit reads better with the name the PC looked up), to look the names
//! a PC asks for up on the C&C list, and to answer such a query itself when
//! the C&C policy sinkholes it ([`sinkhole_reply`]). Other DNS passes.

use simple_dns::rdata::RData;
use simple_dns::{Packet, PacketFlag};
use std::net::Ipv4Addr;

/// What the gateway keeps of one DNS message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsMessage {
    pub response: bool,
    /// Query names, without the trailing dot, lowercased.
    pub questions: Vec<String>,
    /// A records of a response: (owner name, address).
    pub a_records: Vec<(String, Ipv4Addr)>,
}

/// Parses a DNS message; `None` if it is not one.
pub fn parse(payload: &[u8]) -> Option<DnsMessage> {
    let packet = Packet::parse(payload).ok()?;
    let questions = packet
        .questions
        .iter()
        .map(|q| normalise(&q.qname.to_string()))
        .collect();
    let a_records = packet
        .answers
        .iter()
        .filter_map(|rr| match &rr.rdata {
            RData::A(a) => Some((normalise(&rr.name.to_string()), Ipv4Addr::from(a.address))),
            _ => None,
        })
        .collect();
    Some(DnsMessage {
        response: packet.has_flags(PacketFlag::RESPONSE),
        questions,
        a_records,
    })
}

/// TTL of a sinkhole answer: short, so the PC asks again (and is logged
/// again) rather than keep the sinkhole's address.
pub const SINKHOLE_TTL: u32 = 60;

/// The gateway's own answer to `query` (a DNS query, not a response):
/// `address` as the A record of an A question (NOERROR without records
/// for another type), or NXDOMAIN when `None`. `None` if `query` is not a
/// query with a question.
pub fn sinkhole_reply(query: &[u8], address: Option<Ipv4Addr>) -> Option<Vec<u8>> {
    use simple_dns::rdata::A;
    use simple_dns::{CLASS, QTYPE, RCODE, ResourceRecord, TYPE};
    let q = Packet::parse(query).ok()?;
    if q.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    let question = q.questions.first()?;
    let mut reply = Packet::new_reply(q.id());
    reply.set_flags(PacketFlag::RECURSION_AVAILABLE);
    if q.has_flags(PacketFlag::RECURSION_DESIRED) {
        reply.set_flags(PacketFlag::RECURSION_DESIRED);
    }
    reply.questions.push(question.clone());
    match address {
        Some(ip) if question.qtype == QTYPE::TYPE(TYPE::A) => {
            reply.answers.push(ResourceRecord::new(
                question.qname.clone(),
                CLASS::IN,
                SINKHOLE_TTL,
                RData::A(A::from(ip)),
            ));
        }
        Some(_) => {}
        None => *reply.rcode_mut() = RCODE::NameError,
    }
    reply.build_bytes_vec().ok()
}

fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use simple_dns::rdata::A;
    use simple_dns::{CLASS, Name, QCLASS, QTYPE, Question, ResourceRecord, TYPE};

    #[test]
    fn query_and_answer() {
        let mut q = Packet::new_query(7);
        q.questions.push(Question::new(
            Name::new_unchecked("XXXRZY8823L68ME.net"),
            QTYPE::TYPE(TYPE::A),
            QCLASS::CLASS(CLASS::IN),
            false,
        ));
        let bytes = q.build_bytes_vec().expect("build query");
        let msg = parse(&bytes).expect("parses");
        assert!(!msg.response);
        assert_eq!(msg.questions, vec!["xxxrzy8823l68me.net".to_string()]);

        let mut r = Packet::new_reply(7);
        r.answers.push(ResourceRecord::new(
            Name::new_unchecked("xxxrzy8823l68me.net"),
            CLASS::IN,
            60,
            RData::A(A::from(Ipv4Addr::new(203, 0, 113, 66))),
        ));
        let bytes = r.build_bytes_vec().expect("build reply");
        let msg = parse(&bytes).expect("parses");
        assert!(msg.response);
        assert_eq!(
            msg.a_records,
            vec![(
                "xxxrzy8823l68me.net".to_string(),
                Ipv4Addr::new(203, 0, 113, 66)
            )]
        );
    }

    #[test]
    fn sinkhole_answers_the_question() {
        let mut q = Packet::new_query(0x4242);
        q.set_flags(PacketFlag::RECURSION_DESIRED);
        q.questions.push(Question::new(
            Name::new_unchecked("Api.C2.example"),
            QTYPE::TYPE(TYPE::A),
            QCLASS::CLASS(CLASS::IN),
            false,
        ));
        let bytes = q.build_bytes_vec().expect("build query");
        let sink = Ipv4Addr::new(192, 0, 2, 250);
        let reply = sinkhole_reply(&bytes, Some(sink)).expect("a reply");
        let read = Packet::parse(&reply).expect("parses");
        assert_eq!(read.id(), 0x4242);
        assert!(read.has_flags(PacketFlag::RESPONSE));
        assert_eq!(read.questions.len(), 1);
        assert!(matches!(&read.answers[0].rdata, RData::A(a) if Ipv4Addr::from(a.address) == sink));
        let nx = sinkhole_reply(&bytes, None).expect("a reply");
        let read = Packet::parse(&nx).expect("parses");
        assert_eq!(read.rcode(), simple_dns::RCODE::NameError);
        assert!(read.answers.is_empty());
        assert_eq!(
            sinkhole_reply(&reply, None),
            None,
            "a response is not answered"
        );
        assert_eq!(sinkhole_reply(b"junk", None), None);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }
    }
}
