//! Phishing mail (seed 000 FAQ Q11): what the recipient's mailbox holds
//! against what the sender sent. The oracle is the scenario's own message
//! file, compared byte for byte: the gateway's MIME decoder is never asked
//! what the mail says.

use super::TwinWorld;
use anyhow::{Context, Result, ensure};
use cucumber::then;
use std::path::PathBuf;

/// `raw` split at its first blank line: the header lines and the body.
fn head_and_body(raw: &[u8]) -> (Vec<&[u8]>, &[u8]) {
    let at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 4);
    let (head, body) = raw.split_at(at);
    let lines = head
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && *l != b"\r")
        .collect();
    (lines, body)
}

#[then(expr = "the mail to {string} is {string} as sent, but for the tag {string} in its subject")]
fn delivered_as_sent_but_tagged(
    world: &mut TwinWorld,
    to: String,
    file: String,
    tag: String,
) -> Result<()> {
    delivered_as_sent(world, &to, &file, Some(&tag))
}

#[then(expr = "the mail to {string} is {string} exactly as sent")]
fn delivered_exactly_as_sent(world: &mut TwinWorld, to: String, file: String) -> Result<()> {
    delivered_as_sent(world, &to, &file, None)
}

/// The newest mail to `to` against the file `file`: the same body byte for
/// byte, the same header lines (a server may add trace lines above them),
/// the subject with `tag` put before it, or unchanged.
fn delivered_as_sent(world: &mut TwinWorld, to: &str, file: &str, tag: Option<&str>) -> Result<()> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/mails")
        .join(file);
    let sent = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let session = world.session()?;
    let seen = session.world.mail_to(to);
    let newest = seen
        .last()
        .with_context(|| format!("no mail reached {to}"))?;
    let got = newest.mail.raw.as_bytes();
    let (sent_head, sent_body) = head_and_body(&sent);
    let (got_head, got_body) = head_and_body(got);
    ensure!(
        got_body == sent_body,
        "the body of the mail to {to} is not the body of {file} ({} bytes delivered, {} sent)",
        got_body.len(),
        sent_body.len()
    );
    fn subject(l: &[u8]) -> bool {
        l.get(..8)
            .is_some_and(|h| h.eq_ignore_ascii_case(b"subject:"))
    }
    let sent_subject = sent_head
        .iter()
        .find(|l| subject(l))
        .with_context(|| format!("{file} has no Subject"))?;
    let got_subject = got_head
        .iter()
        .find(|l| subject(l))
        .with_context(|| format!("the mail to {to} has no Subject"))?;
    let value = sent_subject[8..].trim_ascii();
    let expected = match tag {
        Some(tag) => [b"Subject: ", tag.as_bytes(), b" ", value].concat(),
        None => sent_subject.trim_ascii_end().to_vec(),
    };
    ensure!(
        got_subject.trim_ascii_end() == expected.as_slice(),
        "the mail to {to} has the subject line {:?}, expected {:?}",
        String::from_utf8_lossy(got_subject),
        String::from_utf8_lossy(&expected)
    );
    let others = |head: &[&[u8]]| -> Vec<Vec<u8>> {
        head.iter()
            .filter(|l| !subject(l))
            .map(|l| l.to_vec())
            .collect()
    };
    let (sent_rest, got_rest) = (others(&sent_head), others(&got_head));
    ensure!(
        got_rest
            .iter()
            .rev()
            .zip(sent_rest.iter().rev())
            .all(|(a, b)| a == b)
            && got_rest.len() >= sent_rest.len(),
        "the other header lines of the mail to {to} differ from {file}'s"
    );
    Ok(())
}
