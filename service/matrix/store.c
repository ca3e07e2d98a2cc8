/* store.c — the matrix room's tables: assessments, their findings, auditor judgments
 * (append-only) and waivers, through the store's database interface (db.h) so they live on
 * SQLite or PostgreSQL alike; migrations for both below. */
#include "ismap/matrix.h"
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
    "CREATE TABLE assessments(id TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '',"
    "  subject TEXT NOT NULL, name TEXT, frameworks TEXT NOT NULL, snapshots TEXT NOT NULL,"
    "  as_of TEXT NOT NULL, meta TEXT, state TEXT NOT NULL DEFAULT 'pending', reason TEXT,"
    "  created TEXT NOT NULL, created_by TEXT, seq INTEGER NOT NULL);"
    "CREATE TABLE findings(assessment TEXT NOT NULL, snapshot TEXT NOT NULL,"
    "  check_id TEXT NOT NULL, severity TEXT, account TEXT, region TEXT, resource_type TEXT,"
    "  resource_id TEXT, arn TEXT, status TEXT NOT NULL, reason TEXT);"
    "CREATE INDEX findings_check ON findings(assessment, check_id, status);"
    "CREATE INDEX findings_snapshot ON findings(assessment, snapshot);"
    "CREATE TABLE judgments(id TEXT PRIMARY KEY, assessment TEXT NOT NULL, catalog TEXT NOT NULL,"
    "  item TEXT NOT NULL, result TEXT NOT NULL CHECK (result IN "
    "  ('satisfied','partial','not_satisfied','not_applicable')), examined TEXT, findings TEXT,"
    "  improvement TEXT, reason TEXT, by TEXT, at TEXT NOT NULL, seq INTEGER NOT NULL);"
    "CREATE INDEX judgments_item ON judgments(assessment, catalog, item, seq);"
    "CREATE TABLE waivers(id TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '', assessment TEXT,"
    "  catalog TEXT, item TEXT, check_id TEXT, resource TEXT, justification TEXT NOT NULL,"
    "  approver TEXT NOT NULL, ticket TEXT, expires TEXT NOT NULL, created TEXT NOT NULL,"
    "  created_by TEXT, revoked TEXT, revoked_by TEXT, seq INTEGER NOT NULL);",
    /* 2: the network domain (mynumber, lgwan) of each account a snapshot covers, as the
     * evaluation found it, for the severity- and domain-aware rule. */
    "CREATE TABLE account_domains(assessment TEXT NOT NULL, snapshot TEXT NOT NULL,"
    "  account TEXT NOT NULL, domain TEXT NOT NULL, basis TEXT,"
    "  PRIMARY KEY(assessment, snapshot, account));"
    /* The materialized matrix: one per assessment, valid while its inputs key matches;
     * findings_gen counts the evaluations that replaced an assessment's findings. */
    "CREATE TABLE findings_gen(assessment TEXT PRIMARY KEY, gen INTEGER NOT NULL);"
    "CREATE TABLE matrix_cache(assessment TEXT PRIMARY KEY, inputs TEXT NOT NULL,"
    "  matrix TEXT NOT NULL, at TEXT NOT NULL);",
    /* 3: an explicit key for findings (the SQLite rowid it copies), so their order is total
     * on every backend: a page neither repeats nor skips a finding. */
    "CREATE TABLE findings_new(id INTEGER PRIMARY KEY, assessment TEXT NOT NULL,"
    "  snapshot TEXT NOT NULL, check_id TEXT NOT NULL, severity TEXT, account TEXT, region TEXT,"
    "  resource_type TEXT, resource_id TEXT, arn TEXT, status TEXT NOT NULL, reason TEXT);"
    "INSERT INTO findings_new(id,assessment,snapshot,check_id,severity,account,region,"
    "  resource_type,resource_id,arn,status,reason) SELECT rowid,assessment,snapshot,check_id,"
    "  severity,account,region,resource_type,resource_id,arn,status,reason FROM findings;"
    "DROP TABLE findings;"
    "ALTER TABLE findings_new RENAME TO findings;"
    "CREATE INDEX findings_check ON findings(assessment, check_id, status);"
    "CREATE INDEX findings_snapshot ON findings(assessment, snapshot);",
};
/* The same for PostgreSQL, index for index. */
static const char *const pg_migrations[] = {
    "CREATE TABLE assessments(id TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '',"
    "  subject TEXT NOT NULL, name TEXT, frameworks TEXT NOT NULL, snapshots TEXT NOT NULL,"
    "  as_of TEXT NOT NULL, meta TEXT, state TEXT NOT NULL DEFAULT 'pending', reason TEXT,"
    "  created TEXT NOT NULL, created_by TEXT, seq BIGINT NOT NULL);"
    "CREATE TABLE findings(assessment TEXT NOT NULL, snapshot TEXT NOT NULL,"
    "  check_id TEXT NOT NULL, severity TEXT, account TEXT, region TEXT, resource_type TEXT,"
    "  resource_id TEXT, arn TEXT, status TEXT NOT NULL, reason TEXT);"
    "CREATE INDEX findings_check ON findings(assessment, check_id, status);"
    "CREATE INDEX findings_snapshot ON findings(assessment, snapshot);"
    "CREATE TABLE judgments(id TEXT PRIMARY KEY, assessment TEXT NOT NULL, catalog TEXT NOT NULL,"
    "  item TEXT NOT NULL, result TEXT NOT NULL CHECK (result IN "
    "  ('satisfied','partial','not_satisfied','not_applicable')), examined TEXT, findings TEXT,"
    "  improvement TEXT, reason TEXT, by TEXT, at TEXT NOT NULL, seq BIGINT NOT NULL);"
    "CREATE INDEX judgments_item ON judgments(assessment, catalog, item, seq);"
    "CREATE TABLE waivers(id TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '', assessment TEXT,"
    "  catalog TEXT, item TEXT, check_id TEXT, resource TEXT, justification TEXT NOT NULL,"
    "  approver TEXT NOT NULL, ticket TEXT, expires TEXT NOT NULL, created TEXT NOT NULL,"
    "  created_by TEXT, revoked TEXT, revoked_by TEXT, seq BIGINT NOT NULL);",
    "CREATE TABLE account_domains(assessment TEXT NOT NULL, snapshot TEXT NOT NULL,"
    "  account TEXT NOT NULL, domain TEXT NOT NULL, basis TEXT,"
    "  PRIMARY KEY(assessment, snapshot, account));"
    "CREATE TABLE findings_gen(assessment TEXT PRIMARY KEY, gen BIGINT NOT NULL);"
    "CREATE TABLE matrix_cache(assessment TEXT PRIMARY KEY, inputs TEXT NOT NULL,"
    "  matrix TEXT NOT NULL, at TEXT NOT NULL);",
    /* 3: the key, generated in insertion order as SQLite's rowid is. */
    "ALTER TABLE findings ADD COLUMN id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY;",
};
_Static_assert(sizeof migrations == sizeof pg_migrations,
               "one PostgreSQL migration per SQLite one");
