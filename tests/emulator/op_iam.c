/* op_iam.c — IAM: GetAccountSummary (counted from the tenant, root MFA and keys included, with
 * AWS's quotas), GetAccountPasswordPolicy (NoSuchEntity when none), ListUsers, ListMFADevices,
 * ListAttachedUserPolicies and ListRoles. */
#include "emu.h"

#include <string.h>

static json_int_t count(const json_t *v)
{
    return json_is_array(v) ? (json_int_t)json_array_size(v) : json_integer_value(v);
}

static bool active_key(const json_t *keys)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *st = json_string_value(json_object_get(k, "Status"));
        if (!st || strcmp(st, "Active") == 0) return true;
    }
    return false;
}

static void count_mfa(const json_t *iam, json_int_t *devices, json_int_t *in_use)
{
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(iam, "Users"), i, u)
    {
        json_int_t n = count(json_object_get(u, "MFADevices"));
        *devices += n;
        *in_use += n;
    }
    if (json_is_true(json_object_get(json_object_get(iam, "root"), "mfa_active"))) {
        ++*devices;
        ++*in_use;
    }
}

/* AWS's default quotas, as GetAccountSummary reports them. */
static const struct {
    const char *key;
    int value;
} QUOTAS[] = {
    {"UsersQuota", 5000},
    {"RolesQuota", 1000},
    {"GroupsQuota", 300},
    {"PoliciesQuota", 1500},
    {"InstanceProfilesQuota", 1000},
    {"ServerCertificates", 0},
    {"ServerCertificatesQuota", 20},
    {"AccessKeysPerUserQuota", 2},
    {"SigningCertificatesPerUserQuota", 2},
    {"PolicySizeQuota", 6144},
    {"PolicyVersionsInUseQuota", 10000},
    {"VersionsPerPolicyQuota", 5},
    {"AttachedPoliciesPerUserQuota", 10},
    {"AttachedPoliciesPerRoleQuota", 10},
    {"AttachedPoliciesPerGroupQuota", 10},
    {"GroupsPerUserQuota", 10},
    {"UserPolicySizeQuota", 2048},
    {"GlobalEndpointTokenVersion", 1},
    {"AccountSigningCertificatesPresent", 0},
};

json_t *h_iam_account_summary(emu_ctx *c)
{
    json_t *iam = emu_iam(c->account), *root = json_object_get(iam, "root");
    json_int_t mfa = 0, mfa_used = 0;
    count_mfa(iam, &mfa, &mfa_used);
    json_t *m = json_object();
    static const char *const COUNTED[] = {
        "Users", "Roles", "Groups", "Policies", "InstanceProfiles", NULL};
    for (int i = 0; COUNTED[i]; i++)
        json_object_set_new(m, COUNTED[i], json_integer(count(json_object_get(iam, COUNTED[i]))));
    json_object_set_new(m, "MFADevices", json_integer(mfa));
    json_object_set_new(m, "MFADevicesInUse", json_integer(mfa_used));
    json_object_set_new(m, "AccountMFAEnabled",
                        json_integer(json_is_true(json_object_get(root, "mfa_active"))));
    json_object_set_new(m, "AccountAccessKeysPresent",
                        json_integer(active_key(json_object_get(root, "AccessKeys"))));
    for (size_t i = 0; i < sizeof QUOTAS / sizeof QUOTAS[0]; i++)
        json_object_set_new(m, QUOTAS[i].key, json_integer(QUOTAS[i].value));
    json_object_update(m, json_object_get(iam, "summary"));
    return emu_obj1("SummaryMap", m);
}

json_t *h_iam_password_policy(emu_ctx *c)
{
    json_t *pp = json_object_get(emu_iam(c->account), "PasswordPolicy");
    if (!json_is_object(pp))
        return emu_fail(c, 404, "NoSuchEntity",
                        "The Password Policy with domain name %s cannot be found.", c->who.account);
    json_t *copy = json_deep_copy(pp);
    json_t *age = json_object_get(copy, "MaxPasswordAge");
    if (!json_object_get(copy, "ExpirePasswords"))
        json_object_set_new(copy, "ExpirePasswords", json_boolean(json_integer_value(age) > 0));
    return emu_obj1("PasswordPolicy", copy);
}

/* IAM's list operations leave out some attributes of what they list (AWS documents which). */
static json_t *without(const json_t *list, const char *const *keys)
{
    json_t *out = json_array(), *it;
    size_t i;
    json_array_foreach(list, i, it)
    {
        json_t *copy = json_copy(it);
        for (int k = 0; keys[k]; k++)
            json_object_del(copy, keys[k]);
        json_array_append_new(out, copy);
    }
    return out;
}

json_t *h_iam_list_users(emu_ctx *c)
{
    static const char *const hidden[] = {"Tags", "PermissionsBoundary", NULL};
    return emu_obj1("Users", without(json_object_get(emu_iam(c->account), "Users"), hidden));
}

json_t *h_iam_list_roles(emu_ctx *c)
{
    static const char *const hidden[] = {"Tags", "PermissionsBoundary", "RoleLastUsed", NULL};
    return emu_obj1("Roles", without(json_object_get(emu_iam(c->account), "Roles"), hidden));
}

/* The named user, or the caller when no UserName is given; NULL with NoSuchEntity. */
static json_t *user_param(emu_ctx *c, const char **name)
{
    *name = emu_param(c, "UserName");
    if (!*name && c->who.user_name[0]) *name = c->who.user_name;
    if (!*name) return NULL;
    json_t *u = emu_iam_user(c->account, *name);
    if (!u) emu_fail(c, 404, "NoSuchEntity", "The user with name %s cannot be found.", *name);
    return u;
}

json_t *h_iam_list_mfa_devices(emu_ctx *c)
{
    const char *name;
    json_t *u = user_param(c, &name);
    if (!u && name) return NULL;
    json_t *src = u ? json_object_get(u, "MFADevices")
                    : json_object_get(json_object_get(emu_iam(c->account), "root"), "MFADevices");
    json_t *out = json_array(), *d;
    size_t i;
    json_array_foreach(src, i, d)
    {
        json_t *copy = json_deep_copy(d);
        if (name) json_object_set_new(copy, "UserName", json_string(name));
        json_array_append_new(out, copy);
    }
    return emu_obj1("MFADevices", out);
}

json_t *h_iam_list_attached_user_policies(emu_ctx *c)
{
    if (!emu_param(c, "UserName"))
        return emu_fail(c, 400, "ValidationError",
                        "1 validation error detected: Value null at 'userName' failed to satisfy "
                        "constraint: Member must not be null");
    const char *name;
    json_t *u = user_param(c, &name);
    if (!u) return NULL;
    json_t *p = json_object_get(u, "AttachedPolicies");
    return emu_obj1("AttachedPolicies", json_is_array(p) ? json_incref(p) : json_array());
}
