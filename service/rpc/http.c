/* http.c — the HTTP gateway's server: listen URL, libmicrohttpd daemon (a thread per
 * connection, bounded), request lifecycle (body with a size cap), the router, replies with the
 * security headers, bearer authentication and the request log. Routes live in http_routes.c.
 *
 * Why libmicrohttpd and not nng's HTTP server: it has the limits a public listener needs built
 * in — connections in all and per address, per-connection memory for headers, idle timeouts,
 * strict request parsing — and TLS 1.3 through GnuTLS. */
#include "http_int.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* TLS 1.3 and 1.2 only, ECDHE key exchange, AEAD ciphers only. */
#define HTTP_TLS_PRIORITIES                                                                        \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"            \
    "+CHACHA20-POLY1305:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

/* ---- listen URL -------------------------------------------------------------------------- */

typedef struct http_url {
    bool https;
    char host[256];
    int port;
} http_url;

static bool parse_url(const char *url, http_url *u, ism_error *err)
{
    memset(u, 0, sizeof *u);
    const char *p;
    if (!url) return ism_error_set(err, ISM_E_CONFIG, "http.listen is missing");
    if (strncmp(url, "https://", 8) == 0) {
        u->https = true;
        p = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
    } else {
        return ism_error_set(err, ISM_E_CONFIG,
                             "http.listen '%s' must start with https:// or http://", url);
    }
    const char *colon;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close[1] != ':')
            return ism_error_set(err, ISM_E_CONFIG, "http.listen '%s': bad [IPv6]:port", url);
        if ((size_t)(close - p - 1) >= sizeof u->host)
            return ism_error_set(err, ISM_E_CONFIG, "http.listen '%s': host too long", url);
        memcpy(u->host, p + 1, (size_t)(close - p - 1));
        colon = close + 1;
    } else {
        colon = strrchr(p, ':');
        if (!colon || colon == p)
            return ism_error_set(err, ISM_E_CONFIG, "http.listen '%s' needs HOST:PORT", url);
        if ((size_t)(colon - p) >= sizeof u->host)
            return ism_error_set(err, ISM_E_CONFIG, "http.listen '%s': host too long", url);
        memcpy(u->host, p, (size_t)(colon - p));
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || (*end && strcmp(end, "/") != 0) || port < 0 || port > 65535)
        return ism_error_set(err, ISM_E_CONFIG, "http.listen '%s': port must be 0 to 65535", url);
    u->port = (int)port;
    return true;
}

static bool is_loopback(const char *host)
{
    if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0) return true;
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

bool ism_rpc_http_check_url(const ism_rpc_http_config *cfg, ism_error *err)
{
    http_url u;
    if (!parse_url(cfg->listen, &u, err)) return false;
    if (!u.https && !is_loopback(u.host))
        return ism_error_set(err, ISM_E_CONFIG,
                             "http.listen '%s': plain http is allowed on a loopback address only "
                             "(use https:// with tls_cert and tls_key)",
                             cfg->listen);
    if (u.https && (!cfg->tls_cert || !cfg->tls_key))
        return ism_error_set(err, ISM_E_CONFIG,
                             "http.listen '%s' needs a certificate and key (http.tls_cert and "
                             "http.tls_key, or tls.cert_file and tls.key_file)",
                             cfg->listen);
    return true;
}

/* ---- replies ----------------------------------------------------------------------------- */

void http_security_headers(const http_req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                            "base-uri 'none'; form-action 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (r->srv->https)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (r->path && strncmp(r->path, "/api/", 5) == 0)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
}

enum MHD_Result http_send_response(http_req *r, int status, struct MHD_Response *resp)
{
    if (!resp) return MHD_NO;
    http_security_headers(r, resp);
    r->replied = true;
    r->status = status;
    enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

enum MHD_Result http_reply_bytes(http_req *r, int status, const char *content_type,
                                 const void *data, size_t len, const char *const *headers)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (content_type) MHD_add_response_header(resp, "Content-Type", content_type);
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    return http_send_response(r, status, resp);
}

enum MHD_Result http_reply_json_headers(http_req *r, int status, json_t *body,
                                        const char *const *headers)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!text) return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    return http_send_response(r, status, resp);
}

enum MHD_Result http_reply_json(http_req *r, int status, json_t *body)
{
    return http_reply_json_headers(r, status, body, NULL);
}

