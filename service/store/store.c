/* store.c — opening the SQLite store, migrations, the writer lock and the reader pool. */
#include "ismap/store.h"

#include "db_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define READERS 4

/* Numbered migrations: index i brings the schema from version i to i+1. Append only. */
static const char *const migrations[] = {
    /* 1: tokens and the job queue */
    "CREATE TABLE tokens ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, org TEXT NOT NULL DEFAULT '',"
    "  hash TEXT NOT NULL UNIQUE, created TEXT NOT NULL, last_used TEXT, revoked TEXT);"
    "CREATE TABLE jobs ("
    "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL"
    "    CHECK (state IN ('queued','running','succeeded','failed','cancelled')),"
    "  org TEXT NOT NULL DEFAULT '', progress REAL NOT NULL DEFAULT 0, message TEXT,"
    "  params TEXT NOT NULL DEFAULT '{}', result TEXT, error TEXT, checkpoint TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT NULL DEFAULT 0,"
    "  seq INTEGER NOT NULL, created TEXT NOT NULL, started TEXT, finished TEXT,"
    "  updated TEXT NOT NULL);"
    "CREATE INDEX jobs_state ON jobs(state, seq);"
    "CREATE INDEX jobs_org ON jobs(org, seq);",
    /* 2: versions of the rooms' own schemas */
    "CREATE TABLE schema_components(component TEXT PRIMARY KEY, version INTEGER NOT NULL);",
    /* 3: jobs held by a worker (one ismapd process) under a lease, for several processes on
     * one store. Jobs left running by a build without leases expire at the first sweep. */
    "ALTER TABLE jobs ADD COLUMN worker TEXT;"
    "ALTER TABLE jobs ADD COLUMN lease_until INTEGER;"
    "UPDATE jobs SET lease_until=0, worker='' WHERE state='running';"
    "CREATE INDEX jobs_lease ON jobs(state, lease_until);"
    "CREATE INDEX jobs_updated ON jobs(updated);",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

struct ism_store {
    char *path;
    sqlite3 *writer;
    pthread_mutex_t wmu;
    sqlite3 *readers[READERS];
    ism_db *writer_db; /* db.h wrappers of the connections above */
    ism_db *reader_db[READERS];
    bool busy[READERS];
    pthread_mutex_t rmu;
    pthread_cond_t rcv;
    int version;
};

int ism_store_schema_latest(void)
{
    return N_MIGRATIONS;
}

bool ism_store_sql_error(sqlite3 *db, ism_error *err, const char *what)
{
    return ism_error_set(err, ISM_E_IO, "store: %s: %s", what, db ? sqlite3_errmsg(db) : "?");
}

static bool exec(sqlite3 *db, const char *sql, ism_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ism_error_set(err, ISM_E_IO, "store: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

static sqlite3 *open_conn(const char *path, bool create, ism_error *err)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        ism_error_set(err, ISM_E_IO, "store: cannot open %s: %s", path,
                      db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_extended_result_codes(db, 1);
    if (!exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;", err)) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static int user_version(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

static bool migrate(ism_store *st, ism_error *err)
{
    sqlite3 *db = st->writer;
    int v = user_version(db);
    if (v < 0) return ism_store_sql_error(db, err, "reading the schema version");
    if (v > N_MIGRATIONS)
        return ism_error_set(err, ISM_E_VERSION,
                             "store %s has schema version %d but this ismapd (%s) knows only up "
                             "to %d; use a newer ismapd or restore a backup",
                             st->path, v, ISM_VERSION, N_MIGRATIONS);
    for (int i = v; i < N_MIGRATIONS; i++) {
        char setv[64];
        snprintf(setv, sizeof setv, "PRAGMA user_version=%d;", i + 1);
        if (!exec(db, "BEGIN IMMEDIATE", err)) return false;
        if (!exec(db, migrations[i], err) || !exec(db, setv, err)) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return ism_error_set(err, err ? err->code : ISM_E_IO, "store: migration %d failed: %s",
                                 i + 1, err ? err->message : "");
        }
        if (!exec(db, "COMMIT", err)) return false;
        ism_log(ISM_LOG_INFO, "store.migrated", "store schema migrated to version %d", i + 1);
    }
    st->version = N_MIGRATIONS;
    return true;
}

static int component_version(sqlite3 *db, const char *component)
{
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_components WHERE component=?", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, component, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : rc == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(s);
    return v;
}

static bool migrate_room(ism_store *st, const ism_store_schema *room, ism_error *err)
{
    sqlite3 *db = st->writer;
    int v = component_version(db, room->component);
    if (v < 0) return ism_store_sql_error(db, err, "reading a room schema version");
    if (v > room->count)
        return ism_error_set(err, ISM_E_VERSION,
                             "store %s has %s schema version %d but this ismapd (%s) knows only "
                             "up to %d; use a newer ismapd or restore a backup",
                             st->path, room->component, v, ISM_VERSION, room->count);
    for (int i = v; i < room->count; i++) {
        char setv[256];
        snprintf(setv, sizeof setv,
                 "INSERT INTO schema_components VALUES('%s', %d) ON CONFLICT(component) DO "
                 "UPDATE SET version=excluded.version;",
                 room->component, i + 1);
        if (!exec(db, "BEGIN IMMEDIATE", err)) return false;
        if (!exec(db, room->migrations[i], err) || !exec(db, setv, err)) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return ism_error_set(err, err ? err->code : ISM_E_IO,
                                 "store: %s migration %d failed: %s", room->component, i + 1,
                                 err ? err->message : "");
        }
        if (!exec(db, "COMMIT", err)) return false;
        ism_log(ISM_LOG_INFO, "store.migrated", "%s schema migrated to version %d", room->component,
                i + 1);
    }
    return true;
}

json_t *ism_store_schema_versions(ism_store *st)
{
    json_t *o = json_pack("{s:i}", "core", st->version);
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT component, version FROM schema_components ORDER BY 1", -1,
                           &s, NULL) == SQLITE_OK)
        while (sqlite3_step(s) == SQLITE_ROW)
            json_object_set_new(o, (const char *)sqlite3_column_text(s, 0),
                                json_integer(sqlite3_column_int(s, 1)));
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return o;
}

ism_store *ism_store_open(const char *path, ism_error *err)
{
    return ism_store_open_with(path, NULL, 0, err);
}

ism_store *ism_store_open_with(const char *path, const ism_store_schema *rooms, int nrooms,
                               ism_error *err)
{
    ism_store *st = calloc(1, sizeof *st);
    if (!st) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    st->path = strdup(path);
    pthread_mutex_init(&st->wmu, NULL);
    pthread_mutex_init(&st->rmu, NULL);
    pthread_cond_init(&st->rcv, NULL);
    st->writer = open_conn(path, true, err);
    if (!st->writer) goto fail;
    /* WAL is persistent in the file; asking again is harmless. */
    sqlite3_stmt *s = NULL;
    const char *mode = NULL;
    if (sqlite3_prepare_v2(st->writer, "PRAGMA journal_mode=WAL", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        mode = (const char *)sqlite3_column_text(s, 0);
    bool wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(s);
    if (!wal) {
        ism_store_sql_error(st->writer, err, "cannot switch to WAL mode");
        goto fail;
    }
    if (!exec(st->writer, "PRAGMA quick_check", err)) goto fail;
    if (!migrate(st, err)) goto fail;
    for (int i = 0; i < nrooms; i++)
        if (!migrate_room(st, &rooms[i], err)) goto fail;
    for (int i = 0; i < READERS; i++) {
        st->readers[i] = open_conn(path, false, err);
        if (!st->readers[i]) goto fail;
        if (!(st->reader_db[i] = ism_db_sqlite_wrap(st->readers[i]))) goto oom;
    }
    if (!(st->writer_db = ism_db_sqlite_wrap(st->writer))) goto oom;
    return st;
oom:
    ism_error_set(err, ISM_E_INTERNAL, "out of memory");
fail:
    ism_store_close(st);
    return NULL;
}

void ism_store_close(ism_store *st)
{
    if (!st) return;
    for (int i = 0; i < READERS; i++) {
        ism_db_close(st->reader_db[i]);
        sqlite3_close(st->readers[i]);
    }
    ism_db_close(st->writer_db);
    if (st->writer) sqlite3_close(st->writer);
    pthread_mutex_destroy(&st->wmu);
    pthread_mutex_destroy(&st->rmu);
    pthread_cond_destroy(&st->rcv);
    free(st->path);
    free(st);
}

int ism_store_schema_version(ism_store *st)
{
    return st->version;
}

const char *ism_store_path(const ism_store *st)
{
    return st->path;
}

sqlite3 *ism_store_write_begin(ism_store *st, ism_error *err)
{
    pthread_mutex_lock(&st->wmu);
    if (!exec(st->writer, "BEGIN IMMEDIATE", err)) {
        pthread_mutex_unlock(&st->wmu);
        return NULL;
    }
    return st->writer;
}

ism_db *ism_store_writer(ism_store *st, ism_error *err)
{
    return ism_store_write_begin(st, err) ? st->writer_db : NULL;
}

ism_db *ism_store_writer_concurrent(ism_store *st, ism_error *err)
{
    return ism_store_writer(st, err);
}

ism_db *ism_store_reader(ism_store *st)
{
    sqlite3 *conn = ism_store_read_begin(st);
    for (int i = 0; i < READERS; i++)
        if (st->readers[i] == conn) return st->reader_db[i];
    return NULL; /* not reached: read_begin hands out one of the readers */
}

void ism_store_reader_end(ism_store *st, ism_db *db)
{
    ism_store_read_end(st, ism_db_sqlite_handle(db));
}

bool ism_store_write_commit(ism_store *st, ism_error *err)
{
    bool ok = exec(st->writer, "COMMIT", err);
    if (!ok) sqlite3_exec(st->writer, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&st->wmu);
    return ok;
}

void ism_store_write_rollback(ism_store *st)
{
    sqlite3_exec(st->writer, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&st->wmu);
}

sqlite3 *ism_store_read_begin(ism_store *st)
{
    pthread_mutex_lock(&st->rmu);
    for (;;) {
        for (int i = 0; i < READERS; i++) {
            if (!st->busy[i]) {
                st->busy[i] = true;
                pthread_mutex_unlock(&st->rmu);
                return st->readers[i];
            }
        }
        pthread_cond_wait(&st->rcv, &st->rmu);
    }
}

void ism_store_read_end(ism_store *st, sqlite3 *db)
{
    pthread_mutex_lock(&st->rmu);
    for (int i = 0; i < READERS; i++)
        if (st->readers[i] == db) st->busy[i] = false;
    pthread_cond_signal(&st->rcv);
    pthread_mutex_unlock(&st->rmu);
}

bool ism_store_backup(ism_store *st, const char *dest, ism_error *err)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_prepare_v2(db, "VACUUM INTO ?", -1, &s, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, dest, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(s) == SQLITE_DONE;
    }
    if (!ok) ism_store_sql_error(db, err, "backup");
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return ok;
}
