"""Reference catalogs: ISO/IEC 27001:2013 and :2022 (Annex A), ISO/IEC 27017 CLD additions, SOC 2 TSC.

Only the identifiers come from the published standards. The text of ISO/IEC and AICPA documents is
not free to copy, so every title below (English and Japanese) is a short description written by this
project, not the standard's own wording. No seed file is read; the tables are the source, and the
generator asserts the published counts (114 / 93 / 7 CLD controls / 33 common criteria).
"""

from collections import OrderedDict

from . import common

PROJECT_TITLES = ("identifiers from the published standard; titles are short descriptions written "
                  "by the ismap-assess project, not the standard's text")

# ---------------------------------------------------------------------------------------------
# ISO/IEC 27001:2013 (JIS Q 27001:2014)
# One row per item: id | English title | Japanese title. The class follows from the id's shape.

ISO27001_2013_CLAUSES = """
4|The organisation's context|組織を取り巻く状況
4.1|Internal and external issues|内外の課題の把握
4.2|Needs of interested parties|利害関係者の要求の把握
4.3|Scope of the ISMS|ISMSの適用範囲の決定
4.4|Establish and maintain the ISMS|ISMSの確立と維持
5|Leadership duties|リーダーシップの発揮
5.1|Top management commitment|トップマネジメントの関与
5.2|Security policy|セキュリティ方針の確立
5.3|Roles, responsibilities and authorities|役割・責任・権限の割当て
6|Planning the ISMS|ISMSの計画
6.1|Acting on risks and opportunities|リスクと機会への取組
6.1.1|Planning for risks and opportunities|取組の計画
6.1.2|Risk assessment process|リスクアセスメントの手順
6.1.3|Risk treatment process|リスク対応の手順
6.2|Security objectives and plans to reach them|セキュリティ目的と達成計画
7|Supporting the ISMS|ISMSの支援
7.1|Provide resources|資源の提供
7.2|Ensure people are competent|力量の確保
7.3|Make people aware|認識の徹底
7.4|Plan internal and external communication|内外のコミュニケーション
7.5|Keep documents and records|文書と記録の整備
7.5.1|What must be documented|文書化の対象
7.5.2|Creating and updating documents|文書の作成と更新
7.5.3|Controlling documents|文書の管理
8|Running the ISMS|ISMSの運用
8.1|Operational planning and control|運用の計画と管理
8.2|Carrying out risk assessments|リスクアセスメントの実施
8.3|Carrying out risk treatment|リスク対応の実施
9|Evaluating performance|パフォーマンスの評価
9.1|Monitoring and measurement|監視・測定・分析・評価
9.2|Audit the ISMS internally|ISMSの内部監査
9.3|Top management reviews the ISMS|経営陣による見直し
10|Improving the ISMS|ISMSの改善
10.1|Nonconformity and corrective action|不適合への対処と是正
10.2|Continual improvement|継続的な改善
"""

