//! Tests of the console's request and response checks.

use super::*;
use proptest::prelude::*;

/// Class: a header-breaking character in the gateway name (the CSV
/// download's file name). `"` ended the quoted name, CR LF injected a header
/// or made the response a 500.
#[test]
fn csv_download_name_with_quote_or_crlf_cannot_inject_a_header() {
    for name in [
        "CloudEdge\"; evil=\"1",
        "CloudEdge\r\nSet-Cookie: ot_session=x",
        "CloudEdge\nX: y",
        "印刷所-logs-20170926.csv",
    ] {
        let v = attachment(name);
        let text = v.to_str().expect("visible ASCII");
        assert!(!text.contains(['\r', '\n']), "{text:?}");
        assert_eq!(text.matches('"').count(), 2, "{text:?}");
        assert!(text.starts_with("attachment; filename=\""), "{text:?}");
    }
}

proptest! {
    /// Any name gives a valid header value of one quoted ASCII name whose
    /// `filename*` decodes back to the name.
    #[test]
    fn any_download_name_is_one_safe_header_value(name in any::<String>()) {
        let v = attachment(&name);
        let text = v.to_str().expect("visible ASCII").to_string();
        prop_assert_eq!(text.matches('"').count(), 2);
        let encoded = text.split("filename*=UTF-8''").nth(1).expect("filename*");
        let mut bytes = Vec::new();
        let mut it = encoded.bytes();
        while let Some(b) = it.next() {
            if b == b'%' {
                let hex: String = [it.next(), it.next()].iter().flatten().map(|&b| char::from(b)).collect();
                bytes.push(u8::from_str_radix(&hex, 16).expect("hex"));
            } else {
                bytes.push(b);
            }
        }
        prop_assert_eq!(String::from_utf8(bytes).expect("utf-8"), name);
    }

    /// A redirect target that passes is a path of this site however a
    /// browser normalises it: `/` then neither `/` nor `\`, no blanks.
    #[test]
    fn any_accepted_back_target_stays_on_this_site(back in "[/\\\\\t\n a-z.:%]{0,12}") {
        if let Some(path) = local_path(&back) {
            let normalised: String = path.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).map(|c| if c == '\\' { '/' } else { c }).collect();
            prop_assert!(normalised.starts_with('/') && !normalised.starts_with("//"), "{:?}", back);
        }
    }
}

/// Class: a redirect target a browser reads as another site.
#[test]
fn back_slash_evil_example_is_not_a_local_redirect() {
    for bad in [
        "/\\evil.example",
        "//evil.example",
        "/\t/evil.example",
        "https://evil.example",
        "",
        "evil",
    ] {
        assert_eq!(local_path(bad), None, "{bad:?}");
    }
    for good in ["/dashboard", "/logs?engine=cnc&ip=192.168.1.11", "/"] {
        assert_eq!(local_path(good), Some(good));
    }
}

/// Class: DNS rebinding: a page of another site whose name now points at
/// 127.0.0.1 talks to the console (and can lock `admin` out with wrong
/// passwords). Only the console's own names are answered.
#[test]
fn host_header_of_a_rebound_name_is_refused() {
    let hosts = AllowedHosts::new(Some("office-pc.lan, Console.Example"));
    for ok in [
        "127.0.0.1:8080",
        "localhost:3000",
        "LOCALHOST",
        "[::1]:8080",
        "[::1]",
        "office-pc.lan:8080",
        "console.example",
    ] {
        assert!(hosts.allows(Some(ok)), "{ok}");
    }
    for bad in [
        "evil.example:8080",
        "evil.example",
        "127.0.0.1.evil.example",
        "localhost.evil.example:80",
        "",
        "[::1",
    ] {
        assert!(!hosts.allows(Some(bad)), "{bad}");
    }
    assert!(!hosts.allows(None));
}

#[test]
fn every_response_gets_the_security_headers() {
    let mut h = HeaderMap::new();
    add_security_headers(&mut h);
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}
