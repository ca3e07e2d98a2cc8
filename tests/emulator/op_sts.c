/* op_sts.c — STS (GetCallerIdentity, AssumeRole with the role's trust policy evaluated:
 * principals, sts:ExternalId conditions, explicit denies) and Organizations ListAccounts and
 * DescribeOrganization. */
#include "emu.h"

#include <stdio.h>
#include <string.h>

json_t *h_sts_get_caller_identity(emu_ctx *c)
{
    return json_pack("{s:s, s:s, s:s}", "UserId", c->who.user_id, "Account", c->who.account, "Arn",
                     c->who.arn);
}

/* ---- trust policies ---------------------------------------------------------------------------
 */
static bool has_value(const json_t *v, const char *s)
{
    if (json_is_string(v)) return strcmp(json_string_value(v), s) == 0;
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it) if (json_is_string(it) &&
                                     strcmp(json_string_value(it), s) == 0) return true;
    return false;
}

/* The caller as a trust policy names it: its ARN, its account (id or root ARN), or for an
 * assumed-role session the role's ARN. */
static bool principal_matches(const json_t *principal, const emu_principal *who)
{
    if (json_is_string(principal)) return strcmp(json_string_value(principal), "*") == 0;
    json_t *aws = json_object_get(principal, "AWS");
    char root[64], role[400];
    snprintf(root, sizeof root, "arn:aws:iam::%s:root", who->account);
    role[0] = '\0';
    const char *ar = strstr(who->arn, ":assumed-role/");
    if (ar) {
        const char *name = ar + strlen(":assumed-role/");
        snprintf(role, sizeof role, "arn:aws:iam::%s:role/%.*s", who->account,
                 (int)strcspn(name, "/"), name);
    }
    return has_value(aws, "*") || has_value(aws, who->arn) || has_value(aws, root) ||
           has_value(aws, who->account) || (role[0] && has_value(aws, role));
}

/* Only sts:ExternalId is evaluated; other condition keys are taken as satisfied. */
static bool condition_ok(const json_t *cond, const char *external_id)
{
    const char *op;
    json_t *keys;
    json_object_foreach((json_t *)cond, op, keys)
    {
        json_t *want = json_object_get(keys, "sts:ExternalId");
        if (want && (!external_id || !has_value(want, external_id))) return false;
    }
    return true;
}

static bool statement_applies(const json_t *st, const emu_principal *who, const char *ext)
{
    json_t *action = json_object_get(st, "Action");
    bool act =
        has_value(action, "sts:AssumeRole") || has_value(action, "sts:*") || has_value(action, "*");
    return act && principal_matches(json_object_get(st, "Principal"), who) &&
           condition_ok(json_object_get(st, "Condition"), ext);
}

static bool trust_allows(const json_t *role, const emu_principal *who, const char *ext)
{
    json_t *doc = json_object_get(role, "AssumeRolePolicyDocument"), *parsed = NULL;
    if (json_is_string(doc)) doc = parsed = json_loads(json_string_value(doc), 0, NULL);
    json_t *sts = json_object_get(doc, "Statement"), *st;
    bool allow = false, deny = false;
    size_t i;
    if (json_is_object(sts))
        sts = json_pack("[O]", sts);
    else
        json_incref(sts);
    json_array_foreach(sts, i, st)
    {
        if (!statement_applies(st, who, ext)) continue;
        const char *effect = json_string_value(json_object_get(st, "Effect"));
        if (effect && strcmp(effect, "Deny") == 0)
            deny = true;
        else if (effect && strcmp(effect, "Allow") == 0)
            allow = true;
    }
    json_decref(sts);
    json_decref(parsed);
    return allow && !deny;
}

/* ---- AssumeRole
 * ---------------------------------------------------------------------------------- */
static bool parse_role_arn(const char *arn, char acct[16], char name[128])
{
    const char *p = "arn:aws:iam::";
    if (strncmp(arn, p, strlen(p)) != 0) return false;
    const char *a = arn + strlen(p), *colon = strchr(a, ':');
    if (!colon || colon - a != 12 || strncmp(colon, ":role/", 6) != 0) return false;
    memcpy(acct, a, 12);
    acct[12] = '\0';
    const char *n = strrchr(colon, '/') + 1;
    return *n && ism_strlcpy(name, n, 128);
}

static json_t *find_role(const json_t *acct, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(emu_iam(acct), "Roles"), i, r)
    {
        const char *n = json_string_value(json_object_get(r, "RoleName"));
        if (n && strcmp(n, name) == 0) return r;
    }
    return NULL;
}

