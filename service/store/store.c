/* store.c — opening the store (a SQLite file, or a PostgreSQL database named by a
 * postgresql:// URL), migrations on either, the writer lock and the reader pool. */
#include "ismap/store.h"

#include "db_internal.h"

#include <ctype.h>
#include <sqlite3.h>
#include <pthread.h>
#include <stdio.h>
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

/* The same migrations for PostgreSQL, index for index. */
static const char *const pg_migrations[] = {
    /* 1 */
    "CREATE TABLE tokens ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, org TEXT NOT NULL DEFAULT '',"
    "  hash TEXT NOT NULL UNIQUE, created TEXT NOT NULL, last_used TEXT, revoked TEXT);"
    "CREATE TABLE jobs ("
    "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL"
    "    CHECK (state IN ('queued','running','succeeded','failed','cancelled')),"
    "  org TEXT NOT NULL DEFAULT '', progress DOUBLE PRECISION NOT NULL DEFAULT 0, message TEXT,"
    "  params TEXT NOT NULL DEFAULT '{}', result TEXT, error TEXT, checkpoint TEXT,"
    "  attempts BIGINT NOT NULL DEFAULT 0, cancel_requested BIGINT NOT NULL DEFAULT 0,"
    "  seq BIGINT NOT NULL, created TEXT NOT NULL, started TEXT, finished TEXT,"
    "  updated TEXT NOT NULL);"
    "CREATE INDEX jobs_state ON jobs(state, seq);"
    "CREATE INDEX jobs_org ON jobs(org, seq);",
    /* 2 */
    "CREATE TABLE schema_components(component TEXT PRIMARY KEY, version BIGINT NOT NULL);",
    /* 3 */
    "ALTER TABLE jobs ADD COLUMN worker TEXT;"
    "ALTER TABLE jobs ADD COLUMN lease_until BIGINT;"
    "UPDATE jobs SET lease_until=0, worker='' WHERE state='running';"
    "CREATE INDEX jobs_lease ON jobs(state, lease_until);"
    "CREATE INDEX jobs_updated ON jobs(updated);",
};
_Static_assert(sizeof pg_migrations / sizeof pg_migrations[0] == N_MIGRATIONS,
               "every core migration has its PostgreSQL twin");

/* The advisory lock that makes one writer at a time across every process on a PostgreSQL
 * store (SQLite's BEGIN IMMEDIATE does the same on a file); migrations take it too. */
#define PG_WRITER_LOCK "SELECT pg_advisory_xact_lock(7594861393301374465)"

