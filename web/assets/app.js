// app.js — the web UI's entry: session check, the hash router, the menu per role and the
// language switch. Each page is an async function (ctx) -> nodes, in pages-*.js.
import * as api from './api.js';
import { t, lang, setLang } from './i18n.js';
import { h, mount, errorBox } from './dom.js';
import * as proc from './pages-procure.js';
import * as cloud from './pages-cloud.js';
import * as audit from './pages-audit.js';
import * as admin from './pages-admin.js';
import * as engage from './pages-engage.js';

const state = { session: null };

const routes = [
  [/^\/login$/, admin.login, { anonymous: true }],
  [/^\/subjects$/, proc.subjects],
  [/^\/subjects\/([^/]+)$/, proc.subject],
  [/^\/subjects\/([^/]+)\/screening$/, proc.screening],
  [/^\/collect$/, cloud.collect],
  [/^\/snapshots$/, cloud.snapshots],
  [/^\/snapshots\/([^/]+)$/, cloud.snapshot],
  [/^\/assessments$/, audit.assessments],
  [/^\/assessments\/([^/]+)$/, audit.assessment],
  [/^\/assessments\/([^/]+)\/matrix$/, audit.matrix],
  [/^\/assessments\/([^/]+)\/engagement$/, engage.engagement],
  [/^\/assessments\/([^/]+)\/findings$/, cloud.findings],
  [/^\/assessments\/([^/]+)\/req\/([^/]+)\/([^/]+)$/, audit.requirement],
  [/^\/waivers$/, audit.waivers],
  [/^\/diff$/, audit.diff],
  [/^\/jobs$/, admin.jobs],
  [/^\/tokens$/, admin.tokens],
];

/** Menu entries: [hash, label key, roles that see it (null: all)]. */
const menu = [
  ['#/subjects', 'nav.subjects', null],
  ['#/collect', 'nav.collect', ['admin', 'auditor']],
  ['#/snapshots', 'nav.snapshots', null],
  ['#/assessments', 'nav.assessments', null],
  ['#/waivers', 'nav.waivers', null],
  ['#/diff', 'nav.diff', null],
  ['#/jobs', 'nav.jobs', null],
  ['#/tokens', 'nav.tokens', ['admin']],
];

function home(role) {
  return role === 'admin' ? '#/collect' : role === 'auditor' ? '#/assessments' : '#/subjects';
}

function renderChrome() {
  document.documentElement.lang = lang();
  document.title = t('app.title');
  mount(document.getElementById('brand'), t('app.title'));
  document.getElementById('skip-link').textContent = t('skip');
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  // Narrow screens (tablet portrait) fold the menu behind a button; each page change folds it.
  const toggle = document.getElementById('nav-toggle');
  toggle.textContent = t('nav.menu');
  toggle.hidden = !state.session;
  toggle.setAttribute('aria-expanded', 'false');
  toggle.closest('header').classList.remove('open');
  const s = state.session;
  const path = location.hash.split('?')[0];
  mount(nav, s ? menu.filter((m) => !m[2] || m[2].includes(s.role)).map(([href, key]) =>
    h('a', { href, 'aria-current': path.startsWith(href) ? 'page' : null }, t(key))) : []);
  const other = lang() === 'ja' ? 'en' : 'ja';
  mount(document.getElementById('who'),
    s ? h('span', {}, `${t(`role.${s.role}`)}${s.org ? ` / ${s.org}` : ''}`) : null,
    h('button', { type: 'button', lang: other, on: { click: () => { setLang(other); route(); } } },
      other === 'en' ? 'English' : '日本語'),
    s ? h('button', { type: 'button', id: 'logout', on: { click: logout } }, t('logout')) : null);
}

async function logout() {
  await api.logout();
  state.session = null;
  location.hash = '#/login';
}

let generation = 0;
let leaving = [];

async function route() {
  const gen = ++generation;
  for (const fn of leaving.splice(0)) { try { fn(); } catch (e) { /* page already gone */ } }
  const main = document.getElementById('main');
  const [path, qs] = (location.hash.replace(/^#/, '') || '/').split('?');
  if (!state.session && path !== '/login') {
    state.session = await api.session().catch(() => null);
    if (!state.session) { location.hash = '#/login'; return; }
  }
  if (path === '/' || path === '') { location.hash = home(state.session && state.session.role); return; }
  renderChrome();
  let hit = null;
  for (const [re, page, opts] of routes) {
    const m = re.exec(path);
    if (m) { hit = { page, opts: opts || {}, params: m.slice(1).map(decodeURIComponent) }; break; }
  }
  if (!hit) { mount(main, h('h1', {}, t('notfound')), h('p', {}, h('a', { href: home(state.session && state.session.role) }, t('back.home')))); return; }
  delete main.dataset.ready;
  mount(main, h('p', { class: 'loading', role: 'status' }, t('loading')));
  const ctx = {
    params: hit.params, query: new URLSearchParams(qs || ''), session: state.session,
    alive: () => gen === generation,
    onLogin: (s) => { state.session = s; location.hash = home(s.role); },
    rerender: () => route(),
    onLeave: (fn) => leaving.push(fn),
  };
  try {
    const nodes = await hit.page(ctx);
    if (gen !== generation) return;
    mount(main, nodes);
  } catch (e) {
    if (gen !== generation) return;
    mount(main, h('h1', {}, t('error')), errorBox(e));
  }
  // A table region without its own name takes the heading above it (landmarks need unique names).
  for (const r of main.querySelectorAll('.scroll[role="region"][data-unnamed]')) {
    let el = r.previousElementSibling;
    while (el && !/^H[1-3]$/.test(el.tagName)) el = el.previousElementSibling;
    if (el) r.setAttribute('aria-label', el.textContent);
  }
  const h1 = main.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); document.title = `${h1.textContent} — ${t('app.title')}`; }
  main.dataset.ready = path;
}

api.setUnauthenticatedHandler(() => {
  if (state.session) { state.session = null; location.hash = '#/login'; }
});
document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});
document.getElementById('nav-toggle').addEventListener('click', (e) => {
  const open = e.currentTarget.closest('header').classList.toggle('open');
  e.currentTarget.setAttribute('aria-expanded', String(open));
});
window.addEventListener('hashchange', route);
route();
