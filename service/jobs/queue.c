/* queue.c — worker threads that claim queued jobs from the store and run them, and the
 * heartbeat thread that keeps this process's leases on its running jobs and sweeps the jobs
 * whose holders stopped renewing theirs (several ismapd may share one store's queue), and the
 * thread that relays other processes' job events: on PostgreSQL woken by LISTEN/NOTIFY, with a
 * slow poll as a safety net; on SQLite by the poll alone. */
#include "ismap/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_KINDS 64
#define MAX_WORKERS 64

struct ism_jobs {
    ism_store *st;
    ism_event_fn on_event;
    void *event_ctx;
    ism_job_kind kinds[MAX_KINDS];
    int nkinds;
    int nworkers;
    pthread_t threads[MAX_WORKERS];
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    int running;
    unsigned wake_seq;
    /* Leases (ism_jobs_configure). */
    char worker_id[160];
    int64_t lease_ms;
    int64_t (*clock_ms)(void *ctx);
    void *clock_ctx;
    pthread_t heart;
    bool heart_started;
    pthread_cond_t hcv;
    /* Echo of the job events of other processes on the store (ism_jobs_peer_events). */
    int peer_poll_ms;
    pthread_t peer;
    bool peer_started;
    json_t *peer_seen; /* the changes looks saw: job id -> "updated|state" */
    /* PostgreSQL: the listening connection (owned by the peer thread once it runs), whether it
     * is up (workers then wait for notifications rather than poll every second), and the pipe
     * that wakes the peer thread for shutdown. */
    ism_db *listener;
    bool listening;
    int wake[2];
};

struct ism_job {
    ism_jobs *q;
    const ism_job_kind *kind;
    char id[64];
    char org[128];
    int64_t last_poll;
    bool stop_seen;
    bool lost; /* its lease ran out and another worker may hold it now */
};

static int64_t wall_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t lease_until(ism_jobs *q)
{
    return q->clock_ms(q->clock_ctx) + q->lease_ms;
}

ism_jobs *ism_jobs_new(ism_store *st, int workers, ism_event_fn on_event, void *event_ctx)
{
    ism_jobs *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->st = st;
    q->nworkers = workers < 1 ? 1 : workers > MAX_WORKERS ? MAX_WORKERS : workers;
    q->on_event = on_event;
    q->event_ctx = event_ctx;
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(q->worker_id, sizeof q->worker_id, "%s:%ld", host, (long)getpid());
    q->lease_ms = ISM_JOBS_DEFAULT_LEASE_MS;
    q->clock_ms = wall_ms;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    pthread_cond_init(&q->hcv, NULL);
    q->wake[0] = q->wake[1] = -1;
    return q;
}

bool ism_jobs_configure(ism_jobs *q, const char *worker_id, int64_t lease_ms,
                        int64_t (*clock_ms)(void *ctx), void *clock_ctx, ism_error *err)
{
    if (q->started || q->heart_started)
        return ism_error_set(err, ISM_E_INTERNAL, "the job queue is configured before it starts");
    if (worker_id) {
        if (!*worker_id || strlen(worker_id) >= sizeof q->worker_id)
            return ism_error_set(err, ISM_E_CONFIG, "a worker id is 1 to %zu characters",
                                 sizeof q->worker_id - 1);
        ism_strlcpy(q->worker_id, worker_id, sizeof q->worker_id);
    }
    if (lease_ms) {
        if (lease_ms < 300)
            return ism_error_set(err, ISM_E_CONFIG, "a job lease must be at least 300 ms");
        q->lease_ms = lease_ms;
    }
    if (clock_ms) {
        q->clock_ms = clock_ms;
        q->clock_ctx = clock_ctx;
    }
    return true;
}

const char *ism_jobs_worker_id(const ism_jobs *q)
{
    return q->worker_id;
}

bool ism_jobs_register(ism_jobs *q, const ism_job_kind *kind, ism_error *err)
{
    if (q->started)
        return ism_error_set(err, ISM_E_INTERNAL,
                             "job kinds must be registered "
                             "before the queue starts");
    if (ism_jobs_kind(q, kind->name))
        return ism_error_set(err, ISM_E_INTERNAL, "job kind %s registered twice", kind->name);
    if (q->nkinds == MAX_KINDS) return ism_error_set(err, ISM_E_INTERNAL, "too many job kinds");
    q->kinds[q->nkinds++] = *kind;
    return true;
}

