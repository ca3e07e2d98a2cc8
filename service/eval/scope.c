/* scope.c — where a check cannot be judged. The snapshot's coverage table says, per account,
 * region and operation, whether the collector read it; a check that needs an operation that
 * was denied, failed or never recorded in a scope is "not assessed" there, whatever its SQL
 * says, because absence of data must never read as compliance. The table is read once per run
 * into sorted arrays (a few hundred thousand rows at most), so each check's gaps cost
 * only binary searches. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct cov_row {
    char *account, *region, *operation, *state, *reason;
} cov_row;

typedef struct scope {
    char *account, *region;
} scope;

struct eval_coverage {
    cov_row *rows; /* sorted by (account, region, operation) */
    size_t nrows;
    char **accounts; /* sorted, unique */
    size_t naccounts;
    scope *regional; /* sorted, unique (account, region), region != "global" */
    size_t nregional;
};

/* qsort and bsearch, but fine with an empty (NULL) array, which the C library is not. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1) qsort(base, n, size, cmp);
}

static void *search(const void *key, const void *base, size_t n, size_t size,
                    int (*cmp)(const void *, const void *))
{
    return n ? bsearch(key, base, n, size, cmp) : NULL;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static int cmp_row(const void *a, const void *b)
{
    const cov_row *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    if (!c) c = strcmp(x->region, y->region);
    return c ? c : strcmp(x->operation, y->operation);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_scope(const void *a, const void *b)
{
    const scope *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    return c ? c : strcmp(x->region, y->region);
}

static void add_account(eval_coverage *cov, size_t *cap, const char *a)
{
    if (cov->naccounts == *cap)
        cov->accounts = realloc(cov->accounts, (*cap = *cap ? *cap * 2 : 16) * sizeof(char *));
    cov->accounts[cov->naccounts++] = strdup(a);
}

static void add_scope(eval_coverage *cov, size_t *cap, const char *a, const char *r)
{
    if (cov->nregional == *cap)
        cov->regional = realloc(cov->regional, (*cap = *cap ? *cap * 2 : 16) * sizeof(scope));
    cov->regional[cov->nregional++] = (scope){strdup(a), strdup(r)};
}

/* Sorts and removes duplicates (freeing them). */
static void uniq_accounts(eval_coverage *cov)
{
    sort(cov->accounts, cov->naccounts, sizeof(char *), cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < cov->naccounts; i++) {
        if (k && !strcmp(cov->accounts[k - 1], cov->accounts[i]))
            free(cov->accounts[i]);
        else
            cov->accounts[k++] = cov->accounts[i];
    }
    cov->naccounts = k;
}

static void uniq_scopes(eval_coverage *cov)
{
    sort(cov->regional, cov->nregional, sizeof(scope), cmp_scope);
    size_t k = 0;
    for (size_t i = 0; i < cov->nregional; i++) {
        if (k && !cmp_scope(&cov->regional[k - 1], &cov->regional[i])) {
            free(cov->regional[i].account);
            free(cov->regional[i].region);
        } else {
            cov->regional[k++] = cov->regional[i];
        }
    }
    cov->nregional = k;
}

/* Accounts and regions the collection was asked for count as scopes even when it recorded
 * nothing there: a collection that never reached an account must say so, not stay silent. */
static void add_manifest_scope(eval_coverage *cov, sqlite3 *db, size_t *acap, size_t *scap)
{
    sqlite3_stmt *st = NULL;
    json_t *want = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM manifest WHERE key='scope'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        want = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_finalize(st);
    json_t *accounts = json_object_get(want, "accounts"),
           *regions = json_object_get(want, "regions");
    size_t i, j;
    json_t *a, *r;
    json_array_foreach(accounts, i, a)
    {
        if (!json_is_string(a)) continue;
        add_account(cov, acap, json_string_value(a));
        json_array_foreach(regions, j,
                           r) if (json_is_string(r) && strcmp(json_string_value(r), "global") != 0)
            add_scope(cov, scap, json_string_value(a), json_string_value(r));
    }
    json_decref(want);
}

