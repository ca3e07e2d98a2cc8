/* collector.c — one Azure collection: Entra ID tokens (ARM and Graph, cached per tenant and
 * resource and renewed before they expire or when an answer says they did), the subscriptions in
 * scope (a list, a management group's descendants, or every one the principal sees), then every
 * operation of the table (ops_table.c) for the tenant and each subscription, written into the
 * snapshot as it goes.
 *
 * The unit of work and of record is (scope, "global", operation): a subscription's ARM list calls
 * cover every location at once (resources carry their own location as region), the tenant's
 * operations (Graph, management groups) have the tenant id as their account. A unit writes its
 * coverage row when its last call (page, per-resource call) ended: complete, denied (403, 401
 * that is not an expired token), not_enabled (resource provider not registered), failed (retries
 * exhausted, connection, malformed answer) or skipped (its subscription could not be entered, its
 * parent was not read). Coverage is committed with the resources it describes; a resumed run
 * skips every unit that has a row and reads parents' resources back from the snapshot.
 *
 * Rate budgets: one token bucket per subscription for ARM reads (Azure Resource Manager's
 * bucket: 250 burst, 25/s), one for the tenant's ARM reads and one for Graph, kept here and taken
 * through the engine's admit hook: every attempt takes a token, retries included. A 429 does not
 * slow a bucket down (the engine's adaptive buckets would cut a subscription to a fraction of
 * its share of the window on one resource provider's 429, and its remaining reads would trail
 * the collection by seconds); instead the answer's own instructions are kept, seen on every
 * attempt through the classify hook: an x-ms-ratelimit-remaining-*-reads header running low
 * holds the subscription until ARM's bucket has refilled that far; a 429 holds, for its
 * Retry-After, the whole subscription when ARM's bucket is empty (the remaining header says 0),
 * otherwise only the throttled service in that scope (a resource provider's or Graph's own
 * limit), while the subscription's other reads go on. The throttled call itself waits in the
 * engine's queue with a due time: no transfer slot is held while it waits. */
#include "../internal.h"
#include "ismap/azure.h"
#include "ismap/collect.h"
#include "ismap/snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { C_COMPLETE, C_NOT_ENABLED, C_DENIED, C_FAILED, C_SKIPPED, C_NONE };
static const char *const cov_names[] = {"complete", "not_enabled", "denied", "failed", "skipped"};

#define ARM_BURST 250.0
#define ARM_RATE 25.0
#define GRAPH_BURST 50.0
#define GRAPH_RATE 20.0
#define WINDOW 256
#define AUTH_RETRIES 2

typedef struct az az;
typedef struct sub sub;

/* A read budget: ARM's per-subscription (or tenant) bucket, or Graph's. The bucket runs at the
 * published rate and is not slowed by a 429: ARM and Graph say with Retry-After (and ARM with
 * x-ms-ratelimit-remaining-*-reads) how long to wait, and that wait is kept in hold_until. */
typedef struct pace {
    ism_rate_bucket rb;
    int64_t hold_until; /* engine ms: nothing of this budget is sent before */
} pace;

typedef struct unit {
    az *c;
    sub *s; /* NULL: the tenant */
    const ism_azure_op *op;
    int outstanding, cov, resources;
    bool started, done, spawned;
    int64_t hold_until; /* a resource provider's (or Graph's) 429 holds its service until then */
    char why[600];
} unit;

struct sub {
    char id[64];
    unit *u; /* per op */
    bool entered, failed, ready;
    int left;
    pace arm;
};

typedef struct call {
    struct call *next;
    az *c;
    unit *u;
    char *url;
    char *parent_id, *parent_region;
    int api; /* 0 ARM, 1 Graph, 2 token */
    int auth_tries;
    char started[32];
} call;

struct az {
    const ism_azure_opts *o;
    ism_snapshot *snap;
    ism_azure_stats *st;
    ism_http_engine *eng;
    ism_azure_creds cr;
    ism_azure_token_cache tc;
    const ism_azure_op *ops;
    size_t nops;
    char base[3][1024];  /* ARM, Graph, authority */
    char scope[2][1024]; /* token scopes: ARM, Graph */
    char res[2][1024];   /* cache keys: the scopes without "/.default" */
    bool fetching[2];
    call *parked[2];
    /* The last token each API signed with: a call already queued in the engine when a 401 made
     * another call drop the cached token is signed with it, gets its own 401 and is renewed
     * like that one (so it is sent, spends its rate token and is never lost to the race). */
    char *last_token[2];
    call *qhead, *qtail; /* waiting for the window */
    int queued;          /* in that queue */
    uint64_t last_busy_ms, last_calls;
    sqlite3_stmt *q_cov; /* coverage_of */
    pace arm_tenant, graph;
    int inflight;
    unit *tenant_units;
    sub *subs;
    int nsubs, capsubs;
    bool subs_known;
    int units_total, units_done, subs_done;
    int64_t last_tick;
    bool stopping, failed;
    ism_error fatal;
};

static void unit_maybe_finish(unit *u);
static void submit(az *c, call *k);
static void sub_start(az *c, sub *s);

/* ---- helpers ----------------------------------------------------------------------------- */
static int64_t wall_s(void)
{
    return (int64_t)time(NULL);
}

static void fail_fatal(az *c, const ism_error *e)
{
    if (c->failed) return;
    c->failed = true;
    ism_error_set(&c->fatal, e->code ? e->code : ISM_E_INTERNAL, "%s", e->message);
    ism_http_cancel(c->eng);
}

static const char *tenant_of(const az *c)
{
    return c->cr.tenant;
}

static const char *account_of(const unit *u)
{
    return u->s ? u->s->id : tenant_of(u->c);
}

static void put_coverage(az *c, const char *account, const ism_azure_op *op, int cov,
                         const char *why)
{
    ism_error e = {0};
    if (!ism_snapshot_put_coverage(c->snap, "azure", account, "global", op->service, op->name,
                                   cov_names[cov], why && *why ? why : NULL, &e))
        fail_fatal(c, &e);
    ism_error_clear(&e);
    switch (cov) {
    case C_COMPLETE:
        c->st->units_complete++;
        break;
    case C_NOT_ENABLED:
        c->st->units_not_enabled++;
        break;
    case C_DENIED:
        c->st->units_denied++;
        break;
    case C_FAILED:
        c->st->units_failed++;
        break;
    default:
        c->st->units_skipped++;
        break;
    }
}

