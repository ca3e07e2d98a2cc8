/* jobs.c — the persistent job queue's rows: insert, claim, progress, finish, leases, recovery.
 *
 * Several ismapd processes may share one store and its queue. A process claims a queued job
 * for its worker id with a lease (lease_until, in milliseconds of the caller's clock), renews
 * the lease while the job runs (every progress report, and a heartbeat in between), and ends
 * the job only while it still holds it: a job whose lease expired (its process died or stalled)
 * is requeued, checkpoint kept, by any live process's sweep, and the first process's late
 * writes then change nothing. On PostgreSQL concurrent claims skip each other's locked rows
 * (FOR UPDATE SKIP LOCKED); on SQLite the claim is one IMMEDIATE write transaction. Portable
 * SQL only (db.h). */
#include "ismap/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_COLS                                                                                   \
    "id,kind,state,org,progress,message,params,result,error,checkpoint,attempts,"                  \
    "cancel_requested,created,started,finished,updated,worker,lease_until"

static json_t *row_to_job(ism_stmt *s)
{
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:f, s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:o, s:o, "
        "s:o, s:o, s:o, s:o}",
        "id", ism_stmt_json_text(s, 0), "kind", ism_stmt_json_text(s, 1), "state",
        ism_stmt_json_text(s, 2), "org", ism_stmt_json_text(s, 3), "progress",
        ism_stmt_double(s, 4), "message", ism_stmt_json_text(s, 5), "params", ism_stmt_json(s, 6),
        "result", ism_stmt_json(s, 7), "error", ism_stmt_json(s, 8), "checkpoint",
        ism_stmt_json(s, 9), "attempts", ism_stmt_int(s, 10), "cancel_requested",
        ism_stmt_int(s, 11), "created", ism_stmt_json_text(s, 12), "started",
        ism_stmt_json_text(s, 13), "finished", ism_stmt_json_text(s, 14), "updated",
        ism_stmt_json_text(s, 15), "worker", ism_stmt_json_text(s, 16), "lease_until",
        ism_stmt_is_null(s, 17) ? json_null() : json_integer((json_int_t)ism_stmt_int64(s, 17)));
}

static void bind_json(ism_stmt *s, int i, const json_t *v)
{
    if (!v) {
        ism_stmt_bind_null(s, i);
        return;
    }
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    ism_stmt_bind_text(s, i, t);
    free(t);
}

/* Queues, on PostgreSQL, the notification of a job's change for the other processes on the
 * store (ISM_STORE_JOBS_CHANNEL, "<change> <id>"): sent when the transaction commits. Nothing to
 * do on SQLite, where they poll. False with err set when it cannot be queued (the transaction
 * then fails: on PostgreSQL it could not commit anyway). */
static bool notify_job(ism_db *db, const char *change, const char *id, ism_error *err)
{
    if (ism_db_kind(db) != ISM_DB_POSTGRES) return true;
    char payload[128];
    snprintf(payload, sizeof payload, "%s %.100s", change, id);
    return ism_db_notify(db, ISM_STORE_JOBS_CHANNEL, payload, err);
}

/* Runs one prepared write statement inside its own transaction; returns the rows changed or -1
 * with err set. When it changed a row, `change` of job `id` is notified (notify_job).
 * concurrent: a one-row update whose row lock is all it needs (PostgreSQL then
 * skips the store-wide writer lock: progress reports of many jobs do not queue behind one
 * another). */
static int64_t write_one(ism_store *st, bool concurrent, const char *sql,
                         void (*bind)(ism_stmt *, void *), void *ctx, const char *change,
                         const char *id, ism_error *err)
{
    ism_db *db = concurrent ? ism_store_writer_concurrent(st, err) : ism_store_writer(st, err);
    if (!db) return -1;
    int64_t changed = -1;
    ism_stmt *s = ism_db_prepare(db, sql, err);
    if (s) {
        bind(s, ctx);
        if (ism_stmt_step(s, err) == ISM_DB_DONE) changed = ism_stmt_changes(s);
    }
    ism_stmt_finalize(s);
    if (changed > 0 && !notify_job(db, change, id, err)) changed = -1;
    if (changed < 0) {
        ism_store_write_rollback(st);
        return -1;
    }
    return ism_store_write_commit(st, err) ? changed : -1;
}

