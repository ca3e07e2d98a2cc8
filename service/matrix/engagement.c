/* engagement.c — the auditor's engagement in the store: the 監査実施計画書 (plan: editable until
 * approved, every version kept), the 監査調書 (working papers: append-only, one version per
 * change), the 監査報告書's draft and its issued, signed body, and the 改善計画 of each 改善勧告
 * (follow-up). Tables live in their own schema component, "engagement". */
#include "ismap/matrix.h"
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
    "CREATE TABLE plans(assessment TEXT PRIMARY KEY, state TEXT NOT NULL DEFAULT 'draft',"
    "  version INTEGER NOT NULL, plan TEXT NOT NULL, updated TEXT NOT NULL, updated_by TEXT,"
    "  approved TEXT, approved_by TEXT);"
    "CREATE TABLE plan_history(assessment TEXT NOT NULL, version INTEGER NOT NULL,"
    "  action TEXT NOT NULL, plan TEXT NOT NULL, at TEXT NOT NULL, by TEXT,"
    "  PRIMARY KEY(assessment, version, action));"
    "CREATE TABLE workpapers(id TEXT PRIMARY KEY, assessment TEXT NOT NULL,"
    "  catalog TEXT NOT NULL, item TEXT NOT NULL, version INTEGER NOT NULL, paper TEXT NOT NULL,"
    "  by TEXT, at TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  UNIQUE(assessment, catalog, item, version));"
    "CREATE TABLE audit_reports(assessment TEXT PRIMARY KEY, state TEXT NOT NULL DEFAULT 'draft',"
    "  version INTEGER NOT NULL, draft TEXT NOT NULL, updated TEXT NOT NULL, updated_by TEXT,"
    "  issued TEXT, issued_by TEXT, body TEXT, sha256 TEXT, signature TEXT);"
    "CREATE TABLE remediation(assessment TEXT NOT NULL, rec TEXT NOT NULL, owner TEXT,"
    "  due TEXT, status TEXT NOT NULL, note TEXT, updated TEXT NOT NULL, updated_by TEXT,"
    "  PRIMARY KEY(assessment, rec));",
};
/* The same for PostgreSQL, index for index. */
static const char *const pg_migrations[] = {
    "CREATE TABLE plans(assessment TEXT PRIMARY KEY, state TEXT NOT NULL DEFAULT 'draft',"
    "  version BIGINT NOT NULL, plan TEXT NOT NULL, updated TEXT NOT NULL, updated_by TEXT,"
    "  approved TEXT, approved_by TEXT);"
    "CREATE TABLE plan_history(assessment TEXT NOT NULL, version BIGINT NOT NULL,"
    "  action TEXT NOT NULL, plan TEXT NOT NULL, at TEXT NOT NULL, by TEXT,"
    "  PRIMARY KEY(assessment, version, action));"
    "CREATE TABLE workpapers(id TEXT PRIMARY KEY, assessment TEXT NOT NULL,"
    "  catalog TEXT NOT NULL, item TEXT NOT NULL, version BIGINT NOT NULL, paper TEXT NOT NULL,"
    "  by TEXT, at TEXT NOT NULL, seq BIGINT NOT NULL,"
    "  UNIQUE(assessment, catalog, item, version));"
    "CREATE TABLE audit_reports(assessment TEXT PRIMARY KEY, state TEXT NOT NULL DEFAULT 'draft',"
    "  version BIGINT NOT NULL, draft TEXT NOT NULL, updated TEXT NOT NULL, updated_by TEXT,"
    "  issued TEXT, issued_by TEXT, body TEXT, sha256 TEXT, signature TEXT);"
    "CREATE TABLE remediation(assessment TEXT NOT NULL, rec TEXT NOT NULL, owner TEXT,"
    "  due TEXT, status TEXT NOT NULL, note TEXT, updated TEXT NOT NULL, updated_by TEXT,"
    "  PRIMARY KEY(assessment, rec));",
};
_Static_assert(sizeof migrations == sizeof pg_migrations,
               "one PostgreSQL migration per SQLite one");
