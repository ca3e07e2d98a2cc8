/* xlsx.c — the workbook: 集計 (counts and the colour legend), 別紙 要件確認 (the procurement
 * questionnaire's layout), 監査チェックリスト (the MIC guideline's checklist layout with the
 * 監査結果 columns filled), 要件一覧 and 検出結果. Japanese font, wrapped text, frozen header
 * rows, autofilters, widths sized for Japanese, A4 landscape printing with repeated headers.
 * Every value is written as a string cell through ism_report_cell_text(), never as a formula. */
#include "ismap/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define FONT "Yu Gothic" /* 游ゴシック; Excel substitutes MS Gothic where it is missing */
#define MAX_COLS 20

typedef struct formats {
    lxw_format *head, *text, *wrap, *center, *number, *title, *status[ISM_REQ_STATUS_COUNT];
} formats;

/* A sheet being written: its next row, and the widths its columns turned out to need. */
typedef struct sheet {
    lxw_worksheet *ws;
    const formats *fm;
    int ncols;
    lxw_row_t row;
    double width[MAX_COLS], cap[MAX_COLS];
    lxw_error failed;
} sheet;

typedef struct column {
    const char *head;
    double cap; /* widest the column may grow (characters); wider text wraps */
} column;

/* ---- formats ---------------------------------------------------------------------------- */

static lxw_format *base(lxw_workbook *wb)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, FONT);
    format_set_font_charset(f, 128); /* SHIFTJIS_CHARSET: tells Excel the font is Japanese */
    format_set_font_size(f, 10);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(f, LXW_BORDER_THIN);
    format_set_border_color(f, 0xA6A6A6);
    return f;
}

static void make_formats(lxw_workbook *wb, formats *fm)
{
    fm->text = base(wb);
    fm->wrap = base(wb);
    format_set_text_wrap(fm->wrap);
    fm->center = base(wb);
    format_set_align(fm->center, LXW_ALIGN_CENTER);
    fm->number = base(wb);
    format_set_num_format(fm->number, "0");
    fm->head = base(wb);
    format_set_bold(fm->head);
    format_set_text_wrap(fm->head);
    format_set_bg_color(fm->head, 0x1F3864);
    format_set_font_color(fm->head, 0xFFFFFF);
    fm->title = workbook_add_format(wb);
    format_set_font_name(fm->title, FONT);
    format_set_font_charset(fm->title, 128);
    format_set_bold(fm->title);
    format_set_font_size(fm->title, 12);
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++) {
        fm->status[s] = base(wb);
        format_set_bold(fm->status[s]);
        format_set_bg_color(fm->status[s], ism_report_status_color((ism_req_status)s));
    }
}

/* ---- writing cells ------------------------------------------------------------------------ */

/* Columns Excel needs for s: ideographs and kana take two, ASCII one; the widest line counts. */
static double text_width(const char *s)
{
    double w = 0, best = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') {
            best = w > best ? w : best;
            w = 0;
        } else if (*p < 0x80) {
            w += 1;
        } else if ((*p & 0xC0) != 0x80) {
            w += 2;
        }
    }
    return w > best ? w : best;
}

static void put(sheet *sh, int col, const char *s, lxw_format *fmt)
{
    if (col >= MAX_COLS) return;
    char *t = ism_report_cell_text(s);
    lxw_error e = t && *t ? worksheet_write_string(sh->ws, sh->row, (lxw_col_t)col, t, fmt)
                          : worksheet_write_blank(sh->ws, sh->row, (lxw_col_t)col, fmt);
    if (e && !sh->failed) sh->failed = e;
    double w = t ? text_width(t) + 2 : 2;
    if (w > sh->width[col]) sh->width[col] = w;
    free(t);
}

static void put_number(sheet *sh, int col, double v)
{
    lxw_error e = worksheet_write_number(sh->ws, sh->row, (lxw_col_t)col, v, sh->fm->number);
    if (e && !sh->failed) sh->failed = e;
    if (sh->width[col] < 8) sh->width[col] = 8;
}

static lxw_format *status_fmt(const sheet *sh, const char *status)
{
    return status ? sh->fm->status[ism_report_status_of(status)] : sh->fm->center;
}

