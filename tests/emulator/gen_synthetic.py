#!/usr/bin/env python3
"""gen_synthetic.py — writes a synthetic awsemu tenant: an organization of N accounts x R regions
for benchmarks, so no giant tenant file is committed. Python 3 standard library only.

  gen_synthetic.py --accounts 200 --regions 2 --profile large -o /tmp/org.json

Profiles: "large" gives about 250 resources per account-region (VPCs, subnets, route tables,
gateways, security groups, NACLs, flow logs, volumes, instances, KMS keys, log groups, ...),
"small" about 25. The management account (100000000000) holds the IAM user ismap-collector with
the access key printed on stderr; every account has the role ISMAPAssessReadOnly, assumable
with ExternalId "synthetic-ext". Output is deterministic for a given --seed.
"""
import argparse
import json
import random
import sys

REGIONS = ["ap-northeast-1", "ap-northeast-3", "us-east-1", "us-west-2", "eu-west-1",
           "ap-southeast-1", "eu-central-1", "ap-south-1"]
KEY_ID = "AKIASYNTHCOLLECT0001"
SECRET = "sYnThEtIc/CoLlEcToR+SeCrEt0123456789abcd"
EXTERNAL_ID = "synthetic-ext"
MASTER = "100000000000"
PROFILES = {
    # per account-region counts
    "large": dict(vpcs=5, subnets=40, route_tables=15, igws=3, nats=3, peerings=3, tgw=3,
                  sgs=50, nacls=5, flow_logs=4, volumes=60, instances=40, keys=8, logs=20,
                  plans=3),
    "small": dict(vpcs=1, subnets=4, route_tables=2, igws=1, nats=1, peerings=0, tgw=0,
                  sgs=4, nacls=1, flow_logs=1, volumes=4, instances=3, keys=2, logs=2, plans=1),
}
DOMAINS = ["mynumber", "lgwan", "internet"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def hexid(self, prefix, n=17):
        return f"{prefix}-{self.r.getrandbits(n * 4):0{n}x}"

    def uuid(self):
        h = f"{self.r.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def chance(self, p):
        return self.r.random() < p


def tags(name, domain=None):
    t = [{"Key": "Name", "Value": name}]
    if domain:
        t.append({"Key": "ismap:domain", "Value": domain})
    return t


def ec2_region(g, acct, region, p):
    vpcs, subnets = [], []
    for v in range(p["vpcs"]):
        dom = DOMAINS[v % 3]
        vpcs.append({"VpcId": g.hexid("vpc"), "CidrBlock": f"10.{v}.0.0/16",
                     "Tags": tags(f"{dom}-vpc-{v}", dom)})
    for s in range(p["subnets"]):
        vpc = vpcs[s % len(vpcs)]
        subnets.append({"SubnetId": g.hexid("subnet"), "VpcId": vpc["VpcId"],
                        "CidrBlock": f"10.{s % len(vpcs)}.{s}.0/24",
                        "AvailabilityZone": region + "abc"[s % 3],
                        "AvailableIpAddressCount": 250, "MapPublicIpOnLaunch": g.chance(0.2),
                        "Tags": tags(f"subnet-{s}")})
    igws = [{"InternetGatewayId": g.hexid("igw"), "Tags": tags(f"igw-{i}"),
             "Attachments": [{"State": "available", "VpcId": vpcs[i % len(vpcs)]["VpcId"]}]}
            for i in range(p["igws"])]
    nats = [{"NatGatewayId": g.hexid("nat"), "SubnetId": subnets[i]["SubnetId"],
             "VpcId": subnets[i]["VpcId"], "State": "available", "ConnectivityType": "public",
             "CreateTime": "2024-06-01T00:00:00Z", "Tags": tags(f"nat-{i}")}
            for i in range(p["nats"])]
    rts = []
    for t in range(p["route_tables"]):
        vpc = vpcs[t % len(vpcs)]
        routes = [{"DestinationCidrBlock": vpc["CidrBlock"], "GatewayId": "local",
                   "Origin": "CreateRouteTable", "State": "active"}]
        if igws and g.chance(0.3):
            routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igws[0]["InternetGatewayId"],
                           "Origin": "CreateRoute", "State": "active"})
        rts.append({"RouteTableId": g.hexid("rtb"), "VpcId": vpc["VpcId"], "Routes": routes,
                    "Associations": [{"Main": t < len(vpcs), "RouteTableAssociationId": g.hexid("rtbassoc"),
                                      "RouteTableId": "", "SubnetId": subnets[t % len(subnets)]["SubnetId"]}],
                    "Tags": tags(f"rt-{t}")})
        rts[-1]["Associations"][0]["RouteTableId"] = rts[-1]["RouteTableId"]
    sgs = []
    for s in range(p["sgs"]):
        port = g.r.choice([22, 80, 443, 3389, 5432, 8080])
        cidr = "0.0.0.0/0" if g.chance(0.05) else "10.0.0.0/8"
        sgs.append({"GroupId": g.hexid("sg"), "GroupName": f"sg-{s}", "Description": f"group {s}",
                    "VpcId": vpcs[s % len(vpcs)]["VpcId"],
                    "IpPermissions": [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                                       "IpRanges": [{"CidrIp": cidr}]}],
                    "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                    "Tags": tags(f"sg-{s}")})
    nacls = [{"NetworkAclId": g.hexid("acl"), "VpcId": vpcs[n % len(vpcs)]["VpcId"], "IsDefault": n < len(vpcs),
              "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": e,
                           "CidrBlock": "0.0.0.0/0"} for e in (False, True)], "Associations": [], "Tags": []}
             for n in range(p["nacls"])]
    flows = [{"FlowLogId": g.hexid("fl"), "ResourceId": vpcs[f % len(vpcs)]["VpcId"], "TrafficType": "ALL",
              "FlowLogStatus": "ACTIVE", "DeliverLogsStatus": "SUCCESS", "LogDestinationType": "cloud-watch-logs",
              "LogGroupName": f"/synthetic/flow/{f}", "CreationTime": "2024-06-01T00:00:00Z"}
             for f in range(min(p["flow_logs"], len(vpcs)))]
    instances = [{"InstanceId": g.hexid("i"), "InstanceType": "t3.micro", "ImageId": g.hexid("ami"),
                  "State": {"Code": 16, "Name": "running"}, "SubnetId": subnets[i % len(subnets)]["SubnetId"],
                  "VpcId": subnets[i % len(subnets)]["VpcId"], "LaunchTime": "2024-06-01T00:00:00Z",
                  "PrivateIpAddress": f"10.0.{i // 250}.{i % 250 + 4}",
                  "MetadataOptions": {"HttpTokens": "required" if g.chance(0.8) else "optional"},
                  "Tags": tags(f"instance-{i}")} for i in range(p["instances"])]
    reservations = []
    i = 0
    while i < len(instances):
        n = g.r.randint(1, 4)
        reservations.append({"ReservationId": g.hexid("r"), "OwnerId": acct, "Instances": instances[i:i + n]})
        i += n
    volumes = [{"VolumeId": g.hexid("vol"), "Size": g.r.choice([8, 50, 100, 500]), "VolumeType": "gp3",
                "AvailabilityZone": region + "a", "State": "in-use", "Encrypted": g.chance(0.9),
                "CreateTime": "2024-06-01T00:00:00Z", "Tags": tags(f"vol-{v}")} for v in range(p["volumes"])]
    peerings = [{"VpcPeeringConnectionId": g.hexid("pcx"), "Status": {"Code": "active", "Message": "Active"},
                 "RequesterVpcInfo": {"VpcId": vpcs[0]["VpcId"], "OwnerId": acct, "CidrBlock": vpcs[0]["CidrBlock"],
                                      "Region": region},
                 "AccepterVpcInfo": {"VpcId": vpcs[-1]["VpcId"], "OwnerId": acct, "CidrBlock": vpcs[-1]["CidrBlock"],
                                     "Region": region}, "Tags": []} for _ in range(p["peerings"])]
    tgw = g.hexid("tgw")
    tgwa = [{"TransitGatewayAttachmentId": g.hexid("tgw-attach"), "TransitGatewayId": tgw,
             "TransitGatewayOwnerId": acct, "ResourceOwnerId": acct, "ResourceType": "vpc",
             "ResourceId": vpcs[t % len(vpcs)]["VpcId"], "State": "available",
             "CreationTime": "2024-06-01T00:00:00Z", "Tags": []} for t in range(p["tgw"])]
    return {"EbsEncryptionByDefault": g.chance(0.8), "Vpcs": vpcs, "Subnets": subnets, "RouteTables": rts,
            "InternetGateways": igws, "NatGateways": nats, "VpcPeeringConnections": peerings,
            "TransitGatewayAttachments": tgwa, "SecurityGroups": sgs, "NetworkAcls": nacls,
            "FlowLogs": flows, "Volumes": volumes, "Reservations": reservations}


