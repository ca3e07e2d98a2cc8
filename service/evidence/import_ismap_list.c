/* import_ismap_list.c — the ISMAP / ISMAP-LIU cloud service list: imported from the published
 * CSV or XLSX (columns found by header text, or named with a header map, since the published
 * columns change), kept installation-wide, and looked up by provider and service name with
 * width, spacing and corporate forms folded away. A registration is valid 1 year 4 months from
 * the day after its audit period ends, unless the list gives an expiry. */
#include "import_int.h"
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

enum {
    LF_REGNO,
    LF_SERVICE,
    LF_PROVIDER,
    LF_LIST,
    LF_REGDATE,
    LF_AUDITEND,
    LF_EXPIRY,
    LF_REGIONS,
    LF_COUNT
};

static const char *const a_regno[] = {"登録番号", "登録No", "registration number", "reg_no", NULL};
static const char *const a_service[] = {"クラウドサービスの名称",
                                        "クラウドサービス名称",
                                        "サービス名称",
                                        "サービス名",
                                        "service",
                                        NULL};
static const char *const a_provider[] = {"クラウドサービス事業者名",
                                         "クラウドサービス事業者",
                                         "事業者名",
                                         "申請者名",
                                         "申請者",
                                         "提供事業者",
                                         "法人名",
                                         "provider",
                                         NULL};
static const char *const a_list[] = {"リスト", "掲載リスト", "区分", "種別", "list", NULL};
static const char *const a_regdate[] = {"登録日", "登録年月日", "registration date", NULL};
static const char *const a_auditend[] = {"監査対象期間の終了日",
                                         "監査対象期間終了日",
                                         "外部監査の対象期間",
                                         "監査対象期間",
                                         "監査期間",
                                         "audit period end",
                                         "audit_end",
                                         NULL};
static const char *const a_expiry[] = {"有効期限", "登録有効期限", "有効期間の終了日",
                                       "expiry",   "valid until",  NULL};
static const char *const a_regions[] = {
    "データセンターの所在地", "データセンター所在地", "リージョン", "所在地", "regions", NULL};

static const char *const field_names[LF_COUNT] = {"reg_no",   "service",   "provider", "list",
                                                  "reg_date", "audit_end", "expiry",   "regions"};
static const char *const *const default_aliases[LF_COUNT] = {
    a_regno, a_service, a_provider, a_list, a_regdate, a_auditend, a_expiry, a_regions};

/* ---- names ------------------------------------------------------------------------------------
 */

/* The corporate form a token or a word names, as its Japanese name: the English forms are the
 * ones these companies register (株式会社 = K.K., Inc., Co., Ltd., Corp.; 合同会社 = G.K., LLC).
 * NULL when t is not a form. */
