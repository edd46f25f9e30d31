//! Tests of the SQLite log store: schema, round trips, retention, corrupt rows, errors.

use super::*;
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// 2024-04-01 00:00:00 JST.
const T0: i64 = 1_711_897_200;

fn ev(secs: i64, engine: Engine, host: u8) -> Event {
    Event {
        time: Instant::from_secs(T0 + secs),
        engine,
        action: Action::Block,
        src_ip: Ipv4Addr::new(192, 168, 1, host),
        src_mac: format!("02:00:00:00:01:{host:02x}"),
        dst_ip: Ipv4Addr::new(203, 0, 113, 7),
        dst_port: 443,
        host: Some("bad.example".into()),
        url: None,
        reasons: vec![Reason::BlockList],
    }
}

fn mem() -> SqliteStore {
    SqliteStore::in_memory().unwrap()
}

/// A unique file in the temp dir, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> TempDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "officetwin-store-{tag}-{}-{}.sqlite",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let t = TempDb(std::env::temp_dir().join(name));
        t.cleanup();
        t
    }
    fn cleanup(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.cleanup();
    }
}

fn tricky_events() -> Vec<Event> {
    vec![
        Event {
            time: Instant::from_micros(T0 * 1_000_000 + 123_456),
            engine: Engine::WebReputation,
            action: Action::Block,
            src_ip: Ipv4Addr::new(192, 168, 1, 23),
            src_mac: "00:1a:2b:3c:4d:5e".into(),
            dst_ip: Ipv4Addr::new(198, 51, 100, 4),
            dst_port: 80,
            host: Some("例え.jp".into()),
            url: Some("http://例え.jp/検索?q=\"a,b\"&x='y'".into()),
            reasons: vec![
                Reason::Note {
                    text: "不正サイト".into(),
                },
                Reason::Note {
                    text: "score band: dangerous".into(),
                },
                Reason::Note {
                    text: String::new(),
                },
                Reason::Note {
                    text: "odd\u{1f}unit\u{1b}esc".into(),
                },
            ],
        },
        Event {
            time: Instant::from_micros(-1),
            engine: Engine::AntiSpam,
            action: Action::Tag,
            src_ip: Ipv4Addr::new(0, 0, 0, 0),
            src_mac: String::new(),
            dst_ip: Ipv4Addr::new(255, 255, 255, 255),
            dst_port: 65_535,
            host: None,
            url: None,
            reasons: vec![],
        },
        Event {
            engine: Engine::EmailReputation,
            action: Action::Reject,
            reasons: vec![Reason::Note {
                text: String::new(),
            }],
            ..ev(5, Engine::Cnc, 9)
        },
    ]
}

#[test]
fn round_trips_events_exactly() {
    let mut store = mem();
    let events = tricky_events();
    store.record(&events).unwrap();
    let back = store.events(&EventFilter::default()).unwrap();
    // Read back oldest first: the -1 µs event, then the other two by time.
    assert_eq!(
        back,
        vec![events[1].clone(), events[0].clone(), events[2].clone()]
    );
}

#[test]
fn every_engine_and_action_round_trips() {
    let mut store = mem();
    let mut events = Vec::new();
    for (i, engine) in Engine::ALL.into_iter().enumerate() {
        for (j, action) in ACTIONS.into_iter().enumerate() {
            events.push(Event {
                action,
                ..ev((i * 10 + j) as i64, engine, 1)
            });
        }
    }
    store.record(&events).unwrap();
    assert_eq!(store.events(&EventFilter::default()).unwrap(), events);
}

#[test]
fn equal_times_keep_insertion_order_across_batches() {
    let mut store = mem();
    let a = ev(10, Engine::Ips, 1);
    let b = ev(10, Engine::Cnc, 2);
    let c = ev(5, Engine::Dos, 3);
    let d = ev(10, Engine::Firewall, 4);
    store.record(&[a.clone(), b.clone()]).unwrap();
    store.record(&[c.clone(), d.clone()]).unwrap();
    let back = store.events(&EventFilter::default()).unwrap();
    assert_eq!(back, vec![c, a, b, d]);
}

