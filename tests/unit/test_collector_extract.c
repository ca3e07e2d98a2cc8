/* test_collector_extract.c — answers as AWS sends them (XML with EC2's wire names and item
 * lists, IAM's entry maps and URL-encoded policies, S3's payload roots and flattened rules,
 * JSON and REST-JSON) turned into the snapshot's resources: AWS's JSON member names, typed
 * booleans and numbers, one-element lists as lists, merged sub-keys, the credential report's
 * CSV, buckets moved to their region, "nothing configured" answers, and pagination tokens. */
#include "ismap/aws.h"
#include "ismap/snapshot.h"
#include "testutil.h"

#include <check.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static ism_snapshot *snap;

#define ACCT "111122223333"
#define TOKYO "ap-northeast-1"

static void setup(void)
{
    dir = tu_tempdir("awsextract");
    char path[512];
    snprintf(path, sizeof path, "%s/s.db", dir);
    ism_error e = {0};
    snap = ism_snapshot_create(path, "snap_x", "aws", NULL, &e);
    ck_assert_msg(snap != NULL, "%s", e.message);
}

static void teardown(void)
{
    ism_snapshot_close(snap);
    tu_rmtree(dir);
    free(dir);
}

static const ism_aws_op *op(const char *svc, const char *name)
{
    const ism_aws_op *o = ism_aws_op_find(svc, name);
    ck_assert_msg(o != NULL, "%s %s", svc, name);
    return o;
}

/* The typed answer of a body, as the collector computes it. */
static json_t *typed(const char *svc, const char *name, const char *body)
{
    const ism_aws_op *o = op(svc, name);
    ism_error e = {0};
    json_t *parsed = ism_aws_parse_response(o->protocol, body, strlen(body), NULL, &e);
    ck_assert_msg(parsed != NULL, "%s", e.message);
    json_t *out = ism_aws_typed_output(o, parsed);
    json_decref(parsed);
    return out;
}

/* Runs the operation's extractor on a body. */
static ism_aws_xresult extract(const char *svc, const char *name, const char *body,
                               const char *region, const char *resource, const char *rregion)
{
    const ism_aws_op *o = op(svc, name);
    json_t *out = typed(svc, name, body);
    ism_aws_xctx x = {.snap = snap,
                      .op = o,
                      .account = ACCT,
                      .region = region,
                      .resource = resource,
                      .resource_region = rregion,
                      .last_page = true};
    ism_error e = {0};
    ism_aws_xresult r = o->extract(&x, out, &e);
    ck_assert_msg(r != ISM_AWS_X_ERROR, "%s: %s", name, e.message);
    json_decref(out);
    return r;
}

/* The first column of the first row, as text ("" when none). Static buffer. */
static const char *q(const char *sql)
{
    static char buf[4096];
    buf[0] = '\0';
    sqlite3_stmt *st = NULL;
    ck_assert_msg(sqlite3_prepare_v2(ism_snapshot_db(snap), sql, -1, &st, NULL) == SQLITE_OK, "%s",
                  sqlite3_errmsg(ism_snapshot_db(snap)));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        ism_strlcpy(buf, (const char *)sqlite3_column_text(st, 0), sizeof buf);
    sqlite3_finalize(st);
    return buf;
}

static void json_is(const json_t *v, const char *path, const char *want)
{
    /* path: "a.b.0.c" */
    const json_t *cur = v;
    char p[256];
    ism_strlcpy(p, path, sizeof p);
    for (char *tok = strtok(p, "."); tok && cur; tok = strtok(NULL, "."))
        cur =
            json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tok)) : json_object_get(cur, tok);
    char *got = cur ? json_dumps(cur, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("(absent)");
    ck_assert_msg(!strcmp(got, want), "%s: %s, wanted %s", path, got, want);
    free(got);
}

/* ---- EC2 ------------------------------------------------------------------------------------ */
static const char *vpcs_xml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
    "  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>\n"
    "  <vpcSet>\n    <item>\n      <vpcId>vpc-0a60eb65b4EXAMPLE</vpcId>\n"
    "      <ownerId>111122223333</ownerId>\n      <state>available</state>\n"
    "      <cidrBlock>10.0.0.0/16</cidrBlock>\n"
    "      <cidrBlockAssociationSet><item><cidrBlock>10.0.0.0/16</cidrBlock>"
    "<associationId>vpc-cidr-assoc-1</associationId><cidrBlockState><state>associated</state>"
    "</cidrBlockState></item></cidrBlockAssociationSet>\n"
    "      <dhcpOptionsId>dopt-19edf471</dhcpOptionsId>\n"
    "      <tagSet><item><key>Name</key><value>mynumber-vpc</value></item></tagSet>\n"
    "      <instanceTenancy>default</instanceTenancy>\n      <isDefault>false</isDefault>\n"
    "    </item>\n    <item><vpcId>vpc-default</vpcId><isDefault>true</isDefault><tagSet/>"
    "</item>\n  </vpcSet>\n  <nextToken>tok2</nextToken>\n</DescribeVpcsResponse>\n";

