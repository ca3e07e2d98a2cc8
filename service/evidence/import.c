/* import.c — the importer table, and what every importer shares: the problem list that makes an
 * import all-or-nothing, reading the input as a table or JSON, dates, and storing the result
 * with its provenance and the original bytes. */
#include "import_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- concurrent imports ----------------------------------------------------------------------
 * Each import may use up to ~64 MB while it reads; a slot bounds how many run at once, so eight
 * clients importing together cannot take the daemon to gigabytes. A caller that finds every
 * slot taken waits for one (up to slot_wait_ms), then is refused with ISM_E_UNAVAILABLE. */

static pthread_mutex_t slot_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_cv = PTHREAD_COND_INITIALIZER;
static int slots_busy, slots_max = ISM_IMPORT_SLOTS_DEFAULT;
static long slot_wait_ms = ISM_IMPORT_WAIT_MS_DEFAULT;

void ism_import_set_limits(int max_concurrent, long wait_ms)
{
    pthread_mutex_lock(&slot_mu);
    slots_max = max_concurrent > 0 ? max_concurrent : ISM_IMPORT_SLOTS_DEFAULT;
    slot_wait_ms = wait_ms >= 0 ? wait_ms : ISM_IMPORT_WAIT_MS_DEFAULT;
    pthread_cond_broadcast(&slot_cv);
    pthread_mutex_unlock(&slot_mu);
}

bool ism_import_slot_acquire(const char *kind, ism_error *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += slot_wait_ms / 1000;
    until.tv_nsec += (slot_wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&slot_mu);
    int rc = 0;
    while (slots_busy >= slots_max && rc == 0)
        rc = pthread_cond_timedwait(&slot_cv, &slot_mu, &until);
    bool ok = slots_busy < slots_max;
    if (ok) slots_busy++;
    int busy = slots_busy, max = slots_max;
    long waited = slot_wait_ms;
    pthread_mutex_unlock(&slot_mu);
    if (!ok)
        ism_error_set(err, ISM_E_UNAVAILABLE,
                      "%s import refused: %d of %d import slots still busy after waiting %ld ms "
                      "(imports are limited to bound memory); try again shortly",
                      kind, busy, max, waited);
    return ok;
}

void ism_import_slot_release(void)
{
    pthread_mutex_lock(&slot_mu);
    if (slots_busy > 0) slots_busy--;
    pthread_cond_signal(&slot_cv);
    pthread_mutex_unlock(&slot_mu);
}

/* What the table hands out: the importer, run inside a slot. */
#define GATED(name, kind)                                                                          \
    static json_t *gated_##name(const ism_import_ctx *ctx, ism_error *err)                         \
    {                                                                                              \
        if (!ism_import_slot_acquire(kind, err)) return NULL;                                      \
        json_t *r = ism_import_##name(ctx, err);                                                   \
        ism_import_slot_release();                                                                 \
        return r;                                                                                  \
    }
GATED(questionnaire, "questionnaire")
GATED(ismap_list, "ismap-list")
GATED(soc2, "soc2")
GATED(iso_cert, "iso-cert")
GATED(soa, "soa")
GATED(caiq, "caiq")
GATED(file, "file")

const ism_importer ism_importers[] = {
    {"questionnaire", gated_questionnaire, true,
     "the provider's answers to 別紙 クラウドサービス要件確認 (XLSX, CSV, JSON)"},
    {"ismap-list", gated_ismap_list, false,
     "the ISMAP / ISMAP-LIU cloud service list (CSV, XLSX); installation-wide"},
    {"soc2", gated_soc2, true,
     "a SOC 2 report: metadata and section-4 test results (JSON, CSV, XLSX template)"},
    {"iso-cert", gated_iso_cert, true,
     "an ISO/IEC 27001 or 27017 certificate (JSON, or CSV/XLSX field,value rows)"},
    {"soa", gated_soa, true, "a Statement of Applicability (CSV, XLSX, JSON)"},
    {"caiq", gated_caiq, true, "CSA CAIQ v4 answers (CSV, XLSX, JSON)"},
    {"file", gated_file, true,
     "any document (contract, SLA, report), kept by SHA-256 with its metadata"},
    {NULL, NULL, false, NULL},
};

const ism_importer *ism_importer_find(const char *kind)
{
    for (const ism_importer *im = ism_importers; kind && im->kind; im++)
        if (strcmp(im->kind, kind) == 0) return im;
    return NULL;
}

/* ---- problems ------------------------------------------------------------------------------- */

/* Problems beyond this many are counted, not listed: one broken column can produce thousands,
 * and the first few hundred already say what is wrong. */
#define MAX_LISTED 300

void ism_imp_log_init(ism_imp_log *lg, const char *file)
{
    lg->file = file;
    lg->problems = json_array();
    lg->warnings = json_array();
    lg->dropped = 0;
    lg->text_bytes = 0;
    lg->text_over = false;
}

