/* canonical.c — SigV4's canonical request: URI encoding, path normalization, the sorted query,
 * the trimmed and sorted headers. Shared by the signer and the verifier, so both agree. */
#include "../internal.h"
#include "sigv4_int.h"

#include <stdlib.h>
#include <string.h>

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void add_pct(ism_cbuf *b, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";
    char e[3] = {'%', digits[c >> 4], digits[c & 15]};
    ism_cbuf_add(b, e, 3);
}

char *ism_aws_uri_encode(const char *s, size_t len, bool keep_slash)
{
    ism_cbuf b = {0};
    ism_cbuf_add(&b, "", 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/'))
            ism_cbuf_addc(&b, (char)c);
        else
            add_pct(&b, c);
    }
    return ism_cbuf_take(&b);
}

/* Percent-decodes (not '+': SigV4 queries use %20 for space). A '%' not followed by two hex
 * digits is kept as it is. Returns malloc'd bytes (NUL-terminated) and their length. */
static char *pct_decode(const char *s, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    if (!out) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* RFC 3986 section 5.2.4, plus AWS's rule that empty segments ("//") go too. The leading slash
 * stays, and a trailing one when anything is left. */
static char *remove_dot_segments(const char *p, size_t len)
{
    size_t *starts = malloc((len + 1) * sizeof *starts), *lens = malloc((len + 1) * sizeof *lens);
    ism_cbuf b = {0};
    size_t top = 0;
    if (!starts || !lens) goto out;
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && p[j] != '/')
            j++;
        size_t sl = j - i;
        if (sl == 2 && p[i] == '.' && p[i + 1] == '.') {
            if (top) top--;
        } else if (sl > 0 && !(sl == 1 && p[i] == '.')) {
            starts[top] = i;
            lens[top++] = sl;
        }
        i = j + 1;
    }
    ism_cbuf_add(&b, "", 0);
    if (len && p[0] == '/') ism_cbuf_addc(&b, '/');
    for (size_t k = 0; k < top; k++) {
        if (k) ism_cbuf_addc(&b, '/');
        ism_cbuf_add(&b, p + starts[k], lens[k]);
    }
    if (top && len && p[len - 1] == '/') ism_cbuf_addc(&b, '/');
out:
    free(starts);
    free(lens);
    if (!starts || !lens) b.oom = true;
    return ism_cbuf_take(&b);
}

/* S3's form: the path as sent, with valid %XX kept and anything else outside the unreserved
 * set (and '/') encoded, so a raw space or UTF-8 byte is still canonical. */
static char *encode_once(const char *p, size_t len)
{
    ism_cbuf b = {0};
    ism_cbuf_add(&b, "", 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%' && i + 2 < len && hexval((unsigned char)p[i + 1]) >= 0 &&
            hexval((unsigned char)p[i + 2]) >= 0) {
            add_pct(&b, (unsigned char)(hexval((unsigned char)p[i + 1]) * 16 +
                                        hexval((unsigned char)p[i + 2])));
            i += 2;
        } else if (unreserved(c) || c == '/') {
            ism_cbuf_addc(&b, (char)c);
        } else {
            add_pct(&b, c);
        }
    }
    return ism_cbuf_take(&b);
}

/* Non-S3 services URI-encode the (already encoded) path once more: "%20" becomes "%2520". */
static char *canonical_path(const char *p, size_t len, unsigned flags)
{
    if (len == 0) return strdup("/");
    char *norm = (flags & ISM_SIGV4_NO_NORMALIZE) ? strndup(p, len) : remove_dot_segments(p, len);
    if (!norm) return NULL;
    if (!*norm) {
        free(norm);
        return strdup("/");
    }
    char *out = (flags & ISM_SIGV4_NO_DOUBLE_ENCODE) ? encode_once(norm, strlen(norm))
                                                     : ism_aws_uri_encode(norm, strlen(norm), true);
    free(norm);
    return out;
}

typedef struct qpair {
    char *k, *v;
} qpair;

static int qpair_cmp(const void *a, const void *b)
{
    const qpair *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

/* Decodes then re-encodes, so "%E1%88%B4" and the raw UTF-8 both become "%E1%88%B4". */
static char *reencode(const char *s, size_t len)
{
    size_t n;
    char *dec = pct_decode(s, len, &n);
    if (!dec) return NULL;
    char *enc = ism_aws_uri_encode(dec, n, false);
    free(dec);
    return enc;
}

/* Parameters sorted by encoded name, then encoded value; "a" without '=' is "a=". */
static char *canonical_query(const char *q, size_t len)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += q[i] == '&';
    qpair *v = calloc(cap, sizeof *v);
    size_t n = 0;
    bool ok = v != NULL;
    for (size_t i = 0; ok && i < len;) {
        size_t j = i;
        while (j < len && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t kl = eq ? (size_t)(eq - (q + i)) : j - i;
            v[n].k = reencode(q + i, kl);
            v[n].v = eq ? reencode(eq + 1, j - (size_t)(eq + 1 - q)) : strdup("");
            ok = v[n].k && v[n].v;
            n++;
        }
        i = j + 1;
    }
    ism_cbuf b = {0};
    ism_cbuf_add(&b, "", 0);
    if (ok) qsort(v, n, sizeof *v, qpair_cmp);
    for (size_t i = 0; ok && i < n; i++)
        ism_cbuf_addf(&b, "%s%s=%s", i ? "&" : "", v[i].k, v[i].v);
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].k);
        free(v[i].v);
    }
    free(v);
    if (!ok) b.oom = true;
    return ism_cbuf_take(&b);
}

