/* views.c — the shared views of the checks (checks/<provider>/views/NAME.json), created as
 * TEMP views on a snapshot's connection: the temp schema is writable even on a read-only,
 * sealed snapshot, so the file itself is never touched. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static bool view_error(const eval_view *v, sqlite3 *db, const char *what, ism_error *err)
{
    ism_error_set(err, ISM_E_INVALID_DATA, "%s: field 'query': %s: %s", v->file, what,
                  sqlite3_errmsg(db));
    ism_error_detail(err, json_pack("{s:s, s:s}", "file", v->file, "field", "query"));
    return false;
}

static bool create_one(const eval_view *v, sqlite3 *db, bool probe, ism_error *err)
{
    char *sql = ism_strdupf("DROP VIEW IF EXISTS temp.%s; CREATE TEMP VIEW %s AS %s", v->name,
                            v->name, v->query);
    bool ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    free(sql);
    if (!ok) return view_error(v, db, "cannot create the view", err);
    /* CREATE VIEW checks little; compiling a SELECT from it resolves every name. */
    sqlite3_stmt *st = NULL;
    sql = ism_strdupf("SELECT * FROM temp.%s", v->name);
    ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    free(sql);
    int rc = SQLITE_DONE;
    while (ok && probe && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (ok && rc != SQLITE_DONE) ok = false;
    if (!ok) view_error(v, db, "the view does not work", err);
    sqlite3_finalize(st);
    return ok;
}

bool eval_views_create(const ism_eval_checks *cs, sqlite3 *db, bool probe, ism_error *err)
{
    for (size_t i = 0; i < cs->nviews; i++)
        if (!create_one(&cs->views[i], db, probe, err)) return false;
    return true;
}

void eval_views_drop(const ism_eval_checks *cs, sqlite3 *db)
{
    for (size_t i = cs->nviews; i-- > 0;) {
        char *sql = ism_strdupf("DROP VIEW IF EXISTS temp.%s", cs->views[i].name);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
        free(sql);
    }
}
