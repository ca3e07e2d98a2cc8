/* collect.h — the collect room: the HTTP engine every provider collector sends its calls through.
 *
 * The engine is a queue in front of libcurl's multi interface. Collectors submit requests, each
 * with a completion callback and an optional signer that runs right before every attempt (so a
 * retry carries a fresh timestamp and, if the credentials were refreshed, the new ones), then call
 * ism_http_run() until the queue drains. Callbacks may submit more requests (the next page).
 *
 * What the engine guarantees:
 *  - at most `max_in_flight` transfers overall and `max_per_host` per scheme://host:port;
 *    connections are kept and reused across requests (libcurl's connection cache);
 *  - one token per attempt, retries included, from the request's token bucket (keyed
 *    "account/region/service" or anything the collector chooses) and/or its admit hook; the
 *    buckets adapt like the AWS SDKs' adaptive retry mode (see ism_rate_bucket below);
 *  - retries with exponential backoff and full jitter for what the AWS SDKs retry: throttling,
 *    HTTP 500/502/503/504 (and transient codes a classifier maps to server_error), connection
 *    errors; never 501 or another 4xx/5xx; never sooner than a Retry-After header asks (clamped
 *    to retry_after_max_ms). Throttled attempts do not count against max_attempts (a call is
 *    never lost to throttling alone); throttle_attempt_limit bounds them, and reaching it is
 *    logged at error level and counted (ism_http_stats.throttle_limit_hits);
 *  - time from an injectable clock (ism_http_config.clock), so backoff and bucket logic can be
 *    tested without sleeping;
 *  - TLS peer and host verification always on (the CA bundle is configurable, never the checks);
 *  - plain http:// only to a loopback host (127.0.0.0/8, ::1, localhost) and only when the
 *    operator explicitly configured such an endpoint (allow_http_loopback); anything else over
 *    http is refused at submit time;
 *  - a cap on every response body (max_body);
 *  - nothing secret in the logs: request headers (Authorization, tokens) and query strings
 *    (presigned URLs carry signatures) are never logged, only method, host, path and outcome.
 *
 * Proxies: libcurl honours http_proxy / https_proxy / no_proxy (and the upper-case forms) from the
 * environment; the engine keeps that. When a proxy is set and you point the engine at a local
 * emulator, add it to NO_PROXY (e.g. NO_PROXY=127.0.0.1,localhost,::1), or the proxy will be
 * asked to reach *its own* loopback.
 *
 * Threads: an engine belongs to one thread. Submit and run from that thread (callbacks run on it
 * too); only ism_http_cancel() may be called from another thread. */
#ifndef ISMAP_COLLECT_H
#define ISMAP_COLLECT_H

#include "ismap/core.h"

#include <stdint.h>

/* ---- adaptive token buckets ---------------------------------------------------------------- */
/* A token bucket whose refill rate adapts to throttling the way the AWS SDKs' adaptive retry mode
 * does (CUBIC): on a throttled answer the rate drops to 0.7 x min(measured send rate, current
 * rate) (at most one cut per second: a burst of answers to the same overload is one signal), then
 * grows back along a cubic curve towards, and past, the rate at which it was throttled, never
 * above the configured rate nor below 0.5/s. The measured send rate is smoothed over half-second
 * windows. Times are monotonic milliseconds supplied by the caller, so it is deterministic.
 * Plain data: no allocation, nothing to free. */
typedef struct ism_rate_bucket {
    double capacity; /* burst */
    double max_rate; /* the configured (published) refill rate, tokens/s */
    double rate;     /* the current refill rate */
    double tokens;
    int64_t last_ms; /* last refill */
    /* adaptation */
    double measured_rate, last_max_rate, k;
    int64_t measure_window_ms, last_throttle_ms;
    int measure_count;
    bool throttled_once;
    uint64_t taken; /* tokens taken since init */
} ism_rate_bucket;