static const ism_store_schema schema = {
    "matrix", migrations, (int)(sizeof migrations / sizeof migrations[0]), pg_migrations};

const ism_store_schema *ism_matrix_schema(void)
{
    return &schema;
}

static char *dumps(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
}

/* ---- assessments ----------------------------------------------------------------------------- */

#define A_COLS "id,org,subject,name,frameworks,snapshots,as_of,meta,state,reason,created,created_by"

static json_t *assessment_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                     ism_stmt_json_text(s, 0), "org", ism_stmt_json_text(s, 1), "subject",
                     ism_stmt_json_text(s, 2), "name", ism_stmt_json_text(s, 3), "frameworks",
                     ism_stmt_json(s, 4), "snapshots", ism_stmt_json(s, 5), "as_of",
                     ism_stmt_json_text(s, 6), "meta", ism_stmt_json(s, 7), "state",
                     ism_stmt_json_text(s, 8), "reason", ism_stmt_json_text(s, 9), "created",
                     ism_stmt_json_text(s, 10), "created_by", ism_stmt_json_text(s, 11));
}

json_t *ism_assessment_create(ism_store *st, const char *org, const char *subject, const char *name,
                              const json_t *frameworks, const json_t *snapshots, const char *as_of,
                              const json_t *meta, const char *who, ism_error *err)
{
    char id[64], now[32];
    ism_new_id("asmt", id);
    ism_now_iso(now);
    char today[11];
    ism_strlcpy(today, now, sizeof today);
    char *fw = dumps(frameworks), *sn = dumps(snapshots), *mt = dumps(meta);
    const char *args[] = {
        id, org ? org : "", subject, name, fw, sn ? sn : "[]", as_of ? as_of : today, mt, now, who};
    bool ok =
        ism_store_write(st,
                        "INSERT INTO assessments(id,org,subject,name,frameworks,snapshots,as_of,"
                        "meta,created,created_by,seq) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
                        "(SELECT COALESCE(MAX(seq),0)+1 FROM assessments))",
                        args, 10, NULL, err);
    free(fw);
    free(sn);
    free(mt);
    return ok ? ism_assessment_get(st, id, org, err) : NULL;
}

json_t *ism_assessment_get(ism_store *st, const char *id, const char *org, ism_error *err)
{
    const char *args[] = {id, org ? org : ""};
    json_t *arr =
        ism_store_select(st, "SELECT " A_COLS " FROM assessments WHERE id=?1 AND (?2='' OR org=?2)",
                         args, 2, assessment_row, err);
    if (!arr) return NULL;
    json_t *o = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    if (!o) ism_error_set(err, ISM_E_NOT_FOUND, "no assessment with id %s", id);
    return o;
}

json_t *ism_assessment_list(ism_store *st, const char *org, ism_error *err)
{
    const char *args[] = {org ? org : ""};
    return ism_store_select(st,
                            "SELECT " A_COLS " FROM assessments WHERE ?1='' OR org=?1 ORDER BY seq "
                            "DESC",
                            args, 1, assessment_row, err);
}

bool ism_assessment_set_state(ism_store *st, const char *id, const char *state, const char *reason,
                              ism_error *err)
{
    const char *args[] = {id, state, reason};
    return ism_store_write(st, "UPDATE assessments SET state=?2, reason=?3 WHERE id=?1", args, 3,
                           NULL, err);
}

/* ---- findings -------------------------------------------------------------------------------- */

/* On PostgreSQL findings go in FINDINGS_BATCH rows per statement run: one round trip per batch
 * instead of one per finding (4-5x the rows per second). SQLite has no round trips, and there
 * a multi-row insert costs more CPU than the same rows one by one: each finding is bound and
 * run at once. Statements are prepared once per writer and rebound for each run. The rows of a
 * batch keep their order (the key). */