static const ism_store_schema schema = {
    "engagement", migrations, (int)(sizeof migrations / sizeof migrations[0]), pg_migrations};

const ism_store_schema *ism_engagement_schema(void)
{
    return &schema;
}

static char *dumps(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

/* One write transaction of several statements. The first statement is the guarded one: when
 * it changes no row, nothing is written and *changed is 0. */
typedef struct tx_stmt {
    const char *sql;
    const char *const *args;
    int n;
} tx_stmt;

static bool tx_run(ism_store *st, const tx_stmt *s, int n, int *changed, ism_error *err)
{
    ism_db *db = ism_store_writer(st, err);
    if (!db) return false;
    bool ok = true;
    *changed = 0;
    ism_error e = {0};
    for (int k = 0; ok && k < n; k++) {
        ism_stmt *q = ism_db_prepare(db, s[k].sql, &e);
        ok = q != NULL;
        for (int i = 0; ok && i < s[k].n; i++)
            ism_stmt_bind_text(q, i + 1, s[k].args[i]);
        if (ok) ok = ism_stmt_step(q, &e) == ISM_DB_DONE;
        if (ok && k == 0) *changed = (int)ism_stmt_changes(q);
        ism_stmt_finalize(q);
        if (ok && k == 0 && !*changed) break;
    }
    if (!ok) {
        ism_error_set(err, e.code, "engagement write: %s", e.message);
        ism_error_clear(&e);
    }
    if (!ok || !*changed) {
        ism_store_write_rollback(st);
        return ok;
    }
    return ism_store_write_commit(st, err);
}

static json_t *first(json_t *arr)
{
    json_t *o = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return o;
}

/* ---- the plan -------------------------------------------------------------------------------- */

static json_t *plan_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "assessment",
                     ism_stmt_json_text(s, 0), "state", ism_stmt_json_text(s, 1), "version",
                     (json_int_t)ism_stmt_int64(s, 2), "plan", ism_stmt_json(s, 3), "updated",
                     ism_stmt_json_text(s, 4), "updated_by", ism_stmt_json_text(s, 5), "approved",
                     ism_stmt_json_text(s, 6), "approved_by", ism_stmt_json_text(s, 7));
}

#define P_COLS "assessment,state,version,plan,updated,updated_by,approved,approved_by"

json_t *ism_plan_get(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    json_t *arr = ism_store_select(st, "SELECT " P_COLS " FROM plans WHERE assessment=?1", args, 1,
                                   plan_row, err);
    if (!arr) return NULL;
    json_t *o = first(arr);
    if (!o)
        o = json_pack("{s:s, s:s, s:i, s:{}, s:n, s:n, s:n, s:n}", "assessment", assessment,
                      "state", "draft", "version", 0, "plan", "updated", "updated_by", "approved",
                      "approved_by");
    return o;
}

static json_t *state_row(ism_stmt *s)
{
    return json_pack("{s:o, s:I}", "state", ism_stmt_json_text(s, 0), "version",
                     (json_int_t)ism_stmt_int64(s, 1));
}

/* Why a guarded write changed nothing: approved/issued, or another version. */
static bool refused(ism_store *st, const char *table, const char *assessment, long expect,
                    const char *what, const char *frozen, ism_error *err)
{
    char *sql = ism_strdupf("SELECT state, version FROM %s WHERE assessment=?1", table);
    const char *args[] = {assessment};
    json_t *row = first(ism_store_select(st, sql, args, 1, state_row, err));
    free(sql);
    const char *state = ism_json_getstr(row, "state");
    json_int_t ver = json_integer_value(json_object_get(row, "version"));
    bool ok;
    if (state && strcmp(state, "draft"))
        ok = ism_error_set(err, ISM_E_CONFLICT,
                           "the %s of assessment %s is %s and can no longer be changed", what,
                           assessment, frozen);
    else
        ok = ism_error_set(err, ISM_E_CONFLICT,
                           "the %s of assessment %s is at version %lld, not %ld: someone changed "
                           "it meanwhile; read it again",
                           what, assessment, (long long)ver, expect);
    json_decref(row);
    return ok;
}

