/* collector.c — one AWS collection: accounts (one, or an organization's members through
 * AssumeRole), their enabled regions, and every operation of the table in each, written into a
 * snapshot as it goes.
 *
 * The unit of work and of record is (account, region, operation): a "unit". A unit starts when
 * its account has credentials, its region is known and its parent operation is done; it issues
 * one call (then its next pages), or one per resource of its parent; when its last call ends it
 * writes its coverage row — complete, denied, failed, not_enabled or skipped, with the reason.
 * Coverage rows are committed with the resources they describe, so after a crash a resumed run
 * treats every unit that has a row as done, and reads the account list, the regions and the
 * parents' resources back from the snapshot instead of asking AWS again.
 *
 * Everything runs on one thread around one HTTP engine. Calls wait in a queue per token bucket —
 * per (account, region, service), seeded with AWS's published rates — (pages and per-resource
 * calls first, so accounts finish and their state can be dropped). A bucket with queued calls is
 * either due or waiting for its next token; the due ones are served the one with the most work
 * queued at its rate first (ism_rate_sched: the long pole of the collection never waits behind
 * hundreds of short ones), one call per token actually there (nothing is booked ahead), at most
 * a window's worth in the engine.
 * Every attempt pays: the first with the token it was fed with, each retry through the engine's
 * admit hook, which waits for a fresh token (retries waiting are served before new calls). The
 * buckets adapt like the AWS SDKs' adaptive mode (ism_rate_bucket), fed by the classifier that
 * sees every attempt. The engine's tick hook wakes sleeping buckets and due polls while calls
 * are in flight. The engine's callbacks parse, extract, record and queue what follows. */
#include "../internal.h"
#include "ismap/aws.h"
#include "ismap/snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { U_IDLE, U_WAIT, U_RUN, U_DONE, U_NA };
/* Coverage states, in increasing badness (a unit keeps the worst it met); skipped apart. */
enum { C_COMPLETE, C_NOT_ENABLED, C_DENIED, C_FAILED, C_SKIPPED, C_NONE };
static const char *const cov_names[] = {"complete", "not_enabled", "denied", "failed", "skipped"};

#define MAX_REASONS 5
#define DEFAULT_HOME "ap-northeast-1"

typedef struct col col;
typedef struct acct acct;

typedef struct unit {
    acct *a;
    int region, op;
    unsigned char state, cov;
    int outstanding; /* its calls queued or in flight */
    int resources, bad, polls;
    ism_cbuf why;
} unit;

struct acct {
    col *c;
    char id[32];
    ism_aws_source *src;
    bool own_src;
    char **regions; /* [0] = "global" */
    bool *disabled; /* a requested region the account has not enabled */
    unit **rows;    /* rows[region][op] */
    int nregions;
    int left; /* applicable units not done */
    bool ready, regions_known, done;
};

typedef enum { T_OP, T_WHOAMI, T_ASSUME } task_kind;

typedef struct task {
    struct task *next;
    col *c;
    task_kind kind;
    acct *a;
    unit *u;
    const ism_aws_op *op;
    char *rid, *rregion; /* per-resource: the resource and its region */
    char *token;         /* the page's */
    json_t *acc;         /* per-resource paged: the list so far */
    int page;
    int64_t not_before;
    int bucket;          /* index in col.bk, -1 until queued */
    bool prepaid;        /* the first attempt's token was taken when it was fed */
    bool retry_waiting;  /* a retry waiting in the engine for a token */
    ism_aws_source *src; /* whose credentials sign */
    unsigned gen;
    char sign_region[64];
    char started[32];
} task;

struct col {
    const ism_aws_collect_opts *o;
    ism_snapshot *snap;
    ism_aws_collect_stats *st;
    ism_http_engine *eng;
    ism_http_config hc;
    const ism_aws_op *ops;
    size_t nops;
    int *parent;             /* per op: its parent's index, or -1 */
    unsigned char *in_scope; /* per op */
    ism_aws_profile prof;
    ism_aws_source *base;
    ism_aws_sts_config sts;
    char home[64];
    char **explicit_regions;
    int nexplicit;
    acct **accts;
    int naccts, cap;
    acct *mgmt;
    json_t *had; /* coverage already in the snapshot: "account|region|op" → state */
    ism_aws_xcache xcache;
    json_t *bk_index; /* "account/region/service" → index in bk */
    struct bucket *bk;
    int nbk, capbk;
    ism_rate_sched sched; /* the buckets with calls queued: which sends next */
    int queued;           /* tasks in bucket queues */
    task *delayed;
    int outstanding, window;
    int units_done, accounts_done, accounts_not_entered, n_global, n_regional;
    int64_t t0, last_tick, last_progress;
    bool stopping, failed;
    ism_error fatal;
};

/* AWS's published rates where there are some, per (account, region, service): EC2's Describe*
 * bucket of 100 refilled at 20/s; IAM 20 burst and 10/s per account (the figure measured by
 * AWS-like emulators and reported for IAM's undocumented limit); CloudTrail's 10 TPS for its
 * management APIs; CloudWatch Logs DescribeLogGroups 5 TPS; KMS's 100/s for its List* APIs
 * (held at 50); conservative guesses elsewhere (STS allows 600/s per account; 50 keeps an
 * organization's AssumeRoles from crowding the caller out; Organizations' ListAccounts is
 * throttled well below IAM). tests/emulator/faults.c holds the same table. */
static const struct {
    const char *service;
    double burst, rate;
} limits[] = {
    {"ec2", 100, 20},      {"iam", 20, 10},        {"sts", 100, 50}, {"organizations", 10, 5},
    {"s3", 100, 50},       {"cloudtrail", 20, 10}, {"kms", 50, 25},  {"config", 20, 10},
    {"guardduty", 20, 10}, {"backup", 20, 10},     {"logs", 5, 5},
};

typedef struct bucket {
    ism_rate_bucket rb;
    task *head, *tail;   /* queued calls, in order */
    int nq;              /* how many */
    int retries_waiting; /* retries in the engine waiting for one of its tokens */
    /* where its time went (ism_aws_bucket_report): engine-clock ms */
    int64_t first_ms, last_ms, busy_since, idle_ms, behind_ms, full_ms;
    double rate_loss_ms, min_rate, tokens_after; /* tokens_after: left by the last take */
    uint64_t throttled;
} bucket;

static void unit_try(unit *u);
static void unit_finish(unit *u);
static void bucket_feedback(col *c, const task *t, bool throttled);
static void bucket_took(bucket *b, int64_t now, double tokens_before);
static int bucket_of(col *c, const task *t);
static void bucket_schedule(col *c, int i, int64_t now);
static void acct_start(acct *a);
static void feed(col *c);

/* ---- small helpers --------------------------------------------------------------------- */
static const ism_aws_op *op_of(const unit *u)
{
    return &u->a->c->ops[u->op];
}

static bool op_is(const ism_aws_op *op, const char *service, const char *name)
{
    return strcmp(op->service, service) == 0 && strcmp(op->name, name) == 0;
}

static int op_index(col *c, const char *service, const char *name)
{
    for (size_t i = 0; i < c->nops; i++)
        if (op_is(&c->ops[i], service, name)) return (int)i;
    return -1;
}

static void fail_fatal(col *c, const ism_error *e)
{
    if (c->failed) return;
    c->failed = true;
    ism_error_set(&c->fatal, e->code ? e->code : ISM_E_INTERNAL, "%s", e->message);
    ism_http_cancel(c->eng);
}

/* Applicable: global operations in row 0, regional ones in the others, per-resource ones where
 * their parent is; AssumeRole is account set-up, not a unit. */
static bool applicable(col *c, int op, int region)
{
    const ism_aws_op *o = &c->ops[op];
    if (op_is(o, "sts", "AssumeRole")) return false;
    if (o->scope == ISM_AWS_SCOPE_PER_RESOURCE) return applicable(c, c->parent[op], region);
    return (o->scope == ISM_AWS_SCOPE_GLOBAL) == (region == 0);
}

