#!/usr/bin/env python3
"""emulator_botocore.py — the wire-format checks of emulator_awscli.sh, in one Python process.

Proves awsemu speaks AWS's real wire formats with botocore (Debian's python3-botocore: the
parsers, signer and paginators the aws CLI itself runs on), so each call costs milliseconds
rather than the CLI's ~1 s start-up. Every emulated operation against the bundled demo tenant
(the emulator pages every listing by 2: the paginator must follow the tokens and the full count
must come back), AssumeRole into every account with its ExternalId, calls with the temporary
credentials, expired / invalid session tokens, bad secrets, unknown operations, the credential
report round trip, and the pagination of every listed operation on a synthetic organization.
Run by emulator_awscli.sh, which starts the emulators and passes their ports:
  emulator_botocore.py TENANT SYNTHETIC_TENANT PORT_MAIN PORT_SHORT PORT_BROKEN PORT_SYN
Prints ok / FAIL lines; exits 1 when any check failed, 77 when botocore is not installed.
"""
import csv
import io
import json
import sys
import time
import urllib.request

try:
    import botocore.session
    import jmespath
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:
    print("emulator_botocore: python3-botocore not installed: skipped")
    sys.exit(77)

TENANT, SYN_TENANT = sys.argv[1], sys.argv[2]
P, P_SHORT, P_BROKEN, P_SYN = sys.argv[3:7]
M, MN, LG, OP = "712345670001", "712345670002", "712345670003", "712345670004"
R1, R3 = "ap-northeast-1", "ap-northeast-3"
EXT = "minato-ismap-2025"
COLLECTOR = ("AKIAMINATOCOLLECT001", "mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD", None)
SYN_COLLECTOR = ("AKIASYNTHCOLLECT0001", "sYnThEtIc/CoLlEcToR+SeCrEt0123456789abcd", None)
WAIT_S = 120  # the overall deadline of a wait for a condition (never a fixed sleep)

session = botocore.session.get_session()
config = Config(retries={"max_attempts": 3, "mode": "legacy"}, connect_timeout=30, read_timeout=60)
clients = {}
creds = COLLECTOR
failures = 0
passes = 0


def ok(msg):
    global passes
    passes += 1
    print("ok   " + msg)


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def client(svc, port, region, c=None):
    c = c or creds
    key = (svc, port, region, c)
    if key not in clients:
        clients[key] = session.create_client(
            svc, region_name=region, endpoint_url="http://127.0.0.1:%s" % port,
            aws_access_key_id=c[0], aws_secret_access_key=c[1], aws_session_token=c[2],
            config=config)
    return clients[key]


def call(port, region, svc, op, c=None, **params):
    """What `aws SVC OP` returns: every page merged when the operation paginates (as the CLI
    does), else the single answer."""
    cl = client(svc, port, region, c)
    if cl.can_paginate(op):
        return cl.get_paginator(op).paginate(**params).build_full_result()
    return getattr(cl, op)(**params)


def expect(label, want, port, region, query, svc, op, c=None, **params):
    try:
        got = jmespath.search(query, call(port, region, svc, op, c, **params))
    except ClientError as e:
        return fail("%s: want %r, got error %s" % (label, want, e.response["Error"].get("Code")))
    if got == want:
        ok("%s = %r" % (label, want))
    else:
        fail("%s: want %r, got %r" % (label, want, got))


def expect_error(label, code, port, region, svc, op, c=None, **params):
    try:
        call(port, region, svc, op, c, **params)
    except ClientError as e:
        got = e.response["Error"].get("Code")
        if got == code:
            return ok("%s -> %s" % (label, code))
        return fail("%s: expected %s, got %s (%s)" % (label, code, got, e))
    fail("%s: expected %s, the call succeeded" % (label, code))


def admin(port, what):
    with urllib.request.urlopen("http://127.0.0.1:%s/__emulator/%s" % (port, what), timeout=30) as r:
        return json.loads(r.read().decode())


def use_collector():
    global creds
    creds = COLLECTOR


