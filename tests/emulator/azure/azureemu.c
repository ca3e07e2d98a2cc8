/* azureemu.c — a Microsoft Azure emulator for tests: the Entra ID token endpoint (client
 * credentials with a client secret or a certificate's JWT assertion, verified as Entra ID does:
 * signature, x5t#S256, aud, iss/sub, lifetime), the OpenID metadata MSAL asks for, Azure Resource
 * Manager and Microsoft Graph GETs answered from a tenant JSON in their documented shapes
 * ({"value": [...], "nextLink"} for ARM, {"@odata.context", "value", "@odata.nextLink"} for Graph,
 * {"error": {"code", "message"}} errors), with paging, api-version required on ARM, bearer tokens
 * checked per audience and expiring, ARM's per-subscription read bucket (429 + Retry-After,
 * x-ms-ratelimit-remaining-subscription-reads), and faults on demand: random 429/5xx, dropped
 * connections, latency with jitter, denied paths. Deterministic by seed. See README.md. */
#include "emu_core.h"
#include "ismap/azure.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef AZUREEMU_DEFAULT_TENANT
#define AZUREEMU_DEFAULT_TENANT "tests/emulator/azure/tenants/minato-azure.json"
#endif

static struct {
    const char *tenant_path, *port_file;
    int port, page_size, latency_ms, jitter_ms, token_ttl_s;
    int token_uses;  /* a token expires after this many requests (0: only by time) */
    long hold_after; /* reads answered before every later one is held (0: none held) */
    double error_rate, drop_rate, throttle_rate, bucket_cap, bucket_rate;
    uint64_t seed;
    const char *deny[32];
    int ndeny;
    bool log;
} cfg = {.tenant_path = AZUREEMU_DEFAULT_TENANT,
         .page_size = 0,
         .token_ttl_s = 3599,
         .seed = 1,
         .bucket_cap = 250,
         .bucket_rate = 25};

static json_t *g_tenant;  /* the tenant file */
static const char *g_tid; /* its tenant id */
static hmap g_tokens;     /* access token -> struct tok */
static hmap g_buckets;    /* subscription -> struct bucket */
static uint64_t g_rng, g_counter;
static struct {
    uint64_t requests, tokens, throttled, errors, dropped, denied, reads, held;
} g_stats;

struct tok {
    int aud; /* 0 ARM, 1 Graph */
    int64_t exp;
    int uses; /* requests it authorized */
};
struct bucket {
    double tokens;
    int64_t last_ms;
};

static int64_t now_ms(void)
{
    return ism_mono_ms();
}

/* ---- answers ------------------------------------------------------------------------------ */
static void json_answer(emu_resp *r, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    r->status = status;
    r->ctype = "application/json; charset=utf-8";
    sb_puts(&r->body, s);
    free(s);
    json_decref(j);
}

static void error_answer(emu_resp *r, int status, const char *code, const char *msg)
{
    json_answer(r, status,
                emu_obj1("error", json_pack("{s:s, s:s}", "code", code, "message", msg)));
}

static void request_id(emu_resp *r, bool graph)
{
    char id[40];
    uint64_t a = emu_rand(&g_rng), b = emu_rand(&g_rng);
    snprintf(id, sizeof id, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffULL));
    emu_resp_header(r, graph ? "request-id" : "x-ms-request-id", id);
    if (!graph) emu_resp_header(r, "x-ms-correlation-request-id", id);
}

/* ---- the token endpoint -------------------------------------------------------------------- */
static char *form_get(const char *body, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            char *v = strndup(p + kl + 1, n - kl - 1);
            emu_pct_decode(v, true);
            return v;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static const json_t *client_of(const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(g_tenant, "clients"), i, c)
    {
        const char *cid = json_string_value(json_object_get(c, "client_id"));
        if (cid && id && !strcmp(cid, id)) return c;
    }
    return NULL;
}

static void token_error(emu_resp *r, int status, const char *code, const char *desc)
{
    json_t *j = json_pack("{s:s, s:s, s:[i]}", "error", code, "error_description", desc,
                          "error_codes", 700000 + (int)(emu_rand(&g_rng) % 1000));
    json_answer(r, status, j);
}

