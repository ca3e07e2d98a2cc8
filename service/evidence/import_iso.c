/* import_iso.c — ISO/IEC 27001 and 27017 certificates and Statements of Applicability.
 *
 * A certificate is only evidence while valid, and only for its scope, so the scope is kept and
 * shown wherever the certificate is used. A 27001:2013 certificate cannot be valid after
 * 2025-10-31 (the end of the transition to 27001:2022), whatever date it prints. A 27017
 * certificate extends a 27001 certification and is evidence only beside a valid one; that is
 * judged on the day asked, in ism_evidence_support. An SoA names Annex A controls of one
 * edition; they must exist in that edition's catalog. */
#include "import_int.h"

#include <stdlib.h>
#include <string.h>

#define ISO2013_LAST_DAY "2025-10-31"

/* ---- certificates ------------------------------------------------------------------------------
 */

static const char *const c_body[] = {"certification_body", "certification body", "認証機関",
                                     "審査登録機関", NULL};
static const char *const c_accr[] = {"accreditation_body", "accreditation body", "認定機関", NULL};
static const char *const c_no[] = {"certificate_number",
                                   "certificate number",
                                   "certificate no",
                                   "登録番号",
                                   "認証番号",
                                   "証明書番号",
                                   NULL};
static const char *const c_std[] = {"standard", "規格", "認証規格", NULL};
static const char *const c_ed[] = {"edition", "版", "規格の版", NULL};
static const char *const c_org[] = {"organization", "組織", "組織名", "登録組織", NULL};
static const char *const c_scope[] = {"scope", "適用範囲", "認証範囲", "登録範囲", NULL};
static const char *const c_issue[] = {"issue_date", "issue date", "発行日",
                                      "登録日",     "認証日",     NULL};
static const char *const c_exp[] = {"expiry_date", "expiry date", "valid until",
                                    "有効期限",    "有効期限日",  NULL};
static const char *const c_sites[] = {"site", "sites", "所在地", "サイト", "事業所", NULL};
static const char *const c_base[] = {"base_certificate", "base certificate",
                                     "ISO/IEC 27001 certificate", "27001登録番号", NULL};
static const char *const c_fmt[] = {"format", NULL};

static const ism_imp_kvspec cert_specs[] = {
    {"certification_body", c_body, false, false},
    {"accreditation_body", c_accr, false, false},
    {"certificate_number", c_no, false, false},
    {"standard", c_std, false, false},
    {"edition", c_ed, false, false},
    {"organization", c_org, false, false},
    {"scope", c_scope, false, false},
    {"issue_date", c_issue, false, true},
    {"expiry_date", c_exp, false, true},
    {"sites", c_sites, true, false},
    {"base_certificate", c_base, false, false},
    {"format", c_fmt, false, false},
};
#define NCERT (int)(sizeof cert_specs / sizeof cert_specs[0])

/* JSON certificates use the same field names; sites may be an array. */
static json_t *cert_from_json(const ism_import_ctx *ctx, ism_imp_log *lg, ism_error *err)
{
    json_t *j = ism_imp_read_json(ctx, err);
    if (!j) return NULL;
    json_t *doc = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        int s = 0;
        while (s < NCERT && strcmp(cert_specs[s].key, key))
            s++;
        ism_imp_where w = {NULL, 0, 0, key};
        if (s == NCERT)
            ism_imp_problem(lg, &w, NULL, "unknown field '%s'", key);
        else if (cert_specs[s].repeat && json_is_array(v))
            json_object_set(doc, key, v);
        else if (cert_specs[s].repeat && json_is_string(v))
            json_object_set_new(doc, key, json_pack("[O]", v));
        else if (json_is_string(v))
            json_object_set(doc, key, v);
        else if (json_is_integer(v) && !strcmp(key, "edition"))
            json_object_set_new(doc, key, json_sprintf("%lld", (long long)json_integer_value(v)));
        else if (!json_is_null(v))
            ism_imp_problem(lg, &w, NULL, "'%s' must be a string", key);
    }
    json_decref(j);
    return doc;
}

