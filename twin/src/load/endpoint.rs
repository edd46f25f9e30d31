//! Validating the endpoint option: an office's agents (each on a PC or
//! server of the office, once) and a scenario's pattern releases, disk
//! files and moments (hosts with agents, files found under `files/`, times
//! in order and inside the run).

use super::checks::require_text;
use super::error::{Doc, LoadError};
use super::raw::endpoint::{
    RawActivity, RawEndpointOption, RawEndpointPlan, RawFileAction, RawLicence, RawThreatKind,
    RawVia,
};
use super::scenario::{ScenarioCheck, Window};
use crate::model::endpoint::{
    Activity, AgentSpec, DiskFile, EndpointAction, EndpointEntry, EndpointOption, EndpointPlan,
    FileAction, FileBytes, PatternRelease, Signature, ThreatKind, ThreatSpec, Via,
};
use crate::model::{HostKind, HostSpec};
use appliance::Instant;
use cloud::endpoint::{Licence, Product, Protections};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// The agent program the report names when the office does not say.
pub const DEFAULT_PROGRAM: &str = "Apex One 14.0";

pub(super) fn validate_endpoint_option(
    doc: &Doc<'_>,
    raw: RawEndpointOption,
    hosts: &[HostSpec],
) -> Result<EndpointOption, LoadError> {
    let product = match raw.licence {
        RawLicence::Antivirus => Product::Antivirus,
        RawLicence::AntivirusEdr => Product::AntivirusEdr,
    };
    if raw.seats == 0 {
        return Err(doc
            .error_at("endpoint.seats", "a licence covers at least one agent")
            .label("zero seats")
            .into());
    }
    if raw.agents.len() > raw.seats as usize {
        return Err(doc
            .error_at(
                "endpoint.agents",
                format!(
                    "{} agents on a licence of {} seats",
                    raw.agents.len(),
                    raw.seats
                ),
            )
            .label("more agents than seats")
            .help("raise `endpoint.seats` or remove agents")
            .into());
    }
    let program = raw.program.unwrap_or_else(|| DEFAULT_PROGRAM.to_string());
    require_text(doc, "endpoint.program", &program)?;
    let edr_licensed = product == Product::AntivirusEdr;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut agents = Vec::with_capacity(raw.agents.len());
    for (i, a) in raw.agents.into_iter().enumerate() {
        let at = |key: &str| format!("endpoint.agents[{i}].{key}");
        let Some(host) = hosts.iter().find(|h| h.name == a.host) else {
            let known: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
            return Err(doc
                .error_at(&at("host"), format!("no host `{}` in this office", a.host))
                .label("unknown host")
                .help(format!("the office's hosts are: {}", known.join(", ")))
                .into());
        };
        if matches!(host.kind, HostKind::Nas | HostKind::Printer) {
            return Err(doc
                .error_at(
                    &at("host"),
                    format!(
                        "`{}` is a NAS or printer: the agent runs on PCs and servers",
                        a.host
                    ),
                )
                .label("no agent for this kind")
                .into());
        }
        if let Some(first) = seen.insert(a.host.clone(), i) {
            return Err(doc
                .error_at(
                    &at("host"),
                    format!("`{}` has an agent already (agents[{first}])", a.host),
                )
                .label("second agent")
                .into());
        }
        if a.edr == Some(true) && !edr_licensed {
            return Err(doc
                .error_at(&at("edr"), "EDR needs the `antivirus_edr` licence")
                .label("not licensed")
                .into());
        }
        let scheduled_scan = match &a.scheduled_scan {
            None => None,
            Some(text) => Some(parse_hh_mm(text).ok_or_else(|| {
                doc.error_at(
                    &at("scheduled_scan"),
                    format!("`{text}` is not a time of day like `12:30`"),
                )
                .label("not HH:MM")
            })?),
        };
        agents.push(AgentSpec {
            host: a.host,
            updates_until: a.updates_until.map(|t| t.0),
            protections: Protections {
                real_time: a.real_time.unwrap_or(true),
                behaviour: a.behaviour.unwrap_or(true),
                machine_learning: a.machine_learning.unwrap_or(true),
                web_reputation: a.web_reputation.unwrap_or(true),
                url_filter: a.url_filter.unwrap_or(true),
                edr: a.edr.unwrap_or(edr_licensed),
            },
            offline_since: a.offline_since.map(|t| t.0),
            scheduled_scan,
            file_action: match a.action.unwrap_or(RawFileAction::Quarantine) {
                RawFileAction::Quarantine => FileAction::Quarantine,
                RawFileAction::Delete => FileAction::Delete,
                RawFileAction::Rename => FileAction::Rename,
                RawFileAction::Pass => FileAction::Pass,
            },
        });
    }
    Ok(EndpointOption {
        licence: Licence {
            product,
            seats: raw.seats,
        },
        program,
        agents,
    })
}

