// pages-procure.js — the procurement officer's pages (調達担当): subjects, a subject's evidence
// with a drop zone (and file input) per importer, and the screening with the decision first.
import * as api from './api.js';
import { t, label } from './i18n.js';
import { h, errorBox, table, toast, st } from './dom.js';
import { date, datetime, num } from './fmt.js';

const enc = encodeURIComponent;

function rowsOf(r, key) { return Array.isArray(r) ? r : (r && r[key]) || []; }

export async function subjects(ctx) {
  const list = rowsOf(await api.op('subject.list', {}), 'subjects');
  const canWrite = ['procurement', 'auditor', 'admin'].includes(ctx.session.role);
  const out = h('div', { 'aria-live': 'polite' });
  const kind = h('select', { id: 'sj-kind', name: 'kind' },
    h('option', { value: 'service' }, t('subject.kind.service')),
    h('option', { value: 'workload' }, t('subject.kind.workload')));
  const inputs = {
    name: h('input', { id: 'sj-name', name: 'name', required: true }),
    provider: h('input', { id: 'sj-provider', name: 'provider' }),
    service_name: h('input', { id: 'sj-service', name: 'service_name' }),
    deployment_model: h('select', { id: 'sj-model', name: 'deployment_model' },
      ['', 'SaaS', 'PaaS', 'IaaS'].map((m) => h('option', { value: m }, m || t('unspecified')))),
    regions: h('input', { id: 'sj-regions', name: 'regions', placeholder: t('subject.regions.ph') }),
    environment: h('input', { id: 'sj-env', name: 'environment' }),
    organization: h('input', { id: 'sj-org', name: 'organization' }),
  };
  const form = h('form', { class: 'grid', on: { submit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    const p = { kind: kind.value, name: inputs.name.value.trim() };
    for (const k of ['provider', 'service_name', 'deployment_model', 'environment', 'organization']) {
      const v = inputs[k].value.trim();
      if (v) p[k] = v;
    }
    const regions = inputs.regions.value.split(/[,、\s]+/).filter(Boolean);
    if (regions.length) p.regions = regions;
    try {
      const s = await api.op('subject.create', p);
      toast(t('subject.created.toast'));
      location.hash = `#/subjects/${enc(s.id || p.name)}`;
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } } },
  h('label', { for: 'sj-kind' }, t('subject.kind')), kind,
  h('label', { for: 'sj-name' }, t('subject.name')), inputs.name,
  h('label', { for: 'sj-provider' }, t('subject.provider')), inputs.provider,
  h('label', { for: 'sj-service' }, t('subject.service')), inputs.service_name,
  h('label', { for: 'sj-model' }, t('subject.model')), inputs.deployment_model,
  h('label', { for: 'sj-regions' }, t('subject.regions')), inputs.regions,
  h('label', { for: 'sj-env' }, t('subject.environment')), inputs.environment,
  h('label', { for: 'sj-org' }, t('subject.organization')), inputs.organization,
  h('div', { class: 'wide' }, h('button', { type: 'submit', class: 'primary' }, t('subject.create'))));
  return [
    h('h1', {}, t('nav.subjects')),
    table([
      { head: t('subject.name'), cell: (s) => h('a', { href: `#/subjects/${enc(s.id)}` }, s.name || s.id) },
      { head: t('subject.kind'), cell: (s) => t(`subject.kind.${s.kind}`) },
      { head: t('subject.provider'), cell: (s) => s.provider || '' },
      { head: t('subject.service'), cell: (s) => s.service_name || '' },
      { head: t('subject.model'), cell: (s) => s.deployment_model || '' },
      { head: t('subject.organization'), cell: (s) => s.org || '' },
      { head: t('subject.screening'), cell: (s) => (s.kind === 'service' ? h('a', { href: `#/subjects/${enc(s.id)}/screening` }, t('subject.screening.open')) : '') },
    ], list, { caption: t('subject.caption', num(list.length)), tall: false }).el,
    canWrite ? [h('h2', {}, t('subject.new')), form, out] : null,
  ];
}

function evidenceTable(items) {
  return table([
    { head: t('ev.kind'), cell: (e) => label(e.kind) },
    { head: t('ev.name'), cell: (e) => [e.title || '', e.source && e.source.name ? h('br') : null, e.source && e.source.name ? h('span', { class: 'muted' }, e.source.name) : ''] },
    { head: t('ev.version'), class: 'num', cell: (e) => (e.version !== undefined ? num(e.version) : '') },
    { head: t('ev.period'), class: 'nowrap', cell: (e) => [e.valid_from ? date(e.valid_from) : '', e.valid_from || e.valid_until ? ' 〜 ' : '', e.valid_until ? date(e.valid_until) : ''] },
    { head: t('ev.imported'), class: 'nowrap', cell: (e) => datetime(e.imported_at) },
    { head: t('ev.state'), cell: (e) => label(e.state) },
    { head: t('ev.warnings'), class: 'num', cell: (e) => num((e.warnings || []).length) },
  ], items, { caption: t('ev.caption', num(items.length)), tall: false });
}

