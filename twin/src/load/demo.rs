//! Loading a demo script (`scenarios/demos/ID.yaml`) into [`crate::demo`]:
//! serde reads the raw shape, then every reference (the scenario, hosts,
//! engine labels, times inside the scenario's day) is checked, and a mistake
//! is reported at its `file:line:col` like any scenario error.

use super::error::{Doc, LoadError};
use super::raw::JstTime;
use crate::demo::{Act, DemoScript, Moment, Text, Trigger};
use crate::duration::HumanDuration;
use crate::model::Scenario;
use appliance::Engine;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemo {
    scenario: String,
    #[serde(default)]
    from: Option<JstTime>,
    title: RawText,
    moments: Vec<RawMoment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    ja: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMoment {
    when: RawWhen,
    ja: String,
    en: String,
    #[serde(default)]
    show: Option<String>,
    #[serde(default, rename = "do")]
    act: Option<RawAct>,
}

/// What the desk does when the moment is told.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAct {
    /// An allow list entry, added and deployed to every gateway.
    allow: String,
}

/// Exactly one trigger key; `host` and `count` refine `detection`, `for`
/// belongs to `quiet`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    #[serde(default)]
    at: Option<JstTime>,
    #[serde(default)]
    detection: Option<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    alert: Option<usize>,
    #[serde(default)]
    after: Option<HumanDuration>,
    #[serde(default)]
    isolated: Option<String>,
    #[serde(default)]
    quiet: Option<String>,
    #[serde(default)]
    loaded: Option<String>,
    #[serde(default, rename = "for")]
    quiet_for: Option<HumanDuration>,
}

/// Console pages a moment may point the audience to.
pub const DEMO_PAGES: [&str; 7] = [
    "/dashboard",
    "/logs",
    "/internet-access",
    "/devices",
    "/policies",
    "/reports",
    "/demo",
];

