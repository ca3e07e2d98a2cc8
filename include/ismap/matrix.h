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

/* ---- the IPA benchmark self-assessment's answers (service/matrix/benchmark_store.c) --------
 * Their own schema component ("benchmark"): open the store with it beside ism_matrix_schema().
 * kind is "assessment" or "subject", target its id. */
const struct ism_store_schema *ism_benchmark_schema(void);
/* Saves answers [{question, value (1–5), note?}] in one transaction, replacing earlier answers
 * to the same questions; who and at (RFC 3339) are recorded on each. The caller checks the
 * question ids against the catalog first (ism_report_benchmark_check). */
bool ism_benchmark_save(struct ism_store *st, const char *kind, const char *target,
                        const json_t *answers, const char *who, const char *at, ism_error *err);
/* {question: {value, note, answered_by, answered_at}} of one target ({} when none). New
 * reference; NULL with ISM_E_IO. */
json_t *ism_benchmark_answers(struct ism_store *st, const char *kind, const char *target,
                              ism_error *err);

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
 * (coverage_b, from ism_findings_coverage); otherwise it is "not collected", with "why":
 * "account_not_collected" or "region_not_collected" (b's collection looked at nothing there:
 * the scope changed) or "check_not_examined" (it did, but this check examined nothing there).
 * coverage_b NULL: every such finding counts as resolved. */
json_t *ism_matrix_diff(const json_t *a, const json_t *b, const json_t *findings_a,
                        const json_t *findings_b, const json_t *coverage_b);
/* {"check|account|region": true} for every (check, account, region) an assessment's findings
 * examined (a pass or a fail; not-assessed and errors do not count). New reference. */
json_t *ism_findings_coverage(struct ism_store *st, const char *assessment, ism_error *err);

/* ---- the engagement: plan, working papers, report, follow-up (service/matrix/engagement*.c) ---
 * Kept in the store's "engagement" schema component (ism_engagement_schema). Every function
 * returning json_t* returns a new reference, or NULL with err set. `who` is the display name
 * of the caller (recorded as is). A guarded write (plan, draft) takes `expect`: the version the
 * caller read (-1: whatever is stored); another version, an approved plan or an issued report
 * is refused with ISM_E_CONFLICT saying which. */
const struct ism_store_schema *ism_engagement_schema(void);

/* The 監査実施計画書 of an assessment: {assessment, state: "draft"|"approved", version, plan,
 * updated, updated_by, approved, approved_by}; version 0 and an empty plan when none is
 * written yet. */
json_t *ism_plan_get(struct ism_store *st, const char *assessment, ism_error *err);
/* Stores plan (whole, as ism_plan_merge made it) as the next version; kept in the history. */
json_t *ism_plan_put(struct ism_store *st, const char *assessment, const json_t *plan, long expect,
                     const char *who, ism_error *err);
/* draft → approved: frozen from then on. ISM_E_CONFLICT when none is written or already
 * approved. */
json_t *ism_plan_approve(struct ism_store *st, const char *assessment, const char *who,
                         ism_error *err);
/* Every version and the approval, newest first: [{version, action, plan, at, by}]. */
json_t *ism_plan_history(struct ism_store *st, const char *assessment, ism_error *err);
/* Pure: base with patch applied field by field (null removes a field). The plan's fields:
 * title, purpose, theme, scope, auditee, method (strings), schedule [{phase, from, to, note}],
 * team [{name, role, organization}], frameworks [ids], items_note, standards [strings], notes
 * [texts]. Unknown fields and wrong types are ISM_E_INVALID_PARAMS naming the field. */
json_t *ism_plan_merge(const json_t *base, const json_t *patch, ism_error *err);

/* A working paper (監査調書) of one audit item, append-only: each add is the item's next
 * version. paper holds {procedures, materials: [...resolved by the caller], interviews:
 * [{interviewee, role, date, summary}], conclusion, result, date, internal, attachments:
 * [{sha256, name, size, media_type}]}; the row adds {id, assessment, catalog, item, version,
 * by, at}. */
json_t *ism_workpaper_add(struct ism_store *st, const char *assessment, const char *catalog,
                          const char *item, const json_t *paper, const char *who, ism_error *err);
/* The latest version of one item's paper; ISM_E_NOT_FOUND when there is none. */
json_t *ism_workpaper_latest(struct ism_store *st, const char *assessment, const char *catalog,
                             const char *item, ism_error *err);
/* The latest version of every item's paper, in the order they were first written. */
json_t *ism_workpaper_list(struct ism_store *st, const char *assessment, ism_error *err);
/* Every version of one item's paper, newest first. */
json_t *ism_workpaper_history(struct ism_store *st, const char *assessment, const char *catalog,
                              const char *item, ism_error *err);
/* Pure: the caller-writable fields of a paper (procedures, interviews, conclusion, result,
 * date, internal) merged as ism_plan_merge does. */
json_t *ism_workpaper_merge(const json_t *base, const json_t *patch, ism_error *err);

/* The 監査報告書 of an assessment: {assessment, state: "draft"|"issued", version, draft,
 * updated, updated_by, issued, issued_by, sha256, signature}; version 0 when none is written. */
json_t *ism_engagement_report_get(struct ism_store *st, const char *assessment, ism_error *err);
/* Stores the draft (whole) as the next version; refused once issued. */
json_t *ism_engagement_report_put(struct ism_store *st, const char *assessment, const json_t *draft,
                                  long expect, const char *who, ism_error *err);
/* Freezes the report: the issued body (the canonical JSON that was hashed), its SHA-256 and
 * signature, at `issued` (RFC 3339). ISM_E_CONFLICT when already issued. */
json_t *ism_engagement_report_issue(struct ism_store *st, const char *assessment,
                                    const json_t *draft, const char *body, const char *sha256,
                                    const char *signature, const char *issued, const char *who,
                                    ism_error *err);
/* The issued body, malloc'd (caller frees); ISM_E_NOT_FOUND when not issued. */
char *ism_engagement_report_body(struct ism_store *st, const char *assessment, ism_error *err);
/* Pure: the draft's fields — title, addressee, report_date, auditors, overall (総括),
 * commendable (評価できる事項), recommendations [{text, id, priority: urgent|general, catalog,
 * item, internal}], special_notes, redact_terms — merged as ism_plan_merge does. */
json_t *ism_report_draft_merge(const json_t *base, const json_t *patch, ism_error *err);

/* The assessment a follow-up looks back to: the newest earlier assessment of the same subject
 * and organization, one with an issued report preferred. malloc'd id, or NULL (none: err
 * untouched; a store error: err set). */
char *ism_assessment_previous(struct ism_store *st, const char *assessment, ism_error *err);
/* The 改善計画 of the 改善勧告 of an assessment's report: {rec id: {rec, owner, due, status,
 * note, updated, updated_by}}. */
json_t *ism_remediation_list(struct ism_store *st, const char *assessment, ism_error *err);
/* Sets owner, due (YYYY-MM-DD), status (open, in_progress, done, accepted) and note of one;
 * absent fields keep their value. Returns the row. */
json_t *ism_remediation_set(struct ism_store *st, const char *assessment, const char *rec,
                            const json_t *upd, const char *who, ism_error *err);

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
