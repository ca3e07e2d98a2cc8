/* test_http_session.c — the browser session table and the login rate limit with an injected
 * clock: idle and absolute expiry, revocation (one session, or every session of a token),
 * unknown and malformed ids, the bound on the table, and 10 failures a minute per address. */
#include "ismap/rpc.h"
#include "testutil.h"

#include <check.h>
#include <string.h>

static int64_t clock_now;
static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static ism_rpc_caller caller(const char *token_id, const char *org)
{
    ism_rpc_caller who = {.role = ISM_ROLE_AUDITOR};
    ism_strlcpy(who.token_id, token_id, sizeof who.token_id);
    ism_strlcpy(who.org, org, sizeof who.org);
    return who;
}

START_TEST(create_and_get)
{
    clock_now = 1000;
    ism_rpc_sessions *s = ism_rpc_sessions_new(60, 600, 8, fake_clock, NULL);
    ism_rpc_caller who = caller("tok_a", "org-a");
    char id[65], id2[65];
    ism_rpc_session_info info, got;
    ism_error err = {0};
    ck_assert(ism_rpc_sessions_create(s, &who, "ism_secret", id, &info, &err));
    ck_assert_uint_eq(strlen(id), 64);
    ck_assert_uint_eq(strlen(info.csrf), 64);
    ck_assert_int_eq(info.expires_at, 1600);
    ck_assert_int_eq(info.idle_expires, 1060);
    ck_assert(ism_rpc_sessions_create(s, &who, "ism_secret", id2, NULL, &err));
    ck_assert_str_ne(id, id2);
    ck_assert(ism_rpc_sessions_get(s, id, &got));
    ck_assert_str_eq(got.who.org, "org-a");
    ck_assert_str_eq(got.token, "ism_secret");
    ck_assert_str_eq(got.csrf, info.csrf);
    /* Unknown, malformed and altered ids. */
    char other[65];
    memcpy(other, id, sizeof other);
    other[0] = other[0] == 'a' ? 'b' : 'a';
    ck_assert(!ism_rpc_sessions_get(s, other, NULL));
    ck_assert(!ism_rpc_sessions_get(s, "", NULL));
    ck_assert(!ism_rpc_sessions_get(s, "zz", NULL));
    ck_assert(!ism_rpc_sessions_get(s, NULL, NULL));
    char upper[65];
    memcpy(upper, id, sizeof upper);
    for (int i = 0; i < 64; i++)
        if (upper[i] >= 'a') upper[i] = (char)(upper[i] - 32);
    if (strcmp(upper, id) != 0) ck_assert(!ism_rpc_sessions_get(s, upper, NULL));
    ck_assert_uint_eq(ism_rpc_sessions_count(s), 2);
    ism_rpc_sessions_free(s);
}
END_TEST

START_TEST(idle_expiry)
{
    clock_now = 1000;
    ism_rpc_sessions *s = ism_rpc_sessions_new(60, 600, 8, fake_clock, NULL);
    ism_rpc_caller who = caller("tok_a", "org-a");
    char id[65];
    ism_error err = {0};
    ck_assert(ism_rpc_sessions_create(s, &who, "t", id, NULL, &err));
    /* Each use restarts the idle timer. */
    clock_now = 1059;
    ck_assert(ism_rpc_sessions_get(s, id, NULL));
    clock_now = 1118;
    ck_assert(ism_rpc_sessions_get(s, id, NULL));
    /* 60 s without use: gone, and stays gone. */
    clock_now = 1178;
    ck_assert(!ism_rpc_sessions_get(s, id, NULL));
    clock_now = 1179;
    ck_assert(!ism_rpc_sessions_get(s, id, NULL));
    ck_assert_uint_eq(ism_rpc_sessions_count(s), 0);
    ism_rpc_sessions_free(s);
}
END_TEST

START_TEST(absolute_expiry)
{
    clock_now = 1000;
    ism_rpc_sessions *s = ism_rpc_sessions_new(60, 300, 8, fake_clock, NULL);
    ism_rpc_caller who = caller("tok_a", "org-a");
    char id[65];
    ism_error err = {0};
    ck_assert(ism_rpc_sessions_create(s, &who, "t", id, NULL, &err));
    /* Used every 50 s, it never idles out, but ends 300 s after it began. */
    for (clock_now = 1050; clock_now < 1300; clock_now += 50)
        ck_assert_msg(ism_rpc_sessions_get(s, id, NULL), "ended early at %lld",
                      (long long)clock_now);
    clock_now = 1299;
    ck_assert(ism_rpc_sessions_get(s, id, NULL));
    clock_now = 1300;
    ck_assert(!ism_rpc_sessions_get(s, id, NULL));
    ism_rpc_sessions_free(s);
}
END_TEST