static int had_state(col *c, const char *account, const char *region, const char *op)
{
    char key[256];
    snprintf(key, sizeof key, "%s|%s|%s", account, region, op);
    json_t *v = json_object_get(c->had, key);
    return v ? (int)json_integer_value(v) : C_NONE;
}

static bool put_coverage(col *c, const char *account, const char *region, const ism_aws_op *op,
                         int cov, const char *reason)
{
    ism_error e = {0};
    if (!ism_snapshot_put_coverage(c->snap, "aws", account, region, op->service, op->name,
                                   cov_names[cov], reason, &e)) {
        fail_fatal(c, &e);
        ism_error_clear(&e);
        return false;
    }
    return true;
}

/* ---- the queue ---------------------------------------------------------------------------- */
static task *task_new(col *c, task_kind kind, acct *a, unit *u, const ism_aws_op *op)
{
    task *t = calloc(1, sizeof *t);
    if (!t) abort(); /* the collection cannot continue without memory */
    t->c = c;
    t->kind = kind;
    t->a = a;
    t->u = u;
    t->op = op;
    t->src = a ? a->src : c->base;
    t->bucket = -1;
    if (u) u->outstanding++;
    return t;
}

static void task_free(task *t)
{
    free(t->rid);
    free(t->rregion);
    free(t->token);
    json_decref(t->acc);
    free(t);
}

/* Queues t in its bucket (in front: pages, per-resource calls and polls go first). */
static void push(col *c, task *t, bool front)
{
    if (t->bucket < 0) t->bucket = bucket_of(c, t);
    bucket *b = &c->bk[t->bucket];
    if (front) {
        t->next = b->head;
        b->head = t;
        if (!b->tail) b->tail = t;
    } else {
        t->next = NULL;
        if (b->tail)
            b->tail->next = t;
        else
            b->head = t;
        b->tail = t;
    }
    c->queued++;
    b->nq++;
    int64_t now = ism_http_now(c->eng);
    if (!b->head->next) { /* it had nothing queued until now */
        if (b->first_ms >= 0 && b->busy_since < 0) b->idle_ms += now - b->last_ms;
        b->busy_since = now;
    }
    bucket_schedule(c, t->bucket, now);
}

static void push_delayed(col *c, task *t)
{
    task **pp = &c->delayed;
    while (*pp && (*pp)->not_before <= t->not_before)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
}

/* ---- recording --------------------------------------------------------------------------- */
static const char *call_region(const task *t)
{
    if (t->rregion) return t->rregion;
    if (t->u) return t->u->a->regions[t->u->region];
    return "global";
}

static void record_call(col *c, const task *t, const ism_http_result *r, const char *status,
                        const char *code, const char *message)
{
    char msg[1100];
    ism_strlcpy(msg, message ? message : "", sizeof msg);
    ism_aws_redact(msg);
    ism_call call = {.provider = "aws",
                     .account = t->a ? t->a->id : "",
                     .region = call_region(t),
                     .service = t->op->service,
                     .operation = t->op->name,
                     .status = status,
                     .http_status = (int)r->status,
                     .attempts = r->attempts,
                     .latency_ms = (long)r->latency_ms,
                     .error_code = code && *code ? code : NULL,
                     .error_message = msg[0] ? msg : NULL,
                     .request_id = r->request_id && *r->request_id ? r->request_id : NULL,
                     .started = t->started};
    ism_error e = {0};
    if (!ism_snapshot_put_call(c->snap, &call, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
}

/* A renewal the credential source made on its own: logged like every other call. */
static void observe_sts(void *ctx, const ism_aws_source *s, const ism_http_result *r)
{
    (void)s;
    acct *a = ctx;
    task t = {.c = a->c, .a = a, .op = ism_aws_op_find("sts", "AssumeRole")};
    ism_now_iso(t.started);
    a->c->st->credential_refreshes++;
    record_call(a->c, &t, r, r->cls == ISM_HTTP_OK ? "ok" : "failed", NULL,
                r->cls == ISM_HTTP_OK ? NULL : r->err.message);
}

/* ---- units ------------------------------------------------------------------------------- */
static void unit_note(unit *u, int cov, const char *resource, const char *reason)
{
    if (u->cov == C_NONE || u->cov == C_SKIPPED || cov > u->cov) u->cov = (unsigned char)cov;
    if (cov == C_COMPLETE) return;
    if (++u->bad > MAX_REASONS) return;
    if (u->why.n) ism_cbuf_adds(&u->why, "; ");
    if (resource) ism_cbuf_addf(&u->why, "%s: ", resource);
    ism_cbuf_adds(&u->why, reason);
}

static unit *unit_at(acct *a, int region, int op)
{
    return region < a->nregions ? &a->rows[region][op] : NULL;
}

static void acct_check_done(acct *a)
{
    col *c = a->c;
    if (a->done || a->left > 0 || !a->regions_known) return;
    a->done = true;
    c->accounts_done++;
}

static void org_accounts(col *c);
static void acct_regions(acct *a);

/* What a finished unit unlocks: the organization's accounts, an account's regions, and the
 * operations that wait for this one. */
static void after_unit(unit *u)
{
    acct *a = u->a;
    col *c = a->c;
    const ism_aws_op *op = op_of(u);
    if (op_is(op, "organizations", "ListAccounts") && a == c->mgmt && c->o->org) org_accounts(c);
    if (op_is(op, "ec2", "DescribeRegions")) acct_regions(a);
    for (size_t i = 0; i < c->nops; i++)
        if (c->parent[i] == u->op) {
            unit *child = unit_at(a, u->region, (int)i);
            if (child && child->state == U_WAIT) unit_try(child);
        }
}

static void unit_close(unit *u)
{
    acct *a = u->a;
    col *c = a->c;
    u->state = U_DONE;
    c->units_done++;
    ism_cbuf_free(&u->why);
    after_unit(u);
    a->left--;
    acct_check_done(a);
}

static void count_state(col *c, int cov)
{
    int *n[] = {&c->st->units_complete, &c->st->units_not_enabled, &c->st->units_denied,
                &c->st->units_failed, &c->st->units_skipped};
    if (cov < C_NONE) (*n[cov])++;
}

static void unit_finish(unit *u)
{
    acct *a = u->a;
    char *reason = NULL;
    if (u->bad) {
        const char *more = u->bad > MAX_REASONS ? "; ..." : "";
        reason = u->resources ? ism_strdupf("%d of %d resources: %s%s", u->bad, u->resources,
                                            u->why.p ? u->why.p : "", more)
                              : ism_strdupf("%s%s", u->why.p ? u->why.p : "", more);
        if (reason) ism_aws_redact(reason);
    }
    if (u->cov == C_NONE) u->cov = C_COMPLETE;
    put_coverage(a->c, a->id, a->regions[u->region], op_of(u), u->cov, reason);
    count_state(a->c, u->cov);
    free(reason);
    unit_close(u);
}

static void unit_finish_with(unit *u, int cov, const char *reason)
{
    u->cov = (unsigned char)cov;
    if (reason) {
        u->bad = 1;
        ism_cbuf_free(&u->why);
        ism_cbuf_adds(&u->why, reason);
    }
    unit_finish(u);
}

static task *op_task(unit *u, const char *rid, const char *rregion)
{
    acct *a = u->a;
    task *t = task_new(a->c, T_OP, a, u, op_of(u));
    t->rid = rid ? strdup(rid) : NULL;
    t->rregion = rregion ? strdup(rregion) : NULL;
    t->page = 1;
    if (rid && op_of(u)->in_token) t->acc = json_array();
    return t;
}

/* One call per resource the parent wrote: in this region, or — for a global parent (S3's
 * buckets) — in whichever region each is filed under. */
static void start_per_resource(unit *u)
{
    acct *a = u->a;
    col *c = a->c;
    const ism_aws_op *parent = &c->ops[c->parent[u->op]];
    bool any_region = u->region == 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT id, region FROM resources WHERE provider='aws' AND account=?1 "
                           "AND type=?2 AND (?4 OR region=?3) ORDER BY region, id",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, parent->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, a->regions[u->region], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, any_region);
        while (sqlite3_step(st) == SQLITE_ROW) {
            u->resources++;
            push(c,
                 op_task(u, (const char *)sqlite3_column_text(st, 0),
                         (const char *)sqlite3_column_text(st, 1)),
                 true);
        }
    }
    sqlite3_finalize(st);
    if (u->outstanding == 0) unit_finish(u);
}

