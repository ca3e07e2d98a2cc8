/* table.c — the table model shared by the XLSX and CSV readers: the workbook arena, the sheet
 * builder, lookups, cell references, limits and the format-sniffing entry point.
 *
 * Everything a workbook holds lives in one arena of large blocks, so a million-cell sheet costs
 * a few hundred mallocs rather than millions, shared strings can be referenced without copies,
 * and freeing is a walk over the blocks. */
#include "readers_int.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN (256u * 1024u)

/* A workbook holds one of these per stored cell: keep it small (see readers.h). */
_Static_assert(sizeof(void *) != 8 || sizeof(ism_cell) == 40, "ism_cell grew");

typedef struct block {
    struct block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
} block;

struct ism_table_mem {
    block *blocks;
    ism_sheet *sheets; /* malloc'd vector; wb->sheets points here */
    size_t cap_sheets;
    size_t cells; /* stored cells + merges, for max_cells */
};

void ism_table_limits_default(ism_table_limits *out)
{
    *out = (ism_table_limits){
        .max_file_bytes = 64u << 20,
        .max_total_bytes = 256u << 20,
        .max_entry_bytes = 128u << 20,
        .max_entries = 10000,
        .max_sheets = 256,
        .max_rows = 1048576,
        .max_cols = 16384,
        .max_cells = 2000000,
        .max_shared_strings = 1000000,
        .max_string_bytes = 128u << 10,
    };
}

/* ---- arena ------------------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    if (!path || !*path) return "(input)";
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

ism_workbook *ism_tbl_new(ism_table_format format, const char *file)
{
    ism_workbook *wb = calloc(1, sizeof *wb);
    if (!wb) return NULL;
    wb->mem = calloc(1, sizeof *wb->mem);
    if (!wb->mem) {
        free(wb);
        return NULL;
    }
    wb->format = format;
    wb->encoding = ISM_ENC_UTF8;
    /* The name goes into JSON messages, which must be UTF-8: replace what is not. */
    const char *b = base_name(file);
    char *name = ism_tbl_strndup(wb, b, strlen(b));
    if (!name) {
        ism_workbook_free(wb);
        return NULL;
    }
    ism_tbl_utf8_scrub(name);
    wb->file = name;
    return wb;
}

/* `align` is a power of two; strings take 1, so a short value costs its bytes and no padding
 * (a CSV of 100k rows × 8 short fields saved a fifth of the workbook). */
static void *arena_alloc(ism_workbook *wb, size_t size, size_t align)
{
    if (size > SIZE_MAX - 2 * alignof(max_align_t)) return NULL;
    block *b = wb->mem->blocks;
    size_t pad = b ? ((b->used + align - 1) & ~(align - 1)) - b->used : 0;
    if (!b || b->cap - b->used < size + pad) {
        size_t cap = size > BLOCK_MIN ? size : BLOCK_MIN;
        block *nb = malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->used = 0;
        nb->cap = cap;
        /* A block taken for one oversized request goes behind the current one, so the
         * current block's free space is not abandoned. */
        if (b && size > BLOCK_MIN) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            wb->mem->blocks = nb;
        }
        b = nb;
        pad = 0;
    }
    void *p = b->data + b->used + pad;
    b->used += pad + size;
    return p;
}

void *ism_tbl_alloc(ism_workbook *wb, size_t size)
{
    return arena_alloc(wb, size, alignof(max_align_t));
}

