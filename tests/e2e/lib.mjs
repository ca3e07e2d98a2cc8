// lib.mjs — the e2e harness shared by the browser journeys and the UI benchmark: starts the AWS
// emulator and a real ismapd with its HTTP gateway on 127.0.0.1 (as deploy/demo.sh assembles the
// demo), loads the demo's evidence, makes API tokens per role, and launches Debian's chromium
// through playwright-core. Everything it starts it stops; it waits on conditions, never on time.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const CHROMIUM = process.env.ISMAP_CHROMIUM || '/usr/bin/chromium';

/** Why the suite cannot run here (null when it can): the caller exits 77 (ctest: skipped). */
export function skipReason(build) {
  if (!fs.existsSync(CHROMIUM)) return `no browser at ${CHROMIUM} (deploy/install-deps.sh --test installs chromium)`;
  if (!fs.existsSync(path.join(here, 'node_modules', 'playwright-core'))) return 'tests/e2e/node_modules is missing (tests/e2e/setup.sh runs npm ci)';
  if (!fs.existsSync(path.join(build, 'ismapd'))) return `no ismapd in ${build}`;
  return null;
}

/** The port ismapd's HTTP gateway listens on: from its log line http.listening (the gateway
 * listens on port 0 and the kernel chooses — a port picked here and handed over could be taken
 * by another test's connection before ismapd binds it). */
function httpPortFromLog(file) {
  if (!fs.existsSync(file)) return null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    try { const e = JSON.parse(line); if (e.event === 'http.listening' && e.port) return e.port; } catch { /* a partial line */ }
  }
  return null;
}

