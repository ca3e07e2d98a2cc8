/* snapshot.c — writing, reading and sealing snapshot files (docs/snapshot-format.md). */
#include "ismap/snapshot.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ism_snapshot {
    sqlite3 *db;
    char *path;
    bool writable;
    sqlite3_stmt *put_res, *put_call, *put_cov, *get_man, *get_cov;
    char *man_value;
    /* The providers the coverage table holds (a snapshot has one, in practice), so a coverage
     * lookup can use the primary key (provider first) instead of scanning the table: loaded on
     * the first lookup, kept up to date by put_coverage. More than COV_PROVIDERS: scan. */
#define COV_PROVIDERS 8
    char *cov_prov[COV_PROVIDERS];
    int ncov_prov; /* -1: too many */
    bool cov_loaded;
};

static const char *const schema_sql =
    "CREATE TABLE manifest(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE resources(provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,"
    "  service TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, arn TEXT,"
    "  data TEXT NOT NULL, PRIMARY KEY(provider, account, region, type, id));"
    "CREATE INDEX resources_type ON resources(type);"
    "CREATE TABLE calls(seq INTEGER PRIMARY KEY, provider TEXT, account TEXT, region TEXT,"
    "  service TEXT, operation TEXT, status TEXT, http_status INTEGER, attempts INTEGER,"
    "  latency_ms INTEGER, error_code TEXT, error_message TEXT, request_id TEXT, started TEXT);"
    "CREATE TABLE coverage(provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,"
    "  service TEXT NOT NULL, operation TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,"
    "  PRIMARY KEY(provider, account, region, operation));";

static bool db_error(ism_snapshot *s, ism_error *err, const char *what)
{
    return ism_error_set(err, ISM_E_IO, "snapshot %s: %s: %s", s->path, what,
                         s->db ? sqlite3_errmsg(s->db) : "no database");
}

static bool prepare_all(ism_snapshot *s, ism_error *err)
{
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM manifest WHERE key=?", -1, &s->get_man,
                           NULL) != SQLITE_OK)
        return db_error(s, err, "not a snapshot (no manifest)");
    if (!s->writable) return true;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO resources VALUES(?,?,?,?,?,?,?,?)", -1,
                           &s->put_res, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO calls(provider,account,region,service,operation,status,"
                           "http_status,attempts,latency_ms,error_code,error_message,request_id,"
                           "started) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s->put_call, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO coverage VALUES(?,?,?,?,?,?,?)", -1,
                           &s->put_cov, NULL) != SQLITE_OK)
        return db_error(s, err, "prepare");
    return true;
}

static ism_snapshot *open_db(const char *path, int flags, bool writable, ism_error *err)
{
    ism_snapshot *s = calloc(1, sizeof *s);
    s->path = strdup(path);
    s->writable = writable;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        db_error(s, err, "cannot open");
        ism_snapshot_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 10000);
    return s;
}

ism_snapshot *ism_snapshot_create(const char *path, const char *id, const char *provider,
                                  const json_t *scope, ism_error *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        ism_error_set(err, ISM_E_CONFLICT, "snapshot file %s already exists", path);
        return NULL;
    }
    ism_snapshot *s = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, true, err);
    if (!s) return NULL;
    char now[32], fmt[8];
    ism_now_iso(now);
    snprintf(fmt, sizeof fmt, "%d", ISM_SNAPSHOT_FORMAT);
    char *scope_s = scope ? json_dumps(scope, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    bool ok = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                           NULL) == SQLITE_OK &&
              sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) db_error(s, err, "create");
    ok = ok && prepare_all(s, err);
    const char *kv[][2] = {{"format", fmt},        {"id", id},
                           {"provider", provider}, {"state", "collecting"},
                           {"created", now},       {"tool", "ismap-assess " ISM_VERSION},
                           {"scope", scope_s}};
    for (size_t i = 0; ok && i < sizeof kv / sizeof kv[0]; i++)
        ok = ism_snapshot_set_manifest(s, kv[i][0], kv[i][1], err);
    free(scope_s);
    if (!ok) {
        ism_snapshot_close(s);
        remove(path);
        return NULL;
    }
    return s;
}

ism_snapshot *ism_snapshot_open(const char *path, bool writable, ism_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        ism_error_set(err, ISM_E_NOT_FOUND, "no snapshot file %s", path);
        return NULL;
    }
    ism_snapshot *s =
        open_db(path, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, writable, err);
    if (!s || !prepare_all(s, err)) {
        ism_snapshot_close(s);
        return NULL;
    }
    const char *fmt = ism_snapshot_manifest(s, "format");
    if (!fmt || atoi(fmt) != ISM_SNAPSHOT_FORMAT) {
        ism_error_set(err, fmt ? ISM_E_VERSION : ISM_E_INVALID_DATA,
                      "snapshot %s has format %s; this build reads format %d", path,
                      fmt ? fmt : "(none)", ISM_SNAPSHOT_FORMAT);
        ism_snapshot_close(s);
        return NULL;
    }
    const char *state = ism_snapshot_manifest(s, "state");
    if (writable && (!state || strcmp(state, "collecting") != 0)) {
        ism_error_set(err, ISM_E_CONFLICT, "snapshot %s is sealed and cannot be written", path);
        ism_snapshot_close(s);
        return NULL;
    }
    return s;
}

