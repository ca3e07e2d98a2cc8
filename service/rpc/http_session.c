/* http_session.c — browser sessions for the HTTP gateway: the session table (in memory; ids kept
 * only as SHA-256), the per-address login rate limit, the cookie + CSRF + Origin checks that
 * http_authenticate uses, and the routes POST/GET/DELETE /api/v1/session. */
#include "http_int.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define COOKIE_NAME "ismap_session"

static int64_t wall_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

/* ---- the session table ------------------------------------------------------------------- */

typedef struct session {
    bool used;
    unsigned char hash[32]; /* SHA-256 of the cookie value's 32 random bytes */
    int64_t last_used;
    ism_rpc_session_info info;
} session;

struct ism_rpc_sessions {
    pthread_mutex_t mu;
    session *slots;
    size_t max;
    int idle_s, absolute_s;
    ism_rpc_clock_fn now;
    void *now_ctx;
};

ism_rpc_sessions *ism_rpc_sessions_new(int idle_s, int absolute_s, size_t max, ism_rpc_clock_fn now,
                                       void *now_ctx)
{
    if (idle_s <= 0 || absolute_s <= 0 || max == 0) return NULL;
    ism_rpc_sessions *s = calloc(1, sizeof *s);
    if (!s || !(s->slots = calloc(max, sizeof *s->slots))) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->max = max;
    s->idle_s = idle_s;
    s->absolute_s = absolute_s;
    s->now = now ? now : wall_clock;
    s->now_ctx = now_ctx;
    return s;
}

static void clear_slot(session *x)
{
    OPENSSL_cleanse(x, sizeof *x);
}

void ism_rpc_sessions_free(ism_rpc_sessions *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->max; i++)
        clear_slot(&s->slots[i]);
    free(s->slots);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static bool expired(const ism_rpc_sessions *s, const session *x, int64_t now)
{
    return now >= x->info.expires_at || now >= x->last_used + s->idle_s;
}

/* Parses 64 hex digits into 32 bytes and hashes them; false if malformed. */
static bool id_hash(const char *id, unsigned char hash[32])
{
    unsigned char raw[32];
    if (!id || strlen(id) != 64) return false;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(id + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", id[2 * i]) ||
            !strchr("0123456789abcdef", id[2 * i + 1]))
            return false;
        raw[i] = (unsigned char)v;
    }
    unsigned len = 0;
    return EVP_Digest(raw, sizeof raw, hash, &len, EVP_sha256(), NULL) == 1;
}

/* The slot of a hash, or NULL. Caller holds mu. */
static session *find(ism_rpc_sessions *s, const unsigned char hash[32])
{
    for (size_t i = 0; i < s->max; i++)
        if (s->slots[i].used && CRYPTO_memcmp(s->slots[i].hash, hash, 32) == 0) return &s->slots[i];
    return NULL;
}

bool ism_rpc_sessions_create(ism_rpc_sessions *s, const ism_rpc_caller *who, const char *token,
                             char id_out[65], ism_rpc_session_info *info, ism_error *err)
{
    unsigned char raw[32], csrf[32];
    if (!ism_random_bytes(raw, sizeof raw) || !ism_random_bytes(csrf, sizeof csrf))
        return ism_error_set(err, ISM_E_INTERNAL, "no random bytes for a session id");
    unsigned char hash[32];
    unsigned len = 0;
    if (EVP_Digest(raw, sizeof raw, hash, &len, EVP_sha256(), NULL) != 1)
        return ism_error_set(err, ISM_E_INTERNAL, "SHA-256 failed");
    pthread_mutex_lock(&s->mu);
    int64_t now = s->now(s->now_ctx);
    session *slot = NULL, *lru = NULL;
    for (size_t i = 0; i < s->max && !slot; i++) {
        session *x = &s->slots[i];
        if (x->used && expired(s, x, now)) clear_slot(x);
        if (!x->used)
            slot = x;
        else if (!lru || x->last_used < lru->last_used)
            lru = x;
    }
    if (!slot) {
        ism_log(ISM_LOG_WARN, "http.session_evicted",
                "session table full (%zu): the least recently used session ends", s->max);
        clear_slot(lru);
        slot = lru;
    }
    slot->used = true;
    memcpy(slot->hash, hash, sizeof hash);
    slot->last_used = now;
    slot->info.who = *who;
    ism_strlcpy(slot->info.token, token ? token : "", sizeof slot->info.token);
    ism_hex(csrf, sizeof csrf, slot->info.csrf);
    slot->info.created = now;
    slot->info.expires_at = now + s->absolute_s;
    slot->info.idle_expires = now + s->idle_s;
    if (info) *info = slot->info;
    pthread_mutex_unlock(&s->mu);
    ism_hex(raw, sizeof raw, id_out);
    OPENSSL_cleanse(raw, sizeof raw);
    return true;
}

