/* output.c — every format into memory or into a file, so callers (the RPC ops, the CLI, report
 * jobs) need one switch, not six. */
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dump(json_t *doc, size_t *len, ism_error *err)
{
    if (!doc) return NULL;
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!s) {
        ism_error_set(err, ISM_E_INTERNAL, "could not serialize the report");
        return NULL;
    }
    char *out = ism_strdupf("%s\n", s);
    free(s);
    if (!out) ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    if (out && len) *len = strlen(out);
    return out;
}

/* libxlsxwriter writes only files: make one in the temp directory and read it back. */
static char *xlsx_mem(const ism_report_input *in, size_t *len, ism_error *err)
{
    const char *tmpdir = getenv("TMPDIR");
    char *path = ism_strdupf("%s/ismap-report-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = path ? mkstemp(path) : -1;
    if (fd < 0) {
        ism_error_set(err, ISM_E_IO, "cannot create a temporary file for the workbook");
        free(path);
        return NULL;
    }
    close(fd);
    char *out = NULL;
    if (ism_report_xlsx_file(in, path, err)) out = ism_read_file(path, (size_t)1 << 31, len, err);
    unlink(path);
    free(path);
    return out;
}

char *ism_report_render(ism_report_format f, const ism_report_input *in, size_t *len,
                        ism_error *err)
{
    switch (f) {
    case ISM_REPORT_CSV:
        return ism_report_csv(in, len, err);
    case ISM_REPORT_CSV_FINDINGS:
        return ism_report_csv_findings(in, len, err);
    case ISM_REPORT_XLSX:
        return xlsx_mem(in, len, err);
    case ISM_REPORT_JSON:
        return dump(ism_report_json(in, err), len, err);
    case ISM_REPORT_OSCAL:
        return dump(ism_report_oscal(in, err), len, err);
    case ISM_REPORT_HTML:
        return ism_report_html(in, len, err);
    case ISM_REPORT_PDF:
        return ism_report_pdf_matrix(in, len, err);
    }
    ism_error_set(err, ISM_E_INVALID_PARAMS, "unknown report format %d", (int)f);
    return NULL;
}

bool ism_report_save(ism_report_format f, const ism_report_input *in, const char *path,
                     ism_error *err)
{
    if (f == ISM_REPORT_XLSX) return ism_report_xlsx_file(in, path, err);
    size_t len = 0;
    char *buf = ism_report_render(f, in, &len, err);
    if (!buf) return false;
    bool ok = ism_report_write_file(path, buf, len, err);
    free(buf);
    return ok;
}
