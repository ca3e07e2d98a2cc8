/* httpd_test.c — the tests' HTTP/1.1 server (see httpd_test.h). Deliberately simple: blocking
 * sockets with short poll timeouts so that stop can always join the threads. */
#include "httpd_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_HEAD (64 * 1024)

typedef struct conn {
    httpd_test *srv;
    int fd, id;
    pthread_t thread;
} conn;

struct httpd_test {
    int lfd, port;
    httpd_handler handler;
    void *arg;
    pthread_t acceptor;
    pthread_mutex_t mu;
    atomic_int stopping;
    conn conns[MAX_CONNS];
    int n_conns, in_flight, max_in_flight;
    httpd_resp *script;
    size_t n_script;
    httpd_req *reqs;
    size_t n_reqs, cap_reqs;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Reads into buf until `want` bytes are there; false on EOF, error or stop. */
static bool read_more(httpd_test *s, int fd, char *buf, size_t *have, size_t cap)
{
    while (!s->stopping) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 50);
        if (r < 0 && errno != EINTR) return false;
        if (r <= 0) continue;
        ssize_t n = recv(fd, buf + *have, cap - *have, 0);
        if (n <= 0) return false;
        *have += (size_t)n;
        return true;
    }
    return false;
}

static void parse_head(char *head, httpd_req *r, size_t *content_length)
{
    char *save = NULL, *line = strtok_r(head, "\r\n", &save);
    char target[8192] = "";
    if (line) sscanf(line, "%15s %8191s", r->method, target);
    r->target = strdup(target);
    *content_length = 0;
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        ism_http_headers_add(&r->headers, line, v);
        if (strcasecmp(line, "content-length") == 0) *content_length = strtoul(v, NULL, 10);
    }
}

/* One request off the connection into *r; false when the connection is done. */
static bool read_request(httpd_test *s, int fd, char *buf, size_t *have, httpd_req *r)
{
    char *end;
    memset(r, 0, sizeof *r);
    while (!(end = memmem(buf, *have, "\r\n\r\n", 4)))
        if (*have >= MAX_HEAD || !read_more(s, fd, buf, have, MAX_HEAD)) return false;
    size_t head_len = (size_t)(end - buf) + 4, clen;
    char *head = strndup(buf, head_len - 4);
    parse_head(head, r, &clen);
    free(head);
    r->body = malloc(clen + 1);
    size_t got = *have - head_len < clen ? *have - head_len : clen;
    memcpy(r->body, buf + head_len, got);
    memmove(buf, buf + head_len + got, *have - head_len - got);
    *have -= head_len + got;
    while (got < clen)
        if (!read_more(s, fd, r->body, &got, clen)) return false;
    r->body[clen] = '\0';
    r->body_len = clen;
    r->at_ms = ism_mono_ms();
    return true;
}

static void copy_req(httpd_req *dst, const httpd_req *src)
{
    *dst = *src;
    memset(&dst->headers, 0, sizeof dst->headers);
    ism_http_headers_append(&dst->headers, &src->headers);
    dst->target = strdup(src->target);
    dst->body = malloc(src->body_len + 1);
    memcpy(dst->body, src->body, src->body_len + 1);
}