struct ism_store {
    char *path; /* the SQLite path, or the URL without its password */
    char *url;  /* PostgreSQL: the URL as given (may hold a password); NULL on SQLite */
    ism_db_backend kind;
    sqlite3 *writer; /* SQLite connections (the legacy sqlite3 interface); NULL on PostgreSQL */
    sqlite3 *readers[READERS];
    pthread_mutex_t wmu;
    ism_db *writer_db; /* db.h connections: wrappers of the above, or PostgreSQL's own */
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

static bool sqlite_error(sqlite3 *db, ism_error *err, const char *what)
{
    return ism_error_set(err, ISM_E_IO, "store: %s: %s", what, db ? sqlite3_errmsg(db) : "?");
}

bool ism_store_is_url(const char *location)
{
    return location && (strncmp(location, "postgresql://", 13) == 0 ||
                        strncmp(location, "postgres://", 11) == 0);
}

char *ism_store_redact(const char *location)
{
    if (!ism_store_is_url(location)) return strdup(location ? location : "");
    const char *auth = strstr(location, "://") + 3;
    size_t alen = strcspn(auth, "/?");
    const char *at = NULL;
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@') at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    size_t n = strlen(location);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0;
    /* scheme://user  (":password" dropped)  @host... */
    size_t upto = (size_t)((colon ? colon : auth) - location);
    memcpy(out, location, upto);
    o = upto;
    const char *rest = colon ? at : auth;
    const char *q = strchr(rest, '?');
    size_t head = q ? (size_t)(q - rest) : strlen(rest);
    memcpy(out + o, rest, head);
    o += head;
    if (q) { /* query parameters without password=... */
        char sep = '?';
        for (const char *p = q + 1; *p;) {
            size_t len = strcspn(p, "&");
            if (!(len >= 9 && strncmp(p, "password=", 9) == 0) && len > 0) {
                out[o++] = sep;
                memcpy(out + o, p, len);
                o += len;
                sep = '&';
            }
            p += len;
            if (*p == '&') p++;
        }
    }
    out[o] = '\0';
    return out;
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

/* One integer from a query without parameters (-1 on error, `none` when there is no row). */
static int64_t query_int(ism_db *db, const char *sql, int64_t none, ism_error *err)
{
    ism_stmt *s = ism_db_prepare(db, sql, err);
    if (!s) return -1;
    int rc = ism_stmt_step(s, err);
    int64_t v = rc == ISM_DB_ROW ? ism_stmt_int64(s, 0) : rc == ISM_DB_DONE ? none : -1;
    ism_stmt_finalize(s);
    return v;
}

/* A write transaction for a migration: the writer lock of each backend. */
static bool migration_begin(ism_store *st, ism_error *err)
{
    return ism_db_exec(st->writer_db,
                       st->kind == ISM_DB_POSTGRES ? "BEGIN; " PG_WRITER_LOCK : "BEGIN IMMEDIATE",
                       err);
}

static void rollback(ism_db *db)
{
    ism_error e = {0};
    ism_db_exec(db, "ROLLBACK", &e);
    ism_error_clear(&e);
}

/* The core schema version: SQLite's user_version, or PostgreSQL's schema_version row (made
 * when missing; called inside the migration transaction, so under the writer lock). */
static int core_version(ism_store *st, ism_error *err)
{
    if (st->kind == ISM_DB_SQLITE)
        return (int)query_int(st->writer_db, "PRAGMA user_version", 0, err);
    if (!ism_db_exec(st->writer_db,
                     "CREATE TABLE IF NOT EXISTS schema_version(version BIGINT NOT NULL);"
                     "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS "
                     "(SELECT 1 FROM schema_version)",
                     err))
        return -1;
    return (int)query_int(st->writer_db, "SELECT max(version) FROM schema_version", 0, err);
}

static bool set_core_version(ism_store *st, int v, ism_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql,
             st->kind == ISM_DB_SQLITE ? "PRAGMA user_version=%d"
                                       : "UPDATE schema_version SET version=%d",
             v);
    return ism_db_exec(st->writer_db, sql, err);
}

static bool migrate(ism_store *st, ism_error *err)
{
    const char *const *scripts = st->kind == ISM_DB_POSTGRES ? pg_migrations : migrations;
    for (;;) {
        if (!migration_begin(st, err)) return false;
        int v = core_version(st, err);
        if (v < 0) {
            rollback(st->writer_db);
            return ism_error_set(err, err ? err->code : ISM_E_IO,
                                 "store: reading the schema version: %s", err ? err->message : "");
        }
        if (v > N_MIGRATIONS) {
            rollback(st->writer_db);
            return ism_error_set(err, ISM_E_VERSION,
                                 "store %s has schema version %d but this ismapd (%s) knows only "
                                 "up to %d; use a newer ismapd or restore a backup",
                                 st->path, v, ISM_VERSION, N_MIGRATIONS);
        }
        if (v == N_MIGRATIONS) {
            rollback(st->writer_db); /* nothing to do (another process may have done it) */
            break;
        }
        if (!ism_db_exec(st->writer_db, scripts[v], err) || !set_core_version(st, v + 1, err)) {
            rollback(st->writer_db);
            return ism_error_set(err, err ? err->code : ISM_E_IO, "store: migration %d failed: %s",
                                 v + 1, err ? err->message : "");
        }
        if (!ism_db_exec(st->writer_db, "COMMIT", err)) return false;
        ism_log(ISM_LOG_INFO, "store.migrated", "store schema migrated to version %d", v + 1);
    }
    st->version = N_MIGRATIONS;
    return true;
}

static int component_version(ism_db *db, const char *component, ism_error *err)
{
    ism_stmt *s =
        ism_db_prepare(db, "SELECT version FROM schema_components WHERE component=?", err);
    if (!s) return -1;
    ism_stmt_bind_text(s, 1, component);
    int rc = ism_stmt_step(s, err);
    int v = rc == ISM_DB_ROW ? ism_stmt_int(s, 0) : rc == ISM_DB_DONE ? 0 : -1;
    ism_stmt_finalize(s);
    return v;
}

static bool set_component_version(ism_db *db, const char *component, int v, ism_error *err)
{
    ism_stmt *s = ism_db_prepare(db,
                                 "INSERT INTO schema_components(component, version) VALUES(?1, ?2) "
                                 "ON CONFLICT(component) DO UPDATE SET version=excluded.version",
                                 err);
    if (!s) return false;
    ism_stmt_bind_text(s, 1, component);
    ism_stmt_bind_int64(s, 2, v);
    bool ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    ism_stmt_finalize(s);
    return ok;
}

static bool migrate_room(ism_store *st, const ism_store_schema *room, ism_error *err)
{
    const char *const *scripts =
        st->kind == ISM_DB_POSTGRES ? room->pg_migrations : room->migrations;
    if (!scripts)
        return ism_error_set(err, ISM_E_CONFIG,
                             "store: the %s tables have no PostgreSQL schema in this build of "
                             "ismapd (%s); keep this installation on SQLite (a data directory "
                             "store) until they do",
                             room->component, ISM_VERSION);
    for (;;) {
        if (!migration_begin(st, err)) return false;
        int v = component_version(st->writer_db, room->component, err);
        if (v < 0) {
            rollback(st->writer_db);
            return ism_error_set(err, err ? err->code : ISM_E_IO,
                                 "store: reading the %s schema version: %s", room->component,
                                 err ? err->message : "");
        }
        if (v > room->count) {
            rollback(st->writer_db);
            return ism_error_set(err, ISM_E_VERSION,
                                 "store %s has %s schema version %d but this ismapd (%s) knows "
                                 "only up to %d; use a newer ismapd or restore a backup",
                                 st->path, room->component, v, ISM_VERSION, room->count);
        }
        if (v == room->count) {
            rollback(st->writer_db);
            return true;
        }
        if (!ism_db_exec(st->writer_db, scripts[v], err) ||
            !set_component_version(st->writer_db, room->component, v + 1, err)) {
            rollback(st->writer_db);
            return ism_error_set(err, err ? err->code : ISM_E_IO,
                                 "store: %s migration %d failed: %s", room->component, v + 1,
                                 err ? err->message : "");
        }
        if (!ism_db_exec(st->writer_db, "COMMIT", err)) return false;
        ism_log(ISM_LOG_INFO, "store.migrated", "%s schema migrated to version %d", room->component,
                v + 1);
    }
}

json_t *ism_store_schema_versions(ism_store *st)
{
    json_t *o = json_pack("{s:i}", "core", st->version);
    ism_db *db = ism_store_reader(st);
    ism_error e = {0};
    ism_stmt *s =
        ism_db_prepare(db, "SELECT component, version FROM schema_components ORDER BY 1", &e);
    while (s && ism_stmt_step(s, &e) == ISM_DB_ROW)
        json_object_set_new(o, ism_stmt_text(s, 0), json_integer(ism_stmt_int64(s, 1)));
    ism_stmt_finalize(s);
    ism_error_clear(&e);
    ism_store_reader_end(st, db);
    return o;
}

ism_store *ism_store_open(const char *path, ism_error *err)
{
    return ism_store_open_with(path, NULL, 0, err);
}

/* PostgreSQL text must sort bytewise, as on SQLite: the database's collation must be C. */
static bool check_collation(ism_store *st, ism_error *err)
{
    ism_stmt *s = ism_db_prepare(
        st->writer_db,
        "SELECT datcollate, current_database() FROM pg_database WHERE datname = current_database()",
        err);
    if (!s) return false;
    bool ok = ism_stmt_step(s, err) == ISM_DB_ROW;
    if (ok) {
        const char *coll = ism_stmt_text(s, 0);
        if (!coll || (strcmp(coll, "C") && strcmp(coll, "POSIX")))
            ok = ism_error_set(err, ISM_E_CONFIG,
                               "store %s: database %s has collation '%s', but the store needs "
                               "the C collation (text must sort bytewise, as on SQLite); create "
                               "the database with: createdb --locale=C -T template0 %s",
                               st->path, ism_stmt_text(s, 1), coll ? coll : "?",
                               ism_stmt_text(s, 1));
    } else if (err && err->code == ISM_OK) {
        ok = ism_error_set(err, ISM_E_IO, "store %s: cannot read the database's collation",
                           st->path);
    }
    ism_stmt_finalize(s);
    return ok;
}

static bool open_sqlite(ism_store *st, ism_error *err)
{
    st->writer = open_conn(st->path, true, err);
    if (!st->writer) return false;
    if (!(st->writer_db = ism_db_sqlite_wrap(st->writer)))
        return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    /* WAL is persistent in the file; asking again is harmless. */
    ism_stmt *s = ism_db_prepare(st->writer_db, "PRAGMA journal_mode=WAL", err);
    if (!s) return false;
    bool wal = ism_stmt_step(s, err) == ISM_DB_ROW && ism_stmt_text(s, 0) &&
               strcmp(ism_stmt_text(s, 0), "wal") == 0;
    ism_stmt_finalize(s);
    if (!wal) return sqlite_error(st->writer, err, "cannot switch to WAL mode");
    return exec(st->writer, "PRAGMA quick_check", err);
}

static bool open_readers(ism_store *st, ism_error *err)
{
    for (int i = 0; i < READERS; i++) {
        if (st->kind == ISM_DB_POSTGRES) {
            if (!(st->reader_db[i] = ism_db_pg_connect(st->url, st->path, err))) return false;
            continue;
        }
        if (!(st->readers[i] = open_conn(st->path, false, err))) return false;
        if (!(st->reader_db[i] = ism_db_sqlite_wrap(st->readers[i])))
            return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    }
    return true;
}

ism_store *ism_store_open_with(const char *location, const ism_store_schema *rooms, int nrooms,
                               ism_error *err)
{
    ism_store *st = calloc(1, sizeof *st);
    if (!st) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    st->kind = ism_store_is_url(location) ? ISM_DB_POSTGRES : ISM_DB_SQLITE;
    st->path = ism_store_redact(location);
    if (st->kind == ISM_DB_POSTGRES) st->url = strdup(location);
    pthread_mutex_init(&st->wmu, NULL);
    pthread_mutex_init(&st->rmu, NULL);
    pthread_cond_init(&st->rcv, NULL);
    if (!st->path || (st->kind == ISM_DB_POSTGRES && !st->url)) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        goto fail;
    }
    if (st->kind == ISM_DB_POSTGRES) {
        if (!(st->writer_db = ism_db_pg_connect(st->url, st->path, err))) goto fail;
        if (!check_collation(st, err)) goto fail;
    } else if (!open_sqlite(st, err)) {
        goto fail;
    }
    for (int i = 0; i < nrooms; i++)
        if (st->kind == ISM_DB_POSTGRES && !rooms[i].pg_migrations) {
            migrate_room(st, &rooms[i], err); /* sets the refusal */
            goto fail;
        }
    if (!migrate(st, err)) goto fail;
    for (int i = 0; i < nrooms; i++)
        if (!migrate_room(st, &rooms[i], err)) goto fail;
    if (!open_readers(st, err)) goto fail;
    return st;
fail:
    ism_store_close(st);
    return NULL;
}

