// ui_bench.mjs — time to interactive of the web UI's two largest pages in headless chromium
// (issue 13): the conformance matrix of an assessment with ~600 requirements and 10,000 check
// findings, and the findings page filtered to one account. Prints figures (median, min, max of
// several runs); asserts nothing on time. Needs chromium and tests/e2e/node_modules; exit 77
// (skipped) without them. UI_BENCH_VOLUMES (4950) sets the number of failing EBS volumes that
// make the findings (two each, so ~10,000 with the base tenant's); UI_BENCH_RUNS (7) the runs per page.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root, skipReason, startEnv, launch, login, waitFor } from '../e2e/lib.mjs';

const build = path.resolve(process.env.ISMAP_BUILD || path.join(root, 'build'));
const why = skipReason(build);
if (why) { console.log(`ui_bench skipped: ${why}`); process.exit(77); }
const volumes = Number(process.env.UI_BENCH_VOLUMES || 4950);
const runs = Number(process.env.UI_BENCH_RUNS || 7);

const env = await startEnv(build);
let browser = null;
try {
  // A tenant: the test fixture's base snapshot plus `volumes` unencrypted EBS volumes in two
  // accounts, so the evaluation yields ~10,000 findings (two per volume).
  const fx = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/snapshots/base.json'), 'utf8'));
  const accounts = ['111122223333', '444455556666'];
  for (let i = 0; i < volumes; i++) {
    const account = accounts[i % 2], region = i % 3 ? 'ap-northeast-1' : 'ap-northeast-3';
    const id = `vol-bench${String(i).padStart(8, '0')}`;
    fx.resources.push({ account, region, type: 'ec2.Volume', id, arn: `arn:aws:ec2:${region}:${account}:volume/${id}`,
      data: { VolumeId: id, Size: 8, State: 'available', Encrypted: false, AvailabilityZone: `${region}a`, VolumeType: 'gp3', Attachments: [] } });
  }
  const fxFile = path.join(env.work, 'bench-fixture.json');
  fs.writeFileSync(fxFile, JSON.stringify(fx));
  const snapFile = path.join(env.work, 'bench.db');
  execFileSync(process.env.ISMSNAPFIX || path.join(build, 'tests', 'ismsnapfix'), [fxFile, snapFile]);
  const snap = env.call('snapshot.import', { path: snapFile });
  env.call('subject.create', { kind: 'workload', name: 'bench', environment: 'production' });
  const a = env.call('assessment.create', { subject: 'bench', frameworks: ['mic-cloud-addon', 'mic', 'ismap-must-meet'], snapshots: [snap.id], name: 'UI benchmark' });
  await waitFor('the evaluation', () => {
    const s = env.call('assessment.show', { id: a.id }).state;
    if (s === 'failed') throw new Error('evaluation failed');
    return s === 'ready';
  }, 1200000);
  const m = env.call('matrix.get', { assessment: a.id });
  const f = env.call('findings.list', { assessment: a.id, limit: 1 });
  console.log(`ui_bench: ${m.requirements.length} requirements, ${f.total} findings, ${volumes} synthetic volumes`);

  const token = env.token('bench-admin', 'admin');
  browser = await launch();
  const page = await browser.context.newPage();
  await login(page, env.base, token);

  // One measurement: from the hash change to main[data-ready] (the page is rendered and its
  // controls respond), then to the next frame after it (first paint of the ready page).
  const measure = (hash) => page.evaluate((h) => new Promise((resolve) => {
    const want = h.slice(1).split('?')[0];
    const main = document.getElementById('main');
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
      if (main.dataset.ready !== want) return;
      obs.disconnect();
      const ready = performance.now() - t0;
      requestAnimationFrame(() => requestAnimationFrame(() => resolve({ ready, painted: performance.now() - t0, rows: main.querySelectorAll('tbody tr').length })));
    });
    obs.observe(main, { attributes: true, attributeFilter: ['data-ready'] });
    location.hash = h;
  }), hash);
  const pages = [
    [`matrix (${m.requirements.length} requirements, ${f.total} findings)`, `#/assessments/${a.id}/matrix`],
    ['findings filtered to one account', `#/assessments/${a.id}/findings?account=${accounts[0]}`],
  ];
  for (const [name, hash] of pages) {
    const res = [];
    for (let i = 0; i < runs + 1; i++) {
      await page.evaluate(() => { location.hash = '#/jobs'; });
      await page.waitForFunction(() => document.getElementById('main').dataset.ready === '/jobs');
      const r = await measure(hash);
      if (i) res.push(r); // the first run warms the caches
    }
    const q = (k) => { const v = res.map((r) => r[k]).sort((x, y) => x - y); return { med: v[Math.floor(v.length / 2)], min: v[0], max: v[v.length - 1] }; };
    const r = q('ready'), p = q('painted');
    console.log(`ui_bench: ${name}: time to interactive median ${r.med.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}), ` +
      `first paint median ${p.med.toFixed(0)} ms, ${res[0].rows} rows in the first render; target ≤ 1000 ms`);
  }
} finally {
  if (browser) await browser.close();
  await env.stop();
}
