//! The office's cloud services in the simulated internet (seed 003's ten
//! applications): mailboxes, storage folders and chat channels with their
//! users, each service with a change feed read through its API the way
//! Cloud App Security reads the vendors' (`cloud::app_security::scan::api`).
//!
//! The twin keeps what is where: a remedy moves an item to the product's
//! quarantine, deletes it or swaps one of its files for a notice, and the
//! services' state is what a feature asserts, never the scanner's log.

use crate::model::cloud_apps::{CloudAction, NamedFile};
use appliance::Instant;
use cloud::app_security::scan::api::{Api, Attachment, Change, ChangeKind, Item, Remedy, Sharing};
use cloud::app_security::{Application, ObjectKind};
use std::collections::BTreeMap;

/// Where an item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Where its user put it or received it.
    InPlace,
    /// In the product's quarantine, out of its user's reach.
    Quarantined,
    /// Deleted.
    Deleted,
}

/// One mail, file or message in a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub id: String,
    pub item: Item,
    pub place: Place,
    /// The files a remedy replaced, by their old names.
    pub replaced: Vec<String>,
}

/// Every service of the office.
#[derive(Debug, Default)]
pub struct CloudServices {
    items: BTreeMap<Application, Vec<Stored>>,
    feeds: BTreeMap<Application, Vec<Change>>,
}

fn files(named: &[NamedFile]) -> Vec<Attachment> {
    named
        .iter()
        .map(|f| Attachment {
            name: f.name.clone(),
            bytes: f.bytes.as_ref().clone(),
        })
        .collect()
}

impl CloudServices {
    /// Makes a moment of the scenario happen in service `app` at `at`.
    pub fn apply(&mut self, at: Instant, app: Application, action: &CloudAction) {
        match action {
            CloudAction::Receive {
                to,
                from,
                subject,
                text,
                files: f,
            } => {
                let item = Item {
                    kind: ObjectKind::IncomingMail,
                    user: to.clone(),
                    name: subject.clone(),
                    text: format!("From: {from}\n\n{text}"),
                    files: files(f),
                    sharing: None,
                };
                self.create(at, app, item);
            }
            CloudAction::Send {
                from,
                to,
                subject,
                text,
                files: f,
            } => {
                let item = Item {
                    kind: ObjectKind::OutgoingMail,
                    user: from.clone(),
                    name: subject.clone(),
                    text: format!("To: {}\n\n{text}", to.join(", ")),
                    files: files(f),
                    sharing: None,
                };
                self.create(at, app, item);
            }
            CloudAction::Upload {
                user,
                path,
                file,
                sharing,
            } => {
                let item = Item {
                    kind: ObjectKind::File,
                    user: user.clone(),
                    name: path.clone(),
                    text: String::new(),
                    files: files(std::slice::from_ref(file)),
                    sharing: Some(*sharing),
                };
                let existing = self.items.get_mut(&app).and_then(|v| {
                    v.iter_mut()
                        .find(|s| s.item.name == *path && s.place == Place::InPlace)
                });
                match existing {
                    Some(stored) => {
                        stored.item = item;
                        stored.replaced.clear();
                        let id = stored.id.clone();
                        self.record(at, app, ChangeKind::Modified, id);
                    }
                    None => self.create(at, app, item),
                }
            }
            CloudAction::Share { path, sharing, .. } => {
                let found = self.items.get_mut(&app).and_then(|v| {
                    v.iter_mut()
                        .find(|s| s.item.name == *path && s.place == Place::InPlace)
                });
                // A file the scan already took away cannot be shared, and
                // sharing a file as it already is changes nothing.
                if let Some(stored) = found.filter(|s| s.item.sharing != Some(*sharing)) {
                    stored.item.sharing = Some(*sharing);
                    let id = stored.id.clone();
                    self.record(at, app, ChangeKind::SharingChanged, id);
                }
            }
            CloudAction::Post {
                user,
                channel,
                text,
                files: f,
            } => {
                let item = Item {
                    kind: ObjectKind::Message,
                    user: user.clone(),
                    name: channel.clone(),
                    text: text.clone(),
                    files: files(f),
                    sharing: None,
                };
                self.create(at, app, item);
            }
        }
    }

