/* db.h — the store room's database interface: one API over the two backends the store runs on,
 * SQLite (the embedded default: one file) and PostgreSQL (shared deployments: libpq).
 *
 * Rooms never talk to a driver: they get an ism_db connection from the store
 * (ism_store_writer / ism_store_reader in store.h), prepare statements, bind, step and read
 * columns here. The calls mirror SQLite's statement API so a query reads the same on both.
 *
 * Portable SQL — every statement a room prepares must run unchanged on both backends:
 *  - Parameters are `?` (numbered in order) or `?N` (1-based); do not mix the two in a statement.
 *    Where the context does not tell PostgreSQL a parameter's type (`?1 IS NULL`, `SELECT ?`),
 *    write CAST(?1 AS TEXT) / CAST(?1 AS BIGINT).
 *  - Upserts: `INSERT ... ON CONFLICT (cols) DO UPDATE SET c = excluded.c` or `DO NOTHING`;
 *    never INSERT OR REPLACE / OR IGNORE. `RETURNING` is fine (SQLite >= 3.35).
 *  - No rowid / last_insert_rowid: give the table an explicit key (use RETURNING for generated
 *    ones). No SQLite-only functions (ifnull, printf, instr, json_extract, json_each,
 *    group_concat, scalar max(a,b), datetime/strftime): coalesce, CASE, and C code instead.
 *    Times are computed in C (ism_now_iso) and bound as text. JSON columns hold text; a
 *    statement that must look inside one uses ism_db_json_field() to build the expression.
 *  - GROUP BY lists every selected non-aggregate column. LIKE is case-sensitive on PostgreSQL
 *    and ASCII-case-insensitive on SQLite: compare lower(x) LIKE lower(?) when that matters.
 *  - Text sorts bytewise on both: the SQLite default, and PostgreSQL databases must use the
 *    C collation (the store checks at open and says how to create one).
 *  - Booleans are INTEGER 0/1. Integers are 64-bit (BIGINT in PostgreSQL DDL), reals are
 *    DOUBLE PRECISION in PostgreSQL DDL (its REAL is 32-bit), blobs BYTEA.
 *  - Schema changes are per-backend migration scripts (ism_store_schema in store.h).
 *
 * A connection is used by one thread at a time (the store hands them out). Text returned by
 * column accessors is borrowed: valid until the next step, reset or finalize of the statement. */
#ifndef ISMAP_DB_H
#define ISMAP_DB_H

#include "ismap/core.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ism_db ism_db;
typedef struct ism_stmt ism_stmt;

typedef enum { ISM_DB_SQLITE = 0, ISM_DB_POSTGRES = 1 } ism_db_backend;

/* ism_stmt_step results. */
enum { ISM_DB_ERROR = -1, ISM_DB_DONE = 0, ISM_DB_ROW = 1 };

ism_db_backend ism_db_kind(const ism_db *db);

/* Prepares one statement, or NULL with err set (ISM_E_IO, with the backend's message). The
 * caller finalizes. */
ism_stmt *ism_db_prepare(ism_db *db, const char *sql, ism_error *err);
/* Runs one or more ;-separated statements without parameters or results (DDL, BEGIN/COMMIT). */
bool ism_db_exec(ism_db *db, const char *sql, ism_error *err);
/* The connection's last error message (never NULL). */
const char *ism_db_errmsg(ism_db *db);
/* Sets err (ISM_E_IO) to "store: <what>: <the connection's last error>"; returns false. */
bool ism_db_error(ism_db *db, ism_error *err, const char *what);

/* SQL text, owned by the caller, that reads the string member `key` (letters, digits, '_')
 * of the JSON text in `column`, NULL when absent: json_extract(column,'$.key') on SQLite,
 * (column::jsonb ->> 'key') on PostgreSQL. NULL when key or column is not a plain name. */
char *ism_db_json_field(const ism_db *db, const char *column, const char *key);

/* Binding: i is 1-based. Values are copied. bind_text(NULL) binds SQL NULL. */
void ism_stmt_bind_text(ism_stmt *s, int i, const char *v);
void ism_stmt_bind_int64(ism_stmt *s, int i, int64_t v);
void ism_stmt_bind_double(ism_stmt *s, int i, double v);
void ism_stmt_bind_blob(ism_stmt *s, int i, const void *p, size_t n);
void ism_stmt_bind_null(ism_stmt *s, int i);

/* Runs the statement (first call) or moves to the next row: ISM_DB_ROW, ISM_DB_DONE, or
 * ISM_DB_ERROR with err (may be NULL) set. */