def assume(acct, port=P, ext=EXT):
    global creds
    r = call(port, R1, "sts", "assume_role", COLLECTOR,
             RoleArn="arn:aws:iam::%s:role/ISMAPAssessReadOnly" % acct,
             RoleSessionName="ismap-test", ExternalId=ext)["Credentials"]
    creds = (r["AccessKeyId"], r["SecretAccessKey"], r["SessionToken"])


tenant = json.load(open(TENANT))


def account(acct, t=None):
    return next(x for x in (t or tenant)["accounts"] if x["Id"] == acct)


def L(acct, region, svc, key, t=None):
    return account(acct, t).get("resources", {}).get(region, {}).get(svc, {}).get(key, [])


EC2_LISTS = [("Vpcs", "describe_vpcs"), ("Subnets", "describe_subnets"),
             ("RouteTables", "describe_route_tables"),
             ("InternetGateways", "describe_internet_gateways"),
             ("NatGateways", "describe_nat_gateways"),
             ("VpcPeeringConnections", "describe_vpc_peering_connections"),
             ("TransitGatewayAttachments", "describe_transit_gateway_attachments"),
             ("SecurityGroups", "describe_security_groups"),
             ("NetworkAcls", "describe_network_acls"), ("FlowLogs", "describe_flow_logs"),
             ("Volumes", "describe_volumes"), ("Reservations", "describe_instances")]

print("== identity, organization, IAM (management account, page size 2)")
use_collector()
iam_users = len(account(M)["iam"]["Users"])
expect("sts:GetCallerIdentity Arn", "arn:aws:iam::%s:user/system/ismap-collector" % M, P, R1,
       "Arn", "sts", "get_caller_identity")
expect("organizations:ListAccounts (paginated)", 4, P, R1, "length(Accounts)", "organizations",
       "list_accounts")
expect("iam:ListUsers (paginated)", iam_users, P, R1, "length(Users)", "iam", "list_users")
expect("iam:ListRoles", len(account(M)["iam"]["Roles"]), P, R1, "length(Roles)", "iam",
       "list_roles")
expect("iam:ListRoles trust policy decoded", EXT, P, R1,
       "Roles[?RoleName=='ISMAPAssessReadOnly'].AssumeRolePolicyDocument.Statement[0]"
       ".Condition.StringEquals.\"sts:ExternalId\" | [0]", "iam", "list_roles")
expect("iam:GetAccountSummary AccountMFAEnabled", 1, P, R1, "SummaryMap.AccountMFAEnabled", "iam",
       "get_account_summary")
expect("iam:GetAccountPasswordPolicy", 14, P, R1, "PasswordPolicy.MinimumPasswordLength", "iam",
       "get_account_password_policy")
expect("iam:ListMFADevices", "arn:aws:iam::712345670001:mfa/admin.suzuki", P, R1,
       "MFADevices[0].SerialNumber", "iam", "list_mfa_devices", UserName="admin.suzuki")
expect("iam:ListAttachedUserPolicies", 2, P, R1, "length(AttachedPolicies)", "iam",
       "list_attached_user_policies", UserName="ismap-collector")
expect_error("iam:ListMFADevices unknown user", "NoSuchEntity", P, R1, "iam", "list_mfa_devices",
             UserName="nobody")
expect("s3:ListBuckets", 2, P, R1, "length(Buckets)", "s3", "list_buckets")
expect("s3:GetBucketLocation us-east-1 (empty)", None, P, R1, "LocationConstraint", "s3",
       "get_bucket_location", Bucket="minato-gcas-tmp-export-us")
expect_error("s3:GetBucketPolicyStatus none", "NoSuchBucketPolicy", P, R1, "s3",
             "get_bucket_policy_status", Bucket="minato-gcas-tmp-export-us")
expect("s3:GetObjectLockConfiguration", "COMPLIANCE", P, R1,
       "ObjectLockConfiguration.Rule.DefaultRetention.Mode", "s3",
       "get_object_lock_configuration", Bucket="minato-org-cloudtrail-logs-" + M)
expect_error("s3 bucket of another account", "AccessDenied", P, R1, "s3", "get_bucket_versioning",
             Bucket="minato-citizen-portal-assets")
expect_error("s3 unknown bucket", "NoSuchBucket", P, R1, "s3", "get_bucket_versioning",
             Bucket="no-such-bucket-here")

