/* import_int.h — private to the evidence room: what the importers, the support computation and
 * the screening share (problem lists, reading the input, finding columns by header text, dates,
 * storing an import). Not part of the API; other rooms use include/ismap/evidence.h only. */
#ifndef ISMAP_EVIDENCE_IMPORT_INT_H
#define ISMAP_EVIDENCE_IMPORT_INT_H

#include "ismap/catalog.h"
#include "ismap/evidence.h"

/* ---- problems and warnings ----------------------------------------------------------------- */
/* Every problem found while reading an input is collected first, so one import reports all of
 * them at once; nothing is stored while the list is not empty. Each entry is an object
 * {file, sheet, row, column, field, value, message} with unknown keys left out. */
typedef struct ism_imp_log {
    const char *file; /* base name, borrowed */
    json_t *problems; /* owned arrays */
    json_t *warnings;
    size_t dropped;    /* problems beyond the cap, counted only */
    size_t text_bytes; /* bytes of cell text handed out by ism_imp_cell */
    bool text_over;    /* ISM_IMP_MAX_TEXT was passed: cells now read "" */
} ism_imp_log;

/* The most cell text one import reads through ism_imp_cell (16 MiB): importers copy what they
 * read, so this bounds a file whose cells all point at one long shared string. */
#define ISM_IMP_MAX_TEXT (16u << 20)

typedef struct ism_imp_where {
    const char *sheet; /* NULL for JSON and for whole-file problems */
    uint32_t row;      /* 0 when none */
    uint32_t col;      /* 0 when none */
    const char *field; /* the column's header text, or a JSON path ("rows[3].answer") */
} ism_imp_where;

