/* screening_export.c — the screening as a file a procurement officer files with the contract
 * papers: CSV (UTF-8 with BOM, so Excel in Japan opens it right), XLSX (the 別紙's own layout with
 * our verdict columns added, a sheet of the must-meet items, the evidence and a summary) or
 * JSON. Japanese first: labels, verdicts, decisions and standings are written in Japanese with
 * the code beside them where a machine needs it. Every text a provider typed is neutralized, so
 * none of it can run as a formula; an XLSX cell over Excel's limit is cut with a visible marker
 * and listed in the summary sheet's warnings. */
#include "ismap/evidence.h"
#include "ismap/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

bool ism_screening_format_parse(const char *name, ism_screening_format *out)
{
    if (!name) return false;
    if (!strcasecmp(name, "json")) return *out = ISM_SCREENING_JSON, true;
    if (!strcasecmp(name, "csv")) return *out = ISM_SCREENING_CSV, true;
    if (!strcasecmp(name, "xlsx")) return *out = ISM_SCREENING_XLSX, true;
    return false;
}

static const char *label(const char *code)
{
    return ism_screening_label(code);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = ism_json_getstr(o, key);
    return s ? s : "";
}

/* "soc2 CC6.1: supports; soa A.9.2.3: against" — the evidence behind a verdict, in one cell. */
static char *evidence_text(const json_t *es)
{
    char *out = strdup("");
    size_t i;
    json_t *e;
    json_array_foreach(es, i, e)
    {
        if (strlen(out) > 2000) break;
        /* A certificate is evidence only for its scope, so the scope goes wherever it is used. */
        const char *scope = ism_json_getstr(e, "scope");
        char *n = ism_strdupf("%s%s%s %s: %s%s%s%s", out, *out ? "\n" : "", label(str(e, "kind")),
                              str(e, "source"), label(str(e, "standing")),
                              scope ? " [適用範囲: " : "", scope ? scope : "", scope ? "]" : "");
        free(out);
        out = n;
    }
    return out;
}

static char *joined(const json_t *arr, const char *sep)
{
    char *out = strdup("");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        char *n = ism_strdupf("%s%s%s", out, i ? sep : "",
                              json_string_value(v) ? json_string_value(v) : "");
        free(out);
        out = n;
    }
    return out;
}

/* ---- CSV
 * ----------------------------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void field(buf *b, const char *s, bool last)
{
    char *safe = ism_text_neutralize(s ? s : "");
    put(b, "\"", 1);
    for (const char *p = safe; *p; p++)
        put(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    put(b, "\"", 1);
    put(b, last ? "\r\n" : ",", last ? 2 : 1);
    free(safe);
}

static void csv_line(buf *b, const char *const *cells, int n)
{
    for (int i = 0; i < n; i++)
        field(b, cells[i], i == n - 1);
}

static const char *const csv_head[] = {"種別",
                                       "項番",
                                       "項目名",
                                       "概要要件",
                                       "適合状況",
                                       "備考（「×」の場合の代替対策の提示）",
                                       "ISMAP管理基準 項目名",
                                       "ISMAP管理基準番号",
                                       "判定",
                                       "判定コード",
                                       "判定理由",
                                       "根拠",
                                       "対象",
                                       "事業者",
                                       "判定日",
                                       "総合判定",
                                       "総合判定コード"};
#define NCSV 17

static bool to_csv(const json_t *scr, char **out, size_t *len)
{
    buf b = {0};
    put(&b, "\xEF\xBB\xBF", 3);
    csv_line(&b, csv_head, NCSV);
    /* Every line carries the subject, the day and the decision, so a line copied out of the
     * table still says what it is about. */
    const json_t *sub = json_object_get(scr, "subject"), *v = json_object_get(scr, "verdict");
    const char *who = str(sub, "name"), *prov = str(sub, "provider"), *day = str(scr, "today");
    const char *dec = str(v, "decision");
    size_t i, j;
    json_t *r, *it;
    json_array_foreach(json_object_get(scr, "rows"), i, r)
    {
        char *refs = joined(json_object_get(r, "ismap_refs"), ", ");
        char *ev = evidence_text(json_object_get(r, "evidence"));
        const char *cells[NCSV] = {"別紙",
                                   str(r, "no"),
                                   str(r, "title"),
                                   str(r, "text"),
                                   str(r, "mark"),
                                   str(r, "remarks"),
                                   str(r, "ismap_name"),
                                   refs,
                                   label(str(r, "verdict")),
                                   str(r, "verdict"),
                                   str(r, "reason"),
                                   ev,
                                   who,
                                   prov,
                                   day,
                                   label(dec),
                                   dec};
        csv_line(&b, cells, NCSV);
        free(refs);
        free(ev);
        json_array_foreach(json_object_get(r, "items"), j, it)
        {
            char *iev = evidence_text(json_object_get(it, "evidence"));
            const char *ic[NCSV] = {"必須管理策",
                                    str(r, "no"),
                                    str(it, "title"),
                                    "",
                                    "",
                                    "",
                                    str(it, "title"),
                                    str(it, "id"),
                                    label(str(it, "verdict")),
                                    str(it, "verdict"),
                                    str(it, "reason"),
                                    iev,
                                    who,
                                    prov,
                                    day,
                                    label(dec),
                                    dec};
            csv_line(&b, ic, NCSV);
            free(iev);
        }
    }
    *out = b.p;
    *len = b.n;
    return true;
}