void ism_imp_log_free(ism_imp_log *lg)
{
    json_decref(lg->problems);
    json_decref(lg->warnings);
    lg->problems = lg->warnings = NULL;
}

static json_t *entry(const ism_imp_log *lg, const ism_imp_where *w, const char *value,
                     const char *msg)
{
    json_t *o = json_object();
    if (lg->file) json_object_set_new(o, "file", json_string(lg->file));
    if (w && w->sheet) json_object_set_new(o, "sheet", json_string(w->sheet));
    if (w && w->row) json_object_set_new(o, "row", json_integer(w->row));
    if (w && w->col) {
        char letters[4];
        ism_col_name(w->col, letters);
        json_object_set_new(o, "column", json_string(letters));
    }
    if (w && w->field) json_object_set_new(o, "field", json_string(w->field));
    if (value) {
        char clip[160];
        ism_tbl_clip(value, clip, sizeof clip);
        ism_tbl_utf8_scrub(clip);
        json_object_set_new(o, "value", json_string(clip));
    }
    char *m = strdup(msg);
    ism_tbl_utf8_scrub(m);
    json_object_set_new(o, "message", json_string(m));
    free(m);
    return o;
}

void ism_imp_problem(ism_imp_log *lg, const ism_imp_where *w, const char *value, const char *fmt,
                     ...)
{
    if (json_array_size(lg->problems) >= MAX_LISTED) {
        lg->dropped++;
        return;
    }
    char *msg = NULL; /* whole: a name quoted in it is never cut mid-character */
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    json_array_append_new(lg->problems, entry(lg, w, value, n < 0 ? "(out of memory)" : msg));
    if (n >= 0) free(msg);
}

void ism_imp_warn(ism_imp_log *lg, const ism_imp_where *w, const char *value, const char *code,
                  const char *fmt, ...)
{
    if (json_array_size(lg->warnings) >= MAX_LISTED) return;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    json_t *o = entry(lg, w, value, n < 0 ? "(out of memory)" : msg);
    if (n >= 0) free(msg);
    json_object_set_new(o, "code", json_string(code));
    json_array_append_new(lg->warnings, o);
}

/* "file.xlsx, sheet 別紙, row 12, column D" for the first problem in the error message.
 * Caller frees. */
static char *place(const json_t *p)
{
    const char *file = ism_json_getstr(p, "file"), *sheet = ism_json_getstr(p, "sheet");
    const char *column = ism_json_getstr(p, "column"), *field = ism_json_getstr(p, "field");
    json_int_t row = json_integer_value(json_object_get(p, "row"));
    char rows[32] = "";
    if (row) snprintf(rows, sizeof rows, ", row %lld", (long long)row);
    return ism_strdupf("%s%s%s%s%s%s%s%s%s", file ? file : "input", sheet ? ", sheet " : "",
                       sheet ? sheet : "", rows, column ? ", column " : "", column ? column : "",
                       field ? " (" : "", field ? field : "", field ? ")" : "");
}

bool ism_imp_failed(ism_imp_log *lg, ism_error *err)
{
    size_t n = json_array_size(lg->problems);
    if (n == 0) return false;
    json_t *first = json_array_get(lg->problems, 0);
    char *where = place(first);
    const char *value = ism_json_getstr(first, "value");
    ism_error_set(
        err, ISM_E_INVALID_DATA, "%zu problem%s; nothing was imported. First: %s%s: %s%s%s%s",
        n + lg->dropped, n + lg->dropped == 1 ? "" : "s", where ? where : "input",
        where && ism_json_getstr(first, "field") ? ")" : "", ism_json_getstr(first, "message"),
        value ? " (value '" : "", value ? value : "", value ? "')" : "");
    free(where);
    size_t i;
    json_t *p;
    json_array_foreach(lg->problems, i, p) ism_error_detail(err, json_incref(p));
    if (lg->dropped)
        ism_error_detail(err, json_pack("{s:s?, s:s}", "file", lg->file, "message",
                                        "further problems not listed"));
    return true;
}

/* ---- input ---------------------------------------------------------------------------------- */

ism_imp_format ism_imp_sniff(const char *data, size_t len)
{
    if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) return ISM_IMP_XLSX;
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i < len && (data[i] == '{' || data[i] == '[') ? ISM_IMP_JSON : ISM_IMP_CSV;
}

const char *ism_imp_format_name(ism_imp_format f)
{
    return f == ISM_IMP_XLSX ? "xlsx" : f == ISM_IMP_JSON ? "json" : "csv";
}

void ism_imp_limits(ism_table_limits *lim)
{
    ism_table_limits_default(lim);
    lim->max_total_bytes = 64u << 20;
    lim->max_entry_bytes = 32u << 20;
    lim->max_sheets = 64;
    lim->max_rows = 100000;
    lim->max_cols = 256;
    lim->max_cells = 1000000;
    lim->max_shared_strings = 500000;
    lim->max_string_bytes = 64u << 10;
}

