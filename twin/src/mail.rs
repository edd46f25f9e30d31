//! The ISP's mail server as far as the twin needs it today: mailboxes that
//! receive mail (the support desk's alert mails, later reports and staff
//! mail). Delivery is by address; mail to an address without a mailbox is
//! bounced and kept aside so a misconfigured scenario is visible.

use appliance::Instant;
use std::collections::BTreeMap;

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
}