static void start(sheet *sh, lxw_workbook *wb, const formats *fm, const char *name,
                  const column *cols, int ncols)
{
    memset(sh, 0, sizeof *sh);
    sh->ws = workbook_add_worksheet(wb, name);
    sh->fm = fm;
    sh->ncols = ncols < MAX_COLS ? ncols : MAX_COLS;
    for (int c = 0; c < sh->ncols; c++) {
        sh->cap[c] = cols[c].cap;
        put(sh, c, cols[c].head, fm->head);
    }
    sh->row = 1;
    worksheet_freeze_panes(sh->ws, 1, 0);
    worksheet_repeat_rows(sh->ws, 0, 0);
}

/* Widths, the autofilter over the table, and A4 landscape one page wide. */
static lxw_error finish(sheet *sh, bool filter)
{
    for (int c = 0; c < sh->ncols; c++) {
        double w = sh->width[c] < 6 ? 6 : sh->width[c] > sh->cap[c] ? sh->cap[c] : sh->width[c];
        worksheet_set_column(sh->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
    }
    if (filter && sh->row > 1)
        worksheet_autofilter(sh->ws, 0, 0, sh->row - 1, (lxw_col_t)(sh->ncols - 1));
    worksheet_set_landscape(sh->ws);
    worksheet_set_paper(sh->ws, 9); /* A4 */
    worksheet_fit_to_pages(sh->ws, 1, 0);
    return sh->failed;
}

/* ---- 集計 ----------------------------------------------------------------------------------- */

static const char *framework_title(const json_t *fws, const char *id)
{
    size_t i;
    json_t *f;
    json_array_foreach(fws, i, f)
    {
        if (!strcmp(ism_json_getstr(f, "id"), id)) return ism_json_getstr(f, "title");
    }
    return id;
}

static void summary_counts(sheet *sh, const json_t *counts, const char *title, const char *id)
{
    put(sh, 0, title, sh->fm->wrap);
    put(sh, 1, id, sh->fm->text);
    double total = 0;
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++) {
        double n = (double)json_integer_value(
            json_object_get(counts, ism_req_status_name((ism_req_status)s)));
        put_number(sh, 2 + s, n);
        total += n;
    }
    put_number(sh, 2 + ISM_REQ_STATUS_COUNT, total);
    sh->row++;
}

static void summary_legend(sheet *sh)
{
    sh->row++;
    put(sh, 0, "凡例（判定）", sh->fm->head);
    put(sh, 1, "判定コード", sh->fm->head);
    put(sh, 2, "意味", sh->fm->head);
    sh->row++;
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++, sh->row++) {
        put(sh, 0, ism_req_status_ja((ism_req_status)s), sh->fm->status[s]);
        put(sh, 1, ism_req_status_name((ism_req_status)s), sh->fm->text);
        worksheet_write_string(sh->ws, sh->row, 2, ism_report_status_meaning((ism_req_status)s),
                               sh->fm->text);
    }
}

static void summary_about(sheet *sh, const ism_report_input *in, const char *generated)
{
    const json_t *m = in->matrix, *a = in->assessment;
    const char *rows[][2] = {
        {"評価名", ism_json_getstr(a ? a : m, "name")},
        {"評価ID",
         ism_json_getstr(a, "id") ? ism_json_getstr(a, "id") : ism_json_getstr(m, "assessment")},
        {"評価対象", ism_json_getstr(a ? a : m, "subject")},
        {"基準日", ism_json_getstr(a ? a : m, "as_of")},
        {"作成日時", generated},
    };
    sh->row++;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++, sh->row++) {
        put(sh, 0, rows[i][0], sh->fm->head);
        put(sh, 1, rows[i][1] ? rows[i][1] : "未記入", sh->fm->text);
    }
    char *prov = ism_report_provenance_text(m);
    put(sh, 0, "出所", sh->fm->head);
    put(sh, 1, prov ? prov : "未記録", sh->fm->wrap);
    sh->row++;
    free(prov);
}

