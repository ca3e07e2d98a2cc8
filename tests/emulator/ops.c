/* ops.c — THE table of what awsemu emulates: the services (signing name, protocol, botocore
 * model, XML namespace or JSON target prefix) and the operations (service + name → handler,
 * REST route, pagination members). Adding an operation is one entry here (plus a handler when
 * the generic ones do not fit). */
#include "emu.h"

#include <string.h>

#define QUERY(N, M, NS, G)                                                                         \
    {                                                                                              \
        .name = N, .proto = ISM_AWS_QUERY, .model = M, .xmlns = NS, .global = G                    \
    }
#define JSON11(N, M, PREFIX, G)                                                                    \
    {                                                                                              \
        .name = N, .proto = ISM_AWS_JSON, .model = M, .target_prefix = PREFIX, .global = G         \
    }
#define REST(N, P, M, NS)                                                                          \
    {                                                                                              \
        .name = N, .proto = P, .model = M, .xmlns = NS                                             \
    }

emu_service emu_services[] = {
    QUERY("sts", "sts/2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/", true),
    QUERY("iam", "iam/2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/", true),
    {.name = "ec2",
     .proto = ISM_AWS_EC2,
     .model = "ec2/2016-11-15",
     .xmlns = "http://ec2.amazonaws.com/doc/2016-11-15/"},
    JSON11("organizations", "organizations/2016-11-28", "AWSOrganizationsV20161128", true),
    JSON11("cloudtrail", "cloudtrail/2013-11-01",
           "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", false),
    JSON11("kms", "kms/2014-11-01", "TrentService", false),
    JSON11("config", "config/2014-11-12", "StarlingDoveService", false),
    JSON11("logs", "logs/2014-03-28", "Logs_20140328", false),
    REST("guardduty", ISM_AWS_REST_JSON, "guardduty/2017-11-28", NULL),
    REST("backup", ISM_AWS_REST_JSON, "backup/2018-11-15", NULL),
    REST("s3", ISM_AWS_REST_XML, "s3/2006-03-01", "http://s3.amazonaws.com/doc/2006-03-01/"),
};
const size_t emu_services_count = sizeof emu_services / sizeof emu_services[0];

/* Pagination styles: list member, input token, input limit, output token, "more" flag, default
 * page size when the client asks none (AWS's own defaults). */
#define PAGE_IAM(L)                                                                                \
    .list = L, .in_token = "Marker", .in_limit = "MaxItems", .out_token = "Marker",                \
    .more = "IsTruncated", .default_page = 100
#define PAGE_EC2(L)                                                                                \
    .list = L, .in_token = "NextToken", .in_limit = "MaxResults", .out_token = "NextToken",        \
    .default_page = 1000
#define PAGE_TOKEN(L, TOK, LIM, OUT, N)                                                            \
    .list = L, .in_token = TOK, .in_limit = LIM, .out_token = OUT, .default_page = N
#define EC2_LIST(OP, KEY)                                                                          \
    {                                                                                              \
        "ec2", OP, .handler = h_ec2_describe, .data = KEY, PAGE_EC2(KEY)                           \
    }
#define S3_GET(OP, SUB, KEY, ROOT)                                                                 \
    {                                                                                              \
        "s3", OP, "GET /{Bucket}?" SUB, h_s3_bucket_config, .data = KEY, .xml_root = ROOT          \
    }

