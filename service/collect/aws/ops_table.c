/* ops_table.c — every AWS operation the collector calls, as data: how to call it (protocol,
 * method, path or target, version), where (global, per region, per resource of another
 * operation), how it pages, and which extractor turns its answers into snapshot resources
 * (docs/snapshot-format.md). The collector has no per-operation code: adding an operation is
 * adding an entry here (for XML protocols also its output shape, ops_table_shapes.c) and a test.
 *
 * Names, paths, targets and pagination members are those of AWS's API models (botocore's
 * service-2.json and paginators-1.json); tests/unit/test_collector_ops.c compares them. Entries
 * are in start order: an operation's parent comes before it. */
#include "ismap/aws.h"

#include <string.h>

#define QUERY(svc, ver)                                                                            \
    .service = svc, .protocol = ISM_AWS_QUERY, .method = "POST", .path = "/", .version = ver
#define EC2                                                                                        \
    .service = "ec2", .protocol = ISM_AWS_EC2, .method = "POST", .path = "/",                      \
    .version = "2016-11-15"
#define JSON(svc, prefix, op)                                                                      \
    .service = svc, .protocol = ISM_AWS_JSON, .method = "POST", .path = "/",                       \
    .target = prefix "." op, .version = "1.1", .name = op
#define REST_JSON(svc, ver, p)                                                                     \
    .service = svc, .protocol = ISM_AWS_REST_JSON, .method = "GET", .path = p, .version = ver
#define S3(p)                                                                                      \
    .service = "s3", .protocol = ISM_AWS_REST_XML, .method = "GET", .path = p,                     \
    .version = "2006-03-01"

/* IAM pages with IsTruncated + Marker; EC2 and the JSON services with NextToken. */
#define IAM_PAGES                                                                                  \
    .paging = ISM_AWS_PAGE_MARKER, .in_token = "Marker", .out_token = "Marker",                    \
    .limit_key = "MaxItems", .limit = 1000
#define EC2_PAGES(n)                                                                               \
    .paging = ISM_AWS_PAGE_NEXT_TOKEN, .in_token = "NextToken", .out_token = "NextToken",          \
    .limit_key = "MaxResults", .limit = n
#define EC2_LIST(res, t, idf, arnpath)                                                             \
    EC2, .scope = ISM_AWS_SCOPE_REGIONAL, .result = res, .type = t, .id_field = idf,               \
         .arn_fmt = "arn:aws:ec2:{region}:{account}:" arnpath "/{id}", .extract = ism_aws_x_items

/* clang-format off */
#define S3_GET(op, p, k, none, act)                                                               \
    {S3(p), .name = op, .scope = ISM_AWS_SCOPE_PER_RESOURCE, .parent = "GetBucketLocation",       \
     .param = "{Bucket}", .type = "s3.Bucket", .key = k, .none_codes = none "NoSuchBucket",      \
     .extract = ism_aws_x_merge, .action = act}
/* clang-format on */

#define CLOUDTRAIL "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"

