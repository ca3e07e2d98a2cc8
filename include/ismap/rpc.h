/* rpc.h — the rpc room: the op table, the request envelope, the nng server and client.
 *
 * Request:  {"op": "...", "id": "...", "token": "...", "params": {...}}
 * Reply:    {"id": "...", "ok": true, "result": ...}
 *        or {"id": "...", "ok": false, "error": {"code": "...", "message": "...", "details":
 * [...]}} Every entry point goes through the one op table: the nng socket through ism_rpc_handle
 * (envelope, token, role, op), the HTTP gateway through ism_rpc_authenticate + ism_rpc_call_op
 * (bearer header or session cookie, then the same role check and op). */
#ifndef ISMAP_RPC_H
#define ISMAP_RPC_H

#include "ismap/jobs.h"
#include "ismap/store.h"

#define ISM_RPC_DEFAULT_MAX_MSG (16u * 1024u * 1024u)
/* Remote (non-ipc) connections: at most this many per peer address and in total (the total is
 * lowered further to keep file descriptors free for the local socket), and closed when they
 * complete no request for this long. */
#define ISM_RPC_DEFAULT_PER_ADDRESS 16
#define ISM_RPC_DEFAULT_CONN_TOTAL 256
/* Remote connections that have not yet sent a request with a valid token: each may make the
 * transport hold one message of up to twice max_msg, so they get a budget of their own. */
#define ISM_RPC_DEFAULT_UNAUTHENTICATED 32
/* ... and each may send at most this much until it has sent a valid token (a connection's own
 * receive limit, raised to max_msg once it has: deploy/nng/per-pipe-receive-limit.patch). A
 * client with a token proves it with a small request first before a larger one
 * (ism_rpc_client_call does); the limit may not be set below ISM_RPC_MIN_UNAUTH_MAX_MSG, the
 * size above which the client does so. */
#define ISM_RPC_DEFAULT_UNAUTH_MAX_MSG (64u * 1024u)
#define ISM_RPC_MIN_UNAUTH_MAX_MSG 4096
#define ISM_RPC_DEFAULT_IDLE_MS 60000

struct ism_catalog_set; /* catalog.h */
struct ism_eval_checks; /* eval.h */
struct ism_signer;      /* snapshot.h */

/* What the ops reach: the rooms of a running daemon. Borrowed by the server. */
typedef struct ism_rpc_app {
    ism_store *store;
    ism_jobs *jobs;
    struct ism_catalog_set *catalogs; /* may be NULL until the catalog room is loaded */
    struct ism_eval_checks *checks;   /* may be NULL until the eval room is loaded */
    struct ism_signer *signer;        /* the installation's snapshot signing key */
    const char *data_dir;
    const char *snapshots_dir; /* where collections write their snapshot files */
    const char *files_dir;     /* evidence originals, content-addressed by SHA-256 */
    int64_t started_mono_ms;
    char started_iso[32];
    size_t max_msg;
    int contexts;
    int workers;
    int conn_per_address;             /* 0: ISM_RPC_DEFAULT_PER_ADDRESS */
    int conn_total;                   /* 0: ISM_RPC_DEFAULT_CONN_TOTAL */
    int conn_unauthenticated;         /* 0: ISM_RPC_DEFAULT_UNAUTHENTICATED */
    int64_t idle_timeout_ms;          /* 0: ISM_RPC_DEFAULT_IDLE_MS */
    size_t unauth_max_msg;            /* 0: ISM_RPC_DEFAULT_UNAUTH_MAX_MSG */
    struct ism_rpc_server *server;    /* set by ism_rpc_server_start before it serves, else NULL */
    struct ism_rpc_http_server *http; /* the HTTP gateway once it runs (for events), else NULL;
                                         set and read atomically */
    /* Hosts a collection's endpoint_url may name (config collect.endpoint_allow), NULL-terminated;
     * NULL or empty: no endpoint override at all. Only admins may override. */
    const char *const *collect_endpoint_allow;
    /* Remote collectors (ops collector.*): a claimed job goes back to the queue when its
     * collector sends no progress for this long; 0: ISM_RPC_DEFAULT_COLLECTOR_LEASE_S. */
    int collector_lease_s;
    /* The clock leases are measured with, in milliseconds; NULL: the wall clock. Tests inject
     * one. */
    int64_t (*collector_clock_ms)(void *ctx);
    void *collector_clock_ctx;
} ism_rpc_app;