#[test]
fn filters_agree_with_event_filter_matches() {
    let mut store = mem();
    let mut events = Vec::new();
    for i in 0..60 {
        let engine = Engine::ALL[i % 3];
        events.push(ev(i as i64, engine, (i % 4) as u8 + 1));
    }
    store.record(&events).unwrap();
    let filters = [
        EventFilter::default(),
        EventFilter {
            from: Some(Instant::from_secs(T0 + 10)),
            until: Some(Instant::from_secs(T0 + 20)),
            ..Default::default()
        },
        EventFilter {
            engine: Some(Engine::Ips),
            ..Default::default()
        },
        EventFilter {
            src_ip: Some(Ipv4Addr::new(192, 168, 1, 2)),
            ..Default::default()
        },
        EventFilter {
            from: Some(Instant::from_secs(T0 + 7)),
            until: Some(Instant::from_secs(T0 + 50)),
            engine: Some(Engine::Firewall),
            src_ip: Some(Ipv4Addr::new(192, 168, 1, 4)),
        },
        EventFilter {
            engine: Some(Engine::AntiSpam),
            ..Default::default()
        },
    ];
    for f in &filters {
        let expected: Vec<Event> = events.iter().filter(|e| f.matches(e)).cloned().collect();
        assert_eq!(store.events(f).unwrap(), expected, "{f:?}");
        assert_eq!(store.count(f).unwrap(), expected.len() as u64, "{f:?}");
    }
    // Sanity: the filters above are not all trivially everything or nothing.
    assert_eq!(store.count(&filters[1]).unwrap(), 10);
    assert_eq!(store.count(&filters[2]).unwrap(), 20);
    assert_eq!(store.count(&filters[5]).unwrap(), 0);
}

#[test]
fn counts_by_engine_and_host_are_grouped_and_sorted() {
    let mut store = mem();
    let mut events = vec![
        ev(0, Engine::Cnc, 5),
        ev(1, Engine::Ips, 7),
        ev(2, Engine::Cnc, 3),
        ev(3, Engine::Cnc, 5),
        ev(4, Engine::Ips, 2),
        ev(5, Engine::Cnc, 4),
    ];
    events.push(ev(100, Engine::Firewall, 9));
    store.record(&events).unwrap();
    let row = |engine, host, count| EngineHostCount {
        engine,
        src_ip: Ipv4Addr::new(192, 168, 1, host),
        count,
    };
    let all = store
        .counts_by_engine_and_host(&EventFilter::default())
        .unwrap();
    assert_eq!(
        all,
        vec![
            row(Engine::Firewall, 9, 1),
            row(Engine::Ips, 2, 1),
            row(Engine::Ips, 7, 1),
            row(Engine::Cnc, 5, 2),
            row(Engine::Cnc, 3, 1),
            row(Engine::Cnc, 4, 1),
        ]
    );
    let early = store
        .counts_by_engine_and_host(&EventFilter {
            until: Some(Instant::from_secs(T0 + 100)),
            engine: Some(Engine::Cnc),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        early,
        vec![
            row(Engine::Cnc, 5, 2),
            row(Engine::Cnc, 3, 1),
            row(Engine::Cnc, 4, 1)
        ]
    );
}

fn export(
    store: &SqliteStore,
    filter: &EventFilter,
    options: &ExportOptions,
) -> (String, ExportSummary) {
    let mut out = Vec::new();
    let summary = store.export_csv(filter, options, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), summary)
}

#[test]
fn export_is_chronological_csv_with_quoting() {
    let mut store = mem();
    let events = tricky_events();
    store.record(&events).unwrap();
    let (csv, summary) = export(&store, &EventFilter::default(), &ExportOptions::default());
    assert_eq!(
        summary,
        ExportSummary {
            rows_written: 3,
            rows_matching: 3,
            capped: false
        }
    );
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        "time (JST),source IP,source MAC,URL,engine,action,reason"
    );
    assert_eq!(
        lines[1],
        "1970-01-01 08:59:59,0.0.0.0,,255.255.255.255:65535,anti-spam,tag,"
    );
    assert_eq!(
        lines[2],
        "2024-04-01 00:00:00,192.168.1.23,00:1a:2b:3c:4d:5e,\
         \"http://例え.jp/検索?q=\"\"a,b\"\"&x='y'\",web reputation,block,\
         不正サイト; score band: dangerous; ; odd\u{1f}unit\u{1b}esc"
    );
    assert_eq!(
        lines[3],
        "2024-04-01 00:00:05,192.168.1.9,02:00:00:00:01:09,bad.example,email reputation,reject,"
    );
}

