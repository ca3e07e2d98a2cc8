/* collector.c — the OCI collection: reads the tenancy's region subscriptions and compartment
 * tree, then every operation of the table (ops.c) in every region and compartment in scope
 * through the collect room's HTTP engine (signed per attempt, one token per attempt from a bucket
 * per region and service, opc-next-page paging, children per listed item), writing resources,
 * one calls row per page and one coverage row per (tenancy, region, operation) with the worst
 * state met and the compartments it concerns. A resumed run skips the operations whose coverage
 * (and their children's) is already in the snapshot. */
#include "ismap/snapshot.h"
#include "oci_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OCI_BUCKET_CAPACITY 20.0
#define OCI_BUCKET_RATE 20.0 /* tokens/s per region and service */

enum { ST_COMPLETE = 0, ST_FAILED = 1, ST_DENIED = 2 };

typedef struct unit {
    const struct oci_op *op;
    int opi;
    char region[64]; /* "global" for tenancy-wide operations */
    char call_region[64];
    int pending; /* requests in flight or queued, pages included */
    bool started, finalized, skip, standalone;
    bool cancelled; /* a request was cancelled (stop): never recorded, a resumed run redoes it */
    int worst;
    char reason[600];
    int reasons;
} unit;

typedef struct col {
    const ism_oci_collect_opts *o;
    ism_snapshot *snap;
    ism_collect_stats *st;
    ism_oci_profile prof;
    ism_http_engine *eng;
    const oci_op *ops;
    size_t nops;
    char home[64];
    char **regions;
    int nregions;
    json_t *compartments;     /* [ocid] in scope: the tenancy (when whole) and the subtree */
    json_t *subs, *all_comps; /* phase 1's answers: region subscriptions, every compartment */
    unit *units;              /* nops x (nregions + 1): index nregions is "global" */
    int64_t last_tick, t0;
    bool stopping, fatal;
    ism_error fatal_err;
    int units_total, units_done;
} col;

typedef struct task {
    col *c;
    unit *u;
    char *url; /* without the page parameter */
    char *base;
    char *scope; /* the compartment (or parent id) it concerns, for reasons */
    char started[32];
} task;

static unit *unit_of(col *c, int opi, int ri)
{
    return &c->units[opi * (c->nregions + 1) + ri];
}

static int op_index(col *c, const char *name)
{
    for (size_t i = 0; i < c->nops; i++)
        if (!strcmp(c->ops[i].operation, name)) return (int)i;
    return -1;
}

static void fail_fatal(col *c, const ism_error *e)
{
    if (c->fatal) return;
    c->fatal = true;
    c->fatal_err.code = e->code;
    ism_strlcpy(c->fatal_err.message, e->message, sizeof c->fatal_err.message);
    ism_http_cancel(c->eng);
}

/* ---- coverage ---------------------------------------------------------------------------- */
static const char *state_name(int s)
{
    return s == ST_DENIED ? "denied" : s == ST_FAILED ? "failed" : "complete";
}

static void note(unit *u, int state, const char *scope, const char *code, const char *msg)
{
    if (state > u->worst) u->worst = state;
    size_t n = strlen(u->reason);
    if (u->reasons++ < 8)
        snprintf(u->reason + n, sizeof u->reason - n, "%s%s: %s %s", n ? "; " : "",
                 scope ? scope : "", code ? code : "", msg ? msg : "");
    else if (u->reasons == 9 && n + 8 < sizeof u->reason)
        strcat(u->reason, "; ...");
}

static void maybe_finalize(col *c, unit *u);

static void finalize_children(col *c, unit *u)
{
    if (u->standalone) return;
    int ri = (int)((u - c->units) % (c->nregions + 1));
    for (size_t i = 0; i < c->nops; i++) {
        if (!c->ops[i].parent || strcmp(c->ops[i].parent, u->op->operation)) continue;
        unit *ch = unit_of(c, (int)i, ri);
        if (ch->skip) continue;
        if (u->worst != ST_COMPLETE && ch->worst < ST_FAILED) {
            char why[160];
            snprintf(why, sizeof why, "%s was %s", u->op->operation, state_name(u->worst));
            note(ch, ST_FAILED, "not all read", "", why);
        }
        ch->started = true; /* the parent is final: the child's requests are all known */
        maybe_finalize(c, ch);
    }
}

