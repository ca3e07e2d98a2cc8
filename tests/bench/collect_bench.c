/* collect_bench.c — how fast the AWS collector goes against awsemu, next to how fast it could:
 * runs one organization collection in-process (the code ismapd's collect.aws job runs) and
 * prints wall time, API calls, throttled calls, retries, peak RSS, and the ratio of the wall time
 * to a lower bound, the larger of
 *   - the slowest token bucket: (its calls − its burst) / its refill rate, with the emulator's
 *     limits per (account, region, service), and
 *   - calls × latency / max concurrency;
 * then whether every call arrived (the emulator's own count) and every operation is complete;
 * then where the time beyond the bound went — the slowest bucket's timeline (its first and last
 * token, time idle with nothing queued, time behind with a token and a call waiting unsent,
 * time lost to its adapted rate) and the collector thread's time in callbacks and commits;
 * then a one-request-at-a-time baseline, timed on a sample (one account) and scaled by calls.
 * Prints figures; passes or fails nothing. Credentials come from the environment. */
#include "ismap/aws.h"
#include "ismap/snapshot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct limit {
    char service[32];
    double burst, rate;
} limit;

/* awsemu's defaults (tests/emulator/faults.c); --bucket overrides like the emulator's flag. */
static limit limits[32] = {{"ec2", 100, 20},          {"iam", 20, 10},  {"sts", 600, 600},
                           {"organizations", 20, 10}, {"s3", 500, 500}, {"*", 100, 50}};
static int nlimits = 6;

static const limit *limit_of(const char *service)
{
    for (int i = 0; i < nlimits; i++)
        if (!strcmp(limits[i].service, service)) return &limits[i];
    for (int i = 0; i < nlimits; i++)
        if (!strcmp(limits[i].service, "*")) return &limits[i];
    return NULL;
}

static void add_limit(const char *spec)
{
    char svc[32];
    double b, r;
    if (sscanf(spec, "%31[^=]=%lf/%lf", svc, &b, &r) != 3 || nlimits == 32) {
        fprintf(stderr, "collect_bench: --bucket SERVICE=BURST/RATE\n");
        exit(2);
    }
    for (int i = 0; i < nlimits; i++)
        if (!strcmp(limits[i].service, svc)) {
            limits[i].burst = b, limits[i].rate = r;
            return;
        }
    limits[nlimits++] = (limit){.burst = b, .rate = r};
    strcpy(limits[nlimits - 1].service, svc);
}

/* The slowest bucket's time: attempts per (account, region, service), as the emulator counts
 * them (AssumeRole is the caller's, the management account's). */
static double bucket_bound(sqlite3 *db, const char *mgmt, char *which, size_t n)
{
    sqlite3_stmt *st = NULL;
    double worst = 0;
    which[0] = '\0';
    const char *sql = "SELECT CASE WHEN operation='AssumeRole' THEN ?1 ELSE account END a, "
                      "CASE WHEN operation IN ('AssumeRole','GetCallerIdentity','DescribeRegions')"
                      " THEN 'home' ELSE region END r, service, sum(attempts) FROM calls "
                      "GROUP BY a, r, service";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
    sqlite3_bind_text(st, 1, mgmt, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *svc = (const char *)sqlite3_column_text(st, 2);
        const limit *l = limit_of(svc);
        double calls = sqlite3_column_double(st, 3);
        double t = l && l->rate > 0 && calls > l->burst ? (calls - l->burst) / l->rate : 0;
        if (t > worst) {
            worst = t;
            snprintf(which, n, "%s/%s/%s: %.0f calls, burst %.0f, %.0f/s",
                     sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), svc, calls, l->burst,
                     l->rate);
        }
    }
    sqlite3_finalize(st);
    return worst;
}

static long long one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The emulator's count of requests received (GET /__emulator/stats). */
typedef struct got {
    char *body;
} got;

static void got_done(ism_http_result *r, void *arg)
{
    ((got *)arg)->body = ism_http_result_take_body(r, NULL);
}

static long long emulator_requests(const char *endpoint)
{
    ism_http_config cfg = {.allow_http_loopback = true};
    ism_error e = {0};
    ism_http_engine *eng = ism_http_engine_new(&cfg, &e);
    char url[512];
    snprintf(url, sizeof url, "%s/__emulator/stats", endpoint);
    got g = {0};
    ism_http_request rq = {.method = "GET", .url = url, .done = got_done, .done_arg = &g};
    long long n = -1;
    if (eng && ism_http_submit(eng, &rq, &e) && ism_http_run(eng, &e) && g.body) {
        json_t *j = json_loads(g.body, 0, NULL);
        n = json_integer_value(json_object_get(j, "requests"));
        json_decref(j);
    }
    free(g.body);
    ism_http_engine_free(eng);
    ism_error_clear(&e);
    return n;
}

