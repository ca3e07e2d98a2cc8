/* db_sqlite.c — the SQLite backend of db.h: a thin layer over sqlite3's statement API, with a
 * small cache of prepared statements per connection. The store's reads run the same few dozen
 * statements over and over on long-lived connections; compiling each again took about a third
 * of a cheap read's CPU (matrix.get's summary, status). A finalized statement that came from
 * the cache is reset (no transaction or lock is kept) and its bindings cleared, and waits there
 * for the next prepare of the same SQL text on the same connection. */
#include "db_internal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Statements kept per connection; the least recently used idle one makes room. */
#define SQ_CACHE 48

typedef struct sq_stmt sq_stmt;

typedef struct {
    ism_db base;
    sqlite3 *conn;
    bool owned;
    sq_stmt *cache[SQ_CACHE];
    int ncache;
    uint64_t tick; /* use counter for least-recently-used eviction */
} sq_db;

struct sq_stmt {
    ism_stmt base;
    sqlite3_stmt *st;
    int64_t changes;
    bool cached, busy; /* held in the connection's cache; handed out and not yet finalized */
    uint64_t hash, used;
};

#define SQ(s) ((sq_stmt *)(s))
#define SQDB(d) ((sq_db *)(d))

static const ism_db_ops sq_ops;

static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* Makes room for one more cached statement: false when every cached one is in use. */
static bool cache_room(sq_db *d)
{
    if (d->ncache < SQ_CACHE) return true;
    int lru = -1;
    for (int i = 0; i < d->ncache; i++)
        if (!d->cache[i]->busy && (lru < 0 || d->cache[i]->used < d->cache[lru]->used)) lru = i;
    if (lru < 0) return false;
    sqlite3_finalize(d->cache[lru]->st);
    free(d->cache[lru]);
    d->cache[lru] = d->cache[--d->ncache];
    return true;
}

static ism_stmt *sq_prepare(ism_db *db, const char *sql, ism_error *err)
{
    sq_db *d = SQDB(db);
    uint64_t h = sql_hash(sql);
    for (int i = 0; i < d->ncache; i++) {
        sq_stmt *c = d->cache[i];
        if (!c->busy && c->hash == h && !strcmp(sqlite3_sql(c->st), sql)) {
            c->busy = true;
            c->used = ++d->tick;
            c->changes = 0;
            return &c->base;
        }
    }
    bool keep = cache_room(d);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(d->conn, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) !=
            SQLITE_OK ||
        !st) {
        sqlite3_finalize(st);
        ism_db_error(db, err, "prepare");
        return NULL;
    }
    sq_stmt *s = calloc(1, sizeof *s);
    if (!s) {
        sqlite3_finalize(st);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    s->base.ops = &sq_ops;
    s->base.db = db;
    s->st = st;
    /* Only a statement whose text is the whole SQL can stand for it next time (sqlite3_sql gives
     * the first statement's text only). */
    if (keep && !strcmp(sqlite3_sql(st), sql)) {
        s->cached = s->busy = true;
        s->hash = h;
        s->used = ++d->tick;
        d->cache[d->ncache++] = s;
    }
    return &s->base;
}

