/* import_questionnaire.c — the provider's answers to 別紙 クラウドサービス要件確認: read from an
 * XLSX, a CSV (UTF-8 or CP932) or JSON, checked row by row against the ismap-questionnaire
 * catalog, and stored only when every row is there exactly once and every answer is readable.
 *
 * Tabular files are read by header text, not position: providers re-type, re-order, merge and
 * re-paginate the form, and a column found by its heading survives all of that. */
#include "import_int.h"

#include <stdlib.h>
#include <string.h>

enum {
    QF_NO,
    QF_ITEM,
    QF_REQ,
    QF_ANSWER,
    QF_REMARKS,
    QF_ISMAP_NAME,
    QF_ISMAP_NO,
    QF_CONF,
    QF_DETAILS,
    QF_LPROV,
    QF_LSERV,
    QF_LKIND,
    QF_COUNT
};

static const char *const a_no[] = {"項番", "No.", "No", NULL};
static const char *const a_item[] = {"項目名", "項目", NULL};
static const char *const a_req[] = {"概要要件", "要求要件", "要件", NULL};
static const char *const a_answer[] = {"適合状況", "適合", "回答", NULL};
static const char *const a_remarks[] = {"備考", "代替対策", NULL};
static const char *const a_iname[] = {"ISMAP管理基準項目名", "ISMAP管理基準 項目名",
                                      "管理基準項目名", NULL};
static const char *const a_ino[] = {"ISMAP管理基準番号", "ISMAP管理基準 番号", "管理基準番号",
                                    "ISMAP番号", NULL};
static const char *const a_conf[] = {"機密性", NULL};
static const char *const a_details[] = {"取り扱う(保存する)情報の詳細", "取り扱う情報の詳細",
                                        "情報の詳細", NULL};
static const char *const a_lprov[] = {"採用クラウドサービス企業", "クラウド事業者名", NULL};
static const char *const a_lserv[] = {"採用クラウドサービス名称", "クラウドサービス名", NULL};
static const char *const a_lkind[] = {"ISMAP or ISMAP-LIU", "ISMAPorISMAP-LIU", "掲載リスト", NULL};

static const ism_imp_colspec specs[QF_COUNT] = {
    {"no", a_no, true},
    {"item_name", a_item, false},
    {"requirement", a_req, false},
    {"answer", a_answer, true},
    {"remarks", a_remarks, true},
    {"ismap_name", a_iname, false},
    {"ismap_no", a_ino, false},
    {"confidentiality", a_conf, false},
    {"details", a_details, false},
    {"provider", a_lprov, false},
    {"service", a_lserv, false},
    {"list", a_lkind, false},
};

/* One row as read, before validation. Texts are owned; "" when the column is absent. */
typedef struct qrow {
    char no[24];
    const char *sheet; /* borrowed from the workbook; NULL for JSON */
    uint32_t row;      /* source row, or the JSON index */
    bool json;
    bool hidden;
    bool refused[QF_COUNT]; /* the cell held a formula or an error: already a problem */
    char *f[QF_COUNT];
    uint32_t col[QF_COUNT];
} qrow;

typedef struct qdoc {
    qrow *rows;
    size_t n, cap;
    ism_imp_format fmt;
    const char *encoding;
    json_t *catalog; /* ismap-questionnaire items */
} qdoc;

static void qdoc_free(qdoc *d)
{
    for (size_t i = 0; i < d->n; i++)
        for (int k = 0; k < QF_COUNT; k++)
            free(d->rows[i].f[k]);
    free(d->rows);
    json_decref(d->catalog);
}

static qrow *qdoc_add(qdoc *d)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->rows = realloc(d->rows, d->cap * sizeof *d->rows);
    }
    qrow *q = &d->rows[d->n++];
    memset(q, 0, sizeof *q);
    for (int k = 0; k < QF_COUNT; k++)
        q->f[k] = strdup("");
    return q;
}

/* Where a field of a row is, for messages. path receives a JSON path when needed. */
static ism_imp_where where_of(const qrow *q, int k, char *path, size_t n)
{
    if (q->json) {
        snprintf(path, n, "rows[%u].%s", q->row, specs[k].key);
        return (ism_imp_where){NULL, 0, 0, path};
    }
    return (ism_imp_where){q->sheet, q->row, q->col[k], specs[k].aliases[0]};
}

/* "5－12", "５-１２", "5ー12" → "5-12"; false when the text is not a row number. */
static bool norm_no(const char *s, char out[24])
{
    char *k = ism_imp_key(s);
    size_t o = 0;
    bool ok = k && *k;
    static const char *const dashes[] = {
        "\xE2\x80\x90", "\xE2\x80\x91", "\xE2\x80\x92", "\xE2\x80\x93", "\xE2\x80\x94",
        "\xE2\x80\x95", "\xE2\x88\x92", "\xE3\x83\xBC", "\xE2\x94\x80", NULL};
    for (const char *p = k; ok && *p;) {
        if (*p >= '0' && *p <= '9') {
            out[o++] = *p++;
        } else if (*p == '-') {
            out[o++] = '-', p++;
        } else {
            int hit = 0;
            for (int i = 0; dashes[i] && !hit; i++)
                if (!strncmp(p, dashes[i], 3)) hit = 1;
            if (!hit) ok = false;
            out[o++] = '-', p += 3;
        }
        if (o >= 20) ok = false;
    }
    out[ok ? o : 0] = '\0';
    free(k);
    return ok && o > 0 && out[0] != '-' && out[o - 1] != '-';
}

