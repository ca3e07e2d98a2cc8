/* ops_benchmark.c — the IPA 情報セキュリティ対策ベンチマーク self-assessment over the API:
 * benchmark.get (the 27 questions with their check points, the answers and the scores),
 * benchmark.answer (one answer or many, all or nothing) and benchmark.export (xlsx, json or
 * the radar chart as svg). Answers belong to an assessment or to a subject, named by exactly one
 * of the params "assessment" / "subject"; both are looked up in the caller's organization, so
 * another organization's target is not_found. Who may write: auditors and procurement officers
 * (the auditor answers for an audit, the procurement officer for a provider under screening);
 * viewers read. */
#include "ismap/evidence.h"
#include "ismap/matrix.h"
#include "ismap/report.h"
#include "ops.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define ALL ISM_ROLES_ALL
#define WRITE (ISM_ROLE_AUDITOR | ISM_ROLE_PROCUREMENT)

typedef struct target {
    const char *kind; /* "assessment" | "subject" */
    char id[128];
} target;

/* The target named by params, checked to exist in the caller's organization. */
static bool target_of(ism_rpc_call *call, const json_t *params, target *t, ism_error *err)
{
    const char *aid, *sid;
    if (!ism_json_str(params, "assessment", false, &aid, err) ||
        !ism_json_str(params, "subject", false, &sid, err))
        return false;
    if (!aid == !sid)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "give exactly one of 'assessment' and 'subject'");
    if (!call->app->catalogs)
        return ism_error_set(err, ISM_E_UNAVAILABLE, "catalogs are not loaded");
    json_t *row = aid ? ism_assessment_get(call->app->store, aid, ops_org_scope(call), err)
                      : ism_subject_get(call->app->store, sid, ops_org_scope(call), err);
    if (!row) return false;
    t->kind = aid ? "assessment" : "subject";
    ism_strlcpy(t->id, ism_json_getstr(row, "id"), sizeof t->id);
    json_decref(row);
    return true;
}

/* The scored view of a target, with the target named in it. */
static json_t *view_of(ism_rpc_call *call, const target *t, ism_error *err)
{
    json_t *ans = ism_benchmark_answers(call->app->store, t->kind, t->id, err);
    if (!ans) return NULL;
    json_t *v = ism_report_benchmark(call->app->catalogs, ans, err);
    json_decref(ans);
    if (v) json_object_set_new(v, "target", json_pack("{s:s, s:s}", "kind", t->kind, "id", t->id));
    return v;
}

OP(op_benchmark_get)
{
    target t;
    if (!target_of(call, params, &t, err)) return false;
    *result = view_of(call, &t, err);
    return *result != NULL;
}

OP(op_benchmark_answer)
{
    target t;
    if (!target_of(call, params, &t, err)) return false;
    /* One answer (question, value, note) or many (answers: [...]). */
    json_t *answers = json_object_get(params, "answers");
    bool one = json_object_get(params, "question") != NULL;
    if (one == (answers != NULL))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "give either 'answers' or 'question' with 'value'");
    json_t *list;
    if (one) {
        json_t *a = json_object();
        json_object_set(a, "question", json_object_get(params, "question"));
        if (json_object_get(params, "value"))
            json_object_set(a, "value", json_object_get(params, "value"));
        if (json_object_get(params, "note"))
            json_object_set(a, "note", json_object_get(params, "note"));
        list = json_pack("[o]", a);
    } else {
        list = json_incref(answers);
    }
    bool ok = ism_report_benchmark_check(call->app->catalogs, list, err);
    if (ok) {
        char now[32];
        ism_now_iso(now);
        const char *who = call->caller->local ? "local" : call->caller->token_id;
        ok = ism_benchmark_save(call->app->store, t.kind, t.id, list, who, now, err);
    }
    json_decref(list);
    if (!ok) return false;
    *result = view_of(call, &t, err);
    return *result != NULL;
}

OP(op_benchmark_export)
{
    target t;
    const char *fmt;
    if (!target_of(call, params, &t, err) || !ism_json_str(params, "format", true, &fmt, err))
        return false;
    const char *media, *ext;
    if (!strcmp(fmt, "xlsx"))
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ext = "xlsx";
    else if (!strcmp(fmt, "svg"))
        media = "image/svg+xml", ext = "svg";
    else if (!strcmp(fmt, "json"))
        media = "application/json", ext = "json";
    else
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'format' must be xlsx, json or svg");
    json_t *v = view_of(call, &t, err);
    if (!v) return false;
    size_t len = 0;
    char *data = NULL;
    if (!strcmp(fmt, "xlsx"))
        data = ism_report_benchmark_xlsx(v, &len, err);
    else if (!strcmp(fmt, "svg"))
        data = ism_report_benchmark_svg(v, &len, err);
    else if ((data = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL)
        len = strlen(data);
    json_decref(v);
    if (!data) return err->code ? false : ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    char sha[65];
    ism_sha256_hex(data, len, sha);
    char *enc = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)data, (int)len);
    char *name = ism_strdupf("%s-ipa-benchmark.%s", t.id, ext);
    *result = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "name", name, "format", fmt, "media_type",
                        media, "size", (json_int_t)len, "sha256", sha, "content_base64", enc);
    free(name);
    free(enc);
    free(data);
    return *result != NULL;
}

const ism_op ism_ops_benchmark[] = {
    {"benchmark.get", op_benchmark_get, ALL,
     "the IPA benchmark self-assessment of an assessment or a subject: 27 questions with "
     "their check points, the answers, scores per area and overall (params: assessment | "
     "subject)"},
    {"benchmark.answer", op_benchmark_answer, WRITE,
     "answers IPA benchmark questions 1–5, one (question, value, note) or many (answers: "
     "[{question, value, note}]), all or nothing; replies as benchmark.get (params: "
     "assessment | subject)"},
    {"benchmark.export", op_benchmark_export, ALL,
     "the IPA benchmark self-assessment as xlsx, json or svg (radar chart) (params: "
     "assessment | subject, format)"},
    {NULL, NULL, 0, NULL},
};
