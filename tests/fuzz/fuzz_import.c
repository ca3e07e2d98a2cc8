/* fuzz_import.c — libFuzzer target for one evidence importer, chosen at build time with
 * -DFZ_KIND="soc2" (one executable per kind: questionnaire, ismap-list, soc2, iso-cert, soa,
 * caiq). The importer is called through the table in include/ismap/evidence.h, as the
 * evidence.import op calls it, on a store in memory with one subject. Inputs whose first bytes
 * say they are a zip are named .xlsx, '{' or '[' .json, anything else .csv, so every input
 * format the kind accepts is reached. A failed import must say what was wrong. */
#include "fuzz_common.h"

#include "ismap/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FZ_KIND
#error "build with -DFZ_KIND=\"<importer kind>\""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const ism_importer *im;
static char subject[64];

static void init(void)
{
    fz_quiet();
    im = ism_importer_find(FZ_KIND);
    if (!im) {
        fprintf(stderr, "fuzz: no importer for kind %s\n", FZ_KIND);
        abort();
    }
    ism_error e = {0};
    json_t *spec = json_pack("{s:s, s:s, s:s}", "kind", "service", "name", "fuzz service",
                             "provider", "fuzz provider");
    json_t *s = ism_subject_create(fz_store(), "", spec, "fuzz", &e);
    json_decref(spec);
    if (!s) {
        fprintf(stderr, "fuzz: subject: %s\n", e.message);
        abort();
    }
    ism_strlcpy(subject, ism_json_getstr(s, "id"), sizeof subject);
    json_decref(s);
    (void)fz_catalogs();
}

static const char *name_for(const uint8_t *data, size_t len)
{
    if (len >= 2 && data[0] == 'P' && data[1] == 'K') return "fuzz.xlsx";
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    if (i < len && (data[i] == '{' || data[i] == '[')) return "fuzz.json";
    return "fuzz.csv";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (!im) init();
    char files[320];
    snprintf(files, sizeof files, "%s/files", fz_dir());
    ism_import_ctx ctx = {.store = fz_store(),
                          .catalogs = fz_catalogs(),
                          .subject = im->needs_subject ? subject : NULL,
                          .org = "",
                          .who = "fuzz",
                          .name = name_for(data, len),
                          .data = (const char *)data,
                          .len = len,
                          .options = NULL,
                          .files_dir = files,
                          .today = "2025-06-30"};
    ism_error e = {0};
    json_t *r = im->fn(&ctx, &e);
    if (!r && (e.code == ISM_OK || e.message[0] == '\0')) {
        fprintf(stderr, "fuzz: %s import failed without saying why\n", FZ_KIND);
        abort();
    }
    json_decref(r);
    ism_error_clear(&e);
    return 0;
}