const ism_job_kind *ism_jobs_kind(ism_jobs *q, const char *name)
{
    for (int i = 0; i < q->nkinds; i++)
        if (name && strcmp(q->kinds[i].name, name) == 0) return &q->kinds[i];
    return NULL;
}

json_t *ism_jobs_kinds(ism_jobs *q)
{
    json_t *arr = json_array();
    for (int i = 0; i < q->nkinds; i++)
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:b}", "name", q->kinds[i].name, "summary",
                                        q->kinds[i].summary, "resumable", q->kinds[i].resumable));
    return arr;
}

static void publish(ism_jobs *q, const char *topic, json_t *ev)
{
    if (q->on_event) q->on_event(q->event_ctx, topic, ev);
    json_decref(ev);
}

const char *ism_job_id(const ism_job *job)
{
    return job->id;
}
const char *ism_job_org(const ism_job *job)
{
    return job->org;
}
ism_store *ism_job_store(const ism_job *job)
{
    return job->q->st;
}
void *ism_job_ctx(const ism_job *job)
{
    return job->kind->ctx;
}

bool ism_job_progress(ism_job *job, double fraction, const char *message, const json_t *checkpoint)
{
    ism_error err = {0};
    if (fraction < 0) fraction = 0;
    if (fraction > 1) fraction = 1;
    if (job->lost) return false;
    bool ok = ism_store_job_progress(job->q->st, job->id, job->q->worker_id, fraction, message,
                                     (json_t *)checkpoint, lease_until(job->q), &err);
    if (!ok && err.code == ISM_E_CONFLICT) {
        /* Another process took the job over (our lease ran out): stop, say nothing more. */
        ism_log(ISM_LOG_WARN, "job.lost", "job %s: %s", job->id, err.message);
        job->lost = job->stop_seen = true;
        ism_error_clear(&err);
        return false;
    }
    if (!ok) {
        ism_log(ISM_LOG_ERROR, "job.progress_failed", "job %s: %s", job->id, err.message);
        ism_error_clear(&err);
    }
    publish(job->q, "job.progress",
            json_pack("{s:s, s:s, s:s, s:f, s:s?}", "job", job->id, "kind", job->kind->name, "org",
                      job->org, "progress", fraction, "message", message));
    return ok;
}

bool ism_job_should_stop(ism_job *job)
{
    if (job->stop_seen) return true;
    pthread_mutex_lock(&job->q->mu);
    bool stopping = job->q->stopping;
    pthread_mutex_unlock(&job->q->mu);
    int64_t now = ism_mono_ms();
    if (!stopping && now - job->last_poll >= 200) {
        job->last_poll = now;
        stopping = ism_store_job_cancel_requested(job->q->st, job->id);
        if (!stopping && !ism_store_job_held(job->q->st, job->id, job->q->worker_id)) {
            ism_log(ISM_LOG_WARN, "job.lost",
                    "job %s: no longer held by worker %s (its lease ran out); stopping", job->id,
                    job->q->worker_id);
            job->lost = stopping = true;
        }
    }
    job->stop_seen = stopping;
    return stopping;
}

