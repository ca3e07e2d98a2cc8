// pages-audit.js — the auditor's pages (監査人): assessments and their scope, the conformance
// matrix with filters and counts, a requirement with its reasons, judgment history and the
// judgment form (監査結果 / 確認した監査資料 / 指摘事項 / 改善案), waivers (例外措置), the diff of two
// assessments, and report downloads.
import * as api from './api.js';
import { t, label } from './i18n.js';
import { h, errorBox, table, field, select, toast, st } from './dom.js';
import { date, datetime, num } from './fmt.js';

const enc = encodeURIComponent;
function rowsOf(r, key) { return Array.isArray(r) ? r : (r && r[key]) || []; }
export const REQ_STATUS = ['not_satisfied', 'partial', 'evidence_expired', 'not_assessed', 'satisfied', 'not_applicable', 'waived'];
const JUDGMENTS = ['satisfied', 'partial', 'not_satisfied', 'not_applicable'];
const REPORTS = ['pdf', 'html', 'xlsx', 'csv', 'csv-findings', 'json', 'oscal'];

export async function assessments(ctx) {
  const [list, subjects, fws] = await Promise.all([
    api.op('assessment.list', {}), api.op('subject.list', {}).catch(() => []), api.op('frameworks.list', {}).catch(() => [])]);
  const rows = rowsOf(list, 'assessments');
  const canCreate = ['auditor', 'procurement'].includes(ctx.session.role);
  const out = h('div', { 'aria-live': 'polite' });
  const subj = select('subject', rowsOf(subjects, 'subjects').map((s) => [s.id, s.name || s.id]), '', { id: 'as-subject', noAll: true, required: true });
  const name = h('input', { id: 'as-name', name: 'name' });
  const asOf = h('input', { id: 'as-asof', name: 'as_of', type: 'date' });
  const fwBoxes = rowsOf(fws, 'frameworks').map((f) => {
    const id = typeof f === 'string' ? f : f.id;
    return h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'frameworks', value: id }), ' ',
      typeof f === 'string' ? f : `${f.title || f.name || id} (${id})`);
  });
  const form = h('form', { class: 'grid', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const frameworks = [...form.querySelectorAll('input[name=frameworks]:checked')].map((c) => c.value);
    try {
      const a = await api.op('assessment.create', { subject: subj.value, frameworks, name: name.value.trim() || undefined, as_of: asOf.value || undefined });
      toast(t('as.created.toast'));
      location.hash = `#/assessments/${enc(a.id)}`;
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'as-subject' }, t('as.subject')), subj,
  h('label', { for: 'as-name' }, t('as.name')), name,
  h('label', { for: 'as-asof' }, t('as.asof')), asOf,
  h('fieldset', { class: 'wide' }, h('legend', {}, t('as.frameworks')), fwBoxes),
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary' }, t('as.create'))));
  return [
    h('h1', {}, t('nav.assessments')),
    table([
      { head: t('as.name'), cell: (a) => h('a', { href: `#/assessments/${enc(a.id)}` }, a.name || a.id) },
      { head: t('as.subject'), cell: (a) => a.subject_name || a.subject || '' },
      { head: t('as.frameworks'), cell: (a) => (a.frameworks || []).join('、') },
      { head: t('as.state'), cell: (a) => label(a.state) },
      { head: t('as.asof'), class: 'nowrap', cell: (a) => date(a.as_of) },
      { head: t('as.created'), class: 'nowrap', cell: (a) => datetime(a.created) },
      { head: t('as.links'), class: 'nowrap', cell: (a) => [h('a', { href: `#/assessments/${enc(a.id)}/matrix` }, t('nav.matrix')), ' ',
        h('a', { href: `#/assessments/${enc(a.id)}/findings` }, t('nav.findings'))] },
    ], rows, { caption: t('as.caption', num(rows.length)), tall: false }).el,
    canCreate ? [h('h2', {}, t('as.new')), form, out] : null,
  ];
}

function reportButtons(aid, out) {
  return h('div', { class: 'buttons', role: 'group', 'aria-label': t('as.reports') }, REPORTS.map((f) =>
    h('button', { type: 'button', id: `report-${f}`, on: { click: async () => {
      out.replaceChildren();
      try {
        const r = await api.download(`/api/v1/assessments/${enc(aid)}/report?format=${f}`, `assessment-${aid}.${f}`);
        toast(t('downloaded.name', r.name));
      } catch (e) { out.replaceChildren(errorBox(e)); }
    } } }, t(`report.${f}`))));
}

