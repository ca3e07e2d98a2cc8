/* test_engagement.c — the auditor's engagement without a daemon: the 公開版's redaction rules,
 * the plan's and the draft's field checks, the store's guarded writes (plan frozen once
 * approved, papers append-only, report frozen once issued), and the plan and report document
 * models checked against the document-model contract (docs/report-format.md) by a walk of
 * their own here, besides ism_report_doc_check, which must refuse broken documents. */
#include "ismap/catalog.h"
#include "ismap/matrix.h"
#include "ismap/report.h"
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static ism_store *st;
static ism_catalog_set *cs;

static void setup(void)
{
    dir = tu_tempdir("engage");
    char *p = tu_store_location(dir);
    ism_error e = {0};
    const ism_store_schema rooms[] = {*ism_matrix_schema(), *ism_engagement_schema()};
    st = ism_store_open_with(p, rooms, 2, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
    p = ism_strdupf("%s/catalog", tu_source_dir());
    cs = ism_catalog_load(p, &e);
    ck_assert_msg(cs != NULL, "%s", e.message);
    free(p);
}

static void teardown(void)
{
    ism_catalog_free(cs);
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

static void redacts(const char *in, const json_t *terms, const char *want)
{
    char *out = ism_report_redact(in, terms);
    ck_assert_msg(!strcmp(out, want), "redact(%s) = %s, want %s", in, out, want);
    free(out);
}

START_TEST(redaction_rules)
{
    redacts("arn:aws:iam::111122223333:root に鍵", NULL, "［ARN］ に鍵");
    redacts("アカウント 111122223333 と 4444555566667 (13桁)", NULL,
            "アカウント ［アカウントID］ と 4444555566667 (13桁)");
    redacts("SSH 0.0.0.0/0 と 10.1.2.3、fe80::1 から", NULL,
            "SSH ［IPアドレス］ と ［IPアドレス］、［IPアドレス］ から");
    /* Catalog numbers, dates and times are not addresses. */
    redacts("ISMAP 10.1.1.9.PB と 6.1.1.1.B、2026-12-05 10:00:00", NULL,
            "ISMAP 10.1.1.9.PB と 6.1.1.1.B、2026-12-05 10:00:00");
    redacts("i-0123456789abcdef0 と sg-0a1b2c3d4e5f", NULL, "［リソース名］ と ［リソース名］");
    json_t *terms = json_pack("[s, s]", "web-server-01", "sg-0a0000000000web1");
    redacts("web-server-01 の sg-0a0000000000web1 と web-server-011", terms,
            "［リソース名］ の ［リソース名］ と web-server-011");
    json_decref(terms);
    redacts("公開【内部】担当者 田中【/内部】です", NULL, "公開［非公開］です");
    redacts("閉じない【内部】以降すべて", NULL, "閉じない［非公開］");
    char *s = ism_report_strip_internal_marks("公開【内部】担当者【/内部】です");
    ck_assert_str_eq(s, "公開担当者です");
    free(s);
    json_t *rules = ism_report_redaction_rules();
    ck_assert_int_ge(json_array_size(rules), 5);
    json_decref(rules);
}
END_TEST

START_TEST(plan_and_draft_fields)
{
    ism_error e = {0};
    json_t *first = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s}]}", "purpose", "目的", "team", "name",
                              "山田", "role", "主任", "schedule", "phase", "本調査");
    json_t *p = ism_plan_merge(NULL, first, &e);
    json_decref(first);
    ck_assert_msg(p != NULL, "%s", e.message);
    json_t *patch = json_pack("{s:n, s:s}", "purpose", "theme", "テーマ");
    json_t *q = ism_plan_merge(p, patch, &e);
    ck_assert(q && !json_object_get(q, "purpose") && json_object_get(q, "team"));
    json_decref(patch);
    struct {
        const char *json, *says;
    } bad[] = {
        {"{\"budget\": \"1\"}", "no field 'budget'"},
        {"{\"purpose\": 1}", "'purpose' must be a string"},
        {"{\"team\": [{\"role\": \"x\"}]}", "team[0] needs 'name'"},
        {"{\"team\": [{\"name\": \"x\", \"age\": \"3\"}]}", "team[0] has an unknown field 'age'"},
        {"{\"schedule\": [{\"phase\": \"x\", \"from\": \"12/1\"}]}",
         "schedule[0].from must be a date"},
        {"{\"frameworks\": [1]}", "frameworks[0] must be a string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *b = json_loads(bad[i].json, 0, NULL);
        ism_error_clear(&e);
        json_t *r = ism_plan_merge(p, b, &e);
        ck_assert_msg(!r && e.code == ISM_E_INVALID_PARAMS && strstr(e.message, bad[i].says),
                      "%s: %s", bad[i].json, e.message);
        json_decref(b);
    }
    ism_error_clear(&e);
    json_t *d =
        json_pack("{s:[{s:s, s:s}]}", "recommendations", "text", "直す", "priority", "soon");
    ck_assert(!ism_report_draft_merge(NULL, d, &e) && strstr(e.message, "urgent"));
    json_decref(d);
    ism_error_clear(&e);
    d = json_pack("{s:s}", "report_date", "2026/12/05");
    ck_assert(!ism_report_draft_merge(NULL, d, &e) && strstr(e.message, "report_date"));
    json_decref(d);
    ism_error_clear(&e);
    d = json_pack("{s:s}", "result", "great");
    ck_assert(!ism_workpaper_merge(NULL, d, &e) && strstr(e.message, "result"));
    json_decref(d);
    ism_error_clear(&e);
    json_decref(p);
    json_decref(q);
}
END_TEST

