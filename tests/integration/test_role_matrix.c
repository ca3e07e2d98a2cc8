/* test_role_matrix.c — role × op × organization, table-driven (tests/integration/role_matrix.json):
 * every op of the table called by an admin, a procurement officer, an auditor and a viewer of
 * organization A (and by an all-organization admin), with A's objects — allowed or
 * permission_denied as the table says — and, for ops that name an object, with organization
 * B's objects — not_found for everyone scoped to A; and no successful reply to a caller of A
 * names any object or token of B (ids are looked for in the reply's text). {name} in the table's
 * params stands for an object of the organization the call names, {new_name} for one made just
 * before the call.
 *
 * The same table runs over every transport in `transports` (each an open, a call returning the
 * reply envelope and the HTTP status, a close): nng over tcp:// always; HTTP (POST
 * /api/v1/ops/<op> with Authorization: Bearer, the status checked against the contract's code
 * -> status table) when the ismapd under test has the gateway (--http in its --help).
 *
 * A third test holds the per-op params schemas to the handlers: leaving out a required field
 * or sending a field of another type must be invalid_params.
 *
 * With ISM_ROLE_MATRIX_DUMP=FILE set, the params and result of one successful call per op are
 * written to FILE ({op: {params, result}}, and one error reply per code under "_errors"), for
 * the schema test (tests/openapi). */
#include "ismap/rpc.h"
#include "snapfix.h"
#include "testutil.h"
#include "waitfor.h"

#include <check.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- transports ------------------------------------------------------------------------------ */

typedef struct rm_transport rm_transport;
struct rm_transport {
    const char *name;
    /* Connects to the test daemon (its tcp:// URL and data directory); false: cannot. */
    bool (*open)(rm_transport *t, const char *tcp_url, const char *data_dir);
    /* One call with a bearer token; returns the reply envelope {ok, result | error} (new ref,
     * NULL on a transport failure) and sets *status to the HTTP status (0 for nng). */
    json_t *(*call)(rm_transport *t, const char *op, const json_t *params, const char *token,
                    int *status);
    void (*close)(rm_transport *t);
    void *ctx;
};

static bool nng_open(rm_transport *t, const char *tcp_url, const char *data_dir)
{
    (void)data_dir;
    ism_error err = {0};
    t->ctx = ism_rpc_client_open(tcp_url, NULL, (int)tu_wait_limit_ms(), &err);
    ism_error_clear(&err);
    return t->ctx != NULL;
}

static json_t *nng_call(rm_transport *t, const char *op, const json_t *params, const char *token,
                        int *status)
{
    ism_error err = {0};
    json_t *reply = NULL, *p = json_deep_copy(params);
    ism_rpc_client_call(t->ctx, op, p, token, &reply, &err);
    json_decref(p);
    ism_error_clear(&err);
    *status = 0;
    return reply;
}

static void nng_close(rm_transport *t)
{
    ism_rpc_client_close(t->ctx);
    t->ctx = NULL;
}

/* HTTP (the gateway, issue 12): POST /api/v1/ops/<op> with the params as the body and
 * Authorization: Bearer, over one keep-alive connection. The daemon is started with --http
 * when its --help offers the flag. */
static char httpurl[64]; /* "" when this ismapd has no HTTP gateway */

typedef struct http_ctx {
    CURL *curl;
    char *body;
    size_t len;
} http_ctx;

static size_t http_collect(char *p, size_t size, size_t n, void *arg)
{
    http_ctx *h = arg;
    char *b = realloc(h->body, h->len + size * n + 1);
    if (!b) return 0;
    memcpy(b + h->len, p, size * n);
    h->len += size * n;
    b[h->len] = '\0';
    h->body = b;
    return size * n;
}

/* One request; returns the status (0: no answer) and leaves the body in h. */
static long http_do(http_ctx *h, const char *url, const char *body, const char *token)
{
    free(h->body);
    h->body = NULL;
    h->len = 0;
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[160];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdr = curl_slist_append(hdr, auth);
    }
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdr);
    if (body) {
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    } else {
        curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_collect);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 120L);
    long status = 0;
    if (curl_easy_perform(h->curl) == CURLE_OK)
        curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    return status;
}

