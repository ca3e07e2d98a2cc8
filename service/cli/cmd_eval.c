/* cmd_eval.c — ismapctl checks list|show and ismapctl eval: the check definitions, and the
 * findings of running them over a snapshot. Japanese first, as in the catalog commands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *lang(const json_t *o)
{
    const char *s = ism_json_getstr(o, "ja");
    return s ? s : ism_json_getstr(o, "en");
}

/* The ids of one catalog in a check's refs, comma-joined (malloc'd). */
static char *ref_list(const json_t *check, const char *catalog)
{
    char *out = strdup("");
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(json_object_get(check, "refs"), catalog), i, id)
    {
        char *n = ism_strdupf("%s%s%s", out, i ? "," : "", json_string_value(id));
        free(out);
        out = n;
    }
    return out;
}

static void print_list(cli *c, const json_t *r)
{
    (void)c;
    json_t *rows = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x)
    {
        char *mic = ref_list(x, "mic-audit"), *ismap = ref_list(x, "ismap");
        json_array_append_new(
            rows, json_pack("{s:O, s:O, s:s?, s:s, s:s}", "id", json_object_get(x, "id"),
                            "severity", json_object_get(x, "severity"), "title",
                            lang(json_object_get(x, "title")), "mic", mic, "ismap", ismap));
        free(mic);
        free(ismap);
    }
    static const cli_col cols[] = {{"id", "ID", 0},
                                   {"severity", "SEVERITY", 0},
                                   {"title", "TITLE", 50},
                                   {"mic", "MIC", 30},
                                   {"ismap", "ISMAP", 24}};
    cli_table(stdout, rows, cols, 5);
    printf("%zu checks\n", json_array_size(r));
    json_decref(rows);
}

static int cmd_list(cli *c)
{
    json_t *r;
    int rc =
        cli_call(c, "checks.list", json_pack("{s:s?}", "provider", cli_opt(c, "provider")), &r);
    return rc ? rc : cli_print(c, r, print_list);
}

static void print_text(const char *label, const json_t *t)
{
    if (!t) return;
    printf("%s:\n", label);
    if (ism_json_getstr(t, "ja")) printf("  %s\n", ism_json_getstr(t, "ja"));
    if (ism_json_getstr(t, "en")) printf("  (en) %s\n", ism_json_getstr(t, "en"));
}

static void print_check(cli *c, const json_t *r)
{
    (void)c;
    json_t *title = json_object_get(r, "title");
    printf("%s  [%s]\n", ism_json_getstr(r, "id"), ism_json_getstr(r, "severity"));
    printf("  %s\n  %s\n", ism_json_getstr(title, "ja"), ism_json_getstr(title, "en"));
    print_text("説明 description", json_object_get(r, "description"));
    printf("必要な操作 requires:");
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(r, "requires"), i, q)
        printf(" %s:%s", ism_json_getstr(q, "service"), ism_json_getstr(q, "operation"));
    printf("\n対応項目 refs:\n");
    const char *cat;
    json_t *ids;
    json_object_foreach(json_object_get(r, "refs"), cat, ids)
    {
        char *t = json_dumps(ids, JSON_COMPACT);
        printf("  %s %s\n", cat, t);
        free(t);
    }
    print_text("是正 remediation", json_object_get(r, "remediation"));
    print_text("注記 notes", json_object_get(r, "notes"));
    printf("SQL (%s):\n%s", ism_json_getstr(r, "file"), ism_json_getstr(r, "query"));
}

static int cmd_show(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "checks.show", json_pack("{s:s}", "id", c->args[0]), &r);
    return rc ? rc : cli_print(c, r, print_check);
}

/* The resource cell: its id, or "-" for findings about a whole account or region. */
static char *resource_cell(const json_t *f)
{
    const char *id = ism_json_getstr(f, "resource_id");
    return strdup(id ? id : "-");
}

