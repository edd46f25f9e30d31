//! Validating a scenario against its office: the gateway section, the web
//! intel, actors, the timeline; the internet, traffic and mail sections are
//! checked by their own modules, each an `impl ScenarioCheck` of its own.

use super::checks::{require_mail, require_text, url_host};
use super::error::{Doc, LoadError};
use super::raw::{RawActor, RawGatewayState, RawScenario, RawTimelineEntry};
use super::{FileReader, check_thresholds, policy_at, stem};
use crate::model::{
    ActorKind, ActorSpec, Internet, Office, Scenario, ScriptedRequest, TimelineAction,
    TimelineEntry,
};
use appliance::policy::UrlCategories;
use appliance::{Config, Instant};
use std::time::Duration;

/// A scenario's validation: the document (for errors), its office and the
/// files beside it.
pub(super) struct ScenarioCheck<'d, 'a> {
    pub(super) doc: &'d Doc<'a>,
    pub(super) office: &'d Office,
    pub(super) files: &'d FileReader<'d>,
}

/// What the scenario's clock allows: `[start, end]`.
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub(super) start: Instant,
    pub(super) end: Instant,
}

/// The shortest interval an actor may repeat at. An actor plays a person or
/// a program calling home: each round is a whole web exchange (DNS, TCP
/// handshake, HTTP), and the seeds' actors repeat every minutes. At 1 ms a
/// day's scenario was 86 million exchanges that ran without end and without
/// progress output; at 1 s it is at most 86,400 per actor. Floods are
/// `traffic:` sequences, which have their own rate limit.
pub(super) const MIN_ACTOR_INTERVAL: Duration = Duration::from_secs(1);

impl ScenarioCheck<'_, '_> {
    pub(super) fn validate(&self, raw: RawScenario) -> Result<Scenario, LoadError> {
        let doc = self.doc;
        require_text(doc, "title", &raw.title)?;
        require_text(doc, "reproduces", &raw.reproduces)?;
        if raw.duration.0 == Duration::ZERO {
            return Err(doc
                .error_at("duration", "a scenario must last longer than 0s")
                .label("zero")
                .into());
        }
        let window = Window {
            start: raw.start.0,
            end: raw.start.0 + raw.duration.0,
        };
        let online_since = raw.online_since.map(|t| t.0);
        if online_since.is_some_and(|t| t > window.start) {
            return Err(doc
                .error_at(
                    "online_since",
                    "the gateway must be online since before `start`",
                )
                .label("after the start")
                .help("leave `online_since` out if the gateway comes online at `start`")
                .into());
        }
        let mut gateway = self.gateway(raw.gateway, raw.seed)?;
        self.rule_files(&mut gateway, self.files)?;
        if let Some(p) = &raw.policy {
            gateway.policy = policy_at(doc, "policy", p)?;
        }
        self.web_intel(&raw.intel)?;
        let internet = self.internet(raw.internet, &gateway)?;
        let mut actors = Vec::new();
        for (i, actor) in raw.actors.into_iter().enumerate() {
            self.actor(i, actor, window, &internet, &mut actors)?;
        }
        let timeline = self.timeline(raw.timeline, window)?;
        let scripted = self.traffic(raw.traffic, window, &internet)?;
        let (mail, internet) = self.mail(raw.mail, window, internet, &gateway)?;
        let endpoint = self.endpoint_plan(raw.endpoint, window)?;
        let cloud_apps = self.cloud_apps(raw.cloud_apps, window)?;
        Ok(Scenario {
            id: stem(doc.path),
            title: raw.title,
            reproduces: raw.reproduces,
            office: self.office.clone(),
            start: window.start,
            duration: raw.duration.0,
            online_since,
            seed: raw.seed,
            gateway,
            internet,
            intel: raw.intel,
            actors,
            timeline,
            scripted,
            mail,
            endpoint,
            cloud_apps,
        })
    }

