//! Steps of `hostile_inputs.feature`: files and captures built to break the
//! loaders (issue 15's campaign), and what the program must say of them.

use super::TwinWorld;
use anyhow::{Context, Result, anyhow, bail, ensure};
use appliance::config::ips::rule::{RuleVars, parse_rules};
use appliance::{Config, FrozenIntel};
use cucumber::{given, then, when};
use std::path::PathBuf;
use twin::load::{self, LoadError};

/// A scenario file built by a step, and what loading it gave.
#[derive(Debug, Default)]
pub struct HostileCheck {
    /// The line the step changed (1-based), where a refusal must point.
    changed_line: Option<usize>,
    loaded: Option<Result<(), LoadError>>,
    replay: Option<ReplayCheck>,
}

#[derive(Debug)]
struct ReplayCheck {
    frames_whole: u64,
    cut: Result<officetwin::replay::Replay, String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped(id: &str) -> Result<String> {
    let path = root().join("scenarios").join(format!("{id}.yaml"));
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

fn load_as_scenario(world: &mut TwinWorld, text: &str, changed_line: usize) {
    let loaded = load::scenario_from_str("scenarios/hostile.yaml", text, |office| {
        let path = root()
            .join("scenarios/offices")
            .join(format!("{office}.yaml"));
        Some(load::office_file(&path))
    })
    .map(|_| ());
    world.hostile.changed_line = Some(changed_line);
    world.hostile.loaded = Some(loaded);
}

/// `open` repeated `depth` times around `core`, each closed by `close`.
fn nested(open: &str, core: &str, depth: usize) -> String {
    let close = match open {
        "[" => "]",
        _ => "",
    };
    format!("{}{core}{}", open.repeat(depth), close.repeat(depth))
}

#[given(expr = "an IPS rule whose destination {word} nests {string} {int} deep")]
fn deep_rule(world: &mut TwinWorld, slot: String, open: String, depth: usize) -> Result<()> {
    let rule = match slot.as_str() {
        "address" => format!(
            "alert tcp any any -> {} any (msg:\"deep\"; sid:1;)\n",
            nested(&open, "192.0.2.1", depth)
        ),
        "port" => format!(
            "alert tcp any any -> any {} (msg:\"deep\"; sid:1;)\n",
            nested(&open, "80", depth)
        ),
        other => bail!("no destination {other:?}: address or port"),
    };
    world.rules.result =
        Some(parse_rules("deep.rules", &rule, &RuleVars::default()).map(|r| r.len()));
    Ok(())
}

#[when(expr = "the scenario {string} is loaded with its {string} list nested {int} deep")]
fn deep_yaml(world: &mut TwinWorld, id: String, key: String, depth: usize) -> Result<()> {
    let text = shipped(&id)?;
    let line = format!("{key}:");
    let at = text
        .lines()
        .position(|l| l.starts_with(&line))
        .ok_or_else(|| anyhow!("{id} has no top-level `{key}:`"))?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.insert(at + 1, format!("  deep: {}", nested("[", "1", depth)));
    load_as_scenario(world, &(lines.join("\n") + "\n"), at + 2);
    Ok(())
}

#[when(expr = "the scenario {string} is loaded with {string} under {string}")]
fn with_setting(world: &mut TwinWorld, id: String, setting: String, section: String) -> Result<()> {
    let text = shipped(&id)?;
    ensure!(
        text.contains("gateway:\n"),
        "{id} has no top-level `gateway:`"
    );
    let (parent, child) = section
        .split_once('.')
        .ok_or_else(|| anyhow!("{section:?}: write it as gateway.SECTION"))?;
    ensure!(parent == "gateway", "only gateway settings are built here");
    let text = text.replacen(
        "gateway:\n",
        &format!("gateway:\n  {child}:\n    {setting}\n"),
        1,
    );
    let line = 1 + text
        .lines()
        .position(|l| l.trim() == setting)
        .ok_or_else(|| anyhow!("the setting did not land"))?;
    load_as_scenario(world, &text, line);
    Ok(())
}

#[when(
    expr = "the scenario {string} is loaded with its first actor repeating every {string} without jitter"
)]
fn fast_actor(world: &mut TwinWorld, id: String, interval: String) -> Result<()> {
    let text = shipped(&id)?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("interval:"))
        .ok_or_else(|| anyhow!("{id} has no actor with an interval"))?;
    let indent = lines[at].len() - lines[at].trim_start().len();
    lines[at] = format!("{}interval: {interval}", " ".repeat(indent));
    if lines
        .get(at + 1)
        .is_some_and(|l| l.trim_start().starts_with("jitter:"))
    {
        lines[at + 1] = format!("{}jitter: 0s", " ".repeat(indent));
    }
    load_as_scenario(world, &(lines.join("\n") + "\n"), at + 1);
    Ok(())
}

#[then(expr = "loading fails at the changed line because {string}")]
fn fails_at_changed_line(world: &mut TwinWorld, reason: String) -> Result<()> {
    let line = world
        .hostile
        .changed_line
        .ok_or_else(|| anyhow!("no scenario was built"))?;
    match &world.hostile.loaded {
        Some(Err(err)) => {
            let e = err
                .source_error()
                .ok_or_else(|| anyhow!("the refusal names no place: {err}"))?;
            ensure!(
                (e.file(), e.line()) == ("scenarios/hostile.yaml", line),
                "refused at {}:{}, not line {line}: {err}",
                e.file(),
                e.line()
            );
            let said = err.to_string();
            ensure!(
                said.starts_with(&format!("scenarios/hostile.yaml:{line}:{}: ", e.column())),
                "{said}"
            );
            ensure!(said.contains(&reason), "`{reason}` not in `{said}`");
            Ok(())
        }
        Some(Ok(())) => bail!("the scenario loaded"),
        None => bail!("no scenario was loaded"),
    }
}

fn capture_path(case: &str) -> PathBuf {
    root()
        .join("appliance/tests/data/suricata-verify")
        .join(case)
        .join("input.pcap")
}

#[when(expr = "the capture {string} cut {int} bytes before its end is replayed")]
fn cut_capture(world: &mut TwinWorld, case: String, cut: usize) -> Result<()> {
    let path = capture_path(&case);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    ensure!(bytes.len() > cut, "{case} is only {} bytes", bytes.len());
    let whole = officetwin::replay::replay_bytes(&bytes, Config::default(), FrozenIntel::default())
        .map_err(|e| anyhow!("the whole capture: {e:#}"))?;
    let cut = officetwin::replay::replay_bytes(
        &bytes[..bytes.len() - cut],
        Config::default(),
        FrozenIntel::default(),
    )
    .map_err(|e| format!("{e:#}"));
    world.hostile.replay = Some(ReplayCheck {
        frames_whole: whole.frames,
        cut,
    });
    Ok(())
}

#[then("every frame before the cut is replayed and the damage is named")]
fn frames_before_cut(world: &mut TwinWorld) -> Result<()> {
    let check = world
        .hostile
        .replay
        .as_ref()
        .ok_or_else(|| anyhow!("no capture was replayed"))?;
    let cut = check
        .cut
        .as_ref()
        .map_err(|e| anyhow!("the cut capture was refused whole: {e}"))?;
    ensure!(
        cut.frames + 1 == check.frames_whole,
        "{} of the whole capture's {} frames replayed",
        cut.frames,
        check.frames_whole
    );
    let damage = cut
        .damage
        .as_deref()
        .ok_or_else(|| anyhow!("the damage is not named"))?;
    ensure!(
        damage.contains(&format!("after {} frames", cut.frames)),
        "{damage}"
    );
    Ok(())
}
