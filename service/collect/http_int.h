/* http_int.h — the HTTP engine's internals, shared by http.c (queue and run loop),
 * http_attempt.c (one libcurl transfer), http_bucket.c and http_policy.c. */
#ifndef ISMAP_HTTP_INT_H
#define ISMAP_HTTP_INT_H

#include "ismap/collect.h"
#include "internal.h"

#include <curl/curl.h>
#include <stdatomic.h>

/* ---- token buckets ---- */
typedef struct http_bucket {
    char *key;
    ism_rate_bucket rb;
} http_bucket;

typedef struct http_buckets {
    http_bucket *v;
    size_t n, cap;
    json_t *index; /* key -> index in v */
    double dflt_capacity, dflt_refill;
} http_buckets;

/* The bucket for key (created from the defaults on first use); NULL when the key is unlimited. */
http_bucket *ism_http_buckets_get(http_buckets *bs, const char *key, int64_t now);
bool ism_http_buckets_set(http_buckets *bs, const char *key, double capacity, double refill,
                          int64_t now);
void ism_http_buckets_free(http_buckets *bs);

/* ---- URL policy ---- */
/* Checks scheme and host against the http/loopback rule; fills "scheme://host:port" (the
 * per-host limit's key) and the path (for logs: no query, which can carry signatures). */
bool ism_http_url_check(const char *url, bool allow_http_loopback, char *hostkey, size_t hk_size,
                        char **path, ism_error *err);

/* ---- jobs ---- */
typedef struct http_job {
    struct http_job *next;
    char *method, *url, *label, *rate_key, *hostkey, *log_path;
    ism_http_headers headers;
    char *body;
    size_t body_len;
    int timeout_ms, max_attempts;
    ism_http_admit_fn admit;
    void *admit_arg;
    bool bucket_paid; /* the current attempt took its rate_key token (the admit hook refused) */
    ism_http_signer_fn signer;
    void *signer_arg;
    ism_http_classify_fn classify;
    void *classify_arg;
    ism_http_done_fn done;
    void *done_arg;

    int sent;         /* attempts sent */
    int throttles;    /* of which answered throttled */
    int skew_retried; /* 1 once the request was retried for clock skew */
    int64_t submitted_ms, ready_ms, started_ms;
    int64_t busy_ms, busy_last_ms; /* time in flight: all attempts, the last one */
    /* the current (or last) attempt */
    CURL *easy;
    struct curl_slist *slist;
    ism_http_headers sent_headers;
    ism_cbuf resp;
    ism_http_headers resp_headers;
    size_t resp_header_bytes, body_cap;
    bool too_big;
    long status;
    CURLcode rc;
    ism_http_class cls;
    ism_error local; /* why it ended here (signer, cancel) */
    char errbuf[CURL_ERROR_SIZE];
} http_job;

typedef struct host_slot {
    char *key;
    int active;
} host_slot;

struct ism_http_engine {
    ism_http_config cfg;
    char *ca_file, *ca_path, *user_agent;
    CURLM *multi;
    http_job *pending, *pending_tail, *active;
    int n_active;
    host_slot *hosts;
    size_t n_hosts, cap_hosts;
    http_buckets buckets;
    ism_http_stats stats;
    atomic_bool cancel;
    bool running;
    int64_t skew_s; /* server time minus ours, from the last clock-skew answer */
};

/* The engine's clock. */
int64_t ism_http_clock_now(const ism_http_engine *e);
/* The wall clock (seconds since the epoch), before the skew correction. */
int64_t ism_http_wall_s(const ism_http_engine *e);

/* http_attempt.c: prepares the libcurl handle for j's next attempt (signer included).
 * False with j->local set when it cannot be sent. */
bool ism_http_attempt_prepare(ism_http_engine *e, http_job *j);
/* Classifies a finished transfer (before the request's own classifier). */
ism_http_class ism_http_attempt_classify(const http_job *j);
/* True when the class and libcurl code are worth another attempt. */
bool ism_http_attempt_retryable(const http_job *j);
/* How long to wait before the next attempt: backoff with full jitter, Retry-After honoured. */
int64_t ism_http_retry_delay(const ism_http_engine *e, const http_job *j);
/* Fills the result view of j's last attempt (borrowed pointers into j). */
void ism_http_result_view(const http_job *j, ism_http_result *r, int64_t now);
/* Sets r->err from the final class. */
void ism_http_result_error(const ism_http_engine *e, const http_job *j, ism_http_result *r);
/* Frees the response of the last attempt (before a retry). */
void ism_http_attempt_reset(http_job *j);

#endif