bool ism_rpc_sessions_get(ism_rpc_sessions *s, const char *id, ism_rpc_session_info *info)
{
    unsigned char hash[32];
    if (!id_hash(id, hash)) return false;
    pthread_mutex_lock(&s->mu);
    int64_t now = s->now(s->now_ctx);
    session *x = find(s, hash);
    bool ok = false;
    if (x && expired(s, x, now)) {
        clear_slot(x);
    } else if (x) {
        x->last_used = now;
        x->info.idle_expires = now + s->idle_s;
        if (info) *info = x->info;
        ok = true;
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

bool ism_rpc_sessions_revoke(ism_rpc_sessions *s, const char *id)
{
    unsigned char hash[32];
    if (!id_hash(id, hash)) return false;
    pthread_mutex_lock(&s->mu);
    session *x = find(s, hash);
    if (x) clear_slot(x);
    pthread_mutex_unlock(&s->mu);
    return x != NULL;
}

int ism_rpc_sessions_revoke_token(ism_rpc_sessions *s, const char *token_id)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->max; i++)
        if (s->slots[i].used && strcmp(s->slots[i].info.who.token_id, token_id) == 0) {
            clear_slot(&s->slots[i]);
            n++;
        }
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t ism_rpc_sessions_count(ism_rpc_sessions *s)
{
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    int64_t now = s->now(s->now_ctx);
    for (size_t i = 0; i < s->max; i++)
        if (s->slots[i].used && !expired(s, &s->slots[i], now)) n++;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* ---- the login rate limit ---------------------------------------------------------------- */

typedef struct limit_entry {
    char addr[64];
    int64_t window_start;
    int failures;
} limit_entry;

struct ism_rpc_login_limit {
    pthread_mutex_t mu;
    limit_entry *e;
    size_t max;
    int max_failures, window_s;
    ism_rpc_clock_fn now;
    void *now_ctx;
};

ism_rpc_login_limit *ism_rpc_login_limit_new(int max_failures, int window_s, size_t max_addresses,
                                             ism_rpc_clock_fn now, void *now_ctx)
{
    if (max_failures <= 0 || window_s <= 0 || max_addresses == 0) return NULL;
    ism_rpc_login_limit *l = calloc(1, sizeof *l);
    if (!l || !(l->e = calloc(max_addresses, sizeof *l->e))) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    l->max = max_addresses;
    l->max_failures = max_failures;
    l->window_s = window_s;
    l->now = now ? now : wall_clock;
    l->now_ctx = now_ctx;
    return l;
}

void ism_rpc_login_limit_free(ism_rpc_login_limit *l)
{
    if (!l) return;
    free(l->e);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* The entry of addr in its current window, or NULL. Caller holds mu. */
static limit_entry *limit_find(ism_rpc_login_limit *l, const char *addr, int64_t now)
{
    for (size_t i = 0; i < l->max; i++) {
        limit_entry *x = &l->e[i];
        if (x->addr[0] && strcmp(x->addr, addr) == 0) {
            if (now >= x->window_start + l->window_s) {
                memset(x, 0, sizeof *x);
                return NULL;
            }
            return x;
        }
    }
    return NULL;
}

int ism_rpc_login_limit_check(ism_rpc_login_limit *l, const char *addr)
{
    pthread_mutex_lock(&l->mu);
    int64_t now = l->now(l->now_ctx);
    limit_entry *x = limit_find(l, addr, now);
    int wait = x && x->failures >= l->max_failures ? (int)(x->window_start + l->window_s - now) : 0;
    pthread_mutex_unlock(&l->mu);
    return wait > 0 ? wait : 0;
}

void ism_rpc_login_limit_fail(ism_rpc_login_limit *l, const char *addr)
{
    pthread_mutex_lock(&l->mu);
    int64_t now = l->now(l->now_ctx);
    limit_entry *x = limit_find(l, addr, now);
    if (!x) {
        limit_entry *oldest = NULL;
        for (size_t i = 0; i < l->max && !x; i++) {
            limit_entry *y = &l->e[i];
            if (y->addr[0] && now >= y->window_start + l->window_s) memset(y, 0, sizeof *y);
            if (!y->addr[0])
                x = y;
            else if (!oldest || y->window_start < oldest->window_start)
                oldest = y;
        }
        if (!x) x = oldest;
        memset(x, 0, sizeof *x);
        ism_strlcpy(x->addr, addr, sizeof x->addr);
        x->window_start = now;
    }
    x->failures++;
    pthread_mutex_unlock(&l->mu);
}

/* ---- the gateway's side ------------------------------------------------------------------ */

bool http_sessions_init(ism_rpc_http_server *srv, ism_error *err)
{
    srv->sessions = ism_rpc_sessions_new(srv->session_idle_s, srv->session_absolute_s,
                                         ISM_RPC_HTTP_MAX_SESSIONS, NULL, NULL);
    srv->login_limit = ism_rpc_login_limit_new(ISM_RPC_LOGIN_MAX_FAILURES, ISM_RPC_LOGIN_WINDOW_S,
                                               4096, NULL, NULL);
    if (!srv->sessions || !srv->login_limit)
        return ism_error_set(err, ISM_E_INTERNAL, "out of memory for the session table");
    return true;
}

void http_sessions_free(ism_rpc_http_server *srv)
{
    ism_rpc_sessions_free(srv->sessions);
    ism_rpc_login_limit_free(srv->login_limit);
    srv->sessions = NULL;
    srv->login_limit = NULL;
}

/* The client's address as text ("?" when unknown). */
static void client_addr(const http_req *r, char out[64])
{
    ism_strlcpy(out, "?", 64);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 64);
}

/* An Origin header, when present, must be this server's own origin (scheme://Host). */
static bool origin_ok(const http_req *r)
{
    const char *origin = http_header(r, "Origin");
    if (!origin) return true;
    const char *host = http_header(r, MHD_HTTP_HEADER_HOST);
    if (!host) return false;
    char own[512];
    snprintf(own, sizeof own, "%s://%s", r->srv->https ? "https" : "http", host);
    return strcmp(origin, own) == 0;
}

static bool state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/* The live session of the request's cookie, with its token re-verified (a revoked token ends
 * the session). CSRF and Origin are checked for state-changing methods. */
static bool session_of(http_req *r, ism_rpc_session_info *info, const char **id_out, ism_error *err)
{
    const char *id = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
    if (!id || !ism_rpc_sessions_get(r->srv->sessions, id, info))
        return ism_error_set(err, ISM_E_UNAUTHENTICATED,
                             "no live session (it expired, was logged out or never existed): "
                             "log in again with POST /api/v1/session");
    if (id_out) *id_out = id;
    ism_error verr = {0};
    ism_rpc_caller who;
    if (!ism_rpc_authenticate(r->srv->app, false, info->token, &who, &verr)) {
        ism_rpc_sessions_revoke(r->srv->sessions, id);
        ism_logj(ISM_LOG_INFO, "http.session_ended",
                 json_pack("{s:s}", "token", info->who.token_id), "%s", verr.message);
        ism_error_clear(&verr);
        return ism_error_set(err, ISM_E_UNAUTHENTICATED,
                             "the session's API token is no longer valid: log in again");
    }
    info->who = who;
    if (state_changing(r->method)) {
        if (!origin_ok(r))
            return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                                 "CSRF check failed: the Origin header is not this server's");
        const char *csrf = http_header(r, "X-CSRF-Token");
        if (!csrf || strlen(csrf) != strlen(info->csrf) ||
            CRYPTO_memcmp(csrf, info->csrf, strlen(info->csrf)) != 0)
            return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                                 "CSRF check failed: a %s with the session cookie needs the "
                                 "header X-CSRF-Token with the session's csrf_token",
                                 r->method);
    }
    return true;
}

