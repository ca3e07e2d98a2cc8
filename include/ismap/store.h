/* store.h — the store room: the durable database of an installation.
 *
 * Two backends (db.h). SQLite, the zero-config default: one file in WAL mode with
 * synchronous=FULL and foreign keys on. PostgreSQL, for shared deployments: a database named by
 * a postgresql:// (or postgres://) URL, which must use the C collation. Schema changes are
 * numbered migrations applied at open (each backend has its scripts); a store written by a
 * newer build is refused (ISM_E_VERSION). Writes are serialized through one writer connection
 * per process and, across processes, by SQLite's file lock or a PostgreSQL advisory lock;
 * reads use a small pool of reader connections, so readers never block the writer and the
 * writer never blocks readers. All functions are thread-safe. */
#ifndef ISMAP_STORE_H
#define ISMAP_STORE_H

#include "ismap/core.h"
#include "ismap/db.h"

typedef struct ism_store ism_store;

/* The core schema version (tokens, jobs) this build writes. */
int ism_store_schema_latest(void);

/* A room's own tables: its migrations, numbered by their index (index i brings the room's
 * schema from version i to i+1). Append only: never edit a released migration. Each room keeps
 * its version in the store's schema_components table, so rooms evolve independently. */
typedef struct ism_store_schema {
    const char *component;         /* "evidence", "snapshots", "matrix", ... */
    const char *const *migrations; /* SQL scripts for SQLite */
    int count;
    /* The same migrations for PostgreSQL: `count` scripts, index for index (same versions).
     * NULL: the room has no PostgreSQL schema yet, and a PostgreSQL store refuses to open. */
    const char *const *pg_migrations;
} ism_store_schema;

/* Opens (creating if needed) and migrates the store at `location`: a SQLite file path, or a
 * postgresql:// / postgres:// URL of an existing database (libpq's URL syntax; the password
 * may be in the URL, in PGPASSWORD or in ~/.pgpass). The core schema, then each room schema
 * given. A store whose core or any room schema is newer than this build is refused with
 * ISM_E_VERSION; on PostgreSQL, so is a database whose collation is not C, and a room without
 * pg_migrations. Messages never show the URL's password. Caller closes. */
ism_store *ism_store_open_with(const char *location, const ism_store_schema *rooms, int nrooms,
                               ism_error *err);
/* True when `location` names a PostgreSQL database (postgresql:// or postgres://). */
bool ism_store_is_url(const char *location);
/* `location` fit to print: a URL without its password (user:password@ and password=...
 * parameters removed); a path as it is. malloc'd (caller frees), NULL when out of memory. */
char *ism_store_redact(const char *location);
/* ism_store_open_with and no room schemas. */
ism_store *ism_store_open(const char *path, ism_error *err);
/* {"core": n, "<component>": n, ...}: the versions in the open store. New reference. */
json_t *ism_store_schema_versions(ism_store *st);
void ism_store_close(ism_store *st);
/* The schema version of the open store. */
int ism_store_schema_version(ism_store *st);
/* The SQLite path, or the PostgreSQL URL without its password. Borrowed. */
const char *ism_store_path(const ism_store *st);
/* Which backend the store runs on. */
ism_db_backend ism_store_backend(const ism_store *st);

/* ---- the database interface (db.h) ---------------------------------------------------- */
/* Writer: locks the writer and begins a write transaction. The returned connection is borrowed
 * until ism_store_write_commit / ism_store_write_rollback, which always release the lock. NULL
 * with err set when the transaction cannot begin. The lock is held across processes too
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory lock), so a
 * read-modify-write transaction sees no other writer. On PostgreSQL, a failed statement ends
 * the transaction: commit then fails (nothing is written) and rollback is all that is left. */
ism_db *ism_store_writer(ism_store *st, ism_error *err);
/* As ism_store_writer, but on PostgreSQL without the cross-process lock: for statements that
 * are safe with other writers running at the same time by their own row locks (job claiming
 * with FOR UPDATE SKIP LOCKED). On SQLite, the same as ism_store_writer. */
