/* csv.c — the CSV reader: bytes in any encoding Japanese offices produce → one-sheet workbook.
 *
 * The text is decoded to UTF-8 first (text.c) and parsed after: a CP932 trail byte may be
 * 0x5C or 0x7C ('|', a delimiter some offices choose), and in UTF-8 no byte of a multi-byte
 * character is ever ASCII. Parsing follows RFC 4180 with Excel's leniency, since Excel is what
 * writes and re-reads these files. */
#include "readers_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct csv {
    const char *s; /* decoded UTF-8 */
    size_t len, i;
    char delim;
    uint32_t row, line; /* the current record number and physical line */
    ism_workbook *wb;
    ism_sheet *sheet;
    ism_tbl_sheet_builder b;
    const ism_table_limits *lim;
    ism_error *err;
    char *field; /* the current field, unescaped */
    size_t flen, fcap;
} csv;

/* ---- errors ------------------------------------------------------------------------------ */

static bool fail_at(csv *c, ism_code code, uint32_t row, uint32_t col, const char *msg)
{
    ism_error_set(c->err, code, "%s: %s", c->wb->file, msg);
    ism_error_detail(c->err, ism_table_where(c->wb->file, c->sheet->name, row, col, NULL));
    return false;
}

static bool too_large(csv *c, uint32_t col, const char *limit, size_t value)
{
    char col_s[4], msg[160];
    ism_col_name(col, col_s);
    snprintf(msg, sizeof msg, "row %u%s%s: over the limit %s=%zu", c->row,
             col_s[0] ? ", column " : "", col_s, limit, value);
    return fail_at(c, ISM_E_TOO_LARGE, c->row, col, msg);
}

/* The CSV record holding byte `off` of raw ASCII-compatible input: quotes are single bytes
 * below 0x40 in UTF-8 and CP932 alike, so the raw bytes can be scanned without decoding. */