    /// The gateway's name is the office's; its seed the scenario's unless
    /// the YAML says otherwise.
    fn gateway(&self, raw: Option<Config>, seed: u64) -> Result<Config, LoadError> {
        let doc = self.doc;
        let office_name = &self.office.gateway_name;
        let mut config = raw.unwrap_or_default();
        if doc.has("gateway.name") && config.name != *office_name {
            return Err(doc
                .error_at(
                    "gateway.name",
                    format!(
                        "gateway name `{}` differs from the office's gateway `{office_name}`",
                        config.name
                    ),
                )
                .label("not this office's gateway")
                .help("leave `gateway.name` out: it is taken from the office's `gateway_name`")
                .into());
        }
        config.name.clone_from(office_name);
        if !doc.has("gateway.seed") {
            config.seed = seed;
        }
        check_thresholds(doc, "gateway.", &config)?;
        // Seed 001: the code and string belong to 「一致するすべての接続に適用する
        // 処理」; with the recommended treatment they would silently do nothing.
        if config.mail.email_reputation.mode != appliance::config::ReputationMode::All {
            for key in ["smtp_error_code", "smtp_error_string"] {
                let path = format!("gateway.mail.email_reputation.{key}");
                if doc.has(&path) {
                    return Err(doc
                        .error_at(&path, format!("`{key}` applies only with `mode: all`"))
                        .label("not used by the recommended treatment")
                        .help("the recommended treatment refuses RBL+ with 550 and Zombie with 450; set `mode: all` to apply your own code and string to every listed sender")
                        .into());
                }
            }
        }
        if config.alerts.enabled {
            require_mail(doc, "gateway.alerts.to", &config.alerts.to)?;
            require_mail(doc, "gateway.alerts.from", &config.alerts.from)?;
        }
        Ok(config)
    }

