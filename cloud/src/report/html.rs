//! The report as one self-contained HTML page with inline SVG charts.
//!
//! No scripts, no external files: the page opens from a mail attachment.
//! Japanese text is plain UTF-8 in the page and in the SVG `<text>` nodes,
//! with a font stack that finds Noto CJK (or the system's Japanese font).

use super::markdown::engines_present;
use super::{
    AccessSection, DayStatus, HostSection, KeySection, MonthlyReport, coverage_warnings, percent,
    rating_lines, thousands,
};
use crate::labels::{self, Lang, key_name, t, tf};
use std::fmt::Write;

pub(crate) const FONTS: &str = "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', \
                     'Meiryo', sans-serif";

/// Escapes text for HTML and SVG content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders `report` in `lang`.
pub fn render(report: &MonthlyReport, lang: Lang) -> String {
    let mut h = String::new();
    let title = format!(
        "{} {} — {}",
        t("title", lang),
        report.month,
        report.office.gateway
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>\n\
         body {{ font-family: {FONTS}; margin: 2em auto; max-width: 60em; color: #222; }}\n\
         h1 {{ border-bottom: 3px solid #c00; }} h2 {{ border-left: 6px solid #c00; padding-left: .4em; margin-top: 2em; }}\n\
         table {{ border-collapse: collapse; margin: .5em 0; }} th, td {{ border: 1px solid #bbb; padding: .2em .6em; }}\n\
         th {{ background: #f2f2f2; }} td.n {{ text-align: right; }}\n\
         .warn {{ background: #fff3cd; border: 2px solid #e0a800; padding: .6em 1em; font-weight: bold; }}\n\
         .grade {{ font-size: 1.6em; font-weight: bold; }} .guide {{ background: #f7f9fc; padding: .4em 1em; }}\n\
         pre {{ background: #f4f4f4; padding: .5em; }}\n\
         </style>\n</head>\n<body>\n<h1>{}</h1>\n",
        lang.code(),
        escape(&title),
        escape(&format!("{} {}", t("title", lang), report.month))
    );
    let _ = write!(
        h,
        "<table>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n\
         <tr><th>{}</th><td>{} – {}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n</table>\n",
        t("office", lang),
        escape(&report.office.name),
        t("gateway_box", lang),
        escape(&report.office.gateway),
        t("report_period", lang),
        report.from,
        report.to,
        t("coverage", lang),
        escape(&tf(
            "reported",
            lang,
            &[(
                "pct",
                percent(u64::from(report.coverage.reported_per_mille), 1000)
            )]
        ))
    );
    for w in coverage_warnings(report, lang) {
        let _ = writeln!(h, "<p class=\"warn\">{}</p>", escape(&w));
    }
    if !report.unreadable.is_empty() {
        let _ = write!(
            h,
            "<div class=\"warn\"><p>{}</p><ul>",
            escape(t("unreadable_note", lang))
        );
        for u in &report.unreadable {
            let _ = write!(
                h,
                "<li><code>{}</code>: {}</li>",
                escape(&u.section),
                escape(&u.error)
            );
        }
        h.push_str("</ul></div>\n");
    }

    for (guide, title) in super::SECTIONS {
        let _ = writeln!(h, "<h2 id=\"{guide}\">{}</h2>", escape(t(title, lang)));
        match guide {
            "summary" => summary(&mut h, report, lang),
            "cnc" => hosts(&mut h, &report.cnc, lang, "#c00"),
            "malicious" => {
                hosts(&mut h, &report.malicious_sites, lang, "#d35400");
                let _ = writeln!(h, "<h3>{}</h3>", escape(t("sec_malicious_urls", lang)));
                sites(&mut h, &report.malicious_urls, lang);
            }
            "categories" => keys(&mut h, &report.blocked_categories, "category", lang),
            "policies" => {
                let mut named = report.policies.clone();
                for r in &mut named.rows {
                    r.key = labels::policy(&r.key, lang);
                }
                keys(&mut h, &named, "policy", lang)
            }
            "policy_users" => hosts(&mut h, &report.policy_users, lang, "#2e86c1"),
            "security_users" => hosts(&mut h, &report.security_users, lang, "#8e44ad"),
            "threats" => keys(&mut h, &report.threats, "threat", lang),
            "mail" => mail(&mut h, &report.mail, lang),
            "daily" => daily(&mut h, report, lang),
            "access" => {
                access(&mut h, &report.internet_access, "category", lang);
                let _ = writeln!(h, "<h3>{}</h3>", escape(t("sec_sites", lang)));
                access(&mut h, &report.top_sites, "site", lang);
            }
            _ => {}
        }
        let (read, todo) = labels::guide(guide, lang);
        let _ = write!(
            h,
            "<div class=\"guide\"><h4>{}</h4><ul>",
            escape(t("how_to_read", lang))
        );
        for r in read {
            let _ = write!(h, "<li>{}</li>", escape(r));
        }
        let _ = write!(h, "</ul><h4>{}</h4><ul>", escape(t("what_to_do", lang)));
        for r in todo {
            let _ = write!(h, "<li>{}</li>", escape(r));
        }
        h.push_str("</ul></div>\n");
    }
    if let Some(section) = &report.uninspected {
        uninspected(&mut h, section, lang);
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// Mail security: detections on mail per engine and action.
fn mail(h: &mut String, section: &super::MailSection, lang: Lang) {
    if section.rows.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(t("empty_section", lang)));
        return;
    }
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(t("function", lang)),
        escape(t("mail_action", lang)),
        escape(t("detections", lang)),
        escape(t("share", lang))
    );
    for r in &section.rows {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(labels::report_engine(r.engine, lang)),
            escape(lang.action(r.action)),
            thousands(r.count),
            percent(r.count, section.total)
        );
    }
    let _ = writeln!(
        h,
        "</table><p>{}</p>",
        escape(&tf(
            "mail_total",
            lang,
            &[("total", thousands(section.total))]
        ))
    );
}

/// Malicious sites by site, with why (FAQ Q5).
fn sites(h: &mut String, section: &super::SiteSection, lang: Lang) {
    if section.rows.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(t("empty_section", lang)));
        return;
    }
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(t("rank", lang)),
        escape(t("malicious_site", lang)),
        escape(t("malicious_why", lang)),
        escape(t("detections", lang)),
        escape(t("share", lang))
    );
    for (i, r) in section.rows.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i + 1,
            escape(&r.site),
            escape(&super::site_why(&r.why, lang)),
            thousands(r.count),
            percent(r.count, section.total)
        );
    }
    let _ = writeln!(h, "</table>");
}

/// Traffic passed uninspected: only in a month that had some.
fn uninspected(h: &mut String, section: &super::UninspectedSection, lang: Lang) {
    let _ = writeln!(
        h,
        "<h2 id=\"uninspected\">{}</h2>",
        escape(t("sec_uninspected", lang))
    );
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(t("uninspected_why", lang)),
        escape(t("uninspected_flows", lang)),
        escape(t("uninspected_packets", lang)),
        escape(t("uninspected_bytes", lang))
    );
    for r in &section.rows {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(t(&format!("uninspected_{}", r.why), lang)),
            thousands(r.flows),
            thousands(r.packets),
            thousands(r.bytes)
        );
    }
    h.push_str("</table>\n");
    let (read, todo) = labels::guide("uninspected", lang);
    let _ = write!(
        h,
        "<div class=\"guide\"><h4>{}</h4><ul>",
        escape(t("how_to_read", lang))
    );
    for r in read {
        let _ = write!(h, "<li>{}</li>", escape(r));
    }
    let _ = write!(h, "</ul><h4>{}</h4><ul>", escape(t("what_to_do", lang)));
    for r in todo {
        let _ = write!(h, "<li>{}</li>", escape(r));
    }
    h.push_str("</ul></div>\n");
}

fn summary(h: &mut String, report: &MonthlyReport, lang: Lang) {
    let lines = rating_lines(report, lang);
    if let Some((first, rest)) = lines.split_first() {
        let _ = writeln!(h, "<p class=\"grade\">{}</p>", escape(first));
        for l in rest {
            let _ = writeln!(h, "<p>{}</p>", escape(l));
        }
    }
    let bars: Vec<(String, u64)> = report
        .summary
        .by_engine
        .iter()
        .map(|c| (labels::report_engine(c.engine, lang).to_string(), c.count))
        .collect();
    if !bars.is_empty() {
        bar_chart(
            h,
            &bars,
            "#555",
            t("x_axis_detections", lang),
            t("function", lang),
        );
    }
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th></tr>",
        escape(t("function", lang)),
        escape(t("detections", lang))
    );
    for c in &report.summary.by_engine {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            escape(labels::report_engine(c.engine, lang)),
            thousands(c.count)
        );
    }
    let _ = writeln!(
        h,
        "<tr><th>{}</th><th class=\"n\">{}</th></tr></table>",
        escape(t("total", lang)),
        thousands(report.summary.total_detections)
    );
    let _ = write!(h, "<h4>{}</h4><pre>", escape(t("formula", lang)));
    for f in crate::labels::FORMULA {
        let _ = writeln!(h, "{}", escape(f));
    }
    h.push_str("</pre>\n");
}

/// A horizontal bar chart: labels on the y axis, counts on the x axis.
pub(crate) fn bar_chart(
    h: &mut String,
    bars: &[(String, u64)],
    color: &str,
    x_axis: &str,
    y_axis: &str,
) {
    let label_w = 230;
    let bar_h = 24;
    let plot_w = 520;
    let top = 10;
    let height = top + bars.len() * bar_h + 50;
    let width = label_w + plot_w + 80;
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let _ = writeln!(h, "<p><small>{}</small></p>", escape(y_axis));
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{}\" font-size=\"13\" role=\"img\" \
         aria-label=\"{}\">",
        escape(FONTS),
        escape(&format!("{x_axis} / {y_axis}"))
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = top + i * bar_h;
        let w = (u128::from(*n) * plot_w as u128 / u128::from(max)) as usize;
        let _ = writeln!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"{color}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            label_w - 6,
            y + bar_h / 2 + 5,
            escape(label),
            y + 3,
            bar_h - 6,
            label_w + w + 4,
            y + bar_h / 2 + 5,
            thousands(*n)
        );
    }
    let axis_y = top + bars.len() * bar_h + 2;
    let _ = write!(
        h,
        "<line x1=\"{label_w}\" y1=\"{top}\" x2=\"{label_w}\" y2=\"{axis_y}\" stroke=\"#333\"/>\
         <line x1=\"{label_w}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#333\"/>\
         <text x=\"{label_w}\" y=\"{}\">0</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n</svg>\n",
        label_w + plot_w,
        axis_y + 16,
        label_w + plot_w,
        axis_y + 16,
        thousands(max),
        label_w + plot_w / 2,
        axis_y + 38,
        escape(x_axis)
    );
}

fn hosts(h: &mut String, section: &HostSection, lang: Lang, color: &str) {
    if section.rows.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(t("empty_section", lang)));
        return;
    }
    let bars: Vec<(String, u64)> = section
        .rows
        .iter()
        .map(|r| (r.ip.clone(), r.count))
        .collect();
    bar_chart(
        h,
        &bars,
        color,
        t("x_axis_detections", lang),
        t("y_axis_users", lang),
    );
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(t("rank", lang)),
        escape(t("user_ip", lang)),
        escape(t("device", lang)),
        escape(t("detections", lang)),
        escape(t("share", lang))
    );
    for (i, r) in section.rows.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i + 1,
            escape(&r.ip),
            escape(r.name.as_deref().unwrap_or("-")),
            thousands(r.count),
            percent(r.count, section.total)
        );
    }
    let _ = writeln!(
        h,
        "</table><p>{}</p>",
        escape(&tf(
            "shown_of",
            lang,
            &[
                ("shown", section.rows.len().to_string()),
                ("keys", thousands(section.hosts)),
                ("total", thousands(section.total)),
            ],
        ))
    );
}