static uint32_t record_at(const unsigned char *p, size_t len, size_t off)
{
    uint32_t rec = 1;
    bool quoted = false;
    for (size_t i = 0; i < off && i < len; i++) {
        if (p[i] == '"')
            quoted = !quoted;
        else if (!quoted && (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n'))))
            rec++;
    }
    return rec;
}

/* Adds the CSV row to a decoding error that names a byte offset. */
static void add_row_to_decode_error(const void *data, size_t len, ism_error *err)
{
    json_t *d =
        err->details ? json_array_get(err->details, json_array_size(err->details) - 1) : NULL;
    json_t *off = json_object_get(d, "offset");
    if (!json_is_integer(off) || !json_object_get(d, "line")) return;
    size_t at = (size_t)json_integer_value(off);
    if (at > len) return;
    uint32_t row = record_at(data, len, at);
    json_object_set_new(d, "row", json_integer(row));
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, " (CSV row %u)", row);
}

/* ---- fields -------------------------------------------------------------------------------- */

static bool put(csv *c, const char *p, size_t n, uint32_t col)
{
    if (c->flen + n > c->lim->max_string_bytes)
        return too_large(c, col, "max_string_bytes", c->lim->max_string_bytes);
    if (c->flen + n + 1 > c->fcap) {
        size_t cap = c->fcap ? c->fcap : 256;
        while (cap < c->flen + n + 1)
            cap *= 2;
        char *nf = realloc(c->field, cap);
        if (!nf) return ism_tbl_oom(c->err);
        c->field = nf;
        c->fcap = cap;
    }
    memcpy(c->field + c->flen, p, n);
    c->flen += n;
    return true;
}

static bool at_end_of_field(const csv *c)
{
    return c->i >= c->len || c->s[c->i] == c->delim || c->s[c->i] == '\n' || c->s[c->i] == '\r';
}

/* Copies bytes up to the next delimiter, line break or end (the rest of a field). */
static bool plain_span(csv *c, uint32_t col)
{
    size_t j = c->i;
    while (j < c->len && c->s[j] != c->delim && c->s[j] != '\n' && c->s[j] != '\r')
        j++;
    bool ok = put(c, c->s + c->i, j - c->i, col);
    c->i = j;
    return ok;
}

/* A quoted field, c->i just past the opening quote. Line breaks inside become LF. */
static bool quoted_field(csv *c, uint32_t col)
{
    uint32_t start_row = c->row, start_line = c->line;
    for (;;) {
        size_t j = c->i;
        while (j < c->len && c->s[j] != '"' && c->s[j] != '\r' && c->s[j] != '\n')
            j++;
        if (!put(c, c->s + c->i, j - c->i, col)) return false;
        c->i = j;
        if (j >= c->len) {
            char msg[160], col_s[4];
            ism_col_name(col, col_s);
            snprintf(msg, sizeof msg,
                     "the quoted field starting at row %u (line %u), column %s has no closing "
                     "quote",
                     start_row, start_line, col_s);
            return fail_at(c, ISM_E_INVALID_DATA, start_row, col, msg);
        }
        if (c->s[j] == '"') {
            if (j + 1 < c->len && c->s[j + 1] == '"') {
                if (!put(c, "\"", 1, col)) return false;
                c->i = j + 2;
                continue;
            }
            c->i = j + 1;
            /* Excel keeps anything between the closing quote and the delimiter. */
            return at_end_of_field(c) || plain_span(c, col);
        }
        c->i = j + (c->s[j] == '\r' && j + 1 < c->len && c->s[j + 1] == '\n' ? 2 : 1);
        c->line++;
        if (!put(c, "\n", 1, col)) return false;
    }
}

static bool store_field(csv *c, uint32_t col)
{
    if (c->flen == 0) return true;
    size_t *budget = ism_tbl_cell_budget(c->wb);
    if (*budget >= c->lim->max_cells) return too_large(c, col, "max_cells", c->lim->max_cells);
    ism_cell cell = {.row = c->row, .col = col, .type = ISM_CELL_STRING};
    char col_s[4];
    ism_col_name(col, col_s);
    snprintf(cell.ref, sizeof cell.ref, "%s%u", col_s, c->row);
    cell.value = ism_tbl_strndup(c->wb, c->field, c->flen);
    if (!cell.value || !ism_tbl_add_cell(&c->b, &cell)) return ism_tbl_oom(c->err);
    (*budget)++;
    return true;
}

/* ---- records ------------------------------------------------------------------------------- */

/* Consumes one line break (CRLF, LF or CR) if there is one. */
static void eat_newline(csv *c)
{
    if (c->i < c->len && c->s[c->i] == '\r') {
        c->i++;
        if (c->i < c->len && c->s[c->i] == '\n') c->i++;
    } else if (c->i < c->len && c->s[c->i] == '\n') {
        c->i++;
    }
    c->line++;
}

static bool record(csv *c)
{
    uint32_t first_line = c->line;
    for (uint32_t col = 1;; col++) {
        /* Past XFD there is no column name to report or to put in a reference. */
        if (col > c->lim->max_cols || col > 16384)
            return too_large(c, col, "max_cols", c->lim->max_cols);
        c->flen = 0;
        bool ok = c->i < c->len && c->s[c->i] == '"' ? (c->i++, quoted_field(c, col))
                                                     : plain_span(c, col);
        if (!ok || !store_field(c, col)) return false;
        if (c->i < c->len && c->s[c->i] == c->delim) {
            c->i++;
            continue;
        }
        eat_newline(c);
        break;
    }
    if (!ism_tbl_end_row(&c->b, c->row, first_line, false)) return ism_tbl_oom(c->err);
    return true;
}

static bool parse(csv *c)
{
    c->row = 0;
    c->line = 1;
    while (c->i < c->len) {
        if (c->row == UINT32_MAX) return too_large(c, 0, "max_rows", c->lim->max_rows);
        c->row++;
        if (c->s[c->i] == '\n' || c->s[c->i] == '\r') {
            eat_newline(c); /* a blank record keeps its number but is not stored */
            continue;
        }
        if (c->row > c->lim->max_rows) return too_large(c, 0, "max_rows", c->lim->max_rows);
        if (!record(c)) return false;
    }
    return ism_tbl_finish_sheet(&c->b, c->sheet) || ism_tbl_oom(c->err);
}

/* ---- set-up -------------------------------------------------------------------------------- */

/* Tab when the first record has more tabs than commas outside quotes (Excel's "Unicode
 * text" is tab-separated); comma otherwise. */
static char sniff_delimiter(const char *s, size_t len)
{
    size_t commas = 0, tabs = 0;
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && (s[i] == '\n' || s[i] == '\r'))
            break;
        else if (!quoted && s[i] == ',')
            commas++;
        else if (!quoted && s[i] == '\t')
            tabs++;
    }
    return tabs > commas ? '\t' : ',';
}