def region_resources(g, acct, region, home, p):
    res = {"ec2": ec2_region(g, acct, region, p),
           "kms": {"Keys": [{"KeyId": g.uuid(), "CreationDate": "2024-05-01T00:00:00Z",
                             "Description": f"key {k}", "KeyUsage": "ENCRYPT_DECRYPT",
                             "KeyManager": "AWS" if k == 0 else "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
                             "KeyRotationEnabled": g.chance(0.7)} for k in range(p["keys"])]},
           "config": {"ConfigurationRecorders": [{"name": "default",
                                                  "roleARN": f"arn:aws:iam::{acct}:role/config",
                                                  "recordingGroup": {"allSupported": True},
                                                  "Status": {"recording": g.chance(0.9), "lastStatus": "SUCCESS"}}]},
           "logs": {"LogGroups": [{"logGroupName": f"/synthetic/{region}/group-{n}", "creationTime": 1711929600000,
                                   "storedBytes": 1024 * n, **({"retentionInDays": 365} if g.chance(0.7) else {})}
                                  for n in range(p["logs"])]},
           "backup": {"BackupPlans": [{"BackupPlanId": g.uuid(), "VersionId": g.hexid("v", 32)[2:],
                                       "CreationDate": "2024-06-01T00:00:00Z",
                                       "BackupPlan": {"BackupPlanName": f"plan-{b}", "Rules": [
                                           {"RuleName": "daily", "TargetBackupVaultName": "Default",
                                            "ScheduleExpression": "cron(0 17 * * ? *)",
                                            "Lifecycle": {"DeleteAfterDays": 35}}]}} for b in range(p["plans"])]}}
    if g.chance(0.95):
        res["guardduty"] = {"Detectors": [{"DetectorId": f"{g.r.getrandbits(128):032x}", "Status": "ENABLED",
                                           "CreatedAt": "2024-04-01T00:00:00.000Z",
                                           "FindingPublishingFrequency": "SIX_HOURS"}]}
    if region == home:
        res["cloudtrail"] = {"Trails": [{"Name": "org-trail", "S3BucketName": f"trail-{acct}",
                                         "IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True,
                                         "LogFileValidationEnabled": g.chance(0.9),
                                         "Status": {"IsLogging": True}}]}
    return res