START_TEST(revocation)
{
    clock_now = 1000;
    ism_rpc_sessions *s = ism_rpc_sessions_new(60, 600, 8, fake_clock, NULL);
    ism_rpc_caller a = caller("tok_a", "org-a"), b = caller("tok_b", "org-b");
    char a1[65], a2[65], b1[65];
    ism_error err = {0};
    ck_assert(ism_rpc_sessions_create(s, &a, "t", a1, NULL, &err));
    ck_assert(ism_rpc_sessions_create(s, &a, "t", a2, NULL, &err));
    ck_assert(ism_rpc_sessions_create(s, &b, "u", b1, NULL, &err));
    ck_assert(ism_rpc_sessions_revoke(s, a1));
    ck_assert(!ism_rpc_sessions_revoke(s, a1));
    ck_assert(!ism_rpc_sessions_get(s, a1, NULL));
    ck_assert(ism_rpc_sessions_get(s, a2, NULL));
    ck_assert_int_eq(ism_rpc_sessions_revoke_token(s, "tok_a"), 1);
    ck_assert(!ism_rpc_sessions_get(s, a2, NULL));
    ck_assert(ism_rpc_sessions_get(s, b1, NULL));
    ism_rpc_sessions_free(s);
}
END_TEST

START_TEST(bounded)
{
    clock_now = 1000;
    ism_rpc_sessions *s = ism_rpc_sessions_new(60, 600, 3, fake_clock, NULL);
    ism_rpc_caller a = caller("tok_a", "org-a");
    char ids[4][65];
    ism_error err = {0};
    for (int i = 0; i < 3; i++) {
        clock_now = 1000 + i;
        ck_assert(ism_rpc_sessions_create(s, &a, "t", ids[i], NULL, &err));
    }
    /* The oldest was used last; the second is then the least recently used one. */
    clock_now = 1010;
    ck_assert(ism_rpc_sessions_get(s, ids[0], NULL));
    ck_assert(ism_rpc_sessions_create(s, &a, "t", ids[3], NULL, &err));
    ck_assert_uint_eq(ism_rpc_sessions_count(s), 3);
    ck_assert(ism_rpc_sessions_get(s, ids[0], NULL));
    ck_assert(!ism_rpc_sessions_get(s, ids[1], NULL));
    ck_assert(ism_rpc_sessions_get(s, ids[2], NULL));
    ck_assert(ism_rpc_sessions_get(s, ids[3], NULL));
    ism_rpc_sessions_free(s);
}
END_TEST

START_TEST(login_limit)
{
    clock_now = 5000;
    ism_rpc_login_limit *l = ism_rpc_login_limit_new(10, 60, 4, fake_clock, NULL);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(ism_rpc_login_limit_check(l, "192.0.2.1"), 0);
        ism_rpc_login_limit_fail(l, "192.0.2.1");
    }
    ck_assert_int_eq(ism_rpc_login_limit_check(l, "192.0.2.1"), 60);
    /* Another address is not affected. */
    ck_assert_int_eq(ism_rpc_login_limit_check(l, "192.0.2.2"), 0);
    clock_now = 5045;
    ck_assert_int_eq(ism_rpc_login_limit_check(l, "192.0.2.1"), 15);
    /* The window ends: the address may try again, with a fresh count. */
    clock_now = 5060;
    ck_assert_int_eq(ism_rpc_login_limit_check(l, "192.0.2.1"), 0);
    ism_rpc_login_limit_fail(l, "192.0.2.1");
    ck_assert_int_eq(ism_rpc_login_limit_check(l, "192.0.2.1"), 0);
    /* Nine failures are still allowed to try. */
    for (int i = 0; i < 8; i++)
        ism_rpc_login_limit_fail(l, "192.0.2.1");
    ck_assert_int_eq(ism_rpc_login_limit_check(l, "192.0.2.1"), 0);
    ism_rpc_login_limit_fail(l, "192.0.2.1");
    ck_assert_int_gt(ism_rpc_login_limit_check(l, "192.0.2.1"), 0);
    /* Bounded: more addresses than slots forget the oldest window, never crash. */
    for (int i = 0; i < 20; i++) {
        char a[32];
        snprintf(a, sizeof a, "198.51.100.%d", i);
        ism_rpc_login_limit_fail(l, a);
    }
    ism_rpc_login_limit_free(l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_session");
    TCase *tc = tcase_create("sessions");
    tcase_add_test(tc, create_and_get);
    tcase_add_test(tc, idle_expiry);
    tcase_add_test(tc, absolute_expiry);
    tcase_add_test(tc, revocation);
    tcase_add_test(tc, bounded);
    tcase_add_test(tc, login_limit);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