void ism_rate_bucket_init(ism_rate_bucket *b, double capacity, double rate, int64_t now_ms);
/* ms until a token is there (0: now). Takes nothing. */
int64_t ism_rate_bucket_wait(ism_rate_bucket *b, int64_t now_ms);
/* Takes one token when there is one (true); otherwise *wait_ms (may be NULL) says when. */
bool ism_rate_bucket_take(ism_rate_bucket *b, int64_t now_ms, int64_t *wait_ms);
/* An answered attempt: throttled or not. Adapts the rate as described above. */
void ism_rate_bucket_feedback(ism_rate_bucket *b, bool throttled, int64_t now_ms);

/* ---- which bucket sends next ------------------------------------------------------------ */
/* A scheduler over many token buckets with calls queued (ids 0, 1, 2, ... as the caller numbers
 * its buckets), for a caller that has one free slot at a time to give. It keeps buckets whose
 * token is there ("due") apart from those waiting for one, and hands out the due bucket with the
 * most work queued at its rate (queued calls / tokens per second: the longest pole of the
 * collection first), ties in the order they fell due. Serving the longest pole first is what
 * keeps a collection at its slowest bucket's pace: a round-robin over hundreds of buckets makes
 * the one bucket that bounds the run wait behind all the others for every token.
 * Times are caller-supplied milliseconds, so it is deterministic. A zeroed struct is empty;
 * ism_rate_sched_free releases it. */
typedef struct ism_rate_sched_entry {
    int queued;     /* calls queued; 0: not in the scheduler */
    int where, pos; /* which heap (0 none, 1 due, 2 waiting) and the position in it */
    double work;    /* queued / rate */
    uint64_t seq;   /* when it fell due */
    int64_t due_ms; /* waiting: when its token is there */
} ism_rate_sched_entry;

typedef struct ism_rate_sched {
    ism_rate_sched_entry *e;
    int n, cap;
    int *due, ndue, capdue;    /* max-heap on (work, -seq) */
    int *wait, nwait, capwait; /* min-heap on due_ms */
    uint64_t seq;
} ism_rate_sched;

/* Bucket `id` has `queued` calls waiting, refilled at `rate` tokens/s, and its next token is
 * there in `wait_ms` (ism_rate_bucket_wait; 0: now). queued 0 takes it out. Replaces what was
 * said before about the bucket. False when out of memory. */
bool ism_rate_sched_set(ism_rate_sched *s, int id, int queued, double rate, int64_t wait_ms,
                        int64_t now_ms);
/* Takes the bucket to send from next out of the scheduler and returns it: the due bucket with
 * the most work (waiting buckets whose time has come count as due); -1 when none is due.
 * The caller takes its token (checking it is still there: a throttled answer may have slowed
 * the bucket) and sets the bucket again with what it has left. */
int ism_rate_sched_next(ism_rate_sched *s, int64_t now_ms);
/* Ms until a bucket is due: 0 when one is, -1 when the scheduler is empty. */
int64_t ism_rate_sched_due_in(const ism_rate_sched *s, int64_t now_ms);
void ism_rate_sched_free(ism_rate_sched *s);

/* ---- header lists ---------------------------------------------------------------------- */
/* An ordered list of headers; names keep the case they were given. Lookups ignore case.
 * The list owns every name and value. A zeroed struct is an empty list. */
typedef struct ism_http_header {
    char *name;
    char *value;
} ism_http_header;

typedef struct ism_http_headers {
    ism_http_header *v;
    size_t n, cap;
} ism_http_headers;

/* Appends a copy of name/value (duplicates allowed: they are separate header lines).
 * False on allocation failure. */
bool ism_http_headers_add(ism_http_headers *h, const char *name, const char *value);
/* Removes every header called `name`, then appends one. */
bool ism_http_headers_set(ism_http_headers *h, const char *name, const char *value);
/* Removes every header called `name`. */
void ism_http_headers_remove(ism_http_headers *h, const char *name);
/* The first value of `name`, borrowed from the list; NULL when absent. */
const char *ism_http_headers_get(const ism_http_headers *h, const char *name);
/* Appends copies of all of src's headers to dst. */
bool ism_http_headers_append(ism_http_headers *dst, const ism_http_headers *src);
/* Frees all entries and leaves an empty list. */
void ism_http_headers_clear(ism_http_headers *h);