export async function assessment(ctx) {
  const aid = ctx.params[0];
  const a = await api.op('assessment.show', { id: aid });
  const meta = a.meta || {};
  const out = h('div', { 'aria-live': 'polite' });
  const metaKeys = ['purpose', 'theme', 'scope', 'auditee', 'method', 'schedule', 'team', 'standards'];
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/assessments' }, t('nav.assessments')), h('span', {}, a.name || aid)),
    h('h1', {}, a.name || aid),
    h('dl', { class: 'kv' },
      h('dt', {}, t('as.subject')), h('dd', {}, h('a', { href: `#/subjects/${enc(a.subject)}` }, a.subject_name || a.subject)),
      h('dt', {}, t('as.frameworks')), h('dd', {}, (a.frameworks || []).join('、')),
      h('dt', {}, t('as.snapshots')), h('dd', {}, (a.snapshots || []).map((s) => h('a', { href: `#/snapshots/${enc(s)}` }, s, ' '))),
      h('dt', {}, t('as.state')), h('dd', {}, label(a.state)),
      h('dt', {}, t('as.asof')), h('dd', {}, date(a.as_of)),
      metaKeys.filter((k) => meta[k]).map((k) => [h('dt', {}, t(`meta.${k}`)), h('dd', {}, meta[k])])),
    h('div', { class: 'buttons' },
      h('a', { class: 'button', href: `#/assessments/${enc(aid)}/matrix` }, t('nav.matrix')),
      h('a', { class: 'button', href: `#/assessments/${enc(aid)}/findings` }, t('nav.findings')),
      h('a', { class: 'button', id: 'to-engagement', href: `#/assessments/${enc(aid)}/engagement` }, t('eng.title')),
      h('a', { class: 'button', href: `#/waivers?assessment=${enc(aid)}` }, t('nav.waivers')),
      h('a', { class: 'button', href: `#/diff?b=${enc(aid)}` }, t('nav.diff'))),
    h('h2', {}, t('as.reports')), reportButtons(aid, out), out,
  ];
}

/** A requirement's short name: its title, else the start of its label or text. */
function titleOf(r) {
  if (r.title) return r.title;
  const s = String(r.label || r.text || '');
  return s.length > 90 ? `${s.slice(0, 90)}…` : s;
}

export async function matrix(ctx) {
  const aid = ctx.params[0];
  const q = ctx.query;
  const filt = { status: q.get('status') || '', framework: q.get('framework') || '', domain: q.get('domain') || '' };
  // The counts come from the whole matrix; the server filters by status and framework.
  const m = await api.op('matrix.get', { assessment: aid });
  const all = m.requirements || [];
  const rows = all.filter((r) => (!filt.status || r.status === filt.status) && (!filt.framework || r.framework === filt.framework) &&
    (!filt.domain || String(r.area || '') === filt.domain));
  const go = (patch) => {
    const n = new URLSearchParams(Object.assign({}, filt, patch));
    for (const [k, v] of [...n.entries()]) if (!v) n.delete(k);
    location.hash = `#/assessments/${enc(aid)}/matrix${n.toString() ? `?${n}` : ''}`;
  };
  const fwSel = select('framework', Object.keys(m.counts_by_framework || {}).map((f) => [f, f]), filt.framework, { id: 'm-framework' });
  const stSel = select('status', REQ_STATUS.map((s) => [s, label(s)]), filt.status, { id: 'm-status' });
  const areas = [...new Map(all.filter((r) => r.area).map((r) => [String(r.area), r.area_title ? `${r.area} ${r.area_title}` : String(r.area)])).entries()];
  const arSel = select('domain', areas, filt.domain, { id: 'm-area' });
  fwSel.addEventListener('change', () => go({ framework: fwSel.value }));
  stSel.addEventListener('change', () => go({ status: stSel.value }));
  arSel.addEventListener('change', () => go({ domain: arSel.value }));
  const counts = filt.framework ? (m.counts_by_framework || {})[filt.framework] || {} : m.counts || {};
  const tbl = table([
    { head: t('m.framework'), class: 'nowrap', cell: (r) => r.framework },
    { head: t('m.item'), class: 'nowrap', cell: (r) => h('a', { href: `#/assessments/${enc(aid)}/req/${enc(r.catalog)}/${enc(r.item)}?framework=${enc(r.framework)}` }, r.item) },
    { head: t('m.title'), cell: (r) => [titleOf(r), r.must_meet ? [' ', h('span', { class: 'st st-info' }, t('m.mustmeet'))] : null] },
    { head: t('m.status'), cell: (r) => st(r.status, r.status_ja && label(r.status) === r.status_ja ? r.status_ja : label(r.status)) },
    { head: t('m.why'), cell: (r) => r.rule || '' },
    { head: t('m.judgment'), cell: (r) => (r.judgment ? label(r.judgment.result) : '') },
  ], rows, { caption: t('m.caption', num(rows.length), num(all.length)), label: t('nav.matrix') });
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/assessments' }, t('nav.assessments')),
      h('a', { href: `#/assessments/${enc(aid)}` }, m.name || aid), h('span', {}, t('nav.matrix'))),
    h('h1', {}, t('m.h1', m.name || aid)),
    h('p', { class: 'muted' }, t('m.today', date(m.today))),
    h('div', { class: 'counts', role: 'group', 'aria-label': t('m.counts') }, REQ_STATUS.map((s) =>
      h('button', { type: 'button', 'aria-pressed': filt.status === s ? 'true' : 'false', class: `st st-${s}`,
        on: { click: () => go({ status: filt.status === s ? '' : s }) } }, `${label(s)} ${num(counts[s] || 0)}`))),
    h('div', { class: 'filters', role: 'search', 'aria-label': t('filters') },
      field(t('m.framework'), fwSel), field(t('m.status'), stSel), field(t('m.area'), arSel)),
    tbl.el,
  ];
}

