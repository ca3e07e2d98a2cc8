/* build.c — gathers an assessment's inputs and computes its matrix; and the diff of two. */
#include "ismap/catalog.h"
#include "ismap/matrix.h"

#include <stdlib.h>
#include <string.h>

json_t *ism_matrix_build(struct ism_store *st, ism_catalog_set *cs, const json_t *check_refs,
                         const json_t *support, const char *assessment, const char *org,
                         const char *today, ism_error *err)
{
    json_t *a = ism_assessment_get(st, assessment, org, err);
    if (!a) return NULL;
    json_t *reqs = json_array(), *out = NULL;
    json_t *findings = NULL, *judg = NULL, *waivers = NULL;
    size_t i;
    json_t *fw;
    json_array_foreach(json_object_get(a, "frameworks"), i, fw)
    {
        json_t *r = ism_matrix_requirements(cs, json_string_value(fw), err);
        if (!r) goto done;
        json_array_extend(reqs, r);
        json_decref(r);
    }
    findings = ism_findings_aggregate(st, assessment, today, err);
    judg = findings ? ism_judgment_latest(st, assessment, err) : NULL;
    waivers = judg ? ism_waiver_list(st, ism_json_getstr(a, "org"), assessment, today, err) : NULL;
    if (!waivers) goto done;
    json_t *empty = json_object();
    ism_matrix_inputs in = {reqs, check_refs ? check_refs : empty, findings, support, judg, waivers,
                            today};
    out = ism_matrix_compute(&in);
    json_decref(empty);
    char now[32];
    ism_now_iso(now);
    json_object_set(out, "assessment", json_object_get(a, "id"));
    json_object_set(out, "name", json_object_get(a, "name"));
    json_object_set(out, "subject", json_object_get(a, "subject"));
    json_object_set(out, "frameworks", json_object_get(a, "frameworks"));
    json_object_set(out, "snapshots", json_object_get(a, "snapshots"));
    json_object_set(out, "as_of", json_object_get(a, "as_of"));
    json_object_set(out, "state", json_object_get(a, "state"));
    json_object_set_new(out, "today", json_string(today));
    json_object_set_new(out, "generated", json_string(now));
done:
    json_decref(a);
    json_decref(reqs);
    json_decref(findings);
    json_decref(judg);
    json_decref(waivers);
    return out;
}

static const char *req_key(const json_t *r, char *buf, size_t n)
{
    snprintf(buf, n, "%s|%s|%s", ism_json_getstr(r, "framework"), ism_json_getstr(r, "catalog"),
             ism_json_getstr(r, "item"));
    return buf;
}

static const char *finding_key(const json_t *f, char *buf, size_t n)
{
    const char *acct = ism_json_getstr(f, "account"), *reg = ism_json_getstr(f, "region");
    const char *rid = ism_json_getstr(f, "resource_id");
    snprintf(buf, n, "%s|%s|%s|%s", ism_json_getstr(f, "check"), acct ? acct : "", reg ? reg : "",
             rid ? rid : "");
    return buf;
}

/* Keys of the failing findings of a list, as a set (object). */
static json_t *failing_set(const json_t *findings)
{
    json_t *set = json_object();
    size_t i;
    json_t *f;
    char key[1024];
    json_array_foreach(findings, i, f)
    {
        const char *st = ism_json_getstr(f, "status");
        if (st && !strcmp(st, "fail")) json_object_set(set, finding_key(f, key, sizeof key), f);
    }
    return set;
}

/* The coverage key of a finding: check, account, region. */
static const char *cov_key(const json_t *f, char *buf, size_t n)
{
    const char *c = ism_json_getstr(f, "check"), *a = ism_json_getstr(f, "account"),
               *r = ism_json_getstr(f, "region");
    snprintf(buf, n, "%s|%s|%s", c ? c : "", a ? a : "", r ? r : "");
    return buf;
}

