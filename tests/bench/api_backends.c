/* api_backends.c — issue 18's second benchmark pair: concurrent API clients over HTTP with a
 * token (auditor), doing what reviewers do — mostly reads (status, the matrix summary, a matrix
 * page, a filtered findings page) and some writes that go to the store (judgment.add,
 * waiver.add: both append, so they stay valid however often they are repeated) — against
 *   (a) one ismapd on SQLite,
 *   (c) one ismapd on PostgreSQL (the reference between the two),
 *   (b) two ismapd on one PostgreSQL database (a shared data directory, jobs.shared_data_dir
 *       and a worker id each, as deploy/multi.sh runs them; clients split evenly, both
 *       writing, so their writes contend),
 * each on a freshly evaluated assessment of the base tenant (tests/fixtures/snapshots). Prints
 * per configuration and per op: requests, req/s, p50/p99/max, errors (every non-2xx counted,
 * the first few printed), then one table of the three side by side with ratios. After (b), a
 * correctness line: every write made through daemon A is read back through daemon B.
 * PostgreSQL comes from tests/pg/pg_run.sh (ISMAP_TEST_PG_URL); without it only (a) runs.
 * API_BENCH_CLIENTS (100) and API_BENCH_SECONDS (30) set the load; API_BENCH_WRITES=0 makes
 * the two write slots findings pages (a read-only mix: every matrix read then comes from the
 * materialized matrix, none recomputes it). Figures only. */
#include "ismap/rpc.h"
#include "snapfix.h"
#include "testutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "latency.h"

enum { OP_STATUS, OP_SUMMARY, OP_MATRIX_PAGE, OP_FINDINGS, OP_JUDGMENT, OP_WAIVER, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"status",        "matrix summary", "matrix page",
                                               "findings page", "judgment.add",   "waiver.add"};
/* The mix: 20 slots, 10% writes (one judgment and one waiver in every 20 requests). */
static int mix[20] = {OP_STATUS,   OP_SUMMARY,     OP_MATRIX_PAGE, OP_FINDINGS, OP_SUMMARY,
                      OP_FINDINGS, OP_JUDGMENT,    OP_MATRIX_PAGE, OP_STATUS,   OP_FINDINGS,
                      OP_SUMMARY,  OP_MATRIX_PAGE, OP_FINDINGS,    OP_WAIVER,   OP_SUMMARY,
                      OP_STATUS,   OP_MATRIX_PAGE, OP_FINDINGS,    OP_SUMMARY,  OP_FINDINGS};

enum { MAX_ITEMS = 8, MAX_ERRS = 5 };

typedef struct target {
    int port;                   /* the daemon's HTTP port */
    const char *aid, *check;    /* the assessment; a check of it */
    const char *auth;           /* Authorization header */
    const char *cat[MAX_ITEMS]; /* requirements judged: catalog, item */
    const char *item[MAX_ITEMS];
    int nitems;
} target;

typedef struct worker {
    const target *t;
    int daemon, client;
    int64_t until_ms;
    lat l[OP_COUNT];
    long errors[OP_COUNT];
} worker;

/* The first few errors of a run, for the report. */
static pthread_mutex_t errs_mu = PTHREAD_MUTEX_INITIALIZER;
static char errs[MAX_ERRS][320];
static int nerrs;

typedef struct body {
    char buf[256];
    size_t n;
} body;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    body *b = ud;
    size_t len = size * n, room = sizeof b->buf - 1 - b->n;
    memcpy(b->buf + b->n, p, len < room ? len : room);
    b->n += len < room ? len : room;
    b->buf[b->n] = 0;
    return len;
}

static void note_error(const char *op, long status, CURLcode rc, const char *text)
{
    pthread_mutex_lock(&errs_mu);
    if (nerrs < MAX_ERRS)
        snprintf(errs[nerrs++], sizeof errs[0], "%s: HTTP %ld (%s) %.200s", op, status,
                 curl_easy_strerror(rc), text);
    pthread_mutex_unlock(&errs_mu);
}

