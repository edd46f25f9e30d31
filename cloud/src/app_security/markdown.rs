//! The Cloud App Security report as Markdown: the mail's text part and what
//! golden files hold; plain tables in the seed's columns.

use super::report::{AppSecurityReport, Section, percent_text};
use super::{Detection, Protection, words};
use crate::labels::{Lang, app_security_guide, app_security_notes, t, tf};
use crate::report::thousands;

/// Renders `report` in `lang`.
pub fn render(report: &AppSecurityReport, lang: Lang) -> String {
    let mut md = Md(String::new());
    md.line(&format!("# {}", words::title(report, lang)));
    md.line("");
    md.line(&format!(
        "- {}: {}",
        t("cas_office", lang),
        report.office.name
    ));
    md.line(&format!(
        "- {}: {} – {}",
        t("cas_period", lang),
        report.from,
        report.to
    ));
    md.line("");
    if !report.unreadable.is_empty() {
        md.line(&format!("> **{}**", t("cas_unreadable", lang)));
        for u in &report.unreadable {
            md.line(&format!("> - {}: {}", u.section, u.error));
        }
        md.line("");
    }
    md.line(t("cas_contents", lang));
    md.line("");
    md.line(&format!(
        "| {} | {} |",
        t("cas_contents_title", lang),
        t("cas_contents_desc", lang)
    ));
    md.line("|---|---|");
    for key in words::section_keys() {
        md.line(&format!(
            "| {} | {} |",
            words::section_title(key, lang),
            words::description(key, lang)
        ));
    }
    md.line("");
    overview(&mut md, report, lang);
    for s in &report.sections {
        section(&mut md, s, lang);
    }
    md.line(&format!("## {}", t("cas_notes", lang)));
    md.line("");
    for n in app_security_notes(lang) {
        md.line(&format!("- {n}"));
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
        self.guide_read(section, lang);
        self.guide_todo(section, lang);
    }

    /// 【読み解き方】
    fn guide_read(&mut self, section: &str, lang: Lang) {
        let g = app_security_guide(section, lang);
        if !g.read.is_empty() {
            self.line(&format!("**{}**", t("cas_how_to_read", lang)));
            self.line("");
            for l in g.read {
                self.line(&format!("- {l}"));
            }
            self.line("");
        }
    }

    /// 【確認・実施事項】
    fn guide_todo(&mut self, section: &str, lang: Lang) {
        let g = app_security_guide(section, lang);
        if !g.todo.is_empty() {
            let head = if g.examples {
                "cas_what_to_do_examples"
            } else {
                "cas_what_to_do"
            };
            self.line(&format!("**{}**", t(head, lang)));
            self.line("");
            if !g.lead.is_empty() {
                self.line(g.lead);
                self.line("");
            }
            for (heading, text) in g.todo {
                if heading.is_empty() {
                    self.line(&format!("- {text}"));
                } else {
                    self.line(&format!("- **{heading}** {text}"));
                }
            }
            self.line("");
        }
    }
}

/// A table cell: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

fn overview(md: &mut Md, r: &AppSecurityReport, lang: Lang) {
    let o = &r.overview;
    md.line(&format!("## {}", t("cas_sec_overview", lang)));
    md.line("");
    md.line(&words::description("overview", lang));
    md.line("");
    md.line(&format!("### {}", t("cas_overview_table", lang)));
    md.line("");
    md.line(&format!(
        "| {} | {} | {} |",
        t("cas_application", lang),
        words::protection(Protection::AdvancedThreat, lang),
        words::protection(Protection::DataLoss, lang)
    ));
    md.line("|---|---:|---:|");
    for a in &o.applications {
        md.line(&format!(
            "| {} | {} | {} |",
            words::application(a.application, lang),
            thousands(a.advanced_threat),
            thousands(a.data_loss)
        ));
    }
    md.line(&format!(
        "| {} | {} | {} |",
        t("cas_total", lang),
        thousands(o.advanced_threat),
        thousands(o.data_loss)
    ));
    md.line("");
    md.guide("overview", lang);
}