ism_db *ism_store_writer_concurrent(ism_store *st, ism_error *err);
/* Readers: borrow a reader connection (blocks while all are in use) and give it back. A
 * PostgreSQL connection that was dropped (server restart) is re-established on borrow. */
ism_db *ism_store_reader(ism_store *st);
void ism_store_reader_end(ism_store *st, ism_db *db);
/* Runs one query on a reader with text arguments ?1..?n (NULL binds NULL) and maps each row
 * with fn into an array (new reference), or NULL with err set. */
typedef json_t *(*ism_store_stmt_fn)(ism_stmt *s);
json_t *ism_store_select(ism_store *st, const char *sql, const char *const *args, int n,
                         ism_store_stmt_fn fn, ism_error *err);

/* A dedicated connection for waiting on notifications (db.h: ism_db_listen,
 * ism_db_wait_notify), apart from the writer and the readers, named "ismap listener" in
 * pg_stat_activity. PostgreSQL only: on SQLite, NULL with ISM_E_UNAVAILABLE. The caller owns it
 * and closes it with ism_db_close; after a lost connection, it closes it and asks for a new one. */
ism_db *ism_store_listener(ism_store *st, ism_error *err);
#define ISM_STORE_LISTENER_NAME "ismap listener"

/* Ends the write transaction begun by ism_store_writer / ism_store_writer_concurrent and
 * releases the writer: commit (false with err when the transaction cannot commit, e.g. one of
 * its statements failed on PostgreSQL) or rollback. */
bool ism_store_write_commit(ism_store *st, ism_error *err);
void ism_store_write_rollback(ism_store *st);

/* ---- helpers for rooms that keep tables in the store -------------------------------------- */
/* Runs one write statement in its own transaction with text arguments ?1..?n (NULL binds
 * NULL); *changed (may be NULL) receives the number of rows changed. */
bool ism_store_write(ism_store *st, const char *sql, const char *const *args, int n, int *changed,
                     ism_error *err);

/* Writes a consistent copy of the store to `dest` (VACUUM INTO); dest must not exist. On
 * PostgreSQL: ISM_E_INVALID_PARAMS, whose message points to pg_dump (docs/operations.md). */
bool ism_store_backup(ism_store *st, const char *dest, ism_error *err);

/* ---- tokens --------------------------------------------------------------------------- */
typedef struct ism_token_info {
    char id[64];
    char name[128];
    char org[128]; /* empty: all organizations (admin tokens) */
    ism_role role;
} ism_token_info;

/* Creates a token: 256 random bits, returned once in token_out[80] ("ism_" + 64 hex); only
 * its SHA-256 is stored. */
bool ism_store_token_create(ism_store *st, const char *name, ism_role role, const char *org,
                            char token_out[80], ism_token_info *info, ism_error *err);
/* Resolves a presented token. ISM_E_UNAUTHENTICATED when unknown or revoked (the message says
 * which; the token itself never appears in messages). Records last_used, but only when the
 * stored value is older than ISM_TOKEN_LAST_USED_GRAIN_S: most requests are then read-only
 * (last_used has that resolution) instead of one synchronous write each. */
#define ISM_TOKEN_LAST_USED_GRAIN_S 60
bool ism_store_token_verify(ism_store *st, const char *token, ism_token_info *out, ism_error *err);
/* JSON array of {id, name, role, org, created, last_used, revoked}; new reference. org NULL or
 * "" lists every token; otherwise only that organization's. */
json_t *ism_store_token_list(ism_store *st, const char *org, ism_error *err);
/* Revokes an active token. org NULL or "" may revoke any token; otherwise only a token of that
 * organization (a token of another organization, or a global one, is ISM_E_NOT_FOUND: an
 * org-scoped caller does not learn that it exists). */
bool ism_store_token_revoke(ism_store *st, const char *id, const char *org, ism_error *err);