# The emulator's clock stands still around these three calls, so the report is certainly still
# being generated when it is asked for, however slowly a busy machine runs them.
print("== credential report (asynchronous): started")
admin(P, "clock/freeze")
expect_error("iam:GetCredentialReport before any", "ReportNotPresent", P, R1, "iam",
             "get_credential_report")
expect("iam:GenerateCredentialReport", "STARTED", P, R1, "State", "iam",
       "generate_credential_report")
expect_error("iam:GetCredentialReport while generating", "ReportInProgress", P, R1, "iam",
             "get_credential_report")
admin(P, "clock/thaw")

print("== AssumeRole")
for label, role, ext in (("AssumeRole without ExternalId", "ISMAPAssessReadOnly", None),
                         ("AssumeRole wrong ExternalId", "ISMAPAssessReadOnly", "nope"),
                         ("AssumeRole unknown role", "NoSuchRole", EXT)):
    params = {"RoleArn": "arn:aws:iam::%s:role/%s" % (LG, role), "RoleSessionName": "ismap-test"}
    if ext:
        params["ExternalId"] = ext
    expect_error(label, "AccessDenied", P, R1, "sts", "assume_role", **params)
for acct in (M, MN, LG, OP):
    assume(acct)
    expect("GetCallerIdentity as the role in " + acct,
           "arn:aws:sts::%s:assumed-role/ISMAPAssessReadOnly/ismap-test" % acct, P, R1, "Arn",
           "sts", "get_caller_identity")
assume(MN)
expect_error("organizations:ListAccounts from a member", "AccessDeniedException", P, R1,
             "organizations", "list_accounts")
expect("organizations:DescribeOrganization from a member", M, P, R1,
       "Organization.MasterAccountId", "organizations", "describe_organization")

print("== EC2 (every Describe*, page size 2)")
for acct in (MN, LG, OP):
    assume(acct)
    for key, op in EC2_LISTS:
        expect("%s ec2:%s" % (acct, op), len(L(acct, R1, "ec2", key)), P, R1,
               "length(%s)" % key, "ec2", op)
assume(LG)
expect("ec2:DescribeRegions", 2, P, R1, "length(Regions)", "ec2", "describe_regions")
expect("ec2:GetEbsEncryptionByDefault ap-northeast-1", True, P, R1, "EbsEncryptionByDefault",
       "ec2", "get_ebs_encryption_by_default")
expect("ec2:GetEbsEncryptionByDefault ap-northeast-3 (off)", False, P, R3,
       "EbsEncryptionByDefault", "ec2", "get_ebs_encryption_by_default")
expect("ec2 default VPC in ap-northeast-3", True, P, R3, "Vpcs[0].IsDefault", "ec2",
       "describe_vpcs")
expect("ec2 SG open to 0.0.0.0/0 on 3389", "0.0.0.0/0", P, R1,
       "SecurityGroups[?GroupName=='lgwan-rdp-sg'].IpPermissions[0].IpRanges[0].CidrIp | [0]",
       "ec2", "describe_security_groups")
expect("ec2 Japanese Name tag", "LGWAN接続系VPC", P, R1, "Vpcs[0].Tags[?Key=='Name'].Value | [0]",
       "ec2", "describe_vpcs")
expect("ec2 filter vpc-id", 2, P, R1, "length(Subnets)", "ec2", "describe_subnets",
       Filters=[{"Name": "tag:ismap:domain", "Values": ["lgwan"]},
                {"Name": "availability-zone", "Values": ["ap-northeast-1a"]}])
expect_error("ec2 unknown VPC id", "InvalidVpcID.NotFound", P, R1, "ec2", "describe_vpcs",
             VpcIds=["vpc-0123456789abcdef0"])
expect_error("ec2 region outside the SCP", "UnauthorizedOperation", P, "eu-west-1", "ec2",
             "describe_vpcs")
expect_error("ec2 opt-in region not enabled", "AuthFailure", P, "ap-east-1", "ec2",
             "describe_vpcs")

print("== CloudTrail, KMS, Config, GuardDuty, Backup, Logs, S3 (member accounts)")
expect("cloudtrail:DescribeTrails (own + organization trail)", 2, P, R1, "length(trailList)",
       "cloudtrail", "describe_trails")