json_t *ism_plan_put(ism_store *st, const char *assessment, const json_t *plan, long expect,
                     const char *who, ism_error *err)
{
    char now[32], exp[32];
    ism_now_iso(now);
    snprintf(exp, sizeof exp, "%ld", expect);
    char *text = dumps(plan);
    const char *a1[] = {assessment, text, now, who, exp};
    const char *a2[] = {assessment, now, who};
    tx_stmt s[] = {
        {"INSERT INTO plans(assessment,state,version,plan,updated,updated_by) "
         "SELECT ?1,'draft',1,?2,?3,?4 WHERE CAST(?5 AS INTEGER) IN (-1,0) OR EXISTS "
         "(SELECT 1 FROM plans WHERE assessment=?1) "
         "ON CONFLICT(assessment) DO UPDATE SET plan=excluded.plan, version=plans.version+1, "
         "updated=excluded.updated, updated_by=excluded.updated_by "
         "WHERE plans.state='draft' AND CAST(?5 AS INTEGER) IN (-1, plans.version)",
         a1, 5},
        {"INSERT INTO plan_history(assessment,version,action,plan,at,by) SELECT assessment, "
         "version, 'update', plan, ?2, ?3 FROM plans "
         "WHERE assessment=?1",
         a2, 3},
    };
    int changed = 0;
    bool ok = tx_run(st, s, 2, &changed, err);
    free(text);
    if (!ok) return NULL;
    /* An insert guarded by "expect 0" on an existing row falls through to the update, which
     * then checks the version; a fresh row with expect > 0 inserts nothing. */
    if (!changed) {
        refused(st, "plans", assessment, expect, "plan", "approved", err);
        return NULL;
    }
    return ism_plan_get(st, assessment, err);
}

json_t *ism_plan_approve(ism_store *st, const char *assessment, const char *who, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    const char *a1[] = {assessment, now, who};
    tx_stmt s[] = {
        {"UPDATE plans SET state='approved', approved=?2, approved_by=?3 WHERE assessment=?1 "
         "AND state='draft'",
         a1, 3},
        {"INSERT INTO plan_history(assessment,version,action,plan,at,by) SELECT assessment, "
         "version, 'approve', plan, ?2, ?3 FROM plans "
         "WHERE assessment=?1",
         a1, 3},
    };
    int changed = 0;
    if (!tx_run(st, s, 2, &changed, err)) return NULL;
    if (!changed) {
        json_t *p = ism_plan_get(st, assessment, err);
        if (p && json_integer_value(json_object_get(p, "version")) == 0)
            ism_error_set(err, ISM_E_CONFLICT,
                          "assessment %s has no plan yet: write it (plan.update) before "
                          "approving it",
                          assessment);
        else if (p)
            ism_error_set(err, ISM_E_CONFLICT, "the plan of assessment %s is already approved",
                          assessment);
        json_decref(p);
        return NULL;
    }
    return ism_plan_get(st, assessment, err);
}

static json_t *hist_row(ism_stmt *s)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o}", "version", (json_int_t)ism_stmt_int64(s, 0),
                     "action", ism_stmt_json_text(s, 1), "plan", ism_stmt_json(s, 2), "at",
                     ism_stmt_json_text(s, 3), "by", ism_stmt_json_text(s, 4));
}

json_t *ism_plan_history(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    return ism_store_select(
        st,
        "SELECT version, action, plan, at, by FROM plan_history WHERE "
        "assessment=?1 ORDER BY version DESC, CASE action WHEN 'approve' THEN 1 ELSE 0 END "
        "DESC",
        args, 1, hist_row, err);
}

/* ---- working papers -------------------------------------------------------------------------- */

#define W_COLS "id,assessment,catalog,item,version,paper,by,at"

