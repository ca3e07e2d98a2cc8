/* text.c — text helpers for the readers and the importers: decoding CSV bytes (UTF-8,
 * UTF-16, CP932) to UTF-8, NFKC-like width folding for matching, questionnaire answer marks,
 * formula-injection neutralizing for exports, and Japanese date parsing.
 *
 * No ICU: the folding tables cover exactly the ranges Japanese office files use (full-width
 * ASCII, half-width katakana, ideographic space, era ligatures). CP932 goes through glibc's
 * iconv, which is strict about unassigned bytes; UTF-16 is decoded here so that lone
 * surrogates are reported with their offset. */
#include "readers_int.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 primitives -------------------------------------------------------------------- */

/* Decodes one code point at s[*i] (strictly) and advances; -1 and a one-byte advance when the
 * bytes there are not UTF-8. */
static long u8_next(const unsigned char *s, size_t len, size_t *i)
{
    size_t k = *i;
    unsigned c = s[k];
    long cp;
    int n;
    long min;
    if (c < 0x80) {
        *i = k + 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3, cp = c & 0x07, min = 0x10000;
    } else {
        *i = k + 1;
        return -1;
    }
    if (len - k <= (size_t)n) {
        *i = k + 1;
        return -1;
    }
    for (int j = 1; j <= n; j++) {
        unsigned t = s[k + (size_t)j];
        if ((t & 0xC0) != 0x80) {
            *i = k + 1;
            return -1;
        }
        cp = (cp << 6) | (t & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i = k + 1;
        return -1;
    }
    *i = k + 1 + (size_t)n;
    return cp;
}

/* Writes cp as UTF-8 into out (room for 4 bytes); returns the byte count. */
static size_t u8_put(char *out, long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool ism_text_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* ASCII runs are the common case in CSV; skip them without decoding. */
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t at = i;
        if (u8_next(p, len, &i) < 0) {
            if (bad) *bad = at;
            return false;
        }
    }
    return true;
}

/* ---- decoding ---------------------------------------------------------------------------- */

const char *ism_text_encoding_name(ism_text_encoding enc)
{
    switch (enc) {
    case ISM_ENC_UTF8:
        return "UTF-8";
    case ISM_ENC_UTF8_BOM:
        return "UTF-8 (BOM)";
    case ISM_ENC_UTF16LE:
        return "UTF-16LE";
    case ISM_ENC_UTF16BE:
        return "UTF-16BE";
    case ISM_ENC_CP932:
        return "CP932";
    case ISM_ENC_AUTO:
        break;
    }
    return "auto";
}

/* 1-based line of byte `off` in an ASCII-compatible encoding. In CP932 a trail byte is never
 * below 0x40, so counting LF bytes is exact for both UTF-8 and CP932. */
static unsigned line_of(const unsigned char *p, size_t off)
{
    unsigned line = 1;
    for (size_t i = 0; i < off; i++)
        line += p[i] == '\n';
    return line;
}

/* {"file", "offset", "line"}; off SIZE_MAX or line 0 leave theirs out. */
static json_t *where_offset(const char *name, size_t off, unsigned line)
{
    json_t *o = ism_table_where(name, NULL, 0, 0, NULL);
    if (off != SIZE_MAX) json_object_set_new(o, "offset", json_integer((json_int_t)off));
    if (line) json_object_set_new(o, "line", json_integer(line));
    return o;
}

/* Strict CP932 → UTF-8. Returns the malloc'd text, or NULL with *bad = offset of the first
 * byte iconv refuses (or SIZE_MAX when out of memory). */
