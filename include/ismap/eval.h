/* eval.h — the eval room: loads the check definitions (checks/<provider>/NAME.json, each one SQL
 * query over a snapshot plus its metadata; format in checks/README.md) and runs them over a
 * snapshot, giving one finding per resource examined.
 *
 * Checks are data: no check logic lives in C. The room only validates the definitions at load
 * (shape, unique ids, catalog references, and that the SQL prepares against an empty snapshot
 * and returns the seven documented columns), and, at run time, replaces what the SQL said by
 * "not_assessed" wherever the snapshot's coverage shows the data a check needs was not read
 * (access denied, failed, or never collected) — a missing permission never becomes a pass.
 *
 * A loaded set is read-only: list, show and run may be called from many threads at once. */
#ifndef ISMAP_EVAL_H
#define ISMAP_EVAL_H

#include "ismap/core.h"
#include "ismap/snapshot.h"

struct ism_catalog_set; /* catalog.h */

typedef struct ism_eval_checks ism_eval_checks;

/* Loads every check in dir/<provider>/NAME.json and every shared view in
 * dir/<provider>/views/NAME.json. Any problem stops the load with ISM_E_INVALID_DATA; the message
 * names the file (and the field), and details carry {file, field}. References are resolved
 * with ism_catalog_has; catalogs may be NULL only where references cannot be checked (tools),
 * and the daemon always passes them. Caller frees with ism_eval_free. */
ism_eval_checks *ism_eval_load(const char *dir, struct ism_catalog_set *catalogs, ism_error *err);
void ism_eval_free(ism_eval_checks *cs);
const char *ism_eval_dir(const ism_eval_checks *cs);
size_t ism_eval_count(const ism_eval_checks *cs);

/* [{id, provider, severity, title, requires, refs, file}] sorted by id; provider NULL for all.
 * New reference. */
json_t *ism_eval_list(const ism_eval_checks *cs, const char *provider);
/* One check as written in its file, plus "file" and the query joined into one string.
 * NULL with ISM_E_NOT_FOUND when unknown. New reference. */
json_t *ism_eval_show(const ism_eval_checks *cs, const char *id, ism_error *err);

/* {id: {title: {ja, en}, severity, refs, remediation: {ja, en}}} for every check: what the
 * matrix room needs to connect findings to requirements and to say what to do. New reference. */
json_t *ism_eval_check_refs(const ism_eval_checks *cs);

/* The version of the loaded checks, for reports' provenance: {checks: n, sha256} where sha256
 * digests every check and view definition. New reference. */
json_t *ism_eval_version(const ism_eval_checks *cs);

/* ---- running ---------------------------------------------------------------------------- */
typedef enum ism_eval_status {
    ISM_EVAL_PASS = 0,
    ISM_EVAL_FAIL,
    ISM_EVAL_ERROR,        /* the check's SQL failed at run time; the message is the reason */
    ISM_EVAL_NOT_ASSESSED, /* the snapshot lacks what the check needs; reason says what */
    ISM_EVAL_STATUS_COUNT
} ism_eval_status;

/* "pass", "fail", "error", "not_assessed"; parse returns false for anything else. */
const char *ism_eval_status_name(ism_eval_status s);
bool ism_eval_status_parse(const char *name, ism_eval_status *out);

/* One finding. Every string is borrowed and valid only during the sink call; any may be NULL
 * except check, severity and reason. */
typedef struct ism_eval_finding {
    const char *check, *severity;
    const char *account, *region, *resource_type, *resource_id, *arn;
    ism_eval_status status;
    const char *reason;
} ism_eval_finding;

/* Receives findings one by one; return false to stop the run (it then fails with
 * ISM_E_CANCELLED). */
typedef bool (*ism_eval_sink)(void *ctx, const ism_eval_finding *f);

typedef struct ism_eval_options {
    const char *const *checks; /* ids to run; NULL: every check of the snapshot's provider */
    size_t nchecks;
    unsigned statuses;  /* which findings to deliver: bits (1u << ism_eval_status); 0 = all.
                         * Summaries always count every finding. */
    ism_eval_sink sink; /* when set, findings go to the sink and "findings" is left out of the
                         * result (for snapshots too large to hold as JSON). A check whose SQL
                         * fails midway has already delivered the findings before the failure;
                         * its error finding follows them */
    void *sink_ctx;
    size_t max_findings; /* without a sink: keep at most this many (0 = no limit); the result
                          * says "truncated" and the summary still counts them all */
} ism_eval_options;

/* Runs the selected checks (all when opt is NULL) over an open snapshot. Returns
 * {snapshot: {id, provider, created, state}, summary: {checks, check_status: {pass, fail,
 *  error, not_assessed, not_applicable}, findings: {pass, fail, error, not_assessed}, ms},
 *  checks: [{check, title, severity, status, counts: {...}, ms, error?}],
 *  findings: [{check, severity, account, region, resource_type, resource_id, arn, status,
 *  reason}], truncated}.
 * A check's status is error, else fail, else not_assessed, else pass, or not_applicable when
 * it examined nothing. A check whose SQL fails gives one "error" finding and the others still
 * run. Fails (NULL, err set) only when the snapshot cannot be read, an id is unknown
 * (ISM_E_NOT_FOUND), or the sink stopped it (ISM_E_CANCELLED). New reference. */
json_t *ism_eval_run(const ism_eval_checks *cs, ism_snapshot *snap, const ism_eval_options *opt,
                     ism_error *err);

#endif