START_TEST(ec2_wire_names_become_member_names)
{
    json_t *o = typed("ec2", "DescribeVpcs", vpcs_xml);
    json_is(o, "Vpcs.0.VpcId", "\"vpc-0a60eb65b4EXAMPLE\"");
    json_is(o, "Vpcs.0.IsDefault", "false");
    json_is(o, "Vpcs.1.IsDefault", "true");
    json_is(o, "Vpcs.0.Tags", "[{\"Key\":\"Name\",\"Value\":\"mynumber-vpc\"}]");
    json_is(o, "Vpcs.1.Tags", "[]");
    json_is(o, "Vpcs.0.CidrBlockAssociationSet.0.CidrBlockState.State", "\"associated\"");
    json_is(o, "NextToken", "\"tok2\"");
    json_is(o, "requestId", "(absent)");
    char *tok = NULL;
    ism_error e = {0};
    ck_assert(ism_aws_page_next(o, ISM_AWS_PAGE_NEXT_TOKEN, &tok, &e));
    ck_assert_str_eq(tok, "tok2");
    free(tok);
    json_decref(o);

    ck_assert_int_eq(extract("ec2", "DescribeVpcs", vpcs_xml, TOKYO, NULL, NULL), ISM_AWS_X_OK);
    ck_assert_str_eq(q("SELECT count(*) FROM resources WHERE type='ec2.Vpc'"), "2");
    ck_assert_str_eq(q("SELECT arn FROM resources WHERE id='vpc-0a60eb65b4EXAMPLE'"),
                     "arn:aws:ec2:ap-northeast-1:111122223333:vpc/vpc-0a60eb65b4EXAMPLE");
    ck_assert_str_eq(q("SELECT json_type(data,'$.IsDefault') FROM resources WHERE "
                       "id='vpc-default'"),
                     "true");
    ck_assert_str_eq(q("SELECT service||' '||region||' '||account FROM resources LIMIT 1"),
                     "ec2 ap-northeast-1 111122223333");
}
END_TEST

static const char *instances_xml =
    "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>r-1</requestId><reservationSet><item><reservationId>r-0abc</reservationId>"
    "<ownerId>111122223333</ownerId><groupSet/><instancesSet><item>"
    "<instanceId>i-1234567890abcdef0</instanceId><imageId>ami-1</imageId>"
    "<instanceState><code>16</code><name>running</name></instanceState>"
    "<instanceType>t3.micro</instanceType><monitoring><state>disabled</state></monitoring>"
    "<groupSet><item><groupId>sg-1</groupId><groupName>web</groupName></item></groupSet>"
    "<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1"
    "</volumeId><status>attached</status><attachTime>2024-01-01T00:00:00.000Z</attachTime>"
    "<deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>"
    "<ebsOptimized>false</ebsOptimized><publicIpAddress>203.0.113.5</publicIpAddress>"
    "<metadataOptions><state>applied</state><httpTokens>required</httpTokens>"
    "<httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint>"
    "</metadataOptions><cpuOptions><coreCount>1</coreCount><threadsPerCore>2</threadsPerCore>"
    "</cpuOptions></item><item><instanceId>i-2</instanceId></item></instancesSet></item>"
    "<item><reservationId>r-2</reservationId><instancesSet><item><instanceId>i-3</instanceId>"
    "</item></instancesSet></item></reservationSet></DescribeInstancesResponse>";

START_TEST(ec2_instances_nested_lists_and_numbers)
{
    json_t *o = typed("ec2", "DescribeInstances", instances_xml);
    json_is(o, "Reservations.0.Instances.0.State", "{\"Code\":16,\"Name\":\"running\"}");
    json_is(o, "Reservations.0.Instances.0.SecurityGroups.0.GroupId", "\"sg-1\"");
    json_is(o, "Reservations.0.Instances.0.BlockDeviceMappings.0.Ebs.DeleteOnTermination", "true");
    json_is(o, "Reservations.0.Instances.0.MetadataOptions.HttpPutResponseHopLimit", "2");
    json_is(o, "Reservations.0.Instances.0.EbsOptimized", "false");
    json_is(o, "Reservations.0.Groups", "[]");
    json_decref(o);
    extract("ec2", "DescribeInstances", instances_xml, TOKYO, NULL, NULL);
    ck_assert_str_eq(q("SELECT group_concat(id) FROM (SELECT id FROM resources WHERE "
                       "type='ec2.Instance' ORDER BY id)"),
                     "i-1234567890abcdef0,i-2,i-3");
    ck_assert_str_eq(q("SELECT json_extract(data,'$.MetadataOptions.HttpTokens') FROM resources "
                       "WHERE id='i-1234567890abcdef0'"),
                     "required");
}
END_TEST

