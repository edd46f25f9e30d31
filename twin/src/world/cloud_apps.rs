//! The world's cloud services and the Cloud App Security scan over them
//! (seed 003): each moment of the scenario's `cloud_apps:` timeline
//! happens in its service on the agenda, and the scan reads the feeds at
//! once, as the product does on the services' change notifications.

use super::{Due, World};
use crate::model::Scenario;
use crate::model::cloud_apps::CloudEntry;
use crate::saas::{CloudServices, WebSandbox};
use cloud::app_security::AppSecurityEvent;
use cloud::app_security::scan::Scanner;
use std::sync::Arc;

/// The office's cloud services, the product's scan, and the detections
/// not yet handed to the cloud's store.
pub(super) struct CloudAppsTwin {
    services: CloudServices,
    scanner: Scanner,
    timeline: Vec<CloudEntry>,
    events: Vec<AppSecurityEvent>,
}

impl World {
    /// The services and the scan, if the scenario has `cloud_apps:`, with
    /// their moments on the agenda.
    pub(super) fn start_cloud_apps(&mut self, scenario: &Scenario) {
        let Some(plan) = &scenario.cloud_apps else {
            return;
        };
        for (i, entry) in plan.timeline.iter().enumerate() {
            self.agenda
                .schedule(entry.at.max(self.now), Due::CloudApps(i));
        }
        self.cloud_apps = Some(CloudAppsTwin {
            services: CloudServices::default(),
            scanner: Scanner::new(plan.policy.clone(), Arc::new(scenario.intel.clone()))
                .with_sandbox(Arc::new(WebSandbox {
                    internet: scenario.internet.clone(),
                })),
            timeline: plan.timeline.clone(),
            events: Vec::new(),
        });
    }

    /// Moment `i` happens in its service; the scan reads the feeds.
    pub(super) fn fire_cloud_apps(&mut self, i: usize) {
        let now = self.now;
        let Some(twin) = self.cloud_apps.as_mut() else {
            return;
        };
        let Some(entry) = twin.timeline.get(i) else {
            return;
        };
        twin.services.apply(now, entry.app, &entry.action);
        let found = twin.scanner.poll(now, &mut twin.services);
        twin.events.extend(found);
    }

    /// The office's cloud services, if the scenario has them.
    pub fn cloud_services(&self) -> Option<&CloudServices> {
        self.cloud_apps.as_ref().map(|t| &t.services)
    }

    /// The scan's detections since the last drain, in the order they
    /// happened.
    pub fn drain_app_security_events(&mut self) -> Vec<AppSecurityEvent> {
        self.cloud_apps
            .as_mut()
            .map(|t| std::mem::take(&mut t.events))
            .unwrap_or_default()
    }
}
