/* ops_engagement.c — the auditor's engagement over the op table: the 監査実施計画書 (plan.*),
 * the 監査調書 (workpaper.*), the 監査報告書 from draft to an issued, signed document (report.*)
 * and the follow-up of its 改善勧告 in the next assessment (followup.get, remediation.update).
 * Auditors write; everyone of the organization reads, as with judgments. */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/matrix.h"
#include "ismap/report.h"
#include "ismap/snapshot.h"
#include "ops.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ALL ISM_ROLES_ALL
#define AUDITOR ISM_ROLE_AUDITOR
#define MAX_ATTACHMENT ((size_t)50 << 20)
#define ISSUED_FORMAT "ismap-assess/issued-report/1"

const char *ops_caller_name(const ism_rpc_call *call)
{
    if (call->caller->name[0]) return call->caller->name;
    return call->caller->local ? "local" : call->caller->token_id;
}

static bool today_of(const json_t *params, char out[11], ism_error *err)
{
    const char *t;
    if (!ism_json_str(params, "today", false, &t, err)) return false;
    if (t) {
        if (strlen(t) != 10 || t[4] != '-' || t[7] != '-')
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'today' must be YYYY-MM-DD");
        ism_strlcpy(out, t, 11);
        return true;
    }
    time_t now = time(NULL) + 9 * 3600; /* the users' calendar: Japan */
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
    return true;
}

static bool need(ism_rpc_call *call, ism_error *err)
{
    if (call->app->catalogs && call->app->checks) return true;
    return ism_error_set(err, ISM_E_UNAVAILABLE, "catalogs or checks are not loaded");
}

/* The assessment named by params.assessment in the caller's organization (new reference). */
static json_t *assessment_of(ism_rpc_call *call, const json_t *params, const char **aid,
                             ism_error *err)
{
    if (!ism_json_str(params, "assessment", true, aid, err)) return NULL;
    return ism_assessment_get(call->app->store, *aid, ops_org_scope(call), err);
}

/* The assessment row as documents print it: the subject by its name, with its id. */
static void subject_for_people(ism_rpc_call *call, json_t *a)
{
    json_t *sub = ism_subject_get(call->app->store, ism_json_getstr(a, "subject"),
                                  ism_json_getstr(a, "org"), NULL);
    if (sub)
        json_object_set_new(
            a, "subject",
            json_sprintf("%s (%s)", ism_json_getstr(sub, "name"), ism_json_getstr(sub, "id")));
    json_decref(sub);
}

static bool version_of(const json_t *params, long *expect, ism_error *err)
{
    json_int_t v = -1;
    if (!ism_json_int(params, "version", false, 0, 1000000000, &v, err)) return false;
    *expect = json_object_get(params, "version") ? (long)v : -1;
    return true;
}

static char *b64(const void *buf, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
    return out;
}

/* An export's reply: {name, format, media_type, size, sha256, content_base64}. */
static json_t *export_reply(const char *name, const char *format, const char *media,
                            const char *data, size_t len)
{
    char sha[65];
    ism_sha256_hex(data, len, sha);
    char *enc = b64(data, len);
    json_t *r =
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "name", name, "format", format, "media_type",
                  media, "size", (json_int_t)len, "sha256", sha, "content_base64", enc);
    free(enc);
    return r;
}

/* A document model rendered as an A4 PDF (ism_report_pdf). */
static json_t *pdf_export(const char *name, const json_t *doc, ism_error *err)
{
    size_t len = 0;
    char *pdf = ism_report_pdf(doc, &len, err);
    json_t *r = pdf ? export_reply(name, "pdf", "application/pdf", pdf, len) : NULL;
    free(pdf);
    return r;
}

static json_t *json_export(const char *name, const char *format, const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    char *t2 = ism_strdupf("%s\n", text ? text : "null");
    json_t *r = export_reply(name, format, "application/json", t2, strlen(t2));
    free(text);
    free(t2);
    return r;
}

/* An XLSX of a document, through a private temporary file in the data directory. */
static json_t *xlsx_export(ism_rpc_call *call, const char *name, const json_t *doc, ism_error *err)
{
    char *path = ism_strdupf("%s/export-XXXXXX.xlsx", call->app->data_dir);
    int fd = mkstemps(path, 5);
    json_t *r = NULL;
    if (fd < 0) {
        ism_error_set(err, ISM_E_IO, "cannot create a temporary file in %s", call->app->data_dir);
    } else {
        close(fd);
        size_t len = 0;
        char *data = ism_report_doc_xlsx_file(doc, path, err)
                         ? ism_read_file(path, (size_t)1 << 30, &len, err)
                         : NULL;
        if (data)
            r = export_reply(name, "xlsx",
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             data, len);
        free(data);
        unlink(path);
    }
    free(path);
    return r;
}

/* ---- the plan -------------------------------------------------------------------------------- */

OP(op_plan_get)
{
    const char *aid;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    *result = ism_plan_get(call->app->store, aid, err);
    return *result != NULL;
}

static bool frameworks_known(ism_rpc_call *call, const json_t *plan, ism_error *err)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(plan, "frameworks"), i, f)
    {
        json_t *r = ism_matrix_requirements(call->app->catalogs, json_string_value(f), err);
        if (!r) return false;
        json_decref(r);
    }
    return true;
}

