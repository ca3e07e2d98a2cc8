/* matrix.h — the matrix room: assessments, auditor judgments, waivers (例外措置), and the
 * conformance matrix derived from them.
 *
 * The matrix is derived, never edited. For each requirement of the chosen frameworks it
 * computes one status from the inputs — check findings of the assessment's snapshots, the
 * evidence that bears on the requirement, the auditor's latest judgment, and active waivers —
 * by the rules in README.md ("How a requirement gets its status"), and says why: every status
 * carries its reasons. Changing an input (a judgment, a waiver, new evidence) and asking again
 * gives the new matrix. */
#ifndef ISMAP_MATRIX_H
#define ISMAP_MATRIX_H

#include "ismap/core.h"

struct ism_store;
struct ism_store_schema;
struct ism_catalog_set;

/* The statuses, in order of precedence when sources disagree (worst first). */
typedef enum ism_req_status {
    ISM_REQ_NOT_SATISFIED = 0, /* 不適合 */
    ISM_REQ_PARTIAL,           /* 一部適合 */
    ISM_REQ_EXPIRED,           /* 証跡期限切れ: the only evidence has expired or is stale */
    ISM_REQ_NOT_ASSESSED,      /* 未評価 */
    ISM_REQ_SATISFIED,         /* 適合 */
    ISM_REQ_NOT_APPLICABLE,    /* 対象外 (with reason) */
    ISM_REQ_WAIVED,            /* 例外措置 (until a date) */
    ISM_REQ_STATUS_COUNT
} ism_req_status;

/* "not_satisfied", "partial", "evidence_expired", "not_assessed", "satisfied",
 * "not_applicable", "waived"; and the Japanese labels 不適合, 一部適合, 証跡期限切れ, 未評価, 適合,
 * 対象外, 例外措置. */
const char *ism_req_status_name(ism_req_status s);
const char *ism_req_status_ja(ism_req_status s);
bool ism_req_status_parse(const char *name, ism_req_status *out);

/* The frameworks an assessment can cover, as (catalog, profile or class) selections:
 * ismap, ismap-must-meet, mic, mic-cloud-addon, mic-3.10, mic-alpha-prime (3.11), mic-beta
 * (3.12), mic-beta-prime (3.13), mic-wireless (3.14). [{id, title, catalog}]. */
json_t *ism_matrix_frameworks(void);
/* The requirements of one framework in document order: [{framework, catalog, item, parent,
 * class, title, text, must_meet}], re-listed (再掲) main items included for profiles. NULL with
 * ISM_E_INVALID_PARAMS for an unknown framework. New reference. */
json_t *ism_matrix_requirements(struct ism_catalog_set *cs, const char *framework, ism_error *err);

/* ---- the pure computation --------------------------------------------------------------- */
/* Everything the status rules look at, all borrowed:
 *  requirements: as from ism_matrix_requirements (one or several frameworks, concatenated)
 *  check_refs:   {check id: {"title": {"ja", "en"}, "severity": ..., "refs": {"mic-audit":
 *                 [...], "ismap": [...]}, "remediation": {"ja", "en"}}} (a plain string is
 *                 also accepted for title and remediation)
 *  findings:     {check id: {"pass": n, "fail": n, "not_assessed": n, "error": n,
 *                 "waived": n, "failing": [{account, region, resource_id, reason}] (a few),
 *                 "not_assessed_reason": "...", "fail_by_domain": {"mynumber": n,
 *                 "lgwan": n}}}   (fails already net of waived resources)
 *  support:      ism_evidence_support's result (may be NULL)
 *  judgments:    {"<catalog>:<item>": latest judgment row}
 *  waivers:      [active and expired waiver rows on requirements]
 *  today:        ISO date */
typedef struct ism_matrix_inputs {
    const json_t *requirements, *check_refs, *findings, *support, *judgments, *waivers;
    const char *today;
} ism_matrix_inputs;

/* {counts: {status: n}, counts_by_framework: {fw: {status: n}}, requirements: [{framework,
 * catalog, item, parent, class, title, must_meet, status, status_ja, derived_status,
 * until, rule (one sentence: the rule that decided the status), reasons: [{source:
 * "finding"|"evidence"|"judgment"|"waiver"|"rollup"|"rule"|"none", status, text, ...details}]}]}. A
 * finding reason carries the check's title in Japanese
 * ("title", English where no Japanese is given) and English ("title_en"), and, when the check
 * fails, its Japanese remediation ("remediation"). New reference. */
