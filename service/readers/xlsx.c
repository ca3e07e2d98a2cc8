/* xlsx.c — the XLSX reader: an Office Open XML workbook (a zip of XML parts) → workbook.
 *
 * The path through the package: _rels/.rels names the workbook part; its relationships name the
 * worksheets, shared strings and styles. Shared strings and styles are read first (cells refer
 * to them by index), then each worksheet in tab order. Formulas are never evaluated: a formula
 * cell gives its cached value, or ISM_CELL_UNCACHED when the file holds none.
 *
 * Input is hostile until proven otherwise. Every part is streamed through libxml2's reader
 * from libzip with the inflated bytes counted as they arrive, because a zip entry's declared
 * size is just a number the sender chose (libzip inflates past it). No DTDs: OOXML parts never
 * carry one, so a DOCTYPE is refused before any entity could be declared or expanded. */
#include "readers_int.h"

#include <libxml/xmlreader.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#define FORMAT(a, b) __attribute__((format(printf, a, b)))

/* Excel allows 64,000 cell formats; anything far beyond is not a workbook Excel wrote. */
#define MAX_STYLES 65536

typedef struct rel {
    const char *id, *type, *target; /* type: the last segment ("worksheet"); target: part */
} rel;

typedef struct xlsx {
    zip_t *zip;
    ism_workbook *wb;
    const ism_table_limits *lim;
    ism_error *err;
    size_t inflated; /* over all parts, for max_total_bytes */
    const char *workbook_part;
    rel *rels; /* the workbook's relationships */
    size_t nrels;
    const char **sst; /* shared strings (arena), NULL when the workbook has none */
    size_t nsst, cap_sst;
    unsigned char *xf_kind; /* ISM_NUMFMT_* per cellXfs index */
    size_t nxf;
} xlsx;

/* ---- one part: a zip entry streamed into libxml2's reader ------------------------------- */

typedef struct part {
    xlsx *x;
    const char *name;
    zip_file_t *zf;
    xmlTextReaderPtr r;
    size_t inflated;
    bool stopped; /* the read callback refused: err is set */
    bool body;    /* past the prolog: the root element has begun */
    int doctype;  /* how much of "<!DOCTYPE" the prolog has matched so far */
    bool xml_err; /* libxml2 reported an error (first one kept) */
    int xml_line;
    char xml_msg[200];
} part;

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static void xml_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static bool fail_where(xlsx *x, ism_code code, json_t *where, const char *fmt, ...) FORMAT(4, 5);

static bool fail_where(xlsx *x, ism_code code, json_t *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ism_error_vset(x->err, code, fmt, ap);
    va_end(ap);
    /* Messages quote file content and may have been cut mid-character; JSON needs UTF-8. */
    if (x->err) ism_tbl_utf8_scrub(x->err->message);
    ism_error_detail(x->err, where ? where : ism_table_where(x->wb->file, NULL, 0, 0, NULL));
    return false;
}

/* An error inside a part: "<file>: <part>: line N: <msg>", with the place in the details. */
static bool part_fail(part *p, ism_code code, json_t *where, const char *fmt, ...) FORMAT(4, 5);

static bool part_fail(part *p, ism_code code, json_t *where, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = p->xml_err ? p->xml_line : p->r ? xmlTextReaderGetParserLineNumber(p->r) : 0;
    if (!where) where = ism_table_where(p->x->wb->file, NULL, 0, 0, NULL);
    json_object_set_new(where, "part", json_string(p->name));
    if (line > 0) json_object_set_new(where, "line", json_integer(line));
    char lbuf[32] = "";
    if (line > 0) snprintf(lbuf, sizeof lbuf, "line %d: ", line);
    return fail_where(p->x, code, where, "%s: %s: %s%s", p->x->wb->file, p->name, lbuf, msg);
}

/* Watches the prolog for "<!DOCTYPE" so that a DTD is refused before libxml2 parses any of
 * it; the prolog ends where the root element starts ("<" and a name). Returns false on one. */
static bool prolog_ok(part *p, const char *buf, size_t n)
{
    static const char pat[] = "<!DOCTYPE";
    for (size_t i = 0; i < n && !p->body; i++) {
        char b = buf[i];
        if (p->doctype == 1 && b != '!' && b != '?') {
            p->body = true;
        } else if (b == pat[p->doctype]) {
            if (++p->doctype == (int)sizeof pat - 1) return false;
        } else {
            p->doctype = b == '<';
        }
    }
    return true;
}

/* libxml2 pulls bytes through here; counting them is what stops a zip bomb. */
static int part_read(void *ctx, char *buf, int len)
{
    part *p = ctx;
    xlsx *x = p->x;
    if (p->stopped) return -1;
    zip_int64_t n = zip_fread(p->zf, buf, (zip_uint64_t)len);
    if (n < 0) {
        p->stopped = true;
        fail_where(x, ISM_E_INVALID_DATA, NULL, "%s: %s: the zip data is corrupt (%s)", x->wb->file,
                   p->name, zip_file_strerror(p->zf));
        return -1;
    }
    if (!prolog_ok(p, buf, (size_t)n)) {
        p->stopped = true;
        fail_where(x, ISM_E_INVALID_DATA, NULL, "%s: %s: a DOCTYPE is not allowed in an OOXML part",
                   x->wb->file, p->name);
        return -1;
    }
    p->inflated += (size_t)n;
    x->inflated += (size_t)n;
    if (p->inflated > x->lim->max_entry_bytes || x->inflated > x->lim->max_total_bytes) {
        bool entry = p->inflated > x->lim->max_entry_bytes;
        p->stopped = true;
        fail_where(x, ISM_E_TOO_LARGE, NULL, "%s: %s inflates past the limit %s=%zu", x->wb->file,
                   p->name, entry ? "max_entry_bytes" : "max_total_bytes",
                   entry ? x->lim->max_entry_bytes : x->lim->max_total_bytes);
        return -1;
    }
    return (int)n;
}

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    part *p = ctx;
    /* Warnings (e.g. about namespace URIs) do not make a part unreadable. */
    if (p->xml_err || !e || e->level < XML_ERR_ERROR) return;
    p->xml_err = true;
    p->xml_line = e->line;
    ism_strlcpy(p->xml_msg, e->message ? e->message : "malformed XML", sizeof p->xml_msg);
    size_t n = strlen(p->xml_msg);
    while (n > 0 && (p->xml_msg[n - 1] == '\n' || p->xml_msg[n - 1] == ' '))
        p->xml_msg[--n] = '\0';
    ism_tbl_utf8_scrub(p->xml_msg);
}

