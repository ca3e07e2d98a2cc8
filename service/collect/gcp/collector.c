/* collector.c — the Google Cloud collector: gets an access token (the key file's JWT bearer
 * grant at its token_uri, or an external account's subject token exchanged at the STS; then
 * optionally generateAccessToken for a scanning identity), walks the scope (projects given, or a
 * folder's or the organization's tree through Resource Manager v3, its lists first, with the IAM
 * policies at each level and Security Command Center's sources on the organization), lists the
 * scope's assets through Cloud Asset Inventory, then reads every project's operations (ops.c) per
 * region and zone through the HTTP engine — those Cloud Asset Inventory served taken from it,
 * the rest (or all, where it is disabled or denied) from each service's API: nextPageToken
 * paging, one rate bucket per (project, API) that every attempt (retries included) spends (Cloud
 * Asset Inventory's: the consumer project's), 429 RESOURCE_EXHAUSTED and 403 rateLimitExceeded
 * as throttling, a token refreshed before it expires (and once more on 401). Every (scope,
 * region, operation) ends with a coverage row; a resumed run skips those. */
#include "gcp_int.h"
#include "ismap/snapshot.h"

#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { C_COMPLETE, C_NOT_ENABLED, C_FAILED, C_DENIED, C_NONE }; /* worse is larger */
static const char *const cov_names[] = {"complete", "not_enabled", "failed", "denied"};

typedef struct col col;
typedef struct proj proj;

/* Cloud Asset Inventory on one node of the scope: the organization or folder asked for (its
 * assets name their project by number in ancestors), or a project given by id. Two chains
 * (RESOURCE, IAM_POLICY); until both end, the operations it serves wait; if either fails
 * (disabled, denied, failed), those operations are read from each service's API instead. */
typedef struct cai {
    col *c;
    char node[160];
    const char *project; /* a projects/ node: the project every asset belongs to */
    int chains;          /* in flight */
    int state;           /* worst outcome of the chains */
    char reason[512];
    bool done, usable;
    json_t *unplaced; /* project number -> [asset]: assets of projects not known yet */
} cai;

typedef struct unit {
    proj *pr;
    const gcp_op *op;
    char region[64]; /* "global" or a region */
    int pending;     /* call chains in flight */
    int state;       /* worst outcome so far (C_COMPLETE..) */
    char reason[512];
    bool started, done;
} unit;

struct proj {
    col *c;
    char id[128];
    unit **units; /* each allocated alone: tasks point at them while the array grows */
    int nunits, cap;
    bool entered;
    cai *cai; /* the Cloud Asset Inventory serving it, or NULL */
};

typedef enum {
    K_TOKEN,       /* the JWT bearer grant, or an external account's STS exchange */
    K_SUBJECT,     /* an external account's URL-sourced subject token */
    K_IMPERSONATE, /* generateAccessToken */
    K_TREE,
    K_PROJECT_GET,
    K_UNIT,
    K_CAI
} task_kind;

typedef struct task {
    struct task *next;
    task_kind kind;
    col *c;
    unit *u;           /* K_UNIT */
    cai *cai;          /* K_CAI */
    const gcp_op *op;  /* K_TREE, K_PROJECT_GET, K_UNIT */
    char *target;      /* {x} */
    char *page_token;  /* the next page's */
    char account[160]; /* K_TREE: the node read ("organizations/1", "folders/2") */
    int auth_retries;
    char started[32];
} task;

struct col {
    const gcp_opts *o;
    ism_snapshot *snap;
    ism_collect_stats *st;
    ism_http_engine *eng;
    ism_http_config hc;
    ism_gcp_key key;
    ism_gcp_token token; /* what API calls carry */
    ism_gcp_token base;  /* with impersonation: the key's own token, for generateAccessToken */
    bool refreshing, auth_failed;
    char *subject; /* an external account's subject token, between its source and the STS */
    bool stale;    /* a 401 came back: hold new calls until the refreshed token is there */
    ism_error fatal;
    bool failed, stopping;
    task *q_head, *q_tail;
    int outstanding, window;
    proj **projs;
    int nprojs, capprojs;
    json_t *seen_projects; /* projectId -> true */
    json_t *proj_nums;     /* project number -> projectId (Resource Manager's answers) */
    cai **cais;
    int ncais, capcais;
    cai *scope_cai;  /* the organization's or folder's */
    json_t *had;     /* "account|region|op" -> state index */
    json_t *buckets; /* rate keys set */
    int64_t t0, last_tick;
    int units_total, units_done;
};

/* ---- small helpers ---------------------------------------------------------------------- */
static void fail_fatal(col *c, const ism_error *e)
{
    if (c->failed) return;
    c->failed = true;
    ism_error_set(&c->fatal, e->code, "%s", e->message);
    ism_http_cancel(c->eng);
}

static int64_t wall(void)
{
    return (int64_t)time(NULL);
}

static char *base_url(col *c, const char *service)
{
    if (c->o->endpoint_url) {
        size_t n = strlen(c->o->endpoint_url);
        while (n > 0 && c->o->endpoint_url[n - 1] == '/')
            n--;
        return ism_strdupf("%.*s", (int)n, c->o->endpoint_url);
    }
    if (!strcmp(service, "storage")) return strdup("https://storage.googleapis.com");
    return ism_strdupf("https://%s.googleapis.com", service);
}

/* Percent-encodes what a path segment or query value must not carry raw. */
static void enc(const char *s, char *out, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = 0;
    for (; *s && j + 4 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            strchr("-_.~@:", ch) || (keep_slash && ch == '/'))
            out[j++] = (char)ch;
        else
            out[j++] = '%', out[j++] = hex[ch >> 4], out[j++] = hex[ch & 15];
    }
    out[j] = '\0';
}

/* The URL of a call: the op's path with {p} {r} {x} filled, plus the page parameters. */
static char *make_url(col *c, const gcp_op *op, const char *project, const char *region,
                      const char *target, const char *page_token)
{
    char buf[2048], v[600];
    size_t j = 0;
    for (const char *s = op->path; *s && j < sizeof buf - 700; s++) {
        if (*s == '{' && s[1] && s[2] == '}') {
            const char *val = s[1] == 'p' ? project : s[1] == 'r' ? region : target;
            /* a parent resource's full name keeps its slashes */
            enc(val ? val : "", v, sizeof v, s[1] == 'x' && strchr(val ? val : "", '/'));
            j += (size_t)snprintf(buf + j, sizeof buf - j, "%s", v);
            s += 2;
        } else {
            buf[j++] = *s;
        }
    }
    buf[j] = '\0';
    if (op->page_param && op->page_size)
        j += (size_t)snprintf(buf + j, sizeof buf - j, "%s%s=%d", strchr(buf, '?') ? "&" : "?",
                              op->page_param, op->page_size);
    if (page_token) {
        enc(page_token, v, sizeof v, false);
        snprintf(buf + j, sizeof buf - j, "%spageToken=%s", strchr(buf, '?') ? "&" : "?", v);
    }
    char *b = base_url(c, op->service);
    char *url = ism_strdupf("%s%s", b, buf);
    free(b);
    return url;
}

static task *task_new(col *c, task_kind kind, const gcp_op *op, unit *u, const char *target)
{
    task *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->kind = kind;
    t->c = c;
    t->op = op;
    t->u = u;
    t->target = target ? strdup(target) : NULL;
    return t;
}

static void task_free(task *t)
{
    if (!t) return;
    free(t->target);
    free(t->page_token);
    free(t);
}

static void push(col *c, task *t)
{
    if (!t) return;
    t->next = NULL;
    if (c->q_tail)
        c->q_tail->next = t;
    else
        c->q_head = t;
    c->q_tail = t;
}

