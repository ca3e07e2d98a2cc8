/* help.c — ismapctl's per-command help: `ismapctl COMMAND --help`, `ismapctl help COMMAND`, and
 * the sub-commands of a group (`ismapctl waiver`). The usage line and summary come from the
 * command tables; the options and examples of each command are written here, in one place, so
 * the command files stay about behaviour. tests/integration/cli_help.sh checks that every
 * command has an entry naming each option it accepts. */
#include "cli.h"

#include <string.h>

typedef struct help_entry {
    const char *cmd; /* "word1" or "word1 word2" */
    const char *text;
} help_entry;

#define TODAY "  --today YYYY-MM-DD    compute as of this date instead of today (Japan time)\n"
#define FILE_OUT                                                                                   \
    "  -o, --output FILE      write the document to FILE; -o - writes it to stdout (then the\n"    \
    "                         document is all stdout carries; xlsx is never sent to a terminal)\n"

static const help_entry entries[] = {
    /* ---- core ---- */
    {"ping", "Examples:\n  ismapctl ping\n  ismapctl --url tls+tcp://ismap.example.lg.jp:7443 "
             "--ca-file ca.pem ping\n"},
    {"status", "Examples:\n  ismapctl status\n  ismapctl status --json\n"},
    {"ops", "Examples:\n  ismapctl ops\n"},
    {"jobs list", "Options:\n"
                  "  --state STATE          only jobs in this state: queued, running, succeeded,\n"
                  "                         failed, cancelled\n"
                  "  --limit N              at most N jobs (1..10000) [50]\n"
                  "Examples:\n  ismapctl jobs list --state running\n"
                  "  ismapctl jobs list --limit 5 --json\n"},
    {"jobs show", "Examples:\n  ismapctl jobs show job_0123456789abcdef\n"},
    {"jobs cancel", "Examples:\n  ismapctl jobs cancel job_0123456789abcdef\n"},
    {"jobs wait", "Exit status 0 if the job succeeded, 1 if it failed or was cancelled.\n"
                  "Examples:\n  ismapctl jobs wait job_0123456789abcdef\n"},
    {"jobs submit", "Options:\n"
                    "  --params JSON          the job's parameters, a JSON object\n"
                    "  --wait                 wait until the job ends; exit 0 only if it "
                    "succeeded\n"
                    "Examples:\n  ismapctl jobs submit diag.wait --params '{\"ms\":5000}' --wait\n"
                    "  ismapctl jobs submit store.backup --params "
                    "'{\"dest\":\"/var/backups/ismap.db\"}'\n"},
    {"jobs kinds", "Examples:\n  ismapctl jobs kinds\n"},
    {"token create", "Options:\n"
                     "  --name NAME            who or what the token is for\n"
                     "  --role ROLE            admin, procurement, auditor or viewer\n"
                     "  --org ORG              the organization a non-admin token belongs to\n"
                     "Examples:\n"
                     "  ismapctl token create --name auditor1 --role auditor --org city-a\n"},
    {"token list", "Examples:\n  ismapctl token list\n"},
    {"token revoke", "Examples:\n  ismapctl token revoke tok_0123456789abcdef\n"},
    {"call", "Prints the op's JSON result whatever --json says.\n"
             "Examples:\n  ismapctl call ping '{\"echo\":\"hello\"}'\n"
             "  ismapctl call catalog.items '{\"catalog\":\"ismap\",\"class\":\"control\"}'\n"},
    /* ---- catalogs ---- */
    {"catalog list", "Examples:\n  ismapctl catalog list\n"},
    {"catalog show", "Examples:\n  ismapctl catalog show ismap 10.1.1.9.PB\n"
                     "  ismapctl catalog show mic-audit C-4\n"},
    {"catalog items", "Options:\n"
                      "  --class CLASS          only items of this class (e.g. control, "
                      "objective)\n"
                      "  --profile PROFILE      only items of this profile (e.g. must-meet)\n"
                      "Examples:\n  ismapctl catalog items ismap --profile must-meet\n"
                      "  ismapctl catalog items mic-audit --json\n"},
    {"catalog search", "Options:\n"
                       "  --catalog ID           search one catalog only\n"
                       "  --limit N              at most N hits (1..1000) [20]\n"
                       "Examples:\n  ismapctl catalog search マイナンバー 分離\n"
                       "  ismapctl catalog search access control --catalog ismap --limit 5\n"},
    {"catalog map", "Options:\n"
                    "  --depth N              follow crosswalks up to N steps (1..6) [3]\n"
                    "Examples:\n  ismapctl catalog map mic-audit C-4\n"
                    "  ismapctl catalog map iso27001-2022 A.5.15 --depth 2\n"},
    {"catalog export", "Options:\n"
                       "  --format oscal         the only format (and the default)\n" FILE_OUT
                       "                         without -o, the JSON goes to stdout\n"
                       "Examples:\n  ismapctl catalog export ismap --format oscal -o "
                       "ismap-oscal.json\n"
                       "  ismapctl catalog export xw-mic-ismap -o - | jq .\n"},
    /* ---- snapshots ---- */
    {"snapshot list", "Examples:\n  ismapctl snapshot list\n"},
    {"snapshot show", "Examples:\n  ismapctl snapshot show snap_0123456789abcdef\n"},
    {"snapshot import", "Over the local socket ismapd reads the file itself; over --url the "
                        "bytes are sent.\n"
                        "Examples:\n  ismapctl snapshot import tenant-2026-04.db\n"},
    {"snapshot verify", "Exit status 1 when the file changed or its signature is not valid.\n"
                        "Examples:\n  ismapctl snapshot verify snap_0123456789abcdef\n"},
    /* ---- collection ---- */
    {"collect operations", "PROVIDER is one of `ismapctl collect providers` [aws].\n"
                           "Examples:\n  ismapctl collect operations\n"
                           "  ismapctl collect operations azure --json\n"},
    {"collect providers", "Examples:\n  ismapctl collect providers\n"},
    /* ---- evidence ---- */
    {"subject create",
     "Options:\n"
     "  --kind K               service (a provider's cloud service) or workload [service]\n"
     "  --provider P           the provider's name, as on the ISMAP list\n"
     "  --service S            the service's name, as on the ISMAP list\n"
     "  --model M              IaaS, PaaS or SaaS\n"
     "  --region R             a region it runs in (repeatable)\n"
     "  --environment E        e.g. production\n"
     "  --account A            a cloud account of the workload (repeatable)\n"
     "  --notes TEXT           free text\n"
     "  --organization ORG     the organization it belongs to\n"
     "Examples:\n"
     "  ismapctl subject create 住民記録クラウド --provider はまなすクラウド株式会社 \\\n"
     "      --service \"Hamanasu 住民記録クラウド\" --model SaaS --region 東京\n"
     "  ismapctl subject create 本庁ガバメントクラウド --kind workload --organization みなと市\n"},
    {"subject list", "Examples:\n  ismapctl subject list\n"},
    {"subject show", "Examples:\n  ismapctl subject show 住民記録クラウド\n"},
    {"evidence import",
     "KIND is questionnaire, ismap-list, soc2, iso-cert, soa, caiq or file (ismapctl evidence\n"
     "kinds). The file is checked whole; on any problem nothing is stored.\n"
     "Options:\n"
     "  --subject S            the subject the evidence is about (all kinds but ismap-list)\n"
     "  --today D              judge validity as of D (YYYY-MM-DD)\n"
     "  --encoding E           CSV encoding, e.g. utf-8 or cp932 [detected]\n"
     "  --delimiter D          CSV delimiter: \",\", \";\" or tab [,]\n"
     "  --allow-blank          accept unanswered questionnaire rows\n"
     "  --map F=H,...          name the columns when the headers differ (ismap-list)\n"
     "  --list L               ISMAP or ISMAP-LIU (ismap-list)\n"
     "  --as-of D              the date the list was published (ismap-list)\n"
     "  --edition E            2013 or 2022 (soa, iso-cert)\n"
     "  --standard S           the standard an SoA or certificate is for (27001, 27017)\n"
     "  --certificate NO       the certificate an SoA stands on\n"
     "  --title T, --kind K, --date D, --issuer I, --valid-until D, --about ITEMS\n"
     "                         describe a document (file): kind contract, sla, report or\n"
     "                         other; ITEMS the questionnaire rows or ISMAP ids it supports\n"
     "Examples:\n"
     "  ismapctl evidence import ismap-list ismap_list.csv --as-of 2025-08-01\n"
     "  ismapctl evidence import questionnaire 別紙回答.xlsx --subject 住民記録クラウド\n"
     "  ismapctl evidence import file 契約書.pdf --subject 住民記録クラウド --kind contract \\\n"
     "      --title 利用契約書 --date 2025-04-01 --valid-until 2026-03-31 --about \"5-21 "
     "12.3.1\"\n"},
    {"evidence list", "Options:\n"
                      "  --kind K               only evidence of this kind\n"
                      "  --all                  superseded versions too\n"
                      "Examples:\n  ismapctl evidence list 住民記録クラウド --all\n"
                      "  ismapctl evidence list            # the ISMAP list imports\n"},
    {"evidence show", "Examples:\n  ismapctl evidence show ev_0123456789abcdef\n"},
    {"evidence kinds", "Examples:\n  ismapctl evidence kinds\n"},
    {"ismap-list lookup",
     "Options:\n" TODAY "Examples:\n"
     "  ismapctl ismap-list lookup \"（株）エービーシー\" \"ABC クラウドプラットフォーム\"\n"},
    {"screening",
     "Options:\n"
     "  --verdict V            only the 別紙 rows with this verdict: met (適合), unmet\n"
     "                         (不適合), alternative (代替策要確認), no_evidence\n"
     "                         (証跡不足), not_required (回答不要), info (情報)\n"
     "  --format F             write the screening as csv, xlsx or json instead of\n"
     "                         printing it: to -o FILE, else (csv, json) to stdout\n" FILE_OUT TODAY
     "Examples:\n  ismapctl screening 住民記録クラウド\n"
     "  ismapctl screening 住民記録クラウド --verdict 不適合\n"
     "  ismapctl screening 住民記録クラウド --format xlsx -o screening.xlsx\n"
     "  ismapctl screening 住民記録クラウド --format csv -o - > screening.csv\n"},
    /* ---- checks and evaluation ---- */
    {"checks list", "Options:\n"
                    "  --provider P           only the checks of one provider (aws)\n"
                    "Examples:\n  ismapctl checks list\n  ismapctl checks list --provider aws "
                    "--json\n"},
    {"checks show", "Examples:\n  ismapctl checks show aws-ec2-ebs-volume-encrypted\n"},
    {"eval",
     "Options:\n"
     "  --status S             only findings with this status: pass (合格), fail (不合格),\n"
     "                         error (エラー), not_assessed (未評価)\n"
     "  --check ID             only this check (repeatable)\n"
     "  --limit N              list at most N findings (0 = the summary only) [20000]\n"
     "The snapshot is a registered snapshot's id (verified first) or, over the local socket\n"
     "only, a snapshot file.\n"
     "Examples:\n  ismapctl eval snapshot.db --status fail\n"
     "  ismapctl eval SNAPSHOT_ID --status 不合格\n"
     "  ismapctl eval snapshot.db --check aws-iam-root-access-keys --json\n"},
    /* ---- assessments ---- */
    {"frameworks", "Examples:\n  ismapctl frameworks\n"},
    {"assessment create", "Options:\n"
                          "  --frameworks F1,F2     what to assess against (ismapctl frameworks)\n"
                          "  --snapshot ID          a snapshot to evaluate (repeatable)\n"
                          "  --name N               a name for people\n"
                          "  --as-of DATE           the date the assessment speaks for\n"
                          "  --meta JSON|@FILE      report metadata (purpose, auditee …)\n"
                          "  --wait                 wait until the snapshots are evaluated\n"
                          "Examples:\n"
                          "  ismapctl assessment create 本庁ガバメントクラウド --frameworks "
                          "mic-cloud-addon,ismap-must-meet \\\n"
                          "      --snapshot snap_0123456789abcdef --wait\n"},
    {"assessment list", "Examples:\n  ismapctl assessment list\n"},
    {"assessment show", "Examples:\n  ismapctl assessment show asm_0123456789abcdef\n"},
    {"matrix", "Options:\n"
               "  --status S             only requirements with this status, as a code or the\n"
               "                         label printed: not_satisfied 不適合, partial 一部適合,\n"
               "                         evidence_expired 証跡期限切れ, not_assessed 未評価,\n"
               "                         satisfied 適合, not_applicable 対象外, waived 例外措置\n"
               "  --framework FW         only one framework of the assessment\n" TODAY
               "Examples:\n  ismapctl matrix A --status 不適合\n"
               "  ismapctl matrix A --framework mic-cloud-addon --json\n"},
    {"findings",
     "Options:\n"
     "  --status S             pass (合格), fail (不合格), error (エラー),\n"
     "                         not_assessed (未評価) or waived (例外措置)\n"
     "  --check ID             only this check's findings\n"
     "  --account A            only this account (AWS account, Azure subscription,\n"
     "                         Google Cloud project, OCI tenancy)\n"
     "  --region R             only this region (global for global resources)\n"
     "  --severity S           critical, high, medium, low or info\n"
     "  --domain D             the account's network domain: mynumber\n"
     "                         (マイナンバー利用事務系), lgwan (LGWAN接続系) or internet\n"
     "  --limit N              at most N findings a page [1000, at most 10000]\n"
     "  --cursor C             the page that starts at C (printed as \"more:\")\n"
     "  --all                  every page, one after another\n"
     "Examples:\n  ismapctl findings A --status fail\n"
     "  ismapctl findings A --status fail --all --json\n"
     "  ismapctl findings A --status 不合格 --check aws-iam-root-access-keys\n"
     "  ismapctl findings A --status fail --domain lgwan --severity high\n"},
    {"judge", "Options:\n"
              "  --result R             satisfied (適合), partial (一部適合), not_satisfied\n"
              "                         (不適合) or not_applicable (対象外)\n"
              "  --catalog C            the item's catalog [guessed: numbers and C-n are "
              "mic-audit]\n"
              "  --examined TEXT        監査資料: what was examined\n"
              "  --findings TEXT        指摘事項\n"
              "  --improvement TEXT     改善案\n"
              "  --reason TEXT          why; not_applicable (対象外) needs one\n"
              "Examples:\n  ismapctl judge A C-4 --result partial --examined ネットワーク構成図 "
              "\\\n      --findings 経路制御の記録なし --improvement 変更管理に記録を残す\n"
              "  ismapctl judge A 5.1.1 --result 対象外 --reason 庁内で開発を行わない\n"},
    {"waiver add", "Options:\n"
                   "  --item ITEM            the requirement waived (with --catalog if not "
                   "guessed)\n"
                   "  --catalog C            the item's catalog\n"
                   "  --check ID             or: the check waived\n"
                   "  --resource R           only on this resource (with --check)\n"
                   "  --justification TEXT   why\n"
                   "  --approver NAME        who approved it\n"
                   "  --ticket T             the change or risk ticket\n"
                   "  --expires YYYY-MM-DD   the last day it applies\n"
                   "  --assessment A         only in this assessment [all]\n"
                   "Examples:\n  ismapctl waiver add --check aws-ec2-ebs-volume-encrypted "
                   "--resource vol-0abc \\\n"
                   "      --justification 移行中 --approver CISO --ticket SEC-42 --expires "
                   "2027-03-31\n"},
    {"waiver list", "Options:\n"
                    "  --assessment A         only waivers that apply to this assessment\n" TODAY
                    "Examples:\n  ismapctl waiver list --assessment A\n"},
    {"waiver revoke", "Examples:\n  ismapctl waiver revoke wvr_0123456789abcdef\n"},
    {"export",
     "Options:\n"
     "  --format F             csv, csv-findings, xlsx, json, oscal, html or pdf\n" FILE_OUT TODAY
     "Examples:\n  ismapctl export A --format html -o report.html\n"
     "  ismapctl export A --format json -o - | jq '.requirements | length'\n"},
    {"benchmark show",
     "Options:\n"
     "  --assessment ID        the self-assessment of this assessment\n"
     "  --subject ID           ... or of this subject (id or name); give exactly one\n"
     "The seed benchmark gives no published distribution of other organizations' scores,\n"
     "so none is compared.\n"
     "Examples:\n  ismapctl benchmark show --assessment asm_0123\n"
     "  ismapctl benchmark show --subject みなと市基幹系 --json\n"},
    {"benchmark answer",
     "Arguments: QUESTION=VALUE, a question 1-1 … 5-3 and a value 1–5 (1 実施していない …\n"
     "5 全てを実施し、定期的に見直している); all are saved or none.\n"
     "Options:\n"
     "  --assessment ID        answer for this assessment\n"
     "  --subject ID           ... or for this subject (id or name); give exactly one\n"
     "  --note TEXT            a note kept with the answer (one answer only)\n"
     "Examples:\n  ismapctl benchmark answer --assessment asm_0123 1-1=4 1-2=3 5-3=2\n"
     "  ismapctl benchmark answer --subject S 2-4=3 --note 'モバイルPC台帳あり'\n"},
    {"benchmark export",
     "Options:\n"
     "  --assessment ID        the self-assessment of this assessment\n"
     "  --subject ID           ... or of this subject (id or name); give exactly one\n"
     "  --format F             xlsx (集計 and 回答 sheets), json, or svg (the radar "
     "chart)\n" FILE_OUT
     "Examples:\n  ismapctl benchmark export --assessment asm_0123 --format svg -o radar.svg\n"
     "  ismapctl benchmark export --subject S --format xlsx -o benchmark.xlsx\n"},
    {"diff", "Options:\n" TODAY "Examples:\n  ismapctl diff asm_0123 asm_4567\n"},
};

