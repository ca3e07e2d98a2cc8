/* cmd_catalog.c — ismapctl catalog list|show|items|search|map|export. Japanese first, with the
 * English label beside it, as the people using it read the Japanese source documents. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *lang(const json_t *o)
{
    const char *s = ism_json_getstr(o, "ja");
    return s ? s : ism_json_getstr(o, "en");
}

static void print_list(cli *c, const json_t *r)
{
    (void)c;
    json_t *rows = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x)
    {
        json_t *revs = json_object_get(x, "revisions");
        json_t *last = json_array_get(revs, json_array_size(revs) - 1);
        char size[32];
        bool xw = !strcmp(ism_json_getstr(x, "kind"), "crosswalk");
        snprintf(size, sizeof size, "%lld %s",
                 (long long)json_integer_value(json_object_get(x, xw ? "maps" : "items")),
                 xw ? "maps" : "items");
        char *counts = NULL;
        if (xw) {
            counts = ism_strdupf("%s → %s", ism_json_getstr(x, "source_catalog"),
                                 ism_json_getstr(x, "target_catalog"));
        } else {
            counts = strdup("");
            const char *k;
            json_t *v;
            json_object_foreach(json_object_get(x, "counts"), k, v)
            {
                char *n = ism_strdupf("%s%s%s %lld", counts, *counts ? ", " : "", k,
                                      (long long)json_integer_value(v));
                free(counts);
                counts = n;
            }
        }
        json_array_append_new(
            rows,
            json_pack("{s:O, s:O, s:s?, s:s?, s:s, s:s}", "id", json_object_get(x, "id"), "kind",
                      json_object_get(x, "kind"), "title", lang(json_object_get(x, "title")),
                      "revision", ism_json_getstr(last, "id"), "size", size, "detail", counts));
        free(counts);
    }
    static const cli_col cols[] = {{"id", "ID", 0},        {"kind", "KIND", 0},
                                   {"title", "TITLE", 40}, {"revision", "REVISION", 0},
                                   {"size", "SIZE", 0},    {"detail", "CONTENTS", 70}};
    cli_table(stdout, rows, cols, 6);
    json_decref(rows);
}

static int cmd_list(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "catalog.list", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_list);
}

/* Prints text wrapped at about width cells, indented. */
static void wrap(const char *text, const char *indent, int width)
{
    const char *p = text;
    while (*p) {
        fputs(indent, stdout);
        int w = 0;
        const char *start = p;
        while (*p && *p != '\n' && w < width) {
            int n = 1;
            unsigned char ch = (unsigned char)*p;
            if (ch >= 0xF0)
                n = 4;
            else if (ch >= 0xE0)
                n = 3;
            else if (ch >= 0xC0)
                n = 2;
            char tmp[5] = {0};
            memcpy(tmp, p, (size_t)n);
            w += cli_width(tmp);
            p += n;
        }
        fwrite(start, 1, (size_t)(p - start), stdout);
        fputc('\n', stdout);
        if (*p == '\n') p++;
    }
}

