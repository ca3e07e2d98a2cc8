/* ops_matrix.c — assessment ops: create (and evaluate), list, show, the matrix, findings,
 * judgments, waivers, diff, export. The matrix is materialized and invalidated by its inputs;
 * matrix.get keeps its serialized result (reply_cache.c). */
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "ismap/evidence.h"
#include "ismap/matrix.h"
#include "ismap/report.h"
#include "ismap/snapshot.h"
#include "ops.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ALL ISM_ROLES_ALL
#define AUDIT (ISM_ROLE_AUDITOR | ISM_ROLE_PROCUREMENT)

/* Today's date in Japan (the users' calendar), or the caller's "today" param. */
static bool today_of(const json_t *params, char out[11], ism_error *err)
{
    const char *t;
    if (!ism_json_str(params, "today", false, &t, err)) return false;
    if (t) {
        if (strlen(t) != 10 || t[4] != '-' || t[7] != '-')
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'today' must be YYYY-MM-DD");
        ism_strlcpy(out, t, 11);
        return true;
    }
    time_t now = time(NULL) + 9 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
    return true;
}

static const char *who(const ism_rpc_call *call)
{
    return ops_caller_name(call);
}

static bool need(ism_rpc_call *call, ism_error *err)
{
    if (call->app->catalogs && call->app->checks) return true;
    return ism_error_set(err, ISM_E_UNAVAILABLE, "catalogs or checks are not loaded");
}

/* The accounts a sealed snapshot covers, from its manifest's scope (malloc'd JSON array), or
 * NULL when the file cannot be read or names none. */
static json_t *snapshot_accounts(const json_t *row)
{
    ism_snapshot *snap = ism_snapshot_open(ism_json_getstr(row, "path"), false, NULL);
    if (!snap) return NULL;
    const char *sc = ism_snapshot_manifest(snap, "scope");
    json_t *scope = sc ? json_loads(sc, 0, NULL) : NULL;
    json_t *acc = json_object_get(scope, "accounts");
    json_t *out = json_is_array(acc) && json_array_size(acc) ? json_incref(acc) : NULL;
    json_decref(scope);
    ism_snapshot_close(snap);
    return out;
}

static bool in_list(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i,
                       v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
    return false;
}

/* The default scope of an assessment: the newest sealed snapshots of the caller's org that
 * together cover the subject's accounts (each taken only for accounts no newer one covers).
 * A subject that names no accounts takes the newest sealed snapshot of each provider. *choice
 * receives {rule, used: [{id, accounts}], uncovered: [...]} to say which were used and why. */
static json_t *default_snapshots(ism_rpc_call *call, const json_t *subject, json_t **choice,
                                 ism_error *err)
{
    json_t *all = ism_snapshot_list(call->app->store, ops_org_scope(call), 1000, err);
    if (!all) return NULL;
    const json_t *want = json_object_get(subject, "accounts");
    bool by_account = json_array_size(want) > 0;
    json_t *out = json_array(), *seen = json_object(), *used = json_array();
    json_t *covered = json_object();
    size_t i, k;
    json_t *s, *a;
    json_array_foreach(all, i, s)
    {
        if (strcmp(ism_json_getstr(s, "state"), "sealed")) continue;
        if (by_account && json_object_size(covered) == json_array_size(want)) break;
        const char *prov = ism_json_getstr(s, "provider");
        json_t *mine = json_array();
        if (by_account) {
            json_t *acc = snapshot_accounts(s);
            json_array_foreach(acc, k, a)
            {
                const char *id = json_string_value(a);
                if (id && in_list(want, id) && !json_object_get(covered, id)) {
                    json_object_set_new(covered, id, json_true());
                    json_array_append(mine, a);
                }
            }
            json_decref(acc);
            if (!json_array_size(mine)) {
                json_decref(mine);
                continue;
            }
        } else {
            if (json_object_get(seen, prov)) {
                json_decref(mine);
                continue;
            }
            json_object_set_new(seen, prov, json_true());
        }
        json_array_append(out, json_object_get(s, "id"));
        json_array_append_new(used, json_pack("{s:O, s:s?, s:O?, s:o}", "id",
                                              json_object_get(s, "id"), "provider", prov, "created",
                                              json_object_get(s, "created"), "accounts", mine));
    }
    json_t *uncovered = json_array();
    json_array_foreach(want, i,
                       a) if (json_is_string(a) && !json_object_get(covered, json_string_value(a)))
        json_array_append(uncovered, a);
    json_decref(seen);
    json_decref(covered);
    json_decref(all);
    if (by_account && json_array_size(out) == 0) {
        char *w = json_dumps(want, JSON_COMPACT);
        ism_error_set(err, ISM_E_NOT_FOUND,
                      "no sealed snapshot of this organization covers the subject's accounts %s: "
                      "collect them, or name snapshots with 'snapshots'",
                      w ? w : "");
        free(w);
        json_decref(out);
        json_decref(used);
        json_decref(uncovered);
        return NULL;
    }
    *choice = json_pack("{s:s, s:o, s:o}", "rule",
                        by_account ? "the newest sealed snapshots covering the subject's accounts"
                                   : "the subject names no accounts: the newest sealed snapshot "
                                     "of each provider",
                        "used", used, "uncovered", uncovered);
    return out;
}