/* Steps a statement that returns at most one job row (RETURNING or SELECT): *job gets it or
 * stays NULL. False with err set on error. */
static bool step_one_job(ism_stmt *s, json_t **job, ism_error *err)
{
    int rc = ism_stmt_step(s, err);
    if (rc == ISM_DB_ROW) {
        *job = row_to_job(s);
        rc = ism_stmt_step(s, err);
    }
    if (rc != ISM_DB_DONE) {
        json_decref(*job);
        *job = NULL;
        return false;
    }
    return true;
}

struct insert_ctx {
    const char *id, *kind, *org, *now;
    json_t *params;
};

static void bind_insert(ism_stmt *s, void *p)
{
    struct insert_ctx *c = p;
    ism_stmt_bind_text(s, 1, c->id);
    ism_stmt_bind_text(s, 2, c->kind);
    ism_stmt_bind_text(s, 3, c->org ? c->org : "");
    bind_json(s, 4, c->params);
    ism_stmt_bind_text(s, 5, c->now);
}

bool ism_store_job_insert(ism_store *st, const char *kind, json_t *params, const char *org,
                          char id_out[64], ism_error *err)
{
    char now[32];
    if (!ism_new_id("job", id_out)) return ism_error_set(err, ISM_E_INTERNAL, "no randomness");
    ism_now_iso(now);
    json_t *empty = params ? NULL : json_object();
    struct insert_ctx c = {id_out, kind, org, now, params ? params : empty};
    /* seq orders the queue; the writer is serialized (on PostgreSQL by the store's advisory
     * lock), so MAX(seq)+1 is unique. */
    int64_t n = write_one(st, false,
                          "INSERT INTO jobs(id,kind,state,org,params,seq,created,updated) "
                          "VALUES(?1,?2,'queued',?3,?4,(SELECT COALESCE(MAX(seq),0)+1 FROM jobs),"
                          "?5,?5)",
                          bind_insert, &c, "queued", id_out, err);
    json_decref(empty);
    return n == 1;
}

/* The write transaction a claim runs in. On PostgreSQL claims do not take the store-wide
 * writer lock: the row locks of FOR UPDATE SKIP LOCKED keep two claimers off one job while
 * letting them claim different jobs at once. */
static ism_db *claim_writer(ism_store *st, ism_error *err)
{
    return ism_store_writer_concurrent(st, err);
}

json_t *ism_store_job_claim(ism_store *st, const char *worker, int64_t now_ms, int64_t lease_ms,
                            ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    ism_db *db = claim_writer(st, err);
    if (!db) return NULL;
    json_t *job = NULL;
    char *zone = ism_db_json_field(db, "params", "zone");
    if (!zone) {
        ism_store_write_rollback(st);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE jobs SET state='running', attempts=attempts+1, worker=?2, lease_until=?3, "
             "started=COALESCE(started,?1), updated=?1 WHERE id=(SELECT id FROM jobs WHERE "
             "state='queued' AND %s IS NULL ORDER BY seq LIMIT 1%s) RETURNING " JOB_COLS,
             zone, ism_db_kind(db) == ISM_DB_POSTGRES ? " FOR UPDATE SKIP LOCKED" : "");
    free(zone);
    ism_stmt *s = ism_db_prepare(db, sql, err);
    bool ok = s != NULL;
    if (ok) {
        ism_stmt_bind_text(s, 1, now);
        ism_stmt_bind_text(s, 2, worker);
        ism_stmt_bind_int64(s, 3, now_ms + lease_ms);
        ok = step_one_job(s, &job, err);
    }
    ism_stmt_finalize(s);
    if (ok && job) ok = notify_job(db, "claimed", ism_json_getstr(job, "id"), err);
    if (!ok) {
        ism_store_write_rollback(st);
        return NULL;
    }
    if (!ism_store_write_commit(st, err)) {
        json_decref(job);
        return NULL;
    }
    return job;
}