typedef struct run {
    double wall_s;
    ism_aws_collect_stats st;
    long long resources, incomplete, failed_calls, lost;
    double bucket_s;
    char bucket_which[256];
    char last[1024]; /* the last calls answered: what the collection ended on */
} run;

static void last_calls(sqlite3 *db, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    size_t len = 0;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db,
                           "SELECT account, region, operation, attempts, latency_ms, "
                           "substr(started, 12, 12) FROM calls ORDER BY seq DESC LIMIT 6",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW && len < n)
        len += (size_t)snprintf(out + len, n - len,
                                "\n                   %s/%s %s: %d attempts, "
                                "%d ms, sent %s",
                                sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                                sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
                                sqlite3_column_int(st, 4), sqlite3_column_text(st, 5));
    sqlite3_finalize(st);
}

static bool collect(const ism_aws_collect_opts *o, const char *path, run *r)
{
    ism_error e = {0};
    unlink(path);
    ism_snapshot *s = ism_snapshot_create(path, "snap_bench", "aws", NULL, &e);
    if (!s) {
        fprintf(stderr, "collect_bench: %s\n", e.message);
        return false;
    }
    int64_t t0 = ism_mono_ms();
    bool ok = ism_aws_collect(o, s, &r->st, &e);
    r->wall_s = (double)(ism_mono_ms() - t0) / 1000.0;
    if (!ok) fprintf(stderr, "collect_bench: %s\n", e.message);
    sqlite3 *db = ism_snapshot_db(s);
    r->resources = one(db, "SELECT count(*) FROM resources");
    r->incomplete = one(db, "SELECT count(*) FROM coverage WHERE state NOT IN "
                            "('complete','skipped')");
    r->failed_calls = one(db, "SELECT count(*) FROM calls WHERE status <> 'ok'");
    /* Lost: API calls that ended without an answer to use — throttled, 5xx or no connection
     * after their retries (an AccessDenied is an answer, and the synthetic tenant has none). */
    r->lost = one(db, "SELECT count(*) FROM calls WHERE status IN ('throttled','failed') AND "
                      "(http_status = 0 OR http_status = 429 OR http_status >= 500 OR "
                      "error_code LIKE '%Throttl%' OR error_code LIKE '%RequestLimitExceeded%')");
    const char *p = ism_snapshot_manifest(s, "principal");
    json_t *pj = p ? json_loads(p, 0, NULL) : NULL;
    char mgmt[32] = "";
    if (ism_json_getstr(pj, "Account")) ism_strlcpy(mgmt, ism_json_getstr(pj, "Account"), 32);
    json_decref(pj);
    r->bucket_s = bucket_bound(db, mgmt, r->bucket_which, sizeof r->bucket_which);
    last_calls(db, r->last, sizeof r->last);
    ism_snapshot_close(s);
    ism_error_clear(&e);
    return ok;
}

