//! Mail security off (`gateway.mail.enabled: false`): the gateway no longer
//! proxies POP3, and the office must still get its mail. Found in
//! emotet-2019-macro-reply: with mail security off every one of PC-04's
//! POP3 fetches timed out, the mail program's `USER` line held by the
//! gateway as the start of an HTTP request (the class and its tests are in
//! `appliance/tests/it/server_first.rs`). Here the whole world: every fetch
//! ends with the messages fetched, and the reply with its Word document
//! arrives byte for byte as the ISP stored it, nothing tagged, nothing
//! logged about it.

use std::path::PathBuf;
use std::time::Duration;
use twin::mail_net::SessionKind;
use twin::mail_proto::ClientResult;
use twin::model::Scenario;
use twin::{World, WorldOptions};

fn scenario(id: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../scenarios/{id}.yaml"));
    twin::load::scenario_file(&path).expect("scenario loads")
}

#[test]
fn with_mail_security_off_pc04_fetches_the_reply_unchanged() {
    let mut s = scenario("emotet-2019-macro-reply");
    s.gateway.mail.enabled = false;
    let sent = s
        .mail
        .sends
        .first()
        .expect("the scenario sends a mail")
        .clone();
    let mut w = World::new(&s, WorldOptions { capture: false }).expect("world");
    w.run_until(w.end());
    // The check due at the end runs to its end too.
    let mut waited = 0;
    while w.mail_pending() > 0 && waited < 200 {
        w.run_for(Duration::from_secs(1));
        waited += 1;
    }

    let fetches: Vec<_> = w
        .mail_sessions()
        .into_iter()
        .filter(|r| r.who == "PC-04" && matches!(r.kind, SessionKind::Fetch { .. }))
        .cloned()
        .collect();
    assert!(
        fetches.len() >= 5,
        "a check every 5 minutes for 30: {fetches:?}"
    );
    for f in &fetches {
        assert!(
            matches!(f.result, Some(ClientResult::Fetched(_))),
            "a fetch at {:?} ended {:?}",
            f.started,
            f.result
        );
    }
    let fetched: usize = fetches
        .iter()
        .map(|f| match f.result {
            Some(ClientResult::Fetched(n)) => n,
            _ => 0,
        })
        .sum();
    assert_eq!(fetched, 1, "{fetches:?}");

    let inbox = w.inbox("PC-04");
    assert_eq!(inbox.len(), 1);
    // The twin's copy of what the ISP stored, not the gateway's reading.
    assert_eq!(inbox[0].raw.as_bytes(), sent.raw.as_slice());
    assert!(!inbox[0].subject.contains("[ウイルス駆除済み]"));

    let isp = s.internet.mail.ip;
    let about_the_isp: Vec<String> = w
        .drain_events()
        .into_iter()
        .filter(|e| e.dst_ip == isp || e.src_ip == isp)
        .map(|e| e.reason())
        .collect();
    assert!(
        about_the_isp.is_empty(),
        "nothing is logged about the mail sessions: {about_the_isp:?}"
    );
}
