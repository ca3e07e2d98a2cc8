/* extract.c — answers into AWS's JSON shapes, and the generic extractors.
 *
 * The XML converter knows no schema: every value is a string, a one-element list looks like a
 * single value, EC2 names things by their wire names (vpcSet, isDefault). The output shapes
 * (ops_table_shapes.c) put that right, member by member, so a snapshot holds what the AWS CLI
 * would print: "IsDefault": true, "Tags": [{"Key", "Value"}], "SummaryMap": {"Users": 3}.
 * Anything the model does not know (a newer field) is kept as sent rather than dropped. */
#include "ismap/aws.h"
#include "ismap/snapshot.h"

#include <stdlib.h>
#include <string.h>

const ism_aws_output *ism_aws_output_of(const ism_aws_op *op)
{
    for (size_t i = 0; op && i < ism_aws_noutputs; i++)
        if (strcmp(ism_aws_outputs[i].service, op->service) == 0 &&
            strcmp(ism_aws_outputs[i].operation, op->name) == 0)
            return &ism_aws_outputs[i];
    return NULL;
}

/* ---- typing ---------------------------------------------------------------------------- */
static json_t *scalar(const json_t *v, ism_aws_type t)
{
    /* An empty element: "" for text, as AWS's SDKs read it; nothing to type otherwise. */
    if (json_is_null(v) && t == ISM_AWS_T_STRING) return json_string("");
    if (!json_is_string(v)) return json_incref((json_t *)v);
    const char *s = json_string_value(v);
    char *end = NULL;
    if (t == ISM_AWS_T_BOOL && (!strcmp(s, "true") || !strcmp(s, "false")))
        return json_boolean(s[0] == 't');
    if (t == ISM_AWS_T_INT && *s) {
        long long n = strtoll(s, &end, 10);
        if (!*end) return json_integer(n);
    }
    if (t == ISM_AWS_T_DOUBLE && *s) {
        double d = strtod(s, &end);
        if (!*end) return json_real(d);
    }
    return json_incref((json_t *)v);
}

/* Items of a list: an array, one value (a one-element list), or a wrapper object holding the
 * items under their element name (S3's <Buckets><Bucket>). null is the empty list. */
static json_t *list(const json_t *v, const ism_aws_shape *sh, bool flattened)
{
    json_t *out = json_array();
    if (!v || json_is_null(v)) return out;
    const json_t *items = v;
    if (!flattened && json_is_object(v) && json_object_size(v) == 1 && sh->name &&
        json_object_get(v, sh->name))
        items = json_object_get(v, sh->name);
    if (json_is_array(items)) {
        size_t i;
        const json_t *x;
        json_array_foreach(items, i, x) json_array_append_new(out, ism_aws_typed_value(x, sh->a));
    } else {
        json_array_append_new(out, ism_aws_typed_value(items, sh->a));
    }
    return out;
}

static const ism_aws_member *member_by_wire(const ism_aws_shape *sh, const char *key)
{
    for (unsigned i = sh->a; i < (unsigned)sh->a + sh->b; i++)
        if (strcmp(ism_aws_members[i].wire, key) == 0 || strcmp(ism_aws_members[i].name, key) == 0)
            return &ism_aws_members[i];
    return NULL;
}

static json_t *structure(const json_t *v, const ism_aws_shape *sh)
{
    if (!json_is_object(v)) return json_is_null(v) ? json_object() : json_incref((json_t *)v);
    json_t *out = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        const ism_aws_member *m = member_by_wire(sh, k);
        if (!m) {
            json_object_set(out, k, x);
            continue;
        }
        const ism_aws_shape *ms = &ism_aws_shapes[m->shape];
        json_t *val = ms->type == ISM_AWS_T_LIST ? list(x, ms, m->flattened)
                                                 : ism_aws_typed_value(x, m->shape);
        json_object_set_new(out, m->name, val);
    }
    return out;
}

static json_t *map(const json_t *v, const ism_aws_shape *sh)
{
    if (!json_is_object(v)) return json_object();
    json_t *out = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
        json_object_set_new(out, k, ism_aws_typed_value(x, sh->a));
    return out;
}

json_t *ism_aws_typed_value(const json_t *v, unsigned short shape)
{
    const ism_aws_shape *sh = &ism_aws_shapes[shape < ism_aws_nshapes ? shape : 0];
    switch (sh->type) {
    case ISM_AWS_T_STRUCT:
        return structure(v, sh);
    case ISM_AWS_T_LIST:
        return list(v, sh, false);
    case ISM_AWS_T_MAP:
        return map(v, sh);
    default:
        return v ? scalar(v, sh->type) : json_null();
    }
}

/* The output structure's member called name, or NULL. */
static const ism_aws_member *output_member(const ism_aws_output *o, const char *name)
{
    const ism_aws_shape *sh = &ism_aws_shapes[o->shape];
    for (unsigned i = sh->a; i < (unsigned)sh->a + sh->b; i++)
        if (strcmp(ism_aws_members[i].name, name) == 0) return &ism_aws_members[i];
    return NULL;
}

json_t *ism_aws_typed_output(const ism_aws_op *op, const json_t *parsed)
{
    const ism_aws_output *o = ism_aws_output_of(op);
    if (!o) return json_is_object(parsed) ? json_deep_copy(parsed) : json_object();
    const json_t *v = o->wrapper ? json_object_get(parsed, o->wrapper) : parsed;
    const ism_aws_shape *sh = &ism_aws_shapes[o->shape];
    const ism_aws_member *pm = o->payload ? output_member(o, o->payload) : NULL;
    json_t *out;
    if (pm) {
        /* The whole body is one member (S3's GetBucketEncryption and the like). */
        out = json_object();
        json_object_set_new(out, pm->name, ism_aws_typed_value(v, pm->shape));
    } else if (!json_is_object(v) && v && !json_is_null(v) && sh->b == 1) {
        /* A body that is one text element: S3's <LocationConstraint>. */
        out = json_object();
        json_object_set_new(out, ism_aws_members[sh->a].name,
                            ism_aws_typed_value(v, ism_aws_members[sh->a].shape));
    } else if (json_is_null(v) && sh->b == 1) {
        out = json_pack("{s:n}", ism_aws_members[sh->a].name); /* an empty element */
    } else {
        out = structure(v ? v : json_null(), sh);
    }
    json_object_del(out, "requestId"); /* EC2's envelope, not the answer */
    json_object_del(out, "ResponseMetadata");
    return out;
}
