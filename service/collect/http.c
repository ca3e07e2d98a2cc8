/* http.c — the HTTP engine's queue and run loop over libcurl multi: admission (overall and
 * per-host slots, token buckets, backoff deadlines), completion, retries and cancellation. */
#include "http_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *ism_http_class_name(ism_http_class c)
{
    static const char *const names[] = {"ok",           "client_error",     "throttled",
                                        "server_error", "connection_error", "local_error",
                                        "clock_skew"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "unknown";
}

char *ism_http_result_take_body(ism_http_result *res, size_t *len)
{
    char *b = res->body;
    if (len) *len = res->body_len;
    res->body = NULL;
    res->body_len = 0;
    return b;
}

static void apply_defaults(ism_http_config *c)
{
#define DFLT(field, v)                                                                             \
    if (c->field <= 0) c->field = (v)
    DFLT(max_in_flight, 16);
    DFLT(max_per_host, 6);
    DFLT(max_attempts, 5);
    DFLT(throttle_attempt_limit, 50);
    DFLT(backoff_base_ms, 200);
    DFLT(backoff_max_ms, 20000);
    DFLT(retry_after_max_ms, 60000);
    DFLT(timeout_ms, 60000);
    DFLT(connect_timeout_ms, 10000);
    DFLT(max_body, (size_t)64 << 20);
#undef DFLT
}

static char *dup_opt(const char *s, bool *ok)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d) *ok = false;
    return d;
}

ism_http_engine *ism_http_engine_new(const ism_http_config *cfg, ism_error *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        ism_error_set(err, ISM_E_INTERNAL, "libcurl: %s", curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    ism_http_engine *e = calloc(1, sizeof *e);
    if (!e) {
        ism_error_set(err, ISM_E_INTERNAL, "cannot create the HTTP engine (out of memory)");
        return NULL;
    }
    e->cfg = cfg ? *cfg : (ism_http_config){0};
    apply_defaults(&e->cfg);
    bool ok = true;
    e->ca_file = dup_opt(e->cfg.ca_file, &ok);
    e->ca_path = dup_opt(e->cfg.ca_path, &ok);
    e->user_agent = e->cfg.user_agent ? dup_opt(e->cfg.user_agent, &ok)
                                      : ism_strdupf("ismap-assess/%s", ISM_VERSION);
    e->cfg.ca_file = e->cfg.ca_path = e->cfg.user_agent = NULL; /* the copies are used */
    e->buckets.dflt_capacity = e->cfg.bucket_capacity;
    e->buckets.dflt_refill = e->cfg.bucket_refill;
    atomic_init(&e->cancel, false);
    e->multi = curl_multi_init();
    if (!ok || !e->user_agent || !e->multi) {
        ism_error_set(err, ISM_E_INTERNAL, "cannot create the HTTP engine (out of memory)");
        ism_http_engine_free(e);
        return NULL;
    }
    /* Connections beyond our own admission limits would only sit idle. */
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)e->cfg.max_per_host);
    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)e->cfg.max_in_flight);
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->cfg.max_in_flight * 2);
    return e;
}

int64_t ism_http_clock_now(const ism_http_engine *e)
{
    return e->cfg.clock.now_ms ? e->cfg.clock.now_ms(e->cfg.clock.arg) : ism_mono_ms();
}

int64_t ism_http_now(const ism_http_engine *e)
{
    return ism_http_clock_now(e);
}

int64_t ism_http_wall_s(const ism_http_engine *e)
{
    return e->cfg.clock.wall_s ? e->cfg.clock.wall_s(e->cfg.clock.arg) : (int64_t)time(NULL);
}

int64_t ism_http_clock_skew_s(const ism_http_engine *e)
{
    return e->skew_s;
}

bool ism_http_bucket_set(ism_http_engine *e, const char *key, double capacity, double refill,
                         ism_error *err)
{
    if (!key) return ism_error_set(err, ISM_E_INVALID_PARAMS, "bucket key is required");
    if (!ism_http_buckets_set(&e->buckets, key, capacity, refill, ism_http_clock_now(e)))
        return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    return true;
}

double ism_http_bucket_rate(ism_http_engine *e, const char *key)
{
    http_bucket *b = ism_http_buckets_get(&e->buckets, key, ism_http_clock_now(e));
    return b ? b->rb.rate : -1;
}

