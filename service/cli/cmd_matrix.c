/* cmd_matrix.c — ismapctl assessment, matrix, findings, judge, waiver, export, diff. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int cmd_frameworks(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "frameworks.list", json_object(), &r);
    if (rc || c->json) return rc ? rc : cli_print(c, r, NULL);
    static const cli_col cols[] = {
        {"id", "ID", 0}, {"catalog", "CATALOG", 0}, {"title", "TITLE", 0}};
    cli_table(stdout, r, cols, 3);
    json_decref(r);
    return CLI_OK;
}

static json_t *meta_param(cli *c, bool *bad)
{
    const char *m = cli_opt(c, "meta");
    *bad = false;
    if (!m) return NULL;
    json_error_t je;
    json_t *v = m[0] == '@' ? json_load_file(m + 1, 0, &je) : json_loads(m, 0, &je);
    if (!json_is_object(v)) {
        fprintf(stderr, "ismapctl: --meta must be a JSON object (or @FILE): %s\n",
                v ? "not an object" : je.text);
        json_decref(v);
        *bad = true;
        return NULL;
    }
    return v;
}

static int cmd_create(cli *c)
{
    bool bad;
    json_t *meta = meta_param(c, &bad);
    if (bad) return CLI_USAGE;
    if (!cli_opt(c, "frameworks")) {
        fprintf(stderr, "ismapctl: --frameworks is required (see ismapctl frameworks)\n");
        json_decref(meta);
        return CLI_USAGE;
    }
    json_t *p = json_pack("{s:s, s:s, s:s?, s:s?, s:o?}", "subject", c->args[0], "frameworks",
                          cli_opt(c, "frameworks"), "name", cli_opt(c, "name"), "as_of",
                          cli_opt(c, "as-of"), "meta", meta);
    json_t *snaps = json_object_get(c->opts, "snapshot");
    if (snaps) json_object_set(p, "snapshots", snaps);
    json_t *r;
    int rc = cli_call(c, "assessment.create", p, &r);
    if (rc) return rc;
    const char *job = ism_json_getstr(r, "job");
    if (cli_flag(c, "wait") && job && cli_wait_job(c, job, false) != CLI_OK) {
        json_decref(r);
        return CLI_SERVICE;
    }
    if (c->json) return cli_print(c, r, NULL);
    /* Which snapshots the assessment is bound to, and why — on stderr: stdout is the id. */
    const json_t *ch = json_object_get(r, "snapshot_choice");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(ch, "used"), i, u)
    {
        if (json_is_string(u)) {
            fprintf(stderr, "snapshot %s (named)\n", json_string_value(u));
            continue;
        }
        char *acc = json_dumps(json_object_get(u, "accounts"), JSON_COMPACT);
        fprintf(stderr, "snapshot %s (%s), accounts %s\n", ism_json_getstr(u, "id"),
                ism_json_getstr(u, "created") ? ism_json_getstr(u, "created") : "?",
                acc ? acc : "[]");
        free(acc);
    }
    if (json_array_size(json_object_get(ch, "uncovered"))) {
        char *un = json_dumps(json_object_get(ch, "uncovered"), JSON_COMPACT);
        fprintf(stderr, "warning: no snapshot covers the subject's accounts %s\n", un ? un : "");
        free(un);
    }
    printf("%s\n", ism_json_getstr(r, "id"));
    json_decref(r);
    return CLI_OK;
}

static void print_list(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"id", "ID", 0},           {"name", "NAME", 30},
                                   {"subject", "SUBJECT", 0}, {"frameworks", "FRAMEWORKS", 40},
                                   {"state", "STATE", 0},     {"created", "CREATED", 0}};
    if (json_array_size(r) == 0)
        puts("no assessments");
    else
        cli_table(stdout, r, cols, 6);
}

static int cmd_list(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "assessment.list", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_list);
}

static void print_kv(cli *c, const json_t *r)
{
    (void)c;
    cli_kv(stdout, r);
}

static int cmd_show(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "assessment.show", json_pack("{s:s}", "id", c->args[0]), &r);
    return rc ? rc : cli_print(c, r, print_kv);
}