static json_t *paper_row(ism_stmt *s)
{
    json_t *p = ism_stmt_json(s, 5);
    if (!json_is_object(p)) {
        json_decref(p);
        p = json_object();
    }
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:I}", "id", ism_stmt_json_text(s, 0), "assessment",
                          ism_stmt_json_text(s, 1), "catalog", ism_stmt_json_text(s, 2), "item",
                          ism_stmt_json_text(s, 3), "version", (json_int_t)ism_stmt_int64(s, 4));
    json_object_update(o, p);
    json_object_set_new(o, "by", ism_stmt_json_text(s, 6));
    json_object_set_new(o, "at", ism_stmt_json_text(s, 7));
    json_decref(p);
    return o;
}

json_t *ism_workpaper_add(ism_store *st, const char *assessment, const char *catalog,
                          const char *item, const json_t *paper, const char *who, ism_error *err)
{
    char id[64], now[32];
    ism_new_id("wp", id);
    ism_now_iso(now);
    char *text = dumps(paper);
    const char *a1[] = {id, assessment, catalog, item, text, who, now};
    tx_stmt s[] = {{"INSERT INTO workpapers(id,assessment,catalog,item,version,paper,by,at,seq) "
                    "VALUES(?1,?2,?3,?4,(SELECT COALESCE(MAX(version),0)+1 FROM workpapers WHERE "
                    "assessment=?2 AND catalog=?3 AND item=?4),?5,?6,?7,"
                    "(SELECT COALESCE(MAX(seq),0)+1 FROM workpapers))",
                    a1, 7}};
    int changed = 0;
    bool ok = tx_run(st, s, 1, &changed, err);
    free(text);
    if (!ok) return NULL;
    const char *a2[] = {id};
    return first(ism_store_select(st, "SELECT " W_COLS " FROM workpapers WHERE id=?1", a2, 1,
                                  paper_row, err));
}

json_t *ism_workpaper_latest(ism_store *st, const char *assessment, const char *catalog,
                             const char *item, ism_error *err)
{
    const char *args[] = {assessment, catalog, item};
    json_t *arr = ism_store_select(st,
                                   "SELECT " W_COLS " FROM workpapers WHERE assessment=?1 AND "
                                   "catalog=?2 AND item=?3 ORDER BY version DESC LIMIT 1",
                                   args, 3, paper_row, err);
    if (!arr) return NULL;
    json_t *o = first(arr);
    if (!o)
        ism_error_set(err, ISM_E_NOT_FOUND, "assessment %s has no working paper for %s %s",
                      assessment, catalog, item);
    return o;
}

json_t *ism_workpaper_list(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    return ism_store_select(
        st,
        "SELECT " W_COLS " FROM workpapers w WHERE assessment=?1 AND version="
        "(SELECT MAX(version) FROM workpapers x WHERE x.assessment=w.assessment "
        "AND x.catalog=w.catalog AND x.item=w.item) ORDER BY seq",
        args, 1, paper_row, err);
}

json_t *ism_workpaper_history(ism_store *st, const char *assessment, const char *catalog,
                              const char *item, ism_error *err)
{
    const char *args[] = {assessment, catalog, item};
    return ism_store_select(st,
                            "SELECT " W_COLS " FROM workpapers WHERE assessment=?1 AND catalog=?2 "
                            "AND item=?3 ORDER BY version DESC",
                            args, 3, paper_row, err);
}

/* ---- the report: draft, then issued ------------------------------------------------------------
 */

#define R_COLS "assessment,state,version,draft,updated,updated_by,issued,issued_by,sha256,signature"

static json_t *report_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "assessment",
                     ism_stmt_json_text(s, 0), "state", ism_stmt_json_text(s, 1), "version",
                     (json_int_t)ism_stmt_int64(s, 2), "draft", ism_stmt_json(s, 3), "updated",
                     ism_stmt_json_text(s, 4), "updated_by", ism_stmt_json_text(s, 5), "issued",
                     ism_stmt_json_text(s, 6), "issued_by", ism_stmt_json_text(s, 7), "sha256",
                     ism_stmt_json_text(s, 8), "signature", ism_stmt_json_text(s, 9));
}