static lxw_error sheet_summary(lxw_workbook *wb, const formats *fm, const ism_report_input *in,
                               const char *generated)
{
    column cols[2 + ISM_REQ_STATUS_COUNT + 1] = {{"枠組み", 50}, {"枠組みID", 20}};
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++)
        cols[2 + s] = (column){ism_req_status_ja((ism_req_status)s), 14};
    cols[2 + ISM_REQ_STATUS_COUNT] = (column){"合計", 10};
    sheet sh;
    start(&sh, wb, fm, "集計", cols, 2 + ISM_REQ_STATUS_COUNT + 1);
    /* The header cells of the counts carry the status colours: the table is its own legend. */
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++)
        worksheet_write_string(sh.ws, 0, (lxw_col_t)(2 + s), ism_req_status_ja((ism_req_status)s),
                               fm->status[s]);
    json_t *fws = ism_matrix_frameworks();
    const char *id;
    json_t *counts;
    json_object_foreach((json_t *)json_object_get(in->matrix, "counts_by_framework"), id, counts)
        summary_counts(&sh, counts, framework_title(fws, id), id);
    json_decref(fws);
    summary_counts(&sh, json_object_get(in->matrix, "counts"), "合計", "");
    summary_legend(&sh);
    summary_about(&sh, in, generated);
    return finish(&sh, false);
}

/* ---- 別紙 要件確認 ----------------------------------------------------------------------------
 */

static const column q_cols[] = {{"項番", 6},
                                {"項目名", 20},
                                {"概要要件", 60},
                                {"適合状況（○/×）", 10},
                                {"判定", 12},
                                {"判定コード", 16},
                                {"根拠", 50},
                                {"備考（「×」の場合の代替対策）", 40},
                                {"ISMAP管理基準の番号", 14},
                                {"ISMAP管理基準の項目名", 30}};

static char *joined(const json_t *arr, const char *prefix, const char *sep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v)) fprintf(f, "%s%s%s", i ? sep : "", prefix, json_string_value(v));
    }
    fclose(f);
    return buf;
}

static void q_row(sheet *sh, const json_t *r)
{
    const char *status = ism_json_getstr(r, "status");
    put(sh, 0, ism_json_getstr(r, "no"), sh->fm->center);
    put(sh, 1, ism_json_getstr(r, "title"), sh->fm->wrap);
    put(sh, 2, ism_json_getstr(r, "text"), sh->fm->wrap);
    put(sh, 3, ism_json_getstr(r, "mark"), sh->fm->center);
    put(sh, 4, status ? ism_json_getstr(r, "status_ja") : "—", status_fmt(sh, status));
    put(sh, 5, status, sh->fm->text);
    put(sh, 6, ism_json_getstr(r, "basis"), sh->fm->wrap);
    put(sh, 7, ism_json_getstr(r, "remarks"), sh->fm->wrap);
    char *refs = joined(json_object_get(r, "ismap_refs"), "", "\n");
    char *names = joined(json_object_get(r, "ismap_names"), "", "\n");
    put(sh, 8, refs, sh->fm->wrap);
    put(sh, 9, names, sh->fm->wrap);
    free(refs);
    free(names);
    sh->row++;
}

static lxw_error sheet_questionnaire(lxw_workbook *wb, const formats *fm, const json_t *rows)
{
    sheet sh;
    start(&sh, wb, fm, "別紙 要件確認", q_cols, (int)(sizeof q_cols / sizeof *q_cols));
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) q_row(&sh, r);
    return finish(&sh, true);
}

/* ---- 監査チェックリスト --------------------------------------------------------------------- */

static const column c_cols[] = {
    {"項目", 24},         {"No.", 8},           {"必須", 6},        {"監査項目", 50},
    {"監査資料の例", 30}, {"監査実施の例", 50}, {"監査結果", 12},   {"確認した監査資料", 30},
    {"指摘事項", 40},     {"改善案", 40},       {"判定コード", 16}, {"根拠", 50},
    {"枠組み", 18}};

static char *section_label(const json_t *row)
{
    const char *area = ism_json_getstr(row, "area"), *at = ism_json_getstr(row, "area_title");
    const char *sec = ism_json_getstr(row, "section"), *st = ism_json_getstr(row, "section_title");
    if (area && sec && strcmp(area, sec))
        return ism_strdupf("%s %s ＞ %s %s", area, at ? at : "", sec, st ? st : "");
    return ism_strdupf("%s %s", sec ? sec : area ? area : "", st ? st : at ? at : "");
}