def iam(g, acct, master, nusers=10):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MASTER}:user/ismap-collector"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]}
    users = []
    for u in range(nusers):
        user = {"UserName": f"user-{u:02d}", "CreateDate": "2024-04-01T00:00:00Z"}
        if g.chance(0.6):
            user["LoginProfile"] = {"CreateDate": "2025-01-01T00:00:00Z"}
            user["PasswordLastUsed"] = "2025-11-01T00:00:00Z"
            if g.chance(0.8):
                user["MFADevices"] = [{"SerialNumber": f"arn:aws:iam::{acct}:mfa/user-{u:02d}",
                                       "EnableDate": "2024-04-01T00:00:00Z"}]
        else:
            user["AccessKeys"] = [{"AccessKeyId": f"AKIA{g.r.getrandbits(64):016X}", "Status": "Active",
                                   "CreateDate": "2024-01-01T00:00:00Z"}]
        user["AttachedPolicies"] = [{"PolicyName": "ReadOnlyAccess",
                                     "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
        if u == 0:  # several MFA devices and policies, so those listings page too
            user["LoginProfile"] = {"CreateDate": "2025-01-01T00:00:00Z"}
            user["MFADevices"] = [{"SerialNumber": f"arn:aws:iam::{acct}:mfa/user-00-{d}",
                                   "EnableDate": "2024-04-01T00:00:00Z"} for d in range(3)]
            user["AttachedPolicies"] = [{"PolicyName": n, "PolicyArn": f"arn:aws:iam::aws:policy/{n}"}
                                        for n in ("ReadOnlyAccess", "SecurityAudit", "IAMUserChangePassword")]
        users.append(user)
    if master:
        users.insert(0, {"UserName": "ismap-collector", "CreateDate": "2025-04-01T00:00:00Z",
                         "AccessKeys": [{"AccessKeyId": KEY_ID, "Status": "Active",
                                         "CreateDate": "2025-04-01T00:00:00Z", "SecretAccessKey": SECRET}],
                         "AttachedPolicies": [{"PolicyName": "SecurityAudit",
                                               "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"}]})
    roles = [{"RoleName": "ISMAPAssessReadOnly", "CreateDate": "2025-04-01T00:00:00Z",
              "AssumeRolePolicyDocument": trust}]
    roles += [{"RoleName": f"app-role-{r}", "CreateDate": "2024-04-01T00:00:00Z",
               "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                   "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]}} for r in range(7)]
    out = {"root": {"mfa_active": g.chance(0.9)}, "Users": users, "Roles": roles, "Policies": 5}
    if g.chance(0.85):
        out["PasswordPolicy"] = {"MinimumPasswordLength": g.r.choice([8, 12, 14]), "RequireSymbols": True,
                                 "RequireNumbers": True, "RequireUppercaseCharacters": True,
                                 "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": True,
                                 "MaxPasswordAge": 90, "PasswordReusePrevention": 24}
    return out


