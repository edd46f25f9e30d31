//! Mailboxes: the ISP's mail server's (the support desk's alert mails,
//! monthly reports, staff mail fetched by POP3) and an office mail
//! server's. Delivery is by address; mail to an address without a mailbox
//! is bounced and kept aside so a misconfigured scenario is visible. The
//! protocols in front of them are in `mail_proto` and `mail_net`.

use appliance::Instant;
use mail_parser::MessageParser;
use std::collections::BTreeMap;

/// The header fields a mailbox lists a message by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Heading {
    /// The first address of `From:`; empty if there is none.
    pub from: String,
    /// `Subject:`, decoded (RFC 2047, ISO-2022-JP); empty if there is none.
    pub subject: String,
}

/// Reads the [`Heading`] of a raw RFC 5322 message with mail-parser, the
/// twin's own reading (never the gateway's MIME module, which it checks).
/// An unreadable message has an empty heading.
pub fn heading(raw: &[u8]) -> Heading {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Heading::default();
    };
    Heading {
        from: msg
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string(),
        subject: msg.subject().unwrap_or_default().to_string(),
    }
}

/// One delivered message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMail {
    /// When the ISP's server accepted it.
    pub received: Instant,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The whole RFC 5322 message.
    pub raw: String,
}

/// Mailboxes by lower-case address.
#[derive(Debug, Default)]
pub struct MailServer {
    boxes: BTreeMap<String, Vec<StoredMail>>,
    bounced: Vec<StoredMail>,
}

impl MailServer {
    pub fn new<'a>(mailboxes: impl IntoIterator<Item = &'a String>) -> Self {
        MailServer {
            boxes: mailboxes
                .into_iter()
                .map(|a| (a.to_ascii_lowercase(), Vec::new()))
                .collect(),
            bounced: Vec::new(),
        }
    }

    /// Delivers `mail` to its recipient's mailbox; returns false if bounced.
    pub fn deliver(&mut self, mail: StoredMail) -> bool {
        match self.boxes.get_mut(&mail.to.to_ascii_lowercase()) {
            Some(b) => {
                b.push(mail);
                true
            }
            None => {
                self.bounced.push(mail);
                false
            }
        }
    }

    /// The mailbox of `address` (empty if there is none).
    pub fn mailbox(&self, address: &str) -> &[StoredMail] {
        self.boxes
            .get(&address.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `address` has a mailbox here.
    pub fn has_mailbox(&self, address: &str) -> bool {
        self.boxes.contains_key(&address.to_ascii_lowercase())
    }

    /// Adds a mailbox for `address` (no-op if it has one).
    pub fn add_mailbox(&mut self, address: &str) {
        self.boxes.entry(address.to_ascii_lowercase()).or_default();
    }

    /// Removes the messages at `indices` of `address`'s mailbox (a POP3
    /// client's deletions, applied at its QUIT).
    pub fn remove(&mut self, address: &str, indices: &[usize]) {
        if let Some(b) = self.boxes.get_mut(&address.to_ascii_lowercase()) {
            let mut i = 0;
            b.retain(|_| {
                let keep = !indices.contains(&i);
                i += 1;
                keep
            });
        }
    }

    /// Mail that reached the server for an address without a mailbox.
    pub fn bounced(&self) -> &[StoredMail] {
        &self.bounced
    }

    pub fn delivered(&self) -> usize {
        self.boxes.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_case_insensitively_and_bounces_unknown() {
        let boxes = ["Desk@isp.example".to_string()];
        let mut server = MailServer::new(&boxes);
        let mail = |to: &str| StoredMail {
            received: Instant::from_secs(1),
            from: "a@isp.example".into(),
            to: to.into(),
            subject: "s".into(),
            raw: String::new(),
        };
        assert!(server.deliver(mail("desk@ISP.example")));
        assert!(!server.deliver(mail("nobody@isp.example")));
        assert_eq!(server.mailbox("desk@isp.example").len(), 1);
        assert_eq!(server.mailbox("nobody@isp.example").len(), 0);
        assert_eq!(server.bounced().len(), 1);
        assert_eq!(server.delivered(), 1);
    }

    #[test]
    fn a_heading_is_the_first_sender_and_the_decoded_subject() {
        let raw = b"From: =?UTF-8?B?55Sw5Lit?= <tanaka@print-shop.example>, b@x.example\r\n\
Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n\r\nbody\r\n";
        let h = heading(raw);
        assert_eq!(h.from, "tanaka@print-shop.example");
        assert_eq!(h.subject, "こんにちは");
        assert_eq!(heading(b"no header at all"), Heading::default());
    }
}
