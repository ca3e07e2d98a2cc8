/* jobs.h — the jobs room: a persistent queue of long-running work with worker threads.
 *
 * Jobs live in the store, so a job survives a restart: one that was running when the daemon
 * died is requeued (and resumed from its last checkpoint) when its kind is resumable, and
 * otherwise failed with the code "interrupted". Job kinds are registered by the rooms that own
 * the work (a collection, an import, a report), each as one ism_job_kind entry.
 *
 * Several processes may share one store's queue: each queue is a worker id holding its running
 * jobs under leases that a heartbeat thread renews; a process that dies loses its leases, and
 * any live process's sweep requeues those jobs (resumable kinds) for another to resume. A
 * process restarting under the same worker id takes its own jobs back at once. */
#ifndef ISMAP_JOBS_H
#define ISMAP_JOBS_H

#include "ismap/store.h"

typedef struct ism_jobs ism_jobs;
typedef struct ism_job ism_job;

/* Runs one job. `params` and `checkpoint` (NULL on a first run) are borrowed. On success set
 * *result (a new reference, may stay NULL) and return true; on failure set err and return false.
 * A run that sees ism_job_should_stop() should save a checkpoint and return false with
 * ISM_E_CANCELLED or ISM_E_INTERRUPTED as it prefers; the queue decides the final state. */
typedef bool (*ism_job_run_fn)(ism_job *job, const json_t *params, const json_t *checkpoint,
                               json_t **result, ism_error *err);
/* Validates params at submit time, so a bad request fails before it is queued. May be NULL. */
typedef bool (*ism_job_check_fn)(const json_t *params, ism_error *err);
/* The same, handed the kind's ctx (for kinds that share one check, e.g. every provider's). */
typedef bool (*ism_job_check_ctx_fn)(const json_t *params, void *ctx, ism_error *err);

typedef struct ism_job_kind {
    const char *name;    /* "store.backup", "collect.aws", ... */
    const char *summary; /* one line for people */
    ism_job_run_fn run;
    ism_job_check_fn check;
    bool resumable; /* true: requeued after a crash or shutdown, resumed from checkpoint */
    int roles;      /* ism_role bits allowed to submit it (admin always may) */
    void *ctx;      /* kind-specific context, handed to the run via ism_job_ctx */
    ism_job_check_ctx_fn check_ctx; /* may be NULL; runs after check */
} ism_job_kind;

/* Receives events ("job.progress", "job.finished"); `event` is borrowed. Called from worker
 * threads: must be thread-safe and quick. */
typedef void (*ism_event_fn)(void *ctx, const char *topic, const json_t *event);

/* Creates the queue; nothing runs until ism_jobs_start. Caller frees with ism_jobs_free. */
ism_jobs *ism_jobs_new(ism_store *st, int workers, ism_event_fn on_event, void *event_ctx);
/* How long a claimed job stays held without a renewal, unless configured. */
#define ISM_JOBS_DEFAULT_LEASE_MS 30000
/* Before start: this process's worker id (NULL keeps the default "<host>:<pid>"; a stable id
 * lets a restarted process take its own running jobs back at once), the lease in ms (0 keeps
 * the default; at least 300), and the clock leases are measured on (NULL: wall-clock ms; tests
 * inject one). The heartbeat renews leases three times per lease. */
bool ism_jobs_configure(ism_jobs *q, const char *worker_id, int64_t lease_ms,
                        int64_t (*clock_ms)(void *ctx), void *clock_ctx, ism_error *err);
/* The worker id (borrowed, lives as long as the queue). */
const char *ism_jobs_worker_id(const ism_jobs *q);
/* Requeues (resumable kinds) or fails the jobs whose leases ran out. The heartbeat thread runs
 * it three times per lease; callable at any time. */
bool ism_jobs_sweep(ism_jobs *q, ism_error *err);
/* Before start: publish through on_event the job events of jobs that other processes on the
 * store run ("job.progress", "job.finished", each with the running process's "worker"), so a
 * client of any process sees them all. poll_ms: 20..60000 (0, the default: never). On SQLite the
 * jobs changed lately are read every poll_ms (one indexed query per poll). On PostgreSQL a
 * dedicated connection LISTENs for the store's job notifications (ISM_STORE_JOBS_CHANNEL): each
 * one is relayed at once, and one of a job queued by another process wakes the idle workers;
 * poll_ms is then only the safety net for notifications lost with a dropped connection (which
 * is opened again, listens again and polls once). */
bool ism_jobs_peer_events(ism_jobs *q, int poll_ms, ism_error *err);
/* Registers a kind (copied; strings and ctx must outlive the queue). Before start only. */
bool ism_jobs_register(ism_jobs *q, const ism_job_kind *kind, ism_error *err);
/* The registered kind, or NULL. */
const ism_job_kind *ism_jobs_kind(ism_jobs *q, const char *name);
/* JSON array of {name, summary, resumable}; new reference. */
json_t *ism_jobs_kinds(ism_jobs *q);
/* Recovers jobs interrupted by a previous process, then starts the worker threads. */
bool ism_jobs_start(ism_jobs *q, ism_error *err);
/* Validates and queues a job; its id goes to id_out. */
bool ism_jobs_submit(ism_jobs *q, const char *kind, json_t *params, const char *org,
                     char id_out[64], ism_error *err);
/* Wakes workers to look for cancel requests sooner. */
void ism_jobs_poke(ism_jobs *q);
/* Stops: no new claims; running jobs see ism_job_should_stop(); waits for the workers.
 * Resumable jobs that stopped are requeued; others are failed as interrupted. */
void ism_jobs_stop(ism_jobs *q);
void ism_jobs_free(ism_jobs *q);
/* Number of jobs currently running in this process. */
int ism_jobs_running(ism_jobs *q);

/* Registers the kinds with no other home: store.backup, diag.wait (resumable), diag.hold. */
bool ism_jobs_register_builtin(ism_jobs *q, ism_error *err);

/* ---- for job runs ----------------------------------------------------------------------- */
const char *ism_job_id(const ism_job *job);
const char *ism_job_org(const ism_job *job);
ism_store *ism_job_store(const ism_job *job);
void *ism_job_ctx(const ism_job *job);
/* Records progress (0..1), a message and optionally a checkpoint (borrowed), and publishes a
 * "job.progress" event. Returns false if the store write failed (err logged). */
bool ism_job_progress(ism_job *job, double fraction, const char *message, const json_t *checkpoint);
/* True once the job was cancelled or the daemon is stopping. Cheap: polls the store at most
 * every 200 ms. */
bool ism_job_should_stop(ism_job *job);

#endif