static const ism_aws_op ops[] = {
    /* ---- STS: who we are, and the member accounts' role ---- */
    {QUERY("sts", "2011-06-15"), .name = "GetCallerIdentity", .scope = ISM_AWS_SCOPE_GLOBAL,
     .type = "sts.CallerIdentity", .extract = ism_aws_x_single},
    {QUERY("sts", "2011-06-15"), .name = "AssumeRole", .scope = ISM_AWS_SCOPE_GLOBAL,
     .extract = ism_aws_x_none},

    /* ---- Organizations (ListAccounts: management account, --org) ---- */
    {JSON("organizations", "AWSOrganizationsV20161128", "ListAccounts"),
     .scope = ISM_AWS_SCOPE_GLOBAL, .paging = ISM_AWS_PAGE_NEXT_TOKEN, .in_token = "NextToken",
     .out_token = "NextToken", .limit_key = "MaxResults", .limit = 20, .result = "Accounts",
     .type = "organizations.Account", .id_field = "Id", .arn_field = "Arn",
     .extract = ism_aws_x_items},
    /* Every account, members too (any account of an organization may call it): which
     * organization it is in and that organization's management account. */
    {JSON("organizations", "AWSOrganizationsV20161128", "DescribeOrganization"),
     .scope = ISM_AWS_SCOPE_GLOBAL, .type = "organizations.Organization",
     .none_codes = "AWSOrganizationsNotInUseException", .extract = ism_aws_x_single},

    /* ---- IAM (global) ---- */
    {QUERY("iam", "2010-05-08"), .name = "GetAccountSummary", .scope = ISM_AWS_SCOPE_GLOBAL,
     .type = "iam.AccountSummary", .extract = ism_aws_x_single},
    {QUERY("iam", "2010-05-08"), .name = "GetAccountPasswordPolicy", .scope = ISM_AWS_SCOPE_GLOBAL,
     .type = "iam.PasswordPolicy", .none_codes = "NoSuchEntity", .extract = ism_aws_x_single},
    /* The report takes a while: generate, poll until COMPLETE, then read it. */
    {QUERY("iam", "2010-05-08"), .name = "GenerateCredentialReport", .scope = ISM_AWS_SCOPE_GLOBAL,
     .extract = ism_aws_x_report_state},
    {QUERY("iam", "2010-05-08"), .name = "ListUsers", .scope = ISM_AWS_SCOPE_GLOBAL, IAM_PAGES,
     .result = "Users", .type = "iam.User", .id_field = "UserName", .arn_field = "Arn",
     .key = "User", .extract = ism_aws_x_items_merge},
    {QUERY("iam", "2010-05-08"), .name = "ListRoles", .scope = ISM_AWS_SCOPE_GLOBAL, IAM_PAGES,
     .result = "Roles", .type = "iam.Role", .id_field = "RoleName", .arn_field = "Arn",
     .extract = ism_aws_x_roles},
    {QUERY("iam", "2010-05-08"), .name = "ListMFADevices", .scope = ISM_AWS_SCOPE_PER_RESOURCE,
     .parent = "ListUsers", .param = "UserName", IAM_PAGES, .result = "MFADevices",
     .type = "iam.User", .none_codes = "NoSuchEntity", .extract = ism_aws_x_merge},
    {QUERY("iam", "2010-05-08"), .name = "ListAttachedUserPolicies",
     .scope = ISM_AWS_SCOPE_PER_RESOURCE, .parent = "ListUsers", .param = "UserName", IAM_PAGES,
     .result = "AttachedPolicies", .type = "iam.User", .none_codes = "NoSuchEntity",
     .extract = ism_aws_x_merge},
    {QUERY("iam", "2010-05-08"), .name = "GetCredentialReport", .scope = ISM_AWS_SCOPE_GLOBAL,
     .parent = "GenerateCredentialReport", .type = "iam.CredentialReport",
     .poll_codes = "ReportInProgress,ReportNotPresent", .extract = ism_aws_x_credential_report},

    /* ---- S3 (the list is global; each bucket is filed under its own region) ---- */
    {S3("/"), .name = "ListBuckets", .scope = ISM_AWS_SCOPE_GLOBAL, .result = "Buckets",
     .type = "s3.Bucket", .id_field = "Name", .arn_fmt = "arn:aws:s3:::{id}", .key = "Bucket",
     .extract = ism_aws_x_items_merge, .action = "s3:ListAllMyBuckets"},
    {S3("/{Bucket}?location"), .name = "GetBucketLocation", .scope = ISM_AWS_SCOPE_PER_RESOURCE,
     .parent = "ListBuckets", .param = "{Bucket}", .type = "s3.Bucket", .key = "Location",
     .none_codes = "NoSuchBucket", .extract = ism_aws_x_bucket_location},
    S3_GET("GetBucketEncryption", "/{Bucket}?encryption", "Encryption",
           "ServerSideEncryptionConfigurationNotFoundError,", "s3:GetEncryptionConfiguration"),
    S3_GET("GetPublicAccessBlock", "/{Bucket}?publicAccessBlock", "PublicAccessBlock",
           "NoSuchPublicAccessBlockConfiguration,", "s3:GetBucketPublicAccessBlock"),
    S3_GET("GetBucketVersioning", "/{Bucket}?versioning", "Versioning", "", NULL),
    S3_GET("GetObjectLockConfiguration", "/{Bucket}?object-lock", "ObjectLock",
           "ObjectLockConfigurationNotFoundError,", "s3:GetBucketObjectLockConfiguration"),
    S3_GET("GetBucketPolicyStatus", "/{Bucket}?policyStatus", "PolicyStatus", "NoSuchBucketPolicy,",
           NULL),

    /* ---- EC2: the account's enabled regions (called in the home region), then per region ---- */
    {EC2, .name = "DescribeRegions", .scope = ISM_AWS_SCOPE_GLOBAL, .result = "Regions",
     .type = "ec2.Region", .id_field = "RegionName", .extract = ism_aws_x_items},
    {EC2_LIST("Vpcs", "ec2.Vpc", "VpcId", "vpc"), .name = "DescribeVpcs", EC2_PAGES(1000)},
    {EC2_LIST("Subnets", "ec2.Subnet", "SubnetId", "subnet"), .name = "DescribeSubnets",
     .arn_field = "SubnetArn", EC2_PAGES(1000)},
    {EC2_LIST("RouteTables", "ec2.RouteTable", "RouteTableId", "route-table"),
     .name = "DescribeRouteTables", EC2_PAGES(100)},
    {EC2_LIST("InternetGateways", "ec2.InternetGateway", "InternetGatewayId", "internet-gateway"),
     .name = "DescribeInternetGateways", EC2_PAGES(1000)},
    {EC2_LIST("NatGateways", "ec2.NatGateway", "NatGatewayId", "natgateway"),
     .name = "DescribeNatGateways", EC2_PAGES(1000)},
    {EC2_LIST("VpcPeeringConnections", "ec2.VpcPeeringConnection", "VpcPeeringConnectionId",
              "vpc-peering-connection"),
     .name = "DescribeVpcPeeringConnections", EC2_PAGES(1000)},
    {EC2_LIST("TransitGatewayAttachments", "ec2.TransitGatewayAttachment",
              "TransitGatewayAttachmentId", "transit-gateway-attachment"),
     .name = "DescribeTransitGatewayAttachments", EC2_PAGES(1000)},
    {EC2_LIST("SecurityGroups", "ec2.SecurityGroup", "GroupId", "security-group"),
     .name = "DescribeSecurityGroups", EC2_PAGES(1000)},
    {EC2_LIST("NetworkAcls", "ec2.NetworkAcl", "NetworkAclId", "network-acl"),
     .name = "DescribeNetworkAcls", EC2_PAGES(1000)},
    {EC2_LIST("FlowLogs", "ec2.FlowLog", "FlowLogId", "vpc-flow-log"), .name = "DescribeFlowLogs",
     EC2_PAGES(1000)},
    {EC2, .name = "GetEbsEncryptionByDefault", .scope = ISM_AWS_SCOPE_REGIONAL,
     .type = "ec2.EbsEncryptionByDefault", .extract = ism_aws_x_single},
    {EC2_LIST("Volumes", "ec2.Volume", "VolumeId", "volume"), .name = "DescribeVolumes",
     EC2_PAGES(500)},
    {EC2_LIST("Reservations.Instances", "ec2.Instance", "InstanceId", "instance"),
     .name = "DescribeInstances", EC2_PAGES(1000)},

    /* ---- CloudTrail (shadow trails included: a multi-region trail shows in every region) ---- */
    {JSON("cloudtrail", CLOUDTRAIL, "DescribeTrails"), .scope = ISM_AWS_SCOPE_REGIONAL,
     .params = "\"includeShadowTrails\":true", .result = "trailList", .type = "cloudtrail.Trail",
     .id_field = "TrailARN", .arn_field = "TrailARN", .key = "Trail",
     .extract = ism_aws_x_items_merge},
    {JSON("cloudtrail", CLOUDTRAIL, "GetTrailStatus"), .scope = ISM_AWS_SCOPE_PER_RESOURCE,
     .parent = "DescribeTrails", .param = "Name", .type = "cloudtrail.Trail", .key = "Status",
     .extract = ism_aws_x_merge},
    {JSON("cloudtrail", CLOUDTRAIL, "GetEventSelectors"), .scope = ISM_AWS_SCOPE_PER_RESOURCE,
     .parent = "DescribeTrails", .param = "TrailName", .type = "cloudtrail.Trail",
     .key = "EventSelectors", .extract = ism_aws_x_merge},

    /* ---- KMS ---- */
    {JSON("kms", "TrentService", "ListKeys"), .scope = ISM_AWS_SCOPE_REGIONAL,
     .paging = ISM_AWS_PAGE_NEXT_MARKER, .in_token = "Marker", .out_token = "NextMarker",
     .limit_key = "Limit", .limit = 1000, .result = "Keys", .type = "kms.Key", .id_field = "KeyId",
     .arn_field = "KeyArn", .extract = ism_aws_x_items_merge},
    {JSON("kms", "TrentService", "DescribeKey"), .scope = ISM_AWS_SCOPE_PER_RESOURCE,
     .parent = "ListKeys", .param = "KeyId", .type = "kms.Key", .extract = ism_aws_x_merge},
    /* Asymmetric, HMAC and imported keys have no rotation; keys pending deletion answer
     * KMSInvalidStateException: both are facts about the key, recorded in its data. */
    {JSON("kms", "TrentService", "GetKeyRotationStatus"), .scope = ISM_AWS_SCOPE_PER_RESOURCE,
     .parent = "ListKeys", .param = "KeyId", .type = "kms.Key",
     .none_codes = "UnsupportedOperationException,KMSInvalidStateException",
     .extract = ism_aws_x_merge},

    /* ---- Config ---- */
    {JSON("config", "StarlingDoveService", "DescribeConfigurationRecorders"),
     .scope = ISM_AWS_SCOPE_REGIONAL, .result = "ConfigurationRecorders",
     .type = "config.ConfigurationRecorder", .id_field = "name", .key = "ConfigurationRecorder",
     .extract = ism_aws_x_items_merge},
    {JSON("config", "StarlingDoveService", "DescribeConfigurationRecorderStatus"),
     .scope = ISM_AWS_SCOPE_REGIONAL, .parent = "DescribeConfigurationRecorders",
     .result = "ConfigurationRecordersStatus", .type = "config.ConfigurationRecorder",
     .id_field = "name", .key = "Status", .extract = ism_aws_x_merge_items},

    /* ---- GuardDuty (REST-JSON; the list is of ids) ---- */
    {REST_JSON("guardduty", "2017-11-28", "/detector"), .name = "ListDetectors",
     .scope = ISM_AWS_SCOPE_REGIONAL, .paging = ISM_AWS_PAGE_NEXT_TOKEN, .in_token = "nextToken",
     .out_token = "nextToken", .limit_key = "maxResults", .limit = 50, .result = "DetectorIds",
     .type = "guardduty.Detector", .arn_fmt = "arn:aws:guardduty:{region}:{account}:detector/{id}",
     .extract = ism_aws_x_items_merge},
    {REST_JSON("guardduty", "2017-11-28", "/detector/{detectorId}"), .name = "GetDetector",
     .scope = ISM_AWS_SCOPE_PER_RESOURCE, .parent = "ListDetectors", .param = "{detectorId}",
     .type = "guardduty.Detector", .extract = ism_aws_x_merge},

    /* ---- Backup (REST-JSON) ---- */
    {REST_JSON("backup", "2018-11-15", "/backup/plans/"), .name = "ListBackupPlans",
     .scope = ISM_AWS_SCOPE_REGIONAL, .paging = ISM_AWS_PAGE_NEXT_TOKEN, .in_token = "nextToken",
     .out_token = "NextToken", .limit_key = "maxResults", .limit = 1000,
     .result = "BackupPlansList", .type = "backup.BackupPlan", .id_field = "BackupPlanId",
     .arn_field = "BackupPlanArn", .extract = ism_aws_x_items_merge},
    {REST_JSON("backup", "2018-11-15", "/backup/plans/{backupPlanId}/"), .name = "GetBackupPlan",
     .scope = ISM_AWS_SCOPE_PER_RESOURCE, .parent = "ListBackupPlans", .param = "{backupPlanId}",
     .type = "backup.BackupPlan", .extract = ism_aws_x_merge},

    /* ---- CloudWatch Logs ---- */
    {JSON("logs", "Logs_20140328", "DescribeLogGroups"), .scope = ISM_AWS_SCOPE_REGIONAL,
     .paging = ISM_AWS_PAGE_NEXT_TOKEN, .in_token = "nextToken", .out_token = "nextToken",
     .limit_key = "limit", .limit = 50, .result = "logGroups", .type = "logs.LogGroup",
     .id_field = "logGroupName", .arn_field = "arn", .extract = ism_aws_x_items},
};

