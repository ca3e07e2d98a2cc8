/* test_db.c — the database interface (db.h) as rooms use it through the store: portable SQL
 * with ?N parameters, upserts, RETURNING, NULLs, 64-bit integers, reals, blobs, changes counts,
 * JSON columns and the JSON field expression. The same cases must pass on every backend. And
 * notifications (LISTEN/NOTIFY): their contract on PostgreSQL, "not supported" on SQLite. */
#include "ismap/store.h"
#include "testutil.h"
#include "waitfor.h"

#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dir;
static ism_store *st;

static const char *const room_sql[] = {
    "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB, j TEXT);",
};
static const char *const room_pg[] = {
    "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, r DOUBLE PRECISION, b BYTEA, j TEXT);",
};
static const ism_store_schema room = {"dbtest", room_sql, 1, room_pg};

static void setup(void)
{
    dir = tu_tempdir("db");
    char *path = tu_store_location(dir);
    ism_error e = {0};
    st = ism_store_open_with(path, &room, 1, &e);
    ck_assert_msg(st != NULL, "open failed: %s", e.message);
    free(path);
}

static void teardown(void)
{
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

static void put(ism_db *db, const char *k, int64_t n)
{
    ism_error e = {0};
    ism_stmt *s = ism_db_prepare(db,
                                 "INSERT INTO t(k,n) VALUES(?1,?2) ON CONFLICT(k) DO UPDATE SET "
                                 "n = excluded.n",
                                 &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ism_stmt_bind_text(s, 1, k);
    ism_stmt_bind_int64(s, 2, n);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_DONE);
    ck_assert_int_eq(ism_stmt_changes(s), 1);
    ism_stmt_finalize(s);
}

START_TEST(types_round_trip)
{
    ism_error e = {0};
    ism_db *db = ism_store_writer(st, &e);
    ck_assert_msg(db != NULL, "%s", e.message);
    ism_stmt *s = ism_db_prepare(db, "INSERT INTO t VALUES(?,?,?,?,?)", &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    static const unsigned char bytes[] = {0, 1, 0xff, '\\', 'x', 0};
    ism_stmt_bind_text(s, 1, "日本語 key");
    ism_stmt_bind_int64(s, 2, INT64_C(9007199254740993));
    ism_stmt_bind_double(s, 3, 0.1);
    ism_stmt_bind_blob(s, 4, bytes, sizeof bytes);
    ism_stmt_bind_text(s, 5, NULL);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_DONE);
    ism_stmt_finalize(s);
    ck_assert(ism_store_write_commit(st, &e));

    db = ism_store_reader(st);
    s = ism_db_prepare(db, "SELECT k, n, r, b, j FROM t WHERE k = ?1", &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ism_stmt_bind_text(s, 1, "日本語 key");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ck_assert_int_eq(ism_stmt_columns(s), 5);
    ck_assert_str_eq(ism_stmt_text(s, 0), "日本語 key");
    ck_assert(ism_stmt_int64(s, 1) == INT64_C(9007199254740993));
    ck_assert(ism_stmt_double(s, 2) == 0.1);
    size_t n = 0;
    const void *p = ism_stmt_blob(s, 3, &n);
    ck_assert_uint_eq(n, sizeof bytes);
    ck_assert(memcmp(p, bytes, n) == 0);
    ck_assert(ism_stmt_is_null(s, 4));
    ck_assert_ptr_null(ism_stmt_text(s, 4));
    json_t *jn = ism_stmt_json(s, 4);
    ck_assert(json_is_null(jn));
    json_decref(jn);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_DONE);
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
}
END_TEST

START_TEST(upsert_changes_returning_and_reuse)
{
    ism_error e = {0};
    ism_db *db = ism_store_writer(st, &e);
    ck_assert_msg(db != NULL, "%s", e.message);
    put(db, "a", 1);
    put(db, "a", 2); /* the conflict path */
    put(db, "b", 3);
    ism_stmt *s = ism_db_prepare(db, "UPDATE t SET n = n + ?1 WHERE n >= ?2 RETURNING k", &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ism_stmt_bind_int64(s, 1, 10);
    ism_stmt_bind_int64(s, 2, 2);
    int rows = 0;
    while (ism_stmt_step(s, &e) == ISM_DB_ROW)
        rows++;
    ck_assert_int_eq(rows, 2);
    /* the same statement again, new bindings, after a reset */
    ism_stmt_reset(s);
    ism_stmt_bind_int64(s, 1, 1);
    ism_stmt_bind_int64(s, 2, 13);
    rows = 0;
    while (ism_stmt_step(s, &e) == ISM_DB_ROW)
        rows++;
    ck_assert_int_eq(rows, 1);
    ism_stmt_finalize(s);
    s = ism_db_prepare(db, "DELETE FROM t WHERE k <> ?", &e);
    ism_stmt_bind_text(s, 1, "zzz");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_DONE);
    ck_assert_int_eq(ism_stmt_changes(s), 2);
    ism_stmt_finalize(s);
    ism_store_write_rollback(st); /* nothing of it stays */

    json_t *count = NULL;
    db = ism_store_reader(st);
    s = ism_db_prepare(db, "SELECT count(*) FROM t", &e);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    count = json_integer(ism_stmt_int64(s, 0));
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    ck_assert_int_eq(json_integer_value(count), 0);
    json_decref(count);
}
END_TEST

static json_t *row_k_zone(ism_stmt *s)
{
    return json_pack("{s:o,s:o}", "k", ism_stmt_json_text(s, 0), "zone", ism_stmt_json_text(s, 1));
}

START_TEST(json_field_and_select)
{
    ism_error e = {0};
    const char *a1[] = {"x", "{\"zone\":\"lgwan\",\"n\":1}"};
    const char *a2[] = {"y", "{\"n\":2}"};
    ck_assert(ism_store_write(st, "INSERT INTO t(k,j) VALUES(?1,?2)", a1, 2, NULL, &e));
    ck_assert(ism_store_write(st, "INSERT INTO t(k,j) VALUES(?1,?2)", a2, 2, NULL, &e));
    ism_db *db = ism_store_reader(st);
    char *zone = ism_db_json_field(db, "j", "zone");
    ck_assert_ptr_nonnull(zone);
    ck_assert_ptr_null(ism_db_json_field(db, "j", "a'b"));
    ism_store_reader_end(st, db);
    char *sql = ism_strdupf("SELECT k, %s FROM t ORDER BY k", zone);
    json_t *rows = ism_store_select(st, sql, NULL, 0, row_k_zone, &e);
    ck_assert_msg(rows != NULL, "%s", e.message);
    ck_assert_int_eq(json_array_size(rows), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "zone")), "lgwan");
    ck_assert(json_is_null(json_object_get(json_array_get(rows, 1), "zone")));
    json_decref(rows);
    free(sql);
    free(zone);
    /* a bad statement is an error with the backend's message, not a crash */
    rows = ism_store_select(st, "SELECT nope FROM t", NULL, 0, row_k_zone, &e);
    ck_assert_ptr_null(rows);
    ck_assert_int_eq(e.code, ISM_E_IO);
    ck_assert(strstr(e.message, "nope") != NULL);
    ism_error_clear(&e);
}
END_TEST

