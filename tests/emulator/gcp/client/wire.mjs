// wire.mjs — Google's own Node clients (google-auth-library, @googleapis/*) against gcpemu: the
// JWT bearer grant (signed by the library, verified by the emulator), list answers and their
// paging, an IAM policy, the Resource Manager tree, Cloud Asset Inventory's assets.list (googleapis'
// cloudasset v1) and the error body of a denied call. Proves
// that gcpemu speaks Google's wire format rather than our collector's assumptions.
// usage: node wire.mjs BASE_URL KEY_FILE TENANT_FILE
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const { JWT } = require('google-auth-library');
const { compute } = require('@googleapis/compute');
const { storage } = require('@googleapis/storage');
const { cloudresourcemanager } = require('@googleapis/cloudresourcemanager');
const { google } = require('googleapis');

const [base, keyFile, tenantFile] = process.argv.slice(2);
const key = JSON.parse(readFileSync(keyFile, 'utf8'));
const tenant = JSON.parse(readFileSync(tenantFile, 'utf8'));
let failures = 0;
const check = (what, ok, detail) => {
  if (!ok) { failures++; console.log(`FAIL ${what}${detail ? ': ' + detail : ''}`); }
  else console.log(`ok   ${what}`);
};

const auth = new JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id,
  scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
// The library posts the grant to Google's token URL whatever the key file says: send it here.
auth.transporter.interceptors.request.add({
  resolved: async (o) => {
    const u = String(o.url);
    if (u.startsWith('https://oauth2.googleapis.com/')) o.url = base + u.slice('https://oauth2.googleapis.com'.length);
    return o;
  },
});
const root = base + '/';
const gce = compute({ version: 'v1', auth, rootUrl: root });
const gcs = storage({ version: 'v1', auth, rootUrl: root });
const crm = cloudresourcemanager({ version: 'v3', auth, rootUrl: root });
const P = 'minato-lgwan-web';
const data = tenant.projects_data[P];

const tok = await auth.getAccessToken();
check('the JWT grant gives an access token', typeof tok.token === 'string' && tok.token.startsWith('ya29.'));

// firewalls, one per page: the client follows nextPageToken
let names = [], pageToken, pages = 0;
do {
  const r = await gce.firewalls.list({ project: P, maxResults: 1, pageToken });
  names.push(...(r.data.items || []).map((f) => f.name));
  pageToken = r.data.nextPageToken; pages++;
  check(`firewalls page ${pages} kind`, r.data.kind === 'compute#firewallList', r.data.kind);
} while (pageToken && pages < 20);
check('firewalls.list pages through every rule', names.length === data.firewalls.length && pages === data.firewalls.length,
  `${names.length} in ${pages} pages`);
const inst = await gce.instances.list({ project: P, zone: 'asia-northeast1-a' });
const nat = inst.data.items?.[0]?.networkInterfaces?.[0]?.accessConfigs?.[0]?.natIP;
check('instances.list: the external IP in accessConfigs', nat === '34.84.12.34', nat);
const regions = await gce.regions.list({ project: P });
check('regions.list: zones of each region', regions.data.items?.length === 2 && regions.data.items[0].zones.length >= 1);

const buckets = await gcs.buckets.list({ project: P });
check('storage buckets.list', buckets.data.items?.length === data.buckets.length);
const pub = buckets.data.items.find((b) => b.name.endsWith('-public-web'));
const pol = await gcs.buckets.getIamPolicy({ bucket: pub.name });
check('storage buckets.getIamPolicy: allUsers binding', pol.data.bindings.some((b) => b.members.includes('allUsers')));

const ip = await crm.projects.getIamPolicy({ resource: 'projects/minato-juki-prod',
  requestBody: { options: { requestedPolicyVersion: 3 } } });
check('projects.getIamPolicy: auditConfigs', ip.data.auditConfigs?.[0]?.service === 'allServices');
const folders = await crm.folders.list({ parent: 'organizations/538211890412' });
check('folders.list under the organization', folders.data.folders?.length === 2, JSON.stringify(folders.data).slice(0, 200));
const projects = await crm.projects.list({ parent: 'folders/203' });
check('projects.list under a folder', projects.data.projects?.[0]?.projectId === P);

// Cloud Asset Inventory v1 assets.list over the organization: repeated assetTypes, contentType,
// pageToken paging; resource.data is the service's own resource, ancestors name the project.
const cai = google.cloudasset({ version: 'v1', auth, rootUrl: root });
const want = Object.values(tenant.projects_data).reduce((n, d) => n + d.firewalls.length + d.buckets.length, 0);
let assets = [];
pageToken = undefined; pages = 0;
do {
  const r = await cai.assets.list({ parent: 'organizations/538211890412', contentType: 'RESOURCE',
    assetTypes: ['compute.googleapis.com/Firewall', 'storage.googleapis.com/Bucket'], pageSize: 2, pageToken });
  assets.push(...(r.data.assets || []));
  pageToken = r.data.nextPageToken; pages++;
  if (pages === 1) check('assets.list: readTime', typeof r.data.readTime === 'string' && r.data.readTime.endsWith('Z'), r.data.readTime);
} while (pageToken && pages < 50);
check('assets.list pages through every firewall and bucket of the organization', assets.length === want && pages === Math.ceil(want / 2),
  `${assets.length} of ${want} in ${pages} pages`);
const fwa = assets.find((a) => a.assetType === 'compute.googleapis.com/Firewall' && a.resource.data.name === data.firewalls[0].name &&
  a.name.includes(`/projects/${P}/`));
check('a firewall asset: resource.data is compute\'s firewall, the name its full resource name',
  fwa && JSON.stringify(fwa.resource.data) === JSON.stringify(data.firewalls[0]) &&
  fwa.name === `//compute.googleapis.com/projects/${P}/global/firewalls/${data.firewalls[0].name}`, fwa?.name);
const proj = tenant.projects.find((p) => p.projectId === P);
check('a firewall asset: ancestors from its project to the organization',
  fwa?.ancestors?.[0] === proj.name && fwa.ancestors.at(-1) === 'organizations/538211890412', JSON.stringify(fwa?.ancestors));
const iam = await cai.assets.list({ parent: 'projects/minato-juki-prod', contentType: 'IAM_POLICY',
  assetTypes: ['cloudresourcemanager.googleapis.com/Project'] });
check('assets.list IAM_POLICY: the project\'s policy with its audit configs',
  iam.data.assets?.length === 1 && iam.data.assets[0].iamPolicy?.auditConfigs?.[0]?.service === 'allServices');

try {
  await gce.routes.list({ project: P });
  check('a denied call is refused', false, 'it succeeded');
} catch (e) {
  const reason = e.errors?.[0]?.reason ?? e.response?.data?.error?.errors?.[0]?.reason;
  check('a denied call: 403 with Google\'s error body', e.status === 403 && reason === 'forbidden' &&
    /compute\.routes\.list/.test(e.message), `${e.status} ${reason} ${e.message}`);
}
process.exit(failures ? 1 : 0);