/* "ISO/IEC 27001:2022", "JIS Q 27001:2014", "27017" → standard and edition. JIS Q 27001:2014 is
 * the Japanese text of ISO/IEC 27001:2013, and JIS Q 27001:2023 that of 27001:2022. */
static void parse_standard(const char *s, const char *ed, const char **std, const char **edition)
{
    char *k = ism_imp_key(s);
    char *e = ism_imp_key(ed ? ed : "");
    *std = strstr(k, "27017") ? "27017" : strstr(k, "27001") ? "27001" : NULL;
    const char *probe = *e ? e : k;
    bool jis = strstr(k, "jis") != NULL && !*e;
    *edition = NULL;
    if (*std && !strcmp(*std, "27017"))
        *edition = "2015";
    else if (strstr(probe, "2022") || (jis && strstr(probe, "2023")))
        *edition = "2022";
    else if (strstr(probe, "2013") || (jis && strstr(probe, "2014")))
        *edition = "2013";
    free(k);
    free(e);
}

typedef struct cctx {
    ism_imp_log *lg;
    json_t *doc, *where;
    char today[11];
} cctx;

static const char *need_c(cctx *x, const char *key, const char *what)
{
    const char *v = ism_json_getstr(x->doc, key);
    if (v && *v) return v;
    ism_imp_where w = ism_imp_kv_where(x->where, key, 0);
    ism_imp_problem(x->lg, &w, NULL, "%s ('%s') is required", what, key);
    return NULL;
}

static bool cert_date(cctx *x, const char *key, char out[11])
{
    const char *v = ism_json_getstr(x->doc, key);
    ism_imp_where w = ism_imp_kv_where(x->where, key, 0);
    return v && ism_imp_text_date(x->lg, &w, v, out);
}

/* The last day the certificate is evidence, with the reason when it is not the printed expiry. */
static void cert_until(cctx *x, const char *std, const char *edition, const char *expiry,
                       char until[11])
{
    memcpy(until, expiry, 11);
    ism_imp_where w = ism_imp_kv_where(x->where, "expiry_date", 0);
    if (!strcmp(std, "27001") && edition && !strcmp(edition, "2013") &&
        strcmp(expiry, ISO2013_LAST_DAY) > 0) {
        memcpy(until, ISO2013_LAST_DAY, 11);
        ism_imp_warn(x->lg, &w, expiry, "iso2013_transition",
                     "the certificate prints expiry %s, but an ISO/IEC 27001:2013 certificate "
                     "cannot be valid after %s (end of the transition to 27001:2022)",
                     expiry, ISO2013_LAST_DAY);
    }
    if (strcmp(x->today, until) > 0)
        ism_imp_warn(x->lg, &w, until, "expired",
                     "the certificate was valid until %s: on %s it is no longer evidence", until,
                     x->today);
}