static const char *mandatory_mark(const json_t *row)
{
    const json_t *m = json_object_get(row, "mandatory");
    return json_is_true(m) ? "○" : json_is_false(m) ? "" : "要確認";
}

/* 改善案: the auditor's, else the failing checks' remediation marked 【自動】. */
static const char *improvement_of(const json_t *row, const json_t *j)
{
    const char *im = ism_json_getstr(j, "improvement");
    return im && *im ? im : ism_json_getstr(row, "auto_improvement");
}

static void c_row(sheet *sh, const json_t *row)
{
    const json_t *j = json_object_get(row, "judgment");
    const char *findings = ism_json_getstr(j, "findings");
    if (!findings || !*findings) findings = ism_json_getstr(row, "auto_findings");
    char *sec = section_label(row);
    char *ev = joined(json_object_get(row, "evidence_examples"), "□", "\n");
    put(sh, 0, sec, sh->fm->wrap);
    put(sh, 1, ism_json_getstr(row, "no"), sh->fm->center);
    put(sh, 2, mandatory_mark(row), sh->fm->center);
    put(sh, 3, ism_json_getstr(row, "label"), sh->fm->wrap);
    put(sh, 4, ev, sh->fm->wrap);
    put(sh, 5, ism_json_getstr(row, "procedure"), sh->fm->wrap);
    put(sh, 6, ism_json_getstr(row, "status_ja"), status_fmt(sh, ism_json_getstr(row, "status")));
    put(sh, 7, ism_json_getstr(j, "examined"), sh->fm->wrap);
    put(sh, 8, findings, sh->fm->wrap);
    put(sh, 9, improvement_of(row, j), sh->fm->wrap);
    put(sh, 10, ism_json_getstr(row, "status"), sh->fm->text);
    put(sh, 11, ism_json_getstr(row, "summary"), sh->fm->wrap);
    put(sh, 12, ism_json_getstr(row, "framework"), sh->fm->text);
    free(sec);
    free(ev);
    sh->row++;
}

static lxw_error sheet_checklist(lxw_workbook *wb, const formats *fm, const json_t *rows)
{
    sheet sh;
    start(&sh, wb, fm, "監査チェックリスト", c_cols, (int)(sizeof c_cols / sizeof *c_cols));
    json_t *seen = json_object();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *cat = ism_json_getstr(row, "catalog"), *id = ism_json_getstr(row, "item");
        /* An item re-listed (再掲) by a second MIC framework is one line of the checklist. */
        if (strcmp(cat, "mic-audit") || json_object_get(seen, id)) continue;
        json_object_set_new(seen, id, json_true());
        c_row(&sh, row);
    }
    json_decref(seen);
    return finish(&sh, true);
}

/* ---- 要件一覧 ------------------------------------------------------------------------------ */

static const column r_cols[] = {
    {"枠組み", 18},   {"カタログ", 12}, {"項番", 12},       {"項目名", 50},
    {"必須", 6},      {"判定", 12},     {"判定コード", 16}, {"自動判定コード", 16},
    {"期限", 12},     {"根拠", 60},     {"監査結果", 12},   {"確認した監査資料", 30},
    {"指摘事項", 40}, {"改善案", 40}};

static const char *must_mark(const json_t *row)
{
    if (json_is_true(json_object_get(row, "must_meet"))) return "○";
    return strcmp(ism_json_getstr(row, "catalog"), "mic-audit") ? "" : mandatory_mark(row);
}

