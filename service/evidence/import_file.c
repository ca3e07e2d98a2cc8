/* import_file.c — any document as evidence (a contract, an SLA, an audit report): the bytes are
 * kept content-addressed by SHA-256 under the files directory, once per content, and the item
 * records what the document is, who issued it, its date and how long it is valid. The name the
 * user gave is metadata only and never part of a path. */
#include "import_int.h"

#include <stdlib.h>
#include <string.h>

/* The largest document kept. The transport's message limit usually bites first. */
#define ISM_FILE_MAX_BYTES (48u << 20)

static const char *media_type(const char *d, size_t n)
{
    if (n >= 5 && !memcmp(d, "%PDF-", 5)) return "application/pdf";
    if (n >= 4 && !memcmp(d, "PK\x03\x04", 4)) return "application/zip (Office document?)";
    if (n >= 8 && !memcmp(d, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        return "application/x-ole-storage (legacy Office document)";
    if (n >= 3 && !memcmp(d, "\xFF\xD8\xFF", 3)) return "image/jpeg";
    if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1A\n", 8)) return "image/png";
    if (ism_text_utf8_valid(d, n < 4096 ? n : 4096, NULL)) return "text/plain";
    return "application/octet-stream";
}

/* Tokens of --about that name ISMAP items ("12.3.1", "ismap:12.3.1") or questionnaire rows
 * ("5-21", which stands for its ISMAP numbers). Other words stay description only. */
static json_t *about_items(const ism_import_ctx *ctx, const char *about)
{
    json_t *items = json_array();
    char *copy = strdup(about ? about : ""), *save = NULL;
    /* strtok splits at bytes, so the ideographic comma (3 bytes) becomes spaces first. */
    for (char *p = strstr(copy, "、"); p; p = strstr(p, "、"))
        memset(p, ' ', 3);
    for (char *t = strtok_r(copy, " ,;\n", &save); t; t = strtok_r(NULL, " ,;\n", &save)) {
        const char *id = !strncmp(t, "ismap:", 6) ? t + 6 : t;
        if (ism_catalog_has(ctx->catalogs, "ismap", id)) {
            json_array_append_new(items, json_string(id));
            continue;
        }
        json_t *row = ism_catalog_item(ctx->catalogs, "ismap-questionnaire", id, NULL);
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(json_object_get(row, "props"), "ismap_refs"), i, r)
            json_array_append(items, r);
        json_decref(row);
    }
    free(copy);
    return items;
}

static bool opt_date(const ism_import_ctx *ctx, ism_imp_log *lg, const char *key, char out[11])
{
    const char *v = ism_imp_opt(ctx, key);
    ism_imp_where w = {NULL, 0, 0, key};
    return v && ism_imp_text_date(lg, &w, v, out);
}

/* A file with the same content already current for this subject: say which, so a second copy
 * under another title is a choice, not an accident. */
static void note_duplicate(const ism_import_ctx *ctx, ism_imp_log *lg, const char *sha)
{
    ism_error e = {0};
    json_t *cur = ism_evidence_current(ctx->store, ctx->subject, "file", ctx->org, &e);
    size_t i;
    json_t *it;
    json_array_foreach(cur, i, it)
    {
        if (strcmp(ism_json_getstr(json_object_get(it, "source"), "sha256"), sha)) continue;
        ism_imp_warn(lg, NULL, ism_json_getstr(it, "title"), "same_content",
                     "the same content is already stored as %s ('%s'); it is kept once",
                     ism_json_getstr(it, "id"), ism_json_getstr(it, "title"));
    }
    json_decref(cur);
    ism_error_clear(&e);
}

json_t *ism_import_file(const ism_import_ctx *ctx, ism_error *err)
{
    if (ctx->len > ISM_FILE_MAX_BYTES) {
        ism_error_set(err, ISM_E_TOO_LARGE, "%s is %zu bytes; documents are kept up to %u bytes",
                      ctx->name, ctx->len, ISM_FILE_MAX_BYTES);
        return NULL;
    }
    if (!ctx->len) {
        ism_error_set(err, ISM_E_INVALID_DATA, "%s is empty", ctx->name);
        return NULL;
    }
    ism_imp_log lg;
    ism_imp_log_init(&lg, ctx->name);
    json_t *out = NULL, *data = NULL, *summary = NULL;
    const char *kind = ism_imp_opt(ctx, "kind") ? ism_imp_opt(ctx, "kind") : "other";
    if (strcmp(kind, "contract") && strcmp(kind, "sla") && strcmp(kind, "report") &&
        strcmp(kind, "other")) {
        ism_imp_where w = {NULL, 0, 0, "kind"};
        ism_imp_problem(&lg, &w, kind, "kind must be contract, sla, report or other");
    }
    const char *title = ism_imp_opt(ctx, "title") ? ism_imp_opt(ctx, "title") : ctx->name;
    char date[11] = "", until[11] = "", today[11], sha[65];
    bool has_date = opt_date(ctx, &lg, "date", date);
    bool has_until = opt_date(ctx, &lg, "valid_until", until);
    ism_imp_ctx_today(ctx, today);
    if (has_date && has_until && strcmp(until, date) < 0) {
        ism_imp_where w = {NULL, 0, 0, "valid_until"};
        ism_imp_problem(&lg, &w, until, "valid until %s is before the document's date %s", until,
                        date);
    }
    if (has_until && strcmp(today, until) > 0) {
        ism_imp_where w = {NULL, 0, 0, "valid_until"};
        ism_imp_warn(&lg, &w, until, "expired", "the document was valid until %s", until);
    }
    ism_sha256_hex(ctx->data, ctx->len, sha);
    note_duplicate(ctx, &lg, sha);
    if (ism_imp_failed(&lg, err)) goto done;
    const char *about = ism_imp_opt(ctx, "about");
    data = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:s, s:I, s:s}", "title", title,
                     "kind", kind, "date", has_date ? date : NULL, "issuer",
                     ism_imp_opt(ctx, "issuer"), "valid_until", has_until ? until : NULL, "about",
                     about, "about_items", about_items(ctx, about), "sha256", sha, "size",
                     (json_int_t)ctx->len, "media_type", media_type(ctx->data, ctx->len));
    summary = json_pack("{s:s, s:I, s:s}", "kind", kind, "size", (json_int_t)ctx->len, "media_type",
                        media_type(ctx->data, ctx->len));
    char *key = ism_strdupf("%s:%s", kind, title); /* the whole title: no cut mid-character */
    ism_evidence_new ev = {.kind = "file",
                           .key = key,
                           .title = title,
                           .valid_from = has_date ? date : NULL,
                           .valid_until = has_until ? until : NULL,
                           .data = data,
                           .summary = summary};
    out = ism_imp_store(ctx, &ev, &lg, err);
    free(key);
done:
    json_decref(data);
    json_decref(summary);
    ism_imp_log_free(&lg);
    return out;
}
