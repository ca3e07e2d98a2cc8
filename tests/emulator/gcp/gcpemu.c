/* gcpemu.c — the Google Cloud emulator: an OAuth 2.0 token endpoint that verifies the JWT bearer
 * assertion's RS256 signature against the service-account key file's key, iamcredentials
 * generateAccessToken, the Security Token Service's token exchange for workload identity
 * federation (and a URL source of subject tokens), and the REST APIs the collector reads (Resource
 * Manager v3, Compute v1, Cloud Storage JSON v1, Logging v2, Cloud KMS v1, Org Policy v2, IAM v1,
 * Service Usage v1, Backup and DR v1, Security Command Center v1 sources, Cloud Asset Inventory v1
 * assets.list over the same tenant data) in their documented JSON shapes with
 * pageToken/nextPageToken paging and Google's error body. Faults, deterministic by seed: per-minute
 * quotas per (project, API) answered 429 RESOURCE_EXHAUSTED or 403 rateLimitExceeded, random
 * throttling, 503, dropped connections, latency with jitter, short-lived tokens, denied
 * permissions. Test code only. */
#include "emu_core.h"
#include "ismap/gcp.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    const char *tenant_path, *key_path, *port_file;
    const char *sts_audience, *sts_subject; /* workload identity federation */
    int port, page_size, token_ttl, latency_ms, jitter_ms, quota_per_min, cai_quota_per_min;
    int retry_after_s; /* the Retry-After of a 429 (seconds; 0 = retry at once) */
    bool cai_disabled;
    double throttle_rate, error_rate, drop_rate;
    uint64_t seed;
    long hold_after; /* API calls answered before every later one is held (0: none held) */
    bool log;
} cfg = {.token_ttl = 3600, .seed = 1, .cai_quota_per_min = 100, .retry_after_s = 1};

static json_t *tenant;   /* the tenant file */
static ism_gcp_key key;  /* the scanner's key: its public half verifies assertions */
static hmap tokens;      /* access token -> (intptr_t) expiry (seconds) */
static hmap quota;       /* "project/api/minute" -> (intptr_t) calls */
static json_t *denied;   /* ["project:permission", ...] */
static uint64_t counter; /* every API call: the random decisions' index */
static uint64_t served, throttled_n, errors_n, dropped_n, tokens_n, held_n;

/* ---- answers ------------------------------------------------------------------------------ */
static void send_json(emu_resp *r, int status, json_t *body)
{
    r->status = status;
    r->ctype = "application/json; charset=UTF-8";
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    sb_puts(&r->body, s);
    free(s);
    json_decref(body);
}

static void send_error(emu_resp *r, int code, const char *status, const char *reason,
                       const char *msg)
{
    json_t *e = json_pack("{s:i, s:s, s:[{s:s, s:s, s:s}], s:s}", "code", code, "message", msg,
                          "errors", "message", msg, "domain",
                          !strcmp(reason, "rateLimitExceeded") ? "usageLimits" : "global", "reason",
                          reason, "status", status);
    send_json(r, code, emu_obj1("error", e));
}

