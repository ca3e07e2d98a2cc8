/* test_pdf_render.c — a document model rendered to PDF and read back with poppler's tools:
 * Japanese text, a long paragraph, a 300-row table and a row taller than a page. pdftoppm must
 * turn every page into a PNG, the page count must agree with the footer's "n / N" on every page,
 * every page holding table rows must repeat the header row, and every token placed in a cell or
 * the paragraph must come back exactly once (nothing lost, nothing doubled at a page split).
 * Exits 77 (skipped) when pdftoppm or pdftotext is absent. */
#include "ismap/report.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define ROWS 300
#define TALL_LINES 160 /* lines in the tall cell: about three pages */
#define PARA_TOKENS 300

static char *dir;

static json_t *column(const char *title, double w)
{
    return json_pack("{s:s, s:f}", "title", title, "width", w);
}

static char *str_append(char *s, const char *add)
{
    size_t a = s ? strlen(s) : 0, b = strlen(add);
    char *p = realloc(s, a + b + 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p + a, add, b + 1);
    return p;
}

static json_t *fixture(void)
{
    json_t *blocks = json_array();
    json_array_append_new(blocks, json_pack("{s:s, s:i, s:s}", "type", "heading", "level", 1,
                                            "text", "1. 監査の目的"));
    char *para = NULL, tok[256];
    for (int i = 1; i <= PARA_TOKENS; i++) {
        snprintf(tok, sizeof tok,
                 "本監査は段落%04dにおいて、情報セキュリティ対策の状況を確認する。", i);
        para = str_append(para, tok);
    }
    json_array_append_new(blocks, json_pack("{s:s, s:s}", "type", "paragraph", "text", para));
    free(para);
    json_array_append_new(blocks, json_pack("{s:s, s:b, s:[s, s]}", "type", "list", "ordered", 1,
                                            "items", "第一の項目", "第二の項目"));
    json_array_append_new(
        blocks, json_pack("{s:s, s:i, s:s}", "type", "heading", "level", 2, "text", "2. 監査結果"));
    json_t *rows = json_array();
    for (int i = 1; i <= ROWS; i++) {
        char no[16], item[512], res[32];
        snprintf(no, sizeof no, "%d", i);
        snprintf(
            item, sizeof item,
            "行R%04dの監査項目：アクセス権限の見直しを定期的に実施し、その記録を保管していること%s",
            i, i % 7 == 0 ? "。\nさらに、特権ＩＤの利用は承認を得た上で記録されていること。" : "");
        snprintf(res, sizeof res, "適合S%04d", i);
        json_array_append_new(rows, json_pack("[s, s, s]", no, item, res));
        if (i == 150) { /* the row taller than a page */
            char *tall = NULL;
            for (int k = 1; k <= TALL_LINES; k++) {
                snprintf(tok, sizeof tok, "%s長い行T%04d", k > 1 ? "\n" : "", k);
                tall = str_append(tall, tok);
            }
            json_array_append_new(rows, json_pack("[s, s, s]", "長", tall, "要確認X0001"));
            free(tall);
        }
    }
    json_array_append_new(blocks, json_pack("{s:s, s:[o, o, o], s:o}", "type", "table", "columns",
                                            column("項番", 0.1), column("監査項目ヘッダ", 0.7),
                                            column("判定ヘッダ", 0.2), "rows", rows));
    json_array_append_new(blocks, json_pack("{s:s}", "type", "page_break"));
    json_array_append_new(blocks, json_pack("{s:s, s:s, s:s}", "type", "paragraph", "text",
                                            "以上。END0001", "style", "note"));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[[s, s]], s:o}", "title", "監査報告書（詳細版）",
                     "subtitle", "令和8年度 情報セキュリティ監査", "header", "ヘッダ走行", "footer",
                     "内部資料", "created", "2026-12-05T10:00:00+09:00", "meta", "監査対象",
                     "みなと市 情報政策課", "blocks", blocks);
}

