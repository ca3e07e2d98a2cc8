/* readers_int.h — private to the readers room: how the XLSX and CSV readers build a workbook.
 * Not part of the API; other rooms use include/ismap/readers.h only. */
#ifndef ISMAP_READERS_INT_H
#define ISMAP_READERS_INT_H

#include "ismap/readers.h"

/* A new, empty workbook whose arena will own everything added; NULL on allocation failure.
 * `file` is reduced to its base name. */
ism_workbook *ism_tbl_new(ism_table_format format, const char *file);
/* Arena allocation (max-aligned, not zeroed) and string copy (NUL added); NULL when out of
 * memory. Freed with the workbook. */
void *ism_tbl_alloc(ism_workbook *wb, size_t size);
char *ism_tbl_strndup(ism_workbook *wb, const char *s, size_t len);
/* Appends a zeroed sheet; the pointer is valid until the next ism_tbl_add_sheet. */
ism_sheet *ism_tbl_add_sheet(ism_workbook *wb);

/* Collects one sheet's rows and merges, then moves them into the arena. */
typedef struct ism_tbl_sheet_builder {
    ism_workbook *wb;
    ism_row *rows;
    size_t nrows, cap_rows;
    ism_cell *cells; /* the current row's */
    size_t ncells, cap_cells;
    ism_merge *merges;
    size_t nmerges, cap_merges;
} ism_tbl_sheet_builder;

/* Each returns false only when out of memory. */
bool ism_tbl_add_cell(ism_tbl_sheet_builder *b, const ism_cell *c);
/* Ends the current row; a row without cells is dropped. */
bool ism_tbl_end_row(ism_tbl_sheet_builder *b, uint32_t num, uint32_t line, bool hidden);
bool ism_tbl_add_merge(ism_tbl_sheet_builder *b, const ism_merge *m);
/* Moves rows and merges into the arena and onto `sh`; frees the builder's scratch. */
bool ism_tbl_finish_sheet(ism_tbl_sheet_builder *b, ism_sheet *sh);
void ism_tbl_builder_free(ism_tbl_sheet_builder *b);

/* The workbook-wide count of stored cells and merges, checked against max_cells. */
size_t *ism_tbl_cell_budget(ism_workbook *wb);

/* Reads a file for a reader, enforcing max_file_bytes by name. Caller frees. */
char *ism_tbl_read_file(const char *path, const ism_table_limits *lim, size_t *len, ism_error *err);
/* lim, or the defaults in *store when lim is NULL. */
const ism_table_limits *ism_tbl_limits(const ism_table_limits *lim, ism_table_limits *store);

/* The shared message for allocation failure. */
bool ism_tbl_oom(ism_error *err);

#endif
