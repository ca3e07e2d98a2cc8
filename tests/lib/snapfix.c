/* snapfix.c — builds snapshot files from compact JSON fixtures and applies small patches to
 * them (see snapfix.h for both formats). */
#include "snapfix.h"

#include "ismap/snapshot.h"

#include <stdlib.h>
#include <string.h>

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
    const char *s = ism_json_getstr(o, key);
    return s ? s : dflt;
}

json_t *snapfix_read(const char *path, ism_error *err)
{
    char *text = ism_read_file(path, 8u << 20, NULL, err);
    if (!text) return NULL;
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!j) ism_error_set(err, ISM_E_INVALID_DATA, "%s:%d: %s", path, je.line, je.text);
    return j;
}

/* ---- patching ------------------------------------------------------------------------- */

/* Whether resource r (with the fixture's defaults) is the one sel names. */
static bool selects(const json_t *defaults, const json_t *r, const json_t *sel)
{
    static const char *const keys[] = {"type", "id", "account", "region"};
    for (size_t i = 0; i < 4; i++) {
        const char *want = ism_json_getstr(sel, keys[i]);
        if (!want) continue;
        const char *have = str_or(r, keys[i], ism_json_getstr(defaults, keys[i]));
        if (!have || strcmp(have, want) != 0) return false;
    }
    return true;
}

/* Sets (or with a null value deletes) the member at a dotted path, creating objects on the
 * way. Numeric segments index arrays. */
static bool set_path(json_t *root, const char *path, json_t *value, ism_error *err)
{
    char *copy = strdup(path), *save = NULL;
    json_t *cur = root;
    char *seg = strtok_r(copy, ".", &save);
    bool ok = true;
    while (ok && seg) {
        char *next = strtok_r(NULL, ".", &save);
        char *end;
        long idx = strtol(seg, &end, 10);
        bool num = *seg && !*end && json_is_array(cur);
        if (!next) {
            if (num && json_is_null(value))
                ok = json_array_remove(cur, (size_t)idx) == 0;
            else if (num)
                ok = json_array_set(cur, (size_t)idx, value) == 0;
            else if (json_is_null(value))
                json_object_del(cur, seg);
            else
                ok = json_object_set(cur, seg, value) == 0;
        } else {
            json_t *child = num ? json_array_get(cur, (size_t)idx) : json_object_get(cur, seg);
            if (!child && !num && json_is_object(cur))
                json_object_set_new(cur, seg, child = json_object());
            ok = child != NULL;
            cur = child;
        }
        seg = next;
    }
    free(copy);
    return ok ? true : ism_error_set(err, ISM_E_INVALID_DATA, "cannot set path %s", path);
}

/* Calls fn on every resource sel names; false when none matched. */
static bool for_selected(json_t *fx, const json_t *sel, const char *what, ism_error *err,
                         bool (*fn)(json_t *arr, size_t i, const json_t *sel, ism_error *err))
{
    json_t *res = json_object_get(fx, "resources"), *defaults = json_object_get(fx, "defaults");
    bool any = false;
    for (size_t i = json_array_size(res); i-- > 0;) {
        if (!selects(defaults, json_array_get(res, i), sel)) continue;
        any = true;
        if (!fn(res, i, sel, err)) return false;
    }
    if (any) return true;
    char *s = json_dumps(sel, JSON_COMPACT);
    ism_error_set(err, ISM_E_INVALID_DATA, "%s: no resource matches %s", what, s);
    free(s);
    return false;
}

static bool do_remove(json_t *arr, size_t i, const json_t *sel, ism_error *err)
{
    (void)sel;
    (void)err;
    return json_array_remove(arr, i) == 0;
}

static bool do_set(json_t *arr, size_t i, const json_t *sel, ism_error *err)
{
    json_t *data = json_object_get(json_array_get(arr, i), "data");
    const char *path;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(sel, "data"), path, v)
    {
        if (!set_path(data, path, v, err)) return false;
    }
    return true;
}

static bool add_resources(json_t *fx, const json_t *list, ism_error *err)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
    {
        json_t *key =
            json_pack("{s:s?, s:s?, s:s?, s:s?}", "type", ism_json_getstr(r, "type"), "id",
                      ism_json_getstr(r, "id"), "account", ism_json_getstr(r, "account"), "region",
                      ism_json_getstr(r, "region"));
        json_t *res = json_object_get(fx, "resources"), *defaults = json_object_get(fx, "defaults");
        /* Fill the key's account/region from the defaults so replacing is exact. */
        if (!ism_json_getstr(key, "account") && ism_json_getstr(defaults, "account"))
            json_object_set(key, "account", json_object_get(defaults, "account"));
        if (!ism_json_getstr(key, "region") && ism_json_getstr(defaults, "region"))
            json_object_set(key, "region", json_object_get(defaults, "region"));
        for (size_t k = json_array_size(res); k-- > 0;)
            if (selects(defaults, json_array_get(res, k), key)) json_array_remove(res, k);
        json_decref(key);
        json_array_append(res, r);
    }
    (void)err;
    return true;
}

static bool same_cov(const json_t *a, const json_t *b)
{
    static const char *const keys[] = {"account", "region", "operation"};
    for (size_t i = 0; i < 3; i++)
        if (!json_equal(json_object_get(a, keys[i]), json_object_get(b, keys[i]))) return false;
    return true;
}