static void usage(void)
{
    fputs("usage: collect_bench --endpoint-url URL [--role-name R] [--external-id X]\n"
          "       [--latency-ms MS] [--max-in-flight N] [--bucket SVC=BURST/RATE]...\n"
          "       [--no-baseline] [--dir DIR]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *role = "ISMAPAssessReadOnly", *ext = "synthetic-ext";
    const char *dir = "/tmp";
    int latency = 30, inflight = 64;
    bool baseline = true;
    static const struct option opts[] = {
        {"endpoint-url", 1, 0, 'e'}, {"role-name", 1, 0, 'r'},     {"external-id", 1, 0, 'x'},
        {"latency-ms", 1, 0, 'l'},   {"max-in-flight", 1, 0, 'm'}, {"bucket", 1, 0, 'b'},
        {"no-baseline", 0, 0, 'n'},  {"dir", 1, 0, 'd'},           {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            endpoint = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 'x':
            ext = optarg;
            break;
        case 'l':
            latency = atoi(optarg);
            break;
        case 'm':
            inflight = atoi(optarg);
            break;
        case 'b':
            add_limit(optarg);
            break;
        case 'n':
            baseline = false;
            break;
        case 'd':
            dir = optarg;
            break;
        default:
            usage();
        }
    }
    if (!endpoint) usage();
    char path[1024];
    snprintf(path, sizeof path, "%s/collect_bench.db", dir);

    long long before = emulator_requests(endpoint);
    ism_aws_collect_opts o = {.org = true,
                              .role_name = role,
                              .external_id = ext,
                              .endpoint_url = endpoint,
                              .max_in_flight = inflight,
                              .progress_ms = 5000};
    run r = {0};
    bool ok = collect(&o, path, &r);
    long long arrived = emulator_requests(endpoint) - before; /* its own not counted */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct stat sb;
    long long file_mb = stat(path, &sb) == 0 ? (long long)sb.st_size >> 20 : -1;

    double conc_s = (double)r.st.calls * latency / 1000.0 / inflight;
    double bound = conc_s > r.bucket_s ? conc_s : r.bucket_s;
    printf("collection:        %s, %d accounts, %lld resources, snapshot %lld MB\n",
           ok ? "ok" : "FAILED", r.st.accounts, r.resources, file_mb);
    printf("wall time:         %.2f s\n", r.wall_s);
    printf("API calls:         %llu attempts for %llu requests (retries %llu, throttled %llu, "
           "5xx %llu, connection errors %llu)\n",
           (unsigned long long)r.st.calls, (unsigned long long)r.st.requests,
           (unsigned long long)r.st.retries, (unsigned long long)r.st.throttled,
           (unsigned long long)r.st.server_errors, (unsigned long long)r.st.connection_errors);
    printf("most in flight:    %d of %d\n", r.st.max_in_flight_seen, inflight);
    printf("peak RSS:          %ld MB\n", ru.ru_maxrss / 1024);
    printf("CPU time:          %.2f s user, %.2f s system (the collector is one thread)\n",
           (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    printf("lower bound:       %.2f s = max(calls x %d ms / %d = %.2f s, slowest bucket %.2f s"
           " [%s])\n",
           bound, latency, inflight, conc_s, r.bucket_s, r.bucket_which);
    printf("ratio:             %.2f (wall / lower bound; target <= 1.3) at %d accounts\n",
           bound > 0 ? r.wall_s / bound : 0, r.st.accounts);
    printf("calls lost:        %lld (must be 0: calls that ended throttled, 5xx or unanswered); "
           "operations not complete: %lld; calls not ok: %lld\n",
           r.lost, r.incomplete, r.failed_calls);
    printf("tokens:            %llu taken for %llu attempts (one per attempt); safety bound hit "
           "%llu times; emulator received %lld requests\n",
           (unsigned long long)r.st.tokens, (unsigned long long)r.st.calls,
           (unsigned long long)r.st.throttle_limit_hits, arrived);
    /* Where the time beyond the bound went: the slowest bucket's own timeline, and the one
     * thread's time in answer callbacks and commits. */
    const ism_aws_bucket_report *bk = &r.st.slowest;
    double ideal = bk->rate > 0 && (double)bk->taken > bk->burst
                       ? ((double)bk->taken - bk->burst) / bk->rate
                       : 0;
    printf("slowest bucket:    %s: %llu tokens (burst %.0f, %.0f/s: %.2f s at its rate), "
           "throttled %llu, lowest rate %.2f/s\n",
           bk->key, (unsigned long long)bk->taken, bk->burst, bk->rate, ideal,
           (unsigned long long)bk->throttled, bk->min_rate);
    printf("  its timeline:    first token at %.2f s, last at %.2f s (span %.2f s = %.2f s at "
           "its rate + %.2f s more), collection ended %.2f s after it\n",
           bk->first_ms / 1000.0, bk->last_ms / 1000.0, (bk->last_ms - bk->first_ms) / 1000.0,
           ideal, (bk->last_ms - bk->first_ms) / 1000.0 - ideal, r.wall_s - bk->last_ms / 1000.0);
    printf("  within the span: idle (nothing of its own queued) %.2f s, behind (a token and a "
           "call waiting, unsent) %.2f s of which full (tokens lost) %.2f s, slowed by "
           "adaptation %.2f s\n",
           bk->idle_ms / 1000.0, bk->behind_ms / 1000.0, bk->full_ms / 1000.0,
           bk->rate_loss_ms / 1000.0);
    printf("collector thread:  %.2f s in answer callbacks (parse, extract, snapshot writes), "
           "%.2f s in periodic commits\n",
           r.st.callback_ms / 1000.0, r.st.commit_ms / 1000.0);
    double seen = r.st.calls ? (double)r.st.busy_ms / (double)r.st.calls : 0;
    printf("answer time seen:  %.1f ms per attempt in flight (the emulator was asked for %d ms); "
           "at that time the concurrency bound is %.2f s\n",
           seen, latency, (double)r.st.calls * seen / 1000.0 / inflight);
    printf("last calls answered:%s\n", r.last);
    if (!baseline) return ok ? 0 : 1;

    /* One request at a time on one account (the management account, with the caller's own
     * keys), then scaled to the organization's calls. */
    ism_aws_collect_opts seq = {.endpoint_url = endpoint, .max_in_flight = 1, .progress_ms = 5000};
    run s = {0};
    collect(&seq, path, &s);
    double per_call = s.st.calls ? s.wall_s / (double)s.st.calls : 0;
    printf("sequential:        sample of 1 account: %llu calls in %.2f s (%.1f ms per call); "
           "estimated for the organization: %.0f s (%.0fx the concurrent run)\n",
           (unsigned long long)s.st.calls, s.wall_s, per_call * 1000.0,
           per_call * (double)r.st.calls, r.wall_s > 0 ? per_call * r.st.calls / r.wall_s : 0);
    unlink(path);
    return ok ? 0 : 1;
}