#[test]
fn export_caps_at_5000_and_says_so() {
    let mut store = mem();
    let events: Vec<Event> = (0..5_001).map(|i| ev(i, Engine::Cnc, 1)).collect();
    store.record(&events).unwrap();
    let (csv, summary) = export(&store, &EventFilter::default(), &ExportOptions::default());
    assert_eq!(
        summary,
        ExportSummary {
            rows_written: 5_000,
            rows_matching: 5_001,
            capped: true
        }
    );
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 5_001, "header + 5,000 rows");
    // Newest kept, oldest first: the first event (T0 + 0) is the one dropped.
    assert!(lines[1].starts_with("2024-04-01 00:00:01,"), "{}", lines[1]);
    assert!(
        lines[5_000].starts_with("2024-04-01 01:23:20,"),
        "{}",
        lines[5_000]
    );

    let oldest = ExportOptions {
        keep: CapKeep::Oldest,
        ..Default::default()
    };
    let (csv, summary) = export(&store, &EventFilter::default(), &oldest);
    assert!(summary.capped);
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert!(lines[1].starts_with("2024-04-01 00:00:00,"), "{}", lines[1]);
    assert!(
        lines[5_000].starts_with("2024-04-01 01:23:19,"),
        "{}",
        lines[5_000]
    );

    // Exactly at the cap is not capped.
    let narrow = EventFilter {
        from: Some(Instant::from_secs(T0 + 1)),
        ..Default::default()
    };
    let (_, summary) = export(&store, &narrow, &ExportOptions::default());
    assert_eq!(summary.rows_written, 5_000);
    assert!(!summary.capped);
}

#[test]
fn export_of_nothing_is_just_the_header() {
    let store = mem();
    let (csv, summary) = export(
        &store,
        &EventFilter::default(),
        &ExportOptions {
            cap: 0,
            keep: CapKeep::Newest,
        },
    );
    assert_eq!(
        csv,
        "time (JST),source IP,source MAC,URL,engine,action,reason\r\n"
    );
    assert_eq!(summary.rows_matching, 0);
    assert!(!summary.capped);
}

#[test]
fn export_write_error_names_the_store() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut store = mem();
    store.record(&[ev(0, Engine::Ips, 1)]).unwrap();
    let err = store
        .export_csv(
            &EventFilter::default(),
            &ExportOptions::default(),
            &mut Broken,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Export { .. }), "{err:?}");
    assert!(err.to_string().contains(":memory:"), "{err}");
}

#[test]
fn purge_deletes_only_rows_older_than_the_cutoff() {
    let mut store = mem();
    let day = 86_400;
    let events: Vec<Event> = (0..100).map(|d| ev(d * day, Engine::Ips, 1)).collect();
    store.record(&events).unwrap();
    let now = Instant::from_secs(T0 + 99 * day);
    let cutoff = now - Duration::from_secs(u64::from(super::super::RAW_RETENTION_DAYS) * 86_400);
    // Days 0..=36 are older than 62 days before day 99; day 37 is exactly at the cutoff.
    assert_eq!(store.purge_before(cutoff).unwrap(), 37);
    let left = store.events(&EventFilter::default()).unwrap();
    assert_eq!(left.len(), 63);
    assert_eq!(left[0].time, cutoff);
    assert_eq!(store.purge_before(cutoff).unwrap(), 0);
}

#[test]
fn file_store_reopens_with_its_events_in_wal_mode() {
    let db = TempDb::new("reopen");
    let events = tricky_events();
    {
        let mut store = SqliteStore::open(&db.0).unwrap();
        store.record(&events).unwrap();
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = store
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 1, "synchronous=NORMAL");
    }
    let store = SqliteStore::open(&db.0).unwrap();
    assert_eq!(store.path(), db.0.display().to_string());
    let version: i64 = store
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    // WAL is a property of the file, so it survives the reopen.
    let mode: String = store
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(store.count(&EventFilter::default()).unwrap(), 3);
    let mut expected = events.clone();
    expected.sort_by_key(|e| e.time);
    assert_eq!(store.events(&EventFilter::default()).unwrap(), expected);
}

#[test]
fn newer_schema_is_refused_and_left_alone() {
    let db = TempDb::new("newer");
    {
        let conn = Connection::open(&db.0).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let err = SqliteStore::open(&db.0).err().unwrap();
    assert!(
        matches!(err, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&db.0.display().to_string()), "{msg}");
    let conn = Connection::open(&db.0).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "a refused file is not switched to WAL");
}