static json_t *credentials_json(const emu_creds *cr)
{
    char exp[40];
    emu_format_time(cr->expires_s, 0, EMU_TS_ISO, exp);
    return json_pack("{s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s}}", "Credentials", "AccessKeyId",
                     cr->access_key, "SecretAccessKey", cr->secret, "SessionToken", cr->token,
                     "Expiration", exp, "AssumedRoleUser", "AssumedRoleId", cr->who.user_id, "Arn",
                     cr->who.arn);
}

static long duration(emu_ctx *c, const json_t *role)
{
    long d = emu_param_long(c, "DurationSeconds");
    if (d <= 0) d = 3600;
    json_int_t max = json_integer_value(json_object_get(role, "MaxSessionDuration"));
    if (d < 900 || (max > 0 && d > max)) return -1;
    return g_cfg.creds_ttl_s > 0 ? g_cfg.creds_ttl_s : d;
}

json_t *h_sts_assume_role(emu_ctx *c)
{
    const char *arn = emu_param(c, "RoleArn"), *session = emu_param(c, "RoleSessionName");
    char acct[16], name[128];
    if (!arn || !session)
        return emu_fail(c, 400, "ValidationError",
                        "1 validation error detected: Value null at '%s' failed to satisfy "
                        "constraint: Member must not be null",
                        arn ? "roleSessionName" : "roleArn");
    if (!parse_role_arn(arn, acct, name))
        return emu_fail(c, 400, "ValidationError", "%s is invalid", arn);
    json_t *target = emu_account(acct), *role = target ? find_role(target, name) : NULL;
    if (!role || !trust_allows(role, &c->who, emu_param(c, "ExternalId")))
        return emu_fail(c, 403, "AccessDenied",
                        "User: %s is not authorized to perform: sts:AssumeRole on resource: %s",
                        c->who.arn, arn);
    long d = duration(c, role);
    if (d < 0)
        return emu_fail(c, 400, "ValidationError",
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for "
                        "this role.");
    emu_principal p = {0};
    ism_strlcpy(p.account, acct, sizeof p.account);
    snprintf(p.arn, sizeof p.arn, "arn:aws:sts::%s:assumed-role/%s/%s", acct, name, session);
    snprintf(p.user_id, sizeof p.user_id, "%s:%s",
             json_string_value(json_object_get(role, "RoleId")), session);
    return credentials_json(emu_creds_issue(&p, (int)d, c->now_s));
}

/* ---- Organizations
 * ------------------------------------------------------------------------------- */
json_t *h_org_list_accounts(emu_ctx *c)
{
    json_t *org = json_object_get(emu_tenant(), "organization");
    if (!json_is_object(org))
        return emu_fail(c, 400, "AWSOrganizationsNotInUseException",
                        "Your account is not a member of an organization.");
    const char *master = emu_org_master();
    if (!master || strcmp(master, c->who.account) != 0)
        return emu_fail(c, 400, "AccessDeniedException",
                        "You don't have permissions to access this resource.");
    return emu_obj1("Accounts", json_incref(json_object_get(emu_tenant(), "accounts")));
}

/* Callable from any account of the organization (members too), as on AWS. */
json_t *h_org_describe_organization(emu_ctx *c)
{
    json_t *org = json_object_get(emu_tenant(), "organization");
    const char *master = emu_org_master();
    if (!json_is_object(org) || !master)
        return emu_fail(c, 400, "AWSOrganizationsNotInUseException",
                        "Your account is not a member of an organization.");
    const char *id = json_string_value(json_object_get(org, "Id"));
    const char *fs = json_string_value(json_object_get(org, "FeatureSet"));
    json_t *macct = emu_account(master);
    const char *email = macct ? json_string_value(json_object_get(macct, "Email")) : NULL;
    char arn[256], marn[256];
    snprintf(arn, sizeof arn, "arn:aws:organizations::%s:organization/%s", master, id ? id : "");
    snprintf(marn, sizeof marn, "arn:aws:organizations::%s:account/%s/%s", master, id ? id : "",
             master);
    return emu_obj1("Organization",
                    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[]}", "Id", id ? id : "", "Arn",
                              arn, "FeatureSet", fs ? fs : "ALL", "MasterAccountId", master,
                              "MasterAccountArn", marn, "MasterAccountEmail", email ? email : "",
                              "AvailablePolicyTypes"));
}