static void print_findings(cli *c, const json_t *r)
{
    (void)c;
    json_t *rows = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        char *res = resource_cell(f);
        json_array_append_new(
            rows, json_pack("{s:O, s:O, s:O, s:O, s:s, s:O, s:O}", "check",
                            json_object_get(f, "check"), "severity", json_object_get(f, "severity"),
                            "account", json_object_get(f, "account"), "region",
                            json_object_get(f, "region"), "resource", res, "status",
                            json_object_get(f, "status"), "reason", json_object_get(f, "reason")));
        free(res);
    }
    static const cli_col cols[] = {{"check", "CHECK", 36},       {"severity", "SEVERITY", 0},
                                   {"account", "ACCOUNT", 0},    {"region", "REGION", 0},
                                   {"resource", "RESOURCE", 40}, {"status", "STATUS", 0},
                                   {"reason", "REASON", 70}};
    if (json_array_size(rows)) cli_table(stdout, rows, cols, 7);
    json_decref(rows);
    json_t *sum = json_object_get(r, "summary"), *fs = json_object_get(sum, "findings");
    json_t *cs = json_object_get(sum, "check_status");
    const char *path = ism_json_getstr(r, "path");
    const char *sid = ism_json_getstr(json_object_get(r, "snapshot"), "id");
    if (path)
        printf("\n%s (a file, not verified): ", path);
    else
        printf("\nsnapshot %s (verified, sha256 %s): ", sid ? sid : "?",
               ism_json_getstr(r, "sha256") ? ism_json_getstr(r, "sha256") : "?");
    printf("%lld checks in %lld ms\n",
           (long long)json_integer_value(json_object_get(sum, "checks")),
           (long long)json_integer_value(json_object_get(sum, "ms")));
    printf("checks:   pass %lld, fail %lld, error %lld, not_assessed %lld, not_applicable %lld\n",
           (long long)json_integer_value(json_object_get(cs, "pass")),
           (long long)json_integer_value(json_object_get(cs, "fail")),
           (long long)json_integer_value(json_object_get(cs, "error")),
           (long long)json_integer_value(json_object_get(cs, "not_assessed")),
           (long long)json_integer_value(json_object_get(cs, "not_applicable")));
    printf("findings: pass %lld, fail %lld, error %lld, not_assessed %lld%s\n",
           (long long)json_integer_value(json_object_get(fs, "pass")),
           (long long)json_integer_value(json_object_get(fs, "fail")),
           (long long)json_integer_value(json_object_get(fs, "error")),
           (long long)json_integer_value(json_object_get(fs, "not_assessed")),
           json_is_true(json_object_get(r, "truncated")) ? " (list truncated; see --limit)" : "");
}

static int cmd_eval(cli *c)
{
    /* A registered snapshot's id (verified by the daemon), or — over the local socket only —
     * a file, which the daemon opens itself, so it needs a name that means the same there. */
    char abs[PATH_MAX];
    bool is_file = strchr(c->args[0], '/') || access(c->args[0], F_OK) == 0;
    if (is_file && !realpath(c->args[0], abs)) {
        fprintf(stderr, "ismapctl: %s: %s\n", c->args[0], strerror(errno));
        return CLI_USAGE;
    }
    long limit = 20000;
    bool bad;
    const char *status = cli_opt_vocab(c, "status", CLI_VOCAB_CHECK_STATUS, &bad);
    if (bad || !cli_opt_int(c, "limit", 0, 1000000, &limit)) return CLI_USAGE;
    json_t *params = json_pack("{s:s, s:i}", is_file ? "path" : "id", is_file ? abs : c->args[0],
                               "limit", (int)limit);
    if (status) json_object_set_new(params, "status", json_string(status));
    json_t *ids = json_object_get(c->opts, "check");
    if (ids) json_object_set(params, "checks", ids);
    json_t *r;
    int rc = cli_call(c, "eval.snapshot", params, &r);
    return rc ? rc : cli_print(c, r, print_findings);
}

const cli_cmd cli_cmds_eval[] = {
    {"checks", "list", cmd_list, "provider=", 0, 0, "[--provider aws]",
     "the checks: id, severity, title, the MIC and ISMAP items each bears on"},
    {"checks", "show", cmd_show, "", 1, 1, "ID",
     "one check in full: texts, required operations, refs, remediation, its SQL"},
    {"eval", NULL, cmd_eval, "status=,check*=,limit=", 1, 1,
     "SNAPSHOT_ID|FILE [--status fail] [--check ID]... [--limit N]",
     "run the checks over a registered snapshot (verified first), or a file on the local "
     "socket, and list the findings"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
