//! The control codec: the exact wire lines, round trips, and refusals of
//! truncated, oversized and garbage input.

use super::*;
use appliance::inspect::devices::MacAddr;
use std::io::BufReader;

fn now() -> Instant {
    Instant::from_micros(1_704_067_200_123_456)
}

fn blocked() -> Vec<BlockedDevice> {
    vec![
        BlockedDevice {
            ip: Some("192.168.1.99".parse().expect("ip")),
            mac: None,
            note: Some("not company equipment".to_string()),
        },
        BlockedDevice {
            ip: None,
            mac: Some("28:6c:07:01:02:03".parse::<MacAddr>().expect("mac")),
            note: None,
        },
    ]
}

fn alert() -> Alert {
    Alert {
        time: now(),
        from: "gateway@office.example".to_string(),
        to: "desk@support.example".to_string(),
        subject: "【警告】C&C \"callback\"".to_string(),
        body: "line one\nline two\ttab\n".to_string(),
    }
}

fn commands() -> Vec<Command> {
    vec![
        Command::Handle {
            now: now(),
            port: Port::Lan,
        },
        Command::Handle {
            now: Instant::from_micros(-5),
            port: Port::Wan,
        },
        Command::Poll { now: now() },
        Command::DeployDevices {
            now: now(),
            version: 7,
            blocked: blocked(),
        },
        Command::DeployDevices {
            now: now(),
            version: 0,
            blocked: Vec::new(),
        },
        Command::Clock {
            from: Instant::from_micros(1_704_067_200_000_000),
            until: now(),
            online: true,
        },
        Command::Clock {
            from: now(),
            until: now(),
            online: false,
        },
    ]
}

fn access() -> AccessRecord {
    AccessRecord {
        time: now(),
        src_ip: "192.168.1.12".parse().expect("ip"),
        host: Some("www.print-shop.example".to_string()),
        category: Some("Business/Economy".to_string()),
        bytes: 412,
    }
}

fn replies() -> Vec<Reply> {
    vec![
        Reply::Ready,
        Reply::Deployed(DeployOutcome::Success { version: 3 }),
        Reply::Deployed(DeployOutcome::Failed {
            kept_version: 2,
            reason: "devices.blocked[0]: neither ip nor mac".to_string(),
        }),
        Reply::Deployed(DeployOutcome::Failed {
            kept_version: 2,
            reason: String::new(),
        }),
        Reply::Alert(alert()),
        Reply::Access(access()),
        Reply::Access(AccessRecord {
            host: None,
            category: None,
            ..access()
        }),
        Reply::Done(Done {
            poll_at: Some(now()),
            lan: 1,
            wan: 2,
            events: 3,
        }),
        Reply::Done(Done::default()),
    ]
}

/// The bytes the protocol had before the codec (the firmware's and the
/// twin's own `format!`s), so old and new builds still talk.
#[test]
fn the_wire_lines_are_the_protocols() {
    let lines: Vec<String> = commands()
        .iter()
        .map(|c| c.encode().expect("encode"))
        .collect();
    assert_eq!(
        lines,
        [
            "H 1704067200123456 L\n",
            "H -5 W\n",
            "P 1704067200123456\n",
            "B 1704067200123456 7 [{\"ip\":\"192.168.1.99\",\"mac\":null,\"note\":\"not company equipment\"},{\"ip\":null,\"mac\":\"28:6c:07:01:02:03\",\"note\":null}]\n",
            "B 1704067200123456 0 []\n",
            "C 1704067200000000 1704067200123456 up\n",
            "C 1704067200123456 1704067200123456 down\n",
        ]
    );
    // The block list as the twin wrote it: serde_json of the list itself.
    assert_eq!(
        lines[3],
        format!(
            "B {} 7 {}\n",
            now().as_micros(),
            serde_json::to_string(&blocked()).expect("json")
        )
    );
    let lines: Vec<String> = replies()
        .iter()
        .map(|r| r.encode().expect("encode"))
        .collect();
    assert_eq!(
        lines,
        [
            "R\n",
            "O ok 3\n",
            "O failed 2 devices.blocked[0]: neither ip nor mac\n",
            "O failed 2 \n",
            "A {\"time\":1704067200123456,\"from\":\"gateway@office.example\",\"to\":\"desk@support.example\",\"subject\":\"【警告】C&C \\\"callback\\\"\",\"body\":\"line one\\nline two\\ttab\\n\"}\n",
            "S {\"time\":1704067200123456,\"src_ip\":\"192.168.1.12\",\"host\":\"www.print-shop.example\",\"category\":\"Business/Economy\",\"bytes\":412}\n",
            "S {\"time\":1704067200123456,\"src_ip\":\"192.168.1.12\",\"host\":null,\"category\":null,\"bytes\":412}\n",
            "D 1704067200123456 1 2 3\n",
            "D - 0 0 0\n",
        ]
    );
    // The alert as the firmware wrote it: serde_json of the `Alert` itself.
    assert_eq!(
        lines[4],
        format!("A {}\n", serde_json::to_string(&alert()).expect("json"))
    );
}

