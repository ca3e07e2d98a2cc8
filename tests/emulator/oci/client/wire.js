// wire.js — Oracle's OCI SDK for JavaScript (oci-common, oci-identity, oci-core,
// oci-objectstorage) against ociemu: every call below is signed by the SDK and verified by the
// emulator, and its answer is parsed by the SDK's models, proving the emulator's wire shapes.
// A second provider with an unregistered key must be refused (401 NotAuthenticated).
// usage: node wire.js BASE_URL CONFIG_FILE   (prints one "ok ..." line per call; exit 1 on failure)
"use strict";
const common = require("oci-common");
const identity = require("oci-identity");
const core = require("oci-core");
const os = require("oci-objectstorage");
const assert = require("assert");

const [base, config, strangerConfig] = process.argv.slice(2);
const T = "ocid1.tenancy.oc1..aaaaaaaaminatocity";
const TOKYO = "ap-tokyo-1";
const noRetry = { retryConfiguration: { terminationStrategy: new common.MaxAttemptsTerminationStrategy(1) } };

function client(Cls, provider, service, region) {
  const c = new Cls({ authenticationDetailsProvider: provider }, { circuitBreaker: new common.CircuitBreaker({ errorThresholdPercentage: 100, volumeThreshold: 1000 }) });
  c.endpoint = `${base}/${service}/${region}`;
  return c;
}

async function main() {
  const provider = new common.ConfigFileAuthenticationDetailsProvider(config, "DEFAULT");
  const id = client(identity.IdentityClient, provider, "identity", TOKYO);

  const subs = await id.listRegionSubscriptions({ tenancyId: T });
  assert.deepStrictEqual(subs.items.map((s) => s.regionName).sort(), ["ap-osaka-1", "ap-tokyo-1"]);
  assert.strictEqual(subs.items.find((s) => s.regionName === TOKYO).isHomeRegion, true);
  console.log("ok identity ListRegionSubscriptions");

  // paging by hand, a new request object per page (never reuse one: stale page token)
  let page, names = [], pages = 0;
  do {
    const r = await id.listCompartments({ compartmentId: T, compartmentIdInSubtree: true,
      accessLevel: identity.requests.ListCompartmentsRequest.AccessLevel.Any, limit: 1, page });
    names.push(...r.items.map((c) => c.name));
    page = r.opcNextPage;
    pages++;
  } while (page);
  assert.deepStrictEqual(names.sort(), ["dev", "prod", "prodnet"]);
  assert.strictEqual(pages, 3);
  console.log("ok identity ListCompartments (3 pages of 1)");

  const users = await id.listUsers({ compartmentId: T });
  const admin = users.items.find((u) => u.name === "admin@city.minato.example");
  assert.strictEqual(admin.isMfaActivated, true);
  assert.strictEqual(admin.capabilities.canUseConsolePassword, true);
  assert.ok(!isNaN(new Date(admin.timeCreated).getTime()), "timeCreated is a date");
  const keys = await id.listApiKeys({ userId: admin.id });
  assert.match(keys.items[0].fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  console.log("ok identity ListUsers, ListApiKeys");

  const auth = await id.getAuthenticationPolicy({ compartmentId: T });
  assert.strictEqual(auth.authenticationPolicy.passwordPolicy.minimumPasswordLength, 8);
  const pol = await id.listPolicies({ compartmentId: T });
  assert.ok(pol.items.every((p) => Array.isArray(p.statements)));
  console.log("ok identity GetAuthenticationPolicy, ListPolicies");

  const vn = client(core.VirtualNetworkClient, provider, "iaas", TOKYO);
  const net = "ocid1.compartment.oc1..aaaaaaaaprodnet";
  const vcns = await vn.listVcns({ compartmentId: net });
  assert.strictEqual(vcns.items[0].cidrBlock, "10.0.0.0/16");
  const sls = await vn.listSecurityLists({ compartmentId: net });
  assert.strictEqual(sls.items[0].ingressSecurityRules[0].tcpOptions.destinationPortRange.min, 22);
  const nsgs = await vn.listNetworkSecurityGroups({ compartmentId: net });
  const rules = await vn.listNetworkSecurityGroupSecurityRules({ networkSecurityGroupId: nsgs.items[0].id });
  assert.strictEqual(rules.items[0].direction, "INGRESS");
  console.log("ok core ListVcns, ListSecurityLists, ListNetworkSecurityGroupSecurityRules");

  const compute = client(core.ComputeClient, provider, "iaas", TOKYO);
  const inst = await compute.listInstances({ compartmentId: "ocid1.compartment.oc1..aaaaaaaaprod" });
  assert.strictEqual(inst.items[0].instanceOptions.areLegacyImdsEndpointsDisabled, true);
  const bs = client(core.BlockstorageClient, provider, "iaas", TOKYO);
  const vols = await bs.listVolumes({ compartmentId: "ocid1.compartment.oc1..aaaaaaaaprod" });
  assert.strictEqual(vols.items[0].sizeInGBs, 100);
  console.log("ok core ListInstances, ListVolumes");

  const osc = client(os.ObjectStorageClient, provider, "objectstorage", TOKYO);
  const ns = (await osc.getNamespace({})).value;
  assert.strictEqual(ns, "minatocity");
  const buckets = await osc.listBuckets({ namespaceName: ns, compartmentId: "ocid1.compartment.oc1..aaaaaaaadev" });
  assert.deepStrictEqual(buckets.items.map((b) => b.name), ["public-web"]);
  const b = await osc.getBucket({ namespaceName: ns, bucketName: "juminhyo-backup" });
  assert.strictEqual(b.bucket.publicAccessType, os.models.Bucket.PublicAccessType.NoPublicAccess);
  assert.strictEqual(b.bucket.versioning, os.models.Bucket.Versioning.Enabled);
  const rr = await osc.listRetentionRules({ namespaceName: ns, bucketName: "juminhyo-backup" });
  assert.strictEqual(rr.retentionRuleCollection.items[0].duration.timeAmount, 7);
  console.log("ok objectstorage GetNamespace, ListBuckets, GetBucket, ListRetentionRules");

  // an unregistered key: the signature cannot verify
  const stranger = new common.ConfigFileAuthenticationDetailsProvider(config, "STRANGER");
  const sid = client(identity.IdentityClient, stranger, "identity", TOKYO);
  try {
    await sid.listUsers({ compartmentId: T, retryConfiguration: noRetry.retryConfiguration });
    assert.fail("an unregistered key was accepted");
  } catch (e) {
    assert.strictEqual(e.statusCode, 401, String(e));
    assert.strictEqual(e.serviceCode, "NotAuthenticated");
  }
  console.log("ok a stranger's key is refused (401 NotAuthenticated)");
}

main().then(() => process.exit(0), (e) => { console.error("FAIL", e && e.stack ? e.stack : e); process.exit(1); });