static json_t *assessment(void)
{
    ism_error e = {0};
    json_t *fw = json_pack("[s]", "mic-cloud-addon"), *sn = json_array();
    json_t *a = ism_assessment_create(st, "org1", "subj_1", "令和8年度", fw, sn, "2026-12-01", NULL,
                                      "t", &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    json_decref(fw);
    json_decref(sn);
    return a;
}

START_TEST(store_guards)
{
    ism_error e = {0};
    json_t *a = assessment();
    const char *aid = ism_json_getstr(a, "id");
    json_t *p0 = ism_plan_get(st, aid, &e);
    ck_assert_int_eq(json_integer_value(json_object_get(p0, "version")), 0);
    json_decref(p0);
    ck_assert(!ism_plan_approve(st, aid, "山田", &e) && e.code == ISM_E_CONFLICT);
    ism_error_clear(&e);
    json_t *plan = json_pack("{s:s}", "theme", "クラウド");
    json_t *r = ism_plan_put(st, aid, plan, 0, "山田", &e);
    ck_assert_msg(r && json_integer_value(json_object_get(r, "version")) == 1, "%s", e.message);
    json_decref(r);
    /* A stale version is refused; -1 takes whatever is stored. */
    ck_assert(!ism_plan_put(st, aid, plan, 0, "佐藤", &e) && e.code == ISM_E_CONFLICT);
    ck_assert_msg(strstr(e.message, "version 1"), "%s", e.message);
    ism_error_clear(&e);
    r = ism_plan_put(st, aid, plan, -1, "佐藤", &e);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "version")), 2);
    json_decref(r);
    r = ism_plan_approve(st, aid, "CISO", &e);
    ck_assert_str_eq(ism_json_getstr(r, "state"), "approved");
    ck_assert_str_eq(ism_json_getstr(r, "approved_by"), "CISO");
    json_decref(r);
    ck_assert(!ism_plan_put(st, aid, plan, -1, "佐藤", &e) && e.code == ISM_E_CONFLICT);
    ck_assert_msg(strstr(e.message, "approved"), "%s", e.message);
    ism_error_clear(&e);
    json_t *h = ism_plan_history(st, aid, &e);
    ck_assert_int_eq(json_array_size(h), 3);
    ck_assert_str_eq(ism_json_getstr(json_array_get(h, 0), "action"), "approve");
    json_decref(h);
    json_decref(plan);

    /* Papers: each add is the next version; the history keeps them all. */
    for (int i = 1; i <= 3; i++) {
        json_t *paper = json_pack("{s:s}", "conclusion", i == 3 ? "最終" : "途中");
        r = ism_workpaper_add(st, aid, "mic-audit", "C-15", paper, "山田", &e);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "version")), i);
        json_decref(r);
        json_decref(paper);
    }
    json_t *paper = json_pack("{s:s}", "conclusion", "別項目");
    json_decref(ism_workpaper_add(st, aid, "mic-audit", "C-16", paper, "山田", &e));
    json_decref(paper);
    json_t *l = ism_workpaper_list(st, aid, &e);
    ck_assert_int_eq(json_array_size(l), 2);
    ck_assert_str_eq(ism_json_getstr(json_array_get(l, 0), "conclusion"), "最終");
    json_decref(l);
    h = ism_workpaper_history(st, aid, "mic-audit", "C-15", &e);
    ck_assert_int_eq(json_array_size(h), 3);
    json_decref(h);
    ck_assert(!ism_workpaper_latest(st, aid, "mic-audit", "C-17", &e) && e.code == ISM_E_NOT_FOUND);
    ism_error_clear(&e);

    /* The report: drafts until issued, then frozen. */
    json_t *d = json_pack("{s:s}", "overall", "概ね良好");
    r = ism_engagement_report_put(st, aid, d, 0, "山田", &e);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "version")), 1);
    json_decref(r);
    ck_assert(!ism_engagement_report_body(st, aid, &e) && e.code == ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    r = ism_engagement_report_issue(st, aid, d, "{\"x\":1}", "ab", "sig", "2026-12-05T00:00:00Z",
                                    "山田", &e);
    ck_assert_str_eq(ism_json_getstr(r, "state"), "issued");
    json_decref(r);
    ck_assert(!ism_engagement_report_issue(st, aid, d, "{}", "cd", "sig", "2026-12-06T00:00:00Z",
                                           "山田", &e) &&
              e.code == ISM_E_CONFLICT);
    ism_error_clear(&e);
    ck_assert(!ism_engagement_report_put(st, aid, d, -1, "山田", &e) && e.code == ISM_E_CONFLICT);
    ism_error_clear(&e);
    char *body = ism_engagement_report_body(st, aid, &e);
    ck_assert_str_eq(body, "{\"x\":1}");
    free(body);
    json_decref(d);

    /* 改善計画 and the previous assessment of the same subject. */
    json_t *upd = json_pack("{s:s, s:s}", "owner", "情報政策課", "due", "2027-03-31");
    r = ism_remediation_set(st, aid, "ismap:9.2.3", upd, "山田", &e);
    ck_assert_str_eq(ism_json_getstr(r, "status"), "open");
    json_decref(r);
    json_decref(upd);
    upd = json_pack("{s:s}", "status", "done");
    r = ism_remediation_set(st, aid, "ismap:9.2.3", upd, "山田", &e);
    ck_assert_str_eq(ism_json_getstr(r, "status"), "done");
    ck_assert_str_eq(ism_json_getstr(r, "owner"), "情報政策課");
    json_decref(r);
    json_decref(upd);
    upd = json_pack("{s:s}", "status", "finished");
    ck_assert(!ism_remediation_set(st, aid, "ismap:9.2.3", upd, "山田", &e));
    ism_error_clear(&e);
    json_decref(upd);
    json_t *b = assessment();
    char *prev = ism_assessment_previous(st, ism_json_getstr(b, "id"), &e);
    ck_assert_str_eq(prev, aid);
    free(prev);
    ck_assert(ism_assessment_previous(st, aid, &e) == NULL && e.code == ISM_OK);
    json_decref(b);
    json_decref(a);
}
END_TEST

