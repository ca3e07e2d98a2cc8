/* pdf.c — the PDF renderer of the document model (docs/report-format.md, "Document model"):
 * an A4 portrait PDF typeset by pango on cairo's PDF surface, laid out as a Japanese official
 * document: 明朝 (Noto Serif CJK JP) for text, ゴシック (Noto Sans CJK JP) for the title,
 * headings and table headers, 20 mm margins, ruled tables whose header row repeats on every
 * page, a running header from the second page on and "n / N" at the footer's right.
 *
 * Two passes over the same layout code: the first only measures (it counts the pages, so the
 * footer can say N), the second draws. Pango breaks the lines (Japanese line breaking rules,
 * font fallback); this file only places lines, so a paragraph or a table row taller than a
 * page is split between two lines and nothing is lost or looped on: every step either places
 * a line or starts a fresh page, and on a fresh page at least one line is always placed.
 *
 * Reproducible output: cairo 1.16 stamps /CreationDate with the clock unless told otherwise,
 * so the renderer always sets CAIRO_PDF_METADATA_CREATE_DATE (and MOD_DATE) from the model's
 * "created" (RFC 3339), or from the fixed date 2000-01-01T00:00:00Z when the model has none; it
 * reads no clock. With that, cairo writes the same bytes for the same input (font subsets are
 * named from their glyphs, no /ID is written); tests/unit/test_pdf.c renders twice and
 * compares. (Cairo 1.16 writes the date without PDF's "D:" prefix, "(20261205100000+09'00)";
 * readers accept it, and cairo 1.17 adds the prefix.)
 *
 * Threads: each call makes its own PangoFontMap and PangoContext and frees them before
 * returning, so calls on different threads share no pango object (pango's default font map
 * is not used); fontconfig and cairo are thread-safe. */
#include "pdf_internal.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#define MM (72.0 / 25.4)
#define PAGE_W (210 * MM)
#define PAGE_H (297 * MM)
#define MARGIN (20 * MM)
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define BODY_TOP MARGIN
#define BODY_BOTTOM (PAGE_H - MARGIN)
#define CELL_PAD 3.0
#define RULE 0.5
#define SERIF "Noto Serif CJK JP, IPAexMincho, IPAMincho, serif"
#define SANS "Noto Sans CJK JP, IPAexGothic, IPAGothic, sans-serif"
#define FIXED_DATE "2000-01-01T00:00:00Z"

typedef struct style {
    const char *family;
    double size; /* points */
    bool bold;
    double spacing; /* line height as a factor of the font's */
    double gray;    /* 0 black .. 1 white */
} style;

static const style S_TITLE = {SANS, 20, true, 1.3, 0};
static const style S_SUBTITLE = {SANS, 13, false, 1.3, 0.15};
static const style S_H[3] = {
    {SANS, 14, true, 1.3, 0}, {SANS, 12, true, 1.3, 0}, {SANS, 10.5, true, 1.3, 0}};
static const style S_BODY = {SERIF, 10.5, false, 1.55, 0};
static const style S_NOTE = {SERIF, 9.5, false, 1.5, 0.25};
static const style S_SMALL = {SERIF, 8.5, false, 1.45, 0.2};
static const style S_CELL = {SERIF, 9, false, 1.35, 0};
static const style S_HEAD = {SANS, 9, true, 1.35, 0};
static const style S_CHROME = {SANS, 8, false, 1.2, 0.35};

/* One typeset line of a layout, in points relative to the layout's origin. */
typedef struct line {
    PangoLayoutLine *pl; /* owned by its layout */
    double x, h, base;
} line;

typedef struct text {
    PangoLayout *layout;
    line *lines;
    size_t n;
    double h;
} text;

typedef struct ctx {
    PangoContext *pc;
    cairo_t *cr; /* NULL while measuring */
    bool ja;
    int page;   /* current page, 1-based */
    int pages;  /* the total, known in the drawing pass */
    double y;   /* where the next line goes */
    double top; /* where the body of the current page starts */
    const char *header, *footer;
    int outline[4]; /* PDF outline ids of the current heading per level */
    bool oom;
} ctx;

/* ---- text ----------------------------------------------------------------------------------- */

