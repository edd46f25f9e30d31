//! The endpoint report's section guides: "how to read it" and "what to do"
//! per section and item, quoted from seed 002 in Japanese (its descriptions,
//! footnotes and POINT notes) and translated into English.

use super::Lang;

type Guide = (&'static [&'static str], &'static [&'static str]);

/// Every section and item with a guide, in the report's order.
pub const ENDPOINT_GUIDES: [&str; 22] = [
    "overview",
    "virus_malware",
    "web_reputation",
    "spyware_grayware",
    "behaviour_monitoring",
    "url_filter",
    "network_virus",
    "edr_trend",
    "edr_top_objects",
    "edr_top_endpoints",
    "edr_status",
    "edr_objects",
    "edr_offline",
    "edr_outdated",
    "edr_unsupported",
    "prot_real_time",
    "prot_behaviour",
    "prot_machine_learning",
    "prot_web_reputation",
    "prot_edr",
    "edr_mail",
    "edr_intro",
];

/// The guide of an endpoint report section or item (empty for an unknown one).
pub fn endpoint_guide(section: &str, lang: Lang) -> Guide {
    match lang {
        Lang::Ja => ja(section),
        Lang::En => en(section),
    }
}

fn ja(section: &str) -> Guide {
    match section {
        "overview" => (
            &[
                "おまかせアンチウイルスが検知・ブロックした脅威に関する情報を月１回、申込み時にいただいたメールアドレス宛に送付します。",
                "導入されている製品名を確認することができます。",
                "おまかせアンチウイルスが実際にインストールされている台数が、デスクトップ(パソコン)・モバイルデバイス毎に表示され、管理者が把握することができます。",
                "お客様がご契約しているライセンスの数量および使用率を確認をすることができます。",
                "１ヶ月間の脅威の検出数および前月比を確認することができます。",
            ],
            &[
                "インストール台数がご利用中の端末の台数と合わない場合は、エージェントが入っていない端末がないか確認してください。",
            ],
        ),
        "virus_malware" => (
            &[
                "ウイルス/不正プログラム機能で検出した件数を確認することができます。",
                "脅威の検出数が多いデバイス名・サーバ名を確認することができます。ウイルスが検知されたデバイスのうち、検出数が多い上位5台のデバイス名を表示します。ウイルスが検知されたサーバのうち、検出数が多い上位5台のサーバ名を表示します。",
                "検出したウイルス/不正プログラムについてどのような対処が行われたかを確認することができます。",
                "日ごとの検出数の推移(傾向)を視覚的に確認することができます。",
                "多数検出されたウイルス/不正プログラム名を確認することができます。検出されたウイルスのうち、検出数が多い上位5種類のウイルス名を表示します。",
            ],
            &[
                "POINT（記載例）: 特定のパソコン(Test001/Test002)で多量のウイルス/不正プログラムを検出している。",
                "POINT（記載例）: 休日と比較して平日(5/23-5/27)の方が検出数が多くなる傾向にある",
                "■セキュリティデータベース: 「トレンドマイクロ社 セキュリティデータベース」より、不正プログラム/スパイウェア名を検索すると、感染経路や対処法等の情報を確認することができます。(http://about-threats.trendmicro.com/ThreatEncyclopedia.aspx?language=jp)",
                "要確認 ：ウイルスが検知された際の処理が失敗した場合となります。セキュリティサポートデスクからご連絡します。",
            ],
        ),
        "web_reputation" => (
            &[
                "管理者は、フィッシング詐欺※1などの兆候を示すWebページにアクセスしようとしたデバイスを確認することができます。",
                "Webレピュテーション※2機能で制限されているWebサイトにアクセスしたデバイスのうち、アクセス頻度が多い上位10台のデバイス名を表示します。",
                "※1 フィッシング詐欺: 金融機関などを装ったメールを送るなどして偽のWebサイトへ誘導しログイン情報やクレジットカード情報などをだまし取ろうとする詐欺です。",
                "※2 Webレピュテーション: お使いのコンピュータを安全でないWebサイトから保護する機能です。",
            ],
            &[
                "アクセス頻度が多いデバイスの利用者には、不審なメールのリンクや広告を開いていないか確認してください。",
            ],
        ),
        "spyware_grayware" => (
            &[
                "スパイウェア※1/グレーウェア※2機能で検出した件数を確認することができます。",
                "脅威の検出数が多いデバイス名・サーバ名を確認することができます。スパイウェアやグレーウェアが検知されたデバイス（パソコン・スマートフォン・タブレット）のうち、検出数が多い上位5台のデバイス名を表示します。スパイウェアやグレーウェアが検知されたサーバの中で検出数が多い上位5台のサーバ名を表示します。",
                "検出したスパイウェア/グレーウェアについてどのような対処が行われたかを確認することができます。",
                "日ごとの検出数の推移(傾向)を視覚的に確認することができます。",
                "多数検出されたスパイウェア/グレーウェア名を確認することができます。検出されたスパイウェアやグレーウェアのうち、検出数が多い上位5種類のスパイウェアやグレーウェア名を表示します。",
                "※1 スパイウェア: アカウントユーザ名やパスワードなどのデータを収集し、第三者に不正に送信するソフトウェアです。",
                "※2 グレーウェア: マルウェアやスパイウェアに類するが、破壊活動やセキュリティ上危険な活動を特に行うものではないため、不正プログラムと見なすことが難しいソフトウェアです。",
            ],
            &[
                "POINT（記載例）: 特定のパソコン(Test001/Test002)で多量のスパイウェア/グレーウェアを検出している。",
                "再起動する：スパイウェア/グレーウェアの処理を完了するためにシステムの再起動が必要です。",
            ],
        ),
        "behaviour_monitoring" => (
            &[
                "プログラムやOS、レジストリエントリ、フォルダなどが不正に変更されたコンピュータを監視し、意図せず編集されようとした対象のコンピュータ・アプリケーション（プログラム）を確認することができます。",
                "挙動監視※1違反が検出されたデバイスのうち、検出数が多い上位5台のデバイス名を表示します。",
                "検出された挙動監視※1違反のうち、検出数が多い上位10種類のプログラム名を表示します。",
                "※1 挙動監視: OS、レジストリエントリ、他のソフトウェア、ファイル、またはフォルダが不正に変更されないよう、コンピュータを監視し、保護する為の機能です。",
            ],
            &["心当たりのないプログラムが上位にある場合は、その端末の利用者に確認してください。"],
        ),
        "url_filter" => (
            &[
                "URLフィルタで閲覧制限をかけているURLに、アクセスした回数の多いデバイスを確認することができます。",
                "URLフィルタで閲覧制限をかけているURLについて、どのカテゴリにアクセスされていることが多いか確認することができます。",
                "URLフィルタを設定している場合、フィルタにかかった回数が多い上位10台のデバイス名を表示します。",
                "URLフィルタを設定している場合、フィルタにかかった回数をサイトのカテゴリごとにランキングで表示します（上位10件）。",
            ],
            &["業務に必要なカテゴリが上位にある場合は、URLフィルタの設定を見直してください。"],
        ),
        "network_virus" => (
            &[
                "検出された数の多いネットワークウイルス※1の上位10件を確認することができます。",
                "ネットワークウイルスによって攻撃されたデバイス上位10件を確認することができます。",
                "ネットワーク経由で検知されたネットワークウイルスのうち、検出数が多い上位10種類のネットワークウイルス名を表示します。",
                "ネットワーク経由でのウイルス感染が検知されたデバイスのうち、検出数が多い上位10台のデバイス名を表示します。",
                "※1 ネットワークウイルス: ネットワークウイルスとは Windows の脆弱性などをつき、ネットワーク経由での感染を行うネットワーク通信をさします。おまかせアンチウイルスでは、ファイアウォール機能にて、該当端末への通信を監視しており、ネットワーク通信の時点でネットワークウイルスを検出します。",
            ],
            &[
                "同じネットワークウイルスが続く場合は、送信元の端末を特定し、その端末をフルスキャンしてください。",
            ],
        ),
        "edr_intro" => (
            &[
                "EDRプラスオプションが検知した脅威に関する情報を月１回、申込み時にいただいたメールアドレス宛に送付します。",
            ],
            &[],
        ),
        "edr_trend" => (
            &[
                "注意が必要なイベントで検出した件数を確認することができます。",
                "注意が必要なイベント検出があった日にちおよび検出数を表示します。",
                "※ 注意が必要なイベント: 端末で検出された不審なイベントを指し、不正なファイル操作や不正プログラムの実行などの不正な挙動の一連の流れを検出します。",
            ],
            &[],
        ),
        "edr_top_objects" => (
            &[
                "注意が必要なイベントで検出したオブジェクトの中で、検出数の多い上位5件を確認することができます。",
                "注意が必要なオブジェクトのファイル名および検出数を確認できます。",
            ],
            &[],
        ),
        "edr_top_endpoints" => (
            &[
                "注意が必要なイベントで検出した端末の中で、検出数の多い上位5件を確認することができます。",
                "注意が必要なイベント検出があった端末名および検出数を表示します。",
            ],
            &[],
        ),
        "edr_status" => (
            &[
                "注意が必要なイベントのレポート時点でのステータスを確認することができます。",
                "注意が必要なイベントのステータスが表示されます。",
            ],
            &[],
        ),
        "edr_objects" => (
            &[
                "注意が必要なオブジェクトに対する処理結果を確認することができます。",
                "注意が必要なオブジェクトの一覧が表示されます。",
            ],
            &[],
        ),
        "edr_offline" => (
            &[
                "ご利用中の端末の中で長期間（14日以上）オフラインの状態の端末を確認することができます。",
                "14日間以上管理サーバと通信できていないオフラインの端末数の推移が表示されます。",
            ],
            &[],
        ),
        "edr_outdated" => (
            &[
                "ご利用中の端末の中で最新のパターンファイルが適用されていない端末数を確認でき、アップデートが必要な端末の有無をご確認いただけます。",
                "保護機能が最新ではない端末数の推移が表示されます。",
            ],
            &[],
        ),
        "edr_unsupported" => (
            &[
                "サポート外のOSを利用している端末数を表示でき、サポート対象外OSを把握いただけます。",
                "サポート切れのOSの端末数が表示されます。",
            ],
            &[],
        ),
        "prot_real_time" => (
            &[
                "検出機能「リアルタイム検索」が有効になっていない端末を確認することができ、ご利用いただいている端末のセキュリティ状況を見直すことができます。",
                "リアルタイム検索を有効化していない端末を一覧表示します。",
                "※ リアルタイム検索: ファイル操作やダウンロードなど実行されたタイミングで該当ファイルが脅威ファイルか判定します。",
            ],
            &[],
        ),
        "prot_behaviour" => (
            &[
                "検出機能「挙動監視」が有効になっていない端末を確認することができ、ご利用いただいている端末のセキュリティ状況を見直すことができます。",
                "挙動監視を有効化していない端末を一覧表示します。",
                "※ 挙動監視: OS、レジストリエントリ、他のソフトウェア、ファイル、またはフォルダが不正に変更されないよう、コンピュータを監視し、保護する為の機能です。",
            ],
            &[],
        ),
        "prot_machine_learning" => (
            &[
                "検出機能「機械学習型検索」が有効になっていない端末を確認することができ、ご利用いただいている端末のセキュリティ状況を見直すことができます。",
                "機械学習型検索を有効化していない端末を一覧表示します。",
                "※ 機械学習型検索: 人工知能を活用し、ファイルが不正プログラムと似た特性を持っているか判定し、悪性と判定した場合には自動隔離します。",
            ],
            &[],
        ),
        "prot_web_reputation" => (
            &[
                "検出機能「Webレピュテーション」が有効になっていない端末を確認することができ、ご利用いただいている端末のセキュリティ状況を見直すことができます。",
                "Webレピュテーションを有効化していない端末を一覧表示します。",
                "※ Webレピュテーション: お使いのコンピュータを安全でないWebサイトから保護する機能です。",
            ],
            &[],
        ),
        "prot_edr" => (
            &[
                "検出機能「Endpoint Detection and Response」が有効になっていない端末を確認することができ、ご利用いただいている端末のセキュリティ状況を見直すことができます。",
                "EDRを有効化していない端末を一覧表示します。",
                "※ EDR（Endpoint Detection and Response）: 端末で検出されたの不正な挙動の一連の流れ（不正なファイル操作や不正プログラムの実行など）を検出し、注意が必要なイベントとして通知します。",
            ],
            &[],
        ),
        "edr_mail" => (&["本機能は提供しておりません"], &[]),
        _ => (&[], &[]),
    }
}