static const char *corporate_token(const char *t)
{
    static const struct {
        const char *t, *form;
    } forms[] = {{"inc", "株式会社"},   {"inc.", "株式会社"},        {"incorporated", "株式会社"},
                 {"co", "株式会社"},    {"co.", "株式会社"},         {"ltd", "株式会社"},
                 {"ltd.", "株式会社"},  {"limited", "株式会社"},     {"corp", "株式会社"},
                 {"corp.", "株式会社"}, {"corporation", "株式会社"}, {"k.k.", "株式会社"},
                 {"kk", "株式会社"},    {"plc", "株式会社"},         {"g.k.", "合同会社"},
                 {"gk", "合同会社"},    {"llc", "合同会社"},         {"l.l.c.", "合同会社"}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (!strcmp(t, forms[i].t)) return forms[i].form;
    return NULL;
}

/* Removes every `what` from s; true when there was one. */
static bool remove_all(char *s, const char *what)
{
    size_t n = strlen(what);
    bool found = false;
    for (char *p = strstr(s, what); p; p = strstr(p, what)) {
        memmove(p, p + n, strlen(p + n) + 1);
        found = true;
    }
    return found;
}

char *ism_ismap_name_key(const char *name)
{
    char *f = ism_text_fold(name ? name : "", ISM_FOLD_CASE);
    if (!f) return NULL;
    for (char *p = f; *p; p++)
        if (*p == ',') *p = ' ';
    /* room for the name and " " + one form */
    char *out = calloc(1, strlen(f) + 16), *save = NULL;
    if (!out) return free(f), NULL;
    const char *form = NULL;
    for (char *t = strtok_r(f, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        const char *tf = corporate_token(t);
        if (!tf)
            strcat(out, t);
        else if (!form)
            form = tf;
    }
    free(f);
    static const struct {
        const char *text, *form;
    } jp[] = {{"株式会社", "株式会社"}, {"(株)", "株式会社"}, {"\xE3\x88\xB1" /* ㈱ */, "株式会社"},
              {"有限会社", "有限会社"}, {"(有)", "有限会社"}, {"\xE3\x88\xB2" /* ㈲ */, "有限会社"},
              {"合同会社", "合同会社"}, {"(同)", "合同会社"}, {"合資会社", "合資会社"},
              {"合名会社", "合名会社"}};
    for (size_t i = 0; i < sizeof jp / sizeof jp[0]; i++)
        if (remove_all(out, jp[i].text) && !form) form = jp[i].form;
    static const char *const punct[] = {"・", ".",  "-",  "_",  "/",  "(",  ")", "'",  "\"",
                                        "「", "」", "『", "』", "【", "】", "&", "＆", NULL};
    for (int i = 0; punct[i]; i++)
        remove_all(out, punct[i]);
    if (form && *out) {
        strcat(out, " ");
        strcat(out, form);
    }
    return out;
}

/* The name part of a key: up to the space before its form. */
static size_t key_base_len(const char *k)
{
    const char *sp = strchr(k, ' ');
    return sp ? (size_t)(sp - k) : strlen(k);
}

bool ism_ismap_name_match(const char *a, const char *b)
{
    if (!a || !b) return false;
    size_t na = key_base_len(a), nb = key_base_len(b);
    if (na != nb || memcmp(a, b, na)) return false;
    /* a name written without its form matches any form; two forms must be the same */
    return !a[na] || !b[nb] || !strcmp(a + na, b + nb);
}

bool ism_ismap_valid_until(const char *audit_end, char out[11])
{
    char start[11];
    return ism_imp_add_days(audit_end, 1, start) && ism_imp_period_end(start, 16, out);
}

/* ---- reading ----------------------------------------------------------------------------------
 */

typedef struct entry {
    uint32_t row;
    char *f[LF_COUNT];
    char reg_date[11], audit_end[11], expiry[11];
    const char *list;
} entry;

typedef struct ldoc {
    entry *e;
    size_t n, cap;
    ism_imp_strings strings; /* every entry's f[] */
    bool oom;
    const char *default_list;
    bool list_warned;
} ldoc;

static void ldoc_free(ldoc *d)
{
    ism_imp_strings_free(&d->strings);
    free(d->e);
}

/* The header map option: {"service": "サービス名称", ...} replaces the aliases of those fields. */
static bool build_specs(const ism_import_ctx *ctx, ism_imp_colspec specs[LF_COUNT],
                        const char *mapped[LF_COUNT][2], ism_imp_log *lg)
{
    for (int k = 0; k < LF_COUNT; k++)
        specs[k] = (ism_imp_colspec){field_names[k], default_aliases[k],
                                     k == LF_SERVICE || k == LF_PROVIDER};
    json_t *map = json_object_get(ctx->options, "map");
    const char *key;
    json_t *v;
    bool ok = true;
    json_object_foreach(map, key, v)
    {
        int k = 0;
        while (k < LF_COUNT && strcmp(field_names[k], key))
            k++;
        ism_imp_where w = {NULL, 0, 0, "map"};
        if (k == LF_COUNT || !json_is_string(v)) {
            ism_imp_problem(lg, &w, key,
                            "header map: '%s' is not a field (fields: reg_no, service, provider, "
                            "list, reg_date, audit_end, expiry, regions) or its header is not text",
                            key);
            ok = false;
            continue;
        }
        mapped[k][0] = json_string_value(v);
        mapped[k][1] = NULL;
        specs[k].aliases = mapped[k];
        specs[k].required = true; /* a mapped column must be there */
    }
    return ok;
}

static bool read_date_field(ism_imp_log *lg, const ism_workbook *wb, const ism_sheet *sh,
                            uint32_t row, uint32_t col, const char *field, char out[11])
{
    const ism_cell *c = col ? ism_sheet_merged_cell(sh, row, col) : NULL;
    if (c && c->type == ISM_CELL_STRING && !c->formula) {
        const char *end = ism_imp_period_end_text(c->value);
        if (end != c->value) {
            ism_imp_where w = {sh->name, row, col, field};
            return ism_imp_text_date(lg, &w, end, out);
        }
    }
    return ism_imp_cell_date(lg, wb, sh, row, col, field, out);
}

static const char *list_name(const char *s)
{
    char *k = ism_imp_key(s);
    const char *out = !k || !*k            ? NULL
                      : strstr(k, "liu")   ? "ISMAP-LIU"
                      : strstr(k, "ismap") ? "ISMAP"
                                           : "";
    free(k);
    return out;
}

static void read_entry(ldoc *d, ism_imp_log *lg, const ism_workbook *wb, const ism_sheet *sh,
                       const ism_row *row, const ism_imp_header *h, const ism_imp_colspec *specs)
{
    entry x = {.row = row->num};
    bool any = false;
    for (int k = 0; k < LF_COUNT; k++) {
        x.f[k] = ism_imp_strings_trim(
            &d->strings, ism_imp_cell(lg, sh, row->num, h->col[k], specs[k].aliases[0], true));
        if (!x.f[k]) {
            if (!d->oom) ism_imp_problem(lg, NULL, NULL, "out of memory reading the list");
            d->oom = true;
            return;
        }
        any = any || *x.f[k];
    }
    if (!any) return;
    ism_imp_where w = {sh->name, row->num, 0, NULL};
    for (int k = LF_SERVICE; k <= LF_PROVIDER; k++)
        if (!*x.f[k]) {
            w.col = h->col[k], w.field = specs[k].aliases[0];
            ism_imp_problem(lg, &w, NULL, "the %s is empty",
                            k == LF_SERVICE ? "service name" : "provider");
        }
    x.list = list_name(x.f[LF_LIST]);
    if (x.list && !*x.list) {
        w.col = h->col[LF_LIST], w.field = specs[LF_LIST].aliases[0];
        ism_imp_problem(lg, &w, x.f[LF_LIST], "the list must be ISMAP or ISMAP-LIU");
    } else if (!x.list) {
        x.list = d->default_list ? d->default_list : "ISMAP";
        if (!d->default_list && !d->list_warned) {
            ism_imp_warn(lg, &w, NULL, "list_assumed",
                         "no list column and no 'list' option: entries are taken as ISMAP");
            d->list_warned = true;
        }
    }
    bool have_reg = read_date_field(lg, wb, sh, row->num, h->col[LF_REGDATE],
                                    specs[LF_REGDATE].aliases[0], x.reg_date);
    bool have_end = read_date_field(lg, wb, sh, row->num, h->col[LF_AUDITEND],
                                    specs[LF_AUDITEND].aliases[0], x.audit_end);
    bool have_exp = read_date_field(lg, wb, sh, row->num, h->col[LF_EXPIRY],
                                    specs[LF_EXPIRY].aliases[0], x.expiry);
    (void)have_reg;
    if (!have_end && !have_exp && !*x.f[LF_AUDITEND] && !*x.f[LF_EXPIRY]) {
        ism_imp_problem(lg, &w, x.f[LF_SERVICE],
                        "neither the audit period end nor an expiry is given, so the "
                        "registration's validity cannot be known");
    }
    if (d->n == d->cap) {
        entry *ne = realloc(d->e, (d->cap ? d->cap * 2 : 128) * sizeof *d->e);
        if (!ne) {
            if (!d->oom) ism_imp_problem(lg, NULL, NULL, "out of memory reading the list");
            d->oom = true;
            return;
        }
        d->e = ne;
        d->cap = d->cap ? d->cap * 2 : 128;
    }
    d->e[d->n++] = x;
}

static void read_list(ldoc *d, ism_imp_log *lg, const ism_workbook *wb,
                      const ism_imp_colspec *specs)
{
    bool found = false;
    ism_imp_header best = {0};
    const char *best_sheet = NULL;
    for (size_t s = 0; s < wb->nsheets; s++) {
        const ism_sheet *sh = &wb->sheets[s];
        ism_imp_header h;
        if (sh->state != ISM_SHEET_VISIBLE || !ism_imp_find_header(sh, specs, LF_COUNT, 30, &h))
            continue;
        if (!best_sheet || h.missing_required < best.missing_required)
            best = h, best_sheet = sh->name;
        if (h.missing_required) continue;
        found = true;
        for (size_t i = 0; i < sh->nrows; i++)
            if (sh->rows[i].num > h.row &&
                !ism_imp_repeats_header(sh, &sh->rows[i], specs, LF_COUNT, &h))
                read_entry(d, lg, wb, sh, &sh->rows[i], &h, specs);
    }
    if (found) return;
    char *miss =
        best_sheet ? ism_imp_missing_names(specs, LF_COUNT, &best) : strdup("service, provider");
    ism_imp_where w = {best_sheet, best.row, 0, NULL};
    ism_imp_problem(lg, best_sheet ? &w : NULL, NULL,
                    "missing column%s %s: name the columns with the header map option, e.g. --map "
                    "'service=サービス名称,provider=事業者名'",
                    strchr(miss, ',') ? "s" : "", miss);
    free(miss);
}

static int by_regno(const void *a, const void *b, void *arg)
{
    const ldoc *d = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(d->e[i].f[LF_REGNO], d->e[j].f[LF_REGNO]);
    return c ? c : (i > j) - (i < j);
}

/* Each registration number given again is a problem naming the row that first gave it, in row
 * order. Sorting an index keeps this O(n log n): a published list has thousands of rows and a
 * hostile one up to max_rows. */
static void check_duplicates(ldoc *d, ism_imp_log *lg, const char *sheet)
{
    size_t *ix = malloc((d->n ? d->n : 1) * sizeof *ix),
           *first = calloc(d->n ? d->n : 1, sizeof *first);
    if (!ix || !first) {
        ism_imp_problem(lg, NULL, NULL, "out of memory checking registration numbers");
        free(ix), free(first);
        return;
    }
    for (size_t i = 0; i < d->n; i++)
        ix[i] = i;
    qsort_r(ix, d->n, sizeof *ix, by_regno, d); /* glibc (_GNU_SOURCE) */
    /* first[i] = 1 + the index of the first entry with i's number, when i is not that entry */
    for (size_t k = 1; k < d->n; k++) {
        const char *a = d->e[ix[k]].f[LF_REGNO], *b = d->e[ix[k - 1]].f[LF_REGNO];
        if (*a && !strcmp(a, b)) first[ix[k]] = first[ix[k - 1]] ? first[ix[k - 1]] : ix[k - 1] + 1;
    }
    for (size_t i = 0; i < d->n; i++)
        if (first[i]) {
            ism_imp_where w = {sheet, d->e[i].row, 0, "登録番号"};
            ism_imp_problem(lg, &w, d->e[i].f[LF_REGNO],
                            "registration number %s appears twice (also row %u)",
                            d->e[i].f[LF_REGNO], d->e[first[i] - 1].row);
        }
    free(ix);
    free(first);
}

/* ---- storing -----------------------------------------------------------------------------------
 */

/* The list's entries go in BATCH rows per INSERT: on PostgreSQL each statement run is a round
 * trip to the server, and 100,000 single-row inserts took minutes where batches take seconds.
 * 12 parameters a row: 1,200 a statement, well under both backends' limits. */
#define ENTRY_COLS 12
#define BATCH 100

/* "INSERT INTO ismap_list(...) VALUES(?,...),(?,...)..." for n rows. Caller frees. */
static char *insert_sql(size_t n)
{
    static const char head[] = "INSERT INTO ismap_list(import_id,row,reg_no,list,service,provider,"
                               "reg_date,audit_end,expiry,regions,norm_service,norm_provider) "
                               "VALUES";
    static const char tuple[] = "(?,?,?,?,?,?,?,?,?,?,?,?)";
    size_t len = sizeof head + n * sizeof tuple;
    char *sql = malloc(len), *w = sql;
    if (!sql) return NULL;
    w += snprintf(w, len, "%s", head);
    for (size_t i = 0; i < n; i++)
        w += snprintf(w, len - (size_t)(w - sql), "%s%s", i ? "," : "", tuple);
    return sql;
}

/* Binds entry x as the row at position k (0-based) of a batch statement. */
static void bind_entry(ism_stmt *s, int k, const char *evidence_id, const entry *x)
{
    int b = k * ENTRY_COLS;
    char *ns = ism_ismap_name_key(x->f[LF_SERVICE]), *np = ism_ismap_name_key(x->f[LF_PROVIDER]);
    ism_stmt_bind_text(s, b + 1, evidence_id);
    ism_stmt_bind_int64(s, b + 2, (int64_t)x->row);
    const char *vals[] = {*x->f[LF_REGNO] ? x->f[LF_REGNO] : NULL,
                          x->list,
                          x->f[LF_SERVICE],
                          x->f[LF_PROVIDER],
                          *x->reg_date ? x->reg_date : NULL,
                          *x->audit_end ? x->audit_end : NULL,
                          *x->expiry ? x->expiry : NULL,
                          *x->f[LF_REGIONS] ? x->f[LF_REGIONS] : NULL,
                          ns,
                          np};
    for (int c = 0; c < 10; c++)
        ism_stmt_bind_text(s, b + c + 3, vals[c]); /* copied: ns and np can go */
    free(ns);
    free(np);
}

/* The list's entries, in the import's transaction: full batches through one statement prepared
 * once and run again for each batch (reset, rebound), the remainder through a second one. */
static bool insert_entries(ism_db *db, const char *evidence_id, void *arg, ism_error *err)
{
    ldoc *d = arg;
    size_t full = d->n / BATCH, rest = d->n % BATCH;
    ism_stmt *batch = NULL, *tail = NULL;
    bool ok = true;
    for (int pass = 0; ok && pass < 2; pass++) {
        size_t rows = pass ? rest : full ? BATCH : 0;
        if (!rows) continue;
        char *sql = insert_sql(rows);
        if (!sql) {
            ism_stmt_finalize(batch);
            return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        }
        ism_stmt *st = ism_db_prepare(db, sql, err);
        free(sql);
        *(pass ? &tail : &batch) = st;
        ok = st != NULL;
    }
    for (size_t i = 0; ok && i < full; i++) {
        ism_stmt_reset(batch);
        for (int k = 0; k < BATCH; k++)
            bind_entry(batch, k, evidence_id, &d->e[i * BATCH + (size_t)k]);
        ok = ism_stmt_step(batch, err) == ISM_DB_DONE;
    }
    for (size_t k = 0; ok && k < rest; k++)
        bind_entry(tail, (int)k, evidence_id, &d->e[full * BATCH + k]);
    if (ok && rest) ok = ism_stmt_step(tail, err) == ISM_DB_DONE;
    if (!ok) ism_db_error(db, err, "storing the ISMAP list");
    ism_stmt_finalize(batch);
    ism_stmt_finalize(tail);
    return ok;
}

static json_t *make_summary(const ldoc *d, const char *today)
{
    int ismap = 0, liu = 0, valid = 0;
    for (size_t i = 0; i < d->n; i++) {
        const entry *x = &d->e[i];
        if (!strcmp(x->list, "ISMAP-LIU"))
            liu++;
        else
            ismap++;
        char until[11] = "";
        if (*x->expiry)
            memcpy(until, x->expiry, 11);
        else if (*x->audit_end)
            ism_ismap_valid_until(x->audit_end, until);
        if (*until && strcmp(until, today) >= 0) valid++;
    }
    return json_pack("{s:I, s:i, s:i, s:i, s:s}", "entries", (json_int_t)d->n, "ismap", ismap,
                     "ismap_liu", liu, "valid_today", valid, "today", today);
}

json_t *ism_import_ismap_list(const ism_import_ctx *ctx, ism_error *err)
{
    ism_imp_log lg;
    ism_imp_log_init(&lg, ctx->name);
    ldoc d = {0};
    json_t *out = NULL, *summary = NULL, *data = NULL;
    ism_workbook *wb = NULL;
    ism_imp_colspec specs[LF_COUNT];
    const char *mapped[LF_COUNT][2];
    char today[11], as_of[11] = "";
    ism_imp_ctx_today(ctx, today);
    const char *opt_list = ism_imp_opt(ctx, "list"), *opt_asof = ism_imp_opt(ctx, "as_of");
    if (opt_list) {
        d.default_list = list_name(opt_list);
        if (!d.default_list || !*d.default_list) {
            ism_error_set(err, ISM_E_INVALID_PARAMS, "option 'list' must be ISMAP or ISMAP-LIU");
            goto done;
        }
    }
    if (opt_asof) {
        ism_imp_where w = {NULL, 0, 0, "as_of"};
        if (!ism_imp_text_date(&lg, &w, opt_asof, as_of)) *as_of = '\0';
    }
    if (ism_imp_sniff(ctx->data, ctx->len) == ISM_IMP_JSON) {
        ism_error_set(err, ISM_E_INVALID_DATA,
                      "%s: the ISMAP list is read from CSV or XLSX, as published", ctx->name);
        goto done;
    }
    if (!build_specs(ctx, specs, mapped, &lg)) {
        /* reported below */
    } else if (!(wb = ism_imp_read_table(ctx, err))) {
        goto done;
    } else {
        read_list(&d, &lg, wb, specs);
        check_duplicates(&d, &lg, wb->nsheets ? wb->sheets[0].name : NULL);
        if (!d.n && !json_array_size(lg.problems))
            ism_imp_problem(&lg, NULL, NULL, "the list has no entries");
    }
    if (ism_imp_failed(&lg, err)) goto done;
    summary = make_summary(&d, today);
    json_t *cols = json_object();
    for (int k = 0; k < LF_COUNT; k++)
        json_object_set_new(cols, field_names[k], json_string(specs[k].aliases[0]));
    data = json_pack("{s:I, s:s?, s:s, s:o}", "entries", (json_int_t)d.n, "as_of",
                     *as_of ? as_of : NULL, "format",
                     ism_imp_format_name(ism_imp_sniff(ctx->data, ctx->len)), "columns", cols);
    ism_evidence_new ev = {.kind = "ismap-list",
                           .key = d.default_list ? d.default_list : "all",
                           .title = "ISMAPクラウドサービスリスト",
                           .valid_from = *as_of ? as_of : NULL,
                           .data = data,
                           .summary = summary,
                           .extra = insert_entries,
                           .extra_arg = &d};
    ism_import_ctx c2 = *ctx;
    c2.subject = NULL; /* the list belongs to the installation, not to a subject or org */
    c2.org = "";
    out = ism_imp_store(&c2, &ev, &lg, err);
done:
    if (wb) ism_workbook_free(wb);
    json_decref(summary);
    json_decref(data);
    ldoc_free(&d);
    ism_imp_log_free(&lg);
    return out;
}

/* ---- lookup ------------------------------------------------------------------------------------
 */

static json_t *entry_json(ism_stmt *s, const char *today)
{
    const char *audit_end = ism_stmt_text(s, 5);
    const char *expiry = ism_stmt_text(s, 6);
    char until[11] = "", after[11] = "";
    const char *basis;
    if (expiry) {
        ism_strlcpy(until, expiry, sizeof until);
        basis = "the expiry the list gives";
    } else if (audit_end && ism_ismap_valid_until(audit_end, until)) {
        basis = "1 year 4 months from the day after the audit period ended";
    } else {
        basis = "unknown";
    }
    bool valid = *until && strcmp(until, today) >= 0;
    if (*until) ism_imp_add_days(until, 1, after);
    json_t *o =
        json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:b}", "reg_no",
                  ism_stmt_text(s, 0), "list", ism_stmt_text(s, 1), "service", ism_stmt_text(s, 2),
                  "provider", ism_stmt_text(s, 3), "reg_date", ism_stmt_text(s, 4), "audit_end",
                  audit_end, "expiry", expiry, "regions", ism_stmt_text(s, 7), "valid_until",
                  *until ? until : NULL, "basis", basis, "valid", valid);
    json_object_set_new(o, "expired_on", !valid && *after ? json_string(after) : json_null());
    json_object_set_new(o, "list_import",
                        json_pack("{s:s?, s:s?, s:s?, s:s?}", "evidence", ism_stmt_text(s, 8),
                                  "source", ism_stmt_text(s, 9), "imported_at",
                                  ism_stmt_text(s, 10), "as_of", ism_stmt_text(s, 11)));
    return o;
}