expect("cloudtrail shadow trails in ap-northeast-3", 2, P, R3, "length(trailList)", "cloudtrail",
       "describe_trails")
expect("cloudtrail:GetTrailStatus", True, P, R1, "IsLogging", "cloudtrail", "get_trail_status",
       Name="minato-lgwan-trail")
expect("cloudtrail:GetEventSelectors", "WriteOnly", P, R1, "EventSelectors[0].ReadWriteType",
       "cloudtrail", "get_event_selectors", TrailName="minato-lgwan-trail")
expect_error("cloudtrail unknown trail", "TrailNotFoundException", P, R1, "cloudtrail",
             "get_trail_status", Name="nope")
expect("logs:DescribeLogGroups (paginated)", len(L(LG, R1, "logs", "LogGroups")), P, R1,
       "length(logGroups)", "logs", "describe_log_groups")
expect_error("s3:GetBucketEncryption none", "ServerSideEncryptionConfigurationNotFoundError", P,
             R1, "s3", "get_bucket_encryption", Bucket="minato-lgwan-legacy-share-" + LG)
expect("s3:GetBucketVersioning", "Suspended", P, R1, "Status", "s3", "get_bucket_versioning",
       Bucket="minato-lgwan-legacy-share-" + LG)
expect("s3:GetBucketEncryption", "AES256", P, R1,
       "ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
       "s3", "get_bucket_encryption", Bucket="minato-lgwan-trail-logs-" + LG)
expect("s3:GetPublicAccessBlock", True, P, R1, "PublicAccessBlockConfiguration.BlockPublicAcls",
       "s3", "get_public_access_block", Bucket="minato-lgwan-trail-logs-" + LG)

assume(MN)
expect("kms:ListKeys (paginated)", len(L(MN, R1, "kms", "Keys")), P, R1, "length(Keys)", "kms",
       "list_keys")
expect("kms:DescribeKey by alias", "PendingDeletion", P, R1, "KeyMetadata.KeyState", "kms",
       "describe_key", KeyId="alias/minato-mynumber-legacy")
expect("kms:GetKeyRotationStatus", True, P, R1, "KeyRotationEnabled", "kms",
       "get_key_rotation_status", KeyId="alias/minato-mynumber-data")
expect_error("kms:GetKeyRotationStatus pending deletion", "KMSInvalidStateException", P, R1, "kms",
             "get_key_rotation_status", KeyId="alias/minato-mynumber-legacy")
expect("config:DescribeConfigurationRecorders", "default", P, R1,
       "ConfigurationRecorders[0].name", "config", "describe_configuration_recorders")
expect("config:DescribeConfigurationRecorderStatus", True, P, R1,
       "ConfigurationRecordersStatus[0].recording", "config",
       "describe_configuration_recorder_status")
det = call(P, R1, "guardduty", "list_detectors")["DetectorIds"][0]
expect("guardduty:ListDetectors", 1, P, R1, "length(DetectorIds)", "guardduty", "list_detectors")
expect("guardduty:GetDetector", "ENABLED", P, R1, "Status", "guardduty", "get_detector",
       DetectorId=det)
plan = call(P, R1, "backup", "list_backup_plans")["BackupPlansList"][0]["BackupPlanId"]
expect("backup:ListBackupPlans", 1, P, R1, "length(BackupPlansList)", "backup",
       "list_backup_plans")
expect("backup:GetBackupPlan", 35, P, R1, "BackupPlan.Rules[0].Lifecycle.DeleteAfterDays",
       "backup", "get_backup_plan", BackupPlanId=plan)
expect_error("backup:GetBackupPlan unknown", "ResourceNotFoundException", P, R1, "backup",
             "get_backup_plan", BackupPlanId="nope")
expect_error("s3:GetObjectLockConfiguration none", "ObjectLockConfigurationNotFoundError", P, R1,
             "s3", "get_object_lock_configuration", Bucket="minato-mynumber-app-logs-" + MN)
expect("s3:GetBucketLocation", "ap-northeast-3", P, R1, "LocationConstraint", "s3",
       "get_bucket_location", Bucket="minato-mynumber-backup-osaka-" + MN)