static char *from_cp932(const unsigned char *p, size_t len, size_t *out_len, size_t *bad)
{
    *bad = SIZE_MAX;
    if (len > (SIZE_MAX - 1) / 3) return NULL;
    size_t cap = 3 * len + 1; /* every CP932 character is at most 3 UTF-8 bytes */
    char *out = malloc(cap);
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (!out || cd == (iconv_t)-1) {
        free(out);
        if (cd != (iconv_t)-1) iconv_close(cd);
        return NULL;
    }
    char *ip = (char *)p, *op = out;
    size_t il = len, ol = cap - 1;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    if (r != (size_t)-1) r = iconv(cd, NULL, NULL, &op, &ol);
    iconv_close(cd);
    if (r == (size_t)-1) {
        /* EILSEQ: an unassigned byte; EINVAL: a lead byte cut off by the end of input. */
        *bad = len - il;
        free(out);
        return NULL;
    }
    *op = '\0';
    *out_len = (size_t)(op - out);
    return out;
}

/* UTF-16 (either order) → UTF-8. NULL with *bad = offset of an odd trailing byte or a lone
 * surrogate (SIZE_MAX when out of memory). */
static char *from_utf16(const unsigned char *p, size_t len, bool be, size_t *out_len, size_t *bad)
{
    *bad = SIZE_MAX;
    char *out = malloc(len / 2 * 3 + 4 + 1); /* a unit gives ≤ 3 bytes, a pair 4 */
    if (!out) return NULL;
    size_t o = 0, i = 0;
    while (i + 1 < len) {
        unsigned u = be ? (unsigned)(p[i] << 8 | p[i + 1]) : (unsigned)(p[i + 1] << 8 | p[i]);
        long cp = u;
        size_t at = i;
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < len) {
            unsigned v = be ? (unsigned)(p[i] << 8 | p[i + 1]) : (unsigned)(p[i + 1] << 8 | p[i]);
            if (v >= 0xDC00 && v <= 0xDFFF) {
                cp = 0x10000 + (((long)u - 0xD800) << 10) + ((long)v - 0xDC00);
                i += 2;
            }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            *bad = at;
            free(out);
            return NULL;
        }
        o += u8_put(out + o, cp);
    }
    if (i < len) {
        *bad = i;
        free(out);
        return NULL;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static char *copy_bytes(const unsigned char *p, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    if (!out) return NULL;
    if (len) memcpy(out, p, len);
    out[len] = '\0';
    *out_len = len;
    return out;
}

/* Auto-detection past the BOM check: UTF-8 if valid, else strict CP932, else an error that
 * names where each gave up. The later of the two offsets is the likelier real fault. */
static char *decode_auto(const unsigned char *p, size_t len, const char *name,
                         ism_text_encoding *used, size_t *out_len, ism_error *err)
{
    size_t bad8 = 0, bad932 = 0;
    if (ism_text_utf8_valid((const char *)p, len, &bad8)) {
        *used = ISM_ENC_UTF8;
        return copy_bytes(p, len, out_len);
    }
    char *out = from_cp932(p, len, out_len, &bad932);
    if (out) {
        *used = ISM_ENC_CP932;
        return out;
    }
    if (bad932 == SIZE_MAX) return NULL;
    size_t worst = bad8 > bad932 ? bad8 : bad932;
    ism_error_set(err, ISM_E_INVALID_DATA,
                  "%s: neither UTF-8 (byte 0x%02X at offset %zu, line %u) nor Shift_JIS/CP932 "
                  "(byte 0x%02X at offset %zu, line %u); save the file as UTF-8 or CP932",
                  name, p[bad8], bad8, line_of(p, bad8), p[bad932], bad932, line_of(p, bad932));
    ism_error_detail(err, where_offset(name, worst, line_of(p, worst)));
    return NULL;
}

/* Decodes with a known encoding; p is past a BOM of `skip` bytes, which offsets in messages
 * count so that they are offsets into the file. */
static char *decode_as(const unsigned char *p, size_t len, size_t skip, ism_text_encoding enc,
                       const char *name, size_t *out_len, ism_error *err)
{
    size_t bad = SIZE_MAX;
    char *out = NULL;
    switch (enc) {
    case ISM_ENC_UTF16LE:
    case ISM_ENC_UTF16BE:
        out = from_utf16(p, len, enc == ISM_ENC_UTF16BE, out_len, &bad);
        break;
    case ISM_ENC_CP932:
        out = from_cp932(p, len, out_len, &bad);
        break;
    default:
        if (ism_text_utf8_valid((const char *)p, len, &bad)) out = copy_bytes(p, len, out_len);
        break;
    }
    if (out || bad == SIZE_MAX) return out;
    /* Lines are counted in bytes for the ASCII-compatible encodings only. */
    bool ascii = enc != ISM_ENC_UTF16LE && enc != ISM_ENC_UTF16BE;
    unsigned line = ascii ? line_of(p, bad) : 0;
    ism_error_set(err, ISM_E_INVALID_DATA, "%s: not valid %s: byte 0x%02X at offset %zu", name,
                  ism_text_encoding_name(enc), bad < len ? p[bad] : 0, bad + skip);
    ism_error_detail(err, where_offset(name, bad + skip, line));
    return NULL;
}

/* Which BOM (if any) starts the data, and whether it is compatible with what was asked. */
static size_t bom_of(const unsigned char *p, size_t len, ism_text_encoding *enc)
{
    ism_text_encoding want = *enc;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF &&
        (want == ISM_ENC_AUTO || want == ISM_ENC_UTF8 || want == ISM_ENC_UTF8_BOM)) {
        *enc = ISM_ENC_UTF8_BOM;
        return 3;
    }
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE &&
        (want == ISM_ENC_AUTO || want == ISM_ENC_UTF16LE)) {
        *enc = ISM_ENC_UTF16LE;
        return 2;
    }
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF &&
        (want == ISM_ENC_AUTO || want == ISM_ENC_UTF16BE)) {
        *enc = ISM_ENC_UTF16BE;
        return 2;
    }
    return 0;
}

