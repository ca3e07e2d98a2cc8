/* ociemu.c — the OCI emulator: serves a tenancy's Identity, Audit, Object Storage, Vault, Block
 * Volume, networking, Compute, Cloud Guard, Logging, Events and Notifications reads in the
 * services' JSON shapes under one base URL (/<service>/<region>/<API path>, the form the
 * collector's --endpoint-url and the SDKs' `endpoint` use), after verifying each request's HTTP
 * signature against the API keys the tenant registers. Lists page with `limit`/`page` and the
 * opc-next-page header; faults (429 TooManyRequests, 5xx, dropped connections, latency, denied
 * paths) are drawn from one seed, so a run is repeatable. Test code only.
 *
 * The tenant (tenants/minato-oci.json) holds the answers as the services give them:
 *   {"tenancy": {Tenancy}, "regionSubscriptions": [...], "apiKeys": {"<user>": [ApiKey]},
 *    "global": {"<service> <path>": body}, "regions": {"<region>": {"<service> <path>": body}}}
 * A body that is an array (or an object with an "items" array) is a list: filtered by the
 * query's compartmentId (unless compartmentIdInSubtree=true) and paged. "global" answers in every
 * subscribed region (Identity is global). Vault management endpoints "{{base}}" are rewritten to
 * the emulator's own base URL. */
#include "emu_core.h"
#include "ismap/oci.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    const char *tenant_path;
    json_t *tenant;
    int page_size;
    uint64_t seed, rng;
    int latency_ms, jitter_ms, max_skew_s;
    double error_rate, drop_rate, throttle_rate;
    const char *deny[32];
    int ndeny;
    bool log;
    hmap keys;  /* keyId -> ism_oci_key* */
    hmap asked; /* request-target -> times asked */
    uint64_t calls, denied_auth, throttled, errors, dropped;
    uint64_t verified; /* calls whose signature verified */
    long hold_after;   /* verified calls answered before every later one is held (0: none) */
} E = {.page_size = 0, .seed = 1, .max_skew_s = 300};

static void error_body(emu_resp *r, int status, const char *code, const char *msg)
{
    r->status = status;
    r->ctype = "application/json";
    json_t *b = json_pack("{s:s, s:s}", "code", code, "message", msg);
    char *s = json_dumps(b, JSON_COMPACT);
    sb_puts(&r->body, s);
    free(s);
    json_decref(b);
}

static const ism_oci_key *lookup(const char *key_id, void *arg)
{
    (void)arg;
    return hmap_get(&E.keys, key_id);
}

/* The query parameter `name`, percent-decoded, into out; false when absent. */
static bool qparam(const char *query, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && p[nl] == '=' && !strncmp(p, name, nl)) {
            size_t vl = len - nl - 1;
            if (vl >= n) vl = n - 1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            emu_pct_decode(out, false);
            return true;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

static bool in_compartment(const json_t *item, const char *comp)
{
    const char *c = ism_json_getstr(item, "compartmentId");
    return !c || !comp || !strcmp(c, comp);
}

/* A list answer: the body's array filtered and paged. */
static void serve_list(const json_t *body, const emu_req *req, emu_resp *r)
{
    const json_t *arr = json_is_array(body) ? body : json_object_get(body, "items");
    char comp[512] = "", sub[16] = "", lim[16] = "", page[32] = "";
    bool has_comp = qparam(req->query, "compartmentId", comp, sizeof comp);
    char asset[512] = "";
    bool has_asset = qparam(req->query, "assetId", asset, sizeof asset); /* backup assignments */
    qparam(req->query, "compartmentIdInSubtree", sub, sizeof sub);
    bool subtree = !strcmp(sub, "true");
    long limit = qparam(req->query, "limit", lim, sizeof lim) ? atol(lim) : 0;
    /* ListRegionSubscriptions and ListApiKeys take no page parameters in OCI's API */
    size_t pl = strlen(req->path);
    bool unpaged = (pl > 20 && !strcmp(req->path + pl - 20, "/regionSubscriptions")) ||
                   (pl > 8 && !strcmp(req->path + pl - 8, "/apiKeys"));
    if (!unpaged && E.page_size > 0 && (limit <= 0 || limit > E.page_size)) limit = E.page_size;
    if (limit <= 0) limit = 1000;
    long start = 0;
    if (qparam(req->query, "page", page, sizeof page)) {
        if (strncmp(page, "p.", 2) || (start = atol(page + 2)) < 0) {
            error_body(r, 400, "InvalidParameter", "The page token is not valid");
            return;
        }
    }
    json_t *out = json_array();
    long seen = 0, next = -1;
    size_t i;
    const json_t *it;
    json_array_foreach(arr, i, it)
    {
        if (!subtree && has_comp && !in_compartment(it, comp)) continue;
        if (has_asset &&
            strcmp(ism_json_getstr(it, "assetId") ? ism_json_getstr(it, "assetId") : "", asset))
            continue;
        if (seen++ < start) continue;
        if ((long)json_array_size(out) >= limit) {
            next = seen - 1;
            break;
        }
        json_array_append(out, (json_t *)it);
    }
    if (next >= 0) {
        char tok[32];
        snprintf(tok, sizeof tok, "p.%ld", next);
        emu_resp_header(r, "opc-next-page", tok);
    }
    json_t *doc = json_is_array(body) ? out : emu_obj1("items", out);
    if (!json_is_array(body)) json_incref(out), json_decref(out);
    char *s = json_dumps(doc, JSON_COMPACT);
    sb_puts(&r->body, s);
    free(s);
    json_decref(doc);
    r->status = 200;
    r->ctype = "application/json";
}

/* Replaces "{{base}}" in every string of a copy of v with base. */
static json_t *with_base(const json_t *v, const char *base)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v), *p = strstr(s, "{{base}}");
        if (!p) return json_deep_copy(v);
        char *t = ism_strdupf("%.*s%s%s", (int)(p - s), s, base, p + 8);
        json_t *r = json_string(t);
        free(t);
        return r;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x) json_array_append_new(a, with_base(x, base));
        return a;
    }
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        const json_t *x;
        json_object_foreach((json_t *)v, k, x) json_object_set_new(o, k, with_base(x, base));
        return o;
    }
    return json_deep_copy(v);
}

