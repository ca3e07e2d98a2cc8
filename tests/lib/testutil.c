/* testutil.c — temp dirs, daemon process control and one-shot calls for the tests. */
#include "testutil.h"
#include "waitfor.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *tu_pg_database(const char *name)
{
    const char *server = getenv("ISMAP_TEST_PG_URL");
    if (!server || !*server) return NULL;
    char *admin = ism_strdupf("%spostgres", server);
    PGconn *c = PQconnectdb(admin);
    free(admin);
    char *url = NULL;
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "tu_pg_database: cannot connect to %s: %s", server, PQerrorMessage(c));
    } else {
        /* template0 + LOCALE 'C': the collation the store requires (bytewise text order). */
        char *sql = ism_strdupf("CREATE DATABASE \"%s\" TEMPLATE template0 LOCALE 'C' "
                                "ENCODING 'UTF8'",
                                name);
        PGresult *r = PQexec(c, sql);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        /* 42P04: it exists already (the same daemon data dir, started again). */
        if (PQresultStatus(r) == PGRES_COMMAND_OK || (state && !strcmp(state, "42P04")))
            url = ism_strdupf("%s%s", server, name);
        else
            fprintf(stderr, "tu_pg_database: %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        free(sql);
    }
    PQfinish(c);
    return url;
}

char *tu_store_location(const char *dir)
{
    if (!getenv("ISMAP_TEST_PG_URL") || !*getenv("ISMAP_TEST_PG_URL"))
        return ism_strdupf("%s/ismap.db", dir);
    static int n;
    char name[64];
    snprintf(name, sizeof name, "t_%ld_%d", (long)getpid(),
             __atomic_add_fetch(&n, 1, __ATOMIC_SEQ_CST));
    char *url = tu_pg_database(name);
    if (!url) {
        fprintf(stderr, "tu_store_location: no PostgreSQL database; the test cannot run\n");
        abort();
    }
    return url;
}

char *tu_daemon_store(const char *data_dir)
{
    if (!getenv("ISMAP_TEST_PG_URL") || !*getenv("ISMAP_TEST_PG_URL")) return NULL;
    char hash[65], name[40];
    ism_sha256_hex(data_dir, strlen(data_dir), hash);
    snprintf(name, sizeof name, "d_%.24s", hash);
    return tu_pg_database(name);
}

char *tu_tempdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *p = ism_strdupf("%s/ismtest-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    if (remove(path) != 0 && errno != ENOENT) fprintf(stderr, "could not remove %s\n", path);
    return 0;
}

/* In-process (nftw, children first, links not followed), not `rm -rf` through system(): every
 * test's teardown calls this, and forking a shell from a large ASan process costs more than
 * the test. */
void tu_rmtree(const char *path)
{
    if (!path || strlen(path) < 8) return;
    struct stat sb;
    if (lstat(path, &sb) != 0) return;
    nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

const char *tu_source_dir(void)
{
    const char *s = getenv("ISM_SOURCE_DIR");
    return s && *s ? s : ".";
}

const char *tu_shared_dir(void)
{
    static char buf[4096];
    const char *s = getenv("ISM_SHARED_DIR");
    if (!s || !*s) {
        snprintf(buf, sizeof buf, "%s/../shared", tu_source_dir());
        s = buf;
    }
    struct stat sb;
    return stat(s, &sb) == 0 && S_ISDIR(sb.st_mode) ? s : NULL;
}

/* The lowest port the kernel hands out to outgoing connections (ip_local_port_range), or
 * -1 when it cannot be read. */
static int ephemeral_low(void)
{
    FILE *fp = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    int lo = -1, hi = -1;
    if (fp) {
        if (fscanf(fp, "%d %d", &lo, &hi) != 2) lo = -1;
        fclose(fp);
    }
    return lo;
}

/* Binds 127.0.0.1:port (0: any) and closes; the port bound, or -1. */
static int try_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int got = bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
                      getsockname(fd, (struct sockaddr *)&a, &len) == 0
                  ? ntohs(a.sin_port)
                  : -1;
    close(fd);
    return got;
}

/* A port the kernel would give an outgoing connection (bind to port 0, the ephemeral range)
 * can be taken by another test's connection before the daemon binds it: ismapd then refuses to
 * start. So the port comes from below that range, where only a bind takes ports: a random one
 * of the 8,000 under it that is free now. Falls back to the kernel's choice when the range
 * starts too low for that. */
int tu_free_port(void)
{
    int lo = ephemeral_low();
    if (lo >= 10000) {
        unsigned r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
        const int span = 8000;
        for (int i = 0; i < 200; i++) {
            int port = lo - 1 - (int)((r + (unsigned)i * 7919u) % span);
            if (try_port(port) == port) return port;
        }
    }
    return try_port(0);
}