static void *run_client(void *arg)
{
    worker *w = arg;
    const target *t = w->t;
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, t->auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    body b;
    char url[512], post[512];
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    for (long n = 0; ism_mono_ms() < w->until_ms; n++) {
        int op = mix[(n + w->client) % 20];
        const char *base = "http://127.0.0.1";
        bool is_post = op == OP_STATUS || op == OP_JUDGMENT || op == OP_WAIVER;
        int k = (int)((n + w->client) % t->nitems);
        switch (op) {
        case OP_STATUS:
            snprintf(url, sizeof url, "%s:%d/api/v1/ops/status", base, t->port);
            snprintf(post, sizeof post, "{}");
            break;
        case OP_SUMMARY:
            snprintf(url, sizeof url, "%s:%d/api/v1/assessments/%s/matrix?summary=true", base,
                     t->port, t->aid);
            break;
        case OP_MATRIX_PAGE:
            snprintf(url, sizeof url, "%s:%d/api/v1/assessments/%s/matrix?limit=50", base, t->port,
                     t->aid);
            break;
        case OP_FINDINGS:
            snprintf(url, sizeof url,
                     "%s:%d/api/v1/assessments/%s/findings?account=111122223333&limit=50", base,
                     t->port, t->aid);
            break;
        case OP_JUDGMENT:
            snprintf(url, sizeof url, "%s:%d/api/v1/ops/judgment.add", base, t->port);
            snprintf(post, sizeof post,
                     "{\"assessment\": \"%s\", \"catalog\": \"%s\", \"item\": \"%s\", "
                     "\"result\": \"partial\", \"examined\": \"api_bench d%d c%d n%ld\"}",
                     t->aid, t->cat[k], t->item[k], w->daemon, w->client, n);
            break;
        default: /* OP_WAIVER */
            snprintf(url, sizeof url, "%s:%d/api/v1/ops/waiver.add", base, t->port);
            snprintf(post, sizeof post,
                     "{\"assessment\": \"%s\", \"check\": \"%s\", \"justification\": "
                     "\"api_bench d%d c%d n%ld\", \"approver\": \"bench\", \"expires\": "
                     "\"2099-12-31\"}",
                     t->aid, t->check, w->daemon, w->client, n);
            break;
        }
        curl_easy_setopt(c, CURLOPT_URL, url);
        if (is_post)
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
        else
            curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        b.n = 0;
        b.buf[0] = 0;
        int64_t t0 = bench_now_ns();
        CURLcode rc = curl_easy_perform(c);
        double ms = (double)(bench_now_ns() - t0) / 1e6;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status < 200 || status > 299) {
            w->errors[op]++;
            note_error(op_names[op], status, rc, b.buf);
        } else {
            lat_push(&w->l[op], ms);
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* One configuration's totals, for the closing table. */
typedef struct totals {
    const char *name;
    bool ran;
    double rps, reads_p99, writes_p99, all_p99, writes_rps;
    long requests, errors, writes_ok[2]; /* writes_ok: per daemon (judgments + waivers) */
    long judgments_ok[2], waivers_ok[2];
} totals;

static void load(totals *tt, const target *ts, int ndaemons, int clients, int secs)
{
    worker *ws = calloc((size_t)clients, sizeof *ws);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    nerrs = 0;
    int64_t t0 = ism_mono_ms();
    for (int i = 0; i < clients; i++) {
        ws[i] = (worker){.t = &ts[i % ndaemons],
                         .daemon = i % ndaemons,
                         .client = i,
                         .until_ms = t0 + secs * 1000};
        pthread_create(&th[i], NULL, run_client, &ws[i]);
    }
    lat per[OP_COUNT] = {{0}}, all = {0}, reads = {0}, writes = {0};
    long errors[OP_COUNT] = {0};
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        for (int op = 0; op < OP_COUNT; op++) {
            errors[op] += ws[i].errors[op];
            for (size_t k = 0; k < ws[i].l[op].n; k++) {
                double v = ws[i].l[op].ms[k];
                lat_push(&per[op], v);
                lat_push(&all, v);
                lat_push(op == OP_JUDGMENT || op == OP_WAIVER ? &writes : &reads, v);
            }
            free(ws[i].l[op].ms);
        }
        tt->judgments_ok[ws[i].daemon] += (long)ws[i].l[OP_JUDGMENT].n;
        tt->waivers_ok[ws[i].daemon] += (long)ws[i].l[OP_WAIVER].n;
    }
    double el = (double)(ism_mono_ms() - t0) / 1000.0;
    printf("  %-16s %9s %9s %9s %9s %9s %7s\n", "op", "requests", "req/s", "p50 ms", "p99 ms",
           "max ms", "errors");
    for (int op = 0; op < OP_COUNT; op++) {
        lat_sort(&per[op]);
        if (per[op].n)
            printf("  %-16s %9zu %9.1f %9.2f %9.2f %9.2f %7ld\n", op_names[op], per[op].n,
                   (double)per[op].n / el, lat_at(&per[op], 0.5), lat_at(&per[op], 0.99),
                   per[op].ms[per[op].n - 1], errors[op]);
        else
            printf("  %-16s %9d %9s %9s %9s %9s %7ld\n", op_names[op], 0, "-", "-", "-", "-",
                   errors[op]);
        tt->errors += errors[op];
        free(per[op].ms);
    }
    lat_sort(&all);
    lat_sort(&reads);
    lat_sort(&writes);
    tt->ran = true;
    tt->requests = (long)all.n;
    tt->rps = (double)all.n / el;
    tt->writes_rps = (double)writes.n / el;
    tt->all_p99 = all.n ? lat_at(&all, 0.99) : 0;
    tt->reads_p99 = reads.n ? lat_at(&reads, 0.99) : 0;
    tt->writes_p99 = writes.n ? lat_at(&writes, 0.99) : 0;
    printf("  %-16s %9zu %9.1f %9.2f %9.2f %9.2f %7ld\n", "all", all.n, tt->rps,
           all.n ? lat_at(&all, 0.5) : 0.0, tt->all_p99, all.n ? all.ms[all.n - 1] : 0.0,
           tt->errors);
    for (int i = 0; i < nerrs; i++)
        printf("  error %d: %s\n", i + 1, errs[i]);
    free(all.ms);
    free(reads.ms);
    free(writes.ms);
    free(ws);
    free(th);
}

/* The daemons running, killed at exit however the benchmark ends (they hold its output). */
static pid_t running[2];

static void kill_running(void)
{
    for (int i = 0; i < 2; i++)
        if (running[i] > 0) kill(running[i], SIGKILL);
}

/* One call (with token, or none: the local socket's own rights); exits on an error. */
static json_t *must_call_as(const char *url, const char *op, json_t *params, const char *token)
{
    json_t *r = tu_call(url, op, params, token);
    if (!r || strcmp(tu_code(r), "ok")) {
        char *s = r ? json_dumps(r, 0) : NULL;
        fprintf(stderr, "api_backends: %s failed: %s\n", op, s ? s : "no reply");
        exit(1);
    }
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return res;
}

static json_t *must_call(const char *url, const char *op, json_t *params)
{
    return must_call_as(url, op, params, NULL);
}

/* The port the gateway bound, from the daemon's log line http.listening (waits for it). */
static int http_port(const char *log)
{
    for (int i = 0; i < 30000; i++) {
        FILE *fp = fopen(log, "r");
        char line[4096];
        while (fp && fgets(line, sizeof line, fp)) {
            json_t *j = json_loads(line, 0, NULL);
            const char *ev = ism_json_getstr(j, "event");
            int port = ev && !strcmp(ev, "http.listening")
                           ? (int)json_integer_value(json_object_get(j, "port"))
                           : 0;
            json_decref(j);
            if (port) {
                fclose(fp);
                return port;
            }
        }
        if (fp) fclose(fp);
        nanosleep(&(struct timespec){0, 10000000}, NULL); /* poll the condition */
    }
    return 0;
}

/* Starts an ismapd as a deployment would: a config file with its own sockets and HTTP
 * listener, the store (NULL: the data directory's SQLite file), and — when shared — the
 * settings of several daemons on one data directory (jobs.shared_data_dir, a worker id).
 * Waits until it answers ping (up to 5 minutes: a busy machine loads catalogs slowly). */
static bool start(tu_daemon *d, const char *tmp, const char *tag, const char *data,
                  const char *store, bool shared, int clients)
{
    memset(d, 0, sizeof *d);
    char *cfg = ism_strdupf("%s/%s.json", tmp, tag);
    snprintf(d->url, sizeof d->url, "ipc://%s/%s.sock", tmp, tag);
    snprintf(d->log, sizeof d->log, "%s/%s.log", tmp, tag);
    FILE *fp = fopen(cfg, "w");
    if (!fp) return false;
    fprintf(fp, "{");
    if (store) fprintf(fp, "\"store\": {\"url\": \"%s\"}, ", store);
    fprintf(fp,
            "\"listen\": [\"%s\"], \"events\": \"ipc://%s/%s-events.sock\", "
            "\"http\": {\"listen\": \"http://127.0.0.1:0\", \"max_connections\": %d, "
            "\"per_address\": %d}",
            d->url, tmp, tag, clients + 16, clients + 16);
    if (shared) fprintf(fp, ", \"jobs\": {\"shared_data_dir\": true, \"worker_id\": \"%s\"}", tag);
    fprintf(fp, "}\n");
    fclose(fp);
    const char *bin = getenv("ISMAPD") ? getenv("ISMAPD") : "ismapd";
    d->data_dir = strdup(data);
    d->pid = fork();
    if (d->pid == 0) {
        execl(bin, bin, "--config", cfg, "--data-dir", data, "--log-file", d->log, "--log-level",
              "info", (char *)NULL);
        _exit(127);
    }
    free(cfg);
    int64_t deadline = ism_mono_ms() + 300000;
    while (ism_mono_ms() < deadline) {
        nanosleep(&(struct timespec){0, 50000000}, NULL); /* poll the condition */
        int status;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            return false;
        }
        json_t *r = tu_call(d->url, "ping", NULL, NULL);
        bool ok = r && json_is_true(json_object_get(r, "ok"));
        json_decref(r);
        if (ok) return true;
    }
    return false;
}

