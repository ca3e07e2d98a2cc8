/* server.c — the nng REP server (one thread per context) and the PUB event socket. */
#include "ismap/rpc.h"

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CONTEXTS 64

struct ism_rpc_server {
    ism_rpc_app *app;
    nng_socket rep;
    nng_socket pub;
    bool have_pub;
    int local_listener; /* id of the trusted ipc:// listener, or -1 */
    int nctx;
    pthread_t threads[MAX_CONTEXTS];
    nng_ctx ctxs[MAX_CONTEXTS];
};

static bool loopback_host(const char *hostport)
{
    /* hostport is what follows "tcp://": "127.0.0.1:port", "localhost:port", "[::1]:port". */
    if (strncmp(hostport, "[::1]:", 6) == 0) return true;
    if (strncmp(hostport, "localhost:", 10) == 0) return true;
    char host[64];
    const char *colon = strrchr(hostport, ':');
    size_t n = colon ? (size_t)(colon - hostport) : strlen(hostport);
    if (n == 0 || n >= sizeof host) return false;
    memcpy(host, hostport, n);
    host[n] = '\0';
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

bool ism_rpc_check_url(const ism_rpc_listen *l, ism_error *err)
{
    const char *u = l->url;
    if (!u || !*u) return ism_error_set(err, ISM_E_CONFIG, "empty listen URL");
    if (strncmp(u, "ipc://", 6) == 0) return true;
    if (strncmp(u, "tls+tcp://", 10) == 0) {
        if (!l->tls_cert || !l->tls_key)
            return ism_error_set(err, ISM_E_CONFIG,
                                 "listen URL %s needs tls.cert_file and tls.key_file", u);
        return true;
    }
    if (strncmp(u, "tcp://", 6) == 0) {
        if (!loopback_host(u + 6))
            return ism_error_set(err, ISM_E_CONFIG,
                                 "refusing plain %s: unencrypted tcp:// is only allowed on "
                                 "loopback (127.0.0.0/8, ::1); use tls+tcp:// for remote clients",
                                 u);
        return true;
    }
    return ism_error_set(err, ISM_E_CONFIG,
                         "listen URL %s: scheme must be ipc://, tls+tcp:// or loopback tcp://", u);
}

static bool nng_fail(ism_error *err, int rv, const char *what, const char *url)
{
    return ism_error_set(err, ISM_E_UNAVAILABLE, "%s %s: %s", what, url ? url : "",
                         nng_strerror(rv));
}

static bool setup_tls(nng_listener l, const ism_rpc_listen *spec, ism_error *err)
{
    nng_tls_config *cfg = NULL;
    char *cert = NULL, *key = NULL;
    int rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER);
    bool ok = rv == 0;
    if (!ok) nng_fail(err, rv, "tls config for", spec->url);
    if (ok) ok = (cert = ism_read_file(spec->tls_cert, 1 << 20, NULL, err)) != NULL;
    if (ok) ok = (key = ism_read_file(spec->tls_key, 1 << 20, NULL, err)) != NULL;
    if (ok && (rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0)
        ok = ism_error_set(err, ISM_E_CONFIG, "TLS certificate %s / key %s unusable: %s",
                           spec->tls_cert, spec->tls_key, nng_strerror(rv));
    if (ok && (rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg)) != 0)
        ok = nng_fail(err, rv, "tls config for", spec->url);
    if (key) {
        memset(key, 0, strlen(key));
        free(key);
    }
    free(cert);
    if (cfg) nng_tls_config_free(cfg); /* the listener keeps its own reference */
    return ok;
}

static void *serve(void *arg)
{
    ism_rpc_server *srv = ((void **)arg)[0];
    nng_ctx ctx = *(nng_ctx *)((void **)arg)[1];
    free(arg);
    nng_aio *aio;
    if (nng_aio_alloc(&aio, NULL, NULL) != 0) return NULL;
    for (;;) {
        nng_ctx_recv(ctx, aio);
        nng_aio_wait(aio);
        int rv = nng_aio_result(aio);
        if (rv == NNG_ECLOSED) break;
        if (rv != 0) continue;
        nng_msg *msg = nng_aio_get_msg(aio);
        nng_pipe p = nng_msg_get_pipe(msg);
        nng_listener l = nng_pipe_listener(p);
        bool local = srv->local_listener > 0 && nng_listener_id(l) == srv->local_listener;
        char *reply = ism_rpc_handle(srv->app, nng_msg_body(msg), nng_msg_len(msg), local);
        nng_msg_clear(msg);
        if (!reply || nng_msg_append(msg, reply, strlen(reply)) != 0) {
            nng_msg_free(msg);
            free(reply);
            continue;
        }
        free(reply);
        nng_aio_set_msg(aio, msg);
        nng_ctx_send(ctx, aio);
        nng_aio_wait(aio);
        rv = nng_aio_result(aio);
        if (rv != 0) nng_msg_free(nng_aio_get_msg(aio));
        if (rv == NNG_ECLOSED) break;
    }
    nng_aio_free(aio);
    return NULL;
}