#define ISM_RPC_DEFAULT_COLLECTOR_LEASE_S 60
/* Returns to the queue every zoned job whose collector's lease ended (ops_collector.c). The
 * collector ops do it on every call; the daemon also calls it about once a second so that a job
 * of a zone whose only collector went silent is requeued even when nobody calls. */
void ism_rpc_collectors_sweep(ism_rpc_app *app);

/* Who is calling: the local socket is trusted as admin of every organization; everyone else
 * is who their token says. */
typedef struct ism_rpc_caller {
    bool local;
    ism_role role;
    char org[128]; /* empty: all organizations */
    char token_id[64];
    char name[128]; /* the token's name, recorded as the author of judgments and papers; empty
                       for the local socket ("local") */
} ism_rpc_caller;

typedef struct ism_rpc_call {
    ism_rpc_app *app;
    const ism_rpc_caller *caller;
    /* An op whose result is already serialized (a cached reply) may, instead of setting
     * *result, hand its JSON text here, sent as it is; the dispatcher owns it from then on and
     * lets go of it with result_release, or free() when that is NULL. */
    char *result_text;
    void (*result_release)(char *text);
    const struct ism_op *op; /* the op being called (one handler may serve several names) */
} ism_rpc_call;

/* An op handler: params is borrowed (always an object); on success sets *result (new ref). */
typedef bool (*ism_op_fn)(ism_rpc_call *call, const json_t *params, json_t **result,
                          ism_error *err);

typedef struct ism_op {
    const char *name;
    ism_op_fn fn;
    int roles; /* ism_role bits allowed; admin always allowed */
    const char *summary;
} ism_op;

/* The op table (service/rpc/ops_table.c): look an op up by name, or visit every op. */
const ism_op *ism_rpc_find_op(const char *name);
void ism_rpc_foreach_op(void (*fn)(const ism_op *op, void *ctx), void *ctx);

/* Per-op schemas (service/rpc/op_schemas.c), JSON Schema 2020-12. The params and the result
 * schema of an op (new reference; NULL for a name that is no op). They point into the shared
 * shapes with "$ref": "#/components/schemas/<Name>": ism_rpc_schema_components returns those
 * as an object name -> schema (new reference). */
json_t *ism_rpc_op_params_schema(const char *op);
json_t *ism_rpc_op_result_schema(const char *op);
json_t *ism_rpc_schema_components(void);
/* Visits the op name of every schema row. */
void ism_rpc_foreach_op_schema(void (*fn)(const char *op, void *ctx), void *ctx);
/* Checks the schema table against the op table: every op has a row, every row names an op
 * (once), every text parses as a JSON object, every $ref names a component. Sets *problems to
 * an array of sentences (new reference, empty when true). */
bool ism_rpc_op_schemas_check(json_t **problems);

/* The OpenAPI 3.1 document of the HTTP API (the gateway's routes, every op of the table as
 * POST /api/v1/ops/<op> with its schemas), built from the tables at each call. server_url
 * (e.g. "https://ismap.example.jp:8443"; NULL or "": none) becomes servers[0]. New reference. */
json_t *ism_rpc_openapi(const char *server_url);

/* Handles one raw request and returns the reply text (malloc'd, caller frees). Never fails:
 * every problem becomes an error reply. `transport` says whether the message came over the
 * trusted local socket. */
