/* test_pdf.c — the PDF renderer's contract without external tools: strict validation of the
 * document model (errors name the path), reproducible bytes (CreationDate from the model, no
 * clock), concurrent renders on two threads. Rendering read back to images: test_pdf_render.c. */
#include "ismap/report.h"
#include "testutil.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static json_t *doc_of(const char *text)
{
    json_error_t je;
    json_t *d = json_loads(text, 0, &je);
    ck_assert_msg(d != NULL, "fixture JSON: %s", je.text);
    return d;
}

/* Renders and expects an ISM_E_INVALID_PARAMS whose message starts with want. */
static void refused(const char *text, const char *want)
{
    json_t *d = doc_of(text);
    ism_error e = {0};
    size_t len = 0;
    char *pdf = ism_report_pdf(d, &len, &e);
    ck_assert_msg(pdf == NULL, "accepted: %s", text);
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ck_assert_msg(strncmp(e.message, want, strlen(want)) == 0, "message \"%s\", wanted \"%s\"",
                  e.message, want);
    ck_assert_ptr_nonnull(e.details);
    ism_error_clear(&e);
    json_decref(d);
}

#define COLS5                                                                                      \
    "[{\"title\":\"a\",\"width\":0.2},{\"title\":\"b\",\"width\":0.2},{\"title\":\"c\","           \
    "\"width\":0.2},{\"title\":\"d\",\"width\":0.2},{\"title\":\"e\",\"width\":0.2}]"

START_TEST(errors_name_the_path)
{
    refused("[]", "document: must be a JSON object");
    refused("{\"blocks\":[]}", "document: \"title\" is required");
    refused("{\"title\":\"\",\"blocks\":[]}", "document: \"title\" must not be empty");
    refused("{\"title\":\"t\"}", "blocks: must be an array");
    refused("{\"title\":\"t\",\"blocks\":[],\"colour\":1}", "document: unknown key \"colour\"");
    refused("{\"title\":\"t\",\"lang\":\"fr\",\"blocks\":[]}", "lang: must be \"ja\" or \"en\"");
    refused("{\"title\":\"t\",\"created\":\"yesterday\",\"blocks\":[]}", "created: not an RFC");
    refused("{\"title\":\"t\",\"meta\":[[\"k\"]],\"blocks\":[]}", "meta[0]: 1 cells, 2 columns");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"heading\",\"level\":4,\"text\":\"x\"}]}",
            "blocks[0]: \"level\" must be 1, 2 or 3");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"paragraph\",\"text\":\"x\"},"
            "{\"type\":\"figure\"}]}",
            "blocks[1]: unknown block type \"figure\"");
    refused(
        "{\"title\":\"t\",\"blocks\":[{\"type\":\"paragraph\",\"text\":\"x\",\"style\":\"big\"}]}",
        "blocks[0]: \"style\" must be normal, note or small");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"paragraph\",\"text\":\"x\",\"bold\":true}]}",
            "blocks[0]: unknown key \"bold\"");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"list\",\"items\":[\"a\",3]}]}",
            "blocks[0].items[1]: must be a string");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"kv\",\"rows\":[[\"a\",\"b\",\"c\"]]}]}",
            "blocks[0].rows[0]: 3 cells, 2 columns");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"page_break\"},{\"type\":\"page_break\"},"
            "{\"type\":\"page_break\"},{\"type\":\"table\",\"columns\":" COLS5 ",\"rows\":["
            "[\"1\",\"2\",\"3\",\"4\",\"5\"],[\"1\",\"2\",\"3\",\"4\",\"5\"],"
            "[\"1\",\"2\",\"3\",\"4\"]]}]}",
            "blocks[3].rows[2]: 4 cells, 5 columns");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"table\",\"columns\":[{\"title\":\"a\","
            "\"width\":0.7},{\"title\":\"b\",\"width\":0.7}],\"rows\":[]}]}",
            "blocks[0].columns: widths add up to 1.400");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"table\",\"columns\":[{\"title\":\"a\","
            "\"width\":0}],\"rows\":[]}]}",
            "blocks[0].columns[0]: \"width\" must be a number in (0, 1]");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"table\",\"columns\":[{\"title\":\"a\","
            "\"width\":1}],\"rows\":[[null]]}]}",
            "blocks[0].rows[0][0]: must be a string");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"table\",\"columns\":[],\"rows\":[]}]}",
            "blocks[0].columns: must be a non-empty array");
    refused("{\"title\":\"t\",\"blocks\":[{\"type\":\"table\",\"columns\":[{\"title\":\"a\","
            "\"width\":1}],\"rows\":[],\"repeat_header\":\"yes\"}]}",
            "blocks[0]: \"repeat_header\" must be true or false");
}
END_TEST

