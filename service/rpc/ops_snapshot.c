/* ops_snapshot.c — snapshot ops: list, show (with what the snapshot lacks), verify. */
#include "ismap/snapshot.h"
#include "ops.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALL ISM_ROLES_ALL

OP(op_snapshot_list)
{
    json_int_t limit = 50;
    if (!ism_json_int(params, "limit", false, 1, 10000, &limit, err)) return false;
    *result = ism_snapshot_list(call->app->store, ops_org_scope(call), (int)limit, err);
    return *result != NULL;
}

/* The coverage rows that are not complete: exactly what the snapshot lacks, and why. */
static json_t *missing(ism_snapshot *s)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(s),
                           "SELECT account, region, service, operation, state, reason FROM "
                           "coverage WHERE state NOT IN ('complete','skipped') "
                           "ORDER BY account, region, service, operation",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *o = json_object();
            static const char *const keys[] = {"account",   "region", "service",
                                               "operation", "state",  "reason"};
            for (int i = 0; i < 6; i++) {
                const char *v = (const char *)sqlite3_column_text(st, i);
                json_object_set_new(o, keys[i], v ? json_string(v) : json_null());
            }
            json_array_append_new(arr, o);
        }
    }
    sqlite3_finalize(st);
    return arr;
}

OP(op_snapshot_show)
{
    const char *id;
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    json_t *row = ism_snapshot_get(call->app->store, id, ops_org_scope(call), err);
    if (!row) return false;
    ism_error ferr = {0};
    ism_snapshot *s = ism_snapshot_open(ism_json_getstr(row, "path"), false, &ferr);
    if (s) {
        json_object_set_new(row, "contents", ism_snapshot_summary(s));
        json_object_set_new(row, "missing", missing(s));
        ism_snapshot_close(s);
    } else {
        json_object_set_new(row, "file_problem", json_string(ferr.message));
        ism_error_clear(&ferr);
    }
    *result = row;
    return true;
}

OP(op_snapshot_verify)
{
    const char *id;
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    *result =
        ism_snapshot_verify(call->app->store, call->app->signer, id, ops_org_scope(call), err);
    return *result != NULL;
}

/* Writes len bytes to a new file (mode 0400 once complete). */
static bool write_new(const char *path, const void *buf, size_t len, ism_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return ism_error_set(err, ISM_E_IO, "cannot create %s", path);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, (const char *)buf + off, len - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    bool ok = off == len && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        return ism_error_set(err, ISM_E_IO, "cannot write %s", path);
    }
    chmod(path, 0400);
    return true;
}

/* Registers a sealed snapshot made elsewhere (an auditor's copy, another installation's
 * collection): the file is copied into the snapshots folder under a new id, checked to be a
 * sealed snapshot, hashed, and signed by this installation as received. */
OP(op_snapshot_import)
{
    const char *path, *b64;
    if (!ism_json_str(params, "path", false, &path, err) ||
        !ism_json_str(params, "content_base64", false, &b64, err))
        return false;
    if (!path == !b64)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "give 'path' (local socket only) or "
                             "'content_base64'");
    if (path && !call->caller->local)
        return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                             "'path' names a file on the daemon's machine and is accepted only "
                             "over the local socket; send the content instead");
    char *data = NULL;
    size_t len = 0;
    if (path) {
        data = ism_read_file(path, (size_t)1 << 34, &len, err);
        if (!data) return false;
    } else {
        size_t n = strlen(b64);
        data = malloc(n / 4 * 3 + 3);
        int dl = EVP_DecodeBlock((unsigned char *)data, (const unsigned char *)b64, (int)n);
        if (dl < 0 || n % 4) {
            free(data);
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'content_base64' is not base64");
        }
        len = (size_t)dl - (n && b64[n - 1] == '=') - (n > 1 && b64[n - 2] == '=');
    }
    char id[64], dest[4200], sha[65];
    ism_new_id("snap", id);
    snprintf(dest, sizeof dest, "%s/%s.db", call->app->snapshots_dir, id);
    bool ok = write_new(dest, data, len, err);
    free(data);
    ism_snapshot *s = ok ? ism_snapshot_open(dest, false, err) : NULL;
    const char *provider = s ? ism_snapshot_manifest(s, "provider") : NULL;
    char prov[64] = "";
    if (provider) ism_strlcpy(prov, provider, sizeof prov);
    const char *state = s ? ism_snapshot_manifest(s, "state") : NULL;
    if (s && (!state || strcmp(state, "sealed") != 0))
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "the file is a snapshot still being collected, not a sealed one");
    json_t *summary = s && ok ? ism_snapshot_summary(s) : NULL;
    ism_snapshot_close(s);
    ok = ok && s && ism_snapshot_file_sha256(dest, sha, err);
    json_t *scope = json_pack("{s:s}", "imported_from", path ? path : "upload");
    if (ok)
        ok = ism_snapshot_register(call->app->store, id, prov[0] ? prov : "unknown", dest, scope,
                                   ops_org_scope(call), NULL, err);
    if (ok) {
        char *stmt = ism_snapshot_seal_statement(id, prov[0] ? prov : "unknown", sha);
        char *sig = ism_signer_sign(call->app->signer, stmt, strlen(stmt), err);
        ok = sig && ism_snapshot_record_seal(call->app->store, id, sha, sig, summary, err);
        free(stmt);
        free(sig);
    } else if (s || access(dest, F_OK) == 0) {
        chmod(dest, 0600);
        unlink(dest);
    }
    json_decref(scope);
    json_decref(summary);
    if (!ok) return false;
    *result = ism_snapshot_get(call->app->store, id, ops_org_scope(call), err);
    return *result != NULL;
}

const ism_op ism_ops_snapshot[] = {
    {"snapshot.list", op_snapshot_list, ALL, "snapshots, newest first (params: limit)"},
    {"snapshot.show", op_snapshot_show, ALL,
     "one snapshot: scope, hash, contents and what it lacks (params: id)"},
    {"snapshot.import", op_snapshot_import, ISM_ROLE_AUDITOR,
     "register a sealed snapshot made elsewhere (params: path (local socket) or "
     "content_base64)"},
    {"snapshot.verify", op_snapshot_verify, ALL,
     "re-hash the file and check its signature (params: id)"},
    {NULL, NULL, 0, NULL},
};
