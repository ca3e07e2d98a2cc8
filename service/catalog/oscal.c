/* oscal.c — exports a catalog as an OSCAL 1.2.1 catalog and a crosswalk as an OSCAL 1.2.1
 * mapping-collection. Output is deterministic (UUIDs derived from content, dates from the
 * catalog's revisions) so two exports of the same data are byte-identical and diff cleanly. */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define OSCAL_VERSION "1.2.1"
/* Namespace of our own props, so OSCAL tools do not mistake them for NIST's. */
#define NS "urn:x-ismap-assess:catalog"

static const char *const group_classes[] = {"chapter", "section",  "domain", "theme",
                                            "area",    "category", "group"};

/* A version 5 style UUID from the SHA-256 of a name: stable across exports. */
static json_t *uuid_for(const char *a, const char *b, const char *c)
{
    char *name = ism_strdupf("ismap-assess/%s/%s/%s", a, b ? b : "", c ? c : "");
    char h[65];
    ism_sha256_hex(name, strlen(name), h);
    free(name);
    h[12] = '5';
    h[16] = "89ab"[h[16] % 4];
    char u[37];
    snprintf(u, sizeof u, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    return json_string(u);
}

/* An OSCAL token (NCName) for catalog item: "<catalog>-<id>" with other characters as '_'. */
static char *token_for(const char *cat, const char *id)
{
    char *t = ism_strdupf("%s-%s", cat, id);
    for (char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') *p = '_';
    return t;
}

/* OSCAL strings may not be empty or have leading/trailing whitespace. */
static json_t *ostr(const char *s)
{
    if (!s) return NULL;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n ? json_stringn(s, n) : NULL;
}

static void add_prop(json_t *props, const char *name, const char *ns, const char *value)
{
    json_t *v = ostr(value);
    if (!v) return;
    char pname[128];
    snprintf(pname, sizeof pname, "%s%s", isalpha((unsigned char)name[0]) ? "" : "_", name);
    for (char *p = pname; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') *p = '_';
    json_t *o = json_pack("{s:s, s:o}", "name", pname, "value", v);
    if (ns) json_object_set_new(o, "ns", json_string(ns));
    json_array_append_new(props, o);
}

static json_t *item_props(const json_t *item)
{
    json_t *props = json_array();
    add_prop(props, "label", NULL, ism_json_getstr(item, "id"));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(item, "props"), k, v)
    {
        char buf[64];
        if (json_is_string(v)) {
            add_prop(props, k, NS, json_string_value(v));
        } else if (json_is_boolean(v)) {
            add_prop(props, k, NS, json_is_true(v) ? "true" : "false");
        } else if (json_is_number(v)) {
            snprintf(buf, sizeof buf, "%g", json_number_value(v));
            add_prop(props, k, NS, buf);
        } else if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) add_prop(props, k, NS, json_string_value(e));
        } else if (json_is_null(v)) {
            /* A three-state prop whose basis is recorded (MIC 必須) is unknown, not absent. */
            snprintf(buf, sizeof buf, "%s_basis", k);
            if (json_object_get(json_object_get(item, "props"), buf))
                add_prop(props, k, NS, "unknown");
        }
    }
    json_t *src = json_object_get(item, "source");
    if (ism_json_getstr(src, "file")) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s:%lld", ism_json_getstr(src, "file"),
                 (long long)json_integer_value(json_object_get(src, "line")));
        add_prop(props, "source", NS, buf);
    }
    return props;
}

static json_t *title_of(const json_t *item)
{
    json_t *t = json_object_get(item, "title");
    json_t *v = ostr(ism_json_getstr(t, "ja"));
    if (!v) v = ostr(ism_json_getstr(t, "en"));
    if (!v) v = json_string(ism_json_getstr(item, "id"));
    return v;
}

static bool is_group_class(const char *cls)
{
    for (size_t i = 0; i < sizeof group_classes / sizeof *group_classes; i++)
        if (!strcmp(cls, group_classes[i])) return true;
    return false;
}