static void set_field(qrow *q, int k, const char *text, uint32_t col)
{
    free(q->f[k]);
    q->f[k] = ism_imp_trim(text);
    q->col[k] = col;
}

/* A row whose 項番 cell is part of a merge started above continues that row: its own texts
 * (in columns not merged with the first row) are appended, as when a long 備考 spills over. */
static void continue_row(qdoc *d, ism_imp_log *lg, const ism_sheet *sh, uint32_t r,
                         const ism_imp_header *h)
{
    if (!d->n) return;
    qrow *q = &d->rows[d->n - 1];
    const ism_merge *m = ism_sheet_merge_at(sh, r, h->col[QF_NO]);
    if (q->json || !m || m->first_row != q->row || q->sheet != sh->name) return;
    for (int k = 1; k < QF_COUNT; k++) {
        if (!h->col[k] || ism_sheet_merge_at(sh, r, h->col[k])) continue;
        const char *t = ism_imp_cell(lg, sh, r, h->col[k], specs[k].aliases[0], false);
        if (!*t) continue;
        char *joined = ism_strdupf("%s%s%s", q->f[k], *q->f[k] ? "\n" : "", t);
        free(q->f[k]);
        q->f[k] = joined;
        if (!q->col[k]) q->col[k] = h->col[k];
    }
}

/* The 項番 of a data row; Excel turns "3-1" typed into a cell into 3月1日, so a date cell is read
 * back as month-day, with a warning. */
static bool row_number(ism_imp_log *lg, const ism_sheet *sh, const ism_cell *c, char no[24])
{
    ism_imp_where w = {sh->name, c->row, c->col, "項番"};
    if (c->type == ISM_CELL_DATE && strlen(c->value) >= 10 && c->value[4] == '-') {
        snprintf(no, 24, "%d-%d", atoi(c->value + 5), atoi(c->value + 8));
        ism_imp_warn(lg, &w, c->value, "number_as_date",
                     "Excel stored 項番 %s as the date %s; read as %s (format the column as text)",
                     no, c->value, no);
        return true;
    }
    return norm_no(c->value, no);
}

/* ---- the form's layouts ---------------------------------------------------------------------
 * The 別紙 as printed has no single header row. Row 1 sits under 項番 | 項目名 | 概要要件 | 機密性
 * | 取り扱う（保存する）情報の詳細; row 2 under 項番 | 項目名 | 概要要件 | 適合状況 |
 * 採用クラウドサービス企業 | 採用クラウドサービス名称 | ISMAP or ISMAP-LIU; rows 3 on under a
 * section header whose first three columns carry one caption
 * (「ISMAP管理基準が求めるセキュリティ対策」への適合状況, no 項番 heading) followed by 適合状況 |
 * 備考 | ISMAP管理基準 項目名 | ISMAP管理基準番号, printed again on each page. So every header row
 * met while reading a sheet gives the column map for the rows below it; a flat form with one header
 * (printed again per page or not) is the simple case of the same rule. The criteria appendix that
 * follows the form on the same sheet (管理番号 | …) ends the form. */

#define QH_MAX_COLS 64

/* Folded aliases, computed once per import: header matching runs on every non-data row. */
typedef struct qkeys {
    char *k[QF_COUNT][8];
} qkeys;

static void qkeys_init(qkeys *ks)
{
    memset(ks, 0, sizeof *ks);
    for (int s = 0; s < QF_COUNT; s++)
        for (int a = 0; specs[s].aliases[a] && a < 7; a++)
            ks->k[s][a] = ism_imp_key(specs[s].aliases[a]);
}

static void qkeys_free(qkeys *ks)
{
    for (int s = 0; s < QF_COUNT; s++)
        for (int a = 0; a < 8; a++)
            free(ks->k[s][a]);
}

/* 2 when the folded header text equals an alias, 1 when it starts with one, else 0. */
static int alias_quality(const qkeys *ks, const char *key, int s)
{
    int best = 0;
    for (int a = 0; ks->k[s][a] && best < 2; a++) {
        size_t n = strlen(ks->k[s][a]);
        if (n && !strcmp(key, ks->k[s][a]))
            best = 2;
        else if (n && !strncmp(key, ks->k[s][a], n))
            best = 1;
    }
    return best;
}

static uint32_t last_col(const ism_sheet *sh, const ism_row *row)
{
    uint32_t maxcol = row->ncells ? row->cells[row->ncells - 1].col : 0;
    for (size_t i = 0; i < sh->nmerges; i++)
        if (sh->merges[i].first_row <= row->num && sh->merges[i].last_row >= row->num &&
            sh->merges[i].last_col > maxcol)
            maxcol = sh->merges[i].last_col;
    return maxcol > QH_MAX_COLS ? QH_MAX_COLS : maxcol;
}

static void add_cand(const qkeys *ks, ism_imp_cand *cs, size_t *n, const char *text, bool group,
                     uint32_t col)
{
    if (strlen(text) > 300) return; /* a heading is short; this is a value */
    char *key = ism_imp_key(text);
    for (int s = 0; key && *key && s < QF_COUNT; s++) {
        int m = alias_quality(ks, key, s);
        if (m) cs[(*n)++] = (ism_imp_cand){(m == 2 ? 3 : 1) + (group ? 1 : 0), col, s};
    }
    free(key);
}