/* Why a unit cannot run: its parent's coverage. not_enabled and skipped pass down as they are;
 * a denied or failed parent leaves the child failed, saying so. */
static bool blocked_by_parent(unit *u)
{
    col *c = u->a->c;
    int p = c->parent[u->op];
    if (p < 0) return false;
    unit *pu = unit_at(u->a, u->region, p);
    if (pu->state != U_DONE) {
        u->state = U_WAIT;
        return true;
    }
    if (pu->cov == C_COMPLETE) return false;
    if (pu->cov == C_NOT_ENABLED || pu->cov == C_SKIPPED) {
        unit_finish_with(u, pu->cov, pu->cov == C_SKIPPED ? "out of scope" : "not enabled");
        return true;
    }
    char why[256];
    snprintf(why, sizeof why, "not collected: it needs %s, which was %s", c->ops[p].name,
             cov_names[pu->cov]);
    unit_finish_with(u, C_FAILED, why);
    return true;
}

static void unit_try(unit *u)
{
    acct *a = u->a;
    col *c = a->c;
    if ((u->state != U_IDLE && u->state != U_WAIT) || c->failed) return;
    const ism_aws_op *op = op_of(u);
    int prev = had_state(c, a->id, a->regions[u->region], op->name);
    if (prev != C_NONE) { /* done before a restart */
        u->cov = (unsigned char)prev;
        c->st->units_resumed++;
        unit_close(u);
        return;
    }
    if (!c->in_scope[u->op]) {
        unit_finish_with(u, C_SKIPPED, "service not in the collection's scope");
        return;
    }
    if (op_is(op, "organizations", "ListAccounts") && a != c->mgmt) {
        unit_finish_with(u, C_SKIPPED, "called in the management account only");
        return;
    }
    if (a->disabled[u->region]) {
        char why[160];
        snprintf(why, sizeof why, "region %s is not enabled in account %s", a->regions[u->region],
                 a->id);
        unit_finish_with(u, C_NOT_ENABLED, why);
        return;
    }
    if (blocked_by_parent(u)) return;
    u->state = U_RUN;
    u->cov = C_NONE;
    if (op->scope == ISM_AWS_SCOPE_PER_RESOURCE)
        start_per_resource(u);
    else
        push(c, op_task(u, NULL, NULL), false);
}

/* ---- accounts and regions ---------------------------------------------------------------- */
static void add_region(acct *a, const char *name, bool disabled)
{
    col *c = a->c;
    int r = a->nregions++;
    a->regions = realloc(a->regions, (size_t)a->nregions * sizeof *a->regions);
    a->disabled = realloc(a->disabled, (size_t)a->nregions * sizeof *a->disabled);
    a->rows = realloc(a->rows, (size_t)a->nregions * sizeof *a->rows);
    if (!a->regions || !a->disabled || !a->rows) abort();
    a->regions[r] = strdup(name);
    a->disabled[r] = disabled;
    a->rows[r] = calloc(c->nops, sizeof(unit));
    if (!a->rows[r] || !a->regions[r]) abort();
    for (size_t i = 0; i < c->nops; i++) {
        unit *u = &a->rows[r][i];
        u->a = a;
        u->region = r;
        u->op = (int)i;
        u->cov = C_NONE;
        u->state = applicable(c, (int)i, r) ? U_IDLE : U_NA;
        if (u->state == U_IDLE) a->left++;
    }
}

static acct *acct_new(col *c, const char *id, ism_aws_source *src, bool own)
{
    acct *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->c = c;
    ism_strlcpy(a->id, id, sizeof a->id);
    a->src = src;
    a->own_src = own;
    if (own) ism_aws_source_observe(src, observe_sts, a);
    add_region(a, "global", false);
    if (c->naccts == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->accts = realloc(c->accts, (size_t)c->cap * sizeof *c->accts);
        if (!c->accts) abort();
    }
    c->accts[c->naccts++] = a;
    return a;
}

static void acct_free(acct *a)
{
    for (int r = 0; r < a->nregions; r++) {
        for (size_t i = 0; i < a->c->nops; i++)
            ism_cbuf_free(&a->rows[r][i].why);
        free(a->rows[r]);
        free(a->regions[r]);
    }
    free(a->rows);
    free(a->regions);
    free(a->disabled);
    if (a->own_src) ism_aws_source_free(a->src);
    free(a);
}

static void run_row(acct *a, int r)
{
    for (size_t i = 0; i < a->c->nops && !a->c->failed; i++)
        if (a->rows[r][i].state == U_IDLE) unit_try(&a->rows[r][i]);
}

static void acct_ready(acct *a)
{
    a->ready = true;
    run_row(a, 0);
}

static bool has_str(char **v, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0) return true;
    return false;
}

/* The regions DescribeRegions wrote for the account (opted-in or not needing it). */
static int enabled_regions(col *c, acct *a, char ***out)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    *out = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT id FROM resources WHERE provider='aws' AND account=? AND "
                           "type='ec2.Region' AND coalesce(json_extract(data,'$.OptInStatus'),"
                           "'') <> 'not-opted-in' ORDER BY id",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            *out = realloc(*out, (size_t)(n + 1) * sizeof **out);
            (*out)[n++] = strdup((const char *)sqlite3_column_text(st, 0));
        }
    }
    sqlite3_finalize(st);
    return n;
}

/* Once DescribeRegions is done: the requested regions (those not enabled become not_enabled
 * rows), or every enabled one, or — when the list could not be read — the home region. */
static void acct_regions(acct *a)
{
    col *c = a->c;
    if (a->regions_known) return;
    unit *dr = unit_at(a, 0, op_index(c, "ec2", "DescribeRegions"));
    char **en = NULL;
    int nen = dr->cov == C_COMPLETE ? enabled_regions(c, a, &en) : 0;
    bool known = dr->cov == C_COMPLETE;
    int first = a->nregions;
    if (c->nexplicit) {
        for (int i = 0; i < c->nexplicit; i++)
            add_region(a, c->explicit_regions[i],
                       known && !has_str(en, nen, c->explicit_regions[i]));
    } else if (known) {
        for (int i = 0; i < nen; i++)
            add_region(a, en[i], false);
    } else {
        ism_log(ISM_LOG_WARN, "collect.aws.regions",
                "account %s: the enabled regions are unknown (DescribeRegions %s); collecting "
                "the home region %s only",
                a->id, cov_names[dr->cov], c->home);
        add_region(a, c->home, false);
    }
    for (int i = 0; i < nen; i++)
        free(en[i]);
    free(en);
    a->regions_known = true;
    for (int r = first; r < a->nregions && a->ready; r++)
        run_row(a, r);
}

/* The account could not be entered: every unit it has gets the same answer. The regions are the
 * requested ones, or "*" (every region) when they were to be discovered inside it. */
static void acct_give_up(acct *a, int cov, const char *reason)
{
    col *c = a->c;
    if (!a->regions_known) {
        if (c->nexplicit)
            for (int i = 0; i < c->nexplicit; i++)
                add_region(a, c->explicit_regions[i], false);
        else
            add_region(a, "*", false);
        a->regions_known = true;
    }
    char why[1500];
    snprintf(why, sizeof why, "not collected: %.1450s", reason);
    for (int r = 0; r < a->nregions; r++)
        for (size_t i = 0; i < c->nops; i++) {
            unit *u = &a->rows[r][i];
            if (u->state != U_IDLE && u->state != U_WAIT) continue;
            int prev = had_state(c, a->id, a->regions[r], c->ops[i].name);
            if (prev != C_NONE) {
                u->cov = (unsigned char)prev;
                unit_close(u);
            } else {
                unit_finish_with(u, cov, why);
            }
        }
    acct_check_done(a);
}

