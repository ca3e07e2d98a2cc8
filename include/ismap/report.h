/* report.h — the report room: exporters that turn an assessment's conformance matrix into the
 * documents people hand on — CSV, XLSX (the 別紙 クラウドサービス要件確認 layout and the MIC
 * 監査チェックリスト layout), JSON, OSCAL assessment-results and an HTML 監査報告書.
 *
 * Every exporter is a pure function of the JSON the caller gathered from the other rooms (the
 * matrix, the findings, the judgments, the assessment row) plus the read-only catalogs: it
 * reads no store and no clock (the report's date comes from the input), so the same input gives
 * the same bytes. Text formats are returned as memory buffers; XLSX is written to a file
 * (libxlsxwriter writes files only); ism_report_render() and ism_report_save() give every format
 * both ways. On failure each function returns NULL/false with err set: ISM_E_INVALID_PARAMS when
 * the input is not a matrix (or a format lacks something it needs), ISM_E_IO when an output file
 * cannot be written, ISM_E_INTERNAL when a library fails. The formats are described in
 * docs/report-format.md; all functions are thread-safe. */
#ifndef ISMAP_REPORT_H
#define ISMAP_REPORT_H

#include "ismap/core.h"
#include "ismap/matrix.h"

struct ism_catalog_set;

/* What a report is made of; everything is borrowed and read-only.
 *  matrix      required: ism_matrix_build()'s result (or ism_matrix_compute()'s).
 *  findings    ism_findings_list() rows; NULL: the report has no findings.
 *  judgments   ism_judgment_latest() ({"<catalog>:<item>": row}); NULL: taken from the
 *              judgment reasons inside the matrix.
 *  assessment  ism_assessment_get()'s row; its "meta" object fills the HTML report's header
 *              (keys in docs/report-format.md). NULL: the matrix's own fields are used.
 *  catalogs    item texts, the MIC 必須 / 監査資料の例 / 監査実施の例 / section titles and the
 *              別紙 rows. Required by XLSX; the other formats print less without it.
 *  generated   RFC 3339 time printed as the report's date and OSCAL last-modified; NULL: the
 *              matrix's "generated", else the matrix's "today".
 * An assessment row carrying "benchmark" (ism_report_benchmark()'s view of its IPA benchmark
 * answers) gets the HTML report's benchmark section (radar chart, per-area scores) when any
 * question is answered. */
typedef struct ism_report_input {
    const json_t *matrix;
    const json_t *findings;
    const json_t *judgments;
    const json_t *assessment;
    struct ism_catalog_set *catalogs;
    const char *generated;
} ism_report_input;

typedef enum ism_report_format {
    ISM_REPORT_CSV = 1,      /* one row per requirement (UTF-8 BOM, CRLF, RFC 4180) */
    ISM_REPORT_CSV_FINDINGS, /* one row per check finding */
    ISM_REPORT_XLSX, /* workbook: 集計, 別紙, 監査チェックリスト, 要件一覧, 検出結果 */
    ISM_REPORT_JSON,  /* the stable JSON shape of docs/report-format.md */
    ISM_REPORT_OSCAL, /* OSCAL 1.2.1 assessment-results */
    ISM_REPORT_HTML,  /* 監査報告書 in Japanese, self-contained XHTML */
    ISM_REPORT_PDF,   /* the same 監査報告書 as an A4 PDF */
} ism_report_format;

/* "csv", "csv-findings", "xlsx", "json", "oscal", "html", "pdf"; parse returns false for
 * others. */
const char *ism_report_format_name(ism_report_format f);
bool ism_report_format_parse(const char *name, ism_report_format *out);
/* "text/csv; charset=utf-8", ..., for HTTP replies and downloads. */
const char *ism_report_media_type(ism_report_format f);
/* ".csv", ".xlsx", ".json", ".oscal.json", ".html", ".pdf". */
const char *ism_report_extension(ism_report_format f);

