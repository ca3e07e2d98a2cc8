/* testutil.h — helpers shared by the tests: temp dirs, the ismapd process, ../shared lookup. */
#ifndef ISMAP_TESTUTIL_H
#define ISMAP_TESTUTIL_H

#include "ismap/rpc.h"

#include <stdbool.h>
#include <sys/types.h>

struct Suite;
/* Runs a Check suite (and frees it) and returns the exit status for main: 0 when every test
 * passed, 1 otherwise. Call it before anything initializes OpenSSL
 * (ism_rpc_tls_process_init). */
int tu_run_suite(struct Suite *s);

/* Makes a fresh temp directory (mkdtemp under $TMPDIR or /tmp); returns a malloc'd path. */
char *tu_tempdir(const char *tag);
/* Where a test's store lives: the SQLite path "<dir>/ismap.db", or, when ISMAP_TEST_PG_URL is
 * set (tests/pg/pg_run.sh), the URL of a fresh empty PostgreSQL database on that server.
 * malloc'd. */
char *tu_store_location(const char *dir);
/* When ISMAP_TEST_PG_URL is set: creates the PostgreSQL database `name` (C collation; an
 * existing one is reused) and returns its URL (malloc'd); NULL otherwise or on failure. */
char *tu_pg_database(const char *name);
/* The --store location tu_daemon_start gives an ismapd for this data dir: NULL on SQLite (the
 * data dir's own file), or the URL of a PostgreSQL database named after the data dir. */
char *tu_daemon_store(const char *data_dir);
/* rm -rf path (best effort). */
void tu_rmtree(const char *path);
/* The shared/ folder beside the clone, or NULL when absent (tests then skip). */
const char *tu_shared_dir(void);
/* The source tree ($ISM_SOURCE_DIR, or "." when unset). */
const char *tu_source_dir(void);
/* A free TCP port on 127.0.0.1 for a daemon to listen on, from below the kernel's ephemeral
 * range: an outgoing connection cannot take it before the daemon binds it. */
int tu_free_port(void);

typedef struct tu_daemon {
    pid_t pid;
    char *data_dir;
    char url[4200]; /* ipc:// socket */
    char log[4200]; /* log file */
} tu_daemon;

/* Starts $ISMAPD with --data-dir and extra args (NULL-terminated), waits until it answers ping
 * on its socket (up to 10 s). Returns false if it did not come up. */
bool tu_daemon_start(tu_daemon *d, const char *data_dir, const char *const *extra);
/* SIGTERM and wait; returns the exit status (or -1). */
int tu_daemon_stop(tu_daemon *d);
/* SIGKILL and reap. */
void tu_daemon_kill9(tu_daemon *d);

/* Connects to a loopback TCP port as an SP REQ peer, announces a message of `len` bytes, sends
 * a little of it and waits for the server to drop the connection. True when it did. */
bool tu_sp_send_oversized(int port, unsigned long long len);

/* One call over a fresh client; returns the reply envelope (new ref) or NULL. */
json_t *tu_call(const char *url, const char *op, json_t *params, const char *token);
/* The error code of a reply envelope, or "ok". */
const char *tu_code(const json_t *reply);

#endif
