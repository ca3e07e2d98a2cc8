/* labels.c — what every report format agrees on: format names, Japanese labels, status colours,
 * and writing an output file safely (the text a spreadsheet cell may hold is cells.c, apart so
 * that a client of the labels — ismapctl — does not link the readers). */
#include "ismap/evidence.h"
#include "ismap/report.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct format_info {
    ism_report_format f;
    const char *name, *media, *ext;
} format_info;

static const format_info formats[] = {
    {ISM_REPORT_CSV, "csv", "text/csv; charset=utf-8", ".csv"},
    {ISM_REPORT_CSV_FINDINGS, "csv-findings", "text/csv; charset=utf-8", ".csv"},
    {ISM_REPORT_XLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     ".xlsx"},
    {ISM_REPORT_JSON, "json", "application/json", ".json"},
    {ISM_REPORT_OSCAL, "oscal", "application/oscal+json", ".oscal.json"},
    {ISM_REPORT_HTML, "html", "text/html; charset=utf-8", ".html"},
    {ISM_REPORT_PDF, "pdf", "application/pdf", ".pdf"},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

static const format_info *info(ism_report_format f)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].f == f) return &formats[i];
    return NULL;
}

const char *ism_report_format_name(ism_report_format f)
{
    const format_info *i = info(f);
    return i ? i->name : "unknown";
}

bool ism_report_format_parse(const char *name, ism_report_format *out)
{
    for (size_t i = 0; name && i < NFORMATS; i++)
        if (!strcmp(formats[i].name, name)) {
            *out = formats[i].f;
            return true;
        }
    return false;
}

const char *ism_report_media_type(ism_report_format f)
{
    const format_info *i = info(f);
    return i ? i->media : "application/octet-stream";
}

const char *ism_report_extension(ism_report_format f)
{
    const format_info *i = info(f);
    return i ? i->ext : "";
}

/* ---- labels and colours ------------------------------------------------------------------ */

const char *ism_report_finding_status_ja(const char *status)
{
    static const char *const map[][2] = {{"pass", "合格"},
                                         {"fail", "不合格"},
                                         {"error", "エラー"},
                                         {"not_assessed", "未評価"},
                                         {"waived", "例外措置"}};
    for (size_t i = 0; status && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], status)) return map[i][1];
    return status ? status : "";
}

const char *ism_report_severity_ja(const char *severity)
{
    static const char *const map[][2] = {
        {"critical", "重大"}, {"high", "高"}, {"medium", "中"}, {"low", "低"}, {"info", "情報"}};
    for (size_t i = 0; severity && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], severity)) return map[i][1];
    return severity ? severity : "";
}

/* Light fills, so the black label stays readable on screen and in grey-scale print; the label
 * is always printed too, so nothing depends on telling the colours apart. */
uint32_t ism_report_status_color(ism_req_status s)
{
    static const uint32_t colors[ISM_REQ_STATUS_COUNT] = {
        0xF4B6B6, /* 不適合 */
        0xFCD9A8, /* 一部適合 */
        0xE1D5F0, /* 証跡期限切れ */
        0xE4E4E4, /* 未評価 */
        0xC6EFCE, /* 適合 */
        0xD6E6F5, /* 対象外 */
        0xFFF2A8, /* 例外措置 */
    };
    return (int)s >= 0 && s < ISM_REQ_STATUS_COUNT ? colors[s] : 0xFFFFFF;
}

const char *ism_report_status_meaning(ism_req_status s)
{
    static const char *const meaning[ISM_REQ_STATUS_COUNT] = {
        "要件を満たしていない（チェックの不合格、不支持の証跡、または監査人の判断）",
        "一部の資源・下位項目だけが要件を満たしている",
        "根拠となる証跡が期限切れ、または更新されていない",
        "判定の根拠（チェック結果・証跡・判断）がまだない",
        "要件を満たしている",
        "監査人が理由を付して対象外とした",
        "承認された例外措置の期間中（期限あり）",
    };
    return (int)s >= 0 && s < ISM_REQ_STATUS_COUNT ? meaning[s] : "";
}

ism_req_status ism_report_status_of(const char *name)
{
    ism_req_status s;
    return ism_req_status_parse(name, &s) ? s : ISM_REQ_NOT_ASSESSED;
}

/* ---- files -------------------------------------------------------------------------------- */

static bool write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

bool ism_report_write_file(const char *path, const void *data, size_t len, ism_error *err)
{
    if (!path || !*path) return ism_error_set(err, ISM_E_INVALID_PARAMS, "no output path given");
    char *tmp = ism_strdupf("%s.tmp-XXXXXX", path);
    if (!tmp) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ism_error_set(err, ISM_E_IO, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return false;
    }
    /* mkstemp makes the file 0600; a report is an ordinary document, readable as umask says. */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    bool ok = write_all(fd, data, len) && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) != 0) ok = false, saved = errno;
    if (!ok) {
        unlink(tmp);
        ism_error_set(err, ISM_E_IO, "cannot write %s: %s", path, strerror(saved ? saved : EIO));
    }
    free(tmp);
    return ok;
}