char *ism_text_decode(const void *data, size_t len, ism_text_encoding enc, const char *name,
                      ism_text_encoding *detected, size_t *out_len, ism_error *err)
{
    const unsigned char *p = data ? data : (const unsigned char *)"";
    size_t olen = 0;
    if (!name) name = "(input)";
    size_t skip = bom_of(p, len, &enc);
    char *out = enc == ISM_ENC_AUTO ? decode_auto(p, len, name, &enc, &olen, err)
                                    : decode_as(p + skip, len - skip, skip, enc, name, &olen, err);
    if (!out) {
        if (err && err->code == ISM_OK) ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    const char *nul = memchr(out, '\0', olen);
    if (nul) {
        size_t at = (size_t)(nul - out);
        unsigned line = line_of((const unsigned char *)out, at);
        ism_error_set(err, ISM_E_INVALID_DATA,
                      "%s: contains a NUL character on line %u (a UTF-16 file without a BOM, "
                      "or not a text file?)",
                      name, line);
        /* Only in UTF-8 is an offset into the text also an offset into the file. */
        bool same = enc == ISM_ENC_UTF8 || enc == ISM_ENC_UTF8_BOM;
        ism_error_detail(err, where_offset(name, same ? at + skip : SIZE_MAX, line));
        free(out);
        return NULL;
    }
    if (detected) *detected = enc;
    if (out_len) *out_len = olen;
    return out;
}

/* ---- folding ------------------------------------------------------------------------------ */

/* Half-width katakana U+FF61..U+FF9F → full-width. The last two are the voicing marks; on
 * their own they become the spacing marks ゛ ゜. */
static const unsigned short halfkana[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C,
};

/* The kana that ﾞ (dakuten) voices: カ..ト and ハ..ホ take +1, plus ウ→ヴ, ワ→ヷ, ヲ→ヺ. */
static long voiced(long k)
{
    if ((k >= 0x30AB && k <= 0x30C2 && (k % 2) == 1) || k == 0x30C4 || k == 0x30C6 || k == 0x30C8)
        return k + 1;
    if (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0) return k + 1;
    if (k == 0x30A6) return 0x30F4;
    if (k == 0x30EF) return 0x30F7;
    if (k == 0x30F2) return 0x30FA;
    return 0;
}

/* ﾟ (handakuten) applies to ハ..ホ only (→ パ..ポ). */
static long semivoiced(long k)
{
    return k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0 ? k + 2 : 0;
}

static bool is_space(long cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

/* Full-width signs U+FFE0..U+FFE6 as NFKC maps them. */
static const unsigned short fullsigns[] = {0x00A2, 0x00A3, 0x00AC, 0x00AF, 0x00A6, 0x00A5, 0x20A9};

/* Era ligatures → two ideographs (NFKC does the same). */
static const char *era_ligature(long cp)
{
    switch (cp) {
    case 0x337B:
        return "平成";
    case 0x337C:
        return "昭和";
    case 0x337D:
        return "大正";
    case 0x337E:
        return "明治";
    case 0x32FF:
        return "令和";
    }
    return NULL;
}

/* Maps one code point that needs no look-ahead. */
static long fold_simple(long cp, unsigned flags)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
    if (cp >= 0xFFE0 && cp <= 0xFFE6) cp = fullsigns[cp - 0xFFE0];
    if ((flags & ISM_FOLD_CASE) && cp >= 'A' && cp <= 'Z') cp += 32;
    return cp;
}

char *ism_text_fold(const char *s, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p), i = 0, o = 0;
    /* Worst case: each invalid byte becomes U+FFFD (3 bytes); a ligature's 3 bytes become 6. */
    char *out = malloc(3 * len + 1);
    if (!out) return NULL;
    bool space = false;
    while (i < len) {
        long cp = u8_next(p, len, &i);
        if (cp < 0) cp = 0xFFFD;
        if (cp == 0xFEFF || cp == 0x200B) continue; /* stray BOMs and zero-width spaces */
        if (is_space(cp)) {
            space = o > 0;
            continue;
        }
        if (space) out[o++] = ' ';
        space = false;
        const char *lig = era_ligature(cp);
        if (lig) {
            size_t n = strlen(lig);
            memcpy(out + o, lig, n);
            o += n;
            continue;
        }
        if (cp >= 0xFF61 && cp <= 0xFF9F) {
            cp = halfkana[cp - 0xFF61];
            /* Compose with a following voicing mark, as NFKC would. */
            size_t j = i;
            long next = j < len ? u8_next(p, len, &j) : -1;
            long comp = next == 0xFF9E ? voiced(cp) : next == 0xFF9F ? semivoiced(cp) : 0;
            if (comp) {
                cp = comp;
                i = j;
            }
        }
        o += u8_put(out + o, fold_simple(cp, flags));
    }
    out[o] = '\0';
    return out;
}

