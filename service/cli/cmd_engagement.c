/* cmd_engagement.c — ismapctl's commands for the auditor's engagement: the 監査実施計画書
 * (plan …), the 監査調書 (workpaper …), the 監査報告書 (report …) and the follow-up of its
 * 改善勧告 (followup, remediation set). Each is a thin layer over one op; --json prints the op's
 * result as it is. */
#include "cli.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char *catalog_of(const cli *c, const char *item)
{
    const char *cat = cli_opt(c, "catalog");
    if (cat) return cat;
    size_t n = strspn(item, "0123456789");
    if (item[n] == '\0') return "mic-audit";
    if (!strncmp(item, "C-", 2) && strspn(item + 2, "0123456789") == strlen(item + 2))
        return "mic-audit";
    if (!strncmp(item, "3.1", 3) && strchr(item, '-')) return "mic-audit";
    return "ismap";
}

static json_t *strings(const cli *c, const char *name)
{
    const json_t *v = json_object_get(c->opts, name);
    if (json_is_string(v)) return json_pack("[O]", v);
    return json_is_array(v) ? json_deep_copy(v) : NULL;
}

/* --file PATCH.json: a JSON object the other options are merged into. */
static json_t *patch_from_file(const cli *c, bool *bad)
{
    const char *f = cli_opt(c, "file");
    *bad = false;
    if (!f) return json_object();
    json_error_t je;
    json_t *v = json_load_file(f, 0, &je);
    if (!json_is_object(v)) {
        fprintf(stderr, "ismapctl: %s must hold a JSON object: %s\n", f,
                v ? "not an object" : je.text);
        json_decref(v);
        *bad = true;
        return NULL;
    }
    return v;
}

static void set_opt(json_t *p, const cli *c, const char *opt, const char *key)
{
    const char *v = cli_opt(c, opt);
    if (v) json_object_set_new(p, key, json_string(v));
}

static bool version_opt(const cli *c, json_t *params)
{
    long v;
    if (!cli_opt(c, "version")) return true;
    if (!cli_opt_int(c, "version", 0, 1000000000, &v)) return false;
    json_object_set_new(params, "version", json_integer(v));
    return true;
}

/* Splits "a:b:c" into at most n parts (the last keeps the rest). */
static int split(const char *s, char *parts[], int n)
{
    int k = 0;
    const char *p = s;
    while (k < n - 1) {
        const char *colon = strchr(p, ':');
        if (!colon) break;
        parts[k++] = strndup(p, (size_t)(colon - p));
        p = colon + 1;
    }
    parts[k++] = strdup(p);
    return k;
}

static void free_parts(char *parts[], int n)
{
    for (int i = 0; i < n; i++)
        free(parts[i]);
}

static int export_to(cli *c, const char *op, json_t *params)
{
    const char *out = cli_opt(c, "output");
    if (!out) {
        json_decref(params);
        fprintf(stderr, "ismapctl: this command needs -o FILE (or -o - for stdout)\n");
        return CLI_USAGE;
    }
    json_t *r;
    int rc = cli_call(c, op, params, &r);
    if (rc) return rc;
    rc = cli_write_export(c, r, out);
    json_decref(r);
    return rc;
}

/* ---- plan -------------------------------------------------------------------------------------
 */

