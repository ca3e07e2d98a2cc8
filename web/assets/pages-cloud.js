// pages-cloud.js — the cloud administrator's pages (クラウド管理者): start a collection of any
// provider the service has (collect.providers; the form is built from its params) and watch it
// live over /api/v1/events, snapshots with their provider, coverage and missing permissions, and
// the findings of an assessment filtered by the service (account, region, network domain, check,
// severity, status) and paged with its cursor.
import * as api from './api.js';
import { t, label, lang, has } from './i18n.js';
import { h, errorBox, table, field, select, toast, st } from './dom.js';
import { datetime, num } from './fmt.js';
import { jobTable } from './pages-admin.js';
import { buildCollectForm, paramLabel, scopeNoun } from './collect-form.js';

const enc = encodeURIComponent;
function rowsOf(r, key) { return Array.isArray(r) ? r : (r && r[key]) || []; }

/** The providers the service collects from (collect.providers), asked once per page load. */
let providerList = null;
export function providers() {
  if (!providerList) {
    providerList = api.op('collect.providers', {}).then((r) => rowsOf(r, 'providers'));
    providerList.catch(() => { providerList = null; });
  }
  return providerList;
}
async function providerMap() {
  const m = new Map();
  for (const p of await providers().catch(() => [])) m.set(p.name, p);
  return m;
}
function providerTitle(map, name) {
  const p = map.get(name);
  return (p && p.title) || name || '';
}
/** The heading of a provider's permission column: i18n perm.<name>, else its own title. */
function permTitle(desc) {
  return desc && has(`perm.${desc.name}`) ? t(`perm.${desc.name}`) : t('snap.permission.of', (desc && desc.permission_title) || '');
}

/** The operations a provider's collector calls and the permission each needs. */
function permissionsTable(desc, ops) {
  const rows = rowsOf(ops, 'operations');
  return h('details', { class: 'perms', id: 'perms' },
    h('summary', {}, t('collect.perms', desc.title, num(rows.length))),
    table([
      { head: t('snap.service'), cell: (o) => o.service || '' },
      { head: t('collect.operation'), cell: (o) => o.operation || '' },
      { head: permTitle(desc), cell: (o) => h('code', {}, o.permission || o.action || '') },
      { head: t('collect.opscope'), cell: (o) => o.scope || '' },
    ], rows, { label: t('collect.perms', desc.title, num(rows.length)), tall: false }).el);
}