/* Locates a part. OPC part names are case-insensitive, and some writers disagree with their
 * own relationships about case. */
static zip_int64_t locate(xlsx *x, const char *name)
{
    return zip_name_locate(x->zip, name, ZIP_FL_NOCASE | ZIP_FL_ENC_GUESS);
}

/* Opens a part for reading. A missing part is an error naming `named_in` (where it was
 * referred to), unless `optional` (then false with err untouched and p->name NULL). */
static bool part_open(xlsx *x, const char *name, const char *named_in, bool optional, part *p)
{
    memset(p, 0, sizeof *p);
    p->x = x;
    zip_int64_t idx = locate(x, name);
    if (idx < 0) {
        if (optional) return false;
        return fail_where(x, ISM_E_INVALID_DATA, NULL, "%s: missing part %s (named in %s)",
                          x->wb->file, name, named_in);
    }
    p->name = name;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
        if (st.size > x->lim->max_entry_bytes)
            return fail_where(x, ISM_E_TOO_LARGE, NULL,
                              "%s: %s declares %llu bytes, over the limit max_entry_bytes=%zu",
                              x->wb->file, name, (unsigned long long)st.size,
                              x->lim->max_entry_bytes);
        if (st.size > x->lim->max_total_bytes - x->inflated)
            return fail_where(x, ISM_E_TOO_LARGE, NULL,
                              "%s: %s declares %llu bytes, taking the workbook over the limit "
                              "max_total_bytes=%zu",
                              x->wb->file, name, (unsigned long long)st.size,
                              x->lim->max_total_bytes);
    }
    p->zf = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0);
    if (!p->zf)
        return fail_where(x, ISM_E_INVALID_DATA, NULL, "%s: cannot open part %s: %s", x->wb->file,
                          name, zip_strerror(x->zip));
    /* NONET: never fetch anything. No NOENT (no entity substitution), no DTDLOAD, no HUGE:
     * libxml2's default caps on depth and text size stay on. */
    p->r = xmlReaderForIO(part_read, NULL, p, name, NULL, XML_PARSE_NONET | XML_PARSE_COMPACT);
    if (!p->r) {
        if (!p->stopped)
            fail_where(x, ISM_E_INVALID_DATA, NULL, "%s: %s: cannot start reading the XML",
                       x->wb->file, name);
        zip_fclose(p->zf);
        p->zf = NULL;
        return false;
    }
    xmlTextReaderSetStructuredErrorHandler(p->r, on_xml_error, p);
    return true;
}

static void part_close(part *p)
{
    if (p->r) xmlFreeTextReader(p->r);
    if (p->zf) zip_fclose(p->zf);
    p->r = NULL;
    p->zf = NULL;
}

/* Advances to the next node: 1 on a node, 0 at the end, -1 on error (err set). */
static int part_next(part *p)
{
    int rc = xmlTextReaderRead(p->r);
    if (rc == 1 && xmlTextReaderNodeType(p->r) == XML_READER_TYPE_DOCUMENT_TYPE) {
        part_fail(p, ISM_E_INVALID_DATA, NULL, "a DOCTYPE is not allowed in an OOXML part");
        return -1;
    }
    if (rc == 1 && !p->xml_err) return 1;
    if (p->stopped) return -1;
    if (rc == 0 && !p->xml_err) return 0;
    part_fail(p, ISM_E_INVALID_DATA, NULL, "malformed XML: %s",
              p->xml_err ? p->xml_msg : "unreadable");
    return -1;
}

/* ---- XML helpers ------------------------------------------------------------------------- */

static bool is_el(part *p, const char *local)
{
    return xmlTextReaderNodeType(p->r) == XML_READER_TYPE_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(p->r), local) == 0;
}

static bool is_end(part *p, const char *local)
{
    return xmlTextReaderNodeType(p->r) == XML_READER_TYPE_END_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(p->r), local) == 0;
}