static void print_plan(cli *c, const json_t *r)
{
    (void)c;
    const json_t *p = json_object_get(r, "plan");
    printf("plan of %s: %s, version %lld%s%s\n", ism_json_getstr(r, "assessment"),
           !strcmp(ism_json_getstr(r, "state"), "approved") ? "approved (承認済)" : "draft (案)",
           (long long)json_integer_value(json_object_get(r, "version")),
           ism_json_getstr(r, "approved_by") ? " by " : "",
           ism_json_getstr(r, "approved_by") ? ism_json_getstr(r, "approved_by") : "");
    static const char *const k[][2] = {{"purpose", "監査目的"},
                                       {"theme", "監査テーマ"},
                                       {"scope", "監査範囲"},
                                       {"auditee", "被監査部門"},
                                       {"method", "監査方法"}};
    for (size_t i = 0; i < 5; i++)
        printf("  %s: %s\n", k[i][1],
               ism_json_getstr(p, k[i][0]) ? ism_json_getstr(p, k[i][0]) : "（未記入）");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(p, "schedule"), i, v)
        printf("  日程: %s %s〜%s\n", ism_json_getstr(v, "phase"),
               ism_json_getstr(v, "from") ? ism_json_getstr(v, "from") : "",
               ism_json_getstr(v, "to") ? ism_json_getstr(v, "to") : "");
    json_array_foreach(json_object_get(p, "team"), i, v) printf(
        "  体制: %s%s%s\n", ism_json_getstr(v, "name"), ism_json_getstr(v, "role") ? " — " : "",
        ism_json_getstr(v, "role") ? ism_json_getstr(v, "role") : "");
    char *fw = json_dumps(json_object_get(p, "frameworks"), JSON_COMPACT);
    printf("  監査項目: %s\n", fw ? fw : "[]");
    free(fw);
    json_array_foreach(json_object_get(p, "standards"), i, v)
        printf("  適用基準: %s\n", json_string_value(v));
}

static int cmd_plan_show(cli *c)
{
    json_t *r;
    bool hist = cli_flag(c, "history");
    int rc = cli_call(c, hist ? "plan.history" : "plan.get",
                      json_pack("{s:s}", "assessment", c->args[0]), &r);
    if (rc) return rc;
    if (hist && !c->json) {
        size_t i;
        json_t *v;
        json_array_foreach(r, i, v)
            printf("version %lld  %-8s %s  %s\n",
                   (long long)json_integer_value(json_object_get(v, "version")),
                   ism_json_getstr(v, "action"), ism_json_getstr(v, "at"),
                   ism_json_getstr(v, "by") ? ism_json_getstr(v, "by") : "");
        json_decref(r);
        return CLI_OK;
    }
    return cli_print(c, r, print_plan);
}

static int cmd_plan_set(cli *c)
{
    bool bad;
    json_t *plan = patch_from_file(c, &bad);
    if (bad) return CLI_USAGE;
    static const char *const simple[][2] = {{"title", "title"},          {"purpose", "purpose"},
                                            {"theme", "theme"},          {"scope", "scope"},
                                            {"auditee", "auditee"},      {"method", "method"},
                                            {"items-note", "items_note"}};
    for (size_t i = 0; i < sizeof simple / sizeof *simple; i++)
        set_opt(plan, c, simple[i][0], simple[i][1]);
    const char *fw = cli_opt(c, "frameworks");
    if (fw) {
        json_t *arr = json_array();
        char *copy = strdup(fw), *save = NULL;
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
            json_array_append_new(arr, json_string(t));
        free(copy);
        json_object_set_new(plan, "frameworks", arr);
    }
    json_t *std = strings(c, "standard");
    if (std) json_object_set_new(plan, "standards", std);
    json_t *members = strings(c, "member"), *phases = strings(c, "phase");
    size_t i;
    json_t *v;
    if (members) {
        json_t *team = json_array();
        json_array_foreach(members, i, v)
        {
            char *p[3];
            int n = split(json_string_value(v), p, 3);
            json_array_append_new(team, json_pack("{s:s, s:s?, s:s?}", "name", p[0], "role",
                                                  n > 1 && *p[1] ? p[1] : NULL, "organization",
                                                  n > 2 && *p[2] ? p[2] : NULL));
            free_parts(p, n);
        }
        json_object_set_new(plan, "team", team);
        json_decref(members);
    }
    if (phases) {
        json_t *sched = json_array();
        json_array_foreach(phases, i, v)
        {
            char *p[3];
            int n = split(json_string_value(v), p, 3);
            json_array_append_new(sched, json_pack("{s:s, s:s?, s:s?}", "phase", p[0], "from",
                                                   n > 1 && *p[1] ? p[1] : NULL, "to",
                                                   n > 2 && *p[2] ? p[2] : NULL));
            free_parts(p, n);
        }
        json_object_set_new(plan, "schedule", sched);
        json_decref(phases);
    }
    json_t *params = json_pack("{s:s, s:o}", "assessment", c->args[0], "plan", plan);
    if (!version_opt(c, params)) {
        json_decref(params);
        return CLI_USAGE;
    }
    json_t *r;
    int rc = cli_call(c, "plan.update", params, &r);
    if (rc) return rc;
    return cli_print(c, r, print_plan);
}

