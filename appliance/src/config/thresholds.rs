//! Every numeric threshold of the gateway's configuration with its allowed
//! range, checked in one place before a configuration reaches a gateway.
//!
//! Zero is the usual trap: `dos.syn_pps: 0` made every SYN a flood and
//! `scan.ports: 0` every connection a scan, so the gateway blocked all
//! traffic. Each range's lower end is the smallest value that still means
//! what the setting says; the upper end is far beyond any real office.

use super::Config;

/// One threshold as configured, with its allowed range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// Its YAML path within the gateway section, e.g. `dos.syn_pps`.
    pub path: &'static str,
    pub value: u64,
    pub min: u64,
    pub max: u64,
    /// The unit, for the message: "packets per second".
    pub unit: &'static str,
}

/// A threshold out of its range: where (its path) and the range allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ThresholdError {
    pub path: String,
    pub message: String,
}

const DAY: u64 = 86_400;

/// Every threshold of `config`, in the order of the configuration.
pub fn thresholds(config: &Config) -> Vec<Threshold> {
    let t = |path, value: u64, min, max, unit| Threshold {
        path,
        value,
        min,
        max,
        unit,
    };
    let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    let pps = "packets per second";
    vec![
        t("dos.syn_pps", config.dos.syn_pps.into(), 1, 10_000_000, pps),
        t("dos.udp_pps", config.dos.udp_pps.into(), 1, 10_000_000, pps),
        t(
            "dos.icmp_pps",
            config.dos.icmp_pps.into(),
            1,
            10_000_000,
            pps,
        ),
        t(
            "dos.quiet_secs",
            config.dos.quiet_secs.into(),
            1,
            DAY,
            "seconds",
        ),
        t(
            "scan.window_secs",
            config.scan.window_secs,
            1,
            DAY,
            "seconds",
        ),
        // `n` distinct ports (hosts) make a scan (sweep): 1 would make every
        // connection one.
        t(
            "scan.ports",
            n(config.scan.ports),
            2,
            65_535,
            "distinct ports",
        ),
        t(
            "scan.hosts",
            n(config.scan.hosts),
            2,
            65_536,
            "distinct hosts",
        ),
        t(
            "flow_table.max_flows",
            n(config.flow_table.max_flows),
            1,
            1 << 20,
            "flows",
        ),
        t(
            "callback_host.max_events",
            n(config.callback_host.max_events),
            1,
            1_000_000,
            "events",
        ),
        t(
            "callback_host.window_secs",
            config.callback_host.window_secs,
            1,
            31 * DAY,
            "seconds",
        ),
        t(
            "anti_malware.ml_threshold",
            config.anti_malware.ml_threshold.into(),
            1,
            1_000,
            "points",
        ),
        t(
            "mail.max_message_bytes",
            n(config.mail.max_message_bytes),
            1024,
            1 << 30,
            "bytes",
        ),
        // A pair needs an hour to show a schedule; the ring keeps 256
        // check-ins, so a window past a week only thins them out.
        t(
            "beacon.window_secs",
            config.beacon.window_secs,
            3600,
            7 * DAY,
            "seconds",
        ),
        // Three intervals are the fewest a quartile is taken of; more than
        // the ring holds would never be reached.
        t(
            "beacon.min_connections",
            n(config.beacon.min_connections),
            3,
            n(super::beacon::MAX_CHECK_INS),
            "check-ins",
        ),
        // Below a small request's reply every pair would count as content.
        t(
            "beacon.content_bytes",
            config.beacon.content_bytes.into(),
            64,
            1 << 24,
            "bytes",
        ),
        t(
            "devices.log_hold_down_secs",
            config.devices.log_hold_down_secs,
            0,
            DAY,
            "seconds",
        ),
    ]
}

/// The first threshold of `config` out of its range.
pub fn check_thresholds(config: &Config) -> Result<(), ThresholdError> {
    match thresholds(config)
        .into_iter()
        .find(|t| !(t.min..=t.max).contains(&t.value))
    {
        None => Ok(()),
        Some(t) => Err(ThresholdError {
            path: t.path.to_string(),
            message: format!(
                "`{}: {}` is out of range: allowed {}..={} {}",
                t.path, t.value, t.min, t.max, t.unit
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_is_in_range() {
        assert_eq!(check_thresholds(&Config::default()), Ok(()));
    }

    /// Class: a threshold of zero (or below its meaningful minimum) that made
    /// the gateway block everything. Each threshold in turn, set to its
    /// minimum minus one and to its maximum plus one, is refused by path
    /// with its range; at its bounds it passes.
    #[test]
    fn zero_thresholds_dos_syn_pps_and_scan_ports_are_refused_with_their_range() {
        let mut c = Config::default();
        c.dos.syn_pps = 0;
        let e = check_thresholds(&c).expect_err("refused");
        assert_eq!(e.path, "dos.syn_pps");
        assert!(
            e.message
                .contains("allowed 1..=10000000 packets per second"),
            "{e}"
        );
        let mut c = Config::default();
        c.scan.ports = 0;
        assert_eq!(
            check_thresholds(&c).expect_err("refused").path,
            "scan.ports"
        );
    }

    fn set(c: &mut Config, path: &str, v: u64) {
        let u = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        let w = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        match path {
            "dos.syn_pps" => c.dos.syn_pps = w(v),
            "dos.udp_pps" => c.dos.udp_pps = w(v),
            "dos.icmp_pps" => c.dos.icmp_pps = w(v),
            "dos.quiet_secs" => c.dos.quiet_secs = w(v),
            "scan.window_secs" => c.scan.window_secs = v,
            "scan.ports" => c.scan.ports = u(v),
            "scan.hosts" => c.scan.hosts = u(v),
            "flow_table.max_flows" => c.flow_table.max_flows = u(v),
            "callback_host.max_events" => c.callback_host.max_events = u(v),
            "callback_host.window_secs" => c.callback_host.window_secs = v,
            "anti_malware.ml_threshold" => c.anti_malware.ml_threshold = w(v),
            "mail.max_message_bytes" => c.mail.max_message_bytes = u(v),
            "beacon.window_secs" => c.beacon.window_secs = v,
            "beacon.min_connections" => c.beacon.min_connections = u(v),
            "beacon.content_bytes" => c.beacon.content_bytes = w(v),
            "devices.log_hold_down_secs" => c.devices.log_hold_down_secs = v,
            other => panic!("no setter for {other}"),
        }
    }

    #[test]
    fn every_threshold_is_checked_at_both_ends() {
        for t in thresholds(&Config::default()) {
            for (v, ok) in [(t.min, true), (t.max, true), (t.max + 1, false)]
                .into_iter()
                .chain(t.min.checked_sub(1).map(|v| (v, false)))
            {
                let mut c = Config::default();
                set(&mut c, t.path, v);
                // The setter reached the field the path names.
                let now = thresholds(&c)
                    .into_iter()
                    .find(|x| x.path == t.path)
                    .map(|x| x.value);
                if now != Some(v) {
                    // A value the field's type cannot hold is refused by serde.
                    continue;
                }
                match check_thresholds(&c) {
                    Ok(()) => assert!(ok, "{} = {v} passed", t.path),
                    Err(e) => {
                        assert!(!ok, "{} = {v} refused: {e}", t.path);
                        assert_eq!(e.path, t.path);
                        assert!(e.message.contains(&format!("{}..={}", t.min, t.max)), "{e}");
                    }
                }
            }
        }
    }
}
