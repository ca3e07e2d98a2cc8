/* ismsnapfix.c — test tool: builds a sealed snapshot file from a JSON fixture and patches.
 * Usage: ismsnapfix FIXTURE.json [PATCH.json ...] OUT.db */
#include "snapfix.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ismsnapfix FIXTURE.json [PATCH.json ...] OUT.db\n");
        return 2;
    }
    ism_error e = {0};
    json_t *fx = snapfix_read(argv[1], &e);
    for (int i = 2; fx && i < argc - 1; i++) {
        json_t *p = snapfix_read(argv[i], &e);
        if (!p || !snapfix_patch(fx, p, &e)) {
            json_decref(p);
            json_decref(fx);
            fx = NULL;
            break;
        }
        json_decref(p);
    }
    if (!fx || !snapfix_build(fx, argv[argc - 1], &e)) {
        fprintf(stderr, "ismsnapfix: %s\n", e.message);
        json_decref(fx);
        return 1;
    }
    json_decref(fx);
    return 0;
}
