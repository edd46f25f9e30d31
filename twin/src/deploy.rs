//! "Deploy all" (すべて配信): pushing the console's policy to every gateway
//! of the office, and the per-gateway deployment status the console shows
//! (配信中 deploying -> 成功 success, or 失敗 failed with the reason).
//!
//! The policy is validated once: a refused policy leaves every gateway on
//! the policy it was running. Then each gateway of the office (its own and
//! its branches', `branch_gateways:`) is switched to one new version; a
//! gateway that is offline (cut off from the cloud) or whose driver refuses
//! fails with the reason and keeps its policy, and the others still switch.

use crate::attach::GatewayDriver;
use appliance::gateway::DeployOutcome;
use appliance::policy::Policy;
use appliance::{Config, Instant};

/// A gateway's deployment status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployStatus {
    Deploying,
    Success,
    Failed,
}

impl DeployStatus {
    /// The English label (features, logs).
    pub fn label(self) -> &'static str {
        match self {
            DeployStatus::Deploying => "deploying",
            DeployStatus::Success => "success",
            DeployStatus::Failed => "failed",
        }
    }

    /// The console's Japanese label (the cloud's label table).
    pub fn ja(self) -> &'static str {
        let key = match self {
            DeployStatus::Deploying => "deploy_deploying",
            DeployStatus::Success => "deploy_success",
            DeployStatus::Failed => "deploy_failed",
        };
        cloud::labels::t(key, cloud::labels::Lang::Ja)
    }

    /// Either label, any case.
    pub fn from_label(text: &str) -> Option<DeployStatus> {
        [
            DeployStatus::Deploying,
            DeployStatus::Success,
            DeployStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.label().eq_ignore_ascii_case(text.trim()) || s.ja() == text.trim())
    }
}

/// One gateway's part in a deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayDeployment {
    pub gateway: String,
    pub at: Instant,
    /// Every status it went through, in order; the last is the current one.
    pub history: Vec<DeployStatus>,
    /// The policy version running after the deployment.
    pub running_version: u32,
    /// Why it failed.
    pub reason: Option<String>,
}

impl GatewayDeployment {
    pub fn status(&self) -> DeployStatus {
        self.history
            .last()
            .copied()
            .unwrap_or(DeployStatus::Deploying)
    }
}

/// A gateway "deploy all" reaches: its driver, the configuration it runs
/// (replaced when the gateway takes a new one), and since when it has been
/// offline (cut off from the cloud console), if it is.
pub struct Target<'a> {
    pub driver: &'a mut dyn GatewayDriver,
    pub config: &'a mut Config,
    pub offline_since: Option<Instant>,
}

impl Target<'_> {
    /// Deploys `config` through the driver; on success it is the running
    /// one. A gateway the cloud cannot reach does not get it: it keeps the
    /// policy it runs (FAQ Q21's box whose 「Cloud Consoleに接続」 light is out).
    pub fn deploy(&mut self, config: Config) -> DeployOutcome {
        if let Some(since) = self.offline_since {
            return DeployOutcome::Failed {
                kept_version: self.config.version,
                reason: format!(
                    "offline: the gateway has not reached the Cloud Console since {} (JST)",
                    since.jst_string()
                ),
            };
        }
        let outcome = self.driver.deploy(config.clone());
        if matches!(outcome, DeployOutcome::Success { .. }) {
            *self.config = config;
        }
        outcome
    }
}

/// The gateway of one of the office's other sites (a branch): it runs in
/// process, with no LAN simulated behind it, so that "deploy all" reaches
/// every gateway of the office as the console's does.
pub struct BranchGateway {
    pub gateway: appliance::Gateway,
    pub config: Config,
    pub offline_since: Option<Instant>,
}

impl BranchGateway {
    /// A branch named `name` running the head office's configuration.
    pub fn new(name: &str, head: &Config, intel: &appliance::FrozenIntel) -> BranchGateway {
        let mut config = head.clone();
        config.name = name.to_string();
        BranchGateway {
            gateway: appliance::Gateway::new(config.clone(), intel.clone()),
            config,
            offline_since: None,
        }
    }

    pub fn target(&mut self) -> Target<'_> {
        Target {
            driver: &mut self.gateway,
            config: &mut self.config,
            offline_since: self.offline_since,
        }
    }
}

