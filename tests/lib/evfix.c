/* evfix.c — the evidence tests' shared fixture (see evfix.h). */
#include "evfix.h"

#include "ismap/core.h"
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <stdlib.h>

ism_store *tu_evidence_store(const char *dir)
{
    char *p = ism_strdupf("%s/s.db", dir);
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

char *tu_evidence_scan(ism_store *st)
{
    sqlite3 *db = ism_store_read_begin(st);
    sqlite3_stmt *s = NULL;
    char *out = strdup("");
    sqlite3_prepare_v2(db,
                       "SELECT json_array(id,subject,org,kind,key,version,state,title,source_name,"
                       "source_sha256,source_size,valid_from,valid_until,length(data),summary,"
                       "warnings,seq) FROM evidence UNION ALL SELECT json_array(import_id,row,"
                       "reg_no,list,service,provider) FROM ismap_list UNION ALL SELECT "
                       "json_array(id,org,name) FROM subjects ORDER BY 1",
                       -1, &s, NULL);
    while (sqlite3_step(s) == SQLITE_ROW) {
        char *n = ism_strdupf("%s%s\n", out, (const char *)sqlite3_column_text(s, 0));
        free(out);
        out = n;
    }
    sqlite3_finalize(s);
    ism_store_read_end(st, db);
    return out;
}
