/* provenance.c — the line every report carries to say where its matrix came from: product
 * version, snapshots with their SHA-256, evidence ids, catalog revisions and the checks'
 * version (the matrix's "provenance", set by the service when it builds the matrix). */
#include "ismap/report.h"

#include <stdio.h>
#include <stdlib.h>

char *ism_report_provenance_text(const json_t *matrix)
{
    const json_t *p = json_object_get(matrix, "provenance");
    if (!json_is_object(p)) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    const char *prod = ism_json_getstr(p, "product");
    fprintf(f, "製品 %s", prod ? prod : "ismap-assess (版不明)");
    size_t i;
    json_t *v;
    fputs("; スナップショット ", f);
    json_array_foreach(json_object_get(p, "snapshots"), i, v)
    {
        const char *sha = ism_json_getstr(v, "sha256");
        fprintf(f, "%s%s (sha256 %s)", i ? ", " : "", ism_json_getstr(v, "id"),
                sha ? sha : "未記録");
    }
    if (!json_array_size(json_object_get(p, "snapshots"))) fputs("なし", f);
    fputs("; 証跡 ", f);
    json_array_foreach(json_object_get(p, "evidence"), i, v)
        fprintf(f, "%s%s", i ? ", " : "", json_string_value(v));
    if (!json_array_size(json_object_get(p, "evidence"))) fputs("なし", f);
    fputs("; カタログ ", f);
    json_array_foreach(json_object_get(p, "catalogs"), i, v)
    {
        const char *rev = ism_json_getstr(v, "revision");
        fprintf(f, "%s%s %s", i ? ", " : "", ism_json_getstr(v, "id"), rev ? rev : "(版不明)");
    }
    const json_t *c = json_object_get(p, "checks");
    if (json_is_object(c))
        fprintf(f, "; チェック %lld 件 (sha256 %s)",
                (long long)json_integer_value(json_object_get(c, "checks")),
                ism_json_getstr(c, "sha256") ? ism_json_getstr(c, "sha256") : "?");
    fclose(f);
    return buf;
}