OP(op_plan_update)
{
    const char *aid;
    long expect;
    if (!need(call, err) || !version_of(params, &expect, err)) return false;
    const json_t *patch = json_object_get(params, "plan");
    if (!json_is_object(patch))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'plan' (an object) is required");
    json_t *a = assessment_of(call, params, &aid, err);
    json_t *cur = a ? ism_plan_get(call->app->store, aid, err) : NULL;
    bool ok = cur != NULL;
    if (ok && strcmp(ism_json_getstr(cur, "state"), "draft"))
        ok = ism_error_set(err, ISM_E_CONFLICT,
                           "the plan of assessment %s is approved and can no longer be changed",
                           aid);
    json_t *base = NULL, *merged = NULL;
    if (ok) {
        /* A first plan starts from what the assessment already says. */
        base = json_deep_copy(json_object_get(cur, "plan"));
        if (json_integer_value(json_object_get(cur, "version")) == 0) {
            static const char *const keys[] = {"purpose", "theme", "scope", "auditee", "method"};
            const json_t *meta = json_object_get(a, "meta");
            for (size_t i = 0; i < 5; i++)
                if (ism_json_getstr(meta, keys[i]))
                    json_object_set(base, keys[i], json_object_get(meta, keys[i]));
            json_object_set(base, "frameworks", json_object_get(a, "frameworks"));
        }
        merged = ism_plan_merge(base, patch, err);
        ok = merged && frameworks_known(call, merged, err);
    }
    if (ok)
        *result = ism_plan_put(call->app->store, aid, merged, expect, ops_caller_name(call), err);
    json_decref(base);
    json_decref(merged);
    json_decref(cur);
    json_decref(a);
    return ok && *result;
}

OP(op_plan_approve)
{
    const char *aid;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    *result = ism_plan_approve(call->app->store, aid, ops_caller_name(call), err);
    return *result != NULL;
}

OP(op_plan_history)
{
    const char *aid;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    *result = ism_plan_history(call->app->store, aid, err);
    return *result != NULL;
}

static char *now_iso(void)
{
    char now[32];
    ism_now_iso(now);
    return strdup(now);
}

OP(op_plan_export)
{
    const char *aid, *fmt;
    if (!need(call, err) || !ism_json_str(params, "format", true, &fmt, err)) return false;
    json_t *a = assessment_of(call, params, &aid, err);
    json_t *row = a ? ism_plan_get(call->app->store, aid, err) : NULL;
    if (!row) {
        json_decref(a);
        return false;
    }
    subject_for_people(call, a);
    char *name = NULL;
    json_t *doc = NULL;
    if (!strcmp(fmt, "json")) {
        name = ism_strdupf("%s-plan.json", aid);
        *result = json_export(name, "json", row);
    } else if (!strcmp(fmt, "oscal")) {
        char *now = now_iso();
        json_t *o = ism_report_plan_oscal(row, a, call->app->catalogs, now, err);
        free(now);
        name = ism_strdupf("%s-plan.oscal.json", aid);
        if (o) *result = json_export(name, "oscal", o);
        json_decref(o);
    } else if (!strcmp(fmt, "doc") || !strcmp(fmt, "xlsx") || !strcmp(fmt, "html") ||
               !strcmp(fmt, "pdf")) {
        doc = ism_report_plan_doc(row, a, call->app->catalogs, err);
        if (doc && !strcmp(fmt, "pdf")) {
            name = ism_strdupf("%s-plan.pdf", aid);
            *result = pdf_export(name, doc, err);
        } else if (doc && !strcmp(fmt, "doc")) {
            name = ism_strdupf("%s-plan.doc.json", aid);
            *result = json_export(name, "doc", doc);
            if (*result) json_object_set(*result, "document", doc);
        } else if (doc && !strcmp(fmt, "xlsx")) {
            name = ism_strdupf("%s-plan.xlsx", aid);
            *result = xlsx_export(call, name, doc, err);
        } else if (doc) {
            size_t len = 0;
            char *html = ism_report_doc_html(doc, &len, err);
            name = ism_strdupf("%s-plan.html", aid);
            if (html)
                *result =
                    export_reply(name, "html", "application/xhtml+xml; charset=utf-8", html, len);
            free(html);
        }
    } else {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'format' must be pdf, doc, xlsx, json, oscal or html, not '%s'", fmt);
    }
    free(name);
    json_decref(doc);
    json_decref(row);
    json_decref(a);
    return *result != NULL;
}

/* ---- working papers ----------------------------------------------------------------------------
 */

/* One 監査資料 reference made exact: an evidence item of the caller's organization with its
 * file's SHA-256, or a finding of this assessment with its snapshot's SHA-256 and its own. */