export async function collect(ctx) {
  const admin = ctx.session.role === 'admin';
  const provs = await providers();
  if (!provs.length) return [h('h1', {}, t('nav.collect')), h('p', {}, t('collect.noproviders'))];
  const want = ctx.query.get('provider');
  const desc = provs.find((p) => p.name === want) || provs[0];
  const pick = select('provider', provs.map((p) => [p.name, p.title || p.name]), desc.name, { id: 'c-provider', noAll: true });
  pick.addEventListener('change', () => { location.hash = `#/collect?provider=${enc(pick.value)}`; });
  const built = buildCollectForm(desc, { admin });
  const ops = await api.op(`collect.${desc.name}.operations`, {}).catch(() => []);
  const out = h('div', { 'aria-live': 'polite' });
  const live = h('div', { id: 'live' });
  const jobsBox = h('div');
  const loadJobs = async () => {
    const j = rowsOf(await api.op('jobs.list', { limit: 50 }).catch(() => []), 'jobs').filter((x) => /^collect\./.test(x.kind || ''));
    jobsBox.replaceChildren(jobTable(j).el);
  };
  /** Live view of one job: a progress bar and the messages, until job.finished. */
  const watch = (jobId) => {
    const bar = h('progress', { max: '100', value: '0', id: 'collect-progress', 'aria-label': t('collect.progress') });
    const state = h('span', { id: 'collect-state' }, st('queued'));
    const pct = h('span', { class: 'num' }, '0%');
    const log = h('div', { class: 'log', role: 'log', 'aria-label': t('collect.log') });
    live.replaceChildren(h('h2', {}, t('collect.live', jobId)), h('p', {}, state, ' ', bar, ' ', pct), log);
    const add = (msg) => { log.append(`${new Date().toLocaleTimeString('ja-JP')} ${msg}\n`); log.scrollTop = log.scrollHeight; };
    let polling = null;
    const onEvent = (type, d) => {
      if (!ctx.alive() || !d || d.job !== jobId) return;
      if (type === 'job.progress') {
        const p = Math.round((d.progress || 0) * 100);
        bar.value = p;
        pct.textContent = `${p}%`;
        state.replaceChildren(st('running'));
        if (d.message) add(d.message);
      } else if (type === 'job.finished') {
        if (d.state === 'succeeded') { bar.value = 100; pct.textContent = '100%'; }
        state.replaceChildren(st(d.state));
        add(`${t('collect.finished')}: ${label(d.state)}${d.error ? ` — ${d.error.message || d.error}` : ''}`);
        live.dataset.finished = d.state;
        stop();
        loadJobs();
      }
    };
    // Without an events route on the gateway, the job is asked for its state every second.
    const poll = async () => {
      if (!ctx.alive() || live.dataset.finished) return;
      const j = await api.op('jobs.show', { id: jobId }).catch(() => null);
      if (j) onEvent(['succeeded', 'failed', 'cancelled'].includes(j.state) ? 'job.finished' : 'job.progress',
        { job: jobId, state: j.state, progress: j.progress, message: j.message, error: j.error });
      polling = setTimeout(poll, 1000);
    };
    const unsubscribe = api.events(onEvent, (s) => {
      live.dataset.channel = s === 'unavailable' ? 'poll' : 'events';
      if (s === 'unavailable') { add(t('events.unavailable')); poll(); } else if (s !== 'open') add(t(`events.${s}`));
    });
    const stop = () => { unsubscribe(); clearTimeout(polling); };
    ctx.onLeave(stop);
    // The job may have finished before the stream opened: ask once.
    api.op('jobs.show', { id: jobId }).then((j) => {
      if (j && ['succeeded', 'failed', 'cancelled'].includes(j.state) && !live.dataset.finished) {
        state.replaceChildren(st(j.state));
        if (j.state === 'succeeded') { bar.value = 100; pct.textContent = '100%'; }
        live.dataset.finished = j.state;
        stop();
      }
    }).catch(() => {});
  };
  const form = h('form', { class: 'grid', id: 'collect-form', 'data-provider': desc.name, on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      const r = await api.op(`collect.${desc.name}`, built.read());
      toast(t('collect.started', r.job));
      watch(r.job);
      loadJobs();
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'c-provider' }, t('collect.provider')), pick,
  built.nodes,
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary', id: 'collect-start' }, t('collect.start.of', desc.title))));
  await loadJobs();
  const q = ctx.query.get('job');
  if (q) watch(q);
  return [h('h1', {}, t('nav.collect')), h('p', { class: 'muted' }, t('collect.help.of', desc.title, scopeNoun(desc.scope_noun))),
    form, out, live, permissionsTable(desc, ops), h('h2', {}, t('collect.jobs')), jobsBox];
}

export async function snapshots() {
  const [list, provs] = await Promise.all([api.op('snapshot.list', { limit: 200 }), providerMap()]);
  const rows = rowsOf(list, 'snapshots');
  return [h('h1', {}, t('nav.snapshots')), table([
    { head: t('snap.id'), cell: (s) => h('a', { href: `#/snapshots/${enc(s.id)}` }, s.id) },
    { head: t('snap.provider'), class: 'nowrap', cell: (s) => providerTitle(provs, s.provider) },
    { head: t('snap.state'), cell: (s) => label(s.state) },
    { head: t('snap.scope'), cell: (s) => scopeText(s.scope, s.provider) },
    { head: t('snap.created'), class: 'nowrap', cell: (s) => datetime(s.created) },
    { head: t('snap.resources'), class: 'num', cell: (s) => num(s.summary && s.summary.resources) },
  ], rows, { caption: t('snap.caption', num(rows.length)), tall: false }).el];
}

/** A snapshot's scope (the collection's params) in words, labelled as the collect form does. */
function scopeText(scope, provider) {
  if (!scope) return '';
  if (typeof scope === 'string') return scope;
  const parts = [];
  for (const [k, v] of Object.entries(scope)) {
    if (v === false || v === null || v === undefined || v === '') continue;
    const name = paramLabel(provider || '', k);
    if (v === true) parts.push(name);
    else parts.push(`${name}: ${[].concat(v).join('、')}`);
  }
  return parts.join(' / ');
}

