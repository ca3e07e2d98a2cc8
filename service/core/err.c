/* err.c — names of the error codes and the ism_error helpers. */
#include "ismap/err.h"

#include <stdio.h>
#include <string.h>

static const char *const names[ISM_CODE_COUNT] = {
    [ISM_OK] = "ok",
    [ISM_E_BAD_REQUEST] = "bad_request",
    [ISM_E_INVALID_PARAMS] = "invalid_params",
    [ISM_E_UNKNOWN_OP] = "unknown_op",
    [ISM_E_UNAUTHENTICATED] = "unauthenticated",
    [ISM_E_PERMISSION_DENIED] = "permission_denied",
    [ISM_E_NOT_FOUND] = "not_found",
    [ISM_E_CONFLICT] = "conflict",
    [ISM_E_TOO_LARGE] = "too_large",
    [ISM_E_INVALID_DATA] = "invalid_data",
    [ISM_E_UNAVAILABLE] = "unavailable",
    [ISM_E_TIMEOUT] = "timeout",
    [ISM_E_CANCELLED] = "cancelled",
    [ISM_E_INTERRUPTED] = "interrupted",
    [ISM_E_UPSTREAM] = "upstream_error",
    [ISM_E_IO] = "io_error",
    [ISM_E_CONFIG] = "config_error",
    [ISM_E_VERSION] = "version_mismatch",
    [ISM_E_INTEGRITY] = "integrity_failed",
    [ISM_E_INTERNAL] = "internal",
};

const char *ism_code_name(ism_code code)
{
    if ((int)code < 0 || code >= ISM_CODE_COUNT) return "internal";
    return names[code];
}

bool ism_code_parse(const char *name, ism_code *out)
{
    for (int i = 0; i < ISM_CODE_COUNT; i++) {
        if (name && strcmp(names[i], name) == 0) {
            *out = (ism_code)i;
            return true;
        }
    }
    return false;
}

bool ism_error_vset(ism_error *err, ism_code code, const char *fmt, va_list ap)
{
    if (!err) return false;
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return false;
}

bool ism_error_set(ism_error *err, ism_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ism_error_vset(err, code, fmt, ap);
    va_end(ap);
    return false;
}

void ism_error_detail(ism_error *err, json_t *detail)
{
    if (!err) {
        json_decref(detail);
        return;
    }
    if (!err->details) err->details = json_array();
    json_array_append_new(err->details, detail);
}

void ism_error_clear(ism_error *err)
{
    if (!err) return;
    json_decref(err->details);
    memset(err, 0, sizeof *err);
}

json_t *ism_error_to_json(const ism_error *err)
{
    json_t *o = json_pack("{s:s, s:s}", "code", ism_code_name(err->code), "message", err->message);
    if (err->details) json_object_set(o, "details", err->details);
    return o;
}