static json_t *resolve_material(ism_rpc_call *call, const char *aid, const json_t *m, size_t i,
                                ism_error *err)
{
    const char *kind = ism_json_getstr(m, "kind");
    if (kind && !strcmp(kind, "evidence")) {
        const char *id = ism_json_getstr(m, "id");
        if (!id) {
            ism_error_set(err, ISM_E_INVALID_PARAMS, "materials[%zu] needs 'id'", i);
            return NULL;
        }
        json_t *ev = ism_evidence_get(call->app->store, id, ops_org_scope(call), err);
        if (!ev) {
            ism_error_set(err, ISM_E_NOT_FOUND, "materials[%zu]: no evidence with id %s", i, id);
            return NULL;
        }
        const json_t *src = json_object_get(ev, "source");
        json_t *o = json_pack(
            "{s:s, s:s, s:O?, s:O?, s:O?, s:O?}", "kind", "evidence", "id", id, "evidence_kind",
            json_object_get(ev, "kind"), "name", json_object_get(src, "name"), "sha256",
            json_object_get(src, "sha256"), "version", json_object_get(ev, "version"));
        json_decref(ev);
        return o;
    }
    if (kind && !strcmp(kind, "finding")) {
        const char *check = ism_json_getstr(m, "check"), *res = ism_json_getstr(m, "resource");
        if (!check || !res) {
            ism_error_set(err, ISM_E_INVALID_PARAMS, "materials[%zu] needs 'check' and 'resource'",
                          i);
            return NULL;
        }
        json_t *all = ism_findings_list(call->app->store, aid, NULL, check, 0, err);
        if (!all) return NULL;
        json_t *hit = NULL, *f;
        size_t k;
        json_array_foreach(all, k, f)
        {
            const char *rid = ism_json_getstr(f, "resource_id"), *arn = ism_json_getstr(f, "arn");
            if ((rid && !strcmp(rid, res)) || (arn && !strcmp(arn, res))) {
                hit = f;
                break;
            }
        }
        json_t *o = NULL;
        if (!hit) {
            ism_error_set(err, ISM_E_NOT_FOUND,
                          "materials[%zu]: no finding of check %s names resource '%s' in "
                          "assessment %s",
                          i, check, res, aid);
        } else {
            char *canon = json_dumps(hit, JSON_COMPACT | JSON_SORT_KEYS);
            char sha[65];
            ism_sha256_hex(canon, strlen(canon), sha);
            free(canon);
            const char *snap = ism_json_getstr(hit, "snapshot");
            json_t *srow = ism_snapshot_get(call->app->store, snap, "", NULL);
            o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s}", "kind", "finding", "check",
                          check, "resource", res, "snapshot", snap, "snapshot_sha256",
                          ism_json_getstr(srow, "sha256"), "status", ism_json_getstr(hit, "status"),
                          "sha256", sha);
            json_decref(srow);
        }
        json_decref(all);
        return o;
    }
    ism_error_set(err, ISM_E_INVALID_PARAMS,
                  "materials[%zu].kind must be evidence ({kind, id}) or finding ({kind, check, "
                  "resource})",
                  i);
    return NULL;
}

/* The latest paper's caller-writable fields (and its materials and attachments), or {}. */
static json_t *paper_base(ism_rpc_call *call, const char *aid, const char *cat, const char *item)
{
    ism_error e = {0};
    json_t *p = ism_workpaper_latest(call->app->store, aid, cat, item, &e);
    ism_error_clear(&e);
    if (!p) return json_object();
    static const char *const row_keys[] = {"id",      "assessment", "catalog", "item",
                                           "version", "by",         "at"};
    for (size_t i = 0; i < sizeof row_keys / sizeof *row_keys; i++)
        json_object_del(p, row_keys[i]);
    return p;
}

static bool item_known(ism_rpc_call *call, const json_t *params, const char **cat,
                       const char **item, ism_error *err)
{
    if (!ism_json_str(params, "catalog", true, cat, err) ||
        !ism_json_str(params, "item", true, item, err))
        return false;
    if (!ism_catalog_has(call->app->catalogs, *cat, *item))
        return ism_error_set(err, ISM_E_NOT_FOUND, "catalog %s has no item '%s'", *cat, *item);
    return true;
}

OP(op_workpaper_add)
{
    const char *aid, *cat, *item;
    char today[11];
    if (!need(call, err) || !item_known(call, params, &cat, &item, err) ||
        !today_of(params, today, err))
        return false;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    json_t *patch = json_deep_copy(params);
    static const char *const not_paper[] = {"assessment", "catalog", "item", "materials", "today"};
    for (size_t i = 0; i < sizeof not_paper / sizeof *not_paper; i++)
        json_object_del(patch, not_paper[i]);
    json_t *base = paper_base(call, aid, cat, item);
    json_t *paper = ism_workpaper_merge(base, patch, err);
    json_decref(patch);
    json_decref(base);
    if (!paper) return false;
    const json_t *mats = json_object_get(params, "materials");
    bool ok = true;
    if (mats) {
        json_t *resolved = json_array();
        size_t i;
        json_t *m;
        if (!json_is_array(mats))
            ok = ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'materials' must be a list");
        json_array_foreach(mats, i, m)
        {
            json_t *r = ok ? resolve_material(call, aid, m, i, err) : NULL;
            ok = ok && r;
            if (r) json_array_append_new(resolved, r);
        }
        json_object_set_new(paper, "materials", resolved);
    }
    if (!json_object_get(paper, "date")) json_object_set_new(paper, "date", json_string(today));
    if (ok)
        *result =
            ism_workpaper_add(call->app->store, aid, cat, item, paper, ops_caller_name(call), err);
    json_decref(paper);
    return ok && *result;
}

OP(op_workpaper_list)
{
    const char *aid;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    *result = ism_workpaper_list(call->app->store, aid, err);
    return *result != NULL;
}

OP(op_workpaper_history)
{
    const char *aid, *cat, *item;
    if (!ism_json_str(params, "catalog", true, &cat, err) ||
        !ism_json_str(params, "item", true, &item, err))
        return false;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    *result = ism_workpaper_history(call->app->store, aid, cat, item, err);
    return *result != NULL;
}

/* Strict base64 decode into a malloc'd buffer. */
static unsigned char *unb64(const char *s, size_t *len, ism_error *err)
{
    size_t n = strlen(s);
    char *clean = malloc(n + 4);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '-') c = '+';
        if (c == '_') c = '/';
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=')) {
            free(clean);
            ism_error_set(err, ISM_E_INVALID_PARAMS,
                          "field 'content_base64' is not base64 (byte %zu)", i);
            return NULL;
        }
        clean[k++] = c;
    }
    while (k % 4)
        clean[k++] = '=';
    clean[k] = 0;
    unsigned char *out = malloc(k / 4 * 3 + 1);
    int m = EVP_DecodeBlock(out, (unsigned char *)clean, (int)k);
    if (m < 0) {
        free(clean);
        free(out);
        ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'content_base64' is not base64");
        return NULL;
    }
    size_t pad = 0;
    for (size_t i = k; i > 0 && clean[i - 1] == '=' && pad < 2; i--)
        pad++;
    *len = (size_t)m - pad;
    free(clean);
    return out;
}

