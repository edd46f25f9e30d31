//! The Cloud App Security report's section guides: 【読み解き方】 and
//! 【確認・実施事項】 per section, quoted from seed 003 in Japanese and
//! translated into English; and the seed's 留意事項 (notes).
//!
//! Each to-do item is `(heading, text)`: the overview's and the data-loss
//! section's items have a heading (「高度な脅威対策」, 「①メールで検知した
//! 場合」), the others only a text. A parenthesised line the seed puts under
//! an item (「(ウイルス/不正プログラムの対処で…場合)」) is joined to it.
//!
//! Where the seed has an obvious slip it is mended and said so here:
//! - the overview's links read 「Webレビューション」 and 「仮想アナライズ」; the
//!   sections they point at are titled 「Webレピュテーション」 and 「仮想
//!   アナライザ」, which is what is written. The links' 「ウイルス／不正
//!   プログラム」 (full-width slash, as in the contents table) is written as
//!   the section's title, 「ウイルス/不正プログラム」.
//! - everything else is as the seed writes it, 「にてよって」 included.

use super::Lang;

/// One to-do item: a heading (may be empty) and its text.
pub type Todo = (&'static str, &'static str);

/// A section's guide.
#[derive(Clone, Copy, Debug, Default)]
pub struct CasGuide {
    /// 【読み解き方】
    pub read: &'static [&'static str],
    /// Whether the seed heads the to-dos 【確認・実施事項（例）】 (examples)
    /// rather than 【確認・実施事項】.
    pub examples: bool,
    /// A sentence before the to-do items (仮想アナライザ only).
    pub lead: &'static str,
    pub todo: &'static [Todo],
}

/// Every section with a guide, in the report's order (the detections'
/// codes after the overview).
pub const APP_SECURITY_GUIDES: [&str; 6] = [
    "overview",
    "virus_malware",
    "file_blocking",
    "web_reputation",
    "virtual_analyzer",
    "data_loss",
];

/// The guide of a Cloud App Security report section (empty for an unknown
/// one).
pub fn app_security_guide(section: &str, lang: Lang) -> CasGuide {
    match lang {
        Lang::Ja => ja(section),
        Lang::En => en(section),
    }
}

/// The seed's 留意事項 (notes on the report as a whole).
pub fn app_security_notes(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Ja => &[
            "記載の対処は一例となります。お客様の状況により実施する内容は異なりますので、予めご了承ください。",
            "解説は、「おまかせクラウドアップセキュリティ」にフォーカスしておりますが、各種脅威を検知した際には、本レポートをきっかけにあわせてエンドポイント対策の見直し（導入の可否や設定の確認）をすることを推奨します。",
            "「おまかせクラウドアップセキュリティ」で検知できないパスワードzip添付などのファイルがあった場合、エンドポイント対策の検討を推奨します。",
        ],
        Lang::En => &[
            "The actions described are examples. What to do depends on your situation.",
            "The guide focuses on Cloud App Security, but when threats are detected we recommend taking the report as the occasion to review your endpoint protection too (whether it is installed, and its settings).",
            "If there are files Cloud App Security cannot inspect, such as password-protected zip attachments, we recommend considering endpoint protection.",
        ],
    }
}

/// The to-dos sections ②, ④ and ⑤ share (the seed repeats them).
const JA_THREAT_TODO: &[Todo] = &[
    ("", "ブロックが多いユーザの確認"),
    (
        "",
        "当該メール、ファイルの削除 (ウイルス/不正プログラムの対処で「隔離」「削除」「テキスト/ファイルで置換」以外の設定をしている場合)",
    ),
    ("", "必要に応じて送信元のブロック"),
    ("", "社内注意喚起"),
    ("", "「おまかせクラウドアップセキュリティ」設定の見直し"),
    ("", "オンラインストレージの公開範囲の見直し"),
];

const EN_THREAT_TODO: &[Todo] = &[
    ("", "Check the users with many blocks"),
    (
        "",
        "Delete the mail or file concerned (when the virus/malware action is set to anything but quarantine, delete or replace with text or a file)",
    ),
    ("", "Block the sender if needed"),
    ("", "Warn the staff"),
    ("", "Review the Cloud App Security settings"),
    ("", "Review who online storage is shared with"),
];

