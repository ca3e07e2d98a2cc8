/* status.c — the names of a finding's status ("pass", "fail", ...), apart from run.c so that a
 * client naming them (ismapctl's vocabulary) does not link the evaluator and SQLite. */
#include "internal.h"

#include <string.h>

static const char *const status_names[ISM_EVAL_STATUS_COUNT] = {"pass", "fail", "error",
                                                                "not_assessed"};

const char *ism_eval_status_name(ism_eval_status s)
{
    return s < ISM_EVAL_STATUS_COUNT ? status_names[s] : "?";
}

bool ism_eval_status_parse(const char *name, ism_eval_status *out)
{
    for (int i = 0; name && i < ISM_EVAL_STATUS_COUNT; i++)
        if (!strcmp(name, status_names[i])) {
            *out = (ism_eval_status)i;
            return true;
        }
    return false;
}
