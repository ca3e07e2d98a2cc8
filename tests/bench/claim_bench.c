/* claim_bench.c — the shared job queue under contention (issue 18 item 2): JOBS queued jobs,
 * then 1, 2 and 4 processes each claiming, renewing and finishing jobs as fast as they can until
 * the queue is empty. Prints jobs/s and the p99 of one claim per process count, for the store
 * given by tu_store_location (SQLite; PostgreSQL under tests/pg/pg_run.sh). Figures only.
 *   claim_bench [JOBS]    (default 2000) */
#include "ismap/store.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A child: claims and finishes until none is left; writes "<count> <p99 us>" to fd. */
static void worker(const char *loc, int k, int fd)
{
    ism_error e = {0};
    ism_store *st = ism_store_open(loc, &e);
    if (!st) _exit(3);
    char id[32];
    snprintf(id, sizeof id, "bench-%d", k);
    size_t cap = 1024, n = 0;
    int64_t *lat = malloc(cap * sizeof *lat);
    for (;;) {
        int64_t t0;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t0 = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        json_t *j = ism_store_job_claim(st, id, 1000, 60000, &e);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (!j) break;
        if (n == cap) lat = realloc(lat, (cap *= 2) * sizeof *lat);
        lat[n++] = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - t0;
        const char *jid = ism_json_getstr(j, "id");
        ism_store_job_progress(st, jid, id, 0.5, "half", NULL, 61000, &e);
        ism_store_job_finish(st, jid, id, "succeeded", NULL, NULL, &e);
        json_decref(j);
    }
    qsort(lat, n, sizeof *lat, cmp64);
    size_t at = (size_t)((double)n * 0.99);
    if (n && at >= n) at = n - 1;
    char line[64];
    int len = snprintf(line, sizeof line, "%zu %lld\n", n, (long long)(n ? lat[at] : 0));
    if (write(fd, line, (size_t)len) != len) _exit(4);
    free(lat);
    ism_store_close(st);
    _exit(e.code ? 5 : 0);
}

int main(int argc, char **argv)
{
    int jobs = argc > 1 ? atoi(argv[1]) : 2000;
    if (jobs < 1) jobs = 2000;
    printf("claim_bench: %d jobs claimed, renewed and finished by P processes (%s)\n", jobs,
           getenv("ISMAP_TEST_PG_URL") ? "PostgreSQL" : "SQLite");
    printf("%10s %12s %14s\n", "processes", "jobs/s", "claim p99 ms");
    static const int procs[] = {1, 2, 4};
    for (size_t r = 0; r < sizeof procs / sizeof procs[0]; r++) {
        char *dir = tu_tempdir("claimbench");
        char *loc = tu_store_location(dir);
        ism_error e = {0};
        ism_store *st = ism_store_open(loc, &e);
        if (!st) {
            fprintf(stderr, "claim_bench: %s\n", e.message);
            return 1;
        }
        char id[64];
        for (int i = 0; i < jobs; i++)
            ism_store_job_insert(st, "bench", NULL, "", id, &e);
        ism_store_close(st);
        int p[2];
        if (pipe(p) != 0) return 1;
        int64_t t0 = ism_mono_ms();
        pid_t kids[4];
        for (int k = 0; k < procs[r]; k++)
            if ((kids[k] = fork()) == 0) {
                close(p[0]);
                worker(loc, k, p[1]);
            }
        close(p[1]);
        FILE *in = fdopen(p[0], "r");
        size_t total = 0;
        long long p99 = 0, n = 0, q = 0;
        while (fscanf(in, "%lld %lld", &n, &q) == 2) {
            total += (size_t)n;
            if (q > p99) p99 = q;
        }
        fclose(in);
        for (int k = 0; k < procs[r]; k++)
            waitpid(kids[k], NULL, 0);
        int64_t ms = ism_mono_ms() - t0;
        printf("%10d %12.0f %14.2f%s\n", procs[r], ms ? total * 1000.0 / (double)ms : 0,
               p99 / 1000.0, total == (size_t)jobs ? "" : "  (jobs lost or duplicated!)");
        tu_rmtree(dir);
        free(dir);
        free(loc);
    }
    return 0;
}