#define FINDINGS_BATCH 100
#define FINDING_VALUES 9 /* per finding, besides the assessment and snapshot (?1, ?2) */
#define NO_VALUE ((size_t)-1)

struct ism_findings_writer {
    ism_store *st;
    ism_db *db;
    ism_stmt *batch; /* FINDINGS_BATCH rows per run (PostgreSQL only; NULL on SQLite) */
    ism_stmt *one;   /* one row per run: what is left over at the end */
    /* The pending rows' values: NUL-terminated strings in buf, at off (NO_VALUE: NULL). */
    char *buf;
    size_t len, cap;
    size_t off[FINDINGS_BATCH * FINDING_VALUES];
    int pending;
    char assessment[64], snapshot[64];
    bool failed;
    ism_error err; /* the first failure, reported by ism_findings_end */
};

/* Runs a statement that returns no rows with text arguments ?1..?n on the writer. */
static bool run(ism_db *db, const char *sql, const char *const *args, int n, ism_error *err)
{
    ism_stmt *s = ism_db_prepare(db, sql, err);
    if (!s) return false;
    for (int i = 0; i < n; i++)
        ism_stmt_bind_text(s, i + 1, args[i]);
    bool ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    ism_stmt_finalize(s);
    return ok;
}

/* INSERT INTO findings(...) VALUES(?1,?2,?3..?11),(?1,?2,?12..?20),... with rows rows. */
static ism_stmt *prepare_insert(ism_db *db, int rows, ism_error *err)
{
    size_t cap = 256 + (size_t)rows * (16 + FINDING_VALUES * 7);
    char *sql = malloc(cap);
    if (!sql) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    size_t n =
        (size_t)snprintf(sql, cap,
                         "INSERT INTO findings(assessment,snapshot,check_id,severity,account,"
                         "region,resource_type,resource_id,arn,status,reason) VALUES");
    for (int r = 0; r < rows; r++) {
        n += (size_t)snprintf(sql + n, cap - n, "%s(?1,?2", r ? "," : "");
        for (int v = 0; v < FINDING_VALUES; v++)
            n += (size_t)snprintf(sql + n, cap - n, ",?%d", 3 + r * FINDING_VALUES + v);
        n += (size_t)snprintf(sql + n, cap - n, ")");
    }
    ism_stmt *s = ism_db_prepare(db, sql, err);
    free(sql);
    return s;
}

ism_findings_writer *ism_findings_begin(ism_store *st, const char *assessment, const char *snapshot,
                                        ism_error *err)
{
    ism_db *db = ism_store_writer(st, err);
    if (!db) return NULL;
    ism_findings_writer *w = calloc(1, sizeof *w);
    if (!w) {
        ism_store_write_rollback(st);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    w->st = st;
    w->db = db;
    ism_strlcpy(w->assessment, assessment, sizeof w->assessment);
    ism_strlcpy(w->snapshot, snapshot, sizeof w->snapshot);
    const char *args[] = {assessment, snapshot};
    bool ok =
        run(db, "DELETE FROM findings WHERE assessment=?1 AND snapshot=?2", args, 2, &w->err) &&
        run(db, "DELETE FROM account_domains WHERE assessment=?1 AND snapshot=?2", args, 2,
            &w->err) &&
        (ism_db_kind(db) != ISM_DB_POSTGRES ||
         (w->batch = prepare_insert(db, FINDINGS_BATCH, &w->err)) != NULL) &&
        (w->one = prepare_insert(db, 1, &w->err)) != NULL;
    if (!ok) {
        ism_error_set(err, w->err.code, "writing findings: %s", w->err.message);
        ism_error_clear(&w->err);
        ism_stmt_finalize(w->batch);
        ism_store_write_rollback(st);
        free(w);
        return NULL;
    }
    /* Bindings are kept across runs: the assessment and snapshot are bound once. */
    ism_stmt *both[] = {w->one, w->batch};
    for (int i = 0; i < 2 && both[i]; i++) {
        ism_stmt_bind_text(both[i], 1, w->assessment);
        ism_stmt_bind_text(both[i], 2, w->snapshot);
    }
    return w;
}

/* Binds the pending rows from `first`, `rows` of them, to s (?3 on) and runs it once. */
static bool insert_rows(ism_findings_writer *w, ism_stmt *s, int first, int rows)
{
    ism_stmt_reset(s);
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < FINDING_VALUES; v++) {
            size_t o = w->off[(first + r) * FINDING_VALUES + v];
            ism_stmt_bind_text(s, 3 + r * FINDING_VALUES + v, o == NO_VALUE ? NULL : w->buf + o);
        }
    if (ism_stmt_step(s, &w->err) != ISM_DB_DONE) w->failed = true;
    return !w->failed;
}

/* Writes the pending rows: a full batch in one run, fewer one by one. */
static bool flush(ism_findings_writer *w)
{
    bool ok = true;
    if (w->pending == FINDINGS_BATCH)
        ok = insert_rows(w, w->batch, 0, FINDINGS_BATCH);
    else
        for (int r = 0; ok && r < w->pending; r++)
            ok = insert_rows(w, w->one, r, 1);
    w->pending = 0;
    w->len = 0;
    return ok;
}

