/* internal.h — what the eval room's files share: the loaded checks and views, and the coverage
 * scopes a run judges "not assessed". Not for other rooms. */
#ifndef ISMAP_EVAL_INTERNAL_H
#define ISMAP_EVAL_INTERNAL_H

#include "ismap/eval.h"

/* One entry of a check's "requires": an operation the check's data comes from. global: the
 * operation is read once per account (coverage region "global"), not once per region. */
typedef struct eval_req {
    char *service, *operation;
    bool global;
} eval_req;

typedef struct eval_check {
    char *id, *provider, *severity, *file;
    char *query;   /* the SQL, lines joined */
    json_t *def;   /* the definition as written, for show */
    json_t *title; /* borrowed from def */
    eval_req *reqs;
    size_t nreqs;
} eval_check;

/* A shared view (checks/<provider>/views/NAME.json), created as a TEMP VIEW on the snapshot's
 * connection before the checks run, so several checks can use one definition. */
typedef struct eval_view {
    char *name, *provider, *file, *query;
    json_t *def;
} eval_view;

struct ism_eval_checks {
    char *dir;
    eval_check *checks; /* sorted by id */
    size_t n;
    eval_view *views; /* in creation order: by provider, then file name */
    size_t nviews;
};

/* The seven columns every check's query returns, in this order. */
extern const char *const eval_columns[7];

/* views.c: creates (replacing) every view on db, or drops them again. probe: also run each
 * view once (at load, over the empty snapshot) so a view that fails at run time is refused. */
bool eval_views_create(const ism_eval_checks *cs, sqlite3 *db, bool probe, ism_error *err);
void eval_views_drop(const ism_eval_checks *cs, sqlite3 *db);

/* ---- scopes (scope.c) --------------------------------------------------------------------
 * A scope is an (account, region) the snapshot covers; region "global" for once-per-account
 * operations. For one check, a gap is a scope where one of its required operations was not
 * read: denied, failed or never recorded (not_assessed), or out of the collection's scope
 * (skipped: the check says nothing there). */
typedef struct eval_coverage eval_coverage;

/* Reads the snapshot's coverage table and manifest scope once per run. */
eval_coverage *eval_coverage_load(sqlite3 *db, const char *provider, ism_error *err);
void eval_coverage_free(eval_coverage *cov);

typedef enum { GAP_NOT_ASSESSED = 1, GAP_SKIPPED } eval_gap_kind;

typedef struct eval_gap {
    char *account, *region;
    eval_gap_kind kind;
    char *reason; /* for not_assessed */
} eval_gap;

typedef struct eval_gaps {
    eval_gap *v; /* sorted by (account, region) */
    size_t n;
} eval_gaps;

/* The gaps of one check, merged over its requirements (the first reason of a scope is kept,
 * and the others are appended). */
void eval_gaps_compute(const eval_coverage *cov, const eval_check *c, eval_gaps *out);
void eval_gaps_free(eval_gaps *g);
/* The gap that covers a finding in (account, region): the account's global gap first, then
 * the region's own; NULL when the check was fully read there. */
const eval_gap *eval_gaps_find(const eval_gaps *g, const char *account, const char *region);

#endif