/* The base URL the client used: the token endpoint's aud and the nextLinks name it. */
static void base_url(const emu_req *q, char *out, size_t n)
{
    const char *host = ism_http_headers_get(&q->headers, "Host");
    const char *proto = ism_http_headers_get(&q->headers, "X-Forwarded-Proto");
    snprintf(out, n, "%s://%s", proto ? proto : "http", host ? host : "127.0.0.1");
}

static void token_endpoint(const emu_req *q, emu_resp *r, const char *tenant)
{
    if (strcmp(q->method, "POST"))
        return token_error(r, 405, "invalid_request",
                           "AADSTS900561: The endpoint only accepts "
                           "POST requests.");
    if (strcmp(tenant, g_tid) && strcmp(tenant, "organizations"))
        return token_error(r, 400, "invalid_tenant",
                           "AADSTS90002: Tenant not found. Check the tenant id.");
    char *grant = form_get(q->body, "grant_type"), *cid = form_get(q->body, "client_id");
    char *scope = form_get(q->body, "scope"), *secret = form_get(q->body, "client_secret");
    char *atype = form_get(q->body, "client_assertion_type");
    char *assertion = form_get(q->body, "client_assertion");
    const json_t *c = client_of(cid);
    char base[512], aud[700];
    base_url(q, base, sizeof base);
    snprintf(aud, sizeof aud, "%s/%s/oauth2/v2.0/token", base, tenant);
    int which = -1;
    if (scope) {
        size_t sl = strlen(scope);
        if (sl > 9 && !strcmp(scope + sl - 9, "/.default")) {
            if (strstr(scope, "management"))
                which = 0;
            else if (strstr(scope, "graph"))
                which = 1;
        }
    }
    if (!grant || strcmp(grant, "client_credentials"))
        token_error(r, 400, "unsupported_grant_type",
                    "AADSTS70003: The app requested an unsupported grant type.");
    else if (!c)
        token_error(r, 400, "unauthorized_client",
                    "AADSTS700016: Application not found in the directory.");
    else if (which < 0)
        token_error(r, 400, "invalid_scope",
                    "AADSTS1002012: The provided value for scope is not valid. Client credential "
                    "flows must have a scope value with /.default suffixed to the resource "
                    "identifier.");
    else if (secret) {
        const char *want = json_string_value(json_object_get(c, "secret"));
        if (!want || strcmp(want, secret))
            token_error(r, 401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
    } else if (assertion) {
        const char *cert = json_string_value(json_object_get(c, "certificate_pem"));
        ism_error e = {0};
        if (!atype || strcmp(atype, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
            token_error(r, 400, "invalid_request", "AADSTS50027: Invalid client_assertion_type.");
        else if (!cert)
            token_error(r, 401, "invalid_client",
                        "AADSTS700027: The certificate is not registered for the application.");
        else if (!ism_azure_assertion_verify(assertion, cert, strlen(cert), aud, cid,
                                             (int64_t)time(NULL), &e)) {
            char d[600];
            snprintf(d, sizeof d, "AADSTS700027: Client assertion failed signature validation: %s",
                     e.message);
            token_error(r, 401, "invalid_client", d);
        }
        ism_error_clear(&e);
    } else {
        token_error(r, 400, "invalid_client",
                    "AADSTS7000218: The request body must contain client_assertion or "
                    "client_secret.");
    }
    if (!r->status) {
        char tok[80];
        snprintf(tok, sizeof tok, "azemu.%s.%016llx%016llx", which ? "graph" : "arm",
                 (unsigned long long)emu_rand(&g_rng), (unsigned long long)emu_rand(&g_rng));
        struct tok *t = emu_xmalloc(sizeof *t);
        t->aud = which;
        t->exp = (int64_t)time(NULL) + cfg.token_ttl_s;
        t->uses = 0;
        hmap_put(&g_tokens, tok, t);
        g_stats.tokens++;
        json_answer(r, 200,
                    json_pack("{s:s, s:i, s:i, s:s}", "token_type", "Bearer", "expires_in",
                              cfg.token_ttl_s, "ext_expires_in", cfg.token_ttl_s, "access_token",
                              tok));
    }
    free(grant);
    free(cid);
    free(scope);
    free(secret);
    free(atype);
    free(assertion);
}

static void openid_config(const emu_req *q, emu_resp *r, const char *tenant)
{
    char base[512], a[800], b[800], c[800], d[800];
    base_url(q, base, sizeof base);
    snprintf(a, sizeof a, "%s/%s/oauth2/v2.0/token", base, tenant);
    snprintf(b, sizeof b, "%s/%s/oauth2/v2.0/authorize", base, tenant);
    snprintf(c, sizeof c, "%s/%s/v2.0", base, tenant);
    snprintf(d, sizeof d, "%s/%s/discovery/v2.0/keys", base, tenant);
    json_answer(r, 200,
                json_pack("{s:s, s:s, s:s, s:s, s:[s,s], s:[s], s:s}", "token_endpoint", a,
                          "authorization_endpoint", b, "issuer", c, "jwks_uri", d,
                          "token_endpoint_auth_methods_supported", "client_secret_post",
                          "private_key_jwt", "response_types_supported", "code",
                          "tenant_region_scope", "AS"));
}

/* ---- ARM and Graph ------------------------------------------------------------------------- */
static char *query_get(const char *query, const char *key)
{
    return form_get(query, key);
}

static bool denied(const char *path)
{
    for (int i = 0; i < cfg.ndeny; i++)
        if (strcasestr(path, cfg.deny[i])) return true;
    return false;
}

/* The tenant's lists and objects are keyed by lower-case path. */
static const json_t *lookup(const char *section, const char *path)
{
    char *low = emu_xstrdup(path);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    size_t n = strlen(low);
    while (n > 1 && low[n - 1] == '/')
        low[--n] = 0;
    const json_t *v = json_object_get(json_object_get(g_tenant, section), low);
    free(low);
    return v;
}

static const json_t *subscription(const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(g_tenant, "subscriptions"), i, s)
    {
        const char *sid = json_string_value(json_object_get(s, "subscriptionId"));
        if (sid && !strcasecmp(sid, id)) return s;
    }
    return NULL;
}

/* ARM's subscription read bucket: true when a token was there. */
static bool bucket_take(const char *sub, double *left)
{
    struct bucket *b = hmap_get(&g_buckets, sub);
    int64_t now = now_ms();
    if (!b) {
        b = emu_xmalloc(sizeof *b);
        b->tokens = cfg.bucket_cap;
        b->last_ms = now;
        hmap_put(&g_buckets, sub, b);
    }
    b->tokens += (double)(now - b->last_ms) * cfg.bucket_rate / 1000.0;
    if (b->tokens > cfg.bucket_cap) b->tokens = cfg.bucket_cap;
    b->last_ms = now;
    *left = b->tokens;
    if (b->tokens < 1) return false;
    b->tokens -= 1;
    *left = b->tokens;
    return true;
}

static void page_answer(const emu_req *q, emu_resp *r, const json_t *list, bool graph,
                        const char *path)
{
    char *skip = query_get(q->query, "$skiptoken");
    char *top = query_get(q->query, "$top");
    size_t off = skip ? strtoul(skip, NULL, 10) : 0, n = json_array_size(list);
    size_t page = cfg.page_size > 0 ? (size_t)cfg.page_size : graph ? 100 : 1000;
    if (top && atoi(top) > 0 && (size_t)atoi(top) < page) page = (size_t)atoi(top);
    json_t *v = json_array();
    for (size_t i = off; i < n && i < off + page; i++)
        json_array_append(v, json_array_get(list, i));
    json_t *j = json_object();
    char base[512];
    base_url(q, base, sizeof base);
    if (graph) {
        char ctx[700];
        snprintf(ctx, sizeof ctx, "%s/v1.0/$metadata#%s", base, strrchr(path, '/') + 1);
        json_object_set_new(j, "@odata.context", json_string(ctx));
    }
    json_object_set_new(j, "value", v);
    if (off + page < n) {
        sbuf next = {0};
        sb_printf(&next, "%s%s?", base, path);
        /* keep the query, replace the skip token */
        char *qs = emu_xstrdup(q->query);
        for (char *tokp = strtok(qs, "&"); tokp; tokp = strtok(NULL, "&"))
            if (strncmp(tokp, "$skiptoken=", 11) && strncmp(tokp, "%24skiptoken=", 13))
                sb_printf(&next, "%s&", tokp);
        free(qs);
        sb_printf(&next, "$skiptoken=%zu", off + page);
        sb_put(&next, "", 1);
        json_object_set_new(j, graph ? "@odata.nextLink" : "nextLink", json_string(next.p));
        sb_free(&next);
    }
    json_answer(r, 200, j);
    free(skip);
    free(top);
}

static bool authorized(const emu_req *q, emu_resp *r, int aud)
{
    const char *h = ism_http_headers_get(&q->headers, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7)) {
        error_answer(r, 401, aud ? "InvalidAuthenticationToken" : "AuthenticationFailed",
                     "Authentication failed. The 'Authorization' header is missing.");
        return false;
    }
    struct tok *t = hmap_get(&g_tokens, h + 7);
    if (!t || t->aud != aud) {
        error_answer(r, 401, aud ? "InvalidAuthenticationToken" : "InvalidAuthenticationToken",
                     aud ? "Access token validation failure. Invalid audience."
                         : "The access token is invalid.");
        return false;
    }
    /* Expired by time, or (--token-uses: tests) after a number of requests, so that renewal is
     * exercised however fast the machine runs. */
    if (t->exp <= (int64_t)time(NULL) || (cfg.token_uses > 0 && t->uses >= cfg.token_uses)) {
        error_answer(r, 401, aud ? "InvalidAuthenticationToken" : "ExpiredAuthenticationToken",
                     aud ? "Access token has expired or is not yet valid."
                         : "The access token expiry UTC time is earlier than current UTC time.");
        return false;
    }
    t->uses++;
    return true;
}

static void arm(const emu_req *q, emu_resp *r)
{
    request_id(r, false);
    if (!authorized(q, r, 0)) return;
    char *ver = query_get(q->query, "api-version");
    if (!ver || !*ver) {
        free(ver);
        return error_answer(r, 400, "MissingApiVersionParameter",
                            "The api-version query parameter (?api-version=) is required for "
                            "all requests.");
    }
    free(ver);
    /* which subscription: its bucket and its existence */
    char sub[64] = "";
    if (!strncasecmp(q->path, "/subscriptions/", 15)) {
        size_t n = strcspn(q->path + 15, "/");
        if (n < sizeof sub) memcpy(sub, q->path + 15, n), sub[n] = 0;
    }
    double left = 0;
    if (!bucket_take(sub[0] ? sub : "tenant", &left)) {
        g_stats.throttled++;
        emu_resp_header(r, "Retry-After", "1");
        emu_resp_header(r,
                        sub[0] ? "x-ms-ratelimit-remaining-subscription-reads"
                               : "x-ms-ratelimit-remaining-tenant-reads",
                        "0");
        return error_answer(r, 429, "TooManyRequests",
                            "The request is being throttled as the limit has been reached for "
                            "operation type - Read.");
    }
    char rem[32];
    snprintf(rem, sizeof rem, "%d", (int)left);
    emu_resp_header(r,
                    sub[0] ? "x-ms-ratelimit-remaining-subscription-reads"
                           : "x-ms-ratelimit-remaining-tenant-reads",
                    rem);
    if (denied(q->path)) {
        g_stats.denied++;
        char m[600];
        snprintf(
            m, sizeof m,
            "The client '%s' does not have authorization to perform action over scope '%.400s' "
            "or the scope is invalid.",
            "ismap-assess-test", q->path);
        return error_answer(r, 403, "AuthorizationFailed", m);
    }
    if (sub[0] && !subscription(sub))
        return error_answer(r, 404, "SubscriptionNotFound", "The subscription could not be found.");
    const json_t *obj = lookup("arm_objects", q->path);
    if (obj) return json_answer(r, 200, json_deep_copy(obj));
    if (sub[0] && strlen(q->path) <= 15 + strlen(sub) + 1) {
        json_t *s = json_deep_copy(subscription(sub));
        json_object_del(s, "resources");
        return json_answer(r, 200, s);
    }
    if (!strcasecmp(q->path, "/subscriptions")) {
        json_t *all = json_array();
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(g_tenant, "subscriptions"), i, s)
        {
            json_t *c = json_deep_copy(s);
            json_array_append_new(all, c);
        }
        page_answer(q, r, all, false, q->path);
        json_decref(all);
        return;
    }
    const json_t *list = lookup("arm", q->path);
    if (list) return page_answer(q, r, list, false, q->path);
    /* A collection nobody created anything in is an empty list under a known subscription. */
    if (sub[0] || strstr(q->path, "/providers/Microsoft.Management/")) {
        json_t *empty = json_array();
        page_answer(q, r, empty, false, q->path);
        json_decref(empty);
        return;
    }
    error_answer(r, 404, "ResourceNotFound", "The resource was not found.");
}

