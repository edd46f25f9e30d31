//! A scenario's Cloud App Security side (seed 003), validated: the
//! office's scan policies and the moments mail, files and messages appear
//! in its cloud services.

use super::endpoint::FileBytes;
use appliance::Instant;
use cloud::app_security::Application;
use cloud::app_security::scan::api::Sharing;
use cloud::app_security::scan::policy::ScanPolicy;

/// `cloud_apps:` of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudAppsPlan {
    pub policy: ScanPolicy,
    pub timeline: Vec<CloudEntry>,
}

/// A file put into a service: its name there and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedFile {
    pub name: String,
    pub bytes: FileBytes,
}

/// One moment in the office's cloud services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudEntry {
    pub at: Instant,
    pub app: Application,
    pub action: CloudAction,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloudAction {
    /// A mail from outside arrives in `to`'s mailbox.
    Receive {
        to: String,
        from: String,
        subject: String,
        text: String,
        files: Vec<NamedFile>,
    },
    /// A user sends a mail (it stays in the sender's sent items).
    Send {
        from: String,
        to: Vec<String>,
        subject: String,
        text: String,
        files: Vec<NamedFile>,
    },
    /// A user stores a file (a new one, or new content at a path).
    Upload {
        user: String,
        path: String,
        file: NamedFile,
        sharing: Sharing,
    },
    /// A user changes who can open a file.
    Share {
        user: String,
        path: String,
        sharing: Sharing,
    },
    /// A user posts a message in a channel.
    Post {
        user: String,
        channel: String,
        text: String,
        files: Vec<NamedFile>,
    },
}

/// What kind of service an application is: which moments it can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceKind {
    Mail,
    Storage,
    Chat,
}

/// The kind of each of the ten applications. Salesforce keeps files on
/// its records, which the product scans like storage.
pub fn service_kind(app: Application) -> ServiceKind {
    match app {
        Application::Exchange | Application::Gmail => ServiceKind::Mail,
        Application::Teams => ServiceKind::Chat,
        Application::Box
        | Application::Dropbox
        | Application::GoogleDrive
        | Application::OneDrive
        | Application::SharePoint
        | Application::SalesforceProduction
        | Application::SalesforceSandbox => ServiceKind::Storage,
    }
}
