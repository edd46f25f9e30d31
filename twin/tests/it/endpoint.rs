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

/// Class: every extension the gateway's profile excludes from its scan of
/// downloads (seed 001: 「指定した拡張子のファイルがHTTPでダウンロードされた
/// 場合、不正プログラム対策での検索が除外されます。」), in any case. The
/// gateway lets each EICAR file through; the browser saves it and the
/// agent quarantines it. The list is the scenario's configuration, not the
/// gateway's code.
#[test]
fn every_excluded_extension_past_the_gateway_is_caught_on_the_pc() {
    use cloud::endpoint::{Action, ScanKind};
    use twin::endpoint::BROWSER_CACHE_DIR;
    const EICAR: &str = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    let mut s = scenario("emotet-2019-macro-reply");
    let excluded: Vec<String> = s
        .gateway
        .anti_malware
        .http_exclusions
        .iter()
        .flat_map(|e| [e.to_ascii_lowercase(), e.to_ascii_uppercase()])
        .collect();
    assert!(
        excluded.len() >= 16,
        "the profile's exclusions: {excluded:?}"
    );
    let site = s
        .internet
        .sites
        .iter_mut()
        .find(|site| site.host == "www.kaisha-tools.example")
        .expect("the scenario's download site");
    for ext in &excluded {
        site.pages.push(twin::model::Page {
            path: format!("/wp-content/uploads/file.{ext}"),
            status: 200,
            content_type: "application/octet-stream".into(),
            body: EICAR.into(),
        });
    }
    let mut world = World::new(&s, WorldOptions { capture: false }).expect("world");
    for (i, ext) in excluded.iter().enumerate() {
        world
            .open(
                "PC-04",
                &format!("http://www.kaisha-tools.example/wp-content/uploads/file.{ext}"),
            )
            .expect("opens");
        world.run_for(Duration::from_secs(20));
        let caught = world
            .endpoint()
            .expect("agents")
            .events()
            .iter()
            .filter(|e| {
                e.threat == "Eicar_test_file"
                    && e.scan == Some(ScanKind::RealTime)
                    && e.action == Action::Quarantined
                    && e.object == format!("{BROWSER_CACHE_DIR}\\file.{ext}")
            })
            .count();
        assert_eq!(caught, 1, "file.{ext} (#{i}) was not caught on the PC");
    }
    let anti_malware = world
        .drain_events()
        .iter()
        .filter(|e| e.engine == appliance::Engine::AntiMalware)
        .count();
    assert_eq!(anti_malware, 0, "the gateway scanned an excluded download");
}