const char *cli_help_text(const char *word1, const char *word2)
{
    char name[128];
    snprintf(name, sizeof name, "%s%s%s", word1, word2 ? " " : "", word2 ? word2 : "");
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (!strcmp(entries[i].cmd, name)) return entries[i].text;
    /* `collect <provider>`: made from the provider's params table. */
    if (word2 && !strcmp(word1, "collect")) return cli_collect_help_text(word2);
    return cli_engagement_help(name);
}

static const char *exit_rule =
    "Exit status: 0 ok, 1 the service reported an error, 2 usage or connection error (or a\n"
    "local file that cannot be read or written), 3 a job waited for finished incomplete.\n";

void cli_help_command(FILE *fp, const cli_cmd *k)
{
    fprintf(fp, "Usage: ismapctl %s%s%s%s%s\n\n%s.\n\n", k->word1, k->word2 ? " " : "",
            k->word2 ? k->word2 : "", k->usage && *k->usage ? " " : "", k->usage ? k->usage : "",
            k->summary);
    const char *t = cli_help_text(k->word1, k->word2);
    if (t) fprintf(fp, "%s\n", t);
    fprintf(fp,
            "Global options (--json, --socket, --url, --token, --timeout …): ismapctl "
            "--help.\n%s",
            exit_rule);
}

bool cli_help_group(FILE *fp, const char *word1)
{
    bool any = false;
    for (size_t t = 0; t < cli_ntables; t++)
        for (const cli_cmd *k = cli_tables[t]; k->word1; k++) {
            if (strcmp(k->word1, word1) != 0 || !k->word2) continue;
            if (!any) fprintf(fp, "Usage: ismapctl %s COMMAND ...\n\nCommands:\n", word1);
            any = true;
            char name[64];
            snprintf(name, sizeof name, "%s %s", k->word1, k->word2);
            fprintf(fp, "  %-20s %s\n", name, k->summary);
        }
    if (any) fprintf(fp, "\nismapctl %s COMMAND --help shows one command's options.\n", word1);
    return any;
}