fn ja(section: &str) -> CasGuide {
    match section {
        "overview" => CasGuide {
            read: &[
                "傾向を把握するために利用します。",
                "インターネットの窓口となるメール（Exchange/Gmail）は、オンラインストレージサービスと比べてATPが多くなる傾向があります。",
                "検出の有無を確認し、以下の項目を確認します。",
            ],
            examples: false,
            lead: "",
            todo: &[
                (
                    "高度な脅威対策",
                    "高度な脅威対策ポリシーにてよって検知された件数が記載されます。詳細は本資料の「ウイルス/不正プログラム」「Webレピュテーション」「仮想アナライザ」の項目をご覧ください。",
                ),
                (
                    "情報漏えい対策",
                    "情報漏えい対策ポリシーにてよって検知された件数が記載されます。メール/ストレージにより状況が異なるため、詳細は本資料の「情報漏えい対策」の項目をご覧ください。",
                ),
            ],
        },
        "virus_malware" => CasGuide {
            read: &[
                "ウイルス/不正プログラムと判断されたため、脅威が来ている状態です。",
                "設定で「隔離」「削除」「テキスト/ファイルで置換」以外を選択している場合は、脅威が残った状態になります。ユーザーが触れてしまう可能性があるため、ご注意ください。",
                "検出元がメールで多くのユーザーで検出している場合、会社を狙った標的型攻撃の可能性もあります。また個人で多い場合は、個人を標的とした可能性も考えられます。",
            ],
            examples: true,
            lead: "",
            todo: &[
                ("", "ブロックが多いユーザーの確認"),
                (
                    "",
                    "当該メール、ファイルの削除 (ウイルス/不正プログラムの対処で「隔離」「削除」「テキスト/ファイルで置換」以外の設定をしている場合)",
                ),
                ("", "必要に応じて送信元のブロック"),
                ("", "社内注意喚起"),
                ("", "「おまかせクラウドアップセキュリティ」設定の見直し"),
                ("", "オンラインストレージの公開範囲の見直し"),
            ],
        },
        "file_blocking" => CasGuide {
            read: &[
                "「おまかせクラウドアップセキュリティ」で設定されたファイル種類をブロックしています。これはお客様のポリシーによるものもあれば、一般的な脅威（exeやscrなど）のリスク低減を図る目的のものもあります。",
                "利用者が誤って添付してしまったケースもあることから、明確な脅威が来ているかどうかは、送信元や本文、添付ファイルを確認する必要があります。",
                "運用を含めて確認し、必要であれば送信元のブロックや設定の見直しを実施します。",
            ],
            examples: true,
            lead: "",
            todo: &[
                ("", "ブロックが多いユーザの確認"),
                ("", "必要に応じて送信元のブロック"),
                ("", "社内での運用ルールの周知"),
                ("", "「おまかせクラウドアップセキュリティ」設定の見直し"),
            ],
        },
        "web_reputation" => CasGuide {
            read: &[
                "Webレピュテーションで検知したものは、TrendMicro社が危険と判断したURLが含まれるメール/ファイルになります。この検知があった場合、脅威があったと判断できます。",
                "Webレピュテーションが「高」の場合、未評価のサイトもブロックしてしまうため、明らかな脅威かどうかまでは判断できかねます。",
                "設定で「隔離」「削除」「テキスト/ファイルで置換」以外を選択している場合は、脅威が残った状態になります。ユーザが触れてしまう可能性があるため、ご注意ください。",
            ],
            examples: true,
            lead: "",
            todo: JA_THREAT_TODO,
        },
        "virtual_analyzer" => CasGuide {
            read: &[
                "「仮想アナライザ」機能で検索されたのは、不審な点が見られるファイル/URLが検出されたことを意味します。",
                "ここでは検索結果の判定にかかわらず、検索された数が表示されます。",
                "そのため、具体的な危険度（リスクレベル）を見るためには、「おまかせクラウドアップセキュリティ」のログを参照する必要があります。(コンソールから、ログ > 種類：仮想アナライザ)",
                "危険度に関しては、次ページのリスクレベル一覧をご参照ください。",
                "検出元がメールでかつリスクレベルが中以上、また多くのユーザで検出している場合、会社を狙った標的型攻撃の可能性もあります。また個人で多い場合は、個人を標的とした可能性も考えられます。",
            ],
            examples: true,
            lead: "利用者の方への注意喚起とともに、送信元のブロックなどの対処、継続して検知されるかどうかを引き続き観察しておく必要があります。",
            todo: &[
                ("", "ブロックが多いユーザの確認"),
                (
                    "",
                    "当該メール、ファイルの削除 (ウイルス／不正プログラムの対処で「隔離」「削除」「テキスト/ファイルで置換」以外の設定をしている場合)",
                ),
                ("", "必要に応じて送信元のブロック"),
                ("", "社内注意喚起"),
                ("", "「おまかせクラウドアップセキュリティ」設定の見直し"),
                ("", "オンラインストレージの公開範囲の見直し"),
            ],
        },
        "data_loss" => CasGuide {
            read: &[
                "お客様の「おまかせクラウドアップセキュリティ」にて、情報漏えい対策の設定をしていた場合に内容が表示されます。",
                "検出場所（メール/ストレージ）により状況が異なりますので、検出がある場合はコンソールで検出したサービスを確認してください。",
            ],
            examples: true,
            lead: "",
            todo: &[
                (
                    "①メールで検知した場合",
                    "送信メールに設定した条件に該当する情報が入っていたことを示します。送信メールはブロックすることができないため、直ちに内容や送付先を確認することを推奨します。",
                ),
                (
                    "②オンラインストレージで検知した場合",
                    "オンラインストレージ上のファイルで設定条件に該当するファイルがあることを示します。当該ファイルが共有されていないかを確認し、ファイルを置かないなどの対処を実施します。",
                ),
            ],
        },
        _ => CasGuide::default(),
    }
}