bool ism_findings_add(ism_findings_writer *w, const char *check, const char *severity,
                      const char *account, const char *region, const char *resource_type,
                      const char *resource_id, const char *arn, const char *status,
                      const char *reason)
{
    if (w->failed) return false;
    const char *v[] = {check,       severity, account, region, resource_type,
                       resource_id, arn,      status,  reason};
    if (!w->batch) { /* SQLite */
        ism_stmt_reset(w->one);
        for (int i = 0; i < FINDING_VALUES; i++)
            ism_stmt_bind_text(w->one, 3 + i, v[i]);
        if (ism_stmt_step(w->one, &w->err) != ISM_DB_DONE) w->failed = true;
        return !w->failed;
    }
    size_t need = 0;
    for (int i = 0; i < FINDING_VALUES; i++)
        need += v[i] ? strlen(v[i]) + 1 : 0;
    if (w->len + need > w->cap) {
        size_t cap = w->cap ? w->cap : 16384;
        while (cap < w->len + need)
            cap *= 2;
        char *b = realloc(w->buf, cap);
        if (!b) {
            ism_error_set(&w->err, ISM_E_INTERNAL, "out of memory");
            w->failed = true;
            return false;
        }
        w->buf = b;
        w->cap = cap;
    }
    for (int i = 0; i < FINDING_VALUES; i++) {
        size_t *o = &w->off[w->pending * FINDING_VALUES + i];
        if (!v[i]) {
            *o = NO_VALUE;
            continue;
        }
        size_t n = strlen(v[i]) + 1;
        memcpy(w->buf + w->len, v[i], n);
        *o = w->len;
        w->len += n;
    }
    if (++w->pending == FINDINGS_BATCH) return flush(w);
    return true;
}

bool ism_findings_set_domains(ism_findings_writer *w, const json_t *domains)
{
    if (w->failed) return false;
    ism_stmt *ins = ism_db_prepare(w->db,
                                   "INSERT INTO account_domains(assessment,snapshot,account,domain,"
                                   "basis) VALUES(?,?,?,?,?) ON CONFLICT(assessment,snapshot,"
                                   "account) DO UPDATE SET domain=excluded.domain, "
                                   "basis=excluded.basis",
                                   &w->err);
    if (!ins) {
        w->failed = true;
        return false;
    }
    const char *account;
    json_t *d;
    json_object_foreach((json_t *)domains, account, d)
    {
        const char *dom = json_is_string(d) ? json_string_value(d) : ism_json_getstr(d, "domain");
        if (!dom) continue;
        const char *v[] = {w->assessment, w->snapshot, account, dom, ism_json_getstr(d, "basis")};
        ism_stmt_reset(ins);
        for (int i = 0; i < 5; i++)
            ism_stmt_bind_text(ins, i + 1, v[i]);
        if (ism_stmt_step(ins, &w->err) != ISM_DB_DONE) {
            w->failed = true;
            break;
        }
    }
    ism_stmt_finalize(ins);
    return !w->failed;
}

bool ism_findings_end(ism_findings_writer *w, bool commit, ism_error *err)
{
    if (commit && !w->failed) flush(w);
    ism_stmt_finalize(w->batch);
    ism_stmt_finalize(w->one);
    free(w->buf);
    /* A new generation of findings: every materialized matrix of it is stale. */
    const char *args[] = {w->assessment};
    if (commit && !w->failed &&
        !run(w->db,
             "INSERT INTO findings_gen(assessment,gen) VALUES(?1, 1) ON CONFLICT(assessment) "
             "DO UPDATE SET gen = findings_gen.gen + 1",
             args, 1, &w->err))
        w->failed = true;
    bool ok;
    if (commit && !w->failed) {
        ok = ism_store_write_commit(w->st, err);
    } else {
        if (commit)
            ism_error_set(err, w->err.code ? w->err.code : ISM_E_IO, "writing findings: %s",
                          w->err.code ? w->err.message : "failed");
        ism_store_write_rollback(w->st);
        ok = !commit;
    }
    ism_error_clear(&w->err);
    free(w);
    return ok;
}

/* Worst first, then by place; the key last (insertion order) makes the order total, so pages
 * neither repeat nor skip a finding. p: the findings table's alias with its dot ("" or "f."). */
#define FINDINGS_ORDER(p)                                                                          \
    "CASE " p "status WHEN 'fail' THEN 0 WHEN 'error' THEN 1 WHEN 'not_assessed' THEN 2 ELSE 3 "   \
    "END, CASE " p "severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE " \
    "3 END, " p "check_id, " p "account, " p "region, " p "resource_id, " p "id"

static json_t *count_row(ism_stmt *s)
{
    return json_integer(ism_stmt_int64(s, 0));
}

static json_t *finding_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "snapshot",
                     ism_stmt_json_text(s, 0), "check", ism_stmt_json_text(s, 1), "severity",
                     ism_stmt_json_text(s, 2), "account", ism_stmt_json_text(s, 3), "region",
                     ism_stmt_json_text(s, 4), "resource_type", ism_stmt_json_text(s, 5),
                     "resource_id", ism_stmt_json_text(s, 6), "arn", ism_stmt_json_text(s, 7),
                     "status", ism_stmt_json_text(s, 8), "reason", ism_stmt_json_text(s, 9));
}

json_t *ism_findings_list(ism_store *st, const char *assessment, const char *status,
                          const char *check, int limit, ism_error *err)
{
    const char *v[] = {assessment, status ? status : "", check ? check : ""};
    char lim[32];
    snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 100000000);
    const char *args[] = {v[0], v[1], v[2], lim};
    return ism_store_select(
        st,
        "SELECT snapshot, check_id, severity, account, region, resource_type, "
        "resource_id, arn, status, reason FROM findings WHERE assessment=?1 AND "
        "(?2='' OR status=?2) AND (?3='' OR check_id=?3) ORDER BY " FINDINGS_ORDER(
            "") " LIMIT CAST(?4 AS INTEGER)",
        args, 4, finding_row, err);
}

