/* readers.h — the readers room: generic tabular readers (XLSX, CSV) into one table model, and
 * the text helpers they and the importers share (encodings, folding, answer marks, dates).
 * No domain knowledge lives here: what a questionnaire or a certificate means is the evidence
 * room's business (include/ismap/evidence.h). */
#ifndef ISMAP_READERS_H
#define ISMAP_READERS_H

#include "ismap/core.h"

/* ======================================================================================== */
/* ==== Tabular reader: one table model for XLSX and CSV, plus text helpers =============== */
/* ======================================================================================== */
/*
 * A workbook is a list of sheets; a sheet is a name, its rows and its merged ranges; a row is
 * its 1-based source row number and its cells, in ascending column order; a cell is a UTF-8
 * value plus where it came from. Only cells holding a value (or a formula) are stored, so a
 * missing cell and an empty cell read the same through ism_row_value()/ism_sheet_value().
 *
 * Ownership: a workbook owns everything reachable from it (names, rows, cells, strings) in one
 * arena; all of it stays valid until ism_workbook_free(). Treat the structs as read-only.
 *
 * Errors: malformed input gives ISM_E_INVALID_DATA, a limit gives ISM_E_TOO_LARGE naming the
 * limit ("max_rows=1000"). When the error has a place, err->details gets one object built by
 * ism_table_where(): {"file", "sheet", "row", "column", "value"}, plus "part" and "line" (the
 * XML part and its line) for XLSX and "offset" (into the file) and "line" for undecodable
 * CSV bytes; keys that are unknown are left out. Messages name the file by its base name only,
 * never the server's directory, and are always valid UTF-8.
 *
 * Numbers are parsed and printed with the C library in the "C" numeric locale, which the
 * service never changes. Every function here is thread-safe; a finished workbook may be read
 * from any number of threads.
 */

typedef enum ism_cell_type {
    ISM_CELL_STRING = 0, /* text: shared, inline, a formula's string result, or a CSV field */
    ISM_CELL_NUMBER,     /* value: up to 15 significant digits ("0.3", "12"); raw: as stored */
    ISM_CELL_BOOL,       /* value: "TRUE" or "FALSE" */
    ISM_CELL_DATE,       /* a number under a date/time format: value "2025-03-31",
                          * "2025-03-31T09:30:00" or "09:30:00"; raw: the serial as stored */
    ISM_CELL_ERROR,      /* an Excel error value: "#N/A", "#DIV/0!", "#REF!"... */
    ISM_CELL_UNCACHED,   /* a formula the file holds no result for: value "", raw: formula.
                          * The reader never evaluates; importers should report these. */
} ism_cell_type;

typedef struct ism_cell {
    const char *value;  /* UTF-8, never NULL; "" for ISM_CELL_UNCACHED */
    const char *raw;    /* numbers and dates: the numeric text; uncached: the formula (empty for
                         * a shared formula's dependents); else NULL */
    uint32_t row, col;  /* 1-based; col 1 = "A" */
    ism_cell_type type; /* what the value is */
    char ref[11];       /* "C12": where it is, in canonical A1 form (computed for CSV); the
                         * longest is "XFD1048576" */
    bool formula;       /* the value is a formula's cached result (type says its kind) */
    /* 40 bytes: a 100k-row, 8-column sheet holds 800k of these */
} ism_cell;

typedef struct ism_row {
    uint32_t num;  /* 1-based source row number: Excel's row, the CSV record number */
    uint32_t line; /* CSV: the physical line the record starts on; XLSX: same as num */
    bool hidden;   /* XLSX: the row is hidden */
    size_t ncells;
    const ism_cell *cells; /* ascending col */
} ism_row;

/* A merged range, inclusive; its value lives in the top-left cell (first_row, first_col). */
typedef struct ism_merge {
    uint32_t first_row, first_col, last_row, last_col;
} ism_merge;

typedef enum ism_sheet_state {
    ISM_SHEET_VISIBLE = 0,
    ISM_SHEET_HIDDEN,
    ISM_SHEET_VERY_HIDDEN, /* hidden so that only VBA can show it */
} ism_sheet_state;

typedef struct ism_sheet {
    const char *name; /* as shown on the tab; for CSV the file name without extension */
    const char *part; /* XLSX: the zip part ("xl/worksheets/sheet2.xml"); CSV: NULL */
    ism_sheet_state state;
    size_t nrows;
    const ism_row *rows; /* ascending num; rows without cells are not stored */
    size_t nmerges;
    const ism_merge *merges;
} ism_sheet;

