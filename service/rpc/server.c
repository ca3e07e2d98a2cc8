/* server.c — the nng REP server (one thread per context), the PUB event socket, and the
 * connection governor: remote (non-ipc) connections are capped per address and in total, with
 * the file descriptors the local admin socket needs kept free, and a remote connection that
 * completes no request for idle_timeout is closed (a slow or stalled sender, a half-sent
 * message, an idle socket). Connections that have not yet sent a valid token have a smaller
 * budget of their own, and each a receive limit of its own (unauth_max_msg, not max_msg: a
 * per-connection limit from deploy/nng/per-pipe-receive-limit.patch), raised once it has sent a
 * valid token — together they bound the memory unauthenticated peers can make the transport
 * hold. The local socket is never capped. */
#include "ismap/rpc.h"

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_CONTEXTS 64
#define MAX_LISTENERS 16
/* File descriptors kept free for the local socket, the store, logs and collections. */
#define FD_RESERVE 64

/* One admitted remote connection. */
typedef struct conn {
    uint32_t pipe;
    char addr[64];
    int64_t last_ms; /* connected, or last request received or answered */
    int busy;        /* requests being handled: such a connection is not idle */
    bool authed;     /* has sent a request with a valid token */
} conn;

struct ism_rpc_server {
    ism_rpc_app *app;
    nng_socket rep;
    nng_socket pub;
    bool have_pub;
    int local_listener; /* id of the trusted ipc:// listener, or -1 */
    int ipc_listeners[MAX_LISTENERS];
    int nipc;
    int nctx;
    pthread_t threads[MAX_CONTEXTS];
    nng_ctx ctxs[MAX_CONTEXTS];
    /* the governor */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping, have_reaper;
    pthread_t reaper;
    conn *conns;
    int nconns, cap_conns;
    int per_addr, total, unauth_cap, nunauth;
    size_t unauth_msg, hard_msg; /* receive limits before and after a valid token */
    ism_rpc_conn_stats stats;
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

bool ism_rpc_check_events_url(const char *url, ism_error *err)
{
    /* Events name every organization's jobs and carry no token: they stay on this machine,
     * behind the data directory's permissions. */
    if (!url || strncmp(url, "ipc://", 6) != 0 || !url[6])
        return ism_error_set(err, ISM_E_CONFIG,
                             "refusing events URL %s: events carry every organization's job "
                             "events without a token, so they are published only on a local "
                             "ipc:// socket",
                             url ? url : "(none)");
    return true;
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
    /* TLS 1.3 and 1.2; in 1.2 forward-secret AEAD suites only (service/rpc/tls_openssl.c). */
    if (ok && (rv = nng_tls_config_version(cfg, NNG_TLS_1_2, NNG_TLS_1_3)) != 0)
        ok = nng_fail(err, rv, "tls versions for", spec->url);
    if (ok && (rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0)
        ok = ism_error_set(err, ISM_E_CONFIG, "TLS certificate %s / key %s unusable: %s",
                           spec->tls_cert, spec->tls_key, nng_strerror(rv));
    /* Mutual TLS: only clients whose certificate the configured CA signed get a connection
     * at all (remote collectors; tokens are still required on top). */
    if (ok && spec->tls_client_ca &&
        ((rv = nng_tls_config_ca_file(cfg, spec->tls_client_ca)) != 0 ||
         (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0))
        ok = ism_error_set(err, ISM_E_CONFIG, "TLS client CA %s unusable: %s", spec->tls_client_ca,
                           nng_strerror(rv));
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

static bool is_ipc_pipe(ism_rpc_server *srv, nng_pipe p)
{
    int id = nng_listener_id(nng_pipe_listener(p));
    for (int i = 0; i < srv->nipc; i++)
        if (srv->ipc_listeners[i] == id) return true;
    return false;
}

static void pipe_addr(nng_pipe p, char out[64])
{
    nng_sockaddr sa;
    out[0] = '\0';
    if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0) return;
    if (sa.s_family == NNG_AF_INET)
        inet_ntop(AF_INET, &sa.s_in.sa_addr, out, 64);
    else if (sa.s_family == NNG_AF_INET6)
        inet_ntop(AF_INET6, sa.s_in6.sa_addr, out, 64);
}

static int find_conn(ism_rpc_server *srv, uint32_t pipe)
{
    for (int i = 0; i < srv->nconns; i++)
        if (srv->conns[i].pipe == pipe) return i;
    return -1;
}

/* The largest message pipe p may send from now on. Without the nng patch (ISM_NNG_PATCHED=OFF,
 * the system libnng) there is no per-connection limit and the listener's applies. */
static void set_recv_limit(nng_pipe p, size_t bytes)
{
#ifdef ISM_NNG_PIPE_SET_SIZE
    int rv = nng_pipe_set_size(p, NNG_OPT_RECVMAXSZ, bytes);
    if (rv != 0)
        ism_log(ISM_LOG_WARN, "rpc.recv_limit", "cannot set a connection's receive limit: %s",
                nng_strerror(rv));
#else
    (void)p, (void)bytes;
#endif
}

/* Runs in nng's threads as each pipe comes and goes. */
static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    ism_rpc_server *srv = arg;
    if (is_ipc_pipe(srv, p)) return;
    uint32_t id = (uint32_t)nng_pipe_id(p);
    pthread_mutex_lock(&srv->mu);
    if (ev == NNG_PIPE_EV_REM_POST) {
        int i = find_conn(srv, id);
        if (i >= 0) {
            if (!srv->conns[i].authed) srv->nunauth--;
            srv->conns[i] = srv->conns[--srv->nconns];
        }
        srv->stats.open = (uint64_t)srv->nconns;
        srv->stats.unauthenticated = (uint64_t)srv->nunauth;
        pthread_mutex_unlock(&srv->mu);
        return;
    }
    if (ev != NNG_PIPE_EV_ADD_PRE) {
        pthread_mutex_unlock(&srv->mu);
        return;
    }
    char addr[64];
    pipe_addr(p, addr);
    int same = 0;
    for (int i = 0; i < srv->nconns; i++)
        same += strcmp(srv->conns[i].addr, addr) == 0;
    const char *why = srv->nconns >= srv->total         ? "total"
                      : same >= srv->per_addr           ? "per_address"
                      : srv->nunauth >= srv->unauth_cap ? "unauthenticated"
                                                        : NULL;
    if (!why && srv->nconns == srv->cap_conns) {
        int cap = srv->cap_conns ? srv->cap_conns * 2 : 64;
        conn *c = realloc(srv->conns, (size_t)cap * sizeof *c);
        if (!c)
            why = "memory";
        else
            srv->conns = c, srv->cap_conns = cap;
    }
    if (why) {
        srv->stats.refused++;
    } else {
        conn *c = &srv->conns[srv->nconns++];
        c->pipe = id;
        memcpy(c->addr, addr, sizeof c->addr);
        c->last_ms = ism_mono_ms();
        c->busy = 0;
        c->authed = false;
        srv->nunauth++;
        srv->stats.admitted++;
        srv->stats.open = (uint64_t)srv->nconns;
        srv->stats.unauthenticated = (uint64_t)srv->nunauth;
    }
    pthread_mutex_unlock(&srv->mu);
    /* Before its first byte of a message: until it sends a valid token, this connection may
     * make the daemon hold only unauth_msg, not twice max_msg. */
    set_recv_limit(p, srv->unauth_msg);
    if (why) {
        ism_logj(ISM_LOG_WARN, "rpc.connection_refused",
                 json_pack("{s:s, s:s}", "address", addr, "limit", why),
                 "connection from %s refused: %s connection limit reached", addr, why);
        nng_pipe_close(p);
    }
}

/* A remote connection that delivered a request (delta +1) or got its answer (-1) is alive:
 * restart its idle clock; while a request is being handled it is not idle at all. */
static void touch_conn(ism_rpc_server *srv, nng_pipe p, int delta, bool authed)
{
    bool raise = false;
    pthread_mutex_lock(&srv->mu);
    int i = find_conn(srv, (uint32_t)nng_pipe_id(p));
    if (i >= 0) {
        srv->conns[i].last_ms = ism_mono_ms();
        srv->conns[i].busy += delta;
        if (authed && !srv->conns[i].authed) {
            srv->conns[i].authed = true;
            srv->nunauth--;
            srv->stats.unauthenticated = (uint64_t)srv->nunauth;
            raise = true;
        }
    }
    pthread_mutex_unlock(&srv->mu);
    /* It has proven who it is: it may send requests up to the configured size now. */
    if (raise) set_recv_limit(p, srv->hard_msg);
}

/* Closes remote connections idle for longer than the timeout; wakes at a quarter of it. */
static void *reap(void *arg)
{
    ism_rpc_server *srv = arg;
    int64_t idle = srv->app->idle_timeout_ms;
    int64_t tick = idle / 4 < 50 ? 50 : idle / 4 > 1000 ? 1000 : idle / 4;
    pthread_mutex_lock(&srv->mu);
    while (!srv->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += tick / 1000;
        ts.tv_nsec += (tick % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&srv->cv, &srv->mu, &ts);
        int64_t now = ism_mono_ms();
        uint32_t victims[64];
        int nv = 0;
        for (int i = 0; i < srv->nconns && nv < 64; i++)
            if (srv->conns[i].busy <= 0 && now - srv->conns[i].last_ms >= idle) {
                victims[nv++] = srv->conns[i].pipe;
                srv->conns[i].last_ms = now; /* closing; do not count it twice */
            }
        srv->stats.timed_out += (uint64_t)nv;
        pthread_mutex_unlock(&srv->mu);
        for (int i = 0; i < nv; i++) {
            nng_pipe p = NNG_PIPE_INITIALIZER;
            p.id = victims[i];
            nng_pipe_close(p);
        }
        if (nv)
            ism_logj(ISM_LOG_INFO, "rpc.idle_closed", json_pack("{s:i}", "connections", nv),
                     "closed %d remote connection(s) idle or stalled for %lld ms", nv,
                     (long long)idle);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

bool ism_rpc_server_conn_stats(ism_rpc_server *srv, ism_rpc_conn_stats *out)
{
    if (!srv) return false;
    pthread_mutex_lock(&srv->mu);
    *out = srv->stats;
    out->limit_per_address = (uint64_t)srv->per_addr;
    out->limit_total = (uint64_t)srv->total;
    out->limit_unauthenticated = (uint64_t)srv->unauth_cap;
    out->unauthenticated_bytes_bound = (uint64_t)srv->unauth_cap * srv->unauth_msg;
    out->unauthenticated_message_limit = (uint64_t)srv->unauth_msg;
    pthread_mutex_unlock(&srv->mu);
    return true;
}

/* The total cap, lowered so that even at the cap FD_RESERVE descriptors stay free. */
static int total_cap(int wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return wanted;
    long room = (long)rl.rlim_cur - FD_RESERVE * 2;
    if (room < 8) room = 8;
    return wanted < room ? wanted : (int)room;
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
        touch_conn(srv, p, +1, false);
        bool local = srv->local_listener > 0 && nng_listener_id(l) == srv->local_listener;
        bool authed = false;
        ism_rpc_reply reply;
        ism_rpc_handle_parts(srv->app, nng_msg_body(msg), nng_msg_len(msg), local, &authed, &reply);
        touch_conn(srv, p, -1, authed);
        /* One copy of the reply's bytes into the message: a kept result (a cached matrix)
         * straight from its cache, never joined into a text of its own first. */
        size_t nh = reply.head ? strlen(reply.head) : 0, nb = reply.body ? strlen(reply.body) : 0,
               nt = strlen(reply.tail);
        if (!reply.head || nng_msg_realloc(msg, nh + nb + nt) != 0) {
            nng_msg_free(msg);
            ism_rpc_reply_release(&reply);
            continue;
        }
        char *out = nng_msg_body(msg);
        memcpy(out, reply.head, nh);
        if (nb) memcpy(out + nh, reply.body, nb);
        memcpy(out + nh + nb, reply.tail, nt);
        ism_rpc_reply_release(&reply);
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
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    srv->per_addr = app->conn_per_address > 0 ? app->conn_per_address : ISM_RPC_DEFAULT_PER_ADDRESS;
    srv->total = total_cap(app->conn_total > 0 ? app->conn_total : ISM_RPC_DEFAULT_CONN_TOTAL);
    srv->unauth_cap =
        app->conn_unauthenticated > 0 ? app->conn_unauthenticated : ISM_RPC_DEFAULT_UNAUTHENTICATED;
    if (app->idle_timeout_ms <= 0) app->idle_timeout_ms = ISM_RPC_DEFAULT_IDLE_MS;
    /* The transport limit sits above the configured one so an oversized request still gets a
     * typed too_large reply; only far larger ones make nng drop the connection. */
    srv->hard_msg = app->max_msg * 2 + 65536;
    srv->unauth_msg = app->unauth_max_msg ? app->unauth_max_msg : ISM_RPC_DEFAULT_UNAUTH_MAX_MSG;
#ifdef ISM_NNG_PIPE_SET_SIZE
    if (srv->unauth_msg > srv->hard_msg) srv->unauth_msg = srv->hard_msg;
#else
    srv->unauth_msg = srv->hard_msg; /* no per-connection limit in the system libnng */
#endif
    if ((rv = nng_rep0_open(&srv->rep)) != 0) {
        nng_fail(err, rv, "cannot open the REP socket", NULL);
        pthread_mutex_destroy(&srv->mu);
        pthread_cond_destroy(&srv->cv);
        free(srv);
        return NULL;
    }
    if ((rv = nng_pipe_notify(srv->rep, NNG_PIPE_EV_ADD_PRE, on_pipe, srv)) != 0 ||
        (rv = nng_pipe_notify(srv->rep, NNG_PIPE_EV_REM_POST, on_pipe, srv)) != 0) {
        nng_fail(err, rv, "cannot watch connections on the REP socket", NULL);
        goto fail;
    }
    if (pthread_create(&srv->reaper, NULL, reap, srv) != 0) {
        ism_error_set(err, ISM_E_INTERNAL, "cannot start the connection reaper");
        goto fail;
    }
    srv->have_reaper = true;
    nng_socket_set_size(srv->rep, NNG_OPT_RECVMAXSZ, srv->hard_msg);
    for (int i = 0; i < n; i++) {
        if (!ism_rpc_check_url(&listens[i], err)) goto fail;
        nng_listener l;
        const char *url = listens[i].url;
        /* nng makes a TLS listener's default configuration already: the engine first. */
        bool tls = strncmp(url, "tls+tcp://", 10) == 0;
        if ((tls && (rv = ism_rpc_tls_engine()) != 0) ||
            (rv = nng_listener_create(&l, srv->rep, url)) != 0) {
            nng_fail(err, rv, "cannot listen on", url);
            goto fail;
        }
        bool ipc = strncmp(url, "ipc://", 6) == 0;
        if (ipc) nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600);
        if (ipc && srv->nipc < MAX_LISTENERS) srv->ipc_listeners[srv->nipc++] = nng_listener_id(l);
        if (tls && !setup_tls(l, &listens[i], err)) goto fail;
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
        if (!ism_rpc_check_events_url(events_url, err)) goto fail;
        nng_listener el;
        if ((rv = nng_pub0_open(&srv->pub)) != 0) {
            nng_fail(err, rv, "cannot publish events on", events_url);
            goto fail;
        }
        srv->have_pub = true;
        if ((rv = nng_listener_create(&el, srv->pub, events_url)) != 0 ||
            (rv = nng_listener_set_int(el, NNG_OPT_IPC_PERMISSIONS, 0600)) != 0 ||
            (rv = nng_listener_start(el, 0)) != 0) {
            nng_fail(err, rv, "cannot publish events on", events_url);
            goto fail;
        }
        chmod(events_url + 6, 0600);
        ism_log(ISM_LOG_INFO, "rpc.events", "publishing events on %s", events_url);
    }
    /* The app knows its server before the first request is served: a status answered in the
     * first moments had no connection counters, and events published then were dropped (a
     * busy machine widened that window until a test saw it). The threads below are created
     * after this store, so they see it. */
    app->server = srv;
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
    if (app->server == srv) app->server = NULL;
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
    if (srv->have_reaper) {
        pthread_mutex_lock(&srv->mu);
        srv->stopping = true;
        pthread_cond_signal(&srv->cv);
        pthread_mutex_unlock(&srv->mu);
        pthread_join(srv->reaper, NULL);
    }
    nng_close(srv->rep);
    if (srv->have_pub) nng_close(srv->pub);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->cv);
    free(srv->conns);
    free(srv);
}