/* `?` inside literals, quoted names and comments is text, not a parameter; `?N` may repeat. */
START_TEST(placeholders_outside_quotes_only)
{
    ism_error e = {0};
    ism_db *db = ism_store_writer(st, &e);
    ck_assert_msg(db != NULL, "%s", e.message);
    ism_stmt *s = ism_db_prepare(db,
                                 "INSERT INTO t(k, j) /* a ? here */ VALUES(?1 || '?''?', "
                                 "?1 || ?2) -- and ? there\n"
                                 "RETURNING k, \"j\"",
                                 &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ism_stmt_bind_text(s, 1, "a");
    ism_stmt_bind_text(s, 2, "b");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ck_assert_str_eq(ism_stmt_text(s, 0), "a?'?");
    ck_assert_str_eq(ism_stmt_text(s, 1), "ab");
    ism_stmt_finalize(s);
    ck_assert(ism_store_write_commit(st, &e));
}
END_TEST

static json_t *first(ism_stmt *s)
{
    return ism_stmt_json_text(s, 0);
}

/* A duplicate key is ISM_E_CONFLICT on every backend; what a failed statement does to its
 * transaction is the backend's (db.h, store.h). */
START_TEST(unique_violation_is_a_conflict)
{
    ism_error e = {0};
    const char *a[] = {"dup"};
    ck_assert(ism_store_write(st, "INSERT INTO t(k) VALUES(?1)", a, 1, NULL, &e));
    ck_assert(!ism_store_write(st, "INSERT INTO t(k) VALUES(?1)", a, 1, NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);

    ism_db *db = ism_store_writer(st, &e);
    ck_assert_msg(db != NULL, "%s", e.message);
    ism_stmt *s = ism_db_prepare(db, "INSERT INTO t(k, n) VALUES(?1, ?2)", &e);
    ism_stmt_bind_text(s, 1, "new");
    ism_stmt_bind_int64(s, 2, 1);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_DONE);
    ism_stmt_reset(s);
    ism_stmt_bind_text(s, 1, "dup");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ERROR);
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ck_assert_ptr_nonnull(strstr(e.message, "store: step"));
    ism_stmt_finalize(s);
    ism_error_clear(&e);
    bool pg = ism_db_kind(db) == ISM_DB_POSTGRES;
    /* PostgreSQL ended the transaction at the failure: commit says so and writes nothing.
     * SQLite keeps the statements before the failure, which the caller may commit. */
    ck_assert(ism_store_write_commit(st, &e) == !pg);
    if (pg) ck_assert_ptr_nonnull(strstr(e.message, "nothing was written"));
    ism_error_clear(&e);
    json_t *rows = ism_store_select(st, "SELECT k FROM t WHERE k = 'new'", NULL, 0, first, &e);
    ck_assert_msg(rows != NULL, "%s", e.message);
    ck_assert_int_eq(json_array_size(rows), pg ? 0 : 1);
    json_decref(rows);
}
END_TEST