fn parse_hh_mm(text: &str) -> Option<(u8, u8)> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.trim().len() == 5).then_some((h, m))
}

impl ScenarioCheck<'_, '_> {
    /// The scenario's `endpoint:` against its office's agents.
    pub(super) fn endpoint_plan(
        &self,
        raw: Option<RawEndpointPlan>,
        window: Window,
    ) -> Result<EndpointPlan, LoadError> {
        let Some(raw) = raw else {
            return Ok(EndpointPlan::default());
        };
        let doc = self.doc;
        if self.office.endpoint.is_none() {
            return Err(doc
                .error_at(
                    "endpoint",
                    format!("office `{}` has no endpoint agents", self.office.id),
                )
                .label("no agents to run this")
                .help("declare `endpoint:` with its licence and agents in the office's file")
                .into());
        }
        let mut patterns: Vec<PatternRelease> = Vec::with_capacity(raw.patterns.len());
        for (i, p) in raw.patterns.into_iter().enumerate() {
            let at = |key: &str| format!("endpoint.patterns[{i}].{key}");
            require_text(doc, &at("version"), &p.version)?;
            if let Some(previous) = patterns.last() {
                if p.released.0 <= previous.released {
                    return Err(doc
                        .error_at(
                            &at("released"),
                            "pattern releases must be listed oldest first",
                        )
                        .label("not after the previous release")
                        .into());
                }
                if patterns.iter().any(|q| q.version == p.version) {
                    return Err(doc
                        .error_at(
                            &at("version"),
                            format!("version {} is listed twice", p.version),
                        )
                        .label("duplicate")
                        .into());
                }
            }
            let mut threats = Vec::with_capacity(p.threats.len());
            for (j, t) in p.threats.into_iter().enumerate() {
                let at = |key: &str| format!("endpoint.patterns[{i}].threats[{j}].{key}");
                require_text(doc, &at("name"), &t.name)?;
                let given = [t.file.is_some(), t.sha256.is_some(), t.contains.is_some()];
                if given.iter().filter(|g| **g).count() != 1 {
                    return Err(doc
                        .error_at(
                            &format!("endpoint.patterns[{i}].threats[{j}]"),
                            "a pattern entry needs exactly one of `file`, `sha256` or `contains`",
                        )
                        .label("how is it recognised?")
                        .into());
                }
                let signature = if let Some(name) = &t.file {
                    Signature::Sha256(
                        Sha256::digest(self.file_bytes(&at("file"), name)?.as_slice()).into(),
                    )
                } else if let Some(hex) = &t.sha256 {
                    Signature::Sha256(parse_sha256(hex).ok_or_else(|| {
                        doc.error_at(&at("sha256"), "not a SHA-256 in hex (64 digits)")
                            .label("bad digest")
                    })?)
                } else {
                    let text = t.contains.unwrap_or_default();
                    if text.len() < 8 {
                        return Err(doc
                            .error_at(&at("contains"), "a byte signature needs at least 8 bytes")
                            .label("too short: it would match ordinary files")
                            .into());
                    }
                    Signature::Contains(text.into_bytes())
                };
                threats.push(ThreatSpec {
                    name: t.name,
                    kind: match t.kind {
                        RawThreatKind::Malware => ThreatKind::Malware,
                        RawThreatKind::Spyware => ThreatKind::Spyware,
                        RawThreatKind::Grayware => ThreatKind::Grayware,
                    },
                    signature,
                    cleanable: t.cleanable,
                });
            }
            patterns.push(PatternRelease {
                version: p.version,
                released: p.released.0,
                threats,
            });
        }
        let mut files = Vec::with_capacity(raw.files.len());
        for (i, f) in raw.files.into_iter().enumerate() {
            let at = |key: &str| format!("endpoint.files[{i}].{key}");
            self.agent_host(&at("host"), &f.host)?;
            require_text(doc, &at("path"), &f.path)?;
            if f.written.0 > window.start {
                return Err(doc
                    .error_at(
                        &at("written"),
                        "files on the disk at the start were written before it",
                    )
                    .label("after the start")
                    .help("a file written during the run is a `timeline` entry with `write`")
                    .into());
            }
            files.push(DiskFile {
                bytes: self.file_bytes(&at("file"), &f.file)?,
                host: f.host,
                path: f.path,
                running: f.running,
                written: f.written.0,
            });
        }
        let mut entries = Vec::with_capacity(raw.timeline.len());
        let mut previous: Option<Instant> = None;
        for (i, e) in raw.timeline.into_iter().enumerate() {
            let at = |key: &str| format!("endpoint.timeline[{i}].{key}");
            let when = e.at.0;
            if previous.is_some_and(|p| when < p) {
                return Err(doc
                    .error_at(&at("at"), "comes before the previous entry")
                    .label("out of order")
                    .help("list timeline entries oldest first")
                    .into());
            }
            previous = Some(when);
            self.time_in(&at("at"), when, window.start, window.end, "the scenario")?;
            let action = match (e.write, e.full_scan, e.run) {
                (Some(w), None, None) => {
                    self.agent_host(&at("write.host"), &w.host)?;
                    require_text(doc, &at("write.path"), &w.path)?;
                    EndpointAction::Write {
                        bytes: self.file_bytes(&at("write.file"), &w.file)?,
                        host: w.host,
                        path: w.path,
                        via: match w.via {
                            RawVia::Usb => Via::Usb,
                            RawVia::Share => Via::Share,
                            RawVia::Download => Via::Download,
                            RawVia::Mail => Via::Mail,
                        },
                    }
                }
                (None, Some(host), None) => {
                    self.agent_host(&at("full_scan"), &host)?;
                    EndpointAction::FullScan { host }
                }
                (None, None, Some(r)) => {
                    self.agent_host(&at("run.host"), &r.host)?;
                    require_text(doc, &at("run.path"), &r.path)?;
                    let bytes = match &r.file {
                        Some(name) => Some(self.file_bytes(&at("run.file"), name)?),
                        None => None,
                    };
                    let mut activities = Vec::with_capacity(r.does.len());
                    for (j, a) in r.does.into_iter().enumerate() {
                        activities.push(self.activity(&at(&format!("run.does[{j}]")), a)?);
                    }
                    EndpointAction::Run {
                        host: r.host,
                        path: r.path,
                        bytes,
                        activities,
                    }
                }
                _ => {
                    return Err(doc
                        .error_at(
                            &format!("endpoint.timeline[{i}]"),
                            "an endpoint entry needs exactly one action: `write`, `full_scan` or `run`",
                        )
                        .label("what happens?")
                        .into());
                }
            };
            entries.push(EndpointEntry {
                at: when,
                action,
                note: e.note,
            });
        }
        let mut offline = Vec::with_capacity(raw.offline.len());
        for (i, o) in raw.offline.into_iter().enumerate() {
            let at = |key: &str| format!("endpoint.offline[{i}].{key}");
            self.agent_host(&at("host"), &o.host)?;
            if o.since.0 > window.start {
                return Err(doc
                    .error_at(
                        &at("since"),
                        "an agent offline at the start went offline before it",
                    )
                    .label("after the start")
                    .help("unplugging a host during the run is a `timeline` entry with `isolate`")
                    .into());
            }
            if offline.iter().any(|(h, _)| *h == o.host) {
                return Err(doc
                    .error_at(&at("host"), format!("`{}` is listed twice", o.host))
                    .label("duplicate")
                    .into());
            }
            offline.push((o.host, o.since.0));
        }
        Ok(EndpointPlan {
            patterns,
            files,
            entries,
            offline,
        })
    }

