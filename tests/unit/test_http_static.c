/* test_http_static.c — the embedded web UI over the HTTP gateway: GET / and /assets/...,
 * Content-Type by extension, ETag and If-None-Match -> 304, gzip when accepted, the security
 * headers, 404 for anything else. The files are tests/fixtures/web, embedded by the same
 * CMake step (deploy/embed-web.cmake) that embeds web/ into ismapd. */
#include "httpc.h"
#include "ismap/rpc.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Generated from tests/fixtures/web by tests/CMakeLists.txt. */
const ism_rpc_web_file *test_web_files(size_t *n);

static ism_rpc_app app;
static ism_rpc_http_server *srv;
static char base[64];

static void setup(void)
{
    ism_error err = {0};
    size_t n = 0;
    const ism_rpc_web_file *files = test_web_files(&n);
    ck_assert_uint_eq(n, 3);
    ism_rpc_http_config cfg = {
        .listen = "http://127.0.0.1:0", .web_files = files, .n_web_files = n};
    srv = ism_rpc_http_start(&app, &cfg, &err);
    ck_assert_msg(srv, "%s", err.message);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", ism_rpc_http_port(srv));
}

static void teardown(void)
{
    ism_rpc_http_stop(srv);
}

static httpc_resp get(const char *path, const char *const *headers)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    return httpc_do("GET", url, NULL, headers);
}

static void assert_header(const httpc_resp *r, const char *name, const char *want)
{
    char *v = httpc_header(r, name);
    ck_assert_msg(v, "no %s header in:\n%s", name, r->headers);
    ck_assert_str_eq(v, want);
    free(v);
}

/* The fixture file's bytes, for comparing bodies. */
static char *fixture(const char *rel, size_t *len)
{
    ism_error err = {0};
    char *path = ism_strdupf("%s/tests/fixtures/web/%s", tu_source_dir(), rel);
    char *data = ism_read_file(path, 1 << 20, len, &err);
    ck_assert_msg(data, "%s", err.message);
    free(path);
    return data;
}

START_TEST(index_and_assets)
{
    const char *identity[] = {"Accept-Encoding: identity", NULL};
    httpc_resp r = get("/", identity);
    ck_assert_int_eq(r.status, 200);
    size_t len;
    char *want = fixture("index.html", &len);
    ck_assert_uint_eq(r.len, len);
    ck_assert(memcmp(r.body, want, len) == 0);
    free(want);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_header(&r, "Cache-Control", "no-cache");
    assert_header(
        &r, "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    assert_header(&r, "X-Content-Type-Options", "nosniff");
    assert_header(&r, "X-Frame-Options", "DENY");
    assert_header(&r, "Referrer-Policy", "no-referrer");
    char *ct = httpc_header(&r, "Content-Encoding");
    ck_assert_ptr_null(ct);
    httpc_free(&r);

    r = get("/assets/app.js", identity);
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "text/javascript; charset=utf-8");
    want = fixture("assets/app.js", &len);
    ck_assert_uint_eq(r.len, len);
    ck_assert(memcmp(r.body, want, len) == 0);
    free(want);
    httpc_free(&r);

    /* A nested path under assets/. */
    r = get("/assets/sub/style.css", NULL);
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Type", "text/css; charset=utf-8");
    httpc_free(&r);
}
END_TEST

START_TEST(not_found)
{
    const char *paths[] = {"/index.html",           "/assets/", "/assets/nope.js",
                           "/assets/../index.html", "/matrix",  "/assets/sub"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        httpc_resp r = get(paths[i], NULL);
        ck_assert_msg(r.status == 404, "%s gave %ld", paths[i], r.status);
        httpc_free(&r);
    }
}
END_TEST

START_TEST(etag_304)
{
    const char *identity[] = {"Accept-Encoding: identity", NULL};
    httpc_resp r = get("/assets/app.js", identity);
    char *etag = httpc_header(&r, "ETag");
    ck_assert_ptr_nonnull(etag);
    /* Strong: quoted, no W/ prefix; the same on every request. */
    ck_assert_int_eq(etag[0], '"');
    httpc_free(&r);
    r = get("/assets/app.js", identity);
    assert_header(&r, "ETag", etag);
    httpc_free(&r);

    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: \"other\", %s", etag);
    const char *h[] = {"Accept-Encoding: identity", inm, NULL};
    r = get("/assets/app.js", h);
    ck_assert_int_eq(r.status, 304);
    ck_assert_uint_eq(r.len, 0);
    assert_header(&r, "ETag", etag);
    httpc_free(&r);

    /* Another file's ETag does not match. */
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h2[] = {"Accept-Encoding: identity", inm, NULL};
    r = get("/", h2);
    ck_assert_int_eq(r.status, 200);
    httpc_free(&r);
    free(etag);
}
END_TEST

/* gunzips a gzip body; malloc'd. */
static char *gunzip(const char *data, size_t len, size_t *out_len)
{
    z_stream z = {0};
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    inflateEnd(&z);
    return out;
}

START_TEST(gzip_when_accepted)
{
    const char *gz[] = {"Accept-Encoding: br, gzip;q=0.8", NULL};
    httpc_resp r = get("/", gz);
    ck_assert_int_eq(r.status, 200);
    assert_header(&r, "Content-Encoding", "gzip");
    assert_header(&r, "Vary", "Accept-Encoding");
    size_t len, ulen;
    char *want = fixture("index.html", &len);
    char *plain = gunzip(r.body, r.len, &ulen);
    ck_assert_uint_lt(r.len, len);
    ck_assert_uint_eq(ulen, len);
    ck_assert(memcmp(plain, want, len) == 0);
    free(plain);
    free(want);
    /* The gzip representation has an ETag of its own, and revalidates against it. */
    char *etag = httpc_header(&r, "ETag");
    httpc_free(&r);
    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {"Accept-Encoding: gzip", inm, NULL};
    r = get("/", h);
    ck_assert_int_eq(r.status, 304);
    httpc_free(&r);
    const char *h2[] = {"Accept-Encoding: identity", inm, NULL};
    r = get("/", h2);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_null(httpc_header(&r, "Content-Encoding"));
    httpc_free(&r);
    free(etag);

    /* Refused by q=0: identity. */
    const char *q0[] = {"Accept-Encoding: gzip;q=0, deflate", NULL};
    r = get("/", q0);
    ck_assert_ptr_null(httpc_header(&r, "Content-Encoding"));
    httpc_free(&r);
    /* A file that gzip would not shrink is always sent as it is. */
    const char *any[] = {"Accept-Encoding: gzip", NULL};
    r = get("/assets/sub/style.css", any);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_null(httpc_header(&r, "Content-Encoding"));
    httpc_free(&r);
}
END_TEST

/* With no files embedded (web/ not built), / is 404. */
START_TEST(empty_table)
{
    ism_error err = {0};
    static const ism_rpc_web_file none[1] = {{"x", (const unsigned char *)"", 0}};
    ism_rpc_http_config cfg = {.listen = "http://127.0.0.1:0", .web_files = none, .n_web_files = 0};
    ism_rpc_http_server *s = ism_rpc_http_start(&app, &cfg, &err);
    ck_assert_msg(s, "%s", err.message);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ism_rpc_http_port(s));
    httpc_resp r = httpc_do("GET", url, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    httpc_free(&r);
    ism_rpc_http_stop(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_static");
    TCase *tc = tcase_create("static");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, index_and_assets);
    tcase_add_test(tc, not_found);
    tcase_add_test(tc, etag_304);
    tcase_add_test(tc, gzip_when_accepted);
    tcase_add_test(tc, empty_table);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
