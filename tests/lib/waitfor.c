/* waitfor.c — polling a condition under an overall deadline (see waitfor.h). */
#include "waitfor.h"

#include "ismap/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t tu_wait_limit_ms(void)
{
    const char *s = getenv("ISM_TEST_WAIT_S");
    long v = s ? strtol(s, NULL, 10) : 0;
    return (v > 0 ? v : 120) * 1000;
}

bool tu_wait_for(bool (*cond)(void *arg), void *arg, const char *what)
{
    int64_t deadline = ism_mono_ms() + tu_wait_limit_ms();
    for (;;) {
        if (cond(arg)) return true;
        if (ism_mono_ms() > deadline) break;
        /* The poll interval: how often to look, not how long something takes. */
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "gave up waiting for %s after %lld ms\n", what, (long long)tu_wait_limit_ms());
    return false;
}
