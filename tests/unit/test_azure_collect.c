/* test_azure_collect.c — the Azure collector's pacing, in process against a scripted ARM/Graph
 * server (tests/lib/httpd_test) on a virtual clock that moves only when the engine waits for
 * time. One transfer at a time, so the order of the requests and the clock at each are exact:
 *  - a resource provider's 429 (Retry-After, no ARM remaining-reads header) holds that call for
 *    its Retry-After while the subscription's other reads go on at once (the engine's adaptive
 *    bucket used to drop the subscription's tokens and rate, spacing every later read);
 *  - a 429 saying ARM's subscription bucket is empty (remaining reads 0) holds the whole
 *    subscription for the Retry-After;
 *  - every attempt, the retry included, takes a token of the read budget. */
#include "httpd_test.h"
#include "ismap/azure.h"
#include "ismap/collect.h"
#include "ismap/snapshot.h"
#include "testutil.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define TENANT "7a3c0e6d-1f2b-4c5d-9e8f-0a1b2c3d4e5f"
#define SUB "11111111-aaaa-4aaa-8aaa-000000000001"
#define T0 1000

static _Atomic int64_t vnow_ms = T0;

static int64_t vnow(void *arg)
{
    (void)arg;
    return atomic_load(&vnow_ms);
}

static void vsleep(void *arg, int64_t ms)
{
    (void)arg;
    atomic_fetch_add(&vnow_ms, ms);
}

/* What arrived: the path (no query) and the virtual clock then. */
typedef struct seen {
    char path[512];
    int64_t at;
} seen;