static bool parent_final(col *c, unit *u)
{
    if (!u->op->parent || u->standalone) return true;
    int ri = (int)((u - c->units) % (c->nregions + 1));
    return unit_of(c, op_index(c, u->op->parent), ri)->finalized;
}

static void maybe_finalize(col *c, unit *u)
{
    if (u->finalized || u->skip || u->cancelled || !u->started || u->pending > 0 ||
        !parent_final(c, u))
        return;
    u->finalized = true;
    ism_error e = {0};
    if (!ism_snapshot_put_coverage(c->snap, "oci", c->prof.tenancy, u->region, u->op->service,
                                   u->op->operation, state_name(u->worst),
                                   u->worst ? u->reason : NULL, &e))
        fail_fatal(c, &e);
    ism_error_clear(&e);
    c->units_done++;
    if (u->worst == ST_COMPLETE)
        c->st->units_complete++;
    else if (u->worst == ST_DENIED)
        c->st->units_denied++;
    else
        c->st->units_failed++;
    finalize_children(c, u);
}

/* ---- requests ----------------------------------------------------------------------------- */
static void on_done(ism_http_result *r, void *arg);

static bool submit_url(col *c, task *t, const char *page)
{
    char *url = page ? ism_strdupf("%s%spage=%s", t->url, strchr(t->url, '?') ? "&" : "?", page)
                     : strdup(t->url);
    char rate_key[160], label[160];
    snprintf(rate_key, sizeof rate_key, "%s/%s", t->u->call_region, t->u->op->service);
    snprintf(label, sizeof label, "%s:%s", t->u->op->service, t->u->op->operation);
    ism_http_request req = {.method = "GET",
                            .url = url,
                            .rate_key = rate_key,
                            .label = label,
                            .signer = ism_oci_http_signer,
                            .signer_arg = &c->prof,
                            .done = on_done,
                            .done_arg = t};
    ism_now_iso(t->started);
    ism_error e = {0};
    bool ok = url && ism_http_submit(c->eng, &req, &e);
    free(url);
    if (!ok) {
        note(t->u, ST_FAILED, t->scope, "LocalError", e.message);
        ism_error_clear(&e);
    }
    return ok;
}

/* A path with {tenancy}, {compartment} and {field}s of the parent's item filled in
 * (percent-encoded); NULL when a field is missing. */
static char *fill_path(col *c, const char *tmpl, const char *comp, const json_t *item)
{
    size_t cap = strlen(tmpl) + 1024, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    for (const char *p = tmpl; *p;) {
        if (*p != '{') {
            out[n++] = *p++;
            continue;
        }
        const char *e = strchr(p, '}');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
        const char *v = !strcmp(name, "tenancy")       ? c->prof.tenancy
                        : !strcmp(name, "compartment") ? comp
                                                       : ism_json_getstr(item, name);
        if (!v) {
            free(out);
            return NULL;
        }
        for (const char *s = v; *s; s++) {
            if (n + 4 >= cap) {
                char *t = realloc(out, cap *= 2);
                if (!t) {
                    free(out);
                    return NULL;
                }
                out = t;
            }
            unsigned char ch = (unsigned char)*s;
            if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '_' || ch == '.' || ch == '~')
                out[n++] = (char)ch;
            else
                n += (size_t)snprintf(out + n, 4, "%%%02X", ch);
        }
        p = e + 1;
    }
    out[n] = '\0';
    return out;
}

/* May signed requests go to a base URL an API answer named (a Vault's management endpoint)?
 * Only under the configured endpoint, or to an Oracle Cloud host over https. */
static bool base_trusted(col *c, const char *base)
{
    if (c->o->endpoint_url && *c->o->endpoint_url)
        return !strncmp(base, c->o->endpoint_url, strlen(c->o->endpoint_url));
    if (strncmp(base, "https://", 8)) return false;
    const char *h = base + 8;
    size_t hl = strcspn(h, "/:?#");
    static const char *const sfx[] = {".oraclecloud.com", ".oraclecloud.jp", NULL};
    for (int i = 0; sfx[i]; i++) {
        size_t sl = strlen(sfx[i]);
        if (hl > sl && !strncmp(h + hl - sl, sfx[i], sl)) return true;
    }
    return false;
}