bool http_session_authenticate(http_req *r, ism_rpc_caller *who, ism_error *err)
{
    ism_rpc_session_info info;
    if (!session_of(r, &info, NULL, err)) return false;
    *who = info.who;
    ism_strlcpy(r->token_id, who->token_id, sizeof r->token_id);
    OPENSSL_cleanse(&info, sizeof info);
    return true;
}

bool http_has_session_cookie(const http_req *r)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME) != NULL;
}

static void iso_of(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *session_json(const ism_rpc_http_server *srv, const ism_rpc_session_info *info)
{
    char exp[32];
    iso_of(info->expires_at, exp);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "role", ism_role_name(info->who.role), "org",
                     info->who.org, "token_id", info->who.token_id, "csrf_token", info->csrf,
                     "expires_at", exp, "idle_timeout_s", srv->session_idle_s);
}

static enum MHD_Result reply_with_cookie(http_req *r, json_t *result, const char *cookie)
{
    json_t *body = json_pack("{s:b, s:o}", "ok", 1, "result", result ? result : json_null());
    const char *h[] = {"Set-Cookie", cookie, NULL};
    return http_reply_json_headers(r, 200, body, h);
}

/* POST /api/v1/session {"token": "..."} */
static enum MHD_Result route_login(http_req *r)
{
    ism_error err = {0};
    ism_strlcpy(r->op, "session.login", sizeof r->op);
    char addr[64];
    client_addr(r, addr);
    int wait = ism_rpc_login_limit_check(r->srv->login_limit, addr);
    if (wait > 0) {
        ism_logj(ISM_LOG_WARN, "http.login_limited",
                 json_pack("{s:s, s:i}", "address", addr, "retry_after_s", wait),
                 "login refused for %s: too many failed attempts", addr);
        ism_error_set(&err, ISM_E_RATE_LIMITED,
                      "too many failed logins from this address: try again in %d s", wait);
        json_t *body = json_pack("{s:b, s:o}", "ok", 0, "error", ism_error_to_json(&err));
        ism_error_clear(&err);
        char secs[16];
        snprintf(secs, sizeof secs, "%d", wait);
        const char *h[] = {"Retry-After", secs, NULL};
        return http_reply_json_headers(r, 429, body, h);
    }
    if (!origin_ok(r)) {
        ism_error_set(&err, ISM_E_PERMISSION_DENIED,
                      "CSRF check failed: the Origin header is not this server's");
        return http_reply_error(r, &err);
    }
    json_t *params = http_body_object(r, &err);
    if (!params) return http_reply_error(r, &err);
    const char *token = ism_json_getstr(params, "token");
    ism_rpc_caller who;
    if (!token || !*token) {
        ism_error_set(&err, ISM_E_INVALID_PARAMS,
                      "body must be {\"token\": \"<API token>\"} (field 'token' is missing)");
    } else if (ism_rpc_authenticate(r->srv->app, false, token, &who, &err)) {
        ism_rpc_session_info info;
        char id[65];
        if (ism_rpc_sessions_create(r->srv->sessions, &who, token, id, &info, &err)) {
            json_decref(params);
            ism_strlcpy(r->token_id, who.token_id, sizeof r->token_id);
            ism_logj(ISM_LOG_INFO, "http.login",
                     json_pack("{s:s, s:s, s:s}", "address", addr, "token", who.token_id, "role",
                               ism_role_name(who.role)),
                     "session opened for token %s from %s", who.token_id, addr);
            char cookie[256];
            snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict%s",
                     id, r->srv->https ? "; Secure" : "");
            json_t *res = session_json(r->srv, &info);
            OPENSSL_cleanse(&info, sizeof info);
            OPENSSL_cleanse(id, sizeof id);
            return reply_with_cookie(r, res, cookie);
        }
    } else {
        ism_rpc_login_limit_fail(r->srv->login_limit, addr);
        ism_logj(ISM_LOG_WARN, "http.login_failed", json_pack("{s:s}", "address", addr),
                 "failed login from %s: %s", addr, err.message);
        ism_error_clear(&err);
        ism_error_set(&err, ISM_E_UNAUTHENTICATED, "the API token is not valid");
    }
    json_decref(params);
    return http_reply_error(r, &err);
}

