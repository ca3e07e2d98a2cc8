/* emulator_rps.c — a small keep-alive load generator for the AWS provider emulator: N
 * connections on one epoll loop, each sending a SigV4-signed request (signed once with our
 * signer, re-signed every minute) and reading the answer before sending the next, for D
 * seconds. Prints requests/s and the answers by status class. Not a pass/fail test. */
#include "ismap/aws.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct opts {
    int port, conns, seconds;
    const char *key, *secret, *service, *region, *action, *target;
} opts;

typedef struct client {
    int fd;
    char in[65536];
    size_t in_len;
    size_t sent;
} client;

static char *g_req;
static size_t g_req_len;
static long g_by_class[6], g_total, g_errors;

/* ---- the request -------------------------------------------------------------------------- */
static const char *version_of(const char *service)
{
    return strcmp(service, "iam") == 0   ? "2010-05-08"
           : strcmp(service, "sts") == 0 ? "2011-06-15"
                                         : "2016-11-15";
}

static void build_request(const opts *o)
{
    char url[128], body[512], target[256] = "";
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", o->port);
    ism_http_headers h = {0};
    if (o->target) {
        snprintf(body, sizeof body, "{}");
        snprintf(target, sizeof target, "%s", o->target);
        ism_http_headers_set(&h, "Content-Type", "application/x-amz-json-1.1");
        ism_http_headers_set(&h, "X-Amz-Target", target);
    } else {
        snprintf(body, sizeof body, "Action=%s&Version=%s", o->action, version_of(o->service));
        ism_http_headers_set(&h, "Content-Type",
                             "application/x-www-form-urlencoded; charset=utf-8");
    }
    ism_aws_credentials cr = {o->key, o->secret, NULL};
    ism_aws_sign_input in = {.method = "POST",
                             .url = url,
                             .headers = &h,
                             .body = body,
                             .body_len = strlen(body),
                             .creds = &cr,
                             .region = o->region,
                             .service = o->service,
                             .when = time(NULL)};
    ism_aws_signed s;
    ism_error err = {0};
    if (!ism_aws_sigv4_sign(&in, &s, &err)) {
        fprintf(stderr, "emulator_rps: sign: %s\n", err.message);
        exit(1);
    }
    size_t cap = 8192;
    free(g_req);
    g_req = malloc(cap);
    int n = snprintf(g_req, cap, "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %zu\r\n",
                     o->port, strlen(body));
    for (size_t i = 0; i < h.n; i++)
        n += snprintf(g_req + n, cap - (size_t)n, "%s: %s\r\n", h.v[i].name, h.v[i].value);
    for (size_t i = 0; i < s.add.n; i++)
        n += snprintf(g_req + n, cap - (size_t)n, "%s: %s\r\n", s.add.v[i].name, s.add.v[i].value);
    n += snprintf(g_req + n, cap - (size_t)n, "\r\n%s", body);
    g_req_len = (size_t)n;
    ism_aws_signed_free(&s);
    ism_http_headers_clear(&h);
}

/* ---- connections -------------------------------------------------------------------------- */
static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("emulator_rps: connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool send_request(client *c)
{
    while (c->sent < g_req_len) {
        ssize_t n = send(c->fd, g_req + c->sent, g_req_len - c->sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        c->sent += (size_t)n;
    }
    c->sent = 0;
    return true;
}

/* Consumes complete answers; returns how many. -1 on a malformed answer. */
static int take_answers(client *c)
{
    int got = 0;
    for (;;) {
        char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
        if (!end) return got;
        char *cl = memmem(c->in, (size_t)(end - c->in), "Content-Length:", 15);
        if (!cl || c->in_len < 12) return -1;
        size_t total = (size_t)(end - c->in) + 4 + strtoul(cl + 15, NULL, 10);
        if (c->in_len < total) return got;
        int status = atoi(c->in + 9);
        g_by_class[status / 100 < 6 ? status / 100 : 0]++;
        g_total++;
        memmove(c->in, c->in + total, c->in_len - total);
        c->in_len -= total;
        got++;
    }
}

static bool on_readable(client *c)
{
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
    if (n <= 0) return false;
    c->in_len += (size_t)n;
    int got = take_answers(c);
    if (got < 0) return false;
    for (int i = 0; i < got; i++)
        if (!send_request(c)) return false;
    return true;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void run(const opts *o)
{
    int ep = epoll_create1(0);
    client *cs = calloc((size_t)o->conns, sizeof *cs);
    for (int i = 0; i < o->conns; i++) {
        cs[i].fd = dial(o->port);
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &e);
        send_request(&cs[i]);
    }
    double start = now_s(), last_sign = start;
    struct epoll_event evs[64];
    while (now_s() - start < o->seconds) {
        if (now_s() - last_sign > 60) {
            build_request(o);
            last_sign = now_s();
        }
        int n = epoll_wait(ep, evs, 64, 100);
        for (int i = 0; i < n; i++) {
            client *c = evs[i].data.ptr;
            if (!on_readable(c)) {
                g_errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = dial(o->port);
                c->in_len = 0;
                struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
                send_request(c);
            }
        }
    }
    double secs = now_s() - start;
    printf("emulator_rps: %d connections, %.1f s, %ld answers (2xx %ld, 4xx %ld, 5xx %ld), "
           "%ld connection errors\nrequests/s: %.0f\n",
           o->conns, secs, g_total, g_by_class[2], g_by_class[4], g_by_class[5], g_errors,
           (double)g_total / secs);
    for (int i = 0; i < o->conns; i++)
        close(cs[i].fd);
    free(cs);
    close(ep);
}

int main(int argc, char **argv)
{
    opts o = {.conns = 8,
              .seconds = 5,
              .service = "sts",
              .region = "ap-northeast-1",
              .action = "GetCallerIdentity"};
    static const struct option lo[] = {
        {"port", 1, 0, 'p'},   {"connections", 1, 0, 'c'}, {"duration", 1, 0, 'd'},
        {"key", 1, 0, 'k'},    {"secret", 1, 0, 's'},      {"service", 1, 0, 'S'},
        {"region", 1, 0, 'r'}, {"action", 1, 0, 'a'},      {"target", 1, 0, 'T'},
        {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'p':
            o.port = atoi(optarg);
            break;
        case 'c':
            o.conns = atoi(optarg);
            break;
        case 'd':
            o.seconds = atoi(optarg);
            break;
        case 'k':
            o.key = optarg;
            break;
        case 's':
            o.secret = optarg;
            break;
        case 'S':
            o.service = optarg;
            break;
        case 'r':
            o.region = optarg;
            break;
        case 'a':
            o.action = optarg;
            break;
        case 'T':
            o.target = optarg;
            break;
        default:
            return 2;
        }
    }
    if (!o.port || !o.key || !o.secret || o.conns < 1 || o.seconds < 1) {
        fputs("usage: emulator_rps --port N --key AK --secret SK [--connections 8] "
              "[--duration 5] [--service sts --action GetCallerIdentity | --service kms "
              "--target TrentService.ListKeys] [--region R]\n",
              stderr);
        return 2;
    }
    build_request(&o);
    run(&o);
    return g_total > 0 ? 0 : 1;
}
