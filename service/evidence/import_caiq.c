/* import_caiq.c — CSA CAIQ v4 answers: per question its answer (Yes/No/NA), who owns the control
 * under the shared security responsibility model (CSP, CSC, shared, third party), what the
 * provider implements and what it leaves to the customer. The catalogs hold no CCM→ISMAP
 * crosswalk, so CAIQ answers are shown as they are and not mapped onto ISMAP items; the
 * customer responsibilities become customer duties in the screening. */
#include "import_int.h"

#include <stdlib.h>
#include <string.h>

enum { CF_QID, CF_QUESTION, CF_ANSWER, CF_OWNER, CF_IMPL, CF_CSC, CF_CCM, CF_COUNT };
static const char *const q_id[] = {"Question ID", "QuestionID", "質問ID", "質問番号", NULL};
static const char *const q_text[] = {"Question", "質問", NULL};
static const char *const q_answer[] = {"CSP CAIQ Answer", "CAIQ Answer", "Answer", "回答", NULL};
static const char *const q_owner[] = {
    "SSRM Control Ownership", "Control Ownership", "Ownership", "責任分担", "管理責任", NULL};
static const char *const q_impl[] = {"CSP Implementation Description", "Implementation Description",
                                     "CSPの実装", "実装の説明", NULL};
static const char *const q_csc[] = {"CSC Responsibilities", "Customer Responsibilities",
                                    "CSCの責任", "利用者の責任", NULL};
static const char *const q_ccm[] = {"CCM Control ID", "CCM ID", "CCM管理策ID", NULL};
static const ism_imp_colspec specs[CF_COUNT] = {
    {"question_id", q_id, true},
    {"question", q_text, false},
    {"answer", q_answer, true},
    {"ownership", q_owner, false},
    {"csp_implementation", q_impl, false},
    {"csc_responsibilities", q_csc, false},
    {"ccm_control_id", q_ccm, false},
};

/* CAIQ v4 has 261 questions; a sheet of more rows than this is refused while it is read, which
 * bounds the memory one import takes. */
#define CAIQ_MAX_ROWS 10000u

typedef struct qa {
    char *f[CF_COUNT];
    uint32_t row;           /* tables: the row; JSON: the index in "answers" */
    uint16_t col[CF_COUNT]; /* tables: each field's column (importers read ≤ 256 columns) */
    const char *sheet;      /* tables: the sheet's name (borrowed from the workbook); JSON: NULL */
} qa;

typedef struct cdoc {
    qa *q;
    size_t n, cap;
} cdoc;

static qa *add(cdoc *d)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->q = realloc(d->q, d->cap * sizeof *d->q);
    }
    qa *q = &d->q[d->n++];
    memset(q, 0, sizeof *q);
    return q;
}

static void cdoc_free(cdoc *d)
{
    for (size_t i = 0; i < d->n; i++)
        for (int k = 0; k < CF_COUNT; k++)
            free(d->q[i].f[k]);
    free(d->q);
    *d = (cdoc){0};
}

/* Where field k of q came from; path receives a JSON path ("answers[3].answer") when q came
 * from JSON. */
static ism_imp_where at(const qa *q, int k, char path[64])
{
    if (!q->sheet) {
        snprintf(path, 64, "answers[%u].%s", q->row, specs[k].key);
        return (ism_imp_where){NULL, 0, 0, path};
    }
    return (ism_imp_where){q->sheet, q->row, q->col[k], specs[k].aliases[0]};
}

static void from_table(cdoc *d, ism_imp_log *lg, const ism_workbook *wb)
{
    bool found = false;
    for (size_t s = 0; s < wb->nsheets; s++) {
        const ism_sheet *sh = &wb->sheets[s];
        ism_imp_header h;
        if (sh->state != ISM_SHEET_VISIBLE || !ism_imp_find_header(sh, specs, CF_COUNT, 30, &h) ||
            h.missing_required)
            continue;
        found = true;
        for (size_t i = 0; i < sh->nrows; i++) {
            const ism_row *row = &sh->rows[i];
            if (row->num <= h.row || ism_imp_repeats_header(sh, row, specs, CF_COUNT, &h) ||
                ism_imp_blank(ism_row_value(row, h.col[CF_QID])))
                continue;
            qa *q = add(d);
            q->row = row->num, q->sheet = sh->name;
            for (int k = 0; k < CF_COUNT; k++) {
                q->f[k] = ism_imp_trim(
                    ism_imp_cell(lg, sh, row->num, h.col[k], specs[k].aliases[0], false));
                q->col[k] = (uint16_t)h.col[k];
            }
        }
    }
    if (!found)
        ism_imp_problem(lg, NULL, NULL,
                        "no CAIQ table: a header row with 'Question ID' and 'CSP CAIQ Answer' is "
                        "needed");
}