static const char *const order[] = {"not_satisfied", "partial",   "evidence_expired",
                                    "not_assessed",  "satisfied", "not_applicable",
                                    "waived"};
static const char *const order_ja[] = {"不適合", "一部適合", "証跡期限切れ", "未評価",
                                       "適合",   "対象外",   "例外措置"};

static void print_counts(const json_t *m)
{
    const char *fw;
    json_t *counts;
    json_object_foreach(json_object_get(m, "counts_by_framework"), fw, counts)
    {
        printf("%-18s", fw);
        for (int i = 0; i < 7; i++)
            printf(" %s %lld", order_ja[i],
                   (long long)json_integer_value(json_object_get(counts, order[i])));
        printf("\n");
    }
}

static int severity_rank(const char *s)
{
    static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
    for (int i = 0; s && i < 5; i++)
        if (!strcmp(s, sev[i])) return i;
    return -1;
}

static void print_matrix(cli *c, const json_t *m)
{
    (void)c;
    printf("assessment %s (as of %s, computed %s)\n", ism_json_getstr(m, "assessment"),
           ism_json_getstr(m, "as_of"), ism_json_getstr(m, "generated"));
    print_counts(m);
    printf("\n");
    json_t *rows = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(m, "requirements"), i, r)
    {
        /* What says the most: a judgment or waiver, else the worst failing check (severity,
         * then how many resources fail), else the first finding, evidence or roll-up. */
        char why[400] = "";
        const json_t *worst = NULL;
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(r, "reasons"), k, x)
        {
            const char *src = ism_json_getstr(x, "source");
            json_int_t fail = json_integer_value(json_object_get(x, "fail"));
            if (!strcmp(src, "finding") && fail > 0) {
                int sx = severity_rank(ism_json_getstr(x, "severity"));
                int sw = worst ? severity_rank(ism_json_getstr(worst, "severity")) : -1;
                if (!worst || sx > sw ||
                    (sx == sw && fail > json_integer_value(json_object_get(worst, "fail"))))
                    worst = x;
            } else if (!why[0] && !strcmp(src, "finding"))
                snprintf(why, sizeof why, "%s: %s", ism_json_getstr(x, "check"),
                         ism_json_getstr(x, "verdict"));
            else if (!why[0] && !strcmp(src, "evidence"))
                snprintf(why, sizeof why, "evidence %s: %s",
                         ism_json_getstr(json_object_get(x, "evidence"), "kind"),
                         ism_json_getstr(x, "status"));
            else if (!why[0] && !strcmp(src, "rollup"))
                snprintf(why, sizeof why, "%lld items beneath",
                         (long long)json_integer_value(json_object_get(x, "children")));
            else if (!why[0])
                snprintf(why, sizeof why, "%s",
                         ism_json_getstr(x, "text") ? ism_json_getstr(x, "text") : "");
        }
        if (worst) {
            const char *t = ism_json_getstr(worst, "title");
            snprintf(why, sizeof why, "%s (%s): %lld fail%s%s", ism_json_getstr(worst, "check"),
                     ism_json_getstr(worst, "severity") ? ism_json_getstr(worst, "severity") : "?",
                     (long long)json_integer_value(json_object_get(worst, "fail")), t ? " — " : "",
                     t ? t : "");
        }
        json_array_foreach(json_object_get(r, "reasons"), k, x)
        {
            const char *src = ism_json_getstr(x, "source");
            if ((!strcmp(src, "judgment") || !strcmp(src, "waiver")) &&
                strcmp(ism_json_getstr(x, "status"), "expired"))
                snprintf(why, sizeof why, "%s: %s", src, ism_json_getstr(x, "status"));
        }
        json_array_append_new(rows, json_pack("{s:O, s:O, s:O?, s:O, s:s}", "framework",
                                              json_object_get(r, "framework"), "item",
                                              json_object_get(r, "item"), "title",
                                              json_object_get(r, "title"), "status",
                                              json_object_get(r, "status_ja"), "why", why));
    }
    static const cli_col cols[] = {{"framework", "FRAMEWORK", 0},
                                   {"item", "ITEM", 0},
                                   {"status", "STATUS", 0},
                                   {"title", "TITLE", 36},
                                   {"why", "WHY", 60}};
    cli_table(stdout, rows, cols, 5);
    json_decref(rows);
}