static void start_task(col *c, unit *u, const char *base, const char *comp, const json_t *item,
                       const char *scope)
{
    if (u->skip || c->fatal) return;
    u->started = true;
    char *path = fill_path(c, u->op->path, comp, item);
    if (!path) {
        note(u, ST_FAILED, scope, "InvalidData", "the answer lacked a field the path needs");
        return;
    }
    task *t = calloc(1, sizeof *t);
    t->c = c;
    t->u = u;
    t->base = strdup(base);
    t->url = ism_strdupf("%s%s", base, path);
    t->scope = strdup(scope ? scope : "");
    free(path);
    u->pending++;
    if (!submit_url(c, t, NULL)) {
        u->pending--;
        free(t->url);
        free(t->base);
        free(t->scope);
        free(t);
    }
}

static bool endpoint(col *c, const char *service, const char *region, char *out, size_t n)
{
    return ism_oci_endpoint(c->o->endpoint_url, service, region, out, n);
}

/* Children of op `parent` for one listed item (per item), or the per-compartment children of a
 * once-per-region parent. */
static void spawn_children(col *c, unit *pu, const task *pt, const json_t *item)
{
    if (pu->standalone) return;
    int ri = (int)((pu - c->units) % (c->nregions + 1));
    for (size_t i = 0; i < c->nops; i++) {
        const oci_op *op = &c->ops[i];
        if (!op->parent || strcmp(op->parent, pu->op->operation)) continue;
        unit *u = unit_of(c, (int)i, ri);
        if (u->skip) continue;
        char base[1024];
        if (op->base_field) {
            const char *b = ism_json_getstr(item, op->base_field);
            if (!b || !base_trusted(c, b)) {
                u->started = true;
                note(u, ST_FAILED, ism_json_getstr(item, "id"), "UntrustedEndpoint",
                     "the endpoint the answer named is not an Oracle Cloud host");
                continue;
            }
            ism_strlcpy(base, b, sizeof base);
        } else if (!strcmp(op->service, pu->op->service)) {
            ism_strlcpy(base, pt->base, sizeof base);
        } else if (!endpoint(c, op->service, u->call_region, base, sizeof base)) {
            continue;
        }
        if (op->scope == OCI_CHILD_PER_COMP) {
            size_t k;
            const json_t *comp;
            json_array_foreach(c->compartments, k, comp)
            {
                start_task(c, u, base, json_string_value(comp), item, json_string_value(comp));
            }
        } else {
            const char *pid = ism_json_getstr(item, pu->op->id_field ? pu->op->id_field : "id");
            start_task(c, u, base, ism_json_getstr(item, "compartmentId"), item, pid);
        }
    }
}

