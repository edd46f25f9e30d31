//! DNS messages (UDP/53), through `simple-dns`: the names a host asks for and
//! the addresses it is told.
//!
//! The gateway uses them to name later flows to those addresses (an IP-only
//! C&C hit reads better with the name the PC looked up). DNS itself passes.

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

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }
    }
}
