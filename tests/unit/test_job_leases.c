/* test_job_leases.c — the job queue shared by several processes: claims that never hand one job
 * to two workers (two processes racing on one store), leases renewed and expired on an
 * injected clock, a dead worker's job requeued with its checkpoint, and a worker that lost its
 * lease unable to overwrite the new holder's progress or result. Runs on the test store
 * (SQLite, or PostgreSQL under tests/pg/pg_run.sh). */
#include "ismap/jobs.h"
#include "ismap/store.h"
#include "testutil.h"
#include "waitfor.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *dir;
static char *loc;
static ism_store *st;

static void setup(void)
{
    dir = tu_tempdir("leases");
    loc = tu_store_location(dir);
    ism_error e = {0};
    st = ism_store_open(loc, &e);
    ck_assert_msg(st != NULL, "open failed: %s", e.message);
}

static void teardown(void)
{
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
    free(loc);
}

static char *queue(const char *kind)
{
    ism_error e = {0};
    char id[64];
    ck_assert_msg(ism_store_job_insert(st, kind, NULL, "", id, &e), "%s", e.message);
    return strdup(id);
}

static json_t *get(const char *id)
{
    ism_error e = {0};
    json_t *j = ism_store_job_get(st, id, "", &e);
    ck_assert_msg(j != NULL, "%s", e.message);
    return j;
}

static bool resumable_kind(void *ctx, const char *kind)
{
    (void)ctx;
    return strcmp(kind, "resumable") == 0;
}

START_TEST(lease_expiry_requeues_with_checkpoint_and_fences_the_old_worker)
{
    ism_error e = {0};
    char *a = queue("resumable"), *b = queue("oneshot");
    int64_t t = 5000000, lease = 10000;
    json_t *j = ism_store_job_claim(st, "w1", t, lease, &e);
    ck_assert_msg(j != NULL, "%s", e.message);
    ck_assert_str_eq(ism_json_getstr(j, "id"), a);
    ck_assert_str_eq(ism_json_getstr(j, "worker"), "w1");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "lease_until")), t + lease);
    json_decref(j);
    j = ism_store_job_claim(st, "w1", t, lease, &e);
    ck_assert_str_eq(ism_json_getstr(j, "id"), b);
    json_decref(j);

    /* Progress renews a's lease; the heartbeat renews both. */
    json_t *cp = json_pack("{s:i}", "step", 7);
    ck_assert_msg(ism_store_job_progress(st, a, "w1", 0.3, "step 7", cp, t + 4000 + lease, &e),
                  "%s", e.message);
    json_decref(cp);
    int renewed = -1;
    ck_assert(ism_store_job_heartbeat(st, "w1", t + 6000 + lease, &renewed, &e));
    ck_assert_int_eq(renewed, 2);
    /* Still held just before the lease ends: the sweep changes nothing. */
    int rq = -1, fl = -1;
    ck_assert(ism_store_job_expire(st, t + 6000 + lease - 1, resumable_kind, NULL, &rq, &fl, &e));
    ck_assert_int_eq(rq + fl, 0);
    ck_assert(ism_store_job_held(st, a, "w1"));
    /* w1 goes silent: after the lease, a is requeued (checkpoint kept), b failed. */
    ck_assert(ism_store_job_expire(st, t + 6000 + lease + 1, resumable_kind, NULL, &rq, &fl, &e));
    ck_assert_int_eq(rq, 1);
    ck_assert_int_eq(fl, 1);
    ck_assert(!ism_store_job_held(st, a, "w1"));
    j = get(a);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "queued");
    ck_assert(json_is_null(json_object_get(j, "worker")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "checkpoint"), "step")),
                     7);
    json_decref(j);
    j = get(b);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "failed");
    ck_assert_str_eq(ism_json_getstr(json_object_get(j, "error"), "code"), "interrupted");
    json_decref(j);

    /* w2 resumes a. The late w1 can neither checkpoint nor finish it. */
    j = ism_store_job_claim(st, "w2", t + 20000, lease, &e);
    ck_assert_str_eq(ism_json_getstr(j, "id"), a);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "checkpoint"), "step")),
                     7);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "attempts")), 2);
    json_decref(j);
    cp = json_pack("{s:i}", "step", 1);
    ck_assert(!ism_store_job_progress(st, a, "w1", 0.1, "stale", cp, t + 30000, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    json_decref(cp);
    ck_assert(ism_store_job_heartbeat(st, "w1", t + 30000, &renewed, &e));
    ck_assert_int_eq(renewed, 0);
    json_t *res = json_pack("{s:s}", "by", "w1");
    ck_assert(!ism_store_job_finish(st, a, "w1", "succeeded", res, NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    json_decref(res);
    res = json_pack("{s:s}", "by", "w2");
    ck_assert_msg(ism_store_job_finish(st, a, "w2", "succeeded", res, NULL, &e), "%s", e.message);
    json_decref(res);
    /* And after the end, the old worker's result still does not land. */
    res = json_pack("{s:s}", "by", "w1");
    ck_assert(!ism_store_job_finish(st, a, "w1", "failed", res, NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    json_decref(res);
    j = get(a);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "succeeded");
    ck_assert_str_eq(ism_json_getstr(json_object_get(j, "result"), "by"), "w2");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "checkpoint"), "step")),
                     7);
    json_decref(j);
    free(a);
    free(b);
}
END_TEST

