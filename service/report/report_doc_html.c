/* report_doc_html.c — any document model (plan, 監査報告書) as one self-contained XHTML page:
 * the same blocks the PDF renderer lays out, with print CSS (A4, header rows repeated). */
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\n':
            fputs("<br/>", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void block(FILE *f, const json_t *b)
{
    const char *t = ism_json_getstr(b, "type");
    size_t i, k;
    json_t *v, *c;
    if (!strcmp(t, "heading")) {
        int lv = (int)json_integer_value(json_object_get(b, "level")) + 1;
        fprintf(f, "<h%d>", lv);
        esc(f, ism_json_getstr(b, "text"));
        fprintf(f, "</h%d>\n", lv);
    } else if (!strcmp(t, "paragraph")) {
        const char *st = ism_json_getstr(b, "style");
        fprintf(f, "<p class=\"%s\">", st ? st : "normal");
        esc(f, ism_json_getstr(b, "text"));
        fputs("</p>\n", f);
    } else if (!strcmp(t, "list")) {
        bool ord = json_is_true(json_object_get(b, "ordered"));
        fputs(ord ? "<ol>\n" : "<ul>\n", f);
        json_array_foreach(json_object_get(b, "items"), i, v)
        {
            fputs("<li>", f);
            esc(f, json_string_value(v));
            fputs("</li>\n", f);
        }
        fputs(ord ? "</ol>\n" : "</ul>\n", f);
    } else if (!strcmp(t, "kv")) {
        fputs("<table class=\"kv\">\n", f);
        json_array_foreach(json_object_get(b, "rows"), i, v)
        {
            fputs("<tr><th>", f);
            esc(f, json_string_value(json_array_get(v, 0)));
            fputs("</th><td>", f);
            esc(f, json_string_value(json_array_get(v, 1)));
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    } else if (!strcmp(t, "table")) {
        fputs("<table>\n<thead><tr>", f);
        json_array_foreach(json_object_get(b, "columns"), i, c)
        {
            fprintf(f, "<th style=\"width:%.0f%%\">",
                    100 * json_number_value(json_object_get(c, "width")));
            esc(f, ism_json_getstr(c, "title"));
            fputs("</th>", f);
        }
        fputs("</tr></thead>\n<tbody>\n", f);
        json_array_foreach(json_object_get(b, "rows"), i, v)
        {
            fputs("<tr>", f);
            json_array_foreach(v, k, c)
            {
                fputs("<td>", f);
                esc(f, json_string_value(c));
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n</table>\n", f);
    } else if (!strcmp(t, "page_break")) {
        fputs("<div class=\"page-break\"></div>\n", f);
    }
}

char *ism_report_doc_html(const json_t *doc, size_t *len, ism_error *err)
{
    if (!ism_report_doc_check(doc, err)) return NULL;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    const char *lang = ism_json_getstr(doc, "lang");
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
            "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"%s\">\n<head>\n"
            "<meta charset=\"UTF-8\"/>\n<title>",
            lang ? lang : "ja");
    esc(f, ism_json_getstr(doc, "title"));
    fputs("</title>\n<style>\n"
          "body { font-family: 'Noto Sans CJK JP', 'IPAexGothic', sans-serif; font-size: 10.5pt;"
          " max-width: 60em; margin: 2em auto; line-break: strict; }\n"
          "h1 { font-size: 18pt; text-align: center; } h2 { font-size: 14pt; border-bottom: 2px "
          "solid #1F3864; } h3 { font-size: 12pt; } h4 { font-size: 11pt; }\n"
          "table { border-collapse: collapse; width: 100%; margin: .5em 0; }\n"
          "th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: "
          "left; }\n thead th { background: #DCE6F1; } table.kv th { width: 25%; background: "
          "#F2F2F2; }\n"
          "p.note { color: #555; font-size: 9.5pt; } p.small { font-size: 8.5pt; }\n"
          ".subtitle { text-align: center; font-size: 12pt; } footer { margin-top: 3em; "
          "color: #666; font-size: 9pt; border-top: 1px solid #ccc; }\n"
          "@media print { @page { size: A4; margin: 20mm 15mm; } thead { display: "
          "table-header-group; } .page-break { page-break-after: always; } }\n"
          "</style>\n</head>\n<body>\n<h1>",
          f);
    esc(f, ism_json_getstr(doc, "title"));
    fputs("</h1>\n", f);
    if (ism_json_getstr(doc, "subtitle")) {
        fputs("<p class=\"subtitle\">", f);
        esc(f, ism_json_getstr(doc, "subtitle"));
        fputs("</p>\n", f);
    }
    const json_t *meta = json_object_get(doc, "meta");
    if (json_array_size(meta)) {
        json_t *b = json_pack("{s:s, s:O}", "type", "kv", "rows", meta);
        block(f, b);
        json_decref(b);
    }
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(doc, "blocks"), i, b) block(f, b);
    if (ism_json_getstr(doc, "footer")) {
        fputs("<footer>", f);
        esc(f, ism_json_getstr(doc, "footer"));
        fputs("</footer>\n", f);
    }
    fputs("</body>\n</html>\n", f);
    fclose(f);
    if (len) *len = n;
    return buf;
}