    fn create(&mut self, at: Instant, app: Application, item: Item) {
        let items = self.items.entry(app).or_default();
        let id = format!("{}-{}", app.code(), items.len() + 1);
        items.push(Stored {
            id: id.clone(),
            item,
            place: Place::InPlace,
            replaced: Vec::new(),
        });
        self.record(at, app, ChangeKind::Created, id);
    }

    fn record(&mut self, at: Instant, app: Application, kind: ChangeKind, item: String) {
        let feed = self.feeds.entry(app).or_default();
        let seq = feed.len() as u64 + 1;
        feed.push(Change {
            seq,
            at,
            kind,
            item,
        });
    }

    /// Everything service `app` holds, in the order it arrived.
    pub fn items(&self, app: Application) -> &[Stored] {
        self.items.get(&app).map_or(&[], Vec::as_slice)
    }

    fn stored_mut(&mut self, app: Application, id: &str) -> Option<&mut Stored> {
        self.items.get_mut(&app)?.iter_mut().find(|s| s.id == id)
    }
}

impl Api for CloudServices {
    fn changes(&self, app: Application, after: u64) -> Vec<Change> {
        self.feeds
            .get(&app)
            .map(|feed| feed.iter().filter(|c| c.seq > after).cloned().collect())
            .unwrap_or_default()
    }

    fn fetch(&self, app: Application, id: &str) -> Option<Item> {
        self.items
            .get(&app)?
            .iter()
            .find(|s| s.id == id && s.place == Place::InPlace)
            .map(|s| s.item.clone())
    }

    fn remedy(&mut self, app: Application, id: &str, remedy: &Remedy) -> Result<(), String> {
        let Some(stored) = self.stored_mut(app, id) else {
            return Err(format!("404 Not Found: no item {id}"));
        };
        if stored.place != Place::InPlace {
            return Err(format!("409 Conflict: item {id} is no longer in place"));
        }
        match remedy {
            Remedy::Quarantine => stored.place = Place::Quarantined,
            Remedy::Delete => stored.place = Place::Deleted,
            Remedy::Replace { index, file, with } => {
                let Some(slot) = stored
                    .item
                    .files
                    .get_mut(*index)
                    .filter(|f| f.name == *file)
                else {
                    return Err(format!(
                        "404 Not Found: no file {file} at {index} in item {id}"
                    ));
                };
                *slot = with.clone();
                stored.replaced.push(file.clone());
            }
        }
        Ok(())
    }
}

/// Whether anyone with the link can open a stored file.
pub fn is_public(stored: &Stored) -> bool {
    stored.item.sharing == Some(Sharing::Public)
}

/// The virtual analyzer's browser in the twin: it opens a URL on the
/// simulated internet as the vendor's cloud would, straight to the site,
/// never through the office's gateway. A site not in DNS, or no site, is
/// unreachable; an unlisted path is the site's 404.
#[derive(Clone, Debug)]
pub struct WebSandbox {
    pub internet: crate::model::Internet,
}

impl cloud::app_security::scan::api::Sandbox for WebSandbox {
    fn visit(&self, url: &str) -> Option<cloud::app_security::scan::api::Visit> {
        let url = crate::web::HttpUrl::parse(url).ok()?;
        let site = self.internet.site(&url.host).filter(|s| s.in_dns)?;
        Some(match site.pages.iter().find(|p| p.path == url.target) {
            Some(page) => cloud::app_security::scan::api::Visit {
                status: page.status,
                content_type: page.content_type.clone(),
                body: page.body.clone().into_bytes(),
            },
            None => cloud::app_security::scan::api::Visit {
                status: 404,
                content_type: "text/html".to_string(),
                body: Vec::new(),
            },
        })
    }
}