/* ---- query strings ---------------------------------------------------------------------- */
static char *query_get(const char *query, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            char *v = emu_xmalloc(len - nl);
            memcpy(v, p + nl + 1, len - nl - 1);
            v[len - nl - 1] = '\0';
            emu_pct_decode(v, true);
            return v;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

/* ---- the token endpoint and impersonation ----------------------------------------------- */
static char *new_token(int64_t now)
{
    tokens_n++;
    char *t = ism_strdupf("ya29.emu-%llu-%016llx", (unsigned long long)tokens_n,
                          (unsigned long long)emu_mix64(cfg.seed ^ tokens_n));
    hmap_put(&tokens, t, (void *)(intptr_t)(now + cfg.token_ttl));
    return t;
}

static void oauth_error(emu_resp *r, int status, const char *err, const char *desc)
{
    send_json(r, status, json_pack("{s:s, s:s}", "error", err, "error_description", desc));
}

static void token_endpoint(const emu_req *q, emu_resp *r)
{
    char *grant = query_get(q->body, "grant_type");
    char *assertion = query_get(q->body, "assertion");
    int64_t now = time(NULL);
    ism_error e = {0};
    json_t *claims = NULL;
    if (!grant || strcmp(grant, "urn:ietf:params:oauth:grant-type:jwt-bearer") != 0) {
        oauth_error(r, 400, "unsupported_grant_type", "Invalid grant_type.");
    } else if (!assertion || !(claims = ism_gcp_jwt_verify(assertion, key.private_key, &e))) {
        oauth_error(r, 400, "invalid_grant", assertion ? e.message : "Missing assertion.");
    } else if (!ism_json_getstr(claims, "iss") ||
               strcmp(ism_json_getstr(claims, "iss"), key.client_email) != 0) {
        oauth_error(r, 400, "invalid_grant", "Invalid issuer.");
    } else if (!ism_json_getstr(claims, "aud") ||
               strcmp(ism_json_getstr(claims, "aud"), key.token_uri) != 0) {
        oauth_error(r, 400, "invalid_grant", "Invalid JWT audience.");
    } else if (json_integer_value(json_object_get(claims, "exp")) < now ||
               json_integer_value(json_object_get(claims, "iat")) > now + 300) {
        oauth_error(r, 400, "invalid_grant",
                    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                    "reasonable timeframe.");
    } else if (!ism_json_getstr(claims, "scope")) {
        oauth_error(r, 400, "invalid_scope", "Missing scope.");
    } else {
        char *t = new_token(now);
        send_json(r, 200,
                  json_pack("{s:s, s:i, s:s}", "access_token", t, "expires_in", cfg.token_ttl,
                            "token_type", "Bearer"));
        free(t);
    }
    ism_error_clear(&e);
    json_decref(claims);
    free(grant);
    free(assertion);
}

/* Security Token Service (sts.googleapis.com/v1/token): an external account's subject token
 * exchanged for an access token (RFC 8693, form-encoded). The pool provider accepts one
 * audience and one subject token (--sts-audience, --sts-subject). */
static void sts_endpoint(const emu_req *q, emu_resp *r)
{
    char *grant = query_get(q->body, "grant_type"), *aud = query_get(q->body, "audience");
    char *subject = query_get(q->body, "subject_token");
    char *stt = query_get(q->body, "subject_token_type");
    char *rtt = query_get(q->body, "requested_token_type"), *scope = query_get(q->body, "scope");
    if (!grant || strcmp(grant, "urn:ietf:params:oauth:grant-type:token-exchange") != 0)
        oauth_error(r, 400, "unsupported_grant_type", "Invalid grant_type.");
    else if (!rtt || strcmp(rtt, "urn:ietf:params:oauth:token-type:access_token") != 0)
        oauth_error(r, 400, "invalid_request", "Invalid requested_token_type.");
    else if (!stt || !scope)
        oauth_error(r, 400, "invalid_request", "subject_token_type and scope are required.");
    else if (!cfg.sts_audience || !aud || strcmp(aud, cfg.sts_audience) != 0)
        oauth_error(r, 400, "invalid_target",
                    "The target service indicated by the \"audience\" parameters is invalid.");
    else if (!cfg.sts_subject || !subject || strcmp(subject, cfg.sts_subject) != 0)
        oauth_error(r, 400, "invalid_grant", "The subject token could not be verified.");
    else {
        char *t = new_token(time(NULL));
        send_json(r, 200,
                  json_pack("{s:s, s:s, s:s, s:i}", "access_token", t, "issued_token_type",
                            "urn:ietf:params:oauth:token-type:access_token", "token_type", "Bearer",
                            "expires_in", cfg.token_ttl));
        free(t);
    }
    free(grant);
    free(aud);
    free(subject);
    free(stt);
    free(rtt);
    free(scope);
}

/* A URL-sourced subject token, as a workload's metadata endpoint gives it: {"id_token"} to a
 * caller that sends "Metadata: true". */
static void subject_source(const emu_req *q, emu_resp *r)
{
    const char *m = ism_http_headers_get(&q->headers, "Metadata");
    if (!m || strcmp(m, "true") != 0)
        send_json(r, 400, json_pack("{s:s}", "error", "the Metadata: true header is required"));
    else
        send_json(r, 200, json_pack("{s:s}", "id_token", cfg.sts_subject ? cfg.sts_subject : ""));
}

/* 0 when the bearer token is good; otherwise answered. */
static bool bearer_ok(const emu_req *q, emu_resp *r)
{
    const char *a = ism_http_headers_get(&q->headers, "Authorization");
    if (!a || strncmp(a, "Bearer ", 7) != 0 || !hmap_get(&tokens, a + 7)) {
        send_error(r, 401, "UNAUTHENTICATED", "unauthorized",
                   "Request had invalid authentication credentials. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential.");
        return false;
    }
    if ((int64_t)(intptr_t)hmap_get(&tokens, a + 7) < (int64_t)time(NULL)) {
        send_error(r, 401, "UNAUTHENTICATED", "unauthorized",
                   "Request had invalid authentication credentials: the access token expired.");
        return false;
    }
    return true;
}

static void impersonate(const char *email, const emu_req *q, emu_resp *r)
{
    const json_t *allowed = json_object_get(tenant, "impersonable");
    size_t i;
    const json_t *v;
    bool ok = false;
    json_array_foreach(allowed, i, v) ok = ok || !strcmp(json_string_value(v), email);
    json_t *body = json_loadb(q->body, q->body_len, 0, NULL);
    if (!ok) {
        send_error(r, 403, "PERMISSION_DENIED", "forbidden",
                   "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it "
                   "may not exist).");
    } else if (!json_is_array(json_object_get(body, "scope"))) {
        send_error(r, 400, "INVALID_ARGUMENT", "badRequest", "scope is required.");
    } else {
        int64_t now = time(NULL);
        char *t = new_token(now);
        time_t exp = (time_t)(now + cfg.token_ttl);
        struct tm tm;
        gmtime_r(&exp, &tm);
        char iso[32];
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
        send_json(r, 200, json_pack("{s:s, s:s}", "accessToken", t, "expireTime", iso));
        free(t);
    }
    json_decref(body);
}

/* ---- routes -------------------------------------------------------------------------------- */
/* A path pattern: segments, "{x}" captures one (with an optional literal suffix: "{p}:getIam
 * Policy"). `data` names where the list lives in tenant.projects_data[{p}] (segments again,
 * captures substituted), `field` the answer's list field, `kind` compute's kind. */
typedef struct route {
    const char *method, *pattern, *api, *permission, *data, *field, *kind;
    int max_page; /* the API's largest page */
} route;

static const route ROUTES[] = {
    {"GET", "/compute/v1/projects/{p}/regions", "compute", "compute.regions.list", "regions",
     "items", "compute#regionList", 500},
    {"GET", "/compute/v1/projects/{p}/global/networks", "compute", "compute.networks.list",
     "networks", "items", "compute#networkList", 500},
    {"GET", "/compute/v1/projects/{p}/regions/{r}/subnetworks", "compute",
     "compute.subnetworks.list", "subnetworks/{r}", "items", "compute#subnetworkList", 500},
    {"GET", "/compute/v1/projects/{p}/global/firewalls", "compute", "compute.firewalls.list",
     "firewalls", "items", "compute#firewallList", 500},
    {"GET", "/compute/v1/projects/{p}/global/routes", "compute", "compute.routes.list", "routes",
     "items", "compute#routeList", 500},
    {"GET", "/compute/v1/projects/{p}/zones/{z}/instances", "compute", "compute.instances.list",
     "instances/{z}", "items", "compute#instanceList", 500},
    {"GET", "/compute/v1/projects/{p}/zones/{z}/disks", "compute", "compute.disks.list",
     "disks/{z}", "items", "compute#diskList", 500},
    {"GET", "/storage/v1/b", "storage", "storage.buckets.list", "buckets", "items",
     "storage#buckets", 1000},
    {"GET", "/storage/v1/b/{b}/iam", "storage", "storage.buckets.getIamPolicy", NULL, NULL, NULL,
     0},
    {"GET", "/v2/projects/{p}/sinks", "logging", "logging.sinks.list", "sinks", "sinks", NULL, 200},
    {"GET", "/v2/projects/{p}/locations/{l}/buckets", "logging", "logging.buckets.list",
     "logBuckets", "buckets", NULL, 200},
    {"GET", "/v1/projects/{p}/locations/{r}/keyRings", "cloudkms", "cloudkms.keyRings.list",
     "keyRings/{r}", "keyRings", NULL, 1000},
    {"GET", "/v1/projects/{p}/locations/{r}/keyRings/{k}/cryptoKeys", "cloudkms",
     "cloudkms.cryptoKeys.list", "cryptoKeys/{k}", "cryptoKeys", NULL, 1000},
    {"GET", "/v1/projects/{p}/locations/{r}/backupPlans", "backupdr", "backupdr.backupPlans.list",
     "backupPlans/{r}", "backupPlans", NULL, 500},
    {"GET", "/v2/projects/{p}/policies/{c}:getEffectivePolicy", "orgpolicy", "orgpolicy.policy.get",
     NULL, NULL, NULL, 0},
    {"GET", "/v1/projects/{p}/serviceAccounts", "iam", "iam.serviceAccounts.list",
     "serviceAccounts", "accounts", NULL, 100},
    {"GET", "/v1/projects/{p}/serviceAccounts/{e}/keys", "iam", "iam.serviceAccountKeys.list",
     "serviceAccountKeys/{e}", "keys", NULL, 0},
    {"GET", "/v1/projects/{p}/services", "serviceusage", "serviceusage.services.list", "services",
     "services", NULL, 200},
    {"POST", "/v3/projects/{p}:getIamPolicy", "cloudresourcemanager",
     "resourcemanager.projects.getIamPolicy", NULL, NULL, NULL, 0},
    {"POST", "/v3/folders/{f}:getIamPolicy", "cloudresourcemanager",
     "resourcemanager.folders.getIamPolicy", NULL, NULL, NULL, 0},
    {"POST", "/v3/organizations/{o}:getIamPolicy", "cloudresourcemanager",
     "resourcemanager.organizations.getIamPolicy", NULL, NULL, NULL, 0},
    {"GET", "/v3/organizations/{o}", "cloudresourcemanager", "resourcemanager.organizations.get",
     NULL, NULL, NULL, 0},
    {"GET", "/v3/projects/{p}", "cloudresourcemanager", "resourcemanager.projects.get", NULL, NULL,
     NULL, 0},
    {"GET", "/v3/folders", "cloudresourcemanager", "resourcemanager.folders.list", NULL, "folders",
     NULL, 1000},
    {"GET", "/v3/projects", "cloudresourcemanager", "resourcemanager.projects.list", NULL,
     "projects", NULL, 1000},
    {"GET", "/v1/organizations/{o}/sources", "securitycenter", "securitycenter.sources.list", NULL,
     "sources", NULL, 1000},
    {"GET", "/v1/organizations/{o}/assets", "cloudasset", "cloudasset.assets.listResource", NULL,
     "assets", NULL, 1000},
    {"GET", "/v1/folders/{f}/assets", "cloudasset", "cloudasset.assets.listResource", NULL,
     "assets", NULL, 1000},
    {"GET", "/v1/projects/{p}/assets", "cloudasset", "cloudasset.assets.listResource", NULL,
     "assets", NULL, 1000},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0},
};