static bool is_text(part *p)
{
    int t = xmlTextReaderNodeType(p->r);
    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
           t == XML_READER_TYPE_WHITESPACE || t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

/* An element with content (not <x/>), whose end element will follow. */
static bool has_content(part *p)
{
    return xmlTextReaderIsEmptyElement(p->r) == 0;
}

/* The attribute copied into buf (n >= 8; cut to fit at a character boundary, which no valid
 * value needs), or NULL when absent. */
static const char *attr_buf(part *p, const char *name, char *buf, size_t n)
{
    xmlChar *v = xmlTextReaderGetAttribute(p->r, (const xmlChar *)name);
    if (!v) return NULL;
    ism_tbl_clip((const char *)v, buf, n);
    xmlFree(v);
    return buf;
}

/* The attribute copied into the arena, or NULL when absent (*oom set on allocation failure). */
static const char *attr_dup(part *p, const char *name, bool *oom)
{
    xmlChar *v = xmlTextReaderGetAttribute(p->r, (const xmlChar *)name);
    if (!v) return NULL;
    const char *s = ism_tbl_strndup(p->x->wb, (const char *)v, strlen((const char *)v));
    xmlFree(v);
    if (!s) *oom = true;
    return s;
}

/* r:id — the relationship id, whatever prefix the file binds to the relationships namespace
 * (transitional or strict OOXML). */
static const char *rel_id_attr(part *p, char *buf, size_t n)
{
    const char *found = NULL;
    for (int ok = xmlTextReaderMoveToFirstAttribute(p->r); ok == 1 && !found;
         ok = xmlTextReaderMoveToNextAttribute(p->r)) {
        const char *local = (const char *)xmlTextReaderConstLocalName(p->r);
        const char *ns = (const char *)xmlTextReaderConstNamespaceUri(p->r);
        if (ns && strstr(ns, "relationships") && strcmp(local, "id") == 0) {
            ism_strlcpy(buf, (const char *)xmlTextReaderConstValue(p->r), n);
            found = buf;
        }
    }
    xmlTextReaderMoveToElement(p->r);
    return found;
}

static bool attr_true(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* A strict unsigned decimal (no sign, no spaces) up to max. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (!s || !*s) return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        unsigned long d = (unsigned long)(*s - '0');
        if (d > max || v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* ---- text accumulation ------------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

/* Appends the current text node; false with err set over max_string_bytes or out of memory. */
static bool sb_text(part *p, sbuf *b)
{
    const char *v = (const char *)xmlTextReaderConstValue(p->r);
    size_t n = v ? strlen(v) : 0;
    if (b->len + n > p->x->lim->max_string_bytes)
        return part_fail(p, ISM_E_TOO_LARGE, NULL, "a string is longer than max_string_bytes=%zu",
                         p->x->lim->max_string_bytes);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) return ism_tbl_oom(p->x->err);
        b->s = ns;
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, v, n);
    b->len += n;
    b->s[b->len] = '\0';
    return true;
}

static void sb_reset(sbuf *b)
{
    b->len = 0;
    if (b->s) b->s[0] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* _xHHHH_ → the UTF-16 unit it escapes, as UTF-8 (in place: 7 bytes never grow). OOXML
 * strings use it for characters XML 1.0 cannot carry, e.g. _x000D_ for a carriage return;
 * "_x005F_" escapes a literal underscore. NULs and lone surrogates become U+FFFD. */
static void unescape_x(sbuf *b)
{
    char *s = b->s;
    size_t i = 0, o = 0;
    if (!s) return;
    while (i < b->len) {
        long u = -1;
        if (i + 7 <= b->len && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_') {
            int h[4] = {hexval(s[i + 2]), hexval(s[i + 3]), hexval(s[i + 4]), hexval(s[i + 5])};
            if (h[0] >= 0 && h[1] >= 0 && h[2] >= 0 && h[3] >= 0)
                u = h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3];
        }
        if (u < 0) {
            s[o++] = s[i++];
            continue;
        }
        i += 7;
        if (u == 0 || (u >= 0xD800 && u <= 0xDFFF)) u = 0xFFFD;
        if (u < 0x80) {
            s[o++] = (char)u;
        } else if (u < 0x800) {
            s[o++] = (char)(0xC0 | (u >> 6));
            s[o++] = (char)(0x80 | (u & 0x3F));
        } else {
            s[o++] = (char)(0xE0 | (u >> 12));
            s[o++] = (char)(0x80 | ((u >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (u & 0x3F));
        }
    }
    b->len = o;
    s[o] = '\0';
}

/* ---- package structure: relationships and part names ------------------------------------ */

/* Resolves a relationship target against the source part's folder: percent-decodes, drops
 * "." and resolves "..". NULL (and *escapes) when it climbs out of the package. */
static char *resolve(ism_workbook *wb, const char *source, const char *target, bool *escapes)
{
    size_t cap = strlen(source) + strlen(target) + 2;
    char *path = ism_tbl_alloc(wb, cap);
    if (!path) return NULL;
    size_t o = 0;
    if (target[0] != '/') {
        const char *slash = strrchr(source, '/');
        if (slash) {
            memcpy(path, source, (size_t)(slash - source) + 1);
            o = (size_t)(slash - source) + 1;
        }
    }
    for (const char *t = target[0] == '/' ? target + 1 : target; *t; t++) {
        int h1 = t[0] == '%' ? hexval(t[1]) : -1, h2 = h1 >= 0 ? hexval(t[2]) : -1;
        if (h1 >= 0 && h2 >= 0) {
            path[o++] = (char)(h1 << 4 | h2);
            t += 2;
        } else {
            path[o++] = *t;
        }
    }
    path[o] = '\0';
    /* Normalize segments in place. */
    size_t w = 0;
    for (char *seg = path, *next; seg; seg = next) {
        next = strchr(seg, '/');
        size_t n = next ? (size_t)(next - seg) : strlen(seg);
        if (next) next++;
        if (n == 0 || (n == 1 && seg[0] == '.')) continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            if (w == 0) {
                *escapes = true;
                return NULL;
            }
            while (w > 0 && path[w - 1] != '/')
                w--;
            if (w > 0) w--;
            continue;
        }
        if (w > 0) path[w++] = '/';
        memmove(path + w, seg, n);
        w += n;
    }
    path[w] = '\0';
    ism_tbl_utf8_scrub(path); /* %XX may have decoded to bytes that are not UTF-8 */
    return path;
}

/* "xl/workbook.xml" → "xl/_rels/workbook.xml.rels". */
static char *rels_name(ism_workbook *wb, const char *part_name)
{
    const char *slash = strrchr(part_name, '/');
    size_t dir = slash ? (size_t)(slash - part_name) + 1 : 0;
    size_t n = strlen(part_name) + 12;
    char *s = ism_tbl_alloc(wb, n);
    if (s) snprintf(s, n, "%.*s_rels/%s.rels", (int)dir, part_name, part_name + dir);
    return s;
}

/* Reads a .rels part into a malloc'd vector (strings in the arena). External targets are
 * skipped: a workbook's parts are all inside the package. */
static bool read_rels(xlsx *x, const char *rels_part, const char *source, bool optional, rel **out,
                      size_t *nout)
{
    part p;
    rel *v = NULL;
    size_t n = 0, cap = 0;
    bool oom = false;
    *out = NULL;
    *nout = 0;
    if (!part_open(x, rels_part, source, optional, &p)) return optional && !p.name;
    int rc;
    while ((rc = part_next(&p)) == 1) {
        if (!is_el(&p, "Relationship")) continue;
        char mode[16];
        const char *id = attr_dup(&p, "Id", &oom), *type = attr_dup(&p, "Type", &oom);
        const char *target = attr_dup(&p, "Target", &oom);
        if (oom) break;
        if (!id || !type || !target) {
            rc = -1;
            part_fail(&p, ISM_E_INVALID_DATA, NULL, "a Relationship lacks Id, Type or Target");
            break;
        }
        if (attr_buf(&p, "TargetMode", mode, sizeof mode) && strcmp(mode, "External") == 0)
            continue;
        bool escapes = false;
        const char *slash = strrchr(type, '/');
        char *resolved = resolve(x->wb, source, target, &escapes);
        if (escapes) {
            rc = -1;
            part_fail(&p, ISM_E_INVALID_DATA, NULL, "relationship %s points outside the package",
                      id);
            break;
        }
        if (!resolved) {
            oom = true;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            rel *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
            cap = ncap;
        }
        v[n++] = (rel){id, slash ? slash + 1 : type, resolved};
    }
    part_close(&p);
    if (oom) ism_tbl_oom(x->err);
    if (rc != 0 || oom) {
        free(v);
        return false;
    }
    *out = v;
    *nout = n;
    return true;
}

static const rel *find_rel_type(const rel *v, size_t n, const char *type)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].type, type) == 0) return &v[i];
    return NULL;
}

/* The workbook part, from the package's root relationships (xl/workbook.xml when a sloppy
 * writer left them out). */
static bool find_workbook(xlsx *x)
{
    rel *v;
    size_t n;
    if (!read_rels(x, "_rels/.rels", "", true, &v, &n)) return false;
    const rel *r = find_rel_type(v, n, "officeDocument");
    x->workbook_part = r ? r->target : "xl/workbook.xml";
    free(v);
    return true;
}