/* Matches a row's texts (merged values, with a group caption above) to the fields, best
 * matches first, one column per field. */
static void match_header(const qkeys *ks, const ism_sheet *sh, const ism_row *row,
                         ism_imp_header *h)
{
    memset(h, 0, sizeof *h);
    h->row = row->num;
    uint32_t maxcol = last_col(sh, row);
    ism_imp_cand cs[QH_MAX_COLS * QF_COUNT * 2];
    size_t n = 0;
    for (uint32_t c = 1; c <= maxcol; c++) {
        const char *t = ism_sheet_merged_value(sh, row->num, c);
        if (!*t) continue;
        add_cand(ks, cs, &n, t, false, c);
        const char *g = ism_imp_group_above(sh, row->num, c);
        if (g && *g) {
            char *both = ism_strdupf("%s%s", g, t);
            add_cand(ks, cs, &n, both, true, c);
            free(both);
        }
    }
    if (n) qsort(cs, n, sizeof *cs, ism_imp_cand_cmp);
    bool used[QH_MAX_COLS + 1] = {false};
    for (size_t i = 0; i < n; i++) {
        if (h->col[cs[i].spec] || used[cs[i].col]) continue;
        h->col[cs[i].spec] = cs[i].col;
        used[cs[i].col] = true;
        h->found++;
    }
    /* The section header of rows 3 on captions its first columns instead of heading 項番: the
     * row numbers are in the first captioned column left of every matched one. */
    if (h->found && !h->col[QF_NO]) {
        uint32_t first = QH_MAX_COLS + 1;
        for (int s = 0; s < QF_COUNT; s++)
            if (h->col[s] && h->col[s] < first) first = h->col[s];
        for (uint32_t c = 1; c < first && !h->col[QF_NO]; c++)
            if (*ism_sheet_merged_value(sh, row->num, c)) h->col[QF_NO] = c;
    }
}

/* The first text of a row (merged values included), or "". */
static const char *first_text(const ism_sheet *sh, const ism_row *row, uint32_t *col)
{
    uint32_t maxcol = last_col(sh, row);
    for (uint32_t c = 1; c <= maxcol; c++) {
        const char *t = ism_sheet_merged_value(sh, row->num, c);
        if (!ism_imp_blank(t)) {
            if (col) *col = c;
            return t;
        }
    }
    return "";
}

/* A header row: three or more fields headed, and no row number where a data row has one. */
static bool is_header(const qkeys *ks, const ism_sheet *sh, const ism_row *row, ism_imp_header *h)
{
    char no[24];
    const char *t = first_text(sh, row, NULL);
    if (!*t || norm_no(t, no)) return false;
    const ism_cell *c = ism_row_cell(row, 1);
    if (c && c->type == ISM_CELL_DATE) return false; /* 3-1 turned into 3月1日 by Excel */
    match_header(ks, sh, row, h);
    return h->found >= 3;
}

/* The criteria appendix printed after the form (管理番号 | 「ISMAP管理基準が求める…」) is not part
 * of the answers. */
static bool ends_form(const ism_sheet *sh, const ism_row *row)
{
    char *k = ism_imp_key(first_text(sh, row, NULL));
    bool end = k && !strcmp(k, "管理番号");
    free(k);
    return end;
}

typedef struct qsect {
    ism_imp_header h;
    bool told[QF_COUNT]; /* a missing column already reported under this header */
} qsect;

/* The columns a row needs under its header: row 1 its class (機密性, or 適合状況 in a flat form),
 * row 2 its answer, rows from 3 on their answer and 備考. A header lacking one is reported once. */
static void need_columns(qdoc *d, ism_imp_log *lg, const ism_sheet *sh, qsect *s, const char *no)
{
    int need[2], n = 0;
    if (!strcmp(no, "1")) {
        if (!s->h.col[QF_CONF]) need[n++] = QF_ANSWER;
    } else if (!strcmp(no, "2")) {
        need[n++] = QF_ANSWER;
    } else {
        const json_t *it = NULL;
        size_t i;
        json_t *x;
        json_array_foreach(d->catalog, i, x) if (!strcmp(ism_json_getstr(x, "id"), no)) it = x;
        if (!it || strcmp(ism_json_getstr(it, "class"), "row")) return;
        need[n++] = QF_ANSWER;
        need[n++] = QF_REMARKS;
    }
    for (int i = 0; i < n; i++) {
        int k = need[i];
        if (s->h.col[k] || s->told[k]) continue;
        s->told[k] = true;
        ism_imp_where w = {sh->name, s->h.row, 0, NULL};
        ism_imp_problem(lg, &w, NULL,
                        "missing column %s: the header row %u above row %s has no column headed "
                        "so (columns are found by their header text)",
                        specs[k].aliases[0], s->h.row, no);
    }
}