ISO27001_2013_ANNEX_A = """
A.5|Security policies|セキュリティ方針
A.5.1|Management direction on security|経営陣による方向付け
A.5.1.1|Define, approve and publish security policies|方針の策定・承認・周知
A.5.1.2|Review security policies periodically|方針の定期的な見直し
A.6|Organising security|セキュリティの組織体制
A.6.1|Internal security organisation|組織内の体制
A.6.1.1|Assign security roles and responsibilities|セキュリティの役割と責任の割当て
A.6.1.2|Separate conflicting duties|相反する職務の分離
A.6.1.3|Keep contact with authorities|関係当局との連絡体制
A.6.1.4|Keep contact with security communities|専門家団体等との連絡
A.6.1.5|Build security into projects|プロジェクトへのセキュリティの組込み
A.6.2|Mobile devices and remote work|モバイル機器と遠隔勤務
A.6.2.1|Rules for mobile devices|モバイル機器の利用ルール
A.6.2.2|Protect teleworking|在宅等の遠隔勤務の保護
A.7|People security|人的セキュリティ
A.7.1|Before hiring|採用前
A.7.1.1|Check candidates' backgrounds|候補者の経歴確認
A.7.1.2|Security duties in employment contracts|雇用契約におけるセキュリティ義務
A.7.2|While employed|在職中
A.7.2.1|Managers enforce security duties|管理者による義務の徹底
A.7.2.2|Security awareness and training|意識向上と教育訓練
A.7.2.3|Formal disciplinary process|違反時の懲戒手続
A.7.3|Leaving or changing roles|退職・異動
A.7.3.1|Duties that outlast leaving or moving|退職・異動後も続く義務
A.8|Managing assets|資産の管理
A.8.1|Accountability for assets|資産に対する責任
A.8.1.1|Keep an asset inventory|資産台帳の整備
A.8.1.2|Name an owner for each asset|資産ごとの管理責任者
A.8.1.3|Rules for acceptable use of assets|資産の利用ルール
A.8.1.4|Return assets on leaving|離任時の資産返却
A.8.2|Classifying information|情報の分類
A.8.2.1|Classify information by value and sensitivity|重要度に応じた分類付け
A.8.2.2|Label information|分類の表示
A.8.2.3|Handle assets according to class|分類に応じた取扱い
A.8.3|Handling media|記録媒体の取扱い
A.8.3.1|Manage removable media|可搬媒体の管理
A.8.3.2|Dispose of media securely|媒体の安全な処分
A.8.3.3|Protect media in transit|輸送中の媒体の保護
A.9|Controlling access|アクセスの制御
A.9.1|Business needs for access control|アクセス制御の業務上の要件
A.9.1.1|Set access control rules|アクセス制御のルール策定
A.9.1.2|Limit access to networks and network services|ネットワーク利用の許可制
A.9.2|User access lifecycle|利用者アクセスのライフサイクル
A.9.2.1|Register and deregister users|利用者の登録と抹消
A.9.2.2|Grant and revoke access|アクセス権の付与と取消し
A.9.2.3|Restrict privileged access|特権的なアクセスの制限
A.9.2.4|Issue secret credentials securely|秘密の認証情報の安全な発行
A.9.2.5|Review access rights periodically|アクセス権の定期点検
A.9.2.6|Remove or adjust rights on exit or change|離任・異動時の権限の削除・修正
A.9.3|User duties|利用者の責務
A.9.3.1|Users keep their credentials secret|利用者による認証情報の秘匿
A.9.4|Access to systems and applications|システム・アプリケーションへのアクセス
A.9.4.1|Restrict access to information|情報へのアクセスの制限
A.9.4.2|Secure log-on|安全なログオン
A.9.4.3|Enforce password quality|パスワード品質を確保する仕組み
A.9.4.4|Limit powerful utility programs|強力なユーティリティの利用制限
A.9.4.5|Protect access to source code|ソースコードへのアクセス保護
A.10|Cryptographic protection|暗号技術による保護
A.10.1|Using cryptography|暗号技術の活用
A.10.1.1|Rules for using cryptography|暗号利用のルール
A.10.1.2|Key lifecycle management|暗号鍵のライフサイクル管理
A.11|Physical and environmental security|物理的・環境的セキュリティ
A.11.1|Protected areas|保護すべき区域
A.11.1.1|Define physical perimeters|物理的な境界の設定
A.11.1.2|Control physical entry|入退室の管理
A.11.1.3|Secure offices, rooms and facilities|事務所・部屋・施設の保護
A.11.1.4|Prepare for natural and external threats|災害等の外部脅威への備え
A.11.1.5|Rules for working in secure areas|保護区域内での作業ルール
A.11.1.6|Control delivery and loading points|搬入出場所の管理
A.11.2|Equipment protection|装置の保護
A.11.2.1|Site and protect equipment|装置の設置と保護
A.11.2.2|Power and other utilities|電源等のユーティリティ
A.11.2.3|Protect cabling|配線の保護
A.11.2.4|Maintain equipment|装置の定期保守
A.11.2.5|Authorise taking assets off-site|資産の持出しの許可
A.11.2.6|Protect equipment off-site|構外にある装置の保護
A.11.2.7|Wipe equipment before disposal or reuse|処分・再利用前のデータ消去
A.11.2.8|Protect unattended equipment|放置された端末の保護
A.11.2.9|Clear desks and lock screens|机上の整理と画面ロック
A.12|Secure operations|安全な運用
A.12.1|Operating procedures and responsibilities|運用の手順と責任
A.12.1.1|Document operating procedures|運用手順の文書化
A.12.1.2|Control changes|変更の管理
A.12.1.3|Plan capacity|容量・能力の計画
A.12.1.4|Separate development, test and production|開発・試験・本番環境の分離
A.12.2|Malware|マルウェア
A.12.2.1|Protect against malware|マルウェア対策
A.12.3|Backing up data|データのバックアップ
A.12.3.1|Back up and test restores|バックアップと復元の確認
A.12.4|Logging and monitoring|ログと監視
A.12.4.1|Record security events|イベントの記録
A.12.4.2|Protect logs|ログの保護
A.12.4.3|Log administrator and operator activity|管理者・運用者の操作記録
A.12.4.4|Synchronise clocks|時刻の同期
A.12.5|Operational software|運用中のソフトウェア
A.12.5.1|Control software installed on production systems|本番システムへのソフト導入管理
A.12.6|Technical vulnerabilities|技術的ぜい弱性
A.12.6.1|Find and fix technical vulnerabilities|ぜい弱性の把握と対処
A.12.6.2|Limit software installation by users|利用者によるソフト導入の制限
A.12.7|Systems audit|システム監査
A.12.7.1|Minimise disruption from audits|監査による業務影響の抑制
A.13|Secure communications|安全な通信
A.13.1|Network security|ネットワークのセキュリティ
A.13.1.1|Manage and control networks|ネットワークの管理と制御
A.13.1.2|Agree security for network services|ネットワークサービスのセキュリティ合意
A.13.1.3|Segment networks|ネットワークの分割
A.13.2|Transferring information|情報の転送
A.13.2.1|Transfer policies and procedures|転送の方針と手順
A.13.2.2|Agreements for transfers|転送に関する取決め
A.13.2.3|Protect electronic messages|電子メッセージの保護
A.13.2.4|Non-disclosure agreements|秘密保持の取決め
A.14|Acquisition, development and maintenance|取得・開発・保守
A.14.1|Security requirements of systems|システムのセキュリティ要件
A.14.1.1|Specify security requirements|セキュリティ要件の明確化
A.14.1.2|Protect application services on public networks|公衆網上のアプリケーションサービスの保護
A.14.1.3|Protect application transactions|アプリケーション取引の保護
A.14.2|Development and support processes|開発・サポートの工程
A.14.2.1|Rules for secure development|セキュア開発のルール
A.14.2.2|Change control during development|開発中の変更管理手順
A.14.2.3|Re-check applications after platform changes|基盤変更後のアプリケーション点検
A.14.2.4|Limit changes to vendor packages|市販パッケージ改変の制限
A.14.2.5|Secure engineering principles|安全なシステム構築の原則
A.14.2.6|Protect development environments|開発環境の保護
A.14.2.7|Supervise outsourced development|外部委託開発の監督
A.14.2.8|Test security during development|開発中のセキュリティ試験
A.14.2.9|Acceptance testing|受入れ試験
A.14.3|Test data handling|試験データの扱い
A.14.3.1|Protect test data|試験データの保護
A.15|Working with suppliers|供給者との関係
A.15.1|Security with suppliers|供給者とのセキュリティ
A.15.1.1|Security policy for suppliers|供給者向けのセキュリティ方針
A.15.1.2|Security terms in supplier contracts|供給者契約のセキュリティ条項
A.15.1.3|ICT supply chain risks|ICTサプライチェーンのリスク
A.15.2|Supplier service delivery|供給者サービスの提供管理
A.15.2.1|Monitor and review supplier services|供給者サービスの監視とレビュー
A.15.2.2|Manage changes to supplier services|供給者サービス変更の管理
A.16|Incident management|インシデント管理
A.16.1|Handling incidents and improvements|インシデントへの対処と改善
A.16.1.1|Incident responsibilities and procedures|対応の責任と手順
A.16.1.2|Report security events|事象の報告
A.16.1.3|Report security weaknesses|弱点の報告
A.16.1.4|Assess events and decide|事象の評価と判断
A.16.1.5|Respond to incidents|インシデントへの対応
A.16.1.6|Learn from incidents|インシデントからの学習
A.16.1.7|Collect evidence|証拠の収集と保全
A.17|Business continuity|事業継続
A.17.1|Continuity of security|セキュリティの継続
A.17.1.1|Plan security continuity|継続の計画
A.17.1.2|Implement security continuity|継続の実施
A.17.1.3|Verify and review continuity|継続の検証と見直し
A.17.2|Redundant capacity|冗長化
A.17.2.1|Redundant processing facilities|情報処理設備の冗長化
A.18|Legal and policy compliance|法令・規程の順守
A.18.1|Legal and contractual requirements|法的・契約上の要求事項
A.18.1.1|Identify applicable laws and contracts|適用される法令・契約の特定
A.18.1.2|Respect intellectual property|知的財産権の尊重
A.18.1.3|Protect records|記録の改ざん・消失防止
A.18.1.4|Privacy and personal data|プライバシーと個人データの保護
A.18.1.5|Regulations on cryptography|暗号に関する規制の順守
A.18.2|Security reviews|セキュリティのレビュー
A.18.2.1|Independent security review|独立したレビュー
A.18.2.2|Check compliance with policies|方針・基準への準拠の確認
A.18.2.3|Technical compliance checks|技術的な準拠の点検
"""

