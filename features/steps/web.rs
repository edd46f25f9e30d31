//! Web protection and policy deployment: the console's policy edits, "deploy
//! all" and its per-gateway status, re-rated sites.
//!
//! Before the twin first runs, the `Given` steps describe the policy in
//! force: each edit is put on the gateway at once. Once the twin has run,
//! they are edits in the console that take effect only with
//! `When the policy changes are deployed to all gateways`, as in the product.

use super::TwinWorld;
use anyhow::{Context, Result, bail, ensure};
use appliance::intel::WebRating;
use appliance::policy::{Entry, Policy, Rule, RuleAction, Schedule, UrlList};
use cucumber::{given, then, when};
use std::path::PathBuf;
use twin::deploy::DeployStatus;

/// The policy the console shows, if it differs from the running one.
#[derive(Debug, Default)]
pub struct Console {
    staged: Option<Policy>,
}

impl TwinWorld {
    /// Applies `edit` to the console's policy; before the twin has run it
    /// is also put in force at once.
    pub(super) fn edit_policy(
        &mut self,
        edit: impl FnOnce(&mut Policy) -> Result<()>,
    ) -> Result<()> {
        let running = self.session()?.world.gateway_config().policy.clone();
        let mut policy = self.web.staged.take().unwrap_or(running);
        edit(&mut policy)?;
        let session = self.session()?;
        if session.now() == session.world.start() {
            let mut config = session.world.gateway_config().clone();
            config.version += 1;
            config.policy = policy;
            if let appliance::gateway::DeployOutcome::Failed { reason, .. } =
                session.world.deploy_gateway(config)
            {
                bail!("setting the initial policy failed: {reason}");
            }
        } else {
            self.web.staged = Some(policy);
        }
        Ok(())
    }
}

fn strip_scheme(url: &str) -> &str {
    url.strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url)
}

#[given(expr = "the policy {string}")]
fn the_policy(world: &mut TwinWorld, id: String) -> Result<()> {
    let policy = super::catalog()?.policy(&id)?;
    world.edit_policy(|p| {
        *p = policy;
        Ok(())
    })
}

#[given(expr = "{string} is categorised as {string}")]
fn categorised(world: &mut TwinWorld, url: String, category: String) -> Result<()> {
    let table = appliance::policy::UrlCategories::builtin();
    let canonical = table
        .get(&category)
        .with_context(|| format!("unknown URL category {category:?}"))?
        .name
        .clone();
    let key = strip_scheme(&url).to_ascii_lowercase();
    let session = world.session()?;
    let intel = &mut session.scenario.intel;
    let score = intel.web.get(&key).map_or(90, |r| r.score);
    intel.web.insert(
        key,
        WebRating {
            score,
            category: canonical.into(),
        },
    )?;
    let intel = intel.clone();
    session
        .world
        .replace_intel(intel)
        .map_err(anyhow::Error::msg)?;
    Ok(())
}

#[given(expr = "the category {string} is blocked during business hours")]
fn category_blocked(world: &mut TwinWorld, category: String) -> Result<()> {
    category_rule(world, &category, |ja| Rule {
        name: format!("業務時間帯の{ja}禁止"),
        sources: Vec::new(),
        categories: Vec::new(),
        applications: Vec::new(),
        schedule: Some(Schedule::business_hours()),
        action: RuleAction::Block,
    })
}

/// Seed 000 FAQ Q10: 「カテゴリ単位の許可」: a rule allowing a category for
/// some sources, above the rules that block it (rules are read top-down).
#[given(expr = "the category {string} is allowed for {string} above the other rules")]
fn category_allowed_for(world: &mut TwinWorld, category: String, who: String) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    category_rule(world, &category, |ja| Rule {
        name: format!("{ja}を{who}に許可"),
        sources: vec![appliance::policy::Source::Ip(ip)],
        categories: Vec::new(),
        applications: Vec::new(),
        schedule: None,
        action: RuleAction::Allow,
    })
}

/// Puts `rule` for the URL category `category` at the top of the profile's
/// URL filtering rules; `rule` gets the category's Japanese name.
fn category_rule(
    world: &mut TwinWorld,
    category: &str,
    rule: impl FnOnce(&str) -> Rule,
) -> Result<()> {
    world.edit_policy(|p| {
        let cat = p
            .categories
            .get(category)
            .with_context(|| format!("unknown URL category {category:?}"))?
            .clone();
        let mut rule = rule(&cat.ja);
        rule.categories = vec![cat.name];
        p.url_filtering.rules.insert(0, rule);
        Ok(())
    })
}

/// Seed 000 FAQ Q10: 「業務に必要なサイトはまとめて許可リスト登録することもできます」.
#[given(expr = "the sites {string} are put on the allow list at once")]
fn allow_many(world: &mut TwinWorld, sites: String) -> Result<()> {
    for site in sites.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        on_allow_list(world, site.to_string())?;
    }
    Ok(())
}

#[given(expr = "{string} is on the allow list")]
fn on_allow_list(world: &mut TwinWorld, entry: String) -> Result<()> {
    let entry = Entry::parse(&entry).map_err(|e| anyhow::anyhow!("{}: {}", e.message, e.help))?;
    world.edit_policy(|p| {
        let mut entries = p.lists.allow().entries().to_vec();
        entries.push(entry);
        p.lists = p.lists.with_allow(UrlList::new(entries));
        Ok(())
    })
}