START_TEST(ec2_security_groups_volumes_and_single_values)
{
    const char *sg =
        "<DescribeSecurityGroupsResponse><requestId>x</requestId><securityGroupInfo><item>"
        "<ownerId>111122223333</ownerId><groupId>sg-0a</groupId><groupName>ssh</groupName>"
        "<groupDescription>d</groupDescription><vpcId>vpc-1</vpcId><ipPermissions><item>"
        "<ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><groups/>"
        "<ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/>"
        "<prefixListIds/></item></ipPermissions><ipPermissionsEgress><item><ipProtocol>-1"
        "</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>"
        "</ipPermissionsEgress></item></securityGroupInfo></DescribeSecurityGroupsResponse>";
    json_t *o = typed("ec2", "DescribeSecurityGroups", sg);
    json_is(o, "SecurityGroups.0.IpPermissions.0.FromPort", "22");
    json_is(o, "SecurityGroups.0.IpPermissions.0.IpRanges.0.CidrIp", "\"0.0.0.0/0\"");
    json_is(o, "SecurityGroups.0.IpPermissions.0.UserIdGroupPairs", "[]");
    json_is(o, "SecurityGroups.0.IpPermissionsEgress.0.IpProtocol", "\"-1\"");
    json_decref(o);
    const char *vols = "<DescribeVolumesResponse><volumeSet><item><volumeId>vol-1</volumeId>"
                       "<size>8</size><encrypted>true</encrypted><iops>100</iops>"
                       "<attachmentSet><item><instanceId>i-1</instanceId></item></attachmentSet>"
                       "</item></volumeSet></DescribeVolumesResponse>";
    o = typed("ec2", "DescribeVolumes", vols);
    json_is(o, "Volumes.0.Encrypted", "true");
    json_is(o, "Volumes.0.Size", "8");
    json_is(o, "Volumes.0.Attachments.0.InstanceId", "\"i-1\"");
    json_decref(o);
    const char *ebs = "<GetEbsEncryptionByDefaultResponse xmlns=\"http://ec2.amazonaws.com/doc/"
                      "2016-11-15/\"><requestId>r</requestId><ebsEncryptionByDefault>true"
                      "</ebsEncryptionByDefault></GetEbsEncryptionByDefaultResponse>";
    extract("ec2", "GetEbsEncryptionByDefault", ebs, TOKYO, NULL, NULL);
    ck_assert_str_eq(q("SELECT id||' '||json_type(data,'$.EbsEncryptionByDefault') FROM "
                       "resources WHERE type='ec2.EbsEncryptionByDefault'"),
                     "ap-northeast-1 true");
    const char *regions =
        "<DescribeRegionsResponse><requestId>r</requestId><regionInfo><item><regionName>"
        "ap-northeast-1</regionName><regionEndpoint>ec2.ap-northeast-1.amazonaws.com"
        "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item><item>"
        "<regionName>ap-northeast-3</regionName><regionEndpoint>ec2.ap-northeast-3.amazonaws.com"
        "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item></regionInfo>"
        "</DescribeRegionsResponse>";
    extract("ec2", "DescribeRegions", regions, "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT data FROM resources WHERE type='ec2.Region' AND "
                       "id='ap-northeast-3'"),
                     "{\"RegionName\":\"ap-northeast-3\",\"Endpoint\":\"ec2.ap-northeast-3."
                     "amazonaws.com\",\"OptInStatus\":\"opt-in-not-required\"}");
}
END_TEST

