//! Application control: what the internet's BitTorrent peers received and
//! answered. The twin is the oracle: the bytes that arrived at a peer, never
//! the gateway's own word; the handshake's layout is checked here against
//! BEP 3 as written, not through the twin's or the gateway's parser.

use super::TwinWorld;
use super::network::last_exchange;
use anyhow::{Context, Result, ensure};
use cucumber::then;
use std::net::Ipv4Addr;
use twin::Outcome;

/// BEP 3: "the handshake starts with character nineteen (decimal) followed
/// by the string 'BitTorrent protocol'", then 8 reserved bytes, the 20-byte
/// info hash and the 20-byte peer id.
const BEP3_START: &[u8] = b"\x13BitTorrent protocol";
const BEP3_LEN: usize = 1 + 19 + 8 + 20 + 20;

fn contacts<'w>(
    world: &'w mut TwinWorld,
    peer: &str,
    who: &str,
) -> Result<Vec<&'w twin::peer::PeerContact>> {
    let client = world.resolve_host(who)?;
    let peer: Ipv4Addr = peer
        .parse()
        .with_context(|| format!("{peer:?} is not a peer's IPv4 address"))?;
    let session = world.session()?;
    Ok(session
        .world
        .peer_contacts()
        .iter()
        .filter(|c| c.peer.0 == peer && c.client == client)
        .collect())
}

#[then(expr = "the BitTorrent peer {string} received no byte from {string}")]
fn peer_received_nothing(world: &mut TwinWorld, peer: String, who: String) -> Result<()> {
    let contacts = contacts(world, &peer, &who)?;
    ensure!(
        !contacts.is_empty(),
        "{who} never reached the peer {peer}: nothing shows a handshake was stopped on its way"
    );
    for c in &contacts {
        ensure!(
            c.received.is_empty(),
            "the peer {peer}:{} received {} byte(s) from {who} on one of its {} connection(s): {:?}",
            c.peer.1,
            c.received.len(),
            contacts.len(),
            String::from_utf8_lossy(&c.received)
        );
    }
    Ok(())
}

#[then(expr = "the BitTorrent peer {string} received {string}'s handshake and answered it")]
fn peer_answered(world: &mut TwinWorld, peer: String, who: String) -> Result<()> {
    let contacts = contacts(world, &peer, &who)?;
    let last = contacts
        .last()
        .with_context(|| format!("{who} never reached the peer {peer}"))?;
    ensure!(
        last.received.len() == BEP3_LEN && last.received.starts_with(BEP3_START),
        "the peer {peer} received {} byte(s) from {who}, not a {BEP3_LEN}-byte BitTorrent handshake: {:?}",
        last.received.len(),
        String::from_utf8_lossy(&last.received)
    );
    ensure!(last.answered, "the peer {peer} did not answer {who}");
    Ok(())
}

#[then(expr = "host {string}'s BitTorrent handshake to {string} is answered")]
fn handshake_answered(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let e = last_exchange(world, &host, &url)?;
    ensure!(
        e.outcome == Outcome::Complete && e.body.contains("BitTorrent protocol"),
        "{host}'s connection to {url} ended with {:?}, its peer's answer {:?}",
        e.outcome,
        e.body
    );
    Ok(())
}