fn en(section: &str) -> CasGuide {
    match section {
        "overview" => CasGuide {
            read: &[
                "Use it to see the trend.",
                "Mail (Exchange/Gmail), the office's window to the internet, tends to have more ATP detections than the online storage services.",
                "See whether there are detections, then check the items below.",
            ],
            examples: false,
            lead: "",
            todo: &[
                (
                    "Advanced threat protection",
                    "The number detected by the advanced threat protection policies. For details see the sections Virus/Malware, Web reputation and Virtual analyzer.",
                ),
                (
                    "Data loss prevention",
                    "The number detected by the data loss prevention policies. What it means differs between mail and storage: see the section Data loss prevention.",
                ),
            ],
        },
        "virus_malware" => CasGuide {
            read: &[
                "These were judged to be viruses or malware: threats have arrived.",
                "If the settings choose anything but quarantine, delete or replace with text or a file, the threat is still in place. Users may touch it: take care.",
                "If the detections come from mail and for many users, it may be a targeted attack on the company; if many are for one person, that person may be the target.",
            ],
            examples: true,
            lead: "",
            todo: EN_THREAT_TODO,
        },
        "file_blocking" => CasGuide {
            read: &[
                "The file types set in Cloud App Security are blocked. Some come from your own policy, others reduce the risk of common threats (exe, scr and the like).",
                "Users sometimes attach such files by mistake, so whether a real threat arrived needs a look at the sender, the body and the attachment.",
                "Check it together with how you work, and block the sender or review the settings if needed.",
            ],
            examples: true,
            lead: "",
            todo: &[
                ("", "Check the users with many blocks"),
                ("", "Block the sender if needed"),
                ("", "Remind the staff of the office's rules"),
                ("", "Review the Cloud App Security settings"),
            ],
        },
        "web_reputation" => CasGuide {
            read: &[
                "Web reputation detections are mails or files holding a URL Trend Micro judged dangerous. Such a detection means there was a threat.",
                "With web reputation set to High, unrated sites are blocked too, so a detection is not necessarily a clear threat.",
                "If the settings choose anything but quarantine, delete or replace with text or a file, the threat is still in place. Users may touch it: take care.",
            ],
            examples: true,
            lead: "",
            todo: EN_THREAT_TODO,
        },
        "virtual_analyzer" => CasGuide {
            read: &[
                "A virtual analyzer search means a file or URL with something suspicious about it was found.",
                "The number searched is shown here whatever the verdict.",
                "To see how dangerous each was (its risk level), look at the Cloud App Security log (console: Logs > Type: Virtual analyzer).",
                "For the risk levels see the risk-level table below.",
                "If the detections come from mail with a risk level of medium or higher, and for many users, it may be a targeted attack on the company; if many are for one person, that person may be the target.",
            ],
            examples: true,
            lead: "Warn the users, act (block the sender and the like), and keep watching whether it is detected again.",
            todo: EN_THREAT_TODO,
        },
        "data_loss" => CasGuide {
            read: &[
                "Shown when your Cloud App Security has data loss prevention set up.",
                "What it means differs with where it was found (mail or storage): when there are detections, check in the console which service found them.",
            ],
            examples: true,
            lead: "",
            todo: &[
                (
                    "① Found in mail",
                    "An outgoing mail held information matching the policy's conditions. Outgoing mail cannot be blocked, so check its content and recipients at once.",
                ),
                (
                    "② Found in online storage",
                    "A file in online storage matches the policy's conditions. Check whether the file is shared, and act, e.g. by not keeping it there.",
                ),
            ],
        },
        _ => CasGuide::default(),
    }
}
