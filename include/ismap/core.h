/* core.h — the core room: logging, time, hashing, randomness, files and small JSON helpers.
 * Every other room may use it; it uses no other room. */
#ifndef ISMAP_CORE_H
#define ISMAP_CORE_H

#include "ismap/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ISM_VERSION "0.1.0"

/* ---- logging: one JSON object per line ------------------------------------------------ */
typedef enum ism_log_level {
    ISM_LOG_DEBUG = 0,
    ISM_LOG_INFO,
    ISM_LOG_WARN,
    ISM_LOG_ERROR,
} ism_log_level;

/* Sends logs to `path` (appended) or stderr when NULL; returns false (err set) if unopenable. */
bool ism_log_open(const char *path, ism_log_level min_level, ism_error *err);
void ism_log_close(void);
bool ism_log_level_parse(const char *name, ism_log_level *out);
/* {"ts":..., "level":..., "event": event, "msg": formatted}. Thread-safe. */
void ism_log(ism_log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As ism_log with extra fields merged in; `fields` (may be NULL) is stolen. */
void ism_logj(ism_log_level lvl, const char *event, json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- time ------------------------------------------------------------------------------ */
/* Current UTC time as RFC 3339 with milliseconds ("2026-11-22T01:02:03.456Z") into buf[32]. */
void ism_now_iso(char buf[32]);
/* Monotonic milliseconds, for durations only. */
int64_t ism_mono_ms(void);

/* ---- hashing and randomness ----------------------------------------------------------- */
/* Lower-case hex SHA-256 of data into out[65]. */
void ism_sha256_hex(const void *data, size_t len, char out[65]);
/* Fills buf with cryptographically secure random bytes; false on failure. */
bool ism_random_bytes(void *buf, size_t len);
/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void ism_hex(const void *data, size_t len, char *out);
/* A random identifier "<prefix>_<16 hex>" into out[64]. */
bool ism_new_id(const char *prefix, char out[64]);

/* ---- files ----------------------------------------------------------------------------- */
/* Reads a whole file (up to max bytes) into a NUL-terminated malloc'd buffer the caller frees.
 * Returns NULL with err set (ISM_E_IO, or ISM_E_TOO_LARGE naming the limit). */
char *ism_read_file(const char *path, size_t max, size_t *len_out, ism_error *err);
/* mkdir -p with the given mode for created directories. */
bool ism_mkdirs(const char *path, unsigned mode, ism_error *err);

/* ---- JSON parameter helpers: errors name the field ------------------------------------- */
/* Each returns false and sets ISM_E_INVALID_PARAMS naming `key` when the member is missing
 * (and required) or has the wrong type. Returned strings are borrowed from `obj`. */
bool ism_json_str(const json_t *obj, const char *key, bool required, const char **out,
                  ism_error *err);
bool ism_json_int(const json_t *obj, const char *key, bool required, json_int_t min, json_int_t max,
                  json_int_t *out, ism_error *err);
bool ism_json_bool(const json_t *obj, const char *key, bool required, bool *out, ism_error *err);
/* Returns a JSON string as-is, or NULL if absent/not a string (no error). */
const char *ism_json_getstr(const json_t *obj, const char *key);

/* ---- roles ----------------------------------------------------------------------------- */
/* The roles an API token can carry. Admin may call every op; the others are listed per op. */
typedef enum ism_role {
    ISM_ROLE_VIEWER = 1 << 0,
    ISM_ROLE_PROCUREMENT = 1 << 1,
    ISM_ROLE_AUDITOR = 1 << 2,
    ISM_ROLE_ADMIN = 1 << 3,
    /* A remote collector (ismapd --role collector): only the collector.* ops it is listed for;
     * never part of ISM_ROLES_ALL. Its tokens come from collector.register, not token.create. */
    ISM_ROLE_COLLECTOR = 1 << 4,
} ism_role;
#define ISM_ROLES_ALL (ISM_ROLE_VIEWER | ISM_ROLE_PROCUREMENT | ISM_ROLE_AUDITOR | ISM_ROLE_ADMIN)
/* "admin", "procurement", "auditor", "viewer", "collector"; parse returns false for anything else.
 */
const char *ism_role_name(ism_role r);
bool ism_role_parse(const char *name, ism_role *out);

/* ---- strings ----------------------------------------------------------------------------- */
/* Copies at most n-1 bytes and always terminates; returns false when truncated. */
bool ism_strlcpy(char *dst, const char *src, size_t n);
/* malloc'd printf; NULL on allocation failure. Caller frees. */
char *ism_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