static json_t *check_cert(cctx *x, json_t *summary, char issue[11], char until[11])
{
    const char *body = need_c(x, "certification_body", "the certification body");
    const char *no = need_c(x, "certificate_number", "the certificate number");
    const char *std_s = need_c(x, "standard", "the standard (ISO/IEC 27001 or 27017)");
    const char *scope = need_c(x, "scope", "the scope");
    const char *std = NULL, *edition = NULL;
    if (std_s) parse_standard(std_s, ism_json_getstr(x->doc, "edition"), &std, &edition);
    ism_imp_where w = ism_imp_kv_where(x->where, "standard", 0);
    if (std_s && !std)
        ism_imp_problem(x->lg, &w, std_s, "the standard must be ISO/IEC 27001 or ISO/IEC 27017");
    else if (std && !edition)
        ism_imp_problem(x->lg, &w, std_s,
                        "the edition of ISO/IEC 27001 must be 2013 or 2022 (JIS Q 27001:2014 or "
                        ":2023); give it in 'standard' or 'edition'");
    if (!ism_json_getstr(x->doc, "accreditation_body"))
        ism_imp_warn(x->lg, &w, NULL, "unaccredited",
                     "no accreditation body is named: an unaccredited certificate is weaker "
                     "evidence");
    char expiry[11] = "";
    bool hi = cert_date(x, "issue_date", issue), he = cert_date(x, "expiry_date", expiry);
    if (!hi && !ism_json_getstr(x->doc, "issue_date")) need_c(x, "issue_date", "the issue date");
    if (!he && !ism_json_getstr(x->doc, "expiry_date")) need_c(x, "expiry_date", "the expiry date");
    long a, b;
    if (hi && he && ism_imp_days(issue, &a) && ism_imp_days(expiry, &b)) {
        ism_imp_where we = ism_imp_kv_where(x->where, "expiry_date", 0);
        if (b < a)
            ism_imp_problem(x->lg, &we, expiry, "the certificate expires before it was issued (%s)",
                            issue);
        else if (b - a > 3 * 366)
            ism_imp_warn(x->lg, &we, expiry, "long_validity",
                         "the certificate is valid for more than 3 years, longer than a "
                         "certification cycle");
    }
    if (he && std) cert_until(x, std, edition, expiry, until);
    json_object_set_new(summary, "standard", std ? json_string(std) : json_null());
    json_object_set_new(summary, "edition", edition ? json_string(edition) : json_null());
    json_object_set_new(summary, "valid_until", *until ? json_string(until) : json_null());
    json_object_set_new(summary, "expired", json_boolean(*until && strcmp(x->today, until) > 0));
    json_t *sites = json_object_get(x->doc, "sites");
    return json_pack(
        "{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:O, s:s?, s:s?}", "standard",
        std, "edition", edition, "standard_as_written", std_s, "certification_body", body,
        "accreditation_body", ism_json_getstr(x->doc, "accreditation_body"), "certificate_number",
        no, "organization", ism_json_getstr(x->doc, "organization"), "scope", scope, "issue_date",
        *issue ? issue : NULL, "expiry_date", *expiry ? expiry : NULL, "sites",
        sites ? sites : json_null(), "base_certificate",
        ism_json_getstr(x->doc, "base_certificate"), "valid_until", *until ? until : NULL);
}

json_t *ism_import_iso_cert(const ism_import_ctx *ctx, ism_error *err)
{
    ism_imp_log lg;
    ism_imp_log_init(&lg, ctx->name);
    json_t *where = json_object(), *summary = json_object(), *doc = NULL, *data = NULL, *out = NULL;
    if (ism_imp_sniff(ctx->data, ctx->len) == ISM_IMP_JSON) {
        doc = cert_from_json(ctx, &lg, err);
    } else {
        ism_workbook *wb = ism_imp_read_table(ctx, err);
        if (wb) {
            doc = json_object();
            ism_imp_read_kv(&lg, wb, cert_specs, NCERT, NULL, doc, where);
            ism_workbook_free(wb);
        }
    }
    if (!doc) goto done;
    cctx x = {&lg, doc, where, ""};
    ism_imp_ctx_today(ctx, x.today);
    char issue[11] = "", until[11] = "";
    data = check_cert(&x, summary, issue, until);
    if (ism_imp_failed(&lg, err)) goto done;
    char *title =
        ism_strdupf("ISO/IEC %s:%s certificate %s (%s)", ism_json_getstr(data, "standard"),
                    ism_json_getstr(data, "edition"), ism_json_getstr(data, "certificate_number"),
                    ism_json_getstr(data, "certification_body"));
    ism_evidence_new ev = {.kind = "iso-cert",
                           .key = ism_json_getstr(data, "certificate_number"),
                           .title = title,
                           .valid_from = *issue ? issue : NULL,
                           .valid_until = *until ? until : NULL,
                           .data = data,
                           .summary = summary};
    out = ism_imp_store(ctx, &ev, &lg, err);
    free(title);
done:
    json_decref(doc);
    json_decref(where);
    json_decref(summary);
    json_decref(data);
    ism_imp_log_free(&lg);
    return out;
}

