/* db.c — db.h's calls, dispatched to the connection's backend, and the helpers every backend
 * shares (JSON columns, the JSON field expression). */
#include "db_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ism_db_backend ism_db_kind(const ism_db *db)
{
    return db->ops->kind;
}

ism_stmt *ism_db_prepare(ism_db *db, const char *sql, ism_error *err)
{
    return db->ops->prepare(db, sql, err);
}

bool ism_db_exec(ism_db *db, const char *sql, ism_error *err)
{
    return db->ops->exec(db, sql, err);
}

const char *ism_db_errmsg(ism_db *db)
{
    const char *m = db ? db->ops->errmsg(db) : NULL;
    return m && *m ? m : "unknown database error";
}

bool ism_db_error(ism_db *db, ism_error *err, const char *what)
{
    return ism_error_set(err, ISM_E_IO, "store: %s: %s", what, ism_db_errmsg(db));
}

void ism_db_close(ism_db *db)
{
    if (db) db->ops->close(db);
}

static bool plain_name(const char *s)
{
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.') return false;
    return true;
}

char *ism_db_json_field(const ism_db *db, const char *column, const char *key)
{
    if (!plain_name(column) || !plain_name(key) || strchr(key, '.')) return NULL;
    char *out = NULL;
    int n = db->ops->kind == ISM_DB_POSTGRES
                ? asprintf(&out, "(%s::jsonb ->> '%s')", column, key)
                : asprintf(&out, "json_extract(%s,'$.%s')", column, key);
    return n < 0 ? NULL : out;
}

/* ---- notifications -------------------------------------------------------------------------- */

static bool channel_ok(const char *channel, ism_error *err)
{
    size_t n = channel ? strlen(channel) : 0;
    bool ok = n > 0 && n < sizeof(((ism_db_notice *)0)->channel);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)channel[i]) || channel[i] == '_';
    return ok || ism_error_set(err, ISM_E_INTERNAL,
                               "store: notification channel '%s' is not a plain name of 1 to 63 "
                               "letters, digits or '_'",
                               channel ? channel : "(null)");
}

static bool not_supported(ism_db *db, ism_error *err, const char *what)
{
    (void)db;
    return ism_error_set(err, ISM_E_UNAVAILABLE,
                         "store: %s is not supported on SQLite (processes sharing a SQLite store "
                         "poll instead)",
                         what);
}

bool ism_db_notify(ism_db *db, const char *channel, const char *payload, ism_error *err)
{
    if (db->ops->kind != ISM_DB_POSTGRES) return not_supported(db, err, "NOTIFY");
    if (!channel_ok(channel, err)) return false;
    if (!payload || strlen(payload) >= ISM_DB_NOTIFY_MAX)
        return ism_error_set(err, ISM_E_INTERNAL, "store: a notification payload is 0 to %d bytes",
                             ISM_DB_NOTIFY_MAX - 1);
    return ism_db_pg_notify(db, channel, payload, err);
}

bool ism_db_listen(ism_db *db, const char *channel, ism_error *err)
{
    if (db->ops->kind != ISM_DB_POSTGRES) return not_supported(db, err, "LISTEN");
    return channel_ok(channel, err) && ism_db_pg_listen(db, channel, err);
}

int ism_db_wait_notify(ism_db *db, int timeout_ms, int wake_fd, ism_db_notice *out, ism_error *err)
{
    if (db->ops->kind != ISM_DB_POSTGRES) {
        not_supported(db, err, "waiting for notifications");
        return ISM_DB_ERROR;
    }
    return ism_db_pg_wait_notify(db, timeout_ms, wake_fd, out, err);
}

void ism_stmt_bind_text(ism_stmt *s, int i, const char *v)
{
    if (v)
        s->ops->bind_text(s, i, v);
    else
        s->ops->bind_null(s, i);
}

void ism_stmt_bind_int64(ism_stmt *s, int i, int64_t v)
{
    s->ops->bind_int64(s, i, v);
}

void ism_stmt_bind_double(ism_stmt *s, int i, double v)
{
    s->ops->bind_double(s, i, v);
}

void ism_stmt_bind_blob(ism_stmt *s, int i, const void *p, size_t n)
{
    if (p)
        s->ops->bind_blob(s, i, p, n);
    else
        s->ops->bind_null(s, i);
}

void ism_stmt_bind_null(ism_stmt *s, int i)
{
    s->ops->bind_null(s, i);
}

int ism_stmt_step(ism_stmt *s, ism_error *err)
{
    return s->ops->step(s, err);
}

int64_t ism_stmt_changes(ism_stmt *s)
{
    return s->ops->changes(s);
}

void ism_stmt_reset(ism_stmt *s)
{
    if (s) s->ops->reset(s);
}

void ism_stmt_clear_bindings(ism_stmt *s)
{
    s->ops->clear_bindings(s);
}

void ism_stmt_finalize(ism_stmt *s)
{
    if (s) s->ops->finalize(s);
}

bool ism_stmt_rows(ism_stmt *s, ism_stmt_row_fn fn, void *ctx, ism_error *err)
{
    int rc;
    while ((rc = ism_stmt_step(s, err)) == ISM_DB_ROW)
        if (!fn(s, ctx)) return true;
    return rc == ISM_DB_DONE;
}

struct json_rows {
    json_t *arr;
    json_t *(*fn)(ism_stmt *s);
};

static bool append_row(ism_stmt *s, void *ctx)
{
    struct json_rows *r = ctx;
    json_array_append_new(r->arr, r->fn(s));
    return true;
}

json_t *ism_stmt_json_rows(ism_stmt *s, json_t *(*fn)(ism_stmt *s), ism_error *err)
{
    struct json_rows r = {json_array(), fn};
    if (!ism_stmt_rows(s, append_row, &r, err)) {
        json_decref(r.arr);
        return NULL;
    }
    return r.arr;
}

int ism_stmt_columns(ism_stmt *s)
{
    return s->ops->columns(s);
}

bool ism_stmt_is_null(ism_stmt *s, int col)
{
    return s->ops->is_null(s, col);
}

const char *ism_stmt_text(ism_stmt *s, int col)
{
    return s->ops->text(s, col);
}

int64_t ism_stmt_int64(ism_stmt *s, int col)
{
    return s->ops->int64(s, col);
}

int ism_stmt_int(ism_stmt *s, int col)
{
    return (int)s->ops->int64(s, col);
}

double ism_stmt_double(ism_stmt *s, int col)
{
    return s->ops->dbl(s, col);
}

const void *ism_stmt_blob(ism_stmt *s, int col, size_t *len)
{
    return s->ops->blob(s, col, len);
}

json_t *ism_stmt_json_text(ism_stmt *s, int col)
{
    const char *t = ism_stmt_text(s, col);
    return t ? json_string(t) : json_null();
}

json_t *ism_stmt_json(ism_stmt *s, int col)
{
    const char *t = ism_stmt_text(s, col);
    if (!t) return json_null();
    json_t *v = json_loads(t, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(t);
}
