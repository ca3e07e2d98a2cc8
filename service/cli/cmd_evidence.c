/* cmd_evidence.c — ismapctl subject …, evidence …, ismap-list lookup and screening: what a
 * procurement officer types. Files are read here and sent as bytes (base64) in the request, so
 * the same commands work against a remote ismapd. */
#include "cli.h"
#include "ismap/evidence.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* ---- subjects ------------------------------------------------------------------------------ */

static json_t *opt_array(const cli *c, const char *name)
{
    json_t *v = json_object_get(c->opts, name);
    return v ? json_incref(v) : NULL;
}

static int cmd_subject_create(cli *c)
{
    const char *kind = cli_opt(c, "kind") ? cli_opt(c, "kind") : "service";
    json_t *p = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "kind", kind, "name",
                          c->args[0], "provider", cli_opt(c, "provider"), "service_name",
                          cli_opt(c, "service"), "deployment_model", cli_opt(c, "model"),
                          "environment", cli_opt(c, "environment"), "notes", cli_opt(c, "notes"),
                          "organization", cli_opt(c, "organization"));
    json_t *regions = opt_array(c, "region"), *accounts = opt_array(c, "account");
    if (regions) json_object_set_new(p, "regions", regions);
    if (accounts) json_object_set_new(p, "accounts", accounts);
    json_t *r;
    int rc = cli_call(c, "subject.create", p, &r);
    if (rc) return rc;
    if (c->json) return cli_print(c, r, NULL);
    printf("subject %s created: %s\n", ism_json_getstr(r, "id"), ism_json_getstr(r, "name"));
    json_decref(r);
    return CLI_OK;
}

static void print_subjects(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"id", "ID", 0},
                                   {"name", "NAME", 30},
                                   {"kind", "KIND", 0},
                                   {"provider", "PROVIDER", 30},
                                   {"service_name", "SERVICE", 30},
                                   {"deployment_model", "MODEL", 0},
                                   {"org", "ORG", 0}};
    if (!json_array_size(r))
        puts("no subjects");
    else
        cli_table(stdout, r, cols, 7);
}

static int cmd_subject_list(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "subject.list", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_subjects);
}

static void print_evidence_rows(const json_t *rows)
{
    json_t *copy = json_deep_copy(rows);
    size_t i;
    json_t *x;
    json_array_foreach(copy, i, x)
    {
        const json_t *src = json_object_get(x, "source");
        json_object_set_new(x, "file", json_incref(json_object_get(src, "name")));
        const char *sha = ism_json_getstr(src, "sha256");
        if (sha) json_object_set_new(x, "sha", json_stringn(sha, 12));
    }
    static const cli_col cols[] = {{"id", "ID", 0},
                                   {"kind", "KIND", 0},
                                   {"key", "KEY", 24},
                                   {"version", "V", 0},
                                   {"state", "STATE", 0},
                                   {"valid_until", "VALID UNTIL", 0},
                                   {"imported_at", "IMPORTED", 0},
                                   {"imported_by", "BY", 0},
                                   {"file", "FILE", 28},
                                   {"sha", "SHA-256", 0}};
    cli_table(stdout, copy, cols, 10);
    json_decref(copy);
}

static void print_subject(cli *c, const json_t *r)
{
    (void)c;
    json_t *copy = json_deep_copy(r);
    json_t *ev = json_incref(json_object_get(copy, "evidence"));
    json_object_del(copy, "evidence");
    cli_kv(stdout, copy);
    json_decref(copy);
    printf("\nevidence (%zu current items):\n", json_array_size(ev));
    if (json_array_size(ev)) print_evidence_rows(ev);
    json_decref(ev);
}

static int cmd_subject_show(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "subject.show", json_pack("{s:s}", "subject", c->args[0]), &r);
    return rc ? rc : cli_print(c, r, print_subject);
}

/* ---- imports -------------------------------------------------------------------------------- */

