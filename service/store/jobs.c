/* jobs.c — the persistent job queue's rows: insert, claim, progress, finish, recover. */
#include "ismap/store.h"

#include <string.h>

#define JOB_COLS                                                                                   \
    "id,kind,state,org,progress,message,params,result,error,checkpoint,attempts,"                  \
    "cancel_requested,created,started,finished,updated"

static json_t *row_to_job(sqlite3_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:f, s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:o, s:o, "
                     "s:o, s:o}",
                     "id", ism_store_col_text(s, 0), "kind", ism_store_col_text(s, 1), "state",
                     ism_store_col_text(s, 2), "org", ism_store_col_text(s, 3), "progress",
                     sqlite3_column_double(s, 4), "message", ism_store_col_text(s, 5), "params",
                     ism_store_col_json(s, 6), "result", ism_store_col_json(s, 7), "error",
                     ism_store_col_json(s, 8), "checkpoint", ism_store_col_json(s, 9), "attempts",
                     sqlite3_column_int(s, 10), "cancel_requested", sqlite3_column_int(s, 11),
                     "created", ism_store_col_text(s, 12), "started", ism_store_col_text(s, 13),
                     "finished", ism_store_col_text(s, 14), "updated", ism_store_col_text(s, 15));
}

static void bind_json(sqlite3_stmt *s, int i, const json_t *v)
{
    if (!v) {
        sqlite3_bind_null(s, i);
        return;
    }
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
    free(t);
}

/* Runs one prepared write statement inside its own transaction; returns sqlite3_changes or -1. */
static int write_one(ism_store *st, const char *sql, void (*bind)(sqlite3_stmt *, void *),
                     void *ctx, ism_error *err)
{
    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return -1;
    sqlite3_stmt *s = NULL;
    int changed = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        bind(s, ctx);
        if (sqlite3_step(s) == SQLITE_DONE) changed = sqlite3_changes(db);
    }
    sqlite3_finalize(s);
    if (changed < 0) {
        ism_store_sql_error(db, err, "writing a job");
        ism_store_write_rollback(st);
        return -1;
    }
    return ism_store_write_commit(st, err) ? changed : -1;
}

struct insert_ctx {
    const char *id, *kind, *org, *now;
    json_t *params;
};

static void bind_insert(sqlite3_stmt *s, void *p)
{
    struct insert_ctx *c = p;
    sqlite3_bind_text(s, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, c->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, c->org ? c->org : "", -1, SQLITE_STATIC);
    bind_json(s, 4, c->params ? c->params : json_object());
    sqlite3_bind_text(s, 5, c->now, -1, SQLITE_STATIC);
}

bool ism_store_job_insert(ism_store *st, const char *kind, json_t *params, const char *org,
                          char id_out[64], ism_error *err)
{
    char now[32];
    if (!ism_new_id("job", id_out)) return ism_error_set(err, ISM_E_INTERNAL, "no randomness");
    ism_now_iso(now);
    json_t *empty = params ? NULL : json_object();
    struct insert_ctx c = {id_out, kind, org, now, params ? params : empty};
    int n = write_one(st,
                      "INSERT INTO jobs(id,kind,state,org,params,seq,created,updated) "
                      "VALUES(?1,?2,'queued',?3,?4,(SELECT COALESCE(MAX(seq),0)+1 FROM jobs),"
                      "?5,?5)",
                      bind_insert, &c, err);
    json_decref(empty);
    return n == 1;
}

json_t *ism_store_job_claim(ism_store *st, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return NULL;
    sqlite3_stmt *s = NULL;
    json_t *job = NULL;
    bool ok = sqlite3_prepare_v2(
                  db,
                  "UPDATE jobs SET state='running', attempts=attempts+1, "
                  "started=COALESCE(started,?1), updated=?1 WHERE id=(SELECT id "
                  "FROM jobs WHERE state='queued' AND json_extract(params,'$.zone') IS NULL "
                  "ORDER BY seq LIMIT 1) "
                  "RETURNING " JOB_COLS,
                  -1, &s, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            job = row_to_job(s);
            rc = sqlite3_step(s);
        }
        ok = rc == SQLITE_DONE;
    }
    if (!ok) ism_store_sql_error(db, err, "claiming a job");
    sqlite3_finalize(s);
    if (!ok) {
        json_decref(job);
        ism_store_write_rollback(st);
        return NULL;
    }
    if (!ism_store_write_commit(st, err)) {
        json_decref(job);
        return NULL;
    }
    return job;
}

