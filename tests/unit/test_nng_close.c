/* test_nng_close.c — the test of deploy/nng/close-completes-queued-transfers.patch: nng_close
 * of a socket whose connection is closed while a message is half transferred must return.
 *
 * In nng 1.5.2 a pipe closed just as its transport's read or write completed part of a message
 * resubmitted that stopped transfer, which never completes, and the protocol's receive or send
 * waiting on it stayed queued for good: nng_close (and so ismapd's shutdown) hung in
 * nni_sock_shutdown while the reaper waited for the pipe. A SUB socket closed while a PUB
 * floods it hit that within a few dozen closes on this machine. Here threads open, connect and
 * close sockets against a peer that keeps large messages flowing, over ipc, TCP and TLS, both
 * ways (the closing side receiving, and the closing side sending). Every close must return:
 * the test fails only when no close returns for a whole wait of tests/lib/waitfor.h — a hang,
 * not a slow machine, is what makes it fail.
 *
 * Closing a listening socket must also free every connection still in its SP handshake or
 * handshaken but not yet taken by the socket (deploy/nng/listener-close-frees-pending-pipes.patch:
 * 1.5.2 leaked them, descriptor and all). Each case ends by waiting until the process holds no
 * more sockets than before it began; the handshake cases close listeners in the middle of a
 * stream of raw connections that hang up before, during or after the handshake. */
#include "testutil.h"
#include "waitfor.h"

#include "ismap/core.h"
#include "ismap/rpc.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { CLOSERS = 4, FEEDERS = 2, MSG_BYTES = 200000 };

/* The sockets this process holds open (TCP, Unix). */
static int count_sockets(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char path[300], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strncmp(target, "socket:", 7) == 0;
        }
    }
    closedir(d);
    return n;
}

/* True once the process holds no more sockets than *arg (nng frees a closed socket's
 * connections in its reaper thread, a moment after nng_close returns). */
static bool sockets_back(void *arg)
{
    return count_sockets() <= *(int *)arg;
}

static void assert_sockets_freed(int before, const char *what)
{
    if (!tu_wait_for(sockets_back, &before, "every connection's socket to be freed"))
        ck_abort_msg("%s: %d sockets still open after every close (%d before)", what,
                     count_sockets(), before);
}

typedef struct race {
    char url[256];
    bool closer_sends;          /* closers are PUB (sending); else SUB (receiving) */
    nng_tls_config *server_tls; /* NULL unless the url is tls+tcp:// */
    nng_tls_config *client_tls;
    nng_socket peer;   /* the long-lived side: PUB feeding, or SUB draining */
    int iterations;    /* closes to make, across all closers */
    atomic_int next;   /* the next iteration to claim */
    atomic_int closed; /* closes that returned */
    int seen;          /* closes counted when the last wait began */
    atomic_int stop;   /* feeders and drainers stop */
} race;

static void *feed(void *arg)
{
    race *r = arg;
    char *buf = malloc(MSG_BYTES);
    memset(buf, 'x', MSG_BYTES);
    while (!atomic_load(&r->stop))
        nng_send(r->peer, buf, MSG_BYTES, 0);
    free(buf);
    return NULL;
}

static void *drain(void *arg)
{
    race *r = arg;
    while (!atomic_load(&r->stop)) {
        void *m;
        size_t n;
        if (nng_recv(r->peer, &m, &n, NNG_FLAG_ALLOC) == 0) nng_free(m, n);
        /* A slow reader keeps the closers' writes partial. */
        usleep(500);
    }
    return NULL;
}

static void *closer(void *arg)
{
    race *r = arg;
    unsigned seed = (unsigned)(uintptr_t)&seed;
    char *buf = malloc(MSG_BYTES);
    memset(buf, 'y', MSG_BYTES);
    while (atomic_fetch_add(&r->next, 1) < r->iterations) {
        nng_socket s;
        int rv = r->closer_sends ? nng_pub0_open(&s) : nng_sub0_open(&s);
        ck_assert_int_eq(rv, 0);
        if (!r->closer_sends) nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
        nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 200);
        nng_dialer d;
        ck_assert_int_eq(nng_dialer_create(&d, s, r->url), 0);
        if (r->client_tls) nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, r->client_tls);
        if (nng_dialer_start(d, 0) == 0) {
            int n = (int)(rand_r(&seed) % 4);
            for (int k = 0; k < n; k++) {
                if (r->closer_sends) {
                    nng_send(s, buf, MSG_BYTES, 0);
                } else {
                    void *m;
                    size_t len;
                    if (nng_recv(s, &m, &len, NNG_FLAG_ALLOC) == 0) nng_free(m, len);
                }
            }
            if (rand_r(&seed) % 2) usleep(rand_r(&seed) % 2000);
        }
        nng_close(s);
        atomic_fetch_add(&r->closed, 1);
    }
    free(buf);
    return NULL;
}