/* ---- IAM and STS ----------------------------------------------------------------------------- */
START_TEST(iam_summary_policy_users_roles)
{
    const char *sum = "<GetAccountSummaryResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/"
                      "\"><GetAccountSummaryResult><SummaryMap><entry><key>Users</key><value>12"
                      "</value></entry><entry><key>AccountMFAEnabled</key><value>1</value>"
                      "</entry><entry><key>AccountAccessKeysPresent</key><value>0</value>"
                      "</entry></SummaryMap></GetAccountSummaryResult><ResponseMetadata>"
                      "<RequestId>x</RequestId></ResponseMetadata></GetAccountSummaryResponse>";
    extract("iam", "GetAccountSummary", sum, "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT id||' '||region||' '||json_extract(data,'$.SummaryMap."
                       "AccountMFAEnabled')||json_type(data,'$.SummaryMap.Users') FROM "
                       "resources WHERE type='iam.AccountSummary'"),
                     ACCT " global 1integer");
    const char *pp = "<GetAccountPasswordPolicyResponse><GetAccountPasswordPolicyResult>"
                     "<PasswordPolicy><AllowUsersToChangePassword>true</AllowUsersToChangePassword>"
                     "<RequireLowercaseCharacters>true</RequireLowercaseCharacters>"
                     "<RequireUppercaseCharacters>false</RequireUppercaseCharacters>"
                     "<MinimumPasswordLength>14</MinimumPasswordLength><RequireNumbers>true"
                     "</RequireNumbers><PasswordReusePrevention>24</PasswordReusePrevention>"
                     "<RequireSymbols>true</RequireSymbols><ExpirePasswords>true</ExpirePasswords>"
                     "<MaxPasswordAge>90</MaxPasswordAge><HardExpiry>false</HardExpiry>"
                     "</PasswordPolicy></GetAccountPasswordPolicyResult>"
                     "</GetAccountPasswordPolicyResponse>";
    extract("iam", "GetAccountPasswordPolicy", pp, "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT json_extract(data,'$.PasswordPolicy.MinimumPasswordLength')||' '||"
                       "json_type(data,'$.PasswordPolicy.RequireSymbols')||' '||"
                       "json_type(data,'$.PasswordPolicy.HardExpiry') FROM resources WHERE "
                       "type='iam.PasswordPolicy'"),
                     "14 true false");

    const char *users =
        "<ListUsersResponse><ListUsersResult><IsTruncated>false</IsTruncated>"
        "<Users><member><UserId>AID1</UserId><Path>/</Path><UserName>alice"
        "</UserName><Arn>arn:aws:iam::111122223333:user/alice</Arn><CreateDate>"
        "2024-01-01T00:00:00Z</CreateDate><PasswordLastUsed>2024-06-01T00:00:00Z"
        "</PasswordLastUsed></member></Users></ListUsersResult></ListUsersResponse>";
    json_t *o = typed("iam", "ListUsers", users);
    json_is(o, "IsTruncated", "false");
    json_is(o, "Users.0.UserName", "\"alice\"");
    char *tok = NULL;
    ism_error e = {0};
    ck_assert(ism_aws_page_next(o, ISM_AWS_PAGE_MARKER, &tok, &e) && tok == NULL);
    json_decref(o);
    extract("iam", "ListUsers", users, "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT arn||' '||json_extract(data,'$.User.UserName') FROM resources "
                       "WHERE type='iam.User'"),
                     "arn:aws:iam::111122223333:user/alice alice");

    /* Per-resource, paged: two pages of MFA devices gathered, then merged into the user. */
    const ism_aws_op *mfa = op("iam", "ListMFADevices");
    const char *p1 = "<ListMFADevicesResponse><ListMFADevicesResult><IsTruncated>true"
                     "</IsTruncated><Marker>m2</Marker><MFADevices><member><UserName>alice"
                     "</UserName><SerialNumber>arn:aws:iam::111122223333:mfa/a1</SerialNumber>"
                     "<EnableDate>2024-01-02T00:00:00Z</EnableDate></member></MFADevices>"
                     "</ListMFADevicesResult></ListMFADevicesResponse>";
    const char *p2 = "<ListMFADevicesResponse><ListMFADevicesResult><IsTruncated>false"
                     "</IsTruncated><MFADevices><member><UserName>alice</UserName><SerialNumber>"
                     "arn:aws:iam::111122223333:mfa/a2</SerialNumber></member></MFADevices>"
                     "</ListMFADevicesResult></ListMFADevicesResponse>";
    json_t *acc = json_array();
    for (int page = 0; page < 2; page++) {
        json_t *out = typed("iam", "ListMFADevices", page ? p2 : p1);
        char *next = NULL;
        ck_assert(ism_aws_page_next(out, mfa->paging, &next, &e));
        ck_assert(page ? next == NULL : next && !strcmp(next, "m2"));
        free(next);
        ism_aws_xctx x = {.snap = snap,
                          .op = mfa,
                          .account = ACCT,
                          .region = "global",
                          .resource = "alice",
                          .resource_region = "global",
                          .acc = acc,
                          .last_page = page == 1};
        ck_assert_int_eq(mfa->extract(&x, out, &e), ISM_AWS_X_OK);
        json_decref(out);
    }
    json_decref(acc);
    ck_assert_str_eq(q("SELECT json_array_length(data,'$.MFADevices')||' '||"
                       "json_extract(data,'$.User.UserName')||' '||"
                       "coalesce(json_type(data,'$.IsTruncated'),'none') FROM resources WHERE "
                       "type='iam.User' AND id='alice'"),
                     "2 alice none");
    const char *pol = "<ListAttachedUserPoliciesResponse><ListAttachedUserPoliciesResult>"
                      "<AttachedPolicies/><IsTruncated>false</IsTruncated>"
                      "</ListAttachedUserPoliciesResult></ListAttachedUserPoliciesResponse>";
    extract("iam", "ListAttachedUserPolicies", pol, "global", "alice", "global");
    ck_assert_str_eq(q("SELECT json_extract(data,'$.AttachedPolicies')||' '||"
                       "json_array_length(data,'$.MFADevices') FROM resources WHERE id='alice'"),
                     "[] 2");

    const char *roles =
        "<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated><Roles><member>"
        "<Path>/</Path><RoleName>OrganizationAccountAccessRole</RoleName><RoleId>AROA1</RoleId>"
        "<Arn>arn:aws:iam::111122223333:role/OrganizationAccountAccessRole</Arn>"
        "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B"
        "%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A"
        "%3A999999999999%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
        "</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></member>"
        "</Roles></ListRolesResult></ListRolesResponse>";
    extract("iam", "ListRoles", roles, "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT json_extract(data,'$.AssumeRolePolicyDocument.Statement[0]."
                       "Principal.AWS')||' '||json_type(data,'$.MaxSessionDuration') FROM "
                       "resources WHERE type='iam.Role'"),
                     "arn:aws:iam::999999999999:root integer");

    const char *who = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"
                      "2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:"
                      "user/auditor</Arn><UserId>AIDA1</UserId><Account>111122223333</Account>"
                      "</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>"
                      "</ResponseMetadata></GetCallerIdentityResponse>";
    extract("sts", "GetCallerIdentity", who, "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT id||' '||data FROM resources WHERE type='sts.CallerIdentity'"),
                     ACCT " {\"Arn\":\"arn:aws:iam::111122223333:user/auditor\",\"UserId\":"
                          "\"AIDA1\",\"Account\":\"111122223333\"}");
}
END_TEST