export async function snapshot(ctx) {
  const [s, provs] = await Promise.all([api.op('snapshot.show', { id: ctx.params[0] }), providerMap()]);
  const desc = provs.get(s.provider) || { name: s.provider, title: s.provider };
  const ops = provs.has(s.provider) ? await api.op(`collect.${s.provider}.operations`, {}).catch(() => []) : [];
  const perm = new Map(rowsOf(ops, 'operations').map((o) => [`${o.service}:${o.operation}`, o.permission || o.action]));
  const sum = s.contents || s.summary || {};
  const cov = sum.coverage || {};
  const missing = rowsOf(s.missing, 'missing');
  const noun = scopeNoun(desc.scope_noun);
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/snapshots' }, t('nav.snapshots')), h('span', {}, s.id)),
    h('h1', {}, t('snap.h1', s.id)),
    h('dl', { class: 'kv' },
      h('dt', {}, t('snap.provider')), h('dd', { id: 'snap-provider' }, desc.title || s.provider || ''),
      h('dt', {}, t('snap.state')), h('dd', {}, label(s.state)),
      h('dt', {}, t('snap.scope')), h('dd', {}, scopeText(s.scope, s.provider)),
      h('dt', {}, t('snap.created')), h('dd', {}, datetime(s.created)),
      h('dt', {}, t('snap.sealed')), h('dd', {}, datetime(s.sealed)),
      sum.accounts !== undefined ? [h('dt', {}, t('snap.scopes', noun)), h('dd', {}, num(sum.accounts))] : null,
      h('dt', {}, t('snap.resources')), h('dd', {}, num(sum.resources)),
      h('dt', {}, t('snap.calls')), h('dd', {}, num(sum.http_requests !== undefined ? sum.http_requests : sum.api_calls)),
      h('dt', {}, t('snap.hash')), h('dd', {}, h('code', {}, s.sha256 || '')),
      s.file_problem ? [h('dt', {}, t('error')), h('dd', {}, s.file_problem)] : null),
    h('h2', {}, t('snap.coverage')),
    h('div', { class: 'counts' }, Object.entries(cov).map(([k, v]) => h('span', {}, st(k === 'complete' ? 'met' : k === 'skipped' ? 'info' : 'unmet', label(`cov.${k}`)), ' ', num(v)))),
    h('h2', { id: 'missing' }, t('snap.missing', num(missing.length))),
    missing.length ? null : h('p', {}, t('snap.nomissing')),
    table([
      { head: noun, class: 'nowrap', cell: (m) => m.account || '' },
      { head: t('snap.region'), class: 'nowrap', cell: (m) => m.region || '' },
      { head: t('snap.service'), cell: (m) => m.service || '' },
      { head: permTitle(desc), cell: (m) => h('code', {}, perm.get(`${m.service}:${m.operation}`) || `${m.service}:${m.operation}`) },
      { head: t('snap.covstate'), cell: (m) => label(`cov.${m.state}`) },
      { head: t('snap.error'), cell: (m) => m.reason || '' },
    ], missing, { tall: false }).el,
  ];
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const DOMAINS = ['mynumber', 'lgwan', 'internet'];
const FSTATUS = ['fail', 'error', 'pass', 'not_assessed'];
const FILTERS = ['account', 'region', 'domain', 'check', 'severity', 'status'];
const PAGE = 500;
const remediation = new Map();
const remediationAsked = new Map();

