//! Turning a detection into what leaves the gateway: the log [`Event`] and
//! the immediate [`Alert`] mail to the support desk.
//!
//! The alert follows the service's FAQ (Q7): C&C detections are reported at
//! once, and the desk's first steps are always the same (find the PC by its
//! IP, unplug it from the LAN, scan it), so the mail says them.

use super::Detection;
use crate::alert::Alert;
use crate::config::Config;
use crate::event::Event;
use crate::time::Instant;
use std::net::Ipv4Addr;

/// Where the detected traffic came from and went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parties {
    pub src_ip: Ipv4Addr,
    pub src_mac: String,
    pub dst_ip: Ipv4Addr,
    pub dst_port: u16,
}

/// The log event for a detection.
pub fn event(now: Instant, detection: &Detection, parties: &Parties) -> Event {
    Event {
        time: now,
        engine: detection.engine,
        action: detection.action,
        src_ip: parties.src_ip,
        src_mac: parties.src_mac.clone(),
        dst_ip: parties.dst_ip,
        dst_port: parties.dst_port,
        host: detection.host.clone(),
        url: detection.url.clone(),
        reasons: detection.reasons.clone(),
    }
}

/// The immediate alert mail for a C&C detection.
pub fn cnc_alert(config: &Config, event: &Event, threat: &str) -> Alert {
    let target = event
        .url
        .clone()
        .or_else(|| event.host.clone())
        .unwrap_or_else(|| format!("{}:{}", event.dst_ip, event.dst_port));
    let verb = match event.action {
        crate::event::Action::Monitor => "記録しました(ブロックはしていません)",
        _ => "ブロックしました",
    };
    let body = format!(
        "お客さまのネットワークで、C&Cサーバ(攻撃者の指令サーバ)への通信を検知し、{verb}。\n\
         ウイルスに感染した端末が外部と通信しようとしている可能性があります。\n\
         \n\
         ■検知内容\n\
         ・機器名: {gateway}\n\
         ・検知日時: {time} (JST)\n\
         ・送信元IPアドレス: {src_ip}\n\
         ・送信元MACアドレス: {src_mac}\n\
         ・宛先: {dst_ip}:{dst_port}\n\
         ・URL: {target}\n\
         ・脅威: {threat}\n\
         ・理由: {reason}\n\
         \n\
         ■お願いしたい対応\n\
         1. 送信元IPアドレス {src_ip} (MACアドレス {src_mac}) の端末を特定してください。\n\
         2. その端末のLANケーブルを抜く、またはWi-Fiを切断して、ネットワークから切り離してください。\n\
         3. ウイルス対策ソフトで端末のフルスキャンを実行してください。\n\
         ご不明な点はサポートセンターまでお問い合わせください。\n",
        gateway = config.name,
        time = event.time.jst_string(),
        src_ip = event.src_ip,
        src_mac = event.src_mac,
        dst_ip = event.dst_ip,
        dst_port = event.dst_port,
        reason = event.reason(),
    );
    Alert {
        time: event.time,
        from: config.alerts.from.clone(),
        to: config.alerts.to.clone(),
        subject: format!("【緊急】C&Cサーバへの通信を検知しました ({})", event.src_ip),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Action, Engine};
    use crate::reason::{Indicator, Reason};

    #[test]
    fn alert_names_everything_the_desk_needs() {
        let detection = Detection {
            engine: Engine::Cnc,
            action: Action::Block,
            reasons: vec![
                Reason::CncList,
                Reason::Indicator {
                    indicator: Indicator::Domain("xxxsiebabanahujtr.org".into()),
                },
            ],
            threat: "CnC.Win32.Test".into(),
            host: Some("xxxsiebabanahujtr.org".into()),
            url: Some("http://xxxsiebabanahujtr.org/login.asp".into()),
        };
        let parties = Parties {
            src_ip: Ipv4Addr::new(192, 168, 1, 11),
            src_mac: "00:11:22:33:44:55".into(),
            dst_ip: Ipv4Addr::new(203, 0, 113, 66),
            dst_port: 80,
        };
        let ev = event(Instant::from_secs(1_506_388_185), &detection, &parties);
        let config = Config {
            name: "CloudEdge50-printshop".into(),
            ..Config::default()
        };
        let alert = cnc_alert(&config, &ev, &detection.threat);
        assert_eq!(
            alert.subject,
            "【緊急】C&Cサーバへの通信を検知しました (192.168.1.11)"
        );
        for needle in [
            "CloudEdge50-printshop",
            "2017-09-26 10:09:45",
            "192.168.1.11",
            "00:11:22:33:44:55",
            "http://xxxsiebabanahujtr.org/login.asp",
            "CnC.Win32.Test",
            "LANケーブルを抜く",
            "フルスキャン",
        ] {
            assert!(alert.body.contains(needle), "missing {needle}");
        }
        assert_eq!(alert.to, config.alerts.to);
    }
}