json_t *ism_matrix_diff(const json_t *a, const json_t *b, const json_t *findings_a,
                        const json_t *findings_b, const json_t *coverage_b)
{
    json_t *before = json_object();
    size_t i;
    json_t *r;
    char key[1024];
    json_array_foreach(json_object_get(a, "requirements"), i, r)
        json_object_set(before, req_key(r, key, sizeof key), r);
    json_t *changed = json_array(), *added = json_array();
    json_array_foreach(json_object_get(b, "requirements"), i, r)
    {
        json_t *old = json_object_get(before, req_key(r, key, sizeof key));
        if (!old) {
            json_array_append_new(added, json_pack("{s:O, s:O, s:O, s:O}", "framework",
                                                   json_object_get(r, "framework"), "catalog",
                                                   json_object_get(r, "catalog"), "item",
                                                   json_object_get(r, "item"), "status",
                                                   json_object_get(r, "status")));
            continue;
        }
        if (strcmp(ism_json_getstr(old, "status"), ism_json_getstr(r, "status")) != 0)
            json_array_append_new(
                changed,
                json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "framework",
                          json_object_get(r, "framework"), "catalog", json_object_get(r, "catalog"),
                          "item", json_object_get(r, "item"), "title", json_object_get(r, "title"),
                          "from", json_object_get(old, "status"), "to",
                          json_object_get(r, "status"), "to_ja", json_object_get(r, "status_ja")));
    }
    /* What b's collection examined at all: accounts, and (account, region) pairs. */
    json_t *accounts = json_object(), *places = json_object();
    const char *ck;
    json_t *cv;
    json_object_foreach((json_t *)coverage_b, ck, cv)
    {
        const char *bar = strchr(ck, '|');
        if (!bar) continue;
        const char *bar2 = strchr(bar + 1, '|');
        if (!bar2) continue;
        char *acc = strndup(bar + 1, (size_t)(bar2 - bar - 1));
        json_object_set_new(accounts, acc, json_true());
        json_object_set_new(places, bar + 1, json_true());
        free(acc);
    }
    json_t *fa = failing_set(findings_a), *fb = failing_set(findings_b);
    json_t *fnew = json_array(), *fres = json_array(), *fnc = json_array();
    const char *k;
    json_t *f;
    json_object_foreach(fb, k, f) if (!json_object_get(fa, k)) json_array_append(fnew, f);
    json_object_foreach(fa, k, f)
    {
        if (json_object_get(fb, k)) continue;
        /* Resolved only when the second collection examined that check in that account and
         * region; otherwise nobody knows: "not collected". */
        if (coverage_b && !json_object_get(coverage_b, cov_key(f, key, sizeof key))) {
            /* Why: the account or the region was not collected this time (scope changed), or
             * they were but this check examined nothing there (coverage changed). */
            const char *acc = ism_json_getstr(f, "account"), *reg = ism_json_getstr(f, "region");
            char place[512];
            snprintf(place, sizeof place, "%s|%s", acc ? acc : "", reg ? reg : "");
            const char *why = !json_object_get(accounts, acc ? acc : "") ? "account_not_collected"
                              : !json_object_get(places, place)          ? "region_not_collected"
                                                                         : "check_not_examined";
            json_t *c = json_deep_copy(f);
            json_object_set_new(c, "why", json_string(why));
            json_array_append_new(fnc, c);
        } else
            json_array_append(fres, f);
    }
    json_t *out =
        json_pack("{s:O, s:O, s:o, s:o, s:o, s:o, s:o}", "a", json_object_get(a, "assessment"), "b",
                  json_object_get(b, "assessment"), "changed", changed, "added", added,
                  "findings_new", fnew, "findings_resolved", fres, "findings_not_collected", fnc);
    json_decref(before);
    json_decref(accounts);
    json_decref(places);
    json_decref(fa);
    json_decref(fb);
    return out;
}
