//! The HTTP block page a blocked client receives instead of the server's answer.
//!
//! Japanese, like the product's own pages, and explicit: what was blocked,
//! the URL, and the reason chain, so the person at the PC (or the support
//! desk reading a screenshot) knows why. `Connection: close` because the
//! gateway closes the connection right after the page.

use super::Detection;
use crate::event::Engine;
use crate::reason::Reason;

/// The complete HTTP response (status line, headers, UTF-8 HTML body) for
/// a C&C block.
pub fn render(url: &str, reasons: &[Reason], gateway: &str) -> Vec<u8> {
    render_engine(Engine::Cnc, url, reasons, gateway)
}

/// The block page for any detection: the heading and the explanation say
/// which engine stopped the request, the list says why.
pub fn render_detection(detection: &Detection, gateway: &str) -> Vec<u8> {
    let url = detection.url.as_deref().unwrap_or_default();
    render_engine(detection.engine, url, &detection.reasons, gateway)
}

fn render_engine(engine: Engine, url: &str, reasons: &[Reason], gateway: &str) -> Vec<u8> {
    let (heading, why, advice) = match engine {
        Engine::WebReputation => (
            "危険なWebサイトへのアクセスをブロックしました",
            "このサイトはWebレピュテーションにより危険と評価されているため、",
            "業務に必要なサイトの場合は、管理者またはサポートデスクにご相談ください。",
        ),
        Engine::UrlFilter => (
            "URLフィルタリングによりアクセスをブロックしました",
            "このサイトは社内ポリシー(URLフィルタリング)によりアクセスが制限されているため、",
            "業務に必要なサイトの場合は、管理者に許可リストへの追加をご依頼ください。",
        ),
        Engine::AppControl => (
            "アプリケーションの利用を制限しました",
            "このアプリケーションは社内ポリシー(アプリケーション利用制限)により制限されているため、",
            "業務に必要な場合は、管理者にご相談ください。",
        ),
        _ => (
            "C&amp;Cサーバへの通信をブロックしました",
            "このサイトはC&amp;C(コマンド&amp;コントロール)サーバとして登録されているため、",
            "この端末はウイルスに感染している可能性があります。管理者にご連絡ください。",
        ),
    };
    let items: String = reasons
        .iter()
        .map(|r| format!("<li>{}</li>\n", escape(&r.to_string())))
        .collect();
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head><meta charset=\"utf-8\">\
         <title>アクセスがブロックされました</title></head>\n<body>\n\
         <h1>{heading}</h1>\n\
         <p>{why}セキュリティ機器 {gw} が通信をブロックしました。</p>\n\
         <p>URL: {url}</p>\n<p>理由:</p>\n<ul>\n{items}</ul>\n\
         <p>{advice}</p>\n\
         </body>\n</html>\n",
        gw = escape(gateway),
        url = escape(url),
    );
    let mut out = format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// HTML-escapes text that came from the network (URLs) or the intel.
fn escape(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_is_a_complete_403_with_the_url_and_reasons() {
        let page = render(
            "http://evil.example/<x>",
            &[
                Reason::CncList,
                Reason::Indicator {
                    indicator: crate::reason::Indicator::Domain("evil.example".into()),
                },
            ],
            "CloudEdge50",
        );
        let text = String::from_utf8(page).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("header end");
        assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"));
        assert!(head.contains("Connection: close"));
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        assert!(body.contains("C&amp;Cサーバへの通信をブロックしました"));
        assert!(body.contains("http://evil.example/&lt;x&gt;"));
        assert!(body.contains("<li>C&amp;C list</li>"));
        assert!(body.contains("<li>domain evil.example</li>"));
    }

    #[test]
    fn web_pages_name_their_engine_and_reasons() {
        let d = Detection {
            engine: Engine::UrlFilter,
            action: crate::event::Action::Block,
            reasons: vec![
                Reason::PolicyRule {
                    name: "動画禁止".into(),
                },
                Reason::Category {
                    name: "Streaming Media".into(),
                    ja: None,
                },
            ],
            threat: "category Streaming Media".into(),
            host: Some("www.corp.example".into()),
            url: Some("http://www.corp.example/movies/".into()),
        };
        let text = String::from_utf8(render_detection(&d, "CE")).expect("utf-8");
        assert!(text.contains("URLフィルタリングによりアクセスをブロックしました"));
        assert!(text.contains("<li>category Streaming Media</li>"));
        assert!(text.contains("許可リスト"));
    }
}
