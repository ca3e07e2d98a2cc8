/* describe.c — the check definitions as people and clients see them: a listing, and one check
 * as written in its file (so an auditor reads exactly what was tested). */
#include "internal.h"

#include <string.h>

const char *ism_eval_dir(const ism_eval_checks *cs)
{
    return cs->dir;
}

size_t ism_eval_count(const ism_eval_checks *cs)
{
    return cs->n;
}

json_t *ism_eval_list(const ism_eval_checks *cs, const char *provider)
{
    json_t *out = json_array();
    for (size_t i = 0; i < cs->n; i++) {
        const eval_check *c = &cs->checks[i];
        if (provider && strcmp(provider, c->provider) != 0) continue;
        json_array_append_new(out,
                              json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:s}", "id", c->id,
                                        "provider", c->provider, "severity", c->severity, "title",
                                        c->title, "requires", json_object_get(c->def, "requires"),
                                        "refs", json_object_get(c->def, "refs"), "file", c->file));
    }
    return out;
}

json_t *ism_eval_show(const ism_eval_checks *cs, const char *id, ism_error *err)
{
    for (size_t i = 0; i < cs->n; i++) {
        const eval_check *c = &cs->checks[i];
        if (strcmp(c->id, id) != 0) continue;
        json_t *o = json_deep_copy(c->def);
        json_object_set_new(o, "query", json_string(c->query));
        json_object_set_new(o, "file", json_string(c->file));
        return o;
    }
    ism_error_set(err, ISM_E_NOT_FOUND, "no check named '%s' (see checks list)", id);
    return NULL;
}

json_t *ism_eval_check_refs(const ism_eval_checks *cs)
{
    json_t *out = json_object();
    for (size_t i = 0; i < cs->n; i++) {
        const eval_check *c = &cs->checks[i];
        json_object_set_new(out, c->id,
                            json_pack("{s:O, s:s, s:O, s:O?}", "title", c->title, "severity",
                                      c->severity, "refs", json_object_get(c->def, "refs"),
                                      "remediation", json_object_get(c->def, "remediation")));
    }
    return out;
}

json_t *ism_eval_version(const ism_eval_checks *cs)
{
    /* Checks are kept sorted by id; views too. The digest covers every definition as loaded
     * (keys sorted), so any change to a check's SQL, refs or texts changes it. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    for (size_t i = 0; i < cs->n; i++) {
        char *d = json_dumps(cs->checks[i].def, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(f, "%s\n", d ? d : "");
        free(d);
    }
    for (size_t i = 0; i < cs->nviews; i++) {
        char *d = json_dumps(cs->views[i].def, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(f, "%s\n", d ? d : "");
        free(d);
    }
    fclose(f);
    char sha[65];
    ism_sha256_hex(buf, len, sha);
    free(buf);
    return json_pack("{s:I, s:s}", "checks", (json_int_t)cs->n, "sha256", sha);
}