uint64_t ism_http_bucket_taken(ism_http_engine *e, const char *key)
{
    http_bucket *b = ism_http_buckets_get(&e->buckets, key, ism_http_clock_now(e));
    return b ? b->rb.taken : 0;
}

void ism_http_stats_get(const ism_http_engine *e, ism_http_stats *out)
{
    *out = e->stats;
}

void ism_http_cancel(ism_http_engine *e)
{
    atomic_store(&e->cancel, true);
    curl_multi_wakeup(e->multi);
}

static void job_free(http_job *j)
{
    free(j->method);
    free(j->url);
    free(j->label);
    free(j->rate_key);
    free(j->hostkey);
    free(j->log_path);
    free(j->body);
    ism_http_headers_clear(&j->headers);
    ism_http_headers_clear(&j->sent_headers);
    ism_http_attempt_reset(j);
    ism_error_clear(&j->local);
    curl_slist_free_all(j->slist); /* set only when an attempt failed to start */
    free(j);
}

static bool job_copy(http_job *j, const ism_http_request *req)
{
    j->method = strdup(req->method);
    j->url = strdup(req->url);
    j->label = strdup(req->label ? req->label : "");
    j->rate_key = req->rate_key ? strdup(req->rate_key) : NULL;
    if (req->body_len) {
        j->body = malloc(req->body_len);
        if (j->body) memcpy(j->body, req->body, req->body_len);
    }
    j->body_len = req->body_len;
    return j->method && j->url && j->label && (!req->rate_key || j->rate_key) &&
           (!req->body_len || j->body) && ism_http_headers_append(&j->headers, req->headers);
}

static void pending_push(ism_http_engine *e, http_job *j)
{
    j->next = NULL;
    if (e->pending_tail)
        e->pending_tail->next = j;
    else
        e->pending = j;
    e->pending_tail = j;
}

bool ism_http_submit(ism_http_engine *e, const ism_http_request *req, ism_error *err)
{
    if (!req || !req->method || !*req->method || !req->url || !req->done ||
        (req->body_len && !req->body))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "an HTTP request needs a method, a URL and a done callback");
    char hostkey[1024], *path = NULL;
    if (!ism_http_url_check(req->url, e->cfg.allow_http_loopback, hostkey, sizeof hostkey, &path,
                            err))
        return false;
    http_job *j = calloc(1, sizeof *j);
    if (!j || !job_copy(j, req) || !(j->hostkey = strdup(hostkey))) {
        free(path);
        if (j) job_free(j);
        return ism_error_set(err, ISM_E_INTERNAL, "out of memory queueing a request");
    }
    j->log_path = path;
    j->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : e->cfg.timeout_ms;
    j->max_attempts = req->max_attempts > 0 ? req->max_attempts : e->cfg.max_attempts;
    j->admit = req->admit;
    j->admit_arg = req->admit_arg;
    j->signer = req->signer;
    j->signer_arg = req->signer_arg;
    j->classify = req->classify;
    j->classify_arg = req->classify_arg;
    j->done = req->done;
    j->done_arg = req->done_arg;
    j->submitted_ms = j->ready_ms = ism_http_clock_now(e);
    pending_push(e, j);
    e->stats.requests++;
    return true;
}

static host_slot *host_get(ism_http_engine *e, const char *key)
{
    for (size_t i = 0; i < e->n_hosts; i++)
        if (strcmp(e->hosts[i].key, key) == 0) return &e->hosts[i];
    if (e->n_hosts == e->cap_hosts) {
        size_t cap = e->cap_hosts ? e->cap_hosts * 2 : 8;
        host_slot *v = realloc(e->hosts, cap * sizeof *v);
        if (!v) return NULL;
        e->hosts = v;
        e->cap_hosts = cap;
    }
    char *k = strdup(key);
    if (!k) return NULL;
    e->hosts[e->n_hosts] = (host_slot){k, 0};
    return &e->hosts[e->n_hosts++];
}

