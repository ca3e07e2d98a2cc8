/* tokens.c — API tokens: created with 256 random bits, stored only as a SHA-256 hash. */
#include "ismap/store.h"

#include <string.h>
#include <time.h>

bool ism_store_token_create(ism_store *st, const char *name, ism_role role, const char *org,
                            char token_out[80], ism_token_info *info, ism_error *err)
{
    unsigned char raw[32];
    char hex[65], hash[65], now[32];
    if (!ism_random_bytes(raw, sizeof raw))
        return ism_error_set(err, ISM_E_INTERNAL, "no secure randomness available");
    ism_hex(raw, sizeof raw, hex);
    snprintf(token_out, 80, "ism_%s", hex);
    ism_sha256_hex(token_out, strlen(token_out), hash);
    memset(info, 0, sizeof *info);
    if (!ism_new_id("tok", info->id))
        return ism_error_set(err, ISM_E_INTERNAL, "no secure randomness available");
    ism_strlcpy(info->name, name ? name : "", sizeof info->name);
    ism_strlcpy(info->org, org ? org : "", sizeof info->org);
    info->role = role;
    ism_now_iso(now);

    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return false;
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_prepare_v2(db,
                                 "INSERT INTO tokens(id,name,role,org,hash,created) "
                                 "VALUES(?,?,?,?,?,?)",
                                 -1, &s, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, info->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, info->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, ism_role_name(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, info->org, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
        ok = sqlite3_step(s) == SQLITE_DONE;
    }
    if (!ok) ism_store_sql_error(db, err, "creating a token");
    sqlite3_finalize(s);
    if (!ok) {
        ism_store_write_rollback(st);
        return false;
    }
    return ism_store_write_commit(st, err);
}

/* Seconds since the epoch of an ISO-8601 UTC stamp "YYYY-MM-DDTHH:MM:SS...", or -1. */
static long long iso_seconds(const char *iso)
{
    struct tm tm = {0};
    const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return -1;
    return (long long)timegm(&tm);
}

/* True when at least the last_used grain lies between the two stamps (or either is unreadable,
 * or the clock went back). */
static bool grain_passed(const char *then, const char *now)
{
    long long a = iso_seconds(then), b = iso_seconds(now);
    return a < 0 || b < 0 || b < a || b - a >= ISM_TOKEN_LAST_USED_GRAIN_S;
}

bool ism_store_token_verify(ism_store *st, const char *token, ism_token_info *out, ism_error *err)
{
    char hash[65];
    ism_sha256_hex(token, strlen(token), hash);
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    bool found = false, revoked = false;
    char last_used[32] = "";
    if (sqlite3_prepare_v2(db, "SELECT id,name,role,org,revoked,last_used FROM tokens WHERE hash=?",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            found = true;
            memset(out, 0, sizeof *out);
            ism_strlcpy(out->id, (const char *)sqlite3_column_text(s, 0), sizeof out->id);
            ism_strlcpy(out->name, (const char *)sqlite3_column_text(s, 1), sizeof out->name);
            if (!ism_role_parse((const char *)sqlite3_column_text(s, 2), &out->role))
                out->role = ISM_ROLE_VIEWER;
            ism_strlcpy(out->org, (const char *)sqlite3_column_text(s, 3), sizeof out->org);
            revoked = sqlite3_column_type(s, 4) != SQLITE_NULL;
            if (sqlite3_column_type(s, 5) == SQLITE_TEXT)
                ism_strlcpy(last_used, (const char *)sqlite3_column_text(s, 5), sizeof last_used);
        }
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    if (!found) return ism_error_set(err, ISM_E_UNAUTHENTICATED, "unknown token");
    if (revoked)
        return ism_error_set(err, ISM_E_UNAUTHENTICATED, "token %s has been revoked", out->id);

    /* last_used is advisory: a failure to record it must not deny the request, and a value
     * recorded less than a grain ago is left alone so that a busy client does not turn every
     * request into a synchronous write. */
    char now[32];
    ism_now_iso(now);
    if (last_used[0] && !grain_passed(last_used, now)) return true;
    ism_error e2 = {0};
    db = ism_store_write_begin(st, &e2);
    if (db) {
        if (sqlite3_prepare_v2(db, "UPDATE tokens SET last_used=? WHERE id=?", -1, &s, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, out->id, -1, SQLITE_STATIC);
            sqlite3_step(s);
        }
        sqlite3_finalize(s);
        ism_store_write_commit(st, &e2);
    }
    ism_error_clear(&e2);
    return true;
}

json_t *ism_store_token_list(ism_store *st, const char *org, ism_error *err)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    json_t *arr = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id,name,role,org,created,last_used,revoked FROM tokens "
                           "WHERE ?1 IS NULL OR org=?1 ORDER BY created, id",
                           -1, &s, NULL) != SQLITE_OK) {
        ism_store_sql_error(db, err, "listing tokens");
    } else {
        if (org && *org) sqlite3_bind_text(s, 1, org, -1, SQLITE_STATIC);
        arr = json_array();
        while (sqlite3_step(s) == SQLITE_ROW) {
            json_array_append_new(
                arr, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                               ism_store_col_text(s, 0), "name", ism_store_col_text(s, 1), "role",
                               ism_store_col_text(s, 2), "org", ism_store_col_text(s, 3), "created",
                               ism_store_col_text(s, 4), "last_used", ism_store_col_text(s, 5),
                               "revoked", ism_store_col_text(s, 6)));
        }
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return arr;
}

bool ism_store_token_revoke(ism_store *st, const char *id, const char *org, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    sqlite3 *db = ism_store_write_begin(st, err);
    if (!db) return false;
    sqlite3_stmt *s = NULL;
    int changed = -1;
    if (sqlite3_prepare_v2(db,
                           "UPDATE tokens SET revoked=?1 WHERE id=?2 AND revoked IS NULL "
                           "AND (?3 IS NULL OR org=?3)",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        if (org && *org) sqlite3_bind_text(s, 3, org, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_DONE) changed = sqlite3_changes(db);
    }
    sqlite3_finalize(s);
    if (changed < 0) {
        ism_store_sql_error(db, err, "revoking a token");
        ism_store_write_rollback(st);
        return false;
    }
    if (!ism_store_write_commit(st, err)) return false;
    if (changed == 0)
        return ism_error_set(err, ISM_E_NOT_FOUND, "no active token with id %s%s%s", id,
                             org && *org ? " in organization " : "", org && *org ? org : "");
    return true;
}