/* ---- outcomes ------------------------------------------------------------------------- */
typedef enum ism_http_class {
    ISM_HTTP_OK = 0,           /* 2xx */
    ISM_HTTP_CLIENT_ERROR,     /* 3xx (redirects are never followed) and 4xx: not retried */
    ISM_HTTP_THROTTLED,        /* 429, or a provider's throttling code: retried, slows the bucket */
    ISM_HTTP_SERVER_ERROR,     /* 5xx, or a provider's transient code: retried, except a 5xx
                                  other than 500/502/503/504 (501 NotImplemented, 505, ...) */
    ISM_HTTP_CONNECTION_ERROR, /* DNS, connect, reset, empty reply, timeout: retried; TLS
                                  verification failures are in this class but not retried */
    ISM_HTTP_LOCAL_ERROR,      /* failed here: body over the cap, signer failed, cancelled */
    ISM_HTTP_CLOCK_SKEW,       /* a classifier's answer only, never a final class: refused for
                                  clock skew (AWS's RequestTimeTooSkewed, ...). The engine takes
                                  the server's time from the answer's Date header, corrects its
                                  signing clock (ism_http_clock_skew_s) and retries once at once,
                                  re-signed; a second refusal ends as client_error */
} ism_http_class;

/* "ok", "client_error", "throttled", "server_error", "connection_error", "local_error",
 * "clock_skew". */
const char *ism_http_class_name(ism_http_class c);

/* What a completion callback (and a classifier) sees. Everything is borrowed and valid only
 * during the callback, except that the body may be taken over with ism_http_result_take_body. */
typedef struct ism_http_result {
    const char *label;               /* the request's label ("" when none) */
    void *user;                      /* the request's done_arg */
    long status;                     /* HTTP status of the last attempt; 0 when none arrived */
    ism_http_class cls;              /* final classification */
    int attempts;                    /* attempts sent (a signer failure counts as none) */
    int64_t latency_ms;              /* submit to completion, waits included */
    int64_t attempt_ms;              /* the last attempt alone */
    int64_t waited_ms;               /* time queued: backoff, Retry-After, buckets, free slots */
    const ism_http_headers *headers; /* response headers of the last attempt */
    const char *request_id;          /* x-amzn-RequestId, x-amz-request-id, x-ms-request-id,
                                        opc-request-id or x-request-id; "" when none */
    char *body;                      /* NUL-terminated (the NUL is not counted in body_len) */
    size_t body_len;
    ism_error err; /* ISM_OK when cls is ISM_HTTP_OK; otherwise why: ISM_E_UPSTREAM
                      (HTTP error, connection), ISM_E_TIMEOUT, ISM_E_TOO_LARGE,
                      ISM_E_CANCELLED, or the signer's error */
} ism_http_result;

/* Takes ownership of the body (caller frees); the result's body becomes NULL. */
char *ism_http_result_take_body(ism_http_result *res, size_t *len);

/* ---- requests -------------------------------------------------------------------------- */
/* One attempt, as handed to the signer: a fresh copy of the request's headers that the signer
 * adds to (ism_http_headers_set). The method, URL and body must not be changed. */
typedef struct ism_http_attempt {
    const char *method;
    const char *url;
    const void *body;
    size_t body_len;
    ism_http_headers *headers;
    int attempt;         /* 1 for the first */
    int64_t sign_time_s; /* the time to sign at, seconds since the epoch: the engine's wall
                            clock corrected by the skew a server's Date header showed */
} ism_http_attempt;

/* Signs (or otherwise authenticates) one attempt. Returning false (err set) ends the request with
 * ISM_HTTP_LOCAL_ERROR and that error; it is not retried. */
typedef bool (*ism_http_signer_fn)(ism_http_attempt *a, void *arg, ism_error *err);
/* Refines the engine's classification of an answered attempt (e.g. a 400 whose body says
 * "Throttling"). `res` is as the completion callback would see it; return the class to use. */
typedef ism_http_class (*ism_http_classify_fn)(const ism_http_result *res, ism_http_class dflt,
                                               void *arg);