const char *ism_imp_opt(const ism_import_ctx *ctx, const char *key)
{
    return ism_json_getstr(ctx->options, key);
}

static bool parse_encoding(const char *s, ism_text_encoding *enc, ism_error *err)
{
    static const struct {
        const char *name;
        ism_text_encoding enc;
    } names[] = {{"auto", ISM_ENC_AUTO},        {"utf-8", ISM_ENC_UTF8},
                 {"utf8", ISM_ENC_UTF8},        {"cp932", ISM_ENC_CP932},
                 {"shift_jis", ISM_ENC_CP932},  {"sjis", ISM_ENC_CP932},
                 {"utf-16le", ISM_ENC_UTF16LE}, {"utf-16be", ISM_ENC_UTF16BE}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *enc = names[i].enc;
            return true;
        }
    return ism_error_set(err, ISM_E_INVALID_PARAMS,
                         "option 'encoding' must be auto, utf-8, cp932 (shift_jis), utf-16le or "
                         "utf-16be, not '%s'",
                         s);
}

static ism_workbook *read_table(const ism_import_ctx *ctx, uint32_t max_rows, ism_error *err);

ism_workbook *ism_imp_read_table(const ism_import_ctx *ctx, ism_error *err)
{
    return ism_imp_read_table_max(ctx, 0, NULL, err);
}

/* Nothing but a byte-order mark and white space. */
static bool blank_bytes(const char *d, size_t n)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3))
        i = 3;
    else if (n >= 2 && (!memcmp(d, "\xFF\xFE", 2) || !memcmp(d, "\xFE\xFF", 2)))
        i = 2;
    for (; i < n; i++)
        if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r' && d[i] != '\n' && d[i] != '\0')
            return false;
    return true;
}

ism_workbook *ism_imp_read_table_max(const ism_import_ctx *ctx, uint32_t max_rows, const char *what,
                                     ism_error *err)
{
    if (blank_bytes(ctx->data, ctx->len))
        return ism_error_set(err, ISM_E_INVALID_DATA, "%s is an empty file (%zu bytes, no text)",
                             ctx->name, ctx->len),
               NULL;
    ism_workbook *wb = read_table(ctx, max_rows, err);
    size_t rows = 0;
    for (size_t i = 0; wb && i < wb->nsheets; i++)
        rows += wb->sheets[i].nrows;
    if (wb && !rows) {
        ism_error_set(err, ISM_E_INVALID_DATA, "%s is empty: %s", ctx->name,
                      wb->nsheets > 1 ? "no sheet holds a value" : "its sheet holds no value");
        ism_workbook_free(wb);
        return NULL;
    }
    if (!wb && max_rows && err && err->code == ISM_E_TOO_LARGE &&
        strstr(err->message, "max_rows")) {
        char reader[ISM_ERRMSG_MAX]; /* the reader's message names the sheet and the row */
        memcpy(reader, err->message, sizeof reader);
        ism_error_set(err, ISM_E_TOO_LARGE,
                      "more than %u rows, far more than %s has; refused before being read "
                      "whole: %s",
                      max_rows, what ? what : "this kind of evidence", reader);
    }
    return wb;
}

static ism_workbook *read_table(const ism_import_ctx *ctx, uint32_t max_rows, ism_error *err)
{
    ism_table_limits lim;
    ism_imp_limits(&lim);
    if (max_rows) lim.max_rows = max_rows;
    if (ism_imp_sniff(ctx->data, ctx->len) == ISM_IMP_XLSX)
        return ism_xlsx_read_mem(ctx->data, ctx->len, ctx->name, &lim, err);
    if (ctx->len >= 8 && memcmp(ctx->data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
        ism_error_set(err, ISM_E_INVALID_DATA,
                      "%s is a legacy Excel (.xls) or password-protected workbook; save it as "
                      ".xlsx without a password and import that",
                      ctx->name);
        return NULL;
    }
    ism_csv_options o = {0, ISM_ENC_AUTO};
    const char *enc = ism_imp_opt(ctx, "encoding"), *delim = ism_imp_opt(ctx, "delimiter");
    if (enc && !parse_encoding(enc, &o.encoding, err)) return NULL;
    if (delim) {
        if (!strcmp(delim, "tab") || !strcmp(delim, "\t"))
            o.delimiter = '\t';
        else if (!strcmp(delim, ",") || !strcmp(delim, ";"))
            o.delimiter = delim[0];
        else
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "option 'delimiter' must be \",\", \";\" or \"tab\""),
                   NULL;
    }
    return ism_csv_read_mem(ctx->data, ctx->len, ctx->name, &o, &lim, err);
}

