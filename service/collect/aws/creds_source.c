/* creds_source.c — credential sources at run time: static keys, or a role's temporary
 * credentials assumed with another source's and renewed before they expire.
 *
 * The engine asks for credentials before every attempt (the signer callback), so renewal is
 * just "the next get sees they are about to expire and assumes the role again". Many accounts'
 * first AssumeRole go out in parallel on the collector's engine (assume_body / set_assumed);
 * a renewal in the middle of a run is one synchronous call on a private engine. */
#include "../internal.h"
#include "ismap/aws.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MARGIN_S 300

struct ism_aws_source {
    ism_aws_source *parent; /* NULL for static keys */
    bool own_parent;
    char *ak, *sk, *tok; /* current credentials */
    time_t expires;      /* 0: never (static) */
    long margin_s;       /* renew this long before expiry */
    unsigned gen;        /* bumped at every new issue */
    bool invalid;        /* AWS said the current issue expired */
    ism_aws_role_hop hop;
    char *sts_url, *sts_region;
    ism_http_config http;
    ism_aws_source_call_fn observe;
    void *observe_ctx;
};

static void wipe_free(char *s)
{
    if (s) explicit_bzero(s, strlen(s));
    free(s);
}

ism_aws_source *ism_aws_source_static(const char *access_key, const char *secret_key,
                                      const char *session_token)
{
    ism_aws_source *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ak = strdup(access_key);
    s->sk = strdup(secret_key);
    s->tok = session_token && *session_token ? strdup(session_token) : NULL;
    return s;
}

ism_aws_source *ism_aws_source_role(ism_aws_source *parent, bool own_parent,
                                    const ism_aws_role_hop *hop, const ism_aws_sts_config *sts)
{
    ism_aws_source *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->parent = parent;
    s->own_parent = own_parent;
    s->hop.role_arn = strdup(hop->role_arn);
    s->hop.external_id = hop->external_id ? strdup(hop->external_id) : NULL;
    if (hop->session_name) {
        s->hop.session_name = strdup(hop->session_name);
    } else {
        unsigned char r[4];
        char hex[9];
        if (!ism_random_bytes(r, sizeof r)) memset(r, 0, sizeof r);
        ism_hex(r, sizeof r, hex);
        s->hop.session_name = ism_strdupf("ismap-assess-%s", hex);
    }
    s->hop.duration_s = hop->duration_s > 0 ? hop->duration_s : 3600;
    s->sts_url = sts->endpoint_url ? strdup(sts->endpoint_url) : NULL;
    s->sts_region = strdup(sts->region ? sts->region : "us-east-1");
    if (sts->http) s->http = *sts->http;
    s->http.ca_file = sts->http && sts->http->ca_file ? strdup(sts->http->ca_file) : NULL;
    s->http.ca_path = NULL;
    s->http.user_agent = NULL;
    return s;
}

ism_aws_source *ism_aws_source_from_profile(const ism_aws_profile *p, const ism_aws_sts_config *sts,
                                            ism_error *err)
{
    if (!p->access_key || !p->secret_key) {
        ism_error_set(err, ISM_E_CONFIG, "the profile has no keys");
        return NULL;
    }
    ism_aws_source *s = ism_aws_source_static(p->access_key, p->secret_key, p->session_token);
    for (int i = 0; s && i < p->nhops; i++) {
        ism_aws_source *r = ism_aws_source_role(s, true, &p->hops[i], sts);
        if (!r) ism_aws_source_free(s);
        s = r;
    }
    if (!s) ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    return s;
}

static void clear_creds(ism_aws_source *s)
{
    wipe_free(s->ak);
    wipe_free(s->sk);
    wipe_free(s->tok);
    s->ak = s->sk = s->tok = NULL;
}

void ism_aws_source_free(ism_aws_source *s)
{
    if (!s) return;
    clear_creds(s);
    free(s->hop.role_arn);
    free(s->hop.external_id);
    free(s->hop.session_name);
    free(s->sts_url);
    free(s->sts_region);
    free((char *)s->http.ca_file);
    if (s->own_parent) ism_aws_source_free(s->parent);
    free(s);
}