/// Loads a demo script. `scenarios` resolves the `scenario:` name, `None` if
/// the catalog has no such scenario. Returns the script and its scenario.
pub fn demo_from_str(
    path: &str,
    text: &str,
    scenarios: impl FnOnce(&str) -> Option<Result<Scenario, LoadError>>,
) -> Result<(DemoScript, Scenario), LoadError> {
    let doc = Doc::new(path, text);
    let raw: RawDemo = doc.parse()?;
    let scenario = match scenarios(&raw.scenario) {
        Some(s) => s?,
        None => {
            return Err(doc
                .error_at("scenario", format!("unknown scenario `{}`", raw.scenario))
                .label("no such scenario")
                .help("a demo tells one of the scenarios listed by `officetwin list`")
                .into());
        }
    };
    if raw.moments.is_empty() {
        return Err(doc
            .error_at("moments", "a demo needs at least one moment")
            .into());
    }
    let end = scenario.start + scenario.duration;
    let paced_from = match raw.from {
        Some(JstTime(t)) if t < scenario.start || t > end => {
            return Err(doc
                .error_at(
                    "from",
                    format!("{} is outside the scenario", t.jst_string()),
                )
                .into());
        }
        Some(JstTime(t)) => t,
        None => scenario.start,
    };
    let mut moments = Vec::with_capacity(raw.moments.len());
    for (i, m) in raw.moments.into_iter().enumerate() {
        let at = |key: &str| format!("moments[{i}].when.{key}");
        let w = m.when;
        let keys = [
            w.at.is_some(),
            w.detection.is_some(),
            w.alert.is_some(),
            w.after.is_some(),
            w.isolated.is_some(),
            w.quiet.is_some(),
            w.loaded.is_some(),
        ];
        if keys.iter().filter(|k| **k).count() != 1 {
            return Err(doc
                .error_at(
                    &format!("moments[{i}].when"),
                    "a moment needs exactly one of `at`, `detection`, `alert`, `after`, `isolated`, `quiet`, `loaded`",
                )
                .into());
        }
        if w.detection.is_none() && w.count.is_some() {
            return Err(doc
                .error_at(&at("count"), "`count` only refines `detection`")
                .into());
        }
        if w.detection.is_none() && w.loaded.is_none() && w.host.is_some() {
            return Err(doc
                .error_at(&at("host"), "`host` only refines `detection` or `loaded`")
                .into());
        }
        if w.quiet.is_none() && w.quiet_for.is_some() {
            return Err(doc
                .error_at(&at("for"), "`for` only belongs to `quiet`")
                .into());
        }
        let host_ip = |key: &str, name: &str| {
            scenario
                .office
                .host(name)
                .map(|h| h.ip)
                .ok_or_else(|| -> LoadError {
                    doc.error_at(
                        &at(key),
                        format!("no host `{name}` in office `{}`", scenario.office.id),
                    )
                    .label("unknown host")
                    .into()
                })
        };
        let when = if let Some(JstTime(t)) = w.at {
            if t < scenario.start || t > end {
                return Err(doc
                    .error_at(
                        &at("at"),
                        format!(
                            "{} is outside the scenario ({} to {})",
                            t.jst_string(),
                            scenario.start.jst_string(),
                            end.jst_string()
                        ),
                    )
                    .into());
            }
            Trigger::At(t)
        } else if let Some(label) = w.detection {
            let engine = Engine::from_label(&label).ok_or_else(|| -> LoadError {
                doc.error_at(&at("detection"), format!("unknown engine `{label}`"))
                    .help(format!(
                        "engines: {}",
                        Engine::ALL.map(Engine::label).join(", ")
                    ))
                    .into()
            })?;
            let src_ip = match &w.host {
                Some(name) => Some(host_ip("host", name)?),
                None => None,
            };
            let count = w.count.unwrap_or(1);
            if count == 0 {
                return Err(doc.error_at(&at("count"), "`count` starts at 1").into());
            }
            Trigger::Detection {
                engine,
                src_ip,
                count,
            }
        } else if let Some(n) = w.alert {
            if n == 0 {
                return Err(doc.error_at(&at("alert"), "`alert` starts at 1").into());
            }
            Trigger::Alert(n)
        } else if let Some(HumanDuration(d)) = w.after {
            if i == 0 {
                return Err(doc
                    .error_at(&at("after"), "the first moment has no moment before it")
                    .into());
            }
            Trigger::After(d)
        } else if let Some(name) = w.isolated {
            host_ip("isolated", &name)?;
            Trigger::Isolated(name)
        } else if let Some(name) = w.quiet {
            let ip = host_ip("quiet", &name)?;
            let Some(HumanDuration(quiet_for)) = w.quiet_for else {
                return Err(doc
                    .error_at(&at("quiet"), "`quiet` needs `for`, e.g. `for: 10 minutes`")
                    .into());
            };
            Trigger::Quiet {
                host: name,
                ip,
                quiet_for,
            }
        } else if let Some(url) = w.loaded {
            let host = match w.host {
                Some(name) => {
                    host_ip("host", &name)?;
                    Some(name)
                }
                None => None,
            };
            if !url.starts_with("http://") && !url.starts_with("https://") {
                return Err(doc
                    .error_at(&at("loaded"), format!("`{url}` is not a URL"))
                    .help("write the page as the office opens it, e.g. `http://www.example.co.jp/`")
                    .into());
            }
            Trigger::Loaded { host, url }
        } else {
            return Err(doc
                .error_at(&format!("moments[{i}].when"), "a moment needs a trigger")
                .into());
        };
        let act = match m.act {
            Some(RawAct { allow }) => {
                appliance::policy::Entry::parse(&allow).map_err(|e| -> LoadError {
                    doc.error_at(&format!("moments[{i}].do.allow"), e.message)
                        .help(e.help)
                        .into()
                })?;
                Some(Act::AllowAndDeploy(allow))
            }
            None => None,
        };
        if let Some(page) = &m.show
            && !DEMO_PAGES.contains(&page.as_str())
        {
            return Err(doc
                .error_at(
                    &format!("moments[{i}].show"),
                    format!("unknown console page `{page}`"),
                )
                .help(format!("pages: {}", DEMO_PAGES.join(", ")))
                .into());
        }
        moments.push(Moment {
            when,
            text: Text { ja: m.ja, en: m.en },
            show: m.show,
            act,
        });
    }
    let id = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(path)
        .to_string();
    Ok((
        DemoScript {
            id,
            scenario: raw.scenario,
            paced_from,
            title: Text {
                ja: raw.title.ja,
                en: raw.title.en,
            },
            moments,
        },
        scenario,
    ))
}
