/* tenant.c — loads the tenant JSON (an organization's accounts, their IAM, regions and
 * resources; see README.md), applies an overlay file and/or a named variant, fills the fields
 * AWS derives (ARNs, ids, owner ids), and indexes accounts, access keys and buckets. */
#include "emu.h"

#include <stdio.h>
#include <string.h>

typedef struct key_ent {
    char secret[128];
    emu_principal who;
} key_ent;

static struct {
    json_t *root;
    hmap accounts; /* id → json account (borrowed from root) */
    hmap keys;     /* access key → key_ent */
    hmap buckets;  /* name → json account owning it */
    json_t *empty_obj, *empty_arr;
} T;

json_t *emu_tenant(void)
{
    return T.root;
}

json_t *emu_account(const char *id)
{
    return id ? hmap_get(&T.accounts, id) : NULL;
}

const char *emu_account_id(const json_t *acct)
{
    return json_string_value(json_object_get(acct, "Id"));
}

const char *emu_org_master(void)
{
    return json_string_value(
        json_object_get(json_object_get(T.root, "organization"), "MasterAccountId"));
}

bool emu_account_has_region(const json_t *acct, const char *region)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(acct, "regions"), i, r)
    {
        if (json_is_string(r) && strcmp(json_string_value(r), region) == 0) return true;
    }
    return false;
}

json_t *emu_region_data(const json_t *acct, const char *region, const char *service)
{
    json_t *o =
        json_object_get(json_object_get(json_object_get(acct, "resources"), region), service);
    return json_is_object(o) ? o : T.empty_obj;
}

json_t *emu_region_list(const json_t *acct, const char *region, const char *service,
                        const char *key)
{
    json_t *a = json_object_get(emu_region_data(acct, region, service), key);
    return json_is_array(a) ? a : T.empty_arr;
}

json_t *emu_iam(const json_t *acct)
{
    json_t *o = json_object_get(acct, "iam");
    return json_is_object(o) ? o : T.empty_obj;
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        const char *v = json_string_value(json_object_get(it, key));
        if (v && value && strcmp(v, value) == 0) return it;
    }
    return NULL;
}

json_t *emu_iam_user(const json_t *acct, const char *name)
{
    return find_by(json_object_get(emu_iam(acct), "Users"), "UserName", name);
}

json_t *emu_bucket(const char *name, json_t **owner)
{
    json_t *acct = name ? hmap_get(&T.buckets, name) : NULL;
    if (owner) *owner = acct;
    return acct ? find_by(json_object_get(json_object_get(acct, "s3"), "Buckets"), "Name", name)
                : NULL;
}

bool emu_tenant_key(const char *access_key, char *secret, size_t n, emu_principal *who)
{
    key_ent *k = hmap_get(&T.keys, access_key);
    if (!k) return false;
    ism_strlcpy(secret, k->secret, n);
    if (who) *who = k->who;
    return true;
}

/* ---- merging (overlays and variants) ------------------------------------------------------ */
static const char *const ID_KEYS[] = {
    "Id",
    "UserName",
    "RoleName",
    "VpcId",
    "SubnetId",
    "RouteTableId",
    "GroupId",
    "NetworkAclId",
    "InternetGatewayId",
    "NatGatewayId",
    "VolumeId",
    "ReservationId",
    "InstanceId",
    "FlowLogId",
    "KeyId",
    "TrailARN",
    "Name",
    "DetectorId",
    "BackupPlanId",
    "logGroupName",
    "name",
    "VpcPeeringConnectionId",
    "TransitGatewayAttachmentId",
    NULL,
};

static json_t *match_in(json_t *arr, json_t *patch_item)
{
    for (int k = 0; ID_KEYS[k]; k++) {
        const char *v = json_string_value(json_object_get(patch_item, ID_KEYS[k]));
        if (v) return find_by(arr, ID_KEYS[k], v);
    }
    return NULL;
}

void emu_merge(json_t *base, json_t *patch)
{
    const char *k;
    json_t *pv;
    json_object_foreach(patch, k, pv)
    {
        json_t *bv = json_object_get(base, k);
        if (json_is_object(bv) && json_is_object(pv)) {
            emu_merge(bv, pv);
        } else if (json_is_array(bv) && json_is_array(pv)) {
            size_t i;
            json_t *item, *hit;
            json_array_foreach(pv, i, item)
            {
                if (json_is_object(item) && (hit = match_in(bv, item)))
                    emu_merge(hit, item);
                else
                    json_array_append(bv, item);
            }
        } else {
            json_object_set(base, k, pv);
        }
    }
}

/* ---- derived fields ------------------------------------------------------------------------- */
static void set_default(json_t *o, const char *key, json_t *v)
{
    if (!json_object_get(o, key))
        json_object_set_new(o, key, v);
    else
        json_decref(v);
}

static void set_default_str(json_t *o, const char *key, const char *v)
{
    set_default(o, key, json_string(v));
}

