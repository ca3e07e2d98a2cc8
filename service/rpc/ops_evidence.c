/* ops_evidence.c — evidence ops: subjects, imports (the file's bytes travel base64 in the
 * request, so a remote ismapctl works like a local one), evidence listings with their
 * provenance, the ISMAP list lookup, and the procurement screening with its exports. */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/report.h"
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#define ALL ISM_ROLES_ALL
#define WRITE (ISM_ROLE_PROCUREMENT | ISM_ROLE_AUDITOR)

static const char *who(const ism_rpc_call *call)
{
    return call->caller->token_id[0] ? call->caller->token_id : "local";
}

static bool need_catalogs(ism_rpc_call *call, ism_error *err)
{
    return call->app->catalogs ? true
                               : ism_error_set(err, ISM_E_UNAVAILABLE, "no catalogs are loaded");
}

/* "today" for the rules: a date, or absent for today in Japan. */
static bool today_param(const json_t *params, const char **today, ism_error *err)
{
    if (!ism_json_str(params, "today", false, today, err)) return false;
    if (*today && (strlen(*today) != 10 || (*today)[4] != '-' || (*today)[7] != '-'))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'today' must be a date YYYY-MM-DD, not '%s'", *today);
    return true;
}

/* ---- base64 ---------------------------------------------------------------------------------- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Strict base64 (standard or URL alphabet; whitespace ignored; padding optional). */
static char *b64_decode(const char *in, size_t *len, ism_error *err)
{
    size_t n = strlen(in), o = 0;
    char *out = malloc(n / 4 * 3 + 4);
    if (!out) return ism_error_set(err, ISM_E_INTERNAL, "out of memory"), NULL;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad) {
            free(out);
            ism_error_set(err, ISM_E_INVALID_PARAMS,
                          "field 'content_base64' is not base64 (byte %zu)", i);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

static char *b64_encode(const char *data, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;
    if (!out) return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)data[i] << 16;
        if (i + 1 < len) v |= (unsigned char)data[i + 1] << 8;
        if (i + 2 < len) v |= (unsigned char)data[i + 2];
        *p++ = tbl[(v >> 18) & 63];
        *p++ = tbl[(v >> 12) & 63];
        *p++ = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        *p++ = i + 2 < len ? tbl[v & 63] : '=';
    }
    *p = '\0';
    return out;
}

/* ---- subjects ----------------------------------------------------------------------------------
 */

OP(op_subject_create)
{
    const char *org = ops_org_scope(call), *asked;
    if (!ism_json_str(params, "organization", false, &asked, err)) return false;
    /* An org-scoped token creates in its own org; an all-org caller may say which. */
    if (asked && *org && strcmp(asked, org))
        return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                             "a token of organization '%s' cannot create subjects for '%s'", org,
                             asked);
    *result = ism_subject_create(call->app->store, asked ? asked : org, params, who(call), err);
    return *result != NULL;
}

OP(op_subject_list)
{
    (void)params;
    *result = ism_subject_list(call->app->store, ops_org_scope(call), err);
    return *result != NULL;
}

OP(op_subject_show)
{
    const char *id;
    if (!ism_json_str(params, "subject", true, &id, err)) return false;
    json_t *s = ism_subject_get(call->app->store, id, ops_org_scope(call), err);
    if (!s) return false;
    json_t *ev = ism_evidence_list(call->app->store, ism_json_getstr(s, "id"), NULL, false,
                                   ops_org_scope(call), err);
    if (!ev) return json_decref(s), false;
    json_object_set_new(s, "evidence", ev);
    *result = s;
    return true;
}

/* ---- imports -----------------------------------------------------------------------------------
 */

/* The user's file name reduced to a safe base name: it is shown, never used as a path. Kept
 * whole (never cut in the middle of a character); a name that is not UTF-8 or is longer than
 * any file system allows is refused. Returns a malloc'd name, or NULL with err set. */
#define NAME_MAX_BYTES 1024
static char *base_name(const char *name, ism_error *err)
{
    const char *b = name ? name : "upload";
    for (const char *p = b; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    size_t n = strlen(b), bad = 0;
    if (!ism_text_utf8_valid(b, n, &bad)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'name' is not valid UTF-8 (byte %zu): send the file name as UTF-8",
                      bad);
        return NULL;
    }
    if (n > NAME_MAX_BYTES) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'name' is %zu bytes; a file name may have at most %d", n,
                      NAME_MAX_BYTES);
        return NULL;
    }
    char *out = malloc(n + 1);
    if (!out) return ism_error_set(err, ISM_E_INTERNAL, "out of memory"), NULL;
    size_t o = 0;
    for (const char *p = b; *p; p++)
        if ((unsigned char)*p >= 0x20 && *p != 0x7f) out[o++] = *p;
    out[o] = '\0';
    if (!o || !strcmp(out, ".") || !strcmp(out, "..")) {
        free(out);
        out = strdup("upload");
    }
    return out;
}

