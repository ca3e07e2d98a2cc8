/* collectors.c — remote collectors (ismapd --role collector) as the central store knows them:
 * who each is (name, network zone, the scopes it may collect, the public key its snapshots are
 * signed with, its API token) and the leases of the collection jobs it runs. A lease ends when
 * its collector stops reporting progress; the job then goes back to the queue. */
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
    "CREATE TABLE collectors(id TEXT PRIMARY KEY, name TEXT NOT NULL, zone TEXT NOT NULL,"
    "  scopes TEXT NOT NULL, public_key TEXT NOT NULL, token_id TEXT NOT NULL,"
    "  created TEXT NOT NULL, revoked TEXT, seq INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX collectors_active_name ON collectors(name) WHERE revoked IS NULL;"
    "CREATE INDEX collectors_token ON collectors(token_id);"
    "CREATE TABLE collector_leases(job TEXT PRIMARY KEY, collector TEXT NOT NULL,"
    "  expires_ms INTEGER NOT NULL);",
};
/* The same for PostgreSQL, index for index. */
static const char *const pg_migrations[] = {
    "CREATE TABLE collectors(id TEXT PRIMARY KEY, name TEXT NOT NULL, zone TEXT NOT NULL,"
    "  scopes TEXT NOT NULL, public_key TEXT NOT NULL, token_id TEXT NOT NULL,"
    "  created TEXT NOT NULL, revoked TEXT, seq BIGINT NOT NULL);"
    "CREATE UNIQUE INDEX collectors_active_name ON collectors(name) WHERE revoked IS NULL;"
    "CREATE INDEX collectors_token ON collectors(token_id);"
    "CREATE TABLE collector_leases(job TEXT PRIMARY KEY, collector TEXT NOT NULL,"
    "  expires_ms BIGINT NOT NULL);",
};
_Static_assert(sizeof pg_migrations == sizeof migrations, "one PostgreSQL script per migration");
static const ism_store_schema schema = {
    "collectors", migrations, (int)(sizeof migrations / sizeof migrations[0]), pg_migrations};

const ism_store_schema *ism_store_collectors_schema(void)
{
    return &schema;
}

#define COLS "id,name,zone,scopes,public_key,token_id,created,revoked"

static json_t *row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", ism_stmt_json_text(s, 0),
                     "name", ism_stmt_json_text(s, 1), "zone", ism_stmt_json_text(s, 2), "scopes",
                     ism_stmt_json(s, 3), "public_key", ism_stmt_json_text(s, 4), "token_id",
                     ism_stmt_json_text(s, 5), "created", ism_stmt_json_text(s, 6), "revoked",
                     ism_stmt_json_text(s, 7));
}

static json_t *one(ism_store *st, const char *sql, const char *arg, ism_error *err)
{
    const char *args[] = {arg};
    json_t *rows = ism_store_select(st, sql, args, 1, row, err);
    if (!rows) return NULL;
    json_t *r = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return r;
}

