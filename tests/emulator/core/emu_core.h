/* emu_core.h — what every provider emulator under tests/emulator shares (the AWS one, awsemu,
 * and the Azure, Google Cloud and OCI ones): aborting allocators, byte buffers, a string map,
 * deterministic randomness, the HTTP/1.1 request and answer, and the single-threaded epoll server
 * that parses requests, hands each to the emulator's dispatch function and sends the answers
 * (after their latency, on timers, without blocking). Test code only. */
#ifndef EMU_CORE_H
#define EMU_CORE_H

#include "ismap/collect.h"
#include "ismap/core.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- memory and byte buffers (allocation failure aborts: this is a test tool) ----------- */
void *emu_xmalloc(size_t n);
void *emu_xrealloc(void *p, size_t n);
char *emu_xstrdup(const char *s);

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

void sb_reserve(sbuf *b, size_t extra);
void sb_put(sbuf *b, const void *d, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_xml(sbuf *b, const char *s, size_t n); /* XML-escaped text */
void sb_b64(sbuf *b, const void *d, size_t n); /* standard base64 */
void sb_consume(sbuf *b, size_t n);            /* drops the first n bytes */
void sb_free(sbuf *b);
/* Decodes standard or URL-safe base64; false on bad input. */
bool emu_b64_decode(const char *s, sbuf *out);
/* In-place percent-decoding ('+' is a space when form is true); returns the new length. */
size_t emu_pct_decode(char *s, bool form);

/* ---- a string-keyed map of pointers (open addressing) ----------------------------------- */
typedef struct hmap_ent {
    char *key;
    void *val;
} hmap_ent;

typedef struct hmap {
    hmap_ent *v;
    size_t n, cap;
} hmap;

void *hmap_get(const hmap *m, const char *key);
void hmap_put(hmap *m, const char *key, void *val); /* key copied; replaces */
void hmap_clear(hmap *m, void (*free_val)(void *));
uint64_t emu_hash(const char *s, uint64_t seed); /* FNV-1a */

/* ---- deterministic randomness ------------------------------------------------------------ */
uint64_t emu_mix64(uint64_t x);  /* splitmix64 finalizer */
uint64_t emu_rand(uint64_t *st); /* splitmix64 step */
double emu_unit(uint64_t x);     /* [0, 1) from 64 bits */

/* ---- HTTP -------------------------------------------------------------------------------- */
typedef struct emu_req {
    char method[16];
    char *target; /* "/path?query" as received (owned) */
    char *path;   /* the path part, raw (owned) */
    char *query;  /* after '?', raw, "" when none (owned) */
    ism_http_headers headers;
    char *body; /* owned, NUL-terminated */
    size_t body_len;
    bool keep_alive;
} emu_req;

typedef struct emu_resp {
    int status;
    const char *ctype;
    sbuf headers; /* extra header lines, each "Name: value\r\n" */
    sbuf body;
    int delay_ms; /* EMU_HOLD_MS: held until the emulator stops (--hold-after) */
    bool drop;    /* close the connection without answering */
    bool close;   /* Connection: close after this answer */
} emu_resp;

/* A delay no test outlives: the emulators' --hold-after gives it to the reads past the first N,
 * so a collection cannot finish however fast or slow the machine is (the kill -9 tests). */
#define EMU_HOLD_MS (24 * 3600 * 1000)

void emu_req_free(emu_req *r);
void emu_resp_free(emu_resp *r);
void emu_resp_header(emu_resp *r, const char *name, const char *value);
const char *emu_status_text(int status);
/* Serializes status line, headers and body onto out. */
void emu_resp_write(const emu_resp *r, bool keep_alive, sbuf *out);

/* A new {key: value} object (value stolen). */
json_t *emu_obj1(const char *key, json_t *value);

/* ---- the server -------------------------------------------------------------------------- */
typedef struct emu_server_config {
    const char *name;      /* for messages: "awsemu" */
    int port;              /* 127.0.0.1:port; 0 picks one */
    const char *port_file; /* written once listening */
    int max_conns;         /* more are accepted and closed at once (4096) */
    size_t max_body;       /* larger request bodies are answered 413 (1 MiB) */
    size_t max_header;     /* larger request heads are answered 431 (16 KiB) */
    int idle_timeout_s;    /* idle connections are closed (120; 0 never) */
    /* Answers one request (fills resp; status 0 is not allowed). Required. */
    void (*dispatch)(const emu_req *req, emu_resp *resp);
    /* Optional counters: connections opened/closed/rejected, answers parked on timers. */
    void (*on_conn)(int delta_open, bool accepted, bool rejected);
    void (*on_parked)(size_t n);
} emu_server_config;

/* The server's settings: defaults as above; set before emu_server_run. */
extern emu_server_config g_srv;

/* The event loop: listens on 127.0.0.1:port, serves until SIGINT/SIGTERM. Returns the exit
 * status for main. */
int emu_server_run(void);

#endif