json_t *ism_store_job_claim_zoned(ism_store *st, const char *zone,
                                  bool (*accept)(const json_t *job, void *ctx), void *ctx,
                                  ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return NULL;
    sqlite3_stmt *s = NULL, *u = NULL;
    json_t *job = NULL;
    /* The writer lock is held throughout: the job looked at is the job claimed. */
    bool ok = sqlite3_prepare_v2(db,
                                 "SELECT " JOB_COLS " FROM jobs WHERE state='queued' AND "
                                 "json_extract(params,'$.zone')=?1 ORDER BY seq",
                                 -1, &s, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db,
                                 "UPDATE jobs SET state='running', attempts=attempts+1, "
                                 "started=COALESCE(started,?1), updated=?1 WHERE id=?2 AND "
                                 "state='queued' RETURNING " JOB_COLS,
                                 -1, &u, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, zone, -1, SQLITE_STATIC);
        int rc;
        char id[64] = "";
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            json_t *cand = row_to_job(s);
            bool take = accept(cand, ctx);
            if (take) ism_strlcpy(id, ism_json_getstr(cand, "id"), sizeof id);
            json_decref(cand);
            if (take) break;
        }
        ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
        if (ok && id[0]) {
            sqlite3_bind_text(u, 1, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 2, id, -1, SQLITE_STATIC);
            rc = sqlite3_step(u);
            if (rc == SQLITE_ROW) {
                job = row_to_job(u);
                rc = sqlite3_step(u);
            }
            ok = rc == SQLITE_DONE;
        }
    }
    if (!ok) ism_store_sql_error(db, err, "claiming a zoned job");
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    if (!ok) {
        json_decref(job);
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
    const char *id, *msg, *now;
    double progress;
    json_t *checkpoint;
};

static void bind_progress(sqlite3_stmt *s, void *p)
{
    struct progress_ctx *c = p;
    sqlite3_bind_double(s, 1, c->progress);
    if (c->msg)
        sqlite3_bind_text(s, 2, c->msg, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 2);
    bind_json(s, 3, c->checkpoint);
    sqlite3_bind_text(s, 4, c->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, c->id, -1, SQLITE_STATIC);
}

bool ism_store_job_progress(ism_store *st, const char *id, double progress, const char *message,
                            json_t *checkpoint, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    struct progress_ctx c = {id, message, now, progress, checkpoint};
    return write_one(st,
                     "UPDATE jobs SET progress=?1, message=COALESCE(?2,message), "
                     "checkpoint=COALESCE(?3,checkpoint), updated=?4 WHERE id=?5",
                     bind_progress, &c, err) >= 0;
}

struct finish_ctx {
    const char *id, *state, *now;
    json_t *result, *error;
};

static void bind_finish(sqlite3_stmt *s, void *p)
{
    struct finish_ctx *c = p;
    sqlite3_bind_text(s, 1, c->state, -1, SQLITE_STATIC);
    bind_json(s, 2, c->result);
    bind_json(s, 3, c->error);
    sqlite3_bind_text(s, 4, c->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, c->id, -1, SQLITE_STATIC);
}

bool ism_store_job_finish(ism_store *st, const char *id, const char *state, json_t *result,
                          json_t *error, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    struct finish_ctx c = {id, state, now, result, error};
    return write_one(st,
                     "UPDATE jobs SET state=?1, result=?2, error=?3, updated=?4, "
                     "finished=CASE WHEN ?1='queued' THEN NULL ELSE ?4 END, "
                     "message=CASE WHEN ?1='queued' THEN 'waiting to resume after restart' "
                     "ELSE message END, "
                     "progress=CASE WHEN ?1='succeeded' THEN 1 ELSE progress END WHERE id=?5",
                     bind_finish, &c, err) >= 0;
}

json_t *ism_store_job_get(ism_store *st, const char *id, const char *org, ism_error *err)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    json_t *job = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " JOB_COLS " FROM jobs WHERE id=?1 AND (?2='' OR org=?2)",
                           -1, &s, NULL) != SQLITE_OK) {
        ism_store_sql_error(db, err, "reading a job");
    } else {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, org ? org : "", -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            job = row_to_job(s);
        else
            ism_error_set(err, ISM_E_NOT_FOUND, "no job with id %s", id);
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return job;
}

