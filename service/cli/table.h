/* table.h — prints JSON arrays of objects as aligned text tables (East Asian width aware). */
#ifndef ISMAP_CLI_TABLE_H
#define ISMAP_CLI_TABLE_H

#include <jansson.h>
#include <stdio.h>

typedef struct cli_col {
    const char *key;    /* member of each row object; dotted paths not supported */
    const char *header; /* column title */
    int max_width;      /* 0: unlimited; longer cells are cut with "…" */
} cli_col;

/* Prints rows (array of objects) under headers; missing/null members print as "-". */
void cli_table(FILE *fp, const json_t *rows, const cli_col *cols, int ncols);
/* Prints an object as "key: value" lines, keys padded; nested values as compact JSON. */
void cli_kv(FILE *fp, const json_t *obj);
/* Display width of a UTF-8 string in terminal columns. */
int cli_width(const char *s);

#endif
