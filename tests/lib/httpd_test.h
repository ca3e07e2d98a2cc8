/* httpd_test.h — a tiny HTTP/1.1 server on 127.0.0.1 for tests: one thread per connection,
 * keep-alive, scripted or handler-made answers (status, headers, body, delay, dropped
 * connection), and a record of what arrived (requests, connections, the most in flight). */
#ifndef ISMAP_HTTPD_TEST_H
#define ISMAP_HTTPD_TEST_H

#include "ismap/collect.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct httpd_req {
    char method[16];
    char *target;             /* "/path?query" as received */
    ism_http_headers headers; /* as received */
    char *body;
    size_t body_len;
    int64_t at_ms; /* ism_mono_ms() when it was complete */
    int conn;      /* connection number, from 1 */
} httpd_req;

typedef struct httpd_resp {
    int status;          /* 0: close the connection without answering */
    const char *headers; /* extra header lines, each ending "\r\n"; may be NULL */
    const char *body;    /* may be NULL; must outlive the answer (static, or owned by arg) */
    size_t body_len;     /* 0: strlen(body) */
    int delay_ms;        /* wait this long before answering */
    bool no_length;      /* send no Content-Length: the body ends when the connection closes */
} httpd_resp;

/* Fills *resp for req. Runs on the connection's thread; may run concurrently. */
typedef void (*httpd_handler)(const httpd_req *req, httpd_resp *resp, void *arg);

typedef struct httpd_test httpd_test;

/* Starts on 127.0.0.1 with an ephemeral port. With handler NULL, answers follow the script
 * (httpd_test_script); with no script either, every answer is 200 "ok". NULL on failure. */
httpd_test *httpd_test_start(httpd_handler handler, void *arg);
int httpd_test_port(const httpd_test *s);
/* "http://127.0.0.1:<port>" + path into buf. */
const char *httpd_test_url(const httpd_test *s, const char *path, char *buf, size_t n);
/* The i-th request answers steps[i]; the last step repeats. Copied (not the strings). */
void httpd_test_script(httpd_test *s, const httpd_resp *steps, size_t n);

size_t httpd_test_requests(httpd_test *s);
int httpd_test_connections(httpd_test *s);
int httpd_test_max_in_flight(httpd_test *s);
/* A copy of the i-th request (free with httpd_req_free); false when there is none. */
bool httpd_test_request(httpd_test *s, size_t i, httpd_req *out);
void httpd_req_free(httpd_req *r);

/* Stops accepting, closes every connection, joins every thread, frees. */
void httpd_test_stop(httpd_test *s);

#endif
