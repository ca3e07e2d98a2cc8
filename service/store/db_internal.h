/* db_internal.h — what a database backend implements for db.h: a table of functions per
 * backend; ism_db and ism_stmt begin with a pointer to it. Private to the store room. */
#ifndef ISMAP_DB_INTERNAL_H
#define ISMAP_DB_INTERNAL_H

#include "ismap/db.h"

typedef struct ism_db_ops {
    ism_db_backend kind;
    ism_stmt *(*prepare)(ism_db *db, const char *sql, ism_error *err);
    bool (*exec)(ism_db *db, const char *sql, ism_error *err);
    const char *(*errmsg)(ism_db *db);
    void (*close)(ism_db *db);
    void (*bind_text)(ism_stmt *s, int i, const char *v);
    void (*bind_int64)(ism_stmt *s, int i, int64_t v);
    void (*bind_double)(ism_stmt *s, int i, double v);
    void (*bind_blob)(ism_stmt *s, int i, const void *p, size_t n);
    void (*bind_null)(ism_stmt *s, int i);
    int (*step)(ism_stmt *s, ism_error *err);
    int64_t (*changes)(ism_stmt *s);
    void (*reset)(ism_stmt *s);
    void (*clear_bindings)(ism_stmt *s);
    void (*finalize)(ism_stmt *s);
    int (*columns)(ism_stmt *s);
    bool (*is_null)(ism_stmt *s, int col);
    const char *(*text)(ism_stmt *s, int col);
    int64_t (*int64)(ism_stmt *s, int col);
    double (*dbl)(ism_stmt *s, int col);
    const void *(*blob)(ism_stmt *s, int col, size_t *len);
} ism_db_ops;

struct ism_db {
    const ism_db_ops *ops;
};

struct ism_stmt {
    const ism_db_ops *ops;
    ism_db *db;
};

/* PostgreSQL (db_pg.c). Connects with a libpq URL or conninfo; `shown` names the database in
 * messages (the URL without its password). NULL with err set when it cannot connect. */
ism_db *ism_db_pg_connect(const char *url, const char *shown, ism_error *err);
/* Re-establishes a broken PostgreSQL connection; true when usable (always for SQLite). */
bool ism_db_pg_alive(ism_db *db);
/* True when a PostgreSQL transaction has had a failed statement (only ROLLBACK can follow). */
bool ism_db_pg_failed_tx(ism_db *db);

/* LISTEN/NOTIFY on PostgreSQL (db_pg.c), for db.h's ism_db_notify / _listen / _wait_notify,
 * which check the backend and the channel name before calling these. */
bool ism_db_pg_notify(ism_db *db, const char *channel, const char *payload, ism_error *err);
bool ism_db_pg_listen(ism_db *db, const char *channel, ism_error *err);
int ism_db_pg_wait_notify(ism_db *db, int timeout_ms, int wake_fd, ism_db_notice *out,
                          ism_error *err);
/* Names the connection in pg_stat_activity (SET application_name), so an operator (or a test)
 * can tell the listening connection from the others. */
bool ism_db_pg_set_name(ism_db *db, const char *name, ism_error *err);

#endif
