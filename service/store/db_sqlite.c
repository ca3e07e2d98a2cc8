/* db_sqlite.c — the SQLite backend of db.h: a thin layer over sqlite3's statement API. */
#include "db_internal.h"

#include <sqlite3.h>
#include <stdlib.h>

typedef struct {
    ism_db base;
    sqlite3 *conn;
    bool owned;
} sq_db;

typedef struct {
    ism_stmt base;
    sqlite3_stmt *st;
    int64_t changes;
} sq_stmt;

#define SQ(s) ((sq_stmt *)(s))
#define SQDB(d) ((sq_db *)(d))

static const ism_db_ops sq_ops;

static ism_stmt *sq_prepare(ism_db *db, const char *sql, ism_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(SQDB(db)->conn, sql, -1, &st, NULL) != SQLITE_OK || !st) {
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
    if (SQDB(db)->owned) sqlite3_close(SQDB(db)->conn);
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
