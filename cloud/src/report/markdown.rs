//! The report as Markdown: what the golden files hold and the mail's text.
//!
//! Plain tables and lists, no charts: a reviewer reads the numbers in a diff.

use super::{
    AccessSection, HostSection, KeySection, MonthlyReport, coverage_warnings, percent,
    rating_lines, thousands,
};
use crate::labels::{self, Lang, key_name, t, tf};
use appliance::Engine;
use std::fmt::Write;

/// Renders `report` in `lang`.
pub fn render(report: &MonthlyReport, lang: Lang) -> String {
    let mut md = String::new();
    let out = &mut md;
    line(out, &format!("# {} {}", t("title", lang), report.month));
    line(out, "");
    line(
        out,
        &format!("- {}: {}", t("office", lang), report.office.name),
    );
    line(
        out,
        &format!("- {}: {}", t("gateway_box", lang), report.office.gateway),
    );
    line(
        out,
        &format!(
            "- {}: {} – {}",
            t("report_period", lang),
            report.from,
            report.to
        ),
    );
    line(
        out,
        &format!(
            "- {}",
            tf(
                "reported",
                lang,
                &[(
                    "pct",
                    percent(u64::from(report.coverage.reported_per_mille), 1000)
                )]
            )
        ),
    );
    line(out, "");
    for w in coverage_warnings(report, lang) {
        line(out, &format!("> **{w}**"));
        line(out, "");
    }
    if !report.unreadable.is_empty() {
        line(out, &format!("## {}", t("unreadable", lang)));
        line(out, "");
        line(out, t("unreadable_note", lang));
        line(out, "");
        for u in &report.unreadable {
            line(out, &format!("- `{}`: {}", u.section, u.error));
        }
        line(out, "");
    }

    for (guide, title) in super::SECTIONS {
        line(out, &format!("## {}", t(title, lang)));
        line(out, "");
        match guide {
            "summary" => summary(out, report, lang),
            "cnc" => hosts(out, &report.cnc, lang, true),
            "malicious" => {
                hosts(out, &report.malicious_sites, lang, true);
                line(out, &format!("### {}", t("sec_malicious_urls", lang)));
                line(out, "");
                sites(out, &report.malicious_urls, lang);
            }
            "categories" => keys(out, &report.blocked_categories, "category", lang),
            "policies" => {
                let mut named = report.policies.clone();
                for r in &mut named.rows {
                    r.key = labels::policy(&r.key, lang);
                }
                keys(out, &named, "policy", lang)
            }
            "policy_users" => hosts(out, &report.policy_users, lang, false),
            "security_users" => hosts(out, &report.security_users, lang, false),
            "threats" => keys(out, &report.threats, "threat", lang),
            "mail" => mail(out, &report.mail, lang),
            "daily" => daily(out, report, lang),
            "access" => {
                access(out, &report.internet_access, "category", lang);
                line(out, &format!("### {}", t("sec_sites", lang)));
                line(out, "");
                access(out, &report.top_sites, "site", lang);
            }
            _ => {}
        }
        let (read, todo) = labels::guide(guide, lang);
        line(out, &format!("**{}**", t("how_to_read", lang)));
        line(out, "");
        for r in read {
            line(out, &format!("- {r}"));
        }
        line(out, "");
        line(out, &format!("**{}**", t("what_to_do", lang)));
        line(out, "");
        for r in todo {
            line(out, &format!("- {r}"));
        }
        line(out, "");
    }
    if let Some(section) = &report.uninspected {
        uninspected(out, section, lang);
    }
    md
}

/// Mail security: detections on mail per engine and action.
fn mail(out: &mut String, section: &super::MailSection, lang: Lang) {
    if section.rows.is_empty() {
        line(out, t("empty_section", lang));
        line(out, "");
        return;
    }
    line(
        out,
        &format!(
            "| {} | {} | {} | {} |",
            t("function", lang),
            t("mail_action", lang),
            t("detections", lang),
            t("share", lang)
        ),
    );
    line(out, "|---|---|---:|---:|");
    for r in &section.rows {
        line(
            out,
            &format!(
                "| {} | {} | {} | {} |",
                labels::report_engine(r.engine, lang),
                lang.action(r.action),
                thousands(r.count),
                percent(r.count, section.total)
            ),
        );
    }
    line(out, "");
    line(
        out,
        &tf("mail_total", lang, &[("total", thousands(section.total))]),
    );
    line(out, "");
}

