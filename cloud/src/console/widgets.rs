//! The numbers on the console's pages, computed from the log store: the
//! dashboard widgets of seed 001 (top policies enforced, top blocked URL
//! categories, top users blocked by internet security, APT events, security
//! and traffic status), the C&C table of the monthly report, the device list
//! and the internet-access ranking.

use super::source::Source;
use crate::labels::Lang;
use crate::store::{EventFilter, StoreError, stats};
use appliance::{Engine, Event, Instant};
use serde::Serialize;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// The dashboard's window, "過去7日間".
pub const WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// The window of "top users blocked by internet security": seed 001 shows
/// the widget as 「インターネットセキュリティによってブロックされた上位ユーザ / Root
/// 過去1時間 10」, the one widget of the dashboard scoped to the last hour.
pub const BLOCKED_USERS_WINDOW: Duration = Duration::from_secs(3600);

/// One ranked row of a widget.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Ranked {
    pub label: String,
    /// A second line: the device's user and OS, a policy's engine.
    pub detail: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct EngineCount {
    pub engine: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct EventRow {
    pub time: String,
    pub engine: String,
    pub action: String,
    pub src_ip: String,
    pub src_mac: String,
    pub device: String,
    pub destination: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    pub now: String,
    pub window_from: String,
    pub top_policies: Vec<Ranked>,
    pub top_blocked_categories: Vec<Ranked>,
    pub top_blocked_users: Vec<Ranked>,
    pub cnc_users: Vec<Ranked>,
    pub apt_events: Vec<EventRow>,
    pub apt_total: u64,
    pub security_status: Vec<EngineCount>,
    pub total: u64,
    pub traffic: Option<Traffic>,
    /// Whether the gateway reaches the cloud (its LED), where known.
    pub gateway_online: Option<bool>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Traffic {
    pub frames_lan: u64,
    pub frames_wan: u64,
    pub bytes_wan: u64,
    pub alerts: usize,
}

/// "Now" for a page: the twin's virtual clock, else the newest logged event,
/// else the epoch (an empty store).
pub fn now_of(source: &dyn Source) -> Result<Instant, StoreError> {
    if let Some(now) = source.now() {
        return Ok(now);
    }
    let all = source.store().events(&EventFilter::default())?;
    Ok(all
        .last()
        .map(|e| e.time + Duration::from_secs(1))
        .unwrap_or_default())
}

/// A device's name for tables: `PC-XP (192.168.1.11)`, or the address alone.
pub fn device_label(source: &dyn Source, ip: Ipv4Addr) -> (String, String) {
    match source.office().and_then(|o| o.host_by_ip(ip)) {
        Some(h) => (
            format!("{} ({ip})", h.name),
            match &h.user {
                Some(user) => format!("{user} / {}", h.os),
                None => h.os.clone(),
            },
        ),
        None => (ip.to_string(), String::new()),
    }
}

pub fn event_row(source: &dyn Source, lang: Lang, e: &Event) -> EventRow {
    EventRow {
        time: e.time.jst_string(),
        engine: lang.engine(e.engine).to_string(),
        action: lang.action(e.action).to_string(),
        src_ip: e.src_ip.to_string(),
        src_mac: e.src_mac.clone(),
        device: device_label(source, e.src_ip).0,
        destination: crate::store::destination(e),
        reason: e.reason(),
    }
}

/// Counts of `key` over `events`, largest first (ties by label), at most `top`.
fn rank<'a>(
    events: impl Iterator<Item = &'a Event>,
    top: usize,
    mut key: impl FnMut(&Event) -> Option<(String, String)>,
) -> Vec<Ranked> {
    let mut counts: HashMap<(String, String), u64> = HashMap::new();
    for e in events {
        if let Some(k) = key(e) {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut rows: Vec<Ranked> = counts
        .into_iter()
        .map(|((label, detail), count)| Ranked {
            label,
            detail,
            count,
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    rows.truncate(top);
    rows
}

/// The policy an event was enforced by: the engine and the first link of its
/// reason chain (the list, category or rule that decided).
fn policy_of(lang: Lang, e: &Event) -> (String, String) {
    let rule = e
        .reasons
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    (
        format!("{}: {rule}", lang.engine(e.engine)),
        lang.engine(e.engine).to_string(),
    )
}

/// The URL category of a URL-filtering event, as the statistics count it;
/// a block-list hit has none, so its last link (the entry) as the log shows it.
fn category_of(e: &Event) -> Option<String> {
    if e.engine != Engine::UrlFilter {
        return None;
    }
    stats::category_of(e).or_else(|| e.reasons.last().map(ToString::to_string))
}

pub fn dashboard(source: &dyn Source, lang: Lang) -> Result<Dashboard, StoreError> {
    let now = now_of(source)?;
    let from = now - WINDOW;
    let events = source.store().events(&EventFilter {
        from: Some(from),
        until: Some(now + Duration::from_secs(1)),
        ..EventFilter::default()
    })?;
    let top_policies = rank(events.iter(), 20, |e| Some(policy_of(lang, e)));
    let top_blocked_categories = rank(events.iter().filter(|e| e.action.stops()), 10, |e| {
        category_of(e).map(|c| (c, String::new()))
    });
    let last_hour = now - BLOCKED_USERS_WINDOW;
    // Blocked by internet security: the security engines' blocks of the
    // office's own devices; policy rules have their own widget, and senders
    // or scanners on the internet are not users (issue 16).
    let top_blocked_users = rank(
        events.iter().filter(|e| {
            e.time >= last_hour
                && e.action.stops()
                && !stats::is_policy_engine(e.engine)
                && e.src_ip.is_private()
        }),
        10,
        |e| Some(device_label(source, e.src_ip)),
    );
    let cnc_users = rank(events.iter().filter(|e| e.engine == Engine::Cnc), 10, |e| {
        Some(device_label(source, e.src_ip))
    });
    let apt: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e.engine, Engine::Cnc | Engine::Ips | Engine::AntiMalware))
        .collect();
    let apt_events = apt
        .iter()
        .rev()
        .take(10)
        .map(|e| event_row(source, lang, e))
        .collect();
    let mut per_engine: HashMap<Engine, u64> = HashMap::new();
    for e in &events {
        *per_engine.entry(e.engine).or_default() += 1;
    }
    let security_status = Engine::ALL
        .iter()
        .map(|engine| EngineCount {
            engine: lang.engine(*engine).to_string(),
            count: per_engine.get(engine).copied().unwrap_or(0),
        })
        .collect();
    let traffic = source.traffic().map(|s| Traffic {
        frames_lan: s.frames_lan,
        frames_wan: s.frames_wan,
        bytes_wan: s.bytes_wan,
        alerts: source.alerts().unwrap_or(0),
    });
    Ok(Dashboard {
        gateway_online: source.gateway_online(),
        now: now.jst_string(),
        window_from: from.jst_string(),
        top_policies,
        top_blocked_categories,
        top_blocked_users,
        cnc_users,
        apt_total: apt.len() as u64,
        apt_events,
        security_status,
        total: events.len() as u64,
        traffic,
    })
}

/// One line of the device list.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceRow {
    pub name: String,
    pub ip: String,
    pub mac: String,
    pub os: String,
    pub user: String,
    pub detections: u64,
    pub last_seen: String,
    /// `connected`, `isolated` or `blocked`.
    pub status: &'static str,
}

/// The device list: the office's hosts, plus any address seen in the logs
/// that the office does not know (an unknown device, FAQ Q2).
pub fn devices(source: &dyn Source) -> Result<Vec<DeviceRow>, StoreError> {
    let events = source.store().events(&EventFilter::default())?;
    let mut seen: HashMap<Ipv4Addr, (u64, Instant, String)> = HashMap::new();
    for e in &events {
        let entry = seen
            .entry(e.src_ip)
            .or_insert((0, e.time, e.src_mac.clone()));
        entry.0 += 1;
        entry.1 = entry.1.max(e.time);
    }
    let mut rows = Vec::new();
    if let Some(office) = source.office() {
        for h in &office.hosts {
            let hit = seen.remove(&h.ip);
            rows.push(DeviceRow {
                name: h.name.clone(),
                ip: h.ip.to_string(),
                mac: h.mac.clone(),
                os: h.os.clone(),
                user: h.user.clone().unwrap_or_default(),
                detections: hit.as_ref().map_or(0, |s| s.0),
                last_seen: hit.map(|s| s.1.jst_string()).unwrap_or_default(),
                status: if source.is_isolated(&h.name) {
                    "isolated"
                } else if source.is_blocked(h.ip, &h.mac) {
                    "blocked"
                } else {
                    "connected"
                },
            });
        }
    }
    let mut unknown: Vec<_> = seen.into_iter().collect();
    unknown.sort_by_key(|(ip, _)| *ip);
    for (ip, (count, last, mac)) in unknown {
        let blocked = source.is_blocked(ip, &mac);
        rows.push(DeviceRow {
            name: "-".into(),
            ip: ip.to_string(),
            mac,
            os: String::new(),
            user: String::new(),
            detections: count,
            last_seen: last.jst_string(),
            status: if blocked { "blocked" } else { "connected" },
        });
    }
    Ok(rows)
}

/// Internet access: the top 20 destinations the gateway blocked (the console
/// keeps statistics, not a log of who visited what).
pub fn top_destinations(source: &dyn Source) -> Result<Vec<Ranked>, StoreError> {
    let events = source.store().events(&EventFilter::default())?;
    Ok(rank(events.iter().filter(|e| e.action.stops()), 20, |e| {
        Some((
            e.host.clone().unwrap_or_else(|| e.dst_ip.to_string()),
            String::new(),
        ))
    }))
}
