/* cmd_collect.c — ismapctl collect <provider>|operations|providers: start a collection job of
 * any provider (and optionally follow it to its snapshot), list the operations a collector calls
 * and the providers. The `collect <provider>` commands, their flags and their --help are made
 * from the provider table (include/ismap/provider.h), so a new provider needs nothing here. */
#include "cli.h"
#include "ismap/provider.h"

#include <stdlib.h>
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

/* The job's params from the command's flags, as the provider's params table says. */
static json_t *collect_params(cli *c, const ism_provider *p)
{
    json_t *out = json_object();
    for (const ism_provider_param *pp = p->params; pp->name; pp++) {
        if (pp->kind == ISM_PPARAM_BOOL) {
            if (cli_flag(c, pp->flag)) json_object_set_new(out, pp->name, json_true());
            continue;
        }
        const json_t *v = json_object_get(c->opts, pp->flag);
        if (!v) continue;
        if (pp->kind != ISM_PPARAM_LIST) {
            json_object_set_new(out, pp->name, json_string(cli_opt(c, pp->flag)));
            continue;
        }
        /* A list flag may be repeated, and each value may hold several names split by commas. */
        json_t *list = json_array();
        if (json_is_array(v)) {
            size_t i;
            const json_t *e;
            json_array_foreach(v, i, e)
            {
                json_t *part = split_list(json_string_value(e));
                json_array_extend(list, part);
                json_decref(part);
            }
        } else {
            json_decref(list);
            list = split_list(json_string_value(v));
        }
        json_object_set_new(out, pp->name, list);
    }
    /* Routed to the remote collectors of a network zone (ismapd --role collector). */
    if (cli_opt(c, "zone")) json_object_set_new(out, "zone", json_string(cli_opt(c, "zone")));
    return out;
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
    const char *noun = ism_json_getstr(st, "scope_noun");
    char label[24];
    snprintf(label, sizeof label, "%ss:", noun ? noun : "account");
    printf("  %-12s%lld entered of %lld", label, accounts - not_entered, accounts);
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

static int cmd_provider(cli *c)
{
    const ism_provider *p = ism_provider_find(c->cmd->word2);
    if (!p) return CLI_USAGE;
    char op[80];
    snprintf(op, sizeof op, "collect.%s", p->name);
    json_t *r;
    int rc = cli_call(c, op, collect_params(c, p), &r);
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

static const char *permission_title = "PERMISSION";

static void print_ops(cli *c, const json_t *r)
{
    (void)c;
    const cli_col cols[] = {{"permission", permission_title, 0},
                            {"scope", "SCOPE", 0},
                            {"type", "RESOURCE TYPE", 0},
                            {"parent", "AFTER", 0}};
    cli_table(stdout, r, cols, 4);
}

static int cmd_operations(cli *c)
{
    const char *name = c->nargs ? c->args[0] : "aws";
    const ism_provider *p = ism_provider_find(name);
    if (!p) {
        fprintf(stderr, "ismapctl: no provider named '%s' (see ismapctl collect providers)\n",
                name);
        return CLI_USAGE;
    }
    if (p->permission_title) permission_title = p->permission_title;
    char op[96];
    snprintf(op, sizeof op, "collect.%s.operations", p->name);
    json_t *r;
    int rc = cli_call(c, op, json_object(), &r);
    return rc ? rc : cli_print(c, r, print_ops);
}

static void print_providers(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {
        {"name", "PROVIDER", 0}, {"title", "NAME", 0}, {"scope_noun", "SCOPE", 0}};
    cli_table(stdout, r, cols, 3);
}

static int cmd_providers(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "collect.providers", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_providers);
}

/* ---- the table --------------------------------------------------------------------------- */
#define MAX_PROVIDERS 16
cli_cmd cli_cmds_collect[MAX_PROVIDERS + 3];
static char specs[MAX_PROVIDERS][512], usages[MAX_PROVIDERS][1024], summaries[MAX_PROVIDERS][512];

/* Appends the concatenation of a, b and c to buf (NULLs skipped), truncating. */
static void append(char *buf, size_t n, const char *a, const char *b, const char *c)
{
    size_t used = strlen(buf);
    if (used < n) snprintf(buf + used, n - used, "%s%s%s", a ? a : "", b ? b : "", c ? c : "");
}

void cli_collect_init(void)
{
    size_t n, k = 0;
    const ism_provider *const *ps = ism_providers(&n);
    cli_cmd *t = cli_cmds_collect;
    for (size_t i = 0; i < n && i < MAX_PROVIDERS; i++) {
        const ism_provider *p = ps[i];
        specs[i][0] = usages[i][0] = '\0';
        for (const ism_provider_param *pp = p->params; pp->name; pp++) {
            append(specs[i], sizeof specs[i], pp->flag,
                   pp->kind == ISM_PPARAM_BOOL   ? ","
                   : pp->kind == ISM_PPARAM_LIST ? "*=,"
                                                 : "=,",
                   NULL);
            append(usages[i], sizeof usages[i], "[--", pp->flag, NULL);
            if (pp->kind != ISM_PPARAM_BOOL)
                append(usages[i], sizeof usages[i], " ", pp->metavar, NULL);
            append(usages[i], sizeof usages[i], "] ", NULL, NULL);
        }
        append(specs[i], sizeof specs[i], "zone=,wait", NULL, NULL);
        append(usages[i], sizeof usages[i], "[--zone ZONE] [--wait]", NULL, NULL);
        snprintf(summaries[i], sizeof summaries[i],
                 "%s (a job; --wait follows it and exits 0 when everything in scope was "
                 "collected, 3 when the snapshot was sealed but something is missing, 1 when the "
                 "job failed). Credentials are ismapd's own: its user's environment and files",
                 p->summary);
        t[k++] =
            (cli_cmd){"collect", p->name, cmd_provider, specs[i], 0, 0, usages[i], summaries[i]};
    }
    t[k++] = (cli_cmd){"collect",
                       "operations",
                       cmd_operations,
                       "",
                       0,
                       1,
                       "[PROVIDER]",
                       "the operations a provider's collector calls (the read-only permissions "
                       "its policy needs) [aws]"};
    t[k++] = (cli_cmd){"collect",
                       "providers",
                       cmd_providers,
                       "",
                       0,
                       0,
                       "",
                       "the cloud providers ismapd collects from"};
    t[k] = (cli_cmd){NULL, NULL, NULL, NULL, 0, 0, NULL, NULL};
}

const char *cli_collect_help_text(const char *name)
{
    static char buf[8192];
    const ism_provider *p = ism_provider_find(name);
    if (!p) return NULL;
    size_t used = (size_t)snprintf(buf, sizeof buf, "Options:\n");
    for (const ism_provider_param *pp = p->params; pp->name && used < sizeof buf; pp++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", pp->flag, pp->metavar ? " " : "",
                 pp->metavar ? pp->metavar : "");
        used += (size_t)snprintf(
            buf + used, sizeof buf - used, "  %-22s %s%s%s\n", left, pp->help,
            pp->kind == ISM_PPARAM_LIST ? " (repeatable; commas split)" : "",
            pp->kind == ISM_PPARAM_URL || pp->kind == ISM_PPARAM_PATH ? " (admins only)" : "");
    }
    if (used < sizeof buf)
        used += (size_t)snprintf(
            buf + used, sizeof buf - used,
            "  %-22s run it by the remote collectors of that network zone, with\n"
            "  %-22s their own credentials (ismapd --role collector)\n"
            "  %-22s follow the job, printing progress, and print the snapshot's\n"
            "  %-22s summary; exit 0 done, 1 failed, 3 finished with gaps\n"
            "Credentials are ismapd's own (its environment or files), never sent in a request.\n"
            "Examples:\n%s",
            "--zone ZONE", "", "--wait", "", p->examples ? p->examples : "");
    return buf;
}