typedef enum ism_text_encoding {
    ISM_ENC_AUTO = 0, /* detect: a BOM, else valid UTF-8, else strict CP932 */
    ISM_ENC_UTF8,
    ISM_ENC_UTF8_BOM,
    ISM_ENC_UTF16LE, /* with or without BOM when given; detected only from its BOM */
    ISM_ENC_UTF16BE,
    ISM_ENC_CP932, /* Shift_JIS as Windows writes it (NEC and IBM extensions) */
} ism_text_encoding;

typedef enum ism_table_format {
    ISM_TABLE_XLSX = 1,
    ISM_TABLE_CSV,
} ism_table_format;

typedef struct ism_table_mem ism_table_mem; /* private: the arena */

typedef struct ism_workbook {
    const char *file; /* base name of the source, for messages */
    ism_table_format format;
    ism_text_encoding encoding; /* CSV: detected or given; XLSX: ISM_ENC_UTF8 */
    char delimiter;             /* CSV: the delimiter used; XLSX: 0 */
    bool date1904;              /* XLSX: serials count from 1904-01-01 */
    size_t nsheets;
    const ism_sheet *sheets; /* in workbook (tab) order; chart and dialog sheets are skipped */
    ism_table_mem *mem;      /* private */
} ism_workbook;

/* ---- limits ------------------------------------------------------------------------------ */
/* Every reader enforces these; exceeding one gives ISM_E_TOO_LARGE naming the field. Start from
 * ism_table_limits_default() and lower or raise what you need; pass NULL for the defaults. */
typedef struct ism_table_limits {
    size_t max_file_bytes;     /* the file as given (zip or CSV bytes).          64 MiB */
    size_t max_total_bytes;    /* XLSX: inflated bytes over all parts read.      256 MiB */
    size_t max_entry_bytes;    /* XLSX: inflated bytes of one part.              128 MiB */
    size_t max_entries;        /* XLSX: entries in the zip.                       10000 */
    size_t max_sheets;         /* worksheets in a workbook.                         256 */
    uint32_t max_rows;         /* highest row number in a sheet.          1048576 (Excel) */
    uint32_t max_cols;         /* highest column (CSV: fields/record), ≤ 16384. 16384 (XFD) */
    size_t max_cells;          /* stored cells + merged ranges, whole workbook. 2000000 */
    size_t max_shared_strings; /* XLSX: entries in sharedStrings.xml.          1000000 */
    size_t max_string_bytes;   /* one value (cell, shared string, field), UTF-8. 128 KiB */
} ism_table_limits;

void ism_table_limits_default(ism_table_limits *out);

/* ---- readers ----------------------------------------------------------------------------- */
/* Each returns a workbook the caller frees with ism_workbook_free(), or NULL with err set.
 * `name` (memory variants) is the file name used in messages; only its base name is kept. */
ism_workbook *ism_xlsx_read_file(const char *path, const ism_table_limits *lim, ism_error *err);
ism_workbook *ism_xlsx_read_mem(const void *data, size_t len, const char *name,
                                const ism_table_limits *lim, ism_error *err);

typedef struct ism_csv_options {
    char delimiter;             /* 0: auto (tab if the first record has more tabs than commas) */
    ism_text_encoding encoding; /* ISM_ENC_AUTO: detect */
} ism_csv_options;

/* RFC 4180 with Excel's leniency: quoted fields may hold delimiters, doubled quotes and line
 * breaks (CRLF inside a quoted field becomes LF); text after a closing quote is kept; records
 * end at CRLF, LF or CR; blank records are not stored but keep their row number. One sheet,
 * named after the file. NULL opts = auto-detect everything. */
ism_workbook *ism_csv_read_file(const char *path, const ism_csv_options *opts,
                                const ism_table_limits *lim, ism_error *err);
ism_workbook *ism_csv_read_mem(const void *data, size_t len, const char *name,
                               const ism_csv_options *opts, const ism_table_limits *lim,
                               ism_error *err);

/* Reads XLSX or CSV by content (a zip signature means XLSX). A legacy .xls or a password-
 * protected workbook (both OLE2 files) gives ISM_E_INVALID_DATA saying to save as .xlsx. */
ism_workbook *ism_table_read_file(const char *path, const ism_table_limits *lim, ism_error *err);

void ism_workbook_free(ism_workbook *wb);

