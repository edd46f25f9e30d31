//! The Cloud App Security report's model (seed 003): its six sections in
//! the seed's order, computed from the store; language-neutral, serialised
//! as the canonical JSON.
//!
//! Sections (seed 003, レポートの内容): 概要, then one per function in
//! [`Detection::ALL`]'s order: ウイルス/不正プログラム, ファイルのブロック,
//! Webレピュテーション, 仮想アナライザ, 情報漏えい対策.
//!
//! Choices the seed leaves open, made here:
//! - The overview lists all ten applications, 0 included, in the seed's
//!   order ([`Application::ALL`]); a total row follows.
//! - Each section's top users are the ten with the most detections; equal
//!   counts are ordered by address (byte order), so the same store always
//!   gives the same rows. Their % is the user's share of the section's
//!   detections of the month, rounded half up to a tenth (「100.0%」); the
//!   rows' percentages are each rounded, so they may add up to 99.9% or
//!   100.1%, as the product's do.
//! - What was done is counted per action (all five, 0 included), and the
//!   detections whose action left the threat in place (seed 003: 「「隔離」
//!   「削除」「テキスト/ファイルで置換」以外を選択している場合は、脅威が残った
//!   状態」) are counted and the first [`LEFT_ROWS`] listed, so the admin
//!   knows what to delete.
//! - The virtual analyzer's section has the seed's risk-level table with
//!   the month's count per level (and the detections without a level, when
//!   there are any).
//! - The data-loss section says where it found what (mail, online storage,
//!   and messages or records of Teams and Salesforce, which are neither),
//!   for the section and per user, because the seed's 確認・実施事項 differ
//!   for ①メール and ②オンラインストレージ.

use super::store::{AppSecurityStore, Days, Tally, UserTally};
use super::{Action, AppSecurityEvent, Application, Detection, ObjectKind, Protection, RiskLevel};
use crate::report::{Month, OfficeInfo, Unreadable};
use crate::store::StoreError;
use serde::Serialize;

/// Version of the JSON model; bump it when a field changes meaning.
pub const MODEL_VERSION: u32 = 1;

/// Users listed per section (the seed: 「ユーザーのTOP10を表示します」).
pub const TOP_USERS: usize = 10;

/// Detections left in place listed per section at most; the rest are
/// counted.
pub const LEFT_ROWS: usize = 10;

/// The whole Cloud App Security report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AppSecurityReport {
    pub model_version: u32,
    pub office: OfficeInfo,
    /// `YYYY-MM`.
    pub month: String,
    /// First and last day of the month (both included).
    pub from: String,
    pub to: String,
    /// 概要
    pub overview: Overview,
    /// The five functions' sections, in the seed's order.
    pub sections: Vec<Section>,
    /// Items whose data could not be read, with the store's error.
    pub unreadable: Vec<Unreadable>,
}

/// 概要 > 検出の概要: per application, the detections of each protection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// All ten applications, in the seed's order.
    pub applications: Vec<ApplicationRow>,
    /// The columns' totals.
    pub advanced_threat: u64,
    pub data_loss: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationRow {
    pub application: Application,
    /// 高度な脅威対策 (ATP)
    pub advanced_threat: u64,
    /// 情報漏えい対策 (DLP)
    pub data_loss: u64,
}

/// One function's section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    pub detection: Detection,
    /// The month's detections of the function.
    pub total: u64,
    /// Distinct users with a detection.
    pub users: u64,
    /// 検出数がユーザ (上位): at most [`TOP_USERS`].
    pub top_users: Vec<UserRow>,
    /// Every action, 0 included, in [`Action::ALL`]'s order.
    pub actions: Vec<ActionCount>,
    /// Detections whose action left the threat where it was.
    pub left_in_place: u64,
    /// The first [`LEFT_ROWS`] of them, oldest first.
    pub left: Vec<LeftRow>,
    /// 仮想アナライザ only: every risk level (0 included) in the seed's
    /// order, then those recorded without a level (only when some were).
    pub risk_levels: Option<Vec<RiskCount>>,
    /// 情報漏えい対策 only: where the detections were found.
    pub places: Option<Places>,
}

/// One row of a section's top users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// The mail address.
    pub user: String,
    pub count: u64,
    /// The user's share of the section's detections, in tenths of a
    /// percent (1000: 100.0%).
    pub tenths: u64,
    /// 情報漏えい対策 only: where this user's detections were found.
    pub places: Option<Places>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionCount {
    pub action: Action,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskCount {
    /// `None`: recorded without a risk level.
    pub risk: Option<RiskLevel>,
    pub count: u64,
}

/// Where detections were found (seed 003: 検出場所（メール/ストレージ）).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Places {
    /// Received or sent mail (Exchange, Gmail): the seed's ①.
    pub mail: u64,
    /// Files in online storage: the seed's ②.
    pub storage: u64,
    /// Teams messages and Salesforce records: neither of the seed's two.
    pub messages: u64,
}

impl Places {
    fn add(&mut self, object: ObjectKind, n: u64) {
        match object {
            ObjectKind::IncomingMail | ObjectKind::OutgoingMail => self.mail += n,
            ObjectKind::File => self.storage += n,
            ObjectKind::Message => self.messages += n,
        }
    }

    fn of(user: &UserTally) -> Places {
        let mut p = Places::default();
        for (o, n) in &user.objects {
            p.add(*o, *n);
        }
        p
    }
}

