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

    ism_db *db = ism_store_writer(st, err);
    if (!db) return false;
    ism_stmt *s = ism_db_prepare(
        db, "INSERT INTO tokens(id,name,role,org,hash,created) VALUES(?,?,?,?,?,?)", err);
    bool ok = s != NULL;
    if (ok) {
        ism_stmt_bind_text(s, 1, info->id);
        ism_stmt_bind_text(s, 2, info->name);
        ism_stmt_bind_text(s, 3, ism_role_name(role));
        ism_stmt_bind_text(s, 4, info->org);
        ism_stmt_bind_text(s, 5, hash);
        ism_stmt_bind_text(s, 6, now);
        ok = ism_stmt_step(s, err) == ISM_DB_DONE;
    }
    ism_stmt_finalize(s);
    if (!ok) {
        ism_store_write_rollback(st);
        return ism_error_set(err, err ? err->code : ISM_E_IO, "creating a token: %s",
                             err ? err->message : "");
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
    ism_db *db = ism_store_reader(st);
    ism_error qe = {0};
    ism_stmt *s = ism_db_prepare(
        db, "SELECT id,name,role,org,revoked,last_used FROM tokens WHERE hash=?", &qe);
    bool found = false, revoked = false;
    char last_used[32] = "";
    int rc = ISM_DB_ERROR;
    if (s) {
        ism_stmt_bind_text(s, 1, hash);
        rc = ism_stmt_step(s, &qe);
        if (rc == ISM_DB_ROW) {
            found = true;
            memset(out, 0, sizeof *out);
            ism_strlcpy(out->id, ism_stmt_text(s, 0), sizeof out->id);
            ism_strlcpy(out->name, ism_stmt_text(s, 1), sizeof out->name);
            if (!ism_role_parse(ism_stmt_text(s, 2), &out->role)) out->role = ISM_ROLE_VIEWER;
            ism_strlcpy(out->org, ism_stmt_text(s, 3), sizeof out->org);
            revoked = !ism_stmt_is_null(s, 4);
            if (!ism_stmt_is_null(s, 5))
                ism_strlcpy(last_used, ism_stmt_text(s, 5), sizeof last_used);
        }
    }
    ism_stmt_finalize(s);
    ism_store_reader_end(st, db);
    if (rc == ISM_DB_ERROR) {
        /* The database failed (not the token): say so rather than "unknown token". */
        bool r = ism_error_set(err, ISM_E_UNAVAILABLE, "cannot check the token: %s", qe.message);
        ism_error_clear(&qe);
        return r;
    }
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
    db = ism_store_writer(st, &e2);
    if (db) {
        s = ism_db_prepare(db, "UPDATE tokens SET last_used=? WHERE id=?", &e2);
        bool ok = s != NULL;
        if (ok) {
            ism_stmt_bind_text(s, 1, now);
            ism_stmt_bind_text(s, 2, out->id);
            ok = ism_stmt_step(s, &e2) == ISM_DB_DONE;
        }
        ism_stmt_finalize(s);
        if (ok)
            ism_store_write_commit(st, &e2);
        else
            ism_store_write_rollback(st);
    }
    ism_error_clear(&e2);
    return true;
}

static json_t *token_row(ism_stmt *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", ism_stmt_json_text(s, 0), "name",
                     ism_stmt_json_text(s, 1), "role", ism_stmt_json_text(s, 2), "org",
                     ism_stmt_json_text(s, 3), "created", ism_stmt_json_text(s, 4), "last_used",
                     ism_stmt_json_text(s, 5), "revoked", ism_stmt_json_text(s, 6));
}

json_t *ism_store_token_list(ism_store *st, const char *org, ism_error *err)
{
    const char *args[] = {org && *org ? org : NULL};
    return ism_store_select(st,
                            "SELECT id,name,role,org,created,last_used,revoked FROM tokens "
                            "WHERE CAST(?1 AS TEXT) IS NULL OR org=?1 ORDER BY created, id",
                            args, 1, token_row, err);
}

bool ism_store_token_revoke(ism_store *st, const char *id, const char *org, ism_error *err)
{
    char now[32];
    ism_now_iso(now);
    const char *args[] = {now, id, org && *org ? org : NULL};
    int changed = 0;
    if (!ism_store_write(st,
                         "UPDATE tokens SET revoked=?1 WHERE id=?2 AND revoked IS NULL "
                         "AND (CAST(?3 AS TEXT) IS NULL OR org=?3)",
                         args, 3, &changed, err))
        return false;
    if (changed == 0)
        return ism_error_set(err, ISM_E_NOT_FOUND, "no active token with id %s%s%s", id,
                             org && *org ? " in organization " : "", org && *org ? org : "");
    return true;
}
