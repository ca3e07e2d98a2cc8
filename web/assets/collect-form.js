// collect-form.js — the collection form of any provider, built from its description in
// collect.providers ({name, title, scope_noun, permission_title, params: [{name, kind, flag,
// metavar, help}]}): STRING and URL/PATH params as text fields, LIST as chip inputs (Enter,
// comma or 、 adds a value; pasted lists split), BOOL as checkboxes. URL and PATH params (an
// endpoint override, a file of the daemon's host) are offered to admins only, as the service
// allows them only to admins. Nothing here names a provider: labels come from i18n keys
// param.<provider>.<name> (then param.<name>), help from param.<provider>.<name>.help or the
// provider's own (English) help text.
import { t, has, lang } from './i18n.js';
import { h } from './dom.js';

/** The label of a provider's param in the current language (the param's name when unknown). */
export function paramLabel(provider, name) {
  for (const k of [`param.${provider}.${name}`, `param.${name}`]) if (has(k)) return t(k);
  return name;
}

function paramHelp(provider, p) {
  // The provider's help is English; Japanese help comes from the i18n table where it has one.
  const k = `param.${provider}.${p.name}.help`;
  return lang() === 'ja' && has(k) ? t(k) : p.help || '';
}

/** The words of a comma / 、 / whitespace separated list. */
export function splitList(s) {
  return String(s || '').split(/[,、\s]+/).map((x) => x.trim()).filter(Boolean);
}

/** A chip input: values shown as removable chips, typed into a text field. Returns {el, input,
 *  values(), add(text)}; values() includes what is still typed in the field. */
export function chipInput(id, labelText) {
  const list = h('ul', { class: 'chips-list', 'aria-label': labelText });
  const input = h('input', { id, type: 'text', autocomplete: 'off' });
  const vals = [];
  const render = () => {
    list.replaceChildren(...vals.map((v, i) => h('li', { class: 'chip' }, h('span', {}, v),
      h('button', { type: 'button', class: 'chip-x', 'aria-label': t('chip.remove', v), on: { click: () => {
        vals.splice(i, 1);
        render();
        input.focus();
      } } }, '×'))));
    list.hidden = vals.length === 0;
  };
  const add = (text) => {
    for (const v of splitList(text)) if (!vals.includes(v)) vals.push(v);
    render();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ',' || e.key === '、') {
      if (!input.value.trim()) return; // an empty Enter submits the form
      e.preventDefault();
      add(input.value);
      input.value = '';
    } else if (e.key === 'Backspace' && !input.value && vals.length) {
      vals.pop();
      render();
    }
  });
  input.addEventListener('paste', (e) => {
    const text = e.clipboardData && e.clipboardData.getData('text');
    if (text && /[,、\s]/.test(text.trim())) { e.preventDefault(); add(input.value + text); input.value = ''; }
  });
  input.addEventListener('blur', () => { if (input.value.trim()) { add(input.value); input.value = ''; } });
  render();
  return { el: h('div', { class: 'chips' }, list, input), input, values: () => [...vals, ...splitList(input.value)], add };
}

/** The params a role may set: URL and PATH ones only for admins. */
export function visibleParams(desc, admin) {
  return (desc.params || []).filter((p) => admin || (p.kind !== 'url' && p.kind !== 'path'));
}

/** Builds the form fields of one provider. Returns {nodes (label/control pairs for a
 *  form.grid), controls: {name: element}, read() -> the op's params (empty fields left out)}. */
export function buildCollectForm(desc, opts) {
  const o = Object.assign({ admin: false, idPrefix: 'c-' }, opts || {});
  const nodes = [];
  const readers = [];
  const controls = {};
  for (const p of visibleParams(desc, o.admin)) {
    const id = `${o.idPrefix}${p.name}`;
    const text = paramLabel(desc.name, p.name);
    const help = paramHelp(desc.name, p);
    const helpId = help ? `${id}-help` : null;
    const helpEl = help ? h('div', { class: 'help', id: helpId }, help) : null;
    const kind = String(p.kind || 'string').toLowerCase();
    if (kind === 'bool') {
      const c = h('input', { type: 'checkbox', id, name: p.name, 'aria-describedby': helpId, 'data-kind': kind });
      controls[p.name] = c;
      readers.push((out) => { if (c.checked) out[p.name] = true; });
      nodes.push(h('label', { for: id }, text), h('div', { class: 'ctl' }, c, helpEl));
    } else if (kind === 'list') {
      const chips = chipInput(id, text);
      if (helpId) chips.input.setAttribute('aria-describedby', helpId);
      chips.input.dataset.kind = kind;
      chips.input.name = p.name;
      if (p.metavar) chips.input.placeholder = p.metavar;
      controls[p.name] = chips.input;
      controls[p.name].chips = chips;
      readers.push((out) => { const v = chips.values(); if (v.length) out[p.name] = v; });
      nodes.push(h('label', { for: id }, text), h('div', { class: 'ctl' }, chips.el, helpEl));
    } else {
      const c = h('input', { type: kind === 'url' ? 'url' : 'text', id, name: p.name, 'aria-describedby': helpId,
        'data-kind': kind, autocomplete: 'off', spellcheck: 'false' });
      if (p.metavar && kind !== 'string') c.placeholder = p.metavar;
      controls[p.name] = c;
      readers.push((out) => { const v = c.value.trim(); if (v) out[p.name] = v; });
      nodes.push(h('label', { for: id }, text), h('div', { class: 'ctl' }, c, helpEl));
    }
  }
  return {
    nodes, controls,
    read: () => { const out = {}; for (const r of readers) r(out); return out; },
  };
}

/** The noun of a provider's scope in the current language (アカウント, サブスクリプション…). */
export function scopeNoun(noun) {
  return noun && has(`noun.${noun}`) ? t(`noun.${noun}`) : (noun || t('noun.account'));
}