fn section(md: &mut Md, s: &Section, lang: Lang) {
    let d = s.detection;
    md.line(&format!("## {}", words::detection(d, lang)));
    md.line("");
    md.line(&words::description(d.code(), lang));
    md.line("");
    md.line(&format!(
        "{}: {}",
        t("cas_section_total", lang),
        tf("cas_count_unit", lang, &[("count", thousands(s.total))])
    ));
    md.line("");
    md.line(&format!("### {}", t("cas_top_users", lang)));
    md.line("");
    if s.top_users.is_empty() {
        md.line(t("cas_none", lang));
        md.line("");
    } else {
        let places = d == Detection::DataLoss;
        if places {
            md.line(&format!(
                "| {} | {} | {} | {} |",
                t("cas_user", lang),
                t("cas_detections", lang),
                t("cas_share", lang),
                t("cas_places", lang)
            ));
            md.line("|---|---:|---:|---|");
        } else {
            md.line(&format!(
                "| {} | {} | {} |",
                t("cas_user", lang),
                t("cas_detections", lang),
                t("cas_share", lang)
            ));
            md.line("|---|---:|---:|");
        }
        for u in &s.top_users {
            let mut row = format!(
                "| {} | {} | {} |",
                cell(&u.user),
                thousands(u.count),
                percent_text(u.tenths)
            );
            if let Some(p) = &u.places {
                row.push_str(&format!(" {} |", words::places_cell(p, lang)));
            }
            md.line(&row);
        }
        md.line("");
        md.line(&words::users_shown(s, lang));
        md.line("");
        for n in words::NOTES {
            md.line(&format!("- {}", t(n, lang)));
        }
        md.line("");
    }
    places_and_actions(md, s, lang);
    // The seed's order: 【読み解き方】, then (仮想アナライザ(2)) the
    // risk-level table it points to, then 【確認・実施事項】.
    md.guide_read(d.code(), lang);
    if let Some(levels) = &s.risk_levels {
        md.line(&format!("### {}", t("cas_risk_table", lang)));
        md.line("");
        md.line(&format!(
            "| {} | {} | {} |",
            t("cas_risk", lang),
            t("cas_risk_desc", lang),
            t("cas_risk_month", lang)
        ));
        md.line("|---|---|---:|");
        for l in levels {
            md.line(&format!(
                "| {} | {} | {} |",
                words::risk(l.risk, lang),
                words::risk_description(l.risk, lang),
                thousands(l.count)
            ));
        }
        md.line("");
    }
    md.guide_todo(d.code(), lang);
}

/// The data-loss section's places, then what was done and what was left.
fn places_and_actions(md: &mut Md, s: &Section, lang: Lang) {
    let d = s.detection;
    if let Some(p) = &s.places {
        md.line(&format!("### {}", t("cas_places", lang)));
        md.line("");
        md.line(&format!(
            "| {} | {} |",
            t("cas_places", lang),
            t("cas_detections", lang)
        ));
        md.line("|---|---:|");
        for (name, n) in words::place_rows(p, lang) {
            md.line(&format!("| {name} | {} |", thousands(n)));
        }
        md.line("");
        if s.total > 0 {
            md.line(t("cas_places_see", lang));
            md.line("");
        }
    }
    md.line(&format!("### {}", t("cas_actions", lang)));
    md.line("");
    md.line(&format!(
        "| {} | {} |",
        t("cas_action", lang),
        t("cas_detections", lang)
    ));
    md.line("|---|---:|");
    for a in &s.actions {
        md.line(&format!(
            "| {} | {} |",
            words::action(a.action, lang),
            thousands(a.count)
        ));
    }
    md.line("");
    if s.total > 0 {
        md.line(&words::left_sentence(s, lang));
        md.line("");
    }
    if !s.left.is_empty() {
        md.line(&format!("#### {}", words::left_title(d, lang)));
        md.line("");
        md.line(&format!(
            "| {} | {} | {} | {} | {} | {} |",
            t("cas_time", lang),
            t("cas_application", lang),
            t("cas_user", lang),
            t("cas_object", lang),
            t("cas_name", lang),
            t("cas_threat", lang)
        ));
        md.line("|---|---|---|---|---|---|");
        for l in &s.left {
            md.line(&format!(
                "| {} | {} | {} | {} | {} | {} |",
                l.at,
                words::application(l.application, lang),
                cell(&l.user),
                words::object(l.object, lang),
                cell(&l.name),
                cell(&l.threat)
            ));
        }
        md.line("");
        let more = s.left_in_place.saturating_sub(s.left.len() as u64);
        if more > 0 {
            md.line(&tf("cas_left_more", lang, &[("more", thousands(more))]));
            md.line("");
        }
    }
}
