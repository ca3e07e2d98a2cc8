/* table.c — text tables for people: column widths counted in terminal cells, so Japanese
 * (two cells a character) lines up with ASCII. */
#include "table.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Decodes one UTF-8 sequence; returns its byte length (1 for invalid bytes). */
static int utf8_next(const char *s, wchar_t *wc)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] < 0x80) {
        *wc = p[0];
        return 1;
    }
    int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 1;
    if (n == 1) {
        *wc = '?';
        return 1;
    }
    wchar_t c = p[0] & (0x3F >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *wc = '?';
            return 1;
        }
        c = (c << 6) | (p[i] & 0x3F);
    }
    *wc = c;
    return n;
}

static int cell_width(wchar_t c)
{
    /* Wide: CJK, Hiragana/Katakana, Hangul, full-width forms (enough for our texts; independent
     * of the process locale). */
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    if (c < 0x20) return 0;
    return 1;
}

int cli_width(const char *s)
{
    int w = 0;
    while (*s) {
        wchar_t c;
        s += utf8_next(s, &c);
        w += cell_width(c);
    }
    return w;
}

static char *cell_text(const json_t *v)
{
    if (!v || json_is_null(v)) return strdup("-");
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (json_is_true(v)) return strdup("yes");
    if (json_is_false(v)) return strdup("no");
    if (json_is_array(v)) {
        /* Arrays of strings read best joined. */
        size_t i, len = 1;
        json_t *e;
        json_array_foreach(v, i, e) len += (json_is_string(e) ? json_string_length(e) : 32) + 2;
        char *out = calloc(1, len);
        json_array_foreach(v, i, e)
        {
            char *t = json_is_string(e) ? strdup(json_string_value(e))
                                        : json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
            if (i) strcat(out, ", ");
            strncat(out, t, len - strlen(out) - 1);
            free(t);
        }
        return out;
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Cuts s to at most max cells, ending with "…" when cut. Modifies s in place. */
static void clip(char *s, int max)
{
    if (max <= 0 || cli_width(s) <= max) return;
    int w = 0;
    char *p = s;
    while (*p) {
        wchar_t c;
        int n = utf8_next(p, &c);
        int cw = cell_width(c);
        if (w + cw > max - 1) break;
        w += cw;
        p += n;
    }
    strcpy(p, "…");
}

static void flatten(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\t' || *s == '\r') *s = ' ';
}

void cli_table(FILE *fp, const json_t *rows, const cli_col *cols, int ncols)
{
    size_t nrows = json_array_size(rows);
    char **cells = calloc(nrows * (size_t)ncols + 1, sizeof *cells);
    int *width = calloc((size_t)ncols, sizeof *width);
    for (int c = 0; c < ncols; c++)
        width[c] = cli_width(cols[c].header);
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            char *t = cell_text(json_object_get(json_array_get(rows, r), cols[c].key));
            flatten(t);
            if (cols[c].max_width) {
                t = realloc(t, strlen(t) + 4);
                clip(t, cols[c].max_width);
            }
            cells[r * (size_t)ncols + (size_t)c] = t;
            int w = cli_width(t);
            if (w > width[c]) width[c] = w;
        }
    }
    for (int c = 0; c < ncols; c++)
        fprintf(fp, "%s%*s", cols[c].header,
                c + 1 < ncols ? width[c] - cli_width(cols[c].header) + 2 : 0, "");
    fputc('\n', fp);
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *t = cells[r * (size_t)ncols + (size_t)c];
            fprintf(fp, "%s%*s", t, c + 1 < ncols ? width[c] - cli_width(t) + 2 : 0, "");
        }
        fputc('\n', fp);
    }
    for (size_t i = 0; i < nrows * (size_t)ncols; i++)
        free(cells[i]);
    free(cells);
    free(width);
}

void cli_kv(FILE *fp, const json_t *obj)
{
    const char *k;
    json_t *v;
    int w = 0;
    json_object_foreach((json_t *)obj, k, v)
    {
        int kw = cli_width(k);
        if (kw > w) w = kw;
    }
    json_object_foreach((json_t *)obj, k, v)
    {
        char *t =
            json_is_object(v) ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : cell_text(v);
        fprintf(fp, "%s:%*s %s\n", k, w - cli_width(k), "", t);
        free(t);
    }
}