expect("iam (member): root access key present", 1, P, R1,
       "SummaryMap.AccountAccessKeysPresent", "iam", "get_account_summary")

assume(OP)
expect_error("iam:GetAccountPasswordPolicy none", "NoSuchEntity", P, R1, "iam",
             "get_account_password_policy")
expect("guardduty off in ap-northeast-3", 0, P, R3, "length(DetectorIds)", "guardduty",
       "list_detectors")
expect_error("s3:GetPublicAccessBlock none", "NoSuchPublicAccessBlockConfiguration", P, R1, "s3",
             "get_public_access_block", Bucket="minato-citizen-portal-assets")
expect("s3:GetBucketPolicyStatus public", True, P, R1, "PolicyStatus.IsPublic", "s3",
       "get_bucket_policy_status", Bucket="minato-citizen-portal-assets")

print("== signatures and tokens")
bad_secret = (COLLECTOR[0], "wrong-secret", None)
unknown_key = ("AKIANOSUCHKEY0000000", COLLECTOR[1], None)
expect_error("bad secret (query)", "SignatureDoesNotMatch", P, R1, "sts", "get_caller_identity",
             bad_secret)
expect_error("bad secret (EC2)", "SignatureDoesNotMatch", P, R1, "ec2", "describe_vpcs",
             bad_secret)
expect_error("bad secret (JSON)", "InvalidSignatureException", P, R1, "kms", "list_keys",
             bad_secret)
expect_error("bad secret (S3)", "SignatureDoesNotMatch", P, R1, "s3", "list_buckets", bad_secret)
expect_error("unknown key (query)", "InvalidClientTokenId", P, R1, "iam", "list_users",
             unknown_key)
expect_error("unknown key (S3)", "InvalidAccessKeyId", P, R1, "s3", "list_buckets", unknown_key)
assume(LG)
expect_error("invalid session token", "InvalidClientTokenId", P, R1, "sts", "get_caller_identity",
             (creds[0], creds[1], "not-the-token"))

print("== unknown operations")
expect_error("EC2 operation not emulated", "InvalidAction", P, R1, "ec2", "describe_images")
expect_error("IAM operation not emulated", "InvalidAction", P, R1, "iam", "list_groups")
expect_error("JSON operation not emulated", "UnknownOperationException", P, R1, "kms",
             "list_aliases")
expect_error("S3 operation not emulated", "NotImplemented", P, R1, "s3", "get_bucket_tagging",
             Bucket="minato-lgwan-trail-logs-" + LG)

print("== expired credentials (--creds-ttl 2)")
assume(OP, port=P_SHORT)
# Wait for the 2 s credentials to expire: a condition (the emulator says so), not a fixed time.
deadline = time.monotonic() + WAIT_S
while True:
    try:
        call(P_SHORT, R1, "sts", "get_caller_identity")
    except ClientError as e:
        if e.response["Error"].get("Code") == "ExpiredToken":
            break
    if time.monotonic() > deadline:
        fail("the temporary credentials never expired (%d s)" % WAIT_S)
        break
    time.sleep(0.1)  # the poll interval
expect_error("expired token (query)", "ExpiredToken", P_SHORT, R1, "sts", "get_caller_identity")
expect_error("expired token (EC2)", "RequestExpired", P_SHORT, R1, "ec2", "describe_vpcs")
expect_error("expired token (JSON)", "ExpiredTokenException", P_SHORT, R1, "kms", "list_keys")
expect_error("expired token (S3)", "ExpiredToken", P_SHORT, R1, "s3", "list_buckets")

print("== variant separation-broken")
assume(MN, port=P_BROKEN)
expect("peering in the My Number account", 1, P_BROKEN, R1, "length(VpcPeeringConnections)",
       "ec2", "describe_vpc_peering_connections")
expect("route to LGWAN over the peering", "10.20.0.0/16", P_BROKEN, R1,
       "RouteTables[].Routes[] | [?VpcPeeringConnectionId].DestinationCidrBlock | [0]", "ec2",
       "describe_route_tables")

print("== pagination of every listed operation (synthetic organization, --page-size 2)")
syn = json.load(open(SYN_TENANT))
SA = "100000000000"
creds = SYN_COLLECTOR


