// Calls to /api on this origin with the session cookie. The CSRF proof lives in memory only (never
// localStorage): from the login reply, or /api/auth/me after a reload.
let csrf = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(message(body, status));
    this.status = status;
    this.body = body;
  }
}

function message(body, status) {
  if (body && typeof body === 'object') {
    const e = body.error;
    if (e && typeof e === 'object' && e.message) return e.message;
    if (typeof e === 'string') return body.message || e;
    if (body.detail) return body.detail;
  }
  return `request failed (${status})`;
}

export function setCsrf(token) {
  csrf = token || null;
}

export async function api(method, path, body, headers = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    if (csrf) init.headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, headers: res.headers };
}

export const get = async (path) => (await api('GET', path)).data;
export const post = async (path, body, headers) => (await api('POST', path, body, headers)).data;
export const put = async (path, body) => (await api('PUT', path, body)).data;
export const del = async (path) => (await api('DELETE', path)).data;

/** A query string from an object, leaving out empty values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