json_t *ism_imp_read_json(const ism_import_ctx *ctx, ism_error *err)
{
    size_t skip = ctx->len >= 3 && memcmp(ctx->data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    json_error_t je;
    json_t *j = json_loadb(ctx->data + skip, ctx->len - skip, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        ism_error_set(err, ISM_E_INVALID_DATA, "%s is not valid JSON: %s (line %d, column %d)",
                      ctx->name, je.text, je.line, je.column);
        ism_error_detail(err, json_pack("{s:s, s:i, s:i, s:s}", "file", ctx->name, "line", je.line,
                                        "column", je.column, "message", je.text));
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        ism_error_set(err, ISM_E_INVALID_DATA, "%s: the JSON must be an object", ctx->name);
        return NULL;
    }
    return j;
}

/* ---- columns by header text ------------------------------------------------------------------ */

char *ism_imp_key(const char *s)
{
    char *f = ism_text_fold(s ? s : "", ISM_FOLD_CASE);
    if (!f) return NULL;
    char *o = f;
    for (const char *p = f; *p; p++)
        if (*p != ' ') *o++ = *p;
    *o = '\0';
    return f;
}

const char *ism_imp_alias_lookup(const char *s, const ism_imp_alias *map, size_t n)
{
    char *k = ism_imp_key(s);
    const char *out = NULL;
    for (size_t i = 0; k && i < n && !out; i++)
        if (!strcmp(k, map[i].from)) out = map[i].to;
    free(k);
    return out;
}

/* 2 when the header text equals an alias, 1 when it starts with one, else 0. */
static int alias_match(const char *key, const ism_imp_colspec *sp)
{
    int best = 0;
    for (const char *const *a = sp->aliases; *a && best < 2; a++) {
        char *ak = ism_imp_key(*a);
        size_t n = strlen(ak);
        if (n && strcmp(key, ak) == 0)
            best = 2;
        else if (n && strncmp(key, ak, n) == 0)
            best = 1;
        free(ak);
    }
    return best;
}

const char *ism_imp_group_above(const ism_sheet *sh, uint32_t row, uint32_t col)
{
    if (row < 2) return NULL;
    const ism_merge *m = ism_sheet_merge_at(sh, row - 1, col);
    if (!m || m->last_col == m->first_col || m->last_row >= row) return NULL;
    return ism_sheet_merged_value(sh, row - 1, col);
}

int ism_imp_cand_cmp(const void *a, const void *b)
{
    const ism_imp_cand *x = a, *y = b;
    if (x->quality != y->quality) return y->quality - x->quality;
    return x->col < y->col ? -1 : x->col > y->col;
}

static void add_cands(ism_imp_cand **cs, size_t *n, size_t *cap, const char *text, bool group,
                      uint32_t col, const ism_imp_colspec *specs, int nspecs)
{
    char *key = ism_imp_key(text);
    for (int s = 0; key && *key && s < nspecs; s++) {
        int m = alias_match(key, &specs[s]);
        if (!m) continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 32;
            *cs = realloc(*cs, *cap * sizeof **cs);
        }
        (*cs)[(*n)++] = (ism_imp_cand){(m == 2 ? 3 : 1) + (group ? 1 : 0), col, s};
    }
    free(key);
}

/* Matches one row's cells to specs greedily, best matches first, one column per spec. */
static void match_row(const ism_sheet *sh, uint32_t rownum, const ism_imp_colspec *specs,
                      int nspecs, bool merged, ism_imp_header *h)
{
    memset(h, 0, sizeof *h);
    h->row = rownum;
    const ism_row *row = ism_sheet_row(sh, rownum);
    uint32_t maxcol = row && row->ncells ? row->cells[row->ncells - 1].col : 0;
    for (size_t i = 0; i < sh->nmerges; i++)
        if (sh->merges[i].first_row <= rownum && sh->merges[i].last_row >= rownum &&
            sh->merges[i].last_col > maxcol)
            maxcol = sh->merges[i].last_col;
    if (maxcol > 256) maxcol = 256;
    ism_imp_cand *cs = NULL;
    size_t n = 0, cap = 0;
    for (uint32_t c = 1; c <= maxcol; c++) {
        const char *t = merged ? ism_sheet_merged_value(sh, rownum, c) : ism_row_value(row, c);
        if (!*t) continue;
        add_cands(&cs, &n, &cap, t, false, c, specs, nspecs);
        const char *g = merged ? ism_imp_group_above(sh, rownum, c) : NULL;
        if (g && *g) {
            char *both = ism_strdupf("%s%s", g, t);
            add_cands(&cs, &n, &cap, both, true, c, specs, nspecs);
            free(both);
        }
    }
    if (n) qsort(cs, n, sizeof *cs, ism_imp_cand_cmp);
    bool used[257] = {false};
    for (size_t i = 0; i < n; i++) {
        if (h->col[cs[i].spec] || used[cs[i].col]) continue;
        h->col[cs[i].spec] = cs[i].col;
        used[cs[i].col] = true;
        h->found++;
    }
    free(cs);
    for (int s = 0; s < nspecs; s++)
        if (specs[s].required && !h->col[s]) h->missing_required++;
}

