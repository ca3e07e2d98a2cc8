/* benchmark_store.c — the answers of the IPA 情報セキュリティ対策ベンチマーク self-assessment
 * (catalog ipa-benchmark: 27 questions, each 1–5), per assessment or per subject, in a table of
 * their own (schema component "benchmark", migrations below, append only). One row per target
 * and question: answering again replaces the value and keeps who answered and when. The
 * questions and the scale are checked by the caller against the catalog
 * (ism_report_benchmark_check); the table itself refuses values outside 1–5. */
#include "ismap/matrix.h"
#include "ismap/store.h"

#include <sqlite3.h>
#include <string.h>

static const char *const migrations[] = {
    "CREATE TABLE benchmark_answers(kind TEXT NOT NULL CHECK(kind IN ('assessment','subject')),"
    "  target TEXT NOT NULL, question TEXT NOT NULL,"
    "  value INTEGER NOT NULL CHECK(value BETWEEN 1 AND 5), note TEXT,"
    "  answered_by TEXT NOT NULL, answered_at TEXT NOT NULL,"
    "  PRIMARY KEY(kind, target, question));",
};
static const ism_store_schema schema = {"benchmark", migrations,
                                        (int)(sizeof migrations / sizeof migrations[0]), NULL};

const ism_store_schema *ism_benchmark_schema(void)
{
    return &schema;
}

bool ism_benchmark_save(ism_store *st, const char *kind, const char *target, const json_t *answers,
                        const char *who, const char *at, ism_error *err)
{
    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return false;
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_prepare_v2(db,
                                 "INSERT INTO benchmark_answers VALUES(?,?,?,?,?,?,?) "
                                 "ON CONFLICT(kind, target, question) DO UPDATE SET "
                                 "value=excluded.value, note=excluded.note, "
                                 "answered_by=excluded.answered_by, "
                                 "answered_at=excluded.answered_at",
                                 -1, &s, NULL) == SQLITE_OK;
    size_t i;
    json_t *a;
    json_array_foreach(answers, i, a)
    {
        if (!ok) break;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, target, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, ism_json_getstr(a, "question"), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, json_integer_value(json_object_get(a, "value")));
        const char *note = ism_json_getstr(a, "note");
        if (note)
            sqlite3_bind_text(s, 5, note, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 5);
        sqlite3_bind_text(s, 6, who, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, at, -1, SQLITE_STATIC);
        ok = sqlite3_step(s) == SQLITE_DONE;
    }
    if (!ok) {
        ism_store_sql_error(db, err, "saving benchmark answers");
        sqlite3_finalize(s);
        ism_store_write_rollback(st);
        return false;
    }
    sqlite3_finalize(s);
    return ism_store_write_commit(st, err);
}

json_t *ism_benchmark_answers(ism_store *st, const char *kind, const char *target, ism_error *err)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    json_t *out = json_object();
    bool ok = sqlite3_prepare_v2(db,
                                 "SELECT question, value, note, answered_by, answered_at FROM "
                                 "benchmark_answers WHERE kind=? AND target=? ORDER BY question",
                                 -1, &s, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, target, -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            json_object_set_new(
                out, (const char *)sqlite3_column_text(s, 0),
                json_pack("{s:I, s:o, s:o, s:o}", "value", (json_int_t)sqlite3_column_int64(s, 1),
                          "note", ism_store_col_text(s, 2), "answered_by", ism_store_col_text(s, 3),
                          "answered_at", ism_store_col_text(s, 4)));
        ok = rc == SQLITE_DONE;
    }
    if (!ok) {
        ism_store_sql_error(db, err, "reading benchmark answers");
        json_decref(out);
        out = NULL;
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return out;
}
