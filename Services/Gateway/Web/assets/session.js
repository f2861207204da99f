// The signed-in person's session (docs/protocol.md, "Sign-in and sessions"): the access token lives
// in memory only; the refresh credential is an HttpOnly cookie the page never sees. Every page load
// and every token nearing its end asks POST /v1/session/refresh.

let current = null;
let refreshing = null;
let timer = null;
const listeners = new Set();

/** Calls `fn(session|null)` whenever the session changes (null: signed out or ended). */
export function onSession(fn) { listeners.add(fn); }

function set(session) {
  current = session;
  clearTimeout(timer);
  if (session) {
    const left = Date.parse(session.expiresAt) - Date.now();
    timer = setTimeout(() => refresh().catch(() => {}), Math.max(5_000, left - 60_000));
  }
  for (const fn of listeners) fn(session);
}

export function session() { return current; }

/** A fresh access token from the cookie; null when there is no session (any more). */
export function refresh() {
  if (!refreshing) {
    refreshing = fetch('/v1/session/refresh', { method: 'POST', credentials: 'same-origin' })
      .then(async (r) => {
        if (r.status === 401) { set(null); return null; }
        if (!r.ok) throw new Error('refresh ' + r.status);
        const s = await r.json();
        set(s);
        return s;
      })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** Exchanges a sign-in code for a session kept in the cookie. */
export async function signIn(code) {
  const r = await fetch('/v1/session', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, cookie: true }),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(body.message || r.statusText), { code: body.code, status: r.status });
  set(body);
  return body;
}

export async function signOut() {
  if (current) await api('DELETE', '/v1/session').catch(() => {});
  set(null);
}

/** An API error with the server's stable code and message. */
export class APIError extends Error {
  constructor(status, body) {
    super(body?.message || ('HTTP ' + status));
    this.status = status;
    this.code = body?.code;
  }
}

/** Calls the API with the session's token; one refresh and retry on 401. */
export async function api(method, path, body, { raw = false, retried = false, keepalive = false } = {}) {
  if (!current) await refresh();
  if (!current) throw new APIError(401, { code: 'unauthorized', message: 'signed out' });
  const headers = { Authorization: 'Bearer ' + current.accessToken };
  let payload;
  if (body instanceof Blob || body instanceof FormData) payload = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  // keepalive: the request outlives a page going to the background (the courier app's state).
  const r = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', keepalive });
  if (r.status === 401 && !retried) {
    const s = await refresh();
    if (s) return api(method, path, body, { raw, retried: true, keepalive });
  }
  if (raw) return r;
  if (r.status === 204) return null;
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new APIError(r.status, data);
  return data;
}