char *ism_rpc_handle(ism_rpc_app *app, const char *msg, size_t len, bool local);
/* The same, and *authenticated says whether the caller proved who it is (a valid token, or the
 * local socket): the server lifts its unauthenticated-connection limit for that connection. */
char *ism_rpc_handle_auth(ism_rpc_app *app, const char *msg, size_t len, bool local,
                          bool *authenticated);

/* A reply in three parts whose concatenation head + body + tail is the reply text: for a result
 * the op kept serialized (a cached matrix, 1 MB and more), body is that text, borrowed from its
 * cache, so a transport copies the bytes once into its message instead of joining them first;
 * for every other reply head holds the whole text and body is empty. */
typedef struct ism_rpc_reply {
    char *head; /* malloc'd (NULL only when out of memory) */
    char *body; /* kept result text, or NULL; released by ism_rpc_reply_release */
    void (*body_release)(char *text);
    const char *tail; /* static text ("" or "}") */
} ism_rpc_reply;
/* ism_rpc_handle_auth, answering in parts (above): fills *out, which the caller lets go of
 * with ism_rpc_reply_release. */
void ism_rpc_handle_parts(ism_rpc_app *app, const char *msg, size_t len, bool local,
                          bool *authenticated, ism_rpc_reply *out);
void ism_rpc_reply_release(ism_rpc_reply *r);

/* Who a token belongs to (token NULL: only the trusted local socket, as admin of every org;
 * otherwise ISM_E_UNAUTHENTICATED). Fills *who. */
bool ism_rpc_authenticate(ism_rpc_app *app, bool local, const char *token, ism_rpc_caller *who,
                          ism_error *err);
/* A result already serialized by its op (a kept reply): the JSON text and how to let go of it
 * (NULL: free()). */
typedef struct ism_rpc_text {
    char *text;
    void (*release)(char *text);
} ism_rpc_text;
/* Lets go of t's text (if any) and clears it. */
void ism_rpc_text_release(ism_rpc_text *t);

/* Calls op `opname` for an authenticated caller: unknown op, role check, then the handler.
 * params is borrowed (NULL or a non-object counts as {}). On success either *result is a new
 * reference (json null when the op returns nothing), or — only when result_text is not NULL and
 * the op kept its reply serialized — *result is NULL and *result_text holds that JSON text (send
 * it as is, then ism_rpc_text_release). On failure err is set and neither is set. */
bool ism_rpc_call_op(ism_rpc_app *app, const ism_rpc_caller *who, const char *opname,
                     const json_t *params, json_t **result, ism_rpc_text *result_text,
                     ism_error *err);
/* The HTTP status an error code maps to (200 for ISM_OK; the table is in the HTTP contract). */
int ism_rpc_http_status(ism_code code);

/* ---- server ----------------------------------------------------------------------------- */
typedef struct ism_rpc_server ism_rpc_server;

typedef struct ism_rpc_listen {
    const char *url;      /* ipc://..., tls+tcp://host:port, tcp://127.0.0.1:port */
    const char *tls_cert; /* PEM certificate chain file, for tls+tcp */
    const char *tls_key;  /* PEM private key file, for tls+tcp */
    /* PEM CA file: when set, a tls+tcp client must present a certificate signed by it
     * (mutual TLS; config tls.client_ca). NULL: no client certificate asked for. */
    const char *tls_client_ca;
} ism_rpc_listen;

/* Gives nng's tls+tcp:// its TLS engine, over OpenSSL (service/rpc/tls_openssl.c: TLS 1.3 and
 * 1.2, ECDHE + AEAD suites only in 1.2, the server's name or IP address checked by a client). The
 * project's nng has none of its own (nng's default, Mbed TLS 2.28, has no TLS 1.3). Called before
 * making a TLS listener, dialer or configuration (the server and client do); idempotent, and safe
 * from any thread. Returns 0 or an nng error number. */