#define MAXCAP 6
typedef struct caps {
    char name[MAXCAP];
    char *val[MAXCAP];
    int n;
} caps;

static const char *cap(const caps *c, char name)
{
    for (int i = 0; i < c->n; i++)
        if (c->name[i] == name) return c->val[i];
    return NULL;
}

static void caps_free(caps *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->val[i]);
    c->n = 0;
}

/* Matches path against pattern, capturing {x} segments (percent-decoded). */
static bool match(const char *pattern, const char *path, caps *c)
{
    c->n = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/') return caps_free(c), false;
        p++, s++;
        const char *pe = strchr(p, '/'), *se = strchr(s, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), sl = se ? (size_t)(se - s) : strlen(s);
        if (*p == '{') {
            size_t suffix = pl - 3; /* after "{x}" */
            if (sl <= suffix || strncmp(s + sl - suffix, p + 3, suffix) != 0 || c->n == MAXCAP)
                return caps_free(c), false;
            c->name[c->n] = p[1];
            c->val[c->n] = emu_xmalloc(sl - suffix + 1);
            memcpy(c->val[c->n], s, sl - suffix);
            c->val[c->n][sl - suffix] = '\0';
            emu_pct_decode(c->val[c->n++], false);
        } else if (pl != sl || strncmp(p, s, pl) != 0) {
            return caps_free(c), false;
        }
        p += pl, s += sl;
    }
    if (*p || *s) return caps_free(c), false;
    return true;
}

/* tenant.projects[projectId]'s data object, or NULL. */
static json_t *project_data(const char *p)
{
    return p ? json_object_get(json_object_get(tenant, "projects_data"), p) : NULL;
}

static json_t *project_by_id(const char *p)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(tenant, "projects"), i, v)
    {
        const char *id = ism_json_getstr(v, "projectId"), *name = ism_json_getstr(v, "name");
        if ((id && !strcmp(id, p)) || (name && !strcmp(name + 9, p))) return v;
    }
    return NULL;
}

static json_t *lookup(json_t *root, const char *data, const caps *c)
{
    char *d = emu_xstrdup(data);
    json_t *cur = root;
    for (char *save = NULL, *seg = strtok_r(d, "/", &save); seg && cur;
         seg = strtok_r(NULL, "/", &save)) {
        const char *k = seg[0] == '{' ? cap(c, seg[1]) : seg;
        cur = k ? json_object_get(cur, k) : NULL;
    }
    free(d);
    return cur;
}