static void read_row(qdoc *d, ism_imp_log *lg, const ism_sheet *sh, const ism_row *row, qsect *s)
{
    const ism_imp_header *h = &s->h;
    const ism_cell *c = ism_row_cell(row, h->col[QF_NO]);
    const char *answer = h->col[QF_ANSWER] ? ism_sheet_value(sh, row->num, h->col[QF_ANSWER]) : "";
    if (!c || ism_imp_blank(c->value)) {
        const ism_merge *m = ism_sheet_merge_at(sh, row->num, h->col[QF_NO]);
        if (m && m->first_row < row->num) {
            continue_row(d, lg, sh, row->num, h);
        } else if (!ism_imp_blank(answer)) {
            ism_imp_where w = {sh->name, row->num, h->col[QF_ANSWER], "適合状況"};
            ism_imp_problem(lg, &w, answer, "an answer in a row without 項番");
        }
        return; /* a section heading or an empty line */
    }
    char no[24];
    if (!row_number(lg, sh, c, no)) {
        if (!ism_imp_blank(answer)) {
            ism_imp_where w = {sh->name, row->num, h->col[QF_NO], "項番"};
            ism_imp_problem(lg, &w, c->value,
                            "'%s' is not a row of the 別紙 (rows are 1, 2, 3-1, 4-1…4-6, "
                            "5-1…5-37)",
                            c->value);
        }
        return;
    }
    need_columns(d, lg, sh, s, no);
    qrow *q = qdoc_add(d);
    ism_strlcpy(q->no, no, sizeof q->no);
    q->sheet = sh->name;
    q->row = row->num;
    q->hidden = row->hidden;
    q->col[QF_NO] = h->col[QF_NO];
    for (int k = 1; k < QF_COUNT; k++) {
        if (!h->col[k]) continue;
        size_t before = json_array_size(lg->problems);
        set_field(q, k, ism_imp_cell(lg, sh, row->num, h->col[k], specs[k].aliases[0], true),
                  h->col[k]);
        q->refused[k] = json_array_size(lg->problems) > before;
    }
}

/* Reads the rows under each header of one sheet; returns the number of header rows met. */
static int read_sheet(qdoc *d, ism_imp_log *lg, const qkeys *ks, const ism_sheet *sh)
{
    qsect s;
    int headers = 0;
    for (size_t i = 0; i < sh->nrows; i++) {
        const ism_row *row = &sh->rows[i];
        ism_imp_header h;
        if (ends_form(sh, row)) break;
        if (is_header(ks, sh, row, &h)) {
            memset(&s, 0, sizeof s);
            s.h = h;
            headers++;
            continue;
        }
        if (headers) read_row(d, lg, sh, row, &s);
    }
    return headers;
}

/* Reads every visible sheet that has the form's header; a workbook's cover or notes sheets
 * have none and are passed over. */
static void read_table(qdoc *d, ism_imp_log *lg, const ism_workbook *wb)
{
    d->encoding = ism_text_encoding_name(wb->encoding);
    qkeys ks;
    qkeys_init(&ks);
    int sheets = 0;
    for (size_t i = 0; i < wb->nsheets; i++) {
        const ism_sheet *sh = &wb->sheets[i];
        if (sh->state != ISM_SHEET_VISIBLE) {
            ism_imp_header h;
            if (ism_imp_find_header(sh, specs, QF_COUNT, 60, &h) && !h.missing_required) {
                ism_imp_where w = {sh->name, 0, 0, NULL};
                ism_imp_warn(lg, &w, NULL, "hidden_sheet",
                             "sheet %s is hidden; its rows were not read", sh->name);
            }
            continue;
        }
        size_t before = d->n;
        if (read_sheet(d, lg, &ks, sh) && d->n > before) sheets++;
    }
    qkeys_free(&ks);
    if (sheets || d->n) return;
    ism_imp_header best = {0};
    const char *best_sheet = NULL;
    for (size_t i = 0; i < wb->nsheets; i++) {
        ism_imp_header h;
        if (wb->sheets[i].state != ISM_SHEET_VISIBLE ||
            !ism_imp_find_header(&wb->sheets[i], specs, QF_COUNT, 60, &h))
            continue;
        if (!best_sheet || h.missing_required < best.missing_required)
            best = h, best_sheet = wb->sheets[i].name;
    }
    if (best_sheet && best.missing_required) {
        char *miss = ism_imp_missing_names(specs, QF_COUNT, &best);
        ism_imp_where w = {best_sheet, best.row, 0, NULL};
        ism_imp_problem(lg, &w, NULL,
                        "missing column%s %s: the header row found has no column headed so "
                        "(columns are found by their header text)",
                        strchr(miss, ',') ? "s" : "", miss);
        free(miss);
    } else {
        ism_imp_problem(lg, NULL, NULL,
                        "no header row with 項番, 適合状況 and 備考 (or the printed form's "
                        "sections) followed by the form's rows in any sheet: is this the 別紙 "
                        "クラウドサービス要件確認?");
    }
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void read_json_row(qdoc *d, ism_imp_log *lg, json_t *o, size_t idx)
{
    char path[64];
    snprintf(path, sizeof path, "rows[%zu]", idx);
    ism_imp_where w = {NULL, 0, 0, path};
    if (!json_is_object(o)) {
        ism_imp_problem(lg, &w, NULL, "each row must be an object");
        return;
    }
    qrow *q = qdoc_add(d);
    q->json = true;
    q->row = (uint32_t)idx;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        int k = 0;
        while (k < QF_COUNT && strcmp(specs[k].key, key))
            k++;
        snprintf(path, sizeof path, "rows[%zu].%s", idx, key);
        if (k == QF_COUNT) {
            ism_imp_problem(lg, &w, NULL,
                            "unknown field '%s' (fields: no, answer, remarks, ismap_no, "
                            "ismap_name, item_name, requirement; row 1: confidentiality, "
                            "details; row 2: provider, service, list)",
                            key);
        } else if (json_is_integer(v) && k == QF_NO) {
            char num[24];
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            set_field(q, k, num, 0);
        } else if (!json_is_string(v) && !json_is_null(v)) {
            ism_imp_problem(lg, &w, NULL, "'%s' must be a string", key);
        } else {
            set_field(q, k, json_is_string(v) ? json_string_value(v) : "", 0);
        }
    }
    snprintf(path, sizeof path, "rows[%zu].no", idx);
    if (!norm_no(q->f[QF_NO], q->no))
        ism_imp_problem(lg, &w, q->f[QF_NO],
                        *q->f[QF_NO] ? "not a row number of the 別紙" : "'no' is required");
}