/* ---- the document-model contract, walked independently of ism_report_doc_check -------------- */

static void contract(const json_t *doc)
{
    ck_assert(json_is_object(doc));
    ck_assert(json_is_string(json_object_get(doc, "title")));
    static const char *const top[] = {"title",  "subtitle", "lang",  "header",
                                      "footer", "meta",     "blocks"};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)doc, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof top / sizeof *top; i++)
            known = known || !strcmp(top[i], k);
        ck_assert_msg(known, "unknown top-level key %s", k);
    }
    size_t i, j, n;
    json_t *b, *r;
    json_array_foreach(json_object_get(doc, "meta"), i, r)
        ck_assert(json_array_size(r) == 2 && json_is_string(json_array_get(r, 1)));
    ck_assert(json_array_size(json_object_get(doc, "blocks")) > 0);
    json_array_foreach(json_object_get(doc, "blocks"), i, b)
    {
        const char *t = ism_json_getstr(b, "type");
        ck_assert_msg(t, "blocks[%zu] has no type", i);
        if (!strcmp(t, "heading")) {
            json_int_t lv = json_integer_value(json_object_get(b, "level"));
            ck_assert(lv >= 1 && lv <= 3 && ism_json_getstr(b, "text"));
        } else if (!strcmp(t, "paragraph")) {
            const char *s = ism_json_getstr(b, "style");
            ck_assert(ism_json_getstr(b, "text"));
            ck_assert(!s || !strcmp(s, "normal") || !strcmp(s, "note") || !strcmp(s, "small"));
        } else if (!strcmp(t, "list")) {
            json_array_foreach(json_object_get(b, "items"), j, r) ck_assert(json_is_string(r));
        } else if (!strcmp(t, "kv")) {
            json_array_foreach(json_object_get(b, "rows"), j, r) ck_assert(json_array_size(r) == 2);
        } else if (!strcmp(t, "table")) {
            const json_t *cols = json_object_get(b, "columns");
            double sum = 0;
            json_array_foreach(cols, j, r) sum += json_number_value(json_object_get(r, "width"));
            ck_assert_msg(sum <= 1.0, "blocks[%zu] widths sum to %f", i, sum);
            n = json_array_size(cols);
            ck_assert(n > 0);
            json_array_foreach(json_object_get(b, "rows"), j, r)
            {
                ck_assert_msg(json_array_size(r) == n, "blocks[%zu].rows[%zu]: %zu cells, not %zu",
                              i, j, json_array_size(r), n);
                size_t c;
                json_t *cell;
                json_array_foreach(r, c, cell) ck_assert(json_is_string(cell));
            }
        } else {
            ck_assert_msg(!strcmp(t, "page_break"), "blocks[%zu] type %s", i, t);
        }
    }
    ism_error e = {0};
    ck_assert_msg(ism_report_doc_check(doc, &e), "%s", e.message);
}

