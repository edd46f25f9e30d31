//! Validating a scenario's `cloud_apps:` (seed 003): application names
//! from the ten the product connects to, each moment on a service of the
//! right kind (mail, storage, chat) and connected, files found under
//! `files/`, times in order and inside the run, a share only of a file
//! uploaded before it, mail addresses that look like addresses.

use super::checks::{require_mail as address, require_text};
use super::error::{Doc, LoadError};
use super::raw::cloud_apps::{
    RawAction, RawAnalyzer, RawCloudApps, RawCloudEntry, RawDataLoss, RawFileBlocking, RawLevel,
    RawOnOff, RawPattern, RawRisk, RawSharing, RawThreatProtection,
};
use super::scenario::{ScenarioCheck, Window};
use crate::model::cloud_apps::{
    CloudAction, CloudAppsPlan, CloudEntry, NamedFile, ServiceKind, service_kind,
};
use appliance::Instant;
use appliance::policy::Level;
use cloud::app_security::scan::api::Sharing;
use cloud::app_security::scan::file_type::FileType;
use cloud::app_security::scan::policy::{
    Analyzer, DataLossPolicy, FileBlocking, Pattern, ScanPolicy, ThreatPolicy, WebReputation,
};
use cloud::app_security::{Action, Application, RiskLevel};

fn action(raw: RawAction) -> Action {
    match raw {
        RawAction::Quarantine => Action::Quarantined,
        RawAction::Delete => Action::Deleted,
        RawAction::ReplaceWithText => Action::ReplacedWithText,
        RawAction::ReplaceWithFile => Action::ReplacedWithFile,
        RawAction::LogOnly => Action::LoggedOnly,
    }
}

fn sharing(raw: RawSharing) -> Sharing {
    match raw {
        RawSharing::Private => Sharing::Private,
        RawSharing::Internal => Sharing::Internal,
        RawSharing::Public => Sharing::Public,
    }
}

fn application(doc: &Doc<'_>, path: &str, name: &str) -> Result<Application, LoadError> {
    Application::from_code(name).ok_or_else(|| {
        let known: Vec<&str> = Application::ALL.iter().map(|a| a.code()).collect();
        doc.error_at(path, format!("no application `{name}`"))
            .label("unknown application")
            .help(format!("the product connects to: {}", known.join(", ")))
            .into()
    })
}