OP(op_workpaper_attach)
{
    const char *aid, *cat, *item, *name, *data, *media;
    if (!need(call, err) || !item_known(call, params, &cat, &item, err) ||
        !ism_json_str(params, "name", true, &name, err) ||
        !ism_json_str(params, "content_base64", true, &data, err) ||
        !ism_json_str(params, "media_type", false, &media, err))
        return false;
    if (!*name || strchr(name, '/') || strlen(name) > 200)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'name' must be a file name (1-200 bytes, no '/')");
    if (strlen(data) / 4 * 3 > MAX_ATTACHMENT)
        return ism_error_set(err, ISM_E_TOO_LARGE, "an attachment may be at most %zu bytes",
                             MAX_ATTACHMENT);
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    size_t len = 0;
    unsigned char *bytes = unb64(data, &len, err);
    if (!bytes) return false;
    /* The evidence room's store of originals: content-addressed, written once. */
    char *tmp = ism_strdupf("%s/attach-XXXXXX", call->app->data_dir);
    int fd = mkstemp(tmp);
    bool ok = fd >= 0;
    if (!ok)
        ism_error_set(err, ISM_E_IO, "cannot create a temporary file in %s", call->app->data_dir);
    size_t off = 0;
    while (ok && off < len) {
        ssize_t w = write(fd, bytes + off, len - off);
        if (w <= 0) ok = ism_error_set(err, ISM_E_IO, "writing %s", tmp);
        off += w > 0 ? (size_t)w : 0;
    }
    if (fd >= 0) close(fd);
    char sha[65] = "";
    long long size = 0;
    ok = ok && ism_evidence_store_file(call->app->files_dir, tmp, MAX_ATTACHMENT, sha, &size, err);
    if (fd >= 0) unlink(tmp);
    free(tmp);
    free(bytes);
    if (!ok) return false;
    json_t *paper = paper_base(call, aid, cat, item);
    json_t *att = json_object_get(paper, "attachments");
    if (!json_is_array(att)) json_object_set_new(paper, "attachments", att = json_array());
    json_array_append_new(att, json_pack("{s:s, s:s, s:I, s:s}", "name", name, "sha256", sha,
                                         "size", (json_int_t)size, "media_type",
                                         media ? media : "application/octet-stream"));
    char today[11];
    if (!json_object_get(paper, "date") && today_of(params, today, NULL))
        json_object_set_new(paper, "date", json_string(today));
    *result =
        ism_workpaper_add(call->app->store, aid, cat, item, paper, ops_caller_name(call), err);
    json_decref(paper);
    return *result != NULL;
}

/* ---- follow-up ----------------------------------------------------------------------------------
 */

static const char *rem_status_ja(const char *s)
{
    return !s                          ? "未着手"
           : !strcmp(s, "in_progress") ? "対応中"
           : !strcmp(s, "done")        ? "完了"
           : !strcmp(s, "accepted")    ? "リスク受容"
                                       : "未着手";
}

/* The requirement of matrix m named catalog:item, or NULL. */
static const json_t *req_of(const json_t *m, const char *cat, const char *item)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(m, "requirements"), i, r)
    {
        if (cat && item && !strcmp(ism_json_getstr(r, "catalog"), cat) &&
            !strcmp(ism_json_getstr(r, "item"), item))
            return r;
    }
    return NULL;
}

static bool has_source(const json_t *req, const char *src, const char *status)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(req, "reasons"), i, r)
    {
        if (strcmp(ism_json_getstr(r, "source") ? ism_json_getstr(r, "source") : "", src)) continue;
        if (!status ||
            !strcmp(ism_json_getstr(r, "status") ? ism_json_getstr(r, "status") : "", status))
            return true;
    }
    return false;
}

/* How a previous 改善勧告 stands now. For one drawn from failing checks: open while any of its
 * checks still fails; resolved by the new collection when each place (check, account, region)
 * where they failed was examined again; "not collected this time" when some was not (scope or
 * coverage changed). Otherwise (a judgment's, a document's): resolved by evidence or a judgment
 * when the requirement is now satisfied. */
static const char *resolution(const json_t *rec, const json_t *req, const json_t *prev_fail,
                              const json_t *now_fail, const json_t *coverage)
{
    if (!req) return "not_in_scope";
    const char *st = ism_json_getstr(req, "status");
    bool good =
        st && (!strcmp(st, "satisfied") || !strcmp(st, "not_applicable") || !strcmp(st, "waived"));
    bool by_evidence =
        has_source(req, "judgment", NULL) || has_source(req, "evidence", "satisfied");
    const json_t *checks = json_object_get(rec, "checks");
    if (!json_array_size(checks)) return good ? "resolved_by_evidence" : "open";
    size_t i, k;
    json_t *c, *f;
    bool still = false, uncovered = false;
    json_array_foreach(checks, k, c)
    {
        const char *check = json_string_value(c);
        if (!check) continue;
        json_array_foreach(now_fail, i, f) if (!strcmp(ism_json_getstr(f, "check"), check)) still =
            true;
        json_array_foreach(prev_fail, i, f)
        {
            if (strcmp(ism_json_getstr(f, "check"), check)) continue;
            const char *acc = ism_json_getstr(f, "account"), *reg = ism_json_getstr(f, "region");
            char *key = ism_strdupf("%s|%s|%s", check, acc ? acc : "", reg ? reg : "");
            if (!json_object_get(coverage, key)) uncovered = true;
            free(key);
        }
    }
    if (still) return good && by_evidence ? "resolved_by_evidence" : "open";
    if (uncovered) return good && by_evidence ? "resolved_by_evidence" : "not_collected";
    return "resolved_by_collection";
}

