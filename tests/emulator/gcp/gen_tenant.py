#!/usr/bin/env python3
"""gen_tenant.py — writes gcpemu tenants: the みなと市 demo organization (tenants/minato-gcp.json,
committed) with good and bad settings in Google Cloud's REST shapes, or a synthetic organization
of N projects for the benchmark (--projects N). Python 3 standard library only.

usage: gen_tenant.py [--projects N] [--out FILE]
"""
import argparse
import hashlib
import json

ORG = "538211890412"


def h(s):
    """A stable number for ids (Python's hash() is salted per process)."""
    return int(hashlib.sha256(s.encode()).hexdigest()[:15], 16)

G = "https://www.googleapis.com/compute/v1/projects"
ZONES = {"asia-northeast1": ["asia-northeast1-a", "asia-northeast1-b"],
         "asia-northeast2": ["asia-northeast2-a"]}
T0 = "2025-04-01T00:00:00.000Z"


def net(p, name, peer=None):
    n = {"kind": "compute#network", "id": str(abs(h(p + name)) % 10**18),
         "creationTimestamp": "2025-04-01T09:00:00.000+09:00", "name": name,
         "selfLink": f"{G}/{p}/global/networks/{name}", "autoCreateSubnetworks": False,
         "subnetworks": [], "routingConfig": {"routingMode": "REGIONAL"},
         "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL"}
    if peer:
        n["peerings"] = [{"name": f"peer-{peer[1]}", "network": f"{G}/{peer[0]}/global/networks/{peer[1]}",
                          "state": "ACTIVE", "stateDetails": "[2025-04-01T09:00:00.000+09:00]: Connected.",
                          "autoCreateRoutes": True, "exportCustomRoutes": False,
                          "importCustomRoutes": False, "exchangeSubnetRoutes": True}]
    return n


def subnet(p, region, name, network, cidr, flow):
    s = {"kind": "compute#subnetwork", "id": str(abs(h(p + name)) % 10**18),
         "creationTimestamp": "2025-04-01T09:00:00.000+09:00", "name": name,
         "network": f"{G}/{p}/global/networks/{network}", "ipCidrRange": cidr,
         "gatewayAddress": cidr.rsplit(".", 1)[0] + ".1",
         "region": f"{G}/{p}/regions/{region}",
         "selfLink": f"{G}/{p}/regions/{region}/subnetworks/{name}",
         "privateIpGoogleAccess": True, "stackType": "IPV4_ONLY", "purpose": "PRIVATE"}
    if flow:
        s["logConfig"] = {"enable": True, "aggregationInterval": "INTERVAL_5_SEC",
                          "flowSampling": 0.5, "metadata": "INCLUDE_ALL_METADATA"}
    else:
        s["logConfig"] = {"enable": False}
    return s


def fw(p, name, network, src, ports, log=True, proto="tcp"):
    return {"kind": "compute#firewall", "id": str(abs(h(p + name)) % 10**18),
            "creationTimestamp": "2025-04-01T09:00:00.000+09:00", "name": name,
            "network": f"{G}/{p}/global/networks/{network}", "priority": 1000,
            "sourceRanges": src, "allowed": [{"IPProtocol": proto, "ports": ports}],
            "direction": "INGRESS", "logConfig": {"enable": log}, "disabled": False,
            "selfLink": f"{G}/{p}/global/firewalls/{name}"}


def route(p, name, network, dest, hop):
    r = {"kind": "compute#route", "id": str(abs(h(p + name)) % 10**18),
         "creationTimestamp": "2025-04-01T09:00:00.000+09:00", "name": name,
         "network": f"{G}/{p}/global/networks/{network}", "destRange": dest, "priority": 1000,
         "selfLink": f"{G}/{p}/global/routes/{name}"}
    if hop == "internet":
        r["nextHopGateway"] = f"{G}/{p}/global/gateways/default-internet-gateway"
    else:
        r["nextHopIp"] = hop
    return r