typedef struct chdr {
    char *name; /* lower-case */
    const char *value;
    size_t order;
} chdr;

static int chdr_cmp(const void *a, const void *b)
{
    const chdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims both ends and collapses every run of white space (folded lines included) to one space. */
static void add_trimmed(ism_cbuf *b, const char *v)
{
    bool pending = false, any = false;
    for (; *v; v++) {
        if (is_space(*v)) {
            pending = any;
            continue;
        }
        if (pending) ism_cbuf_addc(b, ' ');
        ism_cbuf_addc(b, *v);
        pending = false;
        any = true;
    }
}

/* "name:v1,v2\n" per distinct name (values in the order given), and "a;b;c". */
static bool canonical_headers(const ism_http_headers *h, ism_cbuf *canon, ism_cbuf *names)
{
    size_t n = h ? h->n : 0;
    chdr *v = calloc(n ? n : 1, sizeof *v);
    bool ok = v != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        v[i].name = strdup(h->v[i].name);
        ok = v[i].name != NULL;
        for (char *c = ok ? v[i].name : NULL; c && *c; c++)
            *c = ism_ascii_lower(*c);
        v[i].value = h->v[i].value;
        v[i].order = i;
    }
    if (ok) qsort(v, n, sizeof *v, chdr_cmp);
    ism_cbuf_add(names, "", 0);
    for (size_t i = 0; ok && i < n; i++) {
        bool first = i == 0 || strcmp(v[i].name, v[i - 1].name) != 0;
        if (first) {
            if (i) ism_cbuf_adds(canon, "\n");
            ism_cbuf_addf(canon, "%s:", v[i].name);
            ism_cbuf_addf(names, "%s%s", i ? ";" : "", v[i].name);
        } else {
            ism_cbuf_addc(canon, ',');
        }
        add_trimmed(canon, v[i].value);
    }
    if (ok && n) ism_cbuf_addc(canon, '\n');
    for (size_t i = 0; v && i < n; i++)
        free(v[i].name);
    free(v);
    return ok && !canon->oom && !names->oom;
}

void ism_sigv4_split_target(const char *target, const char **path, size_t *plen, const char **query,
                            size_t *qlen)
{
    size_t end = strcspn(target, "#");
    size_t q = strcspn(target, "?");
    *path = target;
    *plen = q < end ? q : end;
    *query = q < end ? target + q + 1 : target + end;
    *qlen = q < end ? end - q - 1 : 0;
}

unsigned ism_sigv4_flags(const char *service, unsigned flags)
{
    return service && strcmp(service, "s3") == 0 ? flags | ISM_SIGV4_S3 : flags;
}

char *ism_sigv4_canonical_request(const char *method, const char *path, size_t plen,
                                  const char *query, size_t qlen, const ism_http_headers *headers,
                                  const char *payload_hash, unsigned flags, char **signed_headers)
{
    ism_cbuf canon = {0}, names = {0}, cr = {0};
    char *cpath = canonical_path(path, plen, flags);
    char *cquery = canonical_query(query, qlen);
    bool ok = cpath && cquery && canonical_headers(headers, &canon, &names);
    if (ok) {
        ism_cbuf_addf(&cr, "%s\n%s\n%s\n", method, cpath, cquery);
        ism_cbuf_add(&cr, canon.p ? canon.p : "", canon.n);
        ism_cbuf_addf(&cr, "\n%s\n%s", names.p, payload_hash);
    }
    free(cpath);
    free(cquery);
    ism_cbuf_free(&canon);
    *signed_headers = ok ? ism_cbuf_take(&names) : NULL;
    ism_cbuf_free(&names);
    char *out = ok ? ism_cbuf_take(&cr) : NULL;
    ism_cbuf_free(&cr);
    if (!out || !*signed_headers) {
        free(out);
        free(*signed_headers);
        *signed_headers = NULL;
        return NULL;
    }
    return out;
}

char *ism_sigv4_signed_headers(const ism_http_headers *headers)
{
    ism_cbuf canon = {0}, names = {0};
    bool ok = canonical_headers(headers, &canon, &names);
    ism_cbuf_free(&canon);
    char *out = ok ? ism_cbuf_take(&names) : NULL;
    ism_cbuf_free(&names);
    return out;
}