/* Admission of one attempt (every attempt, retries included; `attempt` is 1 for the first):
 * return 0 when it may be sent now — having taken whatever it needs, e.g. a token from the
 * caller's own bucket — or the milliseconds until asking again is worthwhile. */
typedef int64_t (*ism_http_admit_fn)(int attempt, int64_t now_ms, void *arg);
/* Called once per request, on the thread running ism_http_run (or ism_http_engine_free). */
typedef void (*ism_http_done_fn)(ism_http_result *res, void *arg);

typedef struct ism_http_request {
    const char *method;              /* "GET", "POST", "PUT", "DELETE", "HEAD" (copied) */
    const char *url;                 /* absolute http(s) URL, query already encoded (copied) */
    const ism_http_headers *headers; /* extra request headers (copied); may be NULL */
    const void *body;                /* request body (copied); may be NULL */
    size_t body_len;
    const char *rate_key;    /* token bucket to draw from; NULL = none (copied) */
    const char *label;       /* for logs and results, e.g. "ec2:DescribeInstances" (copied) */
    int timeout_ms;          /* per attempt; 0 = the engine's */
    int max_attempts;        /* 0 = the engine's (throttled attempts not counted) */
    ism_http_admit_fn admit; /* may be NULL; runs after the rate_key bucket admitted */
    void *admit_arg;
    ism_http_signer_fn signer;     /* may be NULL */
    void *signer_arg;              /* must outlive the request */
    ism_http_classify_fn classify; /* may be NULL */
    void *classify_arg;
    ism_http_done_fn done; /* required */
    void *done_arg;
} ism_http_request;

/* ---- the engine ------------------------------------------------------------------------- */
/* Where the engine's time comes from. now_ms: monotonic milliseconds. sleep_ms: called instead of
 * waiting on the network when nothing is in flight and the engine only waits for time (a
 * backoff, a bucket); a test clock advances its time there. Both NULL = the real clock.
 * wall_s: seconds since the epoch, the time requests are signed at (before the skew
 * correction); NULL = time(NULL). */
typedef struct ism_http_clock {
    int64_t (*now_ms)(void *arg);
    void (*sleep_ms)(void *arg, int64_t ms);
    void *arg;
    int64_t (*wall_s)(void *arg);
} ism_http_clock;

/* Called on every turn of the run loop (on its thread): the owner may submit more work there.
 * Returns the ms until it wants to be called again at the latest, or -1. */
typedef int64_t (*ism_http_tick_fn)(void *arg);

/* Every field has a default used when it is 0 / NULL / false, so `(ism_http_config){0}` works. */
typedef struct ism_http_config {
    int max_in_flight;          /* transfers at once, all hosts (16) */
    int max_per_host;           /* transfers at once per scheme://host:port (6) */
    int max_attempts;           /* attempts per request, the first included, throttled ones not
                                   counted (5, botocore's default "legacy" mode; its
                                   "standard" mode uses 3) */
    int throttle_attempt_limit; /* safety bound on all attempts of a request, throttled ones
                                   included (50); hitting it is logged at error level */
    int backoff_base_ms;        /* the first retry waits up to this (200) */
    int backoff_max_ms;         /* cap of the exponential backoff (20000) */
    int retry_after_max_ms;     /* longer Retry-After values are clamped to this (60000) */
    int timeout_ms;             /* per attempt, the whole transfer (60000) */
    int connect_timeout_ms;     /* (10000) */
    size_t max_body;            /* response body cap in bytes (64 MiB) */
    double bucket_capacity;     /* default bucket for keys not set with ism_http_bucket_set: */
    double bucket_refill;       /*   capacity and tokens/second; 0 = no default bucket */
    const char *ca_file;        /* PEM CA bundle; NULL = libcurl's default (copied) */
    const char *ca_path;        /* directory of hashed CA certificates; NULL = default (copied) */
    const char *user_agent;     /* NULL = "ismap-assess/<version>" (copied) */
    bool allow_http_loopback;   /* permit http:// to 127.0.0.0/8, ::1, localhost: set only when
                                   the operator gave such an endpoint (an emulator, a test) */
    bool no_jitter;             /* backoff without jitter: for tests and benchmarks only */
    ism_http_clock clock;       /* time source; zero = the real monotonic clock */
    ism_http_tick_fn tick;      /* may be NULL */
    void *tick_arg;
} ism_http_config;