void ism_snapshot_close(ism_snapshot *s)
{
    if (!s) return;
    sqlite3_finalize(s->put_res);
    sqlite3_finalize(s->put_call);
    sqlite3_finalize(s->put_cov);
    sqlite3_finalize(s->get_man);
    sqlite3_finalize(s->get_cov);
    for (int i = 0; i < s->ncov_prov; i++)
        free(s->cov_prov[i]);
    sqlite3_close(s->db);
    free(s->man_value);
    free(s->path);
    free(s);
}

sqlite3 *ism_snapshot_db(ism_snapshot *s)
{
    return s->db;
}

const char *ism_snapshot_manifest(ism_snapshot *s, const char *key)
{
    free(s->man_value);
    s->man_value = NULL;
    sqlite3_reset(s->get_man);
    sqlite3_bind_text(s->get_man, 1, key, -1, SQLITE_STATIC);
    /* A manifest row may hold NULL in a file written by someone else: read as absent. */
    if (sqlite3_step(s->get_man) == SQLITE_ROW && sqlite3_column_text(s->get_man, 0))
        s->man_value = strdup((const char *)sqlite3_column_text(s->get_man, 0));
    sqlite3_reset(s->get_man);
    return s->man_value;
}

bool ism_snapshot_set_manifest(ism_snapshot *s, const char *key, const char *value, ism_error *err)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO manifest VALUES(?,?)", -1, &st,
                                 NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok ? true : db_error(s, err, "manifest");
}

bool ism_snapshot_begin(ism_snapshot *s, ism_error *err)
{
    return sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
               ? true
               : db_error(s, err, "begin");
}