static void read_json(qdoc *d, ism_imp_log *lg, json_t *j)
{
    d->encoding = "UTF-8";
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "format") && strcmp(key, "rows") && strcmp(key, "title") &&
            strcmp(key, "answered_on") && strcmp(key, "respondent")) {
            ism_imp_where w = {NULL, 0, 0, key};
            ism_imp_problem(lg, &w, NULL,
                            "unknown top-level field '%s' (fields: format, rows, title, "
                            "answered_on, respondent)",
                            key);
        }
    }
    const char *fmt = ism_json_getstr(j, "format");
    if (fmt && strcmp(fmt, "ismap-questionnaire/1")) {
        ism_imp_where w = {NULL, 0, 0, "format"};
        ism_imp_problem(lg, &w, fmt, "this build reads format \"ismap-questionnaire/1\"");
    }
    json_t *rows = json_object_get(j, "rows");
    if (!json_is_array(rows)) {
        ism_imp_where w = {NULL, 0, 0, "rows"};
        ism_imp_problem(lg, &w, NULL, "'rows' must be an array of row objects");
        return;
    }
    size_t i;
    json_array_foreach(rows, i, v) read_json_row(d, lg, v, i);
}

/* ---- validation ----------------------------------------------------------------------------- */

typedef struct qctx {
    qdoc *d;
    ism_imp_log *lg;
    json_t *seen; /* no → index into d->rows */
    bool listed;  /* row 2 answered ○: rows from 3 on need no answer */
    bool allow_blank;
} qctx;

static const json_t *catalog_row(const qdoc *d, const char *no)
{
    size_t i;
    json_t *it;
    json_array_foreach(d->catalog, i, it) if (!strcmp(ism_json_getstr(it, "id"), no)) return it;
    return NULL;
}

static const char *cls(const json_t *it)
{
    return ism_json_getstr(it, "class");
}

/* Every row known, each once; then every answerable row present. */
static void check_rows(qctx *x)
{
    char path[64];
    for (size_t i = 0; i < x->d->n; i++) {
        qrow *q = &x->d->rows[i];
        if (!*q->no) continue;
        ism_imp_where w = where_of(q, QF_NO, path, sizeof path);
        const json_t *it = catalog_row(x->d, q->no);
        if (!it || (strcmp(cls(it), "row") && strcmp(cls(it), "group"))) {
            ism_imp_problem(x->lg, &w, q->no,
                            "unknown row %s: the 別紙 has rows 1, 2, 3-1, 4-1…4-6 and 5-1…5-37",
                            q->no);
            continue;
        }
        if (!strcmp(cls(it), "group")) continue; /* a heading row such as 3 ガバナンス基準 */
        json_t *prev = json_object_get(x->seen, q->no);
        if (prev) {
            const qrow *p = &x->d->rows[json_integer_value(prev)];
            char first[96];
            if (p->json)
                snprintf(first, sizeof first, "rows[%u]", p->row);
            else
                snprintf(first, sizeof first, "sheet %s row %u", p->sheet, p->row);
            ism_imp_problem(x->lg, &w, q->no, "row %s appears twice (first at %s)", q->no, first);
            continue;
        }
        json_object_set_new(x->seen, q->no, json_integer((json_int_t)i));
        if (q->hidden)
            ism_imp_warn(x->lg, &w, q->no, "hidden_row",
                         "row %s is hidden in the workbook; it was read like any other", q->no);
    }
    size_t i;
    json_t *it;
    json_array_foreach(x->d->catalog, i, it)
    {
        if (strcmp(cls(it), "row") || json_object_get(x->seen, ism_json_getstr(it, "id"))) continue;
        ism_imp_where w = {NULL, 0, 0, "項番"};
        ism_imp_problem(x->lg, &w, ism_json_getstr(it, "id"),
                        "row %s is missing: every row of the 別紙 must be present once",
                        ism_json_getstr(it, "id"));
    }
}

static qrow *row_of(qctx *x, const char *no)
{
    json_t *v = json_object_get(x->seen, no);
    return v ? &x->d->rows[json_integer_value(v)] : NULL;
}