static json_t *first_int(ism_stmt *s)
{
    return json_integer((json_int_t)ism_stmt_int64(s, 0));
}

static bool stop_at_two(ism_stmt *s, void *ctx)
{
    int *seen = ctx;
    (*seen)++;
    return ism_stmt_int64(s, 0) != 2;
}

static bool count_all(ism_stmt *s, void *ctx)
{
    (void)s;
    (*(int *)ctx)++;
    return true;
}

START_TEST(rows_helpers)
{
    ism_error e = {0};
    ism_db *db = ism_store_writer(st, &e);
    put(db, "a", 1);
    put(db, "b", 2);
    put(db, "c", 3);
    ck_assert(ism_store_write_commit(st, &e));
    db = ism_store_reader(st);
    ism_stmt *s = ism_db_prepare(db, "SELECT abs(n) FROM t ORDER BY k", &e);
    json_t *arr = ism_stmt_json_rows(s, first_int, &e);
    ck_assert_msg(arr != NULL, "%s", e.message);
    char *text = json_dumps(arr, JSON_COMPACT);
    ck_assert_str_eq(text, "[1,2,3]");
    free(text);
    json_decref(arr);
    /* A stop is not an error; the rest is not read. */
    ism_stmt_reset(s);
    int seen = 0;
    ck_assert(ism_stmt_rows(s, stop_at_two, &seen, &e));
    ck_assert_int_eq(seen, 2);
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    /* A step that fails after some rows: no array, the error set (abs of the least 64-bit
     * integer overflows on both backends). */
    db = ism_store_writer(st, &e);
    put(db, "d", INT64_MIN);
    ck_assert(ism_store_write_commit(st, &e));
    db = ism_store_reader(st);
    s = ism_db_prepare(db, "SELECT abs(n) FROM t ORDER BY k", &e);
    ck_assert_ptr_null(ism_stmt_json_rows(s, first_int, &e));
    ck_assert_int_eq(e.code, ISM_E_IO);
    ism_error_clear(&e);
    ism_stmt_reset(s);
    seen = 0;
    ck_assert(!ism_stmt_rows(s, count_all, &seen, &e));
    ck_assert_int_le(seen, 3); /* SQLite steps row by row, PostgreSQL fails on the first */
    ck_assert_int_eq(e.code, ISM_E_IO);
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
}
END_TEST

/* Queues `payload` on channel ismap_test in a write transaction, then commits or rolls back. */
static void notify_in_tx(const char *payload, bool commit)
{
    ism_error e = {0};
    ism_db *db = ism_store_writer(st, &e);
    ck_assert_msg(db != NULL, "%s", e.message);
    ck_assert_msg(ism_db_notify(db, "ismap_test", payload, &e), "%s", e.message);
    put(db, payload, 1);
    if (commit)
        ck_assert_msg(ism_store_write_commit(st, &e), "%s", e.message);
    else
        ism_store_write_rollback(st);
}