fn en(section: &str) -> Guide {
    match section {
        "overview" => (
            &[
                "Once a month, information on the threats the antivirus detected and blocked is sent to the mail address given at sign-up.",
                "Shows the name of the product installed.",
                "Shows how many devices the antivirus is actually installed on, desktops (PCs) and mobile devices apart, so the administrator knows.",
                "Shows the number of licences the office has and how much of it is used.",
                "Shows the month's threat detections and the change from the previous month.",
            ],
            &[
                "If the number installed does not match the devices in use, look for devices without an agent.",
            ],
        ),
        "virus_malware" => (
            &[
                "Shows how many detections the virus/malware function made.",
                "Shows the devices and servers with the most detections: the top 5 devices, and the top 5 servers, where a virus was detected.",
                "Shows what was done about each virus/malware detected.",
                "Shows the trend of detections per day at a glance.",
                "Shows the viruses/malware detected most: the top 5 names.",
            ],
            &[
                "POINT (the guide's example): particular PCs (Test001/Test002) detect a large amount of viruses/malware.",
                "POINT (the guide's example): detections tend to be higher on weekdays (5/23-5/27) than on holidays.",
                "Security database: search Trend Micro's security database for a malware or spyware name to learn how it spreads and how to deal with it (http://about-threats.trendmicro.com/ThreatEncyclopedia.aspx?language=jp).",
                "Needs attention: the action on a detected virus failed; the security support desk will contact you.",
            ],
        ),
        "web_reputation" => (
            &[
                "The administrator can see which devices tried to reach web pages showing signs of phishing (*1) and the like.",
                "The top 10 devices by access count among those that reached web sites restricted by web reputation (*2).",
                "*1 Phishing: fraud that lures people to a fake web site, e.g. with mail posing as a bank, to steal login or credit card details.",
                "*2 Web reputation: the function that protects your computer from unsafe web sites.",
            ],
            &[
                "Ask the users of devices that stand out whether they opened links in suspicious mail or ads.",
            ],
        ),
        "spyware_grayware" => (
            &[
                "Shows how many detections the spyware (*1)/grayware (*2) function made.",
                "Shows the devices and servers with the most detections: the top 5 devices (PCs, smartphones, tablets) and the top 5 servers where spyware or grayware was detected.",
                "Shows what was done about each spyware/grayware detected.",
                "Shows the trend of detections per day at a glance.",
                "Shows the spyware/grayware detected most: the top 5 names.",
                "*1 Spyware: software that collects data such as account names and passwords and sends it to a third party without permission.",
                "*2 Grayware: software akin to malware or spyware that does nothing particularly destructive or dangerous, so it is hard to call malware.",
            ],
            &[
                "POINT (the guide's example): particular PCs (Test001/Test002) detect a large amount of spyware/grayware.",
                "Restart required: the system must be restarted to finish dealing with the spyware/grayware.",
            ],
        ),
        "behaviour_monitoring" => (
            &[
                "Watches computers for unauthorised changes to programs, the OS, registry entries, folders and the like, and shows which computers and applications (programs) something tried to change unintentionally.",
                "The top 5 devices by behaviour monitoring (*1) violations detected.",
                "The top 10 programs by behaviour monitoring (*1) violations detected.",
                "*1 Behaviour monitoring: the function that watches and protects a computer so that the OS, registry entries, other software, files or folders are not changed without authorisation.",
            ],
            &["If a program nobody recognises is near the top, ask the user of that device."],
        ),
        "url_filter" => (
            &[
                "Shows the devices that most often reached URLs restricted by URL filtering.",
                "Shows which categories the URLs restricted by URL filtering most often belong to.",
                "With URL filtering set, the top 10 devices the filter stopped most often.",
                "With URL filtering set, how often the filter stopped each site category, ranked (top 10).",
            ],
            &["If a category needed for work is near the top, review the URL filter settings."],
        ),
        "network_virus" => (
            &[
                "Shows the top 10 network viruses (*1) detected most.",
                "Shows the top 10 devices attacked by network viruses.",
                "The top 10 network virus names by detections made on the network.",
                "The top 10 devices by network infections detected.",
                "*1 Network virus: network traffic that infects over the network by exploiting Windows vulnerabilities and the like. The antivirus's firewall function watches the traffic to the endpoint and detects a network virus at the traffic itself.",
            ],
            &[
                "If the same network virus keeps coming, find the sending device and run a full scan on it.",
            ],
        ),
        "edr_intro" => (
            &[
                "Once a month, information on the threats the EDR Plus option detected is sent to the mail address given at sign-up.",
            ],
            &[],
        ),
        "edr_trend" => (
            &[
                "Shows how many events needing attention were detected.",
                "Shows the days with events needing attention and their counts.",
                "* Event needing attention: a suspicious event detected on an endpoint; it captures a chain of malicious behaviour such as unauthorised file operations or malware being run.",
            ],
            &[],
        ),
        "edr_top_objects" => (
            &[
                "Shows the top 5 objects by detections among those found in events needing attention.",
                "Shows the file names of the objects needing attention and their counts.",
            ],
            &[],
        ),
        "edr_top_endpoints" => (
            &[
                "Shows the top 5 endpoints by detections among those with events needing attention.",
                "Shows the names of the endpoints with events needing attention and their counts.",
            ],
            &[],
        ),
        "edr_status" => (
            &[
                "Shows where the events needing attention stand at the time of the report.",
                "Shows the status of the events needing attention.",
            ],
            &[],
        ),
        "edr_objects" => (
            &[
                "Shows what was done about the objects needing attention.",
                "Lists the objects needing attention.",
            ],
            &[],
        ),
        "edr_offline" => (
            &[
                "Shows the devices in use that have been offline for a long time (14 days or more).",
                "Shows the trend of the number of offline devices that have not reached the management server for 14 days or more.",
            ],
            &[],
        ),
        "edr_outdated" => (
            &[
                "Shows how many devices in use do not have the newest pattern file, so you can see whether any needs an update.",
                "Shows the trend of the number of devices whose protection is not up to date.",
            ],
            &[],
        ),
        "edr_unsupported" => (
            &[
                "Shows how many devices use an OS out of support, so you know the unsupported OSes in use.",
                "Shows the devices whose OS is out of support.",
            ],
            &[],
        ),
        "prot_real_time" => (
            &[
                "Shows the devices without the real-time scan enabled, so you can review the security of the devices in use.",
                "Lists the devices that do not have the real-time scan enabled.",
                "* Real-time scan: judges whether a file is a threat when it is used, e.g. at a file operation or a download.",
            ],
            &[],
        ),
        "prot_behaviour" => (
            &[
                "Shows the devices without behaviour monitoring enabled, so you can review the security of the devices in use.",
                "Lists the devices that do not have behaviour monitoring enabled.",
                "* Behaviour monitoring: the function that watches and protects a computer so that the OS, registry entries, other software, files or folders are not changed without authorisation.",
            ],
            &[],
        ),
        "prot_machine_learning" => (
            &[
                "Shows the devices without the machine-learning scan enabled, so you can review the security of the devices in use.",
                "Lists the devices that do not have the machine-learning scan enabled.",
                "* Machine-learning scan: uses artificial intelligence to judge whether a file has traits like malware's, and quarantines it automatically when it judges it malicious.",
            ],
            &[],
        ),
        "prot_web_reputation" => (
            &[
                "Shows the devices without web reputation enabled, so you can review the security of the devices in use.",
                "Lists the devices that do not have web reputation enabled.",
                "* Web reputation: the function that protects your computer from unsafe web sites.",
            ],
            &[],
        ),
        "prot_edr" => (
            &[
                "Shows the devices without Endpoint Detection and Response enabled, so you can review the security of the devices in use.",
                "Lists the devices that do not have EDR enabled.",
                "* EDR (Endpoint Detection and Response): detects a chain of malicious behaviour on an endpoint (unauthorised file operations, malware being run and so on) and reports it as an event needing attention.",
            ],
            &[],
        ),
        "edr_mail" => (&["This function is not provided."], &[]),
        _ => (&[], &[]),
    }
}