/* A stable AWS-style id: prefix + 17 upper-case base32-ish characters. */
static void stable_id(const char *prefix, const char *a, const char *b, char out[40])
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint64_t seed = emu_hash(b, emu_hash(a, 7)), h = seed;
    size_t n = (size_t)snprintf(out, 40, "%s", prefix);
    for (int i = 0; i < 17 && n < 39; i++, n++) {
        if (i == 12) h = emu_mix64(seed + 1);
        out[n] = al[h & 31];
        h >>= 5;
    }
    out[n] = '\0';
}

static void fill_iam_entities(json_t *acct, const char *id)
{
    char buf[512], sid[40];
    size_t i;
    json_t *u;
    json_t *iam = emu_iam(acct);
    json_array_foreach(json_object_get(iam, "Users"), i, u)
    {
        const char *name = json_string_value(json_object_get(u, "UserName"));
        if (!name) continue;
        set_default_str(u, "Path", "/");
        const char *path = json_string_value(json_object_get(u, "Path"));
        snprintf(buf, sizeof buf, "arn:aws:iam::%s:user%s%s", id, path, name);
        set_default_str(u, "Arn", buf);
        stable_id("AIDA", id, name, sid);
        set_default_str(u, "UserId", sid);
    }
    json_array_foreach(json_object_get(iam, "Roles"), i, u)
    {
        const char *name = json_string_value(json_object_get(u, "RoleName"));
        if (!name) continue;
        set_default_str(u, "Path", "/");
        const char *path = json_string_value(json_object_get(u, "Path"));
        snprintf(buf, sizeof buf, "arn:aws:iam::%s:role%s%s", id, path, name);
        set_default_str(u, "Arn", buf);
        stable_id("AROA", id, name, sid);
        set_default_str(u, "RoleId", sid);
        set_default(u, "MaxSessionDuration", json_integer(3600));
    }
}

static void fill_owner(json_t *list, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it) if (json_is_object(it)) set_default_str(it, "OwnerId", id);
}

static void fill_ec2(json_t *ec2, const char *id)
{
    const char *k;
    json_t *v;
    json_object_foreach(ec2, k, v) if (json_is_array(v)) fill_owner(v, id);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(ec2, "Vpcs"), i, it)
    {
        set_default_str(it, "State", "available");
        set_default(it, "IsDefault", json_false());
        set_default_str(it, "InstanceTenancy", "default");
    }
    json_array_foreach(json_object_get(ec2, "Subnets"), i, it)
        set_default_str(it, "State", "available");
}

static void fill_kms(json_t *kms, const char *id, const char *region)
{
    char arn[256];
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(kms, "Keys"), i, k)
    {
        const char *kid = json_string_value(json_object_get(k, "KeyId"));
        if (!kid) continue;
        snprintf(arn, sizeof arn, "arn:aws:kms:%s:%s:key/%s", region, id, kid);
        set_default_str(k, "Arn", arn);
        set_default_str(k, "KeyArn", arn);
        set_default_str(k, "AWSAccountId", id);
        set_default_str(k, "KeyManager", "CUSTOMER");
        set_default_str(k, "KeyState", "Enabled");
        set_default(k, "Enabled",
                    json_boolean(
                        strcmp(json_string_value(json_object_get(k, "KeyState")), "Enabled") == 0));
    }
}

/* arn:aws:SERVICE:REGION:ACCOUNT:<pre><name><post> for each item lacking arn_key. */
static void fill_named(json_t *list, const char *name_key, const char *arn_key,
                       const char *const fmt[3], const char *id, const char *region)
{
    char arn[512];
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        const char *name = json_string_value(json_object_get(it, name_key));
        if (!name) continue;
        snprintf(arn, sizeof arn, "arn:aws:%s:%s:%s:%s%s%s", fmt[0], region, id, fmt[1], name,
                 fmt[2]);
        set_default_str(it, arn_key, arn);
    }
}

static void fill_region(json_t *res, const char *id, const char *region)
{
    fill_ec2(json_object_get(res, "ec2"), id);
    fill_kms(json_object_get(res, "kms"), id, region);
    json_t *ct = json_object_get(json_object_get(res, "cloudtrail"), "Trails");
    static const char *const TRAIL[3] = {"cloudtrail", "trail/", ""};
    static const char *const LOGS[3] = {"logs", "log-group:", ":*"};
    static const char *const PLAN[3] = {"backup", "backup-plan:", ""};
    fill_named(ct, "Name", "TrailARN", TRAIL, id, region);
    size_t i;
    json_t *it;
    json_array_foreach(ct, i, it) set_default_str(it, "HomeRegion", region);
    fill_named(json_object_get(json_object_get(res, "logs"), "LogGroups"), "logGroupName", "arn",
               LOGS, id, region);
    json_t *plans = json_object_get(json_object_get(res, "backup"), "BackupPlans");
    fill_named(plans, "BackupPlanId", "BackupPlanArn", PLAN, id, region);
    json_array_foreach(plans, i, it)
    {
        json_t *n = json_object_get(json_object_get(it, "BackupPlan"), "BackupPlanName");
        if (n) set_default(it, "BackupPlanName", json_incref(n));
    }
}