/* ---- lookups (all borrowed pointers, valid while the workbook lives) --------------------- */
/* The sheet with this exact name, or NULL. */
const ism_sheet *ism_workbook_sheet(const ism_workbook *wb, const char *name);
/* The row with source number `num`, or NULL when the row holds no cells. O(log rows). */
const ism_row *ism_sheet_row(const ism_sheet *sh, uint32_t num);
/* The cell at column `col`, or NULL. O(log cells). */
const ism_cell *ism_row_cell(const ism_row *row, uint32_t col);
/* The cell's value, or "" when there is no such cell (row may be NULL). */
const char *ism_row_value(const ism_row *row, uint32_t col);
const ism_cell *ism_sheet_cell(const ism_sheet *sh, uint32_t row, uint32_t col);
const char *ism_sheet_value(const ism_sheet *sh, uint32_t row, uint32_t col);
/* The merged range containing (row, col), or NULL. O(merges). */
const ism_merge *ism_sheet_merge_at(const ism_sheet *sh, uint32_t row, uint32_t col);
/* The cell that gives (row, col) its value: the top-left cell of its merged range, or the cell
 * itself when not merged; NULL when that cell is empty. */
const ism_cell *ism_sheet_merged_cell(const ism_sheet *sh, uint32_t row, uint32_t col);
/* As ism_sheet_merged_cell, returning its value or "". */
const char *ism_sheet_merged_value(const ism_sheet *sh, uint32_t row, uint32_t col);

/* ---- references and error details -------------------------------------------------------- */
/* Column letters for a 1-based column (1 → "A", 28 → "AB") into out[4]; "" when out of range
 * (col 0 or > 16384). */
void ism_col_name(uint32_t col, char out[4]);
/* Parses "C12" (also "$C$12"); false unless 1 ≤ col ≤ 16384 and 1 ≤ row ≤ 1048576. */
bool ism_cell_ref_parse(const char *ref, uint32_t *row, uint32_t *col);
/* A detail object for ism_error_detail(): {"file","sheet","row","column","value"}, leaving
 * out NULL strings and zero numbers; column is given as letters. New reference. */
json_t *ism_table_where(const char *file, const char *sheet, uint32_t row, uint32_t col,
                        const char *value);

/* ---- XLSX number formats and date serials (exposed for importers and tests) -------------- */
#define ISM_NUMFMT_DATE 1u    /* shows a date (y, m, d) */
#define ISM_NUMFMT_TIME 2u    /* shows a time (h, m, s) */
#define ISM_NUMFMT_ELAPSED 4u /* with TIME: an elapsed duration ([h]:mm), not a time of day */
/* Classifies a number format: a built-in id with code NULL (14–22, 27–36, 45–47 and 50–58 are
 * dates or times; 27–36 and 50–58 as a Japanese Excel defines them), or a custom formatCode.
 * Returns a mask of ISM_NUMFMT_*; 0 for plain numbers. In a code, y d h s (and m, read as
 * minutes after h or before s, else as months) count outside "quotes" and [brackets], and not
 * after \ _ or *; so yyyy"年"m"月"d"日" and [$-411]ggge"年"m"月"d"日" are dates. */
unsigned ism_xlsx_numfmt_kind(int id, const char *code);
/* Converts a serial under a format of `kind` into out[24]: DATE → "2025-03-31"; DATE|TIME →
 * "2025-03-31T09:30:00"; TIME → "09:30:00" (the time of day); TIME|ELAPSED → "30:00:00";
 * kind 0 is taken as DATE. Seconds are rounded. Returns false (out untouched) for negative or
 * NaN serials, years after 9999, and, in the 1900 system, serial 0 (Excel's "1900-01-00") and
 * serial 60 (the 1900-02-29 that Excel keeps from Lotus 1-2-3 and that never existed). */
bool ism_xlsx_serial_to_iso(double serial, bool date1904, unsigned kind, char out[24]);

/* ---- text: encodings --------------------------------------------------------------------- */
/* "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE", "CP932", "auto". Never NULL. */
const char *ism_text_encoding_name(ism_text_encoding enc);
/* True when [s, s+len) is strict UTF-8 (no overlongs, surrogates or > U+10FFFF). Otherwise
 * *bad (may be NULL) receives the offset of the first byte that is not. */
bool ism_text_utf8_valid(const char *s, size_t len, size_t *bad);
/* Decodes bytes to NUL-terminated UTF-8 (malloc'd, caller frees; *out_len excludes the NUL).
 * ISM_ENC_AUTO detects: BOM → that encoding; valid UTF-8 → UTF-8; else strict CP932; else
 * ISM_E_INVALID_DATA naming the byte offset and line of the first undecodable byte for both
 * UTF-8 and CP932. A BOM is stripped. A NUL character is refused (ISM_E_INVALID_DATA).
 * *detected (may be NULL) receives the encoding used. `name` is used in messages. */