enum MHD_Result http_reply_result(http_req *r, json_t *result)
{
    json_t *body = json_object();
    json_object_set_new(body, "ok", json_true());
    json_object_set_new(body, "result", result ? result : json_null());
    return http_reply_json(r, 200, body);
}

enum MHD_Result http_reply_error(http_req *r, ism_error *err)
{
    if (err->code == ISM_OK) ism_error_set(err, ISM_E_INTERNAL, "failed without a reason");
    int status = ism_rpc_http_status(err->code);
    json_t *body = json_object();
    json_object_set_new(body, "ok", json_false());
    json_object_set_new(body, "error", ism_error_to_json(err));
    const char *h401[] = {"WWW-Authenticate", "Bearer realm=\"ismap-assess\"", NULL};
    const char *h429[] = {"Retry-After", "60", NULL};
    ism_logj(status >= 500 ? ISM_LOG_WARN : ISM_LOG_DEBUG, "http.error",
             json_pack("{s:s, s:s, s:i}", "path", r->path ? r->path : "", "code",
                       ism_code_name(err->code), "status", status),
             "%s", err->message);
    ism_error_clear(err);
    return http_reply_json_headers(r, status, body,
                                   status == 401   ? h401
                                   : status == 429 ? h429
                                                   : NULL);
}

/* ---- requests ---------------------------------------------------------------------------- */

const char *http_header(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool http_authenticate(http_req *r, ism_rpc_caller *who, ism_error *err)
{
    const char *auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth && http_has_session_cookie(r)) return http_session_authenticate(r, who, err);
    if (!auth)
        return ism_error_set(err, ISM_E_UNAUTHENTICATED,
                             "this endpoint needs an API token (header 'Authorization: Bearer "
                             "<token>') or a session (POST /api/v1/session)");
    if (strncasecmp(auth, "Bearer ", 7) != 0 || !auth[7])
        return ism_error_set(err, ISM_E_UNAUTHENTICATED,
                             "header 'Authorization' must be 'Bearer <token>'");
    if (!ism_rpc_authenticate(r->srv->app, false, auth + 7, who, err)) return false;
    ism_strlcpy(r->token_id, who->token_id, sizeof r->token_id);
    return true;
}

json_t *http_body_object(http_req *r, ism_error *err)
{
    if (r->len == 0) return json_object();
    json_error_t jerr;
    json_t *j = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        ism_error_set(err, ISM_E_BAD_REQUEST, "request body is not valid JSON: %s", jerr.text);
        ism_error_detail(err, json_pack("{s:i, s:i, s:i}", "line", jerr.line, "column", jerr.column,
                                        "position", jerr.position));
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        ism_error_set(err, ISM_E_INVALID_PARAMS, "request body must be a JSON object (the params)");
        return NULL;
    }
    return j;
}

enum MHD_Result http_call_and_reply(http_req *r, const ism_rpc_caller *who, const char *op,
                                    json_t *params)
{
    ism_error err = {0};
    json_t *result = NULL;
    ism_rpc_text text = {0};
    ism_strlcpy(r->op, op, sizeof r->op);
    bool ok = ism_rpc_call_op(r->srv->app, who, op, params, &result, &text, &err);
    json_decref(params);
    if (!ok) return http_reply_error(r, &err);
    if (!text.text) return http_reply_result(r, result);
    /* A kept reply goes out as it is, inside the envelope, without parsing it again. */
    static const char head[] = "{\"ok\":true,\"result\":";
    size_t n = strlen(text.text);
    char *body = malloc(sizeof head - 1 + n + 2);
    if (!body) {
        ism_rpc_text_release(&text);
        return MHD_NO;
    }
    memcpy(body, head, sizeof head - 1);
    memcpy(body + sizeof head - 1, text.text, n);
    memcpy(body + sizeof head - 1 + n, "}", 2);
    ism_rpc_text_release(&text);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    return http_send_response(r, 200, resp);
}

/* ---- router ------------------------------------------------------------------------------ */