static void graph(const emu_req *q, emu_resp *r)
{
    request_id(r, true);
    if (!authorized(q, r, 1)) return;
    if (denied(q->path)) {
        g_stats.denied++;
        return error_answer(r, 403, "Authorization_RequestDenied",
                            "Insufficient privileges to complete the operation.");
    }
    const json_t *obj = lookup("graph_objects", q->path);
    if (obj) {
        json_t *o = json_deep_copy(obj);
        char base[512], ctx[700];
        base_url(q, base, sizeof base);
        snprintf(ctx, sizeof ctx, "%s/v1.0/$metadata#%s/$entity", base, strrchr(q->path, '/') + 1);
        json_object_set_new(o, "@odata.context", json_string(ctx));
        return json_answer(r, 200, o);
    }
    const json_t *list = lookup("graph", q->path);
    if (!list)
        return error_answer(r, 404, "Request_ResourceNotFound",
                            "Resource could not be discovered.");
    /* $filter=userType eq 'Guest' is the one filter the collector sends */
    char *filter = query_get(q->query, "$filter");
    json_t *sel = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *ut = json_string_value(json_object_get(v, "userType"));
        if (filter && strstr(filter, "userType eq 'Guest'") && (!ut || strcmp(ut, "Guest")))
            continue;
        json_array_append(sel, v);
    }
    free(filter);
    page_answer(q, r, sel, true, q->path);
    json_decref(sel);
}

