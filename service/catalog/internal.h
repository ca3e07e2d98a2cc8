/* internal.h — the catalog room's shared state (not for other rooms). */
#ifndef ISMAP_CATALOG_INTERNAL_H
#define ISMAP_CATALOG_INTERNAL_H

#include "ismap/catalog.h"

#include <pthread.h>
#include <sqlite3.h>

struct ism_catalog_set {
    char *dir;
    sqlite3 *db;        /* in-memory; read-only after load */
    pthread_mutex_t mu; /* one connection, so one query at a time */
    /* Answers already assembled (query.c: items and item lists by their arguments), under mu:
     * the set is read-only while it lives, so they stay true; never handed out, only copies.
     * NULL until the first. */
    json_t *memo;
};

/* Column text or NULL. */
const char *cat_col(sqlite3_stmt *s, int i);
/* Parses a JSON column (NULL → json null). New reference. */
json_t *cat_col_json(sqlite3_stmt *s, int i);
/* {"ja": ..., "en": ...} from two nullable columns (members omitted when NULL). */
json_t *cat_lang(sqlite3_stmt *s, int ja, int en);
/* ism_catalog_items with the mutex already held. */
json_t *cat_items_locked(ism_catalog_set *cs, const char *cat, const char *cls, const char *profile,
                         ism_error *err);
bool cat_sql_error(ism_catalog_set *cs, ism_error *err, const char *what);

#endif