static void from_json(cdoc *d, ism_imp_log *lg, json_t *j)
{
    json_t *answers = json_object_get(j, "answers");
    if (!json_is_array(answers)) {
        ism_imp_where w = {NULL, 0, 0, "answers"};
        ism_imp_problem(lg, &w, NULL, "'answers' must be an array");
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(answers, i, v)
    {
        qa *q = add(d);
        q->row = (uint32_t)i;
        for (int k = 0; k < CF_COUNT; k++)
            q->f[k] =
                strdup(ism_json_getstr(v, specs[k].key) ? ism_json_getstr(v, specs[k].key) : "");
    }
}

/* "A&A-01.1" → ok, with its CCM control "A&A-01" in ccm[]. */
static bool parse_qid(const char *s, char id[32], char ccm[32])
{
    size_t n = 0;
    const char *p = s;
    while ((*p >= 'A' && *p <= 'Z') || *p == '&')
        p++;
    if (p == s || p - s > 4 || *p != '-' || !(p[1] >= '0' && p[1] <= '9') ||
        !(p[2] >= '0' && p[2] <= '9') || p[3] != '.' || !(p[4] >= '0' && p[4] <= '9'))
        return false;
    const char *q = p + 4;
    while (*q >= '0' && *q <= '9')
        q++;
    if (*q || (n = (size_t)(q - s)) >= 32) return false;
    memcpy(id, s, n);
    id[n] = '\0';
    memcpy(ccm, s, (size_t)(p + 3 - s));
    ccm[p + 3 - s] = '\0';
    return true;
}

static char *upper_key(const char *s)
{
    char *k = ism_imp_key(s);
    for (char *p = k; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    return k;
}

static const char *norm_answer(const char *s)
{
    char *k = ism_imp_key(s);
    const char *out = NULL;
    if (!strcmp(k, "yes") || !strcmp(k, "はい") || !strcmp(k, "y"))
        out = "yes";
    else if (!strcmp(k, "no") || !strcmp(k, "いいえ") || !strcmp(k, "n"))
        out = "no";
    else if (ism_text_answer_mark(s) == ISM_MARK_NA || !strcmp(k, "notapplicable"))
        out = "na";
    free(k);
    return out;
}

static const char *norm_owner(const char *s)
{
    char *k = ism_imp_key(s);
    const char *out = NULL;
    if (strstr(k, "shared") || strstr(k, "共有") || strstr(k, "共同"))
        out = "shared";
    else if (strstr(k, "3rd") || strstr(k, "third") || strstr(k, "第三者"))
        out = "third-party";
    else if (!strncmp(k, "csp", 3) || strstr(k, "事業者"))
        out = "CSP";
    else if (!strncmp(k, "csc", 3) || strstr(k, "利用者"))
        out = "CSC";
    free(k);
    return out;
}

static json_t *check(cdoc *d, ism_imp_log *lg, json_t *summary)
{
    json_t *out = json_array(), *seen = json_object();
    int yes = 0, no = 0, na = 0, csc = 0;
    for (size_t i = 0; i < d->n; i++) {
        qa *q = &d->q[i];
        char id[32], ccm[32], path[64];
        char *k = upper_key(q->f[CF_QID]);
        ism_imp_where w = at(q, CF_QID, path);
        bool ok = parse_qid(k, id, ccm);
        free(k);
        if (!ok) {
            ism_imp_problem(lg, &w, q->f[CF_QID],
                            "not a CAIQ v4 question ID (like A&A-01.1 or IAM-02.3)");
            continue;
        }
        if (json_object_get(seen, id)) {
            ism_imp_problem(lg, &w, id, "question %s is answered twice", id);
            continue;
        }
        json_object_set_new(seen, id, json_true());
        if (*q->f[CF_CCM]) {
            char *c = upper_key(q->f[CF_CCM]);
            if (strcmp(c, ccm)) {
                w = at(q, CF_CCM, path);
                ism_imp_problem(lg, &w, q->f[CF_CCM],
                                "question %s belongs to CCM control %s, not %s", id, ccm, c);
            }
            free(c);
        }
        const char *ans = norm_answer(q->f[CF_ANSWER]);
        if (!ans) {
            w = at(q, CF_ANSWER, path);
            ism_imp_problem(lg, &w, q->f[CF_ANSWER], "the answer must be Yes, No or NA");
            continue;
        }
        const char *own = *q->f[CF_OWNER] ? norm_owner(q->f[CF_OWNER]) : NULL;
        w = at(q, CF_OWNER, path);
        if (*q->f[CF_OWNER] && !own)
            ism_imp_problem(lg, &w, q->f[CF_OWNER],
                            "SSRM ownership must be CSP-owned, CSC-owned, Shared CSP and CSC, or "
                            "3rd-party outsourced");
        else if (!own && strcmp(ans, "na"))
            ism_imp_warn(lg, &w, id, "no_ownership",
                         "question %s does not say who owns the control", id);
        yes += !strcmp(ans, "yes"), no += !strcmp(ans, "no"), na += !strcmp(ans, "na");
        csc += *q->f[CF_CSC] != '\0';
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "question_id", id,
                           "ccm_control_id", ccm, "answer", ans, "ownership", own, "question",
                           *q->f[CF_QUESTION] ? q->f[CF_QUESTION] : NULL, "csp_implementation",
                           *q->f[CF_IMPL] ? q->f[CF_IMPL] : NULL, "csc_responsibilities",
                           *q->f[CF_CSC] ? q->f[CF_CSC] : NULL));
    }
    if (!d->n && !json_array_size(lg->problems))
        ism_imp_problem(lg, NULL, NULL, "the CAIQ has no answers");
    json_object_set_new(summary, "questions", json_integer((json_int_t)json_array_size(out)));
    json_object_set_new(summary, "yes", json_integer(yes));
    json_object_set_new(summary, "no", json_integer(no));
    json_object_set_new(summary, "na", json_integer(na));
    json_object_set_new(summary, "csc_responsibilities", json_integer(csc));
    json_decref(seen);
    return out;
}

