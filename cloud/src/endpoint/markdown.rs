//! The endpoint report as Markdown: the mail's text part and what golden
//! files hold; plain tables, trends as day tables.

use super::report::{DayCount, EndpointReport, FeatureSection, ranked};
use super::store::Top;
use super::words;
use crate::labels::{Lang, endpoint_guide, t, tf};
use crate::report::thousands;

/// Renders `report` in `lang`.
pub fn render(report: &EndpointReport, lang: Lang) -> String {
    let mut md = Md(String::new());
    md.line(&format!("# {}", words::title(report, lang)));
    md.line("");
    md.line(&format!(
        "- {}: {}",
        t("ep_office", lang),
        report.office.name
    ));
    md.line(&format!(
        "- {}: {}",
        t("ep_licence", lang),
        words::product(report.licence.product, lang)
    ));
    md.line(&format!(
        "- {}: {} – {}",
        t("ep_period", lang),
        report.from,
        report.to
    ));
    md.line("");
    if !report.unreadable.is_empty() {
        md.line(&format!("> **{}**", t("ep_unreadable", lang)));
        for u in &report.unreadable {
            md.line(&format!("> - {}: {}", u.section, u.error));
        }
        md.line("");
    }
    overview(&mut md, report, lang);
    for s in &report.sections {
        section(&mut md, s, lang);
    }
    match &report.edr {
        None => {
            md.line(&format!("## {}", t("ep_title_edr", lang)));
            md.line("");
            md.line(t("ep_no_edr", lang));
            md.line("");
        }
        Some(edr) => {
            md.line(&format!("## {}", t("ep_title_edr", lang)));
            md.line("");
            md.guide("edr_intro", lang);
            md.line(&format!("### {}", t("ep_edr_suspicious", lang)));
            md.line("");
            let s = &edr.suspicious;
            md.line(&format!("#### {}", t("ep_edr_trend", lang)));
            md.line("");
            md.guide("edr_trend", lang);
            md.line(&format!(
                "{}: {}",
                t("ep_item_total", lang),
                tf("ep_count_unit", lang, &[("count", thousands(s.total))])
            ));
            md.line("");
            md.trend(&s.daily, t("ep_detections", lang), lang);
            md.line(&format!("#### {}", t("ep_edr_top_objects", lang)));
            md.line("");
            md.guide("edr_top_objects", lang);
            md.top(&s.top_objects, t("ep_object", lang), lang, |k| {
                k.to_string()
            });
            md.line(&format!("#### {}", t("ep_edr_top_endpoints", lang)));
            md.line("");
            md.guide("edr_top_endpoints", lang);
            md.top(&s.top_endpoints, t("ep_endpoint", lang), lang, |k| {
                k.to_string()
            });
            md.line(&format!("#### {}", t("ep_edr_status", lang)));
            md.line("");
            md.guide("edr_status", lang);
            md.line(&format!(
                "| {} | {} |",
                t("ep_status", lang),
                t("ep_detections", lang)
            ));
            md.line("|---|---:|");
            for c in &s.statuses {
                md.line(&format!(
                    "| {} | {} |",
                    words::status(c.status, lang),
                    thousands(c.count)
                ));
            }
            md.line("");
            md.line(&format!("#### {}", t("ep_edr_objects", lang)));
            md.line("");
            md.guide("edr_objects", lang);
            if s.objects.is_empty() {
                md.line(t("ep_none", lang));
            } else {
                md.line(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    t("ep_object", lang),
                    t("ep_threat", lang),
                    t("ep_endpoint", lang),
                    t("ep_result", lang),
                    t("ep_status", lang),
                    t("ep_detections", lang),
                    t("ep_first_seen", lang)
                ));
                md.line("|---|---|---|---|---|---:|---|");
                for o in &s.objects {
                    md.line(&format!(
                        "| {} | {} | {} | {} | {} | {} | {} |",
                        cell(&o.object),
                        cell(&o.threat),
                        cell(&o.endpoint),
                        words::action(o.action, lang),
                        words::status(o.status, lang),
                        thousands(o.count),
                        o.first
                    ));
                }
                let more = s.objects_total.saturating_sub(s.objects.len() as u64);
                if more > 0 {
                    md.line("");
                    md.line(&tf("ep_objects_more", lang, &[("more", thousands(more))]));
                }
            }
            md.line("");
            let p = &edr.protection;
            md.line(&format!("### {}", t("ep_edr_protection", lang)));
            md.line("");
            md.line(&format!("#### {}", t("ep_edr_offline", lang)));
            md.line("");
            md.guide("edr_offline", lang);
            md.line(&words::names_or(
                &p.offline_last,
                "ep_offline_last",
                "ep_no_offline",
                lang,
            ));
            md.line("");
            md.trend(&p.offline_daily, t("ep_agents", lang), lang);
            md.line(&format!("#### {}", t("ep_edr_outdated", lang)));
            md.line("");
            md.guide("edr_outdated", lang);
            md.trend(&p.outdated_daily, t("ep_agents", lang), lang);
            md.line(&format!("#### {}", t("ep_edr_unsupported", lang)));
            md.line("");
            md.guide("edr_unsupported", lang);
            md.line(&format!(
                "{}: {}",
                t("ep_agents", lang),
                p.unsupported.len()
            ));
            md.line("");
            if !p.unsupported.is_empty() {
                md.line(&format!(
                    "| {} | {} |",
                    t("ep_endpoint", lang),
                    t("ep_os", lang)
                ));
                md.line("|---|---|");
                for u in &p.unsupported {
                    md.line(&format!("| {} | {} |", cell(&u.endpoint), cell(&u.os)));
                }
                md.line("");
            }
            md.line(&format!("### {}", t("ep_edr_settings", lang)));
            md.line("");
            for off in &edr.settings {
                md.line(&format!(
                    "#### {}",
                    t(&format!("ep_prot_{}", off.protection), lang)
                ));
                md.line("");
                md.guide(&format!("prot_{}", off.protection), lang);
                md.line(&words::names_or(
                    &off.endpoints,
                    "ep_prot_off",
                    "ep_all_endpoints_on",
                    lang,
                ));
                md.line("");
            }
            md.line(&format!("### {}", t("ep_edr_mail", lang)));
            md.line("");
            for m in &edr.mail {
                md.line(&format!("#### {}", t(&format!("ep_mail_{}", m.item), lang)));
                md.line("");
                md.line(t(&format!("ep_mail_desc_{}", m.item), lang));
                md.line("");
                md.line(t("ep_not_provided", lang));
                md.line("");
            }
        }
    }
    md.0
}

