/* test_http_login.c — browser sessions through a real ismapd's HTTP gateway on loopback:
 * login with a good and a bad token, the cookie's attributes, CSRF refused without the header,
 * with a wrong one and from a foreign Origin and accepted with it, logout revokes, a revoked
 * API token ends its sessions, failed logins are rate-limited (429 + Retry-After), and the
 * events stream (cookie-authenticated) carries its organization's job events and no other's.
 * Expiry is tested with an injected clock in tests/unit/test_http_session.c. */
#include "httpc.h"
#include "ismap/rpc.h"
#include "testutil.h"
#include "waitfor.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static char datadir[4200];
static tu_daemon d;
static char base[64];

/* The gateway listens a moment after the nng socket answers. */
static bool http_up(void *arg)
{
    (void)arg;
    char url[128];
    snprintf(url, sizeof url, "%s/api/v1/session", base);
    httpc_resp r = httpc_do("GET", url, NULL, NULL);
    bool up = r.status != 0;
    httpc_free(&r);
    return up;
}

static void setup(void)
{
    dir = tu_tempdir("httpsess");
    snprintf(datadir, sizeof datadir, "%s/data", dir);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", tu_free_port());
    const char *extra[] = {"--http", base, NULL};
    ck_assert_msg(tu_daemon_start(&d, datadir, extra), "ismapd did not start");
    ck_assert(tu_wait_for(http_up, NULL, "the HTTP gateway"));
}

static void teardown(void)
{
    if (d.pid) ck_assert_int_eq(tu_daemon_stop(&d), 0);
    tu_rmtree(dir);
    free(dir);
}

/* A new API token (malloc'd); *id gets its id when id is not NULL. */
static char *new_token(const char *role, const char *org, char id[64])
{
    json_t *r = tu_call(d.url, "token.create",
                        json_pack("{s:s, s:s, s:s}", "name", "t", "role", role, "org", org), NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    json_t *res = json_object_get(r, "result");
    char *tok = strdup(ism_json_getstr(res, "token"));
    if (id) ism_strlcpy(id, ism_json_getstr(res, "id"), 64);
    json_decref(r);
    return tok;
}

static httpc_resp req(const char *method, const char *path, const char *body,
                      const char *const *headers)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    return httpc_do(method, url, body, headers);
}

static json_t *body_json(const httpc_resp *r)
{
    json_t *j = json_loads(r->body, 0, NULL);
    ck_assert_msg(j, "not JSON: %s", r->body);
    return j;
}

static const char *error_code(json_t *j)
{
    return ism_json_getstr(json_object_get(j, "error"), "code");
}

typedef struct login {
    char cookie[128]; /* "Cookie: ismap_session=..." */
    char csrf[128];   /* "X-CSRF-Token: ..." */
} login;

static login do_login(const char *token)
{
    login l = {0};
    char body[256];
    snprintf(body, sizeof body, "{\"token\": \"%s\"}", token);
    const char *h[] = {"Content-Type: application/json", NULL};
    httpc_resp r = req("POST", "/api/v1/session", body, h);
    ck_assert_msg(r.status == 200, "login: %ld %s", r.status, r.body);
    char *set = httpc_header(&r, "Set-Cookie");
    ck_assert_ptr_nonnull(set);
    char *semi = strchr(set, ';');
    ck_assert_ptr_nonnull(semi);
    *semi = '\0';
    snprintf(l.cookie, sizeof l.cookie, "Cookie: %s", set);
    free(set);
    json_t *j = body_json(&r);
    snprintf(l.csrf, sizeof l.csrf, "X-CSRF-Token: %s",
             ism_json_getstr(json_object_get(j, "result"), "csrf_token"));
    json_decref(j);
    httpc_free(&r);
    return l;
}