/* "機密性3B", "3Ｂ", "機密性 2" → "3B" / "3C" / "2". */
static const char *conf_class(const char *s)
{
    char *k = ism_imp_key(s);
    const char *p = strstr(k, "機密性");
    p = p ? p + strlen("機密性") : k;
    const char *out = NULL;
    if (!strncmp(p, "3b", 2))
        out = "3B", p += 2;
    else if (!strncmp(p, "3c", 2))
        out = "3C", p += 2;
    else if (*p == '2')
        out = "2", p += 1;
    if (out && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z'))) out = NULL;
    free(k);
    return out;
}

/* The text after "prompt:" on the line that starts with it (full- or half-width colon). */
static char *prompted(const char *text, const char *const *prompts)
{
    char *copy = strdup(text), *save = NULL, *out = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && !out;
         line = strtok_r(NULL, "\n", &save)) {
        char *k = ism_imp_key(line);
        for (int i = 0; prompts[i] && !out; i++) {
            char *pk = ism_imp_key(prompts[i]);
            if (!strncmp(k, pk, strlen(pk))) {
                const char *colon = strstr(line, "\xEF\xBC\x9A"); /* ： */
                const char *half = strchr(line, ':');
                const char *at = colon && (!half || colon < half) ? colon + 3
                                 : half                           ? half + 1
                                                                  : NULL;
                if (at) out = ism_imp_trim(at);
            }
            free(pk);
        }
        free(k);
    }
    free(copy);
    return out && !*out ? (free(out), NULL) : out;
}

/* A names column of row 2 as the form prints it: the prompt with the name after it
 * ("クラウド事業者名：…"), or the name alone. The prompt alone names nothing (NULL). */
static char *named(const char *cell, const char *const *prompts)
{
    char *k = ism_imp_key(cell);
    bool prompt = false;
    for (int i = 0; prompts[i] && !prompt; i++) {
        char *pk = ism_imp_key(prompts[i]);
        prompt = !strncmp(k, pk, strlen(pk));
        free(pk);
    }
    free(k);
    if (prompt) return prompted(cell, prompts);
    return ism_imp_blank(cell) ? NULL : ism_imp_trim(cell);
}

static json_t *check_row1(qctx *x)
{
    qrow *q = row_of(x, "1");
    if (!q) return json_null();
    char path[64];
    const char *src = *q->f[QF_CONF] ? q->f[QF_CONF] : q->f[QF_ANSWER];
    int k = *q->f[QF_CONF] ? QF_CONF : QF_ANSWER;
    const char *c = conf_class(src);
    if (!c) {
        ism_imp_where w = where_of(q, k, path, sizeof path);
        ism_imp_problem(x->lg, &w, src,
                        "row 1 must state the confidentiality class of the information: 機密性3B, "
                        "機密性3C or 機密性2");
    }
    static const char *const p_details[] = {"情報の詳細", "取り扱う情報の詳細", NULL};
    char *details = NULL;
    const int from[] = {QF_DETAILS, QF_REMARKS, QF_ANSWER};
    for (int i = 0; i < 3 && !details; i++) {
        details = prompted(q->f[from[i]], p_details);
        /* A details column or 備考 without the prompt holds the details as they are. */
        if (!details && from[i] != QF_ANSWER && *q->f[from[i]]) details = strdup(q->f[from[i]]);
    }
    json_t *o = json_pack("{s:s?, s:s?}", "confidentiality", c, "information", details);
    free(details);
    return o;
}

static json_t *check_row2(qctx *x)
{
    qrow *q = row_of(x, "2");
    if (!q) return json_null();
    char path[64];
    ism_imp_where w = where_of(q, QF_ANSWER, path, sizeof path);
    /* The mark may share its cell with the names: the first line is the mark. */
    char *first = strndup(q->f[QF_ANSWER], strcspn(q->f[QF_ANSWER], "\n"));
    ism_answer_mark m = ism_text_answer_mark(first);
    char *text = ism_strdupf("%s\n%s", q->f[QF_ANSWER] + strlen(first), q->f[QF_REMARKS]);
    static const char *const p_prov[] = {"クラウド事業者名", "事業者名", "採用クラウドサービス企業",
                                         NULL};
    static const char *const p_serv[] = {"クラウドサービス名", "サービス名",
                                         "採用クラウドサービス名称", NULL};
    char *prov = *q->f[QF_LPROV] ? named(q->f[QF_LPROV], p_prov) : prompted(text, p_prov);
    char *serv = *q->f[QF_LSERV] ? named(q->f[QF_LSERV], p_serv) : prompted(text, p_serv);
    char *kind = ism_imp_key(*q->f[QF_LKIND] ? q->f[QF_LKIND] : text);
    const char *list = m != ISM_MARK_YES       ? NULL
                       : strstr(kind, "liu")   ? "ISMAP-LIU"
                       : strstr(kind, "ismap") ? "ISMAP"
                                               : NULL;
    if (m != ISM_MARK_YES && m != ISM_MARK_NO) {
        ism_imp_problem(x->lg, &w, first,
                        "row 2 must be answered ○ (the service is on the ISMAP or ISMAP-LIU "
                        "list) or × (it is not)");
    } else if (m == ISM_MARK_YES && (!prov || !serv)) {
        /* Quote the cell that should have held the name: its own column when the form has
         * one, else 備考 (or the answer cell when there is no 備考 either). */
        int k = !prov ? QF_LPROV : QF_LSERV;
        if (!q->json && !q->col[k]) k = q->col[QF_REMARKS] ? QF_REMARKS : QF_ANSWER;
        if (q->json && !*q->f[k]) k = *q->f[QF_REMARKS] ? QF_REMARKS : k;
        ism_imp_where wn = where_of(q, k, path, sizeof path);
        ism_imp_problem(x->lg, &wn, q->f[k],
                        "row 2 is answered ○ but does not name the listed service: give the "
                        "%s as on the list (採用クラウドサービス企業 / 採用クラウドサービス名称 "
                        "columns, or クラウド事業者名：… and クラウドサービス名：… lines)",
                        !prov ? "provider (クラウド事業者名)" : "service (クラウドサービス名)");
    } else if (m == ISM_MARK_YES && !list) {
        ism_imp_warn(x->lg, &w, NULL, "list_not_stated",
                     "row 2 does not say ISMAP or ISMAP-LIU; both lists will be searched");
    }
    x->listed = m == ISM_MARK_YES;
    json_t *o = json_pack("{s:s, s:s?, s:s?, s:s?}", "answer", ism_answer_mark_name(m), "provider",
                          prov, "service", serv, "list", list);
    free(first);
    free(text);
    free(prov);
    free(serv);
    free(kind);
    return o;
}