static void run_one(ism_jobs *q, json_t *row)
{
    ism_job job = {.q = q};
    ism_strlcpy(job.id, ism_json_getstr(row, "id"), sizeof job.id);
    ism_strlcpy(job.org, ism_json_getstr(row, "org") ? ism_json_getstr(row, "org") : "",
                sizeof job.org);
    const char *kind = ism_json_getstr(row, "kind");
    job.kind = ism_jobs_kind(q, kind);
    job.last_poll = ism_mono_ms();
    ism_error err = {0}, serr = {0};
    json_t *result = NULL;
    const char *state;

    if (!job.kind) {
        /* Only possible when a store holds a kind this build no longer has. */
        ism_error_set(&err, ISM_E_INTERNAL, "no job kind named %s in this build", kind);
        state = "failed";
    } else {
        json_t *cp = json_object_get(row, "checkpoint");
        ism_logj(ISM_LOG_INFO, "job.started", json_pack("{s:s, s:s}", "job", job.id, "kind", kind),
                 "job %s (%s) started%s", job.id, kind, json_is_null(cp) ? "" : ", resuming");
        bool ok = job.kind->run(&job, json_object_get(row, "params"), json_is_null(cp) ? NULL : cp,
                                &result, &err);
        if (ok) {
            state = "succeeded";
        } else {
            pthread_mutex_lock(&q->mu);
            bool shutting = q->stopping;
            pthread_mutex_unlock(&q->mu);
            bool cancelled = ism_store_job_cancel_requested(q->st, job.id);
            if (cancelled) {
                state = "cancelled";
                if (err.code != ISM_E_CANCELLED)
                    ism_error_set(&err, ISM_E_CANCELLED, "cancelled on request");
            } else if (shutting && job.kind->resumable) {
                /* Back in the queue; the next start resumes from the last checkpoint. */
                state = "queued";
            } else {
                if (shutting) ism_error_set(&err, ISM_E_INTERRUPTED, "stopped by shutdown");
                state = "failed";
            }
        }
    }
    if (job.lost) {
        ism_logj(ISM_LOG_WARN, "job.abandoned",
                 json_pack("{s:s, s:s, s:s}", "job", job.id, "kind", kind, "worker", q->worker_id),
                 "job %s: this worker lost its lease; its run's outcome is dropped", job.id);
    } else if (strcmp(state, "queued") == 0) {
        if (!ism_store_job_finish(q->st, job.id, q->worker_id, "queued", NULL, NULL, &serr))
            ism_log(ISM_LOG_ERROR, "job.requeue_failed", "job %s: %s", job.id, serr.message);
        else
            ism_log(ISM_LOG_INFO, "job.requeued", "job %s will resume at next start", job.id);
    } else {
        json_t *ejson = strcmp(state, "succeeded") == 0 ? NULL : ism_error_to_json(&err);
        bool recorded =
            ism_store_job_finish(q->st, job.id, q->worker_id, state, result, ejson, &serr);
        if (!recorded) {
            /* ISM_E_CONFLICT: another worker holds the job now; its result stands. */
            ism_log(serr.code == ISM_E_CONFLICT ? ISM_LOG_WARN : ISM_LOG_ERROR,
                    serr.code == ISM_E_CONFLICT ? "job.abandoned" : "job.finish_failed",
                    "job %s: %s", job.id, serr.message);
            json_decref(ejson);
            json_decref(result);
            ism_error_clear(&err);
            ism_error_clear(&serr);
            return;
        }
        ism_logj(ejson ? ISM_LOG_WARN : ISM_LOG_INFO, "job.finished",
                 json_pack("{s:s, s:s, s:s}", "job", job.id, "kind", kind, "state", state),
                 "job %s %s%s%s", job.id, state, ejson ? ": " : "", ejson ? err.message : "");
        publish(q, "job.finished",
                json_pack("{s:s, s:s, s:s, s:s, s:O?}", "job", job.id, "kind", kind, "org", job.org,
                          "state", state, "error", ejson));
        json_decref(ejson);
    }
    json_decref(result);
    ism_error_clear(&err);
    ism_error_clear(&serr);
}

/* The CLOCK_REALTIME time ms from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + ms % 1000 * 1000000;
    ts.tv_sec += (time_t)(ms / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

static void *worker(void *arg)
{
    ism_jobs *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        bool stop = q->stopping;
        unsigned seen = q->wake_seq;
        pthread_mutex_unlock(&q->mu);
        if (stop) break;
        ism_error err = {0};
        json_t *row =
            ism_store_job_claim(q->st, q->worker_id, q->clock_ms(q->clock_ctx), q->lease_ms, &err);
        if (row) {
            pthread_mutex_lock(&q->mu);
            q->running++;
            pthread_mutex_unlock(&q->mu);
            run_one(q, row);
            json_decref(row);
            pthread_mutex_lock(&q->mu);
            q->running--;
            pthread_mutex_unlock(&q->mu);
            continue;
        }
        if (err.code) {
            ism_log(ISM_LOG_ERROR, "job.claim_failed", "%s", err.message);
            ism_error_clear(&err);
        }
        /* Nothing queued: sleep until a submit wakes us, or a notification of a job queued by
         * another process (PostgreSQL), or else 1 s as a safety net; while notifications arrive
         * the safety net is the slower peer poll. */
        pthread_mutex_lock(&q->mu);
        if (!q->stopping && q->wake_seq == seen) {
            int64_t ms = q->listening && q->peer_poll_ms > 1000 ? q->peer_poll_ms : 1000;
            struct timespec ts = deadline_in(ms);
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
        }
        pthread_mutex_unlock(&q->mu);
    }
    return NULL;
}