static int cmd_plan_approve(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "plan.approve", json_pack("{s:s}", "assessment", c->args[0]), &r);
    if (rc) return rc;
    return cli_print(c, r, print_plan);
}

static int cmd_plan_export(cli *c)
{
    const char *fmt = cli_opt(c, "format");
    if (!fmt) {
        fprintf(stderr, "ismapctl: plan export needs --format pdf|xlsx|html|doc|json|oscal\n");
        return CLI_USAGE;
    }
    return export_to(c, "plan.export",
                     json_pack("{s:s, s:s}", "assessment", c->args[0], "format", fmt));
}

/* ---- working papers ---------------------------------------------------------------------------
 */

static void print_paper(cli *c, const json_t *r)
{
    (void)c;
    printf("%s %s version %lld by %s (%s)\n", ism_json_getstr(r, "catalog"),
           ism_json_getstr(r, "item"), (long long)json_integer_value(json_object_get(r, "version")),
           ism_json_getstr(r, "by") ? ism_json_getstr(r, "by") : "",
           ism_json_getstr(r, "date") ? ism_json_getstr(r, "date") : "");
    if (ism_json_getstr(r, "procedures"))
        printf("  実施手続: %s\n", ism_json_getstr(r, "procedures"));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(r, "materials"), i, m)
    {
        const char *kind = ism_json_getstr(m, "kind");
        if (!strcmp(kind, "evidence"))
            printf("  監査資料: 証跡 %s %s sha256:%s\n", ism_json_getstr(m, "id"),
                   ism_json_getstr(m, "name") ? ism_json_getstr(m, "name") : "",
                   ism_json_getstr(m, "sha256") ? ism_json_getstr(m, "sha256") : "-");
        else
            printf("  監査資料: 検出結果 %s %s (snapshot %s sha256:%s)\n",
                   ism_json_getstr(m, "check"), ism_json_getstr(m, "resource"),
                   ism_json_getstr(m, "snapshot"),
                   ism_json_getstr(m, "snapshot_sha256") ? ism_json_getstr(m, "snapshot_sha256")
                                                         : "-");
    }
    json_array_foreach(json_object_get(r, "interviews"), i, m)
        printf("  インタビュー: %s — %s\n", ism_json_getstr(m, "interviewee"),
               ism_json_getstr(m, "summary") ? ism_json_getstr(m, "summary") : "");
    json_array_foreach(json_object_get(r, "attachments"), i, m)
        printf("  添付: %s sha256:%s\n", ism_json_getstr(m, "name"), ism_json_getstr(m, "sha256"));
    if (ism_json_getstr(r, "conclusion")) printf("  結論: %s\n", ism_json_getstr(r, "conclusion"));
}