# ---------------------------------------------------------------------------------------------
# ISO/IEC 27001:2022 (JIS Q 27001:2023) Annex A. Themes are the parents.

ISO27001_2022_THEMES = [
    ("A.5", "organizational", "Organisational measures", "組織的な対策"),
    ("A.6", "people", "People measures", "人的な対策"),
    ("A.7", "physical", "Physical measures", "物理的な対策"),
    ("A.8", "technological", "Technological measures", "技術的な対策"),
]

ISO27001_2022_NEW = ("A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11", "A.8.12",
                     "A.8.16", "A.8.23", "A.8.28")

ISO27001_2022_ANNEX_A = """
A.5.1|Set and review security policies|セキュリティ方針群の策定と見直し
A.5.2|Define security roles and responsibilities|セキュリティの役割と責任の定義
A.5.3|Separate conflicting duties|相反する職務の分離
A.5.4|Management requires security from staff|経営陣・管理者による順守の要求
A.5.5|Keep contact with authorities|関係当局との連絡体制
A.5.6|Keep contact with interest groups|専門家団体等との連絡
A.5.7|Gather and analyse threat information|脅威情報の収集と分析
A.5.8|Security in project management|プロジェクト管理へのセキュリティの組込み
A.5.9|Inventory information and assets|情報・関連資産の目録
A.5.10|Rules for acceptable use of information|情報・資産の利用ルール
A.5.11|Return assets on leaving|離任時の資産返却
A.5.12|Classify information|情報の分類付け
A.5.13|Label information|分類の表示
A.5.14|Protect information transfers|情報転送の保護
A.5.15|Set access control rules|アクセス制御のルール策定
A.5.16|Manage identity lifecycle|識別子のライフサイクル管理
A.5.17|Manage authentication information|認証情報の管理
A.5.18|Provision, review and remove access rights|アクセス権の付与・点検・削除
A.5.19|Manage supplier security risks|供給者に関するリスクの管理
A.5.20|Security terms in supplier agreements|供給者との取決めのセキュリティ条項
A.5.21|Manage ICT supply chain security|ICTサプライチェーンのセキュリティ管理
A.5.22|Monitor and manage supplier service changes|供給者サービスの監視と変更管理
A.5.23|Use cloud services securely|クラウドサービス利用時のセキュリティ
A.5.24|Prepare for incident management|インシデント管理の計画と準備
A.5.25|Assess events and decide|事象の評価と判断
A.5.26|Respond to incidents|インシデントへの対応
A.5.27|Learn from incidents|インシデントからの学習
A.5.28|Collect evidence|証拠の収集と保全
A.5.29|Keep security during disruption|事業中断時のセキュリティ維持
A.5.30|ICT readiness for continuity|事業継続に向けたICTの備え
A.5.31|Identify legal, regulatory and contract duties|法令・規制・契約上の義務の特定
A.5.32|Respect intellectual property|知的財産権の尊重
A.5.33|Protect records|記録の改ざん・消失防止
A.5.34|Protect privacy and personal data|プライバシーと個人データの保護
A.5.35|Independent security review|独立したレビュー
A.5.36|Check compliance with policies and standards|方針・規則・基準への準拠の確認
A.5.37|Document operating procedures|操作手順の文書化
A.6.1|Check candidates' backgrounds|採用候補者の経歴確認
A.6.2|Security duties in employment terms|雇用条件におけるセキュリティ義務
A.6.3|Awareness, education and training|意識向上・教育・訓練
A.6.4|Formal disciplinary process|違反時の懲戒手続
A.6.5|Duties after leaving or changing roles|退職・異動後の責任
A.6.6|Confidentiality agreements|秘密保持の取決め
A.6.7|Secure remote working|リモートワークの保護
A.6.8|Report security events|事象の報告
A.7.1|Define physical perimeters|物理的な境界の設定
A.7.2|Control physical entry|入退の管理
A.7.3|Secure offices, rooms and facilities|事務所・部屋・施設の保護
A.7.4|Monitor premises physically|物理的な監視
A.7.5|Protect against physical and environmental threats|物理的・環境的脅威への備え
A.7.6|Rules for working in secure areas|保護区域内での作業ルール
A.7.7|Clear desks and lock screens|机上の整理と画面ロック
A.7.8|Site and protect equipment|装置の設置と保護
A.7.9|Protect assets off-premises|構外にある資産の保護
A.7.10|Manage storage media|記憶媒体の管理
A.7.11|Power and other utilities|電源等のユーティリティ
A.7.12|Protect cabling|配線の保護
A.7.13|Maintain equipment|装置の定期保守
A.7.14|Wipe equipment before disposal or reuse|処分・再利用前のデータ消去
A.8.1|Protect user endpoint devices|利用者端末の保護
A.8.2|Restrict privileged access|特権的なアクセスの制限
A.8.3|Restrict access to information|情報へのアクセスの制限
A.8.4|Protect access to source code|ソースコードへのアクセス保護
A.8.5|Authenticate securely|安全な認証
A.8.6|Manage capacity|容量・能力の管理
A.8.7|Protect against malware|マルウェア対策
A.8.8|Manage technical vulnerabilities|技術的ぜい弱性への対処
A.8.9|Manage configurations|構成の管理
A.8.10|Delete information no longer needed|不要になった情報の削除
A.8.11|Mask data|データの秘匿化
A.8.12|Prevent data leakage|情報漏えいの防止
A.8.13|Back up information|情報のバックアップ取得
A.8.14|Redundant processing facilities|情報処理設備の冗長化
A.8.15|Record logs|ログの記録
A.8.16|Monitor for anomalous behaviour|異常な挙動の監視
A.8.17|Synchronise clocks|時刻の同期
A.8.18|Limit privileged utility programs|特権的ユーティリティの利用制限
A.8.19|Control software on operational systems|運用システムへのソフト導入管理
A.8.20|Secure networks|ネットワークの保護
A.8.21|Secure network services|ネットワークサービスの保護
A.8.22|Segregate networks|ネットワークの区分
A.8.23|Filter web access|ウェブアクセスの制限
A.8.24|Use cryptography|暗号技術の活用
A.8.25|Secure development lifecycle|安全な開発ライフサイクル
A.8.26|Application security requirements|アプリケーションのセキュリティ要件
A.8.27|Secure architecture and engineering|安全なシステム設計の原則
A.8.28|Code securely|安全なコーディング
A.8.29|Security testing in development and acceptance|開発・受入れにおけるセキュリティ試験
A.8.30|Supervise outsourced development|外部委託開発の監督
A.8.31|Separate development, test and production|開発・試験・本番環境の分離
A.8.32|Manage changes|変更の管理
A.8.33|Protect test information|試験用情報の保護
A.8.34|Protect systems during audit testing|監査時のシステム保護
"""

