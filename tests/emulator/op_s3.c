/* op_s3.c — S3 (path-style): ListBuckets, GetBucketLocation (empty for us-east-1, as AWS), and
 * the bucket configuration reads, each answering AWS's own "not configured" error when the
 * tenant's bucket lacks that configuration; NoSuchBucket / AccessDenied for other buckets. */
#include "emu.h"

#include <string.h>

json_t *h_s3_list_buckets(emu_ctx *c)
{
    json_t *b = json_object_get(json_object_get(c->account, "s3"), "Buckets");
    char canon[65];
    ism_sha256_hex(c->who.account, strlen(c->who.account), canon);
    const char *name = json_string_value(json_object_get(c->account, "Name"));
    return json_pack("{s:o, s:{s:s, s:s}}", "Buckets",
                     json_is_array(b) ? json_incref(b) : json_array(), "Owner", "DisplayName",
                     name ? name : c->who.account, "ID", canon);
}

/* The request's bucket when the caller's account owns it. */
static json_t *bucket(emu_ctx *c)
{
    const char *name = emu_param(c, "Bucket");
    json_t *owner = NULL, *b = emu_bucket(name, &owner);
    if (!b) {
        c->err_extra = json_pack("{s:s}", "BucketName", name ? name : "");
        return emu_fail(c, 404, "NoSuchBucket", "The specified bucket does not exist");
    }
    if (strcmp(emu_account_id(owner), c->who.account) != 0)
        return emu_fail(c, 403, "AccessDenied", "Access Denied");
    return b;
}

json_t *h_s3_location(emu_ctx *c)
{
    json_t *b = bucket(c);
    if (!b) return NULL;
    const char *region = json_string_value(json_object_get(b, "Region"));
    if (!region || strcmp(region, "us-east-1") == 0) return json_object();
    return emu_obj1("LocationConstraint", json_string(region));
}

static const struct {
    const char *data, *code, *msg;
} NOT_SET[] = {
    {"Encryption", "ServerSideEncryptionConfigurationNotFoundError",
     "The server side encryption configuration was not found"},
    {"PublicAccessBlock", "NoSuchPublicAccessBlockConfiguration",
     "The public access block configuration was not found"},
    {"ObjectLock", "ObjectLockConfigurationNotFoundError",
     "Object Lock configuration does not exist for this bucket"},
    {"PolicyStatus", "NoSuchBucketPolicy", "The bucket policy does not exist"},
};

static json_t *not_configured(emu_ctx *c, const char *data)
{
    for (size_t i = 0; i < sizeof NOT_SET / sizeof NOT_SET[0]; i++) {
        if (strcmp(NOT_SET[i].data, data) != 0) continue;
        c->err_extra = json_pack("{s:s}", "BucketName", emu_param(c, "Bucket"));
        return emu_fail(c, 404, NOT_SET[i].code, "%s", NOT_SET[i].msg);
    }
    return json_object(); /* versioning never configured: an empty VersioningConfiguration */
}

/* GetBucketEncryption and friends: the tenant's object under op->data, wrapped in the output's
 * payload member when the model has one. */
json_t *h_s3_bucket_config(emu_ctx *c)
{
    json_t *b = bucket(c);
    if (!b) return NULL;
    json_t *v = json_object_get(b, c->op->data);
    if (!json_is_object(v)) return not_configured(c, c->op->data);
    const char *payload = emu_op_output(c->svc, c->op->name, NULL)->payload;
    return payload ? emu_obj1(payload, json_incref(v)) : json_deep_copy(v);
}