/// Malicious sites by site, with why (FAQ Q5).
fn sites(out: &mut String, section: &super::SiteSection, lang: Lang) {
    if section.rows.is_empty() {
        line(out, t("empty_section", lang));
        line(out, "");
        return;
    }
    line(
        out,
        &format!(
            "| {} | {} | {} | {} | {} |",
            t("rank", lang),
            t("malicious_site", lang),
            t("malicious_why", lang),
            t("detections", lang),
            t("share", lang)
        ),
    );
    line(out, "|---:|---|---|---:|---:|");
    for (i, r) in section.rows.iter().enumerate() {
        line(
            out,
            &format!(
                "| {} | {} | {} | {} | {} |",
                i + 1,
                cell(&r.site),
                cell(&super::site_why(&r.why, lang)),
                thousands(r.count),
                percent(r.count, section.total)
            ),
        );
    }
    line(out, "");
}

/// Traffic passed uninspected: only in a month that had some.
fn uninspected(out: &mut String, section: &super::UninspectedSection, lang: Lang) {
    line(out, &format!("## {}", t("sec_uninspected", lang)));
    line(out, "");
    line(
        out,
        &format!(
            "| {} | {} | {} | {} |",
            t("uninspected_why", lang),
            t("uninspected_flows", lang),
            t("uninspected_packets", lang),
            t("uninspected_bytes", lang)
        ),
    );
    line(out, "|---|---:|---:|---:|");
    for r in &section.rows {
        line(
            out,
            &format!(
                "| {} | {} | {} | {} |",
                t(&format!("uninspected_{}", r.why), lang),
                thousands(r.flows),
                thousands(r.packets),
                thousands(r.bytes)
            ),
        );
    }
    line(out, "");
    let (read, todo) = labels::guide("uninspected", lang);
    line(out, &format!("**{}**", t("how_to_read", lang)));
    line(out, "");
    for r in read {
        line(out, &format!("- {r}"));
    }
    line(out, "");
    line(out, &format!("**{}**", t("what_to_do", lang)));
    line(out, "");
    for r in todo {
        line(out, &format!("- {r}"));
    }
    line(out, "");
}

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

/// A table cell: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

fn summary(out: &mut String, report: &MonthlyReport, lang: Lang) {
    for l in rating_lines(report, lang) {
        line(out, &format!("- {l}"));
    }
    line(out, "");
    line(
        out,
        &format!("| {} | {} |", t("function", lang), t("detections", lang)),
    );
    line(out, "|---|---:|");
    for c in &report.summary.by_engine {
        line(
            out,
            &format!(
                "| {} | {} |",
                labels::report_engine(c.engine, lang),
                thousands(c.count)
            ),
        );
    }
    line(
        out,
        &format!(
            "| **{}** | **{}** |",
            t("total", lang),
            thousands(report.summary.total_detections)
        ),
    );
    line(out, "");
    line(out, &format!("{}:", t("formula", lang)));
    line(out, "");
    line(out, "```text");
    for f in crate::labels::FORMULA {
        line(out, f);
    }
    line(out, "```");
    line(out, "");
}

fn hosts(out: &mut String, section: &HostSection, lang: Lang, axes: bool) {
    if section.rows.is_empty() {
        line(out, t("empty_section", lang));
        line(out, "");
        return;
    }
    if axes {
        line(
            out,
            &format!(
                "{} / {}",
                t("x_axis_detections", lang),
                t("y_axis_users", lang)
            ),
        );
        line(out, "");
    }
    line(
        out,
        &format!(
            "| {} | {} | {} | {} | {} |",
            t("rank", lang),
            t("user_ip", lang),
            t("device", lang),
            t("detections", lang),
            t("share", lang)
        ),
    );
    line(out, "|---:|---|---|---:|---:|");
    for (i, r) in section.rows.iter().enumerate() {
        line(
            out,
            &format!(
                "| {} | {} | {} | {} | {} |",
                i + 1,
                r.ip,
                cell(r.name.as_deref().unwrap_or("-")),
                thousands(r.count),
                percent(r.count, section.total)
            ),
        );
    }
    line(out, "");
    line(
        out,
        &tf(
            "shown_of",
            lang,
            &[
                ("shown", section.rows.len().to_string()),
                ("keys", thousands(section.hosts)),
                ("total", thousands(section.total)),
            ],
        ),
    );
    line(out, "");
}