/* ---- workbook.xml -------------------------------------------------------------------------- */

static const rel *find_rel_id(const xlsx *x, const char *id)
{
    for (size_t i = 0; i < x->nrels; i++)
        if (strcmp(x->rels[i].id, id) == 0) return &x->rels[i];
    return NULL;
}

static ism_sheet_state sheet_state(const char *v)
{
    if (v && strcmp(v, "hidden") == 0) return ISM_SHEET_HIDDEN;
    if (v && strcmp(v, "veryHidden") == 0) return ISM_SHEET_VERY_HIDDEN;
    return ISM_SHEET_VISIBLE;
}

/* One <sheet>: worksheets are added in order; chart, dialog and macro sheets hold no cells. */
static bool add_sheet(xlsx *x, part *p)
{
    char id[128], state[32];
    bool oom = false;
    const char *name = attr_dup(p, "name", &oom);
    if (oom) return ism_tbl_oom(x->err);
    if (!name || !*name) return part_fail(p, ISM_E_INVALID_DATA, NULL, "a sheet has no name");
    if (!rel_id_attr(p, id, sizeof id))
        return part_fail(p, ISM_E_INVALID_DATA, NULL, "sheet \"%s\" has no r:id", name);
    const rel *r = find_rel_id(x, id);
    if (!r)
        return part_fail(p, ISM_E_INVALID_DATA, NULL,
                         "sheet \"%s\" refers to relationship %s, which is not defined", name, id);
    if (strcmp(r->type, "worksheet") != 0) return true;
    if (x->wb->nsheets >= x->lim->max_sheets)
        return part_fail(p, ISM_E_TOO_LARGE, NULL, "more than max_sheets=%zu worksheets",
                         x->lim->max_sheets);
    ism_sheet *sh = ism_tbl_add_sheet(x->wb);
    if (!sh) return ism_tbl_oom(x->err);
    sh->name = name;
    sh->part = r->target;
    sh->state = sheet_state(attr_buf(p, "state", state, sizeof state));
    return true;
}

static bool read_workbook(xlsx *x)
{
    const char *rels = rels_name(x->wb, x->workbook_part);
    if (!rels) return ism_tbl_oom(x->err);
    if (!read_rels(x, rels, x->workbook_part, false, &x->rels, &x->nrels)) return false;
    part p;
    if (!part_open(x, x->workbook_part, "_rels/.rels", false, &p)) return false;
    int rc;
    char v[16];
    while ((rc = part_next(&p)) == 1) {
        if (is_el(&p, "workbookPr"))
            x->wb->date1904 = attr_true(attr_buf(&p, "date1904", v, sizeof v));
        else if (is_el(&p, "sheet") && !add_sheet(x, &p))
            rc = -1;
        if (rc < 0) break;
    }
    if (rc == 0 && x->wb->nsheets == 0) {
        part_fail(&p, ISM_E_INVALID_DATA, NULL, "the workbook has no worksheets");
        rc = -1;
    }
    part_close(&p);
    return rc == 0;
}

/* ---- sharedStrings.xml ------------------------------------------------------------------- */

static bool push_sst(xlsx *x, part *p, sbuf *b)
{
    if (x->nsst >= x->lim->max_shared_strings)
        return part_fail(p, ISM_E_TOO_LARGE, NULL, "more than max_shared_strings=%zu strings",
                         x->lim->max_shared_strings);
    if (x->nsst == x->cap_sst) {
        size_t cap = x->cap_sst ? 2 * x->cap_sst : 256;
        const char **ns = realloc(x->sst, cap * sizeof *ns);
        if (!ns) return ism_tbl_oom(x->err);
        x->sst = ns;
        x->cap_sst = cap;
    }
    unescape_x(b);
    const char *s = ism_tbl_strndup(x->wb, b->s ? b->s : "", b->len);
    if (!s) return ism_tbl_oom(x->err);
    x->sst[x->nsst++] = s;
    return true;
}

/* Each <si> is plain (<t>) or rich (<r><t>...</t></r>...). Phonetic runs (<rPh>, the furigana
 * Japanese Excel records as you type) are not part of the value. */
static bool read_sst(xlsx *x, const char *name)
{
    part p;
    sbuf b = {0};
    bool in_si = false, in_t = false;
    int in_rph = 0, rc;
    if (!part_open(x, name, "the workbook relationships", false, &p)) return false;
    if (!x->sst && !(x->sst = malloc(sizeof *x->sst))) {
        part_close(&p);
        return ism_tbl_oom(x->err);
    }
    while ((rc = part_next(&p)) == 1) {
        bool ok = true;
        if (is_el(&p, "si")) {
            sb_reset(&b);
            in_si = has_content(&p);
            in_rph = 0;
            if (!in_si) ok = push_sst(x, &p, &b);
        } else if (is_end(&p, "si")) {
            ok = push_sst(x, &p, &b);
            in_si = false;
        } else if (in_si && is_el(&p, "rPh")) {
            in_rph += has_content(&p);
        } else if (in_si && is_end(&p, "rPh")) {
            in_rph--;
        } else if (in_si && is_el(&p, "t")) {
            in_t = in_rph == 0 && has_content(&p);
        } else if (is_end(&p, "t")) {
            in_t = false;
        } else if (in_t && is_text(&p)) {
            ok = sb_text(&p, &b);
        }
        if (!ok) {
            rc = -1;
            break;
        }
    }
    part_close(&p);
    free(b.s);
    return rc == 0;
}

/* ---- styles.xml: which cell formats show dates ------------------------------------------ */

static unsigned builtin_kind(long id)
{
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) ||
        (id >= 50 && id <= 58))
        return ISM_NUMFMT_DATE;
    if (id == 22) return ISM_NUMFMT_DATE | ISM_NUMFMT_TIME;
    if ((id >= 18 && id <= 21) || id == 32 || id == 33 || id == 45 || id == 47)
        return ISM_NUMFMT_TIME;
    if (id == 46) return ISM_NUMFMT_TIME | ISM_NUMFMT_ELAPSED;
    return 0;
}

/* Skips one (possibly multi-byte) character. */
static const char *skip_char(const char *p)
{
    if (!*p) return p;
    p++;
    while (((unsigned char)*p & 0xC0) == 0x80)
        p++;
    return p;
}