# ---------------------------------------------------------------------------------------------
# ISO/IEC 27017:2015 (JIS Q 27017:2016) CLD additions. The four controls without a CLD objective
# extend an ISO/IEC 27002:2013 objective, recorded as props.extends.

ISO27017_ITEMS = [
    # id, parent, class, extends, en, ja
    ("CLD.6.3", None, "objective", "6", "Relationship between cloud customer and provider",
     "クラウド利用者と事業者の関係"),
    ("CLD.6.3.1", "CLD.6.3", "control", None, "Shared security roles of customer and provider",
     "利用者と事業者のセキュリティ責任分担"),
    ("CLD.8.1.5", None, "control", "8.1", "Remove customer assets when the contract ends",
     "契約終了時の利用者資産の返却・削除"),
    ("CLD.9.5", None, "objective", "9", "Access control of customer data in shared virtual environments",
     "共有仮想環境における利用者データのアクセス制御"),
    ("CLD.9.5.1", "CLD.9.5", "control", None, "Isolate tenants' virtual environments",
     "利用者ごとの仮想環境の分離"),
    ("CLD.9.5.2", "CLD.9.5", "control", None, "Harden virtual machines",
     "仮想マシンの堅牢化"),
    ("CLD.12.1.5", None, "control", "12.1", "Procedures for administrators' cloud operations",
     "管理者操作の手順の定義と監視"),
    ("CLD.12.4.5", None, "control", "12.4", "Let customers monitor their cloud service",
     "利用者によるクラウドサービスの監視"),
    ("CLD.13.1.4", None, "control", "13.1", "Align virtual and physical network security",
     "仮想ネットワークと物理ネットワークのセキュリティ整合"),
]

