// pages-engage.js — the auditor's engagement for one assessment (監査実施計画書, 監査調書,
// 監査報告書): the plan with its fields, saved as a new version and approved (frozen); the
// working papers of the audit items and a form for the next version of one; the report's
// draft with the computed counts beside the 総括, issue (frozen, signed) and verify, and the
// documents (詳細版 / 公開版) as files. Every write goes through the same ops as ismapctl.
import * as api from './api.js';
import { t, label } from './i18n.js';
import { h, errorBox, table, toast } from './dom.js';
import { date, datetime, num } from './fmt.js';

const enc = encodeURIComponent;
const JUDGMENTS = ['satisfied', 'partial', 'not_satisfied', 'not_applicable'];

/** Saves an op's export reply ({name, media_type, content_base64}) as a file. */
function saveExport(r) {
  const bin = atob(r.content_base64 || '');
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: r.media_type || 'application/octet-stream' }));
  const a = h('a', { href: url, download: r.name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  toast(t('downloaded.name', r.name));
}

function exportButton(id, text, op, params, out) {
  return h('button', { type: 'button', id, on: { click: async () => {
    out.replaceChildren();
    try { saveExport(await api.op(op, params)); } catch (e) { out.replaceChildren(errorBox(e)); }
  } } }, text);
}

const lines = (s) => String(s || '').split('\n').map((x) => x.trim()).filter(Boolean);

function textArea(id, value, rows) {
  return h('textarea', { id, name: id, rows: String(rows || 2) }, value || '');
}

function planSection(ctx, aid, p) {
  const plan = p.plan || {};
  const frozen = p.state !== 'draft';
  const canWrite = ctx.session.role === 'auditor' && !frozen;
  const out = h('div', { 'aria-live': 'polite' });
  const simple = ['purpose', 'theme', 'scope', 'auditee', 'method'];
  const inputs = Object.fromEntries(simple.map((k) => [k, textArea(`plan-${k}`, plan[k], 2)]));
  const team = textArea('plan-team', (plan.team || []).map((m) => [m.name, m.role || '', m.organization || ''].join(':').replace(/:+$/, '')).join('\n'), 3);
  const sched = textArea('plan-schedule', (plan.schedule || []).map((s) => [s.phase, s.from || '', s.to || ''].join(':')).join('\n'), 3);
  const fws = h('input', { id: 'plan-frameworks', name: 'frameworks', value: (plan.frameworks || []).join(',') });
  const stds = textArea('plan-standards', (plan.standards || []).join('\n'), 2);
  if (frozen) for (const el of [...Object.values(inputs), team, sched, fws, stds]) el.disabled = true;
  const form = h('form', { class: 'grid', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const patch = {};
    for (const k of simple) patch[k] = inputs[k].value.trim() || null;
    patch.team = lines(team.value).map((l) => { const [name, role, organization] = l.split(':'); return { name, role: role || undefined, organization: organization || undefined }; });
    patch.schedule = lines(sched.value).map((l) => { const [phase, from, to] = l.split(':'); return { phase, from: from || undefined, to: to || undefined }; });
    patch.frameworks = fws.value.split(/[,\s]+/).filter(Boolean);
    patch.standards = lines(stds.value);
    try {
      await api.op('plan.update', { assessment: aid, version: p.version, plan: patch });
      toast(t('eng.saved'));
      ctx.rerender();
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  simple.map((k) => [h('label', { for: `plan-${k}` }, t(`meta.${k}`)), inputs[k]]),
  h('label', { for: 'plan-schedule' }, t('eng.schedule')), sched,
  h('label', { for: 'plan-team' }, t('eng.team')), team,
  h('label', { for: 'plan-frameworks' }, t('eng.items')), fws,
  h('label', { for: 'plan-standards' }, t('meta.standards')), stds,
  canWrite ? h('div', { class: 'wide buttons' },
    h('button', { type: 'submit', class: 'primary', id: 'plan-save' }, t('eng.save')),
    h('button', { type: 'button', id: 'plan-approve', disabled: p.version === 0 ? true : null, on: { click: async () => {
      out.replaceChildren();
      try { await api.op('plan.approve', { assessment: aid }); toast(t('eng.approved')); ctx.rerender(); } catch (err) { out.replaceChildren(errorBox(err)); }
    } } }, t('eng.approve'))) : null);
  return [
    h('h2', { id: 'plan' }, t('eng.plan')),
    h('p', { id: 'plan-state' }, frozen ? t('eng.plan.approved', datetime(p.approved), p.approved_by || '') : t('eng.plan.draft', num(p.version))),
    form,
    h('div', { class: 'buttons', role: 'group', 'aria-label': t('eng.plan.files') },
      ['pdf', 'xlsx', 'html', 'doc', 'oscal'].map((f) => exportButton(`plan-export-${f}`, t(`eng.fmt.${f}`), 'plan.export', { assessment: aid, format: f }, out))),
    out,
  ];
}

function papersSection(ctx, aid, papers) {
  const out = h('div', { 'aria-live': 'polite' });
  const item = h('input', { id: 'wp-item', name: 'item', required: true, placeholder: 'C-15' });
  const cat = h('select', { id: 'wp-catalog', name: 'catalog' }, h('option', { value: 'mic-audit' }, 'mic-audit'), h('option', { value: 'ismap' }, 'ismap'));
  const proc = textArea('wp-procedures', '', 2);
  const ev = h('input', { id: 'wp-evidence', name: 'evidence', placeholder: 'ev_…' });
  const concl = textArea('wp-conclusion', '', 2);
  const result = h('select', { id: 'wp-result', name: 'result' }, h('option', { value: '' }, '—'), JUDGMENTS.map((j) => h('option', { value: j }, label(j))));
  const form = h('form', { class: 'grid', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const p = { assessment: aid, catalog: cat.value, item: item.value.trim(), procedures: proc.value.trim() || undefined, conclusion: concl.value.trim() || undefined, result: result.value || undefined };
    const ids = ev.value.split(/[,\s]+/).filter(Boolean);
    if (ids.length) p.materials = ids.map((id) => ({ kind: 'evidence', id }));
    try { await api.op('workpaper.add', p); toast(t('eng.saved')); ctx.rerender(); } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'wp-catalog' }, t('eng.catalog')), cat,
  h('label', { for: 'wp-item' }, t('eng.item')), item,
  h('label', { for: 'wp-procedures' }, t('eng.procedures')), proc,
  h('label', { for: 'wp-evidence' }, t('eng.evidence')), ev,
  h('label', { for: 'wp-conclusion' }, t('eng.conclusion')), concl,
  h('label', { for: 'wp-result' }, t('eng.result')), result,
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary', id: 'wp-save' }, t('eng.wp.add'))));
  return [
    h('h2', { id: 'papers' }, t('eng.papers')),
    table([
      { head: t('eng.item'), cell: (w) => h('a', { href: `#/assessments/${enc(aid)}/req/${enc(w.catalog)}/${enc(w.item)}` }, `${w.catalog} ${w.item}`) },
      { head: t('eng.version'), cell: (w) => num(w.version) },
      { head: t('eng.conclusion'), cell: (w) => w.conclusion || '' },
      { head: t('eng.materials'), cell: (w) => (w.materials || []).map((m) => m.kind === 'evidence' ? m.id : `${m.check} ${m.resource}`).join('、') },
      { head: t('eng.attachments'), cell: (w) => (w.attachments || []).map((a) => a.name).join('、') },
      { head: t('eng.by'), cell: (w) => w.by || '' },
      { head: t('eng.date'), class: 'nowrap', cell: (w) => date(w.date) },
    ], papers, { caption: t('eng.papers.caption', num(papers.length)), tall: false }).el,
    ctx.session.role === 'auditor' ? form : null, out,
  ];
}

function reportSection(ctx, aid, r) {
  const d = r.draft || {};
  const s = r.summary || {};
  const issued = r.state === 'issued';
  const canWrite = ctx.session.role === 'auditor' && !issued;
  const out = h('div', { 'aria-live': 'polite' });
  const addressee = h('input', { id: 'rep-addressee', name: 'addressee', value: d.addressee || '' });
  const rdate = h('input', { id: 'rep-date', name: 'report_date', type: 'date', value: d.report_date || '' });
  const overall = textArea('rep-overall', d.overall, 4);
  const good = textArea('rep-commendable', (d.commendable || []).map((x) => (typeof x === 'string' ? x : x.text)).join('\n'), 3);
  const notes = textArea('rep-notes', (d.special_notes || []).map((x) => (typeof x === 'string' ? x : x.text)).join('\n'), 3);
  if (issued) for (const el of [addressee, rdate, overall, good, notes]) el.disabled = true;
  const counts = s.counts || {};
  const na = s.not_assessed || {};
  const form = h('form', { class: 'grid', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const draft = { addressee: addressee.value.trim() || null, report_date: rdate.value || null, overall: overall.value.trim() || null, commendable: lines(good.value), special_notes: lines(notes.value) };
    try { await api.op('report.draft.update', { assessment: aid, version: r.version, draft }); toast(t('eng.saved')); ctx.rerender(); } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'rep-addressee' }, t('eng.addressee')), addressee,
  h('label', { for: 'rep-date' }, t('eng.report_date')), rdate,
  h('label', { for: 'rep-overall' }, t('eng.overall')), overall,
  h('label', { for: 'rep-commendable' }, t('eng.commendable')), good,
  h('label', { for: 'rep-notes' }, t('eng.notes')), notes,
  canWrite ? h('div', { class: 'wide buttons' },
    h('button', { type: 'submit', class: 'primary', id: 'rep-save' }, t('eng.save')),
    h('button', { type: 'button', id: 'rep-issue', on: { click: async () => {
      out.replaceChildren();
      if (!window.confirm(t('eng.issue.confirm'))) return;
      try { await api.op('report.issue', { assessment: aid }); toast(t('eng.issued')); ctx.rerender(); } catch (err) { out.replaceChildren(errorBox(err)); }
    } } }, t('eng.issue'))) : null);
  const verify = h('button', { type: 'button', id: 'rep-verify', on: { click: async () => {
    out.replaceChildren();
    try {
      const v = await api.op('report.verify', { assessment: aid });
      out.replaceChildren(h('p', { id: 'rep-verified', class: v.ok ? 'ok' : 'err' }, v.ok ? t('eng.verified', v.sha256) : v.problem));
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } } }, t('eng.verify'));
  return [
    h('h2', { id: 'report' }, t('eng.report')),
    h('p', { id: 'rep-state' }, issued ? t('eng.report.issued', datetime(r.issued), r.issued_by || '', r.sha256 || '') : t('eng.report.draft', num(r.version))),
    h('dl', { class: 'kv', id: 'rep-counts' },
      Object.keys(counts).map((k) => [h('dt', {}, label(k)), h('dd', {}, num(counts[k]))]),
      h('dt', {}, t('eng.na')), h('dd', {}, t('eng.na.by', num((na.document || []).length), num((na.interview || []).length), num((na.out_of_scope || []).length)))),
    form,
    h('h3', {}, t('eng.recs')),
    table([
      { head: t('eng.rec.id'), cell: (x) => x.id },
      { head: t('eng.rec.priority'), cell: (x) => t(`eng.prio.${x.priority}`) },
      { head: t('eng.rec.text'), cell: (x) => x.text },
    ], s.suggested_recommendations || [], { tall: false }).el,
    h('div', { class: 'buttons', role: 'group', 'aria-label': t('eng.report.files') },
      ['detailed', 'public'].map((v) => ['pdf', 'html', 'json', 'doc'].map((f) =>
        exportButton(`rep-export-${v}-${f}`, t('eng.report.file', t(`eng.ver.${v}`), t(`eng.fmt.${f}`)), 'report.export', { assessment: aid, format: f, version: v }, out))),
      exportButton('rep-export-oscal', t('eng.fmt.oscal'), 'report.export', { assessment: aid, format: 'oscal' }, out),
      issued ? verify : null),
    out,
  ];
}

export async function engagement(ctx) {
  const aid = ctx.params[0];
  const [a, plan, papers, report] = await Promise.all([
    api.op('assessment.show', { id: aid }),
    api.op('plan.get', { assessment: aid }),
    api.op('workpaper.list', { assessment: aid }),
    api.op('report.draft.get', { assessment: aid })]);
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/assessments' }, t('nav.assessments')), h('a', { href: `#/assessments/${enc(aid)}` }, a.name || aid), h('span', {}, t('eng.title'))),
    h('h1', {}, t('eng.title')),
    h('nav', { class: 'buttons', 'aria-label': t('eng.title') },
      h('a', { href: `#/assessments/${enc(aid)}/engagement`, on: { click: (e) => { e.preventDefault(); document.getElementById('plan').scrollIntoView(); } } }, t('eng.plan')),
      h('a', { href: `#/assessments/${enc(aid)}/engagement`, on: { click: (e) => { e.preventDefault(); document.getElementById('papers').scrollIntoView(); } } }, t('eng.papers')),
      h('a', { href: `#/assessments/${enc(aid)}/engagement`, on: { click: (e) => { e.preventDefault(); document.getElementById('report').scrollIntoView(); } } }, t('eng.report'))),
    planSection(ctx, aid, plan),
    papersSection(ctx, aid, Array.isArray(papers) ? papers : []),
    reportSection(ctx, aid, report),
  ];
}