json_t *ism_engagement_report_get(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    json_t *arr = ism_store_select(st, "SELECT " R_COLS " FROM audit_reports WHERE assessment=?1",
                                   args, 1, report_row, err);
    if (!arr) return NULL;
    json_t *o = first(arr);
    if (!o)
        o = json_pack("{s:s, s:s, s:i, s:{}, s:n, s:n, s:n, s:n, s:n, s:n}", "assessment",
                      assessment, "state", "draft", "version", 0, "draft", "updated", "updated_by",
                      "issued", "issued_by", "sha256", "signature");
    return o;
}

json_t *ism_engagement_report_put(ism_store *st, const char *assessment, const json_t *draft,
                                  long expect, const char *who, ism_error *err)
{
    char now[32], exp[32];
    ism_now_iso(now);
    snprintf(exp, sizeof exp, "%ld", expect);
    char *text = dumps(draft);
    const char *a1[] = {assessment, text, now, who, exp};
    tx_stmt s[] = {
        {"INSERT INTO audit_reports(assessment,state,version,draft,updated,updated_by) "
         "SELECT ?1,'draft',1,?2,?3,?4 WHERE CAST(?5 AS INTEGER) IN (-1,0) OR EXISTS "
         "(SELECT 1 FROM audit_reports WHERE assessment=?1) "
         "ON CONFLICT(assessment) DO UPDATE SET draft=excluded.draft, "
         "version=audit_reports.version+1, updated=excluded.updated, "
         "updated_by=excluded.updated_by WHERE audit_reports.state='draft' AND "
         "CAST(?5 AS INTEGER) IN (-1, audit_reports.version)",
         a1, 5},
    };
    int changed = 0;
    bool ok = tx_run(st, s, 1, &changed, err);
    free(text);
    if (!ok) return NULL;
    if (!changed) {
        refused(st, "audit_reports", assessment, expect, "report", "issued", err);
        return NULL;
    }
    return ism_engagement_report_get(st, assessment, err);
}

json_t *ism_engagement_report_issue(ism_store *st, const char *assessment, const json_t *draft,
                                    const char *body, const char *sha256, const char *signature,
                                    const char *issued, const char *who, ism_error *err)
{
    char *text = dumps(draft);
    const char *a1[] = {assessment, text, issued, who, body, sha256, signature};
    tx_stmt s[] = {
        {"INSERT INTO audit_reports(assessment,state,version,draft,updated,updated_by,issued,"
         "issued_by,body,sha256,signature) VALUES(?1,'issued',1,?2,?3,?4,?3,?4,?5,?6,?7) "
         "ON CONFLICT(assessment) DO UPDATE SET state='issued', draft=excluded.draft, "
         "issued=excluded.issued, issued_by=excluded.issued_by, body=excluded.body, "
         "sha256=excluded.sha256, signature=excluded.signature "
         "WHERE audit_reports.state='draft'",
         a1, 7},
    };
    int changed = 0;
    bool ok = tx_run(st, s, 1, &changed, err);
    free(text);
    if (!ok) return NULL;
    if (!changed) {
        ism_error_set(err, ISM_E_CONFLICT, "the report of assessment %s is already issued",
                      assessment);
        return NULL;
    }
    return ism_engagement_report_get(st, assessment, err);
}

static json_t *text_row(ism_stmt *s)
{
    return ism_stmt_json_text(s, 0);
}

char *ism_engagement_report_body(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    json_t *v = first(ism_store_select(
        st, "SELECT body FROM audit_reports WHERE assessment=?1 AND state='issued'", args, 1,
        text_row, err));
    char *out = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    if (!out && !err->code)
        ism_error_set(err, ISM_E_NOT_FOUND, "the report of assessment %s is not issued",
                      assessment);
    json_decref(v);
    return out;
}