static bool http_up(void *arg)
{
    http_ctx *h = arg;
    char url[160];
    snprintf(url, sizeof url, "%s/api/v1/openapi.json", httpurl);
    return http_do(h, url, NULL, NULL) > 0;
}

static bool http_open(rm_transport *t, const char *tcp_url, const char *data_dir)
{
    (void)tcp_url, (void)data_dir;
    if (!httpurl[0]) return false;
    http_ctx *h = calloc(1, sizeof *h);
    h->curl = curl_easy_init();
    t->ctx = h;
    return tu_wait_for(http_up, h, "the HTTP gateway to answer");
}

static json_t *http_call(rm_transport *t, const char *op, const json_t *params, const char *token,
                         int *status)
{
    http_ctx *h = t->ctx;
    char url[300];
    snprintf(url, sizeof url, "%s/api/v1/ops/%s", httpurl, op);
    char *body = json_dumps(params, JSON_COMPACT);
    *status = (int)http_do(h, url, body ? body : "{}", token);
    free(body);
    return h->body ? json_loads(h->body, 0, NULL) : NULL;
}

static void http_close(rm_transport *t)
{
    http_ctx *h = t->ctx;
    if (!h) return;
    curl_easy_cleanup(h->curl);
    free(h->body);
    free(h);
    t->ctx = NULL;
}

static rm_transport transports[] = {
    {"nng", nng_open, nng_call, nng_close, NULL},
    {"http", http_open, http_call, http_close, NULL},
};

/* Whether this ismapd has the HTTP gateway (its --help offers --http). */
static bool daemon_has_http(void)
{
    const char *bin = getenv("ISMAPD");
    char *cmd = ism_strdupf("'%s' --help 2>&1", bin ? bin : "ismapd");
    FILE *f = popen(cmd, "r");
    free(cmd);
    bool yes = false;
    char line[512];
    while (f && fgets(line, sizeof line, f))
        yes = yes || strstr(line, "--http ") != NULL;
    if (f) pclose(f);
    return yes;
}

/* The HTTP status the gateway contract gives an outcome (for transports that have one). */
static int status_of(const char *code)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {{"ok", 200},
               {"bad_request", 400},
               {"invalid_params", 400},
               {"invalid_data", 400},
               {"unknown_op", 404},
               {"not_found", 404},
               {"unauthenticated", 401},
               {"permission_denied", 403},
               {"conflict", 409},
               {"too_large", 413},
               {"rate_limited", 429},
               {"unavailable", 503},
               {"timeout", 504}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].code, code)) return map[i].status;
    return 500;
}

/* ---- the test daemon and its two organizations ------------------------------------------------
 */

static char *dir;
static tu_daemon d;
static char tcpurl[64];
static json_t *table;
static const char *const orgs[2] = {"org-a", "org-b"};
static const char *const roles[] = {"admin", "procurement", "auditor", "viewer", "collector"};
#define NROLES 5
#define COLLECTOR_ROLE 4           /* its tokens come from collector.register, not token.create */
static char tokens[2][NROLES][80]; /* [org][role] */
static char global_admin[80];
static json_t *objects[2]; /* per org: name -> id (or content) */
static int failures;
/* Every id of organization B's objects and tokens: a successful reply to a caller of
 * organization A must name none of them. */
static json_t *b_ids;

/* A call over the local socket (the all-organization admin), for setting things up. */
static json_t *local(const char *op, json_t *params, const char *token)
{
    json_t *r = tu_call(d.url, op, params, token);
    ck_assert_msg(r && json_is_true(json_object_get(r, "ok")), "%s failed: %s", op,
                  r ? json_dumps(r, JSON_COMPACT) : "no reply");
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return res;
}

static void set_obj(int org, const char *name, const char *value)
{
    json_object_set_new(objects[org], name, json_string(value));
    if (org == 1 && value && strcmp(name, "snapshot_file") && strcmp(name, "org") &&
        strcmp(name, "new_name"))
        json_array_append_new(b_ids, json_string(value));
}

