/* main.c — ismapd: loads configuration, opens the store, starts the job workers and the
 * nng server, and shuts all of it down in order on SIGTERM or SIGINT. */
#include "ismap/provider.h"
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "ismap/evidence.h"
#include "ismap/jobs.h"
#include "ismap/matrix.h"
#include "ismap/rpc.h"
#include "ismap/snapshot.h"
#include "ismap/store.h"

#include "collector.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ctype.h>

#define MAX_LISTEN 8

typedef struct config {
    char *data_dir;
    char *store_url;           /* store.url: a PostgreSQL database; NULL: DATA_DIR/ismap.db */
    char *store_password_file; /* store.password_file: the database password, never logged */
    char *listen[MAX_LISTEN];
    int nlisten;
    char *events;
    char *tls_cert, *tls_key;
    char *tls_client_ca; /* tls.client_ca: require client certificates signed by it */
    /* --role collector: a remote collector of the central at `connect` (collector.*). */
    bool collector;
    char *connect, *token, *token_file, *ca_file, *client_cert, *client_key;
    json_t *overrides; /* collector.overrides */
    int poll_s;
    bool print_key;
    int lease_s; /* collectors.lease_s */
    /* jobs.*: several ismapd on one store (README "Several processes on one store"). */
    char *worker_id;
    int job_lease_ms;
    int peer_events_ms; /* -1: not set */
    bool shared_data_dir;
    size_t max_msg;
    int workers, contexts;
    int conn_per_address, conn_total, conn_unauth, idle_timeout_s;
    size_t unauth_msg;
    char *log_level, *log_file;
    char *catalog_dir;
    char *checks_dir;
    char **endpoint_allow;                    /* collect.endpoint_allow, NULL-terminated */
    char *http_listen, *http_cert, *http_key; /* the HTTP gateway (http.*); NULL: none */
    int http_conns, http_per_address, http_timeout_s, session_idle_s, session_absolute_s;
} config;

static void usage(FILE *fp)
{
    fputs(
        "Usage: ismapd [OPTIONS]\n"
        "The ismap-assess daemon: serves the ismapctl API over nng and runs jobs.\n\n"
        "  -c, --config FILE        JSON config (keys below); flags override it\n"
        "  -d, --data-dir DIR       data directory (store, sockets, keys) [/var/lib/ismap]\n"
        "      --store URL          keep the store in PostgreSQL: postgresql://USER@HOST:PORT/DB\n"
        "                           (a database with the C collation; shared by several\n"
        "                           ismapd) [the SQLite file DATA_DIR/ismap.db]\n"
        "  -l, --listen URL         listen URL, repeatable: ipc://PATH (trusted local admin,\n"
        "                           mode 0600), tls+tcp://HOST:PORT (token required), or\n"
        "                           tcp://127.0.0.1:PORT (loopback only, token required)\n"
        "                           [ipc://DATA_DIR/ismapd.sock]\n"
        "      --events URL         PUB socket for events, ipc:// only (events carry no\n"
        "                           token) [ipc://DATA_DIR/events.sock]\n"
        "      --http URL           HTTP gateway (API, web UI): https://HOST:PORT, or\n"
        "                           http://127.0.0.1:PORT (loopback only) [none]\n"
        "      --tls-cert FILE      PEM certificate chain for tls+tcp:// and https://\n"
        "      --tls-key FILE       PEM private key for tls+tcp:// and https://\n"
        "      --max-message BYTES  largest request accepted [16777216]\n"
        "      --workers N          job worker threads [2]\n"
        "      --contexts N         requests served at once [8]\n"
        "      --conn-per-address N remote connections one address may hold [16]\n"
        "      --conn-total N       remote connections in all [256; lowered to keep file\n"
        "                           descriptors free for the local socket]\n"
        "      --conn-unauthenticated N  remote connections that have not yet sent a\n"
        "                           valid token, in all [32]\n"
        "      --idle-timeout SECS  close a remote connection that completes no request\n"
        "                           for this long (stalled or slow senders) [60]\n"
        "      --log-level LEVEL    debug, info, warn, error [info]\n"
        "      --log-file FILE      JSON-lines log file [stderr]\n"
        "      --catalog-dir DIR    catalog and crosswalk JSON files [$ISMAP_CATALOG_DIR, else\n"
        "                           the installed share/ismap-assess/catalog, else the source\n"
        "                           tree's catalog/]\n"
        "      --checks-dir DIR     check definitions, one folder per provider\n"
        "                           [$ISMAP_CHECKS_DIR, else the installed\n"
        "                           share/ismap-assess/checks, else the source tree's checks/]\n"
        "      --role ROLE          central (serve the API and run jobs) or collector (a\n"
        "                           remote collector in another network zone: no API; claims\n"
        "                           the central's collections for its zone, runs them with\n"
        "                           this host's credentials, uploads sealed snapshots)\n"
        "                           [central]\n"
        "      --connect URL        collector: the central ismapd, tls+tcp://HOST:PORT\n"
        "      --token TOKEN        collector: its token (from collector.register); or\n"
        "      --token-file FILE    ... read from FILE, or from $ISMAP_COLLECTOR_TOKEN\n"
        "      --ca-file FILE       collector: CA that signed the central's certificate\n"
        "      --cert FILE          collector: client certificate for mutual TLS\n"
        "      --key FILE           collector: the client certificate's private key\n"
        "      --poll SECS          collector: wait between claims when idle [5]\n"
        "      --print-public-key   collector: print its snapshot signing public key (made\n"
        "                           at first use) for collector.register, and exit\n"
        "  -h, --help               this help\n"
        "  -V, --version            print the version\n\n"
        "Config keys: data_dir, store.url (as --store), store.password_file (a file holding\n"
        "the database password; or put it in the URL, PGPASSWORD or ~/.pgpass; it is never\n"
        "logged), listen (array), events, tls.cert_file, tls.key_file,\n"
        "max_message_bytes, workers, contexts, log.level, log.file, catalog_dir, checks_dir,\n"
        "connections.per_address, connections.total, connections.unauthenticated,\n"
        "connections.idle_timeout_s, connections.unauthenticated_message_bytes (the largest\n"
        "request a remote connection may send before it has sent a valid token [65536]),\n"
        "collect.endpoint_allow (hosts an admin may point endpoint_url at, e.g.\n"
        "[\"127.0.0.1\"]), http.listen, http.tls_cert, http.tls_key\n"
        "(default: tls.*), http.max_connections [256], http.per_address [32],\n"
        "http.timeout_s [30], http.session_idle_s [1800], http.session_absolute_s [43200],\n"
        "tls.client_ca (require tls+tcp clients to present a certificate it signed),\n"
        "collectors.lease_s (a remote collector's job returns to the queue after this long\n"
        "without progress [60]), jobs.worker_id (this process's id in the shared job queue\n"
        "[HOST:DATA_DIR]; keep it stable so a restart takes its own jobs back at once),\n"
        "jobs.lease_ms (a running job returns to the queue after this long without a\n"
        "heartbeat of its process [30000]), jobs.shared_data_dir (true: other ismapd on the\n"
        "same store use this data directory too; each needs its own listen/events URLs),\n"
        "jobs.peer_events_ms (publish other daemons' job events, polled this often; 0: off;\n"
        "on PostgreSQL they come at once by LISTEN/NOTIFY and the poll is a safety net\n"
        "[5000 on PostgreSQL, 500 with a shared SQLite data directory, else 0]);\n"
        "for --role collector: collector.connect,\n"
        "collector.token_file, collector.ca_file, collector.cert_file, collector.key_file,\n"
        "collector.poll_s, collector.overrides ({\"aws\": {\"endpoint_url\": URL}}: params\n"
        "this host sets itself; the central may not set endpoints or files).\n",
        fp);
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v ? strdup(v) : NULL;
}