fn keys(out: &mut String, section: &KeySection, key: &str, lang: Lang) {
    if section.rows.is_empty() {
        line(out, t("empty_section", lang));
        line(out, "");
        return;
    }
    line(
        out,
        &format!(
            "| {} | {} | {} | {} |",
            t("rank", lang),
            t(key, lang),
            t("detections", lang),
            t("share", lang)
        ),
    );
    line(out, "|---:|---|---:|---:|");
    for (i, r) in section.rows.iter().enumerate() {
        line(
            out,
            &format!(
                "| {} | {} | {} | {} |",
                i + 1,
                cell(&key_name(&r.key, key, lang)),
                thousands(r.count),
                percent(r.count, section.total)
            ),
        );
    }
    line(out, "");
    line(
        out,
        &tf(
            "shown_of",
            lang,
            &[
                ("shown", section.rows.len().to_string()),
                ("keys", thousands(section.keys)),
                ("total", thousands(section.total)),
            ],
        ),
    );
    line(out, "");
}

/// The engines that have detections this month, glossary order.
pub(super) fn engines_present(report: &MonthlyReport) -> Vec<Engine> {
    report.summary.by_engine.iter().map(|c| c.engine).collect()
}

fn daily(out: &mut String, report: &MonthlyReport, lang: Lang) {
    let engines = engines_present(report);
    let mut head = format!("| {} | {} |", t("day", lang), t("uptime", lang));
    let mut rule = "|---|---|".to_string();
    for e in &engines {
        let _ = write!(head, " {} |", labels::report_engine(*e, lang));
        rule.push_str("---:|");
    }
    let _ = write!(head, " {} |", t("total", lang));
    rule.push_str("---:|");
    line(out, &head);
    line(out, &rule);
    for d in &report.daily {
        let mut row = format!("| {} | {} |", d.day, t(d.status.label_key(), lang));
        for e in &engines {
            let n = d
                .by_engine
                .iter()
                .find(|c| c.engine == *e)
                .map(|c| c.count)
                .unwrap_or(0);
            let _ = write!(row, " {} |", thousands(n));
        }
        let _ = write!(row, " {} |", thousands(d.total));
        line(out, &row);
    }
    line(out, "");
}

fn access(out: &mut String, section: &AccessSection, key: &str, lang: Lang) {
    if section.rows.is_empty() {
        line(out, t("empty_access", lang));
        line(out, "");
        return;
    }
    line(
        out,
        &format!(
            "| {} | {} | {} | {} | {} |",
            t("rank", lang),
            t(key, lang),
            t("requests", lang),
            t("share", lang),
            t("bytes_sent", lang)
        ),
    );
    line(out, "|---:|---|---:|---:|---:|");
    for (i, r) in section.rows.iter().enumerate() {
        let name = r
            .key
            .as_deref()
            .map(|k| cell(&key_name(k, key, lang)))
            .unwrap_or_else(|| t("uncategorised", lang).to_string());
        line(
            out,
            &format!(
                "| {} | {} | {} | {} | {} |",
                i + 1,
                name,
                thousands(r.requests),
                percent(r.requests, section.total_requests),
                thousands(r.bytes)
            ),
        );
    }
    line(out, "");
    line(
        out,
        &tf(
            "access_total",
            lang,
            &[
                ("requests", thousands(section.total_requests)),
                ("bytes", thousands(section.total_bytes)),
                ("keys", thousands(section.keys)),
            ],
        ),
    );
    line(out, "");
}
