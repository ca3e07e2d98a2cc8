/* provider.h — the collect room's provider interface: what one cloud's collector (AWS, Azure,
 * Google Cloud, OCI) gives the rest of the product, so that adding a provider is adding its folder
 * service/collect/<name>/ with an info.c that defines `const ism_provider ism_provider_<name>`
 * (what it is: names, params, help) and a provider.c that defines `const ism_provider_ops
 * ism_provider_ops_<name>` (what it does). The build finds those folders and generates the two
 * tables (ism_providers, ism_provider_ops_of); nothing else names a provider. From the table come:
 *  - the job kind "collect.<name>" (service/collect/job.c): one collection into one snapshot file
 *    of the daemon's snapshots directory, resumable, registered, sealed and signed, whose result
 *    lists exactly what was not collected and why (and what to grant for a denied read);
 *  - the ops "collect.<name>" (start that job) and "collect.<name>.operations" (what the collector
 *    calls and the permission each needs), and "collect.providers" (this table, for UIs);
 *  - the op's JSON Schema (from the params table) and ismapctl's `collect <name>` with its flags
 *    and --help.
 *
 * Job params are names and choices only (profiles, scopes, regions, endpoint URLs): credentials
 * are read by the daemon from its own user's environment and files when the job runs, never sent,
 * logged or stored. Params of kind URL send signed requests to the host they name: only an admin
 * may set them, and only to a host the daemon's config lists (collect.endpoint_allow); plain
 * http:// only to loopback. */
#ifndef ISMAP_PROVIDER_H
#define ISMAP_PROVIDER_H

#include "ismap/core.h"

#include <stdint.h>

struct ism_snapshot;
struct ism_jobs;
struct ism_rpc_app;

/* ---- the job's params, as data ------------------------------------------------------------ */
typedef enum ism_pparam_kind {
    ISM_PPARAM_STRING = 1, /* a name: letters, digits and `chars` */
    ISM_PPARAM_LIST,       /* a list of such names: repeatable flag, commas split */
    ISM_PPARAM_BOOL,       /* a switch */
    ISM_PPARAM_URL,        /* an http(s):// endpoint override: admins only, endpoint_allow */
    ISM_PPARAM_PATH,       /* a file on the daemon's host (a key or config file): admins only,
                              and only over the local socket or from an admin token */
} ism_pparam_kind;

typedef struct ism_provider_param {
    const char *name; /* JSON field of the params: "subscriptions" */
    ism_pparam_kind kind;
    const char *flag;    /* ismapctl flag without dashes: "subscription" */
    const char *metavar; /* "ID" (NULL for a switch) */
    const char *help;    /* one line, English: --help and the op's schema */
    int min_len;         /* a string or each list item: 0 = 1 */
    int max_len;         /* 0 = 256 (URLs and paths: 2048) */
    int max_items;       /* a list: 0 = 64 */
    const char *chars;   /* characters allowed besides ASCII letters and digits; NULL: "-_." */
} ism_provider_param;

/* ---- one collection -------------------------------------------------------------------------- */
typedef struct ism_collect_progress {
    int scopes_done, scopes_total; /* accounts, subscriptions, projects, compartments */
    int units_done, units_total;   /* (scope, region, operation); an estimate until known */
    uint64_t calls, throttled, retries, errors;
    const char *message; /* "subscriptions 3/200, operations 120/9000, ..." */
} ism_collect_progress;

typedef struct ism_collect_stats {
    int scopes;             /* scopes collected or attempted */
    int scopes_not_entered; /* scopes the collector could not enter at all */
    int units_complete, units_denied, units_failed, units_not_enabled, units_skipped;
    int units_resumed; /* already in the snapshot when the run started */
    uint64_t calls;    /* HTTP attempts */
    uint64_t retries, throttled, tokens, throttle_limit_hits;
    int64_t ms;
    char principal[512]; /* who the collector was: an ARN, an app id, a service account */
} ism_collect_stats;

typedef struct ism_collect_run {
    const json_t *params;     /* checked with ism_provider_check_params */
    const char *job_id;       /* "job_..." */
    const char *session_name; /* "ismap-assess-<job>": a session or audit name to send */
    /* Called every second or so, after the snapshot's writes so far were committed. */
    void (*progress)(void *ctx, const ism_collect_progress *p);
    /* Polled often; true stops the collection (return false with ISM_E_INTERRUPTED), the
     * committed work kept for a resumed run. */
    bool (*should_stop)(void *ctx);
    void *ctx;
} ism_collect_run;

typedef struct ism_provider {
    const char *name;       /* "aws": folder, snapshot provider, job kind and ops */
    const char *title;      /* "AWS", "Microsoft Azure", "Google Cloud", "OCI" */
    const char *scope_noun; /* "account", "subscription", "project", "compartment" */
    const char *summary;    /* one line: the op's and the CLI command's summary */
    const char *examples;   /* ismapctl examples for --help, "  ismapctl collect aws --wait\n" */
    const ism_provider_param *params; /* terminated by {NULL} */
    const char *permission_title;     /* the operations list's permission column: "IAM ACTION" */
    /* The operation whose failure (logged in `calls` for the scope) means the scope could not be
     * entered at all — AWS's "AssumeRole" — or NULL. */
    const char *entry_operation;
} ism_provider;

/* What a provider does, apart from what it is: its functions, in service/collect/<name>/
 * provider.c as `const ism_provider_ops ism_provider_ops_<name>`, while the ism_provider above
 * (service/collect/<name>/info.c) is data only. A client that names the providers — ismapctl's
 * commands and help — links their descriptions without the collectors and the HTTP, XML and
 * store libraries they need (28 ms to 5 ms per ismapctl start). */