/* True once every close returned, or one more since the wait began. */
static bool progressed(void *arg)
{
    race *r = arg;
    int n = atomic_load(&r->closed);
    return n >= r->iterations || n != r->seen;
}

static void run_race(race *r)
{
    int before = count_sockets();
    int rv = r->closer_sends ? nng_sub0_open(&r->peer) : nng_pub0_open(&r->peer);
    ck_assert_int_eq(rv, 0);
    if (r->closer_sends) nng_socket_set(r->peer, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    nng_socket_set_ms(r->peer, NNG_OPT_RECVTIMEO, 100);
    nng_listener l;
    ck_assert_int_eq(nng_listener_create(&l, r->peer, r->url), 0);
    if (r->server_tls) nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, r->server_tls);
    ck_assert_msg(nng_listener_start(l, 0) == 0, "listen on %s", r->url);

    pthread_t bg[FEEDERS], cl[CLOSERS];
    for (int i = 0; i < FEEDERS; i++)
        pthread_create(&bg[i], NULL, r->closer_sends ? drain : feed, r);
    for (int i = 0; i < CLOSERS; i++)
        pthread_create(&cl[i], NULL, closer, r);

    /* A hang is no close returning for a whole wait: a slow machine only slows the count. */
    while ((r->seen = atomic_load(&r->closed)) < r->iterations) {
        if (!tu_wait_for(progressed, r, "the next nng_close to return")) {
            /* The closers are stuck inside nng: they cannot be joined, and the process ends
             * with this failure (Check runs each test in a child process). */
            ck_abort_msg("%s: nng_close hung — %d of %d closes returned", r->url,
                         atomic_load(&r->closed), r->iterations);
        }
    }
    for (int i = 0; i < CLOSERS; i++)
        pthread_join(cl[i], NULL);
    atomic_store(&r->stop, 1);
    for (int i = 0; i < FEEDERS; i++)
        pthread_join(bg[i], NULL);
    ck_assert_int_eq(nng_close(r->peer), 0);
    assert_sockets_freed(before, r->url);
}

/* Raw clients for the handshake cases: connect, then hang up at once, after sending the SP
 * header (a SUB's), or a moment later — until told to stop. */
typedef struct handshakes {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    atomic_int stop;
} handshakes;

static void *raw_client(void *arg)
{
    handshakes *h = arg;
    unsigned seed = (unsigned)(uintptr_t)&seed;
    static const unsigned char header[8] = {0, 'S', 'P', 0, 0x00, 0x21, 0, 0};
    while (!atomic_load(&h->stop)) {
        int fd = socket(h->addr.ss_family, SOCK_STREAM, 0);
        ck_assert_int_ge(fd, 0);
        if (connect(fd, (struct sockaddr *)&h->addr, h->addrlen) == 0) {
            unsigned how = rand_r(&seed) % 3;
            /* MSG_NOSIGNAL: the listener may already have dropped the connection, and that
             * must be an error here, not a SIGPIPE that ends the test. */
            if (how >= 1 && send(fd, header, sizeof header, MSG_NOSIGNAL) < 0) how = 0;
            if (how == 2) usleep(rand_r(&seed) % 300);
        } else {
            usleep(100); /* the listener is closed or not yet open */
        }
        close(fd);
    }
    return NULL;
}

/* Listeners opened and closed while raw clients keep connecting: every connection the
 * listeners accepted is freed once they are closed. */