/* The next date/time letter after p, skipping literals; 0 at the end. */
static char next_letter(const char *p)
{
    while (*p) {
        char c = (char)(*p | 0x20);
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            p = q ? q + 1 : p + strlen(p);
        } else if (*p == '\\' || *p == '_' || *p == '*') {
            p = skip_char(p + 1);
        } else if (c == 'y' || c == 'd' || c == 'h' || c == 's' || c == 'm') {
            return c;
        } else {
            p++;
        }
    }
    return 0;
}

/* "[h]", "[mm]", "[ss]": elapsed-time brackets; other brackets are locale, colour or
 * condition and say nothing about dates. */
static unsigned bracket_kind(const char *p, size_t n)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != (p[0] | 0x20)) return 0;
    char c = (char)(p[0] | 0x20);
    return c == 'h' || c == 'm' || c == 's' ? ISM_NUMFMT_TIME | ISM_NUMFMT_ELAPSED : 0;
}

static unsigned code_kind(const char *p)
{
    unsigned kind = 0;
    char last = 0; /* the last date/time letter, to read m as month or minute */
    while (*p) {
        char c = (char)(*p | 0x20);
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            p = q ? q + 1 : p + strlen(p);
        } else if (*p == '[') {
            const char *q = strchr(p, ']');
            size_t n = q ? (size_t)(q - p - 1) : 0;
            unsigned bk = bracket_kind(p + 1, n);
            kind |= bk;
            if (bk) last = (char)(p[1] | 0x20);
            p = q ? q + 1 : p + strlen(p);
        } else if (*p == '\\' || *p == '_' || *p == '*') {
            p = skip_char(p + 1);
        } else if (strncasecmp(p, "am/pm", 5) == 0 || strncasecmp(p, "a/p", 3) == 0) {
            kind |= ISM_NUMFMT_TIME;
            p += (p[1] == '/' ? 3 : 5);
        } else if (c == 'y' || c == 'd' || c == 'h' || c == 's' || c == 'm') {
            while ((*p | 0x20) == c)
                p++;
            bool minute = c == 'm' && (last == 'h' || next_letter(p) == 's');
            kind |= c == 'h' || c == 's' || minute ? ISM_NUMFMT_TIME : ISM_NUMFMT_DATE;
            last = c;
        } else {
            p = skip_char(p);
        }
    }
    return kind;
}

unsigned ism_xlsx_numfmt_kind(int id, const char *code)
{
    return code ? code_kind(code) : builtin_kind(id);
}

typedef struct numfmt {
    long id;
    unsigned kind;
} numfmt;

static unsigned fmt_kind(const numfmt *v, size_t n, long id)
{
    for (size_t i = n; i-- > 0;)
        if (v[i].id == id) return v[i].kind;
    return builtin_kind(id);
}

/* Handles one <numFmt> or <xf>; false with err set on a bad attribute or a limit. */
static bool style_node(xlsx *x, part *p, bool in_xfs, numfmt **fmts, size_t *nfmts)
{
    char idbuf[24];
    unsigned long id = 0;
    const char *ids = attr_buf(p, "numFmtId", idbuf, sizeof idbuf);
    if (ids && !parse_uint(ids, 0xFFFFFF, &id))
        return part_fail(p, ISM_E_INVALID_DATA, NULL, "numFmtId \"%s\" is not a number", ids);
    if (is_el(p, "numFmt")) {
        xmlChar *code = xmlTextReaderGetAttribute(p->r, (const xmlChar *)"formatCode");
        unsigned kind = code ? code_kind((const char *)code) : 0;
        xmlFree(code);
        if (*nfmts >= MAX_STYLES)
            return part_fail(p, ISM_E_INVALID_DATA, NULL, "more than %d number formats",
                             MAX_STYLES);
        numfmt *nv = realloc(*fmts, (*nfmts + 1) * sizeof *nv);
        if (!nv) return ism_tbl_oom(x->err);
        *fmts = nv;
        nv[(*nfmts)++] = (numfmt){(long)id, kind};
        return true;
    }
    if (!in_xfs) return true;
    if (x->nxf >= MAX_STYLES)
        return part_fail(p, ISM_E_INVALID_DATA, NULL, "more than %d cell formats", MAX_STYLES);
    unsigned char *nk = realloc(x->xf_kind, x->nxf + 1);
    if (!nk) return ism_tbl_oom(x->err);
    x->xf_kind = nk;
    x->xf_kind[x->nxf++] = (unsigned char)fmt_kind(*fmts, *nfmts, (long)id);
    return true;
}

/* Custom formats come before cellXfs in the schema, so one pass suffices. Only <xf> under
 * <cellXfs> are cell formats (cellStyleXfs holds named styles). */
static bool read_styles(xlsx *x, const char *name)
{
    part p;
    numfmt *fmts = NULL;
    size_t nfmts = 0;
    bool in_xfs = false;
    int rc;
    if (!part_open(x, name, "the workbook relationships", false, &p)) return false;
    while ((rc = part_next(&p)) == 1) {
        if (is_el(&p, "cellXfs"))
            in_xfs = has_content(&p);
        else if (is_end(&p, "cellXfs"))
            in_xfs = false;
        else if ((is_el(&p, "numFmt") || (in_xfs && is_el(&p, "xf"))) &&
                 !style_node(x, &p, in_xfs, &fmts, &nfmts))
            rc = -1;
        if (rc < 0) break;
    }
    part_close(&p);
    free(fmts);
    return rc == 0;
}

/* ---- dates ------------------------------------------------------------------------------- */

