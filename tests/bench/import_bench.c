/* import_bench.c — peak memory and time of one import per kind at 10k and 100k rows (CAIQ,
 * SOC 2, ISMAP list as CSV; the ISMAP list and a crafted shared-string bomb as XLSX). Figures
 * are printed, never asserted: run with ISM_BENCH=1 ctest -L bench, or directly:
 *   import_bench <catalog dir> [rows...]     (IMPORT_BENCH_ONLY=caiq: one kind only)
 * Each import runs in a forked child against a fresh store; the figure is the child's peak RSS
 * growth over its RSS just before the import (the input is built before the peak is reset). */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/store.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (b->p && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
}

static void gen_caiq(buf *b, long rows)
{
    put(b, "Question ID,Question,CSP CAIQ Answer,SSRM Control Ownership,CSP Implementation "
           "Description,CSC Responsibilities,CCM Control ID\n");
    for (long i = 1; i < rows; i++)
        put(b,
            "IAM-02.%ld,利用者アカウントの発行と削除を承認に基づいて行っているか。,Yes,CSP-owned,"
            "申請と上長承認を経てアカウントを発行し、退職時に削除する。,,IAM-02\n",
            i);
}

static void gen_soc2(buf *b, long rows)
{
    put(b, "service_organization,はまなすクラウド株式会社\nsystem,住民記録クラウド\n"
           "service_auditor,あおば監査法人\nreport_type,Type II\nperiod_start,2024-07-01\n"
           "period_end,2025-06-30\nopinion,無限定適正\n\n"
           "規準,統制番号,統制の記述,実施した検証手続,検証結果\n");
    for (long i = 1; i < rows - 9; i++)
        put(b,
            "CC6.1,C-%ld,本番環境へのアクセスは多要素認証を必須とする。,"
            "認証設定を閲覧し、ログイン試行を観察した。,No exceptions noted.\n",
            i);
}

static void gen_list(buf *b, long rows)
{
    put(b, "登録番号,クラウドサービスの名称,クラウドサービス事業者名,リスト,登録日,"
           "外部監査の対象期間,有効期限,データセンターの所在地\n");
    for (long i = 1; i < rows; i++)
        put(b,
            "C23-%04ld-%ld,サービス%ld,事業者%ld株式会社,ISMAP,2024/6/1,2024/4/1～2025/3/"
            "31,,東京\n",
            i % 10000, i / 10000 + 1, i, i);
}

/* An XLSX whose one shared string (4 KiB) fills every answer cell of a CAIQ-shaped sheet. */
static void gen_bomb(buf *b, long rows)
{
    buf sheet = {0}, sst = {0};
    put(&sst, "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/"
              "spreadsheetml/2006/main\"><si><t>Question ID</t></si><si><t>CSP CAIQ "
              "Answer</t></si><si><t>Yes</t></si><si><t>Question</t></si><si><t>");
    for (int i = 0; i < 1365; i++)
        put(&sst, "あ");
    put(&sst, "</t></si></sst>");
    put(&sheet, "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/"
                "spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
                "<c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>3</v></c></row>");
    for (long r = 2; r <= rows; r++)
        put(&sheet,
            "<row r=\"%ld\"><c r=\"A%ld\" t=\"inlineStr\"><is><t>IAM-02.%ld</t></is></c><c "
            "r=\"B%ld\" t=\"s\"><v>2</v></c><c r=\"C%ld\" t=\"s\"><v>4</v></c></row>",
            r, r, r, r, r);
    put(&sheet, "</sheetData></worksheet>");
    char path[] = "/tmp/import_bench_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    int ze;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    struct {
        const char *name, *text;
    } parts[] = {
        {"[Content_Types].xml",
         "<?xml version=\"1.0\"?><Types "
         "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default "
         "Extension=\"rels\" ContentType=\"application/"
         "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" "
         "ContentType=\"application/xml\"/></Types>"},
        {"_rels/.rels",
         "<?xml version=\"1.0\"?><Relationships "
         "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
         "Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
         "relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"},
        {"xl/workbook.xml",
         "<?xml version=\"1.0\"?><workbook "
         "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
         "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
         "<sheets><sheet name=\"CAIQ\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/_rels/workbook.xml.rels",
         "<?xml version=\"1.0\"?><Relationships "
         "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
         "Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
         "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "
         "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
         "sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"},
        {"xl/sharedStrings.xml", sst.p},
        {"xl/worksheets/sheet1.xml", sheet.p},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        zip_source_t *s = zip_source_buffer(z, parts[i].text, strlen(parts[i].text), 0);
        zip_file_add(z, parts[i].name, s, ZIP_FL_OVERWRITE);
    }
    zip_close(z);
    size_t len;
    ism_error e = {0};
    char *d = ism_read_file(path, 256u << 20, &len, &e);
    unlink(path);
    free(sheet.p), free(sst.p);
    if (!d) abort();
    b->p = d, b->n = len, b->cap = len;
}

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl)) v = strtol(line + kl + 1, NULL, 10);
    if (f) fclose(f);
    return v;
}