static void r_row(sheet *sh, const json_t *row)
{
    const json_t *j = json_object_get(row, "judgment");
    const char *jr = ism_json_getstr(j, "result"), *findings = ism_json_getstr(j, "findings");
    if (!findings || !*findings) findings = ism_json_getstr(row, "auto_findings");
    put(sh, 0, ism_json_getstr(row, "framework"), sh->fm->text);
    put(sh, 1, ism_json_getstr(row, "catalog"), sh->fm->text);
    put(sh, 2, ism_json_getstr(row, "item"), sh->fm->text);
    put(sh, 3, ism_json_getstr(row, "label"), sh->fm->wrap);
    put(sh, 4, must_mark(row), sh->fm->center);
    put(sh, 5, ism_json_getstr(row, "status_ja"), status_fmt(sh, ism_json_getstr(row, "status")));
    put(sh, 6, ism_json_getstr(row, "status"), sh->fm->text);
    put(sh, 7, ism_json_getstr(row, "derived_status"), sh->fm->text);
    put(sh, 8, ism_json_getstr(row, "until"), sh->fm->text);
    put(sh, 9, ism_json_getstr(row, "summary"), sh->fm->wrap);
    put(sh, 10, jr ? ism_req_status_ja(ism_report_status_of(jr)) : NULL,
        jr ? status_fmt(sh, jr) : sh->fm->text);
    put(sh, 11, ism_json_getstr(j, "examined"), sh->fm->wrap);
    put(sh, 12, findings, sh->fm->wrap);
    put(sh, 13, improvement_of(row, j), sh->fm->wrap);
    sh->row++;
}

static lxw_error sheet_requirements(lxw_workbook *wb, const formats *fm, const json_t *rows)
{
    sheet sh;
    start(&sh, wb, fm, "要件一覧", r_cols, (int)(sizeof r_cols / sizeof *r_cols));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) r_row(&sh, row);
    return finish(&sh, true);
}

/* ---- 検出結果 ------------------------------------------------------------------------------ */

static const column f_cols[] = {{"チェック", 30},
                                {"重要度", 8},
                                {"アカウント", 16},
                                {"リージョン", 16},
                                {"リソース種別", 18},
                                {"リソースID", 30},
                                {"ARN", 50},
                                {"状態", 10},
                                {"状態コード", 14},
                                {"理由", 60},
                                {"スナップショット", 24}};

/* A finding's status in the requirement colours: fail as 不適合, pass as 適合, ... */
static lxw_format *finding_fmt(const sheet *sh, const char *st)
{
    ism_req_status s = !st                     ? ISM_REQ_NOT_ASSESSED
                       : !strcmp(st, "fail")   ? ISM_REQ_NOT_SATISFIED
                       : !strcmp(st, "pass")   ? ISM_REQ_SATISFIED
                       : !strcmp(st, "error")  ? ISM_REQ_EXPIRED
                       : !strcmp(st, "waived") ? ISM_REQ_WAIVED
                                               : ISM_REQ_NOT_ASSESSED;
    return sh->fm->status[s];
}

static void f_row(sheet *sh, const json_t *f)
{
    const char *st = ism_json_getstr(f, "status"), *sev = ism_json_getstr(f, "severity");
    put(sh, 0, ism_json_getstr(f, "check"), sh->fm->text);
    put(sh, 1, sev ? ism_report_severity_ja(sev) : NULL, sh->fm->center);
    put(sh, 2, ism_json_getstr(f, "account"), sh->fm->text);
    put(sh, 3, ism_json_getstr(f, "region"), sh->fm->text);
    put(sh, 4, ism_json_getstr(f, "resource_type"), sh->fm->text);
    put(sh, 5, ism_json_getstr(f, "resource_id"), sh->fm->wrap);
    put(sh, 6, ism_json_getstr(f, "arn"), sh->fm->wrap);
    put(sh, 7, st ? ism_report_finding_status_ja(st) : NULL, finding_fmt(sh, st));
    put(sh, 8, st, sh->fm->text);
    put(sh, 9, ism_json_getstr(f, "reason"), sh->fm->wrap);
    put(sh, 10, ism_json_getstr(f, "snapshot"), sh->fm->text);
    sh->row++;
}

static lxw_error sheet_findings(lxw_workbook *wb, const formats *fm, const json_t *findings)
{
    sheet sh;
    start(&sh, wb, fm, "検出結果", f_cols, (int)(sizeof f_cols / sizeof *f_cols));
    size_t i, n = json_array_size(findings);
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        if (sh.row >= LXW_ROW_MAX - 1) {
            char *note =
                ism_strdupf("以下 %zu 件は行数の上限のため省略（CSV で全件を出力できる）", n - i);
            put(&sh, 0, note, fm->wrap);
            free(note);
            sh.row++;
            break;
        }
        f_row(&sh, f);
    }
    return finish(&sh, true);
}

