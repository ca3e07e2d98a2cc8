/* client.c — a synchronous client for ismapctl and the tests: an nng REQ socket (ipc://,
 * tls+tcp://, tcp://), or the HTTP gateway (https://, http:// on loopback) with libcurl, which
 * posts each op to /api/v1/ops/{op} with the token as a bearer header. Both give the caller the
 * same reply envelope. libcurl is loaded (dlopen) when the first HTTP client opens, not linked:
 * its dependencies (Kerberos, LDAP, GnuTLS, ICU, ...) are most of what a program start costs the
 * dynamic loader, and ismapctl pays that start on every command while few use https://. */
#include "ismap/rpc.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ism_rpc_client {
    nng_socket sock;
    unsigned seq;
    char *url;
    int timeout_ms;
    CURL *curl; /* the HTTP gateway; NULL for nng */
    char *ca_file;
    bool remote;         /* not ipc://: the server limits what it may send unauthenticated */
    atomic_uint pipe;    /* the connection a token was last proven on (0: none) */
    atomic_uint current; /* the connection now open */
};

static bool is_http_url(const char *url)
{
    return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
}

/* The libcurl functions the client calls, from the library loaded at run time. */
typedef struct curl_fns {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_reset)(CURL *h);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode rc);
    void (*easy_cleanup)(CURL *h);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} curl_fns;
static curl_fns lc;
static char lc_error[512]; /* why libcurl could not be loaded; "" when it was */

static void curl_load_once(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(lc_error, sizeof lc_error, "%s", dlerror());
        return;
    }
    static const struct {
        const char *name;
        size_t offset;
    } syms[] = {
        {"curl_global_init", offsetof(curl_fns, global_init)},
        {"curl_easy_init", offsetof(curl_fns, easy_init)},
        {"curl_easy_reset", offsetof(curl_fns, easy_reset)},
        {"curl_easy_setopt", offsetof(curl_fns, easy_setopt)},
        {"curl_easy_perform", offsetof(curl_fns, easy_perform)},
        {"curl_easy_getinfo", offsetof(curl_fns, easy_getinfo)},
        {"curl_easy_strerror", offsetof(curl_fns, easy_strerror)},
        {"curl_easy_cleanup", offsetof(curl_fns, easy_cleanup)},
        {"curl_slist_append", offsetof(curl_fns, slist_append)},
        {"curl_slist_free_all", offsetof(curl_fns, slist_free_all)},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(h, syms[i].name);
        if (!f) {
            snprintf(lc_error, sizeof lc_error, "libcurl.so.4 has no %s", syms[i].name);
            return;
        }
        memcpy((char *)&lc + syms[i].offset, &f, sizeof f);
    }
    lc.global_init(CURL_GLOBAL_DEFAULT);
}

static ism_rpc_client *http_open(const char *url, const char *ca_file, int timeout_ms,
                                 ism_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_load_once);
    if (lc_error[0]) {
        ism_error_set(err, ISM_E_CONFIG,
                      "an https:// or http:// URL needs libcurl (Debian: libcurl4): %s", lc_error);
        return NULL;
    }
    ism_rpc_client *c = calloc(1, sizeof *c);
    if (!c || !(c->curl = lc.easy_init())) {
        free(c);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    c->timeout_ms = timeout_ms;
    c->url = strdup(url);
    size_t n = strlen(c->url);
    while (n && c->url[n - 1] == '/')
        c->url[--n] = '\0';
    c->ca_file = ca_file ? strdup(ca_file) : NULL;
    return c;
}

typedef struct http_buf {
    char *data;
    size_t len;
    size_t max;
} http_buf;

static size_t http_collect(char *p, size_t size, size_t nmemb, void *ud)
{
    http_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > b->max) return 0;
    char *d = realloc(b->data, b->len + n + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, n);
    b->data = d;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* POSTs one op to the gateway and returns its reply envelope (new reference). */