static void print_item(cli *c, const json_t *r)
{
    (void)c;
    printf("%s %s", ism_json_getstr(r, "catalog"), ism_json_getstr(r, "id"));
    const char *title = lang(json_object_get(r, "title"));
    if (title) printf("  %s", title);
    printf("\n種別 class: %s", ism_json_getstr(r, "class"));
    json_t *lvl = json_object_get(r, "level");
    if (json_is_integer(lvl)) printf(", 階層 level %lld", (long long)json_integer_value(lvl));
    printf("\n");
    json_t *anc = json_object_get(r, "ancestors");
    if (json_array_size(anc)) {
        printf("位置 within: ");
        size_t i;
        json_t *a;
        json_array_foreach(anc, i, a)
        {
            const char *t = lang(json_object_get(a, "title"));
            printf("%s%s%s%s", i ? " › " : "", ism_json_getstr(a, "id"), t ? " " : "", t ? t : "");
        }
        printf("\n");
    }
    json_t *text = json_object_get(r, "text");
    if (ism_json_getstr(text, "ja")) {
        printf("本文:\n");
        wrap(ism_json_getstr(text, "ja"), "  ", 76);
    }
    if (ism_json_getstr(text, "en")) {
        printf("Text (en):\n");
        wrap(ism_json_getstr(text, "en"), "  ", 76);
    }
    json_t *props = json_object_get(r, "props");
    if (json_object_size(props)) {
        printf("属性 properties:\n");
        const char *k;
        json_t *v;
        json_object_foreach(props, k, v)
        {
            /* MIC 必須: null means the seed does not show the cell, so it is unknown, not false. */
            if (!strcmp(k, "mandatory")) {
                printf("  必須 mandatory: %s\n", json_is_true(v)    ? "○ (true)"
                                                 : json_is_false(v) ? "なし (false)"
                                                                    : "要確認 (unknown)");
                continue;
            }
            char *t = json_is_string(v) ? strdup(json_string_value(v))
                                        : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("  %s: %s\n", k, t);
            free(t);
        }
    }
    json_t *src = json_object_get(r, "source");
    if (ism_json_getstr(src, "file"))
        printf("出典 source: %s line %lld (revision %s)\n", ism_json_getstr(src, "file"),
               (long long)json_integer_value(json_object_get(src, "line")),
               ism_json_getstr(src, "revision") ? ism_json_getstr(src, "revision") : "-");
    else if (ism_json_getstr(src, "revision"))
        printf("出典 source: %s\n", ism_json_getstr(src, "revision"));
    json_t *kids = json_object_get(r, "children");
    if (json_array_size(kids)) {
        char *t = json_dumps(kids, JSON_COMPACT);
        printf("下位項目 children: %zu %s\n", json_array_size(kids), t);
        free(t);
    }
    json_t *profs = json_object_get(r, "profiles");
    if (json_array_size(profs)) {
        char *t = json_dumps(profs, JSON_COMPACT);
        printf("プロファイル profiles: %s\n", t);
        free(t);
    }
    json_t *maps = json_object_get(r, "mappings");
    printf("対応付け mappings: %zu\n", json_array_size(maps));
    size_t i;
    json_t *m;
    json_array_foreach(maps, i, m)
    {
        printf("  %-15s %s %s  [%s]\n", ism_json_getstr(m, "relationship"),
               ism_json_getstr(m, "catalog"), ism_json_getstr(m, "item"),
               ism_json_getstr(m, "crosswalk"));
        const char *why = ism_json_getstr(m, "rationale");
        if (why) wrap(why, "      ", 70);
    }
}

static int cmd_show(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "catalog.show",
                      json_pack("{s:s, s:s}", "catalog", c->args[0], "item", c->args[1]), &r);
    return rc ? rc : cli_print(c, r, print_item);
}

static void print_items(cli *c, const json_t *r)
{
    (void)c;
    json_t *rows = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x)
    {
        const char *t = lang(json_object_get(x, "title"));
        const char *body = lang(json_object_get(x, "text"));
        json_array_append_new(rows,
                              json_pack("{s:O, s:O, s:s?}", "id", json_object_get(x, "id"), "class",
                                        json_object_get(x, "class"), "text", t ? t : body));
    }
    static const cli_col cols[] = {{"id", "ID", 0}, {"class", "CLASS", 0}, {"text", "TEXT", 90}};
    cli_table(stdout, rows, cols, 3);
    printf("%zu items\n", json_array_size(r));
    json_decref(rows);
}

static int cmd_items(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "catalog.items",
                      json_pack("{s:s, s:s?, s:s?}", "catalog", c->args[0], "class",
                                cli_opt(c, "class"), "profile", cli_opt(c, "profile")),
                      &r);
    return rc ? rc : cli_print(c, r, print_items);
}

static void print_hits(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"catalog", "CATALOG", 0},
                                   {"id", "ID", 0},
                                   {"title", "TITLE", 30},
                                   {"snippet", "MATCH", 80}};
    if (json_array_size(r) == 0)
        puts("該当なし (no matches)");
    else
        cli_table(stdout, r, cols, 4);
}

static int cmd_search(cli *c)
{
    /* All positional words form the query, so quoting is optional. */
    char *q = strdup("");
    for (int i = 0; i < c->nargs; i++) {
        char *n = ism_strdupf("%s%s%s", q, i ? " " : "", c->args[i]);
        free(q);
        q = n;
    }
    long limit = 20;
    if (!cli_opt_int(c, "limit", 1, 1000, &limit)) {
        free(q);
        return CLI_USAGE;
    }
    json_t *r;
    int rc = cli_call(c, "catalog.search",
                      json_pack("{s:s, s:s?, s:i}", "text", q, "catalog", cli_opt(c, "catalog"),
                                "limit", (int)limit),
                      &r);
    free(q);
    return rc ? rc : cli_print(c, r, print_hits);
}

