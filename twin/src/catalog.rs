//! The catalog of scenarios: a `scenarios/` folder on disk, or the copy
//! embedded in the binary so `officetwin run winxp-cnc-beacon` works from any
//! directory.
//!
//! Layout: `ID.yaml` at the top is a scenario, `offices/ID.yaml` an office;
//! a scenario's `office: print-shop` resolves within the same catalog.
//! Errors name files the way a person finds them in the repository,
//! `scenarios/winxp-cnc-beacon.yaml`.

use crate::demo::DemoScript;
use crate::load::{self, LoadError};
use crate::model::{Office, Scenario};
use include_dir::{Dir, include_dir};
use std::path::{Path, PathBuf};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../scenarios");

/// Where a catalog's files come from.
#[derive(Clone, Debug)]
enum Source {
    Dir(PathBuf),
    Embedded(&'static Dir<'static>),
}

/// A set of scenarios and the offices they happen in.
#[derive(Clone, Debug)]
pub struct Catalog {
    source: Source,
}

impl Catalog {
    /// The scenarios in a folder (the one holding `offices/`).
    pub fn from_dir(path: impl AsRef<Path>) -> Result<Catalog, LoadError> {
        let path = path.as_ref();
        std::fs::read_dir(path).map_err(|source| LoadError::Io {
            path: load::display(path),
            source,
        })?;
        Ok(Catalog {
            source: Source::Dir(path.to_path_buf()),
        })
    }

    /// The scenarios built into the binary (the repository's `scenarios/`
    /// at build time).
    pub fn embedded() -> Catalog {
        Catalog {
            source: Source::Embedded(&EMBEDDED),
        }
    }

