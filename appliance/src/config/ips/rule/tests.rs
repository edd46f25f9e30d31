//! Tests of the IPS rule language: what parses, what is refused and where.

use super::*;

fn parse(text: &str) -> Result<Vec<Rule>, RuleError> {
    parse_rules("test.rules", text, &RuleVars::default())
}

#[test]
fn parses_a_full_rule() {
    let rules = parse(
        "# comment\n\
         drop http $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (msg:\"ET WEB shell\\; attempt\"; \
         flow:established,to_server; http.uri; content:\"/cgi-bin/\"; nocase; depth:9; \
         content:\"|2e 2e|/\"; http.host; content:\"nas\"; classtype:web-application-attack; \
         threshold: type limit, track by_src, count 1, seconds 60; sid:1000001; rev:2;)\n",
    )
    .expect("parses");
    let r = &rules[0];
    assert_eq!(r.action, RuleAction::Drop);
    assert_eq!(r.proto, RuleProto::Http);
    assert_eq!(r.msg, "ET WEB shell; attempt");
    assert_eq!(r.sid, 1_000_001);
    assert_eq!(r.rev, 2);
    assert_eq!(r.contents.len(), 3);
    assert_eq!(r.contents[0].buffer, Buffer::HttpUri);
    assert!(r.contents[0].nocase);
    assert_eq!(r.contents[0].depth, Some(9));
    assert_eq!(r.contents[1].bytes, b"../");
    assert_eq!(r.contents[2].buffer, Buffer::HttpHost);
    assert_eq!(
        r.flow,
        FlowOpts {
            established: Some(true),
            to_server: Some(true)
        }
    );
    assert_eq!(r.threshold.map(|t| t.count), Some(1));
    assert_eq!(r.origin, "test.rules:2");
    assert!(r.dst.matches(Ipv4Addr::new(192, 168, 1, 3)));
    assert!(!r.src.matches(Ipv4Addr::new(192, 168, 1, 3)));
    assert!(r.dst_ports.matches(Some(8080)));
    assert!(!r.dst_ports.matches(Some(443)));
}

#[test]
fn lists_negation_and_continuations() {
    let rules = parse(
        "alert tcp [192.0.2.0/24, !192.0.2.7] any -> any ![1:1023, 8080] \\\n  (msg:\"x\"; sid:5;)\n",
    )
    .expect("parses");
    let r = &rules[0];
    assert!(r.src.matches(Ipv4Addr::new(192, 0, 2, 8)));
    assert!(!r.src.matches(Ipv4Addr::new(192, 0, 2, 7)));
    assert!(!r.src.matches(Ipv4Addr::new(198, 51, 100, 1)));
    assert!(r.dst_ports.matches(Some(1024)));
    assert!(!r.dst_ports.matches(Some(80)));
    assert!(!r.dst_ports.matches(Some(8080)));
}

fn error(text: &str) -> RuleError {
    match parse(text) {
        Err(e) => e,
        Ok(r) => panic!("parsed: {r:?}"),
    }
}

#[test]
fn errors_name_line_column_and_reason() {
    let e = error(
        "alert tcp any any -> any any (msg:\"a\"; sid:1;)\nalert tcp any any -> any any (msg:\"b\"; sid:2; bogus:1;)\n",
    );
    assert_eq!(e.line, 2);
    assert_eq!(e.column, 47);
    assert!(e.message.contains("unsupported keyword `bogus`"), "{e}");
    assert!(
        e.to_string().starts_with("test.rules:2:47: unsupported"),
        "{e}"
    );

    let e = error("alert tcp any any => any any (sid:1;)");
    assert_eq!((e.line, e.column), (1, 19));
    assert!(e.message.contains("direction"));

    let e = error("alert tcp any any -> any any (msg:\"unterminated; sid:1;)");
    assert!(e.message.contains("not terminated"), "{e}");

    let e = error("alert tcp any any -> 300.1.1.1 any (sid:1;)");
    assert_eq!(e.column, 22);

    let e = error("alert tcp any any -> any any (msg:\"x\";)");
    assert!(e.message.contains("no `sid`"));

    let e = error("alert tcp any any -> any any (nocase; sid:1;)");
    assert!(e.message.contains("must follow a `content`"));

    let e = error("alert tcp any any -> any any (content:\"|4g|\"; sid:1;)");
    assert!(e.message.contains("hex byte"));

    let e = error("alert tcp any any -> any any (sid:1;)\nalert tcp any any -> any any (sid:1;)");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("used twice"));

    let e = error("alert tcp any any -> any any (threshold: type limit, track by_src; sid:1;)");
    assert!(e.message.contains("needs type, track, count and seconds"));
}

