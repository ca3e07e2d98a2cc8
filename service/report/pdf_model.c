/* pdf_model.c — strict validation of the document model (docs/report-format.md, "Document
 * model") before the PDF renderer typesets it: every key known, every value of its type, every
 * table row as wide as its columns. Errors are ISM_E_INVALID_PARAMS whose message starts with
 * the path of the offending value ("blocks[3].rows[2]: 4 cells, 5 columns") and whose detail
 * carries that path as {"path": ...}. */
#include "pdf_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool bad(ism_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool bad(ism_error *err, const char *path, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ism_error_set(err, ISM_E_INVALID_PARAMS, "%s: %s", path, msg);
    ism_error_detail(err, json_pack("{s:s}", "path", path));
    return false;
}

/* Refuses keys of obj not in the NULL-terminated list. */
static bool known_keys(const json_t *obj, const char *const *keys, const char *path, ism_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        bool ok = false;
        for (const char *const *p = keys; *p && !ok; p++)
            ok = strcmp(*p, k) == 0;
        if (!ok) return bad(err, path, "unknown key \"%s\"", k);
    }
    return true;
}

/* A string at obj[key]: required or optional (absent or null gives *out = NULL). */
static bool str_at(const json_t *obj, const char *key, bool required, bool nonempty,
                   const char *path, const char **out, ism_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return bad(err, path, "\"%s\" is required", key);
        return true;
    }
    if (!json_is_string(v)) return bad(err, path, "\"%s\" must be a string", key);
    if (nonempty && json_string_length(v) == 0)
        return bad(err, path, "\"%s\" must not be empty", key);
    *out = json_string_value(v);
    return true;
}

static bool bool_at(const json_t *obj, const char *key, const char *path, ism_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_boolean(v)) return bad(err, path, "\"%s\" must be true or false", key);
    return true;
}

/* An array of strings (list items, a table row); width > 0 asks for exactly that many. */
static bool strings(const json_t *arr, size_t width, const char *path, const char *what,
                    ism_error *err)
{
    if (!json_is_array(arr)) return bad(err, path, "must be an array of strings");
    if (width && json_array_size(arr) != width)
        return bad(err, path, "%zu %s, %zu columns", json_array_size(arr), what, width);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v)) {
            char p[96];
            snprintf(p, sizeof p, "%s[%zu]", path, i);
            return bad(err, p, "must be a string");
        }
    }
    return true;
}

/* [[key, value], ...] of a kv block or the meta. */
static bool pairs(const json_t *arr, const char *path, ism_error *err)
{
    if (!json_is_array(arr)) return bad(err, path, "must be an array of [key, value] pairs");
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row)
    {
        char p[96];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        if (!strings(row, 2, p, "cells", err)) return false;
    }
    return true;
}

static bool table(const json_t *b, const char *path, ism_error *err)
{
    static const char *const keys[] = {"type", "columns", "rows", "repeat_header", NULL};
    if (!known_keys(b, keys, path, err) || !bool_at(b, "repeat_header", path, err)) return false;
    const json_t *cols = json_object_get(b, "columns");
    char p[96];
    snprintf(p, sizeof p, "%s.columns", path);
    if (!json_is_array(cols) || json_array_size(cols) == 0)
        return bad(err, p, "must be a non-empty array");
    if (json_array_size(cols) > PDF_MAX_COLUMNS)
        return bad(err, p, "%zu columns, at most %d", json_array_size(cols), PDF_MAX_COLUMNS);
    double sum = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cols, i, c)
    {
        static const char *const ckeys[] = {"title", "width", NULL};
        char cp[112];
        snprintf(cp, sizeof cp, "%s.columns[%zu]", path, i);
        const char *title;
        if (!json_is_object(c)) return bad(err, cp, "must be an object {title, width}");
        if (!known_keys(c, ckeys, cp, err) || !str_at(c, "title", true, false, cp, &title, err))
            return false;
        json_t *w = json_object_get(c, "width");
        if (!json_is_number(w) || !(json_number_value(w) > 0) || json_number_value(w) > 1)
            return bad(err, cp, "\"width\" must be a number in (0, 1]");
        sum += json_number_value(w);
    }
    if (sum > 1.0 + 1e-6) return bad(err, p, "widths add up to %.3f, more than 1.0", sum);
    const json_t *rows = json_object_get(b, "rows");
    snprintf(p, sizeof p, "%s.rows", path);
    if (!json_is_array(rows)) return bad(err, p, "must be an array of rows");
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        char rp[112];
        snprintf(rp, sizeof rp, "%s.rows[%zu]", path, i);
        if (!strings(row, json_array_size(cols), rp, "cells", err)) return false;
    }
    return true;
}

