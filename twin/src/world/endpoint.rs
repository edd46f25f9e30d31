//! The world's endpoint agents: their agenda entries, EDR's isolations,
//! the programs they stop, and what the management server knows of them.

use super::{Due, World};
use crate::endpoint::EndpointTwin;
use crate::model::Scenario;

impl World {
    /// The office's agents, if it has the option, with their first
    /// agenda entries.
    pub(super) fn start_endpoint(&mut self, scenario: &Scenario) {
        let office = &scenario.office;
        let Some(option) = &office.endpoint else {
            return;
        };
        let endpoint = EndpointTwin::new(option, &scenario.endpoint, office);
        for (at, due) in endpoint.first_wakes(self.now) {
            self.agenda.schedule(at, Due::Endpoint(due));
        }
        self.endpoint = Some(endpoint);
    }

    /// The endpoint agents, if the office has them.
    pub fn endpoint(&self) -> Option<&crate::endpoint::EndpointTwin> {
        self.endpoint.as_ref()
    }

    /// The agents' detections since the last drain, in the order they
    /// happened.
    pub fn drain_endpoint_events(&mut self) -> Vec<cloud::endpoint::EndpointEvent> {
        self.endpoint
            .as_mut()
            .map(crate::endpoint::EndpointTwin::drain_events)
            .unwrap_or_default()
    }

    /// What the management server knows of every agent now.
    pub fn agent_statuses(&self) -> Vec<cloud::endpoint::AgentStatus> {
        let Some(endpoint) = &self.endpoint else {
            return Vec::new();
        };
        endpoint.statuses(self.now, &|host| self.link_of(host))
    }

    /// An office host's network cable, as its agent sees it.
    pub(super) fn link_of(&self, host: &str) -> crate::endpoint::Link {
        link_in(&self.hosts, &self.host_index, host)
    }

    /// What host `i`'s browser and mail program saved since its agent last
    /// looked goes through the agent's real-time scan.
    ///
    /// Called for every host polled at every instant, so it borrows the
    /// agents in place: taking them out of the world and putting them back
    /// was 3 % of the 63-day retention run, all of it in moves.
    pub(super) fn saved_to_agent(&mut self, i: usize) {
        let Some(endpoint) = self.endpoint.as_mut() else {
            return;
        };
        let host = &self.hosts[i];
        let Some((exchanges, mails)) = endpoint.seen(&host.name) else {
            return;
        };
        let (new_exchanges, new_mails) = (
            host.exchanges().get(exchanges..).unwrap_or(&[]),
            host.mail.inbox.get(mails..).unwrap_or(&[]),
        );
        if new_exchanges.is_empty() && new_mails.is_empty() {
            return;
        }
        let (hosts, index) = (&self.hosts, &self.host_index);
        endpoint.arrived(&host.name, self.now, new_exchanges, new_mails, &|h| {
            link_in(hosts, index, h)
        });
    }

    /// The agents do what `due` says; EDR's isolations take effect.
    pub(super) fn fire_endpoint(&mut self, due: crate::endpoint::EndpointDue) {
        let now = self.now;
        let Some(mut endpoint) = self.endpoint.take() else {
            return;
        };
        let fired = endpoint.fire(due, now, &|host| self.link_of(host));
        self.endpoint = Some(endpoint);
        for host in fired.isolate {
            // Agent hosts were checked when the office was loaded.
            let _ = self.isolate(&host);
        }
        for (at, due) in fired.schedule {
            self.agenda.schedule(at.max(now), Due::Endpoint(due));
        }
        for (host, path) in fired.stopped {
            for actor in &mut self.actors {
                if self.hosts[actor.host].name == host {
                    actor.program_stopped(&path);
                }
            }
        }
    }
}

/// `host`'s network cable among `hosts`: unplugged when it is not one of
/// them.
fn link_in(
    hosts: &[crate::host::Host],
    index: &std::collections::HashMap<String, usize>,
    host: &str,
) -> crate::endpoint::Link {
    match index.get(host) {
        Some(&i) => crate::endpoint::Link {
            plugged: hosts[i].plugged,
            unplugged_at: hosts[i].isolated_at,
        },
        None => crate::endpoint::Link {
            plugged: false,
            unplugged_at: None,
        },
    }
}