START_TEST(notifications)
{
    ism_error e = {0};
    if (ism_store_backend(st) == ISM_DB_SQLITE) {
        ck_assert_ptr_null(ism_store_listener(st, &e));
        ck_assert_int_eq(e.code, ISM_E_UNAVAILABLE);
        ck_assert_ptr_nonnull(strstr(e.message, "not supported on SQLite"));
        ism_error_clear(&e);
        ism_db *db = ism_store_writer(st, &e);
        ck_assert(!ism_db_notify(db, "ismap_test", "x", &e));
        ck_assert_int_eq(e.code, ISM_E_UNAVAILABLE);
        ism_error_clear(&e);
        ck_assert(!ism_db_listen(db, "ismap_test", &e));
        ck_assert_ptr_nonnull(strstr(e.message, "not supported on SQLite"));
        ism_error_clear(&e);
        ism_db_notice n;
        ck_assert_int_eq(ism_db_wait_notify(db, 0, -1, &n, &e), ISM_DB_ERROR);
        ck_assert_int_eq(e.code, ISM_E_UNAVAILABLE);
        ism_store_write_rollback(st);
        return;
    }
    ism_db *l = ism_store_listener(st, &e);
    ck_assert_msg(l != NULL, "%s", e.message);
    ck_assert(!ism_db_listen(l, "bad channel; DROP TABLE t", &e));
    ism_error_clear(&e);
    ck_assert_msg(ism_db_listen(l, "ismap_test", &e), "%s", e.message);

    /* Bad channels and oversized payloads are refused before they reach the server. */
    ism_db *w = ism_store_writer(st, &e);
    ck_assert(!ism_db_notify(w, "a-b", "x", &e));
    ism_error_clear(&e);
    char big[ISM_DB_NOTIFY_MAX + 1];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert(!ism_db_notify(w, "ismap_test", big, &e));
    ism_error_clear(&e);
    /* Queued but not committed: nothing has arrived. */
    ck_assert(ism_db_notify(w, "ismap_test", "pending", &e));
    ism_db_notice n;
    ck_assert_int_eq(ism_db_wait_notify(l, 0, -1, &n, &e), 0);
    ism_store_write_rollback(st);

    /* Rolled back: never delivered. Committed: delivered, in commit order, so the first to
     * arrive is the committed one; payloads round-trip byte for byte. */
    notify_in_tx("rolled back", false);
    const char *payload = "queued job_1 \"quoted\" 'q' 日本語";
    notify_in_tx(payload, true);
    int rc = ism_db_wait_notify(l, (int)tu_wait_limit_ms(), -1, &n, &e);
    ck_assert_msg(rc == 1, "no notification: %d %s", rc, e.message);
    ck_assert_str_eq(n.channel, "ismap_test");
    ck_assert_str_eq(n.payload, payload);
    ck_assert_int_eq(ism_db_wait_notify(l, 0, -1, &n, &e), 0);

    /* Outside a transaction a notification goes at once. */
    ism_db *r = ism_store_reader(st);
    ck_assert_msg(ism_db_notify(r, "ismap_test", "autocommit", &e), "%s", e.message);
    ism_store_reader_end(st, r);
    rc = ism_db_wait_notify(l, (int)tu_wait_limit_ms(), -1, &n, &e);
    ck_assert_int_eq(rc, 1);
    ck_assert_str_eq(n.payload, "autocommit");

    /* The wake fd ends a wait without a time limit. */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    ck_assert_int_eq(ism_db_wait_notify(l, -1, p[0], &n, &e), 0);
    close(p[0]);
    close(p[1]);

    /* The listening connection terminated by the server: the wait says it is lost. */
    r = ism_store_reader(st);
    ism_stmt *s = ism_db_prepare(r,
                                 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                 "WHERE application_name = ?1 AND datname = current_database()",
                                 &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ism_stmt_bind_text(s, 1, ISM_STORE_LISTENER_NAME);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ck_assert_int_eq(ism_stmt_int(s, 0), 1);
    ism_stmt_finalize(s);
    ism_store_reader_end(st, r);
    rc = ism_db_wait_notify(l, -1, -1, &n, &e);
    ck_assert_int_eq(rc, ISM_DB_ERROR);
    ck_assert_ptr_nonnull(strstr(e.message, "listening connection"));
    ism_db_close(l);
}
END_TEST

/* The first integer of the first row of sql on db. */
static int64_t one_int(ism_db *db, const char *sql)
{
    ism_error e = {0};
    ism_stmt *s = ism_db_prepare(db, sql, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    int64_t v = ism_stmt_int64(s, 0);
    ism_stmt_finalize(s);
    return v;
}

/* The n of key k through a statement with a marker comment, prepared anew as rooms do. */
static int64_t n_of(ism_db *db, const char *k)
{
    ism_error e = {0};
    ism_stmt *s = ism_db_prepare(db, "SELECT n FROM t WHERE k = ?1 /* prep-marker */", &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ism_stmt_bind_text(s, 1, k);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    int64_t v = ism_stmt_int64(s, 0);
    ism_stmt_finalize(s);
    return v;
}

static const char count_marked[] = "SELECT count(*) FROM pg_prepared_statements WHERE statement "
                                   "LIKE '%prep-' || 'marker%'";

/* PostgreSQL: a statement run again on a connection is planned once there (a server-side
 * prepared statement per distinct SQL text and parameter types), the cache is bounded, and DDL
 * run through the connection does not leave a stale plan behind. SQLite has nothing to show. */
START_TEST(statements_prepared_once_per_connection)
{
    ism_error e = {0};
    ism_db *db = ism_store_writer(st, &e);
    ck_assert_msg(db != NULL, "%s", e.message);
    if (ism_db_kind(db) != ISM_DB_POSTGRES) {
        ism_store_write_rollback(st);
        return;
    }
    put(db, "a", 1);
    put(db, "b", 2);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(n_of(db, "a"), 1);
        ck_assert_int_eq(n_of(db, "b"), 2);
    }
    ck_assert_int_eq(one_int(db, count_marked), 1);
    /* Hundreds of distinct texts: the cache keeps a bounded number on the server. */
    for (int i = 0; i < 300; i++) {
        char *sql = ism_strdupf("SELECT n + %d FROM t WHERE k = ?1", i);
        ism_stmt *s = ism_db_prepare(db, sql, &e);
        ck_assert_msg(s != NULL, "%s", e.message);
        ism_stmt_bind_text(s, 1, "a");
        ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
        ck_assert_int_eq(ism_stmt_int64(s, 0), 1 + i);
        ism_stmt_finalize(s);
        free(sql);
    }
    int64_t held = one_int(db, "SELECT count(*) FROM pg_prepared_statements");
    ck_assert_int_le(held, 200);
    ck_assert_int_ge(held, 1);
    /* A table changed under a cached `SELECT *`: the next run sees the new column. */
    ism_stmt *s = ism_db_prepare(db, "SELECT * FROM t WHERE k = ?1", &e);
    ism_stmt_bind_text(s, 1, "a");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ck_assert_int_eq(ism_stmt_columns(s), 5);
    ism_stmt_finalize(s);
    ck_assert_msg(ism_db_exec(db, "ALTER TABLE t ADD COLUMN z TEXT", &e), "%s", e.message);
    s = ism_db_prepare(db, "SELECT * FROM t WHERE k = ?1", &e);
    ism_stmt_bind_text(s, 1, "a");
    ck_assert_msg(ism_stmt_step(s, &e) == ISM_DB_ROW, "%s", e.message);
    ck_assert_int_eq(ism_stmt_columns(s), 6);
    ism_stmt_finalize(s);
    /* A statement PostgreSQL refuses to prepare reports its own error, not the aborted
     * transaction's. */
    s = ism_db_prepare(db, "SELECT nope FROM t WHERE k = ?1", &e);
    ism_stmt_bind_text(s, 1, "a");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ERROR);
    ck_assert_msg(strstr(e.message, "nope") != NULL, "%s", e.message);
    ism_stmt_finalize(s);
    ism_error_clear(&e);
    ism_store_write_rollback(st);
}
END_TEST

/* Statements on conn whose SQL contains needle (all with NULL); with busy, only those still
 * running (holding a read transaction). */
static int sqlite_stmts(ism_db *db, const char *needle, bool busy)
{
    sqlite3 *conn = ism_db_sqlite_handle(db);
    int n = 0;
    for (sqlite3_stmt *p = sqlite3_next_stmt(conn, NULL); p; p = sqlite3_next_stmt(conn, p))
        if ((!needle || strstr(sqlite3_sql(p), needle)) && (!busy || sqlite3_stmt_busy(p))) n++;
    return n;
}

/* SQLite: a statement run again on a connection is compiled once there (a bounded cache per
 * connection); one finalized mid-way keeps no read transaction and no bound value; the same
 * text in use twice at once gets two statements; a table changed under a cached `SELECT *` is
 * seen at the next run. */
START_TEST(sqlite_statements_compiled_once_per_connection)
{
    ism_error e = {0};
    ism_db *db = ism_store_writer(st, &e);
    ck_assert_msg(db != NULL, "%s", e.message);
    if (ism_db_kind(db) != ISM_DB_SQLITE) {
        ism_store_write_rollback(st);
        return;
    }
    put(db, "a", 1);
    put(db, "b", 2);
    ck_assert(ism_store_write_commit(st, &e));
    db = ism_store_reader(st);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(n_of(db, "a"), 1);
        ck_assert_int_eq(n_of(db, "b"), 2);
    }
    ck_assert_int_eq(sqlite_stmts(db, "prep-marker", false), 1);
    /* Finalized after the first of two rows: nothing left running. */
    ism_stmt *s = ism_db_prepare(db, "SELECT k FROM t ORDER BY k", &e);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ck_assert_int_eq(sqlite_stmts(db, NULL, true), 1);
    ism_stmt_finalize(s);
    ck_assert_int_eq(sqlite_stmts(db, NULL, true), 0);
    /* The same text twice at once: each iterates its own rows. */
    ism_stmt *s1 = ism_db_prepare(db, "SELECT k FROM t ORDER BY k", &e);
    ism_stmt *s2 = ism_db_prepare(db, "SELECT k FROM t ORDER BY k", &e);
    ck_assert_ptr_nonnull(s1);
    ck_assert_ptr_nonnull(s2);
    ck_assert_ptr_ne(s1, s2);
    ck_assert_int_eq(ism_stmt_step(s1, &e), ISM_DB_ROW);
    ck_assert_int_eq(ism_stmt_step(s1, &e), ISM_DB_ROW);
    ck_assert_str_eq(ism_stmt_text(s1, 0), "b");
    ck_assert_int_eq(ism_stmt_step(s2, &e), ISM_DB_ROW);
    ck_assert_str_eq(ism_stmt_text(s2, 0), "a");
    ism_stmt_finalize(s2);
    ism_stmt_finalize(s1);
    /* A value bound last time is not bound next time. */
    s = ism_db_prepare(db, "SELECT n FROM t WHERE k = ?1", &e);
    ism_stmt_bind_text(s, 1, "a");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ism_stmt_finalize(s);
    s = ism_db_prepare(db, "SELECT n FROM t WHERE k = ?1", &e);
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_DONE);
    ism_stmt_finalize(s);
    /* Hundreds of distinct texts: a bounded number kept, each answering its own. */
    for (int i = 0; i < 300; i++) {
        char *sql = ism_strdupf("SELECT n + %d FROM t WHERE k = ?1", i);
        s = ism_db_prepare(db, sql, &e);
        ck_assert_msg(s != NULL, "%s", e.message);
        ism_stmt_bind_text(s, 1, "a");
        ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
        ck_assert_int_eq(ism_stmt_int64(s, 0), 1 + i);
        ism_stmt_finalize(s);
        free(sql);
    }
    ck_assert_int_le(sqlite_stmts(db, NULL, false), 64);
    ck_assert_int_ge(sqlite_stmts(db, NULL, false), 1);
    s = ism_db_prepare(db, "SELECT * FROM t WHERE k = ?1", &e);
    ism_stmt_bind_text(s, 1, "a");
    ck_assert_int_eq(ism_stmt_step(s, &e), ISM_DB_ROW);
    ck_assert_int_eq(ism_stmt_columns(s), 5);
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    db = ism_store_writer(st, &e);
    ck_assert_msg(ism_db_exec(db, "ALTER TABLE t ADD COLUMN z TEXT", &e), "%s", e.message);
    ck_assert(ism_store_write_commit(st, &e));
    /* The store hands out readers in turn: each gets the cached statement run once more. */
    for (int i = 0; i < 16; i++) {
        db = ism_store_reader(st);
        s = ism_db_prepare(db, "SELECT * FROM t WHERE k = ?1", &e);
        ism_stmt_bind_text(s, 1, "a");
        ck_assert_msg(ism_stmt_step(s, &e) == ISM_DB_ROW, "%s", e.message);
        ck_assert_int_eq(ism_stmt_columns(s), 6);
        ism_stmt_finalize(s);
        ism_store_reader_end(st, db);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("db");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, types_round_trip);
    tcase_add_test(tc, upsert_changes_returning_and_reuse);
    tcase_add_test(tc, json_field_and_select);
    tcase_add_test(tc, placeholders_outside_quotes_only);
    tcase_add_test(tc, unique_violation_is_a_conflict);
    tcase_add_test(tc, notifications);
    tcase_add_test(tc, rows_helpers);
    tcase_add_test(tc, statements_prepared_once_per_connection);
    tcase_add_test(tc, sqlite_statements_compiled_once_per_connection);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
