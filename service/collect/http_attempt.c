/* http_attempt.c — one attempt of a request: the signer, the libcurl easy handle with the
 * engine's fixed safety settings, the response capture with its caps, and how a finished
 * transfer is classified and when it is retried. */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HEADER_BYTES (256 * 1024)

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    http_job *j = arg;
    size_t len = size * n;
    /* libcurl already refuses a declared Content-Length over the cap; this catches the rest
     * (chunked or close-delimited bodies) before the memory is spent. */
    if (j->resp.n + len > j->body_cap) {
        j->too_big = true;
        return 0;
    }
    return ism_cbuf_add(&j->resp, data, len) ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    http_job *j = arg;
    size_t len = size * n;
    j->resp_header_bytes += len;
    if (j->resp_header_bytes > MAX_HEADER_BYTES) {
        j->too_big = true;
        return 0;
    }
    /* A new status line (after a 100 Continue) starts a new set of headers. */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        ism_http_headers_clear(&j->resp_headers);
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon || colon == data) return len;
    size_t vs = (size_t)(colon - data) + 1, ve = len;
    while (vs < ve && (data[vs] == ' ' || data[vs] == '\t'))
        vs++;
    while (ve > vs && (data[ve - 1] == '\r' || data[ve - 1] == '\n' || data[ve - 1] == ' '))
        ve--;
    char *name = strndup(data, (size_t)(colon - data)), *value = strndup(data + vs, ve - vs);
    bool ok = name && value && ism_http_headers_add(&j->resp_headers, name, value);
    free(name);
    free(value);
    return ok ? len : 0;
}

/* "Name: value" lines; an empty value needs libcurl's "Name;" form or it would drop it. */
static bool build_slist(http_job *j)
{
    ism_cbuf line = {0};
    for (size_t i = 0; i < j->sent_headers.n; i++) {
        const ism_http_header *h = &j->sent_headers.v[i];
        if (*h->value)
            ism_cbuf_addf(&line, "%s: %s", h->name, h->value);
        else
            ism_cbuf_addf(&line, "%s;", h->name);
        struct curl_slist *s = line.oom ? NULL : curl_slist_append(j->slist, line.p);
        ism_cbuf_free(&line);
        if (!s) return false;
        j->slist = s;
    }
    /* No "Expect: 100-continue" round trip: our bodies are small and signed as a whole. */
    struct curl_slist *s = curl_slist_append(j->slist, "Expect:");
    if (s) j->slist = s;
    return s != NULL;
}

static void set_method(CURL *h, const http_job *j)
{
    if (strcmp(j->method, "GET") == 0 && !j->body_len) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (strcmp(j->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        return;
    }
    if (strcmp(j->method, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, j->method);
    if (strcmp(j->method, "POST") == 0 || j->body_len) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->body ? j->body : "");
    }
}

/* The settings no caller can turn off: TLS verification, no redirects, http(s) only. */
static void set_safety(const ism_http_engine *e, CURL *h)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (e->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, e->ca_file);
    if (e->ca_path) curl_easy_setopt(h, CURLOPT_CAPATH, e->ca_path);
}

static bool setup_easy(ism_http_engine *e, http_job *j)
{
    CURL *h = curl_easy_init();
    if (!h || !build_slist(j)) {
        if (h) curl_easy_cleanup(h);
        return ism_error_set(&j->local, ISM_E_INTERNAL, "out of memory preparing a request");
    }
    j->body_cap = e->cfg.max_body;
    j->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, j->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, j);
    set_safety(e, h);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)e->cfg.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_USERAGENT, e->user_agent);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)e->cfg.max_body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, j->slist);
    set_method(h, j);
    j->easy = h;
    return true;
}