function judgmentForm(aid, req, out, after) {
  const result = select('result', JUDGMENTS.map((s) => [s, label(s)]), '', { id: 'j-result', noAll: true });
  const ta = (id, name) => h('textarea', { id, name, rows: '3' });
  const examined = ta('j-examined', 'examined');
  const findings = ta('j-findings', 'findings');
  const improvement = ta('j-improvement', 'improvement');
  const reason = ta('j-reason', 'reason');
  const form = h('form', { class: 'grid', id: 'judgment-form', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const p = { assessment: aid, catalog: req.catalog, item: req.item, result: result.value };
    for (const [k, el] of Object.entries({ examined, findings, improvement, reason })) if (el.value.trim()) p[k] = el.value.trim();
    try { await api.op('judgment.add', p); toast(t('j.saved')); after(); }
    catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'j-result' }, t('j.result')), result,
  h('label', { for: 'j-examined' }, t('j.examined')), examined,
  h('label', { for: 'j-findings' }, t('j.findings')), findings,
  h('label', { for: 'j-improvement' }, t('j.improvement')), improvement,
  h('label', { for: 'j-reason' }, t('j.reason')), reason,
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary' }, t('j.submit'))));
  return form;
}

function waiverForm(params, out, after) {
  const f = {
    justification: h('textarea', { id: 'w-just', name: 'justification', rows: '3', required: true }),
    approver: h('input', { id: 'w-approver', name: 'approver', required: true }),
    ticket: h('input', { id: 'w-ticket', name: 'ticket' }),
    expires: h('input', { id: 'w-expires', name: 'expires', type: 'date', required: true }),
  };
  return h('form', { class: 'grid', id: 'waiver-form', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const p = Object.assign({}, params);
    for (const [k, el] of Object.entries(f)) if (el.value.trim()) p[k] = el.value.trim();
    try { await api.op('waiver.add', p); toast(t('w.saved')); after(); }
    catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'w-just' }, t('w.justification')), f.justification,
  h('label', { for: 'w-approver' }, t('w.approver')), f.approver,
  h('label', { for: 'w-ticket' }, t('w.ticket')), f.ticket,
  h('label', { for: 'w-expires' }, t('w.expires')), f.expires,
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary' }, t('w.submit'))));
}

function reasonsTable(reasons) {
  return table([
    { head: t('r.source'), cell: (r) => label(`src.${r.source}`) },
    { head: t('r.status'), cell: (r) => st(r.status || r.verdict) },
    { head: t('r.what'), cell: (r) => [r.check ? h('code', {}, r.check) : null, r.check ? ' ' : '', r.title || r.text || r.name || r.kind || '',
      r.evidence && typeof r.evidence === 'string' ? ` (${r.evidence})` : ''] },
    { head: t('r.detail'), cell: (r) => [r.fail !== undefined ? t('r.counts', num(r.fail), num(r.pass || 0)) : '', r.message || r.standing || '',
      r.valid_until ? ` ${t('ev.until')} ${date(r.valid_until)}` : '',
      (r.failing || []).length ? h('ul', { class: 'failing' }, r.failing.slice(0, 20).map((f) =>
        h('li', {}, `${f.account || ''} ${f.region || ''} `, h('code', {}, f.resource_id || ''), ` ${f.reason || ''}`))) : null,
      r.fail_by_domain ? h('div', { class: 'muted' }, Object.entries(r.fail_by_domain).map(([d, n]) => `${label(`domain.${d}`)} ${num(n)}`).join('、')) : null] },
    { head: t('f.remediation'), cell: (r) => r.remediation || '' },
  ], reasons || [], { tall: false });
}