START_TEST(login_and_cookie)
{
    char *tok = new_token("auditor", "org-a", NULL);
    char body[256];
    snprintf(body, sizeof body, "{\"token\": \"%s\"}", tok);
    httpc_resp r = req("POST", "/api/v1/session", body, NULL);
    ck_assert_int_eq(r.status, 200);
    char *set = httpc_header(&r, "Set-Cookie");
    ck_assert_ptr_nonnull(set);
    ck_assert_msg(strncmp(set, "ismap_session=", 14) == 0, "%s", set);
    ck_assert_uint_eq(strcspn(set + 14, ";"), 64);
    ck_assert_ptr_nonnull(strstr(set, "; Path=/"));
    ck_assert_ptr_nonnull(strstr(set, "; HttpOnly"));
    ck_assert_ptr_nonnull(strstr(set, "; SameSite=Strict"));
    ck_assert_ptr_null(strstr(set, "Secure")); /* plain http on loopback */
    free(set);
    json_t *j = body_json(&r);
    json_t *res = json_object_get(j, "result");
    ck_assert_str_eq(ism_json_getstr(res, "role"), "auditor");
    ck_assert_str_eq(ism_json_getstr(res, "org"), "org-a");
    ck_assert_uint_eq(strlen(ism_json_getstr(res, "csrf_token")), 64);
    ck_assert_int_eq(json_integer_value(json_object_get(res, "idle_timeout_s")), 1800);
    ck_assert_ptr_nonnull(ism_json_getstr(res, "expires_at"));
    /* The token never comes back. */
    ck_assert_ptr_null(strstr(r.body, tok));
    json_decref(j);
    httpc_free(&r);

    /* GET /api/v1/session with the cookie: the same session. */
    login l = do_login(tok);
    const char *h[] = {l.cookie, NULL};
    r = req("GET", "/api/v1/session", NULL, h);
    ck_assert_int_eq(r.status, 200);
    j = body_json(&r);
    char want[128];
    snprintf(want, sizeof want, "X-CSRF-Token: %s",
             ism_json_getstr(json_object_get(j, "result"), "csrf_token"));
    ck_assert_str_eq(want, l.csrf);
    json_decref(j);
    httpc_free(&r);
    /* A GET through the cookie needs no CSRF token. */
    r = req("GET", "/api/v1/session", NULL, NULL);
    ck_assert_int_eq(r.status, 401);
    httpc_free(&r);
    free(tok);
}
END_TEST

START_TEST(bad_logins)
{
    const char *bodies[] = {"{\"token\": \"ism_0000000000000000000000000000000000000000000000000000"
                            "000000000000\"}",
                            "{\"token\": \"\"}", "{}", "not json"};
    int want[] = {401, 400, 400, 400};
    for (size_t i = 0; i < 4; i++) {
        httpc_resp r = req("POST", "/api/v1/session", bodies[i], NULL);
        ck_assert_msg(r.status == want[i], "%s: %ld %s", bodies[i], r.status, r.body);
        char *set = httpc_header(&r, "Set-Cookie");
        ck_assert_ptr_null(set);
        httpc_free(&r);
    }
    /* An unknown cookie is 401 everywhere. */
    const char *h[] = {
        "Cookie: ismap_session=00000000000000000000000000000000000000000000000000000000000000"
        "00",
        NULL};
    httpc_resp r = req("POST", "/api/v1/ops/ping", "{}", h);
    ck_assert_int_eq(r.status, 401);
    httpc_free(&r);
}
END_TEST