    /// Web ratings name known categories and scores of 0-100.
    fn web_intel(&self, intel: &appliance::FrozenIntel) -> Result<(), LoadError> {
        let table = UrlCategories::builtin();
        let mut ratings: Vec<(&str, appliance::intel::WebRating)> = intel.web.iter().collect();
        ratings.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, rating) in ratings {
            // Keys hold dots, which the YAML path cannot: point at `intel.web`.
            if rating.score > 100 {
                return Err(self
                    .doc
                    .error_at(
                        "intel.web",
                        format!("`{key}`: score {} is over 100", rating.score),
                    )
                    .label("scores are 0-100")
                    .into());
            }
            if table.get(&rating.category).is_none() {
                return Err(self
                    .doc
                    .error_at(
                        "intel.web",
                        format!("`{key}`: unknown URL category `{}`", rating.category),
                    )
                    .label("unknown category")
                    .help("see appliance/data/url-categories.yaml for the category names")
                    .into());
            }
        }
        Ok(())
    }

    pub(super) fn host_ref(&self, path: &str, name: &str) -> Result<(), LoadError> {
        if self.office.host(name).is_some() {
            return Ok(());
        }
        let known: Vec<&str> = self.office.hosts.iter().map(|h| h.name.as_str()).collect();
        Err(self
            .doc
            .error_at(
                path,
                format!("no host `{name}` in office `{}`", self.office.id),
            )
            .label("unknown host")
            .help(format!("the office's hosts are: {}", known.join(", ")))
            .into())
    }

    pub(super) fn url_ref(
        &self,
        path: &str,
        url: &str,
        internet: &Internet,
    ) -> Result<(), LoadError> {
        let doc = self.doc;
        let host = url_host(url).map_err(|message| {
            LoadError::from(
                doc.error_at(path, message)
                    .label("bad URL")
                    .help("write a full URL, e.g. `http://www.print-shop.example/`"),
            )
        })?;
        // A site may be addressed by its IP (`http://203.0.113.99/gate.php`):
        // the client then asks no DNS server.
        let by_ip = host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| internet.sites.iter().any(|s| s.ip == ip));
        if internet.site(host).is_none() && !by_ip {
            let known: Vec<&str> = internet.sites.iter().map(|s| s.host.as_str()).collect();
            return Err(doc
                .error_at(
                    path,
                    format!("`{host}` is not a site of the scenario's internet"),
                )
                .label("unknown site")
                .help(format!(
                    "add it under `internet.sites`; the sites are: {}",
                    known.join(", ")
                ))
                .into());
        }
        Ok(())
    }

    /// Checks that `at` lies within `[from, to]`; `what` names the bounds.
    pub(super) fn time_in(
        &self,
        path: &str,
        at: Instant,
        from: Instant,
        to: Instant,
        what: &str,
    ) -> Result<(), LoadError> {
        if at < from || at > to {
            return Err(self
                .doc
                .error_at(path, format!("{at} is outside {what} ({from} to {to} JST)"))
                .label("out of range")
                .into());
        }
        Ok(())
    }

    pub(super) fn pace(
        &self,
        path: &str,
        interval: Duration,
        jitter: Duration,
    ) -> Result<(), LoadError> {
        let doc = self.doc;
        if interval < MIN_ACTOR_INTERVAL {
            return Err(doc
                .error_at(
                    &format!("{path}.interval"),
                    format!(
                        "the interval {} is shorter than the minimum {}",
                        crate::duration::format(interval),
                        crate::duration::format(MIN_ACTOR_INTERVAL)
                    ),
                )
                .label("too short")
                .help("an actor repeats a whole web exchange (DNS, TCP, HTTP) each interval; below 1s a day's run never ends; use `traffic:` for floods")
                .into());
        }
        if jitter >= interval {
            return Err(doc
                .error_at(
                    &format!("{path}.jitter"),
                    format!(
                        "jitter {} must be shorter than the interval {}",
                        crate::duration::format(jitter),
                        crate::duration::format(interval)
                    ),
                )
                .label("too large")
                .help("the next attempt comes `interval ± jitter` later, which must stay positive")
                .into());
        }
        Ok(())
    }

    pub(super) fn actor(
        &self,
        i: usize,
        raw: RawActor,
        window: Window,
        internet: &Internet,
        out: &mut Vec<ActorSpec>,
    ) -> Result<(), LoadError> {
        let doc = self.doc;
        let at = |key: &str| format!("actors[{i}].{key}");
        let raw_program = raw.program.clone();
        if let Some(program) = &raw_program {
            require_text(doc, &at("program"), program)?;
        }
        let hosts: Vec<(String, String)> = match (raw.host, raw.hosts) {
            (Some(host), None) => vec![(at("host"), host)],
            (None, Some(hosts)) if !hosts.is_empty() => hosts
                .into_iter()
                .enumerate()
                .map(|(j, h)| (format!("actors[{i}].hosts[{j}]"), h))
                .collect(),
            (None, Some(_)) => {
                return Err(doc
                    .error_at(&at("hosts"), "`hosts` lists no host")
                    .label("empty")
                    .into());
            }
            _ => {
                return Err(doc
                    .error_at(&format!("actors[{i}]"), "an actor needs exactly one of `host` or `hosts`")
                    .label("which host?")
                    .help("`host: PC-XP` for one machine, `hosts: [PC-01, PC-02]` for the same program on several")
                    .into());
            }
        };
        for (path, host) in &hosts {
            self.host_ref(path, host)?;
        }
        let start = raw.start.map(|t| t.0);
        let stop = raw.stop.map(|t| t.0);
        if let Some(start) = start {
            self.time_in(
                &at("start"),
                start,
                window.start,
                window.end,
                "the scenario",
            )?;
        }
        if let Some(stop) = stop {
            let from = start.unwrap_or(window.start);
            if stop <= from {
                return Err(doc
                    .error_at(
                        &at("stop"),
                        format!("the actor stops at {stop}, before it starts at {from}"),
                    )
                    .label("out of order")
                    .into());
            }
            self.time_in(&at("stop"), stop, window.start, window.end, "the scenario")?;
        }
        let kind = match (raw.browse, raw.beacon) {
            (Some(browse), None) => {
                let base = at("browse");
                self.urls(&base, &browse.urls, internet)?;
                self.pace(
                    &base,
                    browse.interval.0,
                    browse.jitter.of(browse.interval.0),
                )?;
                ActorKind::Browse {
                    urls: browse.urls,
                    interval: browse.interval.0,
                    jitter: browse.jitter.of(browse.interval.0),
                    hours: browse.hours.map(|h| (h.0, h.1)),
                }
            }
            (None, Some(beacon)) => {
                let base = at("beacon");
                self.urls(&base, &beacon.urls, internet)?;
                self.pace(
                    &base,
                    beacon.interval.0,
                    beacon.jitter.of(beacon.interval.0),
                )?;
                let from = start.unwrap_or(window.start);
                let to = stop.unwrap_or(window.end);
                let mut script = Vec::with_capacity(beacon.script.len());
                let mut previous: Option<Instant> = None;
                for (k, line) in beacon.script.into_iter().enumerate() {
                    let line_at = |key: &str| format!("{base}.script[{k}].{key}");
                    self.url_ref(&line_at("url"), &line.url, internet)?;
                    if let Some(previous) = previous.filter(|&p| line.at.0 < p) {
                        return Err(doc
                            .error_at(
                                &line_at("at"),
                                format!("{} comes before the previous line's {previous}", line.at.0),
                            )
                            .label("out of order")
                            .help("list scripted requests oldest first (the seed's log shows them newest first)")
                            .into());
                    }
                    previous = Some(line.at.0);
                    self.time_in(&line_at("at"), line.at.0, from, to, "the actor's run")?;
                    script.push(ScriptedRequest {
                        at: line.at.0,
                        url: line.url,
                    });
                }
                ActorKind::Beacon {
                    urls: beacon.urls,
                    script,
                    interval: beacon.interval.0,
                    jitter: beacon.jitter.of(beacon.interval.0),
                }
            }
            _ => {
                return Err(doc
                    .error_at(
                        &format!("actors[{i}]"),
                        "an actor needs exactly one of `browse` or `beacon`",
                    )
                    .label("what does it run?")
                    .into());
            }
        };
        out.extend(hosts.into_iter().map(|(_, host)| ActorSpec {
            program: raw_program.clone(),
            host,
            start,
            stop,
            kind: kind.clone(),
        }));
        Ok(())
    }

    pub(super) fn urls(
        &self,
        base: &str,
        urls: &[String],
        internet: &Internet,
    ) -> Result<(), LoadError> {
        if urls.is_empty() {
            return Err(self
                .doc
                .error_at(&format!("{base}.urls"), "`urls` lists no URL")
                .label("empty")
                .into());
        }
        for (j, url) in urls.iter().enumerate() {
            self.url_ref(&format!("{base}.urls[{j}]"), url, internet)?;
        }
        Ok(())
    }

    pub(super) fn timeline(
        &self,
        raw: Vec<RawTimelineEntry>,
        window: Window,
    ) -> Result<Vec<TimelineEntry>, LoadError> {
        let doc = self.doc;
        let mut isolated: Vec<String> = Vec::new();
        let mut offline = false;
        let mut branches_offline: Vec<String> = Vec::new();
        let mut renumbered: Vec<std::net::Ipv4Addr> = Vec::new();
        let mut previous: Option<Instant> = None;
        let mut entries = Vec::with_capacity(raw.len());
        for (i, entry) in raw.into_iter().enumerate() {
            let at = |key: &str| format!("timeline[{i}].{key}");
            let when = entry.at.0;
            if let Some(previous) = previous.filter(|&p| when < p) {
                return Err(doc
                    .error_at(
                        &at("at"),
                        format!("{when} comes before the previous entry's {previous}"),
                    )
                    .label("out of order")
                    .help("list timeline entries oldest first")
                    .into());
            }
            previous = Some(when);
            self.time_in(&at("at"), when, window.start, window.end, "the scenario")?;
            // One action per entry (`branch` only says whose `gateway`).
            let actions = [
                entry.isolate.is_some(),
                entry.reconnect.is_some(),
                entry.gateway.is_some(),
                entry.block_device.is_some(),
                entry.renumber.is_some(),
            ];
            if actions.iter().filter(|a| **a).count() != 1 {
                return Err(doc
                    .error_at(
                        &format!("timeline[{i}]"),
                        "a timeline entry needs exactly one action: `isolate`, `reconnect`, \
                         `gateway`, `block_device` or `renumber`",
                    )
                    .label("what happens?")
                    .into());
            }
            if let Some(renumber) = entry.renumber {
                self.host_ref(&at("renumber.host"), &renumber.host)?;
                let taken = self.office.router_ip == renumber.ip
                    || self.office.host_by_ip(renumber.ip).is_some()
                    || renumbered.contains(&renumber.ip);
                if !self.office.is_host_address(renumber.ip) || taken {
                    return Err(doc
                        .error_at(
                            &at("renumber.ip"),
                            format!("{} is not a free address of the office's LAN", renumber.ip),
                        )
                        .label(if taken {
                            "already in use"
                        } else {
                            "outside the LAN"
                        })
                        .help("a DHCP lease gives an unused address inside `lan`")
                        .into());
                }
                renumbered.push(renumber.ip);
                entries.push(TimelineEntry {
                    at: when,
                    action: TimelineAction::Renumber {
                        host: renumber.host,
                        ip: renumber.ip,
                    },
                    note: entry.note,
                });
                continue;
            }
            if let Some(block) = entry.block_device {
                let (mac, ip) = self.block_device(&at("block_device"), block)?;
                entries.push(TimelineEntry {
                    at: when,
                    action: TimelineAction::BlockDevice { mac, ip },
                    note: entry.note,
                });
                continue;
            }
            if let Some(branch) = entry.branch {
                let Some(state) = entry.gateway else {
                    return Err(doc
                        .error_at(
                            &at("branch"),
                            "`branch` names whose `gateway` goes offline or online",
                        )
                        .label("without `gateway: offline` or `online`")
                        .into());
                };
                let Some(name) = self
                    .office
                    .branch_gateways
                    .iter()
                    .find(|g| g.eq_ignore_ascii_case(branch.trim()))
                else {
                    return Err(doc
                        .error_at(
                            &at("branch"),
                            format!("no branch gateway `{branch}` in the office"),
                        )
                        .label("unknown gateway")
                        .help(format!(
                            "the office's branch gateways: {}",
                            if self.office.branch_gateways.is_empty() {
                                "none (`branch_gateways:` in the office file)".to_string()
                            } else {
                                self.office.branch_gateways.join(", ")
                            }
                        ))
                        .into());
                };
                let going_offline = state == RawGatewayState::Offline;
                let was_offline = branches_offline.contains(name);
                if going_offline == was_offline {
                    let now = if was_offline { "offline" } else { "online" };
                    return Err(doc
                        .error_at(&at("gateway"), format!("{name} is already {now}"))
                        .label("no change")
                        .into());
                }
                let gateway = name.clone();
                let action = if going_offline {
                    branches_offline.push(gateway.clone());
                    TimelineAction::BranchOffline { gateway }
                } else {
                    branches_offline.retain(|g| *g != gateway);
                    TimelineAction::BranchOnline { gateway }
                };
                entries.push(TimelineEntry {
                    at: when,
                    action,
                    note: entry.note,
                });
                continue;
            }
            let action = match (entry.isolate, entry.reconnect, entry.gateway) {
                (None, None, Some(state)) => {
                    let going_offline = state == RawGatewayState::Offline;
                    if going_offline == offline {
                        let now = if offline { "offline" } else { "online" };
                        return Err(doc
                            .error_at(&at("gateway"), format!("the gateway is already {now}"))
                            .label("no change")
                            .into());
                    }
                    offline = going_offline;
                    if going_offline {
                        TimelineAction::GatewayOffline
                    } else {
                        TimelineAction::GatewayOnline
                    }
                }
                (Some(host), None, None) => {
                    self.host_ref(&at("isolate"), &host)?;
                    if isolated.contains(&host) {
                        return Err(doc
                            .error_at(&at("isolate"), format!("{host} is already isolated"))
                            .label("isolated twice")
                            .into());
                    }
                    isolated.push(host.clone());
                    TimelineAction::Isolate { host }
                }
                (None, Some(host), None) => {
                    self.host_ref(&at("reconnect"), &host)?;
                    let Some(pos) = isolated.iter().position(|h| *h == host) else {
                        return Err(doc
                            .error_at(
                                &at("reconnect"),
                                format!("{host} is not isolated at {when}"),
                            )
                            .label("nothing to reconnect")
                            .into());
                    };
                    isolated.remove(pos);
                    TimelineAction::Reconnect { host }
                }
                // The count above leaves exactly one of the three here.
                _ => {
                    return Err(doc
                        .error_at(
                            &format!("timeline[{i}]"),
                            "a timeline entry needs exactly one action",
                        )
                        .label("what happens?")
                        .into());
                }
            };
            entries.push(TimelineEntry {
                at: when,
                action,
                note: entry.note,
            });
        }
        Ok(entries)
    }
}