static json_t *string_list(const json_t *v, const char *field, ism_error *err)
{
    /* Accepts ["a","b"] or "a,b". */
    if (json_is_string(v)) {
        json_t *arr = json_array();
        char *copy = strdup(json_string_value(v)), *save = NULL;
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
            json_array_append_new(arr, json_string(t));
        free(copy);
        return arr;
    }
    size_t i;
    json_t *e;
    if (!json_is_array(v)) goto bad;
    json_array_foreach(v, i, e) if (!json_is_string(e)) goto bad;
    return json_incref((json_t *)v);
bad:
    ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a list of strings", field);
    return NULL;
}

OP(op_assessment_create)
{
    const char *subject, *name, *as_of;
    if (!need(call, err) || !ism_json_str(params, "subject", true, &subject, err) ||
        !ism_json_str(params, "name", false, &name, err) ||
        !ism_json_str(params, "as_of", false, &as_of, err))
        return false;
    json_t *fwv = json_object_get(params, "frameworks");
    if (!fwv) return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'frameworks' is required");
    json_t *meta = json_object_get(params, "meta");
    if (json_is_null(meta)) meta = NULL;
    if (meta && !json_is_object(meta))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'meta' must be an object");
    json_t *fws = string_list(fwv, "frameworks", err);
    if (!fws) return false;
    size_t i;
    json_t *f;
    bool ok = json_array_size(fws) > 0;
    if (!ok) ism_error_set(err, ISM_E_INVALID_PARAMS, "name at least one framework");
    json_array_foreach(fws, i, f)
    {
        json_t *r =
            ok ? ism_matrix_requirements(call->app->catalogs, json_string_value(f), err) : NULL;
        ok = ok && r;
        json_decref(r);
    }
    json_t *sub = ok ? ism_subject_get(call->app->store, subject, ops_org_scope(call), err) : NULL;
    json_t *snaps = NULL, *choice = NULL;
    if (sub) {
        json_t *sv = json_object_get(params, "snapshots");
        snaps = sv ? string_list(sv, "snapshots", err) : default_snapshots(call, sub, &choice, err);
    }
    json_array_foreach(snaps, i, f)
    {
        json_t *row =
            ism_snapshot_get(call->app->store, json_string_value(f), ops_org_scope(call), err);
        bool sealed = row && !strcmp(ism_json_getstr(row, "state"), "sealed");
        if (row && !sealed)
            ism_error_set(err, ISM_E_CONFLICT, "snapshot %s is not sealed", json_string_value(f));
        json_decref(row);
        if (!sealed) {
            json_decref(snaps);
            snaps = NULL;
            break;
        }
    }
    json_t *a = snaps ? ism_assessment_create(call->app->store, ops_org_scope(call),
                                              ism_json_getstr(sub, "id"), name, fws, snaps, as_of,
                                              meta, who(call), err)
                      : NULL;
    json_decref(fws);
    json_decref(sub);
    if (!a) {
        json_decref(snaps);
        json_decref(choice);
        return false;
    }
    json_object_set_new(
        a, "snapshot_choice",
        choice ? choice : json_pack("{s:s, s:O}", "rule", "named by the caller", "used", snaps));
    const char *aid = ism_json_getstr(a, "id");
    char job[64] = "";
    if (json_array_size(snaps)) {
        json_t *p = json_pack("{s:s}", "assessment", aid);
        bool sub_ok = ism_jobs_submit(call->app->jobs, "assessment.evaluate", p,
                                      ops_org_scope(call), job, err);
        json_decref(p);
        if (!sub_ok) {
            json_decref(a);
            json_decref(snaps);
            return false;
        }
    } else {
        ism_assessment_set_state(call->app->store, aid, "ready", NULL, NULL);
    }
    json_decref(snaps);
    json_object_set_new(a, "job", job[0] ? json_string(job) : json_null());
    *result = a;
    return true;
}

OP(op_assessment_list)
{
    (void)params;
    *result = ism_assessment_list(call->app->store, ops_org_scope(call), err);
    return *result != NULL;
}

OP(op_assessment_show)
{
    const char *id;
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    *result = ism_assessment_get(call->app->store, id, ops_org_scope(call), err);
    return *result != NULL;
}

/* Where the matrix comes from, so every report can say it: the product version, the
 * assessment's snapshots with their recorded SHA-256, the evidence ids that bore on it, the
 * catalogs' revisions and the checks' version. New reference. */