static bool in_list(const char *key, const json_t *arr)
{
    size_t i;
    json_t *v;
    bool hit = false;
    json_array_foreach(arr, i, v)
    {
        char *k = ism_imp_key(json_string_value(v));
        if (k && !strcmp(k, key)) hit = true;
        free(k);
    }
    return hit;
}

/* The ISMAP number and name columns against the catalog: a disagreement is a warning, since
 * the row number decides what the answer is about. */
static void check_refs(qctx *x, const qrow *q, const json_t *props)
{
    char path[64];
    if (*q->f[QF_ISMAP_NO]) {
        char *k = ism_imp_key(q->f[QF_ISMAP_NO]);
        if (!in_list(k, json_object_get(props, "ismap_refs")) &&
            !in_list(k, json_object_get(props, "ismap_numbers_as_printed"))) {
            ism_imp_where w = where_of(q, QF_ISMAP_NO, path, sizeof path);
            char *want = json_dumps(json_object_get(props, "ismap_refs"), JSON_COMPACT);
            ism_imp_warn(x->lg, &w, q->f[QF_ISMAP_NO], "ismap_number_mismatch",
                         "row %s: ISMAP管理基準番号 '%s' disagrees with the catalog, which maps "
                         "this row to %s; the row number decides",
                         q->no, q->f[QF_ISMAP_NO], want);
            free(want);
        }
        free(k);
    }
    if (!*q->f[QF_ISMAP_NAME]) return;
    char *k = ism_imp_key(q->f[QF_ISMAP_NAME]);
    ism_imp_where w = where_of(q, QF_ISMAP_NAME, path, sizeof path);
    const char *criteria =
        json_string_value(json_array_get(json_object_get(props, "criteria_names"), 0));
    if (in_list(k, json_object_get(props, "criteria_names"))) {
        /* agrees with the criteria */
    } else if (in_list(k, json_object_get(props, "ismap_names"))) {
        ism_imp_warn(x->lg, &w, q->f[QF_ISMAP_NAME], "name_mismatch",
                     "row %s: the form's ISMAP管理基準 項目名 '%s' differs from the criteria's "
                     "'%s'; the number decides",
                     q->no, q->f[QF_ISMAP_NAME], criteria ? criteria : "?");
    } else {
        ism_imp_warn(x->lg, &w, q->f[QF_ISMAP_NAME], "ismap_name_mismatch",
                     "row %s: ISMAP管理基準 項目名 '%s' disagrees with the catalog ('%s')", q->no,
                     q->f[QF_ISMAP_NAME], criteria ? criteria : "?");
    }
    free(k);
}

/* A provider who edits the requirement text answers a different question: say so. */
static void check_text(qctx *x, const qrow *q, const json_t *it)
{
    if (!*q->f[QF_REQ]) return;
    char *a = ism_imp_key(q->f[QF_REQ]);
    char *b = ism_imp_key(ism_json_getstr(json_object_get(it, "text"), "ja"));
    if (a && b && strcmp(a, b)) {
        char path[64];
        ism_imp_where w = where_of(q, QF_REQ, path, sizeof path);
        ism_imp_warn(x->lg, &w, q->f[QF_REQ], "requirement_changed",
                     "row %s: 概要要件 differs from the published requirement text; the answer "
                     "is read as an answer to the published text",
                     q->no);
    }
    free(a);
    free(b);
}

