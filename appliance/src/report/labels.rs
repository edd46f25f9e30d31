//! The one label table of the report, Japanese and English (GLOSSARY.md words).
//!
//! Every word a rendered report shows comes from here, so the two languages
//! cannot drift apart and a template holds no strings of its own.

use crate::event::Engine;
use serde::Serialize;

/// The language of a rendered report; Japanese by default, as the service's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ja" | "jp" | "japanese" | "日本語" => Some(Lang::Ja),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// `(key, 日本語, English)`.
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "月次レポート", "Monthly report"),
    ("summary", "サマリレポート", "Summary report"),
    ("office", "お客様", "Office"),
    ("gateway", "専用BOX", "Gateway"),
    ("period", "対象期間", "Period"),
    ("rating", "総合評価", "Overall rating"),
    ("score", "スコア", "Score"),
    ("formula", "評価の計算式", "How the rating is computed"),
    ("how_to_read", "【読み解き方】", "How to read it"),
    ("what_to_do", "【確認・実施事項】", "What to do"),
    ("detections", "検出数", "Detections"),
    ("total", "合計", "Total"),
    ("rank", "順位", "Rank"),
    ("user_ip", "ユーザ (IPアドレス)", "User (IP address)"),
    ("device", "端末名", "Device"),
    ("share", "割合", "Share"),
    ("engine", "機能", "Function"),
    ("category", "URLカテゴリ", "URL category"),
    ("policy", "ポリシー", "Policy"),
    ("threat", "脅威名", "Threat name"),
    ("site", "Webサイト", "Web site"),
    ("requests", "アクセス数", "Requests"),
    ("bytes", "送信量 (バイト)", "Bytes sent"),
    ("day", "日付", "Day"),
    ("status", "稼働状況", "Status"),
    ("uncategorised", "未分類", "Uncategorised"),
    ("none", "該当なし", "None"),
    (
        "x_axis_detections",
        "横軸: 検出した件数",
        "x axis: detections",
    ),
    (
        "y_axis_users",
        "縦軸: ユーザ (表記されているIPアドレスを保持する端末)",
        "y axis: users (the device holding the IP address shown)",
    ),
    ("x_axis_days", "横軸: 日付", "x axis: day"),
    ("y_axis_count", "縦軸: 検出した件数", "y axis: detections"),
    ("day_online", "稼働", "online"),
    ("day_partial", "一部オフライン", "partly offline"),
    ("day_offline", "オフライン", "offline"),
    ("day_no_data", "データなし", "no data"),
    ("coverage", "データの取得状況", "Data coverage"),
    (
        "unreadable",
        "読み取れなかった項目",
        "Sections that could not be read",
    ),
    ("not_rated", "評価できません", "Not rated"),
    (
        "grade_withheld",
        "評価保留 (データのある割合が90%未満)",
        "withheld (less than 90% of the month reported)",
    ),
    ("grade_a", "A (良好)", "A (good)"),
    ("grade_b", "B (概ね良好)", "B (fair)"),
    ("grade_c", "C (注意)", "C (caution)"),
    ("grade_d", "D (要対策)", "D (action needed)"),
    ("sec_summary", "概要", "Overview"),
    (
        "sec_cnc",
        "C&Cサーバへのアクセスに関する情報",
        "Access to C&C servers",
    ),
    (
        "sec_malicious",
        "不正サイトのアクセスに関する情報",
        "Access to malicious sites",
    ),
    (
        "sec_categories",
        "ブロックされた上位URLカテゴリ",
        "Top blocked URL categories",
    ),
    (
        "sec_policies",
        "実行された上位ポリシー",
        "Top policies enforced",
    ),
    (
        "sec_policy_users",
        "ポリシー行: 適用された上位のユーザ",
        "Top users hit by policy rules",
    ),
    (
        "sec_security_users",
        "インターネットセキュリティによってブロックされた上位ユーザ",
        "Top users blocked by internet security",
    ),
    (
        "sec_threats",
        "検出された脅威名と件数 (APTイベントを含む)",
        "Threat names and counts (including APT events)",
    ),
    (
        "sec_daily",
        "日別の検出数の推移",
        "Daily trend of detections",
    ),
    (
        "sec_access",
        "インターネットアクセス (カテゴリ別)",
        "Internet access by category",
    ),
    (
        "sec_sites",
        "インターネットアクセス (上位Webサイト)",
        "Internet access: top web sites",
    ),
    (
        "warn_offline",
        "注意: 専用BOXがオフラインだった時間が今月 {hours} 時間あります ({days})。その間の脅威は記録されておらず、このレポートに表示されていません。検出がないことは安全を意味しません (FAQ Q21)。",
        "Warning: the gateway was offline for {hours} hours this month ({days}). Threats during that time were not recorded and do not appear in this report. No detections does not mean safe (FAQ Q21).",
    ),
    (
        "warn_no_data",
        "注意: {n} 日分は専用BOXからのデータがありません ({days})。未設置、電源断、または集計対象外の期間です。その日の 0 件は安全を意味しません (FAQ Q21)。",
        "Warning: {n} days have no data from the gateway ({days}): not installed, powered off, or outside the reporting window. Their zero counts do not mean safe (FAQ Q21).",
    ),
    (
        "warn_none",
        "注意: 今月は専用BOXからのデータがまったくありません。このレポートの 0 件は安全を意味しません。専用BOXの「Cloud Consoleに接続」LEDを確認してください (FAQ Q21)。",
        "Warning: the gateway sent no data at all this month. The zeros in this report do not mean safe. Check the gateway's \"connected to Cloud Console\" LED (FAQ Q21).",
    ),
    (
        "reported",
        "データのある割合: {pct}",
        "Share of the month reported: {pct}",
    ),
    (
        "empty_section",
        "今月の検出はありません。",
        "No detections this month.",
    ),
    (
        "empty_access",
        "今月の統計はありません。",
        "No statistics this month.",
    ),
    (
        "rating_incomplete",
        "参考値: 対象期間の {pct} のデータのみに基づく評価です。",
        "Provisional: based on data for {pct} of the month only.",
    ),
    (
        "rating_none",
        "今月はデータがないため評価できません。",
        "Not rated: there is no data for this month.",
    ),
    (
        "deductions",
        "減点: C&C端末 {a}、C&C件数 {b}、不正サイト {c}、不正プログラム {d}、IPS/DoS {e}",
        "Deductions: C&C hosts {a}, C&C detections {b}, malicious sites {c}, malware {d}, IPS/DoS {e}",
    ),
    (
        "unreadable_note",
        "次の項目はログストアから読み取れませんでした。それ以外の項目は読み取れています。",
        "These sections could not be read from the log store; the rest of the report could.",
    ),
    (
        "shown_of",
        "上位 {shown} 件を表示 (全 {keys} 件、合計 {total} 件)",
        "Top {shown} shown ({keys} in all, {total} detections)",
    ),
    (
        "access_total",
        "合計 {requests} アクセス、{bytes} バイト、{keys} 種類",
        "{requests} requests, {bytes} bytes, {keys} keys in all",
    ),
    (
        "mail_subject",
        "【月次レポート】{month} {gateway}",
        "[Monthly report] {month} {gateway}",
    ),
    (
        "mail_intro",
        "{office} ご担当者様\n\n{month} の月次レポートをお送りします。HTML版を添付しています。",
        "To the administrator of {office}\n\nHere is the monthly report for {month}. The HTML version is attached.",
    ),
    ("engine_firewall", "ファイアウォール", "firewall"),
    ("engine_ips", "不正侵入対策 (IPS)", "intrusion prevention"),
    ("engine_dos", "DoS対策", "DoS protection"),
    ("engine_cnc", "C&Cサーバへの通信", "C&C callback"),
    (
        "engine_web_reputation",
        "Webサイトアクセスブロック",
        "web reputation",
    ),
    ("engine_url_filter", "URLフィルタリング", "URL filtering"),
    (
        "engine_app_control",
        "アプリケーション利用制限",
        "application control",
    ),
    ("engine_anti_malware", "不正プログラム対策", "anti-malware"),
    ("engine_anti_spam", "スパムメール対策", "anti-spam"),
    (
        "engine_email_reputation",
        "メールレピュテーション",
        "email reputation",
    ),
];

