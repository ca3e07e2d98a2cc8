/* server.c — the emulators' event loop: one epoll instance, non-blocking sockets on 127.0.0.1,
 * HTTP/1.1 keep-alive and pipelining (answers leave in request order), and a timer heap so
 * injected latency delays an answer without blocking the loop. */
#include "http_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUT_PAUSE (4u << 20) /* stop parsing pipelined requests while this much is unsent */
#define READ_CHUNK 65536

typedef struct conn {
    int fd;
    uint64_t id;
    sbuf in, out;
    size_t out_off;
    emu_resp pending; /* an answer waiting for its latency timer */
    bool pending_keep;
    bool waiting, close_after, sent_continue, eof;
    uint32_t events; /* what epoll watches now */
    int64_t last_ms;
} conn;

typedef struct timer {
    int64_t when;
    int fd;
    uint64_t id;
} timer;

static struct {
    int epfd, lfd, port;
    conn **conns; /* by fd */
    int conns_cap, open;
    uint64_t next_id;
    timer *heap;
    size_t nheap, heap_cap;
    int64_t next_tick;
} S;

emu_server_config g_srv = {
    .name = "emulator",
    .max_conns = 4096,
    .max_body = 1u << 20,
    .max_header = 16384,
    .idle_timeout_s = 120,
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* ---- timer heap ----------------------------------------------------------------------------- */
static void heap_swap(size_t a, size_t b)
{
    timer t = S.heap[a];
    S.heap[a] = S.heap[b];
    S.heap[b] = t;
}

static void timer_add(int64_t when, int fd, uint64_t id)
{
    if (S.nheap == S.heap_cap) {
        S.heap_cap = S.heap_cap ? S.heap_cap * 2 : 64;
        S.heap = emu_xrealloc(S.heap, S.heap_cap * sizeof *S.heap);
    }
    size_t i = S.nheap++;
    if (g_srv.on_parked) g_srv.on_parked(S.nheap);
    S.heap[i] = (timer){when, fd, id};
    while (i && S.heap[(i - 1) / 2].when > S.heap[i].when) {
        heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static timer timer_pop(void)
{
    timer top = S.heap[0];
    S.heap[0] = S.heap[--S.nheap];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < S.nheap && S.heap[l].when < S.heap[m].when) m = l;
        if (r < S.nheap && S.heap[r].when < S.heap[m].when) m = r;
        if (m == i) break;
        heap_swap(i, m);
        i = m;
    }
    return top;
}

/* ---- connections ------------------------------------------------------------------------------
 */
static void conn_watch(conn *c)
{
    bool paused = c->eof || c->waiting || c->out.len - c->out_off > OUT_PAUSE;
    uint32_t ev = (paused ? 0 : EPOLLIN) | (c->out_off < c->out.len ? EPOLLOUT : 0);
    if (ev == c->events) return;
    struct epoll_event e = {.events = ev, .data.fd = c->fd};
    epoll_ctl(S.epfd, EPOLL_CTL_MOD, c->fd, &e);
    c->events = ev;
}

static void conn_close(conn *c)
{
    epoll_ctl(S.epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    S.conns[c->fd] = NULL;
    sb_free(&c->in);
    sb_free(&c->out);
    emu_resp_free(&c->pending);
    free(c);
    S.open--;
    if (g_srv.on_conn) g_srv.on_conn(-1, false, false);
}

/* Writes what it can; false when the connection was closed. */
static bool conn_flush(conn *c)
{
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        conn_close(c);
        return false;
    }
    if (c->out_off == c->out.len) {
        c->out.len = c->out_off = 0;
        if (c->close_after && !c->waiting) {
            conn_close(c);
            return false;
        }
    }
    conn_watch(c);
    return true;
}

static void protocol_error(conn *c, const hp_state *st)
{
    emu_resp r = {.status = st->err_status, .ctype = "text/plain; charset=utf-8"};
    sb_printf(&r.body, "%d %s: %s\n", st->err_status, emu_status_text(st->err_status), st->err_msg);
    emu_resp_write(&r, false, &c->out);
    emu_resp_free(&r);
    c->close_after = true;
}

/* Answers one parsed request now, or parks the answer until its latency timer fires.
 * False when the connection was closed (a dropped answer). */
static bool conn_answer(conn *c, emu_req *req)
{
    emu_resp r = {0};
    g_srv.dispatch(req, &r);
    bool keep = req->keep_alive && !r.close;
    if (r.drop) {
        emu_resp_free(&r);
        conn_close(c);
        return false;
    }
    if (!keep) c->close_after = true;
    if (r.delay_ms > 0) {
        c->pending = r;
        c->pending_keep = keep;
        c->waiting = true;
        timer_add(ism_mono_ms() + r.delay_ms, c->fd, c->id);
        return true;
    }
    emu_resp_write(&r, keep, &c->out);
    emu_resp_free(&r);
    return true;
}

/* Parses and answers buffered requests in order; false when the connection was closed. */
static bool conn_process(conn *c)
{
    size_t off = 0;
    bool alive = true, drained = false;
    while (!c->waiting && !c->close_after && c->out.len - c->out_off <= OUT_PAUSE) {
        emu_req req;
        hp_state st;
        hp_result res = emu_http_parse(c->in.p + off, c->in.len - off, &req, &st);
        if (res == HP_NEED_MORE) {
            if (st.headers_done && st.expect_continue && !c->sent_continue) {
                sb_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
                c->sent_continue = true;
            }
            drained = true;
            break;
        }
        if (res == HP_ERROR) {
            protocol_error(c, &st);
            off = c->in.len;
            break;
        }
        off += st.consumed;
        c->sent_continue = false;
        alive = conn_answer(c, &req);
        emu_req_free(&req);
        if (!alive) return false;
    }
    sb_consume(&c->in, off);
    if (c->eof && drained) c->close_after = true; /* the peer sent all it will */
    return conn_flush(c);
}

static void conn_readable(conn *c)
{
    for (;;) {
        sb_reserve(&c->in, READ_CHUNK);
        ssize_t n = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            c->in.p[c->in.len] = '\0';
            if (c->in.len > g_srv.max_header + g_srv.max_body + READ_CHUNK) break;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) {
            conn_close(c);
            return;
        }
        c->eof = true;
        break;
    }
    c->last_ms = ism_mono_ms();
    conn_process(c);
}