static int cmd_matrix(cli *c)
{
    json_t *r;
    bool bad;
    const char *status = cli_opt_vocab(c, "status", CLI_VOCAB_REQ_STATUS, &bad);
    if (bad) return CLI_USAGE;
    int rc =
        cli_call(c, "matrix.get",
                 json_pack("{s:s, s:s?, s:s?, s:s?}", "assessment", c->args[0], "status", status,
                           "framework", cli_opt(c, "framework"), "today", cli_opt(c, "today")),
                 &r);
    return rc ? rc : cli_print(c, r, print_matrix);
}

static void print_findings(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"check", "CHECK", 0},           {"severity", "SEVERITY", 0},
                                   {"account", "ACCOUNT", 0},       {"region", "REGION", 0},
                                   {"resource_id", "RESOURCE", 40}, {"status", "STATUS", 0},
                                   {"reason", "REASON", 70}};
    if (json_array_size(r) == 0)
        puts("no findings");
    else
        cli_table(stdout, r, cols, 7);
}

/* One page by default (--limit, --cursor), every page with --all; always says how many there
 * are and how to get the next page. */
static int cmd_findings(cli *c)
{
    long limit = 1000;
    bool bad;
    const char *status = cli_opt_vocab(c, "status", CLI_VOCAB_FINDING_STATUS, &bad);
    if (bad || !cli_opt_int(c, "limit", 1, 10000, &limit)) return CLI_USAGE;
    bool all = cli_flag(c, "all");
    const char *cursor = cli_opt(c, "cursor");
    json_t *acc = json_array(), *last = NULL;
    for (;;) {
        json_t *r;
        int rc =
            cli_call(c, "findings.list",
                     json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:i, s:s?}", "assessment",
                               c->args[0], "status", status, "check", cli_opt(c, "check"),
                               "account", cli_opt(c, "account"), "region", cli_opt(c, "region"),
                               "severity", cli_opt(c, "severity"), "domain", cli_opt(c, "domain"),
                               "limit", (int)limit, "cursor", cursor),
                     &r);
        if (rc) {
            json_decref(acc);
            json_decref(last);
            return rc;
        }
        json_array_extend(acc, json_object_get(r, "findings"));
        json_decref(last);
        last = r;
        cursor = ism_json_getstr(r, "next_cursor");
        if (!all || !cursor) break;
    }
    json_int_t total = json_integer_value(json_object_get(last, "total"));
    json_int_t offset = all ? 0 : json_integer_value(json_object_get(last, "offset"));
    const char *next = all ? NULL : ism_json_getstr(last, "next_cursor");
    int rc;
    if (c->json) {
        json_t *out = json_pack("{s:O, s:I, s:I, s:s?}", "findings", acc, "total", total, "offset",
                                offset, "next_cursor", next);
        rc = cli_print(c, out, NULL);
    } else {
        print_findings(c, acc);
        if (json_array_size(acc))
            printf("findings %lld–%lld of %lld\n", (long long)offset + 1,
                   (long long)offset + (long long)json_array_size(acc), (long long)total);
        if (next) printf("more: ismapctl findings %s --cursor %s (or --all)\n", c->args[0], next);
        rc = CLI_OK;
    }
    json_decref(acc);
    json_decref(last);
    return rc;
}

/* MIC items are numbers, C-n cloud items or 3.1x-n profile items; the rest are ISMAP ids. */
static const char *guess_catalog(const char *item)
{
    size_t n = strspn(item, "0123456789");
    if (item[n] == '\0') return "mic-audit";
    if (!strncmp(item, "C-", 2) && strspn(item + 2, "0123456789") == strlen(item + 2))
        return "mic-audit";
    if (!strncmp(item, "3.1", 3) && strchr(item, '-')) return "mic-audit";
    return "ismap";
}