    fn activity(&self, path: &str, raw: RawActivity) -> Result<Activity, LoadError> {
        let doc = self.doc;
        let given = [
            raw.encrypt.is_some(),
            raw.delete_shadow_copies.is_some(),
            raw.autorun.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(doc
                .error_at(
                    path,
                    "an activity is exactly one of `encrypt`, `delete_shadow_copies` or `autorun`",
                )
                .label("what does it do?")
                .into());
        }
        if let Some(e) = raw.encrypt {
            if e.files == 0 || e.within.0.is_zero() {
                return Err(doc
                    .error_at(
                        &format!("{path}.encrypt"),
                        "encrypting needs files and a time",
                    )
                    .label("zero")
                    .into());
            }
            if !e.extension.starts_with('.') || e.extension.len() < 2 {
                return Err(doc
                    .error_at(
                        &format!("{path}.encrypt.extension"),
                        "an extension starts with `.`, e.g. `.locked`",
                    )
                    .label("not an extension")
                    .into());
            }
            return Ok(Activity::Encrypt {
                files: e.files,
                within: e.within.0,
                extension: e.extension,
            });
        }
        if raw.delete_shadow_copies == Some(true) {
            return Ok(Activity::DeleteShadowCopies);
        }
        if let Some(name) = raw.autorun {
            require_text(doc, &format!("{path}.autorun"), &name)?;
            return Ok(Activity::Autorun { name });
        }
        Err(doc
            .error_at(
                &format!("{path}.delete_shadow_copies"),
                "write `delete_shadow_copies: true`",
            )
            .label("false does nothing")
            .into())
    }

