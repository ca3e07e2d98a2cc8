/* util.c — the emulators' small building blocks: aborting allocators, growable byte buffers with
 * XML and base64 writers, percent-decoding, a string-keyed hash map and splitmix64 randomness. */
#include "emu_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("emulator: out of memory\n", stderr);
    abort();
}

void *emu_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *emu_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom();
    return q;
}

char *emu_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(emu_xmalloc(n), s, n);
}

/* ---- sbuf ------------------------------------------------------------------------------- */
void sb_reserve(sbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->p = emu_xrealloc(b->p, cap);
    b->cap = cap;
}

void sb_put(sbuf *b, const void *d, size_t n)
{
    sb_reserve(b, n);
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sb_puts(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    sb_reserve(b, 64);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= b->cap - b->len) { /* did not fit: grow and format again */
        sb_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void sb_xml(sbuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\r':
            rep = "&#13;";
            break;
        default:
            break;
        }
        if (!rep) continue;
        sb_put(b, s + run, i - run);
        sb_puts(b, rep);
        run = i + 1;
    }
    sb_put(b, s + run, n - run);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sb_b64(sbuf *b, const void *data, size_t n)
{
    const unsigned char *d = data;
    sb_reserve(b, (n + 2) / 3 * 4);
    char *o = b->p + b->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        *o++ = B64[v >> 18];
        *o++ = B64[(v >> 12) & 63];
        *o++ = B64[(v >> 6) & 63];
        *o++ = B64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);
        *o++ = B64[v >> 18];
        *o++ = B64[(v >> 12) & 63];
        *o++ = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool emu_b64_decode(const char *s, sbuf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        int v = b64_val(*s);
        if (v < 0) return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char c = (char)((acc >> bits) & 0xff);
            sb_put(out, &c, 1);
        }
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t emu_pct_decode(char *s, bool form)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *o++ = (char)(hexval(p[1]) << 4 | hexval(p[2]));
            p += 2;
        } else {
            *o++ = (form && *p == '+') ? ' ' : *p;
        }
    }
    *o = '\0';
    return (size_t)(o - s);
}

void sb_consume(sbuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->p, b->p + n, b->len - n);
        b->len -= n;
    }
    if (b->p) b->p[b->len] = '\0';
}

void sb_free(sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- hmap ------------------------------------------------------------------------------- */
uint64_t emu_hash(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static hmap_ent *slot(const hmap *m, const char *key)
{
    size_t mask = m->cap - 1;
    for (size_t i = emu_hash(key, 0) & mask;; i = (i + 1) & mask)
        if (!m->v[i].key || strcmp(m->v[i].key, key) == 0) return &m->v[i];
}

void *hmap_get(const hmap *m, const char *key)
{
    if (!m->cap) return NULL;
    hmap_ent *e = slot(m, key);
    return e->key ? e->val : NULL;
}

static void grow(hmap *m)
{
    hmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->v = calloc(m->cap, sizeof *m->v);
    if (!m->v) oom();
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.v[i].key) continue;
        *slot(m, old.v[i].key) = old.v[i];
        m->n++;
    }
    free(old.v);
}

void hmap_put(hmap *m, const char *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap) grow(m);
    hmap_ent *e = slot(m, key);
    if (!e->key) {
        e->key = emu_xstrdup(key);
        m->n++;
    }
    e->val = val;
}

void hmap_clear(hmap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->v[i].key) continue;
        free(m->v[i].key);
        if (free_val) free_val(m->v[i].val);
    }
    free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}

/* ---- randomness ------------------------------------------------------------------------- */
uint64_t emu_mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t emu_rand(uint64_t *st)
{
    *st += 0x9e3779b97f4a7c15ULL;
    return emu_mix64(*st);
}

double emu_unit(uint64_t x)
{
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

json_t *emu_obj1(const char *key, json_t *value)
{
    json_t *o = json_object();
    json_object_set_new(o, key, value ? value : json_null());
    return o;
}