def pages(label, want, query, svc, op, **params):
    expect(label, want, P_SYN, R1, query, svc, op, **params)


def SL(svc, key):
    return len(L(SA, R1, svc, key, syn))


pages("organizations:ListAccounts", 3, "length(Accounts)", "organizations", "list_accounts")
pages("iam:ListUsers", len(account(SA, syn)["iam"]["Users"]), "length(Users)", "iam", "list_users")
pages("iam:ListRoles", len(account(SA, syn)["iam"]["Roles"]), "length(Roles)", "iam", "list_roles")
pages("iam:ListMFADevices", 3, "length(MFADevices)", "iam", "list_mfa_devices", UserName="user-00")
pages("iam:ListAttachedUserPolicies", 3, "length(AttachedPolicies)", "iam",
      "list_attached_user_policies", UserName="user-00")
for key, op in EC2_LISTS:
    pages("ec2:" + op, SL("ec2", key), "length(%s)" % key, "ec2", op)
pages("kms:ListKeys", SL("kms", "Keys"), "length(Keys)", "kms", "list_keys")
pages("logs:DescribeLogGroups", SL("logs", "LogGroups"), "length(logGroups)", "logs",
      "describe_log_groups")
pages("backup:ListBackupPlans", SL("backup", "BackupPlans"), "length(BackupPlansList)", "backup",
      "list_backup_plans")
pages("guardduty:ListDetectors", SL("guardduty", "Detectors"), "length(DetectorIds)", "guardduty",
      "list_detectors")
ops = admin(P_SYN, "stats")["operations"]
paged = ["organizations:ListAccounts", "iam:ListUsers", "iam:ListRoles", "iam:ListMFADevices",
         "iam:ListAttachedUserPolicies", "kms:ListKeys", "logs:DescribeLogGroups",
         "backup:ListBackupPlans"] + ["ec2:Describe" + n for n in (
             "Vpcs", "Subnets", "RouteTables", "InternetGateways", "NatGateways",
             "VpcPeeringConnections", "TransitGatewayAttachments", "SecurityGroups", "NetworkAcls",
             "FlowLogs", "Volumes", "Instances")]
few = {op: ops.get(op, {}).get("requests", 0) for op in paged
       if ops.get(op, {}).get("requests", 0) < 2}
if few:
    fail("pages: listings answered in fewer than 2 pages: %r" % few)
else:
    ok("every listing took several pages")

print("== credential report (asynchronous): complete")
use_collector()
deadline = time.monotonic() + WAIT_S
state = None
while time.monotonic() < deadline:
    state = call(P, R1, "iam", "generate_credential_report")["State"]
    if state == "COMPLETE":
        break
    time.sleep(0.05)  # the poll interval
if state == "COMPLETE":
    ok("report COMPLETE")
else:
    fail("report never COMPLETE (%s)" % state)
try:
    content = call(P, R1, "iam", "get_credential_report")["Content"]
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    cols = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used",
            "password_last_changed", "password_next_rotation", "mfa_active",
            "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
            "access_key_1_last_used_region", "access_key_1_last_used_service",
            "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
            "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active",
            "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
    assert list(rows[0].keys()) == cols, rows[0].keys()
    assert rows[0]["user"] == "<root_account>" and rows[0]["mfa_active"] == "true", rows[0]
    assert len(rows) == iam_users + 1, len(rows)
    c = next(r for r in rows if r["user"] == "ismap-collector")
    assert c["password_enabled"] == "false" and c["access_key_1_active"] == "true", c
    ok("report CSV columns and rows")
except (ClientError, AssertionError, StopIteration, IndexError) as e:
    fail("report CSV: %r" % (e,))

print("== stats")
s = admin(P, "stats")
try:
    assert s["requests"] > 100, s["requests"]
    assert s["operations"]["ec2:DescribeSubnets"]["requests"] >= 3, s["operations"]["ec2:DescribeSubnets"]
    assert s["auth_failures"] >= 6, s["auth_failures"]
    ok("stats count the calls")
except (AssertionError, KeyError) as e:
    fail("stats: %r" % (e,))

print("emulator_botocore: %d passed, %d failed" % (passes, failures))
sys.exit(1 if failures else 0)
