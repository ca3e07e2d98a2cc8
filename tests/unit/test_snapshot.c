/* test_snapshot.c — snapshot files: write, resume, seal, hash, sign, tamper detection. */
#include "ismap/snapshot.h"
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

static void setup(void)
{
    dir = tu_tempdir("snapshot");
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

static ism_snapshot *make(const char *path)
{
    ism_error e = {0};
    json_t *scope =
        json_pack("{s:[s], s:[s]}", "accounts", "111122223333", "regions", "ap-northeast-1");
    ism_snapshot *s = ism_snapshot_create(path, "snap_test", "aws", scope, &e);
    json_decref(scope);
    ck_assert_msg(s != NULL, "%s", e.message);
    ck_assert(ism_snapshot_begin(s, &e));
    json_t *d = json_pack("{s:s, s:b}", "VpcId", "vpc-1", "IsDefault", 0);
    ism_resource r = {"aws",
                      "111122223333",
                      "ap-northeast-1",
                      "ec2",
                      "ec2.Vpc",
                      "vpc-1",
                      "arn:aws:ec2:ap-northeast-1:111122223333:vpc/vpc-1",
                      d};
    ck_assert(ism_snapshot_put_resource(s, &r, &e));
    json_decref(d);
    ism_call c = {
        "aws", "111122223333", "ap-northeast-1",      "ec2", "DescribeVpcs", "ok", 200, 1, 31, NULL,
        NULL,  "req-1",        "2026-11-22T00:00:00Z"};
    ck_assert(ism_snapshot_put_call(s, &c, &e));
    ck_assert(ism_snapshot_put_coverage(s, "aws", "111122223333", "ap-northeast-1", "ec2",
                                        "DescribeVpcs", "complete", NULL, &e));
    ck_assert(ism_snapshot_put_coverage(s, "aws", "111122223333", "global", "iam",
                                        "GetCredentialReport", "denied",
                                        "AccessDenied: not authorized", &e));
    ck_assert(!ism_snapshot_put_coverage(s, "aws", "1", "r", "s", "o", "maybe", NULL, &e));
    ism_error_clear(&e);
    ck_assert(ism_snapshot_commit(s, &e));
    return s;
}

START_TEST(write_resume_seal_verify)
{
    char *path = ism_strdupf("%s/a.db", dir);
    ism_snapshot *s = make(path);
    ism_snapshot_close(s);
    /* Resume: reopen writable while still collecting. */
    ism_error e = {0};
    s = ism_snapshot_open(path, true, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    char *cov = ism_snapshot_coverage(s, "111122223333", "global", "GetCredentialReport");
    ck_assert_str_eq(cov, "denied");
    free(cov);
    json_t *sum = ism_snapshot_summary(s);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "resources")), 1);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(sum, "coverage"), "denied")), 1);
    json_decref(sum);
    char sha[65], sha2[65];
    ck_assert(ism_snapshot_seal(s, sha, &e));
    ck_assert(ism_snapshot_file_sha256(path, sha2, &e));
    ck_assert_str_eq(sha, sha2);
    /* Sealed: no more writing; reading works and says sealed. */
    ck_assert_ptr_null(ism_snapshot_open(path, true, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    s = ism_snapshot_open(path, false, &e);
    ck_assert_str_eq(ism_snapshot_manifest(s, "state"), "sealed");
    ck_assert_str_eq(ism_snapshot_manifest(s, "provider"), "aws");
    ck_assert_ptr_nonnull(ism_snapshot_manifest(s, "finished"));
    ism_snapshot_close(s);

    /* Sign the hash; any change to the file changes the hash and breaks the signature. */
    char *keypath = ism_strdupf("%s/key.pem", dir);
    ism_signer *k = ism_signer_load(keypath, &e);
    ck_assert_ptr_nonnull(k);
    struct stat sb;
    ck_assert_int_eq(stat(keypath, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    char *sig = ism_signer_sign(k, sha, strlen(sha), &e);
    ck_assert(ism_signer_verify(k, sha, strlen(sha), sig));
    ism_signer_free(k);
    k = ism_signer_load(keypath, &e); /* the same key again from the file */
    ck_assert(ism_signer_verify(k, sha, strlen(sha), sig));
    chmod(path, 0600);
    FILE *fp = fopen(path, "r+b");
    fseek(fp, 200, SEEK_SET);
    fputc('X', fp);
    fclose(fp);
    char sha3[65];
    ck_assert(ism_snapshot_file_sha256(path, sha3, &e));
    ck_assert_str_ne(sha3, sha);
    ck_assert(!ism_signer_verify(k, sha3, strlen(sha3), sig));
    ck_assert(!ism_signer_verify(k, sha, strlen(sha), "AAAA"));
    char *pub = ism_signer_public(k);
    ck_assert_int_eq(strlen(pub), 44);
    free(pub);
    free(sig);
    ism_signer_free(k);
    free(keypath);
    free(path);
}
END_TEST

/* Coverage lookups on a writable handle see what it wrote before and after the first lookup,
 * for every provider the table holds, and nothing else. */
START_TEST(coverage_lookups_follow_writes)
{
    char *path = ism_strdupf("%s/c.db", dir);
    ism_snapshot *s = make(path);
    ism_error e = {0};
    ck_assert_ptr_null(ism_snapshot_coverage(s, "111122223333", "global", "ListUsers"));
    char *cov = ism_snapshot_coverage(s, "111122223333", "ap-northeast-1", "DescribeVpcs");
    ck_assert_str_eq(cov, "complete");
    free(cov);
    ck_assert(ism_snapshot_put_coverage(s, "aws", "111122223333", "global", "iam", "ListUsers",
                                        "failed", "500", &e));
    ck_assert(ism_snapshot_put_coverage(s, "other", "sub-1", "japaneast", "arm", "VaultsList",
                                        "complete", NULL, &e));
    cov = ism_snapshot_coverage(s, "111122223333", "global", "ListUsers");
    ck_assert_str_eq(cov, "failed");
    free(cov);
    cov = ism_snapshot_coverage(s, "sub-1", "japaneast", "VaultsList");
    ck_assert_str_eq(cov, "complete");
    free(cov);
    ck_assert_ptr_null(ism_snapshot_coverage(s, "sub-1", "japanwest", "VaultsList"));
    /* past the providers a handle tracks it still answers (by scanning) */
    for (int i = 0; i < 10; i++) {
        char p[16];
        snprintf(p, sizeof p, "p%d", i);
        ck_assert(ism_snapshot_put_coverage(s, p, "acct", "r", "svc", "Op", "skipped", NULL, &e));
    }
    cov = ism_snapshot_coverage(s, "acct", "r", "Op");
    ck_assert_str_eq(cov, "skipped");
    free(cov);
    ism_snapshot_close(s);
    free(path);
}
END_TEST

START_TEST(refuses_non_snapshots)
{
    ism_error e = {0};
    char *path = ism_strdupf("%s/x.db", dir);
    ck_assert_ptr_null(ism_snapshot_open(path, false, &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    FILE *fp = fopen(path, "w");
    fputs("hello", fp);
    fclose(fp);
    ck_assert_ptr_null(ism_snapshot_open(path, false, &e));
    ck_assert_int_ne(e.code, ISM_OK);
    ism_error_clear(&e);
    ck_assert_ptr_null(ism_snapshot_create(path, "snap_x", "aws", NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    char *keypath = ism_strdupf("%s/bad.pem", dir);
    fp = fopen(keypath, "w");
    fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", fp);
    fclose(fp);
    ck_assert_ptr_null(ism_signer_load(keypath, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
    ism_error_clear(&e);
    free(keypath);
    free(path);
}
END_TEST

START_TEST(registry_records_and_verifies)
{
    ism_error e = {0};
    char *dbp = tu_store_location(dir);
    ism_store *st = ism_store_open_with(dbp, ism_snapshot_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    char *path = ism_strdupf("%s/s.db", dir);
    ism_snapshot *s = make(path);
    json_t *scope = json_pack("{s:b}", "org", 0);
    ck_assert(ism_snapshot_register(st, "snap_test", "aws", path, scope, "city", "job_1", &e));
    json_decref(scope);
    json_t *sum = ism_snapshot_summary(s);
    char sha[65];
    ck_assert(ism_snapshot_seal(s, sha, &e));
    char *keyp = ism_strdupf("%s/k.pem", dir);
    ism_signer *k = ism_signer_load(keyp, &e);
    char *stmt = ism_snapshot_seal_statement("snap_test", "aws", sha);
    char *sig = ism_signer_sign(k, stmt, strlen(stmt), &e);
    ck_assert(ism_snapshot_record_seal(st, "snap_test", sha, sig, sum, &e));
    ck_assert(!ism_snapshot_record_seal(st, "snap_test", sha, sig, sum, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    json_t *v = ism_snapshot_verify(st, k, "snap_test", "city", &e);
    ck_assert(json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    /* Another organization cannot see it. */
    ck_assert_ptr_null(ism_snapshot_verify(st, k, "snap_test", "other", &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    json_t *l = ism_snapshot_list(st, "", 10, &e);
    ck_assert_int_eq(json_array_size(l), 1);
    ck_assert_str_eq(ism_json_getstr(json_array_get(l, 0), "state"), "sealed");
    json_decref(l);
    /* Change one byte: verification fails and says why. */
    chmod(path, 0600);
    FILE *fp = fopen(path, "r+b");
    fseek(fp, 100, SEEK_SET);
    fputc(0x5a, fp);
    fclose(fp);
    v = ism_snapshot_verify(st, k, "snap_test", "", &e);
    ck_assert(json_is_false(json_object_get(v, "ok")));
    ck_assert(json_is_false(json_object_get(v, "hash_matches")));
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(v, "problem"), "changed"));
    json_decref(v);
    /* A different key does not verify the recorded signature. */
    char *keyp2 = ism_strdupf("%s/k2.pem", dir);
    ism_signer *k2 = ism_signer_load(keyp2, &e);
    char *stmt2 = ism_snapshot_seal_statement("snap_test", "aws", sha);
    ck_assert(!ism_signer_verify(k2, stmt2, strlen(stmt2), sig));
    free(stmt2);
    ism_signer_free(k2);
    free(keyp2);
    json_decref(sum);
    free(stmt);
    free(sig);
    ism_signer_free(k);
    free(keyp);
    free(path);
    ism_store_close(st);
    free(dbp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("snapshot");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, write_resume_seal_verify);
    tcase_add_test(tc, coverage_lookups_follow_writes);
    tcase_add_test(tc, refuses_non_snapshots);
    tcase_add_test(tc, registry_records_and_verifies);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