/* The subject an import belongs to, as its stored row (*subject; NULL for installation-wide
 * kinds). The caller releases *subject; its id and org are borrowed from it, never copied
 * into fixed buffers. */
static bool resolve_subject(ism_rpc_call *call, const ism_importer *im, const json_t *params,
                            json_t **subject, ism_error *err)
{
    const char *subj;
    *subject = NULL;
    if (!ism_json_str(params, "subject", im->needs_subject, &subj, err)) return false;
    if (!im->needs_subject) {
        if (subj)
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "'%s' evidence belongs to the installation, not to a subject",
                                 im->kind);
        return true;
    }
    *subject = ism_subject_get(call->app->store, subj, ops_org_scope(call), err);
    return *subject != NULL;
}

/* A word of --about that is shaped like an item id ("12.3.1", "ismap:9.4.2.2.B", "5-21"). */
static bool id_shaped(const char *t)
{
    if (!strncmp(t, "ismap:", 6)) t += 6;
    if (*t < '0' || *t > '9') return false;
    for (; *t; t++)
        if (!((*t >= '0' && *t <= '9') || (*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') ||
              *t == '.' || *t == '-'))
            return false;
    return true;
}

/* A document attached --about ids that name nothing would link nothing, silently: every
 * id-shaped word must be an ISMAP item or a questionnaire row, else the import is refused
 * naming them. Other words stay description. */
static bool check_about(ism_rpc_call *call, const json_t *options, ism_error *err)
{
    const char *about = ism_json_getstr(options, "about");
    if (!about) return true;
    char *copy = strdup(about), *save = NULL, *unknown = NULL;
    for (char *p = strstr(copy, "、"); p; p = strstr(p, "、"))
        memset(p, ' ', 3);
    for (char *t = strtok_r(copy, " ,;\n\t", &save); t; t = strtok_r(NULL, " ,;\n\t", &save)) {
        const char *id = !strncmp(t, "ismap:", 6) ? t + 6 : t;
        if (!id_shaped(t) || ism_catalog_has(call->app->catalogs, "ismap", id) ||
            ism_catalog_has(call->app->catalogs, "ismap-questionnaire", id))
            continue;
        char *n = ism_strdupf("%s%s%s", unknown ? unknown : "", unknown ? ", " : "", t);
        free(unknown);
        unknown = n;
    }
    free(copy);
    if (!unknown) return true;
    ism_error_set(err, ISM_E_INVALID_PARAMS,
                  "--about names ids that are neither ISMAP items (12.3.1, ismap:9.4.2.2.B) nor "
                  "questionnaire rows (5-21): %s; nothing was imported",
                  unknown);
    ism_error_detail(err, json_pack("{s:s, s:s}", "field", "about", "value", unknown));
    free(unknown);
    return false;
}

OP(op_evidence_import)
{
    const char *kind, *name, *b64, *today;
    json_t *options = json_object_get(params, "options");
    if (!need_catalogs(call, err) || !ism_json_str(params, "kind", true, &kind, err) ||
        !ism_json_str(params, "name", true, &name, err) ||
        !ism_json_str(params, "content_base64", true, &b64, err) ||
        !today_param(params, &today, err))
        return false;
    if (options && !json_is_object(options))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'options' must be an object");
    const ism_importer *im = ism_importer_find(kind);
    if (!im)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "no importer for '%s' (questionnaire, ismap-list, soc2, iso-cert, "
                             "soa, caiq, file)",
                             kind);
    if (!check_about(call, options, err)) return false;
    json_t *subj = NULL;
    if (!resolve_subject(call, im, params, &subj, err)) return false;
    char *base = base_name(name, err);
    if (!base) return json_decref(subj), false;
    size_t len = 0;
    char *data = b64_decode(b64, &len, err);
    if (!data) return free(base), json_decref(subj), false;
    const char *org = subj ? ism_json_getstr(subj, "org") : NULL;
    ism_import_ctx ctx = {.store = call->app->store,
                          .catalogs = call->app->catalogs,
                          .subject = subj ? ism_json_getstr(subj, "id") : NULL,
                          .org = org ? org : "",
                          .who = who(call),
                          .name = base,
                          .data = data,
                          .len = len,
                          .options = options,
                          .files_dir = call->app->files_dir,
                          .today = today};
    *result = im->fn(&ctx, err);
    if (*result)
        ism_logj(ISM_LOG_INFO, "evidence.imported",
                 json_pack("{s:s, s:s, s:s, s:I}", "kind", kind, "file", base, "by", who(call),
                           "bytes", (json_int_t)len),
                 "imported %s evidence from %s", kind, base);
    free(data);
    free(base);
    json_decref(subj);
    return *result != NULL;
}

OP(op_evidence_kinds)
{
    (void)call, (void)params, (void)err;
    json_t *arr = json_array();
    for (const ism_importer *im = ism_importers; im->kind; im++)
        json_array_append_new(arr, json_pack("{s:s, s:b, s:s}", "kind", im->kind, "needs_subject",
                                             im->needs_subject, "summary", im->summary));
    *result = arr;
    return true;
}