/* 'service=サービス名称,provider=事業者名' → {"service": "サービス名称", ...}. */
static json_t *parse_map(const char *s)
{
    json_t *m = json_object();
    char *copy = strdup(s), *save = NULL;
    for (char *pair = strtok_r(copy, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(pair, '=');
        if (!eq || eq == pair || !eq[1]) {
            fprintf(stderr,
                    "ismapctl: --map takes FIELD=HEADER pairs separated by commas, not '%s'\n",
                    pair);
            json_decref(m);
            m = NULL;
            break;
        }
        *eq = '\0';
        json_object_set_new(m, pair, json_string(eq + 1));
    }
    free(copy);
    return m;
}

/* The daemon's message limit, so a file too big for it fails here with a clear message. */
static size_t server_limit(cli *c)
{
    json_t *r = NULL;
    bool was = c->json;
    size_t limit = 0;
    if (cli_call(c, "status", json_object(), &r) == CLI_OK)
        limit = (size_t)json_integer_value(json_object_get(r, "max_message_bytes"));
    c->json = was;
    json_decref(r);
    return limit;
}

static json_t *import_options(cli *c)
{
    json_t *o = json_object();
    static const char *const plain[][2] = {{"list", "list"},
                                           {"as-of", "as_of"},
                                           {"encoding", "encoding"},
                                           {"delimiter", "delimiter"},
                                           {"edition", "edition"},
                                           {"standard", "standard"},
                                           {"certificate", "certificate"},
                                           {"about", "about"},
                                           {"title", "title"},
                                           {"kind", "kind"},
                                           {"date", "date"},
                                           {"issuer", "issuer"},
                                           {"valid-until", "valid_until"}};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (cli_opt(c, plain[i][0]))
            json_object_set_new(o, plain[i][1], json_string(cli_opt(c, plain[i][0])));
    if (cli_flag(c, "allow-blank")) json_object_set_new(o, "allow_blank", json_true());
    if (cli_opt(c, "map")) {
        json_t *m = parse_map(cli_opt(c, "map"));
        if (!m) return json_decref(o), NULL;
        json_object_set_new(o, "map", m);
    }
    return o;
}

static void print_import(cli *c, const json_t *r)
{
    (void)c;
    const json_t *ev = json_object_get(r, "evidence");
    printf("imported %s as %s (version %lld): %s\n",
           ism_json_getstr(json_object_get(ev, "source"), "name"), ism_json_getstr(ev, "id"),
           (long long)json_integer_value(json_object_get(ev, "version")),
           ism_json_getstr(ev, "title"));
    printf("SHA-256 %s, %lld bytes\n", ism_json_getstr(json_object_get(ev, "source"), "sha256"),
           (long long)json_integer_value(json_object_get(json_object_get(ev, "source"), "size")));
    char *sum = json_dumps(json_object_get(r, "summary"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("summary: %s\n", sum ? sum : "{}");
    free(sum);
    const json_t *w = json_object_get(r, "warnings");
    if (json_array_size(w))
        printf("%zu warning%s:\n", json_array_size(w), json_array_size(w) == 1 ? "" : "s");
    size_t i;
    json_t *x;
    json_array_foreach(w, i, x)
    {
        const char *sheet = ism_json_getstr(x, "sheet"), *col = ism_json_getstr(x, "column");
        json_int_t row = json_integer_value(json_object_get(x, "row"));
        printf("  [%s] ", ism_json_getstr(x, "code"));
        if (sheet) printf("%s ", sheet);
        if (row) printf("row %lld ", (long long)row);
        if (col) printf("col %s ", col);
        printf("%s%s", sheet || row || col ? "— " : "", ism_json_getstr(x, "message"));
        putchar('\n');
    }
}

static int cmd_import(cli *c)
{
    const char *kind = c->args[0], *path = c->args[1];
    ism_error e = {0};
    size_t len = 0;
    char *data = ism_read_file(path, 1u << 30, &len, &e);
    if (!data) {
        fprintf(stderr, "ismapctl: %s\n", e.message);
        ism_error_clear(&e);
        return CLI_USAGE;
    }
    size_t encoded = (len + 2) / 3 * 4, limit = server_limit(c);
    if (limit && encoded + 65536 > limit) {
        fprintf(stderr,
                "ismapctl: %s is %zu bytes; sent base64 in the request it makes about %zu bytes, "
                "over ismapd's max_message_bytes of %zu. Raise max_message_bytes in ismapd's "
                "config, or split the file.\n",
                path, len, encoded + 65536, limit);
        free(data);
        return CLI_USAGE;
    }
    json_t *opts = import_options(c);
    char *b64 = opts ? malloc(encoded + 1) : NULL;
    if (!b64) {
        free(data);
        json_decref(opts);
        return CLI_USAGE;
    }
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)data, (int)len);
    free(data);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:o}", "kind", kind, "name", path,
                          "content_base64", b64, "subject", cli_opt(c, "subject"), "today",
                          cli_opt(c, "today"), "options", opts);
    free(b64);
    json_t *r;
    int rc = cli_call(c, "evidence.import", p, &r);
    return rc ? rc : cli_print(c, r, print_import);
}