ism_aws_source *ism_aws_source_parent(const ism_aws_source *s)
{
    return s->parent;
}

const char *ism_aws_source_role_arn(const ism_aws_source *s)
{
    return s->parent ? s->hop.role_arn : NULL;
}

long ism_aws_source_ttl(const ism_aws_source *s, time_t now)
{
    return s->parent && s->ak ? (long)(s->expires - now) : -1;
}

unsigned ism_aws_source_generation(const ism_aws_source *s)
{
    return s->gen;
}

void ism_aws_source_observe(ism_aws_source *s, ism_aws_source_call_fn fn, void *ctx)
{
    s->observe = fn;
    s->observe_ctx = ctx;
}

bool ism_aws_source_needs_refresh(const ism_aws_source *s, time_t now)
{
    if (!s->parent) return false;
    return !s->ak || s->invalid || now >= s->expires - s->margin_s;
}

void ism_aws_source_invalidate(ism_aws_source *s, unsigned gen)
{
    if (s->parent && gen == s->gen) s->invalid = true;
}

static void add_param(ism_cbuf *b, const char *name, const char *value)
{
    char *v = ism_aws_uri_encode(value, strlen(value), false);
    ism_cbuf_addf(b, "&%s=%s", name, v ? v : "");
    free(v);
}

char *ism_aws_source_assume_body(const ism_aws_source *s)
{
    if (!s->parent) return NULL;
    ism_cbuf b = {0};
    ism_cbuf_adds(&b, "Action=AssumeRole&Version=2011-06-15");
    add_param(&b, "RoleArn", s->hop.role_arn);
    add_param(&b, "RoleSessionName", s->hop.session_name);
    ism_cbuf_addf(&b, "&DurationSeconds=%d", s->hop.duration_s);
    if (s->hop.external_id) add_param(&b, "ExternalId", s->hop.external_id);
    return ism_cbuf_take(&b);
}

/* "2026-11-22T01:02:03Z" or with fractional seconds or an offset of +00:00. */
static bool parse_time(const char *iso, time_t *out)
{
    struct tm tm = {0};
    const char *rest = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest) return false;
    *out = timegm(&tm);
    return true;
}

bool ism_aws_source_set_assumed(ism_aws_source *s, const json_t *output, ism_error *err)
{
    const json_t *c = json_object_get(output, "Credentials");
    const char *ak = ism_json_getstr(c, "AccessKeyId");
    const char *sk = ism_json_getstr(c, "SecretAccessKey");
    const char *tok = ism_json_getstr(c, "SessionToken");
    time_t exp = 0;
    if (!ak || !sk || !tok || !parse_time(ism_json_getstr(c, "Expiration"), &exp))
        return ism_error_set(err, ISM_E_UPSTREAM,
                             "AssumeRole %s: the answer lacks Credentials (AccessKeyId, "
                             "SecretAccessKey, SessionToken, Expiration)",
                             s->hop.role_arn);
    clear_creds(s);
    s->ak = strdup(ak);
    s->sk = strdup(sk);
    s->tok = strdup(tok);
    s->expires = exp;
    /* Renew in the last fifth of the lifetime (at least a second, at most 5 minutes): early
     * enough that a call signed just before is not refused on arrival. */
    long life = (long)(exp - time(NULL)), margin = (life + 4) / 5;
    s->margin_s = margin < 1 ? 1 : margin > MAX_MARGIN_S ? MAX_MARGIN_S : margin;
    s->gen++;
    s->invalid = false;
    return true;
}

/* ---- a synchronous AssumeRole on a private engine ---------------------------------------- */
typedef struct sync_call {
    ism_aws_source *s;
    long status;
    ism_http_class cls;
    char *body;
    size_t len;
    ism_http_headers headers;
    ism_error err;
} sync_call;

