/* csv.c — the requirements and the findings as CSV that Excel opens as UTF-8: a BOM, CRLF
 * record ends, RFC 4180 quoting, every cell neutralized against formula injection. */
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>

typedef struct csv {
    FILE *f;
    char *buf;
    size_t len;
    int col;
} csv;

static bool csv_open(csv *c, ism_error *err)
{
    memset(c, 0, sizeof *c);
    c->f = open_memstream(&c->buf, &c->len);
    if (!c->f) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    fputs("\xEF\xBB\xBF", c->f); /* the BOM: without it Excel reads the file as CP932 */
    return true;
}

static void cell(csv *c, const char *s)
{
    char *t = ism_report_cell_text(s);
    const char *v = t ? t : "";
    if (c->col++) fputc(',', c->f);
    size_t n = strlen(v);
    bool quote = strpbrk(v, ",\"\r\n") || (n && (v[0] == ' ' || v[n - 1] == ' '));
    if (!quote) {
        fputs(v, c->f);
    } else {
        fputc('"', c->f);
        for (const char *p = v; *p; p++) {
            if (*p == '"') fputc('"', c->f);
            fputc(*p, c->f);
        }
        fputc('"', c->f);
    }
    free(t);
}

static void end_row(csv *c)
{
    fputs("\r\n", c->f);
    c->col = 0;
}

static char *csv_close(csv *c, size_t *len, ism_error *err)
{
    bool bad = ferror(c->f) != 0;
    fclose(c->f);
    if (bad) {
        free(c->buf);
        ism_error_set(err, ISM_E_INTERNAL, "could not build the CSV (out of memory)");
        return NULL;
    }
    if (len) *len = c->len;
    return c->buf;
}

/* ---- requirements -------------------------------------------------------------------------- */

static const char *const req_header[] = {
    "フレームワーク", "カタログ",       "項番",   "項目名",   "必須",     "判定",
    "判定コード",     "自動判定コード", "期限",   "根拠",     "監査結果", "確認した監査資料",
    "指摘事項",       "改善案",         "判断者", "判断日時", "出所"};

/* ○ must be met; blank not; 要確認 the seed does not show the MIC 必須 cell (unknown, not false).
 */
static const char *must_mark(const json_t *row)
{
    if (json_is_true(json_object_get(row, "must_meet"))) return "○";
    const char *cat = ism_json_getstr(row, "catalog");
    if (!cat || strcmp(cat, "mic-audit")) return "";
    const json_t *m = json_object_get(row, "mandatory");
    return json_is_true(m) ? "○" : json_is_false(m) ? "" : "要確認";
}

static void req_row(csv *c, const json_t *row, const char *prov)
{
    const json_t *j = json_object_get(row, "judgment");
    const char *jr = ism_json_getstr(j, "result");
    const char *findings = ism_json_getstr(j, "findings");
    if (!findings || !*findings) findings = ism_json_getstr(row, "auto_findings");
    cell(c, ism_json_getstr(row, "framework"));
    cell(c, ism_json_getstr(row, "catalog"));
    cell(c, ism_json_getstr(row, "item"));
    cell(c, ism_json_getstr(row, "label"));
    cell(c, must_mark(row));
    cell(c, ism_json_getstr(row, "status_ja"));
    cell(c, ism_json_getstr(row, "status"));
    cell(c, ism_json_getstr(row, "derived_status"));
    cell(c, ism_json_getstr(row, "until"));
    cell(c, ism_json_getstr(row, "summary"));
    cell(c, jr ? ism_req_status_ja(ism_report_status_of(jr)) : NULL);
    cell(c, ism_json_getstr(j, "examined"));
    cell(c, findings);
    const char *im = ism_json_getstr(j, "improvement");
    cell(c, im && *im ? im : ism_json_getstr(row, "auto_improvement"));
    cell(c, ism_json_getstr(j, "by"));
    cell(c, ism_json_getstr(j, "at"));
    cell(c, prov);
    end_row(c);
}

