// api.js — the UI's only door to ismapd's HTTP gateway: ops over POST /api/v1/ops/{op}, the
// browser session (cookie + CSRF token), uploads, downloads and the Server-Sent Events stream.
// Errors come back as ApiError carrying the gateway's code, message and details.

// The API token itself is never kept by the page: it is exchanged once for an HttpOnly session
// cookie, and only the session's CSRF token (useless without the cookie) lives in memory.
let csrf = null;

export class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (error && error.code) || 'internal';
    this.details = (error && error.details) || [];
  }
}

function headers(method, extra) {
  const h = Object.assign({}, extra || {});
  if (csrf && method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = csrf;
  return h;
}

async function envelope(res) {
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (res.ok && body && body.ok) return body.result;
  if (res.status === 401 && onUnauthenticated) onUnauthenticated();
  throw new ApiError(res.status, body && body.error);
}

let onUnauthenticated = null;
/** fn is called when the gateway answers 401 (session gone): the app returns to the login page. */
export function setUnauthenticatedHandler(fn) { onUnauthenticated = fn; }

async function send(method, path, body, extra) {
  const init = { method, headers: headers(method, extra), credentials: 'same-origin' };
  if (body !== undefined) {
    if (body instanceof Blob || body instanceof ArrayBuffer) init.body = body;
    else { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  }
  let res;
  try { res = await fetch(path, init); }
  catch (e) { throw new ApiError(0, { code: 'unavailable', message: String(e.message || e) }); }
  return envelope(res);
}

/** Runs one op of the op table and resolves to its result. */
export function op(name, params) {
  return send('POST', `/api/v1/ops/${encodeURIComponent(name)}`, params || {});
}

/** GET of a resource route (query parameters from params, empty ones left out). */
export function get(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return send('GET', s ? `${path}?${s}` : path);
}

/** Exchanges an API token for a session cookie; resolves to {role, org, csrf_token, ...}. */
export async function login(token) {
  const r = await send('POST', '/api/v1/session', { token });
  csrf = r.csrf_token || null;
  return r;
}

/** The live session, or null when there is none. */
export async function session() {
  const res = await fetch('/api/v1/session', { credentials: 'same-origin' });
  if (!res.ok) return null;
  const body = await res.json().catch(() => null);
  if (!body || !body.ok) return null;
  csrf = body.result.csrf_token || null;
  return body.result;
}

export async function logout() {
  try { await send('DELETE', '/api/v1/session'); } catch (e) { /* already gone */ }
  csrf = null;
}

/** Uploads a File as evidence of `kind` for `subject` (raw body + X-Filename). */
export function upload(kind, subject, file) {
  const q = new URLSearchParams({ kind });
  if (subject) q.set('subject', subject);
  return send('POST', `/api/v1/evidence?${q}`, file,
    { 'X-Filename': encodeURIComponent(file.name), 'Content-Type': file.type || 'application/octet-stream' });
}

function dispositionName(h, fallback) {
  if (!h) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(h);
  if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* fall through */ } }
  const plain = /filename="([^"]+)"/i.exec(h);
  return plain ? plain[1] : fallback;
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { name, size: blob.size };
}

/** Fetches a download route and hands the file to the browser under the server's name. */
export async function download(path, fallbackName) {
  const res = await fetch(path, { credentials: 'same-origin', headers: headers('GET') });
  if (res.ok) return save(await res.blob(), dispositionName(res.headers.get('Content-Disposition'), fallbackName));
  return envelope(res);
}

/** Subscribes to /api/v1/events; onEvent(type, data) per event; onState('open' | 'reconnecting'
 *  | 'closed' | 'unavailable'). Returns a function that stops it. EventSource reconnects by
 *  itself; when the stream cannot be opened at all (the gateway's subscriber limit, 503),
 *  onState('unavailable') is called once and the page asks for the job's state instead. */
export function events(onEvent, onState) {
  const state = onState || (() => {});
  const types = ['job.progress', 'job.finished', 'matrix.changed'];
  const parse = (t, raw) => {
    let data = null;
    try { data = JSON.parse(raw); } catch (e) { data = { raw }; }
    onEvent(t, data);
  };
  const es = new EventSource('/api/v1/events', { withCredentials: true });
  for (const t of types) es.addEventListener(t, (ev) => parse(t, ev.data));
  let opened = false;
  es.onopen = () => { opened = true; state('open'); };
  es.onerror = () => {
    if (!opened) { es.close(); state('unavailable'); return; }
    state(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  };
  return () => es.close();
}