bool ism_store_collector_register(ism_store *st, const char *name, const char *zone,
                                  const json_t *scopes, const char *public_key, char token_out[80],
                                  json_t **row_out, ism_error *err)
{
    if (row_out) *row_out = NULL;
    json_t *dup =
        one(st, "SELECT " COLS " FROM collectors WHERE name=?1 AND revoked IS NULL", name, err);
    if (dup) {
        json_decref(dup);
        return ism_error_set(err, ISM_E_CONFLICT,
                             "a collector named '%s' is already registered; revoke it first", name);
    }
    char tname[128];
    snprintf(tname, sizeof tname, "collector %.100s", name);
    ism_token_info info;
    if (!ism_store_token_create(st, tname, ISM_ROLE_COLLECTOR, "", token_out, &info, err))
        return false;
    char id[64], now[32];
    if (!ism_new_id("col", id)) return ism_error_set(err, ISM_E_INTERNAL, "no randomness");
    ism_now_iso(now);
    char *sc = json_dumps(scopes, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    const char *args[] = {id, name, zone, sc, public_key, info.id, now};
    bool ok = ism_store_write(st,
                              "INSERT INTO collectors(id,name,zone,scopes,public_key,token_id,"
                              "created,seq) VALUES(?1,?2,?3,?4,?5,?6,?7,"
                              "(SELECT COALESCE(MAX(seq),0)+1 FROM collectors))",
                              args, 7, NULL, err);
    free(sc);
    if (!ok) {
        /* A token without its collector would be a credential for nothing: take it back. */
        ism_error e = {0};
        ism_store_token_revoke(st, info.id, NULL, &e);
        ism_error_clear(&e);
        memset(token_out, 0, 80);
        return false;
    }
    if (row_out) {
        *row_out = one(st, "SELECT " COLS " FROM collectors WHERE id=?1", id, err);
        if (!*row_out) return false;
    }
    return true;
}

json_t *ism_store_collector_list(ism_store *st, ism_error *err)
{
    return ism_store_select(st, "SELECT " COLS " FROM collectors ORDER BY seq DESC", NULL, 0, row,
                            err);
}

bool ism_store_collector_revoke(ism_store *st, const char *id, ism_error *err)
{
    json_t *c = one(st, "SELECT " COLS " FROM collectors WHERE id=?1 AND revoked IS NULL", id, err);
    if (!c) {
        if (err->code != ISM_OK) return false;
        return ism_error_set(err, ISM_E_NOT_FOUND, "no active collector with id %s", id);
    }
    char now[32];
    ism_now_iso(now);
    const char *args[] = {id, now};
    bool ok =
        ism_store_write(st, "UPDATE collectors SET revoked=?2 WHERE id=?1", args, 2, NULL, err);
    ism_error e = {0};
    if (ok && !ism_store_token_revoke(st, ism_json_getstr(c, "token_id"), NULL, &e) &&
        e.code != ISM_E_NOT_FOUND && e.code != ISM_E_CONFLICT) {
        ok = false;
        *err = e;
        e = (ism_error){0};
    }
    ism_error_clear(&e);
    json_decref(c);
    /* Its jobs go back to the queue at once (another collector of the zone may take them). */
    const char *a1[] = {id, now};
    ok = ok && ism_store_write(st,
                               "UPDATE jobs SET state='queued', updated=?2, message='its collector "
                               "was revoked; back in the queue' WHERE state='running' AND id IN "
                               "(SELECT job FROM collector_leases WHERE collector=?1)",
                               a1, 2, NULL, err);
    ok = ok &&
         ism_store_write(st, "DELETE FROM collector_leases WHERE collector=?1", a1, 1, NULL, err);
    return ok;
}

json_t *ism_store_collector_by_token(ism_store *st, const char *token_id, ism_error *err)
{
    json_t *c = one(st, "SELECT " COLS " FROM collectors WHERE token_id=?1 AND revoked IS NULL",
                    token_id, err);
    if (!c && err->code == ISM_OK)
        ism_error_set(err, ISM_E_PERMISSION_DENIED,
                      "this token belongs to no active collector (revoked or never registered)");
    return c;
}

bool ism_store_collector_lease(ism_store *st, const char *job_id, const char *collector_id,
                               int64_t now_ms, int64_t lease_ms, ism_error *err)
{
    char until[32];
    snprintf(until, sizeof until, "%lld", (long long)(now_ms + lease_ms));
    const char *args[] = {job_id, collector_id, until};
    return ism_store_write(st,
                           "INSERT INTO collector_leases(job,collector,expires_ms) "
                           "VALUES(?1,?2,CAST(?3 AS BIGINT)) ON CONFLICT(job) DO UPDATE SET "
                           "collector=excluded.collector, expires_ms=excluded.expires_ms",
                           args, 3, NULL, err);
}

bool ism_store_collector_renew(ism_store *st, const char *job_id, const char *collector_id,
                               int64_t now_ms, int64_t lease_ms, ism_error *err)
{
    char until[32];
    snprintf(until, sizeof until, "%lld", (long long)(now_ms + lease_ms));
    const char *args[] = {job_id, collector_id, until};
    int changed = 0;
    if (!ism_store_write(st,
                         "UPDATE collector_leases SET expires_ms=CAST(?3 AS BIGINT) WHERE job=?1 "
                         "AND collector=?2 AND EXISTS (SELECT 1 FROM jobs WHERE id=?1 AND "
                         "state='running')",
                         args, 3, &changed, err))
        return false;
    if (changed == 0)
        return ism_error_set(err, ISM_E_CONFLICT,
                             "job %s is not running under this collector's lease (it expired and "
                             "the job was requeued, or the job ended)",
                             job_id);
    return true;
}

bool ism_store_collector_release(ism_store *st, const char *job_id, ism_error *err)
{
    const char *args[] = {job_id};
    return ism_store_write(st, "DELETE FROM collector_leases WHERE job=?1", args, 1, NULL, err);
}

static json_t *first_col(ism_stmt *s)
{
    return ism_stmt_json_text(s, 0);
}

bool ism_store_collector_expire(ism_store *st, int64_t now_ms, int *requeued, ism_error *err)
{
    char now_s[32], iso[32];
    snprintf(now_s, sizeof now_s, "%lld", (long long)now_ms);
    ism_now_iso(iso);
    const char *args[] = {now_s, iso};
    int n = 0;
    if (requeued) *requeued = 0;
    /* Called every second by the daemon: a read first, so that an idle store is not written. */
    json_t *due = ism_store_select(
        st, "SELECT job FROM collector_leases WHERE expires_ms < CAST(?1 AS BIGINT) LIMIT 1", args,
        1, first_col, err);
    if (!due) return false;
    size_t ndue = json_array_size(due);
    json_decref(due);
    if (ndue == 0) return true;
    bool ok = ism_store_write(
        st,
        "UPDATE jobs SET state='queued', updated=?2, message='its collector stopped reporting; "
        "back in the queue' WHERE state='running' AND id IN (SELECT job FROM collector_leases "
        "WHERE expires_ms < CAST(?1 AS BIGINT))",
        args, 2, &n, err);
    ok = ok &&
         ism_store_write(st, "DELETE FROM collector_leases WHERE expires_ms < CAST(?1 AS BIGINT)",
                         args, 1, NULL, err);
    if (ok && requeued) *requeued = n;
    if (ok && n > 0)
        ism_logj(ISM_LOG_WARN, "collector.lease_expired", json_pack("{s:i}", "jobs", n),
                 "%d collection job(s) returned to the queue: their collector stopped reporting",
                 n);
    return ok;
}
