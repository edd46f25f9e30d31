//! The URL category table: which categories exist, their group and their
//! Japanese label. It is data (`appliance/data/url-categories.yaml`, embedded
//! at build time) so a newer vendor list can replace it without code changes.

use crate::hash::FxHashMap as HashMap;
use serde::Deserialize;
use std::sync::{Arc, OnceLock};

/// The embedded table's YAML.
pub const BUILTIN_YAML: &str = include_str!("../../data/url-categories.yaml");

/// One category, e.g. `Streaming Media` in group `Network Bandwidth`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub ja: String,
    pub group: String,
    pub group_ja: String,
}

/// All categories, looked up by English name, case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlCategories {
    categories: Vec<Category>,
    by_name: HashMap<String, usize>,
    groups: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: String,
    ja: String,
    categories: Vec<RawCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    name: String,
    ja: String,
}

impl UrlCategories {
    /// The table built into the firmware.
    pub fn builtin() -> Arc<UrlCategories> {
        static TABLE: OnceLock<Arc<UrlCategories>> = OnceLock::new();
        TABLE
            .get_or_init(|| {
                // The embedded file is checked by a unit test; should it ever
                // be broken, an empty table refuses every category by name.
                Arc::new(
                    UrlCategories::from_yaml(BUILTIN_YAML).unwrap_or_else(|_| UrlCategories {
                        categories: Vec::new(),
                        by_name: HashMap::default(),
                        groups: Vec::new(),
                    }),
                )
            })
            .clone()
    }

    /// A replacement table in the same YAML shape as the built-in one.
    pub fn from_yaml(text: &str) -> Result<UrlCategories, String> {
        let raw: RawTable = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        let mut categories = Vec::new();
        let mut by_name = HashMap::default();
        let mut groups = Vec::new();
        for group in raw.groups {
            groups.push(group.name.clone());
            for c in group.categories {
                let key = c.name.to_ascii_lowercase();
                if by_name.insert(key, categories.len()).is_some() {
                    return Err(format!("category `{}` is listed twice", c.name));
                }
                categories.push(Category {
                    name: c.name,
                    ja: c.ja,
                    group: group.name.clone(),
                    group_ja: group.ja.clone(),
                });
            }
        }
        Ok(UrlCategories {
            categories,
            by_name,
            groups,
        })
    }

    /// The category called `name` (any case).
    pub fn get(&self, name: &str) -> Option<&Category> {
        let idx = match self.by_name.get(name) {
            Some(i) => *i,
            None => *self.by_name.get(&name.trim().to_ascii_lowercase())?,
        };
        self.categories.get(idx)
    }

    /// Whether `name` is a group (any case).
    pub fn is_group(&self, name: &str) -> bool {
        self.groups
            .iter()
            .any(|g| g.eq_ignore_ascii_case(name.trim()))
    }

    /// The categories of group `name`.
    pub fn in_group<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories
            .iter()
            .filter(move |c| c.group.eq_ignore_ascii_case(name.trim()))
    }

    pub fn all(&self) -> &[Category] {
        &self.categories
    }

    /// A few names close to `name`, for "did you mean" help.
    pub fn suggest(&self, name: &str) -> Vec<&str> {
        let needle = name.to_ascii_lowercase();
        let words: Vec<&str> = needle
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() >= 3)
            .collect();
        self.categories
            .iter()
            .filter(|c| {
                let lower = c.name.to_ascii_lowercase();
                words.iter().any(|w| lower.contains(w))
            })
            .map(|c| c.name.as_str())
            .take(5)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_loads_with_the_issue_groups() {
        let table = UrlCategories::from_yaml(BUILTIN_YAML).expect("embedded table");
        for group in [
            "Adult",
            "Business",
            "Communications and Search",
            "General",
            "Internet Security",
            "Lifestyle",
            "Network Bandwidth",
        ] {
            assert!(table.is_group(group), "{group}");
            assert!(table.in_group(group).count() > 0, "{group}");
        }
        let c = table.get("streaming media").expect("category");
        assert_eq!(c.group, "Network Bandwidth");
        assert_eq!(
            table.get("Web Advertisement").map(|c| c.ja.as_str()),
            Some("Web広告")
        );
        assert!(table.get("Malware Accomplice").is_some());
        assert!(table.get("Disease Vector").is_some());
        assert!(table.get("Videos").is_none());
        assert_eq!(UrlCategories::builtin().all().len(), table.all().len());
    }

    #[test]
    fn duplicates_are_refused() {
        let err = UrlCategories::from_yaml(
            "groups:\n  - name: A\n    ja: a\n    categories:\n      - { name: X, ja: x }\n      - { name: x, ja: y }\n",
        )
        .expect_err("duplicate");
        assert!(err.contains("twice"));
    }
}
