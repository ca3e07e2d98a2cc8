/* fuzz_common.c — the scratch directory, logging, catalogs and store the fuzz targets share
 * (see fuzz_common.h). Everything is made once per process and torn down at exit. */
#include "fuzz_common.h"

#include "ismap/evidence.h"
#include "ismap/matrix.h"
#include "ismap/snapshot.h"

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static ism_store *store;
static ism_catalog_set *cats;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    ism_store_close(store);
    store = NULL;
    ism_catalog_free(cats);
    cats = NULL;
    if (dir[0]) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_dir(void)
{
    if (dir[0]) return dir;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ismfuzz.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(cleanup);
    return dir;
}

void fz_quiet(void)
{
    ism_log_open(NULL, ISM_LOG_ERROR, NULL);
}

ism_catalog_set *fz_catalogs(void)
{
    if (cats) return cats;
    const char *d = getenv("ISMAP_CATALOG_DIR");
    ism_error e = {0};
    /* The built index from ISMAP_CATALOG_CACHE when run.sh names one: building it costs seconds
     * (far more under ASan on a busy machine), all inside the first input's time. */
    cats = ism_catalog_load_cached(d && *d ? d : ISM_CATALOG_SOURCE_DIR,
                                   getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    if (!cats) {
        fprintf(stderr, "fuzz: catalogs: %s\n", e.message);
        abort();
    }
    return cats;
}

ism_store *fz_store(void)
{
    if (store) return store;
    char path[320];
    snprintf(path, sizeof path, "%s/ismap.db", fz_dir());
    const ism_store_schema rooms[] = {*ism_snapshot_schema(), *ism_evidence_schema(),
                                      *ism_matrix_schema(), *ism_benchmark_schema()};
    ism_error e = {0};
    store = ism_store_open_with(path, rooms, (int)(sizeof rooms / sizeof rooms[0]), &e);
    if (!store) {
        fprintf(stderr, "fuzz: store: %s\n", e.message);
        abort();
    }
    return store;
}

char *fz_write(const char *name, const uint8_t *data, size_t len)
{
    char *path = ism_strdupf("%s/%s", fz_dir(), name);
    FILE *f = fopen(path, "wb");
    bool ok = f && (!len || fwrite(data, 1, len, f) == len);
    if ((f && fclose(f) != 0) || !ok) {
        perror(path);
        abort();
    }
    return path;
}
