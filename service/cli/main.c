/* main.c — ismapctl: the command-line client of ismapd. Parses options, connects, runs one
 * command from the command tables, and maps the outcome to the exit status. */
#include "cli.h"

#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

const cli_cmd *const cli_tables[] = {cli_cmds_core,    cli_cmds_catalog,   cli_cmds_snapshot,
                                     cli_cmds_collect, cli_cmds_evidence,  cli_cmds_eval,
                                     cli_cmds_matrix,  cli_cmds_benchmark, cli_cmds_engagement};
const size_t cli_ntables = sizeof cli_tables / sizeof cli_tables[0];

static const char *global_help =
    "Usage: ismapctl [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
    "Command-line client of ismapd, the ismap-assess service.\n\n"
    "Global options:\n"
    "  --socket PATH    local socket of ismapd [$ISMAP_SOCKET or $ISMAP_DATA_DIR/ismapd.sock\n"
    "                   or /var/lib/ismap/ismapd.sock]; the local socket acts as admin\n"
    "  --url URL        remote ismapd: https://HOST:PORT (the HTTP gateway) or\n"
    "                   tls+tcp://HOST:PORT (both TLS 1.3 or 1.2), or tcp:// and http://\n"
    "                   on 127.0.0.1\n"
    "  --token TOKEN    API token for --url [$ISMAP_TOKEN]\n"
    "  --ca-file FILE   CA certificate(s) to verify a tls+tcp:// or https:// server\n"
    "                   [the system's CAs]\n"
    "  --timeout SEC    give up waiting for a reply after SEC seconds [60]\n"
    "  --json           print results as JSON for machines\n"
    "  -h, --help       this help;  -V, --version  the version\n\n"
    "ismapctl COMMAND --help (or ismapctl help COMMAND) shows a command's options and examples;\n"
    "ismapctl GROUP (e.g. ismapctl waiver) lists a group's commands. Every command takes --json;\n"
    "-o - writes a command's document to stdout. Filters take codes or the Japanese labels\n"
    "printed (--status 不適合 = --status not_satisfied).\n\n"
    "Exit status:\n"
    "  0  ok\n"
    "  1  the service reported an error (printed with its code), a job failed, or a snapshot\n"
    "     failed verification\n"
    "  2  usage error, connection error (refused, timed out), or a local file that cannot be\n"
    "     read or written\n"
    "  3  a job waited for (--wait) finished incomplete: collection gaps\n\n"
    "Commands:\n";

static void help(FILE *fp)
{
    fputs(global_help, fp);
    for (size_t t = 0; t < cli_ntables; t++)
        for (const cli_cmd *k = cli_tables[t]; k->word1; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s%s%s", k->word1, k->word2 ? " " : "",
                     k->word2 ? k->word2 : "");
            fprintf(fp, "  %-18s %s\n", name, k->summary);
            if (k->usage && *k->usage) fprintf(fp, "  %-18s   %s %s\n", "", name, k->usage);
        }
}

/* Looks for name in a spec like "state=,limit=,wait,snapshot*=". Returns 0 unknown,
 * 1 flag, 2 takes a value, 3 repeatable value. */