#[test]
fn content_window_and_case() {
    let c = Content {
        bytes: b"ABC".to_vec(),
        negated: false,
        nocase: true,
        offset: 2,
        depth: Some(4),
        buffer: Buffer::Payload,
    };
    assert!(c.holds(b"xxabcx"));
    assert!(!c.holds(b"abcxxx"), "before the offset");
    assert!(!c.holds(b"xxxxabc"), "past the depth");
    let neg = Content { negated: true, ..c };
    assert!(neg.holds(b"nothing"));
}

/// `n` levels of `!` and `[..]` around `leaf`, the kind of each level taken
/// from the bits of `pattern` (1 = `!`, 0 = `[..]`), repeating.
fn nested(n: usize, pattern: u64, leaf: &str) -> String {
    let mut open = String::with_capacity(n);
    let mut close = String::new();
    for level in 0..n {
        if pattern >> (level % 64) & 1 == 1 {
            open.push('!');
        } else {
            open.push('[');
            close.push(']');
        }
    }
    format!("{open}{leaf}{close}")
}

/// Class: an address or port spec nested past any sensible depth. Before the
/// bound, 30,000 levels overflowed the stack and aborted the process (exit
/// 134) in `officetwin rules`, `replay --rules` and `ips.rule_files`.
#[test]
fn ips_rule_nested_30000_deep_is_refused_not_a_stack_overflow() {
    for (n, pattern) in [
        (30_000, u64::MAX),
        (30_000, 0),
        (30_000, 0xAAAA_AAAA_AAAA_AAAA),
    ] {
        let spec = nested(n, pattern, "10.0.0.1");
        let e = error(&format!(
            "# a comment\nalert tcp {spec} any -> any any (sid:1;)\n"
        ));
        assert_eq!((e.file.as_str(), e.line), ("test.rules", 2), "{e}");
        // Where the level past the limit starts: each level is one character.
        assert_eq!(e.column, 11 + MAX_NESTING + 1, "{e}");
        assert!(e.message.contains(&MAX_NESTING.to_string()), "{e}");
        let spec = nested(n, pattern, "80");
        let e = error(&format!("alert tcp any any -> any {spec} (sid:1;)\n"));
        assert!(e.message.contains("port spec nests"), "{e}");
    }
}

proptest::proptest! {
    /// Any nesting depth up to 100,000, of `!`, `[..]` or both, in any of the
    /// four header slots: parsed if within [`MAX_NESTING`], otherwise a clean
    /// error naming the file, the line and the limit; never a crash.
    #[test]
    fn ips_rule_nesting_at_any_depth_is_ok_or_a_clean_error(
        n in proptest::prop_oneof![0usize..=2 * MAX_NESTING, 0usize..100_000],
        pattern in proptest::prelude::any::<u64>(),
        slot in 0usize..4,
    ) {
        let addr = |i| if i == slot { nested(n, pattern, "192.0.2.0/24") } else { "any".to_string() };
        let port = |i| if i == slot { nested(n, pattern, "1:1024") } else { "any".to_string() };
        let text = format!(
            "alert tcp {} {} -> {} {} (msg:\"deep\"; sid:7;)\n",
            addr(0), port(1), addr(2), port(3)
        );
        match parse(&text) {
            Ok(rules) => {
                proptest::prop_assert!(n <= MAX_NESTING, "parsed {n} levels");
                proptest::prop_assert_eq!(rules.len(), 1);
            }
            Err(e) => {
                proptest::prop_assert!(n > MAX_NESTING, "refused {n} levels: {e}");
                proptest::prop_assert_eq!((e.file.as_str(), e.line), ("test.rules", 1));
                proptest::prop_assert!(e.message.contains(&format!("deeper than {MAX_NESTING}")), "{}", e);
            }
        }
    }
}