/* ---- answer marks --------------------------------------------------------------------------- */

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0) return true;
    return false;
}

/* Dash-like code points; a cell made only of these (e.g. "―", "--") means not applicable. */
static bool is_dash(long cp)
{
    return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x2500 ||
           cp == 0x30FC;
}

static bool all_dashes(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    while (i < len)
        if (!is_dash(u8_next(p, len, &i))) return false;
    return len > 0;
}

ism_answer_mark ism_text_answer_mark(const char *s)
{
    static const char *const yes[] = {"○", "〇", "◯", "◎", "o", NULL};
    static const char *const no[] = {"×", "✕", "✖", "✗", "✘", "╳", "☓", "x", NULL};
    static const char *const na[] = {"n/a", "na", "該当なし", "非該当", "対象外", NULL};
    char *f = ism_text_fold(s, ISM_FOLD_CASE);
    if (!f) return ISM_MARK_UNKNOWN;
    ism_answer_mark m = ISM_MARK_UNKNOWN;
    if (!*f)
        m = ISM_MARK_EMPTY;
    else if (in_list(f, yes))
        m = ISM_MARK_YES;
    else if (in_list(f, no))
        m = ISM_MARK_NO;
    else if (in_list(f, na) || all_dashes(f))
        m = ISM_MARK_NA;
    free(f);
    return m;
}

