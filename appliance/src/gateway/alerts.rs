//! Detections into log events, and the immediate alert mail to the desk for
//! C&C callbacks, at most one per host within the hold-down.

use super::*;

impl Gateway {
    /// Logs a detection, and alerts the desk if this host has not caused an
    /// alert within the hold-down.
    pub(super) fn report(
        &mut self,
        now: Instant,
        detection: &Detection,
        packet: &Packet<'_>,
        dst_port: u16,
        out: &mut Actions,
    ) {
        let parties = Parties {
            src_ip: packet.src,
            src_mac: packet.src_mac.to_string(),
            dst_ip: packet.dst,
            dst_port,
        };
        self.report_parties(now, detection, &parties, out);
    }

    /// [`Gateway::report`] for a detection whose packet is gone (a DNS
    /// lookup logged after its grace, see `dns_flow`).
    pub(super) fn report_parties(
        &mut self,
        now: Instant,
        detection: &Detection,
        parties: &Parties,
        out: &mut Actions,
    ) {
        if detection.engine == Engine::Cnc {
            self.fold_lookup(detection, parties);
        }
        let event = notify::event(now, detection, parties);
        let alerts = &self.config.alerts;
        // Immediate alerts are for C&C callbacks (FAQ Q7); web blocks are
        // logged and reported monthly.
        if alerts.enabled && detection.engine == Engine::Cnc {
            let hold = Duration::from_secs(alerts.hold_down_secs);
            let due = self
                .alerted
                .get(&parties.src_ip)
                .is_none_or(|last| now.saturating_since(*last) >= hold);
            if due {
                out.alerts
                    .push(notify::cnc_alert(&self.config, &event, &detection.threat));
                if self.alerted.len() >= MAX_ALERTED_HOSTS
                    && !self.alerted.contains_key(&parties.src_ip)
                {
                    // Forget the host alerted longest ago.
                    if let Some(oldest) = self
                        .alerted
                        .iter()
                        .min_by_key(|(_, t)| **t)
                        .map(|(ip, _)| *ip)
                    {
                        self.alerted.remove(&oldest);
                    }
                }
                self.alerted.insert(parties.src_ip, now);
            }
        }
        out.events.push(event);
    }
}