static const char *resolution_ja(const char *r)
{
    return !strcmp(r, "resolved_by_collection") ? "解消（今回の収集で確認）"
           : !strcmp(r, "resolved_by_evidence") ? "解消（証跡・判断で確認）"
           : !strcmp(r, "not_collected")        ? "今回未収集（範囲・対象の変更）"
           : !strcmp(r, "not_in_scope")         ? "今回の監査項目外"
                                                : "未解消";
}

/* {previous: {id, name, issued} | null, judgments: [前回の判断 (要再確認)], recommendations:
 * [...with plan and resolution]}. New reference, or NULL with err. */
static json_t *followup_of(ism_rpc_call *call, const char *aid, const json_t *m, const char *today,
                           ism_error *err)
{
    ism_error e = {0};
    char *prev = ism_assessment_previous(call->app->store, aid, &e);
    if (!prev) {
        if (e.code) {
            *err = e;
            return NULL;
        }
        return json_pack("{s:n, s:[], s:[]}", "previous", "judgments", "recommendations");
    }
    json_t *pa = ism_assessment_get(call->app->store, prev, "", err);
    json_t *rep = pa ? ism_engagement_report_get(call->app->store, prev, err) : NULL;
    json_t *pm = rep ? ops_matrix_of(call, prev, today, NULL, err) : NULL;
    json_t *pj = pm ? ism_judgment_latest(call->app->store, prev, err) : NULL;
    json_t *pf = pj ? ism_findings_list(call->app->store, prev, "fail", NULL, 0, err) : NULL;
    json_t *nf = pf ? ism_findings_list(call->app->store, aid, "fail", NULL, 0, err) : NULL;
    json_t *cov = nf ? ism_findings_coverage(call->app->store, aid, err) : NULL;
    json_t *rem = cov ? ism_remediation_list(call->app->store, prev, err) : NULL;
    json_t *out = NULL;
    if (rem) {
        json_t *judg = json_array(), *recs = json_array();
        const char *k;
        json_t *j;
        json_object_foreach(pj, k, j)
        {
            const json_t *now =
                req_of(m, ism_json_getstr(j, "catalog"), ism_json_getstr(j, "item"));
            json_t *c = json_deep_copy(j);
            json_object_set_new(c, "label", json_string("前回の判断 (要再確認)"));
            json_object_set_new(c, "previous_assessment", json_string(prev));
            json_object_set(c, "current_status",
                            now ? json_object_get(now, "status") : json_null());
            json_array_append_new(judg, c);
        }
        /* The 改善勧告 of the previous report: the issued draft's, else those it offered. */
        json_t *list =
            json_incref(json_object_get(json_object_get(rep, "draft"), "recommendations"));
        if (!list) {
            ism_report_engagement in = {.assessment = pa,
                                        .matrix = pm,
                                        .judgments = pj,
                                        .findings = pf,
                                        .catalogs = call->app->catalogs,
                                        .today = today};
            json_t *sum = ism_report_engagement_summary(&in, err);
            list = json_incref(json_object_get(sum, "suggested_recommendations"));
            json_decref(sum);
        }
        size_t i;
        json_t *r;
        json_array_foreach(list, i, r)
        {
            const char *id = ism_json_getstr(r, "id");
            char idbuf[32];
            if (!id) snprintf(idbuf, sizeof idbuf, "R%zu", i + 1), id = idbuf;
            const char *cat = ism_json_getstr(r, "catalog"), *item = ism_json_getstr(r, "item");
            const json_t *now = req_of(m, cat, item);
            const char *res = cat && item ? resolution(r, now, pf, nf, cov) : "open";
            const json_t *plan = json_object_get(rem, id);
            json_t *c = json_deep_copy(r);
            json_object_set_new(c, "id", json_string(id));
            json_object_set_new(
                c, "plan",
                json_pack("{s:O?, s:O?, s:s, s:s, s:O?}", "owner", json_object_get(plan, "owner"),
                          "due", json_object_get(plan, "due"), "status",
                          ism_json_getstr(plan, "status") ? ism_json_getstr(plan, "status")
                                                          : "open",
                          "status_ja", rem_status_ja(ism_json_getstr(plan, "status")), "note",
                          json_object_get(plan, "note")));
            json_object_set_new(c, "resolution", json_string(res));
            json_object_set_new(c, "resolution_ja", json_string(resolution_ja(res)));
            json_object_set(c, "current_status",
                            now ? json_object_get(now, "status") : json_null());
            json_object_set(c, "current_status_ja",
                            now ? json_object_get(now, "status_ja") : json_null());
            json_array_append_new(recs, c);
        }
        json_decref(list);
        out = json_pack("{s:{s:s, s:O?, s:O?}, s:o, s:o}", "previous", "id", prev, "name",
                        json_object_get(pa, "name"), "issued", json_object_get(rep, "issued"),
                        "judgments", judg, "recommendations", recs);
    }
    json_decref(rem);
    json_decref(cov);
    json_decref(nf);
    json_decref(pf);
    json_decref(pj);
    json_decref(pm);
    json_decref(rep);
    json_decref(pa);
    free(prev);
    return out;
}

OP(op_followup_get)
{
    const char *aid;
    char today[11];
    if (!need(call, err) || !today_of(params, today, err)) return false;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    json_t *m = ops_matrix_of(call, aid, today, NULL, err);
    if (m) *result = followup_of(call, aid, m, today, err);
    json_decref(m);
    return *result != NULL;
}

OP(op_remediation_update)
{
    const char *aid, *rec;
    if (!ism_json_str(params, "rec", true, &rec, err)) return false;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    json_t *upd = json_deep_copy(params);
    json_object_del(upd, "assessment");
    json_object_del(upd, "rec");
    const char *k;
    json_t *v;
    bool ok = true;
    json_object_foreach(upd, k, v) if (ok && strcmp(k, "owner") && strcmp(k, "due") &&
                                       strcmp(k, "status") && strcmp(k, "note")) ok =
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field '%s' is not one of owner, due, status, note", k);
    if (ok)
        *result = ism_remediation_set(call->app->store, aid, rec, upd, ops_caller_name(call), err);
    json_decref(upd);
    return ok && *result;
}