/* Nothing left to do in this account? (Then a resumed run need not even assume its role.) */
static bool acct_needs_work(acct *a)
{
    col *c = a->c;
    for (size_t i = 0; i < c->nops; i++)
        if (applicable(c, (int)i, 0) && had_state(c, a->id, "global", c->ops[i].name) == C_NONE)
            return true;
    char **en = NULL;
    int nen = enabled_regions(c, a, &en);
    bool need = false;
    for (int r = 0; r < (c->nexplicit ? c->nexplicit : nen) && !need; r++) {
        const char *rn = c->nexplicit ? c->explicit_regions[r] : en[r];
        for (size_t i = 0; i < c->nops && !need; i++)
            need = applicable(c, (int)i, 1) && had_state(c, a->id, rn, c->ops[i].name) == C_NONE;
    }
    for (int i = 0; i < nen; i++)
        free(en[i]);
    free(en);
    return need;
}

static void acct_start(acct *a)
{
    col *c = a->c;
    /* Members are entered by AssumeRole; the caller's own account needs nothing more. */
    if (!a->own_src || !acct_needs_work(a)) {
        acct_ready(a);
        return;
    }
    task *t = task_new(c, T_ASSUME, a, NULL, ism_aws_op_find("sts", "AssumeRole"));
    t->src = ism_aws_source_parent(a->src);
    push(c, t, false);
}

/* ListAccounts is done: every ACTIVE member gets its role assumed (the management account is
 * already being collected with the caller's own credentials). */
static void org_accounts(col *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT id, coalesce(json_extract(data,'$.Status'),'') FROM resources "
                           "WHERE provider='aws' AND account=? AND type='organizations.Account' "
                           "ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, c->mgmt->id, -1, SQLITE_STATIC);
    const ism_aws_op *assume = ism_aws_op_find("sts", "AssumeRole");
    int n = 0;
    acct **fresh = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        if (strcmp(id, c->mgmt->id) == 0) continue;
        if (strcmp(status, "ACTIVE") != 0) {
            if (had_state(c, id, "global", "AssumeRole") == C_NONE) {
                char why[128];
                snprintf(why, sizeof why, "account status is %s", status);
                put_coverage(c, id, "global", assume, C_SKIPPED, why);
            }
            continue;
        }
        char arn[700];
        ism_aws_role_arn_for(c->o->role_name, id, arn, sizeof arn);
        ism_aws_role_hop hop = {
            .role_arn = arn,
            .external_id = (char *)c->o->external_id,
            .session_name = (char *)(c->o->session_name ? c->o->session_name : "ismap-assess")};
        ism_aws_source *src = ism_aws_source_role(c->base, false, &hop, &c->sts);
        fresh = realloc(fresh, (size_t)(n + 1) * sizeof *fresh);
        fresh[n++] = acct_new(c, id, src, true);
    }
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++)
        acct_start(fresh[i]);
    free(fresh);
}

/* ---- engine callbacks ----------------------------------------------------------------------- */
static bool sign_cb(ism_http_attempt *at, void *arg, ism_error *err)
{
    task *t = arg;
    ism_aws_credentials cr;
    if (!ism_aws_source_get(t->src, &cr, &t->gen, err)) {
        ism_aws_redact(err->message);
        return false;
    }
    ism_aws_signer s = {.region = t->sign_region, .service = t->op->service, .creds = cr};
    return ism_aws_http_sign(at, &s, err);
}

/* EC2 says RequestExpired where the others say ExpiredToken. */
static bool expired_code(const char *code)
{
    return ism_aws_code_in(code, "ExpiredToken,ExpiredTokenException,TokenRefreshRequired,"
                                 "RequestExpired");
}

/* AWS's throttling and transient codes, plus: an expired session token is renewed (the next
 * attempt's signer assumes the role again) and the call retried. */
static ism_http_class classify_cb(const ism_http_result *res, ism_http_class dflt, void *arg)
{
    task *t = arg;
    ism_http_class cls = dflt;
    ism_aws_error_info info;
    if (dflt != ISM_HTTP_OK && res->status != 0 &&
        ism_aws_parse_error(t->op->protocol, res->status, res->headers, res->body, res->body_len,
                            &info)) {
        if (expired_code(info.code) && ism_aws_source_role_arn(t->src)) {
            ism_aws_source_invalidate(t->src, t->gen);
            cls = ISM_HTTP_SERVER_ERROR;
        } else if (ism_aws_is_throttle_code(info.code)) {
            cls = ISM_HTTP_THROTTLED;
        } else if (ism_aws_is_transient_code(info.code)) {
            cls = ISM_HTTP_SERVER_ERROR;
        }
    }
    if (res->status != 0) bucket_feedback(t->c, t, cls == ISM_HTTP_THROTTLED);
    return cls;
}

/* Every attempt takes a token: the first was taken when it was fed, a retry takes its own. */
static int64_t admit_cb(int attempt, int64_t now, void *arg)
{
    task *t = arg;
    bucket *b = &t->c->bk[t->bucket];
    (void)attempt;
    if (t->prepaid) {
        t->prepaid = false;
        return 0;
    }
    int64_t wait = 0;
    if (ism_rate_bucket_take(&b->rb, now, &wait)) {
        bucket_took(b, now, b->rb.tokens + 1.0);
        if (t->retry_waiting) {
            b->retries_waiting--;
            bucket_schedule(t->c, t->bucket, now); /* new calls may go sooner now */
        }
        t->retry_waiting = false;
        return 0;
    }
    if (!t->retry_waiting) b->retries_waiting++;
    t->retry_waiting = true;
    return wait;
}

typedef struct outcome {
    int cov;    /* C_NONE: fine */
    bool again; /* poll */
    const char *status;
    char code[128];
    char msg[1100];
} outcome;

/* An error answer (or none): what it means for the unit. */
static void judge_error(task *t, ism_http_result *r, outcome *o)
{
    const ism_aws_op *op = t->op;
    ism_aws_error_info info;
    if (r->status == 0) {
        o->cov = C_FAILED;
        o->status = "failed";
        snprintf(o->msg, sizeof o->msg, "%s after %d attempts: %s", ism_http_class_name(r->cls),
                 r->attempts, r->err.message);
        return;
    }
    ism_aws_parse_error(op->protocol, r->status, r->headers, r->body, r->body_len, &info);
    ism_strlcpy(o->code, info.code, sizeof o->code);
    ism_strlcpy(o->msg, info.message, sizeof o->msg);
    o->status = "failed";
    if (ism_aws_code_in(info.code, op->poll_codes)) {
        o->status = "ok";
        o->again = true;
    } else if (ism_aws_code_in(info.code, op->none_codes)) {
        o->status = "ok";
    } else if (ism_aws_is_denied_code(info.code) || (r->status == 403 && !info.code[0])) {
        o->cov = C_DENIED;
        o->status = "denied";
    } else if (ism_aws_is_not_enabled_code(info.code)) {
        o->cov = C_NOT_ENABLED;
    } else {
        o->cov = C_FAILED;
        if (r->cls == ISM_HTTP_THROTTLED) o->status = "throttled";
    }
}

static void reason_of(const task *t, const ism_http_result *r, const outcome *o, char *out,
                      size_t n)
{
    if (r->cls == ISM_HTTP_THROTTLED)
        snprintf(out, n, "throttled after %d attempts: %.127s: %.900s", r->attempts, o->code,
                 o->msg);
    else if (r->cls == ISM_HTTP_SERVER_ERROR && r->attempts > 1)
        snprintf(out, n, "HTTP %ld after %d attempts: %.127s%s%.900s", r->status, r->attempts,
                 o->code, o->code[0] ? ": " : "", o->msg);
    else if (o->code[0])
        snprintf(out, n, "%.127s: %.900s", o->code, o->msg);
    else
        snprintf(out, n, "%.1000s", o->msg);
    (void)t;
    ism_aws_redact(out);
}

