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

#endif