/* ism_store_job_claim_zoned's walk through the queued jobs of a zone: the first that `accept`
 * takes. */
struct zoned_pick {
    bool (*accept)(const json_t *job, void *ctx);
    void *ctx;
    char id[64];
};

static bool zoned_take(ism_stmt *s, void *arg)
{
    struct zoned_pick *p = arg;
    json_t *cand = row_to_job(s);
    bool take = p->accept(cand, p->ctx);
    if (take) ism_strlcpy(p->id, ism_json_getstr(cand, "id"), sizeof p->id);
    json_decref(cand);
    return !take;
}

json_t *ism_store_job_claim_zoned(ism_store *st, const char *zone,
                                  bool (*accept)(const json_t *job, void *ctx), void *ctx,
                                  ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    /* The writer lock is held throughout: the job looked at is the job claimed. */
    ism_db *db = ism_store_writer(st, err);
    if (!db) return NULL;
    json_t *job = NULL;
    char *zf = ism_db_json_field(db, "params", "zone");
    if (!zf) {
        ism_store_write_rollback(st);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " JOB_COLS " FROM jobs WHERE state='queued' AND %s=?1 ORDER BY seq", zf);
    free(zf);
    ism_stmt *s = ism_db_prepare(db, sql, err), *u = NULL;
    /* A remote collector's job is leased in collector_leases (collectors.c), not here: its
     * worker is marked 'collector' and lease_until stays NULL so no ismapd's sweep takes it. */
    bool ok = s && (u = ism_db_prepare(db,
                                       "UPDATE jobs SET state='running', attempts=attempts+1, "
                                       "worker='collector', lease_until=NULL, "
                                       "started=COALESCE(started,?1), updated=?1 WHERE id=?2 AND "
                                       "state='queued' RETURNING " JOB_COLS,
                                       err));
    if (ok) {
        ism_stmt_bind_text(s, 1, zone);
        struct zoned_pick pick = {accept, ctx, ""};
        ok = ism_stmt_rows(s, zoned_take, &pick, err);
        const char *id = pick.id;
        ism_stmt_reset(s);
        if (ok && id[0]) {
            ism_stmt_bind_text(u, 1, now);
            ism_stmt_bind_text(u, 2, id);
            ok = step_one_job(u, &job, err);
            if (ok && job) ok = notify_job(db, "claimed", id, err);
        }
    }
    ism_stmt_finalize(s);
    ism_stmt_finalize(u);
    if (!ok) {
        ism_store_write_rollback(st);
        return NULL;
    }
    if (!ism_store_write_commit(st, err)) {
        json_decref(job);
        return NULL;
    }
    return job;
}

struct progress_ctx {
    const char *id, *msg, *now, *worker;
    double progress;
    json_t *checkpoint;
    int64_t lease_until;
};

static void bind_progress(ism_stmt *s, void *p)
{
    struct progress_ctx *c = p;
    ism_stmt_bind_double(s, 1, c->progress);
    ism_stmt_bind_text(s, 2, c->msg);
    bind_json(s, 3, c->checkpoint);
    ism_stmt_bind_text(s, 4, c->now);
    ism_stmt_bind_text(s, 5, c->id);
    if (c->worker) {
        ism_stmt_bind_text(s, 6, c->worker);
        ism_stmt_bind_int64(s, 7, c->lease_until);
    }
}

bool ism_store_job_progress(ism_store *st, const char *id, const char *worker, double progress,
                            const char *message, json_t *checkpoint, int64_t lease_until,
                            ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    struct progress_ctx c = {id, message, now, worker, progress, checkpoint, lease_until};
    int64_t n = write_one(st, true,
                          worker ? "UPDATE jobs SET progress=?1, message=COALESCE(?2,message), "
                                   "checkpoint=COALESCE(?3,checkpoint), updated=?4, "
                                   "lease_until=?7 WHERE id=?5 AND state='running' AND worker=?6"
                                 : "UPDATE jobs SET progress=?1, message=COALESCE(?2,message), "
                                   "checkpoint=COALESCE(?3,checkpoint), updated=?4 WHERE id=?5",
                          bind_progress, &c, "progress", id, err);
    if (n < 0) return false;
    if (worker && n == 0)
        return ism_error_set(err, ISM_E_CONFLICT,
                             "job %s is no longer running under worker %s (its lease expired "
                             "and it was requeued, or it ended)",
                             id, worker);
    return true;
}

struct finish_ctx {
    const char *id, *state, *now, *worker;
    json_t *result, *error;
};

static void bind_finish(ism_stmt *s, void *p)
{
    struct finish_ctx *c = p;
    ism_stmt_bind_text(s, 1, c->state);
    bind_json(s, 2, c->result);
    bind_json(s, 3, c->error);
    ism_stmt_bind_text(s, 4, c->now);
    ism_stmt_bind_text(s, 5, c->id);
    if (c->worker) ism_stmt_bind_text(s, 6, c->worker);
}

bool ism_store_job_finish(ism_store *st, const char *id, const char *worker, const char *state,
                          json_t *result, json_t *error, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    struct finish_ctx c = {id, state, now, worker, result, error};
    char sql[1024];
    snprintf(sql, sizeof sql, "%s%s",
             "UPDATE jobs SET state=?1, result=?2, error=?3, updated=?4, "
             "finished=CASE WHEN ?1='queued' THEN NULL ELSE ?4 END, "
             "message=CASE WHEN ?1='queued' THEN 'waiting to resume after restart' "
             "ELSE message END, worker=CASE WHEN ?1='queued' THEN NULL ELSE worker END, "
             "lease_until=NULL, "
             "progress=CASE WHEN ?1='succeeded' THEN 1 ELSE progress END WHERE id=?5",
             worker ? " AND state='running' AND worker=?6" : "");
    int64_t n = write_one(st, true, sql, bind_finish, &c,
                          strcmp(state, "queued") == 0 ? "queued" : "finished", id, err);
    if (n < 0) return false;
    if (worker && n == 0)
        return ism_error_set(err, ISM_E_CONFLICT,
                             "job %s is no longer running under worker %s: its result is not "
                             "recorded (another worker took the job over)",
                             id, worker);
    return true;
}

static bool read_job(ism_store *st, const char *sql, const char *a1, const char *a2, json_t **job,
                     ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    ism_stmt *s = ism_db_prepare(db, sql, err);
    bool ok = s != NULL;
    if (ok) {
        ism_stmt_bind_text(s, 1, a1);
        if (a2) ism_stmt_bind_text(s, 2, a2);
        ok = step_one_job(s, job, err);
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return ok;
}

json_t *ism_store_job_get(ism_store *st, const char *id, const char *org, ism_error *err)
{
    json_t *job = NULL;
    if (!read_job(st,
                  "SELECT " JOB_COLS " FROM jobs WHERE id=?1 AND (CAST(?2 AS TEXT)='' OR org=?2)",
                  id, org ? org : "", &job, err))
        return NULL;
    if (!job) ism_error_set(err, ISM_E_NOT_FOUND, "no job with id %s", id);
    return job;
}

json_t *ism_store_job_list(ism_store *st, const char *state, const char *org, int limit,
                           ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    json_t *arr = NULL;
    ism_stmt *s = ism_db_prepare(db,
                                 "SELECT " JOB_COLS " FROM jobs WHERE (CAST(?1 AS TEXT)='' OR "
                                 "state=?1) AND (CAST(?2 AS TEXT)='' OR org=?2) ORDER BY seq DESC "
                                 "LIMIT ?3",
                                 err);
    if (s) {
        ism_stmt_bind_text(s, 1, state ? state : "");
        ism_stmt_bind_text(s, 2, org ? org : "");
        ism_stmt_bind_int64(s, 3, limit);
        arr = ism_stmt_json_rows(s, row_to_job, err);
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return arr;
}

json_t *ism_store_job_counts(ism_store *st, const char *org, ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    json_t *counts = NULL;
    ism_stmt *s = ism_db_prepare(db,
                                 "SELECT state, COUNT(*) FROM jobs WHERE (CAST(?1 AS TEXT)='' OR "
                                 "org=?1) GROUP BY state ORDER BY state",
                                 err);
    if (s) {
        ism_stmt_bind_text(s, 1, org ? org : "");
        counts = json_object();
        int rc;
        while ((rc = ism_stmt_step(s, err)) == ISM_DB_ROW)
            json_object_set_new(counts, ism_stmt_text(s, 0), json_integer(ism_stmt_int64(s, 1)));
        if (rc != ISM_DB_DONE) {
            json_decref(counts);
            counts = NULL;
        }
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return counts;
}

/* Runs a one-row update with ?1 = id, ?2 = now on an open writer; false with err set. */
static bool update_id_now(ism_db *db, const char *sql, const char *id, const char *now,
                          ism_error *err)
{
    ism_stmt *s = ism_db_prepare(db, sql, err);
    bool ok = s != NULL;
    if (ok) {
        ism_stmt_bind_text(s, 1, id);
        ism_stmt_bind_text(s, 2, now);
        ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    }
    ism_stmt_finalize(s);
    return ok;
}

bool ism_store_job_cancel(ism_store *st, const char *id, const char *org, char now_state[16],
                          ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    ism_db *db = ism_store_writer(st, err);
    if (!db) return false;
    char state[16] = "";
    ism_stmt *s = ism_db_prepare(
        db, "SELECT state FROM jobs WHERE id=?1 AND (CAST(?2 AS TEXT)='' OR org=?2)", err);
    bool ok = s != NULL;
    if (ok) {
        ism_stmt_bind_text(s, 1, id);
        ism_stmt_bind_text(s, 2, org ? org : "");
        int rc = ism_stmt_step(s, err);
        if (rc == ISM_DB_ROW) ism_strlcpy(state, ism_stmt_text(s, 0), sizeof state);
        ok = rc != ISM_DB_ERROR;
    }
    ism_stmt_finalize(s);
    if (!ok) {
        ism_store_write_rollback(st);
        return false;
    }
    if (!state[0]) {
        ism_store_write_rollback(st);
        return ism_error_set(err, ISM_E_NOT_FOUND, "no job with id %s", id);
    }
    const char *sql = NULL;
    if (strcmp(state, "queued") == 0)
        sql = "UPDATE jobs SET state='cancelled', cancel_requested=1, finished=?2, updated=?2, "
              "error='{\"code\":\"cancelled\",\"message\":\"cancelled before it started\"}' "
              "WHERE id=?1";
    else if (strcmp(state, "running") == 0)
        sql = "UPDATE jobs SET cancel_requested=1, updated=?2 WHERE id=?1";
    if (!sql) {
        ism_store_write_rollback(st);
        return ism_error_set(err, ISM_E_CONFLICT, "job %s has already %s", id, state);
    }
    if (!update_id_now(db, sql, id, now, err) || !notify_job(db, "cancel", id, err)) {
        ism_store_write_rollback(st);
        return false;
    }
    ism_strlcpy(now_state, strcmp(state, "queued") == 0 ? "cancelled" : "running", 16);
    return ism_store_write_commit(st, err);
}

bool ism_store_job_cancel_requested(ism_store *st, const char *id)
{
    ism_db *db = ism_store_reader(st);
    ism_error e = {0};
    bool yes = false;
    ism_stmt *s = ism_db_prepare(db, "SELECT cancel_requested FROM jobs WHERE id=?1", &e);
    if (s) {
        ism_stmt_bind_text(s, 1, id);
        if (ism_stmt_step(s, &e) == ISM_DB_ROW) yes = ism_stmt_int(s, 0) != 0;
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    ism_error_clear(&e);
    return yes;
}

bool ism_store_job_held(ism_store *st, const char *id, const char *worker)
{
    ism_db *db = ism_store_reader(st);
    ism_error e = {0};
    /* On a read error the job is assumed held: a store hiccup must not stop good work. */
    bool held = true;
    ism_stmt *s =
        ism_db_prepare(db, "SELECT 1 FROM jobs WHERE id=?1 AND state='running' AND worker=?2", &e);
    if (s) {
        ism_stmt_bind_text(s, 1, id);
        ism_stmt_bind_text(s, 2, worker);
        int rc = ism_stmt_step(s, &e);
        if (rc != ISM_DB_ERROR) held = rc == ISM_DB_ROW;
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    ism_error_clear(&e);
    return held;
}

bool ism_store_job_heartbeat(ism_store *st, const char *worker, int64_t lease_until, int *renewed,
                             ism_error *err)
{
    ism_db *db = ism_store_writer_concurrent(st, err);
    if (!db) return false;
    ism_stmt *s = ism_db_prepare(
        db, "UPDATE jobs SET lease_until=?2 WHERE state='running' AND worker=?1", err);
    int64_t n = -1;
    if (s) {
        ism_stmt_bind_text(s, 1, worker);
        ism_stmt_bind_int64(s, 2, lease_until);
        if (ism_stmt_step(s, err) == ISM_DB_DONE) n = ism_stmt_changes(s);
    }
    ism_stmt_finalize(s);
    if (n < 0) {
        ism_store_write_rollback(st);
        return false;
    }
    if (renewed) *renewed = (int)n;
    return ism_store_write_commit(st, err);
}

/* One running job to end: requeued (resumable, not cancelled) or ended with its reason. */
struct orphan {
    char id[64], kind[64], worker[160];
    bool cancel;
};

static json_t *orphan_row(ism_stmt *s)
{
    return json_pack("{s:s?, s:s?, s:s?, s:i}", "id", ism_stmt_text(s, 0), "kind",
                     ism_stmt_text(s, 1), "worker", ism_stmt_text(s, 2), "cancel",
                     ism_stmt_int(s, 3));
}

/* Requeues or ends each job of `rows` ({id, kind, worker, cancel}) that is still running under
 * the worker it was read with and matches `still` (a condition on ?5, e.g. the lease still
 * expired): a job renewed or taken over in between is left alone. `why` words the error. */
static bool end_orphans(ism_store *st, json_t *rows, const char *still, int64_t still_arg,
                        bool (*resumable)(void *ctx, const char *kind), void *ctx, const char *why,
                        int *requeued, int *failed, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    *requeued = *failed = 0;
    if (json_array_size(rows) == 0) return true;
    ism_db *db = ism_store_writer(st, err);
    if (!db) return false;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE jobs SET state=?2, error=?3, updated=?4, worker=NULL, lease_until=NULL, "
             "message=CASE WHEN ?2='queued' THEN ?7 ELSE message END, "
             "finished=CASE WHEN ?2='queued' THEN NULL ELSE ?4 END WHERE id=?1 AND "
             "state='running' AND worker=?6 AND %s",
             still);
    ism_stmt *upd = ism_db_prepare(db, sql, err);
    bool ok = upd != NULL;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (!ok) break;
        const char *id = ism_json_getstr(r, "id"), *kind = ism_json_getstr(r, "kind");
        bool cancel = json_integer_value(json_object_get(r, "cancel")) != 0;
        bool again = !cancel && resumable && kind && resumable(ctx, kind);
        char errjson[512] = "", msg[256];
        if (cancel)
            snprintf(errjson, sizeof errjson,
                     "{\"code\":\"cancelled\",\"message\":\"cancelled while %s\"}", why);
        else if (!again)
            snprintf(errjson, sizeof errjson,
                     "{\"code\":\"interrupted\",\"message\":\"%s while this %.64s job was "
                     "running and jobs of this kind cannot resume\"}",
                     why, kind ? kind : "?");
        snprintf(msg, sizeof msg, "waiting to resume: %s", why);
        ism_stmt_reset(upd);
        ism_stmt_bind_text(upd, 1, id);
        ism_stmt_bind_text(upd, 2, again ? "queued" : cancel ? "cancelled" : "failed");
        ism_stmt_bind_text(upd, 3, again ? NULL : errjson);
        ism_stmt_bind_text(upd, 4, now);
        ism_stmt_bind_int64(upd, 5, still_arg);
        ism_stmt_bind_text(upd, 6, ism_json_getstr(r, "worker"));
        ism_stmt_bind_text(upd, 7, msg);
        ok = ism_stmt_step(upd, err) == ISM_DB_DONE;
        if (ok && ism_stmt_changes(upd) == 1) {
            ok = notify_job(db, again ? "queued" : "finished", id, err);
            if (again)
                (*requeued)++;
            else
                (*failed)++;
        }
    }
    ism_stmt_finalize(upd);
    if (!ok) {
        ism_store_write_rollback(st);
        *requeued = *failed = 0;
        return false;
    }
    return ism_store_write_commit(st, err);
}

bool ism_store_job_recover(ism_store *st, const char *worker,
                           bool (*resumable)(void *ctx, const char *kind), void *ctx, int *requeued,
                           int *failed, ism_error *err)
{
    *requeued = *failed = 0;
    const char *args[] = {worker};
    json_t *rows = ism_store_select(st,
                                    "SELECT id, kind, worker, cancel_requested FROM jobs WHERE "
                                    "state='running' AND worker=?1",
                                    args, 1, orphan_row, err);
    if (!rows) return false;
    bool ok = end_orphans(st, rows, "CAST(?5 AS BIGINT) IS NOT NULL", 0, resumable, ctx,
                          "the daemon stopped", requeued, failed, err);
    json_decref(rows);
    return ok;
}

static json_t *expired_rows(ism_store *st, int64_t now_ms, ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    json_t *arr = NULL;
    ism_stmt *s = ism_db_prepare(db,
                                 "SELECT id, kind, worker, cancel_requested FROM jobs WHERE "
                                 "state='running' AND lease_until < ?1 AND worker IS NOT NULL",
                                 err);
    if (s) {
        ism_stmt_bind_int64(s, 1, now_ms);
        arr = ism_stmt_json_rows(s, orphan_row, err);
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return arr;
}

bool ism_store_job_expire(ism_store *st, int64_t now_ms,
                          bool (*resumable)(void *ctx, const char *kind), void *ctx, int *requeued,
                          int *failed, ism_error *err)
{
    *requeued = *failed = 0;
    /* Called every few seconds by every process: a read first, so that an idle store is not
     * written. */
    json_t *rows = expired_rows(st, now_ms, err);
    if (!rows) return false;
    bool ok = end_orphans(st, rows, "lease_until < ?5", now_ms, resumable, ctx,
                          "its worker stopped renewing its lease", requeued, failed, err);
    json_decref(rows);
    return ok;
}

static json_t *change_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:f, s:o, s:o, s:o, s:o}", "id",
                     ism_stmt_json_text(s, 0), "kind", ism_stmt_json_text(s, 1), "org",
                     ism_stmt_json_text(s, 2), "state", ism_stmt_json_text(s, 3), "progress",
                     ism_stmt_double(s, 4), "message", ism_stmt_json_text(s, 5), "worker",
                     ism_stmt_json_text(s, 6), "updated", ism_stmt_json_text(s, 7), "error",
                     ism_stmt_json(s, 8));
}

json_t *ism_store_job_changes(ism_store *st, const char *since, ism_error *err)
{
    const char *args[] = {since};
    return ism_store_select(st,
                            "SELECT id, kind, org, state, progress, message, worker, updated, "
                            "error FROM jobs WHERE updated >= ?1 ORDER BY updated",
                            args, 1, change_row, err);
}
