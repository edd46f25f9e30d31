//! A session: one scenario's world (the office, the internet and the box)
//! running on the virtual clock, with the service's cloud
//! ([`cloud::Service`]) receiving the gateway's events as they happen.
//!
//! The CLI, the cucumber steps and the benches all drive scenarios through
//! this, so "run a scenario" means the same thing everywhere. The session
//! only carries things across: after each slice of virtual time, the
//! gateway's events and allowed-traffic records (and the endpoint agents'
//! detections and statuses, and Cloud App Security's detections) go to the cloud, the cloud's
//! clock follows the world's (uptime, retention, the monthly report), and
//! the report mails it hands back are delivered to the admin's mailbox.

use anyhow::{Context, Result};
use appliance::Instant;
use cloud::Service;
use cloud::console::source::{Device, Office as OfficeView};
use cloud::report::OfficeInfo;
use cloud::store::stats::jst_day;
use std::path::Path;
use std::time::Duration;
use twin::model::{Office, Scenario};
use twin::world::{World, WorldOptions};

/// How far the world runs between two progress callbacks and store writes.
const SLICE: Duration = Duration::from_secs(10 * 60);

pub struct Session {
    pub scenario: Scenario,
    pub world: World,
    /// The service's cloud: the log store, statistics, uptime, retention
    /// and the report mails.
    pub cloud: Service,
    /// The endpoint agents' statuses at the last flush, not yet stored.
    /// The cloud keeps one status per agent and JST day (the day's last),
    /// so they are stored when the day turns and at the end of each run,
    /// not at every slice: a month is ~30 writes, not ~4,300 transactions.
    agent_statuses: Option<(Instant, Vec<cloud::endpoint::AgentStatus>)>,
}

/// Who a scenario's report is for: its office, gateway and admin mailbox.
pub fn office_info(scenario: &Scenario) -> OfficeInfo {
    let office = &scenario.office;
    OfficeInfo {
        name: office.title.clone(),
        gateway: scenario.gateway.name.clone(),
        admin_mail: office.admin_mail.clone(),
        hosts: office
            .hosts
            .iter()
            .map(|h| (h.ip, h.name.clone()))
            .collect(),
    }
}

/// The office as the console shows it (device list, names, users).
pub fn office_view(office: &Office) -> OfficeView {
    OfficeView {
        title: office.title.clone(),
        admin_mail: office.admin_mail.clone(),
        hosts: office
            .hosts
            .iter()
            .map(|h| Device {
                name: h.name.clone(),
                ip: h.ip,
                mac: h.mac.to_string(),
                os: h.os.clone(),
                user: h.user.clone(),
            })
            .collect(),
    }
}

impl Session {
    /// A session with an in-memory log store.
    pub fn new(scenario: Scenario, options: WorldOptions) -> Result<Session> {
        let world = Session::world(&scenario, options)?;
        let cloud = Session::history(
            &scenario,
            Service::in_memory(office_info(&scenario), world.now())?,
        );
        Ok(Session {
            scenario,
            world,
            cloud,
            agent_statuses: None,
        })
    }

    /// A session whose log store is the SQLite file at `path` (created afresh).
    pub fn with_store_file(
        scenario: Scenario,
        options: WorldOptions,
        path: &Path,
    ) -> Result<Session> {
        let world = Session::world(&scenario, options)?;
        let cloud = Session::history(
            &scenario,
            Service::with_store_file(office_info(&scenario), world.now(), path)?,
        );
        Ok(Session {
            scenario,
            world,
            cloud,
            agent_statuses: None,
        })
    }

    /// The gateway's life before the scenario (`online_since:`) reaches
    /// the cloud as uptime; an office with the endpoint option (seed 002)
    /// gets its agents' side of the cloud.
    fn history(scenario: &Scenario, cloud: Service) -> Service {
        let cloud = match scenario.online_since {
            Some(since) => cloud.online_since(since),
            None => cloud,
        };
        let cloud = match &scenario.office.endpoint {
            Some(option) => cloud.with_endpoint(option.licence.clone()),
            None => cloud,
        };
        match &scenario.cloud_apps {
            Some(_) => cloud.with_app_security(),
            None => cloud,
        }
    }

    fn world(scenario: &Scenario, options: WorldOptions) -> Result<World> {
        World::new(scenario, options)
            .with_context(|| format!("building the world of scenario {}", scenario.id))
    }

    pub fn now(&self) -> Instant {
        self.world.now()
    }

    /// Runs until `until`, recording events; `progress` hears the virtual time
    /// after each slice.
    pub fn run_until_with(
        &mut self,
        until: Instant,
        progress: &mut dyn FnMut(Instant),
    ) -> Result<()> {
        while self.world.now() < until {
            let next = (self.world.now() + SLICE).min(until);
            self.world.run_until(next);
            let now = self.world.now();
            // Only the day's last statuses are kept: the flush before the
            // day turns takes them (the run's last flush, below, always does).
            self.flush(jst_day(now + SLICE) != jst_day(now))?;
            if let Some(failure) = self.world.gateway_failure() {
                anyhow::bail!("the gateway under test failed: {failure}");
            }
            progress(self.world.now());
        }
        self.flush(true)?;
        self.store_agent_statuses()
    }

    /// Stores the agents' statuses of the last flush.
    fn store_agent_statuses(&mut self) -> Result<()> {
        if let Some((at, agents)) = self.agent_statuses.take() {
            self.cloud.receive_endpoint(at, &[], &agents)?;
        }
        Ok(())
    }

    pub fn run_until(&mut self, until: Instant) -> Result<()> {
        self.run_until_with(until, &mut |_| {})
    }

    pub fn run_for(&mut self, duration: Duration) -> Result<()> {
        let until = self.world.now() + duration;
        self.run_until(until)
    }

    /// Runs to the scenario's end.
    pub fn run_to_end(&mut self) -> Result<()> {
        let end = self.world.end();
        self.run_until(end)
    }

    /// Hands the gateway's pending events and allowed-traffic records to the
    /// cloud, moves the cloud's clock to the world's, and delivers the report
    /// mails that fell due.
    /// `with_statuses`: also take the agents' statuses, which the cloud
    /// keeps one per day (computing them at every slice was 5 % of a long
    /// run).
    fn flush(&mut self, with_statuses: bool) -> Result<()> {
        // A firmware under test keeps its own uptime: tell it the time first.
        self.world.tell_gateway_clock();
        let events = self.world.drain_events();
        let access = self.world.drain_access();
        self.cloud.receive(&events, &access)?;
        // The agents report to their management server whatever the
        // gateway's link does (a different product, its own connection).
        let now = self.world.now();
        let detections = self.world.drain_endpoint_events();
        self.cloud.receive_endpoint(now, &detections, &[])?;
        // So does Cloud App Security: it reads the cloud services' APIs.
        let found = self.world.drain_app_security_events();
        self.cloud.receive_app_security(&found)?;
        let turned = self
            .agent_statuses
            .as_ref()
            .is_some_and(|(at, _)| jst_day(*at) != jst_day(now));
        if turned {
            self.store_agent_statuses()?;
        }
        if with_statuses {
            let agents = self.world.agent_statuses();
            if !agents.is_empty() {
                self.agent_statuses = Some((now, agents));
            }
        }
        let offline = self.world.gateway_offline_periods();
        for m in self.cloud.advance(self.world.now(), &offline)? {
            self.world.post_mail(twin::world::StoredMail {
                received: m.time,
                from: m.from,
                to: m.to,
                subject: m.subject,
                raw: m.raw,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