/* Runs the callback with the final result, then frees the job. */
static void complete(ism_http_engine *e, http_job *j)
{
    ism_http_result r;
    int64_t now = ism_http_clock_now(e);
    ism_http_result_view(j, &r, now);
    ism_http_result_error(e, j, &r);
    /* The callback may keep the body (ism_http_result_take_body). */
    r.body = ism_cbuf_take(&j->resp);
    if (!r.body) r.body_len = 0;
    if (j->cls == ISM_HTTP_LOCAL_ERROR) e->stats.local_errors++;
    e->stats.completed++;
    ism_logj(ISM_LOG_DEBUG, "http.done",
             json_pack("{s:s, s:s, s:i, s:s, s:i, s:I}", "label", r.label, "host", j->hostkey,
                       "status", (int)r.status, "class", ism_http_class_name(r.cls), "attempts",
                       r.attempts, "ms", (json_int_t)r.latency_ms),
             "%s %s%s: %s", j->method, j->hostkey, j->log_path, ism_http_class_name(r.cls));
    j->done(&r, j->done_arg);
    free(r.body);
    ism_error_clear(&r.err);
    job_free(j);
}

static void end_locally(ism_http_engine *e, http_job *j, ism_code code, const char *why)
{
    j->cls = ISM_HTTP_LOCAL_ERROR;
    if (code != ISM_OK) ism_error_set(&j->local, code, "%s: %s", j->label, why);
    complete(e, j);
}

static bool start(ism_http_engine *e, http_job *j, host_slot *host, int64_t now)
{
    ism_http_attempt_reset(j);
    if (!ism_http_attempt_prepare(e, j)) return false;
    if (curl_multi_add_handle(e->multi, j->easy) != CURLM_OK) {
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
        curl_slist_free_all(j->slist);
        j->slist = NULL;
        return ism_error_set(&j->local, ISM_E_INTERNAL, "libcurl refused a transfer");
    }
    if (j->sent++) e->stats.retries++;
    e->stats.calls++;
    j->started_ms = now;
    host->active++;
    j->next = e->active;
    e->active = j;
    if (++e->n_active > e->stats.max_in_flight_seen) e->stats.max_in_flight_seen = e->n_active;
    return true;
}

/* Is j allowed to start now? If not, *wake is lowered to when it might be. */
static bool admissible(ism_http_engine *e, http_job *j, host_slot *host, int64_t now, int64_t *wake)
{
    if (j->ready_ms > now) {
        if (*wake < 0 || j->ready_ms - now < *wake) *wake = j->ready_ms - now;
        return false;
    }
    if (host->active >= e->cfg.max_per_host) return false; /* a completion will wake us */
    /* Every attempt pays: the key's bucket first (kept when the admit hook then says wait), then
     * the request's own admission. */
    http_bucket *b = j->bucket_paid ? NULL : ism_http_buckets_get(&e->buckets, j->rate_key, now);
    int64_t wait = 0;
    if (b) {
        if (!ism_rate_bucket_take(&b->rb, now, &wait)) {
            if (*wake < 0 || wait < *wake) *wake = wait;
            return false;
        }
        j->bucket_paid = true;
    }
    if (j->admit) {
        wait = j->admit(j->sent + 1, now, j->admit_arg);
        if (wait > 0) {
            if (*wake < 0 || wait < *wake) *wake = wait;
            return false;
        }
    }
    if (j->bucket_paid || j->admit) e->stats.admitted++;
    j->bucket_paid = false;
    return true;
}

/* Starts what may start, in submission order. Returns ms until a waiting job may be ready
 * (-1: only a completion can unblock the queue). Jobs that cannot be sent complete after the
 * scan, so callbacks that submit more never see a half-walked list. */
static int64_t start_ready(ism_http_engine *e)
{
    int64_t now = ism_http_clock_now(e), wake = -1;
    http_job *failed = NULL, **pp = &e->pending, *prev = NULL;
    while (*pp && e->n_active < e->cfg.max_in_flight) {
        http_job *j = *pp;
        host_slot *host = host_get(e, j->hostkey);
        if (host && !admissible(e, j, host, now, &wake)) {
            prev = j;
            pp = &j->next;
            continue;
        }
        *pp = j->next;
        if (e->pending_tail == j) e->pending_tail = prev;
        if (!host) ism_error_set(&j->local, ISM_E_INTERNAL, "out of memory");
        if (!host || !start(e, j, host, now)) {
            j->next = failed;
            failed = j;
        }
    }
    while (failed) {
        http_job *j = failed;
        failed = j->next;
        end_locally(e, j, ISM_OK, NULL);
    }
    return wake;
}

