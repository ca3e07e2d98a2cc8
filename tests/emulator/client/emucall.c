/* emucall.c — a tiny AWS client for tests of the emulator: signs one request with our SigV4
 * signer (ism_aws_sigv4_sign) and sends it with libcurl, then prints "HTTP <status>", the
 * response headers, a blank line and the body. A connection closed without an answer prints
 * "DROPPED" and exits 3. Query services take --action, JSON services --target, REST ones
 * --method/--path. */
#include "ismap/aws.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct args {
    const char *host, *key, *secret, *token, *service, *region, *method, *path, *query;
    const char *action, *target, *form, *json;
    int port;
    bool no_sha;
    ism_http_headers extra;
} args;

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t collect(char *d, size_t sz, size_t nm, void *arg)
{
    buf *b = arg;
    size_t n = sz * nm;
    char *p = realloc(b->p, b->n + n + 1);
    if (!p) return 0;
    memcpy(p + b->n, d, n);
    b->p = p;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

static const char *query_version(const char *service)
{
    if (strcmp(service, "iam") == 0) return "2010-05-08";
    if (strcmp(service, "sts") == 0) return "2011-06-15";
    return "2016-11-15";
}

static const char *json_prefix(const char *service)
{
    static const char *const map[][2] = {
        {"organizations", "AWSOrganizationsV20161128"},
        {"cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"},
        {"kms", "TrentService"},
        {"config", "StarlingDoveService"},
        {"logs", "Logs_20140328"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], service) == 0) return map[i][1];
    return service;
}

/* The body and content type the protocol wants. */
static char *make_body(args *a)
{
    if (a->action) {
        ism_http_headers_set(&a->extra, "Content-Type",
                             "application/x-www-form-urlencoded; charset=utf-8");
        return ism_strdupf("Action=%s&Version=%s%s%s", a->action, query_version(a->service),
                           a->form ? "&" : "", a->form ? a->form : "");
    }
    if (a->target) {
        char t[256];
        snprintf(t, sizeof t, "%s.%s", json_prefix(a->service), a->target);
        ism_http_headers_set(&a->extra, "X-Amz-Target", t);
        ism_http_headers_set(&a->extra, "Content-Type", "application/x-amz-json-1.1");
        return strdup(a->json ? a->json : "{}");
    }
    return strdup(a->json ? a->json : "");
}

static struct curl_slist *signed_headers(args *a, const char *url, const char *body)
{
    ism_aws_credentials cr = {a->key, a->secret, a->token};
    ism_aws_sign_input in = {.method = a->method,
                             .url = url,
                             .headers = &a->extra,
                             .body = body,
                             .body_len = strlen(body),
                             .creds = &cr,
                             .region = a->region,
                             .service = a->service,
                             .when = time(NULL)};
    ism_aws_signed s;
    ism_error err = {0};
    if (!ism_aws_sigv4_sign(&in, &s, &err)) {
        fprintf(stderr, "emucall: sign: %s\n", err.message);
        exit(1);
    }
    struct curl_slist *h = NULL;
    char line[8192];
    for (size_t i = 0; i < a->extra.n; i++) {
        snprintf(line, sizeof line, "%s: %s", a->extra.v[i].name, a->extra.v[i].value);
        h = curl_slist_append(h, line);
    }
    for (size_t i = 0; i < s.add.n; i++) {
        if (a->no_sha && strcasecmp(s.add.v[i].name, "x-amz-content-sha256") == 0) continue;
        snprintf(line, sizeof line, "%s: %s", s.add.v[i].name, s.add.v[i].value);
        h = curl_slist_append(h, line);
    }
    ism_aws_signed_free(&s);
    h = curl_slist_append(h, "Expect:");
    return curl_slist_append(h, "Accept:");
}

static int run(args *a)
{
    char url[4096];
    snprintf(url, sizeof url, "http://%s:%d%s%s%s", a->host, a->port, a->path, a->query ? "?" : "",
             a->query ? a->query : "");
    char *body = make_body(a);
    struct curl_slist *h = signed_headers(a, url, body);
    CURL *c = curl_easy_init();
    buf hb = {0}, bb = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, a->method);
    if (strcmp(a->method, "GET") != 0) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int out = 0;
    if (rc == CURLE_GOT_NOTHING) {
        puts("DROPPED");
        out = 3;
    } else if (rc != CURLE_OK) {
        fprintf(stderr, "emucall: %s\n", curl_easy_strerror(rc));
        out = 1;
    } else {
        printf("HTTP %ld\n%s%s\n", status, hb.p ? hb.p : "", bb.p ? bb.p : "");
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    free(body);
    free(hb.p);
    free(bb.p);
    return out;
}

static const char USAGE[] =
    "usage: emucall --port N --key AK --secret SK [--token T] --service S [--region R]\n"
    "               [--action Op [--form 'k=v&...'] | --target Op [--json BODY] |\n"
    "                --method GET --path /p [--query q]] [--header 'Name: value']...\n"
    "               [--no-content-sha256]\n";

int main(int argc, char **argv)
{
    args a = {.host = "127.0.0.1", .region = "ap-northeast-1", .method = "POST", .path = "/"};
    static const struct option o[] = {
        {"port", 1, 0, 'p'},   {"key", 1, 0, 'k'},     {"secret", 1, 0, 's'},
        {"token", 1, 0, 't'},  {"service", 1, 0, 'S'}, {"region", 1, 0, 'r'},
        {"method", 1, 0, 'm'}, {"path", 1, 0, 'P'},    {"query", 1, 0, 'q'},
        {"action", 1, 0, 'a'}, {"target", 1, 0, 'T'},  {"form", 1, 0, 'f'},
        {"json", 1, 0, 'j'},   {"header", 1, 0, 'H'},  {"no-content-sha256", 0, 0, 'n'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", o, NULL)) != -1) {
        switch (c) {
        case 'p':
            a.port = atoi(optarg);
            break;
        case 'k':
            a.key = optarg;
            break;
        case 's':
            a.secret = optarg;
            break;
        case 't':
            a.token = optarg;
            break;
        case 'S':
            a.service = optarg;
            break;
        case 'r':
            a.region = optarg;
            break;
        case 'm':
            a.method = optarg;
            break;
        case 'P':
            a.path = optarg;
            break;
        case 'q':
            a.query = optarg;
            break;
        case 'a':
            a.action = optarg;
            break;
        case 'T':
            a.target = optarg;
            break;
        case 'f':
            a.form = optarg;
            break;
        case 'j':
            a.json = optarg;
            break;
        case 'n':
            a.no_sha = true;
            break;
        case 'H': {
            char *colon = strchr(optarg, ':');
            if (!colon) break;
            *colon = '\0';
            ism_http_headers_add(&a.extra, optarg, colon + 1 + (colon[1] == ' '));
            break;
        }
        default:
            fputs(USAGE, stderr);
            return 2;
        }
    }
    if (!a.port || !a.key || !a.secret || !a.service) {
        fputs(USAGE, stderr);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = run(&a);
    ism_http_headers_clear(&a.extra);
    curl_global_cleanup();
    return rc;
}