typedef struct ism_provider_ops {
    /* Checks beyond what the params table says (combinations, known names); may be NULL. */
    bool (*check)(const json_t *params, ism_error *err);
    /* At submit time, in the daemon: are there credentials at all? Fails early naming what is
     * missing, never a secret. May be NULL. */
    bool (*check_credentials)(const json_t *params, ism_error *err);
    /* Collects into snap (open for writing, still collecting), skipping every (scope, region,
     * operation) its coverage already holds. Writes the manifest's scope and principal; does not
     * seal. False when the collection could not run at all (no credentials, identity unknown) or
     * was stopped (ISM_E_INTERRUPTED); a denied or failed read is no error: it is in the
     * coverage (state denied/failed with the reason) and the calls table (error_code). */
    bool (*collect)(const ism_collect_run *run, struct ism_snapshot *snap, ism_collect_stats *st,
                    ism_error *err);
    /* What to grant for a denied read, into out: "ec2:DescribeVpcs",
     * "Microsoft.Storage/storageAccounts/read". NULL: "<service>:<operation>". */
    void (*grant)(const json_t *params, const char *scope, const char *service,
                  const char *operation, const char *reason, char *out, size_t n);
    /* The operations the collector calls: [{service, operation, permission, scope, type?,
     * parent?, paginated}] (scope "global", "regional", "per-resource" or the provider's own level:
     * "tenant", "subscription", …). New reference. */
    json_t *(*operations)(void);
} ism_provider_ops;

/* The providers the build found (service/collect/<name>/provider.c), by name. */
const ism_provider *const *ism_providers(size_t *n);
/* By name ("aws"); NULL when there is none. */
const ism_provider *ism_provider_find(const char *name);
/* The functions of a provider of ism_providers() (never NULL for one of them). */
const ism_provider_ops *ism_provider_ops_of(const ism_provider *p);

/* Checks params against the provider's table (unknown fields refused, types, lengths,
 * characters; URLs http(s) and plain http only to loopback) and then its own check. False with
 * ISM_E_INVALID_PARAMS naming the field. */
bool ism_provider_check_params(const ism_provider *p, const json_t *params, ism_error *err);
/* For a provider's own stop hook: asks run->should_stop (ctx is the ism_collect_run). */
bool ism_collect_run_should_stop(void *run);
/* A list param's names as a NULL-terminated array borrowing the JSON strings (free the array
 * only); NULL when `list` is no array (the param was not given). */
const char **ism_provider_names(const json_t *list);
/* JSON Schema of the params (additionalProperties false). New reference. */
json_t *ism_provider_params_schema(const ism_provider *p);
/* The provider's table as JSON for UIs: {name, title, scope_noun, summary, params: [{name, kind,
 * flag, metavar, help}]}. New reference. */
json_t *ism_provider_describe(const ism_provider *p);

/* May a collection be pointed at url? Only when its host is one of `allow` (NULL-terminated,
 * compared without case; "::1" matches "[::1]"). False with ISM_E_PERMISSION_DENIED (or
 * ISM_E_INVALID_PARAMS for a malformed URL) otherwise, an empty or NULL list included. */
bool ism_collect_endpoint_allowed(const char *url, const char *const *allow, ism_error *err);
/* Is url an http(s):// URL with a host and no user information, plain http only to loopback?
 * `field` names it in the error. */
bool ism_collect_endpoint_check(const char *url, const char *field, ism_error *err);

/* Registers the job kind "collect.<name>" of every provider. app (borrowed, must outlive the
 * queue) gives the store, the snapshots directory and the signer. The job writes
 * <snapshots_dir>/snap_<job>.db, registers it, seals and signs it; its result is {snapshot,
 * sha256, summary, complete, missing_total, missing: [{account, region, operation, state,
 * error_code, error, grant?}], stats}. */
bool ism_collect_register_jobs(struct ism_jobs *q, struct ism_rpc_app *app, ism_error *err);

/* ---- network zones and remote collectors ------------------------------------------------- */
/* A collection may be routed to a network zone: params.zone names it, and then only a remote
 * collector registered for that zone (ismapd --role collector) runs it, with its own
 * credentials; the central workers never do. Zone names: 1..64 letters, digits, "-_.". */
bool ism_collect_zone_check(const char *zone, ism_error *err);

struct ism_signer;
/* One collection run by a remote collector. */
typedef struct ism_collect_remote {
    const char *job_id;        /* the central job's id */
    const char *snapshot_id;   /* "snap_<job>" */
    const char *path;          /* the local snapshot file (created, or resumed when it exists) */
    struct ism_signer *signer; /* the collector's key (borrowed) */
    void (*progress)(void *ctx, const ism_collect_progress *p);
    bool (*should_stop)(void *ctx);
    void *ctx;
} ism_collect_remote;
/* Runs p's collection with params (no zone) into rc->path, seals it and signs its seal
 * statement with rc->signer. Returns the result as the collect job's ({snapshot, provider,
 * sha256, summary, complete, missing_total, missing, stats}; new reference) and the signature
 * in *sig_out (malloc'd), or NULL with err (ISM_E_INTERRUPTED when should_stop said so). */
json_t *ism_collect_run_sealed(const ism_provider *p, const json_t *params,
                               const ism_collect_remote *rc, char **sig_out, ism_error *err);

#endif
