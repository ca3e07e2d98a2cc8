/* cmd_core.c — ismapctl commands for the daemon itself: ping, status, ops, jobs, tokens, call. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmd_ping(cli *c)
{
    json_t *r;
    int64_t t0 = ism_mono_ms();
    int rc = cli_call(c, "ping", json_object(), &r);
    if (rc) return rc;
    if (c->json) return cli_print(c, r, NULL);
    printf("pong from %s in %lld ms\n", c->url, (long long)(ism_mono_ms() - t0));
    json_decref(r);
    return CLI_OK;
}

static void print_status(cli *c, const json_t *r)
{
    (void)c;
    printf("ismapd %s, up %llds since %s\n", ism_json_getstr(r, "version"),
           (long long)json_integer_value(json_object_get(r, "uptime_s")),
           ism_json_getstr(r, "started"));
    json_t *st = json_object_get(r, "store");
    printf("data dir:  %s\n", ism_json_getstr(r, "data_dir"));
    printf("store:     %s (schema %lld of %lld)\n", ism_json_getstr(st, "path"),
           (long long)json_integer_value(json_object_get(st, "schema")),
           (long long)json_integer_value(json_object_get(st, "schema_latest")));
    printf("workers:   %lld (%lld running)   request contexts: %lld   max message: %lld bytes\n",
           (long long)json_integer_value(json_object_get(r, "workers")),
           (long long)json_integer_value(json_object_get(r, "jobs_running")),
           (long long)json_integer_value(json_object_get(r, "contexts")),
           (long long)json_integer_value(json_object_get(r, "max_message_bytes")));
    printf("jobs:     ");
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(json_object_get(r, "jobs"), k, v)
    {
        printf(" %s %lld", k, (long long)json_integer_value(v));
        n++;
    }
    printf("%s\n", n ? "" : " none");
    json_t *cats = json_object_get(r, "catalogs");
    if (json_is_object(cats))
        printf("catalogs:  %lld loaded from %s\n",
               (long long)json_integer_value(json_object_get(cats, "loaded")),
               ism_json_getstr(cats, "dir"));
    json_t *who = json_object_get(r, "caller");
    const char *org = ism_json_getstr(who, "org");
    printf("you:       %s%s%s%s\n", ism_json_getstr(who, "role"), org && *org ? " of " : "",
           org && *org ? org : "",
           json_is_true(json_object_get(who, "local")) ? " (local socket)" : "");
}

static int cmd_status(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "status", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_status);
}

static void print_ops(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {
        {"op", "OP", 0}, {"roles", "ROLES", 0}, {"summary", "SUMMARY", 0}};
    cli_table(stdout, r, cols, 3);
}

static int cmd_ops(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "ops.list", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_ops);
}

static void print_jobs(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"id", "ID", 0},           {"kind", "KIND", 0},
                                   {"state", "STATE", 0},     {"progress", "PROGRESS", 0},
                                   {"created", "CREATED", 0}, {"message", "MESSAGE", 50}};
    json_t *rows = json_deep_copy(r);
    size_t i;
    json_t *j;
    json_array_foreach(rows, i, j)
    {
        char pct[16];
        snprintf(pct, sizeof pct, "%3.0f%%",
                 100.0 * json_number_value(json_object_get(j, "progress")));
        json_object_set_new(j, "progress", json_string(pct));
        json_t *e = json_object_get(j, "error");
        if (json_is_object(e)) {
            char *m =
                ism_strdupf("%s: %s", ism_json_getstr(e, "code"), ism_json_getstr(e, "message"));
            json_object_set_new(j, "message", json_string(m));
            free(m);
        }
    }
    if (json_array_size(rows) == 0)
        puts("no jobs");
    else
        cli_table(stdout, rows, cols, 6);
    json_decref(rows);
}

static int cmd_jobs_list(cli *c)
{
    long limit = 50;
    bool bad;
    const char *state = cli_opt_vocab(c, "state", CLI_VOCAB_JOB_STATE, &bad);
    if (bad || !cli_opt_int(c, "limit", 1, 10000, &limit)) return CLI_USAGE;
    json_t *p = json_pack("{s:s?, s:i}", "state", state, "limit", (int)limit);
    json_t *r;
    int rc = cli_call(c, "jobs.list", p, &r);
    return rc ? rc : cli_print(c, r, print_jobs);
}

static void print_kv(cli *c, const json_t *r)
{
    (void)c;
    cli_kv(stdout, r);
}

static int cmd_jobs_show(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "jobs.show", json_pack("{s:s}", "id", c->args[0]), &r);
    return rc ? rc : cli_print(c, r, print_kv);
}

static int cmd_jobs_cancel(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "jobs.cancel", json_pack("{s:s}", "id", c->args[0]), &r);
    if (rc) return rc;
    if (c->json) return cli_print(c, r, NULL);
    printf("job %s: %s\n", c->args[0],
           strcmp(ism_json_getstr(r, "state"), "cancelled") == 0
               ? "cancelled"
               : "cancel requested; it stops at its next checkpoint");
    json_decref(r);
    return CLI_OK;
}

int cli_wait_job(cli *c, const char *id, bool report)
{
    for (;;) {
        json_t *r;
        int rc = cli_call(c, "jobs.show", json_pack("{s:s}", "id", id), &r);
        if (rc) return rc;
        const char *s = ism_json_getstr(r, "state");
        if (strcmp(s, "queued") != 0 && strcmp(s, "running") != 0) {
            bool ok = strcmp(s, "succeeded") == 0;
            if (!report) {
                /* The caller prints its own outcome; a failure is still worth saying. */
                if (!ok)
                    fprintf(stderr, "ismapctl: job %s %s: %s\n", id, s,
                            ism_json_getstr(json_object_get(r, "error"), "message"));
                json_decref(r);
            } else if (c->json) {
                cli_print(c, r, NULL);
            } else {
                json_t *e = json_object_get(r, "error");
                printf("job %s %s%s%s\n", id, s, json_is_object(e) ? ": " : "",
                       json_is_object(e) ? ism_json_getstr(e, "message") : "");
                json_decref(r);
            }
            return ok ? CLI_OK : CLI_SERVICE;
        }
        json_decref(r);
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int cmd_jobs_wait(cli *c)
{
    return cli_wait_job(c, c->args[0], true);
}

