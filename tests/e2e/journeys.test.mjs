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
  const res = await new AxeBuilder({ page }).analyze();
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
  await page.fill('#c-ext', 'minato-ismap-2025');
  await page.fill('#c-endpoint', env.endpoint);
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
  await link.click();
  await page.waitForFunction((w) => document.getElementById('main').dataset.ready === w, `/snapshots/${snapshotId}`);
  assert.match(await page.locator('main').innerText(), /guardduty:ListDetectors/);
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