static void schedule_poll(task *t)
{
    col *c = t->c;
    unit *u = t->u;
    int limit = c->o->report_polls > 0 ? c->o->report_polls : 12;
    if (u->polls >= limit) {
        char why[160];
        snprintf(why, sizeof why, "%s: not ready after %d polls", t->op->name, u->polls);
        unit_note(u, C_FAILED, t->rid, why);
        return;
    }
    int base = c->o->report_poll_ms > 0 ? c->o->report_poll_ms : 500;
    int64_t delay = (int64_t)base << (u->polls < 4 ? u->polls : 4);
    u->polls++;
    task *n = op_task(u, t->rid, t->rregion);
    n->not_before = ism_http_now(c->eng) + delay;
    push_delayed(c, n);
}

/* A successful answer: parse, type, extract; then the next page, a poll, or nothing. */
static void take_answer(task *t, ism_http_result *r, outcome *o)
{
    col *c = t->c;
    const ism_aws_op *op = t->op;
    ism_error e = {0};
    json_t *parsed = ism_aws_parse_response(op->protocol, r->body, r->body_len, NULL, &e);
    json_t *out = parsed ? ism_aws_typed_output(op, parsed) : NULL;
    char *next = NULL;
    ism_error pe = {0}; /* a page that says "more" but gives no token: keep it, then fail */
    bool paging_ok = !out || !op->in_token || ism_aws_page_next(out, op->paging, &next, &pe);
    ism_aws_xresult xr = ISM_AWS_X_ERROR;
    if (out) {
        ism_aws_xctx x = {.snap = c->snap,
                          .op = op,
                          .account = t->a->id,
                          .region = t->a->regions[t->u->region],
                          .resource = t->rid,
                          .resource_region = t->rregion,
                          .acc = t->acc,
                          .last_page = !next,
                          .cache = &c->xcache};
        xr = op->extract(&x, out, &e);
    }
    if (xr != ISM_AWS_X_ERROR && !paging_ok) {
        xr = ISM_AWS_X_ERROR;
        ism_error_set(&e, pe.code, "%s", pe.message);
    }
    ism_error_clear(&pe);
    if (xr == ISM_AWS_X_ERROR) {
        o->cov = C_FAILED;
        o->status = "failed";
        snprintf(o->msg, sizeof o->msg, "page %d: %s", t->page, e.message);
        if (e.code == ISM_E_IO) fail_fatal(c, &e);
    } else if (xr == ISM_AWS_X_AGAIN) {
        o->again = true;
    } else if (next) {
        task *n = op_task(t->u, t->rid, t->rregion);
        n->token = next;
        next = NULL;
        n->page = t->page + 1;
        json_decref(n->acc);
        n->acc = json_incref(t->acc);
        push(c, n, true);
    }
    free(next);
    json_decref(out);
    json_decref(parsed);
    ism_error_clear(&e);
}

static void op_done(task *t, ism_http_result *r)
{
    outcome o = {.cov = C_NONE, .status = "ok"};
    if (r->cls == ISM_HTTP_OK)
        take_answer(t, r, &o);
    else
        judge_error(t, r, &o);
    record_call(t->c, t, r, o.status, o.code, o.cov == C_NONE ? NULL : o.msg);
    if (o.cov == C_NONE && !o.again && r->cls != ISM_HTTP_OK) {
        ism_aws_xctx x = {.snap = t->c->snap,
                          .op = t->op,
                          .account = t->a->id,
                          .region = t->a->regions[t->u->region],
                          .resource = t->rid,
                          .resource_region = t->rregion};
        ism_error e = {0};
        if (!ism_aws_x_none_configured(&x, o.code, o.msg, &e)) fail_fatal(t->c, &e);
        ism_error_clear(&e);
    }
    if (o.again) schedule_poll(t);
    if (o.cov != C_NONE) {
        char why[1200];
        if (r->cls == ISM_HTTP_OK)
            ism_strlcpy(why, o.msg, sizeof why);
        else
            reason_of(t, r, &o, why, sizeof why);
        unit_note(t->u, o.cov, t->rid, why);
    }
}

static void whoami_done(task *t, ism_http_result *r)
{
    col *c = t->c;
    ism_error e = {0};
    json_t *parsed = NULL, *out = NULL;
    const char *account = NULL;
    if (r->cls == ISM_HTTP_OK) {
        parsed = ism_aws_parse_response(ISM_AWS_QUERY, r->body, r->body_len, NULL, &e);
        out = parsed ? ism_aws_typed_output(t->op, parsed) : NULL;
        account = ism_json_getstr(out, "Account");
    }
    if (!account) {
        ism_aws_error_info info = {0};
        /* No HTTP status: nothing answered (connection refused, DNS, TLS); the transport's
         * own error says so, not "unparseable response: HTTP 0". */
        if (r->cls != ISM_HTTP_OK && r->status != 0)
            ism_aws_parse_error(ISM_AWS_QUERY, r->status, r->headers, r->body, r->body_len, &info);
        ism_error fe = {0};
        ism_error_set(&fe, ISM_E_UPSTREAM,
                      "cannot tell who the credentials belong to (sts:GetCallerIdentity with %s): "
                      "%s%s%s",
                      c->prof.source, info.code, info.code[0] ? ": " : "",
                      r->cls == ISM_HTTP_OK ? e.message
                      : info.message[0]     ? info.message
                                            : r->err.message);
        ism_aws_redact(fe.message);
        record_call(c, t, r, "failed", info.code, fe.message);
        fail_fatal(c, &fe);
        ism_error_clear(&fe);
    } else {
        acct *m = c->mgmt = acct_new(c, account, c->base, false);
        t->a = m;
        record_call(c, t, r, "ok", NULL, NULL);
        snprintf(c->st->principal, sizeof c->st->principal, "%s",
                 ism_json_getstr(out, "Arn") ? ism_json_getstr(out, "Arn") : "");
        json_t *p = json_pack("{s:s?, s:s?, s:s?, s:s, s:s}", "Account", account, "Arn",
                              ism_json_getstr(out, "Arn"), "UserId", ism_json_getstr(out, "UserId"),
                              "credentials", c->prof.source, "profile", c->prof.name);
        char *ps = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
        ism_snapshot_set_manifest(c->snap, "principal", ps, NULL);
        free(ps);
        json_decref(p);
        /* This answer is the management account's own GetCallerIdentity. */
        unit *u = unit_at(m, 0, op_index(c, "sts", "GetCallerIdentity"));
        if (had_state(c, account, "global", "GetCallerIdentity") == C_NONE) {
            ism_aws_xctx x = {.snap = c->snap, .op = t->op, .account = account, .region = "global"};
            if (ism_aws_x_single(&x, out, &e) != ISM_AWS_X_OK) fail_fatal(c, &e);
            u->state = U_RUN;
            unit_finish(u);
        }
        acct_start(m);
    }
    json_decref(out);
    json_decref(parsed);
    ism_error_clear(&e);
}

static void assume_done(task *t, ism_http_result *r)
{
    col *c = t->c;
    acct *a = t->a;
    const char *arn = ism_aws_source_role_arn(a->src);
    ism_error e = {0};
    bool ok = false;
    if (r->cls == ISM_HTTP_OK) {
        json_t *parsed = ism_aws_parse_response(ISM_AWS_QUERY, r->body, r->body_len, NULL, &e);
        json_t *out = parsed ? ism_aws_typed_output(t->op, parsed) : NULL;
        ok = out && ism_aws_source_set_assumed(a->src, out, &e);
        json_decref(out);
        json_decref(parsed);
    }
    if (ok) {
        record_call(c, t, r, "ok", NULL, NULL);
        if (had_state(c, a->id, "global", "AssumeRole") == C_NONE)
            put_coverage(c, a->id, "global", t->op, C_COMPLETE, NULL);
        acct_ready(a);
    } else {
        outcome o = {.cov = C_FAILED, .status = "failed"};
        if (r->cls == ISM_HTTP_OK)
            snprintf(o.msg, sizeof o.msg, "%s", e.message);
        else
            judge_error(t, r, &o);
        if (o.cov == C_NONE) o.cov = C_FAILED;
        char why[1200], full[1400];
        reason_of(t, r, &o, why, sizeof why);
        record_call(c, t, r, o.status, o.code, why);
        snprintf(full, sizeof full, "could not assume %s: %s", arn, why);
        c->accounts_not_entered++;
        ism_log(ISM_LOG_WARN, "collect.aws.assume", "account %s not entered: %s", a->id, full);
        put_coverage(c, a->id, "global", t->op, o.cov, full);
        acct_give_up(a, o.cov, full);
    }
    ism_error_clear(&e);
}