static const char *small_doc =
    "{\"title\":\"監査報告書（詳細版）\",\"subtitle\":\"令和8年度 情報セキュリティ監査\","
    "\"header\":\"みなと市 監査報告書\",\"footer\":\"内部資料\",\"created\":"
    "\"2026-12-05T10:00:00+09:00\",\"meta\":[[\"監査対象\",\"情報政策課\"]],\"blocks\":["
    "{\"type\":\"heading\",\"level\":1,\"text\":\"1. 監査の目的\"},"
    "{\"type\":\"paragraph\",\"text\":\"本監査は、クラウドサービスの利用状況を確認する。\"},"
    "{\"type\":\"list\",\"ordered\":true,\"items\":[\"一つ目\",\"二つ目\"]},"
    "{\"type\":\"kv\",\"rows\":[[\"被監査部門\",\"情報政策課\"]]},"
    "{\"type\":\"table\",\"columns\":[{\"title\":\"項番\",\"width\":0.1},{\"title\":"
    "\"監査項目\",\"width\":0.9}],\"rows\":[[\"1\",\"アクセス制御\"]]}]}";

START_TEST(same_input_same_bytes)
{
    json_t *d = doc_of(small_doc);
    ism_error e = {0};
    size_t l1 = 0, l2 = 0;
    char *a = ism_report_pdf(d, &l1, &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    char *b = ism_report_pdf(d, &l2, &e);
    ck_assert_msg(b != NULL, "%s", e.message);
    ck_assert_int_eq(l1, l2);
    if (getenv("ISM_PDF_DUMP")) { /* to look at it */
        FILE *f = fopen(getenv("ISM_PDF_DUMP"), "wb");
        if (f) {
            fwrite(a, 1, l1, f);
            fclose(f);
        }
    }
    ck_assert_msg(memcmp(a, b, l1) == 0, "two renders of one model differ");
    ck_assert(l1 > 5 && memcmp(a, "%PDF-", 5) == 0);
    ck_assert_msg(memmem(a, l1, "(20261205100000+09'00)", 22) != NULL,
                  "the CreationDate is not the model's \"created\"");
    ck_assert_msg(memmem(a, l1, "ismap-assess " ISM_VERSION, strlen("ismap-assess " ISM_VERSION)),
                  "no creator");
    free(a);
    free(b);
    /* Without "created" the date is fixed too, not the clock's. */
    json_object_del(d, "created");
    a = ism_report_pdf(d, &l1, &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    ck_assert(memmem(a, l1, "(20000101000000", 15) != NULL);
    free(a);
    json_decref(d);
}
END_TEST

typedef struct job {
    const json_t *doc;
    char *pdf;
    size_t len;
} job;

static void *render(void *arg)
{
    job *j = arg;
    ism_error e = {0};
    for (int i = 0; i < 3; i++) {
        free(j->pdf);
        j->pdf = ism_report_pdf(j->doc, &j->len, &e);
    }
    ism_error_clear(&e);
    return NULL;
}

START_TEST(threads_render_alike)
{
    json_t *d = doc_of(small_doc);
    job j[2] = {{d, NULL, 0}, {d, NULL, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, render, &j[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert(j[0].pdf && j[1].pdf);
    ck_assert_int_eq(j[0].len, j[1].len);
    ck_assert(memcmp(j[0].pdf, j[1].pdf, j[0].len) == 0);
    free(j[0].pdf);
    free(j[1].pdf);
    json_decref(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pdf");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, errors_name_the_path);
    tcase_add_test(tc, same_input_same_bytes);
    tcase_add_test(tc, threads_render_alike);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