/* ---- jobs ------------------------------------------------------------------------------ */
/* A job row as JSON: {id, kind, state, org, progress, message, params, result, error,
 * checkpoint, attempts, cancel_requested, created, started, finished, updated, worker,
 * lease_until}. States: queued, running, succeeded, failed, cancelled.
 *
 * Several ismapd processes may share one store's queue. Each process has a worker id; a running
 * job is held by the worker that claimed it under a lease (lease_until, milliseconds of the
 * caller's clock — the daemon's, injectable in tests). The holder renews the lease (progress
 * reports and a heartbeat); a job whose lease ran out is requeued (resumable kinds, checkpoint
 * kept) or failed by any process's sweep (ism_store_job_expire). Writes of a worker that lost
 * its job change nothing (ISM_E_CONFLICT). Jobs of remote collectors have worker "collector"
 * and no lease_until: their leases are the collectors' (below). */
bool ism_store_job_insert(ism_store *st, const char *kind, json_t *params, const char *org,
                          char id_out[64], ism_error *err);
/* Claims the oldest queued job for `worker` (state → running, attempts+1, lease_until =
 * now_ms + lease_ms). Returns the row (new reference) or NULL when none is queued (err
 * untouched) or on error (err set). Concurrent claimers never get the same job (PostgreSQL:
 * FOR UPDATE SKIP LOCKED; SQLite: one writer). Jobs routed to a network zone (params.zone set)
 * are never claimed here: only a remote collector of that zone takes them
 * (ism_store_job_claim_zoned). */
json_t *ism_store_job_claim(ism_store *st, const char *worker, int64_t now_ms, int64_t lease_ms,
                            ism_error *err);
/* Claims the oldest queued job whose params.zone is `zone` and that accept (called with each
 * candidate row, borrowed, under the writer lock: it must not use the store) takes. Same returns
 * as ism_store_job_claim. */
json_t *ism_store_job_claim_zoned(ism_store *st, const char *zone,
                                  bool (*accept)(const json_t *job, void *ctx), void *ctx,
                                  ism_error *err);
/* Records progress (0..1), a message, and optionally a checkpoint (NULL keeps the old).
 * worker non-NULL: only while that worker holds the running job, and renews its lease to
 * lease_until; otherwise ISM_E_CONFLICT and nothing is written. worker NULL (remote
 * collectors' jobs): unconditional, lease_until unused. */
bool ism_store_job_progress(ism_store *st, const char *id, const char *worker, double progress,
                            const char *message, json_t *checkpoint, int64_t lease_until,
                            ism_error *err);
/* Ends a job: state is succeeded, failed, cancelled, or queued (back in the queue, checkpoint
 * kept); result/error may be NULL. worker non-NULL: only while that worker holds the running
 * job, else ISM_E_CONFLICT and nothing is written (a worker that lost its lease must not
 * overwrite the new holder's result). */
bool ism_store_job_finish(ism_store *st, const char *id, const char *worker, const char *state,
                          json_t *result, json_t *error, ism_error *err);
/* The job row, or NULL with ISM_E_NOT_FOUND. A non-empty org restricts to that org's jobs. */
json_t *ism_store_job_get(ism_store *st, const char *id, const char *org, ism_error *err);
/* Newest first; state and org may be NULL/empty for all. */
json_t *ism_store_job_list(ism_store *st, const char *state, const char *org, int limit,
                           ism_error *err);
/* The number of jobs in each state, {"queued": n, …}, states without jobs left out; org NULL or
 * empty for all. Counted by the store (no row is read into memory, nothing is truncated).
 * Caller owns the object; NULL with err set. */
json_t *ism_store_job_counts(ism_store *st, const char *org, ism_error *err);
/* Queued → cancelled at once; running → cancel_requested (the worker stops at its next
 * check). *now_state receives the resulting state. Finished jobs give ISM_E_CONFLICT. */
bool ism_store_job_cancel(ism_store *st, const char *id, const char *org, char now_state[16],
                          ism_error *err);
bool ism_store_job_cancel_requested(ism_store *st, const char *id);
/* True while the job is running under `worker` (also on a read error: a store hiccup is not
 * a reason to drop work). */
bool ism_store_job_held(ism_store *st, const char *id, const char *worker);
/* Renews the lease of every job running under `worker` to lease_until; *renewed (may be
 * NULL) gets how many. */
bool ism_store_job_heartbeat(ism_store *st, const char *worker, int64_t lease_until, int *renewed,
                             ism_error *err);