json_t *ism_matrix_compute(const ism_matrix_inputs *in);

/* ---- assessments, judgments, waivers in the store ----------------------------------------- */
const struct ism_store_schema *ism_matrix_schema(void);

/* Creates an assessment of subject (id) for frameworks (array of ids) over snapshots (array of
 * snapshot ids; may be empty) with evidence as of `as_of` (NULL: the creation date). meta holds
 * the report's header (監査目的, 監査範囲, ...; may be NULL). Returns the row. */
json_t *ism_assessment_create(struct ism_store *st, const char *org, const char *subject,
                              const char *name, const json_t *frameworks, const json_t *snapshots,
                              const char *as_of, const json_t *meta, const char *who,
                              ism_error *err);
json_t *ism_assessment_get(struct ism_store *st, const char *id, const char *org, ism_error *err);
json_t *ism_assessment_list(struct ism_store *st, const char *org, ism_error *err);
/* Sets the assessment's evaluation state: "pending" → "evaluating" → "ready" | "failed". */
bool ism_assessment_set_state(struct ism_store *st, const char *id, const char *state,
                              const char *reason, ism_error *err);

/* Replaces the stored findings of (assessment, snapshot) with those a sink receives; used by
 * the evaluation job. Begin, add rows, then end (commit) or abort. */
typedef struct ism_findings_writer ism_findings_writer;
ism_findings_writer *ism_findings_begin(struct ism_store *st, const char *assessment,
                                        const char *snapshot, ism_error *err);
bool ism_findings_add(ism_findings_writer *w, const char *check, const char *severity,
                      const char *account, const char *region, const char *resource_type,
                      const char *resource_id, const char *arn, const char *status,
                      const char *reason);
/* Records the network domain of the snapshot's accounts ({account: "mynumber" | "lgwan" |
 * {domain, basis}}), replacing what an earlier evaluation of the same snapshot recorded. */
bool ism_findings_set_domains(ism_findings_writer *w, const json_t *domains);
bool ism_findings_end(ism_findings_writer *w, bool commit, ism_error *err);
/* Findings of an assessment, filtered by status (NULL: all) and check (NULL: all), with any
 * waiver that covers each. */
json_t *ism_findings_list(struct ism_store *st, const char *assessment, const char *status,
                          const char *check, int limit, ism_error *err);
/* Filters of a page of findings; NULL or "" leaves a field unfiltered. domain: "mynumber" or
 * "lgwan" (the closed domain the evaluation recorded for the finding's account,
 * ism_findings_set_domains) or "internet" (an account of no recorded closed domain:
 * インターネット接続系 or not classified). */
typedef struct ism_findings_filter {
    const char *status, *check, *account, *region, *severity, *domain;
} ism_findings_filter;
/* One page of an assessment's findings: `limit` (<= 0: all) from `offset` in the list's total
 * order (worst first), filtered by f (NULL: none); each row also carries "domain" as the filter
 * reads it. *total (when not NULL) receives how many match the filters. New reference. */
json_t *ism_findings_page(struct ism_store *st, const char *assessment,
                          const ism_findings_filter *f, long offset, int limit, long *total,
                          ism_error *err);
/* What the findings of an assessment can be filtered by, with counts: {"account": {value: n},
 * "region", "check", "severity", "status", "domain"} (NULL values left out). New reference. */
json_t *ism_findings_facets(struct ism_store *st, const char *assessment, ism_error *err);
/* Whether any finding of check names resource (its id or ARN), in one assessment (NULL: any
 * of org's, "" org: any). What a resource waiver must refer to. */
bool ism_findings_has_resource(struct ism_store *st, const char *org, const char *assessment,
                               const char *check, const char *resource);
/* Per-check aggregates for ism_matrix_inputs.findings, with resource-level waivers applied,
 * and the failures counted by the network domain of their account (ism_findings_set_domains). */
json_t *ism_findings_aggregate(struct ism_store *st, const char *assessment, const char *today,
                               ism_error *err);

/* 監査結果 etc. for one requirement; append-only (the latest counts, all are kept).
 * j: {catalog, item, result: satisfied|partial|not_satisfied|not_applicable, examined,
 *     findings (指摘事項), improvement (改善案), reason}. */