START_TEST(csrf)
{
    char *tok = new_token("auditor", "org-a", NULL);
    login l = do_login(tok);
    /* No header: 403 naming CSRF. */
    const char *none[] = {l.cookie, NULL};
    httpc_resp r = req("POST", "/api/v1/ops/ping", "{}", none);
    ck_assert_int_eq(r.status, 403);
    json_t *j = body_json(&r);
    ck_assert_str_eq(error_code(j), "permission_denied");
    ck_assert_ptr_nonnull(strstr(r.body, "CSRF"));
    json_decref(j);
    httpc_free(&r);
    /* A wrong one (the same length, one digit off). */
    char wrong[128];
    ism_strlcpy(wrong, l.csrf, sizeof wrong);
    size_t n = strlen(wrong);
    wrong[n - 1] = wrong[n - 1] == '0' ? '1' : '0';
    const char *bad[] = {l.cookie, wrong, NULL};
    r = req("POST", "/api/v1/ops/ping", "{}", bad);
    ck_assert_int_eq(r.status, 403);
    httpc_free(&r);
    const char *empty[] = {l.cookie, "X-CSRF-Token: x", NULL};
    r = req("POST", "/api/v1/ops/ping", "{}", empty);
    ck_assert_int_eq(r.status, 403);
    httpc_free(&r);
    /* The right one, from a foreign Origin: refused. */
    const char *foreign[] = {l.cookie, l.csrf, "Origin: http://evil.example", NULL};
    r = req("POST", "/api/v1/ops/ping", "{}", foreign);
    ck_assert_int_eq(r.status, 403);
    httpc_free(&r);
    /* The right one: accepted, also with the server's own Origin. */
    const char *good[] = {l.cookie, l.csrf, NULL};
    r = req("POST", "/api/v1/ops/ping", "{\"echo\": \"hi\"}", good);
    ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
    httpc_free(&r);
    char origin[128];
    snprintf(origin, sizeof origin, "Origin: %s", base);
    const char *own[] = {l.cookie, l.csrf, origin, NULL};
    r = req("POST", "/api/v1/ops/ping", "{}", own);
    ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
    httpc_free(&r);
    /* The role still counts: an auditor may not create tokens. */
    r = req("POST", "/api/v1/ops/token.create", "{\"name\":\"x\",\"role\":\"admin\"}", good);
    ck_assert_int_eq(r.status, 403);
    httpc_free(&r);
    /* A bearer request needs no CSRF token. */
    char auth[160];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    const char *bearer[] = {auth, NULL};
    r = req("POST", "/api/v1/ops/ping", "{}", bearer);
    ck_assert_int_eq(r.status, 200);
    httpc_free(&r);
    free(tok);
}
END_TEST

START_TEST(logout_and_revoked_token)
{
    char tid[64];
    char *tok = new_token("viewer", "org-a", tid);
    login l = do_login(tok), l2 = do_login(tok);
    /* Logout needs the CSRF token too. */
    const char *nocsrf[] = {l.cookie, NULL};
    httpc_resp r = req("DELETE", "/api/v1/session", NULL, nocsrf);
    ck_assert_int_eq(r.status, 403);
    httpc_free(&r);
    const char *h[] = {l.cookie, l.csrf, NULL};
    r = req("DELETE", "/api/v1/session", NULL, h);
    ck_assert_int_eq(r.status, 200);
    char *set = httpc_header(&r, "Set-Cookie");
    ck_assert_ptr_nonnull(set);
    ck_assert_ptr_nonnull(strstr(set, "Max-Age=0"));
    free(set);
    httpc_free(&r);
    /* The server forgot it: the old cookie no longer works. */
    r = req("GET", "/api/v1/session", NULL, h);
    ck_assert_int_eq(r.status, 401);
    httpc_free(&r);
    /* The other session lives until its API token is revoked. */
    const char *h2[] = {l2.cookie, l2.csrf, NULL};
    r = req("POST", "/api/v1/ops/ping", "{}", h2);
    ck_assert_int_eq(r.status, 200);
    httpc_free(&r);
    json_t *rv = tu_call(d.url, "token.revoke", json_pack("{s:s}", "id", tid), NULL);
    ck_assert_str_eq(tu_code(rv), "ok");
    json_decref(rv);
    r = req("POST", "/api/v1/ops/ping", "{}", h2);
    ck_assert_int_eq(r.status, 401);
    httpc_free(&r);
    r = req("GET", "/api/v1/session", NULL, h2);
    ck_assert_int_eq(r.status, 401);
    httpc_free(&r);
    free(tok);
}
END_TEST

