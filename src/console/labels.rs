//! The console's words, Japanese and English, from one table.
//!
//! Every label a page shows comes from [`LABELS`] (the words of GLOSSARY.md),
//! never from a template literal, so a term is changed in one place and both
//! languages always have it.

use appliance::{Action, Engine};
use std::collections::BTreeMap;

/// The two languages of the console; Japanese is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ja" | "jp" | "japanese" | "日本語" => Some(Lang::Ja),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// The label `key` in this language; the key itself if it is missing
    /// (a unit test keeps every key of the templates in the table).
    pub fn t(self, key: &str) -> &'static str {
        LABELS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, ja, en)| if self == Lang::En { *en } else { *ja })
            .unwrap_or("?")
    }

    /// The whole table in this language, for templates (`{{ t.dashboard }}`).
    pub fn table(self) -> BTreeMap<&'static str, &'static str> {
        LABELS
            .iter()
            .map(|(k, ja, en)| (*k, if self == Lang::En { *en } else { *ja }))
            .collect()
    }

    pub fn engine(self, engine: Engine) -> &'static str {
        self.t(engine_key(engine))
    }

    pub fn action(self, action: Action) -> &'static str {
        self.t(match action {
            Action::Block => "action_block",
            Action::Reset => "action_reset",
            Action::Reject => "action_reject",
            Action::Drop => "action_drop",
            Action::Tag => "action_tag",
            Action::Monitor => "action_monitor",
        })
    }
}

pub fn engine_key(engine: Engine) -> &'static str {
    match engine {
        Engine::Firewall => "engine_firewall",
        Engine::Ips => "engine_ips",
        Engine::Dos => "engine_dos",
        Engine::Cnc => "engine_cnc",
        Engine::WebReputation => "engine_web_reputation",
        Engine::UrlFilter => "engine_url_filter",
        Engine::AppControl => "engine_app_control",
        Engine::AntiMalware => "engine_anti_malware",
        Engine::AntiSpam => "engine_anti_spam",
        Engine::EmailReputation => "engine_email_reputation",
    }
}