static bool leap_year(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 2000-01-01 (≥ 0 here) → civil date. 2000-01-01 opens a 400-year Gregorian cycle
 * of 146097 days, after which at most 400 years and 12 months remain to walk. */
static void civil_date(long days, long *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long year = 2000 + 400 * (days / 146097);
    days %= 146097;
    for (long len; days >= (len = leap_year(year) ? 366 : 365); year++)
        days -= len;
    int month = 0;
    for (int len; days >= (len = mdays[month] + (month == 1 && leap_year(year))); month++)
        days -= len;
    *y = year;
    *m = month + 1;
    *d = (int)days + 1;
}

bool ism_xlsx_serial_to_iso(double serial, bool date1904, unsigned kind, char out[24])
{
    if (!(serial >= 0) || serial > 3e6) return false;
    double whole = floor(serial);
    long days = (long)whole, secs = lround((serial - whole) * 86400.0);
    if (secs >= 86400) {
        days++;
        secs -= 86400;
    }
    int hh = (int)(secs / 3600), mi = (int)(secs / 60 % 60), ss = (int)(secs % 60);
    if (!(kind & ISM_NUMFMT_DATE) && (kind & ISM_NUMFMT_TIME)) {
        long hours = kind & ISM_NUMFMT_ELAPSED ? days * 24 + hh : hh;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%02ld:%02d:%02d", hours, mi, ss);
        ism_strlcpy(out, tmp, 24);
        return true;
    }
    /* Serial 1 is 1900-01-01 in the 1900 system, but Lotus's phantom 1900-02-29 (60) shifts
     * every later serial by one: from 61 on the epoch is effectively 1899-12-30. */
    long from2000;
    if (date1904)
        from2000 = days - 35064; /* 1904-01-01 is serial 0 */
    else if (days == 0 || days == 60)
        return false;
    else
        from2000 = days < 60 ? days - 36525 : days - 36526;
    if (from2000 < -36524) return false; /* not before 1900-01-01 */
    long y;
    int m, d;
    civil_date(from2000 + 146097, &y, &m, &d); /* shifted to stay non-negative */
    y -= 400;
    if (y > 9999) return false;
    char tmp[80]; /* the values are in range; the room keeps the compiler's checks quiet */
    if (kind & ISM_NUMFMT_TIME)
        snprintf(tmp, sizeof tmp, "%04ld-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mi, ss);
    else
        snprintf(tmp, sizeof tmp, "%04ld-%02d-%02d", y, m, d);
    ism_strlcpy(out, tmp, 24);
    return true;
}

/* ---- worksheets ---------------------------------------------------------------------------- */

typedef struct ws {
    xlsx *x;
    part p;
    ism_sheet *sh;
    ism_tbl_sheet_builder b;
    bool in_data, in_row, in_cell, in_merges, in_is;
    uint32_t row, last_row, col, last_col;
    bool row_hidden;
    /* the current cell */
    char t[16];
    unsigned kind;
    bool has_v, has_f;
    int rph;
    sbuf *capture; /* where text goes: &v, &f or &is, or NULL */
    sbuf v, f, is;
} ws;

static bool ws_fail(ws *w, ism_code code, const char *value, const char *fmt, ...) FORMAT(4, 5);

/* An error about the current cell (or row, when col is 0). */
static bool ws_fail(ws *w, ism_code code, const char *value, const char *fmt, ...)
{
    char msg[256], col_s[4], q[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ism_col_name(w->in_cell ? w->col : 0, col_s);
    json_t *where = ism_table_where(w->x->wb->file, w->sh->name, w->row, w->in_cell ? w->col : 0,
                                    value ? ism_tbl_clip(value, q, sizeof q) : NULL);
    return part_fail(&w->p, code, where, "sheet %s, row %u%s%s: %s", w->sh->name, w->row,
                     col_s[0] ? ", column " : "", col_s, msg);
}

static bool start_row(ws *w)
{
    char rbuf[24], hbuf[8];
    const char *r = attr_buf(&w->p, "r", rbuf, sizeof rbuf);
    unsigned long num = w->last_row + 1;
    w->row = w->last_row + 1;
    if (r && !parse_uint(r, 1048576, &num))
        return ws_fail(w, ISM_E_INVALID_DATA, r, "row number \"%s\" is not 1–1048576", r);
    w->row = (uint32_t)num;
    if (w->row <= w->last_row)
        return ws_fail(w, ISM_E_INVALID_DATA, NULL, "rows are out of order (after row %u)",
                       w->last_row);
    if (w->row > w->x->lim->max_rows)
        return ws_fail(w, ISM_E_TOO_LARGE, NULL, "over the limit max_rows=%u", w->x->lim->max_rows);
    w->row_hidden = attr_true(attr_buf(&w->p, "hidden", hbuf, sizeof hbuf));
    w->last_row = w->row;
    w->last_col = 0;
    w->in_row = true;
    return true;
}

static bool end_row(ws *w)
{
    w->in_row = false;
    return ism_tbl_end_row(&w->b, w->row, w->row, w->row_hidden) || ism_tbl_oom(w->x->err);
}

static bool start_cell(ws *w)
{
    char rbuf[24], sbuf_[24];
    const char *r = attr_buf(&w->p, "r", rbuf, sizeof rbuf);
    const char *s = attr_buf(&w->p, "s", sbuf_, sizeof sbuf_);
    uint32_t row = w->row, col = w->last_col + 1;
    w->in_cell = true;
    w->col = col;
    if (r && !ism_cell_ref_parse(r, &row, &col))
        return ws_fail(w, ISM_E_INVALID_DATA, r, "\"%s\" is not a cell reference", r);
    w->col = col;
    if (row != w->row)
        return ws_fail(w, ISM_E_INVALID_DATA, r, "cell %s is not in row %u", r, w->row);
    if (col <= w->last_col) return ws_fail(w, ISM_E_INVALID_DATA, r, "cells are out of order");
    if (col > w->x->lim->max_cols)
        return ws_fail(w, ISM_E_TOO_LARGE, NULL, "over the limit max_cols=%u", w->x->lim->max_cols);
    w->last_col = col;
    if (!attr_buf(&w->p, "t", w->t, sizeof w->t)) strcpy(w->t, "n");
    unsigned long xf = 0;
    if (s && !parse_uint(s, MAX_STYLES, &xf))
        return ws_fail(w, ISM_E_INVALID_DATA, s, "style index \"%s\" is not a number", s);
    if (s && w->x->xf_kind && xf >= w->x->nxf)
        return ws_fail(w, ISM_E_INVALID_DATA, s, "style %lu is not defined in the styles part", xf);
    w->kind = w->x->xf_kind && xf < w->x->nxf ? w->x->xf_kind[xf] : 0;
    w->has_v = w->has_f = w->in_is = false;
    w->rph = 0;
    w->capture = NULL;
    sb_reset(&w->v);
    sb_reset(&w->f);
    sb_reset(&w->is);
    return true;
}

/* Stores the cell with its value decided; copies the value into the arena unless it is
 * already there (a shared string, referenced rather than copied). */
static bool store(ws *w, ism_cell_type type, const char *value, bool value_in_arena,
                  const char *raw)
{
    xlsx *x = w->x;
    size_t *budget = ism_tbl_cell_budget(x->wb);
    if (*budget >= x->lim->max_cells)
        return ws_fail(w, ISM_E_TOO_LARGE, NULL, "over the limit max_cells=%zu", x->lim->max_cells);
    ism_cell c = {.row = w->row, .col = w->col, .type = type, .formula = w->has_f};
    char col_s[4];
    ism_col_name(w->col, col_s);
    snprintf(c.ref, sizeof c.ref, "%s%u", col_s, w->row);
    c.value = value_in_arena ? value : ism_tbl_strndup(x->wb, value, strlen(value));
    c.raw = raw ? ism_tbl_strndup(x->wb, raw, strlen(raw)) : NULL;
    if (!c.value || (raw && !c.raw) || !ism_tbl_add_cell(&w->b, &c)) return ism_tbl_oom(x->err);
    (*budget)++;
    return true;
}

/* A number as people read it: integers in full below 10^15, else 15 significant digits
 * (Excel's precision), so 0.1+0.2 stored as 0.30000000000000004 reads "0.3". */
static void format_number(double v, char out[40])
{
    if (v == 0)
        strcpy(out, "0");
    else if (fabs(v) < 1e15 && v == floor(v))
        snprintf(out, 40, "%.0f", v);
    else
        snprintf(out, 40, "%.15g", v);
}

static bool number_cell(ws *w, const char *v)
{
    char buf[40], q[64];
    if (!ism_text_is_number(v))
        return ws_fail(w, ISM_E_INVALID_DATA, v, "\"%s\" is not a number",
                       ism_tbl_clip(v, q, sizeof q));
    double d = strtod(v, NULL);
    if (!isfinite(d)) return ws_fail(w, ISM_E_INVALID_DATA, v, "number out of range");
    if (w->kind && ism_xlsx_serial_to_iso(d, w->x->wb->date1904, w->kind, buf))
        return store(w, ISM_CELL_DATE, buf, false, v);
    format_number(d, buf);
    return store(w, ISM_CELL_NUMBER, buf, false, v);
}

static bool shared_string_cell(ws *w, const char *v)
{
    unsigned long i;
    char q[64];
    ism_tbl_clip(v, q, sizeof q);
    if (!w->x->sst)
        return ws_fail(w, ISM_E_INVALID_DATA, v,
                       "the cell refers to shared string %s, but the workbook has no shared "
                       "strings part",
                       q);
    if (!parse_uint(v, ULONG_MAX / 10, &i) || i >= w->x->nsst)
        return ws_fail(w, ISM_E_INVALID_DATA, v,
                       "shared string index \"%s\" is out of range (%zu strings)", q, w->x->nsst);
    return !*w->x->sst[i] ? true : store(w, ISM_CELL_STRING, w->x->sst[i], true, NULL);
}

/* "2025-03-31T00:00:00" (t="d") reads as the date alone when there is no time. */
static bool iso_date_cell(ws *w, const char *v)
{
    char buf[32], q[64];
    if (strlen(v) >= sizeof buf || strspn(v, "0123456789-:.TZ+") != strlen(v))
        return ws_fail(w, ISM_E_INVALID_DATA, v, "\"%s\" is not an ISO 8601 date",
                       ism_tbl_clip(v, q, sizeof q));
    ism_strlcpy(buf, v, sizeof buf);
    char *t = strchr(buf, 'T');
    if (t && (strcmp(t, "T00:00:00") == 0 || strcmp(t, "T00:00:00Z") == 0)) *t = '\0';
    return store(w, ISM_CELL_DATE, buf, false, v);
}

/* Decides the type and value of the finished cell. Empty cells are not stored. */
static bool end_cell(ws *w)
{
    const char *t = w->t;
    const char *v = w->v.s ? w->v.s : "";
    bool ok = true; /* in_cell stays set until the end so that messages name the column */
    if (!w->has_v && !(strcmp(t, "inlineStr") == 0 && w->is.len)) {
        if (w->has_f) ok = store(w, ISM_CELL_UNCACHED, "", false, w->f.s ? w->f.s : "");
    } else if (strcmp(t, "s") == 0) {
        ok = shared_string_cell(w, v);
    } else if (strcmp(t, "str") == 0 || strcmp(t, "inlineStr") == 0) {
        sbuf *b = strcmp(t, "str") == 0 || !w->is.len ? &w->v : &w->is;
        unescape_x(b);
        if (b->len || w->has_f) ok = store(w, ISM_CELL_STRING, b->s ? b->s : "", false, NULL);
    } else if (strcmp(t, "b") == 0) {
        bool yes = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
        char q[64];
        if (!yes && strcmp(v, "0") != 0 && strcmp(v, "false") != 0)
            ok = ws_fail(w, ISM_E_INVALID_DATA, v, "\"%s\" is not a boolean",
                         ism_tbl_clip(v, q, sizeof q));
        else
            ok = store(w, ISM_CELL_BOOL, yes ? "TRUE" : "FALSE", false, NULL);
    } else if (strcmp(t, "e") == 0) {
        ok = store(w, ISM_CELL_ERROR, v, false, NULL);
    } else if (strcmp(t, "d") == 0) {
        ok = !*v ? true : iso_date_cell(w, v);
    } else if (strcmp(t, "n") == 0) {
        if (*v)
            ok = number_cell(w, v);
        else if (w->has_f)
            ok = store(w, ISM_CELL_UNCACHED, "", false, w->f.s ? w->f.s : "");
    } else {
        ok = ws_fail(w, ISM_E_INVALID_DATA, t, "unknown cell type t=\"%s\"", t);
    }
    w->in_cell = false;
    return ok;
}

static bool add_merge(ws *w)
{
    char ref[48];
    const char *r = attr_buf(&w->p, "ref", ref, sizeof ref);
    ism_merge m;
    char *colon = r ? strchr(ref, ':') : NULL;
    if (colon) *colon = '\0';
    bool ok = r && ism_cell_ref_parse(ref, &m.first_row, &m.first_col);
    if (ok && colon)
        ok = ism_cell_ref_parse(colon + 1, &m.last_row, &m.last_col);
    else if (ok)
        m.last_row = m.first_row, m.last_col = m.first_col;
    if (colon) *colon = ':';
    if (!ok)
        return part_fail(&w->p, ISM_E_INVALID_DATA, NULL, "\"%s\" is not a merged range",
                         r ? r : "");
    /* Normalize a range written bottom-right first. */
    if (m.first_row > m.last_row) {
        uint32_t t = m.first_row;
        m.first_row = m.last_row;
        m.last_row = t;
    }
    if (m.first_col > m.last_col) {
        uint32_t t = m.first_col;
        m.first_col = m.last_col;
        m.last_col = t;
    }
    size_t *budget = ism_tbl_cell_budget(w->x->wb);
    if (*budget >= w->x->lim->max_cells)
        return part_fail(&w->p, ISM_E_TOO_LARGE, NULL, "over the limit max_cells=%zu",
                         w->x->lim->max_cells);
    (*budget)++;
    return ism_tbl_add_merge(&w->b, &m) || ism_tbl_oom(w->x->err);
}

/* Elements inside a <c>: <f>, <v>, and <is> holding <t>, <r><t> and <rPh> (skipped). */
static bool cell_element(ws *w)
{
    part *p = &w->p;
    if (is_el(p, "v")) {
        w->has_v = true;
        w->capture = has_content(p) ? &w->v : NULL;
    } else if (is_el(p, "f")) {
        w->has_f = true;
        w->capture = has_content(p) ? &w->f : NULL;
    } else if (is_el(p, "is")) {
        w->in_is = has_content(p);
    } else if (w->in_is && is_el(p, "rPh")) {
        w->rph += has_content(p);
    } else if (w->in_is && is_el(p, "t")) {
        w->capture = w->rph == 0 && has_content(p) ? &w->is : NULL;
    }
    return true;
}

static bool ws_node(ws *w)
{
    part *p = &w->p;
    int type = xmlTextReaderNodeType(p->r);
    if (type == XML_READER_TYPE_ELEMENT) {
        if (w->in_cell) return cell_element(w);
        if (is_el(p, "sheetData")) w->in_data = has_content(p);
        if (is_el(p, "mergeCells")) w->in_merges = has_content(p);
        if (w->in_merges && is_el(p, "mergeCell")) return add_merge(w);
        if (w->in_data && !w->in_row && is_el(p, "row")) {
            if (!start_row(w)) return false;
            return has_content(p) || end_row(w);
        }
        if (w->in_row && is_el(p, "c")) {
            if (!start_cell(w)) return false;
            return has_content(p) || end_cell(w);
        }
        return true;
    }
    if (type == XML_READER_TYPE_END_ELEMENT) {
        const char *n = (const char *)xmlTextReaderConstLocalName(p->r);
        if (strcmp(n, "v") == 0 || strcmp(n, "f") == 0 || strcmp(n, "t") == 0) w->capture = NULL;
        if (w->in_is && strcmp(n, "rPh") == 0) w->rph--;
        if (strcmp(n, "is") == 0) w->in_is = false;
        if (w->in_cell && strcmp(n, "c") == 0) return end_cell(w);
        if (w->in_row && strcmp(n, "row") == 0) return end_row(w);
        if (strcmp(n, "sheetData") == 0) w->in_data = false;
        if (strcmp(n, "mergeCells") == 0) w->in_merges = false;
        return true;
    }
    if (w->capture && is_text(p)) return sb_text(p, w->capture);
    return true;
}

static bool read_sheet(xlsx *x, size_t index)
{
    ws w = {.x = x, .sh = (ism_sheet *)&x->wb->sheets[index], .b = {.wb = x->wb}};
    if (!part_open(x, w.sh->part, "the workbook relationships", false, &w.p)) return false;
    int rc;
    while ((rc = part_next(&w.p)) == 1)
        if (!ws_node(&w)) {
            rc = -1;
            break;
        }
    if (rc == 0 && !ism_tbl_finish_sheet(&w.b, w.sh)) {
        ism_tbl_oom(x->err);
        rc = -1;
    }
    part_close(&w.p);
    ism_tbl_builder_free(&w.b);
    free(w.v.s);
    free(w.f.s);
    free(w.is.s);
    return rc == 0;
}

/* ---- entry points ---------------------------------------------------------------------------- */

static bool open_zip(xlsx *x, const void *data, size_t len)
{
    static const unsigned char ole2[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (len >= 8 && memcmp(data, ole2, 8) == 0)
        return fail_where(x, ISM_E_INVALID_DATA, NULL,
                          "%s is an Excel 97-2003 (.xls) file or a password-protected workbook; "
                          "open it in Excel and save it as .xlsx without a password",
                          x->wb->file);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (src) x->zip = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!x->zip) {
        fail_where(x, ISM_E_INVALID_DATA, NULL, "%s is not a readable XLSX file (zip: %s)",
                   x->wb->file, zip_error_strerror(&ze));
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    if (!x->zip) return false;
    zip_int64_t n = zip_get_num_entries(x->zip, 0);
    if (n < 0 || (zip_uint64_t)n > x->lim->max_entries)
        return fail_where(x, ISM_E_TOO_LARGE, NULL,
                          "%s has %lld zip entries, over the limit max_entries=%zu", x->wb->file,
                          (long long)n, x->lim->max_entries);
    return true;
}

/* Shared strings and styles are optional parts; when the relationships name one, it must
 * exist. */
static bool read_parts(xlsx *x)
{
    const rel *sst = find_rel_type(x->rels, x->nrels, "sharedStrings");
    const rel *styles = find_rel_type(x->rels, x->nrels, "styles");
    if (sst && !read_sst(x, sst->target)) return false;
    if (styles && !read_styles(x, styles->target)) return false;
    for (size_t i = 0; i < x->wb->nsheets; i++)
        if (!read_sheet(x, i)) return false;
    return true;
}

ism_workbook *ism_xlsx_read_mem(const void *data, size_t len, const char *name,
                                const ism_table_limits *lim, ism_error *err)
{
    ism_table_limits def;
    xlsx x = {.lim = ism_tbl_limits(lim, &def), .err = err};
    pthread_once(&xml_once, xml_init);
    /* Some libxml2 complaints (encoding conversion) bypass the reader's handler and go to the
     * generic one, which prints to stderr. The handler is per thread; borrow it briefly. */
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, xml_silent);
    x.wb = ism_tbl_new(ISM_TABLE_XLSX, name);
    if (!x.wb) {
        ism_tbl_oom(err);
        return NULL;
    }
    bool ok;
    if (len > x.lim->max_file_bytes)
        ok = fail_where(&x, ISM_E_TOO_LARGE, NULL,
                        "%s is %zu bytes, over the limit max_file_bytes=%zu", x.wb->file, len,
                        x.lim->max_file_bytes);
    else
        ok = open_zip(&x, data, len) && find_workbook(&x) && read_workbook(&x) && read_parts(&x);
    if (x.zip) zip_discard(x.zip);
    free(x.rels);
    free(x.sst);
    free(x.xf_kind);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    if (!ok) {
        ism_workbook_free(x.wb);
        return NULL;
    }
    return x.wb;
}

ism_workbook *ism_xlsx_read_file(const char *path, const ism_table_limits *lim, ism_error *err)
{
    ism_table_limits def;
    size_t len = 0;
    lim = ism_tbl_limits(lim, &def);
    char *data = ism_tbl_read_file(path, lim, &len, err);
    if (!data) return NULL;
    ism_workbook *wb = ism_xlsx_read_mem(data, len, path, lim, err);
    free(data);
    return wb;
}