static int cmd_judge(cli *c)
{
    const char *cat = cli_opt(c, "catalog");
    if (!cat) cat = guess_catalog(c->args[1]);
    bool bad;
    const char *result = cli_opt_vocab(c, "result", CLI_VOCAB_JUDGMENT, &bad);
    if (bad) return CLI_USAGE;
    json_t *p = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "assessment", c->args[0],
                          "catalog", cat, "item", c->args[1], "result", result, "examined",
                          cli_opt(c, "examined"), "findings", cli_opt(c, "findings"), "improvement",
                          cli_opt(c, "improvement"), "reason", cli_opt(c, "reason"));
    json_t *r;
    int rc = cli_call(c, "judgment.add", p, &r);
    if (rc || c->json) return rc ? rc : cli_print(c, r, NULL);
    printf("judgment %s recorded for %s %s: %s\n", ism_json_getstr(r, "id"), cat, c->args[1],
           ism_json_getstr(r, "result"));
    json_decref(r);
    return CLI_OK;
}

static int cmd_waiver_add(cli *c)
{
    const char *item = cli_opt(c, "item"), *cat = cli_opt(c, "catalog");
    if (item && !cat) cat = guess_catalog(item);
    json_t *p = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "assessment",
                          cli_opt(c, "assessment"), "catalog", cat, "item", item, "check",
                          cli_opt(c, "check"), "resource", cli_opt(c, "resource"), "justification",
                          cli_opt(c, "justification"), "approver", cli_opt(c, "approver"), "ticket",
                          cli_opt(c, "ticket"), "expires", cli_opt(c, "expires"));
    json_t *r;
    int rc = cli_call(c, "waiver.add", p, &r);
    if (rc || c->json) return rc ? rc : cli_print(c, r, NULL);
    printf("waiver %s recorded, until %s\n", ism_json_getstr(r, "id"),
           ism_json_getstr(r, "expires"));
    json_decref(r);
    return CLI_OK;
}

static void print_waivers(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"id", "ID", 0},
                                   {"item", "ITEM", 0},
                                   {"check", "CHECK", 0},
                                   {"resource", "RESOURCE", 30},
                                   {"expires", "EXPIRES", 0},
                                   {"active", "ACTIVE", 0},
                                   {"approver", "APPROVER", 20},
                                   {"justification", "WHY", 50}};
    if (json_array_size(r) == 0)
        puts("no waivers");
    else
        cli_table(stdout, r, cols, 8);
}

static int cmd_waiver_list(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "waiver.list",
                      json_pack("{s:s?, s:s?}", "assessment", cli_opt(c, "assessment"), "today",
                                cli_opt(c, "today")),
                      &r);
    return rc ? rc : cli_print(c, r, print_waivers);
}

static int cmd_waiver_revoke(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "waiver.revoke", json_pack("{s:s}", "id", c->args[0]), &r);
    if (rc || c->json) return rc ? rc : cli_print(c, r, NULL);
    printf("waiver %s revoked\n", c->args[0]);
    json_decref(r);
    return CLI_OK;
}

static int cmd_export(cli *c)
{
    const char *fmt = cli_opt(c, "format"), *out = cli_opt(c, "output");
    if (!fmt || !out) {
        fprintf(stderr, "ismapctl: export needs --format csv|csv-findings|xlsx|json|oscal|html|pdf "
                        "and -o FILE (or -o - for stdout)\n");
        return CLI_USAGE;
    }
    json_t *r;
    int rc = cli_call(c, "assessment.export",
                      json_pack("{s:s, s:s, s:s?}", "assessment", c->args[0], "format", fmt,
                                "today", cli_opt(c, "today")),
                      &r);
    if (rc) return rc;
    rc = cli_write_export(c, r, out);
    json_decref(r);
    return rc;
}