static int cmd_jobs_submit(cli *c)
{
    json_t *params = NULL;
    const char *ps = cli_opt(c, "params");
    if (ps) {
        json_error_t je;
        params = json_loads(ps, 0, &je);
        if (!json_is_object(params)) {
            fprintf(stderr, "ismapctl: --params must be a JSON object: %s\n",
                    params ? "not an object" : je.text);
            json_decref(params);
            return CLI_USAGE;
        }
    }
    json_t *r;
    int rc = cli_call(c, "jobs.submit",
                      json_pack("{s:s, s:o?}", "kind", c->args[0], "params", params), &r);
    if (rc) return rc;
    const char *id = ism_json_getstr(r, "id");
    if (cli_flag(c, "wait")) {
        char idc[64];
        ism_strlcpy(idc, id, sizeof idc);
        json_decref(r);
        return cli_wait_job(c, idc, true);
    }
    if (c->json) return cli_print(c, r, NULL);
    printf("%s\n", id);
    json_decref(r);
    return CLI_OK;
}

static int cmd_jobs_kinds(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "jobs.kinds", json_object(), &r);
    if (rc) return rc;
    static const cli_col cols[] = {
        {"name", "KIND", 0}, {"resumable", "RESUMABLE", 0}, {"summary", "SUMMARY", 0}};
    if (!c->json) {
        cli_table(stdout, r, cols, 3);
        json_decref(r);
        return CLI_OK;
    }
    return cli_print(c, r, NULL);
}

