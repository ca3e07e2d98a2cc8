/* err.h — the closed list of error codes every room reports and the wire carries.
 *
 * An ism_error travels up the call chain as a struct the caller owns (no errno-style globals).
 * The code is what clients branch on; the message is for people; details (optional JSON array)
 * say where: file, row, field, value. Adding a code means adding it here and in err.c's table,
 * and nowhere else. */
#ifndef ISMAP_ERR_H
#define ISMAP_ERR_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>

typedef enum ism_code {
    ISM_OK = 0,
    ISM_E_BAD_REQUEST,       /* not JSON, or the envelope is malformed */
    ISM_E_INVALID_PARAMS,    /* params missing, of the wrong type, or out of range */
    ISM_E_UNKNOWN_OP,        /* no such op in the table */
    ISM_E_UNAUTHENTICATED,   /* a token is required and none (or an unknown one) was given */
    ISM_E_PERMISSION_DENIED, /* the token's role may not call this op */
    ISM_E_NOT_FOUND,         /* the named object does not exist */
    ISM_E_CONFLICT,          /* state does not allow it (e.g. cancel a finished job) */
    ISM_E_TOO_LARGE,         /* message or input over the configured limit */
    ISM_E_INVALID_DATA,      /* an input file or document is malformed (details say where) */
    ISM_E_UNAVAILABLE,       /* shutting down, or a dependency is not reachable */
    ISM_E_TIMEOUT,           /* gave up waiting */
    ISM_E_CANCELLED,         /* cancelled by request */
    ISM_E_INTERRUPTED,       /* a job was running when the daemon stopped and cannot resume */
    ISM_E_UPSTREAM,          /* a provider API failed */
    ISM_E_IO,                /* file system or database I/O failed */
    ISM_E_CONFIG,            /* configuration is invalid */
    ISM_E_VERSION,           /* store or file is newer than this build understands */
    ISM_E_INTEGRITY,         /* a sealed file's hash or signature does not verify: it was changed */
    ISM_E_INTERNAL,          /* a bug: should never be seen */
    ISM_E_RATE_LIMITED,      /* too many requests (e.g. login attempts): retry later */
    ISM_CODE_COUNT
} ism_code;

#define ISM_ERRMSG_MAX 512

typedef struct ism_error {
    ism_code code;
    char message[ISM_ERRMSG_MAX];
    json_t *details; /* owned; NULL or a JSON array of objects */
} ism_error;

/* Wire name of a code ("invalid_params"); never NULL. */
const char *ism_code_name(ism_code code);
/* Parses a wire name; returns false when unknown. */
bool ism_code_parse(const char *name, ism_code *out);

/* Sets code and message (printf-style); keeps details. Returns false so callers can
 * `return ism_error_set(...)`. A NULL err is allowed and ignored. */
bool ism_error_set(ism_error *err, ism_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool ism_error_vset(ism_error *err, ism_code code, const char *fmt, va_list ap);
/* Appends one detail object (reference stolen). */
void ism_error_detail(ism_error *err, json_t *detail);
/* Frees details and resets to ISM_OK. */
void ism_error_clear(ism_error *err);
/* {"code": ..., "message": ..., "details": [...]}; new reference. */
json_t *ism_error_to_json(const ism_error *err);

#endif
