//! The scenarios' mails (`scenarios/mails/`, made by
//! `examples/make_test_files.rs`) through mail security with the default
//! (seed 001) policy: each Emotet wave is caught by the engine meant to
//! catch it, and the rewritten mail carries the tag and the notice.

use appliance::inspect::anti_malware::{FileVerdict, Scanner};
use appliance::inspect::mail_security;
use appliance::proto::mime;
use appliance::{Config, FrozenIntel};

fn inspect(name: &str) -> mail_security::MailOutcome {
    let path = format!("{}/../scenarios/mails/{name}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let config = Config::default();
    let scanner = Scanner::new(&config.anti_malware, &FrozenIntel::default());
    mail_security::inspect(&raw, &config.mail, &scanner)
}

fn threat(outcome: &mail_security::MailOutcome) -> String {
    match &outcome.attachments.first().map(|a| &a.verdict) {
        Some(FileVerdict::Malware { threat, .. }) => threat.clone(),
        Some(FileVerdict::Unscannable { reason }) => format!("unscannable: {reason}"),
        other => format!("{other:?}"),
    }
}

fn delivered(outcome: &mail_security::MailOutcome) -> mime::Mail {
    mime::parse(outcome.deliver.as_deref().unwrap_or_default())
}

#[test]
fn each_emotet_wave_is_caught_and_the_mail_delivered_tagged() {
    for (mail, expected) in [
        ("emotet-2019-macro-reply.eml", "Heur.Macro.AutoExec"),
        (
            "emotet-2020-password-zip.eml",
            "unscannable: seikyusho-2020-09.zip/seikyusho-2020-09.doc: encrypted entry",
        ),
        ("emotet-2022-lnk.eml", "Heur.LNK.ScriptLauncher"),
        ("emotet-2023-onenote.eml", "Heur.OneNote.EmbeddedScript"),
        ("emotet-2023-oversize.eml", "Heur.Inflated.Document"),
        ("outgoing-eicar.eml", "Eicar_test_file"),
    ] {
        let outcome = inspect(mail);
        let got = threat(&outcome);
        assert!(got.starts_with(expected), "{mail}: {got}");
        let out = delivered(&outcome);
        assert!(
            out.subject.starts_with("[ウイルス駆除済み] "),
            "{mail}: {}",
            out.subject
        );
        assert!(out.attachments.is_empty(), "{mail}: attachment kept");
        assert!(
            out.text.contains("Cloud Edge が添付ファイルを削除しました"),
            "{mail}: {}",
            out.text
        );
    }
}

#[test]
fn the_seminar_mails_show_how_spam_tags_come_and_go() {
    let first = inspect("partner-seminar-1.eml");
    assert!(delivered(&first).subject.starts_with("[SPAM] "));
    let second = inspect("partner-seminar-2.eml");
    assert!(!second.rewritten, "{:?}", second.detections);
    assert_eq!(delivered(&second).subject, "無料セミナーのご案内（第2回）");
}