/* ---- the workbook -----------------------------------------------------------------------------
 */

static bool has_catalog(const json_t *rows, const char *cat)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (!strcmp(ism_json_getstr(r, "catalog"), cat)) return true;
    }
    return false;
}

/* "2026-11-22T01:02:03Z" → time_t, so the same input makes the same document properties. */
static time_t parse_time(const char *iso)
{
    struct tm tm = {0};
    if (!iso || !strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return timegm(&tm);
}

static lxw_error fill(lxw_workbook *wb, const ism_report_input *in, const json_t *rows,
                      const json_t *qrows, const char *generated)
{
    formats fm;
    make_formats(wb, &fm);
    lxw_doc_properties props = {.title = "ISMAP・監査項目 適合状況",
                                .subject = (char *)ism_json_getstr(in->matrix, "name"),
                                .comments = "ismap-assess " ISM_VERSION,
                                .created = parse_time(generated)};
    workbook_set_properties(wb, &props);
    lxw_error e = sheet_summary(wb, &fm, in, generated);
    if (!e && has_catalog(rows, "ismap")) e = sheet_questionnaire(wb, &fm, qrows);
    if (!e && has_catalog(rows, "mic-audit")) e = sheet_checklist(wb, &fm, rows);
    if (!e) e = sheet_requirements(wb, &fm, rows);
    if (!e) e = sheet_findings(wb, &fm, in->findings);
    return e;
}

static const char *generated_of(const ism_report_input *in)
{
    if (in->generated) return in->generated;
    const char *g = ism_json_getstr(in->matrix, "generated");
    return g ? g : ism_json_getstr(in->matrix, "today");
}

/* A fresh file beside path to build into (renamed over path when done); NULL with the reason
 * when the directory cannot take it — found out now, because libxlsxwriter only says so at the
 * very end, on stderr. */
static char *temp_beside(const char *path, ism_error *err)
{
    static unsigned seq;
    char *tmp = ism_strdupf("%s.tmp-%ld-%u", path, (long)getpid(),
                            __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
    int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666) : -1;
    if (fd < 0) {
        ism_error_set(err, ISM_E_IO, "cannot write %s: %s", path,
                      tmp ? strerror(errno) : "out of memory");
        free(tmp);
        return NULL;
    }
    close(fd);
    return tmp;
}

static bool build_file(const ism_report_input *in, const char *file, ism_error *err)
{
    json_t *rows = ism_report_rows(in, err);
    json_t *qrows = rows ? ism_report_questionnaire_rows(in, err) : NULL;
    if (!qrows) {
        json_decref(rows);
        return false;
    }
    lxw_workbook *wb = workbook_new(file);
    lxw_error e = wb ? fill(wb, in, rows, qrows, generated_of(in)) : LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error ce = wb ? workbook_close(wb) : LXW_NO_ERROR;
    json_decref(rows);
    json_decref(qrows);
    if (ce == LXW_ERROR_CREATING_XLSX_FILE)
        return ism_error_set(err, ISM_E_IO, "cannot write %s", file);
    if (e || ce)
        return ism_error_set(err, ISM_E_INTERNAL, "writing the workbook failed: %s",
                             lxw_strerror(e ? e : ce));
    return true;
}

bool ism_report_xlsx_file(const ism_report_input *in, const char *path, ism_error *err)
{
    if (!path || !*path) return ism_error_set(err, ISM_E_INVALID_PARAMS, "no output path given");
    if (!in || !in->catalogs)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "the XLSX report needs the catalogs");
    if (in->findings && !json_is_array(in->findings))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "findings must be an array");
    char *tmp = temp_beside(path, err);
    if (!tmp) return false;
    bool ok = build_file(in, tmp, err);
    if (ok && rename(tmp, path) != 0)
        ok = ism_error_set(err, ISM_E_IO, "cannot write %s: %s", path, strerror(errno));
    if (!ok) unlink(tmp);
    free(tmp);
    return ok;
}