fn keys(h: &mut String, section: &KeySection, key: &str, lang: Lang) {
    if section.rows.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(t("empty_section", lang)));
        return;
    }
    let bars: Vec<(String, u64)> = section
        .rows
        .iter()
        .map(|r| (key_name(&r.key, key, lang), r.count))
        .collect();
    bar_chart(
        h,
        &bars,
        "#2e86c1",
        t("x_axis_detections", lang),
        t(key, lang),
    );
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(t("rank", lang)),
        escape(t(key, lang)),
        escape(t("detections", lang)),
        escape(t("share", lang))
    );
    for (i, r) in section.rows.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i + 1,
            escape(&key_name(&r.key, key, lang)),
            thousands(r.count),
            percent(r.count, section.total)
        );
    }
    h.push_str("</table>\n");
}

fn daily(h: &mut String, report: &MonthlyReport, lang: Lang) {
    let days = &report.daily;
    let col = 22usize;
    let plot_h = 200usize;
    let left = 60usize;
    let width = left + days.len() * col + 20;
    let height = plot_h + 90;
    let max = days.iter().map(|d| d.total).max().unwrap_or(0).max(1);
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{}\" font-size=\"11\" role=\"img\" \
         aria-label=\"{}\">",
        escape(FONTS),
        escape(t("sec_daily", lang))
    );
    for (i, d) in days.iter().enumerate() {
        let x = left + i * col;
        // Days without a full report are shaded: an empty bar there is not a safe day.
        let shade = match d.status {
            DayStatus::Online => None,
            DayStatus::PartlyOffline => Some("#fde9b0"),
            DayStatus::Offline | DayStatus::NoData => Some("#ddd"),
        };
        if let Some(fill) = shade {
            let _ = write!(
                h,
                "<rect x=\"{x}\" y=\"10\" width=\"{col}\" height=\"{plot_h}\" fill=\"{fill}\"/>"
            );
        }
        let bar = (u128::from(d.total) * plot_h as u128 / u128::from(max)) as usize;
        if bar > 0 {
            let _ = write!(
                h,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{bar}\" fill=\"#c00\"><title>{} {}</title></rect>",
                x + 3,
                10 + plot_h - bar,
                col - 6,
                escape(&d.day),
                thousands(d.total)
            );
        }
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x + col / 2,
            plot_h + 24,
            d.day.get(8..).unwrap_or("")
        );
    }
    let _ = write!(
        h,
        "<line x1=\"{left}\" y1=\"10\" x2=\"{left}\" y2=\"{}\" stroke=\"#333\"/>\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\
         <text x=\"{}\" y=\"16\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\
         <text x=\"{left}\" y=\"{}\">{}</text><rect x=\"{left}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#ddd\"/>\
         <text x=\"{}\" y=\"{}\">{} / {}</text>\n</svg>\n",
        10 + plot_h,
        10 + plot_h,
        left + days.len() * col,
        10 + plot_h,
        left - 4,
        thousands(max),
        left - 4,
        10 + plot_h,
        plot_h + 48,
        escape(&format!(
            "{} / {}",
            t("x_axis_days", lang),
            t("y_axis_count", lang)
        )),
        plot_h + 58,
        left + 18,
        plot_h + 68,
        escape(t("day_offline", lang)),
        escape(t("day_no_data", lang)),
    );
    let engines = engines_present(report);
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th>",
        escape(t("day", lang)),
        escape(t("uptime", lang))
    );
    for e in &engines {
        let _ = write!(h, "<th>{}</th>", escape(labels::report_engine(*e, lang)));
    }
    let _ = write!(h, "<th>{}</th></tr>", escape(t("total", lang)));
    for d in days {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            escape(&d.day),
            escape(t(d.status.label_key(), lang))
        );
        for e in &engines {
            let n = d
                .by_engine
                .iter()
                .find(|c| c.engine == *e)
                .map(|c| c.count)
                .unwrap_or(0);
            let _ = write!(h, "<td class=\"n\">{}</td>", thousands(n));
        }
        let _ = write!(h, "<td class=\"n\">{}</td></tr>", thousands(d.total));
    }
    h.push_str("</table>\n");
}