START_TEST(credential_report)
{
    const ism_aws_op *gen = op("iam", "GenerateCredentialReport");
    json_t *o = typed("iam", "GenerateCredentialReport",
                      "<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>"
                      "STARTED</State><Description>No report exists. Starting a new report "
                      "generation task</Description></GenerateCredentialReportResult>"
                      "</GenerateCredentialReportResponse>");
    ism_aws_xctx x = {.snap = snap, .op = gen, .account = ACCT, .region = "global"};
    ism_error e = {0};
    ck_assert_int_eq(gen->extract(&x, o, &e), ISM_AWS_X_AGAIN);
    json_object_set_new(o, "State", json_string("COMPLETE"));
    ck_assert_int_eq(gen->extract(&x, o, &e), ISM_AWS_X_OK);
    json_decref(o);
    /* user,arn,...: base64 of a CSV with the root row and a user whose name has a comma. */
    const char *csv =
        "user,arn,user_creation_time,password_enabled,mfa_active,access_key_1_active,"
        "access_key_1_last_rotated\n"
        "<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,"
        "true,false,N/A\n"
        "\"bob,ops\",arn:aws:iam::111122223333:user/bob,2021-01-01T00:00:00+00:00,true,false,"
        "true,2021-02-01T00:00:00+00:00\n";
    size_t n = strlen(csv);
    unsigned char *b64 = malloc(n * 2 + 4);
    EVP_EncodeBlock(b64, (const unsigned char *)csv, (int)n);
    char *body = ism_strdupf("<GetCredentialReportResponse><GetCredentialReportResult><Content>%s"
                             "</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>"
                             "2024-01-01T00:00:00Z</GeneratedTime></GetCredentialReportResult>"
                             "</GetCredentialReportResponse>",
                             b64);
    extract("iam", "GetCredentialReport", body, "global", NULL, NULL);
    free(body);
    free(b64);
    ck_assert_str_eq(q("SELECT count(*) FROM resources WHERE type='iam.CredentialReport'"), "2");
    ck_assert_str_eq(q("SELECT json_extract(data,'$.mfa_active')||' '||arn FROM resources WHERE "
                       "id='<root_account>'"),
                     "true arn:aws:iam::111122223333:root");
    ck_assert_str_eq(q("SELECT json_extract(data,'$.access_key_1_last_rotated') FROM resources "
                       "WHERE id='bob,ops'"),
                     "2021-02-01T00:00:00+00:00");
    /* Not base64: a clear failure. */
    const ism_aws_op *get = op("iam", "GetCredentialReport");
    json_t *bad = json_pack("{s:s}", "Content", "%%%not base64");
    ism_aws_xctx y = {.snap = snap, .op = get, .account = ACCT, .region = "global"};
    ck_assert_int_eq(get->extract(&y, bad, &e), ISM_AWS_X_ERROR);
    ck_assert(strstr(e.message, "base64") != NULL);
    ism_error_clear(&e);
    json_decref(bad);
}
END_TEST

/* ---- S3 ---------------------------------------------------------------------------------------
 */
START_TEST(s3_buckets_regions_and_sub_keys)
{
    const char *list =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult xmlns=\"http://s3."
        "amazonaws.com/doc/2006-03-01/\"><Owner><ID>abc</ID><DisplayName>city</DisplayName>"
        "</Owner><Buckets><Bucket><Name>city-logs</Name><CreationDate>2024-01-01T00:00:00.000Z"
        "</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>";
    json_t *o = typed("s3", "ListBuckets", list);
    json_is(o, "Buckets",
            "[{\"Name\":\"city-logs\",\"CreationDate\":\"2024-01-01T00:00:00.000Z\"}]");
    json_decref(o);
    extract("s3", "ListBuckets", list, "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT region||' '||arn FROM resources WHERE type='s3.Bucket'"),
                     "global arn:aws:s3:::city-logs");
    extract("s3", "GetBucketLocation",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"http://s3."
            "amazonaws.com/doc/2006-03-01/\">ap-northeast-1</LocationConstraint>",
            "global", "city-logs", "global");
    ck_assert_str_eq(q("SELECT region||' '||json_extract(data,'$.Location.LocationConstraint')||' '"
                       "||json_extract(data,'$.Bucket.Name')||' '||arn FROM resources WHERE "
                       "type='s3.Bucket'"),
                     "ap-northeast-1 ap-northeast-1 city-logs arn:aws:s3:::city-logs");
    ck_assert_str_eq(q("SELECT count(*) FROM resources WHERE type='s3.Bucket'"), "1");

    extract("s3", "GetBucketEncryption",
            "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>"
            "<KMSMasterKeyID>arn:aws:kms:ap-northeast-1:111122223333:key/k1</KMSMasterKeyID>"
            "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>"
            "</Rule></ServerSideEncryptionConfiguration>",
            TOKYO, "city-logs", TOKYO);
    extract("s3", "GetPublicAccessBlock",
            "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
            "<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy>"
            "<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>",
            TOKYO, "city-logs", TOKYO);
    extract("s3", "GetBucketVersioning",
            "<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>"
            "</VersioningConfiguration>",
            TOKYO, "city-logs", TOKYO);
    extract("s3", "GetObjectLockConfiguration",
            "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
            "<DefaultRetention><Mode>COMPLIANCE</Mode><Days>30</Days></DefaultRetention></Rule>"
            "</ObjectLockConfiguration>",
            TOKYO, "city-logs", TOKYO);
    extract("s3", "GetBucketPolicyStatus",
            "<PolicyStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsPublic>false"
            "</IsPublic></PolicyStatus>",
            TOKYO, "city-logs", TOKYO);
    ck_assert_str_eq(
        q("SELECT json_extract(data,'$.Encryption.ServerSideEncryptionConfiguration.Rules[0]."
          "ApplyServerSideEncryptionByDefault.SSEAlgorithm')||' '||"
          "json_type(data,'$.Encryption.ServerSideEncryptionConfiguration.Rules[0]."
          "BucketKeyEnabled')||' '||"
          "json_type(data,'$.PublicAccessBlock.PublicAccessBlockConfiguration.BlockPublicPolicy')"
          "||' '||json_extract(data,'$.Versioning.Status')||' '||"
          "json_extract(data,'$.Versioning.MFADelete')||' '||"
          "json_extract(data,'$.ObjectLock.ObjectLockConfiguration.Rule.DefaultRetention.Days')||"
          "' '||json_type(data,'$.PolicyStatus.PolicyStatus.IsPublic') FROM resources WHERE "
          "type='s3.Bucket'"),
        "aws:kms true false Enabled Disabled 30 false");

    /* us-east-1 answers an empty LocationConstraint; "nothing configured" goes into the data. */
    extract("s3", "ListBuckets",
            "<ListAllMyBucketsResult><Buckets><Bucket><Name>old</Name></Bucket></Buckets>"
            "</ListAllMyBucketsResult>",
            "global", NULL, NULL);
    extract("s3", "GetBucketLocation", "<LocationConstraint xmlns=\"x\"/>", "global", "old",
            "global");
    ck_assert_str_eq(q("SELECT region FROM resources WHERE id='old'"), "us-east-1");
    ism_aws_xctx x = {.snap = snap,
                      .op = op("s3", "GetPublicAccessBlock"),
                      .account = ACCT,
                      .region = "global",
                      .resource = "old",
                      .resource_region = "us-east-1"};
    ism_error e = {0};
    ck_assert(ism_aws_x_none_configured(&x, "NoSuchPublicAccessBlockConfiguration",
                                        "The public access block configuration was not found", &e));
    ck_assert_str_eq(q("SELECT json_extract(data,'$.PublicAccessBlock.Error.Code') FROM resources "
                       "WHERE id='old'"),
                     "NoSuchPublicAccessBlockConfiguration");
    ck_assert_str_eq(ism_aws_s3_region("EU"), "eu-west-1");
    ck_assert_str_eq(ism_aws_s3_region(NULL), "us-east-1");
}
END_TEST