#[given(expr = "{string} is on the block list")]
fn on_block_list(world: &mut TwinWorld, entry: String) -> Result<()> {
    let entry = Entry::parse(&entry).map_err(|e| anyhow::anyhow!("{}: {}", e.message, e.help))?;
    world.edit_policy(|p| {
        let mut entries = p.lists.block().entries().to_vec();
        entries.push(entry);
        p.lists = p.lists.with_block(UrlList::new(entries));
        Ok(())
    })
}

#[when("the policy changes are deployed to all gateways")]
fn deploy_changes(world: &mut TwinWorld) -> Result<()> {
    let staged = world.web.staged.take();
    let session = world.session()?;
    let policy = match staged {
        Some(p) => p,
        None => session.world.gateway_config().policy.clone(),
    };
    session.world.deploy_all(Ok(policy));
    Ok(())
}

#[when(expr = "the policy file {string} is deployed to all gateways")]
fn deploy_file(world: &mut TwinWorld, file: String) -> Result<()> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(&file);
    let policy = twin::load::policy_file(&path).map_err(|e| {
        // Name the file as written in the feature, not by absolute path.
        e.to_string().replace(&path.display().to_string(), &file)
    });
    world.session()?.world.deploy_all(policy);
    Ok(())
}

#[then(expr = "every gateway's deployment status is {string}")]
fn status_is(world: &mut TwinWorld, status: String) -> Result<()> {
    let want = DeployStatus::from_label(&status)
        .with_context(|| format!("unknown status {status:?}: deploying, success or failed"))?;
    let session = world.session()?;
    let deployments = session.world.deployments();
    ensure!(!deployments.is_empty(), "nothing was deployed");
    for d in deployments {
        let path: Vec<&str> = d.history.iter().map(|s| s.ja()).collect();
        ensure!(
            d.history.first() == Some(&DeployStatus::Deploying),
            "{} never showed 配信中 (deploying): {}",
            d.gateway,
            path.join(" -> ")
        );
        ensure!(
            d.status() == want,
            "{} is {} ({}), not {}: {}{}",
            d.gateway,
            d.status().label(),
            d.status().ja(),
            want.label(),
            path.join(" -> "),
            d.reason
                .as_deref()
                .map(|r| format!("; {r}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

#[then(expr = "the deployment failure names {string}")]
fn failure_names(world: &mut TwinWorld, needle: String) -> Result<()> {
    let session = world.session()?;
    for d in session.world.deployments() {
        let reason = d.reason.as_deref().unwrap_or_default();
        ensure!(
            reason.contains(&needle),
            "{}'s failure reason does not name {needle:?}: {reason:?}",
            d.gateway
        );
    }
    Ok(())
}

#[then(expr = "the gateway runs policy version {int}")]
fn runs_version(world: &mut TwinWorld, version: u32) -> Result<()> {
    let running = world.session()?.world.gateway_config().version;
    ensure!(
        running == version,
        "the gateway runs version {running}, not {version}"
    );
    Ok(())
}

#[when(expr = "{string} is added to the allow list and deployed to all gateways")]
fn allow_and_deploy(world: &mut TwinWorld, entry: String) -> Result<()> {
    on_allow_list(world, entry)?;
    deploy_changes(world)
}

/// One gateway's part in the last "deploy all" (issue 16: an office with a
/// head office and a branch): its statuses in order, and the version it
/// runs now, read from the world's record of that gateway (the head
/// office's or the branch's), not from the deployment report.
#[then(expr = "the deployment to {string} went {string} and it runs policy version {int}")]
fn deployment_to(world: &mut TwinWorld, gateway: String, path: String, version: u32) -> Result<()> {
    let session = world.session()?;
    let d = session
        .world
        .deployments()
        .iter()
        .find(|d| d.gateway == gateway)
        .with_context(|| {
            let names: Vec<&str> = session
                .world
                .deployments()
                .iter()
                .map(|d| d.gateway.as_str())
                .collect();
            format!("no deployment to {gateway}; the last one reached {names:?}")
        })?;
    let went: Vec<&str> = d.history.iter().map(|s| s.label()).collect();
    let went_ja: Vec<&str> = d.history.iter().map(|s| s.ja()).collect();
    ensure!(
        went.join(" -> ") == path || went_ja.join(" -> ") == path,
        "{gateway} went {} ({}), not {path}",
        went.join(" -> "),
        went_ja.join(" -> ")
    );
    let running = match session.world.branch_config(&gateway) {
        Some(config) => config.version,
        None if session.world.gateway_config().name == gateway => {
            session.world.gateway_config().version
        }
        None => anyhow::bail!("the office has no gateway {gateway}"),
    };
    ensure!(
        running == version && d.running_version == version,
        "{gateway} runs version {running} (the deployment says {}), not {version}",
        d.running_version
    );
    Ok(())
}

#[then(expr = "the deployment to {string} failed because {string}")]
fn deployment_failed_because(world: &mut TwinWorld, gateway: String, needle: String) -> Result<()> {
    let session = world.session()?;
    let d = session
        .world
        .deployments()
        .iter()
        .find(|d| d.gateway == gateway)
        .with_context(|| format!("no deployment to {gateway}"))?;
    ensure!(
        d.status() == DeployStatus::Failed,
        "{gateway} is {}, not failed",
        d.status().label()
    );
    let reason = d.reason.as_deref().unwrap_or_default();
    ensure!(
        reason.contains(&needle),
        "{gateway} failed because {reason:?}, which does not say {needle:?}"
    );
    Ok(())
}