static bool block(const json_t *b, const char *path, ism_error *err)
{
    if (!json_is_object(b)) return bad(err, path, "must be an object");
    const char *type, *s;
    if (!str_at(b, "type", true, true, path, &type, err)) return false;
    char p[96];
    if (strcmp(type, "heading") == 0) {
        static const char *const keys[] = {"type", "level", "text", NULL};
        json_t *lv = json_object_get(b, "level");
        if (!known_keys(b, keys, path, err) || !str_at(b, "text", true, true, path, &s, err))
            return false;
        if (!json_is_integer(lv) || json_integer_value(lv) < 1 || json_integer_value(lv) > 3)
            return bad(err, path, "\"level\" must be 1, 2 or 3");
        return true;
    }
    if (strcmp(type, "paragraph") == 0) {
        static const char *const keys[] = {"type", "text", "style", NULL};
        if (!known_keys(b, keys, path, err) || !str_at(b, "text", true, false, path, &s, err) ||
            !str_at(b, "style", false, false, path, &s, err))
            return false;
        if (s && strcmp(s, "normal") && strcmp(s, "note") && strcmp(s, "small"))
            return bad(err, path, "\"style\" must be normal, note or small, not \"%s\"", s);
        return true;
    }
    if (strcmp(type, "list") == 0) {
        static const char *const keys[] = {"type", "ordered", "items", NULL};
        snprintf(p, sizeof p, "%s.items", path);
        return known_keys(b, keys, path, err) && bool_at(b, "ordered", path, err) &&
               strings(json_object_get(b, "items"), 0, p, "items", err);
    }
    if (strcmp(type, "kv") == 0) {
        static const char *const keys[] = {"type", "rows", NULL};
        snprintf(p, sizeof p, "%s.rows", path);
        return known_keys(b, keys, path, err) && pairs(json_object_get(b, "rows"), p, err);
    }
    if (strcmp(type, "table") == 0) return table(b, path, err);
    if (strcmp(type, "page_break") == 0) {
        static const char *const keys[] = {"type", NULL};
        return known_keys(b, keys, path, err);
    }
    return bad(err, path, "unknown block type \"%s\"", type);
}

bool ism_pdf_model_check(const json_t *doc, ism_error *err)
{
    static const char *const keys[] = {"title", "subtitle", "lang",   "header", "footer",
                                       "meta",  "created",  "blocks", NULL};
    const char *s;
    if (!json_is_object(doc)) return bad(err, "document", "must be a JSON object");
    if (!known_keys(doc, keys, "document", err) ||
        !str_at(doc, "title", true, true, "document", &s, err) ||
        !str_at(doc, "subtitle", false, false, "document", &s, err) ||
        !str_at(doc, "header", false, false, "document", &s, err) ||
        !str_at(doc, "footer", false, false, "document", &s, err) ||
        !str_at(doc, "lang", false, false, "document", &s, err))
        return false;
    if (s && strcmp(s, "ja") && strcmp(s, "en"))
        return bad(err, "lang", "must be \"ja\" or \"en\", not \"%s\"", s);
    if (!str_at(doc, "created", false, false, "document", &s, err)) return false;
    if (s && !ism_pdf_date(s, NULL))
        return bad(err, "created", "not an RFC 3339 date-time: \"%s\"", s);
    const json_t *meta = json_object_get(doc, "meta");
    if (meta && !pairs(meta, "meta", err)) return false;
    const json_t *blocks = json_object_get(doc, "blocks");
    if (!json_is_array(blocks)) return bad(err, "blocks", "must be an array");
    size_t i;
    json_t *b;
    json_array_foreach(blocks, i, b)
    {
        char p[48];
        snprintf(p, sizeof p, "blocks[%zu]", i);
        if (!block(b, p, err)) return false;
    }
    return true;
}

/* RFC 3339 ("2026-12-05T10:00:00+09:00", "...Z", fractions allowed) to the form cairo wants
 * for CAIRO_PDF_METADATA_CREATE_DATE ("YYYY-MM-DDThh:mm:ss" + "Z" or "+hh:mm"). */
bool ism_pdf_date(const char *s, char out[32])
{
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1)
        return false;
    const char *z = s + 19;
    if (*z == '.') {
        z++;
        if (*z < '0' || *z > '9') return false;
        while (*z >= '0' && *z <= '9')
            z++;
    }
    char tz[32];
    if (strcmp(z, "Z") == 0) {
        strcpy(tz, "Z");
    } else {
        int th, tm, m = 0;
        if ((z[0] != '+' && z[0] != '-') || sscanf(z + 1, "%2d:%2d%n", &th, &tm, &m) != 2 ||
            m != 5 || z[6] || th > 23 || tm > 59)
            return false;
        snprintf(tz, sizeof tz, "%c%02d:%02d", z[0], th, tm);
    }
    if (out)
        snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d%.6s", y % 10000, mo, d, h, mi, sec, tz);
    return true;
}