#[test]
fn a_file_that_is_not_a_database_is_an_open_error_naming_it() {
    let db = TempDb::new("garbage");
    std::fs::write(
        &db.0,
        b"time,source IP\r\nthis is a CSV, not SQLite\r\n".repeat(100),
    )
    .unwrap();
    let err = SqliteStore::open(&db.0).err().unwrap();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&db.0.display().to_string()),
        "{err}"
    );
}

#[test]
fn corrupt_rows_are_reported_not_panicked_on() {
    let mut store = mem();
    store.record(&[ev(0, Engine::Ips, 1)]).unwrap();
    store
        .conn
        .execute("UPDATE events SET engine = 'telepathy'", [])
        .unwrap();
    let err = store.events(&EventFilter::default()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { id: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("telepathy"), "{err}");
}

fn plan(store: &SqliteStore, filter: &EventFilter, sql_tail: &str) -> String {
    let (clause, values) = where_clause(filter);
    let sql = format!("EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM events{clause}{sql_tail}");
    let mut stmt = store.conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map(params_from_iter(values), |r| r.get::<_, String>(3))
        .unwrap();
    rows.map(|r| r.unwrap()).collect::<Vec<_>>().join(" | ")
}

#[test]
fn queries_use_the_indexes() {
    let store = mem();
    let by_time = EventFilter {
        from: Some(Instant::from_secs(T0)),
        until: Some(Instant::from_secs(T0 + 86_400)),
        ..Default::default()
    };
    let p = plan(&store, &by_time, " ORDER BY time_us, id");
    assert!(p.contains("USING INDEX events_time"), "{p}");
    assert!(
        !p.contains("TEMP B-TREE"),
        "ordering should come from the index: {p}"
    );
    let by_host = EventFilter {
        engine: Some(Engine::Cnc),
        src_ip: Some(Ipv4Addr::new(192, 168, 1, 2)),
        ..Default::default()
    };
    let p = plan(&store, &by_host, "");
    assert!(p.contains("USING INDEX events_engine_src"), "{p}");
}

#[test]
fn works_as_a_trait_object() {
    let mut store: Box<dyn LogStore + Send> = Box::new(mem());
    store.record(&[ev(0, Engine::Ips, 1)]).unwrap();
    assert_eq!(store.count(&EventFilter::default()).unwrap(), 1);
}

/// 100,000 events go in as one batch and all of them are counted (the
/// time it takes is measured by the `store/record-100k` bench).
#[test]
fn records_100k_events_in_one_batch() {
    let db = TempDb::new("100k");
    let mut store = SqliteStore::open(&db.0).unwrap();
    let events: Vec<Event> = (0..100_000)
        .map(|i| Event {
            url: Some(format!("http://host{}.example/path?i={i}", i % 97)),
            reasons: vec![
                Reason::WebReputation,
                Reason::Category {
                    name: "不正サイト".into(),
                    ja: None,
                },
            ],
            ..ev(i / 10, Engine::ALL[(i % 10) as usize], (i % 50) as u8 + 1)
        })
        .collect();
    store.record(&events).unwrap();
    assert_eq!(store.count(&EventFilter::default()).unwrap(), 100_000);
    for engine in Engine::ALL {
        let one = EventFilter {
            engine: Some(engine),
            ..EventFilter::default()
        };
        assert_eq!(store.count(&one).unwrap(), 10_000, "{engine:?}");
    }
}

#[test]
fn reason_decoding_rejects_foreign_text() {
    assert_eq!(decode_reasons(""), Some(vec![]));
    assert_eq!(decode_reasons("a"), None);
    assert_eq!(decode_reasons("a\u{1b}"), None);
    // A version-2 text reason is not a typed link.
    assert_eq!(decode_reasons("C&C list\u{1f}"), None);
}

#[test]
fn typed_reasons_round_trip() {
    let chain = vec![
        Reason::PolicyRule {
            name: "a\u{1f}b\u{1b}c".into(),
        },
        Reason::Category {
            name: "Streaming Media".into(),
            ja: Some("ストリーミングメディア".into()),
        },
        Reason::Threat {
            name: String::new(),
        },
    ];
    let text = encode_reasons(&chain).ok().expect("typed reasons encode");
    assert_eq!(decode_reasons(&text), Some(chain));
}

proptest! {
    #[test]
    fn links_round_trip(links in proptest::collection::vec(".*|[\u{1b}\u{1f}a]*", 0..5)) {
        prop_assert_eq!(decode_links(&encode_links(&links)), Some(links));
    }

    /// Any text a link carries (names from policies, mails, rule files:
    /// quotes, separators, escapes, any script) comes back as it went in.
    #[test]
    fn typed_links_with_any_text_round_trip(
        texts in proptest::collection::vec(".*|[\u{1b}\u{1f}\"\\a]*", 1..5),
        ja in proptest::option::of(".*"),
    ) {
        let mut chain = vec![Reason::Category { name: texts[0].clone(), ja }];
        for t in &texts {
            chain.push(Reason::PolicyRule { name: t.clone() });
            chain.push(Reason::Mail { from: t.clone(), to: t.clone() });
            chain.push(Reason::UnscannableDetail { text: t.clone() });
        }
        let text = encode_reasons(&chain).ok().expect("typed reasons encode");
        prop_assert_eq!(decode_reasons(&text), Some(chain));
    }
}

/// Class: `report --store` pointed at a database that is not ours (another
/// program's SQLite file). It used to get our schema and WAL mode written
/// into it; now it is refused, named, and left byte for byte as it was.
#[test]
fn report_store_on_an_unrelated_database_is_refused_and_left_unchanged() {
    let db = TempDb::new("foreign");
    {
        let conn = Connection::open(&db.0).unwrap();
        conn.execute_batch(
            "CREATE TABLE contacts (name TEXT, phone TEXT); \
             INSERT INTO contacts VALUES ('佐藤', '03-0000-0000');",
        )
        .unwrap();
    }
    let before = std::fs::read(&db.0).unwrap();
    let err = SqliteStore::open_read_only(&db.0).err().unwrap();
    assert!(
        matches!(err, StoreError::NotAStore { found: 0, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&db.0.display().to_string()),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db.0).unwrap(),
        before,
        "the file was changed"
    );
    let wal = format!("{}-wal", db.0.display());
    assert!(!std::path::Path::new(&wal).exists(), "a WAL file was made");
}

#[test]
fn a_store_of_ours_opens_read_only_with_its_events() {
    let db = TempDb::new("readonly");
    {
        let mut store = SqliteStore::open(&db.0).unwrap();
        store.record(&[ev(1, Engine::Cnc, 11)]).unwrap();
    }
    let store = SqliteStore::open_read_only(&db.0).unwrap();
    assert_eq!(store.count(&EventFilter::default()).unwrap(), 1);
}

/// A beacon's timing figures with every figure `x`.
fn timing_with(x: f64) -> Reason {
    use appliance::reason::{BeaconTiming, Figure};
    Reason::BeaconTiming(Box::new(BeaconTiming {
        connections: 18,
        window_min: 84,
        interval_secs: 294,
        timing: Figure(x),
        ts_skew: Figure(x),
        ts_madm: Figure(x),
        ts_fill: Figure(x),
        ds_skew: Figure(x),
        ds_madm: Figure(x),
        ds_small: Figure(x),
        reply_bytes: 139,
        hourly: None,
    }))
}

/// Issue 15 (TUN and memory stores equal): in a TUN run the twin reads the
/// firmware's events back from its store, and a beacon's figure came back
/// one unit in the last place off (0.9973601892118715 stored, ...716 read:
/// JSON numbers were parsed without exact rounding), so the cloud's store
/// of the firmware run differed from the memory run's.
#[test]
fn a_figure_seen_off_by_one_ulp_reads_back_bit_for_bit() {
    for x in [0.9973601892118715, 0.9366001867833781, 0.1 + 0.2] {
        let mut store = mem();
        let mut e = ev(0, Engine::Cnc, 11);
        e.reasons = vec![timing_with(x)];
        store.record(std::slice::from_ref(&e)).unwrap();
        assert_eq!(
            store.events(&EventFilter::default()).unwrap(),
            vec![e],
            "{x}"
        );
    }
}

proptest! {
    /// Class: any finite figure a reason carries comes back from the store
    /// bit for bit (what is read back is what was written, so a store that
    /// copies another's holds the same rows).
    #[test]
    fn every_finite_figure_reads_back_bit_for_bit(bits in any::<u64>()) {
        let x = f64::from_bits(bits);
        prop_assume!(x.is_finite());
        let text = encode_reasons(&[timing_with(x)]).ok().expect("typed reasons encode");
        prop_assert_eq!(decode_reasons(&text), Some(vec![timing_with(x)]));
    }
}

/// Issue 15: what passed uninspected reaches the statistics from the
/// episodes' last events, summed per reason over the filter's days, and
/// nothing else counts (an episode's first event, other events). A store
/// written before the table existed gets it when opened for writing, and
/// reads as "none passed" when opened read-only.
#[test]
fn uninspected_traffic_is_summed_per_reason_from_the_episodes_events() {
    let passed = |flows, packets, bytes| Reason::UninspectedTraffic {
        flows,
        packets,
        bytes,
    };
    let with = |secs, reasons: Vec<Reason>| Event {
        reasons,
        action: Action::Monitor,
        ..ev(secs, Engine::Firewall, 11)
    };
    let events = vec![
        with(10, vec![Reason::FlowTableFull]),
        with(100, vec![Reason::FlowTableRoom, passed(10, 40, 4_000)]),
        with(200, vec![Reason::FlowTableRoom, passed(5, 7, 700)]),
        with(
            300,
            vec![
                Reason::UnsupportedProtocol { ethertype: 0x86dd },
                passed(0, 3, 270),
            ],
        ),
        // The next day (JST), outside a one-day filter.
        with(86_400 + 5, vec![Reason::FlowTableRoom, passed(1, 1, 60)]),
        ev(400, Engine::Cnc, 12),
    ];
    let db = TempDb::new("uninspected");
    let mut s = SqliteStore::open(&db.0).unwrap();
    s.record(&events).unwrap();
    let day = crate::store::stats::jst_day(Instant::from_secs(T0));
    let one_day = StatsFilter {
        from: Some(day),
        until: day.succ_opt(),
        ..StatsFilter::default()
    };
    let row = |why: &str, flows, packets, bytes| Uninspected {
        why: why.into(),
        flows,
        packets,
        bytes,
    };
    assert_eq!(
        s.uninspected(&one_day).unwrap(),
        vec![
            row(Uninspected::OVERLOAD, 15, 47, 4_700),
            row(Uninspected::UNSUPPORTED, 0, 3, 270),
        ]
    );
    assert_eq!(
        s.uninspected(&StatsFilter::default()).unwrap()[0],
        row(Uninspected::OVERLOAD, 16, 48, 4_760)
    );
    // A store of schema 3 from before the table: read-only, none passed;
    // opened for writing, the table is made and fills.
    s.conn_for_tests()
        .execute_batch("DROP TABLE uninspected_stats")
        .unwrap();
    drop(s);
    let ro = SqliteStore::open_read_only(&db.0).unwrap();
    assert_eq!(ro.uninspected(&StatsFilter::default()).unwrap(), vec![]);
    drop(ro);
    let mut s = SqliteStore::open(&db.0).unwrap();
    s.record(&events[1..2]).unwrap();
    assert_eq!(
        s.uninspected(&StatsFilter::default()).unwrap(),
        vec![row(Uninspected::OVERLOAD, 10, 40, 4_000)]
    );
}

/// FAQ Q5: web reputation's detections are kept by site and why, the
/// certificate's reason before the score; other engines' are not.
#[test]
fn malicious_sites_are_kept_by_site_and_why() {
    use crate::store::SiteRow;
    use appliance::reason::{Band, ValidityBound};
    let mut s = mem();
    let month = StatsFilter::month(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap());
    let expired = |secs, host: &str| Event {
        host: Some(host.into()),
        reasons: vec![
            Reason::WebReputation,
            Reason::ReputationScore {
                score: 92,
                band: Band::Safe,
            },
            Reason::InvalidCertificate,
            Reason::CertificateValidity {
                bound: ValidityBound::NotAfter,
                at: Instant::from_secs(T0 + secs),
            },
        ],
        ..ev(secs, Engine::WebReputation, 3)
    };
    let scored = |secs, host: Option<&str>| Event {
        host: host.map(str::to_string),
        reasons: vec![
            Reason::WebReputation,
            Reason::ReputationScore {
                score: 12,
                band: Band::Dangerous,
            },
        ],
        ..ev(secs, Engine::WebReputation, 4)
    };
    s.record(&[
        expired(10, "WWW.Print-Shop.example"),
        expired(20, "www.print-shop.example"),
        scored(30, Some("login.bank-secure.example")),
        scored(40, None),
        ev(50, Engine::Cnc, 5),
    ])
    .unwrap();
    let page = s.site_top(&month, Paging::first(10)).unwrap();
    let rows: Vec<(&str, &str, u64)> = page
        .rows
        .iter()
        .map(|r| (r.site.as_str(), r.why.as_str(), r.count))
        .collect();
    assert_eq!(
        rows,
        [
            ("www.print-shop.example", SiteRow::CERTIFICATE_EXPIRED, 2),
            ("203.0.113.7", "score:12", 1),
            ("login.bank-secure.example", "score:12", 1),
        ]
    );
    assert_eq!((page.total_count, page.total_keys), (4, 3));
    // Retention purges the table with the others.
    s.purge_statistics_before(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())
        .unwrap();
    assert!(
        s.site_top(&month, Paging::first(10))
            .unwrap()
            .rows
            .is_empty()
    );
}

/// Issue 16's mail-security section: detections on mail per engine and
/// action; anti-malware counts only when it looked at a mail.
#[test]
fn mail_detections_are_counted_per_engine_and_action() {
    use appliance::Action;
    let mut s = mem();
    let month = StatsFilter::month(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap());
    let with = |secs, engine, action, reasons: Vec<Reason>| Event {
        action,
        reasons,
        ..ev(secs, engine, 6)
    };
    let mail = || Reason::Mail {
        from: "a@partner.example".into(),
        to: "info@print-shop.example".into(),
    };
    s.record(&[
        with(1, Engine::EmailReputation, Action::Reject, vec![]),
        with(2, Engine::EmailReputation, Action::Reject, vec![]),
        with(3, Engine::AntiSpam, Action::Tag, vec![mail()]),
        with(
            4,
            Engine::AntiMalware,
            Action::Tag,
            vec![
                mail(),
                Reason::Attachment {
                    name: "a.doc".into(),
                },
            ],
        ),
        // A web download: not mail.
        with(
            5,
            Engine::AntiMalware,
            Action::Block,
            vec![Reason::File {
                name: "a.exe".into(),
            }],
        ),
    ])
    .unwrap();
    let counts: Vec<(Engine, Action, u64)> = s
        .mail_counts(&month)
        .unwrap()
        .into_iter()
        .map(|c| (c.engine, c.action, c.count))
        .collect();
    assert_eq!(
        counts,
        [
            (Engine::AntiMalware, Action::Tag, 1),
            (Engine::AntiSpam, Action::Tag, 1),
            (Engine::EmailReputation, Action::Reject, 2),
        ]
    );
}

/// Seed 000 L502 and FAQ Q6: allowed traffic is counted per site and per
/// device, never per device and site: no table of the store has both, the
/// crossed question is refused, and a schema 3 store's crossed table is
/// folded into the two (its totals kept) and dropped when opened to write.
#[test]
fn allowed_traffic_is_never_kept_per_device_and_site() {
    use crate::store::AccessDimension;
    let day = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    let month = StatsFilter::month(day);
    let crossed = |s: &SqliteStore| -> Vec<String> {
        let conn = s.conn_for_tests();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        tables
            .into_iter()
            // The log of detections keeps both, as the console's log does:
            // blocked traffic is recorded; allowed traffic is not.
            .filter(|t| t != "events")
            .filter(|t| {
                let cols: Vec<String> = conn
                    .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                cols.iter().any(|c| c == "src_ip") && cols.iter().any(|c| c == "host")
            })
            .collect()
    };
    let mut s = mem();
    assert_eq!(crossed(&s), Vec::<String>::new(), "a fresh store");
    let rec = |ip: u8, host: &str| AccessRecord {
        time: Instant::from_secs(T0 + 3600),
        src_ip: Ipv4Addr::new(192, 168, 1, ip),
        host: Some(host.into()),
        category: Some("Shopping".into()),
        bytes: 100,
    };
    s.record_access(&[
        rec(21, "a.example"),
        rec(21, "b.example"),
        rec(22, "a.example"),
    ])
    .unwrap();
    let sites = s
        .access_top(AccessDimension::Host, &month, Paging::first(10))
        .unwrap();
    assert_eq!(
        sites
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.requests))
            .collect::<Vec<_>>(),
        [(Some("a.example".into()), 2), (Some("b.example".into()), 1)]
    );
    let users = s
        .access_top(AccessDimension::SrcIp, &month, Paging::first(10))
        .unwrap();
    assert_eq!(users.total_requests, 3);
    assert_eq!(users.rows[0].requests, 2);
    let of_one = StatsFilter {
        src_ip: Some(Ipv4Addr::new(192, 168, 1, 21)),
        ..month.clone()
    };
    let refused = s.access_top(AccessDimension::Host, &of_one, Paging::first(10));
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("FAQ Q6")),
        "{refused:?}"
    );
    // A schema 3 store: the crossed table, folded and dropped by the migration.
    let s3 = mem();
    s3.conn_for_tests()
        .execute_batch(
            "CREATE TABLE access_stats (day INTEGER NOT NULL, src_ip TEXT NOT NULL, \
             host TEXT NOT NULL, category TEXT NOT NULL, requests INTEGER NOT NULL, \
             bytes INTEGER NOT NULL, PRIMARY KEY (day, src_ip, host, category)) WITHOUT ROWID;",
        )
        .unwrap();
    let n = crate::store::stats::day_number(day);
    for (ip, host, req) in [
        ("192.168.1.21", "a.example", 4),
        ("192.168.1.22", "a.example", 1),
    ] {
        s3.conn_for_tests()
            .execute(
                "INSERT INTO access_stats VALUES (?1, ?2, ?3, 'Shopping', ?4, 10)",
                rusqlite::params![n, ip, host, req],
            )
            .unwrap();
    }
    s3.conn_for_tests()
        .execute_batch("DELETE FROM site_access_stats; DELETE FROM user_access_stats; PRAGMA user_version = 3;")
        .unwrap();
    s3.migrate(3).unwrap();
    assert_eq!(crossed(&s3), Vec::<String>::new(), "after the migration");
    let sites = s3
        .access_top(AccessDimension::Host, &month, Paging::first(10))
        .unwrap();
    assert_eq!((sites.total_requests, sites.total_bytes), (5, 20));
    let users = s3
        .access_top(AccessDimension::SrcIp, &month, Paging::first(10))
        .unwrap();
    assert_eq!(users.total_keys, 2);
}