char *ism_tbl_strndup(ism_workbook *wb, const char *s, size_t len)
{
    char *p = len < SIZE_MAX ? arena_alloc(wb, len + 1, 1) : NULL;
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

ism_sheet *ism_tbl_add_sheet(ism_workbook *wb)
{
    ism_table_mem *m = wb->mem;
    if (wb->nsheets == m->cap_sheets) {
        size_t cap = m->cap_sheets ? 2 * m->cap_sheets : 4;
        ism_sheet *ns = realloc(m->sheets, cap * sizeof *ns);
        if (!ns) return NULL;
        m->sheets = ns;
        m->cap_sheets = cap;
    }
    ism_sheet *sh = &m->sheets[wb->nsheets++];
    memset(sh, 0, sizeof *sh);
    wb->sheets = m->sheets;
    return sh;
}

size_t *ism_tbl_cell_budget(ism_workbook *wb)
{
    return &wb->mem->cells;
}

void ism_tbl_utf8_scrub(char *s)
{
    size_t bad, len = strlen(s);
    for (size_t at = 0; !ism_text_utf8_valid(s + at, len - at, &bad); at += bad + 1)
        s[at + bad] = '?';
}

const char *ism_tbl_clip(const char *s, char *out, size_t n)
{
    size_t len = strlen(s);
    if (len < n) {
        memcpy(out, s, len + 1);
        return out;
    }
    size_t cut = n - 4; /* room for "…" and the NUL */
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(out, s, cut);
    memcpy(out + cut, "…", 4);
    return out;
}

bool ism_tbl_oom(ism_error *err)
{
    return ism_error_set(err, ISM_E_INTERNAL, "out of memory while reading a table");
}

void ism_workbook_free(ism_workbook *wb)
{
    if (!wb) return;
    if (wb->mem) {
        for (block *b = wb->mem->blocks, *next; b; b = next) {
            next = b->next;
            free(b);
        }
        free(wb->mem->sheets);
        free(wb->mem);
    }
    free(wb);
}

/* ---- sheet builder ---------------------------------------------------------------------- */

/* Grows *vec (of `size`-byte items) so one more fits. */
static bool grow(void **vec, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return true;
    size_t ncap = *cap ? 2 * *cap : 16;
    if (ncap > SIZE_MAX / size) return false;
    void *nv = realloc(*vec, ncap * size);
    if (!nv) return false;
    *vec = nv;
    *cap = ncap;
    return true;
}

bool ism_tbl_add_cell(ism_tbl_sheet_builder *b, const ism_cell *c)
{
    if (!grow((void **)&b->cells, &b->cap_cells, b->ncells, sizeof *c)) return false;
    b->cells[b->ncells++] = *c;
    return true;
}

bool ism_tbl_end_row(ism_tbl_sheet_builder *b, uint32_t num, uint32_t line, bool hidden)
{
    if (b->ncells == 0) return true;
    if (!grow((void **)&b->rows, &b->cap_rows, b->nrows, sizeof *b->rows)) return false;
    ism_cell *cells = ism_tbl_alloc(b->wb, b->ncells * sizeof *cells);
    if (!cells) return false;
    memcpy(cells, b->cells, b->ncells * sizeof *cells);
    b->rows[b->nrows++] =
        (ism_row){.num = num, .line = line, .hidden = hidden, .ncells = b->ncells, .cells = cells};
    b->ncells = 0;
    return true;
}

bool ism_tbl_add_merge(ism_tbl_sheet_builder *b, const ism_merge *m)
{
    if (!grow((void **)&b->merges, &b->cap_merges, b->nmerges, sizeof *m)) return false;
    b->merges[b->nmerges++] = *m;
    return true;
}

bool ism_tbl_finish_sheet(ism_tbl_sheet_builder *b, ism_sheet *sh)
{
    ism_row *rows = NULL;
    ism_merge *merges = NULL;
    if (b->nrows) {
        rows = ism_tbl_alloc(b->wb, b->nrows * sizeof *rows);
        if (!rows) return false;
        memcpy(rows, b->rows, b->nrows * sizeof *rows);
    }
    if (b->nmerges) {
        merges = ism_tbl_alloc(b->wb, b->nmerges * sizeof *merges);
        if (!merges) return false;
        memcpy(merges, b->merges, b->nmerges * sizeof *merges);
    }
    sh->rows = rows;
    sh->nrows = b->nrows;
    sh->merges = merges;
    sh->nmerges = b->nmerges;
    ism_tbl_builder_free(b);
    return true;
}

void ism_tbl_builder_free(ism_tbl_sheet_builder *b)
{
    free(b->rows);
    free(b->cells);
    free(b->merges);
    ism_workbook *wb = b->wb;
    memset(b, 0, sizeof *b);
    b->wb = wb;
}

/* ---- lookups ---------------------------------------------------------------------------- */

const ism_sheet *ism_workbook_sheet(const ism_workbook *wb, const char *name)
{
    for (size_t i = 0; wb && name && i < wb->nsheets; i++)
        if (strcmp(wb->sheets[i].name, name) == 0) return &wb->sheets[i];
    return NULL;
}

const ism_row *ism_sheet_row(const ism_sheet *sh, uint32_t num)
{
    size_t lo = 0, hi = sh ? sh->nrows : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sh->rows[mid].num == num) return &sh->rows[mid];
        if (sh->rows[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const ism_cell *ism_row_cell(const ism_row *row, uint32_t col)
{
    size_t lo = 0, hi = row ? row->ncells : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (row->cells[mid].col == col) return &row->cells[mid];
        if (row->cells[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *ism_row_value(const ism_row *row, uint32_t col)
{
    const ism_cell *c = ism_row_cell(row, col);
    return c ? c->value : "";
}

const ism_cell *ism_sheet_cell(const ism_sheet *sh, uint32_t row, uint32_t col)
{
    return ism_row_cell(ism_sheet_row(sh, row), col);
}

const char *ism_sheet_value(const ism_sheet *sh, uint32_t row, uint32_t col)
{
    const ism_cell *c = ism_sheet_cell(sh, row, col);
    return c ? c->value : "";
}

const ism_merge *ism_sheet_merge_at(const ism_sheet *sh, uint32_t row, uint32_t col)
{
    for (size_t i = 0; sh && i < sh->nmerges; i++) {
        const ism_merge *m = &sh->merges[i];
        if (row >= m->first_row && row <= m->last_row && col >= m->first_col && col <= m->last_col)
            return m;
    }
    return NULL;
}

const ism_cell *ism_sheet_merged_cell(const ism_sheet *sh, uint32_t row, uint32_t col)
{
    const ism_merge *m = ism_sheet_merge_at(sh, row, col);
    if (m) return ism_sheet_cell(sh, m->first_row, m->first_col);
    return ism_sheet_cell(sh, row, col);
}

const char *ism_sheet_merged_value(const ism_sheet *sh, uint32_t row, uint32_t col)
{
    const ism_cell *c = ism_sheet_merged_cell(sh, row, col);
    return c ? c->value : "";
}

/* ---- references ------------------------------------------------------------------------- */

#define MAX_COL 16384u
#define MAX_ROW 1048576u

void ism_col_name(uint32_t col, char out[4])
{
    char tmp[4];
    int n = 0;
    out[0] = '\0';
    if (col == 0 || col > MAX_COL) return;
    /* Bijective base 26: there is no zero digit, so subtract one before each division. */
    while (col > 0 && n < 3) {
        col--;
        tmp[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

bool ism_cell_ref_parse(const char *ref, uint32_t *row, uint32_t *col)
{
    const char *p = ref;
    uint32_t c = 0, r = 0;
    int letters = 0, digits = 0;
    if (!p) return false;
    if (*p == '$') p++;
    for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
        if (++letters > 3) return false;
        c = c * 26 + (uint32_t)((*p | 0x20) - 'a' + 1);
    }
    if (*p == '$') p++;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++digits > 7) return false;
        r = r * 10 + (uint32_t)(*p - '0');
    }
    if (*p || !letters || !digits || c > MAX_COL || r == 0 || r > MAX_ROW) return false;
    *row = r;
    *col = c;
    return true;
}

json_t *ism_table_where(const char *file, const char *sheet, uint32_t row, uint32_t col,
                        const char *value)
{
    json_t *o = json_object();
    char letters[4];
    if (file) json_object_set_new(o, "file", json_string(file));
    if (sheet) json_object_set_new(o, "sheet", json_string(sheet));
    if (row) json_object_set_new(o, "row", json_integer(row));
    ism_col_name(col, letters);
    if (letters[0]) json_object_set_new(o, "column", json_string(letters));
    /* json_string refuses invalid UTF-8; a detail must never be lost to that. */
    if (value) {
        json_t *v = json_string(value);
        json_object_set_new(o, "value", v ? v : json_string("(not UTF-8)"));
    }
    return o;
}

/* ---- files ------------------------------------------------------------------------------- */

const ism_table_limits *ism_tbl_limits(const ism_table_limits *lim, ism_table_limits *store)
{
    if (lim) return lim;
    ism_table_limits_default(store);
    return store;
}

char *ism_tbl_read_file(const char *path, const ism_table_limits *lim, size_t *len, ism_error *err)
{
    char *data = ism_read_file(path, lim->max_file_bytes, len, err);
    if (!data && err && err->code == ISM_E_TOO_LARGE)
        ism_error_set(err, ISM_E_TOO_LARGE, "%s is larger than the limit max_file_bytes=%zu",
                      base_name(path), lim->max_file_bytes);
    return data;
}

/* ---- format sniffing ---------------------------------------------------------------------- */

ism_workbook *ism_table_read_file(const char *path, const ism_table_limits *lim, ism_error *err)
{
    ism_table_limits def;
    lim = ism_tbl_limits(lim, &def);
    size_t len = 0;
    char *data = ism_tbl_read_file(path, lim, &len, err);
    if (!data) return NULL;
    ism_workbook *wb = NULL;
    /* OLE2 goes to the XLSX reader too: it explains what to do with a .xls file. */
    static const unsigned char ole2[4] = {0xD0, 0xCF, 0x11, 0xE0};
    if (len >= 4 && (memcmp(data, "PK\003\004", 4) == 0 || memcmp(data, ole2, 4) == 0))
        wb = ism_xlsx_read_mem(data, len, path, lim, err);
    else
        wb = ism_csv_read_mem(data, len, path, NULL, lim, err);
    free(data);
    return wb;
}