static json_t *finding_row_domain(ism_stmt *s)
{
    json_t *o = finding_row(s);
    json_object_set_new(o, "domain", ism_stmt_json_text(s, 10));
    return o;
}

/* The findings of one assessment with the network domain of each one's account: a closed
 * domain recorded by the evaluation, or "internet" for an account of none. */
#define F_FROM                                                                                     \
    " FROM findings f LEFT JOIN account_domains d ON d.assessment=f.assessment AND "               \
    "d.snapshot=f.snapshot AND d.account=f.account WHERE f.assessment=?1"
#define F_WHERE                                                                                    \
    F_FROM " AND (?2='' OR f.status=?2) AND (?3='' OR f.check_id=?3) AND (?4='' OR f.account=?4) " \
           "AND (?5='' OR f.region=?5) AND (?6='' OR f.severity=?6) AND "                          \
           "(?7='' OR coalesce(d.domain,'internet')=?7)"

json_t *ism_findings_page(ism_store *st, const char *assessment, const ism_findings_filter *flt,
                          long offset, int limit, long *total, ism_error *err)
{
    static const ism_findings_filter none = {0};
    const ism_findings_filter *f = flt ? flt : &none;
    char lim[32], off[32];
    snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 100000000);
    snprintf(off, sizeof off, "%ld", offset > 0 ? offset : 0);
#define OR_EMPTY(x) ((x) ? (x) : "")
    const char *args[] = {assessment,
                          OR_EMPTY(f->status),
                          OR_EMPTY(f->check),
                          OR_EMPTY(f->account),
                          OR_EMPTY(f->region),
                          OR_EMPTY(f->severity),
                          OR_EMPTY(f->domain),
                          lim,
                          off};
#undef OR_EMPTY
    if (total) {
        json_t *n = ism_store_select(st, "SELECT count(*)" F_WHERE, args, 7, count_row, err);
        if (!n) return NULL;
        *total = (long)json_integer_value(json_array_get(n, 0));
        json_decref(n);
    }
    return ism_store_select(st,
                            "SELECT f.snapshot, f.check_id, f.severity, f.account, f.region, "
                            "f.resource_type, f.resource_id, f.arn, f.status, f.reason, "
                            "coalesce(d.domain,'internet')" F_WHERE
                            " ORDER BY " FINDINGS_ORDER("f.") " LIMIT CAST(?8 AS INTEGER) OFFSET "
                                                              "CAST(?9 AS INTEGER)",
                            args, 9, finding_row_domain, err);
}

static json_t *facet_row(ism_stmt *s)
{
    return json_pack("[o, o, I]", ism_stmt_json_text(s, 0), ism_stmt_json_text(s, 1),
                     (json_int_t)ism_stmt_int64(s, 2));
}

json_t *ism_findings_facets(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    json_t *rows = ism_store_select(
        st,
        "SELECT 'account', f.account, count(*)" F_FROM " GROUP BY f.account UNION ALL "
        "SELECT 'region', f.region, count(*)" F_FROM " GROUP BY f.region UNION ALL "
        "SELECT 'check', f.check_id, count(*)" F_FROM " GROUP BY f.check_id UNION ALL "
        "SELECT 'severity', f.severity, count(*)" F_FROM " GROUP BY f.severity UNION ALL "
        "SELECT 'status', f.status, count(*)" F_FROM " GROUP BY f.status UNION ALL "
        "SELECT 'domain', coalesce(d.domain,'internet'), count(*)" F_FROM
        " GROUP BY coalesce(d.domain,'internet') ORDER BY 1, 2",
        args, 1, facet_row, err);
    if (!rows) return NULL;
    json_t *out = json_pack("{s:{}, s:{}, s:{}, s:{}, s:{}, s:{}}", "account", "region", "check",
                            "severity", "status", "domain");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *k = json_string_value(json_array_get(r, 0));
        const char *v = json_string_value(json_array_get(r, 1));
        if (k && v) json_object_set(json_object_get(out, k), v, json_array_get(r, 2));
    }
    json_decref(rows);
    return out;
}

/* Per check: counts by status, failing examples, the not-assessed reason; fails covered by an
 * active waiver on (check) or (check, resource) count as "waived" instead. */