/* Among exact matches, a valid one with the latest end wins; else the latest expired one. */
static const json_t *pick(const json_t *matches)
{
    const json_t *best = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(matches, i, m)
    {
        if (!best) {
            best = m;
            continue;
        }
        bool mv = json_is_true(json_object_get(m, "valid")),
             bv = json_is_true(json_object_get(best, "valid"));
        const char *mu = ism_json_getstr(m, "valid_until"),
                   *bu = ism_json_getstr(best, "valid_until");
        if ((mv && !bv) || (mv == bv && mu && (!bu || strcmp(mu, bu) > 0))) best = m;
    }
    return best;
}

/* The current list imports: what a lookup was checked against, and how old each is. */
static json_t *current_lists(ism_db *db, const char *today)
{
    json_t *arr = json_array();
    ism_stmt *s = ism_db_prepare(db,
                                 "SELECT id, key, source_name, imported_at, valid_from, version "
                                 "FROM evidence WHERE kind='ismap-list' AND state='current' "
                                 "ORDER BY key",
                                 NULL);
    while (s && ism_stmt_step(s, NULL) == ISM_DB_ROW) {
        const char *at = ism_stmt_text(s, 3);
        const char *asof = ism_stmt_text(s, 4);
        json_t *o =
            json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:i}", "evidence", ism_stmt_text(s, 0), "key",
                      ism_stmt_text(s, 1), "source", ism_stmt_text(s, 2), "imported_at", at,
                      "as_of", asof, "version", ism_stmt_int(s, 5));
        char day[11] = "";
        ism_strlcpy(day, asof ? asof : at ? at : "", sizeof day);
        long a, b;
        if (ism_imp_days(day, &a) && ism_imp_days(today, &b) && b - a > 31)
            json_object_set_new(o, "warning",
                                json_sprintf("this list is from %s, %ld days before %s; "
                                             "import the current list before relying on it",
                                             day, b - a, today));
        json_array_append_new(arr, o);
    }
    ism_stmt_finalize(s);
    return arr;
}