# ---------------------------------------------------------------------------------------------
# AICPA Trust Services Criteria 2017 (revised points of focus 2022). Class "criterion" is kept for
# the 33 common criteria, so counts.criterion is the CC count; the category-specific criteria
# (A, C, PI, P) are class "additional-criterion", as the TSC calls them.

SOC2_CATEGORIES = [
    ("CC", "security", "Common criteria (security)", "共通規準（セキュリティ）"),
    ("A", "availability", "Availability", "可用性"),
    ("C", "confidentiality", "Confidentiality", "機密保持"),
    ("PI", "processing-integrity", "Processing integrity", "処理のインテグリティ"),
    ("P", "privacy", "Privacy", "プライバシー"),
]

SOC2_GROUPS = """
CC1|Control environment|統制環境
CC2|Information and communication|情報と伝達
CC3|Risk assessment|リスク評価
CC4|Monitoring of controls|統制のモニタリング
CC5|Control activities|統制活動
CC6|Logical and physical access|論理的・物理的アクセス
CC7|System operations|システムの運用
CC8|Change management|変更管理
CC9|Risk mitigation|リスクの軽減
A1|Additional criteria for availability|可用性の追加規準
C1|Additional criteria for confidentiality|機密保持の追加規準
PI1|Additional criteria for processing integrity|処理のインテグリティの追加規準
P1|Notice|通知
P2|Choice and consent|選択と同意
P3|Collection|収集
P4|Use, retention and disposal|利用・保存・廃棄
P5|Access by data subjects|本人によるアクセス
P6|Disclosure and notification|開示と通知
P7|Quality|品質
P8|Monitoring and enforcement|監視と執行
"""

