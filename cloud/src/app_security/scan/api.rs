//! What the scanner asks of the cloud services: the shape of their APIs as
//! the real product uses them (a change feed per service read with a
//! cursor, the changed item fetched, then a remedy applied through the
//! same API). The twin's simulated services implement [`Api`]; nothing
//! here knows how they keep their mailboxes and folders.

use crate::app_security::{Application, ObjectKind};
use appliance::Instant;

/// One entry of a service's change feed (Microsoft Graph's delta, Box's
/// events, Gmail's history): what changed, when, and where to fetch it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Position in the service's feed; the scanner reads entries after
    /// the last one it saw.
    pub seq: u64,
    pub at: Instant,
    pub kind: ChangeKind,
    /// The item's id in its service.
    pub item: String,
}

/// Why an item appears in the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A mail arrived in a mailbox, a mail was sent, a file was uploaded,
    /// a message was posted.
    Created,
    /// A file's content changed.
    Modified,
    /// Who a file is shared with changed (content unchanged).
    SharingChanged,
}

/// Who can open a file in online storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sharing {
    /// Only its owner.
    Private,
    /// Named people inside the organisation.
    Internal,
    /// Anyone with the link (公開).
    Public,
}

/// A file inside an item: an attachment, or the stored file itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An item as the API hands it over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub kind: ObjectKind,
    /// The mail address the report lists for it: the mailbox's or file's
    /// owner, the sender of an outgoing mail or a message.
    pub user: String,
    /// The mail's subject, the file's path, the message's channel.
    pub name: String,
    /// The mail's or message's text (empty for a file).
    pub text: String,
    /// The attachments, or the file itself.
    pub files: Vec<Attachment>,
    /// Files only: who can open it.
    pub sharing: Option<Sharing>,
}

/// What the scanner asks a service to do with an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remedy {
    /// Move it to the product's quarantine (out of the user's reach).
    Quarantine,
    /// Delete it.
    Delete,
    /// Replace the item's file at `index` (an attachment, or the stored
    /// file), named `file`, by a notice: a text, or a file of the given
    /// name and bytes. Two attachments may share a name: the index says
    /// which.
    Replace {
        index: usize,
        file: String,
        with: Attachment,
    },
}

/// A service the product is connected to, as its API answers.
pub trait Api {
    /// The feed entries of `app` after position `after`, oldest first.
    fn changes(&self, app: Application, after: u64) -> Vec<Change>;
    /// The item with `id` in `app`, if it still exists.
    fn fetch(&self, app: Application, id: &str) -> Option<Item>;
    /// Applies a remedy; the error is the service's refusal, in its words.
    fn remedy(&mut self, app: Application, id: &str, remedy: &Remedy) -> Result<(), String>;
}

/// What the sandbox got when it opened a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The virtual analyzer's browser: it opens a URL from the vendor's cloud
/// (never through the office's gateway). The twin answers from its
/// simulated internet; `None` when nothing answers.
pub trait Sandbox {
    fn visit(&self, url: &str) -> Option<Visit>;
}

/// A sandbox on a network that reaches nothing: every URL is unreachable.
pub struct Offline;

impl Sandbox for Offline {
    fn visit(&self, _url: &str) -> Option<Visit> {
        None
    }
}
