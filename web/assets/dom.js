// dom.js — small helpers to build the UI without a framework: an element builder, tables that
// render in chunks (so 10,000 rows stay interactive), status labels and error boxes.
import { t, label } from './i18n.js';

/** h('a', {href, class, on: {click}}, child, ...) — children are nodes, strings or arrays. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the contents of el. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A status label with the reports' colour; the text is always shown. */
export function st(code, text) {
  return h('span', { class: `st st-${code || 'none'}` }, text || label(code));
}

/** An error box; details naming sheet/row/column/value become a table. */
export function errorBox(e) {
  const details = (e && e.details) || [];
  const cols = ['file', 'sheet', 'row', 'column', 'field', 'value', 'message'];
  const used = cols.filter((c) => details.some((d) => d && typeof d === 'object' && d[c] !== undefined && d[c] !== null));
  return h('div', { class: 'err', role: 'alert' },
    h('strong', {}, t('error'), ': '), (e && e.message) || String(e),
    e && e.code ? h('span', { class: 'muted' }, ` (${e.code})`) : null,
    details.length && used.length ? h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, used.map((c) => h('th', { scope: 'col' }, t(`detail.${c}`))))),
      h('tbody', {}, details.map((d) => h('tr', {}, used.map((c) => h('td', {}, d[c] === undefined ? '' : String(d[c])))))))) : null,
    details.length && !used.length ? h('ul', {}, details.map((d) => h('li', {}, typeof d === 'string' ? d : JSON.stringify(d)))) : null);
}

/** A table whose body is filled in chunks: the first chunk at once, the rest on animation
 *  frames, so a page with thousands of rows is interactive before they are all in.
 *  columns: [{head, cell(row) -> node|string, class}]. Returns {el, tbody, done, append(rows)}:
 *  done resolves when every row is in; append adds rows the same way. */
export function table(columns, rowsIn, opts) {
  const o = Object.assign({ chunk: 150, caption: null, tall: true }, opts || {});
  const rows = rowsIn.slice();
  const tbody = h('tbody');
  const tbl = h('table', {},
    o.caption ? h('caption', { class: 'muted' }, o.caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class || null }, c.head)))),
    tbody);
  const el = h('div', { class: o.tall ? 'scroll tall' : 'scroll', tabindex: '0', role: 'region', 'aria-label': o.label || o.caption || t('table'), 'data-unnamed': o.label || o.caption ? null : '' }, tbl);
  let i = 0;
  const fill = (n) => {
    const frag = document.createDocumentFragment();
    for (const end = Math.min(rows.length, i + n); i < end; i++) {
      const r = rows[i];
      const tr = h('tr');
      for (const c of columns) tr.appendChild(h('td', { class: c.class || null }, c.cell(r)));
      frag.appendChild(tr);
    }
    tbody.appendChild(frag);
  };
  let running = null;
  let seen = false;
  const run = () => {
    if (running) return running;
    running = new Promise((resolve) => {
      const step = () => {
        if (el.isConnected) seen = true;
        // Done, or the page was left (the table was shown and is gone): stop filling.
        if (i >= rows.length || (seen && !el.isConnected)) { running = null; return resolve(); }
        fill(o.chunk * 2);
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    return running;
  };
  fill(o.chunk);
  const empty = h('tr', {}, h('td', { colspan: String(columns.length), class: 'muted' }, t('none')));
  if (!rows.length) tbody.appendChild(empty);
  const done = run();
  const append = (more) => {
    if (more.length && empty.isConnected) empty.remove();
    rows.push(...more);
    return run();
  };
  return { el, tbody, done, append };
}

/** A labelled control for filter bars and inline forms. */
export function field(text, control) {
  return h('label', {}, text, control);
}

/** A <select> of [value, text] pairs, the first option being "all" unless opts.noAll. */
export function select(name, pairs, value, opts) {
  const o = opts || {};
  const s = h('select', { name, id: o.id || null, required: o.required || null });
  if (!o.noAll) s.appendChild(h('option', { value: '' }, o.allText || t('all')));
  for (const [v, text] of pairs) s.appendChild(h('option', { value: v, selected: v === value ? true : null }, text));
  return s;
}

/** A short message in the corner, for screen readers too. */
export function toast(msg) {
  const box = document.getElementById('toast');
  const d = h('div', {}, msg);
  box.appendChild(d);
  setTimeout(() => d.remove(), 5000);
}