static void put_item(col *c, unit *u, task *t, json_t *item)
{
    const oci_op *op = u->op;
    if (op->parent_key && !json_object_get(item, op->parent_key)) {
        /* the parent's id: the last {field} the path was filled from is in the task's scope */
        json_object_set_new(item, op->parent_key, json_string(t->scope));
    }
    if (!strcmp(op->operation, "ListRegionSubscriptions")) json_array_append(c->subs, item);
    if (!strcmp(op->operation, "ListCompartments")) json_array_append(c->all_comps, item);
    if (!op->type) return;
    const char *id = op->id_field ? ism_json_getstr(item, op->id_field) : NULL;
    if (!id)
        id = op->id_field ? NULL : (u->op->scope == OCI_REGION_ONCE ? u->region : c->prof.tenancy);
    if (!id) return;
    ism_resource res = {.provider = "oci",
                        .account = c->prof.tenancy,
                        .region = u->region,
                        .service = op->service,
                        .type = op->type,
                        .id = id,
                        .data = item};
    ism_error e = {0};
    if (!ism_snapshot_put_resource(c->snap, &res, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
}

static void record_call(col *c, task *t, const ism_http_result *r, const char *status,
                        const char *code, const char *msg)
{
    ism_call call = {.provider = "oci",
                     .account = c->prof.tenancy,
                     .region = t->u->region,
                     .service = t->u->op->service,
                     .operation = t->u->op->operation,
                     .status = status,
                     .http_status = (int)r->status,
                     .attempts = r->attempts,
                     .latency_ms = (long)r->latency_ms,
                     .error_code = code,
                     .error_message = msg,
                     .request_id = r->request_id,
                     .started = t->started};
    ism_error e = {0};
    if (!ism_snapshot_put_call(c->snap, &call, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
}

static void free_task(task *t)
{
    free(t->url);
    free(t->base);
    free(t->scope);
    free(t);
}

static void on_done(ism_http_result *r, void *arg)
{
    task *t = arg;
    col *c = t->c;
    unit *u = t->u;
    json_t *doc = NULL;
    if (r->cls == ISM_HTTP_OK) {
        json_error_t je;
        doc = json_loadb(r->body ? r->body : "", r->body_len, JSON_DECODE_ANY, &je);
        if (!doc) {
            record_call(c, t, r, "failed", "InvalidJson", je.text);
            note(u, ST_FAILED, t->scope, "InvalidJson", je.text);
        }
    } else {
        char code[64] = "", msg[300] = "";
        json_t *eb = r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
        ism_strlcpy(code, ism_json_getstr(eb, "code") ? ism_json_getstr(eb, "code") : "",
                    sizeof code);
        ism_strlcpy(
            msg, ism_json_getstr(eb, "message") ? ism_json_getstr(eb, "message") : r->err.message,
            sizeof msg);
        json_decref(eb);
        if (!*code)
            snprintf(code, sizeof code, "%s", r->status ? "HTTP" : ism_http_class_name(r->cls));
        bool denied = r->status == 401 || r->status == 403 ||
                      (r->status == 404 && !strcmp(code, "NotAuthorizedOrNotFound"));
        const char *status = denied                         ? "denied"
                             : r->cls == ISM_HTTP_THROTTLED ? "throttled"
                                                            : "failed";
        record_call(c, t, r, status, code, msg);
        if (r->err.code == ISM_E_CANCELLED) {
            u->cancelled = true;
            u->pending--;
            free_task(t);
            return; /* stopped: the unit stays open, so a resumed run redoes it */
        }
        note(u, denied ? ST_DENIED : ST_FAILED, t->scope, code, msg);
    }
    if (doc) {
        record_call(c, t, r, "ok", NULL, NULL);
        json_t *items = json_is_array(doc) ? doc : json_object_get(doc, "items");
        if (u->op->scope == OCI_REGION_ONCE && json_is_string(doc)) {
            /* GetNamespace: a JSON string */
            json_t *ns = json_pack("{s:s}", "namespace", json_string_value(doc));
            spawn_children(c, u, t, ns);
            json_decref(ns);
        } else if (json_is_array(items) && (json_is_array(doc) || json_object_size(doc) == 1)) {
            size_t i;
            json_t *it;
            json_array_foreach(items, i, it)
            {
                put_item(c, u, t, it);
                spawn_children(c, u, t, it);
            }
        } else if (json_is_object(doc)) {
            put_item(c, u, t, doc);
            spawn_children(c, u, t, doc);
        }
        const char *next = ism_http_headers_get(r->headers, "opc-next-page");
        if (next && *next && u->op->paginated) {
            json_t *pj = json_pack("{s:s}", "p", next);
            char *enc = fill_path(c, "{p}", NULL, pj);
            json_decref(pj);
            bool ok = enc && submit_url(c, t, enc);
            free(enc);
            json_decref(doc);
            if (ok) return; /* the same task goes on */
        } else {
            json_decref(doc);
        }
    }
    u->pending--;
    free_task(t);
    maybe_finalize(c, u);
}

/* ---- the run -------------------------------------------------------------------------------- */
static void progress(col *c)
{
    ism_http_stats hs;
    ism_http_stats_get(c->eng, &hs);
    c->st->calls = hs.calls;
    c->st->retries = hs.retries;
    c->st->throttled = hs.throttled;
    c->st->tokens = hs.admitted;
    c->st->throttle_limit_hits = hs.throttle_limit_hits;
    const ism_collect_run *run = c->o->run;
    if (!run || !run->progress) return;
    char msg[200];
    snprintf(msg, sizeof msg, "regions %d, compartments %zu, operations %d/%d, calls %llu",
             c->nregions, json_array_size(c->compartments), c->units_done, c->units_total,
             (unsigned long long)hs.calls);
    ism_collect_progress p = {.scopes_done = c->units_done >= c->units_total ? 1 : 0,
                              .scopes_total = 1,
                              .units_done = c->units_done,
                              .units_total = c->units_total,
                              .calls = hs.calls,
                              .throttled = hs.throttled,
                              .retries = hs.retries,
                              .errors = hs.server_errors + hs.connection_errors + hs.client_errors,
                              .message = msg};
    run->progress(run->ctx, &p);
}

static void tick(col *c, bool force)
{
    int64_t now = ism_mono_ms();
    if (!force && now - c->last_tick < 1000) return;
    c->last_tick = now;
    const ism_collect_run *run = c->o->run;
    if (!c->stopping && run && run->should_stop && run->should_stop(run->ctx)) {
        c->stopping = true;
        ism_http_cancel(c->eng);
    }
    ism_error e = {0};
    if (!ism_snapshot_commit(c->snap, &e) || !ism_snapshot_begin(c->snap, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
    progress(c);
}

static int64_t engine_tick(void *arg)
{
    tick(arg, false);
    return 1000;
}

static bool run_engine(col *c, ism_error *err)
{
    ism_error e = {0};
    bool ok = ism_http_run(c->eng, &e);
    tick(c, true);
    if (c->fatal) {
        ism_error_clear(&e);
        return ism_error_set(err, c->fatal_err.code, "%s", c->fatal_err.message);
    }
    if (c->stopping || (!ok && e.code == ISM_E_CANCELLED)) {
        ism_error_clear(&e);
        return ism_error_set(err, ISM_E_INTERRUPTED,
                             "the OCI collection was stopped; what was committed is kept for a "
                             "resumed run");
    }
    if (!ok) {
        ism_error_set(err, e.code, "%s", e.message);
        ism_error_clear(&e);
        return false;
    }
    return true;
}

static bool has_coverage(col *c, const char *region, const char *op)
{
    char *s = ism_snapshot_coverage(c->snap, c->prof.tenancy, region, op);
    bool has = s != NULL;
    free(s);
    return has;
}

/* A unit is resumed (skipped) when it and all its descendants already have coverage. */
static bool subtree_covered(col *c, int opi, int ri)
{
    unit *u = unit_of(c, opi, ri);
    if (!has_coverage(c, u->region, u->op->operation)) return false;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].parent && !strcmp(c->ops[i].parent, u->op->operation) &&
            !subtree_covered(c, (int)i, ri))
            return false;
    return true;
}

static void mark_skip(col *c, int opi, int ri)
{
    unit *u = unit_of(c, opi, ri);
    u->skip = true;
    c->st->units_resumed++;
    c->units_done++;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].parent && !strcmp(c->ops[i].parent, u->op->operation))
            mark_skip(c, (int)i, ri);
}

/* Phase 1: region subscriptions and the compartment tree, from the region we know. */
static bool phase1(col *c, const char *region, ism_error *err)
{
    unit u1 = {.op = ism_oci_op_find("ListRegionSubscriptions"), .standalone = true},
         u2 = {.op = ism_oci_op_find("ListCompartments"), .standalone = true};
    ism_strlcpy(u1.region, "global", sizeof u1.region);
    ism_strlcpy(u2.region, "global", sizeof u2.region);
    ism_strlcpy(u1.call_region, region, sizeof u1.call_region);
    ism_strlcpy(u2.call_region, region, sizeof u2.call_region);
    char base[1024];
    if (!endpoint(c, "identity", region, base, sizeof base))
        return ism_error_set(err, ISM_E_CONFIG, "'%s' is not an OCI region identifier", region);
    start_task(c, &u1, base, NULL, NULL, c->prof.tenancy);
    start_task(c, &u2, base, NULL, NULL, c->prof.tenancy);
    if (!run_engine(c, err)) return false;
    c->units_done = 0;
    c->st->units_complete = c->st->units_denied = c->st->units_failed = 0;
    if (u1.worst != ST_COMPLETE)
        return ism_error_set(err, ISM_E_UPSTREAM,
                             "OCI refused to list the tenancy's region subscriptions (%s): %s",
                             state_name(u1.worst), u1.reason);
    if (u2.worst != ST_COMPLETE)
        return ism_error_set(err, ISM_E_UPSTREAM,
                             "OCI refused to list the tenancy's compartments (%s): %s; the "
                             "collector needs 'inspect compartments in tenancy'",
                             state_name(u2.worst), u2.reason);
    return true;
}

static bool in_subtree(const json_t *all, const char *id, const char *root)
{
    for (int depth = 0; id && depth < 64; depth++) {
        if (!strcmp(id, root)) return true;
        const char *parent = NULL;
        size_t i;
        const json_t *cm;
        json_array_foreach(all, i, cm)
        {
            if (!strcmp(ism_json_getstr(cm, "id") ? ism_json_getstr(cm, "id") : "", id))
                parent = ism_json_getstr(cm, "compartmentId");
        }
        id = parent;
    }
    return false;
}

static bool choose_scope(col *c, ism_error *err)
{
    /* regions: the subscribed ones, or those asked for (each must be subscribed) */
    size_t i;
    const json_t *s;
    json_array_foreach(c->subs, i, s)
    {
        if (json_is_true(json_object_get(s, "isHomeRegion")))
            ism_strlcpy(c->home, ism_json_getstr(s, "regionName"), sizeof c->home);
    }
    c->regions = calloc(json_array_size(c->subs) + 1, sizeof *c->regions);
    if (c->o->regions) {
        for (const char **r = c->o->regions; *r; r++) {
            bool found = false;
            json_array_foreach(c->subs, i, s)
            {
                found |= !strcmp(
                    ism_json_getstr(s, "regionName") ? ism_json_getstr(s, "regionName") : "", *r);
            }
            if (!found)
                return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                     "the tenancy does not subscribe to region '%s'", *r);
        }
    }
    json_array_foreach(c->subs, i, s)
    {
        const char *name = ism_json_getstr(s, "regionName");
        bool want = name && (!c->o->regions);
        for (const char **r = c->o->regions; name && r && *r; r++)
            want |= !strcmp(*r, name);
        if (want) c->regions[c->nregions++] = strdup(name);
    }
    if (!c->home[0] && c->nregions) ism_strlcpy(c->home, c->regions[0], sizeof c->home);
    /* compartments: the tenancy and every active one, or the subtree asked for */
    const char *root = c->o->compartment && *c->o->compartment ? c->o->compartment : NULL;
    c->compartments = json_array();
    if (!root || !strcmp(root, c->prof.tenancy))
        json_array_append_new(c->compartments, json_string(c->prof.tenancy));
    bool root_found = !root || !strcmp(root, c->prof.tenancy);
    json_array_foreach(c->all_comps, i, s)
    {
        const char *id = ism_json_getstr(s, "id");
        const char *state = ism_json_getstr(s, "lifecycleState");
        if (!id || (state && strcmp(state, "ACTIVE"))) continue;
        if (root && strcmp(root, c->prof.tenancy) && !in_subtree(c->all_comps, id, root)) continue;
        if (root && !strcmp(id, root)) root_found = true;
        json_array_append_new(c->compartments, json_string(id));
    }
    if (!root_found)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "compartment %s is not an active compartment of tenancy %s", root,
                             c->prof.tenancy);
    return true;
}