static json_t *provenance(ism_rpc_call *call, const json_t *a, const json_t *support,
                          const json_t *m)
{
    json_t *snaps = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(a, "snapshots"), i, v)
    {
        json_t *row = ism_snapshot_get(call->app->store, json_string_value(v), "", NULL);
        json_array_append_new(snaps, json_pack("{s:O, s:s?, s:s?, s:s?, s:s?}", "id", v, "provider",
                                               ism_json_getstr(row, "provider"), "sha256",
                                               ism_json_getstr(row, "sha256"), "created",
                                               ism_json_getstr(row, "created"), "sealed",
                                               ism_json_getstr(row, "sealed")));
        json_decref(row);
    }
    json_t *ev = json_object();
    const char *item;
    json_t *list, *e;
    json_object_foreach(json_object_get(support, "items"), item, list)
    {
        json_array_foreach(list, i, e) if (ism_json_getstr(e, "evidence"))
            json_object_set_new(ev, ism_json_getstr(e, "evidence"), json_true());
    }
    json_array_foreach(json_object_get(support, "documents"), i,
                       e) if (ism_json_getstr(e, "evidence"))
        json_object_set_new(ev, ism_json_getstr(e, "evidence"), json_true());
    json_t *evidence = json_array();
    const char *id;
    json_object_foreach(ev, id, v) json_array_append_new(evidence, json_string(id));
    json_decref(ev);
    /* The catalogs the requirements come from, with their latest revision. */
    json_t *used = json_object();
    json_array_foreach(json_object_get(m, "requirements"), i, e)
        json_object_set_new(used, ism_json_getstr(e, "catalog"), json_true());
    json_t *cats = json_array(), *all = ism_catalog_list(call->app->catalogs);
    json_array_foreach(all, i, e)
    {
        const char *cid = ism_json_getstr(e, "id");
        if (!cid || !json_object_get(used, cid)) continue;
        json_t *revs = json_object_get(e, "revisions");
        json_t *last = json_array_get(revs, json_array_size(revs) ? json_array_size(revs) - 1 : 0);
        json_array_append_new(cats, json_pack("{s:s, s:s?, s:s?}", "id", cid, "revision",
                                              ism_json_getstr(last, "id"), "date",
                                              ism_json_getstr(last, "date")));
    }
    json_decref(all);
    json_decref(used);
    json_t *checks = ism_eval_version(call->app->checks);
    return json_pack("{s:s, s:o, s:o, s:o, s:o}", "product", "ismap-assess " ISM_VERSION,
                     "snapshots", snaps, "evidence", evidence, "catalogs", cats, "checks",
                     checks ? checks : json_null());
}

/* The checks' digest, computed once per loaded set (the set is read-only while it lives). */
static void checks_digest(const struct ism_eval_checks *cs, char out[65])
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static const struct ism_eval_checks *seen;
    static char digest[65];
    pthread_mutex_lock(&mu);
    if (seen != cs) {
        json_t *ver = ism_eval_version(cs);
        ism_strlcpy(digest, ism_json_getstr(ver, "sha256") ? ism_json_getstr(ver, "sha256") : "",
                    sizeof digest);
        json_decref(ver);
        seen = cs;
    }
    ism_strlcpy(out, digest, 65);
    pthread_mutex_unlock(&mu);
}

/* What the evidence support depends on, cheaply: the subject's and the installation-wide
 * evidence rows (ids, versions, validity, superseded), not the support itself (costly). */
static char *evidence_fingerprint(ism_rpc_call *call, const json_t *a, ism_error *err)
{
    const char *org = ism_json_getstr(a, "org");
    json_t *mine =
        ism_evidence_list(call->app->store, ism_json_getstr(a, "subject"), NULL, true, org, err);
    json_t *wide = mine ? ism_evidence_list(call->app->store, NULL, NULL, true, org, err) : NULL;
    char *out = NULL;
    if (wide) {
        char *x = json_dumps(mine, JSON_COMPACT | JSON_SORT_KEYS);
        char *y = json_dumps(wide, JSON_COMPACT | JSON_SORT_KEYS);
        char *both = ism_strdupf("%s|%s", x ? x : "", y ? y : "");
        char sha[65];
        ism_sha256_hex(both, strlen(both), sha);
        out = strdup(sha);
        free(both);
        free(x);
        free(y);
    }
    json_decref(mine);
    json_decref(wide);
    return out;
}

/* The digest of everything the matrix of assessment a depends on: the store's inputs
 * (findings, judgments, waivers), the evidence rows, the catalogs, the checks and today.
 * malloc'd hex, or NULL with err. */
static char *matrix_key(ism_rpc_call *call, const json_t *a, const char *today, ism_error *err)
{
    const char *as_of = ism_json_getstr(a, "as_of");
    char *ev = evidence_fingerprint(call, a, err);
    if (!ev) return NULL;
    char digest[65];
    checks_digest(call->app->checks, digest);
    char *extra = ism_strdupf("%s|%s|%s|%s|%s", ev, digest, ism_catalog_dir(call->app->catalogs),
                              as_of ? as_of : "", today);
    char *key = ism_matrix_inputs_key(call->app->store, ism_json_getstr(a, "id"),
                                      ops_org_scope(call), extra, err);
    free(extra);
    free(ev);
    return key;
}

static pthread_mutex_t memo_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t memo_cv = PTHREAD_COND_INITIALIZER;
static uint64_t memo_builds; /* matrices computed (not loaded from the store): status shows it */

/* The matrix of assessment a whose inputs have digest key: the materialized one when it was
 * made from them (one query), else computed now and stored. New reference, or NULL with err. */
static json_t *matrix_load_or_build(ism_rpc_call *call, const json_t *a, const char *key,
                                    const char *today, ism_error *err)
{
    const char *aid = ism_json_getstr(a, "id"), *as_of = ism_json_getstr(a, "as_of");
    json_t *m = ism_matrix_cache_get(call->app->store, aid, key);
    if (m) return m;
    json_t *support =
        ism_evidence_support(call->app->store, call->app->catalogs, ism_json_getstr(a, "subject"),
                             ism_json_getstr(a, "org"), as_of ? as_of : today, err);
    json_t *refs = support ? ism_eval_check_refs(call->app->checks) : NULL;
    m = refs ? ism_matrix_build(call->app->store, call->app->catalogs, refs, support, aid,
                                ops_org_scope(call), today, err)
             : NULL;
    json_decref(refs);
    if (m) json_object_set_new(m, "provenance", provenance(call, a, support, m));
    /* A failed store write costs only the next request a recomputation. */
    if (m) ism_matrix_cache_put(call->app->store, aid, key, m, NULL);
    json_decref(support);
    if (m) {
        pthread_mutex_lock(&memo_mu);
        memo_builds++;
        pthread_mutex_unlock(&memo_mu);
    }
    return m;
}