static void run_handshakes(bool ipc)
{
    enum { LISTENERS = 20, CLIENTS = 4 };
    char *dir = ipc ? tu_tempdir("nnghandshake") : NULL;
    int before = count_sockets();
    for (int i = 0; i < LISTENERS; i++) {
        handshakes h = {0};
        char url[256];
        if (ipc) {
            struct sockaddr_un *un = (struct sockaddr_un *)&h.addr;
            un->sun_family = AF_UNIX;
            snprintf(un->sun_path, sizeof un->sun_path, "%s/l%d.sock", dir, i);
            h.addrlen = sizeof *un;
            snprintf(url, sizeof url, "ipc://%s", un->sun_path);
        } else {
            struct sockaddr_in *in = (struct sockaddr_in *)&h.addr;
            int port = tu_free_port();
            in->sin_family = AF_INET;
            in->sin_port = htons((uint16_t)port);
            in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            h.addrlen = sizeof *in;
            snprintf(url, sizeof url, "tcp://127.0.0.1:%d", port);
        }
        nng_socket s;
        ck_assert_int_eq(nng_pub0_open(&s), 0);
        ck_assert_msg(nng_listen(s, url, NULL, 0) == 0, "listen on %s", url);
        pthread_t cl[CLIENTS];
        for (int k = 0; k < CLIENTS; k++)
            pthread_create(&cl[k], NULL, raw_client, &h);
        /* Close once some connections came in (more come while it closes). */
        usleep(2000 + (unsigned)i * 200);
        ck_assert_int_eq(nng_close(s), 0);
        atomic_store(&h.stop, 1);
        for (int k = 0; k < CLIENTS; k++)
            pthread_join(cl[k], NULL);
    }
    assert_sockets_freed(before, ipc ? "ipc listeners" : "tcp listeners");
    if (dir) {
        tu_rmtree(dir);
        free(dir);
    }
}

static void run_ipc(bool closer_sends)
{
    char *dir = tu_tempdir("nngclose");
    race r = {.closer_sends = closer_sends, .iterations = 150};
    snprintf(r.url, sizeof r.url, "ipc://%s/race.sock", dir);
    run_race(&r);
    tu_rmtree(dir);
    free(dir);
}

static void run_tcp(bool closer_sends)
{
    race r = {.closer_sends = closer_sends, .iterations = 150};
    snprintf(r.url, sizeof r.url, "tcp://127.0.0.1:%d", tu_free_port());
    run_race(&r);
}

static void run_tls(bool closer_sends)
{
    char *dir = tu_tempdir("nngclosetls");
    char *cmd = ism_strdupf("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                            "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1",
                            dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    char *certf = ism_strdupf("%s/cert.pem", dir), *keyf = ism_strdupf("%s/key.pem", dir);
    ism_error e = {0};
    char *cert = ism_read_file(certf, 1 << 20, NULL, &e),
         *key = ism_read_file(keyf, 1 << 20, NULL, &e);
    ck_assert_ptr_nonnull(cert);
    ck_assert_ptr_nonnull(key);

    race r = {.closer_sends = closer_sends, .iterations = 60};
    snprintf(r.url, sizeof r.url, "tls+tcp://127.0.0.1:%d", tu_free_port());
    ck_assert_int_eq(ism_rpc_tls_engine(), 0); /* the TLS the product uses */
    ck_assert_int_eq(nng_tls_config_alloc(&r.server_tls, NNG_TLS_MODE_SERVER), 0);
    ck_assert_int_eq(nng_tls_config_own_cert(r.server_tls, cert, key, NULL), 0);
    ck_assert_int_eq(nng_tls_config_alloc(&r.client_tls, NNG_TLS_MODE_CLIENT), 0);
    ck_assert_int_eq(nng_tls_config_auth_mode(r.client_tls, NNG_TLS_AUTH_MODE_NONE), 0);
    run_race(&r);
    nng_tls_config_free(r.server_tls);
    nng_tls_config_free(r.client_tls);
    free(cert);
    free(key);
    free(certf);
    free(keyf);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(ipc_receiver_closed_mid_message)
{
    run_ipc(false);
}
END_TEST

START_TEST(ipc_sender_closed_mid_message)
{
    run_ipc(true);
}
END_TEST

START_TEST(tcp_receiver_closed_mid_message)
{
    run_tcp(false);
}
END_TEST

START_TEST(tcp_sender_closed_mid_message)
{
    run_tcp(true);
}
END_TEST

START_TEST(tls_receiver_closed_mid_message)
{
    run_tls(false);
}
END_TEST

START_TEST(tls_sender_closed_mid_message)
{
    run_tls(true);
}
END_TEST

START_TEST(ipc_listener_closed_during_handshakes)
{
    run_handshakes(true);
}
END_TEST

START_TEST(tcp_listener_closed_during_handshakes)
{
    run_handshakes(false);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nng_close");
    TCase *tc = tcase_create("close");
    tcase_add_test(tc, ipc_receiver_closed_mid_message);
    tcase_add_test(tc, ipc_sender_closed_mid_message);
    tcase_add_test(tc, tcp_receiver_closed_mid_message);
    tcase_add_test(tc, tcp_sender_closed_mid_message);
    tcase_add_test(tc, tls_receiver_closed_mid_message);
    tcase_add_test(tc, tls_sender_closed_mid_message);
    tcase_add_test(tc, ipc_listener_closed_during_handshakes);
    tcase_add_test(tc, tcp_listener_closed_during_handshakes);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