static int cmd_workpaper_add(cli *c)
{
    json_t *p = json_pack("{s:s, s:s, s:s}", "assessment", c->args[0], "catalog",
                          catalog_of(c, c->args[1]), "item", c->args[1]);
    set_opt(p, c, "procedures", "procedures");
    set_opt(p, c, "conclusion", "conclusion");
    set_opt(p, c, "date", "date");
    if (cli_flag(c, "internal")) json_object_set_new(p, "internal", json_true());
    bool bad = false;
    const char *res = cli_opt_vocab(c, "result", CLI_VOCAB_JUDGMENT, &bad);
    if (bad) {
        json_decref(p);
        return CLI_USAGE;
    }
    if (res) json_object_set_new(p, "result", json_string(res));
    json_t *ev = strings(c, "evidence"), *fi = strings(c, "finding"), *iv = strings(c, "interview");
    size_t i;
    json_t *v;
    if (ev || fi) {
        json_t *mats = json_array();
        json_array_foreach(ev, i, v)
            json_array_append_new(mats, json_pack("{s:s, s:O}", "kind", "evidence", "id", v));
        json_array_foreach(fi, i, v)
        {
            const char *s = json_string_value(v), *eq = strchr(s, '=');
            if (!eq) {
                fprintf(stderr, "ismapctl: --finding takes CHECK=RESOURCE, not '%s'\n", s);
                bad = true;
                break;
            }
            json_array_append_new(mats, json_pack("{s:s, s:s%, s:s}", "kind", "finding", "check", s,
                                                  (size_t)(eq - s), "resource", eq + 1));
        }
        json_object_set_new(p, "materials", mats);
    }
    if (iv) {
        json_t *list = json_array();
        json_array_foreach(iv, i, v)
        {
            char *parts[2];
            int n = split(json_string_value(v), parts, 2);
            json_array_append_new(list, json_pack("{s:s, s:s?}", "interviewee", parts[0], "summary",
                                                  n > 1 ? parts[1] : NULL));
            free_parts(parts, n);
        }
        json_object_set_new(p, "interviews", list);
    }
    json_decref(ev);
    json_decref(fi);
    json_decref(iv);
    if (bad) {
        json_decref(p);
        return CLI_USAGE;
    }
    json_t *r;
    int rc = cli_call(c, "workpaper.add", p, &r);
    if (rc) return rc;
    return cli_print(c, r, print_paper);
}

static void print_papers(cli *c, const json_t *r)
{
    size_t i;
    json_t *v;
    json_array_foreach(r, i, v) print_paper(c, v);
    if (!json_array_size(r)) printf("no working papers\n");
}

static int cmd_workpaper_list(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "workpaper.list", json_pack("{s:s}", "assessment", c->args[0]), &r);
    if (rc) return rc;
    return cli_print(c, r, print_papers);
}

static int cmd_workpaper_history(cli *c)
{
    json_t *r;
    int rc = cli_call(c, "workpaper.history",
                      json_pack("{s:s, s:s, s:s}", "assessment", c->args[0], "catalog",
                                catalog_of(c, c->args[1]), "item", c->args[1]),
                      &r);
    if (rc) return rc;
    return cli_print(c, r, print_papers);
}

static int cmd_workpaper_attach(cli *c)
{
    const char *path = c->args[2];
    ism_error e = {0};
    size_t len = 0;
    char *data = ism_read_file(path, (size_t)50 << 20, &len, &e);
    if (!data) {
        fprintf(stderr, "ismapctl: %s\n", e.message);
        ism_error_clear(&e);
        return CLI_USAGE;
    }
    char *b64 = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)data, (int)len);
    free(data);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "assessment", c->args[0], "catalog",
                          catalog_of(c, c->args[1]), "item", c->args[1], "name", base,
                          "content_base64", b64, "media_type", cli_opt(c, "media-type"));
    free(b64);
    json_t *r;
    int rc = cli_call(c, "workpaper.attach", p, &r);
    if (rc) return rc;
    return cli_print(c, r, print_paper);
}

/* ---- report -----------------------------------------------------------------------------------
 */

static void print_report(cli *c, const json_t *r)
{
    (void)c;
    const json_t *d = json_object_get(r, "draft"), *s = json_object_get(r, "summary");
    printf("report of %s: %s, version %lld\n", ism_json_getstr(r, "assessment"),
           !strcmp(ism_json_getstr(r, "state"), "issued") ? "issued (発行済)" : "draft (案)",
           (long long)json_integer_value(json_object_get(r, "version")));
    if (ism_json_getstr(r, "issued"))
        printf("  issued %s by %s, sha256 %s\n", ism_json_getstr(r, "issued"),
               ism_json_getstr(r, "issued_by"), ism_json_getstr(r, "sha256"));
    printf("  宛先: %s\n  報告日: %s\n  総括: %s\n",
           ism_json_getstr(d, "addressee") ? ism_json_getstr(d, "addressee") : "（未記入）",
           ism_json_getstr(d, "report_date") ? ism_json_getstr(d, "report_date") : "（発行日）",
           ism_json_getstr(d, "overall") ? ism_json_getstr(d, "overall") : "（未記入）");
    if (s) {
        const json_t *na = json_object_get(s, "not_assessed");
        printf("  評価済 %lld / %lld 項目; 未評価: 文書 %zu, インタビュー %zu, 収集範囲外 %zu\n",
               (long long)json_integer_value(json_object_get(s, "assessed")),
               (long long)json_integer_value(json_object_get(s, "total")),
               json_array_size(json_object_get(na, "document")),
               json_array_size(json_object_get(na, "interview")),
               json_array_size(json_object_get(na, "out_of_scope")));
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(s, "suggested_recommendations"), i, v)
            printf("  改善勧告案 [%s] %s: %s\n",
                   !strcmp(ism_json_getstr(v, "priority"), "urgent") ? "緊急" : "一般",
                   ism_json_getstr(v, "id"), ism_json_getstr(v, "text"));
    }
}

