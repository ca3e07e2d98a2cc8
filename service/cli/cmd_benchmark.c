/* cmd_benchmark.c — ismapctl benchmark show | answer | export: the IPA 情報セキュリティ対策
 * ベンチマーク self-assessment of an assessment (--assessment) or a subject (--subject), through
 * the benchmark.* ops. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* {"assessment": A} or {"subject": S} from the options; NULL (with a message) unless exactly
 * one is given. */
static json_t *target(cli *c)
{
    const char *a = cli_opt(c, "assessment"), *s = cli_opt(c, "subject");
    if (!a == !s) {
        fprintf(stderr, "ismapctl: give exactly one of --assessment ID and --subject ID\n");
        return NULL;
    }
    return a ? json_pack("{s:s}", "assessment", a) : json_pack("{s:s}", "subject", s);
}

static void print_view(cli *c, const json_t *v)
{
    (void)c;
    const json_t *t = json_object_get(v, "target"), *total = json_object_get(v, "total");
    printf("%s — %s %s\n", ism_json_getstr(v, "title"), ism_json_getstr(t, "kind"),
           ism_json_getstr(t, "id"));
    json_t *rows = json_array(), *q;
    size_t i;
    json_array_foreach(json_object_get(v, "questions"), i, q)
    {
        json_t *val = json_object_get(q, "value");
        json_t *r = json_pack("{s:s?, s:s?, s:s?}", "id", ism_json_getstr(q, "id"), "title",
                              ism_json_getstr(q, "title"), "note", ism_json_getstr(q, "note"));
        json_object_set_new(r, "value",
                            json_is_integer(val)
                                ? json_sprintf("%lld", (long long)json_integer_value(val))
                                : json_string("未回答"));
        json_array_append_new(rows, r);
    }
    static const cli_col qcols[] = {
        {"id", "Q", 0}, {"value", "ANSWER", 0}, {"title", "QUESTION", 56}, {"note", "NOTE", 24}};
    cli_table(stdout, rows, qcols, 4);
    json_decref(rows);
    rows = json_array();
    json_t *a;
    json_array_foreach(json_object_get(v, "areas"), i, a)
    {
        json_t *mean = json_object_get(a, "mean");
        json_array_append_new(
            rows,
            json_pack("{s:s?, s:s?, s:o, s:o, s:o}", "id", ism_json_getstr(a, "id"), "title",
                      ism_json_getstr(a, "title"), "answered",
                      json_sprintf("%lld/%zu",
                                   (long long)json_integer_value(json_object_get(a, "answered")),
                                   json_array_size(json_object_get(a, "questions"))),
                      "sum",
                      json_sprintf("%lld/%lld",
                                   (long long)json_integer_value(json_object_get(a, "sum")),
                                   (long long)json_integer_value(json_object_get(a, "max"))),
                      "mean",
                      json_is_number(mean) ? json_sprintf("%.2f", json_number_value(mean))
                                           : json_string("-")));
    }
    putchar('\n');
    static const cli_col acols[] = {{"id", "AREA", 0},
                                    {"title", "TITLE", 40},
                                    {"answered", "ANSWERED", 0},
                                    {"sum", "SUM", 0},
                                    {"mean", "MEAN", 0}};
    cli_table(stdout, rows, acols, 5);
    json_decref(rows);
    json_t *tm = json_object_get(total, "mean");
    printf("\ntotal: %lld/%lld answered, %lld/%lld points",
           (long long)json_integer_value(json_object_get(total, "answered")),
           (long long)json_integer_value(json_object_get(total, "questions")),
           (long long)json_integer_value(json_object_get(total, "sum")),
           (long long)json_integer_value(json_object_get(total, "max")));
    if (json_is_number(tm)) printf(", mean %.2f", json_number_value(tm));
    printf("\n%s\n", ism_json_getstr(v, "distribution_note"));
}

static int cmd_show(cli *c)
{
    json_t *p = target(c), *r;
    if (!p) return CLI_USAGE;
    int rc = cli_call(c, "benchmark.get", p, &r);
    return rc ? rc : cli_print(c, r, print_view);
}

/* Arguments Q=V ("1-1=3"); --note goes with a single answer. */
static int cmd_answer(cli *c)
{
    json_t *p = target(c);
    if (!p) return CLI_USAGE;
    const char *note = cli_opt(c, "note");
    if (note && c->nargs != 1) {
        fprintf(stderr, "ismapctl: --note goes with one answer (Q=V)\n");
        json_decref(p);
        return CLI_USAGE;
    }
    json_t *answers = json_array();
    for (int i = 0; i < c->nargs; i++) {
        const char *eq = strchr(c->args[i], '=');
        char *end = NULL;
        long v = eq ? strtol(eq + 1, &end, 10) : 0;
        if (!eq || eq == c->args[i] || !end || *end || end == eq + 1) {
            fprintf(stderr, "ismapctl: '%s' is not QUESTION=VALUE (e.g. 1-1=3)\n", c->args[i]);
            json_decref(answers);
            json_decref(p);
            return CLI_USAGE;
        }
        json_t *a = json_pack("{s:s%, s:I}", "question", c->args[i], (size_t)(eq - c->args[i]),
                              "value", (json_int_t)v);
        if (note) json_object_set_new(a, "note", json_string(note));
        json_array_append_new(answers, a);
    }
    json_object_set_new(p, "answers", answers);
    json_t *r;
    int rc = cli_call(c, "benchmark.answer", p, &r);
    return rc ? rc : cli_print(c, r, print_view);
}

static int cmd_export(cli *c)
{
    const char *fmt = cli_opt(c, "format"), *out = cli_opt(c, "output");
    if (!fmt || !out) {
        fprintf(stderr, "ismapctl: benchmark export needs --format xlsx|json|svg and -o FILE "
                        "(or -o - for stdout)\n");
        return CLI_USAGE;
    }
    json_t *p = target(c), *r;
    if (!p) return CLI_USAGE;
    json_object_set_new(p, "format", json_string(fmt));
    int rc = cli_call(c, "benchmark.export", p, &r);
    if (rc) return rc;
    rc = cli_write_export(c, r, out);
    json_decref(r);
    return rc;
}

const cli_cmd cli_cmds_benchmark[] = {
    {"benchmark", "show", cmd_show, "assessment=,subject=", 0, 0, "--assessment ID | --subject ID",
     "the IPA benchmark self-assessment: answers and scores per area"},
    {"benchmark", "answer", cmd_answer, "assessment=,subject=,note=", 1, 27,
     "--assessment ID | --subject ID Q=V [Q=V ...] [--note TEXT]",
     "answer IPA benchmark questions 1–5 (all or nothing)"},
    {"benchmark", "export", cmd_export, "assessment=,subject=,format=,output=", 0, 0,
     "--assessment ID | --subject ID --format xlsx|json|svg -o FILE",
     "write the self-assessment as a workbook, JSON or radar chart (SVG)"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
