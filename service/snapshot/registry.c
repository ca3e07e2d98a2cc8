/* registry.c — the store's record of every snapshot: where its file is, its hash and
 * signature once sealed, and who it belongs to; and the verification of a file against it. */
#include "ismap/snapshot.h"
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
    "CREATE TABLE snapshots(id TEXT PRIMARY KEY, provider TEXT NOT NULL, path TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('collecting','sealed','failed')),"
    "  scope TEXT NOT NULL DEFAULT '{}', org TEXT NOT NULL DEFAULT '', job TEXT,"
    "  sha256 TEXT, signature TEXT, summary TEXT, reason TEXT, created TEXT NOT NULL,"
    "  sealed TEXT, seq INTEGER NOT NULL);"
    "CREATE INDEX snapshots_org ON snapshots(org, seq);",
    /* 2: snapshots sealed and signed by a remote collector keep the signer's public key. */
    "ALTER TABLE snapshots ADD COLUMN signer_public TEXT;"
    "ALTER TABLE snapshots ADD COLUMN collector TEXT;",
};
/* The same on PostgreSQL, index for index with the list above. */
static const char *const pg_migrations[] = {
    "CREATE TABLE snapshots(id TEXT PRIMARY KEY, provider TEXT NOT NULL, path TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('collecting','sealed','failed')),"
    "  scope TEXT NOT NULL DEFAULT '{}', org TEXT NOT NULL DEFAULT '', job TEXT,"
    "  sha256 TEXT, signature TEXT, summary TEXT, reason TEXT, created TEXT NOT NULL,"
    "  sealed TEXT, seq BIGINT NOT NULL);"
    "CREATE INDEX snapshots_org ON snapshots(org, seq);",
    "ALTER TABLE snapshots ADD COLUMN signer_public TEXT;"
    "ALTER TABLE snapshots ADD COLUMN collector TEXT;",
};
_Static_assert(sizeof migrations / sizeof migrations[0] ==
                   sizeof pg_migrations / sizeof pg_migrations[0],
               "the snapshot registry's SQLite and PostgreSQL migrations go index for index");
static const ism_store_schema schema = {
    "snapshots", migrations, (int)(sizeof migrations / sizeof migrations[0]), pg_migrations};

const ism_store_schema *ism_snapshot_schema(void)
{
    return &schema;
}

char *ism_snapshot_seal_statement(const char *id, const char *provider, const char *sha256)
{
    return ism_strdupf("ismap-assess snapshot seal v1\nid=%s\nprovider=%s\nsha256=%s\n", id,
                       provider, sha256);
}

