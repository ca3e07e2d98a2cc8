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
    [ISM_E_RATE_LIMITED] = "rate_limited",
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

/* Length of the longest prefix of s[0..n) that ends on a UTF-8 character boundary. */
static size_t utf8_boundary(const char *s, size_t n)
{
    size_t i = n;
    /* Step back over continuation bytes to the lead byte of the last character. */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && n - i < 4)
        i--;
    if (i == 0) return n;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
    return n - (i - 1) >= need ? n : i - 1;
}

bool ism_error_vset(ism_error *err, ism_code code, const char *fmt, va_list ap)
{
    if (!err) return false;
    err->code = code;
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    /* A long message is cut at the buffer's end, which may fall inside a multi-byte character
     * (Japanese text does): cut at the last whole character instead, so the message stays
     * valid UTF-8 and can go into a JSON reply. */
    if (n >= (int)sizeof err->message) {
        size_t len = strlen(err->message);
        err->message[utf8_boundary(err->message, len)] = '\0';
    }
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
    json_t *msg = json_string(err->message);
    if (!msg) {
        /* Not UTF-8 (bytes from a file name or a peer): replace each bad byte with '?' rather
         * than lose the error. */
        char safe[ISM_ERRMSG_MAX];
        size_t n = strlen(err->message), o = 0;
        for (size_t i = 0; i < n && o + 1 < sizeof safe;) {
            json_t *one = NULL;
            size_t len = 1;
            unsigned char b = (unsigned char)err->message[i];
            len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
            if (i + len <= n) one = json_stringn(err->message + i, len);
            if (one && o + len < sizeof safe) {
                memcpy(safe + o, err->message + i, len);
                o += len;
                i += len;
            } else {
                safe[o++] = '?';
                i++;
            }
            json_decref(one);
        }
        safe[o] = '\0';
        msg = json_string(safe);
    }
    json_t *o = json_pack("{s:s, s:o}", "code", ism_code_name(err->code), "message", msg);
    if (err->details) json_object_set(o, "details", err->details);
    return o;
}