static bool kind_resumable(void *ctx, const char *kind)
{
    const ism_job_kind *k = ism_jobs_kind(ctx, kind);
    return k && k->resumable;
}

bool ism_jobs_sweep(ism_jobs *q, ism_error *err)
{
    int requeued = 0, failed = 0;
    if (!ism_store_job_expire(q->st, q->clock_ms(q->clock_ctx), kind_resumable, q, &requeued,
                              &failed, err))
        return false;
    if (requeued || failed) {
        ism_logj(ISM_LOG_WARN, "job.lease_expired",
                 json_pack("{s:i, s:i}", "requeued", requeued, "failed", failed),
                 "jobs whose worker stopped renewing its lease: %d requeued, %d failed as "
                 "interrupted",
                 requeued, failed);
        if (requeued) ism_jobs_poke(q);
    }
    return true;
}

/* ---- other processes' job events ------------------------------------------------------- */
/* How far back each look reaches: covers clocks a little apart (processes on other hosts) and
 * a change whose time was taken a moment before its transaction committed. */
#define PEER_WINDOW_MS 5000

static void iso_ago(char out[32], int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t t = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - ms;
    time_t sec = (time_t)(t / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(t % 1000));
}

/* How far back the timed poll reaches: the poll interval and the window, so that a change
 * whose notification was lost is still found by the next poll. */
static int64_t poll_window_ms(const ism_jobs *q)
{
    return (int64_t)q->peer_poll_ms + PEER_WINDOW_MS;
}

/* What identifies one change of a job in peer_look: its `updated` first (what the window
 * forgets by), its state, and a digest of what an event of it shows — progress, message and
 * worker. `updated` has millisecond resolution: a claim and the first progress, or two progress
 * writes, within one millisecond have the same time and state, and without the digest the
 * second change looked like the first one already published and was never echoed. Two changes
 * that differ in nothing an event shows are one event. */
static void change_key(const json_t *r, char *out, size_t size)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a, 64 bits */
    char progress[40];
    snprintf(progress, sizeof progress, "%.17g", json_number_value(json_object_get(r, "progress")));
    const char *parts[] = {progress, ism_json_getstr(r, "message"), ism_json_getstr(r, "worker")};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        /* A part's end (and a missing part) is hashed too: "a"+"bc" differs from "ab"+"c". */
        for (const char *c = parts[i] ? parts[i] : ""; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ull;
        h = (h ^ (parts[i] ? 0x1fu : 0x1eu)) * 1099511628211ull;
    }
    snprintf(out, size, "%s|%s|%016llx", ism_json_getstr(r, "updated"), ism_json_getstr(r, "state"),
             (unsigned long long)h);
}

/* Publishes, as this process's own events, the changes of jobs that other processes run, of the
 * last window_ms: each change once (change_key identifies it), progress of
 * running jobs and the end of finished ones. The first look only learns what is there. */