/* Takes a finished transfer out of libcurl and out of the in-flight accounting. */
static void detach(ism_http_engine *e, http_job *j, int64_t now)
{
    for (http_job **pp = &e->active; *pp; pp = &(*pp)->next) {
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    }
    e->n_active--;
    host_slot *host = host_get(e, j->hostkey);
    if (host) host->active--;
    curl_multi_remove_handle(e->multi, j->easy);
    curl_easy_cleanup(j->easy);
    j->easy = NULL;
    curl_slist_free_all(j->slist);
    j->slist = NULL;
    j->busy_last_ms = now - j->started_ms;
    j->busy_ms += j->busy_last_ms;
    e->stats.busy_ms += (uint64_t)j->busy_last_ms;
}

static void count(ism_http_engine *e, const http_job *j)
{
    uint64_t *c[] = {&e->stats.ok,
                     &e->stats.client_errors,
                     &e->stats.throttled,
                     &e->stats.server_errors,
                     &e->stats.connection_errors,
                     NULL};
    if (j->cls < ISM_HTTP_LOCAL_ERROR) (*c[j->cls])++;
    e->stats.bytes_in += j->resp.n;
}

static void log_attempt(const http_job *j, int64_t delay)
{
    json_t *f = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:I}", "label", j->label ? j->label : "",
                          "host", j->hostkey, "path", j->log_path, "status", (int)j->status,
                          "class", ism_http_class_name(j->cls), "attempt", j->sent, "ms",
                          (json_int_t)j->busy_last_ms);
    if (delay >= 0) {
        json_object_set_new(f, "retry_in_ms", json_integer(delay));
        ism_logj(ISM_LOG_INFO, "http.retry", f, "%s %s%s: %s, retrying in %lld ms", j->method,
                 j->hostkey, j->log_path, ism_http_class_name(j->cls), (long long)delay);
    } else {
        ism_logj(ISM_LOG_DEBUG, "http.attempt", f, "%s %s%s: %s", j->method, j->hostkey,
                 j->log_path, ism_http_class_name(j->cls));
    }
}

/* An answer refused for clock skew: the first one of a request learns the server's time from
 * its Date header (kept for every later attempt of the engine) and earns one immediate retry,
 * re-signed; a second one is final. */
static bool clock_skew(ism_http_engine *e, http_job *j)
{
    const char *date = ism_http_headers_get(&j->resp_headers, "date");
    time_t server = date ? curl_getdate(date, NULL) : -1;
    int64_t before = e->skew_s;
    if (server >= 0) e->skew_s = (int64_t)server - ism_http_wall_s(e);
    json_t *f = json_pack("{s:s, s:s, s:I, s:I, s:b}", "label", j->label ? j->label : "", "host",
                          j->hostkey, "skew_s", (json_int_t)e->skew_s, "was_s", (json_int_t)before,
                          "retry", !j->skew_retried);
    ism_logj(ISM_LOG_WARN, "http.clock_skew", f, "%s %s%s: refused for clock skew; %s; %s",
             j->method, j->hostkey, j->log_path,
             server >= 0 ? "the server's Date header corrects the signing clock"
                         : "no readable Date header to correct the signing clock by",
             j->skew_retried ? "already retried once, giving up" : "retrying once, re-signed");
    if (j->skew_retried) return false;
    j->skew_retried = 1;
    return true;
}