/// The label of `key` in `lang`; the key itself if the table lacks it (a
/// test checks every key the renderers use is present).
pub fn t(key: &str, lang: Lang) -> &str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, ja, en)| match lang {
            Lang::Ja => *ja,
            Lang::En => *en,
        })
        .unwrap_or(key)
}

/// How a row's key reads in a column headed `column`: URL category names
/// are stored in English (the vendor's names, as in the logs) and shown in
/// Japanese from the category table; other keys (hosts, policies, threats)
/// read as stored.
pub fn key_name(key: &str, column: &str, lang: Lang) -> String {
    if column != "category" || lang != Lang::Ja {
        return key.to_string();
    }
    crate::policy::categories::UrlCategories::builtin()
        .get(key)
        .map_or_else(|| key.to_string(), |category| category.ja.clone())
}

/// [`t`] with `{name}` placeholders filled in.
pub fn tf(key: &str, lang: Lang, args: &[(&str, String)]) -> String {
    let mut text = t(key, lang).to_string();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Whether the table has `key`.
pub fn has(key: &str) -> bool {
    LABELS.iter().any(|(k, _, _)| *k == key)
}

/// The table key of an engine's label.
pub fn engine_key(engine: Engine) -> String {
    let name = serde_plain_name(engine);
    format!("engine_{name}")
}

/// An engine's label in `lang`.
pub fn engine(engine: Engine, lang: Lang) -> &'static str {
    let key = engine_key(engine);
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, ja, en)| match lang {
            Lang::Ja => *ja,
            Lang::En => *en,
        })
        .unwrap_or_else(|| engine.label())
}