static void print_list(cli *c, const json_t *r)
{
    (void)c;
    if (!json_array_size(r))
        puts("no evidence");
    else
        print_evidence_rows(r);
}

static int cmd_list(cli *c)
{
    json_t *p = json_pack("{s:s?, s:s?, s:b}", "subject", c->nargs ? c->args[0] : NULL, "kind",
                          cli_opt(c, "kind"), "all", cli_flag(c, "all"));
    json_t *r;
    int rc = cli_call(c, "evidence.list", p, &r);
    return rc ? rc : cli_print(c, r, print_list);
}

static void print_show(cli *c, const json_t *r)
{
    (void)c;
    json_t *copy = json_deep_copy(r);
    json_t *data = json_incref(json_object_get(copy, "data"));
    json_object_del(copy, "data");
    cli_kv(stdout, copy);
    char *t = json_dumps(data, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\ndata:\n%s\n", t ? t : "null");
    free(t);
    json_decref(copy);
    json_decref(data);
}

static int cmd_show(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "evidence.show", json_pack("{s:s}", "id", c->args[0]), &r);
    return rc ? rc : cli_print(c, r, print_show);
}

static void print_kinds(cli *c, const json_t *r)
{
    (void)c;
    static const cli_col cols[] = {{"kind", "KIND", 0}, {"summary", "WHAT", 90}};
    cli_table(stdout, r, cols, 2);
}

static int cmd_kinds(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "evidence.kinds", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_kinds);
}

/* ---- ISMAP list ----------------------------------------------------------------------------- */

static void print_lookup(cli *c, const json_t *r)
{
    (void)c;
    printf("%s\n", ism_json_getstr(r, "message"));
    const char *basis = ism_json_getstr(r, "basis");
    if (basis && ism_json_getstr(r, "valid_until"))
        printf("  valid until %s: %s\n", ism_json_getstr(r, "valid_until"), basis);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "similar"), i, x)
        printf("  similar: %s / %s (%s %s, valid until %s)\n", ism_json_getstr(x, "provider"),
               ism_json_getstr(x, "service"), ism_json_getstr(x, "list"),
               ism_json_getstr(x, "reg_no") ? ism_json_getstr(x, "reg_no") : "-",
               ism_json_getstr(x, "valid_until") ? ism_json_getstr(x, "valid_until") : "?");
    json_array_foreach(json_object_get(r, "checked_against"), i, x)
    {
        printf("  checked against %s (%s, imported %s)\n", ism_json_getstr(x, "source"),
               ism_json_getstr(x, "evidence"), ism_json_getstr(x, "imported_at"));
        if (ism_json_getstr(x, "warning")) printf("  warning: %s\n", ism_json_getstr(x, "warning"));
    }
}

static int cmd_lookup(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "ismap_list.lookup",
                      json_pack("{s:s, s:s, s:s?}", "provider", c->args[0], "service", c->args[1],
                                "today", cli_opt(c, "today")),
                      &r);
    if (rc) return rc;
    return cli_print(c, r, print_lookup);
}

/* ---- screening ---------------------------------------------------------------------------- */

static void print_items(const char *title, const json_t *list)
{
    printf("\n%s (%zu):\n", title, json_array_size(list));
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
        printf("  %-12s %-5s %s\n      %s\n", ism_json_getstr(x, "id"),
               ism_json_getstr(x, "row") ? ism_json_getstr(x, "row") : "-",
               ism_json_getstr(x, "title") ? ism_json_getstr(x, "title") : "",
               ism_json_getstr(x, "reason"));
}