/* ---- the exporters ---------------------------------------------------------------------- */
/* CSV of the requirements / of the findings: a malloc'd buffer (caller frees), *len its size
 * (the buffer is also NUL-terminated). Every cell goes through ism_report_cell_text(). */
char *ism_report_csv(const ism_report_input *in, size_t *len, ism_error *err);
char *ism_report_csv_findings(const ism_report_input *in, size_t *len, ism_error *err);

/* Writes the workbook to `path` (replaced atomically: written beside it, then renamed). Needs
 * in->catalogs. The 別紙 sheet is written when the matrix has ISMAP requirements and the
 * checklist sheet when it has MIC ones. */
bool ism_report_xlsx_file(const ism_report_input *in, const char *path, ism_error *err);

/* The JSON report and the OSCAL document as JSON values (new references). */
json_t *ism_report_json(const ism_report_input *in, ism_error *err);
json_t *ism_report_oscal(const ism_report_input *in, ism_error *err);

/* The HTML 監査報告書: a malloc'd NUL-terminated UTF-8 buffer (caller frees), *len its size. */
char *ism_report_html(const ism_report_input *in, size_t *len, ism_error *err);

/* Any format into memory (caller frees; XLSX goes through a private temp file in $TMPDIR or
 * /tmp), or into a file at `path` (replaced atomically; ISM_E_IO naming the path when it
 * cannot be written). JSON and OSCAL are pretty-printed with a trailing newline. */
char *ism_report_render(ism_report_format f, const ism_report_input *in, size_t *len,
                        ism_error *err);
bool ism_report_save(ism_report_format f, const ism_report_input *in, const char *path,
                     ism_error *err);

/* ---- PDF (service/report/pdf*.c) ------------------------------------------------------------
 * Renders a document model (docs/report-format.md, "Document model": {title, subtitle, lang,
 * header, footer, meta, created, blocks: [heading | paragraph | list | kv | table |
 * page_break]}) as an A4 portrait PDF typeset with pango on cairo, Japanese fonts from
 * fonts-noto-cjk. Returns a malloc'd buffer (caller frees; NUL-terminated past *len), NULL
 * with err set: ISM_E_INVALID_PARAMS whose message starts with the path of what is wrong
 * ("blocks[3].rows[2]: 4 cells, 5 columns"; details [{"path": ...}]), ISM_E_INTERNAL when
 * cairo or pango fail. Reads no clock: the PDF's CreationDate is the model's "created", so the
 * same model gives the same bytes. Thread-safe (a font map of its own per call). */
char *ism_report_pdf(const json_t *doc, size_t *len, ism_error *err);

/* The matrix report (what ism_report_html() shows: cover fields, overview 1–9, 総括 counts,
 * 指摘事項 / 改善案, the requirements with full texts, the worst failing findings, 特記事項,
 * provenance) as a document model for ism_report_pdf(). New reference; NULL with err as
 * ism_report_rows(). "created" is in->generated (a bare date is taken as 00:00 JST). */
json_t *ism_report_doc_matrix(const ism_report_input *in, ism_error *err);
/* ism_report_doc_matrix() rendered by ism_report_pdf(): malloc'd (caller frees). */
char *ism_report_pdf_matrix(const ism_report_input *in, size_t *len, ism_error *err);

/* ---- the IPA benchmark self-assessment (service/report/benchmark.c) --------------------------
 * Catalog ipa-benchmark: 5 areas, 27 questions answered 1–5. The source gives neither an
 * aggregation rule nor a published distribution: the view states the rule it uses (per area
 * the sum and mean of the answered questions; overall the sum out of 135 and the mean) and
 * carries "distribution": null with a note saying so. */
/* Checks answers [{question, value, note?}] before they are stored: every question one of the
 * 27 (not an area or check point), value an integer 1–5, note a string ≤ 4000 bytes or null,
 * no question twice, no other keys. ISM_E_INVALID_PARAMS naming "answers[i].field". */