static bool http_call(ism_rpc_client *c, const char *op, json_t *params, const char *token,
                      json_t **reply, ism_error *err)
{
    CURL *h = c->curl;
    lc.easy_reset(h);
    char *url = NULL;
    char *body = params ? json_dumps(params, JSON_COMPACT) : strdup("{}");
    if (asprintf(&url, "%s/api/v1/ops/%s", c->url, op) < 0) url = NULL;
    struct curl_slist *hdr = lc.slist_append(NULL, "Content-Type: application/json");
    char *auth = NULL;
    if (token && asprintf(&auth, "Authorization: Bearer %s", token) >= 0)
        hdr = lc.slist_append(hdr, auth);
    http_buf b = {NULL, 0, (size_t)1 << 30};
    char curlerr[CURL_ERROR_SIZE] = "";
    lc.easy_setopt(h, CURLOPT_URL, url);
    lc.easy_setopt(h, CURLOPT_POSTFIELDS, body);
    lc.easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    lc.easy_setopt(h, CURLOPT_WRITEFUNCTION, http_collect);
    lc.easy_setopt(h, CURLOPT_WRITEDATA, &b);
    lc.easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
    lc.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    lc.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    lc.easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    lc.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->ca_file) lc.easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    CURLcode rc = url && body ? lc.easy_perform(h) : CURLE_OUT_OF_MEMORY;
    long status = 0;
    lc.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    lc.slist_free_all(hdr);
    free(auth);
    free(body);
    free(url);
    bool ok = false;
    if (rc == CURLE_COULDNT_CONNECT) {
        ism_error_set(err, ISM_E_UNAVAILABLE,
                      "cannot connect to %s: connection refused — is ismapd running with --http?",
                      c->url);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        ism_error_set(
            err, ISM_E_TIMEOUT,
            "timeout: no reply from ismapd at %s within %g s (--timeout raises the limit)", c->url,
            c->timeout_ms / 1000.0);
    } else if (rc != CURLE_OK) {
        ism_error_set(err, ISM_E_UNAVAILABLE, "cannot reach ismapd at %s: %s", c->url,
                      curlerr[0] ? curlerr : lc.easy_strerror(rc));
    } else {
        json_error_t jerr;
        *reply = b.data ? json_loadb(b.data, b.len, 0, &jerr) : NULL;
        if (!*reply || !json_is_object(*reply) || !json_is_boolean(json_object_get(*reply, "ok"))) {
            json_decref(*reply);
            *reply = NULL;
            ism_error_set(err, ISM_E_BAD_REQUEST,
                          "%s answered HTTP %ld without an ismapd reply (is it the HTTP gateway?)",
                          c->url, status);
        } else {
            ok = true;
        }
    }
    free(b.data);
    return ok;
}

/* A new connection (a redial after a drop) has proven nothing yet. */
static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    ism_rpc_client *c = arg;
    if (ev == NNG_PIPE_EV_ADD_POST) atomic_store(&c->current, (unsigned)nng_pipe_id(p));
}

/* What went wrong reaching url, in words a person can act on. */
static void say_unreachable(ism_error *err, const char *url, int rv, int timeout_ms)
{
    switch (rv) {
    case NNG_ECONNREFUSED:
    case NNG_ENOENT:
        ism_error_set(err, ISM_E_UNAVAILABLE,
                      "cannot connect to %s: connection refused — is ismapd running?", url);
        break;
    case NNG_ETIMEDOUT:
        ism_error_set(err, ISM_E_TIMEOUT, "cannot connect to %s: timeout after %g s", url,
                      timeout_ms / 1000.0);
        break;
    case NNG_EADDRINVAL:
    case NNG_ENOTSUP:
        ism_error_set(err, ISM_E_UNAVAILABLE,
                      "cannot connect to %s: not a valid address (ipc://PATH, "
                      "tls+tcp://HOST:PORT or tcp://127.0.0.1:PORT)",
                      url);
        break;
    case NNG_EPERM:
        ism_error_set(err, ISM_E_UNAVAILABLE,
                      "cannot connect to %s: permission denied (the socket belongs to ismapd's "
                      "user)",
                      url);
        break;
    default:
        ism_error_set(err, ISM_E_UNAVAILABLE, "cannot connect to %s: %s", url, nng_strerror(rv));
    }
}

ism_rpc_client *ism_rpc_client_open(const char *url, const char *ca_file, int timeout_ms,
                                    ism_error *err)
{
    return ism_rpc_client_open_tls(url, ca_file, NULL, NULL, timeout_ms, err);
}