char *ism_text_decode(const void *data, size_t len, ism_text_encoding enc, const char *name,
                      ism_text_encoding *detected, size_t *out_len, ism_error *err);

/* ---- text: normalization for matching ---------------------------------------------------- */
#define ISM_FOLD_CASE 1u /* also lower-case ASCII letters */
/* An NFKC-like folding for matching headers and answers, not for storage: full-width ASCII
 * (U+FF01–FF5E) → ASCII; half-width katakana → full-width, composing ﾞ/ﾟ with the preceding
 * kana (ｶﾞ → ガ); full-width ￥￠￡￢￣￤￦ → their usual forms; era ligatures
 * ㍾㍽㍼㍻㋿ → 明治 大正 昭和 平成 令和; ideographic space, NBSP, tabs and line
 * breaks → space; runs of spaces collapsed; both ends trimmed; stray BOMs and zero-width spaces
 * dropped. Invalid UTF-8 bytes become U+FFFD. Caller frees; NULL only on allocation failure. */
char *ism_text_fold(const char *s, unsigned flags);

/* ---- text: questionnaire answer marks ---------------------------------------------------- */
/* What each class takes (after folding):
 *   yes      ○ 〇 ◯ ◎ O o Ｏ ｏ
 *   no       × ✕ ✖ ✗ ✘ ╳ ☓ x X ｘ Ｘ
 *   na       N/A NA (any case, any width) 該当なし 非該当 対象外, or dashes only:
 *            - － ‐ ‒ – — ― − ─ ー (so "--" too)
 *   empty    nothing but spaces
 *   unknown  anything else, including ✓ ✔ レ △ and marks followed by text ("○（一部）") */
typedef enum ism_answer_mark {
    ISM_MARK_EMPTY = 0,
    ISM_MARK_YES,
    ISM_MARK_NO,
    ISM_MARK_NA,
    ISM_MARK_UNKNOWN,
} ism_answer_mark;

/* Classifies a whole cell (folded first, so width and surrounding spaces do not matter).
 * Check marks (✓, レ) are deliberately "unknown": offices use them both for "meets" and for
 * "ticked as not applicable", so an importer must ask rather than guess. */
ism_answer_mark ism_text_answer_mark(const char *s);
/* "empty", "yes", "no", "na", "unknown". */
const char *ism_answer_mark_name(ism_answer_mark m);

/* ---- text: numbers and export safety ------------------------------------------------------ */
/* True when s is exactly a plain decimal number: [+-]digits[.digits][(e|E)[+-]digits] (a bare
 * ".5" or "5." is accepted; no spaces, hex, inf or nan). */
bool ism_text_is_number(const char *s);
/* True when a spreadsheet would treat s as a formula: it starts with = + - @ TAB or CR and is
 * not a plain number (ism_text_is_number: "-12.5" and "+3" stay numbers, "-1+2" does not). */
bool ism_text_formula_risk(const char *s);
/* For CSV/XLSX exports: s prefixed with ' when ism_text_formula_risk(s), else a copy.
 * Caller frees; NULL only on allocation failure. */
char *ism_text_neutralize(const char *s);

/* ---- text: dates ---------------------------------------------------------------------------- */
/* Parses a date as Japanese offices write it into out[11] ("2025-03-31"). Accepted (after
 * ism_text_fold, so full-width digits and spaces are fine):
 *   2025-03-31  2025/3/31  2025.3.31  2025年3月31日       (an ISO time part is ignored)
 *   令和7年3月31日  令和元年5月1日  平成31年4月30日  R7.3.31  R7/3/31  R07-03-31  H31年4月30日
 * Eras: 明治 M (from 1873-01-01, when Japan adopted the Gregorian calendar), 大正 T
 * (1912-07-30), 昭和 S (1926-12-25), 平成 H (1989-01-08), 令和 R (2019-05-01); a date outside its
 * era (平成32年) is an error. Years 1583–9999. ISM_E_INVALID_DATA with a message otherwise. */
bool ism_text_parse_date(const char *s, char out[11], ism_error *err);

/* ---- text: quoting in messages ------------------------------------------------------------ */
/* Copies s into out (n >= 8) for quoting in a message, cut at a UTF-8 character boundary
 * with "…" when it does not fit; returns out. */
const char *ism_tbl_clip(const char *s, char *out, size_t n);
/* Replaces each byte that is not part of valid UTF-8 with '?', in place. */
void ism_tbl_utf8_scrub(char *s);

#endif
