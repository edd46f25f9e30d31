//! The console's log export as CSV, in the shape of the seed's log table.
//!
//! Written by hand rather than with the `csv` crate: the format is seven
//! columns of RFC 4180 (quote a field holding a comma, a quote or a line
//! break; double inner quotes; CRLF line ends). Kept apart from SQLite so a
//! PostgreSQL store writes byte-identical exports.

use appliance::Event;
use std::io::{self, Write};

/// The header row, in English, as the columns appear.
pub const CSV_HEADER: [&str; 7] = [
    "time (JST)",
    "source IP",
    "source MAC",
    "URL",
    "engine",
    "action",
    "reason",
];

/// What the `URL` column shows: the URL, else the host name, else the
/// destination `ip:port`, so non-web detections (IPS, C&C by IP) still say
/// where the traffic went.
pub fn destination(event: &Event) -> String {
    match (&event.url, &event.host) {
        (Some(url), _) => url.clone(),
        (None, Some(host)) => host.clone(),
        (None, None) => format!("{}:{}", event.dst_ip, event.dst_port),
    }
}

pub fn write_csv_header(out: &mut dyn Write) -> io::Result<()> {
    write_record(out, CSV_HEADER.iter().copied())
}

pub fn write_csv_row(out: &mut dyn Write, event: &Event) -> io::Result<()> {
    let time = event.time.jst_string();
    let ip = event.src_ip.to_string();
    let dest = destination(event);
    let reason = event.reason();
    write_record(
        out,
        [
            time.as_str(),
            ip.as_str(),
            event.src_mac.as_str(),
            dest.as_str(),
            event.engine.label(),
            event.action.label(),
            reason.as_str(),
        ],
    )
}

fn write_record<'a>(
    out: &mut dyn Write,
    fields: impl IntoIterator<Item = &'a str>,
) -> io::Result<()> {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_field(out, field)?;
    }
    out.write_all(b"\r\n")
}

fn write_field(out: &mut dyn Write, field: &str) -> io::Result<()> {
    if !field.contains([',', '"', '\r', '\n']) {
        return out.write_all(field.as_bytes());
    }
    out.write_all(b"\"")?;
    out.write_all(field.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use appliance::Instant;
    use appliance::reason::{Indicator, Reason};
    use appliance::{Action, Engine};
    use std::net::Ipv4Addr;

    fn event() -> Event {
        Event {
            // 2017-09-26 01:09:45 UTC, 10:09:45 in Tokyo.
            time: Instant::from_secs(1_506_388_185),
            engine: Engine::Cnc,
            action: Action::Block,
            src_ip: Ipv4Addr::new(192, 168, 1, 23),
            src_mac: "00:1a:2b:3c:4d:5e".into(),
            dst_ip: Ipv4Addr::new(203, 0, 113, 9),
            dst_port: 80,
            host: Some("rzy8823l68me.net".into()),
            url: None,
            reasons: vec![
                Reason::CncList,
                Reason::Indicator {
                    indicator: Indicator::Domain("***rzy8823l68me.net".into()),
                },
            ],
        }
    }

    fn csv(event: &Event) -> String {
        let mut out = Vec::new();
        write_csv_row(&mut out, event).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn header_names_the_columns_in_english() {
        let mut out = Vec::new();
        write_csv_header(&mut out).unwrap();
        assert_eq!(
            out,
            b"time (JST),source IP,source MAC,URL,engine,action,reason\r\n"
        );
    }

    #[test]
    fn plain_row_is_unquoted_and_in_jst() {
        assert_eq!(
            csv(&event()),
            "2017-09-26 10:09:45,192.168.1.23,00:1a:2b:3c:4d:5e,rzy8823l68me.net,\
             C&C callback,block,C&C list; domain ***rzy8823l68me.net\r\n"
        );
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        let mut e = event();
        e.url = Some("http://例え.jp/a,b?q=\"x\"".into());
        e.reasons = vec![
            Reason::Note {
                text: "line\nbreak".into(),
            },
            Reason::Category {
                name: "不正サイト".into(),
                ja: None,
            },
        ];
        assert_eq!(
            csv(&e),
            "2017-09-26 10:09:45,192.168.1.23,00:1a:2b:3c:4d:5e,\
             \"http://例え.jp/a,b?q=\"\"x\"\"\",C&C callback,block,\
             \"line\nbreak; category 不正サイト\"\r\n"
        );
    }

    #[test]
    fn destination_falls_back_to_host_then_ip_port() {
        let mut e = event();
        e.url = Some("http://a.example/x".into());
        assert_eq!(destination(&e), "http://a.example/x");
        e.url = None;
        assert_eq!(destination(&e), "rzy8823l68me.net");
        e.host = None;
        assert_eq!(destination(&e), "203.0.113.9:80");
    }
}