/* The procurement officer's view, Japanese first: labels, verdicts, decisions and standings in
 * Japanese with the code beside them. */
static void print_screening(cli *c, const json_t *r)
{
    (void)c;
    const json_t *s = json_object_get(r, "subject"), *v = json_object_get(r, "verdict");
    const json_t *l = json_object_get(r, "listing");
    printf("対象 subject:      %s (%s / %s)、判定日 as of %s\n", ism_json_getstr(s, "name"),
           ism_json_getstr(s, "provider") ? ism_json_getstr(s, "provider") : "-",
           ism_json_getstr(s, "service_name") ? ism_json_getstr(s, "service_name") : "-",
           ism_json_getstr(r, "today"));
    printf("ISMAP登録 listing: %s（%s）: %s\n", ism_screening_label(ism_json_getstr(l, "status")),
           ism_json_getstr(l, "status"), ism_json_getstr(l, "message"));
    if (ism_json_getstr(l, "conflict")) printf("  %s\n", ism_json_getstr(l, "conflict"));
    if (ism_json_getstr(l, "not_sufficient"))
        printf("  %s\n", ism_json_getstr(l, "not_sufficient"));
    printf("判定 decision:     %s（%s）\n  %s\n",
           ism_screening_label(ism_json_getstr(v, "decision")), ism_json_getstr(v, "decision"),
           ism_json_getstr(v, "summary"));
    json_t *rows = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "rows"), i, x) json_array_append_new(
        rows, json_pack("{s:O?, s:s, s:O?, s:O?}", "no", json_object_get(x, "no"), "verdict",
                        ism_screening_label(ism_json_getstr(x, "verdict")), "mark",
                        json_object_get(x, "mark"), "reason", json_object_get(x, "reason")));
    static const cli_col cols[] = {{"no", "項番", 0},
                                   {"verdict", "判定", 0},
                                   {"mark", "適合状況", 8},
                                   {"reason", "判定理由", 90}};
    printf("\n");
    cli_table(stdout, rows, cols, 4);
    json_decref(rows);
    print_items("不適合の必須管理策 unmet must-meet items", json_object_get(r, "unmet"));
    print_items("確認が必要な代替策 alternative measures to review",
                json_object_get(r, "to_review"));
    print_items("証跡不足 lacking evidence", json_object_get(r, "lacking_evidence"));
    printf("\n注意事項 warnings (%zu):\n", json_array_size(json_object_get(r, "warnings")));
    json_array_foreach(json_object_get(r, "warnings"), i, x)
        printf("  [%s（%s）] %s\n", ism_screening_label(ism_json_getstr(x, "code")),
               ism_json_getstr(x, "code"), ism_json_getstr(x, "message"));
    printf("\n利用者の責任 customer duties (%zu):\n",
           json_array_size(json_object_get(r, "customer_duties")));
    json_array_foreach(json_object_get(r, "customer_duties"), i, x) printf(
        "  %s %s: %s\n", ism_json_getstr(x, "source"),
        ism_json_getstr(x, "id") ? ism_json_getstr(x, "id") : "", ism_json_getstr(x, "duty"));
    printf("\n証跡 evidence (%zu documents):\n", json_array_size(json_object_get(r, "documents")));
    json_array_foreach(json_object_get(r, "documents"), i, x)
    {
        printf("  %-13s %-12s %-12s %s\n      %s\n",
               ism_screening_label(ism_json_getstr(x, "kind")),
               ism_screening_label(ism_json_getstr(x, "standing")),
               ism_json_getstr(x, "valid_until") ? ism_json_getstr(x, "valid_until") : "-",
               ism_json_getstr(x, "title"), ism_json_getstr(x, "reason"));
        if (ism_json_getstr(x, "scope"))
            printf("      適用範囲 scope: %s\n", ism_json_getstr(x, "scope"));
    }
}

/* --verdict: keep the 別紙 rows with that verdict (a code or the label the exports print). */
static void keep_rows(json_t *screening, const char *verdict)
{
    json_t *keep = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(
        json_object_get(screening, "rows"), i,
        x) if (!strcmp(ism_json_getstr(x, "verdict") ? ism_json_getstr(x, "verdict") : "", verdict))
        json_array_append(keep, x);
    json_object_set_new(screening, "rows", keep);
}