/* The matrices made last, in memory, by store, assessment, caller's scope and inputs' digest.
 * A change of inputs (a judgment, a waiver, a finding, an evidence row) makes every kind of read
 * that follows — the summary, each page and filter, an export — need the new matrix at once:
 * the first caller loads or builds it, the others wait for it instead of each building their
 * own (that storm held 100 readers 20–40 s behind 10% writes), and later callers take it from
 * memory instead of parsing the materialized row again. Entries are never modified: readers
 * share them (matrix_shared: a page or the summary is a shallow copy with its own requirements
 * array), callers that change a matrix get a deep copy (matrix_for_key). */
#define MEMO_SLOTS 4
static struct memo {
    char *name;    /* NULL: free */
    json_t *m;     /* the matrix, once made */
    bool building; /* a caller is making it; others wait on memo_cv */
    uint64_t used;
} memo[MEMO_SLOTS];
static uint64_t memo_clock, memo_hits, memo_waits;

static struct memo *memo_find(const char *name)
{
    for (int i = 0; i < MEMO_SLOTS; i++)
        if (memo[i].name && !strcmp(memo[i].name, name)) return &memo[i];
    return NULL;
}

/* A slot for name, marked building: a free one, else the least recently used that is not being
 * built; NULL when every slot is being built (the caller builds without the memo). */
static struct memo *memo_claim(char *name)
{
    struct memo *pick = NULL;
    for (int i = 0; i < MEMO_SLOTS; i++) {
        if (memo[i].building) continue;
        if (!memo[i].name) {
            pick = &memo[i];
            break;
        }
        if (!pick || memo[i].used < pick->used) pick = &memo[i];
    }
    if (!pick) return NULL;
    free(pick->name);
    json_decref(pick->m);
    *pick = (struct memo){.name = name, .building = true, .used = ++memo_clock};
    return pick;
}

/* The matrix of assessment a for inputs key, shared: a reference the caller must not modify
 * (others read it at the same time) — take json_copy (shallow) to change members, or use
 * matrix_for_key. New reference, or NULL with err. */
static json_t *matrix_shared(ism_rpc_call *call, const json_t *a, const char *key,
                             const char *today, ism_error *err)
{
    const char *path = ism_store_path(call->app->store);
    char *name = ism_strdupf("%s|%s|%s|%s", path ? path : "", ism_json_getstr(a, "id"),
                             ops_org_scope(call), key);
    pthread_mutex_lock(&memo_mu);
    struct memo *slot;
    while ((slot = memo_find(name)) && slot->building) {
        memo_waits++;
        pthread_cond_wait(&memo_cv, &memo_mu);
    }
    if (slot) {
        memo_hits++;
        slot->used = ++memo_clock;
        json_t *kept = json_incref(slot->m);
        pthread_mutex_unlock(&memo_mu);
        free(name);
        return kept;
    }
    slot = memo_claim(name);
    if (!slot) free(name);
    pthread_mutex_unlock(&memo_mu);
    json_t *m = matrix_load_or_build(call, a, key, today, err);
    pthread_mutex_lock(&memo_mu);
    if (slot) {
        slot->building = false;
        if (m) {
            slot->m = json_incref(m);
        } else { /* failed: the next caller tries again */
            free(slot->name);
            slot->name = NULL;
        }
        pthread_cond_broadcast(&memo_cv);
    }
    pthread_mutex_unlock(&memo_mu);
    return m;
}

/* The matrix of assessment a for inputs key, the caller's own to modify. New reference, or NULL
 * with err. */
static json_t *matrix_for_key(ism_rpc_call *call, const json_t *a, const char *key,
                              const char *today, ism_error *err)
{
    json_t *shared = matrix_shared(call, a, key, today, err);
    json_t *m = shared ? json_deep_copy(shared) : NULL;
    if (shared && !m) ism_error_set(err, ISM_E_INTERNAL, "out of memory copying the matrix");
    json_decref(shared);
    return m;
}

void ops_matrix_memo_stats(json_t *into)
{
    pthread_mutex_lock(&memo_mu);
    json_object_set_new(into, "matrix_builds", json_integer((json_int_t)memo_builds));
    json_object_set_new(into, "matrix_memo_hits", json_integer((json_int_t)memo_hits));
    json_object_set_new(into, "matrix_memo_waits", json_integer((json_int_t)memo_waits));
    pthread_mutex_unlock(&memo_mu);
}

/* The matrix of an assessment (see matrix_for_key); *assess, when given, receives the
 * assessment row (new reference). */
static json_t *matrix_of(ism_rpc_call *call, const char *aid, const char *today, json_t **assess,
                         ism_error *err)
{
    json_t *a = ism_assessment_get(call->app->store, aid, ops_org_scope(call), err);
    if (!a) return NULL;
    char *key = matrix_key(call, a, today, err);
    json_t *m = key ? matrix_for_key(call, a, key, today, err) : NULL;
    free(key);
    if (assess && m)
        *assess = a;
    else
        json_decref(a);
    return m;
}