static bool sq_exec(ism_db *db, const char *sql, ism_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(SQDB(db)->conn, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ism_error_set(err, ISM_E_IO, "store: %s", msg ? msg : sqlite3_errmsg(SQDB(db)->conn));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

static const char *sq_errmsg(ism_db *db)
{
    return sqlite3_errmsg(SQDB(db)->conn);
}

static void sq_close(ism_db *db)
{
    sq_db *d = SQDB(db);
    /* Every cached statement is finalized here, so the connection's owner can close it. */
    for (int i = 0; i < d->ncache; i++) {
        sqlite3_finalize(d->cache[i]->st);
        free(d->cache[i]);
    }
    if (d->owned) sqlite3_close(d->conn);
    free(db);
}

static void sq_bind_text(ism_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(SQ(s)->st, i, v, -1, SQLITE_TRANSIENT);
}

static void sq_bind_int64(ism_stmt *s, int i, int64_t v)
{
    sqlite3_bind_int64(SQ(s)->st, i, v);
}

static void sq_bind_double(ism_stmt *s, int i, double v)
{
    sqlite3_bind_double(SQ(s)->st, i, v);
}

static void sq_bind_blob(ism_stmt *s, int i, const void *p, size_t n)
{
    sqlite3_bind_blob64(SQ(s)->st, i, p, n, SQLITE_TRANSIENT);
}

static void sq_bind_null(ism_stmt *s, int i)
{
    sqlite3_bind_null(SQ(s)->st, i);
}

static int sq_step(ism_stmt *s, ism_error *err)
{
    int rc = sqlite3_step(SQ(s)->st);
    if (rc == SQLITE_ROW) return ISM_DB_ROW;
    if (rc == SQLITE_DONE) {
        SQ(s)->changes = sqlite3_changes64(SQDB(s->db)->conn);
        return ISM_DB_DONE;
    }
    ism_db_error(s->db, err, "step");
    /* A UNIQUE / PRIMARY KEY violation is a conflict, on both backends (PostgreSQL: 23505). */
    int ext = sqlite3_extended_errcode(SQDB(s->db)->conn);
    if (err && (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY))
        err->code = ISM_E_CONFLICT;
    return ISM_DB_ERROR;
}

static int64_t sq_changes(ism_stmt *s)
{
    return SQ(s)->changes;
}

static void sq_reset(ism_stmt *s)
{
    sqlite3_reset(SQ(s)->st);
}

static void sq_clear_bindings(ism_stmt *s)
{
    sqlite3_clear_bindings(SQ(s)->st);
}

static void sq_finalize(ism_stmt *s)
{
    if (SQ(s)->cached) {
        /* Back to the cache: no transaction or lock kept, no value kept bound. */
        sqlite3_reset(SQ(s)->st);
        sqlite3_clear_bindings(SQ(s)->st);
        SQ(s)->busy = false;
        return;
    }
    sqlite3_finalize(SQ(s)->st);
    free(s);
}

static int sq_columns(ism_stmt *s)
{
    return sqlite3_data_count(SQ(s)->st);
}

static bool sq_is_null(ism_stmt *s, int col)
{
    return sqlite3_column_type(SQ(s)->st, col) == SQLITE_NULL;
}

static const char *sq_text(ism_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(SQ(s)->st, col);
}

static int64_t sq_int64(ism_stmt *s, int col)
{
    return sqlite3_column_int64(SQ(s)->st, col);
}

static double sq_double(ism_stmt *s, int col)
{
    return sqlite3_column_double(SQ(s)->st, col);
}

static const void *sq_blob(ism_stmt *s, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(SQ(s)->st, col);
    *len = p ? (size_t)sqlite3_column_bytes(SQ(s)->st, col) : 0;
    return p;
}

static const ism_db_ops sq_ops = {
    .kind = ISM_DB_SQLITE,
    .prepare = sq_prepare,
    .exec = sq_exec,
    .errmsg = sq_errmsg,
    .close = sq_close,
    .bind_text = sq_bind_text,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .changes = sq_changes,
    .reset = sq_reset,
    .clear_bindings = sq_clear_bindings,
    .finalize = sq_finalize,
    .columns = sq_columns,
    .is_null = sq_is_null,
    .text = sq_text,
    .int64 = sq_int64,
    .dbl = sq_double,
    .blob = sq_blob,
};

ism_db *ism_db_sqlite_wrap(struct sqlite3 *conn)
{
    sq_db *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->base.ops = &sq_ops;
    d->conn = conn;
    return &d->base;
}

struct sqlite3 *ism_db_sqlite_handle(ism_db *db)
{
    return db && db->ops->kind == ISM_DB_SQLITE ? SQDB(db)->conn : NULL;
}
