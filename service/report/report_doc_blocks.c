/* report_doc_blocks.c — building blocks of the document model (the input of the PDF and HTML
 * renderers) and the contract check every built document passes: required keys, known block
 * types, rows as long as the columns, widths summing to at most 1. */
#include "ismap/catalog.h"
#include "ismap/matrix.h"
#include "report_doc_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

json_t *doc_heading(int level, const char *text)
{
    return json_pack("{s:s, s:i, s:s}", "type", "heading", "level", level, "text",
                     text ? text : "");
}

json_t *doc_para(const char *text, const char *style)
{
    json_t *p = json_pack("{s:s, s:s}", "type", "paragraph", "text", text ? text : "");
    if (style) json_object_set_new(p, "style", json_string(style));
    return p;
}

json_t *doc_list(bool ordered, json_t *items)
{
    return json_pack("{s:s, s:b, s:o}", "type", "list", "ordered", ordered, "items", items);
}

json_t *doc_kv(json_t *rows)
{
    return json_pack("{s:s, s:o}", "type", "kv", "rows", rows);
}

json_t *doc_table(const char *cols, json_t *rows)
{
    json_t *c = json_array();
    char *copy = strdup(cols), *save = NULL;
    for (char *t = strtok_r(copy, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        char *colon = strrchr(t, ':');
        double w = colon ? atof(colon + 1) : 0.1;
        if (colon) *colon = 0;
        json_array_append_new(c, json_pack("{s:s, s:f}", "title", t, "width", w));
    }
    free(copy);
    return json_pack("{s:s, s:o, s:o, s:b}", "type", "table", "columns", c, "rows", rows,
                     "repeat_header", 1);
}

json_t *doc_row(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    json_t *r = json_array();
    for (int i = 0; i < n; i++) {
        const char *s = va_arg(ap, const char *);
        json_array_append_new(r, json_string(s ? s : ""));
    }
    va_end(ap);
    return r;
}

void doc_text_or_blank(json_t *blocks, const char *text)
{
    if (text && *text)
        json_array_append_new(blocks, doc_para(text, NULL));
    else
        json_array_append_new(blocks, doc_para("（未記入）", "note"));
}

static json_t *fw_titles;
static void fw_titles_init(void)
{
    fw_titles = json_object();
    json_t *all = ism_matrix_frameworks();
    size_t i;
    json_t *f;
    json_array_foreach(all, i, f)
    {
        const json_t *t = json_object_get(f, "title");
        const char *ja = json_is_string(t) ? json_string_value(t) : ism_json_getstr(t, "ja");
        if (!ja) ja = ism_json_getstr(t, "en");
        if (ja) json_object_set_new(fw_titles, ism_json_getstr(f, "id"), json_string(ja));
    }
    json_decref(all);
}

const char *doc_framework_title(const char *fw)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fw_titles_init);
    const char *t = ism_json_getstr(fw_titles, fw);
    return t ? t : fw;
}

json_t *doc_framework_areas(struct ism_catalog_set *cs, const json_t *frameworks)
{
    json_t *out = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(frameworks, i, f)
    {
        const char *fw = json_string_value(f);
        ism_error e = {0};
        json_t *reqs = fw && cs ? ism_matrix_requirements(cs, fw, &e) : NULL;
        ism_error_clear(&e);
        json_t *m = json_pack("{s:o}", "requirements", reqs ? reqs : json_array());
        ism_report_input in = {.matrix = m, .catalogs = cs};
        json_t *rows = ism_report_rows(&in, &e);
        ism_error_clear(&e);
        json_t *areas = json_array(), *idx = json_object();
        size_t k;
        json_t *r;
        json_array_foreach(rows, k, r)
        {
            const char *a = ism_json_getstr(r, "area");
            if (!a) a = "—";
            json_t *slot = json_object_get(idx, a);
            if (!slot) {
                slot = json_pack("{s:s, s:s?, s:i}", "area", a, "title",
                                 ism_json_getstr(r, "area_title"), "count", 0);
                json_array_append_new(areas, slot);
                json_object_set(idx, a, slot);
            }
            json_object_set_new(
                slot, "count",
                json_integer(json_integer_value(json_object_get(slot, "count")) + 1));
        }
        json_array_append_new(out, json_pack("{s:s?, s:s, s:o, s:I}", "framework", fw, "title",
                                             doc_framework_title(fw ? fw : ""), "areas", areas,
                                             "count", (json_int_t)json_array_size(rows)));
        json_decref(idx);
        json_decref(rows);
        json_decref(m);
    }
    return out;
}

void doc_date_ja(const char *iso, char out[32])
{
    if (iso && strlen(iso) >= 10 && iso[4] == '-' && iso[7] == '-')
        snprintf(out, 32, "%.4s年%d月%d日", iso, atoi(iso + 5), atoi(iso + 8));
    else
        snprintf(out, 32, "%s", iso ? iso : "");
}

/* ---- the contract check ------------------------------------------------------------------- */

static bool known_key(const char *k, const char *const *keys)
{
    for (; *keys; keys++)
        if (!strcmp(*keys, k)) return true;
    return false;
}

static bool only_keys(const json_t *o, const char *const *keys, const char *where, ism_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) if (!known_key(k, keys)) return ism_error_set(
        err, ISM_E_INVALID_PARAMS, "%s: unknown field '%s'", where, k);
    return true;
}

static bool str_list(const json_t *a, const char *where, ism_error *err)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s must be a list", where);
    json_array_foreach(a, i, v) if (!json_is_string(v)) return ism_error_set(
        err, ISM_E_INVALID_PARAMS, "%s[%zu] must be a string", where, i);
    return true;
}