void ism_store_close(ism_store *st)
{
    if (!st) return;
    for (int i = 0; i < READERS; i++) {
        ism_db_close(st->reader_db[i]);
        if (st->readers[i]) sqlite3_close(st->readers[i]);
    }
    ism_db_close(st->writer_db);
    if (st->writer) sqlite3_close(st->writer);
    pthread_mutex_destroy(&st->wmu);
    pthread_mutex_destroy(&st->rmu);
    pthread_cond_destroy(&st->rcv);
    free(st->path);
    if (st->url) {
        memset(st->url, 0, strlen(st->url)); /* it may hold a password */
        free(st->url);
    }
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

ism_db_backend ism_store_backend(const ism_store *st)
{
    return st->kind;
}

/* Locks the process's writer and begins a transaction; `begin` is the backend's statement. */
static ism_db *writer_begin(ism_store *st, const char *begin, ism_error *err)
{
    pthread_mutex_lock(&st->wmu);
    if (!ism_db_pg_alive(st->writer_db) || !ism_db_exec(st->writer_db, begin, err)) {
        if (st->kind == ISM_DB_POSTGRES && err && err->code == ISM_OK)
            ism_error_set(err, ISM_E_IO, "store: %s", ism_db_errmsg(st->writer_db));
        /* PostgreSQL: BEGIN may have worked and the lock not (connection lost between): leave
         * no transaction open for the next writer. */
        if (st->kind == ISM_DB_POSTGRES) rollback(st->writer_db);
        pthread_mutex_unlock(&st->wmu);
        return NULL;
    }
    return st->writer_db;
}

ism_db *ism_store_writer(ism_store *st, ism_error *err)
{
    return writer_begin(
        st, st->kind == ISM_DB_POSTGRES ? "BEGIN; " PG_WRITER_LOCK : "BEGIN IMMEDIATE", err);
}

ism_db *ism_store_writer_concurrent(ism_store *st, ism_error *err)
{
    return writer_begin(st, st->kind == ISM_DB_POSTGRES ? "BEGIN" : "BEGIN IMMEDIATE", err);
}

ism_db *ism_store_listener(ism_store *st, ism_error *err)
{
    if (st->kind != ISM_DB_POSTGRES) {
        ism_error_set(err, ISM_E_UNAVAILABLE,
                      "store: notifications are not supported on SQLite (processes sharing a "
                      "SQLite store poll instead)");
        return NULL;
    }
    ism_db *db = ism_db_pg_connect(st->url, st->path, err);
    if (db && !ism_db_pg_set_name(db, ISM_STORE_LISTENER_NAME, err)) {
        ism_db_close(db);
        return NULL;
    }
    return db;
}

static int reader_borrow(ism_store *st)
{
    pthread_mutex_lock(&st->rmu);
    for (;;) {
        for (int i = 0; i < READERS; i++) {
            if (!st->busy[i]) {
                st->busy[i] = true;
                pthread_mutex_unlock(&st->rmu);
                return i;
            }
        }
        pthread_cond_wait(&st->rcv, &st->rmu);
    }
}

static void reader_return(ism_store *st, int i)
{
    pthread_mutex_lock(&st->rmu);
    if (i >= 0 && i < READERS) st->busy[i] = false;
    pthread_cond_signal(&st->rcv);
    pthread_mutex_unlock(&st->rmu);
}

ism_db *ism_store_reader(ism_store *st)
{
    int i = reader_borrow(st);
    /* A connection PostgreSQL dropped is re-established here; if that fails, the statement
     * run on it fails with the reason (and the next borrow tries again). */
    ism_db_pg_alive(st->reader_db[i]);
    return st->reader_db[i];
}

void ism_store_reader_end(ism_store *st, ism_db *db)
{
    for (int i = 0; i < READERS; i++)
        if (st->reader_db[i] == db) reader_return(st, i);
}

bool ism_store_write_commit(ism_store *st, ism_error *err)
{
    bool ok;
    if (ism_db_pg_failed_tx(st->writer_db)) {
        /* PostgreSQL would answer COMMIT with a silent ROLLBACK: say so instead. */
        ok = ism_error_set(err, ISM_E_IO,
                           "store: commit: a statement of the transaction failed, nothing was "
                           "written: %s",
                           ism_db_errmsg(st->writer_db));
    } else {
        ok = ism_db_exec(st->writer_db, "COMMIT", err);
    }
    if (!ok) rollback(st->writer_db);
    pthread_mutex_unlock(&st->wmu);
    return ok;
}

void ism_store_write_rollback(ism_store *st)
{
    rollback(st->writer_db);
    pthread_mutex_unlock(&st->wmu);
}

bool ism_store_backup(ism_store *st, const char *dest, ism_error *err)
{
    if (st->kind == ISM_DB_POSTGRES)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "store: backups of a PostgreSQL store are PostgreSQL's own: use "
                             "pg_dump (e.g. pg_dump -Fc -f ismap.dump DBNAME) or a base backup "
                             "(docs/operations.md)");
    ism_db *db = ism_store_reader(st);
    ism_stmt *s = ism_db_prepare(db, "VACUUM INTO ?", err);
    bool ok = s != NULL;
    if (ok) {
        ism_stmt_bind_text(s, 1, dest);
        ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    }
    if (!ok) ism_db_error(db, err, "backup");
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return ok;
}