struct Md(String);

impl Md {
    fn line(&mut self, text: &str) {
        self.0.push_str(text);
        self.0.push('\n');
    }

    fn guide(&mut self, section: &str, lang: Lang) {
        let (read, todo) = endpoint_guide(section, lang);
        if !read.is_empty() {
            self.line(&format!("**{}**", t("how_to_read", lang)));
            self.line("");
            for l in read {
                self.line(&format!("- {l}"));
            }
            self.line("");
        }
        if !todo.is_empty() {
            self.line(&format!("**{}**", t("what_to_do", lang)));
            self.line("");
            for l in todo {
                self.line(&format!("- {l}"));
            }
            self.line("");
        }
    }

    fn top(&mut self, top: &Top, column: &str, lang: Lang, name: impl Fn(&str) -> String) {
        if top.rows.is_empty() {
            self.line(t("ep_none", lang));
            self.line("");
            return;
        }
        self.line(&format!(
            "| {} | {} | {} |",
            t("ep_rank", lang),
            column,
            t("ep_detections", lang)
        ));
        self.line("|---:|---|---:|");
        for (rank, c) in ranked(top) {
            self.line(&format!(
                "| {rank} | {} | {} |",
                cell(&name(&c.key)),
                thousands(c.count)
            ));
        }
        self.line("");
        self.line(&tf(
            "ep_shown_of",
            lang,
            &[
                ("shown", top.rows.len().to_string()),
                ("keys", thousands(top.keys)),
                ("total", thousands(top.total)),
            ],
        ));
        self.line("");
    }