int ism_stmt_step(ism_stmt *s, ism_error *err);
/* Rows inserted, updated or deleted by the statement's last run (after it returned DONE). */
int64_t ism_stmt_changes(ism_stmt *s);
/* Ends the current run so the statement can run again; bindings are kept. */
void ism_stmt_reset(ism_stmt *s);
void ism_stmt_clear_bindings(ism_stmt *s);
void ism_stmt_finalize(ism_stmt *s);

/* Steps `s` through its rows, calling fn(s, ctx) on each until fn returns false (a stop, not an
 * error). True when the rows were read (to the end or the stop); false with err set when a step
 * failed. The statement is left as the last step left it (reset it to run it again). */
typedef bool (*ism_stmt_row_fn)(ism_stmt *s, void *ctx);
bool ism_stmt_rows(ism_stmt *s, ism_stmt_row_fn fn, void *ctx, ism_error *err);
/* Steps `s` through every row into a JSON array of fn(s) (each a new reference, taken). The
 * array (new reference), or NULL with err set when a step failed. */
json_t *ism_stmt_json_rows(ism_stmt *s, json_t *(*fn)(ism_stmt *s), ism_error *err);

/* Columns of the current row (0-based). */
int ism_stmt_columns(ism_stmt *s);
bool ism_stmt_is_null(ism_stmt *s, int col);
/* NULL for SQL NULL. Borrowed (see above). */
const char *ism_stmt_text(ism_stmt *s, int col);
int64_t ism_stmt_int64(ism_stmt *s, int col);
int ism_stmt_int(ism_stmt *s, int col);
double ism_stmt_double(ism_stmt *s, int col);
/* The bytes of a blob column and their count in *len; NULL (and *len 0) for SQL NULL. */
const void *ism_stmt_blob(ism_stmt *s, int col, size_t *len);

/* A column as a JSON string, or JSON null for SQL NULL. New reference. */
json_t *ism_stmt_json_text(ism_stmt *s, int col);
/* A column holding JSON text, parsed; SQL NULL → null; text that does not parse comes back as a
 * string rather than being lost. New reference. */
json_t *ism_stmt_json(ism_stmt *s, int col);

/* ---- notifications (PostgreSQL LISTEN/NOTIFY) -------------------------------------------
 * Processes on one PostgreSQL store tell each other of changes at once: a writer queues a
 * notification inside its transaction (delivered only when that transaction commits, never on
 * rollback, in commit order), and a dedicated listening connection (ism_store_listener in
 * store.h) waits for them. SQLite has no such thing: there these calls fail with
 * ISM_E_UNAVAILABLE ("not supported on SQLite") and processes sharing a SQLite file poll. */

/* Queues `payload` (at most ISM_DB_NOTIFY_MAX - 1 bytes; small and never secret: it is visible
 * to every session of the database) on `channel` (letters, digits, '_'; at most 63). Inside a
 * transaction it is sent at COMMIT; a failure fails the transaction like any statement. */
bool ism_db_notify(ism_db *db, const char *channel, const char *payload, ism_error *err);
/* Starts listening on `channel` on this connection (LISTEN). */
bool ism_db_listen(ism_db *db, const char *channel, ism_error *err);
#define ISM_DB_NOTIFY_MAX 256
/* One received notification. */
typedef struct ism_db_notice {
    char channel[64];
    char payload[ISM_DB_NOTIFY_MAX]; /* truncated when longer */
} ism_db_notice;
/* Waits on a listening connection for the next notification, at most timeout_ms (0: only
 * what has already arrived; < 0: no limit), and returns early when `wake_fd` (>= 0; -1: none)
 * becomes readable (not read: the caller drains it). 1: a notification was stored in *out;
 * 0: the time ran out or wake_fd woke it; ISM_DB_ERROR: the connection is lost or unusable
 * (err set; notifications may have been missed: open a new listener and re-read the state). */
int ism_db_wait_notify(ism_db *db, int timeout_ms, int wake_fd, ism_db_notice *out, ism_error *err);

/* ---- backends (used by the store room only) ------------------------------------------- */
struct sqlite3;
/* Wraps an open SQLite connection without taking ownership (ism_db_close leaves it open). */
ism_db *ism_db_sqlite_wrap(struct sqlite3 *conn);
/* The wrapped SQLite connection, or NULL for another backend. */
struct sqlite3 *ism_db_sqlite_handle(ism_db *db);
/* Frees the wrapper (and closes the connection when the backend owns it); also how the owner
 * of a listening connection (ism_store_listener) closes it. */
void ism_db_close(ism_db *db);

#endif