/* A list answer with paging: pageToken is the offset. */
static void send_list(const emu_req *q, emu_resp *r, const route *rt, json_t *items,
                      const char *self, json_t *extra)
{
    size_t total = json_array_size(items), off = 0, size = total;
    char *tok = query_get(q->query, "pageToken");
    char *ps = query_get(q->query, "pageSize");
    if (!ps) ps = query_get(q->query, "maxResults");
    if (tok) {
        char *end;
        unsigned long long v = strtoull(tok, &end, 10);
        if (*end || v > total) {
            free(tok);
            free(ps);
            json_decref(extra);
            send_error(r, 400, "INVALID_ARGUMENT", "invalid", "Invalid page token.");
            return;
        }
        off = (size_t)v;
    }
    size_t want = rt->max_page ? (size_t)rt->max_page : total;
    if (!ps && !strcmp(rt->api, "cloudasset")) want = 100; /* ListAssets' default page */
    if (ps && atoi(ps) > 0 && (size_t)atoi(ps) < want) want = (size_t)atoi(ps);
    if (cfg.page_size > 0 && (size_t)cfg.page_size < want) want = (size_t)cfg.page_size;
    if (rt->max_page && want < size) size = want;
    json_t *page = json_array();
    for (size_t i = off; i < total && i < off + size; i++)
        json_array_append(page, json_array_get(items, i));
    json_t *out = extra ? extra : json_object();
    if (rt->kind) {
        json_object_set_new(out, "kind", json_string(rt->kind));
        if (self) json_object_set_new(out, "id", json_string(self));
    }
    /* Google omits an empty list field */
    if (json_array_size(page))
        json_object_set_new(out, rt->field, page);
    else
        json_decref(page);
    if (off + size < total) {
        char next[32];
        snprintf(next, sizeof next, "%zu", off + size);
        json_object_set_new(out, "nextPageToken", json_string(next));
    }
    free(tok);
    free(ps);
    send_json(r, 200, out);
}

/* Resource Manager's lists filter on parent=. */
static void send_rm_list(const emu_req *q, emu_resp *r, const route *rt, const char *coll)
{
    char *parent = query_get(q->query, "parent");
    if (!parent) {
        send_error(r, 400, "INVALID_ARGUMENT", "badRequest", "parent is required.");
        return;
    }
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(tenant, coll), i, v)
    {
        const char *pa = ism_json_getstr(v, "parent");
        if (pa && !strcmp(pa, parent)) json_array_append(items, v);
    }
    send_list(q, r, rt, items, NULL, NULL);
    json_decref(items);
    free(parent);
}

static bool is_denied(const char *project, const char *perm)
{
    size_t i;
    json_t *v;
    char k[512];
    snprintf(k, sizeof k, "%s:%s", project ? project : "*", perm);
    json_array_foreach(denied, i, v)
    {
        const char *d = json_string_value(v);
        if (!strcmp(d, k) || (d[0] == '*' && d[1] == ':' && !strcmp(d + 2, perm))) return true;
    }
    return false;
}

static double rnd(uint64_t salt)
{
    return emu_unit(emu_mix64(cfg.seed * 0x9e3779b97f4a7c15ULL ^ (counter << 8) ^ salt));
}

/* The quota: calls per minute per (project, API), like Google's per-project quotas. */
static bool over_quota(const char *project, const char *api)
{
    if (cfg.quota_per_min <= 0) return false;
    char k[512];
    snprintf(k, sizeof k, "%s/%s/%lld", project ? project : "-", api, (long long)(time(NULL) / 60));
    intptr_t n = (intptr_t)hmap_get(&quota, k) + 1;
    hmap_put(&quota, k, (void *)n);
    return n > cfg.quota_per_min;
}

/* ListAssets: 100 per minute per consumer project (the key's project). */
static bool over_cai_quota(void)
{
    if (cfg.cai_quota_per_min <= 0) return false;
    char k[300];
    snprintf(k, sizeof k, "consumer:%s/cloudasset/%lld", key.project_id ? key.project_id : "-",
             (long long)(time(NULL) / 60));
    intptr_t n = (intptr_t)hmap_get(&quota, k) + 1;
    hmap_put(&quota, k, (void *)n);
    return n > cfg.cai_quota_per_min;
}

static void throttle(emu_resp *r, const char *api)
{
    throttled_n++;
    if (counter % 2) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
                 "minute' of service '%s.googleapis.com'.",
                 api);
        send_error(r, 429, "RESOURCE_EXHAUSTED", "rateLimitExceeded", msg);
        char ra[16];
        snprintf(ra, sizeof ra, "%d", cfg.retry_after_s);
        emu_resp_header(r, "Retry-After", ra);
    } else {
        send_error(r, 403, "PERMISSION_DENIED", "rateLimitExceeded", "Rate Limit Exceeded");
    }
}

/* ---- Cloud Asset Inventory -------------------------------------------------------------- */
/* The asset types gcpemu knows: where their resources live in projects_data (a list, or an
 * object of lists by region / zone / parent) and the API that names them. */
static const struct {
    const char *type, *data, *api;
} ASSET_TYPES[] = {
    {"compute.googleapis.com/Network", "networks", "compute"},
    {"compute.googleapis.com/Subnetwork", "subnetworks", "compute"},
    {"compute.googleapis.com/Firewall", "firewalls", "compute"},
    {"compute.googleapis.com/Route", "routes", "compute"},
    {"compute.googleapis.com/Instance", "instances", "compute"},
    {"compute.googleapis.com/Disk", "disks", "compute"},
    {"storage.googleapis.com/Bucket", "buckets", "storage"},
    {"logging.googleapis.com/LogSink", "sinks", "logging"},
    {"logging.googleapis.com/LogBucket", "logBuckets", "logging"},
    {"cloudkms.googleapis.com/KeyRing", "keyRings", "cloudkms"},
    {"cloudkms.googleapis.com/CryptoKey", "cryptoKeys", "cloudkms"},
    {"iam.googleapis.com/ServiceAccount", "serviceAccounts", "iam"},
    {"iam.googleapis.com/ServiceAccountKey", "serviceAccountKeys", "iam"},
    {"serviceusage.googleapis.com/Service", "services", "serviceusage"},
    {NULL, NULL, NULL},
};

