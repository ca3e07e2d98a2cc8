/* http_static.c — the web UI served from memory: the files embedded at build time
 * (deploy/embed-web.cmake) are prepared once at start (Content-Type by extension, a strong ETag
 * from their SHA-256, a gzip copy when it is smaller) and answered at GET / and GET /assets/...
 * with If-None-Match -> 304 and gzip for clients that accept it. */
#include "http_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

typedef struct http_asset {
    const ism_rpc_web_file *file;
    const char *type;
    unsigned char *gz; /* owned; NULL when gzip would not be smaller */
    size_t gz_len;
    char etag[40];    /* "<32 hex>" with the quotes: the identity representation */
    char etag_gz[44]; /* "<32 hex>-gz": the gzip one (a strong ETag per representation) */
} http_asset;

struct http_static {
    http_asset *assets;
    size_t n;
};

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

/* gzip (RFC 1952) of data at the best level; false when it fails or is not smaller. */
static bool gzip_bytes(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len)
{
    z_stream z = {0};
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&z);
        return false;
    }
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || n >= len) {
        free(buf);
        return false;
    }
    *out = buf;
    *out_len = n;
    return true;
}

bool http_static_init(ism_rpc_http_server *srv, const ism_rpc_web_file *files, size_t n,
                      ism_error *err)
{
    struct http_static *s = calloc(1, sizeof *s);
    if (!s || (n && !(s->assets = calloc(n, sizeof *s->assets)))) {
        free(s);
        return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    }
    srv->web = s;
    for (size_t i = 0; i < n; i++) {
        http_asset *a = &s->assets[s->n++];
        a->file = &files[i];
        a->type = content_type(files[i].path);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        if (!EVP_Digest(files[i].data, files[i].len, md, &mdlen, EVP_sha256(), NULL))
            return ism_error_set(err, ISM_E_INTERNAL, "SHA-256 of web file '%s' failed",
                                 files[i].path);
        char hex[33];
        for (int k = 0; k < 16; k++)
            snprintf(hex + 2 * k, 3, "%02x", md[k]);
        snprintf(a->etag, sizeof a->etag, "\"%s\"", hex);
        snprintf(a->etag_gz, sizeof a->etag_gz, "\"%s-gz\"", hex);
        gzip_bytes(files[i].data, files[i].len, &a->gz, &a->gz_len);
    }
    return true;
}

void http_static_free(ism_rpc_http_server *srv)
{
    struct http_static *s = srv->web;
    if (!s) return;
    for (size_t i = 0; i < s->n; i++)
        free(s->assets[i].gz);
    free(s->assets);
    free(s);
    srv->web = NULL;
}

/* Does the client accept gzip? Accept-Encoding lists codings, each with an optional q; q=0
 * refuses it. "*" accepts it unless gzip itself is refused. */
static bool accepts_gzip(const char *ae)
{
    bool star = false;
    while (ae && *ae) {
        while (*ae == ' ' || *ae == ',' || *ae == '\t')
            ae++;
        const char *end = strchr(ae, ',');
        size_t n = end ? (size_t)(end - ae) : strlen(ae);
        size_t name = strcspn(ae, ";, \t");
        if (name > n) name = n;
        const char *q = memchr(ae, ';', n);
        bool zero = false;
        if (q) {
            const char *v = q + 1;
            while (*v == ' ')
                v++;
            if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=') zero = strtod(v + 2, NULL) <= 0.0;
        }
        if (name == 4 && strncasecmp(ae, "gzip", 4) == 0) return !zero;
        if (name == 1 && ae[0] == '*') star = !zero;
        ae = end;
    }
    return star;
}

/* Does If-None-Match name this etag (weak comparison, as RFC 9110 says for it)? */
static bool etag_matches(const char *inm, const char *etag)
{
    size_t elen = strlen(etag);
    while (inm && *inm) {
        while (*inm == ' ' || *inm == ',' || *inm == '\t')
            inm++;
        if (*inm == '*') return true;
        if (strncmp(inm, "W/", 2) == 0) inm += 2;
        if (strncmp(inm, etag, elen) == 0 &&
            (inm[elen] == '\0' || inm[elen] == ',' || inm[elen] == ' ' || inm[elen] == '\t'))
            return true;
        inm = strchr(inm, ',');
    }
    return false;
}

static enum MHD_Result serve(http_req *r, const char *path)
{
    const struct http_static *s = r->srv->web;
    const http_asset *a = NULL;
    for (size_t i = 0; s && i < s->n && !a; i++)
        if (strcmp(s->assets[i].file->path, path) == 0) a = &s->assets[i];
    if (!a) {
        ism_error err = {0};
        ism_error_set(&err, ISM_E_NOT_FOUND, "no such path: %s", r->path);
        return http_reply_error(r, &err);
    }
    bool gz = a->gz && accepts_gzip(http_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    const char *etag = gz ? a->etag_gz : a->etag;
    const char *inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    bool not_modified = inm && etag_matches(inm, etag);
    struct MHD_Response *resp =
        not_modified ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
        : gz         ? MHD_create_response_from_buffer(a->gz_len, a->gz, MHD_RESPMEM_PERSISTENT)
                     : MHD_create_response_from_buffer(a->file->len, (void *)a->file->data,
                                                       MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "ETag", etag);
    /* Every file is revalidated (304 when unchanged): the file names carry no version, so a
     * cached copy must never outlive an upgrade of ismapd. */
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    if (a->gz) MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (!not_modified) {
        MHD_add_response_header(resp, "Content-Type", a->type);
        if (gz) MHD_add_response_header(resp, "Content-Encoding", "gzip");
    }
    return http_send_response(r, not_modified ? 304 : 200, resp);
}

enum MHD_Result http_route_index(http_req *r)
{
    return serve(r, "index.html");
}

enum MHD_Result http_route_asset(http_req *r)
{
    char path[600];
    snprintf(path, sizeof path, "assets/%s", r->caps[0]);
    return serve(r, path);
}