static json_int_t count_of(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* One finding row of ism_findings_aggregate, counted into `out` (check -> counts). */
static bool aggregate_row(ism_stmt *s, void *arg)
{
    json_t *out = arg;
    const char *check = ism_stmt_text(s, 0);
    const char *status = ism_stmt_text(s, 1);
    bool waived = ism_stmt_int(s, 6) != 0;
    json_t *agg = json_object_get(out, check);
    if (!agg) {
        agg = json_pack("{s:i, s:i, s:i, s:i, s:i, s:[]}", "pass", 0, "fail", 0, "not_assessed", 0,
                        "error", 0, "waived", 0, "failing");
        json_object_set_new(out, check, agg);
    }
    const char *key = !strcmp(status, "fail") && waived ? "waived" : status;
    json_t *n = json_object_get(agg, key);
    if (n) json_integer_set(n, json_integer_value(n) + 1);
    const char *dom = ism_stmt_text(s, 7);
    if (!strcmp(key, "fail") && dom) {
        json_t *by = json_object_get(agg, "fail_by_domain");
        if (!by) json_object_set_new(agg, "fail_by_domain", by = json_object());
        json_object_set_new(by, dom, json_integer(count_of(by, dom) + 1));
    }
    if (!strcmp(key, "fail") && json_array_size(json_object_get(agg, "failing")) < 5)
        json_array_append_new(json_object_get(agg, "failing"),
                              json_pack("{s:o, s:o, s:o, s:o}", "account", ism_stmt_json_text(s, 2),
                                        "region", ism_stmt_json_text(s, 3), "resource_id",
                                        ism_stmt_json_text(s, 4), "reason",
                                        ism_stmt_json_text(s, 5)));
    if (!strcmp(status, "not_assessed") && !json_object_get(agg, "not_assessed_reason"))
        json_object_set_new(agg, "not_assessed_reason", ism_stmt_json_text(s, 5));
    return true;
}

json_t *ism_findings_aggregate(ism_store *st, const char *assessment, const char *today,
                               ism_error *err)
{
    /* Rows come in the order of the findings_check index (check, status, key), so the failing
     * examples of a check are the same on every backend. */
    const char *sql =
        "SELECT f.check_id, f.status, f.account, f.region, f.resource_id, f.reason, "
        "CASE WHEN EXISTS (SELECT 1 FROM waivers w, assessments a WHERE a.id=f.assessment AND "
        "  w.check_id=f.check_id AND w.revoked IS NULL AND w.expires>=?2 AND "
        "  (w.org='' OR w.org=a.org) AND (w.assessment IS NULL OR w.assessment=f.assessment) AND "
        "  (w.resource IS NULL OR w.resource=f.resource_id OR w.resource=f.arn)) THEN 1 ELSE 0 "
        "END, "
        "(SELECT d.domain FROM account_domains d WHERE d.assessment=f.assessment AND "
        "  d.snapshot=f.snapshot AND d.account=f.account) "
        "FROM findings f WHERE f.assessment=?1 ORDER BY f.check_id, f.status, f.id";
    ism_db *db = ism_store_reader(st);
    ism_stmt *s = ism_db_prepare(db, sql, err);
    json_t *out = NULL;
    if (s) {
        ism_stmt_bind_text(s, 1, assessment);
        ism_stmt_bind_text(s, 2, today);
        out = json_object();
        if (!ism_stmt_rows(s, aggregate_row, out, err)) {
            json_decref(out);
            out = NULL;
        }
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return out;
}

/* One (check, account, region) of ism_findings_coverage, set in `out`. */
static bool coverage_row(ism_stmt *s, void *arg)
{
    char *k =
        ism_strdupf("%s|%s|%s", ism_stmt_text(s, 0), ism_stmt_text(s, 1), ism_stmt_text(s, 2));
    json_object_set_new(arg, k, json_true());
    free(k);
    return true;
}

json_t *ism_findings_coverage(ism_store *st, const char *assessment, ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    ism_stmt *s = ism_db_prepare(db,
                                 "SELECT DISTINCT check_id, coalesce(account,''), "
                                 "coalesce(region,'') FROM findings WHERE assessment=?1 AND "
                                 "status IN ('pass','fail')",
                                 err);
    json_t *out = NULL;
    if (s) {
        ism_stmt_bind_text(s, 1, assessment);
        out = json_object();
        if (!ism_stmt_rows(s, coverage_row, out, err)) {
            json_decref(out);
            out = NULL;
        }
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return out;
}

bool ism_findings_has_resource(ism_store *st, const char *org, const char *assessment,
                               const char *check, const char *resource)
{
    const char *args[] = {org ? org : "", assessment ? assessment : "", check, resource};
    ism_error e = {0};
    json_t *n = ism_store_select(st,
                                 "SELECT count(*) FROM findings f JOIN assessments a ON "
                                 "a.id=f.assessment WHERE (?1='' OR a.org=?1) AND (?2='' OR "
                                 "f.assessment=?2) AND f.check_id=?3 AND (f.resource_id=?4 OR "
                                 "f.arn=?4)",
                                 args, 4, count_row, &e);
    bool found = json_integer_value(json_array_get(n, 0)) > 0;
    json_decref(n);
    ism_error_clear(&e);
    return found;
}

/* ---- the materialized matrix ------------------------------------------------------------- */

static json_t *text_row(ism_stmt *s)
{
    return ism_stmt_json_text(s, 0);
}

static json_t *key_row(ism_stmt *s)
{
    const char *state = ism_stmt_text(s, 5);
    char *k = ism_strdupf("%lld/%lld:%lld:%lld/%lld/%s", (long long)ism_stmt_int64(s, 0),
                          (long long)ism_stmt_int64(s, 1), (long long)ism_stmt_int64(s, 2),
                          (long long)ism_stmt_int64(s, 3), (long long)ism_stmt_int64(s, 4),
                          state ? state : "");
    json_t *v = json_string(k);
    free(k);
    return v;
}

char *ism_matrix_inputs_key(ism_store *st, const char *assessment, const char *org,
                            const char *extra, ism_error *err)
{
    const char *args[] = {assessment};
    /* Judgments are append-only (max seq); waivers are added (count, max seq) and revoked
     * (count of revoked); findings are replaced whole by an evaluation (generation). */
    json_t *r = ism_store_select(
        st,
        "SELECT (SELECT coalesce(max(seq),0) FROM judgments WHERE assessment=?1), "
        "(SELECT count(*) FROM waivers), (SELECT coalesce(max(seq),0) FROM waivers), "
        "(SELECT count(revoked) FROM waivers), "
        "coalesce((SELECT gen FROM findings_gen WHERE assessment=?1),0), "
        "coalesce((SELECT state FROM assessments WHERE id=?1),'')",
        args, 1, key_row, err);
    if (!r) return NULL;
    const char *k = json_string_value(json_array_get(r, 0));
    char *text = ism_strdupf("%s/%s/%s", k ? k : "", org ? org : "", extra ? extra : "");
    json_decref(r);
    char sha[65];
    ism_sha256_hex(text, strlen(text), sha);
    free(text);
    return strdup(sha);
}

json_t *ism_matrix_cache_get(ism_store *st, const char *assessment, const char *inputs)
{
    const char *args[] = {assessment, inputs};
    ism_error e = {0};
    json_t *r =
        ism_store_select(st, "SELECT matrix FROM matrix_cache WHERE assessment=?1 AND inputs=?2",
                         args, 2, text_row, &e);
    ism_error_clear(&e);
    const char *text = json_string_value(json_array_get(r, 0));
    json_t *m = text ? json_loads(text, 0, NULL) : NULL;
    json_decref(r);
    return m;
}

bool ism_matrix_cache_put(ism_store *st, const char *assessment, const char *inputs,
                          const json_t *matrix, ism_error *err)
{
    char *text = json_dumps(matrix, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char now[32];
    ism_now_iso(now);
    const char *args[] = {assessment, inputs, text, now};
    bool ok =
        text &&
        ism_store_write(st,
                        "INSERT INTO matrix_cache(assessment,inputs,matrix,at) VALUES(?1,?2,?3,?4) "
                        "ON CONFLICT(assessment) DO UPDATE SET inputs=excluded.inputs,"
                        " matrix=excluded.matrix, at=excluded.at",
                        args, 4, NULL, err);
    free(text);
    return ok;
}

/* ---- judgments ------------------------------------------------------------------------------- */

#define J_COLS "id,assessment,catalog,item,result,examined,findings,improvement,reason,by,at"

static json_t *judgment_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                     ism_stmt_json_text(s, 0), "assessment", ism_stmt_json_text(s, 1), "catalog",
                     ism_stmt_json_text(s, 2), "item", ism_stmt_json_text(s, 3), "result",
                     ism_stmt_json_text(s, 4), "examined", ism_stmt_json_text(s, 5), "findings",
                     ism_stmt_json_text(s, 6), "improvement", ism_stmt_json_text(s, 7), "reason",
                     ism_stmt_json_text(s, 8), "by", ism_stmt_json_text(s, 9), "at",
                     ism_stmt_json_text(s, 10));
}

json_t *ism_judgment_add(ism_store *st, const char *assessment, const json_t *j, const char *who,
                         ism_error *err)
{
    const char *cat, *item, *result, *examined, *findings, *improvement, *reason;
    if (!ism_json_str(j, "catalog", true, &cat, err) ||
        !ism_json_str(j, "item", true, &item, err) ||
        !ism_json_str(j, "result", true, &result, err) ||
        !ism_json_str(j, "examined", false, &examined, err) ||
        !ism_json_str(j, "findings", false, &findings, err) ||
        !ism_json_str(j, "improvement", false, &improvement, err) ||
        !ism_json_str(j, "reason", false, &reason, err))
        return NULL;
    ism_req_status s;
    if (!ism_req_status_parse(result, &s) || s == ISM_REQ_EXPIRED || s == ISM_REQ_NOT_ASSESSED ||
        s == ISM_REQ_WAIVED) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'result' must be satisfied, partial, not_satisfied or "
                      "not_applicable (適合, 一部適合, 不適合, 対象外), not '%s'",
                      result);
        return NULL;
    }
    if (s == ISM_REQ_NOT_APPLICABLE && (!reason || !*reason)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "not_applicable (対象外) needs a 'reason'");
        return NULL;
    }
    char id[64], now[32];
    ism_new_id("jdg", id);
    ism_now_iso(now);
    const char *args[] = {id,       assessment,  cat,    item, result, examined,
                          findings, improvement, reason, who,  now};
    if (!ism_store_write(st,
                         "INSERT INTO judgments(" J_COLS
                         ",seq) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
                         "(SELECT COALESCE(MAX(seq),0)+1 FROM judgments))",
                         args, 11, NULL, err))
        return NULL;
    const char *a2[] = {id};
    json_t *arr = ism_store_select(st, "SELECT " J_COLS " FROM judgments WHERE id=?1", a2, 1,
                                   judgment_row, err);
    json_t *o = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return o;
}

