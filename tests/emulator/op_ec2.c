/* op_ec2.c — EC2: DescribeRegions (the account's enabled regions), GetEbsEncryptionByDefault,
 * and one generic Describe* handler for the resource lists (VPCs, subnets, route tables,
 * gateways, peerings, TGW attachments, security groups, NACLs, flow logs, volumes,
 * reservations) with ID lists ("VpcId.N" → InvalidVpcID.NotFound when unknown) and
 * Filter.N.Name / Filter.N.Value.M on top-level fields and tags. */
#include "emu.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

json_t *h_ec2_describe_regions(emu_ctx *c)
{
    json_t *want = emu_param_list(c, "RegionName"), *out = json_array(), *r;
    size_t i;
    json_array_foreach(json_object_get(c->account, "regions"), i, r)
    {
        const char *name = json_string_value(r);
        size_t j;
        json_t *w;
        bool keep = json_array_size(want) == 0;
        json_array_foreach(want, j, w) keep = keep || strcmp(json_string_value(w), name) == 0;
        if (!keep) continue;
        char ep[128];
        snprintf(ep, sizeof ep, "ec2.%s.amazonaws.com", name);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "RegionName", name, "Endpoint", ep,
                                             "OptInStatus", "opt-in-not-required"));
    }
    json_decref(want);
    return emu_obj1("Regions", out);
}

json_t *h_ec2_ebs_default(emu_ctx *c)
{
    json_t *v =
        json_object_get(emu_region_data(c->account, c->region, "ec2"), "EbsEncryptionByDefault");
    return emu_obj1("EbsEncryptionByDefault", json_boolean(json_is_true(v)));
}

/* ---- ID lists
 * ------------------------------------------------------------------------------------ */
static const struct {
    const char *data, *param, *key, *not_found, *noun;
} IDS[] = {
    {"Vpcs", "VpcId", "VpcId", "InvalidVpcID.NotFound", "vpc"},
    {"Subnets", "SubnetId", "SubnetId", "InvalidSubnetID.NotFound", "subnet"},
    {"RouteTables", "RouteTableId", "RouteTableId", "InvalidRouteTableID.NotFound", "route table"},
    {"InternetGateways", "InternetGatewayId", "InternetGatewayId",
     "InvalidInternetGatewayID.NotFound", "internet gateway"},
    {"NatGateways", "NatGatewayId", "NatGatewayId", "NatGatewayNotFound", "NAT gateway"},
    {"VpcPeeringConnections", "VpcPeeringConnectionId", "VpcPeeringConnectionId",
     "InvalidVpcPeeringConnectionID.NotFound", "vpc peering connection"},
    {"TransitGatewayAttachments", "TransitGatewayAttachmentIds", "TransitGatewayAttachmentId",
     "InvalidTransitGatewayAttachmentID.NotFound", "transit gateway attachment"},
    {"SecurityGroups", "GroupId", "GroupId", "InvalidGroup.NotFound", "security group"},
    {"NetworkAcls", "NetworkAclId", "NetworkAclId", "InvalidNetworkAclID.NotFound", "network ACL"},
    {"FlowLogs", "FlowLogId", "FlowLogId", "InvalidFlowLogId.NotFound", "flow log"},
    {"Volumes", "VolumeId", "VolumeId", "InvalidVolume.NotFound", "volume"},
    {"Reservations", "InstanceId", "InstanceId", "InvalidInstanceID.NotFound", "instance"},
};

static int ids_index(const char *data)
{
    for (size_t i = 0; i < sizeof IDS / sizeof IDS[0]; i++)
        if (strcmp(IDS[i].data, data) == 0) return (int)i;
    return -1;
}

/* ---- filters
 * --------------------------------------------------------------------------------------- */
/* "vpc-id" → "VpcId", "instance-state-name" → "InstanceStateName". */
static void pascal(const char *kebab, char *out, size_t n)
{
    size_t o = 0;
    bool up = true;
    for (const char *p = kebab; *p && o + 1 < n; p++) {
        if (*p == '-' || *p == '.') {
            up = true;
            continue;
        }
        out[o++] = up ? (char)toupper((unsigned char)*p) : *p;
        up = false;
    }
    out[o] = '\0';
}

static bool tag_matches(const json_t *item, const char *key, const json_t *values)
{
    size_t i, j;
    json_t *t, *v;
    json_array_foreach(json_object_get(item, "Tags"), i, t)
    {
        const char *k = json_string_value(json_object_get(t, "Key"));
        const char *val = json_string_value(json_object_get(t, "Value"));
        if (!k || strcmp(k, key) != 0) continue;
        if (!values) return true;
        json_array_foreach(values, j,
                           v) if (val && strcmp(val, json_string_value(v)) == 0) return true;
    }
    return false;
}

