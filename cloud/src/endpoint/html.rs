//! The endpoint report as one self-contained HTML page: no scripts, no
//! external files (it opens from the mail's attachment), top-N as bar charts
//! and trends as inline SVG column charts, in the gateway report's style.

use super::report::{DayCount, EndpointReport, FeatureSection, ranked};
use super::store::Top;
use super::words;
use crate::labels::{Lang, endpoint_guide, t, tf};
use crate::report::html::{FONTS, bar_chart, escape};
use crate::report::thousands;
use std::fmt::Write;

const RED: &str = "#c00";

/// Renders `report` in `lang`.
pub fn render(report: &EndpointReport, lang: Lang) -> String {
    let mut h = Page(String::new());
    let title = words::title(report, lang);
    let _ = write!(
        h.0,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>\n\
         body {{ font-family: {FONTS}; margin: 2em auto; max-width: 60em; color: #222; }}\n\
         h1 {{ border-bottom: 3px solid {RED}; }} h2 {{ border-left: 6px solid {RED}; padding-left: .4em; margin-top: 2em; }}\n\
         table {{ border-collapse: collapse; margin: .5em 0; }} th, td {{ border: 1px solid #bbb; padding: .2em .6em; }}\n\
         th {{ background: #f2f2f2; }} td.n {{ text-align: right; }}\n\
         .warn {{ background: #fff3cd; border: 2px solid #e0a800; padding: .6em 1em; }}\n\
         .guide {{ background: #f7f9fc; padding: .4em 1em; }} .big {{ font-size: 1.4em; font-weight: bold; }}\n\
         </style>\n</head>\n<body>\n<h1>{}</h1>\n",
        lang.code(),
        escape(&format!("{title} — {}", report.office.name)),
        escape(&title)
    );
    let _ = write!(
        h.0,
        "<table>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n\
         <tr><th>{}</th><td>{} – {}</td></tr>\n</table>\n",
        escape(t("ep_office", lang)),
        escape(&report.office.name),
        escape(t("ep_licence", lang)),
        escape(&words::product(report.licence.product, lang)),
        escape(t("ep_period", lang)),
        report.from,
        report.to
    );
    if !report.unreadable.is_empty() {
        let _ = write!(
            h.0,
            "<div class=\"warn\"><p>{}</p><ul>",
            escape(t("ep_unreadable", lang))
        );
        for u in &report.unreadable {
            let _ = write!(h.0, "<li>{}: {}</li>", escape(&u.section), escape(&u.error));
        }
        h.0.push_str("</ul></div>\n");
    }
    overview(&mut h, report, lang);
    for s in &report.sections {
        section(&mut h, s, lang);
    }
    h.heading(2, t("ep_title_edr", lang));
    match &report.edr {
        None => h.para(t("ep_no_edr", lang)),
        Some(edr) => {
            h.guide("edr_intro", lang);
            h.heading(3, t("ep_edr_suspicious", lang));
            let s = &edr.suspicious;
            h.heading(4, t("ep_edr_trend", lang));
            h.guide("edr_trend", lang);
            h.total(s.total, lang);
            h.trend(&s.daily, t("ep_detections", lang), lang);
            h.heading(4, t("ep_edr_top_objects", lang));
            h.guide("edr_top_objects", lang);
            h.top(&s.top_objects, t("ep_object", lang), lang, |k| {
                k.to_string()
            });
            h.heading(4, t("ep_edr_top_endpoints", lang));
            h.guide("edr_top_endpoints", lang);
            h.top(&s.top_endpoints, t("ep_endpoint", lang), lang, |k| {
                k.to_string()
            });
            h.heading(4, t("ep_edr_status", lang));
            h.guide("edr_status", lang);
            let rows: Vec<Vec<String>> = s
                .statuses
                .iter()
                .map(|c| vec![words::status(c.status, lang), thousands(c.count)])
                .collect();
            h.table(
                &[t("ep_status", lang), t("ep_detections", lang)],
                &rows,
                &[1],
            );
            h.heading(4, t("ep_edr_objects", lang));
            h.guide("edr_objects", lang);
            if s.objects.is_empty() {
                h.para(t("ep_none", lang));
            } else {
                let rows: Vec<Vec<String>> = s
                    .objects
                    .iter()
                    .map(|o| {
                        vec![
                            o.object.clone(),
                            o.threat.clone(),
                            o.endpoint.clone(),
                            words::action(o.action, lang),
                            words::status(o.status, lang),
                            thousands(o.count),
                            o.first.clone(),
                        ]
                    })
                    .collect();
                h.table(
                    &[
                        t("ep_object", lang),
                        t("ep_threat", lang),
                        t("ep_endpoint", lang),
                        t("ep_result", lang),
                        t("ep_status", lang),
                        t("ep_detections", lang),
                        t("ep_first_seen", lang),
                    ],
                    &rows,
                    &[5],
                );
                let more = s.objects_total.saturating_sub(s.objects.len() as u64);
                if more > 0 {
                    h.para(&tf("ep_objects_more", lang, &[("more", thousands(more))]));
                }
            }
            let p = &edr.protection;
            h.heading(3, t("ep_edr_protection", lang));
            h.heading(4, t("ep_edr_offline", lang));
            h.guide("edr_offline", lang);
            h.para(&words::names_or(
                &p.offline_last,
                "ep_offline_last",
                "ep_no_offline",
                lang,
            ));
            h.trend(&p.offline_daily, t("ep_agents", lang), lang);
            h.heading(4, t("ep_edr_outdated", lang));
            h.guide("edr_outdated", lang);
            h.trend(&p.outdated_daily, t("ep_agents", lang), lang);
            h.heading(4, t("ep_edr_unsupported", lang));
            h.guide("edr_unsupported", lang);
            h.para(&format!(
                "{}: {}",
                t("ep_agents", lang),
                p.unsupported.len()
            ));
            if !p.unsupported.is_empty() {
                let rows: Vec<Vec<String>> = p
                    .unsupported
                    .iter()
                    .map(|u| vec![u.endpoint.clone(), u.os.clone()])
                    .collect();
                h.table(&[t("ep_endpoint", lang), t("ep_os", lang)], &rows, &[]);
            }
            h.heading(3, t("ep_edr_settings", lang));
            for off in &edr.settings {
                h.heading(4, t(&format!("ep_prot_{}", off.protection), lang));
                h.guide(&format!("prot_{}", off.protection), lang);
                h.para(&words::names_or(
                    &off.endpoints,
                    "ep_prot_off",
                    "ep_all_endpoints_on",
                    lang,
                ));
            }
            h.heading(3, t("ep_edr_mail", lang));
            for m in &edr.mail {
                h.heading(4, t(&format!("ep_mail_{}", m.item), lang));
                h.para(t(&format!("ep_mail_desc_{}", m.item), lang));
                h.para(t("ep_not_provided", lang));
            }
        }
    }
    h.0.push_str("</body>\n</html>\n");
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

    fn total(&mut self, total: u64, lang: Lang) {
        let _ = writeln!(
            self.0,
            "<p>{}: <span class=\"big\">{}</span></p>",
            escape(t("ep_item_total", lang)),
            escape(&tf("ep_count_unit", lang, &[("count", thousands(total))]))
        );
    }

    fn guide(&mut self, section: &str, lang: Lang) {
        let (read, todo) = endpoint_guide(section, lang);
        for (title, lines) in [
            (t("how_to_read", lang), read),
            (t("what_to_do", lang), todo),
        ] {
            if lines.is_empty() {
                continue;
            }
            let _ = write!(
                self.0,
                "<div class=\"guide\"><strong>{}</strong><ul>",
                escape(title)
            );
            for l in lines {
                let _ = write!(self.0, "<li>{}</li>", escape(l));
            }
            self.0.push_str("</ul></div>\n");
        }
    }

    /// A table; `numeric` are the columns aligned right.
    fn table(&mut self, head: &[&str], rows: &[Vec<String>], numeric: &[usize]) {
        self.0.push_str("<table><tr>");
        for c in head {
            let _ = write!(self.0, "<th>{}</th>", escape(c));
        }
        self.0.push_str("</tr>");
        for row in rows {
            self.0.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                let class = if numeric.contains(&i) {
                    " class=\"n\""
                } else {
                    ""
                };
                let _ = write!(self.0, "<td{class}>{}</td>", escape(c));
            }
            self.0.push_str("</tr>");
        }
        self.0.push_str("</table>\n");
    }

    fn top(&mut self, top: &Top, column: &str, lang: Lang, name: impl Fn(&str) -> String) {
        if top.rows.is_empty() {
            self.para(t("ep_none", lang));
            return;
        }
        let bars: Vec<(String, u64)> = top.rows.iter().map(|c| (name(&c.key), c.count)).collect();
        bar_chart(&mut self.0, &bars, RED, t("ep_detections", lang), column);
        let rows: Vec<Vec<String>> = ranked(top)
            .map(|(rank, c)| vec![rank.to_string(), name(&c.key), thousands(c.count)])
            .collect();
        self.table(
            &[t("ep_rank", lang), column, t("ep_detections", lang)],
            &rows,
            &[0, 2],
        );
        self.para(&tf(
            "ep_shown_of",
            lang,
            &[
                ("shown", top.rows.len().to_string()),
                ("keys", thousands(top.keys)),
                ("total", thousands(top.total)),
            ],
        ));
    }

    /// A trend: one column per day, days without data shaded grey.
    fn trend(&mut self, days: &[DayCount], column: &str, lang: Lang) {
        let axes = format!("{} / {column}", t("ep_day", lang));
        let col = 20usize;
        let plot_h = 160usize;
        let left = 50usize;
        let width = left + days.len() * col + 20;
        let height = plot_h + 60;
        let max = days
            .iter()
            .filter_map(|d| d.count)
            .max()
            .unwrap_or(0)
            .max(1);
        let _ = write!(
            self.0,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"{}\" font-size=\"11\" role=\"img\" \
             aria-label=\"{}\">",
            escape(FONTS),
            escape(&axes)
        );
        for (i, d) in days.iter().enumerate() {
            let x = left + i * col;
            match d.count {
                None => {
                    let _ = write!(
                        self.0,
                        "<rect x=\"{x}\" y=\"10\" width=\"{col}\" height=\"{plot_h}\" fill=\"#ddd\">\
                         <title>{} {}</title></rect>",
                        d.day,
                        escape(t("ep_no_data", lang))
                    );
                }
                Some(n) if n > 0 => {
                    let bar = (u128::from(n) * plot_h as u128 / u128::from(max)) as usize;
                    let _ = write!(
                        self.0,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{RED}\">\
                         <title>{} {}</title></rect>",
                        x + 2,
                        10 + plot_h - bar.max(1),
                        col - 4,
                        bar.max(1),
                        d.day,
                        thousands(n)
                    );
                }
                Some(_) => {}
            }
            let _ = write!(
                self.0,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + col / 2,
                plot_h + 24,
                d.day.get(8..).unwrap_or("")
            );
        }
        let _ = writeln!(
            self.0,
            "<line x1=\"{left}\" y1=\"10\" x2=\"{left}\" y2=\"{base}\" stroke=\"#333\"/>\
             <line x1=\"{left}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#333\"/>\
             <text x=\"{tx}\" y=\"16\" text-anchor=\"end\">{max}</text>\
             <text x=\"{tx}\" y=\"{base}\" text-anchor=\"end\">0</text>\
             <text x=\"{left}\" y=\"{label}\">{axes}</text></svg>",
            base = 10 + plot_h,
            right = left + days.len() * col,
            tx = left - 4,
            max = thousands(max),
            label = plot_h + 48,
            axes = escape(&axes),
        );
    }
}

fn overview(h: &mut Page, r: &EndpointReport, lang: Lang) {
    let o = &r.overview;
    h.heading(2, t("ep_sec_overview", lang));
    h.guide("overview", lang);
    h.heading(3, t("ep_overview_product", lang));
    let mut rows = vec![vec![
        t("ep_licence", lang).to_string(),
        words::product(r.licence.product, lang),
    ]];
    for p in &o.programs {
        rows.push(vec![t("ep_program", lang).to_string(), p.clone()]);
    }
    for p in &o.patterns {
        rows.push(vec![
            t("ep_pattern", lang).to_string(),
            format!(
                "{} ({} {}, {} {})",
                p.version,
                t("ep_pattern_date", lang),
                p.date,
                t("ep_agents", lang),
                p.agents
            ),
        ]);
    }
    h.table(&[t("ep_function", lang), ""], &rows, &[]);
    h.heading(3, t("ep_overview_agents", lang));
    h.para(&words::installed(r, lang));
    h.para(&words::licence_used(r, lang));
    h.heading(3, t("ep_overview_detections", lang));
    let rows: Vec<Vec<String>> = o
        .detections
        .iter()
        .map(|c| {
            vec![
                words::feature(c.feature, lang),
                thousands(c.this_month),
                thousands(c.previous_month),
                words::change_cell(c),
            ]
        })
        .collect();
    h.table(
        &[
            t("ep_function", lang),
            t("ep_this_month", lang),
            t("ep_previous_month", lang),
            t("ep_change", lang),
        ],
        &rows,
        &[1, 2, 3],
    );
    h.0.push_str("<ul>");
    for c in &o.detections {
        let _ = write!(h.0, "<li>{}</li>", escape(&words::change(c, lang)));
    }
    h.0.push_str("</ul>\n");
}

fn section(h: &mut Page, s: &FeatureSection, lang: Lang) {
    let f = s.feature;
    h.heading(2, &words::feature(f, lang));
    h.guide(f.code(), lang);
    let mut n = 0;
    let mut item = |h: &mut Page, title: &str| {
        n += 1;
        h.heading(3, &format!("{n}. {title}"));
    };
    item(h, t("ep_item_total", lang));
    h.total(s.total, lang);
    item(h, &words::endpoints_item(f, lang));
    h.top(&s.top_endpoints, t("ep_endpoint", lang), lang, |k| {
        k.to_string()
    });
    if let Some(servers) = &s.top_servers {
        item(h, t("ep_item_top_servers", lang));
        h.top(servers, t("ep_server", lang), lang, |k| k.to_string());
    }
    item(h, t("ep_item_trend", lang));
    h.trend(&s.daily, t("ep_detections", lang), lang);
    if let Some(actions) = &s.actions {
        item(h, t("ep_item_actions", lang));
        let rows: Vec<Vec<String>> = actions
            .iter()
            .map(|a| {
                vec![
                    words::action(a.action, lang),
                    thousands(a.count),
                    words::action_desc(a.action, lang).unwrap_or_default(),
                ]
            })
            .collect();
        h.table(
            &[
                t("ep_result", lang),
                t("ep_detections", lang),
                t("ep_action_legend", lang),
            ],
            &rows,
            &[1],
        );
    }
    if let Some(names) = &s.top_names {
        let (title, column) = words::names_item(f, lang);
        item(h, &title);
        h.top(names, &column, lang, |k| words::name(f, k, lang));
    }
}