static void write_scope(col *c)
{
    json_t *regions = json_array();
    for (int i = 0; i < c->nregions; i++)
        json_array_append_new(regions, json_string(c->regions[i]));
    json_t *scope =
        json_pack("{s:[s], s:o, s:s, s:s?, s:i, s:s, s:s?}", "accounts", c->prof.tenancy, "regions",
                  regions, "tenancy", c->prof.tenancy, "compartment", c->o->compartment,
                  "compartments", (int)json_array_size(c->compartments), "home_region", c->home,
                  "endpoint_url", c->o->endpoint_url);
    char *s = json_dumps(scope, JSON_COMPACT | JSON_SORT_KEYS);
    ism_snapshot_set_manifest(c->snap, "scope", s, NULL);
    free(s);
    json_decref(scope);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "tenancy", c->prof.tenancy, "user", c->prof.user,
                          "fingerprint", c->prof.fingerprint, "profile", c->prof.name);
    s = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    ism_snapshot_set_manifest(c->snap, "principal", s, NULL);
    free(s);
    json_decref(p);
    snprintf(c->st->principal, sizeof c->st->principal, "%s", c->prof.user);
}

/* Phase 2: every operation of the table in scope. */
static bool phase2(col *c, ism_error *err)
{
    int R = c->nregions;
    c->units = calloc(c->nops * (size_t)(R + 1), sizeof *c->units);
    if (!c->units) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    for (size_t i = 0; i < c->nops; i++) {
        bool global = ism_oci_op_global(&c->ops[i]);
        for (int ri = 0; ri <= R; ri++) {
            unit *u = unit_of(c, (int)i, ri);
            u->op = &c->ops[i];
            u->opi = (int)i;
            ism_strlcpy(u->region, ri == R ? "global" : c->regions[ri], sizeof u->region);
            ism_strlcpy(u->call_region, ri == R ? c->home : c->regions[ri], sizeof u->call_region);
            /* a unit that does not apply is finalized already, silently */
            bool phase1_op = !strcmp(u->op->operation, "ListRegionSubscriptions") ||
                             !strcmp(u->op->operation, "ListCompartments");
            if (global != (ri == R) || phase1_op)
                u->finalized = u->skip = true;
            else
                c->units_total++;
        }
    }
    for (size_t i = 0; i < c->nops; i++) {
        const oci_op *op = &c->ops[i];
        if (op->parent || !strcmp(op->operation, "ListRegionSubscriptions") ||
            !strcmp(op->operation, "ListCompartments"))
            continue;
        for (int ri = 0; ri <= R; ri++) {
            unit *u = unit_of(c, (int)i, ri);
            if (u->skip) continue;
            if (subtree_covered(c, (int)i, ri)) {
                mark_skip(c, (int)i, ri);
                continue;
            }
            char base[1024];
            if (!endpoint(c, op->service, u->call_region, base, sizeof base)) continue;
            if (op->scope == OCI_TENANCY || op->scope == OCI_REGION_ONCE) {
                start_task(c, u, base, c->prof.tenancy, NULL, c->prof.tenancy);
            } else {
                size_t k;
                const json_t *comp;
                json_array_foreach(c->compartments, k, comp)
                {
                    start_task(c, u, base, json_string_value(comp), NULL, json_string_value(comp));
                }
            }
            if (!u->pending) maybe_finalize(c, u);
        }
    }
    /* the two of phase 1 are recorded in the totals too */
    c->units_total += 2;
    c->units_done += 2;
    return run_engine(c, err);
}