static bool load_config(config *c, const char *path, ism_error *err)
{
    char *text = ism_read_file(path, 1 << 20, NULL, err);
    if (!text) return false;
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    free(text);
    if (!j || !json_is_object(j)) {
        ism_error_set(err, ISM_E_CONFIG, "%s:%d:%d: %s", path, je.line, je.column,
                      j ? "config must be a JSON object" : je.text);
        json_decref(j);
        return false;
    }
    static const char *const known[] = {
        "data_dir",    "listen",   "events", "tls",         "max_message_bytes",
        "workers",     "contexts", "log",    "catalog_dir", "checks_dir",
        "connections", "collect",  "http",   "collectors",  "collector",
        "store",       "jobs"};
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok |= !strcmp(key, known[i]);
        if (!ok) {
            ism_error_set(err, ISM_E_CONFIG, "%s: unknown key '%s'", path, key);
            json_decref(j);
            return false;
        }
    }
    const char *s;
    json_int_t n;
    bool ok = true;
    ism_error e = {0};
#define STR(obj, k, dst)                                                                           \
    if (ok && (ok = ism_json_str(obj, k, false, &s, &e)) && s) set_str(dst, s)
    STR(j, "data_dir", &c->data_dir);
    STR(j, "events", &c->events);
    STR(j, "catalog_dir", &c->catalog_dir);
    STR(j, "checks_dir", &c->checks_dir);
    json_t *store = json_object_get(j, "store");
    if (store && !json_is_object(store))
        ok = ism_error_set(&e, ISM_E_CONFIG,
                           "'store' must be an object: {\"url\": \"postgresql://...\"}");
    const char *skey;
    json_t *sval;
    if (ok && store) json_object_foreach(store, skey, sval)
        {
            if (strcmp(skey, "url") && strcmp(skey, "password_file")) {
                ok = ism_error_set(&e, ISM_E_CONFIG,
                                   "unknown key 'store.%s' (store keys: url, password_file)", skey);
                break;
            }
        }
    STR(store, "url", &c->store_url);
    STR(store, "password_file", &c->store_password_file);
    if (ok && c->store_url && !ism_store_is_url(c->store_url))
        ok = ism_error_set(&e, ISM_E_CONFIG,
                           "'store.url' must be a postgresql:// or postgres:// URL (the SQLite "
                           "store needs no setting: it is DATA_DIR/ismap.db)");
    json_t *tls = json_object_get(j, "tls");
    STR(tls, "cert_file", &c->tls_cert);
    STR(tls, "key_file", &c->tls_key);
    STR(tls, "client_ca", &c->tls_client_ca);
    json_t *col = json_object_get(j, "collector");
    if (col && !json_is_object(col))
        ok = ism_error_set(&e, ISM_E_CONFIG, "'collector' must be an object");
    STR(col, "connect", &c->connect);
    STR(col, "token_file", &c->token_file);
    STR(col, "ca_file", &c->ca_file);
    STR(col, "cert_file", &c->client_cert);
    STR(col, "key_file", &c->client_key);
    json_t *ov = json_object_get(col, "overrides");
    if (ok && ov && !json_is_object(ov))
        ok = ism_error_set(&e, ISM_E_CONFIG,
                           "'collector.overrides' must be an object: provider -> params");
    if (ok && ov) c->overrides = json_incref(ov);
    json_t *http = json_object_get(j, "http");
    if (http && !json_is_object(http))
        ok = ism_error_set(&e, ISM_E_CONFIG, "'http' must be an object");
    STR(http, "listen", &c->http_listen);
    STR(http, "tls_cert", &c->http_cert);
    STR(http, "tls_key", &c->http_key);
    json_t *jobs = json_object_get(j, "jobs");
    if (ok && jobs && !json_is_object(jobs))
        ok = ism_error_set(&e, ISM_E_CONFIG, "'jobs' must be an object");
    STR(jobs, "worker_id", &c->worker_id);
    json_t *shared = json_object_get(jobs, "shared_data_dir");
    if (ok && shared && !json_is_boolean(shared))
        ok = ism_error_set(&e, ISM_E_CONFIG, "'jobs.shared_data_dir' must be true or false");
    c->shared_data_dir = json_is_true(shared);
    n = 0;
    if (ok && (ok = ism_json_int(jobs, "lease_ms", false, 300, 3600000, &n, &e)) && n)
        c->job_lease_ms = (int)n;
    n = -1;
    if (ok && (ok = ism_json_int(jobs, "peer_events_ms", false, 0, 60000, &n, &e)) && n >= 0)
        c->peer_events_ms = (int)n;
    json_t *log = json_object_get(j, "log");
    STR(log, "level", &c->log_level);
    STR(log, "file", &c->log_file);