/* At start: the jobs this worker id left running (its previous process died or stopped) end
 * at once, without waiting for their leases — requeued when resumable(kind) says so,
 * otherwise failed with error code "interrupted" (cancelled when a cancel was requested).
 * Other workers' jobs are left to their leases. Counts are returned. */
bool ism_store_job_recover(ism_store *st, const char *worker,
                           bool (*resumable)(void *ctx, const char *kind), void *ctx, int *requeued,
                           int *failed, ism_error *err);
/* The sweep: every running job whose lease ended before now_ms is requeued or failed as in
 * ism_store_job_recover. A job renewed or taken over meanwhile is left alone. Reads only when
 * nothing has expired. */
bool ism_store_job_expire(ism_store *st, int64_t now_ms,
                          bool (*resumable)(void *ctx, const char *kind), void *ctx, int *requeued,
                          int *failed, ism_error *err);
/* On PostgreSQL every job write above that other processes must hear of (insert, claim,
 * progress, finish or requeue, cancel, the sweep's ends) also queues a notification on this
 * channel in its transaction, so it is delivered when (and only when) the write commits. The
 * payload is "<change> <job id>", change one of: queued (inserted or back in the queue),
 * claimed, progress, finished, cancel. No secrets: no params, results or errors. */
#define ISM_STORE_JOBS_CHANNEL "ismap_jobs"
/* The jobs changed at or after `since` (ISO time, as in `updated`), oldest change first:
 * [{id, kind, org, state, progress, message, worker, updated, error}]. New reference, or NULL
 * with err. For processes that echo each other's job events (ism_jobs_peer_events). */
json_t *ism_store_job_changes(ism_store *st, const char *since, ism_error *err);

/* ---- remote collectors (ismapd --role collector) ---------------------------------------- */
/* The collectors table and the leases of the jobs they run, for ism_store_open_with. */
const ism_store_schema *ism_store_collectors_schema(void);
/* Registers a collector: name (unique among active ones), network zone, scopes (borrowed JSON:
 * "*" or [{provider, scopes: "*" | [ids]}]), its snapshot signing public key (base64 raw
 * Ed25519). Creates its API token (role collector, no org), returned once in token_out; the
 * collector row ({id, name, zone, scopes, public_key, token_id, created, revoked}) goes to
 * *row_out (new reference; may be NULL). */
bool ism_store_collector_register(ism_store *st, const char *name, const char *zone,
                                  const json_t *scopes, const char *public_key, char token_out[80],
                                  json_t **row_out, ism_error *err);
/* Every collector, newest first (no secrets). New reference, or NULL with err. */
json_t *ism_store_collector_list(ism_store *st, ism_error *err);
/* Revokes a collector and its token; its leased jobs go back to the queue. ISM_E_NOT_FOUND
 * when there is no active collector with that id. */
bool ism_store_collector_revoke(ism_store *st, const char *id, ism_error *err);
/* The active collector whose token has this id, or NULL with ISM_E_PERMISSION_DENIED. */
json_t *ism_store_collector_by_token(ism_store *st, const char *token_id, ism_error *err);
/* Leases: a collector holds a job until now_ms + lease_ms; each progress report renews it.
 * Times come from the caller's clock (milliseconds; tests inject one). */
bool ism_store_collector_lease(ism_store *st, const char *job_id, const char *collector_id,
                               int64_t now_ms, int64_t lease_ms, ism_error *err);
/* Renews the lease of a running job held by this collector; ISM_E_CONFLICT when the job is not
 * (any more) this collector's running job (its lease expired and it was requeued, it was
 * cancelled or finished). */
bool ism_store_collector_renew(ism_store *st, const char *job_id, const char *collector_id,
                               int64_t now_ms, int64_t lease_ms, ism_error *err);
/* Ends a lease (the job finished or failed). */
bool ism_store_collector_release(ism_store *st, const char *job_id, ism_error *err);
/* Requeues every running job whose lease ended before now_ms (its collector stopped reporting);
 * *requeued (may be NULL) gets how many. */
bool ism_store_collector_expire(ism_store *st, int64_t now_ms, int *requeued, ism_error *err);

#endif