static char *snapshot_base64(void)
{
    char *fx = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    char *path = ism_strdupf("%s/snap.db", dir);
    ism_error err = {0};
    json_t *f = snapfix_read(fx, &err);
    ck_assert_msg(f && snapfix_build(f, path, &err), "snapshot fixture: %s", err.message);
    json_decref(f);
    size_t len = 0;
    char *data = ism_read_file(path, (size_t)1 << 30, &len, &err);
    ck_assert_ptr_nonnull(data);
    char *b64 = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)data, (int)len);
    free(data);
    free(path);
    free(fx);
    return b64;
}

typedef struct job_wait {
    const char *id;
} job_wait;

static bool job_done(void *arg)
{
    json_t *r = tu_call(d.url, "jobs.show", json_pack("{s:s}", "id", ((job_wait *)arg)->id), NULL);
    const char *s = ism_json_getstr(json_object_get(r, "result"), "state");
    bool done = s && (!strcmp(s, "succeeded") || !strcmp(s, "failed"));
    json_decref(r);
    return done;
}

/* Objects of one organization, made with its own tokens so that they land in it. */
static void make_objects(int o, const char *snap_b64)
{
    const char *proc = tokens[o][1], *aud = tokens[o][2];
    objects[o] = json_object();
    set_obj(o, "snapshot_file", snap_b64);
    set_obj(o, "org", orgs[o]);
    json_t *r = local("subject.create",
                      json_pack("{s:s, s:s, s:[s]}", "kind", "workload", "name", orgs[o],
                                "accounts", "111122223333"),
                      proc);
    set_obj(o, "subject", ism_json_getstr(r, "id"));
    json_decref(r);
    r = local("snapshot.import", json_pack("{s:s}", "content_base64", snap_b64), aud);
    set_obj(o, "snapshot", ism_json_getstr(r, "id"));
    json_decref(r);
    r = local("evidence.import",
              json_pack("{s:s, s:s, s:s, s:s}", "kind", "file", "subject",
                        ism_json_getstr(objects[o], "subject"), "name", "sla.txt", "content_base64",
                        "U0xBIDk5Ljk="),
              proc);
    const char *ev = ism_json_getstr(json_object_get(r, "evidence"), "id");
    ck_assert_msg(ev, "evidence.import result names no item: %s", json_dumps(r, JSON_COMPACT));
    set_obj(o, "evidence", ev);
    json_decref(r);
    r = local("assessment.create",
              json_pack("{s:s, s:[s], s:[s]}", "subject", ism_json_getstr(objects[o], "subject"),
                        "frameworks", "mic-cloud-addon", "snapshots",
                        ism_json_getstr(objects[o], "snapshot")),
              aud);
    set_obj(o, "assessment", ism_json_getstr(r, "id"));
    set_obj(o, "job", ism_json_getstr(r, "job"));
    json_decref(r);
    job_wait w = {ism_json_getstr(objects[o], "job")};
    ck_assert(tu_wait_for(job_done, &w, "the assessment's evaluation job"));
}

/* An object made just before a call that uses it up, in organization o. */
static const char *fresh(int o, const char *name)
{
    json_t *r = NULL;
    if (!strcmp(name, "new_name")) {
        static int n;
        char text[64];
        snprintf(text, sizeof text, "ロール表の対象 %d", ++n);
        set_obj(o, name, text);
        return ism_json_getstr(objects[o], name);
    }
    if (!strcmp(name, "new_job"))
        r = local("jobs.submit",
                  json_pack("{s:s, s:{s:i}}", "kind", "diag.wait", "params", "ms", 3600000),
                  tokens[o][0]);
    else if (!strcmp(name, "new_token"))
        r = local("token.create", json_pack("{s:s, s:s}", "name", "to-revoke", "role", "viewer"),
                  tokens[o][0]);
    else if (!strcmp(name, "new_waiver"))
        r = local("waiver.add",
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "assessment",
                            ism_json_getstr(objects[o], "assessment"), "catalog", "ismap", "item",
                            "3.1.2.2", "justification", "試験", "approver", "CISO", "expires",
                            "2099-12-31"),
                  tokens[o][2]);
    ck_assert_msg(r != NULL, "no maker for {%s}", name);
    set_obj(o, name, ism_json_getstr(r, "id"));
    json_decref(r);
    return ism_json_getstr(objects[o], name);
}