bool ism_http_attempt_prepare(ism_http_engine *e, http_job *j)
{
    ism_http_headers_clear(&j->sent_headers);
    if (!ism_http_headers_append(&j->sent_headers, &j->headers))
        return ism_error_set(&j->local, ISM_E_INTERNAL, "out of memory preparing a request");
    if (j->signer) {
        ism_http_attempt a = {.method = j->method,
                              .url = j->url,
                              .body = j->body,
                              .body_len = j->body_len,
                              .headers = &j->sent_headers,
                              .attempt = j->sent + 1,
                              .sign_time_s = ism_http_wall_s(e) + e->skew_s};
        if (!j->signer(&a, j->signer_arg, &j->local)) {
            if (j->local.code == ISM_OK)
                ism_error_set(&j->local, ISM_E_INTERNAL, "the request signer failed");
            return false;
        }
    }
    return setup_easy(e, j);
}

void ism_http_attempt_reset(http_job *j)
{
    ism_cbuf_free(&j->resp);
    ism_http_headers_clear(&j->resp_headers);
    j->resp_header_bytes = 0;
    j->too_big = false;
    j->status = 0;
    j->rc = CURLE_OK;
}

static bool local_curl_error(CURLcode rc)
{
    return rc == CURLE_URL_MALFORMAT || rc == CURLE_OUT_OF_MEMORY ||
           rc == CURLE_BAD_FUNCTION_ARGUMENT || rc == CURLE_FILESIZE_EXCEEDED ||
           rc == CURLE_WRITE_ERROR;
}

ism_http_class ism_http_attempt_classify(const http_job *j)
{
    if (j->too_big || local_curl_error(j->rc)) return ISM_HTTP_LOCAL_ERROR;
    if (j->rc != CURLE_OK) return ISM_HTTP_CONNECTION_ERROR;
    if (j->status >= 200 && j->status < 300) return ISM_HTTP_OK;
    if (j->status == 429) return ISM_HTTP_THROTTLED;
    if (j->status >= 500) return ISM_HTTP_SERVER_ERROR;
    return ISM_HTTP_CLIENT_ERROR;
}