static int opt_kind(const char *spec, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = spec; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        size_t base = strcspn(p, "*=,");
        if (base > len) base = len;
        if (base == n && strncmp(p, name, n) == 0) {
            if (memchr(p, '*', len)) return 3;
            return memchr(p, '=', len) ? 2 : 1;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static const char *const global_spec = "socket=,url=,token=,ca-file=,timeout=,json,help,version";

int cli_call(cli *c, const char *op, json_t *params, json_t **result)
{
    json_t *reply = NULL;
    ism_error err = {0};
    *result = NULL;
    bool ok = ism_rpc_client_call(c->client, op, params, c->token, &reply, &err);
    json_decref(params);
    if (!ok) {
        fprintf(stderr, "ismapctl: %s\n", err.message);
        ism_error_clear(&err);
        return CLI_USAGE;
    }
    if (json_is_true(json_object_get(reply, "ok"))) {
        *result = json_incref(json_object_get(reply, "result"));
        json_decref(reply);
        return CLI_OK;
    }
    json_t *e = json_object_get(reply, "error");
    if (c->json) {
        char *t = json_dumps(e, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fprintf(stderr, "%s\n", t);
        free(t);
    } else {
        const char *code = ism_json_getstr(e, "code"), *msg = ism_json_getstr(e, "message");
        fprintf(stderr, "ismapctl: %s: %s\n", code ? code : "internal",
                msg ? msg : "ismapd replied with an error but gave no reason");
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(e, "details"), i, d)
        {
            char *t = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fprintf(stderr, "  %s\n", t);
            free(t);
        }
    }
    json_decref(reply);
    return CLI_SERVICE;
}

int cli_print(cli *c, json_t *result, void (*human)(cli *c, const json_t *r))
{
    if (c->json || !human) {
        char *t = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        puts(t ? t : "null");
        free(t);
    } else {
        human(c, result);
    }
    json_decref(result);
    return CLI_OK;
}

const char *cli_opt(const cli *c, const char *name)
{
    return ism_json_getstr(c->opts, name);
}

bool cli_flag(const cli *c, const char *name)
{
    return json_is_true(json_object_get(c->opts, name));
}

bool cli_opt_int(const cli *c, const char *name, long lo, long hi, long *out)
{
    const char *v = cli_opt(c, name);
    if (!v) return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) {
        fprintf(stderr, "ismapctl: --%s must be a number from %ld to %ld\n", name, lo, hi);
        return false;
    }
    *out = n;
    return true;
}

static const cli_cmd *find_cmd(const char *w1, const char *w2, bool *two)
{
    const cli_cmd *one = NULL;
    for (size_t t = 0; t < cli_ntables; t++)
        for (const cli_cmd *k = cli_tables[t]; k->word1; k++) {
            if (strcmp(k->word1, w1) != 0) continue;
            if (k->word2 && w2 && strcmp(k->word2, w2) == 0) {
                *two = true;
                return k;
            }
            if (!k->word2) one = k;
        }
    *two = false;
    return one;
}

static bool known_group(const char *w1)
{
    for (size_t t = 0; t < cli_ntables; t++)
        for (const cli_cmd *k = cli_tables[t]; k->word1; k++)
            if (strcmp(k->word1, w1) == 0) return true;
    return false;
}

int main(int argc, char **argv)
{
    ism_rpc_tls_process_init(); /* before anything initializes OpenSSL */
    setlocale(LC_ALL, "");
    cli_collect_init();
    cli c = {0};
    c.opts = json_object();
    json_t *global = json_object();
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int npos = 0, rc = CLI_USAGE;
    const cli_cmd *cmd = NULL;

    /* Short options are spelled long from here on. */
    char **av = calloc((size_t)argc + 1, sizeof *av);
    for (int i = 0; i < argc; i++) {
        av[i] = argv[i];
        if (!strcmp(argv[i], "-h")) av[i] = "--help";
        if (!strcmp(argv[i], "-V")) av[i] = "--version";
        if (!strcmp(argv[i], "-o")) av[i] = "--output";
    }
    argv = av;
    /* First pass: split options from positionals; the command decides which options it takes. */
    json_t *raw = json_array();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (++i < argc)
                pos[npos++] = argv[i];
            break;
        }
        if (strncmp(a, "--", 2) == 0 && a[2]) {
            char name[64];
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, a + 2, n);
            name[n] = '\0';
            json_array_append_new(raw, json_pack("{s:s, s:s?, s:i}", "name", name, "value",
                                                 eq ? eq + 1 : NULL, "at", i));
            /* Its value, if it takes one, is decided once the command is known. */
            continue;
        }
        pos[npos++] = (char *)a;
    }
    /* Find the command among the positionals that are not option values. Options with values
     * may be written "--name value": resolve those now against global + command specs. */
    bool is_value[argc > 0 ? argc : 1];
    memset(is_value, 0, sizeof is_value);
    npos = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t k;
        json_t *o;
        json_array_foreach(raw, k, o)
        {
            const char *name = ism_json_getstr(o, "name");
            int at = (int)json_integer_value(json_object_get(o, "at"));
            int kind = opt_kind(global_spec, name);
            if (!kind && cmd) kind = opt_kind(cmd->opts, name);
            if (kind >= 2 && !ism_json_getstr(o, "value") && at + 1 < argc) is_value[at + 1] = true;
        }
        npos = 0;
        for (int i = 1; i < argc; i++) {
            if (is_value[i]) continue;
            if (strcmp(argv[i], "--") == 0) {
                while (++i < argc)
                    pos[npos++] = argv[i];
                break;
            }
            if (strncmp(argv[i], "--", 2) == 0 && argv[i][2]) continue;
            pos[npos++] = argv[i];
        }
        if (npos > 0) {
            bool two;
            cmd = find_cmd(pos[0], npos > 1 ? pos[1] : NULL, &two);
            if (cmd && pass == 1) {
                c.args = pos + (two ? 2 : 1);
                c.nargs = npos - (two ? 2 : 1);
            }
        }
    }
    /* Now assign option values. */
    size_t k;
    json_t *o;
    json_array_foreach(raw, k, o)
    {
        const char *name = ism_json_getstr(o, "name");
        const char *val = ism_json_getstr(o, "value");
        int at = (int)json_integer_value(json_object_get(o, "at"));
        int gk = opt_kind(global_spec, name);
        int kind = gk ? gk : cmd ? opt_kind(cmd->opts, name) : 0;
        json_t *into = gk ? global : c.opts;
        if (!kind) {
            fprintf(stderr, "ismapctl: unknown option --%s%s%s%s%s%s\n", name, cmd ? " for " : "",
                    cmd ? cmd->word1 : "", cmd && cmd->word2 ? " " : "",
                    cmd && cmd->word2 ? cmd->word2 : "",
                    cmd ? " (its options: --help)" : "; see ismapctl --help");
            goto out;
        }
        if (kind >= 2 && !val) {
            if (at + 1 >= argc) {
                fprintf(stderr, "ismapctl: option --%s needs a value\n", name);
                goto out;
            }
            val = argv[at + 1];
        }
        if (kind == 1 && val) {
            fprintf(stderr, "ismapctl: option --%s takes no value\n", name);
            goto out;
        }
        if (kind == 3) {
            json_t *arr = json_object_get(into, name);
            if (!arr) json_object_set_new(into, name, arr = json_array());
            json_array_append_new(arr, json_string(val));
        } else {
            json_object_set_new(into, name, val ? json_string(val) : json_true());
        }
    }
    c.json = json_is_true(json_object_get(global, "json"));
    /* `ismapctl help [COMMAND]` is `ismapctl [COMMAND] --help`. */
    bool want_help = json_is_true(json_object_get(global, "help"));
    char **hpos = pos; /* the command words help is about */
    int hn = npos;
    if (npos > 0 && !strcmp(pos[0], "help")) {
        want_help = true;
        bool two;
        cmd = npos > 1 ? find_cmd(pos[1], npos > 2 ? pos[2] : NULL, &two) : NULL;
        if (npos > 1 && !cmd && !known_group(pos[1])) {
            fprintf(stderr, "ismapctl: no command '%s'; ismapctl help lists them\n", pos[1]);
            goto out;
        }
        hpos++, hn--;
    }
    if (want_help) {
        rc = CLI_OK;
        if (cmd)
            cli_help_command(stdout, cmd);
        else if (hn == 0 || !cli_help_group(stdout, hpos[0]))
            help(stdout);
        goto out;
    }
    if (json_is_true(json_object_get(global, "version"))) {
        if (c.json)
            printf("{\"version\": \"%s\"}\n", ISM_VERSION);
        else
            printf("ismapctl %s\n", ISM_VERSION);
        rc = CLI_OK;
        goto out;
    }
    if (npos == 0) {
        help(stderr);
        goto out;
    }
    if (!cmd) {
        if (known_group(pos[0])) {
            if (npos > 1)
                fprintf(stderr, "ismapctl: unknown command '%s %s'\n", pos[0], pos[1]);
            else
                fprintf(stderr, "ismapctl: %s needs a command:\n", pos[0]);
            cli_help_group(stderr, pos[0]);
        } else {
            fprintf(stderr, "ismapctl: unknown command '%s'; see ismapctl --help\n", pos[0]);
        }
        goto out;
    }
    if (c.nargs < cmd->min_args || c.nargs > cmd->max_args) {
        fprintf(stderr, "usage: ismapctl %s%s%s %s\n(ismapctl %s%s%s --help for more)\n",
                cmd->word1, cmd->word2 ? " " : "", cmd->word2 ? cmd->word2 : "",
                cmd->usage ? cmd->usage : "", cmd->word1, cmd->word2 ? " " : "",
                cmd->word2 ? cmd->word2 : "");
        goto out;
    }
    const char *url = ism_json_getstr(global, "url");
    const char *sock = ism_json_getstr(global, "socket");
    c.token = ism_json_getstr(global, "token");
    if (!c.token) c.token = getenv("ISMAP_TOKEN");
    if (c.token && !*c.token) c.token = NULL;
    long timeout = 60;
    const char *ts = ism_json_getstr(global, "timeout");
    if (ts) {
        char *end;
        timeout = strtol(ts, &end, 10);
        if (!*ts || *end || timeout < 1 || timeout > 86400) {
            fprintf(stderr, "ismapctl: --timeout must be 1..86400 seconds\n");
            goto out;
        }
    }
    char urlbuf[4200];
    if (url && sock) {
        fprintf(stderr, "ismapctl: give --url or --socket, not both\n");
        goto out;
    }
    if (!url) {
        if (!sock) sock = getenv("ISMAP_SOCKET");
        if (!sock) {
            const char *dd = getenv("ISMAP_DATA_DIR");
            snprintf(urlbuf, sizeof urlbuf, "ipc://%s/ismapd.sock", dd ? dd : "/var/lib/ismap");
        } else {
            snprintf(urlbuf, sizeof urlbuf, "ipc://%s", sock);
        }
        url = urlbuf;
    }
    c.url = url;
    ism_error err = {0};
    c.client =
        ism_rpc_client_open(url, ism_json_getstr(global, "ca-file"), (int)timeout * 1000, &err);
    if (!c.client) {
        fprintf(stderr, "ismapctl: %s\n", err.message);
        ism_error_clear(&err);
        goto out;
    }
    c.cmd = cmd;
    rc = cmd->fn(&c);
out:
    ism_rpc_client_close(c.client);
    json_decref(raw);
    json_decref(global);
    json_decref(c.opts);
    free(pos);
    free(av);
    return rc;
}