export async function findings(ctx) {
  const aid = ctx.params[0];
  const q = ctx.query;
  const filt = {};
  for (const k of FILTERS) filt[k] = q.get(k) || '';
  // Every filter is the service's (findings.list); pages follow its cursor with the same filters.
  const params = { assessment: aid, limit: PAGE };
  for (const k of FILTERS) if (filt[k]) params[k] = filt[k];
  const [a, first, checks, snaps, provs] = await Promise.all([api.op('assessment.show', { id: aid }),
    api.op('findings.list', Object.assign({ facets: true }, params)),
    api.op('checks.list', {}).catch(() => []), api.op('snapshot.list', { limit: 500 }).catch(() => []), providerMap()]);
  const checkTitle = new Map(rowsOf(checks, 'checks').map((c) => [c.id, c.title && (c.title[lang()] || c.title.ja)]));
  // The provider of each snapshot of the assessment: the scope column says which provider's
  // account / subscription / project / tenancy a finding is in.
  const snapProvider = new Map(rowsOf(snaps, 'snapshots').map((x) => [x.id, x.provider]));
  const used = [...new Set([].concat(a.snapshots || []).map((id) => snapProvider.get(id)).filter(Boolean))];
  const one = used.length === 1 ? provs.get(used[0]) : null;
  const scopeHead = one ? scopeNoun(one.scope_noun) : t('f.scope');
  // Remediation is on checks.show: fetched once per failing check after the table is up.
  const remCells = new Map();
  const remCell = (f) => {
    const cell = h('span', {}, remediation.get(f.check) || '');
    if (f.status === 'fail' && !remediation.has(f.check)) {
      if (!remCells.has(f.check)) remCells.set(f.check, []);
      remCells.get(f.check).push(cell);
    }
    return cell;
  };
  const fillRemediation = () => {
    for (const [id, cells] of remCells) {
      remCells.delete(id);
      if (!remediationAsked.has(id)) {
        remediationAsked.set(id, api.op('checks.show', { id }).then((c) => c.remediation && (c.remediation[lang()] || c.remediation.ja)).catch(() => ''));
      }
      remediationAsked.get(id).then((text) => {
        remediation.set(id, text || '');
        for (const c of cells) c.textContent = text || '';
      });
    }
  };
  let cursor = first.next_cursor;
  const caption = h('span', {});
  let shown = first.findings.length;
  const setCaption = () => caption.replaceChildren(t('f.caption', num(first.total), num(shown)));
  setCaption();
  const cols = [
    { head: t('f.status'), cell: (f) => st(f.status) },
    { head: t('f.severity'), cell: (f) => st(f.severity) },
    { head: t('f.check'), cell: (f) => h('span', {}, h('code', {}, f.check), h('br'), checkTitle.get(f.check) || '') },
    { head: scopeHead, class: 'nowrap', cell: (f) => [
      used.length > 1 ? h('span', { class: 'prov' }, providerTitle(provs, snapProvider.get(f.snapshot))) : null,
      f.account || '', f.account_name ? ` ${f.account_name}` : ''] },
    { head: t('f.region'), class: 'nowrap', cell: (f) => f.region || '' },
    { head: t('f.domain'), cell: (f) => (f.domain ? label(`domain.${f.domain}`) : '') },
    { head: t('f.resource'), cell: (f) => h('code', {}, f.resource_id || f.resource || f.arn || '') },
    { head: t('f.reason'), cell: (f) => f.reason || f.message || '' },
    { head: t('f.remediation'), cell: (f) => remCell(f) },
  ];
  const tbl = table(cols, first.findings, { label: t('f.title') });
  tbl.done.then(fillRemediation);
  const moreBox = h('div', { class: 'more' });
  const more = () => {
    moreBox.replaceChildren(...(cursor ? [h('button', { type: 'button', id: 'more', on: { click: async (e) => {
      e.target.disabled = true;
      const page = await api.op('findings.list', Object.assign({}, params, { cursor }));
      cursor = page.next_cursor;
      shown += page.findings.length;
      setCaption();
      await tbl.append(page.findings);
      fillRemediation();
      more();
    } } }, t('f.more'))] : []));
  };
  more();
  // Filter controls: the values the service reports over the whole assessment (facets), with
  // their counts; the fixed lists where the vocabulary is closed.
  const facets = first.facets || {};
  const counted = (key, text) => Object.keys(facets[key] || {}).sort().map((v) => [v, `${text ? text(v) : v} (${num(facets[key][v])})`]);
  const fixed = (key, values, text) => values.map((v) => [v, facets[key] && facets[key][v] !== undefined ? `${text(v)} (${num(facets[key][v])})` : text(v)]);
  const controls = {
    account: select('account', counted('account'), filt.account, { id: 'f-account' }),
    region: select('region', counted('region'), filt.region, { id: 'f-region' }),
    domain: select('domain', fixed('domain', DOMAINS, (v) => label(`domain.${v}`)), filt.domain, { id: 'f-domain' }),
    check: select('check', counted('check', (v) => (checkTitle.get(v) ? `${v} ${checkTitle.get(v)}` : v)), filt.check, { id: 'f-check' }),
    severity: select('severity', fixed('severity', SEVERITIES, label), filt.severity, { id: 'f-severity' }),
    status: select('status', fixed('status', FSTATUS, label), filt.status, { id: 'f-status' }),
  };
  for (const [k, c] of Object.entries(controls)) {
    if (filt[k] && ![...c.options].some((o) => o.value === filt[k])) c.append(h('option', { value: filt[k], selected: true }, filt[k]));
    c.addEventListener('change', () => {
      const n = new URLSearchParams();
      for (const [kk, cc] of Object.entries(controls)) if (cc.value) n.set(kk, cc.value);
      location.hash = `#/assessments/${enc(aid)}/findings${n.toString() ? `?${n}` : ''}`;
    });
  }
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/assessments' }, t('nav.assessments')),
      h('a', { href: `#/assessments/${enc(aid)}` }, a.name || aid), h('span', {}, t('f.title'))),
    h('h1', {}, t('f.h1', a.name || aid)),
    used.length ? h('p', { class: 'muted', id: 'f-providers' }, t('f.providers', used.map((n) => providerTitle(provs, n)).join('、'))) : null,
    h('p', { class: 'muted', 'aria-live': 'polite', id: 'f-caption' }, caption),
    h('div', { class: 'filters', role: 'search', 'aria-label': t('filters') },
      field(scopeHead, controls.account), field(t('f.region'), controls.region),
      field(t('f.domain'), controls.domain), field(t('f.check'), controls.check),
      field(t('f.severity'), controls.severity), field(t('f.status'), controls.status)),
    tbl.el, moreBox,
  ];
}

export { toast };