/* ---- XLSX
 * ---------------------------------------------------------------------------------------- */

typedef struct xl {
    lxw_workbook *wb;
    lxw_format *head, *wrap, *bold, *v_met, *v_unmet, *v_alt, *v_none;
    const char *sheet; /* the sheet being written, for the cut cells' list */
    json_t *cut;       /* cells cut at Excel's limit: ["別紙!E12 (40000 文字)", …] */
    lxw_worksheet *summary;
    lxw_row_t summary_row; /* the summary sheet's next free row */
} xl;

/* Excel holds at most 32,767 characters in a cell and drops a longer one; the report room's
 * cell text cuts it on a character boundary with a visible "…（以下省略）", and the cut is
 * listed so the summary sheet can say where the full text is (the CSV and JSON exports). */
static void xcell(xl *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
    s = s ? s : "";
    char *safe = ism_report_cell_text(s);
    if (strlen(safe) < strlen(s) && strstr(safe, "以下省略")) {
        size_t chars = 0;
        for (const char *p = s; *p; p++)
            chars += ((unsigned char)*p & 0xC0) != 0x80;
        char ref[16];
        lxw_rowcol_to_cell(ref, r, c);
        json_array_append_new(x->cut,
                              json_sprintf("%s!%s (%zu 文字 / characters)", x->sheet, ref, chars));
    }
    worksheet_write_string(ws, r, c, safe, f);
    free(safe);
}
#define cell(ws, r, c, s, f) xcell(x, ws, r, c, s, f)

static lxw_format *verdict_format(xl *x, const char *v)
{
    if (!strcmp(v, "unmet")) return x->v_unmet;
    if (!strcmp(v, "alternative")) return x->v_alt;
    if (!strcmp(v, "no_evidence")) return x->v_none;
    if (!strcmp(v, "met") || !strcmp(v, "not_required")) return x->v_met;
    return x->wrap;
}

static lxw_worksheet *sheet(xl *x, const char *name, const char *const *heads, const double *widths,
                            int n)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
    x->sheet = name;
    for (int i = 0; i < n; i++) {
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], x->wrap);
        cell(ws, 0, (lxw_col_t)i, heads[i], x->head);
    }
    worksheet_freeze_panes(ws, 1, 0);
    return ws;
}

static void summary_sheet(xl *x, const json_t *scr)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "判定概要");
    x->sheet = "判定概要";
    x->summary = ws;
    worksheet_set_column(ws, 0, 0, 28, x->bold);
    worksheet_set_column(ws, 1, 1, 100, x->wrap);
    const json_t *sub = json_object_get(scr, "subject"), *v = json_object_get(scr, "verdict");
    const json_t *mm = json_object_get(v, "must_meet"), *lst = json_object_get(scr, "listing");
    char counts[300];
    snprintf(
        counts, sizeof counts,
        "%lld 適合 / %lld 不適合 / %lld 代替策要確認 / %lld 証跡不足 / %lld 回答不要 (全 %lld)",
        (long long)json_integer_value(json_object_get(mm, "met")),
        (long long)json_integer_value(json_object_get(mm, "unmet")),
        (long long)json_integer_value(json_object_get(mm, "alternative")),
        (long long)json_integer_value(json_object_get(mm, "no_evidence")),
        (long long)json_integer_value(json_object_get(mm, "not_required")),
        (long long)json_integer_value(json_object_get(mm, "total")));
    char *decision = ism_strdupf("%s（%s）", label(str(v, "decision")), str(v, "decision"));
    char *listing = ism_strdupf("%s（%s）: %s%s%s", label(str(lst, "status")), str(lst, "status"),
                                str(lst, "message"), ism_json_getstr(lst, "conflict") ? "\n" : "",
                                str(lst, "conflict"));
    const char *rows[][2] = {{"対象 subject", str(sub, "name")},
                             {"事業者 provider", str(sub, "provider")},
                             {"サービス service", str(sub, "service_name")},
                             {"判定日 as of", str(scr, "today")},
                             {"ISMAP登録 listing", listing},
                             {"判定 decision", decision},
                             {"概要 summary", str(v, "summary")},
                             {"必須管理策 must-meet items", counts}};
    lxw_row_t r = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++, r++) {
        cell(ws, r, 0, rows[i][0], x->bold);
        cell(ws, r, 1, rows[i][1], x->wrap);
    }
    free(decision);
    free(listing);
    size_t i;
    json_t *w;
    r++;
    cell(ws, r++, 0, "注意事項 warnings", x->head);
    json_array_foreach(json_object_get(scr, "warnings"), i, w)
    {
        char *code = ism_strdupf("%s（%s）", label(str(w, "code")), str(w, "code"));
        cell(ws, r, 0, code, x->wrap);
        cell(ws, r++, 1, str(w, "message"), x->wrap);
        free(code);
    }
    r++;
    cell(ws, r++, 0, "利用者の責任 customer duties", x->head);
    json_array_foreach(json_object_get(scr, "customer_duties"), i, w)
    {
        char *src = ism_strdupf("%s %s", str(w, "source"), str(w, "id"));
        cell(ws, r, 0, src, x->wrap);
        cell(ws, r++, 1, str(w, "duty"), x->wrap);
        free(src);
    }
    x->summary_row = r + 1;
}