/** One drop zone per importer: drop a file or pick it with the (keyboard-reachable) input. */
function dropZone(kind, subjectId, onDone) {
  const id = `up-${kind.kind.replace(/[^a-z0-9]/gi, '-')}`;
  const status = h('div', { 'aria-live': 'polite' });
  const run = async (file) => {
    if (!file) return;
    status.replaceChildren(h('p', { class: 'loading' }, t('upload.sending', file.name)));
    try {
      const r = await api.upload(kind.kind, kind.needs_subject ? subjectId : subjectId, file);
      status.replaceChildren(h('div', { class: 'okmsg' }, t('upload.done', file.name),
        r && r.version !== undefined ? ` (${t('ev.version')} ${r.version})` : ''));
      onDone();
    } catch (e) { status.replaceChildren(errorBox(e)); }
  };
  const input = h('input', { type: 'file', id, name: kind.kind, on: { change: () => run(input.files[0]) } });
  const zone = h('div', { class: 'drop', 'data-kind': kind.kind },
    h('h3', {}, label(kind.kind)),
    h('p', { class: 'fmt' }, kind.summary || ''),
    h('label', { for: id }, t('upload.pick')), ' ', input,
    h('p', { class: 'fmt' }, t('upload.drop')),
    status);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    run(e.dataTransfer.files[0]);
  });
  return zone;
}

export async function subject(ctx) {
  const id = ctx.params[0];
  const [s, kinds] = await Promise.all([api.op('subject.show', { subject: id }), api.op('evidence.kinds', {})]);
  const subj = s;
  const evBox = h('div');
  const loadEvidence = async () => {
    const ev = rowsOf(await api.op('evidence.list', { subject: subj.id || id }).catch(() => []), 'evidence');
    evBox.replaceChildren(evidenceTable(ev).el);
  };
  evBox.append(evidenceTable(rowsOf(s.evidence, 'evidence')).el);
  const canWrite = ['procurement', 'auditor'].includes(ctx.session.role);
  const kl = rowsOf(kinds, 'kinds').filter((k) => k.needs_subject || subj.kind === 'service' || k.kind === 'file');
  const facts = [
    ['subject.kind', t(`subject.kind.${subj.kind}`)], ['subject.provider', subj.provider],
    ['subject.service', subj.service_name], ['subject.model', subj.deployment_model],
    ['subject.regions', (subj.regions || []).join('、')], ['subject.environment', subj.environment],
    ['subject.organization', subj.org], ['subject.accounts', (subj.accounts || []).join('、')],
    ['subject.created', datetime(subj.created)],
  ].filter(([, v]) => v);
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/subjects' }, t('nav.subjects')), h('span', {}, subj.name)),
    h('h1', {}, subj.name || id),
    h('dl', { class: 'kv' }, facts.map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])),
    subj.kind === 'service' ? h('p', {}, h('a', { class: 'button', href: `#/subjects/${enc(subj.id || id)}/screening` }, t('subject.screening.open'))) : null,
    canWrite ? [h('h2', {}, t('upload.title')), h('p', { class: 'muted' }, t('upload.help')),
      h('div', { class: 'drops' }, kl.map((k) => dropZone(k, subj.id || id, loadEvidence)))] : null,
    h('h2', {}, t('ev.title')), evBox,
  ];
}

const DECISION = {
  listed: ['d-ok', 'decision.listed'],
  unmet_requirements: ['d-no', 'decision.no'],
  incomplete: ['d-review', 'decision.review'],
  review_alternatives: ['d-review', 'decision.review'],
  all_met: ['d-review', 'decision.review'],
};

function itemsTable(items, verdict, withAlt) {
  return table([
    { head: t('scr.item'), class: 'nowrap', cell: (i) => i.id },
    { head: t('scr.title'), cell: (i) => i.title || '' },
    { head: t('scr.row'), class: 'num', cell: (i) => i.row || '' },
    { head: t('scr.verdict'), cell: (i) => st(i.verdict || verdict) },
    { head: withAlt ? t('scr.alternative') : t('scr.reason'), cell: (i) => h('span', { class: 'pre' }, i.reason || '') },
  ], items, { tall: false });
}

