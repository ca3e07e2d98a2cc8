/* fuzz_common.h — what the libFuzzer targets in tests/fuzz share: a scratch directory that is
 * removed at exit, quiet logging, and the catalogs and a store opened once per process. */
#ifndef ISM_FUZZ_COMMON_H
#define ISM_FUZZ_COMMON_H

#include "ismap/catalog.h"
#include "ismap/core.h"
#include "ismap/store.h"

#include <stddef.h>
#include <stdint.h>

/* The per-process scratch directory (on /dev/shm when there is one, so the store is in memory),
 * created on first use and removed at exit. Borrowed. */
const char *fz_dir(void);

/* Logs only errors, to stderr: the targets would otherwise print a line per input. */
void fz_quiet(void);

/* The catalogs from ISMAP_CATALOG_DIR or the source tree, loaded once (NULL + message on
 * failure, which aborts the target: fuzzing without them would test nothing). Borrowed. */
struct ism_catalog_set *fz_catalogs(void);

/* A store in fz_dir() with every room's schema, opened once. Borrowed. */
ism_store *fz_store(void);

/* Writes data to fz_dir()/name and returns the path (malloc'd, caller frees). Aborts on I/O
 * failure: that is the harness's fault, not the input's. */
char *fz_write(const char *name, const uint8_t *data, size_t len);

#endif
