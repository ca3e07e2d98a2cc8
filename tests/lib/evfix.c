/* evfix.c — the evidence tests' shared fixture (see evfix.h). */
#include "evfix.h"

#include "ismap/core.h"
#include "ismap/evidence.h"

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