/* ---- faults and dispatch ------------------------------------------------------------------- */
static void dispatch(const emu_req *q, emu_resp *r)
{
    g_stats.requests++;
    uint64_t st = emu_mix64(cfg.seed ^ emu_mix64(++g_counter));
    int jitter = cfg.jitter_ms
                     ? (int)(emu_rand(&st) % (uint64_t)(2 * cfg.jitter_ms + 1)) - cfg.jitter_ms
                     : 0;
    r->delay_ms = cfg.latency_ms + jitter > 0 ? cfg.latency_ms + jitter : 0;
    if (cfg.log) fprintf(stderr, "azureemu: %s %s\n", q->method, q->path);
    if (!strcmp(q->path, "/_emu/stats")) {
        r->delay_ms = 0;
        return json_answer(
            r, 200,
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "requests",
                      (json_int_t)g_stats.requests, "tokens", (json_int_t)g_stats.tokens,
                      "throttled", (json_int_t)g_stats.throttled, "errors",
                      (json_int_t)g_stats.errors, "dropped", (json_int_t)g_stats.dropped, "denied",
                      (json_int_t)g_stats.denied, "reads", (json_int_t)g_stats.reads, "held",
                      (json_int_t)g_stats.held));
    }
    /* the token endpoint: /{tenant}/oauth2/v2.0/token; MSAL's metadata */
    char tenant[128];
    const char *slash = strchr(q->path + 1, '/');
    size_t tl = slash ? (size_t)(slash - q->path - 1) : 0;
    if (tl && tl < sizeof tenant) {
        memcpy(tenant, q->path + 1, tl);
        tenant[tl] = 0;
        if (!strcmp(slash, "/oauth2/v2.0/token")) return token_endpoint(q, r, tenant);
        if (!strcmp(slash, "/v2.0/.well-known/openid-configuration"))
            return openid_config(q, r, tenant);
    }
    bool is_graph = !strncmp(q->path, "/v1.0/", 6) || !strncmp(q->path, "/beta/", 6);
    if (strcmp(q->method, "GET"))
        return error_answer(r, 405, "MethodNotAllowed", "This emulator answers reads only.");
    /* --hold-after: the reads past the first N are answered only when the emulator has stopped,
     * i.e. never — a collection that cannot finish, whatever the machine's speed (kill tests) */
    g_stats.reads++;
    if (cfg.hold_after > 0 && g_stats.reads > (uint64_t)cfg.hold_after) {
        g_stats.held++;
        r->delay_ms = EMU_HOLD_MS;
    }
    /* random faults, after the token endpoint (faults there are not what the tests are about) */
    double u = emu_unit(emu_rand(&st));
    if (u < cfg.drop_rate) {
        g_stats.dropped++;
        r->status = 200;
        r->drop = true;
        return;
    }
    u -= cfg.drop_rate;
    if (u < cfg.error_rate) {
        g_stats.errors++;
        request_id(r, is_graph);
        bool five03 = emu_rand(&st) & 1;
        return error_answer(r, five03 ? 503 : 500,
                            is_graph ? (five03 ? "serviceNotAvailable" : "generalException")
                                     : (five03 ? "ServiceUnavailable" : "InternalServerError"),
                            "The server encountered an internal error; retry the request.");
    }
    u -= cfg.error_rate;
    if (u < cfg.throttle_rate) {
        g_stats.throttled++;
        request_id(r, is_graph);
        emu_resp_header(r, "Retry-After", "1");
        return error_answer(r, 429, is_graph ? "TooManyRequests" : "TooManyRequests",
                            "Too many requests; retry after the time in Retry-After.");
    }
    if (is_graph) return graph(q, r);
    arm(q, r);
}