static json_t *check_mark(qctx *x, const qrow *q, const json_t *it)
{
    char path[64];
    ism_imp_where w = where_of(q, QF_ANSWER, path, sizeof path);
    ism_answer_mark m = ism_text_answer_mark(q->f[QF_ANSWER]);
    bool remarks = !ism_imp_blank(q->f[QF_REMARKS]);
    if (q->refused[QF_ANSWER]) {
        /* reported where the cell was read */
    } else if (m == ISM_MARK_UNKNOWN) {
        ism_imp_problem(x->lg, &w, q->f[QF_ANSWER],
                        "row %s: '%s' is not an answer: write ○ (meets the requirement) or × "
                        "(does not; give the alternative measure in 備考); a partial answer is ×",
                        q->no, q->f[QF_ANSWER]);
    } else if (m == ISM_MARK_EMPTY && !x->listed) {
        if (x->allow_blank)
            ism_imp_warn(x->lg, &w, NULL, "unanswered", "row %s has no answer", q->no);
        else
            ism_imp_problem(x->lg, &w, NULL,
                            "row %s has no answer: the service is not ISMAP-listed (row 2 is ×), "
                            "so every row from 3 on needs ○ or ×",
                            q->no);
    } else if (m == ISM_MARK_NO && !remarks) {
        ism_imp_warn(x->lg, &w, q->f[QF_ANSWER], "no_alternative",
                     "row %s is answered × without an alternative measure in 備考", q->no);
    } else if (m == ISM_MARK_NA && !remarks) {
        ism_imp_warn(x->lg, &w, q->f[QF_ANSWER], "na_without_reason",
                     "row %s is answered N/A without a reason in 備考", q->no);
    }
    const json_t *props = json_object_get(it, "props");
    check_refs(x, q, props);
    check_text(x, q, it);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:O, s:s, s:s}", "no", q->no, "answer", ism_answer_mark_name(m),
                  "mark", q->f[QF_ANSWER], "ismap_refs", json_object_get(props, "ismap_refs"),
                  "ismap_no", q->f[QF_ISMAP_NO], "ismap_name", q->f[QF_ISMAP_NAME]);
    json_object_set_new(o, "remarks", remarks ? json_string(q->f[QF_REMARKS]) : json_null());
    if (q->json)
        json_object_set_new(o, "where", json_pack("{s:i}", "index", q->row));
    else
        json_object_set_new(o, "where", json_pack("{s:s, s:i}", "sheet", q->sheet, "row", q->row));
    return o;
}

static json_t *validate(qctx *x, json_t *summary)
{
    check_rows(x);
    json_t *row1 = check_row1(x), *row2 = check_row2(x);
    json_t *rows = json_array();
    int counts[5] = {0}, noalt = 0;
    size_t i;
    json_t *it;
    json_array_foreach(x->d->catalog, i, it)
    {
        if (strcmp(cls(it), "row")) continue;
        const json_t *props = json_object_get(it, "props");
        if (strcmp(ism_json_getstr(props, "answer") ? ism_json_getstr(props, "answer") : "",
                   "mark"))
            continue;
        qrow *q = row_of(x, ism_json_getstr(it, "id"));
        if (!q) continue;
        json_t *r = check_mark(x, q, it);
        ism_answer_mark m = ism_text_answer_mark(q->f[QF_ANSWER]);
        counts[m]++;
        if (m == ISM_MARK_NO && ism_imp_blank(q->f[QF_REMARKS])) noalt++;
        json_array_append_new(rows, r);
    }
    json_object_set_new(summary, "rows", json_integer((json_int_t)json_array_size(rows)));
    json_object_set_new(summary, "yes", json_integer(counts[ISM_MARK_YES]));
    json_object_set_new(summary, "no", json_integer(counts[ISM_MARK_NO]));
    json_object_set_new(summary, "na", json_integer(counts[ISM_MARK_NA]));
    json_object_set_new(summary, "unanswered", json_integer(counts[ISM_MARK_EMPTY]));
    json_object_set_new(summary, "no_without_alternative", json_integer(noalt));
    json_object_set_new(summary, "listing_claimed", json_boolean(x->listed));
    json_object_set_new(summary, "confidentiality",
                        json_incref(json_object_get(row1, "confidentiality")));
    json_t *data = json_pack("{s:o, s:o, s:o}", "row1", row1, "listing", row2, "rows", rows);
    json_object_set_new(data, "confidentiality",
                        json_incref(json_object_get(row1, "confidentiality")));
    return data;
}

json_t *ism_import_questionnaire(const ism_import_ctx *ctx, ism_error *err)
{
    qdoc d = {0};
    d.fmt = ism_imp_sniff(ctx->data, ctx->len);
    d.catalog = ism_catalog_items(ctx->catalogs, "ismap-questionnaire", NULL, NULL, err);
    if (!d.catalog) return NULL;
    ism_imp_log lg;
    ism_imp_log_init(&lg, ctx->name);
    json_t *out = NULL, *summary = json_object(), *data = NULL;
    ism_workbook *wb = NULL; /* kept until validation ends: messages name its sheets */
    if (d.fmt == ISM_IMP_JSON) {
        json_t *j = ism_imp_read_json(ctx, err);
        if (!j) goto done;
        read_json(&d, &lg, j);
        json_decref(j);
    } else {
        if (!(wb = ism_imp_read_table(ctx, err))) goto done;
        read_table(&d, &lg, wb);
    }
    qctx x = {&d, &lg, json_object(), false,
              json_is_true(json_object_get(ctx->options, "allow_blank"))};
    /* With no rows read at all the header problem says everything; 46 "missing" would not. */
    if (d.n || !json_array_size(lg.problems)) data = validate(&x, summary);
    json_decref(x.seen);
    if (ism_imp_failed(&lg, err)) goto done;
    json_object_set_new(data, "format", json_string(ism_imp_format_name(d.fmt)));
    json_object_set_new(data, "encoding", json_string(d.encoding ? d.encoding : "UTF-8"));
    ism_evidence_new ev = {.kind = "questionnaire",
                           .key = "",
                           .title = "別紙 クラウドサービス要件確認 (回答)",
                           .data = data,
                           .summary = summary};
    out = ism_imp_store(ctx, &ev, &lg, err);
done:
    if (wb) ism_workbook_free(wb);
    json_decref(data);
    json_decref(summary);
    ism_imp_log_free(&lg);
    qdoc_free(&d);
    return out;
}