static void fill_account(json_t *acct)
{
    const char *id = emu_account_id(acct);
    json_t *org = json_object_get(T.root, "organization");
    if (json_is_object(org)) {
        char arn[256];
        snprintf(arn, sizeof arn, "arn:aws:organizations::%s:account/%s/%s", emu_org_master(),
                 json_string_value(json_object_get(org, "Id")), id);
        set_default_str(acct, "Arn", arn);
    }
    set_default_str(acct, "Status", "ACTIVE");
    set_default_str(acct, "JoinedMethod", "CREATED");
    if (!json_is_array(json_object_get(acct, "regions")))
        json_object_set_new(acct, "regions", json_pack("[s]", "ap-northeast-1"));
    fill_iam_entities(acct, id);
    const char *region;
    json_t *res;
    json_object_foreach(json_object_get(acct, "resources"), region, res)
        fill_region(res, id, region);
}

/* ---- indexes ----------------------------------------------------------------------------------
 */
static void index_key(json_t *key, const char *acct, const json_t *user)
{
    const char *ak = json_string_value(json_object_get(key, "AccessKeyId"));
    const char *sk = json_string_value(json_object_get(key, "SecretAccessKey"));
    const char *status = json_string_value(json_object_get(key, "Status"));
    if (!ak || !sk || (status && strcmp(status, "Active") != 0)) return;
    key_ent *e = calloc(1, sizeof *e);
    if (!e) return;
    ism_strlcpy(e->secret, sk, sizeof e->secret);
    ism_strlcpy(e->who.account, acct, sizeof e->who.account);
    if (user) {
        ism_strlcpy(e->who.arn, json_string_value(json_object_get(user, "Arn")), sizeof e->who.arn);
        ism_strlcpy(e->who.user_id, json_string_value(json_object_get(user, "UserId")),
                    sizeof e->who.user_id);
        ism_strlcpy(e->who.user_name, json_string_value(json_object_get(user, "UserName")),
                    sizeof e->who.user_name);
    } else {
        snprintf(e->who.arn, sizeof e->who.arn, "arn:aws:iam::%s:root", acct);
        ism_strlcpy(e->who.user_id, acct, sizeof e->who.user_id);
        e->who.root = true;
    }
    hmap_put(&T.keys, ak, e);
}

static void index_account(json_t *acct)
{
    const char *id = emu_account_id(acct);
    hmap_put(&T.accounts, id, acct);
    json_t *iam = emu_iam(acct), *u, *k;
    size_t i, j;
    json_array_foreach(json_object_get(iam, "Users"), i, u)
    {
        json_array_foreach(json_object_get(u, "AccessKeys"), j, k) index_key(k, id, u);
    }
    json_array_foreach(json_object_get(json_object_get(iam, "root"), "AccessKeys"), j, k)
        index_key(k, id, NULL);
    json_array_foreach(json_object_get(json_object_get(acct, "s3"), "Buckets"), j, k)
    {
        const char *name = json_string_value(json_object_get(k, "Name"));
        if (name) hmap_put(&T.buckets, name, acct);
    }
}

static bool valid_account_id(const char *id)
{
    return id && strlen(id) == 12 && strspn(id, "0123456789") == 12;
}

static bool apply_patches(char *why, size_t n)
{
    json_error_t je;
    if (g_cfg.overlay_path) {
        json_t *o = json_load_file(g_cfg.overlay_path, 0, &je);
        if (!json_is_object(o)) {
            snprintf(why, n, "%s:%d: %s", g_cfg.overlay_path, je.line, je.text);
            json_decref(o);
            return false;
        }
        emu_merge(T.root, o);
        json_decref(o);
    }
    if (g_cfg.variant) {
        json_t *v = json_object_get(json_object_get(T.root, "variants"), g_cfg.variant);
        if (!json_is_object(v)) {
            snprintf(why, n, "the tenant has no variant \"%s\"", g_cfg.variant);
            return false;
        }
        json_incref(v);
        emu_merge(T.root, v);
        json_decref(v);
    }
    return true;
}

bool emu_tenant_load(char *why, size_t n)
{
    json_error_t je;
    T.empty_obj = json_object();
    T.empty_arr = json_array();
    T.root = json_load_file(g_cfg.tenant_path, 0, &je);
    if (!json_is_object(T.root)) {
        snprintf(why, n, "%s:%d: %s", g_cfg.tenant_path, je.line, je.text);
        return false;
    }
    if (!apply_patches(why, n)) return false;
    json_t *accounts = json_object_get(T.root, "accounts"), *a;
    size_t i;
    if (!json_is_array(accounts) || json_array_size(accounts) == 0) {
        snprintf(why, n, "%s: \"accounts\" must be a non-empty array", g_cfg.tenant_path);
        return false;
    }
    json_array_foreach(accounts, i, a)
    {
        if (!valid_account_id(emu_account_id(a))) {
            snprintf(why, n, "%s: accounts[%zu].Id must be 12 digits", g_cfg.tenant_path, i);
            return false;
        }
        fill_account(a);
        index_account(a);
    }
    return true;
}
