// pages-admin.js — login (paste an API token), the jobs list and, for admins, API tokens
// (create with role and organization, revoke).
import * as api from './api.js';
import { t, label } from './i18n.js';
import { h, errorBox, table, field, select, toast, st } from './dom.js';
import { datetime, num } from './fmt.js';

export async function login(ctx) {
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'login', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      const s = await api.login(input.value.trim());
      input.value = '';
      ctx.onLogin(s);
    } catch (err) {
      out.replaceChildren(errorBox(err.status === 401 ? Object.assign(err, { message: t('login.wrong') }) : err));
    }
  } } },
  h('p', {}, t('login.help')),
  h('p', {}, h('label', { for: 'token' }, t('login.token')), h('br'), input),
  h('p', {}, h('button', { type: 'submit', class: 'primary' }, t('login.submit'))),
  out);
  return [h('h1', {}, t('login.title')), form];
}

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export function jobTable(jobs, opts) {
  return table([
    { head: t('job.id'), cell: (j) => h('code', {}, j.id) },
    { head: t('job.kind'), cell: (j) => label(j.kind) },
    { head: t('job.state'), cell: (j) => st(j.state) },
    { head: t('job.progress'), class: 'num', cell: (j) => (j.progress !== undefined && j.progress !== null ? `${Math.round(j.progress * 100)}%` : '') },
    { head: t('job.message'), cell: (j) => (j.error && (j.error.message || j.error)) || j.message || '' },
    { head: t('job.created'), class: 'nowrap', cell: (j) => datetime(j.created) },
    { head: t('job.finished'), class: 'nowrap', cell: (j) => datetime(j.finished) },
    opts && opts.cancel ? { head: t('actions'), cell: (j) => (j.state === 'queued' || j.state === 'running'
      ? h('button', { type: 'button', on: { click: () => opts.cancel(j) } }, t('job.cancel')) : '') } : null,
  ].filter(Boolean), jobs, { caption: t('job.caption', num(jobs.length)), tall: false });
}

export async function jobs(ctx) {
  const stateSel = select('state', JOB_STATES.map((s) => [s, label(s)]), ctx.query.get('state') || '', { id: 'f-state' });
  stateSel.addEventListener('change', () => { location.hash = `#/jobs${stateSel.value ? `?state=${stateSel.value}` : ''}`; });
  const list = await api.op('jobs.list', { state: ctx.query.get('state') || undefined, limit: 200 });
  const rows = Array.isArray(list) ? list : list.jobs || [];
  const box = h('div');
  const cancel = async (j) => {
    try { await api.op('jobs.cancel', { id: j.id }); toast(t('job.cancelled')); ctx.rerender(); }
    catch (e) { box.prepend(errorBox(e)); }
  };
  box.append(jobTable(rows, { cancel: ctx.session.role === 'viewer' ? null : cancel }).el);
  return [h('h1', {}, t('nav.jobs')), h('div', { class: 'filters' }, field(t('job.state'), stateSel)), box];
}

const ROLES = ['admin', 'procurement', 'auditor', 'viewer'];

export async function tokens(ctx) {
  const list = await api.op('token.list', {});
  const rows = Array.isArray(list) ? list : list.tokens || [];
  const out = h('div', { 'aria-live': 'polite' });
  const name = h('input', { id: 'tk-name', name: 'name', required: true });
  const role = select('role', ROLES.map((r) => [r, t(`role.${r}`)]), 'auditor', { id: 'tk-role', noAll: true });
  const org = h('input', { id: 'tk-org', name: 'org', value: ctx.session.org || '' });
  const form = h('form', { class: 'grid', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      const r = await api.op('token.create', { name: name.value.trim(), role: role.value, org: org.value.trim() || undefined });
      const secret = r.token || r.secret;
      out.replaceChildren(h('div', { class: 'okmsg' },
        h('p', {}, t('token.created')),
        h('p', {}, h('label', { for: 'tk-secret' }, t('token.secret')), ' ',
          h('input', { id: 'tk-secret', readonly: true, value: secret || '', size: '60' })),
        h('p', { class: 'muted' }, t('token.once'))));
      refresh();
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'tk-name' }, t('token.name')), name,
  h('label', { for: 'tk-role' }, t('token.role')), role,
  h('label', { for: 'tk-org' }, t('token.org')), org,
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary' }, t('token.create'))));
  const listBox = h('div');
  const render = (items) => listBox.replaceChildren(table([
    { head: t('token.id'), cell: (k) => h('code', {}, k.id) },
    { head: t('token.name'), cell: (k) => k.name || '' },
    { head: t('token.role'), cell: (k) => t(`role.${k.role}`) },
    { head: t('token.org'), cell: (k) => k.org || '' },
    { head: t('token.createdat'), class: 'nowrap', cell: (k) => datetime(k.created) },
    { head: t('token.state'), cell: (k) => (k.revoked ? t('token.revoked') : t('token.active')) },
    { head: t('actions'), cell: (k) => (k.revoked ? '' : h('button', { type: 'button', 'aria-label': t('token.revoke.of', k.name || k.id), on: { click: async () => {
      if (!window.confirm(t('token.revoke.confirm', k.name || k.id))) return;
      try { await api.op('token.revoke', { id: k.id }); toast(t('token.revoke.done')); refresh(); }
      catch (err) { out.replaceChildren(errorBox(err)); }
    } } }, t('token.revoke'))) },
  ], items, { caption: t('token.caption', num(items.length)), tall: false }).el);
  const refresh = async () => {
    const l = await api.op('token.list', {}).catch(() => null);
    if (l) render(Array.isArray(l) ? l : l.tokens || []);
  };
  render(rows);
  return [h('h1', {}, t('nav.tokens')), h('h2', {}, t('token.new')), form, out, h('h2', {}, t('token.list')), listBox];
}
