// i18n.js — every label of the UI comes from here: Japanese first, English as a switch kept in
// localStorage. t(key, ...args) fills {0}, {1}…; label(code) names a product code (statuses,
// verdicts, severities, roles) with the same words ismapctl prints.
import ja from './i18n-ja.js';
import en from './i18n-en.js';

const tables = { ja, en };
let current = 'ja';
try {
  const saved = localStorage.getItem('ismap.lang');
  if (saved && tables[saved]) current = saved;
} catch (e) { /* storage disabled: stay Japanese */ }

export function lang() { return current; }

export function setLang(l) {
  if (!tables[l]) return;
  current = l;
  try { localStorage.setItem('ismap.lang', l); } catch (e) { /* not kept */ }
  document.documentElement.lang = l;
}

export function t(key, ...args) {
  let s = tables[current][key];
  if (s === undefined) s = tables.ja[key];
  if (s === undefined) return key;
  return s.replace(/\{(\d+)\}/g, (m, i) => (args[i] === undefined ? '' : String(args[i])));
}

/** The label of a code (status, verdict, severity, role, …); the code itself when unknown. */
export function label(code) {
  if (code === undefined || code === null || code === '') return '';
  const k = `code.${code}`;
  const s = tables[current][k] !== undefined ? tables[current][k] : tables.ja[k];
  return s === undefined ? String(code) : s;
}

/** True when the key exists (for optional labels). */
export function has(key) { return tables.ja[key] !== undefined; }