/// key, 日本語 (as in the seeds), English.
pub const LABELS: &[(&str, &str, &str)] = &[
    ("console", "Cloud Edge 管理コンソール", "Cloud Edge console"),
    ("dashboard", "ダッシュボード", "Dashboard"),
    ("logs", "ログ分析", "Log analysis"),
    (
        "internet_access",
        "インターネットアクセス",
        "Internet access",
    ),
    ("devices", "デバイスリスト", "Device list"),
    ("policies", "ポリシー", "Policies"),
    ("reports", "月次レポート", "Monthly reports"),
    ("demo", "デモ", "Demo"),
    ("account", "アカウント", "Account"),
    ("password", "パスワード", "Password"),
    ("login", "ログイン", "Log in"),
    ("logout", "ログアウト", "Log out"),
    (
        "login_prompt",
        "登録情報を入力してください",
        "Enter your account details",
    ),
    (
        "login_failed",
        "アカウントまたはパスワードが正しくありません",
        "Wrong account or password",
    ),
    (
        "login_locked",
        "ログインの失敗が続いたため、このアカウントはしばらくロックされています",
        "Too many failed logins: this account is locked for a while",
    ),
    ("language", "English", "日本語"),
    (
        "security_status",
        "セキュリティステータス",
        "Security status",
    ),
    ("traffic_status", "トラフィックステータス", "Traffic status"),
    (
        "top_policies",
        "実行された上位ポリシー",
        "Top policies enforced",
    ),
    (
        "top_blocked_categories",
        "ブロックされた上位URLカテゴリ",
        "Top blocked URL categories",
    ),
    (
        "top_blocked_users",
        "インターネットセキュリティによってブロックされた上位ユーザ",
        "Top users blocked by internet security",
    ),
    (
        "cnc_users",
        "C&Cサーバへの接続を行った上位10件のユーザ",
        "Top 10 users calling C&C servers",
    ),
    (
        "apt_events",
        "APT (総合的サイバー攻撃) イベント",
        "APT events",
    ),
    ("last_7_days", "過去7日間", "Last 7 days"),
    ("detections", "検出数", "Detections"),
    ("no_data", "データはありません", "No data"),
    ("policy", "ポリシー", "Policy"),
    ("category", "URLカテゴリ", "URL category"),
    ("user", "ユーザ", "User"),
    ("host", "端末", "Device"),
    ("ip", "IPアドレス", "IP address"),
    ("mac", "MACアドレス", "MAC address"),
    ("os", "OS", "OS"),
    ("time", "日時", "Time"),
    ("engine", "機能", "Feature"),
    ("action", "処理", "Action"),
    ("destination", "接続先", "Destination"),
    ("reason", "理由", "Reason"),
    ("from", "開始日", "From"),
    ("until", "終了日", "Until"),
    ("all", "すべて", "All"),
    ("filter", "検索", "Search"),
    (
        "export_csv",
        "ログのダウンロード (CSV)",
        "Download logs (CSV)",
    ),
    (
        "export_rules",
        "ログの保持期間は最大62日間です。一度にダウンロードできる上限は5,000件です。",
        "Logs are kept for 62 days at most; one download holds at most 5,000 rows.",
    ),
    ("rows_matching", "該当件数", "Matching rows"),
    ("rows_shown", "表示件数", "Rows shown"),
    (
        "range_clamped",
        "62日より前のログは保持されていないため、期間を過去62日以内に調整しました",
        "Logs older than 62 days are not kept: the range was narrowed to the last 62 days",
    ),
    (
        "bad_filter",
        "検索条件が正しくありません",
        "The search is not valid",
    ),
    (
        "virtual_now",
        "現在時刻 (仮想時計, JST)",
        "Now (virtual clock, JST)",
    ),
    ("gateway", "ゲートウェイ", "Gateway"),
    ("frames_lan", "LAN側フレーム数", "LAN frames"),
    ("frames_wan", "WAN側フレーム数", "WAN frames"),
    ("bytes_wan", "WAN側バイト数", "WAN bytes"),
    ("alerts", "アラート", "Alerts"),
    ("last_seen", "最終検出", "Last detection"),
    ("status", "ステータス", "Status"),
    ("connected", "接続中", "Connected"),
    ("isolated", "切り離し済み", "Unplugged"),
    ("blocked", "ブロック中", "Blocked"),
    ("block", "ブロック", "Block"),
    ("unblock", "ブロック解除", "Unblock"),
    ("block_by", "指定方法", "Block by"),
    (
        "block_unavailable",
        "この環境ではデバイス単位のブロックはまだ使えません",
        "Blocking a device is not available in this environment yet",
    ),
    (
        "devices_note",
        "会社の備品以外のデバイスは、IPアドレスもしくはMACアドレスを指定してブロックできます。",
        "A device that is not the company's can be blocked by its IP or MAC address.",
    ),
    (
        "top_sites_blocked",
        "ブロックされた上位の接続先 (上位20件)",
        "Top blocked destinations (top 20)",
    ),
    (
        "internet_access_note",
        "「いつどの端末からどのサイトにアクセスしたのか」という情報までは知ることができません。",
        "The console does not show which device visited which site when.",
    ),
    (
        "security_profile",
        "セキュリティプロファイル",
        "Security profile",
    ),
    ("policy_yaml", "ポリシー (YAML)", "Policy (YAML)"),
    ("save", "保存", "Save"),
    ("deploy_all", "すべて配信", "Deploy all"),
    (
        "deploy_status",
        "ゲートウェイ配信ステータス",
        "Gateway deployment status",
    ),
    ("deploy_deploying", "配信中", "Deploying"),
    ("deploy_success", "成功", "Success"),
    ("deploy_failed", "失敗", "Failed"),
    ("version", "バージョン", "Version"),
    ("running_version", "稼働中のバージョン", "Running version"),
    (
        "policy_invalid",
        "ポリシーが正しくないため配信しませんでした",
        "The policy is not valid and was not deployed",
    ),
    (
        "policy_saved",
        "ポリシーを保存しました。「すべて配信」で各ゲートウェイに配信されます。",
        "Policy saved. \"Deploy all\" sends it to every gateway.",
    ),
    (
        "policy_readonly",
        "この環境ではポリシーは表示のみです",
        "Policies are read-only in this environment",
    ),
    (
        "reports_none",
        "月次レポートはまだありません",
        "No monthly reports yet",
    ),
    ("download", "ダウンロード", "Download"),
    ("month", "対象月", "Month"),
    ("story", "インシデントの経過", "The incident so far"),
    (
        "story_waiting",
        "デモの開始を待っています",
        "Waiting for the demo to start",
    ),
    ("look_at", "画面", "Page"),
    ("speed", "速度", "Speed"),
    ("action_block", "ブロック", "Block"),
    ("action_reset", "切断", "Reset"),
    ("action_reject", "拒否", "Reject"),
    ("action_drop", "破棄", "Drop"),
    ("action_tag", "タグの追加", "Add tag"),
    ("action_monitor", "ログのみ", "Log only"),
    ("engine_firewall", "ファイアウォール", "Firewall"),
    (
        "engine_ips",
        "不正侵入対策 (IPS/IDS)",
        "Intrusion prevention",
    ),
    ("engine_dos", "DoS対策", "DoS protection"),
    ("engine_cnc", "C&Cコールバック", "C&C callback"),
    (
        "engine_web_reputation",
        "Webレピュテーション",
        "Web reputation",
    ),
    ("engine_url_filter", "URLフィルタリング", "URL filtering"),
    (
        "engine_app_control",
        "アプリケーション利用制限",
        "Application control",
    ),
    ("engine_anti_malware", "不正プログラム対策", "Anti-malware"),
    ("engine_anti_spam", "スパムメール対策", "Anti-spam"),
    (
        "engine_email_reputation",
        "メールレピュテーション",
        "Email reputation",
    ),
    (
        "reports_note",
        "毎月お送りしている月次レポートは、削除してしまってもここから何度でもダウンロードできます。",
        "Every monthly report mailed to you can be downloaded here again, as often as needed.",
    ),
    ("report_final", "確定", "Final"),
    (
        "report_preliminary",
        "速報 (月の途中)",
        "Preliminary (month not over)",
    ),
    ("view", "表示", "View"),
    ("group_by", "集計単位", "Group by"),
    ("by_category", "URLカテゴリ", "URL category"),
    ("by_host", "サイト", "Site"),
    ("by_user", "ユーザ", "User"),
    ("period", "期間", "Period"),
    ("days", "日間", "days"),
    ("requests", "アクセス数", "Requests"),
    ("bytes", "通信量 (バイト)", "Traffic (bytes)"),
    ("rows_total", "件数", "Rows"),
    ("page", "ページ", "Page"),
    ("previous", "前へ", "Previous"),
    ("next", "次へ", "Next"),
    ("uncategorised", "未分類", "Uncategorised"),
    (
        "allow_list",
        "承認済みURL (許可リスト)",
        "Approved URLs (allow list)",
    ),
    (
        "block_list",
        "ブロックするURL (ブロックリスト)",
        "Blocked URLs (block list)",
    ),
    (
        "list_added",
        "追加しました。「すべて配信」で反映されます",
        "added; \"Deploy all\" puts it in force",
    ),
    (
        "list_removed",
        "削除しました。「すべて配信」で反映されます",
        "removed; \"Deploy all\" puts it in force",
    ),
    (
        "list_invalid",
        "URLが正しくないため変更しませんでした",
        "The URL is not valid; nothing was changed",
    ),
    ("add", "追加", "Add"),
    ("remove", "削除", "Remove"),
    ("list_empty", "登録はありません", "No entries"),
    (
        "list_entry_hint",
        "例: www.example.co.jp, *.example.co.jp, www.example.co.jp/video/*",
        "e.g. www.example.co.jp, *.example.co.jp, www.example.co.jp/video/*",
    ),
    ("web_reputation", "Webレピュテーション", "Web reputation"),
    (
        "url_filtering_rules",
        "URLフィルタリングのルール",
        "URL filtering rules",
    ),
    ("rule", "ルール", "Rule"),
    ("schedule", "スケジュール", "Schedule"),
    ("applications", "アプリケーション", "Applications"),
    ("enabled", "有効", "On"),
    ("disabled", "無効", "Off"),
    ("level_high", "高", "High"),
    ("level_medium", "中", "Medium"),
    ("level_low", "低", "Low"),
    ("rule_block", "ブロック", "Block"),
    ("rule_monitor", "ログのみ", "Log only"),
    ("rule_allow", "許可", "Allow"),
    (
        "draft_pending",
        "未配信の変更があります。「すべて配信」で各ゲートウェイに配信されます。",
        "There are changes not deployed yet; \"Deploy all\" sends them to every gateway.",
    ),
    ("deploy_history", "経過", "Progress"),
    (
        "profile_yaml",
        "セキュリティプロファイルをYAMLで編集 (Webレピュテーション、URLフィルタリングのルール、スケジュール、許可/ブロックリスト)",
        "Edit the security profile as YAML (web reputation, URL filtering rules, schedules, allow/block lists)",
    ),
    (
        "gateway_settings",
        "ゲートウェイ設定 (YAML)",
        "Gateway settings (YAML)",
    ),
    (
        "gateway_settings_note",
        "Webポリシーは上のセキュリティプロファイルで編集します。ここではそれ以外の設定 (C&C、アラート、IPSなど) を編集します。",
        "The web policy is edited in the security profile above; here the other settings (C&C, alerts, IPS...).",
    ),
    (
        "csrf_refused",
        "不正なリクエストのため処理しませんでした",
        "Request refused (cross-site or stale form)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut seen = std::collections::HashSet::new();
        for (key, ja, en) in LABELS {
            assert!(seen.insert(*key), "label {key} twice");
            assert!(
                !ja.is_empty() && !en.is_empty(),
                "label {key} lacks a language"
            );
        }
        for engine in Engine::ALL {
            assert_ne!(Lang::Ja.engine(engine), "?");
        }
    }

    #[test]
    fn templates_use_only_known_labels() {
        for (name, source) in super::super::render::TEMPLATES {
            let mut rest = *source;
            while let Some(at) = rest.find("t.") {
                let before = rest[..at].chars().last();
                rest = &rest[at + 2..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    LABELS.iter().any(|(k, _, _)| *k == key),
                    "{name} uses unknown label t.{key}"
                );
            }
        }
    }
}
