/* util.c — time, hashing, randomness, files, JSON parameter checks and string helpers. */
#include "ismap/core.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void ism_now_iso(char buf[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

int64_t ism_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ism_hex(const void *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * len] = '\0';
}

void ism_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    ism_hex(md, 32, out);
}

bool ism_random_bytes(void *buf, size_t len)
{
    return RAND_bytes(buf, (int)len) == 1;
}

bool ism_new_id(const char *prefix, char out[64])
{
    unsigned char r[8];
    char hex[17];
    if (!ism_random_bytes(r, sizeof r)) return false;
    ism_hex(r, sizeof r, hex);
    snprintf(out, 64, "%s_%s", prefix, hex);
    return true;
}

char *ism_read_file(const char *path, size_t max, size_t *len_out, ism_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        ism_error_set(err, ISM_E_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = max < 8192 ? max : 8192, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) break;
        if (len == cap) {
            if (cap >= max) break;
            cap = cap * 2 > max ? max : cap * 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0) break;
    }
    bool more = buf && len == cap && fgetc(fp) != EOF;
    bool ioerr = ferror(fp);
    fclose(fp);
    if (!buf) {
        ism_error_set(err, ISM_E_IO, "out of memory reading %s", path);
        return NULL;
    }
    if (more) {
        free(buf);
        ism_error_set(err, ISM_E_TOO_LARGE, "%s is larger than the limit of %zu bytes", path, max);
        return NULL;
    }
    if (ioerr) {
        free(buf);
        ism_error_set(err, ISM_E_IO, "read error on %s", path);
        return NULL;
    }
    buf[len] = '\0';
    if (len_out) *len_out = len;
    return buf;
}

bool ism_mkdirs(const char *path, unsigned mode, ism_error *err)
{
    char tmp[4096];
    if (!ism_strlcpy(tmp, path, sizeof tmp))
        return ism_error_set(err, ISM_E_IO, "path too long: %s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, mode) != 0 && errno != EEXIST)
            return ism_error_set(err, ISM_E_IO, "cannot create %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST)
        return ism_error_set(err, ISM_E_IO, "cannot create %s: %s", tmp, strerror(errno));
    return true;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static bool field_error(ism_error *err, const char *key, const char *want, const json_t *v)
{
    ism_error_set(err, ISM_E_INVALID_PARAMS,
                  v ? "field '%s' must be %s, not %s" : "field '%s' is required (%s)", key, want,
                  v ? type_name(v) : "");
    ism_error_detail(err, json_pack("{s:s, s:s}", "field", key, "expected", want));
    return false;
}

bool ism_json_str(const json_t *obj, const char *key, bool required, const char **out,
                  ism_error *err)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) {
        *out = NULL;
        return required ? field_error(err, key, "a string", NULL) : true;
    }
    if (!json_is_string(v)) return field_error(err, key, "a string", v);
    *out = json_string_value(v);
    return true;
}

bool ism_json_int(const json_t *obj, const char *key, bool required, json_int_t min, json_int_t max,
                  json_int_t *out, ism_error *err)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) return required ? field_error(err, key, "an integer", NULL) : true;
    if (!json_is_integer(v)) return field_error(err, key, "an integer", v);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be between %lld and %lld", key,
                      (long long)min, (long long)max);
        ism_error_detail(err, json_pack("{s:s, s:I}", "field", key, "value", x));
        return false;
    }
    *out = x;
    return true;
}

bool ism_json_bool(const json_t *obj, const char *key, bool required, bool *out, ism_error *err)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) return required ? field_error(err, key, "a boolean", NULL) : true;
    if (!json_is_boolean(v)) return field_error(err, key, "a boolean", v);
    *out = json_is_true(v);
    return true;
}

const char *ism_json_getstr(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool ism_strlcpy(char *dst, const char *src, size_t n)
{
    size_t len = strlen(src);
    if (n == 0) return false;
    size_t c = len < n ? len : n - 1;
    memcpy(dst, src, c);
    dst[c] = '\0';
    return c == len;
}

char *ism_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static const struct {
    ism_role role;
    const char *name;
} roles[] = {
    {ISM_ROLE_ADMIN, "admin"},
    {ISM_ROLE_PROCUREMENT, "procurement"},
    {ISM_ROLE_AUDITOR, "auditor"},
    {ISM_ROLE_VIEWER, "viewer"},
    /* remote collectors: the collector.* ops only */
    {ISM_ROLE_COLLECTOR, "collector"},
};

const char *ism_role_name(ism_role r)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].role == r) return roles[i].name;
    return "unknown";
}

bool ism_role_parse(const char *name, ism_role *out)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (name && strcmp(roles[i].name, name) == 0) {
            *out = roles[i].role;
            return true;
        }
    }
    return false;
}