json_t *ops_matrix_of(ism_rpc_call *call, const char *aid, const char *today, json_t **assess,
                      ism_error *err)
{
    return matrix_of(call, aid, today, assess, err);
}

/* The matrix.get result, built now: the matrix with its requirements in the one shape every
 * caller sees, the JSON report's REQUIREMENT (docs/report-format.md), made from the same inputs
 * as assessment.export, keeping only those of `status` and `framework` when given. */
static json_t *matrix_reply(ism_rpc_call *call, const json_t *a, const char *key, const char *today,
                            const char *status, const char *fw, long offset, long limit,
                            ism_error *err)
{
    /* A shallow copy of the shared matrix: only its requirements member is replaced here, and
     * the requirement objects are read, never changed. */
    json_t *shared = matrix_shared(call, a, key, today, err);
    json_t *m = shared ? json_copy(shared) : NULL;
    json_decref(shared);
    if (!m) return NULL;
    if (status || fw) {
        json_t *keep = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(m, "requirements"), i, r)
        {
            if (status && strcmp(ism_json_getstr(r, "status"), status)) continue;
            if (fw && strcmp(ism_json_getstr(r, "framework"), fw)) continue;
            json_array_append(keep, r);
        }
        json_object_set_new(m, "requirements", keep);
    }
    /* A page (limit > 0): those requirements only, and where the page lies. */
    size_t total = json_array_size(json_object_get(m, "requirements"));
    if (limit > 0) {
        json_t *page = json_array();
        for (size_t i = (size_t)offset; i < total && i < (size_t)(offset + limit); i++)
            json_array_append(page, json_array_get(json_object_get(m, "requirements"), i));
        json_object_set_new(m, "requirements", page);
    }
    json_t *judg = ism_judgment_latest(call->app->store, ism_json_getstr(a, "id"), err);
    ism_report_input in = {m, NULL, judg, NULL, call->app->catalogs, NULL};
    json_t *reqs = judg ? ism_report_requirements(&in, err) : NULL;
    json_decref(judg);
    if (!reqs) {
        json_decref(m);
        return NULL;
    }
    json_object_set_new(m, "requirements", reqs);
    if (limit > 0) {
        long next = offset + (long)json_array_size(reqs);
        json_object_set_new(m, "total", json_integer((json_int_t)total));
        json_object_set_new(m, "offset", json_integer(offset));
        json_object_set_new(m, "next_cursor",
                            next < (long)total ? json_sprintf("o%ld", next) : json_null());
    }
    return m;
}

/* A paging cursor as this service gives them ("o<offset>"): its offset, 0 for none. */
static bool cursor_offset(const char *cursor, long *offset, ism_error *err)
{
    *offset = 0;
    if (!cursor) return true;
    char *end = NULL;
    long o = cursor[0] == 'o' ? strtol(cursor + 1, &end, 10) : -1;
    if (o < 0 || !end || *end || end == cursor + 1)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'cursor' is not one this service gave (use next_cursor)");
    *offset = o;
    return true;
}

/* The matrix.get reply's entity tag: the digest of the matrix's inputs and of what was asked
 * (the reply's name), so a page, a filter and the summary each have their own. 32 hex. */
static void matrix_etag(const char *key, const char *name, char out[33])
{
    char *both = ism_strdupf("%s|%s", key, name);
    char sha[65];
    ism_sha256_hex(both, strlen(both), sha);
    free(both);
    memcpy(out, sha, 32);
    out[32] = '\0';
}

/* o with "etag" as its first member (the HTTP gateway reads it from the head of the kept text
 * without parsing 1 MB): a new object; o is consumed. */
static json_t *etag_first(const char *etag, json_t *o)
{
    json_t *out = json_pack("{s:s}", "etag", etag);
    json_object_update(out, o);
    json_decref(o);
    return out;
}

/* A read costs a lookup: the serialized result is kept (reply_cache.c) per assessment, caller's
 * scope and filters, tagged with the digest of the matrix's inputs, and sent as it is; a new
 * finding, evidence row, judgment or waiver changes the digest and so the next read rebuilds
 * it, once, however many callers ask at the same time. A caller that holds the reply's etag
 * sends it as if_none_match and, while the inputs are the same, gets {etag, assessment,
 * unchanged: true} without the body; summary: true answers the counts without requirements. */