#[test]
fn commands_round_trip() {
    for command in commands() {
        let line = command.encode().expect("encode");
        assert_eq!(Command::decode(line.as_bytes()).expect(&line), command);
    }
}

#[test]
fn replies_round_trip() {
    for reply in replies() {
        let line = reply.encode().expect("encode");
        assert_eq!(Reply::decode(line.as_bytes()).expect(&line), reply);
    }
}

#[test]
fn a_reason_travels_on_one_line() {
    let reply = Reply::Deployed(DeployOutcome::Failed {
        kept_version: 4,
        reason: "first\nsecond\n".to_string(),
    });
    let line = reply.encode().expect("encode");
    assert_eq!(line, "O failed 4 first second \n");
    assert_eq!(
        Reply::decode(line.as_bytes()).expect("decode"),
        Reply::Deployed(DeployOutcome::Failed {
            kept_version: 4,
            reason: "first second".to_string(),
        })
    );
}

#[test]
fn a_stream_of_lines_reads_back_in_order() {
    let mut wire = String::new();
    for reply in replies() {
        reply.encode_into(&mut wire).expect("encode");
    }
    let mut reader = Reader::new(BufReader::new(wire.as_bytes()));
    for reply in replies() {
        assert_eq!(reader.read_reply().expect("read"), Some(reply));
    }
    assert_eq!(reader.read_reply().expect("end"), None);

    let mut wire = String::new();
    for command in commands() {
        command.encode_into(&mut wire).expect("encode");
    }
    // A small buffer: lines arrive in pieces.
    let mut reader = Reader::new(BufReader::with_capacity(3, wire.as_bytes()));
    for command in commands() {
        assert_eq!(reader.read_command().expect("read"), Some(command));
    }
    assert_eq!(reader.read_command().expect("end"), None);
}

#[test]
fn truncated_input_is_refused() {
    for line in commands().iter().map(|c| c.encode().expect("encode")) {
        for cut in 0..line.len() {
            let part = &line.as_bytes()[..cut];
            assert!(
                matches!(Command::decode(part), Err(Error::Truncated { .. })),
                "{part:?}"
            );
            let mut reader = Reader::new(part);
            match reader.read_command() {
                Ok(None) if cut == 0 => {}
                Err(Error::Truncated { .. }) if cut > 0 => {}
                other => panic!("{part:?} read as {other:?}"),
            }
        }
    }
    for line in replies().iter().map(|r| r.encode().expect("encode")) {
        let part = &line.as_bytes()[..line.len() - 1];
        assert!(
            matches!(Reply::decode(part), Err(Error::Truncated { .. })),
            "{part:?}"
        );
        let err = Reader::new(part).read_reply().expect_err("cut off");
        assert!(err.to_string().contains("cut off"), "{err}");
    }
}

#[test]
fn garbage_is_refused_with_the_line_named() {
    let bad_commands: &[&[u8]] = &[
        b"\n",
        b" \n",
        b"X 1 L\n",
        b"H\n",
        b"H x L\n",
        b"H 1\n",
        b"H 1 X\n",
        b"H 1 L extra\n",
        b"H  1 L\n",
        b"h 1 L\n",
        b"P 1 2\n",
        b"P 99999999999999999999\n",
        b"B 1\n",
        b"B 1 x []\n",
        b"B 1 -1 []\n",
        b"B 1 2\n",
        b"B 1 2 {\n",
        b"B 1 2 [{\"ip\":\"300.1.1.1\"}]\n",
        b"B 1 2 [{\"colour\":\"red\"}]\n",
        b"P 1\r\n",
        b"P \xff\n",
        b"R\n",
        b"D - 0 0 0\n",
        b"C 1\n",
        b"C 1 2\n",
        b"C 1 2 sideways\n",
        b"C 2 1 up\n",
        b"C 1 x up\n",
        b"C 1 2 up extra\n",
    ];
    for line in bad_commands {
        let err = Command::decode(line).expect_err(&String::from_utf8_lossy(line));
        assert!(
            matches!(err, Error::Bad { .. }),
            "{line:?}: {err:?} is not a bad line"
        );
        assert!(err.to_string().starts_with("bad control line "), "{err}");
    }
    let bad_replies: &[&[u8]] = &[
        b"\n",
        b"R \n",
        b"RR\n",
        b"O\n",
        b"O ok\n",
        b"O ok x\n",
        b"O ok 1 2\n",
        b"O done 1\n",
        b"O failed\n",
        b"A\n",
        b"A {}\n",
        b"A not json\n",
        b"A {\"time\":\"noon\",\"from\":\"a\",\"to\":\"b\",\"subject\":\"c\",\"body\":\"d\"}\n",
        b"D\n",
        b"D - 0 0\n",
        b"D - 0 0 0 0\n",
        b"D x 0 0 0\n",
        b"D - -1 0 0\n",
        b"D - 0 a 0\n",
        b"D -  0 0 0\n",
        b"H 1 L\n",
        b"\xe3\x81\n",
        b"S\n",
        b"S {}\n",
        b"S {\"time\":1,\"src_ip\":\"300.0.0.1\",\"host\":null,\"category\":null,\"bytes\":1}\n",
        b"S {\"time\":1,\"src_ip\":\"10.0.0.1\",\"host\":null,\"category\":null,\"bytes\":-1}\n",
    ];
    for line in bad_replies {
        let err = Reply::decode(line).expect_err(&String::from_utf8_lossy(line));
        assert!(
            matches!(err, Error::Bad { .. }),
            "{line:?}: {err:?} is not a bad line"
        );
    }
    let err = Reply::decode(b"D 5 one 0 0\n").expect_err("bad count");
    assert_eq!(
        err.to_string(),
        "bad control line \"D 5 one 0 0\": the frames on LAN is not a count"
    );
}