/* ---- the report --------------------------------------------------------------------------------
 */

/* Everything the report is made of, gathered from the rooms (owned). */
typedef struct gathered {
    json_t *a, *plan, *rep, *m, *findings, *judg, *papers, *waivers, *followup;
    char today[11];
} gathered;

static void gathered_free(gathered *g)
{
    json_t *all[] = {g->a,    g->plan,   g->rep,     g->m,       g->findings,
                     g->judg, g->papers, g->waivers, g->followup};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        json_decref(all[i]);
}

static bool gather(ism_rpc_call *call, const json_t *params, gathered *g, ism_error *err)
{
    memset(g, 0, sizeof *g);
    const char *aid;
    if (!need(call, err)) return false;
    /* The assessment first: another organization's is not found, whatever else is wrong. */
    g->a = assessment_of(call, params, &aid, err);
    g->m = g->a && today_of(params, g->today, err) ? ops_matrix_of(call, aid, g->today, NULL, err)
                                                   : NULL;
    g->plan = g->m ? ism_plan_get(call->app->store, aid, err) : NULL;
    g->rep = g->plan ? ism_engagement_report_get(call->app->store, aid, err) : NULL;
    g->findings = g->rep ? ism_findings_list(call->app->store, aid, "fail", NULL, 0, err) : NULL;
    g->judg = g->findings ? ism_judgment_latest(call->app->store, aid, err) : NULL;
    g->papers = g->judg ? ism_workpaper_list(call->app->store, aid, err) : NULL;
    g->waivers = g->papers
                     ? ism_waiver_list(call->app->store, ops_org_scope(call), aid, g->today, err)
                     : NULL;
    g->followup = g->waivers ? followup_of(call, aid, g->m, g->today, err) : NULL;
    if (!g->followup) {
        gathered_free(g);
        return false;
    }
    subject_for_people(call, g->a);
    return true;
}

static ism_report_engagement engagement_of(ism_rpc_call *call, const gathered *g,
                                           const json_t *draft, const char *issued, bool pub)
{
    return (ism_report_engagement){.assessment = g->a,
                                   .plan = g->plan,
                                   .draft = draft,
                                   .matrix = g->m,
                                   .findings = g->findings,
                                   .judgments = g->judg,
                                   .workpapers = g->papers,
                                   .waivers = g->waivers,
                                   .followup = g->followup,
                                   .catalogs = call->app->catalogs,
                                   .today = g->today,
                                   .issued = issued,
                                   .public_version = pub};
}

OP(op_report_draft_get)
{
    gathered g;
    if (!gather(call, params, &g, err)) return false;
    ism_report_engagement in =
        engagement_of(call, &g, json_object_get(g.rep, "draft"), NULL, false);
    json_t *sum = ism_report_engagement_summary(&in, err);
    if (sum) {
        *result = json_deep_copy(g.rep);
        json_object_set_new(*result, "summary", sum);
        json_object_set_new(*result, "redaction_rules", ism_report_redaction_rules());
        json_object_set(*result, "followup", g.followup);
    }
    gathered_free(&g);
    return *result != NULL;
}

OP(op_report_draft_update)
{
    const char *aid;
    long expect;
    if (!version_of(params, &expect, err)) return false;
    const json_t *patch = json_object_get(params, "draft");
    if (!json_is_object(patch))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'draft' (an object) is required");
    json_t *a = assessment_of(call, params, &aid, err);
    json_t *cur = a ? ism_engagement_report_get(call->app->store, aid, err) : NULL;
    bool ok = cur != NULL;
    if (ok && strcmp(ism_json_getstr(cur, "state"), "draft"))
        ok = ism_error_set(err, ISM_E_CONFLICT,
                           "the report of assessment %s is issued and can no longer be changed",
                           aid);
    json_t *merged = ok ? ism_report_draft_merge(json_object_get(cur, "draft"), patch, err) : NULL;
    if (merged)
        *result = ism_engagement_report_put(call->app->store, aid, merged, expect,
                                            ops_caller_name(call), err);
    json_decref(merged);
    json_decref(cur);
    json_decref(a);
    return merged && *result;
}

static char *statement_of(const char *aid, const char *sha)
{
    return ism_strdupf("ismap-assess issued report\n%s\n%s\n", aid, sha);
}