#undef STR
    n = 0;
    if (ok && (ok = ism_json_int(col, "poll_s", false, 1, 3600, &n, &e)) && n) c->poll_s = (int)n;
    n = 0;
    if (ok &&
        (ok = ism_json_int(json_object_get(j, "collectors"), "lease_s", false, 3, 86400, &n, &e)) &&
        n)
        c->lease_s = (int)n;
    n = 0;
    if (ok && (ok = ism_json_int(j, "max_message_bytes", false, 1024, 1 << 30, &n, &e)) && n)
        c->max_msg = (size_t)n;
    n = 0;
    if (ok && (ok = ism_json_int(j, "workers", false, 1, 64, &n, &e)) && n) c->workers = (int)n;
    n = 0;
    if (ok && (ok = ism_json_int(j, "contexts", false, 1, 64, &n, &e)) && n) c->contexts = (int)n;
    json_t *conns = json_object_get(j, "connections");
    n = 0;
    if (ok && (ok = ism_json_int(conns, "per_address", false, 1, 100000, &n, &e)) && n)
        c->conn_per_address = (int)n;
    n = 0;
    if (ok && (ok = ism_json_int(conns, "total", false, 1, 1000000, &n, &e)) && n)
        c->conn_total = (int)n;
    n = 0;
    if (ok && (ok = ism_json_int(conns, "unauthenticated", false, 1, 1000000, &n, &e)) && n)
        c->conn_unauth = (int)n;
    n = 0;
    if (ok && (ok = ism_json_int(conns, "idle_timeout_s", false, 1, 86400, &n, &e)) && n)
        c->idle_timeout_s = (int)n;
    n = 0;
    if (ok &&
        (ok = ism_json_int(conns, "unauthenticated_message_bytes", false,
                           ISM_RPC_MIN_UNAUTH_MAX_MSG, (json_int_t)1 << 40, &n, &e)) &&
        n)
        c->unauth_msg = (size_t)n;
    static const struct {
        const char *key;
        int lo, hi;
        size_t off;
    } http_ints[] = {
        {"max_connections", 1, 100000, offsetof(config, http_conns)},
        {"per_address", 1, 100000, offsetof(config, http_per_address)},
        {"timeout_s", 1, 3600, offsetof(config, http_timeout_s)},
        {"session_idle_s", 60, 86400 * 7, offsetof(config, session_idle_s)},
        {"session_absolute_s", 60, 86400 * 30, offsetof(config, session_absolute_s)},
    };
    for (size_t i = 0; i < sizeof http_ints / sizeof http_ints[0]; i++) {
        n = 0;
        if (ok &&
            (ok = ism_json_int(http, http_ints[i].key, false, http_ints[i].lo, http_ints[i].hi, &n,
                               &e)) &&
            n)
            *(int *)((char *)c + http_ints[i].off) = (int)n;
    }
    json_t *allow = json_object_get(json_object_get(j, "collect"), "endpoint_allow");
    if (ok && allow) {
        size_t i;
        json_t *u;
        ok = json_is_array(allow) && json_array_size(allow) <= 64;
        c->endpoint_allow = calloc(json_array_size(allow) + 1, sizeof *c->endpoint_allow);
        json_array_foreach(allow, i, u)
        {
            if (!ok || !c->endpoint_allow || !json_is_string(u) || !*json_string_value(u)) {
                ok = false;
                break;
            }
            c->endpoint_allow[i] = strdup(json_string_value(u));
        }
        if (!ok)
            ism_error_set(&e, ISM_E_CONFIG,
                          "'collect.endpoint_allow' must be an array of up to 64 host names");
    }
    json_t *ls = json_object_get(j, "listen");
    if (ok && ls) {
        size_t i;
        json_t *u;
        if (!json_is_array(ls) || json_array_size(ls) > MAX_LISTEN) {
            ok = ism_error_set(&e, ISM_E_CONFIG, "'listen' must be an array of up to %d URLs",
                               MAX_LISTEN);
        } else {
            json_array_foreach(ls, i, u)
            {
                if (!json_is_string(u)) {
                    ok = ism_error_set(&e, ISM_E_CONFIG, "'listen[%zu]' must be a string", i);
                    break;
                }
                c->listen[c->nlisten++] = strdup(json_string_value(u));
            }
        }
    }
    json_decref(j);
    if (!ok) {
        ism_error_set(err, ISM_E_CONFIG, "%s: %s", path, e.message);
        ism_error_clear(&e);
    }
    return ok;
}