/* A transfer ended: classify it, feed the bucket, then retry or complete. */
static void finished(ism_http_engine *e, http_job *j, CURLcode rc)
{
    int64_t now = ism_http_clock_now(e);
    j->rc = rc;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->status);
    detach(e, j, now);
    j->cls = ism_http_attempt_classify(j);
    if (j->classify && j->status > 0 && j->cls != ISM_HTTP_LOCAL_ERROR) {
        ism_http_result view;
        ism_http_result_view(j, &view, now);
        j->cls = j->classify(&view, j->cls, j->classify_arg);
    }
    bool skew_retry = false;
    if (j->cls == ISM_HTTP_CLOCK_SKEW) {
        skew_retry = clock_skew(e, j);
        j->cls = ISM_HTTP_CLIENT_ERROR;
    }
    count(e, j);
    http_bucket *b = ism_http_buckets_get(&e->buckets, j->rate_key, now);
    if (b && j->status > 0) ism_rate_bucket_feedback(&b->rb, j->cls == ISM_HTTP_THROTTLED, now);
    if (j->cls == ISM_HTTP_THROTTLED) j->throttles++;
    /* Throttled attempts do not use up max_attempts: the buckets slow down instead, and only the
     * safety bound ends a request that is throttled again and again. */
    bool retry = (skew_retry || (ism_http_attempt_retryable(j) &&
                                 j->sent - j->throttles - j->skew_retried < j->max_attempts)) &&
                 !atomic_load(&e->cancel);
    if (retry && j->sent >= e->cfg.throttle_attempt_limit) {
        retry = false;
        e->stats.throttle_limit_hits++;
        ism_logj(ISM_LOG_ERROR, "http.throttle_limit",
                 json_pack("{s:s, s:s, s:i, s:i}", "label", j->label, "host", j->hostkey,
                           "attempts", j->sent, "throttled", j->throttles),
                 "%s %s%s: giving up after %d attempts (%d throttled): the safety bound "
                 "throttle_attempt_limit was reached",
                 j->method, j->hostkey, j->log_path, j->sent, j->throttles);
    }
    int64_t delay = skew_retry ? 0 : retry ? ism_http_retry_delay(e, j) : -1;
    log_attempt(j, delay);
    if (!retry) {
        complete(e, j);
        return;
    }
    j->ready_ms = now + delay;
    pending_push(e, j);
}

static void reap(ism_http_engine *e, bool *any)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        http_job *j = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        finished(e, j, m->data.result);
        *any = true;
    }
}

/* Everything in flight or queued (and whatever callbacks queue meanwhile) ends cancelled. */
static void cancel_all(ism_http_engine *e)
{
    int64_t now = ism_http_clock_now(e);
    while (e->active || e->pending) {
        http_job *j = e->active ? e->active : e->pending;
        if (j == e->active) {
            detach(e, j, now);
        } else {
            e->pending = j->next;
            if (!e->pending) e->pending_tail = NULL;
        }
        end_locally(e, j, ISM_E_CANCELLED, "cancelled");
    }
}

static int poll_ms(ism_http_engine *e, int64_t wake)
{
    long curl_ms = -1;
    curl_multi_timeout(e->multi, &curl_ms);
    int64_t t = 1000;
    if (curl_ms >= 0 && curl_ms < t) t = curl_ms;
    if (wake >= 0 && wake < t) t = wake;
    return (int)t;
}

bool ism_http_run(ism_http_engine *e, ism_error *err)
{
    if (e->running) return ism_error_set(err, ISM_E_INTERNAL, "ism_http_run is not reentrant");
    e->running = true;
    bool ok = true;
    while (e->pending || e->active) {
        if (atomic_load(&e->cancel)) {
            cancel_all(e);
            ok = ism_error_set(err, ISM_E_CANCELLED, "HTTP engine cancelled");
            break;
        }
        int64_t twake = e->cfg.tick ? e->cfg.tick(e->cfg.tick_arg) : -1;
        if (!e->pending && !e->active) break; /* the tick may have cancelled everything */
        int64_t wake = start_ready(e);
        if (twake >= 0 && (wake < 0 || twake < wake)) wake = twake;
        int running = 0;
        CURLMcode mc = curl_multi_perform(e->multi, &running);
        bool any = false;
        reap(e, &any);
        if (mc != CURLM_OK) {
            cancel_all(e);
            ok = ism_error_set(err, ISM_E_INTERNAL, "libcurl: %s", curl_multi_strerror(mc));
            break;
        }
        if (any) continue; /* callbacks may have queued work that can start at once */
        if (!e->active && e->pending && wake >= 0 && e->cfg.clock.sleep_ms)
            e->cfg.clock.sleep_ms(e->cfg.clock.arg, wake); /* only time can unblock the queue */
        else if (e->pending || e->active)
            curl_multi_poll(e->multi, NULL, 0, poll_ms(e, wake), NULL);
    }
    atomic_store(&e->cancel, false);
    e->running = false;
    return ok;
}

void ism_http_engine_free(ism_http_engine *e)
{
    if (!e) return;
    if (e->multi) cancel_all(e);
    for (size_t i = 0; i < e->n_hosts; i++)
        free(e->hosts[i].key);
    free(e->hosts);
    ism_http_buckets_free(&e->buckets);
    if (e->multi) curl_multi_cleanup(e->multi);
    free(e->ca_file);
    free(e->ca_path);
    free(e->user_agent);
    free(e);
}
