/* plan_xlsx.c — a document model (the 監査実施計画書 first of all) as a one-sheet workbook: the
 * title and meta on top, then every block in order; tables keep their columns (widths from the
 * model) and header row. Every cell passes ism_report_cell_text (no formulas from text). */
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

typedef struct wsx {
    lxw_worksheet *ws;
    lxw_format *title, *head, *wrap, *h[3], *note;
    lxw_row_t row;
    lxw_error failed;
} wsx;

static void cell(wsx *w, int col, const char *s, lxw_format *f)
{
    char *t = ism_report_cell_text(s);
    lxw_error e = t && *t ? worksheet_write_string(w->ws, w->row, (lxw_col_t)col, t, f)
                          : worksheet_write_blank(w->ws, w->row, (lxw_col_t)col, f);
    if (e && !w->failed) w->failed = e;
    free(t);
}

static void write_block(wsx *w, const json_t *b)
{
    const char *t = ism_json_getstr(b, "type");
    size_t i, k;
    json_t *v, *c;
    if (!strcmp(t, "heading")) {
        int lv = (int)json_integer_value(json_object_get(b, "level"));
        w->row++;
        cell(w, 0, ism_json_getstr(b, "text"), w->h[lv >= 1 && lv <= 3 ? lv - 1 : 2]);
        w->row++;
    } else if (!strcmp(t, "paragraph")) {
        const char *st = ism_json_getstr(b, "style");
        cell(w, 0, ism_json_getstr(b, "text"), st && strcmp(st, "normal") ? w->note : w->wrap);
        w->row++;
    } else if (!strcmp(t, "list")) {
        bool ord = json_is_true(json_object_get(b, "ordered"));
        json_array_foreach(json_object_get(b, "items"), i, v)
        {
            char mark[16];
            snprintf(mark, sizeof mark, ord ? "%zu." : "・", i + 1);
            cell(w, 0, mark, w->wrap);
            cell(w, 1, json_string_value(v), w->wrap);
            w->row++;
        }
    } else if (!strcmp(t, "kv")) {
        json_array_foreach(json_object_get(b, "rows"), i, v)
        {
            cell(w, 0, json_string_value(json_array_get(v, 0)), w->head);
            cell(w, 1, json_string_value(json_array_get(v, 1)), w->wrap);
            w->row++;
        }
    } else if (!strcmp(t, "table")) {
        json_array_foreach(json_object_get(b, "columns"), i, c)
            cell(w, (int)i, ism_json_getstr(c, "title"), w->head);
        w->row++;
        json_array_foreach(json_object_get(b, "rows"), i, v)
        {
            json_array_foreach(v, k, c) cell(w, (int)k, json_string_value(c), w->wrap);
            w->row++;
        }
    }
    if (strcmp(t, "heading")) w->row++;
}

static lxw_format *fmt(lxw_workbook *wb, bool bold, double size, bool wrap, uint32_t fill)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, "Yu Gothic");
    format_set_font_size(f, size);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    if (bold) format_set_bold(f);
    if (wrap) format_set_text_wrap(f);
    if (fill) {
        format_set_bg_color(f, fill);
        format_set_border(f, LXW_BORDER_THIN);
    }
    return f;
}

bool ism_report_doc_xlsx_file(const json_t *doc, const char *path, ism_error *err)
{
    if (!ism_report_doc_check(doc, err)) return false;
    char *tmp = ism_strdupf("%s.tmp.%ld", path, (long)getpid());
    lxw_workbook *wb = workbook_new(tmp);
    if (!wb) {
        ism_error_set(err, ISM_E_IO, "cannot write %s", path);
        free(tmp);
        return false;
    }
    wsx w = {.ws = workbook_add_worksheet(wb, "計画書")};
    w.title = fmt(wb, true, 16, false, 0);
    w.h[0] = fmt(wb, true, 13, false, 0);
    w.h[1] = fmt(wb, true, 11.5, false, 0);
    w.h[2] = fmt(wb, true, 10.5, false, 0);
    w.head = fmt(wb, true, 10, true, 0xDCE6F1);
    w.wrap = fmt(wb, false, 10, true, 0);
    w.note = fmt(wb, false, 9, true, 0);
    format_set_font_color(w.note, 0x595959);
    /* The widest table decides the columns' widths (the model's fractions of ~160 chars). */
    double widths[16] = {0};
    size_t i, k;
    json_t *b, *c;
    json_array_foreach(json_object_get(doc, "blocks"), i, b)
    {
        json_array_foreach(json_object_get(b, "columns"), k, c)
        {
            double x = json_number_value(json_object_get(c, "width")) * 160;
            if (k < 16 && x > widths[k]) widths[k] = x;
        }
    }
    if (widths[0] < 18) widths[0] = 18;
    if (widths[1] < 60) widths[1] = 60;
    for (k = 0; k < 16; k++)
        if (widths[k] > 0) worksheet_set_column(w.ws, (lxw_col_t)k, (lxw_col_t)k, widths[k], NULL);
    cell(&w, 0, ism_json_getstr(doc, "title"), w.title);
    w.row++;
    if (ism_json_getstr(doc, "subtitle")) {
        cell(&w, 0, ism_json_getstr(doc, "subtitle"), w.h[1]);
        w.row++;
    }
    w.row++;
    const json_t *meta = json_object_get(doc, "meta");
    if (meta) {
        json_t *kv = json_pack("{s:s, s:O}", "type", "kv", "rows", meta);
        write_block(&w, kv);
        json_decref(kv);
    }
    json_array_foreach(json_object_get(doc, "blocks"), i, b) write_block(&w, b);
    if (ism_json_getstr(doc, "footer")) cell(&w, 0, ism_json_getstr(doc, "footer"), w.note);
    lxw_error e = workbook_close(wb);
    bool ok = !e && !w.failed;
    if (!ok)
        ism_error_set(err, ISM_E_INTERNAL, "writing the workbook: %s",
                      lxw_strerror(e ? e : w.failed));
    if (ok && rename(tmp, path) != 0) ok = ism_error_set(err, ISM_E_IO, "cannot write %s", path);
    if (!ok) unlink(tmp);
    free(tmp);
    return ok;
}