START_TEST(no_password_policy)
{
    ism_aws_xctx x = {.snap = snap,
                      .op = op("iam", "GetAccountPasswordPolicy"),
                      .account = ACCT,
                      .region = "global"};
    ism_error e = {0};
    ck_assert(ism_aws_x_none_configured(&x, "NoSuchEntity", "no policy", &e));
    ck_assert_str_eq(q("SELECT id||' '||data FROM resources WHERE type='iam.PasswordPolicy'"),
                     ACCT " {\"NoSuchEntity\":true}");
}
END_TEST

/* ---- JSON and REST-JSON ------------------------------------------------------------------- */
START_TEST(json_services)
{
    extract(
        "cloudtrail", "DescribeTrails",
        "{\"trailList\":[{\"Name\":\"org-trail\",\"S3BucketName\":\"logs\",\"IsMultiRegionTrail"
        "\":true,\"HomeRegion\":\"ap-northeast-1\",\"TrailARN\":\"arn:aws:cloudtrail:ap-northeast"
        "-1:111122223333:trail/org-trail\",\"LogFileValidationEnabled\":true,"
        "\"IsOrganizationTrail\":false}]}",
        TOKYO, NULL, NULL);
    const char *arn = "arn:aws:cloudtrail:ap-northeast-1:111122223333:trail/org-trail";
    extract("cloudtrail", "GetTrailStatus",
            "{\"IsLogging\":true,\"LatestDeliveryTime\":1.7E9,\"StartLoggingTime\":1.6E9}", TOKYO,
            arn, TOKYO);
    extract("cloudtrail", "GetEventSelectors",
            "{\"TrailARN\":\"x\",\"EventSelectors\":[{\"ReadWriteType\":\"All\","
            "\"IncludeManagementEvents\":true}]}",
            TOKYO, arn, TOKYO);
    ck_assert_str_eq(
        q("SELECT json_type(data,'$.Trail.IsMultiRegionTrail')||' '||"
          "json_type(data,'$.Status.IsLogging')||' '||"
          "json_extract(data,'$.EventSelectors.EventSelectors[0].ReadWriteType')||' '"
          "||arn FROM resources WHERE type='cloudtrail.Trail'"),
        "true true All arn:aws:cloudtrail:ap-northeast-1:111122223333:trail/org-trail");

    json_t *o = typed("kms", "ListKeys",
                      "{\"Keys\":[{\"KeyId\":\"k1\",\"KeyArn\":\"arn:aws:kms:ap-northeast-1:"
                      "111122223333:key/k1\"}],\"Truncated\":true,\"NextMarker\":\"m2\"}");
    char *tok = NULL;
    ism_error e = {0};
    ck_assert(ism_aws_page_next(o, op("kms", "ListKeys")->paging, &tok, &e));
    ck_assert_str_eq(tok, "m2");
    free(tok);
    json_decref(o);
    extract("kms", "ListKeys",
            "{\"Keys\":[{\"KeyId\":\"k1\",\"KeyArn\":\"arn:aws:kms:ap-northeast-1:111122223333:"
            "key/k1\"}],\"Truncated\":false}",
            TOKYO, NULL, NULL);
    extract("kms", "DescribeKey",
            "{\"KeyMetadata\":{\"KeyId\":\"k1\",\"KeyManager\":\"CUSTOMER\",\"KeyState\":"
            "\"Enabled\",\"KeySpec\":\"SYMMETRIC_DEFAULT\"}}",
            TOKYO, "k1", TOKYO);
    extract("kms", "GetKeyRotationStatus", "{\"KeyRotationEnabled\":false}", TOKYO, "k1", TOKYO);
    ck_assert_str_eq(q("SELECT json_extract(data,'$.KeyMetadata.KeyManager')||' '||"
                       "json_type(data,'$.KeyRotationEnabled')||' '||arn FROM resources WHERE "
                       "type='kms.Key'"),
                     "CUSTOMER false arn:aws:kms:ap-northeast-1:111122223333:key/k1");

    extract("config", "DescribeConfigurationRecorders",
            "{\"ConfigurationRecorders\":[{\"name\":\"default\",\"roleARN\":\"arn:r\","
            "\"recordingGroup\":{\"allSupported\":true,\"includeGlobalResourceTypes\":true}}]}",
            TOKYO, NULL, NULL);
    extract("config", "DescribeConfigurationRecorderStatus",
            "{\"ConfigurationRecordersStatus\":[{\"name\":\"default\",\"recording\":true,"
            "\"lastStatus\":\"SUCCESS\"},{\"name\":\"ghost\",\"recording\":false}]}",
            TOKYO, NULL, NULL);
    ck_assert_str_eq(q("SELECT json_type(data,'$.ConfigurationRecorder.recordingGroup."
                       "allSupported')||' '||json_type(data,'$.Status.recording') FROM resources "
                       "WHERE type='config.ConfigurationRecorder' AND id='default'"),
                     "true true");

    extract("logs", "DescribeLogGroups",
            "{\"logGroups\":[{\"logGroupName\":\"/aws/vpc/flow\",\"creationTime\":1700000000000,"
            "\"retentionInDays\":365,\"arn\":\"arn:aws:logs:ap-northeast-1:111122223333:log-group:"
            "/aws/vpc/flow:*\"},{\"logGroupName\":\"forever\"}]}",
            TOKYO, NULL, NULL);
    ck_assert_str_eq(q("SELECT json_extract(data,'$.retentionInDays')||json_type(data,"
                       "'$.retentionInDays') FROM resources WHERE id='/aws/vpc/flow'"),
                     "365integer");
    ck_assert_str_eq(q("SELECT coalesce(json_type(data,'$.retentionInDays'),'absent') FROM "
                       "resources WHERE id='forever'"),
                     "absent");

    extract("organizations", "ListAccounts",
            "{\"Accounts\":[{\"Id\":\"222233334444\",\"Arn\":\"arn:aws:organizations::1:account/"
            "o-1/222233334444\",\"Email\":\"a@city.example.jp\",\"Name\":\"tokyo-city\","
            "\"Status\":\"ACTIVE\",\"JoinedMethod\":\"CREATED\",\"JoinedTimestamp\":1.6E9}]}",
            "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT json_extract(data,'$.Status') FROM resources WHERE "
                       "type='organizations.Account'"),
                     "ACTIVE");
    /* A member account reads its organization: the management account is known from it. */
    extract("organizations", "DescribeOrganization",
            "{\"Organization\":{\"Id\":\"o-a1b2c3d4e5\",\"FeatureSet\":\"ALL\","
            "\"MasterAccountId\":\"999988887777\"}}",
            "global", NULL, NULL);
    ck_assert_str_eq(q("SELECT id||' '||json_extract(data,'$.Organization.MasterAccountId') FROM "
                       "resources WHERE type='organizations.Organization'"),
                     "111122223333 999988887777");
}
END_TEST