eval_coverage *eval_coverage_load(sqlite3 *db, const char *provider, ism_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT account, region, operation, state, reason FROM coverage "
                           "WHERE provider = ?1 AND account IS NOT NULL AND region IS NOT NULL "
                           "AND operation IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK) {
        ism_error_set(err, ISM_E_INVALID_DATA, "snapshot has no readable coverage table: %s",
                      sqlite3_errmsg(db));
        return NULL;
    }
    sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
    eval_coverage *cov = calloc(1, sizeof *cov);
    size_t cap = 0, acap = 0, scap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cov->nrows == cap)
            cov->rows = realloc(cov->rows, (cap = cap ? cap * 2 : 256) * sizeof(cov_row));
        cov_row *r = &cov->rows[cov->nrows++];
        *r = (cov_row){dup_col(st, 0), dup_col(st, 1), dup_col(st, 2), dup_col(st, 3),
                       dup_col(st, 4)};
        add_account(cov, &acap, r->account);
        if (strcmp(r->region, "global") != 0) add_scope(cov, &scap, r->account, r->region);
    }
    if (rc != SQLITE_DONE)
        ism_error_set(err, ISM_E_IO, "reading the snapshot's coverage: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        eval_coverage_free(cov);
        return NULL;
    }
    add_manifest_scope(cov, db, &acap, &scap);
    sort(cov->rows, cov->nrows, sizeof(cov_row), cmp_row);
    uniq_accounts(cov);
    uniq_scopes(cov);
    return cov;
}

void eval_coverage_free(eval_coverage *cov)
{
    if (!cov) return;
    for (size_t i = 0; i < cov->nrows; i++) {
        cov_row *r = &cov->rows[i];
        free(r->account);
        free(r->region);
        free(r->operation);
        free(r->state);
        free(r->reason);
    }
    for (size_t i = 0; i < cov->naccounts; i++)
        free(cov->accounts[i]);
    for (size_t i = 0; i < cov->nregional; i++) {
        free(cov->regional[i].account);
        free(cov->regional[i].region);
    }
    free(cov->rows);
    free(cov->accounts);
    free(cov->regional);
    free(cov);
}

static const cov_row *lookup(const eval_coverage *cov, const char *account, const char *region,
                             const char *op)
{
    cov_row key = {(char *)account, (char *)region, (char *)op, NULL, NULL};
    return search(&key, cov->rows, cov->nrows, sizeof(cov_row), cmp_row);
}

/* Worse states sort later: a global operation recorded per region (an S3 call per bucket
 * region, say) is judged by the worst of its rows. */
static int badness(const char *state)
{
    static const char *const order[] = {"complete", "not_enabled", "skipped", "failed", "denied"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(state, order[i])) return i;
    return 5;
}

static const cov_row *lookup_global(const eval_coverage *cov, const char *account, const char *op)
{
    const cov_row *r = lookup(cov, account, "global", op);
    if (r) return r;
    /* The account's rows are contiguous: find the first, then walk them. */
    size_t lo = 0, hi = cov->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(cov->rows[mid].account, account) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const cov_row *worst = NULL;
    for (size_t i = lo; i < cov->nrows && !strcmp(cov->rows[i].account, account); i++)
        if (!strcmp(cov->rows[i].operation, op) &&
            (!worst || badness(cov->rows[i].state) > badness(worst->state)))
            worst = &cov->rows[i];
    return worst;
}

typedef struct gap_list {
    eval_gap *v;
    size_t n, cap;
} gap_list;

