//! The YAML examples of `scenarios/README.md`, loaded as the twin loads
//! scenario files, so an example the loader refuses fails here.
//!
//! Which blocks, and how (the rule `scenarios/README.md` states):
//! - every ```` ```yaml ```` block is checked, none is skipped by name;
//! - a block with top-level `hosts:` is an office, loaded as it is;
//! - a block with top-level `moments:` is a demo script, loaded with the
//!   scenario it names;
//! - a block whose only top-level key is `endpoint:` with a `licence:` is an
//!   office's endpoint option: put into the `print-shop` office, loaded as
//!   an office;
//! - a block holding an elision (`{ ... }`, `[ ... ]`) is the outline of a
//!   scenario: not loadable, and there is exactly one;
//! - any other block is a fragment of a scenario: its top-level keys are put
//!   into the scenario [`BASE`] (the `print-shop` office, the sites the
//!   examples visit, the mail server's port published), replacing its keys
//!   of the same name, and that is loaded with the scenarios folder's files
//!   (mails, rule files) at hand.

use twin::catalog::Catalog;
use twin::load;

const README: &str = include_str!("../../../scenarios/README.md");

/// The scenario a fragment goes into (its keys replace these): its window
/// spans every date the examples use (2017 to 2019), its internet has the
/// sites they visit, its gateway publishes the office mail server's port 25
/// (the mail example's `office_server`), as the scenario around each
/// example would.
const BASE: &str = "title: a README example
reproduces: scenarios/README.md
office: print-shop
start: 2017-09-01 00:00:00
duration: 900 days
seed: 1
gateway:
  firewall:
    published: [{ip: 192.168.1.3, port: 25}]
internet:
  sites:
    - {host: xxxsiebabanahujtr.org, ip: 203.0.113.78}
    - {host: xxxrzy8823l68me.net, ip: 203.0.113.79}
    - {host: www.print-shop.example, ip: 192.0.2.10}
    - {host: sns.example, ip: 203.0.113.80}
";

fn catalog() -> Catalog {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    match Catalog::from_dir(&dir) {
        Ok(catalog) => catalog,
        Err(e) => panic!("loading {}: {e}", dir.display()),
    }
}