/* Builds the OSCAL node for item i and, recursively, its children. */
static json_t *node(const char *cat, json_t *items, json_t *kids_of, size_t i, bool as_group)
{
    json_t *it = json_array_get(items, i);
    const char *id = ism_json_getstr(it, "id");
    char *tok = token_for(cat, id);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(tok));
    json_object_set_new(o, "class", json_string(ism_json_getstr(it, "class")));
    json_object_set_new(o, "title", title_of(it));
    json_object_set_new(o, "props", item_props(it));
    json_t *text = json_object_get(it, "text"), *parts = json_array();
    json_t *ja = ostr(ism_json_getstr(text, "ja")), *en = ostr(ism_json_getstr(text, "en"));
    if (ja || en) {
        char *pid = ism_strdupf("%s_smt", tok);
        json_array_append_new(parts, json_pack("{s:s, s:s, s:o}", "id", pid, "name",
                                               as_group ? "overview" : "statement", "prose",
                                               ja ? ja : en));
        free(pid);
        if (ja && en)
            json_array_append_new(parts, json_pack("{s:s, s:s, s:s, s:o}", "name", "translation",
                                                   "ns", NS, "class", "en", "prose", en));
        else if (en && !ja)
            json_decref(en);
    } else {
        json_decref(en);
    }
    if (json_array_size(parts))
        json_object_set_new(o, "parts", parts);
    else
        json_decref(parts);
    json_t *kids = json_object_get(kids_of, id);
    json_t *groups = json_array(), *controls = json_array();
    size_t k;
    json_t *ix;
    json_array_foreach(kids, k, ix)
    {
        size_t ci = (size_t)json_integer_value(ix);
        bool g = as_group && is_group_class(ism_json_getstr(json_array_get(items, ci), "class"));
        json_array_append_new(g ? groups : controls, node(cat, items, kids_of, ci, g));
    }
    if (json_array_size(groups)) json_object_set(o, "groups", groups);
    if (json_array_size(controls)) json_object_set(o, "controls", controls);
    json_decref(groups);
    json_decref(controls);
    free(tok);
    return o;
}

/* The newest revision id that is a date, as an OSCAL timestamp (JST midnight). */
static json_t *last_modified(const json_t *doc)
{
    const char *best = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "revisions"), i, r)
    {
        const char *d = ism_json_getstr(r, "id");
        if (d && strlen(d) == 10 && d[4] == '-' && d[7] == '-' && (!best || strcmp(d, best) > 0))
            best = d;
    }
    if (best) return json_sprintf("%sT00:00:00+09:00", best);
    char now[32];
    ism_now_iso(now);
    now[19] = '\0';
    return json_sprintf("%sZ", now);
}

static json_t *metadata(const json_t *doc, const char *kind)
{
    json_t *t = json_object_get(doc, "title");
    json_t *title = ostr(ism_json_getstr(t, "ja"));
    if (!title) title = ostr(ism_json_getstr(t, "en"));
    if (!title) title = json_string(ism_json_getstr(doc, "id"));
    const char *version = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "revisions"), i, r) version = ism_json_getstr(r, "id");
    json_t *md =
        json_pack("{s:o, s:o, s:s, s:s}", "title", title, "last-modified", last_modified(doc),
                  "version", version ? version : "1", "oscal-version", OSCAL_VERSION);
    json_t *props = json_array();
    add_prop(props, "ismap-assess-id", NS, ism_json_getstr(doc, "id"));
    add_prop(props, "ismap-assess-kind", NS, kind);
    json_object_set_new(md, "props", props);
    json_t *srcs = json_object_get(doc, "sources");
    if (json_array_size(srcs)) {
        char *s = json_dumps(srcs, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_object_set_new(md, "remarks",
                            json_sprintf("Generated by ismap-assess. Sources: %s", s));
        free(s);
    }
    return md;
}

static json_t *doc_of(ism_catalog_set *cs, const char *id, char kind[16])
{
    sqlite3_stmt *s = NULL;
    json_t *doc = NULL;
    if (sqlite3_prepare_v2(cs->db, "SELECT doc, kind FROM catalogs WHERE id=?", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            doc = cat_col_json(s, 0);
            ism_strlcpy(kind, cat_col(s, 1), 16);
        }
    }
    sqlite3_finalize(s);
    return doc;
}

static json_t *export_catalog(ism_catalog_set *cs, const char *id, json_t *doc, ism_error *err)
{
    json_t *items = cat_items_locked(cs, id, NULL, NULL, err);
    if (!items) return NULL;
    /* children index: parent id → [indexes] */
    json_t *kids_of = json_object(), *roots = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *p = ism_json_getstr(it, "parent");
        json_t *list = p ? json_object_get(kids_of, p) : roots;
        if (!list) json_object_set_new(kids_of, p, list = json_array());
        json_array_append_new(list, json_integer((json_int_t)i));
    }
    json_t *groups = json_array(), *controls = json_array();
    json_array_foreach(roots, i, it)
    {
        size_t ci = (size_t)json_integer_value(it);
        bool g = is_group_class(ism_json_getstr(json_array_get(items, ci), "class"));
        json_array_append_new(g ? groups : controls, node(id, items, kids_of, ci, g));
    }
    json_t *cat = json_pack("{s:o, s:o}", "uuid", uuid_for("catalog", id, NULL), "metadata",
                            metadata(doc, "catalog"));
    if (json_array_size(groups)) json_object_set(cat, "groups", groups);
    if (json_array_size(controls)) json_object_set(cat, "controls", controls);
    json_decref(groups);
    json_decref(controls);
    json_decref(roots);
    json_decref(kids_of);
    json_decref(items);
    return json_pack("{s:o}", "catalog", cat);
}

