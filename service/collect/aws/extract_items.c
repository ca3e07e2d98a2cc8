/* extract_items.c — the generic extractors: one resource per item of a list, one per answer,
 * and the per-resource operations whose answers are merged into the resource they describe
 * (a user's MFA devices, a trail's status), so a check reads one row per resource. */
#include "../internal.h"
#include "ismap/aws.h"
#include "ismap/snapshot.h"

#include <stdlib.h>
#include <string.h>

/* ---- writing resources ----------------------------------------------------------------- */
bool ism_aws_put(ism_aws_xctx *x, const char *region, const char *type, const char *id,
                 const char *arn, const json_t *data, ism_error *err)
{
    ism_resource r = {"aws", x->account, region, x->op->service, type, id, arn, data};
    if (!ism_snapshot_put_resource(x->snap, &r, err)) return false;
    x->written++;
    return true;
}

void ism_aws_xcache_free(ism_aws_xcache *c)
{
    sqlite3_finalize(c->load);
    c->load = NULL;
}

/* The stored data and ARN of a resource; data NULL when there is none. */
static json_t *load(ism_aws_xctx *x, const char *region, const char *type, const char *id,
                    char **arn)
{
    sqlite3_stmt *st = x->cache ? x->cache->load : NULL;
    json_t *data = NULL;
    *arn = NULL;
    if (!st && sqlite3_prepare_v2(ism_snapshot_db(x->snap),
                                  "SELECT data, arn FROM resources WHERE provider='aws' AND "
                                  "account=? AND region=? AND type=? AND id=?",
                                  -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, x->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        data = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        const char *a = (const char *)sqlite3_column_text(st, 1);
        if (a) *arn = strdup(a);
    }
    if (x->cache) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        x->cache->load = st;
    } else {
        sqlite3_finalize(st);
    }
    return data;
}

bool ism_aws_merge(ism_aws_xctx *x, const char *region, const char *type, const char *id,
                   const char *arn, const char *key, const json_t *value, ism_error *err)
{
    char *old_arn = NULL;
    json_t *data = load(x, region, type, id, &old_arn);
    if (!json_is_object(data)) {
        json_decref(data);
        data = json_object();
    }
    if (key)
        json_object_set(data, key, (json_t *)value);
    else if (json_is_object(value))
        json_object_update(data, (json_t *)value);
    bool ok = ism_aws_put(x, region, type, id, arn ? arn : old_arn, data, err);
    json_decref(data);
    free(old_arn);
    return ok;
}

/* ---- items --------------------------------------------------------------------------- */
/* Appends the items at `path` ("Users", or "Reservations.Instances": a list inside each item
 * of a list) to out. */
static void gather(const json_t *v, const char *path, json_t *out)
{
    if (!path) {
        json_array_append(out, (json_t *)v);
        return;
    }
    const char *dot = strchr(path, '.');
    char head[128];
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof head) return;
    memcpy(head, path, n);
    head[n] = '\0';
    const json_t *sub = json_object_get(v, head);
    if (json_is_array(sub)) {
        size_t i;
        const json_t *it;
        json_array_foreach(sub, i, it)
        {
            if (dot)
                gather(it, dot + 1, out);
            else
                json_array_append(out, (json_t *)it);
        }
    } else if (sub && !json_is_null(sub)) {
        if (dot)
            gather(sub, dot + 1, out);
        else
            json_array_append(out, (json_t *)sub);
    }
}

static json_t *items_of(const ism_aws_op *op, const json_t *out)
{
    json_t *arr = json_array();
    gather(out, op->result, arr);
    return arr;
}

/* "{region}", "{account}" and "{id}" filled in. malloc'd. */
static char *fill_arn(const char *fmt, const char *region, const char *account, const char *id)
{
    ism_cbuf b = {0};
    for (const char *p = fmt; *p; p++) {
        if (!strncmp(p, "{region}", 8))
            ism_cbuf_adds(&b, region), p += 7;
        else if (!strncmp(p, "{account}", 9))
            ism_cbuf_adds(&b, account), p += 8;
        else if (!strncmp(p, "{id}", 4))
            ism_cbuf_adds(&b, id), p += 3;
        else
            ism_cbuf_addc(&b, *p);
    }
    return ism_cbuf_take(&b);
}

typedef struct item_ref {
    const char *id;
    char *arn; /* owned */
} item_ref;

static bool item_ref_of(ism_aws_xctx *x, const json_t *item, item_ref *r, ism_error *err)
{
    const ism_aws_op *op = x->op;
    r->id = op->id_field ? ism_json_getstr(item, op->id_field)
                         : (json_is_string(item) ? json_string_value(item) : NULL);
    r->arn = NULL;
    if (!r->id || !*r->id)
        return ism_error_set(err, ISM_E_UPSTREAM, "unexpected answer: an item of %s has no %s",
                             op->result, op->id_field ? op->id_field : "id");
    const char *a = op->arn_field ? ism_json_getstr(item, op->arn_field) : NULL;
    if (a)
        r->arn = strdup(a);
    else if (op->arn_fmt)
        r->arn = fill_arn(op->arn_fmt, x->region, x->account, r->id);
    return true;
}