static void peer_look(ism_jobs *q, json_t **seen, int64_t window_ms, bool publish_changes)
{
    char since[32];
    iso_ago(since, window_ms);
    ism_error err = {0};
    json_t *rows = ism_store_job_changes(q->st, since, &err);
    if (!rows) {
        ism_log(ISM_LOG_ERROR, "job.peer_events_failed", "%s", err.message);
        ism_error_clear(&err);
        return;
    }
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *id = ism_json_getstr(r, "id"), *state = ism_json_getstr(r, "state");
        const char *worker = ism_json_getstr(r, "worker");
        char key[128];
        change_key(r, key, sizeof key);
        bool same = ism_json_getstr(*seen, id) && !strcmp(ism_json_getstr(*seen, id), key);
        json_object_set_new(*seen, id, json_string(key));
        /* Our own jobs' events went out when they happened; a remote collector's go out from
         * the process that served its call. */
        if (!publish_changes || same || !worker || !*worker || !strcmp(worker, q->worker_id) ||
            !strcmp(worker, "collector"))
            continue;
        if (!strcmp(state, "running"))
            publish(q, "job.progress",
                    json_pack("{s:s, s:O, s:O, s:O, s:O, s:s}", "job", id, "kind",
                              json_object_get(r, "kind"), "org", json_object_get(r, "org"),
                              "progress", json_object_get(r, "progress"), "message",
                              json_object_get(r, "message"), "worker", worker));
        else if (!strcmp(state, "succeeded") || !strcmp(state, "failed") ||
                 !strcmp(state, "cancelled"))
            publish(q, "job.finished",
                    json_pack("{s:s, s:O, s:O, s:s, s:O, s:s}", "job", id, "kind",
                              json_object_get(r, "kind"), "org", json_object_get(r, "org"), "state",
                              state, "error", json_object_get(r, "error"), "worker", worker));
    }
    json_decref(rows);
    /* Forget the changes no look can return again (keys begin with their `updated`). */
    char keep[32];
    iso_ago(keep, poll_window_ms(q));
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(*seen, tmp, k, v)
    {
        if (strcmp(json_string_value(v), keep) < 0) json_object_del(*seen, k);
    }
}