static int cmd_token_create(cli *c)
{
    json_t *p = json_pack("{s:s?, s:s?, s:s?}", "name", cli_opt(c, "name"), "role",
                          cli_opt(c, "role"), "org", cli_opt(c, "org"));
    json_t *r;
    int rc = cli_call(c, "token.create", p, &r);
    if (rc) return rc;
    if (c->json) return cli_print(c, r, NULL);
    printf("token %s (%s, role %s%s%s) created. Its secret is shown only now:\n%s\n",
           ism_json_getstr(r, "id"), ism_json_getstr(r, "name"), ism_json_getstr(r, "role"),
           *ism_json_getstr(r, "org") ? ", org " : "", ism_json_getstr(r, "org"),
           ism_json_getstr(r, "token"));
    json_decref(r);
    return CLI_OK;
}

static void print_tokens(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"id", "ID", 0},           {"name", "NAME", 30},
                                   {"role", "ROLE", 0},       {"org", "ORG", 20},
                                   {"created", "CREATED", 0}, {"last_used", "LAST USED", 0},
                                   {"revoked", "REVOKED", 0}};
    if (json_array_size(r) == 0)
        puts("no tokens");
    else
        cli_table(stdout, r, cols, 7);
}

static int cmd_token_list(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "token.list", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_tokens);
}

static int cmd_token_revoke(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "token.revoke", json_pack("{s:s}", "id", c->args[0]), &r);
    if (rc) return rc;
    if (c->json) return cli_print(c, r, NULL);
    printf("token %s revoked\n", c->args[0]);
    json_decref(r);
    return CLI_OK;
}

static int cmd_call(cli *c)
{
    json_t *params = json_object();
    if (c->nargs > 1) {
        json_error_t je;
        json_decref(params);
        params = json_loads(c->args[1], 0, &je);
        if (!json_is_object(params)) {
            fprintf(stderr, "ismapctl: PARAMS must be a JSON object: %s\n",
                    params ? "not an object" : je.text);
            json_decref(params);
            return CLI_USAGE;
        }
    }
    json_t *r;
    int rc = cli_call(c, c->args[0], params, &r);
    if (rc) return rc;
    c->json = true;
    return cli_print(c, r, NULL);
}

const cli_cmd cli_cmds_core[] = {
    {"ping", NULL, cmd_ping, "", 0, 0, "", "check that ismapd answers"},
    {"status", NULL, cmd_status, "", 0, 0, "", "version, uptime, store, workers and jobs"},
    {"ops", NULL, cmd_ops, "", 0, 0, "", "list the service's ops and the roles they need"},
    {"jobs", "list", cmd_jobs_list, "state=,limit=", 0, 0, "[--state STATE] [--limit N]",
     "list jobs, newest first"},
    {"jobs", "show", cmd_jobs_show, "", 1, 1, "ID", "show one job"},
    {"jobs", "cancel", cmd_jobs_cancel, "", 1, 1, "ID", "cancel a queued or running job"},
    {"jobs", "wait", cmd_jobs_wait, "", 1, 1, "ID",
     "wait until a job ends (exit 0 if it succeeded)"},
    {"jobs", "submit", cmd_jobs_submit, "params=,wait", 1, 1, "KIND [--params JSON] [--wait]",
     "queue a job of a registered kind (admin)"},
    {"jobs", "kinds", cmd_jobs_kinds, "", 0, 0, "", "list the job kinds"},
    {"token", "create", cmd_token_create, "name=,role=,org=", 0, 0,
     "--name NAME --role admin|procurement|auditor|viewer [--org ORG]",
     "create an API token (its secret is printed once)"},
    {"token", "list", cmd_token_list, "", 0, 0, "", "list API tokens"},
    {"token", "revoke", cmd_token_revoke, "", 1, 1, "ID", "revoke an API token"},
    {"call", NULL, cmd_call, "", 1, 2, "OP [PARAMS_JSON]", "call any op and print its JSON result"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