static int cmd_report_show(cli *c)
{
    json_t *r;
    int rc = cli_call(
        c, "report.draft.get",
        json_pack("{s:s, s:s?}", "assessment", c->args[0], "today", cli_opt(c, "today")), &r);
    if (rc) return rc;
    return cli_print(c, r, print_report);
}

static int cmd_report_set(cli *c)
{
    bool bad;
    json_t *d = patch_from_file(c, &bad);
    if (bad) return CLI_USAGE;
    set_opt(d, c, "title", "title");
    set_opt(d, c, "addressee", "addressee");
    set_opt(d, c, "date", "report_date");
    set_opt(d, c, "overall", "overall");
    static const char *const lists[][2] = {{"auditor", "auditors"},
                                           {"commendable", "commendable"},
                                           {"note", "special_notes"},
                                           {"redact", "redact_terms"}};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = strings(c, lists[i][0]);
        if (v) json_object_set_new(d, lists[i][1], v);
    }
    json_t *params = json_pack("{s:s, s:o}", "assessment", c->args[0], "draft", d);
    if (!version_opt(c, params)) {
        json_decref(params);
        return CLI_USAGE;
    }
    json_t *r;
    int rc = cli_call(c, "report.draft.update", params, &r);
    if (rc) return rc;
    return cli_print(c, r, print_report);
}

static int cmd_report_issue(cli *c)
{
    json_t *r;
    int rc = cli_call(
        c, "report.issue",
        json_pack("{s:s, s:s?}", "assessment", c->args[0], "today", cli_opt(c, "today")), &r);
    if (rc) return rc;
    return cli_print(c, r, print_report);
}

static void print_verify(cli *c, const json_t *r)
{
    (void)c;
    if (json_is_true(json_object_get(r, "ok")))
        printf("verified: the report of %s is as issued (sha256 %s) and its signature holds\n",
               ism_json_getstr(r, "assessment"), ism_json_getstr(r, "sha256"));
    else
        printf("NOT VERIFIED: %s\n", ism_json_getstr(r, "problem"));
}

static int cmd_report_verify(cli *c)
{
    const char *file = cli_opt(c, "file");
    if ((c->nargs == 1) == (file != NULL)) {
        fprintf(stderr, "ismapctl: report verify takes an ASSESSMENT or --file ISSUED.json\n");
        return CLI_USAGE;
    }
    json_t *params;
    if (file) {
        json_error_t je;
        json_t *doc = json_load_file(file, 0, &je);
        if (!json_is_object(doc)) {
            fprintf(stderr, "ismapctl: %s is not an issued report (JSON): %s\n", file,
                    doc ? "not an object" : je.text);
            json_decref(doc);
            return CLI_USAGE;
        }
        params = json_pack("{s:o}", "document", doc);
    } else {
        params = json_pack("{s:s}", "assessment", c->args[0]);
    }
    json_t *r;
    int rc = cli_call(c, "report.verify", params, &r);
    if (rc) return rc;
    bool good = json_is_true(json_object_get(r, "ok"));
    rc = cli_print(c, r, print_verify);
    return rc ? rc : good ? CLI_OK : CLI_SERVICE;
}

static int cmd_report_export(cli *c)
{
    const char *fmt = cli_opt(c, "format");
    if (!fmt) {
        fprintf(stderr, "ismapctl: report export needs --format pdf|html|doc|json|oscal\n");
        return CLI_USAGE;
    }
    return export_to(c, "report.export",
                     json_pack("{s:s, s:s, s:s, s:s?}", "assessment", c->args[0], "format", fmt,
                               "version", cli_flag(c, "public") ? "public" : "detailed", "today",
                               cli_opt(c, "today")));
}