/* Expands coverage entries with arrays into one row per combination. */
static json_t *expand_coverage(const json_t *list, const json_t *defaults)
{
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        json_t *acc = json_object_get(e, "account");
        if (!acc) acc = json_object_get(defaults, "account");
        json_t *reg = json_object_get(e, "region"), *ops = json_object_get(e, "operation");
        json_t *accs = json_is_array(acc) ? json_incref(acc) : json_pack("[O]", acc);
        json_t *regs = json_is_array(reg) ? json_incref(reg) : json_pack("[O]", reg);
        json_t *opsv = json_is_array(ops) ? json_incref(ops) : json_pack("[O]", ops);
        size_t a, b, c;
        json_t *x, *y, *z;
        json_array_foreach(accs, a, x) json_array_foreach(regs, b, y) json_array_foreach(opsv, c, z)
        {
            json_t *row = json_deep_copy(e);
            json_object_set(row, "account", x);
            json_object_set(row, "region", y);
            json_object_set(row, "operation", z);
            json_array_append_new(out, row);
        }
        json_decref(accs);
        json_decref(regs);
        json_decref(opsv);
    }
    return out;
}

static void add_coverage(json_t *fx, const json_t *list)
{
    json_t *defaults = json_object_get(fx, "defaults");
    json_t *have = expand_coverage(json_object_get(fx, "coverage"), defaults);
    json_t *add = expand_coverage(list, defaults);
    size_t i;
    json_t *row;
    json_array_foreach(add, i, row)
    {
        for (size_t k = json_array_size(have); k-- > 0;)
            if (same_cov(json_array_get(have, k), row)) json_array_remove(have, k);
        if (strcmp(str_or(row, "state", ""), "absent") != 0) json_array_append(have, row);
    }
    json_object_set_new(fx, "coverage", have);
    json_decref(add);
}

bool snapfix_patch(json_t *fx, const json_t *patch, ism_error *err)
{
    if (!json_object_get(fx, "resources")) json_object_set_new(fx, "resources", json_array());
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(patch, "remove"), i,
                       x) if (!for_selected(fx, x, "remove", err, do_remove)) return false;
    json_array_foreach(json_object_get(patch, "set"), i,
                       x) if (!for_selected(fx, x, "set", err, do_set)) return false;
    if (!add_resources(fx, json_object_get(patch, "resources"), err)) return false;
    if (json_object_get(patch, "coverage")) add_coverage(fx, json_object_get(patch, "coverage"));
    return true;
}

/* ---- building ------------------------------------------------------------------------- */

static bool put_resources(ism_snapshot *s, const json_t *fx, const char *provider, ism_error *err)
{
    const json_t *defaults = json_object_get(fx, "defaults");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(fx, "resources"), i, r)
    {
        const char *type = ism_json_getstr(r, "type");
        char service[64] = "";
        if (type) snprintf(service, sizeof service, "%.*s", (int)strcspn(type, "."), type);
        ism_resource res = {provider,
                            str_or(r, "account", ism_json_getstr(defaults, "account")),
                            str_or(r, "region", ism_json_getstr(defaults, "region")),
                            str_or(r, "service", service),
                            type,
                            ism_json_getstr(r, "id"),
                            ism_json_getstr(r, "arn"),
                            json_object_get(r, "data")};
        if (!res.data) res.data = json_object_get(defaults, "data"); /* NULL: stored as null */
        if (!ism_snapshot_put_resource(s, &res, err)) return false;
    }
    return true;
}

static bool put_coverage(ism_snapshot *s, const json_t *fx, const char *provider, ism_error *err)
{
    json_t *rows =
        expand_coverage(json_object_get(fx, "coverage"), json_object_get(fx, "defaults"));
    size_t i;
    json_t *c;
    bool ok = true;
    json_array_foreach(rows, i, c)
    {
        const char *op = ism_json_getstr(c, "operation");
        ok = ism_snapshot_put_coverage(s, provider, ism_json_getstr(c, "account"),
                                       ism_json_getstr(c, "region"), ism_json_getstr(c, "service"),
                                       op, str_or(c, "state", "complete"),
                                       ism_json_getstr(c, "reason"), err);
        if (!ok) break;
    }
    json_decref(rows);
    return ok;
}

bool snapfix_build(const json_t *fx, const char *path, ism_error *err)
{
    const json_t *man = json_object_get(fx, "manifest");
    const char *provider = str_or(man, "provider", "aws");
    ism_snapshot *s = ism_snapshot_create(path, str_or(man, "id", "snap_fixture"), provider,
                                          json_object_get(man, "scope"), err);
    if (!s) return false;
    /* A fixture needs no durability: no fsync while it is written and sealed (the file is the
     * same; only a crash mid-build could lose it, and the test would fail then anyway). */
    sqlite3_exec(ism_snapshot_db(s), "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    const char *created = ism_json_getstr(man, "created");
    bool ok = (!created || ism_snapshot_set_manifest(s, "created", created, err)) &&
              ism_snapshot_begin(s, err) && put_resources(s, fx, provider, err) &&
              put_coverage(s, fx, provider, err) && ism_snapshot_commit(s, err);
    if (!ok) {
        ism_snapshot_close(s);
        return false;
    }
    char sha[65];
    return ism_snapshot_seal(s, sha, err);
}

json_t *snapfix_read_cached(json_t *cache, const char *path, ism_error *err)
{
    json_t *fx = json_object_get(cache, path);
    if (!fx) {
        if (!(fx = snapfix_read(path, err))) return NULL;
        json_object_set_new(cache, path, fx);
    }
    return json_deep_copy(fx);
}
