/* cmd_collect.c — ismapctl collect aws|operations: start an AWS collection job (and optionally
 * follow it to its snapshot), and list the operations the collector calls. */
#include "cli.h"

#include <string.h>
#include <time.h>

/* "a,b,c" → ["a","b","c"] (empty items dropped). */
static json_t *split_list(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        size_t n = strcspn(s, ",");
        if (n) json_array_append_new(a, json_stringn(s, n));
        s += n;
        if (*s) s++;
    }
    return a;
}

static json_t *collect_params(cli *c)
{
    json_t *p = json_object();
    static const char *const strs[][2] = {{"profile", "profile"},
                                          {"role-name", "role_name"},
                                          {"external-id", "external_id"},
                                          {"endpoint-url", "endpoint_url"}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (cli_opt(c, strs[i][0]))
            json_object_set_new(p, strs[i][1], json_string(cli_opt(c, strs[i][0])));
    if (cli_flag(c, "org")) json_object_set_new(p, "org", json_true());
    if (cli_opt(c, "regions")) json_object_set_new(p, "regions", split_list(cli_opt(c, "regions")));
    if (cli_opt(c, "services"))
        json_object_set_new(p, "services", split_list(cli_opt(c, "services")));
    return p;
}

static void print_summary(const json_t *job)
{
    const json_t *r = json_object_get(job, "result");
    const json_t *sum = json_object_get(r, "summary"), *st = json_object_get(r, "stats");
    printf("snapshot %s sealed (SHA-256 %s)\n", ism_json_getstr(r, "snapshot"),
           ism_json_getstr(r, "sha256"));
    printf("  principal:  %s\n", ism_json_getstr(st, "principal"));
    long long accounts = json_integer_value(json_object_get(st, "accounts"));
    long long not_entered = json_integer_value(json_object_get(st, "accounts_not_entered"));
    printf("  accounts:   %lld entered of %lld", accounts - not_entered, accounts);
    if (not_entered) printf(" (%lld could not be entered)", not_entered);
    printf("\n  resources:  %lld\n", json_integer_value(json_object_get(sum, "resources")));
    printf("  API calls:  %lld (HTTP requests %lld incl. retries; throttled %lld)\n",
           json_integer_value(json_object_get(st, "api_calls")),
           json_integer_value(json_object_get(st, "http_requests")),
           json_integer_value(json_object_get(st, "throttled")));
    printf("  operations:");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(sum, "coverage"), k, v)
        printf(" %s %lld", k, json_integer_value(v));
    printf("\n  time:       %.1f s\n",
           (double)json_integer_value(json_object_get(st, "ms")) / 1000.0);
    const json_t *miss = json_object_get(r, "missing");
    if (json_is_true(json_object_get(r, "complete"))) {
        printf("  complete:   yes, every operation in scope was collected\n");
        return;
    }
    printf("  complete:   NO, %lld operations not collected:\n",
           json_integer_value(json_object_get(r, "missing_total")));
    size_t i;
    const json_t *m;
    json_array_foreach(miss, i, m)
    {
        const char *grant = ism_json_getstr(m, "grant");
        const char *code = ism_json_getstr(m, "error_code");
        bool has_code = code && *code;
        printf("    %s %s %s: %s%s%s%s\n", ism_json_getstr(m, "account"),
               ism_json_getstr(m, "region"), ism_json_getstr(m, "operation"),
               ism_json_getstr(m, "state"), has_code ? " (" : "", has_code ? code : "",
               has_code ? ")" : "");
        printf("      %s\n", ism_json_getstr(m, "error"));
        if (grant) printf("      grant: %s\n", grant);
    }
    if ((long long)json_array_size(miss) < json_integer_value(json_object_get(r, "missing_total")))
        printf("    ... (the job result lists the first %zu)\n", json_array_size(miss));
}

/* Follows the job, printing its progress messages as they change; exit 0 when it succeeded and
 * collected everything, CLI_INCOMPLETE (3) when it succeeded with something missing (an
 * account not entered, an operation denied or failed). */
static int follow(cli *c, const char *id)
{
    char last[512] = "";
    for (;;) {
        json_t *r;
        int rc = cli_call(c, "jobs.show", json_pack("{s:s}", "id", id), &r);
        if (rc) return rc;
        const char *state = ism_json_getstr(r, "state");
        const char *msg = ism_json_getstr(r, "message");
        if (!c->json && msg && strcmp(msg, last) != 0) {
            fprintf(stderr, "%s: %s\n", id, msg);
            ism_strlcpy(last, msg, sizeof last);
        }
        if (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0) {
            bool ok = strcmp(state, "succeeded") == 0;
            if (c->json)
                cli_print(c, json_incref(r), NULL);
            else if (ok)
                print_summary(r);
            else
                fprintf(stderr, "job %s %s: %s\n", id, state,
                        ism_json_getstr(json_object_get(r, "error"), "message"));
            bool complete = json_is_true(json_object_get(json_object_get(r, "result"), "complete"));
            if (ok && !complete && !c->json)
                fprintf(stderr,
                        "%s: finished but INCOMPLETE (exit %d): see the operations listed above\n",
                        id, CLI_INCOMPLETE);
            json_decref(r);
            return !ok ? CLI_SERVICE : complete ? CLI_OK : CLI_INCOMPLETE;
        }
        json_decref(r);
        struct timespec ts = {0, 500 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int cmd_aws(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "collect.aws", collect_params(c), &r);
    if (rc) return rc;
    char id[64];
    ism_strlcpy(id, ism_json_getstr(r, "job"), sizeof id);
    if (cli_flag(c, "wait")) {
        json_decref(r);
        return follow(c, id);
    }
    if (c->json) return cli_print(c, r, NULL);
    printf("%s\n", id);
    json_decref(r);
    return CLI_OK;
}

static void print_ops(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"action", "IAM ACTION", 0},
                                   {"scope", "SCOPE", 0},
                                   {"type", "RESOURCE TYPE", 0},
                                   {"parent", "AFTER", 0}};
    cli_table(stdout, r, cols, 4);
}

static int cmd_operations(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "collect.aws.operations", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_ops);
}

const cli_cmd cli_cmds_collect[] = {
    {"collect", "aws", cmd_aws,
     "profile=,org,role-name=,external-id=,regions=,services=,endpoint-url=,wait", 0, 0,
     "[--profile P] [--org --role-name R [--external-id X]] [--regions r1,r2] "
     "[--services s1,s2] [--endpoint-url URL] [--wait]",
     "collect AWS settings into a signed snapshot (a job; --wait follows it and exits 0 when "
     "everything in scope was collected, 3 when the snapshot was sealed but something is "
     "missing, 1 when the job failed). --role-name takes a name, path/name or a role ARN. "
     "Credentials are ismapd's: its user's environment and ~/.aws files"},
    {"collect", "operations", cmd_operations, "", 0, 0, "",
     "the AWS operations the collector calls (the read-only actions its policy needs)"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
