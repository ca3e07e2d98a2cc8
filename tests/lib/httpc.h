/* httpc.h — a small libcurl client for the HTTP gateway tests: one request, with the status,
 * the response headers and the body kept for assertions. */
#ifndef ISMAP_HTTPC_H
#define ISMAP_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct httpc_resp {
    long status;   /* 0: transport failure */
    char *headers; /* raw response header lines (malloc'd) */
    char *body;    /* malloc'd, NUL-terminated (may hold NULs before) */
    size_t len;
} httpc_resp;

/* method "GET"/"POST"/...; body may be NULL; headers: NULL-terminated "Name: value" lines.
 * The body is not decoded (a gzip body stays gzip). Free with httpc_free. */
httpc_resp httpc_do(const char *method, const char *url, const char *body,
                    const char *const *headers);
void httpc_free(httpc_resp *r);
/* The value of response header `name` (case-insensitive), malloc'd; NULL when absent. */
char *httpc_header(const httpc_resp *r, const char *name);

/* A streaming GET over a raw HTTP/1.0 connection to 127.0.0.1:port (for Server-Sent Events):
 * everything received, headers included, accumulates as text. rcvbuf > 0 shrinks the socket's
 * receive buffer (to stall a subscriber). NULL when it cannot connect. */
typedef struct httpc_stream httpc_stream;
httpc_stream *httpc_stream_open(int port, const char *path, const char *const *headers, int rcvbuf);
/* Reads until `needle` occurs in the text received after byte `from` (then true) or the
 * tests' overall wait limit passes (false). */
bool httpc_stream_wait(httpc_stream *s, size_t from, const char *needle);
/* The text so far (NUL-terminated) and its length. */
const char *httpc_stream_text(const httpc_stream *s, size_t *len);
void httpc_stream_close(httpc_stream *s);
#endif