static const char *field_text(const json_t *item, const char *name)
{
    char key[96];
    if (strcmp(name, "instance-state-name") == 0)
        return json_string_value(json_object_get(json_object_get(item, "State"), "Name"));
    pascal(name, key, sizeof key);
    json_t *v = json_object_get(item, key);
    if (json_is_object(v))
        v = json_object_get(v, "Name") ? json_object_get(v, "Name") : json_object_get(v, "Code");
    return json_string_value(v);
}

static bool filter_matches(const json_t *item, const char *name, const json_t *values)
{
    if (strncmp(name, "tag:", 4) == 0) return tag_matches(item, name + 4, values);
    if (strcmp(name, "tag-key") == 0) {
        size_t i;
        json_t *v;
        json_array_foreach(values, i,
                           v) if (tag_matches(item, json_string_value(v), NULL)) return true;
        return false;
    }
    const char *text = field_text(item, name);
    size_t i;
    json_t *v;
    json_array_foreach(values, i,
                       v) if (text && strcmp(text, json_string_value(v)) == 0) return true;
    return false;
}

/* [{"Name": n, "Values": [...]}] from Filter.N.Name / Filter.N.Value.M. */
static json_t *filters(const emu_ctx *c)
{
    json_t *out = json_array();
    char key[64];
    for (int n = 1;; n++) {
        snprintf(key, sizeof key, "Filter.%d.Name", n);
        const char *name = emu_param(c, key);
        if (!name) break;
        snprintf(key, sizeof key, "Filter.%d.Value", n);
        json_array_append_new(
            out, json_pack("{s:s, s:o}", "Name", name, "Values", emu_param_list(c, key)));
    }
    return out;
}

static bool id_wanted(const json_t *ids, const char *id)
{
    if (!json_array_size(ids)) return true;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (id && strcmp(json_string_value(v), id) == 0) return true;
    return false;
}

static bool item_passes(const json_t *item, const json_t *ids, const char *key, const json_t *fs)
{
    if (key && !id_wanted(ids, json_string_value(json_object_get(item, key)))) return false;
    size_t i;
    json_t *f;
    json_array_foreach(fs, i, f)
    {
        if (!filter_matches(item, json_string_value(json_object_get(f, "Name")),
                            json_object_get(f, "Values")))
            return false;
    }
    return true;
}

/* Reservations: ID lists and filters select instances; empty reservations disappear. */
static json_t *filter_reservations(const json_t *list, const json_t *ids, const json_t *fs)
{
    json_t *out = json_array(), *res;
    size_t i;
    json_array_foreach(list, i, res)
    {
        json_t *kept = json_array(), *inst;
        size_t j;
        json_array_foreach(json_object_get(res, "Instances"), j,
                           inst) if (item_passes(inst, ids, "InstanceId", fs))
            json_array_append(kept, inst);
        if (json_array_size(kept)) {
            json_t *copy = json_copy((json_t *)res);
            json_object_set_new(copy, "Instances", kept);
            json_array_append_new(out, copy);
        } else {
            json_decref(kept);
        }
    }
    return out;
}

static bool find_id(const json_t *list, const char *key, const char *id, bool reservations)
{
    size_t i, j;
    json_t *it, *inst;
    json_array_foreach(list, i, it)
    {
        if (!reservations) {
            const char *v = json_string_value(json_object_get(it, key));
            if (v && strcmp(v, id) == 0) return true;
            continue;
        }
        json_array_foreach(json_object_get(it, "Instances"), j, inst)
        {
            const char *v = json_string_value(json_object_get(inst, key));
            if (v && strcmp(v, id) == 0) return true;
        }
    }
    return false;
}

static json_t *missing_id(emu_ctx *c, int k, const json_t *list, const json_t *ids)
{
    size_t i;
    json_t *v;
    bool res = strcmp(IDS[k].data, "Reservations") == 0;
    json_array_foreach(ids, i, v)
    {
        const char *id = json_string_value(v);
        if (!find_id(list, IDS[k].key, id, res))
            return emu_fail(c, 400, IDS[k].not_found, "The %s ID '%s' does not exist", IDS[k].noun,
                            id);
    }
    return json_null();
}

json_t *h_ec2_describe(emu_ctx *c)
{
    const char *data = c->op->data;
    json_t *list = emu_region_list(c->account, c->region, "ec2", data);
    int k = ids_index(data);
    json_t *ids = k >= 0 ? emu_param_list(c, IDS[k].param) : json_array();
    json_t *fs = filters(c), *out = NULL;
    if (k >= 0 && !missing_id(c, k, list, ids)) goto done;
    if (!json_array_size(ids) && !json_array_size(fs)) {
        out = emu_obj1(c->op->list, json_incref(list));
    } else if (strcmp(data, "Reservations") == 0) {
        out = emu_obj1(c->op->list, filter_reservations(list, ids, fs));
    } else {
        json_t *kept = json_array(), *it;
        size_t i;
        json_array_foreach(list, i, it) if (item_passes(it, ids, k >= 0 ? IDS[k].key : NULL, fs))
            json_array_append(kept, it);
        out = emu_obj1(c->op->list, kept);
    }
done:
    json_decref(ids);
    json_decref(fs);
    return out;
}
