/* cmd_snapshot.c — ismapctl snapshot list|show|verify. */
#include "cli.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void print_list(cli *c, const json_t *r)
{
    (void)c;
    json_t *rows = json_deep_copy(r);
    size_t i;
    json_t *x;
    json_array_foreach(rows, i, x)
    {
        json_t *sum = json_object_get(x, "summary");
        json_object_set_new(x, "resources", json_incref(json_object_get(sum, "resources")));
        const char *sha = ism_json_getstr(x, "sha256");
        if (sha) json_object_set_new(x, "sha256", json_stringn(sha, 16));
    }
    static const cli_col cols[] = {{"id", "ID", 0},           {"provider", "PROVIDER", 0},
                                   {"state", "STATE", 0},     {"resources", "RESOURCES", 0},
                                   {"created", "CREATED", 0}, {"sha256", "SHA-256", 0}};
    if (json_array_size(rows) == 0)
        puts("no snapshots");
    else
        cli_table(stdout, rows, cols, 6);
    json_decref(rows);
}

static int cmd_list(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "snapshot.list", json_object(), &r);
    return rc ? rc : cli_print(c, r, print_list);
}

static void print_show(cli *c, const json_t *r)
{
    (void)c;
    json_t *copy = json_deep_copy(r);
    json_t *miss = json_incref(json_object_get(copy, "missing"));
    json_object_del(copy, "missing");
    cli_kv(stdout, copy);
    json_decref(copy);
    if (json_array_size(miss)) {
        printf("\nmissing (%zu operations not collected):\n", json_array_size(miss));
        static const cli_col cols[] = {{"account", "ACCOUNT", 0},
                                       {"region", "REGION", 0},
                                       {"operation", "OPERATION", 0},
                                       {"state", "STATE", 0},
                                       {"reason", "REASON", 70}};
        cli_table(stdout, miss, cols, 5);
    } else if (miss) {
        printf("\nnothing missing: every operation in scope was collected\n");
    }
    json_decref(miss);
}

static int cmd_show(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "snapshot.show", json_pack("{s:s}", "id", c->args[0]), &r);
    return rc ? rc : cli_print(c, r, print_show);
}

static int cmd_verify(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "snapshot.verify", json_pack("{s:s}", "id", c->args[0]), &r);
    if (rc) return rc;
    bool ok = json_is_true(json_object_get(r, "ok"));
    if (c->json) {
        cli_print(c, r, NULL);
    } else {
        if (ok)
            printf("snapshot %s verified: SHA-256 %s matches and the signature is valid\n",
                   c->args[0], ism_json_getstr(r, "file_sha256"));
        else
            printf("snapshot %s FAILED verification: %s\n", c->args[0],
                   ism_json_getstr(r, "problem"));
        json_decref(r);
    }
    return ok ? CLI_OK : CLI_SERVICE;
}

static int cmd_import(cli *c)
{
    /* Over the local socket the daemon reads the file itself; remotely the bytes travel. */
    json_t *p;
    if (!strncmp(c->url, "ipc://", 6)) {
        char *abs = realpath(c->args[0], NULL);
        if (!abs) {
            fprintf(stderr, "ismapctl: cannot read %s\n", c->args[0]);
            return CLI_USAGE;
        }
        p = json_pack("{s:s}", "path", abs);
        free(abs);
    } else {
        ism_error e = {0};
        size_t len = 0;
        char *data = ism_read_file(c->args[0], (size_t)1 << 30, &len, &e);
        if (!data) {
            fprintf(stderr, "ismapctl: %s\n", e.message);
            ism_error_clear(&e);
            return CLI_USAGE;
        }
        char *b64 = malloc(4 * ((len + 2) / 3) + 1);
        EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)data, (int)len);
        free(data);
        p = json_pack("{s:s}", "content_base64", b64);
        free(b64);
    }
    json_t *r;
    int rc = cli_call(c, "snapshot.import", p, &r);
    if (rc || c->json) return rc ? rc : cli_print(c, r, NULL);
    printf("%s\n", ism_json_getstr(r, "id"));
    json_decref(r);
    return CLI_OK;
}

const cli_cmd cli_cmds_snapshot[] = {
    {"snapshot", "list", cmd_list, "", 0, 0, "", "snapshots, newest first"},
    {"snapshot", "show", cmd_show, "", 1, 1, "ID",
     "a snapshot's scope, hash, contents, and what it lacks"},
    {"snapshot", "import", cmd_import, "", 1, 1, "FILE",
     "register a sealed snapshot made elsewhere (prints its id)"},
    {"snapshot", "verify", cmd_verify, "", 1, 1, "ID",
     "check that the file is unchanged and its signature valid (exit 1 if not)"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