/* params with every "{name}" string replaced by organization o's object (new reference). */
static json_t *bind_params(const json_t *v, int o)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        if (n < 3 || s[0] != '{' || s[n - 1] != '}') return json_incref((json_t *)v);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(n - 2), s + 1);
        const char *val =
            !strncmp(name, "new_", 4) ? fresh(o, name) : ism_json_getstr(objects[o], name);
        ck_assert_msg(val != NULL, "the table names an unknown object {%s}", name);
        return json_string(val);
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json_array_append_new(a, bind_params(e, o));
        return a;
    }
    if (json_is_object(v)) {
        json_t *out = json_object();
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e) json_object_set_new(out, k, bind_params(e, o));
        return out;
    }
    return json_incref((json_t *)v);
}

static void setup(void)
{
    dir = tu_tempdir("rolematrix");
    char datadir[4200], ipc[4300];
    snprintf(datadir, sizeof datadir, "%s/data", dir);
    snprintf(ipc, sizeof ipc, "ipc://%s/ismapd.sock", datadir);
    snprintf(tcpurl, sizeof tcpurl, "tcp://127.0.0.1:%d", tu_free_port());
    const char *extra[] = {"--listen", ipc,  "--listen", tcpurl, "--contexts",
                           "4",        NULL, NULL,       NULL};
    httpurl[0] = '\0';
    if (daemon_has_http()) {
        snprintf(httpurl, sizeof httpurl, "http://127.0.0.1:%d", tu_free_port());
        extra[6] = "--http";
        extra[7] = httpurl;
    }
    ck_assert_msg(tu_daemon_start(&d, datadir, extra), "ismapd did not start");
    b_ids = json_array();
    for (int o = 0; o < 2; o++)
        for (int r = 0; r < NROLES; r++) {
            char cname[64];
            snprintf(cname, sizeof cname, "role-matrix-%s", orgs[o]);
            json_t *t = r == COLLECTOR_ROLE
                            ? local("collector.register",
                                    json_pack("{s:s, s:s, s:s, s:s}", "name", cname, "zone",
                                              "role-matrix", "scopes", "*", "public_key",
                                              "Y6xpKc1FmnF6avFSFo9ySFPmm8E+wmPyBccv9PXqntg="),
                                    NULL)
                            : local("token.create",
                                    json_pack("{s:s, s:s, s:s}", "name", roles[r], "role", roles[r],
                                              "org", orgs[o]),
                                    NULL);
            ism_strlcpy(tokens[o][r], ism_json_getstr(t, "token"), sizeof tokens[o][r]);
            if (o == 1 && r != COLLECTOR_ROLE) json_array_append(b_ids, json_object_get(t, "id"));
            json_decref(t);
        }
    json_t *t =
        local("token.create", json_pack("{s:s, s:s}", "name", "root", "role", "admin"), NULL);
    ism_strlcpy(global_admin, ism_json_getstr(t, "token"), sizeof global_admin);
    json_decref(t);
    char *b64 = snapshot_base64();
    for (int o = 0; o < 2; o++)
        make_objects(o, b64);
    free(b64);
    char *path = ism_strdupf("%s/tests/integration/role_matrix.json", tu_source_dir());
    json_error_t jerr;
    table = json_load_file(path, 0, &jerr);
    ck_assert_msg(table, "%s: %s", path, jerr.text);
    free(path);
    failures = 0;
}

static void teardown(void)
{
    /* Jobs the test left running (cancel refused) would hold a worker until the daemon stops. */
    json_decref(table);
    json_decref(b_ids);
    for (int o = 0; o < 2; o++)
        json_decref(objects[o]);
    tu_daemon_stop(&d);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the matrix ------------------------------------------------------------------------------ */

static bool allowed(const json_t *row, const char *role)
{
    if (!strcmp(role, "admin")) return true;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(row, "allow"), i,
                       r) if (!strcmp(json_string_value(r), role)) return true;
    return false;
}