export async function requirement(ctx) {
  const [aid, catalog, item] = ctx.params;
  const fw = ctx.query.get('framework') || '';
  const [m, hist, cat] = await Promise.all([
    api.op('matrix.get', fw ? { assessment: aid, framework: fw } : { assessment: aid }),
    api.op('judgment.history', { assessment: aid, catalog, item }),
    api.op('catalog.show', { catalog, item }).catch(() => null)]);
  const req = (m.requirements || []).find((r) => r.catalog === catalog && r.item === item);
  if (!req) throw Object.assign(new Error(t('r.notfound', `${catalog} ${item}`)), { code: 'not_found' });
  const auditor = ctx.session.role === 'auditor';
  const out = h('div', { 'aria-live': 'polite' });
  const findingReasons = (req.reasons || []).filter((r) => r.source === 'finding');
  const failingChecks = [...new Set(findingReasons.filter((r) => r.status === 'fail' || r.fail).map((r) => r.check).filter(Boolean))];
  const text = req.text || (cat && (cat.text && (cat.text.ja || cat.text))) || '';
  const histRows = rowsOf(hist, 'judgments');
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/assessments' }, t('nav.assessments')),
      h('a', { href: `#/assessments/${enc(aid)}` }, m.name || aid),
      h('a', { href: `#/assessments/${enc(aid)}/matrix` }, t('nav.matrix')), h('span', {}, item)),
    h('h1', {}, `${item} ${titleOf(req)}`),
    h('dl', { class: 'kv' },
      h('dt', {}, t('m.framework')), h('dd', {}, `${req.framework} / ${req.catalog}`),
      h('dt', {}, t('m.status')), h('dd', { id: 'req-status' }, st(req.status, label(req.status)), req.until ? ` (${t('ev.until')} ${date(req.until)})` : ''),
      h('dt', {}, t('m.why')), h('dd', {}, req.rule || ''),
      req.summary ? [h('dt', {}, t('r.summary')), h('dd', {}, req.summary)] : null,
      h('dt', {}, t('r.text')), h('dd', {}, typeof text === 'string' ? text : JSON.stringify(text)),
      req.procedure ? [h('dt', {}, t('r.procedure')), h('dd', {}, req.procedure)] : null,
      (req.evidence_examples || []).length ? [h('dt', {}, t('r.examples')), h('dd', {}, req.evidence_examples.join('、'))] : null),
    h('h2', {}, t('r.reasons')), reasonsTable(req.reasons).el,
    h('p', {}, h('a', { href: `#/assessments/${enc(aid)}/findings${failingChecks.length === 1 ? `?check=${enc(failingChecks[0])}` : ''}` }, t('r.findings.link'))),
    req.waiver ? [h('h2', {}, t('nav.waivers')), h('p', {}, st('waived'), ` ${req.waiver.approver || ''} ${req.waiver.ticket || ''} ${t('ev.until')} ${date(req.waiver.expires)}`)] : null,
    h('h2', {}, t('j.history')),
    table([
      { head: t('j.at'), class: 'nowrap', cell: (j) => datetime(j.at) },
      { head: t('j.by'), cell: (j) => j.by || '' },
      { head: t('j.result'), cell: (j) => st(j.result) },
      { head: t('j.examined'), cell: (j) => h('span', { class: 'pre' }, j.examined || '') },
      { head: t('j.findings'), cell: (j) => h('span', { class: 'pre' }, j.findings || '') },
      { head: t('j.improvement'), cell: (j) => h('span', { class: 'pre' }, j.improvement || '') },
      { head: t('j.reason'), cell: (j) => h('span', { class: 'pre' }, j.reason || '') },
    ], histRows, { tall: false }).el,
    req.auto_improvement && !histRows.length ? h('p', { class: 'muted pre' }, `${t('j.improvement')}: ${req.auto_improvement}`) : null,
    out,
    auditor ? [h('h2', {}, t('j.new')), judgmentForm(aid, req, out, () => ctx.rerender()),
      h('h2', {}, t('w.new')), waiverForm({ assessment: aid, catalog, item }, out, () => ctx.rerender())] : null,
  ];
}