json_t *tu_call(const char *url, const char *op, json_t *params, const char *token)
{
    ism_error err = {0};
    ism_rpc_client *c = ism_rpc_client_open(url, NULL, 10000, &err);
    json_t *reply = NULL;
    if (c) ism_rpc_client_call(c, op, params, token, &reply, &err);
    ism_rpc_client_close(c);
    json_decref(params);
    ism_error_clear(&err);
    return reply;
}

const char *tu_code(const json_t *reply)
{
    if (!reply) return "no-reply";
    if (json_is_true(json_object_get(reply, "ok"))) return "ok";
    return ism_json_getstr(json_object_get(reply, "error"), "code");
}

bool tu_daemon_start(tu_daemon *d, const char *data_dir, const char *const *extra)
{
    const char *bin = getenv("ISMAPD");
    if (!bin) bin = "ismapd";
    memset(d, 0, sizeof *d);
    d->data_dir = strdup(data_dir);
    snprintf(d->url, sizeof d->url, "ipc://%s/ismapd.sock", data_dir);
    snprintf(d->log, sizeof d->log, "%s.log", data_dir);
    const char *argv[64];
    int n = 0;
    argv[n++] = bin;
    argv[n++] = "--data-dir";
    argv[n++] = data_dir;
    argv[n++] = "--log-file";
    argv[n++] = d->log;
    argv[n++] = "--log-level";
    argv[n++] = "debug";
    /* On PostgreSQL (tests/pg/pg_run.sh) the daemon's store is a database of its own, the same
     * one each time this data dir is started again. */
    char *store = tu_daemon_store(data_dir);
    if (store) {
        argv[n++] = "--store";
        argv[n++] = store;
    }
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    d->pid = fork();
    if (d->pid == 0) {
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    free(store);
    /* Until it answers or exits; a busy machine may take long to load the catalogs. */
    int64_t deadline = ism_mono_ms() + tu_wait_limit_ms();
    while (ism_mono_ms() < deadline) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
        int status;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            /* Say why: the end of its log (a port taken meanwhile, a bad flag, ...). */
            d->pid = 0;
            fprintf(stderr, "ismapd exited while starting (wait status %d); its log %s ends:\n",
                    status, d->log);
            size_t len = 0;
            ism_error e = {0};
            char *log = ism_read_file(d->log, 1 << 24, &len, &e);
            if (log) fputs(len > 2000 ? log + len - 2000 : log, stderr);
            free(log);
            ism_error_clear(&e);
            return false;
        }
        json_t *r = tu_call(d->url, "ping", NULL, NULL);
        bool ok = r && json_is_true(json_object_get(r, "ok"));
        json_decref(r);
        if (ok) return true;
    }
    return false;
}

int tu_daemon_stop(tu_daemon *d)
{
    int status = -1;
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        int64_t deadline = ism_mono_ms() + tu_wait_limit_ms();
        for (;;) {
            if (waitpid(d->pid, &status, WNOHANG) == d->pid) break;
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
            if (ism_mono_ms() > deadline) {
                kill(d->pid, SIGKILL);
                waitpid(d->pid, &status, 0);
                status = -1;
                break;
            }
        }
    }
    d->pid = 0;
    free(d->data_dir);
    d->data_dir = NULL;
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void tu_daemon_kill9(tu_daemon *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
    }
    d->pid = 0;
    free(d->data_dir);
    d->data_dir = NULL;
}

bool tu_sp_send_oversized(int port, unsigned long long len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0) close(fd);
        return false;
    }
    /* SP header: 0, 'S', 'P', version 0, protocol REQ (0x30) big-endian, two reserved bytes. */
    const unsigned char hdr[8] = {0, 'S', 'P', 0, 0, 0x30, 0, 0};
    unsigned char peer[8], lenbuf[8], junk[4096] = {0};
    /* send(MSG_NOSIGNAL): the server may drop the connection as soon as it reads the length,
     * and a write to a closed socket must be an error here, not a SIGPIPE for the test. */
    bool ok = send(fd, hdr, sizeof hdr, MSG_NOSIGNAL) == (ssize_t)sizeof hdr &&
              read(fd, peer, sizeof peer) == (ssize_t)sizeof peer;
    for (int k = 0; k < 8; k++)
        lenbuf[k] = (unsigned char)(len >> (56 - 8 * k));
    ok = ok && send(fd, lenbuf, sizeof lenbuf, MSG_NOSIGNAL) == (ssize_t)sizeof lenbuf;
    if (ok && send(fd, junk, sizeof junk, MSG_NOSIGNAL) < 0 &&
        (errno == EPIPE || errno == ECONNRESET)) {
        close(fd); /* already dropped */
        return true;
    }
    /* The server must close: read returns 0 or an error within a few seconds. */
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    ssize_t n = ok ? read(fd, &c, 1) : -1;
    bool dropped = ok && (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK));
    close(fd);
    return dropped;
}

int tu_run_suite(Suite *s)
{
    /* As ismapd and ismapctl: a test that closes a TLS socket and exits must not have OpenSSL
     * torn down beside nng's reaper (include/ismap/rpc.h). */
    ism_rpc_tls_process_init();
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