/* One call; a mismatch is printed and counted (every mismatch of a run is reported at once). */
static void expect(rm_transport *t, const json_t *row, const char *who, const char *token, int o,
                   const char *want, json_t *dump)
{
    const char *op = ism_json_getstr(row, "op");
    json_t *params = bind_params(json_object_get(row, "params"), o);
    int status = 0;
    json_t *reply = t->call(t, op, params, token, &status);
    const char *got = tu_code(reply);
    bool ok = !strcmp(got, want) && (!status || status == status_of(want));
    if (!ok) {
        char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
        fprintf(
            stderr,
            "MISMATCH %s: %s of %s -> %s with %s's objects: want %s, got %s (HTTP %d)%s%.300s\n",
            t->name, who, orgs[0], op, orgs[o], want, got, status, text ? ": " : "",
            text ? text : "");
        free(text);
        failures++;
    } else if (strcmp(token, global_admin) && !strcmp(got, "ok")) {
        /* Organization A's caller: nothing of organization B in what it is given. */
        char *text = json_dumps(reply, JSON_COMPACT);
        size_t k;
        json_t *id;
        json_array_foreach(b_ids, k, id) if (text && strstr(text, json_string_value(id)))
        {
            fprintf(stderr, "LEAK %s: %s of %s -> %s with %s's objects names %s of %s: %.300s\n",
                    t->name, who, orgs[0], op, orgs[o], json_string_value(id), orgs[1], text);
            failures++;
        }
        free(text);
    }
    if (ok && dump && strcmp(got, "ok")) {
        /* One error reply per code, for the error envelope's schema. */
        json_t *errs = json_object_get(dump, "_errors");
        if (!errs) json_object_set_new(dump, "_errors", errs = json_object());
        if (!json_object_get(errs, got)) json_object_set(errs, got, reply);
    } else if (ok && dump && !strcmp(got, "ok") && !json_object_get(dump, op)) {
        json_object_set_new(
            dump, op,
            json_pack("{s:O, s:O}", "params", params, "result", json_object_get(reply, "result")));
    }
    json_decref(reply);
    json_decref(params);
}

static void visit_op(const ism_op *op, void *ctx)
{
    json_object_set_new(ctx, op->name, json_true());
}

START_TEST(table_covers_the_op_table)
{
    json_t *ops = json_object(), *rows = json_object();
    ism_rpc_foreach_op(visit_op, ops);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(table, "ops"), i, row)
    {
        const char *op = ism_json_getstr(row, "op");
        ck_assert_msg(op && json_object_get(ops, op), "role_matrix.json row %zu names no op: %s", i,
                      op ? op : "(none)");
        ck_assert_msg(!json_object_get(rows, op), "role_matrix.json has two rows for %s", op);
        json_object_set_new(rows, op, json_true());
    }
    const char *name;
    json_t *v;
    json_object_foreach(ops, name, v)
        ck_assert_msg(json_object_get(rows, name), "op %s has no row in role_matrix.json", name);
    /* ...and the daemon serves exactly the table the test links. */
    json_t *listed = local("ops.list", json_object(), NULL);
    ck_assert_int_eq(json_array_size(listed), json_object_size(ops));
    json_decref(listed);
    json_decref(rows);
    json_decref(ops);
}
END_TEST

