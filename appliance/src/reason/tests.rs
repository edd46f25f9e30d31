//! Tests of the reason links: their log texts, kinds and serde shape.

use super::*;

fn samples() -> Vec<Reason> {
    vec![
        Reason::CncList,
        Reason::Indicator {
            indicator: Indicator::Url("http://a.example/x".into()),
        },
        Reason::Indicator {
            indicator: Indicator::Ip(Ipv4Addr::new(203, 0, 113, 9)),
        },
        Reason::Threat {
            name: "CnC.Win32.Generic".into(),
        },
        Reason::TlsSni {
            name: "api.c2.example".into(),
        },
        Reason::DnsQuery {
            name: "c2.example".into(),
        },
        Reason::Sinkhole { answer: None },
        Reason::FlowTableRoom,
        Reason::FlowsTurnedAway {
            flows: 689_505,
            secs: 600,
        },
        Reason::Sinkhole {
            answer: Some(Ipv4Addr::new(192, 0, 2, 250)),
        },
        Reason::UninspectedTraffic {
            flows: 3,
            packets: 40,
            bytes: 51_200,
        },
        Reason::UnsupportedProtocol { ethertype: 0x86dd },
        Reason::BeaconThreshold {
            score: Thousandths(812),
            threshold: Thousandths(700),
            to: "cdn.example (203.0.113.5)".into(),
        },
        Reason::BeaconTiming(Box::new(BeaconTiming {
            connections: 144,
            window_min: 1440,
            interval_secs: 600,
            timing: Figure(0.955),
            ts_skew: Figure(1.0),
            ts_madm: Figure(0.9),
            ts_fill: Figure(1.0),
            ds_skew: Figure(1.0),
            ds_madm: Figure(1.0),
            ds_small: Figure(0.5),
            reply_bytes: 212,
            hourly: None,
        })),
        Reason::Traffic {
            traffic: Traffic::Other {
                protocol: 47,
                dst: Ipv4Addr::new(192, 168, 1, 2),
            },
        },
        Reason::Application {
            name: "Dropbox".into(),
            kind: "storage".into(),
        },
        Reason::Flood {
            kind: FloodKind::Syn,
        },
        Reason::Category {
            name: "Phishing".into(),
            ja: None,
        },
        Reason::ReputationScore {
            score: 12,
            band: Band::Dangerous,
        },
        Reason::Feature {
            feature: Feature::Inflated {
                document: "a.doc".into(),
                mib: 110,
                ratio: 1020,
            },
        },
        Reason::SpamSign {
            sign: SpamSign::Phrases(vec!["無料".into(), "今すぐ".into()]),
        },
        Reason::DnsblAnswer {
            ip: Ipv4Addr::new(198, 51, 100, 7),
            answer: 2,
        },
    ]
}

#[test]
fn links_render_the_log_texts() {
    let texts: Vec<String> = samples().iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        [
            "C&C list",
            "URL http://a.example/x",
            "IP 203.0.113.9",
            "threat CnC.Win32.Generic",
            "TLS SNI api.c2.example",
            "DNS query c2.example",
            "sinkhole answer NXDOMAIN",
            "flow table has room again",
            "689505 new flows found it full over 600 s",
            "sinkhole answer 192.0.2.250",
            "3 flows, 40 packets, 51200 bytes passed uninspected",
            "EtherType 0x86dd (IPv6) is not inspected: its frames pass as they are",
            "score 0.812 >= 0.700 to cdn.example (203.0.113.5)",
            "144 check-ins in 1440 min, every 600 s; timing 0.95 (skew 1.00 dispersion 0.90 \
             fill 1.00), size skew 1.00 dispersion 1.00 smallness 0.50; median reply 212 bytes",
            "protocol 47 to 192.168.1.2",
            "application Dropbox (storage)",
            "SYN flood",
            "category Phishing",
            "score 12 (dangerous / 危険)",
            "document a.doc inflated to 110 MiB (ratio 1020:1)",
            "spam phrases 無料, 今すぐ",
            "IP 198.51.100.7 (DNSBL answer 127.0.0.2)",
        ]
    );
    assert_eq!(join(&samples()[..2]), "C&C list; URL http://a.example/x");
    assert_eq!(join(&[]), "");
}

#[test]
fn kind_names_are_the_serde_tags_and_round_trip() {
    for reason in samples() {
        // JSON, as the log store keeps each link.
        let json = serde_json::to_string(&reason).expect("a reason serialises");
        assert!(
            json.starts_with(&format!("{{\"reason\":\"{}\"", reason.kind())),
            "{json}"
        );
        let back: Reason = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(back, reason);
    }
}

#[test]
fn statistics_read_fields_not_text() {
    let rule = Reason::PolicyRule {
        name: "業務時間帯の動画サイト禁止".into(),
    };
    assert_eq!(rule.rule(), Some("業務時間帯の動画サイト禁止"));
    let category = Reason::Category {
        name: "Streaming Media".into(),
        ja: Some("ストリーミングメディア".into()),
    };
    assert_eq!(
        category.category().as_deref(),
        Some("Streaming Media (ストリーミングメディア)")
    );
    assert_eq!(Reason::CncList.threat(), None);
}

/// A log store keeps 62 days across an upgrade: a beacon line written by the
/// one-hour scoring (the JSON the build before issue 14 stored) still reads,
/// and still says what it said then.
#[test]
fn a_beacon_line_of_the_one_hour_scoring_reads_as_written() {
    let stored = r#"{"reason":"beacon_timing","connections":72,"window_min":60,"timing":0.83,"ts_skew":0.71,"ts_madm":0.77,"ts_count":1.0,"ds_skew":1.0,"ds_madm":1.0,"ds_small":1.0,"coverage":0.58}"#;
    let reason: Reason = serde_json::from_str(stored).expect("an old beacon line reads");
    assert_eq!(
        reason.to_string(),
        "72 check-ins in 60 min; timing 0.83 (skew 0.71 dispersion 0.77 count 1.00), \
         size skew 1.00 dispersion 1.00 smallness 1.00, coverage 0.58"
    );
    let again: Reason = serde_json::from_str(&serde_json::to_string(&reason).expect("writes"))
        .expect("and reads back");
    assert_eq!(again, reason);
}
