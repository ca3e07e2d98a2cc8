/* helpers.c — small helpers for the rooms that keep their tables in the store: JSON columns,
 * one-statement writes and row queries, so each room does not write them again. */
#include "ismap/store.h"

json_t *ism_store_col_text(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL
               ? json_null()
               : json_string((const char *)sqlite3_column_text(s, i));
}

json_t *ism_store_col_json(sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_NULL) return json_null();
    const char *t = (const char *)sqlite3_column_text(s, i);
    json_t *v = json_loads(t, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(t);
}

bool ism_store_write(ism_store *st, const char *sql, const char *const *args, int n, int *changed,
                     ism_error *err)
{
    ism_db *db = ism_store_writer(st, err);
    if (!db) return false;
    ism_stmt *s = ism_db_prepare(db, sql, err);
    bool ok = s != NULL;
    for (int i = 0; ok && i < n; i++)
        ism_stmt_bind_text(s, i + 1, args[i]);
    if (ok) ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    if (ok && changed) *changed = (int)ism_stmt_changes(s);
    ism_stmt_finalize(s);
    if (!ok) {
        ism_store_write_rollback(st);
        return false;
    }
    return ism_store_write_commit(st, err);
}

json_t *ism_store_rows(ism_store *st, const char *sql, const char *const *args, int n,
                       ism_store_row_fn fn, ism_error *err)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    json_t *arr = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        for (int i = 0; i < n; i++)
            sqlite3_bind_text(s, i + 1, args[i], -1, SQLITE_STATIC);
        arr = json_array();
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            json_array_append_new(arr, fn(s));
        if (rc != SQLITE_DONE) {
            ism_store_sql_error(db, err, "query");
            json_decref(arr);
            arr = NULL;
        }
    } else {
        ism_store_sql_error(db, err, "query");
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return arr;
}

json_t *ism_store_select(ism_store *st, const char *sql, const char *const *args, int n,
                         ism_store_stmt_fn fn, ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    json_t *arr = NULL;
    ism_stmt *s = ism_db_prepare(db, sql, err);
    if (s) {
        for (int i = 0; i < n; i++)
            ism_stmt_bind_text(s, i + 1, args[i]);
        arr = json_array();
        int rc;
        while ((rc = ism_stmt_step(s, err)) == ISM_DB_ROW)
            json_array_append_new(arr, fn(s));
        if (rc != ISM_DB_DONE) {
            json_decref(arr);
            arr = NULL;
        }
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return arr;
}