START_TEST(login_rate_limit)
{
    char *tok = new_token("viewer", "org-a", NULL);
    const char *bad = "{\"token\": \"ism_wrong\"}";
    /* Ten failures are each told 401; the eleventh attempt is refused before the token is
     * looked at, even a good one. */
    for (int i = 0; i < ISM_RPC_LOGIN_MAX_FAILURES; i++) {
        httpc_resp r = req("POST", "/api/v1/session", bad, NULL);
        ck_assert_msg(r.status == 401, "attempt %d: %ld", i, r.status);
        httpc_free(&r);
    }
    char body[256];
    snprintf(body, sizeof body, "{\"token\": \"%s\"}", tok);
    httpc_resp r = req("POST", "/api/v1/session", body, NULL);
    ck_assert_int_eq(r.status, 429);
    char *ra = httpc_header(&r, "Retry-After");
    ck_assert_ptr_nonnull(ra);
    ck_assert_int_gt(atoi(ra), 0);
    ck_assert_int_le(atoi(ra), ISM_RPC_LOGIN_WINDOW_S);
    free(ra);
    json_t *j = body_json(&r);
    ck_assert_str_eq(error_code(j), "rate_limited");
    json_decref(j);
    httpc_free(&r);
    /* Failed logins are logged with the address, never the token. */
    size_t len = 0;
    ism_error err = {0};
    char *log = ism_read_file(d.log, 64 << 20, &len, &err);
    ck_assert_ptr_nonnull(log);
    ck_assert_ptr_nonnull(strstr(log, "http.login_failed"));
    ck_assert_ptr_nonnull(strstr(log, "127.0.0.1"));
    ck_assert_ptr_null(strstr(log, "ism_wrong"));
    ck_assert_ptr_null(strstr(log, tok));
    free(log);
    free(tok);
}
END_TEST

/* Submits diag.wait over nng as an admin of org; returns the job id (malloc'd). */
static char *submit_wait(const char *admin_token)
{
    json_t *r =
        tu_call(d.url, "jobs.submit",
                json_pack("{s:s, s:{s:i}}", "kind", "diag.wait", "params", "ms", 250), admin_token);
    ck_assert_str_eq(tu_code(r), "ok");
    char *id = strdup(ism_json_getstr(json_object_get(r, "result"), "id"));
    json_decref(r);
    return id;
}

START_TEST(events_of_own_org)
{
    char *viewer_a = new_token("viewer", "org-a", NULL),
         *viewer_b = new_token("viewer", "org-b", NULL);
    char *admin_a = new_token("admin", "org-a", NULL), *admin_b = new_token("admin", "org-b", NULL);
    int port = atoi(strrchr(base, ':') + 1);
    /* org-a's browser, by its session cookie; org-b's tool, by bearer. */
    login la = do_login(viewer_a);
    const char *ha[] = {la.cookie, NULL};
    httpc_stream *sa = httpc_stream_open(port, "/api/v1/events", ha, 0);
    char auth[160];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", viewer_b);
    const char *hb[] = {auth, NULL};
    httpc_stream *sb = httpc_stream_open(port, "/api/v1/events", hb, 0);
    ck_assert(httpc_stream_wait(sa, 0, ": subscribed"));
    ck_assert(httpc_stream_wait(sb, 0, ": subscribed"));
    /* org-b's job runs to its end first... */
    char *jb = submit_wait(admin_b), want[160];
    snprintf(want, sizeof want, "event: job.finished\ndata: {\"job\":\"%s\"", jb);
    ck_assert(httpc_stream_wait(sb, 0, want));
    /* ...then org-a's: a sees its progress and its end, and nothing of b's. */
    char *ja = submit_wait(admin_a);
    snprintf(want, sizeof want, "event: job.progress\ndata: {\"job\":\"%s\"", ja);
    ck_assert(httpc_stream_wait(sa, 0, want));
    snprintf(want, sizeof want, "event: job.finished\ndata: {\"job\":\"%s\"", ja);
    ck_assert(httpc_stream_wait(sa, 0, want));
    ck_assert_ptr_nonnull(strstr(httpc_stream_text(sa, NULL), "\"state\":\"succeeded\""));
    ck_assert_ptr_null(strstr(httpc_stream_text(sa, NULL), jb));
    ck_assert_ptr_null(strstr(httpc_stream_text(sb, NULL), ja));
    httpc_stream_close(sa);
    httpc_stream_close(sb);
    free(ja);
    free(jb);
    free(viewer_a);
    free(viewer_b);
    free(admin_a);
    free(admin_b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_session");
    TCase *tc = tcase_create("session");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, login_and_cookie);
    tcase_add_test(tc, bad_logins);
    tcase_add_test(tc, csrf);
    tcase_add_test(tc, logout_and_revoked_token);
    tcase_add_test(tc, login_rate_limit);
    tcase_add_test(tc, events_of_own_org);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
