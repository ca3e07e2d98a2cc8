/* http.c — HTTP/1.1 framing for the emulators: parses one request (request line, headers, a
 * Content-Length body; chunked bodies are refused with 501) from a connection's buffer, and
 * writes answers with Date, Content-Length and Connection headers. */
#include "http_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void emu_req_free(emu_req *r)
{
    free(r->target);
    free(r->path);
    free(r->query);
    free(r->body);
    ism_http_headers_clear(&r->headers);
    memset(r, 0, sizeof *r);
}

void emu_resp_free(emu_resp *r)
{
    sb_free(&r->headers);
    sb_free(&r->body);
    memset(r, 0, sizeof *r);
}

void emu_resp_header(emu_resp *r, const char *name, const char *value)
{
    sb_printf(&r->headers, "%s: %s\r\n", name, value);
}

const char *emu_status_text(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

/* RFC 7231 IMF-fixdate, formatted once per second. */
static const char *http_date(void)
{
    static char buf[40];
    static time_t last;
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        last = now;
    }
    return buf;
}

void emu_resp_write(const emu_resp *r, bool keep_alive, sbuf *out)
{
    sb_reserve(out, 256 + r->headers.len + r->body.len);
    sb_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", r->status, emu_status_text(r->status),
              http_date());
    if (r->ctype) sb_printf(out, "Content-Type: %s\r\n", r->ctype);
    sb_printf(out, "Content-Length: %zu\r\n", r->body.len);
    if (r->headers.len) sb_put(out, r->headers.p, r->headers.len);
    sb_puts(out, keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
    if (r->body.len) sb_put(out, r->body.p, r->body.len);
}

/* ---- parsing ------------------------------------------------------------------------------ */
static hp_result fail(hp_state *st, int status, const char *msg)
{
    st->err_status = status;
    st->err_msg = msg;
    return HP_ERROR;
}

static bool is_tchar(char c)
{
    return isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c);
}