OP(op_matrix_get)
{
    const char *aid, *status, *fw, *cursor, *inm;
    json_int_t limit = 0;
    bool summary = false;
    char today[11];
    if (!need(call, err) || !ism_json_str(params, "assessment", true, &aid, err) ||
        !ism_json_str(params, "status", false, &status, err) ||
        !ism_json_str(params, "framework", false, &fw, err) ||
        !ism_json_str(params, "cursor", false, &cursor, err) ||
        !ism_json_int(params, "limit", false, 1, 10000, &limit, err) ||
        !ism_json_str(params, "if_none_match", false, &inm, err) ||
        !ism_json_bool(params, "summary", false, &summary, err) || !today_of(params, today, err))
        return false;
    if (summary && (status || fw || cursor || limit))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'summary' answers the counts of the whole matrix: it takes no "
                             "status, framework, cursor or limit");
    long offset = 0;
    if (!cursor_offset(cursor, &offset, err)) return false;
    if (cursor && !limit) limit = 1000;
    ism_req_status st;
    if (status && !ism_req_status_parse(status, &st))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'status' must be one of not_satisfied, partial, "
                             "evidence_expired, not_assessed, satisfied, not_applicable, waived");
    if (fw) {
        json_t *known = ism_matrix_requirements(call->app->catalogs, fw, err);
        if (!known) return false;
        json_decref(known);
    }
    json_t *a = ism_assessment_get(call->app->store, aid, ops_org_scope(call), err);
    char *key = a ? matrix_key(call, a, today, err) : NULL;
    if (!key) {
        json_decref(a);
        return false;
    }
    char *name =
        ism_strdupf("matrix.get|%s|%s|%s|%s|%s|%ld|%ld|%d",
                    ism_store_path(call->app->store) ? ism_store_path(call->app->store) : "",
                    ops_org_scope(call), aid, status ? status : "", fw ? fw : "", offset,
                    (long)limit, summary ? 1 : 0);
    char etag[33];
    matrix_etag(key, name, etag);
    *result = NULL;
    char *text = NULL;
    if (inm && !strcmp(inm, etag)) {
        /* The caller's copy is current: no body. */
        json_t *res = json_pack("{s:s, s:s, s:b}", "etag", etag, "assessment", aid, "unchanged", 1);
        text = res ? json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(res);
        if (!text) ism_error_set(err, ISM_E_INTERNAL, "cannot serialize the reply");
    } else if ((text = ops_reply_cache_get(name, key, NULL))) {
        call->result_release = ops_reply_cache_release;
    } else {
        json_t *res = NULL;
        if (summary) {
            json_t *shared = matrix_shared(call, a, key, today, err);
            res = shared ? json_copy(shared) : NULL;
            json_decref(shared);
            if (res) json_object_del(res, "requirements");
        } else {
            res = matrix_reply(call, a, key, today, status, fw, offset, (long)limit, err);
        }
        if (res) res = etag_first(etag, res);
        text = res ? json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (text)
            ops_reply_cache_put(name, key, text, strlen(text));
        else
            ops_reply_cache_abandon(name, key);
        if (res && !text) ism_error_set(err, ISM_E_INTERNAL, "cannot serialize the matrix");
        json_decref(res);
    }
    free(name);
    free(key);
    json_decref(a);
    call->result_text = text;
    return text != NULL;
}

/* One of the values a findings filter accepts, or an invalid_params error listing them. */
static bool one_of(const char *field, const char *v, const char *const *ok, const char *list,
                   ism_error *err)
{
    if (!v || !*v) return true;
    for (; *ok; ok++)
        if (!strcmp(v, *ok)) return true;
    return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be %s, not '%s'", field, list,
                         v);
}

/* A page of findings: {findings, total, offset, next_cursor (null on the last page)}, filtered
 * by status, check, account, region, severity and network domain; with facets: true also the
 * values each filter can take over the whole assessment, with counts. The cursor is opaque to
 * callers ("o<offset>" into the filtered list); the order is total, so pages of the same
 * filters neither repeat nor skip. */
OP(op_findings_list)
{
    static const char *const severities[] = {"critical", "high", "medium", "low", "info", NULL};
    static const char *const domains[] = {"mynumber", "lgwan", "internet", NULL};
    const char *aid, *cursor;
    ism_findings_filter f = {0};
    json_int_t limit = 1000;
    bool facets = false;
    if (!ism_json_str(params, "assessment", true, &aid, err) ||
        !ism_json_str(params, "status", false, &f.status, err) ||
        !ism_json_str(params, "check", false, &f.check, err) ||
        !ism_json_str(params, "account", false, &f.account, err) ||
        !ism_json_str(params, "region", false, &f.region, err) ||
        !ism_json_str(params, "severity", false, &f.severity, err) ||
        !ism_json_str(params, "domain", false, &f.domain, err) ||
        !ism_json_str(params, "cursor", false, &cursor, err) ||
        !ism_json_int(params, "limit", false, 1, 10000, &limit, err) ||
        !ism_json_bool(params, "facets", false, &facets, err))
        return false;
    if (f.status && *f.status && !ism_eval_status_parse(f.status, &(ism_eval_status){0}))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'status' must be pass, fail, error or not_assessed");
    if (!one_of("severity", f.severity, severities, "critical, high, medium, low or info", err) ||
        !one_of("domain", f.domain, domains, "mynumber, lgwan or internet", err))
        return false;
    long offset = 0;
    if (!cursor_offset(cursor, &offset, err)) return false;
    json_t *a = ism_assessment_get(call->app->store, aid, ops_org_scope(call), err);
    if (!a) return false;
    json_decref(a);
    long total = 0;
    json_t *page = ism_findings_page(call->app->store, aid, &f, offset, (int)limit, &total, err);
    if (!page) return false;
    long next = offset + (long)json_array_size(page);
    *result = json_pack("{s:o, s:I, s:I, s:o}", "findings", page, "total", (json_int_t)total,
                        "offset", (json_int_t)offset, "next_cursor",
                        next < total ? json_sprintf("o%ld", next) : json_null());
    if (facets) {
        json_t *fc = ism_findings_facets(call->app->store, aid, err);
        if (!fc) {
            json_decref(*result);
            *result = NULL;
            return false;
        }
        json_object_set_new(*result, "facets", fc);
    }
    return true;
}