static bool region_subscribed(const char *region)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(E.tenant, "regionSubscriptions"), i, s)
    {
        if (!strcmp(ism_json_getstr(s, "regionName") ? ism_json_getstr(s, "regionName") : "",
                    region))
            return true;
    }
    return false;
}

static void dispatch(const emu_req *req, emu_resp *r)
{
    E.calls++;
    char rid[40];
    snprintf(rid, sizeof rid, "ociemu-%016llx", (unsigned long long)E.calls);
    emu_resp_header(r, "opc-request-id", rid);
    /* /<service>/<region>/<api path> */
    char service[64], region[64];
    const char *p = req->path;
    if (sscanf(p, "/%63[^/]/%63[^/]", service, region) != 2) {
        error_body(r, 404, "NotAuthorizedOrNotFound", "Unknown path: use /<service>/<region>/...");
        return;
    }
    const char *api = p + 1 + strlen(service) + 1 + strlen(region);
    ism_oci_verify_result vr;
    if (!ism_oci_verify(req->method, req->target, &req->headers, req->body, req->body_len,
                        (int64_t)time(NULL), E.max_skew_s, lookup, NULL, &vr)) {
        E.denied_auth++;
        if (E.log) fprintf(stderr, "ociemu: 401 %s %s: %s\n", req->method, req->path, vr.message);
        error_body(r, 401, vr.code, vr.message);
        return;
    }
    /* faults: drawn from the seed, the request and how often it was asked, so a run is
     * repeatable whatever order concurrent calls arrive in */
    uintptr_t nth = (uintptr_t)hmap_get(&E.asked, req->target) + 1;
    hmap_put(&E.asked, req->target, (void *)nth);
    E.rng = emu_mix64(emu_hash(req->target, E.seed) ^ nth);
    double u = emu_unit(emu_rand(&E.rng));
    if (E.latency_ms || E.jitter_ms) {
        double j = (emu_unit(emu_rand(&E.rng)) * 2 - 1) * E.jitter_ms;
        int d = E.latency_ms + (int)j;
        r->delay_ms = d > 0 ? d : 0;
    }
    /* --hold-after: the calls past the first N are answered only when the emulator has
     * stopped, i.e. never — a collection that cannot finish, however fast the machine (kill
     * tests) */
    E.verified++;
    if (E.hold_after > 0 && E.verified > (uint64_t)E.hold_after) r->delay_ms = EMU_HOLD_MS;
    if (u < E.throttle_rate) {
        E.throttled++;
        emu_resp_header(r, "retry-after", "1");
        error_body(r, 429, "TooManyRequests", "Too many requests for the user");
        return;
    }
    u -= E.throttle_rate;
    if (u < E.error_rate) {
        E.errors++;
        bool svc = emu_rand(&E.rng) & 1;
        error_body(r, svc ? 503 : 500, svc ? "ServiceUnavailable" : "InternalServerError",
                   "The service is temporarily unavailable");
        return;
    }
    u -= E.error_rate;
    if (u < E.drop_rate) {
        E.dropped++;
        r->status = 200;
        r->drop = true;
        return;
    }
    if (strcmp(req->method, "GET")) {
        error_body(r, 405, "NotAllowed", "ociemu serves reads (GET) only");
        return;
    }
    char key[1024];
    /* "/n/" and "/n" are one path (the SDKs send "/n") */
    size_t al = strlen(api);
    if (al > 1 && api[al - 1] == '/') al--;
    snprintf(key, sizeof key, "%s %.*s", service, (int)al, api);
    for (int i = 0; i < E.ndeny; i++) {
        if (!strncmp(key, E.deny[i], strlen(E.deny[i]))) {
            error_body(r, 404, "NotAuthorizedOrNotFound",
                       "Authorization failed or requested resource not found.");
            return;
        }
    }
    if (!region_subscribed(region)) {
        error_body(r, 401, "NotAuthenticated", "The tenancy is not subscribed to this region");
        return;
    }
    const json_t *body = json_object_get(json_object_get(E.tenant, "global"), key);
    if (!body)
        body = json_object_get(json_object_get(json_object_get(E.tenant, "regions"), region), key);
    if (!body && !strcmp(service, "identity")) {
        char t[600];
        snprintf(t, sizeof t, "/20160918/tenancies/%s/regionSubscriptions",
                 ism_json_getstr(json_object_get(E.tenant, "tenancy"), "id"));
        if (!strcmp(api, t)) body = json_object_get(E.tenant, "regionSubscriptions");
        snprintf(t, sizeof t, "/20160918/tenancies/%s",
                 ism_json_getstr(json_object_get(E.tenant, "tenancy"), "id"));
        if (!strcmp(api, t)) body = json_object_get(E.tenant, "tenancy");
    }
    if (!body) {
        error_body(r, 404, "NotAuthorizedOrNotFound",
                   "Authorization failed or requested resource not found.");
        return;
    }
    const char *host = ism_http_headers_get(&req->headers, "host");
    char base[300];
    snprintf(base, sizeof base, "http://%s", host ? host : "127.0.0.1");
    json_t *b = with_base(body, base);
    bool list =
        json_is_array(b) || (json_is_object(b) && json_is_array(json_object_get(b, "items")) &&
                             json_object_size(b) == 1);
    if (list) {
        serve_list(b, req, r);
    } else {
        char *s = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
        sb_puts(&r->body, s);
        free(s);
        r->status = 200;
        r->ctype = "application/json";
    }
    json_decref(b);
}