static void print_diff(cli *c, const json_t *d)
{
    (void)c;
    printf("%s → %s\n", ism_json_getstr(d, "a"), ism_json_getstr(d, "b"));
    json_t *ch = json_object_get(d, "changed");
    printf("requirements that changed status: %zu\n", json_array_size(ch));
    static const cli_col cols[] = {{"framework", "FRAMEWORK", 0},
                                   {"item", "ITEM", 0},
                                   {"from", "FROM", 0},
                                   {"to", "TO", 0},
                                   {"title", "TITLE", 40}};
    if (json_array_size(ch)) cli_table(stdout, ch, cols, 5);
    static const cli_col fcols[] = {{"check", "CHECK", 0},
                                    {"account", "ACCOUNT", 0},
                                    {"region", "REGION", 0},
                                    {"resource_id", "RESOURCE", 40},
                                    {"reason", "REASON", 60}};
    json_t *fn = json_object_get(d, "findings_new"), *fr = json_object_get(d, "findings_resolved");
    printf("\nnew failing findings: %zu\n", json_array_size(fn));
    if (json_array_size(fn)) cli_table(stdout, fn, fcols, 5);
    printf("\nresolved findings: %zu\n", json_array_size(fr));
    if (json_array_size(fr)) cli_table(stdout, fr, fcols, 5);
    json_t *nc = json_object_get(d, "findings_not_collected");
    printf("\nnot collected (the second collection did not examine that check, account and "
           "region, so nobody knows): %zu\n",
           json_array_size(nc));
    if (json_array_size(nc)) cli_table(stdout, nc, fcols, 5);
}

static int cmd_diff(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "assessment.diff",
                      json_pack("{s:s, s:s, s:s?}", "a", c->args[0], "b", c->args[1], "today",
                                cli_opt(c, "today")),
                      &r);
    return rc ? rc : cli_print(c, r, print_diff);
}

const cli_cmd cli_cmds_matrix[] = {
    {"frameworks", NULL, cmd_frameworks, "", 0, 0, "", "frameworks an assessment can cover"},
    {"assessment", "create", cmd_create, "frameworks=,snapshot*=,name=,as-of=,meta=,wait", 1, 1,
     "SUBJECT --frameworks ismap,mic-cloud-addon [--snapshot ID ...] [--name N] [--as-of DATE] "
     "[--meta JSON|@FILE] [--wait]",
     "create an assessment and evaluate its snapshots (prints its id)"},
    {"assessment", "list", cmd_list, "", 0, 0, "", "assessments, newest first"},
    {"assessment", "show", cmd_show, "", 1, 1, "ID", "one assessment"},
    {"matrix", NULL, cmd_matrix, "status=,framework=,today=", 1, 1,
     "ASSESSMENT [--status STATUS] [--framework FW]", "the conformance matrix, with reasons"},
    {"findings", NULL, cmd_findings,
     "status=,check=,account=,region=,severity=,domain=,limit=,cursor=,all", 1, 1,
     "ASSESSMENT [--status fail] [--check ID] [--account A] [--region R] [--severity S] "
     "[--domain D] [--limit N] [--cursor C | --all]",
     "check findings, worst first, a page at a time (says how many, and the next cursor)"},
    {"judge", NULL, cmd_judge, "catalog=,result=,examined=,findings=,improvement=,reason=", 2, 2,
     "ASSESSMENT ITEM --result satisfied|partial|not_satisfied|not_applicable [--catalog C] "
     "[--examined 監査資料] [--findings 指摘事項] [--improvement 改善案] [--reason R]",
     "record an auditor's judgment (append-only)"},
    {"waiver", "add", cmd_waiver_add,
     "assessment=,catalog=,item=,check=,resource=,justification=,approver=,ticket=,expires=", 0, 0,
     "(--item ITEM [--catalog C] | --check ID [--resource R]) --justification TEXT --approver "
     "NAME [--ticket T] --expires YYYY-MM-DD [--assessment A]",
     "record a waiver (例外措置)"},
    {"waiver", "list", cmd_waiver_list, "assessment=,today=", 0, 0, "[--assessment A]",
     "waivers, with whether each is active"},
    {"waiver", "revoke", cmd_waiver_revoke, "", 1, 1, "ID", "revoke a waiver"},
    {"export", NULL, cmd_export, "format=,output=,today=", 1, 1,
     "ASSESSMENT --format csv|csv-findings|xlsx|json|oscal|html|pdf -o FILE",
     "write the matrix as a document"},
    {"diff", NULL, cmd_diff, "today=", 2, 2, "A B",
     "requirements that changed status and findings new and resolved between two assessments"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
