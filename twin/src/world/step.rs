//! One step of the world's event loop: an agenda entry processed (a frame
//! reaching the gateway, the switch, a host or the internet; a timer; an
//! actor, timeline, scripted or mail entry), the gateway's output put on the
//! links, and every node it touched polled at the same instant.

use super::{ALERT_RELAY_DELAY, Due, STALL_BACKOFF, World};
use crate::link::{Forward, LAN_LATENCY, LinkId, SwitchPort, WAN_LATENCY};
use crate::mail::StoredMail;
use crate::model::TimelineAction;
use appliance::{Actions, Instant, Port};
use std::net::Ipv4Addr;
use std::time::Duration;

impl World {
    pub(super) fn process(&mut self, due: Due) {
        let now = self.now;
        match due {
            Due::AtGateway(port, frame) => {
                let mut actions = std::mem::take(&mut self.actions);
                self.gateway.handle(now, port, &frame, &mut actions);
                self.apply(&mut actions, false);
                self.actions = actions;
            }
            Due::AtSwitch(frame) => self.switch_in(SwitchPort::Uplink, frame),
            Due::AtHost(i, frame) => self.deliver_to_host(i, frame),
            Due::AtInternet(frame) => {
                self.internet.receive(frame);
                self.internet_dirty = true;
            }
            Due::WakeHost(i) => {
                if self.host_wake[i] == Some(now) {
                    self.host_wake[i] = None;
                    self.mark_host(i);
                }
            }
            Due::WakeInternet => {
                if self.internet_wake == Some(now) {
                    self.internet_wake = None;
                    self.internet_dirty = true;
                }
            }
            Due::WakeGateway => {
                if self.gateway_wake == Some(now) {
                    self.gateway_wake = None;
                    let mut actions = std::mem::take(&mut self.actions);
                    self.gateway.poll(now, &mut actions);
                    self.apply(&mut actions, true);
                    self.actions = actions;
                }
            }
            Due::Actor(a) => {
                let (url, next) = self.actors[a].fire(now);
                if let Some(url) = url {
                    let h = self.actors[a].host;
                    // Every actor URL was parsed in `World::new`.
                    if self.hosts[h].open(now, &url).is_ok() {
                        self.mark_host(h);
                    }
                }
                if let Some(next) = next {
                    self.agenda.schedule(next.max(now), Due::Actor(a));
                }
            }
            Due::Timeline(t) => {
                let action = self.timeline[t].action.clone();
                // Hosts were checked in `World::new`.
                let _ = match action {
                    TimelineAction::Isolate { host } => self.isolate(&host),
                    TimelineAction::Reconnect { host } => self.reconnect(&host),
                    TimelineAction::GatewayOffline => {
                        self.set_gateway_online(false);
                        Ok(())
                    }
                    TimelineAction::GatewayOnline => {
                        self.set_gateway_online(true);
                        Ok(())
                    }
                    TimelineAction::BranchOffline { gateway } => {
                        self.set_branch_online(&gateway, false);
                        Ok(())
                    }
                    TimelineAction::BranchOnline { gateway } => {
                        self.set_branch_online(&gateway, true);
                        Ok(())
                    }
                    TimelineAction::BlockDevice { mac, ip } => {
                        self.block_device(mac, ip);
                        Ok(())
                    }
                    TimelineAction::Renumber { host, ip } => self.renumber(&host, ip),
                };
            }
            Due::Scripted(i) => self.fire_scripted(i),
            Due::MailSend(i) => self.fire_mail_send(i),
            Due::MailCheck(i) => self.fire_mail_check(i),
            Due::Endpoint(due) => self.fire_endpoint(due),
            Due::CloudApps(i) => self.fire_cloud_apps(i),
            Due::Mail(mail) => {
                if self.internet.mail.store.deliver(*mail) {
                    self.stats.mails_delivered += 1;
                } else {
                    self.stats.mails_bounced += 1;
                }
            }
        }
    }

    /// Everything the gateway produced: frames onto the links, events into
    /// the log, alerts towards the support desk; then the gateway's next
    /// timer (`polled`: this was its timer firing).
    pub(super) fn apply(&mut self, actions: &mut Actions, polled: bool) {
        let now = self.now;
        for emit in actions.frames.drain(..) {
            match emit.port {
                Port::Lan => {
                    self.on_link(LinkId::Lan, &emit.frame);
                    if let Some(src) = ipv4_source(&emit.frame) {
                        self.net.last_lan_delivery.insert(src, now);
                    }
                    self.agenda
                        .schedule(now + LAN_LATENCY, Due::AtSwitch(emit.frame));
                }
                Port::Wan => {
                    self.on_link(LinkId::Wan, &emit.frame);
                    if let Some(src) = ipv4_source(&emit.frame) {
                        self.last_wan_egress.insert(src, now);
                    }
                    self.agenda
                        .schedule(now + WAN_LATENCY, Due::AtInternet(emit.frame));
                }
            }
        }
        self.stats.events += actions.events.len() as u64;
        if self.offline_since.is_some() {
            // Offline: what the gateway logs and alerts reaches no one (Q21).
            self.stats.unreported += actions.events.len() as u64;
            actions.events.clear();
            actions.stats.clear();
            actions.alerts.clear();
        }
        self.events.append(&mut actions.events);
        self.access.append(&mut actions.stats);
        for alert in actions.alerts.drain(..) {
            self.stats.alerts += 1;
            let mail = StoredMail {
                received: now + ALERT_RELAY_DELAY,
                raw: alert.to_rfc5322(),
                from: alert.from,
                to: alert.to,
                subject: alert.subject,
            };
            self.agenda
                .schedule(now + ALERT_RELAY_DELAY, Due::Mail(Box::new(mail)));
        }
        actions.clear();
        if let Some(at) = self.gateway.poll_at() {
            let at = if polled {
                self.after_poll(at)
            } else {
                at.max(now)
            };
            if self.gateway_wake.is_none_or(|w| at < w) {
                self.gateway_wake = Some(at);
                self.agenda.schedule(at, Due::WakeGateway);
            }
        }
    }

