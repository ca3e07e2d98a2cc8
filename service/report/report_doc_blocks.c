/* report_doc_blocks.c — building blocks of the document model (the input of the PDF and HTML
 * renderers) and the contract check every built document passes: required keys, known block
 * types, rows as long as the columns, widths summing to at most 1. */
#include "ismap/catalog.h"
#include "ismap/matrix.h"
#include "pdf_internal.h"
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

void doc_set_created(json_t *doc, const char *when)
{
    char buf[64];
    if (!when || !*when) return;
    if (strlen(when) == 10) { /* a bare date: midnight in Japan */
        snprintf(buf, sizeof buf, "%sT00:00:00+09:00", when);
        when = buf;
    }
    if (ism_pdf_date(when, NULL)) json_object_set_new(doc, "created", json_string(when));
}

/* One validator for the document model, the PDF renderer's (pdf_model.c): what the HTML and
 * XLSX renderers accept is exactly what the PDF renderer accepts. */
bool ism_report_doc_check(const json_t *doc, ism_error *err)
{
    return ism_pdf_model_check(doc, err);
}