OP(op_report_issue)
{
    gathered g;
    if (!call->app->signer)
        return ism_error_set(err, ISM_E_UNAVAILABLE, "the installation has no signing key");
    if (!gather(call, params, &g, err)) return false;
    const char *aid = ism_json_getstr(g.a, "id");
    bool ok = true;
    if (strcmp(ism_json_getstr(g.rep, "state"), "draft"))
        ok = ism_error_set(err, ISM_E_CONFLICT, "the report of assessment %s is already issued",
                           aid);
    char issued[32];
    ism_now_iso(issued);
    /* The draft as issued: the report date defaults to the day of issue. */
    json_t *draft = json_deep_copy(json_object_get(g.rep, "draft"));
    if (!json_is_object(draft)) {
        json_decref(draft);
        draft = json_object();
    }
    if (!ism_json_getstr(draft, "report_date"))
        json_object_set_new(draft, "report_date", json_string(g.today));
    ism_report_engagement di = engagement_of(call, &g, draft, issued, false);
    ism_report_engagement pi = engagement_of(call, &g, draft, issued, true);
    json_t *det = ok ? ism_report_engagement_doc(&di, err) : NULL;
    json_t *pub = det ? ism_report_engagement_doc(&pi, err) : NULL;
    json_t *sum = pub ? ism_report_engagement_summary(&di, err) : NULL;
    ok = sum && ism_report_doc_check(det, err) && ism_report_doc_check(pub, err);
    json_t *body = NULL;
    char *canon = NULL, *sig = NULL, *stmt = NULL;
    char sha[65] = "";
    if (ok) {
        json_t *evidence =
            json_deep_copy(json_object_get(json_object_get(g.m, "provenance"), "evidence"));
        body = json_pack(
            "{s:s, s:s, s:s, s:s, s:O, s:O, s:{s:O, s:O, s:O}, s:O?, s:o, s:o, s:o, s:o}", "format",
            ISSUED_FORMAT, "assessment", aid, "issued", issued, "issued_by", ops_caller_name(call),
            "draft", draft, "provenance", json_object_get(g.m, "provenance"), "summary", "counts",
            json_object_get(sum, "counts"), "not_assessed", json_object_get(sum, "not_assessed"),
            "auditors", json_object_get(sum, "auditors"), "followup", g.followup, "evidence",
            evidence ? evidence : json_array(), "redaction_rules", ism_report_redaction_rules(),
            "detailed", json_incref(det), "public", json_incref(pub));
        canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
        ism_sha256_hex(canon, strlen(canon), sha);
        stmt = statement_of(aid, sha);
        sig = ism_signer_sign(call->app->signer, stmt, strlen(stmt), err);
        ok = sig != NULL;
    }
    if (ok)
        *result = ism_engagement_report_issue(call->app->store, aid, draft, canon, sha, sig, issued,
                                              ops_caller_name(call), err);
    free(canon);
    free(sig);
    free(stmt);
    json_decref(body);
    json_decref(sum);
    json_decref(det);
    json_decref(pub);
    json_decref(draft);
    gathered_free(&g);
    return ok && *result;
}

/* {ok, hash_matches, signature_valid, sha256, recorded_sha256, problem}. */
static json_t *verify_body(ism_rpc_call *call, const json_t *body, const char *recorded,
                           const char *sig)
{
    char *canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    char sha[65];
    ism_sha256_hex(canon ? canon : "", canon ? strlen(canon) : 0, sha);
    free(canon);
    const char *aid = ism_json_getstr(body, "assessment");
    bool hash_ok = recorded && !strcmp(sha, recorded);
    char *stmt = statement_of(aid ? aid : "", recorded ? recorded : "");
    bool sig_ok =
        sig && call->app->signer && ism_signer_verify(call->app->signer, stmt, strlen(stmt), sig);
    free(stmt);
    return json_pack("{s:s?, s:b, s:b, s:b, s:s, s:s?, s:s?}", "assessment", aid, "ok",
                     hash_ok && sig_ok, "hash_matches", hash_ok, "signature_valid", sig_ok,
                     "sha256", sha, "recorded_sha256", recorded, "problem",
                     !hash_ok  ? "the report's content does not match its recorded SHA-256: it "
                                 "was changed after it was issued"
                     : !sig_ok ? "the signature does not verify with this installation's key"
                               : NULL);
}

OP(op_report_verify)
{
    const json_t *doc = json_object_get(params, "document");
    if (doc) {
        /* An issued report as exported (format json): {body, sha256, signature}. */
        if (!json_is_object(doc) || !json_is_object(json_object_get(doc, "body")))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'document' must be an issued report as exported "
                                 "(report.export format json): {body, sha256, signature}");
        *result = verify_body(call, json_object_get(doc, "body"), ism_json_getstr(doc, "sha256"),
                              ism_json_getstr(doc, "signature"));
        return true;
    }
    const char *aid;
    json_t *a = assessment_of(call, params, &aid, err);
    if (!a) return false;
    json_decref(a);
    json_t *rep = ism_engagement_report_get(call->app->store, aid, err);
    char *text = rep ? ism_engagement_report_body(call->app->store, aid, err) : NULL;
    json_t *body = text ? json_loads(text, 0, NULL) : NULL;
    if (text && !body)
        *result = json_pack("{s:s, s:b, s:b, s:b, s:s}", "assessment", aid, "ok", 0, "hash_matches",
                            0, "signature_valid", 0, "problem",
                            "the stored report is not JSON any more: it was changed");
    else if (body)
        *result = verify_body(call, body, ism_json_getstr(rep, "sha256"),
                              ism_json_getstr(rep, "signature"));
    json_decref(body);
    free(text);
    json_decref(rep);
    return *result != NULL;
}