export async function screening(ctx) {
  const id = ctx.params[0];
  const [s, evList] = await Promise.all([api.op('screening.get', { subject: id }),
    api.op('evidence.list', { subject: id }).catch(() => [])]);
  const v = s.verdict || {};
  const [cls, key] = DECISION[v.decision] || ['d-review', 'decision.review'];
  const mm = v.must_meet || {};
  const subjName = (s.subject && (s.subject.name || s.subject)) || id;
  const out = h('div', { 'aria-live': 'polite' });
  const exp = (fmt) => h('button', { type: 'button', id: `export-${fmt}`, on: { click: async () => {
    out.replaceChildren();
    try {
      await api.download(`/api/v1/subjects/${enc(id)}/screening/export?format=${fmt}`, `screening.${fmt}`);
      toast(t('downloaded'));
    }
    catch (e) { out.replaceChildren(errorBox(e)); }
  } } }, t(`export.${fmt}`));
  const ev = rowsOf(evList, 'evidence');
  const today = s.today || '';
  const listing = s.listing || {};
  return [
    h('div', { class: 'crumbs' }, h('a', { href: '#/subjects' }, t('nav.subjects')),
      h('a', { href: `#/subjects/${enc(id)}` }, typeof subjName === 'string' ? subjName : id), h('span', {}, t('scr.title.page'))),
    h('h1', {}, t('scr.h1', typeof subjName === 'string' ? subjName : id)),
    h('section', { class: `decision ${cls}`, 'aria-label': t('scr.decision') },
      h('div', {}, h('div', { class: 'muted' }, t('scr.decision')), h('div', { class: 'big', id: 'decision' }, t(key)),
        h('div', {}, st(v.decision))),
      h('div', { class: 'why' }, h('strong', {}, t('scr.why')), h('br'), v.summary || '')),
    h('div', { class: 'counts' },
      h('span', {}, t('scr.mm.total', num(mm.total))),
      ['met', 'unmet', 'alternative', 'no_evidence', 'not_required'].map((k) => h('span', {}, st(k), ' ', num(mm[k] || 0)))),
    h('dl', { class: 'kv' },
      h('dt', {}, t('scr.today')), h('dd', {}, date(s.today)),
      h('dt', {}, t('scr.listing')), h('dd', {}, [label(listing.status), listing.message ? ` — ${listing.message}` : '',
        listing.valid_until ? ` (${t('ev.until')} ${date(listing.valid_until)})` : '']),
      h('dt', {}, t('scr.questionnaire')), s.questionnaire ? h('dd', {}, `${(s.questionnaire.source && s.questionnaire.source.name) || ''} (${t('ev.version')} ${s.questionnaire.version || ''}, ${datetime(s.questionnaire.imported_at)})`,
        s.questionnaire.confidentiality ? ` ${t('scr.confidentiality', s.questionnaire.confidentiality)}` : '') : h('dd', {}, t('scr.noquestionnaire'))),
    h('div', { class: 'buttons' }, exp('xlsx'), exp('csv')), out,
    h('h2', { id: 'unmet' }, t('scr.unmet', num((s.unmet || []).length))),
    itemsTable(s.unmet || [], 'unmet', false).el,
    h('h2', {}, t('scr.review', num((s.to_review || []).length))),
    itemsTable(s.to_review || [], 'alternative', true).el,
    h('h2', {}, t('scr.lacking', num((s.lacking_evidence || []).length))),
    itemsTable(s.lacking_evidence || [], 'no_evidence', false).el,
    (s.warnings || []).length ? [h('h2', {}, t('scr.warnings')), h('ul', {}, s.warnings.map((w) => h('li', {}, st('alternative', label(w.code)), ' ', w.message || '')))] : null,
    h('h2', {}, t('scr.evidence')),
    table([
      { head: t('ev.kind'), cell: (e) => label(e.kind) },
      { head: t('ev.name'), cell: (e) => e.title || (e.source && e.source.name) || '' },
      { head: t('ev.period'), class: 'nowrap', cell: (e) => [date(e.valid_from), e.valid_from || e.valid_until ? ' 〜 ' : '', date(e.valid_until)] },
      { head: t('ev.validity'), cell: (e) => (!e.valid_until ? t('ev.nodate') : today && e.valid_until < today ? st('expired', t('ev.expired')) : st('met', t('ev.valid'))) },
    ], ev, { tall: false }).el,
    h('h2', {}, t('scr.rows')),
    table([
      { head: t('scr.no'), class: 'num', cell: (r) => r.no },
      { head: t('scr.title'), cell: (r) => r.title || '' },
      { head: t('scr.mark'), cell: (r) => r.mark || '' },
      { head: t('scr.verdict'), cell: (r) => st(r.verdict) },
      { head: t('scr.reason'), cell: (r) => h('span', { class: 'pre' }, r.reason || '') },
      { head: t('scr.remarks'), cell: (r) => h('span', { class: 'pre' }, r.remarks || '') },
    ], s.rows || []).el,
  ];
}
