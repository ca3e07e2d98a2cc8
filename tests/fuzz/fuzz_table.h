/* fuzz_table.h — shared by the XLSX and CSV targets: limits low enough that a fuzzer finds
 * bounds quickly, and a walk over a workbook that checks what the readers promise in
 * include/ismap/evidence.h (values never NULL and valid UTF-8, ascending rows and cells, refs
 * that parse back to their row and column, failures that say what went wrong). A broken
 * promise aborts, which libFuzzer reports as a crash. */
#ifndef ISM_FUZZ_TABLE_H
#define ISM_FUZZ_TABLE_H

#include "ismap/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz: broken promise at %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static inline void fz_table_limits(ism_table_limits *lim)
{
    ism_table_limits_default(lim);
    lim->max_total_bytes = 4u << 20;
    lim->max_entry_bytes = 2u << 20;
    lim->max_cells = 100000;
    lim->max_shared_strings = 100000;
}

static inline void fz_check_cell(const ism_sheet *sh, const ism_row *r, const ism_cell *c)
{
    FZ_CHECK(c->value != NULL);
    FZ_CHECK(ism_text_utf8_valid(c->value, strlen(c->value), NULL));
    FZ_CHECK(c->row == r->num);
    uint32_t row = 0, col = 0;
    FZ_CHECK(ism_cell_ref_parse(c->ref, &row, &col));
    FZ_CHECK(row == c->row && col == c->col);
    FZ_CHECK(ism_sheet_cell(sh, c->row, c->col) == c);
    const char *mv = ism_sheet_merged_value(sh, c->row, c->col);
    FZ_CHECK(mv != NULL);
}

/* Walks wb (may be NULL, then err must say why). */
static inline void fz_table_walk(const ism_workbook *wb, const ism_error *err)
{
    if (!wb) {
        FZ_CHECK(err->code != ISM_OK && err->message[0] != '\0');
        return;
    }
    for (size_t s = 0; s < wb->nsheets; s++) {
        const ism_sheet *sh = &wb->sheets[s];
        FZ_CHECK(sh->name != NULL);
        FZ_CHECK(ism_text_utf8_valid(sh->name, strlen(sh->name), NULL));
        uint32_t prev_row = 0;
        for (size_t i = 0; i < sh->nrows; i++) {
            const ism_row *r = &sh->rows[i];
            FZ_CHECK(r->num > prev_row);
            prev_row = r->num;
            FZ_CHECK(ism_sheet_row(sh, r->num) == r);
            uint32_t prev_col = 0;
            for (size_t j = 0; j < r->ncells; j++) {
                FZ_CHECK(r->cells[j].col > prev_col);
                prev_col = r->cells[j].col;
                fz_check_cell(sh, r, &r->cells[j]);
            }
        }
        for (size_t m = 0; m < sh->nmerges; m++) {
            const ism_merge *g = &sh->merges[m];
            FZ_CHECK(g->first_row <= g->last_row && g->first_col <= g->last_col);
            (void)ism_sheet_merged_cell(sh, g->last_row, g->last_col);
        }
    }
}

#endif
