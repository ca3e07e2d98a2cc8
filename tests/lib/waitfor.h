/* waitfor.h — how tests wait: for a condition, polled, under one generous overall deadline,
 * never for a fixed time. A busy machine only makes the wait longer; it cannot make it fail
 * unless the condition is really never met. */
#ifndef ISMAP_WAITFOR_H
#define ISMAP_WAITFOR_H

#include <stdbool.h>
#include <stdint.h>

/* The overall deadline for one wait, in ms: ISM_TEST_WAIT_S seconds from the environment, else
 * 120 s. It only bounds a wait that would otherwise hang; no test outcome depends on it. */
int64_t tu_wait_limit_ms(void);

/* Polls cond(arg) until it returns true (then true) or the deadline passes (then false, after
 * printing "gave up waiting for <what>" to stderr). */
bool tu_wait_for(bool (*cond)(void *arg), void *arg, const char *what);

#endif