bool ism_imp_find_header(const ism_sheet *sh, const ism_imp_colspec *specs, int n,
                         uint32_t scan_rows, ism_imp_header *out)
{
    ism_imp_header best = {0}, h;
    for (size_t i = 0; i < sh->nrows && sh->rows[i].num <= scan_rows; i++) {
        match_row(sh, sh->rows[i].num, specs, n, true, &h);
        /* Only the first header block counts: a header printed again further down must
         * not make the rows above it disappear. */
        if (best.found >= 2 && h.found < 2) break;
        /* Fewer missing required columns first, then more columns found; later rows win ties
         * so that a two-row header resolves to its lower row. */
        if (h.found >= 2 &&
            (best.found < 2 || h.missing_required < best.missing_required ||
             (h.missing_required == best.missing_required && h.found >= best.found)))
            best = h;
    }
    /* Rows vertically merged into the header block but holding no text of their own end
     * up as data rows; they hold nothing, so importers skip them anyway. */
    *out = best;
    return best.found >= 2;
}

bool ism_imp_repeats_header(const ism_sheet *sh, const ism_row *row, const ism_imp_colspec *specs,
                            int n, const ism_imp_header *h)
{
    ism_imp_header r;
    match_row(sh, row->num, specs, n, false, &r);
    int same = 0;
    for (int s = 0; s < n; s++)
        if (r.col[s] && r.col[s] == h->col[s]) same++;
    /* Two header texts back in their own columns: one alone may be a value ("適用"). */
    return same >= 2;
}

char *ism_imp_missing_names(const ism_imp_colspec *specs, int n, const ism_imp_header *h)
{
    char *out = strdup("");
    for (int s = 0; s < n; s++) {
        if (!specs[s].required || h->col[s]) continue;
        char *next = ism_strdupf("%s%s%s", out, *out ? ", " : "", specs[s].aliases[0]);
        free(out);
        out = next;
    }
    return out;
}

/* ---- cells ----------------------------------------------------------------------------------- */

const char *ism_imp_cell(ism_imp_log *lg, const ism_sheet *sh, uint32_t row, uint32_t col,
                         const char *field, bool merged)
{
    if (!col) return "";
    const ism_cell *c = merged ? ism_sheet_merged_cell(sh, row, col) : ism_sheet_cell(sh, row, col);
    if (!c) return "";
    ism_imp_where w = {sh->name, c->row, c->col, field};
    if (c->type == ISM_CELL_UNCACHED || c->formula) {
        ism_imp_problem(lg, &w, c->raw && *c->raw ? c->raw : c->value,
                        "cell %s holds a formula; evidence must be values, not formulas that can "
                        "change: copy the column and paste it as values, then import again",
                        c->ref);
        return "";
    }
    if (c->type == ISM_CELL_ERROR) {
        ism_imp_problem(lg, &w, c->value, "cell %s holds the error value %s", c->ref, c->value);
        return "";
    }
    /* Importers copy what they read; a few cells pointing at one long shared string would
     * otherwise multiply a small file into gigabytes. Past the budget every cell reads "". */
    size_t n = strlen(c->value);
    if (lg->text_over) return "";
    if (n > ISM_IMP_MAX_TEXT - lg->text_bytes) {
        lg->text_over = true;
        ism_imp_problem(lg, &w, NULL,
                        "the cells read so far hold more than %u MiB of text "
                        "(max_import_text=%u bytes), more than any evidence file of this kind "
                        "needs; the rest of the file was not read",
                        ISM_IMP_MAX_TEXT >> 20, ISM_IMP_MAX_TEXT);
        return "";
    }
    lg->text_bytes += n;
    return c->value;
}

/* Whether s[0, n) is a date as ism_text_parse_date reads it. */
static bool is_date_n(const char *s, size_t n)
{
    char *t = strndup(s, n), out[11];
    ism_error e = {0};
    bool ok = t && ism_text_parse_date(t, out, &e);
    free(t);
    ism_error_clear(&e);
    return ok;
}

const char *ism_imp_period_end_text(const char *s)
{
    static const char *const seps[] = {"～", "〜", "~", "から", " - ", " – ", " — ", "－", NULL};
    const char *last = s;
    for (int i = 0; seps[i]; i++) {
        const char *p = strstr(s, seps[i]);
        if (p && p + strlen(seps[i]) > last) last = p + strlen(seps[i]);
    }
    if (last != s) return last;
    /* "2024-04-01-2025-03-31", "2024/4/1-2025/3/31": the hyphen with a date on each side */
    for (const char *p = strchr(s, '-'); p; p = strchr(p + 1, '-')) {
        const char *b = p + 1;
        while (*b == ' ')
            b++;
        if (is_date_n(s, (size_t)(p - s)) && is_date_n(b, strlen(b))) return b;
    }
    return s;
}

