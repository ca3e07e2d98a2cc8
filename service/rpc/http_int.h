/* http_int.h — internals of the HTTP gateway shared by its files (rpc room only): the server,
 * one request's state, the route table, replies and authentication. */
#ifndef ISMAP_RPC_HTTP_INT_H
#define ISMAP_RPC_HTTP_INT_H

#include "ismap/rpc.h"

#include <microhttpd.h>

#define HTTP_MAX_CAPS 4

struct ism_rpc_http_server {
    struct MHD_Daemon *d;
    ism_rpc_app *app;
    bool https;
    int port;
    size_t max_body; /* bytes of a request body (JSON params or an upload) */
    int session_idle_s, session_absolute_s;
    char *cert_pem, *key_pem;         /* kept for the daemon's lifetime (MHD borrows them) */
    struct http_static *web;          /* the web UI's files (http_static.c) */
    ism_rpc_sessions *sessions;       /* browser sessions (http_session.c) */
    ism_rpc_login_limit *login_limit; /* failed logins per client address */
    struct http_hub *hub;             /* event subscribers (http_events.c) */
};

/* One request from its first callback to its completion notice. */
typedef struct http_req {
    ism_rpc_http_server *srv;
    struct MHD_Connection *conn;
    const char *method; /* borrowed from MHD */
    char *path;         /* owned copy of the (decoded) path */
    char *body;         /* owned; NUL-terminated */
    size_t len, cap;
    bool too_large; /* body over srv->max_body: discarded, 413 at the end */
    bool replied;
    int status;
    int64_t t0_ms;
    char op[96];                     /* the op called, for the request log */
    char token_id[64];               /* who called, for the request log (never the secret) */
    const char *caps[HTTP_MAX_CAPS]; /* the route's '*' segments (point into capbuf) */
    char capbuf[512];
} http_req;

typedef enum MHD_Result (*http_handler)(http_req *r);

typedef struct http_route {
    const char *method; /* "GET", "POST", "DELETE" */
    /* Path pattern; a segment that is a single star matches one non-empty segment, captured
     * into r->caps in order (e.g. the op route: api v1 ops STAR); a final double star matches
     * the non-empty rest of the path, slashes included. */
    const char *pattern;
    http_handler fn;
} http_route;

/* The route table (http_routes.c), terminated by {NULL}. */
extern const http_route ism_rpc_http_routes[];

/* ---- replies (http.c): each sends the response, adds the security headers and records the
 * status for the request log. Bodies are copied or stolen as each says. */
/* body is stolen. */
enum MHD_Result http_reply_json(http_req *r, int status, json_t *body);
/* The same with extra headers (NULL-terminated name/value pairs). */
enum MHD_Result http_reply_json_headers(http_req *r, int status, json_t *body,
                                        const char *const *headers);
/* {"ok": true, "result": result}; result is stolen. */
enum MHD_Result http_reply_result(http_req *r, json_t *result);
/* {"ok": false, "error": ...} with the status of err's code; clears err. */
enum MHD_Result http_reply_error(http_req *r, ism_error *err);
/* Raw bytes (copied), with a Content-Type and optional extra headers (NULL-terminated
 * name/value pairs). */
enum MHD_Result http_reply_bytes(http_req *r, int status, const char *content_type,
                                 const void *data, size_t len, const char *const *headers);
/* Queues resp (consumed) with the security headers and records the status. */
enum MHD_Result http_send_response(http_req *r, int status, struct MHD_Response *resp);
/* Adds the security headers every response carries. */
void http_security_headers(const http_req *r, struct MHD_Response *resp);

/* ---- requests (http.c) */
/* The caller of this request: a bearer token (Authorization header), else the session cookie
 * (with the CSRF and Origin checks for state-changing methods). Sets r->token_id. */
bool http_authenticate(http_req *r, ism_rpc_caller *who, ism_error *err);
/* The request body as a JSON object (empty body: {}); new reference, NULL with err. */
json_t *http_body_object(http_req *r, ism_error *err);
/* A request header (case-insensitive name) or NULL. */
const char *http_header(const http_req *r, const char *name);
/* Calls an op for this request's authenticated caller and replies with its result or error. */
enum MHD_Result http_call_and_reply(http_req *r, const ism_rpc_caller *who, const char *op,
                                    json_t *params /* stolen */);

/* ---- browser sessions (http_session.c) */
bool http_sessions_init(ism_rpc_http_server *srv, ism_error *err);
void http_sessions_free(ism_rpc_http_server *srv);
bool http_has_session_cookie(const http_req *r);
/* The caller of the request's session cookie (token re-verified; CSRF + Origin checked for
 * POST/PUT/PATCH/DELETE). */
bool http_session_authenticate(http_req *r, ism_rpc_caller *who, ism_error *err);
/* POST (login), GET, DELETE (logout) /api/v1/session. */
enum MHD_Result http_route_session(http_req *r);

/* ---- live events (http_events.c) */
bool http_events_init(ism_rpc_http_server *srv, ism_error *err);
/* Ends every stream (before the daemon stops, so that no connection waits for an event). */
void http_events_close(ism_rpc_http_server *srv);
void http_events_free(ism_rpc_http_server *srv);
/* GET /api/v1/events */
enum MHD_Result http_route_events(http_req *r);

/* ---- the web UI (http_static.c) */
/* Prepares the files (ETag, gzip) into srv->web; files are borrowed. */
bool http_static_init(ism_rpc_http_server *srv, const ism_rpc_web_file *files, size_t n,
                      ism_error *err);
void http_static_free(ism_rpc_http_server *srv);
/* GET / (index.html) and GET /assets/<path>. */
enum MHD_Result http_route_index(http_req *r);
enum MHD_Result http_route_asset(http_req *r);

#endif