/* The values of every repeated assetTypes= of the query. */
static json_t *query_all(const char *query, const char *name)
{
    json_t *out = json_array();
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            char *v = emu_xmalloc(len - nl);
            memcpy(v, p + nl + 1, len - nl - 1);
            v[len - nl - 1] = '\0';
            emu_pct_decode(v, true);
            json_array_append_new(out, json_string(v));
            free(v);
        }
        p = amp ? amp + 1 : NULL;
    }
    return out;
}

static bool type_wanted(const json_t *types, const char *type)
{
    if (!json_array_size(types)) return true;
    size_t i;
    const json_t *v;
    json_array_foreach(types, i, v) if (!strcmp(json_string_value(v), type)) return true;
    return false;
}

/* ["projects/NUM", "folders/..", ..., "organizations/ORG"]: the project's ancestry. */
static json_t *ancestors_of(const json_t *project)
{
    json_t *a = json_array();
    json_array_append_new(a, json_string(ism_json_getstr(project, "name")));
    const char *parent = ism_json_getstr(project, "parent");
    for (int depth = 0; parent && depth < 16; depth++) {
        json_array_append_new(a, json_string(parent));
        const char *next = NULL;
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(tenant, "folders"), i, f)
        {
            const char *n = ism_json_getstr(f, "name");
            if (n && !strcmp(n, parent)) next = ism_json_getstr(f, "parent");
        }
        parent = next;
    }
    return a;
}