bool ism_imp_text_date(ism_imp_log *lg, const ism_imp_where *w, const char *s, char out[11])
{
    if (ism_imp_blank(s)) return false;
    ism_error e = {0};
    if (ism_text_is_number(s)) {
        ism_imp_problem(
            lg, w, s,
            "'%s' is a number, not a date (an Excel date serial that lost its format?); "
            "write the date as 2025-03-31 or 令和7年3月31日",
            s);
        return false;
    }
    if (ism_text_parse_date(s, out, &e)) return true;
    ism_imp_problem(lg, w, s, "not a date: %s", e.message);
    ism_error_clear(&e);
    return false;
}

bool ism_imp_cell_date(ism_imp_log *lg, const ism_workbook *wb, const ism_sheet *sh, uint32_t row,
                       uint32_t col, const char *field, char out[11])
{
    const ism_cell *c = col ? ism_sheet_merged_cell(sh, row, col) : NULL;
    const char *v = ism_imp_cell(lg, sh, row, col, field, true);
    if (!c || !*v) return false;
    ism_imp_where w = {sh->name, c->row, c->col, field};
    if (c->type == ISM_CELL_DATE) {
        if (strlen(v) >= 10 && v[4] == '-') {
            memcpy(out, v, 10);
            out[10] = '\0';
            return true;
        }
        ism_imp_problem(lg, &w, v, "cell %s holds a time, not a date", c->ref);
        return false;
    }
    if (c->type == ISM_CELL_NUMBER && wb->format == ISM_TABLE_XLSX) {
        char iso[24];
        double serial = strtod(c->raw ? c->raw : v, NULL);
        if (serial >= 1 && serial < 2958466 && serial == (double)(long)serial &&
            ism_xlsx_serial_to_iso(serial, wb->date1904, ISM_NUMFMT_DATE, iso)) {
            memcpy(out, iso, 10);
            out[10] = '\0';
            ism_imp_warn(lg, &w, v, "date_serial",
                         "cell %s holds the number %s without a date format; read as the Excel "
                         "date %s",
                         c->ref, v, out);
            return true;
        }
    }
    return ism_imp_text_date(lg, &w, v, out);
}

bool ism_imp_yesno(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "y",    "true",       "1",        "適用", "はい",
                                      "有",  "あり", "applicable", "included", NULL};
    static const char *const no[] = {"no",       "n",      "false",  "0",    "除外",
                                     "適用除外", "いいえ", "無",     "なし", "not applicable",
                                     "excluded", "対象外", "非該当", NULL};
    ism_answer_mark m = ism_text_answer_mark(s);
    if (m == ISM_MARK_YES) return *out = true, true;
    if (m == ISM_MARK_NO) return *out = false, true;
    char *f = ism_text_fold(s, ISM_FOLD_CASE);
    bool found = false;
    for (int i = 0; yes[i] && !found; i++)
        if (!strcmp(f, yes[i])) *out = true, found = true;
    for (int i = 0; no[i] && !found; i++)
        if (!strcmp(f, no[i])) *out = false, found = true;
    free(f);
    return found;
}

/* ---- "field, value" rows ----------------------------------------------------------------------
 */

static int kv_spec(const char *name, const ism_imp_kvspec *specs, int n)
{
    char *k = ism_imp_key(name);
    int hit = -1;
    for (int s = 0; s < n && hit < 0; s++)
        for (const char *const *a = specs[s].aliases; *a && hit < 0; a++) {
            char *ak = ism_imp_key(*a);
            if (!strcmp(k, ak)) hit = s;
            free(ak);
        }
    free(k);
    return hit;
}

/* A date field's value: an XLSX number is a serial that lost its date format. */
static const char *kv_value(ism_imp_log *lg, const ism_workbook *wb, const ism_sheet *sh,
                            const ism_cell *c, bool date, char buf[24])
{
    if (!date || c->type != ISM_CELL_NUMBER || wb->format != ISM_TABLE_XLSX || c->formula)
        return c->value;
    double serial = strtod(c->raw ? c->raw : c->value, NULL);
    if (serial < 1 || serial >= 2958466 || serial != (double)(long)serial ||
        !ism_xlsx_serial_to_iso(serial, wb->date1904, ISM_NUMFMT_DATE, buf))
        return c->value;
    ism_imp_where w = {sh->name, c->row, c->col, NULL};
    ism_imp_warn(lg, &w, c->value, "date_serial",
                 "cell %s holds the number %s without a date format; read as the Excel date %s",
                 c->ref, c->value, buf);
    return buf;
}

