/* models.c — loads botocore's API models (service-2.json from Debian's awscli or python3-botocore)
 * for the emulated services, so answers are serialized from the same shapes the real clients
 * parse: member names, XML locationNames, list and map forms, timestamp and blob types. */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const DEFAULT_DIRS[] = {
    "/usr/lib/python3/dist-packages/awscli/botocore/data",
    "/usr/lib/python3/dist-packages/botocore/data",
    NULL,
};

static bool load_one(emu_service *s, const char *dir, char *why, size_t why_n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/service-2.json", dir, s->model);
    json_error_t je;
    s->root = json_load_file(path, 0, &je);
    if (!s->root) {
        snprintf(why, why_n, "cannot load the %s model %s: %s", s->name, path, je.text);
        return false;
    }
    s->shapes = json_object_get(s->root, "shapes");
    s->compiled = calloc(1, sizeof *s->compiled);
    if (!s->compiled) return false;
    s->ops = json_object_get(s->root, "operations");
    if (!json_is_object(s->shapes) || !json_is_object(s->ops)) {
        snprintf(why, why_n, "%s: not a botocore service model", path);
        return false;
    }
    return true;
}

/* The first directory holding every model, unless one was given. */
static const char *pick_dir(const char *dir)
{
    if (dir) return dir;
    for (int i = 0; DEFAULT_DIRS[i]; i++) {
        char probe[4096];
        snprintf(probe, sizeof probe, "%s/ec2", DEFAULT_DIRS[i]);
        if (access(probe, R_OK) == 0) return DEFAULT_DIRS[i];
    }
    return DEFAULT_DIRS[0];
}

bool emu_models_load(const char *dir, char *why, size_t why_n)
{
    const char *d = pick_dir(dir);
    for (size_t i = 0; i < emu_services_count; i++)
        if (!load_one(&emu_services[i], d, why, why_n)) return false;
    for (size_t i = 0; i < emu_ops_count; i++) {
        const emu_service *s = emu_service_find(emu_ops[i].service);
        if (!s || !json_object_get(s->ops, emu_ops[i].name)) {
            snprintf(why, why_n, "operation %s:%s is not in the model", emu_ops[i].service,
                     emu_ops[i].name);
            return false;
        }
    }
    return true;
}

/* ---- compiled shapes ---------------------------------------------------------------------- */
static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static emu_sh_type type_of(const char *t)
{
    static const struct {
        const char *name;
        emu_sh_type type;
    } T[] = {{"structure", SH_STRUCT}, {"list", SH_LIST},    {"map", SH_MAP},
             {"boolean", SH_BOOL},     {"integer", SH_INT},  {"long", SH_INT},
             {"float", SH_FLOAT},      {"double", SH_FLOAT}, {"timestamp", SH_TIMESTAMP},
             {"blob", SH_BLOB}};
    for (size_t i = 0; t && i < sizeof T / sizeof T[0]; i++)
        if (strcmp(T[i].name, t) == 0) return T[i].type;
    return SH_STRING;
}

static void compile_struct(const emu_service *s, emu_cshape *c, const json_t *j)
{
    json_t *members = json_object_get(j, "members"), *m;
    const char *name;
    c->payload = str(j, "payload");
    c->members = calloc(json_object_size(members) + 1, sizeof *c->members);
    if (!c->members) abort();
    json_object_foreach(members, name, m)
    {
        emu_cmember *cm = &c->members[c->nmembers++];
        cm->name = name;
        cm->loc = str(m, "locationName") ? str(m, "locationName") : name;
        cm->located = json_object_get(m, "location") != NULL;
        cm->shape = emu_cshape_get(s, str(m, "shape"));
    }
}

static void compile(const emu_service *s, emu_cshape *c, const json_t *j)
{
    c->flattened = json_is_true(json_object_get(j, "flattened"));
    const char *fmt = str(j, "timestampFormat");
    c->iso_ts = fmt && strcmp(fmt, "iso8601") == 0;
    c->policy_doc = strcmp(c->name, "policyDocumentType") == 0;
    if (c->type == SH_STRUCT) {
        compile_struct(s, c, j);
    } else if (c->type == SH_LIST) {
        json_t *m = json_object_get(j, "member");
        c->item_loc = str(m, "locationName");
        c->item = emu_cshape_get(s, str(m, "shape"));
    } else if (c->type == SH_MAP) {
        json_t *k = json_object_get(j, "key"), *v = json_object_get(j, "value");
        c->key_loc = str(k, "locationName") ? str(k, "locationName") : "key";
        c->value_loc = str(v, "locationName") ? str(v, "locationName") : "value";
        c->key = emu_cshape_get(s, str(k, "shape"));
        c->value = emu_cshape_get(s, str(v, "shape"));
    }
}

emu_cshape *emu_cshape_get(const emu_service *s, const char *name)
{
    static emu_cshape unknown = {.name = "", .type = SH_STRING};
    json_t *j = name ? json_object_get(s->shapes, name) : NULL;
    if (!j) return &unknown;
    emu_cshape *c = hmap_get(s->compiled, name);
    if (c) return c;
    c = calloc(1, sizeof *c);
    if (!c) abort();
    c->name = json_object_iter_key(json_object_iter_at(s->shapes, name));
    c->type = type_of(str(j, "type"));
    hmap_put(s->compiled, name, c); /* before the members: shapes can be recursive */
    compile(s, c, j);
    return c;
}

emu_cshape *emu_op_output(const emu_service *s, const char *op, const char **wrapper)
{
    json_t *out = json_object_get(json_object_get(s->ops, op), "output");
    if (wrapper) *wrapper = str(out, "resultWrapper");
    return out ? emu_cshape_get(s, str(out, "shape")) : NULL;
}