START_TEST(restart_under_same_worker_id_reclaims_only_its_own_jobs)
{
    ism_error e = {0};
    char *a = queue("resumable"), *b = queue("resumable");
    json_decref(ism_store_job_claim(st, "host:/var/lib/a", 1000, 60000, &e));
    json_decref(ism_store_job_claim(st, "host:/var/lib/b", 1000, 60000, &e));
    int rq = -1, fl = -1;
    ck_assert(ism_store_job_recover(st, "host:/var/lib/a", resumable_kind, NULL, &rq, &fl, &e));
    ck_assert_int_eq(rq, 1);
    ck_assert_int_eq(fl, 0);
    json_t *j = get(a);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "queued");
    json_decref(j);
    /* The live sibling's job is untouched. */
    j = get(b);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "running");
    ck_assert_str_eq(ism_json_getstr(j, "worker"), "host:/var/lib/b");
    json_decref(j);
    free(a);
    free(b);
}
END_TEST

/* Two processes claim from one store as fast as they can: every job is claimed exactly once. */
#define RACE_JOBS 60

static void claim_all(const char *worker, int fd)
{
    ism_error e = {0};
    ism_store *mine = ism_store_open(loc, &e);
    if (!mine) _exit(3);
    for (;;) {
        json_t *j = ism_store_job_claim(mine, worker, 1000, 60000, &e);
        if (!j) break;
        char line[80];
        int n = snprintf(line, sizeof line, "%s\n", ism_json_getstr(j, "id"));
        json_decref(j);
        if (write(fd, line, (size_t)n) != n) _exit(4);
    }
    int rc = e.code ? 5 : 0;
    ism_store_close(mine);
    _exit(rc);
}

START_TEST(two_processes_never_claim_the_same_job)
{
    char *ids[RACE_JOBS];
    for (int i = 0; i < RACE_JOBS; i++)
        ids[i] = queue("resumable");
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        ck_assert_int_ge(kids[k], 0);
        if (kids[k] == 0) {
            close(p[0]);
            claim_all(k ? "w-b" : "w-a", p[1]);
        }
    }
    close(p[1]);
    FILE *in = fdopen(p[0], "r");
    char line[80];
    int seen[RACE_JOBS] = {0}, total = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = '\0';
        int found = -1;
        for (int i = 0; i < RACE_JOBS; i++)
            if (!strcmp(ids[i], line)) found = i;
        ck_assert_msg(found >= 0, "claimed an unknown job %s", line);
        seen[found]++;
        total++;
    }
    fclose(in);
    for (int k = 0; k < 2; k++) {
        int status = 0;
        ck_assert_int_eq(waitpid(kids[k], &status, 0), kids[k]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "claimer %d: status %d", k,
                      status);
    }
    ck_assert_int_eq(total, RACE_JOBS);
    for (int i = 0; i < RACE_JOBS; i++) {
        ck_assert_msg(seen[i] == 1, "job %s claimed %d times", ids[i], seen[i]);
        free(ids[i]);
    }
}
END_TEST

/* ---- the queue: a worker that lost its lease drops its run's outcome ---------------------- */
static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

static int release_run;
static bool slow_run(ism_job *job, const json_t *params, const json_t *cp, json_t **result,
                     ism_error *err)
{
    (void)params, (void)cp, (void)err;
    ism_job_progress(job, 0.5, "half way", NULL);
    /* Waits for the test to let it finish (after another worker took the job over). */
    while (!__atomic_load_n(&release_run, __ATOMIC_SEQ_CST))
        usleep(2000);
    *result = json_pack("{s:s}", "by", "queue");
    return true;
}