    /// Scenario ids, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.stems("")
    }

    /// Office ids, sorted.
    pub fn office_ids(&self) -> Vec<String> {
        self.stems("offices")
    }

    /// `(id, title)` of every scenario, sorted by id. A scenario that does not
    /// load still appears, its title saying why, so a listing never hides one.
    pub fn list(&self) -> Vec<(String, String)> {
        #[derive(serde::Deserialize)]
        struct TitleOnly {
            title: String,
        }
        self.ids()
            .into_iter()
            .map(|id| {
                let rel = format!("{id}.yaml");
                let title = match self.read(&rel) {
                    Ok(Some(text)) => match appliance::yaml_guard::check(
                        &text,
                        appliance::yaml_guard::YamlLimits::DEFAULT,
                    )
                    .map_err(|e| e.to_string())
                    .and_then(|()| {
                        serde_yaml::from_str::<TitleOnly>(&text).map_err(|e| e.to_string())
                    }) {
                        Ok(t) => t.title,
                        Err(e) => format!("(does not load: {e})"),
                    },
                    Ok(None) => "(missing)".to_string(),
                    Err(e) => format!("(does not load: {e})"),
                };
                (id, title)
            })
            .collect()
    }

    /// Loads and validates scenario `id` (`winxp-cnc-beacon`; a trailing
    /// `.yaml` is tolerated) with its office.
    pub fn scenario(&self, id: &str) -> Result<Scenario, LoadError> {
        let id = id.strip_suffix(".yaml").unwrap_or(id);
        let rel = format!("{id}.yaml");
        let text = match self.read_checked(id, &rel)? {
            Some(text) => text,
            None => {
                return Err(LoadError::UnknownScenario {
                    id: id.to_string(),
                    known: self.ids(),
                });
            }
        };
        let files = |name: &str| match self.read_bytes(name) {
            Ok(Some(bytes)) => Some(Ok((self.display(name), bytes))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        };
        load::scenario_from_str_with_files(
            &self.display(&rel),
            &text,
            |office| {
                let rel = format!("offices/{office}.yaml");
                match self.read_checked(office, &rel) {
                    Ok(Some(text)) => Some(load::office_from_str(&self.display(&rel), &text)),
                    Ok(None) => None,
                    Err(e) => Some(Err(e)),
                }
            },
            &files,
        )
    }

    /// The YAML text of scenario `id` as written (a firmware under test reads
    /// its policy and intel from it).
    pub fn scenario_source(&self, id: &str) -> Result<String, LoadError> {
        let id = id.strip_suffix(".yaml").unwrap_or(id);
        self.read_checked(id, &format!("{id}.yaml"))?
            .ok_or_else(|| LoadError::UnknownScenario {
                id: id.to_string(),
                known: self.ids(),
            })
    }

    /// A file beside the scenarios by its relative name (`rules/qa.rules`, as
    /// a scenario names it), or `None` when there is none.
    pub fn file(&self, rel: &str) -> Result<Option<String>, LoadError> {
        self.read(rel)
    }

    /// Ids of the demo scripts (`demos/ID.yaml`), sorted.
    pub fn demo_ids(&self) -> Vec<String> {
        self.stems("demos")
    }

    /// Loads the demo script of scenario `id` (`demos/ID.yaml`) with the
    /// scenario it tells; `Ok(None)` if the scenario has no demo script.
    pub fn demo(&self, id: &str) -> Result<Option<(DemoScript, Scenario)>, LoadError> {
        let id = id.strip_suffix(".yaml").unwrap_or(id);
        let rel = format!("demos/{id}.yaml");
        let Some(text) = self.read_checked(id, &rel)? else {
            return Ok(None);
        };
        load::demo_from_str(&self.display(&rel), &text, |scenario| {
            self.ids()
                .iter()
                .any(|known| known == scenario)
                .then(|| self.scenario(scenario))
        })
        .map(Some)
    }

    /// Loads and validates office `id` (`print-shop`).
    pub fn office(&self, id: &str) -> Result<Office, LoadError> {
        let rel = format!("offices/{id}.yaml");
        match self.read_checked(id, &rel)? {
            Some(text) => load::office_from_str(&self.display(&rel), &text),
            None => Err(LoadError::UnknownOffice {
                id: id.to_string(),
                known: self.office_ids(),
            }),
        }
    }

    /// Policy ids (`policies/*.yaml`), sorted.
    pub fn policy_ids(&self) -> Vec<String> {
        self.stems("policies")
    }

    /// Loads and validates policy `id` (`policies/ID.yaml`): a security
    /// profile to deploy.
    pub fn policy(&self, id: &str) -> Result<appliance::policy::Policy, LoadError> {
        let id = id.strip_suffix(".yaml").unwrap_or(id);
        let rel = format!("policies/{id}.yaml");
        match self.read_checked(id, &rel)? {
            Some(text) => load::policy_from_str(&self.display(&rel), &text),
            None => Err(LoadError::UnknownPolicy {
                id: id.to_string(),
                known: self.policy_ids(),
            }),
        }
    }

    /// Like `read`, but a name that could escape the catalog is simply unknown.
    fn read_checked(&self, name: &str, rel: &str) -> Result<Option<String>, LoadError> {
        if load::is_plain_name(name) {
            self.read(rel)
        } else {
            Ok(None)
        }
    }

    /// The bytes of file `rel` of the catalog (test files are not text).
    pub fn file_bytes(&self, rel: &str) -> Result<Option<Vec<u8>>, LoadError> {
        self.read_bytes(rel)
    }

    /// A file's bytes (test files are not text).
    fn read_bytes(&self, rel: &str) -> Result<Option<Vec<u8>>, LoadError> {
        match &self.source {
            Source::Dir(root) => {
                let path = root.join(rel);
                if path.is_file() {
                    load::read_bytes(&path).map(Some)
                } else {
                    Ok(None)
                }
            }
            Source::Embedded(dir) => Ok(dir.get_file(rel).map(|f| f.contents().to_vec())),
        }
    }

    fn read(&self, rel: &str) -> Result<Option<String>, LoadError> {
        match &self.source {
            Source::Dir(root) => {
                let path = root.join(rel);
                if path.is_file() {
                    load::read(&path).map(Some)
                } else {
                    Ok(None)
                }
            }
            Source::Embedded(dir) => Ok(dir
                .get_file(rel)
                .and_then(|f| f.contents_utf8())
                .map(str::to_string)),
        }
    }

    /// How errors name a file of this catalog.
    fn display(&self, rel: &str) -> String {
        match &self.source {
            Source::Dir(root) => load::display(&root.join(rel)),
            Source::Embedded(_) => format!("scenarios/{rel}"),
        }
    }

    /// Stems of the `*.yaml` files directly in `sub` ("" for the top).
    fn stems(&self, sub: &str) -> Vec<String> {
        let mut stems: Vec<String> = match &self.source {
            Source::Dir(root) => std::fs::read_dir(root.join(sub))
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
                .filter(|p| p.is_file())
                .filter_map(|p| yaml_stem(&p))
                .collect(),
            Source::Embedded(dir) => {
                let dir = if sub.is_empty() {
                    Some(*dir)
                } else {
                    dir.get_dir(sub)
                };
                dir.into_iter()
                    .flat_map(|d| d.files())
                    .filter_map(|f| yaml_stem(f.path()))
                    .collect()
            }
        };
        stems.sort();
        stems
    }
}

fn yaml_stem(path: &Path) -> Option<String> {
    if path.extension()? != "yaml" {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    load::is_plain_name(stem).then(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_as_in_the_repository() {
        let embedded = Catalog::embedded();
        assert_eq!(
            embedded.display("winxp-cnc-beacon.yaml"),
            "scenarios/winxp-cnc-beacon.yaml"
        );
        assert_eq!(
            embedded.display("offices/print-shop.yaml"),
            "scenarios/offices/print-shop.yaml"
        );
        let dir = Catalog {
            source: Source::Dir(PathBuf::from("scenarios")),
        };
        assert_eq!(
            dir.display("winxp-cnc-beacon.yaml"),
            "scenarios/winxp-cnc-beacon.yaml"
        );
    }

    #[test]
    fn only_yaml_files_with_plain_names_are_listed() {
        let embedded = Catalog::embedded();
        let ids = embedded.ids();
        assert!(ids.contains(&"winxp-cnc-beacon".to_string()), "{ids:?}");
        assert!(!ids.iter().any(|id| id.eq_ignore_ascii_case("README")));
        assert!(embedded.office_ids().contains(&"print-shop".to_string()));
        assert_eq!(yaml_stem(Path::new("a/b.yml")), None);
        assert_eq!(yaml_stem(Path::new("a/b c.yaml")), None);
        assert_eq!(yaml_stem(Path::new("a/b-c.yaml")), Some("b-c".into()));
    }
}
