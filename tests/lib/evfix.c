/* evfix.c — the evidence tests' shared fixture (see evfix.h). */
#include "evfix.h"

#include "ismap/core.h"
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include <check.h>
#include <stdlib.h>

ism_store *tu_evidence_store(const char *dir)
{
    char *p = tu_store_location(dir);
    ism_error e = {0};
    ism_store *st = ism_store_open_with(p, ism_evidence_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
    return st;
}

void tu_evidence_subject(ism_store *st, const char *service_name, char *id, size_t cap)
{
    ism_error e = {0};
    json_t *spec = json_pack("{s:s, s:s, s:s, s:s?}", "kind", "service", "name", "住民記録クラウド",
                             "provider", "はまなすクラウド株式会社", "service_name", service_name);
    json_t *s = ism_subject_create(st, "", spec, "test", &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    ism_strlcpy(id, ism_json_getstr(s, "id"), cap);
    json_decref(s);
    json_decref(spec);
}

ism_catalog_set *tu_catalogs(void)
{
    ism_error e = {0};
    char *cdir = ism_strdupf("%s/catalog", tu_source_dir());
    ism_catalog_set *cats = ism_catalog_load_cached(cdir, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    free(cdir);
    if (!cats) fprintf(stderr, "catalogs: %s\n", e.message);
    return cats;
}

/* A row as one line: its columns as a JSON array of strings (SQL NULL as null), read as text
 * so that both backends print a number alike. */
static json_t *row_line(ism_stmt *s)
{
    json_t *a = json_array();
    for (int i = 0; i < ism_stmt_columns(s); i++)
        json_array_append_new(a, ism_stmt_json_text(s, i));
    char *t = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    json_t *line = json_string(t);
    free(t);
    return line;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The rows of every query, one line each, sorted bytewise; joined with sep after each. */
static char *scan(ism_store *st, const char *const *sql, size_t nsql, const char *sep)
{
    json_t *all = json_array();
    for (size_t q = 0; q < nsql; q++) {
        ism_error e = {0};
        json_t *rows = ism_store_select(st, sql[q], NULL, 0, row_line, &e);
        ck_assert_msg(rows != NULL, "%s: %s", sql[q], e.message);
        json_array_extend(all, rows);
        json_decref(rows);
    }
    size_t n = json_array_size(all), len = 1;
    const char **lines = calloc(n + 1, sizeof *lines);
    for (size_t i = 0; i < n; i++) {
        lines[i] = json_string_value(json_array_get(all, i));
        len += strlen(lines[i]) + strlen(sep);
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    char *out = malloc(len), *w = out;
    *w = '\0';
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%s%s", lines[i], sep);
    free(lines);
    json_decref(all);
    return out;
}

char *tu_evidence_scan(ism_store *st)
{
    static const char *const sql[] = {
        "SELECT id,subject,org,kind,key,version,state,title,source_name,source_sha256,"
        "source_size,valid_from,valid_until,length(data),summary,warnings,seq FROM evidence",
        "SELECT import_id,row,reg_no,list,service,provider FROM ismap_list",
        "SELECT id,org,name FROM subjects"};
    return scan(st, sql, sizeof sql / sizeof sql[0], "\n");
}

char *tu_evidence_dump(ism_store *st, const char *sql)
{
    return scan(st, &sql, 1, ";");
}