bool ism_snapshot_commit(ism_snapshot *s, ism_error *err)
{
    return sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
               ? true
               : db_error(s, err, "commit");
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

bool ism_snapshot_put_resource(ism_snapshot *s, const ism_resource *r, ism_error *err)
{
    if (!s->writable) return ism_error_set(err, ISM_E_CONFLICT, "snapshot is read-only");
    if (!r->provider || !r->account || !r->region || !r->service || !r->type || !r->id)
        return ism_error_set(err, ISM_E_INTERNAL,
                             "resource without provider/account/region/"
                             "service/type/id");
    char *data = json_dumps(r->data, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    sqlite3_stmt *st = s->put_res;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    bind_opt(st, 1, r->provider);
    bind_opt(st, 2, r->account);
    bind_opt(st, 3, r->region);
    bind_opt(st, 4, r->service);
    bind_opt(st, 5, r->type);
    bind_opt(st, 6, r->id);
    bind_opt(st, 7, r->arn);
    sqlite3_bind_text(st, 8, data ? data : "null", -1, SQLITE_TRANSIENT);
    free(data);
    return sqlite3_step(st) == SQLITE_DONE ? true : db_error(s, err, "put resource");
}

bool ism_snapshot_put_call(ism_snapshot *s, const ism_call *c, ism_error *err)
{
    if (!s->writable) return ism_error_set(err, ISM_E_CONFLICT, "snapshot is read-only");
    sqlite3_stmt *st = s->put_call;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    bind_opt(st, 1, c->provider);
    bind_opt(st, 2, c->account);
    bind_opt(st, 3, c->region);
    bind_opt(st, 4, c->service);
    bind_opt(st, 5, c->operation);
    bind_opt(st, 6, c->status);
    sqlite3_bind_int(st, 7, c->http_status);
    sqlite3_bind_int(st, 8, c->attempts);
    sqlite3_bind_int64(st, 9, c->latency_ms);
    bind_opt(st, 10, c->error_code);
    bind_opt(st, 11, c->error_message);
    bind_opt(st, 12, c->request_id);
    bind_opt(st, 13, c->started);
    return sqlite3_step(st) == SQLITE_DONE ? true : db_error(s, err, "put call");
}

static void cov_note_provider(ism_snapshot *s, const char *provider)
{
    if (s->ncov_prov < 0) return;
    for (int i = 0; i < s->ncov_prov; i++)
        if (!strcmp(s->cov_prov[i], provider)) return;
    if (s->ncov_prov == COV_PROVIDERS) {
        for (int i = 0; i < s->ncov_prov; i++)
            free(s->cov_prov[i]);
        s->ncov_prov = -1;
        return;
    }
    char *p = strdup(provider);
    if (p)
        s->cov_prov[s->ncov_prov++] = p;
    else
        s->ncov_prov = -1; /* unknown: scan */
}

static void cov_load_providers(ism_snapshot *s)
{
    sqlite3_stmt *st = NULL;
    s->cov_loaded = true;
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT provider FROM coverage", -1, &st, NULL) !=
        SQLITE_OK) {
        s->ncov_prov = -1;
        return;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (sqlite3_column_text(st, 0))
            cov_note_provider(s, (const char *)sqlite3_column_text(st, 0));
    if (rc != SQLITE_DONE) s->ncov_prov = -1;
    sqlite3_finalize(st);
}

bool ism_snapshot_put_coverage(ism_snapshot *s, const char *provider, const char *account,
                               const char *region, const char *service, const char *operation,
                               const char *state, const char *reason, ism_error *err)
{
    if (!s->writable) return ism_error_set(err, ISM_E_CONFLICT, "snapshot is read-only");
    static const char *const states[] = {"complete", "denied", "failed", "not_enabled", "skipped"};
    bool known = false;
    for (size_t i = 0; i < 5; i++)
        known |= state && !strcmp(state, states[i]);
    if (!known) return ism_error_set(err, ISM_E_INTERNAL, "unknown coverage state %s", state);
    sqlite3_stmt *st = s->put_cov;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    bind_opt(st, 1, provider);
    bind_opt(st, 2, account);
    bind_opt(st, 3, region);
    bind_opt(st, 4, service);
    bind_opt(st, 5, operation);
    bind_opt(st, 6, state);
    bind_opt(st, 7, reason);
    if (sqlite3_step(st) != SQLITE_DONE) return db_error(s, err, "put coverage");
    if (s->cov_loaded && provider) cov_note_provider(s, provider);
    return true;
}

static char *cov_state(sqlite3_stmt *st)
{
    char *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return out;
}

char *ism_snapshot_coverage(ism_snapshot *s, const char *account, const char *region,
                            const char *operation)
{
    if (!s->cov_loaded) cov_load_providers(s);
    if (s->ncov_prov >= 0) {
        if (!s->get_cov &&
            sqlite3_prepare_v2(s->db,
                               "SELECT state FROM coverage WHERE provider=? AND account=? AND "
                               "region=? AND operation=?",
                               -1, &s->get_cov, NULL) != SQLITE_OK)
            return NULL;
        for (int i = 0; i < s->ncov_prov; i++) {
            sqlite3_bind_text(s->get_cov, 1, s->cov_prov[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(s->get_cov, 2, account, -1, SQLITE_STATIC);
            sqlite3_bind_text(s->get_cov, 3, region, -1, SQLITE_STATIC);
            sqlite3_bind_text(s->get_cov, 4, operation, -1, SQLITE_STATIC);
            char *out = cov_state(s->get_cov);
            sqlite3_clear_bindings(s->get_cov);
            if (out) return out;
        }
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT state FROM coverage WHERE account=? AND region=? AND "
                           "operation=?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, operation, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            out = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
}

bool ism_snapshot_file_sha256(const char *path, char sha_out[65], ism_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return ism_error_set(err, ISM_E_IO, "cannot open %s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    bool ioerr = ferror(fp);
    fclose(fp);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    if (ioerr) return ism_error_set(err, ISM_E_IO, "read error on %s", path);
    ism_hex(md, 32, sha_out);
    return true;
}

bool ism_snapshot_seal(ism_snapshot *s, char sha_out[65], ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    bool ok = ism_snapshot_set_manifest(s, "finished", now, err) &&
              ism_snapshot_set_manifest(s, "state", "sealed", err);
    if (ok && (sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;",
                            NULL, NULL, NULL) != SQLITE_OK))
        ok = db_error(s, err, "seal");
    char *path = strdup(s->path);
    ism_snapshot_close(s);
    if (ok) {
        chmod(path, 0400);
        ok = ism_snapshot_file_sha256(path, sha_out, err);
    }
    free(path);
    return ok;
}

json_t *ism_snapshot_summary(ism_snapshot *s)
{
    json_t *o = json_object(), *cov = json_object();
    sqlite3_stmt *st = NULL;
    /* api_calls: calls logged (one per call of an operation: a page, a per-resource call, a
     * poll); http_requests: their HTTP requests, retries included. The collection job reports
     * the same two numbers under the same names. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT count(*) FROM resources), (SELECT count(*) "
                           "FROM calls), (SELECT coalesce(sum(attempts),0) FROM calls)",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        json_object_set_new(o, "resources", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(o, "api_calls", json_integer(sqlite3_column_int64(st, 1)));
        json_object_set_new(o, "http_requests", json_integer(sqlite3_column_int64(st, 2)));
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->db, "SELECT state, count(*) FROM coverage GROUP BY state", -1, &st,
                           NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            json_object_set_new(cov, (const char *)sqlite3_column_text(st, 0),
                                json_integer(sqlite3_column_int64(st, 1)));
    sqlite3_finalize(st);
    json_object_set_new(o, "coverage", cov);
    return o;
}