/* GET /api/v1/session */
static enum MHD_Result route_session_get(http_req *r)
{
    ism_error err = {0};
    ism_strlcpy(r->op, "session.get", sizeof r->op);
    ism_rpc_session_info info;
    if (!session_of(r, &info, NULL, &err)) return http_reply_error(r, &err);
    ism_strlcpy(r->token_id, info.who.token_id, sizeof r->token_id);
    json_t *res = session_json(r->srv, &info);
    OPENSSL_cleanse(&info, sizeof info);
    return http_reply_result(r, res);
}

/* DELETE /api/v1/session: logout (the server forgets the session; the cookie is cleared). */
static enum MHD_Result route_logout(http_req *r)
{
    ism_error err = {0};
    ism_strlcpy(r->op, "session.logout", sizeof r->op);
    ism_rpc_session_info info;
    const char *id = NULL;
    if (!session_of(r, &info, &id, &err)) return http_reply_error(r, &err);
    ism_strlcpy(r->token_id, info.who.token_id, sizeof r->token_id);
    OPENSSL_cleanse(&info, sizeof info);
    ism_rpc_sessions_revoke(r->srv->sessions, id);
    char cookie[160];
    snprintf(cookie, sizeof cookie, COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             r->srv->https ? "; Secure" : "");
    return reply_with_cookie(r, json_pack("{s:b}", "logged_out", 1), cookie);
}

enum MHD_Result http_route_session(http_req *r)
{
    if (strcmp(r->method, "POST") == 0) return route_login(r);
    if (strcmp(r->method, "DELETE") == 0) return route_logout(r);
    return route_session_get(r);
}