json_t *ism_store_job_list(ism_store *st, const char *state, const char *org, int limit,
                           ism_error *err)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    json_t *arr = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT " JOB_COLS " FROM jobs WHERE (?1='' OR state=?1) AND "
                           "(?2='' OR org=?2) ORDER BY seq DESC LIMIT ?3",
                           -1, &s, NULL) != SQLITE_OK) {
        ism_store_sql_error(db, err, "listing jobs");
    } else {
        sqlite3_bind_text(s, 1, state ? state : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, org ? org : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, limit);
        arr = json_array();
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(arr, row_to_job(s));
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return arr;
}

bool ism_store_job_cancel(ism_store *st, const char *id, const char *org, char now_state[16],
                          ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return false;
    sqlite3_stmt *s = NULL;
    char state[16] = "";
    bool ok = sqlite3_prepare_v2(db, "SELECT state FROM jobs WHERE id=?1 AND (?2='' OR org=?2)", -1,
                                 &s, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, org ? org : "", -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            ism_strlcpy(state, (const char *)sqlite3_column_text(s, 0), sizeof state);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (!ok) {
        ism_store_sql_error(db, err, "cancelling a job");
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
    ok = sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
        ok = sqlite3_step(s) == SQLITE_DONE;
    }
    sqlite3_finalize(s);
    if (!ok) {
        ism_store_sql_error(db, err, "cancelling a job");
        ism_store_write_rollback(st);
        return false;
    }
    ism_strlcpy(now_state, strcmp(state, "queued") == 0 ? "cancelled" : "running", 16);
    return ism_store_write_commit(st, err);
}

bool ism_store_job_cancel_requested(ism_store *st, const char *id)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(db, "SELECT cancel_requested FROM jobs WHERE id=?", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) yes = sqlite3_column_int(s, 0) != 0;
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return yes;
}

bool ism_store_job_recover(ism_store *st, bool (*resumable)(void *ctx, const char *kind), void *ctx,
                           int *requeued, int *failed, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    *requeued = *failed = 0;
    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return false;
    sqlite3_stmt *sel = NULL, *upd = NULL;
    bool ok = sqlite3_prepare_v2(db,
                                 "SELECT id, kind, cancel_requested FROM jobs WHERE "
                                 "state='running'",
                                 -1, &sel, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db,
                                 "UPDATE jobs SET state=?2, error=?3, updated=?4, "
                                 "finished=CASE WHEN ?2='queued' THEN NULL ELSE ?4 END WHERE id=?1",
                                 -1, &upd, NULL) == SQLITE_OK;
    while (ok && sqlite3_step(sel) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(sel, 0);
        const char *kind = (const char *)sqlite3_column_text(sel, 1);
        bool cancel = sqlite3_column_int(sel, 2) != 0;
        bool again = !cancel && resumable && resumable(ctx, kind);
        char errjson[256] = "";
        if (cancel)
            snprintf(errjson, sizeof errjson,
                     "{\"code\":\"cancelled\",\"message\":\"cancelled while the daemon stopped\"}");
        else if (!again)
            snprintf(errjson, sizeof errjson,
                     "{\"code\":\"interrupted\",\"message\":\"the daemon stopped while this %s "
                     "job was running and jobs of this kind cannot resume\"}",
                     kind);
        sqlite3_reset(upd);
        sqlite3_bind_text(upd, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(upd, 2,
                          again    ? "queued"
                          : cancel ? "cancelled"
                                   : "failed",
                          -1, SQLITE_STATIC);
        if (again)
            sqlite3_bind_null(upd, 3);
        else
            sqlite3_bind_text(upd, 3, errjson, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(upd, 4, now, -1, SQLITE_STATIC);
        ok = sqlite3_step(upd) == SQLITE_DONE;
        if (again)
            (*requeued)++;
        else
            (*failed)++;
    }
    if (!ok) ism_store_sql_error(db, err, "recovering interrupted jobs");
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (!ok) {
        ism_store_write_rollback(st);
        return false;
    }
    return ism_store_write_commit(st, err);
}
