/* http_int.h — internals of the HTTP gateway shared by its files (rpc room only): the server,
 * one request's state, the route table, replies and authentication. */
#ifndef ISMAP_RPC_HTTP_INT_H
#define ISMAP_RPC_HTTP_INT_H

#include "ismap/rpc.h"

#include <microhttpd.h>

#define HTTP_MAX_CAPS 4

typedef struct http_guard http_guard;

struct ism_rpc_http_server {
    struct MHD_Daemon *d;
    ism_rpc_app *app;
    bool https;
    int port;
    size_t max_body; /* bytes of a request body (JSON params or an upload) */
    int session_idle_s, session_absolute_s;
    char *cert_pem, *key_pem;         /* kept for the daemon's lifetime (MHD borrows them) */
    http_guard *guard;                /* the header deadline's watchdog (http_guard.c) */
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
    size_t limit;   /* the largest body this request may send (http_body_limit) */
    bool too_large; /* body over srv->max_body: discarded, 413 at the end */
    bool replied;
    int status;
    int64_t t0_ms;
    char op[96];                     /* the op called, for the request log */
    char token_id[64];               /* who called, for the request log (never the secret) */
    const char *caps[HTTP_MAX_CAPS]; /* the route's '*' segments (point into capbuf) */
    char capbuf[512];
    const struct http_route *route; /* the route that matched (set by the router) */
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

/* ---- resources, uploads, downloads (http_resources.c, http_upload.c, http_download.c) */
/* A query parameter a route takes: its name, the op param it fills (NULL: the same name), and
 * whether the op wants an integer. */
typedef struct http_param {
    const char *name;
    const char *param;
    bool integer;
} http_param;
/* The query string as op params: only the names in allowed (NULL-name terminated), each at most
 * once, integers parsed; an empty value is left out. New object, or NULL with err (400 naming
 * the parameter). */
json_t *http_query_params(http_req *r, const http_param *allowed, ism_error *err);
/* Sets params[names[i]] = r->caps[i] for each named capture; false with err if not UTF-8. */
bool http_set_caps(const http_req *r, json_t *params, const char *const *names, ism_error *err);
/* GET resource reads: the op and params follow from r->route->pattern. */
enum MHD_Result http_route_resource(http_req *r);
/* GET report / screening export downloads: the op's bytes with Content-Type and
 * Content-Disposition. */
enum MHD_Result http_route_report(http_req *r);
enum MHD_Result http_route_screening_export(http_req *r);
/* POST /api/v1/evidence: a raw body with X-Filename, or multipart/form-data. */
enum MHD_Result http_route_upload(http_req *r);
/* One part of a multipart/form-data body: name and filename malloc'd (filename NULL when the
 * part has none; filename* = UTF-8'' is decoded), data borrowed from the body. */
typedef struct http_part {
    char *name, *filename;
    const char *data;
    size_t len;
} http_part;
/* Splits a multipart/form-data body (ctype: its Content-Type with the boundary) into at most
 * max parts; false with err (ISM_E_BAD_REQUEST saying what is wrong and in which part). The
 * caller frees the first *nparts parts with http_parts_free, on success and failure. */
bool http_multipart_parse(const char *ctype, const char *body, size_t len, http_part *parts,
                          int max, int *nparts, ism_error *err);
void http_parts_free(http_part *parts, int n);
/* %XX-decoding (malloc'd); NULL on a bad escape. '+' stays '+'. */
char *http_percent_decode(const char *s);
/* RFC 5987 ext-value encoding of UTF-8 text (malloc'd). */
char *http_rfc5987(const char *s);
/* An ASCII file name for a quoted filename="…": [A-Za-z0-9._-] kept, others '_' (malloc'd). */
char *http_ascii_filename(const char *s);
/* ---- slow clients (http_guard.c): a request's headers must arrive within deadline_s of the
 * connection's start or its previous request's end, else the socket is shut down. */
http_guard *http_guard_start(int deadline_s);
void http_guard_stop(http_guard *g); /* after MHD_stop_daemon; NULL is allowed */
/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the server. */
void http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);
/* A request's headers arrived (in_headers false) or a request ended (true: the clock restarts). */
void http_guard_phase(ism_rpc_http_server *srv, struct MHD_Connection *conn, bool in_headers);
/* The largest request body accepted for method + path: uploads take a whole evidence file
 * (max_msg) plus room for the multipart framing; everything else max_body. */
size_t http_body_limit(const ism_rpc_http_server *srv, const char *method, const char *path);
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
