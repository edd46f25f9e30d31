//! The dashboard's widgets read over HTTP (no browser), each checked against
//! the log store queried here directly.

use super::{TwinWorld, http, unescape};
use crate::steps::DurationParam;
use anyhow::{Context, Result, ensure};
use appliance::{Action, Engine};
use cloud::store::{EventFilter, LogStore};
use cucumber::then;
use std::collections::BTreeMap;
use std::time::Duration;

/// (label's first line, count) of each row of the widget `id` on `page`.
fn widget_rows(page: &str, id: &str) -> Result<(String, Vec<(String, u64)>)> {
    let start = page
        .find(&format!("<section class=\"widget\" id=\"{id}\">"))
        .with_context(|| format!("no widget {id:?} on the dashboard"))?;
    let section = &page[start..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    let mut rows = Vec::new();
    for row in section.split("<td class=\"label\">").skip(1) {
        let label_end = row.find(['<']).unwrap_or(row.len());
        let count = row
            .split("<td class=\"n count\">")
            .nth(1)
            .and_then(|c| c.split('<').next())
            .with_context(|| format!("a row of {id:?} without a count"))?;
        rows.push((
            unescape(row[..label_end].trim()),
            count.trim().parse().context("a widget count")?,
        ));
    }
    Ok((section.to_string(), rows))
}

/// Blocked (not tagged or only logged) by an internet security engine: the
/// policy rules (URL filtering, application control) have their own widget.
fn blocked_by_security(e: &appliance::Event) -> bool {
    matches!(
        e.action,
        Action::Block
            | Action::Reset
            | Action::Reject
            | Action::Drop
            | Action::Delete
            | Action::Quarantine
    ) && !matches!(e.engine, Engine::UrlFilter | Engine::AppControl)
}

/// Issue 16: the widget of users blocked by internet security names no
/// sender or scanner on the internet, though the store holds their blocks.
#[then(
    "the dashboard's top blocked users name no one outside the office, though the store has blocks from the internet"
)]
async fn top_blocked_users_lan_only(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let outside = {
        let twin = c.twin();
        let office = twin.session.scenario.office.clone();
        twin.session
            .cloud
            .store
            .events(&EventFilter::default())?
            .iter()
            .filter(|e| blocked_by_security(e) && !office.in_lan(e.src_ip))
            .map(|e| e.src_ip.to_string())
            .collect::<Vec<_>>()
    };
    ensure!(
        !outside.is_empty(),
        "the store has no block from the internet: the step proves nothing"
    );
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let (_, shown) = widget_rows(&reply.body, "top-blocked-users")?;
    for (label, n) in &shown {
        ensure!(
            !outside.iter().any(|ip| label.contains(ip.as_str())),
            "the widget lists {label:?} ({n}), a source on the internet"
        );
    }
    Ok(())
}

/// Seed 001: 「インターネットセキュリティによってブロックされた上位ユーザ / Root
/// 過去1時間 10」: the blocked events of the window, counted per source
/// address, the busiest ten.
#[then(
    expr = "the dashboard's top blocked users are the store's blocked events of the last {duration} by user, led by {string}"
)]
async fn top_blocked_users(
    world: &mut TwinWorld,
    window: DurationParam,
    leader: String,
) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let expected: Vec<(String, u64)> = {
        let twin = c.twin();
        let now = twin.session.now();
        let events = twin.session.cloud.store.events(&EventFilter {
            from: Some(now - window.0),
            until: Some(now + Duration::from_secs(1)),
            ..EventFilter::default()
        })?;
        let office = &twin.session.scenario.office;
        let mut per_ip: BTreeMap<String, u64> = BTreeMap::new();
        for e in events
            .iter()
            .filter(|e| blocked_by_security(e) && office.in_lan(e.src_ip))
        {
            *per_ip.entry(e.src_ip.to_string()).or_default() += 1;
        }
        let mut ranked: Vec<(String, u64)> = per_ip.into_iter().collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
        ranked.truncate(10);
        ranked
    };
    ensure!(
        !expected.is_empty(),
        "the store has no blocked event in the last {:?}: the widget proves nothing",
        window.0
    );
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let (section, shown) = widget_rows(&reply.body, "top-blocked-users")?;
    ensure!(
        section.contains("過去1時間") || section.contains("Last hour"),
        "the widget does not say its window is the last hour"
    );
    let counts: Vec<u64> = shown.iter().map(|r| r.1).collect();
    let want: Vec<u64> = expected.iter().map(|r| r.1).collect();
    ensure!(
        counts == want,
        "the widget shows {shown:?}, the store's last {:?} gives {expected:?}",
        window.0
    );
    for ((label, _), (ip, _)) in shown.iter().zip(&expected) {
        ensure!(
            label.contains(ip.as_str()),
            "row {label:?} where the store has {ip}"
        );
    }
    ensure!(
        shown
            .first()
            .is_some_and(|(label, _)| label.starts_with(&leader)),
        "led by {:?}, not {leader:?}",
        shown.first()
    );
    Ok(())
}