/// Deploys `policy` (or the reason it was refused) to `gateways` at `now`.
pub fn deploy_all(
    gateways: &mut [Target<'_>],
    policy: Result<Policy, String>,
    now: Instant,
) -> Vec<GatewayDeployment> {
    let mut report: Vec<GatewayDeployment> = gateways
        .iter()
        .map(|g| GatewayDeployment {
            gateway: g.config.name.clone(),
            at: now,
            history: vec![DeployStatus::Deploying],
            running_version: g.config.version,
            reason: None,
        })
        .collect();
    let fail_all = |report: &mut Vec<GatewayDeployment>, reason: &str| {
        for r in report.iter_mut() {
            r.history.push(DeployStatus::Failed);
            r.reason = Some(reason.to_string());
        }
    };
    let policy = match policy {
        Ok(p) => p,
        Err(reason) => {
            fail_all(&mut report, &format!("invalid policy: {reason}"));
            return report;
        }
    };
    // Every gateway moves to one new version, above all running ones.
    let version = gateways
        .iter()
        .map(|g| g.config.version)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    for (g, r) in gateways.iter_mut().zip(report.iter_mut()) {
        let mut config = g.config.clone();
        config.policy = policy.clone();
        config.version = version;
        match g.deploy(config) {
            DeployOutcome::Success { version } => {
                r.history.push(DeployStatus::Success);
                r.running_version = version;
            }
            DeployOutcome::Failed {
                kept_version,
                reason,
            } => {
                r.history.push(DeployStatus::Failed);
                r.running_version = kept_version;
                r.reason = Some(reason);
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use appliance::{FrozenIntel, Gateway};

    #[test]
    fn success_bumps_the_version_and_failure_keeps_the_old_policy() {
        let mut gateway = Gateway::new(Config::default(), FrozenIntel::default());
        let mut config = Config::default();
        let mut g = Target {
            driver: &mut gateway,
            config: &mut config,
            offline_since: None,
        };
        let policy = Policy {
            profile: "test".into(),
            ..Policy::default()
        };
        let r = deploy_all(
            std::slice::from_mut(&mut g),
            Ok(policy),
            Instant::from_secs(1),
        );
        assert_eq!(
            r[0].history,
            vec![DeployStatus::Deploying, DeployStatus::Success]
        );
        assert_eq!(g.config.version, 2);
        assert_eq!(g.config.policy.profile, "test");
        let r = deploy_all(
            std::slice::from_mut(&mut g),
            Err("x.yaml:3:5: bad".into()),
            Instant::from_secs(2),
        );
        assert_eq!(r[0].status(), DeployStatus::Failed);
        assert!(
            r[0].reason
                .as_deref()
                .is_some_and(|x| x.contains("x.yaml:3:5"))
        );
        assert_eq!(g.config.version, 2);
        assert_eq!(g.config.policy.profile, "test");
        assert_eq!(
            gateway.config(),
            &config,
            "the driver runs what was recorded"
        );
        assert_eq!(
            DeployStatus::from_label("成功"),
            Some(DeployStatus::Success)
        );
    }

    #[test]
    fn an_offline_gateway_fails_and_keeps_its_policy_while_the_others_switch() {
        let intel = FrozenIntel::default();
        let mut head = BranchGateway::new("head", &Config::default(), &intel);
        let mut branch = BranchGateway::new("branch", &Config::default(), &intel);
        branch.offline_since = Some(Instant::from_secs(100));
        let policy = Policy {
            profile: "new".into(),
            ..Policy::default()
        };
        let r = deploy_all(
            &mut [head.target(), branch.target()],
            Ok(policy),
            Instant::from_secs(200),
        );
        assert_eq!(r[0].status(), DeployStatus::Success);
        assert_eq!(r[1].status(), DeployStatus::Failed);
        assert!(
            r[1].reason
                .as_deref()
                .is_some_and(|x| x.starts_with("offline"))
        );
        assert_eq!((head.config.version, branch.config.version), (2, 1));
        assert_eq!(head.config.policy.profile, "new");
        assert_ne!(branch.config.policy.profile, "new");
        assert_eq!(
            branch.gateway.config(),
            &branch.config,
            "the branch runs its old policy"
        );
    }
}