OP(op_judgment_add)
{
    const char *aid;
    if (!need(call, err) || !ism_json_str(params, "assessment", true, &aid, err)) return false;
    json_t *a = ism_assessment_get(call->app->store, aid, ops_org_scope(call), err);
    if (!a) return false;
    json_decref(a);
    const char *cat = ism_json_getstr(params, "catalog"), *item = ism_json_getstr(params, "item");
    if (cat && item && !ism_catalog_has(call->app->catalogs, cat, item))
        return ism_error_set(err, ISM_E_NOT_FOUND, "catalog %s has no item '%s'", cat, item);
    *result = ism_judgment_add(call->app->store, aid, params, who(call), err);
    if (*result) ism_rpc_matrix_changed(call, aid);
    return *result != NULL;
}

OP(op_judgment_history)
{
    const char *aid, *cat, *item;
    if (!ism_json_str(params, "assessment", true, &aid, err) ||
        !ism_json_str(params, "catalog", true, &cat, err) ||
        !ism_json_str(params, "item", true, &item, err))
        return false;
    json_t *a = ism_assessment_get(call->app->store, aid, ops_org_scope(call), err);
    if (!a) return false;
    json_decref(a);
    *result = ism_judgment_history(call->app->store, aid, cat, item, err);
    return *result != NULL;
}

OP(op_waiver_add)
{
    const char *cat = ism_json_getstr(params, "catalog"), *item = ism_json_getstr(params, "item");
    const char *check = ism_json_getstr(params, "check"),
               *aid = ism_json_getstr(params, "assessment");
    if (!need(call, err)) return false;
    if (cat && item && !ism_catalog_has(call->app->catalogs, cat, item))
        return ism_error_set(err, ISM_E_NOT_FOUND, "catalog %s has no item '%s'", cat, item);
    if (check) {
        json_t *c = ism_eval_show(call->app->checks, check, err);
        if (!c) return false;
        json_decref(c);
    }
    /* A waiver of one assessment belongs to that assessment's organization, also when an
     * all-organization admin records it: under org "" it would be shown to every organization. */
    char owner[128];
    ism_strlcpy(owner, ops_org_scope(call), sizeof owner);
    if (aid) {
        json_t *a = ism_assessment_get(call->app->store, aid, ops_org_scope(call), err);
        if (!a) return false;
        if (!owner[0] && ism_json_getstr(a, "org"))
            ism_strlcpy(owner, ism_json_getstr(a, "org"), sizeof owner);
        json_decref(a);
    }
    /* Refused, not recorded: a waiver that has already expired, or one for a resource no
     * finding of that check has ever named (a typo would waive nothing, silently). */
    char today[11];
    const char *exp = ism_json_getstr(params, "expires"),
               *res = ism_json_getstr(params, "resource");
    if (!today_of(params, today, err)) return false;
    if (exp && strlen(exp) == 10 && strcmp(exp, today) < 0)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'expires' (%s) is in the past: today is %s (Japan)", exp,
                             today);
    if (check && res &&
        !ism_findings_has_resource(call->app->store, ops_org_scope(call), aid, check, res))
        return ism_error_set(err, ISM_E_NOT_FOUND,
                             "no finding of check %s names resource '%s'%s%s: nothing to waive",
                             check, res, aid ? " in assessment " : "", aid ? aid : "");
    *result = ism_waiver_add(call->app->store, owner, params, who(call), err);
    if (*result) ism_rpc_matrix_changed(call, aid);
    return *result != NULL;
}

OP(op_waiver_list)
{
    const char *aid;
    char today[11];
    if (!ism_json_str(params, "assessment", false, &aid, err) || !today_of(params, today, err))
        return false;
    *result = ism_waiver_list(call->app->store, ops_org_scope(call), aid, today, err);
    return *result != NULL;
}

OP(op_waiver_revoke)
{
    const char *id;
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    if (!ism_waiver_revoke(call->app->store, id, ops_org_scope(call), who(call), err)) return false;
    ism_rpc_matrix_changed(call, NULL);
    *result = json_pack("{s:s, s:b}", "id", id, "revoked", 1);
    return true;
}

OP(op_assessment_diff)
{
    const char *a, *b;
    char today[11];
    if (!need(call, err) || !ism_json_str(params, "a", true, &a, err) ||
        !ism_json_str(params, "b", true, &b, err) || !today_of(params, today, err))
        return false;
    json_t *ma = matrix_of(call, a, today, NULL, err);
    json_t *mb = ma ? matrix_of(call, b, today, NULL, err) : NULL;
    json_t *fa = mb ? ism_findings_list(call->app->store, a, "fail", NULL, 0, err) : NULL;
    json_t *fb = fa ? ism_findings_list(call->app->store, b, "fail", NULL, 0, err) : NULL;
    json_t *cb = fb ? ism_findings_coverage(call->app->store, b, err) : NULL;
    if (cb) *result = ism_matrix_diff(ma, mb, fa, fb, cb);
    json_decref(cb);
    json_decref(ma);
    json_decref(mb);
    json_decref(fa);
    json_decref(fb);
    return *result != NULL;
}

static char *b64(const unsigned char *buf, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
    return out;
}