OP(op_evidence_list)
{
    const char *subj, *kind;
    bool all = false;
    if (!ism_json_str(params, "subject", false, &subj, err) ||
        !ism_json_str(params, "kind", false, &kind, err) ||
        !ism_json_bool(params, "all", false, &all, err))
        return false;
    const char *org = ops_org_scope(call), *sid = NULL;
    json_t *s = NULL;
    if (subj) {
        if (!(s = ism_subject_get(call->app->store, subj, org, err))) return false;
        sid = ism_json_getstr(s, "id");
    }
    /* Installation-wide evidence (the ISMAP list) is visible to every organization. */
    *result = ism_evidence_list(call->app->store, sid, kind, all, sid ? org : "", err);
    json_decref(s);
    return *result != NULL;
}

OP(op_evidence_show)
{
    const char *id;
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    json_t *ev = ism_evidence_get(call->app->store, id, ops_org_scope(call), err);
    if (!ev && err->code == ISM_E_NOT_FOUND) {
        /* Installation-wide items carry no org; anyone may read them. */
        ism_error e2 = {0};
        json_t *any = ism_evidence_get(call->app->store, id, "", &e2);
        ism_error_clear(&e2);
        if (any && json_is_null(json_object_get(any, "subject"))) {
            ism_error_clear(err);
            ev = any;
        } else {
            json_decref(any);
        }
    }
    *result = ev;
    return ev != NULL;
}

/* ---- ISMAP list and screening
 * -------------------------------------------------------------------- */

OP(op_ismap_list_lookup)
{
    const char *provider, *service, *today;
    if (!ism_json_str(params, "provider", true, &provider, err) ||
        !ism_json_str(params, "service", true, &service, err) || !today_param(params, &today, err))
        return false;
    *result = ism_ismap_list_lookup(call->app->store, provider, service, today, err);
    return *result != NULL;
}

OP(op_screening_get)
{
    const char *subj, *today;
    if (!need_catalogs(call, err) || !ism_json_str(params, "subject", true, &subj, err) ||
        !today_param(params, &today, err))
        return false;
    *result =
        ism_screening(call->app->store, call->app->catalogs, subj, ops_org_scope(call), today, err);
    return *result != NULL;
}

OP(op_screening_export)
{
    const char *subj, *today, *fmt_s;
    ism_screening_format fmt;
    if (!need_catalogs(call, err) || !ism_json_str(params, "subject", true, &subj, err) ||
        !today_param(params, &today, err) || !ism_json_str(params, "format", true, &fmt_s, err))
        return false;
    if (!ism_screening_format_parse(fmt_s, &fmt))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'format' must be csv, xlsx or json, not '%s'", fmt_s);
    json_t *scr =
        ism_screening(call->app->store, call->app->catalogs, subj, ops_org_scope(call), today, err);
    if (!scr) return false;
    char *out = NULL;
    size_t len = 0;
    bool ok = ism_screening_export(scr, fmt, call->app->data_dir, &out, &len, err);
    if (ok) {
        char sha[65], *b64 = b64_encode(out, len);
        ism_sha256_hex(out, len, sha);
        char *fname = ism_strdupf("screening-%s-%s.%s",
                                  ism_json_getstr(json_object_get(scr, "subject"), "id"),
                                  ism_json_getstr(scr, "today"), fmt_s);
        *result = json_pack("{s:s, s:s, s:I, s:s, s:s}", "format", fmt_s, "filename", fname, "size",
                            (json_int_t)len, "sha256", sha, "content_base64", b64 ? b64 : "");
        free(fname);
        free(b64);
    }
    free(out);
    json_decref(scr);
    return ok;
}

const ism_op ism_ops_evidence[] = {
    {"subject.create", op_subject_create, WRITE,
     "create a subject: a provider's service or a customer's workload (params: kind, name, "
     "provider, service_name, deployment_model, regions, environment, accounts, notes, "
     "organization)"},
    {"subject.list", op_subject_list, ALL, "subjects of the caller's organization"},
    {"subject.show", op_subject_show, ALL, "a subject with its current evidence (params: subject)"},
    {"evidence.kinds", op_evidence_kinds, ALL, "the importers and the formats they read"},
    {"evidence.import", op_evidence_import, WRITE,
     "import a file as evidence, all or nothing (params: kind, subject, name, content_base64, "
     "options, today)"},
    {"evidence.list", op_evidence_list, ALL,
     "evidence items with provenance (params: subject, kind, all: with superseded versions)"},
    {"evidence.show", op_evidence_show, ALL, "one evidence item with its data (params: id)"},
    {"ismap_list.lookup", op_ismap_list_lookup, ALL,
     "is a service on the ISMAP / ISMAP-LIU list, valid until when (params: provider, service, "
     "today)"},
    {"screening.get", op_screening_get, ALL,
     "the procurement screening of a subject (params: subject, today)"},
    {"screening.export", op_screening_export, ALL,
     "the screening as csv, xlsx or json, base64 (params: subject, format, today)"},
    {NULL, NULL, 0, NULL},
};