/* Matches path against pattern segment by segment; '*' takes one non-empty segment. */
static bool match(const char *pattern, const char *path, http_req *r)
{
    size_t used = 0;
    int ncap = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (p[0] == '*' && p[1] == '*' && p[2] == '\0') {
            size_t n = strlen(s);
            if (ncap == HTTP_MAX_CAPS || used + n + 1 > sizeof r->capbuf) return false;
            memcpy(r->capbuf + used, s, n + 1);
            r->caps[ncap++] = r->capbuf + used;
            return true;
        }
        if (*p == '*') {
            const char *end = strchr(s, '/');
            size_t n = end ? (size_t)(end - s) : strlen(s);
            if (n == 0 || ncap == HTTP_MAX_CAPS || used + n + 1 > sizeof r->capbuf) return false;
            memcpy(r->capbuf + used, s, n);
            r->capbuf[used + n] = '\0';
            r->caps[ncap++] = r->capbuf + used;
            used += n + 1;
            s += n;
            p++;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return false;
        }
    }
    return *p == '\0' && *s == '\0';
}

static enum MHD_Result route(http_req *r)
{
    char allow[64] = "";
    for (const http_route *rt = ism_rpc_http_routes; rt->method; rt++) {
        memset(r->caps, 0, sizeof r->caps);
        if (!match(rt->pattern, r->path, r)) continue;
        if (strcmp(rt->method, r->method) == 0) return r->route = rt, rt->fn(r);
        if (!strstr(allow, rt->method) && strlen(allow) + strlen(rt->method) + 3 < sizeof allow) {
            if (allow[0]) strcat(allow, ", ");
            strcat(allow, rt->method);
        }
    }
    ism_error err = {0};
    if (allow[0]) {
        ism_error_set(&err, ISM_E_BAD_REQUEST, "method %s is not allowed on %s (allowed: %s)",
                      r->method, r->path, allow);
        json_t *body = json_pack("{s:b, s:o}", "ok", 0, "error", ism_error_to_json(&err));
        ism_error_clear(&err);
        const char *h[] = {"Allow", allow, NULL};
        return http_reply_json_headers(r, 405, body, h);
    }
    ism_error_set(&err, ISM_E_NOT_FOUND, "no such path: %s", r->path);
    return http_reply_error(r, &err);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    ism_rpc_http_server *srv = cls;
    http_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        r->srv = srv;
        r->conn = conn;
        r->method = method;
        r->path = strdup(url ? url : "/");
        r->t0_ms = ism_mono_ms();
        *con_cls = r;
        http_guard_phase(srv, conn, false);
        if (!r->path) return MHD_NO;
        r->limit = http_body_limit(srv, method, r->path);
        /* Refuse an announced oversized body before reading it. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > r->limit) {
            ism_error err = {0};
            ism_error_set(&err, ISM_E_TOO_LARGE,
                          "request body of %s bytes exceeds the limit of %zu", cl, r->limit);
            return http_reply_error(r, &err);
        }
        return MHD_YES;
    }
    r->conn = conn;
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_large || r->replied) return MHD_YES;
        if (r->len + n > r->limit) {
            r->too_large = true;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
            return MHD_YES;
        }
        if (r->len + n + 1 > r->cap) {
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < r->len + n + 1)
                cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b) return MHD_NO;
            r->body = b;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload_data, n);
        r->len += n;
        r->body[r->len] = '\0';
        return MHD_YES;
    }
    if (r->replied) return MHD_YES;
    if (r->too_large) {
        ism_error err = {0};
        ism_error_set(&err, ISM_E_TOO_LARGE, "request body exceeds the limit of %zu bytes",
                      r->limit);
        return http_reply_error(r, &err);
    }
    return route(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_guard_phase(cls, conn, true);
    http_req *r = *con_cls;
    if (!r) return;
    *con_cls = NULL;
    ism_logj(r->status >= 500 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK ? ISM_LOG_WARN
                                                                            : ISM_LOG_INFO,
             "http.request",
             json_pack("{s:s, s:s, s:s?, s:s?, s:i, s:I, s:b}", "method", r->method, "path",
                       r->path ? r->path : "", "op", r->op[0] ? r->op : NULL, "token",
                       r->token_id[0] ? r->token_id : NULL, "status", r->status, "ms",
                       (json_int_t)(ism_mono_ms() - r->t0_ms), "completed",
                       toe == MHD_REQUEST_TERMINATED_COMPLETED_OK),
             "%s %s %d", r->method, r->path ? r->path : "", r->status);
    free(r->path);
    free(r->body);
    free(r);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    ism_log(ISM_LOG_DEBUG, "http.server", "%s", msg);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

static char *read_pem(const char *path, const char *what, ism_error *err)
{
    size_t len = 0;
    char *text = ism_read_file(path, 1024 * 1024, &len, err);
    if (!text) ism_error_set(err, ISM_E_CONFIG, "http: cannot read the TLS %s '%s'", what, path);
    return text;
}

ism_rpc_http_server *ism_rpc_http_start(ism_rpc_app *app, const ism_rpc_http_config *cfg,
                                        ism_error *err)
{
    if (!ism_rpc_http_check_url(cfg, err)) return NULL;
    http_url u;
    parse_url(cfg->listen, &u, err);
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%d", u.port);
    int gai = getaddrinfo(u.host, port, &hints, &ai);
    if (gai != 0 || !ai) {
        ism_error_set(err, ISM_E_CONFIG, "http.listen '%s': cannot resolve '%s': %s", cfg->listen,
                      u.host, gai_strerror(gai));
        return NULL;
    }
    ism_rpc_http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        freeaddrinfo(ai);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    srv->app = app;
    srv->https = u.https;
    srv->max_body = app->max_msg ? app->max_msg : ISM_RPC_DEFAULT_MAX_MSG;
    srv->session_idle_s =
        cfg->session_idle_s ? cfg->session_idle_s : ISM_RPC_HTTP_DEFAULT_SESSION_IDLE_S;
    srv->session_absolute_s =
        cfg->session_absolute_s ? cfg->session_absolute_s : ISM_RPC_HTTP_DEFAULT_SESSION_ABSOLUTE_S;
    const ism_rpc_web_file *web = cfg->web_files;
    size_t nweb = cfg->n_web_files;
    if (!web) web = ism_rpc_web_files(&nweb);
    if (!http_static_init(srv, web, nweb, err) || !http_sessions_init(srv, err) ||
        !http_events_init(srv, err)) {
        freeaddrinfo(ai);
        ism_rpc_http_stop(srv);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    if (u.https) {
        flags |= MHD_USE_TLS;
        srv->cert_pem = read_pem(cfg->tls_cert, "certificate", err);
        srv->key_pem = srv->cert_pem ? read_pem(cfg->tls_key, "key", err) : NULL;
        if (!srv->key_pem) {
            freeaddrinfo(ai);
            ism_rpc_http_stop(srv);
            return NULL;
        }
    }
    int conns = cfg->max_connections ? cfg->max_connections : ISM_RPC_HTTP_DEFAULT_CONNECTIONS;
    int per = cfg->per_address ? cfg->per_address : ISM_RPC_HTTP_DEFAULT_PER_ADDRESS;
    int timeout = cfg->timeout_s ? cfg->timeout_s : ISM_RPC_HTTP_DEFAULT_TIMEOUT_S;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key_pem},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem no_opts[] = {{MHD_OPTION_END, 0, NULL}};
    srv->guard = http_guard_start(timeout);
    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)per, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
        http_guard_notify, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv, MHD_OPTION_ARRAY,
        u.https ? tls_opts : no_opts, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!srv->d) {
        ism_error_set(err, ISM_E_CONFIG,
                      "http: cannot listen on '%s' (address in use, not local, or the TLS "
                      "certificate and key do not match)",
                      cfg->listen);
        ism_rpc_http_stop(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : u.port;
    ism_logj(ISM_LOG_INFO, "http.listening",
             json_pack("{s:s, s:i, s:i, s:i}", "url", cfg->listen, "port", srv->port,
                       "max_connections", conns, "per_address", per),
             "HTTP gateway listening on %s (port %d)", cfg->listen, srv->port);
    return srv;
}

int ism_rpc_http_port(const ism_rpc_http_server *srv)
{
    return srv ? srv->port : 0;
}

void ism_rpc_http_stop(ism_rpc_http_server *srv)
{
    if (!srv) return;
    http_events_close(srv);
    if (srv->d) MHD_stop_daemon(srv->d);
    http_guard_stop(srv->guard);
    http_events_free(srv);
    http_static_free(srv);
    http_sessions_free(srv);
    free(srv->cert_pem);
    free(srv->key_pem);
    free(srv);
}
