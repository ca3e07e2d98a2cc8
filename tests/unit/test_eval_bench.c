/* test_eval_bench.c — how evaluation and the matrix scale. Builds a synthetic organization
 * from the base tenant: N accounts (ISM_EVAL_BENCH_ACCOUNTS, default 20) × Tokyo and Osaka,
 * each region padded to about 500 resources (volumes, instances, security groups, log groups,
 * keys, route tables...) plus IAM users and buckets — about 1,100 resources per account — runs
 * every check storing the findings in an assessment, and builds the matrix. It prints the
 * figures (time per check, whole evaluation, matrix build, peak RSS); it asserts correctness
 * only (nothing errs, findings grow with the data), never time: the timed run is the
 * benchmark `bench_eval_matrix` (1,000 accounts, over a million resources; ISM_BENCH=1 ctest
 * -L bench), whose target is evaluation + matrix under 60 s and 1 GB. The store is
 * tu_store_location's: a SQLite file, or a fresh PostgreSQL database under tests/pg/pg_run.sh
 * (the snapshot stays a SQLite file on both: it is evidence, not the store);
 * tests/bench/eval_backends.sh runs it on both and prints them side by side from the
 * "bench-result" line this prints. */
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "ismap/matrix.h"
#include "ismap/store.h"
#include "snapfix.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static int64_t bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define BASE_A "111122223333"
#define BASE_B "444455556666"

static ism_catalog_set *cats;
static ism_eval_checks *checks;

static const char *const regions[] = {"ap-northeast-1", "ap-northeast-3"};

/* Puts a copy of template (borrowed) as resource type/id in (account, region), with the
 * given members replaced. */
static void put(ism_snapshot *s, const char *account, const char *region, const char *type,
                const char *id, const json_t *tmpl, json_t *overrides)
{
    json_t *d = json_deep_copy(tmpl);
    json_object_update(d, overrides);
    json_decref(overrides);
    char svc[32];
    snprintf(svc, sizeof svc, "%.*s", (int)strcspn(type, "."), type);
    char *arn = ism_strdupf("arn:aws:%s:%s:%s:%s", svc, region, account, id);
    ism_resource r = {"aws", account, region, svc, type, id, arn, d};
    ism_error e = {0};
    ck_assert_msg(ism_snapshot_put_resource(s, &r, &e), "%s", e.message);
    free(arn);
    json_decref(d);
}

static const json_t *template_of(const json_t *fx, const char *type)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(fx, "resources"), i, r)
    {
        if (!strcmp(ism_json_getstr(r, "type"), type)) return json_object_get(r, "data");
    }
    return NULL;
}

/* The base tenant's resources, moved into account `acc` (the log-archive account's into
 * acc's sibling so each pair keeps its cross-account log bucket). */
static void copy_base(ism_snapshot *s, const json_t *fx, const char *acc, const char *logacc, int n)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(fx, "resources"), i, r)
    {
        const char *a = ism_json_getstr(r, "account");
        const char *to = a && !strcmp(a, BASE_B) ? logacc : acc;
        const char *type = ism_json_getstr(r, "type"), *id = ism_json_getstr(r, "id");
        char *nid = ism_strdupf("%s", id);
        /* Bucket names are global: give each pair its own. */
        if (!strcmp(type, "s3.Bucket")) {
            free(nid);
            nid = ism_strdupf("%s-%d", id, n);
        }
        json_t *d = json_deep_copy(json_object_get(r, "data"));
        if (!strcmp(type, "cloudtrail.Trail")) {
            char *b = ism_strdupf("city-log-archive-%d", n);
            json_object_set_new(json_object_get(d, "Trail"), "S3BucketName", json_string(b));
            free(b);
        }
        ism_resource res = {"aws",
                            to,
                            ism_json_getstr(r, "region") ? ism_json_getstr(r, "region")
                                                         : "ap-northeast-1",
                            NULL,
                            type,
                            nid,
                            ism_json_getstr(r, "arn"),
                            d};
        char svc[32];
        snprintf(svc, sizeof svc, "%.*s", (int)strcspn(type, "."), type);
        res.service = svc;
        ism_error e = {0};
        ck_assert_msg(ism_snapshot_put_resource(s, &res, &e), "%s", e.message);
        json_decref(d);
        free(nid);
    }
}