/* The client's own certificate and key (PEM files) for a server that asks for one. */
static int own_cert(nng_tls_config *cfg, const char *cert_file, const char *key_file,
                    ism_error *err)
{
    char *cert = ism_read_file(cert_file, 1 << 20, NULL, err);
    char *key = cert ? ism_read_file(key_file, 1 << 20, NULL, err) : NULL;
    int rv = key ? nng_tls_config_own_cert(cfg, cert, key, NULL) : NNG_EINVAL;
    if (key && rv != 0)
        ism_error_set(err, ISM_E_CONFIG, "client certificate %s / key %s unusable: %s", cert_file,
                      key_file, nng_strerror(rv));
    free(cert);
    free(key);
    return rv;
}

ism_rpc_client *ism_rpc_client_open_tls(const char *url, const char *ca_file, const char *cert_file,
                                        const char *key_file, int timeout_ms, ism_error *err)
{
    if (is_http_url(url)) {
        if (cert_file) {
            ism_error_set(err, ISM_E_CONFIG,
                          "client certificates are for tls+tcp:// connections, not %s", url);
            return NULL;
        }
        return http_open(url, ca_file, timeout_ms, err);
    }
    if ((cert_file || key_file) && strncmp(url, "tls+tcp://", 10) != 0) {
        ism_error_set(err, ISM_E_CONFIG, "client certificates are for tls+tcp:// URLs, not %s",
                      url);
        return NULL;
    }
    if (!cert_file != !key_file) {
        ism_error_set(err, ISM_E_CONFIG, "a client certificate needs both its file and its key");
        return NULL;
    }
    ism_rpc_client *c = calloc(1, sizeof *c);
    int rv;
    c->timeout_ms = timeout_ms;
    if ((rv = nng_req0_open(&c->sock)) != 0) {
        ism_error_set(err, ISM_E_UNAVAILABLE, "cannot open a socket: %s", nng_strerror(rv));
        free(c);
        return NULL;
    }
    nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, timeout_ms);
    nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, timeout_ms);
    /* A request must never be silently sent twice (REQ resends after 60 s by default). */
    nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 1u << 30);
    c->remote = strncmp(url, "ipc://", 6) != 0;
    nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, on_pipe, c);
    nng_dialer d;
    bool tls = strncmp(url, "tls+tcp://", 10) == 0;
    /* nng makes a TLS dialer's default configuration already: the engine first. */
    if ((tls && (rv = ism_rpc_tls_engine()) != 0) ||
        (rv = nng_dialer_create(&d, c->sock, url)) != 0)
        goto fail;
    if (tls) {
        nng_tls_config *cfg;
        if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) goto fail;
        if (ca_file) {
            rv = nng_tls_config_ca_file(cfg, ca_file);
            if (rv == 0) rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED);
        } else {
            rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED);
        }
        /* The server name is checked against the certificate: a DNS name against its DNS
         * SANs, an IP address ("127.0.0.1", "[::1]" without the brackets) against its IP
         * SANs. */
        const char *host = url + 10;
        char name[256];
        size_t n = strcspn(host, ":");
        if (host[0] == '[') n = strcspn(++host, "]");
        if (n >= sizeof name) n = sizeof name - 1;
        memcpy(name, host, n);
        name[n] = '\0';
        if (rv == 0) rv = nng_tls_config_server_name(cfg, name);
        if (rv == 0 && cert_file && (rv = own_cert(cfg, cert_file, key_file, err)) != 0) {
            nng_tls_config_free(cfg);
            nng_dialer_close(d);
            nng_close(c->sock);
            free(c);
            return NULL;
        }
        if (rv == 0) rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
        nng_tls_config_free(cfg);
        if (rv != 0) goto fail;
    }
    if ((rv = nng_dialer_start(d, 0)) != 0) goto fail;
    c->url = strdup(url);
    return c;
fail:
    say_unreachable(err, url, rv, timeout_ms);
    nng_close(c->sock);
    free(c);
    return NULL;
}

void ism_rpc_client_close(ism_rpc_client *c)
{
    if (!c) return;
    if (c->curl)
        lc.easy_cleanup(c->curl);
    else
        nng_close(c->sock);
    free(c->url);
    free(c->ca_file);
    free(c);
}