static void tick(col *c, bool force);

static void done_cb(ism_http_result *r, void *arg)
{
    task *t = arg;
    col *c = t->c;
    int64_t began = ism_mono_ms();
    c->outstanding--;
    if (t->retry_waiting) {
        c->bk[t->bucket].retries_waiting--;
        bucket_schedule(c, t->bucket, ism_http_now(c->eng));
    }
    t->retry_waiting = false;
    if (r->err.code == ISM_E_CANCELLED || c->failed) {
        /* Stopped: nothing recorded, the unit stays open and a resumed run redoes it. */
        if (t->u) t->u->outstanding--;
        task_free(t);
        return;
    }
    if (t->kind == T_WHOAMI)
        whoami_done(t, r);
    else if (t->kind == T_ASSUME)
        assume_done(t, r);
    else
        op_done(t, r);
    unit *u = t->u;
    task_free(t);
    if (u && --u->outstanding == 0 && u->state == U_RUN) unit_finish(u);
    c->st->callback_ms += ism_mono_ms() - began;
    tick(c, false);
    feed(c);
}

/* ---- submitting -------------------------------------------------------------------------- */
/* ---- token buckets ------------------------------------------------------------------------- */
/* The bucket a call draws from: the account it is made as, the region, the service. */
static int bucket_of(col *c, const task *t)
{
    const char *account = t->kind == T_OP ? t->a->id : c->mgmt ? c->mgmt->id : "caller";
    const char *region = t->kind == T_OP ? t->a->regions[t->u->region] : c->home;
    char key[160];
    snprintf(key, sizeof key, "%s/%s/%s", account, region, t->op->service);
    json_t *ix = json_object_get(c->bk_index, key);
    if (ix) return (int)json_integer_value(ix);
    double burst = 10, rate = 5;
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (strcmp(limits[i].service, t->op->service) == 0) {
            burst = limits[i].burst;
            rate = limits[i].rate;
        }
    if (c->nbk == c->capbk) {
        c->capbk = c->capbk ? c->capbk * 2 : 256;
        c->bk = realloc(c->bk, (size_t)c->capbk * sizeof *c->bk);
        if (!c->bk) abort();
    }
    bucket *b = &c->bk[c->nbk];
    *b = (bucket){.first_ms = -1, .busy_since = -1, .min_rate = rate};
    ism_rate_bucket_init(&b->rb, burst, rate, ism_http_now(c->eng));
    json_object_set_new(c->bk_index, key, json_integer(c->nbk));
    return c->nbk++;
}

/* Ms until the bucket may send a new call: its next token, and when retries of its calls wait
 * in the engine for tokens, theirs first. */
static int64_t bucket_wait(bucket *b, int64_t now)
{
    int64_t wait = ism_rate_bucket_wait(&b->rb, now);
    if (!wait && b->retries_waiting > 0 && b->rb.tokens < 1.0 + b->retries_waiting)
        wait = (int64_t)((1.0 + b->retries_waiting - b->rb.tokens) / b->rb.rate * 1000.0) + 1;
    return wait;
}

/* Tells the scheduler what the bucket has queued and when it may send (ism_rate_sched: the
 * bucket with the most work at its rate goes first — the rate-bound ones, an account's IAM
 * with hundreds of per-user calls, are the long poles of a collection). */
static void bucket_schedule(col *c, int i, int64_t now)
{
    bucket *b = &c->bk[i];
    if (!ism_rate_sched_set(&c->sched, i, b->nq, b->rb.rate, b->nq ? bucket_wait(b, now) : 0, now))
        abort(); /* the collection cannot continue without memory */
}

/* Every answered attempt adapts the bucket (ism_rate_bucket_feedback). */
static void bucket_feedback(col *c, const task *t, bool throttled)
{
    if (t->bucket < 0) return;
    bucket *b = &c->bk[t->bucket];
    ism_rate_bucket_feedback(&b->rb, throttled, ism_http_now(c->eng));
    if (throttled) b->throttled++;
    if (b->rb.rate < b->min_rate) b->min_rate = b->rb.rate;
}

/* A token was just taken (tokens_before: what the bucket held, refilled to now). Books where
 * the time since the previous one went: a token that had been there while a call was queued
 * is time behind; a rate below the published one is throttling's slow-down. */
static void bucket_took(bucket *b, int64_t now, double tokens_before)
{
    if (b->first_ms < 0) {
        b->first_ms = b->last_ms = now;
        b->tokens_after = tokens_before - 1.0;
        return;
    }
    int64_t from = b->busy_since > b->last_ms ? b->busy_since : b->last_ms;
    if (now > from) {
        /* when the first token after the previous take was there */
        double ready = b->tokens_after >= 1.0
                           ? (double)b->last_ms
                           : (double)b->last_ms + (1.0 - b->tokens_after) / b->rb.rate * 1000.0;
        if (ready < (double)from) ready = (double)from;
        if (ready < (double)now) b->behind_ms += (int64_t)((double)now - ready);
        double full = (double)b->last_ms +
                      (b->rb.capacity - b->tokens_after) / b->rb.rate * 1000.0; /* when full */
        if (full < (double)from) full = (double)from;
        if (full < (double)now) b->full_ms += (int64_t)((double)now - full);
        b->rate_loss_ms += (double)(now - from) * (1.0 - b->rb.rate / b->rb.max_rate);
    }
    b->last_ms = now;
    b->tokens_after = tokens_before - 1.0;
}

/* The bucket whose calls need the longest at its published rate, and where its time went. */
static void slowest_bucket(const col *c, ism_aws_bucket_report *r)
{
    double worst = -1;
    const bucket *w = NULL;
    for (int i = 0; i < c->nbk; i++) {
        const bucket *b = &c->bk[i];
        double t = ((double)b->rb.taken - b->rb.capacity) / b->rb.max_rate;
        if (b->rb.taken && t > worst) worst = t, w = b;
    }
    memset(r, 0, sizeof *r);
    if (!w) return;
    *r = (ism_aws_bucket_report){.burst = w->rb.capacity,
                                 .rate = w->rb.max_rate,
                                 .min_rate = w->min_rate,
                                 .taken = w->rb.taken,
                                 .throttled = w->throttled,
                                 .first_ms = w->first_ms - c->t0,
                                 .last_ms = w->last_ms - c->t0,
                                 .idle_ms = w->idle_ms,
                                 .behind_ms = w->behind_ms,
                                 .full_ms = w->full_ms,
                                 .rate_loss_ms = (int64_t)w->rate_loss_ms};
    const char *k;
    json_t *v;
    json_object_foreach(c->bk_index, k, v) if (json_integer_value(v) == w - c->bk)
        ism_strlcpy(r->key, k, sizeof r->key);
}

/* Tokens handed out over all buckets: one per attempt. */
static uint64_t tokens_taken(const col *c)
{
    uint64_t n = 0;
    for (int i = 0; i < c->nbk; i++)
        n += c->bk[i].rb.taken;
    return n;
}