/* About 500 more resources in one region of one account; a few of each kind fail. */
static void pad_region(ism_snapshot *s, const json_t *fx, const char *acc, const char *region)
{
    char id[96];
    for (int k = 0; k < 120; k++) {
        snprintf(id, sizeof id, "vol-%s%04d", region + 13, k);
        put(s, acc, region, "ec2.Volume", id, template_of(fx, "ec2.Volume"),
            json_pack("{s:s, s:b}", "VolumeId", id, "Encrypted", k % 10 != 0));
        snprintf(id, sizeof id, "i-%s%04d", region + 13, k);
        put(s, acc, region, "ec2.Instance", id, template_of(fx, "ec2.Instance"),
            json_pack("{s:s, s:s, s:{s:s}}", "InstanceId", id, "VpcId", "vpc-0a0000000000in01",
                      "MetadataOptions", "HttpTokens", k % 7 ? "required" : "optional"));
        snprintf(id, sizeof id, "sg-%s%04d", region + 13, k);
        put(s, acc, region, "ec2.SecurityGroup", id, template_of(fx, "ec2.SecurityGroup"),
            json_pack("{s:s, s:s, s:[{s:s, s:i, s:i, s:[{s:s}]}]}", "GroupId", id, "GroupName",
                      "app", "IpPermissions", "IpProtocol", "tcp", "FromPort", 22, "ToPort", 22,
                      "IpRanges", "CidrIp", k % 25 ? "10.0.0.0/8" : "0.0.0.0/0"));
    }
    for (int k = 0; k < 40; k++) {
        snprintf(id, sizeof id, "/app/%s/%d", region, k);
        put(s, acc, region, "logs.LogGroup", id, template_of(fx, "logs.LogGroup"),
            json_pack("{s:s, s:i}", "logGroupName", id, "retentionInDays", k % 8 ? 400 : 30));
        snprintf(id, sizeof id, "subnet-%s%04d", region + 13, k);
        json_t *empty = json_object();
        put(s, acc, region, "ec2.Subnet", id, empty, json_pack("{s:s}", "SubnetId", id));
        json_decref(empty);
    }
    for (int k = 0; k < 30; k++) {
        snprintf(id, sizeof id, "key-%s-%04d", region, k);
        put(s, acc, region, "kms.Key", id, template_of(fx, "kms.Key"),
            json_pack("{s:b}", "KeyRotationEnabled", k % 6 != 0));
    }
    for (int k = 0; k < 20; k++) {
        snprintf(id, sizeof id, "rtb-%s%04d", region + 13, k);
        put(s, acc, region, "ec2.RouteTable", id, template_of(fx, "ec2.RouteTable"),
            json_pack("{s:s, s:s}", "RouteTableId", id, "VpcId", "vpc-0a0000000000in01"));
    }
    for (int k = 0; k < 30; k++) {
        snprintf(id, sizeof id, "acl-%s%04d", region + 13, k);
        put(s, acc, region, "ec2.NetworkAcl", id, template_of(fx, "ec2.NetworkAcl"),
            json_pack("{s:s}", "NetworkAclId", id));
    }
}