json_t *ism_judgment_add(struct ism_store *st, const char *assessment, const json_t *j,
                         const char *who, ism_error *err);
/* {"<catalog>:<item>": latest} for the computation. */
json_t *ism_judgment_latest(struct ism_store *st, const char *assessment, ism_error *err);
/* Every judgment of an item, newest first (the history). */
json_t *ism_judgment_history(struct ism_store *st, const char *assessment, const char *catalog,
                             const char *item, ism_error *err);

/* A waiver's scope is a requirement (catalog + item), a check, or a check on one resource;
 * optionally limited to one assessment. w: {assessment?, catalog?, item?, check?, resource?,
 * justification, approver, ticket?, expires (ISO date)}. Expired waivers stop applying by
 * themselves; revoked ones at once. */
json_t *ism_waiver_add(struct ism_store *st, const char *org, const json_t *w, const char *who,
                       ism_error *err);
bool ism_waiver_revoke(struct ism_store *st, const char *id, const char *org, const char *who,
                       ism_error *err);
/* Waivers of an org ("" all), with "active": bool computed for today. */
json_t *ism_waiver_list(struct ism_store *st, const char *org, const char *assessment,
                        const char *today, ism_error *err);

/* ---- the whole thing ------------------------------------------------------------------------ */
/* Computes the matrix of an assessment now from the store (findings, judgments, waivers), the
 * catalogs, and what the caller brings from other rooms: check_refs (as above, from the eval
 * room) and support (ism_evidence_support for the assessment's subject and date; may be NULL).
 * Adds {assessment, subject, frameworks, as_of, generated}. */
json_t *ism_matrix_build(struct ism_store *st, struct ism_catalog_set *cs, const json_t *check_refs,
                         const json_t *support, const char *assessment, const char *org,
                         const char *today, ism_error *err);

/* ---- the materialized matrix ----------------------------------------------------------------- */
/* A digest of everything the matrix of an assessment depends on in the store (findings
 * generation, judgments, waivers incl. revocations, the assessment's state, the org) and of
 * `extra` (what the caller brings: evidence support, catalogs, checks, today). Any change to an
 * input changes the key. Malloc'd hex, or NULL with err. */
char *ism_matrix_inputs_key(struct ism_store *st, const char *assessment, const char *org,
                            const char *extra, ism_error *err);
/* The stored matrix of an assessment if it was computed from inputs with this key, else NULL.
 * New reference. */
json_t *ism_matrix_cache_get(struct ism_store *st, const char *assessment, const char *inputs);
/* Stores (replacing) the matrix computed from inputs with this key. */
bool ism_matrix_cache_put(struct ism_store *st, const char *assessment, const char *inputs,
                          const json_t *matrix, ism_error *err);

/* What changed between two matrices (from ism_matrix_build) and their failing findings:
 * {a, b, changed: [{framework, catalog, item, from, to}], findings_new: [...],
 *  findings_resolved: [...], findings_not_collected: [...]}. A finding failing in a and not in
 * b is resolved only when b's collection examined its check in its account and region
 * (coverage_b, from ism_findings_coverage); otherwise it is "not collected". coverage_b NULL:
 * every such finding counts as resolved. */
json_t *ism_matrix_diff(const json_t *a, const json_t *b, const json_t *findings_a,
                        const json_t *findings_b, const json_t *coverage_b);
/* {"check|account|region": true} for every (check, account, region) an assessment's findings
 * examined (a pass or a fail; not-assessed and errors do not count). New reference. */
json_t *ism_findings_coverage(struct ism_store *st, const char *assessment, ism_error *err);

/* ---- the evaluation job ---------------------------------------------------------------------- */
struct ism_jobs;
struct ism_eval_checks;
struct ism_signer;
/* Registers "assessment.evaluate" (params {assessment}): verifies each of the assessment's
 * snapshots (file hash and signature, with signer) and runs the checks over it, storing the
 * findings; the assessment's state goes pending → evaluating → ready | failed. A snapshot that
 * does not verify fails the job with ISM_E_INTEGRITY and nothing of it is evaluated. Idempotent,
 * so it is resumable: after a crash it runs again. signer is borrowed and must outlive jobs. */
bool ism_matrix_register_jobs(struct ism_jobs *jobs, struct ism_store *store,
                              const struct ism_eval_checks *checks, struct ism_signer *signer,
                              ism_error *err);

#endif