bool ism_report_benchmark_check(struct ism_catalog_set *cs, const json_t *answers, ism_error *err);
/* The scored view from the stored answers ({question: {value, note, answered_by, answered_at}},
 * ism_benchmark_answers(); NULL or {} for none): {catalog, title, scale: {min, max, levels},
 * areas: [{id, label, title, questions: [ids], answered, sum, max, mean|null}],
 * questions: [{id, area, no, title, text, checkpoints: [text], value|null, note, answered_by,
 * answered_at}], total: {questions, answered, sum, max, mean|null}, complete, scoring,
 * distribution: null, distribution_note}. New reference; NULL with err (ISM_E_UNAVAILABLE
 * without catalogs, ISM_E_NOT_FOUND without the ipa-benchmark catalog). */
json_t *ism_report_benchmark(struct ism_catalog_set *cs, const json_t *answers, ism_error *err);
/* The radar chart (one axis per question, rings 1–5, per-area scores under it) as a standalone
 * SVG document, written here without a library. malloc'd, NUL-terminated (caller frees). */
char *ism_report_benchmark_svg(const json_t *view, size_t *len, ism_error *err);
/* The workbook: sheets 集計 (per area and overall, the rule and the distribution note) and
 * 回答 (every question with its answer). Written through a temp file in $TMPDIR or /tmp,
 * returned in memory (caller frees). */
char *ism_report_benchmark_xlsx(const json_t *view, size_t *len, ism_error *err);
/* The HTML report's section (XHTML with the SVG inline), or NULL when nothing is answered.
 * malloc'd (caller frees). */
char *ism_report_benchmark_html(const json_t *view);

/* ---- the views every format shares (exposed for the API and the web UI) ------------------ */
/* One object per matrix requirement, in matrix order, with what the reports print:
 * {framework, catalog, item, parent, class, title, text, label, area, area_title, section,
 *  section_title, must_meet, mandatory, no, evidence_examples, procedure, status, status_ja,
 *  derived_status, until, reasons, summary, judgment, waiver, auto_findings}:
 *  label       title, else text, else the item id: what a person reads as the item's name
 *  area        MIC: the top section ("3.4", "C"); ISMAP: the chapter ("10"); area_title its title
 *  section     MIC: the item's own section ("3.4.1"), section_title its title (else null)
 *  mandatory   MIC 必須 from the catalog: true, false or null (unknown); null for other catalogs
 *  no / evidence_examples / procedure   MIC: the item id, 監査資料の例, 監査実施の例 (else null)
 *  summary     ism_report_reasons_text() of the reasons
 *  judgment    the latest judgment row or null; waiver: the active waiver row or null
 *  auto_findings   text for 指摘事項 built from failing check findings when the judgment has
 *              none ("【自動】..."), else null.
 * Fields not known without catalogs are null. New reference; NULL with ISM_E_INVALID_PARAMS
 * when in->matrix has no "requirements" array. */
json_t *ism_report_rows(const ism_report_input *in, ism_error *err);

/* The REQUIREMENT objects of docs/report-format.md: the rows of ism_report_rows() with every
 * key present (null when unknown) in the documented order. The one shape a requirement has in
 * every JSON a caller sees: the JSON report's "requirements" and the matrix.get op's (hence
 * `ismapctl matrix --json` and any HTTP/web caller) are both made here. New reference; NULL
 * as ism_report_rows(). */
json_t *ism_report_requirements(const ism_report_input *in, ism_error *err);

/* The 別紙 クラウドサービス要件確認 rows (class "row" of the ismap-questionnaire catalog, in
 * document order) judged from the matrix: [{no, title, text, ismap_refs, ismap_names, status,
 * status_ja, mark, basis, remarks, matched: [{item, status}]}]. A row's status is the worst
 * (enum order) of the matrix's ISMAP requirements that are its ismap_refs or lie beneath them;
 * "not_assessed" when none is in the assessment; null for rows without ismap_refs (1 and 2,
 * answered by the provider). mark: "○" for satisfied/not_applicable, "×" for not_satisfied,
 * partial and waived, "" otherwise. remarks: the waivers' justifications (the 代替対策).
 * Needs in->catalogs (ISM_E_INVALID_PARAMS otherwise). New reference. */
