//! The summary of a run: detections by engine and host, and the alerts sent.

use crate::session::Session;
use anyhow::Result;
use appliance::Engine;
use cloud::store::{EventFilter, LogStore};
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// One line of the detections table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectionRow {
    pub engine: Engine,
    pub src_ip: Ipv4Addr,
    /// The office host's name, when the address belongs to one.
    pub host: Option<String>,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub scenario: String,
    pub rows: Vec<DetectionRow>,
    pub total: u64,
    /// Alert mails delivered to the support desk's mailbox.
    pub alerts: usize,
    /// One line per mail session (SMTP delivery, POP3 fetch), in order.
    pub mail: Vec<String>,
    /// Cloud App Security's detections (seed 003), one line each, in the
    /// order they happened; `None` when the scenario has no cloud services.
    pub cloud_apps: Option<Vec<String>>,
}

impl Summary {
    pub fn of(session: &Session) -> Result<Summary> {
        let office = &session.scenario.office;
        let rows: Vec<DetectionRow> = session
            .cloud
            .store
            .counts_by_engine_and_host(&EventFilter::default())?
            .into_iter()
            .map(|row| DetectionRow {
                engine: row.engine,
                src_ip: row.src_ip,
                host: office.host_by_ip(row.src_ip).map(|h| h.name.clone()),
                count: row.count,
            })
            .collect();
        let total = rows.iter().map(|r| r.count).sum();
        let alerts = session
            .world
            .mailbox(&session.scenario.gateway.alerts.to)
            .len();
        let mail = session
            .world
            .mail_sessions()
            .into_iter()
            .map(crate::mail_summary::line)
            .collect();
        let cloud_apps = match session.cloud.app_security_store() {
            Some(store) => Some(store.all()?.iter().map(cloud_apps_line).collect()),
            None => None,
        };
        Ok(Summary {
            scenario: session.scenario.id.clone(),
            rows,
            total,
            alerts,
            mail,
            cloud_apps,
        })
    }

    /// Detections of one engine from one address.
    pub fn count(&self, engine: Engine, src_ip: Ipv4Addr) -> u64 {
        self.rows
            .iter()
            .filter(|r| r.engine == engine && r.src_ip == src_ip)
            .map(|r| r.count)
            .sum()
    }

    /// The table as the CLI prints it.
    pub fn render(&self) -> String {
        let header = ["engine", "host", "source IP", "detections"];
        let cells: Vec<[String; 4]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.engine.label().to_string(),
                    r.host.clone().unwrap_or_else(|| "-".to_string()),
                    r.src_ip.to_string(),
                    r.count.to_string(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &cells {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cols: [&str; 4]| {
            let _ = writeln!(
                out,
                "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}",
                cols[0],
                cols[1],
                cols[2],
                cols[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3]
            );
        };
        line(&mut out, header);
        let rule = widths.map(|w| "-".repeat(w));
        line(&mut out, [&rule[0], &rule[1], &rule[2], &rule[3]]);
        if cells.is_empty() {
            let _ = writeln!(out, "(no detections)");
        }
        for row in &cells {
            line(&mut out, [&row[0], &row[1], &row[2], &row[3]]);
        }
        let _ = writeln!(out, "\ntotal detections: {}", self.total);
        let _ = writeln!(out, "alerts to the support desk: {}", self.alerts);
        if !self.mail.is_empty() {
            let _ = writeln!(out, "\nmail sessions:");
            for line in &self.mail {
                let _ = writeln!(out, "  {line}");
            }
        }
        if let Some(lines) = &self.cloud_apps {
            let _ = writeln!(
                out,
                "\nCloud App Security (cloud mail and storage, scanned by API): {} detections",
                lines.len()
            );
            for line in lines {
                let _ = writeln!(out, "  {line}");
            }
        }
        out
    }
}

/// One detection of the cloud services' scan: when, where, whose, what
/// was found and what was done.
fn cloud_apps_line(e: &cloud::app_security::AppSecurityEvent) -> String {
    let risk = e
        .risk
        .map(|r| format!(" (risk {})", r.code()))
        .unwrap_or_default();
    format!(
        "{} {} {} {} {:?}: {}{risk} -> {}",
        e.at.jst_string(),
        e.application.code(),
        e.user,
        e.detection.code(),
        e.name,
        e.threat,
        e.action.code()
    )
}