/* Counts the judgments and waivers through daemon url whose text says they were written
 * through daemon `from` ("api_bench d<from> ..."). */
static void count_written(const char *url, const char *token, const target *t, int from,
                          long *judgments, long *waivers)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "api_bench d%d ", from);
    *judgments = *waivers = 0;
    for (int k = 0; k < t->nitems; k++) {
        json_t *h = must_call_as(url, "judgment.history",
                                 json_pack("{s:s, s:s, s:s}", "assessment", t->aid, "catalog",
                                           t->cat[k], "item", t->item[k]),
                                 token);
        size_t i;
        json_t *j;
        json_array_foreach(h, i, j)
        {
            const char *ex = ism_json_getstr(j, "examined");
            if (ex && !strncmp(ex, prefix, strlen(prefix))) (*judgments)++;
        }
        json_decref(h);
    }
    json_t *wl = must_call_as(url, "waiver.list", json_pack("{s:s}", "assessment", t->aid), token);
    size_t i;
    json_t *w;
    json_array_foreach(wl, i, w)
    {
        const char *j = ism_json_getstr(w, "justification");
        if (j && !strncmp(j, prefix, strlen(prefix))) (*waivers)++;
    }
    json_decref(wl);
}

/* One configuration: ndaemons ismapd on `store` (NULL: SQLite), an evaluated assessment, the
 * load, and with two daemons the cross-check. Returns false when it could not be set up. */
