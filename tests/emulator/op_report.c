/* op_report.c — IAM's asynchronous credential report: GenerateCredentialReport answers STARTED,
 * then INPROGRESS until --report-delay-ms has passed, then COMPLETE; GetCredentialReport fails
 * with ReportNotPresent (410), ReportInProgress (404) or ReportExpired (410) as AWS does, else
 * returns the CSV (AWS's columns, a <root_account> row first) base64-encoded. */
#include "emu.h"

#include <stdlib.h>
#include <string.h>

typedef struct report {
    int64_t ready_ms;    /* monotonic time when generation completes */
    int64_t generated_s; /* wall time it reports as GeneratedTime */
} report;

static hmap g_reports; /* account id → report */

static const char *const COLUMNS[] = {
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
    NULL,
};

void emu_reports_reset(void)
{
    hmap_clear(&g_reports, free);
}

static bool expired(const report *r, int64_t now_s)
{
    return g_cfg.report_ttl_s > 0 && now_s - r->generated_s > g_cfg.report_ttl_s;
}

json_t *h_iam_generate_report(emu_ctx *c)
{
    report *r = hmap_get(&g_reports, c->who.account);
    if (!r || (c->mono_ms >= r->ready_ms && expired(r, c->now_s))) {
        if (!r) r = emu_xmalloc(sizeof *r);
        r->ready_ms = c->mono_ms + g_cfg.report_delay_ms;
        r->generated_s = c->now_s + g_cfg.report_delay_ms / 1000;
        hmap_put(&g_reports, c->who.account, r);
        return json_pack("{s:s, s:s}", "State", "STARTED", "Description",
                         "No report exists. Starting a new report generation task");
    }
    if (c->mono_ms < r->ready_ms)
        return json_pack("{s:s, s:s}", "State", "INPROGRESS", "Description",
                         "Report generation in progress. Please wait.");
    return json_pack("{s:s}", "State", "COMPLETE");
}

/* ---- the CSV ------------------------------------------------------------------------------------
 */
static void csv_time(json_t *row, const char *col, const json_t *v, const char *dflt)
{
    int64_t s;
    int ms;
    char buf[40];
    if (v && emu_parse_time(v, &s, &ms)) {
        emu_format_time(s, 0, EMU_TS_CSV, buf);
        json_object_set_new(row, col, json_string(buf));
    } else {
        json_object_set_new(row, col, json_string(dflt));
    }
}

static void key_columns(json_t *row, const json_t *keys)
{
    char col[64];
    for (int n = 1; n <= 2; n++) {
        json_t *k = json_array_get(keys, (size_t)n - 1);
        const char *st = json_string_value(json_object_get(k, "Status"));
        bool active = k && (!st || strcmp(st, "Active") == 0);
        snprintf(col, sizeof col, "access_key_%d_active", n);
        json_object_set_new(row, col, json_string(active ? "true" : "false"));
        snprintf(col, sizeof col, "access_key_%d_last_rotated", n);
        csv_time(row, col, json_object_get(k, "CreateDate"), "N/A");
        snprintf(col, sizeof col, "access_key_%d_last_used_date", n);
        csv_time(row, col, json_object_get(k, "LastUsedDate"), "N/A");
        const char *region = json_string_value(json_object_get(k, "LastUsedRegion"));
        const char *svc = json_string_value(json_object_get(k, "LastUsedService"));
        snprintf(col, sizeof col, "access_key_%d_last_used_region", n);
        json_object_set_new(row, col, json_string(region ? region : "N/A"));
        snprintf(col, sizeof col, "access_key_%d_last_used_service", n);
        json_object_set_new(row, col, json_string(svc ? svc : "N/A"));
    }
    json_object_set_new(row, "cert_1_active", json_string("false"));
    json_object_set_new(row, "cert_1_last_rotated", json_string("N/A"));
    json_object_set_new(row, "cert_2_active", json_string("false"));
    json_object_set_new(row, "cert_2_last_rotated", json_string("N/A"));
}