void ism_imp_log_init(ism_imp_log *lg, const char *file);
void ism_imp_log_free(ism_imp_log *lg);
void ism_imp_problem(ism_imp_log *lg, const ism_imp_where *w, const char *value, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
/* A warning carries a short machine code ("no_alternative", "name_mismatch", ...). */
void ism_imp_warn(ism_imp_log *lg, const ism_imp_where *w, const char *value, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* When problems were found: sets err (ISM_E_INVALID_DATA, the count and the first problem in
 * the message, every problem in details) and returns true. */
bool ism_imp_failed(ism_imp_log *lg, ism_error *err);

/* ---- reading the input ----------------------------------------------------------------------- */
typedef enum ism_imp_format { ISM_IMP_CSV = 0, ISM_IMP_XLSX, ISM_IMP_JSON } ism_imp_format;
/* What the bytes are: a zip is XLSX, '{' or '[' (after a BOM and spaces) is JSON, else CSV. */
ism_imp_format ism_imp_sniff(const char *data, size_t len);
const char *ism_imp_format_name(ism_imp_format f);
/* The limits importers read tables with: tighter than the reader's defaults, since a
 * questionnaire or a certificate list is small and a bigger input is a mistake or an attack. */
void ism_imp_limits(ism_table_limits *lim);
/* XLSX or CSV from ctx->data; options "encoding" (auto, utf-8, cp932, shift_jis, utf-16le,
 * utf-16be) and "delimiter" (",", "tab", ";") apply to CSV. */
ism_workbook *ism_imp_read_table(const ism_import_ctx *ctx, ism_error *err);
/* As ism_imp_read_table, refusing a sheet with more than max_rows rows (0: the importers'
 * default) while reading, before the whole table is held: ISM_E_TOO_LARGE saying that `what`
 * ("a CAIQ") has far fewer rows, plus the reader's place (sheet, row). */
ism_workbook *ism_imp_read_table_max(const ism_import_ctx *ctx, uint32_t max_rows, const char *what,
                                     ism_error *err);
/* JSON from ctx->data (an object); syntax errors name the line and column. New reference. */
json_t *ism_imp_read_json(const ism_import_ctx *ctx, ism_error *err);
/* An option as a string (NULL when absent; a problem when present but not a string). */
const char *ism_imp_opt(const ism_import_ctx *ctx, const char *key);

/* ---- columns found by header text ------------------------------------------------------------ */
#define ISM_IMP_MAX_COLS 24
typedef struct ism_imp_colspec {
    const char *key;            /* the field ("answer") */
    const char *const *aliases; /* header texts, NULL-terminated; matched folded, without spaces,
                                 * exactly or as a prefix ("適合状況" matches "適合状況(○/×)") */
    bool required;
} ism_imp_colspec;

typedef struct ism_imp_header {
    uint32_t row;                   /* the header row (the last of a multi-row header) */
    uint32_t col[ISM_IMP_MAX_COLS]; /* per spec: its column, 0 when absent */
    int found;                      /* specs matched */
    int missing_required;           /* required specs not matched */
} ism_imp_header;

/* The row among the first scan_rows of a sheet whose header texts match the most specs (a later
 * row wins ties, so a two-row header resolves to its second row). A column's text is its
 * merged value, also read with the text of a group header merged across columns above it
 * ("ISMAP管理基準" over "項目名"). Returns false when no row matches two specs. */
bool ism_imp_find_header(const ism_sheet *sh, const ism_imp_colspec *specs, int n,
                         uint32_t scan_rows, ism_imp_header *out);
/* Whether a data row repeats the header (a header printed again on a later page). */
bool ism_imp_repeats_header(const ism_sheet *sh, const ism_row *row, const ism_imp_colspec *specs,
                            int n, const ism_imp_header *h);
/* The caption of a group header merged across several columns in the row above (row, col) —
 * ISMAP管理基準 over 項目名 | 番号 — or NULL. Borrowed from the sheet. */
const char *ism_imp_group_above(const ism_sheet *sh, uint32_t row, uint32_t col);
/* A header cell that may name a column: how well it matches, which column, which spec. Sorted
 * with ism_imp_cand_cmp, best first (then leftmost), so each column and spec is taken once. */
typedef struct ism_imp_cand {
    int quality; /* 4 group+exact, 3 exact, 2 group+prefix, 1 prefix */
    uint32_t col;
    int spec;
} ism_imp_cand;
int ism_imp_cand_cmp(const void *a, const void *b);
/* Names of the required specs a header lacks, for messages ("適合状況, 備考"). Caller frees. */
char *ism_imp_missing_names(const ism_imp_colspec *specs, int n, const ism_imp_header *h);
/* Folds for matching: width, spacing and ASCII case, then removes every space. Caller frees. */
char *ism_imp_key(const char *s);
/* The canonical value a typed word stands for: s is folded with ism_imp_key and looked up in
 * map (n pairs of folded spelling → canonical value); NULL when no spelling matches. */
typedef struct ism_imp_alias {
    const char *from, *to;
} ism_imp_alias;
const char *ism_imp_alias_lookup(const char *s, const ism_imp_alias *map, size_t n);

/* ---- cells ----------------------------------------------------------------------------------- */
/* The value a field holds at (row, col), reading a merged range's top-left cell when merged
 * is set. A formula, an uncached formula or an error value is a problem (answers must be
 * values) and reads as "". col 0 reads "". */
const char *ism_imp_cell(ism_imp_log *lg, const ism_sheet *sh, uint32_t row, uint32_t col,
                         const char *field, bool merged);
/* A date field: a date cell; a number in an XLSX cell as an Excel serial (with a warning); text
 * through ism_text_parse_date. Empty gives false without a problem; anything else that is not
 * a date is a problem. */
bool ism_imp_cell_date(ism_imp_log *lg, const ism_workbook *wb, const ism_sheet *sh, uint32_t row,
                       uint32_t col, const char *field, char out[11]);
/* A date given as text (JSON, key/value rows); same rules as ism_imp_cell_date for text. */
bool ism_imp_text_date(ism_imp_log *lg, const ism_imp_where *w, const char *s, char out[11]);
/* An audit period written in one cell ("2024/4/1～2025/3/31", "2024-04-01 - 2025-03-31",
 * "2024-04-01-2025-03-31", "令和6年4月1日から令和7年3月31日"): the text of its end date, a
 * pointer into s; s itself when s is not a period. */
const char *ism_imp_period_end_text(const char *s);
/* Yes/no as people write it: yes y true 1 ○ 適用 はい / no n false 0 × 除外 いいえ. */
bool ism_imp_yesno(const char *s, bool *out);

/* ---- "field, value" rows ----------------------------------------------------------------------
 */
/* Metadata written as rows of a field name (column A, matched like a header) and its value
 * (column B), as in a certificate sheet or above a SOC 2 test table. */
typedef struct ism_imp_kvspec {
    const char *key;            /* the field ("period_end") */
    const char *const *aliases; /* names people write, matched folded and exactly */
    bool repeat;                /* may occur many times: values collect in an array */
    bool date;                  /* a date: XLSX date cells and serials read as ISO dates */
} ism_imp_kvspec;

/* Reads the field rows of every visible sheet, ignoring rows from stop_rows[sheet index] on
 * (where a table starts; 0 = none; stop_rows may be NULL). Sets out[key] to the value (a string,
 * or an array for repeatable fields) and where[key] to {sheet, row, col} (an array for
 * repeatable fields). A field given twice is a problem; an unknown field name with a value is a
 * warning. */
void ism_imp_read_kv(ism_imp_log *lg, const ism_workbook *wb, const ism_imp_kvspec *specs, int n,
                     const uint32_t *stop_rows, json_t *out, json_t *where);
/* The place recorded for a field by ism_imp_read_kv (index: for repeatable ones), or for a JSON
 * field its name. */
ism_imp_where ism_imp_kv_where(const json_t *where, const char *key, size_t index);

/* ---- dates ----------------------------------------------------------------------------------- */
/* Days since 1970-01-01 of a strict "YYYY-MM-DD", or false when it is not a real date. */
bool ism_imp_days(const char *iso, long *days);
void ism_imp_from_days(long days, char out[11]);
bool ism_imp_add_days(const char *iso, long n, char out[11]);
/* The last day of a period of `months` months starting on `start`, counted as Japanese law
 * counts periods (民法 143条): the day before the same day `months` later, or the last day of
 * that month when it has no such day. */
bool ism_imp_period_end(const char *start, int months, char out[11]);
/* Today in Japan (UTC+9, no daylight saving): the default "today" of the rules. */
void ism_imp_today(char out[11]);
/* ctx->today when it is a valid date, else today in Japan, into out. */
void ism_imp_ctx_today(const ism_import_ctx *ctx, char out[11]);

/* ---- storing --------------------------------------------------------------------------------- */
/* Keeps the input's bytes content-addressed under files_dir (files_dir/ab/abcd...), once per
 * content; sha receives its SHA-256. A NULL files_dir stores nothing (tests). */
bool ism_imp_keep_bytes(const char *files_dir, const void *data, size_t len, char sha[65],
                        ism_error *err);
/* Fills ev's provenance from ctx (subject, org, source name, hash, size, importer), keeps the
 * original bytes, stores ev with lg's warnings, and returns {evidence, warnings, summary}. */
json_t *ism_imp_store(const ism_import_ctx *ctx, ism_evidence_new *ev, ism_imp_log *lg,
                      ism_error *err);

/* ---- small text helpers -----------------------------------------------------------------------
 */
/* A trimmed copy with runs of spaces kept but both ends stripped. Caller frees. */
char *ism_imp_trim(const char *s);
/* Trimmed copies kept together in large blocks, for importers holding many short values (an
 * ISMAP list of 100k rows × 8 fields): no per-string malloc overhead. Zero-initialize; the
 * copies live until ism_imp_strings_free. ism_imp_strings_trim returns NULL when out of memory. */
typedef struct ism_imp_strings {
    struct ism_imp_strblock *head;
} ism_imp_strings;
char *ism_imp_strings_trim(ism_imp_strings *a, const char *s);
void ism_imp_strings_free(ism_imp_strings *a);
/* Whether s is empty after folding. */
bool ism_imp_blank(const char *s);

/* ---- ISMAP list (import_ismap_list.c), used by screening ------------------------------------- */
/* {status, ...} as ism_ismap_list_lookup, read through db (a reader connection, borrowed). */
json_t *ism_imp_ismap_lookup_db(ism_db *db, const char *provider, const char *service,
                                const char *today);

#endif