/* ---- follow-up: the assessment before, and the 改善計画 of its 改善勧告 ------------------------
 */

static json_t *id_row(ism_stmt *s)
{
    return json_pack("{s:o, s:i}", "id", ism_stmt_json_text(s, 0), "issued", ism_stmt_int(s, 1));
}

char *ism_assessment_previous(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    /* The newest earlier assessment of the same subject and organization; one whose report
     * was issued is preferred over a newer one without. */
    json_t *arr = ism_store_select(
        st,
        "SELECT p.id, CASE WHEN EXISTS(SELECT 1 FROM audit_reports r WHERE r.assessment=p.id "
        "AND r.state='issued') THEN 1 ELSE 0 END AS iss FROM assessments p, assessments a "
        "WHERE a.id=?1 AND "
        "p.subject=a.subject AND p.org=a.org AND p.seq<a.seq ORDER BY iss DESC, p.seq DESC "
        "LIMIT 1",
        args, 1, id_row, err);
    if (!arr) return NULL;
    const char *id = ism_json_getstr(json_array_get(arr, 0), "id");
    char *out = id ? strdup(id) : NULL;
    json_decref(arr);
    return out;
}

static json_t *rem_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "rec", ism_stmt_json_text(s, 0),
                     "owner", ism_stmt_json_text(s, 1), "due", ism_stmt_json_text(s, 2), "status",
                     ism_stmt_json_text(s, 3), "note", ism_stmt_json_text(s, 4), "updated",
                     ism_stmt_json_text(s, 5), "updated_by", ism_stmt_json_text(s, 6));
}

json_t *ism_remediation_list(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    json_t *arr = ism_store_select(st,
                                   "SELECT rec,owner,due,status,note,updated,updated_by FROM "
                                   "remediation WHERE assessment=?1 ORDER BY rec",
                                   args, 1, rem_row, err);
    if (!arr) return NULL;
    json_t *out = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) json_object_set(out, ism_json_getstr(r, "rec"), r);
    json_decref(arr);
    return out;
}

static bool iso_date_ok(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

json_t *ism_remediation_set(ism_store *st, const char *assessment, const char *rec,
                            const json_t *upd, const char *who, ism_error *err)
{
    const char *owner, *due, *status, *note;
    if (!ism_json_str(upd, "owner", false, &owner, err) ||
        !ism_json_str(upd, "due", false, &due, err) ||
        !ism_json_str(upd, "status", false, &status, err) ||
        !ism_json_str(upd, "note", false, &note, err))
        return NULL;
    if (due && !iso_date_ok(due)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'due' must be a date YYYY-MM-DD");
        return NULL;
    }
    static const char *const states[] = {"open", "in_progress", "done", "accepted"};
    bool known = !status;
    for (size_t i = 0; status && i < sizeof states / sizeof *states; i++)
        known = known || !strcmp(status, states[i]);
    if (!known) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'status' must be open, in_progress, done or accepted (未着手, "
                      "対応中, 完了, リスク受容), not '%s'",
                      status);
        return NULL;
    }
    char now[32];
    ism_now_iso(now);
    const char *a1[] = {assessment, rec, owner, due, status, note, now, who};
    tx_stmt s[] = {
        {"INSERT INTO remediation(assessment,rec,owner,due,status,note,updated,updated_by) "
         "VALUES(?1,?2,?3,?4,COALESCE(?5,'open'),?6,?7,?8) "
         "ON CONFLICT(assessment, rec) DO UPDATE SET "
         "owner=COALESCE(?3,remediation.owner), due=COALESCE(?4,remediation.due), "
         "status=COALESCE(?5,remediation.status), note=COALESCE(?6,remediation.note), "
         "updated=?7, updated_by=?8",
         a1, 8}};
    int changed = 0;
    if (!tx_run(st, s, 1, &changed, err)) return NULL;
    json_t *all = ism_remediation_list(st, assessment, err);
    json_t *o = json_incref(json_object_get(all, rec));
    json_decref(all);
    return o;
}
