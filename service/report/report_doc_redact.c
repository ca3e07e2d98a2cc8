/* report_doc_redact.c — what the 公開版 of a 監査報告書 leaves out (MIC guideline 2.2.6: a report
 * is published only as far as it does not expose the organization's weaknesses). The rules are
 * data (ism_report_redaction_rules) printed in the document and returned by the API, so an
 * auditor can see exactly what was replaced and by what. */
#include "ismap/report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define R_ACCOUNT "［アカウントID］"
#define R_ARN "［ARN］"
#define R_IP "［IPアドレス］"
#define R_RESOURCE "［リソース名］"
#define R_INTERNAL "［非公開］"
#define INTERNAL_OPEN "【内部】"
#define INTERNAL_CLOSE "【/内部】"

json_t *ism_report_redaction_rules(void)
{
    return json_pack(
        "[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}, "
        "{s:s, s:s, s:s}]",
        "id", "arn", "rule", "ARN（arn: で始まる識別子）", "replacement", R_ARN, "id", "account",
        "rule", "アカウントID（前後に数字のない12桁の数字）", "replacement", R_ACCOUNT, "id", "ip",
        "rule", "IPアドレス（IPv4 の a.b.c.d[/n]、IPv6 の :: を含む表記）", "replacement", R_IP,
        "id", "resource", "rule",
        "リソース名（評価で検出されたリソースの ID・名前、クラウドのリソースID "
        "i-/sg-/vpc-/subnet-/vol- 等、及び監査人が指定した語）",
        "replacement", R_RESOURCE, "id", "internal", "rule",
        "内部向けの記載（【内部】と【/内部】で囲んだ文、及び internal と印を付けた項目・監査調書）",
        "replacement", R_INTERNAL, "id", "scope", "rule",
        "適用範囲: 監査人・利用者が記入した文と環境から得た値（指摘事項、根拠、監査調書、来歴等）。"
        "カタログの監査項目の文言は公開情報のため置き換えない",
        "replacement", "");
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Length of an ARN at s, 0 when none. */
static size_t arn_len(const char *s, const char *start)
{
    if (strncmp(s, "arn:", 4) || (s > start && word_char(s[-1]))) return 0;
    size_t n = 4;
    while (s[n] && !isspace((unsigned char)s[n]) && !strchr("\"'<>,;)]}（）、。", s[n]) &&
           (unsigned char)s[n] < 0x80)
        n++;
    return n > 8 ? n : 0;
}

/* Twelve digits not touching other digits. */
static size_t account_len(const char *s, const char *start)
{
    if (s > start && isdigit((unsigned char)s[-1])) return 0;
    for (int i = 0; i < 12; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return isdigit((unsigned char)s[12]) ? 0 : 12;
}

/* a.b.c.d (each ≤ 255) with an optional /n, not inside a longer dotted number such as the
 * ISMAP item "10.1.1.9.PB". */
static size_t ipv4_len(const char *s, const char *start)
{
    if (s > start && (isalnum((unsigned char)s[-1]) || s[-1] == '.')) return 0;
    size_t n = 0;
    for (int part = 0; part < 4; part++) {
        int v = 0, d = 0;
        while (isdigit((unsigned char)s[n]) && d < 3)
            v = v * 10 + (s[n++] - '0'), d++;
        if (!d || v > 255 || isdigit((unsigned char)s[n])) return 0;
        if (part < 3) {
            if (s[n] != '.') return 0;
            n++;
        }
    }
    if (s[n] == '.' && isalnum((unsigned char)s[n + 1])) return 0;
    if (s[n] == '/' && isdigit((unsigned char)s[n + 1])) {
        n++;
        while (isdigit((unsigned char)s[n]))
            n++;
    }
    return n;
}

/* Hex groups and colons with "::" or at least five colons. */
static size_t ipv6_len(const char *s, const char *start)
{
    if (s > start && (isalnum((unsigned char)s[-1]) || s[-1] == ':')) return 0;
    size_t n = 0;
    int colons = 0;
    bool dbl = false;
    while (isxdigit((unsigned char)s[n]) || s[n] == ':') {
        if (s[n] == ':') {
            colons++;
            if (s[n + 1] == ':') dbl = true;
        }
        n++;
    }
    if (n < 3 || (!dbl && colons < 5) || colons < 2) return 0;
    if (isalnum((unsigned char)s[n])) return 0;
    if (s[n] == '/' && isdigit((unsigned char)s[n + 1])) {
        n++;
        while (isdigit((unsigned char)s[n]))
            n++;
    }
    return n;
}

/* Cloud resource ids: i-0abc…, sg-…, vpc-… (a prefix, '-', 8 or more hex digits). */
static size_t resource_id_len(const char *s, const char *start)
{
    static const char *const prefixes[] = {"i-",   "sg-",  "vpc-",      "subnet-", "vol-", "snap-",
                                           "ami-", "eni-", "igw-",      "nat-",    "rtb-", "acl-",
                                           "tgw-", "pcx-", "eipalloc-", "vpce-",   "key-", NULL};
    if (s > start && word_char(s[-1])) return 0;
    for (const char *const *p = prefixes; *p; p++) {
        size_t k = strlen(*p);
        if (strncmp(s, *p, k)) continue;
        size_t n = k;
        while (isxdigit((unsigned char)s[n]))
            n++;
        if (n - k >= 8 && !word_char(s[n])) return n;
    }
    return 0;
}

static size_t term_len(const char *s, const char *start, const json_t *terms)
{
    size_t i, best = 0;
    json_t *t;
    json_array_foreach(terms, i, t)
    {
        const char *w = json_string_value(t);
        size_t k = w ? strlen(w) : 0;
        if (k < 3 || k <= best || strncmp(s, w, k)) continue;
        /* A term of word characters matches whole words only. */
        bool wordy = word_char(w[0]) && word_char(w[k - 1]);
        if (wordy && ((s > start && word_char(s[-1])) || word_char(s[k]))) continue;
        best = k;
    }
    return best;
}

char *ism_report_redact(const char *text, const json_t *terms)
{
    sbuf b = {0};
    put(&b, "", 0);
    if (!text) return b.p;
    const char *s = text;
    while (*s) {
        size_t n;
        if (!strncmp(s, INTERNAL_OPEN, strlen(INTERNAL_OPEN))) {
            const char *end = strstr(s, INTERNAL_CLOSE);
            put(&b, R_INTERNAL, strlen(R_INTERNAL));
            s = end ? end + strlen(INTERNAL_CLOSE) : s + strlen(s);
            continue;
        }
        if ((n = term_len(s, text, terms))) {
            put(&b, R_RESOURCE, strlen(R_RESOURCE));
        } else if ((n = arn_len(s, text))) {
            put(&b, R_ARN, strlen(R_ARN));
        } else if ((n = ipv4_len(s, text))) {
            put(&b, R_IP, strlen(R_IP));
        } else if ((n = ipv6_len(s, text))) {
            put(&b, R_IP, strlen(R_IP));
        } else if ((n = account_len(s, text))) {
            put(&b, R_ACCOUNT, strlen(R_ACCOUNT));
        } else if ((n = resource_id_len(s, text))) {
            put(&b, R_RESOURCE, strlen(R_RESOURCE));
        } else {
            n = 1;
            put(&b, s, 1);
        }
        s += n;
    }
    return b.p;
}

char *ism_report_strip_internal_marks(const char *text)
{
    sbuf b = {0};
    put(&b, "", 0);
    for (const char *s = text ? text : ""; *s;) {
        size_t o = strlen(INTERNAL_OPEN), c = strlen(INTERNAL_CLOSE);
        if (!strncmp(s, INTERNAL_OPEN, o))
            s += o;
        else if (!strncmp(s, INTERNAL_CLOSE, c))
            s += c;
        else
            put(&b, s++, 1);
    }
    return b.p;
}
