/* evfix.h — the fixture the evidence tests share: a store with the evidence room's tables in a
 * fresh temp directory, and the subject the importers attach evidence to. */
#ifndef ISMAP_EVFIX_H
#define ISMAP_EVFIX_H

#include "ismap/store.h"

#include <stddef.h>

/* Opens a fresh store for DIR (tu_store_location: a SQLite file in DIR, or a new PostgreSQL
 * database when ISMAP_TEST_PG_URL is set) with the evidence schema; fails the running Check
 * test on error. */
ism_store *tu_evidence_store(const char *dir);
/* Creates the service 住民記録クラウド of はまなすクラウド株式会社 (with service_name when not
 * NULL) and copies its id into id (size cap). Fails the running Check test on error. */
void tu_evidence_subject(ism_store *st, const char *service_name, char *id, size_t cap);

/* The project's catalogs (ISM_SOURCE_DIR/catalog), or NULL after printing why on stderr.
 * Caller frees with ism_catalog_free. */
struct ism_catalog_set *tu_catalogs(void);
/* Every row of the evidence room's tables (evidence, ismap_list, subjects) as text, one per
 * line in a stable order: equal before and after a refused import means nothing was left
 * behind. Caller frees. */
char *tu_evidence_scan(ism_store *st);
/* The rows of one query (portable SQL, no parameters) as text: each row's columns as a JSON
 * array, rows sorted bytewise, each followed by ';'. Fails the running Check test when the
 * query fails. Caller frees. */
char *tu_evidence_dump(ism_store *st, const char *sql);

#endif