ism_rpc_server *ism_rpc_server_start(ism_rpc_app *app, const ism_rpc_listen *listens, int n,
                                     const char *events_url, ism_error *err)
{
    ism_rpc_server *srv = calloc(1, sizeof *srv);
    int rv;
    srv->app = app;
    srv->local_listener = -1;
    if ((rv = nng_rep0_open(&srv->rep)) != 0) {
        nng_fail(err, rv, "cannot open the REP socket", NULL);
        free(srv);
        return NULL;
    }
    /* The transport limit sits above the configured one so an oversized request still gets a
     * typed too_large reply; only far larger ones make nng drop the connection. */
    size_t hard = app->max_msg * 2 + 65536;
    nng_socket_set_size(srv->rep, NNG_OPT_RECVMAXSZ, hard);
    for (int i = 0; i < n; i++) {
        if (!ism_rpc_check_url(&listens[i], err)) goto fail;
        nng_listener l;
        const char *url = listens[i].url;
        if ((rv = nng_listener_create(&l, srv->rep, url)) != 0) {
            nng_fail(err, rv, "cannot listen on", url);
            goto fail;
        }
        bool ipc = strncmp(url, "ipc://", 6) == 0;
        if (ipc) nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600);
        if (strncmp(url, "tls+tcp://", 10) == 0 && !setup_tls(l, &listens[i], err)) goto fail;
        if ((rv = nng_listener_start(l, 0)) != 0) {
            nng_fail(err, rv, "cannot listen on", url);
            goto fail;
        }
        if (ipc) {
            chmod(url + 6, 0600);
            if (srv->local_listener < 0) srv->local_listener = nng_listener_id(l);
        }
        ism_log(ISM_LOG_INFO, "rpc.listening", "listening on %s%s", url,
                ipc ? " (local, trusted as admin)" : " (token required)");
    }
    if (events_url && *events_url) {
        if ((rv = nng_pub0_open(&srv->pub)) != 0 ||
            (rv = nng_listen(srv->pub, events_url, NULL, 0)) != 0) {
            nng_fail(err, rv, "cannot publish events on", events_url);
            goto fail;
        }
        if (strncmp(events_url, "ipc://", 6) == 0) chmod(events_url + 6, 0600);
        srv->have_pub = true;
        ism_log(ISM_LOG_INFO, "rpc.events", "publishing events on %s", events_url);
    }
    srv->nctx = app->contexts < 1 ? 1 : app->contexts > MAX_CONTEXTS ? MAX_CONTEXTS : app->contexts;
    for (int i = 0; i < srv->nctx; i++) {
        if ((rv = nng_ctx_open(&srv->ctxs[i], srv->rep)) != 0) {
            nng_fail(err, rv, "cannot open a REP context", NULL);
            srv->nctx = i;
            goto fail;
        }
        void **arg = malloc(2 * sizeof *arg);
        arg[0] = srv;
        arg[1] = &srv->ctxs[i];
        if (pthread_create(&srv->threads[i], NULL, serve, arg) != 0) {
            free(arg);
            nng_ctx_close(srv->ctxs[i]);
            srv->nctx = i;
            ism_error_set(err, ISM_E_INTERNAL, "cannot start request threads");
            goto fail;
        }
    }
    return srv;
fail:
    ism_rpc_server_stop(srv);
    return NULL;
}

void ism_rpc_publish(ism_rpc_server *srv, const char *topic, const json_t *event)
{
    if (!srv || !srv->have_pub) return;
    char *body = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!body) return;
    nng_msg *msg;
    if (nng_msg_alloc(&msg, 0) == 0) {
        nng_msg_append(msg, topic, strlen(topic));
        nng_msg_append(msg, " ", 1);
        nng_msg_append(msg, body, strlen(body));
        if (nng_sendmsg(srv->pub, msg, NNG_FLAG_NONBLOCK) != 0) nng_msg_free(msg);
    }
    free(body);
}

void ism_rpc_server_stop(ism_rpc_server *srv)
{
    if (!srv) return;
    /* Close the contexts first: a thread waiting to receive wakes with NNG_ECLOSED and exits,
     * and one still handling a request finds its reply refused and exits next. Only when every
     * thread is gone is the socket closed; closing it first frees state a thread may still be
     * using (nng then aborts in nng_ctx_send). */
    for (int i = 0; i < srv->nctx; i++)
        nng_ctx_close(srv->ctxs[i]);
    for (int i = 0; i < srv->nctx; i++)
        pthread_join(srv->threads[i], NULL);
    nng_close(srv->rep);
    if (srv->have_pub) nng_close(srv->pub);
    free(srv);
}
