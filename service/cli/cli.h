/* cli.h — ismapctl's command table and the helpers command files share (internal). */
#ifndef ISMAP_CLI_H
#define ISMAP_CLI_H

#include "ismap/rpc.h"
#include "table.h"

/* Exit statuses, the one rule every command follows (README "Exit status", `ismapctl help`):
 * 0 ok; 1 the service reported an error (or a job it ran failed, or a snapshot failed
 * verification); 2 usage error, connection error (refused, timed out) or a local file that
 * cannot be read or written; 3 a job waited for finished incomplete (collection gaps). */
enum { CLI_OK = 0, CLI_SERVICE = 1, CLI_USAGE = 2, CLI_INCOMPLETE = 3 };

typedef struct cli {
    ism_rpc_client *client;
    const char *url;
    const char *token;
    bool json;    /* --json: print the raw result for machines */
    json_t *opts; /* command options: name -> string, true, or array (repeatable) */
    char **args;  /* positional arguments after the command words */
    int nargs;
    const struct cli_cmd *cmd; /* the command being run */
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

/* The values a filter or choice option accepts: codes, and the Japanese labels the tool
 * prints (不適合, 合格, 証跡不足 …). */
typedef enum cli_vocab {
    CLI_VOCAB_REQ_STATUS, /* matrix --status: not_satisfied 不適合 … waived 例外措置 */
    CLI_VOCAB_JUDGMENT,   /* judge --result: satisfied, partial, not_satisfied, not_applicable */
    CLI_VOCAB_FINDING_STATUS, /* findings --status: pass 合格, fail 不合格, error, not_assessed,
                                 waived */
    CLI_VOCAB_CHECK_STATUS,   /* eval --status: pass, fail, error, not_assessed */
    CLI_VOCAB_SCREENING, /* screening verdicts: met 適合, unmet 不適合, alternative 代替策要確認 …
                          */
    CLI_VOCAB_JOB_STATE, /* jobs list --state: queued, running, succeeded, failed, cancelled */
} cli_vocab;
/* The code for option --name's value (a static string), or NULL when the option is absent.
 * An unknown value prints the valid ones and sets *bad; the caller returns CLI_USAGE. */
const char *cli_opt_vocab(const cli *c, const char *name, cli_vocab v, bool *bad);
/* The Japanese label of a code in a vocabulary ("" if it has none). */
const char *cli_vocab_ja(cli_vocab v, const char *code);

/* Writes a document the service produced to out: a file, or stdout for "-". A binary format
 * (xlsx) is not written to a terminal. For a file, says what was written (a JSON object
 * {output, format, bytes, sha256} with --json). Returns CLI_OK or CLI_USAGE (with a message). */
int cli_write_output(cli *c, const char *out, const void *data, size_t len, const char *format,
                     const char *sha256, bool binary);
/* The same for a result carrying content_base64 (and format, sha256): decodes and writes. */
int cli_write_export(cli *c, const json_t *result, const char *out);

/* Help: usage, options and examples of one command; the sub-commands of a group. */
void cli_help_command(FILE *fp, const cli_cmd *k);
bool cli_help_group(FILE *fp, const char *word1);
/* The detailed help (options and examples) of a command, or NULL if it has none. */
const char *cli_help_text(const char *word1, const char *word2);

/* Command tables by file, each terminated by {NULL}; cli_tables lists them all. */
extern const cli_cmd *const cli_tables[];
extern const size_t cli_ntables;
extern const cli_cmd cli_cmds_core[];
extern const cli_cmd cli_cmds_catalog[];
extern const cli_cmd cli_cmds_snapshot[];
extern cli_cmd cli_cmds_collect[]; /* filled by cli_collect_init from the providers */
/* Builds the `collect <provider>` commands; call before looking at cli_tables. */
void cli_collect_init(void);
/* The options and examples of `collect <provider>`, or NULL (a static buffer). */
const char *cli_collect_help_text(const char *provider);
extern const cli_cmd cli_cmds_evidence[];
extern const cli_cmd cli_cmds_matrix[];
extern const cli_cmd cli_cmds_eval[];
extern const cli_cmd cli_cmds_benchmark[];
extern const cli_cmd cli_cmds_engagement[];
/* cmd_engagement.c: the detailed help of its commands, or NULL. */
const char *cli_engagement_help(const char *name);

#endif
