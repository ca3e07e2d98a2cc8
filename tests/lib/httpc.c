/* httpc.c — libcurl wrapper for the HTTP gateway tests (see httpc.h). */
#include "httpc.h"
#include "ismap/core.h"
#include "waitfor.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t n = size * nmemb;
    char *p = realloc(b->p, b->n + n + 1);
    if (!p) return 0;
    memcpy(p + b->n, ptr, n);
    b->p = p;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

httpc_resp httpc_do(const char *method, const char *url, const char *body,
                    const char *const *headers)
{
    httpc_resp r = {0};
    buf hb = {0}, bb = {0};
    CURL *c = curl_easy_init();
    if (!c) return r;
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    r.headers = hb.p ? hb.p : calloc(1, 1);
    r.body = bb.p ? bb.p : calloc(1, 1);
    r.len = bb.n;
    return r;
}

void httpc_free(httpc_resp *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}

char *httpc_header(const httpc_resp *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(line + len - v);
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            char *out = malloc(vl + 1);
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
}

struct httpc_stream {
    int fd;
    buf text;
};

httpc_stream *httpc_stream_open(int port, const char *path, const char *const *headers, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return NULL;
    if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return NULL;
    }
    char req[2048];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n", path, port);
    for (size_t i = 0; headers && headers[i]; i++)
        n += snprintf(req + n, sizeof req - (size_t)n, "%s\r\n", headers[i]);
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return NULL;
    }
    httpc_stream *s = calloc(1, sizeof *s);
    s->fd = fd;
    s->text.p = calloc(1, 1);
    return s;
}

bool httpc_stream_wait(httpc_stream *s, size_t from, const char *needle)
{
    int64_t deadline = ism_mono_ms() + tu_wait_limit_ms();
    for (;;) {
        if (s->text.n > from && strstr(s->text.p + from, needle)) return true;
        int64_t left = deadline - ism_mono_ms();
        if (left <= 0) break;
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) <= 0) continue;
        char chunk[65536];
        ssize_t n = read(s->fd, chunk, sizeof chunk);
        if (n <= 0) break;
        on_data(chunk, 1, (size_t)n, &s->text);
        /* NULs would end the text early; the streams tested carry none. */
    }
    return s->text.n > from && strstr(s->text.p + from, needle);
}

const char *httpc_stream_text(const httpc_stream *s, size_t *len)
{
    if (len) *len = s->text.n;
    return s->text.p;
}

void httpc_stream_close(httpc_stream *s)
{
    if (!s) return;
    close(s->fd);
    free(s->text.p);
    free(s);
}