fn access(h: &mut String, section: &AccessSection, key: &str, lang: Lang) {
    if section.rows.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(t("empty_access", lang)));
        return;
    }
    let name = |k: &Option<String>| {
        k.as_deref()
            .map(|k| key_name(k, key, lang))
            .unwrap_or_else(|| t("uncategorised", lang).to_string())
    };
    let bars: Vec<(String, u64)> = section
        .rows
        .iter()
        .take(super::TOP)
        .map(|r| (name(&r.key), r.requests))
        .collect();
    bar_chart(h, &bars, "#27ae60", t("requests", lang), t(key, lang));
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(t("rank", lang)),
        escape(t(key, lang)),
        escape(t("requests", lang)),
        escape(t("share", lang)),
        escape(t("bytes_sent", lang))
    );
    for (i, r) in section.rows.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i + 1,
            escape(&name(&r.key)),
            thousands(r.requests),
            percent(r.requests, section.total_requests),
            thousands(r.bytes)
        );
    }
    let _ = writeln!(
        h,
        "</table><p>{}</p>",
        escape(&tf(
            "access_total",
            lang,
            &[
                ("requests", thousands(section.total_requests)),
                ("bytes", thousands(section.total_bytes)),
                ("keys", thousands(section.keys)),
            ],
        ))
    );
}