static bool submit(col *c, task *t, ism_error *err)
{
    const char *region = t->kind == T_OP ? (t->rregion ? t->rregion : call_region(t)) : "global";
    ism_aws_call_req rq;
    if (!ism_aws_build_request(t->op, region, c->home, c->o->endpoint_url, t->rid, t->token, &rq,
                               err))
        return false;
    if (t->kind == T_ASSUME) {
        free(rq.body);
        rq.body = ism_aws_source_assume_body(t->a->src);
        rq.body_len = rq.body ? strlen(rq.body) : 0;
    }
    ism_strlcpy(t->sign_region, rq.sign_region, sizeof t->sign_region);
    ism_now_iso(t->started);
    char label[128];
    snprintf(label, sizeof label, "%s:%s", t->op->service, t->op->name);
    ism_http_request req = {.method = t->op->method,
                            .url = rq.url,
                            .headers = &rq.headers,
                            .body = rq.body,
                            .body_len = rq.body_len,
                            .label = label,
                            .admit = admit_cb,
                            .admit_arg = t,
                            .signer = sign_cb,
                            .signer_arg = t,
                            .classify = classify_cb,
                            .classify_arg = t,
                            .done = done_cb,
                            .done_arg = t};
    bool ok = ism_http_submit(c->eng, &req, err);
    if (rq.body) explicit_bzero(rq.body, rq.body_len);
    ism_aws_call_req_free(&rq);
    if (ok) c->outstanding++;
    return ok;
}

/* Ms until a bucket may send or a delayed task is due (0: now); -1 when nothing waits. */
static int64_t next_due(col *c, int64_t now)
{
    int64_t due = ism_rate_sched_due_in(&c->sched, now);
    if (c->delayed) {
        int64_t d = c->delayed->not_before > now ? c->delayed->not_before - now : 0;
        if (due < 0 || d < due) due = d;
    }
    return due;
}

static void feed_failed(col *c, task *t, ism_error *e)
{
    /* Refused before any call (a malformed URL or policy): a fact about this call. */
    if (t->u) {
        unit_note(t->u, C_FAILED, t->rid, e->message);
        unit *u = t->u;
        task_free(t);
        if (--u->outstanding == 0 && u->state == U_RUN) unit_finish(u);
    } else {
        fail_fatal(c, e);
        task_free(t);
    }
}

/* Sends what has a token now, the bucket with the most work at its rate first
 * (ism_rate_sched), one call per token actually there. A bucket whose retries wait for tokens
 * lets them go first. */
static void feed(col *c)
{
    if (c->stopping || c->failed) return;
    int64_t now = ism_http_now(c->eng);
    while (c->delayed && c->delayed->not_before <= now) {
        task *t = c->delayed;
        c->delayed = t->next;
        push(c, t, true);
    }
    while (c->outstanding < c->window && !c->failed) {
        int i = ism_rate_sched_next(&c->sched, now);
        if (i < 0) break;
        bucket *b = &c->bk[i];
        if (!b->head) continue;
        if (bucket_wait(b, now) > 0) { /* slowed since it was scheduled */
            bucket_schedule(c, i, now);
            continue;
        }
        task *t = b->head;
        b->head = t->next;
        if (!b->head) b->tail = NULL;
        b->nq--;
        c->queued--;
        bucket_took(b, now, b->rb.tokens);
        if (!b->head) b->busy_since = -1;
        ism_rate_bucket_take(&b->rb, now, NULL);
        t->prepaid = true;
        bucket_schedule(c, i, now);
        ism_error e = {0};
        if (!submit(c, t, &e)) feed_failed(c, t, &e);
        ism_error_clear(&e);
    }
}

/* ---- progress ---------------------------------------------------------------------------- */
static void progress(col *c)
{
    ism_http_stats hs;
    ism_http_stats_get(c->eng, &hs);
    int est_regions = c->nexplicit;
    for (int i = 0; !est_regions && i < c->naccts; i++)
        if (c->accts[i]->regions_known) est_regions = c->accts[i]->nregions - 1;
    int total = 0;
    for (int i = 0; i < c->naccts; i++) {
        acct *a = c->accts[i];
        total += c->n_global + c->n_regional * (a->regions_known ? a->nregions - 1
                                                                 : (est_regions ? est_regions : 1));
    }
    if (total < c->units_done) total = c->units_done;
    char msg[256];
    int errors = c->st->units_denied + c->st->units_failed;
    char ne[48] = "";
    if (c->accounts_not_entered)
        snprintf(ne, sizeof ne, " (%d not entered)", c->accounts_not_entered);
    snprintf(msg, sizeof msg,
             "accounts %d/%d%s, operations %d/%d, HTTP requests %llu, throttled %llu, "
             "retries %llu, not collected %d",
             c->accounts_done - c->accounts_not_entered, c->naccts, ne, c->units_done, total,
             (unsigned long long)hs.calls, (unsigned long long)hs.throttled,
             (unsigned long long)hs.retries, errors);
    ism_aws_collect_progress p = {c->accounts_done, c->naccts,  c->units_done,    total, hs.calls,
                                  hs.throttled,     hs.retries, (uint64_t)errors, msg};
    if (c->o->progress) c->o->progress(c->o->ctx, &p);
}

static void tick(col *c, bool force)
{
    int64_t now = ism_http_now(c->eng);
    if (!force && now - c->last_tick < 100) return;
    c->last_tick = now;
    if (!c->stopping && c->o->should_stop && c->o->should_stop(c->o->ctx)) {
        c->stopping = true;
        ism_http_cancel(c->eng);
    }
    int every = c->o->progress_ms > 0 ? c->o->progress_ms : 1000;
    if (!force && now - c->last_progress < every) return;
    c->last_progress = now;
    ism_error e = {0};
    int64_t began = ism_mono_ms();
    if (!ism_snapshot_commit(c->snap, &e) || !ism_snapshot_begin(c->snap, &e)) fail_fatal(c, &e);
    c->st->commit_ms += ism_mono_ms() - began;
    ism_error_clear(&e);
    progress(c);
}