/* Where a resource is: its region, zone, location segment, lower-cased bucket location. */
static char *location_of(const json_t *d)
{
    const char *v, *slash;
    if ((v = ism_json_getstr(d, "zone")) || (v = ism_json_getstr(d, "region"))) {
        slash = strrchr(v, '/');
        return emu_xstrdup(slash ? slash + 1 : v);
    }
    if ((v = ism_json_getstr(d, "name")) && (v = strstr(v, "/locations/"))) {
        v += 11;
        slash = strchr(v, '/');
        return ism_strdupf("%.*s", (int)(slash ? (size_t)(slash - v) : strlen(v)), v);
    }
    if ((v = ism_json_getstr(d, "location"))) {
        char *l = emu_xstrdup(v);
        for (char *p = l; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        return l;
    }
    return emu_xstrdup("global");
}

/* An Asset (cloudasset v1) of contentType RESOURCE: resource.data is the API's resource. */
static json_t *resource_asset(const char *type, const char *api, const char *pid, const json_t *pr,
                              json_t *item)
{
    const char *self = ism_json_getstr(item, "selfLink"), *name = ism_json_getstr(item, "name");
    const char *cp = self ? strstr(self, "/compute/v1/") : NULL;
    char *full;
    if (cp)
        full = ism_strdupf("//compute.googleapis.com/%s", cp + 12);
    else if (!strcmp(api, "storage") || (name && strchr(name, '/')))
        full = ism_strdupf("//%s.googleapis.com/%s", api, name ? name : "");
    else
        full = ism_strdupf("//%s.googleapis.com/projects/%s/sinks/%s", api, pid, name ? name : "");
    const char *kind = strrchr(type, '/') + 1;
    char *loc = location_of(item);
    json_t *res =
        json_pack("{s:s, s:s+++, s:s, s:s+, s:O, s:s}", "version", "v1", "discoveryDocumentUri",
                  "https://www.googleapis.com/discovery/v1/apis/", api, "/", "v1/rest",
                  "discoveryName", kind, "parent", "//cloudresourcemanager.googleapis.com/",
                  ism_json_getstr(pr, "name"), "data", item, "location", loc);
    json_t *a =
        json_pack("{s:s, s:s, s:o, s:o, s:s}", "name", full, "assetType", type, "resource", res,
                  "ancestors", ancestors_of(pr), "updateTime", "2025-04-01T00:00:00.000000Z");
    free(loc);
    free(full);
    return a;
}

/* An Asset of contentType IAM_POLICY: the policy a getIamPolicy gives (google.iam.v1.Policy). */
static json_t *policy_asset(const char *name, const char *type, const json_t *pr, json_t *pol)
{
    json_t *p = json_deep_copy(pol);
    json_object_del(p, "kind"); /* Cloud Storage's own envelope */
    json_object_del(p, "resourceId");
    return json_pack("{s:s, s:s, s:o, s:o, s:s}", "name", name, "assetType", type, "iamPolicy", p,
                     "ancestors", ancestors_of(pr), "updateTime", "2025-04-01T00:00:00.000000Z");
}

/* The assets of every project under `node` ("organizations/N", "folders/N", "projects/ID"). */
static json_t *cai_assets(const char *node, bool iam, const json_t *types)
{
    json_t *out = json_array();
    size_t i;
    json_t *pr;
    json_array_foreach(json_object_get(tenant, "projects"), i, pr)
    {
        const char *pid = ism_json_getstr(pr, "projectId");
        json_t *anc = ancestors_of(pr);
        bool in = !strncmp(node, "projects/", 9) && pid &&
                  (!strcmp(node + 9, pid) || !strcmp(node, ism_json_getstr(pr, "name")));
        size_t k;
        json_t *v;
        json_array_foreach(anc, k, v) in = in || !strcmp(json_string_value(v), node);
        json_decref(anc);
        json_t *pd = project_data(pid);
        if (!in || !pd) continue;
        if (iam) {
            char name[300], key_[300];
            snprintf(name, sizeof name, "//cloudresourcemanager.googleapis.com/%s",
                     ism_json_getstr(pr, "name"));
            snprintf(key_, sizeof key_, "projects/%s", pid);
            json_t *pol = json_object_get(json_object_get(tenant, "iamPolicies"), key_);
            if (pol && type_wanted(types, "cloudresourcemanager.googleapis.com/Project"))
                json_array_append_new(
                    out,
                    policy_asset(name, "cloudresourcemanager.googleapis.com/Project", pr, pol));
            if (!type_wanted(types, "storage.googleapis.com/Bucket")) continue;
            json_array_foreach(json_object_get(pd, "buckets"), k, v)
            {
                const char *b = ism_json_getstr(v, "name");
                pol = b ? json_object_get(json_object_get(tenant, "bucketIam"), b) : NULL;
                snprintf(name, sizeof name, "//storage.googleapis.com/%s", b ? b : "");
                if (pol)
                    json_array_append_new(
                        out, policy_asset(name, "storage.googleapis.com/Bucket", pr, pol));
            }
            continue;
        }
        for (int t = 0; ASSET_TYPES[t].type; t++) {
            if (!type_wanted(types, ASSET_TYPES[t].type)) continue;
            json_t *d = json_object_get(pd, ASSET_TYPES[t].data);
            json_t *lists = json_is_array(d) ? json_pack("[O]", d) : json_array();
            const char *kk;
            json_t *l;
            if (json_is_object(d)) json_object_foreach(d, kk, l) json_array_append(lists, l);
            json_array_foreach(lists, k, l)
            {
                size_t m;
                json_t *item;
                json_array_foreach(l, m, item) json_array_append_new(
                    out, resource_asset(ASSET_TYPES[t].type, ASSET_TYPES[t].api, pid, pr, item));
            }
            json_decref(lists);
        }
    }
    return out;
}

static void cai_list(const emu_req *q, emu_resp *r, const route *rt, const caps *c)
{
    char node[300];
    snprintf(node, sizeof node, "%s/%s",
             cap(c, 'o')   ? "organizations"
             : cap(c, 'f') ? "folders"
                           : "projects",
             cap(c, 'o')   ? cap(c, 'o')
             : cap(c, 'f') ? cap(c, 'f')
                           : cap(c, 'p'));
    char *ct = query_get(q->query, "contentType");
    json_t *types = query_all(q->query, "assetTypes");
    if (!ct || (strcmp(ct, "RESOURCE") != 0 && strcmp(ct, "IAM_POLICY") != 0)) {
        send_error(r, 400, "INVALID_ARGUMENT", "badRequest",
                   "gcpemu answers contentType RESOURCE and IAM_POLICY only.");
    } else if (cap(c, 'o') && strcmp(node, ism_json_getstr(json_object_get(tenant, "organization"),
                                                           "name")) != 0) {
        send_error(r, 403, "PERMISSION_DENIED", "forbidden", "The caller does not have permission");
    } else {
        json_t *items = cai_assets(node, !strcmp(ct, "IAM_POLICY"), types);
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        char iso[40];
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
        send_list(q, r, rt, items, NULL, json_pack("{s:s}", "readTime", iso));
        json_decref(items);
    }
    json_decref(types);
    free(ct);
}

/* Cloud Asset API disabled in the consumer project: Google's SERVICE_DISABLED answer. */
static void service_disabled(emu_resp *r)
{
    char msg[600];
    const char *num = key.project_id ? key.project_id : "0";
    snprintf(msg, sizeof msg,
             "Cloud Asset API has not been used in project %s before or it is disabled. Enable "
             "it by visiting "
             "https://console.developers.google.com/apis/api/cloudasset.googleapis.com/"
             "overview?project=%s then retry.",
             num, num);
    json_t *e = json_pack("{s:i, s:s, s:s, s:[{s:s, s:s, s:s, s:{s:s, s:s+}}]}", "code", 403,
                          "message", msg, "status", "PERMISSION_DENIED", "details", "@type",
                          "type.googleapis.com/google.rpc.ErrorInfo", "reason", "SERVICE_DISABLED",
                          "domain", "googleapis.com", "metadata", "service",
                          "cloudasset.googleapis.com", "consumer", "projects/", num);
    send_json(r, 403, emu_obj1("error", e));
}

static void api(const emu_req *q, emu_resp *r)
{
    caps c = {0};
    const route *rt = ROUTES;
    for (; rt->method; rt++)
        if (!strcmp(rt->method, q->method) && match(rt->pattern, q->path, &c)) break;
    if (!rt->method) {
        send_error(r, 404, "NOT_FOUND", "notFound", "The requested URL was not found.");
        return;
    }
    if (!bearer_ok(q, r)) return caps_free(&c);
    counter++;
    char *proj_q = query_get(q->query, "project"); /* storage names it in the query */
    const char *p = cap(&c, 'p') ? cap(&c, 'p') : proj_q;
    bool cai = !strcmp(rt->api, "cloudasset");
    const char *perm = rt->permission;
    char *content = cai ? query_get(q->query, "contentType") : NULL;
    if (content && !strcmp(content, "IAM_POLICY")) perm = "cloudasset.assets.listIamPolicy";
    free(content);
    if (cfg.latency_ms || cfg.jitter_ms)
        r->delay_ms = cfg.latency_ms + (int)((rnd(1) * 2 - 1) * cfg.jitter_ms);
    if (r->delay_ms < 0) r->delay_ms = 0;
    /* --hold-after: the calls past the first N are answered only when the emulator has
     * stopped, i.e. never — a collection that cannot finish, however fast the machine (kill
     * tests). `counter` counts the calls, this one included. */
    if (cfg.hold_after > 0 && counter > (uint64_t)cfg.hold_after) {
        held_n++;
        r->delay_ms = EMU_HOLD_MS;
    }
    if (rnd(2) < cfg.drop_rate) {
        dropped_n++;
        r->status = 200;
        r->drop = true;
    } else if (cai && cfg.cai_disabled) {
        service_disabled(r);
    } else if ((cai ? over_cai_quota() : over_quota(p, rt->api)) || rnd(3) < cfg.throttle_rate) {
        throttle(r, rt->api);
    } else if (rnd(4) < cfg.error_rate) {
        errors_n++;
        send_error(r, 503, "UNAVAILABLE", "backendError", "The service is currently unavailable.");
    } else if (is_denied(p ? p : cap(&c, 'o') ? cap(&c, 'o') : cap(&c, 'f'), perm)) {
        char msg[512];
        snprintf(msg, sizeof msg, "Permission '%s' denied on resource (or it may not exist).",
                 perm);
        send_error(r, 403, "PERMISSION_DENIED", "forbidden", msg);
    } else if (p && !project_by_id(p)) {
        char msg[300];
        snprintf(msg, sizeof msg, "Project '%s' not found or permission denied.", p);
        send_error(r, 403, "PERMISSION_DENIED", "forbidden", msg);
    } else if (cai) {
        cai_list(q, r, rt, &c);
    } else if (!strcmp(rt->api, "securitycenter")) {
        /* the organization's sources: none until Security Command Center is activated */
        json_t *src = json_object_get(tenant, "sccSources");
        json_t *items = src ? json_incref(src) : json_array();
        send_list(q, r, rt, items, NULL, NULL);
        json_decref(items);
    } else if (strstr(rt->pattern, ":getIamPolicy")) {
        char k[300];
        snprintf(k, sizeof k, "%s/%s",
                 cap(&c, 'p')   ? "projects"
                 : cap(&c, 'f') ? "folders"
                                : "organizations",
                 cap(&c, 'p')   ? cap(&c, 'p')
                 : cap(&c, 'f') ? cap(&c, 'f')
                                : cap(&c, 'o'));
        json_t *pol = json_object_get(json_object_get(tenant, "iamPolicies"), k);
        send_json(r, 200,
                  pol ? json_incref(pol) : json_pack("{s:i, s:s}", "version", 1, "etag", "ACAB"));
    } else if (strstr(rt->pattern, ":getEffectivePolicy")) {
        /* the project's own policy, else the organization's, else an empty spec */
        json_t *pol =
            json_object_get(json_object_get(project_data(p), "orgPolicies"), cap(&c, 'c'));
        if (!pol) pol = json_object_get(json_object_get(tenant, "orgPolicies"), cap(&c, 'c'));
        char name[512];
        snprintf(name, sizeof name, "%s/policies/%s", ism_json_getstr(project_by_id(p), "name"),
                 cap(&c, 'c'));
        json_t *spec = json_object_get(pol, "spec");
        json_t *out = json_pack("{s:s, s:o}", "name", name, "spec",
                                spec ? json_deep_copy(spec) : json_object());
        send_json(r, 200, out);
    } else if (!strcmp(rt->pattern, "/storage/v1/b/{b}/iam")) {
        json_t *pol = json_object_get(json_object_get(tenant, "bucketIam"), cap(&c, 'b'));
        if (pol)
            send_json(r, 200, json_incref(pol));
        else
            send_error(r, 404, "NOT_FOUND", "notFound", "The specified bucket does not exist.");
    } else if (!strcmp(rt->pattern, "/v3/organizations/{o}")) {
        json_t *o = json_object_get(tenant, "organization");
        char want[300];
        snprintf(want, sizeof want, "organizations/%s", cap(&c, 'o'));
        if (o && !strcmp(ism_json_getstr(o, "name"), want))
            send_json(r, 200, json_incref(o));
        else
            send_error(r, 403, "PERMISSION_DENIED", "forbidden",
                       "The caller does not have "
                       "permission");
    } else if (!strcmp(rt->pattern, "/v3/projects/{p}")) {
        send_json(r, 200, json_incref(project_by_id(p)));
    } else if (!strcmp(rt->pattern, "/v3/folders")) {
        send_rm_list(q, r, rt, "folders");
    } else if (!strcmp(rt->pattern, "/v3/projects")) {
        send_rm_list(q, r, rt, "projects");
    } else {
        json_t *items = lookup(project_data(p), rt->data, &c);
        char self[512];
        snprintf(self, sizeof self, "projects/%s", p);
        if (rt->max_page == 0) { /* an unpaged list (service-account keys), keyTypes filter */
            json_t *out = json_object(), *keep = json_array();
            char *kt = query_get(q->query, "keyTypes");
            size_t i;
            json_t *v;
            json_array_foreach(items, i, v)
            {
                const char *t = ism_json_getstr(v, "keyType");
                if (!kt || (t && !strcmp(t, kt))) json_array_append(keep, v);
            }
            free(kt);
            if (json_array_size(keep)) json_object_set(out, rt->field, keep);
            json_decref(keep);
            send_json(r, 200, out);
        } else {
            send_list(q, r, rt, items, self, NULL);
        }
    }
    free(proj_q);
    caps_free(&c);
}

static void dispatch(const emu_req *q, emu_resp *r)
{
    served++;
    const char *tu = key.token_uri, *tp = strstr(tu, "://");
    tp = tp ? strchr(tp + 3, '/') : NULL;
    char email[320];
    if (!strcmp(q->method, "POST") && tp && !strcmp(q->path, tp)) {
        token_endpoint(q, r);
    } else if (!strcmp(q->method, "POST") && !strcmp(q->path, "/v1/token")) {
        sts_endpoint(q, r);
    } else if (!strcmp(q->method, "GET") && !strcmp(q->path, "/emu/subject-token")) {
        subject_source(q, r);
    } else if (!strcmp(q->path, "/emu/stats")) {
        send_json(r, 200,
                  json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "served", (json_int_t)served,
                            "throttled", (json_int_t)throttled_n, "errors", (json_int_t)errors_n,
                            "dropped", (json_int_t)dropped_n, "tokens", (json_int_t)tokens_n,
                            "calls", (json_int_t)counter, "held", (json_int_t)held_n));
    } else if (!strcmp(q->method, "POST") &&
               sscanf(q->path, "/v1/projects/-/serviceAccounts/%319[^:]:generateAccessToken",
                      email) == 1) {
        if (bearer_ok(q, r)) impersonate(email, q, r);
    } else {
        api(q, r);
    }
    if (cfg.log)
        fprintf(stderr, "gcpemu: %s %s -> %d%s\n", q->method, q->path, r->status,
                r->drop ? " (dropped)" : "");
}

