/* buf.c — the collect room's growable buffer and ASCII helpers (see internal.h). */
#include "internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(ism_cbuf *b, size_t extra)
{
    if (b->oom) return false;
    if (b->n + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

bool ism_cbuf_add(ism_cbuf *b, const void *data, size_t len)
{
    if (!grow(b, len)) return false;
    if (len) memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
    return true;
}

bool ism_cbuf_adds(ism_cbuf *b, const char *s)
{
    return ism_cbuf_add(b, s, strlen(s));
}

bool ism_cbuf_addc(ism_cbuf *b, char c)
{
    return ism_cbuf_add(b, &c, 1);
}

bool ism_cbuf_addf(ism_cbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0 || !grow(b, (size_t)len)) return false;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)len;
    return true;
}

char *ism_cbuf_take(ism_cbuf *b)
{
    if (b->oom) {
        ism_cbuf_free(b);
        return NULL;
    }
    char *p = b->p ? b->p : calloc(1, 1);
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

void ism_cbuf_free(ism_cbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    b->oom = false;
}

char ism_ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool ism_ascii_ieqn(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ism_ascii_lower(a[i]) != ism_ascii_lower(b[i])) return false;
        if (!a[i]) return true;
    }
    return true;
}

bool ism_ascii_ieq(const char *a, const char *b)
{
    size_t la = strlen(a);
    return la == strlen(b) && ism_ascii_ieqn(a, b, la);
}
