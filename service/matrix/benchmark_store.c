/* benchmark_store.c — the answers of the IPA 情報セキュリティ対策ベンチマーク self-assessment
 * (catalog ipa-benchmark: 27 questions, each 1–5), per assessment or per subject, in a table of
 * their own (schema component "benchmark", migrations below, append only). One row per target
 * and question: answering again replaces the value and keeps who answered and when. The
 * questions and the scale are checked by the caller against the catalog
 * (ism_report_benchmark_check); the table itself refuses values outside 1–5. */
#include "ismap/matrix.h"
#include "ismap/store.h"

#include <string.h>

static const char *const migrations[] = {
    "CREATE TABLE benchmark_answers(kind TEXT NOT NULL CHECK(kind IN ('assessment','subject')),"
    "  target TEXT NOT NULL, question TEXT NOT NULL,"
    "  value INTEGER NOT NULL CHECK(value BETWEEN 1 AND 5), note TEXT,"
    "  answered_by TEXT NOT NULL, answered_at TEXT NOT NULL,"
    "  PRIMARY KEY(kind, target, question));",
};
/* The same for PostgreSQL, index for index. */
static const char *const pg_migrations[] = {
    "CREATE TABLE benchmark_answers(kind TEXT NOT NULL CHECK(kind IN ('assessment','subject')),"
    "  target TEXT NOT NULL, question TEXT NOT NULL,"
    "  value BIGINT NOT NULL CHECK(value BETWEEN 1 AND 5), note TEXT,"
    "  answered_by TEXT NOT NULL, answered_at TEXT NOT NULL,"
    "  PRIMARY KEY(kind, target, question));",
};
_Static_assert(sizeof migrations == sizeof pg_migrations,
               "one PostgreSQL migration per SQLite one");
static const ism_store_schema schema = {
    "benchmark", migrations, (int)(sizeof migrations / sizeof migrations[0]), pg_migrations};

const ism_store_schema *ism_benchmark_schema(void)
{
    return &schema;
}

bool ism_benchmark_save(ism_store *st, const char *kind, const char *target, const json_t *answers,
                        const char *who, const char *at, ism_error *err)
{
    ism_db *db = ism_store_writer(st, err);
    if (!db) return false;
    ism_error e = {0};
    ism_stmt *s = ism_db_prepare(db,
                                 "INSERT INTO benchmark_answers(kind,target,question,value,note,"
                                 "answered_by,answered_at) VALUES(?,?,?,?,?,?,?) "
                                 "ON CONFLICT(kind, target, question) DO UPDATE SET "
                                 "value=excluded.value, note=excluded.note, "
                                 "answered_by=excluded.answered_by, "
                                 "answered_at=excluded.answered_at",
                                 &e);
    bool ok = s != NULL;
    if (ok) {
        ism_stmt_bind_text(s, 1, kind);
        ism_stmt_bind_text(s, 2, target);
        ism_stmt_bind_text(s, 6, who);
        ism_stmt_bind_text(s, 7, at);
    }
    size_t i;
    json_t *a;
    json_array_foreach(answers, i, a)
    {
        if (!ok) break;
        ism_stmt_reset(s); /* bindings are kept: only the answer's own are bound again */
        ism_stmt_bind_text(s, 3, ism_json_getstr(a, "question"));
        ism_stmt_bind_int64(s, 4, json_integer_value(json_object_get(a, "value")));
        ism_stmt_bind_text(s, 5, ism_json_getstr(a, "note")); /* NULL binds NULL */
        ok = ism_stmt_step(s, &e) == ISM_DB_DONE;
    }
    ism_stmt_finalize(s);
    if (!ok) {
        ism_error_set(err, e.code, "saving benchmark answers: %s", e.message);
        ism_error_clear(&e);
        ism_store_write_rollback(st);
        return false;
    }
    return ism_store_write_commit(st, err);
}

static json_t *answer_row(ism_stmt *s)
{
    return json_pack("[o, {s:I, s:o, s:o, s:o}]", ism_stmt_json_text(s, 0), "value",
                     (json_int_t)ism_stmt_int64(s, 1), "note", ism_stmt_json_text(s, 2),
                     "answered_by", ism_stmt_json_text(s, 3), "answered_at",
                     ism_stmt_json_text(s, 4));
}

json_t *ism_benchmark_answers(ism_store *st, const char *kind, const char *target, ism_error *err)
{
    const char *args[] = {kind, target};
    ism_error e = {0};
    json_t *rows = ism_store_select(st,
                                    "SELECT question, value, note, answered_by, answered_at FROM "
                                    "benchmark_answers WHERE kind=?1 AND target=?2 ORDER BY "
                                    "question",
                                    args, 2, answer_row, &e);
    if (!rows) {
        ism_error_set(err, e.code, "reading benchmark answers: %s", e.message);
        ism_error_clear(&e);
        return NULL;
    }
    json_t *out = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        json_object_set(out, json_string_value(json_array_get(r, 0)), json_array_get(r, 1));
    json_decref(rows);
    return out;
}