/* "METHOD SP target SP HTTP/1.x" */
static hp_result parse_request_line(const char *p, size_t n, emu_req *req, hp_state *st)
{
    size_t i = 0;
    while (i < n && is_tchar(p[i]))
        i++;
    if (i == 0 || i >= sizeof req->method || i >= n || p[i] != ' ')
        return fail(st, 400, "malformed request line");
    memcpy(req->method, p, i);
    req->method[i] = '\0';
    size_t t0 = ++i;
    while (i < n && p[i] != ' ')
        i++;
    if (i == t0 || i >= n || p[t0] != '/') return fail(st, 400, "malformed request target");
    size_t tl = i - t0;
    const char *ver = p + i + 1;
    size_t vl = n - i - 1;
    if (vl != 8 || strncmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1'))
        return fail(st, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
    st->http_minor = ver[7] - '0';
    req->target = emu_xmalloc(tl + 1);
    memcpy(req->target, p + t0, tl);
    req->target[tl] = '\0';
    const char *q = memchr(req->target, '?', tl);
    size_t pl = q ? (size_t)(q - req->target) : tl;
    req->path = emu_xmalloc(pl + 1);
    memcpy(req->path, req->target, pl);
    req->path[pl] = '\0';
    req->query = emu_xstrdup(q ? q + 1 : "");
    return HP_OK;
}

static hp_result parse_header_line(const char *p, size_t n, emu_req *req, hp_state *st)
{
    if (n && (p[0] == ' ' || p[0] == '\t')) return fail(st, 400, "obsolete header folding");
    const char *colon = memchr(p, ':', n);
    if (!colon || colon == p) return fail(st, 400, "malformed header line");
    for (const char *c = p; c < colon; c++)
        if (!is_tchar(*c)) return fail(st, 400, "malformed header name");
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    char name[128], *value = emu_xmalloc((size_t)(end - v) + 1);
    size_t nl = (size_t)(colon - p);
    if (nl >= sizeof name) {
        free(value);
        return fail(st, 431, "header name too long");
    }
    memcpy(name, p, nl);
    name[nl] = '\0';
    memcpy(value, v, (size_t)(end - v));
    value[end - v] = '\0';
    ism_http_headers_add(&req->headers, name, value);
    free(value);
    return HP_OK;
}

/* Content-Length (all copies equal), Transfer-Encoding refused, keep-alive decided. */
static hp_result framing(emu_req *req, hp_state *st)
{
    if (ism_http_headers_get(&req->headers, "transfer-encoding"))
        return fail(st, 501,
                    "Transfer-Encoding (chunked request bodies) is not supported by this "
                    "emulator: send a Content-Length body");
    st->body_len = 0;
    bool seen = false;
    for (size_t i = 0; i < req->headers.n; i++) {
        if (strcasecmp(req->headers.v[i].name, "content-length") != 0) continue;
        const char *v = req->headers.v[i].value;
        if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 15)
            return fail(st, 400, "invalid Content-Length");
        size_t len = (size_t)strtoull(v, NULL, 10);
        if (seen && len != st->body_len) return fail(st, 400, "conflicting Content-Length");
        st->body_len = len;
        seen = true;
    }
    if (st->body_len > g_srv.max_body) return fail(st, 413, "request body too large");
    const char *conn = ism_http_headers_get(&req->headers, "connection");
    bool has_close = conn && strcasestr(conn, "close");
    bool has_ka = conn && strcasestr(conn, "keep-alive");
    req->keep_alive = st->http_minor == 1 ? !has_close : has_ka;
    const char *expect = ism_http_headers_get(&req->headers, "expect");
    st->expect_continue = expect && strcasecmp(expect, "100-continue") == 0;
    return HP_OK;
}

static hp_result parse_head(const char *buf, size_t hlen, emu_req *req, hp_state *st)
{
    const char *line = buf, *end = buf + hlen;
    const char *eol = memchr(line, '\r', (size_t)(end - line));
    if (!eol || eol[1] != '\n') return fail(st, 400, "malformed request line");
    if (parse_request_line(line, (size_t)(eol - line), req, st) != HP_OK) return HP_ERROR;
    int count = 0;
    for (line = eol + 2; line < end; line = eol + 2) {
        eol = memchr(line, '\r', (size_t)(end - line));
        if (!eol || eol + 1 >= end || eol[1] != '\n' || memchr(line, '\n', (size_t)(eol - line)))
            return fail(st, 400, "bare CR or LF in the header");
        if (eol == line) break;
        if (++count > 128) return fail(st, 431, "too many header fields");
        if (parse_header_line(line, (size_t)(eol - line), req, st) != HP_OK) return HP_ERROR;
    }
    return framing(req, st);
}

hp_result emu_http_parse(const char *buf, size_t len, emu_req *req, hp_state *st)
{
    memset(st, 0, sizeof *st);
    size_t scan = len < g_srv.max_header + 4 ? len : g_srv.max_header + 4;
    const char *end = memmem(buf, scan, "\r\n\r\n", 4);
    if (!end)
        return len > g_srv.max_header ? fail(st, 431, "request header too large") : HP_NEED_MORE;
    size_t hlen = (size_t)(end - buf) + 2; /* through the last header's CRLF */
    memset(req, 0, sizeof *req);
    if (parse_head(buf, hlen, req, st) != HP_OK) {
        emu_req_free(req);
        return HP_ERROR;
    }
    size_t total = hlen + 2 + st->body_len;
    if (len < total) {
        st->headers_done = true;
        emu_req_free(req);
        return HP_NEED_MORE;
    }
    req->body = emu_xmalloc(st->body_len + 1);
    memcpy(req->body, buf + hlen + 2, st->body_len);
    req->body[st->body_len] = '\0';
    req->body_len = st->body_len;
    st->consumed = total;
    return HP_OK;
}
