// The server, as docs/api.md describes it: bearer tokens with a quiet
// refresh on 401, JSON errors, an offline copy of what was last read, and
// the outbox's transport (XMLHttpRequest for photo upload progress).

import { kv, blobs } from './db.js';

const TOKENS = 'anju.tokens';

export function tokens() {
  try { return JSON.parse(localStorage.getItem(TOKENS)) || null; } catch { return null; }
}

function saveTokens(t) {
  if (t) localStorage.setItem(TOKENS, JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token, user: t.user }));
  else localStorage.removeItem(TOKENS);
}

export function currentUser() {
  const t = tokens();
  return t && t.user;
}

// ApiError carries the server's {code, message, fields, details}.
export class ApiError extends Error {
  constructor(status, err) {
    super((err && err.message) || '请求失败(' + status + ')');
    this.status = status;
    this.code = (err && err.code) || String(status);
    this.fields = (err && err.fields) || {};
    this.details = (err && err.details) || {};
  }
}

// OfflineError means the request never reached the server.
export class OfflineError extends Error {
  constructor() { super('没有网络连接'); this.offline = true; }
}

export async function login(username, password) {
  const res = await fetch('/api/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  }).catch(() => { throw new OfflineError(); });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body && body.error);
  saveTokens(body);
  return body.user;
}

export async function logout() {
  const t = tokens();
  if (t) fetch('/api/auth/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: t.refresh_token }) }).catch(() => {});
  saveTokens(null);
  await kv.clear();
}

// changePassword replaces the signed-in person's password; the server signs
// out their other phones and answers with fresh tokens for this one.
export async function changePassword(oldPassword, newPassword) {
  const body = await json('POST', '/api/me/password', { old_password: oldPassword, new_password: newPassword });
  if (body && body.access_token) saveTokens({ ...body, user: body.user || currentUser() });
}

let refreshing = null;

// refresh trades the refresh token for new tokens once, however many calls
// met a 401 at the same time. Resolves false when the person must sign in.
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const t = tokens();
      if (!t) return false;
      const res = await fetch('/api/auth/refresh', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: t.refresh_token }),
      }).catch(() => null);
      if (!res) return false;
      if (!res.ok) {
        if (res.status === 401) {
          // Another tab (or an earlier answer lost on 3G) already rotated
          // this token: the new pair is stored, so use it instead of
          // signing the person out.
          const now = tokens();
          if (now && now.refresh_token !== t.refresh_token) return true;
          // The session has ended (signed out on this account elsewhere,
          // password changed, 30 days up): back to the sign-in screen,
          // saying why, once.
          const body = await res.json().catch(() => null);
          const message = (body && body.error && body.error.message) || '';
          saveTokens(null);
          window.dispatchEvent(new CustomEvent('anju:signedout', { detail: { message } }));
        }
        return false;
      }
      saveTokens(await res.json());
      return true;
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

function authHeaders(extra = {}) {
  const t = tokens();
  return t ? { ...extra, Authorization: 'Bearer ' + t.access_token } : extra;
}

// call makes an authenticated request, refreshing once on 401; it answers
// the raw Response, or throws OfflineError when the network is down.
export async function call(method, path, { body, headers = {} } = {}) {
  const init = () => {
    const h = authHeaders(headers);
    let b = body;
    if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob)) { h['Content-Type'] = 'application/json'; b = JSON.stringify(body); }
    return { method, headers: h, body: b, cache: 'no-store' };
  };
  let res = await fetch(path, init()).catch(() => { throw new OfflineError(); });
  if (res.status === 401 && await refresh()) {
    res = await fetch(path, init()).catch(() => { throw new OfflineError(); });
  }
  return res;
}

// json calls and decodes, throwing ApiError on a non-2xx answer.
export async function json(method, path, body) {
  const res = await call(method, path, { body });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data && data.error);
  return data;
}

// cached GETs path, keeping the answer for the next time there is no
// signal; offline it answers the kept copy with {stale: true}.
export async function cached(path) {
  try {
    const data = await json('GET', path);
    kv.set('get:' + path, { data, at: Date.now() }).catch(() => {});
    return { data, stale: false };
  } catch (err) {
    if (!err.offline) throw err;
    const kept = await kv.get('get:' + path);
    if (!kept) throw err;
    return { data: kept.data, stale: true, at: kept.at };
  }
}

// keep stores a copy of a GET answer (e.g. a case just returned by an action).
export function keep(path, data) {
  return kv.set('get:' + path, { data, at: Date.now() });
}

export async function kept(path) {
  const k = await kv.get('get:' + path);
  return k && k.data;
}

// photoURL fetches an image with the bearer token and returns an object URL
// (an <img src> cannot carry the header).
const urls = new Map();
export async function photoURL(path) {
  if (urls.has(path)) return urls.get(path);
  const res = await call('GET', path);
  if (!res.ok) throw new ApiError(res.status, null);
  const u = URL.createObjectURL(await res.blob());
  urls.set(path, u);
  return u;
}

// download fetches a document (PDF, xlsx) with the bearer token and hands
// it to the phone as a file named name (a plain link cannot carry the
// header). It throws ApiError with the server's message on a refusal.
export async function download(path, name) {
  const res = await call('GET', path);
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw new ApiError(res.status, data && data.error);
  }
  const u = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = u; a.download = name; a.rel = 'noopener';
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(u), 60000);
}

function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const t = tokens();
    if (t) xhr.setRequestHeader('Authorization', 'Bearer ' + t.access_token);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new OfflineError());
    xhr.ontimeout = () => reject(new OfflineError());
    xhr.timeout = 120000;
    xhr.send(form);
  });
}

// transport sends outbox items (see outbox.js).
export const transport = {
  async send(item, onProgress) {
    const p = item.payload;
    if (item.kind === 'photo') {
      const data = await blobs.get(p.id);
      if (!data) return { status: 422, body: { error: { code: 'photo_missing', message: '本机保存的照片数据已丢失，请放弃此项后重新拍摄' } } };
      const make = () => {
        const f = new FormData();
        f.append('id', p.id);
        f.append('kind', p.kind);
        f.append('taken_at', p.taken_at);
        if (p.lat != null) { f.append('lat', String(p.lat)); f.append('lng', String(p.lng)); }
        if (p.accuracy != null) f.append('accuracy', String(p.accuracy));
        f.append('file', new Blob([data], { type: p.type || 'image/jpeg' }), p.id + '.jpg');
        return f;
      };
      const path = `/api/cases/${encodeURIComponent(item.case_id)}/photos`;
      let res = await upload(path, make(), onProgress);
      if (res.status === 401 && await refresh()) res = await upload(path, make(), onProgress);
      return res;
    }
    const path = item.kind === 'create_case' ? '/api/cases' : `/api/cases/${encodeURIComponent(item.case_id)}/actions/${p.action}`;
    const res = await call('POST', path, { body: p.body });
    const body = await res.json().catch(() => null);
    return { status: res.status, body };
  },

  // applied tells whether an action whose answer was lost is already in the
  // case's history (by this person, after it was queued).
  async applied(item) {
    try {
      const c = await json('GET', `/api/cases/${encodeURIComponent(item.case_id)}`);
      const me = currentUser();
      return (c.history || []).some((h) => h.action === item.payload.action && me && h.actor_id === me.id && Date.parse(h.at) >= item.created_at - 60000);
    } catch { return false; }
  },
};