START_TEST(rest_json_services)
{
    json_t *o =
        typed("guardduty", "ListDetectors", "{\"detectorIds\":[\"d1\"],\"nextToken\":\"\"}");
    json_is(o, "DetectorIds", "[\"d1\"]");
    json_decref(o);
    extract("guardduty", "ListDetectors", "{\"detectorIds\":[\"d1\"]}", TOKYO, NULL, NULL);
    extract("guardduty", "GetDetector",
            "{\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"findingPublishingFrequency\":"
            "\"SIX_HOURS\",\"serviceRole\":\"arn:r\",\"status\":\"ENABLED\",\"updatedAt\":\"x\","
            "\"dataSources\":{\"s3Logs\":{\"status\":\"ENABLED\"}},\"tags\":{\"k\":\"v\"}}",
            TOKYO, "d1", TOKYO);
    ck_assert_str_eq(q("SELECT json_extract(data,'$.Status')||' '||json_extract(data,"
                       "'$.DataSources.S3Logs.Status')||' '||json_extract(data,'$.Tags.k')||' '||"
                       "arn FROM resources WHERE type='guardduty.Detector'"),
                     "ENABLED ENABLED v arn:aws:guardduty:ap-northeast-1:111122223333:detector/d1");

    extract(
        "backup", "ListBackupPlans",
        "{\"BackupPlansList\":[{\"BackupPlanArn\":\"arn:aws:backup:ap-northeast-1:1:backup-"
        "plan:p1\",\"BackupPlanId\":\"p1\",\"BackupPlanName\":\"daily\",\"VersionId\":\"v1\"}]}",
        TOKYO, NULL, NULL);
    extract("backup", "GetBackupPlan",
            "{\"BackupPlan\":{\"BackupPlanName\":\"daily\",\"Rules\":[{\"RuleName\":\"r\","
            "\"TargetBackupVaultName\":\"v\",\"Lifecycle\":{\"DeleteAfterDays\":35}}]},"
            "\"BackupPlanId\":\"p1\",\"VersionId\":\"v1\"}",
            TOKYO, "p1", TOKYO);
    ck_assert_str_eq(q("SELECT json_extract(data,'$.BackupPlan.Rules[0].Lifecycle."
                       "DeleteAfterDays')||' '||arn FROM resources WHERE type='backup.BackupPlan'"),
                     "35 arn:aws:backup:ap-northeast-1:1:backup-plan:p1");
}
END_TEST