static void free_config(config *c)
{
    free(c->store_url);
    free(c->store_password_file);
    for (size_t i = 0; c->endpoint_allow && c->endpoint_allow[i]; i++)
        free(c->endpoint_allow[i]);
    free(c->endpoint_allow);
    free(c->data_dir);
    free(c->worker_id);
    for (int i = 0; i < c->nlisten; i++)
        free(c->listen[i]);
    free(c->events);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->log_level);
    free(c->log_file);
    free(c->catalog_dir);
    free(c->checks_dir);
    free(c->http_listen);
    free(c->http_cert);
    free(c->http_key);
    free(c->tls_client_ca);
    free(c->connect);
    free(c->token);
    free(c->token_file);
    free(c->ca_file);
    free(c->client_cert);
    free(c->client_key);
    json_decref(c->overrides);
}

typedef struct daemon_state {
    ism_rpc_server *srv;
    ism_rpc_http_server *http;
} daemon_state;

static void on_event(void *ctx, const char *topic, const json_t *ev)
{
    daemon_state *d = ctx;
    ism_rpc_publish(d->srv, topic, ev);
    ism_rpc_http_publish(d->http, topic, ev);
}

/* Each connection is a file descriptor: take every one the hard limit allows, so that idle
 * connections meet the connection caps long before the descriptor limit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        ism_log(ISM_LOG_INFO, "daemon.fd_limit", "file descriptor limit raised from %llu to %llu",
                (unsigned long long)was, (unsigned long long)rl.rlim_cur);
}

/* The data directory holds the store, the signing key and the trusted admin socket: it is
 * ours alone. An existing one left group- or world-accessible is tightened to 0700 (and the
 * change logged); one we do not own, or cannot tighten, stops the start. */