const ism_aws_op *ism_aws_ops(size_t *n)
{
    *n = sizeof ops / sizeof ops[0];
    return ops;
}

const ism_aws_op *ism_aws_op_find(const char *service, const char *name)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].service, service) == 0 && strcmp(ops[i].name, name) == 0) return &ops[i];
    return NULL;
}

const char *ism_aws_op_action(const ism_aws_op *op, char *buf, size_t n)
{
    if (op->action)
        snprintf(buf, n, "%s", op->action);
    else
        snprintf(buf, n, "%s:%s", op->service, op->name);
    return buf;
}

bool ism_aws_service_known(const char *service)
{
    for (size_t i = 0; service && i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].service, service) == 0) return true;
    return false;
}

bool ism_aws_code_in(const char *code, const char *list)
{
    size_t n = code ? strlen(code) : 0;
    if (!n || !list) return false;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, code, n) == 0) return true;
        p += len;
        if (*p) p++;
    }
    return false;
}

bool ism_aws_is_denied_code(const char *code)
{
    return ism_aws_code_in(code, "AccessDenied,AccessDeniedException,UnauthorizedOperation,"
                                 "AuthorizationError,AuthorizationErrorException,"
                                 "UnauthorizedAccess,UnauthorizedException,Forbidden,"
                                 "ForbiddenException,AllAccessDisabled");
}

bool ism_aws_is_not_enabled_code(const char *code)
{
    return ism_aws_code_in(code, "OptInRequired,SubscriptionRequiredException,"
                                 "AWSOrganizationsNotInUseException,InvalidRegion,"
                                 "UnsupportedOperation");
}
