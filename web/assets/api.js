// api.js — the UI's only door to ismapd's HTTP gateway: ops over POST /api/v1/ops/{op}, the
// browser session (cookie + CSRF token), uploads, downloads and the Server-Sent Events stream.
// Errors come back as ApiError carrying the gateway's code, message and details.

let csrf = null;
// Bearer mode: when the gateway has no browser sessions (POST /api/v1/session answers 404), the
// token is kept for this tab only (sessionStorage) and sent as a bearer header instead.
let bearer = null;
try { bearer = sessionStorage.getItem('ismap.bearer'); } catch (e) { bearer = null; }

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
  if (bearer) h.Authorization = `Bearer ${bearer}`;
  else if (csrf && method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = csrf;
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
  bearer = null;
  try {
    const r = await send('POST', '/api/v1/session', { token });
    csrf = r.csrf_token || null;
    return r;
  } catch (e) {
    if (e.status !== 404 && e.status !== 405) throw e;
  }
  // No session route on this gateway: check the token with an op and keep it for this tab.
  bearer = token;
  try {
    const who = await op('status', {});
    const c = who.caller || {};
    try { sessionStorage.setItem('ismap.bearer', token); } catch (e) { /* this page only */ }
    return { role: c.role || 'viewer', org: c.org || '', bearer: true };
  } catch (e) {
    bearer = null;
    throw e;
  }
}

/** The live session, or null when there is none. */
export async function session() {
  if (bearer) {
    try {
      const c = (await op('status', {})).caller || {};
      return { role: c.role || 'viewer', org: c.org || '', bearer: true };
    } catch (e) { forget(); return null; }
  }
  const res = await fetch('/api/v1/session', { credentials: 'same-origin' });
  if (!res.ok) return null;
  const body = await res.json().catch(() => null);
  if (!body || !body.ok) return null;
  csrf = body.result.csrf_token || null;
  return body.result;
}

function forget() {
  bearer = null;
  try { sessionStorage.removeItem('ismap.bearer'); } catch (e) { /* nothing kept */ }
}

export async function logout() {
  if (!bearer) { try { await send('DELETE', '/api/v1/session'); } catch (e) { /* already gone */ } }
  forget();
  csrf = null;
}

/** True for the gateway's 404 for a path it has no route for (not a missing resource). */
function noRoute(e) { return e && e.status === 404 && /no such path/.test(e.message); }

function base64(buf) {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Uploads a File as evidence of `kind` for `subject` (raw body + X-Filename). A gateway without
 *  the upload route (404) gets the same import as the evidence.import op with the bytes in base64. */
export async function upload(kind, subject, file) {
  const q = new URLSearchParams({ kind });
  if (subject) q.set('subject', subject);
  try {
    return await send('POST', `/api/v1/evidence?${q}`, file,
      { 'X-Filename': encodeURIComponent(file.name), 'Content-Type': file.type || 'application/octet-stream' });
  } catch (e) {
    if (!noRoute(e)) throw e;
  }
  const params = { kind, name: file.name, content_base64: base64(await file.arrayBuffer()) };
  if (subject) params.subject = subject;
  return op('evidence.import', params);
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

/** Fetches a download route and hands the file to the browser under the server's name. A
 *  gateway without the route (404) gets the same bytes from the export op `viaOp` [name, params],
 *  whose result carries content_base64. */
export async function download(path, fallbackName, viaOp) {
  const res = await fetch(path, { credentials: 'same-origin', headers: headers('GET') });
  if (res.ok) return save(await res.blob(), dispositionName(res.headers.get('Content-Disposition'), fallbackName));
  let err = null;
  try { await envelope(res); } catch (e) { err = e; }
  if (!viaOp || !noRoute(err)) throw err;
  const r = await op(viaOp[0], viaOp[1]);
  const bin = atob(r.content_base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return save(new Blob([bytes], { type: r.media_type || 'application/octet-stream' }), r.filename || r.name || fallbackName);
}

/** Subscribes to /api/v1/events; onEvent(type, data) per event; onState('open' | 'reconnecting'
 *  | 'closed' | 'unavailable'). Returns a function that stops it. A session uses EventSource
 *  (which reconnects by itself); bearer mode reads the stream with fetch. When the gateway has
 *  no events route, onState('unavailable') is called once and nothing more happens. */
export function events(onEvent, onState) {
  const state = onState || (() => {});
  const types = ['job.progress', 'job.finished', 'matrix.changed'];
  const parse = (t, raw) => {
    let data = null;
    try { data = JSON.parse(raw); } catch (e) { data = { raw }; }
    onEvent(t, data);
  };
  if (!bearer) {
    const es = new EventSource('/api/v1/events', { withCredentials: true });
    for (const t of types) es.addEventListener(t, (ev) => parse(t, ev.data));
    let opened = false;
    es.onopen = () => { opened = true; state('open'); };
    es.onerror = async () => {
      if (!opened) {
        // Never opened: is there an events route at all?
        const r = await fetch('/api/v1/events', { method: 'HEAD', credentials: 'same-origin' }).catch(() => null);
        if (r && r.status === 404) { es.close(); state('unavailable'); return; }
      }
      state(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    };
    return () => es.close();
  }
  const ctl = new AbortController();
  (async () => {
    const res = await fetch('/api/v1/events', { headers: headers('GET'), signal: ctl.signal }).catch(() => null);
    if (!res || !res.ok || !res.body) { if (!ctl.signal.aborted) state(res && res.status === 404 ? 'unavailable' : 'closed'); return; }
    state('open');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let type = 'message', data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(5).trimStart();
          }
          if (data && types.includes(type)) parse(type, data);
        }
      }
    } catch (e) { /* aborted */ }
    if (!ctl.signal.aborted) state('closed');
  })();
  return () => ctl.abort();
}
