/* catalog.h — the catalog room: loads the catalog and crosswalk files (catalog/NAME.json), answers
 * lookups, Japanese full-text search, transitive mappings, and exports OSCAL.
 *
 * The catalogs are data generated from the source documents (see catalog/FORMAT.md); the
 * daemon loads them once at start into an in-memory SQLite database with an FTS5 trigram
 * index, and they are read-only afterwards. All functions are thread-safe. */
#ifndef ISMAP_CATALOG_H
#define ISMAP_CATALOG_H

#include "ismap/core.h"

typedef struct ism_catalog_set ism_catalog_set;

/* Loads and validates every *.json in dir, and dir/search-synonyms.tsv when present. A damaged
 * file stops the load with ISM_E_INVALID_DATA naming the file and the entry (item id, map row,
 * or line). Caller frees with ism_catalog_free. */
ism_catalog_set *ism_catalog_load(const char *dir, ism_error *err);
/* The same, with the built index kept in cache_dir (created, 0700) as catalog-<digest>.db: the
 * digest covers every file of dir (names and bytes), the SQLite version and the running program
 * (size and modification time), so a changed catalog or a rebuilt program builds afresh. A hit
 * reads that file instead of building (no validation is skipped: the file was written after a
 * load of the same bytes that passed it); a miss loads as ism_catalog_load and writes it (a
 * temporary renamed into place). cache_dir NULL or "", or a folder that cannot be made: plain
 * ism_catalog_load. *hit (may be NULL) says whether the index came from the cache. Caller frees
 * with ism_catalog_free. */
ism_catalog_set *ism_catalog_load_cached(const char *dir, const char *cache_dir, bool *hit,
                                         ism_error *err);
void ism_catalog_free(ism_catalog_set *cs);
const char *ism_catalog_dir(const ism_catalog_set *cs);

/* [{id, kind, title, publisher, revisions, counts, items, maps, source_catalog,
 *   target_catalog, file}] for catalogs and crosswalks; new reference. */
json_t *ism_catalog_list(ism_catalog_set *cs);
/* How many catalogs and crosswalks are loaded (the length of ism_catalog_list, without
 * reading their documents). */
size_t ism_catalog_count(ism_catalog_set *cs);

/* Whether catalog `cat` has item `id`. */
bool ism_catalog_has(ism_catalog_set *cs, const char *cat, const char *id);

/* One item with its context: {catalog, id, parent, class, level, title, text, props, source,
 * ancestors:[{id,title}], children:[ids], profiles:[ids], mappings:[{crosswalk, direction,
 * catalog, item, relationship, rationale, method, confidence, via}]}. NULL + ISM_E_NOT_FOUND
 * when the catalog or item is unknown. New reference. */
json_t *ism_catalog_item(ism_catalog_set *cs, const char *cat, const char *id, ism_error *err);

/* Full-text search over ids, titles, texts, prose props (procedure, notes, evidence, ...) and
 * the titles of the item's ancestors (Japanese works: trigram index, and a scan for terms
 * shorter than three characters). Every query word must match; a word, or a run of words,
 * listed in the catalog folder's search-synonyms.tsv matches any term of its group. cat may
 * be NULL for all catalogs. [{catalog, id, class, title, snippet}] best first, at most limit
 * rows; new reference, or NULL with ISM_E_INVALID_PARAMS for an empty query. */
json_t *ism_catalog_search(ism_catalog_set *cs, const char *query, const char *cat, int limit,
                           ism_error *err);

/* Everything an item maps to through the crosswalks, transitively up to max_depth steps, in
 * both directions of each crosswalk. When the item itself has no mappings, its nearest
 * ancestor's are used and the result says so. {catalog, id, inherited_from, results:
 * [{catalog, item, relationship, confidence, depth, chain:[{crosswalk, from, to,
 * relationship, rationale, method}]}]}. */
json_t *ism_catalog_map(ism_catalog_set *cs, const char *cat, const char *id, int max_depth,
                        ism_error *err);

/* The items of a catalog (optionally one class and/or one profile), in document order:
 * [{id, parent, class, level, title, text, props}]. */
json_t *ism_catalog_items(ism_catalog_set *cs, const char *cat, const char *cls,
                          const char *profile, ism_error *err);

/* One profile of a catalog as written in its file: {id, title, items, refs, notes}, or NULL with
 * ISM_E_NOT_FOUND. New reference. */
json_t *ism_catalog_profile(ism_catalog_set *cs, const char *cat, const char *profile,
                            ism_error *err);

/* OSCAL 1.2.1: a catalog as {"catalog": ...}; a crosswalk as {"mapping-collection": ...}.
 * UUIDs are derived from the content, so the same catalog exports the same document. */
json_t *ism_catalog_export_oscal(ism_catalog_set *cs, const char *id, ism_error *err);

#endif
