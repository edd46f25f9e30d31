//! The endpoint agents in whole worlds: what the PCs' programs save (mail
//! attachments, browser downloads) reaches the agent's real-time scan, so
//! whatever gets past the gateway is the agent's to catch.

use std::path::PathBuf;
use std::time::Duration;
use twin::endpoint::MAIL_CACHE_DIR;
use twin::model::Scenario;
use twin::{World, WorldOptions};

fn scenario(id: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../scenarios/{id}.yaml"));
    twin::load::scenario_file(&path).expect("scenario loads")
}

/// With mail security on, the gateway replaces the macro document by an
/// inline notice: the mail reaches PC-04, its agent reads it, and no file
/// is saved from it, so nothing is detected.
#[test]
fn an_attachment_the_gateway_took_out_never_reaches_the_agent() {
    let s = scenario("emotet-2019-macro-reply");
    let mut world = World::new(&s, WorldOptions { capture: false }).expect("world");
    world.run_for(Duration::from_secs(25 * 60));
    assert_eq!(world.inbox("PC-04").len(), 1, "the mail was fetched");
    let endpoint = world.endpoint().expect("the print shop has agents");
    assert_eq!(endpoint.seen("PC-04").map(|(_, mails)| mails), Some(1));
    let saved = endpoint
        .disk("PC-04")
        .expect("agent")
        .iter()
        .filter(|f| f.path.starts_with(MAIL_CACHE_DIR))
        .count();
    assert_eq!(saved, 0);
    assert!(endpoint.events().is_empty(), "{:?}", endpoint.events());
}

/// Class: an attachment the gateway does not scan (mail security off)
/// reaches the PC; the mail program stores it and the agent's real-time
/// scan quarantines it. (This needed POP3 to pass with mail security off:
/// `appliance/tests/it/server_first.rs`.)
#[test]
fn an_attachment_past_the_gateway_is_the_agents_to_catch() {
    use cloud::endpoint::{Action, Feature, ScanKind};
    let mut s = scenario("emotet-2019-macro-reply");
    s.gateway.mail.enabled = false;
    let mut world = World::new(&s, WorldOptions { capture: false }).expect("world");
    world.run_for(Duration::from_secs(25 * 60));
    assert_eq!(world.inbox("PC-04").len(), 1, "the mail was fetched");
    let endpoint = world.endpoint().expect("the print shop has agents");
    let hits: Vec<_> = endpoint
        .events()
        .iter()
        .filter(|e| {
            e.endpoint == "PC-04"
                && e.feature == Feature::VirusMalware
                && e.threat == "Trojan.W97M.EMOTET.TWIN"
                && e.scan == Some(ScanKind::RealTime)
                && e.action == Action::Quarantined
                && e.object.starts_with(MAIL_CACHE_DIR)
        })
        .collect();
    assert_eq!(hits.len(), 1, "{:?}", endpoint.events());
}
