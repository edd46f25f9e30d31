//! Honest skips: scenarios tagged `@tun` or `@browser` that this machine
//! cannot run are reported by cucumber as skipped, never passed.
//!
//! The runner decides before running, from real facts (`/dev/net/tun`, the
//! TUN device, openable with CAP_NET_ADMIN and CAP_SYS_ADMIN, `ip` on PATH, Chromium and
//! chromedriver present, each `@needs(PROGRAM)` on PATH). A scenario that
//! cannot run gets one extra first step that no step definition matches, so
//! cucumber skips it and counts it as skipped in its summary.
//! `OFFICETWIN_REQUIRE=tun,browser` turns such a skip into a failure.

use cucumber::gherkin::{Feature, Rule, Scenario, Step, StepType};
use cucumber::parser::{self, Parser};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a tagged scenario needs of the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// `@tun`: TUN mode (root's capabilities, `/dev/net/tun`, iproute2),
    /// and the real programs its `@needs(PROGRAM)` tags name.
    Tun,
    /// `@browser`: a headless Chromium and chromedriver.
    Browser,
}

impl Need {
    const ALL: [Need; 2] = [Need::Tun, Need::Browser];

    /// The tag (without `@`) and the name `OFFICETWIN_REQUIRE` uses.
    pub fn name(self) -> &'static str {
        match self {
            Need::Tun => "tun",
            Need::Browser => "browser",
        }
    }

    /// The step put first in a scenario that cannot run here. No step
    /// definition matches it: cucumber reports it, and so the scenario, as
    /// skipped.
    fn step(self) -> &'static str {
        match self {
            Need::Tun => "this machine has what @tun needs (the reason follows the summary)",
            Need::Browser => {
                "this machine has what @browser needs (the reason follows the summary)"
            }
        }
    }

    /// The need whose skip step `scenario` starts with, if it was skipped.
    pub fn skipped(scenario: &Scenario) -> Option<Need> {
        let first = scenario.steps.first()?;
        Need::ALL
            .into_iter()
            .find(|need| first.value == need.step())
    }
}

/// `OFFICETWIN_REQUIRE`: the needs whose absence fails the run.
pub fn required() -> Result<Vec<Need>, String> {
    let Ok(list) = std::env::var("OFFICETWIN_REQUIRE") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    // `corpus` is a need of the replay tests (src/replay.rs), not of a feature.
    for word in list
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty() && *w != "corpus")
    {
        let need = Need::ALL
            .into_iter()
            .find(|n| n.name() == word)
            .ok_or_else(|| {
                format!("OFFICETWIN_REQUIRE={list:?}: {word:?} is not one of tun, browser, corpus")
            })?;
        out.push(need);
    }
    Ok(out)
}

/// The facts, read once: why each need is unmet here, if it is.
#[derive(Debug, Default)]
pub struct Probe {
    tun: Option<String>,
    browser: Option<String>,
}

impl Probe {
    pub fn read() -> Probe {
        let tun = twin::tun::netns::preflight()
            .err()
            .map(|e| e.to_string())
            .or_else(not_the_tun_device)
            .or_else(|| program_missing("ip", "iproute2"));
        let browser = [
            ("OFFICETWIN_CHROMIUM", "/usr/bin/chromium"),
            ("OFFICETWIN_CHROMEDRIVER", "/usr/bin/chromedriver"),
        ]
        .into_iter()
        .map(|(var, default)| std::env::var_os(var).map_or_else(|| default.into(), PathBuf::from))
        .find(|path| !path.is_file())
        .map(|path| {
            format!(
                "{} is missing (apt-get install -y chromium chromium-driver fonts-noto-cjk; .ci/run does)",
                path.display()
            )
        });
        Probe { tun, browser }
    }

    /// Why `need` is unmet here, if it is.
    pub fn missing(&self, need: Need) -> Option<&str> {
        match need {
            Need::Tun => self.tun.as_deref(),
            Need::Browser => self.browser.as_deref(),
        }
    }

    /// The first unmet need of a scenario with these tags, and why.
    fn unmet<'t>(&self, tags: impl Iterator<Item = &'t String>) -> Option<(Need, String)> {
        let tags: Vec<&String> = tags.collect();
        for need in Need::ALL {
            if tags.iter().any(|t| t.as_str() == need.name())
                && let Some(why) = self.missing(need)
            {
                return Some((need, why.to_string()));
            }
        }
        if tags.iter().any(|t| t.as_str() == Need::Tun.name()) {
            for tag in &tags {
                if let Some(program) = tag.strip_prefix("needs(").and_then(|t| t.strip_suffix(')'))
                    && let Some(why) = program_missing(program, program)
                {
                    return Some((Need::Tun, why));
                }
            }
        }
        None
    }
}

