/* findings_bench.c — the matrix room's store under bulk load (issue 18): writes the findings
 * of FINDINGS_BENCH_ACCOUNTS accounts (default 1,000) × FINDINGS_BENCH_PER_ACCOUNT findings
 * (default 1,000) through one findings writer, as the evaluation job does, then times the reads
 * the matrix and the findings pages make (first and middle page with their total, facets, the
 * per-check aggregate, coverage). Prints the figures and peak RSS; asserts nothing on time.
 * The store is where tu_store_location puts it: SQLite, or PostgreSQL under tests/pg/pg_run.sh.
 * Runs with ISM_BENCH=1 (ctest -L bench). */
#include "ismap/matrix.h"
#include "ismap/store.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const char *const checks[] = {
    "aws-ec2-ebs-encrypted", "aws-ec2-imdsv2",        "aws-ec2-sg-open-ssh", "aws-iam-user-mfa",
    "aws-kms-key-rotation",  "aws-logs-retention",    "aws-s3-public-block", "aws-cloudtrail-on",
    "aws-config-recorder",   "aws-guardduty-enabled", "aws-vpc-flow-logs",   "aws-rds-encrypted"};
static const char *const regions[] = {"ap-northeast-1", "ap-northeast-3"};
static const char *const severities[] = {"critical", "high", "medium", "low"};

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v && atol(v) > 0 ? atol(v) : def;
}

/* User + system CPU time of this process: a figure the other engineers' load on the shared
 * machine disturbs less than the wall clock. */
static int64_t cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

#define TIMED(label, expr)                                                                         \
    do {                                                                                           \
        int64_t t0_ = ism_mono_ms(), c0_ = cpu_ms();                                               \
        json_t *r_ = (expr);                                                                       \
        if (!r_) {                                                                                 \
            fprintf(stderr, "findings_bench: %s: %s\n", label, e.message);                         \
            return 1;                                                                              \
        }                                                                                          \
        printf("findings_bench: %-28s %6lld ms (CPU %lld ms)\n", label,                            \
               (long long)(ism_mono_ms() - t0_), (long long)(cpu_ms() - c0_));                     \
        json_decref(r_);                                                                           \
    } while (0)

int main(void)
{
    if (!getenv("ISM_BENCH") || strcmp(getenv("ISM_BENCH"), "1")) {
        printf("set ISM_BENCH=1 to run\n");
        return 77;
    }
    long accounts = env_long("FINDINGS_BENCH_ACCOUNTS", 1000);
    long per = env_long("FINDINGS_BENCH_PER_ACCOUNT", 1000);
    ism_error e = {0};
    char *dir = tu_tempdir("findings-bench"), *loc = tu_store_location(dir);
    ism_store *st = ism_store_open_with(loc, ism_matrix_schema(), 1, &e);
    if (!st) {
        fprintf(stderr, "findings_bench: %s\n", e.message);
        return 1;
    }
    json_t *fw = json_pack("[s]", "mic-cloud-addon"), *sn = json_pack("[s]", "snap_bench");
    json_t *a = ism_assessment_create(st, "", "subj_bench", "bench", fw, sn, "2026-11-22", NULL,
                                      "bench", &e);
    if (!a) {
        fprintf(stderr, "findings_bench: %s\n", e.message);
        return 1;
    }
    const char *aid = ism_json_getstr(a, "id");

    int64_t t0 = ism_mono_ms(), c0 = cpu_ms();
    ism_findings_writer *w = ism_findings_begin(st, aid, "snap_bench", &e);
    if (!w) {
        fprintf(stderr, "findings_bench: %s\n", e.message);
        return 1;
    }
    json_t *domains = json_object();
    for (long acc = 0; acc < accounts; acc++) {
        char account[24];
        snprintf(account, sizeof account, "%012ld", 100000000 + acc);
        if (acc % 3)
            json_object_set_new(domains, account, json_string(acc % 3 == 1 ? "lgwan" : "mynumber"));
        for (long i = 0; i < per; i++) {
            char rid[48], arn[128];
            snprintf(rid, sizeof rid, "vol-%08lx%04lx", acc, i);
            snprintf(arn, sizeof arn, "arn:aws:ec2:%s:%s:volume/%s", regions[i % 2], account, rid);
            const char *status = i % 7 == 0 ? "fail" : i % 53 == 0 ? "not_assessed" : "pass";
            if (!ism_findings_add(w, checks[i % 12], severities[i % 4], account, regions[i % 2],
                                  "ec2.Volume", rid, arn, status, "volume not encrypted"))
                break;
        }
    }
    bool ok = ism_findings_set_domains(w, domains);
    json_decref(domains);
    if (!ism_findings_end(w, ok, &e) || !ok) {
        fprintf(stderr, "findings_bench: writing: %s\n", e.message);
        return 1;
    }
    int64_t wms = ism_mono_ms() - t0;
    long rows = accounts * per;
    printf("findings_bench: backend %s, %ld accounts × %ld = %ld findings written in %lld ms "
           "(%.0f findings/s; this process's CPU %lld ms)\n",
           strstr(loc, "://") ? "postgresql" : "sqlite", accounts, per, rows, (long long)wms,
           wms ? rows * 1000.0 / (double)wms : 0.0, (long long)(cpu_ms() - c0));

    long total = 0;
    TIMED("first page (100) + total", ism_findings_page(st, aid, NULL, 0, 100, &total, &e));
    TIMED("middle page (100) + total", ism_findings_page(st, aid, NULL, rows / 2, 100, &total, &e));
    ism_findings_filter f = {.status = "fail", .domain = "lgwan"};
    TIMED("filtered page (100) + total", ism_findings_page(st, aid, &f, 0, 100, &total, &e));
    TIMED("facets", ism_findings_facets(st, aid, &e));
    TIMED("aggregate", ism_findings_aggregate(st, aid, "2026-11-22", &e));
    TIMED("coverage", ism_findings_coverage(st, aid, &e));
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("findings_bench: peak RSS %ld MB\n", ru.ru_maxrss / 1024);
    json_decref(a);
    json_decref(fw);
    json_decref(sn);
    ism_store_close(st);
    tu_rmtree(dir);
    free(loc);
    free(dir);
    return 0;
}
