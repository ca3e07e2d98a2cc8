/* internal.h — helpers private to the collect room (never included from another room). */
#ifndef ISMAP_COLLECT_INTERNAL_H
#define ISMAP_COLLECT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* A growable byte buffer, always NUL-terminated once anything was added. An allocation failure
 * sets `oom` and makes every later add a no-op, so builders check once at the end. */
typedef struct ism_cbuf {
    char *p;
    size_t n, cap;
    bool oom;
} ism_cbuf;

bool ism_cbuf_add(ism_cbuf *b, const void *data, size_t len);
bool ism_cbuf_adds(ism_cbuf *b, const char *s);
bool ism_cbuf_addc(ism_cbuf *b, char c);
bool ism_cbuf_addf(ism_cbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the malloc'd string (never NULL unless oom: then frees and returns NULL); the buffer
 * is left empty. */
char *ism_cbuf_take(ism_cbuf *b);
void ism_cbuf_free(ism_cbuf *b);

/* ASCII-only helpers: header names and URL parts must not depend on the locale. */
char ism_ascii_lower(char c);
bool ism_ascii_ieq(const char *a, const char *b);
bool ism_ascii_ieqn(const char *a, const char *b, size_t n);

#endif