static void load_keys(void)
{
    const char *tenancy = ism_json_getstr(json_object_get(E.tenant, "tenancy"), "id");
    const char *user;
    const json_t *arr;
    json_object_foreach(json_object_get(E.tenant, "apiKeys"), user, arr)
    {
        size_t i;
        const json_t *k;
        json_array_foreach(arr, i, k)
        {
            const char *pem = ism_json_getstr(k, "keyValue");
            if (!pem) continue;
            ism_error e = {0};
            ism_oci_key *key = ism_oci_pubkey_from_pem(pem, strlen(pem), "an apiKeys keyValue", &e);
            if (!key) {
                fprintf(stderr, "ociemu: %s\n", e.message);
                exit(2);
            }
            char fp[48], kid[800];
            ism_oci_key_fingerprint(key, fp);
            snprintf(kid, sizeof kid, "%s/%s/%s", tenancy, user, fp);
            hmap_put(&E.keys, kid, key);
        }
    }
}

static const char USAGE[] =
    "usage: ociemu [options]\n"
    "  --tenant FILE          tenant JSON (default: tenants/minato-oci.json)\n"
    "  --register-key U=PEM   also accept the public key in file PEM for user OCID U\n"
    "  --port N               port on 127.0.0.1 (0 = pick one)\n"
    "  --port-file FILE       write the port there once listening\n"
    "  --page-size N          at most N items per list page\n"
    "  --seed N               seed of every random decision (default 1)\n"
    "  --latency-ms MS        latency added to every answer (timers: never blocks)\n"
    "  --jitter-ms MS         +/- uniform jitter on the latency\n"
    "  --throttle-rate R      fraction of calls answered 429 TooManyRequests\n"
    "  --error-rate R         fraction of calls answered 500/503\n"
    "  --drop-rate R          fraction of calls whose connection is closed unanswered\n"
    "  --deny PREFIX          answer 404 NotAuthorizedOrNotFound to '<service> <path>' starting\n"
    "                         with PREFIX (e.g. 'cloudguard /20200131/targets'); repeatable\n"
    "  --max-skew S           signature clock skew allowed (default 300)\n"
    "  --hold-after N         answer the first N signed calls, then hold every later one\n"
    "                         unanswered (a collection that cannot finish; kill tests)\n"
    "  --log-requests         one line per refused call on stderr\n";