static void pad_account(ism_snapshot *s, const json_t *fx, const char *acc, int n)
{
    char id[96];
    for (int k = 0; k < 20; k++) {
        snprintf(id, sizeof id, "staff-%03d", k);
        put(s, acc, "global", "iam.User", id, template_of(fx, "iam.User"),
            json_pack("{s:[]}", "MFADevices"));
        put(s, acc, "global", "iam.CredentialReport", id, template_of(fx, "iam.CredentialReport"),
            json_pack("{s:s, s:s, s:s}", "user", id, "password_enabled", "true", "mfa_active",
                      k % 9 ? "true" : "false"));
    }
    for (int k = 0; k < 10; k++) {
        snprintf(id, sizeof id, "city-%d-data-%d", n, k);
        put(s, acc, "ap-northeast-1", "s3.Bucket", id, template_of(fx, "s3.Bucket"),
            json_pack("{s:{s:s}}", "Bucket", "Name", id));
    }
}

static void coverage(ism_snapshot *s, const json_t *fx, const char *acc)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(fx, "coverage"), i, c)
    {
        json_t *regs = json_object_get(c, "region"), *ops = json_object_get(c, "operation");
        json_t *rl = json_is_array(regs) ? json_incref(regs) : json_pack("[O]", regs);
        size_t j, k;
        json_t *r, *op;
        json_array_foreach(rl, j, r) json_array_foreach(ops, k, op)
        {
            ism_error e = {0};
            ck_assert(ism_snapshot_put_coverage(s, "aws", acc, json_string_value(r),
                                                ism_json_getstr(c, "service"),
                                                json_string_value(op), "complete", NULL, &e));
        }
        json_decref(rl);
    }
}

typedef struct tally {
    long n[ISM_EVAL_STATUS_COUNT];
} tally;

struct store_sink {
    ism_findings_writer *w;
    tally *t;
};

static bool to_store(void *ctx, const ism_eval_finding *f)
{
    struct store_sink *ss = ctx;
    ss->t->n[f->status]++;
    return ism_findings_add(ss->w, f->check, f->severity, f->account, f->region, f->resource_type,
                            f->resource_id, f->arn, ism_eval_status_name(f->status), f->reason);
}

/* Peak resident set (VmHWM) in kB of process pid, or -1 when /proc does not say. */
static long vm_hwm_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *fp = fopen(path, "r");
    long kb = -1;
    while (fp && fgets(line, sizeof line, fp)) {
        if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
    }
    if (fp) fclose(fp);
    return kb;
}

static json_t *col0_int(ism_stmt *st)
{
    return json_integer(ism_stmt_int64(st, 0));
}

/* PostgreSQL's side of the run: the database's size and the peak RSS of the server backends
 * serving this database (VmHWM from /proc, which counts the shared buffers a backend touched;
 * the largest of them and how many were read). Printed into *line. */
static void pg_server_side(ism_store *st, char *line, size_t size)
{
    ism_error e = {0};
    json_t *sz =
        ism_store_select(st, "SELECT pg_database_size(current_database())", NULL, 0, col0_int, &e);
    json_t *pids =
        ism_store_select(st, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
                         NULL, 0, col0_int, &e);
    long max_kb = -1, read = 0;
    size_t i;
    json_t *p;
    json_array_foreach(pids, i, p)
    {
        long kb = vm_hwm_kb((long)json_integer_value(p));
        if (kb >= 0) read++;
        if (kb > max_kb) max_kb = kb;
    }
    snprintf(line, size, "db_size_mb=%.1f pg_backend_peak_rss_mb=%ld pg_backends_read=%ld/%zu",
             sz && json_array_size(sz)
                 ? (double)json_integer_value(json_array_get(sz, 0)) / (1024.0 * 1024.0)
                 : -1.0,
             max_kb >= 0 ? max_kb / 1024 : -1L, read, json_array_size(pids));
    json_decref(sz);
    json_decref(pids);
    ism_error_clear(&e);
}

