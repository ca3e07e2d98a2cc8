/* test_collectors.c — remote collectors in the central store: registration and its token, zoned
 * jobs that the central workers never claim, claims by zone, leases that end on an injected
 * clock (the job returns to the queue), revocation; and snapshots signed by a collector's key. */
#include "ismap/snapshot.h"
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static ism_store *st;

static void setup(void)
{
    dir = tu_tempdir("collectors");
    char *p = tu_store_location(dir);
    ism_error e = {0};
    const ism_store_schema rooms[] = {*ism_snapshot_schema(), *ism_store_collectors_schema()};
    st = ism_store_open_with(p, rooms, 2, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
}

/* The collectors room alone (no other room's tables): its registry and leases. */
static void setup_own(void)
{
    dir = tu_tempdir("collectors");
    char *p = tu_store_location(dir);
    ism_error e = {0};
    st = ism_store_open_with(p, ism_store_collectors_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
}

static void teardown(void)
{
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

static bool take_all(const json_t *job, void *ctx)
{
    (void)job, (void)ctx;
    return true;
}

static bool take_none(const json_t *job, void *ctx)
{
    (void)job, (void)ctx;
    return false;
}

static char *queue(const char *zone)
{
    ism_error e = {0};
    json_t *p = zone ? json_pack("{s:s, s:[s]}", "zone", zone, "regions", "ap-northeast-1")
                     : json_pack("{s:[s]}", "regions", "ap-northeast-1");
    char id[64];
    ck_assert_msg(ism_store_job_insert(st, "collect.aws", p, "", id, &e), "%s", e.message);
    json_decref(p);
    return strdup(id);
}

static const char *state_of(const char *id)
{
    static char s[16];
    ism_error e = {0};
    json_t *j = ism_store_job_get(st, id, "", &e);
    ck_assert_msg(j != NULL, "%s", e.message);
    ism_strlcpy(s, ism_json_getstr(j, "state"), sizeof s);
    json_decref(j);
    return s;
}

START_TEST(zoned_jobs_leases_and_revocation)
{
    ism_error e = {0};
    char token[80];
    json_t *row = NULL;
    json_t *scopes = json_string("*");
    ck_assert_msg(ism_store_collector_register(
                      st, "lgwan-1", "lgwan", scopes,
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", token, &row, &e),
                  "%s", e.message);
    ck_assert(!ism_store_collector_register(st, "lgwan-1", "lgwan", scopes,
                                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", token,
                                            NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    json_decref(scopes);
    const char *cid = ism_json_getstr(row, "id");
    /* The token is a collector's, and finds its collector. */
    ism_token_info info;
    ck_assert_msg(ism_store_token_verify(st, token, &info, &e), "%s", e.message);
    ck_assert_int_eq(info.role, ISM_ROLE_COLLECTOR);
    json_t *me = ism_store_collector_by_token(st, info.id, &e);
    ck_assert_msg(me != NULL, "%s", e.message);
    ck_assert_str_eq(ism_json_getstr(me, "zone"), "lgwan");
    json_decref(me);

    char *plain = queue(NULL), *zoned = queue("lgwan"), *other = queue("mynumber");
    /* The central claims only the plain job, ever. */
    json_t *j = ism_store_job_claim(st, "w1", 1000, 60000, &e);
    ck_assert(j != NULL);
    ck_assert_str_eq(ism_json_getstr(j, "id"), plain);
    json_decref(j);
    ck_assert(ism_store_job_claim(st, "w1", 1000, 60000, &e) == NULL);
    ck_assert_int_eq(e.code, ISM_OK);
    /* A collector of the zone takes its zone's job only, and only if accept says so. */
    ck_assert(ism_store_job_claim_zoned(st, "lgwan", take_none, NULL, &e) == NULL);
    ck_assert_int_eq(e.code, ISM_OK);
    j = ism_store_job_claim_zoned(st, "lgwan", take_all, NULL, &e);
    ck_assert(j != NULL);
    ck_assert_str_eq(ism_json_getstr(j, "id"), zoned);
    json_decref(j);
    ck_assert(ism_store_job_claim_zoned(st, "lgwan", take_all, NULL, &e) == NULL);

    /* A lease of 10 s at t=1000 s, renewed at 1008 s, then silence: still held at 1017 s,
     * expired (the job back in the queue) just after 1018 s. */
    int64_t t = 1000000;
    ck_assert(ism_store_collector_lease(st, zoned, cid, t, 10000, &e));
    ck_assert(ism_store_collector_renew(st, zoned, cid, t + 8000, 10000, &e));
    int n = -1;
    ck_assert(ism_store_collector_expire(st, t + 17000, &n, &e));
    ck_assert_int_eq(n, 0);
    ck_assert_str_eq(state_of(zoned), "running");
    ck_assert(ism_store_collector_expire(st, t + 18001, &n, &e));
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(state_of(zoned), "queued");
    /* The late collector's lease is gone: its progress is refused. */
    ck_assert(!ism_store_collector_renew(st, zoned, cid, t + 18002, 10000, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);

    /* Claimed again, then the collector is revoked: the job is queued again, the token dead. */
    j = ism_store_job_claim_zoned(st, "lgwan", take_all, NULL, &e);
    ck_assert(j != NULL);
    json_decref(j);
    ck_assert(ism_store_collector_lease(st, zoned, cid, t, 10000, &e));
    ck_assert_msg(ism_store_collector_revoke(st, cid, &e), "%s", e.message);
    ck_assert_str_eq(state_of(zoned), "queued");
    ck_assert(!ism_store_token_verify(st, token, &info, &e));
    ism_error_clear(&e);
    ck_assert(ism_store_collector_by_token(st, info.id, &e) == NULL);
    ck_assert_int_eq(e.code, ISM_E_PERMISSION_DENIED);
    ism_error_clear(&e);
    ck_assert(!ism_store_collector_revoke(st, cid, &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    ck_assert_str_eq(state_of(other), "queued");
    json_decref(row);
    free(plain);
    free(zoned);
    free(other);
}
END_TEST

START_TEST(snapshot_signed_by_a_collector)
{
    ism_error e = {0};
    char *kp = ism_strdupf("%s/collector.pem", dir), *kp2 = ism_strdupf("%s/other.pem", dir);
    ism_signer *k = ism_signer_load(kp, &e), *other = ism_signer_load(kp2, &e);
    ck_assert(k && other);
    char *pub = ism_signer_public(k), *pub2 = ism_signer_public(other);
    ck_assert(ism_signer_public_check(pub));
    ck_assert(!ism_signer_public_check("bm90IGEga2V5"));
    char *path = ism_strdupf("%s/snap_x.db", dir);
    json_t *scope = json_object();
    ism_snapshot *s = ism_snapshot_create(path, "snap_x", "aws", scope, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    char sha[65];
    ck_assert(ism_snapshot_seal(s, sha, &e));
    char *stmt = ism_snapshot_seal_statement("snap_x", "aws", sha);
    char *sig = ism_signer_sign(k, stmt, strlen(stmt), &e);
    ck_assert(ism_signer_verify_public(pub, stmt, strlen(stmt), sig));
    ck_assert(!ism_signer_verify_public(pub2, stmt, strlen(stmt), sig));
    ck_assert(ism_snapshot_register(st, "snap_x", "aws", path, scope, "", NULL, &e));
    ck_assert(ism_snapshot_record_seal_by(st, "snap_x", sha, sig, NULL, pub, "col_1", &e));
    /* Verified against the collector's key, not the installation's (other). */
    json_t *v = ism_snapshot_verify(st, other, "snap_x", "", &e);
    ck_assert(json_is_true(json_object_get(v, "ok")));
    ck_assert_str_eq(ism_json_getstr(json_object_get(v, "signed_by"), "collector"), "col_1");
    json_decref(v);
    /* A statement signed by another key under the collector's name does not verify. */
    char *sig2 = ism_signer_sign(other, stmt, strlen(stmt), &e);
    ck_assert(!ism_signer_verify_public(pub, stmt, strlen(stmt), sig2));
    json_decref(scope);
    free(sig2);
    free(stmt);
    free(sig);
    free(path);
    free(pub);
    free(pub2);
    ism_signer_free(k);
    ism_signer_free(other);
    free(kp);
    free(kp2);
}
END_TEST

/* A running job row written directly (the job queue's own calls are not under test here). */
static void running_job(const char *id)
{
    ism_error e = {0};
    const char *a[] = {id, "2026-01-01T00:00:00Z"};
    ck_assert_msg(ism_store_write(st,
                                  "INSERT INTO jobs(id,kind,state,seq,created,updated) "
                                  "VALUES(?1,'collect.aws','running',1,?2,?2)",
                                  a, 2, NULL, &e),
                  "%s", e.message);
}

static const char *job_state(const char *id)
{
    static char s[16];
    ism_error e = {0};
    ism_db *db = ism_store_reader(st);
    ism_stmt *q = ism_db_prepare(db, "SELECT state FROM jobs WHERE id=?1", &e);
    ck_assert_msg(q != NULL, "%s", e.message);
    ism_stmt_bind_text(q, 1, id);
    ck_assert_int_eq(ism_stmt_step(q, &e), ISM_DB_ROW);
    ism_strlcpy(s, ism_stmt_text(q, 0), sizeof s);
    ism_stmt_finalize(q);
    ism_store_reader_end(st, db);
    return s;
}

/* Registration, the name taken once among active collectors, list, leases on an injected
 * clock (renewed, re-leased — the upsert — expired back to the queue), and revocation. */
START_TEST(registry_and_leases)
{
    ism_error e = {0};
    char token[80];
    json_t *row = NULL, *scopes = json_pack("[{s:s, s:s}]", "provider", "aws", "scopes", "*");
    static const char key[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    ck_assert_msg(ism_store_collector_register(st, "z-1", "lgwan", scopes, key, token, &row, &e),
                  "%s", e.message);
    ck_assert(!ism_store_collector_register(st, "z-1", "lgwan", scopes, key, token, NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    char token2[80];
    ck_assert(ism_store_collector_register(st, "z-2", "mynumber", scopes, key, token2, NULL, &e));
    json_t *list = ism_store_collector_list(st, &e);
    ck_assert_int_eq(json_array_size(list), 2);
    ck_assert_str_eq(ism_json_getstr(json_array_get(list, 0), "name"), "z-2"); /* newest first */
    ck_assert(json_is_array(json_object_get(json_array_get(list, 1), "scopes")));
    json_decref(list);
    const char *cid = ism_json_getstr(row, "id");

    running_job("job_a");
    int64_t t = INT64_C(1700000000000); /* milliseconds: past 32-bit integers */
    ck_assert_msg(ism_store_collector_lease(st, "job_a", "col_other", t, 10000, &e), "%s",
                  e.message);
    ck_assert(ism_store_collector_lease(st, "job_a", cid, t, 10000, &e)); /* taken over */
    ck_assert(!ism_store_collector_renew(st, "job_a", "col_other", t + 1, 10000, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    ck_assert(ism_store_collector_renew(st, "job_a", cid, t + 9000, 10000, &e));
    int n = -1;
    ck_assert(ism_store_collector_expire(st, t + 19000, &n, &e));
    ck_assert_int_eq(n, 0);
    ck_assert_str_eq(job_state("job_a"), "running");
    ck_assert(ism_store_collector_expire(st, t + 19001, &n, &e));
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(job_state("job_a"), "queued");

    running_job("job_b");
    ck_assert(ism_store_collector_lease(st, "job_b", cid, t, 10000, &e));
    ck_assert_msg(ism_store_collector_revoke(st, cid, &e), "%s", e.message);
    ck_assert_str_eq(job_state("job_b"), "queued");
    ism_token_info info;
    ck_assert(!ism_store_token_verify(st, token, &info, &e)); /* z-1's token died with it */
    ck_assert_int_eq(e.code, ISM_E_UNAUTHENTICATED);
    ism_error_clear(&e);
    ck_assert_msg(ism_store_token_verify(st, token2, &info, &e), "%s", e.message); /* z-2's */
    ck_assert(ism_store_collector_register(st, "z-1", "lgwan", scopes, key, token, NULL, &e));
    json_decref(scopes);
    json_decref(row);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("collectors");
    TCase *tc = tcase_create("collectors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, zoned_jobs_leases_and_revocation);
    tcase_add_test(tc, snapshot_signed_by_a_collector);
    suite_add_tcase(s, tc);
    TCase *own = tcase_create("own");
    tcase_add_checked_fixture(own, setup_own, teardown);
    tcase_add_test(own, registry_and_leases);
    suite_add_tcase(s, own);
    return tu_run_suite(s);
}
