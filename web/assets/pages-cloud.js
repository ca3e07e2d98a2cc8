// pages-cloud.js — the cloud administrator's pages (クラウド管理者): start an AWS collection and
// watch it live over /api/v1/events, snapshots with coverage and missing permissions, and the
// findings of an assessment filtered by account, region, domain, check and severity.
import * as api from './api.js';
import { t, label, lang } from './i18n.js';
import { h, errorBox, table, field, select, toast, st } from './dom.js';
import { datetime, num } from './fmt.js';
import { jobTable } from './pages-admin.js';

const enc = encodeURIComponent;
function rowsOf(r, key) { return Array.isArray(r) ? r : (r && r[key]) || []; }
function list(s) { return s.split(/[,、\s]+/).filter(Boolean); }

export async function collect(ctx) {
  const admin = ctx.session.role === 'admin';
  const f = {
    org: h('input', { type: 'checkbox', id: 'c-org', name: 'org', checked: true }),
    role_name: h('input', { id: 'c-role', name: 'role_name', value: 'ISMAPAssessReadOnly' }),
    external_id: h('input', { id: 'c-ext', name: 'external_id' }),
    profile: h('input', { id: 'c-profile', name: 'profile' }),
    regions: h('input', { id: 'c-regions', name: 'regions', placeholder: 'ap-northeast-1, ap-northeast-3' }),
    services: h('input', { id: 'c-services', name: 'services' }),
    endpoint_url: h('input', { id: 'c-endpoint', name: 'endpoint_url' }),
  };
  const out = h('div', { 'aria-live': 'polite' });
  const live = h('div', { id: 'live' });
  const jobsBox = h('div');
  const loadJobs = async () => {
    const j = rowsOf(await api.op('jobs.list', { limit: 50 }).catch(() => []), 'jobs').filter((x) => x.kind === 'collect.aws');
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
  const form = h('form', { class: 'grid', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const p = {};
    if (f.org.checked) p.org = true;
    if (f.org.checked && f.role_name.value.trim()) p.role_name = f.role_name.value.trim();
    if (f.org.checked && f.external_id.value.trim()) p.external_id = f.external_id.value.trim();
    if (f.profile.value.trim()) p.profile = f.profile.value.trim();
    if (list(f.regions.value).length) p.regions = list(f.regions.value);
    if (list(f.services.value).length) p.services = list(f.services.value);
    if (admin && f.endpoint_url.value.trim()) p.endpoint_url = f.endpoint_url.value.trim();
    try {
      const r = await api.op('collect.aws', p);
      toast(t('collect.started', r.job));
      watch(r.job);
      loadJobs();
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'c-org' }, t('collect.org')), f.org,
  h('label', { for: 'c-role' }, t('collect.role')), f.role_name,
  h('label', { for: 'c-ext' }, t('collect.external')), f.external_id,
  h('label', { for: 'c-profile' }, t('collect.profile')), f.profile,
  h('label', { for: 'c-regions' }, t('collect.regions')), f.regions,
  h('label', { for: 'c-services' }, t('collect.services')), f.services,
  admin ? [h('label', { for: 'c-endpoint' }, t('collect.endpoint')), f.endpoint_url] : null,
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary', id: 'collect-start' }, t('collect.start'))));
  await loadJobs();
  const q = ctx.query.get('job');
  if (q) watch(q);
  return [h('h1', {}, t('nav.collect')), h('p', { class: 'muted' }, t('collect.help')), form, out, live,
    h('h2', {}, t('collect.jobs')), jobsBox];
}

export async function snapshots() {
  const rows = rowsOf(await api.op('snapshot.list', { limit: 200 }), 'snapshots');
  return [h('h1', {}, t('nav.snapshots')), table([
    { head: t('snap.id'), cell: (s) => h('a', { href: `#/snapshots/${enc(s.id)}` }, s.id) },
    { head: t('snap.state'), cell: (s) => label(s.state) },
    { head: t('snap.scope'), cell: (s) => scopeText(s.scope) },
    { head: t('snap.created'), class: 'nowrap', cell: (s) => datetime(s.created) },
    { head: t('snap.resources'), class: 'num', cell: (s) => num(s.summary && s.summary.resources) },
  ], rows, { caption: t('snap.caption', num(rows.length)), tall: false }).el];
}

function scopeText(scope) {
  if (!scope) return '';
  if (typeof scope === 'string') return scope;
  const parts = [];
  if (scope.org) parts.push(t('snap.scope.org'));
  if (scope.profile) parts.push(`${t('collect.profile')}: ${scope.profile}`);
  if (scope.role_name) parts.push(`${t('collect.role')}: ${scope.role_name}`);
  if (scope.regions) parts.push(`${t('snap.regions')}: ${[].concat(scope.regions).join('、')}`);
  if (scope.services) parts.push(`${t('snap.service')}: ${[].concat(scope.services).join('、')}`);
  return parts.join(' / ');
}

export async function snapshot(ctx) {
  const [s, ops] = await Promise.all([api.op('snapshot.show', { id: ctx.params[0] }),
    api.op('collect.aws.operations', {}).catch(() => [])]);
  const action = new Map(rowsOf(ops, 'operations').map((o) => [`${o.service}:${o.operation}`, o.action]));
  const sum = s.contents || s.summary || {};
  const cov = sum.coverage || {};
  const missing = rowsOf(s.missing, 'missing');
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/snapshots' }, t('nav.snapshots')), h('span', {}, s.id)),
    h('h1', {}, t('snap.h1', s.id)),
    h('dl', { class: 'kv' },
      h('dt', {}, t('snap.state')), h('dd', {}, label(s.state)),
      h('dt', {}, t('snap.scope')), h('dd', {}, scopeText(s.scope)),
      h('dt', {}, t('snap.created')), h('dd', {}, datetime(s.created)),
      h('dt', {}, t('snap.sealed')), h('dd', {}, datetime(s.sealed)),
      h('dt', {}, t('snap.resources')), h('dd', {}, num(sum.resources)),
      h('dt', {}, t('snap.calls')), h('dd', {}, num(sum.http_requests !== undefined ? sum.http_requests : sum.api_calls)),
      h('dt', {}, t('snap.hash')), h('dd', {}, h('code', {}, s.sha256 || '')),
      s.file_problem ? [h('dt', {}, t('error')), h('dd', {}, s.file_problem)] : null),
    h('h2', {}, t('snap.coverage')),
    h('div', { class: 'counts' }, Object.entries(cov).map(([k, v]) => h('span', {}, st(k === 'complete' ? 'met' : k === 'skipped' ? 'info' : 'unmet', label(`cov.${k}`)), ' ', num(v)))),
    h('h2', { id: 'missing' }, t('snap.missing', num(missing.length))),
    missing.length ? null : h('p', {}, t('snap.nomissing')),
    table([
      { head: t('snap.account'), class: 'nowrap', cell: (m) => m.account || '' },
      { head: t('snap.region'), class: 'nowrap', cell: (m) => m.region || '' },
      { head: t('snap.service'), cell: (m) => m.service || '' },
      { head: t('snap.permission'), cell: (m) => h('code', {}, action.get(`${m.service}:${m.operation}`) || `${m.service}:${m.operation}`) },
      { head: t('snap.covstate'), cell: (m) => label(`cov.${m.state}`) },
      { head: t('snap.error'), cell: (m) => m.reason || '' },
    ], missing, { tall: false }).el,
  ];
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const DOMAINS = ['mynumber', 'lgwan'];
const FSTATUS = ['fail', 'error', 'pass', 'not_assessed'];
const PAGE = 500;
const remediation = new Map();
const remediationAsked = new Map();

function domainOf(f) {
  return f.domain || (f.resource && f.resource.domain) || (f.tags && f.tags.domain) || '';
}

export async function findings(ctx) {
  const aid = ctx.params[0];
  const q = ctx.query;
  const filt = { status: q.get('status') || '', check: q.get('check') || '', account: q.get('account') || '',
    region: q.get('region') || '', domain: q.get('domain') || '', severity: q.get('severity') || '' };
  // findings.list filters by status and check itself; account, region, severity and domain are
  // applied here, reading further pages (larger ones) until a screenful matches.
  const clientSide = ['account', 'region', 'severity', 'domain'].some((k) => filt[k]);
  const params = { assessment: aid, limit: clientSide ? PAGE * 4 : PAGE };
  for (const k of ['status', 'check']) if (filt[k]) params[k] = filt[k];
  const [a, first, checks] = await Promise.all([api.op('assessment.show', { id: aid }), api.op('findings.list', params),
    api.op('checks.list', {}).catch(() => [])]);
  const checkTitle = new Map(rowsOf(checks, 'checks').map((c) => [c.id, c.title && (c.title[lang()] || c.title.ja)]));
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
  // Filters the op does not apply itself are applied here, so the table never shows a row
  // outside the filter.
  const keep = (f) => (!filt.account || f.account === filt.account) && (!filt.region || f.region === filt.region) &&
    (!filt.severity || f.severity === filt.severity) && (!filt.domain || domainOf(f) === filt.domain) &&
    (!filt.check || f.check === filt.check) && (!filt.status || f.status === filt.status);
  const rows = first.findings.filter(keep);
  let cursor = first.next_cursor;
  let scanned = first.findings.length;
  while (clientSide && cursor && rows.length < PAGE) {
    const page = await api.op('findings.list', Object.assign({}, params, { cursor }));
    cursor = page.next_cursor;
    scanned += page.findings.length;
    rows.push(...page.findings.filter(keep));
  }
  const caption = h('span', {});
  let shown = rows.length;
  const setCaption = () => caption.replaceChildren(clientSide
    ? t('f.caption.client', num(first.total), num(scanned), num(shown))
    : t('f.caption', num(first.total), num(shown)));
  setCaption();
  const cols = [
    { head: t('f.status'), cell: (f) => st(f.status) },
    { head: t('f.severity'), cell: (f) => st(f.severity) },
    { head: t('f.check'), cell: (f) => h('span', {}, h('code', {}, f.check), h('br'), checkTitle.get(f.check) || '') },
    { head: t('f.account'), class: 'nowrap', cell: (f) => [f.account || '', f.account_name ? ` ${f.account_name}` : ''] },
    { head: t('f.region'), class: 'nowrap', cell: (f) => f.region || '' },
    { head: t('f.domain'), cell: (f) => (domainOf(f) ? label(`domain.${domainOf(f)}`) : '') },
    { head: t('f.resource'), cell: (f) => h('code', {}, f.resource_id || f.resource || f.arn || '') },
    { head: t('f.reason'), cell: (f) => f.reason || f.message || '' },
    { head: t('f.remediation'), cell: (f) => remCell(f) },
  ];
  const tbl = table(cols, rows, { label: t('f.title') });
  tbl.done.then(fillRemediation);
  const moreBox = h('div', { class: 'more' });
  const more = () => {
    moreBox.replaceChildren(...(cursor ? [h('button', { type: 'button', id: 'more', on: { click: async () => {
      const extra = [];
      do {
        const page = await api.op('findings.list', Object.assign({}, params, { cursor }));
        cursor = page.next_cursor;
        scanned += page.findings.length;
        extra.push(...page.findings.filter(keep));
      } while (clientSide && cursor && extra.length < PAGE);
      shown += extra.length;
      setCaption();
      await tbl.append(extra);
      fillRemediation();
      more();
    } } }, t('f.more'))] : []));
  };
  more();
  // Filter controls: values offered are those seen on the first page plus the fixed lists.
  const seen = (key) => [...new Set(first.findings.map(key).filter(Boolean))].sort();
  const controls = {
    account: select('account', seen((f) => f.account).map((v) => [v, v]), filt.account, { id: 'f-account' }),
    region: select('region', seen((f) => f.region).map((v) => [v, v]), filt.region, { id: 'f-region' }),
    domain: select('domain', DOMAINS.map((v) => [v, label(`domain.${v}`)]), filt.domain, { id: 'f-domain' }),
    check: select('check', seen((f) => f.check).map((v) => [v, v]), filt.check, { id: 'f-check' }),
    severity: select('severity', SEVERITIES.map((v) => [v, label(v)]), filt.severity, { id: 'f-severity' }),
    status: select('status', FSTATUS.map((v) => [v, label(v)]), filt.status, { id: 'f-status' }),
  };
  // The service names a finding's network domain only where it knows it (f.domain).
  if (!first.findings.some(domainOf) && !filt.domain) {
    controls.domain.disabled = true;
    controls.domain.title = t('f.nodomain');
  }
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
    h('p', { class: 'muted', 'aria-live': 'polite' }, caption),
    h('div', { class: 'filters', role: 'search', 'aria-label': t('filters') },
      field(t('f.account'), controls.account), field(t('f.region'), controls.region),
      field(t('f.domain'), controls.domain), field(t('f.check'), controls.check),
      field(t('f.severity'), controls.severity), field(t('f.status'), controls.status)),
    tbl.el, moreBox,
  ];
}

export { toast };