bool ism_snapshot_register(ism_store *st, const char *id, const char *provider, const char *path,
                           const json_t *scope, const char *org, const char *job_id, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    char *sc = scope ? json_dumps(scope, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    const char *args[] = {id, provider, path, sc, org ? org : "", job_id, now};
    bool ok =
        ism_store_write(st,
                        "INSERT INTO snapshots(id,provider,path,state,scope,org,job,created,seq) "
                        "VALUES(?1,?2,?3,'collecting',?4,?5,?6,?7,"
                        "(SELECT COALESCE(MAX(seq),0)+1 FROM snapshots))",
                        args, 7, NULL, err);
    free(sc);
    return ok;
}

bool ism_snapshot_record_seal(ism_store *st, const char *id, const char *sha256,
                              const char *signature, const json_t *summary, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    char *sum = summary ? json_dumps(summary, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    const char *args[] = {id, sha256, signature, sum, now};
    int changed = 0;
    bool ok = ism_store_write(st,
                              "UPDATE snapshots SET state='sealed', sha256=?2, signature=?3, "
                              "summary=?4, sealed=?5 WHERE id=?1 AND state='collecting'",
                              args, 5, &changed, err);
    free(sum);
    if (ok && changed == 0)
        return ism_error_set(err, ISM_E_CONFLICT, "snapshot %s is not being collected", id);
    return ok;
}

bool ism_snapshot_record_seal_by(ism_store *st, const char *id, const char *sha256,
                                 const char *signature, const json_t *summary,
                                 const char *signer_public, const char *collector, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    char *sum = summary ? json_dumps(summary, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    const char *args[] = {id, sha256, signature, sum, now, signer_public, collector};
    int changed = 0;
    bool ok = ism_store_write(st,
                              "UPDATE snapshots SET state='sealed', sha256=?2, signature=?3, "
                              "summary=?4, sealed=?5, signer_public=?6, collector=?7 "
                              "WHERE id=?1 AND state='collecting'",
                              args, 7, &changed, err);
    free(sum);
    if (ok && changed == 0)
        return ism_error_set(err, ISM_E_CONFLICT, "snapshot %s is not being collected", id);
    return ok;
}

bool ism_snapshot_record_failure(ism_store *st, const char *id, const char *reason, ism_error *err)
{
    const char *args[] = {id, reason};
    return ism_store_write(st,
                           "UPDATE snapshots SET state='failed', reason=?2 WHERE id=?1 AND "
                           "state='collecting'",
                           args, 2, NULL, err);
}

#define COLS                                                                                       \
    "id,provider,state,path,sha256,created,sealed,org,job,summary,scope,signature,reason,"         \
    "signer_public,collector"

static json_t *row(ism_stmt *s, bool full)
{
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                          ism_stmt_json_text(s, 0), "provider", ism_stmt_json_text(s, 1), "state",
                          ism_stmt_json_text(s, 2), "path", ism_stmt_json_text(s, 3), "sha256",
                          ism_stmt_json_text(s, 4), "created", ism_stmt_json_text(s, 5), "sealed",
                          ism_stmt_json_text(s, 6), "org", ism_stmt_json_text(s, 7), "job",
                          ism_stmt_json_text(s, 8), "summary", ism_stmt_json(s, 9));
    if (full) {
        json_object_set_new(o, "scope", ism_stmt_json(s, 10));
        json_object_set_new(o, "signature", ism_stmt_json_text(s, 11));
        json_object_set_new(o, "reason", ism_stmt_json_text(s, 12));
        json_object_set_new(o, "signed_by",
                            ism_stmt_is_null(s, 13)
                                ? json_pack("{s:b}", "installation", true)
                                : json_pack("{s:o, s:o}", "collector", ism_stmt_json_text(s, 14),
                                            "public_key", ism_stmt_json_text(s, 13)));
    }
    return o;
}

json_t *ism_snapshot_list(ism_store *st, const char *org, int limit, ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    json_t *arr = NULL;
    ism_stmt *s = ism_db_prepare(db,
                                 "SELECT " COLS " FROM snapshots WHERE (CAST(?1 AS TEXT)='' OR "
                                 "org=?1) ORDER BY seq DESC LIMIT CAST(?2 AS BIGINT)",
                                 err);
    if (!s) {
        ism_db_error(db, err, "listing snapshots");
    } else {
        ism_stmt_bind_text(s, 1, org ? org : "");
        ism_stmt_bind_int64(s, 2, limit);
        arr = json_array();
        int rc;
        while ((rc = ism_stmt_step(s, err)) == ISM_DB_ROW)
            json_array_append_new(arr, row(s, false));
        if (rc != ISM_DB_DONE) {
            ism_db_error(db, err, "listing snapshots");
            json_decref(arr);
            arr = NULL;
        }
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return arr;
}

json_t *ism_snapshot_get(ism_store *st, const char *id, const char *org, ism_error *err)
{
    ism_db *db = ism_store_reader(st);
    json_t *o = NULL;
    ism_stmt *s = ism_db_prepare(db,
                                 "SELECT " COLS " FROM snapshots WHERE id=?1 AND "
                                 "(CAST(?2 AS TEXT)='' OR org=?2)",
                                 err);
    if (!s) {
        ism_db_error(db, err, "reading a snapshot");
    } else {
        ism_stmt_bind_text(s, 1, id);
        ism_stmt_bind_text(s, 2, org ? org : "");
        int rc = ism_stmt_step(s, err);
        if (rc == ISM_DB_ROW)
            o = row(s, true);
        else if (rc == ISM_DB_DONE)
            ism_error_set(err, ISM_E_NOT_FOUND, "no snapshot with id %s", id);
        else
            ism_db_error(db, err, "reading a snapshot");
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    return o;
}

json_t *ism_snapshot_verify(ism_store *st, ism_signer *signer, const char *id, const char *org,
                            ism_error *err)
{
    json_t *snap = ism_snapshot_get(st, id, org, err);
    if (!snap) return NULL;
    const char *state = ism_json_getstr(snap, "state");
    const char *recorded = ism_json_getstr(snap, "sha256");
    const char *sig = ism_json_getstr(snap, "signature");
    json_t *out =
        json_pack("{s:s, s:s, s:s?}", "id", id, "state", state, "recorded_sha256", recorded);
    char sha[65] = "";
    ism_error ferr = {0};
    bool have_file = ism_snapshot_file_sha256(ism_json_getstr(snap, "path"), sha, &ferr);
    bool hash_ok = have_file && recorded && strcmp(sha, recorded) == 0;
    bool sig_ok = false;
    /* A collector's snapshot is checked against the key it was registered with. */
    const char *pub = ism_json_getstr(json_object_get(snap, "signed_by"), "public_key");
    if (recorded && sig && (signer || pub)) {
        char *stmt = ism_snapshot_seal_statement(id, ism_json_getstr(snap, "provider"), recorded);
        sig_ok = pub ? ism_signer_verify_public(pub, stmt, strlen(stmt), sig)
                     : ism_signer_verify(signer, stmt, strlen(stmt), sig);
        free(stmt);
    }
    const char *problem = NULL;
    if (strcmp(state, "sealed") != 0)
        problem = "the snapshot is not sealed";
    else if (!have_file)
        problem = ferr.message;
    else if (!hash_ok)
        problem = "the file's SHA-256 differs from the one recorded at sealing: it was changed";
    else if (!sig_ok)
        problem = pub ? "the signature does not verify with the collector's registered key"
                      : "the signature does not verify with this installation's key";
    json_object_set_new(out, "file_sha256", have_file ? json_string(sha) : json_null());
    json_object_set_new(out, "hash_matches", json_boolean(hash_ok));
    json_object_set_new(out, "signature_valid", json_boolean(sig_ok));
    json_object_set_new(out, "ok", json_boolean(!problem));
    json_object_set(out, "signed_by", json_object_get(snap, "signed_by"));
    json_object_set_new(out, "problem", problem ? json_string(problem) : json_null());
    ism_error_clear(&ferr);
    json_decref(snap);
    return out;
}

ism_snapshot *ism_snapshot_open_verified(ism_store *st, ism_signer *signer, const char *id,
                                         const char *org, json_t **row_out, ism_error *err)
{
    if (row_out) *row_out = NULL;
    json_t *v = ism_snapshot_verify(st, signer, id, org, err);
    if (!v) return NULL;
    if (!json_is_true(json_object_get(v, "ok"))) {
        const char *problem = ism_json_getstr(v, "problem");
        ism_error_set(err, ISM_E_INTEGRITY, "snapshot %s does not verify and is not evaluated: %s",
                      id, problem ? problem : "unknown problem");
        ism_error_detail(err, json_pack("{s:s, s:O, s:O, s:O}", "snapshot", id, "hash_matches",
                                        json_object_get(v, "hash_matches"), "signature_valid",
                                        json_object_get(v, "signature_valid"), "file_sha256",
                                        json_object_get(v, "file_sha256")));
        json_decref(v);
        return NULL;
    }
    json_decref(v);
    json_t *row = ism_snapshot_get(st, id, org, err);
    if (!row) return NULL;
    ism_snapshot *s = ism_snapshot_open(ism_json_getstr(row, "path"), false, err);
    if (s && row_out)
        *row_out = row;
    else
        json_decref(row);
    return s;
}