/* ---- the snapshot ---------------------------------------------------------------------- */
static void put_call(col *c, const task *t, const char *account, const char *region,
                     const ism_http_result *r, const char *status, const char *code,
                     const char *msg)
{
    ism_call call = {.provider = "gcp",
                     .account = account,
                     .region = region,
                     .service = t->op ? t->op->service : "oauth2",
                     .operation = t->op ? t->op->operation : "token",
                     .status = status,
                     .http_status = (int)r->status,
                     .attempts = r->attempts,
                     .latency_ms = (long)r->latency_ms,
                     .error_code = code && *code ? code : NULL,
                     .error_message = msg && *msg ? msg : NULL,
                     .request_id = r->request_id && *r->request_id ? r->request_id : NULL,
                     .started = t->started};
    ism_error e = {0};
    if (!ism_snapshot_put_call(c->snap, &call, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
}

/* Resource names: the full name Google gives ("projects/p/locations/..."), compute's selfLink
 * path, a bucket's name. */
static void resource_id(const gcp_op *op, const json_t *item, const char *fallback, char *out,
                        size_t n)
{
    const char *self = ism_json_getstr(item, "selfLink");
    const char *name = ism_json_getstr(item, "name");
    const char *p = self ? strstr(self, "/compute/v1/") : NULL;
    if (p)
        ism_strlcpy(out, p + 12, n);
    else if (!strcmp(op->type, "storage.Bucket") && name)
        snprintf(out, n, "projects/_/buckets/%s", name);
    else if (name && strchr(name, '/'))
        ism_strlcpy(out, name, n);
    else if (name && !strcmp(op->type, "serviceusage.Service"))
        ism_strlcpy(out, name, n);
    else
        ism_strlcpy(out, fallback, n);
}

static void put_resource(col *c, const gcp_op *op, const char *account, const char *region,
                         const char *fallback_id, json_t *item)
{
    char id[1024], arn[1200];
    resource_id(op, item, fallback_id, id, sizeof id);
    snprintf(arn, sizeof arn, "//%s.googleapis.com/%s", op->service, id);
    ism_resource res = {.provider = "gcp",
                        .account = account,
                        .region = region,
                        .service = op->service,
                        .type = op->type,
                        .id = id,
                        .arn = arn,
                        .data = item};
    ism_error e = {0};
    if (!ism_snapshot_put_resource(c->snap, &res, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
}

static void put_coverage(col *c, const char *account, const char *region, const gcp_op *op,
                         int state, const char *reason)
{
    ism_error e = {0};
    if (!ism_snapshot_put_coverage(c->snap, "gcp", account, region, op->service, op->operation,
                                   cov_names[state], reason && *reason ? reason : NULL, &e))
        fail_fatal(c, &e);
    ism_error_clear(&e);
    ism_collect_stats *st = c->st;
    int *n[] = {&st->units_complete, &st->units_not_enabled, &st->units_failed, &st->units_denied};
    (*n[state])++;
}

static int had_state(col *c, const char *account, const char *region, const char *op)
{
    char k[512];
    snprintf(k, sizeof k, "%s|%s|%s", account, region, op);
    json_t *v = json_object_get(c->had, k);
    return v ? (int)json_integer_value(v) : -1;
}

static void load_had(col *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT account, region, operation, state FROM coverage "
                           "WHERE provider='gcp'",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char k[512];
        snprintf(k, sizeof k, "%s|%s|%s", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                 sqlite3_column_text(st, 2));
        const char *s = (const char *)sqlite3_column_text(st, 3);
        for (int i = 0; i < C_NONE; i++)
            if (!strcmp(s, cov_names[i])) json_object_set_new(c->had, k, json_integer(i));
    }
    sqlite3_finalize(st);
}

/* The values of `attr` of the resources of `type` already in the snapshot for a project (and
 * region, unless NULL): the parents of a child operation, the zones of a region. */
static json_t *snapshot_values(col *c, const char *account, const char *region, const char *type,
                               const char *path)
{
    json_t *out = json_array();
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT data FROM resources WHERE provider='gcp' AND account=?1 AND "
                           "type=?2 AND (?3 IS NULL OR region=?3) ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return out;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    if (region)
        sqlite3_bind_text(st, 3, region, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *d = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        const json_t *v = json_object_get(d, path);
        if (json_is_string(v))
            json_array_append(out, (json_t *)v);
        else if (json_is_array(v))
            json_array_extend(out, (json_t *)v);
        json_decref(d);
    }
    sqlite3_finalize(st);
    return out;
}

/* ---- units --------------------------------------------------------------------------------- */
static void unit_start(unit *u);

static unit *unit_find(proj *pr, const char *operation, const char *region)
{
    for (int i = 0; i < pr->nunits; i++)
        if (!strcmp(pr->units[i]->op->operation, operation) &&
            !strcmp(pr->units[i]->region, region))
            return pr->units[i];
    return NULL;
}

static bool add_unit(proj *pr, const gcp_op *op, const char *region)
{
    if (unit_find(pr, op->operation, region)) return true;
    unit *u = calloc(1, sizeof *u);
    if (!u) return false;
    if (pr->nunits == pr->cap) {
        unit **v = realloc(pr->units, sizeof *v * (size_t)(pr->cap = pr->cap * 2 + 16));
        if (!v) {
            free(u);
            return false;
        }
        pr->units = v;
    }
    pr->units[pr->nunits++] = u;
    u->pr = pr;
    u->op = op;
    ism_strlcpy(u->region, region, sizeof u->region);
    pr->c->units_total++;
    int had = had_state(pr->c, pr->id, region, op->operation);
    if (had >= 0) {
        u->started = u->done = true;
        u->state = had;
        pr->c->st->units_resumed++;
        pr->c->units_done++;
    }
    return true;
}

static void note(unit *u, int state, const char *reason)
{
    if (state > u->state || (state == u->state && !u->reason[0] && reason)) {
        u->state = state;
        if (reason) ism_strlcpy(u->reason, reason, sizeof u->reason);
    }
}

static void units_after(proj *pr, const unit *done);

static void unit_finish(unit *u)
{
    if (u->done) return;
    u->done = true;
    put_coverage(u->pr->c, u->pr->id, u->region, u->op, u->state, u->reason);
    u->pr->c->units_done++;
    units_after(u->pr, u);
}

/* The regions to read: the ones asked for, else every region regions.list gave. */
static json_t *regions_of(proj *pr)
{
    col *c = pr->c;
    json_t *out = json_array();
    if (c->o->regions) {
        for (size_t i = 0; c->o->regions[i]; i++)
            json_array_append_new(out, json_string(c->o->regions[i]));
        return out;
    }
    json_decref(out);
    return snapshot_values(c, pr->id, "global", "compute.Region", "name");
}

/* A finished unit lets its dependants start: regional units once the regions are known, zonal
 * and child units once their parent's resources are in. */
/* The unit an operation waits for: its parent in the same region, else the global one. */
static unit *parent_of(unit *u)
{
    if (!u->op->parent) return NULL;
    unit *p = unit_find(u->pr, u->op->parent, u->region);
    return p ? p : unit_find(u->pr, u->op->parent, "global");
}

/* Starts every unit whose parent (if any) is done. */
static void start_ready(proj *pr)
{
    for (int i = 0; i < pr->nunits; i++) {
        unit *u = pr->units[i];
        if (u->started) continue;
        unit *par = parent_of(u);
        if (!u->op->parent || (par && par->done)) unit_start(u);
    }
}

static void units_after(proj *pr, const unit *done)
{
    if (!strcmp(done->op->operation, "regions.list") && !pr->c->o->regions) {
        size_t n;
        const gcp_op *ops = ism_gcp_ops(&n);
        json_t *regs = regions_of(pr);
        for (size_t i = 0; i < n; i++) {
            if (ops[i].scope != GCP_REGIONAL && ops[i].scope != GCP_ZONAL) continue;
            if (done->state != C_COMPLETE) {
                /* the regions are unknown: say so under "global" */
                unit *u = unit_find(pr, ops[i].operation, "global");
                if (!u && add_unit(pr, &ops[i], "global")) u = pr->units[pr->nunits - 1];
                if (u && !u->done) {
                    u->started = true;
                    note(u, done->state == C_DENIED ? C_DENIED : C_FAILED, "");
                    snprintf(u->reason, sizeof u->reason,
                             "the regions are unknown: compute regions.list was %s (%.400s)",
                             cov_names[done->state], done->reason);
                    unit_finish(u);
                }
                continue;
            }
            size_t k;
            json_t *r;
            json_array_foreach(regs, k, r) add_unit(pr, &ops[i], json_string_value(r));
        }
        json_decref(regs);
    }
    start_ready(pr);
}

static bool api_enabled(col *c, const char *project, const char *api)
{
    sqlite3_stmt *st = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(ism_snapshot_db(c->snap),
                           "SELECT 1 FROM resources WHERE provider='gcp' AND account=?1 AND "
                           "type='serviceusage.Service' AND json_extract(data,'$.config.name')=?2 "
                           "AND json_extract(data,'$.state')='ENABLED'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, project, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, api, -1, SQLITE_STATIC);
        yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return yes;
}

static void chain(unit *u, const char *target)
{
    task *t = task_new(u->pr->c, K_UNIT, u->op, u, target);
    if (!t) return;
    u->pending++;
    push(u->pr->c, t);
}

static void unit_start(unit *u)
{
    if (u->started) return;
    cai *a = u->pr->cai;
    bool by_cai = a && ism_gcp_cai_type_of(u->op->operation, NULL, false);
    if (by_cai && !a->done) return; /* started when Cloud Asset Inventory has answered */
    u->started = true;
    if (by_cai && a->usable) {
        snprintf(u->reason, sizeof u->reason, "read through Cloud Asset Inventory on %s", a->node);
        unit_finish(u);
        return;
    }
    col *c = u->pr->c;
    const gcp_op *op = u->op;
    unit *par = parent_of(u);
    if (op->needs_api && par && par->state == C_COMPLETE &&
        !api_enabled(c, u->pr->id, op->needs_api)) {
        note(u, C_NOT_ENABLED, "");
        snprintf(u->reason, sizeof u->reason, "%s is not enabled in the project", op->needs_api);
        unit_finish(u);
        return;
    }
    if (op->target_attr || op->scope == GCP_ZONAL) {
        if (par && par->state != C_COMPLETE) {
            note(u, par->state == C_DENIED ? C_DENIED : C_FAILED, NULL);
            snprintf(u->reason, sizeof u->reason, "its parent %s was %s: %.400s",
                     par->op->operation, cov_names[par->state], par->reason);
            unit_finish(u);
            return;
        }
        json_t *targets;
        if (op->scope == GCP_ZONAL) {
            targets = json_array();
            json_t *zones = snapshot_values(c, u->pr->id, "global", "compute.Region", "zones");
            size_t i;
            json_t *z;
            json_array_foreach(zones, i, z)
            {
                const char *url = json_string_value(z), *slash = strrchr(url, '/');
                const char *zone = slash ? slash + 1 : url;
                size_t rl = strlen(u->region);
                if (!strncmp(zone, u->region, rl) && zone[rl] == '-')
                    json_array_append_new(targets, json_string(zone));
            }
            json_decref(zones);
        } else {
            targets = snapshot_values(c, u->pr->id, par ? par->region : "global",
                                      ism_gcp_op_find(op->parent)->type, op->target_attr);
        }
        size_t i;
        json_t *t;
        json_array_foreach(targets, i, t) chain(u, json_string_value(t));
        json_decref(targets);
    } else if (op->scope == GCP_EACH) {
        for (size_t i = 0; ism_gcp_constraints[i]; i++)
            chain(u, ism_gcp_constraints[i]);
    } else {
        chain(u, NULL);
    }
    if (u->pending == 0) unit_finish(u);
}

static proj *proj_add(col *c, const char *id)
{
    if (json_object_get(c->seen_projects, id)) return NULL;
    json_object_set_new(c->seen_projects, id, json_true());
    proj *pr = calloc(1, sizeof *pr);
    if (!pr || (c->nprojs == c->capprojs &&
                !(c->projs = realloc(c->projs, sizeof *c->projs *
                                                   (size_t)(c->capprojs = c->capprojs * 2 + 8))))) {
        free(pr);
        return NULL;
    }
    pr->c = c;
    ism_strlcpy(pr->id, id, sizeof pr->id);
    c->projs[c->nprojs++] = pr;
    return pr;
}

/* A project to read: its units, those already covered skipped. */
static void proj_enter(proj *pr)
{
    pr->entered = true;
    /* Security Command Center is read on the organization: nothing to judge in a project */
    if (had_state(pr->c, pr->id, "global", "sources.list") < 0) {
        ism_error e = {0};
        if (!ism_snapshot_put_coverage(pr->c->snap, "gcp", pr->id, "global", "securitycenter",
                                       "sources.list", "skipped",
                                       "Security Command Center's sources are read on the "
                                       "organization",
                                       &e))
            fail_fatal(pr->c, &e);
        ism_error_clear(&e);
    }
    size_t n;
    const gcp_op *ops = ism_gcp_ops(&n);
    for (size_t i = 0; i < n; i++) {
        if (ops[i].scope == GCP_REGIONAL || ops[i].scope == GCP_ZONAL) {
            if (!pr->c->o->regions) continue; /* after regions.list */
            for (size_t k = 0; pr->c->o->regions[k]; k++)
                add_unit(pr, &ops[i], pr->c->o->regions[k]);
        } else {
            add_unit(pr, &ops[i], "global");
        }
    }
    /* resumed with regions.list done: its dependants */
    unit *rl = unit_find(pr, "regions.list", "global");
    if (rl && rl->done) units_after(pr, rl);
    start_ready(pr);
}

/* A project that could not be entered: every operation denied or failed with the reason. */
static void proj_give_up(proj *pr, int state, const char *reason)
{
    size_t n;
    const gcp_op *ops = ism_gcp_ops(&n);
    pr->c->st->scopes_not_entered++;
    for (size_t i = 0; i < n; i++) {
        if (had_state(pr->c, pr->id, "global", ops[i].operation) >= 0) continue;
        put_coverage(pr->c, pr->id, "global", &ops[i], state, reason);
    }
}

/* ---- answers ---------------------------------------------------------------------------- */
static void error_of(const ism_http_result *r, int *state, char *code, size_t cn, char *msg,
                     size_t mn)
{
    ism_gcp_error_info info;
    bool parsed = ism_gcp_parse_error(r->body, r->body_len, &info);
    snprintf(code, cn, "%s",
             parsed && info.status[0]   ? info.status
             : parsed && info.reason[0] ? info.reason
             : r->status                ? "HTTP_ERROR"
                                        : ism_http_class_name(r->cls));
    ism_strlcpy(msg, parsed ? info.message : r->err.message, mn);
    bool disabled = parsed && (!strcmp(info.reason, "accessNotConfigured") ||
                               strstr(info.message, "has not been used in project") ||
                               strstr(info.message, "SERVICE_DISABLED"));
    if (disabled)
        *state = C_NOT_ENABLED;
    else if (r->status == 403 && !strcmp(code, "PERMISSION_DENIED"))
        *state = C_DENIED;
    else if (r->status == 403 && parsed && !strcmp(info.reason, "forbidden"))
        *state = C_DENIED;
    else
        *state = C_FAILED;
}

static bool submit(col *c, task *t, ism_error *err);
static void refresh_token(col *c);

/* 401: the token expired or was revoked: refresh, then send the call again (twice at most). */
static bool retry_auth(col *c, task *t, const ism_http_result *r)
{
    if (r->status != 401 || t->auth_retries >= 2 || c->auth_failed) return false;
    t->auth_retries++;
    c->token.expires_s = 0;
    c->stale = true;
    refresh_token(c);
    push(c, t);
    return true;
}

static void unit_answer(task *t, ism_http_result *r)
{
    col *c = t->c;
    unit *u = t->u;
    const gcp_op *op = t->op;
    if (r->cls != ISM_HTTP_OK && retry_auth(c, t, r)) return;
    if (r->cls == ISM_HTTP_OK) {
        json_t *body = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
        if (!json_is_object(body)) {
            put_call(c, t, u->pr->id, u->region, r, "failed", "INVALID_JSON",
                     "the answer is not a JSON object");
            note(u, C_FAILED, "the answer is not a JSON object");
        } else {
            put_call(c, t, u->pr->id, u->region, r, "ok", NULL, NULL);
            char fallback[600];
            snprintf(fallback, sizeof fallback, "projects/%s%s%s", u->pr->id, t->target ? "/" : "",
                     t->target ? t->target : "");
            if (op->field) {
                size_t i;
                json_t *it;
                json_array_foreach(json_object_get(body, op->field), i, it)
                    put_resource(c, op, u->pr->id, u->region, fallback, it);
            } else {
                if (!strcmp(op->type, "storage.BucketIamPolicy") ||
                    !strcmp(op->type, "resourcemanager.IamPolicy")) {
                    if (!ism_json_getstr(body, "resourceId"))
                        json_object_set_new(body, "resourceId",
                                            json_string(t->target ? t->target : fallback));
                    /* no name: the id is the resource's */
                    if (t->target)
                        snprintf(fallback, sizeof fallback, "projects/_/buckets/%s/iamPolicy",
                                 t->target);
                    else
                        snprintf(fallback, sizeof fallback, "projects/%s/iamPolicy", u->pr->id);
                }
                put_resource(c, op, u->pr->id, u->region, fallback, body);
            }
            const char *next = ism_json_getstr(body, "nextPageToken");
            if (next && *next && op->field) {
                free(t->page_token);
                t->page_token = strdup(next);
                t->auth_retries = 0;
                json_decref(body);
                push(c, t);
                return;
            }
        }
        json_decref(body);
    } else {
        int state;
        char code[96], msg[400];
        error_of(r, &state, code, sizeof code, msg, sizeof msg);
        put_call(c, t, u->pr->id, u->region, r,
                 state == C_DENIED              ? "denied"
                 : r->cls == ISM_HTTP_THROTTLED ? "throttled"
                                                : "failed",
                 code, msg);
        char reason[512];
        snprintf(reason, sizeof reason, "%s%s%s: %.380s", code, t->target ? " on " : "",
                 t->target ? t->target : "", msg);
        if (state == C_DENIED)
            snprintf(reason, sizeof reason, "%s: %s needs %s", code, op->operation, op->permission);
        note(u, state, reason);
    }
    u->pending--;
    task_free(t);
    if (u->pending == 0) unit_finish(u);
}

/* ---- Cloud Asset Inventory ----------------------------------------------------------------- */
static cai *cai_new(col *c, const char *node, const char *project)
{
    if (c->o->no_asset_inventory) return NULL;
    cai *a = calloc(1, sizeof *a);
    if (!a || (c->ncais == c->capcais &&
               !(c->cais = realloc(c->cais,
                                   sizeof *c->cais * (size_t)(c->capcais = c->capcais * 2 + 8))))) {
        free(a);
        return NULL;
    }
    c->cais[c->ncais++] = a;
    a->c = c;
    ism_strlcpy(a->node, node, sizeof a->node);
    a->project = project;
    a->unplaced = json_object();
    for (int k = 0; k < 2; k++) {
        task *t = task_new(c, K_CAI, &ism_gcp_cai_ops[k], NULL, node);
        if (!t) continue;
        t->cai = a;
        ism_strlcpy(t->account, node, sizeof t->account);
        a->chains++;
        push(c, t);
    }
    if (!a->chains) a->done = true;
    return a;
}

/* The region an asset's resource is written under: the one its per-service read has. */
static void cai_region(const gcp_op *op, const json_t *data, char *out, size_t n)
{
    ism_strlcpy(out, "global", n);
    const char *v = NULL, *slash;
    if (op->scope == GCP_ZONAL && (v = ism_json_getstr(data, "zone"))) {
        slash = strrchr(v, '/');
        ism_strlcpy(out, slash ? slash + 1 : v, n);
        char *dash = strrchr(out, '-');
        if (dash) *dash = '\0';
    } else if (op->scope == GCP_REGIONAL && (v = ism_json_getstr(data, "region"))) {
        slash = strrchr(v, '/');
        ism_strlcpy(out, slash ? slash + 1 : v, n);
    } else if (op->scope == GCP_REGIONAL && (v = ism_json_getstr(data, "name")) &&
               (v = strstr(v, "/locations/"))) {
        v += 11;
        slash = strchr(v, '/');
        snprintf(out, n, "%.*s", (int)(slash ? (size_t)(slash - v) : strlen(v)), v);
    }
}

static bool region_wanted(col *c, const char *region)
{
    if (!c->o->regions || !strcmp(region, "global")) return true;
    for (size_t i = 0; c->o->regions[i]; i++)
        if (!strcmp(c->o->regions[i], region)) return true;
    return false;
}

/* One asset into the snapshot as the per-service read writes it: resource.data (or, for an
 * IAM_POLICY asset, its iamPolicy with the resourceId getIamPolicy's answer carries), under the
 * same type, id and region, with the per-service reads' filters (enabled services, user-managed
 * keys, the regions asked for). */
static void cai_place(cai *a, const char *project, const json_t *asset)
{
    col *c = a->c;
    const json_t *pol = json_object_get(asset, "iamPolicy");
    const gcp_cai_type *ct =
        ism_gcp_cai_type_of(NULL, ism_json_getstr(asset, "assetType"), pol != NULL);
    const gcp_op *op = ct ? ism_gcp_op_find(ct->operation) : NULL;
    if (!op) return;
    char fallback[600], region[64];
    json_t *data;
    if (pol) {
        if (!json_is_object(pol)) return;
        data = json_deep_copy(pol);
        const char *name = ism_json_getstr(asset, "name");
        const char *b = name ? strstr(name, "//storage.googleapis.com/") : NULL;
        if (!strcmp(ct->operation, "buckets.getIamPolicy")) {
            if (!b) {
                json_decref(data);
                return;
            }
            b += 25;
            json_object_set_new(data, "resourceId", json_sprintf("projects/_/buckets/%s", b));
            snprintf(fallback, sizeof fallback, "projects/_/buckets/%s/iamPolicy", b);
        } else {
            json_object_set_new(data, "resourceId", json_sprintf("projects/%s", project));
            snprintf(fallback, sizeof fallback, "projects/%s/iamPolicy", project);
        }
    } else {
        json_t *d = json_object_get(json_object_get(asset, "resource"), "data");
        if (!json_is_object(d)) return;
        const char *st = ism_json_getstr(d, "state"), *kt = ism_json_getstr(d, "keyType");
        if (!strcmp(ct->operation, "services.list") && (!st || strcmp(st, "ENABLED") != 0)) return;
        if (!strcmp(ct->operation, "serviceAccountKeys.list") &&
            (!kt || strcmp(kt, "USER_MANAGED") != 0))
            return;
        data = json_incref(d);
        snprintf(fallback, sizeof fallback, "projects/%s", project);
    }
    cai_region(op, pol ? NULL : data, region, sizeof region);
    if (region_wanted(c, region)) put_resource(c, op, project, region, fallback, data);
    json_decref(data);
}

/* A project just known (its number from Resource Manager): the assets that waited for it. */
static void cai_flush(cai *a, const char *num, const char *project)
{
    if (!a || !num) return;
    json_t *held = json_object_get(a->unplaced, num);
    size_t i;
    json_t *it;
    json_array_foreach(held, i, it) cai_place(a, project, it);
    json_object_del(a->unplaced, num);
}

static void start_ready(proj *pr);

static void cai_chain_end(cai *a, const gcp_op *op, int state, const char *reason)
{
    col *c = a->c;
    if (state == C_COMPLETE) {
        put_coverage(c, a->node, "global", op, C_COMPLETE,
                     "the per-service operations it serves were read from it");
    } else {
        char why[700];
        snprintf(why, sizeof why, "%.500s; every service's API was read instead", reason);
        ism_error e = {0};
        if (!ism_snapshot_put_coverage(c->snap, "gcp", a->node, "global", op->service,
                                       op->operation, "skipped", why, &e))
            fail_fatal(c, &e);
        ism_error_clear(&e);
        c->st->units_skipped++;
        if (state > a->state || !a->reason[0]) ism_strlcpy(a->reason, reason, sizeof a->reason);
        if (state > a->state) a->state = state;
    }
    if (--a->chains > 0) return;
    a->done = true;
    a->usable = a->state == C_COMPLETE;
    if (!a->usable) json_object_clear(a->unplaced);
    for (int i = 0; i < c->nprojs; i++)
        if (c->projs[i]->cai == a && c->projs[i]->entered) start_ready(c->projs[i]);
}

static void error_of(const ism_http_result *r, int *state, char *code, size_t cn, char *msg,
                     size_t mn);
static bool retry_auth(col *c, task *t, const ism_http_result *r);

static void cai_answer(task *t, ism_http_result *r)
{
    col *c = t->c;
    cai *a = t->cai;
    if (r->cls != ISM_HTTP_OK && retry_auth(c, t, r)) return;
    json_t *body =
        r->cls == ISM_HTTP_OK ? json_loadb(r->body ? r->body : "", r->body_len, 0, NULL) : NULL;
    if (r->cls != ISM_HTTP_OK || !json_is_object(body)) {
        int state = C_FAILED;
        char code[96] = "INVALID_JSON", msg[400] = "the answer is not a JSON object", reason[600];
        if (r->cls != ISM_HTTP_OK) error_of(r, &state, code, sizeof code, msg, sizeof msg);
        put_call(c, t, a->node, "global", r,
                 state == C_DENIED              ? "denied"
                 : r->cls == ISM_HTTP_THROTTLED ? "throttled"
                                                : "failed",
                 code, msg);
        snprintf(reason, sizeof reason, "Cloud Asset Inventory %s on %s was %s (%s: %.300s)",
                 t->op->operation, a->node, cov_names[state], code, msg);
        json_decref(body);
        cai_chain_end(a, t->op, state, reason);
        task_free(t);
        return;
    }
    put_call(c, t, a->node, "global", r, "ok", NULL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(body, "assets"), i, it)
    {
        if (a->project) {
            cai_place(a, a->project, it);
            continue;
        }
        /* ancestors: the asset's project first ("projects/NUMBER"), then folders, organization */
        const char *anc = json_string_value(json_array_get(json_object_get(it, "ancestors"), 0));
        if (!anc || strncmp(anc, "projects/", 9) != 0) continue;
        const char *pid = json_string_value(json_object_get(c->proj_nums, anc + 9));
        if (pid) {
            cai_place(a, pid, it);
        } else {
            json_t *held = json_object_get(a->unplaced, anc + 9);
            if (!held) json_object_set_new(a->unplaced, anc + 9, held = json_array());
            json_array_append(held, it);
        }
    }
    const char *next = ism_json_getstr(body, "nextPageToken");
    if (next && *next) {
        free(t->page_token);
        t->page_token = strdup(next);
        t->auth_retries = 0;
        json_decref(body);
        push(c, t);
        return;
    }
    json_decref(body);
    cai_chain_end(a, t->op, C_COMPLETE, NULL);
    task_free(t);
}

/* ---- the organization's tree ------------------------------------------------------------ */
static void tree(col *c, const char *operation, const char *node)
{
    const gcp_op *op = ism_gcp_op_find(operation);
    if (had_state(c, node, "global", operation) == C_COMPLETE &&
        strcmp(operation, "folders.list") != 0 && strcmp(operation, "projects.list") != 0)
        return; /* the lists are read again on a resume: they name what to enter */
    task *t = task_new(c, K_TREE, op, NULL, node);
    if (!t) return;
    ism_strlcpy(t->account, node, sizeof t->account);
    push(c, t);
}

/* An organization or folder node is an account of the snapshot too (its IAM policy, its
 * folders): the project operations do not apply there, and saying so ("skipped") keeps the
 * checks from reading the node as a project that was never collected. */
static void node_skips(col *c, const char *node)
{
    size_t n;
    const gcp_op *ops = ism_gcp_ops(&n);
    char reason[260];
    snprintf(reason, sizeof reason, "%.160s is not a project: project operations do not apply",
             node);
    for (size_t i = 0; i < n; i++) {
        if (ops[i].scope != GCP_GLOBAL && ops[i].scope != GCP_CHILD && ops[i].scope != GCP_EACH)
            continue;
        ism_error e = {0};
        if (!ism_snapshot_put_coverage(c->snap, "gcp", node, "global", ops[i].service,
                                       ops[i].operation, "skipped", reason, &e))
            fail_fatal(c, &e);
        ism_error_clear(&e);
    }
}

static void tree_answer(task *t, ism_http_result *r)
{
    col *c = t->c;
    const gcp_op *op = t->op;
    if (r->cls != ISM_HTTP_OK && retry_auth(c, t, r)) return;
    if (r->cls != ISM_HTTP_OK) {
        int state;
        char code[96], msg[400], reason[600];
        error_of(r, &state, code, sizeof code, msg, sizeof msg);
        put_call(c, t, t->account, "global", r, state == C_DENIED ? "denied" : "failed", code, msg);
        snprintf(reason, sizeof reason, "%s: %s on %s needs %s", code, op->operation, t->account,
                 op->permission);
        put_coverage(c, t->account, "global", op, state, reason);
        task_free(t);
        return;
    }
    json_t *body = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
    put_call(c, t, t->account, "global", r, "ok", NULL, NULL);
    node_skips(c, t->account);
    char fallback[300];
    snprintf(fallback, sizeof fallback, "%s/iamPolicy", t->account);
    if (!op->field) {
        if (json_is_object(body)) {
            if (strstr(op->operation, "getIamPolicy"))
                json_object_set_new(body, "resourceId", json_string(t->account));
            put_resource(c, op, t->account, "global", fallback, body);
        }
        put_coverage(c, t->account, "global", op, C_COMPLETE, NULL);
        json_decref(body);
        task_free(t);
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(body, op->field), i, it)
    {
        const char *name = ism_json_getstr(it, "name"), *state = ism_json_getstr(it, "state");
        if (state && strcmp(state, "ACTIVE") != 0) continue;
        if (!strcmp(op->operation, "folders.list") && name) {
            put_resource(c, op, t->account, "global", name, it);
            /* the lists first: a node's calls share its bucket, and the deeper folders and the
               projects (whose reads are the bulk) wait for them */
            tree(c, "folders.list", name);
            tree(c, "projects.list", name);
            tree(c, "folders.getIamPolicy", name);
        } else if (!strcmp(op->operation, "sources.list")) {
            put_resource(c, op, t->account, "global", t->account, it);
        } else if (!strcmp(op->operation, "projects.list")) {
            const char *pid = ism_json_getstr(it, "projectId");
            proj *pr = pid ? proj_add(c, pid) : NULL;
            if (pr) {
                put_resource(c, op, pid, "global", name ? name : pid, it);
                if (name && !strncmp(name, "projects/", 9)) {
                    json_object_set_new(c->proj_nums, name + 9, json_string(pid));
                    pr->cai = c->scope_cai;
                    cai_flush(c->scope_cai, name + 9, pid);
                }
                proj_enter(pr);
            }
        }
    }
    const char *next = ism_json_getstr(body, "nextPageToken");
    if (next && *next) {
        free(t->page_token);
        t->page_token = strdup(next);
        json_decref(body);
        push(c, t);
        return;
    }
    put_coverage(c, t->account, "global", op, C_COMPLETE, NULL);
    json_decref(body);
    task_free(t);
}

/* projects.get for a project named in the params: the entry into it. */
static void project_get_answer(task *t, ism_http_result *r)
{
    col *c = t->c;
    proj *pr = NULL;
    for (int i = 0; i < c->nprojs && !pr; i++)
        if (!strcmp(c->projs[i]->id, t->target)) pr = c->projs[i];
    if (r->cls != ISM_HTTP_OK && retry_auth(c, t, r)) return;
    if (r->cls == ISM_HTTP_OK) {
        json_t *body = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
        put_call(c, t, t->target, "global", r, "ok", NULL, NULL);
        if (json_is_object(body)) put_resource(c, t->op, t->target, "global", t->target, body);
        if (had_state(c, t->target, "global", "projects.get") < 0)
            put_coverage(c, t->target, "global", t->op, C_COMPLETE, NULL);
        json_decref(body);
        if (pr) proj_enter(pr);
    } else {
        int state;
        char code[96], msg[400], reason[600];
        error_of(r, &state, code, sizeof code, msg, sizeof msg);
        put_call(c, t, t->target, "global", r, state == C_DENIED ? "denied" : "failed", code, msg);
        snprintf(reason, sizeof reason,
                 "could not enter project %s: projects.get was answered %s (%.300s); grant %s",
                 t->target, code, msg, t->op->permission);
        put_coverage(c, t->target, "global", t->op, state == C_DENIED ? C_DENIED : C_FAILED,
                     reason);
        if (pr) proj_give_up(pr, state == C_DENIED ? C_DENIED : C_FAILED, reason);
    }
    task_free(t);
}

/* ---- tokens ------------------------------------------------------------------------------- */
static void token_answer(task *t, ism_http_result *r)
{
    col *c = t->c;
    ism_error e = {0};
    c->refreshing = false;
    bool ok;
    bool imp = c->o->impersonate || c->key.impersonation_url;
    ism_gcp_token *into = t->kind == K_TOKEN && imp ? &c->base : &c->token;
    if (t->kind == K_TOKEN)
        ok = ism_gcp_token_parse(r->body, wall(), into, &e) ||
             (r->cls != ISM_HTTP_OK && !e.code &&
              ism_error_set(&e, ISM_E_UPSTREAM, "HTTP %ld", r->status));
    else
        ok = r->cls == ISM_HTTP_OK && ism_gcp_impersonated_parse(r->body, wall(), &c->token, &e);
    if (!ok && !e.code)
        ism_error_set(&e, ISM_E_UPSTREAM, "%s", r->err.message[0] ? r->err.message : "failed");
    if (ok && t->kind == K_TOKEN && imp) {
        /* the key's token is the means: impersonate with it at once */
        task *n = task_new(c, K_IMPERSONATE, NULL, NULL, NULL);
        if (n) {
            c->refreshing = true;
            ism_error se = {0};
            if (!submit(c, n, &se)) fail_fatal(c, &se);
            ism_error_clear(&se);
        }
    } else if (ok) {
        c->stale = false;
    } else {
        c->auth_failed = true;
        ism_error f = {0};
        ism_error_set(&f, ISM_E_UNAUTHENTICATED, "%s failed: %s",
                      t->kind == K_TOKEN && c->key.external
                          ? "the external account's token exchange (STS)"
                      : t->kind == K_TOKEN ? "the service account's token request"
                                           : "generateAccessToken for the scanning identity",
                      e.message);
        fail_fatal(c, &f);
        ism_error_clear(&f);
    }
    ism_error_clear(&e);
    task_free(t);
}

/* An external account's URL-sourced subject token: then the STS exchange. */
static void subject_answer(task *t, ism_http_result *r)
{
    col *c = t->c;
    ism_error e = {0};
    free(c->subject);
    c->subject = NULL;
    if (r->cls == ISM_HTTP_OK)
        c->subject = ism_gcp_subject_token(&c->key, r->body, r->body_len, &e);
    else
        ism_error_set(&e, ISM_E_UNAUTHENTICATED, "its source URL answered HTTP %ld", r->status);
    task_free(t);
    task *n = c->subject ? task_new(c, K_TOKEN, NULL, NULL, NULL) : NULL;
    if (n && submit(c, n, &e)) {
        ism_error_clear(&e);
        return;
    }
    task_free(n);
    c->refreshing = false;
    c->auth_failed = true;
    ism_error f = {0};
    ism_error_set(&f, ISM_E_UNAUTHENTICATED, "the external account's subject token: %s", e.message);
    fail_fatal(c, &f);
    ism_error_clear(&f);
    ism_error_clear(&e);
}

static void refresh_token(col *c)
{
    if (c->refreshing || c->auth_failed) return;
    task *t =
        task_new(c, c->key.external && c->key.source_url ? K_SUBJECT : K_TOKEN, NULL, NULL, NULL);
    if (!t) return;
    c->refreshing = true;
    ism_error e = {0};
    if (!submit(c, t, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
}

/* ---- the engine --------------------------------------------------------------------------- */
static bool sign_cb(ism_http_attempt *a, void *arg, ism_error *err)
{
    task *t = arg;
    col *c = t->c;
    if (t->kind == K_TOKEN || t->kind == K_SUBJECT) return true;
    const ism_gcp_token *tok = t->kind == K_IMPERSONATE ? &c->base : &c->token;
    char h[4200];
    snprintf(h, sizeof h, "Bearer %s", tok->access_token);
    if (!tok->access_token[0]) return ism_error_set(err, ISM_E_UNAUTHENTICATED, "no access token");
    return ism_http_headers_set(a->headers, "Authorization", h) ||
           ism_error_set(err, ISM_E_INTERNAL, "out of memory");
}

static void done_cb(ism_http_result *r, void *arg)
{
    task *t = arg;
    col *c = t->c;
    bool auth = t->kind == K_TOKEN || t->kind == K_SUBJECT || t->kind == K_IMPERSONATE;
    if (!auth) c->outstanding--;
    if (r->err.code == ISM_E_CANCELLED) {
        if (t->u) t->u->pending--;
        task_free(t);
        return;
    }
    switch (t->kind) {
    case K_TOKEN:
    case K_IMPERSONATE:
        token_answer(t, r);
        break;
    case K_SUBJECT:
        subject_answer(t, r);
        break;
    case K_TREE:
        tree_answer(t, r);
        break;
    case K_PROJECT_GET:
        project_get_answer(t, r);
        break;
    case K_UNIT:
        unit_answer(t, r);
        break;
    case K_CAI:
        cai_answer(t, r);
        break;
    }
}

static const char *account_of(const task *t)
{
    return t->kind == K_UNIT                       ? t->u->pr->id
           : t->kind == K_TREE || t->kind == K_CAI ? t->account
                                                   : t->target;
}

static bool submit(col *c, task *t, ism_error *err)
{
    char *url = NULL, *body = NULL, rate_key[300];
    ism_http_headers hd = {0};
    const char *method = "GET";
    ism_now_iso(t->started);
    rate_key[0] = '\0';
    if (t->kind == K_SUBJECT) {
        url = strdup(c->key.source_url);
        const char *k;
        json_t *v;
        json_object_foreach(c->key.source_headers, k, v)
            ism_http_headers_set(&hd, k, json_string_value(v));
    } else if (t->kind == K_TOKEN && c->key.external) {
        if (c->key.source_file) { /* read again at every exchange: the file is rotated */
            size_t len;
            char *text = ism_read_file(c->key.source_file, 64 * 1024, &len, err);
            if (!text) return false;
            free(c->subject);
            c->subject = ism_gcp_subject_token(&c->key, text, len, err);
            OPENSSL_cleanse(text, len);
            free(text);
            if (!c->subject) {
                char why[sizeof err->message];
                ism_strlcpy(why, err->message, sizeof why);
                return ism_error_set(err, ISM_E_UNAUTHENTICATED, "%s: %s", c->key.source_file, why);
            }
        }
        body = ism_gcp_sts_body(&c->key, c->subject ? c->subject : "", ISM_GCP_SCOPE);
        if (c->subject) OPENSSL_cleanse(c->subject, strlen(c->subject));
        free(c->subject);
        c->subject = NULL;
        url = strdup(c->key.token_uri);
        method = "POST";
        ism_http_headers_set(&hd, "Content-Type", "application/x-www-form-urlencoded");
    } else if (t->kind == K_TOKEN) {
        char *jwt = ism_gcp_jwt_assertion(&c->key, ISM_GCP_SCOPE, wall(), err);
        if (!jwt) return false;
        body = ism_gcp_grant_body(jwt);
        free(jwt);
        url = strdup(c->key.token_uri);
        method = "POST";
        ism_http_headers_set(&hd, "Content-Type", "application/x-www-form-urlencoded");
    } else if (t->kind == K_IMPERSONATE) {
        if (!c->o->impersonate) { /* the external account's own, as written */
            url = strdup(c->key.impersonation_url);
        } else {
            char *b = c->o->endpoint_url ? base_url(c, "iamcredentials")
                                         : strdup(ISM_GCP_IAMCREDENTIALS_URL);
            url = ism_gcp_impersonate_url(b, c->o->impersonate);
            free(b);
        }
        body = ism_gcp_impersonate_body(ISM_GCP_SCOPE, 3600);
        method = "POST";
        ism_http_headers_set(&hd, "Content-Type", "application/json");
    } else {
        const gcp_op *op = t->op;
        url = make_url(c, op, t->kind == K_UNIT ? t->u->pr->id : NULL,
                       t->kind == K_UNIT ? t->u->region : NULL, t->target, t->page_token);
        method = op->method;
        if (t->kind == K_CAI) { /* the asset types it serves, repeated */
            char *u2 = NULL;
            for (const gcp_cai_type *ct = ism_gcp_cai_types; ct->operation; ct++) {
                if (ct->iam_policy != (op == &ism_gcp_cai_ops[1])) continue;
                char v[200];
                enc(ct->asset_type, v, sizeof v, false);
                u2 = ism_strdupf("%s&assetTypes=%s", url, v);
                free(url);
                url = u2;
            }
        }
        if (!strcmp(method, "POST")) {
            body = strdup("{\"options\":{\"requestedPolicyVersion\":3}}");
            ism_http_headers_set(&hd, "Content-Type", "application/json");
        }
        /* Cloud Asset Inventory's quota is the consumer project's (the caller's), whatever
           the node: one bucket for every call; a burst of 10 keeps a minute's calls within
           100 at 1.5/s */
        if (t->kind == K_CAI)
            snprintf(rate_key, sizeof rate_key, "consumer/%s", op->service);
        else
            snprintf(rate_key, sizeof rate_key, "%s/%s", account_of(t), op->service);
        if (!json_object_get(c->buckets, rate_key)) {
            double scale = c->o->rate_scale > 0 ? c->o->rate_scale : 1, rate = op->rate * scale;
            /* a folder's or the organization's node: its lists and policy at once (three
               calls are nothing to a per-minute quota), so that the walk down the tree does
               not wait a token per level */
            double burst = t->kind == K_CAI ? 10 * scale : t->kind == K_TREE && rate < 3 ? 3 : rate;
            /* a burst of at least one token: a bucket smaller than that never admits */
            if (!ism_http_bucket_set(c->eng, rate_key, burst < 1 ? 1 : burst, rate, err)) {
                free(url);
                free(body);
                ism_http_headers_clear(&hd);
                return false;
            }
            json_object_set_new(c->buckets, rate_key, json_true());
        }
        c->outstanding++;
    }
    char label[128];
    snprintf(label, sizeof label, "%s:%s", t->op ? t->op->service : "oauth2",
             t->op                  ? t->op->operation
             : t->kind == K_SUBJECT ? "subjectToken"
             : t->kind == K_TOKEN   ? "token"
                                    : "generateAccessToken");
    ism_http_request rq = {.method = method,
                           .url = url,
                           .headers = &hd,
                           .body = body,
                           .body_len = body ? strlen(body) : 0,
                           .rate_key = rate_key[0] ? rate_key : NULL,
                           .label = label,
                           .signer = sign_cb,
                           .signer_arg = t,
                           .classify = ism_gcp_http_classify,
                           .done = done_cb,
                           .done_arg = t};
    bool ok = ism_http_submit(c->eng, &rq, err);
    if (!ok && t->kind != K_TOKEN && t->kind != K_SUBJECT && t->kind != K_IMPERSONATE)
        c->outstanding--;
    if (body) OPENSSL_cleanse(body, strlen(body)); /* it carried a signed assertion */
    free(body);
    free(url);
    ism_http_headers_clear(&hd);
    return ok;
}

/* Sends queued tasks while the window has room. */
static void feed(col *c)
{
    /* nothing but the token goes out before there is one */
    if (!c->token.access_token[0] || c->stale || c->failed || c->stopping) return;
    while (c->q_head && c->outstanding < c->window) {
        task *t = c->q_head;
        c->q_head = t->next;
        if (!c->q_head) c->q_tail = NULL;
        ism_error e = {0};
        if (!submit(c, t, &e)) {
            fail_fatal(c, &e);
            ism_error_clear(&e);
            if (t->u) t->u->pending--;
            task_free(t);
            return;
        }
        ism_error_clear(&e);
    }
}

static void progress(col *c, bool force)
{
    int64_t now = ism_mono_ms();
    if (!force && now - c->last_tick < 1000) return;
    c->last_tick = now;
    ism_error e = {0};
    if (!ism_snapshot_commit(c->snap, &e) || !ism_snapshot_begin(c->snap, &e)) fail_fatal(c, &e);
    ism_error_clear(&e);
    if (!c->o->progress) return;
    ism_http_stats hs;
    ism_http_stats_get(c->eng, &hs);
    int done = 0;
    for (int i = 0; i < c->nprojs; i++) {
        bool all = c->projs[i]->nunits > 0;
        for (int k = 0; all && k < c->projs[i]->nunits; k++)
            all = c->projs[i]->units[k]->done;
        done += all;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "projects %d/%d, operations %d/%d", done, c->nprojs, c->units_done,
             c->units_total);
    ism_collect_progress p = {done,
                              c->nprojs,
                              c->units_done,
                              c->units_total,
                              hs.calls,
                              hs.throttled,
                              hs.retries,
                              hs.client_errors + hs.server_errors + hs.connection_errors,
                              msg};
    c->o->progress(c->o->ctx, &p);
}

static int64_t engine_tick(void *arg)
{
    col *c = arg;
    if (c->o->should_stop && c->o->should_stop(c->o->ctx) && !c->stopping) {
        c->stopping = true;
        ism_http_cancel(c->eng);
        return 100;
    }
    if (c->token.access_token[0] && !ism_gcp_token_fresh(&c->token, wall())) refresh_token(c);
    feed(c);
    progress(c, false);
    return 100;
}

static json_t *str_array(const char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void write_scope(col *c)
{
    json_t *projects = json_array();
    for (int i = 0; i < c->nprojs; i++)
        json_array_append_new(projects, json_string(c->projs[i]->id));
    /* accounts / regions: what the checks' runner reads as the scopes asked for */
    json_t *regions = json_array();
    for (int i = 0; i < c->nprojs; i++)
        for (int k = 0; k < c->projs[i]->nunits; k++) {
            const char *r = c->projs[i]->units[k]->region;
            bool seen = !strcmp(r, "global");
            for (size_t j = 0; !seen && j < json_array_size(regions); j++)
                seen = !strcmp(json_string_value(json_array_get(regions, j)), r);
            if (!seen) json_array_append_new(regions, json_string(r));
        }
    json_t *scope =
        json_pack("{s:O, s:o, s:o, s:o, s:s?, s:s?, s:s?, s:s?}", "accounts", projects, "regions",
                  regions, "projects", projects, "requested_regions", str_array(c->o->regions),
                  "folder", c->o->folder, "organization", c->o->organization, "impersonate",
                  c->o->impersonate, "endpoint_url", c->o->endpoint_url);
    char *s = json_dumps(scope, JSON_COMPACT | JSON_SORT_KEYS);
    ism_snapshot_set_manifest(c->snap, "scope", s, NULL);
    ism_snapshot_set_manifest(c->snap, "principal", c->st->principal, NULL);
    free(s);
    json_decref(scope);
}

/* The first token (and the impersonated one) before anything else is sent. */
static bool first_token(col *c, ism_error *err)
{
    refresh_token(c);
    while (!c->failed && !c->stopping && (c->refreshing || !c->token.access_token[0])) {
        ism_error e = {0};
        if (!ism_http_run(c->eng, &e)) {
            if (e.code == ISM_E_CANCELLED)
                c->stopping = true;
            else
                fail_fatal(c, &e);
        }
        ism_error_clear(&e);
        if (!c->refreshing && !c->token.access_token[0] && !c->failed) {
            ism_error f = {0};
            ism_error_set(&f, ISM_E_UNAUTHENTICATED, "no access token was obtained");
            fail_fatal(c, &f);
            ism_error_clear(&f);
        }
    }
    if (c->failed) return ism_error_set(err, c->fatal.code, "%s", c->fatal.message);
    return true;
}

static void start_scope(col *c)
{
    const gcp_opts *o = c->o;
    if (o->organization) {
        char node[160];
        snprintf(node, sizeof node, "organizations/%s", o->organization);
        c->scope_cai = cai_new(c, node, NULL);
        tree(c, "folders.list", node);
        tree(c, "projects.list", node);
        tree(c, "organizations.get", node);
        tree(c, "organizations.getIamPolicy", node);
        tree(c, "sources.list", node);
    }
    if (o->folder) {
        char node[160];
        snprintf(node, sizeof node, "folders/%s", o->folder);
        if (!c->scope_cai) c->scope_cai = cai_new(c, node, NULL);
        tree(c, "folders.list", node);
        tree(c, "projects.list", node);
        tree(c, "folders.getIamPolicy", node);
    }
    for (size_t i = 0; o->projects && o->projects[i]; i++) {
        proj *pr = proj_add(c, o->projects[i]);
        if (!pr) continue;
        char node[160];
        snprintf(node, sizeof node, "projects/%s", pr->id);
        pr->cai = cai_new(c, node, pr->id);
        int had = had_state(c, pr->id, "global", "projects.get");
        if (had == C_COMPLETE) {
            proj_enter(pr);
            continue;
        }
        push(c, task_new(c, K_PROJECT_GET, ism_gcp_op_find("projects.get"), NULL, pr->id));
    }
}

static void run_loop(col *c)
{
    while (!c->failed && !c->stopping) {
        feed(c);
        if (c->outstanding == 0 && !c->refreshing) break;
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

bool ism_gcp_collect(const gcp_opts *o, ism_snapshot *snap, ism_collect_stats *st, ism_error *err)
{
    memset(st, 0, sizeof *st);
    col c = {.o = o, .snap = snap, .st = st, .t0 = ism_mono_ms()};
    const char *path = ism_gcp_key_path(o->key_file);
    if (!path)
        return ism_error_set(err, ISM_E_CONFIG,
                             "no Google Cloud credentials: give key_file or set "
                             "GOOGLE_APPLICATION_CREDENTIALS in the daemon's environment to a "
                             "service-account key file");
    if (!ism_gcp_key_load(path, &c.key, err)) return false;
    ism_strlcpy(st->principal, o->impersonate ? o->impersonate : c.key.client_email,
                sizeof st->principal);
    c.hc = (ism_http_config){
        .max_in_flight = o->max_in_flight > 0 ? o->max_in_flight : 32,
        .max_attempts = 5,
        .backoff_base_ms = 200,
        .backoff_max_ms = 10000,
        /* an emulator: an endpoint_url the config allowed, or a key file
           whose token_uri is plain http (loopback only, the engine says) */
        .allow_http_loopback =
            o->endpoint_url != NULL || !strncmp(c.key.token_uri, "http://", 7) ||
            (c.key.source_url && !strncmp(c.key.source_url, "http://", 7)) ||
            (c.key.impersonation_url && !strncmp(c.key.impersonation_url, "http://", 7)),
        .tick = engine_tick,
        .tick_arg = &c};
    c.hc.max_per_host = c.hc.max_in_flight;
    /* The engine sends, among what is submitted, whatever its bucket has a token for: a
       small window would leave projects' calls queued here behind other projects' calls
       waiting for their tokens. */
    c.window = 1 << 20;
    c.had = json_object();
    c.buckets = json_object();
    c.seen_projects = json_object();
    c.proj_nums = json_object();
    bool ok = (c.eng = ism_http_engine_new(&c.hc, err)) != NULL;
    if (ok) {
        load_had(&c);
        ok = ism_snapshot_begin(snap, err) && first_token(&c, err);
    }
    if (ok) {
        start_scope(&c);
        run_loop(&c);
        write_scope(&c);
        progress(&c, true);
        ism_error e = {0};
        if (!ism_snapshot_commit(snap, &e)) fail_fatal(&c, &e);
        ism_error_clear(&e);
        ism_http_stats hs;
        ism_http_stats_get(c.eng, &hs);
        st->scopes = c.nprojs;
        st->calls = hs.calls;
        st->retries = hs.retries;
        st->throttled = hs.throttled;
        st->tokens = hs.admitted;
        st->throttle_limit_hits = hs.throttle_limit_hits;
        if (c.failed)
            ok = ism_error_set(err, c.fatal.code, "%s", c.fatal.message);
        else if (c.stopping)
            ok = ism_error_set(err, ISM_E_INTERRUPTED,
                               "collection stopped after %d of %d operations; resume continues "
                               "from there",
                               c.units_done, c.units_total);
    } else if (c.eng) {
        ism_error e = {0};
        ism_snapshot_commit(snap, &e);
        ism_error_clear(&e);
    }
    st->ms = ism_mono_ms() - c.t0;
    ism_http_engine_free(c.eng);
    while (c.q_head) {
        task *t = c.q_head;
        c.q_head = t->next;
        task_free(t);
    }
    for (int i = 0; i < c.nprojs; i++) {
        for (int k = 0; k < c.projs[i]->nunits; k++)
            free(c.projs[i]->units[k]);
        free(c.projs[i]->units);
        free(c.projs[i]);
    }
    free(c.projs);
    json_decref(c.had);
    json_decref(c.buckets);
    json_decref(c.seen_projects);
    json_decref(c.proj_nums);
    for (int i = 0; i < c.ncais; i++) {
        json_decref(c.cais[i]->unplaced);
        free(c.cais[i]);
    }
    free(c.cais);
    ism_gcp_key_free(&c.key);
    if (c.subject) OPENSSL_cleanse(c.subject, strlen(c.subject));
    free(c.subject);
    ism_error_clear(&c.fatal);
    OPENSSL_cleanse(&c.token, sizeof c.token);
    OPENSSL_cleanse(&c.base, sizeof c.base);
    return ok;
}