bool ism_oci_collect(const ism_oci_collect_opts *o, ism_snapshot *snap, ism_collect_stats *st,
                     ism_error *err)
{
    col c = {.o = o, .snap = snap, .st = st, .t0 = ism_mono_ms()};
    c.ops = ism_oci_ops(&c.nops);
    if (!ism_oci_profile_load(o->profile, o->config_file, &c.prof, err)) return false;
    const char *first = c.prof.region[0] ? c.prof.region : o->regions ? o->regions[0] : NULL;
    if (!first) {
        ism_oci_profile_free(&c.prof);
        return ism_error_set(err, ISM_E_CONFIG,
                             "OCI profile '%s' names no region (set 'region' or OCI_CLI_REGION, "
                             "or pass --regions)",
                             c.prof.name);
    }
    bool loopback = false;
    if (o->endpoint_url && !strncmp(o->endpoint_url, "http://", 7)) loopback = true;
    ism_http_config cfg = {.allow_http_loopback = loopback,
                           .bucket_capacity = OCI_BUCKET_CAPACITY,
                           .bucket_refill = OCI_BUCKET_RATE,
                           .tick = engine_tick,
                           .tick_arg = &c};
    c.eng = ism_http_engine_new(&cfg, err);
    c.subs = json_array();
    c.all_comps = json_array();
    bool ok =
        c.eng && ism_snapshot_begin(snap, err) && phase1(&c, first, err) && choose_scope(&c, err);
    if (ok) {
        write_scope(&c);
        ok = phase2(&c, err);
    }
    ism_error e = {0};
    if (!ism_snapshot_commit(snap, &e) && ok) ok = ism_error_set(err, e.code, "%s", e.message);
    ism_error_clear(&e);
    if (c.eng) {
        progress(&c);
        ism_http_engine_free(c.eng);
    }
    st->scopes = c.compartments ? (int)json_array_size(c.compartments) : 0;
    st->ms = ism_mono_ms() - c.t0;
    for (int i = 0; i < c.nregions; i++)
        free(c.regions[i]);
    free(c.regions);
    free(c.units);
    json_decref(c.subs);
    json_decref(c.all_comps);
    json_decref(c.compartments);
    ism_oci_profile_free(&c.prof);
    return ok;
}