/// A detection left in place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeftRow {
    /// JST.
    pub at: String,
    pub application: Application,
    pub user: String,
    pub object: ObjectKind,
    /// The mail's subject, the file's path, the message's channel.
    pub name: String,
    pub threat: String,
    pub action: Action,
}

impl LeftRow {
    fn of(e: AppSecurityEvent) -> LeftRow {
        LeftRow {
            at: e.at.jst_string(),
            application: e.application,
            user: e.user,
            object: e.object,
            name: e.name,
            threat: e.threat,
            action: e.action,
        }
    }
}

/// `part / whole` in tenths of a percent, half up (0 when `whole` is 0).
pub fn tenths_of(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    let (p, w) = (u128::from(part), u128::from(whole));
    u64::try_from((p * 1000 + w / 2) / w).unwrap_or(u64::MAX)
}

/// Tenths of a percent as the seed writes them: `100.0%`, `25.0%`.
pub fn percent_text(tenths: u64) -> String {
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Collects item errors while the report is built.
struct Reader<'a> {
    store: &'a AppSecurityStore,
    unreadable: Vec<Unreadable>,
}

impl Reader<'_> {
    fn read<T: Default>(
        &mut self,
        item: &str,
        query: impl FnOnce(&AppSecurityStore) -> Result<T, StoreError>,
    ) -> T {
        query(self.store).unwrap_or_else(|e| {
            self.unreadable.push(Unreadable {
                section: item.to_string(),
                error: e.to_string(),
            });
            T::default()
        })
    }
}

impl AppSecurityReport {
    /// The report of `month` from `store`.
    pub fn build(store: &AppSecurityStore, office: &OfficeInfo, month: Month) -> AppSecurityReport {
        let days = Days {
            from: month.first_day(),
            until: month.next().first_day(),
        };
        let mut r = Reader {
            store,
            unreadable: Vec::new(),
        };
        let counts = r.read("overview", |s| s.by_application(days));
        let applications: Vec<ApplicationRow> = Application::ALL
            .iter()
            .map(|a| ApplicationRow {
                application: *a,
                advanced_threat: counts
                    .get(&(*a, Protection::AdvancedThreat))
                    .copied()
                    .unwrap_or(0),
                data_loss: counts
                    .get(&(*a, Protection::DataLoss))
                    .copied()
                    .unwrap_or(0),
            })
            .collect();
        let overview = Overview {
            advanced_threat: applications.iter().map(|a| a.advanced_threat).sum(),
            data_loss: applications.iter().map(|a| a.data_loss).sum(),
            applications,
        };
        let sections = Detection::ALL
            .iter()
            .map(|d| section(&mut r, *d, days))
            .collect();
        let last = month
            .next()
            .first_day()
            .pred_opt()
            .unwrap_or(month.first_day());
        AppSecurityReport {
            model_version: MODEL_VERSION,
            office: office.clone(),
            month: month.to_string(),
            from: month.first_day().to_string(),
            to: last.to_string(),
            overview,
            sections,
            unreadable: r.unreadable,
        }
    }

    /// The section of `detection`.
    pub fn section(&self, detection: Detection) -> Option<&Section> {
        self.sections.iter().find(|s| s.detection == detection)
    }
}

fn section(r: &mut Reader<'_>, d: Detection, days: Days) -> Section {
    let item = |what: &str| format!("{}.{what}", d.code());
    let Tally { total, users } = r.read(&item("users"), |s| s.tally(d, days));
    let top_users = users
        .iter()
        .take(TOP_USERS)
        .map(|u| UserRow {
            user: u.user.clone(),
            count: u.count,
            tenths: tenths_of(u.count, total),
            places: (d == Detection::DataLoss).then(|| Places::of(u)),
        })
        .collect();
    let actions: Vec<ActionCount> = Action::ALL
        .iter()
        .map(|a| ActionCount {
            action: *a,
            count: users
                .iter()
                .map(|u| u.actions.get(a).copied().unwrap_or(0))
                .sum(),
        })
        .collect();
    let (left, left_in_place) = r.read(&item("left_in_place"), |s| {
        s.left_in_place(d, days, LEFT_ROWS)
    });
    let risk_levels = (d == Detection::VirtualAnalyzer).then(|| {
        let found = r.read(&item("risk_levels"), |s| s.risk_levels(days));
        let mut rows: Vec<RiskCount> = RiskLevel::ALL
            .iter()
            .map(|l| RiskCount {
                risk: Some(*l),
                count: found
                    .iter()
                    .filter(|(k, _)| *k == Some(*l))
                    .map(|(_, n)| n)
                    .sum(),
            })
            .collect();
        let without: u64 = found
            .iter()
            .filter(|(k, _)| k.is_none())
            .map(|(_, n)| n)
            .sum();
        if without > 0 {
            rows.push(RiskCount {
                risk: None,
                count: without,
            });
        }
        rows
    });
    let places = (d == Detection::DataLoss).then(|| {
        let mut p = Places::default();
        for u in &users {
            let q = Places::of(u);
            p.mail += q.mail;
            p.storage += q.storage;
            p.messages += q.messages;
        }
        p
    });
    Section {
        detection: d,
        total,
        users: users.len() as u64,
        top_users,
        actions,
        left_in_place,
        left: left.into_iter().map(LeftRow::of).collect(),
        risk_levels,
        places,
    }
}
