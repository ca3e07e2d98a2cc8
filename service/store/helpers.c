/* helpers.c — small helpers for the rooms that keep their tables in the store: one-statement
 * writes and row queries, so each room does not write them again. */
#include "ismap/store.h"

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

json_t *ism_store_select(ism_store *st, const char *sql, const char *const *args, int n,
                         ism_store_stmt_fn fn, ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    json_t *arr = NULL;
    ism_stmt *s = ism_db_prepare(db, sql, err);
    if (s) {
        for (int i = 0; i < n; i++)
            ism_stmt_bind_text(s, i + 1, args[i]);
        arr = ism_stmt_json_rows(s, fn, err);
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return arr;
}