OP(op_report_export)
{
    const char *fmt, *ver;
    if (!ism_json_str(params, "format", true, &fmt, err) ||
        !ism_json_str(params, "version", false, &ver, err))
        return false;
    if (!ver) ver = "detailed";
    if (strcmp(ver, "detailed") && strcmp(ver, "public"))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'version' must be detailed (詳細版) or public (公開版)");
    if (strcmp(fmt, "doc") && strcmp(fmt, "html") && strcmp(fmt, "json") && strcmp(fmt, "oscal") &&
        strcmp(fmt, "pdf"))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'format' must be pdf, doc, html, json or oscal, not '%s'", fmt);
    bool pub = !strcmp(ver, "public");
    gathered g;
    if (!gather(call, params, &g, err)) return false;
    const char *aid = ism_json_getstr(g.a, "id");
    bool issued = !strcmp(ism_json_getstr(g.rep, "state"), "issued");
    json_t *body = NULL, *doc = NULL;
    if (issued) {
        char *text = ism_engagement_report_body(call->app->store, aid, err);
        body = text ? json_loads(text, 0, NULL) : NULL;
        free(text);
        if (body) doc = json_incref(json_object_get(body, ver));
        if (!doc && !err->code)
            ism_error_set(err, ISM_E_INTEGRITY, "the issued report of %s cannot be read", aid);
    } else if (strcmp(fmt, "oscal")) {
        ism_report_engagement in =
            engagement_of(call, &g, json_object_get(g.rep, "draft"), NULL, pub);
        doc = ism_report_engagement_doc(&in, err);
    }
    char *name = ism_strdupf("%s-report-%s%s", aid, ver,
                             !strcmp(fmt, "html")    ? ".html"
                             : !strcmp(fmt, "pdf")   ? ".pdf"
                             : !strcmp(fmt, "oscal") ? ".oscal.json"
                             : !strcmp(fmt, "doc")   ? ".doc.json"
                                                     : ".json");
    if (!strcmp(fmt, "oscal")) {
        ism_report_engagement in =
            engagement_of(call, &g, json_object_get(issued ? body : g.rep, "draft"),
                          issued ? ism_json_getstr(body, "issued") : NULL, pub);
        char *now = now_iso();
        json_t *o =
            ism_report_engagement_oscal(&in, issued ? ism_json_getstr(body, "issued") : now, err);
        free(now);
        if (o) *result = json_export(name, "oscal", o);
        json_decref(o);
    } else if (doc && !strcmp(fmt, "pdf")) {
        *result = pdf_export(name, doc, err);
    } else if (doc && !strcmp(fmt, "doc")) {
        *result = json_export(name, "doc", doc);
        if (*result) json_object_set(*result, "document", doc);
    } else if (doc && !strcmp(fmt, "html")) {
        size_t len = 0;
        char *html = ism_report_doc_html(doc, &len, err);
        if (html)
            *result = export_reply(name, "html", "application/xhtml+xml; charset=utf-8", html, len);
        free(html);
    } else if (doc) {
        /* json: the issued report with what verifies it, or the draft document. */
        json_t *v;
        if (issued) {
            char *pk = call->app->signer ? ism_signer_public(call->app->signer) : NULL;
            v = json_pack("{s:O, s:O, s:O, s:s?, s:s}", "body", body, "sha256",
                          json_object_get(g.rep, "sha256"), "signature",
                          json_object_get(g.rep, "signature"), "public_key", pk, "signed",
                          "ismap-assess issued report\\n<assessment>\\n<sha256>\\n (Ed25519)");
            free(pk);
        } else {
            v = json_pack("{s:s, s:s, s:O}", "state", "draft", "version", ver, "document", doc);
        }
        *result = json_export(name, "json", v);
        json_decref(v);
    }
    free(name);
    json_decref(doc);
    json_decref(body);
    gathered_free(&g);
    return *result != NULL;
}

const ism_op ism_ops_engagement[] = {
    {"plan.get", op_plan_get, ALL,
     "the 監査実施計画書 of an assessment, with its state and version (params: assessment)"},
    {"plan.update", op_plan_update, AUDITOR,
     "change the plan's fields until it is approved (params: assessment, plan {purpose, theme, "
     "scope, auditee, method, schedule, team, frameworks, items_note, standards, notes}, "
     "version)"},
    {"plan.approve", op_plan_approve, AUDITOR,
     "approve the plan: frozen from then on (params: assessment)"},
    {"plan.history", op_plan_history, ALL, "every version of the plan (params: assessment)"},
    {"plan.export", op_plan_export, ALL,
     "the plan as doc (the document model), xlsx, html, json or oscal (params: assessment, "
     "format)"},
    {"workpaper.add", op_workpaper_add, AUDITOR,
     "record a 監査調書 for an audit item, as its next version (params: assessment, catalog, "
     "item, procedures, materials [{kind: evidence, id} | {kind: finding, check, resource}], "
     "interviews, conclusion, result, date, internal)"},
    {"workpaper.list", op_workpaper_list, ALL,
     "the latest 監査調書 of each item (params: assessment)"},
    {"workpaper.history", op_workpaper_history, ALL,
     "every version of one item's 監査調書 (params: assessment, catalog, item)"},
    {"workpaper.attach", op_workpaper_attach, AUDITOR,
     "attach a file to an item's 監査調書, stored content-addressed (params: assessment, catalog, "
     "item, name, content_base64, media_type)"},
    {"report.draft.get", op_report_draft_get, ALL,
     "the 監査報告書's draft with the computed counts, the 改善勧告 offered as drafts, the "
     "未評価 items by reason, the follow-up and the 公開版's redaction rules (params: "
     "assessment, today)"},
    {"report.draft.update", op_report_draft_update, AUDITOR,
     "change the draft until the report is issued (params: assessment, draft {title, "
     "addressee, report_date, auditors, overall, commendable, recommendations, special_notes, "
     "redact_terms}, version)"},
    {"report.issue", op_report_issue, AUDITOR,
     "issue the report: frozen, hashed, signed with the installation key, with its provenance "
     "(params: assessment, today)"},
    {"report.verify", op_report_verify, ALL,
     "check an issued report's hash and signature (params: assessment | document)"},
    {"report.export", op_report_export, ALL,
     "the 監査報告書 (詳細版 or 公開版) as doc, html, json or oscal (params: assessment, format, "
     "version: detailed|public, today)"},
    {"followup.get", op_followup_get, ALL,
     "the previous assessment's judgments (前回の判断 (要再確認)) and 改善勧告 with their 改善計画 "
     "and whether each was resolved (params: assessment, today)"},
    {"remediation.update", op_remediation_update, AUDITOR,
     "set the 改善計画 of a 改善勧告 (params: assessment — the one whose report made it, rec, "
     "owner, due, status: open|in_progress|done|accepted, note)"},
    {NULL, NULL, 0, NULL},
};