static double rate(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || v < 0 || v > 1) {
        fprintf(stderr, "ociemu: a rate is between 0 and 1: '%s'\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"tenant", 1, 0, 't'},
                                         {"port", 1, 0, 'p'},
                                         {"port-file", 1, 0, 'f'},
                                         {"page-size", 1, 0, 'P'},
                                         {"seed", 1, 0, 's'},
                                         {"latency-ms", 1, 0, 'l'},
                                         {"jitter-ms", 1, 0, 'j'},
                                         {"throttle-rate", 1, 0, 'T'},
                                         {"error-rate", 1, 0, 'e'},
                                         {"drop-rate", 1, 0, 'd'},
                                         {"deny", 1, 0, 'D'},
                                         {"max-skew", 1, 0, 'k'},
                                         {"log-requests", 0, 0, 'L'},
                                         {"register-key", 1, 0, 'R'},
                                         {"hold-after", 1, 0, 'H'},
                                         {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    E.tenant_path = OCIEMU_DEFAULT_TENANT;
    const char *extra_keys[16];
    int nextra = 0;
    g_srv.name = "ociemu";
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 't':
            E.tenant_path = optarg;
            break;
        case 'p':
            g_srv.port = atoi(optarg);
            break;
        case 'f':
            g_srv.port_file = optarg;
            break;
        case 'P':
            E.page_size = atoi(optarg);
            break;
        case 's':
            E.seed = strtoull(optarg, NULL, 10);
            break;
        case 'l':
            E.latency_ms = atoi(optarg);
            break;
        case 'j':
            E.jitter_ms = atoi(optarg);
            break;
        case 'T':
            E.throttle_rate = rate(optarg);
            break;
        case 'e':
            E.error_rate = rate(optarg);
            break;
        case 'd':
            E.drop_rate = rate(optarg);
            break;
        case 'k':
            E.max_skew_s = atoi(optarg);
            break;
        case 'L':
            E.log = true;
            break;
        case 'H':
            E.hold_after = atol(optarg);
            break;
        case 'D':
            if (E.ndeny < 32) E.deny[E.ndeny++] = optarg;
            break;
        case 'R':
            if (nextra < 16) extra_keys[nextra++] = optarg;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 0;
        default:
            fputs(USAGE, stderr);
            return 2;
        }
    }
    json_error_t je;
    E.tenant = json_load_file(E.tenant_path, 0, &je);
    if (!E.tenant) {
        fprintf(stderr, "ociemu: %s:%d: %s\n", E.tenant_path, je.line, je.text);
        return 2;
    }
    /* --register-key USER=PEMFILE: the key a test generated, added to the user's apiKeys */
    for (int i = 0; i < nextra; i++) {
        char *eq = strchr(extra_keys[i], '=');
        if (!eq) {
            fprintf(stderr, "ociemu: --register-key USER=PEMFILE\n");
            return 2;
        }
        *eq = '\0';
        ism_error e = {0};
        char *pem = ism_read_file(eq + 1, 1 << 16, NULL, &e);
        if (!pem) {
            fprintf(stderr, "ociemu: %s\n", e.message);
            return 2;
        }
        json_t *keys = json_object_get(E.tenant, "apiKeys");
        if (!keys) json_object_set_new(E.tenant, "apiKeys", keys = json_object());
        json_t *arr = json_object_get(keys, extra_keys[i]);
        if (!arr) json_object_set_new(keys, extra_keys[i], arr = json_array());
        json_array_append_new(arr, json_pack("{s:s}", "keyValue", pem));
        free(pem);
    }
    load_keys();
    E.rng = emu_mix64(E.seed);
    g_srv.dispatch = dispatch;
    int rc = emu_server_run();
    fprintf(stderr,
            "ociemu: calls %llu, unauthenticated %llu, throttled %llu, errors %llu, "
            "dropped %llu\n",
            (unsigned long long)E.calls, (unsigned long long)E.denied_auth,
            (unsigned long long)E.throttled, (unsigned long long)E.errors,
            (unsigned long long)E.dropped);
    return rc;
}
