/* op_trail_kms.c — CloudTrail (DescribeTrails with shadow copies of multi-region trails and the
 * organization trail seen from member accounts, GetTrailStatus, GetEventSelectors) and KMS
 * (ListKeys, DescribeKey by id/ARN/alias, GetKeyRotationStatus with AWS's rules for AWS-managed
 * keys and keys pending deletion). */
#include "emu.h"

#include <stdio.h>
#include <string.h>

/* ---- CloudTrail
 * ---------------------------------------------------------------------------------- */
static void add_trails(json_t *out, const json_t *acct, const char *region, bool shadows,
                       bool org_only)
{
    json_t *regions = json_object_get(acct, "resources"), *res, *t;
    const char *r;
    json_object_foreach(regions, r, res)
    {
        size_t i;
        json_array_foreach(json_object_get(json_object_get(res, "cloudtrail"), "Trails"), i, t)
        {
            bool multi = json_is_true(json_object_get(t, "IsMultiRegionTrail"));
            bool org = json_is_true(json_object_get(t, "IsOrganizationTrail"));
            if (org_only && !org) continue;
            if (strcmp(r, region) == 0 || (shadows && multi)) json_array_append(out, t);
        }
    }
}

/* The trails an account sees in a region: its own, shadows of its multi-region trails, and the
 * management account's organization trails. */
static json_t *visible_trails(const emu_ctx *c, bool shadows)
{
    json_t *out = json_array();
    add_trails(out, c->account, c->region, shadows, false);
    const char *master = emu_org_master();
    if (master && strcmp(master, c->who.account) != 0)
        add_trails(out, emu_account(master), c->region, shadows, true);
    return out;
}

json_t *h_ct_describe_trails(emu_ctx *c)
{
    json_t *inc = json_object_get(c->params, "includeShadowTrails");
    json_t *all = visible_trails(c, !json_is_false(inc));
    json_t *names = emu_param_list(c, "trailNameList");
    if (!json_array_size(names)) {
        json_decref(names);
        return emu_obj1("trailList", all);
    }
    json_t *out = json_array(), *t, *n;
    size_t i, j;
    json_array_foreach(all, i, t) json_array_foreach(names, j, n)
    {
        const char *want = json_string_value(n);
        if (strcmp(want, json_string_value(json_object_get(t, "Name"))) == 0 ||
            strcmp(want, json_string_value(json_object_get(t, "TrailARN"))) == 0) {
            json_array_append(out, t);
            break;
        }
    }
    json_decref(all);
    json_decref(names);
    return emu_obj1("trailList", out);
}

static json_t *find_trail(emu_ctx *c, const char *param)
{
    const char *name = emu_param(c, param);
    json_t *all = visible_trails(c, true), *t, *hit = NULL;
    size_t i;
    json_array_foreach(all, i, t)
    {
        const char *n = json_string_value(json_object_get(t, "Name"));
        const char *a = json_string_value(json_object_get(t, "TrailARN"));
        if (name && ((n && strcmp(n, name) == 0) || (a && strcmp(a, name) == 0))) hit = t;
    }
    json_decref(all);
    if (!hit)
        emu_fail(c, 400, "TrailNotFoundException", "Unknown trail: %s for the user: %s",
                 name ? name : "", c->who.account);
    return hit;
}

json_t *h_ct_trail_status(emu_ctx *c)
{
    json_t *t = find_trail(c, "Name");
    if (!t) return NULL;
    json_t *st = json_object_get(t, "Status");
    return json_is_object(st) ? json_deep_copy(st) : json_pack("{s:b}", "IsLogging", 0);
}

json_t *h_ct_event_selectors(emu_ctx *c)
{
    json_t *t = find_trail(c, "TrailName");
    if (!t) return NULL;
    json_t *out = json_pack("{s:O}", "TrailARN", json_object_get(t, "TrailARN"));
    json_t *adv = json_object_get(t, "AdvancedEventSelectors");
    json_t *es = json_object_get(t, "EventSelectors");
    if (json_is_array(adv))
        json_object_set(out, "AdvancedEventSelectors", adv);
    else if (json_is_array(es))
        json_object_set(out, "EventSelectors", es);
    else
        json_object_set_new(out, "EventSelectors",
                            json_pack("[{s:s, s:b, s:[], s:[]}]", "ReadWriteType", "All",
                                      "IncludeManagementEvents", 1, "DataResources",
                                      "ExcludeManagementEventSources"));
    return out;
}

/* ---- KMS
 * ------------------------------------------------------------------------------------------ */
json_t *h_kms_list_keys(emu_ctx *c)
{
    return emu_obj1("Keys", json_incref(emu_region_list(c->account, c->region, "kms", "Keys")));
}

static bool key_is(const json_t *k, const char *id)
{
    const char *kid = json_string_value(json_object_get(k, "KeyId"));
    const char *arn = json_string_value(json_object_get(k, "Arn"));
    if ((kid && strcmp(kid, id) == 0) || (arn && strcmp(arn, id) == 0)) return true;
    const char *alias = strstr(id, "alias/");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(k, "Aliases"), i,
                       a) if (alias && strcmp(json_string_value(a), alias) == 0) return true;
    return false;
}

static json_t *find_key(emu_ctx *c)
{
    const char *id = emu_param(c, "KeyId");
    if (!id)
        return emu_fail(c, 400, "ValidationException",
                        "1 validation error detected: Value null at 'keyId' failed to satisfy "
                        "constraint: Member must not be null");
    size_t i;
    json_t *k;
    json_array_foreach(emu_region_list(c->account, c->region, "kms", "Keys"), i,
                       k) if (key_is(k, id)) return k;
    if (strstr(id, "alias/"))
        return emu_fail(c, 400, "NotFoundException", "Alias arn:aws:kms:%s:%s:%s is not found.",
                        c->region, c->who.account, strstr(id, "alias/"));
    return emu_fail(c, 400, "NotFoundException", "Key '%s' does not exist", id);
}

json_t *h_kms_describe_key(emu_ctx *c)
{
    json_t *k = find_key(c);
    return k ? emu_obj1("KeyMetadata", json_incref(k)) : NULL;
}

json_t *h_kms_rotation_status(emu_ctx *c)
{
    json_t *k = find_key(c);
    if (!k) return NULL;
    const char *state = json_string_value(json_object_get(k, "KeyState"));
    const char *mgr = json_string_value(json_object_get(k, "KeyManager"));
    if (state && strcmp(state, "PendingDeletion") == 0)
        return emu_fail(c, 400, "KMSInvalidStateException", "%s is pending deletion.",
                        json_string_value(json_object_get(k, "Arn")));
    bool on =
        (mgr && strcmp(mgr, "AWS") == 0) || json_is_true(json_object_get(k, "KeyRotationEnabled"));
    return emu_obj1("KeyRotationEnabled", json_boolean(on));
}
