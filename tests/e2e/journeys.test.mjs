// journeys.test.mjs — the web UI's journeys in a real browser (issue 13): procurement uploads the
// 別紙 questionnaire and sees the unmet items; the cloud administrator starts a collection and
// watches it finish over the events stream; the auditor opens a failing requirement, records a
// judgment, adds a waiver and downloads the XLSX; the auditor writes and approves the plan, records
// a working paper and issues the report; a user of another organization sees none of
// org A's data. Screenshots of each main page go to $ISMAP_E2E_OUT (default build/e2e); axe-core
// must find no serious or critical violation on any of them.
// Run: node --test tests/e2e/journeys.test.mjs  (ISMAP_BUILD = the build folder). Exit 77 = skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, skipReason, startEnv, loadDemo, launch, open, login, waitFor } from './lib.mjs';

const build = path.resolve(process.env.ISMAP_BUILD || path.join(root, 'build'));
const why = skipReason(build);
if (why) {
  console.log(`e2e skipped: ${why}`);
  process.exit(77);
}
const out = path.resolve(process.env.ISMAP_E2E_OUT || path.join(build, 'e2e'));
fs.mkdirSync(out, { recursive: true });

let env, demo, browser, tokens;
const axeReport = [];

before(async () => {
  // One account's GuardDuty is denied, so the snapshot has a missing permission to show.
  env = await startEnv(build, { emulatorArgs: ['--fault', 'guardduty:ListDetectors@712345670004=access_denied'] });
  demo = loadDemo(env);
  tokens = {
    procurement: env.token('procurement-a', 'procurement', 'みなと市'),
    admin: env.token('cloudadmin-a', 'admin', 'みなと市'),
    auditor: env.token('auditor-a', 'auditor', 'みなと市'),
    otherOrg: env.token('procurement-b', 'procurement', 'となり町'),
  };
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (env) await env.stop();
  const bad = axeReport.filter((r) => r.violations.length);
  fs.writeFileSync(path.join(out, 'axe.json'), JSON.stringify(axeReport, null, 1));
  if (bad.length) console.log(`axe: serious/critical violations on ${bad.map((r) => r.page).join(', ')}`);
});

async function newPage() {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (4|5)\d\d/.test(m.text())) errors.push(m.text()); });
  page.errors = errors;
  return page;
}