static ism_aws_xresult each_item(ism_aws_xctx *x, const json_t *out, bool merge, ism_error *err)
{
    const ism_aws_op *op = x->op;
    json_t *items = items_of(op, out); /* an absent list is an empty one: AWS leaves them out */
    size_t i;
    json_t *it;
    bool ok = true;
    json_array_foreach(items, i, it)
    {
        item_ref r;
        if (!(ok = item_ref_of(x, it, &r, err))) break;
        if (!merge)
            ok = ism_aws_put(x, x->region, op->type, r.id, r.arn, it, err);
        else if (json_is_object(it) || op->key)
            ok = ism_aws_merge(x, x->region, op->type, r.id, r.arn, op->key, it, err);
        else /* a bare id (GuardDuty): the row exists, its details come later */
            ok = ism_aws_merge(x, x->region, op->type, r.id, r.arn, NULL, NULL, err);
        free(r.arn);
        if (!ok) break;
    }
    json_decref(items);
    return ok ? ISM_AWS_X_OK : ISM_AWS_X_ERROR;
}

ism_aws_xresult ism_aws_x_items(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    return each_item(x, out, false, err);
}

ism_aws_xresult ism_aws_x_items_merge(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    return each_item(x, out, true, err);
}

ism_aws_xresult ism_aws_x_none(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    (void)x, (void)out, (void)err;
    return ISM_AWS_X_OK;
}

/* One resource per answer: the account's (global) or the region's. */
ism_aws_xresult ism_aws_x_single(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    bool global = x->op->scope == ISM_AWS_SCOPE_GLOBAL;
    const char *id = global ? x->account : x->region;
    if (!json_is_object(out) || json_object_size(out) == 0) {
        ism_error_set(err, ISM_E_UPSTREAM, "unexpected answer: %s returned nothing", x->op->name);
        return ISM_AWS_X_ERROR;
    }
    const char *arn = NULL;
    if (!strcmp(x->op->type, "sts.CallerIdentity")) arn = ism_json_getstr(out, "Arn");
    return ism_aws_put(x, x->region, x->op->type, id, arn, out, err) ? ISM_AWS_X_OK
                                                                     : ISM_AWS_X_ERROR;
}

/* The answer minus what only serves paging. New reference. */
static json_t *without_paging(const ism_aws_op *op, const json_t *out)
{
    json_t *v = json_deep_copy(out);
    static const char *const drop[] = {"IsTruncated", "Truncated", "Marker",
                                       "NextMarker",  "NextToken", "nextToken"};
    for (size_t i = 0; op->in_token && i < sizeof drop / sizeof drop[0]; i++)
        json_object_del(v, drop[i]);
    return v;
}

/* A per-resource answer merged into its resource: under op->key, or member by member. Paged
 * answers gather their list in x->acc and are written with the last page. */
ism_aws_xresult ism_aws_x_merge(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    const ism_aws_op *op = x->op;
    const char *region = x->resource_region ? x->resource_region : x->region;
    json_t *value;
    if (op->in_token && op->result) {
        /* Without an accumulator (a single call) this page's items are the whole list. */
        json_t *items = items_of(op, out);
        if (x->acc) {
            json_array_extend(x->acc, items);
            json_decref(items);
            items = json_incref(x->acc);
        }
        if (!x->last_page) {
            json_decref(items);
            return ISM_AWS_X_OK;
        }
        value = without_paging(op, out);
        json_object_set_new(value, op->result, items);
    } else {
        value = without_paging(op, out);
    }
    bool ok = ism_aws_merge(x, region, op->type, x->resource, NULL, op->key, value, err);
    json_decref(value);
    return ok ? ISM_AWS_X_OK : ISM_AWS_X_ERROR;
}

/* A list whose items each belong to a resource written by the parent (recorder statuses to
 * their recorders), matched by id_field. */
ism_aws_xresult ism_aws_x_merge_items(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    json_t *items = items_of(x->op, out);
    size_t i;
    json_t *it;
    bool ok = true;
    json_array_foreach(items, i, it)
    {
        const char *id = ism_json_getstr(it, x->op->id_field);
        if (!id) continue; /* nothing to attach it to */
        if (!(ok = ism_aws_merge(x, x->region, x->op->type, id, NULL, x->op->key, it, err))) break;
    }
    json_decref(items);
    return ok ? ISM_AWS_X_OK : ISM_AWS_X_ERROR;
}