static void sync_done(ism_http_result *r, void *arg)
{
    sync_call *c = arg;
    if (c->s->observe) {
        ism_http_result view = *r;
        view.body = NULL;
        view.body_len = 0;
        c->s->observe(c->s->observe_ctx, c->s, &view);
    }
    c->status = r->status;
    c->cls = r->cls;
    c->body = ism_http_result_take_body(r, &c->len);
    ism_http_headers_append(&c->headers, r->headers);
    if (r->err.code) ism_error_set(&c->err, r->err.code, "%s", r->err.message);
}

static bool sync_result(ism_aws_source *s, sync_call *c, ism_error *err)
{
    if (c->cls != ISM_HTTP_OK) {
        ism_aws_error_info info;
        ism_aws_parse_error(ISM_AWS_QUERY, c->status, &c->headers, c->body, c->len, &info);
        if (c->status == 0)
            ism_error_set(err, ISM_E_UPSTREAM, "AssumeRole %s: %s", s->hop.role_arn,
                          c->err.message);
        else
            ism_error_set(err, ISM_E_UPSTREAM, "AssumeRole %s: %s%s%s", s->hop.role_arn, info.code,
                          info.code[0] ? ": " : "", info.message);
        ism_aws_redact(err->message);
        return false;
    }
    json_t *parsed = ism_aws_parse_response(ISM_AWS_QUERY, c->body, c->len, NULL, err);
    if (!parsed) {
        ism_aws_redact(err->message);
        return false;
    }
    json_t *out = ism_aws_typed_output(ism_aws_op_find("sts", "AssumeRole"), parsed);
    bool ok = ism_aws_source_set_assumed(s, out, err);
    json_decref(out);
    json_decref(parsed);
    return ok;
}

static bool assume_sync(ism_aws_source *s, ism_error *err)
{
    ism_aws_credentials pc;
    if (!ism_aws_source_get(s->parent, &pc, NULL, err)) return false;
    char *body = ism_aws_source_assume_body(s);
    char *url;
    if (s->sts_url) {
        size_t n = strlen(s->sts_url);
        while (n && s->sts_url[n - 1] == '/')
            n--;
        url = ism_strdupf("%.*s/", (int)n, s->sts_url);
    } else {
        url = ism_strdupf("https://sts.%s.amazonaws.com/", s->sts_region);
    }
    ism_http_config cfg = s->http;
    cfg.max_in_flight = cfg.max_per_host = 1;
    cfg.tick = NULL; /* the collector's hook is for its own engine, not this nested one */
    cfg.tick_arg = NULL;
    ism_http_engine *eng = ism_http_engine_new(&cfg, err);
    bool ok = eng && body && url;
    sync_call call = {.s = s};
    ism_aws_signer sg = {.region = s->sts_region, .service = "sts", .creds = pc};
    ism_http_headers h = {0};
    ism_http_headers_set(&h, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    if (ok) {
        ism_http_request rq = {.method = "POST",
                               .url = url,
                               .headers = &h,
                               .body = body,
                               .body_len = strlen(body),
                               .label = "sts:AssumeRole",
                               .signer = ism_aws_http_sign,
                               .signer_arg = &sg,
                               .classify = ism_aws_http_classify,
                               .done = sync_done,
                               .done_arg = &call};
        ok = ism_http_submit(eng, &rq, err) && ism_http_run(eng, err);
    }
    if (!ok) {
        char msg[ISM_ERRMSG_MAX];
        ism_strlcpy(msg, err->message, sizeof msg);
        ism_error_set(err, err->code, "AssumeRole %s: %s", s->hop.role_arn, msg);
    }
    if (ok) ok = sync_result(s, &call, err);
    ism_http_engine_free(eng);
    ism_http_headers_clear(&h);
    ism_http_headers_clear(&call.headers);
    ism_error_clear(&call.err);
    if (call.body) explicit_bzero(call.body, call.len);
    free(call.body);
    free(body);
    free(url);
    return ok;
}

bool ism_aws_source_get(ism_aws_source *s, ism_aws_credentials *out, unsigned *gen, ism_error *err)
{
    if (ism_aws_source_needs_refresh(s, time(NULL)) && !assume_sync(s, err)) return false;
    out->access_key = s->ak;
    out->secret_key = s->sk;
    out->session_token = s->tok;
    if (gen) *gen = s->gen;
    return true;
}