/* Records the request and picks the scripted step (under the lock). */
static size_t record(httpd_test *s, const httpd_req *r, httpd_resp *resp)
{
    pthread_mutex_lock(&s->mu);
    if (s->n_reqs == s->cap_reqs) {
        s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 16;
        s->reqs = realloc(s->reqs, s->cap_reqs * sizeof *s->reqs);
    }
    size_t idx = s->n_reqs++;
    copy_req(&s->reqs[idx], r);
    if (++s->in_flight > s->max_in_flight) s->max_in_flight = s->in_flight;
    if (s->n_script) *resp = s->script[idx < s->n_script ? idx : s->n_script - 1];
    pthread_mutex_unlock(&s->mu);
    return idx;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool answer(int fd, const httpd_resp *resp, bool head_only)
{
    size_t blen = resp->body ? (resp->body_len ? resp->body_len : strlen(resp->body)) : 0;
    char head[4096];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d Scripted\r\n", resp->status);
    if (resp->no_length)
        n += snprintf(head + n, sizeof head - (size_t)n, "Connection: close\r\n");
    else
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", blen);
    n += snprintf(head + n, sizeof head - (size_t)n, "%s\r\n", resp->headers ? resp->headers : "");
    /* HEAD answers carry the length of the body they do not send. */
    return send_all(fd, head, (size_t)n) &&
           send_all(fd, resp->body ? resp->body : "", head_only ? 0 : blen) && !resp->no_length;
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    httpd_test *s = c->srv;
    char *buf = malloc(MAX_HEAD);
    size_t have = 0;
    bool open = true;
    while (open && !s->stopping) {
        httpd_req r;
        if (!read_request(s, c->fd, buf, &have, &r)) {
            httpd_req_free(&r);
            break;
        }
        r.conn = c->id;
        httpd_resp resp = {.status = 200, .body = "ok"};
        record(s, &r, &resp);
        if (s->handler) s->handler(&r, &resp, s->arg);
        for (int waited = 0; waited < resp.delay_ms && !s->stopping; waited += 10)
            sleep_ms(10);
        open =
            resp.status > 0 && !s->stopping && answer(c->fd, &resp, strcmp(r.method, "HEAD") == 0);
        pthread_mutex_lock(&s->mu);
        s->in_flight--;
        pthread_mutex_unlock(&s->mu);
        httpd_req_free(&r);
    }
    shutdown(c->fd, SHUT_RDWR);
    free(buf);
    return NULL;
}

static void *accept_main(void *arg)
{
    httpd_test *s = arg;
    while (!s->stopping) {
        struct pollfd p = {s->lfd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) continue;
        pthread_mutex_lock(&s->mu);
        if (s->n_conns == MAX_CONNS) {
            pthread_mutex_unlock(&s->mu);
            close(fd);
            continue;
        }
        conn *c = &s->conns[s->n_conns];
        *c = (conn){.srv = s, .fd = fd, .id = s->n_conns + 1};
        s->n_conns++;
        pthread_mutex_unlock(&s->mu);
        pthread_create(&c->thread, NULL, conn_main, c);
    }
    return NULL;
}

httpd_test *httpd_test_start(httpd_handler handler, void *arg)
{
    httpd_test *s = calloc(1, sizeof *s);
    s->handler = handler;
    s->arg = arg;
    pthread_mutex_init(&s->mu, NULL);
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->lfd, 128) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &len) != 0) {
        if (s->lfd >= 0) close(s->lfd);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    pthread_create(&s->acceptor, NULL, accept_main, s);
    return s;
}

int httpd_test_port(const httpd_test *s)
{
    return s->port;
}

const char *httpd_test_url(const httpd_test *s, const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "http://127.0.0.1:%d%s", s->port, path);
    return buf;
}

void httpd_test_script(httpd_test *s, const httpd_resp *steps, size_t n)
{
    pthread_mutex_lock(&s->mu);
    free(s->script);
    s->script = malloc(n * sizeof *steps);
    memcpy(s->script, steps, n * sizeof *steps);
    s->n_script = n;
    pthread_mutex_unlock(&s->mu);
}

#define LOCKED_GET(type, expr)                                                                     \
    pthread_mutex_lock(&s->mu);                                                                    \
    type v = (expr);                                                                               \
    pthread_mutex_unlock(&s->mu);                                                                  \
    return v

size_t httpd_test_requests(httpd_test *s)
{
    LOCKED_GET(size_t, s->n_reqs);
}

int httpd_test_connections(httpd_test *s)
{
    LOCKED_GET(int, s->n_conns);
}

int httpd_test_max_in_flight(httpd_test *s)
{
    LOCKED_GET(int, s->max_in_flight);
}

bool httpd_test_request(httpd_test *s, size_t i, httpd_req *out)
{
    pthread_mutex_lock(&s->mu);
    bool ok = i < s->n_reqs;
    if (ok) copy_req(out, &s->reqs[i]);
    pthread_mutex_unlock(&s->mu);
    return ok;
}

void httpd_req_free(httpd_req *r)
{
    free(r->target);
    free(r->body);
    ism_http_headers_clear(&r->headers);
    r->target = r->body = NULL;
}

void httpd_test_stop(httpd_test *s)
{
    if (!s) return;
    s->stopping = 1;
    pthread_join(s->acceptor, NULL);
    for (int i = 0; i < s->n_conns; i++) {
        shutdown(s->conns[i].fd, SHUT_RDWR);
        pthread_join(s->conns[i].thread, NULL);
        close(s->conns[i].fd);
    }
    close(s->lfd);
    for (size_t i = 0; i < s->n_reqs; i++)
        httpd_req_free(&s->reqs[i]);
    free(s->reqs);
    free(s->script);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