static void unit_note(unit *u, int cov, const char *why)
{
    if (u->cov == C_NONE || (cov > u->cov && cov != C_SKIPPED) || u->cov == C_COMPLETE) {
        if (cov != C_COMPLETE) {
            u->cov = cov;
            ism_strlcpy(u->why, why ? why : "", sizeof u->why);
        } else if (u->cov == C_NONE) {
            u->cov = C_COMPLETE;
        }
    }
}

/* The ARM location as a region: lower case, spaces dropped ("Japan East" → "japaneast"). */
static void region_of(const json_t *obj, char *out, size_t n)
{
    const char *loc = ism_json_getstr(obj, "location");
    size_t o = 0;
    for (const char *p = loc ? loc : ""; *p && o + 1 < n; p++)
        if (*p != ' ') out[o++] = ism_ascii_lower(*p);
    out[o] = 0;
    if (!o) ism_strlcpy(out, "global", n);
}

static bool location_wanted(const az *c, const char *region)
{
    if (!c->o->locations || !c->o->locations[0] || !strcmp(region, "global")) return true;
    for (int i = 0; c->o->locations[i]; i++) {
        char want[64];
        size_t o = 0;
        for (const char *p = c->o->locations[i]; *p && o + 1 < sizeof want; p++)
            if (*p != ' ') want[o++] = ism_ascii_lower(*p);
        want[o] = 0;
        if (!strcmp(want, region)) return true;
    }
    return false;
}

/* ---- the calls table --------------------------------------------------------------------------
 */