static bool run_config(totals *tt, const char *tmp, const char *snap, const char *tag,
                       const char *store, int ndaemons, int clients, int secs)
{
    printf("\n== %s: %d ismapd on %s, %d clients for %d s\n", tt->name, ndaemons,
           store ? "one PostgreSQL database" : "SQLite", clients, secs);
    char *data = ism_strdupf("%s/%s-data", tmp, tag);
    tu_daemon d[2];
    target ts[2];
    memset(ts, 0, sizeof ts);
    for (int i = 0; i < ndaemons; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s-%c", tag, 'a' + i);
        bool up = start(&d[i], tmp, name, data, store, ndaemons > 1, clients);
        running[i] = d[i].pid;
        if (!up) {
            fprintf(stderr, "api_backends: ismapd %s did not start; see %s\n", name, d[i].log);
            return false;
        }
        ts[i].port = http_port(d[i].log);
        if (!ts[i].port) {
            fprintf(stderr, "api_backends: no http.listening in %s\n", d[i].log);
            return false;
        }
    }
    /* The assessment, through daemon A (either daemon may run its evaluation job), made by
     * the reviewers' own auditor token of one organization, as a municipality's would be. */
    json_t *adm = must_call(
        d[0].url, "token.create",
        json_pack("{s:s, s:s, s:s}", "name", "city-admin", "role", "admin", "org", "city-a"));
    json_t *tok = must_call(
        d[0].url, "token.create",
        json_pack("{s:s, s:s, s:s}", "name", "reviewer", "role", "auditor", "org", "city-a"));
    const char *secret = ism_json_getstr(tok, "token");
    json_t *s = must_call_as(d[0].url, "snapshot.import", json_pack("{s:s}", "path", snap),
                             ism_json_getstr(adm, "token"));
    json_t *sub =
        must_call_as(d[0].url, "subject.create",
                     json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "workload", "name", "bench",
                               "environment", "production", "accounts", "111122223333"),
                     secret);
    json_t *a = must_call_as(d[0].url, "assessment.create",
                             json_pack("{s:s, s:s, s:[O]}", "subject", "bench", "frameworks",
                                       "ismap,mic", "snapshots", json_object_get(s, "id")),
                             secret);
    const char *aid = ism_json_getstr(a, "id");
    for (int i = 0;; i++) {
        json_t *x =
            must_call_as(d[0].url, "assessment.show", json_pack("{s:s}", "id", aid), secret);
        const char *state = ism_json_getstr(x, "state");
        bool ready = !strcmp(state, "ready"), failed = !strcmp(state, "failed");
        json_decref(x);
        if (failed || i > 60000) {
            fprintf(stderr, "api_backends: the evaluation did not finish (%s)\n", state);
            return false;
        }
        if (ready) break;
        nanosleep(&(struct timespec){0, 10000000}, NULL); /* poll the condition */
    }
    json_t *m = must_call(d[0].url, "matrix.get",
                          json_pack("{s:s, s:i}", "assessment", aid, "limit", MAX_ITEMS));
    json_t *f = must_call(d[0].url, "findings.list",
                          json_pack("{s:s, s:i}", "assessment", aid, "limit", 1));
    char *auth = ism_strdupf("Authorization: Bearer %s", secret);
    for (int i = 0; i < ndaemons; i++) {
        ts[i].aid = aid;
        ts[i].auth = auth;
        ts[i].check = ism_json_getstr(json_array_get(json_object_get(f, "findings"), 0), "check");
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(m, "requirements"), k, r)
        {
            if (ts[i].nitems == MAX_ITEMS) break;
            ts[i].cat[ts[i].nitems] = ism_json_getstr(r, "catalog");
            ts[i].item[ts[i].nitems++] = ism_json_getstr(r, "item");
        }
    }
    if (!ts[0].check || !ts[0].nitems) {
        char *fs = json_dumps(f, JSON_COMPACT), *ms = json_dumps(m, JSON_COMPACT);
        fprintf(stderr,
                "api_backends: the assessment has no finding or requirement: "
                "%.300s / %.300s\n",
                fs ? fs : "", ms ? ms : "");
        free(fs);
        free(ms);
        return false;
    }
    load(tt, ts, ndaemons, clients, secs);
    if (ndaemons == 2) {
        /* Correctness, not timing: what went through A is read back through B, and back. */
        bool ok = true;
        for (int from = 0; from < 2; from++) {
            long j = 0, w = 0;
            count_written(d[1 - from].url, secret, &ts[0], from, &j, &w);
            printf("  cross-check: %ld/%ld judgments and %ld/%ld waivers written through "
                   "daemon %c read back through daemon %c\n",
                   j, tt->judgments_ok[from], w, tt->waivers_ok[from], 'A' + from, 'B' - from);
            ok = ok && j == tt->judgments_ok[from] && w == tt->waivers_ok[from];
        }
        printf("  cross-check: %s\n", ok ? "ok" : "MISMATCH");
        if (!ok) return false;
    }
    free(auth);
    json_decref(f);
    json_decref(m);
    json_decref(tok);
    json_decref(adm);
    json_decref(a);
    json_decref(sub);
    json_decref(s);
    for (int i = ndaemons - 1; i >= 0; i--) {
        tu_daemon_stop(&d[i]);
        running[i] = 0;
    }
    free(data);
    return true;
}