/* Appended after every other sheet is written (libxlsxwriter keeps sheets open until close). */
static void cut_warnings(xl *x)
{
    if (!json_array_size(x->cut)) return;
    char *list = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(x->cut, i, c)
    {
        char *n = ism_strdupf("%s%s%s", list ? list : "", list ? "\n" : "", json_string_value(c));
        free(list);
        list = n;
    }
    char *msg =
        ism_strdupf("%zu 個のセルが Excel の上限（32,767 文字）を超えたため「…（以下省略）」"
                    "で切り詰めました。全文は CSV または JSON 出力にあります。 / %zu cells "
                    "were cut at Excel's cell limit; the CSV and JSON exports hold the "
                    "full text.\n%s",
                    json_array_size(x->cut), json_array_size(x->cut), list);
    x->sheet = "判定概要";
    worksheet_write_string(x->summary, x->summary_row, 0, "セルの切り詰め（cell_truncated）",
                           x->wrap);
    worksheet_write_string(x->summary, x->summary_row, 1, msg, x->wrap);
    ism_logj(ISM_LOG_WARN, "screening.cell_truncated",
             json_pack("{s:I}", "cells", (json_int_t)json_array_size(x->cut)),
             "screening XLSX: %zu cells cut at Excel's cell limit", json_array_size(x->cut));
    free(msg);
    free(list);
}

static void form_sheet(xl *x, const json_t *scr)
{
    static const char *const heads[] = {"項番",
                                        "項目名",
                                        "概要要件",
                                        "適合状況",
                                        "備考（「×」の場合の代替対策の提示）",
                                        "ISMAP管理基準 項目名",
                                        "ISMAP管理基準番号",
                                        "判定",
                                        "判定理由",
                                        "根拠"};
    static const double widths[] = {6, 16, 50, 8, 40, 24, 12, 14, 50, 40};
    lxw_worksheet *ws = sheet(x, "別紙", heads, widths, 10);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(scr, "rows"), i, r)
    {
        lxw_row_t n = (lxw_row_t)i + 1;
        char *refs = joined(json_object_get(r, "ismap_refs"), ", ");
        char *ev = evidence_text(json_object_get(r, "evidence"));
        const char *cells[] = {str(r, "no"),
                               str(r, "title"),
                               str(r, "text"),
                               str(r, "mark"),
                               str(r, "remarks"),
                               str(r, "ismap_name"),
                               refs,
                               label(str(r, "verdict")),
                               str(r, "reason"),
                               ev};
        for (int c = 0; c < 10; c++)
            cell(ws, n, (lxw_col_t)c, cells[c],
                 c == 7 ? verdict_format(x, str(r, "verdict")) : x->wrap);
        free(refs);
        free(ev);
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(json_object_get(scr, "rows")), 9);
}

static void items_sheet(xl *x, const json_t *scr)
{
    static const char *const heads[] = {"ISMAP管理基準番号", "項目名",   "項番", "判定",
                                        "判定コード",        "判定理由", "根拠", "懸念事項"};
    static const double widths[] = {14, 40, 6, 14, 12, 50, 40, 40};
    lxw_worksheet *ws = sheet(x, "必須管理策", heads, widths, 8);
    lxw_row_t n = 1;
    size_t i, j;
    json_t *r, *it;
    json_array_foreach(json_object_get(scr, "rows"), i, r)
        json_array_foreach(json_object_get(r, "items"), j, it)
    {
        char *ev = evidence_text(json_object_get(it, "evidence"));
        char *con = joined(json_object_get(it, "concerns"), "\n");
        const char *cells[] = {str(it, "id"),
                               str(it, "title"),
                               str(it, "row"),
                               label(str(it, "verdict")),
                               str(it, "verdict"),
                               str(it, "reason"),
                               ev,
                               con};
        for (int c = 0; c < 8; c++)
            cell(ws, n, (lxw_col_t)c, cells[c],
                 c == 3 ? verdict_format(x, str(it, "verdict")) : x->wrap);
        n++;
        free(ev);
        free(con);
    }
    worksheet_autofilter(ws, 0, 0, n - 1, 7);
}