/** Screenshot + axe for one main page. */
async function check(page, name) {
  await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: false });
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  // Every rule, in the page itself (legacy mode: the UI has no frames, so nothing is lost by
  // not opening the blank page @axe-core/playwright otherwise merges frames' results in), and
  // only the violations in full (resultTypes: the passes are cut to one node per rule, axe-core's
  // documented performance option; nothing here reads them). Shipping every node's partial
  // result of the matrix and findings tables to a second page was most of this suite's time.
  const res = await new AxeBuilder({ page }).setLegacyMode().options({ resultTypes: ['violations'] }).analyze();
  const v = res.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((x) => ({ id: x.id, impact: x.impact, help: x.help, nodes: x.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  axeReport.push({ page: name, violations: v });
  assert.deepEqual(v, [], `axe on ${name}: ${JSON.stringify(v, null, 1)}`);
}

function zipEntries(file) {
  const py = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint("\\n".join(z.namelist()))';
  return execFileSync('python3', ['-c', py, file], { encoding: 'utf8' }).trim().split('\n');
}
function zipRead(file, name) {
  const py = 'import sys, zipfile\nsys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode("utf-8"))';
  return execFileSync('python3', ['-c', py, file, name], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

let snapshotId = null;
let assessmentId = null;

/** Runs act (which changes the route) and waits until the new page is rendered. */
async function reroute(page, act) {
  await page.evaluate(() => { delete document.getElementById('main').dataset.ready; });
  await act();
  await page.waitForFunction(() => document.getElementById('main').dataset.ready);
}

/** The findings page filters on the server: for a domain, an account and a severity, the page
 *  shows the total and the first page findings.list gives for that filter, and "more" goes on
 *  with the next page of the same filter. */
async function findingsFilters(page, aid) {
  const all = (await env.api(tokens.auditor, 'findings.list', { assessment: aid, limit: 1, facets: true })).body.result;
  assert.ok(all.total > 0, 'the assessment has findings');
  // The domain filter is enabled and offers the three network domains.
  assert.equal(await page.locator('#f-domain').isDisabled(), false);
  assert.deepEqual(await page.locator('#f-domain option').evaluateAll((o) => o.map((x) => x.value)), ['', 'mynumber', 'lgwan', 'internet']);
  const busiest = (key) => Object.entries(all.facets[key]).sort((a, b) => b[1] - a[1])[0][0];
  const shownIds = () => page.locator('main table tbody tr td:nth-child(7)').allInnerTexts();
  for (const [key, value] of [['domain', busiest('domain')], ['account', busiest('account')], ['severity', busiest('severity')]]) {
    const want = (await env.api(tokens.auditor, 'findings.list', { assessment: aid, [key]: value, limit: 500 })).body.result;
    await reroute(page, () => page.selectOption(`#f-${key}`, value));
    assert.ok((await page.evaluate(() => location.hash)).includes(`${key}=${encodeURIComponent(value)}`));
    const caption = await page.locator('#f-caption').innerText();
    assert.ok(caption.includes(want.total.toLocaleString('ja-JP')), `${key}=${value}: caption "${caption}" names ${want.total}`);
    await page.waitForFunction((m) => document.querySelectorAll('main table tbody tr').length === m, want.findings.length);
    assert.deepEqual(await shownIds(), want.findings.map((f) => f.resource_id || f.arn || ''), `${key}=${value}: the first page is the service's`);
    if (want.next_cursor) {
      const next = (await env.api(tokens.auditor, 'findings.list', { assessment: aid, [key]: value, limit: 500, cursor: want.next_cursor })).body.result;
      await page.click('#more');
      await page.waitForFunction((m) => document.querySelectorAll('main table tbody tr').length === m, want.findings.length + next.findings.length);
      assert.deepEqual((await shownIds()).slice(want.findings.length), next.findings.map((f) => f.resource_id || f.arn || ''));
    }
    await reroute(page, () => page.selectOption(`#f-${key}`, ''));
  }
}

test('procurement: upload the 別紙 questionnaire, see the decision and the unmet items, export XLSX', async () => {
  const page = await newPage();
  await login(page, env.base, tokens.procurement);
  await open(page, env.base, '#/subjects');
  await check(page, '01-subjects');
  await page.click(`a[href="#/subjects/${demo.svc.id}"]`);
  await page.waitForFunction((w) => document.getElementById('main').dataset.ready === w, `/subjects/${demo.svc.id}`);
  // A broken file first: the import error names the sheet, row, column and value.
  await page.setInputFiles('#up-questionnaire', path.join(demo.fx, 'bad_unknown_row.csv'));
  const err = page.locator('.drop[data-kind="questionnaire"] .err');
  await err.waitFor();
  const cells = await err.locator('tbody tr').first().locator('td').allInnerTexts();
  assert.ok(cells.includes('bad_unknown_row') && cells.includes('51') && cells.includes('A') && cells.includes('5-38'),
    `the error row names sheet, row, column and value: ${cells.join(' | ')}`);
  // The real questionnaire.
  await page.setInputFiles('#up-questionnaire', path.join(demo.fx, 'questionnaire.xlsx'));
  await page.locator('.drop[data-kind="questionnaire"] .okmsg').waitFor();
  await page.locator('table >> text=別紙 クラウドサービス要件確認').first().waitFor();
  await check(page, '02-subject-upload');
  await page.click(`a[href="#/subjects/${demo.svc.id}/screening"]`);
  await page.waitForFunction((w) => document.getElementById('main').dataset.ready === w, `/subjects/${demo.svc.id}/screening`);
  assert.equal((await page.locator('#decision').innerText()).trim(), '不可');
  const unmet = page.locator('h2#unmet + div table');
  assert.match(await unmet.innerText(), /12\.7\.1/);
  await check(page, '03-screening');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
  const file = path.join(out, 'screening.xlsx');
  await dl.saveAs(file);
  assert.ok(zipEntries(file).includes('xl/workbook.xml'), 'the screening export is an XLSX');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('cloud administrator: start a collection and watch it finish live', async () => {
  const page = await newPage();
  await login(page, env.base, tokens.admin);
  await open(page, env.base, '#/collect');
  // The form is the provider's params table: AWS is the first (and, today, only) provider.
  assert.equal(await page.locator('#collect-form').getAttribute('data-provider'), 'aws');
  const ops = (await env.api(tokens.admin, 'collect.aws.operations', {})).body.result;
  await page.click('#perms summary');
  assert.equal(await page.locator('#perms tbody tr').count(), ops.length, 'the permissions table lists every operation');
  assert.match(await page.locator('#perms').innerText(), /guardduty:ListDetectors/);
  await page.check('#c-org');
  await page.fill('#c-role_name', 'ISMAPAssessReadOnly');
  await page.fill('#c-external_id', 'minato-ismap-2025');
  await page.fill('#c-endpoint_url', env.endpoint);
  await page.click('#collect-start');
  await page.locator('#collect-progress').waitFor();
  await page.waitForFunction(() => document.getElementById('live').dataset.finished, null, { timeout: 300000 });
  assert.equal(await page.locator('#live').getAttribute('data-finished'), 'succeeded');
  // The progress came live: the log holds at least one progress message. A gateway with an
  // events route must be the channel (SSE); without one the page asks the job every second.
  assert.match(await page.locator('#live .log').innerText(), /accounts|operations/);
  const ev = await fetch(`${env.base}/api/v1/events`, { method: 'HEAD', headers: { Authorization: `Bearer ${tokens.admin}` } });
  assert.equal(await page.locator('#live').getAttribute('data-channel'), ev.status === 404 ? 'poll' : 'events');
  await check(page, '04-collect');
  await open(page, env.base, '#/snapshots');
  const link = page.locator('main table a[href^="#/snapshots/snap_"]').first();
  snapshotId = (await link.getAttribute('href')).split('/').pop();
  await check(page, '05-snapshots');
  assert.match(await page.locator('main table').innerText(), /AWS/, 'the snapshot list names the provider');
  await link.click();
  await page.waitForFunction((w) => document.getElementById('main').dataset.ready === w, `/snapshots/${snapshotId}`);
  assert.match(await page.locator('main').innerText(), /guardduty:ListDetectors/);
  assert.equal((await page.locator('#snap-provider').innerText()).trim(), 'AWS');
  assert.match(await page.locator('h2#missing + div thead').innerText(), /アカウント/, "the scope column says AWS's scope noun");
  await check(page, '06-snapshot');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('auditor: failing requirement, judgment, waiver, XLSX report', async () => {
  assert.ok(snapshotId, 'the collection journey made a snapshot');
  const page = await newPage();
  await login(page, env.base, tokens.auditor);
  await open(page, env.base, '#/assessments');
  await page.selectOption('#as-subject', demo.ws.id);
  await page.fill('#as-name', '2026年度 ガバメントクラウド監査');
  for (const fw of ['mic-cloud-addon', 'mic', 'ismap-must-meet']) await page.check(`input[name=frameworks][value="${fw}"]`);
  await page.click('form.grid button[type=submit]');
  await page.waitForFunction(() => /^#\/assessments\/asmt_/.test(location.hash) && document.getElementById('main').dataset.ready);
  const aid = (await page.evaluate(() => location.hash)).split('/')[2];
  await waitFor('the evaluation', async () => {
    const r = await env.api(tokens.auditor, 'assessment.show', { id: aid });
    if (r.body && r.body.result && r.body.result.state === 'failed') throw new Error('evaluation failed');
    return r.body && r.body.result && r.body.result.state === 'ready';
  }, 300000);
  await open(page, env.base, `#/assessments/${aid}`);
  await check(page, '07-assessment');
  await open(page, env.base, `#/assessments/${aid}/matrix`);
  await check(page, '08-matrix');
  await page.click('.counts button.st-not_satisfied');
  await page.waitForFunction(() => location.hash.includes('status=not_satisfied') && document.getElementById('main').dataset.ready);
  const first = page.locator('main table tbody a').first();
  const href = await first.getAttribute('href');
  await first.click();
  await page.waitForFunction((h) => location.hash === h && document.getElementById('main').dataset.ready, href);
  assert.match(await page.locator('#req-status').innerText(), /不適合/);
  await check(page, '09-requirement');
  const note = `E2E指摘 ${Date.now()}`;
  await page.selectOption('#j-result', 'not_satisfied');
  await page.fill('#j-examined', 'ネットワーク管理基準、結線図');
  await page.fill('#j-findings', note);
  await page.fill('#j-improvement', '既定の暗号化を有効にすること');
  await page.click('#judgment-form button[type=submit]');
  await page.locator(`main table >> text=${note}`).waitFor();
  const exp = new Date(Date.now() + 90 * 864e5).toISOString().slice(0, 10);
  await page.fill('#w-just', '移行完了まで暫定的に許容する');
  await page.fill('#w-approver', '情報政策課長');
  await page.fill('#w-ticket', 'SEC-2026-042');
  await page.fill('#w-expires', exp);
  await page.click('#waiver-form button[type=submit]');
  await page.waitForFunction(() => /例外措置/.test((document.getElementById('req-status') || {}).innerText || ''));
  await open(page, env.base, `#/waivers?assessment=${aid}`);
  assert.match(await page.locator('main table').innerText(), /SEC-2026-042/);
  await check(page, '10-waivers');
  await open(page, env.base, `#/assessments/${aid}/findings`);
  await check(page, '11-findings');
  await findingsFilters(page, aid);
  assessmentId = aid;
  await open(page, env.base, `#/assessments/${aid}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#report-xlsx')]);
  const file = path.join(out, 'assessment.xlsx');
  await dl.saveAs(file);
  const names = zipEntries(file);
  assert.ok(names.includes('xl/workbook.xml'), 'the report is an XLSX');
  assert.match(zipRead(file, 'xl/workbook.xml'), /name="監査チェックリスト"/);
  assert.ok(zipRead(file, 'xl/sharedStrings.xml').includes(note), 'the XLSX carries the recorded 指摘事項');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('auditor: the engagement — plan approved, a working paper, the report issued and verified', async () => {
  assert.ok(snapshotId, 'the collection journey made a snapshot');
  const created = await env.api(tokens.auditor, 'assessment.create', { subject: demo.ws.id, frameworks: ['mic-cloud-addon'], snapshots: [snapshotId], name: 'E2E 監査計画' });
  const aid = created.body.result.id;
  await waitFor('the evaluation', async () => {
    const r = await env.api(tokens.auditor, 'assessment.show', { id: aid });
    if (r.body && r.body.result && r.body.result.state === 'failed') throw new Error('evaluation failed');
    return r.body && r.body.result && r.body.result.state === 'ready';
  }, 300000);
  const page = await newPage();
  await login(page, env.base, tokens.auditor);
  await open(page, env.base, `#/assessments/${aid}`);
  await page.click('#to-engagement');
  await page.waitForFunction(() => /\/engagement$/.test(location.hash) && document.getElementById('main').dataset.ready);
  await page.fill('#plan-theme', 'クラウドサービス利用の重点監査');
  await page.fill('#plan-team', '山田花子:主任監査人');
  await page.fill('#plan-schedule', '本調査:2026-11-20:2026-11-27');
  await page.click('#plan-save');
  await page.waitForFunction(() => /第1版/.test((document.getElementById('plan-state') || {}).innerText || ''));
  await check(page, '13-engagement');
  await page.click('#plan-approve');
  await page.waitForFunction(() => /承認済/.test((document.getElementById('plan-state') || {}).innerText || ''));
  assert.equal(await page.locator('#plan-theme').isDisabled(), true);
  await page.fill('#wp-item', 'C-15');
  await page.fill('#wp-procedures', 'セキュリティグループ設定の閲覧');
  await page.fill('#wp-conclusion', 'E2E 調書の結論');
  await page.click('#wp-save');
  await page.locator('main table >> text=E2E 調書の結論').waitFor();
  await page.fill('#rep-addressee', 'みなと市 CISO 殿');
  await page.fill('#rep-overall', 'E2E 総括');
  await page.click('#rep-save');
  await page.waitForFunction(() => /第1版/.test((document.getElementById('rep-state') || {}).innerText || ''));
  page.once('dialog', (d) => d.accept());
  await page.click('#rep-issue');
  await page.waitForFunction(() => /発行済/.test((document.getElementById('rep-state') || {}).innerText || ''));
  await page.click('#rep-verify');
  await page.locator('#rep-verified').waitFor();
  assert.match(await page.locator('#rep-verified').innerText(), /署名も有効/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#rep-export-public-html')]);
  const file = path.join(out, 'report-public.html');
  await dl.saveAs(file);
  const html = fs.readFileSync(file, 'utf8');
  assert.match(html, /公開版/);
  assert.match(html, /E2E 総括/);
  await check(page, '14-engagement-issued');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("another organization's user sees none of org A's data", async () => {
  const page = await newPage();
  await login(page, env.base, tokens.otherOrg);
  await open(page, env.base, '#/subjects');
  const text = await page.locator('main').innerText();
  assert.match(text, /となり町 財務会計クラウド/);
  assert.doesNotMatch(text, /住民記録クラウド|みなと市ガバメントクラウド/);
  await check(page, '12-other-org-subjects');
  await open(page, env.base, `#/subjects/${demo.svc.id}`);
  assert.match(await page.locator('main .err').innerText(), /not_found|見つかりません|no subject/i);
  await open(page, env.base, '#/assessments');
  assert.doesNotMatch(await page.locator('main').innerText(), /ガバメントクラウド監査/);
  const r = await env.api(tokens.otherOrg, 'subject.show', { subject: demo.svc.id });
  assert.equal(r.status, 404);
  await page.close();
});

test('collection form built from a provider description (stubbed provider table)', async () => {
  // Two providers the service does not have: the page must build everything from the table.
  const fake = [
    { name: 'fakecloud', title: 'Fake Cloud', scope_noun: 'project', permission_title: 'ROLE PERMISSION', summary: 'x', params: [
      { name: 'project', kind: 'string', flag: 'project', metavar: 'ID', help: 'A project id.' },
      { name: 'locations', kind: 'list', flag: 'locations', metavar: 'l1,l2', help: 'Locations to read.' },
      { name: 'all_projects', kind: 'bool', flag: 'all-projects', help: 'Every project of the organization.' },
      { name: 'endpoint', kind: 'url', flag: 'endpoint', metavar: 'URL', help: 'An endpoint override.' },
      { name: 'key_file', kind: 'path', flag: 'key-file', metavar: 'FILE', help: 'A key file of the daemon host.' }] },
    { name: 'othercloud', title: 'Other Cloud', scope_noun: 'subscription', summary: 'y', params: [
      { name: 'subscription', kind: 'string', flag: 'subscription', help: 'A subscription id.' }] },
  ];
  const reply = (route, result) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: true, result }) });
  const stub = async (page, sent) => {
    await page.route('**/api/v1/ops/collect.providers', (r) => reply(r, fake));
    await page.route('**/api/v1/ops/collect.fakecloud.operations', (r) => reply(r, [
      { service: 'compute', operation: 'ListInstances', permission: 'compute.instances.list', scope: 'project' },
      { service: 'storage', operation: 'ListBuckets', permission: 'storage.buckets.list', scope: 'project' }]));
    await page.route('**/api/v1/ops/collect.othercloud.operations', (r) => reply(r, []));
    await page.route('**/api/v1/ops/collect.fakecloud', (r) => { sent.push(JSON.parse(r.request().postData() || '{}')); return reply(r, { job: 'job_fake', kind: 'collect.fakecloud', state: 'queued' }); });
    await page.route('**/api/v1/ops/jobs.show', (r) => reply(r, { id: 'job_fake', kind: 'collect.fakecloud', state: 'running', progress: 0.5 }));
  };
  const sent = [];
  const page = await newPage();
  await stub(page, sent);
  await login(page, env.base, tokens.auditor);
  await open(page, env.base, '#/collect');
  assert.equal(await page.locator('#collect-form').getAttribute('data-provider'), 'fakecloud');
  // An auditor is offered no URL or path param (the service refuses them to non-admins).
  assert.deepEqual(await page.locator('#collect-form [name]').evaluateAll((e) => e.map((x) => `${x.name}:${x.dataset.kind || x.tagName}`)),
    ['provider:SELECT', 'project:string', 'locations:list', 'all_projects:bool']);
  assert.equal(await page.locator('#c-all_projects').getAttribute('type'), 'checkbox');
  assert.equal((await page.locator('#c-project-help').innerText()).trim(), 'A project id.');
  assert.match(await page.locator('main p.muted').first().innerText(), /Fake Cloud/);
  assert.match(await page.locator('main p.muted').first().innerText(), /プロジェクト/, 'the scope noun in Japanese');
  // The permissions table is the provider's.
  await page.click('#perms summary');
  assert.equal(await page.locator('#perms tbody tr').count(), 2);
  assert.match(await page.locator('#perms thead').innerText(), /ROLE PERMISSION/);
  assert.match(await page.locator('#perms tbody').innerText(), /compute\.instances\.list/);
  // The list param as chips: Enter adds, a comma list splits, × removes, typed text counts.
  await page.fill('#c-project', 'p-1');
  await page.fill('#c-locations', 'asia-northeast1');
  await page.press('#c-locations', 'Enter');
  await page.fill('#c-locations', 'asia-northeast2, asia-northeast3');
  await page.press('#c-locations', 'Enter');
  assert.deepEqual(await page.locator('.chip span').allInnerTexts(), ['asia-northeast1', 'asia-northeast2', 'asia-northeast3']);
  await page.click('button[aria-label="asia-northeast3 を削除"]');
  await page.fill('#c-locations', 'us-east1');
  await page.check('#c-all_projects');
  await page.click('#collect-start');
  await page.locator('#collect-progress').waitFor();
  assert.deepEqual(sent, [{ project: 'p-1', locations: ['asia-northeast1', 'asia-northeast2', 'us-east1'], all_projects: true }]);
  // Another provider: the form is rebuilt from its params.
  await reroute(page, () => page.selectOption('#c-provider', 'othercloud'));
  assert.equal(await page.locator('#collect-form').getAttribute('data-provider'), 'othercloud');
  assert.deepEqual(await page.locator('#collect-form [name]').evaluateAll((e) => e.map((x) => x.name)), ['provider', 'subscription']);
  assert.match(await page.locator('main p.muted').first().innerText(), /サブスクリプション/);
  await page.close();
  // An admin gets the URL and path params too.
  const adminPage = await newPage();
  await stub(adminPage, sent);
  await login(adminPage, env.base, tokens.admin);
  await open(adminPage, env.base, '#/collect?provider=fakecloud');
  assert.equal(await adminPage.locator('#c-endpoint').getAttribute('type'), 'url');
  assert.equal(await adminPage.locator('#c-key_file').count(), 1);
  await check(adminPage, '13-collect-stub-provider');
  await adminPage.close();
});

/** Interactive elements smaller than 44 × 44 px (a checkbox counts with its margin). */
function smallTargets(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('button, select, input, summary, header nav a, .crumbs a, main table a')) {
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height || el.type === 'hidden' || el.type === 'file') continue;
      let w = r.width, ht = r.height;
      if (el.type === 'checkbox' || el.type === 'radio') {
        const cs = getComputedStyle(el);
        w += parseFloat(cs.marginLeft) + parseFloat(cs.marginRight);
        ht += parseFloat(cs.marginTop) + parseFloat(cs.marginBottom);
      }
      if (w < 43.5 || ht < 43.5) bad.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} ${Math.round(w)}×${Math.round(ht)} "${(el.textContent || el.value || '').trim().slice(0, 24)}"`);
    }
    return bad.slice(0, 8);
  });
}

test('tablet widths: 768×1024 and 1024×768 — screenshots, axe, no page-wide scrolling, menu, touch targets', async () => {
  assert.ok(snapshotId && assessmentId, 'the earlier journeys made a snapshot and an assessment');
  const pages = [
    ['admin', '#/collect', 'collect'],
    ['auditor', `#/snapshots/${snapshotId}`, 'snapshot'],
    // Filtered, so axe reads a screenful rather than every row (the layout is the same).
    ['auditor', `#/assessments/${assessmentId}/matrix?status=not_satisfied`, 'matrix'],
    ['auditor', `#/assessments/${assessmentId}/findings?status=fail&severity=high`, 'findings'],
  ];
  for (const [w, h] of [[768, 1024], [1024, 768]]) {
    const byRole = {};
    for (const [role, hash, name] of pages) {
      if (!byRole[role]) {
        byRole[role] = await newPage();
        await byRole[role].setViewportSize({ width: w, height: h });
        await login(byRole[role], env.base, tokens[role]);
      }
      const page = byRole[role];
      await open(page, env.base, hash);
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(over <= 1, `${name} at ${w}×${h}: the page scrolls sideways by ${over} px (tables must scroll inside their box)`);
      // The menu: folded behind its button in portrait, spread out in landscape.
      const toggle = page.locator('#nav-toggle');
      if (w < 900) {
        assert.ok(await toggle.isVisible(), 'the menu button shows in portrait');
        assert.equal(await page.locator('#nav a').first().isVisible(), false, 'the menu is folded');
        await toggle.click();
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        assert.ok(await page.locator('#nav a').first().isVisible(), 'the button opens the menu');
      } else {
        assert.equal(await toggle.isVisible(), false);
        assert.ok(await page.locator('#nav a').first().isVisible());
      }
      assert.deepEqual(await smallTargets(page), [], `${name} at ${w}×${h}: touch targets under 44 px`);
      await check(page, `t${w}x${h}-${name}`);
      if (w < 900) await toggle.click();
    }
    for (const p of Object.values(byRole)) { assert.deepEqual(p.errors, []); await p.close(); }
  }
});