json_t *ism_report_questionnaire_rows(const ism_report_input *in, ism_error *err);

/* One readable line for a requirement's reasons, in Japanese, parts joined by " / ":
 * "チェック aws-iam-root-mfa（root MFA）: 不合格 2件 / 証跡 SOC 2 CC6.1: 支持 / 判断: 一部適合".
 * malloc'd (caller frees); NULL only on allocation failure. */
char *ism_report_reasons_text(const json_t *requirement);

/* One line naming where the matrix came from — product version, snapshot ids with SHA-256,
 * evidence ids, catalog revisions, checks' count and digest — from the matrix's "provenance"
 * ({product, snapshots: [{id, sha256, ...}], evidence: [ids], catalogs: [{id, revision}],
 * checks: {checks, sha256}}). NULL when the matrix has none. Caller frees. */
char *ism_report_provenance_text(const json_t *matrix);

/* What every CSV and XLSX cell goes through: ism_text_neutralize() (a leading ' before = + - @
 * TAB CR), and also before a signed number such as "+1", so a spreadsheet keeps the text it
 * was given instead of turning it into a number; U+FFFE/U+FFFF (not XML characters) become
 * U+FFFD; cut at 32000 bytes (on a character boundary, marked "…（以下省略）") to stay under
 * Excel's cell limit. malloc'd; NULL only on allocation failure. s may be NULL (gives ""). */
char *ism_report_cell_text(const char *s);

/* Labels and colours the formats agree on. */
const char *ism_report_finding_status_ja(const char *status); /* pass → 合格 ... */
const char *ism_report_severity_ja(const char *severity);     /* critical → 重大 ... */
/* The fill colour of a status (0xRRGGBB), the same in XLSX, HTML and the legends. */
uint32_t ism_report_status_color(ism_req_status s);
/* What a status means, in one Japanese sentence, for the legends. */
const char *ism_report_status_meaning(ism_req_status s);
/* A status name (as in the matrix) to its enum; unknown names give ISM_REQ_NOT_ASSESSED. */
ism_req_status ism_report_status_of(const char *name);

/* Writes data to path atomically (a temp file beside it, fsync, rename). ISM_E_IO naming the
 * path on failure. */
bool ism_report_write_file(const char *path, const void *data, size_t len, ism_error *err);

/* ---- the engagement's documents (service/report/plan*.c, report_doc*.c) ---------------------
 * The plan (監査実施計画書) and the report (監査報告書, 詳細版 / 公開版) are built as one JSON
 * value, the document model (docs/report-format.md, "The document model"), by pure functions;
 * renderers (HTML here, PDF) turn any such value into a file. */

/* Checks a document against the model's contract: required keys, known keys and block types,
 * heading levels, rows as long as the columns, column widths > 0 summing to at most 1. false
 * with ISM_E_INVALID_PARAMS naming the place ("blocks[3].rows[2] has 3 cells, not 4"). */
bool ism_report_doc_check(const json_t *doc, ism_error *err);
/* The document as a self-contained XHTML page (malloc'd, caller frees; *len its size). */
char *ism_report_doc_html(const json_t *doc, size_t *len, ism_error *err);
/* The document as a one-sheet workbook at path (replaced atomically): the title and meta, then
 * each block in order, tables with their header row. */
bool ism_report_doc_xlsx_file(const json_t *doc, const char *path, ism_error *err);

/* The 監査実施計画書 of an assessment from its plan row (ism_plan_get) and assessment row
 * (fields the plan lacks come from its meta; 監査項目 from the plan's frameworks, else the
 * assessment's, with the 大項目 of each from the catalogs). New reference. */
json_t *ism_report_plan_doc(const json_t *plan_row, const json_t *assessment,
                            struct ism_catalog_set *catalogs, ism_error *err);