/* A matrix over the cloud add-on: one item failing a check (with the tenant's identifiers in
 * its failing examples), one satisfied, the rest not assessed. */
static json_t *matrix_fixture(void)
{
    ism_error e = {0};
    json_t *reqs = ism_matrix_requirements(cs, "mic-cloud-addon", &e);
    size_t i;
    json_t *r;
    json_array_foreach(reqs, i, r)
    {
        ism_req_status s = i == 0   ? ISM_REQ_NOT_SATISFIED
                           : i == 1 ? ISM_REQ_SATISFIED
                                    : ISM_REQ_NOT_ASSESSED;
        json_object_set_new(r, "status", json_string(ism_req_status_name(s)));
        json_object_set_new(r, "status_ja", json_string(ism_req_status_ja(s)));
        json_t *reasons = json_array();
        if (i == 0)
            json_array_append_new(
                reasons,
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:[{s:s, s:s, s:s}]}", "source",
                          "finding", "check", "aws-ec2-sg-admin-ports", "title", "管理ポート",
                          "severity", "high", "verdict", "fail", "fail", 1, "pass", 0,
                          "remediation", "該当ルールを削除する（10.0.0.0/8 は可）", "failing",
                          "account", "111122223333", "region", "ap-northeast-1", "resource_id",
                          "sg-0a0000000000web1"));
        if (i == 2)
            json_array_append_new(reasons, json_pack("{s:s, s:s, s:s, s:i}", "source", "finding",
                                                     "check", "aws-guardduty-enabled", "verdict",
                                                     "not_assessed", "not_assessed", 2));
        json_object_set_new(r, "reasons", reasons);
    }
    return json_pack("{s:o, s:s, s:{s:s, s:[{s:s, s:s}], s:[], s:[]}}", "requirements", reqs,
                     "assessment", "asmt_x", "provenance", "product", "ismap-assess test",
                     "snapshots", "id", "snap_1", "sha256",
                     "0000000000000000000000000000000000000000000000000000000000000000", "evidence",
                     "catalogs");
}