START_TEST(malformed_answers)
{
    const ism_aws_op *o = op("ec2", "DescribeVpcs");
    ism_error e = {0};
    /* Truncated XML, an HTML page, invalid JSON: clear errors, never partial data. */
    ck_assert_ptr_null(
        ism_aws_parse_response(o->protocol, "<DescribeVpcsResponse><vpcSet><item>", 36, NULL, &e));
    ck_assert(strstr(e.message, "unparseable response") != NULL);
    ism_error_clear(&e);
    const char *html = "<html><body><h1>Proxy Error</h1></body></html>";
    json_t *p = ism_aws_parse_response(o->protocol, html, strlen(html), NULL, &e);
    /* Well-formed HTML parses as XML; the typed answer then has no Vpcs, and nothing is
     * written: an empty list. The collector treats it by the status (a 200 HTML page is rare;
     * proxies answer 502/503 with it). */
    json_t *t = ism_aws_typed_output(o, p);
    json_is(t, "Vpcs", "(absent)");
    json_decref(t);
    json_decref(p);
    const ism_aws_op *k = op("kms", "ListKeys");
    ck_assert_ptr_null(ism_aws_parse_response(k->protocol, "{\"Keys\":[", 9, NULL, &e));
    ck_assert(strstr(e.message, "not valid JSON") != NULL);
    ism_error_clear(&e);
    /* An item without its id is an error naming the member. */
    json_t *bad = json_pack("{s:[{s:s}]}", "Vpcs", "CidrBlock", "10.0.0.0/16");
    ism_aws_xctx x = {.snap = snap, .op = o, .account = ACCT, .region = TOKYO};
    ck_assert_int_eq(o->extract(&x, bad, &e), ISM_AWS_X_ERROR);
    ck_assert(strstr(e.message, "VpcId") != NULL);
    ism_error_clear(&e);
    json_decref(bad);
    /* A page that says it is truncated but gives no marker must not end the list quietly. */
    json_t *trunc = json_pack("{s:b, s:[]}", "IsTruncated", 1, "Users");
    char *tok = NULL;
    ck_assert(!ism_aws_page_next(trunc, ISM_AWS_PAGE_MARKER, &tok, &e));
    ism_error_clear(&e);
    json_decref(trunc);
}
END_TEST

START_TEST(typed_values)
{
    /* Scalars the model types are converted; text that is not a number stays text. */
    unsigned short s_int = 2, s_bool = 1, s_double = 3;
    json_t *v = json_string("42");
    json_t *r = ism_aws_typed_value(v, s_int);
    ck_assert(json_is_integer(r) && json_integer_value(r) == 42);
    json_decref(r);
    json_decref(v);
    v = json_string("4x");
    r = ism_aws_typed_value(v, s_int);
    ck_assert(json_is_string(r));
    json_decref(r);
    json_decref(v);
    v = json_string("true");
    r = ism_aws_typed_value(v, s_bool);
    ck_assert(json_is_true(r));
    json_decref(r);
    json_decref(v);
    v = json_string("1.5");
    r = ism_aws_typed_value(v, s_double);
    ck_assert(json_is_real(r));
    json_decref(r);
    json_decref(v);
    /* An already typed JSON value passes through. */
    v = json_true();
    r = ism_aws_typed_value(v, s_bool);
    ck_assert(json_is_true(r));
    json_decref(r);
    /* A JSON-protocol answer with no shape is copied as is. */
    json_t *in = json_pack("{s:i}", "a", 1);
    json_t *out = ism_aws_typed_output(op("logs", "DescribeLogGroups"), in);
    ck_assert(json_equal(in, out));
    json_decref(in);
    json_decref(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("collector_extract");
    TCase *tc = tcase_create("extract");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ec2_wire_names_become_member_names);
    tcase_add_test(tc, ec2_instances_nested_lists_and_numbers);
    tcase_add_test(tc, ec2_security_groups_volumes_and_single_values);
    tcase_add_test(tc, iam_summary_policy_users_roles);
    tcase_add_test(tc, credential_report);
    tcase_add_test(tc, s3_buckets_regions_and_sub_keys);
    tcase_add_test(tc, no_password_policy);
    tcase_add_test(tc, json_services);
    tcase_add_test(tc, rest_json_services);
    tcase_add_test(tc, malformed_answers);
    tcase_add_test(tc, typed_values);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
