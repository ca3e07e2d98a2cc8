/* vocab.c — the values ismapctl's filter and choice options accept: each code together with
 * the Japanese label the tool prints for it, so `--status 不適合` and `--status not_satisfied`
 * mean the same, and an unknown value is refused with the list of valid ones. The labels come
 * from the rooms that print them (matrix.h, report.h, eval.h) wherever those export them. */
#include "cli.h"
#include "ismap/eval.h"
#include "ismap/matrix.h"
#include "ismap/report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    const char *code, *ja, *alias; /* alias: another spelling of the label, or NULL */
} entry;

/* The screening's verdict labels, as its exports print them (screening_export.c). */
static const entry screening[] = {{"met", "適合", NULL},
                                  {"unmet", "不適合", NULL},
                                  {"alternative", "代替策要確認", NULL},
                                  {"no_evidence", "証跡不足", NULL},
                                  {"not_required", "回答不要(ISMAP登録済)", "回答不要"},
                                  {"info", "情報", NULL}};
static const char *const job_states[] = {"queued", "running", "succeeded", "failed", "cancelled"};
static const char *const finding_states[] = {"pass", "fail", "error", "not_assessed", "waived"};
static const ism_req_status judgments[] = {ISM_REQ_SATISFIED, ISM_REQ_PARTIAL,
                                           ISM_REQ_NOT_SATISFIED, ISM_REQ_NOT_APPLICABLE};

/* Fills out[] with the vocabulary's entries; returns how many. */
static size_t entries(cli_vocab v, entry *out)
{
    size_t n = 0;
    switch (v) {
    case CLI_VOCAB_REQ_STATUS:
        for (int i = 0; i < ISM_REQ_STATUS_COUNT; i++)
            out[n++] = (entry){ism_req_status_name((ism_req_status)i),
                               ism_req_status_ja((ism_req_status)i), NULL};
        break;
    case CLI_VOCAB_JUDGMENT:
        for (size_t i = 0; i < sizeof judgments / sizeof *judgments; i++)
            out[n++] =
                (entry){ism_req_status_name(judgments[i]), ism_req_status_ja(judgments[i]), NULL};
        break;
    case CLI_VOCAB_FINDING_STATUS:
        for (size_t i = 0; i < sizeof finding_states / sizeof *finding_states; i++)
            out[n++] =
                (entry){finding_states[i], ism_report_finding_status_ja(finding_states[i]), NULL};
        break;
    case CLI_VOCAB_CHECK_STATUS:
        for (int i = 0; i < ISM_EVAL_STATUS_COUNT; i++) {
            const char *code = ism_eval_status_name((ism_eval_status)i);
            out[n++] = (entry){code, ism_report_finding_status_ja(code), NULL};
        }
        break;
    case CLI_VOCAB_SCREENING:
        for (size_t i = 0; i < sizeof screening / sizeof *screening; i++)
            out[n++] = screening[i];
        break;
    case CLI_VOCAB_JOB_STATE:
        for (size_t i = 0; i < sizeof job_states / sizeof *job_states; i++)
            out[n++] = (entry){job_states[i], NULL, NULL};
        break;
    }
    /* A label that only repeats the code is no label. */
    for (size_t i = 0; i < n; i++)
        if (out[i].ja && !strcmp(out[i].ja, out[i].code)) out[i].ja = NULL;
    return n;
}

/* Codes compare without case, with '-' for '_' (not-satisfied = not_satisfied). */
static bool same_code(const char *code, const char *s)
{
    for (; *code && *s; code++, s++) {
        char a = *s == '-' ? '_' : (char)tolower((unsigned char)*s);
        if (a != *code) return false;
    }
    return !*code && !*s;
}

/* Labels compare exactly, except that full-width parentheses equal ASCII ones. */
static bool same_label(const char *label, const char *s)
{
    if (!label) return false;
    while (*label && *s) {
        if (!strncmp(s, "（", 3) && *label == '(') {
            s += 3, label++;
        } else if (!strncmp(s, "）", 3) && *label == ')') {
            s += 3, label++;
        } else if (*s == *label) {
            s++, label++;
        } else {
            return false;
        }
    }
    return !*label && !*s;
}

const char *cli_vocab_ja(cli_vocab v, const char *code)
{
    entry e[16];
    size_t n = entries(v, e);
    for (size_t i = 0; code && i < n; i++)
        if (!strcmp(e[i].code, code)) return e[i].ja ? e[i].ja : "";
    return "";
}

const char *cli_opt_vocab(const cli *c, const char *name, cli_vocab v, bool *bad)
{
    *bad = false;
    const char *raw = cli_opt(c, name);
    if (!raw) return NULL;
    /* Surrounding blanks are a typing accident, not part of the value. */
    size_t skip = strspn(raw, " \t"), len = strlen(raw + skip);
    while (len && (raw[skip + len - 1] == ' ' || raw[skip + len - 1] == '\t'))
        len--;
    char *s = strndup(raw + skip, len);
    entry e[16];
    size_t n = entries(v, e);
    const char *hit = NULL;
    for (size_t i = 0; !hit && i < n; i++)
        if (same_code(e[i].code, s) || same_label(e[i].ja, s) || same_label(e[i].alias, s))
            hit = e[i].code;
    free(s);
    if (hit) return hit;
    fprintf(stderr, "ismapctl: --%s: unknown value '%s'; use one of:", name, raw);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s %s%s%s%s", i ? "," : "", e[i].code, e[i].ja ? " (" : "",
                e[i].ja ? e[i].ja : "", e[i].ja ? ")" : "");
    fputc('\n', stderr);
    *bad = true;
    return NULL;
}