static void set_message(json_t *r, const json_t *best, const char *provider, const char *service)
{
    char msg[700];
    const char *st = ism_json_getstr(r, "status");
    if (!strcmp(st, "listed"))
        snprintf(msg, sizeof msg, "listed on %s (registration %s) and valid until %s",
                 ism_json_getstr(best, "list"),
                 ism_json_getstr(best, "reg_no") ? ism_json_getstr(best, "reg_no") : "-",
                 ism_json_getstr(best, "valid_until"));
    else if (!strcmp(st, "expired"))
        snprintf(msg, sizeof msg,
                 "listed on %s (registration %s) but expired on %s (valid until %s)",
                 ism_json_getstr(best, "list"),
                 ism_json_getstr(best, "reg_no") ? ism_json_getstr(best, "reg_no") : "-",
                 ism_json_getstr(best, "expired_on") ? ism_json_getstr(best, "expired_on") : "?",
                 ism_json_getstr(best, "valid_until") ? ism_json_getstr(best, "valid_until") : "?");
    else if (!strcmp(st, "no_list"))
        snprintf(msg, sizeof msg,
                 "no ISMAP list has been imported: import it with ismapctl evidence import "
                 "ismap-list FILE");
    else
        snprintf(msg, sizeof msg, "'%s' by '%s' is not on the ISMAP or ISMAP-LIU list", service,
                 provider);
    json_object_set_new(r, "message", json_string(msg));
}