START_TEST(evaluate_an_organization)
{
    const char *env = getenv("ISM_EVAL_BENCH_ACCOUNTS");
    int accounts = env && atoi(env) > 0 ? atoi(env) : 20;
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    json_t *fx = snapfix_read(base, &e);
    free(base);
    char *dir = tu_tempdir("bench"), *path = ism_strdupf("%s/org.db", dir);
    ism_snapshot *s = ism_snapshot_create(path, "snap_bench", "aws", NULL, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ck_assert(ism_snapshot_set_manifest(s, "created", "2026-11-20T00:00:00Z", &e));
    int64_t t0 = ism_mono_ms();
    for (int a = 0; a < accounts; a += 2) {
        char acc[16], logacc[16];
        snprintf(acc, sizeof acc, "%012d", 100000000 + a);
        snprintf(logacc, sizeof logacc, "%012d", 100000000 + a + 1);
        ck_assert(ism_snapshot_begin(s, &e));
        copy_base(s, fx, acc, logacc, a);
        for (int half = 0; half < 2; half++) {
            const char *who = half ? logacc : acc;
            for (int r = 0; r < 2; r++)
                pad_region(s, fx, who, regions[r]);
            pad_account(s, fx, who, a + half);
            coverage(s, fx, who);
        }
        ck_assert_msg(ism_snapshot_commit(s, &e), "%s", e.message);
    }
    char sha[65];
    ck_assert_msg(ism_snapshot_seal(s, sha, &e), "%s", e.message);
    int64_t built = ism_mono_ms() - t0;
    s = ism_snapshot_open(path, false, &e);
    json_t *sum = ism_snapshot_summary(s);
    long resources = (long)json_integer_value(json_object_get(sum, "resources"));
    json_decref(sum);

    /* Findings go to an assessment in a store, as the evaluation job stores them. */
    char *dbp = tu_store_location(dir);
    ism_store *st = ism_store_open_with(dbp, ism_matrix_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    bool pg = ism_store_backend(st) == ISM_DB_POSTGRES;
    json_t *fws = json_pack("[s, s, s]", "ismap", "mic", "mic-cloud-addon");
    json_t *sn = json_pack("[s]", "snap_bench");
    json_t *a = ism_assessment_create(st, "", "subj_bench", "bench", fws, sn, "2026-11-20", NULL,
                                      "bench", &e);
    const char *aid = ism_json_getstr(a, "id");
    tally t = {0};
    struct store_sink ss = {ism_findings_begin(st, aid, "snap_bench", &e), &t};
    ism_eval_options opt = {.sink = to_store, .sink_ctx = &ss};
    t0 = ism_mono_ms();
    json_t *r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    int64_t t_end = ism_mono_ms();
    ck_assert(ism_findings_end(ss.w, true, &e));
    int64_t ms = ism_mono_ms() - t0, commit_ms = ism_mono_ms() - t_end;
    long findings = 0;
    for (int k = 0; k < ISM_EVAL_STATUS_COUNT; k++)
        findings += t.n[k];
    t0 = ism_mono_ms();
    json_t *refs = ism_eval_check_refs(checks);
    json_t *m = ism_matrix_build(st, cats, refs, NULL, aid, "", "2026-11-22", &e);
    int64_t mms = ism_mono_ms() - t0;
    ck_assert_msg(m != NULL, "%s", e.message);
    /* The read the API serves: the inputs' digest, then the materialized matrix (as
     * matrix.get does while nothing changed), averaged over a few reads. */
    char *key = ism_matrix_inputs_key(st, aid, "", "bench", &e);
    ck_assert_msg(key != NULL, "%s", e.message);
    ck_assert_msg(ism_matrix_cache_put(st, aid, key, m, &e), "%s", e.message);
    free(key);
    enum { READS = 20 };
    int64_t rt0 = bench_now_us();
    for (int k = 0; k < READS; k++) {
        char *kk = ism_matrix_inputs_key(st, aid, "", "bench", &e);
        ck_assert_msg(kk != NULL, "%s", e.message);
        json_t *cm = ism_matrix_cache_get(st, aid, kk);
        ck_assert_msg(cm != NULL, "the materialized matrix was not found");
        json_decref(cm);
        free(kk);
    }
    double read_ms = (double)(bench_now_us() - rt0) / 1000.0 / READS;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr,
            "bench: %d accounts, %ld resources (built in %lld ms): %zu checks in %lld ms = "
            "%.0f resources/s; findings pass %ld fail %ld error %ld not_assessed %ld\n"
            "bench: matrix of %zu requirements built in %lld ms; evaluation + matrix %lld ms; "
            "peak RSS %ld MB\n",
            accounts, resources, (long long)built, ism_eval_count(checks), (long long)ms,
            ms ? resources * 1000.0 / (double)ms : 0.0, t.n[ISM_EVAL_PASS], t.n[ISM_EVAL_FAIL],
            t.n[ISM_EVAL_ERROR], t.n[ISM_EVAL_NOT_ASSESSED],
            json_array_size(json_object_get(m, "requirements")), (long long)mms,
            (long long)(ms + mms), ru.ru_maxrss / 1024);
    char server[160] = "";
    if (pg) {
        pg_server_side(st, server, sizeof server);
    } else {
        struct stat sb;
        double mb = 0;
        char *wal = ism_strdupf("%s-wal", dbp);
        if (!stat(dbp, &sb)) mb += (double)sb.st_size;
        if (!stat(wal, &sb)) mb += (double)sb.st_size;
        free(wal);
        snprintf(server, sizeof server, "db_size_mb=%.1f", mb / (1024.0 * 1024.0));
    }
    free(dbp);
    /* One line for tests/bench/eval_backends.sh (key=value, whitespace-separated). */
    fprintf(stderr,
            "bench-result backend=%s accounts=%d resources=%ld eval_ms=%lld findings=%ld "
            "findings_per_s=%.0f findings_commit_ms=%lld matrix_build_ms=%lld "
            "matrix_read_ms=%.2f peak_rss_mb=%ld %s\n",
            pg ? "postgresql" : "sqlite", accounts, resources, (long long)ms, findings,
            ms ? findings * 1000.0 / (double)ms : 0.0, (long long)commit_ms, (long long)mms,
            read_ms, ru.ru_maxrss / 1024, server);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "checks"), i, c)
    {
        if (getenv("ISM_EVAL_BENCH_VERBOSE"))
            fprintf(stderr, "  %-40s %6lld ms\n", ism_json_getstr(c, "check"),
                    (long long)json_integer_value(json_object_get(c, "ms")));
    }
    ck_assert_int_eq(t.n[ISM_EVAL_ERROR], 0);
    ck_assert_int_eq(t.n[ISM_EVAL_NOT_ASSESSED], 0);
    /* Every padded failure kind shows: unencrypted volumes, IMDSv1, open SSH, short log
     * retention, keys without rotation, users without MFA. */
    ck_assert_int_ge(t.n[ISM_EVAL_FAIL], (long)accounts * 40);
    ck_assert_int_ge(t.n[ISM_EVAL_PASS], resources / 2);
    ck_assert_int_ge(
        json_integer_value(json_object_get(json_object_get(m, "counts"), "not_satisfied")) +
            json_integer_value(json_object_get(json_object_get(m, "counts"), "partial")),
        1);
    json_decref(m);
    json_decref(refs);
    json_decref(a);
    json_decref(fws);
    json_decref(sn);
    ism_store_close(st);
    json_decref(r);
    ism_snapshot_close(s);
    json_decref(fx);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

int main(void)
{
    ism_error e = {0};
    char *dir = ism_strdupf("%s/catalog", tu_source_dir());
    cats = ism_catalog_load_cached(dir, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    free(dir);
    dir = ism_strdupf("%s/checks", tu_source_dir());
    checks = cats ? ism_eval_load(dir, cats, &e) : NULL;
    free(dir);
    if (!checks) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    Suite *s = suite_create("eval_bench");
    TCase *t = tcase_create("bench");
    tcase_set_timeout(t, 3600);
    tcase_add_test(t, evaluate_an_organization);
    suite_add_tcase(s, t);
    int failed = tu_run_suite(s);
    ism_eval_free(checks);
    ism_catalog_free(cats);
    return failed;
}
