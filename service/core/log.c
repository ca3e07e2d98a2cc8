/* log.c — JSON-lines logging to stderr or a file, serialized by a mutex. */
#include "ismap/core.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;
static ism_log_level log_min = ISM_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

bool ism_log_level_parse(const char *name, ism_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (name && strcmp(name, level_names[i]) == 0) {
            *out = (ism_log_level)i;
            return true;
        }
    }
    return false;
}

bool ism_log_open(const char *path, ism_log_level min_level, ism_error *err)
{
    pthread_mutex_lock(&log_mu);
    log_min = min_level;
    if (log_fp && log_fp != stderr) fclose(log_fp);
    log_fp = NULL;
    if (path) {
        log_fp = fopen(path, "a");
        if (!log_fp) {
            pthread_mutex_unlock(&log_mu);
            return ism_error_set(err, ISM_E_IO, "cannot open log file %s: %s", path,
                                 strerror(errno));
        }
        setvbuf(log_fp, NULL, _IOLBF, 0);
    }
    pthread_mutex_unlock(&log_mu);
    return true;
}

void ism_log_close(void)
{
    pthread_mutex_lock(&log_mu);
    if (log_fp && log_fp != stderr) fclose(log_fp);
    log_fp = NULL;
    pthread_mutex_unlock(&log_mu);
}

static void emit(ism_log_level lvl, const char *event, json_t *fields, const char *fmt, va_list ap)
{
    if (lvl < log_min) {
        json_decref(fields);
        return;
    }
    char ts[32], msg[2048];
    ism_now_iso(ts);
    vsnprintf(msg, sizeof msg, fmt, ap);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level", level_names[lvl], "event",
                          event, "msg", msg);
    if (fields) {
        json_object_update_missing(o, fields);
        json_decref(fields);
    }
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line) return;
    pthread_mutex_lock(&log_mu);
    FILE *fp = log_fp ? log_fp : stderr;
    fputs(line, fp);
    fputc('\n', fp);
    fflush(fp);
    pthread_mutex_unlock(&log_mu);
    free(line);
}

void ism_log(ism_log_level lvl, const char *event, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(lvl, event, NULL, fmt, ap);
    va_end(ap);
}

void ism_logj(ism_log_level lvl, const char *event, json_t *fields, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(lvl, event, fields, fmt, ap);
    va_end(ap);
}
