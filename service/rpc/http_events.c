/* http_events.c — live events for browsers as Server-Sent Events (GET /api/v1/events): the
 * daemon's job events and matrix changes are fanned out to subscribers, each seeing only its
 * organization's events (admins of every organization see all). Each subscriber has a bounded
 * queue: a slow one loses events and is told so ("event: overflow"), the publisher never waits.
 * A comment line is sent every 15 s so that proxies and browsers keep the stream open. */
#include "http_int.h"
#include "ismap/matrix.h"
#include "ops.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEPALIVE_S 15

typedef struct http_sub {
    struct http_hub *hub;
    char org[128]; /* "" : every organization */
    char *q[ISM_RPC_HTTP_EVENT_QUEUE];
    size_t head, count;
    uint64_t dropped; /* events lost since the last overflow notice */
    bool registered;
    char *cur; /* the message being written (owned) */
    size_t cur_off;
} http_sub;

struct http_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast on every event and at shutdown */
    http_sub *subs[ISM_RPC_HTTP_MAX_SUBSCRIBERS];
    bool closing;
};

bool http_events_init(ism_rpc_http_server *srv, ism_error *err)
{
    struct http_hub *h = calloc(1, sizeof *h);
    if (!h) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    pthread_mutex_init(&h->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cv, &ca);
    pthread_condattr_destroy(&ca);
    srv->hub = h;
    return true;
}

void http_events_close(ism_rpc_http_server *srv)
{
    struct http_hub *h = srv->hub;
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->closing = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

void http_events_free(ism_rpc_http_server *srv)
{
    struct http_hub *h = srv->hub;
    if (!h) return;
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
    srv->hub = NULL;
}

static char *overflow_notice(uint64_t dropped)
{
    return ism_strdupf("event: overflow\ndata: {\"dropped\":%llu}\n\n",
                       (unsigned long long)dropped);
}

void ism_rpc_http_publish(ism_rpc_http_server *srv, const char *topic, const json_t *ev)
{
    if (!srv || !srv->hub || !topic || !ev) return;
    const char *org = ism_json_getstr(ev, "org");
    char *data = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!data) return;
    char *msg = ism_strdupf("event: %s\ndata: %s\n\n", topic, data);
    free(data);
    if (!msg) return;
    struct http_hub *h = srv->hub;
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < ISM_RPC_HTTP_MAX_SUBSCRIBERS; i++) {
        http_sub *s = h->subs[i];
        /* An event without an organization goes only to those who see every organization. */
        if (!s || (s->org[0] && (!org || strcmp(org, s->org) != 0))) continue;
        /* A gap is told where it is: before the first event queued after it. */
        if (s->dropped && s->count < ISM_RPC_HTTP_EVENT_QUEUE) {
            char *notice = overflow_notice(s->dropped);
            if (notice) {
                s->q[(s->head + s->count++) % ISM_RPC_HTTP_EVENT_QUEUE] = notice;
                s->dropped = 0;
            }
        }
        if (s->count == ISM_RPC_HTTP_EVENT_QUEUE || s->dropped) {
            s->dropped++;
            continue;
        }
        char *copy = strdup(msg);
        if (!copy) {
            s->dropped++;
            continue;
        }
        s->q[(s->head + s->count++) % ISM_RPC_HTTP_EVENT_QUEUE] = copy;
    }
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    free(msg);
}

/* Copies as much of s->cur as fits; frees it when done. */
static ssize_t write_cur(http_sub *s, char *buf, size_t max)
{
    size_t left = strlen(s->cur + s->cur_off);
    size_t n = left < max ? left : max;
    memcpy(buf, s->cur + s->cur_off, n);
    s->cur_off += n;
    if (s->cur_off >= strlen(s->cur)) {
        free(s->cur);
        s->cur = NULL;
        s->cur_off = 0;
    }
    return (ssize_t)n;
}

/* MHD asks for the next bytes of the stream; runs on the connection's own thread, so it may
 * wait for the next event (up to the keep-alive interval). */
static ssize_t on_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    http_sub *s = cls;
    if (s->cur) return write_cur(s, buf, max);
    struct http_hub *h = s->hub;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += KEEPALIVE_S;
    pthread_mutex_lock(&h->mu);
    int rc = 0;
    while (!h->closing && s->count == 0 && s->dropped == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&h->cv, &h->mu, &deadline);
    if (h->closing) {
        pthread_mutex_unlock(&h->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (s->count) {
        s->cur = s->q[s->head];
        s->q[s->head] = NULL;
        s->head = (s->head + 1) % ISM_RPC_HTTP_EVENT_QUEUE;
        s->count--;
    } else if (s->dropped) {
        /* Events were lost after the last queued one: told now, before any newer. */
        s->cur = overflow_notice(s->dropped);
        s->dropped = 0;
    } else {
        s->cur = strdup(": keep-alive\n\n");
    }
    pthread_mutex_unlock(&h->mu);
    if (!s->cur) return MHD_CONTENT_READER_END_WITH_ERROR;
    return write_cur(s, buf, max);
}

static void on_free(void *cls)
{
    http_sub *s = cls;
    struct http_hub *h = s->hub;
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < ISM_RPC_HTTP_MAX_SUBSCRIBERS; i++)
        if (h->subs[i] == s) h->subs[i] = NULL;
    pthread_mutex_unlock(&h->mu);
    for (size_t i = 0; i < s->count; i++)
        free(s->q[(s->head + i) % ISM_RPC_HTTP_EVENT_QUEUE]);
    free(s->cur);
    free(s);
}

enum MHD_Result http_route_events(http_req *r)
{
    ism_error err = {0};
    ism_strlcpy(r->op, "events", sizeof r->op);
    ism_rpc_caller who;
    if (!http_authenticate(r, &who, &err)) return http_reply_error(r, &err);
    http_sub *s = calloc(1, sizeof *s);
    if (!s) return MHD_NO;
    s->hub = r->srv->hub;
    ism_strlcpy(s->org, who.org, sizeof s->org);
    /* The stream opens with a comment, so a client knows it is subscribed. */
    s->cur = strdup(": subscribed\n\n");
    struct http_hub *h = r->srv->hub;
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < ISM_RPC_HTTP_MAX_SUBSCRIBERS && !s->registered; i++)
        if (!h->subs[i]) {
            h->subs[i] = s;
            s->registered = true;
        }
    pthread_mutex_unlock(&h->mu);
    if (!s->registered || !s->cur) {
        free(s->cur);
        free(s);
        ism_error_set(&err, ISM_E_UNAVAILABLE,
                      "too many event subscribers (at most %d): try again later",
                      ISM_RPC_HTTP_MAX_SUBSCRIBERS);
        return http_reply_error(r, &err);
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, on_read, s, on_free);
    if (!resp) {
        on_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return http_send_response(r, 200, resp);
}

void ism_rpc_matrix_changed(const ism_rpc_call *call, const char *assessment)
{
    ism_rpc_app *app = call->app;
    const char *org = ops_org_scope(call);
    json_t *a = NULL;
    if (assessment) {
        ism_error err = {0};
        a = ism_assessment_get(app->store, assessment, NULL, &err);
        ism_error_clear(&err);
        if (a && ism_json_getstr(a, "org")) org = ism_json_getstr(a, "org");
    }
    json_t *ev = json_pack("{s:s?, s:s}", "assessment", assessment, "org", org ? org : "");
    if (app->server) ism_rpc_publish(app->server, "matrix.changed", ev);
    ism_rpc_http_publish(__atomic_load_n(&app->http, __ATOMIC_ACQUIRE), "matrix.changed", ev);
    json_decref(ev);
    json_decref(a);
}