/* ---- set-up and the run ------------------------------------------------------------------- */
static json_t *str_array(const char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void write_scope(col *c)
{
    json_t *accounts = json_array(), *regions = json_array();
    for (int i = 0; i < c->naccts; i++) {
        acct *a = c->accts[i];
        json_array_append_new(accounts, json_string(a->id));
        for (int r = 1; r < a->nregions; r++) {
            bool seen = strcmp(a->regions[r], "*") == 0;
            for (size_t k = 0; !seen && k < json_array_size(regions); k++)
                seen = !strcmp(json_string_value(json_array_get(regions, k)), a->regions[r]);
            if (!seen) json_array_append_new(regions, json_string(a->regions[r]));
        }
    }
    json_t *services = json_array();
    for (size_t i = 0; i < c->nops; i++) {
        bool seen = false;
        for (size_t k = 0; k < json_array_size(services); k++)
            seen |= !strcmp(json_string_value(json_array_get(services, k)), c->ops[i].service);
        if (!seen && c->in_scope[i])
            json_array_append_new(services, json_string(c->ops[i].service));
    }
    json_t *scope = json_pack("{s:o, s:o, s:o, s:b, s:s?, s:o, s:s?}", "accounts", accounts,
                              "regions", regions, "services", services, "org", c->o->org,
                              "role_name", c->o->role_name, "requested_regions",
                              str_array(c->o->regions), "endpoint_url", c->o->endpoint_url);
    char *s = json_dumps(scope, JSON_COMPACT | JSON_SORT_KEYS);
    ism_snapshot_set_manifest(c->snap, "scope", s, NULL);
    free(s);
    json_decref(scope);
}

static bool wanted_service(const ism_aws_collect_opts *o, const char *svc)
{
    if (!o->services) return true;
    for (size_t i = 0; o->services[i]; i++)
        if (strcmp(o->services[i], svc) == 0) return true;
    return false;
}

static void plan_scope(col *c)
{
    const ism_aws_collect_opts *o = c->o;
    for (size_t i = 0; i < c->nops; i++) {
        const ism_aws_op *op = &c->ops[i];
        bool on = wanted_service(o, op->service);
        if (!strcmp(op->service, "sts")) on = true;
        if (!strcmp(op->service, "organizations")) on = o->org;
        /* Whose organization this is: the checks need it to tell the organization's own
         * accounts from outside ones, in a single-account collection too. */
        if (op_is(op, "organizations", "DescribeOrganization")) on = true;
        /* Discovering the regions is needed whatever the services, unless they were given. */
        if (op_is(op, "ec2", "DescribeRegions") && !o->regions) on = true;
        c->in_scope[i] = on;
        c->parent[i] = op->parent ? op_index(c, op->service, op->parent) : -1;
        if (applicable(c, (int)i, 0)) c->n_global++;
        if (applicable(c, (int)i, 1)) c->n_regional++;
    }
}

static void load_had(col *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT account, region, operation, state FROM coverage "
                           "WHERE provider='aws'",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char key[256];
        snprintf(key, sizeof key, "%s|%s|%s", sqlite3_column_text(st, 0),
                 sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
        const char *state = (const char *)sqlite3_column_text(st, 3);
        for (int k = 0; k < C_NONE; k++)
            if (!strcmp(state, cov_names[k])) json_object_set_new(c->had, key, json_integer(k));
    }
    sqlite3_finalize(st);
}

/* The engine's tick: due polls and buckets whose token is there go out while calls are in
 * flight, and a stop is noticed. */
static int64_t engine_tick(void *arg)
{
    col *c = arg;
    tick(c, false);
    feed(c);
    /* A full window (or a stop) waits for completions, which wake the engine anyway. */
    if (c->outstanding >= c->window || c->stopping || c->failed) return 100;
    int64_t due = next_due(c, ism_http_now(c->eng));
    return due < 0 || due > 100 ? 100 : due;
}

static bool col_init(col *c, const ism_aws_collect_opts *o, ism_snapshot *snap,
                     ism_aws_collect_stats *st, ism_error *err)
{
    c->o = o;
    c->snap = snap;
    c->st = st;
    c->ops = ism_aws_ops(&c->nops);
    c->parent = calloc(c->nops, sizeof *c->parent);
    c->in_scope = calloc(c->nops, 1);
    c->had = json_object();
    c->bk_index = json_object();
    c->t0 = ism_mono_ms();
    for (size_t i = 0; o->regions && o->regions[i]; i++)
        c->nexplicit++;
    c->explicit_regions = (char **)o->regions;
    if (o->org && (!o->role_name || !*o->role_name))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "--org needs --role-name");
    if (o->org && !ism_aws_role_spec_check(o->role_name, err)) return false;
    if (!ism_aws_profile_load(o->profile, &c->prof, err)) return false;
    ism_strlcpy(c->home,
                o->home_region && *o->home_region ? o->home_region
                : c->prof.region[0]               ? c->prof.region
                : c->nexplicit                    ? o->regions[0]
                                                  : DEFAULT_HOME,
                sizeof c->home);
    c->hc = (ism_http_config){.max_in_flight = o->max_in_flight > 0 ? o->max_in_flight : 64,
                              .max_attempts = o->max_attempts > 0 ? o->max_attempts : 5,
                              .backoff_base_ms = 200,
                              .backoff_max_ms = 10000,
                              .timeout_ms = 60000,
                              .ca_file = o->ca_file,
                              .allow_http_loopback = o->endpoint_url != NULL,
                              .no_jitter = o->no_jitter,
                              .tick = engine_tick,
                              .tick_arg = c};
    c->hc.max_per_host = c->hc.max_in_flight;
    c->window = c->hc.max_in_flight * 2;
    c->sts = (ism_aws_sts_config){o->endpoint_url, c->home, &c->hc};
    c->base = ism_aws_source_from_profile(&c->prof, &c->sts, err);
    if (!c->base) return false;
    c->eng = ism_http_engine_new(&c->hc, err);
    if (!c->eng) return false;
    plan_scope(c);
    load_had(c);
    /* Checkpoints stall the one thread all calls run on: fewer, larger ones (every ~40 MB of
     * WAL); sealing checkpoints what is left. */
    sqlite3_exec(ism_snapshot_db(snap), "PRAGMA wal_autocheckpoint=10000", NULL, NULL, NULL);
    return true;
}

static void col_free(col *c)
{
    for (int i = 0; i < c->nbk; i++)
        while (c->bk[i].head) {
            task *t = c->bk[i].head;
            c->bk[i].head = t->next;
            task_free(t);
        }
    while (c->delayed) {
        task *t = c->delayed;
        c->delayed = t->next;
        task_free(t);
    }
    ism_http_engine_free(c->eng); /* completes anything left as cancelled */
    for (int i = 0; i < c->naccts; i++)
        acct_free(c->accts[i]);
    free(c->accts);
    ism_aws_source_free(c->base);
    ism_aws_profile_free(&c->prof);
    free(c->parent);
    free(c->in_scope);
    json_decref(c->had);
    json_decref(c->bk_index);
    free(c->bk);
    ism_rate_sched_free(&c->sched);
    ism_aws_xcache_free(&c->xcache);
    ism_error_clear(&c->fatal);
}

/* Nothing in flight: waits for the next sleeping bucket or delayed task (a poll), checking for a
 * stop now and then. */
static void wait_due(col *c)
{
    int64_t ms = next_due(c, ism_http_now(c->eng));
    if (ms > 100 || ms < 0) ms = 100;
    if (ms > 0) {
        struct timespec ts = {0, (long)ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    tick(c, false);
}

static void run_loop(col *c)
{
    while (!c->failed && !c->stopping) {
        feed(c);
        if (c->outstanding == 0) {
            int64_t due = next_due(c, ism_http_now(c->eng));
            if (due < 0) break;
            if (due > 0) wait_due(c);
            continue;
        }
        ism_error e = {0};
        if (!ism_http_run(c->eng, &e)) {
            if (e.code == ISM_E_CANCELLED)
                c->stopping = true;
            else
                fail_fatal(c, &e);
        }
        ism_error_clear(&e);
    }
}

static void fill_stats(col *c)
{
    ism_http_stats hs;
    ism_http_stats_get(c->eng, &hs);
    c->st->accounts = c->naccts;
    c->st->requests = hs.requests;
    c->st->calls = hs.calls;
    c->st->retries = hs.retries;
    c->st->throttled = hs.throttled;
    c->st->server_errors = hs.server_errors;
    c->st->connection_errors = hs.connection_errors;
    c->st->max_in_flight_seen = hs.max_in_flight_seen;
    c->st->busy_ms = hs.busy_ms;
    c->st->tokens = tokens_taken(c);
    c->st->admitted = hs.admitted;
    c->st->throttle_limit_hits = hs.throttle_limit_hits;
    c->st->ms = ism_mono_ms() - c->t0;
    slowest_bucket(c, &c->st->slowest);
}

bool ism_aws_collect(const ism_aws_collect_opts *o, ism_snapshot *snap,
                     ism_aws_collect_stats *stats, ism_error *err)
{
    ism_aws_collect_stats dummy;
    if (!stats) stats = &dummy;
    memset(stats, 0, sizeof *stats);
    col c = {0};
    bool ok = col_init(&c, o, snap, stats, err) && ism_snapshot_begin(snap, err);
    if (ok) {
        task *t = task_new(&c, T_WHOAMI, NULL, NULL, ism_aws_op_find("sts", "GetCallerIdentity"));
        push(&c, t, false);
        run_loop(&c);
        write_scope(&c);
        tick(&c, true);
        ism_error e = {0};
        if (!ism_snapshot_commit(snap, &e)) fail_fatal(&c, &e);
        ism_error_clear(&e);
        fill_stats(&c);
        if (c.failed)
            ok = ism_error_set(err, c.fatal.code, "%s", c.fatal.message);
        else if (c.stopping)
            ok = ism_error_set(err, ISM_E_INTERRUPTED,
                               "collection stopped after %d of its operations; resume continues "
                               "from there",
                               c.units_done);
    }
    col_free(&c);
    return ok;
}