/// A policy key as stored: an engine's English label becomes its label in
/// `lang`; a rule name stays as written.
pub fn policy(name: &str, lang: Lang) -> String {
    match Engine::from_label(name) {
        Some(e) => engine(e, lang).to_string(),
        None => name.to_string(),
    }
}

fn serde_plain_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Firewall => "firewall",
        Engine::Ips => "ips",
        Engine::Dos => "dos",
        Engine::Cnc => "cnc",
        Engine::WebReputation => "web_reputation",
        Engine::UrlFilter => "url_filter",
        Engine::AppControl => "app_control",
        Engine::AntiMalware => "anti_malware",
        Engine::AntiSpam => "anti_spam",
        Engine::EmailReputation => "email_reputation",
    }
}

/// The "how to read it" and "what to do" of a section (seed 003's style;
/// the C&C and malicious-site texts follow seed 000's report guide).
pub fn guide(section: &str, lang: Lang) -> (&'static [&'static str], &'static [&'static str]) {
    match (section, lang) {
        ("summary", Lang::Ja) => (
            &[
                "1ヶ月間に専用BOXが検知・ブロックした件数を機能ごとに示します。",
                "総合評価は下記の公開された計算式で求めています。専用BOXがオフラインだった期間やデータのない日がある場合、その期間の脅威は数えられていません。",
            ],
            &[
                "評価がC以下の場合は、各項目の【確認・実施事項】を確認してください。",
                "データのない日がある場合は、専用BOXの「Cloud Consoleに接続」LEDが緑点灯しているか確認してください。",
            ],
        ),
        ("summary", Lang::En) => (
            &[
                "What the gateway detected and blocked this month, per function.",
                "The overall rating follows the published formula below. Threats during periods when the gateway was offline or sent no data are not counted.",
            ],
            &[
                "If the rating is C or lower, go through each section's \"what to do\".",
                "If some days have no data, check that the gateway's \"connected to Cloud Console\" LED is green.",
            ],
        ),
        ("cnc", Lang::Ja) => (
            &[
                "本ページでは、不正プログラム侵入検知機能により、Cloud Edgeが1ヶ月以内にC&Cサーバ接続を検知・ブロックした結果を把握することができます。",
                "IPアドレスにより、どのユーザがC&Cサーバへの通信を実施しているか、把握することができます。",
                "C&Cサーバとは、外部から侵入して乗っ取ったコンピュータを踏み台にして制御したり命令を出したりする役割を担うサーバコンピュータのことであり、検出された端末は感染が強く疑われます。早期の対応が必要です。",
                "C&Cサーバへの通信はCloud Edgeによりブロックされており、情報漏えいの発生はございません。",
                "Cloud Edgeを経由してC&Cサーバへの接続を行った上位10件のユーザに関する情報です。横軸: 検出した件数、縦軸: ユーザ (表記されているIPアドレスを保持する端末)。",
            ],
            &[
                "IPアドレスから被疑端末を特定してください。",
                "被疑端末をネットワークから切り離し (LANケーブル抜去)、ウイルス対策ソフトでフルスキャンしてください。",
                "対処後、C&Cサーバへの通信が発生していないことを確認してください。OSのサポートが切れた端末 (Windows XP など) は更新または廃棄を検討してください。",
            ],
        ),
        ("cnc", Lang::En) => (
            &[
                "What the gateway's intrusion detection found and blocked this month: connections to C&C servers.",
                "The IP address tells which user (device) is calling a C&C server.",
                "A C&C server controls computers taken over from outside and sends them commands; a device detected here is strongly suspected to be infected and needs early action.",
                "The connections were blocked by the gateway; no information leaked through them.",
                "The top 10 users that connected to C&C servers through the gateway. x axis: detections; y axis: users (the device holding the IP address shown).",
            ],
            &[
                "Identify the suspect device by its IP address.",
                "Isolate it from the network (unplug the LAN cable) and run a full scan with its antivirus software.",
                "Afterwards, confirm that the C&C traffic stopped. Replace or retire devices whose OS is out of support (Windows XP and the like).",
            ],
        ),
        ("malicious", Lang::Ja) => (
            &[
                "本ページでは、Webサイトアクセスブロック機能により、Cloud Edgeが1ヶ月以内に不正サイトへの接続を検知・ブロックした結果を把握することができます。",
                "IPアドレスにより、どのユーザが不正サイトへのアクセスを試みているのか、把握することができます。",
                "Cloud Edgeでブロックした不正サイトアクセスが多いユーザのうち、上位10件の結果です。横軸: 検出した件数、縦軸: 検出件数が多い上位10件のユーザ。",
            ],
            &[
                "件数が突出しているユーザには、不審なメールのリンクや広告を開いていないか確認してください。",
                "自社のWebサイトが表示される場合は、SSL証明書の期限切れなどを確認してください (FAQ Q5)。",
            ],
        ),
        ("malicious", Lang::En) => (
            &[
                "What the gateway's malicious-site blocking (web reputation) found and blocked this month.",
                "The IP address tells which user tried to reach malicious sites.",
                "The top 10 users by blocked malicious-site accesses. x axis: detections; y axis: the 10 users with the most.",
            ],
            &[
                "Ask users who stand out whether they opened links in suspicious mail or ads.",
                "If your own web site shows up, check its SSL certificate has not expired (FAQ Q5).",
            ],
        ),
        ("categories", Lang::Ja) => (
            &["URLフィルタリングでブロックされたアクセスを、URLカテゴリごとに多い順に示します。"],
            &[
                "業務に必要なサイトがブロックされている場合は、許可リストへの追加を検討してください (サポート事例②)。",
            ],
        ),
        ("categories", Lang::En) => (
            &["Accesses blocked by URL filtering, per URL category, most first."],
            &[
                "If a site needed for work is blocked, consider adding it to the allow list (support case 2).",
            ],
        ),
        ("policies", Lang::Ja) => (
            &[
                "一定期間内に最も多く適用されたポリシー (ルール、またはセキュリティプロファイルの機能) です。",
            ],
            &["想定外のポリシーが多く適用されている場合は、ポリシー設定を見直してください。"],
        ),
        ("policies", Lang::En) => (
            &["The policies (rules, or functions of the security profile) applied most often."],
            &["If an unexpected policy is applied often, review the policy settings."],
        ),
        ("policy_users", Lang::Ja) => (
            &[
                "一定期間内にセキュリティポリシー (Webフィルタリングやアクセス制御など) が最も多く適用されたユーザ (端末) をランキング形式で表示したものです (FAQ Q20)。",
            ],
            &[
                "ポリシー設定の見直しや、業務に必要なサイトの許可リスト追加など、運用改善の参考にしてください。",
            ],
        ),
        ("policy_users", Lang::En) => (
            &[
                "The users (devices) to whom security policies (web filtering, access control) were applied most often (FAQ Q20).",
            ],
            &[
                "Use it to review the policy settings or add sites needed for work to the allow list.",
            ],
        ),
        ("security_users", Lang::Ja) => (
            &[
                "不正プログラム対策、IPS、C&C通信検知、Webサイトアクセスブロックなどでブロックされた件数が多いユーザです。",
            ],
            &["上位のユーザの端末は感染やリスクの高い利用がないか確認してください。"],
        ),
        ("security_users", Lang::En) => (
            &[
                "Users blocked most often by anti-malware, intrusion prevention, C&C detection, web reputation and the other security functions.",
            ],
            &["Check the devices of the top users for infection or risky use."],
        ),
        ("threats", Lang::Ja) => (
            &["機器が検出した脅威の名前と検出件数です。"],
            &["同じ脅威が続けて検出される場合は、該当端末の調査をサポートデスクにご相談ください。"],
        ),
        ("threats", Lang::En) => (
            &["The names of the threats the gateway detected, with their counts."],
            &[
                "If the same threat keeps being detected, ask the support desk to help examine the device.",
            ],
        ),
        ("daily", Lang::Ja) => (
            &[
                "各脅威が検出された件数と日付です。稼働状況が「オフライン」「データなし」の日は、検出がなくても安全とは限りません (FAQ Q21)。",
            ],
            &["急増した日があれば、その日の端末の利用状況を確認してください。"],
        ),
        ("daily", Lang::En) => (
            &[
                "Detections per day. A day marked \"offline\" or \"no data\" is not a safe day just because it shows no detections (FAQ Q21).",
            ],
            &["If a day stands out, check how the devices were used that day."],
        ),
        ("access", Lang::Ja) => (
            &[
                "専用BOXを通して許可されたWebアクセスの統計情報です。「いつどの端末からどのサイトにアクセスしたのか」は記録していません (FAQ Q6)。管理コンソールは上位20件までですが、ここではすべてを多い順に示します。",
            ],
            &[
                "業務に不要なカテゴリへのアクセスが多い場合は、業務内容や機器設定の見直しを行ってください。",
            ],
        ),
        ("access", Lang::En) => (
            &[
                "Statistics of the web accesses the gateway allowed. Which device visited which site when is not recorded (FAQ Q6). The console stops at 20 rows; this report lists all, most first.",
            ],
            &[
                "If categories not needed for work get many accesses, review how the office works or the settings.",
            ],
        ),
        _ => (&[], &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        for (i, (k, ja, en)) in LABELS.iter().enumerate() {
            assert!(!ja.is_empty() && !en.is_empty(), "{k}");
            assert!(
                LABELS[i + 1..].iter().all(|(other, _, _)| other != k),
                "{k} twice"
            );
        }
    }

    #[test]
    fn every_engine_has_labels() {
        for e in Engine::ALL {
            assert!(has(&engine_key(e)), "{e:?}");
            assert_eq!(engine(e, Lang::En), e.label());
        }
        assert_eq!(engine(Engine::Cnc, Lang::Ja), "C&Cサーバへの通信");
        assert_eq!(policy("C&C callback", Lang::Ja), "C&Cサーバへの通信");
        assert_eq!(policy("業務時間帯", Lang::En), "業務時間帯");
    }

    #[test]
    fn every_section_has_guides_in_both_languages() {
        for s in [
            "summary",
            "cnc",
            "malicious",
            "categories",
            "policies",
            "policy_users",
            "security_users",
            "threats",
            "daily",
            "access",
        ] {
            for lang in [Lang::Ja, Lang::En] {
                let (read, todo) = guide(s, lang);
                assert!(!read.is_empty() && !todo.is_empty(), "{s} {lang:?}");
            }
        }
    }
}