static void text_free(text *t)
{
    if (t->layout) g_object_unref(t->layout);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

/* Typesets s in width points (pango breaks the lines); indent: of the first line; one_line:
 * cut with "…" instead of breaking (the running header). */
static bool text_make_ex(ctx *c, text *t, const char *s, const style *st, double width,
                         double indent, PangoAlignment align, bool one_line)
{
    memset(t, 0, sizeof *t);
    t->layout = pango_layout_new(c->pc);
    PangoFontDescription *fd = pango_font_description_from_string(st->family);
    pango_font_description_set_size(fd, (int)(st->size * PANGO_SCALE));
    pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(t->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(t->layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(t->layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_line_spacing(t->layout, (float)st->spacing);
    pango_layout_set_indent(t->layout, (int)(indent * PANGO_SCALE));
    pango_layout_set_alignment(t->layout, align);
    if (one_line) pango_layout_set_ellipsize(t->layout, PANGO_ELLIPSIZE_END);
    pango_layout_set_text(t->layout, s, -1);

    int n = pango_layout_get_line_count(t->layout);
    t->lines = calloc((size_t)(n > 0 ? n : 1), sizeof *t->lines);
    if (!t->lines) {
        c->oom = true;
        return false;
    }
    PangoLayoutIter *it = pango_layout_get_iter(t->layout);
    do {
        int y0, y1;
        PangoRectangle logical;
        pango_layout_iter_get_line_yrange(it, &y0, &y1);
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        line *l = &t->lines[t->n++];
        l->pl = pango_layout_iter_get_line_readonly(it);
        l->x = (double)logical.x / PANGO_SCALE;
        l->h = (double)(y1 - y0) / PANGO_SCALE;
        l->base = (double)(pango_layout_iter_get_baseline(it) - y0) / PANGO_SCALE;
        t->h += l->h;
    } while (t->n < (size_t)n && pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    return true;
}

static bool text_make(ctx *c, text *t, const char *s, const style *st, double width, double indent,
                      PangoAlignment align)
{
    return text_make_ex(c, t, s, st, width, indent, align, false);
}

static void gray(ctx *c, double g)
{
    cairo_set_source_rgb(c->cr, g, g, g);
}

static void draw_line(ctx *c, const line *l, double gr, double x, double y)
{
    if (!c->cr) return;
    gray(c, gr);
    cairo_move_to(c->cr, x + l->x, y + l->base);
    pango_cairo_show_layout_line(c->cr, l->pl);
}

static void hrule(ctx *c, double x0, double x1, double y, double w)
{
    if (!c->cr) return;
    gray(c, 0);
    cairo_set_line_width(c->cr, w);
    cairo_move_to(c->cr, x0, y);
    cairo_line_to(c->cr, x1, y);
    cairo_stroke(c->cr);
}

/* ---- pages ---------------------------------------------------------------------------------- */

/* The running header (not on page 1) and the footer: drawn when a page starts. */
static void chrome(ctx *c)
{
    if (!c->cr) return;
    text t;
    if (c->page > 1 && c->header && *c->header) {
        if (text_make_ex(c, &t, c->header, &S_CHROME, TEXT_W, 0, PANGO_ALIGN_LEFT, true) && t.n) {
            draw_line(c, &t.lines[0], S_CHROME.gray, MARGIN, 11 * MM);
            cairo_set_source_rgb(c->cr, 0.35, 0.35, 0.35);
            cairo_set_line_width(c->cr, 0.4);
            cairo_move_to(c->cr, MARGIN, 11 * MM + t.lines[0].h + 1);
            cairo_line_to(c->cr, PAGE_W - MARGIN, 11 * MM + t.lines[0].h + 1);
            cairo_stroke(c->cr);
        }
        text_free(&t);
    }
    double fy = PAGE_H - 14 * MM;
    if (c->footer && *c->footer) {
        if (text_make_ex(c, &t, c->footer, &S_CHROME, TEXT_W * 0.7, 0, PANGO_ALIGN_LEFT, true) &&
            t.n)
            draw_line(c, &t.lines[0], S_CHROME.gray, MARGIN, fy);
        text_free(&t);
    }
    char num[32];
    snprintf(num, sizeof num, "%d / %d", c->page, c->pages);
    if (text_make(c, &t, num, &S_CHROME, TEXT_W, 0, PANGO_ALIGN_RIGHT) && t.n)
        draw_line(c, &t.lines[0], S_CHROME.gray, MARGIN, fy);
    text_free(&t);
}

static void new_page(ctx *c)
{
    if (c->cr && c->page > 0) cairo_show_page(c->cr);
    c->page++;
    c->y = c->top = BODY_TOP;
    chrome(c);
}

static bool at_top(const ctx *c)
{
    return c->y <= c->top + 0.01;
}

/* Room for h more points on this page, else a new page (unless this one is still empty). */
static void need(ctx *c, double h)
{
    if (c->y + h > BODY_BOTTOM && !at_top(c)) new_page(c);
}

/* Places a text's lines from the cursor, breaking pages between lines. */
static void flow(ctx *c, const text *t, const style *st, double x)
{
    for (size_t i = 0; i < t->n; i++) {
        need(c, t->lines[i].h);
        draw_line(c, &t->lines[i], st->gray, x, c->y);
        c->y += t->lines[i].h;
    }
}

/* ---- blocks --------------------------------------------------------------------------------- */

static void heading(ctx *c, int level, const char *s)
{
    static const double before[3] = {14, 10, 7};
    const style *st = &S_H[level - 1];
    text t;
    if (!text_make(c, &t, s, st, TEXT_W, 0, PANGO_ALIGN_LEFT)) return;
    if (!at_top(c)) c->y += before[level - 1];
    /* Keep a heading with what follows: its lines and about three lines of text. */
    need(c, t.h + 3 * S_BODY.size * S_BODY.spacing);
    if (c->cr) {
        char dest[64];
        snprintf(dest, sizeof dest, "page=%d pos=[%.1f %.1f]", c->page, MARGIN, c->y);
        int parent = level > 1 ? c->outline[level - 1] : CAIRO_PDF_OUTLINE_ROOT;
        c->outline[level] = cairo_pdf_surface_add_outline(cairo_get_target(c->cr), parent, s, dest,
                                                          CAIRO_PDF_OUTLINE_FLAG_OPEN);
        for (int l = level + 1; l <= 3; l++)
            c->outline[l] = c->outline[level];
    }
    flow(c, &t, st, MARGIN);
    if (level == 1) hrule(c, MARGIN, PAGE_W - MARGIN, c->y + 1.5, 0.75);
    c->y += level == 1 ? 6 : 4;
    text_free(&t);
}

static void paragraph(ctx *c, const char *s, const char *kind)
{
    const style *st = &S_BODY;
    double x = MARGIN, indent = c->ja ? S_BODY.size : 0;
    if (kind && strcmp(kind, "note") == 0) {
        st = &S_NOTE;
        x += S_BODY.size;
        indent = 0;
    } else if (kind && strcmp(kind, "small") == 0) {
        st = &S_SMALL;
        indent = 0;
    }
    text t;
    if (text_make(c, &t, s, st, PAGE_W - MARGIN - x, indent, PANGO_ALIGN_LEFT)) flow(c, &t, st, x);
    text_free(&t);
    c->y += 5;
}

static void list(ctx *c, const json_t *b)
{
    bool ordered = json_is_true(json_object_get(b, "ordered"));
    double hang = (ordered ? 3.2 : 1.2) * S_BODY.size;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(b, "items"), i, it)
    {
        char mark[32];
        if (ordered)
            snprintf(mark, sizeof mark, c->ja ? "（%zu）" : "(%zu)", i + 1);
        else
            snprintf(mark, sizeof mark, "%s", c->ja ? "・" : "•");
        text t = {0}, m = {0};
        bool ok =
            text_make(c, &t, json_string_value(it), &S_BODY, TEXT_W - hang, 0, PANGO_ALIGN_LEFT) &&
            text_make(c, &m, mark, &S_BODY, TEXT_W, 0, PANGO_ALIGN_LEFT);
        if (ok && t.n) {
            need(c, t.lines[0].h);
            draw_line(c, &m.lines[0], 0, MARGIN, c->y);
            flow(c, &t, &S_BODY, MARGIN + hang);
        }
        text_free(&t);
        text_free(&m);
        c->y += 1.5;
    }
    c->y += 4;
}

/* ---- tables --------------------------------------------------------------------------------- */

typedef struct tbl {
    size_t ncols;
    double x[PDF_MAX_COLUMNS + 1]; /* column edges */
    text head[PDF_MAX_COLUMNS];
    double head_h;
    double fresh_y; /* where rows start on a page of this table's own; -1: not on this page */
    bool has_head, repeat, shade_first; /* shade_first: kv blocks' key column */
} tbl;

static void cell_rect(ctx *c, double x0, double x1, double y0, double y1, double fill)
{
    if (!c->cr) return;
    cairo_rectangle(c->cr, x0, y0, x1 - x0, y1 - y0);
    if (fill < 1) {
        gray(c, fill);
        cairo_fill_preserve(c->cr);
    }
    gray(c, 0);
    cairo_set_line_width(c->cr, RULE);
    cairo_stroke(c->cr);
}

static void draw_head(ctx *c, tbl *tb)
{
    for (size_t k = 0; k < tb->ncols; k++) {
        cell_rect(c, tb->x[k], tb->x[k + 1], c->y, c->y + tb->head_h, 0.88);
        double ly = c->y + CELL_PAD;
        for (size_t i = 0; i < tb->head[k].n; i++) {
            draw_line(c, &tb->head[k].lines[i], 0, tb->x[k] + CELL_PAD, ly);
            ly += tb->head[k].lines[i].h;
        }
    }
    hrule(c, tb->x[0], tb->x[tb->ncols], c->y + tb->head_h, 1.0);
    c->y += tb->head_h;
}

static void table_page(ctx *c, tbl *tb)
{
    new_page(c);
    if (tb->has_head && tb->repeat) draw_head(c, tb);
    tb->fresh_y = c->y;
}

static bool row_fresh(const ctx *c, const tbl *tb)
{
    return tb->fresh_y >= 0 && c->y <= tb->fresh_y + 0.01;
}

/* The height of a row: its tallest cell and the padding. */
static double row_height(const tbl *tb, const text *cells)
{
    double h = 0;
    for (size_t k = 0; k < tb->ncols; k++)
        if (cells[k].h > h) h = cells[k].h;
    return h + 2 * CELL_PAD;
}

/* Places one row; a row that fits on a page is never split, a taller one is split across
 * pages between lines. */
static void table_row(ctx *c, tbl *tb, text *cells)
{
    double row_h = row_height(tb, cells);
    double page_room = BODY_BOTTOM - BODY_TOP - (tb->has_head && tb->repeat ? tb->head_h : 0);
    if (c->y + row_h > BODY_BOTTOM && row_h <= page_room && !row_fresh(c, tb)) table_page(c, tb);

    size_t next[PDF_MAX_COLUMNS] = {0};
    for (;;) {
        double avail = BODY_BOTTOM - c->y - 2 * CELL_PAD, used = 0;
        size_t upto[PDF_MAX_COLUMNS];
        bool any = false, left = false;
        for (size_t k = 0; k < tb->ncols; k++) {
            double h = 0;
            size_t i = next[k];
            while (i < cells[k].n && h + cells[k].lines[i].h <= avail)
                h += cells[k].lines[i++].h;
            upto[k] = i;
            any |= i > next[k];
            left |= next[k] < cells[k].n;
        }
        if (left && !any) {
            if (!row_fresh(c, tb)) {
                table_page(c, tb);
                continue;
            }
            /* A line taller than a whole page: place one per cell all the same. */
            for (size_t k = 0; k < tb->ncols; k++)
                if (next[k] < cells[k].n) upto[k] = next[k] + 1;
        }
        for (size_t k = 0; k < tb->ncols; k++) {
            double h = 0;
            for (size_t i = next[k]; i < upto[k]; i++)
                h += cells[k].lines[i].h;
            if (h > used) used = h;
        }
        double seg = used + 2 * CELL_PAD;
        for (size_t k = 0; k < tb->ncols; k++) {
            cell_rect(c, tb->x[k], tb->x[k + 1], c->y, c->y + seg,
                      tb->shade_first && k == 0 ? 0.94 : 1);
            double ly = c->y + CELL_PAD;
            for (size_t i = next[k]; i < upto[k]; i++) {
                draw_line(c, &cells[k].lines[i], 0, tb->x[k] + CELL_PAD, ly);
                ly += cells[k].lines[i].h;
            }
            next[k] = upto[k];
        }
        c->y += seg;
        bool more = false;
        for (size_t k = 0; k < tb->ncols; k++)
            more |= next[k] < cells[k].n;
        if (!more) return;
        table_page(c, tb);
    }
}

/* Typesets a row's cells; false (cells freed) when memory runs out. */
static bool row_make(ctx *c, tbl *tb, const json_t *row, text *cells)
{
    for (size_t k = 0; k < tb->ncols; k++) {
        const style *st = tb->shade_first && k == 0 ? &S_HEAD : &S_CELL;
        if (!text_make(c, &cells[k], json_string_value(json_array_get(row, k)), st,
                       tb->x[k + 1] - tb->x[k] - 2 * CELL_PAD, 0, PANGO_ALIGN_LEFT)) {
            for (size_t j = 0; j <= k; j++)
                text_free(&cells[j]);
            return false;
        }
    }
    return true;
}

/* A table block, a kv block (two columns, no header, keys shaded) or the title's meta. */
static void table(ctx *c, const json_t *cols, const json_t *rows, bool repeat, bool kv)
{
    tbl tb = {.ncols = kv ? 2 : json_array_size(cols),
              .repeat = repeat && !kv,
              .has_head = !kv,
              .shade_first = kv,
              .fresh_y = -1};
    tb.x[0] = MARGIN;
    for (size_t k = 0; k < tb.ncols; k++) {
        double w = kv ? (k ? 0.72 : 0.28)
                      : json_number_value(json_object_get(json_array_get(cols, k), "width"));
        tb.x[k + 1] = tb.x[k] + w * TEXT_W;
    }
    for (size_t k = 0; tb.has_head && k < tb.ncols; k++) {
        const char *title = json_string_value(json_object_get(json_array_get(cols, k), "title"));
        if (!text_make(c, &tb.head[k], title, &S_HEAD, tb.x[k + 1] - tb.x[k] - 2 * CELL_PAD, 0,
                       PANGO_ALIGN_CENTER))
            goto done;
        if (tb.head[k].h > tb.head_h) tb.head_h = tb.head[k].h;
    }
    if (tb.has_head) tb.head_h += 2 * CELL_PAD;
    size_t r;
    json_t *row;
    json_array_foreach(rows, r, row)
    {
        text cells[PDF_MAX_COLUMNS];
        if (!row_make(c, &tb, row, cells)) break;
        if (r == 0) {
            /* Keep the header with the first row (or, for a row taller than a page, with
             * its first lines). */
            double first = row_height(&tb, cells);
            double line1 = S_CELL.size * S_CELL.spacing * 2 + 2 * CELL_PAD;
            need(c, tb.head_h + (first <= BODY_BOTTOM - BODY_TOP - tb.head_h ? first : line1));
            if (at_top(c)) tb.fresh_y = c->y + tb.head_h;
            if (tb.has_head) draw_head(c, &tb);
        }
        table_row(c, &tb, cells);
        for (size_t k = 0; k < tb.ncols; k++)
            text_free(&cells[k]);
    }
    if (json_array_size(rows) == 0 && tb.has_head) {
        need(c, tb.head_h);
        draw_head(c, &tb);
    }
    c->y += 8;
done:
    for (size_t k = 0; k < tb.ncols; k++)
        text_free(&tb.head[k]);
}

/* ---- the document --------------------------------------------------------------------------- */

static void title_block(ctx *c, const json_t *doc)
{
    text t;
    if (text_make(c, &t, json_string_value(json_object_get(doc, "title")), &S_TITLE, TEXT_W, 0,
                  PANGO_ALIGN_CENTER))
        flow(c, &t, &S_TITLE, MARGIN);
    text_free(&t);
    const char *sub = json_string_value(json_object_get(doc, "subtitle"));
    if (sub && *sub) {
        c->y += 4;
        if (text_make(c, &t, sub, &S_SUBTITLE, TEXT_W, 0, PANGO_ALIGN_CENTER))
            flow(c, &t, &S_SUBTITLE, MARGIN);
        text_free(&t);
    }
    c->y += 16;
    const json_t *meta = json_object_get(doc, "meta");
    if (json_array_size(meta)) {
        table(c, NULL, meta, false, true);
        c->y += 8;
    }
}

static void block(ctx *c, const json_t *b)
{
    const char *type = json_string_value(json_object_get(b, "type"));
    if (strcmp(type, "heading") == 0)
        heading(c, (int)json_integer_value(json_object_get(b, "level")),
                json_string_value(json_object_get(b, "text")));
    else if (strcmp(type, "paragraph") == 0)
        paragraph(c, json_string_value(json_object_get(b, "text")),
                  json_string_value(json_object_get(b, "style")));
    else if (strcmp(type, "list") == 0)
        list(c, b);
    else if (strcmp(type, "kv") == 0)
        table(c, NULL, json_object_get(b, "rows"), false, true);
    else if (strcmp(type, "table") == 0)
        table(c, json_object_get(b, "columns"), json_object_get(b, "rows"),
              !json_is_false(json_object_get(b, "repeat_header")), false);
    else if (strcmp(type, "page_break") == 0 && !at_top(c))
        new_page(c);
}

/* One pass over the document: measuring when c->cr is NULL, else drawing. */
static void pass(ctx *c, const json_t *doc)
{
    c->page = 0;
    memset(c->outline, 0, sizeof c->outline);
    new_page(c);
    title_block(c, doc);
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(doc, "blocks"), i, b)
    {
        if (c->oom) return;
        block(c, b);
    }
}

typedef struct membuf {
    char *data;
    size_t len, cap;
    bool oom;
} membuf;

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *m = closure;
    if (m->len + len + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->len + len + 1)
            cap *= 2;
        char *p = realloc(m->data, cap);
        if (!p) {
            m->oom = true;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        m->data = p;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, len);
    m->len += len;
    return CAIRO_STATUS_SUCCESS;
}

char *ism_report_pdf(const json_t *doc, size_t *len, ism_error *err)
{
    if (!ism_pdf_model_check(doc, err)) return NULL;
    const char *created = json_string_value(json_object_get(doc, "created"));
    char date[32];
    ism_pdf_date(created ? created : FIXED_DATE, date);
    const char *lang = json_string_value(json_object_get(doc, "lang"));

    PangoFontMap *fm = pango_cairo_font_map_new();
    PangoContext *pc = pango_font_map_create_context(fm);
    pango_cairo_context_set_resolution(pc, 72); /* 1 pango point = 1 PDF unit */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pc, fo);
    cairo_font_options_destroy(fo);
    bool ja = !lang || strcmp(lang, "ja") == 0;
    pango_context_set_language(pc, pango_language_from_string(ja ? "ja" : "en"));

    ctx c = {.pc = pc,
             .ja = ja,
             .header = json_string_value(json_object_get(doc, "header")),
             .footer = json_string_value(json_object_get(doc, "footer"))};
    pass(&c, doc); /* measure: how many pages */

    membuf m = {0};
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(mem_write, &m, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE,
                                   json_string_value(json_object_get(doc, "title")));
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "ismap-assess " ISM_VERSION);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, date);
    const char *sub = json_string_value(json_object_get(doc, "subtitle"));
    if (sub && *sub) cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT, sub);
    c.cr = cairo_create(surf);
    c.pages = c.page;
    if (!c.oom) pass(&c, doc);
    cairo_show_page(c.cr);
    cairo_status_t cst = cairo_status(c.cr);
    cairo_destroy(c.cr);
    cairo_surface_finish(surf);
    if (cst == CAIRO_STATUS_SUCCESS) cst = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    g_object_unref(pc);
    g_object_unref(fm);

    if (c.oom || m.oom || cst != CAIRO_STATUS_SUCCESS || c.page != c.pages) {
        free(m.data);
        ism_error_set(err, ISM_E_INTERNAL, "PDF rendering failed: %s",
                      c.oom || m.oom                ? "out of memory"
                      : cst != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(cst)
                                                    : "the page count changed between passes");
        return NULL;
    }
    m.data[m.len] = '\0';
    *len = m.len;
    return m.data;
}