/// `/dev/net/tun` is the kernel's TUN clone device (character 10:200), not
/// something else under that name (say `/dev/null` bind-mounted over it).
fn not_the_tun_device() -> Option<String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = std::fs::metadata("/dev/net/tun").ok()?;
    let dev = meta.rdev();
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (!meta.file_type().is_char_device() || (major, minor) != (10, 200)).then(|| {
        format!("/dev/net/tun is not the TUN device (character 10:200, found {major}:{minor})")
    })
}

fn program_missing(program: &str, package: &str) -> Option<String> {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()));
    (!found).then(|| format!("`{program}` is not on PATH (apt-get install -y {package})"))
}

/// Scenarios given a skip step, by feature name and line: the need and why.
static MARKED: Mutex<BTreeMap<(String, usize), (Need, String)>> = Mutex::new(BTreeMap::new());

/// Scenarios skipped in this run, by need and reason: (count, one example).
static SKIPPED: Mutex<BTreeMap<(Need, String), (usize, String)>> = Mutex::new(BTreeMap::new());

/// Counts `scenario` if it ended on its skip step (call from the `after` hook).
pub fn record(feature: &str, scenario: &Scenario) {
    if Need::skipped(scenario).is_none() {
        return;
    }
    let key = (feature.to_string(), scenario.position.line);
    let Some(reason) = MARKED.lock().ok().and_then(|m| m.get(&key).cloned()) else {
        return;
    };
    if let Ok(mut skipped) = SKIPPED.lock() {
        let entry = skipped
            .entry(reason)
            .or_insert_with(|| (0, format!("{feature} / {}", scenario.name)));
        entry.0 += 1;
    }
}

/// What was skipped and why, for the end of the run.
pub fn skipped() -> BTreeMap<(Need, String), (usize, String)> {
    SKIPPED.lock().map(|s| s.clone()).unwrap_or_default()
}

/// cucumber's own parser, then the skip step put first in every scenario
/// whose tags need what this machine lacks.
pub struct HonestSkips {
    pub probe: Probe,
}

impl<I: AsRef<Path>> Parser<I> for HonestSkips {
    type Cli = <parser::Basic as Parser<I>>::Cli;
    type Output = <parser::Basic as Parser<I>>::Output;

    fn parse(self, input: I, cli: Self::Cli) -> Self::Output {
        let mut features = parser::Basic::new().parse(input, cli);
        let features_in_order = features.get_mut().as_mut_slice();
        for feature in features_in_order.iter_mut().flatten() {
            mark(feature, &self.probe);
            long_first(&mut feature.scenarios);
        }
        // Stable: parse errors (which have no tags) and the rest keep their
        // order.
        features_in_order.sort_by_key(|feature| match feature {
            Ok(f) if is_long(&f.tags) || f.scenarios.iter().any(|s| is_long(&s.tags)) => 0,
            Ok(f) if f.tags.iter().any(|tag| tag == Need::Browser.name()) => 1,
            _ => 2,
        });
        features
    }
}

/// `@long`: a scenario (or a feature of them) that takes many times the
/// others' time, such as 63 simulated days or the whole catalog through the
/// firmware. cucumber starts scenarios in the order it is given them, so
/// these go first: started last, one of them would run alone at the end
/// while the other core idles. The `@browser` features come next: their
/// scenarios take turns on one Chromium, a chain as long as a `@long` one.
fn is_long(tags: &[String]) -> bool {
    tags.iter().any(|tag| tag == "long")
}

fn long_first(scenarios: &mut [Scenario]) {
    scenarios.sort_by_key(|scenario| !is_long(&scenario.tags));
}

fn mark(feature: &mut Feature, probe: &Probe) {
    let Feature {
        name,
        tags,
        scenarios,
        rules,
        ..
    } = feature;
    for scenario in scenarios.iter_mut() {
        mark_scenario(name, tags, None, scenario, probe);
    }
    for rule in rules.iter_mut() {
        let Rule {
            tags: rule_tags,
            scenarios,
            ..
        } = rule;
        for scenario in scenarios.iter_mut() {
            mark_scenario(name, tags, Some(rule_tags), scenario, probe);
        }
    }
}

fn mark_scenario(
    feature: &str,
    feature_tags: &[String],
    rule_tags: Option<&[String]>,
    scenario: &mut Scenario,
    probe: &Probe,
) {
    let tags = feature_tags
        .iter()
        .chain(rule_tags.unwrap_or_default())
        .chain(&scenario.tags);
    let Some((need, why)) = probe.unmet(tags) else {
        return;
    };
    let Some(first) = scenario.steps.first() else {
        return;
    };
    let step = Step {
        keyword: "Given ".into(),
        ty: StepType::Given,
        value: need.step().into(),
        docstring: None,
        table: None,
        ..first.clone()
    };
    scenario.steps.insert(0, step);
    if let Ok(mut marked) = MARKED.lock() {
        marked.insert((feature.to_string(), scenario.position.line), (need, why));
    }
}