static struct {
    pthread_mutex_t mu;
    seen v[256];
    int n;
    int storage_calls;
    bool bucket_empty; /* the 429 says ARM's subscription bucket is empty */
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static const char *const STORAGE =
    "/subscriptions/" SUB "/providers/Microsoft.Storage/storageAccounts";

static void handler(const httpd_req *req, httpd_resp *resp, void *arg)
{
    (void)arg;
    static const char token[] =
        "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"tok\"}";
    static const char subscription[] =
        "{\"id\":\"/subscriptions/" SUB "\",\"subscriptionId\":\"" SUB
        "\",\"displayName\":\"s\",\"state\":\"Enabled\",\"tenantId\":\"" TENANT "\"}";
    static const char defaults[] =
        "{\"id\":\"00000000-0000-0000-0000-000000000005\",\"isEnabled\":false}";
    static const char empty[] = "{\"value\":[]}";
    static const char throttled[] = "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow "
                                    "down\"}}";
    pthread_mutex_lock(&srv.mu);
    seen *s = srv.n < 256 ? &srv.v[srv.n++] : NULL;
    size_t n = strcspn(req->target, "?");
    if (s) {
        snprintf(s->path, sizeof s->path, "%.*s", (int)(n < 500 ? n : 500), req->target);
        s->at = atomic_load(&vnow_ms);
    }
    bool first_storage = false;
    if (n == strlen(STORAGE) && !strncmp(req->target, STORAGE, n))
        first_storage = srv.storage_calls++ == 0;
    bool bucket_empty = srv.bucket_empty;
    pthread_mutex_unlock(&srv.mu);

    resp->status = 200;
    resp->headers = "Content-Type: application/json\r\n";
    if (!strcmp(req->method, "POST"))
        resp->body = token;
    else if (n == strlen("/subscriptions/" SUB) && !strncmp(req->target, "/subscriptions/" SUB, n))
        resp->body = subscription;
    else if (strstr(req->target, "identitySecurityDefaultsEnforcementPolicy"))
        resp->body = defaults;
    else if (first_storage) {
        resp->status = 429;
        resp->headers = bucket_empty ? "Content-Type: application/json\r\nRetry-After: 1\r\n"
                                       "x-ms-ratelimit-remaining-subscription-reads: 0\r\n"
                                     : "Content-Type: application/json\r\nRetry-After: 1\r\n";
        resp->body = throttled;
    } else
        resp->body = empty;
}

/* One collection of SUB against the scripted server; the requests in srv, the stats in *st. */
static void collect(bool bucket_empty, ism_azure_stats *st)
{
    pthread_mutex_lock(&srv.mu);
    srv.n = srv.storage_calls = 0;
    srv.bucket_empty = bucket_empty;
    pthread_mutex_unlock(&srv.mu);
    atomic_store(&vnow_ms, T0);
    httpd_test *h = httpd_test_start(handler, NULL);
    ck_assert_ptr_nonnull(h);
    char base[128];
    httpd_test_url(h, "", base, sizeof base);
    setenv("AZURE_TENANT_ID", TENANT, 1);
    setenv("AZURE_CLIENT_ID", "5c1e2d3f-4a5b-4c6d-8e7f-901234567890", 1);
    setenv("AZURE_CLIENT_SECRET", "test-secret", 1);
    unsetenv("AZURE_CLIENT_CERTIFICATE_PATH");
    unsetenv("AZURE_AUTHORITY_HOST");
    setenv("NO_PROXY", "127.0.0.1", 1);
    setenv("no_proxy", "127.0.0.1", 1);

    char *dir = tu_tempdir("azure-collect");
    char *path = ism_strdupf("%s/snap.db", dir);
    ism_error e = {0};
    ism_snapshot *snap = ism_snapshot_create(path, "snap_az", "azure", NULL, &e);
    ck_assert_msg(snap != NULL, "%s", e.message);
    const char *subs[] = {SUB, NULL};
    ism_http_config hc = {
        .max_in_flight = 1, .max_per_host = 1, .clock = {.now_ms = vnow, .sleep_ms = vsleep}};
    ism_azure_opts o = {.subscriptions = subs, .endpoint_url = base, .engine = &hc};
    bool ok = ism_azure_collect(&o, snap, st, &e);
    ck_assert_msg(ok, "%s", e.message);
    /* nothing lost: every read complete, the throttled one included */
    char *cov = ism_snapshot_coverage(snap, SUB, "global", "StorageAccountsList");
    ck_assert_str_eq(cov ? cov : "(none)", "complete");
    free(cov);
    ism_snapshot_close(snap);
    httpd_test_stop(h);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

/* Requests to the token endpoint (ARM's token and Graph's). */
static uint64_t token_requests(void)
{
    uint64_t n = 0;
    for (int i = 0; i < srv.n; i++)
        n += strstr(srv.v[i].path, "/oauth2/v2.0/token") != NULL;
    return n;
}

/* The index of the first 429'd storage request and of its retry. */
static void storage_pair(int *first, int *retry)
{
    *first = *retry = -1;
    for (int i = 0; i < srv.n; i++)
        if (!strcmp(srv.v[i].path, STORAGE)) {
            if (*first < 0)
                *first = i;
            else if (*retry < 0)
                *retry = i;
        }
    ck_assert_int_ge(*first, 0);
    ck_assert_int_gt(*retry, *first);
}

START_TEST(provider_429_holds_only_that_call)
{
    ism_azure_stats st;
    collect(false, &st);
    int first, retry;
    storage_pair(&first, &retry);
    int64_t t429 = srv.v[first].at;
    ck_assert_int_ge(srv.v[retry].at, t429 + 1000); /* Retry-After honoured */
    /* The subscription's other reads did not wait: they went out before the clock moved. */
    int after = 0;
    for (int i = first + 1; i < srv.n; i++) {
        if (i == retry ||
            strncmp(srv.v[i].path, "/subscriptions/" SUB, strlen("/subscriptions/" SUB)))
            continue;
        after++;
        ck_assert_msg(srv.v[i].at == t429, "%s waited %lld ms after another read's 429",
                      srv.v[i].path, (long long)(srv.v[i].at - t429));
    }
    ck_assert_int_ge(after, 10); /* the case is real: most reads came after the 429 */
    /* every attempt took a token of its budget, the retry too (the token endpoint has none) */
    ck_assert_uint_eq(st.retries, 1);
    ck_assert_uint_eq(token_requests(), 2);
    ck_assert_uint_eq(st.calls, (uint64_t)srv.n);
    ck_assert_uint_eq(st.tokens, st.calls - token_requests());
}
END_TEST

START_TEST(arm_bucket_429_holds_the_subscription)
{
    ism_azure_stats st;
    collect(true, &st);
    int first, retry;
    storage_pair(&first, &retry);
    int64_t t429 = srv.v[first].at;
    int after = 0;
    for (int i = first + 1; i < srv.n; i++) {
        if (strncmp(srv.v[i].path, "/subscriptions/" SUB, strlen("/subscriptions/" SUB))) continue;
        after++;
        ck_assert_msg(srv.v[i].at >= t429 + 1000,
                      "%s sent %lld ms after ARM said its bucket was empty", srv.v[i].path,
                      (long long)(srv.v[i].at - t429));
    }
    ck_assert_int_ge(after, 10);
    ck_assert_uint_eq(st.tokens, st.calls - token_requests());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("azure_collect");
    TCase *tc = tcase_create("azure_collect");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, provider_429_holds_only_that_call);
    tcase_add_test(tc, arm_bucket_429_holds_the_subscription);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