SOC2_CRITERIA = """
CC1.1|Commitment to integrity and ethics|誠実性と倫理観への姿勢
CC1.2|Board oversight independent of management|経営者から独立した取締役会の監督
CC1.3|Structures, reporting lines and authority|組織構造・報告経路・権限
CC1.4|Attract, develop and keep competent people|有能な人材の確保と育成
CC1.5|Hold people accountable for controls|統制に対する説明責任
CC2.1|Use relevant, good-quality information|質の高い情報の入手と利用
CC2.2|Communicate internally about controls|組織内への伝達
CC2.3|Communicate with outside parties|外部との伝達
CC3.1|Objectives clear enough to assess risk|リスク評価のための目的の明確化
CC3.2|Identify and analyse risks|リスクの識別と分析
CC3.3|Consider the potential for fraud|不正の可能性の検討
CC3.4|Assess changes that affect controls|統制に影響する変化の評価
CC4.1|Ongoing and separate evaluations|日常的評価と独立的評価
CC4.2|Report and fix control deficiencies|統制上の不備の伝達と是正
CC5.1|Choose control activities that reduce risk|リスクを低減する統制活動の選択
CC5.2|General controls over technology|ITに係る全般統制
CC5.3|Deploy controls through policies and procedures|方針と手続による統制の展開
CC6.1|Logical access security foundations|論理アクセスの基盤
CC6.2|Register, authorise and remove users|利用者の登録・承認・削除
CC6.3|Role-based access and least privilege|役割に基づくアクセスと最小権限
CC6.4|Restrict physical access|物理アクセスの制限
CC6.5|Protect data until physical assets are retired|物理資産の廃棄までのデータ保護
CC6.6|Guard against threats from beyond the boundary|境界外からの脅威への対策
CC6.7|Restrict transmission and movement of data|データの送信・移動の制限
CC6.8|Prevent or detect malicious software|不正なソフトウェアの防止と検知
CC7.1|Detect configuration changes and vulnerabilities|構成変更とぜい弱性の検知
CC7.2|Monitor components for anomalies|構成要素の異常の監視
CC7.3|Evaluate events to decide on incidents|事象の評価とインシデントの判断
CC7.4|Respond to incidents|インシデントへの対応
CC7.5|Recover from incidents|インシデントからの復旧
CC8.1|Authorise, test and approve changes|変更の承認・試験・実施
CC9.1|Reduce risk of business disruption|事業中断リスクの軽減
CC9.2|Manage vendor and partner risk|委託先・取引先のリスク管理
A1.1|Manage capacity|処理能力の管理
A1.2|Environmental safeguards, backup and recovery infrastructure|環境対策・バックアップ・復旧基盤
A1.3|Test recovery plans|復旧計画の試験
C1.1|Identify and protect confidential information|機密情報の識別と保護
C1.2|Dispose of confidential information|機密情報の廃棄
PI1.1|Define processing specifications|処理仕様の定義と伝達
PI1.2|Control system inputs|入力の完全性と正確性
PI1.3|Control processing|処理の完全性と正確性
PI1.4|Control outputs|出力の完全性と正確性
PI1.5|Store data completely and accurately|保存データの完全性と正確性
P1.1|Tell data subjects about privacy practices|プライバシー慣行の通知
P2.1|Offer choices and obtain consent|選択肢の提示と同意の取得
P3.1|Collect only what objectives need|目的に沿った収集
P3.2|Explicit consent where required|必要な場合の明示的同意
P4.1|Limit use to stated purposes|目的内での利用
P4.2|Retain only as long as needed|必要な期間のみの保存
P4.3|Dispose of personal information securely|個人情報の安全な廃棄
P5.1|Let data subjects see their information|本人による情報へのアクセス
P5.2|Correct or amend personal information|個人情報の訂正
P6.1|Disclose to third parties only with consent|同意に基づく第三者提供
P6.2|Record authorised disclosures|許可された開示の記録
P6.3|Record unauthorised disclosures|許可されていない開示の記録
P6.4|Obtain privacy commitments from vendors|委託先からのプライバシー確約
P6.5|Vendors report unauthorised disclosures|委託先による無許可開示の通知
P6.6|Notify breaches to those affected|漏えい等の関係者への通知
P6.7|Account for information held and disclosed|保有・開示状況の説明
P7.1|Keep personal information accurate and complete|個人情報の正確性と完全性
P8.1|Handle inquiries, complaints and disputes|問合せ・苦情・紛争への対応
"""


# ---------------------------------------------------------------------------------------------

def _rows(table):
    out = []
    for line in table.strip().split("\n"):
        parts = line.split("|")
        if len(parts) != 3:
            raise ValueError(f"refs: bad table row {line!r}")
        out.append(tuple(p.strip() for p in parts))
    return out


def _title(en, ja):
    return OrderedDict([("ja", ja), ("en", en)])


def _item(iid, parent, cls, level, en, ja, props, rev):
    return OrderedDict([
        ("id", iid), ("parent", parent), ("class", cls), ("level", level),
        ("title", _title(en, ja)), ("props", props),
        ("source", common.source(None, None, rev)),
    ])


def _check_items(cid, items):
    seen = set()
    for it in items:
        if it["id"] in seen:
            raise SystemExit(f"refs: {cid}: duplicate id {it['id']}")
        if it["parent"] is not None and it["parent"] not in seen:
            raise SystemExit(f"refs: {cid}: {it['id']} has parent {it['parent']} not listed before it")
        seen.add(it["id"])


def _expect(cid, what, got, want):
    if got != want:
        raise SystemExit(f"refs: {cid}: expected {want} {what}, found {got}")


def _catalog(cid, title, publisher, revisions, sources, license_note, items, profiles):
    _check_items(cid, items)
    return OrderedDict([
        ("format", 1), ("kind", "catalog"), ("id", cid), ("title", title),
        ("publisher", publisher), ("revisions", revisions), ("sources", sources),
        ("license_note", license_note), ("repairs", []),
        ("counts", common.count_classes(items)), ("profiles", profiles), ("items", items),
    ])


def _source_entry(title, revision):
    return OrderedDict([("file", None), ("title", title), ("revision", revision),
                        ("note", PROJECT_TITLES)])


def _revision(rid, title, note):
    return OrderedDict([("id", rid), ("title", title), ("note", note)])


def _profile(pid, en, ja, items, notes):
    return OrderedDict([("id", pid), ("title", _title(en, ja)), ("items", items), ("refs", []),
                        ("notes", notes)])


LICENSE_NOTE = ("Identifiers only. Titles are the project's own short descriptions (English and "
                "Japanese); no text of the standard is reproduced. Consult the standard itself for "
                "the requirements.")