const emu_op emu_ops[] = {
    /* STS */
    {"sts", "GetCallerIdentity", .handler = h_sts_get_caller_identity},
    {"sts", "AssumeRole", .handler = h_sts_assume_role},
    /* Organizations */
    {"organizations", "ListAccounts", .handler = h_org_list_accounts,
     PAGE_TOKEN("Accounts", "NextToken", "MaxResults", "NextToken", 20)},
    {"organizations", "DescribeOrganization", .handler = h_org_describe_organization},
    /* IAM */
    {"iam", "GetAccountSummary", .handler = h_iam_account_summary},
    {"iam", "GetAccountPasswordPolicy", .handler = h_iam_password_policy},
    {"iam", "ListUsers", .handler = h_iam_list_users, PAGE_IAM("Users")},
    {"iam", "ListMFADevices", .handler = h_iam_list_mfa_devices, PAGE_IAM("MFADevices")},
    {"iam", "ListAttachedUserPolicies", .handler = h_iam_list_attached_user_policies,
     PAGE_IAM("AttachedPolicies")},
    {"iam", "ListRoles", .handler = h_iam_list_roles, PAGE_IAM("Roles")},
    {"iam", "GenerateCredentialReport", .handler = h_iam_generate_report},
    {"iam", "GetCredentialReport", .handler = h_iam_get_report},
    /* EC2 */
    {"ec2", "DescribeRegions", .handler = h_ec2_describe_regions},
    {"ec2", "GetEbsEncryptionByDefault", .handler = h_ec2_ebs_default},
    EC2_LIST("DescribeVpcs", "Vpcs"),
    EC2_LIST("DescribeSubnets", "Subnets"),
    EC2_LIST("DescribeRouteTables", "RouteTables"),
    EC2_LIST("DescribeInternetGateways", "InternetGateways"),
    EC2_LIST("DescribeNatGateways", "NatGateways"),
    EC2_LIST("DescribeVpcPeeringConnections", "VpcPeeringConnections"),
    EC2_LIST("DescribeTransitGatewayAttachments", "TransitGatewayAttachments"),
    EC2_LIST("DescribeSecurityGroups", "SecurityGroups"),
    EC2_LIST("DescribeNetworkAcls", "NetworkAcls"),
    EC2_LIST("DescribeFlowLogs", "FlowLogs"),
    EC2_LIST("DescribeVolumes", "Volumes"),
    EC2_LIST("DescribeInstances", "Reservations"),
    /* CloudTrail */
    {"cloudtrail", "DescribeTrails", .handler = h_ct_describe_trails},
    {"cloudtrail", "GetTrailStatus", .handler = h_ct_trail_status},
    {"cloudtrail", "GetEventSelectors", .handler = h_ct_event_selectors},
    /* KMS */
    {"kms", "ListKeys", .handler = h_kms_list_keys, .list = "Keys", .in_token = "Marker",
     .in_limit = "Limit", .out_token = "NextMarker", .more = "Truncated", .default_page = 100},
    {"kms", "DescribeKey", .handler = h_kms_describe_key},
    {"kms", "GetKeyRotationStatus", .handler = h_kms_rotation_status},
    /* S3 */
    {"s3", "ListBuckets", "GET /", h_s3_list_buckets, .xml_root = "ListAllMyBucketsResult"},
    {"s3", "GetBucketLocation", "GET /{Bucket}?location", h_s3_location,
     .xml_root = "LocationConstraint"},
    S3_GET("GetBucketEncryption", "encryption", "Encryption", NULL),
    S3_GET("GetPublicAccessBlock", "publicAccessBlock", "PublicAccessBlock", NULL),
    S3_GET("GetBucketVersioning", "versioning", "Versioning", "VersioningConfiguration"),
    S3_GET("GetObjectLockConfiguration", "object-lock", "ObjectLock", NULL),
    S3_GET("GetBucketPolicyStatus", "policyStatus", "PolicyStatus", NULL),
    /* Config */
    {"config", "DescribeConfigurationRecorders", .handler = h_cfg_recorders},
    {"config", "DescribeConfigurationRecorderStatus", .handler = h_cfg_recorder_status},
    /* GuardDuty */
    {"guardduty", "ListDetectors", "GET /detector", h_gd_list_detectors,
     PAGE_TOKEN("DetectorIds", "nextToken", "maxResults", "NextToken", 50)},
    {"guardduty", "GetDetector", "GET /detector/{detectorId}", .handler = h_gd_get_detector},
    /* Backup */
    {"backup", "ListBackupPlans", "GET /backup/plans/", h_bk_list_plans,
     PAGE_TOKEN("BackupPlansList", "nextToken", "maxResults", "NextToken", 1000)},
    {"backup", "GetBackupPlan", "GET /backup/plans/{backupPlanId}/", .handler = h_bk_get_plan},
    /* CloudWatch Logs */
    {"logs", "DescribeLogGroups", .handler = h_logs_describe_groups,
     PAGE_TOKEN("logGroups", "nextToken", "limit", "nextToken", 50)},
};
const size_t emu_ops_count = sizeof emu_ops / sizeof emu_ops[0];

const emu_service *emu_service_find(const char *name)
{
    for (size_t i = 0; i < emu_services_count; i++)
        if (strcmp(emu_services[i].name, name) == 0) return &emu_services[i];
    return NULL;
}

const emu_op *emu_op_find(const char *service, const char *name)
{
    for (size_t i = 0; i < emu_ops_count; i++)
        if (strcmp(emu_ops[i].service, service) == 0 && strcmp(emu_ops[i].name, name) == 0)
            return &emu_ops[i];
    return NULL;
}