/* ---- Statements of Applicability ---------------------------------------------------------------
 */

enum { SF_CONTROL, SF_TITLE, SF_APPLICABLE, SF_REASON, SF_STATUS, SF_DOCUMENT, SF_COUNT };
static const char *const s_ctl[] = {"control", "Annex A", "管理策番号", "管理策", "附属書A", NULL};
static const char *const s_title[] = {"title", "control title", "管理策名", "名称", NULL};
static const char *const s_app[] = {"applicable", "applicability", "適用",
                                    "適用可否",   "採否",          NULL};
static const char *const s_reason[] = {"reason",           "justification", "理由",
                                       "適用・除外の理由", "採否の理由",    NULL};
static const char *const s_status[] = {
    "status", "implementation status", "implementation", "実施状況", "実装状況", NULL};
static const char *const s_doc[] = {"document", "documents", "reference", "文書",
                                    "関連文書", "参照文書",  NULL};
static const ism_imp_colspec soa_specs[SF_COUNT] = {
    {"control", s_ctl, true},    {"title", s_title, false},   {"applicable", s_app, true},
    {"reason", s_reason, false}, {"status", s_status, false}, {"document", s_doc, false},
};

static const char *const m_std[] = {"standard", "規格", NULL};
static const char *const m_ed[] = {"edition", "版", NULL};
static const char *const m_cert[] = {"certificate", "certificate_number", "登録番号", "認証番号",
                                     NULL};
static const ism_imp_kvspec soa_meta[] = {
    {"standard", m_std, false, false},
    {"edition", m_ed, false, false},
    {"certificate", m_cert, false, false},
};

/* "A.5.1.1", "a 5.1.1", "5.1.1" → "A.5.1.1"; "CLD.6.3.1", "cld6.3.1" → "CLD.6.3.1". */
static char *norm_control(const char *s)
{
    char *k = ism_imp_key(s);
    const char *p = k;
    const char *prefix = "A.";
    if (!strncmp(p, "cld", 3)) {
        prefix = "CLD.";
        p += 3;
    } else if (*p == 'a') {
        p++;
    }
    if (*p == '.') p++;
    char *out = ism_strdupf("%s%s", prefix, p);
    free(k);
    return out;
}

static int dots(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '.';
    return n;
}

static const char *norm_status(const char *s)
{
    static const ism_imp_alias map[] = {{"implemented", "implemented"},
                                        {"実施済", "implemented"},
                                        {"実施済み", "implemented"},
                                        {"導入済", "implemented"},
                                        {"導入済み", "implemented"},
                                        {"済", "implemented"},
                                        {"partiallyimplemented", "partial"},
                                        {"partial", "partial"},
                                        {"一部実施", "partial"},
                                        {"一部導入", "partial"},
                                        {"planned", "planned"},
                                        {"計画中", "planned"},
                                        {"実施予定", "planned"},
                                        {"notimplemented", "not_implemented"},
                                        {"未実施", "not_implemented"},
                                        {"未導入", "not_implemented"}};
    return ism_imp_alias_lookup(s, map, sizeof map / sizeof map[0]);
}

typedef struct soarow {
    char *f[SF_COUNT];
    ism_imp_where w[SF_COUNT];
    char *path[SF_COUNT]; /* the sheet's name, or the JSON path (malloc'd) */
} soarow;

typedef struct sdoc {
    soarow *r;
    size_t n, cap;
    json_t *meta, *where;
} sdoc;

static void sdoc_free(sdoc *d)
{
    for (size_t i = 0; i < d->n; i++)
        for (int k = 0; k < SF_COUNT; k++)
            free(d->r[i].f[k]), free(d->r[i].path[k]);
    free(d->r);
    json_decref(d->meta);
    json_decref(d->where);
}