const char *ism_answer_mark_name(ism_answer_mark m)
{
    switch (m) {
    case ISM_MARK_EMPTY:
        return "empty";
    case ISM_MARK_YES:
        return "yes";
    case ISM_MARK_NO:
        return "no";
    case ISM_MARK_NA:
        return "na";
    case ISM_MARK_UNKNOWN:
        break;
    }
    return "unknown";
}

/* ---- numbers and formula injection ------------------------------------------------------ */

static const char *digits(const char *p, int *n)
{
    *n = 0;
    while (*p >= '0' && *p <= '9')
        p++, (*n)++;
    return p;
}

bool ism_text_is_number(const char *s)
{
    int a, b, e;
    const char *p = s;
    if (!p) return false;
    if (*p == '+' || *p == '-') p++;
    p = digits(p, &a);
    b = 0;
    if (*p == '.') p = digits(p + 1, &b);
    if (a + b == 0) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        p = digits(p, &e);
        if (e == 0) return false;
    }
    return *p == '\0';
}

bool ism_text_formula_risk(const char *s)
{
    if (!s) return false;
    switch (s[0]) {
    case '=':
    case '@':
    case '\t':
    case '\r':
        return true;
    case '+':
    case '-':
        /* A signed number is data, not a formula; "-1+2" or "-A1" is a formula. */
        return !ism_text_is_number(s);
    }
    return false;
}

char *ism_text_neutralize(const char *s)
{
    if (!s) s = "";
    size_t len = strlen(s);
    bool risk = ism_text_formula_risk(s);
    char *out = malloc(len + 2);
    if (!out) return NULL;
    if (risk) out[0] = '\'';
    memcpy(out + risk, s, len + 1);
    return out;
}

/* ---- dates ---------------------------------------------------------------------------------- */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

typedef struct era {
    const char *name;
    char letter;
    int base;          /* Gregorian year of the era's first year (元年) */
    const char *first; /* the first date this parser converts in the era */
} era;

static const era eras[] = {
    {"明治", 'M', 1868, "1873-01-01"}, /* Gregorian calendar adopted 明治6年 */
    {"大正", 'T', 1912, "1912-07-30"}, {"昭和", 'S', 1926, "1926-12-25"},
    {"平成", 'H', 1989, "1989-01-08"}, {"令和", 'R', 2019, "2019-05-01"},
};
#define NERAS (sizeof eras / sizeof eras[0])

static const char *skip_sp(const char *p)
{
    return *p == ' ' ? p + 1 : p;
}

/* Reads 1..max digits; false when there are none or too many. */
static bool number(const char **pp, int max, int *out)
{
    int n = 0, v = 0;
    const char *p = *pp;
    while (*p >= '0' && *p <= '9') {
        if (++n > max) return false;
        v = v * 10 + (*p++ - '0');
    }
    *pp = p;
    *out = v;
    return n > 0;
}

/* An era prefix: its kanji name or its letter; returns the era index or -1. */
static int era_prefix(const char **pp)
{
    const char *p = *pp;
    for (size_t i = 0; i < NERAS; i++) {
        size_t n = strlen(eras[i].name);
        if (strncmp(p, eras[i].name, n) == 0) {
            *pp = p + n;
            return (int)i;
        }
        if ((*p == eras[i].letter || *p == eras[i].letter + 32) &&
            ((p[1] >= '0' && p[1] <= '9') || p[1] == ' ' || strncmp(p + 1, "元", 3) == 0)) {
            *pp = p + 1;
            return (int)i;
        }
    }
    return -1;
}