def buckets(g, acct, regions):
    out = []
    for b in range(5):
        bk = {"Name": f"synthetic-{acct}-{b}", "CreationDate": "2024-04-01T00:00:00Z",
              "Region": regions[b % len(regions)], "Versioning": {"Status": "Enabled"} if g.chance(0.7) else {}}
        if g.chance(0.9):
            bk["Encryption"] = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        if g.chance(0.8):
            bk["PublicAccessBlock"] = {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls",
                                                         "BlockPublicPolicy", "RestrictPublicBuckets")}
        if g.chance(0.3):
            bk["ObjectLock"] = {"ObjectLockEnabled": "Enabled"}
        bk["PolicyStatus"] = {"IsPublic": g.chance(0.05)}
        out.append(bk)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="large")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mgmt-users", type=int, default=10,
                    help="IAM users of the management account (each costs two per-user IAM "
                         "calls: 230 makes IAM's 10/s bucket the bottleneck, as in issue 9)")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    if not 1 <= a.accounts <= 100000 or not 1 <= a.regions <= len(REGIONS):
        ap.error(f"--accounts 1..100000, --regions 1..{len(REGIONS)}")
    g, p, regions = Gen(a.seed), PROFILES[a.profile], REGIONS[:a.regions]
    accounts = []
    for n in range(a.accounts):
        acct = f"{int(MASTER) + n:012d}"
        accounts.append({
            "Id": acct, "Name": f"synthetic-{n:05d}", "Email": f"aws+{n:05d}@synthetic.example.jp",
            "JoinedTimestamp": "2024-04-01T00:00:00Z", "regions": regions,
            "iam": iam(g, acct, n == 0, a.mgmt_users if n == 0 else 10), "s3": {"Buckets": buckets(g, acct, regions)},
            "resources": {r: region_resources(g, acct, r, regions[0], p) for r in regions}})
    tenant = {"format": "awsemu-tenant/1",
              "name": f"synthetic organization: {a.accounts} accounts x {a.regions} regions ({a.profile})",
              "organization": {"Id": "o-synthetic01", "MasterAccountId": MASTER, "FeatureSet": "ALL"},
              "accounts": accounts}
    out = sys.stdout if a.output == "-" else open(a.output, "w", encoding="utf-8")
    json.dump(tenant, out, ensure_ascii=False, separators=(",", ":"))
    if out is not sys.stdout:
        out.close()
    print(f"gen_synthetic: {a.accounts} accounts x {a.regions} regions; key {KEY_ID} secret {SECRET}; "
          f"role ISMAPAssessReadOnly, ExternalId {EXTERNAL_ID}", file=sys.stderr)


if __name__ == "__main__":
    main()
