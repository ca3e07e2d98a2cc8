/* test_evidence_items.c — subjects, versioned evidence with provenance, atomic extras, and
 * content-addressed file storage. */
#include "ismap/evidence.h"
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;
static ism_store *st;

static void setup(void)
{
    dir = tu_tempdir("evidence");
    char *p = tu_store_location(dir);
    ism_error e = {0};
    st = ism_store_open_with(p, ism_evidence_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
}

static void teardown(void)
{
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(subjects)
{
    ism_error e = {0};
    json_t *spec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "kind", "service", "name",
                             "住民記録SaaS", "provider", "みなとクラウド株式会社", "service_name",
                             "MinatoCloud 住基", "deployment_model", "SaaS", "regions", "東京");
    json_t *sub = ism_subject_create(st, "city", spec, "local", &e);
    ck_assert_msg(sub != NULL, "%s", e.message);
    ck_assert_str_eq(ism_json_getstr(sub, "name"), "住民記録SaaS");
    ck_assert_ptr_null(ism_subject_create(st, "city", spec, "local", &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT);
    ism_error_clear(&e);
    /* Another org may use the same name. */
    json_t *other = ism_subject_create(st, "town", spec, "local", &e);
    ck_assert_ptr_nonnull(other);
    ck_assert_ptr_null(ism_subject_get(st, "住民記録SaaS", "", &e));
    ck_assert_int_eq(e.code, ISM_E_CONFLICT); /* ambiguous across orgs */
    ism_error_clear(&e);
    json_t *g = ism_subject_get(st, "住民記録SaaS", "city", &e);
    ck_assert_str_eq(ism_json_getstr(g, "id"), ism_json_getstr(sub, "id"));
    json_decref(g);
    json_object_set_new(spec, "deployment_model", json_string("FaaS"));
    json_object_set_new(spec, "name", json_string("x"));
    ck_assert_ptr_null(ism_subject_create(st, "city", spec, "local", &e));
    ck_assert_ptr_nonnull(strstr(e.message, "deployment_model"));
    ism_error_clear(&e);
    json_object_set_new(spec, "deployment_model", json_string("SaaS"));
    json_object_set_new(spec, "regions", json_string("東京"));
    ck_assert_ptr_null(ism_subject_create(st, "city", spec, "local", &e));
    ck_assert_ptr_nonnull(strstr(e.message, "regions"));
    ism_error_clear(&e);
    json_t *l = ism_subject_list(st, "city", &e);
    ck_assert_int_eq(json_array_size(l), 1);
    json_decref(l);
    json_decref(spec);
    json_decref(sub);
    json_decref(other);
}
END_TEST

static bool extra_fail(ism_db *db, const char *id, void *arg, ism_error *err)
{
    (void)db, (void)id, (void)arg;
    return ism_error_set(err, ISM_E_INVALID_DATA, "row 7 bad");
}

START_TEST(versions_supersede_and_keep_history)
{
    ism_error e = {0};
    json_t *spec = json_pack("{s:s, s:s, s:s}", "kind", "service", "name", "S", "provider", "P");
    json_t *sub = ism_subject_create(st, "", spec, "local", &e);
    const char *sid = ism_json_getstr(sub, "id");
    json_t *d1 = json_pack("{s:i}", "v", 1), *d2 = json_pack("{s:i}", "v", 2);
    ism_evidence_new ev = {.subject = sid,
                           .kind = "soc2",
                           .key = "2025",
                           .title = "SOC 2",
                           .source_name = "a.json",
                           .source_sha256 = "00",
                           .source_size = 10,
                           .imported_by = "local",
                           .valid_from = "2024-04-01",
                           .valid_until = "2025-03-31",
                           .data = d1};
    json_t *a = ism_evidence_add(st, &ev, &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    ev.data = d2;
    json_t *b = ism_evidence_add(st, &ev, &e);
    ck_assert_int_eq(json_integer_value(json_object_get(b, "version")), 2);
    json_t *cur = ism_evidence_current(st, sid, "soc2", "", &e);
    ck_assert_int_eq(json_array_size(cur), 1);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(json_array_get(cur, 0), "data"), "v")),
        2);
    json_decref(cur);
    json_t *all = ism_evidence_list(st, sid, "soc2", true, "", &e);
    ck_assert_int_eq(json_array_size(all), 2);
    json_decref(all);
    json_t *old = ism_evidence_get(st, ism_json_getstr(a, "id"), "", &e);
    ck_assert_str_eq(ism_json_getstr(old, "state"), "superseded");
    ck_assert_str_eq(ism_json_getstr(json_object_get(old, "source"), "name"), "a.json");
    json_decref(old);
    /* A failing extra rolls everything back: still version 2 current. */
    ev.extra = extra_fail;
    ck_assert_ptr_null(ism_evidence_add(st, &ev, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "row 7"));
    ism_error_clear(&e);
    cur = ism_evidence_current(st, sid, "soc2", "", &e);
    ck_assert_str_eq(ism_json_getstr(json_array_get(cur, 0), "id"), ism_json_getstr(b, "id"));
    json_decref(cur);
    /* Unknown subject. */
    ev.extra = NULL;
    ev.subject = "subj_nope";
    ck_assert_ptr_null(ism_evidence_add(st, &ev, &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(e.message, "subj_nope"));
    ism_error_clear(&e);
    /* Without superseded versions: only the current one. */
    all = ism_evidence_list(st, sid, "soc2", false, "", &e);
    ck_assert_int_eq(json_array_size(all), 1);
    ck_assert_str_eq(ism_json_getstr(json_array_get(all, 0), "id"), ism_json_getstr(b, "id"));
    json_decref(all);
    json_decref(a);
    json_decref(b);
    json_decref(d1);
    json_decref(d2);
    json_decref(sub);
    json_decref(spec);
}
END_TEST

/* A title or file name cut in the middle of a character (as a fixed buffer once did) cannot be
 * read back: it is refused before anything is written, and the good version stays current. */
START_TEST(cut_text_refused_good_version_kept)
{
    ism_error e = {0};
    json_t *spec = json_pack("{s:s, s:s, s:s}", "kind", "service", "name", "S", "provider", "P");
    json_t *sub = ism_subject_create(st, "", spec, "local", &e);
    const char *sid = ism_json_getstr(sub, "id");
    json_t *d = json_pack("{s:i}", "v", 1);
    /* 100 × あ, then the same cut after the first byte of the last character. */
    char title[400] = "", cut[400];
    for (int i = 0; i < 100; i++)
        strcat(title, "あ");
    ism_strlcpy(cut, title, sizeof cut);
    cut[strlen(cut) - 2] = '\0';
    ism_evidence_new ev = {.subject = sid,
                           .kind = "questionnaire",
                           .key = "",
                           .title = title,
                           .source_name = "a.csv",
                           .source_sha256 = "00",
                           .imported_by = "local",
                           .data = d};
    json_t *good = ism_evidence_add(st, &ev, &e);
    ck_assert_msg(good != NULL, "%s", e.message);
    ck_assert_str_eq(ism_json_getstr(good, "title"), title);
    const char *fields[] = {"title", "source_name", "key"};
    for (int f = 0; f < 3; f++) {
        ism_evidence_new bad = ev;
        if (f == 0) bad.title = cut;
        if (f == 1) bad.source_name = cut;
        if (f == 2) bad.key = cut;
        ck_assert_ptr_null(ism_evidence_add(st, &bad, &e));
        ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
        ck_assert_ptr_nonnull(strstr(e.message, fields[f]));
        ism_error_clear(&e);
    }
    json_t *all = ism_evidence_list(st, sid, "questionnaire", true, "", &e);
    ck_assert_int_eq(json_array_size(all), 1);
    ck_assert_str_eq(ism_json_getstr(json_array_get(all, 0), "id"), ism_json_getstr(good, "id"));
    ck_assert_str_eq(ism_json_getstr(json_array_get(all, 0), "state"), "current");
    json_decref(all);
    json_decref(good);
    json_decref(d);
    json_decref(sub);
    json_decref(spec);
}
END_TEST

START_TEST(files_are_content_addressed)
{
    ism_error e = {0};
    char *src = ism_strdupf("%s/../report.pdf", dir);
    char *src2 = ism_strdupf("%s/copy-with-other-name.pdf", dir);
    FILE *fp = fopen(src2, "w");
    fputs("%PDF-1.4 pretend", fp);
    fclose(fp);
    free(src);
    char *files = ism_strdupf("%s/files", dir);
    char sha[65], sha2[65];
    long long size = 0;
    ck_assert(ism_evidence_store_file(files, src2, 1 << 20, sha, &size, &e));
    ck_assert_int_eq(size, 16);
    ck_assert(ism_evidence_store_file(files, src2, 1 << 20, sha2, &size, &e));
    ck_assert_str_eq(sha, sha2);
    char *stored = ism_strdupf("%s/%.2s/%s", files, sha, sha);
    struct stat sb;
    ck_assert_int_eq(stat(stored, &sb), 0);
    ck_assert(!ism_evidence_store_file(files, src2, 8, sha, &size, &e));
    ck_assert_int_eq(e.code, ISM_E_TOO_LARGE);
    ism_error_clear(&e);
    free(stored);
    free(files);
    free(src2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("evidence_items");
    TCase *tc = tcase_create("items");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, subjects);
    tcase_add_test(tc, versions_supersede_and_keep_history);
    tcase_add_test(tc, files_are_content_addressed);
    tcase_add_test(tc, cut_text_refused_good_version_kept);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