/* After the year: "年" (then 月 and an optional 日 follow) or one ASCII separator used twice. */
static bool month_day(const char **pp, int *m, int *d)
{
    const char *p = skip_sp(*pp);
    char sep = 0;
    if (strncmp(p, "年", 3) == 0)
        p += 3;
    else if (*p == '-' || *p == '/' || *p == '.')
        sep = *p++;
    else
        return false;
    p = skip_sp(p);
    if (!number(&p, 2, m)) return false;
    p = skip_sp(p);
    if (sep && *p == sep)
        p++;
    else if (!sep && strncmp(p, "月", 3) == 0)
        p += 3;
    else
        return false;
    p = skip_sp(p);
    if (!number(&p, 2, d)) return false;
    const char *after = skip_sp(p); /* a space before 日 is noise; before a time it is not */
    if (!sep && strncmp(after, "日", 3) == 0) p = after + 3;
    *pp = p;
    return true;
}

/* Whatever follows the date must be nothing or a time ("T09:30:00", " 9:30"), ignored. */
static bool time_tail(const char *p)
{
    if (*p == '\0') return true;
    if (*p != 'T' && *p != ' ') return false;
    p++;
    int h, mi;
    if (!number(&p, 2, &h) || *p++ != ':' || !number(&p, 2, &mi)) return false;
    return strspn(p, "0123456789:.Z+-") == strlen(p);
}

/* Messages quote the folded input (valid UTF-8), clipped at a character boundary. */
static bool bad_date(ism_error *err, const char *folded, const char *why)
{
    char q[96];
    return ism_error_set(err, ISM_E_INVALID_DATA, "\"%s\" is not a date: %s",
                         ism_tbl_clip(folded, q, sizeof q), why);
}

/* The era's year (元 = 1) after its prefix, as a Gregorian year. */
static bool era_year(const char **pp, int e, int *y)
{
    const char *p = skip_sp(*pp);
    if (strncmp(p, "元", 3) == 0) {
        *y = 1;
        p += 3;
    } else if (!number(&p, 2, y) || *y < 1) {
        return false;
    }
    *y = eras[e].base + *y - 1;
    *pp = p;
    return true;
}

/* Checks the date lies within its era; eras never overlap. */
static bool within_era(const char *iso, int e, const char *folded, ism_error *err)
{
    char why[160];
    if (strcmp(iso, eras[e].first) < 0) {
        snprintf(why, sizeof why, "%s begins on %s%s", eras[e].name, eras[e].first,
                 e == 0 ? " (earlier dates used the lunisolar calendar)" : "");
        return bad_date(err, folded, why);
    }
    if ((size_t)e + 1 < NERAS && strcmp(iso, eras[e + 1].first) >= 0) {
        snprintf(why, sizeof why, "%s ended before %s, when %s began", eras[e].name,
                 eras[e + 1].first, eras[e + 1].name);
        return bad_date(err, folded, why);
    }
    return true;
}

static bool parse_folded(const char *f, char out[11], ism_error *err)
{
    const char *p = f, *q = f;
    int y = 0, m = 0, d = 0, e = era_prefix(&p);
    bool ok = e >= 0 ? era_year(&p, e, &y) : number(&p, 4, &y) && p - q == 4;
    if (!ok || !month_day(&p, &m, &d) || !time_tail(p))
        return bad_date(err, f,
                        "expected e.g. 2025-03-31, 2025/3/31, 2025年3月31日, 令和7年3月31日 "
                        "or R7.3.31");
    if (y < 1583 || y > 9999) return bad_date(err, f, "the year must be 1583–9999");
    if (m < 1 || m > 12) return bad_date(err, f, "there is no such month");
    if (d < 1 || d > days_in_month(y, m)) return bad_date(err, f, "there is no such day");
    char iso[32]; /* in range by now; the room keeps the compiler's checks quiet */
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
    ism_strlcpy(out, iso, 11);
    return e < 0 || within_era(out, e, f, err);
}

bool ism_text_parse_date(const char *s, char out[11], ism_error *err)
{
    char *f = ism_text_fold(s, 0);
    if (!f) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    bool ok = parse_folded(f, out, err);
    free(f);
    return ok;
}