static void ratio(char *out, size_t n, double v, double ref)
{
    if (ref > 0)
        snprintf(out, n, "%.2fx", v / ref);
    else
        snprintf(out, n, "-");
}

int main(void)
{
    int clients = getenv("API_BENCH_CLIENTS") ? atoi(getenv("API_BENCH_CLIENTS")) : 100;
    int secs = getenv("API_BENCH_SECONDS") ? atoi(getenv("API_BENCH_SECONDS")) : 30;
    if (clients < 2 || secs < 1) {
        fprintf(stderr, "api_backends: API_BENCH_CLIENTS must be >= 2, API_BENCH_SECONDS >= 1\n");
        return 2;
    }
    bool writes = !getenv("API_BENCH_WRITES") || strcmp(getenv("API_BENCH_WRITES"), "0");
    for (int i = 0; i < 20 && !writes; i++)
        if (mix[i] == OP_JUDGMENT || mix[i] == OP_WAIVER) mix[i] = OP_FINDINGS;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    atexit(kill_running);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *tmp = tu_tempdir("apibench");
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    char *snap = ism_strdupf("%s/tenant.db", tmp);
    json_t *fx = snapfix_read(base, &e);
    if (!fx || !snapfix_build(fx, snap, &e)) {
        fprintf(stderr, "api_backends: %s\n", e.message);
        return 1;
    }
    json_decref(fx);
    /* The configurations start their daemons with explicit stores: keep the harness's
     * PostgreSQL server for the databases made here only. */
    const char *pg = getenv("ISMAP_TEST_PG_URL");
    char *pg1 = NULL, *pg2 = NULL;
    if (pg && *pg) {
        char name[64];
        snprintf(name, sizeof name, "api_bench_%ld_one", (long)getpid());
        pg1 = tu_pg_database(name);
        snprintf(name, sizeof name, "api_bench_%ld_two", (long)getpid());
        pg2 = tu_pg_database(name);
        if (!pg1 || !pg2) {
            fprintf(stderr, "api_backends: could not create the PostgreSQL databases\n");
            return 1;
        }
    }
    unsetenv("ISMAP_TEST_PG_URL");
    printf("api_backends: %d clients, %d s per configuration; mix of 20: status 3, matrix "
           "summary 5, matrix page 4, %s\n",
           clients, secs,
           writes ? "findings page (account=) 6, judgment.add 1, waiver.add 1"
                  : "findings page (account=) 8, no writes (API_BENCH_WRITES=0)");
    totals tt[3] = {
        {.name = "(a) SQLite x1"}, {.name = "(c) PostgreSQL x1"}, {.name = "(b) PostgreSQL x2"}};
    bool ok = run_config(&tt[0], tmp, snap, "sq", NULL, 1, clients, secs);
    if (ok && pg1) ok = run_config(&tt[1], tmp, snap, "p1", pg1, 1, clients, secs);
    if (ok && pg2) ok = run_config(&tt[2], tmp, snap, "p2", pg2, 2, clients, secs);
    if (!pg1) printf("\n(no PostgreSQL: run under tests/pg/pg_run.sh for (b) and (c))\n");
    printf("\n%-20s %10s %10s %10s %10s %10s %8s %10s %10s\n", "configuration", "req/s", "writes/s",
           "p99 all", "p99 reads", "p99 write", "errors", "req/s vs a", "p99 vs a");
    for (int i = 0; i < 3; i++) {
        if (!tt[i].ran) continue;
        char r1[16], r2[16];
        ratio(r1, sizeof r1, tt[i].rps, tt[0].rps);
        ratio(r2, sizeof r2, tt[i].all_p99, tt[0].all_p99);
        printf("%-20s %10.1f %10.1f %10.2f %10.2f %10.2f %8ld %10s %10s\n", tt[i].name, tt[i].rps,
               tt[i].writes_rps, tt[i].all_p99, tt[i].reads_p99, tt[i].writes_p99, tt[i].errors, r1,
               r2);
    }
    printf("(latencies in ms; every non-2xx is an error)\n");
    free(pg1);
    free(pg2);
    tu_rmtree(tmp);
    free(tmp);
    free(base);
    free(snap);
    curl_global_cleanup();
    return ok ? 0 : 1;
}