static void conn_new(int fd)
{
    if (fd >= S.conns_cap) {
        int cap = S.conns_cap ? S.conns_cap : 1024;
        while (cap <= fd)
            cap *= 2;
        S.conns = emu_xrealloc(S.conns, (size_t)cap * sizeof *S.conns);
        memset(S.conns + S.conns_cap, 0, (size_t)(cap - S.conns_cap) * sizeof *S.conns);
        S.conns_cap = cap;
    }
    conn *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->fd = fd;
    c->id = ++S.next_id;
    c->events = EPOLLIN;
    c->last_ms = ism_mono_ms();
    S.conns[fd] = c;
    S.open++;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(S.epfd, EPOLL_CTL_ADD, fd, &e);
    if (g_srv.on_conn) g_srv.on_conn(1, true, false);
}

static void accept_all(void)
{
    for (;;) {
        int fd = accept4(S.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            return; /* EAGAIN, or out of descriptors: retry on the next event */
        }
        if (S.open >= g_srv.max_conns) {
            close(fd);
            if (g_srv.on_conn) g_srv.on_conn(0, false, true);
            continue;
        }
        conn_new(fd);
    }
}

/* ---- timers and housekeeping --------------------------------------------------------------- */
static void timer_fire(const timer *t)
{
    conn *c = t->fd < S.conns_cap ? S.conns[t->fd] : NULL;
    if (!c || c->id != t->id || !c->waiting) return;
    emu_resp_write(&c->pending, c->pending_keep, &c->out);
    emu_resp_free(&c->pending);
    c->waiting = false;
    c->last_ms = ism_mono_ms();
    conn_process(c);
}

static void housekeeping(int64_t now)
{
    if (now < S.next_tick) return;
    S.next_tick = now + 1000;
    int64_t idle = (int64_t)g_srv.idle_timeout_s * 1000;
    for (int fd = 0; idle > 0 && fd < S.conns_cap; fd++) {
        conn *c = S.conns[fd];
        if (c && !c->waiting && c->out_off == c->out.len && now - c->last_ms > idle) conn_close(c);
    }
}

static void run_timers(void)
{
    int64_t now = ism_mono_ms();
    while (S.nheap && S.heap[0].when <= now) {
        timer t = timer_pop();
        timer_fire(&t);
    }
    housekeeping(now);
}

static int next_timeout(void)
{
    int64_t now = ism_mono_ms(), until = S.next_tick;
    if (S.nheap && S.heap[0].when < until) until = S.heap[0].when;
    return until <= now ? 0 : (int)(until - now);
}

/* ---- setup --------------------------------------------------------------------------------------
 */
static bool write_port_file(const char *path, int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return false;
    fprintf(f, "%d\n", port);
    bool ok = fclose(f) == 0 && rename(tmp, path) == 0;
    return ok;
}

static int listen_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        close(fd);
        return -1;
    }
    S.port = ntohs(a.sin_port);
    return fd;
}

static bool setup(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    S.lfd = listen_loopback(g_srv.port);
    if (S.lfd < 0) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d: %s\n", g_srv.name, g_srv.port,
                strerror(errno));
        return false;
    }
    S.epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = S.lfd};
    if (S.epfd < 0 || epoll_ctl(S.epfd, EPOLL_CTL_ADD, S.lfd, &e) != 0) return false;
    if (g_srv.port_file && !write_port_file(g_srv.port_file, S.port)) {
        fprintf(stderr, "%s: cannot write %s: %s\n", g_srv.name, g_srv.port_file, strerror(errno));
        return false;
    }
    printf("listening on http://127.0.0.1:%d\n", S.port);
    fflush(stdout);
    return true;
}

static void dispatch_event(const struct epoll_event *ev)
{
    if (ev->data.fd == S.lfd) {
        accept_all();
        return;
    }
    conn *c = ev->data.fd < S.conns_cap ? S.conns[ev->data.fd] : NULL;
    if (!c) return;
    if (ev->events & (EPOLLERR | EPOLLHUP) && !(ev->events & EPOLLIN)) {
        conn_close(c);
        return;
    }
    if (ev->events & EPOLLOUT) {
        if (!conn_flush(c)) return;
        if (c->in.len && !c->waiting && !(ev->events & EPOLLIN) && !conn_process(c)) return;
    }
    if (ev->events & EPOLLIN) conn_readable(c);
}

int emu_server_run(void)
{
    if (!setup()) return 1;
    struct epoll_event evs[256];
    S.next_tick = ism_mono_ms() + 1000;
    while (!g_stop) {
        int n = epoll_wait(S.epfd, evs, 256, next_timeout());
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "%s: epoll_wait: %s\n", g_srv.name, strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; i++)
            dispatch_event(&evs[i]);
        run_timers();
    }
    for (int fd = 0; fd < S.conns_cap; fd++)
        if (S.conns[fd]) conn_close(S.conns[fd]);
    close(S.lfd);
    close(S.epfd);
    free(S.conns);
    free(S.heap);
    return 0;
}