/* Runs a shell command; its exit status. */
static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path)
{
    ism_error e = {0};
    size_t len;
    char *s = ism_read_file(path, 64u << 20, &len, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    return s;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

START_TEST(renders_back)
{
    json_t *doc = fixture();
    ism_error e = {0};
    size_t len = 0;
    char *pdf = ism_report_pdf(doc, &len, &e);
    ck_assert_msg(pdf != NULL, "%s", e.message);
    char path[4200], cmd[9000];
    snprintf(path, sizeof path, "%s/doc.pdf", dir);
    ck_assert(ism_report_write_file(path, pdf, len, &e));
    if (getenv("ISM_PDF_DUMP")) /* to look at it */
        ck_assert(ism_report_write_file(getenv("ISM_PDF_DUMP"), pdf, len, &e));
    free(pdf);
    json_decref(doc);

    /* Every page to a PNG (low resolution: this proves it renders, not how it looks). */
    snprintf(cmd, sizeof cmd, "pdftoppm -r 20 -png '%s' '%s/page'", path, dir);
    ck_assert_int_eq(sh(cmd), 0);
    int pngs = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        pngs +=
            n > 4 && strncmp(de->d_name, "page", 4) == 0 && strcmp(de->d_name + n - 4, ".png") == 0;
    }
    closedir(d);

    /* The whole text, pages separated by form feeds. */
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' '%s/doc.txt'", path, dir);
    ck_assert_int_eq(sh(cmd), 0);
    snprintf(path, sizeof path, "%s/doc.txt", dir);
    char *txt = slurp(path);
    int pages = 0, table_pages = 0, header_runs = 0, first_total = -1;
    /* The body text of all pages, without the chrome and the line ends (a Japanese line may
     * break anywhere, also between 段落 and its number). */
    char *body = str_append(NULL, "");
    char *save = NULL;
    for (char *pg = strtok_r(txt, "\f", &save); pg; pg = strtok_r(NULL, "\f", &save)) {
        if (strspn(pg, " \n") == strlen(pg)) continue; /* pdftotext ends with a form feed */
        pages++;
        bool rows_here = strstr(pg, "行R") || strstr(pg, "長い行T") || strstr(pg, "適合S");
        bool head_here = strstr(pg, "監査項目ヘッダ") && strstr(pg, "判定ヘッダ");
        header_runs += strstr(pg, "ヘッダ走行") != NULL;
        int n1 = -1, n2 = -1;
        for (char *ln = pg, *nl; ln && *ln; ln = nl) {
            nl = strchr(ln, '\n');
            if (nl) *nl++ = '\0';
            int a1, a2;
            if (strcmp(ln, "ヘッダ走行") == 0 || strcmp(ln, "内部資料") == 0) continue;
            if (sscanf(ln, "%d / %d", &a1, &a2) == 2 && strlen(ln) < 12) {
                n1 = a1;
                n2 = a2;
                continue;
            }
            body = str_append(body, ln);
        }
        ck_assert_msg(n1 == pages, "page %d numbered %d", pages, n1);
        if (first_total < 0) first_total = n2;
        ck_assert_msg(n2 == first_total, "page %d says N = %d, page 1 %d", pages, n2, first_total);
        if (rows_here) {
            table_pages++;
            ck_assert_msg(head_here, "page %d has table rows but no header row", pages);
        }
    }
    free(txt);
    ck_assert_int_eq(pngs, pages);
    ck_assert_int_eq(first_total, pages);
    /* 300 rows of at least one 9 pt line each and a row of 160 lines: at least 12 pages. */
    ck_assert_msg(pages >= 12 && pages <= 40, "%d pages", pages);
    ck_assert_msg(table_pages >= 10, "the table is on %d pages", table_pages);
    ck_assert_int_eq(header_runs, pages - 1); /* not on the first page */

    /* Every token exactly once: nothing lost, nothing doubled where a row or paragraph split. */
    for (int i = 1; i <= ROWS; i++) {
        char t[32];
        snprintf(t, sizeof t, "R%04d", i);
        ck_assert_msg(count(body, t) == 1, "%s found %d times", t, count(body, t));
        snprintf(t, sizeof t, "S%04d", i);
        ck_assert_msg(count(body, t) == 1, "%s found %d times", t, count(body, t));
    }
    for (int i = 1; i <= TALL_LINES; i++) {
        char t[32];
        snprintf(t, sizeof t, "T%04d", i);
        ck_assert_msg(count(body, t) == 1, "%s found %d times", t, count(body, t));
    }
    for (int i = 1; i <= PARA_TOKENS; i++) {
        char want[64];
        snprintf(want, sizeof want, "段落%04d", i);
        ck_assert_msg(count(body, want) == 1, "%s found %d times", want, count(body, want));
    }
    ck_assert_int_eq(count(body, "X0001"), 1);
    ck_assert_int_eq(count(body, "END0001"), 1);
    free(body);
}
END_TEST

int main(void)
{
    if (sh("command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1") != 0) {
        puts("pdftoppm/pdftotext (poppler-utils) not installed: skipped");
        return 77;
    }
    dir = tu_tempdir("pdf");
    Suite *s = suite_create("pdf_render");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, renders_back);
    suite_add_tcase(s, tc);
    int rc = tu_run_suite(s);
    if (rc == 0)
        tu_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    free(dir);
    return rc;
}