typedef struct ism_http_engine ism_http_engine;

/* NULL with err set when libcurl cannot be initialised. Free with ism_http_engine_free. */
ism_http_engine *ism_http_engine_new(const ism_http_config *cfg, ism_error *err);
/* Completes every request still queued with ISM_E_CANCELLED (callbacks run), then frees. */
void ism_http_engine_free(ism_http_engine *e);

/* Sets (or replaces) the token bucket for `key`: `capacity` tokens, refilled at `refill` per
 * second; it starts full. capacity <= 0 removes the limit for that key. */
bool ism_http_bucket_set(ism_http_engine *e, const char *key, double capacity, double refill,
                         ism_error *err);
/* The bucket's current refill rate (tokens/second) after adaptation; -1 when the key has none. */
double ism_http_bucket_rate(ism_http_engine *e, const char *key);
/* Tokens the bucket has handed out; 0 when the key has none. */
uint64_t ism_http_bucket_taken(ism_http_engine *e, const char *key);
/* The engine's clock (monotonic ms). */
int64_t ism_http_now(const ism_http_engine *e);
/* The correction added to the wall clock for signing: the server's time (its Date header) minus
 * ours, as measured on the last answer classified ISM_HTTP_CLOCK_SKEW; 0 until one came. It
 * applies to every later attempt of the engine, as the AWS SDKs keep one offset per client. */
int64_t ism_http_clock_skew_s(const ism_http_engine *e);

/* Queues a request. False (err set, nothing queued, callback not called) when the request is
 * malformed (ISM_E_INVALID_PARAMS) or refused by policy (ISM_E_CONFIG: a scheme other than
 * https, or http:// to a non-loopback host or without allow_http_loopback). */
bool ism_http_submit(ism_http_engine *e, const ism_http_request *req, ism_error *err);

/* Runs until every queued request (including those submitted by callbacks) has completed.
 * False with ISM_E_CANCELLED when ism_http_cancel stopped it (every request still completed,
 * with ISM_E_CANCELLED), or ISM_E_INTERNAL when libcurl fails. Not reentrant. */
bool ism_http_run(ism_http_engine *e, ism_error *err);

/* Thread-safe: makes the current (or the next) run complete every queued and in-flight request
 * with ISM_E_CANCELLED and return. */
void ism_http_cancel(ism_http_engine *e);

/* Counters since the engine was created, for benchmarks and the calls table. */
typedef struct ism_http_stats {
    uint64_t requests;            /* submitted */
    uint64_t completed;           /* callbacks run */
    uint64_t calls;               /* attempts sent */
    uint64_t retries;             /* attempts that were retries */
    uint64_t admitted;            /* attempts that took a token (rate_key bucket or admit hook) */
    uint64_t throttle_limit_hits; /* requests that ended at throttle_attempt_limit */
    uint64_t ok;                  /* attempts answered 2xx */
    uint64_t throttled;           /* attempts answered with throttling */
    uint64_t server_errors;       /* attempts answered 5xx / transient */
    uint64_t client_errors;       /* attempts answered 3xx/4xx */
    uint64_t connection_errors;   /* attempts that got no answer */
    uint64_t local_errors;        /* requests ended here (cap, signer, cancel) */
    uint64_t bytes_in;            /* response body bytes */
    uint64_t busy_ms;             /* time in flight, summed over attempts (its mean per attempt
                                     is the answer time the engine actually saw) */
    int max_in_flight_seen;       /* highest number of transfers at once */
} ism_http_stats;

void ism_http_stats_get(const ism_http_engine *e, ism_http_stats *out);

/* True when `host` (as in a URL: "127.0.0.1", "[::1]", "localhost") is a loopback name. */
bool ism_http_is_loopback_host(const char *host);

#endif
