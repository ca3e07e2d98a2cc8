/* cells.c — the text a spreadsheet cell may hold: neutralized against formula injection, kept
 * text when Excel would read a number, XML-safe and cut at Excel's limit with a mark. */
#include "ismap/readers.h"
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>

#define CELL_MAX 32000
static const char cut_mark[] = "…（以下省略）";

char *ism_report_cell_text(const char *s)
{
    if (!s) s = "";
    /* "+1" is data, but Excel would turn the text into the number 1; keep it text. */
    bool signed_number = (s[0] == '+' || s[0] == '-') && ism_text_is_number(s);
    char *n = signed_number ? ism_strdupf("'%s", s) : ism_text_neutralize(s);
    if (!n) return NULL;
    /* U+FFFE and U+FFFF are not XML characters: an XLSX holding one is damaged. */
    for (unsigned char *p = (unsigned char *)n;
         (p = (unsigned char *)strstr((char *)p, "\xEF\xBF"));)
        if (p[2] == 0xBE || p[2] == 0xBF)
            p[2] = 0xBD;
        else
            p += 2;
    if (strlen(n) <= CELL_MAX) return n;
    size_t cut = CELL_MAX - sizeof cut_mark;
    while (cut > 0 && ((unsigned char)n[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(n + cut, cut_mark, sizeof cut_mark);
    return n;
}