proptest! {
    /// The class behind FAQ Q5's table and the mail section: whatever mix
    /// of detections is recorded, in whatever batches, the per-site table
    /// holds every web reputation detection once (by its lowered host, else
    /// its server's address) and nothing else, and the mail table every
    /// detection on mail once: anti-spam and email reputation whole,
    /// anti-malware only when it names a mail or an attachment.
    #[test]
    fn site_and_mail_tables_count_each_detection_once(
        specs in prop::collection::vec((0u8..5, 0u8..4, any::<bool>(), 0u8..3), 0..60),
        split in 0usize..60,
    ) {
        let engines = [Engine::WebReputation, Engine::Cnc, Engine::AntiSpam, Engine::AntiMalware, Engine::EmailReputation];
        let hosts = [Some("Bad.Example"), Some("bad.example"), Some("other.example"), None];
        let events: Vec<Event> = specs
            .iter()
            .enumerate()
            .map(|(i, &(e, h, mail, when))| {
                let mut reasons = vec![Reason::BlockList];
                if mail {
                    reasons.push(Reason::Attachment { name: "a.doc".into() });
                }
                Event {
                    host: hosts[usize::from(h)].map(str::to_string),
                    reasons,
                    ..ev(i64::from(when) * 86_400 + i as i64, engines[usize::from(e)], 3)
                }
            })
            .collect();
        let mut s = mem();
        let (a, b) = events.split_at(split.min(events.len()));
        s.record(a).unwrap();
        s.record(b).unwrap();
        let month = StatsFilter::month(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap());
        let mut want_sites: std::collections::BTreeMap<String, u64> = Default::default();
        for e in events.iter().filter(|e| e.engine == Engine::WebReputation) {
            let site = e.host.as_deref().map_or_else(|| e.dst_ip.to_string(), str::to_ascii_lowercase);
            *want_sites.entry(site).or_default() += 1;
        }
        let page = s.site_top(&month, Paging::ALL).unwrap();
        let mut got_sites: std::collections::BTreeMap<String, u64> = Default::default();
        for r in &page.rows {
            *got_sites.entry(r.site.clone()).or_default() += r.count;
        }
        prop_assert_eq!(&got_sites, &want_sites);
        prop_assert_eq!(page.total_count, want_sites.values().sum::<u64>());
        let want_mail = events
            .iter()
            .filter(|e| match e.engine {
                Engine::AntiSpam | Engine::EmailReputation => true,
                Engine::AntiMalware => e.reasons.iter().any(|r| matches!(r, Reason::Attachment { .. })),
                _ => false,
            })
            .count() as u64;
        let got_mail: u64 = s.mail_counts(&month).unwrap().iter().map(|c| c.count).sum();
        prop_assert_eq!(got_mail, want_mail);
    }
}