static bool job_state_is(void *arg)
{
    const char **w = arg;
    ism_error e = {0};
    json_t *j = ism_store_job_get(st, w[0], "", &e);
    ism_error_clear(&e);
    bool yes =
        j && !strcmp(ism_json_getstr(j, "state"), w[1]) &&
        (!w[2] || (ism_json_getstr(j, "worker") && !strcmp(ism_json_getstr(j, "worker"), w[2])));
    json_decref(j);
    return yes;
}

struct events {
    int finished;
};
static void on_event(void *ctx, const char *topic, const json_t *ev)
{
    (void)ev;
    if (!strcmp(topic, "job.finished"))
        __atomic_add_fetch(&((struct events *)ctx)->finished, 1, __ATOMIC_SEQ_CST);
}

START_TEST(queue_worker_that_lost_its_lease_does_not_overwrite_the_result)
{
    ism_error e = {0};
    fake_now = 1000000;
    release_run = 0;
    struct events ev = {0};
    ism_jobs *q = ism_jobs_new(st, 1, on_event, &ev);
    ck_assert(ism_jobs_configure(q, "queue-w", 3000, fake_clock, NULL, &e));
    ism_job_kind k = {"resumable", "test", slow_run, NULL, true, ISM_ROLE_ADMIN, NULL, NULL};
    ck_assert(ism_jobs_register(q, &k, &e));
    ck_assert_msg(ism_jobs_start(q, &e), "%s", e.message);
    char id[64];
    ck_assert(ism_jobs_submit(q, "resumable", NULL, "", id, &e));
    const char *running[] = {id, "running", "queue-w"};
    ck_assert(tu_wait_for(job_state_is, running, "the queue to claim the job"));
    /* Another process, whose clock is a minute past this queue's lease (as if this process
     * had stalled that long), sweeps: the job is requeued, taken over and finished there. */
    int64_t later = fake_now + 60000;
    int rq = 0, fl = 0;
    ck_assert(ism_store_job_expire(st, later, resumable_kind, NULL, &rq, &fl, &e));
    ck_assert_int_eq(rq, 1);
    json_t *j = ism_store_job_claim(st, "other", later, 3000, &e);
    ck_assert(j != NULL);
    ck_assert_str_eq(ism_json_getstr(j, "id"), id);
    json_decref(j);
    json_t *res = json_pack("{s:s}", "by", "other");
    ck_assert(ism_store_job_finish(st, id, "other", "succeeded", res, NULL, &e));
    json_decref(res);
    __atomic_store_n(&release_run, 1, __ATOMIC_SEQ_CST);
    ism_jobs_stop(q);
    j = get(id);
    ck_assert_str_eq(ism_json_getstr(json_object_get(j, "result"), "by"), "other");
    json_decref(j);
    /* This process published no job.finished for a job it no longer held. */
    ck_assert_int_eq(ev.finished, 0);
    ism_jobs_free(q);
}
END_TEST

/* ---- other processes' job events, echoed ------------------------------------------------- */
struct echo {
    pthread_mutex_t mu;
    json_t *got; /* [{topic, event}] */
};
static void on_echo(void *ctx, const char *topic, const json_t *ev)
{
    struct echo *e = ctx;
    pthread_mutex_lock(&e->mu);
    json_array_append_new(e->got, json_pack("{s:s, s:O}", "topic", topic, "event", ev));
    pthread_mutex_unlock(&e->mu);
}

struct echo_want {
    struct echo *e;
    const char *topic, *job, *what; /* what: a state (finished) or a message (progress) */
};
static bool echoed(void *arg)
{
    struct echo_want *w = arg;
    bool yes = false;
    pthread_mutex_lock(&w->e->mu);
    size_t i;
    json_t *g;
    json_array_foreach(w->e->got, i, g)
    {
        json_t *ev = json_object_get(g, "event");
        const char *v = ism_json_getstr(ev, strcmp(w->topic, "job.finished") ? "message" : "state");
        yes |= !strcmp(ism_json_getstr(g, "topic"), w->topic) &&
               !strcmp(ism_json_getstr(ev, "job"), w->job) && v && !strcmp(v, w->what) &&
               !strcmp(ism_json_getstr(ev, "worker"), "other");
    }
    pthread_mutex_unlock(&w->e->mu);
    return yes;
}

/* A lease that the queue's wall clock never reaches. */
#define FAR ((int64_t)1 << 60)