static bool check_block(const json_t *b, size_t bi, ism_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "blocks[%zu]", bi);
    const char *type = ism_json_getstr(b, "type");
    if (!json_is_object(b) || !type)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.type is required", where);
    if (!strcmp(type, "heading")) {
        static const char *const k[] = {"type", "level", "text", NULL};
        json_int_t lv = json_integer_value(json_object_get(b, "level"));
        if (!only_keys(b, k, where, err)) return false;
        if (lv < 1 || lv > 3)
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.level must be 1, 2 or 3", where);
        if (!ism_json_getstr(b, "text"))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.text is required", where);
        return true;
    }
    if (!strcmp(type, "paragraph")) {
        static const char *const k[] = {"type", "text", "style", NULL};
        const char *st = ism_json_getstr(b, "style");
        if (!only_keys(b, k, where, err)) return false;
        if (!ism_json_getstr(b, "text"))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.text is required", where);
        if (json_object_get(b, "style") &&
            (!st || (strcmp(st, "normal") && strcmp(st, "note") && strcmp(st, "small"))))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "%s.style must be normal, note or small", where);
        return true;
    }
    if (!strcmp(type, "list")) {
        static const char *const k[] = {"type", "ordered", "items", NULL};
        char w2[80];
        snprintf(w2, sizeof w2, "%s.items", where);
        if (!only_keys(b, k, where, err)) return false;
        if (json_object_get(b, "ordered") && !json_is_boolean(json_object_get(b, "ordered")))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.ordered must be a boolean", where);
        return str_list(json_object_get(b, "items"), w2, err);
    }
    if (!strcmp(type, "kv") || !strcmp(type, "table")) {
        bool kv = !strcmp(type, "kv");
        static const char *const kk[] = {"type", "rows", NULL};
        static const char *const kt[] = {"type", "columns", "rows", "repeat_header", NULL};
        if (!only_keys(b, kv ? kk : kt, where, err)) return false;
        size_t ncols = 2;
        if (!kv) {
            const json_t *cols = json_object_get(b, "columns");
            if (!json_is_array(cols) || !json_array_size(cols))
                return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                     "%s.columns must be a non-empty list", where);
            double sum = 0;
            size_t i;
            json_t *c;
            static const char *const kc[] = {"title", "width", NULL};
            json_array_foreach(cols, i, c)
            {
                char w2[96];
                snprintf(w2, sizeof w2, "%s.columns[%zu]", where, i);
                if (!json_is_object(c) || !only_keys(c, kc, w2, err) ||
                    !ism_json_getstr(c, "title") || !json_is_number(json_object_get(c, "width")))
                    return err->code ? false
                                     : ism_error_set(err, ISM_E_INVALID_PARAMS,
                                                     "%s needs title and width", w2);
                double w = json_number_value(json_object_get(c, "width"));
                if (w <= 0)
                    return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.width must be > 0", w2);
                sum += w;
            }
            if (sum > 1.0)
                return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                     "%s.columns: widths sum to %.3f, more than 1", where, sum);
            ncols = json_array_size(cols);
            if (json_object_get(b, "repeat_header") &&
                !json_is_boolean(json_object_get(b, "repeat_header")))
                return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                     "%s.repeat_header must be a boolean", where);
        }
        const json_t *rows = json_object_get(b, "rows");
        if (!json_is_array(rows))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.rows must be a list", where);
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            char w2[96];
            snprintf(w2, sizeof w2, "%s.rows[%zu]", where, i);
            if (!str_list(r, w2, err)) return false;
            if (json_array_size(r) != ncols)
                return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s has %zu cells, not %zu", w2,
                                     json_array_size(r), ncols);
        }
        return true;
    }
    if (!strcmp(type, "page_break")) {
        static const char *const k[] = {"type", NULL};
        return only_keys(b, k, where, err);
    }
    return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s.type '%s' is not a block type", where,
                         type);
}

bool ism_report_doc_check(const json_t *doc, ism_error *err)
{
    static const char *const keys[] = {"title",  "subtitle", "lang",   "header",
                                       "footer", "meta",     "blocks", NULL};
    if (!json_is_object(doc))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "a document must be an object");
    if (!only_keys(doc, keys, "document", err)) return false;
    if (!ism_json_getstr(doc, "title"))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "document: 'title' is required");
    static const char *const opt[] = {"subtitle", "header", "footer", NULL};
    for (const char *const *k = opt; *k; k++)
        if (json_object_get(doc, *k) && !ism_json_getstr(doc, *k))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "document: '%s' must be a string", *k);
    const char *lang = ism_json_getstr(doc, "lang");
    if (json_object_get(doc, "lang") && (!lang || (strcmp(lang, "ja") && strcmp(lang, "en"))))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "document: 'lang' must be ja or en");
    const json_t *meta = json_object_get(doc, "meta");
    size_t i;
    json_t *v;
    if (meta) {
        if (!json_is_array(meta))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "meta must be a list of pairs");
        json_array_foreach(meta, i, v)
        {
            char w[32];
            snprintf(w, sizeof w, "meta[%zu]", i);
            if (!str_list(v, w, err)) return false;
            if (json_array_size(v) != 2)
                return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s must be [key, value]", w);
        }
    }
    const json_t *blocks = json_object_get(doc, "blocks");
    if (!json_is_array(blocks))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "document: 'blocks' must be a list");
    json_array_foreach(blocks, i, v) if (!check_block(v, i, err)) return false;
    return true;
}