impl ScenarioCheck<'_, '_> {
    pub(super) fn cloud_apps(
        &self,
        raw: Option<RawCloudApps>,
        window: Window,
    ) -> Result<Option<CloudAppsPlan>, LoadError> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        let doc = self.doc;
        let mut policy = ScanPolicy::default();
        if let Some(apps) = raw.applications {
            policy.applications.clear();
            for (i, name) in apps.iter().enumerate() {
                let app = application(doc, &format!("cloud_apps.applications[{i}]"), name)?;
                if !policy.applications.contains(&app) {
                    policy.applications.push(app);
                }
            }
        }
        if let Some(threat) = raw.threat_protection {
            policy.threat = self.threat_policy(threat)?;
        }
        for (i, d) in raw.data_loss.into_iter().enumerate() {
            policy.data_loss.push(self.data_loss(i, d)?);
        }
        let mut timeline = Vec::with_capacity(raw.timeline.len());
        let mut uploaded: Vec<(Application, String)> = Vec::new();
        let mut previous: Option<Instant> = None;
        for (i, entry) in raw.timeline.into_iter().enumerate() {
            let path = format!("cloud_apps.timeline[{i}]");
            let when = entry.at.0;
            if previous.is_some_and(|p| when < p) {
                return Err(doc
                    .error_at(&format!("{path}.at"), "before the previous entry")
                    .label("out of order")
                    .help("list the moments oldest first")
                    .into());
            }
            previous = Some(when);
            self.time_in(
                &format!("{path}.at"),
                when,
                window.start,
                window.end,
                "the scenario",
            )?;
            let (app, action) = self.cloud_action(&path, entry, &uploaded)?;
            if !policy.applications.contains(&app) {
                return Err(doc
                    .error_at(&path, format!("`{}` is not connected", app.code()))
                    .label("not in `cloud_apps.applications`")
                    .into());
            }
            if let CloudAction::Upload { path: p, .. } = &action {
                uploaded.push((app, p.clone()));
            }
            timeline.push(CloudEntry {
                at: when,
                app,
                action,
            });
        }
        Ok(Some(CloudAppsPlan { policy, timeline }))
    }

    fn threat_policy(&self, raw: RawThreatProtection) -> Result<ThreatPolicy, LoadError> {
        let doc = self.doc;
        let mut threat = ThreatPolicy::default();
        if let Some(name) = raw.name {
            require_text(doc, "cloud_apps.threat_protection.name", &name)?;
            threat.name = name;
        }
        if let Some(a) = raw.virus_action {
            threat.virus_action = action(a);
        }
        if let Some(fb) = raw.file_blocking {
            threat.file_blocking = Some(self.file_blocking(fb)?);
        }
        match raw.web_reputation {
            None => {}
            Some(RawOnOff::Off(false)) => threat.web_reputation = None,
            Some(RawOnOff::Off(true)) => {}
            Some(RawOnOff::On(w)) => {
                threat.web_reputation = Some(WebReputation {
                    level: match w.level {
                        RawLevel::High => Level::High,
                        RawLevel::Medium => Level::Medium,
                        RawLevel::Low => Level::Low,
                    },
                    action: action(w.action),
                })
            }
        }
        match raw.virtual_analyzer {
            None | Some(RawOnOff::Off(true)) => {}
            Some(RawOnOff::Off(false)) => threat.analyzer = None,
            Some(RawOnOff::On(RawAnalyzer {
                act_at,
                action: a,
                unknown_action,
            })) => {
                threat.analyzer = Some(Analyzer {
                    act_at: match act_at {
                        RawRisk::High => RiskLevel::High,
                        RawRisk::Medium => RiskLevel::Medium,
                        RawRisk::Low => RiskLevel::Low,
                    },
                    action: action(a),
                    unknown_action: action(unknown_action),
                })
            }
        }
        Ok(threat)
    }

    fn file_blocking(&self, raw: RawFileBlocking) -> Result<FileBlocking, LoadError> {
        let doc = self.doc;
        let mut types = Vec::new();
        for (i, t) in raw.types.iter().enumerate() {
            let kind = FileType::from_code(t)
                .filter(|k| *k != FileType::Other)
                .ok_or_else(|| {
                    let known: Vec<&str> = FileType::ALL
                        .iter()
                        .filter(|k| **k != FileType::Other)
                        .map(|k| k.code())
                        .collect();
                    doc.error_at(
                        &format!("cloud_apps.threat_protection.file_blocking.types[{i}]"),
                        format!("no file type `{t}`"),
                    )
                    .label("unknown type")
                    .help(format!("the true types are: {}", known.join(", ")))
                })?;
            types.push(kind);
        }
        let mut extensions = Vec::new();
        for (i, e) in raw.extensions.iter().enumerate() {
            let e = e.trim_start_matches('.').to_lowercase();
            require_text(
                doc,
                &format!("cloud_apps.threat_protection.file_blocking.extensions[{i}]"),
                &e,
            )?;
            extensions.push(e);
        }
        for (i, n) in raw.names.iter().enumerate() {
            require_text(
                doc,
                &format!("cloud_apps.threat_protection.file_blocking.names[{i}]"),
                n,
            )?;
        }
        if types.is_empty() && extensions.is_empty() && raw.names.is_empty() && !raw.suspicious_urls
        {
            return Err(doc
                .error_at(
                    "cloud_apps.threat_protection.file_blocking",
                    "file blocking with no rule blocks nothing",
                )
                .label("no rule")
                .help("name `types`, `extensions`, `names`, or set `suspicious_urls: true`")
                .into());
        }
        Ok(FileBlocking {
            types,
            extensions,
            names: raw.names,
            suspicious_urls: raw.suspicious_urls,
            action: action(raw.action),
        })
    }

    fn data_loss(&self, i: usize, raw: RawDataLoss) -> Result<DataLossPolicy, LoadError> {
        let doc = self.doc;
        let at = |key: &str| format!("cloud_apps.data_loss[{i}].{key}");
        require_text(doc, &at("name"), &raw.name)?;
        if raw.patterns.is_empty() {
            return Err(doc
                .error_at(&at("patterns"), "a data-loss policy needs a pattern")
                .label("nothing to look for")
                .into());
        }
        let mut patterns = Vec::new();
        for (j, p) in raw.patterns.into_iter().enumerate() {
            patterns.push(match p {
                RawPattern::Named(n) if n == "my_number" => Pattern::MyNumber,
                RawPattern::Named(n) if n == "credit_card" => Pattern::CreditCard,
                RawPattern::Named(n) => {
                    return Err(doc
                        .error_at(
                            &format!("{}[{j}]", at("patterns")),
                            format!("no pattern `{n}`"),
                        )
                        .label("unknown pattern")
                        .help("`my_number`, `credit_card`, or `{ keyword: TEXT }`")
                        .into());
                }
                RawPattern::Keyword { keyword } => {
                    require_text(doc, &format!("{}[{j}].keyword", at("patterns")), &keyword)?;
                    Pattern::Keyword(keyword)
                }
            });
        }
        let min_matches = raw.min_matches.unwrap_or(1);
        if min_matches == 0 {
            return Err(doc
                .error_at(&at("min_matches"), "at least one match makes a detection")
                .label("zero")
                .into());
        }
        let mut applications = Vec::new();
        for (j, name) in raw.applications.iter().enumerate() {
            applications.push(application(
                doc,
                &format!("{}[{j}]", at("applications")),
                name,
            )?);
        }
        Ok(DataLossPolicy {
            name: raw.name,
            patterns,
            min_matches,
            applications,
            shared_only: raw.shared_only,
            action: action(raw.action),
        })
    }

    fn named_files(&self, path: &str, names: &[String]) -> Result<Vec<NamedFile>, LoadError> {
        names
            .iter()
            .enumerate()
            .map(|(j, name)| {
                Ok(NamedFile {
                    name: name.clone(),
                    bytes: self.file_bytes(&format!("{path}.files[{j}]"), name)?,
                })
            })
            .collect()
    }

    /// One moment: its application (of the right kind) and what happens.
    fn cloud_action(
        &self,
        path: &str,
        entry: RawCloudEntry,
        uploaded: &[(Application, String)],
    ) -> Result<(Application, CloudAction), LoadError> {
        let doc = self.doc;
        let given = [
            entry.receive.is_some(),
            entry.send.is_some(),
            entry.upload.is_some(),
            entry.share.is_some(),
            entry.post.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(doc
                .error_at(
                    path,
                    "a moment needs exactly one of `receive`, `send`, `upload`, `share`, `post`",
                )
                .label("what happens?")
                .into());
        }
        let kind_of =
            |key: &str, name: &str, want: ServiceKind| -> Result<Application, LoadError> {
                let app = application(doc, &format!("{path}.{key}.app"), name)?;
                if service_kind(app) != want {
                    return Err(doc
                        .error_at(
                            &format!("{path}.{key}.app"),
                            format!("`{name}` is no {want:?} service: it cannot `{key}`"),
                        )
                        .label("wrong kind of service")
                        .help("mail: exchange, gmail; chat: teams; the others are storage")
                        .into());
                }
                Ok(app)
            };
        if let Some(r) = entry.receive {
            let key = format!("{path}.receive");
            let app = kind_of("receive", &r.app, ServiceKind::Mail)?;
            address(doc, &format!("{key}.to"), &r.to)?;
            address(doc, &format!("{key}.from"), &r.from)?;
            require_text(doc, &format!("{key}.subject"), &r.subject)?;
            let files = self.named_files(&key, &r.files)?;
            return Ok((
                app,
                CloudAction::Receive {
                    to: r.to,
                    from: r.from,
                    subject: r.subject,
                    text: r.text,
                    files,
                },
            ));
        }
        if let Some(s) = entry.send {
            let key = format!("{path}.send");
            let app = kind_of("send", &s.app, ServiceKind::Mail)?;
            address(doc, &format!("{key}.from"), &s.from)?;
            if s.to.is_empty() {
                return Err(doc
                    .error_at(&format!("{key}.to"), "a mail needs a recipient")
                    .label("no recipient")
                    .into());
            }
            for (j, to) in s.to.iter().enumerate() {
                address(doc, &format!("{key}.to[{j}]"), to)?;
            }
            require_text(doc, &format!("{key}.subject"), &s.subject)?;
            let files = self.named_files(&key, &s.files)?;
            return Ok((
                app,
                CloudAction::Send {
                    from: s.from,
                    to: s.to,
                    subject: s.subject,
                    text: s.text,
                    files,
                },
            ));
        }
        if let Some(u) = entry.upload {
            let key = format!("{path}.upload");
            let app = kind_of("upload", &u.app, ServiceKind::Storage)?;
            address(doc, &format!("{key}.user"), &u.user)?;
            require_text(doc, &format!("{key}.path"), &u.path)?;
            let bytes = self.file_bytes(&format!("{key}.file"), &u.file)?;
            let name = u.path.rsplit('/').next().unwrap_or(&u.path).to_string();
            return Ok((
                app,
                CloudAction::Upload {
                    user: u.user,
                    path: u.path,
                    file: NamedFile { name, bytes },
                    sharing: u.sharing.map_or(Sharing::Private, sharing),
                },
            ));
        }
        if let Some(s) = entry.share {
            let key = format!("{path}.share");
            let app = kind_of("share", &s.app, ServiceKind::Storage)?;
            address(doc, &format!("{key}.user"), &s.user)?;
            if !uploaded.iter().any(|(a, p)| *a == app && *p == s.path) {
                return Err(doc
                    .error_at(
                        &format!("{key}.path"),
                        format!("no file `{}` uploaded before", s.path),
                    )
                    .label("nothing to share")
                    .help("an `upload` to the same app and path must come first")
                    .into());
            }
            return Ok((
                app,
                CloudAction::Share {
                    user: s.user,
                    path: s.path,
                    sharing: sharing(s.sharing),
                },
            ));
        }
        let Some(p) = entry.post else {
            return Err(doc
                .error_at(
                    path,
                    "a moment needs one of `receive`, `send`, `upload`, `share`, `post`",
                )
                .label("what happens?")
                .into());
        };
        let key = format!("{path}.post");
        let app = kind_of("post", &p.app, ServiceKind::Chat)?;
        address(doc, &format!("{key}.user"), &p.user)?;
        require_text(doc, &format!("{key}.channel"), &p.channel)?;
        require_text(doc, &format!("{key}.text"), &p.text)?;
        let files = self.named_files(&key, &p.files)?;
        Ok((
            app,
            CloudAction::Post {
                user: p.user,
                channel: p.channel,
                text: p.text,
                files,
            },
        ))
    }
}
