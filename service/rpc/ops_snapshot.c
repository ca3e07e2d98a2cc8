/* ops_snapshot.c — snapshot ops: list, show (with what the snapshot lacks), verify. */
#include "ismap/snapshot.h"
#include "ops.h"

#include <string.h>

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

const ism_op ism_ops_snapshot[] = {
    {"snapshot.list", op_snapshot_list, ALL, "snapshots, newest first (params: limit)"},
    {"snapshot.show", op_snapshot_show, ALL,
     "one snapshot: scope, hash, contents and what it lacks (params: id)"},
    {"snapshot.verify", op_snapshot_verify, ALL,
     "re-hash the file and check its signature (params: id)"},
    {NULL, NULL, 0, NULL},
};