/* ---- follow-up --------------------------------------------------------------------------------
 */

static void print_followup(cli *c, const json_t *r)
{
    (void)c;
    const json_t *prev = json_object_get(r, "previous");
    if (!json_is_object(prev)) {
        printf("no earlier assessment of this subject\n");
        return;
    }
    printf("previous assessment %s; %zu judgments carried forward as 前回の判断 (要再確認)\n",
           ism_json_getstr(prev, "id"), json_array_size(json_object_get(r, "judgments")));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "recommendations"), i, v)
    {
        const json_t *p = json_object_get(v, "plan");
        printf("  %-22s %-28s %s / %s / %s\n", ism_json_getstr(v, "id"),
               ism_json_getstr(v, "resolution_ja"),
               ism_json_getstr(p, "owner") ? ism_json_getstr(p, "owner") : "担当未定",
               ism_json_getstr(p, "due") ? ism_json_getstr(p, "due") : "期限未定",
               ism_json_getstr(p, "status_ja"));
    }
}

static int cmd_followup(cli *c)
{
    json_t *r;
    int rc = cli_call(
        c, "followup.get",
        json_pack("{s:s, s:s?}", "assessment", c->args[0], "today", cli_opt(c, "today")), &r);
    if (rc) return rc;
    return cli_print(c, r, print_followup);
}

static int cmd_remediation_set(cli *c)
{
    json_t *p = json_pack("{s:s, s:s}", "assessment", c->args[0], "rec", c->args[1]);
    set_opt(p, c, "owner", "owner");
    set_opt(p, c, "due", "due");
    set_opt(p, c, "status", "status");
    set_opt(p, c, "note", "note");
    json_t *r;
    int rc = cli_call(c, "remediation.update", p, &r);
    if (rc || c->json) return rc ? rc : cli_print(c, r, NULL);
    printf("改善計画 %s: %s, due %s, %s\n", ism_json_getstr(r, "rec"),
           ism_json_getstr(r, "owner") ? ism_json_getstr(r, "owner") : "-",
           ism_json_getstr(r, "due") ? ism_json_getstr(r, "due") : "-",
           ism_json_getstr(r, "status"));
    json_decref(r);
    return CLI_OK;
}