    /// A host of the office that runs an agent.
    fn agent_host(&self, path: &str, name: &str) -> Result<(), LoadError> {
        self.host_ref(path, name)?;
        let has_agent = self
            .office
            .endpoint
            .as_ref()
            .is_some_and(|e| e.agents.iter().any(|a| a.host == name));
        if has_agent {
            return Ok(());
        }
        Err(self
            .doc
            .error_at(path, format!("host `{name}` runs no endpoint agent"))
            .label("no agent")
            .help("the office's `endpoint.agents` lists the hosts with agents")
            .into())
    }

    /// A file under `files/` beside the scenario.
    pub(super) fn file_bytes(&self, path: &str, name: &str) -> Result<FileBytes, LoadError> {
        let plain = !name.is_empty() && !name.contains('/') && !name.starts_with('.');
        let found = if plain {
            (self.files)(&format!("files/{name}"))
        } else {
            None
        };
        let Some(found) = found else {
            return Err(self
                .doc
                .error_at(path, format!("no file `files/{name}` beside the scenario"))
                .label("not found")
                .help("test files are in the `files/` folder beside the scenario, named without the folder")
                .into());
        };
        let (_, bytes) = found?;
        Ok(Arc::new(bytes))
    }
}

fn parse_sha256(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_are_hh_mm() {
        assert_eq!(parse_hh_mm("12:30"), Some((12, 30)));
        assert_eq!(parse_hh_mm("00:00"), Some((0, 0)));
        for bad in ["24:00", "12:60", "1230", "9:30", "12:3", "ab:cd", ""] {
            assert_eq!(parse_hh_mm(bad), None, "{bad}");
        }
    }

    #[test]
    fn digests_are_64_hex_digits() {
        let hex = "00".repeat(31) + "ff";
        assert_eq!(parse_sha256(&hex).map(|d| d[31]), Some(0xff));
        assert_eq!(parse_sha256(&hex[2..]), None);
        assert_eq!(parse_sha256(&("zz".to_string() + &hex[2..])), None);
    }
}
