/* fuzz_snapshot.c — libFuzzer target for the snapshot reader: arbitrary bytes written as a
 * snapshot file and opened read-only as an auditor's copy would be (ism_snapshot_open), then
 * its manifest, summary and coverage read. A file that is not a snapshot must be refused with
 * a message; one that opens must be readable without crashing whatever its tables hold. */
#include "fuzz_common.h"

#include "ismap/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static bool init;
    if (!init) fz_quiet(), init = true;
    char *path = fz_write("snap.db", data, len);
    ism_error e = {0};
    ism_snapshot *s = ism_snapshot_open(path, false, &e);
    if (!s) {
        if (e.code == ISM_OK || !e.message[0]) {
            fprintf(stderr, "fuzz: snapshot refused without saying why\n");
            abort();
        }
    } else {
        static const char *const keys[] = {"format", "id",      "provider", "state",
                                           "scope",  "created", "sealed",   "tool"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            (void)ism_snapshot_manifest(s, keys[i]);
        json_t *sum = ism_snapshot_summary(s);
        json_decref(sum);
        free(ism_snapshot_coverage(s, "123456789012", "ap-northeast-1", "DescribeInstances"));
        ism_snapshot_close(s);
    }
    ism_error_clear(&e);
    char side[400];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    unlink(path);
    free(path);
    return 0;
}