static void *peer_events(void *arg)
{
    ism_jobs *q = arg;
    pthread_mutex_lock(&q->mu);
    while (!q->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (int64_t)q->peer_poll_ms * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&q->hcv, &q->mu, &ts);
        if (q->stopping) break;
        pthread_mutex_unlock(&q->mu);
        peer_look(q, &q->peer_seen, poll_window_ms(q), true);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* PostgreSQL: opens the listening connection and LISTENs on the jobs channel. */
static bool listen_open(ism_jobs *q, ism_error *err)
{
    ism_db *db = ism_store_listener(q->st, err);
    if (!db) return false;
    if (!ism_db_listen(db, ISM_STORE_JOBS_CHANNEL, err)) {
        ism_db_close(db);
        return false;
    }
    pthread_mutex_lock(&q->mu);
    q->listener = db;
    q->listening = true;
    pthread_mutex_unlock(&q->mu);
    return true;
}

static void listen_close(ism_jobs *q)
{
    pthread_mutex_lock(&q->mu);
    ism_db *db = q->listener;
    q->listener = NULL;
    q->listening = false;
    pthread_mutex_unlock(&q->mu);
    ism_db_close(db);
}

static bool is_stopping(ism_jobs *q)
{
    pthread_mutex_lock(&q->mu);
    bool s = q->stopping;
    pthread_mutex_unlock(&q->mu);
    return s;
}

/* Waits on the condition variable for ms, or until stop. */
static void peer_pause(ism_jobs *q, int64_t ms)
{
    pthread_mutex_lock(&q->mu);
    if (!q->stopping) {
        struct timespec ts = deadline_in(ms);
        pthread_cond_timedwait(&q->hcv, &q->mu, &ts);
    }
    pthread_mutex_unlock(&q->mu);
}

/* The events thread on PostgreSQL: each notification on the jobs channel (and those that came
 * with it) runs a look at once, and one of a job put in the queue wakes the idle workers; the
 * timed poll stays as the safety net. A lost listening connection is opened again (retried
 * every second while the server cannot be reached), listens again, and is followed by a poll
 * and a wake of the workers for what was missed meanwhile. */
static void *peer_listen(void *arg)
{
    ism_jobs *q = arg;
    int64_t next_poll = ism_mono_ms() + q->peer_poll_ms;
    bool warned = false; /* about the listener that cannot be had: once until it can */
    while (!is_stopping(q)) {
        ism_error err = {0};
        if (!q->listener) {
            if (!listen_open(q, &err)) {
                if (!warned)
                    ism_log(ISM_LOG_WARN, "job.listen_failed",
                            "cannot listen for other processes' job events (polling every %d ms "
                            "meanwhile): %s",
                            q->peer_poll_ms, err.message);
                warned = true;
                ism_error_clear(&err);
                peer_pause(q, q->peer_poll_ms < 1000 ? q->peer_poll_ms : 1000);
                if (ism_mono_ms() >= next_poll) {
                    peer_look(q, &q->peer_seen, poll_window_ms(q), true);
                    next_poll = ism_mono_ms() + q->peer_poll_ms;
                }
                continue;
            }
            warned = false;
            ism_log(ISM_LOG_INFO, "job.listening", "listening for other processes' job events");
            peer_look(q, &q->peer_seen, poll_window_ms(q), true);
            next_poll = ism_mono_ms() + q->peer_poll_ms;
            ism_jobs_poke(q);
            continue;
        }
        int64_t left = next_poll - ism_mono_ms();
        if (left <= 0) {
            peer_look(q, &q->peer_seen, poll_window_ms(q), true);
            next_poll = ism_mono_ms() + q->peer_poll_ms;
            continue;
        }
        ism_db_notice n;
        int rc = ism_db_wait_notify(q->listener, (int)left, q->wake[0], &n, &err);
        if (rc == ISM_DB_ERROR) {
            ism_log(ISM_LOG_WARN, "job.listen_lost", "%s; listening again", err.message);
            ism_error_clear(&err);
            listen_close(q);
            continue;
        }
        if (rc == 0) continue;
        /* Take every notification already here, then look once. */
        bool queued = false;
        do {
            queued = queued || strncmp(n.payload, "queued ", 7) == 0;
        } while (ism_db_wait_notify(q->listener, 0, -1, &n, &err) == 1);
        ism_error_clear(&err); /* a loss here shows again on the next wait */
        peer_look(q, &q->peer_seen, PEER_WINDOW_MS, true);
        if (queued) ism_jobs_poke(q);
    }
    listen_close(q);
    return NULL;
}

bool ism_jobs_peer_events(ism_jobs *q, int poll_ms, ism_error *err)
{
    if (q->started || q->heart_started)
        return ism_error_set(err, ISM_E_INTERNAL, "the job queue is configured before it starts");
    if (poll_ms && (poll_ms < 20 || poll_ms > 60000))
        return ism_error_set(err, ISM_E_CONFIG, "the peer event poll is 20 to 60000 ms");
    q->peer_poll_ms = poll_ms;
    return true;
}

/* Renews this worker's leases and sweeps expired ones, three times per lease. */
static void *heartbeat(void *arg)
{
    ism_jobs *q = arg;
    pthread_mutex_lock(&q->mu);
    while (!q->stopping) {
        bool busy = q->running > 0;
        pthread_mutex_unlock(&q->mu);
        ism_error err = {0};
        if (busy && !ism_store_job_heartbeat(q->st, q->worker_id, lease_until(q), NULL, &err))
            ism_log(ISM_LOG_ERROR, "job.heartbeat_failed", "%s", err.message);
        ism_error_clear(&err);
        if (!ism_jobs_sweep(q, &err)) ism_log(ISM_LOG_ERROR, "job.sweep_failed", "%s", err.message);
        ism_error_clear(&err);
        pthread_mutex_lock(&q->mu);
        if (q->stopping) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (q->lease_ms / 3) * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&q->hcv, &q->mu, &ts);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

bool ism_jobs_start(ism_jobs *q, ism_error *err)
{
    int requeued = 0, failed = 0;
    /* Only this worker id's own jobs end at once (a restart of the same process); other
     * processes' running jobs are theirs until their leases run out. */
    if (!ism_store_job_recover(q->st, q->worker_id, kind_resumable, q, &requeued, &failed, err))
        return false;
    if (requeued || failed)
        ism_logj(ISM_LOG_WARN, "job.recovered",
                 json_pack("{s:i, s:i}", "requeued", requeued, "failed", failed),
                 "jobs interrupted by the previous stop: %d requeued, %d failed as interrupted",
                 requeued, failed);
    if (!ism_jobs_sweep(q, err)) return false;
    if (pthread_create(&q->heart, NULL, heartbeat, q) != 0)
        return ism_error_set(err, ISM_E_INTERNAL, "cannot start the job heartbeat thread");
    q->heart_started = true;
    if (q->peer_poll_ms) {
        /* On PostgreSQL, listen before the first look, so that no change falls between the two;
         * a listener that cannot be had now is retried by the thread (polling meanwhile). */
        bool pg = ism_store_backend(q->st) == ISM_DB_POSTGRES;
        if (pg) {
            if (pipe(q->wake) != 0) {
                ism_jobs_stop(q);
                return ism_error_set(err, ISM_E_INTERNAL, "cannot make a pipe: %s",
                                     strerror(errno));
            }
            fcntl(q->wake[1], F_SETFL, O_NONBLOCK);
            ism_error lerr = {0};
            if (listen_open(q, &lerr))
                ism_log(ISM_LOG_INFO, "job.listening", "listening for other processes' job events");
            else
                ism_log(ISM_LOG_WARN, "job.listen_failed",
                        "cannot listen for other processes' job events yet: %s", lerr.message);
            ism_error_clear(&lerr);
        }
        /* The first look, before start returns, only learns what is there: what changes from
         * then on is published. */
        q->peer_seen = json_object();
        peer_look(q, &q->peer_seen, poll_window_ms(q), false);
        if (pthread_create(&q->peer, NULL, pg ? peer_listen : peer_events, q) != 0) {
            ism_jobs_stop(q);
            return ism_error_set(err, ISM_E_INTERNAL, "cannot start the job events thread");
        }
        q->peer_started = true;
    }
    for (int i = 0; i < q->nworkers; i++) {
        if (pthread_create(&q->threads[i], NULL, worker, q) != 0) {
            ism_jobs_stop(q);
            return ism_error_set(err, ISM_E_INTERNAL, "cannot start job worker threads");
        }
        q->started++;
    }
    return true;
}

bool ism_jobs_submit(ism_jobs *q, const char *kind, json_t *params, const char *org,
                     char id_out[64], ism_error *err)
{
    const ism_job_kind *k = ism_jobs_kind(q, kind);
    if (!k) return ism_error_set(err, ISM_E_INVALID_PARAMS, "no job kind named '%s'", kind);
    if (params && !json_is_object(params))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "job params must be an object");
    if (k->check && !k->check(params, err)) return false;
    if (k->check_ctx && !k->check_ctx(params, k->ctx, err)) return false;
    pthread_mutex_lock(&q->mu);
    bool stopping = q->stopping;
    pthread_mutex_unlock(&q->mu);
    if (stopping) return ism_error_set(err, ISM_E_UNAVAILABLE, "the daemon is shutting down");
    if (!ism_store_job_insert(q->st, kind, params, org, id_out, err)) return false;
    ism_jobs_poke(q);
    return true;
}

void ism_jobs_poke(ism_jobs *q)
{
    pthread_mutex_lock(&q->mu);
    q->wake_seq++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

int ism_jobs_running(ism_jobs *q)
{
    pthread_mutex_lock(&q->mu);
    int n = q->running;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void ism_jobs_stop(ism_jobs *q)
{
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->cv);
    pthread_cond_broadcast(&q->hcv);
    pthread_mutex_unlock(&q->mu);
    if (q->wake[1] >= 0) {
        char b = 1;
        ssize_t w = write(q->wake[1], &b, 1); /* full pipe: it is awake already */
        (void)w;
    }
    for (int i = 0; i < q->started; i++)
        pthread_join(q->threads[i], NULL);
    q->started = 0;
    if (q->heart_started) pthread_join(q->heart, NULL);
    q->heart_started = false;
    if (q->peer_started) pthread_join(q->peer, NULL);
    q->peer_started = false;
    listen_close(q); /* when the thread never ran */
}

void ism_jobs_free(ism_jobs *q)
{
    if (!q) return;
    ism_jobs_stop(q);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    pthread_cond_destroy(&q->hcv);
    json_decref(q->peer_seen);
    for (int i = 0; i < 2; i++)
        if (q->wake[i] >= 0) close(q->wake[i]);
    free(q);
}