int ism_rpc_tls_engine(void);
/* First thing in main() of a process that may use TLS with nng threads running (ismapd, its
 * collector, ismapctl): OpenSSL is not torn down at exit. Its exit handler (OPENSSL_cleanup)
 * would run while nng's reaper may still be freeing a closed TLS connection — nng_close returns
 * once a pipe has left the socket, before its transport and TLS state are freed — and OpenSSL
 * documents cleanup beside threads still using it as undefined. The process's memory goes with
 * it anyway. Must come before anything else initializes OpenSSL (libcurl does). */
void ism_rpc_tls_process_init(void);

/* Checks a listen URL: ipc://, tls+tcp:// (needs cert and key) or tcp:// bound to loopback. */
bool ism_rpc_check_url(const ism_rpc_listen *l, ism_error *err);

/* Checks the events URL: only a local ipc:// socket (events carry every organization's job
 * events and need no token). */
bool ism_rpc_check_events_url(const char *url, ism_error *err);

/* Starts listening on every URL (the first ipc:// one is the trusted local socket, made 0600)
 * and publishing events on events_url. Serves app->contexts requests at once. Sets
 * app->server before the first request is served (NULL again if the start fails). */
ism_rpc_server *ism_rpc_server_start(ism_rpc_app *app, const ism_rpc_listen *listens, int n,
                                     const char *events_url, ism_error *err);
/* The connection governor's counters (remote connections only). */
typedef struct ism_rpc_conn_stats {
    uint64_t open;            /* remote connections now open */
    uint64_t admitted;        /* admitted since start */
    uint64_t refused;         /* refused by a limit */
    uint64_t timed_out;       /* closed for completing no request within the idle timeout */
    uint64_t unauthenticated; /* open ones that have not yet sent a valid token */
    uint64_t limit_per_address, limit_total, limit_unauthenticated;
    uint64_t unauthenticated_bytes_bound;   /* what they can make the daemon hold, at most */
    uint64_t unauthenticated_message_limit; /* what one of them may send */
} ism_rpc_conn_stats;
/* Copies the counters; false when srv is NULL. Thread-safe. */
bool ism_rpc_server_conn_stats(ism_rpc_server *srv, ism_rpc_conn_stats *out);
/* Publishes "<topic> <json>" on the PUB socket. Thread-safe; event is borrowed. */
void ism_rpc_publish(ism_rpc_server *srv, const char *topic, const json_t *event);
/* Stops accepting and waits for in-flight requests. */
void ism_rpc_server_stop(ism_rpc_server *srv);

/* ---- HTTP gateway ------------------------------------------------------------------------ */
/* The same op table over HTTP/1.1 (libmicrohttpd; TLS by GnuTLS): POST /api/v1/ops/{op} and the
 * routes in docs/http-api.md. Roles and organization scoping are the op table's. */
typedef struct ism_rpc_http_server ism_rpc_http_server;

/* One file of the web UI, embedded at build time (deploy/embed-web.cmake). */
typedef struct ism_rpc_web_file {
    const char *path;          /* relative to web/: "index.html", "assets/app.js" */
    const unsigned char *data; /* static */
    size_t len;
} ism_rpc_web_file;
/* The files embedded from web/ (index.html and everything under assets/); *n gets their count (0:
 * none, the UI was not built in, / answers 404). Static table; never freed. */
const ism_rpc_web_file *ism_rpc_web_files(size_t *n);