export async function waivers(ctx) {
  const aid = ctx.query.get('assessment') || undefined;
  const rows = rowsOf(await api.op('waiver.list', { assessment: aid }), 'waivers');
  const out = h('div', { 'aria-live': 'polite' });
  const auditor = ctx.session.role === 'auditor';
  return [
    h('h1', {}, t('nav.waivers')),
    out,
    table([
      { head: t('w.target'), cell: (w) => (w.catalog ? `${w.catalog} ${w.item}` : [h('code', {}, w.check), w.resource ? ` ${w.resource}` : '']) },
      { head: t('w.justification'), cell: (w) => w.justification || '' },
      { head: t('w.approver'), cell: (w) => w.approver || '' },
      { head: t('w.ticket'), cell: (w) => w.ticket || '' },
      { head: t('w.expires'), class: 'nowrap', cell: (w) => date(w.expires) },
      { head: t('w.state'), cell: (w) => (w.revoked || w.revoked_at ? t('w.revoked') : w.active ? st('waived', t('w.active')) : t('w.inactive')) },
      auditor ? { head: t('actions'), cell: (w) => (w.revoked || w.revoked_at ? '' : h('button', { type: 'button', on: { click: async () => {
        if (!window.confirm(t('w.revoke.confirm'))) return;
        try { await api.op('waiver.revoke', { id: w.id }); toast(t('w.revoked')); ctx.rerender(); }
        catch (e) { out.replaceChildren(errorBox(e)); }
      } } }, t('w.revoke'))) } : null,
    ].filter(Boolean), rows, { caption: t('w.caption', num(rows.length)), tall: false }).el,
  ];
}

export async function diff(ctx) {
  const list = rowsOf(await api.op('assessment.list', {}), 'assessments');
  const pairs = list.map((a) => [a.id, `${a.name || a.id} (${date(a.as_of || a.created)})`]);
  const aSel = select('a', pairs, ctx.query.get('a') || '', { id: 'd-a', allText: t('choose') });
  const bSel = select('b', pairs, ctx.query.get('b') || '', { id: 'd-b', allText: t('choose') });
  const form = h('form', { class: 'inline', on: { submit: (e) => {
    e.preventDefault();
    location.hash = `#/diff?a=${enc(aSel.value)}&b=${enc(bSel.value)}`;
  } } }, field(t('d.a'), aSel), field(t('d.b'), bSel), h('button', { type: 'submit', class: 'primary' }, t('d.show')));
  const a = ctx.query.get('a'), b = ctx.query.get('b');
  let body = null;
  if (a && b) {
    try {
      const d = await api.op('assessment.diff', { a, b });
      body = renderDiff(d);
    } catch (e) { body = errorBox(e); }
  }
  return [h('h1', {}, t('nav.diff')), form, body];
}

function renderDiff(d) {
  const changes = rowsOf(d, 'changes').length ? rowsOf(d, 'changes') : rowsOf(d, 'requirements');
  const parts = [];
  if (d.summary && typeof d.summary === 'object') parts.push(h('dl', { class: 'kv' }, Object.entries(d.summary).map(([k, v]) => [h('dt', {}, t(`d.${k}`)), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : num(v))])));
  parts.push(h('h2', {}, t('d.changes', num(changes.length))));
  parts.push(table([
    { head: t('m.framework'), cell: (c) => c.framework || '' },
    { head: t('m.item'), cell: (c) => c.item || c.id || '' },
    { head: t('m.title'), cell: (c) => c.title || '' },
    { head: t('d.before'), cell: (c) => (c.from || c.before ? st(c.from || c.before) : '') },
    { head: t('d.after'), cell: (c) => (c.to || c.after ? st(c.to || c.after) : '') },
    { head: t('d.kind'), cell: (c) => label(c.change || c.kind || '') },
  ], changes).el);
  for (const key of ['new_failures', 'fixed', 'resolved_findings', 'new_findings']) {
    const arr = rowsOf(d, key);
    if (arr.length) parts.push(h('h2', {}, t(`d.${key}`, num(arr.length))), table([
      { head: t('f.check'), cell: (f) => h('code', {}, f.check || '') },
      { head: t('f.account'), cell: (f) => f.account || '' },
      { head: t('f.region'), cell: (f) => f.region || '' },
      { head: t('f.resource'), cell: (f) => h('code', {}, f.resource_id || f.arn || '') },
    ], arr, { tall: false }).el);
  }
  return parts;
}