def inst(p, zone, name, network, subnet_, labels, ext_ip=None, oslogin=True, cmek=None):
    region = zone.rsplit("-", 1)[0]
    ni = {"kind": "compute#networkInterface", "name": "nic0",
          "network": f"{G}/{p}/global/networks/{network}",
          "subnetwork": f"{G}/{p}/regions/{region}/subnetworks/{subnet_}",
          "networkIP": "10.10.0.%d" % (abs(h(name)) % 200 + 10), "stackType": "IPV4_ONLY"}
    if ext_ip:
        ni["accessConfigs"] = [{"kind": "compute#accessConfig", "type": "ONE_TO_ONE_NAT",
                                "name": "External NAT", "natIP": ext_ip, "networkTier": "PREMIUM"}]
    return {"kind": "compute#instance", "id": str(abs(h(p + name)) % 10**18),
            "creationTimestamp": "2025-04-01T09:00:00.000+09:00", "name": name,
            "machineType": f"{G}/{p}/zones/{zone}/machineTypes/e2-standard-2",
            "status": "RUNNING", "zone": f"{G}/{p}/zones/{zone}", "canIpForward": False,
            "networkInterfaces": [ni],
            "disks": [{"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE",
                       "source": f"{G}/{p}/zones/{zone}/disks/{name}", "deviceName": name,
                       "index": 0, "boot": True, "autoDelete": True}],
            "metadata": {"kind": "compute#metadata", "fingerprint": "x1",
                         "items": [{"key": "enable-oslogin", "value": "TRUE" if oslogin else "FALSE"}]},
            "serviceAccounts": [{"email": f"app@{p}.iam.gserviceaccount.com",
                                 "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}],
            "shieldedInstanceConfig": {"enableSecureBoot": True, "enableVtpm": True,
                                       "enableIntegrityMonitoring": True},
            "labels": labels, "selfLink": f"{G}/{p}/zones/{zone}/instances/{name}"}


def disk(p, zone, name, labels, cmek=None):
    d = {"kind": "compute#disk", "id": str(abs(h(p + name + "d")) % 10**18),
         "creationTimestamp": "2025-04-01T09:00:00.000+09:00", "name": name, "sizeGb": "50",
         "zone": f"{G}/{p}/zones/{zone}", "status": "READY",
         "type": f"{G}/{p}/zones/{zone}/diskTypes/pd-balanced",
         "users": [f"{G}/{p}/zones/{zone}/instances/{name}"], "labels": labels,
         "selfLink": f"{G}/{p}/zones/{zone}/disks/{name}"}
    if cmek:
        d["diskEncryptionKey"] = {"kmsKeyName": cmek + "/cryptoKeyVersions/1"}
    return d


def bucket(p, num, name, loc, good, cmek=None):
    b = {"kind": "storage#bucket", "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}",
         "id": name, "name": name, "projectNumber": num, "metageneration": "1",
         "location": loc, "storageClass": "STANDARD", "etag": "CAE=",
         "timeCreated": T0, "updated": T0, "locationType": "region",
         "iamConfiguration": {"bucketPolicyOnly": {"enabled": good},
                              "uniformBucketLevelAccess": {"enabled": good},
                              "publicAccessPrevention": "enforced" if good else "inherited"},
         "softDeletePolicy": {"retentionDurationSeconds": "604800", "effectiveTime": T0},
         "rpo": "DEFAULT", "labels": {}}
    if good:
        b["versioning"] = {"enabled": True}
        b["retentionPolicy"] = {"retentionPeriod": "31536000", "effectiveTime": T0,
                                "isLocked": True}
        b["logging"] = {"logBucket": name + "-access-logs", "logObjectPrefix": name}
    if cmek:
        b["encryption"] = {"defaultKmsKeyName": cmek}
    return b


def bucket_iam(name, public):
    bindings = [{"role": "roles/storage.legacyBucketOwner",
                 "members": ["projectEditor:x", "projectOwner:x"]}]
    if public:
        bindings.append({"role": "roles/storage.objectViewer", "members": ["allUsers"]})
    return {"kind": "storage#policy", "resourceId": f"projects/_/buckets/{name}", "version": 1,
            "etag": "CAE=", "bindings": bindings}


def key(p, region, ring, name, rotation):
    k = {"name": f"projects/{p}/locations/{region}/keyRings/{ring}/cryptoKeys/{name}",
         "primary": {"name": f"projects/{p}/locations/{region}/keyRings/{ring}/cryptoKeys/{name}/cryptoKeyVersions/1",
                     "state": "ENABLED", "createTime": T0, "protectionLevel": "SOFTWARE",
                     "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "generateTime": T0},
         "purpose": "ENCRYPT_DECRYPT", "createTime": T0,
         "versionTemplate": {"protectionLevel": "SOFTWARE",
                             "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"},
         "destroyScheduledDuration": "2592000s"}
    if rotation:
        k["rotationPeriod"] = rotation
        k["nextRotationTime"] = "2026-12-30T00:00:00Z"
    return k


def svc(num, names):
    return [{"name": f"projects/{num}/services/{n}", "config": {"name": n, "title": n},
             "state": "ENABLED", "parent": f"projects/{num}"} for n in names]


def policy(owner, audit, extra=()):
    pol = {"version": 3, "etag": "BwYs0aA1b2c=",
           "bindings": [{"role": "roles/owner", "members": [owner]}] + list(extra)}
    if audit:
        pol["auditConfigs"] = [{"service": "allServices", "auditLogConfigs": [
            {"logType": "ADMIN_READ"}, {"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}]}]
    return pol


def project_data(p, num, good, domain):
    net_name = f"vpc-{domain}"
    r1, r2 = "asia-northeast1", "asia-northeast2"
    ring = f"projects/{p}/locations/{r1}/keyRings/{domain}"
    cmek = f"{ring}/cryptoKeys/storage" if good else None
    labels = {"domain": domain, "env": "prod"} if good else {}
    peer = None if good else ("minato-juki-prod", "vpc-mynumber")
    d = {
        "regions": [{"kind": "compute#region", "id": str(1250 + i), "name": r,
                     "description": r, "status": "UP",
                     "zones": [f"{G}/{p}/zones/{z}" for z in zs],
                     "selfLink": f"{G}/{p}/regions/{r}"}
                    for i, (r, zs) in enumerate(ZONES.items())],
        "networks": [net(p, net_name, peer)],
        "subnetworks": {r1: [subnet(p, r1, f"{domain}-tokyo", net_name, "10.10.0.0/24", good)],
                        r2: [subnet(p, r2, f"{domain}-osaka", net_name, "10.20.0.0/24", True)]},
        "firewalls": [fw(p, "allow-internal", net_name, ["10.0.0.0/8"], ["0-65535"])],
        "routes": [route(p, f"default-route-{domain}", net_name, "10.0.0.0/8", "10.10.0.2")],
        "instances": {z: [] for zs in ZONES.values() for z in zs},
        "disks": {z: [] for zs in ZONES.values() for z in zs},
        "buckets": [bucket(p, num, f"{p}-data", "ASIA-NORTHEAST1", good, cmek)],
        "sinks": [],
        "logBuckets": [{"name": f"projects/{p}/locations/global/buckets/_Default",
                        "retentionDays": 400 if good else 30, "locked": good,
                        "lifecycleState": "ACTIVE", "createTime": T0, "updateTime": T0},
                       {"name": f"projects/{p}/locations/global/buckets/_Required",
                        "description": "Audit bucket", "retentionDays": 400, "locked": True,
                        "lifecycleState": "ACTIVE", "createTime": T0, "updateTime": T0}],
        "keyRings": {r1: [{"name": ring, "createTime": T0}], r2: []},
        "cryptoKeys": {domain: [key(p, r1, domain, "storage", "7776000s" if good else None),
                                key(p, r1, domain, "disk", "7776000s" if good else "63072000s")]},
        "backupPlans": {r1: [], r2: []},
        "orgPolicies": {},
        "serviceAccounts": [{"name": f"projects/{p}/serviceAccounts/app@{p}.iam.gserviceaccount.com",
                             "projectId": p, "uniqueId": str(100000000000000000000 + num_int(num)),
                             "email": f"app@{p}.iam.gserviceaccount.com",
                             "displayName": "application", "etag": "MDEwMjE5MjA=",
                             "oauth2ClientId": str(100000000000000000000 + num_int(num)),
                             "disabled": False}],
        "serviceAccountKeys": {f"app@{p}.iam.gserviceaccount.com": [
            {"name": f"projects/{p}/serviceAccounts/app@{p}.iam.gserviceaccount.com/keys/sys{num}",
             "validAfterTime": "2025-04-01T00:00:00Z", "validBeforeTime": "2025-04-17T00:00:00Z",
             "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED",
             "keyType": "SYSTEM_MANAGED"}]},
        "services": svc(num, ["compute.googleapis.com", "storage.googleapis.com",
                              "logging.googleapis.com", "cloudkms.googleapis.com",
                              "iam.googleapis.com", "orgpolicy.googleapis.com"]
                        + (["securitycenter.googleapis.com", "backupdr.googleapis.com"] if good else [])),
    }
    z1 = ZONES[r1][0]
    d["instances"][z1].append(inst(p, z1, f"{domain}-app-1", net_name, f"{domain}-tokyo", labels,
                                   None if good else "34.84.12.34", good))
    d["disks"][z1].append(disk(p, z1, f"{domain}-app-1", labels,
                               f"{ring}/cryptoKeys/disk" if good else None))
    if good:
        d["sinks"].append({"name": "audit-archive",
                           "destination": f"storage.googleapis.com/{p}-audit-archive",
                           "filter": "logName:\"cloudaudit.googleapis.com\"",
                           "writerIdentity": f"serviceAccount:service-{num}@gcp-sa-logging.iam.gserviceaccount.com",
                           "createTime": T0, "updateTime": T0})
        d["backupPlans"][r1].append({
            "name": f"projects/{p}/locations/{r1}/backupPlans/daily-{domain}",
            "description": "daily", "resourceType": "compute.googleapis.com/Instance",
            "backupRules": [{"ruleId": "daily", "backupRetentionDays": 35,
                             "standardSchedule": {"recurrenceType": "DAILY",
                                                  "hourlyFrequency": 0,
                                                  "timeZone": "Asia/Tokyo",
                                                  "backupWindow": {"startHourOfDay": 1, "endHourOfDay": 6}}}],
            "state": "ACTIVE", "backupVault": f"projects/{p}/locations/{r1}/backupVaults/vault",
            "createTime": T0, "updateTime": T0})
        d["orgPolicies"]["iam.disableServiceAccountKeyCreation"] = {
            "name": f"projects/{num}/policies/iam.disableServiceAccountKeyCreation",
            "spec": {"etag": "CAE=", "updateTime": T0, "rules": [{"enforce": True}]}}
    else:
        d["firewalls"].append(fw(p, "allow-ssh-rdp-any", net_name, ["0.0.0.0/0"], ["22", "3389"], False))
        d["routes"].append(route(p, f"to-internet-{domain}", net_name, "0.0.0.0/0", "internet"))
        d["buckets"].append(bucket(p, num, f"{p}-public-web", "US", False))
        d["serviceAccountKeys"][f"app@{p}.iam.gserviceaccount.com"].append(
            {"name": f"projects/{p}/serviceAccounts/app@{p}.iam.gserviceaccount.com/keys/usr{num}",
             "validAfterTime": "2023-01-10T00:00:00Z", "validBeforeTime": "9999-12-31T23:59:59Z",
             "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED",
             "keyType": "USER_MANAGED"})
        d["orgPolicies"]["gcp.resourceLocations"] = {
            "name": f"projects/{num}/policies/gcp.resourceLocations",
            "spec": {"etag": "CAE=", "updateTime": T0, "rules": [{"allowAll": True}]}}
    return d


def num_int(num):
    return int(num)


def tenant(n_projects):
    t = {
        "organization": {"name": f"organizations/{ORG}", "displayName": "minato.example.jp",
                         "directoryCustomerId": "C03minato", "state": "ACTIVE",
                         "createTime": "2024-10-01T00:00:00.000Z", "etag": "BwYs0aA1b2c="},
        "folders": [
            {"name": "folders/201", "parent": f"organizations/{ORG}",
             "displayName": "マイナンバー利用事務系", "state": "ACTIVE", "createTime": T0, "etag": "a"},
            {"name": "folders/202", "parent": f"organizations/{ORG}",
             "displayName": "LGWAN接続系", "state": "ACTIVE", "createTime": T0, "etag": "b"},
            {"name": "folders/203", "parent": "folders/202",
             "displayName": "ウェブ公開", "state": "ACTIVE", "createTime": T0, "etag": "c"},
        ],
        "projects": [],
        "projects_data": {},
        "iamPolicies": {
            f"organizations/{ORG}": policy("group:cloud-admins@minato.example.jp", True, [
                {"role": "roles/iam.securityReviewer",
                 "members": ["serviceAccount:ismap-scanner@minato-sec-tools.iam.gserviceaccount.com"]}]),
            "folders/201": policy("group:juki-admins@minato.example.jp", True),
            "folders/202": policy("group:lgwan-admins@minato.example.jp", False),
        },
        "bucketIam": {},
        "orgPolicies": {
            "gcp.resourceLocations": {"name": f"organizations/{ORG}/policies/gcp.resourceLocations",
                                      "spec": {"etag": "CAE=", "updateTime": T0, "rules": [{"values": {
                                          "allowedValues": ["in:asia-northeast1-locations",
                                                            "in:asia-northeast2-locations"]}}]}},
            "compute.vmExternalIpAccess": {"name": f"organizations/{ORG}/policies/compute.vmExternalIpAccess",
                                           "spec": {"etag": "CAE=", "updateTime": T0,
                                                    "rules": [{"denyAll": True}]}},
        },
        "impersonable": ["ismap-reader@minato-sec-tools.iam.gserviceaccount.com"],
        # Security Command Center activated on the organization: its built-in services' sources
        "sccSources": [
            {"name": f"organizations/{ORG}/sources/{n}", "canonicalName": f"organizations/{ORG}/sources/{n}",
             "displayName": d, "description": desc}
            for n, d, desc in [
                ("1986930501971458034", "Security Health Analytics",
                 "Managed vulnerability scanning for Google Cloud misconfigurations."),
                ("3626416298519577384", "Event Threat Detection",
                 "Detects threats in Cloud Logging in near real time."),
                ("8130553305493186553", "Web Security Scanner",
                 "Scans App Engine, GKE and Compute Engine web applications.")]],
    }
    specs = [("minato-juki-prod", "folders/201", True, "mynumber"),
             ("minato-lgwan-web", "folders/203", False, "lgwan")]
    if n_projects:
        specs = [(f"synth-{i:04d}", "folders/201" if i % 2 else "folders/203", i % 3 != 0,
                  "mynumber" if i % 2 else "lgwan") for i in range(n_projects)]
    for i, (p, parent, good, domain) in enumerate(specs):
        num = str(415104041262 + i)
        t["projects"].append({"name": f"projects/{num}", "parent": parent, "projectId": p,
                              "state": "ACTIVE", "displayName": p, "createTime": T0,
                              "updateTime": T0, "etag": "W/\"1\"",
                              "labels": {"domain": domain} if good else {}})
        t["projects_data"][p] = project_data(p, num, good, domain)
        t["iamPolicies"][f"projects/{p}"] = policy(
            "group:cloud-admins@minato.example.jp", good,
            [] if good else [{"role": "roles/editor", "members": ["user:contractor@gmail.com"]}])
        for b in t["projects_data"][p]["buckets"]:
            t["bucketIam"][b["name"]] = bucket_iam(b["name"], "public" in b["name"])
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=0)
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    text = json.dumps(tenant(a.projects), ensure_ascii=False, indent=1 if not a.projects else None)
    if a.out == "-":
        print(text)
    else:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