static bool private_data_dir(const char *dir, ism_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return ism_error_set(err, ISM_E_IO, "cannot stat data directory %s: %s", dir,
                             strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return ism_error_set(err, ISM_E_CONFIG, "data directory %s is not a directory", dir);
    if (sb.st_uid != geteuid())
        return ism_error_set(err, ISM_E_CONFIG,
                             "data directory %s belongs to uid %ld, not to this user (uid %ld); "
                             "refusing to keep the store and the admin socket there",
                             dir, (long)sb.st_uid, (long)geteuid());
    if ((sb.st_mode & 077) == 0) return true;
    if (chmod(dir, 0700) != 0)
        return ism_error_set(err, ISM_E_CONFIG,
                             "data directory %s has mode %04o and cannot be made 0700: %s", dir,
                             (unsigned)(sb.st_mode & 07777), strerror(errno));
    ism_log(ISM_LOG_WARN, "daemon.data_dir_mode", "data directory %s had mode %04o; now 0700", dir,
            (unsigned)(sb.st_mode & 07777));
    return true;
}

/* One daemon per data directory: an exclusive lock held for the life of the process. With
 * jobs.shared_data_dir, a shared lock: several ismapd on one store may use one directory (its
 * snapshots and signing key), but never alongside a daemon that expects it alone. */
static int lock_data_dir(const char *dir, bool shared, ism_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ismapd.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        ism_error_set(err, ISM_E_IO, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        ism_error_set(err, ISM_E_CONFIG,
                      shared ? "an ismapd that does not share its data directory is using %s"
                             : "another ismapd is using %s (several ismapd on one store may share "
                               "it with jobs.shared_data_dir)",
                      dir);
        close(fd);
        return -1;
    }
    if (shared) return fd; /* the pid of one of several would mislead */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n) {
        ism_error_set(err, ISM_E_IO, "cannot write %s", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* The store's URL with the password of store.password_file added (percent-encoded, as a
 * password= parameter, which libpq prefers to one in the URL). malloc'd, or NULL with err. */
static char *store_location(const config *c, ism_error *err)
{
    if (!c->store_password_file) return strdup(c->store_url);
    char *pw = ism_read_file(c->store_password_file, 4096, NULL, err);
    if (!pw) {
        char why[ISM_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", err ? err->message : "");
        ism_error_set(err, ISM_E_CONFIG, "store.password_file: %s", why);
        return NULL;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    size_t n = strlen(pw), o = 0;
    char *enc = malloc(n * 3 + 1);
    for (size_t i = 0; enc && i < n; i++) {
        unsigned char ch = (unsigned char)pw[i];
        if (isalnum(ch) || strchr("-._~", ch))
            enc[o++] = (char)ch;
        else
            o += (size_t)sprintf(enc + o, "%%%02X", ch);
    }
    char *url = NULL;
    if (enc) {
        enc[o] = '\0';
        url = ism_strdupf("%s%spassword=%s", c->store_url, strchr(c->store_url, '?') ? "&" : "?",
                          enc);
        memset(enc, 0, o);
    }
    memset(pw, 0, n);
    free(pw);
    free(enc);
    if (!url) ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    return url;
}

/* The job queue's worker id: jobs.worker_id, else HOST:DATA_DIR — stable across restarts, so
 * a restarted daemon takes its own interrupted jobs back at once. Processes sharing a data
 * directory without worker ids get HOST:DATA_DIR:PID (their jobs wait for lease expiry). */
static bool configure_jobs(ism_jobs *q, ism_store *st, const config *c, ism_error *err)
{
    char id[160], host[64] = "localhost", real[4096];
    gethostname(host, sizeof host - 1);
    const char *dir = realpath(c->data_dir, real) ? real : c->data_dir;
    if (c->worker_id)
        ism_strlcpy(id, c->worker_id, sizeof id);
    else if (c->shared_data_dir)
        snprintf(id, sizeof id, "%s:%.80s:%ld", host, dir, (long)getpid());
    else
        snprintf(id, sizeof id, "%s:%.90s", host, dir);
    if (!ism_jobs_configure(q, id, c->job_lease_ms, NULL, NULL, err)) return false;
    /* Other daemons' job events are echoed when others can exist: a shared data directory or
     * a PostgreSQL store. On PostgreSQL notifications carry them at once and the poll is only
     * the safety net, so it can be slow. */
    int peer_ms = c->peer_events_ms;
    if (peer_ms < 0)
        peer_ms = ism_store_backend(st) == ISM_DB_POSTGRES ? 5000 : c->shared_data_dir ? 500 : 0;
    if (!ism_jobs_peer_events(q, peer_ms, err)) return false;
    ism_logj(ISM_LOG_INFO, "jobs.worker",
             json_pack("{s:s, s:i}", "worker", id, "lease_ms",
                       c->job_lease_ms ? c->job_lease_ms : ISM_JOBS_DEFAULT_LEASE_MS),
             "job worker id %s", id);
    return true;
}

/* --role collector: no store, no API; the loop of collector.c. */
static int run_collector(config *c)
{
    if (!c->connect) {
        ism_log(ISM_LOG_ERROR, "daemon.start_failed",
                "--role collector needs --connect URL (the central ismapd)");
        return 2;
    }
    if (!c->token && c->token_file) {
        ism_error err = {0};
        char *t = ism_read_file(c->token_file, 4096, NULL, &err);
        if (!t) {
            ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
            ism_error_clear(&err);
            return 2;
        }
        t[strcspn(t, "\r\n")] = '\0';
        c->token = t;
    }
    if (!c->token && getenv("ISMAP_COLLECTOR_TOKEN"))
        c->token = strdup(getenv("ISMAP_COLLECTOR_TOKEN"));
    if (!c->token || !*c->token) {
        ism_log(ISM_LOG_ERROR, "daemon.start_failed",
                "--role collector needs its token: --token, --token-file or "
                "$ISMAP_COLLECTOR_TOKEN (from collector.register)");
        return 2;
    }
    ism_daemon_collector_config cc = {.data_dir = c->data_dir,
                                      .connect = c->connect,
                                      .token = c->token,
                                      .ca_file = c->ca_file,
                                      .cert_file = c->client_cert,
                                      .key_file = c->client_key,
                                      .overrides = c->overrides,
                                      .poll_s = c->poll_s};
    return ism_daemon_collector_run(&cc);
}

static int run(config *c)
{
    ism_error err = {0};
    ism_log_level lvl = ISM_LOG_INFO;
    if (c->log_level && !ism_log_level_parse(c->log_level, &lvl)) {
        fprintf(stderr, "ismapd: log level must be debug, info, warn or error, not '%s'\n",
                c->log_level);
        return 2;
    }
    if (!ism_log_open(c->log_file, lvl, &err)) {
        fprintf(stderr, "ismapd: %s\n", err.message);
        return 1;
    }
    if (!ism_mkdirs(c->data_dir, 0700, &err)) {
        ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
        return 1;
    }
    raise_fd_limit();
    if (!private_data_dir(c->data_dir, &err)) {
        ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
        return 1;
    }
    int lockfd = lock_data_dir(c->data_dir, c->shared_data_dir && !c->collector, &err);
    if (lockfd < 0) {
        ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
        return 1;
    }
    char path[4096];
    if (c->collector) {
        int crc = run_collector(c);
        close(lockfd);
        return crc;
    }
    if (c->nlisten == 0) {
        snprintf(path, sizeof path, "ipc://%s/ismapd.sock", c->data_dir);
        c->listen[c->nlisten++] = strdup(path);
    }
    if (!c->events) {
        snprintf(path, sizeof path, "ipc://%s/events.sock", c->data_dir);
        c->events = strdup(path);
    }
    if (!ism_rpc_check_events_url(c->events, &err)) {
        ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
        close(lockfd);
        return 2;
    }
    ism_rpc_listen ls[MAX_LISTEN];
    for (int i = 0; i < c->nlisten; i++) {
        ls[i] = (ism_rpc_listen){c->listen[i], c->tls_cert, c->tls_key, c->tls_client_ca};
        if (!ism_rpc_check_url(&ls[i], &err)) {
            ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
            close(lockfd);
            return 2;
        }
    }

    ism_rpc_http_config hc = {.listen = c->http_listen,
                              .tls_cert = c->http_cert ? c->http_cert : c->tls_cert,
                              .tls_key = c->http_key ? c->http_key : c->tls_key,
                              .max_connections = c->http_conns,
                              .per_address = c->http_per_address,
                              .timeout_s = c->http_timeout_s,
                              .session_idle_s = c->session_idle_s,
                              .session_absolute_s = c->session_absolute_s};
    if (hc.listen && !ism_rpc_http_check_url(&hc, &err)) {
        ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
        close(lockfd);
        return 2;
    }

    int rc = 1;
    daemon_state d = {0};
    ism_jobs *jobs = NULL;
    ism_catalog_set *cats = NULL;
    ism_eval_checks *checks = NULL;
    ism_store *st = NULL;
    ism_signer *signer = NULL;
    if (!c->catalog_dir) {
        const char *env = getenv("ISMAP_CATALOG_DIR");
        struct stat sb;
        c->catalog_dir = strdup(env && *env                               ? env
                                : stat(ISM_CATALOG_INSTALL_DIR, &sb) == 0 ? ISM_CATALOG_INSTALL_DIR
                                                                          : ISM_CATALOG_SOURCE_DIR);
    }
    int64_t t0 = ism_mono_ms();
    /* The built index is kept (catalog/cache.c): in ISMAP_CATALOG_CACHE when set ("" = none;
     * the tests share one per build folder), else in the data directory. */
    const char *cache_env = getenv("ISMAP_CATALOG_CACHE");
    char cache_dir[4096];
    snprintf(cache_dir, sizeof cache_dir, "%s/catalog-cache", c->data_dir);
    bool cached = false;
    cats =
        ism_catalog_load_cached(c->catalog_dir, cache_env ? cache_env : cache_dir, &cached, &err);
    if (!cats) goto out;
    ism_logj(ISM_LOG_INFO, "catalog.loaded",
             json_pack("{s:s, s:I, s:b}", "dir", c->catalog_dir, "ms",
                       (json_int_t)(ism_mono_ms() - t0), "cached", cached),
             "catalogs loaded from %s%s", c->catalog_dir, cached ? " (index from the cache)" : "");
    /* A check that does not load (bad SQL, unknown requirement...) stops the start: running
     * without it would silently drop what it tests. */
    if (!c->checks_dir) {
        const char *env = getenv("ISMAP_CHECKS_DIR");
        struct stat sb;
        c->checks_dir = strdup(env && *env                              ? env
                               : stat(ISM_CHECKS_INSTALL_DIR, &sb) == 0 ? ISM_CHECKS_INSTALL_DIR
                                                                        : ISM_CHECKS_SOURCE_DIR);
    }
    t0 = ism_mono_ms();
    checks = ism_eval_load(c->checks_dir, cats, &err);
    if (!checks) goto out;
    ism_logj(ISM_LOG_INFO, "checks.loaded",
             json_pack("{s:s, s:I, s:I}", "dir", c->checks_dir, "checks",
                       (json_int_t)ism_eval_count(checks), "ms", (json_int_t)(ism_mono_ms() - t0)),
             "%zu checks loaded from %s", ism_eval_count(checks), c->checks_dir);
    /* Each room with tables of its own brings its schema. */
    const ism_store_schema rooms[] = {*ism_snapshot_schema(),   *ism_evidence_schema(),
                                      *ism_matrix_schema(),     *ism_benchmark_schema(),
                                      *ism_engagement_schema(), *ism_store_collectors_schema()};
    snprintf(path, sizeof path, "%s/ismap.db", c->data_dir);
    char *location = c->store_url ? store_location(c, &err) : strdup(path);
    if (!location) goto out;
    st = ism_store_open_with(location, rooms, (int)(sizeof rooms / sizeof rooms[0]), &err);
    memset(location, 0, strlen(location)); /* it may hold the password */
    free(location);
    if (!st) goto out;
    ism_logj(ISM_LOG_INFO, "store.opened",
             json_pack("{s:s, s:s}", "store", ism_store_path(st), "backend",
                       ism_store_backend(st) == ISM_DB_POSTGRES ? "postgresql" : "sqlite"),
             "store %s opened", ism_store_path(st));
    jobs = ism_jobs_new(st, c->workers, on_event, &d);
    if (!configure_jobs(jobs, st, c, &err) || !ism_jobs_register_builtin(jobs, &err)) goto out;

    char keys[4200], snaps[4200], files[4200];
    snprintf(keys, sizeof keys, "%s/keys", c->data_dir);
    snprintf(snaps, sizeof snaps, "%s/snapshots", c->data_dir);
    snprintf(files, sizeof files, "%s/files", c->data_dir);
    if (!ism_mkdirs(keys, 0700, &err) || !ism_mkdirs(snaps, 0700, &err) ||
        !ism_mkdirs(files, 0700, &err))
        goto out;
    snprintf(path, sizeof path, "%.4000s/snapshot-signing.pem", keys);
    signer = ism_signer_load(path, &err);
    if (!signer) goto out;
    if (!ism_matrix_register_jobs(jobs, st, checks, signer, &err)) goto out;
    ism_rpc_app app = {.store = st,
                       .signer = signer,
                       .snapshots_dir = snaps,
                       .files_dir = files,
                       .jobs = jobs,
                       .catalogs = cats,
                       .checks = checks,
                       .data_dir = c->data_dir,
                       .started_mono_ms = ism_mono_ms(),
                       .max_msg = c->max_msg,
                       .contexts = c->contexts,
                       .workers = c->workers,
                       .conn_per_address = c->conn_per_address,
                       .conn_total = c->conn_total,
                       .conn_unauthenticated = c->conn_unauth,
                       .idle_timeout_ms = (int64_t)c->idle_timeout_s * 1000,
                       .unauth_max_msg = c->unauth_msg,
                       .collect_endpoint_allow = (const char *const *)c->endpoint_allow,
                       .collector_lease_s = c->lease_s};
    ism_now_iso(app.started_iso);
    if (!ism_collect_register_jobs(jobs, &app, &err)) goto out;
    d.srv = ism_rpc_server_start(&app, ls, c->nlisten, c->events, &err); /* sets app.server */
    if (!d.srv) goto out;
    if (hc.listen && !(d.http = ism_rpc_http_start(&app, &hc, &err))) goto out;
    __atomic_store_n(&app.http, d.http, __ATOMIC_RELEASE);
    if (!ism_jobs_start(jobs, &err)) goto out;
    ism_logj(ISM_LOG_INFO, "daemon.ready",
             json_pack("{s:s, s:s, s:i}", "version", ISM_VERSION, "data_dir", c->data_dir, "schema",
                       ism_store_schema_version(st)),
             "ismapd %s ready", ISM_VERSION);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    /* Once a second: jobs of remote collectors that went silent return to the queue. */
    while ((sig = sigtimedwait(&set, NULL, &(struct timespec){1, 0})) < 0)
        ism_rpc_collectors_sweep(&app);
    ism_log(ISM_LOG_INFO, "daemon.stopping", "received %s; stopping",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    rc = 0;
out:
    if (rc != 0) ism_log(ISM_LOG_ERROR, "daemon.start_failed", "%s", err.message);
    if (rc != 0 && err.code == ISM_E_VERSION) rc = 3;
    /* Order: refuse new jobs and checkpoint running ones while requests are still answered,
     * then stop serving, then close the store. */
    if (jobs) ism_jobs_stop(jobs);
    ism_rpc_http_stop(d.http);
    ism_rpc_server_stop(d.srv);
    ism_jobs_free(jobs);
    ism_store_close(st);
    ism_eval_free(checks);
    ism_catalog_free(cats);
    ism_signer_free(signer);
    ism_error_clear(&err);
    if (rc == 0) ism_log(ISM_LOG_INFO, "daemon.stopped", "ismapd stopped cleanly");
    close(lockfd);
    return rc;
}

int main(int argc, char **argv)
{
    ism_rpc_tls_process_init(); /* before anything initializes OpenSSL */
    /* Block the stop signals in every thread; main waits for them with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    umask(077); /* the store, keys and sockets are for the daemon's user only */

    enum {
        O_EVENTS = 256,
        O_CERT,
        O_KEY,
        O_MAXMSG,
        O_WORKERS,
        O_CONTEXTS,
        O_LEVEL,
        O_LOGFILE,
        O_CATALOG,
        O_CHECKS,
        O_PERADDR,
        O_CONNTOTAL,
        O_IDLE,
        O_UNAUTH,
        O_HTTP,
        O_ROLE,
        O_CONNECT,
        O_TOKEN,
        O_TOKEN_FILE,
        O_CA_FILE,
        O_CCERT,
        O_CKEY,
        O_POLL,
        O_PRINT_KEY,
        O_STORE
    };
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"data-dir", required_argument, 0, 'd'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"events", required_argument, 0, O_EVENTS},
                                         {"http", required_argument, 0, O_HTTP},
                                         {"tls-cert", required_argument, 0, O_CERT},
                                         {"tls-key", required_argument, 0, O_KEY},
                                         {"max-message", required_argument, 0, O_MAXMSG},
                                         {"workers", required_argument, 0, O_WORKERS},
                                         {"contexts", required_argument, 0, O_CONTEXTS},
                                         {"log-level", required_argument, 0, O_LEVEL},
                                         {"log-file", required_argument, 0, O_LOGFILE},
                                         {"catalog-dir", required_argument, 0, O_CATALOG},
                                         {"checks-dir", required_argument, 0, O_CHECKS},
                                         {"conn-per-address", required_argument, 0, O_PERADDR},
                                         {"conn-total", required_argument, 0, O_CONNTOTAL},
                                         {"idle-timeout", required_argument, 0, O_IDLE},
                                         {"conn-unauthenticated", required_argument, 0, O_UNAUTH},
                                         {"role", required_argument, 0, O_ROLE},
                                         {"connect", required_argument, 0, O_CONNECT},
                                         {"token", required_argument, 0, O_TOKEN},
                                         {"token-file", required_argument, 0, O_TOKEN_FILE},
                                         {"ca-file", required_argument, 0, O_CA_FILE},
                                         {"cert", required_argument, 0, O_CCERT},
                                         {"key", required_argument, 0, O_CKEY},
                                         {"poll", required_argument, 0, O_POLL},
                                         {"print-public-key", no_argument, 0, O_PRINT_KEY},
                                         {"store", required_argument, 0, O_STORE},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {0, 0, 0, 0}};
    config c = {
        .max_msg = ISM_RPC_DEFAULT_MAX_MSG, .workers = 2, .contexts = 8, .peer_events_ms = -1};
    config flags = {0};
    const char *config_path = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "c:d:l:hV", opts, NULL)) != -1) {
        char *end = NULL;
        long n = 0;
        if (o == O_MAXMSG || o == O_WORKERS || o == O_CONTEXTS || o == O_PERADDR ||
            o == O_CONNTOTAL || o == O_IDLE || o == O_UNAUTH || o == O_POLL) {
            n = strtol(optarg, &end, 10);
            long lo = o == O_MAXMSG ? 1024 : 1;
            long hi = o == O_MAXMSG                       ? (1L << 30)
                      : o == O_PERADDR                    ? 100000
                      : o == O_CONNTOTAL || o == O_UNAUTH ? 1000000
                      : o == O_IDLE                       ? 86400
                      : o == O_POLL                       ? 3600
                                                          : 64;
            if (!*optarg || *end || n < lo || n > hi) {
                fprintf(stderr, "ismapd: --%s must be a number from %ld to %ld\n",
                        o == O_MAXMSG      ? "max-message"
                        : o == O_WORKERS   ? "workers"
                        : o == O_PERADDR   ? "conn-per-address"
                        : o == O_CONNTOTAL ? "conn-total"
                        : o == O_IDLE      ? "idle-timeout"
                        : o == O_UNAUTH    ? "conn-unauthenticated"
                        : o == O_POLL      ? "poll"
                                           : "contexts",
                        lo, hi);
                return 2;
            }
        }
        switch (o) {
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            set_str(&flags.data_dir, optarg);
            break;
        case 'l':
            if (flags.nlisten == MAX_LISTEN) {
                fprintf(stderr, "ismapd: at most %d --listen URLs\n", MAX_LISTEN);
                return 2;
            }
            flags.listen[flags.nlisten++] = strdup(optarg);
            break;
        case O_EVENTS:
            set_str(&flags.events, optarg);
            break;
        case O_HTTP:
            set_str(&flags.http_listen, optarg);
            break;
        case O_CERT:
            set_str(&flags.tls_cert, optarg);
            break;
        case O_KEY:
            set_str(&flags.tls_key, optarg);
            break;
        case O_MAXMSG:
            flags.max_msg = (size_t)n;
            break;
        case O_WORKERS:
            flags.workers = (int)n;
            break;
        case O_CONTEXTS:
            flags.contexts = (int)n;
            break;
        case O_PERADDR:
            flags.conn_per_address = (int)n;
            break;
        case O_CONNTOTAL:
            flags.conn_total = (int)n;
            break;
        case O_IDLE:
            flags.idle_timeout_s = (int)n;
            break;
        case O_UNAUTH:
            flags.conn_unauth = (int)n;
            break;
        case O_LEVEL:
            set_str(&flags.log_level, optarg);
            break;
        case O_LOGFILE:
            set_str(&flags.log_file, optarg);
            break;
        case O_CATALOG:
            set_str(&flags.catalog_dir, optarg);
            break;
        case O_CHECKS:
            set_str(&flags.checks_dir, optarg);
            break;
        case O_ROLE:
            if (strcmp(optarg, "central") && strcmp(optarg, "collector")) {
                fprintf(stderr, "ismapd: --role must be central or collector, not '%s'\n", optarg);
                return 2;
            }
            flags.collector = !strcmp(optarg, "collector");
            break;
        case O_CONNECT:
            set_str(&flags.connect, optarg);
            break;
        case O_TOKEN:
            set_str(&flags.token, optarg);
            break;
        case O_TOKEN_FILE:
            set_str(&flags.token_file, optarg);
            break;
        case O_CA_FILE:
            set_str(&flags.ca_file, optarg);
            break;
        case O_CCERT:
            set_str(&flags.client_cert, optarg);
            break;
        case O_CKEY:
            set_str(&flags.client_key, optarg);
            break;
        case O_POLL:
            flags.poll_s = (int)n;
            break;
        case O_PRINT_KEY:
            flags.print_key = true;
            break;
        case O_STORE:
            if (!ism_store_is_url(optarg)) {
                fprintf(stderr, "ismapd: --store must be a postgresql:// or postgres:// URL\n");
                return 2;
            }
            set_str(&flags.store_url, optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("ismapd %s\n", ISM_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ismapd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    ism_error err = {0};
    if (config_path && !load_config(&c, config_path, &err)) {
        fprintf(stderr, "ismapd: %s\n", err.message);
        return 2;
    }
    /* Flags override the config file. */
    if (flags.data_dir) set_str(&c.data_dir, flags.data_dir);
    if (flags.store_url) set_str(&c.store_url, flags.store_url);
    if (flags.nlisten) {
        for (int i = 0; i < c.nlisten; i++)
            free(c.listen[i]);
        c.nlisten = 0;
        for (int i = 0; i < flags.nlisten; i++)
            c.listen[c.nlisten++] = strdup(flags.listen[i]);
    }
    if (flags.events) set_str(&c.events, flags.events);
    if (flags.http_listen) set_str(&c.http_listen, flags.http_listen);
    if (flags.tls_cert) set_str(&c.tls_cert, flags.tls_cert);
    if (flags.tls_key) set_str(&c.tls_key, flags.tls_key);
    if (flags.max_msg) c.max_msg = flags.max_msg;
    if (flags.workers) c.workers = flags.workers;
    if (flags.contexts) c.contexts = flags.contexts;
    if (flags.conn_per_address) c.conn_per_address = flags.conn_per_address;
    if (flags.conn_total) c.conn_total = flags.conn_total;
    if (flags.idle_timeout_s) c.idle_timeout_s = flags.idle_timeout_s;
    if (flags.conn_unauth) c.conn_unauth = flags.conn_unauth;
    if (flags.log_level) set_str(&c.log_level, flags.log_level);
    if (flags.log_file) set_str(&c.log_file, flags.log_file);
    if (flags.catalog_dir) set_str(&c.catalog_dir, flags.catalog_dir);
    if (flags.checks_dir) set_str(&c.checks_dir, flags.checks_dir);
    if (flags.collector) c.collector = true;
    if (flags.connect) set_str(&c.connect, flags.connect);
    if (flags.token) set_str(&c.token, flags.token);
    if (flags.token_file) set_str(&c.token_file, flags.token_file);
    if (flags.ca_file) set_str(&c.ca_file, flags.ca_file);
    if (flags.client_cert) set_str(&c.client_cert, flags.client_cert);
    if (flags.client_key) set_str(&c.client_key, flags.client_key);
    if (flags.poll_s) c.poll_s = flags.poll_s;
    if (!c.data_dir) c.data_dir = strdup("/var/lib/ismap");
    if (flags.print_key) {
        free_config(&flags);
        ism_error e = {0};
        int prc = ism_mkdirs(c.data_dir, 0700, &e) ? ism_daemon_collector_print_key(c.data_dir) : 1;
        if (e.code) fprintf(stderr, "ismapd: %s\n", e.message);
        ism_error_clear(&e);
        free_config(&c);
        return prc;
    }
    free_config(&flags);
    int rc = run(&c);
    free_config(&c);
    ism_log_close();
    return rc;
}