json_t *ism_judgment_latest(ism_store *st, const char *assessment, ism_error *err)
{
    const char *args[] = {assessment};
    json_t *arr =
        ism_store_select(st, "SELECT " J_COLS " FROM judgments WHERE assessment=?1 ORDER BY seq",
                         args, 1, judgment_row, err);
    if (!arr) return NULL;
    json_t *out = json_object();
    size_t i;
    json_t *j;
    json_array_foreach(arr, i, j)
    {
        char key[512];
        snprintf(key, sizeof key, "%s:%s", ism_json_getstr(j, "catalog"),
                 ism_json_getstr(j, "item"));
        json_object_set(out, key, j); /* later rows replace earlier: the latest wins */
    }
    json_decref(arr);
    return out;
}

json_t *ism_judgment_history(ism_store *st, const char *assessment, const char *catalog,
                             const char *item, ism_error *err)
{
    const char *args[] = {assessment, catalog, item};
    return ism_store_select(st,
                            "SELECT " J_COLS
                            " FROM judgments WHERE assessment=?1 AND catalog=?2 AND "
                            "item=?3 ORDER BY seq DESC",
                            args, 3, judgment_row, err);
}

/* ---- waivers --------------------------------------------------------------------------------- */

#define W_COLS                                                                                     \
    "id,org,assessment,catalog,item,check_id,resource,justification,approver,ticket,expires,"      \
    "created,created_by,revoked,revoked_by"