/* A certificate that does not verify will not verify on the next try either. */
static bool tls_verification_error(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR ||
           rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* The AWS SDKs retry 500, 502, 503 and 504; 501 NotImplemented (and 505, 507, ...) will answer
 * the same again. A server_error with another status is a transient code a classifier found. */
static bool transient_status(long status)
{
    return status < 500 || status > 599 || status == 500 || status == 502 || status == 503 ||
           status == 504;
}

bool ism_http_attempt_retryable(const http_job *j)
{
    switch (j->cls) {
    case ISM_HTTP_THROTTLED:
        return true;
    case ISM_HTTP_SERVER_ERROR:
        return transient_status(j->status);
    case ISM_HTTP_CONNECTION_ERROR:
        return !tls_verification_error(j->rc);
    default:
        return false;
    }
}

/* Retry-After in milliseconds (delta-seconds or an HTTP date); -1 when absent or unreadable. */
static int64_t retry_after_ms(const http_job *j)
{
    const char *v = ism_http_headers_get(&j->resp_headers, "retry-after");
    if (!v || !*v) return -1;
    char *end;
    long long s = strtoll(v, &end, 10);
    if (end != v && *end == '\0') return s < 0 ? 0 : s * 1000;
    time_t t = curl_getdate(v, NULL);
    if (t < 0) return -1;
    time_t now = time(NULL);
    return t > now ? (int64_t)(t - now) * 1000 : 0;
}

static double random01(void)
{
    uint32_t r = 0;
    if (!ism_random_bytes(&r, sizeof r)) return 0.5;
    return (double)r / 4294967296.0;
}

int64_t ism_http_retry_delay(const ism_http_engine *e, const http_job *j)
{
    double cap = e->cfg.backoff_base_ms;
    for (int i = 1; i < j->sent && cap < e->cfg.backoff_max_ms; i++)
        cap *= 2;
    if (cap > e->cfg.backoff_max_ms) cap = e->cfg.backoff_max_ms;
    /* Full jitter: uniform in [0, cap], so that many clients throttled together spread out. */
    int64_t delay = (int64_t)(e->cfg.no_jitter ? cap : cap * random01());
    int64_t ra = retry_after_ms(j);
    if (ra > e->cfg.retry_after_max_ms) ra = e->cfg.retry_after_max_ms;
    return ra > delay ? ra : delay;
}

static const char *request_id(const ism_http_headers *h)
{
    static const char *const names[] = {"x-amzn-RequestId", "x-amz-request-id", "x-ms-request-id",
                                        "opc-request-id", "x-request-id"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = ism_http_headers_get(h, names[i]);
        if (v) return v;
    }
    return "";
}

void ism_http_result_view(const http_job *j, ism_http_result *r, int64_t now)
{
    memset(r, 0, sizeof *r);
    r->label = j->label ? j->label : "";
    r->user = j->done_arg;
    r->status = j->status;
    r->cls = j->cls;
    r->attempts = j->sent;
    r->latency_ms = now - j->submitted_ms;
    r->attempt_ms = j->sent ? j->busy_last_ms : 0;
    r->waited_ms = r->latency_ms - j->busy_ms;
    r->headers = &j->resp_headers;
    r->request_id = request_id(&j->resp_headers);
    r->body = j->resp.p ? j->resp.p : (char *)"";
    r->body_len = j->resp.n;
}

static void connection_error(const http_job *j, ism_http_result *r, const char *host,
                             const char *label)
{
    const char *why = j->errbuf[0] ? j->errbuf : curl_easy_strerror(j->rc);
    if (j->rc == CURLE_OPERATION_TIMEDOUT)
        ism_error_set(&r->err, ISM_E_TIMEOUT, "%s: no complete answer from %s within %d ms (%d %s)",
                      label, host, j->timeout_ms, j->sent, j->sent == 1 ? "attempt" : "attempts");
    else
        ism_error_set(&r->err, ISM_E_UPSTREAM, "%s: connection to %s failed: %s (%d %s)", label,
                      host, why, j->sent, j->sent == 1 ? "attempt" : "attempts");
}

void ism_http_result_error(const ism_http_engine *e, const http_job *j, ism_http_result *r)
{
    const char *host = j->hostkey, *label = *r->label ? r->label : j->method;
    const char *att = j->sent == 1 ? "attempt" : "attempts";
    switch (j->cls) {
    case ISM_HTTP_OK:
        break;
    case ISM_HTTP_CLIENT_ERROR:
    case ISM_HTTP_CLOCK_SKEW: /* never final: the engine turns it into client_error */
        ism_error_set(&r->err, ISM_E_UPSTREAM, "%s: HTTP %ld from %s", label, j->status, host);
        break;
    case ISM_HTTP_THROTTLED:
        ism_error_set(&r->err, ISM_E_UPSTREAM, "%s: throttled by %s (HTTP %ld) after %d %s", label,
                      host, j->status, j->sent, att);
        break;
    case ISM_HTTP_SERVER_ERROR:
        if (transient_status(j->status))
            ism_error_set(&r->err, ISM_E_UPSTREAM, "%s: HTTP %ld from %s after %d %s", label,
                          j->status, host, j->sent, att);
        else
            ism_error_set(&r->err, ISM_E_UPSTREAM, "%s: HTTP %ld from %s (not retried)", label,
                          j->status, host);
        break;
    case ISM_HTTP_CONNECTION_ERROR:
        connection_error(j, r, host, label);
        break;
    case ISM_HTTP_LOCAL_ERROR:
        if (j->local.code != ISM_OK)
            ism_error_set(&r->err, j->local.code, "%s", j->local.message);
        else if (j->too_big || j->rc == CURLE_FILESIZE_EXCEEDED || j->rc == CURLE_WRITE_ERROR)
            ism_error_set(&r->err, ISM_E_TOO_LARGE,
                          "%s: the response from %s exceeds the body cap of %zu bytes "
                          "(max_body) or the header cap of %d bytes",
                          label, host, e->cfg.max_body, MAX_HEADER_BYTES);
        else
            ism_error_set(&r->err, ISM_E_INTERNAL, "%s: %s", label,
                          j->errbuf[0] ? j->errbuf : curl_easy_strerror(j->rc));
        break;
    }
}
