/* pdf_internal.h — what the PDF renderer's files share inside the report room (not public). */
#ifndef ISM_REPORT_PDF_INTERNAL_H
#define ISM_REPORT_PDF_INTERNAL_H

#include "ismap/report.h"

#define PDF_MAX_COLUMNS 24 /* a wider table cannot be read on A4 portrait */

/* Validates a document model; false with ISM_E_INVALID_PARAMS naming the path. */
bool ism_pdf_model_check(const json_t *doc, ism_error *err);
/* Parses an RFC 3339 date-time; with out, writes cairo's CREATE_DATE form. */
bool ism_pdf_date(const char *s, char out[32]);

#endif
