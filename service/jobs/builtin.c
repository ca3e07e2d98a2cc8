/* builtin.c — job kinds that belong to no other room: store backup and the queue self-test.
 *
 * diag.wait and diag.hold are an operator's diagnostics (admin only): each occupies a worker
 * for a given time, checkpointing every step, so an operator can see that workers, progress
 * events, cancel and resume-after-restart (diag.wait) or fail-as-interrupted (diag.hold) work
 * on a given installation without touching any data. */
#include "ismap/jobs.h"

#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool backup_check(const json_t *params, ism_error *err)
{
    const char *dest;
    if (!ism_json_str(params, "dest", true, &dest, err)) return false;
    if (dest[0] != '/')
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'dest' must be an absolute path");
    struct stat sb;
    if (stat(dest, &sb) == 0)
        return ism_error_set(err, ISM_E_CONFLICT, "%s already exists; choose a new file", dest);
    return true;
}

static bool backup_run(ism_job *job, const json_t *params, const json_t *cp, json_t **result,
                       ism_error *err)
{
    (void)cp;
    if (!backup_check(params, err)) return false;
    const char *dest = ism_json_getstr(params, "dest");
    ism_job_progress(job, 0.1, "writing backup", NULL);
    if (!ism_store_backup(ism_job_store(job), dest, err)) return false;
    size_t len = 0;
    char *buf = ism_read_file(dest, (size_t)1 << 34, &len, err);
    if (!buf) return false;
    char sha[65];
    ism_sha256_hex(buf, len, sha);
    free(buf);
    *result = json_pack("{s:s, s:I, s:s}", "dest", dest, "bytes", (json_int_t)len, "sha256", sha);
    return true;
}

static bool wait_check(const json_t *params, ism_error *err)
{
    json_int_t ms = 0;
    return ism_json_int(params, "ms", true, 1, 3600 * 1000, &ms, err);
}

static bool wait_run(ism_job *job, const json_t *params, const json_t *cp, json_t **result,
                     ism_error *err)
{
    json_int_t total = 0, done = 0;
    if (!ism_json_int(params, "ms", true, 1, 3600 * 1000, &total, err)) return false;
    if (cp) ism_json_int(cp, "done_ms", false, 0, total, &done, NULL);
    json_int_t resumed_at = done;
    while (done < total) {
        if (ism_job_should_stop(job))
            return ism_error_set(err, ISM_E_INTERRUPTED, "stopped at %lld of %lld ms",
                                 (long long)done, (long long)total);
        json_int_t step = total - done < 100 ? total - done : 100;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        done += step;
        json_t *c = json_pack("{s:I}", "done_ms", done);
        char msg[64];
        snprintf(msg, sizeof msg, "%lld of %lld ms", (long long)done, (long long)total);
        ism_job_progress(job, (double)done / (double)total, msg, c);
        json_decref(c);
    }
    *result = json_pack("{s:I, s:I}", "waited_ms", total, "resumed_at_ms", resumed_at);
    return true;
}

bool ism_jobs_register_builtin(ism_jobs *q, ism_error *err)
{
    static const ism_job_kind kinds[] = {
        {"store.backup", "consistent copy of the store to a new file", backup_run, backup_check,
         false, ISM_ROLE_ADMIN, NULL, NULL},
        {"diag.wait", "diagnostic: occupy a worker for ms milliseconds, checkpointing", wait_run,
         wait_check, true, ISM_ROLE_ADMIN, NULL, NULL},
        {"diag.hold", "diagnostic: as diag.wait, but a restart fails it as interrupted", wait_run,
         wait_check, false, ISM_ROLE_ADMIN, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!ism_jobs_register(q, &kinds[i], err)) return false;
    return true;
}