static const char USAGE[] =
    "usage: gcpemu --key FILE [options]\n"
    "  --key FILE            the scanner's service-account key file: assertions are verified\n"
    "                        with its key, their aud must be its token_uri (whose path is the\n"
    "                        token endpoint here)\n"
    "  --tenant FILE         tenant JSON (default: the bundled minato-gcp.json)\n"
    "  --port N              port on 127.0.0.1 (0 = pick one)\n"
    "  --port-file FILE      write the port there once listening\n"
    "  --page-size N         page size cap for every list\n"
    "  --token-ttl S         access tokens' lifetime (default 3600)\n"
    "  --quota-per-min N     calls per minute per (project, API); more answer 429\n"
    "                        RESOURCE_EXHAUSTED or 403 rateLimitExceeded\n"
    "  --cai-quota-per-min N Cloud Asset Inventory's ListAssets per minute per consumer project\n"
    "                        (default 100, Google's; 0 = none)\n"
    "  --cai-disabled        the Cloud Asset API is disabled: 403 SERVICE_DISABLED\n"
    "  --throttle-rate R     fraction of calls answered as over quota\n"
    "  --retry-after S       the Retry-After (seconds) of those answered 429 (default 1; 0:\n"
    "                        retry at once — the header is still sent and read)\n"
    "  --error-rate R        fraction of calls answered 503 UNAVAILABLE\n"
    "  --drop-rate R         fraction of calls whose connection is closed unanswered\n"
    "  --latency-ms MS       latency added to every answer (+/- --jitter-ms MS)\n"
    "  --deny PROJECT:PERM   answer 403 PERMISSION_DENIED for that permission (repeatable;\n"
    "                        PROJECT '*' = every project; an organization or folder id too)\n"
    "  --sts-audience AUD    workload identity federation: the pool provider's audience the\n"
    "                        STS endpoint (POST /v1/token) accepts\n"
    "  --sts-subject TOKEN   the subject token it accepts (GET /emu/subject-token gives it as\n"
    "                        {\"id_token\"} with the header Metadata: true)\n"
    "  --hold-after N        answer the first N API calls, then hold every later one\n"
    "                        unanswered (a collection that cannot finish; kill tests)\n"
    "  --seed N              seed of every random decision (default 1)\n"
    "  --log-requests        one line per call on stderr\n";

