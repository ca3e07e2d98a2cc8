/* http_guard.c — the HTTP gateway's header deadline against slow ("slowloris") clients.
 * libmicrohttpd's connection timeout is an inactivity timeout: a client that sends one header
 * byte every few seconds never trips it and holds its connection (and a thread) forever. Here
 * every connection must complete a request's line and headers within timeout_s of its start or
 * of its previous request's end; a watchdog thread shuts down the socket of one that has not,
 * and libmicrohttpd then closes it as it would any dead peer. */
#include "http_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

typedef struct guard_conn {
    struct guard_conn *next, *prev;
    int fd;
    int64_t since_ms; /* start of the current header phase */
    bool in_headers;  /* waiting for a request's headers */
} guard_conn;

struct http_guard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    bool stop, started;
    int deadline_ms;
    guard_conn *head;
    unsigned long cut; /* connections cut for missing the deadline */
};

static void *watch(void *arg)
{
    http_guard *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        int64_t now = ism_mono_ms();
        for (guard_conn *c = g->head; c; c = c->next) {
            if (!c->in_headers || c->fd < 0 || now - c->since_ms < g->deadline_ms) continue;
            /* The fd is still the connection's: CLOSED (which drops the entry) comes before
             * libmicrohttpd closes the socket, and it needs this mutex. */
            shutdown(c->fd, SHUT_RDWR);
            c->in_headers = false;
            g->cut++;
            ism_logj(ISM_LOG_WARN, "http.slow_client",
                     json_pack("{s:i}", "deadline_ms", g->deadline_ms),
                     "closed a connection that did not send a request's headers within %d ms",
                     g->deadline_ms);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&g->cv, &g->mu, &ts);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

http_guard *http_guard_start(int deadline_s)
{
    http_guard *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->deadline_ms = deadline_s * 1000;
    if (pthread_create(&g->th, NULL, watch, g) != 0) {
        http_guard_stop(g);
        return NULL;
    }
    g->started = true;
    return g;
}

void http_guard_stop(http_guard *g)
{
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    if (g->started) pthread_join(g->th, NULL);
    while (g->head) {
        guard_conn *c = g->head;
        g->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

void http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
    ism_rpc_http_server *srv = cls;
    http_guard *g = srv->guard;
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        guard_conn *c = calloc(1, sizeof *c);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (c) {
            c->fd = ci ? ci->connect_fd : -1;
            c->since_ms = ism_mono_ms();
            c->in_headers = true;
            c->next = g->head;
            if (g->head) g->head->prev = c;
            g->head = c;
        }
        *socket_context = c;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        guard_conn *c = *socket_context;
        if (c->prev)
            c->prev->next = c->next;
        else
            g->head = c->next;
        if (c->next) c->next->prev = c->prev;
        free(c);
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&g->mu);
}

/* in_headers: true when a request has ended (the next one's headers are awaited), false when
 * a request's headers have arrived. */
void http_guard_phase(ism_rpc_http_server *srv, struct MHD_Connection *conn, bool in_headers)
{
    http_guard *g = srv->guard;
    if (!g) return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    pthread_mutex_lock(&g->mu);
    guard_conn *c = ci ? ci->socket_context : NULL;
    if (c) {
        c->in_headers = in_headers;
        c->since_ms = ism_mono_ms();
    }
    pthread_mutex_unlock(&g->mu);
}