static int cmd_screening(cli *c)
{
    const char *fmt = cli_opt(c, "format");
    bool bad;
    const char *verdict = cli_opt_vocab(c, "verdict", CLI_VOCAB_SCREENING, &bad);
    if (bad) return CLI_USAGE;
    if (verdict && fmt) {
        fprintf(stderr, "ismapctl: --verdict filters the printed screening, not --format\n");
        return CLI_USAGE;
    }
    json_t *r;
    if (fmt && !strcmp(fmt, "xlsx") && !cli_opt(c, "output")) {
        fprintf(stderr, "ismapctl: --format xlsx needs -o FILE (or -o - for stdout)\n");
        return CLI_USAGE;
    }
    if (!fmt && cli_opt(c, "output")) {
        fprintf(stderr, "ismapctl: -o needs --format csv|xlsx|json\n");
        return CLI_USAGE;
    }
    if (!fmt) {
        int rc = cli_call(
            c, "screening.get",
            json_pack("{s:s, s:s?}", "subject", c->args[0], "today", cli_opt(c, "today")), &r);
        if (!rc && verdict) keep_rows(r, verdict);
        return rc ? rc : cli_print(c, r, print_screening);
    }
    int rc = cli_call(c, "screening.export",
                      json_pack("{s:s, s:s, s:s?}", "subject", c->args[0], "format", fmt, "today",
                                cli_opt(c, "today")),
                      &r);
    if (rc) return rc;
    /* Without -o a text document goes to stdout, as with -o - (xlsx never to a terminal). */
    rc = cli_write_export(c, r, cli_opt(c, "output") ? cli_opt(c, "output") : "-");
    json_decref(r);
    return rc;
}

const cli_cmd cli_cmds_evidence[] = {
    {"subject", "create", cmd_subject_create,
     "kind=,provider=,service=,model=,region*=,environment=,account*=,notes=,organization=", 1, 1,
     "NAME [--kind service|workload] [--provider P] [--service S] [--model IaaS|PaaS|SaaS] "
     "[--region R]... [--environment E] [--account A]... [--organization ORG]",
     "create what is assessed: a provider's service or a customer's workload"},
    {"subject", "list", cmd_subject_list, "", 0, 0, "", "subjects"},
    {"subject", "show", cmd_subject_show, "", 1, 1, "SUBJECT",
     "a subject and its current evidence"},
    {"evidence", "import", cmd_import,
     "subject=,today=,map=,list=,as-of=,encoding=,delimiter=,allow-blank,edition=,standard=,"
     "certificate=,about=,title=,kind=,date=,issuer=,valid-until=",
     2, 2,
     "KIND FILE [--subject S] [--today D] [--encoding cp932] [--delimiter tab] [--allow-blank] "
     "[--map 'service=サービス名称,…'] [--list ISMAP|ISMAP-LIU] [--as-of D] [--edition 2013|2022] "
     "[--standard S] [--certificate NO] [--title T --kind contract|sla|report|other --date D "
     "--issuer I --valid-until D --about ITEMS]",
     "import a file as evidence (kinds: questionnaire ismap-list soc2 iso-cert soa caiq file); "
     "all or nothing"},
    {"evidence", "list", cmd_list, "kind=,all", 0, 1, "[SUBJECT] [--kind K] [--all]",
     "evidence with provenance; --all adds superseded versions; no SUBJECT: the ISMAP list"},
    {"evidence", "show", cmd_show, "", 1, 1, "ID", "one evidence item with its data"},
    {"evidence", "kinds", cmd_kinds, "", 0, 0, "", "the importers"},
    {"ismap-list", "lookup", cmd_lookup, "today=", 2, 2, "PROVIDER SERVICE [--today D]",
     "is a service on the ISMAP / ISMAP-LIU list, and valid until when"},
    {"screening", NULL, cmd_screening, "format=,output=,today=,verdict=", 1, 1,
     "SUBJECT [--verdict V] [--format csv|xlsx|json -o FILE] [--today D]",
     "the procurement screening: listing, unmet requirements, what the evidence says"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
