// i18n.test.mjs — the web UI's message tables, read as source: no key defined twice in one table
// (an object literal keeps the last, so one use silently shows the other's text), and every key the
// pages name literally in t('…') exists in the Japanese table (the fallback of every language).
// Needs node only: no browser, no packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const assets = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'assets');
const keysOf = (file) =>
  [...readFileSync(join(assets, file), 'utf8').matchAll(/^\s*'([a-z][A-Za-z0-9_.-]*)':|,\s*'([a-z][A-Za-z0-9_.-]*)':/gm)]
    .map((m) => m[1] || m[2]);

for (const file of ['i18n-ja.js', 'i18n-en.js']) {
  test(`${file} defines each key once`, () => {
    const seen = new Set(), twice = [];
    for (const k of keysOf(file)) {
      if (seen.has(k)) twice.push(k);
      seen.add(k);
    }
    assert.deepEqual(twice, []);
  });
}

test('every literal t() key exists in the Japanese table', async () => {
  const ja = (await import(join(assets, 'i18n-ja.js'))).default;
  const missing = [];
  for (const f of readdirSync(assets).filter((n) => n.endsWith('.js') && !n.startsWith('i18n-'))) {
    for (const m of readFileSync(join(assets, f), 'utf8').matchAll(/\bt\('([a-z][A-Za-z0-9_.-]*)'/g))
      if (ja[m[1]] === undefined) missing.push(`${f}: ${m[1]}`);
  }
  assert.deepEqual([...new Set(missing)], []);
});