static soarow *sdoc_add(sdoc *d)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 128;
        d->r = realloc(d->r, d->cap * sizeof *d->r);
    }
    soarow *r = &d->r[d->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static void soa_from_table(sdoc *d, ism_imp_log *lg, const ism_workbook *wb)
{
    uint32_t *stops = calloc(wb->nsheets + 1, sizeof *stops);
    bool found = false;
    for (size_t s = 0; s < wb->nsheets; s++) {
        const ism_sheet *sh = &wb->sheets[s];
        ism_imp_header h;
        if (sh->state != ISM_SHEET_VISIBLE ||
            !ism_imp_find_header(sh, soa_specs, SF_COUNT, 40, &h) || h.missing_required)
            continue;
        found = true;
        stops[s] = h.row;
        for (size_t i = 0; i < sh->nrows; i++) {
            const ism_row *row = &sh->rows[i];
            if (row->num <= h.row || ism_imp_repeats_header(sh, row, soa_specs, SF_COUNT, &h) ||
                ism_imp_blank(ism_row_value(row, h.col[SF_CONTROL])))
                continue;
            soarow *r = sdoc_add(d);
            for (int k = 0; k < SF_COUNT; k++) {
                r->f[k] = ism_imp_trim(
                    ism_imp_cell(lg, sh, row->num, h.col[k], soa_specs[k].aliases[0], true));
                /* Sheet names outlive the workbook through the meta copy below. */
                r->w[k] = (ism_imp_where){NULL, row->num, h.col[k], soa_specs[k].aliases[0]};
                r->path[k] = strdup(sh->name);
            }
        }
    }
    if (!found)
        ism_imp_problem(lg, NULL, NULL,
                        "no SoA table: a header row with 'control' (管理策) and 'applicable' "
                        "(適用) is needed");
    ism_imp_read_kv(lg, wb, soa_meta, 3, stops, d->meta, d->where);
    free(stops);
}

static void soa_from_json(sdoc *d, ism_imp_log *lg, json_t *j)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        ism_imp_where w = {NULL, 0, 0, key};
        if (!strcmp(key, "standard") || !strcmp(key, "edition") || !strcmp(key, "certificate")) {
            if (json_is_string(v)) json_object_set(d->meta, key, v);
            if (json_is_integer(v))
                json_object_set_new(d->meta, key,
                                    json_sprintf("%lld", (long long)json_integer_value(v)));
        } else if (strcmp(key, "controls") && strcmp(key, "format")) {
            ism_imp_problem(lg, &w, NULL, "unknown field '%s'", key);
        }
    }
    size_t i;
    json_array_foreach(json_object_get(j, "controls"), i, v)
    {
        soarow *r = sdoc_add(d);
        for (int k = 0; k < SF_COUNT; k++) {
            json_t *f = json_object_get(v, soa_specs[k].key);
            r->f[k] = strdup(json_is_string(f)  ? json_string_value(f)
                             : json_is_true(f)  ? "yes"
                             : json_is_false(f) ? "no"
                                                : "");
            r->path[k] = ism_strdupf("controls[%zu].%s", i, soa_specs[k].key);
            r->w[k] = (ism_imp_where){NULL, 0, 0, NULL};
        }
    }
    if (!json_is_array(json_object_get(j, "controls"))) {
        ism_imp_where w = {NULL, 0, 0, "controls"};
        ism_imp_problem(lg, &w, NULL, "'controls' must be an array");
    }
}

/* The where of a field: tabular rows keep their sheet name in path, JSON rows their path. */
static ism_imp_where rw(const soarow *r, int k, bool json)
{
    ism_imp_where w = r->w[k];
    if (json)
        w.field = r->path[k];
    else
        w.sheet = r->path[k];
    return w;
}

static const char *soa_catalog(const char *std, const char *edition)
{
    if (std && !strcmp(std, "27017")) return "iso27017";
    return edition && !strcmp(edition, "2013") ? "iso27001-2013" : "iso27001-2022";
}

