//! The report's longer texts: the section guides ("how to read it" and
//! "what to do", Japanese and English) and the rating formula.

use super::Lang;

/// The rating formula (`report::rating`), one line per term, as the report
/// prints it in both languages.
pub const FORMULA: [&str; 8] = [
    "score = 100",
    "  - 35 × (hosts with C&C callbacks, at most 2)",
    "  - min(15, C&C detections / 10)",
    "  - min(15, malicious-site blocks / 25)",
    "  - min(20, 2 × anti-malware detections)",
    "  - min(10, (IPS + DoS detections) / 10)",
    "A ≥ 90, B ≥ 75, C ≥ 60, D < 60 (clamped to 0..100, divisions round down)",
    "no grade when the gateway reported less than 90% of the month",
];

/// The "how to read it" and "what to do" of a section (seed 003's style;
/// the C&C and malicious-site texts follow seed 000's report guide).
pub fn guide(section: &str, lang: Lang) -> (&'static [&'static str], &'static [&'static str]) {
    match (section, lang) {
        ("summary", Lang::Ja) => (
            &[
                "1ヶ月間に専用BOXが検知・ブロックした件数を機能ごとに示します。",
                "総合評価は下記の計算式で求めています (この計算式は本ツール独自のもので、サービスの公表値ではありません)。専用BOXがオフラインだった期間やデータのない日がある場合、その期間の脅威は数えられていません。",
            ],
            &[
                "評価がC以下の場合は、各項目の【確認・実施事項】を確認してください。",
                "データのない日がある場合は、専用BOXの「Cloud Consoleに接続」LEDが緑点灯しているか確認してください。",
            ],
        ),
        ("summary", Lang::En) => (
            &[
                "What the gateway detected and blocked this month, per function.",
                "The overall rating follows the formula below (this tool's own; the service publishes none). Threats during periods when the gateway was offline or sent no data are not counted.",
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
                "通信が発生した場合に想定される被害: 1) 特定のWebサイトへ負荷を与えるDDoS攻撃や、多くのメールを送信してフィッシング詐欺などを引き起こすスパムメール配信に加担させる。2) サーバから、重要な機密情報を抜き取る。",
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
                "What such traffic can lead to: 1) the device is made to take part in DDoS attacks that overload a web site, or in sending spam that drives phishing fraud; 2) important confidential information is taken from servers.",
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
                "「Webサイト別」の表は、検出された不正サイトを判定理由 (SSL証明書の期限切れ、Webレピュテーションの評価など) とともに多い順に示します。",
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
                "The \"by site\" table lists the malicious sites detected, most first, with why each was judged malicious (an expired SSL certificate, its web reputation rating, ...).",
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
        ("mail", Lang::Ja) => (
            &[
                "メールセキュリティ機能 (不正プログラム対策、スパムメール対策、メールレピュテーション) がメールで検出した件数を、機能と処理ごとに示します。",
                "「タグの追加」は件名に [SPAM] や [ウイルス駆除済み] などのタグを付けて届けたもの、「拒否」は送信元サーバとの接続を拒否したもの (メールレピュテーション) です。",
            ],
            &[
                "タグの付いたメールの添付ファイルやURLは開かないよう、社内に周知してください。",
                "取引先のメールに [SPAM] が付いたり付かなかったりする場合は、判定が複数の要素によることをご確認ください (FAQ Q18)。",
            ],
        ),
        ("mail", Lang::En) => (
            &[
                "What the mail security functions (anti-malware, anti-spam, email reputation) found on mail, per function and action.",
                "\"Add tag\" mails were delivered with a tag such as [SPAM] or [ウイルス駆除済み] in their subject; \"Reject\" means the sending server's connection was refused (email reputation).",
            ],
            &[
                "Tell staff not to open the attachments or links of tagged mail.",
                "If a partner's mail is tagged [SPAM] one time and not the next, remember the verdict weighs several signs (FAQ Q18).",
            ],
        ),
        ("uninspected", Lang::Ja) => (
            &[
                "専用BOXが検査せずに通過させた通信の量と理由です。「過負荷」は同時に扱える通信(セッション)の上限に達したとき、新しい通信を止めずに検査なしで通した分(フェールオープン)、「未対応のプロトコル」は専用BOXが中身を検査できない通信(IPv6 など)です。この項目は該当する通信があった月にだけ表示されます。",
            ],
            &[
                "過負荷が続く場合は、大量の通信を発生させている端末や外部からの攻撃がないか確認し、サポートデスクにご相談ください。",
                "未対応のプロトコルの通信がある場合は、その通信が業務に必要か確認してください。",
            ],
        ),
        ("uninspected", Lang::En) => (
            &[
                "How much traffic the gateway let through without inspecting it, and why. \"Overload\": its session table was full and new connections passed uninspected rather than being cut (fail-open). \"Unsupported protocol\": traffic the gateway cannot inspect (IPv6 and others). This section appears only in a month that had such traffic.",
            ],
            &[
                "If overload recurs, look for a device making a great many connections or an attack from outside, and ask the support desk.",
                "If unsupported protocols pass, check whether the office needs that traffic.",
            ],
        ),
        _ => (&[], &[]),
    }
}
