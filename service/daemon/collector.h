/* collector.h — ismapd --role collector (collector.c): the remote collector's loop, internal to
 * the daemon. */
#ifndef ISMAP_DAEMON_COLLECTOR_H
#define ISMAP_DAEMON_COLLECTOR_H

#include "ismap/core.h"

typedef struct ism_daemon_collector_config {
    const char *data_dir;  /* its own: the signing key and the snapshots being collected */
    const char *connect;   /* the central ismapd: tls+tcp://HOST:PORT (tcp:// loopback, ipc://) */
    const char *token;     /* its collector token (collector.register) */
    const char *ca_file;   /* verifies the central's certificate */
    const char *cert_file; /* its client certificate (mutual TLS), or NULL */
    const char *key_file;
    /* Per provider, params this host sets itself and that override the job's: its own
     * endpoints and key files ({"aws": {"endpoint_url": "..."}}). Borrowed; may be NULL. */
    const json_t *overrides;
    int poll_s; /* how long to wait between claims when there is no job */
} ism_daemon_collector_config;

/* Runs until SIGTERM or SIGINT (blocked by the caller) or until the central says the token is
 * no longer valid. Returns the process exit code. */
int ism_daemon_collector_run(const ism_daemon_collector_config *cfg);

/* Prints the collector's signing public key (created at first use) for collector.register. */
int ism_daemon_collector_print_key(const char *data_dir);

#endif