static json_t *waiver_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", ism_stmt_json_text(s, 0), "org", ism_stmt_json_text(s, 1), "assessment",
                     ism_stmt_json_text(s, 2), "catalog", ism_stmt_json_text(s, 3), "item",
                     ism_stmt_json_text(s, 4), "check", ism_stmt_json_text(s, 5), "resource",
                     ism_stmt_json_text(s, 6), "justification", ism_stmt_json_text(s, 7),
                     "approver", ism_stmt_json_text(s, 8), "ticket", ism_stmt_json_text(s, 9),
                     "expires", ism_stmt_json_text(s, 10), "created", ism_stmt_json_text(s, 11),
                     "created_by", ism_stmt_json_text(s, 12), "revoked", ism_stmt_json_text(s, 13),
                     "revoked_by", ism_stmt_json_text(s, 14));
}

static bool iso_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    int m = atoi(s + 5), d = atoi(s + 8);
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

json_t *ism_waiver_add(ism_store *st, const char *org, const json_t *w, const char *who,
                       ism_error *err)
{
    const char *asmt, *cat, *item, *check, *res, *just, *appr, *ticket, *exp;
    if (!ism_json_str(w, "assessment", false, &asmt, err) ||
        !ism_json_str(w, "catalog", false, &cat, err) ||
        !ism_json_str(w, "item", false, &item, err) ||
        !ism_json_str(w, "check", false, &check, err) ||
        !ism_json_str(w, "resource", false, &res, err) ||
        !ism_json_str(w, "justification", true, &just, err) ||
        !ism_json_str(w, "approver", true, &appr, err) ||
        !ism_json_str(w, "ticket", false, &ticket, err) ||
        !ism_json_str(w, "expires", true, &exp, err))
        return NULL;
    if ((cat != NULL) != (item != NULL)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "a requirement waiver needs both 'catalog' and "
                      "'item'");
        return NULL;
    }
    if (!item && !check) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "a waiver needs a scope: a requirement (catalog + item), a check, or a "
                      "check and a resource");
        return NULL;
    }
    if (item && check) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "a waiver covers a requirement or a check, not both");
        return NULL;
    }
    if (res && !check) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "a resource waiver needs 'check' too");
        return NULL;
    }
    if (!iso_date(exp)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'expires' must be a date YYYY-MM-DD");
        return NULL;
    }
    if (!*just || !*appr) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "'justification' and 'approver' must not be "
                      "empty");
        return NULL;
    }
    char id[64], now[32];
    ism_new_id("wvr", id);
    ism_now_iso(now);
    const char *args[] = {id,   org ? org : "", asmt,   cat, item, check, res,
                          just, appr,           ticket, exp, now,  who};
    if (!ism_store_write(
            st,
            "INSERT INTO waivers(id,org,assessment,catalog,item,check_id,resource,"
            "justification,approver,ticket,expires,created,created_by,seq) VALUES(?1,?2,?3,"
            "?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,(SELECT COALESCE(MAX(seq),0)+1 FROM waivers))",
            args, 13, NULL, err))
        return NULL;
    const char *a2[] = {id};
    json_t *arr =
        ism_store_select(st, "SELECT " W_COLS " FROM waivers WHERE id=?1", a2, 1, waiver_row, err);
    json_t *o = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return o;
}

bool ism_waiver_revoke(ism_store *st, const char *id, const char *org, const char *who,
                       ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    const char *args[] = {id, org ? org : "", now, who};
    int changed = 0;
    if (!ism_store_write(st,
                         "UPDATE waivers SET revoked=?3, revoked_by=?4 WHERE id=?1 AND (?2='' OR "
                         "org=?2) AND revoked IS NULL",
                         args, 4, &changed, err))
        return false;
    if (!changed) return ism_error_set(err, ISM_E_NOT_FOUND, "no active waiver with id %s", id);
    return true;
}

json_t *ism_waiver_list(ism_store *st, const char *org, const char *assessment, const char *today,
                        ism_error *err)
{
    const char *args[] = {org ? org : "", assessment ? assessment : ""};
    json_t *arr =
        ism_store_select(st,
                         "SELECT " W_COLS " FROM waivers WHERE (?1='' OR org=?1 OR org='') AND "
                         "(?2='' OR assessment IS NULL OR assessment=?2) ORDER BY seq",
                         args, 2, waiver_row, err);
    size_t i;
    json_t *w;
    json_array_foreach(arr, i, w)
    {
        bool active = json_is_null(json_object_get(w, "revoked")) &&
                      strcmp(ism_json_getstr(w, "expires"), today) >= 0;
        json_object_set_new(w, "active", json_boolean(active));
    }
    return arr;
}