def build_iso27001_2013():
    rev = "2013"
    items = []
    for iid, en, ja in _rows(ISO27001_2013_CLAUSES):
        depth = iid.count(".")
        cls = ("section", "clause", "subclause")[depth]
        parent = None if depth == 0 else iid.rsplit(".", 1)[0]
        items.append(_item(iid, parent, cls, depth + 1, en, ja, OrderedDict([("part", "clauses")]), rev))
    for iid, en, ja in _rows(ISO27001_2013_ANNEX_A):
        depth = iid.count(".")  # A.5 -> 1, A.5.1 -> 2, A.5.1.1 -> 3
        cls = {1: "domain", 2: "objective", 3: "control"}[depth]
        parent = None if depth == 1 else iid.rsplit(".", 1)[0]
        items.append(_item(iid, parent, cls, depth, en, ja, OrderedDict([("part", "annex-a")]), rev))
    counts = common.count_classes(items)
    cid = "iso27001-2013"
    _expect(cid, "Annex A controls", counts.get("control"), 114)
    _expect(cid, "Annex A objectives", counts.get("objective"), 35)
    _expect(cid, "Annex A domains", counts.get("domain"), 14)
    _expect(cid, "management-system clauses", counts.get("clause"), 22)
    controls = [it["id"] for it in items if it["class"] == "control"]
    if controls[0] != "A.5.1.1" or controls[-1] != "A.18.2.3":
        raise SystemExit("refs: iso27001-2013: Annex A must run A.5.1.1 .. A.18.2.3")
    clauses = [it["id"] for it in items if it["class"] in ("clause", "subclause")]
    return _catalog(
        cid,
        _title("ISO/IEC 27001:2013 (JIS Q 27001:2014) — clauses and Annex A",
               "ISO/IEC 27001:2013（JIS Q 27001:2014）本文の箇条と附属書A"),
        "ISO/IEC JTC 1/SC 27 (identifiers); titles by the ismap-assess project",
        [_revision(rev, "ISO/IEC 27001:2013 / JIS Q 27001:2014",
                   "Annex A numbering equals ISO/IEC 27002:2013 (JIS Q 27002:2014), which ISMAP's "
                   "control criteria follow. Certificates against the 2013 edition lapsed after "
                   "2025-10-31.")],
        [_source_entry("ISO/IEC 27001:2013 Information security management systems — Requirements",
                       rev)],
        LICENSE_NOTE, items,
        [_profile("annex-a", "Annex A controls", "附属書Aの管理策", controls,
                  "The 114 Annex A controls (= ISO/IEC 27002:2013 controls)."),
         _profile("clauses", "Management-system clauses", "マネジメントシステムの箇条", clauses,
                  "Clauses 4.1 to 10.2 (with the sub-clauses of 6.1 and 7.5); ISMAP's management "
                  "criteria (4.x) cite them.")])


def build_iso27001_2022():
    rev = "2022"
    cid = "iso27001-2022"
    items = []
    theme_of = {}
    for tid, key, en, ja in ISO27001_2022_THEMES:
        theme_of[tid] = key
        items.append(_item(tid, None, "theme", 1, en, ja, OrderedDict([("theme", key)]), rev))
    controls = []
    for iid, en, ja in _rows(ISO27001_2022_ANNEX_A):
        parent = iid.rsplit(".", 1)[0]
        props = OrderedDict([("theme", theme_of[parent]), ("new_in_2022", iid in ISO27001_2022_NEW)])
        items.append(_item(iid, parent, "control", 2, en, ja, props, rev))
        controls.append(iid)
    # Keep items grouped by theme (themes first is fine: parents precede children).
    per_theme = OrderedDict((t[0], 0) for t in ISO27001_2022_THEMES)
    for c in controls:
        per_theme[c.rsplit(".", 1)[0]] += 1
    _expect(cid, "Annex A controls", len(controls), 93)
    _expect(cid, "controls per theme", list(per_theme.values()), [37, 8, 14, 34])
    for theme, n in per_theme.items():
        got = [c for c in controls if c.rsplit(".", 1)[0] == theme]
        _expect(cid, f"controls of {theme} in sequence", got, [f"{theme}.{i}" for i in range(1, n + 1)])
    new = [c for c in controls if c in ISO27001_2022_NEW]
    _expect(cid, "new controls", len(new), 11)
    return _catalog(
        cid,
        _title("ISO/IEC 27001:2022 (JIS Q 27001:2023) — Annex A", "ISO/IEC 27001:2022（JIS Q 27001:2023）附属書A"),
        "ISO/IEC JTC 1/SC 27 (identifiers); titles by the ismap-assess project",
        [_revision(rev, "ISO/IEC 27001:2022 / JIS Q 27001:2023",
                   "93 controls in four themes (numbering equals ISO/IEC 27002:2022, which MIC's "
                   "2025 audit guideline cites); 11 controls are new in this edition.")],
        [_source_entry("ISO/IEC 27001:2022 Information security, cybersecurity and privacy "
                       "protection — Information security management systems — Requirements", rev)],
        LICENSE_NOTE, items,
        [_profile("annex-a", "Annex A controls", "附属書Aの管理策", controls,
                  "The 93 Annex A controls."),
         _profile("new-in-2022", "Controls new in 2022", "2022年版で新設された管理策", new,
                  "Controls with no counterpart in the 2013 edition.")])