static void evidence_sheet(xl *x, const json_t *scr)
{
    static const char *const heads[] = {"種別",       "件名",     "版",       "判断",
                                        "理由",       "有効期限", "適用範囲", "取込日時",
                                        "ファイル名", "SHA-256",  "証跡ID"};
    static const double widths[] = {12, 40, 5, 12, 50, 12, 40, 22, 24, 66, 22};
    lxw_worksheet *ws = sheet(x, "証跡", heads, widths, 11);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(scr, "documents"), i, d)
    {
        lxw_row_t n = (lxw_row_t)i + 1;
        char ver[24];
        snprintf(ver, sizeof ver, "%lld",
                 (long long)json_integer_value(json_object_get(d, "version")));
        const json_t *src = json_object_get(d, "source");
        const char *cells[] = {
            label(str(d, "kind")),     str(d, "title"),       ver,
            label(str(d, "standing")), str(d, "reason"),      str(d, "valid_until"),
            str(d, "scope"),           str(d, "imported_at"), str(src, "name"),
            str(src, "sha256"),        str(d, "evidence")};
        for (int c = 0; c < 11; c++)
            cell(ws, n, (lxw_col_t)c, cells[c], x->wrap);
    }
}

static void formats(xl *x)
{
    x->wrap = workbook_add_format(x->wb);
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    x->bold = workbook_add_format(x->wb);
    format_set_bold(x->bold);
    format_set_align(x->bold, LXW_ALIGN_VERTICAL_TOP);
    x->head = workbook_add_format(x->wb);
    format_set_bold(x->head);
    format_set_text_wrap(x->head);
    format_set_bg_color(x->head, 0xD9E1F2);
    format_set_border(x->head, LXW_BORDER_THIN);
    lxw_format **v[] = {&x->v_met, &x->v_unmet, &x->v_alt, &x->v_none};
    const lxw_color_t colors[] = {0xC6EFCE, 0xFFC7CE, 0xFFEB9C, 0xD9D9D9};
    for (int i = 0; i < 4; i++) {
        *v[i] = workbook_add_format(x->wb);
        format_set_bg_color(*v[i], colors[i]);
        format_set_text_wrap(*v[i]);
        format_set_align(*v[i], LXW_ALIGN_VERTICAL_TOP);
    }
}

static bool to_xlsx(const json_t *scr, const char *tmpdir, char **out, size_t *len, ism_error *err)
{
    const char *dir = tmpdir                                  ? tmpdir
                      : getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR")
                                                              : "/tmp";
    char *path = ism_strdupf("%s/screening-XXXXXX.xlsx", dir);
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        ism_error_set(err, ISM_E_IO, "cannot create a temporary file in %s: %s", dir,
                      strerror(errno));
        free(path);
        return false;
    }
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = (char *)dir};
    xl x = {.wb = workbook_new_opt(path, &opt), .cut = json_array()};
    bool ok = x.wb != NULL;
    if (ok) {
        formats(&x);
        summary_sheet(&x, scr);
        form_sheet(&x, scr);
        items_sheet(&x, scr);
        evidence_sheet(&x, scr);
        cut_warnings(&x);
        lxw_error rc = workbook_close(x.wb);
        if (rc != LXW_NO_ERROR)
            ok = ism_error_set(err, ISM_E_IO, "writing the XLSX failed: %s", lxw_strerror(rc));
    } else {
        ism_error_set(err, ISM_E_IO, "cannot start an XLSX workbook in %s", dir);
    }
    if (ok) *out = ism_read_file(path, 256u << 20, len, err), ok = *out != NULL;
    json_decref(x.cut);
    unlink(path);
    free(path);
    return ok;
}

bool ism_screening_export(const json_t *screening, ism_screening_format fmt, const char *tmpdir,
                          char **out, size_t *len, ism_error *err)
{
    *out = NULL;
    *len = 0;
    if (fmt == ISM_SCREENING_CSV) return to_csv(screening, out, len);
    if (fmt == ISM_SCREENING_XLSX) return to_xlsx(screening, tmpdir, out, len, err);
    *out = json_dumps(screening, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!*out) return ism_error_set(err, ISM_E_INTERNAL, "cannot render the screening as JSON");
    *len = strlen(*out);
    return true;
}
