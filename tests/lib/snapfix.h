/* snapfix.h — snapshot fixtures for the tests: a compact JSON description of a tenant
 * (manifest, resources, coverage) turned into a real, sealed snapshot file through the
 * snapshot room, plus small patches so a test can say "the base tenant, but with this one
 * setting wrong".
 *
 * Fixture:
 *   {"manifest": {"id", "provider", "created", "scope"},     all optional
 *    "defaults": {"account", "region"},                        for entries that omit them
 *    "resources": [{"account", "region", "type", "id", "arn", "service", "data"}],
 *    "coverage":  [{"account", "region", "service", "operation", "state", "reason"}]}
 * service defaults to the part of type before the dot. In coverage entries, account, region
 * and operation may be arrays: the entry stands for every combination.
 *
 * Patch (every key optional):
 *   {"resources": [...]}   added, or replacing those with the same account/region/type/id
 *   {"remove": [{"type", "id", "account"?, "region"?}]}
 *   {"set": [{"type", "id", "account"?, "region"?, "data": {"Dotted.Path.0.Key": value}}]}
 *           value null deletes the key; numeric segments index arrays
 *   {"coverage": [...]}    rows added, or replacing those with the same account/region/operation;
 *                          a row with "state": "absent" removes its match (never collected)
 * A remove or set that matches no resource is an error, so a patch cannot silently miss. */
#ifndef ISMAP_SNAPFIX_H
#define ISMAP_SNAPFIX_H

#include "ismap/core.h"

/* Reads a fixture or patch file; new reference, or NULL with err set. */
json_t *snapfix_read(const char *path, ism_error *err);
/* A deep copy (new reference) of the fixture at path, read once into cache (a JSON object:
 * path -> fixture, owned by the caller) on first use; NULL with err when it cannot be read. */
json_t *snapfix_read_cached(json_t *cache, const char *path, ism_error *err);
/* Applies patch (borrowed) to fixture in place. */
bool snapfix_patch(json_t *fixture, const json_t *patch, ism_error *err);
/* Writes fixture (borrowed) as a sealed snapshot at path, which must not exist. */
bool snapfix_build(const json_t *fixture, const char *path, ism_error *err);

#endif
