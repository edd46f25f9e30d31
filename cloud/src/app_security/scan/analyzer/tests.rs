//! The analyzer's rules, each class by a generator: layers of any depth
//! around any inner file, executables signed or not, the scenarios' macro
//! document.

use super::*;
use proptest::prelude::*;
use std::io::Write;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for (name, bytes) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish");
    out.into_inner()
}

/// `inner` wrapped in `layers` zip archives.
fn nested(inner_name: &str, inner: &[u8], layers: usize) -> Vec<u8> {
    let mut bytes = inner.to_vec();
    let mut name = inner_name.to_string();
    for i in 0..layers {
        bytes = zip_of(&[(&name, &bytes)]);
        name = format!("layer-{i}.zip");
    }
    bytes
}

/// The scenarios' Emotet document (auto-open macro calling out), made by
/// `make_test_files`.
fn macro_document() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/files/seikyusho-2019-12.doc"
    );
    std::fs::read(path).expect("scenarios/files/seikyusho-2019-12.doc (cargo run -p appliance --example make_test_files -- scenarios)")
}

/// A minimal PE32 header with the certificate table's size set or not.
fn pe(signed: bool) -> Vec<u8> {
    let mut b = vec![0u8; 0x200];
    b[0..2].copy_from_slice(b"MZ");
    b[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    b[0x80..0x84].copy_from_slice(b"PE\0\0");
    let optional = 0x80 + 24;
    b[optional..optional + 2].copy_from_slice(&0x10bu16.to_le_bytes());
    let cert_size = optional + 96 + 4 * 8 + 4;
    if signed {
        b[cert_size..cert_size + 4].copy_from_slice(&0x400u32.to_le_bytes());
    }
    b
}

#[test]
fn the_seeds_example_thirty_layers_is_unknown() {
    let a = analyze("report.zip", &nested("report.docx", b"plain words", 30));
    assert!(a.submitted);
    assert_eq!(a.risk, RiskLevel::Unknown);
    assert!(
        a.traits
            .iter()
            .any(|t| t.contains("more than 20 compression layers")),
        "{a:?}"
    );
}

#[test]
fn the_macro_document_is_high_and_an_unsigned_program_medium() {
    let doc = analyze("seikyusho.doc", &macro_document());
    assert_eq!(doc.risk, RiskLevel::High, "{doc:?}");
    assert!(doc.submitted);
    assert_eq!(analyze("setup.exe", &pe(false)).risk, RiskLevel::Medium);
    let signed = analyze("setup.exe", &pe(true));
    assert_eq!(signed.risk, RiskLevel::NoRisk);
    assert!(signed.submitted, "a program is submitted even when signed");
}

#[test]
fn documents_and_pictures_are_not_submitted() {
    let a = analyze(
        "photos.zip",
        &zip_of(&[("a.jpg", b"\xff\xd8\xff"), ("b.txt", b"hi")]),
    );
    assert_eq!((a.submitted, a.risk), (false, RiskLevel::NoRisk));
}

#[test]
fn an_archive_the_analyzer_cannot_open_is_unknown() {
    let rar = analyze("x.rar", b"Rar!\x1a\x07\x00rest");
    assert_eq!((rar.submitted, rar.risk), (true, RiskLevel::Unknown));
}

#[test]
fn scripts_rate_by_what_they_call() {
    assert_eq!(
        analyze(
            "a.js",
            b"var s = new ActiveXObject('WScript.Shell'); s.Run('powershell -e x')"
        )
        .risk,
        RiskLevel::High
    );
    assert_eq!(analyze("a.vbs", b"MsgBox 1").risk, RiskLevel::Medium);
}

#[test]
fn unknown_is_never_at_a_threshold_and_levels_order() {
    assert!(at_or_above(RiskLevel::High, RiskLevel::Medium));
    assert!(at_or_above(RiskLevel::Medium, RiskLevel::Medium));
    assert!(!at_or_above(RiskLevel::Low, RiskLevel::Medium));
    assert!(!at_or_above(RiskLevel::Unknown, RiskLevel::Low));
    assert!(at_or_above(RiskLevel::NoRisk, RiskLevel::NoRisk));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Class: anything wrapped in layers. Up to 20 layers the inside is
    /// analysed (a macro document stays 高, a program 中, text リスクなし);
    /// past 20 nothing inside is seen and the verdict is 不明.
    #[test]
    fn layers_past_twenty_hide_the_inside(layers in 0usize..=32, inner in 0usize..3) {
        let (name, bytes, inside) = match inner {
            0 => ("doc.doc", macro_document(), RiskLevel::High),
            1 => ("setup.exe", pe(false), RiskLevel::Medium),
            _ => ("notes.txt", b"minutes of the meeting".to_vec(), RiskLevel::NoRisk),
        };
        let a = analyze("outer.zip", &nested(name, &bytes, layers));
        if layers > MAX_LAYERS {
            prop_assert_eq!(a.risk, RiskLevel::Unknown);
            prop_assert!(a.submitted);
        } else {
            prop_assert_eq!(a.risk, inside);
            prop_assert_eq!(a.submitted, inner != 2);
        }
    }
}

fn visit(content_type: &str, body: &[u8]) -> super::super::api::Visit {
    super::super::api::Visit {
        status: 200,
        content_type: content_type.into(),
        body: body.to_vec(),
    }
}

#[test]
fn a_url_is_rated_by_what_the_sandbox_got() {
    let url = "http://login.example/verify";
    // A password field, however written: credential phishing.
    for form in [
        "<form><input name=\"password\"></form>",
        "<FORM><INPUT TYPE=password NAME=p></FORM>",
        "<input type='password' id='pw'>",
    ] {
        let a = analyze_url(
            url,
            Some(&visit("text/html; charset=utf-8", form.as_bytes())),
        );
        assert_eq!(a.risk, RiskLevel::High, "{form}");
    }
    // The word outside a field is no form.
    let a = analyze_url(
        url,
        Some(&visit("text/html", b"<p>Forgot your password?</p>")),
    );
    assert_eq!(a.risk, RiskLevel::NoRisk);
    // A file is rated as a file.
    let a = analyze_url(
        "http://cdn.example/setup.exe",
        Some(&visit("application/octet-stream", &pe(false))),
    );
    assert_eq!(a.risk, RiskLevel::Medium);
    assert!(
        a.traits[0].starts_with("http://cdn.example/setup.exe serves setup.exe"),
        "{a:?}"
    );
    // Nothing, or an error: unknown.
    assert_eq!(analyze_url(url, None).risk, RiskLevel::Unknown);
    let mut gone = visit("text/html", b"");
    gone.status = 404;
    assert_eq!(analyze_url(url, Some(&gone)).risk, RiskLevel::Unknown);
}

/// Review finding: a zip bomb is bounded work. Entries that inflate past
/// the budget, all layers together, leave the rest unopened: 不明.
#[test]
fn a_zip_past_the_inflate_budget_is_unknown_not_unbounded() {
    let zeros = vec![0u8; 32 * 1024 * 1024];
    let entries: Vec<(String, &[u8])> = (0..9)
        .map(|i| (format!("part-{i}.bin"), zeros.as_slice()))
        .collect();
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let bomb = zip_of(&refs);
    assert!(bomb.len() < 2 * 1024 * 1024, "a small file: {}", bomb.len());
    let a = analyze("bomb.zip", &bomb);
    assert_eq!((a.submitted, a.risk), (true, RiskLevel::Unknown));
    assert!(a.traits.iter().any(|t| t.contains("MiB inflated")), "{a:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Class of the unrated-lure case: a password field written any way
    /// (case, quoting, attribute order, text around) on any page is 高;
    /// the same page without one is リスクなし.
    #[test]
    fn a_password_field_written_any_way_is_high(
        before in "[a-zA-Z0-9 <>/=\"ぁ-ん]{0,40}",
        after in "[a-zA-Z0-9 <>/=\"ぁ-ん]{0,40}",
        upper in any::<bool>(),
        quote in prop::sample::select(vec!["\"", "'", ""]),
        by_type in any::<bool>(),
        extra in "[a-z]{0,8}",
    ) {
        prop_assume!(!before.to_ascii_lowercase().contains("pass") && !after.to_ascii_lowercase().contains("pass"));
        let attr = if by_type { "type" } else { "name" };
        let mut field = format!("<input id={quote}{extra}{quote} {attr}={quote}password{quote}>");
        if upper {
            field = field.to_uppercase();
        }
        let with = format!("<html>{before}<form>{field}</form>{after}</html>");
        let a = analyze_url("http://x.example/", Some(&visit("text/html", with.as_bytes())));
        prop_assert_eq!(a.risk, RiskLevel::High);
        let without = format!("<html>{before}<form><input name={quote}user{quote}></form>{after}</html>");
        let b = analyze_url("http://x.example/", Some(&visit("text/html", without.as_bytes())));
        prop_assert_eq!(b.risk, RiskLevel::NoRisk);
    }
}