START_TEST(documents_follow_the_contract)
{
    ism_error e = {0};
    json_t *a = json_pack("{s:s, s:s, s:s, s:[s], s:{s:s}}", "id", "asmt_x", "name", "令和8年度",
                          "subject", "みなと市 (subj_1)", "frameworks", "mic-cloud-addon", "meta",
                          "auditee", "情報政策課");
    json_t *plan =
        json_pack("{s:s, s:s, s:i, s:{s:s, s:[{s:s, s:s}], s:[{s:s, s:s, s:s}], "
                  "s:[s, s], s:[s]}}",
                  "assessment", "asmt_x", "state", "draft", "version", 2, "plan", "purpose", "目的",
                  "team", "name", "山田花子", "role", "主任監査人", "schedule", "phase", "本調査",
                  "from", "2026-11-20", "to", "2026-11-27", "frameworks", "mic-cloud-addon",
                  "mic-beta", "standards", "ガイドライン");
    json_t *pd = ism_report_plan_doc(plan, a, cs, &e);
    ck_assert_msg(pd != NULL, "%s", e.message);
    contract(pd);
    char *text = json_dumps(pd, 0);
    ck_assert(strstr(text, "山田花子") && strstr(text, "本調査") && strstr(text, "情報政策課"));
    free(text);
    json_decref(pd);

    json_t *m = matrix_fixture();
    json_t *findings = json_pack(
        "[{s:s, s:s, s:s, s:s, s:s, s:s}]", "check", "aws-ec2-sg-admin-ports", "status", "fail",
        "account", "111122223333", "region", "ap-northeast-1", "resource_id", "sg-0a0000000000web1",
        "arn", "arn:aws:ec2:ap-northeast-1:111122223333:security-group/sg-0a0000000000web1");
    json_t *draft = json_pack(
        "{s:s, s:[s, {s:s, s:b}], s:[s]}", "overall",
        "概ね適切【内部】担当者の端末 192.168.10.5【/内部】", "commendable", "ログ保全", "text",
        "内部の評価", "internal", 1, "special_notes",
        "arn:aws:ec2:ap-northeast-1:111122223333:security-group/sg-0a0000000000web1 は移行中");
    json_t *papers = json_pack(
        "[{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}], s:[{s:s, s:s}]}]",
        "catalog", "mic-audit", "item", "C-15", "conclusion", "確認した", "materials", "kind",
        "evidence", "id", "ev_1", "name", "契約書.pdf", "sha256", "ab", "kind", "finding", "check",
        "aws-ec2-sg-admin-ports", "resource", "sg-0a0000000000web1", "snapshot", "snap_1", "sha256",
        "cd", "attachments", "name", "iam.png", "sha256", "ef");
    json_t *fu =
        json_pack("{s:{s:s, s:s}, s:[{s:s}], s:[{s:s, s:s, s:{s:s, s:s, s:s}, s:s, "
                  "s:s}]}",
                  "previous", "id", "asmt_prev", "name", "前回", "judgments", "item", "C-15",
                  "recommendations", "id", "mic-audit:C-15", "text", "111122223333 の SG を閉じる",
                  "plan", "owner", "情報政策課", "due", "2027-03-31", "status_ja", "対応中",
                  "resolution_ja", "今回未収集", "current_status_ja", "未評価");
    ism_report_engagement in = {.assessment = a,
                                .plan = plan,
                                .draft = draft,
                                .matrix = m,
                                .findings = findings,
                                .workpapers = papers,
                                .followup = fu,
                                .catalogs = cs,
                                .today = "2026-12-05"};
    json_t *det = ism_report_engagement_doc(&in, &e);
    ck_assert_msg(det != NULL, "%s", e.message);
    contract(det);
    in.public_version = true;
    json_t *pub = ism_report_engagement_doc(&in, &e);
    contract(pub);
    char *dt = json_dumps(det, 0), *pt = json_dumps(pub, 0);
    static const char *const secrets[] = {"111122223333", "arn:aws:",   "sg-0a0000000000web1",
                                          "192.168.10.5", "10.0.0.0/8", "内部の評価"};
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        ck_assert_msg(!strstr(pt, secrets[i]), "the 公開版 shows %s", secrets[i]);
        if (i < 2) ck_assert_msg(strstr(dt, secrets[i]) != NULL, "the 詳細版 lost %s", secrets[i]);
    }
    /* Full texts, 未評価 by reason, 改善勧告 offered (urgent: a high-severity check fails). */
    ck_assert(!strstr(dt, "…"));
    ck_assert(strstr(dt, "11.3 未評価の項目") && strstr(dt, "収集範囲外"));
    ck_assert(strstr(dt, "13.1 緊急改善事項") && strstr(dt, "該当ルールを削除する"));
    ck_assert(strstr(dt, "案 — 未発行"));
    ck_assert(strstr(dt, "フォローアップ") && strstr(dt, "iam.png") && strstr(dt, "契約書.pdf"));
    json_t *sum = ism_report_engagement_summary(&in, &e);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "assessed")), 2);
    ck_assert_int_eq(
        json_array_size(json_object_get(json_object_get(sum, "not_assessed"), "out_of_scope")), 1);
    const json_t *rec = json_array_get(json_object_get(sum, "suggested_recommendations"), 0);
    ck_assert_str_eq(ism_json_getstr(rec, "priority"), "urgent");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(rec, "checks"), 0)),
                     "aws-ec2-sg-admin-ports");
    json_decref(sum);
    /* Rendered as HTML and XLSX from the same model. */
    size_t len = 0;
    char *html = ism_report_doc_html(pub, &len, &e);
    ck_assert(html && len > 1000 && strstr(html, "公開版"));
    free(html);
    char *x = ism_strdupf("%s/doc.xlsx", dir);
    ck_assert_msg(ism_report_doc_xlsx_file(det, x, &e), "%s", e.message);
    free(x);
    json_t *oscal = ism_report_plan_oscal(plan, a, cs, "2026-12-05T00:00:00Z", &e);
    ck_assert(json_object_get(oscal, "assessment-plan"));
    json_decref(oscal);
    free(dt);
    free(pt);
    json_decref(det);
    json_decref(pub);
    json_decref(draft);
    json_decref(papers);
    json_decref(fu);
    json_decref(findings);
    json_decref(m);
    json_decref(plan);
    json_decref(a);
}
END_TEST