typedef struct ism_rpc_http_config {
    const char *listen;   /* https://HOST:PORT, or http://LOOPBACK:PORT; port 0 picks one */
    const char *tls_cert; /* PEM certificate chain file, for https */
    const char *tls_key;  /* PEM private key file, for https */
    int max_connections;  /* 0: ISM_RPC_HTTP_DEFAULT_CONNECTIONS */
    int per_address;      /* 0: ISM_RPC_HTTP_DEFAULT_PER_ADDRESS */
    int timeout_s;        /* idle/slow-client timeout; 0: ISM_RPC_HTTP_DEFAULT_TIMEOUT_S */
    int session_idle_s;   /* browser session idle expiry; 0: ISM_RPC_HTTP_DEFAULT_SESSION_IDLE_S */
    int session_absolute_s; /* browser session absolute expiry; 0: the default */
    /* The web UI files to serve at / and /assets/; NULL: the ones embedded at build time
     * (ism_rpc_web_files). Borrowed; must outlive the server. */
    const struct ism_rpc_web_file *web_files;
    size_t n_web_files;
} ism_rpc_http_config;

#define ISM_RPC_HTTP_DEFAULT_CONNECTIONS 256
#define ISM_RPC_HTTP_DEFAULT_PER_ADDRESS 32
#define ISM_RPC_HTTP_DEFAULT_TIMEOUT_S 30
#define ISM_RPC_HTTP_DEFAULT_SESSION_IDLE_S 1800
#define ISM_RPC_HTTP_DEFAULT_SESSION_ABSOLUTE_S 43200

/* Checks an HTTP listen URL: https:// (needs cert and key) or http:// on a loopback address. */
bool ism_rpc_http_check_url(const ism_rpc_http_config *cfg, ism_error *err);
/* Starts the gateway; app is borrowed and must outlive the server. NULL with err on failure. */
ism_rpc_http_server *ism_rpc_http_start(ism_rpc_app *app, const ism_rpc_http_config *cfg,
                                        ism_error *err);
/* Sends an event to the gateway's Server-Sent Events subscribers (GET /api/v1/events) whose
 * organization matches ev's "org" field (an event without one reaches only those who see every
 * organization). Never waits for a subscriber. srv may be NULL; ev is borrowed. Thread-safe. */
void ism_rpc_http_publish(ism_rpc_http_server *srv, const char *topic, const json_t *ev);
/* At most this many event subscribers at once, each holding at most this many unsent events. */
#define ISM_RPC_HTTP_MAX_SUBSCRIBERS 64
#define ISM_RPC_HTTP_EVENT_QUEUE 256
/* Publishes "matrix.changed" {"assessment", "org"} on the PUB socket and to the gateway's
 * subscribers, after a judgment or waiver changed. assessment may be NULL (an organization-wide
 * waiver); org is then the caller's. */
void ism_rpc_matrix_changed(const ism_rpc_call *call, const char *assessment);
/* The port actually bound (useful when the URL said port 0). */
int ism_rpc_http_port(const ism_rpc_http_server *srv);
/* Stops accepting, closes every connection and frees the server. NULL is allowed. */
void ism_rpc_http_stop(ism_rpc_http_server *srv);

/* ---- browser sessions (the HTTP gateway's cookie login) ---------------------------------- */
/* A table of live sessions, in memory only (sessions end when ismapd restarts). A session's id
 * is 256 random bits given to the browser once (the cookie); the table keeps only its SHA-256.
 * Each session remembers the API token it was opened with, so that the gateway re-verifies the
 * token on every use (a revoked token ends its sessions). Thread-safe. Time comes from `now`
 * (seconds; NULL: time(NULL)) so tests can move it. */
typedef int64_t (*ism_rpc_clock_fn)(void *ctx);
typedef struct ism_rpc_sessions ism_rpc_sessions;

typedef struct ism_rpc_session_info {
    ism_rpc_caller who;   /* as it was at login (the gateway refreshes it from the token) */
    char token[80];       /* the API token it was opened with (never logged) */
    char csrf[65];        /* the session's CSRF token (64 hex) */
    int64_t created;      /* clock seconds */
    int64_t expires_at;   /* absolute expiry, clock seconds */
    int64_t idle_expires; /* expiry if unused from now on */
} ism_rpc_session_info;

#define ISM_RPC_HTTP_MAX_SESSIONS 4096