char *ism_rpc_client_raw(ism_rpc_client *c, const void *buf, size_t len, size_t *reply_len,
                         ism_error *err)
{
    int rv;
    nng_msg *msg;
    if (c->curl) {
        ism_error_set(err, ISM_E_BAD_REQUEST, "raw requests go over nng only, not to %s", c->url);
        return NULL;
    }
    if ((rv = nng_msg_alloc(&msg, 0)) != 0 || (rv = nng_msg_append(msg, buf, len)) != 0 ||
        (rv = nng_sendmsg(c->sock, msg, 0)) != 0) {
        if (rv == NNG_ETIMEDOUT)
            ism_error_set(err, ISM_E_TIMEOUT,
                          "timeout: could not send to ismapd at %s within %g s (is it running?)",
                          c->url ? c->url : "?", c->timeout_ms / 1000.0);
        else
            ism_error_set(err, ISM_E_UNAVAILABLE, "cannot send to ismapd at %s: %s",
                          c->url ? c->url : "?", nng_strerror(rv));
        return NULL;
    }
    if ((rv = nng_recvmsg(c->sock, &msg, 0)) != 0) {
        if (rv == NNG_ETIMEDOUT)
            ism_error_set(err, ISM_E_TIMEOUT,
                          "timeout: no reply from ismapd at %s within %g s (--timeout raises "
                          "the limit)",
                          c->url ? c->url : "?", c->timeout_ms / 1000.0);
        else
            ism_error_set(err, ISM_E_UNAVAILABLE, "no reply from ismapd at %s: %s",
                          c->url ? c->url : "?", nng_strerror(rv));
        return NULL;
    }
    size_t n = nng_msg_len(msg);
    char *out = malloc(n + 1);
    memcpy(out, nng_msg_body(msg), n);
    out[n] = '\0';
    nng_msg_free(msg);
    if (reply_len) *reply_len = n;
    return out;
}

bool ism_rpc_client_call(ism_rpc_client *c, const char *op, json_t *params, const char *token,
                         json_t **reply, ism_error *err)
{
    if (c->curl) return http_call(c, op, params, token, reply, err);
    char id[32];
    snprintf(id, sizeof id, "c%u", ++c->seq);
    json_t *req =
        json_pack("{s:s, s:s, s:s?, s:O?}", "op", op, "id", id, "token", token, "params", params);
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    size_t rlen = 0;
    /* A remote server takes a large request only from a connection that has sent a valid token
     * (ISM_RPC_DEFAULT_UNAUTH_MAX_MSG): prove it with a ping first. An error reply to the ping
     * (a bad token) is the reply the request would have had. */
    unsigned cur = atomic_load(&c->current);
    if (token && c->remote && strlen(text) > ISM_RPC_MIN_UNAUTH_MAX_MSG &&
        (cur == 0 || atomic_load(&c->pipe) != cur)) {
        json_t *pr = json_pack("{s:s, s:s, s:s}", "op", "ping", "id", id, "token", token);
        char *pt = json_dumps(pr, JSON_COMPACT);
        json_decref(pr);
        char *praw = pt ? ism_rpc_client_raw(c, pt, strlen(pt), &rlen, err) : NULL;
        free(pt);
        json_t *prep = praw ? json_loadb(praw, rlen, 0, NULL) : NULL;
        free(praw);
        if (!prep) {
            free(text);
            return false;
        }
        /* permission_denied: the token is valid (the connection is proven) but its role may
         * not ping — a remote collector's token, which calls only the collector ops. */
        const char *pcode = ism_json_getstr(json_object_get(prep, "error"), "code");
        if (!json_is_true(json_object_get(prep, "ok")) &&
            !(pcode && !strcmp(pcode, "permission_denied"))) {
            free(text);
            *reply = prep;
            return true;
        }
        json_decref(prep);
        atomic_store(&c->pipe, atomic_load(&c->current));
    }
    char *raw = ism_rpc_client_raw(c, text, strlen(text), &rlen, err);
    free(text);
    if (!raw) return false;
    json_error_t jerr;
    *reply = json_loadb(raw, rlen, 0, &jerr);
    free(raw);
    if (!*reply || !json_is_object(*reply)) {
        json_decref(*reply);
        *reply = NULL;
        return ism_error_set(err, ISM_E_BAD_REQUEST, "ismapd sent an unreadable reply: %s",
                             jerr.text);
    }
    return true;
}