/* ---- the tenant ---------------------------------------------------------------------------- */
static bool load_tenant(char *why, size_t n)
{
    json_error_t je;
    g_tenant = json_load_file(cfg.tenant_path, 0, &je);
    if (!g_tenant) {
        snprintf(why, n, "%s:%d: %s", cfg.tenant_path, je.line, je.text);
        return false;
    }
    g_tid = json_string_value(json_object_get(g_tenant, "tenant_id"));
    if (!g_tid) {
        snprintf(why, n, "%s: no tenant_id", cfg.tenant_path);
        return false;
    }
    /* clients' certificates: a path relative to the tenant file, loaded as PEM */
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(g_tenant, "clients"), i, c)
    {
        const char *p = json_string_value(json_object_get(c, "certificate"));
        if (!p) continue;
        char path[4096];
        if (p[0] == '/')
            snprintf(path, sizeof path, "%s", p);
        else {
            const char *d = strrchr(cfg.tenant_path, '/');
            snprintf(path, sizeof path, "%.*s/%s", d ? (int)(d - cfg.tenant_path) : 1,
                     d ? cfg.tenant_path : ".", p);
        }
        ism_error e = {0};
        char *pem = ism_read_file(path, 1 << 20, NULL, &e);
        if (!pem) {
            snprintf(why, n, "%s: client certificate: %s", cfg.tenant_path, e.message);
            ism_error_clear(&e);
            return false;
        }
        json_object_set_new(c, "certificate_pem", json_string(pem));
        free(pem);
    }
    /* lower-case the path keys */
    static const char *const sections[] = {"arm", "arm_objects", "graph", "graph_objects"};
    for (int s = 0; s < 4; s++) {
        json_t *sec = json_object_get(g_tenant, sections[s]);
        if (!sec) continue;
        json_t *low = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(sec, k, v)
        {
            char *l = emu_xstrdup(k);
            for (char *p = l; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            json_object_set(low, l, v);
            free(l);
        }
        json_object_set_new(g_tenant, sections[s], low);
    }
    return true;
}