/** Polls cond() until it returns a truthy value or `ms` pass (an overall bound, not a wait). */
export async function waitFor(what, cond, ms = 60000) {
  const end = Date.now() + ms;
  let last = null;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try { const v = await cond(); if (v) return v; } catch (e) { if (e.fatal) throw e; last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Starts emulator + ismapd. Returns an env object with stop(), ctl(), api() and base URL. */
export async function startEnv(build, opts = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ismap-e2e-'));
  const procs = [];
  const env = Object.assign({}, process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAMINATOCOLLECT001',
    AWS_SECRET_ACCESS_KEY: 'mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD',
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'none'), AWS_CONFIG_FILE: path.join(work, 'none'),
    NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost',
    ISMAP_SOCKET: path.join(work, 'data', 'ismapd.sock'),
  });
  delete env.AWS_SESSION_TOKEN; delete env.AWS_PROFILE;
  const start = (bin, args, log) => {
    const out = fs.openSync(path.join(work, log), 'a');
    const p = spawn(bin, args, { env, stdio: ['ignore', out, out] });
    p.logFile = path.join(work, log);
    procs.push(p);
    return p;
  };
  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await gone;
      }
    }
    // The logs stay for a look when ISMAP_E2E_KEEP is set.
    if (process.env.ISMAP_E2E_KEEP) console.log(`e2e: logs and data kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  };
  // A process that died while we wait fails the wait at once, with the end of its log.
  const alive = () => {
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) {
        const log = fs.existsSync(p.logFile) ? fs.readFileSync(p.logFile, 'utf8').slice(-2000) : '';
        throw Object.assign(new Error(`${path.basename(p.spawnfile)} exited (${p.exitCode ?? p.signalCode}): ${log}`), { fatal: true });
      }
    }
  };
  try {
    return await startWith();
  } catch (e) {
    await stop();
    throw e;
  }
  async function startWith() {
  const emuArgs = ['--port-file', path.join(work, 'emu.port'), ...(opts.emulatorArgs || [])];
  start(path.join(build, 'tests', 'awsemu'), emuArgs, 'awsemu.log');
  const port = await waitFor('the emulator', () => {
    alive();
    const f = path.join(work, 'emu.port');
    return fs.existsSync(f) && fs.readFileSync(f, 'utf8').trim();
  }, 60000);
  fs.writeFileSync(path.join(work, 'ismapd.json'), JSON.stringify({
    collect: { endpoint_allow: ['127.0.0.1'] },
    http: { listen: 'http://127.0.0.1:0' },
  }));
  start(path.join(build, 'ismapd'), ['--config', path.join(work, 'ismapd.json'), '--data-dir', path.join(work, 'data'),
    '--log-file', path.join(work, 'ismapd.log')], 'ismapd.out');
  const ctl = (...args) => execFileSync(path.join(build, 'ismapctl'), args, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  await waitFor('ismapd', () => { alive(); execFileSync(path.join(build, 'ismapctl'), ['--timeout', '2', 'ping'], { env, stdio: 'ignore' }); return true; }, 60000);
  const httpPort = await waitFor('the HTTP gateway\'s port', () => { alive(); return httpPortFromLog(path.join(work, 'ismapd.log')); }, 60000);
  const base = `http://127.0.0.1:${httpPort}`;
  await waitFor('the HTTP gateway', async () => { alive(); return (await fetch(`${base}/`)).ok; }, 60000);
  const e = {
    work, base, endpoint: `http://127.0.0.1:${port}`, ctl,
    ctlJson: (...args) => JSON.parse(ctl('--json', ...args)),
    call: (op, params) => JSON.parse(ctl('call', op, JSON.stringify(params || {}))),
    /** An op over HTTP with a bearer token: resolves to {status, body}. */
    api: async (token, op, params) => {
      const r = await fetch(`${base}/api/v1/ops/${op}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(params || {}) });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    token: (name, role, org) => {
      const args = ['token', 'create', '--name', name, '--role', role];
      if (org) args.push('--org', org);
      return JSON.parse(ctl('--json', ...args)).token;
    },
    stop,
  };
  return e;
  }
}

/** Loads the demo's procurement evidence (deploy/demo.sh) and the subjects of two organizations. */
export function loadDemo(e, opts = {}) {
  const fx = path.join(root, 'tests', 'fixtures', 'evidence');
  e.ctl('evidence', 'import', 'ismap-list', path.join(fx, 'ismap_list.csv'), '--as-of', '2025-08-01');
  const svc = e.ctlJson('subject', 'create', '住民記録クラウド', '--provider', 'はまなすクラウド株式会社',
    '--service', 'Hamanasu 住民記録クラウド', '--model', 'SaaS', '--region', '東京', '--organization', 'みなと市');
  for (const [kind, file] of [['soc2', 'soc2_type2.csv'], ['iso-cert', 'iso27001_2022.json'], ['soa', 'soa_2022.csv'], ['caiq', 'caiq.csv']]) {
    e.ctl('evidence', 'import', kind, path.join(fx, file), '--subject', svc.id);
  }
  if (opts.questionnaire) e.ctl('evidence', 'import', 'questionnaire', path.join(fx, 'questionnaire.xlsx'), '--subject', svc.id);
  const ws = e.ctlJson('subject', 'create', 'みなと市ガバメントクラウド', '--kind', 'workload', '--environment', 'production', '--organization', 'みなと市');
  const other = e.ctlJson('subject', 'create', 'となり町 財務会計クラウド', '--provider', 'となり町ベンダー株式会社', '--service', 'となり町 財務会計', '--model', 'SaaS', '--organization', 'となり町');
  return { svc, ws, other, fx };
}

/** Launches Debian's chromium headless with a fresh profile. */
export async function launch() {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ismap-e2e-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, locale: 'ja-JP', viewport: { width: 1366, height: 768 }, acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { context: browser, close: async () => { await browser.close(); fs.rmSync(profile, { recursive: true, force: true }); } };
}

/** Opens a hash route and waits until the page says it is ready (main[data-ready]). */
export async function open(page, base, hash) {
  const want = hash.replace(/^#/, '').split('?')[0];
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction((w) => document.getElementById('main').dataset.ready === w, want, { timeout: 60000 });
}

/** Logs in by pasting a token on the login page. */
export async function login(page, base, token) {
  await page.goto(`${base}/#/login`);
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('form.login button[type=submit]');
  await page.waitForFunction(() => !location.hash.startsWith('#/login') && document.getElementById('main').dataset.ready, null, { timeout: 60000 });
}