/* The edition: given, or seen in the ids (A.5.1.1 is 2013, A.5.1 is 2022, CLD is 27017). */
static bool soa_edition(sdoc *d, ism_imp_log *lg, const ism_import_ctx *ctx, const char **std,
                        const char **edition)
{
    const char *s = ism_imp_opt(ctx, "standard") ? ism_imp_opt(ctx, "standard")
                                                 : ism_json_getstr(d->meta, "standard");
    const char *e = ism_imp_opt(ctx, "edition") ? ism_imp_opt(ctx, "edition")
                                                : ism_json_getstr(d->meta, "edition");
    *std = NULL, *edition = NULL;
    if (s || e) parse_standard(s ? s : "27001", e, std, edition);
    int n3 = 0, n2 = 0, cld = 0;
    for (size_t i = 0; i < d->n; i++) {
        char *c = norm_control(d->r[i].f[SF_CONTROL]);
        if (!strncmp(c, "CLD.", 4))
            cld++;
        else if (dots(c) == 3)
            n3++;
        else if (dots(c) == 2)
            n2++;
        free(c);
    }
    if (!*std) *std = cld && !n2 && !n3 ? "27017" : "27001";
    if (!*edition)
        *edition = !strcmp(*std, "27017") ? "2015" : n3 && !n2 ? "2013" : n2 && !n3 ? "2022" : NULL;
    if (!*edition) {
        ism_imp_problem(lg, NULL, NULL,
                        "the SoA mixes 2013 (A.5.1.1) and 2022 (A.5.1) control numbers; give the "
                        "edition (option or an 'edition' row)");
        return false;
    }
    return true;
}

static json_t *soa_row(const ism_import_ctx *ctx, ism_imp_log *lg, const soarow *r, bool json,
                       const char *cat, json_t *seen)
{
    char *c = norm_control(r->f[SF_CONTROL]);
    ism_imp_where w = rw(r, SF_CONTROL, json);
    json_t *it = ism_catalog_item(ctx->catalogs, cat, c, NULL);
    const char *cls = ism_json_getstr(it, "class");
    json_t *out = NULL;
    bool app = false;
    if (!cls || strcmp(cls, "control")) {
        ism_imp_problem(lg, &w, r->f[SF_CONTROL], "%s is not a control of %s", c, cat);
    } else if (json_object_get(seen, c)) {
        ism_imp_problem(lg, &w, r->f[SF_CONTROL], "%s is listed twice", c);
    } else if (!ism_imp_yesno(r->f[SF_APPLICABLE], &app)) {
        w = rw(r, SF_APPLICABLE, json);
        ism_imp_problem(lg, &w, r->f[SF_APPLICABLE],
                        "applicable must be yes or no (適用 / 除外, ○ / ×)");
    } else {
        json_object_set_new(seen, c, json_true());
        const char *st = *r->f[SF_STATUS] ? norm_status(r->f[SF_STATUS]) : NULL;
        if (*r->f[SF_STATUS] && !st) {
            w = rw(r, SF_STATUS, json);
            ism_imp_problem(lg, &w, r->f[SF_STATUS],
                            "status must be implemented, partially implemented, planned or not "
                            "implemented (実施済, 一部実施, 計画中, 未実施)");
        }
        if (!app && ism_imp_blank(r->f[SF_REASON])) {
            w = rw(r, SF_REASON, json);
            ism_imp_warn(lg, &w, c, "exclusion_without_reason",
                         "%s is excluded without a justification", c);
        }
        if (app && !st) st = "implemented";
        out = json_pack(
            "{s:s, s:s, s:b, s:s?, s:s?, s:s?}", "control", c, "title",
            *r->f[SF_TITLE] ? r->f[SF_TITLE] : ism_json_getstr(json_object_get(it, "title"), "ja"),
            "applicable", app, "reason", *r->f[SF_REASON] ? r->f[SF_REASON] : NULL, "status",
            app ? st : NULL, "document", *r->f[SF_DOCUMENT] ? r->f[SF_DOCUMENT] : NULL);
    }
    json_decref(it);
    free(c);
    return out;
}