    /// The instant to wake a node that, just polled, wants polling at `at`.
    pub(super) fn after_poll(&mut self, at: Instant) -> Instant {
        if at <= self.now {
            self.stats.stalls += 1;
            self.now + STALL_BACKOFF
        } else {
            at
        }
    }

    pub(super) fn on_link(&mut self, link: LinkId, frame: &[u8]) {
        match link {
            LinkId::Lan => {
                self.stats.frames_lan += 1;
                self.stats.bytes_lan += frame.len() as u64;
            }
            LinkId::Wan => {
                self.stats.frames_wan += 1;
                self.stats.bytes_wan += frame.len() as u64;
            }
        }
        if let Some(capture) = &mut self.capture {
            capture.record(link, self.now, frame);
        }
    }

    /// A frame enters the switch on `from` (already past its latency when it
    /// comes from the uplink; host ports add the LAN latency here).
    pub(super) fn switch_in(&mut self, from: SwitchPort, frame: Vec<u8>) {
        let now = self.now;
        let (delay, ready) = match from {
            // From a host: the frame still has to cross the LAN.
            SwitchPort::Host(_) => (LAN_LATENCY, false),
            SwitchPort::Uplink => (Duration::ZERO, true),
        };
        let to_uplink = |world: &mut World, frame: Vec<u8>| {
            world.on_link(LinkId::Lan, &frame);
            world
                .agenda
                .schedule(now + LAN_LATENCY, Due::AtGateway(Port::Lan, frame));
        };
        match self.switch.forward(from, &frame) {
            Forward::Drop => {}
            Forward::To(SwitchPort::Uplink) => to_uplink(self, frame),
            Forward::To(SwitchPort::Host(j)) => {
                if ready {
                    self.deliver_to_host(j, frame);
                } else {
                    self.agenda.schedule(now + delay, Due::AtHost(j, frame));
                }
            }
            Forward::Flood => {
                for j in 0..self.hosts.len() {
                    if SwitchPort::Host(j) == from || !self.hosts[j].plugged {
                        continue;
                    }
                    if ready {
                        self.deliver_to_host(j, frame.clone());
                    } else {
                        self.agenda
                            .schedule(now + delay, Due::AtHost(j, frame.clone()));
                    }
                }
                if from != SwitchPort::Uplink {
                    to_uplink(self, frame);
                }
            }
        }
    }

    pub(super) fn deliver_to_host(&mut self, i: usize, frame: Vec<u8>) {
        if !self.hosts[i].plugged {
            self.stats.frames_lost_unplugged += 1;
            return;
        }
        if self.attached[i] {
            self.outbound.push((i, frame));
            return;
        }
        self.hosts[i].device.rx.push_back(frame);
        self.mark_host(i);
    }

    /// Polls every node touched at this instant and puts its output on the wire.
    pub(super) fn settle(&mut self) {
        let now = self.now;
        while let Some(i) = self.dirty.pop() {
            self.host_dirty[i] = false;
            if self.attached[i] {
                // The real host speaks for it; the simulated stack stays mute.
                self.hosts[i].device.tx.clear();
                continue;
            }
            self.hosts[i].poll(now);
            if self.endpoint.is_some() {
                self.saved_to_agent(i);
            }
            let mut frames = std::mem::replace(
                &mut self.hosts[i].device.tx,
                std::mem::take(&mut self.scratch),
            );
            for frame in frames.drain(..) {
                if self.hosts[i].plugged {
                    self.switch_in(SwitchPort::Host(i), frame);
                } else {
                    self.stats.frames_lost_unplugged += 1;
                }
            }
            self.scratch = frames;
            if let Some(at) = self.hosts[i].poll_at(now) {
                let at = self.after_poll(at);
                if self.host_wake[i].is_none_or(|w| at < w) {
                    self.host_wake[i] = Some(at);
                    self.agenda.schedule(at, Due::WakeHost(i));
                }
            }
        }
        if self.internet_dirty {
            self.internet_dirty = false;
            self.internet.poll(now);
            let mut frames = std::mem::replace(
                &mut self.internet.device.tx,
                std::mem::take(&mut self.scratch),
            );
            for frame in frames.drain(..) {
                self.on_link(LinkId::Wan, &frame);
                self.agenda
                    .schedule(now + WAN_LATENCY, Due::AtGateway(Port::Wan, frame));
            }
            self.scratch = frames;
            if let Some(at) = self.internet.poll_at(now) {
                let at = self.after_poll(at);
                if self.internet_wake.is_none_or(|w| at < w) {
                    self.internet_wake = Some(at);
                    self.agenda.schedule(at, Due::WakeInternet);
                }
            }
        }
    }
}

/// The IPv4 source address of an Ethernet frame, if it carries IPv4.
fn ipv4_source(frame: &[u8]) -> Option<Ipv4Addr> {
    if frame.get(12..14)? != [0x08, 0x00] {
        return None;
    }
    let s = frame.get(26..30)?;
    Some(Ipv4Addr::new(s[0], s[1], s[2], s[3]))
}
