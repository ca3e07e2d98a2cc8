// wire.mjs — proves azureemu's wire format with Microsoft's own clients: @azure/identity (Entra ID
// client credentials, with a client secret and with a certificate: MSAL signs the assertion) and
// the @azure/arm-* management clients (their deserializers and nextLink paging), and Microsoft
// Graph through @azure/identity's token with fetch (@odata.nextLink). The JS SDKs insist on https:
// a TLS front (this process, the certificate the calling script made) forwards to the emulator.
// Usage: node wire.mjs EMU_PORT CERT.pem KEY.pem CLIENT_CERT.pem; prints "ok N" or fails (exit 1).
import https from "node:https";
import http from "node:http";
import fs from "node:fs";
import { ClientSecretCredential, ClientCertificateCredential } from "@azure/identity";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { StorageManagementClient } from "@azure/arm-storage";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";

const [emuPort, certFile, keyFile, clientPem] = process.argv.slice(2);
const TENANT = "7a3c0e6d-1f2b-4c5d-9e8f-0a1b2c3d4e5f";
const CLIENT = "5c1e2d3f-4a5b-4c6d-8e7f-901234567890";
const S1 = "11111111-aaaa-4aaa-8aaa-000000000001";
let checks = 0;
function expect(cond, what) {
  if (!cond) throw new Error("wire: " + what);
  checks++;
}

// The TLS front: every request forwarded to the emulator, marked as having come over https.
const front = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
  const up = http.request({ host: "127.0.0.1", port: emuPort, method: req.method, path: req.url,
    headers: { ...req.headers, "x-forwarded-proto": "https" } }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
  req.pipe(up);
});
await new Promise((ok) => front.listen(0, "127.0.0.1", ok));
const base = `https://127.0.0.1:${front.address().port}`;
const opts = { authorityHost: base, disableInstanceDiscovery: true };
const arm = { endpoint: base, credentialScopes: ["https://management.azure.com/.default"] };

try {
  // 1. client secret: subscriptions (paged one per page by the emulator), storage, key vaults
  const secret = new ClientSecretCredential(TENANT, CLIENT, "minato-emulator-secret", opts);
  const subs = [];
  for await (const s of new SubscriptionClient(secret, arm).subscriptions.list()) subs.push(s);
  expect(subs.length === 2, `2 subscriptions over nextLink pages, got ${subs.length}`);
  expect(subs.some((s) => s.subscriptionId === S1 && s.state === "Enabled"), "subscription shape");

  const st = new StorageManagementClient(secret, S1, arm);
  const accounts = [];
  for await (const a of st.storageAccounts.list()) accounts.push(a);
  expect(accounts.length === 1, "one storage account");
  const a = accounts[0];
  expect(a.enableHttpsTrafficOnly === true, "supportsHttpsTrafficOnly → enableHttpsTrafficOnly");
  expect(a.minimumTlsVersion === "TLS1_2", "minimumTlsVersion");
  expect(a.allowBlobPublicAccess === false && a.allowSharedKeyAccess === false, "public/shared key flags");
  expect(a.encryption?.keySource === "Microsoft.Keyvault", "encryption.keySource");
  expect(a.networkRuleSet?.defaultAction === "Deny", "networkAcls → networkRuleSet");
  expect(a.location === "japaneast", "location");

  const kv = new KeyVaultManagementClient(secret, S1, arm);
  const vaults = [];
  for await (const v of kv.vaults.listBySubscription()) vaults.push(v);
  expect(vaults.length === 1 && vaults[0].properties.enablePurgeProtection === true, "vault purge protection");
  expect(vaults[0].properties.enableRbacAuthorization === true, "vault RBAC");
  const keys = [];
  for await (const k of kv.keys.list("rg-mynumber", vaults[0].name)) keys.push(k);
  expect(keys.length === 1 && keys[0].rotationPolicy?.lifetimeActions?.length === 2, "key rotation policy");

  // 2. a certificate (MSAL's own client assertion, x5t#S256) and Microsoft Graph with fetch
  const cert = new ClientCertificateCredential(TENANT, CLIENT, { certificatePath: clientPem }, opts);
  const tok = await cert.getToken("https://graph.microsoft.com/.default");
  expect(tok && tok.token.length > 10, "a Graph token for the certificate");
  let url = `${base}/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=2`;
  const users = [];
  while (url) {
    const r = await fetch(url, { headers: { Authorization: `Bearer ${tok.token}` } });
    expect(r.status === 200, `Graph page ${r.status}`);
    const j = await r.json();
    expect(typeof j["@odata.context"] === "string", "@odata.context");
    users.push(...j.value);
    url = j["@odata.nextLink"];
  }
  expect(users.length === 6 && users.every((u) => typeof u.isMfaRegistered === "boolean"), "6 registration details over @odata.nextLink");
  const armWithCert = [];
  for await (const s of new SubscriptionClient(cert, arm).subscriptions.list()) armWithCert.push(s);
  expect(armWithCert.length === 2, "ARM with the certificate's token");

  // 3. a wrong secret: the SDK surfaces Entra ID's error
  const wrong = new ClientSecretCredential(TENANT, CLIENT, "not-the-secret", opts);
  let refused = "";
  try { await wrong.getToken("https://management.azure.com/.default"); } catch (e) { refused = String(e.message); }
  expect(refused.includes("AADSTS7000215"), "a wrong secret is refused with AADSTS7000215");
  console.log(`ok ${checks}`);
} catch (e) {
  console.error(e.stack || String(e));
  process.exitCode = 1;
} finally {
  front.close();
  front.closeAllConnections?.();
}