/* Controls of the edition the SoA does not list: an SoA must state every one. */
static void soa_coverage(const ism_import_ctx *ctx, ism_imp_log *lg, const char *cat, json_t *seen,
                         json_t *summary)
{
    json_t *all = ism_catalog_items(ctx->catalogs, cat, "control", NULL, NULL);
    json_t *missing = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(all, i, it) if (!json_object_get(seen, ism_json_getstr(it, "id")))
        json_array_append_new(missing, json_string(ism_json_getstr(it, "id")));
    if (json_array_size(missing)) {
        char *list = json_dumps(missing, JSON_COMPACT);
        ism_imp_warn(lg, NULL, NULL, "soa_incomplete",
                     "the SoA states %zu of the %zu controls of %s; not stated: %.300s",
                     json_object_size(seen), json_array_size(all), cat, list);
        free(list);
    }
    json_object_set_new(summary, "controls_in_edition",
                        json_integer((json_int_t)json_array_size(all)));
    json_object_set_new(summary, "not_stated", missing);
    json_decref(all);
}

json_t *ism_import_soa(const ism_import_ctx *ctx, ism_error *err)
{
    ism_imp_log lg;
    ism_imp_log_init(&lg, ctx->name);
    sdoc d = {0};
    d.meta = json_object();
    d.where = json_object();
    json_t *out = NULL, *summary = json_object(), *rows = json_array(), *seen = json_object();
    bool json = ism_imp_sniff(ctx->data, ctx->len) == ISM_IMP_JSON;
    if (json) {
        json_t *j = ism_imp_read_json(ctx, err);
        if (!j) goto done;
        soa_from_json(&d, &lg, j);
        json_decref(j);
    } else {
        ism_workbook *wb = ism_imp_read_table(ctx, err);
        if (!wb) goto done;
        soa_from_table(&d, &lg, wb);
        ism_workbook_free(wb);
    }
    const char *std = NULL, *edition = NULL;
    if (d.n && soa_edition(&d, &lg, ctx, &std, &edition)) {
        const char *cat = soa_catalog(std, edition);
        for (size_t i = 0; i < d.n; i++) {
            json_t *r = soa_row(ctx, &lg, &d.r[i], json, cat, seen);
            if (r) json_array_append_new(rows, r);
        }
        soa_coverage(ctx, &lg, cat, seen, summary);
    } else if (!d.n && !json_array_size(lg.problems)) {
        ism_imp_problem(&lg, NULL, NULL, "the SoA lists no controls");
    }
    if (ism_imp_failed(&lg, err)) goto done;
    int applicable = 0, implemented = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        applicable += json_is_true(json_object_get(r, "applicable"));
        implemented += !strcmp(ism_json_getstr(r, "status") ? ism_json_getstr(r, "status") : "",
                               "implemented");
    }
    const char *cert = ism_imp_opt(ctx, "certificate") ? ism_imp_opt(ctx, "certificate")
                                                       : ism_json_getstr(d.meta, "certificate");
    json_object_set_new(summary, "controls", json_integer((json_int_t)json_array_size(rows)));
    json_object_set_new(summary, "applicable", json_integer(applicable));
    json_object_set_new(summary, "implemented", json_integer(implemented));
    json_t *data =
        json_pack("{s:s, s:s, s:s, s:s?, s:O}", "standard", std, "edition", edition, "catalog",
                  soa_catalog(std, edition), "certificate", cert, "controls", rows);
    /* cert is the provider's text: kept whole, never cut into a fixed buffer */
    char *title = ism_strdupf("Statement of Applicability, ISO/IEC %s:%s%s%s", std, edition,
                              cert ? ", certificate " : "", cert ? cert : "");
    ism_evidence_new ev = {.kind = "soa",
                           .key = cert ? cert : soa_catalog(std, edition),
                           .title = title,
                           .data = data,
                           .summary = summary};
    out = ism_imp_store(ctx, &ev, &lg, err);
    free(title);
    json_decref(data);
done:
    json_decref(summary);
    json_decref(rows);
    json_decref(seen);
    sdoc_free(&d);
    ism_imp_log_free(&lg);
    return out;
}