def build_iso27017():
    rev = "2015"
    cid = "iso27017"
    items = []
    for iid, parent, cls, extends, en, ja in ISO27017_ITEMS:
        props = OrderedDict([("extends_iso27002", extends)])
        level = 2 if cls == "objective" else 3
        items.append(_item(iid, parent, cls, level, en, ja, props, rev))
    counts = common.count_classes(items)
    _expect(cid, "CLD controls", counts.get("control"), 7)
    _expect(cid, "CLD objectives", counts.get("objective"), 2)
    controls = [it["id"] for it in items if it["class"] == "control"]
    return _catalog(
        cid,
        _title("ISO/IEC 27017:2015 (JIS Q 27017:2016) — cloud additions (CLD)",
               "ISO/IEC 27017:2015（JIS Q 27017:2016）クラウド固有の追加管理策（CLD）"),
        "ISO/IEC JTC 1/SC 27 and ITU-T (identifiers); titles by the ismap-assess project",
        [_revision(rev, "ISO/IEC 27017:2015 / JIS Q 27017:2016",
                   "Only the CLD additions are listed; the rest of ISO/IEC 27017 is guidance on the "
                   "ISO/IEC 27002:2013 controls and uses their numbers. ISMAP's '.P' items carry "
                   "these additions. props.extends_iso27002 names the ISO/IEC 27002:2013 clause or "
                   "objective a CLD item is filed under.")],
        [_source_entry("ISO/IEC 27017:2015 Code of practice for information security controls "
                       "based on ISO/IEC 27002 for cloud services", rev)],
        LICENSE_NOTE, items,
        [_profile("cld-controls", "CLD controls", "CLD管理策", controls, "The 7 cloud-specific controls.")])


def build_soc2():
    rev = "2017-pof-2022"
    cid = "soc2-tsc"
    items = []
    cat_of_prefix = OrderedDict()
    for cat, key, en, ja in SOC2_CATEGORIES:
        cat_of_prefix[cat] = key
        items.append(_item(cat, None, "category", 1, en, ja, OrderedDict([("category", key)]), rev))

    def category(code):
        prefix = code.rstrip("0123456789.")
        if prefix not in cat_of_prefix:
            raise SystemExit(f"refs: {cid}: no category for {code}")
        return prefix

    # Groups sit under their category; criteria under their group. Emit category-wise so that
    # every parent precedes its children and the file reads in the published order.
    groups = _rows(SOC2_GROUPS)
    criteria = _rows(SOC2_CRITERIA)
    ordered = []
    for cat in cat_of_prefix:
        ordered.append(next(it for it in items if it["id"] == cat))
    items = ordered
    profiles_items = OrderedDict((c, []) for c in cat_of_prefix)
    for gid, en, ja in groups:
        cat = category(gid)
        items.append(_item(gid, cat, "group", 2, en, ja,
                           OrderedDict([("category", cat_of_prefix[cat])]), rev))
        for crit, cen, cja in criteria:
            if crit.split(".")[0] == gid:
                cls = "criterion" if cat == "CC" else "additional-criterion"
                items.append(_item(crit, gid, cls, 3, cen, cja,
                                   OrderedDict([("category", cat_of_prefix[cat])]), rev))
                profiles_items[cat].append(crit)
    listed = sum(len(v) for v in profiles_items.values())
    _expect(cid, "criteria placed under groups", listed, len(criteria))
    _expect(cid, "common criteria (CC)", len(profiles_items["CC"]), 33)
    _expect(cid, "items of class criterion (= CC)", common.count_classes(items).get("criterion"), 33)
    _expect(cid, "availability criteria", len(profiles_items["A"]), 3)
    _expect(cid, "confidentiality criteria", len(profiles_items["C"]), 2)
    _expect(cid, "processing-integrity criteria", len(profiles_items["PI"]), 5)
    _expect(cid, "privacy criteria", len(profiles_items["P"]), 18)
    profiles = []
    for cat, key, en, ja in SOC2_CATEGORIES:
        profiles.append(_profile(key, en, ja, profiles_items[cat],
                                 "Common criteria; every SOC 2 report covers them."
                                 if cat == "CC" else "Additional criteria, in scope when the report "
                                 "includes this category."))
    return _catalog(
        cid,
        _title("AICPA Trust Services Criteria (SOC 2)", "AICPA トラストサービス規準（SOC 2）"),
        "AICPA (identifiers); titles by the ismap-assess project",
        [_revision(rev, "2017 Trust Services Criteria, revised points of focus (2022)",
                   "33 common criteria (CC1–CC9) plus the additional criteria for availability, "
                   "confidentiality, processing integrity and privacy.")],
        [_source_entry("2017 Trust Services Criteria for Security, Availability, Processing "
                       "Integrity, Confidentiality, and Privacy (with revised points of focus – 2022)",
                       rev)],
        LICENSE_NOTE, items, profiles)


def build(seeds_dir):
    """Returns the four reference catalogs. seeds_dir is unused: no seed document holds them."""
    del seeds_dir
    return OrderedDict([
        ("iso27001-2013", build_iso27001_2013()),
        ("iso27001-2022", build_iso27001_2022()),
        ("iso27017", build_iso27017()),
        ("soc2-tsc", build_soc2()),
    ])