static const char USAGE[] =
    "usage: azureemu [options]\n"
    "  --tenant FILE          tenant JSON (default: the bundled minato-azure.json)\n"
    "  --port N               port on 127.0.0.1 (0 = pick one; default 0)\n"
    "  --port-file FILE       write the port there once listening\n"
    "  --page-size N          items per page (default: ARM 1000, Graph 100 or $top)\n"
    "  --token-ttl S          lifetime of the access tokens issued (default 3599)\n"
    "  --token-uses N         a token also expires after N requests (tests; default never)\n"
    "  --seed N               seed of every random decision (default 1)\n"
    "  --latency-ms MS        latency added to every answer (timers: never blocks)\n"
    "  --jitter-ms MS         +/- uniform jitter on the latency\n"
    "  --error-rate R         fraction of reads answered 500/503\n"
    "  --drop-rate R          fraction of reads whose connection is closed unanswered\n"
    "  --throttle-rate R      fraction of reads answered 429 + Retry-After\n"
    "  --bucket CAP/RATE      ARM read bucket per subscription (default 250/25)\n"
    "  --deny SUBSTRING       answer 403 to every path containing it (repeatable)\n"
    "  --hold-after N         answer the first N reads, then hold every later one unanswered\n"
    "                         (a collection that cannot finish; kill tests)\n"
    "  --log-requests         one line per request on stderr\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"tenant", 1, 0, 't'},     {"port", 1, 0, 'p'},       {"port-file", 1, 0, 'f'},
        {"page-size", 1, 0, 'g'},  {"token-ttl", 1, 0, 'k'},  {"token-uses", 1, 0, 'K'},
        {"seed", 1, 0, 's'},       {"latency-ms", 1, 0, 'l'}, {"jitter-ms", 1, 0, 'j'},
        {"error-rate", 1, 0, 'e'}, {"drop-rate", 1, 0, 'd'},  {"throttle-rate", 1, 0, 'r'},
        {"bucket", 1, 0, 'b'},     {"deny", 1, 0, 'x'},       {"log-requests", 0, 0, 'L'},
        {"hold-after", 1, 0, 'H'}, {"help", 0, 0, 'h'},       {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 't':
            cfg.tenant_path = optarg;
            break;
        case 'p':
            cfg.port = atoi(optarg);
            break;
        case 'f':
            cfg.port_file = optarg;
            break;
        case 'g':
            cfg.page_size = atoi(optarg);
            break;
        case 'K':
            cfg.token_uses = atoi(optarg);
            break;
        case 'k':
            cfg.token_ttl_s = atoi(optarg);
            break;
        case 's':
            cfg.seed = strtoull(optarg, NULL, 10);
            break;
        case 'l':
            cfg.latency_ms = atoi(optarg);
            break;
        case 'j':
            cfg.jitter_ms = atoi(optarg);
            break;
        case 'e':
            cfg.error_rate = atof(optarg);
            break;
        case 'd':
            cfg.drop_rate = atof(optarg);
            break;
        case 'r':
            cfg.throttle_rate = atof(optarg);
            break;
        case 'b':
            if (sscanf(optarg, "%lf/%lf", &cfg.bucket_cap, &cfg.bucket_rate) != 2 ||
                cfg.bucket_cap < 1 || cfg.bucket_rate <= 0) {
                fprintf(stderr, "azureemu: --bucket wants CAP/RATE, e.g. 250/25\n");
                return 2;
            }
            break;
        case 'x':
            if (cfg.ndeny < 32) cfg.deny[cfg.ndeny++] = optarg;
            break;
        case 'L':
            cfg.log = true;
            break;
        case 'H':
            cfg.hold_after = atol(optarg);
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 0;
        default:
            fputs(USAGE, stderr);
            return 2;
        }
    }
    char why[1024];
    if (!load_tenant(why, sizeof why)) {
        fprintf(stderr, "azureemu: %s\n", why);
        return 1;
    }
    g_rng = emu_mix64(cfg.seed);
    g_srv.name = "azureemu";
    g_srv.port = cfg.port;
    g_srv.port_file = cfg.port_file;
    g_srv.dispatch = dispatch;
    return emu_server_run();
}