#[test]
fn an_alert_may_carry_fields_a_newer_firmware_adds() {
    let line = b"A {\"time\":5,\"from\":\"a\",\"to\":\"b\",\"subject\":\"c\",\"body\":\"d\",\"engine\":\"C&C\"}\n";
    let Reply::Alert(alert) = Reply::decode(line).expect("decode") else {
        panic!("not an alert");
    };
    assert_eq!(alert.time, Instant::from_micros(5));
    assert_eq!(alert.body, "d");
}

#[test]
fn lengths_are_checked_both_ways() {
    // Writing: a line over the limit is refused and leaves `out` as it was.
    let huge = Reply::Alert(Alert {
        body: "x".repeat(MAX_LINE),
        ..alert()
    });
    let mut out = "R\n".to_string();
    let err = huge.encode_into(&mut out).expect_err("too long");
    assert!(matches!(err, Error::TooLong { .. }), "{err:?}");
    assert_eq!(out, "R\n");
    // The longest line that fits is read back.
    let filler = MAX_LINE
        - "A {\"time\":1,\"from\":\"\",\"to\":\"\",\"subject\":\"\",\"body\":\"\"}\n".len();
    let fits = Reply::Alert(Alert {
        time: Instant::from_micros(1),
        from: String::new(),
        to: String::new(),
        subject: String::new(),
        body: "y".repeat(filler),
    });
    let line = fits.encode().expect("fits");
    assert_eq!(line.len(), MAX_LINE);
    let mut reader = Reader::new(BufReader::new(line.as_bytes()));
    assert_eq!(reader.read_reply().expect("read"), Some(fits));
    // Reading: one byte more is refused without reading past the limit.
    let mut long = vec![b'P'; MAX_LINE];
    long.push(b'\n');
    assert!(matches!(Command::decode(&long), Err(Error::TooLong { .. })));
    let mut reader = Reader::new(BufReader::new(&long[..]));
    assert!(matches!(reader.read_command(), Err(Error::TooLong { .. })));
    let mut endless = std::io::repeat(b'D').take(4 * MAX_LINE as u64);
    let mut reader = Reader::new(BufReader::new(&mut endless));
    let err = reader.read_reply().expect_err("too long");
    assert!(matches!(err, Error::TooLong { .. }), "{err:?}");
    assert!(err.to_string().len() < 200, "{err}");
}

#[test]
fn io_errors_keep_their_kind_and_words() {
    let e = io::Error::new(io::ErrorKind::WouldBlock, "no answer");
    let back: io::Error = Error::from(e).into();
    assert_eq!(back.kind(), io::ErrorKind::WouldBlock);
    assert_eq!(back.to_string(), "no answer");
    let back: io::Error = Error::Truncated {
        line: "D 1".to_string(),
    }
    .into();
    assert_eq!(back.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        back.to_string(),
        "control line cut off before its newline: \"D 1\""
    );
}

/// Class: any allowed request the gateway counts (any source, any host or
/// category text, Unicode and control characters included, any size)
/// crosses the control socket on one line and reads back as it was sent.
mod access_property {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_access_record_round_trips(
            time in any::<i64>(),
            ip in any::<u32>(),
            host in proptest::option::of(any::<String>()),
            category in proptest::option::of(any::<String>()),
            bytes in any::<u64>(),
        ) {
            let record = AccessRecord {
                time: Instant::from_micros(time),
                src_ip: std::net::Ipv4Addr::from(ip),
                host,
                category,
                bytes,
            };
            let line = Reply::Access(record.clone()).encode().expect("encode");
            prop_assert_eq!(line.matches('\n').count(), 1);
            prop_assert!(line.ends_with('\n'));
            prop_assert_eq!(Reply::decode(line.as_bytes()).expect("decode"), Reply::Access(record));
        }

        #[test]
        fn every_clock_span_round_trips(from in any::<i64>(), len in 0i64..=i64::MAX, online in any::<bool>()) {
            let from_i = Instant::from_micros(from);
            let until = Instant::from_micros(from.saturating_add(len));
            let command = Command::Clock { from: from_i, until, online };
            let line = command.encode().expect("encode");
            prop_assert_eq!(Command::decode(line.as_bytes()).expect("decode"), command);
        }
    }
}