json_t *ism_imp_ismap_lookup_db(ism_db *db, const char *provider, const char *service,
                                const char *today)
{
    char *ns = ism_ismap_name_key(service), *np = ism_ismap_name_key(provider);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "provider", provider, "service", service,
                          "provider_key", np, "service_key", ns, "today", today);
    json_t *matches = json_array(), *similar = json_array();
    /* Candidates: the same service name, one name inside the other, or the same provider
     * (with or without its corporate form). "b occurs in a" is written replace(a, b, '') <> a
     * (an empty b occurs everywhere), which both backends have. */
    ism_stmt *s =
        *ns ? ism_db_prepare(
                  db,
                  "SELECT l.reg_no, l.list, l.service, l.provider, l.reg_date, "
                  "l.audit_end, l.expiry, l.regions, e.id, e.source_name, "
                  "e.imported_at, e.valid_from, l.norm_service, l.norm_provider "
                  "FROM ismap_list l JOIN evidence e ON e.id=l.import_id WHERE "
                  "e.kind='ismap-list' AND e.state='current' AND "
                  "(l.norm_service=CAST(?1 AS TEXT) "
                  "OR replace(l.norm_service, CAST(?1 AS TEXT), '') <> l.norm_service "
                  "OR l.norm_service='' "
                  "OR replace(CAST(?1 AS TEXT), l.norm_service, '') <> CAST(?1 AS TEXT) "
                  "OR l.norm_provider=CAST(?2 AS TEXT) OR l.norm_provider=CAST(?3 AS TEXT) "
                  "OR substr(l.norm_provider, 1, length(CAST(?3 AS TEXT)) + 1)="
                  "CAST(?3 AS TEXT)||' ') "
                  "ORDER BY l.row, l.import_id LIMIT 200",
                  NULL)
            : NULL;
    if (s) {
        char *base = ism_strdupf("%.*s", (int)key_base_len(np), np);
        ism_stmt_bind_text(s, 1, ns);
        ism_stmt_bind_text(s, 2, np);
        ism_stmt_bind_text(s, 3, base);
        while (ism_stmt_step(s, NULL) == ISM_DB_ROW) {
            const char *rs = ism_stmt_text(s, 12), *rp = ism_stmt_text(s, 13);
            bool same_service = rs && !strcmp(rs, ns);
            bool same_provider = ism_ismap_name_match(rp, np);
            json_array_append_new(same_service && same_provider ? matches : similar,
                                  entry_json(s, today));
        }
        free(base);
    }
    ism_stmt_finalize(s);
    const json_t *best = pick(matches);
    json_t *lists = current_lists(db, today);
    const char *status = best
                             ? (json_is_true(json_object_get(best, "valid")) ? "listed" : "expired")
                         : json_array_size(lists) ? "not_listed"
                                                  : "no_list";
    json_object_set_new(r, "checked_against", lists);
    json_object_set_new(r, "status", json_string(status));
    if (best) {
        const char *keys[] = {"list",    "reg_no",    "valid_until", "expired_on", "basis",
                              "regions", "audit_end", "expiry",      "reg_date",   "list_import"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            json_object_set(r, keys[i], json_object_get(best, keys[i]));
    }
    set_message(r, best, provider, service);
    json_object_set_new(r, "matches", matches);
    json_object_set_new(r, "similar", similar);
    free(ns);
    free(np);
    return r;
}

json_t *ism_ismap_list_lookup(ism_store *st, const char *provider, const char *service,
                              const char *today, ism_error *err)
{
    (void)err;
    char t[11];
    long d;
    if (today && ism_imp_days(today, &d))
        ism_strlcpy(t, today, sizeof t);
    else
        ism_imp_today(t);
    ism_db *db = ism_store_reader(st);
    json_t *r = ism_imp_ismap_lookup_db(db, provider ? provider : "", service ? service : "", t);
    ism_store_reader_end(st, db);
    return r;
}