const cli_cmd cli_cmds_engagement[] = {
    {"plan", "show", cmd_plan_show, "history", 1, 1, "ASSESSMENT [--history]",
     "the 監査実施計画書 of an assessment (--history: every version)"},
    {"plan", "set", cmd_plan_set,
     "title=,purpose=,theme=,scope=,auditee=,method=,items-note=,frameworks=,standard*=,member*=,"
     "phase*=,file=,version=",
     1, 1,
     "ASSESSMENT [--purpose T] [--theme T] [--scope T] [--auditee T] [--method T] "
     "[--frameworks mic-cloud-addon,mic-beta] [--standard S]... [--member NAME:ROLE[:ORG]]... "
     "[--phase NAME:FROM:TO]... [--file PLAN.json] [--version N]",
     "change the plan until it is approved"},
    {"plan", "approve", cmd_plan_approve, "", 1, 1, "ASSESSMENT",
     "approve the plan (frozen from then on)"},
    {"plan", "export", cmd_plan_export, "format=,output=", 1, 1,
     "ASSESSMENT --format pdf|xlsx|html|doc|json|oscal -o FILE", "write the plan as a document"},
    {"workpaper", "add", cmd_workpaper_add,
     "catalog=,procedures=,conclusion=,result=,date=,internal,evidence*=,finding*=,interview*=", 2,
     2,
     "ASSESSMENT ITEM [--catalog C] [--procedures T] [--evidence ID]... [--finding "
     "CHECK=RESOURCE]... "
     "[--interview WHO:SUMMARY]... [--conclusion T] [--result R] [--date D] [--internal]",
     "record a 監査調書 for an audit item (a new version each time)"},
    {"workpaper", "list", cmd_workpaper_list, "", 1, 1, "ASSESSMENT",
     "the latest 監査調書 of each item"},
    {"workpaper", "history", cmd_workpaper_history, "catalog=", 2, 2,
     "ASSESSMENT ITEM [--catalog C]", "every version of one item's 監査調書"},
    {"workpaper", "attach", cmd_workpaper_attach, "catalog=,media-type=", 3, 3,
     "ASSESSMENT ITEM FILE [--catalog C] [--media-type T]",
     "attach a file to an item's 監査調書 (stored content-addressed)"},
    {"report", "show", cmd_report_show, "today=", 1, 1, "ASSESSMENT",
     "the 監査報告書's draft with the computed counts and the 改善勧告 offered"},
    {"report", "set", cmd_report_set,
     "title=,addressee=,date=,overall=,auditor*=,commendable*=,note*=,redact*=,file=,version=", 1,
     1,
     "ASSESSMENT [--addressee T] [--date D] [--overall 総括] [--auditor NAME]... "
     "[--commendable T]... [--note 特記事項]... [--redact WORD]... [--file DRAFT.json] "
     "[--version N]",
     "change the draft until the report is issued"},
    {"report", "issue", cmd_report_issue, "today=", 1, 1, "ASSESSMENT",
     "issue the report: frozen, hashed and signed"},
    {"report", "verify", cmd_report_verify, "file=", 0, 1, "ASSESSMENT | --file ISSUED.json",
     "check an issued report's hash and signature (exit 1 when it does not verify)"},
    {"report", "export", cmd_report_export, "format=,public,output=,today=", 1, 1,
     "ASSESSMENT --format pdf|html|doc|json|oscal [--public] -o FILE",
     "write the 監査報告書 (詳細版, or 公開版 with --public)"},
    {"followup", NULL, cmd_followup, "today=", 1, 1, "ASSESSMENT",
     "the previous assessment's judgments and 改善勧告, and how each stands now"},
    {"remediation", "set", cmd_remediation_set, "owner=,due=,status=,note=", 2, 2,
     "ASSESSMENT REC [--owner O] [--due D] [--status open|in_progress|done|accepted] [--note T]",
     "set the 改善計画 of a 改善勧告 (ASSESSMENT: the one whose report made it)"},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};

typedef struct help_entry {
    const char *cmd, *text;
} help_entry;