START_TEST(every_role_every_op_both_organizations)
{
    const char *dump_path = getenv("ISM_ROLE_MATRIX_DUMP");
    json_t *dump = dump_path && *dump_path ? json_object() : NULL;
    int calls = 0;
    for (size_t ti = 0; ti < sizeof transports / sizeof transports[0]; ti++) {
        rm_transport *t = &transports[ti];
        if (!strcmp(t->name, "http") && !httpurl[0]) {
            printf("role matrix: this ismapd has no HTTP gateway (no --http): HTTP not driven\n");
            continue;
        }
        ck_assert_msg(t->open(t, tcpurl, d.data_dir), "transport %s cannot connect", t->name);
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(table, "ops"), i, row)
        {
            const char *code = ism_json_getstr(row, "code");
            bool scoped = json_is_true(json_object_get(row, "scoped"));
            for (int r = 0; r < NROLES; r++) {
                bool may = allowed(row, roles[r]);
                /* "codes": a role's own outcome where it differs from the row's "code". */
                const char *rc = ism_json_getstr(json_object_get(row, "codes"), roles[r]);
                const char *own = may ? (rc ? rc : code ? code : "ok") : "permission_denied";
                expect(t, row, roles[r], tokens[0][r], 0, own, dump);
                calls++;
                if (scoped) {
                    /* Another organization's object: as if it did not exist (and a role that
                     * may not call the op learns nothing either). */
                    expect(t, row, roles[r], tokens[0][r], 1,
                           may ? "not_found" : "permission_denied", dump);
                    calls++;
                }
            }
            /* The all-organization admin reaches both organizations' objects. */
            expect(t, row, "all-organization admin", global_admin, 0, code ? code : "ok", dump);
            expect(t, row, "all-organization admin", global_admin, 1, code ? code : "ok", NULL);
            calls += 2;
        }
        t->close(t);
    }
    printf("role matrix: %d calls, %d mismatches\n", calls, failures);
    if (dump) {
        ck_assert_int_eq(json_dump_file(dump, dump_path, JSON_INDENT(1)), 0);
        json_decref(dump);
    }
    ck_assert_msg(failures == 0,
                  "%d calls disagree with role_matrix.json or leak (see MISMATCH / LEAK lines)",
                  failures);
}
END_TEST

/* A value of another JSON type than the schema's (first) type, or NULL when the schema names
 * none (then the property is not probed). */
static json_t *wrong_value(const json_t *prop)
{
    json_t *t = json_object_get(prop, "type");
    const char *type =
        json_is_array(t) ? json_string_value(json_array_get(t, 0)) : json_string_value(t);
    if (!type) return NULL;
    if (!strcmp(type, "string")) return json_integer(12345);
    return json_string("not-a-value");
}

/* The params schemas say what the handlers check: with the table's own params as the valid
 * base (as the all-organization admin), leaving out a required field or giving a field of the
 * wrong type is invalid_params, for every op. */
START_TEST(params_schemas_match_the_handlers)
{
    ism_error err = {0};
    ism_rpc_client *c = ism_rpc_client_open(tcpurl, NULL, (int)tu_wait_limit_ms(), &err);
    ck_assert_ptr_nonnull(c);
    int probes = 0;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(table, "ops"), i, row)
    {
        const char *op = ism_json_getstr(row, "op");
        json_t *schema = ism_rpc_op_params_schema(op);
        ck_assert_ptr_nonnull(schema);
        json_t *props = json_object_get(schema, "properties");
        json_t *variants = json_array(); /* [what, params] */
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(schema, "required"), k, r)
        {
            json_t *p = bind_params(json_object_get(row, "params"), 0);
            json_object_del(p, json_string_value(r));
            json_array_append_new(variants,
                                  json_pack("[s+, o]", "without ", json_string_value(r), p));
        }
        const char *name;
        json_t *prop;
        json_object_foreach(props, name, prop)
        {
            json_t *bad = wrong_value(prop);
            if (!bad) continue;
            json_t *p = bind_params(json_object_get(row, "params"), 0);
            json_object_set_new(p, name, bad);
            json_array_append_new(variants, json_pack("[s+, o]", "wrong type of ", name, p));
        }
        json_t *v;
        json_array_foreach(variants, k, v)
        {
            json_t *reply = NULL;
            ism_rpc_client_call(c, op, json_array_get(v, 1), global_admin, &reply, &err);
            ism_error_clear(&err);
            probes++;
            if (strcmp(tu_code(reply), "invalid_params")) {
                char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
                fprintf(stderr, "SCHEMA %s %s: want invalid_params, got %s: %.300s\n", op,
                        json_string_value(json_array_get(v, 0)), tu_code(reply), text ? text : "");
                free(text);
                failures++;
            }
            json_decref(reply);
        }
        json_decref(variants);
        json_decref(schema);
    }
    ism_rpc_client_close(c);
    printf("params schemas: %d probes, %d disagree\n", probes, failures);
    ck_assert_msg(failures == 0,
                  "%d params schemas disagree with their handlers (see SCHEMA lines)", failures);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("role_matrix");
    TCase *tc = tcase_create("matrix");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, table_covers_the_op_table);
    tcase_add_test(tc, every_role_every_op_both_organizations);
    tcase_add_test(tc, params_schemas_match_the_handlers);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