OP(op_assessment_export)
{
    const char *aid, *fmt_s;
    char today[11];
    if (!need(call, err) || !ism_json_str(params, "assessment", true, &aid, err) ||
        !ism_json_str(params, "format", true, &fmt_s, err) || !today_of(params, today, err))
        return false;
    ism_report_format fmt;
    if (!ism_report_format_parse(fmt_s, &fmt))
        return ism_error_set(
            err, ISM_E_INVALID_PARAMS,
            "field 'format' must be csv, csv-findings, xlsx, json, oscal, html or pdf");
    json_t *a = NULL;
    json_t *m = matrix_of(call, aid, today, &a, err);
    if (!m) return false;
    json_t *findings = ism_findings_list(call->app->store, aid, NULL, NULL, 0, err);
    json_t *judg = findings ? ism_judgment_latest(call->app->store, aid, err) : NULL;
    bool ok = judg != NULL;
    /* Reports name the subject as people know it, with its id for reference. */
    json_t *sub = ism_subject_get(call->app->store, ism_json_getstr(a, "subject"),
                                  ism_json_getstr(a, "org"), NULL);
    if (sub)
        json_object_set_new(
            a, "subject",
            json_sprintf("%s (%s)", ism_json_getstr(sub, "name"), ism_json_getstr(sub, "id")));
    json_decref(sub);
    /* The HTML report appends the IPA benchmark self-assessment when it has answers. */
    json_t *bans = fmt == ISM_REPORT_HTML ? ism_benchmark_answers(call->app->store, "assessment",
                                                                  ism_json_getstr(a, "id"), NULL)
                                          : NULL;
    if (json_object_size(bans)) {
        json_t *bv = ism_report_benchmark(call->app->catalogs, bans, NULL);
        if (bv) json_object_set_new(a, "benchmark", bv);
    }
    json_decref(bans);
    char *data = NULL;
    size_t len = 0;
    if (ok) {
        ism_report_input in = {m, findings, judg, a, call->app->catalogs, NULL};
        if (fmt == ISM_REPORT_XLSX) {
            /* libxlsxwriter writes files only: a private temporary file, read back, removed. */
            char *path = ism_strdupf("%s/export-XXXXXX.xlsx", call->app->data_dir);
            int fd = mkstemps(path, 5);
            ok = fd >= 0;
            if (fd >= 0) close(fd);
            if (!ok)
                ism_error_set(err, ISM_E_IO, "cannot create a temporary file in %s",
                              call->app->data_dir);
            ok = ok && ism_report_xlsx_file(&in, path, err);
            if (ok) data = ism_read_file(path, (size_t)1 << 30, &len, err), ok = data != NULL;
            unlink(path);
            free(path);
        } else {
            data = ism_report_render(fmt, &in, &len, err);
            ok = data != NULL;
        }
    }
    if (ok) {
        char sha[65];
        ism_sha256_hex(data, len, sha);
        char *enc = b64((const unsigned char *)data, len);
        char *name = ism_strdupf("%s%s", aid, ism_report_extension(fmt));
        *result = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "name", name, "format",
                            ism_report_format_name(fmt), "media_type", ism_report_media_type(fmt),
                            "size", (json_int_t)len, "sha256", sha, "content_base64", enc);
        free(name);
        free(enc);
    }
    free(data);
    json_decref(judg);
    json_decref(findings);
    json_decref(m);
    json_decref(a);
    return ok;
}

OP(op_frameworks_list)
{
    (void)call, (void)params, (void)err;
    *result = ism_matrix_frameworks();
    return true;
}

const ism_op ism_ops_matrix[] = {
    {"frameworks.list", op_frameworks_list, ALL, "frameworks an assessment can cover"},
    {"assessment.create", op_assessment_create, AUDIT,
     "new assessment of a subject; evaluates its snapshots as a job (params: subject, "
     "frameworks, snapshots, name, as_of, meta)"},
    {"assessment.list", op_assessment_list, ALL, "assessments, newest first"},
    {"assessment.show", op_assessment_show, ALL, "one assessment (params: id)"},
    {"assessment.diff", op_assessment_diff, ALL,
     "what changed between two assessments (params: a, b)"},
    {"assessment.export", op_assessment_export, ALL,
     "the matrix as csv, csv-findings, xlsx, json, oscal, html or pdf (params: assessment, "
     "format)"},
    {"matrix.get", op_matrix_get, ALL,
     "the conformance matrix, materialized and kept until its inputs change (params: "
     "assessment, status, framework, today; a page: limit ≤ 10000, cursor — the reply then "
     "adds total, offset, next_cursor; summary: the counts only; if_none_match: the etag "
     "of a reply held — {etag, unchanged: true} while the inputs are the same)"},
    {"findings.list", op_findings_list, ALL,
     "a page of an assessment's check findings, worst first, with the total and the next "
     "cursor (params: assessment; filters status, check, account, region, severity, domain "
     "(mynumber | lgwan | internet); limit ≤ 10000, cursor; facets: true adds each filter's "
     "values with counts)"},
    {"judgment.add", op_judgment_add, ISM_ROLE_AUDITOR,
     "record an auditor's judgment (params: assessment, catalog, item, result, examined, "
     "findings, improvement, reason)"},
    {"judgment.history", op_judgment_history, ALL,
     "every judgment of one requirement (params: assessment, catalog, item)"},
    {"waiver.add", op_waiver_add, ISM_ROLE_AUDITOR,
     "record a waiver (例外措置) (params: catalog+item | check [+resource], justification, "
     "approver, ticket, expires, assessment)"},
    {"waiver.list", op_waiver_list, ALL, "waivers, with whether each is active today"},
    {"waiver.revoke", op_waiver_revoke, ISM_ROLE_AUDITOR, "revoke a waiver (params: id)"},
    {NULL, NULL, 0, NULL},
};