START_TEST(contract_check_refuses_broken_documents)
{
    struct {
        const char *doc, *says;
    } bad[] = {
        {"{\"blocks\": []}", "title"},
        {"{\"title\": \"t\", \"blocks\": [{\"type\": \"chart\"}]}", "blocks[0]"},
        {"{\"title\": \"t\", \"blocks\": [{\"type\": \"heading\", \"level\": 4, \"text\": \"x\"}]}",
         "\"level\" must be 1, 2 or 3"},
        {"{\"title\": \"t\", \"blocks\": [{\"type\": \"paragraph\", \"text\": \"x\"}, {\"type\": "
         "\"table\", \"columns\": [{\"title\": \"a\", \"width\": 0.5}, {\"title\": \"b\", "
         "\"width\": 0.4}], \"rows\": [[\"1\", \"2\"], [\"1\"]]}]}",
         "blocks[1].rows[1]"},
        {"{\"title\": \"t\", \"blocks\": [{\"type\": \"table\", \"columns\": [{\"title\": \"a\", "
         "\"width\": 0.7}, {\"title\": \"b\", \"width\": 0.4}], \"rows\": []}]}",
         "blocks[0]"},
        {"{\"title\": \"t\", \"colour\": \"red\", \"blocks\": []}", "colour"},
        {"{\"title\": \"t\", \"blocks\": [{\"type\": \"kv\", \"rows\": [[\"a\", 1]]}]}",
         "blocks[0].rows[0]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *d = json_loads(bad[i].doc, 0, NULL);
        ck_assert_msg(d, "fixture %zu", i);
        ism_error e = {0};
        ck_assert_msg(!ism_report_doc_check(d, &e) && e.code == ISM_E_INVALID_PARAMS &&
                          strstr(e.message, bad[i].says),
                      "%zu: %s", i, e.message);
        ism_error_clear(&e); /* the error's details (the path) are owned by it */
        json_decref(d);
    }
}
END_TEST

START_TEST(diff_says_why_not_collected)
{
    json_t *m = json_pack("{s:s, s:[]}", "assessment", "a", "requirements");
    json_t *fa = json_pack("[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}, "
                           "{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}]",
                           "check", "c1", "account", "A", "region", "r1", "resource_id", "x",
                           "status", "fail", "check", "c2", "account", "A", "region", "r1",
                           "resource_id", "y", "status", "fail", "check", "c1", "account", "A",
                           "region", "r2", "resource_id", "z", "status", "fail", "check", "c1",
                           "account", "B", "region", "r1", "resource_id", "w", "status", "fail");
    json_t *fb = json_array();
    /* b examined c1 in A/r1 (x now passes) only. */
    json_t *cov = json_pack("{s:b}", "c1|A|r1", 1);
    json_t *d = ism_matrix_diff(m, m, fa, fb, cov);
    ck_assert_int_eq(json_array_size(json_object_get(d, "findings_resolved")), 1);
    const json_t *nc = json_object_get(d, "findings_not_collected");
    ck_assert_int_eq(json_array_size(nc), 3);
    static const char *const want[][2] = {
        {"y", "check_not_examined"}, {"z", "region_not_collected"}, {"w", "account_not_collected"}};
    for (size_t k = 0; k < 3; k++) {
        bool seen = false;
        size_t i;
        json_t *f;
        json_array_foreach(nc, i, f) if (!strcmp(ism_json_getstr(f, "resource_id"), want[k][0]))
        {
            ck_assert_str_eq(ism_json_getstr(f, "why"), want[k][1]);
            seen = true;
        }
        ck_assert_msg(seen, "%s not in findings_not_collected", want[k][0]);
    }
    json_decref(d);
    json_decref(cov);
    json_decref(fa);
    json_decref(fb);
    json_decref(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engagement");
    TCase *tc = tcase_create("engagement");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, redaction_rules);
    tcase_add_test(tc, plan_and_draft_fields);
    tcase_add_test(tc, store_guards);
    tcase_add_test(tc, documents_follow_the_contract);
    tcase_add_test(tc, contract_check_refuses_broken_documents);
    tcase_add_test(tc, diff_says_why_not_collected);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
