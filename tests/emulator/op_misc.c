/* op_misc.c — AWS Config (configuration recorders and their status), GuardDuty (detectors),
 * AWS Backup (plans) and CloudWatch Logs (log groups): region-scoped lists from the tenant. */
#include "emu.h"

#include <string.h>

static json_t *find_named(json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        const char *v = json_string_value(json_object_get(it, key));
        if (v && value && strcmp(v, value) == 0) return it;
    }
    return NULL;
}

/* ---- Config ------------------------------------------------------------------------------------
 */
static json_t *recorders(emu_ctx *c, bool *ok)
{
    json_t *all = emu_region_list(c->account, c->region, "config", "ConfigurationRecorders");
    json_t *names = emu_param_list(c, "ConfigurationRecorderNames"), *n, *out = json_array();
    size_t i;
    *ok = true;
    if (!json_array_size(names)) json_array_extend(out, all);
    json_array_foreach(names, i, n)
    {
        json_t *r = find_named(all, "name", json_string_value(n));
        if (!r) {
            emu_fail(c, 400, "NoSuchConfigurationRecorderException",
                     "Cannot find configuration recorder with the specified name '%s'.",
                     json_string_value(n));
            *ok = false;
            break;
        }
        json_array_append(out, r);
    }
    json_decref(names);
    return out;
}

json_t *h_cfg_recorders(emu_ctx *c)
{
    bool ok;
    json_t *list = recorders(c, &ok);
    if (ok) return emu_obj1("ConfigurationRecorders", list);
    json_decref(list);
    return NULL;
}

json_t *h_cfg_recorder_status(emu_ctx *c)
{
    bool ok;
    json_t *list = recorders(c, &ok), *out = json_array(), *r;
    size_t i;
    json_array_foreach(list, i, r)
    {
        json_t *st = json_object_get(r, "Status");
        json_t *s = json_is_object(st) ? json_deep_copy(st) : json_pack("{s:b}", "recording", 0);
        json_object_set(s, "name", json_object_get(r, "name"));
        json_array_append_new(out, s);
    }
    json_decref(list);
    if (ok) return emu_obj1("ConfigurationRecordersStatus", out);
    json_decref(out);
    return NULL;
}

/* ---- GuardDuty
 * ------------------------------------------------------------------------------------ */
json_t *h_gd_list_detectors(emu_ctx *c)
{
    json_t *ids = json_array(), *d;
    size_t i;
    json_array_foreach(emu_region_list(c->account, c->region, "guardduty", "Detectors"), i, d)
    {
        json_t *id = json_object_get(d, "DetectorId");
        if (json_is_string(id)) json_array_append(ids, id);
    }
    return emu_obj1("DetectorIds", ids);
}

json_t *h_gd_get_detector(emu_ctx *c)
{
    json_t *list = emu_region_list(c->account, c->region, "guardduty", "Detectors");
    json_t *d = find_named(list, "DetectorId", emu_param(c, "detectorId"));
    if (!d)
        return emu_fail(c, 400, "BadRequestException",
                        "The request is rejected because the input detectorId is not owned by "
                        "the current account.");
    return json_incref(d);
}

/* ---- Backup
 * ------------------------------------------------------------------------------------------ */
json_t *h_bk_list_plans(emu_ctx *c)
{
    return emu_obj1("BackupPlansList",
                    json_incref(emu_region_list(c->account, c->region, "backup", "BackupPlans")));
}

json_t *h_bk_get_plan(emu_ctx *c)
{
    json_t *list = emu_region_list(c->account, c->region, "backup", "BackupPlans");
    json_t *p = find_named(list, "BackupPlanId", emu_param(c, "backupPlanId"));
    if (!p)
        return emu_fail(c, 400, "ResourceNotFoundException",
                        "Failed reading Backup plan with provided version");
    return json_incref(p);
}

/* ---- CloudWatch Logs
 * ------------------------------------------------------------------------------- */
json_t *h_logs_describe_groups(emu_ctx *c)
{
    json_t *all = emu_region_list(c->account, c->region, "logs", "LogGroups");
    const char *prefix = emu_param(c, "logGroupNamePrefix");
    if (!prefix) return emu_obj1("logGroups", json_incref(all));
    json_t *out = json_array(), *g;
    size_t i;
    json_array_foreach(all, i, g)
    {
        const char *n = json_string_value(json_object_get(g, "logGroupName"));
        if (n && strncmp(n, prefix, strlen(prefix)) == 0) json_array_append(out, g);
    }
    return emu_obj1("logGroups", out);
}