static json_t *root_row(const json_t *acct)
{
    json_t *root = json_object_get(emu_iam(acct), "root"), *row = json_object();
    char arn[64];
    snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", emu_account_id(acct));
    json_object_set_new(row, "user", json_string("<root_account>"));
    json_object_set_new(row, "arn", json_string(arn));
    json_t *created = json_object_get(root, "CreateDate");
    csv_time(row, "user_creation_time",
             created ? created : json_object_get(acct, "JoinedTimestamp"), "N/A");
    json_object_set_new(row, "password_enabled", json_string("not_supported"));
    csv_time(row, "password_last_used", json_object_get(root, "PasswordLastUsed"),
             "no_information");
    json_object_set_new(row, "password_last_changed", json_string("not_supported"));
    json_object_set_new(row, "password_next_rotation", json_string("not_supported"));
    json_object_set_new(
        row, "mfa_active",
        json_string(json_is_true(json_object_get(root, "mfa_active")) ? "true" : "false"));
    key_columns(row, json_object_get(root, "AccessKeys"));
    json_object_update(row, json_object_get(root, "CredentialReport"));
    return row;
}

/* password_next_rotation: last change + MaxPasswordAge days, when the policy expires them. */
static void next_rotation(json_t *row, const json_t *acct, const json_t *changed)
{
    json_int_t days = json_integer_value(
        json_object_get(json_object_get(emu_iam(acct), "PasswordPolicy"), "MaxPasswordAge"));
    int64_t s;
    int ms;
    if (days <= 0 || !changed || !emu_parse_time(changed, &s, &ms)) {
        json_object_set_new(row, "password_next_rotation", json_string("N/A"));
        return;
    }
    json_t *t = json_integer(s + days * 86400);
    csv_time(row, "password_next_rotation", t, "N/A");
    json_decref(t);
}

static json_t *user_row(const json_t *acct, const json_t *u)
{
    json_t *row = json_object(), *lp = json_object_get(u, "LoginProfile");
    bool pw = json_is_object(lp);
    json_object_set(row, "user", json_object_get(u, "UserName"));
    json_object_set(row, "arn", json_object_get(u, "Arn"));
    csv_time(row, "user_creation_time", json_object_get(u, "CreateDate"), "N/A");
    json_object_set_new(row, "password_enabled", json_string(pw ? "true" : "false"));
    csv_time(row, "password_last_used", pw ? json_object_get(u, "PasswordLastUsed") : NULL,
             pw ? "no_information" : "N/A");
    csv_time(row, "password_last_changed", pw ? json_object_get(lp, "CreateDate") : NULL, "N/A");
    next_rotation(row, acct, pw ? json_object_get(lp, "CreateDate") : NULL);
    bool mfa = json_array_size(json_object_get(u, "MFADevices")) > 0;
    json_object_set_new(row, "mfa_active", json_string(mfa ? "true" : "false"));
    key_columns(row, json_object_get(u, "AccessKeys"));
    json_object_update(row, json_object_get(u, "CredentialReport"));
    return row;
}

static void csv_line(sbuf *b, const json_t *row)
{
    for (int i = 0; COLUMNS[i]; i++) {
        const char *v = json_string_value(json_object_get(row, COLUMNS[i]));
        if (i) sb_puts(b, ",");
        sb_puts(b, v ? v : "N/A");
    }
    sb_puts(b, "\n");
}

static char *report_csv(const json_t *acct)
{
    sbuf b = {0};
    for (int i = 0; COLUMNS[i]; i++)
        sb_printf(&b, "%s%s", i ? "," : "", COLUMNS[i]);
    sb_puts(&b, "\n");
    json_t *row = root_row(acct), *u;
    csv_line(&b, row);
    json_decref(row);
    size_t i;
    json_array_foreach(json_object_get(emu_iam(acct), "Users"), i, u)
    {
        row = user_row(acct, u);
        csv_line(&b, row);
        json_decref(row);
    }
    b.len--; /* AWS's report has no final newline */
    b.p[b.len] = '\0';
    return b.p;
}

json_t *h_iam_get_report(emu_ctx *c)
{
    report *r = hmap_get(&g_reports, c->who.account);
    if (!r)
        return emu_fail(c, 410, "ReportNotPresent",
                        "Credential report does not exist. Use GenerateCredentialReport to "
                        "generate a report.");
    if (c->mono_ms < r->ready_ms)
        return emu_fail(c, 404, "ReportInProgress",
                        "Report generation in progress. Please wait and try again.");
    if (expired(r, c->now_s))
        return emu_fail(c, 410, "ReportExpired",
                        "The credential report has expired. Use GenerateCredentialReport to "
                        "generate a new report.");
    char *csv = report_csv(c->account), when[40];
    emu_format_time(r->generated_s, 0, EMU_TS_ISO, when);
    json_t *out = json_pack("{s:s, s:s, s:s}", "Content", csv, "ReportFormat", "text/csv",
                            "GeneratedTime", when);
    free(csv);
    return out;
}