static void add_gap(gap_list *g, const char *account, const char *region, const eval_req *q,
                    const cov_row *r)
{
    eval_gap_kind kind = GAP_NOT_ASSESSED;
    char *reason;
    const char *why = r && r->reason && *r->reason ? r->reason : NULL;
    if (!r)
        reason = ism_strdupf("not collected: the snapshot has no coverage for %s:%s here",
                             q->service, q->operation);
    else if (!strcmp(r->state, "complete") || !strcmp(r->state, "not_enabled"))
        return;
    else if (!strcmp(r->state, "skipped")) {
        kind = GAP_SKIPPED;
        reason = ism_strdupf("out of the collection's scope (%s:%s)", q->service, q->operation);
    } else if (!strcmp(r->state, "denied"))
        reason =
            ism_strdupf("no access: %s (%s:%s)", why ? why : "denied", q->service, q->operation);
    else if (!strcmp(r->state, "failed"))
        reason = ism_strdupf("collection failed: %s (%s:%s)", why ? why : "error", q->service,
                             q->operation);
    else
        reason = ism_strdupf("coverage state '%s'%s%s (%s:%s)", r->state, why ? ": " : "",
                             why ? why : "", q->service, q->operation);
    if (g->n == g->cap) g->v = realloc(g->v, (g->cap = g->cap ? g->cap * 2 : 16) * sizeof *g->v);
    g->v[g->n++] = (eval_gap){strdup(account), strdup(region), kind, reason};
}

static int cmp_gap(const void *a, const void *b)
{
    const eval_gap *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    return c ? c : strcmp(x->region, y->region);
}

/* One gap per scope: not_assessed outweighs skipped; reasons of one kind are joined. */
static void merge(gap_list *g, eval_gaps *out)
{
    sort(g->v, g->n, sizeof *g->v, cmp_gap);
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++) {
        eval_gap *cur = &g->v[i], *prev = k ? &g->v[k - 1] : NULL;
        if (!prev || cmp_gap(prev, cur) != 0) {
            g->v[k++] = *cur;
            continue;
        }
        if (cur->kind == GAP_NOT_ASSESSED && prev->kind == GAP_SKIPPED) {
            free(prev->reason);
            prev->reason = cur->reason;
            prev->kind = GAP_NOT_ASSESSED;
            cur->reason = NULL;
        } else if (cur->kind == prev->kind) {
            char *joined = ism_strdupf("%s; %s", prev->reason, cur->reason);
            free(prev->reason);
            prev->reason = joined;
        }
        free(cur->account);
        free(cur->region);
        free(cur->reason);
    }
    out->v = g->v;
    out->n = k;
}

void eval_gaps_compute(const eval_coverage *cov, const eval_check *c, eval_gaps *out)
{
    gap_list g = {0};
    for (size_t i = 0; i < c->nreqs; i++) {
        const eval_req *q = &c->reqs[i];
        if (q->global) {
            for (size_t a = 0; a < cov->naccounts; a++)
                add_gap(&g, cov->accounts[a], "global", q,
                        lookup_global(cov, cov->accounts[a], q->operation));
        } else {
            for (size_t s = 0; s < cov->nregional; s++) {
                const scope *sc = &cov->regional[s];
                add_gap(&g, sc->account, sc->region, q,
                        lookup(cov, sc->account, sc->region, q->operation));
            }
        }
    }
    merge(&g, out);
}

void eval_gaps_free(eval_gaps *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].account);
        free(g->v[i].region);
        free(g->v[i].reason);
    }
    free(g->v);
    g->v = NULL;
    g->n = 0;
}

static const eval_gap *find(const eval_gaps *g, const char *account, const char *region)
{
    eval_gap key = {(char *)account, (char *)region, 0, NULL};
    return search(&key, g->v, g->n, sizeof *g->v, cmp_gap);
}

const eval_gap *eval_gaps_find(const eval_gaps *g, const char *account, const char *region)
{
    if (!g->n || !account) return NULL;
    const eval_gap *x = find(g, account, "global");
    if (!x && region && strcmp(region, "global") != 0) x = find(g, account, region);
    return x;
}
