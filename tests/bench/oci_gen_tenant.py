#!/usr/bin/env python3
"""oci_gen_tenant.py — a synthetic OCI tenancy for the collector benchmark (tests/bench/
collect_oci_bench.sh): N compartments under the root, each with a VCN, a subnet, a security list,
a route table, an instance and a volume in each of the two Japanese regions, in ociemu's tenant
format (tests/emulator/oci/ociemu.c). Generation-time tooling, stdlib only.
usage: oci_gen_tenant.py N OUT.json"""
import json, sys

n, out = int(sys.argv[1]), sys.argv[2]
T = "ocid1.tenancy.oc1..aaaaaaaabench"
regions = ["ap-tokyo-1", "ap-osaka-1"]
comps = [{"compartmentId": T, "id": "ocid1.compartment.oc1..bench%04d" % i, "name": "c%04d" % i,
          "lifecycleState": "ACTIVE", "freeformTags": {"ismap:domain": "internet"}, "definedTags": {}}
         for i in range(n)]
g = {"identity /20160918/compartments": comps, "identity /20160918/users": [],
     "identity /20160918/groups": [], "identity /20160918/policies": [],
     "identity /20160918/dynamicGroups": [], "identity /20160918/domains": [],
     "identity /20160918/authenticationPolicies/" + T: {"compartmentId": T, "passwordPolicy": {"minimumPasswordLength": 14}},
     "audit /20190901/configuration": {"retentionPeriodDays": 365},
     "cloudguard /20200131/configuration": {"reportingRegion": "ap-tokyo-1", "status": "ENABLED"},
     "cloudguard /20200131/targets": {"items": []}}
R = {}
for reg in regions:
    r = {"objectstorage /n": "bench", "objectstorage /n/bench/b": [], "kms /20180608/vaults": []}
    def lst(key, mk):
        r[key] = [mk(c["id"], i) for i, c in enumerate(comps)]
    lst("iaas /20160918/vcns", lambda c, i: {"id": "ocid1.vcn.%s.%d" % (reg, i), "compartmentId": c, "cidrBlock": "10.0.0.0/16", "displayName": "v%d" % i, "freeformTags": {"ismap:domain": "internet"}})
    lst("iaas /20160918/subnets", lambda c, i: {"id": "ocid1.subnet.%s.%d" % (reg, i), "compartmentId": c, "vcnId": "ocid1.vcn.%s.%d" % (reg, i), "prohibitPublicIpOnVnic": True})
    lst("iaas /20160918/securityLists", lambda c, i: {"id": "ocid1.securitylist.%s.%d" % (reg, i), "compartmentId": c, "ingressSecurityRules": [], "egressSecurityRules": []})
    lst("iaas /20160918/routeTables", lambda c, i: {"id": "ocid1.routetable.%s.%d" % (reg, i), "compartmentId": c, "routeRules": []})
    lst("iaas /20160918/instances", lambda c, i: {"id": "ocid1.instance.%s.%d" % (reg, i), "compartmentId": c, "lifecycleState": "RUNNING", "instanceOptions": {"areLegacyImdsEndpointsDisabled": True}})
    lst("iaas /20160918/volumes", lambda c, i: {"id": "ocid1.volume.%s.%d" % (reg, i), "compartmentId": c, "kmsKeyId": None})
    for k in ("networkSecurityGroups", "internetGateways", "natGateways", "serviceGateways", "drgs",
              "drgAttachments", "vnicAttachments", "bootVolumes"):
        r["iaas /20160918/" + k] = []
    r["iaas /20160918/volumeBackupPolicyAssignments"] = []
    r["logging /20200531/logGroups"] = []
    r["events /20181201/rules"] = []
    r["notification /20181201/topics"] = []
    R[reg] = r
tenant = {"tenancy": {"id": T, "name": "bench"}, "apiKeys": {}, "global": g, "regions": R,
          "regionSubscriptions": [{"regionKey": "NRT", "regionName": "ap-tokyo-1", "status": "READY", "isHomeRegion": True},
                                  {"regionKey": "KIX", "regionName": "ap-osaka-1", "status": "READY", "isHomeRegion": False}]}
json.dump(tenant, open(out, "w"))