    /// A trend as a table of the days that have a count other than 0, or
    /// no data (a month of zeros says so in one line).
    fn trend(&mut self, days: &[DayCount], column: &str, lang: Lang) {
        let shown: Vec<&DayCount> = days.iter().filter(|d| d.count != Some(0)).collect();
        if shown.is_empty() {
            self.line(t("ep_none", lang));
            self.line("");
            return;
        }
        self.line(&format!("| {} | {} |", t("ep_day", lang), column));
        self.line("|---|---:|");
        for d in shown {
            let n = d
                .count
                .map_or_else(|| t("ep_no_data", lang).to_string(), thousands);
            self.line(&format!("| {} | {n} |", d.day));
        }
        self.line("");
    }
}

/// A table cell: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

fn overview(md: &mut Md, r: &EndpointReport, lang: Lang) {
    let o = &r.overview;
    md.line(&format!("## {}", t("ep_sec_overview", lang)));
    md.line("");
    md.guide("overview", lang);
    md.line(&format!("### {}", t("ep_overview_product", lang)));
    md.line("");
    md.line(&format!(
        "- {}: {}",
        t("ep_licence", lang),
        words::product(r.licence.product, lang)
    ));
    for p in &o.programs {
        md.line(&format!("- {}: {}", t("ep_program", lang), p));
    }
    for p in &o.patterns {
        md.line(&format!(
            "- {}: {} ({} {}, {} {})",
            t("ep_pattern", lang),
            p.version,
            t("ep_pattern_date", lang),
            p.date,
            t("ep_agents", lang),
            p.agents
        ));
    }
    md.line("");
    md.line(&format!("### {}", t("ep_overview_agents", lang)));
    md.line("");
    md.line(&format!("- {}", words::installed(r, lang)));
    md.line(&format!("- {}", words::licence_used(r, lang)));
    md.line("");
    md.line(&format!("### {}", t("ep_overview_detections", lang)));
    md.line("");
    md.line(&format!(
        "| {} | {} | {} | {} |",
        t("ep_function", lang),
        t("ep_this_month", lang),
        t("ep_previous_month", lang),
        t("ep_change", lang)
    ));
    md.line("|---|---:|---:|---:|");
    for c in &o.detections {
        md.line(&format!(
            "| {} | {} | {} | {} |",
            words::feature(c.feature, lang),
            thousands(c.this_month),
            thousands(c.previous_month),
            words::change_cell(c)
        ));
    }
    md.line("");
    for c in &o.detections {
        md.line(&format!("- {}", words::change(c, lang)));
    }
    md.line("");
}

fn section(md: &mut Md, s: &FeatureSection, lang: Lang) {
    let f = s.feature;
    md.line(&format!("## {}", words::feature(f, lang)));
    md.line("");
    md.guide(f.code(), lang);
    let mut n = 0;
    let mut item = |md: &mut Md, title: &str| {
        n += 1;
        md.line(&format!("### {n}. {title}"));
        md.line("");
    };
    item(md, t("ep_item_total", lang));
    md.line(&tf("ep_count_unit", lang, &[("count", thousands(s.total))]));
    md.line("");
    item(md, &words::endpoints_item(f, lang));
    md.top(&s.top_endpoints, t("ep_endpoint", lang), lang, |k| {
        k.to_string()
    });
    if let Some(servers) = &s.top_servers {
        item(md, t("ep_item_top_servers", lang));
        md.top(servers, t("ep_server", lang), lang, |k| k.to_string());
    }
    item(md, t("ep_item_trend", lang));
    md.trend(&s.daily, t("ep_detections", lang), lang);
    if let Some(actions) = &s.actions {
        item(md, t("ep_item_actions", lang));
        md.line(&format!(
            "| {} | {} |",
            t("ep_result", lang),
            t("ep_detections", lang)
        ));
        md.line("|---|---:|");
        for a in actions {
            md.line(&format!(
                "| {} | {} |",
                words::action(a.action, lang),
                thousands(a.count)
            ));
        }
        md.line("");
        md.line(&format!("{}:", t("ep_action_legend", lang)));
        md.line("");
        for a in actions {
            if let Some(desc) = words::action_desc(a.action, lang) {
                md.line(&format!("- {}: {desc}", words::action(a.action, lang)));
            }
        }
        md.line("");
    }
    if let Some(names) = &s.top_names {
        let (title, column) = words::names_item(f, lang);
        item(md, &title);
        md.top(names, &column, lang, |k| words::name(f, k, lang));
    }
}