static void kv_row(ism_imp_log *lg, const ism_workbook *wb, const ism_sheet *sh, const ism_row *row,
                   const ism_imp_kvspec *specs, int n, json_t *out, json_t *where)
{
    const char *name = ism_row_value(row, 1);
    const ism_cell *vc = ism_row_cell(row, 2);
    if (ism_imp_blank(name)) return;
    int s = kv_spec(name, specs, n);
    const char *raw = vc ? ism_imp_cell(lg, sh, row->num, 2, name, false) : "";
    if (s < 0) {
        /* A "項目, 値" heading row names the columns, not a field. */
        static const char *const heads[] = {"項目", "項目名", "field", "key", "name", NULL};
        bool heading = false;
        char *k = ism_imp_key(name);
        for (int i = 0; heads[i]; i++)
            heading = heading || !strcmp(k, heads[i]);
        free(k);
        if (!heading && !ism_imp_blank(raw)) {
            ism_imp_where w = {sh->name, row->num, 1, NULL};
            ism_imp_warn(lg, &w, name, "unknown_field", "unknown field '%s' was not read", name);
        }
        return;
    }
    char buf[24];
    char *v = ism_imp_trim(*raw ? kv_value(lg, wb, sh, vc, specs[s].date, buf) : "");
    json_t *at = json_pack("{s:s, s:i, s:i}", "sheet", sh->name, "row", row->num, "col", 2);
    const char *key = specs[s].key;
    if (specs[s].repeat) {
        if (!json_object_get(out, key)) {
            json_object_set_new(out, key, json_array());
            json_object_set_new(where, key, json_array());
        }
        if (*v) {
            json_array_append_new(json_object_get(out, key), json_string(v));
            json_array_append(json_object_get(where, key), at);
        }
    } else if (json_object_get(out, key)) {
        ism_imp_where w = {sh->name, row->num, 2, name};
        ism_imp_problem(lg, &w, v, "field '%s' is given twice", name);
    } else if (*v) {
        json_object_set_new(out, key, json_string(v));
        json_object_set(where, key, at);
    }
    json_decref(at);
    free(v);
}

void ism_imp_read_kv(ism_imp_log *lg, const ism_workbook *wb, const ism_imp_kvspec *specs, int n,
                     const uint32_t *stop_rows, json_t *out, json_t *where)
{
    for (size_t s = 0; s < wb->nsheets; s++) {
        const ism_sheet *sh = &wb->sheets[s];
        if (sh->state != ISM_SHEET_VISIBLE) continue;
        uint32_t stop = stop_rows ? stop_rows[s] : 0;
        for (size_t i = 0; i < sh->nrows && (!stop || sh->rows[i].num < stop); i++)
            kv_row(lg, wb, sh, &sh->rows[i], specs, n, out, where);
    }
}

ism_imp_where ism_imp_kv_where(const json_t *where, const char *key, size_t index)
{
    json_t *w = json_object_get(where, key);
    if (json_is_array(w)) w = json_array_get(w, index);
    if (!json_is_object(w)) return (ism_imp_where){NULL, 0, 0, key};
    return (ism_imp_where){ism_json_getstr(w, "sheet"),
                           (uint32_t)json_integer_value(json_object_get(w, "row")),
                           (uint32_t)json_integer_value(json_object_get(w, "col")), key};
}

/* ---- dates ----------------------------------------------------------------------------------- */

/* Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static unsigned month_days(long y, unsigned m)
{
    static const unsigned md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : md[m - 1];
}

/* Years are 1583..9999 here, so the bounds only quiet the compiler's truncation analysis. */
static void fmt_date(long y, unsigned m, unsigned d, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(y < 0 ? 0 : y % 10000), m % 100, d % 100);
}

static bool split_date(const char *s, long *y, unsigned *m, unsigned *d)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    *y = strtol(s, NULL, 10);
    *m = (unsigned)strtol(s + 5, NULL, 10);
    *d = (unsigned)strtol(s + 8, NULL, 10);
    return *y >= 1583 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= month_days(*y, *m);
}

bool ism_imp_days(const char *iso, long *days)
{
    long y;
    unsigned m, d;
    if (!split_date(iso, &y, &m, &d)) return false;
    *days = days_from_civil(y, m, d);
    return true;
}

void ism_imp_from_days(long z, char out[11])
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    fmt_date(y + (m <= 2), m, d, out);
}

bool ism_imp_add_days(const char *iso, long n, char out[11])
{
    long d;
    if (!ism_imp_days(iso, &d)) return false;
    ism_imp_from_days(d + n, out);
    return true;
}

bool ism_imp_period_end(const char *start, int months, char out[11])
{
    long y;
    unsigned m, d;
    if (!split_date(start, &y, &m, &d)) return false;
    long total = y * 12 + (long)(m - 1) + months;
    long ty = total / 12;
    unsigned tm = (unsigned)(total % 12) + 1;
    if (d > month_days(ty, tm)) {
        /* No corresponding day in the last month: the period ends on that month's last day. */
        fmt_date(ty, tm, month_days(ty, tm), out);
        return true;
    }
    ism_imp_from_days(days_from_civil(ty, tm, d) - 1, out);
    return true;
}

void ism_imp_today(char out[11])
{
    time_t now = time(NULL) + 9 * 3600;
    struct tm tmv;
    gmtime_r(&now, &tmv);
    fmt_date(tmv.tm_year + 1900, (unsigned)tmv.tm_mon + 1, (unsigned)tmv.tm_mday, out);
}