int main(int argc, char **argv)
{
#ifdef GCPEMU_DEFAULT_TENANT
    cfg.tenant_path = GCPEMU_DEFAULT_TENANT;
#endif
    denied = json_array();
    static const struct option opts[] = {{"key", 1, 0, 'k'},
                                         {"tenant", 1, 0, 't'},
                                         {"port", 1, 0, 'p'},
                                         {"port-file", 1, 0, 'f'},
                                         {"page-size", 1, 0, 'P'},
                                         {"token-ttl", 1, 0, 'T'},
                                         {"quota-per-min", 1, 0, 'q'},
                                         {"throttle-rate", 1, 0, 'h'},
                                         {"retry-after", 1, 0, 'R'},
                                         {"cai-quota-per-min", 1, 0, 'Q'},
                                         {"cai-disabled", 0, 0, 'C'},
                                         {"error-rate", 1, 0, 'e'},
                                         {"drop-rate", 1, 0, 'd'},
                                         {"latency-ms", 1, 0, 'l'},
                                         {"jitter-ms", 1, 0, 'j'},
                                         {"deny", 1, 0, 'D'},
                                         {"seed", 1, 0, 's'},
                                         {"sts-audience", 1, 0, 'A'},
                                         {"sts-subject", 1, 0, 'S'},
                                         {"log-requests", 0, 0, 'L'},
                                         {"hold-after", 1, 0, 'W'},
                                         {"help", 0, 0, 'H'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'k':
            cfg.key_path = optarg;
            break;
        case 't':
            cfg.tenant_path = optarg;
            break;
        case 'p':
            cfg.port = atoi(optarg);
            break;
        case 'f':
            cfg.port_file = optarg;
            break;
        case 'P':
            cfg.page_size = atoi(optarg);
            break;
        case 'T':
            cfg.token_ttl = atoi(optarg);
            break;
        case 'q':
            cfg.quota_per_min = atoi(optarg);
            break;
        case 'h':
            cfg.throttle_rate = atof(optarg);
            break;
        case 'R':
            cfg.retry_after_s = atoi(optarg);
            break;
        case 'Q':
            cfg.cai_quota_per_min = atoi(optarg);
            break;
        case 'C':
            cfg.cai_disabled = true;
            break;
        case 'e':
            cfg.error_rate = atof(optarg);
            break;
        case 'd':
            cfg.drop_rate = atof(optarg);
            break;
        case 'l':
            cfg.latency_ms = atoi(optarg);
            break;
        case 'j':
            cfg.jitter_ms = atoi(optarg);
            break;
        case 'D':
            json_array_append_new(denied, json_string(optarg));
            break;
        case 's':
            cfg.seed = strtoull(optarg, NULL, 10);
            break;
        case 'A':
            cfg.sts_audience = optarg;
            break;
        case 'S':
            cfg.sts_subject = optarg;
            break;
        case 'L':
            cfg.log = true;
            break;
        case 'W':
            cfg.hold_after = atol(optarg);
            break;
        case 'H':
            fputs(USAGE, stdout);
            return 0;
        default:
            fputs(USAGE, stderr);
            return 2;
        }
    }
    ism_error e = {0};
    if (!cfg.key_path || !cfg.tenant_path) {
        fputs(USAGE, stderr);
        return 2;
    }
    if (!ism_gcp_key_load(cfg.key_path, &key, &e)) {
        fprintf(stderr, "gcpemu: %s\n", e.message);
        return 2;
    }
    json_error_t je;
    tenant = json_load_file(cfg.tenant_path, 0, &je);
    if (!json_is_object(tenant)) {
        fprintf(stderr, "gcpemu: %s:%d: %s\n", cfg.tenant_path, je.line, je.text);
        return 2;
    }
    g_srv.name = "gcpemu";
    g_srv.port = cfg.port;
    g_srv.port_file = cfg.port_file;
    g_srv.dispatch = dispatch;
    return emu_server_run();
}