/* idle_s and absolute_s > 0; max > 0 sessions (when full, expired ones go first, then the least
 * recently used one). NULL on allocation failure. */
ism_rpc_sessions *ism_rpc_sessions_new(int idle_s, int absolute_s, size_t max, ism_rpc_clock_fn now,
                                       void *now_ctx);
void ism_rpc_sessions_free(ism_rpc_sessions *s);
/* Opens a session for who (token: the API token it proved itself with). Writes the cookie value
 * (64 hex, given out once) to id_out and the session to *info (may be NULL). */
bool ism_rpc_sessions_create(ism_rpc_sessions *s, const ism_rpc_caller *who, const char *token,
                             char id_out[65], ism_rpc_session_info *info, ism_error *err);
/* Looks a cookie value up: a live session is touched (its idle expiry restarts) and copied to
 * *info; an unknown, idle-expired or absolutely-expired one is false (and removed). */
bool ism_rpc_sessions_get(ism_rpc_sessions *s, const char *id, ism_rpc_session_info *info);
/* Ends a session (logout); false when there was none. */
bool ism_rpc_sessions_revoke(ism_rpc_sessions *s, const char *id);
/* Ends every session opened with this API token id; returns how many. */
int ism_rpc_sessions_revoke_token(ism_rpc_sessions *s, const char *token_id);
/* Live sessions now. */
size_t ism_rpc_sessions_count(ism_rpc_sessions *s);

/* Login attempts per client address: after max_failures failed logins within window_s seconds
 * an address is refused until that window ends. At most max_addresses are tracked (the oldest
 * window is forgotten first). Thread-safe; clock as above. */
typedef struct ism_rpc_login_limit ism_rpc_login_limit;
#define ISM_RPC_LOGIN_MAX_FAILURES 10
#define ISM_RPC_LOGIN_WINDOW_S 60

ism_rpc_login_limit *ism_rpc_login_limit_new(int max_failures, int window_s, size_t max_addresses,
                                             ism_rpc_clock_fn now, void *now_ctx);
void ism_rpc_login_limit_free(ism_rpc_login_limit *l);
/* 0 when addr may try to log in now; otherwise the seconds until it may (for Retry-After). */
int ism_rpc_login_limit_check(ism_rpc_login_limit *l, const char *addr);
/* Counts a failed login from addr. */
void ism_rpc_login_limit_fail(ism_rpc_login_limit *l, const char *addr);

/* ---- client ----------------------------------------------------------------------------- */
typedef struct ism_rpc_client ism_rpc_client;

/* Connects (synchronously, with a timeout) to url: ipc://, tls+tcp://, tcp:// (nng), or the
 * HTTP gateway at https:// (or http:// on loopback), connected on the first call; ca_file
 * verifies a tls+tcp or https server. */
ism_rpc_client *ism_rpc_client_open(const char *url, const char *ca_file, int timeout_ms,
                                    ism_error *err);
/* The same, presenting a client certificate (PEM files cert_file and key_file; both or
 * neither) to a tls+tcp:// server that requires one (config tls.client_ca). */
ism_rpc_client *ism_rpc_client_open_tls(const char *url, const char *ca_file, const char *cert_file,
                                        const char *key_file, int timeout_ms, ism_error *err);
void ism_rpc_client_close(ism_rpc_client *c);
/* Sends one request (params borrowed, may be NULL) and waits for the reply envelope (*reply,
 * new reference). Returns false
 * only on transport errors (ISM_E_UNAVAILABLE / ISM_E_TIMEOUT); an error reply is a reply. */
bool ism_rpc_client_call(ism_rpc_client *c, const char *op, json_t *params, const char *token,
                         json_t **reply, ism_error *err);
/* Sends raw bytes (for tests of malformed input) and returns the raw reply (malloc'd). */
char *ism_rpc_client_raw(ism_rpc_client *c, const void *buf, size_t len, size_t *reply_len,
                         ism_error *err);

#endif
