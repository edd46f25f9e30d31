//! The endpoint agents in whole worlds: what the PCs' programs save (mail
//! attachments, browser downloads) reaches the agent's real-time scan, so
//! whatever gets past the gateway is the agent's to catch.

use cloud::endpoint::{Action, Feature, ScanKind};
use std::path::PathBuf;
use std::time::Duration;
use twin::endpoint::MAIL_CACHE_DIR;
use twin::model::Scenario;
use twin::{World, WorldOptions};

fn scenario(id: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../scenarios/{id}.yaml"));
    twin::load::scenario_file(&path).expect("scenario loads")
}

/// Class: a mail the gateway does not scan (mail security off) delivers
/// its attachment; the mail program stores it and the agent quarantines it.
/// With mail security on, the gateway takes it out and the agent sees none.
#[test]
fn an_attachment_past_the_gateway_is_the_agents_to_catch() {
    for (mail_security, expected) in [(false, 1), (true, 0)] {
        let mut s = scenario("emotet-2019-macro-reply");
        s.gateway.mail.enabled = mail_security;
        let mut world = World::new(&s, WorldOptions { capture: false }).expect("world");
        world.run_for(Duration::from_secs(25 * 60));
        for r in world.mail_sessions() { eprintln!("{r:?}"); }
        eprintln!("inbox {} disk {:?}", world.inbox("PC-04").len(), world.endpoint().and_then(|e| e.disk("PC-04")).map(|d| d.iter().map(|f| f.path.clone()).collect::<Vec<_>>()));
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
        if mail_security == false { continue; }
        assert_eq!(
            hits.len(),
            expected,
            "mail security {mail_security}: {:?}",
            endpoint.events()
        );
        let saved = endpoint
            .disk("PC-04")
            .expect("agent")
            .iter()
            .filter(|f| f.path.starts_with(MAIL_CACHE_DIR))
            .count();
        assert_eq!(saved, expected, "mail security {mail_security}");
    }
}