/* The sheet is named after the file, without its extension. */
static bool name_sheet(ism_workbook *wb, ism_sheet *sh)
{
    const char *dot = strrchr(wb->file, '.');
    size_t n = dot && dot != wb->file ? (size_t)(dot - wb->file) : strlen(wb->file);
    sh->name = ism_tbl_strndup(wb, wb->file, n);
    return sh->name != NULL;
}

static ism_workbook *read_text(ism_workbook *wb, const void *data, size_t len,
                               const ism_csv_options *opts, const ism_table_limits *lim,
                               ism_error *err)
{
    csv c = {.wb = wb, .lim = lim, .err = err, .b = {.wb = wb}};
    size_t tlen = 0;
    char *text = ism_text_decode(data, len, opts->encoding, wb->file, &wb->encoding, &tlen, err);
    if (!text) {
        if (opts->encoding != ISM_ENC_UTF16LE && opts->encoding != ISM_ENC_UTF16BE)
            add_row_to_decode_error(data, len, err);
        return NULL;
    }
    c.s = text;
    c.len = tlen;
    c.delim = opts->delimiter ? opts->delimiter : sniff_delimiter(text, tlen);
    wb->delimiter = c.delim;
    c.sheet = ism_tbl_add_sheet(wb);
    bool ok = c.sheet && name_sheet(wb, c.sheet);
    if (!ok) ism_tbl_oom(err);
    ok = ok && parse(&c);
    ism_tbl_builder_free(&c.b);
    free(c.field);
    free(text);
    return ok ? wb : NULL;
}

ism_workbook *ism_csv_read_mem(const void *data, size_t len, const char *name,
                               const ism_csv_options *opts, const ism_table_limits *lim,
                               ism_error *err)
{
    ism_table_limits def;
    ism_csv_options auto_opts = {0};
    lim = ism_tbl_limits(lim, &def);
    if (!opts) opts = &auto_opts;
    char d = opts->delimiter;
    if (d == '"' || d == '\r' || d == '\n' || (unsigned char)d >= 0x80) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "a CSV delimiter must be one ASCII character "
                      "other than a quote or a line break");
        return NULL;
    }
    ism_workbook *wb = ism_tbl_new(ISM_TABLE_CSV, name);
    if (!wb) {
        ism_tbl_oom(err);
        return NULL;
    }
    if (len > lim->max_file_bytes) {
        ism_error_set(err, ISM_E_TOO_LARGE, "%s is %zu bytes, over the limit max_file_bytes=%zu",
                      wb->file, len, lim->max_file_bytes);
        ism_workbook_free(wb);
        return NULL;
    }
    if (!read_text(wb, data, len, opts, lim, err)) {
        ism_workbook_free(wb);
        return NULL;
    }
    return wb;
}

ism_workbook *ism_csv_read_file(const char *path, const ism_csv_options *opts,
                                const ism_table_limits *lim, ism_error *err)
{
    ism_table_limits def;
    size_t len = 0;
    lim = ism_tbl_limits(lim, &def);
    char *data = ism_tbl_read_file(path, lim, &len, err);
    if (!data) return NULL;
    ism_workbook *wb = ism_csv_read_mem(data, len, path, opts, lim, err);
    free(data);
    return wb;
}