/// The ```yaml blocks with the README line each starts on.
fn yaml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut open {
            None if line.trim_end() == "```yaml" => open = Some((n + 2, String::new())),
            Some(_) if line.starts_with("```") => blocks.extend(open.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    assert!(open.is_none(), "a ```yaml block is not closed");
    blocks
}

fn top_keys(text: &str) -> Vec<String> {
    match serde_yaml::from_str::<serde_yaml::Mapping>(text) {
        Ok(map) => map
            .keys()
            .filter_map(|k| k.as_str().map(String::from))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[derive(Debug, PartialEq)]
enum Kind {
    Office,
    OfficeFragment,
    Demo,
    Outline,
    Fragment,
}

fn kind(text: &str) -> Kind {
    let keys = top_keys(text);
    if ["{ ... }", "[ ... ]", "[...]"]
        .iter()
        .any(|e| text.contains(e))
    {
        Kind::Outline
    } else if keys.iter().any(|k| k == "hosts") {
        Kind::Office
    } else if keys.iter().any(|k| k == "moments") {
        Kind::Demo
    } else if keys == ["endpoint"] && text.contains("\n  licence:") {
        Kind::OfficeFragment
    } else {
        Kind::Fragment
    }
}

/// Loads one block as its kind says; the loader's error, rendered, if refused.
fn load_block(catalog: &Catalog, line: usize, text: &str) -> Result<(), String> {
    let name = format!("scenarios/README.md:{line}");
    let shown = |e: load::LoadError| format!("{:?}", miette::Report::new(e));
    match kind(text) {
        Kind::Outline => Ok(()),
        Kind::Office => load::office_from_str(&name, text).map(drop).map_err(shown),
        Kind::OfficeFragment => {
            let office = splice_office(catalog, text)?;
            load::office_from_str(&name, &office)
                .map(drop)
                .map_err(|e| format!("{}\nthe office loaded:\n{office}", shown(e)))
        }
        Kind::Demo => load::demo_from_str(&name, text, |id| Some(catalog.scenario(id)))
            .map(drop)
            .map_err(shown),
        Kind::Fragment => {
            let scenario = splice(text)?;
            let files = |rel: &str| match catalog.file_bytes(rel) {
                Ok(Some(bytes)) => Some(Ok((rel.to_string(), bytes))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            };
            load::scenario_from_str_with_files(
                &name,
                &scenario,
                |office| Some(catalog.office(office)),
                &files,
            )
            .map(drop)
            .map_err(|e| format!("{}\nthe scenario loaded:\n{scenario}", shown(e)))
        }
    }
}

/// The base scenario with the fragment's top-level keys put in.
/// The `print-shop` office with the fragment's keys in place of its own.
fn splice_office(catalog: &Catalog, fragment: &str) -> Result<String, String> {
    let text = catalog
        .file("offices/print-shop.yaml")
        .map_err(|e| e.to_string())?
        .ok_or("no offices/print-shop.yaml")?;
    let mut office: serde_yaml::Mapping =
        serde_yaml::from_str(&text).map_err(|e| format!("the print shop: {e}"))?;
    let part: serde_yaml::Mapping = serde_yaml::from_str(fragment)
        .map_err(|e| format!("not a YAML mapping of office keys: {e}"))?;
    for (key, value) in part {
        office.insert(key, value);
    }
    serde_yaml::to_string(&office).map_err(|e| e.to_string())
}

fn splice(fragment: &str) -> Result<String, String> {
    let mut base: serde_yaml::Mapping =
        serde_yaml::from_str(BASE).map_err(|e| format!("the base scenario: {e}"))?;
    let part: serde_yaml::Mapping = serde_yaml::from_str(fragment)
        .map_err(|e| format!("not a YAML mapping of scenario keys: {e}"))?;
    for (key, value) in part {
        base.insert(key, value);
    }
    serde_yaml::to_string(&base).map_err(|e| e.to_string())
}

#[test]
fn every_yaml_example_of_the_scenario_format_loads() {
    let catalog = catalog();
    let blocks = yaml_blocks(README);
    let kinds: Vec<Kind> = blocks.iter().map(|(_, text)| kind(text)).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == Kind::Outline).count(),
        1,
        "one outline of a scenario, every other block loadable"
    );
    assert!(kinds.contains(&Kind::Office) && kinds.contains(&Kind::Demo));
    let refused: Vec<String> = blocks
        .iter()
        .filter_map(|(line, text)| load_block(&catalog, *line, text).err())
        .collect();
    assert!(refused.is_empty(), "{}", refused.join("\n\n"));
    eprintln!(
        "scenarios/README.md: {} yaml blocks, {} loaded, 1 outline",
        blocks.len(),
        blocks.len() - 1
    );
}

/// The test can fail: a misspelt key, a wrong value, a host not in the
/// office, a site not in the internet, an office without its router are
/// refused.
#[test]
fn a_broken_example_is_refused() {
    let catalog = catalog();
    for broken in [
        "gateway:\n  cnc:\n    enabeld: true\n",
        "timeline:\n  - at: 2017-09-26 19:45:00\n    isolate: PC-XQ\n",
        "gateway:\n  cnc:\n    action: blok\n",
        "actors:\n  - host: PC-XP\n    beacon:\n      urls: [http://unknown.example/]\n      interval: 30s\n",
    ] {
        assert_eq!(kind(broken), Kind::Fragment);
        assert!(load_block(&catalog, 1, broken).is_err(), "{broken}");
    }
    let office = "title: t\nlan: 192.168.1.0/24\nhosts: []\n";
    assert_eq!(kind(office), Kind::Office);
    assert!(load_block(&catalog, 1, office).is_err());
}

#[test]
fn blocks_are_cut_at_their_fences() {
    let text = "a\n```yaml\nx: 1\n```\n```\nnot yaml\n```\n```yaml\ny: 2\nz: 3\n```\n";
    assert_eq!(
        yaml_blocks(text),
        vec![(3, "x: 1\n".to_string()), (9, "y: 2\nz: 3\n".to_string())]
    );
}