static void record_call(az *c, const call *k, const char *op_service, const char *op_name,
                        const ism_http_result *r, const char *status, const char *code,
                        const char *message)
{
    ism_call rec = {.provider = "azure",
                    .account = k->u ? account_of(k->u) : tenant_of(c),
                    .region = "global",
                    .service = op_service,
                    .operation = op_name,
                    .status = status,
                    .http_status = (int)r->status,
                    .attempts = r->attempts,
                    .latency_ms = (long)r->latency_ms,
                    .error_code = code && *code ? code : NULL,
                    .error_message = message && *message ? message : NULL,
                    .request_id = r->request_id && *r->request_id ? r->request_id : NULL,
                    .started = k->started};
    ism_error e = {0};
    if (!ism_snapshot_put_call(c->snap, &rec, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
}

/* ARM and Graph errors: {"error": {"code", "message"}}; the token endpoint: {"error",
 * "error_description"}. */
static void error_of(const ism_http_result *r, char *code, size_t cn, char *msg, size_t mn)
{
    code[0] = msg[0] = 0;
    json_t *j = r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    if (json_is_object(e)) {
        ism_strlcpy(code, ism_json_getstr(e, "code") ? ism_json_getstr(e, "code") : "", cn);
        ism_strlcpy(msg, ism_json_getstr(e, "message") ? ism_json_getstr(e, "message") : "", mn);
    } else if (json_is_string(e)) {
        ism_strlcpy(code, json_string_value(e), cn);
        const char *d = ism_json_getstr(j, "error_description");
        if (d) snprintf(msg, mn, "%.*s", (int)strcspn(d, "\r\n"), d);
    }
    json_decref(j);
    if (!code[0]) {
        if (r->status)
            snprintf(code, cn, "HTTP%ld", r->status);
        else
            snprintf(code, cn, "%s", ism_http_class_name(r->cls));
    }
    if (!msg[0]) ism_strlcpy(msg, r->err.message[0] ? r->err.message : "", mn);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
}

/* ---- tokens ---------------------------------------------------------------------------------- */
static void token_done(ism_http_result *r, void *arg);

static void token_fetch(az *c, int api)
{
    if (c->fetching[api]) return;
    ism_error e = {0};
    char *body = ism_azure_token_body(&c->cr, c->scope[api], wall_s(), &e);
    if (!body) {
        fail_fatal(c, &e);
        ism_error_clear(&e);
        return;
    }
    char url[1400];
    ism_azure_token_url(&c->cr, url, sizeof url);
    ism_http_headers h = {0};
    ism_http_headers_set(&h, "Content-Type", "application/x-www-form-urlencoded");
    ism_http_headers_set(&h, "Accept", "application/json");
    call *k = calloc(1, sizeof *k);
    if (!k) {
        free(body);
        ism_http_headers_clear(&h);
        fail_fatal(c, &(ism_error){.code = ISM_E_INTERNAL, .message = "out of memory"});
        return;
    }
    k->c = c;
    k->api = 2 + api; /* 2: ARM token, 3: Graph token */
    ism_now_iso(k->started);
    ism_http_request req = {.method = "POST",
                            .url = url,
                            .headers = &h,
                            .body = body,
                            .body_len = strlen(body),
                            .label = "entra:Token",
                            .done = token_done,
                            .done_arg = k};
    c->fetching[api] = true;
    c->inflight++;
    bool ok = ism_http_submit(c->eng, &req, &e);
    memset(body, 0, strlen(body));
    free(body);
    ism_http_headers_clear(&h);
    if (!ok) {
        c->inflight--;
        free(k);
        fail_fatal(c, &e);
    }
    ism_error_clear(&e);
}

static void token_done(ism_http_result *r, void *arg)
{
    call *k = arg;
    az *c = k->c;
    int api = k->api - 2;
    c->inflight--;
    c->fetching[api] = false;
    char code[128], msg[600];
    ism_azure_token t = {0};
    ism_error e = {0};
    bool ok =
        r->cls == ISM_HTTP_OK && ism_azure_token_parse(r->body, r->body_len, wall_s(), &t, &e);
    if (ok) {
        record_call(c, k, "entra", "Token", r, "ok", NULL, NULL);
        ism_azure_cache_put(&c->tc, tenant_of(c), c->res[api], &t);
        call *p = c->parked[api];
        c->parked[api] = NULL;
        while (p) {
            call *next = p->next;
            submit(c, p);
            p = next;
        }
    } else if (r->err.code != ISM_E_CANCELLED) {
        error_of(r, code, sizeof code, msg, sizeof msg);
        record_call(c, k, "entra", "Token", r, "failed", code, msg);
        ism_error_set(&e, ISM_E_UNAUTHENTICATED,
                      "Entra ID gave no %s token for tenant %s (client %s): %s: %s",
                      api ? "Graph" : "ARM", tenant_of(c), c->cr.client_id, code, msg);
        fail_fatal(c, &e);
    }
    ism_azure_token_free(&t);
    ism_error_clear(&e);
    free(k);
}

static bool sign(ism_http_attempt *a, void *arg, ism_error *err)
{
    call *k = arg;
    az *c = k->c;
    /* now 0: whatever the cache holds; renewal happens before submitting and on a 401. */
    const char *tok = ism_azure_cache_get(&c->tc, tenant_of(c), c->res[k->api], 0);
    if (tok && (!c->last_token[k->api] || strcmp(c->last_token[k->api], tok) != 0)) {
        if (c->last_token[k->api]) {
            memset(c->last_token[k->api], 0, strlen(c->last_token[k->api]));
            free(c->last_token[k->api]);
        }
        c->last_token[k->api] = strdup(tok);
    }
    if (!tok) tok = c->last_token[k->api];
    if (!tok) return ism_error_set(err, ISM_E_UNAUTHENTICATED, "no access token");
    char *h = ism_strdupf("Bearer %s", tok);
    bool ok = h && ism_http_headers_set(a->headers, "Authorization", h);
    if (h) {
        memset(h, 0, strlen(h));
        free(h);
    }
    return ok || ism_error_set(err, ISM_E_INTERNAL, "out of memory");
}

/* ---- submitting ------------------------------------------------------------------------------ */
static void call_free(call *k)
{
    if (!k) return;
    free(k->url);
    free(k->parent_id);
    free(k->parent_region);
    free(k);
}

static void call_done(ism_http_result *r, void *arg);

static pace *pace_of(az *c, const call *k)
{
    if (k->api == 1) return &c->graph;
    if (k->u && k->u->s) return &k->u->s->arm;
    return &c->arm_tenant;
}

/* Every attempt, retries included: after any hold, one token of its budget. */
static int64_t admit(int attempt, int64_t now_ms, void *arg)
{
    (void)attempt;
    call *k = arg;
    pace *p = pace_of(k->c, k);
    int64_t hold = p->hold_until > k->u->hold_until ? p->hold_until : k->u->hold_until;
    if (hold > now_ms) return hold - now_ms;
    int64_t wait = 0;
    return ism_rate_bucket_take(&p->rb, now_ms, &wait) ? 0 : wait;
}

/* Retry-After in ms: delay-seconds; an HTTP-date or nothing counts as one second here (the
 * engine itself waits the date out before retrying the call). */
static int64_t retry_after_ms(const ism_http_result *r)
{
    const char *v = r->headers ? ism_http_headers_get(r->headers, "Retry-After") : NULL;
    char *end = NULL;
    long long s = v ? strtoll(v, &end, 10) : -1;
    if (!v || end == v || *end || s < 0) return 1000;
    return s > 60 ? 60000 : s * 1000;
}

/* Sees every answered attempt (the engine retries by itself; the done callback only gets the
 * last). What ARM says is left of the budget holds it back when it runs low; a 429 holds what it
 * is about for its Retry-After: the whole budget when ARM's own bucket is empty (the remaining
 * header says 0), otherwise (a resource provider's or Graph's throttling, no ARM header or one
 * with reads left) the throttled service of that scope, while its other reads go on. */
static ism_http_class observe(const ism_http_result *r, ism_http_class dflt, void *arg)
{
    call *k = arg;
    az *c = k->c;
    pace *p = pace_of(c, k);
    int64_t now = ism_http_now(c->eng);
    const char *rem = NULL;
    if (r->headers && k->api == 0) {
        rem = ism_http_headers_get(r->headers, "x-ms-ratelimit-remaining-subscription-reads");
        if (!rem) rem = ism_http_headers_get(r->headers, "x-ms-ratelimit-remaining-tenant-reads");
    }
    long left = rem ? strtol(rem, NULL, 10) : -1;
    if (rem && left < 10) {
        int64_t until = now + (10 - left) * (int64_t)(1000 / ARM_RATE);
        if (until > p->hold_until) p->hold_until = until;
    }
    if (dflt != ISM_HTTP_THROTTLED) return dflt;
    int64_t until = now + retry_after_ms(r);
    if (rem && left <= 0) {
        if (until > p->hold_until) p->hold_until = until;
        if (p->rb.tokens > 0) p->rb.tokens = 0; /* no burst into ARM's empty bucket after it */
        return dflt;
    }
    unit *units = k->u->s ? k->u->s->u : c->tenant_units;
    for (size_t i = 0; i < c->nops; i++)
        if (!strcmp(c->ops[i].service, k->u->op->service) && until > units[i].hold_until)
            units[i].hold_until = until;
    return dflt;
}

static void submit(az *c, call *k)
{
    if (c->failed || c->stopping) {
        call_free(k);
        return;
    }
    if (!ism_azure_cache_get(&c->tc, tenant_of(c), c->res[k->api], wall_s())) {
        k->next = c->parked[k->api];
        c->parked[k->api] = k;
        token_fetch(c, k->api);
        return;
    }
    if (c->inflight >= WINDOW) {
        c->queued++;
        k->next = NULL;
        if (c->qtail)
            c->qtail->next = k;
        else
            c->qhead = k;
        c->qtail = k;
        return;
    }
    ism_http_headers h = {0};
    ism_http_headers_set(&h, "Accept", "application/json");
    if (!k->started[0]) ism_now_iso(k->started);
    char label[160];
    snprintf(label, sizeof label, "%s:%s", k->u->op->service, k->u->op->name);
    ism_http_request req = {.method = "GET",
                            .url = k->url,
                            .headers = &h,
                            .label = label,
                            .admit = admit,
                            .admit_arg = k,
                            .classify = observe,
                            .classify_arg = k,
                            .signer = sign,
                            .signer_arg = k,
                            .done = call_done,
                            .done_arg = k};
    ism_error e = {0};
    c->inflight++;
    if (!ism_http_submit(c->eng, &req, &e)) {
        c->inflight--;
        unit *u = k->u;
        unit_note(u, C_FAILED, e.message);
        u->outstanding--;
        call_free(k);
        unit_maybe_finish(u);
    }
    ism_http_headers_clear(&h);
    ism_error_clear(&e);
}

static void drain_queue(az *c)
{
    while (c->qhead && c->inflight < WINDOW && !c->failed) {
        call *k = c->qhead;
        c->qhead = k->next;
        if (!c->qhead) c->qtail = NULL;
        c->queued--;
        submit(c, k);
    }
}

/* The URL of an operation for a unit (and a parent resource): base + path + api-version. */
static char *op_url(az *c, const unit *u, const char *parent_id)
{
    const ism_azure_op *op = u->op;
    ism_cbuf b = {0};
    ism_cbuf_adds(&b, c->base[op->api == ISM_AZURE_GRAPH ? 1 : 0]);
    for (const char *p = op->path; *p;) {
        if (!strncmp(p, "{sub}", 5)) {
            ism_cbuf_adds(&b, u->s ? u->s->id : "");
            p += 5;
        } else if (!strncmp(p, "{id}", 4)) {
            ism_cbuf_adds(&b, parent_id ? parent_id : "");
            p += 4;
        } else if (!strncmp(p, "{mg}", 4)) {
            ism_cbuf_adds(&b, c->o->management_group ? c->o->management_group : "");
            p += 4;
        } else {
            ism_cbuf_addc(&b, *p++);
        }
    }
    char sep = strchr(op->path, '?') ? '&' : '?';
    if (op->api_version) ism_cbuf_addf(&b, "%capi-version=%s", sep, op->api_version), sep = '&';
    if (op->top) ism_cbuf_addf(&b, "%c$top=%d", sep, op->top);
    return ism_cbuf_take(&b);
}

static void queue_call(az *c, unit *u, char *url, const char *parent_id, const char *parent_region)
{
    call *k = calloc(1, sizeof *k);
    if (!k || !url) {
        free(url);
        free(k);
        unit_note(u, C_FAILED, "out of memory");
        return;
    }
    k->c = c;
    k->u = u;
    k->url = url;
    k->api = u->op->api == ISM_AZURE_GRAPH ? 1 : 0;
    k->parent_id = parent_id ? strdup(parent_id) : NULL;
    k->parent_region = parent_region ? strdup(parent_region) : NULL;
    u->outstanding++;
    submit(c, k);
}

/* ---- answers ----------------------------------------------------------------------------------
 */
static bool put_resource(az *c, unit *u, json_t *obj, const char *parent_region)
{
    const ism_azure_op *op = u->op;
    const char *id = ism_json_getstr(obj, "id");
    if (!id || !*id) return false;
    char region[64];
    if (op->api == ISM_AZURE_GRAPH || !strcmp(op->type, "resources.Location"))
        ism_strlcpy(region, "global", sizeof region);
    else
        region_of(obj, region, sizeof region);
    if (!strcmp(region, "global") && parent_region)
        ism_strlcpy(region, parent_region, sizeof region);
    if (!location_wanted(c, region)) return true;
    const char *account = account_of(u);
    char subid[64];
    if (!strcmp(op->name, "SubscriptionsList")) {
        const char *sid = ism_json_getstr(obj, "subscriptionId");
        if (!sid) return false;
        ism_strlcpy(subid, sid, sizeof subid);
        account = subid;
    }
    ism_resource r = {.provider = "azure",
                      .account = account,
                      .region = region,
                      .service = op->service,
                      .type = op->type,
                      .id = id,
                      .arn = op->api == ISM_AZURE_ARM ? id : NULL,
                      .data = obj};
    ism_error e = {0};
    if (!ism_snapshot_put_resource(c->snap, &r, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
    u->resources++;
    return true;
}

static void add_sub(az *c, const char *id)
{
    for (int i = 0; i < c->nsubs; i++)
        if (!strcasecmp(c->subs[i].id, id)) return;
    if (c->nsubs == c->capsubs) {
        int cap = c->capsubs ? c->capsubs * 2 : 16;
        sub *v = realloc(c->subs, (size_t)cap * sizeof *v);
        if (!v) return;
        c->subs = v;
        c->capsubs = cap;
    }
    sub *s = &c->subs[c->nsubs++];
    memset(s, 0, sizeof *s);
    ism_strlcpy(s->id, id, sizeof s->id);
}

/* A page: its resources, and the next page if any (on the same base URL only: a nextLink that
 * leaves it would carry the token elsewhere). */
static void take_page(az *c, call *k, const ism_http_result *r)
{
    unit *u = k->u;
    json_t *j = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
    if (!json_is_object(j)) {
        unit_note(u, C_FAILED, "malformed answer: not a JSON object");
        json_decref(j);
        return;
    }
    if (u->op->single) {
        /* Graph's answer metadata names the endpoint, not the object */
        json_object_del(j, "@odata.context");
        if (!put_resource(c, u, j, k->parent_region))
            unit_note(u, C_FAILED, "malformed answer: no id");
        else
            unit_note(u, C_COMPLETE, NULL);
        json_decref(j);
        return;
    }
    json_t *v = json_object_get(j, "value");
    if (!json_is_array(v)) {
        unit_note(u, C_FAILED, "malformed answer: no value array");
        json_decref(j);
        return;
    }
    size_t i;
    json_t *obj;
    json_array_foreach(v, i, obj)
    {
        if (!json_is_object(obj)) continue;
        if (!strcmp(u->op->name, "ManagementGroupsGetDescendants")) {
            const char *type = ism_json_getstr(obj, "type");
            const char *name = ism_json_getstr(obj, "name");
            if (type && name &&
                !strcasecmp(type, "Microsoft.Management/managementGroups/subscriptions"))
                add_sub(c, name);
        } else if (!strcmp(u->op->name, "SubscriptionsList")) {
            const char *sid = ism_json_getstr(obj, "subscriptionId");
            if (sid) add_sub(c, sid);
        }
        if (!put_resource(c, u, obj, k->parent_region))
            unit_note(u, C_FAILED, "malformed answer: an item without id");
    }
    const char *next =
        ism_json_getstr(j, u->op->api == ISM_AZURE_GRAPH ? "@odata.nextLink" : "nextLink");
    if (next && *next) {
        const char *base = c->base[u->op->api == ISM_AZURE_GRAPH ? 1 : 0];
        size_t bl = strlen(base);
        if (strncmp(next, base, bl) || (next[bl] != '/' && next[bl] != '?'))
            unit_note(u, C_FAILED, "nextLink leaves the endpoint; not followed");
        else
            queue_call(c, u, strdup(next), k->parent_id, k->parent_region);
    }
    unit_note(u, C_COMPLETE, NULL);
    json_decref(j);
}

static bool token_expired_code(const char *code)
{
    return !strcmp(code, "ExpiredAuthenticationToken") ||
           !strcmp(code, "InvalidAuthenticationTokenExpired") ||
           !strcmp(code, "InvalidAuthenticationToken") || !strcmp(code, "TokenExpired");
}

static void call_done(ism_http_result *r, void *arg)
{
    call *k = arg;
    az *c = k->c;
    unit *u = k->u;
    c->inflight--;
    if (r->err.code == ISM_E_CANCELLED || c->failed) {
        u->outstanding--;
        call_free(k);
        return;
    }
    char code[128], msg[600];
    if (r->cls == ISM_HTTP_OK) {
        record_call(c, k, u->op->service, u->op->name, r, "ok", NULL, NULL);
        take_page(c, k, r);
    } else {
        error_of(r, code, sizeof code, msg, sizeof msg);
        if (r->status == 401 && token_expired_code(code) && k->auth_tries < AUTH_RETRIES) {
            record_call(c, k, u->op->service, u->op->name, r, "failed", code, msg);
            ism_azure_cache_drop(&c->tc, tenant_of(c), c->res[k->api]);
            k->auth_tries++;
            k->started[0] = 0;
            submit(c, k); /* parks it until the new token is there */
            drain_queue(c);
            return;
        }
        char why[700];
        int cov;
        const char *status;
        if (r->status == 401 || r->status == 403) {
            cov = C_DENIED;
            status = "denied";
            snprintf(why, sizeof why, "no access: %s: %.500s (%s)", code, msg, u->op->permission);
        } else if (r->status == 409 && !strcmp(code, "MissingSubscriptionRegistration")) {
            cov = C_NOT_ENABLED;
            status = "failed";
            snprintf(why, sizeof why, "resource provider not registered: %.500s", msg);
        } else if (r->status == 404 && k->parent_id && strcmp(code, "SubscriptionNotFound")) {
            /* the parent resource went away between the list and this call */
            cov = C_COMPLETE;
            status = "failed";
            why[0] = 0;
        } else {
            cov = C_FAILED;
            status = r->cls == ISM_HTTP_THROTTLED ? "throttled" : "failed";
            snprintf(why, sizeof why, "collection failed: %s: %.500s", code, msg);
        }
        record_call(c, k, u->op->service, u->op->name, r, status, code, msg);
        unit_note(u, cov, why);
    }
    u->outstanding--;
    call_free(k);
    unit_maybe_finish(u);
    drain_queue(c);
}

/* ---- units ------------------------------------------------------------------------------------
 */
static unit *unit_of(az *c, sub *s, const char *name)
{
    for (size_t i = 0; i < c->nops; i++)
        if (!strcmp(c->ops[i].name, name)) return s ? &s->u[i] : &c->tenant_units[i];
    return NULL;
}

/* The coverage row of (account, op): -1 none, else its state (C_NONE when not one of ours).
 * One prepared statement on the coverage table's primary key (provider included: without it
 * every lookup scans the whole table, and a collection makes one per unit and per account). */
static int coverage_of(az *c, const char *account, const char *op)
{
    if (!c->q_cov &&
        sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT state FROM coverage WHERE provider='azure' AND account=?1 AND "
                           "region='global' AND operation=?2",
                           -1, &c->q_cov, NULL) != SQLITE_OK) {
        sqlite3_finalize(c->q_cov);
        c->q_cov = NULL;
        char *st = ism_snapshot_coverage(c->snap, account, "global", op);
        int r = st ? C_NONE : -1;
        for (int i = 0; st && i <= C_SKIPPED; i++)
            if (!strcmp(st, cov_names[i])) r = i;
        free(st);
        return r;
    }
    sqlite3_bind_text(c->q_cov, 1, account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->q_cov, 2, op, -1, SQLITE_TRANSIENT);
    int r = -1;
    if (sqlite3_step(c->q_cov) == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(c->q_cov, 0);
        r = C_NONE;
        for (int i = 0; st && i <= C_SKIPPED; i++)
            if (!strcmp(st, cov_names[i])) r = i;
    }
    sqlite3_reset(c->q_cov);
    sqlite3_clear_bindings(c->q_cov);
    return r;
}

static bool had(az *c, const char *account, const char *op)
{
    return coverage_of(c, account, op) >= 0;
}

static int had_state(az *c, const char *account, const char *op)
{
    int r = coverage_of(c, account, op);
    return r < 0 ? C_NONE : r;
}

static void unit_start(az *c, unit *u);

/* Per-resource children of a finished unit start now, reading the parent's resources back from
 * the snapshot (the same on a resumed run). */
static void start_children(az *c, unit *parent)
{
    sub *s = parent->s;
    for (size_t i = 0; i < c->nops; i++) {
        const ism_azure_op *op = &c->ops[i];
        if (op->scope != ISM_AZURE_SCOPE_PER_RESOURCE || strcmp(op->parent, parent->op->name))
            continue;
        unit_start(c, s ? &s->u[i] : &c->tenant_units[i]);
    }
}

static void unit_finished(az *c, unit *u)
{
    c->units_done++;
    if (u->s && --u->s->left == 0) c->subs_done++;
    if (u->cov == C_COMPLETE) start_children(c, u);
}

static void skip_children(az *c, unit *parent, const char *why);

static void unit_maybe_finish(unit *u)
{
    az *c = u->c;
    if (u->done || u->outstanding > 0 || !u->spawned) return;
    u->done = true;
    if (u->cov == C_NONE) u->cov = C_COMPLETE;
    put_coverage(c, account_of(u), u->op, u->cov, u->cov == C_COMPLETE ? NULL : u->why);
    if (u->cov != C_COMPLETE) skip_children(c, u, "its parent operation was not read");
    if (u->s && !strcmp(u->op->name, "SubscriptionsGet")) {
        unit_finished(c, u);
        u->s->entered = u->cov == C_COMPLETE;
        if (u->s->entered)
            sub_start(c, u->s);
        else {
            char why[700];
            snprintf(why, sizeof why, "subscription could not be entered: %s", u->why);
            for (size_t i = 0; i < c->nops; i++) {
                unit *o = &u->s->u[i];
                if (o == u || o->done || o->op->scope == ISM_AZURE_SCOPE_TENANT) continue;
                o->done = true;
                if (!had(c, u->s->id, o->op->name))
                    put_coverage(c, u->s->id, o->op, C_SKIPPED, why);
                unit_finished(c, o);
            }
        }
        return;
    }
    if (!u->s && (!strcmp(u->op->name, "SubscriptionsList") ||
                  !strcmp(u->op->name, "ManagementGroupsGetDescendants"))) {
        unit_finished(c, u);
        c->subs_known = true;
        for (int i = 0; i < c->nsubs; i++)
            sub_start(c, &c->subs[i]);
        return;
    }
    unit_finished(c, u);
}

static void skip_children(az *c, unit *parent, const char *why)
{
    for (size_t i = 0; i < c->nops; i++) {
        const ism_azure_op *op = &c->ops[i];
        if (op->scope != ISM_AZURE_SCOPE_PER_RESOURCE || strcmp(op->parent, parent->op->name))
            continue;
        unit *u = parent->s ? &parent->s->u[i] : &c->tenant_units[i];
        if (u->done) continue;
        u->done = true;
        if (!had(c, account_of(u), op->name)) put_coverage(c, account_of(u), op, C_SKIPPED, why);
        unit_finished(c, u);
    }
}

static void unit_start(az *c, unit *u)
{
    if (u->started || u->done) return;
    u->started = true;
    int prev = had_state(c, account_of(u), u->op->name);
    if (prev != C_NONE) {
        /* resumed: the unit is done; its resources are in the snapshot */
        c->st->units_resumed++;
        u->cov = prev;
        u->done = true;
        if (u->s && !strcmp(u->op->name, "SubscriptionsGet")) {
            unit_finished(c, u);
            u->s->entered = prev == C_COMPLETE;
            if (u->s->entered)
                sub_start(c, u->s);
            else {
                for (size_t i = 0; i < c->nops; i++) {
                    unit *o = &u->s->u[i];
                    if (o == u || o->done || o->op->scope == ISM_AZURE_SCOPE_TENANT) continue;
                    o->done = true;
                    if (!had(c, u->s->id, o->op->name))
                        put_coverage(c, u->s->id, o->op, C_SKIPPED,
                                     "subscription could not be entered");
                    unit_finished(c, o);
                }
            }
        } else if (!u->s && (!strcmp(u->op->name, "SubscriptionsList") ||
                             !strcmp(u->op->name, "ManagementGroupsGetDescendants"))) {
            unit_finished(c, u);
            sqlite3_stmt *q = NULL;
            const char *sql =
                !strcmp(u->op->name, "SubscriptionsList")
                    ? "SELECT account FROM resources WHERE type='resources.Subscription' "
                      "AND json_extract(data,'$.subscriptionId') IS NOT NULL ORDER BY account"
                    : "SELECT json_extract(data,'$.name') FROM resources WHERE "
                      "type='management.Descendant' AND lower(json_extract(data,'$.type'))="
                      "'microsoft.management/managementgroups/subscriptions' ORDER BY 1";
            if (sqlite3_prepare_v2(ism_snapshot_db(c->snap), sql, -1, &q, NULL) == SQLITE_OK)
                while (sqlite3_step(q) == SQLITE_ROW)
                    if (sqlite3_column_text(q, 0))
                        add_sub(c, (const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
            c->subs_known = true;
            for (int i = 0; i < c->nsubs; i++)
                sub_start(c, &c->subs[i]);
        } else {
            unit_finished(c, u);
            if (prev == C_COMPLETE)
                start_children(c, u);
            else
                skip_children(c, u, "its parent operation was not read");
        }
        return;
    }
    u->cov = C_NONE;
    if (u->op->scope == ISM_AZURE_SCOPE_PER_RESOURCE) {
        unit *parent = unit_of(c, u->s, u->op->parent);
        sqlite3_stmt *q = NULL;
        /* provider, account and type: the primary key's index covers it (by type alone,
         * every subscription's parents were read, data and all) */
        if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                               "SELECT id, region FROM resources WHERE provider='azure' AND "
                               "type=?1 AND account=?2 ORDER BY id",
                               -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, parent->op->type, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, account_of(u), -1, SQLITE_TRANSIENT);
            while (sqlite3_step(q) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(q, 0);
                const char *reg = (const char *)sqlite3_column_text(q, 1);
                queue_call(c, u, op_url(c, u, id), id, reg);
            }
        }
        sqlite3_finalize(q);
    } else {
        queue_call(c, u, op_url(c, u, NULL), NULL, NULL);
    }
    u->spawned = true;
    unit_maybe_finish(u);
}

static void sub_start(az *c, sub *s)
{
    if (!s->ready) {
        s->ready = true;
        s->u = calloc(c->nops, sizeof *s->u);
        if (!s->u) {
            fail_fatal(c, &(ism_error){.code = ISM_E_INTERNAL, .message = "out of memory"});
            return;
        }
        ism_rate_bucket_init(&s->arm.rb, ARM_BURST, ARM_RATE, ism_http_now(c->eng));
        for (size_t i = 0; i < c->nops; i++) {
            s->u[i] = (unit){.c = c, .s = s, .op = &c->ops[i], .cov = C_NONE};
            if (c->ops[i].scope != ISM_AZURE_SCOPE_TENANT) {
                s->left++;
                c->units_total++;
            } else {
                s->u[i].done = true;
            }
        }
        c->st->scopes++;
        unit_start(c, unit_of(c, s, "SubscriptionsGet"));
        return;
    }
    if (!s->entered) return;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].scope == ISM_AZURE_SCOPE_SUBSCRIPTION ||
            c->ops[i].scope == ISM_AZURE_SCOPE_LOCATION)
            unit_start(c, &s->u[i]);
}

/* ---- the run ----------------------------------------------------------------------------------
 */
static void progress(az *c)
{
    if (!c->o->progress) return;
    ism_http_stats hs;
    ism_http_stats_get(c->eng, &hs);
    char msg[200];
    snprintf(msg, sizeof msg, "subscriptions %d/%d, operations %d/%d", c->subs_done, c->nsubs,
             c->units_done, c->units_total);
    ism_azure_progress p = {
        c->subs_done, c->nsubs,     c->units_done, c->units_total,
        hs.calls,     hs.throttled, hs.retries,    hs.server_errors + hs.client_errors,
        msg};
    c->o->progress(c->o->ctx, &p);
}

static int64_t tick(void *arg)
{
    az *c = arg;
    int64_t now = ism_mono_ms();
    if (c->o->should_stop && !c->stopping && c->o->should_stop(c->o->ctx)) {
        c->stopping = true;
        ism_http_cancel(c->eng);
    }
    if (now - c->last_tick >= 1000) {
        /* How full the engine's window was over the last second (its summed time in flight
         * over the interval: the mean number of transfers at once) and what waits behind it. */
        ism_http_stats hs;
        ism_http_stats_get(c->eng, &hs);
        ism_logj(ISM_LOG_DEBUG, "azure.window",
                 json_pack("{s:f, s:I, s:i, s:i, s:i, s:i}", "in_flight",
                           (double)(hs.busy_ms - c->last_busy_ms) / (double)(now - c->last_tick),
                           "attempts", (json_int_t)(hs.calls - c->last_calls), "submitted",
                           c->inflight, "queued", c->queued, "units_done", c->units_done, "units",
                           c->units_total),
                 "azure: %.1f transfers in flight on average, %d calls submitted, %d queued",
                 (double)(hs.busy_ms - c->last_busy_ms) / (double)(now - c->last_tick), c->inflight,
                 c->queued);
        c->last_busy_ms = hs.busy_ms;
        c->last_calls = hs.calls;
        c->last_tick = now;
        ism_error e = {0};
        if (!ism_snapshot_commit(c->snap, &e) || !ism_snapshot_begin(c->snap, &e))
            fail_fatal(c, &e);
        ism_error_clear(&e);
        progress(c);
    }
    drain_queue(c);
    return 250;
}

/* The checks' runner judges an operation in every account of the snapshot: tenant operations
 * (Graph, management groups) say "skipped" in each subscription and subscription operations in
 * the tenant, so a check is silent where its data cannot be, rather than "not assessed". */
static void fill_elsewhere(az *c)
{
    for (size_t i = 0; i < c->nops; i++) {
        const ism_azure_op *op = &c->ops[i];
        bool tenant_op = op->scope == ISM_AZURE_SCOPE_TENANT;
        if (tenant_op && c->tenant_units[i].done && !c->tenant_units[i].started) continue;
        for (int k = -1; k < c->nsubs; k++) {
            const char *acct = k < 0 ? tenant_of(c) : c->subs[k].id;
            if ((k < 0) != tenant_op && !had(c, acct, op->name)) {
                ism_error e = {0};
                if (!ism_snapshot_put_coverage(
                        c->snap, "azure", acct, "global", op->service, op->name, "skipped",
                        tenant_op ? "read once for the tenant: its data is under the tenant id"
                                  : "read per subscription: no data under the tenant id",
                        &e))
                    fail_fatal(c, &e);
                ism_error_clear(&e);
            }
        }
    }
}

static void write_scope(az *c)
{
    json_t *subs = json_array(), *locs = json_array();
    for (int i = 0; i < c->nsubs; i++)
        json_array_append_new(subs, json_string(c->subs[i].id));
    for (int i = 0; c->o->locations && c->o->locations[i]; i++)
        json_array_append_new(locs, json_string(c->o->locations[i]));
    json_t *accounts = json_deep_copy(subs);
    json_array_append_new(accounts, json_string(tenant_of(c)));
    json_t *scope =
        json_pack("{s:s, s:o, s:o, s:o, s:s?, s:s?}", "tenant", tenant_of(c), "accounts", accounts,
                  "subscriptions", subs, "locations", locs, "management_group",
                  c->o->management_group, "endpoint_url", c->o->endpoint_url);
    char *s = json_dumps(scope, JSON_COMPACT | JSON_SORT_KEYS);
    if (s) ism_snapshot_set_manifest(c->snap, "scope", s, NULL);
    free(s);
    json_decref(scope);
}

static void set_base(char *out, size_t n, const char *a, const char *b, const char *dflt)
{
    ism_strlcpy(out, a && *a ? a : b && *b ? b : dflt, n);
    size_t l = strlen(out);
    while (l && out[l - 1] == '/')
        out[--l] = 0;
}

static bool is_loopback_http(const char *url)
{
    if (strncmp(url, "http://", 7)) return false;
    char host[256];
    const char *h = url + 7;
    size_t n = *h == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
    if (n >= sizeof host) return false;
    memcpy(host, h, n);
    host[n] = 0;
    return ism_http_is_loopback_host(host);
}

bool ism_azure_collect(const ism_azure_opts *o, ism_snapshot *snap, ism_azure_stats *st,
                       ism_error *err)
{
    az c0 = {0}, *c = &c0;
    c->o = o;
    c->snap = snap;
    c->st = st;
    memset(st, 0, sizeof *st);
    int64_t t0 = ism_mono_ms();
    const char *ep = o->endpoint_url;
    set_base(c->base[2], sizeof c->base[2], ep, o->authority_host, NULL);
    if (!ism_azure_creds_from_env(&c->cr, c->base[2][0] ? c->base[2] : NULL, err)) return false;
    ism_strlcpy(c->base[2], c->cr.authority, sizeof c->base[2]);
    set_base(c->base[0], sizeof c->base[0], ep, o->arm_url, ISM_AZURE_ARM_DEFAULT);
    set_base(c->base[1], sizeof c->base[1], ep, o->graph_url, ISM_AZURE_GRAPH_DEFAULT);
    /* The audiences: a sovereign cloud's own ARM/Graph URLs are their audiences; an endpoint_url
     * only redirects the transport (an emulator, a private endpoint) and keeps the public ones. */
    set_base(c->res[0], sizeof c->res[0], ep ? NULL : o->arm_url, NULL, ISM_AZURE_ARM_DEFAULT);
    set_base(c->res[1], sizeof c->res[1], ep ? NULL : o->graph_url, NULL, ISM_AZURE_GRAPH_DEFAULT);
    for (int i = 0; i < 2; i++) {
        /* Through a local buffer: gcc -O1 cannot tell scope[i] from res[i] (-Wrestrict). */
        char scope[sizeof c->scope[i]];
        snprintf(scope, sizeof scope, "%.1000s/.default", c->res[i]);
        memcpy(c->scope[i], scope, sizeof scope);
    }
    snprintf(st->principal, sizeof st->principal, "app %.127s in tenant %.127s", c->cr.client_id,
             c->cr.tenant);

    /* ARM and Graph are one host each: the engine's default of 6 transfers per host would be
     * the collection's bound, far below ARM's per-subscription budgets. */
    ism_http_config hc = {.max_in_flight = 32,
                          .max_per_host = 32,
                          .tick = tick,
                          .tick_arg = c,
                          .allow_http_loopback = is_loopback_http(c->base[0]) ||
                                                 is_loopback_http(c->base[1]) ||
                                                 is_loopback_http(c->base[2]),
                          .ca_file = getenv("ISM_AZURE_CA_FILE")};
    if (o->engine) {
        ism_http_config t = *o->engine;
        t.tick = tick;
        t.tick_arg = c;
        t.allow_http_loopback = hc.allow_http_loopback;
        if (!t.ca_file) t.ca_file = hc.ca_file;
        hc = t;
    }
    c->eng = ism_http_engine_new(&hc, err);
    if (!c->eng) {
        ism_azure_creds_free(&c->cr);
        return false;
    }
    ism_rate_bucket_init(&c->graph.rb, GRAPH_BURST, GRAPH_RATE, ism_http_now(c->eng));
    ism_rate_bucket_init(&c->arm_tenant.rb, ARM_BURST, ARM_RATE, ism_http_now(c->eng));
    c->ops = ism_azure_ops(&c->nops);
    c->tenant_units = calloc(c->nops, sizeof *c->tenant_units);
    bool ok = c->tenant_units && ism_snapshot_begin(snap, err);
    if (ok) {
        ism_snapshot_set_manifest(snap, "principal", st->principal, NULL);
        c->last_tick = ism_mono_ms();
        for (size_t i = 0; i < c->nops; i++) {
            unit *u = &c->tenant_units[i];
            *u = (unit){.c = c, .op = &c->ops[i], .cov = C_NONE};
            const char *n = c->ops[i].name;
            bool want = c->ops[i].scope == ISM_AZURE_SCOPE_TENANT;
            if (!strcmp(n, "SubscriptionsList"))
                want = !(o->subscriptions && o->subscriptions[0]) && !o->management_group;
            if (!strcmp(n, "ManagementGroupsGetDescendants"))
                want = o->management_group && !(o->subscriptions && o->subscriptions[0]);
            if (!want) {
                u->done = true;
                continue;
            }
            c->units_total++;
        }
        if (o->subscriptions && o->subscriptions[0]) {
            for (int i = 0; o->subscriptions[i]; i++)
                add_sub(c, o->subscriptions[i]);
            c->subs_known = true;
        }
        for (size_t i = 0; i < c->nops; i++)
            if (!c->tenant_units[i].done) unit_start(c, &c->tenant_units[i]);
        if (c->subs_known)
            for (int i = 0; i < c->nsubs; i++)
                sub_start(c, &c->subs[i]);
        ism_error e = {0};
        bool ran = ism_http_run(c->eng, &e);
        if (!ran && !c->failed && !c->stopping) fail_fatal(c, &e);
        ism_error_clear(&e);
        if (!c->failed && !c->stopping) fill_elsewhere(c);
        write_scope(c);
        ism_error ce = {0};
        if (!ism_snapshot_commit(snap, &ce) && !c->failed) fail_fatal(c, &ce);
        ism_error_clear(&ce);
        if (c->failed) {
            ism_error_set(err, c->fatal.code, "%s", c->fatal.message);
            ok = false;
        } else if (c->stopping) {
            ism_error_set(err, ISM_E_INTERRUPTED, "collection stopped; the work done is kept");
            ok = false;
        }
    }
    ism_http_stats hs;
    ism_http_stats_get(c->eng, &hs);
    st->calls = hs.calls;
    st->retries = hs.retries;
    st->throttled = hs.throttled;
    st->tokens = hs.admitted;
    st->throttle_limit_hits = hs.throttle_limit_hits;
    st->subscriptions = c->nsubs;
    /* How the window was used: busy_ms is the attempts' summed time in flight, so busy_ms / ms
     * is the mean number of transfers at once and busy_ms / calls the answer time seen. */
    int64_t ms = ism_mono_ms() - t0;
    ism_logj(ISM_LOG_INFO, "azure.collected",
             json_pack("{s:I, s:I, s:I, s:I, s:i, s:i, s:I}", "attempts", (json_int_t)hs.calls,
                       "retries", (json_int_t)hs.retries, "throttled", (json_int_t)hs.throttled,
                       "busy_ms", (json_int_t)hs.busy_ms, "max_in_flight", hs.max_in_flight_seen,
                       "subscriptions", c->nsubs, "ms", (json_int_t)ms),
             "azure: %llu attempts in %lld ms, %.1f transfers in flight on average (at most %d)",
             (unsigned long long)hs.calls, (long long)ms,
             ms > 0 ? (double)hs.busy_ms / (double)ms : 0.0, hs.max_in_flight_seen);
    for (int i = 0; i < c->nsubs; i++) {
        if (c->subs[i].ready && !c->subs[i].entered) st->not_entered++;
        free(c->subs[i].u);
    }
    ism_http_engine_free(c->eng);
    for (int a = 0; a < 2; a++)
        while (c->parked[a]) {
            call *k = c->parked[a];
            c->parked[a] = k->next;
            call_free(k);
        }
    while (c->qhead) {
        call *k = c->qhead;
        c->qhead = k->next;
        call_free(k);
    }
    sqlite3_finalize(c->q_cov);
    free(c->subs);
    free(c->tenant_units);
    ism_azure_cache_free(&c->tc);
    for (int i = 0; i < 2; i++)
        if (c->last_token[i]) {
            memset(c->last_token[i], 0, strlen(c->last_token[i]));
            free(c->last_token[i]);
        }
    ism_azure_creds_free(&c->cr);
    ism_error_clear(&c->fatal);
    st->ms = ism_mono_ms() - t0;
    return ok;
}