static json_t *mapping_item(const char *cat, const char *id)
{
    char *t = token_for(cat, id);
    json_t *o = json_pack("{s:s, s:s}", "type", "control", "id-ref", t);
    free(t);
    return o;
}

static json_t *export_crosswalk(ism_catalog_set *cs, const char *id, json_t *doc, ism_error *err)
{
    const char *sc = ism_json_getstr(doc, "source_catalog");
    const char *tc = ism_json_getstr(doc, "target_catalog");
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cs->db,
                           "SELECT src, tgt, relationship, rationale, method, confidence, via "
                           "FROM maps WHERE xw=? ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK) {
        cat_sql_error(cs, err, "export");
        return NULL;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    json_t *maps = json_array();
    const char *overall = NULL;
    bool mixed = false;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *src = cat_col(s, 0), *tgt = cat_col(s, 1), *method = cat_col(s, 4);
        if (method && overall && strcmp(method, overall)) mixed = true;
        if (method && !overall) overall = ism_strdupf("%s", method);
        char *key = ism_strdupf("%s>%s>%s", src, tgt, cat_col(s, 2));
        json_t *m = json_pack(
            "{s:o, s:s, s:s, s:[o], s:[o]}", "uuid", uuid_for("map", id, key), "matching-rationale",
            method && !strcmp(method, "automation") ? "syntactic" : "semantic", "relationship",
            cat_col(s, 2), "sources", mapping_item(sc, src), "targets", mapping_item(tc, tgt));
        free(key);
        if (sqlite3_column_type(s, 5) != SQLITE_NULL)
            json_object_set_new(m, "confidence-score",
                                json_pack("{s:f}", "percentage", sqlite3_column_double(s, 5)));
        json_t *props = json_array();
        if (method) add_prop(props, "method", NS, method);
        json_t *via = cat_col_json(s, 6);
        size_t i;
        json_t *v;
        json_array_foreach(via, i, v) add_prop(props, "via", NS, json_string_value(v));
        json_decref(via);
        if (json_array_size(props))
            json_object_set_new(m, "props", props);
        else
            json_decref(props);
        json_t *rat = ostr(cat_col(s, 3));
        if (rat) json_object_set_new(m, "remarks", rat);
        json_array_append_new(maps, m);
    }
    sqlite3_finalize(s);
    const char *pm = mixed || !overall ? "hybrid" : overall;
    if (strcmp(pm, "human") && strcmp(pm, "automation") && strcmp(pm, "hybrid")) pm = "hybrid";
    json_t *desc = ostr(ism_json_getstr(doc, "method"));
    json_t *prov = json_pack("{s:s, s:s, s:s, s:o}", "method", pm, "matching-rationale", "semantic",
                             "status", "complete", "mapping-description",
                             desc ? desc : json_string("Crosswalk maintained by ismap-assess."));
    json_t *pr = ostr(ism_json_getstr(doc, "provenance"));
    if (pr) json_object_set_new(prov, "remarks", pr);
    free((char *)overall);
    char *sref = ism_strdupf("%s.json", sc), *tref = ism_strdupf("%s.json", tc);
    json_t *mapping =
        json_pack("{s:o, s:{s:s, s:s}, s:{s:s, s:s}, s:o}", "uuid", uuid_for("mapping", id, NULL),
                  "source-resource", "type", "catalog", "href", sref, "target-resource", "type",
                  "catalog", "href", tref, "maps", maps);
    free(sref);
    free(tref);
    json_t *mc =
        json_pack("{s:o, s:o, s:o, s:[o]}", "uuid", uuid_for("mapping-collection", id, NULL),
                  "metadata", metadata(doc, "crosswalk"), "provenance", prov, "mappings", mapping);
    return json_pack("{s:o}", "mapping-collection", mc);
}

json_t *ism_catalog_export_oscal(ism_catalog_set *cs, const char *id, ism_error *err)
{
    pthread_mutex_lock(&cs->mu);
    char kind[16] = "";
    json_t *doc = doc_of(cs, id, kind);
    json_t *out = NULL;
    if (!doc)
        ism_error_set(err, ISM_E_NOT_FOUND, "no catalog or crosswalk named '%s'", id);
    else if (!strcmp(kind, "catalog"))
        out = export_catalog(cs, id, doc, err);
    else
        out = export_crosswalk(cs, id, doc, err);
    json_decref(doc);
    pthread_mutex_unlock(&cs->mu);
    return out;
}
