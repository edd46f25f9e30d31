//! The security profile on the policies page (【50-1】初期設定のプロファイル):
//! its web reputation level, URL filtering rules and the allow and block
//! lists (承認済みURL / ブロックするURL), and the list edits the console
//! makes on a draft before "deploy all".
//!
//! Edits go through the appliance's own validated types
//! ([`appliance::policy::Entry`], [`UrlList`]), so an entry the gateway would
//! refuse is refused here, with the same reason, before anything is deployed.

use appliance::policy::{Entry, Level, Policy, RuleAction, UrlList};

/// Which list an edit is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Allow,
    Block,
}

impl ListKind {
    pub fn parse(text: &str) -> Result<ListKind, String> {
        match text.trim() {
            "allow" => Ok(ListKind::Allow),
            "block" => Ok(ListKind::Block),
            other => Err(format!("`{other}` is not a list: allow or block")),
        }
    }
}

/// Add or remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListOp {
    Add,
    Remove,
}

impl ListOp {
    pub fn parse(text: &str) -> Result<ListOp, String> {
        match text.trim() {
            "add" => Ok(ListOp::Add),
            "remove" => Ok(ListOp::Remove),
            other => Err(format!("`{other}` is not a list edit: add or remove")),
        }
    }
}

/// One URL filtering rule as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleView {
    pub name: String,
    pub categories: Vec<String>,
    pub applications: Vec<String>,
    pub schedule: Option<String>,
    /// `block`, `monitor` or `allow`.
    pub action: &'static str,
}

/// The profile as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProfileView {
    pub name: String,
    pub reputation_enabled: bool,
    /// `high`, `medium` or `low`.
    pub reputation_level: &'static str,
    pub url_filtering_enabled: bool,
    pub rules: Vec<RuleView>,
    pub allow_list: Vec<String>,
    pub block_list: Vec<String>,
    /// The profile shown is a draft that differs from the running one.
    pub pending: bool,
}

impl ProfileView {
    pub fn of(policy: &Policy, pending: bool) -> ProfileView {
        ProfileView {
            name: policy.profile.clone(),
            reputation_enabled: policy.web_reputation.enabled,
            reputation_level: match policy.web_reputation.level {
                Level::High => "high",
                Level::Medium => "medium",
                Level::Low => "low",
            },
            url_filtering_enabled: policy.url_filtering.enabled,
            rules: policy
                .url_filtering
                .rules
                .iter()
                .map(|r| RuleView {
                    name: r.name.clone(),
                    categories: r.categories.clone(),
                    applications: r.applications.clone(),
                    schedule: r.schedule.as_ref().map(|s| s.name.clone()),
                    action: match r.action {
                        RuleAction::Block => "block",
                        RuleAction::Monitor => "monitor",
                        RuleAction::Allow => "allow",
                    },
                })
                .collect(),
            allow_list: texts(policy.lists.allow()),
            block_list: texts(policy.lists.block()),
            pending,
        }
    }
}

fn texts(list: &UrlList) -> Vec<String> {
    list.entries().iter().map(|e| e.text.clone()).collect()
}

/// Applies one list edit to `policy`. Adding an entry already listed, or
/// removing one that is not, is refused: the page would otherwise say
/// "saved" for an edit that changed nothing.
pub fn edit(policy: &mut Policy, list: ListKind, op: ListOp, raw: &str) -> Result<(), String> {
    let entry = Entry::parse(raw).map_err(|e| format!("{} ({})", e.message, e.help))?;
    let target = match list {
        ListKind::Allow => policy.lists.allow(),
        ListKind::Block => policy.lists.block(),
    };
    let mut entries = target.entries().to_vec();
    let listed = entries.iter().position(|e| e.text == entry.text);
    match (op, listed) {
        (ListOp::Add, Some(_)) => return Err(format!("`{}` is already listed", entry.text)),
        (ListOp::Add, None) => entries.push(entry),
        (ListOp::Remove, Some(at)) => {
            entries.remove(at);
        }
        (ListOp::Remove, None) => return Err(format!("`{}` is not listed", entry.text)),
    }
    let edited = UrlList::new(entries);
    policy.lists = match list {
        ListKind::Allow => policy.lists.with_allow(edited),
        ListKind::Block => policy.lists.with_block(edited),
    };
    Ok(())
}

/// The same list edit on the profile's YAML text, so the text and the
/// validated draft never disagree. `raw` was already checked by [`edit`].
pub fn edit_text(text: &str, list: ListKind, op: ListOp, raw: &str) -> Result<String, String> {
    use serde_yaml::Value;
    let entry = Entry::parse(raw).map_err(|e| e.message)?.text;
    let mut doc: Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    if doc.is_null() {
        doc = Value::Mapping(serde_yaml::Mapping::new());
    }
    let map = doc
        .as_mapping_mut()
        .ok_or("the security profile is not a YAML mapping")?;
    let key = Value::from(match list {
        ListKind::Allow => "allow_list",
        ListKind::Block => "block_list",
    });
    let items = map
        .entry(key)
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if items.is_null() {
        *items = Value::Sequence(Vec::new());
    }
    let seq = items
        .as_sequence_mut()
        .ok_or("the profile's list is not a YAML list")?;
    let same = |v: &Value| {
        v.as_str()
            .and_then(|s| Entry::parse(s).ok())
            .is_some_and(|e| e.text == entry)
    };
    match op {
        ListOp::Add => seq.push(Value::from(entry)),
        ListOp::Remove => seq.retain(|v| !same(v)),
    }
    serde_yaml::to_string(&doc).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_edits_validate_and_round_trip() {
        let mut p = Policy::default();
        edit(
            &mut p,
            ListKind::Allow,
            ListOp::Add,
            "http://WWW.Print-Shop.example",
        )
        .unwrap();
        assert_eq!(
            ProfileView::of(&p, true).allow_list,
            vec!["www.print-shop.example"]
        );
        assert!(
            p.lists
                .allow()
                .find("www.print-shop.example", None)
                .is_some()
        );
        assert!(
            edit(
                &mut p,
                ListKind::Allow,
                ListOp::Add,
                "www.print-shop.example"
            )
            .is_err()
        );
        let bad = edit(&mut p, ListKind::Block, ListOp::Add, "www.*.example").unwrap_err();
        assert!(bad.contains("in the middle"), "{bad}");
        assert!(p.lists.block().is_empty());
        edit(
            &mut p,
            ListKind::Allow,
            ListOp::Remove,
            "www.print-shop.example",
        )
        .unwrap();
        assert!(p.lists.allow().is_empty());
        assert!(edit(&mut p, ListKind::Allow, ListOp::Remove, "x.example").is_err());
        let text = edit_text("{}\n", ListKind::Allow, ListOp::Add, "WWW.A.example").unwrap();
        assert!(text.contains("- www.a.example"), "{text}");
        let text = edit_text(&text, ListKind::Allow, ListOp::Remove, "www.a.example").unwrap();
        assert!(!text.contains("www.a.example"), "{text}");
        assert!(ListKind::parse("deny").is_err());
        assert!(ListOp::parse("replace").is_err());
    }
}
