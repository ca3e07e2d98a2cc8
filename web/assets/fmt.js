// fmt.js — Japanese conventions for the UI: 令和 dates as the forms write them, numbers with
// Japanese digit grouping, and the date-time of an ISO timestamp in local time.
import { lang } from './i18n.js';

const ERAS = [
  { name: '令和', start: [2019, 5, 1] },
  { name: '平成', start: [1989, 1, 8] },
];

function ymd(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function before(a, b) {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
}

/** "2025-08-01" -> "令和7年8月1日" (令和元年 for 2019); "" for anything that is not a date. */
export function wareki(s) {
  const d = ymd(s);
  if (!d) return s || '';
  for (const era of ERAS) {
    if (!before(d, era.start)) {
      const n = d[0] - era.start[0] + 1;
      return `${era.name}${n === 1 ? '元' : n}年${d[1]}月${d[2]}日`;
    }
  }
  return `${d[0]}年${d[1]}月${d[2]}日`;
}

/** A date as the current language writes it: 令和 in Japanese, ISO in English. */
export function date(s) {
  if (!s) return '';
  return lang() === 'ja' ? wareki(s) : String(s).slice(0, 10);
}

/** An ISO date-time as local date and time. */
export function datetime(s) {
  if (!s) return '';
  const t = new Date(s);
  if (Number.isNaN(t.getTime())) return String(s);
  const p = (n) => String(n).padStart(2, '0');
  const hm = `${p(t.getHours())}:${p(t.getMinutes())}`;
  const iso = `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
  return lang() === 'ja' ? `${wareki(iso)} ${hm}` : `${iso} ${hm}`;
}

const nf = new Intl.NumberFormat('ja-JP');
/** 12345 -> "12,345" (Japanese grouping). */
export function num(n) {
  return n === null || n === undefined || n === '' ? '' : nf.format(Number(n));
}
