//! The Cloud App Security report as one self-contained HTML page: no
//! scripts, no external files (it opens from the mail's attachment), the top
//! users as bar charts beside the seed's tables, in the other reports' style.

use super::report::{AppSecurityReport, Section, percent_text};
use super::{Detection, Protection, words};
use crate::labels::{Lang, app_security_guide, app_security_notes, t, tf};
use crate::report::html::{FONTS, bar_chart, escape};
use crate::report::thousands;
use std::fmt::Write;

const RED: &str = "#c00";

/// Renders `report` in `lang`.
pub fn render(report: &AppSecurityReport, lang: Lang) -> String {
    let mut h = Page(String::new());
    let title = words::title(report, lang);
    let _ = write!(
        h.0,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>\n\
         body {{ font-family: {FONTS}; margin: 2em auto; max-width: 60em; color: #222; }}\n\
         h1 {{ border-bottom: 3px solid {RED}; }} h2 {{ border-left: 6px solid {RED}; padding-left: .4em; margin-top: 2em; }}\n\
         table {{ border-collapse: collapse; margin: .5em 0; }} th, td {{ border: 1px solid #bbb; padding: .2em .6em; }}\n\
         th {{ background: #f2f2f2; }} td.n {{ text-align: right; }} tr.total td {{ font-weight: bold; }}\n\
         .warn {{ background: #fff3cd; border: 2px solid #e0a800; padding: .6em 1em; }}\n\
         .guide {{ background: #f7f9fc; padding: .4em 1em; }} .big {{ font-size: 1.4em; font-weight: bold; }}\n\
         .notes {{ font-size: .9em; color: #555; }}\n\
         </style>\n</head>\n<body>\n<h1>{}</h1>\n",
        lang.code(),
        escape(&format!("{title} — {}", report.office.name)),
        escape(&title)
    );
    h.table(
        &["", ""],
        &[
            vec![
                t("cas_office", lang).to_string(),
                report.office.name.clone(),
            ],
            vec![
                t("cas_period", lang).to_string(),
                format!("{} – {}", report.from, report.to),
            ],
        ],
        &[],
    );
    if !report.unreadable.is_empty() {
        let _ = write!(
            h.0,
            "<div class=\"warn\"><p>{}</p><ul>",
            escape(t("cas_unreadable", lang))
        );
        for u in &report.unreadable {
            let _ = write!(h.0, "<li>{}: {}</li>", escape(&u.section), escape(&u.error));
        }
        h.0.push_str("</ul></div>\n");
    }
    h.para(t("cas_contents", lang));
    let contents: Vec<Vec<String>> = words::section_keys()
        .map(|key| {
            vec![
                words::section_title(key, lang),
                words::description(key, lang),
            ]
        })
        .collect();
    h.table(
        &[t("cas_contents_title", lang), t("cas_contents_desc", lang)],
        &contents,
        &[],
    );
    overview(&mut h, report, lang);
    for s in &report.sections {
        section(&mut h, s, lang);
    }
    h.heading(2, t("cas_notes", lang));
    h.0.push_str("<ul class=\"notes\">");
    for n in app_security_notes(lang) {
        let _ = write!(h.0, "<li>{}</li>", escape(n));
    }
    h.0.push_str("</ul>\n</body>\n</html>\n");
    h.0
}

struct Page(String);

impl Page {
    fn heading(&mut self, level: u8, text: &str) {
        let _ = writeln!(self.0, "<h{level}>{}</h{level}>", escape(text));
    }

    fn para(&mut self, text: &str) {
        let _ = writeln!(self.0, "<p>{}</p>", escape(text));
    }

    fn guide(&mut self, section: &str, lang: Lang) {
        self.guide_read(section, lang);
        self.guide_todo(section, lang);
    }

    /// 【読み解き方】
    fn guide_read(&mut self, section: &str, lang: Lang) {
        let g = app_security_guide(section, lang);
        if !g.read.is_empty() {
            let _ = write!(
                self.0,
                "<div class=\"guide\"><strong>{}</strong><ul>",
                escape(t("cas_how_to_read", lang))
            );
            for l in g.read {
                let _ = write!(self.0, "<li>{}</li>", escape(l));
            }
            self.0.push_str("</ul></div>\n");
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
            let _ = write!(
                self.0,
                "<div class=\"guide\"><strong>{}</strong>",
                escape(t(head, lang))
            );
            if !g.lead.is_empty() {
                let _ = write!(self.0, "<p>{}</p>", escape(g.lead));
            }
            self.0.push_str("<ul>");
            for (heading, text) in g.todo {
                if heading.is_empty() {
                    let _ = write!(self.0, "<li>{}</li>", escape(text));
                } else {
                    let _ = write!(
                        self.0,
                        "<li><strong>{}</strong><br>{}</li>",
                        escape(heading),
                        escape(text)
                    );
                }
            }
            self.0.push_str("</ul></div>\n");
        }
    }

    /// A table; `numeric` are the columns aligned right. A last row whose
    /// first cell is `total` is set in bold.
    fn table(&mut self, head: &[&str], rows: &[Vec<String>], numeric: &[usize]) {
        self.table_with_total(head, rows, numeric, None);
    }

    fn table_with_total(
        &mut self,
        head: &[&str],
        rows: &[Vec<String>],
        numeric: &[usize],
        total: Option<&[String]>,
    ) {
        self.0.push_str("<table>");
        if head.iter().any(|c| !c.is_empty()) {
            self.0.push_str("<tr>");
            for c in head {
                let _ = write!(self.0, "<th>{}</th>", escape(c));
            }
            self.0.push_str("</tr>");
        }
        let cells = |out: &mut String, row: &[String]| {
            for (i, c) in row.iter().enumerate() {
                let class = if numeric.contains(&i) {
                    " class=\"n\""
                } else {
                    ""
                };
                let _ = write!(out, "<td{class}>{}</td>", escape(c));
            }
        };
        for row in rows {
            self.0.push_str("<tr>");
            cells(&mut self.0, row);
            self.0.push_str("</tr>");
        }
        if let Some(row) = total {
            self.0.push_str("<tr class=\"total\">");
            cells(&mut self.0, row);
            self.0.push_str("</tr>");
        }
        self.0.push_str("</table>\n");
    }
}

fn overview(h: &mut Page, r: &AppSecurityReport, lang: Lang) {
    let o = &r.overview;
    h.heading(2, t("cas_sec_overview", lang));
    h.para(&words::description("overview", lang));
    h.heading(3, t("cas_overview_table", lang));
    let rows: Vec<Vec<String>> = o
        .applications
        .iter()
        .map(|a| {
            vec![
                words::application(a.application, lang),
                thousands(a.advanced_threat),
                thousands(a.data_loss),
            ]
        })
        .collect();
    h.table_with_total(
        &[
            t("cas_application", lang),
            &words::protection(Protection::AdvancedThreat, lang),
            &words::protection(Protection::DataLoss, lang),
        ],
        &rows,
        &[1, 2],
        Some(&[
            t("cas_total", lang).to_string(),
            thousands(o.advanced_threat),
            thousands(o.data_loss),
        ]),
    );
    h.guide("overview", lang);
}

fn section(h: &mut Page, s: &Section, lang: Lang) {
    let d = s.detection;
    h.heading(2, &words::detection(d, lang));
    h.para(&words::description(d.code(), lang));
    let _ = writeln!(
        h.0,
        "<p>{}: <span class=\"big\">{}</span></p>",
        escape(t("cas_section_total", lang)),
        escape(&tf(
            "cas_count_unit",
            lang,
            &[("count", thousands(s.total))]
        ))
    );
    h.heading(3, t("cas_top_users", lang));
    if s.top_users.is_empty() {
        h.para(t("cas_none", lang));
    } else {
        let bars: Vec<(String, u64)> = s
            .top_users
            .iter()
            .map(|u| (u.user.clone(), u.count))
            .collect();
        bar_chart(
            &mut h.0,
            &bars,
            RED,
            t("cas_detections", lang),
            t("cas_user", lang),
        );
        let places = d == Detection::DataLoss;
        let rows: Vec<Vec<String>> = s
            .top_users
            .iter()
            .map(|u| {
                let mut row = vec![u.user.clone(), thousands(u.count), percent_text(u.tenths)];
                if let Some(p) = &u.places {
                    row.push(words::places_cell(p, lang));
                }
                row
            })
            .collect();
        let mut head = vec![
            t("cas_user", lang),
            t("cas_detections", lang),
            t("cas_share", lang),
        ];
        if places {
            head.push(t("cas_places", lang));
        }
        h.table(&head, &rows, &[1, 2]);
        h.para(&words::users_shown(s, lang));
        h.0.push_str("<ul class=\"notes\">");
        for n in words::NOTES {
            let _ = write!(h.0, "<li>{}</li>", escape(t(n, lang)));
        }
        h.0.push_str("</ul>\n");
    }
    places_and_actions(h, s, lang);
    // The seed's order: 【読み解き方】, then (仮想アナライザ(2)) the
    // risk-level table it points to, then 【確認・実施事項】.
    h.guide_read(d.code(), lang);
    if let Some(levels) = &s.risk_levels {
        h.heading(3, t("cas_risk_table", lang));
        let rows: Vec<Vec<String>> = levels
            .iter()
            .map(|l| {
                vec![
                    words::risk(l.risk, lang),
                    words::risk_description(l.risk, lang),
                    thousands(l.count),
                ]
            })
            .collect();
        h.table(
            &[
                t("cas_risk", lang),
                t("cas_risk_desc", lang),
                t("cas_risk_month", lang),
            ],
            &rows,
            &[2],
        );
    }
    h.guide_todo(d.code(), lang);
}

/// The data-loss section's places, then what was done and what was left.
fn places_and_actions(h: &mut Page, s: &Section, lang: Lang) {
    let d = s.detection;
    if let Some(p) = &s.places {
        h.heading(3, t("cas_places", lang));
        let rows: Vec<Vec<String>> = words::place_rows(p, lang)
            .into_iter()
            .map(|(name, n)| vec![name, thousands(n)])
            .collect();
        h.table(
            &[t("cas_places", lang), t("cas_detections", lang)],
            &rows,
            &[1],
        );
        if s.total > 0 {
            h.para(t("cas_places_see", lang));
        }
    }
    h.heading(3, t("cas_actions", lang));
    let rows: Vec<Vec<String>> = s
        .actions
        .iter()
        .map(|a| vec![words::action(a.action, lang), thousands(a.count)])
        .collect();
    h.table(
        &[t("cas_action", lang), t("cas_detections", lang)],
        &rows,
        &[1],
    );
    if s.total > 0 {
        h.para(&words::left_sentence(s, lang));
    }
    if !s.left.is_empty() {
        h.heading(4, &words::left_title(d, lang));
        let rows: Vec<Vec<String>> = s
            .left
            .iter()
            .map(|l| {
                vec![
                    l.at.clone(),
                    words::application(l.application, lang),
                    l.user.clone(),
                    words::object(l.object, lang),
                    l.name.clone(),
                    l.threat.clone(),
                ]
            })
            .collect();
        h.table(
            &[
                t("cas_time", lang),
                t("cas_application", lang),
                t("cas_user", lang),
                t("cas_object", lang),
                t("cas_name", lang),
                t("cas_threat", lang),
            ],
            &rows,
            &[],
        );
        let more = s.left_in_place.saturating_sub(s.left.len() as u64);
        if more > 0 {
            h.para(&tf("cas_left_more", lang, &[("more", thousands(more))]));
        }
    }
}