/* Everything the 監査報告書 is made of; all borrowed, NULL allowed except matrix.
 *  assessment  the row, "subject" as people know it     plan     ism_plan_get's row
 *  draft       the report draft (ism_report_draft_merge fields)
 *  matrix      ism_matrix_build's result with "provenance"
 *  findings    the failing findings (their resource ids, ARNs and accounts are redacted from
 *              the 公開版)                                judgments  ism_judgment_latest
 *  workpapers  ism_workpaper_list                        waivers    ism_waiver_list rows
 *  followup    {previous: {id, name}, judgments: [...], recommendations: [{id, text, priority,
 *              item, plan: {owner, due, status, status_ja}, resolution_ja,
 *              current_status_ja}]} or NULL
 *  today       the report date when the draft names none
 *  issued      RFC 3339 when issued, NULL for a draft    public_version  公開版 when true */
typedef struct ism_report_engagement {
    const json_t *assessment, *plan, *draft, *matrix, *findings, *judgments, *workpapers, *waivers,
        *followup;
    struct ism_catalog_set *catalogs;
    const char *today, *issued;
    bool public_version;
} ism_report_engagement;

/* What the report computes beside the auditor's words: {counts: {status: n}, total, assessed,
 * not_assessed: {document: [items], interview: [...], out_of_scope: [...]},
 * suggested_recommendations: [{id, text, priority, catalog, item, source}], auditors: [names],
 * redact_terms: [...]}. New reference. */
json_t *ism_report_engagement_summary(const ism_report_engagement *in, ism_error *err);
/* The 監査報告書 (詳細版 or 公開版) as a document model. New reference. */
json_t *ism_report_engagement_doc(const ism_report_engagement *in, ism_error *err);

/* The 公開版's redaction rules, as printed in every report: [{id, rule, replacement}]. */
json_t *ism_report_redaction_rules(void);
/* text with ARNs, 12-digit account ids, IPv4/IPv6 addresses, cloud resource ids, the given
 * terms (array of strings: resource names found, words the auditor listed) and 【内部】…【/内部】
 * spans replaced (ism_report_redaction_rules). malloc'd, caller frees; NULL text gives "". */
char *ism_report_redact(const char *text, const json_t *terms);
/* text with the 【内部】 / 【/内部】 marks removed (the 詳細版 shows what they enclose). */
char *ism_report_strip_internal_marks(const char *text);

/* OSCAL 1.2.1: the plan as an assessment-plan, and the report as assessment-results in which
 * 未評価 requirements are "not assessed" observations, never "not-satisfied" findings; auditors
 * are parties. `issued` names the last-modified time (RFC 3339). New references. */
json_t *ism_report_plan_oscal(const json_t *plan_row, const json_t *assessment,
                              struct ism_catalog_set *catalogs, const char *now, ism_error *err);
json_t *ism_report_engagement_oscal(const ism_report_engagement *in, const char *now,
                                    ism_error *err);

/* ---- the procurement screening's exports (service/report/screening_export.c) ------------------
 * ism_screening() (include/ismap/evidence.h) gives the screening; these render it for the
 * procurement officer, Japanese first. */
typedef enum ism_screening_format {
    ISM_SCREENING_JSON = 0,
    ISM_SCREENING_CSV, /* UTF-8 with BOM, CRLF, one table in the 別紙's layout + verdicts */
    ISM_SCREENING_XLSX, /* sheets: 判定概要, 別紙 (the form's layout + verdicts), 必須管理策, 証跡
                         */
} ism_screening_format;
/* "json", "csv", "xlsx"; false for anything else. */
bool ism_screening_format_parse(const char *name, ism_screening_format *out);
/* Renders a screening. Every text cell of CSV and XLSX passes ism_text_neutralize, so a value
 * a provider typed ("=HYPERLINK(...)") never runs as a formula. XLSX is written through a
 * temporary file in tmpdir (NULL: $TMPDIR or /tmp), removed before returning. *out is
 * malloc'd (caller frees). */
bool ism_screening_export(const json_t *screening, ism_screening_format fmt, const char *tmpdir,
                          char **out, size_t *len, ism_error *err);

#endif