char *ism_report_csv(const ism_report_input *in, size_t *len, ism_error *err)
{
    json_t *rows = ism_report_rows(in, err);
    if (!rows) return NULL;
    csv c;
    if (!csv_open(&c, err)) {
        json_decref(rows);
        return NULL;
    }
    for (size_t i = 0; i < sizeof req_header / sizeof *req_header; i++)
        cell(&c, req_header[i]);
    end_row(&c);
    size_t i;
    json_t *row;
    char *prov = ism_report_provenance_text(in->matrix);
    json_array_foreach(rows, i, row) req_row(&c, row, prov);
    free(prov);
    json_decref(rows);
    return csv_close(&c, len, err);
}

/* ---- findings ------------------------------------------------------------------------------- */

static const char *const find_header[] = {"チェック",
                                          "チェック名",
                                          "重要度",
                                          "重要度コード",
                                          "アカウント",
                                          "リージョン",
                                          "リソース種別",
                                          "リソースID",
                                          "ARN",
                                          "状態",
                                          "状態コード",
                                          "理由",
                                          "スナップショット",
                                          "スナップショットSHA-256",
                                          "出所"};

/* The recorded SHA-256 of a snapshot named in the matrix's provenance, or NULL. */
static const char *snapshot_sha(const json_t *matrix, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(json_object_get(matrix, "provenance"), "snapshots"), i, s)
    {
        const char *sid = ism_json_getstr(s, "id");
        if (id && sid && !strcmp(id, sid)) return ism_json_getstr(s, "sha256");
    }
    return NULL;
}

/* Check titles as the matrix's finding reasons carry them: {check: title}. */
static json_t *check_titles(const json_t *matrix)
{
    json_t *t = json_object();
    size_t i, k;
    json_t *req, *r;
    json_array_foreach(json_object_get(matrix, "requirements"), i, req)
        json_array_foreach(json_object_get(req, "reasons"), k, r)
    {
        const char *check = ism_json_getstr(r, "check"), *title = ism_json_getstr(r, "title");
        if (check && title && !json_object_get(t, check))
            json_object_set_new(t, check, json_string(title));
    }
    return t;
}

static void find_row(csv *c, const json_t *f, const json_t *titles, const json_t *matrix,
                     const char *prov)
{
    const char *check = ism_json_getstr(f, "check");
    const char *sev = ism_json_getstr(f, "severity"), *st = ism_json_getstr(f, "status");
    cell(c, check);
    cell(c, check ? ism_json_getstr(titles, check) : NULL);
    cell(c, sev ? ism_report_severity_ja(sev) : NULL);
    cell(c, sev);
    cell(c, ism_json_getstr(f, "account"));
    cell(c, ism_json_getstr(f, "region"));
    cell(c, ism_json_getstr(f, "resource_type"));
    cell(c, ism_json_getstr(f, "resource_id"));
    cell(c, ism_json_getstr(f, "arn"));
    cell(c, st ? ism_report_finding_status_ja(st) : NULL);
    cell(c, st);
    cell(c, ism_json_getstr(f, "reason"));
    cell(c, ism_json_getstr(f, "snapshot"));
    cell(c, snapshot_sha(matrix, ism_json_getstr(f, "snapshot")));
    cell(c, prov);
    end_row(c);
}

char *ism_report_csv_findings(const ism_report_input *in, size_t *len, ism_error *err)
{
    if (!in || (in->findings && !json_is_array(in->findings))) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "findings must be an array of finding rows");
        return NULL;
    }
    csv c;
    if (!csv_open(&c, err)) return NULL;
    for (size_t i = 0; i < sizeof find_header / sizeof *find_header; i++)
        cell(&c, find_header[i]);
    end_row(&c);
    json_t *titles = check_titles(in->matrix);
    size_t i;
    json_t *f;
    char *prov = ism_report_provenance_text(in->matrix);
    json_array_foreach(in->findings, i, f) find_row(&c, f, titles, in->matrix, prov);
    free(prov);
    json_decref(titles);
    return csv_close(&c, len, err);
}
