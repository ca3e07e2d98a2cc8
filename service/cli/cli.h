/* cli.h — ismapctl's command table and the helpers command files share (internal). */
#ifndef ISMAP_CLI_H
#define ISMAP_CLI_H

#include "ismap/rpc.h"
#include "table.h"

/* Exit statuses: 0 ok, 1 the service reported an error, 2 usage or connection error. */
enum { CLI_OK = 0, CLI_SERVICE = 1, CLI_USAGE = 2 };

typedef struct cli {
    ism_rpc_client *client;
    const char *url;
    const char *token;
    bool json;    /* --json: print the raw result for machines */
    json_t *opts; /* command options: name -> string, true, or array (repeatable) */
    char **args;  /* positional arguments after the command words */
    int nargs;
} cli;

typedef struct cli_cmd {
    const char *word1, *word2; /* "jobs", "list"; word2 NULL for one-word commands */
    int (*fn)(cli *c);
    const char *opts; /* accepted options: "state=,limit=,wait" (= takes a value,
                       *= repeatable) */
    int min_args, max_args;
    const char *usage; /* arguments and options, for --help */
    const char *summary;
} cli_cmd;

/* Calls op with params (stolen); prints service errors to stderr. On success *result is the
 * result (new reference). Returns CLI_OK, CLI_SERVICE or CLI_USAGE. */
int cli_call(cli *c, const char *op, json_t *params, json_t **result);
/* Prints result as JSON (--json) or with the given printer; consumes result. */
int cli_print(cli *c, json_t *result, void (*human)(cli *c, const json_t *r));
const char *cli_opt(const cli *c, const char *name);
bool cli_flag(const cli *c, const char *name);
/* Parses an integer option; false (with a message) when not a number in [lo, hi]. */
bool cli_opt_int(const cli *c, const char *name, long lo, long hi, long *out);

/* Polls a job until it ends; CLI_OK only if it succeeded. With report, prints how it ended
 * (the job as JSON with --json); without, says only a failure, on stderr. */
int cli_wait_job(cli *c, const char *id, bool report);

/* Command tables by file, each terminated by {NULL}. */
extern const cli_cmd cli_cmds_core[];
extern const cli_cmd cli_cmds_catalog[];
extern const cli_cmd cli_cmds_snapshot[];
extern const cli_cmd cli_cmds_collect[];
extern const cli_cmd cli_cmds_evidence[];
extern const cli_cmd cli_cmds_matrix[];
extern const cli_cmd cli_cmds_eval[];

#endif