/// A ranking widget of the dashboard (seed 001: 実行された上位ポリシー,
/// ブロックされた上位のURLカテゴリ, ...) led by a row whose label names
/// `leader`, with a count.
#[then(expr = "the dashboard's {string} widget is led by {string}")]
async fn widget_led_over_http(world: &mut TwinWorld, widget: String, leader: String) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let (_, rows) = widget_rows(&reply.body, &widget)?;
    match rows.first() {
        Some((label, count)) => {
            ensure!(
                label.contains(&leader) && *count > 0,
                "{widget} is led by {label:?} with {count}, not {leader:?}"
            );
            Ok(())
        }
        None => anyhow::bail!("{widget} is empty"),
    }
}

/// The events of the dashboard's 7-day window, from the store directly.
fn week_of_events(c: &super::ConsoleWorld) -> Result<Vec<appliance::Event>> {
    let twin = c.twin();
    let now = twin.session.now();
    Ok(twin.session.cloud.store.events(&EventFilter {
        from: Some(now - Duration::from_secs(7 * 86_400)),
        until: Some(now + Duration::from_secs(1)),
        ..EventFilter::default()
    })?)
}

/// Seed 001's dashboard: the APT widget (標的型攻撃の検出: C&C callbacks,
/// intrusion prevention and anti-malware) counts the store's events of the
/// 7 days and lists the newest first.
#[then(
    expr = "the dashboard's APT widget counts the store's C&C, IPS and anti-malware events of 7 days, the newest from {string}"
)]
async fn apt_widget(world: &mut TwinWorld, leader: String) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let apt: Vec<appliance::Event> = week_of_events(c)?
        .into_iter()
        .filter(|e| matches!(e.engine, Engine::Cnc | Engine::Ips | Engine::AntiMalware))
        .collect();
    let newest = apt
        .last()
        .context("no APT event in the store: the widget proves nothing")?;
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let page = unescape(&reply.body);
    let start = page
        .find("<section class=\"widget\" id=\"apt-events\">")
        .context("no APT widget")?;
    let section = &page[start..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    ensure!(
        section.contains(&format!(": {}</span>", apt.len())),
        "the APT widget does not count the store's {} events",
        apt.len()
    );
    let first_row = section
        .split("<tr><td>")
        .nth(1)
        .context("the APT widget lists no event")?;
    ensure!(
        first_row.starts_with(&newest.time.jst_string()) && first_row.contains(&leader),
        "the APT widget's first row {:?} is not the newest event ({} from {leader})",
        first_row.split("</tr>").next().unwrap_or_default(),
        newest.time.jst_string()
    );
    Ok(())
}

/// Seed 001's dashboard 「セキュリティ状況」: each engine's events of the 7 days,
/// as the store counts them.
#[then("the dashboard's security status counts each engine's events of 7 days as the store does")]
async fn security_status(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let mut per_engine: BTreeMap<Engine, u64> = BTreeMap::new();
    for e in week_of_events(c)? {
        *per_engine.entry(e.engine).or_default() += 1;
    }
    ensure!(
        !per_engine.is_empty(),
        "no event in the store: the widget proves nothing"
    );
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let page = unescape(&reply.body);
    let start = page
        .find("<section class=\"widget\" id=\"security-status\">")
        .context("no security status widget")?;
    let section = &page[start..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    for engine in Engine::ALL {
        let want = per_engine.get(&engine).copied().unwrap_or(0);
        let row = format!(
            "<tr><td>{}</td><td class=\"n\">{want}</td></tr>",
            cloud::labels::Lang::Ja.engine(engine)
        );
        ensure!(
            section.contains(&row),
            "the security status has no row {row:?} (the store counts {want} {engine})"
        );
    }
    Ok(())
}

/// Seed 000's FAQ: 「オンラインの場合、前面「Cloud Consoleに接続」横のLED…が
/// 「緑点灯」します」. The dashboard shows the box's link as its LED would,
/// and the twin's own record of the link is the oracle.
#[then(expr = "the dashboard shows the gateway {word}, as the twin has it")]
async fn gateway_led(world: &mut TwinWorld, state: String) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let online = match state.as_str() {
        "online" => true,
        "offline" => false,
        other => anyhow::bail!("{other:?}: online or offline"),
    };
    let twin_online = c
        .twin()
        .session
        .world
        .gateway_offline_periods()
        .last()
        .is_none_or(|(_, until)| until.is_some());
    ensure!(
        twin_online == online,
        "the twin has the gateway {}, not {state}",
        if twin_online { "online" } else { "offline" }
    );
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let page = unescape(&reply.body);
    let want = if online {
        "<p class=\"led on\">● オンライン"
    } else {
        "<p class=\"led off\">○ オフライン"
    };
    ensure!(page.contains(want), "the dashboard does not show {want:?}");
    Ok(())
}