json_t *ism_import_caiq(const ism_import_ctx *ctx, ism_error *err)
{
    ism_imp_log lg;
    ism_imp_log_init(&lg, ctx->name);
    cdoc d = {0};
    json_t *out = NULL, *summary = json_object(), *answers = NULL, *data = NULL;
    ism_workbook *wb = NULL; /* kept until checked: the answers borrow its sheet names */
    if (ism_imp_sniff(ctx->data, ctx->len) == ISM_IMP_JSON) {
        json_t *j = ism_imp_read_json(ctx, err);
        if (!j) goto done;
        from_json(&d, &lg, j);
        json_decref(j);
    } else {
        wb = ism_imp_read_table_max(ctx, CAIQ_MAX_ROWS, "a CAIQ v4 (261 questions)", err);
        if (!wb) goto done;
        from_table(&d, &lg, wb);
    }
    answers = check(&d, &lg, summary);
    cdoc_free(&d);
    ism_workbook_free(wb);
    wb = NULL;
    if (ism_imp_failed(&lg, err)) goto done;
    data = json_pack("{s:s, s:O}", "version", "CAIQ v4", "answers", answers);
    ism_evidence_new ev = {
        .kind = "caiq", .key = "", .title = "CSA CAIQ v4", .data = data, .summary = summary};
    out = ism_imp_store(ctx, &ev, &lg, err);
done:
    json_decref(answers);
    json_decref(data);
    json_decref(summary);
    cdoc_free(&d);
    ism_workbook_free(wb);
    ism_imp_log_free(&lg);
    return out;
}