static void run(ism_catalog_set *cats, const char *kind, const char *label, const char *name,
                void (*gen)(buf *, long), long rows)
{
    const char *only = getenv("IMPORT_BENCH_ONLY"); /* one label, to measure just that */
    if (only && *only && strcmp(only, label)) return;
    fflush(stdout);
    bool inline_run = getenv("IMPORT_BENCH_NOFORK") != NULL; /* for heap profilers */
    pid_t pid = inline_run ? 0 : fork();
    if (pid == 0) {
        buf b = {0};
        gen(&b, rows);
        char dir[] = "/tmp/import_bench_dXXXXXX";
        if (!mkdtemp(dir)) _exit(2);
        char *db = ism_strdupf("%s/s.db", dir), *files = ism_strdupf("%s/files", dir);
        ism_error e = {0};
        ism_store *st = ism_store_open_with(db, ism_evidence_schema(), 1, &e);
        json_t *spec = json_pack("{s:s, s:s, s:s}", "kind", "service", "name", "bench", "provider",
                                 "はまなすクラウド株式会社");
        json_t *s = ism_subject_create(st, "", spec, "bench", &e);
        const ism_importer *im = ism_importer_find(kind);
        ism_import_ctx ctx = {
            st,    cats,        im->needs_subject ? ism_json_getstr(s, "id") : NULL,
            "",    "bench",     name,
            b.p,   b.n,         NULL,
            files, "2025-08-01"};
        int fd = open("/proc/self/clear_refs", O_WRONLY);
        if (fd >= 0) {
            if (write(fd, "5", 1) != 1) {
            }
            close(fd);
        }
        long base = status_kb("VmRSS:");
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        json_t *r = im->fn(&ctx, &e);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long peak = status_kb("VmHWM:");
        printf("%-12s %-5s %7ld rows %8.2f MB input  peak +%7.1f MB  %7.2f s  %s\n", label,
               strrchr(name, '.') + 1, rows, (double)b.n / 1e6, (double)(peak - base) / 1024.0,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
               r ? "stored" : e.message);
        fflush(stdout);
        json_decref(r);
        json_decref(s);
        json_decref(spec);
        ism_store_close(st);
        char *rm = ism_strdupf("rm -rf '%s'", dir);
        if (system(rm) != 0) {
        }
        free(rm), free(db), free(files), free(b.p);
        if (inline_run) return;
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: import_bench <catalog dir> [rows...]\n");
        return 2;
    }
    ism_error e = {0};
    ism_catalog_set *cats = ism_catalog_load(argv[1], &e);
    if (!cats) {
        fprintf(stderr, "catalogs: %s\n", e.message);
        return 1;
    }
    long sizes[8] = {10000, 100000};
    int ns = 2;
    if (argc > 2) {
        ns = 0;
        for (int i = 2; i < argc && ns < 8; i++)
            sizes[ns++] = strtol(argv[i], NULL, 10);
    }
    for (int i = 0; i < ns; i++) {
        run(cats, "caiq", "caiq", "caiq.csv", gen_caiq, sizes[i]);
        run(cats, "soc2", "soc2", "soc2.csv", gen_soc2, sizes[i]);
        run(cats, "ismap-list", "ismap-list", "list.csv", gen_list, sizes[i]);
        run(cats, "caiq", "xlsx-bomb", "bomb.xlsx", gen_bomb, sizes[i]);
    }
    ism_catalog_free(cats);
    return 0;
}
