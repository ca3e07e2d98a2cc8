/* headers.c — ordered, case-preserving HTTP header lists with case-insensitive lookup. */
#include "ismap/collect.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

bool ism_http_headers_add(ism_http_headers *h, const char *name, const char *value)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        ism_http_header *v = realloc(h->v, cap * sizeof *v);
        if (!v) return false;
        h->v = v;
        h->cap = cap;
    }
    char *n = strdup(name), *val = strdup(value ? value : "");
    if (!n || !val) {
        free(n);
        free(val);
        return false;
    }
    h->v[h->n].name = n;
    h->v[h->n].value = val;
    h->n++;
    return true;
}

void ism_http_headers_remove(ism_http_headers *h, const char *name)
{
    size_t out = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (ism_ascii_ieq(h->v[i].name, name)) {
            free(h->v[i].name);
            free(h->v[i].value);
        } else {
            h->v[out++] = h->v[i];
        }
    }
    h->n = out;
}

bool ism_http_headers_set(ism_http_headers *h, const char *name, const char *value)
{
    ism_http_headers_remove(h, name);
    return ism_http_headers_add(h, name, value);
}

const char *ism_http_headers_get(const ism_http_headers *h, const char *name)
{
    if (!h) return NULL;
    for (size_t i = 0; i < h->n; i++)
        if (ism_ascii_ieq(h->v[i].name, name)) return h->v[i].value;
    return NULL;
}

bool ism_http_headers_append(ism_http_headers *dst, const ism_http_headers *src)
{
    for (size_t i = 0; src && i < src->n; i++)
        if (!ism_http_headers_add(dst, src->v[i].name, src->v[i].value)) return false;
    return true;
}

void ism_http_headers_clear(ism_http_headers *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].value);
    }
    free(h->v);
    memset(h, 0, sizeof *h);
}
