/* report_doc_int.h — helpers the document-model builders share (internal to the report room):
 * blocks of the model in /docs/report-format.md ("The document model"), and text helpers. */
#ifndef ISMAP_REPORT_DOC_INT_H
#define ISMAP_REPORT_DOC_INT_H

#include "ismap/report.h"

/* Each returns a new block object. Strings are copied; NULL text becomes "". */
json_t *doc_heading(int level, const char *text);
json_t *doc_para(const char *text, const char *style); /* style NULL: normal */
json_t *doc_list(bool ordered, json_t *items);         /* items stolen (array of strings) */
json_t *doc_kv(json_t *rows);                          /* rows stolen ([[k, v], ...]) */
/* cols: "title:width|title:width|..."; rows stolen. */
json_t *doc_table(const char *cols, json_t *rows);
/* A row of n strings (NULL → ""). */
json_t *doc_row(int n, ...);

/* Appends "（未記入）" as a note when text is NULL or empty, else the text as a paragraph. */
void doc_text_or_blank(json_t *blocks, const char *text);

/* Framework id → its Japanese title (from ism_matrix_frameworks), or the id. Borrowed from
 * a static table built once. */
const char *doc_framework_title(const char *fw);

/* The 大項目 of a set of frameworks: [{framework, title, areas: [{area, title, count}]}]
 * from the catalogs (pure). New reference. */
json_t *doc_framework_areas(struct ism_catalog_set *cs, const json_t *frameworks);

/* A date "2026-12-05" as "2026年12月5日" into out[32] (the input as is when not a date). */
void doc_date_ja(const char *iso, char out[32]);

/* Sets the model's "created" (the PDF's date) from an RFC 3339 time or a bare date taken as
 * 00:00 in Japan; nothing when `when` is NULL or not a date. */
void doc_set_created(json_t *doc, const char *when);

#endif
