//! Cloud App Security's words (seed 003: the おまかせクラウドアップセキュリティ
//! report, its mail and the console's archive rows), Japanese as the seed
//! writes them and English; part of the one label table, kept apart for its
//! size.

/// `(key, 日本語, English)`; every key starts with `cas_`.
pub(super) const APP_SECURITY_LABELS: &[(&str, &str, &str)] = &[
    // The report's head.
    (
        "cas_title",
        "おまかせクラウドアップセキュリティ レポート",
        "Cloud App Security report",
    ),
    ("cas_period", "対象期間", "Period"),
    ("cas_office", "お客様", "Office"),
    (
        "cas_unreadable",
        "読み取れなかった項目（ほかの項目は作成されています）",
        "Items that could not be read (the rest of the report could)",
    ),
    (
        "cas_contents",
        "レポートは、以下の6項目から構成されています。",
        "The report has the following six sections.",
    ),
    ("cas_contents_title", "タイトル", "Title"),
    ("cas_contents_desc", "内容", "What it shows"),
    // The sections, in the seed's order (レポートの内容).
    ("cas_sec_overview", "概要", "Overview"),
    (
        "cas_sec_virus_malware",
        "ウイルス/不正プログラム",
        "Virus/Malware",
    ),
    (
        "cas_sec_file_blocking",
        "ファイルのブロック",
        "File blocking",
    ),
    (
        "cas_sec_web_reputation",
        "Webレピュテーション",
        "Web reputation",
    ),
    (
        "cas_sec_virtual_analyzer",
        "仮想アナライザ",
        "Virtual analyzer",
    ),
    (
        "cas_sec_data_loss",
        "情報漏えい対策",
        "Data loss prevention",
    ),
    // The sections' descriptions, from the seed's contents table (内容).
    (
        "cas_desc_overview",
        "アプリケーションごとの脅威の検出数の合計、情報漏えいの検出数の合計を把握することができます。",
        "The total of threats detected and the total of data-loss detections, per application.",
    ),
    (
        "cas_desc_virus_malware",
        "ウイルス検索エンジンによって検知されたネットワーク脅威に関する検出状況を把握することができます。",
        "The detections of threats found by the virus scan engines.",
    ),
    (
        "cas_desc_file_blocking",
        "ファイルタイプ、ファイル名、ファイル拡張子、または不審URLを含むファイルコンテンツに基づいてブロックされたファイル情報の検出状況を把握することができます。",
        "The files blocked by file type, file name, file extension, or file content holding a suspicious URL.",
    ),
    (
        "cas_desc_web_reputation",
        "WRS(Webサイトアクセスブロック)機能によって検知・ブロックした不正サイトへの接続要求数や、アクセスが多いURLカテゴリの情報を把握することができます。",
        "The requests to malicious sites that WRS (web site access blocking) detected and blocked, and the URL categories most reached.",
    ),
    (
        "cas_desc_virtual_analyzer",
        "新たな脅威となる可能性のある添付ファイルやアップロードファイルなどの不審ファイルと、ファイルやメール本文に含まれる不審URLの情報の検出状況を把握することができます。",
        "Suspicious files that may be new threats (attachments, uploaded files) and suspicious URLs in files and mail bodies.",
    ),
    (
        "cas_desc_data_loss",
        "情報漏えいポリシーに一致する文字/数列に当てはまる情報の検出状況を把握できます。",
        "Information matching the character or number patterns of the data-loss policies.",
    ),
    // 概要
    ("cas_overview_table", "検出の概要", "Detection overview"),
    ("cas_application", "アプリケーション", "Application"),
    (
        "cas_protection_advanced_threat",
        "高度な脅威対策",
        "Advanced threat protection",
    ),
    (
        "cas_protection_data_loss",
        "情報漏えい対策",
        "Data loss prevention",
    ),
    ("cas_total", "合計", "Total"),
    // The applications: the overview table's rows, in its order.
    ("cas_app_box", "Box", "Box"),
    ("cas_app_dropbox", "Dropbox", "Dropbox"),
    ("cas_app_exchange", "Exchange", "Exchange"),
    ("cas_app_gmail", "Gmail", "Gmail"),
    ("cas_app_google_drive", "Googleドライブ", "Google Drive"),
    ("cas_app_one_drive", "OneDrive", "OneDrive"),
    (
        "cas_app_salesforce_production",
        "Salesforce本番環境",
        "Salesforce (production)",
    ),
    (
        "cas_app_salesforce_sandbox",
        "Salesforce Sandbox",
        "Salesforce Sandbox",
    ),
    ("cas_app_share_point", "SharePoint", "SharePoint"),
    ("cas_app_teams", "Microsoft Teams", "Microsoft Teams"),
    // The top users' table.
    (
        "cas_top_users",
        "検出数がユーザ (上位)",
        "Top users by detections",
    ),
    ("cas_user", "ユーザ", "User"),
    ("cas_detections", "検出数", "Detections"),
    ("cas_share", "%", "%"),
    (
        "cas_note_user",
        "ユーザ : 脅威が検出されたメールアドレス",
        "User: the mail address the threat was detected for",
    ),
    (
        "cas_note_detections",
        "検出数 : 1カ月間で検出された数",
        "Detections: how many were detected in the month",
    ),
    (
        "cas_note_share",
        "% : 1カ月の検出数の割合",
        "%: the share of the month's detections",
    ),
    ("cas_none", "検出はありませんでした", "No detections"),
    (
        "cas_users_shown",
        "上位{shown}件を表示（全{users}ユーザ、検出数{total}）",
        "Top {shown} shown (of {users} users, {total} detections)",
    ),
    ("cas_count_unit", "{count}件", "{count}"),
    ("cas_section_total", "検出数", "Detections"),
    // Actions.
    ("cas_actions", "処理の結果", "What was done"),
    ("cas_action", "処理", "Action"),
    ("cas_action_quarantined", "隔離", "Quarantined"),
    ("cas_action_deleted", "削除", "Deleted"),
    (
        "cas_action_replaced_with_text",
        "テキストで置換",
        "Replaced with text",
    ),
    (
        "cas_action_replaced_with_file",
        "ファイルで置換",
        "Replaced with a file",
    ),
    ("cas_action_logged_only", "ログのみ", "Logged only"),
    // Threats left in place.
    (
        "cas_left_none",
        "すべての検出が「隔離」「削除」「テキスト/ファイルで置換」のいずれかで処理されています。",
        "Every detection was quarantined, deleted or replaced with text or a file.",
    ),
    (
        "cas_left_some",
        "{count}件は「隔離」「削除」「テキスト/ファイルで置換」以外の処理のため、脅威が残った状態です。ユーザが触れてしまう可能性があるため、ご注意ください。",
        "{count} were handled otherwise than by quarantine, deletion or replacement with text or a file, so the threat is still in place. Users may touch it: take care.",
    ),
    (
        "cas_left_some_data_loss",
        "{count}件は「隔離」「削除」「テキスト/ファイルで置換」以外の処理のため、情報はそのまま残っています（送信メールは送信済みです）。",
        "{count} were handled otherwise than by quarantine, deletion or replacement with text or a file, so the information is still where it was (outgoing mail has been sent).",
    ),
    (
        "cas_left_title",
        "脅威が残った状態の検出",
        "Detections left in place",
    ),
    (
        "cas_left_title_data_loss",
        "情報がそのまま残った検出",
        "Detections left where they were",
    ),
    ("cas_left_more", "ほか{more}件", "{more} more"),
    ("cas_time", "日時", "Time"),
    ("cas_object", "対象", "Found in"),
    ("cas_name", "件名/ファイル", "Subject / file"),
    ("cas_threat", "検出内容", "What was found"),
    ("cas_object_incoming_mail", "受信メール", "Incoming mail"),
    ("cas_object_outgoing_mail", "送信メール", "Outgoing mail"),
    ("cas_object_file", "ファイル", "File"),
    (
        "cas_object_message",
        "メッセージ/レコード",
        "Message / record",
    ),
    // 仮想アナライザ: the risk levels (仮想アナライザ(2)).
    ("cas_risk_table", "リスクレベル", "Risk levels"),
    ("cas_risk", "リスクレベル", "Risk level"),
    ("cas_risk_desc", "説明", "Description"),
    ("cas_risk_month", "今月の検出数", "This month"),
    ("cas_risk_high", "高", "High"),
    ("cas_risk_medium", "中", "Medium"),
    ("cas_risk_low", "低", "Low"),
    ("cas_risk_no_risk", "リスクなし", "No risk"),
    ("cas_risk_unknown", "不明", "Unknown"),
    (
        "cas_risk_none",
        "リスクレベルの記録なし",
        "No risk level recorded",
    ),
    // The descriptions quoted from the seed's risk-level table. The seed's
    // 高 row reads 「既知の 익스プロイドコード」, a garbled extraction (Hangul
    // inside the Japanese); it is written here as the word it stands for,
    // 「既知のエクスプロイトコード」.
    (
        "cas_risk_desc_high",
        "一般に不正プログラムに関連付けられている、非常に不審な特性を示しました。 (例) ・不正なシグネチャ、既知のエクスプロイトコード ・セキュリティソフトウェアエージェントの無効化 ・不正な送信先への接続 ・自己複製、他のファイルへの感染 ・ドキュメントを介した実行可能ファイルのドロップまたはダウンロード",
        "Showed highly suspicious traits usually tied to malware. (e.g.) - malicious signatures, known exploit code - disabling security software agents - connections to malicious destinations - self-replication, infecting other files - dropping or downloading executables through documents",
    ),
    (
        "cas_risk_desc_medium",
        "無害なアプリケーションに関連付けられていることもある、中程度の不審な特性を示しました。 (例) ・起動時のシステム設定や他の重要なシステム設定の変更 ・不明な送信先への接続、ポートのオープン ・署名されていない実行可能ファイル ・メモリへの常駐 ・自己削除",
        "Showed moderately suspicious traits, sometimes seen in harmless applications. (e.g.) - changes to start-up or other important system settings - connections to unknown destinations, opening ports - unsigned executables - staying resident in memory - deleting itself",
    ),
    (
        "cas_risk_desc_low",
        "無害である可能性が高いですが、多少不審な特性を示しました。",
        "Probably harmless, but showed a few suspicious traits.",
    ),
    (
        "cas_risk_desc_no_risk",
        "不審な特性を示しませんでした。",
        "Showed no suspicious traits.",
    ),
    (
        "cas_risk_desc_unknown",
        "不審な特性を示しませんが、必ずしも安全であるとは限りません。 (例) 20を超える圧縮レイヤがあったためにファイルを分析できなかった",
        "Showed no suspicious traits, but is not necessarily safe. (e.g.) the file could not be analysed because it had more than 20 compression layers",
    ),
    // 情報漏えい対策: where it was found.
    ("cas_places", "検出場所", "Where it was found"),
    ("cas_place_mail", "メール", "Mail"),
    (
        "cas_place_storage",
        "オンラインストレージ",
        "Online storage",
    ),
    (
        "cas_place_messages",
        "メッセージ/レコード（Microsoft Teams、Salesforce）",
        "Messages / records (Microsoft Teams, Salesforce)",
    ),
    (
        "cas_places_see",
        "メールで検知したものは【確認・実施事項（例）】の①、オンラインストレージで検知したものは②をご覧ください。",
        "For what was found in mail see ① under What to do (examples), for what was found in online storage see ②.",
    ),
    // The guides' headings.
    ("cas_how_to_read", "【読み解き方】", "How to read it"),
    (
        "cas_what_to_do",
        "【確認・実施事項】",
        "What to check and do",
    ),
    (
        "cas_what_to_do_examples",
        "【確認・実施事項（例）】",
        "What to check and do (examples)",
    ),
    ("cas_notes", "留意事項", "Notes"),
    // The mail.
    (
        "cas_mail_subject",
        "【おまかせクラウドアップセキュリティ】レポート {month}（{office}）",
        "[Cloud App Security] Report {month} ({office})",
    ),
    (
        "cas_mail_intro",
        "{office} ご担当者様\n\nおまかせクラウドアップセキュリティが{month}に検出した脅威と情報漏えいに関するレポートをお送りします。HTML版を添付しています。",
        "To the administrator of {office}\n\nHere is the report of the threats and data leaks Cloud App Security detected in {month}. The HTML version is attached.",
    ),
    // The console.
    (
        "cas_nav",
        "クラウドアップセキュリティ",
        "Cloud App Security",
    ),
    (
        "cas_page",
        "おまかせクラウドアップセキュリティ",
        "Cloud App Security",
    ),
    ("cas_newest", "最新の検出", "Newest detections"),
    ("cas_function", "機能", "Function"),
    ("cas_policy", "ポリシー", "Policy"),
    ("cas_left_short", "脅威が残った状態", "threat left in place"),
    (
        "cas_report_archive",
        "おまかせクラウドアップセキュリティ レポート",
        "Cloud App Security reports",
    ),
];
