/* info.c — AWS as a provider, as data: its name, titles, the params of a collection and
 * the CLI's help (what it does is provider.c: include/ismap/provider.h says why the two are
 * apart). */
#include "ismap/provider.h"

static const ism_provider_param aws_params[] = {
    {"profile", ISM_PPARAM_STRING, "profile", "P",
     "An AWS profile of the daemon's credentials (~/.aws/config and credentials).", 1, 64, 0,
     "_-.@+"},
    {"org", ISM_PPARAM_BOOL, "org", NULL,
     "Collect every member account of the organization (from its management account).", 0, 0, 0,
     NULL},
    {"role_name", ISM_PPARAM_STRING, "role-name", "R",
     "With org: the role to assume in each member account (a name, path/name or role ARN).", 1,
     2048, 0, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"},
    {"external_id", ISM_PPARAM_STRING, "external-id", "X",
     "With org: the member role's ExternalId.", 2, 1224, 0, "_+=,.@:/-"},
    {"regions", ISM_PPARAM_LIST, "regions", "r1,r2",
     "Regions to collect [every region enabled in the account].", 2, 32, 64, "-"},
    {"services", ISM_PPARAM_LIST, "services", "s1,s2",
     "Services to collect [every service the collector knows].", 2, 32, 64, "-"},
    {"endpoint_url", ISM_PPARAM_URL, "endpoint-url", "URL",
     "One URL for every service (an emulator, a private endpoint); S3 path-style.", 0, 0, 0, NULL},
    {NULL, 0, NULL, NULL, NULL, 0, 0, 0, NULL},
};

const ism_provider ism_provider_aws = {
    .name = "aws",
    .title = "AWS",
    .scope_noun = "account",
    .summary = "collect AWS settings (an account or an organization) into a signed snapshot",
    .examples =
        "  ismapctl collect aws --wait\n"
        "  ismapctl collect aws --org --role-name ISMAPAssessReadOnly --external-id X "
        "--wait\n"
        "  ismapctl collect aws --regions ap-northeast-1,ap-northeast-3 --services ec2,s3\n",
    .params = aws_params,
    .permission_title = "IAM ACTION",
    .entry_operation = "AssumeRole",
};