/// Seed 001's dashboard 「トラフィックステータス」: what crossed the gateway's
/// links and the alerts sent, as the twin counted them on its own links and
/// in the support desk's mailbox.
#[then("the dashboard's traffic status shows what the twin's links carried and the alerts sent")]
async fn traffic_status(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let (lan, wan, bytes, alerts) = {
        let twin = c.twin();
        let s = twin.session.world.stats();
        let desk = twin.session.scenario.gateway.alerts.to.clone();
        (
            s.frames_lan,
            s.frames_wan,
            s.bytes_wan,
            twin.session.world.mailbox(&desk).len(),
        )
    };
    ensure!(
        wan > 0 && lan > 0,
        "no traffic yet: the widget proves nothing"
    );
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let page = unescape(&reply.body);
    let start = page
        .find("<section class=\"widget\" id=\"traffic-status\">")
        .context("no traffic status widget")?;
    let section = &page[start..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    for (what, n) in [
        ("LAN frames", lan.to_string()),
        ("WAN frames", wan.to_string()),
        ("WAN bytes", bytes.to_string()),
    ] {
        ensure!(
            section.contains(&format!("<td class=\"n\">{n}</td>")),
            "the traffic status does not show the twin's {what} ({n})"
        );
    }
    ensure!(
        section.contains(&format!("<td class=\"n\" id=\"alerts\">{alerts}</td>")),
        "the traffic status does not show the {alerts} alert mail(s) the desk received"
    );
    Ok(())
}

/// Seed 001's 7-day widgets (「Root 過去7日間」): the C&C users widget on a
/// day whose last 7 days hold no C&C event, though older ones are in the
/// store; a widget counting more than 7 days would list them.
#[then(
    "the dashboard's C&C users and APT widgets are empty, though the store has C&C events older than 7 days"
)]
async fn cnc_widget_window(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let (older, recent) = {
        let twin = c.twin();
        let now = twin.session.now();
        let week_ago = now - Duration::from_secs(7 * 86_400);
        let cnc = twin.session.cloud.store.events(&EventFilter {
            engine: Some(Engine::Cnc),
            ..EventFilter::default()
        })?;
        (
            cnc.iter().filter(|e| e.time < week_ago).count(),
            cnc.iter().filter(|e| e.time >= week_ago).count(),
        )
    };
    ensure!(
        older > 0 && recent == 0,
        "the store has {older} C&C events older than 7 days and {recent} within: the step needs some older and none within"
    );
    let reply = http(c.base(), "GET", "/dashboard", &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "/dashboard answered {}", reply.status);
    let (section, rows) = widget_rows(&reply.body, "cnc-users")?;
    ensure!(
        rows.is_empty(),
        "the C&C users widget lists {rows:?}: events older than 7 days"
    );
    ensure!(
        section.contains("過去7日間") || section.contains("Last 7 days"),
        "the widget does not say its window is 7 days"
    );
    // The APT widget reads the same week (seed 001: 「APT (総的サイバー攻撃)
    // イベント」「Root 過去7日間」): C&C calls are APT events.
    let page = unescape(&reply.body);
    let start = page
        .find("<section class=\"widget\" id=\"apt-events\">")
        .context("no APT widget")?;
    let apt = &page[start..];
    let apt = &apt[..apt.find("</section>").unwrap_or(apt.len())];
    ensure!(
        apt.contains(": 0</span>"),
        "the APT widget counts events older than 7 days"
    );
    Ok(())
}