static const help_entry help[] = {
    {"plan show",
     "Options:\n  --history              every version and the approval, newest first\n"
     "Examples:\n  ismapctl plan show asmt_0123456789abcdef\n"},
    {"plan set",
     "Options:\n"
     "  --title/--purpose/--theme/--scope/--auditee/--method T   the guideline's fields (図表 "
     "2.6)\n"
     "  --items-note T         a note under 監査項目\n"
     "  --frameworks F,F       監査項目: the profiles (mic-cloud-addon, mic-alpha-prime, "
     "mic-beta,\n"
     "                         mic-beta-prime, ismap-must-meet, …; `ismapctl frameworks`)\n"
     "  --standard S           適用基準 (repeatable)\n"
     "  --member NAME:ROLE[:ORG]   監査実施体制 (repeatable; replaces the team)\n"
     "  --phase NAME:FROM:TO   監査実施日程, dates YYYY-MM-DD (repeatable; replaces the schedule)\n"
     "  --file PLAN.json       fields as a JSON object (the options are applied after it)\n"
     "  --version N            refuse if someone changed the plan since version N\n"
     "Examples:\n  ismapctl plan set A --theme クラウド利用 --member 山田花子:主任監査人 "
     "--phase 本調査:2026-11-20:2026-11-27\n"},
    {"plan approve", "Examples:\n  ismapctl plan approve asmt_0123456789abcdef\n"},
    {"plan export",
     "Options:\n  --format F             pdf (A4), xlsx, html, doc (the document model), json or "
     "oscal (assessment-plan)\n  -o, --output FILE      where to write (- for stdout)\n"
     "Examples:\n  ismapctl plan export A --format xlsx -o plan.xlsx\n"
     "  ismapctl plan export A --format pdf -o plan.pdf\n"},
    {"workpaper add",
     "Options:\n"
     "  --catalog C            ismap or mic-audit (guessed from ITEM when absent)\n"
     "  --procedures T         実施した監査手続\n"
     "  --evidence ID          an evidence item examined (repeatable; its SHA-256 is recorded)\n"
     "  --finding CHECK=RESOURCE   a check finding examined (repeatable; with the snapshot's "
     "hash)\n"
     "  --interview WHO:SUMMARY    an interview held (repeatable)\n"
     "  --conclusion T         結論; --result satisfied|partial|not_satisfied|not_applicable\n"
     "  --date D               the paper's date (default today)\n"
     "  --internal             keep the paper out of the 公開版\n"
     "Examples:\n  ismapctl workpaper add A 9.2.3 --evidence ev_0123 --finding "
     "aws-iam-root-access-keys=arn:aws:iam::111122223333:root --conclusion キーが残存\n"},
    {"workpaper list", "Examples:\n  ismapctl workpaper list asmt_0123456789abcdef\n"},
    {"workpaper history",
     "Options:\n  --catalog C            ismap or mic-audit (guessed from ITEM when absent)\n"
     "Examples:\n  ismapctl workpaper history A C-15\n"},
    {"workpaper attach",
     "Options:\n  --catalog C            ismap or mic-audit (guessed from ITEM when absent)\n"
     "  --media-type T         the file's media type (default application/octet-stream)\n"
     "Examples:\n  ismapctl workpaper attach A C-15 console.png --media-type image/png\n"},
    {"report show", "Options:\n  --today D              the date the matrix is computed for\n"
                    "Examples:\n  ismapctl report show asmt_0123456789abcdef\n"},
    {"report set",
     "Options:\n"
     "  --title T, --addressee T (宛先), --date D (報告日), --overall T (総括)\n"
     "  --auditor NAME         監査人 (repeatable; default: the plan's team)\n"
     "  --commendable T        評価できる事項 (repeatable)\n"
     "  --note T               特記事項 (repeatable)\n"
     "  --redact WORD          a further word the 公開版 replaces (repeatable)\n"
     "  --file DRAFT.json      fields as a JSON object, e.g. recommendations [{id, text, "
     "priority:\n"
     "                         urgent|general, catalog, item, internal}]\n"
     "  --version N            refuse if someone changed the draft since version N\n"
     "Text between 【内部】 and 【/内部】 is left out of the 公開版.\n"
     "Examples:\n  ismapctl report set A --addressee 'みなと市 CISO 殿' --overall '概ね適切'\n"},
    {"report issue",
     "Options:\n  --today D              the report date when the draft names none\n"
     "Examples:\n  ismapctl report issue asmt_0123456789abcdef\n"},
    {"report verify",
     "Options:\n  --file ISSUED.json     an issued report as exported with --format json\n"
     "Examples:\n  ismapctl report verify A\n  ismapctl report verify --file "
     "issued.json\n"},
    {"report export",
     "Options:\n  --format F             pdf (A4), html, doc (the document model), json (issued: "
     "signed) or oscal\n  --public               the 公開版 (redacted) instead of the 詳細版\n"
     "  -o, --output FILE      where to write (- for stdout)\n  --today D              "
     "the date the matrix is computed for\n"
     "Examples:\n  ismapctl report export A --format html --public -o report-public.html\n"
     "  ismapctl report export A --format pdf -o report.pdf\n"},
    {"followup", "Options:\n  --today D              the date the matrices are computed for\n"
                 "Examples:\n  ismapctl followup asmt_0123456789abcdef\n"},
    {"remediation set",
     "Options:\n  --owner O, --due YYYY-MM-DD, --status open|in_progress|done|accepted, --note T\n"
     "Examples:\n  ismapctl remediation set A ismap:9.2.3 --owner 情報政策課 --due 2027-03-31 "
     "--status in_progress\n"},
};

const char *cli_engagement_help(const char *name)
{
    for (size_t i = 0; i < sizeof help / sizeof *help; i++)
        if (!strcmp(help[i].cmd, name)) return help[i].text;
    return NULL;
}