START_TEST(events_of_jobs_run_by_another_process_are_published_once)
{
    ism_error e = {0};
    struct echo ec = {PTHREAD_MUTEX_INITIALIZER, json_array()};
    /* Both jobs are queued and claimed by the other process before this queue starts, so this
     * one never runs them (its worker would take a job queued later, before the other process
     * could: it knows no kind, and would fail it). */
    char *id = queue("resumable");
    char *again = queue("resumable");
    for (int i = 0; i < 2; i++) {
        json_t *j = ism_store_job_claim(st, "other", 0, FAR, &e);
        ck_assert_msg(j != NULL, "claim: %s", e.message);
        ck_assert_str_eq(ism_json_getstr(j, "id"), i ? again : id);
        json_decref(j);
    }
    ism_jobs *q = ism_jobs_new(st, 1, on_echo, &ec);
    ck_assert(ism_jobs_configure(q, "me", 0, NULL, NULL, &e));
    ck_assert(ism_jobs_peer_events(q, 20, &e));
    ck_assert_msg(ism_jobs_start(q, &e), "%s", e.message);
    ck_assert(ism_store_job_progress(st, id, "other", 0.5, "half way there", NULL, FAR, &e));
    struct echo_want w = {&ec, "job.progress", id, "half way there"};
    ck_assert(tu_wait_for(echoed, &w, "the other process's progress event"));
    ck_assert(ism_store_job_finish(st, id, "other", "succeeded", NULL, NULL, &e));
    struct echo_want f = {&ec, "job.finished", id, "succeeded"};
    ck_assert(tu_wait_for(echoed, &f, "the other process's finished event"));
    /* Later looks (until another job's progress shows they ran) publish nothing again. */
    ck_assert(ism_store_job_progress(st, again, "other", 0.1, "second job", NULL, FAR, &e));
    struct echo_want w2 = {&ec, "job.progress", again, "second job"};
    ck_assert(tu_wait_for(echoed, &w2, "the second job's progress event"));
    ism_jobs_stop(q);
    int progress = 0, finished = 0;
    size_t i;
    json_t *g;
    json_array_foreach(ec.got, i, g)
    {
        json_t *ev = json_object_get(g, "event");
        if (strcmp(ism_json_getstr(ev, "job"), id)) continue;
        if (!strcmp(ism_json_getstr(g, "topic"), "job.finished"))
            finished++;
        else
            progress++;
    }
    ck_assert_int_eq(progress, 1);
    ck_assert_int_eq(finished, 1);
    ism_jobs_free(q);
    json_decref(ec.got);
    free(id);
    free(again);
}
END_TEST

/* Two changes of a job within one millisecond have the same `updated` (the store's times are
 * in milliseconds) and, claim then progress, the same state: the second is still echoed. Seen
 * as a lost progress event on a fast machine (PostgreSQL's notification of the claim made a
 * look run between the two writes). Here the second change keeps the first one's `updated` on
 * purpose, written after a look has seen the first: the one ism_jobs_start makes. */
START_TEST(a_second_change_in_the_same_millisecond_is_echoed)
{
    ism_error e = {0};
    struct echo ec = {PTHREAD_MUTEX_INITIALIZER, json_array()};
    char *id = queue("resumable");
    /* Claimed by the other process before this queue starts, so this one never runs it. */
    json_t *j = ism_store_job_claim(st, "other", 0, FAR, &e);
    ck_assert_msg(j != NULL, "claim: %s", e.message);
    json_decref(j);
    ism_jobs *q = ism_jobs_new(st, 1, on_echo, &ec);
    ck_assert(ism_jobs_configure(q, "me", 0, NULL, NULL, &e));
    ck_assert(ism_jobs_peer_events(q, 20, &e));
    ck_assert_msg(ism_jobs_start(q, &e), "%s", e.message);
    const char *args[] = {id, "same millisecond"};
    int changed = 0;
    ck_assert_msg(ism_store_write(st, "UPDATE jobs SET progress = 0.5, message = ?2 WHERE id = ?1",
                                  args, 2, &changed, &e),
                  "%s", e.message);
    ck_assert_int_eq(changed, 1);
    struct echo_want w = {&ec, "job.progress", id, "same millisecond"};
    ck_assert(tu_wait_for(echoed, &w, "the progress written in the claim's millisecond"));
    ism_jobs_stop(q);
    ism_jobs_free(q);
    json_decref(ec.got);
    free(id);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("job_leases");
    TCase *tc = tcase_create("leases");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, lease_expiry_requeues_with_checkpoint_and_fences_the_old_worker);
    tcase_add_test(tc, restart_under_same_worker_id_reclaims_only_its_own_jobs);
    tcase_add_test(tc, two_processes_never_claim_the_same_job);
    tcase_add_test(tc, queue_worker_that_lost_its_lease_does_not_overwrite_the_result);
    tcase_add_test(tc, events_of_jobs_run_by_another_process_are_published_once);
    tcase_add_test(tc, a_second_change_in_the_same_millisecond_is_echoed);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