void ism_imp_ctx_today(const ism_import_ctx *ctx, char out[11])
{
    long d;
    if (ctx->today && ism_imp_days(ctx->today, &d))
        ism_strlcpy(out, ctx->today, 11);
    else
        ism_imp_today(out);
}

/* ---- text ------------------------------------------------------------------------------------ */

/* The trimmed part of s: *n bytes from the returned pointer. */
static const char *trimmed(const char *s, size_t *n)
{
    s = s ? s : "";
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (strncmp(s, "\xE3\x80\x80", 3)) break; /* ideographic space */
        s += 3;
    }
    size_t len = strlen(s);
    for (;;) {
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                       s[len - 1] == '\n'))
            len--;
        if (len < 3 || memcmp(s + len - 3, "\xE3\x80\x80", 3)) break;
        len -= 3;
    }
    *n = len;
    return s;
}

char *ism_imp_trim(const char *s)
{
    size_t n;
    s = trimmed(s, &n);
    return strndup(s, n);
}

struct ism_imp_strblock {
    struct ism_imp_strblock *next;
    size_t used, cap;
    char data[];
};

char *ism_imp_strings_trim(ism_imp_strings *a, const char *s)
{
    size_t n;
    s = trimmed(s, &n);
    struct ism_imp_strblock *b = a->head;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > (256u << 10) ? n + 1 : (256u << 10);
        struct ism_imp_strblock *nb = malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->used = 0, nb->cap = cap, nb->next = b;
        a->head = b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = '\0';
    b->used += n + 1;
    return p;
}

void ism_imp_strings_free(ism_imp_strings *a)
{
    for (struct ism_imp_strblock *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

bool ism_imp_blank(const char *s)
{
    if (!s || !*s) return true;
    char *f = ism_text_fold(s, 0);
    bool blank = !f || !*f;
    free(f);
    return blank;
}

/* ---- storing ----------------------------------------------------------------------------------
 */

bool ism_imp_keep_bytes(const char *files_dir, const void *data, size_t len, char sha[65],
                        ism_error *err)
{
    ism_sha256_hex(data, len, sha);
    if (!files_dir) return true;
    char dir[4200], dest[4300], tmp[4400];
    snprintf(dir, sizeof dir, "%s/%.2s", files_dir, sha);
    snprintf(dest, sizeof dest, "%s/%s", dir, sha);
    if (!ism_mkdirs(dir, 0700, err)) return false;
    struct stat sb;
    if (stat(dest, &sb) == 0 && (size_t)sb.st_size == len) return true; /* stored once */
    /* Temporary name, fsync, rename: a crash never leaves a partial file under the content's
     * name. The caller's file name is never part of any path. */
    char rnd[8], hex[17];
    ism_random_bytes(rnd, sizeof rnd);
    ism_hex(rnd, sizeof rnd, hex);
    snprintf(tmp, sizeof tmp, "%s.tmp.%s", dest, hex);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return ism_error_set(err, ISM_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    bool ok = true;
    for (size_t off = 0; ok && off < len;) {
        ssize_t n = write(fd, (const char *)data + off, len - off);
        if (n <= 0)
            ok = ism_error_set(err, ISM_E_IO, "writing %s: %s", tmp, strerror(errno));
        else
            off += (size_t)n;
    }
    if (ok && fsync(fd) != 0) ok = ism_error_set(err, ISM_E_IO, "fsync %s", tmp);
    close(fd);
    if (ok && rename(tmp, dest) != 0) ok = ism_error_set(err, ISM_E_IO, "rename to %s", dest);
    if (!ok) unlink(tmp);
    return ok;
}

json_t *ism_imp_store(const ism_import_ctx *ctx, ism_evidence_new *ev, ism_imp_log *lg,
                      ism_error *err)
{
    /* Validated before anything is written: what is stored must read back. */
    const struct {
        const char *what, *s;
    } texts[] = {{"the file name", ctx->name}, {"the key", ev->key}, {"the title", ev->title}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t bad = 0;
        if (texts[i].s && !ism_text_utf8_valid(texts[i].s, strlen(texts[i].s), &bad))
            return ism_error_set(err, ISM_E_INVALID_DATA,
                                 "%s is not valid UTF-8 (byte %zu); nothing was imported",
                                 texts[i].what, bad),
                   NULL;
    }
    char sha[65];
    if (!ism_imp_keep_bytes(ctx->files_dir, ctx->data, ctx->len, sha, err)) return NULL;
    ev->subject = ctx->subject;
    ev->org = ctx->org ? ctx->org : "";
    ev->source_name = ctx->name;
    ev->source_sha256 = sha;
    ev->source_size = (long long)ctx->len;
    ev->imported_by = ctx->who ? ctx->who : "local";
    ev->warnings = lg->warnings;
    json_t *row = ism_evidence_add(ctx->store, ev, err);
    if (!row) return NULL;
    return json_pack("{s:o, s:O, s:O}", "evidence", row, "warnings", lg->warnings, "summary",
                     ev->summary ? (json_t *)ev->summary : json_null());
}