static void print_map(cli *c, const json_t *r)
{
    (void)c;
    const char *inh = ism_json_getstr(r, "inherited_from");
    if (inh)
        printf("%s %s has no mappings of its own; showing those of its parent %s\n",
               ism_json_getstr(r, "catalog"), ism_json_getstr(r, "id"), inh);
    json_t *rows = json_array();
    size_t i, j;
    json_t *x, *step;
    json_array_foreach(json_object_get(r, "results"), i, x)
    {
        char *chain = strdup("");
        json_array_foreach(json_object_get(x, "chain"), j, step)
        {
            char *n = ism_strdupf("%s%s%s", chain, j ? " → " : "", ism_json_getstr(step, "from"));
            free(chain);
            chain = n;
        }
        char conf[16];
        snprintf(conf, sizeof conf, "%.2f", json_number_value(json_object_get(x, "confidence")));
        json_array_append_new(
            rows, json_pack("{s:O, s:O, s:O, s:s, s:O, s:s}", "catalog",
                            json_object_get(x, "catalog"), "item", json_object_get(x, "item"),
                            "relationship", json_object_get(x, "relationship"), "confidence", conf,
                            "depth", json_object_get(x, "depth"), "chain", chain));
        free(chain);
    }
    static const cli_col cols[] = {{"catalog", "CATALOG", 0},       {"item", "ITEM", 0},
                                   {"relationship", "RELATION", 0}, {"confidence", "CONF", 0},
                                   {"depth", "STEPS", 0},           {"chain", "VIA", 80}};
    if (json_array_size(rows) == 0)
        puts("対応付けなし (no mappings)");
    else
        cli_table(stdout, rows, cols, 6);
    json_decref(rows);
}

static int cmd_map(cli *c)
{
    long depth = 3;
    if (!cli_opt_int(c, "depth", 1, 6, &depth)) return CLI_USAGE;
    json_t *r;
    int rc = cli_call(c, "catalog.map",
                      json_pack("{s:s, s:s, s:i}", "catalog", c->args[0], "item", c->args[1],
                                "depth", (int)depth),
                      &r);
    return rc ? rc : cli_print(c, r, print_map);
}

static int cmd_export(cli *c)
{
    const char *fmt = cli_opt(c, "format");
    if (fmt && strcmp(fmt, "oscal") != 0) {
        fprintf(stderr, "ismapctl: --format must be oscal\n");
        return CLI_USAGE;
    }
    json_t *r;
    int rc = cli_call(c, "catalog.export",
                      json_pack("{s:s, s:s}", "id", c->args[0], "format", "oscal"), &r);
    if (rc) return rc;
    const char *out = cli_opt(c, "output");
    if (!out) {
        c->json = true;
        return cli_print(c, r, NULL);
    }
    char *text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(r);
    if (!text) {
        fprintf(stderr, "ismapctl: out of memory\n");
        return CLI_USAGE;
    }
    size_t len = strlen(text);
    text[len++] = '\n'; /* json_dumps leaves no newline; its NUL makes room for one */
    char sha[65];
    ism_sha256_hex(text, len, sha);
    int rc2 = cli_write_output(c, out, text, len, "oscal", sha, false);
    free(text);
    return rc2;
}

const cli_cmd cli_cmds_catalog[] = {
    {"catalog", "list", cmd_list, "", 0, 0, "",
     "catalogs and crosswalks, with revisions and counts"},
    {"catalog", "show", cmd_show, "", 2, 2, "CATALOG ITEM",
     "one requirement in full: text, properties, source line, mappings"},
    {"catalog", "items", cmd_items, "class=,profile=", 1, 1,
     "CATALOG [--class CLASS] [--profile PROFILE]", "the items of a catalog, in order"},
    {"catalog", "search", cmd_search, "catalog=,limit=", 1, 64,
     "TEXT... [--catalog ID] [--limit N]", "full-text search, Japanese or English"},
    {"catalog", "map", cmd_map, "depth=", 2, 2, "CATALOG ITEM [--depth N]",
     "what an item maps to through the crosswalks, with the chain"},
    {"catalog", "export", cmd_export, "format=,output=", 1, 1, "ID --format oscal [-o FILE]",
     "OSCAL 1.2.1 catalog or mapping-collection"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
