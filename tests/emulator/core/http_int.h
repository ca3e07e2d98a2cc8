/* http_int.h — the HTTP/1.1 request parser's interface between http.c and server.c. */
#ifndef EMU_HTTP_INT_H
#define EMU_HTTP_INT_H

#include "emu_core.h"

typedef enum hp_result { HP_NEED_MORE = 0, HP_OK, HP_ERROR } hp_result;

typedef struct hp_state {
    size_t consumed;      /* HP_OK: bytes of the buffer the request used */
    size_t body_len;      /* from Content-Length */
    int http_minor;       /* 0 or 1 */
    bool headers_done;    /* HP_NEED_MORE: the head is complete, the body is not */
    bool expect_continue; /* the client sent Expect: 100-continue */
    int err_status;       /* HP_ERROR: 400, 413, 431, 501, 505 */
    const char *err_msg;
} hp_state;

/* Parses one request at the start of buf. HP_OK fills req (free with emu_req_free). */
hp_result emu_http_parse(const char *buf, size_t len, emu_req *req, hp_state *st);

#endif
